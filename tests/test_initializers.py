"""Tests for dlnotes.initializers.

The variances are checked statistically on large samples, with tolerances
derived from the sampling error (not guessed): for n draws with variance
sigma^2 and fourth central moment mu4, the sample variance has standard error
sqrt((mu4 - sigma^4) / n), which is sigma^2 sqrt(2 / n) for a normal
(mu4 = 3 sigma^4) and sigma^2 sqrt(0.8 / n) for a uniform (mu4 = 9/5 sigma^4).
Every statistical check allows K_SE = 5 standard errors, so a correct
initialiser fails one with probability below 1e-6, while a wrong variance
(even 2/(fan_in+fan_out) vs 2/fan_in at 400x600, a 2.5x error) is off by
hundreds of standard errors. The seeds are fixed, so every run is identical.

Then Keras: its GlorotNormal, GlorotUniform and HeNormal have the same
variances, and GlorotNormal is truncated at about 2.27 sigma while ours is a
plain normal (as the module docstring says).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_close

from dlnotes import initializers as I

FAN_IN, FAN_OUT = 400, 600
N = FAN_IN * FAN_OUT  # 240 000 draws
K_SE = 5.0

# function, target variance, distribution, the Keras initializer with the same variance
CASES = [
    pytest.param(I.xavier_normal, 2 / (FAN_IN + FAN_OUT), "normal", "GlorotNormal", id="xavier_normal"),
    pytest.param(I.xavier_uniform, 2 / (FAN_IN + FAN_OUT), "uniform", "GlorotUniform", id="xavier_uniform"),
    pytest.param(I.he_normal, 2 / FAN_IN, "normal", "HeNormal", id="he_normal"),
]
# (mu4 / sigma^4, excess kurtosis) of each distribution
MOMENTS = {"normal": (3.0, 0.0), "uniform": (1.8, -1.2)}


def var_se(var: float, kind: str, n: int = N) -> float:
    """Standard error of the sample variance of n draws."""
    mu4_ratio, _ = MOMENTS[kind]
    return var * np.sqrt((mu4_ratio - 1) / n)


def excess_kurtosis(w: np.ndarray) -> float:
    d = w - w.mean()
    return float(np.mean(d**4) / np.mean(d**2) ** 2 - 3)


@pytest.fixture(scope="module")
def samples():
    """One 400x600 draw of each initialiser (seeded), shared by the statistical tests."""
    return {fn.__name__: fn(FAN_IN, FAN_OUT, np.random.default_rng(12345)) for fn in I.INITIALIZERS.values()}


# ------------------------------------------------------------------ shapes


@pytest.mark.parametrize("fn", I.INITIALIZERS.values(), ids=I.INITIALIZERS.keys())
@pytest.mark.parametrize("fan_in, fan_out", [(1, 1), (3, 5), (7, 2), (1, 9), (64, 1)])
def test_shape_is_fan_in_by_fan_out(rng, fn, fan_in, fan_out):
    w = fn(fan_in, fan_out, rng)
    assert w.shape == (fan_in, fan_out), f"{fn.__name__}: shape {w.shape}"
    assert w.dtype == np.float64
    assert np.all(np.isfinite(w)) and np.all(w != 0)


def test_numpy_integer_fans_are_accepted(rng):
    assert I.he_normal(np.int64(3), np.int32(4), rng).shape == (3, 4)


# ------------------------------------------------------------- statistics


@pytest.mark.parametrize("fn, var, kind, keras_name", CASES)
def test_variance_matches_the_formula(samples, fn, var, kind, keras_name):
    w = samples[fn.__name__]
    se = var_se(var, kind)
    got = w.var(ddof=1)
    assert abs(got - var) < K_SE * se, (
        f"{fn.__name__}: sample variance {got:.6g}, want {var:.6g} ± {K_SE:g} SE = {K_SE * se:.2g}"
    )


@pytest.mark.parametrize("fn, var, kind, keras_name", CASES)
def test_mean_is_near_zero(samples, fn, var, kind, keras_name):
    w = samples[fn.__name__]
    se = np.sqrt(var / N)
    assert abs(w.mean()) < K_SE * se, f"{fn.__name__}: mean {w.mean():.3g}, allowed ± {K_SE * se:.2g}"


@pytest.mark.parametrize("fn, var, kind, keras_name", CASES)
def test_shape_of_the_distribution_by_kurtosis(samples, fn, var, kind, keras_name):
    # Excess kurtosis: 0 for a normal, -1.2 for a uniform; its standard error is
    # about sqrt(24 / n) = 0.01 for a normal and smaller for a uniform.
    _, want = MOMENTS[kind]
    got = excess_kurtosis(samples[fn.__name__])
    assert abs(got - want) < K_SE * np.sqrt(24 / N), f"{fn.__name__}: excess kurtosis {got:.4f}, want {want}"


def test_uniform_bounds_are_sqrt_6_over_fan_sum_and_reached(samples):
    w = samples["xavier_uniform"]
    limit = np.sqrt(6 / (FAN_IN + FAN_OUT))
    assert np.max(np.abs(w)) <= limit, f"|w| = {np.max(np.abs(w))} beyond the limit {limit}"
    # ...and the limit is the right one, not a smaller one: P(all |w| < 0.999 a) = 0.999^240000 ~ 1e-104.
    assert w.max() > 0.999 * limit and w.min() < -0.999 * limit


@pytest.mark.parametrize("fan_in, fan_out", [(30, 2000), (2000, 30)])
def test_he_normal_depends_on_fan_in_only_and_xavier_on_both(fan_in, fan_out):
    # Asymmetric fans tell 2/fan_in, 2/fan_out and 2/(fan_in+fan_out) apart.
    n = fan_in * fan_out
    he = I.he_normal(fan_in, fan_out, np.random.default_rng(1)).var(ddof=1)
    xa = I.xavier_normal(fan_in, fan_out, np.random.default_rng(2)).var(ddof=1)
    for name, got, want in (("he_normal", he, 2 / fan_in), ("xavier_normal", xa, 2 / (fan_in + fan_out))):
        assert abs(got - want) < K_SE * var_se(want, "normal", n), f"{name} ({fan_in}, {fan_out}): var {got:.4g}, want {want:.4g}"


# ------------------------------------------------------------ reproducibility


@pytest.mark.parametrize("fn", I.INITIALIZERS.values(), ids=I.INITIALIZERS.keys())
def test_same_seed_same_numbers_and_different_seed_different_numbers(fn):
    a = fn(5, 7, np.random.default_rng(2024))
    b = fn(5, 7, np.random.default_rng(2024))
    c = fn(5, 7, np.random.default_rng(2025))
    assert_close(f"{fn.__name__} same seed", a, b, rtol=0, atol=0)
    assert not np.any(a == c), f"{fn.__name__}: a different seed gave equal numbers"


@pytest.mark.parametrize("fn", I.INITIALIZERS.values(), ids=I.INITIALIZERS.keys())
def test_rng_none_leaves_the_global_numpy_state_alone(fn):
    saved = np.random.get_state()
    try:
        np.random.seed(7)
        before = np.random.get_state()
        w = fn(4, 3)
        after = np.random.get_state()
    finally:
        np.random.set_state(saved)
    assert w.shape == (4, 3)
    assert np.array_equal(after[1], before[1]) and after[2] == before[2], "the global numpy random state was used"


def test_get_initializer_returns_the_functions():
    for name, fn in (("xavier_normal", I.xavier_normal), ("xavier_uniform", I.xavier_uniform), ("he_normal", I.he_normal)):
        assert I.get_initializer(name) is fn


# ------------------------------------------------------------------ Keras


@pytest.mark.parametrize("fn, var, kind, keras_name", CASES)
def test_keras_initializer_has_the_same_variance(tf, fn, var, kind, keras_name):
    w = getattr(tf.keras.initializers, keras_name)(seed=3)(shape=(FAN_IN, FAN_OUT)).numpy().astype(np.float64)
    # A normal truncated at 2 sigma has a smaller mu4 than a normal, so the normal's
    # standard error is a conservative bound for Keras' truncated draws.
    se = var_se(var, kind)
    got = w.var(ddof=1)
    assert abs(got - var) < K_SE * se, f"keras {keras_name}: variance {got:.6g}, want {var:.6g}"
    ours = fn(FAN_IN, FAN_OUT, np.random.default_rng(3)).var(ddof=1)
    assert abs(got - ours) < 2 * K_SE * se, f"keras {keras_name} {got:.6g} vs ours {ours:.6g}"


@pytest.mark.parametrize("keras_name, fn", [("GlorotNormal", I.xavier_normal), ("HeNormal", I.he_normal)])
def test_keras_normal_is_truncated_and_ours_is_not(tf, samples, keras_name, fn):
    var = 2 / (FAN_IN + FAN_OUT) if keras_name == "GlorotNormal" else 2 / FAN_IN
    std = np.sqrt(var)
    keras_w = getattr(tf.keras.initializers, keras_name)(seed=4)(shape=(FAN_IN, FAN_OUT)).numpy()
    keras_max = np.max(np.abs(keras_w)) / std
    ours_max = np.max(np.abs(samples[fn.__name__])) / std
    # Keras truncates at 2 of its own (inflated) standard deviations: 2 / 0.8796 = 2.27 sigma.
    assert keras_max < 2.3, f"keras {keras_name}: max |w| = {keras_max:.3f} sigma, expected a truncation at ~2.27"
    assert keras_max > 2.2, f"keras {keras_name}: max |w| = {keras_max:.3f} sigma, truncated lower than expected"
    # A plain normal with 240 000 draws exceeds 3 sigma about 650 times (P = 0.0027 each).
    assert ours_max > 3, f"{fn.__name__}: max |w| = {ours_max:.3f} sigma, looks truncated"
    n_beyond = int(np.sum(np.abs(samples[fn.__name__]) > 3 * std))
    assert abs(n_beyond - 0.0027 * N) < K_SE * np.sqrt(0.0027 * N), f"{fn.__name__}: {n_beyond} draws beyond 3 sigma"


# --------------------------------------------------------------- bad input


@pytest.mark.parametrize("fn", I.INITIALIZERS.values(), ids=I.INITIALIZERS.keys())
@pytest.mark.parametrize(
    "fan_in, fan_out, exc, pattern",
    [
        (0, 3, ValueError, r"fan_in must be a positive integer, got 0"),
        (-1, 3, ValueError, r"fan_in must be a positive integer, got -1"),
        (3, 0, ValueError, r"fan_out must be a positive integer, got 0"),
        (3, -5, ValueError, r"fan_out must be a positive integer, got -5"),
        (2.0, 3, TypeError, r"fan_in must be a positive integer, got 2\.0"),
        ("3", 3, TypeError, r"fan_in must be a positive integer, got '3'"),
        (None, 3, TypeError, r"fan_in must be a positive integer, got None"),
        (True, 3, TypeError, r"fan_in must be a positive integer, got True"),
        (3, 2.5, TypeError, r"fan_out must be a positive integer, got 2\.5"),
    ],
)
def test_bad_fans(fn, fan_in, fan_out, exc, pattern):
    with pytest.raises(exc, match=pattern):
        fn(fan_in, fan_out, np.random.default_rng(0))


@pytest.mark.parametrize("fn", I.INITIALIZERS.values(), ids=I.INITIALIZERS.keys())
@pytest.mark.parametrize("rng", [42, np.random.RandomState(0), "seed", np.random.PCG64(0)], ids=["int", "RandomState", "str", "bitgen"])
def test_rng_must_be_a_generator(fn, rng):
    with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator"):
        fn(3, 4, rng)


@pytest.mark.parametrize("name", ["zeros", "glorot_normal", "Xavier_Normal", 3, None])
def test_get_initializer_unknown_name_lists_the_known_ones(name):
    with pytest.raises(ValueError, match=rf"unknown init={name!r}.*'xavier_normal', 'xavier_uniform', 'he_normal'"):
        I.get_initializer(name)


@pytest.mark.parametrize("shape", [(6, 6), (9, 4), (4, 9)])
def test_orthogonal_has_orthonormal_columns_or_rows(shape):
    from dlnotes.initializers import orthogonal

    W = orthogonal(*shape, rng=np.random.default_rng(0))
    assert W.shape == shape
    small = min(shape)
    gram = W.T @ W if shape[0] >= shape[1] else W @ W.T
    assert np.allclose(gram, np.eye(small), atol=1e-12)
    assert np.array_equal(W, orthogonal(*shape, rng=np.random.default_rng(0)))


def test_square_orthogonal_preserves_lengths():
    from dlnotes.initializers import orthogonal

    W = orthogonal(16, 16, rng=np.random.default_rng(1))
    v = np.random.default_rng(2).normal(size=(5, 16))
    assert np.allclose(np.linalg.norm(v @ W, axis=1), np.linalg.norm(v, axis=1))
