"""Tests for dlnotes.residual: the dense residual block y = x + activation(x @ kernel + bias).

Two independent proofs (STYLE.md habit 8), for every activation and odd sizes:

* Keras parity: ``keras.layers.Add()([x, Dense(D, activation=a)(x)])`` with
  the same kernel and bias gives y (float32 within 1e-5), and
  ``tf.GradientTape`` of sum(y * U) gives dx, dkernel and dbias;
* centred finite differences of the same loss computed by our forward, in
  float64, relative error below 1e-6.

Then the identity path (a block whose layer is dead passes x and its
gradient through unchanged), and errors that name the bad argument.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_close, numerical_grad, rel_error

from dlnotes.residual import ResidualCache, residual_backward, residual_forward

ACTIVATIONS = ["sigmoid", "tanh", "relu", "linear"]
SHAPES = [(5, 3), (1, 4), (7, 1), (3, 6)]
FD_TOL = 1e-6


def _case(rng, n, d, dtype=np.float64):
    return (rng.normal(size=(n, d)).astype(dtype), rng.normal(size=(d, d)).astype(dtype),
            rng.normal(size=d).astype(dtype))


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("n, d", SHAPES)
def test_matches_keras_dense_plus_add(tf, rng, n, d, activation):
    import keras

    x, kernel, bias = _case(rng, n, d, np.float32)
    upstream = rng.normal(size=(n, d)).astype(np.float32)
    inputs = keras.Input(shape=(d,))
    dense = keras.layers.Dense(d, activation=activation)
    model = keras.Model(inputs, keras.layers.Add()([inputs, dense(inputs)]))
    dense.set_weights([kernel, bias])
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y_tf = model(xt)
        loss = tf.reduce_sum(y_tf * upstream)
    dx_tf, dk_tf, db_tf = tape.gradient(loss, [xt, dense.kernel, dense.bias])

    y, cache = residual_forward(x, kernel, bias, activation)
    assert y.dtype == np.float32
    assert_close("y", y, y_tf.numpy(), rtol=1e-5, atol=1e-5)
    dx, dkernel, dbias = residual_backward(upstream, cache)
    assert_close("dx", dx, dx_tf.numpy(), rtol=1e-5, atol=1e-5)
    assert_close("dkernel", dkernel, dk_tf.numpy(), rtol=1e-5, atol=1e-5)
    assert_close("dbias", dbias, db_tf.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("n, d", SHAPES)
def test_gradients_match_finite_differences(rng, n, d, activation):
    x, kernel, bias = _case(rng, n, d)
    upstream = rng.normal(size=(n, d))
    _, cache = residual_forward(x, kernel, bias, activation)
    dx, dkernel, dbias = residual_backward(upstream, cache)

    def run(x=x, kernel=kernel, bias=bias):
        return residual_forward(x, kernel, bias, activation)[0]

    assert rel_error(dx, numerical_grad(lambda v: run(x=v), x, upstream)) < FD_TOL
    assert rel_error(dkernel, numerical_grad(lambda v: run(kernel=v), kernel, upstream)) < FD_TOL
    assert rel_error(dbias, numerical_grad(lambda v: run(bias=v), bias, upstream)) < FD_TOL


def test_a_dead_layer_passes_x_and_its_gradient_through(rng):
    """With ReLU and a bias far below zero the layer adds nothing: y = x, dx = dy, no weight gradient."""
    x, kernel, _ = _case(rng, 4, 3)
    y, cache = residual_forward(x, kernel, np.full(3, -100.0), "relu")
    assert_close("y", y, x, rtol=0, atol=0)
    dy = rng.normal(size=(4, 3))
    dx, dkernel, dbias = residual_backward(dy, cache)
    assert_close("dx", dx, dy, rtol=0, atol=0)
    assert not dkernel.any() and not dbias.any()


def test_the_identity_path_keeps_the_gradient_where_the_layer_saturates(rng):
    """Saturated sigmoids pass almost nothing through the layer; the block's dx is still about dy."""
    x, kernel, _ = _case(rng, 4, 3)
    _, cache = residual_forward(x, kernel, np.full(3, 30.0), "sigmoid")
    dy = rng.normal(size=(4, 3))
    dx, _, _ = residual_backward(dy, cache)
    assert_close("dx", dx, dy, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept_and_inputs_are_not_changed(rng, dtype):
    x, kernel, bias = _case(rng, 3, 2, dtype)
    copies = [a.copy() for a in (x, kernel, bias)]
    y, cache = residual_forward(x, kernel, bias, "tanh")
    dx, dkernel, dbias = residual_backward(np.ones_like(y), cache)
    assert {a.dtype for a in (y, dx, dkernel, dbias)} == {np.dtype(dtype)}
    for before, after in zip(copies, (x, kernel, bias)):
        assert np.array_equal(before, after)


@pytest.mark.parametrize("name, value, error, words", [
    ("x", np.ones(3), ValueError, "x must be 2-D"),
    ("x", "abc", TypeError, "x must be"),
    ("kernel", np.ones((3, 4)), ValueError, "kernel must be (3, 3)"),
    ("kernel", np.ones(9), ValueError, "kernel must be (3, 3)"),
    ("bias", np.ones(4), ValueError, "bias must have shape (3,)"),
    ("bias", None, TypeError, "bias must be"),
    ("activation", "softplus", ValueError, "unknown activation name='softplus'"),
    ("activation", None, TypeError, "activation must be a name"),
])
def test_bad_input_is_named(rng, name, value, error, words):
    x, kernel, bias = _case(rng, 2, 3)
    kwargs = dict(x=x, kernel=kernel, bias=bias, activation="relu")
    kwargs[name] = value
    with pytest.raises(error) as info:
        residual_forward(**kwargs)
    assert words in str(info.value)


def test_backward_checks_dy_and_cache(rng):
    _, cache = residual_forward(*_case(rng, 2, 3))
    assert isinstance(cache, ResidualCache)
    with pytest.raises(ValueError, match=r"dy must have the output's shape \(2, 3\)"):
        residual_backward(np.ones((3, 2)), cache)
    with pytest.raises(TypeError, match="cache must be the cache residual_forward returned"):
        residual_backward(np.ones((2, 3)), (1, 2, 3, "relu"))
