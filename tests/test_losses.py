"""Tests for dlnotes.losses (and the weight gradients of dlnotes.logistic's models).

Two independent proofs (STYLE.md habit 8): every cost equals its
``tf.keras.losses`` counterpart, in float32 and float64, on random and extreme
inputs; every ``*_grad`` equals ``tf.GradientTape`` of the Keras loss and
centred finite differences in float64. Then the gradients with respect to
weights and bias of ``LogisticRegression`` and ``SoftmaxRegression`` against a
Keras ``Dense`` layer, and the errors that name the bad argument.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import assert_close, numerical_grad, rel_error

from dlnotes import losses as L
from dlnotes.activations import softmax
from dlnotes.logistic import LogisticRegression, SoftmaxRegression

DTYPES = [np.float32, np.float64]
# float32: TensorFlow's float32 kernels and a different summation order.
# float64: both sides compute the same formula; only rounding differs.
TOL = {
    np.float32: dict(rtol=1e-5, atol=1e-5),
    np.float64: dict(rtol=1e-12, atol=1e-14),
}
FD_TOL = 1e-6  # centred finite differences, float64


def keras_loss(tf, name: str, dtype, **kwargs):
    """A ``tf.keras.losses`` object computing in ``dtype`` (Keras casts inputs to its own dtype)."""
    return getattr(tf.keras.losses, name)(dtype=np.dtype(dtype).name, **kwargs)


def tape_grad(tf, loss, y_true, x) -> np.ndarray:
    """d loss(y_true, x) / d x by tf.GradientTape, in the dtype of ``x``."""
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        value = loss(tf.constant(y_true), xt)
    return tape.gradient(value, xt).numpy()


def one_hot(labels, c, dtype=np.float64) -> np.ndarray:
    return np.eye(c, dtype=dtype)[labels]


def random_probs(rng, n, c) -> np.ndarray:
    """(n, c) rows that are distributions, every entry comfortably inside (0, 1)."""
    return softmax(rng.standard_normal((n, c)), axis=1)


class no_warnings(warnings.catch_warnings):
    """Turn every warning (numpy's overflow / divide / invalid included) into an error."""

    def __enter__(self):
        out = super().__enter__()
        warnings.simplefilter("error")
        return out


# ------------------------------------------------------------------ binary


BINARY_SHAPES = [(1,), (7,), (5, 3)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", BINARY_SHAPES)
@pytest.mark.parametrize("soft", [False, True], ids=["hard", "soft"])
def test_binary_cross_entropy_matches_keras(tf, rng, dtype, shape, soft):
    y = rng.random(shape) if soft else rng.integers(0, 2, shape)
    y = y.astype(dtype)
    p = rng.uniform(0.01, 0.99, shape).astype(dtype)
    want = keras_loss(tf, "BinaryCrossentropy", dtype)(y, p).numpy()
    assert_close(f"bce {shape} {np.dtype(dtype).name}", L.binary_cross_entropy(y, p), want, **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_cross_entropy_at_probabilities_0_and_1_is_finite_like_keras(tf, dtype):
    # Confidently wrong (p = 0 with y = 1, p = 1 with y = 0) costs -log(1e-7) each, not inf.
    y = np.array([0, 0, 1, 1, 1, 0, 0.3, 0.7], dtype=dtype)
    p = np.array([0, 1, 0, 1, 1e-9, 1 - 1e-9, 0.0, 1.0], dtype=dtype)
    with no_warnings():
        got = L.binary_cross_entropy(y, p)
    want = keras_loss(tf, "BinaryCrossentropy", dtype)(y, p).numpy()
    assert np.isfinite(got), f"bce at p in {{0, 1}} must be finite, got {got}"
    assert_close(f"bce extremes {np.dtype(dtype).name}", got, want, **TOL[dtype])
    # The worst single example costs -log(EPSILON) = 16.1 (float64).
    worst = L.binary_cross_entropy(np.array([1.0]), np.array([0.0]))
    assert_close("bce(y=1, p=0)", worst, -np.log(L.EPSILON), rtol=1e-12, atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", BINARY_SHAPES)
@pytest.mark.parametrize("soft", [False, True], ids=["hard", "soft"])
def test_binary_cross_entropy_from_logits_matches_keras(tf, rng, dtype, shape, soft):
    y = (rng.random(shape) if soft else rng.integers(0, 2, shape)).astype(dtype)
    z = (rng.standard_normal(shape) * 4).astype(dtype)
    want = keras_loss(tf, "BinaryCrossentropy", dtype, from_logits=True)(y, z).numpy()
    assert_close(f"bce logits {shape}", L.binary_cross_entropy_from_logits(y, z), want, **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_cross_entropy_from_logits_at_1e4_is_exact_and_quiet(tf, dtype):
    y = np.array([1, 0, 1, 0, 0.5, 1, 0], dtype=dtype)
    z = np.array([1e4, -1e4, -1e4, 1e4, 1e4, 0.0, 30.0], dtype=dtype)
    with no_warnings():
        got = L.binary_cross_entropy_from_logits(y, z)
        grad = L.binary_cross_entropy_from_logits_grad(y, z)
    want = keras_loss(tf, "BinaryCrossentropy", dtype, from_logits=True)(y, z).numpy()
    assert np.isfinite(got) and np.all(np.isfinite(grad))
    # Wrong by 1e4 costs 1e4 (not clipped at 16 as probabilities would be).
    assert_close(f"bce logits ±1e4 {np.dtype(dtype).name}", got, want, **TOL[dtype])
    assert_close("bce logits ±1e4 by hand", got, (0 + 0 + 1e4 + 1e4 + 5e3 + np.log(2) + 30.0) / 7, rtol=1e-6, atol=0)


# -------------------------------------------------------------- categorical


CAT_SHAPES = [(1, 2), (6, 3), (9, 5)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n, c", CAT_SHAPES)
def test_categorical_cross_entropy_one_hot_and_labels_match_keras(tf, rng, dtype, n, c):
    labels = rng.integers(0, c, n)
    p = random_probs(rng, n, c).astype(dtype)
    y = one_hot(labels, c, dtype)
    want = keras_loss(tf, "CategoricalCrossentropy", dtype)(y, p).numpy()
    want_sparse = keras_loss(tf, "SparseCategoricalCrossentropy", dtype)(labels, p).numpy()
    name = f"cce ({n}, {c}) {np.dtype(dtype).name}"
    assert_close(f"{name} one-hot", L.categorical_cross_entropy(y, p), want, **TOL[dtype])
    assert_close(f"{name} labels", L.categorical_cross_entropy(labels, p), want_sparse, **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_categorical_cross_entropy_soft_labels_match_keras(tf, rng, dtype):
    y = rng.dirichlet(np.ones(4), size=6).astype(dtype)
    p = random_probs(rng, 6, 4).astype(dtype)
    want = keras_loss(tf, "CategoricalCrossentropy", dtype)(y, p).numpy()
    assert_close("cce soft labels", L.categorical_cross_entropy(y, p), want, **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_categorical_cross_entropy_at_probabilities_0_and_1_is_finite_like_keras(tf, dtype):
    p = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0.5, 0.5, 0], [1, 0, 0]], dtype=dtype)
    labels = np.array([0, 0, 2, 2, 1])
    with no_warnings():
        got_onehot = L.categorical_cross_entropy(one_hot(labels, 3, dtype), p)
        got_sparse = L.categorical_cross_entropy(labels, p)
    want = keras_loss(tf, "CategoricalCrossentropy", dtype)(one_hot(labels, 3, dtype), p).numpy()
    want_sparse = keras_loss(tf, "SparseCategoricalCrossentropy", dtype)(labels, p).numpy()
    assert np.isfinite(got_onehot) and np.isfinite(got_sparse)
    assert_close("cce extremes one-hot", got_onehot, want, **TOL[dtype])
    # Keras' sparse form clips without renormalising (log-sum of clipped row is log(1 + 2e-7)):
    # an absolute difference of ~1e-7 on a cost of ~10.
    assert_close("cce extremes labels", got_sparse, want_sparse, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n, c", CAT_SHAPES)
def test_categorical_cross_entropy_from_logits_matches_keras(tf, rng, dtype, n, c):
    labels = rng.integers(0, c, n)
    z = (rng.standard_normal((n, c)) * 3).astype(dtype)
    y = one_hot(labels, c, dtype)
    want = keras_loss(tf, "CategoricalCrossentropy", dtype, from_logits=True)(y, z).numpy()
    want_sparse = keras_loss(tf, "SparseCategoricalCrossentropy", dtype, from_logits=True)(labels, z).numpy()
    assert_close("cce logits one-hot", L.categorical_cross_entropy_from_logits(y, z), want, **TOL[dtype])
    assert_close("cce logits labels", L.categorical_cross_entropy_from_logits(labels, z), want_sparse, **TOL[dtype])
    soft = rng.dirichlet(np.ones(c), size=n).astype(dtype)
    want_soft = keras_loss(tf, "CategoricalCrossentropy", dtype, from_logits=True)(soft, z).numpy()
    assert_close("cce logits soft", L.categorical_cross_entropy_from_logits(soft, z), want_soft, **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_categorical_cross_entropy_from_logits_at_1e4_is_exact_and_quiet(tf, dtype):
    z = np.array([[1e4, -1e4, 0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4], [0, 1e4, -1e4]], dtype=dtype)
    labels = np.array([1, 2, 0, 1])
    with no_warnings():
        got = L.categorical_cross_entropy_from_logits(labels, z)
        grad = L.categorical_cross_entropy_from_logits_grad(labels, z)
    want = keras_loss(tf, "SparseCategoricalCrossentropy", dtype, from_logits=True)(labels, z).numpy()
    assert np.isfinite(got) and np.all(np.isfinite(grad))
    assert_close("cce logits ±1e4", got, want, **TOL[dtype])
    assert_close("cce logits ±1e4 by hand", got, (2e4 + np.log(3) + np.log(2) + 0) / 4, rtol=1e-6, atol=0)


# ---------------------------------------------------------------- gradients


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", BINARY_SHAPES)
def test_binary_cross_entropy_grad_matches_tape(tf, rng, dtype, shape):
    y = rng.random(shape).astype(dtype)
    y.flat[0] = 1.0
    p = rng.uniform(0.05, 0.95, shape).astype(dtype)  # away from the clip bounds
    want = tape_grad(tf, keras_loss(tf, "BinaryCrossentropy", dtype), y, p)
    got = L.binary_cross_entropy_grad(y, p)
    assert_close(f"bce grad {shape}", got, want, check_dtype=True, **TOL[dtype])


def test_binary_cross_entropy_grad_is_zero_where_clipped_like_tape(tf):
    y = np.array([0.0, 1.0, 0.0, 1.0, 0.4])
    p = np.array([0.0, 0.0, 1.0, 1.0, 0.5])
    got = L.binary_cross_entropy_grad(y, p)
    want = tape_grad(tf, keras_loss(tf, "BinaryCrossentropy", np.float64), y, p)
    assert_close("bce grad at p in {0, 1}", got, want, rtol=1e-12, atol=0)
    assert_close("bce grad clipped entries", got[:4], np.zeros(4), rtol=0, atol=0)


@pytest.mark.parametrize("shape", BINARY_SHAPES)
def test_binary_cross_entropy_grad_matches_finite_differences(rng, shape):
    y = rng.random(shape)
    p = rng.uniform(0.05, 0.95, shape)
    num = numerical_grad(lambda q: L.binary_cross_entropy(y, q), p)
    err = rel_error(L.binary_cross_entropy_grad(y, p), num)
    assert err < FD_TOL, f"bce grad vs finite differences: rel error {err:.2e}"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", BINARY_SHAPES)
def test_binary_cross_entropy_from_logits_grad_matches_tape(tf, rng, dtype, shape):
    y = rng.random(shape).astype(dtype)
    z = (rng.standard_normal(shape) * 4).astype(dtype)
    z.flat[0] = 1e4
    want = tape_grad(tf, keras_loss(tf, "BinaryCrossentropy", dtype, from_logits=True), y, z)
    got = L.binary_cross_entropy_from_logits_grad(y, z)
    assert_close(f"bce logits grad {shape}", got, want, check_dtype=True, **TOL[dtype])


@pytest.mark.parametrize("shape", BINARY_SHAPES)
def test_binary_cross_entropy_from_logits_grad_matches_finite_differences(rng, shape):
    y = rng.random(shape)
    z = rng.standard_normal(shape) * 4
    num = numerical_grad(lambda q: L.binary_cross_entropy_from_logits(y, q), z)
    err = rel_error(L.binary_cross_entropy_from_logits_grad(y, z), num)
    assert err < FD_TOL, f"bce logits grad vs finite differences: rel error {err:.2e}"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n, c", CAT_SHAPES)
def test_categorical_cross_entropy_from_logits_grad_matches_tape(tf, rng, dtype, n, c):
    labels = rng.integers(0, c, n)
    z = (rng.standard_normal((n, c)) * 3).astype(dtype)
    z[0, 0] = -1e4
    y = one_hot(labels, c, dtype)
    want = tape_grad(tf, keras_loss(tf, "CategoricalCrossentropy", dtype, from_logits=True), y, z)
    want_sparse = tape_grad(tf, keras_loss(tf, "SparseCategoricalCrossentropy", dtype, from_logits=True), labels, z)
    assert_close("cce logits grad one-hot", L.categorical_cross_entropy_from_logits_grad(y, z), want,
                 check_dtype=True, **TOL[dtype])
    assert_close("cce logits grad labels", L.categorical_cross_entropy_from_logits_grad(labels, z), want_sparse,
                 check_dtype=True, **TOL[dtype])


@pytest.mark.parametrize("n, c", CAT_SHAPES)
def test_categorical_cross_entropy_from_logits_grad_matches_finite_differences(rng, n, c):
    labels = rng.integers(0, c, n)
    soft = rng.dirichlet(np.ones(c), size=n)
    z = rng.standard_normal((n, c)) * 3
    for name, y in (("labels", labels), ("soft", soft)):
        num = numerical_grad(lambda q: L.categorical_cross_entropy_from_logits(y, q), z)
        err = rel_error(L.categorical_cross_entropy_from_logits_grad(y, z), num)
        assert err < FD_TOL, f"cce logits grad ({name}) vs finite differences: rel error {err:.2e}"


# ------------------------------------------- gradients w.r.t. weights and bias


def _dense(tf, units, W, b, X):
    layer = tf.keras.layers.Dense(units, dtype="float64")
    layer.build((None, X.shape[1]))
    layer.kernel.assign(W)
    layer.bias.assign(b)
    return layer


def _model_fd(model, X, y, which: str) -> np.ndarray:
    """Finite-difference gradient of model.cost(X, y) w.r.t. model.W or model.b."""
    if which == "W":
        W0 = model.W.copy()

        def f(W):
            model.W = W
            return model.cost(X, y)

        try:
            return numerical_grad(f, W0)
        finally:
            model.W = W0
    b0 = model.b
    scalar = np.ndim(b0) == 0

    def g(b):
        model.b = float(b[0]) if scalar else b
        return model.cost(X, y)

    try:
        return numerical_grad(g, np.atleast_1d(np.array(b0, dtype=np.float64)).copy())
    finally:
        model.b = b0


def test_logistic_regression_gradients_match_keras_dense_and_finite_differences(tf, rng):
    n, d = 13, 4
    X = rng.standard_normal((n, d)) * 2
    y = rng.integers(0, 2, n)
    model = LogisticRegression()
    model.W = rng.normal(0, 0.7, d)
    model.b = 0.37
    cost, dW, db = model.gradients(X, y)

    dense = _dense(tf, 1, model.W[:, None], np.array([model.b]), X)
    loss = keras_loss(tf, "BinaryCrossentropy", np.float64, from_logits=True)
    with tf.GradientTape() as tape:
        value = loss(tf.constant(y, tf.float64), dense(tf.constant(X))[:, 0])
    gW, gb = tape.gradient(value, [dense.kernel, dense.bias])
    assert_close("logistic cost vs keras", cost, value.numpy(), rtol=1e-12, atol=0)
    assert_close("logistic dW vs tape", dW, gW.numpy()[:, 0], rtol=1e-10, atol=1e-14)
    assert_close("logistic db vs tape", db, gb.numpy()[0], rtol=1e-10, atol=1e-14)
    assert isinstance(db, float)

    err_W = rel_error(dW, _model_fd(model, X, y, "W"))
    err_b = rel_error([db], _model_fd(model, X, y, "b"))
    assert err_W < FD_TOL, f"logistic dW vs finite differences: rel error {err_W:.2e}"
    assert err_b < FD_TOL, f"logistic db vs finite differences: rel error {err_b:.2e}"


def test_softmax_regression_gradients_match_keras_dense_and_finite_differences(tf, rng):
    n, d, c = 11, 5, 3
    X = rng.standard_normal((n, d)) * 2
    y = rng.integers(0, c, n)
    y[:c] = np.arange(c)
    model = SoftmaxRegression()
    model.W = rng.normal(0, 0.7, (d, c))
    model.b = rng.normal(0, 0.5, c)
    cost, dW, db = model.gradients(X, y)

    dense = _dense(tf, c, model.W, model.b, X)
    loss = keras_loss(tf, "SparseCategoricalCrossentropy", np.float64, from_logits=True)
    with tf.GradientTape() as tape:
        value = loss(tf.constant(y), dense(tf.constant(X)))
    gW, gb = tape.gradient(value, [dense.kernel, dense.bias])
    assert_close("softmax cost vs keras", cost, value.numpy(), rtol=1e-12, atol=0)
    assert_close("softmax dW vs tape", dW, gW.numpy(), rtol=1e-10, atol=1e-14)
    assert_close("softmax db vs tape", db, gb.numpy(), rtol=1e-10, atol=1e-14)

    err_W = rel_error(dW, _model_fd(model, X, y, "W"))
    err_b = rel_error(db, _model_fd(model, X, y, "b"))
    assert err_W < FD_TOL, f"softmax dW vs finite differences: rel error {err_W:.2e}"
    assert err_b < FD_TOL, f"softmax db vs finite differences: rel error {err_b:.2e}"


# ----------------------------------------------------------------- bad input

P2 = np.array([[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]])
Z2 = np.array([[0.2, -1.8], [1.6, 0.4], [0.5, 3.5]])

BAD = [
    # mismatched lengths / shapes
    pytest.param(L.binary_cross_entropy, [0, 1, 1], [0.2, 0.3], ValueError,
                 r"y_true and y_prob must have the same shape.*\(3,\).*\(2,\)", id="bce-lengths"),
    pytest.param(L.binary_cross_entropy_grad, [[0, 1]], [0.2, 0.3], ValueError,
                 r"y_true and y_prob must have the same shape", id="bce-grad-shapes"),
    pytest.param(L.binary_cross_entropy_from_logits, [0, 1], [0.2, 0.3, 4.0], ValueError,
                 r"y_true and logits must have the same shape", id="bce-logits-lengths"),
    pytest.param(L.binary_cross_entropy_from_logits_grad, [0, 1], [[0.2, 0.3]], ValueError,
                 r"y_true and logits must have the same shape", id="bce-logits-grad-shapes"),
    pytest.param(L.categorical_cross_entropy, [0, 1], P2, ValueError,
                 r"y_true must have shape \(3,\), one label per row of y_prob, got \(2,\)", id="cce-lengths"),
    pytest.param(L.categorical_cross_entropy_from_logits, [0, 1, 1, 0], Z2, ValueError,
                 r"y_true must have shape \(3,\), one label per row of logits, got \(4,\)", id="cce-logits-lengths"),
    pytest.param(L.categorical_cross_entropy, np.eye(2), P2, ValueError,
                 r"one-hot y_true must have shape \(3, 2\) like y_prob", id="cce-onehot-shape"),
    pytest.param(L.categorical_cross_entropy_from_logits_grad, np.eye(3), Z2, ValueError,
                 r"one-hot y_true must have shape \(3, 2\) like logits", id="cce-logits-grad-onehot-shape"),
    # probabilities outside [0, 1]
    pytest.param(L.binary_cross_entropy, [0, 1], [0.2, 1.2], ValueError,
                 r"y_prob must hold probabilities in \[0, 1\].*1\.2", id="bce-p-above-1"),
    pytest.param(L.binary_cross_entropy_grad, [0, 1], [-0.1, 0.5], ValueError,
                 r"y_prob must hold probabilities in \[0, 1\].*-0\.1", id="bce-grad-p-negative"),
    pytest.param(L.binary_cross_entropy, [0, 1], [np.nan, 0.5], ValueError,
                 r"y_prob must hold probabilities in \[0, 1\].*nan", id="bce-p-nan"),
    pytest.param(L.categorical_cross_entropy, [0, 1, 1], [[0.2, 0.8], [1.5, -0.5], [0.5, 0.5]], ValueError,
                 r"y_prob must hold probabilities in \[0, 1\]", id="cce-p-outside"),
    # binary labels outside [0, 1]
    pytest.param(L.binary_cross_entropy, [0, 2], [0.2, 0.3], ValueError,
                 r"binary labels y_true must lie in \[0, 1\].*2", id="bce-label-2"),
    pytest.param(L.binary_cross_entropy_from_logits, [-1, 1], [0.2, 0.3], ValueError,
                 r"binary labels y_true must lie in \[0, 1\].*-1", id="bce-logits-label-minus-1"),
    pytest.param(L.binary_cross_entropy_from_logits_grad, [0.5, 1.5], [0.2, 0.3], ValueError,
                 r"binary labels y_true must lie in \[0, 1\].*1\.5", id="bce-logits-grad-label-1.5"),
    # integer labels outside 0..C-1
    pytest.param(L.categorical_cross_entropy, [0, 3, 1], np.full((3, 3), 1 / 3), ValueError,
                 r"label 3 in y_true is outside the classes 0\.\.2", id="cce-label-C"),
    pytest.param(L.categorical_cross_entropy_from_logits, [0, -1, 1], np.zeros((3, 3)) + 0.5, ValueError,
                 r"label -1 in y_true is outside the classes 0\.\.2", id="cce-logits-label-minus-1"),
    pytest.param(L.categorical_cross_entropy_from_logits_grad, [0, 2, 1], Z2, ValueError,
                 r"label 2 in y_true is outside the classes 0\.\.1", id="cce-logits-grad-label-C"),
    # non-integral float labels for the integer-label form
    pytest.param(L.categorical_cross_entropy, [0.0, 1.5, 1.0], P2, TypeError,
                 r"class labels y_true must be integers, got dtype float64", id="cce-float-labels"),
    pytest.param(L.categorical_cross_entropy_from_logits, [0.0, 0.5, 1.0], Z2, TypeError,
                 r"class labels y_true must be integers", id="cce-logits-float-labels"),
    pytest.param(L.categorical_cross_entropy_from_logits_grad, [0.0, np.nan, 1.0], Z2, TypeError,
                 r"class labels y_true must be integers", id="cce-logits-grad-nan-label"),
    # one-hot rows that are not distributions
    pytest.param(L.categorical_cross_entropy, [[1, 0], [1, 1], [0, 1]], P2, ValueError,
                 r"each row of one-hot y_true must be non-negative and sum to 1", id="cce-onehot-sum-2"),
    pytest.param(L.categorical_cross_entropy_from_logits, [[1, 0], [0, 0], [0, 1]], Z2, ValueError,
                 r"each row of one-hot y_true must be non-negative and sum to 1", id="cce-logits-onehot-sum-0"),
    pytest.param(L.categorical_cross_entropy_from_logits_grad, [[1, 0], [1.5, -0.5], [0, 1]], Z2, ValueError,
                 r"each row of one-hot y_true must be non-negative", id="cce-logits-grad-negative-onehot"),
    # y_prob / logits not 2-D for categorical
    pytest.param(L.categorical_cross_entropy, [0, 1], [0.3, 0.7], ValueError,
                 r"y_prob must be 2-D \(N examples, C classes\), got shape \(2,\)", id="cce-p-1d"),
    pytest.param(L.categorical_cross_entropy_from_logits, [0], np.zeros((1, 2, 2)), ValueError,
                 r"logits must be 2-D \(N examples, C classes\), got shape \(1, 2, 2\)", id="cce-logits-3d"),
    pytest.param(L.categorical_cross_entropy, np.zeros((3, 2, 1)), P2, ValueError,
                 r"y_true must be labels of shape \(N,\) or one-hot of shape \(N, C\)", id="cce-y-3d"),
    # empty inputs
    pytest.param(L.binary_cross_entropy, [], [], ValueError, r"y_true is empty", id="bce-empty"),
    pytest.param(L.binary_cross_entropy_from_logits_grad, np.zeros((0, 3)), np.zeros((0, 3)), ValueError,
                 r"y_true is empty", id="bce-logits-grad-empty"),
    pytest.param(L.categorical_cross_entropy, np.zeros(0, int), np.zeros((0, 3)), ValueError,
                 r"y_true is empty", id="cce-empty"),
    pytest.param(L.categorical_cross_entropy_from_logits, np.zeros((0, 3)), np.zeros((0, 3)), ValueError,
                 r"y_true is empty", id="cce-logits-empty"),
    pytest.param(L.binary_cross_entropy, 1.0, 0.5, ValueError,
                 r"y_prob must hold at least one example, got a scalar", id="bce-scalar"),
    # not numbers at all
    pytest.param(L.binary_cross_entropy, [0, 1], ["a", "b"], TypeError,
                 r"y_prob must be a real numeric array-like", id="bce-p-strings"),
    pytest.param(L.binary_cross_entropy_from_logits, ["0", "1"], [0.1, 0.2], TypeError,
                 r"y_true must be a real numeric array-like", id="bce-y-strings"),
    pytest.param(L.categorical_cross_entropy_from_logits, [0, 1, 1], [[1, 2], [3]], TypeError,
                 r"logits must be a numeric array-like", id="cce-logits-ragged"),
]


@pytest.mark.parametrize("fn, y_true, second, exc, pattern", BAD)
def test_bad_input_raises_naming_the_argument(fn, y_true, second, exc, pattern):
    with pytest.raises(exc, match=pattern):
        fn(y_true, second)


def test_integral_float_labels_are_accepted_as_integers(rng):
    z = rng.standard_normal((4, 3))
    labels = np.array([0, 2, 1, 2])
    assert_close("float labels", L.categorical_cross_entropy_from_logits(labels.astype(float), z),
                 L.categorical_cross_entropy_from_logits(labels, z), rtol=0, atol=0)


def test_categorical_cross_entropy_renormalises_rows_like_keras(tf, rng):
    # Rows that do not sum to 1 are divided by their sum first (as Keras' CategoricalCrossentropy).
    p = rng.uniform(0.05, 1.0, (5, 4))
    assert np.all(np.abs(p.sum(axis=1) - 1) > 0.1)
    y = one_hot(rng.integers(0, 4, 5), 4)
    want = keras_loss(tf, "CategoricalCrossentropy", np.float64)(y, p).numpy()
    assert_close("cce unnormalised rows", L.categorical_cross_entropy(y, p), want, **TOL[np.float64])
    assert_close("cce unnormalised rows = normalised", L.categorical_cross_entropy(y, p),
                 L.categorical_cross_entropy(y, p / p.sum(axis=1, keepdims=True)), rtol=1e-14, atol=0)


def test_logit_gradient_keeps_the_logits_dtype():
    from dlnotes.losses import binary_cross_entropy_from_logits_grad

    grad = binary_cross_entropy_from_logits_grad(np.array([0, 1]), np.array([0.5, -1.0], dtype=np.float32))
    assert grad.dtype == np.float32


def test_error_messages_print_plain_numbers():
    from dlnotes.losses import binary_cross_entropy

    with pytest.raises(ValueError, match=r"got 1\.5$"):
        binary_cross_entropy([1.5, 0.0], [0.5, 0.5])
    with pytest.raises(ValueError, match=r"got 1\.2$"):
        binary_cross_entropy([1.0, 0.0], [1.2, 0.5])


# ------------------------------------------------- -inf logits and zero rows (issue 14)


@pytest.mark.parametrize("dtype", DTYPES)
def test_categorical_cross_entropy_from_logits_with_minus_inf_matches_sparse_keras(tf, dtype):
    # Issue 14: [[0, -inf]] with label 0 gave NaN (0 * -inf); TensorFlow's sparse loss gives 0.
    cases = [
        (np.array([[0, -np.inf]], dtype=dtype), [0], 0.0),
        (np.array([[2, -np.inf, 1]], dtype=dtype), [2], 1 + np.log1p(np.exp(-1.0))),
        (np.array([[1, -np.inf, -np.inf], [-np.inf, 0, -np.inf]], dtype=dtype), [0, 1], 0.0),
        (np.array([[-np.inf, 0]], dtype=dtype), [0], np.inf),  # the target has probability 0
        (np.array([[0, -np.inf], [3, 1]], dtype=dtype), [0, 0], np.log1p(np.exp(-2.0)) / 2),
    ]
    for z, labels, by_hand in cases:
        labels = np.array(labels)
        with no_warnings():
            got = L.categorical_cross_entropy_from_logits(labels, z)
            got_onehot = L.categorical_cross_entropy_from_logits(one_hot(labels, z.shape[1], dtype), z)
            grad = L.categorical_cross_entropy_from_logits_grad(labels, z)
        want = keras_loss(tf, "SparseCategoricalCrossentropy", dtype, from_logits=True)(labels, z).numpy()
        name = f"cce logits {z.tolist()} labels {labels.tolist()}"
        assert_close(name, got, want, **TOL[dtype])
        assert_close(f"{name} by hand", got, by_hand, rtol=1e-6, atol=1e-7)
        assert_close(f"{name} one-hot", got_onehot, got, rtol=0, atol=0)
        assert np.all(np.isfinite(grad))
        assert_close(f"{name} grad", grad, (softmax(z, axis=1) - one_hot(labels, z.shape[1])) / len(labels),
                     rtol=0, atol=0)


def test_categorical_cross_entropy_from_logits_soft_labels_ignore_minus_inf_of_zero_weight():
    z = np.array([[0.5, -np.inf, -1.0]])
    soft = np.array([[0.25, 0.0, 0.75]])
    finite = np.array([[0.5, -1e300, -1.0]])  # the same cost: exp(-1e300) is 0 too
    with no_warnings():
        got = L.categorical_cross_entropy_from_logits(soft, z)
    assert_close("cce logits soft, -inf at weight 0", got, L.categorical_cross_entropy_from_logits(soft, finite),
                 rtol=0, atol=0)


def test_categorical_cross_entropy_from_logits_without_a_softmax_is_nan_like_tensorflow(tf):
    # A NaN or +inf logit, or a row of -inf only, has no softmax: NaN, as TensorFlow (kept so
    # that training notices divergence).
    for z in ([[np.nan, 0.0]], [[np.inf, 0.0]], [[-np.inf, -np.inf]]):
        z = np.array(z)
        want = keras_loss(tf, "SparseCategoricalCrossentropy", np.float64, from_logits=True)(np.array([1]), z)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert np.isnan(L.categorical_cross_entropy_from_logits([1], z)) and np.isnan(want.numpy())


@pytest.mark.parametrize("y_true", [[0], [[1.0, 0.0]]], ids=["labels", "one-hot"])
def test_categorical_cross_entropy_rejects_a_row_of_zeros(y_true):
    # Issue 14: [[0, 0]] passed validation, then returned NaN with a RuntimeWarning.
    with no_warnings(), pytest.raises(ValueError, match=r"row 0 of y_prob is all zeros, got \[0\.0, 0\.0\]; expected a distribution"):
        L.categorical_cross_entropy(y_true, [[0.0, 0.0]])
    with no_warnings(), pytest.raises(ValueError, match=r"row 1 of y_prob is all zeros"):
        L.categorical_cross_entropy(np.concatenate([y_true, y_true]), [[0.3, 0.7], [0.0, 0.0]])


@pytest.mark.parametrize("dtype", DTYPES)
def test_categorical_cross_entropy_labels_on_unnormalised_rows_equal_dense_keras(tf, rng, dtype):
    # The docstring's promise: labels give Keras' CategoricalCrossentropy of their one-hot rows,
    # renormalised then clipped. Keras' sparse loss clips first, so it differs on such rows.
    p = np.vstack([[[0.0, 0.5, 0.2]], rng.uniform(0.05, 1.0, (5, 3))]).astype(dtype)
    labels = np.array([0, 1, 2, 0, 1, 2])
    dense = keras_loss(tf, "CategoricalCrossentropy", dtype)(one_hot(labels, 3, dtype), p).numpy()
    sparse = keras_loss(tf, "SparseCategoricalCrossentropy", dtype)(labels, p).numpy()
    with no_warnings():
        got = L.categorical_cross_entropy(labels, p)
    assert_close("cce labels, unnormalised rows", got, dense, **TOL[dtype])
    assert abs(got - sparse) > 0.01, "row [0, 0.5, 0.2] should separate the dense and sparse Keras losses"


# --------------------------------------- infinite logits in the binary cost (issue 14)
# The loss of one entry is (1 - y) softplus(z) + y softplus(-z), softplus(inf) = inf and
# softplus(-inf) = 0, a term of weight 0 being absent: 0 when an infinite logit agrees with
# its label, -log 0 = inf when any weight sits on the impossible side. TensorFlow's
# sigmoid_cross_entropy_with_logits computes max(z, 0) - z y + log1p(exp(-|z|)) as written,
# so its cost is NaN (inf - inf, or 0 * inf) for z = +inf and for y = 0 with z = -inf
# (measured, TF 2.x, float32 and float64); its gradient is right everywhere.
INFINITE_LOGITS = [  # y, z, the exact cost, its gradient, TensorFlow's cost
    pytest.param(0.0, -np.inf, 0.0, 0.0, np.nan, id="y0-minus-inf"),
    pytest.param(1.0, np.inf, 0.0, 0.0, np.nan, id="y1-plus-inf"),
    pytest.param(1.0, -np.inf, np.inf, -1.0, np.inf, id="y1-minus-inf"),
    pytest.param(0.0, np.inf, np.inf, 1.0, np.nan, id="y0-plus-inf"),
    pytest.param(0.25, np.inf, np.inf, 0.75, np.nan, id="soft-plus-inf"),
    pytest.param(0.25, -np.inf, np.inf, -0.25, np.inf, id="soft-minus-inf"),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("y, z, cost, grad, tf_says", INFINITE_LOGITS)
def test_binary_cross_entropy_from_logits_is_exact_for_infinite_logits(tf, dtype, y, z, cost, grad, tf_says):
    yy, zz = np.array([y], dtype=dtype), np.array([z], dtype=dtype)
    with no_warnings():
        got = L.binary_cross_entropy_from_logits(yy, zz)
        got_grad = L.binary_cross_entropy_from_logits_grad(yy, zz)
    assert got == cost, f"bce logits y={y}, z={z}: got {got}, the exact value is {cost}"
    assert got_grad.dtype == dtype and got_grad.tolist() == [grad], f"grad y={y}, z={z}: {got_grad}"
    with tf.GradientTape() as tape:
        zt = tf.constant(zz)
        tape.watch(zt)
        tf_cost = tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.constant(yy), logits=zt)
    assert tape.gradient(tf_cost, zt).numpy().tolist() == [grad], "TensorFlow's gradient agrees everywhere"
    # TensorFlow's cost, recorded: where it says NaN the exact value is the one above.
    assert np.array_equal(tf_cost.numpy(), [tf_says], equal_nan=True), f"TensorFlow now gives {tf_cost.numpy()}"


@pytest.mark.parametrize("dtype", DTYPES)
def test_infinite_logits_next_to_finite_ones_leave_the_finite_terms_alone(dtype):
    y = np.array([0, 1, 1, 0, 1], dtype=dtype)
    z = np.array([-np.inf, np.inf, 0.3, -2.0, 5.0], dtype=dtype)
    with no_warnings():
        got = L.binary_cross_entropy_from_logits(y, z)
    finite = L.binary_cross_entropy_from_logits(y[2:], z[2:])
    assert_close("two agreeing infinite logits add 0 to the sum", got, finite * 3 / 5, rtol=1e-6, atol=0)
    assert np.isnan(L.binary_cross_entropy_from_logits([0.0, 1.0], [np.nan, 1.0])), "a NaN logit still gives NaN"


@pytest.mark.parametrize("y", [0.0, 1.0, 0.5])
def test_binary_cross_entropy_of_float16_probabilities_is_finite(y):
    """In float16, 1 - 1e-7 rounds to 1: the probability cost and its gradient compute in float32 instead."""
    p = np.array([1.0, 0.0, 0.25], np.float16)
    yy = np.full(3, y)
    got = L.binary_cross_entropy(yy, p)
    want = L.binary_cross_entropy(yy, p.astype(np.float32))
    assert np.isfinite(got) and got == want
    grad = L.binary_cross_entropy_grad(yy, p)
    assert grad.dtype == np.float32 and np.all(np.isfinite(grad))
    assert_close("bce grad float16", grad, L.binary_cross_entropy_grad(yy, p.astype(np.float32)), rtol=0, atol=0)
    assert L.binary_cross_entropy([0.0], np.array([1.0], np.float16)) == pytest.approx(-np.log1p(-np.float32(1 - L.EPSILON)))
