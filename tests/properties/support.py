"""What every property test shares: the contract, the budgets, the strategies and the reference loops.

The contract (:func:`outcome`): a call either returns a finite (for finite
input), correctly shaped and typed result that agrees with a reference (a
naive loop written in these tests, finite differences, or TensorFlow), or
raises ``ValueError``/``TypeError`` whose message names the argument.
Nothing else: no other exception, no NaN from finite input, no undocumented
dtype, no mutated input.

dtypes: dlnotes turns bools and ints into float64 and keeps float32 and
float64 (``_validate.as_float_array``); it keeps float16 too, which no public
docstring mentions: the tests hold float16 to the same rule (kept) and to
float16's precision.

Budgets: a fixed, derandomised number of examples per test in CI (profile
"ci", :func:`examples`), ten times more under ``make fuzz`` (``DLNOTES_FUZZ=1``,
profile "fuzz", random seeds: a failure prints what reproduces it). No
example database, no deadline. TensorFlow is imported once, through
conftest's session fixture ``tf``.

Failures found in modules owned elsewhere are listed in :data:`KNOWN`; the
property tests step around them (:func:`known`) and ``test_coverage.py``
reproduces each, ``xfail(strict=True)``.
"""

from __future__ import annotations

import math
import os
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from hypothesis import HealthCheck, note, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from dlnotes import mlp  # noqa: E402


# ------------------------------------------------------------------ budgets
FUZZ = os.environ.get("DLNOTES_FUZZ", "") not in ("", "0")
_COMMON = dict(deadline=None, database=None, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
                                      HealthCheck.function_scoped_fixture])
settings.register_profile("ci", derandomize=True, max_examples=80, **_COMMON)
settings.register_profile("fuzz", derandomize=False, max_examples=800, **_COMMON)
settings.load_profile("fuzz" if FUZZ else "ci")
SCALE = 20 if FUZZ else 2


def examples(n: int):
    """2 n examples for the test in CI, 20 n under ``make fuzz``."""
    return settings(max_examples=n * SCALE)


# ------------------------------------------------------------------ coverage
COVERED: set[str] = set()

# Public names that are no function to fuzz, or that are fuzzed only on their arguments, and why.
EXCLUDED = {
    "data.Split": "a namedtuple type: its fields are checked through load_digits32 and load_mnist",
    "data.DatasetFallbackWarning": "a warning class, raised and checked by test_load_mnist_*",
    "optim.DivergenceError": "an exception class, raised and checked by the training tests",
}


def covers(*names: str):
    """Record that the decorated test exercises ``module.name`` for each name."""
    COVERED.update(names)
    return lambda test: test


# ------------------------------------------------------------------ the contract
REFUSED = object()


def _snapshot(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(_snapshot(v) for v in value) if not hasattr(value, "_fields") else value
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    return value


def _assert_same(before, after, where: str) -> None:
    if isinstance(before, np.ndarray):
        assert isinstance(after, np.ndarray) and after.dtype == before.dtype and after.shape == before.shape, where
        assert np.array_equal(before, after, equal_nan=before.dtype.kind == "f"), f"{where} was changed in place"
    elif isinstance(before, (list, tuple)) and not hasattr(before, "_fields"):
        assert len(before) == len(after), f"{where} changed length"
        for i, (b, a) in enumerate(zip(before, after)):
            _assert_same(b, a, f"{where}[{i}]")
    elif isinstance(before, dict):
        assert before.keys() == after.keys(), f"{where} changed its keys"
        for k in before:
            _assert_same(before[k], after[k], f"{where}[{k!r}]")


def _names(message: str, names) -> bool:
    return any(re.search(rf"(?<![\w]){re.escape(n)}(?![\w])", message) for n in names)


# Failures found here in modules owned elsewhere: id -> one-line reproducer. The property tests step
# around these inputs (calling known()), and test_known_failure below reproduces each, xfail(strict=True).
KNOWN: dict[str, str] = {}   # none open: the last eleven were fixed in their modules (2026-12)


def known(failure: str) -> None:
    """The drawn case hits a failure recorded in KNOWN: say so and let the property test go on."""
    assert failure in KNOWN, failure
    note(f"known failure {failure}: {KNOWN[failure]}")


def outcome(fn, *args, names=(), **kwargs):
    """fn(*args, **kwargs), or REFUSED when it raised ValueError/TypeError naming one of ``names``.

    Any other exception propagates (and fails the test); an error that names
    none of ``names`` fails; so does an argument changed in place.
    """
    before = _snapshot((args, kwargs))
    try:
        result = fn(*args, **kwargs)
    except (ValueError, TypeError) as exc:
        assert _names(str(exc), names), f"{fn.__qualname__}: {type(exc).__name__} names none of {names}: {exc}"
        _assert_same(before, (args, kwargs), "an argument")
        note(f"refused: {exc}")
        return REFUSED
    _assert_same(before, (args, kwargs), "an argument")
    return result


def expected_dtype(*inputs) -> np.dtype:
    """The documented result dtype: floats kept (the widest wins), bools and ints become float64."""
    kinds = [np.asarray(a).dtype if np.asarray(a).dtype.kind == "f" else np.dtype(np.float64) for a in inputs]
    return np.result_type(*kinds)


def precision(*inputs) -> np.dtype:
    """The least precise float among the inputs (ints and bools count as float64): what the result can hold."""
    floats = [np.asarray(a).dtype for a in inputs if np.asarray(a).dtype.kind == "f"] or [np.dtype(np.float64)]
    return min(floats, key=lambda d: d.itemsize)


def tolerance(dtype) -> tuple[float, float]:
    """(rtol, atol) for a result computed in ``dtype``: a few units in the last place, and subnormal ulps."""
    info = np.finfo(dtype)
    rtol = {2: 4e-3, 4: 4e-6, 8: 1e-12}[np.dtype(dtype).itemsize]
    return rtol, 16 * float(info.eps) * float(info.tiny)


def assert_agrees(name: str, got, want, dtype=None, rtol=None, atol=None, finite_where=None) -> None:
    """Shape, dtype, then values: NaN and inf where the reference has them, close elsewhere."""
    got, want = np.asarray(got), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, f"{name}: shape {got.shape}, expected {want.shape}"
    if dtype is not None:
        assert got.dtype == dtype, f"{name}: dtype {got.dtype}, expected {np.dtype(dtype)}"
        want = want.astype(dtype).astype(np.float64)      # the reference rounded as the result must be
    r, a = tolerance(got.dtype if got.dtype.kind == "f" else np.float64)
    rtol, atol = rtol if rtol is not None else r, atol if atol is not None else a
    g = got.astype(np.float64)
    assert np.array_equal(np.isnan(g), np.isnan(want)), f"{name}: NaN at {np.argwhere(np.isnan(g) != np.isnan(want))[:3].tolist()}: got {g}, want {want}"
    inf = np.isinf(want)
    assert np.array_equal(g[inf], want[inf]), f"{name}: infinities differ: got {g}, want {want}"
    ok = ~(np.isnan(want) | inf)
    atol = np.broadcast_to(atol, want.shape)[ok]
    with np.errstate(all="ignore"):
        bad = ~(np.abs(g[ok] - want[ok]) <= atol + rtol * np.abs(want[ok]))
    assert not bad.any(), f"{name}: got {g[ok][bad][:4]}, want {want[ok][bad][:4]} (rtol {rtol}, atol {atol[bad][:4]})"
    if finite_where is not None:
        assert np.all(np.isfinite(g[finite_where])), f"{name}: not finite from finite input: {g}"


# ------------------------------------------------------------------ strategies
FLOAT_DTYPES = (np.float16, np.float32, np.float64)
ALL_DTYPES = FLOAT_DTYPES + (np.int32, np.int64, np.uint8, np.bool_)
SPECIAL = (0.0, -0.0, 1.0, -1.0, 0.5, 1e300, -1e300, 1e-300, -1e-300, np.inf, -np.inf, np.nan)


def values(special: bool = True, low: float = -5.0, high: float = 5.0):
    finite = st.floats(low, high, allow_nan=False, allow_infinity=False)
    return st.one_of(finite, st.sampled_from(SPECIAL)) if special else finite


@st.composite
def arrays(draw, shape, dtypes=ALL_DTYPES, special: bool = True, low: float = -5.0, high: float = 5.0):
    """An array of ``shape`` (a tuple or a strategy for one) in a drawn dtype, values cast from float64."""
    shape = draw(shape) if isinstance(shape, st.SearchStrategy) else shape
    dtype = np.dtype(draw(st.sampled_from(dtypes)))
    n = math.prod(shape)
    if dtype.kind == "b":
        vals = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    elif dtype.kind in "iu":
        vals = draw(st.lists(st.integers(0 if dtype.kind == "u" else -3, 3), min_size=n, max_size=n))
    else:
        vals = draw(st.lists(values(special, low, high), min_size=n, max_size=n))
    with np.errstate(over="ignore"):
        return np.array(vals, dtype=np.float64 if dtype.kind == "f" else dtype).astype(dtype).reshape(shape)


def shapes(min_dims=0, max_dims=3, min_side=0, max_side=4):
    return st.lists(st.integers(min_side, max_side), min_size=min_dims, max_size=max_dims).map(tuple)


# Things that are no numeric array at all.
NOT_ARRAYS = st.sampled_from([None, "abc", [[1.0], [2.0, 3.0]], {"a": 1.0}, 1 + 2j, np.array(["a", "b"]),
                              np.array([1 + 1j]), object()])


# Things that are no count (a positive integer).
NOT_COUNTS = st.sampled_from([0, -1, 1.5, 2.0, True, None, "3", np.nan, [2]])


NOT_NUMBERS = st.sampled_from([None, "0.1", [0.1], 1 + 2j, True, np.nan, np.inf, -np.inf])


def finite_mask(*arrays_) -> np.ndarray | bool:
    return all(np.all(np.isfinite(np.asarray(a, dtype=np.float64))) for a in arrays_)


def naive_sigmoid(z: float) -> float:
    if math.isnan(z):
        return math.nan
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


def naive_softmax(z: list[float]) -> list[float]:
    if any(math.isnan(v) or v == math.inf for v in z):
        return [math.nan] * len(z)
    m = max(z)
    if m == -math.inf:
        return [math.nan] * len(z)
    e = [math.exp(v - m) for v in z]
    return [v / sum(e) for v in e]


def naive_bce_logits(y: float, z: float) -> float:
    if math.isnan(z):
        return math.nan
    if math.isinf(z):
        return math.inf if (z > 0 and y < 1) or (z < 0 and y > 0) else 0.0
    return max(z, 0.0) - z * y + math.log1p(math.exp(-abs(z)))


def fd(f, *arrays_, eps: float = 1e-6) -> list[np.ndarray]:
    """Centred finite differences of the scalar f() with respect to each array (float64, perturbed in place)."""
    grads = []
    for a in arrays_:
        g = np.zeros_like(a)
        for i in np.ndindex(a.shape):
            old = a[i]
            a[i] = old + eps
            up = f()
            a[i] = old - eps
            down = f()
            a[i] = old
            g[i] = (up - down) / (2 * eps)
        grads.append(g)
    return grads


def is_count(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) and v >= 1


RNGS = st.one_of(st.none(), st.integers(0, 3).map(np.random.default_rng), st.sampled_from([1, "seed", np.random.RandomState(0)]))


ACTIVATION_REFS = {"sigmoid": naive_sigmoid, "tanh": math.tanh, "relu": lambda v: max(v, 0.0),
                   "leaky_relu": lambda v: v if v > 0 else 0.01 * v, "linear": lambda v: v}


def naive_forward(params, X, activation, output, logits: bool = False):
    """Layer by layer, unit by unit: A_l = f(A_{l-1} W_l + b_l); softmax or sigmoid on the last layer (or its Z_L)."""
    A = [[float(v) for v in row] for row in X]
    L = len(params) // 2
    for l in range(1, L + 1):
        W, b = params[f"W{l}"], params[f"b{l}"]
        Z = [[float(b[k]) + sum(a[i] * float(W[i, k]) for i in range(len(a))) for k in range(W.shape[1])] for a in A]
        if l < L:
            A = [[ACTIVATION_REFS[activation](z) for z in row] for row in Z]
        elif logits:
            return np.array(Z, dtype=np.float64).reshape(len(Z), W.shape[1])
        else:
            A = [naive_softmax(row) for row in Z] if output == "softmax" else [naive_sigmoid(row[0]) for row in Z]
    return np.array(A, dtype=np.float64)


@st.composite
def networks(draw):
    sizes = draw(st.lists(st.integers(1, 3), min_size=2, max_size=3))
    output = draw(st.sampled_from(["softmax", "sigmoid"]))
    if output == "sigmoid":
        sizes[-1] = 1
    elif sizes[-1] < 2:
        sizes[-1] = 2
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    params = mlp.init_params(sizes, rng=rng)
    params = {k: v + 0.1 * rng.normal(size=v.shape) for k, v in params.items()}   # never zero biases
    n = draw(st.integers(0, 4))
    X = draw(st.one_of(arrays((n, sizes[0]), low=-2, high=2), arrays((n, sizes[0]), special=False, low=-2, high=2)))
    y = (rng.integers(0, sizes[-1], size=n) if output == "softmax" else rng.integers(0, 2, size=n))
    activation = draw(st.sampled_from(sorted(ACTIVATION_REFS)))
    return params, X, y, activation, output


def plot_line(alpha):
    fig, ax = plt.subplots(figsize=(1, 1))
    ax.plot([0, 1], [0, alpha])
    return fig
