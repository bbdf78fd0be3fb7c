"""Tests for dlnotes.optim.

``SGD`` against ``tf.keras.optimizers.SGD`` step by step (plain and with
momentum, Keras' convention v <- m v - lr g, W <- W + v); the L2 convention
(a penalty (l2/2)·Σ||W||² whose gradient is l2·W, which is Keras'
``L2(l2/2)``); the divergence guard; errors that name the bad argument.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_close, numerical_grad, rel_error

from dlnotes import optim
from dlnotes.optim import SGD, DivergenceError, add_l2, check_diverged, check_l2, check_momentum, l2_penalty

SHAPES = {"W1": (3, 5), "b1": (5,), "W2": (5, 2), "b2": (2,)}


def random_params(rng, dtype=np.float64) -> dict:
    return {k: rng.standard_normal(s).astype(dtype) for k, s in SHAPES.items()}


def random_grads(rng, dtype=np.float64) -> dict:
    return {"d" + k: rng.standard_normal(s).astype(dtype) for k, s in SHAPES.items()}


# ------------------------------------------------------- SGD vs Keras


# Keras keeps the learning rate in a float32 variable and casts it (and the
# momentum) to the weight's dtype through float32, so in float64 it steps with
# float32(lr) and float32(momentum): 0.1 becomes 0.10000000149 and 0.9 becomes
# 0.89999997616. lr = 0.125 and momentum 0 or 0.5 are exact in both, so those
# float64 cases are compared tightly; momentum 0.9 is also compared tightly
# against our SGD given float32(0.9), and within 1e-7 with 0.9 itself.
@pytest.mark.parametrize(
    "dtype, lr, tol",
    [
        pytest.param(np.float64, 0.125, dict(rtol=1e-13, atol=1e-15), id="float64-lr0.125"),
        pytest.param(np.float32, 0.1, dict(rtol=1e-6, atol=1e-6), id="float32-lr0.1"),
    ],
)
@pytest.mark.parametrize("momentum", [0.0, 0.5, 0.9])
def test_sgd_matches_keras_sgd_step_by_step(tf, rng, momentum, dtype, lr, tol):
    params = random_params(rng, dtype)
    names = list(params)
    variables = [tf.Variable(params[k]) for k in names]
    keras_sgd = tf.keras.optimizers.SGD(learning_rate=lr, momentum=momentum)
    ours = SGD(lr, momentum)
    rounded = {k: v.copy() for k, v in params.items()}  # stepped with float32(momentum), Keras' value
    ours_rounded = SGD(lr, float(np.float32(momentum)))
    inexact = dtype == np.float64 and float(np.float32(momentum)) != momentum
    for step in range(1, 6):
        grads = random_grads(rng, dtype)
        returned = ours.step(params, grads)
        ours_rounded.step(rounded, grads)
        keras_sgd.apply_gradients(zip([tf.constant(grads["d" + k]) for k in names], variables))
        assert returned is params, "step updates and returns the same dict"
        for k, v in zip(names, variables):
            label = f"{k} after step {step} (momentum={momentum})"
            assert_close(label, rounded[k], v.numpy(), check_dtype=True, **tol)
            assert_close(label, params[k], v.numpy(), check_dtype=True, **(dict(rtol=1e-7, atol=1e-7) if inexact else tol))


def test_sgd_first_momentum_step_is_a_plain_step_then_velocity_accumulates(rng):
    params, g = random_params(rng), random_grads(rng)
    start = {k: v.copy() for k, v in params.items()}
    opt = SGD(0.5, momentum=0.9)
    opt.step(params, g)
    for k in params:
        assert_close(f"{k} first step", params[k], start[k] - 0.5 * g["d" + k], rtol=1e-15, atol=0)
    opt.step(params, g)  # same gradient again: v = 0.9 * (-0.5 g) - 0.5 g = -0.95 g
    for k in params:
        assert_close(f"{k} second step", params[k], start[k] - 0.5 * g["d" + k] - 0.95 * g["d" + k], rtol=1e-14, atol=1e-15)


def test_sgd_without_momentum_is_w_minus_lr_g_and_leaves_grads_alone(rng):
    params, g = random_params(rng), random_grads(rng)
    start = {k: v.copy() for k, v in params.items()}
    g_before = {k: v.copy() for k, v in g.items()}
    SGD(0.3).step(params, g)
    for k in params:
        assert_close(f"{k}", params[k], start[k] - 0.3 * g_before["d" + k], rtol=0, atol=0)
        assert_close(f"d{k} untouched", g["d" + k], g_before["d" + k], rtol=0, atol=0)


# -------------------------------------------------------------- L2


@pytest.mark.parametrize("l2", [0.0, 1e-3, 0.1, 2.5])
def test_add_l2_adds_exactly_l2_times_w_to_weight_gradients_only(rng, l2):
    params, grads = random_params(rng), random_grads(rng)
    before = {k: v.copy() for k, v in grads.items()}
    got = add_l2(params, grads, l2)
    assert sorted(got) == sorted(grads)
    for k in params:
        want = before["d" + k] + l2 * params[k] if k.startswith("W") else before["d" + k]
        assert_close(f"add_l2 d{k} (l2={l2})", got["d" + k], want, rtol=0, atol=0, check_dtype=True)
        assert_close(f"input d{k} untouched", grads["d" + k], before["d" + k], rtol=0, atol=0)


@pytest.mark.parametrize("l2", [0.0, 0.01, 0.7])
def test_l2_penalty_is_half_l2_sum_of_squares_with_gradient_l2_w(rng, l2):
    """The convention: penalty = (l2 / 2) * sum over weight matrices of ||W||^2 (biases excluded),

    so that its gradient is exactly l2 * W, the term add_l2 adds (and 0 for biases).
    """
    params = random_params(rng)
    want = 0.5 * l2 * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))
    assert_close("l2_penalty", l2_penalty(params, l2), want, rtol=1e-14, atol=0)
    assert isinstance(l2_penalty(params, l2), float)
    zero = {"d" + k: np.zeros_like(v) for k, v in params.items()}
    for k in params:
        fd = numerical_grad(lambda x, k=k: l2_penalty({**params, k: x}, l2), params[k])
        want_grad = l2 * params[k] if k.startswith("W") else np.zeros_like(params[k])
        if l2 and k.startswith("W"):
            err = rel_error(fd, want_grad)
            assert err < 1e-6, f"d penalty / d{k} vs l2 * {k}: rel error {err:.2e}"
        else:
            assert_close(f"d penalty / d{k} is 0", fd, want_grad, rtol=0, atol=1e-9)
        assert_close(f"add_l2 term for {k}", add_l2(params, zero, l2)["d" + k], want_grad, rtol=0, atol=0)


@pytest.mark.parametrize("l2", [0.01, 0.7])
def test_l2_penalty_equals_keras_l2_regularizer_of_half_strength(tf, rng, l2):
    # Keras' L2(l) is l * sum(w^2), without the 1/2: our l2 is Keras' L2(l2 / 2).
    params = random_params(rng)
    reg = tf.keras.regularizers.L2(l2 / 2)
    weights = [tf.Variable(params["W1"]), tf.Variable(params["W2"])]
    with tf.GradientTape() as tape:
        keras_penalty = reg(weights[0]) + reg(weights[1])
    assert_close("l2_penalty vs Keras L2(l2/2)", l2_penalty(params, l2), float(keras_penalty), rtol=1e-6, atol=0)
    for k, grad in zip(("W1", "W2"), tape.gradient(keras_penalty, weights)):
        assert_close(f"Keras L2(l2/2) gradient for {k} is l2 * W", grad.numpy(), l2 * params[k], rtol=1e-6, atol=1e-12)
    assert not np.isclose(float(tf.keras.regularizers.L2(l2)(weights[0])), 0.5 * l2 * np.sum(params["W1"] ** 2))


# -------------------------------------------------- divergence guard


@pytest.mark.parametrize(
    "cost, shown",
    [(float("nan"), "nan"), (float("inf"), "inf"), (float("-inf"), "-inf"), (np.float64("nan"), "nan"), (25.01, "25.01"), (1e6, "1e\\+06")],
)
def test_check_diverged_raises_with_epoch_and_lr(cost, shown):
    history = {"cost": [2.0, cost]}
    with pytest.raises(DivergenceError, match=rf"diverged .*epoch 7 .*lr=0\.5\b.*from 2\.5 to {shown}\b") as info:
        check_diverged(cost, 2.5, 7, 0.5, history)
    err = info.value
    assert isinstance(err, RuntimeError)
    assert err.epoch == 7 and err.lr == 0.5 and err.history is history


@pytest.mark.parametrize("cost", [0.0, 1e-9, 2.5, 24.99, 25.0])
def test_check_diverged_passes_up_to_ten_times_the_first_cost(cost):
    assert optim.DIVERGENCE_FACTOR == 10.0
    assert check_diverged(cost, 2.5, 3, 0.1, {}) is None


@pytest.mark.parametrize("cost", [float("nan"), float("inf")])
def test_check_diverged_rejects_a_non_finite_starting_cost(cost):
    # epoch 0 is the cost before training: not finite there, nothing can be trained.
    with pytest.raises(DivergenceError, match=rf"{cost}.*lr=0\.1\b") as info:
        check_diverged(cost, cost, 0, 0.1, {"cost": []})
    assert info.value.epoch == 0 and info.value.lr == 0.1


def test_check_diverged_when_training_started_at_zero_cost():
    check_diverged(0.0, 0.0, 1, 0.1, {})
    with pytest.raises(DivergenceError, match=r"epoch 2 .*lr=0\.1"):
        check_diverged(1e-3, 0.0, 2, 0.1, {})


# ---------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "call, exc, pattern",
    [
        pytest.param(lambda: SGD(0), ValueError, r"lr must be a positive number, got 0", id="lr-0"),
        pytest.param(lambda: SGD(-0.1), ValueError, r"lr must be a positive number, got -0\.1", id="lr-negative"),
        pytest.param(lambda: SGD(float("inf")), ValueError, r"lr must be finite, got inf", id="lr-inf"),
        pytest.param(lambda: SGD("0.1"), TypeError, r"lr must be a real number, got '0\.1'", id="lr-string"),
        pytest.param(lambda: SGD(0.1, momentum=1.0), ValueError, r"momentum must be in \[0, 1\), got 1\.0", id="momentum-1"),
        pytest.param(lambda: SGD(0.1, momentum=-0.1), ValueError, r"momentum must be in \[0, 1\), got -0\.1", id="momentum--0.1"),
        pytest.param(lambda: SGD(0.1, momentum="0.9"), TypeError, r"momentum must be a real number, got '0\.9'", id="momentum-string"),
        pytest.param(lambda: SGD(0.1, momentum=True), TypeError, r"momentum must be a real number, got True", id="momentum-bool"),
        pytest.param(lambda: check_momentum(float("nan")), ValueError, r"momentum must be finite, got nan", id="momentum-nan"),
        pytest.param(lambda: check_l2(-1), ValueError, r"l2 must be >= 0, got -1\.0", id="l2--1"),
        pytest.param(lambda: check_l2(None), TypeError, r"l2 must be a real number, got None", id="l2-None"),
    ],
)
def test_bad_hyperparameters_raise_naming_the_value(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_gradient_of_the_wrong_shape_raises(rng, momentum):
    params, grads = random_params(rng), random_grads(rng)
    grads["dW1"] = grads["dW1"].T
    with pytest.raises(ValueError, match=r"gradient dW1 has shape \(5, 3\), but W1 has \(3, 5\)"):
        SGD(0.1, momentum).step(params, grads)
    grads = random_grads(rng)
    grads["db2"] = grads["db2"][:, None]
    with pytest.raises(ValueError, match=r"gradient db2 has shape \(2, 1\), but b2 has \(2,\)"):
        SGD(0.1, momentum).step(params, grads)


def test_check_l2_and_check_momentum_return_floats():
    assert check_l2(0) == 0.0 and isinstance(check_l2(0), float)
    assert check_momentum(np.float32(0.5)) == 0.5 and isinstance(check_momentum(np.float32(0.5)), float)


def test_sgd_step_names_a_missing_gradient_and_accepts_lists():
    params = {"W1": np.ones((2, 2)), "b1": np.ones(2)}
    with pytest.raises(ValueError, match=r"grads has no db1 for parameter b1"):
        SGD(0.1).step(dict(params), {"dW1": np.ones((2, 2))})
    out = SGD(0.5).step(dict(params), {"dW1": [[1.0, 1.0], [1.0, 1.0]], "db1": [2.0, 2.0]})
    assert np.allclose(out["W1"], 0.5) and np.allclose(out["b1"], 0.0)


# ------------------------------------------------- gradient clipping
# Keras' ``global_clipnorm`` and ``tf.clip_by_global_norm``: with
# G = sqrt(sum of squares of every gradient entry), every gradient is scaled
# by clip_norm / G when G > clip_norm, and left alone otherwise.


def test_global_norm_is_the_root_of_the_sum_of_all_squares(tf, rng):
    grads = random_grads(rng)
    want = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    got = optim.global_norm(grads)
    assert isinstance(got, float)
    assert_close("global_norm", got, want, rtol=1e-15, atol=0)
    assert_close("global_norm vs tf.linalg.global_norm", got, tf.linalg.global_norm([tf.constant(g) for g in grads.values()]).numpy(), rtol=1e-14, atol=0)
    assert optim.global_norm({"dW1": np.array([[3.0]]), "db1": np.array([4.0])}) == 5.0


@pytest.mark.parametrize("scale, clip_norm", [(10.0, 1.0), (10.0, 25.0), (1.0, 0.5), (0.01, 1.0)])
def test_clip_by_global_norm_matches_tf_clip_by_global_norm(tf, rng, scale, clip_norm):
    grads = {k: scale * g for k, g in random_grads(rng).items()}
    before = {k: g.copy() for k, g in grads.items()}
    names = list(grads)
    clipped, norm = optim.clip_by_global_norm(grads, clip_norm)
    tf_clipped, tf_norm = tf.clip_by_global_norm([tf.constant(grads[k]) for k in names], clip_norm)
    assert_close(f"global norm before clipping (clip_norm={clip_norm})", norm, tf_norm.numpy(), rtol=1e-14, atol=0)
    assert sorted(clipped) == sorted(grads)
    for k, want in zip(names, tf_clipped):
        assert_close(f"clipped {k} (norm {norm:.3g}, clip_norm={clip_norm})", clipped[k], want.numpy(), rtol=1e-14, atol=1e-16, check_dtype=True)
        assert_close(f"input {k} untouched", grads[k], before[k], rtol=0, atol=0)
    after = optim.global_norm(clipped)
    if norm > clip_norm:
        assert_close("clipped global norm is clip_norm", after, clip_norm, rtol=1e-14, atol=0)
    else:
        assert after == norm, "below the threshold nothing changes"


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_clip_by_global_norm_of_a_non_finite_gradient_is_all_nan_as_in_tf(tf, bad):
    grads = {"dW1": np.array([[1.0, bad]]), "db1": np.array([2.0])}
    clipped, norm = optim.clip_by_global_norm(grads, 1.0)
    tf_clipped, tf_norm = tf.clip_by_global_norm([tf.constant(grads[k]) for k in grads], 1.0)
    assert np.isnan(norm) == np.isnan(tf_norm.numpy()) and (np.isnan(norm) or norm == tf_norm.numpy() == np.inf)
    for k, want in zip(grads, tf_clipped):
        assert np.isnan(want.numpy()).all() and np.isnan(clipped[k]).all()
        assert clipped[k].dtype == grads[k].dtype and clipped[k].shape == grads[k].shape


def test_clip_by_global_norm_keeps_the_direction(rng):
    grads = {k: 50 * g for k, g in random_grads(rng).items()}
    clipped, norm = optim.clip_by_global_norm(grads, 2.0)
    for k in grads:
        assert_close(f"{k} scaled by clip_norm / norm", clipped[k], grads[k] * (2.0 / norm), rtol=1e-15, atol=0)


# Keras stores lr and momentum through float32: lr = 0.125 and momentum 0 or 0.5 are exact there.
@pytest.mark.parametrize("momentum", [0.0, 0.5])
@pytest.mark.parametrize("clipnorm", [1.0, 4.0])
def test_sgd_with_global_clipnorm_matches_keras_step_by_step(tf, rng, momentum, clipnorm):
    params = random_params(rng)
    names = list(params)
    variables = [tf.Variable(params[k]) for k in names]
    keras_sgd = tf.keras.optimizers.SGD(learning_rate=0.125, momentum=momentum, global_clipnorm=clipnorm)
    ours = SGD(0.125, momentum, global_clipnorm=clipnorm)
    # Large gradients (global norm ~ 60: clipping active), except step 3 whose norm ~ 0.6 stays below.
    scales = [10.0, 10.0, 0.1, 10.0, 10.0]
    for step, scale in enumerate(scales, start=1):
        grads = {k: scale * g for k, g in random_grads(rng).items()}
        assert (optim.global_norm(grads) > clipnorm) == (scale > 1), "the test's gradients straddle the threshold"
        ours.step(params, grads)
        keras_sgd.apply_gradients(zip([tf.constant(grads["d" + k]) for k in names], variables))
        for k, v in zip(names, variables):
            label = f"{k} after step {step} (momentum={momentum}, global_clipnorm={clipnorm})"
            assert_close(label, params[k], v.numpy(), rtol=1e-13, atol=1e-15, check_dtype=True)


def test_sgd_clipping_leaves_the_callers_gradients_alone(rng):
    params, grads = random_params(rng), {k: 20 * g for k, g in random_grads(rng).items()}
    before = {k: g.copy() for k, g in grads.items()}
    start = {k: v.copy() for k, v in params.items()}
    norm = optim.global_norm(grads)
    SGD(0.5, global_clipnorm=1.0).step(params, grads)
    for k in params:
        assert_close(f"d{k} untouched", grads["d" + k], before["d" + k], rtol=0, atol=0)
        assert_close(f"{k} stepped with the clipped gradient", params[k], start[k] - 0.5 * before["d" + k] / norm, rtol=1e-14, atol=1e-15)


def test_fit_with_global_clipnorm_equals_manual_clipped_steps(rng):
    from dlnotes import mlp

    sizes = (4, 6, 3)
    params = {}
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{l}"] = rng.standard_normal((n_in, n_out))
        params[f"b{l}"] = 0.5 * rng.standard_normal(n_out)
    X = rng.standard_normal((15, sizes[0]))
    y = rng.integers(0, sizes[-1], size=15)
    lr, clip = 0.4, 0.05
    got, history = mlp.fit(params, X, y, lr=lr, epochs=2, activation="tanh", global_clipnorm=clip)
    unclipped, _ = mlp.fit(params, X, y, lr=lr, epochs=2, activation="tanh")
    want = {k: v.copy() for k, v in params.items()}
    costs = []
    for epoch in (1, 2):
        _, cache = mlp.forward(want, X, "tanh")
        grads = mlp.backward(want, cache, y)
        norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
        assert norm > clip, f"epoch {epoch}: gradient norm {norm:.3g} must exceed global_clipnorm for the test to mean anything"
        want = {k: v - lr * grads["d" + k] * (clip / norm) for k, v in want.items()}
        costs.append(mlp.evaluate(want, X, y, "tanh")[0])
    for k in want:
        assert_close(f"{k} after 2 clipped epochs", got[k], want[k], rtol=1e-13, atol=1e-15)
        assert not np.allclose(got[k], unclipped[k]), f"{k}: clipping changed nothing"
    assert_close("history cost", history["cost"], costs, rtol=1e-13, atol=0)


def _fit_small(**kw):
    from dlnotes import mlp

    params = {"W1": np.full((2, 3), 0.1), "b1": np.zeros(3), "W2": np.full((3, 2), -0.1), "b2": np.zeros(2)}
    return mlp.fit(params, np.eye(2), np.array([0, 1]), lr=0.1, epochs=1, **kw)


@pytest.mark.parametrize(
    "call, exc, pattern",
    [
        pytest.param(lambda: _fit_small(global_clipnorm=0), ValueError, r"global_clipnorm must be a positive number, got 0\.0", id="fit-global_clipnorm-0"),
        pytest.param(lambda: _fit_small(global_clipnorm=-1), ValueError, r"global_clipnorm must be a positive number, got -1\.0", id="fit-global_clipnorm--1"),
        pytest.param(lambda: _fit_small(global_clipnorm="1"), TypeError, r"global_clipnorm must be a real number, got '1'", id="fit-global_clipnorm-string"),
        pytest.param(lambda: _fit_small(global_clipnorm=float("inf")), ValueError, r"global_clipnorm must be finite, got inf", id="fit-global_clipnorm-inf"),
        pytest.param(lambda: optim.clip_by_global_norm({"dW1": np.ones(2)}, 0), ValueError, r"clip_norm must be a positive number, got 0\.0", id="clip-0"),
        pytest.param(lambda: optim.clip_by_global_norm({"dW1": np.ones(2)}, -1), ValueError, r"clip_norm must be a positive number, got -1\.0", id="clip--1"),
        pytest.param(lambda: optim.clip_by_global_norm({"dW1": np.ones(2)}, "1"), TypeError, r"clip_norm must be a real number, got '1'", id="clip-string"),
        pytest.param(lambda: optim.clip_by_global_norm({"dW1": np.ones(2)}, True), TypeError, r"clip_norm must be a real number, got True", id="clip-bool"),
        pytest.param(lambda: SGD(0.1, global_clipnorm=-1), ValueError, r"global_clipnorm must be a positive number, got -1\.0", id="sgd-global_clipnorm--1"),
        pytest.param(lambda: SGD(0.1, global_clipnorm=0.0), ValueError, r"global_clipnorm must be a positive number, got 0\.0", id="sgd-global_clipnorm-0"),
        pytest.param(lambda: SGD(0.1, global_clipnorm="1"), TypeError, r"global_clipnorm must be a real number, got '1'", id="sgd-global_clipnorm-string"),
    ],
)
def test_bad_clip_norm_raises_naming_the_value(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def test_clip_norm_none_means_no_clipping(rng):
    grads = {k: 100 * g for k, g in random_grads(rng).items()}
    same, norm = optim.clip_by_global_norm(grads, None)
    assert same is grads and norm == optim.global_norm(grads)
    assert SGD(0.1).global_clipnorm is None and SGD(0.1, global_clipnorm=2).global_clipnorm == 2.0


def test_sgd_names_global_clipnorm():
    with pytest.raises(ValueError, match="global_clipnorm must be a positive number"):
        SGD(0.1, global_clipnorm=-1)


def test_fit_calls_the_clipping_knob_global_clipnorm_like_sgd_and_keras():
    """One name for one knob: the old ``clip_norm=`` keyword of mlp.fit is gone."""
    with pytest.raises(TypeError, match="clip_norm"):
        _fit_small(clip_norm=1.0)
    params, _ = _fit_small(global_clipnorm=1.0)
    assert set(params) == {"W1", "b1", "W2", "b2"}


# ------------------------------------------------- checked before anything is computed or changed
@pytest.mark.parametrize(
    "call, exc, pattern",
    [
        pytest.param(lambda: optim.global_norm(None), TypeError, r"grads must be a dict of arrays .*got NoneType", id="norm-None"),
        pytest.param(lambda: optim.global_norm({"dW1": "x"}), TypeError, r"grads\['dW1'\] must be a real numeric", id="norm-str"),
        pytest.param(lambda: optim.clip_by_global_norm([np.ones(2)], 1.0), TypeError, r"grads must be a dict", id="clip-list"),
        pytest.param(lambda: SGD(0.1, global_clipnorm=1).step({"W1": np.ones(2)}, {"dW1": "x"}), TypeError,
                     r"grads\['dW1'\]", id="sgd-str"),
        pytest.param(lambda: l2_penalty({"W1": np.ones(2)}, -0.1), ValueError, r"l2 must be >= 0, got -0\.1", id="penalty-l2-negative"),
        pytest.param(lambda: l2_penalty({"W1": np.ones(2)}, None), TypeError, r"l2 must be a real number, got None", id="penalty-l2-None"),
        pytest.param(lambda: l2_penalty([np.ones(2)], 0.1), TypeError, r"params must be a dict .*got list", id="penalty-params-list"),
        pytest.param(lambda: add_l2([np.ones(2)], {"dW1": np.ones(2)}, 0.1), TypeError, r"params must be a dict", id="add-params-list"),
        pytest.param(lambda: add_l2({"W1": np.ones(2)}, {"dW1": "x"}, 0.1), TypeError, r"grads\['dW1'\]", id="add-grads-str"),
        pytest.param(lambda: add_l2({"W1": np.ones(2)}, {"dW1": np.ones(3)}, 0.1), ValueError,
                     r"grads\['dW1'\] has shape \(3,\) but params has no W1 of that shape", id="add-shape"),
        pytest.param(lambda: add_l2({"W1": np.ones(2)}, {"dW1": np.ones(2)}, -1), ValueError, r"l2 must be >= 0", id="add-l2-negative"),
    ],
)
def test_bad_params_grads_and_l2_raise_naming_them(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


@pytest.mark.parametrize("momentum, clip", [(0.0, None), (0.9, 1.0)])
def test_a_refused_step_changes_nothing(momentum, clip):
    """Every gradient is checked before the first update: no half-updated params after an error."""
    params = {"W1": np.ones(2), "b1": np.ones(1)}
    opt = SGD(0.1, momentum, clip)
    with pytest.raises(ValueError, match="db1"):
        opt.step(params, {"dW1": np.ones(2)})
    with pytest.raises(ValueError, match="db1"):
        opt.step(params, {"dW1": np.ones(2), "db1": np.ones(3)})
    assert np.array_equal(params["W1"], np.ones(2)) and np.array_equal(params["b1"], np.ones(1))
    assert opt.velocity == {}


def test_global_norm_neither_overflows_nor_underflows():
    """The norm is computed in float64 after dividing by the largest magnitude, like math.hypot."""
    big = {"dW1": np.full(2, 1e200), "db1": np.array([3e199])}
    assert optim.global_norm(big) == pytest.approx(np.hypot(np.hypot(1e200, 1e200), 3e199), rel=1e-15)
    clipped, norm = optim.clip_by_global_norm({"dW1": np.full(2, 1e200)}, 1.0)
    assert norm == pytest.approx(np.sqrt(2) * 1e200, rel=1e-15)
    assert np.hypot(*clipped["dW1"]) == pytest.approx(1.0, rel=1e-15)
    tiny = optim.global_norm({"dW1": np.full(4, 1e-5, np.float16)})
    assert tiny == pytest.approx(2 * float(np.float16(1e-5)), rel=1e-12)
    assert optim.global_norm({"dW1": np.zeros(3)}) == 0.0 and optim.global_norm({}) == 0.0
    assert optim.global_norm({"dW1": np.array([1.0, np.inf])}) == np.inf
    assert np.isnan(optim.global_norm({"dW1": np.array([1.0, np.nan])}))
