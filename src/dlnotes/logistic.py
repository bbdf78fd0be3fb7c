"""Logistic regression: the one-layer neural network, trained by gradient descent.

Three versions of the same model:

* :func:`fit_logistic_loop`: the reference chapter's pseudo-code (two
  features, a Python loop over the examples, gradients averaged per epoch),
  kept as close to it as correct code allows, for reading;
* :class:`LogisticRegression`: the vectorised binary model, p = sigmoid(X W + b);
* :class:`SoftmaxRegression`: the multiclass model, p = softmax(X W + b).

Both classes train by full-batch gradient descent with learning rate ``lr``,
minimising the mean cross-entropy, and keep ``history["cost"]`` (the cost
before each update, then the final cost: epochs + 1 values). Training that
diverges raises :class:`DivergenceError`, naming the epoch and the learning
rate, with the history so far attached.

Shapes: X (N, D); binary y (N,) of 0/1; multiclass y (N,) of labels 0..C-1;
W (D,) for the binary model, (D, C) for softmax; b scalar or (C,).
"""

from __future__ import annotations

import numpy as np

from . import losses
from ._validate import as_float_array, features, generator, positive_int, positive_number, real_scalar
from .activations import sigmoid, softmax
from .initializers import get_initializer
from .optim import DivergenceError, check_diverged

__all__ = ["DivergenceError", "LogisticRegression", "SoftmaxRegression", "fit_logistic_loop"]

def _binary_labels(y, n: int) -> np.ndarray:
    y = np.asarray(y)
    if y.shape != (n,):
        raise ValueError(f"y must have shape ({n},), one label per row of X, got {y.shape}")
    if not np.all(np.isin(y, (0, 1))):
        bad = y[~np.isin(y, (0, 1))][0].item()
        raise ValueError(f"binary labels y must be 0 or 1, got {bad!r}")
    return y.astype(np.float64)


def _class_labels(y, n: int, c: int | None = None) -> tuple[np.ndarray, int]:
    """Integer labels (n,) in 0..c-1, and c (max(y) + 1 when c is None)."""
    y = np.asarray(y)
    if y.shape != (n,):
        raise ValueError(f"y must have shape ({n},), one label per row of X, got {y.shape}")
    if y.dtype.kind not in "iu":
        raise TypeError(f"class labels y must be integers, got dtype {y.dtype}")
    c = int(y.max()) + 1 if c is None else c
    if y.min() < 0 or y.max() >= c:
        raise ValueError(f"labels must lie in 0..{c - 1}, got {int(y.min())}..{int(y.max())}")
    return y, c


def _record_cost(history: dict, cost: float, done: int, lr: float) -> None:
    """Append the cost after ``done`` epochs to history["cost"], then apply the divergence guard.

    :func:`dlnotes.optim.check_diverged` compares it with the first cost of
    the history: not finite, or ten times higher, raises DivergenceError.
    """
    history["cost"].append(cost)
    check_diverged(cost, history["cost"][0], done, lr, history)


# -- the pseudo-code ---------------------------------------------------------------
def fit_logistic_loop(x1, x2, y, lr: float, epochs: int, rng: np.random.Generator | None = None):
    """The reference chapter's pseudo-code for two features, one example at a time.

    x1, x2, y: (m,) each. w1, w2 start from Xavier normal (fan_in 2, fan_out 1),
    b from 0. Each epoch sums the loss and the gradients over the m examples,
    averages them, and takes one gradient-descent step.

    Two slips of the printed pseudo-code are corrected: it never updates b,
    and it writes ``(1-y)`` where it means ``(1-y[i])``.

    Returns (w1, w2, b, costs), costs holding the cost of each epoch (before
    its update). From the same rng the weights equal those of
    :class:`LogisticRegression`; the costs do too while every probability
    stays inside [1e-7, 1 - 1e-7] (|z| < 16), since the loop clips a before
    taking its log and the class computes the cost from the logits.

    The inputs get the classes' checks (finite, at least one example, labels
    0/1) and so does training: the class's cost, computed from the logits,
    is watched before each update and after the last one, and a diverging
    run raises :class:`DivergenceError` at the epoch where the class would,
    with that cost history attached. (The loop's own costs cannot show it:
    clipped, no example costs more than -log(1e-7) = 16.1.)
    """
    lr = positive_number(lr, "lr")
    epochs = positive_int(epochs, "epochs")
    x1, x2 = as_float_array(x1, "x1"), as_float_array(x2, "x2")
    y_shape = np.shape(y)
    if not (x1.ndim == 1 and x1.shape == x2.shape == y_shape):
        raise ValueError(f"x1, x2 and y must all have shape (m,), got {x1.shape}, {x2.shape}, {y_shape}")
    X = features(np.column_stack([x1, x2]).astype(np.float64), "(x1, x2)")  # finite, m >= 1
    x1, x2 = X[:, 0], X[:, 1]
    m = len(x1)
    y = _binary_labels(y, m)
    w1, w2 = get_initializer("xavier_normal")(2, 1, rng)[:, 0]
    b = 0.0
    costs = []
    guard = {"cost": []}  # the class's cost history, for the divergence guard
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


# -- vectorised models ----------------------------------------------------------------
class _GradientDescentModel:
    def __init__(self, lr: float = 0.1, epochs: int = 100, init: str = "xavier_normal",
                 rng: np.random.Generator | None = None):
        self.lr = positive_number(lr, "lr")
        self.epochs = positive_int(epochs, "epochs")
        self.init = get_initializer(init)
        self.rng = rng if rng is None else generator(rng)  # None: fresh weights at every fit
        self.W = None
        self.b = None
        self.history: dict[str, list[float]] = {"cost": []}

    def _check_fitted(self, X) -> np.ndarray:
        if self.W is None:
            raise RuntimeError("call fit(X, y) before predicting")
        X = features(X)
        if X.shape[1] != self.W.shape[0]:
            raise ValueError(f"X has {X.shape[1]} features but the model was fitted on {self.W.shape[0]}")
        return X

    def fit(self, X, y):
        """Full-batch gradient descent for ``epochs`` steps. Returns self."""
        X = features(X)
        y = self._labels(y, X.shape[0])
        self.W, self.b = self._initial_params(X.shape[1])
        self.history = {"cost": []}
        for done in range(self.epochs):  # `done` epochs completed so far
            cost, dW, db = self.gradients(X, y)
            _record_cost(self.history, cost, done, self.lr)
            self.W = self.W - self.lr * dW
            self.b = self.b - self.lr * db
        _record_cost(self.history, self.cost(X, y), self.epochs, self.lr)
        return self

    def score(self, X, y) -> float:
        """Accuracy: the fraction of examples whose predicted class equals y.

        y: (N,), one label per row of X, valid for the fitted model (0/1, or
        0..C-1); anything else raises, naming y.
        """
        X = self._check_fitted(X)
        y = self._score_labels(y, X.shape[0])
        return float(np.mean(self.predict(X) == y))


class LogisticRegression(_GradientDescentModel):
    """Binary logistic regression, p(y = 1 | x) = sigmoid(x W + b).

    W: (D,), b: float. ``gradients`` gives the cost and its gradients in closed
    form: with p = sigmoid(X W + b), dW = X^T (p - y) / N and db = mean(p - y).
    """

    def _labels(self, y, n):
        return _binary_labels(y, n)

    def _score_labels(self, y, n):
        return _binary_labels(y, n)

    def _initial_params(self, d):
        return self.init(d, 1, self.rng)[:, 0], 0.0

    def logits(self, X) -> np.ndarray:
        """z = X W + b, shape (N,)."""
        return X @ self.W + self.b

    def cost(self, X, y) -> float:
        """Mean binary cross-entropy, computed from the logits."""
        return losses.binary_cross_entropy_from_logits(y, self.logits(X))

    def gradients(self, X, y) -> tuple[float, np.ndarray, float]:
        """(cost, dW (D,), db) at the current parameters."""
        z = self.logits(X)
        dz = losses.binary_cross_entropy_from_logits_grad(y, z)  # (p - y) / N
        return losses.binary_cross_entropy_from_logits(y, z), X.T @ dz, float(dz.sum())

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
    """Multiclass (softmax) logistic regression, p(y | x) = softmax(x W + b).

    W: (D, C), b: (C,). With P = softmax(X W + b) and Y one-hot,
    dW = X^T (P - Y) / N and db = mean(P - Y) over examples.
    The number of classes C is max(y) + 1 unless given.
    """

    def __init__(self, lr: float = 0.1, epochs: int = 100, init: str = "xavier_normal",
                 rng: np.random.Generator | None = None, n_classes: int | None = None):
        super().__init__(lr, epochs, init, rng)
        self._n_classes_given = None if n_classes is None else positive_int(n_classes, "n_classes")
        self.n_classes = self._n_classes_given  # set from the labels at each fit unless given

    def _labels(self, y, n):
        y, c = _class_labels(y, n, self._n_classes_given)
        if c < 2:
            raise ValueError("SoftmaxRegression needs at least two classes")
        self.n_classes = c
        return y

    def _score_labels(self, y, n):
        return _class_labels(y, n, self.n_classes)[0]

    def _initial_params(self, d):
        return self.init(d, self.n_classes, self.rng), np.zeros(self.n_classes)

    def logits(self, X) -> np.ndarray:
        """Z = X W + b, shape (N, C)."""
        return X @ self.W + self.b

    def cost(self, X, y) -> float:
        return losses.categorical_cross_entropy_from_logits(y, self.logits(X))

    def gradients(self, X, y) -> tuple[float, np.ndarray, np.ndarray]:
        """(cost, dW (D, C), db (C,)) at the current parameters."""
        Z = self.logits(X)
        dZ = losses.categorical_cross_entropy_from_logits_grad(y, Z)  # (P - Y) / N
        return losses.categorical_cross_entropy_from_logits(y, Z), X.T @ dZ, dZ.sum(axis=0)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape (N, C); each row sums to 1."""
        X = self._check_fitted(X)
        return softmax(self.logits(X), axis=1)

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row, shape (N,)."""
        return np.argmax(self.predict_proba(X), axis=1)
