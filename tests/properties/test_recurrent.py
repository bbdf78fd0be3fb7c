"""The simple RNN and the LSTM against loops over units and steps, and finite differences."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from dlnotes import lstm, rnn
from properties.support import (
    arrays, assert_agrees, covers, examples, expected_dtype, fd, naive_sigmoid, NOT_ARRAYS, outcome,
    precision, REFUSED,
)


def _sig(v: float) -> float:
    return naive_sigmoid(v)


def naive_recurrent(x, h0, c0, kernel, recurrent_kernel, bias, gates: int):
    """Loops over examples, steps and units: the SimpleRNN (gates=1) or LSTM (gates=4, order i, f, c, o) equations."""
    n, steps, d = x.shape
    units = recurrent_kernel.shape[0]
    hs = np.zeros((n, steps, units))
    c_last = np.zeros((n, units))
    for b in range(n):
        h, c = [float(v) for v in h0[b]], [float(v) for v in (c0[b] if c0 is not None else np.zeros(units))]
        for t in range(steps):
            z = [float(bias[k]) + sum(float(x[b, t, i]) * float(kernel[i, k]) for i in range(d))
                 + sum(h[j] * float(recurrent_kernel[j, k]) for j in range(units)) for k in range(gates * units)]
            if gates == 1:
                h = [math.tanh(v) for v in z]
            else:
                i_, f_, g_, o_ = ([z[k * units + u] for u in range(units)] for k in range(4))
                c = [_sig(f_[u]) * c[u] + _sig(i_[u]) * math.tanh(g_[u]) for u in range(units)]
                h = [_sig(o_[u]) * math.tanh(c[u]) for u in range(units)]
            hs[b, t] = h
        c_last[b] = c
    return hs, c_last


@st.composite
def recurrent_cases(draw, gates: int):
    n, steps, d, units = draw(st.integers(0, 2)), draw(st.integers(0, 3)), draw(st.integers(0, 2)), draw(st.integers(0, 2))
    wrong = draw(st.integers(0, 15))                      # now and then one argument of the wrong shape
    shapes_ = {"x": (n, steps, d), "h0": (n, units), "c0": (n, units), "kernel": (d, gates * units),
               "recurrent_kernel": (units, gates * units), "bias": (gates * units,)}
    names = list(shapes_)
    if wrong < len(names):
        shapes_[names[wrong]] = shapes_[names[wrong]] + (1,)
    args = {k: draw(arrays(v, low=-2, high=2)) for k, v in shapes_.items()}
    if draw(st.integers(0, 20)) == 0:
        args[draw(st.sampled_from(names))] = draw(NOT_ARRAYS)
    return args


def _valid_recurrent(args, gates: int, step: bool) -> bool:
    x = args["x"]
    if not all(isinstance(v, np.ndarray) and v.dtype.kind in "fiub" for v in _valid_args(args, gates).values()):
        return False
    if x.ndim != 3 or x.shape[1] == 0:
        return False
    n, _, d = x.shape
    units = args["recurrent_kernel"].shape[0] if args["recurrent_kernel"].ndim == 2 else -1
    want = {"h0": (n, units), "c0": (n, units), "kernel": (d, gates * units),
            "recurrent_kernel": (units, gates * units), "bias": (gates * units,)}
    return all(args[k].shape == v for k, v in want.items() if k != "c0" or gates == 4)


def _valid_args(args, gates: int) -> dict:
    return {k: v for k, v in args.items() if k != "c0" or gates == 4}


RNN_NAMES = ("x", "x_t", "h0", "h_prev", "kernel", "recurrent_kernel", "bias")
LSTM_NAMES = RNN_NAMES + ("c0", "c_prev")


@covers("rnn.rnn_forward", "rnn.rnn_backward", "rnn.rnn_state_gradients", "rnn.rnn_step_forward",
        "rnn.rnn_step_backward")
@examples(30)
@given(args=recurrent_cases(1), seed=st.integers(0, 2**16), step=st.booleans())
def test_rnn_against_loops_and_finite_differences(args, seed, step):
    x = args["x"]
    if step:
        x_t = x[:, 0] if isinstance(x, np.ndarray) and x.ndim == 3 and x.shape[1] else x
        got = outcome(rnn.rnn_step_forward, x_t, args["h0"], args["kernel"], args["recurrent_kernel"], args["bias"],
                      names=RNN_NAMES)
    else:
        got = outcome(rnn.rnn_forward, x, args["h0"], args["kernel"], args["recurrent_kernel"], args["bias"],
                      names=RNN_NAMES)
    valid = _valid_recurrent(args, 1, step) and (not step or x.shape[1] >= 1)
    assert (got is REFUSED) == (not valid), f"valid={valid}"
    if got is REFUSED:
        return
    h, _ = got
    xs = x[:, :1] if step else x
    want, _ = naive_recurrent(xs, args["h0"], None, args["kernel"], args["recurrent_kernel"], args["bias"], 1)
    inputs = [xs, args["h0"], args["kernel"], args["recurrent_kernel"], args["bias"]]
    low = precision(*inputs)
    assert_agrees("rnn h", h, want[:, 0] if step else want, dtype=expected_dtype(*inputs),
                  rtol=0, atol=64 * float(np.finfo(low).eps) * (1 + np.abs(want[:, 0] if step else want)))
    # Backward, on float64 copies with ordinary values: against finite differences.
    rng = np.random.default_rng(seed)
    p = {k: rng.normal(size=np.shape(v)) for k, v in args.items() if k != "c0"}
    p["x"] = p["x"][:, :1] if step else p["x"]
    upstream = rng.normal(size=want[:, 0].shape if step else want.shape)

    def loss():
        if step:
            return float(np.sum(rnn.rnn_step_forward(p["x"][:, 0], p["h0"], p["kernel"], p["recurrent_kernel"],
                                                     p["bias"])[0] * upstream))
        return float(np.sum(rnn.rnn_forward(p["x"], p["h0"], p["kernel"], p["recurrent_kernel"], p["bias"])[0] * upstream))
    if step:
        _, cache = rnn.rnn_step_forward(p["x"][:, 0], p["h0"], p["kernel"], p["recurrent_kernel"], p["bias"])
        dx, dh0, grads = outcome(rnn.rnn_step_backward, upstream, cache, names=("dh",))
        dx = dx[:, None]
        assert outcome(rnn.rnn_step_backward, upstream[None], cache, names=("dh",)) is REFUSED
    else:
        _, cache = rnn.rnn_forward(p["x"], p["h0"], p["kernel"], p["recurrent_kernel"], p["bias"])
        dx, dh0, grads = outcome(rnn.rnn_backward, upstream, cache, names=("dh_seq",))
        dh_total, dh0_again = outcome(rnn.rnn_state_gradients, upstream, cache, names=("dh_seq",))
        assert np.array_equal(dh0, dh0_again)
        assert outcome(rnn.rnn_backward, upstream[None], cache, names=("dh_seq",)) is REFUSED

        def from_first_state():                           # the loss as a function of h_1: its derivative is dh_total[:, 0]
            rest = rnn.rnn_forward(p["x"][:, 1:], state, p["kernel"], p["recurrent_kernel"], p["bias"])[0] \
                if p["x"].shape[1] > 1 else np.zeros((len(state), 0, state.shape[1]))
            return float(np.sum(upstream[:, 0] * state) + np.sum(upstream[:, 1:] * rest))
        state = rnn.rnn_forward(p["x"][:, :1], p["h0"], p["kernel"], p["recurrent_kernel"], p["bias"])[0][:, 0]
        assert_agrees("dh_total[:, 0]", dh_total[:, 0], fd(from_first_state, state)[0], rtol=1e-6, atol=1e-8)
    want_grads = fd(loss, p["x"], p["h0"], p["kernel"], p["recurrent_kernel"], p["bias"])
    for name, g, w in zip(("dx", "dh0", "kernel", "recurrent_kernel", "bias"),
                          (dx, dh0, grads["kernel"], grads["recurrent_kernel"], grads["bias"]), want_grads):
        assert_agrees(name, g, w, rtol=1e-6, atol=1e-8)


@covers("lstm.lstm_forward", "lstm.lstm_backward", "lstm.lstm_state_gradients", "lstm.lstm_step_forward",
        "lstm.lstm_step_backward")
@examples(30)
@given(args=recurrent_cases(4), seed=st.integers(0, 2**16), step=st.booleans(), with_dc=st.booleans())
def test_lstm_against_loops_and_finite_differences(args, seed, step, with_dc):
    x = args["x"]
    weights = (args["kernel"], args["recurrent_kernel"], args["bias"])
    if step:
        x_t = x[:, 0] if isinstance(x, np.ndarray) and x.ndim == 3 and x.shape[1] else x
        got = outcome(lstm.lstm_step_forward, x_t, args["h0"], args["c0"], *weights, names=LSTM_NAMES)
    else:
        got = outcome(lstm.lstm_forward, x, args["h0"], args["c0"], *weights, names=LSTM_NAMES)
    valid = _valid_recurrent(args, 4, step)
    assert (got is REFUSED) == (not valid), f"valid={valid}"
    if got is REFUSED:
        return
    h, c = got[0], got[1]
    xs = x[:, :1] if step else x
    want_h, want_c = naive_recurrent(xs, args["h0"], args["c0"], *weights, 4)
    inputs = [xs, args["h0"], args["c0"], *weights]
    low = precision(*inputs)
    scale = 64 * float(np.finfo(low).eps)
    c0 = np.abs(args["c0"].astype(np.float64))
    c0 = c0[np.isfinite(c0)].max(initial=0)               # the cell state's scale: rounding errors grow with it
    assert_agrees("lstm h", h, want_h[:, 0] if step else want_h, dtype=expected_dtype(*inputs), rtol=scale,
                  atol=scale * (1 + c0))
    assert_agrees("lstm c", c, want_c, dtype=expected_dtype(*inputs), rtol=scale, atol=scale * (1 + c0 + xs.shape[1]))
    rng = np.random.default_rng(seed)
    p = {k: rng.normal(size=np.shape(v)) for k, v in args.items()}
    p["x"] = p["x"][:, :1] if step else p["x"]
    dh = rng.normal(size=want_h[:, 0].shape if step else want_h.shape)
    dc = rng.normal(size=want_c.shape) if (with_dc or step) else None

    def run(xx, h0, c0):
        if step:
            hh, cc, _ = lstm.lstm_step_forward(xx[:, 0], h0, c0, p["kernel"], p["recurrent_kernel"], p["bias"])
            return hh, cc
        hh, cc, _ = lstm.lstm_forward(xx, h0, c0, p["kernel"], p["recurrent_kernel"], p["bias"])
        return hh, cc

    def loss():
        hh, cc = run(p["x"], p["h0"], p["c0"])
        return float(np.sum(hh * dh) + (np.sum(cc * dc) if dc is not None else 0.0))
    if step:
        *_, cache = lstm.lstm_step_forward(p["x"][:, 0], p["h0"], p["c0"], p["kernel"], p["recurrent_kernel"], p["bias"])
        dx, dh0, dc0, grads = outcome(lstm.lstm_step_backward, dh, dc, cache, names=("dh", "dc"))
        dx = dx[:, None]
        assert outcome(lstm.lstm_step_backward, dh, dc[None], cache, names=("dh", "dc")) is REFUSED
    else:
        *_, cache = lstm.lstm_forward(p["x"], p["h0"], p["c0"], p["kernel"], p["recurrent_kernel"], p["bias"])
        dx, dh0, dc0, grads = outcome(lstm.lstm_backward, dh, cache, dc, names=("dh_seq", "dc_last"))
        dh_total, dc_total = outcome(lstm.lstm_state_gradients, dh, cache, dc, names=("dh_seq", "dc_last"))
        assert outcome(lstm.lstm_backward, dh[None], cache, dc, names=("dh_seq", "dc_last")) is REFUSED
        h1, c1 = (v.copy() for v in run(p["x"][:, :1], p["h0"], p["c0"]))
        h1, c1 = h1[:, 0], c1

        units = h1.shape[1]
        z = p["x"][:, 0] @ p["kernel"] + p["h0"] @ p["recurrent_kernel"] + p["bias"]
        o1 = np.array([[_sig(v) for v in row] for row in z[:, 3 * units:]]).reshape(h1.shape)

        def from_first_state(through_h: bool = False):    # the loss as a function of (h_1, c_1)
            nonlocal h1
            if through_h:                                 # c_1 reaches the loss through h_1 = o_1 tanh(c_1) as well
                h1 = o1 * np.tanh(c1)
            if p["x"].shape[1] > 1:
                hh, cc, _ = lstm.lstm_forward(p["x"][:, 1:], h1, c1, p["kernel"], p["recurrent_kernel"], p["bias"])
                rest = np.sum(dh[:, 1:] * hh)
            else:
                cc, rest = c1, 0.0
            return float(np.sum(dh[:, 0] * h1) + rest + (np.sum(cc * dc) if dc is not None else 0.0))
        want_dh1 = fd(from_first_state, h1)[0]
        want_dc1 = fd(lambda: from_first_state(through_h=True), c1)[0]
        assert_agrees("dh_total[:, 0]", dh_total[:, 0], want_dh1, rtol=1e-6, atol=1e-8)
        assert_agrees("dc_total[:, 0]", dc_total[:, 0], want_dc1, rtol=1e-6, atol=1e-8)
    want_grads = fd(loss, p["x"], p["h0"], p["c0"], p["kernel"], p["recurrent_kernel"], p["bias"])
    for name, g, w in zip(("dx", "dh0", "dc0", "kernel", "recurrent_kernel", "bias"),
                          (dx, dh0, dc0, grads["kernel"], grads["recurrent_kernel"], grads["bias"]), want_grads):
        assert_agrees(name, g, w, rtol=1e-6, atol=1e-8)
