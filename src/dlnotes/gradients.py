"""Gradient diagnostics: finite differences and per-layer statistics.

* :func:`numerical_gradient` and :func:`rel_error`: the gradient check used
  everywhere in the book (centred differences, float64).
* :func:`layer_gradient_norms` and :func:`layer_activation_stats`: numbers per
  layer, in layer order, for the notebooks to print and plot.
"""

from __future__ import annotations

from typing import Callable, Mapping

import numpy as np

from ._validate import as_float_array, non_negative_number, positive_number
from .activations import get_activation

__all__ = ["numerical_gradient", "rel_error", "layer_gradient_norms", "keras_gradient_norms", "layer_activation_stats"]


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Centred finite differences: (f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for every entry i.

    f: a function of the array x returning one real number: a Python or
    numpy scalar, or an array holding exactly one element (shape (), (1,),
    (1, 1), ...: a loss with keepdims, say), which is read as that number.
    Anything else (several elements, a string, None, a complex or boolean
    value) raises ``TypeError`` naming f, since no single derivative exists.
    x: any shape, float64, finite, changed in place during the evaluation
    and restored afterwards.
    Returns an array shaped like x. Error O(eps^2); eps = 1e-6 suits float64.
    ``ValueError`` if f returns NaN or inf, or if eps is lost in rounding
    (x[i] + eps == x[i] - eps, for |x[i]| near 1e10 and above).
    """
    if not callable(f):
        raise TypeError(f"f must be a function of x returning a number, got {f!r}")
    eps = positive_number(eps, "eps")
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(f"x must be a float64 numpy array (it is perturbed in place), got {type(x).__name__}"
                        + (f" of dtype {x.dtype}" if isinstance(x, np.ndarray) else ""))
    if not np.all(np.isfinite(x)):
        raise ValueError("x contains NaN or inf")
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        if old + eps == old - eps:
            raise ValueError(f"eps={eps:g} is lost in rounding next to x[{', '.join(map(str, i))}]={old:g}")
        try:
            x[i] = old + eps
            up = _number(f(x))
            x[i] = old - eps
            down = _number(f(x))
        finally:
            x[i] = old
        if not (np.isfinite(up) and np.isfinite(down)):
            raise ValueError(f"f returned {up!r} and {down!r} at x[{', '.join(map(str, i))}] +- eps; "
                             "a derivative needs finite values")
        grad[i] = (up - down) / (2 * eps)
    if not np.all(np.isfinite(grad)):
        raise ValueError("the finite differences overflow a float (f changes by more than 1e308 * eps)")
    return grad


def _number(value) -> float:
    """The single real number f returned: a scalar, or an array of exactly one element."""
    arr = np.asarray(value)
    if arr.size != 1 or arr.dtype.kind not in "iuf":
        what = f"an array of shape {arr.shape} and dtype {arr.dtype}" if isinstance(value, np.ndarray) else repr(value)
        raise TypeError(f"f must return one real number (a scalar or an array with a single element), got {what}")
    return float(arr.reshape(()))


def rel_error(a, b) -> float:
    """max |a - b| / max(|a| + |b|): a scale-free distance between two gradients.

    Below about 1e-7 in float64 means the two agree to rounding; the
    denominator is the largest magnitude, so entries near zero do not blow it up.
    NaN when a or b holds NaN or inf, so that a gradient check never passes on them.
    """
    a, b = as_float_array(a, "a").astype(np.float64), as_float_array(b, "b").astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got a {a.shape} and b {b.shape}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return float("nan")                                   # a gradient check must never pass on NaN or inf
    a, b = a / 2, b / 2                                       # exact; keeps a - b and |a| + |b| below 1e308
    scale = np.max(np.abs(a) + np.abs(b)) if a.size else 0.0
    return float(np.max(np.abs(a - b)) / scale) if scale > 0 else 0.0


def _layer_numbers(keys, prefix: str) -> list[int]:
    numbers = sorted(int(k[len(prefix):]) for k in keys
                     if isinstance(k, str) and k.startswith(prefix) and k[len(prefix):].isdigit())
    if numbers != list(range(1, len(numbers) + 1)):
        raise ValueError(f"grads must hold {prefix}1, {prefix}2, ... in layer order without gaps, "
                         f"got {sorted(map(str, keys))}")
    return numbers


def layer_gradient_norms(grads: dict) -> dict[int, float]:
    """{layer l: ||dW_l||} (Frobenius norm of each weight gradient), layers in order 1..L.

    grads: {"dW1": array, "dW2": array, ...} as ``dlnotes.mlp.backward`` returns (other keys are ignored).
    """
    if not isinstance(grads, Mapping):
        raise TypeError(f"grads must be a dict {{'dW1': array, ...}}, got {type(grads).__name__}")
    return {l: _norm(as_float_array(grads[f"dW{l}"], f"grads['dW{l}']")) for l in _layer_numbers(grads, "dW")}


def _norm(g: np.ndarray) -> float:
    """Frobenius norm; rescaled by the largest entry when the plain sum of squares overflows."""
    with np.errstate(over="ignore"):
        norm = float(np.linalg.norm(g))
    if np.isinf(norm) and np.all(np.isfinite(g)):
        largest = float(np.max(np.abs(g)))
        norm = largest * float(np.linalg.norm(g / largest))
    return norm


def keras_gradient_norms(model, x, y) -> dict[int, float]:
    """{layer l: ||dJ/d kernel_l||} for every layer of a Keras model that has a kernel, in order 1..L.

    J is the model's compiled loss, or the mean sparse categorical
    cross-entropy of its (softmax) outputs when it is not compiled; the
    gradient comes from ``tf.GradientTape``. With the same weights these are
    the numbers :func:`layer_gradient_norms` gives for ``dlnotes.mlp``.
    x: (N, D); y: (N,) integer labels.
    """
    if not hasattr(model, "layers") or not callable(model):
        raise TypeError(f"model must be a Keras model, got {model!r}")
    import tensorflow as tf

    kernels = [layer.kernel for layer in model.layers if hasattr(layer, "kernel")]
    if not kernels:
        raise ValueError("the model has no layer with a kernel (Dense, Conv2D, ...)")
    loss_fn = getattr(model, "loss", None) or tf.keras.losses.SparseCategoricalCrossentropy()
    if isinstance(loss_fn, str):
        loss_fn = tf.keras.losses.get(loss_fn)
    x = tf.convert_to_tensor(x, dtype=kernels[0].dtype)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(loss_fn(y, model(x, training=False)))
    grads = tape.gradient(loss, kernels)
    return {l: float(tf.norm(g).numpy()) for l, g in enumerate(grads, start=1)}


def layer_activation_stats(cache: dict, threshold: float = 0.1) -> dict[int, dict[str, float]]:
    """Statistics of every hidden layer's activations in a forward-pass cache (``dlnotes.mlp.forward``).

    For each hidden layer l (1..L-1): the mean and standard deviation of A_l,
    and ``saturated``: the fraction of units whose activation derivative is
    below ``threshold`` times its largest value (1 for tanh, 0.25 for
    sigmoid; for ReLU this counts the inactive units).
    threshold: a number >= 0.
    """
    if not isinstance(cache, Mapping) or not {"activation", "L"} <= set(cache):
        raise TypeError(f"cache must be the dict that dlnotes.mlp.forward returns, got {type(cache).__name__}")
    threshold = non_negative_number(threshold, "threshold")
    _, grad = get_activation(cache["activation"])
    peak = {"sigmoid": 0.25}.get(cache["activation"], 1.0)
    stats = {}
    for l in range(1, cache["L"]):
        A, Z = cache[f"A{l}"], cache[f"Z{l}"]
        stats[l] = {
            "mean": float(A.mean()),
            "std": float(A.std()),
            "saturated": float(np.mean(grad(Z) < threshold * peak)),
        }
    return stats
