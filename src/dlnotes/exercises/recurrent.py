"""Chapter 4: recurrent networks."""

from __future__ import annotations

import numpy as np

from ._checking import Failed, call, call_raw, compare


# -- exercises: recurrent steps -------------------------------------------------------------
def _recurrent_data(gates: int):
    rng = np.random.default_rng(5)
    x_t, h_prev, c_prev = rng.normal(size=(3, 4)), rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    weights = rng.normal(size=(4, 5 * gates)) * 0.5, rng.normal(size=(5, 5 * gates)) * 0.5, rng.normal(size=5 * gates)
    return x_t, h_prev, c_prev, weights


def _rnn_step_values(fn):
    from ..rnn import rnn_step_forward

    x_t, h_prev, _, weights = _recurrent_data(1)
    want, _ = rnn_step_forward(x_t, h_prev, *weights)
    compare(call(fn, x_t, h_prev, *weights), want, None, "three sequences, D = 4, H = 5", rtol=1e-6)


def _rnn_step_uses_state(fn):
    x_t, h_prev, _, weights = _recurrent_data(1)
    a, b = call(fn, x_t, h_prev, *weights), call(fn, x_t, -h_prev, *weights)
    if np.allclose(a, b):
        raise Failed("the new state must depend on h_prev (through recurrent_kernel)")


def _lstm_step_values(fn):
    from ..lstm import lstm_step_forward

    x_t, h_prev, c_prev, weights = _recurrent_data(4)
    out = call_raw(fn, x_t, h_prev, c_prev, *weights)
    if not (isinstance(out, tuple) and len(out) == 2):
        raise Failed(f"return a pair (h, c), got {type(out).__name__}")
    h_want, c_want, _ = lstm_step_forward(x_t, h_prev, c_prev, *weights)
    compare(np.asarray(out[1], dtype=float), c_want, None, "the cell state c (gate order i, f, c, o)", rtol=1e-6)
    compare(np.asarray(out[0], dtype=float), h_want, None, "the hidden state h", rtol=1e-6)


def _lstm_forget_gate(fn):
    x_t, h_prev, c_prev, (kernel, recurrent_kernel, bias) = _recurrent_data(4)
    bias = bias.copy()
    bias[5:10] = 30.0      # forget gate wide open
    bias[0:5] = -30.0      # input gate shut
    out = call_raw(fn, x_t, h_prev, c_prev, kernel * 0, recurrent_kernel * 0, bias)
    if not np.allclose(np.asarray(out[1], dtype=float), c_prev, atol=1e-6):
        raise Failed("with the forget gate open and the input gate shut, c must equal c_prev: "
                      "check the gate order i, f, c, o and the update c = f * c_prev + i * g")


EXERCISES = {
    "rnn_step": (
        "rnn_step(x_t, h_prev, kernel, recurrent_kernel, bias) -> h, Keras SimpleRNN layout",
        [
            ("matches on a batch", _rnn_step_values),
            ("depends on the previous state", _rnn_step_uses_state),
        ],
    ),
    "lstm_step": (
        "lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias) -> (h, c), Keras LSTM layout",
        [
            ("matches on a batch", _lstm_step_values),
            ("an open forget gate keeps the cell state", _lstm_forget_gate),
        ],
    ),
}
