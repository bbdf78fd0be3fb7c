"""Chapter 6's exercises: the numbers their prompts and explanations state hold.

tests/test_exercises.py tests every checker by mutation; this file checks the
claims chapter 6's texts make about the experiments behind the answers.
"""

from __future__ import annotations

import numpy as np

from dlnotes import mlp
from dlnotes.exercises import EXERCISES, answer, limits


def test_the_shrink_bound_is_a_quarter_to_the_tenth():
    assert limits._shrink_bound() == 0.25 ** 10
    assert answer("sigmoid_shrink", 0.25 ** 10).passed
    assert "not 10 x 1/4" in "\n".join(answer("sigmoid_shrink", 2.5).lines)


def test_the_lab_answers_are_what_the_explanations_say():
    # "A step of 0.01 still trains"; 0.1 is the first to diverge
    assert limits._lab_outcome(5, 0.01, "relu", "naive") == "learns"
    assert limits._lab_outcome(5, 0.1, "relu", "naive") == "diverged"
    assert limits._first_diverging_rate() == 0.1
    # "none": sigmoid and tanh at chance, ReLU diverges
    outcomes = {a: limits._lab_outcome(20, 0.1, a, "naive") for a in ("sigmoid", "tanh", "relu")}
    assert outcomes == {"sigmoid": "at chance", "tanh": "at chance", "relu": "diverged"}


def _plain_ratio(depth: int) -> float:
    X_train, _, y_train, _ = limits._digits()
    params = mlp.init_params([64] + [32] * depth + [10], rng=np.random.default_rng(0))
    _, cache = mlp.forward(params, X_train[:500], activation="sigmoid")
    grads = mlp.backward(params, cache, y_train[:500])
    return float(np.linalg.norm(grads["dW1"]) / np.linalg.norm(grads[f"dW{depth + 1}"]))


def test_the_plain_ratio_is_below_1e_7_and_the_residual_one_near_1():
    plain = _plain_ratio(limits.DEEP)
    assert plain < 1e-7                                   # "below 1e-7" in two explanations
    residual = limits._residual_ratio()
    assert 1e-2 < residual < 1e2                          # "within a couple of powers of ten of 1"
    assert limits._residual_band() == "c"


def test_every_chapter_6_exercise_is_registered_with_the_kinds_the_chapter_promises():
    names = [e.name for e in limits.EXERCISES]
    assert all(name in EXERCISES for name in names) and len(names) >= 4
    assert {e.kind for e in limits.EXERCISES} >= {"compute", "predict", "interpret", "derive"}
