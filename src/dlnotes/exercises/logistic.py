"""Chapter 2: logistic regression.

Five exercises, in the chapter's order: derive the gradient step of the
L2-penalised cross-entropy (the cost scikit-learn minimises), read the cost
curve, count the softmax model's parameters, predict which learning rate
diverges, and follow a derivative through the computational graph by hand.
"""

from __future__ import annotations

import math

import numpy as np

from ..logistic import logistic_cost_and_gradients
from ._checking import Answer, Implement, call_raw, compare, expect_tuple

__all__: list[str] = []  # no public functions: reached through dlnotes.exercises.check and answer


# -- one gradient step on the penalised cost (derive) --------------------------------------------
# J(w, b) = mean cross-entropy + (lam / 2) * ||w||^2; the bias is not penalised.
def _sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _gd_step_reference(w, b, X, y, lr, lam):
    dz = _sigmoid(X @ w + b) - y                     # (N,): dJ/dz, times N
    dw = X.T @ dz / len(y) + lam * w                 # (D,)
    db = dz.mean()
    return w - lr * dw, b - lr * db


def _gd_step_no_mean(w, b, X, y, lr, lam):
    dz = _sigmoid(X @ w + b) - y
    return w - lr * (X.T @ dz + lam * w), b - lr * dz.sum()


def _gd_step_sign(w, b, X, y, lr, lam):
    dz = _sigmoid(X @ w + b) - y
    return w + lr * (X.T @ dz / len(y) + lam * w), b + lr * dz.mean()


def _gd_step_transposed(w, b, X, y, lr, lam):
    dz = _sigmoid(X @ w + b) - y
    return w - lr * (X @ dz / len(y) + lam * w), b - lr * dz.mean()


def _gd_step_penalised_bias(w, b, X, y, lr, lam):
    dz = _sigmoid(X @ w + b) - y
    return w - lr * (X.T @ dz / len(y) + lam * w), b - lr * (dz.mean() + lam * b)


def _gd_step_half_penalty(w, b, X, y, lr, lam):
    dz = _sigmoid(X @ w + b) - y
    return w - lr * (X.T @ dz / len(y) + lam * w / 2), b - lr * dz.mean()


def _gd_step_no_penalty(w, b, X, y, lr, lam):
    dz = _sigmoid(X @ w + b) - y
    return w - lr * X.T @ dz / len(y), b - lr * dz.mean()


_GD_NO_MEAN = "missing 1/N: the cost is the *mean* loss, so its gradient is X^T (p - y) / N"
_GD_SIGN = "sign: a gradient-descent step goes against the gradient, w - lr * dJ/dw"
_GD_TRANSPOSED = ("transposed: the gradient is X^T (p - y), one entry per feature; "
                  "X (p - y) mixes up examples and features")
_GD_PENALISED_BIAS = "the bias is not penalised: (lam / 2) ||w||^2 has no b in it, so db is the mean of p - y alone"
_GD_HALF_PENALTY = "the penalty's gradient is off by 2: d/dw of (lam / 2) ||w||^2 is lam * w"
_GD_NO_PENALTY = "the penalty is missing: d/dw of (lam / 2) ||w||^2 adds lam * w to the gradient"

_GD_SLIPS = {
    _GD_NO_MEAN: _gd_step_no_mean, _GD_SIGN: _gd_step_sign, _GD_TRANSPOSED: _gd_step_transposed,
    _GD_PENALISED_BIAS: _gd_step_penalised_bias, _GD_HALF_PENALTY: _gd_step_half_penalty,
    _GD_NO_PENALTY: _gd_step_no_penalty,
}


def _gd_compare(fn, w, b, X, y, lr, lam, what):
    new_w, new_b = expect_tuple(call_raw(fn, w, b, X, y, lr, lam), ("new_w", "new_b"))
    # the package's gradients of the mean cross-entropy, plus the penalty's
    _, dW, db = logistic_cost_and_gradients(w, b, X, y)
    want_w, want_b = w - lr * (dW + lam * w), b - lr * db
    slips_w, slips_b = {}, {}
    for message, slip in _GD_SLIPS.items():
        try:
            slip_w, slip_b = slip(w, b, X, y, lr, lam)
        except ValueError:                               # X @ dz needs a square X
            continue
        slips_w[message], slips_b[message] = slip_w, np.asarray(slip_b)
    compare(new_w, want_w, None, f"{what}, new_w", slips=slips_w)
    compare(new_b, np.asarray(want_b), None, f"{what}, new_b", slips=slips_b)


def _gd_batch(rng, n, d):
    X = rng.normal(size=(n, d))
    y = rng.integers(0, 2, size=n)
    y[:2] = [0, 1]                                       # both classes
    w = rng.normal(scale=0.5, size=d)
    return w, float(rng.normal(scale=0.5)), X, y


def _gd_random(fn, rng):
    w, b, X, y = _gd_batch(rng, int(rng.integers(6, 12)), int(rng.integers(2, 5)))
    _gd_compare(fn, w, b, X, y, float(rng.uniform(0.05, 1.0)), float(rng.uniform(0.05, 0.5)),
                "a random batch")


def _gd_square(fn, rng):
    w, b, X, y = _gd_batch(rng, 4, 4)
    _gd_compare(fn, w, b, X, y, 0.5, 0.1, "a batch with N = D = 4")


def _gd_no_lam(fn, rng):
    w, b, X, y = _gd_batch(rng, 7, 3)
    _gd_compare(fn, w, b, X, y, 0.3, 0.0, "lam = 0 (plain cross-entropy)")


# -- the cost curve of the full model (interpret) ------------------------------------------------
def _chapter_data():
    """The chapter's training set: breast-cancer biopsies, a stratified 75% split, standardised."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    data = load_breast_cancer()
    X_train, _, y_train, _ = train_test_split(data.data, data.target, test_size=0.25, random_state=0,
                                              stratify=data.target)
    return (X_train - X_train.mean(axis=0)) / X_train.std(axis=0), y_train


def _cost_curve_answer() -> str:
    """'b' when some hyperplane separates the training set: then the cost can fall towards 0 for ever."""
    from scipy.optimize import linprog

    X, y = _chapter_data()
    signs = 2.0 * y - 1
    X1 = np.column_stack([X, np.ones(len(X))])
    # find (w, b) with sign_i (x_i w + b) >= 1 for every example; feasible exactly when separable
    found = linprog(np.zeros(X1.shape[1]), A_ub=-signs[:, None] * X1, b_ub=-np.ones(len(X)),
                    bounds=[(None, None)] * X1.shape[1])
    return "b" if found.status == 0 else "a"


# -- parameters of softmax regression on the digits (compute) ------------------------------------
def _softmax_params() -> int:
    pixels, classes = 8 * 8, 10
    return pixels * classes + classes


# -- the learning rate that diverges (predict) ---------------------------------------------------
LEARNING_RATES = ("0.001", "0.01", "0.1", "1", "10", "100", "300", "1000")


def _diverging_rate() -> str:
    """The smallest of the slider's rates whose 100 epochs stop with a DivergenceError."""
    from ..logistic import LogisticRegression
    from ..optim import DivergenceError

    X, y = _chapter_data()
    for lr in LEARNING_RATES:
        try:
            LogisticRegression(lr=float(lr), epochs=100, rng=np.random.default_rng(0)).fit(X, y)
        except DivergenceError:
            return lr
    return "none"


_OSCILLATES = ("at this rate some steps overshoot and the cost goes up, but it never climbs past ten times "
               "its start: far from the minimum the cross-entropy grows only linearly with the logits, "
               "so it takes a much larger step to make it jump")
_SMOOTH = "at this rate the cost falls at every step: the step is smaller than the curvature allows"


# -- a derivative through the graph, by hand (compute) -------------------------------------------
_GRAPH = {"w1": 0.5, "w2": -0.3, "b": 0.1, "x1": 1.5, "x2": 2.0, "y": 0.0}


def _graph_values():
    g = _GRAPH
    z = g["w1"] * g["x1"] + g["w2"] * g["x2"] + g["b"]
    a = 1 / (1 + math.exp(-z))
    return z, a


def _graph_dw1() -> float:
    _, a = _graph_values()
    return _GRAPH["x1"] * (a - _GRAPH["y"])              # dL/dz = a - y, dz/dw1 = x1


def _graph_slips() -> dict[float, str]:
    _, a = _graph_values()
    x1 = _GRAPH["x1"]
    return {
        round(x1 * (a - 1), 4): "that is dL/dw1 for y = 1, the graph drawn above; here y = 0",
        round(a, 4): "that is dL/dz; the chain rule multiplies it by dz/dw1 = x1",
        round(x1 * a * (1 - a), 4): ("that is x1 * sigma'(z): dL/da = 1 / (1 - a) is missing; for the "
                                     "cross-entropy, dL/da * da/dz = a - y"),
        round(-x1 * a, 4): "sign: with y = 0 the loss grows with a, and a grows with w1 since x1 > 0",
    }


EXERCISES = [
    Implement(
        "gradient_step",
        "gd_step(w, b, X, y, lr, lam) -> (new_w, new_b): one gradient-descent step on the mean "
        "cross-entropy plus (lam / 2) ||w||^2",
        [
            ("a random batch", _gd_random),
            ("a square batch (N = D)", _gd_square),
            ("no penalty, lam = 0", _gd_no_lam),
        ],
        reference=_gd_step_reference,
        slips=_GD_SLIPS,
        package="dlnotes.logistic.gradient_descent",
        kind="derive",
    ),
    Answer(
        "cost_curve",
        "trained for ever, the training cost (a) levels off above 0, (b) keeps falling towards 0, "
        "(c) turns and rises? 'a', 'b' or 'c'",
        kind="interpret",
        expected=_cost_curve_answer,
        explain=("A hyperplane separates the training set's two classes. Then scaling up weights that "
                 "separate them makes every p_i closer to its label, and every loss smaller: the cost "
                 "falls towards 0 for ever while the weights grow without bound, which is why the curve "
                 "is still falling at 500 epochs. A penalty such as scikit-learn's L2 term stops that."),
        choices=("a", "b", "c"),
        slips={
            "a": ("it would if no hyperplane separated the two classes; here one does (the solution "
                  "finds it), and then the cost has no minimum at finite weights"),
            "c": ("the cost on the *training* set cannot rise under small enough gradient steps; "
                  "rising is what a test-set cost does when a model overfits"),
        },
    ),
    Answer(
        "softmax_parameters",
        "the number of parameters (weights and biases) of softmax regression on 8x8 digit images, 10 classes",
        kind="compute",
        expected=_softmax_params,
        explain=("W has one column of 64 weights per class, 64 x 10 = 640, and b one bias per class, 10: "
                 "650 parameters, against 31 for the breast-cancer model (30 weights and a bias)."),
        slips={
            640: "the 10 biases are missing: b has one entry per class",
            74: "that is 64 + 10; every class has its own weight for every pixel, 64 x 10",
            65: "that is one class's weights and bias; there are ten classes",
            585: ("that is nine classes' worth; dlnotes, like Keras, keeps a column for every class, "
                  "even though one could be fixed at 0"),
        },
    ),
    Answer(
        "diverging_learning_rate",
        "the smallest of the slider's learning rates at which training stops with a DivergenceError, "
        f"one of {', '.join(LEARNING_RATES)}",
        kind="predict",
        expected=_diverging_rate,
        explain=("Only 1000 diverges. The cost's curvature is at most about 3.3 on the standardised "
                 "features, so a quadratic would already oscillate above a rate of 2 / 3.3, about 0.6. "
                 "The cross-entropy is not a quadratic: far from the minimum it grows only linearly "
                 "with the logits, so 10 still falls smoothly and 100 and 300 overshoot without "
                 "blowing up; at 1000 the first step jumps past ten times the starting cost."),
        choices=LEARNING_RATES,
        slips={
            "0.001": _SMOOTH, "0.01": _SMOOTH, "0.1": _SMOOTH,
            "1": ("a quadratic with this curvature would already oscillate above about 0.6, but the "
                  "cost here still falls at every step: " + _SMOOTH),
            "10": _SMOOTH, "100": _OSCILLATES, "300": _OSCILLATES,
        },
    ),
    Answer(
        "graph_gradient",
        "dL/dw1 for the chapter's logistic unit (w1 = 0.5, w2 = -0.3, b = 0.1, x1 = 1.5, x2 = 2) with "
        "label y = 0 (four decimals)",
        kind="compute",
        expected=_graph_dw1,
        explain=("z = 0.5 * 1.5 - 0.3 * 2 + 0.1 = 0.25 and a = sigma(0.25) = 0.5622. Backwards: dL/da = "
                 "1 / (1 - a) for y = 0, da/dz = a (1 - a), so dL/dz = a - y = 0.5622, and dz/dw1 = "
                 "x1 = 1.5: dL/dw1 = 1.5 * 0.5622 = 0.8433."),
        tolerance=5e-4,
        slips=_graph_slips,
    ),
]
