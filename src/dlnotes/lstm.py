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

The equations are written once, in ``_step``; their derivatives once, in
``_step_backward``. The public step functions check their arguments and call
them; the sequence functions check once and loop over them. Every cache is a
:class:`~dlnotes._recurrent.RecurrentCache`.
"""

from __future__ import annotations

import numpy as np

from ._recurrent import (RecurrentCache, add_grads, check_cache, check_sequence, check_state, check_step_input,
                         check_upstream, check_weights, previous)
from .activations import sigmoid

__all__ = ["lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward", "lstm_state_gradients"]


def _step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    """The cell, unchecked: (h (N, H), c (N, H), gates (N, 4H): i, f, g, o after their activations)."""
    z_i, z_f, z_c, z_o = np.split(x_t @ kernel + h_prev @ recurrent_kernel + bias, 4, axis=1)
    i, f, g, o = sigmoid(z_i), sigmoid(z_f), np.tanh(z_c), sigmoid(z_o)
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, c, np.concatenate([i, f, g, o], axis=1)


def _step_backward(dh, dc, cache: RecurrentCache, t: int):
    """Backward through step t of ``cache``, unchecked.

    dh, dc: (N, H), the gradients reaching h_t and c_t from above and from
    step t+1. Returns (dx_t (N, D), dh_prev (N, H), dc_prev (N, H), this
    step's grads, dc_total (N, H)), dc_total being all the gradient that
    reaches c_t, directly and through h_t.
    """
    x_t, h_prev, c_prev = cache.x[:, t], previous(cache.h0, cache.h_seq, t), previous(cache.c0, cache.c_seq, t)
    i, f, g, o = np.split(cache.gates[:, t], 4, axis=1)
    tanh_c = np.tanh(cache.c_seq[:, t])
    dc = dc + dh * o * (1 - tanh_c**2)                    # c reaches the loss directly and through h
    dz = np.concatenate([                                 # (N, 4H): the pre-activations i, f, c, o
        dc * g * i * (1 - i),                             # input gate
        dc * c_prev * f * (1 - f),                        # forget gate
        dc * i * (1 - g**2),                              # candidate
        dh * tanh_c * o * (1 - o),                        # output gate
    ], axis=1)
    grads = {"kernel": x_t.T @ dz, "recurrent_kernel": h_prev.T @ dz, "bias": dz.sum(axis=0)}
    return dz @ cache.kernel.T, dz @ cache.recurrent_kernel.T, dc * f, grads, dc


def lstm_step_forward(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    """One step.

    x_t: (N, D); h_prev, c_prev: (N, H); kernel: (D, 4H); recurrent_kernel:
    (H, 4H); bias: (4H,), each 4H wide in the gate order i, f, c, o.
    Returns (h (N, H), c (N, H), cache), the cache that of a sequence of one
    step (T = 1), for :func:`lstm_step_backward`.
    """
    x_t = check_step_input(x_t)
    kernel, recurrent_kernel, bias, units = check_weights(kernel, recurrent_kernel, bias, x_t.shape[1], 4)
    h_prev = check_state(h_prev, x_t.shape[0], units, "h_prev")
    c_prev = check_state(c_prev, x_t.shape[0], units, "c_prev")
    h, c, gates = _step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)
    cache = RecurrentCache(x_t[:, None], h_prev, h[:, None], kernel, recurrent_kernel,
                           c_prev, c[:, None], gates[:, None])
    return h, c, cache


def lstm_step_backward(dh, dc, cache):
    """Backward through one step.

    dh, dc: (N, H), gradients of the loss with respect to this step's h and
    c; cache: from :func:`lstm_step_forward`. Returns (dx_t (N, D), dh_prev
    (N, H), dc_prev (N, H), grads) with grads holding this step's "kernel"
    (D, 4H), "recurrent_kernel" (H, 4H) and "bias" (4H,), gate order i, f, c, o.
    """
    cache = check_cache(cache, "lstm_step_forward", lstm=True, one_step=True)
    dh = check_upstream(dh, cache.h0, "dh", "h")
    dc = check_upstream(dc, cache.c0, "dc", "c")
    return _step_backward(dh, dc, cache, 0)[:4]


def lstm_forward(x, h0, c0, kernel, recurrent_kernel, bias):
    """Run the LSTM over a sequence, one :func:`lstm_step_forward` step at a time.

    x: (N, T, D); h0, c0: (N, H); kernel: (D, 4H); recurrent_kernel: (H, 4H);
    bias: (4H,), gate order i, f, c, o. Returns (h_seq (N, T, H), c_last
    (N, H), cache); cache.gates (N, T, 4H) holds i, f, g, o after their
    activations and cache.c_seq (N, T, H) every cell state.
    """
    x = check_sequence(x)
    n, steps, d = x.shape
    kernel, recurrent_kernel, bias, units = check_weights(kernel, recurrent_kernel, bias, d, 4)
    h0 = check_state(h0, n, units, "h0")
    c0 = check_state(c0, n, units, "c0")
    dtype = np.result_type(x, h0, c0, kernel, recurrent_kernel, bias)
    h_seq, c_seq = np.empty((n, steps, units), dtype=dtype), np.empty((n, steps, units), dtype=dtype)
    gates = np.empty((n, steps, 4 * units), dtype=dtype)
    for t in range(steps):
        h_seq[:, t], c_seq[:, t], gates[:, t] = _step(x[:, t], previous(h0, h_seq, t), previous(c0, c_seq, t),
                                                      kernel, recurrent_kernel, bias)
    return h_seq, c_seq[:, -1].copy(), RecurrentCache(x, h0, h_seq, kernel, recurrent_kernel, c0, c_seq, gates)


def _through_time(dh_seq, cache: RecurrentCache, dc_last):
    """Backward through every step, last to first: (dx, dh0, dc0, grads, dh_total, dc_total)."""
    cache = check_cache(cache, "lstm_forward", lstm=True)
    dh_seq = check_upstream(dh_seq, cache.h_seq, "dh_seq", "h_seq")
    steps = dh_seq.shape[1]
    dx, dh_total, dc_total, grads = [None] * steps, [None] * steps, [None] * steps, None
    dh_next = np.zeros_like(cache.h0, dtype=cache.h_seq.dtype)   # nothing flows back into the last step
    dc_next = dh_next if dc_last is None else check_upstream(dc_last, cache.c0, "dc_last")
    for t in reversed(range(steps)):
        dh_total[t] = dh_seq[:, t] + dh_next              # from above, and back from step t+1
        dx[t], dh_next, dc_next, step_grads, dc_total[t] = _step_backward(dh_total[t], dc_next, cache, t)
        grads = add_grads(grads, step_grads)
    return (np.stack(dx, axis=1), dh_next, dc_next, grads,
            np.stack(dh_total, axis=1), np.stack(dc_total, axis=1))


def lstm_state_gradients(dh_seq, cache, dc_last=None):
    """The total gradients of the loss with respect to every h_t and c_t.

    dh_seq: (N, T, H) from above; cache: from :func:`lstm_forward` (kernel
    (D, 4H), recurrent_kernel (H, 4H), gate order i, f, c, o); dc_last:
    optional (N, H) for the final cell state. Returns (dh_total, dc_total),
    both (N, T, H). Along the cell state the gradient is multiplied only by
    the forget gate f at each step, which is why it can survive many steps.
    """
    _, _, _, _, dh_total, dc_total = _through_time(dh_seq, cache, dc_last)
    return dh_total, dc_total


def lstm_backward(dh_seq, cache, dc_last=None):
    """Backpropagation through time for the LSTM, one :func:`lstm_step_backward` step at a time.

    dh_seq: (N, T, H), gradients with respect to every h_t from above;
    cache: from :func:`lstm_forward`; dc_last: optional (N, H) gradient with
    respect to the final cell state. Returns (dx (N, T, D), dh0 (N, H), dc0
    (N, H), grads), grads summed over time: "kernel" (D, 4H),
    "recurrent_kernel" (H, 4H), "bias" (4H,), gate order i, f, c, o.
    """
    dx, dh0, dc0, grads, _, _ = _through_time(dh_seq, cache, dc_last)
    return dx, dh0, dc0, grads
