"""Chapter 3: the neural network model."""

from __future__ import annotations

import numpy as np

from .. import activations
from ._checking import Failed, call, compare

__all__: list[str] = []  # no public functions: the checks are reached through dlnotes.exercises.check


# -- exercise: forward pass of a one-hidden-layer network ----------------------------------
def _net_data():
    rng = np.random.default_rng(11)
    X = rng.normal(size=(5, 4))
    W1, b1 = rng.normal(size=(4, 6)), rng.normal(size=6)
    W2, b2 = rng.normal(size=(6, 3)), rng.normal(size=3)
    return X, W1, b1, W2, b2


def _forward_values(fn):
    X, W1, b1, W2, b2 = _net_data()
    want = activations.softmax(activations.relu(X @ W1 + b1) @ W2 + b2, axis=1)
    compare(call(fn, X, W1, b1, W2, b2), want, None, "five examples, 4 inputs, 6 hidden, 3 outputs", rtol=1e-6)


def _forward_one_example(fn):
    X, W1, b1, W2, b2 = _net_data()
    want = activations.softmax(activations.relu(X[:1] @ W1 + b1) @ W2 + b2, axis=1)
    compare(call(fn, X[:1], W1, b1, W2, b2), want, None, "a batch of one example (shape (1, 4))", rtol=1e-6)


# -- exercise: the output layer's gradient ------------------------------------------------
def _output_grad_values(fn):
    P = activations.softmax(np.random.default_rng(3).normal(size=(4, 3)), axis=1)
    y = np.array([0, 2, 1, 2])
    want = (P - np.eye(3)[y]) / 4
    compare(call(fn, P, y), want, None, "four examples, three classes", rtol=1e-9)


def _output_grad_mean(fn):
    P = activations.softmax(np.random.default_rng(4).normal(size=(8, 3)), axis=1)
    y = np.arange(8) % 3
    got = call(fn, P, y)
    if got.shape == P.shape and np.allclose(got, P - np.eye(3)[y]):
        raise Failed("the cost is the MEAN loss over the N examples: divide by N")
    compare(got, (P - np.eye(3)[y]) / 8, None, "eight examples")


EXERCISES = {
    "forward_pass": (
        "forward(X, W1, b1, W2, b2): ReLU hidden layer, softmax output, probabilities (N, C)",
        [
            ("matches on a batch", _forward_values),
            ("works for a single example", _forward_one_example),
        ],
    ),
    "output_grad": (
        "output_grad(P, y): dJ/dZ2 for softmax + cross-entropy, (P - Y) / N",
        [
            ("matches on four examples", _output_grad_values),
            ("divides by the number of examples", _output_grad_mean),
        ],
    ),
}
