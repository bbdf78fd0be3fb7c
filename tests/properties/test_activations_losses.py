"""Activations and losses against naive loops over Python floats."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from dlnotes import activations, losses
from properties.support import (
    arrays, assert_agrees, covers, examples, expected_dtype, finite_mask, FLOAT_DTYPES,
    naive_bce_logits, naive_sigmoid, naive_softmax, NOT_ARRAYS, NOT_NUMBERS, outcome, precision,
    REFUSED, shapes, tolerance,
)


def _sigmoid_grad(z: float) -> float:
    e = math.exp(-abs(z)) if not math.isnan(z) else math.nan
    return e / (1 + e) ** 2


def _tanh_grad(z: float) -> float:
    return 1 - math.tanh(z) ** 2


def _leaky(z: float, alpha: float) -> float:
    if z > 0:
        return z
    return math.nan if (alpha == 0 and math.isinf(z)) or math.isnan(z) else alpha * z


# name -> (function, naive reference on one Python float, takes alpha)
ELEMENTWISE = {
    "sigmoid": (activations.sigmoid, lambda z, a: naive_sigmoid(z), False),
    "sigmoid_grad": (activations.sigmoid_grad, lambda z, a: _sigmoid_grad(z), False),
    "tanh": (activations.tanh, lambda z, a: math.tanh(z), False),
    "tanh_grad": (activations.tanh_grad, lambda z, a: _tanh_grad(z), False),
    "relu": (activations.relu, lambda z, a: z if (z > 0 or math.isnan(z)) else 0.0, False),
    "relu_grad": (activations.relu_grad, lambda z, a: 1.0 if z > 0 else 0.0, False),
    "leaky_relu": (activations.leaky_relu, lambda z, a: _leaky(z, a), True),
    "leaky_relu_grad": (activations.leaky_relu_grad, lambda z, a: 1.0 if z > 0 else a, True),
    "linear": (activations.linear, lambda z, a: z, False),
    "linear_grad": (activations.linear_grad, lambda z, a: 1.0, False),
}


@covers(*(f"activations.{n}" for n in ELEMENTWISE))
@examples(60)
@given(name=st.sampled_from(sorted(ELEMENTWISE)), z=st.one_of(arrays(shapes()), arrays(shapes()), NOT_ARRAYS),
       alpha=st.one_of(st.floats(0, 3), st.just(0.01), NOT_NUMBERS), as_list=st.booleans())
def test_elementwise_activations(name, z, alpha, as_list):
    fn, ref, takes_alpha = ELEMENTWISE[name]
    arg = z.tolist() if as_list and isinstance(z, np.ndarray) and z.dtype.kind in "fiub" else z
    got = outcome(fn, arg, **({"alpha": alpha} if takes_alpha else {}), names=("z", "alpha"))
    valid_z = isinstance(z, np.ndarray) and z.dtype.kind in "fiub"
    valid_alpha = not takes_alpha or (isinstance(alpha, (int, float)) and not isinstance(alpha, bool)
                                      and 0 <= alpha < math.inf)
    assert (got is REFUSED) == (not (valid_z and valid_alpha)), f"z {z!r}, alpha {alpha!r}: got {got!r}"
    if got is REFUSED:
        return
    z = np.asarray(arg)
    dtype = z.dtype if z.dtype.kind == "f" else np.dtype(np.float64)
    want = np.array([ref(float(v), alpha) for v in z.astype(np.float64).ravel()]).reshape(z.shape)
    # 1 - tanh(z)**2 cancels in the tails: its error is a few eps absolute, not relative (TensorFlow's TanhGrad too).
    atol = 4 * float(np.finfo(dtype).eps) if name == "tanh_grad" else None
    assert_agrees(f"{name}({z!r})", got, want, dtype=dtype, atol=atol)
    if name in ("sigmoid", "tanh", "sigmoid_grad", "tanh_grad"):
        assert np.all(np.isfinite(got[np.isfinite(z.astype(np.float64))])), f"{name}: not finite from finite input"


@covers("activations.get_activation")
@given(name=st.one_of(st.sampled_from(["sigmoid", "tanh", "relu", "leaky_relu", "linear"]), st.text(max_size=8),
                      NOT_ARRAYS))
def test_get_activation(name):
    got = outcome(activations.get_activation, name, names=("name",))
    if got is not REFUSED:
        fn, grad = got
        assert (fn, grad) == (getattr(activations, name), getattr(activations, name + "_grad"))


def _along(z: np.ndarray, axis: int, fn) -> np.ndarray:
    """Apply ``fn`` (a list of floats -> a list) to every slice of z along ``axis``, one slice at a time."""
    moved = np.moveaxis(z.astype(np.float64), axis, -1)
    out = np.empty(moved.shape)
    for index in np.ndindex(moved.shape[:-1]):
        out[index] = fn(moved[index].tolist()) if moved.shape[-1] else []
    return np.moveaxis(out, -1, axis)


@covers("activations.softmax", "activations.softmax_grad")
@examples(60)
@given(z=st.one_of(arrays(shapes(1, 3)), arrays(shapes(0, 0)), NOT_ARRAYS), axis=st.one_of(st.integers(-3, 2),
       st.sampled_from([1.0, None, "0", True])), seed=st.integers(0, 2**16), grad=st.booleans(),
       upstream_kind=st.sampled_from(["same", "same", "other-shape", "bad"]))
def test_softmax_and_its_gradient(z, axis, seed, grad, upstream_kind):
    if not grad:
        got = outcome(activations.softmax, z, axis=axis, names=("z", "axis"))
    else:
        shape = np.shape(z) if isinstance(z, np.ndarray) else (2,)
        g = {"same": np.random.default_rng(seed).normal(size=shape) * 3, "other-shape": np.ones(shape + (1,)),
             "bad": "g"}[upstream_kind]
        got = outcome(activations.softmax_grad, z, g, axis=axis, names=("z", "upstream", "axis"))
    valid = (isinstance(z, np.ndarray) and z.dtype.kind in "fiub" and z.ndim >= 1 and isinstance(axis, int)
             and not isinstance(axis, bool) and -z.ndim <= axis < z.ndim and (not grad or upstream_kind == "same"))
    assert (got is REFUSED) == (not valid), f"valid={valid} but got {got!r}"
    if got is REFUSED:
        return
    s = _along(z, axis, naive_softmax)
    if grad:
        def vjp(pair):
            zs, gs = pair[: len(pair) // 2], pair[len(pair) // 2:]
            p = naive_softmax(zs)
            return [p[i] * (gs[i] - sum(gj * pj for gj, pj in zip(gs, p))) for i in range(len(zs))]
        joint = np.concatenate([z.astype(np.float64), g], axis=axis)
        want = _along(joint, axis, lambda v: vjp(v) + [0.0] * (len(v) // 2))
        want = np.take(want, range(z.shape[axis]), axis=axis)
    else:
        want = s
    dtype, low = expected_dtype(z, *([g] if grad else [])), precision(z)
    assert_agrees("softmax_grad" if grad else "softmax", got, want, dtype=dtype,
                  rtol=tolerance(low)[0] * (20 if grad else 4), atol=8 * float(np.finfo(low).eps) * (1 + np.abs(want)))


def _clip_bounds(dtype) -> tuple[float, float]:
    """Keras' clip [1e-7, 1 - 1e-7] as the dtype holds it (1 - 1e-7 is 1.0 in float16)."""
    return float(np.asarray(losses.EPSILON, dtype)), float(np.asarray(1 - losses.EPSILON, dtype))


def _bce(y: float, p: float, lo: float, hi: float) -> float:
    q = min(max(p, lo), hi)

    def log(v):
        return math.log(v) if v > 0 else -math.inf   # 1 - q is 0 when the dtype rounds 1 - 1e-7 to 1 (float16)
    return -((y * log(q) if y else 0.0) + ((1 - y) * log(1 - q) if y != 1 else 0.0))


LABELS = st.one_of(st.sampled_from([0.0, 1.0]), st.sampled_from([0.0, 1.0, 0.25, -1.0, 2.0, np.nan]))


@st.composite
def binary_pairs(draw):
    shape = draw(shapes(0, 2, 0, 4))
    y = np.array(draw(st.lists(LABELS, min_size=math.prod(shape), max_size=math.prod(shape))), float).reshape(shape)
    y = y.astype(draw(st.sampled_from([np.float64, np.float32])))
    if draw(st.booleans()) and np.all(np.isin(y, (0, 1))):
        y = y.astype(draw(st.sampled_from([np.int64, np.bool_])))
    if draw(st.integers(0, 9)) == 0:
        shape = shape + (1,)                            # a shape mismatch
    second = draw(arrays(shape, FLOAT_DTYPES + (np.int64,), low=-0.2, high=1.2))
    return y, second


@covers("losses.binary_cross_entropy", "losses.binary_cross_entropy_grad", "losses.binary_cross_entropy_from_logits",
        "losses.binary_cross_entropy_from_logits_grad")
@examples(80)
@given(pair=binary_pairs(), which=st.sampled_from(["bce", "bce_grad", "logits", "logits_grad"]), scale=st.sampled_from([1.0, 30.0]),
       hostile=st.one_of(st.none(), NOT_ARRAYS))
def test_binary_losses(pair, which, scale, hostile):
    y, second = pair
    fn = {"bce": losses.binary_cross_entropy, "bce_grad": losses.binary_cross_entropy_grad,
          "logits": losses.binary_cross_entropy_from_logits,
          "logits_grad": losses.binary_cross_entropy_from_logits_grad}[which]
    name = "y_prob" if which.startswith("bce") else "logits"
    if which.startswith("logits"):
        second = (second * scale).astype(second.dtype)
    if hostile is not None:
        second = hostile
    got = outcome(fn, y, second, names=("y_true", name))
    valid = (isinstance(second, np.ndarray) and second.dtype.kind in "fiu" and second.shape == y.shape and y.ndim >= 1
             and y.size > 0 and np.all((y >= 0) & (y <= 1))
             and (not which.startswith("bce") or np.all((second >= 0) & (second <= 1))))
    assert (got is REFUSED) == (not valid), f"valid={valid}, got {got!r}"
    if got is REFUSED:
        return
    dtype, low = expected_dtype(y, second), precision(second)     # computed in the precision of the second argument,
    if which.startswith("bce"):                                   # at least float32 for probabilities (documented)
        low = np.promote_types(low, np.float32)
    yf, sf = y.astype(np.float64).ravel(), second.astype(dtype).astype(np.float64).ravel()
    n = yf.size
    lo, hi = _clip_bounds(low)
    rtol, atol = tolerance(low)[0] * 8, 32 * float(np.finfo(low).eps)
    if which == "bce":
        want = sum(_bce(a, b, lo, hi) for a, b in zip(yf, sf)) / n
    elif which == "bce_grad":
        with np.errstate(divide="ignore", invalid="ignore"):
            want = np.array([((1 - a) / np.float64(1 - b) - a / np.float64(b)) / n if lo <= b <= hi else 0.0
                             for a, b in zip(yf, sf)])
    elif which == "logits":
        want = sum(naive_bce_logits(a, b) for a, b in zip(yf, sf)) / n
    else:
        want = np.array([(naive_sigmoid(b) - a) / n for a, b in zip(yf, sf)])
    if which.endswith("grad"):
        grad_dtype = np.promote_types(expected_dtype(second), np.float32) if which == "bce_grad" else expected_dtype(second)
        assert_agrees(which, got, want.reshape(y.shape), dtype=grad_dtype, rtol=rtol, atol=atol / n)
    else:
        assert isinstance(got, float), f"{which} returned {type(got).__name__}"
        assert_agrees(which, got, want, rtol=rtol, atol=atol)
    if finite_mask(y, second.astype(dtype)):
        assert np.all(np.isfinite(got)), f"{which}: not finite from finite input: {got}"


@st.composite
def categorical_pairs(draw):
    n, c = draw(st.integers(0, 4)), draw(st.integers(0, 4))
    second = draw(arrays((n, c), FLOAT_DTYPES + (np.int64,), low=-0.2, high=1.2))
    kind = draw(st.sampled_from(["labels", "labels", "onehot", "float-labels", "bad-labels", "bad-shape"]))
    if kind in ("labels", "float-labels"):
        y = np.array(draw(st.lists(st.integers(0, max(c - 1, 0)), min_size=n, max_size=n)), np.int64)
        y = y.astype(np.float64) if kind == "float-labels" else y
    elif kind == "onehot":
        y = np.eye(max(c, 1))[draw(st.lists(st.integers(0, max(c - 1, 0)), min_size=n, max_size=n))].reshape(n, max(c, 1))
    elif kind == "bad-labels":
        y = np.array(draw(st.lists(st.sampled_from([-1, c, 12]), min_size=n, max_size=n)), np.int64)
    else:
        y = np.zeros((n, c, 1))
    return y, second


@covers("losses.categorical_cross_entropy", "losses.categorical_cross_entropy_from_logits",
        "losses.categorical_cross_entropy_from_logits_grad")
@examples(80)
@given(pair=categorical_pairs(), which=st.sampled_from(["cce", "logits", "logits_grad"]), scale=st.sampled_from([1.0, 40.0]))
def test_categorical_losses(pair, which, scale):
    y, second = pair
    fn = {"cce": losses.categorical_cross_entropy, "logits": losses.categorical_cross_entropy_from_logits,
          "logits_grad": losses.categorical_cross_entropy_from_logits_grad}[which]
    if which != "cce":
        second = (second * scale).astype(second.dtype)
    name = "y_prob" if which == "cce" else "logits"
    got = outcome(fn, y, second, names=("y_true", name))
    if got is REFUSED:
        return                                          # which refusals are right is checked by the reference below
    n, c = second.shape
    dtype = expected_dtype(second)
    sf = second.astype(dtype).astype(np.float64)
    Y = np.eye(c)[y.astype(np.int64)] if y.ndim == 1 else y.astype(np.float64)
    assert n > 0 and np.all(Y >= 0), f"accepted labels {y!r}"
    if which == "cce":
        assert np.all((sf >= 0) & (sf <= 1)) and np.all(sf.sum(axis=1) > 0), f"accepted y_prob {second!r}"
        lo, hi = _clip_bounds(dtype)
        rows = [[min(max(p / sum(row), lo), hi) for p in row] for row in sf]
        want = -sum(sum(t * math.log(p) for t, p in zip(trow, row) if t) for trow, row in zip(Y, rows)) / n
    else:
        P = np.array([naive_softmax(row.tolist()) for row in sf]).reshape(n, c)
        if which == "logits_grad":
            want = (P - Y) / n
        else:
            def row_cost(z, t):
                if any(math.isnan(v) or v == math.inf for v in z) or max(z) == -math.inf:
                    return math.nan
                m = max(z)
                lse = math.log(sum(math.exp(v - m) for v in z))
                return lse - sum(ti * (zi - m) for ti, zi in zip(t, z) if ti > 0)
            want = sum(row_cost(z.tolist(), t) for z, t in zip(sf, Y)) / n
    if which == "logits_grad":
        assert_agrees(which, got, want, dtype=dtype, rtol=tolerance(dtype)[0] * 8, atol=8 * float(np.finfo(dtype).eps) / n)
    else:
        assert isinstance(got, float), f"{which} returned {type(got).__name__}"
        assert_agrees(which, got, want, rtol=tolerance(dtype)[0] * 8, atol=32 * float(np.finfo(dtype).eps))
    if finite_mask(second) and dtype != np.float16:
        assert np.all(np.isfinite(got)), f"{which}: not finite from finite input: {got}"
