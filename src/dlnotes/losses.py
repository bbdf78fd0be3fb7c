"""Cross-entropy costs: the mean loss over a batch of N examples.

Two families, with Keras' conventions so that each equals ``tf.keras.losses``:

* from probabilities (``y_prob``): probabilities are clipped to
  ``[EPSILON, 1 - EPSILON]`` with ``EPSILON = 1e-7``, as Keras does, so the
  cost stays finite when a probability is exactly 0 or 1 (a confident wrong
  answer costs at most ``-log(1e-7) = 16.1`` per example);
* from logits (``logits``, the pre-activation): computed without ever
  forming the probability, exactly and stably for any logit.

``binary_cross_entropy``, ``binary_cross_entropy_from_logits`` and
``categorical_cross_entropy_from_logits`` have ``*_grad`` partners: the
gradient of the cost with respect to the second argument, already divided
by N. (Softmax models differentiate from the logits, so the probability form
of the categorical cost has none.)

Precision: the binary probability cost and its gradient compute in at least
float32 (float16 probabilities are widened first: in float16, 1 - 1e-7
rounds to 1, so the clip would not clip and a confident wrong answer would
cost inf); the gradient is returned in that dtype (float32 for float16 input,
otherwise the dtype of ``y_prob``). float32 and float64 compute as Keras does.

Labels: binary ``y_true`` holds numbers in [0, 1] (0/1 labels, or soft
labels); categorical ``y_true`` is either integer class labels of shape (N,)
or one row per example of shape (N, C) that is a distribution (one-hot or
soft).
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array, class_labels
from .activations import sigmoid, softmax

__all__ = ["binary_cross_entropy", "binary_cross_entropy_grad", "binary_cross_entropy_from_logits",
           "binary_cross_entropy_from_logits_grad", "categorical_cross_entropy",
           "categorical_cross_entropy_from_logits", "categorical_cross_entropy_from_logits_grad"]

EPSILON = 1e-7  # Keras' keras.config.epsilon()


# -- checks -----------------------------------------------------------------------
def _binary_inputs(y_true, second, name: str) -> tuple[np.ndarray, np.ndarray]:
    second = as_float_array(second, name)
    y = as_float_array(y_true, "y_true")
    if second.ndim == 0:
        raise ValueError(f"{name} must hold at least one example, got a scalar")
    if y.shape != second.shape:
        raise ValueError(
            f"y_true and {name} must have the same shape, got y_true {y.shape} and {name} {second.shape}"
        )
    if y.size == 0:
        raise ValueError("y_true is empty: the mean loss of zero examples is undefined")
    bad = ~((y >= 0) & (y <= 1))
    if bad.any():
        raise ValueError(f"binary labels y_true must lie in [0, 1], got {y[bad].flat[0].item()!r}")
    return y.astype(np.result_type(y, second), copy=False), second


def _at_least_float32(p: np.ndarray) -> np.ndarray:
    """``p`` widened to float32 if it is float16 (where 1 - EPSILON is 1.0); otherwise ``p`` itself."""
    return p.astype(np.promote_types(p.dtype, np.float32), copy=False)


def _check_probabilities(p: np.ndarray, name: str) -> None:
    bad = ~((p >= 0) & (p <= 1))
    if bad.any():
        raise ValueError(f"{name} must hold probabilities in [0, 1], got {p[bad].flat[0].item()!r}")


def _categorical_inputs(y_true, second, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (one-hot or soft targets of shape (N, C), second as (N, C))."""
    second = as_float_array(second, name)
    if second.ndim != 2:
        raise ValueError(f"{name} must be 2-D (N examples, C classes), got shape {second.shape}")
    n, c = second.shape
    if n == 0:
        raise ValueError("y_true is empty: the mean loss of zero examples is undefined")
    y = np.asarray(y_true)
    if y.ndim == 1:
        if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
            y = y.astype(np.int64)  # whole-number float labels, as Keras' sparse losses take them
        y, _ = class_labels(y, n, c, name="y_true", rows_of=name)
        onehot = np.zeros_like(second)
        onehot[np.arange(n), y] = 1
        return onehot, second
    if y.ndim == 2:
        y = as_float_array(y, "y_true")
        if y.shape != second.shape:
            raise ValueError(f"one-hot y_true must have shape {second.shape} like {name}, got {y.shape}")
        if np.any(y < 0) or not np.allclose(y.sum(axis=1), 1.0, atol=1e-6):
            raise ValueError("each row of one-hot y_true must be non-negative and sum to 1")
        return y.astype(second.dtype, copy=False), second
    raise ValueError(f"y_true must be labels of shape (N,) or one-hot of shape (N, C), got shape {y.shape}")


# -- binary ----------------------------------------------------------------------
def binary_cross_entropy(y_true, y_prob) -> float:
    r"""Mean of :math:`-[y \log p + (1-y)\log(1-p)]`, p clipped to [1e-7, 1 - 1e-7] (in at least float32).

    y_true: (N,) or any shape, values in [0, 1]; y_prob: same shape, in [0, 1].
    Returns a float: the cost. Equals ``tf.keras.losses.BinaryCrossentropy()``.
    """
    y, p = _binary_inputs(y_true, y_prob, "y_prob")
    _check_probabilities(p, "y_prob")
    p = np.clip(_at_least_float32(p), EPSILON, 1 - EPSILON)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def binary_cross_entropy_grad(y_true, y_prob) -> np.ndarray:
    r"""d cost / d y_prob :math:`= \frac{1}{N}\left(\frac{1-y}{1-p} - \frac{y}{p}\right)`, 0 where p was clipped.

    y_true, y_prob: same shape -> same shape, float32 for float16 ``y_prob`` (finite everywhere).
    """
    y, p = _binary_inputs(y_true, y_prob, "y_prob")
    _check_probabilities(p, "y_prob")
    p = _at_least_float32(p)
    inside = (p >= EPSILON) & (p <= 1 - EPSILON)
    q = np.clip(p, EPSILON, 1 - EPSILON)
    return np.where(inside, ((1 - y) / (1 - q) - y / q) / y.size, 0).astype(p.dtype, copy=False)


def binary_cross_entropy_from_logits(y_true, logits) -> float:
    r"""The binary cross-entropy of :math:`p = \sigma(z)`, computed from the logits z.

    Uses :math:`\max(z, 0) - z y + \log(1 + e^{-|z|})`, exact and overflow-free
    for any finite z. y_true, logits: same shape. Returns the mean over all entries.

    An infinite logit is a probability of exactly 0 or 1. The loss is then
    :math:`(1-y)\,\mathrm{softplus}(z) + y\,\mathrm{softplus}(-z)` with
    :math:`\mathrm{softplus}(\infty) = \infty` and :math:`\mathrm{softplus}(-\infty) = 0`,
    where a term whose weight is 0 is absent (not :math:`0 \cdot \infty`):
    0 when the label agrees (y = 0 with z = -inf, y = 1 with z = +inf), and
    +inf when any weight sits on the impossible side (y > 0 with z = -inf,
    y < 1 with z = +inf: :math:`-\log 0`). These are the limits of the loss
    as z grows. TensorFlow's ``tf.nn.sigmoid_cross_entropy_with_logits``
    agrees for z = -inf with y > 0 and gives NaN for the other cases (its
    formula computes :math:`\infty - \infty` and :math:`0 \cdot \infty`).
    A NaN logit gives NaN.
    """
    y, z = _binary_inputs(y_true, logits, "logits")
    with np.errstate(invalid="ignore"):  # 0 * inf and inf - inf for infinite z, replaced just below
        loss = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    infinite = np.isinf(z)
    wrong_side = ((z > 0) & (y < 1)) | ((z < 0) & (y > 0))
    loss[infinite] = np.where(wrong_side[infinite], np.inf, 0.0)
    return float(np.mean(loss))


def binary_cross_entropy_from_logits_grad(y_true, logits) -> np.ndarray:
    r"""d cost / d logits :math:`= (\sigma(z) - y) / N`. Same shape as ``logits``.

    Exact for infinite logits too (:math:`\sigma(\pm\infty)` is exactly 1 or 0):
    0 where the label agrees, :math:`\mp 1/N` where it does not (TensorFlow's
    gradient as well).
    """
    y, z = _binary_inputs(y_true, logits, "logits")
    return ((sigmoid(z) - y) / y.size).astype(z.dtype, copy=False)


# -- categorical -----------------------------------------------------------------
def categorical_cross_entropy(y_true, y_prob) -> float:
    r"""Mean over examples of :math:`-\sum_c y_c \log p_c`.

    y_true: integer labels (N,) or one-hot / soft targets (N, C);
    y_prob: (N, C), each row a distribution (entries in [0, 1]). As Keras'
    ``CategoricalCrossentropy`` does, rows are renormalised to sum to 1, then
    clipped to [1e-7, 1 - 1e-7]; a row of zeros has no distribution to
    renormalise and raises ``ValueError``.

    Equals ``tf.keras.losses.CategoricalCrossentropy`` for either form of
    ``y_true`` (labels are compared as their one-hot rows). Keras'
    ``SparseCategoricalCrossentropy`` clips *before* renormalising, so it
    agrees with this cost (within ~1e-7) only for rows that already sum to 1.
    """
    y, p = _categorical_inputs(y_true, y_prob, "y_prob")
    _check_probabilities(p, "y_prob")
    row_sum = p.sum(axis=1, keepdims=True)
    if np.any(row_sum == 0):
        row = int(np.flatnonzero(row_sum == 0)[0])
        raise ValueError(
            f"row {row} of y_prob is all zeros, got {p[row].tolist()}; "
            "expected a distribution over the classes (entries in [0, 1], not all 0)"
        )
    p = np.clip(p / row_sum, EPSILON, 1 - EPSILON)
    return float(-np.mean(np.sum(y * np.log(p), axis=1)))


def categorical_cross_entropy_from_logits(y_true, logits) -> float:
    r"""Mean over examples of :math:`\log\sum_j e^{z_j} - \sum_c y_c z_c` (the cross-entropy of softmax(z)).

    y_true: labels (N,) or one-hot (N, C); logits: (N, C). Shifted by the row
    maximum, so it never overflows. A logit of -inf is a class of
    probability 0: where that class has no target weight it adds nothing
    (not :math:`0 \cdot (-\infty)` = NaN), and where it is the target the cost
    is +inf; both as TensorFlow. NaN or +inf logits, or a row of -inf only,
    give NaN (no softmax exists), also as TensorFlow.
    """
    y, z = _categorical_inputs(y_true, logits, "logits")
    shifted = z - z.max(axis=1, keepdims=True)
    log_sum = np.log(np.sum(np.exp(shifted), axis=1))
    # sum_c y_c z_c over the target classes only: where y_c = 0 the term is 0 even if z_c = -inf
    target = np.sum(y * np.where(y > 0, shifted, 0), axis=1)
    return float(np.mean(log_sum - target))


def categorical_cross_entropy_from_logits_grad(y_true, logits) -> np.ndarray:
    r"""d cost / d logits :math:`= (\mathrm{softmax}(z) - y) / N`, shape (N, C)."""
    y, z = _categorical_inputs(y_true, logits, "logits")
    return (softmax(z, axis=1) - y) / z.shape[0]
