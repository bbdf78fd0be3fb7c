"""Chapter 1: activation functions."""

from __future__ import annotations

import numpy as np

from .. import activations
from ._checking import Failed, call, compare


# -- exercise: stable sigmoid ---------------------------------------------------
def _sigmoid_values(fn):
    z = np.linspace(-8, 8, 33)
    compare(call(fn, z), activations.sigmoid(z), z, "moderate inputs")


def _sigmoid_extremes(fn):
    z = np.array([-1e4, -1000.0, -710.0, 710.0, 1000.0, 1e4])
    compare(call(fn, z), activations.sigmoid(z), z, "large |z|")


def _sigmoid_shape(fn):
    z = np.arange(-3.0, 3.0).reshape(2, 3)
    compare(call(fn, z), activations.sigmoid(z), z, "a 2-D input")


# -- exercise: ReLU derivative ---------------------------------------------------
def _relu_grad_values(fn):
    z = np.array([-3.0, -0.5, -1e-9, 1e-9, 0.5, 3.0])
    compare(call(fn, z), activations.relu_grad(z), z, "inputs away from 0")


def _relu_grad_zero(fn):
    z = np.array([0.0])
    compare(call(fn, z), activations.relu_grad(z), z, "the convention at z = 0 (use 0, as TensorFlow does)")


def _relu_grad_shape(fn):
    z = np.array([[-2.0, 1.0, 0.0], [4.0, -1.0, 2.5]])
    compare(call(fn, z), activations.relu_grad(z), z, "a 2-D input")


# -- exercise: stable softmax -----------------------------------------------------
def _softmax_values(fn):
    z = np.array([[1.0, 2.0, 3.0, 4.0], [-1.0, 0.0, 0.5, 0.25]])
    compare(call(fn, z), activations.softmax(z, axis=-1), z, "two rows of logits")


def _softmax_extremes(fn):
    z = np.array([[1e4, 0.0, -1e4], [1000.0, 1000.0, 999.0]])
    compare(call(fn, z), activations.softmax(z, axis=-1), z, "large logits")


def _softmax_rows(fn):
    z = np.random.default_rng(0).normal(scale=5.0, size=(5, 7))
    sums = call(fn, z).sum(axis=-1)
    if not np.allclose(sums, 1.0, atol=1e-9):
        raise Failed(f"each row must sum to 1 (softmax over the last axis); row sums were {np.round(sums, 4)}")


EXERCISES = {
    "sigmoid": (
        "a numerically stable sigmoid",
        [
            ("matches sigmoid on -8..8", _sigmoid_values),
            ("no overflow at |z| up to 1e4", _sigmoid_extremes),
            ("keeps the input's shape", _sigmoid_shape),
        ],
    ),
    "relu_grad": (
        "the derivative of ReLU",
        [
            ("1 for z > 0 and 0 for z < 0", _relu_grad_values),
            ("0 at z = 0", _relu_grad_zero),
            ("keeps the input's shape", _relu_grad_shape),
        ],
    ),
    "softmax": (
        "a numerically stable softmax over the last axis",
        [
            ("matches softmax on small logits", _softmax_values),
            ("no overflow for logits up to 1e4", _softmax_extremes),
            ("every row sums to 1", _softmax_rows),
        ],
    ),
}
