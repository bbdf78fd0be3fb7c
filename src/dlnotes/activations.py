"""Activation functions and their derivatives.

Every function takes an array-like ``z`` of any shape (the pre-activation) and
returns an array of the same shape. float32 stays float32, float64 stays
float64; booleans and integers become float64. The derivative functions
return ``d activation / d z`` elementwise, so backpropagation through an
activation is ``dz = upstream * grad(z)`` (softmax, whose Jacobian is not
diagonal, has its own vector-Jacobian product :func:`softmax_grad`).

All of them are numerically stable: no overflow and no warning at
``|z| = 1e4`` in float32 or float64. A NaN in ``z`` gives NaN in the output,
as in TensorFlow.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ._validate import as_float_array, axis_index, non_negative_number, same_shape

__all__ = ["sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad", "leaky_relu", "leaky_relu_grad",
           "linear", "linear_grad", "softmax", "softmax_grad", "get_activation"]

Activation = Callable[[np.ndarray], np.ndarray]


def sigmoid(z) -> np.ndarray:
    r"""Logistic sigmoid, :math:`\sigma(z) = 1 / (1 + e^{-z})`, in (0, 1).

    Computed by sign: with :math:`e = e^{-|z|} \in (0, 1]`,
    :math:`\sigma(z) = 1/(1+e)` for :math:`z \ge 0` and :math:`e/(1+e)` for
    :math:`z < 0`. ``exp`` only ever sees a non-positive argument, so it
    cannot overflow (the textbook formula overflows for z below about -709 in
    float64 and -88 in float32).

    z: any shape -> same shape.
    """
    z = as_float_array(z, "z")
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_grad(z) -> np.ndarray:
    r""":math:`\sigma'(z) = \sigma(z)(1 - \sigma(z)) = e^{-|z|} / (1 + e^{-|z|})^2`.

    The second form is the one computed: it is symmetric in z and keeps its
    relative accuracy in the tails, where :math:`1 - \sigma(z)` would round to
    zero. Largest at z = 0, where it is 0.25.

    z: any shape -> same shape.
    """
    z = as_float_array(z, "z")
    e = np.exp(-np.abs(z))
    return e / (1 + e) ** 2


def tanh(z) -> np.ndarray:
    r"""Hyperbolic tangent, :math:`\tanh(z) = (e^z - e^{-z}) / (e^z + e^{-z}) = 2\sigma(2z) - 1`, in (-1, 1).

    z: any shape -> same shape.
    """
    z = as_float_array(z, "z")
    return np.tanh(z)


def tanh_grad(z) -> np.ndarray:
    r""":math:`\tanh'(z) = 1 - \tanh^2(z)`. Largest at z = 0, where it is 1.

    z: any shape -> same shape.
    """
    z = as_float_array(z, "z")
    return 1 - np.tanh(z) ** 2


def relu(z) -> np.ndarray:
    r"""Rectified linear unit, :math:`\mathrm{relu}(z) = \max(z, 0)`.

    z: any shape -> same shape.
    """
    z = as_float_array(z, "z")
    return np.maximum(z, 0)


def relu_grad(z) -> np.ndarray:
    r""":math:`\mathrm{relu}'(z) = 1` for :math:`z > 0`, else 0.

    At z = 0 the derivative does not exist; like TensorFlow we use 0 there.
    Like TensorFlow's ``ReluGrad``, a NaN input gives 0 (the test ``z > 0``
    is false for NaN); the NaN still propagates through :func:`relu` itself.

    z: any shape -> same shape.
    """
    z = as_float_array(z, "z")
    return (z > 0).astype(z.dtype)


def _check_alpha(alpha) -> float:
    return non_negative_number(alpha, "alpha", "the slope for z < 0")


def leaky_relu(z, alpha: float = 0.01) -> np.ndarray:
    r"""Leaky ReLU: :math:`z` for :math:`z > 0`, :math:`\alpha z` otherwise.

    ``alpha`` is the slope on the negative side (>= 0). The default 0.01 is
    the usual textbook value; TensorFlow's ``tf.nn.leaky_relu`` defaults to
    0.2, so pass ``alpha`` explicitly when comparing.

    z: any shape -> same shape.
    """
    z = as_float_array(z, "z")
    alpha = _check_alpha(alpha)
    with np.errstate(invalid="ignore"):  # 0 * -inf = nan, as in TensorFlow
        return np.where(z > 0, z, alpha * z).astype(z.dtype, copy=False)


def leaky_relu_grad(z, alpha: float = 0.01) -> np.ndarray:
    r"""Derivative of leaky ReLU: 1 for :math:`z > 0`, :math:`\alpha` otherwise (TensorFlow's choice at 0).

    z: any shape -> same shape.
    """
    z = as_float_array(z, "z")
    alpha = _check_alpha(alpha)
    return np.where(z > 0, 1, alpha).astype(z.dtype)


def linear(z) -> np.ndarray:
    """Identity activation, ``linear(z) = z`` (returned as a new float array).

    z: any shape -> same shape.
    """
    return np.array(as_float_array(z, "z"), copy=True)


def linear_grad(z) -> np.ndarray:
    """Derivative of the identity: ones. z: any shape -> same shape."""
    return np.ones_like(as_float_array(z, "z"))


def softmax(z, axis: int = -1) -> np.ndarray:
    r"""Softmax along ``axis``: :math:`s_i = e^{z_i} / \sum_j e^{z_j}`.

    Every slice along ``axis`` becomes a probability distribution: entries in
    [0, 1] summing to 1. Computed as :math:`e^{z_i - m} / \sum_j e^{z_j - m}`
    with :math:`m = \max_j z_j`; the shift changes nothing mathematically and
    keeps every exponent at or below 0, so nothing overflows.

    A NaN (or +inf) anywhere in a slice makes that whole slice NaN, as
    TensorFlow's float64 kernel does. (Its float32 kernel leaves some of the
    other entries at 0 instead: an artefact we do not copy.)

    z: (..., C, ...) with at least one dimension -> same shape.
    """
    z = as_float_array(z, "z")
    if z.ndim == 0:
        raise ValueError("z must have at least one dimension for softmax, got a scalar")
    axis = axis_index(axis, z.ndim)
    if z.shape[axis] == 0:  # no classes: nothing to normalise (TensorFlow returns the empty array too)
        return z.copy()
    with np.errstate(invalid="ignore"):  # inf - inf = nan is the intended result
        shifted = z - np.max(z, axis=axis, keepdims=True)
        e = np.exp(shifted)
        return e / np.sum(e, axis=axis, keepdims=True)


def softmax_grad(z, upstream, axis: int = -1) -> np.ndarray:
    r"""Vector-Jacobian product of softmax: the gradient with respect to ``z``.

    With :math:`s = \mathrm{softmax}(z)` and upstream gradient
    :math:`g = \partial L / \partial s`, the Jacobian is
    :math:`\partial s_i / \partial z_j = s_i(\delta_{ij} - s_j)`, so

    .. math:: \partial L / \partial z_i = s_i \left(g_i - \sum_j g_j s_j\right).

    z: any shape with at least one dimension; upstream: the same shape
    (no broadcasting) -> same shape.
    """
    z = as_float_array(z, "z")
    g = as_float_array(upstream, "upstream")
    same_shape(z, g, "z", "upstream")
    s = softmax(z, axis=axis)
    axis = axis_index(axis, z.ndim)
    return s * (g - np.sum(g * s, axis=axis, keepdims=True))


_REGISTRY: dict[str, tuple[Activation, Activation]] = {
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
    "leaky_relu": (leaky_relu, leaky_relu_grad),
    "linear": (linear, linear_grad),
}


def get_activation(name: str) -> tuple[Activation, Activation]:
    """Return ``(fn, grad)`` for an activation named by a string.

    Known names: "sigmoid", "tanh", "relu", "leaky_relu" (alpha 0.01), "linear".
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string such as 'relu', got {name!r}")
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(repr(k) for k in _REGISTRY)
        raise ValueError(f"unknown activation name={name!r}; expected one of {known}") from None
