"""The simple recurrent cell (Keras ``SimpleRNNCell``), forward and backward through time.

At each time step t the cell mixes the input x_t with its previous state:

    h_t = tanh(x_t kernel + h_{t-1} recurrent_kernel + bias)

kernel: (D, H), recurrent_kernel: (H, H), bias: (H,): Keras' names and
layouts. The same three arrays are used at every step: weights shared over
time. The reference chapter writes one matrix W over the concatenation
[h_{t-1}, x_t]; that W is ``np.vstack([recurrent_kernel, kernel])``.

The equation is written once, in ``_step``; its derivative once, in
``_step_backward``. The public step functions check their arguments and call
them; the sequence functions check once and loop over them. Sequences are
batch-first: x is (N, T, D), the states h are (N, H). Every cache is a
:class:`~dlnotes._recurrent.RecurrentCache`.
"""

from __future__ import annotations

import numpy as np

from ._recurrent import (RecurrentCache, add_grads, check_cache, check_sequence, check_state, check_step_input,
                         check_upstream, check_weights, previous)

__all__ = ["rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward", "rnn_state_gradients"]


def _step(x_t, h_prev, kernel, recurrent_kernel, bias):
    """The cell, unchecked: h_t (N, H) from x_t (N, D) and h_prev (N, H)."""
    return np.tanh(x_t @ kernel + h_prev @ recurrent_kernel + bias)


def _step_backward(dh, cache: RecurrentCache, t: int):
    """Backward through step t of ``cache``, unchecked: (dx_t (N, D), dh_prev (N, H), this step's grads)."""
    x_t, h_prev, h = cache.x[:, t], previous(cache.h0, cache.h_seq, t), cache.h_seq[:, t]
    dz = dh * (1 - h**2)                                  # through tanh
    grads = {"kernel": x_t.T @ dz, "recurrent_kernel": h_prev.T @ dz, "bias": dz.sum(axis=0)}
    return dz @ cache.kernel.T, dz @ cache.recurrent_kernel.T, grads


def rnn_step_forward(x_t, h_prev, kernel, recurrent_kernel, bias):
    """One step: h = tanh(x_t kernel + h_prev recurrent_kernel + bias).

    x_t: (N, D); h_prev: (N, H); kernel: (D, H); recurrent_kernel: (H, H);
    bias: (H,). Returns (h (N, H), cache), the cache that of a sequence of
    one step (T = 1), for :func:`rnn_step_backward`.
    """
    x_t = check_step_input(x_t)
    kernel, recurrent_kernel, bias, units = check_weights(kernel, recurrent_kernel, bias, x_t.shape[1], 1)
    h_prev = check_state(h_prev, x_t.shape[0], units, "h_prev")
    h = _step(x_t, h_prev, kernel, recurrent_kernel, bias)
    return h, RecurrentCache(x_t[:, None], h_prev, h[:, None], kernel, recurrent_kernel)


def rnn_step_backward(dh, cache):
    """Backward through one step.

    dh: (N, H), the gradient of the loss with respect to this step's h;
    cache: from :func:`rnn_step_forward`. Returns (dx_t (N, D), dh_prev
    (N, H), grads) with grads holding this step's "kernel" (D, H),
    "recurrent_kernel" (H, H) and "bias" (H,).
    """
    cache = check_cache(cache, "rnn_step_forward", lstm=False, one_step=True)
    dh = check_upstream(dh, cache.h_seq[:, 0], "dh", "h")
    return _step_backward(dh, cache, 0)


def rnn_forward(x, h0, kernel, recurrent_kernel, bias):
    """Run the cell over a whole sequence, one :func:`rnn_step_forward` step at a time.

    x: (N, T, D); h0: (N, H); kernel: (D, H); recurrent_kernel: (H, H);
    bias: (H,). Returns (h_seq (N, T, H), cache).
    """
    x = check_sequence(x)
    n, steps, d = x.shape
    kernel, recurrent_kernel, bias, units = check_weights(kernel, recurrent_kernel, bias, d, 1)
    h0 = check_state(h0, n, units, "h0")
    h_seq = np.empty((n, steps, units), dtype=np.result_type(x, h0, kernel, recurrent_kernel, bias))
    for t in range(steps):
        h_seq[:, t] = _step(x[:, t], previous(h0, h_seq, t), kernel, recurrent_kernel, bias)
    return h_seq, RecurrentCache(x, h0, h_seq, kernel, recurrent_kernel)


def _through_time(dh_seq, cache: RecurrentCache):
    """Backward through every step, last to first: (dx (N, T, D), dh0 (N, H), grads, dh_total (N, T, H))."""
    cache = check_cache(cache, "rnn_forward", lstm=False)
    dh_seq = check_upstream(dh_seq, cache.h_seq, "dh_seq", "h_seq")
    steps = dh_seq.shape[1]
    dx, dh_total, grads = [None] * steps, [None] * steps, None
    dh_next = np.zeros_like(cache.h0, dtype=cache.h_seq.dtype)   # nothing flows back into the last step
    for t in reversed(range(steps)):
        dh_total[t] = dh_seq[:, t] + dh_next              # from above, and back from step t+1
        dx[t], dh_next, step_grads = _step_backward(dh_total[t], cache, t)
        grads = add_grads(grads, step_grads)
    return np.stack(dx, axis=1), dh_next, grads, np.stack(dh_total, axis=1)


def rnn_state_gradients(dh_seq, cache):
    """The total gradient of the loss with respect to every state h_t.

    dh_seq: (N, T, H), the gradient arriving at each h_t from above (from the
    loss at that step; zeros where a step has none); cache: from
    :func:`rnn_forward` (kernel (D, H), recurrent_kernel (H, H)). Walking
    from the last step to the first, each h_t also receives what flows back
    from step t+1 through the recurrent kernel. Returns (dh_total (N, T, H),
    dh0 (N, H)). This is where gradients vanish or explode: the chain from a
    late loss back to an early state multiplies by recurrent_kernel^T and
    tanh' at every step.
    """
    _, dh0, _, dh_total = _through_time(dh_seq, cache)
    return dh_total, dh0


def rnn_backward(dh_seq, cache):
    """Backpropagation through time, one :func:`rnn_step_backward` step at a time.

    dh_seq: (N, T, H), the gradient of the loss with respect to every h_t
    coming from above (zeros where a step has no loss); cache: from
    :func:`rnn_forward`. Each state's total gradient (see
    :func:`rnn_state_gradients`) goes back through its step, and every
    weight gradient sums its per-step terms over time, because the weights
    are shared. Returns (dx (N, T, D), dh0 (N, H), grads) with grads holding
    "kernel" (D, H), "recurrent_kernel" (H, H) and "bias" (H,).
    """
    dx, dh0, grads, _ = _through_time(dh_seq, cache)
    return dx, dh0, grads
