"""Tests for dlnotes.mlp.

Two independent proofs of forward and backward (STYLE.md habit 8), swept over
depths 1 to 4, odd layer sizes, every hidden activation and both outputs:

* Keras parity: the same arrays loaded with ``layer.set_weights([W, b])``
  into a ``tf.keras.Sequential`` of ``Dense`` layers give the same
  probabilities (float32 within 1e-5, float64 tightly), the same cost, and
  ``tf.GradientTape`` of the Keras loss gives every gradient of
  ``mlp.backward``;
* centred finite differences of ``cost_from_cache(forward(...)[1], y)`` in
  float64, relative error below 1e-6.

Then ``init_params``, ``fit`` (against hand-written gradient-descent steps,
reproducibility, history, divergence, the digits benchmark) and errors that
name the bad argument.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from conftest import assert_close, numerical_grad, rel_error

from dlnotes import mlp
from dlnotes.initializers import he_normal, xavier_normal, xavier_uniform
from dlnotes.optim import DivergenceError

ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]
# layer_sizes [n_0, ..., n_L]: depths 1 to 4, odd sizes; sigmoid outputs have one unit.
NETS = [
    pytest.param([7, 3], "softmax", id="7-3-softmax"),
    pytest.param([7, 5, 3], "softmax", id="7-5-3-softmax"),
    pytest.param([4, 6, 9, 2], "softmax", id="4-6-9-2-softmax"),
    pytest.param([5, 11, 7, 3, 4], "softmax", id="5-11-7-3-4-softmax"),
    pytest.param([4, 1], "sigmoid", id="4-1-sigmoid"),
    pytest.param([3, 9, 1], "sigmoid", id="3-9-1-sigmoid"),
    pytest.param([6, 5, 3, 1], "sigmoid", id="6-5-3-1-sigmoid"),
    pytest.param([5, 11, 7, 3, 1], "sigmoid", id="5-11-7-3-1-sigmoid"),
]
N_EXAMPLES = 9
KINK_MARGIN = 1e-4  # every hidden pre-activation at least this far from 0 (relu's kink)
# Keras probability-based losses clip at 1e-7: parity needs every probability well inside.
PROB_MARGIN = 1e-6
TOL = {
    np.float32: dict(rtol=1e-5, atol=1e-6),
    np.float64: dict(rtol=1e-12, atol=1e-14),
}


def random_params(rng, sizes, dtype=np.float64) -> dict:
    """Moderate non-zero weights, W_l ~ N(0, 1/n_{l-1}), and non-zero biases b_l ~ N(0, 0.5^2)."""
    params = {}
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{l}"] = (rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)).astype(dtype)
        params[f"b{l}"] = (0.5 * rng.standard_normal(n_out)).astype(dtype)
    return params


def kink_margin(cache) -> float:
    """Smallest |Z_l| over the hidden layers (inf for a network without any)."""
    hidden = [np.abs(cache[f"Z{l}"]).min() for l in range(1, cache["L"])]
    return float(min(hidden)) if hidden else np.inf


def problem(rng, sizes, activation, output, n=N_EXAMPLES, dtype=np.float64):
    """(params, X, y) with random non-zero weights and biases, away from relu's kink.

    Redraws (deterministically, from ``rng``) until every hidden
    pre-activation is at least KINK_MARGIN from 0, so finite differences never
    step across a kink.
    """
    for _ in range(50):
        params = random_params(rng, sizes, dtype)
        X = rng.standard_normal((n, sizes[0])).astype(dtype)
        _, cache = mlp.forward(params, X, activation, output)
        if kink_margin(cache) > KINK_MARGIN:
            break
    else:
        raise AssertionError(f"no draw kept the hidden pre-activations {KINK_MARGIN} away from 0")
    y = rng.integers(0, 2 if output == "sigmoid" else sizes[-1], size=n)
    return params, X, y


def keras_activation(tf, name: str):
    # Keras' "leaky_relu" has negative_slope 0.2; ours (the textbook value) is 0.01.
    # tf.nn.leaky_relu(alpha=0.01) would store alpha as float32 (0.00999999978),
    # a 2e-8 relative difference in float64: spell the slope out instead.
    if name == "leaky_relu":
        return lambda z: tf.where(z > 0, z, 0.01 * z)
    return name


def keras_model(tf, params: dict, activation: str, output: str, dtype):
    """A Sequential of Dense layers holding exactly ``params`` (Keras layout: no reshuffling)."""
    L = mlp.n_layers(params)
    layers = [tf.keras.Input(shape=(params["W1"].shape[0],), dtype=np.dtype(dtype).name)]
    for l in range(1, L + 1):
        act = keras_activation(tf, activation) if l < L else output
        layers.append(tf.keras.layers.Dense(params[f"W{l}"].shape[1], activation=act, dtype=np.dtype(dtype).name))
    model = tf.keras.Sequential(layers)
    for l, layer in enumerate(model.layers, start=1):
        layer.set_weights([params[f"W{l}"], params[f"b{l}"]])
    return model


def keras_loss(tf, output: str, y, probs):
    """Keras' mean cross-entropy of ``probs`` in their own dtype (Keras losses default to float32)."""
    dtype = probs.dtype.name
    if output == "softmax":
        return tf.keras.losses.SparseCategoricalCrossentropy(dtype=dtype)(y, probs)
    return tf.keras.losses.BinaryCrossentropy(dtype=dtype)(y.reshape(-1, 1).astype(dtype), probs)


def cost_of(params, X, y, activation, output) -> float:
    return mlp.cost_from_cache(mlp.forward(params, X, activation, output)[1], y)


def small_problem(rng, sizes=(4, 5, 3), n=12, output="softmax"):
    params = random_params(rng, list(sizes))
    X = rng.standard_normal((n, sizes[0]))
    y = rng.integers(0, 2 if output == "sigmoid" else sizes[-1], size=n)
    return params, X, y


# ------------------------------------------------------- Keras parity


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sizes, output", NETS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_forward_matches_keras_sequential(tf, rng, activation, sizes, output, dtype):
    params, X, _ = problem(rng, sizes, activation, output, dtype=dtype)
    probs, cache = mlp.forward(params, X, activation, output)
    want = keras_model(tf, params, activation, output, dtype)(X).numpy()
    if output == "sigmoid":
        want = want[:, 0]  # ours returns (N,) for a sigmoid output
    label = f"forward {sizes} {activation}/{output} {np.dtype(dtype).name}"
    assert probs.shape == (N_EXAMPLES,) + ((sizes[-1],) if output == "softmax" else ())
    assert_close(label, probs, want, check_dtype=True, **TOL[dtype])
    for l in range(1, len(sizes)):
        assert cache[f"Z{l}"].dtype == dtype and cache[f"A{l}"].dtype == dtype, f"{label}: layer {l} left {dtype}"


# float64 on every network, tightly; float32 on two of them (the deepest of each output), as Keras runs.
TAPE_CASES = [pytest.param(np.float64, *p.values, id=f"float64-{p.id}") for p in NETS] + [
    pytest.param(np.float32, *p.values, id=f"float32-{p.id}") for p in NETS[3:4] + NETS[7:8]]
TAPE_TOL = {
    np.float64: dict(cost=dict(rtol=1e-12, atol=0), grads=dict(rtol=1e-9, atol=1e-13)),
    np.float32: dict(cost=dict(rtol=1e-5, atol=0), grads=dict(rtol=1e-4, atol=1e-6)),
}


@pytest.mark.parametrize("dtype, sizes, output", TAPE_CASES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_backward_matches_gradient_tape_of_keras_loss(tf, rng, activation, dtype, sizes, output):
    params, X, y = problem(rng, sizes, activation, output, dtype=dtype)
    model = keras_model(tf, params, activation, output, dtype)
    with tf.GradientTape() as tape:
        probs_tf = model(X)
        loss = keras_loss(tf, output, y, probs_tf)
    tf_grads = tape.gradient(loss, model.trainable_variables)
    p = probs_tf.numpy()
    assert p.min() > PROB_MARGIN and p.max() < 1 - PROB_MARGIN, "a probability would be clipped by Keras"

    probs, cache = mlp.forward(params, X, activation, output)
    label = f"{sizes} {activation}/{output} {np.dtype(dtype).name}"
    assert_close(f"cost {label}", mlp.cost_from_cache(cache, y), loss.numpy(), **TAPE_TOL[dtype]["cost"])
    grads = mlp.backward(params, cache, y)
    L = len(sizes) - 1
    assert list(grads) == [f"d{k}{l}" for l in range(1, L + 1) for k in "Wb"], f"{label}: keys {list(grads)}"
    assert len(tf_grads) == 2 * L
    for l in range(1, L + 1):
        kernel, bias = tf_grads[2 * l - 2], tf_grads[2 * l - 1]
        assert_close(f"dW{l} {label}", grads[f"dW{l}"], kernel.numpy(), check_dtype=True, **TAPE_TOL[dtype]["grads"])
        assert_close(f"db{l} {label}", grads[f"db{l}"], bias.numpy(), check_dtype=True, **TAPE_TOL[dtype]["grads"])


# ------------------------------------------------ finite differences


@pytest.mark.parametrize("sizes, output", NETS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_backward_matches_finite_differences(rng, activation, sizes, output):
    params, X, y = problem(rng, sizes, activation, output)
    _, cache = mlp.forward(params, X, activation, output)
    grads = mlp.backward(params, cache, y)
    for name in params:
        def cost(value, name=name):
            return cost_of({**params, name: value}, X, y, activation, output)

        want = numerical_grad(cost, params[name])
        err = rel_error(grads["d" + name], want)
        assert err < 1e-6, f"d{name} vs finite differences, {sizes} {activation}/{output}: rel error {err:.2e}"


def test_finite_difference_check_catches_a_wrong_backward(rng):
    # The check above can fail: dropping the activation derivative is far outside 1e-6.
    params, X, y = problem(rng, [4, 6, 3], "tanh", "softmax")
    _, cache = mlp.forward(params, X, "tanh", "softmax")
    bad = mlp.backward(params, {**cache, "activation": "linear"}, y)
    want = numerical_grad(lambda W: cost_of({**params, "W1": W}, X, y, "tanh", "softmax"), params["W1"])
    assert rel_error(bad["dW1"], want) > 1e-3


# -------------------------------------------------- predict, evaluate


@pytest.mark.parametrize("sizes, output", [NETS[2], NETS[6]])
def test_predict_and_evaluate_follow_forward(rng, sizes, output):
    params, X, y = problem(rng, sizes, "tanh", output, n=15)
    probs, cache = mlp.forward(params, X, "tanh", output)
    pred = mlp.predict(params, X, "tanh", output)
    want = np.argmax(probs, axis=1) if output == "softmax" else (probs >= 0.5).astype(int)
    assert np.array_equal(pred, want), f"predict {pred} != {want}"
    cost, accuracy = mlp.evaluate(params, X, y, "tanh", output)
    assert cost == mlp.cost_from_cache(cache, y)
    assert accuracy == np.mean(want == y)


# ---------------------------------------------------------- init_params


@pytest.mark.parametrize("sizes", [[3, 3, 3], [7, 3], [5, 11, 7, 3, 4], [3, 9, 1], [64, 64, 10]])
@pytest.mark.parametrize("init", ["xavier_normal", "xavier_uniform", "he_normal"])
def test_init_params_shapes_follow_the_dense_layout(sizes, init):
    params = mlp.init_params(sizes, init, rng=np.random.default_rng(0))
    L = len(sizes) - 1
    assert list(params) == [f"{k}{l}" for l in range(1, L + 1) for k in "Wb"], list(params)
    for l in range(1, L + 1):
        assert params[f"W{l}"].shape == (sizes[l - 1], sizes[l]), f"W{l} {params[f'W{l}'].shape}"
        assert params[f"b{l}"].shape == (sizes[l],), f"b{l} {params[f'b{l}'].shape}"
        assert params[f"W{l}"].dtype == params[f"b{l}"].dtype == np.float64
        assert np.all(params[f"W{l}"] != 0), f"W{l} has zero entries"
        assert np.all(params[f"b{l}"] == 0), f"b{l} should start at zero"
    assert mlp.n_layers(params) == L


def test_init_params_of_the_chapters_3_3_3_network():
    params = mlp.init_params([3, 3, 3], rng=np.random.default_rng(1))
    shapes = {k: v.shape for k, v in params.items()}
    assert shapes == {"W1": (3, 3), "b1": (3,), "W2": (3, 3), "b2": (3,)}, shapes


@pytest.mark.parametrize(
    "init, fn", [("xavier_normal", xavier_normal), ("xavier_uniform", xavier_uniform), ("he_normal", he_normal)]
)
def test_init_params_draws_each_layer_from_the_named_initializer_in_order(init, fn):
    sizes = [5, 11, 7, 3]
    params = mlp.init_params(sizes, init, rng=np.random.default_rng(7))
    rng = np.random.default_rng(7)
    for l in range(1, len(sizes)):
        assert_close(f"{init} W{l}", params[f"W{l}"], fn(sizes[l - 1], sizes[l], rng), rtol=0, atol=0)


def test_init_params_default_is_xavier_normal_and_seeded():
    sizes = [6, 4, 2]
    a = mlp.init_params(sizes, rng=np.random.default_rng(3))
    b = mlp.init_params(sizes, "xavier_normal", rng=np.random.default_rng(3))
    c = mlp.init_params(sizes, rng=np.random.default_rng(4))
    for k in a:
        assert_close(f"same seed {k}", a[k], b[k], rtol=0, atol=0)
    assert not np.array_equal(a["W1"], c["W1"]), "a different seed must give different weights"


# ---------------------------------------------------------------- fit


@pytest.mark.parametrize("activation, sizes, output", [("relu", (4, 5, 3), "softmax"), ("tanh", (3, 7, 1), "sigmoid")])
def test_full_batch_fit_equals_manual_gradient_descent(rng, activation, sizes, output):
    params, X, y = small_problem(rng, sizes, output=output)
    lr = 0.3
    got, history = mlp.fit(params, X, y, lr=lr, epochs=3, activation=activation, output=output)
    want = {k: v.copy() for k, v in params.items()}
    costs = []
    for _ in range(3):
        _, cache = mlp.forward(want, X, activation, output)
        grads = mlp.backward(want, cache, y)
        want = {k: v - lr * grads["d" + k] for k, v in want.items()}
        costs.append(cost_of(want, X, y, activation, output))
    for k in want:
        assert_close(f"{k} after 3 epochs", got[k], want[k], rtol=1e-13, atol=1e-15)
    assert_close("history cost", history["cost"], costs, rtol=1e-13, atol=0)


def test_full_batch_fit_with_momentum_and_l2_equals_manual_steps(rng):
    """Momentum as Keras (v <- m v - lr g, W <- W + v); L2 adds l2 * W to dW only, and (l2/2)||W||^2 to the cost."""
    params, X, y = small_problem(rng)
    lr, m, l2 = 0.2, 0.9, 0.05
    got, history = mlp.fit(params, X, y, lr=lr, epochs=4, momentum=m, l2=l2, activation="tanh")
    want = {k: v.copy() for k, v in params.items()}
    velocity = {k: np.zeros_like(v) for k, v in want.items()}
    costs = []
    for _ in range(4):
        _, cache = mlp.forward(want, X, "tanh")
        grads = mlp.backward(want, cache, y)
        for k in want:
            g = grads["d" + k] + (l2 * want[k] if k.startswith("W") else 0)
            velocity[k] = m * velocity[k] - lr * g
            want[k] = want[k] + velocity[k]
        penalty = 0.5 * l2 * sum(np.sum(v**2) for k, v in want.items() if k.startswith("W"))
        costs.append(cost_of(want, X, y, "tanh", "softmax") + penalty)
    for k in want:
        assert_close(f"{k} after 4 momentum epochs", got[k], want[k], rtol=1e-12, atol=1e-14)
    assert_close("history cost with L2", history["cost"], costs, rtol=1e-12, atol=0)


def test_mini_batch_fit_equals_manual_shuffled_steps(rng):
    params, X, y = small_problem(rng, n=11)
    lr, batch = 0.1, 4  # 11 examples: batches of 4, 4 and 3
    got, _ = mlp.fit(params, X, y, lr=lr, epochs=2, batch_size=batch, rng=np.random.default_rng(5))
    shuffle = np.random.default_rng(5)
    want = {k: v.copy() for k, v in params.items()}
    for _ in range(2):
        order = shuffle.permutation(len(X))
        for start in range(0, len(X), batch):
            idx = order[start:start + batch]
            _, cache = mlp.forward(want, X[idx])
            grads = mlp.backward(want, cache, y[idx])
            want = {k: v - lr * grads["d" + k] for k, v in want.items()}
    for k in want:
        assert_close(f"{k} after 2 mini-batch epochs", got[k], want[k], rtol=1e-13, atol=1e-15)


def test_mini_batch_fit_is_reproducible_with_the_same_rng(rng):
    params, X, y = small_problem(rng, n=20)
    kwargs = dict(lr=0.1, epochs=3, batch_size=6, momentum=0.5)
    a, ha = mlp.fit(params, X, y, rng=np.random.default_rng(11), **kwargs)
    b, hb = mlp.fit(params, X, y, rng=np.random.default_rng(11), **kwargs)
    c, _ = mlp.fit(params, X, y, rng=np.random.default_rng(12), **kwargs)
    for k in a:
        assert_close(f"same rng {k}", a[k], b[k], rtol=0, atol=0)
    assert ha == hb
    assert not np.array_equal(a["W1"], c["W1"]), "another shuffling seed must give other weights"


@pytest.mark.parametrize("with_validation", [False, True])
def test_history_has_one_entry_per_epoch(rng, with_validation):
    params, X, y = small_problem(rng, n=20)
    val = (X[:7], y[:7]) if with_validation else None
    _, history = mlp.fit(params, X, y, lr=0.1, epochs=5, batch_size=8, rng=rng, validation_data=val)
    keys = ["cost", "accuracy"] + (["val_cost", "val_accuracy"] if with_validation else [])
    assert sorted(history) == sorted(keys), sorted(history)
    for k in keys:
        assert len(history[k]) == 5, f"history[{k!r}] has {len(history[k])} entries, want 5"
        assert all(isinstance(v, float) for v in history[k]), f"history[{k!r}]: {history[k]}"
    assert all(0 <= a <= 1 for a in history["accuracy"])


def test_validation_history_is_evaluate_on_the_validation_set(rng):
    params, X, y = small_problem(rng, n=20)
    Xv, yv = rng.standard_normal((7, 4)), rng.integers(0, 3, size=7)
    got, history = mlp.fit(params, X, y, lr=0.1, epochs=2, activation="sigmoid", validation_data=(Xv, yv))
    cost, accuracy = mlp.evaluate(got, Xv, yv, activation="sigmoid")
    assert history["val_cost"][-1] == cost and history["val_accuracy"][-1] == accuracy


def test_fit_does_not_modify_the_input_params(rng):
    params, X, y = small_problem(rng, n=20)
    before = copy.deepcopy(params)
    got, _ = mlp.fit(params, X, y, lr=0.5, epochs=3, batch_size=5, momentum=0.9, l2=0.01, rng=rng)
    for k in before:
        assert_close(f"input {k} untouched", params[k], before[k], rtol=0, atol=0)
        assert got[k] is not params[k] and not np.shares_memory(got[k], params[k])
    assert not np.array_equal(got["W1"], before["W1"]), "fit must have trained something"


@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
def test_cost_decreases_on_an_easy_problem(rng, output):
    # Two well-separated blobs; full-batch gradient descent with a small step.
    n = 40
    y = np.repeat([0, 1], n // 2)
    X = rng.standard_normal((n, 2)) * 0.5 + np.where(y[:, None] == 1, 2.0, -2.0)
    sizes = [2, 5, 2 if output == "softmax" else 1]
    params = mlp.init_params(sizes, rng=rng)
    _, history = mlp.fit(params, X, y, lr=0.5, epochs=30, activation="tanh", output=output)
    costs = np.array(history["cost"])
    assert np.all(np.diff(costs) < 0), f"cost must fall every epoch: {costs}"
    assert costs[-1] < 0.2 * costs[0], f"cost {costs[0]:.3f} -> {costs[-1]:.3f}"
    assert history["accuracy"][-1] == 1.0


def test_digits_reach_97_percent_validation_accuracy():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X / 16, y, test_size=0.25, random_state=0, stratify=y)
    rng = np.random.default_rng(0)
    params = mlp.init_params([64, 64, 10], rng=rng)
    _, history = mlp.fit(
        params, X_train, y_train, lr=0.1, epochs=60, batch_size=32, momentum=0.9, rng=rng,
        validation_data=(X_val, y_val),
    )
    # Measured 0.9733 (438 of 450); relu hidden layer, the default.
    assert history["val_accuracy"][-1] >= 0.97, f"validation accuracy {history['val_accuracy'][-1]:.4f}"
    assert history["cost"][-1] < history["cost"][0]


def test_l2_gives_smaller_weights(rng):
    params, X, y = small_problem(rng, n=30)
    kwargs = dict(lr=0.3, epochs=40, batch_size=10, momentum=0.5)
    plain, _ = mlp.fit(params, X, y, l2=0.0, rng=np.random.default_rng(2), **kwargs)
    decayed, _ = mlp.fit(params, X, y, l2=0.1, rng=np.random.default_rng(2), **kwargs)
    for k in ("W1", "W2"):
        a, b = np.linalg.norm(decayed[k]), np.linalg.norm(plain[k])
        assert a < b, f"||{k}|| with l2=0.1 is {a:.4f}, not below {b:.4f} with l2=0"


@pytest.mark.parametrize("batch_size", [None, 8])
def test_huge_learning_rate_raises_divergence_error(rng, batch_size):
    params = mlp.init_params([4, 6, 3], rng=rng)
    params = {k: 3 * v for k, v in params.items()}  # large-ish weights
    X, y = rng.standard_normal((30, 4)), rng.integers(0, 3, size=30)
    with pytest.raises(DivergenceError, match=r"diverged .*epoch 1 .*learning rate lr=10000\b") as info:
        mlp.fit(params, X, y, lr=1e4, epochs=5, batch_size=batch_size, rng=rng)
    err = info.value
    assert err.epoch == 1 and err.lr == 1e4
    assert len(err.history["cost"]) == 1 and np.isfinite(err.history["cost"][0])


def test_overflowing_learning_rate_raises_instead_of_returning_nan(rng):
    params, X, y = small_problem(rng)
    with np.errstate(over="ignore", invalid="ignore"), pytest.raises(DivergenceError, match=r"epoch 1 .*lr=1e\+300.*nan") as info:
        mlp.fit(params, X, y, lr=1e300, epochs=3)
    assert np.isnan(info.value.history["cost"][-1])


# ----------------------------------------------------------- bad input


def _params(sizes=(4, 5, 3)):
    return random_params(np.random.default_rng(0), list(sizes))


X6 = np.random.default_rng(1).standard_normal((6, 4))
Y6 = np.array([0, 1, 2, 0, 1, 2])


def fit(**kw):
    args = dict(params=_params(), X=X6, y=Y6, lr=0.1, epochs=2)
    args.update(kw)
    return mlp.fit(**args)


def forward(params=None, X=X6, activation="relu", output="softmax"):
    return mlp.forward(_params() if params is None else params, X, activation, output)


def backward(y, sizes=(4, 5, 3), output="softmax"):
    params = _params(sizes)
    _, cache = mlp.forward(params, X6, "relu", output)
    return mlp.backward(params, cache, y)


def _bad_layers():
    mismatched = _params()
    mismatched["W2"] = np.ones((6, 3))
    bias = _params()
    bias["b1"] = np.ones(4)
    missing = _params()
    del missing["b2"]
    return mismatched, bias, missing


MISMATCHED, BAD_BIAS, MISSING_B2 = _bad_layers()

BAD_INPUT = [
    # lengths, shapes
    pytest.param(lambda: fit(y=Y6[:5]), ValueError, r"y must have shape \(6,\), one label per row of X, got \(5,\)", id="fit-X-y-lengths"),
    pytest.param(lambda: backward(Y6[:5]), ValueError, r"y must have shape \(6,\).*got \(5,\)", id="backward-X-y-lengths"),
    pytest.param(lambda: fit(X=X6[:, :3]), ValueError, r"X has 3 features but W1 expects 4", id="fit-X-features"),
    pytest.param(lambda: forward(X=X6[:, :3]), ValueError, r"X has 3 features but W1 expects 4", id="forward-X-features"),
    pytest.param(lambda: forward(X=X6[0]), ValueError, r"X must be 2-D .*got shape \(4,\)", id="forward-X-1d"),
    pytest.param(lambda: fit(X=X6[None]), ValueError, r"X must be 2-D .*got shape \(1, 6, 4\)", id="fit-X-3d"),
    pytest.param(lambda: fit(X=np.where(X6 > 1, np.nan, X6)), ValueError, r"X contains NaN or inf", id="fit-X-nan"),
    # labels
    pytest.param(lambda: fit(params=_params((4, 5, 10)), y=np.array([0, 1, 10, 3, 4, 5])), ValueError,
                 r"label 10 in y is outside the classes 0\.\.9", id="fit-label-10-of-10"),
    pytest.param(lambda: fit(y=np.array([0, 1, -1, 2, 0, 1])), ValueError, r"label -1 in y is outside the classes 0\.\.2", id="fit-label--1"),
    pytest.param(lambda: backward(np.array([0, 1, 3, 2, 0, 1])), ValueError, r"label 3 in y is outside the classes 0\.\.2", id="backward-label-3"),
    pytest.param(lambda: fit(y=Y6.astype(float)), TypeError, r"class labels y must be integers, got dtype float64", id="fit-float-labels"),
    pytest.param(lambda: backward(Y6 + 0.5), TypeError, r"class labels y must be integers", id="backward-float-labels"),
    pytest.param(lambda: fit(params=_params((4, 5, 1)), output="sigmoid", y=np.array([0, 1, 2, 0, 1, 1])), ValueError,
                 r"binary labels y must be 0 or 1, got 2\b", id="fit-sigmoid-label-2"),
    pytest.param(lambda: backward(np.array([0, 1, 1, 0, -1, 1]), sizes=(4, 5, 1), output="sigmoid"), ValueError,
                 r"binary labels y must be 0 or 1, got -1\b", id="backward-sigmoid-label--1"),
    # names
    pytest.param(lambda: forward(output="sigmoid"), ValueError, r"a sigmoid output needs one output unit, W2 has 3", id="forward-sigmoid-3-units"),
    pytest.param(lambda: fit(output="sigmoid", y=np.array([0, 1, 1, 0, 0, 1])), ValueError, r"sigmoid output needs one output unit", id="fit-sigmoid-3-units"),
    pytest.param(lambda: forward(activation="swish"), ValueError, r"unknown activation name='swish'", id="forward-unknown-activation"),
    pytest.param(lambda: fit(activation="softmax"), ValueError, r"unknown activation name='softmax'", id="fit-unknown-activation"),
    pytest.param(lambda: forward(output="softplus"), ValueError, r"unknown output='softplus'.*'softmax', 'sigmoid'", id="forward-unknown-output"),
    pytest.param(lambda: fit(output="linear"), ValueError, r"unknown output='linear'", id="fit-unknown-output"),
    pytest.param(lambda: mlp.init_params([4, 3], "glorot_normal"), ValueError, r"unknown init='glorot_normal'.*'xavier_normal'", id="unknown-init"),
    # hyperparameters
    pytest.param(lambda: fit(lr=0), ValueError, r"lr must be a positive number, got 0", id="lr-0"),
    pytest.param(lambda: fit(lr=-1), ValueError, r"lr must be a positive number, got -1", id="lr--1"),
    pytest.param(lambda: fit(lr=float("nan")), ValueError, r"lr must be finite, got nan", id="lr-nan"),
    pytest.param(lambda: fit(lr="0.1"), TypeError, r"lr must be a real number, got '0\.1'", id="lr-string"),
    pytest.param(lambda: fit(l2=-0.1), ValueError, r"l2 must be >= 0, got -0\.1", id="l2-negative"),
    pytest.param(lambda: fit(momentum=1), ValueError, r"momentum must be in \[0, 1\), got 1\.0", id="momentum-1"),
    pytest.param(lambda: fit(momentum=-0.1), ValueError, r"momentum must be in \[0, 1\), got -0\.1", id="momentum--0.1"),
    pytest.param(lambda: fit(batch_size=0), ValueError, r"batch_size must be a positive integer, got 0", id="batch_size-0"),
    pytest.param(lambda: fit(batch_size=2.5), TypeError, r"batch_size must be a positive integer, got 2\.5", id="batch_size-float"),
    pytest.param(lambda: fit(epochs=0), ValueError, r"epochs must be a positive integer, got 0", id="epochs-0"),
    # layer sizes and params
    pytest.param(lambda: mlp.init_params([5]), ValueError, r"layer_sizes must list at least an input and an output size, got \[5\]", id="layer_sizes-one"),
    pytest.param(lambda: mlp.init_params([]), ValueError, r"layer_sizes must list at least an input and an output size, got \[\]", id="layer_sizes-empty"),
    pytest.param(lambda: mlp.init_params([4, 0, 3]), ValueError, r"layer_sizes\[1\] must be a positive integer, got 0", id="layer_sizes-zero"),
    pytest.param(lambda: mlp.init_params([4, 2.5, 3]), TypeError, r"layer_sizes\[1\] must be a positive integer, got 2\.5", id="layer_sizes-float"),
    pytest.param(lambda: forward(params=MISMATCHED), ValueError, r"W1 has 5 outputs but W2 expects 6 inputs", id="forward-params-mismatched"),
    pytest.param(lambda: fit(params=MISMATCHED), ValueError, r"W1 has 5 outputs but W2 expects 6 inputs", id="fit-params-mismatched"),
    pytest.param(lambda: fit(params=BAD_BIAS), ValueError, r"layer 1: W1 \(4, 5\) and b1 \(4,\) do not fit", id="fit-params-bias"),
    pytest.param(lambda: forward(params=MISSING_B2), ValueError, r"missing layer 2", id="forward-params-missing-b2"),
    pytest.param(lambda: forward(params={}), ValueError, r"params holds no layers", id="forward-params-empty"),
    pytest.param(lambda: mlp.n_layers([_params()]), TypeError, r"params must be a dict .*got list", id="n_layers-list"),
    pytest.param(lambda: mlp.n_layers(None), TypeError, r"params must be a dict .*got NoneType", id="n_layers-none"),
    pytest.param(lambda: mlp.n_layers({1: 2}), TypeError, r"params keys must be names such as 'W1'.*got 1", id="n_layers-int-key"),
    pytest.param(lambda: forward(params={1: 2}), TypeError, r"params keys must be names", id="forward-params-int-key"),
    pytest.param(lambda: forward(activation=None), TypeError, r"activation must be a name such as 'relu', got None", id="forward-activation-none"),
    pytest.param(lambda: forward(output=np.array(["a", "b"])), ValueError, r"unknown output=array", id="forward-output-array"),
    pytest.param(lambda: mlp.cost_from_cache(forward()[1], [[1.0], [2.0, 3.0]]), TypeError,
                 r"y must be an array-like of labels", id="cost-ragged-labels"),
]


@pytest.mark.parametrize("call, exc, pattern", BAD_INPUT)
def test_bad_input_raises_naming_the_value(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def test_fit_checks_rng():
    params = mlp.init_params([2, 3, 2], rng=np.random.default_rng(0))
    X, y = np.random.default_rng(1).normal(size=(6, 2)), np.array([0, 1, 0, 1, 0, 1])
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        mlp.fit(params, X, y, lr=0.1, epochs=1, batch_size=2, rng=0)


def test_float32_network_gets_float32_gradients():
    params = {k: v.astype(np.float32) + np.float32(0.1) for k, v in mlp.init_params([3, 4, 2], rng=np.random.default_rng(0)).items()}
    X = np.random.default_rng(1).normal(size=(5, 3)).astype(np.float32)
    _, cache = mlp.forward(params, X, activation="tanh")
    grads = mlp.backward(params, cache, np.array([0, 1, 1, 0, 1]))
    assert all(g.dtype == np.float32 for g in grads.values()), {k: g.dtype for k, g in grads.items()}


def test_non_integer_layer_size_is_a_type_error():
    with pytest.raises(TypeError, match=r"layer_sizes\[1\] must be a positive integer"):
        mlp.init_params([4, 2.5, 3])


# ------------------------------------------------ issue 14: hostile input


@pytest.mark.parametrize(
    "validation_data, exc, pattern",
    [
        pytest.param(X6, TypeError, r"validation_data must be a pair \(X_val, y_val\), got ndarray of shape \(6, 4\)", id="X-alone"),
        pytest.param((X6,), TypeError, r"validation_data must be a pair \(X_val, y_val\), got tuple", id="one-tuple"),
        pytest.param((X6, Y6, Y6), TypeError, r"validation_data must be a pair", id="triple"),
        pytest.param("val", TypeError, r"validation_data must be a pair \(X_val, y_val\), got str", id="string"),
        pytest.param((X6[:, :3], Y6), ValueError, r"validation_data=\(X_val, y_val\): X has 3 features but W1 expects 4", id="features"),
        pytest.param((X6, Y6[:5]), ValueError, r"validation_data=\(X_val, y_val\): y must have shape \(6,\)", id="lengths"),
        pytest.param((X6, Y6 + 3), ValueError, r"validation_data=\(X_val, y_val\): label 3 in y is outside", id="labels"),
        pytest.param((np.where(X6 > 1, np.nan, X6), Y6), ValueError, r"validation_data=\(X_val, y_val\): X contains NaN", id="nan"),
    ],
)
def test_validation_data_is_checked_before_training(validation_data, exc, pattern, monkeypatch):
    steps = []
    real_step = mlp.SGD.step
    monkeypatch.setattr(mlp.SGD, "step", lambda self, *a: steps.append(1) or real_step(self, *a))
    with pytest.raises(exc, match=pattern):
        fit(validation_data=validation_data)
    assert steps == [], "fit trained before it rejected validation_data"


def test_validation_data_as_a_list_pair_is_accepted(rng):
    by_tuple = fit(validation_data=(X6, Y6))[1]
    by_list = fit(validation_data=[X6, Y6])[1]
    assert by_tuple == by_list and len(by_tuple["val_cost"]) == 2


def test_forward_and_backward_accept_parameters_as_lists():
    params = _params()
    as_lists = {k: v.tolist() for k, v in params.items()}
    probs, cache = mlp.forward(params, X6)
    probs_l, cache_l = mlp.forward(as_lists, X6)
    assert_close("probs from lists", probs_l, probs, rtol=0, atol=0)
    grads, grads_l = mlp.backward(params, cache, Y6), mlp.backward(as_lists, cache_l, Y6)
    for k in grads:
        assert_close(k, grads_l[k], grads[k], rtol=0, atol=0)
    assert_close("predict", mlp.predict(as_lists, X6), mlp.predict(params, X6), rtol=0, atol=0)


@pytest.mark.parametrize(
    "params, pattern",
    [
        pytest.param([np.ones((4, 3)), np.zeros(3)], r"params must be a dict .*got list", id="list-of-arrays"),
        pytest.param(None, r"params must be a dict .*got NoneType", id="None"),
        pytest.param({"W1": [["a"] * 3] * 4, "b1": np.zeros(3)}, r"params\['W1'\] must be a real numeric array-like", id="strings"),
        pytest.param({"W1": [[1.0, 2.0], [3.0]], "b1": np.zeros(2)}, r"params\['W1'\] must be a numeric array-like", id="ragged"),
    ],
)
def test_forward_rejects_params_it_cannot_read_naming_them(params, pattern):
    with pytest.raises(TypeError, match=pattern):
        mlp.forward(params, X6)
