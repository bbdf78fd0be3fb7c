"""What the recurrent cells (rnn.py, lstm.py) share: their cache and their argument checks."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import as_float_array


class RecurrentCache(NamedTuple):
    """What a recurrent forward pass keeps for its backward pass, for the RNN and the LSTM alike.

    Every cache is a sequence's: one step is a sequence of length T = 1, so
    a step's cache holds x_t as x (N, 1, D) and its new state as h_seq
    (N, 1, H). Step t of any cache is read the same way (see
    :func:`previous`), by the step's backward pass and by backpropagation
    through time.

    x: (N, T, D), the inputs.
    h0: (N, H), the state before the first step (h_prev for one step), as checked.
    h_seq: (N, T, H), the state after every step.
    kernel: (D, H) or (D, 4H); recurrent_kernel: (H, H) or (H, 4H), as checked.
    c0, c_seq: LSTM only, (N, H) and (N, T, H): the cell state before the
        first step and after every step (None for the RNN).
    gates: LSTM only, (N, T, 4H): i, f, g, o after their activations (None for the RNN).

    Fields are read by name, ``cache.gates``, or, as a dict's, ``cache["gates"]``.
    """

    x: np.ndarray
    h0: np.ndarray
    h_seq: np.ndarray
    kernel: np.ndarray
    recurrent_kernel: np.ndarray
    c0: np.ndarray | None = None
    c_seq: np.ndarray | None = None
    gates: np.ndarray | None = None

    def __getitem__(self, key):
        return getattr(self, key) if isinstance(key, str) else tuple.__getitem__(self, key)


def previous(first: np.ndarray, seq: np.ndarray, t: int) -> np.ndarray:
    """The state step t starts from: ``first`` (h0 or c0) for t = 0, else seq[:, t - 1]. (N, H)."""
    return first if t == 0 else seq[:, t - 1]


def add_grads(total: dict | None, step: dict) -> dict:
    """Sum one step's weight gradients into the running total (the weights are shared over time)."""
    return dict(step) if total is None else {name: total[name] + step[name] for name in total}


# -- checks at the boundary -------------------------------------------------------------------
def check_cache(cache, made_by: str, lstm: bool, one_step: bool = False) -> RecurrentCache:
    """``cache`` as ``made_by`` returns it: a RecurrentCache of the right cell (and of one step if asked)."""
    if not isinstance(cache, RecurrentCache) or (cache.gates is not None) != lstm:
        kind = type(cache).__name__
        if isinstance(cache, RecurrentCache):
            kind = "an LSTM's cache" if cache.gates is not None else "a simple RNN's cache"
        raise TypeError(f"cache must be the RecurrentCache that {made_by} returns, got {kind}")
    if one_step and cache.x.shape[1] != 1:
        raise ValueError(f"cache must be one step's, from {made_by}; got a sequence's of T = {cache.x.shape[1]}")
    return cache


def check_sequence(x, name: str = "x") -> np.ndarray:
    x = as_float_array(x, name)
    if x.ndim != 3:
        raise ValueError(f"{name} must be 3-D (N, T, D): batch, time, features; got shape {x.shape}")
    if x.shape[1] == 0:
        raise ValueError(f"{name} has no time steps (shape {x.shape})")
    return x


def check_step_input(x_t) -> np.ndarray:
    x_t = as_float_array(x_t, "x_t")
    if x_t.ndim != 2:
        raise ValueError(f"x_t must be 2-D (N, D), got shape {x_t.shape}")
    return x_t


def check_upstream(grad, like: np.ndarray, name: str, of: str | None = None) -> np.ndarray:
    """A gradient arriving from above must have exactly the shape of ``of``, what it is the gradient of."""
    grad = as_float_array(grad, name)
    if grad.shape != like.shape:
        target = f"the shape of {of} {like.shape}" if of else f"shape {like.shape}"
        raise ValueError(f"{name} must have {target}, got {grad.shape}")
    return grad


def check_state(h, n: int, units: int, name: str) -> np.ndarray:
    h = as_float_array(h, name)
    if h.shape != (n, units):
        raise ValueError(f"{name} must have shape (N, H) = ({n}, {units}), got {h.shape}")
    return h


def check_weights(kernel, recurrent_kernel, bias, d: int, gates: int):
    """Return (kernel, recurrent_kernel, bias, H) after checking the Keras layout for ``gates`` blocks."""
    kernel = as_float_array(kernel, "kernel")
    recurrent_kernel = as_float_array(recurrent_kernel, "recurrent_kernel")
    bias = as_float_array(bias, "bias")
    label = "H" if gates == 1 else f"{gates}H"
    if recurrent_kernel.ndim != 2:
        raise ValueError(f"recurrent_kernel must be 2-D (H, {label}), got shape {recurrent_kernel.shape}")
    h = recurrent_kernel.shape[0]
    width = gates * h
    if recurrent_kernel.shape != (h, width):
        raise ValueError(
            f"recurrent_kernel must have shape (H, {label}); got {recurrent_kernel.shape}, "
            f"which would need a width of {width} for H = {h}"
        )
    if kernel.shape != (d, width):
        raise ValueError(f"kernel must have shape (D, {label}) = ({d}, {width}) "
                         f"for D = {d}, H = {h}; got {kernel.shape}")
    if bias.shape != (width,):
        raise ValueError(f"bias must have shape ({label},) = ({width},), got {bias.shape}")
    return kernel, recurrent_kernel, bias, h
