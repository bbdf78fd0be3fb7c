"""Batch normalization (Ioffe and Szegedy, 2015), in Keras' BatchNormalization layout.

Each feature (the last axis, Keras' default ``axis=-1``) is normalised by a
mean and a variance, then scaled and shifted by two learnt vectors:

    x_hat = (x - mean) / sqrt(variance + epsilon),   out = gamma * x_hat + beta

x: (N, C) or (N, H, W, C); gamma, beta, moving_mean, moving_variance: (C,),
Keras' weight names, in the order ``layer.get_weights()`` returns them.

* Training (``training=True``): mean and variance are the batch's, over every
  axis but the last (N examples, times H x W positions for images); the
  variance is the biased one (divided by the count, not the count - 1). The
  moving statistics are updated as Keras does,
  ``moving = momentum * moving + (1 - momentum) * batch statistic``, and
  returned (the arguments are not changed).
* Inference (``training=False``): mean and variance are moving_mean and
  moving_variance; nothing is updated (copies are returned).

Backward, training mode, with m the count of values per feature and
dx_hat = dout * gamma:

    dx = (m dx_hat - sum(dx_hat) - x_hat sum(dx_hat x_hat)) / (m sqrt(variance + epsilon))

(the two sums: the mean and the variance depend on every x). In inference
mode the statistics are constants and dx = dout * gamma / sqrt(variance + epsilon).
dgamma = sum(dout x_hat), dbeta = sum(dout), sums over every axis but the last.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import as_float_array, positive_number, real_scalar

__all__ = ["batchnorm_forward", "batchnorm_backward"]


class BatchNormCache(NamedTuple):
    """What the backward pass needs: x_hat, gamma, 1 / sqrt(variance + epsilon), the mode."""

    x_hat: np.ndarray
    gamma: np.ndarray
    inv_std: np.ndarray
    training: bool


def _finite(a: np.ndarray, name: str) -> np.ndarray:
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or inf")
    return a


def _check(x, gamma, beta, moving_mean, moving_variance, training, momentum, epsilon):
    x = _finite(as_float_array(x, "x"), "x")
    if x.ndim < 2 or x.shape[-1] == 0:
        raise ValueError(f"x must be (N, C) or (N, ..., C) with C >= 1 features on the last axis, "
                         f"got shape {x.shape}")
    vectors = {}
    for name, v in (("gamma", gamma), ("beta", beta), ("moving_mean", moving_mean),
                    ("moving_variance", moving_variance)):
        v = _finite(as_float_array(v, name), name)
        if v.shape != (x.shape[-1],):
            raise ValueError(f"{name} must have shape ({x.shape[-1]},), one value per feature of x "
                             f"(x has shape {x.shape}), got {v.shape}")
        vectors[name] = v
    if np.any(vectors["moving_variance"] < 0):
        raise ValueError(f"moving_variance must be >= 0, got {vectors['moving_variance'].min()!r}")
    if not isinstance(training, (bool, np.bool_)):
        raise TypeError(f"training must be True or False, got {training!r}")
    momentum = real_scalar(momentum, "momentum")
    if not 0 <= momentum < 1:
        raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
    epsilon = positive_number(epsilon, "epsilon")
    count = x.size // x.shape[-1]
    if training and count < 2:
        raise ValueError(f"training=True needs at least 2 values per feature to take batch statistics, "
                         f"x has shape {x.shape}: with one, x_hat is 0 and out is beta whatever x is")
    return x, vectors, bool(training), momentum, epsilon


def batchnorm_forward(x, gamma, beta, moving_mean, moving_variance, *, training: bool,
                      momentum: float = 0.99, epsilon: float = 1e-3):
    """Batch normalization over the last axis. x: (N, ..., C) -> (out, cache, moving_mean, moving_variance).

    gamma, beta, moving_mean, moving_variance: (C,). out has x's shape; the
    returned moving statistics are (C,), updated when ``training`` (see the
    module docstring), copies otherwise. momentum in [0, 1), epsilon > 0
    (Keras' defaults 0.99 and 1e-3).
    """
    x, v, training, momentum, epsilon = _check(x, gamma, beta, moving_mean, moving_variance,
                                               training, momentum, epsilon)
    dtype = np.result_type(x, *v.values())
    x = x.astype(dtype, copy=False)
    gamma, beta, mm, mv = (v[k].astype(dtype, copy=False) for k in
                           ("gamma", "beta", "moving_mean", "moving_variance"))
    axes = tuple(range(x.ndim - 1))                         # every axis but the features
    if training:
        with np.errstate(over="ignore", invalid="ignore"):
            mean, variance = x.mean(axis=axes), x.var(axis=axes)      # biased variance
        if not np.all(np.isfinite(variance)):
            raise ValueError(f"x is too large to normalise in {dtype}: its variance overflows "
                             f"(largest |x| {np.abs(x).max()!r})")
        new_mean = momentum * mm + (1 - momentum) * mean
        new_variance = momentum * mv + (1 - momentum) * variance
    else:
        mean, variance = mm, mv
        new_mean, new_variance = mm.copy(), mv.copy()
    if np.any(variance + dtype.type(epsilon) == 0):
        raise ValueError(f"epsilon={epsilon!r} is 0 in {dtype} and a feature's variance is 0: "
                         "nothing to divide by (use a larger epsilon)")
    inv_std = 1 / np.sqrt(variance + dtype.type(epsilon))
    x_hat = (x - mean) * inv_std
    out = gamma * x_hat + beta
    return out, BatchNormCache(x_hat, gamma, inv_std, training), new_mean, new_variance


def batchnorm_backward(dout, cache: BatchNormCache):
    """dout: (N, ..., C), the shape of the forward's out -> (dx (N, ..., C), dgamma (C,), dbeta (C,))."""
    if not isinstance(cache, BatchNormCache):
        raise TypeError(f"cache must be the cache batchnorm_forward returned, got {type(cache).__name__}")
    dout = as_float_array(dout, "dout")
    x_hat, gamma, inv_std, training = cache
    if dout.shape != x_hat.shape:
        raise ValueError(f"dout must have the output's shape {x_hat.shape}, got {dout.shape}")
    axes = tuple(range(dout.ndim - 1))
    dbeta = dout.sum(axis=axes)
    dgamma = (dout * x_hat).sum(axis=axes)
    dx_hat = dout * gamma
    if not training:                                    # the statistics are constants
        return dx_hat * inv_std, dgamma, dbeta
    m = x_hat.size // x_hat.shape[-1]                   # values per feature
    dx = (m * dx_hat - dx_hat.sum(axis=axes) - x_hat * (dx_hat * x_hat).sum(axis=axes)) * (inv_std / m)
    return dx, dgamma, dbeta
