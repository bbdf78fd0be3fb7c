"""Chapters 1 and 2's exercises: the numbers their prompts and explanations state are the computed ones.

The generic mutation tests (reference passes, slips named, None fails) are in
tests/test_exercises.py; here, what only these exercises claim.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from dlnotes import sigmoid, sigmoid_grad, tanh_grad
from dlnotes.exercises import EXERCISES, answer, check
from dlnotes.exercises import activations as ch1
from dlnotes.exercises import logistic as ch2


def explain(name: str) -> str:
    return EXERCISES[name].explain


# -- chapter 1 -------------------------------------------------------------------------------------
def test_float32_limit_and_its_explanation():
    limit = ch1._naive_float32_limit()
    assert limit == pytest.approx(-88.72, abs=0.005)
    assert limit == pytest.approx(-128 * math.log(2), abs=1e-4)
    with np.errstate(over="raise"):
        np.exp(np.float32(-limit) - np.float32(0.01))        # just inside: finite
        with pytest.raises(FloatingPointError):
            np.exp(np.float32(-limit) + np.float32(0.01))
    assert f"{-np.log(np.finfo(np.float64).max):.2f}" in explain("float32_overflow")
    for wrong in (-709.78, 88.72, -38.53, -88.03):
        assert not answer("float32_overflow", wrong).passed
    assert -math.log10(float(np.finfo(np.float32).max)) == pytest.approx(-38.53, abs=0.005)
    assert -127 * math.log(2) == pytest.approx(-88.03, abs=0.005)


def test_the_saturation_threshold_and_the_halving_the_explanation_states():
    threshold = ch1._saturation_threshold()
    assert f"{threshold:.2f}" == "3.64" and sigmoid_grad(threshold) == pytest.approx(0.025)
    for s in (12, 24, 48):
        approx = 2 * threshold / (s * math.sqrt(2 * math.pi))
        assert ch1._unsaturated_share(s) == pytest.approx(approx, rel=0.05)
    assert answer("saturation_slider", "b").passed


def test_tanh_grad_is_the_chapter_identity():
    z = np.linspace(-6, 6, 121)
    assert np.allclose(ch1._tanh_grad_reference(z), tanh_grad(z))
    assert np.allclose(4 * sigmoid_grad(2 * z), tanh_grad(z))


def test_dead_units_prediction_and_its_explanation():
    p = ch1._dead_fraction()
    assert p == pytest.approx(0.46, abs=0.005)
    one = 1 - 0.5 * (1 + math.erf(2 / math.sqrt(0.4) / math.sqrt(2)))
    assert round(1 / one, -1) == pytest.approx(1270, abs=10)
    assert 2 / math.sqrt(0.4) == pytest.approx(3.16, abs=0.005)
    # a simulation of the chapter's setting lands inside the tolerance, as the chapter's does
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1000, 64))
    W = rng.normal(0, math.sqrt(2 / 320), size=(64, 256))
    dead = np.mean(np.all(X @ W - 2 < 0, axis=0))
    assert answer("dead_relu_units", float(dead)).passed, dead


# -- chapter 2 -------------------------------------------------------------------------------------
def test_gradient_step_agrees_with_finite_differences():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(9, 3)), rng.integers(0, 2, size=9)
    w, b, lam = rng.normal(size=3), 0.2, 0.3

    def cost(w, b):
        p = sigmoid(X @ w + b)
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)) + lam / 2 * w @ w

    new_w, new_b = ch2._gd_step_reference(w, b, X, y, 1.0, lam)
    eps = 1e-6
    dw = [(cost(w + eps * e, b) - cost(w - eps * e, b)) / (2 * eps) for e in np.eye(3)]
    db = (cost(w, b + eps) - cost(w, b - eps)) / (2 * eps)
    assert np.allclose(w - new_w, dw, rtol=1e-6) and b - new_b == pytest.approx(db, rel=1e-6)


def test_gradient_step_with_sklearns_penalty_reaches_sklearns_weights():
    """The chapter's solution: lam = 1 / (C N) makes the penalised cost scikit-learn's."""
    from sklearn.linear_model import LogisticRegression

    X, y = ch2._chapter_data()
    ref = LogisticRegression(C=1.0, tol=1e-10, max_iter=10_000).fit(X, y)
    w, b, lam = np.zeros(X.shape[1]), 0.0, 1 / len(y)
    for _ in range(3000):
        w, b = ch2._gd_step_reference(w, b, X, y, 1.0, lam)
    assert np.abs(w - ref.coef_[0]).max() < 1e-3 and abs(b - ref.intercept_[0]) < 1e-3


def test_the_training_set_is_separable_and_the_cost_keeps_falling():
    assert ch2._cost_curve_answer() == "b"
    assert answer("cost_curve", "B").passed


def test_the_diverging_rate_and_the_curvature_in_the_explanation():
    assert ch2._diverging_rate() == "1000"
    X, _ = ch2._chapter_data()
    X1 = np.column_stack([X, np.ones(len(X))])
    curvature = 0.25 * np.linalg.eigvalsh(X1.T @ X1 / len(X))[-1]
    assert f"{curvature:.1f}" in explain("diverging_learning_rate")
    assert f"{2 / curvature:.1f}" in explain("diverging_learning_rate")


def test_softmax_parameters():
    assert ch2._softmax_params() == 650 and answer("softmax_parameters", 650).passed


def test_graph_gradient_matches_the_graph_and_its_explanation():
    from dlnotes.graph import Node

    g = ch2._GRAPH
    w1, w2, b = Node(g["w1"]), Node(g["w2"]), Node(g["b"])
    a = (w1 * g["x1"] + w2 * g["x2"] + b).sigmoid()
    L = -(g["y"] * a.log() + (1 - g["y"]) * (1 - a).log())
    L.backward()
    assert w1.grad == pytest.approx(ch2._graph_dw1(), rel=1e-12)
    text = explain("graph_gradient")
    assert f"{a.value:.4f}" in text and f"{w1.grad:.4f}" in text


@pytest.mark.parametrize("name", ["gradient_step"])
def test_a_correct_step_written_the_chapter_way_passes(name):
    def gd_step(w, b, X, y, lr, lam):
        dz = 1 / (1 + np.exp(-(X @ w + b))) - y
        return w - lr * (X.T @ dz / len(y) + lam * w), b - lr * np.mean(dz)

    assert check(name, gd_step).passed
