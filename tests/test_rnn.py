"""Tests for dlnotes.rnn, the simple recurrent cell.

Two independent proofs of forward and backward through time (STYLE.md
habit 8), over the (N, T, D, H) in SHAPES (T = 1 and odd sizes), always with
non-zero random initial states, weights and biases:

* Keras parity: the same arrays loaded with ``layer.set_weights([kernel,
  recurrent_kernel, bias])`` into ``tf.keras.layers.SimpleRNN`` (with
  ``initial_state=[h0]``) give every hidden state and the final one (float32
  within 1e-5 and still float32, float64 within 1e-12), and
  ``tf.GradientTape`` of ``sum(h_seq * U)`` gives every gradient of
  ``rnn_backward`` (float32 within 1e-4, float64 within 1e-10, each in its
  own dtype);
* centred finite differences of the same loss computed by our forward, in
  float64, relative error below 1e-6.

Then the step functions against the sequence functions, the chapter's
single-matrix formulation, and errors that name the bad argument. The checks
the RNN and the LSTM share (``_recurrent.py``: sequence, step input, states,
weights, upstream gradients, caches) are tested here once, for both cells.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from conftest import assert_close, numerical_grad, rel_error

from dlnotes import lstm, rnn
from dlnotes._recurrent import RecurrentCache

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
GRAD_TOL = {                             # gradients, ours against Keras' GradientTape
    np.float32: dict(rtol=1e-4, atol=1e-5),
    np.float64: dict(rtol=1e-10, atol=1e-12),
}
LOSS_TOL = {np.float32: dict(rtol=1e-5, atol=1e-4), np.float64: dict(rtol=1e-12, atol=1e-12)}
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


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
def test_backward_matches_gradient_tape_of_keras(tf, rng, shape, dtype):
    p = random_problem(rng, shape, dtype)
    U = rng.standard_normal(shape[:2] + shape[3:]).astype(dtype)
    layer = keras_simple_rnn(tf, p)
    x, h0 = tf.constant(p["x"]), tf.constant(p["h0"])
    with tf.GradientTape() as tape:
        tape.watch([x, h0])
        h_seq, _ = layer(x, initial_state=[h0])
        loss = tf.reduce_sum(h_seq * U)
    want = dict(zip(NAMES, tape.gradient(loss, [x, h0, *layer.trainable_variables])))
    label = f"{shape} {np.dtype(dtype).name}"
    assert_close(f"loss {label}", loss_of(p, U), loss.numpy(), **LOSS_TOL[dtype])
    got = ours(p, U)
    for name in NAMES:
        assert_close(f"d{name} {label}", got[name], want[name].numpy(), check_dtype=True, **GRAD_TOL[dtype])


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


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_in_dtype_out(rng, dtype):
    p = random_problem(rng, (2, 7, 3, 5), dtype)
    U = rng.standard_normal((2, 7, 5)).astype(dtype)
    h_seq, cache = rnn.rnn_forward(**p)
    dx, dh0, grads = rnn.rnn_backward(U, cache)
    dh_total, state_dh0 = rnn.rnn_state_gradients(U, cache)
    h, step_cache = rnn.rnn_step_forward(p["x"][:, 0], p["h0"], p["kernel"], p["recurrent_kernel"], p["bias"])
    step_dx, step_dh, step_grads = rnn.rnn_step_backward(U[:, 0], step_cache)
    arrays = {"h_seq": h_seq, "dx": dx, "dh0": dh0, "h": h, "step dx": step_dx, "step dh_prev": step_dh,
              "dh_total": dh_total, "state dh0": state_dh0,
              **{f"d{k}": v for k, v in grads.items()}, **{f"step d{k}": v for k, v in step_grads.items()}}
    assert {k: v.dtype for k, v in arrays.items()} == {k: dtype for k in arrays}


def test_forward_does_not_modify_its_inputs(rng):
    p = random_problem(rng, (2, 7, 3, 5))
    before = {k: v.copy() for k, v in p.items()}
    _, cache = rnn.rnn_forward(**p)
    rnn.rnn_backward(rng.standard_normal((2, 7, 5)), cache)
    for k in p:
        assert_close(f"input {k} untouched", p[k], before[k], rtol=0, atol=0)


# ------------------------ checks the RNN and the LSTM share (_recurrent.py), tested once for both

N, T, D, H = 2, 7, 3, 5
GATES = {"rnn": 1, "lstm": 4}
MODULES = {"rnn": rnn, "lstm": lstm}


def public(cell: str, what: str):
    """The cell's public function: public("lstm", "step_forward") is lstm.lstm_step_forward."""
    return getattr(MODULES[cell], f"{cell}_{what}")


@functools.cache
def _good(cell: str) -> dict:
    rng = np.random.default_rng(0)
    w = GATES[cell] * H
    p = {"x": rng.standard_normal((N, T, D)), "h0": rng.uniform(-0.9, 0.9, (N, H)),
         **({"c0": rng.uniform(-2.0, 2.0, (N, H))} if cell == "lstm" else {}),
         "kernel": rng.standard_normal((D, w)) / np.sqrt(D), "recurrent_kernel": rng.standard_normal((H, w)) / np.sqrt(H),
         "bias": 0.5 * rng.standard_normal(w)}
    return p


def forward(cell: str, **kw):
    """The sequence forward on good arguments (N, T, D, H = 2, 7, 3, 5), ``kw`` replacing some."""
    return public(cell, "forward")(**{**_good(cell), **kw})


def step(cell: str, **kw):
    p = _good(cell)
    args = {"x_t": p["x"][:, 0], "h_prev": p["h0"], **({"c_prev": p["c0"]} if cell == "lstm" else {}),
            "kernel": p["kernel"], "recurrent_kernel": p["recurrent_kernel"], "bias": p["bias"]}
    return public(cell, "step_forward")(**{**args, **kw})


def backward(cell: str, dh_seq, cache=None):
    return public(cell, "backward")(dh_seq, forward(cell)[-1] if cache is None else cache)


def step_backward(cell: str, cache=None, **upstream):
    grads = {"dh": ones(N, H), **({"dc": ones(N, H)} if cell == "lstm" else {}), **upstream}
    return public(cell, "step_backward")(cache=step(cell)[-1] if cache is None else cache, **grads)


def other(cell: str) -> str:
    return "lstm" if cell == "rnn" else "rnn"


def ones(*shape):
    return np.full(shape, 0.3)


# (id, call(cell), exception, pattern): {L} is the weights' width as a symbol (H or 4H), {W} its value,
# {Wp1}, {Wp2}, {Wm1} that value +1, +2, -1, {W6} the width for H = 6 and {DW} the number D * {W}.
SHARED_BAD_INPUT = [
    # x
    ("x-2d", lambda c: forward(c, x=ones(N, D)), ValueError, r"x must be 3-D \(N, T, D\).*got shape \(2, 3\)"),
    ("x-4d", lambda c: forward(c, x=ones(N, T, D, 1)), ValueError, r"x must be 3-D .*got shape \(2, 7, 3, 1\)"),
    ("x-T0", lambda c: forward(c, x=ones(N, 0, D)), ValueError, r"x has no time steps \(shape \(2, 0, 3\)\)"),
    ("x-features", lambda c: forward(c, x=ones(N, T, D + 1)), ValueError,
     r"kernel must have shape \(D, {L}\) = \(4, {W}\) for D = 4, H = 5; got \(3, {W}\)"),
    # h0
    ("h0-wrong-N", lambda c: forward(c, h0=ones(N + 1, H)), ValueError, r"h0 must have shape \(N, H\) = \(2, 5\), got \(3, 5\)"),
    ("h0-wrong-H", lambda c: forward(c, h0=ones(N, H + 1)), ValueError, r"h0 must have shape \(N, H\) = \(2, 5\), got \(2, 6\)"),
    ("h0-1d", lambda c: forward(c, h0=ones(H)), ValueError, r"h0 must have shape \(N, H\) = \(2, 5\), got \(5,\)"),
    # weights
    ("kernel-rows", lambda c: forward(c, kernel=ones(D + 1, GATES[c] * H)), ValueError,
     r"kernel must have shape \(D, {L}\) = \(3, {W}\) for D = 3, H = 5; got \(4, {W}\)"),
    ("kernel-width", lambda c: forward(c, kernel=ones(D, GATES[c] * H + 2)), ValueError,
     r"kernel must have shape \(D, {L}\) = \(3, {W}\) for D = 3, H = 5; got \(3, {Wp2}\)"),
    ("kernel-1d", lambda c: forward(c, kernel=ones(D * GATES[c] * H)), ValueError,
     r"kernel must have shape \(D, {L}\) = \(3, {W}\).*got \({DW},\)"),
    ("recurrent_kernel-width", lambda c: forward(c, recurrent_kernel=ones(H, GATES[c] * H + 1)), ValueError,
     r"recurrent_kernel must have shape \(H, {L}\); got \(5, {Wp1}\), which would need a width of {W} for H = 5"),
    ("recurrent_kernel-1d", lambda c: forward(c, recurrent_kernel=ones(GATES[c] * H)), ValueError,
     r"recurrent_kernel must be 2-D \(H, {L}\), got shape \({W},\)"),
    ("recurrent_kernel-other-H", lambda c: forward(c, recurrent_kernel=ones(H + 1, GATES[c] * (H + 1))), ValueError,
     r"kernel must have shape \(D, {L}\) = \(3, {W6}\) for D = 3, H = 6; got \(3, {W}\)"),
    ("bias-short", lambda c: forward(c, bias=ones(GATES[c] * H - 1)), ValueError,
     r"bias must have shape \({L},\) = \({W},\), got \({Wm1},\)"),
    ("bias-2d", lambda c: forward(c, bias=ones(1, GATES[c] * H)), ValueError,
     r"bias must have shape \({L},\) = \({W},\), got \(1, {W}\)"),
    # backward
    ("dh_seq-wrong-T", lambda c: backward(c, ones(N, T - 1, H)), ValueError,
     r"dh_seq must have the shape of h_seq \(2, 7, 5\), got \(2, 6, 5\)"),
    ("dh_seq-2d", lambda c: backward(c, ones(N, H)), ValueError, r"dh_seq must have the shape of h_seq \(2, 7, 5\), got \(2, 5\)"),
    ("dh_seq-4d", lambda c: backward(c, ones(N, T, H, 1)), ValueError,
     r"dh_seq must have the shape of h_seq \(2, 7, 5\), got \(2, 7, 5, 1\)"),
    ("dh_seq-strings", lambda c: backward(c, np.full((N, T, H), "a")), TypeError, r"dh_seq must be a real numeric"),
    # step
    ("step-x_t-3d", lambda c: step(c, x_t=ones(N, 1, D)), ValueError, r"x_t must be 2-D \(N, D\), got shape \(2, 1, 3\)"),
    ("step-x_t-1d", lambda c: step(c, x_t=ones(D)), ValueError, r"x_t must be 2-D \(N, D\), got shape \(3,\)"),
    ("step-x_t-complex", lambda c: step(c, x_t=np.ones((N, D), dtype=complex)), TypeError, r"x_t must be a real numeric"),
    ("step-x_t-strings", lambda c: step(c, x_t=np.full((N, D), "a")), TypeError, r"x_t must be a real numeric"),
    ("step-h_prev-wrong-N", lambda c: step(c, h_prev=ones(N + 1, H)), ValueError,
     r"h_prev must have shape \(N, H\) = \(2, 5\), got \(3, 5\)"),
    ("step-h_prev-wrong-H", lambda c: step(c, h_prev=ones(N, H + 1)), ValueError,
     r"h_prev must have shape \(N, H\) = \(2, 5\), got \(2, 6\)"),
    ("step-kernel-width", lambda c: step(c, kernel=ones(D, GATES[c] * H + 1)), ValueError,
     r"kernel must have shape \(D, {L}\) = \(3, {W}\).*got \(3, {Wp1}\)"),
    ("step-bias", lambda c: step(c, bias=ones(GATES[c] * H + 1)), ValueError,
     r"bias must have shape \({L},\) = \({W},\), got \({Wp1},\)"),
    ("step-dh-1d", lambda c: step_backward(c, dh=ones(H)), ValueError, r"dh must have the shape of h \(2, 5\), got \(5,\)"),
    ("step-dh-broadcastable", lambda c: step_backward(c, dh=ones(1, H)), ValueError,
     r"dh must have the shape of h \(2, 5\), got \(1, 5\)"),
    # types
    ("x-strings", lambda c: forward(c, x=np.full((N, T, D), "a")), TypeError, r"x must be a real numeric array-like, got dtype <U1"),
    ("x-complex", lambda c: forward(c, x=_good(c)["x"] + 1j), TypeError,
     r"x must be a real numeric array-like, got dtype complex128"),
    ("x-ragged", lambda c: forward(c, x=[[[0.1, 0.2, 0.3]], [[0.4]]]), TypeError, r"x must be a numeric array-like"),
    ("h0-objects", lambda c: forward(c, h0=np.full((N, H), None)), TypeError,
     r"h0 must be a real numeric array-like, got dtype object"),
    ("kernel-strings", lambda c: forward(c, kernel=np.full((D, GATES[c] * H), "w")), TypeError,
     r"kernel must be a real numeric array-like"),
    ("bias-strings", lambda c: forward(c, bias=np.full(GATES[c] * H, "b")), TypeError, r"bias must be a real numeric array-like"),
    # caches: each backward pass takes only what its own forward pass returned
    ("backward-plain-tuple", lambda c: backward(c, ones(N, T, H), cache=tuple(forward(c)[-1])), TypeError,
     r"cache must be the RecurrentCache that {cell}_forward returns, got tuple"),
    ("backward-other-cell", lambda c: backward(c, ones(N, T, H), cache=forward(other(c))[-1]), TypeError,
     r"cache must be the RecurrentCache that {cell}_forward returns, got an? (LSTM|simple RNN)'s cache"),
    ("step_backward-sequence-cache", lambda c: step_backward(c, cache=forward(c)[-1]), ValueError,
     r"cache must be one step's, from {cell}_step_forward; got a sequence's of T = 7"),
    ("step_backward-other-cell", lambda c: step_backward(c, cache=step(other(c))[-1]), TypeError,
     r"cache must be the RecurrentCache that {cell}_step_forward returns"),
]


@pytest.mark.parametrize("cell", GATES)
@pytest.mark.parametrize("call, exc, pattern", [pytest.param(*case[1:], id=case[0]) for case in SHARED_BAD_INPUT])
def test_bad_input_raises_naming_the_value(cell, call, exc, pattern):
    w = GATES[cell] * H
    label = "H" if GATES[cell] == 1 else f"{GATES[cell]}H"
    pattern = pattern.format(L=label, W=w, Wp1=w + 1, Wp2=w + 2, Wm1=w - 1, W6=GATES[cell] * 6, DW=D * w, cell=cell)
    with pytest.raises(exc, match=pattern):
        call(cell)


@pytest.mark.parametrize("cell", GATES)
def test_integer_and_list_inputs_are_accepted_as_float64(rng, cell):
    p = {**_good(cell), "x": rng.integers(-3, 4, size=(N, T, D))}
    as_lists = {name: value.tolist() for name, value in p.items()}
    got = public(cell, "forward")(**as_lists)[:-1]
    want = public(cell, "forward")(**{**p, "x": p["x"].astype(np.float64)})[:-1]
    for k, (a, b) in enumerate(zip(got, want)):
        assert a.dtype == np.float64, f"output {k} is {a.dtype}"
        assert_close(f"output {k} from lists and integers", a, b, rtol=0, atol=0)


@pytest.mark.parametrize("cell", GATES)
def test_every_cache_is_one_named_tuple_holding_the_checked_states(cell):
    # States given as lists of integers are stored as the float64 arrays the cell used, not as the lists.
    states = {"h0": [[1, -1, 0, 1, 0]] * N, **({"c0": [[0, 2, -2, 1, 1]] * N} if cell == "lstm" else {})}
    cache = forward(cell, **states)[-1]
    step_states = {"h_prev": states["h0"], **({"c_prev": states["c0"]} if cell == "lstm" else {})}
    step_cache = step(cell, **step_states)[-1]
    for c, steps in [(cache, T), (step_cache, 1)]:
        assert isinstance(c, RecurrentCache), type(c)
        assert c.x.shape == (N, steps, D) and c.h_seq.shape == (N, steps, H), (c.x.shape, c.h_seq.shape)
        for name in states:
            value = getattr(c, name)
            assert isinstance(value, np.ndarray) and value.dtype == np.float64, (name, type(value))
            assert_close(f"{name} in the cache", value, np.array(states[name], dtype=float), rtol=0, atol=0)
        assert (c.gates is None) == (cell == "rnn") and (c.c_seq is None) == (cell == "rnn")
        for field in c._fields:
            assert c[field] is getattr(c, field), field       # also read by name, as a dict's
    if cell == "lstm":
        assert cache.gates.shape == (N, T, 4 * H) and cache.c_seq.shape == (N, T, H)


@pytest.mark.parametrize("cell", GATES)
@pytest.mark.parametrize("steps", [1, T])
def test_a_float64_state_makes_every_result_float64(cell, steps):
    p = {name: value.astype(np.float32) for name, value in _good(cell).items()}
    p["h0"], p["x"] = p["h0"].astype(np.float64), p["x"][:, :steps]
    *outputs, cache = public(cell, "forward")(**p)
    dh_seq = ones(N, steps, H).astype(np.float32)       # float32, like every argument but h0
    *gradients, grads = public(cell, "backward")(dh_seq, cache)
    results = [*outputs, *gradients, *grads.values(), *public(cell, "state_gradients")(dh_seq, cache)]
    assert [r.dtype for r in results] == [np.float64] * len(results)
