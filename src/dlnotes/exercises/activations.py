"""Chapter 1: activation functions.

The worked example of the exercise modules: each exercise is an
:class:`~dlnotes.exercises._checking.Implement` or
:class:`~dlnotes.exercises._checking.Answer` in ``EXERCISES``, its checks
draw fresh inputs from ``rng``, and its slips are the mistakes readers make,
each named by its own message.
"""

from __future__ import annotations

import numpy as np

from .. import activations
from ._checking import Failed, Implement, call, compare

# -- a stable sigmoid ---------------------------------------------------------------------------
def _sigmoid_reference(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _sigmoid_naive(z):
    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))


def _sigmoid_clipped(z):
    return 1 / (1 + np.exp(-np.clip(np.asarray(z, dtype=float), -30, 30)))


_SIGMOID_OVERFLOW = "exp overflowed: compute exp only of a number <= 0 (exp(-|z|)), never of -z for z << 0"
_SIGMOID_CLIPPED = "clipping z changes the answer: sigmoid(-40) is about 4e-18, not sigmoid(-30)"


def _sigmoid_values(fn, rng):
    z = rng.uniform(-8, 8, size=25)
    compare(call(fn, z), activations.sigmoid(z), z, "moderate inputs")


def _sigmoid_extremes(fn, rng):
    z = np.array([-1e4, -1000.0, -710.0, -40.0, 40.0, 710.0, 1000.0, 1e4])
    try:
        got = call(fn, z)
    except Failed as verdict:
        if "overflow" in str(verdict):
            raise Failed(_SIGMOID_OVERFLOW) from None
        raise
    compare(got, activations.sigmoid(z), z, "large |z|", atol=0.0, rtol=1e-6,
            slips={_SIGMOID_CLIPPED: _sigmoid_clipped(z)})


def _sigmoid_shape(fn, rng):
    z = rng.normal(scale=3.0, size=(2, 3))
    compare(call(fn, z), activations.sigmoid(z), z, "a 2-D input")


# -- the derivative of ReLU -------------------------------------------------------------------
def _relu_grad_reference(z):
    return (np.asarray(z, dtype=float) > 0).astype(float)


_RELU_AT_ZERO = "at z = 0 use 0, as TensorFlow does (z > 0, not z >= 0)"
_RELU_IS_RELU = "that is ReLU itself, max(0, z); its derivative is 1 or 0"


def _relu_grad_values(fn, rng):
    z = rng.uniform(-3, 3, size=20)
    compare(call(fn, z), activations.relu_grad(z), z, "inputs away from 0",
            slips={_RELU_IS_RELU: np.maximum(z, 0)})


def _relu_grad_zero(fn, rng):
    z = np.array([-1.0, 0.0, 1.0])
    compare(call(fn, z), activations.relu_grad(z), z, "the convention at z = 0",
            slips={_RELU_AT_ZERO: (z >= 0).astype(float)})


def _relu_grad_shape(fn, rng):
    z = rng.normal(size=(2, 4))
    z[0, 0] = 0.0
    compare(call(fn, z), activations.relu_grad(z), z, "a 2-D input")


# -- a stable softmax ---------------------------------------------------------------------------
def _softmax_reference(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_naive(z):
    e = np.exp(np.asarray(z, dtype=float))
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_columns(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


_SOFTMAX_OVERFLOW = "exp overflowed: subtract each row's maximum before exp (softmax does not change)"
_SOFTMAX_AXIS = "you normalised each column; softmax normalises each row (axis=-1: one row per example)"


def _softmax_values(fn, rng):
    z = rng.normal(scale=2.0, size=(3, 4))
    compare(call(fn, z), activations.softmax(z, axis=-1), z, "three rows of logits",
            slips={_SOFTMAX_AXIS: _softmax_columns(z)})


def _softmax_extremes(fn, rng):
    z = np.array([[1e4, 0.0, -1e4], [1000.0, 1000.0, 999.0]])
    try:
        got = call(fn, z)
    except Failed as verdict:
        if "overflow" in str(verdict):
            raise Failed(_SOFTMAX_OVERFLOW) from None
        raise
    compare(got, activations.softmax(z, axis=-1), z, "large logits")


def _softmax_rows(fn, rng):
    z = rng.normal(scale=5.0, size=(5, 7))
    sums = call(fn, z).sum(axis=-1)
    if not np.allclose(sums, 1.0, atol=1e-9):
        raise Failed(f"each row must sum to 1 (softmax over the last axis); row sums were {np.round(sums, 4)}")


EXERCISES = [
    Implement(
        "sigmoid", "my_sigmoid(z) -> sigmoid of every entry, finite for any float z",
        [
            ("matches sigmoid on -8..8", _sigmoid_values),
            ("no overflow at |z| up to 1e4", _sigmoid_extremes),
            ("keeps the input's shape", _sigmoid_shape),
        ],
        reference=_sigmoid_reference,
        slips={_SIGMOID_OVERFLOW: _sigmoid_naive, _SIGMOID_CLIPPED: _sigmoid_clipped},
        package="dlnotes.activations.sigmoid",
    ),
    Implement(
        "relu_grad", "my_relu_grad(z) -> dReLU/dz for every entry (0 at z = 0)",
        [
            ("1 for z > 0 and 0 for z < 0", _relu_grad_values),
            ("0 at z = 0", _relu_grad_zero),
            ("keeps the input's shape", _relu_grad_shape),
        ],
        reference=_relu_grad_reference,
        slips={_RELU_AT_ZERO: lambda z: (np.asarray(z) >= 0).astype(float),
               _RELU_IS_RELU: lambda z: np.maximum(np.asarray(z, dtype=float), 0)},
        package="dlnotes.activations.relu_grad",
        kind="derive",
    ),
    Implement(
        "softmax", "my_softmax(z) -> softmax over the last axis of a 2-D array of logits, finite for any logits",
        [
            ("matches softmax on small logits", _softmax_values),
            ("no overflow for logits up to 1e4", _softmax_extremes),
            ("every row sums to 1", _softmax_rows),
        ],
        reference=_softmax_reference,
        slips={_SOFTMAX_OVERFLOW: _softmax_naive, _SOFTMAX_AXIS: _softmax_columns},
        package="dlnotes.activations.softmax",
    ),
]
