"""Tests for dlnotes.gradients.

* ``numerical_gradient`` recovers gradients known in closed form (checked with
  the independent ``rel_error`` of conftest), honours ``eps``, restores ``x``
  and rejects what it cannot perturb in place;
* ``rel_error``: zero, symmetric, scale-free, shapes checked;
* ``layer_gradient_norms`` of ``mlp.backward`` equals ``keras_gradient_norms``
  (``tf.GradientTape`` through a float64 ``Sequential`` holding the same
  weights) over depths 1 to 4 and three activations;
* ``layer_activation_stats`` against numpy and a hand-written saturation
  count, and the three regimes of a deep tanh net (vanishing, saturated,
  Xavier in between).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_close, rel_error

from dlnotes import gradients, mlp
from dlnotes.gradients import keras_gradient_norms, layer_activation_stats, layer_gradient_norms, numerical_gradient

# ---------------------------------------------------- numerical_gradient


def _quadratic_form(rng):
    A = rng.standard_normal((5, 5))  # not symmetric: the gradient is (A + A^T) x, not 2 A x
    return (lambda x: x @ A @ x), (lambda x: (A + A.T) @ x), (5,)


def _matrix_function(rng):
    B = rng.standard_normal((3, 2))
    C = rng.standard_normal((4, 3))
    # f(X) = ||X B||^2 / 2 + sum(C * exp(X)) on a (4, 3) matrix: gradient X B B^T + C * exp(X).
    return (lambda X: 0.5 * np.sum((X @ B) ** 2) + np.sum(C * np.exp(X))), (lambda X: X @ B @ B.T + C * np.exp(X)), (4, 3)


KNOWN_GRADIENTS = [
    pytest.param(lambda rng: (lambda x: np.sum(x**2), lambda x: 2 * x, (7,)), id="sum-of-squares"),
    pytest.param(lambda rng: (lambda x: np.sum(np.sin(x)), np.cos, (3, 4)), id="sin"),
    pytest.param(_quadratic_form, id="x^T-A-x"),
    pytest.param(_matrix_function, id="2-D-array"),
]


@pytest.mark.parametrize("make", KNOWN_GRADIENTS)
def test_numerical_gradient_recovers_known_gradients(rng, make):
    f, grad_f, shape = make(rng)
    x = rng.standard_normal(shape)
    got = numerical_gradient(f, x)
    assert got.shape == x.shape and got.dtype == np.float64
    err = rel_error(got, grad_f(x))
    assert err < 1e-8, f"numerical gradient vs closed form: rel error {err:.2e}"


def test_numerical_gradient_restores_x_exactly(rng):
    x = rng.standard_normal((3, 5))
    before = x.copy()
    seen = []

    def f(z):
        seen.append(z is x)
        return np.sum(np.tanh(z) * before)

    got = numerical_gradient(f, x)
    assert all(seen), "x is perturbed in place (no copy per evaluation)"
    assert np.array_equal(x, before), "x must hold exactly its old values after the call"
    assert got is not x


@pytest.mark.parametrize("eps", [1e-1, 1e-2])
def test_numerical_gradient_uses_eps(rng, eps):
    # For x^3 the centred difference is exactly 3 x^2 + eps^2: the O(eps^2) error, spelled out.
    x = rng.standard_normal(6)
    got = numerical_gradient(lambda z: np.sum(z**3), x, eps=eps)
    assert_close(f"centred difference of x^3 with eps={eps}", got, 3 * x**2 + eps**2, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize(
    "x, pattern",
    [
        pytest.param([1.0, 2.0], r"x must be a float64 numpy array .*got list", id="list"),
        pytest.param(np.arange(3), r"x must be a float64 numpy array .*got ndarray of dtype int", id="int-array"),
        pytest.param(np.ones(3, np.float32), r"x must be a float64 numpy array .*got ndarray of dtype float32", id="float32"),
        pytest.param(1.5, r"x must be a float64 numpy array .*got float", id="python-float"),
    ],
)
def test_numerical_gradient_rejects_x_it_cannot_perturb_in_place(x, pattern):
    with pytest.raises(TypeError, match=pattern):
        numerical_gradient(np.sum, x)


@pytest.mark.parametrize(
    "eps, exc, pattern",
    [
        pytest.param(0, ValueError, r"eps must be a positive number, got 0", id="eps-0"),
        pytest.param(-1e-6, ValueError, r"eps must be a positive number, got -1e-06", id="eps-negative"),
        pytest.param(float("nan"), ValueError, r"eps must be finite, got nan", id="eps-nan"),
        pytest.param("1e-6", TypeError, r"eps must be a real number, got '1e-6'", id="eps-string"),
    ],
)
def test_numerical_gradient_rejects_bad_eps(eps, exc, pattern):
    with pytest.raises(exc, match=pattern):
        numerical_gradient(np.sum, np.ones(3), eps=eps)


# ------------------------------------------------------------ rel_error


def test_rel_error_is_zero_for_equal_arrays_and_a_float(rng):
    a = rng.standard_normal((4, 3))
    got = gradients.rel_error(a, a.copy())
    assert got == 0.0 and isinstance(got, float)


def test_rel_error_of_a_known_pair():
    # max |a - b| = 1, max(|a| + |b|) = 2 + 3 = 5
    assert gradients.rel_error([1.0, 2.0], [1.0, 3.0]) == pytest.approx(0.2, rel=1e-15)


def test_rel_error_is_symmetric_and_scale_free(rng):
    a, b = rng.standard_normal((5, 2)), rng.standard_normal((5, 2))
    err = gradients.rel_error(a, b)
    assert err > 0
    assert gradients.rel_error(b, a) == err
    assert gradients.rel_error(1e6 * a, 1e6 * b) == pytest.approx(err, rel=1e-12)
    assert gradients.rel_error(1e-6 * a, 1e-6 * b) == pytest.approx(err, rel=1e-12)
    assert err == pytest.approx(rel_error(a, b), rel=1e-15), "same definition as conftest's rel_error"


def test_rel_error_of_two_zero_arrays_is_zero():
    with np.errstate(all="raise"):  # no 0/0 on the way
        assert gradients.rel_error(np.zeros((2, 3)), np.zeros((2, 3))) == 0.0


def test_rel_error_rejects_different_shapes():
    with pytest.raises(ValueError, match=r"a and b must have the same shape, got a \(3,\) and b \(3, 1\)"):
        gradients.rel_error(np.ones(3), np.ones((3, 1)))


# --------------------------------------------------- layer gradient norms

ACTIVATIONS = ["tanh", "sigmoid", "relu"]
DEPTHS = {1: [5, 3], 2: [5, 7, 3], 3: [4, 6, 5, 3], 4: [5, 9, 4, 6, 3]}


def random_params(rng, sizes) -> dict:
    """Non-zero weights W_l ~ N(0, 1/n_{l-1}) and non-zero biases b_l ~ N(0, 0.5^2)."""
    params = {}
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{l}"] = rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)
        params[f"b{l}"] = 0.5 * rng.standard_normal(n_out)
    return params


def keras_model(tf, params: dict, activation: str):
    """A float64 Sequential of Dense layers (softmax output) holding exactly ``params``."""
    L = mlp.n_layers(params)
    layers = [tf.keras.Input(shape=(params["W1"].shape[0],), dtype="float64")]
    for l in range(1, L + 1):
        layers.append(tf.keras.layers.Dense(params[f"W{l}"].shape[1], activation=activation if l < L else "softmax", dtype="float64"))
    model = tf.keras.Sequential(layers)
    for l, layer in enumerate(model.layers, start=1):
        layer.set_weights([params[f"W{l}"], params[f"b{l}"]])
    return model


def gradient_problem(rng, depth, activation, n=11):
    sizes = DEPTHS[depth]
    params = random_params(rng, sizes)
    X = rng.standard_normal((n, sizes[0]))
    y = rng.integers(0, sizes[-1], size=n)
    _, cache = mlp.forward(params, X, activation)
    return params, X, y, mlp.backward(params, cache, y)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("depth", sorted(DEPTHS))
def test_layer_gradient_norms_equal_keras_gradient_norms(tf, rng, depth, activation):
    params, X, y, grads = gradient_problem(rng, depth, activation)
    ours = layer_gradient_norms(grads)
    assert list(ours) == list(range(1, depth + 1)), f"keys 1..{depth} in layer order, got {list(ours)}"
    for l in ours:
        assert isinstance(ours[l], float)
        assert ours[l] == pytest.approx(np.sqrt(np.sum(grads[f"dW{l}"] ** 2)), rel=1e-14), f"layer {l}: Frobenius norm"
    keras = keras_gradient_norms(keras_model(tf, params, activation), X, y)
    assert list(keras) == list(ours)
    # Keras' default loss object computes in float32 (its dtype is floatx): parity to about 1e-7.
    assert_close(f"gradient norms, depth {depth}, {activation}", list(keras.values()), list(ours.values()), rtol=1e-6, atol=0)


def test_layer_gradient_norms_order_layers_by_number_not_by_key():
    grads = {f"dW{l}": np.full((2, 2), float(l)) for l in (11, 2, 10, 1, 3, 4, 5, 6, 7, 8, 9)}
    grads.update({"db1": np.ones(2), "db11": np.ones(2)})
    got = layer_gradient_norms(grads)
    assert list(got) == list(range(1, 12))
    assert_close("||dW_l|| of a 2x2 matrix of l's is 2 l", list(got.values()), [2.0 * l for l in range(1, 12)], rtol=1e-15, atol=0)


@pytest.mark.parametrize(
    "keys",
    [pytest.param(["dW1", "dW3"], id="gap"), pytest.param(["dW2", "dW3"], id="no-dW1")],
)
def test_layer_gradient_norms_reject_layers_out_of_order(keys):
    grads = {k: np.ones((2, 2)) for k in keys}
    with pytest.raises(ValueError, match=r"grads must hold dW1, dW2, \.\.\. in layer order without gaps, got \[.*'dW3'\]"):
        layer_gradient_norms(grads)


def test_keras_gradient_norms_need_a_layer_with_a_kernel(tf, rng):
    model = tf.keras.Sequential([tf.keras.Input(shape=(4,), dtype="float64"), tf.keras.layers.Activation("softmax")])
    with pytest.raises(ValueError, match=r"no layer with a kernel"):
        keras_gradient_norms(model, rng.standard_normal((3, 4)), np.array([0, 1, 2]))


def test_keras_gradient_norms_use_the_compiled_loss(tf, rng):
    params, X, y, grads = gradient_problem(rng, 3, "tanh")
    ours = list(layer_gradient_norms(grads).values())

    model = keras_model(tf, params, "tanh")
    model.compile(loss="sparse_categorical_crossentropy")
    by_name = list(keras_gradient_norms(model, X, y).values())
    # The loss function named by the string computes in the outputs' float64, so this is tight.
    assert_close("norms with the compiled 'sparse_categorical_crossentropy'", by_name, ours, rtol=1e-10, atol=0)

    scce = tf.keras.losses.sparse_categorical_crossentropy
    model = keras_model(tf, params, "tanh")
    model.compile(loss=lambda y_true, y_pred: 3.0 * scce(y_true, y_pred))
    tripled = list(keras_gradient_norms(model, X, y).values())
    assert_close("norms with a compiled loss three times the cross-entropy", tripled, 3 * np.array(ours), rtol=1e-10, atol=0)


# ------------------------------------------------- layer activation stats


def saturated_by_hand(activation: str, Z: np.ndarray) -> float:
    if activation == "tanh":
        return float(np.mean(1 - np.tanh(Z) ** 2 < 0.1))
    if activation == "sigmoid":
        s = 1 / (1 + np.exp(-Z))
        return float(np.mean(s * (1 - s) < 0.025))
    return float(np.mean(Z <= 0))  # relu: the inactive units


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_layer_activation_stats_match_numpy_and_a_hand_count(rng, activation):
    sizes = [6, 30, 25, 20, 3]
    # Weights twice the N(0, 1/n) scale, so every layer has some saturated units and some not.
    params = random_params(rng, sizes)
    params = {k: (3.0 * v if k.startswith("W") else v) for k, v in params.items()}
    _, cache = mlp.forward(params, rng.standard_normal((40, sizes[0])), activation)
    stats = layer_activation_stats(cache)
    assert list(stats) == [1, 2, 3], "hidden layers only, in order"
    for l, s in stats.items():
        A, Z = cache[f"A{l}"], cache[f"Z{l}"]
        assert sorted(s) == ["mean", "saturated", "std"]
        assert all(isinstance(v, float) for v in s.values())
        assert s["mean"] == pytest.approx(np.mean(A), rel=1e-13, abs=1e-15), f"layer {l} mean"
        assert s["std"] == pytest.approx(np.std(A), rel=1e-13), f"layer {l} std"
        want = saturated_by_hand(activation, Z)
        assert 0 < want < 1, f"layer {l}: the test needs a mix of saturated and active units, got {want}"
        assert s["saturated"] == want, f"layer {l} saturated fraction"


def test_layer_activation_stats_threshold_is_relative_to_the_peak_derivative(rng):
    params = random_params(rng, [4, 50, 3])
    _, cache = mlp.forward(params, 2.0 * rng.standard_normal((60, 4)), "tanh")
    Z = cache["Z1"]
    got = layer_activation_stats(cache, threshold=0.5)[1]["saturated"]
    assert got == float(np.mean(1 - np.tanh(Z) ** 2 < 0.5))


def test_layer_activation_stats_of_a_network_without_hidden_layers_is_empty(rng):
    _, cache = mlp.forward(random_params(rng, [4, 3]), rng.standard_normal((5, 4)), "tanh")
    assert layer_activation_stats(cache) == {}


def deep_tanh_stats(rng, weight_std):
    """Activation stats of a 6-layer tanh net, width 100, zero biases; ``None``: Xavier normal weights."""
    sizes = [100] * 6 + [10]
    if weight_std is None:
        params = mlp.init_params(sizes, "xavier_normal", rng)
    else:
        params = {}
        for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            params[f"W{l}"] = weight_std * rng.standard_normal((n_in, n_out))
            params[f"b{l}"] = np.zeros(n_out)
    _, cache = mlp.forward(params, rng.standard_normal((400, sizes[0])), "tanh")
    return layer_activation_stats(cache)


def test_three_regimes_of_a_deep_tanh_network(rng):
    small, xavier, large = (deep_tanh_stats(rng, s) for s in (0.01, None, 1.0))
    assert list(small) == list(xavier) == list(large) == [1, 2, 3, 4, 5]

    # N(0, 0.01^2) weights, width 100: each layer multiplies the spread by about sqrt(100) * 0.01 = 0.1.
    std = np.array([small[l]["std"] for l in small])
    ratios = std[1:] / std[:-1]
    assert 0.07 < std[0] < 0.13, f"first-layer std {std[0]:.3g}"
    assert np.all((ratios > 0.07) & (ratios < 0.13)), f"std should shrink ~10x per layer, ratios {ratios}"
    assert all(small[l]["saturated"] == 0.0 for l in small)

    # N(0, 1) weights: pre-activations of spread ~10, most units in tanh's flat tails.
    for l in large:
        assert large[l]["saturated"] > 0.5, f"layer {l}: saturated fraction {large[l]['saturated']:.3f}"
        assert large[l]["std"] > 0.9

    # Xavier: in between, the spread neither vanishes nor saturates.
    for l in xavier:
        assert small[l]["std"] < xavier[l]["std"] < large[l]["std"], f"layer {l}"
        assert 0.2 < xavier[l]["std"] < 0.9, f"layer {l}: std {xavier[l]['std']:.3f}"
        assert xavier[l]["saturated"] < 0.2 < large[l]["saturated"], f"layer {l}"


def test_rel_error_is_nan_when_an_input_is_not_finite():
    from dlnotes import gradients

    assert np.isnan(gradients.rel_error([np.nan, 1.0], [0.5, 1.0]))
    assert np.isnan(gradients.rel_error([np.inf, 1.0], [0.5, 1.0]))


def test_numerical_gradient_restores_x_even_when_f_raises():
    from dlnotes import gradients

    x = np.zeros(3)
    calls = []

    def f(v):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("boom")
        return float(v.sum())

    with pytest.raises(RuntimeError, match="boom"):
        gradients.numerical_gradient(f, x)
    assert np.array_equal(x, np.zeros(3))


# ------------------------------------------------ issue 14: hostile input
# Choice: f may return its number as a size-1 array of any shape (a loss with
# keepdims, or one example's loss of a batch): the number is unambiguous.
# Several elements, non-numbers, booleans and complex values are a TypeError
# naming f, because there is no single derivative to estimate.


@pytest.mark.parametrize("wrap", [np.array, lambda v: np.array([v]), lambda v: np.array([[v]]), np.float64, float],
                         ids=["0-d", "(1,)", "(1, 1)", "float64", "float"])
def test_numerical_gradient_reads_a_single_number_in_any_wrapping(rng, wrap):
    x = rng.standard_normal(5)
    want = numerical_gradient(lambda v: float(np.sum(v**2)), x.copy())
    got = numerical_gradient(lambda v: wrap(np.sum(v**2)), x.copy())
    assert_close("gradient", got, want, rtol=0, atol=0)


def test_numerical_gradient_accepts_integer_and_float32_values():
    # f(x) = 2 * sum(x), rounded to an integer: exact at x = 0 with eps = 0.5.
    assert_close("int", numerical_gradient(lambda v: int(round(2 * v.sum())), np.zeros(3), eps=0.5), [2.0] * 3)
    assert_close("float32", numerical_gradient(lambda v: np.float32(2 * v.sum()), np.zeros(3), eps=0.5), [2.0] * 3)


@pytest.mark.parametrize(
    "f, pattern",
    [
        pytest.param(lambda v: v**2, r"f must return one real number .*got an array of shape \(3,\) and dtype float64", id="array"),
        pytest.param(lambda v: np.zeros((1, 2)), r"got an array of shape \(1, 2\)", id="two-elements"),
        pytest.param(lambda v: np.array([]), r"got an array of shape \(0,\)", id="empty"),
        pytest.param(lambda v: None, r"f must return one real number .*got None", id="None"),
        pytest.param(lambda v: "1.0", r"got '1\.0'", id="string"),
        pytest.param(lambda v: v.sum() > 0, r"got np\.True_|got True|dtype bool", id="bool"),
        pytest.param(lambda v: complex(v.sum(), 1), r"got \(", id="complex"),
    ],
)
def test_numerical_gradient_rejects_an_f_that_does_not_return_one_number(f, pattern):
    x = np.ones(3)
    with pytest.raises(TypeError, match=pattern):
        numerical_gradient(f, x)
    assert np.array_equal(x, np.ones(3)), "x must be restored"


@pytest.mark.parametrize("f", [None, "sum", 3.0], ids=["None", "string", "float"])
def test_numerical_gradient_rejects_an_f_that_is_not_callable(f):
    with pytest.raises(TypeError, match=r"f must be a function of x returning a number, got "):
        numerical_gradient(f, np.ones(3))


# Found by tests/test_properties.py: silent NaN or numpy's words.
def test_numerical_gradient_refuses_non_finite_x_and_f():
    with pytest.raises(ValueError, match=r"x contains NaN or inf"):
        numerical_gradient(np.sum, np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match=r"f returned inf and .* at x\[1\] \+- eps"):
        numerical_gradient(lambda v: np.inf if v[1] > 1 else 0.0, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"eps=1e-06 is lost in rounding next to x\[0\]=1e\+300"):
        numerical_gradient(np.sum, np.array([1e300]))


def test_rel_error_of_huge_opposite_gradients_is_finite():
    assert gradients.rel_error(np.array([1e308]), np.array([-1e308])) == 1.0      # was NaN: inf / inf
    assert gradients.rel_error([3.0], [1.0]) == 0.5                              # unchanged on ordinary numbers


def test_rel_error_names_a_non_numeric_argument():
    with pytest.raises(TypeError, match=r"b must be a real numeric array-like, got dtype <U1"):
        gradients.rel_error([1.0], ["a"])
    with pytest.raises(TypeError, match=r"a must be a real numeric array-like"):
        gradients.rel_error(None, [1.0])


def test_layer_gradient_norms_checks_its_argument_and_does_not_overflow():
    with pytest.raises(TypeError, match=r"grads must be a dict .*got list"):
        layer_gradient_norms([np.ones(2)])
    with pytest.raises(TypeError, match=r"grads\['dW1'\] must be a real numeric array-like"):
        layer_gradient_norms({"dW1": "x"})
    assert layer_gradient_norms({"dW1": np.full((2, 2), 1e200)}) == {1: pytest.approx(2e200)}


def test_layer_activation_stats_checks_its_arguments():
    with pytest.raises(TypeError, match=r"cache must be the dict that dlnotes.mlp.forward returns, got NoneType"):
        layer_activation_stats(None)
    cache = {"activation": "relu", "L": 2, "A1": np.ones((2, 3)), "Z1": np.ones((2, 3))}
    with pytest.raises(ValueError, match=r"threshold must be >= 0, got -1\.0"):
        layer_activation_stats(cache, threshold=-1.0)
    with pytest.raises(TypeError, match=r"threshold must be a real number"):
        layer_activation_stats(cache, threshold="0.1")


def test_keras_gradient_norms_names_a_model_that_is_not_one():
    with pytest.raises(TypeError, match=r"model must be a Keras model, got None"):
        keras_gradient_norms(None, np.ones((1, 2)), np.zeros(1, int))
