"""Logistic regression: the one-layer neural network, trained by gradient descent.

The model is two pure functions and a loop. :func:`logistic_cost_and_gradients`
(binary, p = sigmoid(X W + b)) and :func:`softmax_cost_and_gradients`
(multiclass, p = softmax(X W + b)) return the mean cross-entropy at (W, b)
and its gradients; :func:`gradient_descent` steps W <- W - lr dW,
b <- b - lr db, and raises :class:`dlnotes.optim.DivergenceError` (epoch,
learning rate, costs so far) when training diverges. :class:`LogisticRegression`
and :class:`SoftmaxRegression` wrap them; :func:`fit_logistic_loop` is the
reference chapter's pseudo-code, for reading.

Shapes: X (N, D); binary y (N,) of 0/1; multiclass y (N,) of labels 0..C-1;
W (D,) for the binary model, (D, C) for softmax; b a number or (C,).
"""

from __future__ import annotations

import abc

import numpy as np

from . import losses
from ._validate import (as_float_array, binary_labels, class_labels, features, generator, learning_rate,
                        positive_int, real_scalar)
from .activations import sigmoid, softmax
from .initializers import get_initializer
from .optim import DivergenceError, check_diverged

__all__ = ["logistic_cost_and_gradients", "softmax_cost_and_gradients", "gradient_descent",
           "LogisticRegression", "SoftmaxRegression", "fit_logistic_loop"]


# -- the model as pure functions -------------------------------------------------------
def _parameters(W, b, X, multiclass: bool):
    """X checked; W (D,) and b a number, or W (D, C) and b (C,). W and b may be inf or NaN (a diverged run)."""
    X = features(X)
    W, b_array = as_float_array(W, "W"), as_float_array(b, "b")
    d = X.shape[1]
    if multiclass:
        want, fits = "W (D, C) and b (C,)", W.ndim == 2 and W.shape[0] == d and b_array.shape == W.shape[1:]
    else:
        want, fits = "W (D,) and b a number", W.shape == (d,) and b_array.shape == ()
    if not fits:
        raise ValueError(f"expected {want} with D = {d}, the features of X; got W {W.shape} and b {b_array.shape}")
    return W, (b_array if multiclass else float(b_array)), X


def logistic_cost_and_gradients(W, b, X, y) -> tuple[float, np.ndarray, float]:
    """(J, dW, db): the binary model's cost at (W, b) and its gradients.

    W: (D,), b: a number, X: (N, D), y: (N,) of 0/1.

        z  = X W + b                     the logits, (N,)
        J  = mean cross-entropy of sigmoid(z), computed from z
        dz = (sigmoid(z) - y) / N        dJ/dz, (N,)
        dW = X^T dz  (D,),   db = sum of dz
    """
    W, b, X = _parameters(W, b, X, multiclass=False)
    y = binary_labels(y, X.shape[0])
    z = X @ W + b
    dz = losses.binary_cross_entropy_from_logits_grad(y, z)
    return losses.binary_cross_entropy_from_logits(y, z), X.T @ dz, float(dz.sum())


def softmax_cost_and_gradients(W, b, X, y) -> tuple[float, np.ndarray, np.ndarray]:
    """(J, dW, db): the multiclass model's cost at (W, b) and its gradients.

    W: (D, C), b: (C,), X: (N, D), y: (N,) of integer labels 0..C-1.

        Z  = X W + b                     the logits, (N, C)
        J  = mean cross-entropy of softmax(Z), computed from Z
        dZ = (softmax(Z) - Y) / N        dJ/dZ with Y the one-hot labels, (N, C)
        dW = X^T dZ  (D, C),   db = sum of dZ over examples  (C,)
    """
    W, b, X = _parameters(W, b, X, multiclass=True)
    y, _ = class_labels(y, X.shape[0], n_classes=W.shape[1])
    Z = X @ W + b
    dZ = losses.categorical_cross_entropy_from_logits_grad(y, Z)
    return losses.categorical_cross_entropy_from_logits(y, Z), X.T @ dZ, dZ.sum(axis=0)


def _record_cost(history: dict, cost: float, done: int, lr: float) -> None:
    """Append the cost after ``done`` epochs; not finite or 10x the first raises DivergenceError."""
    history["cost"].append(cost)
    check_diverged(cost, history["cost"][0], done, lr, history)


def gradient_descent(cost_and_gradients, W, b, X, y, lr: float, epochs: int):
    """Full-batch gradient descent: ``epochs`` steps W <- W - lr dW, b <- b - lr db.

    cost_and_gradients: :func:`logistic_cost_and_gradients`, :func:`softmax_cost_and_gradients`
    or any function (W, b, X, y) -> (J, dW, db); W, b, X, y as it takes them (not modified).

    Returns (W, b, history): the trained parameters, and history["cost"], the
    cost before each step and after the last (epochs + 1 values).
    """
    if not callable(cost_and_gradients):
        raise TypeError(f"cost_and_gradients must be callable as (W, b, X, y) -> (J, dW, db), "
                        f"got {cost_and_gradients!r}")
    lr, epochs = learning_rate(lr), positive_int(epochs, "epochs")
    history = {"cost": []}
    for done in range(epochs):  # `done` epochs completed so far
        cost, dW, db = cost_and_gradients(W, b, X, y)
        _record_cost(history, cost, done, lr)
        W = W - lr * dW
        b = b - lr * db
    _record_cost(history, cost_and_gradients(W, b, X, y)[0], epochs, lr)
    return W, b, history


# -- the pseudo-code ---------------------------------------------------------------
def fit_logistic_loop(x1, x2, y, lr: float, epochs: int, rng: np.random.Generator | None = None):
    """The reference chapter's pseudo-code for two features, one example at a time.

    x1, x2, y: (m,) each. w1, w2 start from Xavier normal (fan_in 2, fan_out 1),
    b from 0. Each epoch sums the loss and the gradients over the m examples,
    averages them, and takes one gradient-descent step.

    Two slips of the printed pseudo-code are corrected: it never updates b,
    and it writes ``(1-y)`` where it means ``(1-y[i])``.

    Returns (w1, w2, b, costs), costs holding the cost of each epoch (before
    its update). From the same rng the weights equal :class:`LogisticRegression`'s,
    and so do the costs while |z| < 16 (the loop clips a to [1e-7, 1 - 1e-7]).

    The inputs get the classes' checks, and training their divergence guard
    on the class's cost (from the logits: the loop's clipped cost never
    exceeds 16.1), raising :class:`DivergenceError` at the class's epoch.
    """
    lr, epochs = learning_rate(lr), positive_int(epochs, "epochs")
    x1, x2 = as_float_array(x1, "x1"), as_float_array(x2, "x2")
    y_shape = np.shape(y)
    if not (x1.ndim == 1 and x1.shape == x2.shape == y_shape):
        raise ValueError(f"x1, x2 and y must all have shape (m,), got {x1.shape}, {x2.shape}, {y_shape}")
    X = features(np.column_stack([x1, x2]).astype(np.float64), "(x1, x2)")  # finite, m >= 1
    x1, x2, m = X[:, 0], X[:, 1], len(X)
    y = binary_labels(y, m)
    w1, w2 = get_initializer("xavier_normal")(2, 1, rng)[:, 0]
    b = 0.0
    costs, guard = [], {"cost": []}  # guard: the class's cost history, for the divergence guard
    for epoch in range(epochs):
        _record_cost(guard, losses.binary_cross_entropy_from_logits(y, w1 * x1 + w2 * x2 + b), epoch, lr)
        J, dw1, dw2, db = 0.0, 0.0, 0.0, 0.0
        for i in range(m):
            z = w1 * x1[i] + w2 * x2[i] + b
            a = float(sigmoid(z))
            a_log = min(max(a, losses.EPSILON), 1 - losses.EPSILON)  # log(0) guard, as in dlnotes.losses
            J += -(y[i] * np.log(a_log) + (1 - y[i]) * np.log(1 - a_log))
            dw1 += (a - y[i]) * x1[i]
            dw2 += (a - y[i]) * x2[i]
            db += a - y[i]
        J, dw1, dw2, db = J / m, dw1 / m, dw2 / m, db / m
        costs.append(J)
        w1 = w1 - lr * dw1
        w2 = w2 - lr * dw2
        b = b - lr * db
    _record_cost(guard, losses.binary_cross_entropy_from_logits(y, w1 * x1 + w2 * x2 + b), epochs, lr)
    return w1, w2, b, costs


# -- the classes that wrap them ----------------------------------------------------------
class _GradientDescentModel(abc.ABC):
    """What both models share: ``fit`` by :func:`gradient_descent`, ``score``; each declares the hooks."""

    def __init__(self, lr: float = 0.1, epochs: int = 100, init: str = "xavier_normal",
                 rng: np.random.Generator | None = None):
        self.lr = learning_rate(lr)
        self.epochs = positive_int(epochs, "epochs")
        self.init = get_initializer(init)
        self.rng = rng if rng is None else generator(rng)  # None: fresh weights at every fit
        self.W = self.b = None
        self.history: dict[str, list[float]] = {"cost": []}

    # -- hooks --
    @staticmethod
    @abc.abstractmethod
    def _cost_and_gradients(W, b, X, y):
        """The model's pure function, (W, b, X, y) -> (cost, dW, db)."""

    @abc.abstractmethod
    def _labels(self, y, n: int, fitting: bool = False) -> np.ndarray:
        """y checked for n examples: for training (fitting=True, which may set C), or for ``score``."""

    @abc.abstractmethod
    def _initial_params(self, d: int) -> tuple:
        """(W, b) to start from, for d features."""

    @abc.abstractmethod
    def predict(self, X) -> np.ndarray:
        """The predicted class of each row, shape (N,)."""

    def _check_fitted(self, X) -> np.ndarray:
        if self.W is None:
            raise RuntimeError("call fit(X, y) before predicting")
        X = features(X)
        if X.shape[1] != self.W.shape[0]:
            raise ValueError(f"X has {X.shape[1]} features but the model was fitted on {self.W.shape[0]}")
        return X

    def fit(self, X, y):
        """Full-batch gradient descent for ``epochs`` steps from fresh initial weights. Returns self.

        On DivergenceError, ``history`` holds the costs so far (as the error
        does) and W, b stay at their starting values.
        """
        X = features(X)
        y = self._labels(y, X.shape[0], fitting=True)
        self.W, self.b = self._initial_params(X.shape[1])
        try:
            self.W, self.b, self.history = gradient_descent(
                self._cost_and_gradients, self.W, self.b, X, y, self.lr, self.epochs)
        except DivergenceError as err:
            self.history = err.history
            raise
        return self

    def logits(self, X) -> np.ndarray:
        """z = X W + b: shape (N,) for the binary model, (N, C) for softmax."""
        return X @ self.W + self.b

    def gradients(self, X, y) -> tuple:
        """(cost, dW, db) at the current parameters: the model's pure function at (W, b)."""
        return self._cost_and_gradients(self.W, self.b, self._check_fitted(X), y)

    def cost(self, X, y) -> float:
        """The mean cross-entropy at the current parameters, computed from the logits."""
        return self.gradients(X, y)[0]

    def score(self, X, y) -> float:
        """Accuracy: the fraction of examples whose predicted class equals y.

        y: (N,), one label per row of X, valid for the fitted model (0/1, or
        0..C-1); anything else raises, naming y.
        """
        X = self._check_fitted(X)
        y = self._labels(y, X.shape[0])
        return float(np.mean(self.predict(X) == y))


class LogisticRegression(_GradientDescentModel):
    """Binary logistic regression, p(y = 1 | x) = sigmoid(x W + b), wrapping :func:`logistic_cost_and_gradients`.

    W: (D,), b: float.
    """

    _cost_and_gradients = staticmethod(logistic_cost_and_gradients)

    def _labels(self, y, n, fitting=False):
        return binary_labels(y, n)

    def _initial_params(self, d):
        return self.init(d, 1, self.rng)[:, 0], 0.0

    def predict_proba(self, X) -> np.ndarray:
        """p(y = 1 | x) for each row, shape (N,)."""
        X = self._check_fitted(X)
        return sigmoid(self.logits(X))

    def predict(self, X, threshold: float = 0.5) -> np.ndarray:
        """Class 1 where p >= threshold, else 0; shape (N,) of ints. threshold: a number in [0, 1]."""
        threshold = real_scalar(threshold, "threshold")
        if not 0 <= threshold <= 1:
            raise ValueError(f"threshold must be a probability in [0, 1], got {threshold!r}")
        return (self.predict_proba(X) >= threshold).astype(int)


class SoftmaxRegression(_GradientDescentModel):
    """Multiclass logistic regression, p(y | x) = softmax(x W + b), wrapping :func:`softmax_cost_and_gradients`.

    W: (D, C), b: (C,). The number of classes C is max(y) + 1 unless given.
    """

    _cost_and_gradients = staticmethod(softmax_cost_and_gradients)

    def __init__(self, lr: float = 0.1, epochs: int = 100, init: str = "xavier_normal",
                 rng: np.random.Generator | None = None, n_classes: int | None = None):
        super().__init__(lr, epochs, init, rng)
        self.n_classes = self._n_classes_given = None if n_classes is None else positive_int(n_classes, "n_classes")

    def _labels(self, y, n, fitting=False):
        if not fitting:  # scoring: the fitted model's classes
            return class_labels(y, n, self.n_classes)[0]
        y, c = class_labels(y, n, self._n_classes_given)
        if c < 2:
            raise ValueError(f"SoftmaxRegression needs at least two classes, got C = {c} "
                             f"(n_classes={self._n_classes_given}, labels in y up to {int(y.max())})")
        self.n_classes = c
        return y

    def _initial_params(self, d):
        return self.init(d, self.n_classes, self.rng), np.zeros(self.n_classes)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape (N, C); each row sums to 1."""
        X = self._check_fitted(X)
        return softmax(self.logits(X), axis=1)

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row, shape (N,)."""
        return np.argmax(self.predict_proba(X), axis=1)
