"""Chapter 2: logistic regression."""

from __future__ import annotations

import numpy as np

from .. import losses
from ..logistic import logistic_cost_and_gradients
from ._checking import Failed, call, call_raw, compare

__all__: list[str] = []  # no public functions: the checks are reached through dlnotes.exercises.check


# -- exercise: binary cross-entropy --------------------------------------------------
def _bce_values(fn):
    y = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
    p = np.array([0.9, 0.2, 0.6, 0.45, 0.05])
    got = call(fn, y, p)
    if got.shape != ():
        raise Failed(f"return one number, the mean loss over the examples; got shape {got.shape}")
    compare(got, np.asarray(losses.binary_cross_entropy(y, p)), None, "five examples", rtol=1e-6)


def _bce_extremes(fn):
    y = np.array([1.0, 0.0, 1.0, 0.0])
    p = np.array([1.0, 0.0, 0.0, 1.0])
    got = call(fn, y, p)
    if got.shape != () or not np.isfinite(got):
        raise Failed(f"for probabilities exactly 0 and 1 the cost must be a finite number, got {got!r}; "
                      "clip p to [eps, 1 - eps] first")
    if not 5 < float(got) < 40:
        raise Failed(f"two perfect and two confidently wrong answers should cost a lot (Keras: "
                      f"{losses.binary_cross_entropy(y, p):.2f}), got {float(got):.4g}")


# -- exercise: one gradient-descent step -------------------------------------------------
def _gd_data():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(6, 3))
    y = np.array([1, 0, 1, 1, 0, 0])
    w = np.array([0.2, -0.1, 0.05])
    return X, y, w, 0.3


def _gd_step_values(fn):
    X, y, w, b = _gd_data()
    out = call_raw(fn, w.copy(), b, X, y, 0.5)
    if not (isinstance(out, tuple) and len(out) == 2):
        raise Failed(f"return a pair (new_w, new_b), got {type(out).__name__}")
    new_w, new_b = np.asarray(out[0], dtype=float), np.asarray(out[1], dtype=float)
    _, dW, db = logistic_cost_and_gradients(w, b, X, y)  # the package's gradients, X^T (p - y) / N and mean(p - y)
    want_w, want_b = w - 0.5 * dW, b - 0.5 * db
    compare(new_w, want_w, None, "new_w")
    compare(new_b, np.asarray(want_b), None, "new_b")


def _gd_step_lr(fn):
    X, y, w, b = _gd_data()
    small = call_raw(fn, w.copy(), b, X, y, 0.01)
    big = call_raw(fn, w.copy(), b, X, y, 1.0)
    step_small = np.linalg.norm(np.asarray(small[0], dtype=float) - w)
    step_big = np.linalg.norm(np.asarray(big[0], dtype=float) - w)
    if step_small == 0:
        raise Failed("with lr=0.01 the step left w where it was; it must move w by -lr times the gradient")
    if not np.isclose(step_big, 100 * step_small, rtol=1e-6):
        raise Failed(f"the step must be proportional to lr: lr=1 moved w by {step_big:.4g}, lr=0.01 by {step_small:.4g}")


EXERCISES = {
    "binary_cross_entropy": (
        "the mean binary cross-entropy bce(y, p)",
        [
            ("matches on five examples", _bce_values),
            ("finite for probabilities 0 and 1", _bce_extremes),
        ],
    ),
    "gradient_step": (
        "one gradient-descent step for logistic regression, gd_step(w, b, X, y, lr) -> (w, b)",
        [
            ("updates w and b by -lr times the gradient", _gd_step_values),
            ("the step scales with lr", _gd_step_lr),
        ],
    ),
}
