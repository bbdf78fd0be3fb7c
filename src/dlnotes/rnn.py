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

from ._recurrent import check_sequence, check_state, check_weights


def rnn_step_forward(x_t, h_prev, kernel, recurrent_kernel, bias):
    """One step. x_t: (N, D), h_prev: (N, H) -> (h (N, H), cache)."""
    x_t = np.asarray(x_t)
    if x_t.ndim != 2:
        raise ValueError(f"x_t must be 2-D (N, D), got shape {x_t.shape}")
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


def rnn_backward(dh_seq, cache):
    """Backpropagation through time.

    dh_seq: (N, T, H), the gradient of the loss with respect to every h_t
    coming from above (zeros where a step has no loss). Walking from the last
    step to the first, each step adds the gradient arriving from the next
    step, dh_next, to its own. Returns (dx (N, T, D), dh0 (N, H), grads),
    grads summed over all steps because the weights are shared.
    """
    x, h0, h_seq, kernel, recurrent_kernel = cache
    dh_seq = np.asarray(dh_seq)
    if dh_seq.shape != h_seq.shape:
        raise ValueError(f"dh_seq must have the shape of h_seq {h_seq.shape}, got {dh_seq.shape}")
    n, steps, _ = x.shape
    dz_seq = np.empty_like(h_seq, dtype=np.result_type(h_seq, dh_seq))
    dh_next = np.zeros_like(dz_seq[:, 0])
    for t in reversed(range(steps)):
        dz = (dh_seq[:, t] + dh_next) * (1 - h_seq[:, t] ** 2)
        dz_seq[:, t] = dz
        dh_next = dz @ recurrent_kernel.T
    h_prev = np.concatenate([np.asarray(h0)[:, None], h_seq[:, :-1]], axis=1)   # (N, T, H): h_{t-1}
    grads = {
        "kernel": np.einsum("ntd,nth->dh", x, dz_seq),
        "recurrent_kernel": np.einsum("ntk,nth->kh", h_prev, dz_seq),
        "bias": dz_seq.sum(axis=(0, 1)),
    }
    return dz_seq @ kernel.T, dh_next, grads
