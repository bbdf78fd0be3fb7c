"""Tests for dlnotes.rnn, the simple recurrent cell.

Two independent proofs of forward and backward through time (STYLE.md
habit 8), over the (N, T, D, H) in SHAPES (T = 1 and odd sizes), always with
non-zero random initial states, weights and biases:

* Keras parity: the same arrays loaded with ``layer.set_weights([kernel,
  recurrent_kernel, bias])`` into ``tf.keras.layers.SimpleRNN`` (with
  ``initial_state=[h0]``) give every hidden state and the final one (float32
  within 1e-5 and still float32, float64 within 1e-12), and
  ``tf.GradientTape`` of ``sum(h_seq * U)`` gives every gradient of
  ``rnn_backward``;
* centred finite differences of the same loss computed by our forward, in
  float64, relative error below 1e-6.

Then the step functions against the sequence functions, the chapter's
single-matrix formulation, and errors that name the bad argument.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_close, numerical_grad, rel_error

from dlnotes import rnn

# (N, T, D, H): one of everything, a single step, then odd sizes and longer sequences.
SHAPES = [
    pytest.param((1, 1, 1, 1), id="N1-T1-D1-H1"),
    pytest.param((3, 1, 4, 5), id="N3-T1-D4-H5"),
    pytest.param((2, 7, 3, 5), id="N2-T7-D3-H5"),
    pytest.param((5, 13, 2, 9), id="N5-T13-D2-H9"),
]
TOL = {
    np.float32: dict(rtol=1e-5, atol=1e-6),
    np.float64: dict(rtol=1e-12, atol=1e-14),
}
GRAD_TOL = dict(rtol=1e-10, atol=1e-12)  # float64 gradients, ours against another float64 computation
FD_TOL = 1e-6                            # relative error against centred finite differences
NAMES = ("x", "h0", "kernel", "recurrent_kernel", "bias")  # rnn_forward's arguments, in order


def random_problem(rng, shape, dtype=np.float64) -> dict:
    """rnn_forward's arguments by name: x ~ N(0, 1), h0 ~ U(-0.9, 0.9), weights ~ N(0, 1/fan_in), bias ~ N(0, 0.5^2)."""
    n, t, d, h = shape
    p = {
        "x": rng.standard_normal((n, t, d)),
        "h0": rng.uniform(-0.9, 0.9, (n, h)),
        "kernel": rng.standard_normal((d, h)) / np.sqrt(d),
        "recurrent_kernel": rng.standard_normal((h, h)) / np.sqrt(h),
        "bias": 0.5 * rng.standard_normal(h),
    }
    for name, value in p.items():
        assert np.all(value != 0), f"{name} drew an exact zero"
    return {name: value.astype(dtype) for name, value in p.items()}


def keras_simple_rnn(tf, p: dict):
    """A built ``SimpleRNN`` holding exactly p's kernel, recurrent_kernel and bias, in p's dtype."""
    n, t, d = p["x"].shape
    layer = tf.keras.layers.SimpleRNN(
        p["h0"].shape[1], return_sequences=True, return_state=True, dtype=p["x"].dtype.name
    )
    layer.build((n, t, d))
    layer.set_weights([p["kernel"], p["recurrent_kernel"], p["bias"]])
    assert [v.name for v in layer.trainable_variables] == ["kernel", "recurrent_kernel", "bias"]
    return layer


def loss_of(p: dict, U) -> float:
    """L = sum(h_seq * U), computed by our forward."""
    return float(np.sum(rnn.rnn_forward(**p)[0] * U))


def ours(p: dict, U) -> dict:
    """Every gradient of L = sum(h_seq * U) from rnn_backward, by argument name."""
    _, cache = rnn.rnn_forward(**p)
    dx, dh0, grads = rnn.rnn_backward(U, cache)
    return {"x": dx, "h0": dh0, **grads}


def run_steps(p: dict):
    """Chain rnn_step_forward over time by hand: (h_seq, caches)."""
    h, hs, caches = p["h0"], [], []
    for t in range(p["x"].shape[1]):
        h, cache = rnn.rnn_step_forward(p["x"][:, t], h, p["kernel"], p["recurrent_kernel"], p["bias"])
        hs.append(h)
        caches.append(cache)
    return np.stack(hs, axis=1), caches


# ------------------------------------------------------- Keras parity


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
def test_forward_matches_keras_simple_rnn(tf, rng, shape, dtype):
    p = random_problem(rng, shape, dtype)
    h_seq, _ = rnn.rnn_forward(**p)
    want_seq, want_last = keras_simple_rnn(tf, p)(tf.constant(p["x"]), initial_state=[tf.constant(p["h0"])])
    label = f"{shape} {np.dtype(dtype).name}"
    assert h_seq.dtype == dtype, f"{label}: h_seq is {h_seq.dtype}"
    assert_close(f"h_seq {label}", h_seq, want_seq.numpy(), check_dtype=True, **TOL[dtype])
    assert_close(f"final h {label}", h_seq[:, -1], want_last.numpy(), check_dtype=True, **TOL[dtype])


@pytest.mark.parametrize("shape", SHAPES)
def test_backward_matches_gradient_tape_of_keras(tf, rng, shape):
    p = random_problem(rng, shape)
    U = rng.standard_normal(shape[:2] + shape[3:])
    layer = keras_simple_rnn(tf, p)
    x, h0 = tf.constant(p["x"]), tf.constant(p["h0"])
    with tf.GradientTape() as tape:
        tape.watch([x, h0])
        h_seq, _ = layer(x, initial_state=[h0])
        loss = tf.reduce_sum(h_seq * U)
    want = dict(zip(NAMES, tape.gradient(loss, [x, h0, *layer.trainable_variables])))
    assert_close(f"loss {shape}", loss_of(p, U), loss.numpy(), rtol=1e-12, atol=1e-12)
    got = ours(p, U)
    for name in NAMES:
        assert_close(f"d{name} {shape}", got[name], want[name].numpy(), check_dtype=True, **GRAD_TOL)


def test_backward_matches_gradient_tape_in_float32(tf, rng):
    shape = (5, 13, 2, 9)
    p = random_problem(rng, shape, np.float32)
    U = rng.standard_normal(shape[:2] + shape[3:]).astype(np.float32)
    layer = keras_simple_rnn(tf, p)
    x, h0 = tf.constant(p["x"]), tf.constant(p["h0"])
    with tf.GradientTape() as tape:
        tape.watch([x, h0])
        loss = tf.reduce_sum(layer(x, initial_state=[h0])[0] * U)
    want = dict(zip(NAMES, tape.gradient(loss, [x, h0, *layer.trainable_variables])))
    got = ours(p, U)
    for name in NAMES:
        assert got[name].dtype == np.float32, f"d{name} is {got[name].dtype}, want float32"
        assert_close(f"d{name} float32", got[name], want[name].numpy(), rtol=1e-4, atol=1e-5)


# ------------------------------------------------ finite differences


@pytest.mark.parametrize("shape", SHAPES)
def test_backward_matches_finite_differences(rng, shape):
    p = random_problem(rng, shape)
    U = rng.standard_normal(shape[:2] + shape[3:])
    got = ours(p, U)
    for name in NAMES:
        want = numerical_grad(lambda v, name=name: loss_of({**p, name: v}, U), p[name])
        err = rel_error(got[name], want)
        assert err < FD_TOL, f"d{name} vs finite differences, {shape}: rel error {err:.2e}"


def test_finite_difference_check_catches_truncated_backprop(rng):
    # Dropping the gradient that flows back through h_{t-1} is far outside 1e-6.
    p = random_problem(rng, (2, 7, 3, 5))
    U = rng.standard_normal((2, 7, 5))
    _, caches = run_steps(p)
    truncated = sum(rnn.rnn_step_backward(U[:, t], caches[t])[2]["recurrent_kernel"] for t in range(7))
    want = numerical_grad(lambda v: loss_of({**p, "recurrent_kernel": v}, U), p["recurrent_kernel"])
    assert rel_error(truncated, want) > 1e-3


# ------------------------------------------------------ step functions


@pytest.mark.parametrize("shape", SHAPES)
def test_one_step_equals_a_sequence_of_length_one(rng, shape):
    p = random_problem(rng, shape)
    p1 = {**p, "x": p["x"][:, :1]}
    U = rng.standard_normal((shape[0], 1, shape[3]))
    h_seq, cache_seq = rnn.rnn_forward(**p1)
    h, cache = rnn.rnn_step_forward(p["x"][:, 0], p["h0"], p["kernel"], p["recurrent_kernel"], p["bias"])
    assert_close(f"h {shape}", h, h_seq[:, 0], rtol=1e-14, atol=1e-15)
    dx, dh_prev, grads = rnn.rnn_step_backward(U[:, 0], cache)
    dx_seq, dh0, grads_seq = rnn.rnn_backward(U, cache_seq)
    assert_close(f"dx_t {shape}", dx, dx_seq[:, 0], rtol=1e-13, atol=1e-15)
    assert_close(f"dh_prev {shape}", dh_prev, dh0, rtol=1e-13, atol=1e-15)
    assert list(grads) == ["kernel", "recurrent_kernel", "bias"], list(grads)
    for name in grads:
        assert_close(f"d{name} {shape}", grads[name], grads_seq[name], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("shape", SHAPES)
def test_chained_steps_equal_the_sequence_forward(rng, shape):
    p = random_problem(rng, shape)
    h_steps, _ = run_steps(p)
    assert_close(f"h_seq {shape}", h_steps, rnn.rnn_forward(**p)[0], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("shape", SHAPES)
def test_chained_step_backwards_equal_the_sequence_backward(rng, shape):
    p = random_problem(rng, shape)
    U = rng.standard_normal(shape[:2] + shape[3:])
    _, caches = run_steps(p)
    dx = np.empty_like(p["x"])
    dh_next = np.zeros_like(p["h0"])
    total = {name: 0.0 for name in NAMES[2:]}
    for t in reversed(range(shape[1])):
        dx[:, t], dh_next, grads = rnn.rnn_step_backward(U[:, t] + dh_next, caches[t])
        total = {name: total[name] + grads[name] for name in total}
    want = ours(p, U)
    for name, got in {"x": dx, "h0": dh_next, **total}.items():
        assert_close(f"d{name} {shape}", got, want[name], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("shape", SHAPES)
def test_step_backward_matches_finite_differences(rng, shape):
    n, _, d, h = shape
    p = random_problem(rng, shape)
    args = {"x_t": p["x"][:, 0], "h_prev": p["h0"], "kernel": p["kernel"],
            "recurrent_kernel": p["recurrent_kernel"], "bias": p["bias"]}
    U = rng.standard_normal((n, h))
    _, cache = rnn.rnn_step_forward(**args)
    dx, dh_prev, grads = rnn.rnn_step_backward(U, cache)
    got = {"x_t": dx, "h_prev": dh_prev, **grads}
    for name in args:
        def loss(v, name=name):
            return float(np.sum(rnn.rnn_step_forward(**{**args, name: v})[0] * U))

        err = rel_error(got[name], numerical_grad(loss, args[name]))
        assert err < FD_TOL, f"d{name} of one step vs finite differences, {shape}: rel error {err:.2e}"


@pytest.mark.parametrize("shape", SHAPES)
def test_single_matrix_formulation_of_the_chapter(rng, shape):
    # h_t = tanh([h_{t-1}, x_t] W + b) with W = vstack([recurrent_kernel, kernel]).
    p = random_problem(rng, shape)
    W = np.vstack([p["recurrent_kernel"], p["kernel"]])
    assert W.shape == (shape[3] + shape[2], shape[3])
    want = np.tanh(np.concatenate([p["h0"], p["x"][:, 0]], axis=1) @ W + p["bias"])
    got, _ = rnn.rnn_step_forward(p["x"][:, 0], p["h0"], p["kernel"], p["recurrent_kernel"], p["bias"])
    assert_close(f"h {shape}", got, want, rtol=1e-13, atol=1e-15)


def test_hand_formula_over_a_sequence(rng):
    p = random_problem(rng, (3, 4, 2, 5))
    h, want = p["h0"], []
    for t in range(4):
        h = np.tanh(p["x"][:, t] @ p["kernel"] + h @ p["recurrent_kernel"] + p["bias"])
        want.append(h)
    assert_close("h_seq", rnn.rnn_forward(**p)[0], np.stack(want, axis=1), rtol=1e-13, atol=1e-15)


def test_float32_in_float32_out(rng):
    p = random_problem(rng, (2, 7, 3, 5), np.float32)
    U = rng.standard_normal((2, 7, 5)).astype(np.float32)
    h_seq, cache = rnn.rnn_forward(**p)
    dx, dh0, grads = rnn.rnn_backward(U, cache)
    h, step_cache = rnn.rnn_step_forward(p["x"][:, 0], p["h0"], p["kernel"], p["recurrent_kernel"], p["bias"])
    step_dx, step_dh, step_grads = rnn.rnn_step_backward(U[:, 0], step_cache)
    arrays = {"h_seq": h_seq, "dx": dx, "dh0": dh0, "h": h, "step dx": step_dx, "step dh_prev": step_dh,
              **{f"d{k}": v for k, v in grads.items()}, **{f"step d{k}": v for k, v in step_grads.items()}}
    assert {k: v.dtype for k, v in arrays.items()} == {k: np.float32 for k in arrays}


def test_forward_does_not_modify_its_inputs(rng):
    p = random_problem(rng, (2, 7, 3, 5))
    before = {k: v.copy() for k, v in p.items()}
    _, cache = rnn.rnn_forward(**p)
    rnn.rnn_backward(rng.standard_normal((2, 7, 5)), cache)
    for k in p:
        assert_close(f"input {k} untouched", p[k], before[k], rtol=0, atol=0)


# ----------------------------------------------------------- bad input

N, T, D, H = 2, 7, 3, 5
_GOOD = random_problem(np.random.default_rng(0), (N, T, D, H))
_, _CACHE = rnn.rnn_forward(**_GOOD)


def forward(**kw):
    return rnn.rnn_forward(**{**_GOOD, **kw})


def step(**kw):
    args = {"x_t": _GOOD["x"][:, 0], "h_prev": _GOOD["h0"], "kernel": _GOOD["kernel"],
            "recurrent_kernel": _GOOD["recurrent_kernel"], "bias": _GOOD["bias"]}
    return rnn.rnn_step_forward(**{**args, **kw})


def ones(*shape):
    return np.full(shape, 0.3)


BAD_INPUT = [
    # x
    pytest.param(lambda: forward(x=ones(N, D)), ValueError, r"x must be 3-D \(N, T, D\).*got shape \(2, 3\)", id="x-2d"),
    pytest.param(lambda: forward(x=ones(N, T, D, 1)), ValueError, r"x must be 3-D .*got shape \(2, 7, 3, 1\)", id="x-4d"),
    pytest.param(lambda: forward(x=ones(N, 0, D)), ValueError, r"x has no time steps \(shape \(2, 0, 3\)\)", id="x-T0"),
    pytest.param(lambda: forward(x=ones(N, T, D + 1)), ValueError,
                 r"kernel must have shape \(D, H\) = \(4, 5\) for D = 4, H = 5; got \(3, 5\)", id="x-features"),
    # h0
    pytest.param(lambda: forward(h0=ones(N + 1, H)), ValueError, r"h0 must have shape \(N, H\) = \(2, 5\), got \(3, 5\)", id="h0-wrong-N"),
    pytest.param(lambda: forward(h0=ones(N, H + 1)), ValueError, r"h0 must have shape \(N, H\) = \(2, 5\), got \(2, 6\)", id="h0-wrong-H"),
    pytest.param(lambda: forward(h0=ones(H)), ValueError, r"h0 must have shape \(N, H\) = \(2, 5\), got \(5,\)", id="h0-1d"),
    # weights
    pytest.param(lambda: forward(kernel=ones(D + 1, H)), ValueError,
                 r"kernel must have shape \(D, H\) = \(3, 5\) for D = 3, H = 5; got \(4, 5\)", id="kernel-rows"),
    pytest.param(lambda: forward(kernel=ones(D, H + 2)), ValueError,
                 r"kernel must have shape \(D, H\) = \(3, 5\) for D = 3, H = 5; got \(3, 7\)", id="kernel-width"),
    pytest.param(lambda: forward(kernel=ones(D * H)), ValueError, r"kernel must have shape \(D, H\) = \(3, 5\).*got \(15,\)", id="kernel-1d"),
    pytest.param(lambda: forward(recurrent_kernel=ones(H, H + 1)), ValueError,
                 r"recurrent_kernel must have shape \(H, H\); got \(5, 6\), which would need a width of 5 for H = 5",
                 id="recurrent_kernel-not-square"),
    pytest.param(lambda: forward(recurrent_kernel=ones(H)), ValueError, r"recurrent_kernel must be 2-D .*got shape \(5,\)",
                 id="recurrent_kernel-1d"),
    pytest.param(lambda: forward(recurrent_kernel=ones(H + 1, H + 1)), ValueError,
                 r"kernel must have shape \(D, H\) = \(3, 6\) for D = 3, H = 6; got \(3, 5\)", id="recurrent_kernel-other-H"),
    pytest.param(lambda: forward(bias=ones(H - 1)), ValueError, r"bias must have shape \(H,\) = \(5,\), got \(4,\)", id="bias-short"),
    pytest.param(lambda: forward(bias=ones(1, H)), ValueError, r"bias must have shape \(H,\) = \(5,\), got \(1, 5\)", id="bias-2d"),
    # backward
    pytest.param(lambda: rnn.rnn_backward(ones(N, T - 1, H), _CACHE), ValueError,
                 r"dh_seq must have the shape of h_seq \(2, 7, 5\), got \(2, 6, 5\)", id="dh_seq-wrong-T"),
    pytest.param(lambda: rnn.rnn_backward(ones(N, H), _CACHE), ValueError,
                 r"dh_seq must have the shape of h_seq \(2, 7, 5\), got \(2, 5\)", id="dh_seq-2d"),
    pytest.param(lambda: rnn.rnn_backward(ones(N, T, H, 1), _CACHE), ValueError,
                 r"dh_seq must have the shape of h_seq \(2, 7, 5\), got \(2, 7, 5, 1\)", id="dh_seq-4d"),
    # step
    pytest.param(lambda: step(x_t=ones(N, 1, D)), ValueError, r"x_t must be 2-D \(N, D\), got shape \(2, 1, 3\)", id="step-x_t-3d"),
    pytest.param(lambda: step(x_t=ones(D)), ValueError, r"x_t must be 2-D \(N, D\), got shape \(3,\)", id="step-x_t-1d"),
    pytest.param(lambda: step(h_prev=ones(N + 1, H)), ValueError, r"h_prev must have shape \(N, H\) = \(2, 5\), got \(3, 5\)",
                 id="step-h_prev-wrong-N"),
    pytest.param(lambda: step(kernel=ones(D, H + 1)), ValueError, r"kernel must have shape \(D, H\) = \(3, 5\).*got \(3, 6\)",
                 id="step-kernel-width"),
    pytest.param(lambda: step(bias=ones(H + 1)), ValueError, r"bias must have shape \(H,\) = \(5,\), got \(6,\)", id="step-bias"),
    # types
    pytest.param(lambda: forward(x=np.full((N, T, D), "a")), TypeError, r"x must be a real numeric array-like, got dtype <U1",
                 id="x-strings"),
    pytest.param(lambda: forward(x=_GOOD["x"] + 1j), TypeError, r"x must be a real numeric array-like, got dtype complex128",
                 id="x-complex"),
    pytest.param(lambda: forward(x=[[[0.1, 0.2, 0.3]], [[0.4]]]), TypeError, r"x must be a numeric array-like", id="x-ragged"),
    pytest.param(lambda: forward(h0=np.full((N, H), None)), TypeError, r"h0 must be a real numeric array-like, got dtype object",
                 id="h0-objects"),
    pytest.param(lambda: forward(kernel=np.full((D, H), "w")), TypeError, r"kernel must be a real numeric array-like",
                 id="kernel-strings"),
]


@pytest.mark.parametrize("call, exc, pattern", BAD_INPUT)
def test_bad_input_raises_naming_the_value(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def test_non_numeric_x_t_in_the_step_is_a_type_error():
    # Only a TypeError is promised here: the step does not validate x_t's dtype itself.
    with pytest.raises(TypeError):
        step(x_t=np.full((N, D), "a"))


def test_integer_and_list_inputs_are_accepted_as_float64(rng):
    p = random_problem(rng, (2, 3, 2, 4))
    x_int = rng.integers(-3, 4, size=(2, 3, 2))
    got, _ = rnn.rnn_forward(x_int.tolist(), p["h0"].tolist(), p["kernel"], p["recurrent_kernel"], p["bias"])
    want, _ = rnn.rnn_forward(**{**p, "x": x_int.astype(np.float64)})
    assert got.dtype == np.float64
    assert_close("h_seq from lists and integers", got, want, rtol=0, atol=0)


def test_step_backward_refuses_a_broadcastable_dh(rng):
    x_t, h_prev = rng.normal(size=(3, 2)), rng.normal(size=(3, 4))
    weights = rng.normal(size=(2, 4)), rng.normal(size=(4, 4)), rng.normal(size=4)
    _, cache = rnn.rnn_step_forward(x_t, h_prev, *weights)
    for bad in (rng.normal(size=4), rng.normal(size=(1, 4))):
        with pytest.raises(ValueError, match=r"dh must have the shape of h \(3, 4\)"):
            rnn.rnn_step_backward(bad, cache)


def test_step_input_must_be_real(rng):
    weights = rng.normal(size=(2, 4)), rng.normal(size=(4, 4)), rng.normal(size=4)
    with pytest.raises(TypeError, match="x_t must be a real numeric"):
        rnn.rnn_step_forward(np.ones((3, 2), dtype=complex), rng.normal(size=(3, 4)), *weights)


def test_one_dimensional_recurrent_kernel_message_says_h_by_h(rng):
    with pytest.raises(ValueError, match=r"recurrent_kernel must be 2-D \(H, H\)"):
        rnn.rnn_forward(rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 4)), rng.normal(size=(2, 4)), rng.normal(size=4), rng.normal(size=4))
