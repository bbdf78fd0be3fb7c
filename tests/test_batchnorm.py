"""Tests for dlnotes.batchnorm: batch normalization over the last axis, Keras' layout.

Two independent proofs (STYLE.md habit 8), over 2-D (N, C) and 4-D
(N, H, W, C) inputs with odd sizes:

* Keras parity: ``keras.layers.BatchNormalization`` loaded with the same
  gamma, beta, moving_mean and moving_variance gives the output
  (training=True and False, float32 within 1e-5), the updated moving
  statistics, and, by ``tf.GradientTape`` of sum(out * U) for a random
  upstream U, dx, dgamma and dbeta;
* centred finite differences of the same loss computed by our forward, in
  float64, relative error below 1e-6, in both modes.

Then what the formulas promise (zero mean and unit variance per feature in
training mode), and errors that name the bad argument.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_close, numerical_grad, rel_error

from dlnotes.batchnorm import BatchNormCache, batchnorm_backward, batchnorm_forward

SHAPES = [(5, 3), (7, 1), (2, 4), (3, 4, 5, 2), (2, 3, 1, 3)]
FD_TOL = 1e-6


def _weights(rng, c, dtype=np.float64):
    """gamma, beta, moving_mean, moving_variance (C,), none of them zero or one."""
    return (rng.uniform(0.5, 2, c).astype(dtype), rng.normal(size=c).astype(dtype),
            rng.normal(size=c).astype(dtype), rng.uniform(0.5, 2, c).astype(dtype))


def _case(rng, shape, dtype=np.float64):
    x = (rng.normal(size=shape) * 3 + 1).astype(dtype)
    return x, _weights(rng, shape[-1], dtype)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
def test_matches_keras_batchnormalization(tf, rng, shape, training):
    import keras

    x, weights = _case(rng, shape, np.float32)
    upstream = rng.normal(size=shape).astype(np.float32)
    layer = keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-3)
    layer.build(shape)
    layer.set_weights(list(weights))
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        out_tf = layer(xt, training=training)
        loss = tf.reduce_sum(out_tf * upstream)
    dx_tf, dgamma_tf, dbeta_tf = tape.gradient(loss, [xt, layer.gamma, layer.beta])

    out, cache, mm, mv = batchnorm_forward(x, *weights, training=training, momentum=0.9, epsilon=1e-3)
    assert out.dtype == np.float32
    assert_close("out", out, out_tf.numpy(), rtol=1e-5, atol=1e-5)
    assert_close("moving_mean", mm, layer.moving_mean.numpy(), rtol=1e-5, atol=1e-6)
    assert_close("moving_variance", mv, layer.moving_variance.numpy(), rtol=1e-5, atol=1e-6)
    dx, dgamma, dbeta = batchnorm_backward(upstream, cache)
    assert_close("dx", dx, dx_tf.numpy(), rtol=1e-4, atol=1e-4)
    assert_close("dgamma", dgamma, dgamma_tf.numpy(), rtol=1e-4, atol=1e-4)
    assert_close("dbeta", dbeta, dbeta_tf.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
def test_gradients_match_finite_differences(rng, shape, training):
    x, (gamma, beta, mm, mv) = _case(rng, shape)
    upstream = rng.normal(size=shape)
    out, cache, _, _ = batchnorm_forward(x, gamma, beta, mm, mv, training=training)
    dx, dgamma, dbeta = batchnorm_backward(upstream, cache)

    def run(x=x, gamma=gamma, beta=beta):
        return batchnorm_forward(x, gamma, beta, mm, mv, training=training)[0]

    assert rel_error(dx, numerical_grad(lambda v: run(x=v), x, upstream)) < FD_TOL
    assert rel_error(dgamma, numerical_grad(lambda v: run(gamma=v), gamma, upstream)) < FD_TOL
    assert rel_error(dbeta, numerical_grad(lambda v: run(beta=v), beta, upstream)) < FD_TOL


def test_training_output_has_zero_mean_and_unit_variance_per_feature(rng):
    x, (_, _, mm, mv) = _case(rng, (50, 4, 3, 6))
    c = x.shape[-1]
    out, _, new_mm, new_mv = batchnorm_forward(x, np.ones(c), np.zeros(c), mm, mv, training=True, epsilon=1e-12)
    assert_close("mean", out.mean(axis=(0, 1, 2)), np.zeros(c), atol=1e-12)
    assert_close("variance", out.var(axis=(0, 1, 2)), np.ones(c), rtol=1e-9)
    # the moving statistics move 1% of the way towards the batch's (biased) mean and variance
    assert_close("moving_mean", new_mm, 0.99 * mm + 0.01 * x.mean(axis=(0, 1, 2)), rtol=1e-12)
    assert_close("moving_variance", new_mv, 0.99 * mv + 0.01 * x.var(axis=(0, 1, 2)), rtol=1e-12)


def test_inference_uses_the_moving_statistics_and_changes_nothing(rng):
    x, (gamma, beta, mm, mv) = _case(rng, (4, 3))
    copies = [a.copy() for a in (x, gamma, beta, mm, mv)]
    out, _, new_mm, new_mv = batchnorm_forward(x, gamma, beta, mm, mv, training=False)
    assert_close("out", out, gamma * (x - mm) / np.sqrt(mv + 1e-3) + beta, rtol=1e-12)
    assert_close("moving_mean", new_mm, mm, rtol=0, atol=0)
    assert new_mm is not mm and new_mv is not mv
    for before, after in zip(copies, (x, gamma, beta, mm, mv)):
        assert np.array_equal(before, after)


def test_a_constant_feature_in_training_gives_beta_and_finite_gradients(rng):
    x = np.column_stack([np.full(5, 3.0), rng.normal(size=5)])
    out, cache, _, _ = batchnorm_forward(x, np.array([2.0, 1.0]), np.array([0.5, 0.0]), np.zeros(2), np.ones(2),
                                         training=True)
    assert_close("out[:, 0]", out[:, 0], np.full(5, 0.5), rtol=0, atol=0)
    dx, _, _ = batchnorm_backward(rng.normal(size=x.shape), cache)
    assert np.all(np.isfinite(dx))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(rng, dtype):
    x, weights = _case(rng, (3, 2), dtype)
    out, cache, mm, mv = batchnorm_forward(x, *weights, training=True)
    dx, dgamma, dbeta = batchnorm_backward(np.ones_like(x), cache)
    assert {a.dtype for a in (out, mm, mv, dx, dgamma, dbeta)} == {np.dtype(dtype)}


# ---------------------------------------------------------------------------------------- errors
def _good(rng):
    x, weights = _case(rng, (4, 3))
    return dict(zip(["x", "gamma", "beta", "moving_mean", "moving_variance"], (x, *weights)))


@pytest.mark.parametrize("name, value, error, words", [
    ("x", np.ones(3), ValueError, "x must be (N, C)"),
    ("x", np.ones((4, 0)), ValueError, "C >= 1"),
    ("x", "abc", TypeError, "x must be"),
    ("x", np.array([[1.0, np.nan, 0.0]] * 4), ValueError, "x contains NaN"),
    ("gamma", np.ones(2), ValueError, "gamma must have shape (3,)"),
    ("beta", np.ones((1, 3)), ValueError, "beta must have shape (3,)"),
    ("moving_mean", np.ones(4), ValueError, "moving_mean must have shape (3,)"),
    ("moving_variance", -np.ones(3), ValueError, "moving_variance must be >= 0"),
    ("moving_variance", np.array([1.0, np.inf, 1.0]), ValueError, "moving_variance contains NaN or inf"),
    ("momentum", 1.0, ValueError, "momentum must be in [0, 1)"),
    ("momentum", -0.1, ValueError, "momentum must be in [0, 1)"),
    ("momentum", "0.9", TypeError, "momentum must be a real number"),
    ("epsilon", 0.0, ValueError, "epsilon must be a positive number"),
    ("epsilon", -1e-3, ValueError, "epsilon must be a positive number"),
    ("training", "yes", TypeError, "training must be True or False"),
    ("training", None, TypeError, "training must be True or False"),
])
def test_bad_input_is_named(rng, name, value, error, words):
    kwargs = dict(_good(rng), training=True, momentum=0.99, epsilon=1e-3)
    kwargs[name] = value
    with pytest.raises(error, match=f"^{name}.*" if name != "x" else None) as info:
        batchnorm_forward(**kwargs)
    assert words in str(info.value)


def test_training_refuses_one_value_per_feature_but_inference_accepts_it(rng):
    kwargs = _good(rng)
    kwargs["x"] = kwargs["x"][:1]
    with pytest.raises(ValueError, match="training=True needs at least 2 values per feature"):
        batchnorm_forward(**kwargs, training=True)
    out, *_ = batchnorm_forward(**kwargs, training=False)
    assert out.shape == (1, 3)


def test_training_is_keyword_only(rng):
    with pytest.raises(TypeError):
        batchnorm_forward(*_good(rng).values(), True)


def test_backward_checks_dout_and_cache(rng):
    _, cache, _, _ = batchnorm_forward(**_good(rng), training=True)
    assert isinstance(cache, BatchNormCache)
    with pytest.raises(ValueError, match=r"dout must have the output's shape \(4, 3\)"):
        batchnorm_backward(np.ones((3, 4)), cache)
    with pytest.raises(TypeError, match="cache must be the cache batchnorm_forward returned"):
        batchnorm_backward(np.ones((4, 3)), (1, 2, 3, 4))
