"""Checks shared by the public functions: validate at the boundary, name the value."""

from __future__ import annotations

import numbers

import numpy as np


def as_float_array(x, name: str) -> np.ndarray:
    """Return ``x`` as a floating-point array, keeping float32/float64.

    Array-likes are accepted. Booleans and integers become float64; floating
    arrays keep their dtype. Anything else (strings, objects, complex numbers)
    raises ``TypeError`` naming the argument.
    """
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as exc:  # ragged nested lists, for example
        raise TypeError(f"{name} must be a numeric array-like, got {_short(x)} ({exc})") from None
    if arr.dtype.kind == "f":
        return arr
    if arr.dtype.kind in "biu":
        return arr.astype(np.float64)
    raise TypeError(
        f"{name} must be a real numeric array-like, got dtype {arr.dtype} from {_short(x)}"
    )


def real_scalar(value, name: str) -> float:
    """Return ``value`` as a Python float; ``TypeError`` unless it is a real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} of type {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value


def axis_index(axis, ndim: int, name: str = "axis") -> int:
    """Return ``axis`` as a non-negative index into an array of ``ndim`` dimensions."""
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"{name}={axis} is out of range for an array with {ndim} dimension(s); "
            f"expected {-ndim} <= {name} < {ndim}"
        )
    return int(axis) % ndim


def same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have exactly the same shape (no broadcasting)."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name_b} must have the same shape as {name_a}: got {name_b} {b.shape} and {name_a} {a.shape}"
        )


def _short(x, limit: int = 60) -> str:
    text = repr(x)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def generator(rng) -> np.random.Generator:
    """``rng`` itself, or a fresh unseeded generator for None; ``TypeError`` for anything else."""
    if rng is None:
        return np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {rng!r}")
    return rng


def positive_number(value, name: str) -> float:
    """A finite real number > 0 (a learning rate, for example)."""
    value = real_scalar(value, name)
    if value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return value


def positive_int(value, name: str) -> int:
    """An integer >= 1 (a number of epochs, for example)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def features(X, name: str = "X") -> np.ndarray:
    """A 2-D float array (N examples, D features) with no NaN or inf."""
    X = as_float_array(X, name)
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D (N examples, D features), got shape {X.shape}")
    if X.shape[0] == 0:
        raise ValueError(f"{name} has no examples (shape {X.shape})")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} contains NaN or inf")
    return X
