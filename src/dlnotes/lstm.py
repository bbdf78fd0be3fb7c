"""The LSTM cell (Keras ``LSTMCell``), forward and backward through time.

The cell carries two states: the hidden state h and the cell state c, the
"conveyor belt" along which information can pass many steps unchanged. At
each step, with z = x_t kernel + h_{t-1} recurrent_kernel + bias split into
four blocks of H columns in Keras' order i, f, c, o:

    i = sigmoid(z_i)      input gate: how much of the candidate to write
    f = sigmoid(z_f)      forget gate: how much of the old cell state to keep
    g = tanh(z_c)         candidate values
    o = sigmoid(z_o)      output gate: how much of the cell state to show
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)

kernel: (D, 4H), recurrent_kernel: (H, 4H), bias: (4H,). x is (N, T, D).
"""

from __future__ import annotations

import numpy as np

from ._recurrent import check_sequence, check_state, check_step_input, check_upstream, check_weights
from .activations import sigmoid


def _gates(z, units):
    i, f, g, o = (z[:, k * units:(k + 1) * units] for k in range(4))
    return sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)


def lstm_step_forward(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    """One step. x_t: (N, D); h_prev, c_prev: (N, H) -> (h, c, cache), h and c (N, H)."""
    x_t = check_step_input(x_t)
    kernel, recurrent_kernel, bias, units = check_weights(kernel, recurrent_kernel, bias, x_t.shape[1], 4)
    h_prev = check_state(h_prev, x_t.shape[0], units, "h_prev")
    c_prev = check_state(c_prev, x_t.shape[0], units, "c_prev")
    i, f, g, o = _gates(x_t @ kernel + h_prev @ recurrent_kernel + bias, units)
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    return h, c, (x_t, h_prev, c_prev, i, f, g, o, tanh_c, kernel, recurrent_kernel)


def lstm_step_backward(dh, dc, cache):
    """Backward through one step.

    dh, dc: (N, H), gradients of the loss with respect to this step's h and c.
    Returns (dx_t (N, D), dh_prev (N, H), dc_prev (N, H), grads) with grads
    holding "kernel", "recurrent_kernel" and "bias" for this step.
    """
    x_t, h_prev, c_prev, i, f, g, o, tanh_c, kernel, recurrent_kernel = cache
    dh = check_upstream(dh, h_prev, "dh", "h")
    dc = check_upstream(dc, c_prev, "dc", "c")
    dz, dc = _cell_backward(dh, dc, c_prev, i, f, g, o, tanh_c)
    grads = {"kernel": x_t.T @ dz, "recurrent_kernel": h_prev.T @ dz, "bias": dz.sum(axis=0)}
    return dz @ kernel.T, dz @ recurrent_kernel.T, dc * f, grads


def _cell_backward(dh, dc, c_prev, i, f, g, o, tanh_c):
    """Through the cell's arithmetic: (dz (N, 4H) for the pre-activations i, f, c, o; total dc (N, H))."""
    dc = dc + dh * o * (1 - tanh_c**2)                    # c reaches the loss directly and through h
    dz = np.concatenate([
        dc * g * i * (1 - i),                             # input gate
        dc * c_prev * f * (1 - f),                        # forget gate
        dc * i * (1 - g**2),                              # candidate
        dh * tanh_c * o * (1 - o),                        # output gate
    ], axis=1)
    return dz, dc


def lstm_forward(x, h0, c0, kernel, recurrent_kernel, bias):
    """Run the LSTM over a sequence.

    x: (N, T, D); h0, c0: (N, H). Returns (h_seq (N, T, H), c_last (N, H), cache).
    """
    x = check_sequence(x)
    n, steps, d = x.shape
    kernel, recurrent_kernel, bias, units = check_weights(kernel, recurrent_kernel, bias, d, 4)
    h = h0 = check_state(h0, n, units, "h0")
    c = c0 = check_state(c0, n, units, "c0")
    inputs = x @ kernel + bias                            # (N, T, 4H) for all steps at once
    dtype = np.result_type(inputs, h, c)
    h_seq = np.empty((n, steps, units), dtype=dtype)
    c_seq = np.empty((n, steps, units), dtype=dtype)
    gates = np.empty((n, steps, 4 * units), dtype=dtype)  # i, f, g, o after their activations
    for t in range(steps):
        i, f, g, o = _gates(inputs[:, t] + h @ recurrent_kernel, units)
        c = f * c + i * g
        h = o * np.tanh(c)
        h_seq[:, t], c_seq[:, t] = h, c
        gates[:, t] = np.concatenate([i, f, g, o], axis=1)
    cache = {"x": x, "h0": np.asarray(h0, dtype=dtype), "c0": np.asarray(c0, dtype=dtype),
             "h_seq": h_seq, "c_seq": c_seq, "gates": gates, "kernel": kernel, "recurrent_kernel": recurrent_kernel}
    return h_seq, c, cache


def lstm_state_gradients(dh_seq, cache, dc_last=None):
    """The total gradients of the loss with respect to every h_t and c_t.

    dh_seq: (N, T, H) from above; dc_last: optional (N, H) for the final cell
    state. Returns (dh_total, dc_total), both (N, T, H). Along the cell state
    the gradient is multiplied only by the forget gate f at each step, which
    is why it can survive many steps.
    """
    _, _, _, _, dh_total, dc_total = _backward_through_time(dh_seq, cache, dc_last)
    return dh_total, dc_total


def lstm_backward(dh_seq, cache, dc_last=None):
    """Backpropagation through time for the LSTM.

    dh_seq: (N, T, H), gradients with respect to every h_t from above;
    dc_last: optional (N, H) gradient with respect to the final cell state.
    Returns (dx (N, T, D), dh0 (N, H), dc0 (N, H), grads), grads summed over time.
    """
    dx, dh0, dc0, grads, _, _ = _backward_through_time(dh_seq, cache, dc_last)
    return dx, dh0, dc0, grads


def _backward_through_time(dh_seq, cache, dc_last):
    x, h_seq, c_seq, gates = cache["x"], cache["h_seq"], cache["c_seq"], cache["gates"]
    kernel, recurrent_kernel = cache["kernel"], cache["recurrent_kernel"]
    dh_seq = check_upstream(dh_seq, h_seq, "dh_seq", "h_seq")
    n, steps, units = h_seq.shape
    dh_next = np.zeros((n, units), dtype=h_seq.dtype)
    dc_next = dh_next if dc_last is None else check_upstream(dc_last, dh_next, "dc_last")
    dz_seq = np.empty((n, steps, 4 * units), dtype=np.result_type(h_seq, dh_seq))
    dh_total = np.empty((n, steps, units), dtype=dz_seq.dtype)
    dc_total = np.empty_like(dh_total)
    for t in reversed(range(steps)):
        i, f, g, o = (gates[:, t, k * units:(k + 1) * units] for k in range(4))
        c_prev = c_seq[:, t - 1] if t > 0 else cache["c0"]
        tanh_c = np.tanh(c_seq[:, t])
        dh = dh_seq[:, t] + dh_next
        dz, dc = _cell_backward(dh, dc_next, c_prev, i, f, g, o, tanh_c)
        dh_total[:, t], dc_total[:, t] = dh, dc
        dz_seq[:, t] = dz
        dh_next, dc_next = dz @ recurrent_kernel.T, dc * f
    h_prev = np.concatenate([cache["h0"][:, None], h_seq[:, :-1]], axis=1)
    grads = {
        "kernel": np.einsum("ntd,ntk->dk", x, dz_seq),
        "recurrent_kernel": np.einsum("ntj,ntk->jk", h_prev, dz_seq),
        "bias": dz_seq.sum(axis=(0, 1)),
    }
    return dz_seq @ kernel.T, dh_next, dc_next, grads, dh_total, dc_total
