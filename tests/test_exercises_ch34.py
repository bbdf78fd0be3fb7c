"""Chapters 3 and 4's exercises: the answers the checkers expect agree with the package and Keras.

The generic mutation tests (reference passes, slips fail with their own
messages, None and wrong shapes fail without a crash) are in
tests/test_exercises.py; here, what is particular to these exercises.
"""

from __future__ import annotations

import numpy as np
import pytest

from dlnotes import mlp
from dlnotes.exercises import answer, check, networks, recurrent
from dlnotes.rnn import rnn_step_backward, rnn_step_forward


def test_hidden_layer_grads_reference_is_mlp_backward():
    rng = np.random.default_rng(0)
    params = mlp.init_params([4, 5, 3], rng=rng)
    params["b1"] = rng.normal(size=5)
    X, y = rng.normal(size=(7, 4)), rng.integers(0, 3, size=7)
    P, cache = mlp.forward(params, X, activation="tanh")
    grads = mlp.backward(params, cache, y)
    dW1, db1 = networks._hidden_grads_reference(X, cache["Z1"], params["W2"], P, y)
    np.testing.assert_allclose(dW1, grads["dW1"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(db1, grads["db1"], rtol=1e-12, atol=1e-15)


def test_rnn_step_backward_reference_is_the_package():
    rng = np.random.default_rng(1)
    x_t, h_prev = rng.normal(size=(3, 2)), rng.normal(size=(3, 4))
    kernel, recurrent_kernel, bias = rng.normal(size=(2, 4)), rng.normal(size=(4, 4)), rng.normal(size=4)
    h, cache = rnn_step_forward(x_t, h_prev, kernel, recurrent_kernel, bias)
    dh = rng.normal(size=(3, 4))
    dx, dh_prev, grads = rnn_step_backward(dh, cache)
    got = recurrent._rnn_step_backward_reference(dh, x_t, h_prev, h, kernel, recurrent_kernel)
    want = (dx, dh_prev, grads["kernel"], grads["recurrent_kernel"], grads["bias"])
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("seed", range(5))
def test_the_gradient_through_100_steps_vanishes_for_any_draw(seed):
    """The predict exercise's answer does not hang on one draw of the initial weights."""
    assert recurrent._gradient_reaching_first_step(seed=seed) < 1e-4


def test_the_gradient_does_not_vanish_over_a_few_steps():
    """The measure can say 'stays': over 3 steps almost nothing is lost."""
    assert recurrent._gradient_reaching_first_step(steps=3) > 0.1


def test_lstm_parameter_count_is_keras():
    tf = pytest.importorskip("tensorflow")
    layer = tf.keras.layers.LSTM(recurrent.UNITS)
    layer.build((None, None, recurrent.D_IN))
    assert layer.count_params() == answer_value("lstm_parameters")
    assert answer("lstm_parameters", layer.count_params()).passed


def test_digits_parameter_count_is_the_networks():
    params = mlp.init_params(list(networks.DIGITS_SIZES), rng=np.random.default_rng(0))
    assert sum(v.size for v in params.values()) == answer_value("digits_parameters")


def test_bias_switch_is_where_the_sigmoid_is_one_half():
    from dlnotes import sigmoid

    x = answer_value("bias_switch")
    assert sigmoid(networks.BIAS_W * x + networks.BIAS_B) == pytest.approx(0.5, abs=1e-12)


def test_lstm_gate_order_slip_is_named_even_when_h_is_right_shape():
    def fico(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
        return recurrent._lstm_step_with("fico")(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)

    report = check("lstm_step", fico)
    assert not report.passed and "gate order" in "\n".join(report.lines)


def answer_value(name):
    from dlnotes.exercises import EXERCISES

    return EXERCISES[name].expected()
