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


def non_negative_number(value, name: str, meaning: str = "") -> float:
    """A finite real number >= 0 (an L2 strength, a leaky-ReLU slope); ``meaning`` goes into the message."""
    value = real_scalar(value, name)
    if value < 0:
        raise ValueError(f"{name} must be >= 0{f' ({meaning})' if meaning else ''}, got {value!r}")
    return value


def learning_rate(lr) -> float:
    """The learning rate ``lr`` of a gradient-descent step: a finite number > 0."""
    return positive_number(lr, "lr")


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


# -- labels: one per example ----------------------------------------------------------
def _one_label_per_row(y, n: int, name: str, rows_of: str) -> np.ndarray:
    try:
        y = np.asarray(y)
    except (ValueError, TypeError) as exc:  # ragged nested lists, for example
        raise TypeError(f"{name} must be an array-like of labels, one per row of {rows_of}, "
                        f"got {_short(y)} ({exc})") from None
    if y.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), one label per row of {rows_of}, got {y.shape}")
    return y


def binary_labels(y, n: int, name: str = "y", rows_of: str = "X") -> np.ndarray:
    """Labels (n,), each 0 or 1 (ints, floats or booleans), returned as float64 0.0/1.0."""
    y = _one_label_per_row(y, n, name, rows_of)
    ok = np.isin(y, (0, 1))
    if not ok.all():
        raise ValueError(f"binary labels {name} must be 0 or 1, got {y[~ok][0].item()!r}")
    return y.astype(np.float64)


def class_labels(y, n: int, n_classes: int | None = None, name: str = "y",
                 rows_of: str = "X") -> tuple[np.ndarray, int]:
    """Integer labels (n,) in 0..C-1, and C: ``n_classes``, or max(y) + 1 when it is None.

    The labels must have an integer dtype (``TypeError`` otherwise: 1.5 is no
    class, and a float array of whole numbers is usually a mistake upstream).
    """
    y = _one_label_per_row(y, n, name, rows_of)
    if y.dtype.kind not in "iu":
        raise TypeError(f"class labels {name} must be integers, got dtype {y.dtype}")
    c = (int(y.max()) + 1 if y.size else 0) if n_classes is None else n_classes
    bad = (y < 0) | (y >= c)
    if bad.any():
        raise ValueError(f"label {int(y[bad][0])} in {name} is outside the classes 0..{c - 1}")
    return y, c
