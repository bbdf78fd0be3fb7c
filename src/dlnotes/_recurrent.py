"""Shape checks shared by the recurrent cells (rnn.py, lstm.py)."""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array


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
        raise ValueError(f"kernel must have shape (D, {label}) = ({d}, {width}) for D = {d}, H = {h}; got {kernel.shape}")
    if bias.shape != (width,):
        raise ValueError(f"bias must have shape ({label},) = ({width},), got {bias.shape}")
    return kernel, recurrent_kernel, bias, h
