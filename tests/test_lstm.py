"""Tests for dlnotes.lstm, the LSTM cell.

Two independent proofs of forward and backward through time (STYLE.md
habit 8), over the (N, T, D, H) in SHAPES (T = 1 and odd sizes), always with
non-zero random initial states, weights and biases:

* Keras parity: the same arrays loaded with ``layer.set_weights([kernel,
  recurrent_kernel, bias])`` into ``tf.keras.layers.LSTM`` (with
  ``initial_state=[h0, c0]``) give every hidden state, the final hidden state
  and the last cell state (float32 within 1e-5 and still float32, float64
  within 1e-12), and ``tf.GradientTape`` of ``sum(h_seq * U) + sum(c_last *
  V)`` gives every gradient of ``lstm_backward(..., dc_last=V)`` (float32
  within 1e-4, float64 within 1e-10, each in its own dtype);
* centred finite differences of the same loss computed by our forward, in
  float64, relative error below 1e-6.

Then the step functions against the sequence functions, Keras' gate order
i, f, c, o (by hand formulas and by saturating one block at a time), and
errors that name the bad argument (those the RNN shares are in test_rnn.py).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_close, numerical_grad, rel_error

from dlnotes import lstm

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
NAMES = ("x", "h0", "c0", "kernel", "recurrent_kernel", "bias")  # lstm_forward's arguments, in order
WEIGHTS = NAMES[3:]
GATES = ("i", "f", "c", "o")  # Keras' order of the four blocks of H columns
BIG = 30.0                    # a bias that saturates a gate: sigmoid(±25) is 1e-11 from 0 or 1


def random_problem(rng, shape, dtype=np.float64) -> dict:
    """lstm_forward's arguments by name: x ~ N(0, 1), h0 ~ U(-0.9, 0.9), c0 ~ U(-2, 2),
    weights ~ N(0, 1/fan_in), bias ~ N(0, 0.5^2)."""
    n, t, d, h = shape
    p = {
        "x": rng.standard_normal((n, t, d)),
        "h0": rng.uniform(-0.9, 0.9, (n, h)),
        "c0": rng.uniform(-2.0, 2.0, (n, h)),
        "kernel": rng.standard_normal((d, 4 * h)) / np.sqrt(d),
        "recurrent_kernel": rng.standard_normal((h, 4 * h)) / np.sqrt(h),
        "bias": 0.5 * rng.standard_normal(4 * h),
    }
    for name, value in p.items():
        assert np.all(value != 0), f"{name} drew an exact zero"
    return {name: value.astype(dtype) for name, value in p.items()}


def upstream(rng, shape, dtype=np.float64):
    """Random U (N, T, H) for h_seq and V (N, H) for c_last."""
    n, t, _, h = shape
    return rng.standard_normal((n, t, h)).astype(dtype), rng.standard_normal((n, h)).astype(dtype)


def keras_lstm(tf, p: dict):
    """A built ``LSTM`` holding exactly p's kernel, recurrent_kernel and bias, in p's dtype."""
    n, t, d = p["x"].shape
    layer = tf.keras.layers.LSTM(p["h0"].shape[1], return_sequences=True, return_state=True, dtype=p["x"].dtype.name)
    layer.build((n, t, d))
    layer.set_weights([p["kernel"], p["recurrent_kernel"], p["bias"]])
    assert [v.name for v in layer.trainable_variables] == ["kernel", "recurrent_kernel", "bias"]
    return layer


def keras_run(tf, p: dict):
    """(h_seq, h_last, c_last) from Keras as numpy arrays."""
    out = keras_lstm(tf, p)(tf.constant(p["x"]), initial_state=[tf.constant(p["h0"]), tf.constant(p["c0"])])
    return tuple(o.numpy() for o in out)


def loss_of(p: dict, U, V) -> float:
    """L = sum(h_seq * U) + sum(c_last * V), computed by our forward."""
    h_seq, c_last, _ = lstm.lstm_forward(**p)
    return float(np.sum(h_seq * U) + np.sum(c_last * V))


def ours(p: dict, U, V) -> dict:
    """Every gradient of L = sum(h_seq * U) + sum(c_last * V) from lstm_backward, by argument name."""
    _, _, cache = lstm.lstm_forward(**p)
    dx, dh0, dc0, grads = lstm.lstm_backward(U, cache, dc_last=V)
    return {"x": dx, "h0": dh0, "c0": dc0, **grads}


def step_args(p: dict, t: int = 0) -> dict:
    return {"x_t": p["x"][:, t], "h_prev": p["h0"], "c_prev": p["c0"],
            **{name: p[name] for name in WEIGHTS}}


def run_steps(p: dict):
    """Chain lstm_step_forward over time by hand: (h_seq, c_seq, caches)."""
    h, c, hs, cs, caches = p["h0"], p["c0"], [], [], []
    for t in range(p["x"].shape[1]):
        h, c, cache = lstm.lstm_step_forward(p["x"][:, t], h, c, p["kernel"], p["recurrent_kernel"], p["bias"])
        hs.append(h)
        cs.append(c)
        caches.append(cache)
    return np.stack(hs, axis=1), np.stack(cs, axis=1), caches


def hand_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias, order=GATES):
    """One LSTM step written out, reading the four blocks of z in the given ``order``."""
    z = x_t @ kernel + h_prev @ recurrent_kernel + bias
    H = h_prev.shape[1]
    block = {name: z[:, k * H:(k + 1) * H] for k, name in enumerate(order)}
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731  (moderate z here: no overflow)
    i, f, g, o = sig(block["i"]), sig(block["f"]), np.tanh(block["c"]), sig(block["o"])
    c = f * c_prev + i * g
    return o * np.tanh(c), c


def gate_bias(rng, H, **values) -> np.ndarray:
    """A random non-zero bias (4H,) with chosen gate blocks (i, f, c, o) set to a constant."""
    bias = 0.5 * rng.standard_normal(4 * H)
    for name, value in values.items():
        k = GATES.index(name)
        bias[k * H:(k + 1) * H] = value
    return bias


# ------------------------------------------------------- Keras parity


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
def test_forward_matches_keras_lstm(tf, rng, shape, dtype):
    p = random_problem(rng, shape, dtype)
    h_seq, c_last, _ = lstm.lstm_forward(**p)
    want_seq, want_h, want_c = keras_run(tf, p)
    label = f"{shape} {np.dtype(dtype).name}"
    assert h_seq.dtype == c_last.dtype == dtype, f"{label}: h_seq {h_seq.dtype}, c_last {c_last.dtype}"
    assert_close(f"h_seq {label}", h_seq, want_seq, check_dtype=True, **TOL[dtype])
    assert_close(f"final h {label}", h_seq[:, -1], want_h, check_dtype=True, **TOL[dtype])
    assert_close(f"last c {label}", c_last, want_c, check_dtype=True, **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
def test_backward_matches_gradient_tape_of_keras(tf, rng, shape, dtype):
    p = random_problem(rng, shape, dtype)
    U, V = upstream(rng, shape, dtype)
    layer = keras_lstm(tf, p)
    x, h0, c0 = (tf.constant(p[k]) for k in ("x", "h0", "c0"))
    with tf.GradientTape() as tape:
        tape.watch([x, h0, c0])
        h_seq, _, c_last = layer(x, initial_state=[h0, c0])
        loss = tf.reduce_sum(h_seq * U) + tf.reduce_sum(c_last * V)
    want = dict(zip(NAMES, tape.gradient(loss, [x, h0, c0, *layer.trainable_variables])))
    label = f"{shape} {np.dtype(dtype).name}"
    assert_close(f"loss {label}", loss_of(p, U, V), loss.numpy(), **LOSS_TOL[dtype])
    got = ours(p, U, V)
    for name in NAMES:
        assert_close(f"d{name} {label}", got[name], want[name].numpy(), check_dtype=True, **GRAD_TOL[dtype])


# ------------------------------------------------ finite differences


@pytest.mark.parametrize("shape", SHAPES)
def test_backward_matches_finite_differences(rng, shape):
    p = random_problem(rng, shape)
    U, V = upstream(rng, shape)
    got = ours(p, U, V)
    for name in NAMES:
        want = numerical_grad(lambda v, name=name: loss_of({**p, name: v}, U, V), p[name])
        err = rel_error(got[name], want)
        assert err < FD_TOL, f"d{name} vs finite differences, {shape}: rel error {err:.2e}"


def test_without_dc_last_the_cell_state_gets_no_direct_gradient(rng):
    shape = (2, 7, 3, 5)
    p = random_problem(rng, shape)
    U, _ = upstream(rng, shape)
    _, _, cache = lstm.lstm_forward(**p)
    default = lstm.lstm_backward(U, cache)
    zeros = lstm.lstm_backward(U, cache, dc_last=np.zeros((2, 5)))
    for k, (a, b) in enumerate(zip(default[:3], zeros[:3])):
        assert_close(f"output {k} without dc_last", a, b, rtol=0, atol=0)
    for name in WEIGHTS:
        assert_close(f"d{name} without dc_last", default[3][name], zeros[3][name], rtol=0, atol=0)
    # ... and equals finite differences of sum(h_seq * U) alone.
    want = numerical_grad(lambda v: loss_of({**p, "c0": v}, U, 0.0), p["c0"])
    assert rel_error(default[2], want) < FD_TOL


def test_finite_difference_check_catches_a_missing_cell_path(rng):
    # Dropping the gradient that flows back along c (dc_prev) is far outside 1e-6.
    shape = (2, 7, 3, 5)
    p = random_problem(rng, shape)
    U, V = upstream(rng, shape)
    _, _, caches = run_steps(p)
    dh_next, dc_last = np.zeros((2, 5)), V
    for t in reversed(range(7)):
        _, dh_next, _, _ = lstm.lstm_step_backward(U[:, t] + dh_next, dc_last if t == 6 else np.zeros((2, 5)), caches[t])
    want = numerical_grad(lambda v: loss_of({**p, "h0": v}, U, V), p["h0"])
    assert rel_error(dh_next, want) > 1e-3


# ------------------------------------------------------ step functions


@pytest.mark.parametrize("shape", SHAPES)
def test_one_step_equals_a_sequence_of_length_one(rng, shape):
    n, _, _, h = shape
    p = random_problem(rng, shape)
    p1 = {**p, "x": p["x"][:, :1]}
    U, V = rng.standard_normal((n, 1, h)), rng.standard_normal((n, h))
    h_seq, c_last, cache_seq = lstm.lstm_forward(**p1)
    h_t, c_t, cache = lstm.lstm_step_forward(**step_args(p))
    assert_close(f"h {shape}", h_t, h_seq[:, 0], rtol=1e-14, atol=1e-15)
    assert_close(f"c {shape}", c_t, c_last, rtol=1e-14, atol=1e-15)
    dx, dh_prev, dc_prev, grads = lstm.lstm_step_backward(U[:, 0], V, cache)
    dx_seq, dh0, dc0, grads_seq = lstm.lstm_backward(U, cache_seq, dc_last=V)
    assert_close(f"dx_t {shape}", dx, dx_seq[:, 0], rtol=1e-13, atol=1e-15)
    assert_close(f"dh_prev {shape}", dh_prev, dh0, rtol=1e-13, atol=1e-15)
    assert_close(f"dc_prev {shape}", dc_prev, dc0, rtol=1e-13, atol=1e-15)
    assert list(grads) == ["kernel", "recurrent_kernel", "bias"], list(grads)
    for name in grads:
        assert_close(f"d{name} {shape}", grads[name], grads_seq[name], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("shape", SHAPES)
def test_chained_steps_equal_the_sequence_forward(rng, shape):
    p = random_problem(rng, shape)
    h_steps, c_steps, _ = run_steps(p)
    h_seq, c_last, _ = lstm.lstm_forward(**p)
    assert_close(f"h_seq {shape}", h_steps, h_seq, rtol=1e-13, atol=1e-15)
    assert_close(f"last c {shape}", c_steps[:, -1], c_last, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("shape", SHAPES)
def test_chained_step_backwards_equal_the_sequence_backward(rng, shape):
    p = random_problem(rng, shape)
    U, V = upstream(rng, shape)
    _, _, caches = run_steps(p)
    dx = np.empty_like(p["x"])
    dh_next, dc_next = np.zeros_like(p["h0"]), V
    total = {name: 0.0 for name in WEIGHTS}
    for t in reversed(range(shape[1])):
        dx[:, t], dh_next, dc_next, grads = lstm.lstm_step_backward(U[:, t] + dh_next, dc_next, caches[t])
        total = {name: total[name] + grads[name] for name in total}
    want = ours(p, U, V)
    for name, got in {"x": dx, "h0": dh_next, "c0": dc_next, **total}.items():
        assert_close(f"d{name} {shape}", got, want[name], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("shape", SHAPES)
def test_step_backward_matches_finite_differences(rng, shape):
    n, _, _, h = shape
    p = random_problem(rng, shape)
    args = step_args(p)
    U, V = rng.standard_normal((n, h)), rng.standard_normal((n, h))
    _, _, cache = lstm.lstm_step_forward(**args)
    dx, dh_prev, dc_prev, grads = lstm.lstm_step_backward(U, V, cache)
    got = {"x_t": dx, "h_prev": dh_prev, "c_prev": dc_prev, **grads}
    for name in args:
        def loss(v, name=name):
            h_t, c_t, _ = lstm.lstm_step_forward(**{**args, name: v})
            return float(np.sum(h_t * U) + np.sum(c_t * V))

        err = rel_error(got[name], numerical_grad(loss, args[name]))
        assert err < FD_TOL, f"d{name} of one step vs finite differences, {shape}: rel error {err:.2e}"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_in_dtype_out(rng, dtype):
    shape = (2, 7, 3, 5)
    p = random_problem(rng, shape, dtype)
    U, V = upstream(rng, shape, dtype)
    h_seq, c_last, cache = lstm.lstm_forward(**p)
    dx, dh0, dc0, grads = lstm.lstm_backward(U, cache, dc_last=V)
    dh_total, dc_total = lstm.lstm_state_gradients(U, cache, dc_last=V)
    h, c, step_cache = lstm.lstm_step_forward(**step_args(p))
    s_dx, s_dh, s_dc, s_grads = lstm.lstm_step_backward(U[:, 0], V, step_cache)
    arrays = {"h_seq": h_seq, "c_last": c_last, "dx": dx, "dh0": dh0, "dc0": dc0, "h": h, "c": c,
              "step dx": s_dx, "step dh_prev": s_dh, "step dc_prev": s_dc, "dh_total": dh_total, "dc_total": dc_total,
              **{f"d{k}": v for k, v in grads.items()}, **{f"step d{k}": v for k, v in s_grads.items()}}
    assert {k: v.dtype for k, v in arrays.items()} == {k: dtype for k in arrays}


def test_forward_does_not_modify_its_inputs(rng):
    shape = (2, 7, 3, 5)
    p = random_problem(rng, shape)
    before = {k: v.copy() for k, v in p.items()}
    U, V = upstream(rng, shape)
    _, _, cache = lstm.lstm_forward(**p)
    lstm.lstm_backward(U, cache, dc_last=V)
    for k in p:
        assert_close(f"input {k} untouched", p[k], before[k], rtol=0, atol=0)


# ------------------------------------------ Keras' gate order i, f, c, o


@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (3, 1, 4, 5), (2, 7, 3, 5)])
def test_step_follows_the_hand_formulas_in_gate_order_i_f_c_o(rng, shape):
    p = random_problem(rng, shape)
    args = step_args(p)
    h, c, _ = lstm.lstm_step_forward(**args)
    want_h, want_c = hand_step(*args.values())
    assert_close(f"h {shape}", h, want_h, rtol=1e-13, atol=1e-15)
    assert_close(f"c {shape}", c, want_c, rtol=1e-13, atol=1e-15)
    # The comparison tells the orders apart: reading the blocks as i, f, o, c
    # (candidate and output swapped) or as i, c, f, o gives another cell.
    for order in [("i", "f", "o", "c"), ("i", "c", "f", "o")]:
        other_h, other_c = hand_step(*args.values(), order=order)
        assert np.max(np.abs(other_h - h)) > 1e-3 or np.max(np.abs(other_c - c)) > 1e-3, order


def test_hand_formulas_over_a_sequence(rng):
    p = random_problem(rng, (3, 5, 2, 4))
    h, c, hs = p["h0"], p["c0"], []
    for t in range(5):
        h, c = hand_step(p["x"][:, t], h, c, p["kernel"], p["recurrent_kernel"], p["bias"])
        hs.append(h)
    h_seq, c_last, _ = lstm.lstm_forward(**p)
    assert_close("h_seq", h_seq, np.stack(hs, axis=1), rtol=1e-13, atol=1e-15)
    assert_close("last c", c_last, c, rtol=1e-13, atol=1e-15)


def test_open_forget_gate_and_closed_input_gate_carry_the_cell_state(tf, rng):
    # Forget block +30, input block -30: c_t = f c_{t-1} + i g with f ~ 1, i ~ 0, over 9 steps.
    shape = (3, 9, 4, 5)
    p = random_problem(rng, shape)
    p["bias"] = gate_bias(rng, 5, f=BIG, i=-BIG)
    h_seq, c_last, _ = lstm.lstm_forward(**p)
    assert_close("last c with f open, i shut", c_last, p["c0"], rtol=1e-9, atol=1e-9)
    _, c_steps, _ = run_steps(p)
    for t in range(9):
        assert_close(f"c_{t} with f open, i shut", c_steps[:, t], p["c0"], rtol=1e-9, atol=1e-9)
    _, _, want_c = keras_run(tf, p)  # Keras reads the same block as its forget gate
    assert_close("last c against Keras", c_last, want_c, **TOL[np.float64])
    # Swapped onto the other blocks, the same biases carry nothing: c ends far from c0.
    p["bias"] = gate_bias(rng, 5, i=BIG, f=-BIG)
    _, c_swapped, _ = lstm.lstm_forward(**p)
    assert np.max(np.abs(c_swapped - p["c0"])) > 0.1


SATURATED = [
    # (biases for whole blocks, what then holds for (h, c) given (h_hand, c_hand, c_prev, g, o))
    pytest.param(dict(i=-BIG, f=BIG), lambda h, c, s: (c, s["c_prev"]), id="f-open-i-shut-keeps-c"),
    pytest.param(dict(i=BIG, f=-BIG), lambda h, c, s: (c, s["g"]), id="i-open-f-shut-writes-candidate"),
    pytest.param(dict(i=BIG, f=BIG, c=BIG), lambda h, c, s: (c, s["c_prev"] + 1), id="candidate-block-adds-one"),
    pytest.param(dict(i=BIG, f=BIG, c=-BIG), lambda h, c, s: (c, s["c_prev"] - 1), id="candidate-block-subtracts-one"),
    pytest.param(dict(o=-BIG), lambda h, c, s: (h, np.zeros_like(h)), id="o-shut-hides-c"),
    pytest.param(dict(o=BIG), lambda h, c, s: (h, np.tanh(c)), id="o-open-shows-tanh-c"),
]


@pytest.mark.parametrize("biases, relation", SATURATED)
def test_each_bias_block_drives_its_keras_gate(rng, biases, relation):
    N, D, H = 3, 4, 5
    p = random_problem(rng, (N, 1, D, H))
    p["bias"] = gate_bias(rng, H, **biases)
    args = step_args(p)
    h, c, _ = lstm.lstm_step_forward(**args)
    z = args["x_t"] @ args["kernel"] + args["h_prev"] @ args["recurrent_kernel"] + args["bias"]
    seen = {"c_prev": args["c_prev"], "g": np.tanh(z[:, 2 * H:3 * H])}
    got, want = relation(h, c, seen)
    assert_close(f"saturated {biases}", got, want, rtol=1e-9, atol=1e-9)


# ----------------------------------------------------------- bad input
# The checks both cells share (sequence, step input, h0, weights, dh_seq, dh, caches) are tested once, for
# both, in test_rnn.py; here what only the LSTM has: c0, c_prev, dc, dc_last, and 4H-wide weights.

N, T, D, H = 2, 7, 3, 5
_GOOD = random_problem(np.random.default_rng(0), (N, T, D, H))
_, _, _CACHE = lstm.lstm_forward(**_GOOD)


def forward(**kw):
    return lstm.lstm_forward(**{**_GOOD, **kw})


def step(**kw):
    return lstm.lstm_step_forward(**{**step_args(_GOOD), **kw})


def ones(*shape):
    return np.full(shape, 0.3)


BAD_INPUT = [
    # the cell state
    pytest.param(lambda: forward(c0=ones(N + 1, H)), ValueError, r"c0 must have shape \(N, H\) = \(2, 5\), got \(3, 5\)", id="c0-wrong-N"),
    pytest.param(lambda: forward(c0=ones(N, 4 * H)), ValueError, r"c0 must have shape \(N, H\) = \(2, 5\), got \(2, 20\)", id="c0-4H"),
    pytest.param(lambda: forward(c0=ones(N, H, 1)), ValueError, r"c0 must have shape \(N, H\) = \(2, 5\), got \(2, 5, 1\)", id="c0-3d"),
    pytest.param(lambda: forward(c0=np.full((N, H), None)), TypeError, r"c0 must be a real numeric array-like, got dtype object",
                 id="c0-objects"),
    pytest.param(lambda: step(c_prev=ones(N + 1, H)), ValueError, r"c_prev must have shape \(N, H\) = \(2, 5\), got \(3, 5\)",
                 id="step-c_prev"),
    # weights one gate wide, or three
    pytest.param(lambda: forward(kernel=ones(D, 3 * H)), ValueError,
                 r"kernel must have shape \(D, 4H\) = \(3, 20\) for D = 3, H = 5; got \(3, 15\)", id="kernel-width-3H"),
    pytest.param(lambda: forward(kernel=ones(D, H)), ValueError,
                 r"kernel must have shape \(D, 4H\) = \(3, 20\).*got \(3, 5\)", id="kernel-width-H"),
    pytest.param(lambda: forward(recurrent_kernel=ones(H, 3 * H)), ValueError,
                 r"recurrent_kernel must have shape \(H, 4H\); got \(5, 15\), which would need a width of 20 for H = 5",
                 id="recurrent_kernel-3H"),
    pytest.param(lambda: forward(recurrent_kernel=ones(H, H)), ValueError,
                 r"recurrent_kernel must have shape \(H, 4H\); got \(5, 5\), which would need a width of 20 for H = 5",
                 id="recurrent_kernel-square"),
    pytest.param(lambda: forward(bias=ones(3 * H)), ValueError, r"bias must have shape \(4H,\) = \(20,\), got \(15,\)", id="bias-3H"),
    pytest.param(lambda: forward(bias=ones(4, H)), ValueError, r"bias must have shape \(4H,\) = \(20,\), got \(4, 5\)", id="bias-2d"),
    pytest.param(lambda: step(kernel=ones(D, 3 * H)), ValueError, r"kernel must have shape \(D, 4H\) = \(3, 20\).*got \(3, 15\)",
                 id="step-kernel-3H"),
    # backward
    pytest.param(lambda: lstm.lstm_backward(ones(N, T, 4 * H), _CACHE), ValueError,
                 r"dh_seq must have the shape of h_seq \(2, 7, 5\), got \(2, 7, 20\)", id="dh_seq-4H"),
    pytest.param(lambda: lstm.lstm_backward(ones(N, T, H), _CACHE, dc_last=ones(N, H - 1)), ValueError,
                 r"dc_last must have shape \(2, 5\), got \(2, 4\)", id="dc_last-wrong-H"),
    pytest.param(lambda: lstm.lstm_backward(ones(N, T, H), _CACHE, dc_last=ones(H)), ValueError,
                 r"dc_last must have shape \(2, 5\), got \(5,\)", id="dc_last-1d"),
    pytest.param(lambda: lstm.lstm_backward(ones(N, T, H), _CACHE, dc_last=ones(N, T, H)), ValueError,
                 r"dc_last must have shape \(2, 5\), got \(2, 7, 5\)", id="dc_last-sequence"),
    pytest.param(lambda: lstm.lstm_state_gradients(ones(N, T, H), _CACHE, dc_last=ones(N, H + 1)), ValueError,
                 r"dc_last must have shape \(2, 5\), got \(2, 6\)", id="state_gradients-dc_last"),
    pytest.param(lambda: lstm.lstm_backward(ones(N, T, H), _CACHE, dc_last="ab"), TypeError, r"dc_last", id="dc_last-string"),
    pytest.param(lambda: lstm.lstm_step_backward(ones(N, H), ones(1, H), step()[-1]), ValueError,
                 r"dc must have the shape of c \(2, 5\), got \(1, 5\)", id="step-dc-broadcastable"),
    pytest.param(lambda: lstm.lstm_step_backward(ones(N, H), ones(H), step()[-1]), ValueError,
                 r"dc must have the shape of c \(2, 5\), got \(5,\)", id="step-dc-1d"),
]


@pytest.mark.parametrize("call, exc, pattern", BAD_INPUT)
def test_bad_input_raises_naming_the_value(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()
