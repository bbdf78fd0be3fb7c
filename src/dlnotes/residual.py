"""A dense residual block (He et al., 2016): the input, plus what one dense layer adds to it.

    y = x + f(x),   f(x) = activation(x @ kernel + bias)

f is exactly one dense layer followed by its activation (Keras'
``Dense(D, activation=...)``), and the identity path carries x unchanged, so
the block keeps the width: x (N, D) -> y (N, D), kernel (D, D), bias (D,), in
Keras' Dense layout. The same arrays load into
``keras.layers.Add()([x, Dense(D, activation=...)(x)])``.

He et al.'s blocks hold two layers in f and apply a ReLU after the sum; this
one keeps f to a single layer, so that a network of L blocks has the same
weights and activations as a plain network of L layers, the identity paths
being the only difference.

Backward, with z = x @ kernel + bias and dz = dy * activation'(z):

    dkernel = x^T dz,   dbias = sum over examples of dz,   dx = dy + dz @ kernel^T

The ``dy`` in dx is the identity path's gradient: it reaches x undiminished,
however small ``activation'(z)`` is.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import as_float_array
from .activations import get_activation

__all__ = ["residual_forward", "residual_backward"]


class ResidualCache(NamedTuple):
    """What the backward pass needs: the input, the pre-activation, the kernel, the activation's name."""

    x: np.ndarray
    z: np.ndarray
    kernel: np.ndarray
    activation: str


def residual_forward(x, kernel, bias, activation: str = "relu"):
    """y = x + activation(x @ kernel + bias). x: (N, D), kernel (D, D), bias (D,) -> (y (N, D), cache).

    activation: a name from :func:`dlnotes.activations.get_activation`
    ("sigmoid", "tanh", "relu", "leaky_relu", "linear").
    """
    if not isinstance(activation, str):
        raise TypeError(f"activation must be a name such as 'relu', got {activation!r}")
    fn, _ = get_activation(activation)
    x = as_float_array(x, "x")
    if x.ndim != 2:
        raise ValueError(f"x must be 2-D (N examples, D features), got shape {x.shape}")
    kernel, bias = as_float_array(kernel, "kernel"), as_float_array(bias, "bias")
    for name, a in (("x", x), ("kernel", kernel), ("bias", bias)):
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} contains NaN or inf")
    d = x.shape[1]
    if kernel.shape != (d, d):
        raise ValueError(f"kernel must be ({d}, {d}) to keep x's {d} features (the identity path adds x "
                         f"to the layer's output), got {kernel.shape}")
    if bias.shape != (d,):
        raise ValueError(f"bias must have shape ({d},), got {bias.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        z = x @ kernel + bias
    if not np.all(np.isfinite(z)):
        raise ValueError("x @ kernel + bias overflows: x and kernel are too large for "
                         f"{z.dtype} (largest |x| {np.abs(x).max()!r}, largest |kernel| {np.abs(kernel).max()!r})")
    return x + fn(z), ResidualCache(x, z, kernel, activation)


def residual_backward(dy, cache: ResidualCache):
    """dy: (N, D) -> (dx (N, D), dkernel (D, D), dbias (D,)); dx = dy (identity) + dz @ kernel^T."""
    if not isinstance(cache, ResidualCache):
        raise TypeError(f"cache must be the cache residual_forward returned, got {type(cache).__name__}")
    dy = as_float_array(dy, "dy")
    x, z, kernel, activation = cache
    if dy.shape != z.shape:
        raise ValueError(f"dy must have the output's shape {z.shape}, got {dy.shape}")
    _, derivative = get_activation(activation)
    dz = dy * derivative(z)
    return dy + dz @ kernel.T, x.T @ dz, dz.sum(axis=0)
