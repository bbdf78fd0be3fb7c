"""Tests for dlnotes.logistic.

* The chapter's loop (``fit_logistic_loop``) and the vectorised
  ``LogisticRegression`` are the same algorithm: same weights and the same cost
  history from the same seeded start, to 1e-10.
* Both models learn real data: breast cancer (binary) within one point of
  scikit-learn's ``LogisticRegression`` on the same split, digits and iris
  (softmax) above a floor set a little below what they reach.
* Divergence is loud: a ``DivergenceError`` naming the epoch and the learning
  rate, with the history attached, never a silent NaN.
* Bad input raises, naming the argument.

* The pure functions the classes wrap (``logistic_cost_and_gradients``,
  ``softmax_cost_and_gradients``, ``gradient_descent``) match centred finite
  differences and Keras, and give the classes' numbers exactly.

(The classes' gradients with respect to W and b are checked against TensorFlow
and finite differences in test_losses.py.)
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from conftest import assert_close, numerical_grad, rel_error

from dlnotes.logistic import (LogisticRegression, SoftmaxRegression, fit_logistic_loop, gradient_descent,
                              logistic_cost_and_gradients, softmax_cost_and_gradients)
from dlnotes.optim import DivergenceError


def standardise(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scale both sets with the training set's mean and standard deviation (constant columns kept as is)."""
    mu, sd = train.mean(axis=0), train.std(axis=0)
    sd = np.where(sd == 0, 1.0, sd)
    return (train - mu) / sd, (test - mu) / sd


def split(loader):
    from sklearn.model_selection import train_test_split

    X, y = loader(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    return X_tr, X_te, y_tr, y_te


@pytest.fixture(scope="module")
def cancer():
    """Breast cancer (569 x 30), split 75/25 stratified, standardised with train statistics."""
    from sklearn.datasets import load_breast_cancer

    X_tr, X_te, y_tr, y_te = split(load_breast_cancer)
    A, B = standardise(X_tr, X_te)
    return dict(X_tr=A, X_te=B, y_tr=y_tr, y_te=y_te, raw_X=X_tr)


def two_feature_data(rng, m=25):
    """Two noisy, overlapping features: the optimum is finite and the logits stay small."""
    x1 = rng.standard_normal(m)
    x2 = rng.standard_normal(m) * 0.5 + 0.3
    y = (x1 - x2 + rng.standard_normal(m) > 0).astype(int)
    y[:2] = [0, 1]
    return x1, x2, y


# -------------------------------------------------- loop == vectorised model


@pytest.mark.parametrize("lr, epochs", [(0.5, 40), (2.0, 15), (0.05, 5)])
def test_loop_and_vectorised_model_agree(rng, lr, epochs):
    x1, x2, y = two_feature_data(rng)
    seed = int(rng.integers(1 << 30))
    w1, w2, b, costs = fit_logistic_loop(x1, x2, y, lr=lr, epochs=epochs, rng=np.random.default_rng(seed))
    X = np.column_stack([x1, x2])
    model = LogisticRegression(lr=lr, epochs=epochs, rng=np.random.default_rng(seed)).fit(X, y)
    # The loop clips sigmoid to [1e-7, 1 - 1e-7]; that never bites while |z| < 16.
    assert np.max(np.abs(model.logits(X))) < 16, "test data must keep the logits small"
    assert_close("w1, w2 (loop) vs W", [w1, w2], model.W, rtol=0, atol=1e-10)
    assert_close("b (loop) vs b", b, model.b, rtol=0, atol=1e-10)
    assert len(costs) == epochs and len(model.history["cost"]) == epochs + 1
    assert_close("cost history (loop) vs model", costs, model.history["cost"][:epochs], rtol=0, atol=1e-10)


def test_loop_starts_from_xavier_normal_and_zero_bias(rng):
    x1, x2, y = two_feature_data(rng)
    from dlnotes.initializers import xavier_normal

    w0 = xavier_normal(2, 1, np.random.default_rng(99))[:, 0]
    # One step with a tiny lr moves the weights by lr * gradient: check the start and the step.
    lr = 1e-3
    w1, w2, b, costs = fit_logistic_loop(x1, x2, y, lr=lr, epochs=1, rng=np.random.default_rng(99))
    p = 1 / (1 + np.exp(-(w0[0] * x1 + w0[1] * x2)))
    assert_close("first cost", costs[0], -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), rtol=1e-12, atol=0)
    assert_close("w1 after one step", w1, w0[0] - lr * np.mean((p - y) * x1), rtol=1e-12, atol=0)
    assert_close("w2 after one step", w2, w0[1] - lr * np.mean((p - y) * x2), rtol=1e-12, atol=0)
    assert_close("b after one step (the printed pseudo-code never updates b)", b, -lr * np.mean(p - y), rtol=1e-12, atol=0)


# ---------------------------------------------------------------- real data


def test_breast_cancer_accuracy_matches_sklearn(cancer):
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression

    ours = LogisticRegression(lr=0.5, epochs=500, rng=np.random.default_rng(0)).fit(cancer["X_tr"], cancer["y_tr"])
    sk = SkLogisticRegression().fit(cancer["X_tr"], cancer["y_tr"])
    acc_ours = ours.score(cancer["X_te"], cancer["y_te"])
    acc_sk = sk.score(cancer["X_te"], cancer["y_te"])
    # Measured: both 0.958 (137 of 143).
    assert abs(acc_ours - acc_sk) <= 0.01 + 1e-12, f"test accuracy: ours {acc_ours:.3f}, sklearn {acc_sk:.3f}"
    assert acc_ours > 0.94, f"test accuracy {acc_ours:.3f}"
    assert ours.score(cancer["X_tr"], cancer["y_tr"]) > 0.97


def test_binary_predictions_are_consistent(cancer):
    model = LogisticRegression(lr=0.5, epochs=50, rng=np.random.default_rng(1)).fit(cancer["X_tr"], cancer["y_tr"])
    p = model.predict_proba(cancer["X_te"])
    assert p.shape == (len(cancer["y_te"]),) and np.all((p >= 0) & (p <= 1))
    assert np.array_equal(model.predict(cancer["X_te"]), (p >= 0.5).astype(int))
    assert np.array_equal(model.predict(cancer["X_te"], threshold=0.9), (p >= 0.9).astype(int))
    assert model.W.shape == (30,) and np.ndim(model.b) == 0


def test_cost_decreases_every_epoch_for_a_small_lr(cancer):
    epochs = 200
    model = LogisticRegression(lr=0.1, epochs=epochs, rng=np.random.default_rng(2)).fit(cancer["X_tr"], cancer["y_tr"])
    cost = np.array(model.history["cost"])
    assert cost.shape == (epochs + 1,)
    steps = np.diff(cost)
    assert np.all(steps < 0), f"cost rose at epoch(s) {np.flatnonzero(steps >= 0) + 1}"
    assert cost[-1] < 0.3 * cost[0]
    assert_close("last history entry = final cost", cost[-1], model.cost(cancer["X_tr"], cancer["y_tr"]), rtol=0, atol=0)


@pytest.mark.parametrize(
    "dataset, lr, epochs, floor",
    # Measured test accuracy (seed 0): digits 0.969, iris 0.974 (sklearn: 0.969, 0.974).
    [("digits", 0.5, 200, 0.95), ("iris", 0.5, 200, 0.92)],
)
def test_softmax_regression_learns(dataset, lr, epochs, floor):
    from sklearn.datasets import load_digits, load_iris

    X_tr, X_te, y_tr, y_te = split({"digits": load_digits, "iris": load_iris}[dataset])
    A, B = standardise(X_tr, X_te)
    model = SoftmaxRegression(lr=lr, epochs=epochs, rng=np.random.default_rng(0)).fit(A, y_tr)
    acc = model.score(B, y_te)
    assert acc >= floor, f"{dataset}: test accuracy {acc:.3f} below {floor}"
    c = len(np.unique(y_tr))
    assert model.n_classes == c and model.W.shape == (A.shape[1], c) and model.b.shape == (c,)
    P = model.predict_proba(B)
    assert P.shape == (len(y_te), c) and np.all(P >= 0)
    assert_close(f"{dataset}: rows of predict_proba sum to 1", P.sum(axis=1), np.ones(len(y_te)), rtol=0, atol=1e-12)
    assert np.array_equal(model.predict(B), np.argmax(P, axis=1))
    assert len(model.history["cost"]) == epochs + 1
    assert model.history["cost"][-1] < model.history["cost"][0]


def test_softmax_n_classes_can_exceed_the_labels_seen(rng):
    X = rng.standard_normal((12, 3))
    y = np.tile([0, 1, 2], 4)
    model = SoftmaxRegression(lr=0.1, epochs=3, rng=rng, n_classes=5).fit(X, y)
    assert model.W.shape == (3, 5) and model.predict_proba(X).shape == (12, 5)


def test_same_seed_same_model(cancer):
    a = LogisticRegression(lr=0.5, epochs=20, rng=np.random.default_rng(5)).fit(cancer["X_tr"], cancer["y_tr"])
    b = LogisticRegression(lr=0.5, epochs=20, rng=np.random.default_rng(5)).fit(cancer["X_tr"], cancer["y_tr"])
    assert_close("same seed W", a.W, b.W, rtol=0, atol=0)
    assert a.history["cost"] == b.history["cost"]


# ---------------------------------------------------------------- divergence


@pytest.mark.parametrize("lr", [1e4, 1e6])
def test_huge_lr_on_raw_features_raises_divergence_error(cancer, lr):
    # Unstandardised breast cancer: features up to ~2500 (area), so one step of lr = 1e4
    # sends the logits to ~1e9 and the cost from 56 to ~3e9.
    model = LogisticRegression(lr=lr, epochs=50, rng=np.random.default_rng(0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning on the way: it fails cleanly
        with pytest.raises(DivergenceError, match=re.escape(f"diverged in epoch 1 with learning rate lr={lr:g}")) as info:
            model.fit(cancer["raw_X"], cancer["y_tr"])
    err = info.value
    assert isinstance(err, RuntimeError)
    assert err.epoch == 1 and err.lr == lr  # the first update threw the weights away
    cost = err.history["cost"]
    assert len(cost) == 2 and np.all(np.isfinite(cost)) and cost[1] > 10 * cost[0]
    assert "try a smaller learning rate" in str(err)


def test_softmax_divergence_raises(cancer):
    with pytest.raises(DivergenceError, match=r"in epoch 1 with learning rate lr=100\b") as info:
        SoftmaxRegression(lr=100, epochs=20, rng=np.random.default_rng(0)).fit(cancer["raw_X"], cancer["y_tr"])
    assert info.value.history["cost"][1] > info.value.history["cost"][0]


def test_too_large_lr_on_standardised_data_raises(cancer):
    with pytest.raises(DivergenceError, match=r"learning rate lr=1000") as info:
        LogisticRegression(lr=1000, epochs=100, rng=np.random.default_rng(0)).fit(cancer["X_tr"], cancer["y_tr"])
    assert info.value.epoch >= 1 and len(info.value.history["cost"]) == info.value.epoch + 1


def test_overflow_to_a_non_finite_cost_raises_instead_of_training_on():
    # Handcrafted: logits of 1e200 after one step overflow to +-inf; an infinite logit on the
    # wrong side of its label costs -log 0 = inf (issue 14: exactly inf, no longer NaN from inf - inf).
    X = np.array([[1e200, -1e200], [-1e200, 1e200], [1e200, 1e200]])
    y = np.array([1, 0, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's overflow warnings on the way
        with pytest.raises(DivergenceError, match=r"in epoch 1 with learning rate lr=1\b.*to (inf|nan)") as info:
            LogisticRegression(lr=1.0, epochs=10, rng=np.random.default_rng(0)).fit(X, y)
    cost = info.value.history["cost"]
    assert np.isfinite(cost[0]) and not np.isfinite(cost[-1])


def test_infinite_logits_on_the_right_side_cost_zero_and_training_goes_on():
    """The other side of the same overflow: every logit infinite and correct is a cost of exactly 0, not NaN."""
    X = np.array([[1e200, -1e200], [-1e200, 1e200]])
    y = np.array([1, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the overflow in X @ W
        cost, dW, db = logistic_cost_and_gradients(np.array([1e200, -1e200]), 0.0, X, y)  # z = +inf, -inf
    assert cost == 0.0 and np.all(dW == 0) and db == 0.0


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("cls", [LogisticRegression, SoftmaxRegression])
@pytest.mark.parametrize(
    "kwargs, exc, pattern",
    [
        (dict(lr=0), ValueError, r"lr must be a positive number, got 0"),
        (dict(lr=-1), ValueError, r"lr must be a positive number, got -1"),
        (dict(lr=float("nan")), ValueError, r"lr must be finite, got nan"),
        (dict(lr=float("inf")), ValueError, r"lr must be finite, got inf"),
        (dict(lr="0.1"), TypeError, r"lr must be a real number"),
        (dict(epochs=0), ValueError, r"epochs must be a positive integer, got 0"),
        (dict(epochs=-3), ValueError, r"epochs must be a positive integer, got -3"),
        (dict(epochs=2.5), TypeError, r"epochs must be a positive integer, got 2\.5"),
        (dict(init="zeros"), ValueError, r"unknown init='zeros'; expected one of 'xavier_normal'"),
    ],
)
def test_bad_hyperparameters(cls, kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        cls(**kwargs)


def test_bad_n_classes():
    with pytest.raises(ValueError, match=r"n_classes must be a positive integer, got 0"):
        SoftmaxRegression(n_classes=0)


X5 = np.arange(10.0).reshape(5, 2) / 10
Y5 = np.array([0, 1, 0, 1, 1])


@pytest.mark.parametrize("cls", [LogisticRegression, SoftmaxRegression])
@pytest.mark.parametrize(
    "X, y, exc, pattern",
    [
        (np.arange(5.0), Y5, ValueError, r"X must be 2-D \(N examples, D features\), got shape \(5,\)"),
        (X5[None], Y5, ValueError, r"X must be 2-D .*got shape \(1, 5, 2\)"),
        (np.where(X5 == 0.3, np.nan, X5), Y5, ValueError, r"X contains NaN or inf"),
        (np.where(X5 == 0.3, np.inf, X5), Y5, ValueError, r"X contains NaN or inf"),
        (np.zeros((0, 2)), np.zeros(0, int), ValueError, r"X has no examples"),
        (X5, Y5[:4], ValueError, r"y must have shape \(5,\), one label per row of X, got \(4,\)"),
        (X5, Y5[:, None], ValueError, r"y must have shape \(5,\)"),
        (X5.astype(str), Y5, TypeError, r"X must be a real numeric array-like"),
    ],
)
def test_bad_training_data(cls, X, y, exc, pattern):
    with pytest.raises(exc, match=pattern):
        cls(epochs=2).fit(X, y)


@pytest.mark.parametrize("y", [[0, 1, 2, 1, 0], [0, 1, -1, 1, 0], [0, 1, 0.5, 1, 0]])
def test_binary_labels_must_be_0_or_1(y):
    bad = [v for v in y if v not in (0, 1)][0]
    with pytest.raises(ValueError, match=rf"binary labels y must be 0 or 1, got .*{bad}"):
        LogisticRegression(epochs=2).fit(X5, y)


@pytest.mark.parametrize(
    "y, exc, pattern",
    [
        (np.array([0.0, 1.0, 2.0, 1.0, 0.0]), TypeError, r"class labels y must be integers, got dtype float64"),
        (np.array([0.5, 1.0, 2.0, 1.0, 0.0]), TypeError, r"class labels y must be integers"),
        (np.array(["0", "1", "2", "1", "0"]), TypeError, r"class labels y must be integers"),
        (np.array([0, 1, -1, 1, 0]), ValueError, r"label -1 in y is outside the classes 0\.\.1"),
        (np.zeros(5, int), ValueError, r"needs at least two classes, got C = 1 \(n_classes=None, labels in y up to 0\)"),
    ],
)
def test_softmax_labels(y, exc, pattern):
    with pytest.raises(exc, match=pattern):
        SoftmaxRegression(epochs=2).fit(X5, y)


def test_softmax_labels_beyond_n_classes():
    with pytest.raises(ValueError, match=r"label 3 in y is outside the classes 0\.\.2"):
        SoftmaxRegression(epochs=2, n_classes=3).fit(X5, np.array([0, 1, 2, 3, 0]))


@pytest.mark.parametrize("cls", [LogisticRegression, SoftmaxRegression])
def test_predict_before_fit_and_with_wrong_features(cls):
    model = cls(epochs=2, rng=np.random.default_rng(0))
    for method in (model.predict, model.predict_proba):
        with pytest.raises(RuntimeError, match=r"call fit\(X, y\) before predicting"):
            method(X5)
    model.fit(X5, np.array([0, 1, 0, 1, 1]))
    with pytest.raises(ValueError, match=r"X has 3 features but the model was fitted on 2"):
        model.predict(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"X must be 2-D"):
        model.predict_proba(np.ones(2))
    with pytest.raises(ValueError, match=r"X contains NaN"):
        model.predict(np.array([[0.1, np.nan]]))


@pytest.mark.parametrize(
    "args, kwargs, exc, pattern",
    [
        (([0.1, 0.2], [0.3, 0.4], [0, 1]), dict(lr=0, epochs=3), ValueError, r"lr must be a positive number"),
        (([0.1, 0.2], [0.3, 0.4], [0, 1]), dict(lr=float("nan"), epochs=3), ValueError, r"lr must be finite"),
        (([0.1, 0.2], [0.3, 0.4], [0, 1]), dict(lr=0.1, epochs=0), ValueError, r"epochs must be a positive integer"),
        (([0.1, 0.2, 0.5], [0.3, 0.4], [0, 1]), dict(lr=0.1, epochs=3), ValueError, r"x1, x2 and y must all have shape"),
        (([0.1, 0.2], [0.3, 0.4], [0, 1, 1]), dict(lr=0.1, epochs=3), ValueError, r"x1, x2 and y must all have shape"),
        (([0.1, 0.2], [0.3, 0.4], [0, 2]), dict(lr=0.1, epochs=3), ValueError, r"binary labels y must be 0 or 1"),
    ],
)
def test_loop_bad_input(args, kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        fit_logistic_loop(*args, **kwargs, rng=np.random.default_rng(0))


# ------------------------------------------------------------------ regressions


def test_softmax_refit_on_more_classes_recounts_them(rng):
    X = rng.normal(size=(30, 4))
    model = SoftmaxRegression(lr=0.1, epochs=3, rng=rng).fit(X, np.arange(30) % 3)
    assert model.W.shape == (4, 3)
    model.fit(X, np.arange(30) % 5)
    assert model.n_classes == 5 and model.W.shape == (4, 5)


def test_loop_weights_equal_vectorised_even_when_probabilities_clip():
    """Large logits (|z| ~ 40): the loop clips a only inside its log, so the updates still agree."""
    data = np.random.default_rng(1)
    x1, x2 = data.normal(size=40), data.normal(size=40)
    y = (x1 + x2 > 0).astype(int)
    w1, w2, b, _ = fit_logistic_loop(x1, x2, y, lr=5.0, epochs=300, rng=np.random.default_rng(3))
    model = LogisticRegression(lr=5.0, epochs=300, rng=np.random.default_rng(3)).fit(np.column_stack([x1, x2]), y)
    assert np.abs(model.logits(np.column_stack([x1, x2]))).max() > 16  # some probabilities do clip
    assert_close("w1, w2, b", [w1, w2, b], [*model.W, model.b], rtol=1e-9, atol=1e-9)


def test_label_errors_print_plain_values():
    with pytest.raises(ValueError, match=r"got 2$"):
        LogisticRegression().fit(np.ones((3, 2)), np.array([0, 1, 2]))


def test_non_finite_cost_before_training_is_reported_as_such():
    from dlnotes.optim import check_diverged

    with pytest.raises(DivergenceError, match="before training starts") as info:
        check_diverged(float("inf"), float("inf"), 0, 0.1, {"cost": [float("inf")]})
    assert info.value.epoch == 0


# ------------------------------------------------ issue 14: hostile input


@pytest.mark.parametrize("cls", [LogisticRegression, SoftmaxRegression])
def test_score_rejects_labels_of_the_wrong_shape(cls):
    model = cls(epochs=2, rng=np.random.default_rng(0)).fit(X5, Y5)
    assert model.score(X5, Y5) == np.mean(model.predict(X5) == Y5)  # valid labels: unchanged
    for y, shape in [(Y5[:, None], r"\(5, 1\)"), (None, r"\(\)"), (Y5[:4], r"\(4,\)")]:
        with pytest.raises(ValueError, match=rf"y must have shape \(5,\), one label per row of X, got {shape}"):
            model.score(X5, y)


def test_score_rejects_labels_the_model_cannot_predict():
    with pytest.raises(ValueError, match=r"binary labels y must be 0 or 1, got 2"):
        LogisticRegression(epochs=2, rng=np.random.default_rng(0)).fit(X5, Y5).score(X5, Y5 * 2)
    softmax = SoftmaxRegression(epochs=2, rng=np.random.default_rng(0)).fit(X5, Y5)
    with pytest.raises(ValueError, match=r"label 5 in y is outside the classes 0\.\.1"):
        softmax.score(X5, Y5 + 5)
    with pytest.raises(TypeError, match=r"class labels y must be integers"):
        softmax.score(X5, Y5.astype(float))
    assert softmax.n_classes == 2  # scoring does not recount the classes


def test_loop_rejects_nan_inf_and_empty_input():
    x1, x2, y = np.array([0.1, np.nan]), np.array([0.3, 0.4]), np.array([0, 1])
    with pytest.raises(ValueError, match=r"\(x1, x2\) contains NaN or inf"):
        fit_logistic_loop(x1, x2, y, lr=0.1, epochs=3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"\(x1, x2\) contains NaN or inf"):
        fit_logistic_loop(x2, [np.inf, 0.0], y, lr=0.1, epochs=3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"\(x1, x2\) has no examples"):
        fit_logistic_loop([], [], [], lr=0.1, epochs=3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"x1, x2 and y must all have shape \(m,\), got \(2,\), \(2,\), \(\)"):
        fit_logistic_loop(x2, x2, None, lr=0.1, epochs=3, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match=r"x1 must be a real numeric array-like"):
        fit_logistic_loop(["a", "b"], x2, y, lr=0.1, epochs=3, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match=r"rng must be a numpy.random.Generator"):
        fit_logistic_loop(x2, x2, y, lr=0.1, epochs=3, rng=1)


@pytest.mark.parametrize("lr, epochs", [(1e6, 20), (1e6, 1), (1e3, 5), (50.0, 20)])
def test_loop_raises_divergence_error_where_the_class_does(lr, epochs):
    """Same data, same rng: the loop diverges at the epoch the class does, with the class's costs attached."""
    data = np.random.default_rng(2)
    x1, x2 = data.normal(size=40) * 2, data.normal(size=40) * 2
    y = (x1 + data.normal(size=40) > 0).astype(int)
    with pytest.raises(DivergenceError) as by_class:
        LogisticRegression(lr=lr, epochs=epochs, rng=np.random.default_rng(0)).fit(np.column_stack([x1, x2]), y)
    with pytest.raises(DivergenceError, match=re.escape(f"learning rate lr={lr:g}")) as by_loop:
        fit_logistic_loop(x1, x2, y, lr=lr, epochs=epochs, rng=np.random.default_rng(0))
    assert by_loop.value.epoch == by_class.value.epoch and by_loop.value.lr == lr
    assert_close("cost history", by_loop.value.history["cost"], by_class.value.history["cost"], rtol=1e-9, atol=0)


def test_constructor_checks_rng():
    for cls in (LogisticRegression, SoftmaxRegression):
        for bad in (1, "0", np.random.RandomState(0)):
            with pytest.raises(TypeError, match=r"rng must be a numpy.random.Generator .*got "):
                cls(rng=bad)
        assert cls().rng is None  # None still means fresh, unseeded weights at each fit


@pytest.mark.parametrize(
    "threshold, exc, pattern",
    [
        (float("nan"), ValueError, r"threshold must be finite, got nan"),
        (float("inf"), ValueError, r"threshold must be finite, got inf"),
        (1.5, ValueError, r"threshold must be a probability in \[0, 1\], got 1\.5"),
        (-0.1, ValueError, r"threshold must be a probability in \[0, 1\], got -0\.1"),
        ("0.5", TypeError, r"threshold must be a real number, got '0\.5'"),
        (None, TypeError, r"threshold must be a real number, got None"),
    ],
)
def test_predict_threshold_must_be_a_probability(threshold, exc, pattern):
    model = LogisticRegression(epochs=2, rng=np.random.default_rng(0)).fit(X5, Y5)
    with pytest.raises(exc, match=pattern):
        model.predict(X5, threshold=threshold)


def test_predict_thresholds_at_the_ends_of_the_range():
    model = LogisticRegression(epochs=2, rng=np.random.default_rng(0)).fit(X5, Y5)
    assert model.predict(X5, threshold=0).tolist() == [1] * 5
    assert_close("threshold 0.3", model.predict(X5, threshold=np.float32(0.3)), (model.predict_proba(X5) >= 0.3).astype(int))


# --------------------------------------------------- the pure functions (issue 13)
FD_TOL = 1e-6  # centred finite differences, float64
PURE = {  # name: (function, C or None for the binary model)
    "logistic": (logistic_cost_and_gradients, None),
    "softmax": (softmax_cost_and_gradients, 4),
}


def pure_problem(rng, kind, n=11, d=5, dtype=np.float64):
    """(W, b, X, y) with non-zero weights and bias, logits of moderate size."""
    c = PURE[kind][1]
    X = (rng.standard_normal((n, d)) * 1.5).astype(dtype)
    if c is None:
        return rng.normal(0, 0.7, d).astype(dtype), 0.37, X, rng.integers(0, 2, n)
    y = rng.integers(0, c, n)
    y[:c] = np.arange(min(n, c))  # every class present when n allows
    return rng.normal(0, 0.7, (d, c)).astype(dtype), rng.normal(0, 0.5, c).astype(dtype), X, y


@pytest.mark.parametrize("kind", PURE)
@pytest.mark.parametrize("n, d", [(1, 1), (7, 3), (11, 5)])
def test_pure_gradients_match_finite_differences(rng, kind, n, d):
    fn = PURE[kind][0]
    W, b, X, y = pure_problem(rng, kind, n, d)
    cost, dW, db = fn(W, b, X, y)
    assert isinstance(cost, float) and dW.shape == np.shape(W) and np.shape(db) == np.shape(b)
    want_W = numerical_grad(lambda W_: fn(W_, b, X, y)[0], W.copy())
    want_b = numerical_grad(lambda b_: fn(W, b_ if b_.ndim else float(b_), X, y)[0], np.array(b, dtype=np.float64))
    assert rel_error(dW, want_W) < FD_TOL, f"{kind} dW vs finite differences: {rel_error(dW, want_W):.2e}"
    assert rel_error(db, want_b) < FD_TOL, f"{kind} db vs finite differences: {rel_error(db, want_b):.2e}"


@pytest.mark.parametrize("dtype, tol", [(np.float32, dict(rtol=1e-5, atol=1e-6)), (np.float64, dict(rtol=1e-10, atol=1e-14))],
                         ids=["float32", "float64"])
@pytest.mark.parametrize("kind", PURE)
def test_pure_functions_match_keras(tf, rng, kind, dtype, tol):
    fn, c = PURE[kind]
    W, b, X, y = pure_problem(rng, kind, dtype=dtype)
    cost, dW, db = fn(W, b, X, y)
    name = np.dtype(dtype).name
    kernel, bias = tf.Variable(W if c else W[:, None]), tf.Variable(np.array(b if c else [b], dtype=dtype))
    with tf.GradientTape() as tape:
        z = tf.constant(X) @ kernel + bias
        if c:
            loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype=name)(y, z)
        else:
            loss = tf.keras.losses.BinaryCrossentropy(from_logits=True, dtype=name)(y.astype(dtype), z[:, 0])
    gW, gb = tape.gradient(loss, [kernel, bias])
    assert_close(f"{kind} {name} cost", cost, loss.numpy(), **tol)
    assert_close(f"{kind} {name} dW", dW, gW.numpy() if c else gW.numpy()[:, 0], check_dtype=True, **tol)
    assert_close(f"{kind} {name} db", db, gb.numpy() if c else gb.numpy()[0], **tol)


@pytest.mark.parametrize("kind, cls", [("logistic", LogisticRegression), ("softmax", SoftmaxRegression)])
def test_the_classes_wrap_the_pure_functions(rng, kind, cls):
    fn = PURE[kind][0]
    W, b, X, y = pure_problem(rng, kind)
    model = cls()
    model.W, model.b = W, b
    got, want = model.gradients(X, y), fn(W, b, X, y)
    for part, g, w in zip(("cost", "dW", "db"), got, want):
        assert_close(f"{kind}: model.gradients {part}", g, w, rtol=0, atol=0)
    assert model.cost(X, y) == want[0]

    # fit is gradient_descent from Xavier-normal weights and zero biases, to the last bit.
    from dlnotes.initializers import xavier_normal

    fitted = cls(lr=0.3, epochs=7, rng=np.random.default_rng(4)).fit(X, y)
    c = PURE[kind][1]
    W0 = xavier_normal(X.shape[1], c or 1, np.random.default_rng(4))
    W0, b0 = (W0, np.zeros(c)) if c else (W0[:, 0], 0.0)
    before = (W0.copy(), np.copy(b0), X.copy(), y.copy())
    W1, b1, history = gradient_descent(fn, W0, b0, X, y, lr=0.3, epochs=7)
    for name, a, z in zip(("W0", "b0", "X", "y"), before, (W0, b0, X, y)):
        assert_close(f"gradient_descent leaves {name} alone", z, a, rtol=0, atol=0)
    assert_close(f"{kind}: fit W", fitted.W, W1, rtol=0, atol=0)
    assert_close(f"{kind}: fit b", fitted.b, b1, rtol=0, atol=0)
    assert fitted.history == history and len(history["cost"]) == 8


def test_gradient_descent_steps_against_the_gradient(rng):
    W, b, X, y = pure_problem(rng, "logistic")
    cost, dW, db = logistic_cost_and_gradients(W, b, X, y)
    W1, b1, history = gradient_descent(logistic_cost_and_gradients, W, b, X, y, lr=0.25, epochs=1)
    assert_close("one step: W", W1, W - 0.25 * dW, rtol=0, atol=0)
    assert_close("one step: b", b1, b - 0.25 * db, rtol=0, atol=0)
    assert history["cost"] == [cost, logistic_cost_and_gradients(W1, b1, X, y)[0]]


def test_gradient_descent_raises_divergence_error_with_the_costs_so_far(rng):
    W, b, X, y = pure_problem(rng, "logistic")
    with pytest.raises(DivergenceError, match=r"diverged in epoch 1 with learning rate lr=1e\+06") as info:
        gradient_descent(logistic_cost_and_gradients, W, b, X * 100, y, lr=1e6, epochs=10)
    assert info.value.epoch == 1 and len(info.value.history["cost"]) == 2


W3, X3, Y3 = np.array([0.5, -0.5]), np.arange(6.0).reshape(3, 2) / 6, np.array([0, 1, 1])


@pytest.mark.parametrize(
    "call, exc, pattern",
    [
        pytest.param(lambda: logistic_cost_and_gradients(W3[:1], 0.0, X3, Y3), ValueError,
                     r"expected W \(D,\) and b a number with D = 2, the features of X; got W \(1,\) and b \(\)", id="W-length"),
        pytest.param(lambda: logistic_cost_and_gradients(W3, [0.0, 0.0], X3, Y3), ValueError,
                     r"expected W \(D,\) and b a number .*got W \(2,\) and b \(2,\)", id="b-vector"),
        pytest.param(lambda: logistic_cost_and_gradients("W", 0.0, X3, Y3), TypeError, r"W must be a real numeric", id="W-string"),
        pytest.param(lambda: logistic_cost_and_gradients(W3, None, X3, Y3), TypeError, r"b must be a real numeric", id="b-None"),
        pytest.param(lambda: logistic_cost_and_gradients(W3, 0.0, X3[:, :1], Y3), ValueError, r"D = 1, the features of X", id="X-features"),
        pytest.param(lambda: logistic_cost_and_gradients(W3, 0.0, X3 * np.nan, Y3), ValueError, r"X contains NaN or inf", id="X-nan"),
        pytest.param(lambda: logistic_cost_and_gradients(W3, 0.0, X3, Y3 + 1), ValueError, r"binary labels y must be 0 or 1, got 2", id="y-2"),
        pytest.param(lambda: logistic_cost_and_gradients(W3, 0.0, X3, Y3[:2]), ValueError, r"y must have shape \(3,\)", id="y-short"),
        pytest.param(lambda: softmax_cost_and_gradients(W3, np.zeros(2), X3, Y3), ValueError,
                     r"expected W \(D, C\) and b \(C,\) with D = 2.*got W \(2,\) and b \(2,\)", id="softmax-W-1d"),
        pytest.param(lambda: softmax_cost_and_gradients(np.ones((2, 3)), np.zeros(2), X3, Y3), ValueError,
                     r"expected W \(D, C\) and b \(C,\).*got W \(2, 3\) and b \(2,\)", id="softmax-b-length"),
        pytest.param(lambda: softmax_cost_and_gradients(np.ones((2, 2)), np.zeros(2), X3, Y3 * 2), ValueError,
                     r"label 2 in y is outside the classes 0\.\.1", id="softmax-label-C"),
        pytest.param(lambda: softmax_cost_and_gradients(np.ones((2, 2)), np.zeros(2), X3, Y3 / 2), TypeError,
                     r"class labels y must be integers", id="softmax-float-labels"),
        pytest.param(lambda: gradient_descent(None, W3, 0.0, X3, Y3, 0.1, 3), TypeError,
                     r"cost_and_gradients must be callable .*got None", id="gd-not-callable"),
        pytest.param(lambda: gradient_descent(logistic_cost_and_gradients, W3, 0.0, X3, Y3, 0, 3), ValueError,
                     r"lr must be a positive number, got 0", id="gd-lr-0"),
        pytest.param(lambda: gradient_descent(logistic_cost_and_gradients, W3, 0.0, X3, Y3, 0.1, 0), ValueError,
                     r"epochs must be a positive integer, got 0", id="gd-epochs-0"),
    ],
)
def test_pure_functions_name_bad_arguments(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def test_divergence_error_lives_in_optim_only():
    import dlnotes.logistic as logistic
    from dlnotes import optim

    assert "DivergenceError" not in logistic.__all__ and "DivergenceError" in optim.__all__
