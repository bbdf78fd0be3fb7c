"""The simple recurrent cell (Keras ``SimpleRNNCell``), forward and backward through time.

At each time step t the cell mixes the input x_t with its previous state:

    h_t = tanh(x_t kernel + h_{t-1} recurrent_kernel + bias)

kernel: (D, H), recurrent_kernel: (H, H), bias: (H,): Keras' names and
layouts. The same three arrays are used at every step: weights shared over
time. The reference chapter writes one matrix W over the concatenation
[h_{t-1}, x_t]; that W is ``np.vstack([recurrent_kernel, kernel])``.

Sequences are batch-first: x is (N, T, D), the states h are (N, H).
"""

from __future__ import annotations

import numpy as np

from ._recurrent import check_sequence, check_state, check_step_input, check_upstream, check_weights


def rnn_step_forward(x_t, h_prev, kernel, recurrent_kernel, bias):
    """One step. x_t: (N, D), h_prev: (N, H) -> (h (N, H), cache)."""
    x_t = check_step_input(x_t)
    kernel, recurrent_kernel, bias, units = check_weights(kernel, recurrent_kernel, bias, x_t.shape[1], 1)
    h_prev = check_state(h_prev, x_t.shape[0], units, "h_prev")
    h = np.tanh(x_t @ kernel + h_prev @ recurrent_kernel + bias)
    return h, (x_t, h_prev, h, kernel, recurrent_kernel)


def rnn_step_backward(dh, cache):
    """Backward through one step.

    dh: (N, H), the gradient of the loss with respect to this step's h.
    Returns (dx_t (N, D), dh_prev (N, H), grads) with grads holding
    "kernel", "recurrent_kernel" and "bias" for this step alone.
    """
    x_t, h_prev, h, kernel, recurrent_kernel = cache
    dh = check_upstream(dh, h, "dh", "h")
    dz = dh * (1 - h**2)                                  # through tanh
    grads = {"kernel": x_t.T @ dz, "recurrent_kernel": h_prev.T @ dz, "bias": dz.sum(axis=0)}
    return dz @ kernel.T, dz @ recurrent_kernel.T, grads


def rnn_forward(x, h0, kernel, recurrent_kernel, bias):
    """Run the cell over a whole sequence.

    x: (N, T, D), h0: (N, H). Returns (h_seq (N, T, H), cache).
    """
    x = check_sequence(x)
    n, steps, d = x.shape
    kernel, recurrent_kernel, bias, units = check_weights(kernel, recurrent_kernel, bias, d, 1)
    h = check_state(h0, n, units, "h0")
    inputs = x @ kernel + bias                            # (N, T, H): the input part of every step at once
    h_seq = np.empty((n, steps, units), dtype=np.result_type(inputs, h))
    for t in range(steps):
        h = np.tanh(inputs[:, t] + h @ recurrent_kernel)
        h_seq[:, t] = h
    return h_seq, (x, h0, h_seq, kernel, recurrent_kernel)


def rnn_state_gradients(dh_seq, cache):
    """The total gradient of the loss with respect to every state h_t.

    dh_seq: (N, T, H), the gradient arriving at each h_t from above (from the
    loss at that step; zeros where a step has none). Walking from the last
    step to the first, each h_t also receives what flows back from step t+1
    through the recurrent kernel. Returns (dh_total (N, T, H), dh0 (N, H)).
    This is where gradients vanish or explode: the chain from a late loss back
    to an early state multiplies by recurrent_kernel^T and tanh' at every step.
    """
    x, h0, h_seq, kernel, recurrent_kernel = cache
    dh_seq = check_upstream(dh_seq, h_seq, "dh_seq", "h_seq")
    dh_total = np.empty_like(h_seq, dtype=np.result_type(h_seq, dh_seq))
    dh_next = np.zeros_like(dh_total[:, 0])
    for t in reversed(range(x.shape[1])):
        dh_total[:, t] = dh_seq[:, t] + dh_next
        dh_next = (dh_total[:, t] * (1 - h_seq[:, t] ** 2)) @ recurrent_kernel.T
    return dh_total, dh_next


def rnn_backward(dh_seq, cache):
    """Backpropagation through time.

    dh_seq: (N, T, H), the gradient of the loss with respect to every h_t
    coming from above (zeros where a step has no loss). The total gradient of
    each state comes from :func:`rnn_state_gradients`; through tanh it gives
    dz_t, and every weight gradient sums its per-step terms over time, because
    the weights are shared. Returns (dx (N, T, D), dh0 (N, H), grads).
    """
    x, h0, h_seq, kernel, recurrent_kernel = cache
    dh_total, dh0 = rnn_state_gradients(dh_seq, cache)
    dz_seq = dh_total * (1 - h_seq**2)
    h_prev = np.concatenate([np.asarray(h0)[:, None], h_seq[:, :-1]], axis=1)   # (N, T, H): h_{t-1}
    grads = {
        "kernel": np.einsum("ntd,nth->dh", x, dz_seq),
        "recurrent_kernel": np.einsum("ntk,nth->kh", h_prev, dz_seq),
        "bias": dz_seq.sum(axis=(0, 1)),
    }
    return dz_seq @ kernel.T, dh0, grads
