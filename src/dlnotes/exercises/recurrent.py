"""Chapter 4: recurrent networks.

Five exercises: count an LSTM layer's parameters (compute), predict whether
the gradient through 100 steps of the chapter's RNN vanishes (predict),
derive one step of backpropagation through time (derive, checked by finite
differences), write an LSTM step in Keras' gate order (implement), and read
the trained LSTM's gates (interpret).
"""

from __future__ import annotations

import numpy as np

from .. import activations, initializers
from ..rnn import rnn_forward, rnn_state_gradients
from ._checking import Answer, Failed, Implement, call_raw, compare, expect_tuple, numerical_backward

__all__: list[str] = []  # no public functions: reached through dlnotes.exercises

# The chapter's networks: 2 inputs (a value and a first-step marker), 32 units.
D_IN, UNITS = 2, 32


# -- compute: an LSTM layer's parameters -------------------------------------------------------
def _lstm_parameters(D: int = D_IN, H: int = UNITS) -> int:
    return 4 * (D * H + H * H + H)


def _lstm_parameter_slips() -> dict:
    D, H = D_IN, UNITS
    return {
        D * H + H * H + H: "an LSTM has four blocks (i, f, c, o), each with its own kernel, "
                           "recurrent kernel and bias: multiply by 4",
        4 * (D * H + H * H): "you left out the bias: 4H numbers, one per gate unit",
        4 * (D * H + H): "you left out the recurrent kernel (H, 4H): every gate also reads h_(t-1)",
        _lstm_parameters() + H + 1: "that includes the Dense readout (H + 1); the question is "
                                    "about the LSTM layer alone",
    }


# -- predict: does the gradient through 100 steps vanish? ------------------------------------
def _first_value_sequences(n: int, steps: int, rng) -> np.ndarray:
    x = np.zeros((n, steps, D_IN))
    x[:, :, 0] = rng.choice([-1.0, 1.0], size=(n, steps))
    x[:, 0, 1] = 1.0
    return x


def _gradient_reaching_first_step(steps: int = 100, seed: int = 0, n: int = 100) -> float:
    """||dL/dh_1|| / ||dL/dh_T|| for the chapter's SimpleRNN at initialisation, Keras' scheme:
    Glorot-uniform kernel (2, 32), orthogonal recurrent kernel (32, 32), zero bias, a loss
    reading the last state through a Glorot-uniform readout (32, 1)."""
    rng = np.random.default_rng(seed)
    kernel = initializers.xavier_uniform(D_IN, UNITS, rng=rng)
    recurrent = initializers.orthogonal(UNITS, UNITS, rng=rng)
    readout = initializers.xavier_uniform(UNITS, 1, rng=rng)
    x = _first_value_sequences(n, steps, rng)
    _, cache = rnn_forward(x, np.zeros((n, UNITS)), kernel, recurrent, np.zeros(UNITS))
    upstream = np.zeros((n, steps, UNITS))
    upstream[:, -1] = readout[:, 0] / n
    norms = np.linalg.norm(rnn_state_gradients(upstream, cache)[0], axis=2).mean(axis=0)
    return float(norms[0] / norms[-1])


def _vanishes() -> str:
    ratio = _gradient_reaching_first_step()
    return "vanishes" if ratio < 1e-3 else ("explodes" if ratio > 1e3 else "stays")


# -- derive: one step of backpropagation through time -------------------------------------------
def _rnn_step_backward_reference(dh, x_t, h_prev, h, kernel, recurrent_kernel):
    dz = dh * (1 - h**2)                             # back through tanh, at this step's output
    return (dz @ kernel.T, dz @ recurrent_kernel.T,
            x_t.T @ dz, h_prev.T @ dz, dz.sum(axis=0))


def _rnn_transposed(dh, x_t, h_prev, h, kernel, recurrent_kernel):
    dz = dh * (1 - h**2)
    return dz @ kernel.T, dz @ recurrent_kernel, x_t.T @ dz, h_prev.T @ dz, dz.sum(axis=0)


def _rnn_no_tanh(dh, x_t, h_prev, h, kernel, recurrent_kernel):
    dz = dh
    return dz @ kernel.T, dz @ recurrent_kernel.T, x_t.T @ dz, h_prev.T @ dz, dz.sum(axis=0)


def _rnn_wrong_state(dh, x_t, h_prev, h, kernel, recurrent_kernel):
    dz = dh * (1 - h_prev**2)
    return dz @ kernel.T, dz @ recurrent_kernel.T, x_t.T @ dz, h_prev.T @ dz, dz.sum(axis=0)


_TRANSPOSED = "transposed recurrent kernel: dh_prev = dz recurrent_kernel^T, with dz the gradient at z"
_NO_TANH = "you forgot (1 - h^2): the gradient passes through tanh first, dz = dh * (1 - h^2)"
_WRONG_STATE = "tanh' belongs to THIS step's output: use (1 - h^2), not (1 - h_prev^2)"
RNN_SLIPS = {_TRANSPOSED: _rnn_transposed, _NO_TANH: _rnn_no_tanh, _WRONG_STATE: _rnn_wrong_state}
RNN_NAMES = ("dx_t", "dh_prev", "dkernel", "drecurrent_kernel", "dbias")


def _rnn_case(rng, N, D, H):
    """One step's inputs and, by centred finite differences of L = sum(dh * h), every gradient."""
    x_t, h_prev = rng.normal(size=(N, D)), np.tanh(rng.normal(size=(N, H)))
    kernel, recurrent = rng.normal(scale=0.7, size=(D, H)), rng.normal(scale=0.7, size=(H, H))
    bias, dh = rng.normal(scale=0.3, size=H), rng.normal(size=(N, H))

    def step(x, hp, W, U, b):
        return np.tanh(x @ W + hp @ U + b)

    want = numerical_backward(step, dh, x_t, h_prev, kernel, recurrent, bias)
    h = np.tanh(x_t @ kernel + h_prev @ recurrent + bias)
    return (dh, x_t, h_prev, h, kernel, recurrent), want


def _compare_rnn(fn, rng, N, D, H, what):
    inputs, want = _rnn_case(rng, N, D, H)
    got = expect_tuple(call_raw(fn, *inputs), RNN_NAMES)
    slips = {message: slip(*inputs) for message, slip in RNN_SLIPS.items()}
    for k, name in enumerate(RNN_NAMES):
        compare(got[k], want[k], None, f"{what}, {name}", rtol=1e-5, atol=1e-8,
                slips={m: s[k] for m, s in slips.items()})


def _rnn_batch(fn, rng):
    _compare_rnn(fn, rng, N=int(rng.integers(2, 6)), D=3, H=4, what="a batch, D = 3, H = 4")


def _rnn_one(fn, rng):
    _compare_rnn(fn, rng, N=1, D=2, H=5, what="one sequence, D = 2, H = 5")


# -- implement: an LSTM step in Keras' gate order -----------------------------------------------
def _lstm_blocks(z, order):
    H = z.shape[1] // 4
    blocks = {name: z[:, k * H:(k + 1) * H] for k, name in enumerate(order)}
    return blocks["i"], blocks["f"], blocks["c"], blocks["o"]


def _lstm_step_with(order, squash=np.tanh):
    def step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
        z = x_t @ kernel + h_prev @ recurrent_kernel + bias
        i, f, g, o = _lstm_blocks(z, order)
        sig = activations.sigmoid
        c = sig(f) * c_prev + sig(i) * np.tanh(g)
        return sig(o) * squash(c), c
    return step


_lstm_step_reference = _lstm_step_with("ifco")
_GATE_ORDER = ("gate order: Keras stores the four blocks as i, f, c, o (input gate first), "
               "not in the order f, i, c, o the chapter's table lists them")
_NO_SQUASH = "h = o * tanh(c): the cell state goes through tanh before the output gate"
LSTM_SLIPS = {_GATE_ORDER: _lstm_step_with("fico"),
              _NO_SQUASH: _lstm_step_with("ifco", squash=lambda c: c)}


def _lstm_case(rng, N=3, D=4, H=5):
    x_t, h_prev, c_prev = rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    weights = (rng.normal(scale=0.5, size=(D, 4 * H)), rng.normal(scale=0.5, size=(H, 4 * H)),
               rng.normal(size=4 * H))
    return x_t, h_prev, c_prev, weights


def _lstm_values(fn, rng):
    x_t, h_prev, c_prev, weights = _lstm_case(rng, N=int(rng.integers(2, 5)))
    inputs = (x_t, h_prev, c_prev, *weights)
    h, c = expect_tuple(call_raw(fn, *inputs), ("h", "c"))
    want_h, want_c = _lstm_step_reference(*inputs)
    slips = {message: slip(*inputs) for message, slip in LSTM_SLIPS.items()}
    compare(c, want_c, None, "the cell state c", rtol=1e-6, slips={m: s[1] for m, s in slips.items()})
    compare(h, want_h, None, "the hidden state h", rtol=1e-6, slips={m: s[0] for m, s in slips.items()})


def _lstm_forget_gate(fn, rng):
    x_t, h_prev, c_prev, (kernel, recurrent_kernel, bias) = _lstm_case(rng)
    bias = bias.copy()
    bias[5:10] = 30.0      # forget gate wide open
    bias[0:5] = -30.0      # input gate shut
    _, c = expect_tuple(call_raw(fn, x_t, h_prev, c_prev, kernel * 0, recurrent_kernel * 0, bias),
                        ("h", "c"))
    if c.shape != c_prev.shape or not np.allclose(c, c_prev, atol=1e-6):
        raise Failed("with the forget gate open and the input gate shut, c must equal c_prev: "
                     "check the update c = f * c_prev + i * g")


EXERCISES = [
    Answer(
        "lstm_parameters",
        f"how many parameters has the chapter's LSTM layer, D = {D_IN} inputs and H = {UNITS} units?",
        kind="compute",
        expected=_lstm_parameters,
        explain="4(DH + H^2 + H) = 4 (64 + 1024 + 32) = 4,480: a kernel (D, 4H), a recurrent "
                "kernel (H, 4H) and a bias (4H,), the four gate blocks side by side.",
        slips=_lstm_parameter_slips,
    ),
    Answer(
        "rnn_gradient_100_steps",
        "the chapter's SimpleRNN at initialisation (orthogonal recurrent kernel, 32 units): does "
        "the gradient reaching step 1 from a loss at step 100 'vanish' (below 1/1000 of the last "
        "step's), 'stay' within a factor 1000, or 'explode'?",
        kind="predict",
        expected=_vanishes,
        explain="it vanishes: the orthogonal recurrent kernel keeps a vector's length, but each "
                "step also multiplies by tanh'(z) = 1 - h^2 < 1, and 99 such factors compound.",
        choices=("vanishes", "stays", "explodes"),
        slips={"stays": "an orthogonal recurrent kernel keeps lengths, but the gradient also "
                        "passes through tanh' = 1 - h^2 < 1 at every step, 99 times",
               "explodes": "an orthogonal matrix's singular values are all 1 and tanh' is at most "
                           "1: no factor in the chain is larger than 1"},
    ),
    Implement(
        "rnn_step_backward",
        "rnn_step_backward(dh, x_t, h_prev, h, kernel, recurrent_kernel) -> (dx_t, dh_prev, "
        "dkernel, drecurrent_kernel, dbias) for h = tanh(x_t kernel + h_prev recurrent_kernel + b)",
        [
            ("a batch, checked by finite differences", _rnn_batch),
            ("one sequence, D != H", _rnn_one),
        ],
        reference=_rnn_step_backward_reference,
        slips=RNN_SLIPS,
        package="dlnotes.rnn.rnn_step_backward",
        kind="derive",
    ),
    Implement(
        "lstm_step",
        "lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias) -> (h, c), Keras' layout",
        [
            ("matches on a batch", _lstm_values),
            ("an open forget gate keeps the cell state", _lstm_forget_gate),
        ],
        reference=_lstm_step_reference,
        slips=LSTM_SLIPS,
        package="dlnotes.lstm.lstm_step_forward",
    ),
    Answer(
        "lstm_open_gate",
        "in the trained LSTM's figure, which gate sits near 1 at every step and in every unit: "
        "'input', 'forget', 'candidate' or 'output'?",
        kind="interpret",
        expected=lambda: "forget",
        explain="the forget gate: training left it near sigma(5) = 0.993, where its bias of 5 "
                "put it, so the cell state keeps what is written into it across 100 steps.",
        choices=("input", "forget", "candidate", "output"),
        slips={"input": "the input gate stays about half open; it did not learn to shut out the noise",
               "candidate": "the candidate values lie between -1 and 1 and follow the first value; "
                            "they are what gets written, not a gate that stays open",
               "output": "the output gate differs from unit to unit; look for the gate that is "
                         "one flat colour at the top of its scale"},
    ),
]
