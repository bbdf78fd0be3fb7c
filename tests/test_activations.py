"""Tests for dlnotes.activations.

Two independent proofs for every function (STYLE.md habit 8): parity with
TensorFlow (forward ops and ``tf.GradientTape`` gradients, float32 and
float64) and centred finite differences in float64. Then the promises in the
module docstring: dtype rules, stability at |z| = 1e4, NaN propagation as in
TensorFlow, and errors that name the bad argument.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import warnings
from functools import partial
from typing import Callable, NamedTuple

import numpy as np
import pytest
from conftest import assert_close, numerical_grad, rel_error

from dlnotes import activations as A

DTYPES = [np.float32, np.float64]
# float32: what TensorFlow's float32 kernels (Eigen's fast approximations) allow.
# float64: tight. The atol only matters in the tails, where TensorFlow flushes
# subnormals to zero and computes sigmoid' as y(1 - y), which is 0 once y
# rounds to 1 (ours keeps e^-|z| / (1 + e^-|z|)^2, a few 1e-39 at z = 88).
TOL = {
    np.float32: dict(rtol=1e-5, atol=1e-6),
    np.float64: dict(rtol=1e-12, atol=1e-15),
}
SCALES = [1.0, 10.0, 100.0]
SHAPES = [(), (1,), (7,), (3, 5), (2, 3, 4), (2, 1, 3, 5)]
ALPHAS = [0.0, 0.01, 0.25, 0.3, 1.0, 2.5]


def extremes(dtype, subnormals: bool = True) -> np.ndarray:
    """Large, overflow-boundary and tiny values, shaped (5, 5) (or (23,) without subnormals).

    TensorFlow on CPU flushes subnormals to zero (denormals-are-zero), so its
    relu gradient at the smallest positive subnormal is 0, not 1: gradient
    parity is checked without them, and ours is checked there on its own.
    """
    fi = np.finfo(dtype)
    big = [1e4, -1e4, 1e3, -1e3, 88.0, -88.0, 89.0, -89.0, 709.0, -709.0, 710.0, -710.0]
    small = [0.0, 0.5, -0.5, 1e-30, -1e-30, float(fi.tiny), -float(fi.tiny)]
    small += [float(fi.eps), -float(fi.eps), 3.0, -3.0]
    if not subnormals:
        return np.array(big + small, dtype=dtype)
    sub = [float(fi.smallest_subnormal), -float(fi.smallest_subnormal)]
    return np.array(big + small + sub, dtype=dtype).reshape(5, 5)


class Act(NamedTuple):
    """An elementwise activation, its derivative, and TensorFlow's version."""

    name: str
    fn: Callable
    grad: Callable
    tf_fn: Callable  # (tf, z) -> tensor
    kinked: bool  # not differentiable at 0: finite differences stay away from it
    alpha: float | None = None

    def tol(self, dtype) -> dict:
        # tf.nn.leaky_relu stores alpha as a float32 attribute, so in float64 it
        # uses float32(alpha): 0.3 becomes 0.30000001192... (relative 4e-8).
        if dtype == np.float64 and self.alpha is not None and float(np.float32(self.alpha)) != self.alpha:
            return dict(rtol=1e-7, atol=1e-15)
        return TOL[dtype]


def _leaky(alpha: float) -> Act:
    return Act(
        f"leaky_relu(alpha={alpha})",
        partial(A.leaky_relu, alpha=alpha),
        partial(A.leaky_relu_grad, alpha=alpha),
        lambda tf, z: tf.nn.leaky_relu(z, alpha=alpha),
        kinked=True,
        alpha=alpha,
    )


ACTS = [
    Act("sigmoid", A.sigmoid, A.sigmoid_grad, lambda tf, z: tf.math.sigmoid(z), kinked=False),
    Act("tanh", A.tanh, A.tanh_grad, lambda tf, z: tf.math.tanh(z), kinked=False),
    Act("relu", A.relu, A.relu_grad, lambda tf, z: tf.nn.relu(z), kinked=True),
] + [_leaky(alpha) for alpha in ALPHAS]
ACT_PARAMS = [pytest.param(act, id=act.name) for act in ACTS]

# (shape, axis) for softmax: 1-D to 3-D, every axis, positive and negative.
SOFTMAX_CASES = [
    ((7,), 0),
    ((7,), -1),
    ((3, 5), 0),
    ((3, 5), 1),
    ((3, 5), -2),
    ((2, 3, 4), 0),
    ((2, 3, 4), 1),
    ((2, 3, 4), -1),
    ((2, 3, 4), -3),
    ((4, 1, 3), 1),  # a length-1 axis: every probability is exactly 1
]
SOFTMAX_PARAMS = [pytest.param(s, a, id=f"{s}-axis{a}") for s, a in SOFTMAX_CASES]


def tf_grad(tf, fn, z: np.ndarray, upstream: np.ndarray | None = None) -> np.ndarray:
    """d sum(fn(z) * upstream) / dz from tf.GradientTape (upstream = ones if None)."""
    zt = tf.constant(z)
    with tf.GradientTape() as tape:
        tape.watch(zt)
        y = fn(zt)
    out_grad = None if upstream is None else tf.constant(upstream)
    return tape.gradient(y, zt, output_gradients=out_grad).numpy()


@contextlib.contextmanager
def no_fp_trouble():
    """Any warning, overflow, division by zero or invalid operation is an error inside.

    Underflow is allowed: e^-10000 correctly rounds to 0, and that is exactly
    how sigmoid and softmax reach 0 and 1 (numpy ignores underflow by default
    too). ``np.errstate(all="raise")`` alone would reject sigmoid(-1e4).
    """
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        yield


# ------------------------------------------------------ TensorFlow parity


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", ACT_PARAMS)
def test_forward_matches_tf_random(tf, rng, act, dtype, scale):
    for shape in SHAPES:
        z = (rng.standard_normal(shape) * scale).astype(dtype)
        label = f"{act.name} {np.dtype(dtype).name} shape={shape} scale={scale}"
        assert_close(label, act.fn(z), act.tf_fn(tf, z).numpy(), check_dtype=True, **act.tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", ACT_PARAMS)
def test_forward_matches_tf_extremes(tf, act, dtype):
    z = extremes(dtype)
    want = act.tf_fn(tf, z).numpy()
    assert_close(f"{act.name} {np.dtype(dtype).name} extremes", act.fn(z), want, check_dtype=True, **act.tol(dtype))


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", ACT_PARAMS)
def test_grad_matches_tf_gradient_tape(tf, rng, act, dtype, scale):
    for shape in SHAPES:
        z = (rng.standard_normal(shape) * scale).astype(dtype)
        want = tf_grad(tf, lambda t: act.tf_fn(tf, t), z)
        label = f"{act.name}_grad {np.dtype(dtype).name} shape={shape} scale={scale}"
        assert_close(label, act.grad(z), want, check_dtype=True, **act.tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", ACT_PARAMS)
def test_grad_matches_tf_gradient_tape_extremes(tf, act, dtype):
    z = extremes(dtype, subnormals=False)
    want = tf_grad(tf, lambda t: act.tf_fn(tf, t), z)
    assert_close(f"{act.name}_grad {np.dtype(dtype).name} extremes", act.grad(z), want, check_dtype=True, **act.tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", ACT_PARAMS)
def test_grad_at_subnormals_is_the_grad_just_beside_zero(act, dtype):
    # A subnormal is not zero: the derivative there is the one on its side of 0.
    fi = np.finfo(dtype)
    sub = np.array([fi.smallest_subnormal, -fi.smallest_subnormal, fi.tiny / 4, -fi.tiny / 4], dtype=dtype)
    beside = np.array([fi.tiny, -fi.tiny, fi.tiny, -fi.tiny], dtype=dtype)
    assert_close(f"{act.name}_grad at subnormals", act.grad(sub), act.grad(beside), rtol=0, atol=0, check_dtype=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", ACT_PARAMS)
def test_grad_at_zero_follows_tf_convention(tf, act, dtype):
    z = np.array([0.0, -0.0, 1.5, -1.5], dtype=dtype)
    want = tf_grad(tf, lambda t: act.tf_fn(tf, t), z)
    got = act.grad(z)
    assert_close(f"{act.name}_grad at 0", got, want, check_dtype=True, **act.tol(dtype))
    expected_at_zero = {"sigmoid": 0.25, "tanh": 1.0, "relu": 0.0}.get(act.name, act.alpha)
    assert_close(f"{act.name}_grad(0) value", got[:2], np.full(2, expected_at_zero, dtype), **act.tol(dtype))


def test_leaky_relu_default_alpha_is_0_01_not_tf_default(tf):
    z = np.array([-3.0, -0.5, 2.0])
    assert_close("leaky_relu default", A.leaky_relu(z), tf.nn.leaky_relu(z, alpha=0.01).numpy(), rtol=1e-7)
    assert_close("leaky_relu_grad default", A.leaky_relu_grad(z), [0.01, 0.01, 1.0])
    # TensorFlow's own default is 0.2 (chapter 1 says so): the two must be told apart.
    assert not np.allclose(A.leaky_relu(z), tf.nn.leaky_relu(z).numpy())
    assert_close("tf.nn.leaky_relu default", tf.nn.leaky_relu(z).numpy(), A.leaky_relu(z, alpha=0.2), rtol=1e-6)


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, axis", SOFTMAX_PARAMS)
def test_softmax_matches_tf(tf, rng, shape, axis, dtype, scale):
    z = (rng.standard_normal(shape) * scale).astype(dtype)
    got = A.softmax(z, axis=axis)
    assert_close(f"softmax {shape} axis={axis}", got, tf.nn.softmax(z, axis=axis).numpy(), check_dtype=True, **TOL[dtype])
    assert_close("softmax slices sum to 1", got.sum(axis=axis), np.ones(np.delete(shape, axis)), rtol=0, atol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_default_axis_is_last(tf, rng, dtype):
    z = (rng.standard_normal((3, 4, 5)) * 3).astype(dtype)
    assert_close("softmax default axis", A.softmax(z), A.softmax(z, axis=2), rtol=0, atol=0, check_dtype=True)
    assert_close("softmax default vs tf", A.softmax(z), tf.nn.softmax(z).numpy(), **TOL[dtype])
    up = rng.standard_normal(z.shape).astype(dtype)
    assert_close("softmax_grad default axis", A.softmax_grad(z, up), A.softmax_grad(z, up, axis=-1), rtol=0, atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_matches_tf_extremes(tf, dtype, axis):
    z = extremes(dtype)
    rows = np.array(
        [
            [1e4, -1e4, 0.0, 1e4],
            [-1e4, -1e4 - 1, -1e4 + 2, -1e4],
            [709.0, 710.0, -709.0, 88.0],
            [-88.0, -89.0, -1e3, 1e-30],
        ],
        dtype=dtype,
    )
    for label, x in (("extremes", z), ("rows", rows)):
        want = tf.nn.softmax(x, axis=axis).numpy()
        assert_close(f"softmax {label} axis={axis}", A.softmax(x, axis=axis), want, check_dtype=True, **TOL[dtype])


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, axis", SOFTMAX_PARAMS)
def test_softmax_grad_matches_tf_gradient_tape(tf, rng, shape, axis, dtype, scale):
    z = (rng.standard_normal(shape) * scale).astype(dtype)
    up = rng.standard_normal(shape).astype(dtype)
    want = tf_grad(tf, lambda t: tf.nn.softmax(t, axis=axis), z, up)
    assert_close(f"softmax_grad {shape} axis={axis}", A.softmax_grad(z, up, axis=axis), want, check_dtype=True, **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_grad_matches_tf_gradient_tape_extremes(tf, rng, dtype):
    z = extremes(dtype)
    up = rng.standard_normal(z.shape).astype(dtype)
    for axis in (0, 1):
        want = tf_grad(tf, lambda t: tf.nn.softmax(t, axis=axis), z, up)
        got = A.softmax_grad(z, up, axis=axis)
        assert_close(f"softmax_grad extremes axis={axis}", got, want, check_dtype=True, **TOL[dtype])


# -------------------------------------------------- finite differences


@pytest.mark.parametrize("act", ACT_PARAMS)
def test_grad_matches_finite_differences(rng, act):
    for shape in [(7,), (3, 5), (2, 3, 4)]:
        z = rng.standard_normal(shape) * 2
        if act.kinked:  # keep every point at least 1e-2 from the kink at 0
            z = np.where(np.abs(z) < 1e-2, z + np.copysign(1e-2, z), z)
        up = rng.standard_normal(shape)
        want = numerical_grad(act.fn, z, up)
        got = up * act.grad(z)
        err = rel_error(got, want)
        assert err < 1e-6, f"{act.name}_grad vs finite differences, shape={shape}: rel error {err:.2e}"


@pytest.mark.parametrize("shape, axis", SOFTMAX_PARAMS)
def test_softmax_grad_matches_finite_differences(rng, shape, axis):
    z = rng.standard_normal(shape) * 2
    up = rng.standard_normal(shape)
    want = numerical_grad(lambda x: A.softmax(x, axis=axis), z, up)
    err = rel_error(A.softmax_grad(z, up, axis=axis), want)
    assert err < 1e-6, f"softmax_grad vs finite differences, shape={shape} axis={axis}: rel error {err:.2e}"


def test_finite_difference_helper_catches_a_wrong_gradient(rng):
    # The check above must be able to fail: a plausible mistake (sigma' taken
    # as sigma) is far outside 1e-6.
    z = rng.standard_normal(6)
    assert rel_error(A.sigmoid(z), numerical_grad(A.sigmoid, z)) > 1e-2


# ------------------------------------------------- softmax Jacobian


def test_softmax_grad_is_explicit_jacobian_vector_product():
    z = np.array([0.3, -1.2, 2.0, 0.7, -0.1])
    up = np.array([1.0, -2.0, 0.5, 3.0, -0.7])
    s = A.softmax(z)
    jac = np.array([[s[i] * ((i == j) - s[j]) for j in range(5)] for i in range(5)])  # ds_i/dz_j
    assert_close("softmax_grad = upstream @ J", A.softmax_grad(z, up), up @ jac, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_grad_is_jacobian_vector_product_per_slice(rng, axis):
    z = rng.standard_normal((3, 4)) * 2
    up = rng.standard_normal((3, 4))
    want = np.empty_like(z)
    ax = axis % 2
    for k in range(z.shape[1 - ax]):
        idx = (slice(None), k) if ax == 0 else (k, slice(None))
        s = A.softmax(z[idx])
        jac = np.diag(s) - np.outer(s, s)
        want[idx] = up[idx] @ jac
    assert_close(f"softmax_grad per-slice JVP axis={axis}", A.softmax_grad(z, up, axis=axis), want, rtol=1e-12, atol=1e-15)


# ----------------------------------------------------------- dtypes


def _upstream_like(z) -> np.ndarray:
    """A fixed non-constant upstream gradient, float32 for float32 z and float64 otherwise."""
    dtype = np.float32 if np.asarray(z).dtype == np.float32 else np.float64
    return np.linspace(-1.0, 2.0, np.size(z)).reshape(np.shape(z)).astype(dtype)


ALL_FUNCS = [
    pytest.param(A.sigmoid, id="sigmoid"),
    pytest.param(A.sigmoid_grad, id="sigmoid_grad"),
    pytest.param(A.tanh, id="tanh"),
    pytest.param(A.tanh_grad, id="tanh_grad"),
    pytest.param(A.relu, id="relu"),
    pytest.param(A.relu_grad, id="relu_grad"),
    pytest.param(A.leaky_relu, id="leaky_relu"),
    pytest.param(A.leaky_relu_grad, id="leaky_relu_grad"),
    pytest.param(A.linear, id="linear"),
    pytest.param(A.linear_grad, id="linear_grad"),
    pytest.param(A.softmax, id="softmax"),
    pytest.param(lambda z: A.softmax_grad(z, _upstream_like(z)), id="softmax_grad"),
]


@pytest.mark.parametrize("fn", ALL_FUNCS)
@pytest.mark.parametrize(
    "make, want_dtype",
    [
        pytest.param(lambda z: z.astype(np.float32), np.float32, id="float32"),
        pytest.param(lambda z: z, np.float64, id="float64"),
        pytest.param(lambda z: np.rint(z).astype(np.int32), np.float64, id="int32"),
        pytest.param(lambda z: np.rint(z).astype(np.int64), np.float64, id="int64"),
        pytest.param(lambda z: np.abs(np.rint(z)).astype(np.uint8), np.float64, id="uint8"),
        pytest.param(lambda z: z > 0, np.float64, id="bool"),
        pytest.param(lambda z: z.tolist(), np.float64, id="list-of-floats"),
        pytest.param(lambda z: np.rint(z).astype(int).tolist(), np.float64, id="list-of-ints"),
    ],
)
def test_output_dtype_and_values(rng, fn, make, want_dtype):
    z64 = rng.standard_normal((2, 5)) * 3
    z = make(z64)
    got = fn(z)
    assert got.dtype == want_dtype, f"input {np.asarray(z).dtype} gave {got.dtype}, want {np.dtype(want_dtype)}"
    # ints, bools and lists give exactly what their float array gives
    assert_close("values", got, fn(np.asarray(z, dtype=want_dtype)), check_dtype=True, rtol=0, atol=0)


@pytest.mark.parametrize("fn", [p for p in ALL_FUNCS if p.id not in ("softmax", "softmax_grad")])
@pytest.mark.parametrize(
    "value, want_dtype",
    [(0.7, np.float64), (-2, np.float64), (True, np.float64), (np.float32(-1.5), np.float32)],
)
def test_scalars_are_accepted(fn, value, want_dtype):
    got = np.asarray(fn(value))
    assert got.shape == () and got.dtype == want_dtype, f"{value!r} gave shape {got.shape}, dtype {got.dtype}"
    assert_close("scalar value", got, fn(np.array([value], dtype=want_dtype))[0], rtol=0, atol=0)


@pytest.mark.parametrize("fn", ALL_FUNCS)
def test_inputs_are_not_modified(rng, fn):
    for dtype in DTYPES:
        z = (rng.standard_normal((3, 4)) * 2).astype(dtype)
        before = z.copy()
        out = fn(z)
        assert_close("input after call", z, before, rtol=0, atol=0, check_dtype=True)
        assert not np.shares_memory(out, z), "output must not alias the input"


def test_softmax_on_an_empty_batch(tf):
    z = np.empty((0, 3))
    assert_close("softmax of (0, 3)", A.softmax(z), tf.nn.softmax(z).numpy(), check_dtype=True)
    assert_close("softmax_grad of (0, 3)", A.softmax_grad(z, z), np.empty((0, 3)), check_dtype=True)


@pytest.mark.parametrize("act", ACT_PARAMS)
def test_elementwise_functions_on_empty_arrays(act):
    for dtype in DTYPES:
        z = np.empty((0, 4), dtype=dtype)
        assert_close(f"{act.name} of empty", act.fn(z), z, check_dtype=True)
        assert_close(f"{act.name}_grad of empty", act.grad(z), z, check_dtype=True)


# ------------------------------------------------------- stability


STABLE_FUNCS = ALL_FUNCS + [
    pytest.param(partial(A.leaky_relu, alpha=0.0), id="leaky_relu-alpha0"),
    pytest.param(partial(A.leaky_relu_grad, alpha=0.3), id="leaky_relu_grad-alpha0.3"),
    pytest.param(partial(A.softmax, axis=0), id="softmax-axis0"),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn", STABLE_FUNCS)
def test_no_warning_and_finite_at_1e4(rng, fn, dtype):
    z = np.array(
        [[1e4, -1e4, 0.0, 1e4], [-1e4, -1e4, -1e4, -1e4], [1e4, 1e4, 1e4, -1e4], [1e3, -1e3, 709.0, -709.0]],
        dtype=dtype,
    )
    z_random = (rng.choice([-1.0, 1.0], size=(5, 6)) * 1e4 * rng.uniform(0.9, 1.0, size=(5, 6))).astype(dtype)
    for x in (z, z_random):
        with no_fp_trouble():
            out = fn(x)
        assert out.shape == x.shape and out.dtype == dtype
        assert np.all(np.isfinite(out)), f"non-finite output at |z|=1e4: {out}"


@pytest.mark.parametrize("dtype", DTYPES)
def test_no_warning_under_numpy_defaults_at_1e4(dtype):
    # What a reader sees in a notebook: numpy's default error state, warnings shown.
    z = np.array([1e4, -1e4, 0.0, 1e4], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fn in (A.sigmoid, A.sigmoid_grad, A.tanh, A.tanh_grad, A.relu, A.leaky_relu, A.softmax):
            fn(z)
        A.softmax_grad(z, np.array([1.0, -1.0, 2.0, 0.5], dtype=dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_stable_values_at_1e4(dtype):
    z = np.array([1e4, -1e4], dtype=dtype)
    assert_close("sigmoid(±1e4)", A.sigmoid(z), np.array([1.0, 0.0], dtype), rtol=0, atol=0, check_dtype=True)
    assert_close("sigmoid_grad(±1e4)", A.sigmoid_grad(z), np.array([0.0, 0.0], dtype), rtol=0, atol=0, check_dtype=True)
    assert_close("tanh(±1e4)", A.tanh(z), np.array([1.0, -1.0], dtype), rtol=0, atol=0, check_dtype=True)
    assert_close("tanh_grad(±1e4)", A.tanh_grad(z), np.array([0.0, 0.0], dtype), rtol=0, atol=0, check_dtype=True)
    rows = np.array([[1e4, -1e4, 0.0, 1e4], [-1e4, 1e4, -1e4, -1e4], [-1e4, -1e4, -1e4, -1e4]], dtype=dtype)
    with no_fp_trouble():
        s = A.softmax(rows)
    assert_close("softmax rows sum to 1", s.sum(axis=-1), np.ones(3), rtol=0, atol=1e-6)
    want = np.array([[0.5, 0, 0, 0.5], [0, 1, 0, 0], [0.25] * 4], dtype)
    assert_close("softmax at 1e4", s, want, rtol=0, atol=1e-7, check_dtype=True)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_is_shift_invariant(rng, dtype):
    # z on a grid of 1/64 so that z + shift is exact even in float32; the max
    # shift then removes the offset exactly and the results are identical.
    z = np.round(rng.standard_normal((4, 5)) * 2 * 64) / 64
    for shift in (1e4, -1e4, 1e3, -709.0, 88.0):
        got = A.softmax((z + shift).astype(dtype))
        assert_close(f"softmax(z + {shift:g})", got, A.softmax(z.astype(dtype)), rtol=0, atol=0, check_dtype=True)


@pytest.mark.parametrize("z", [-20.0, -40.0, -80.0, 20.0, 40.0, 80.0])
def test_float32_tails_keep_relative_accuracy(z):
    # sigma'(z) = e^-|z| / (1 + e^-|z|)^2 stays accurate where 1 - sigma(z)
    # rounds to 0; likewise sigma(z) for z << 0 via e / (1 + e).
    z32 = np.array([z], dtype=np.float32)
    z64 = z32.astype(np.float64)
    assert_close(f"sigmoid_grad({z}) float32", A.sigmoid_grad(z32), A.sigmoid_grad(z64), rtol=1e-5, atol=0)
    if z < 0:
        assert_close(f"sigmoid({z}) float32", A.sigmoid(z32), A.sigmoid(z64), rtol=1e-5, atol=0)
        assert A.sigmoid_grad(z32)[0] > 0 and A.sigmoid(z32)[0] > 0


# --------------------------------------------------------------- NaN


def _with_nans(rng, shape, frac=0.25) -> tuple[np.ndarray, np.ndarray]:
    """Random z with NaN at random places (always the first entry, never the last); returns (z, NaN mask)."""
    z = rng.standard_normal(shape) * 3
    mask = rng.random(shape) < frac
    mask.flat[0] = True
    mask.flat[-1] = False
    z[mask] = np.nan
    return z, mask


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", ACT_PARAMS)
def test_nan_propagates_like_tf(tf, rng, act, dtype):
    z, mask = _with_nans(rng, (4, 6))
    z = z.astype(dtype)
    got = act.fn(z)
    want = act.tf_fn(tf, z).numpy()
    assert np.array_equal(np.isnan(got), mask), f"{act.name}: NaN exactly where z is NaN"
    assert_close(f"{act.name} with NaN vs tf", got, want, equal_nan=True, check_dtype=True, **act.tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", ACT_PARAMS)
def test_grad_at_nan_and_inf_like_tf(tf, rng, act, dtype):
    z, _ = _with_nans(rng, (4, 6))
    z[1, :2] = [np.inf, -np.inf]
    z = z.astype(dtype)
    want = tf_grad(tf, lambda t: act.tf_fn(tf, t), z)
    assert_close(f"{act.name}_grad with NaN/inf vs tf", act.grad(z), want, equal_nan=True, check_dtype=True, **act.tol(dtype))


def test_relu_grad_at_nan_is_zero(tf):
    z = np.array([np.nan, 1.0, -1.0])
    assert_close("relu_grad(nan)", A.relu_grad(z), [0.0, 1.0, 0.0], rtol=0, atol=0)
    assert_close("tf relu grad(nan)", tf_grad(tf, tf.nn.relu, z), [0.0, 1.0, 0.0], rtol=0, atol=0)
    assert np.isnan(A.relu(z)[0]), "relu itself still propagates NaN"


@pytest.mark.parametrize("act", [p for p in ACT_PARAMS if p.values[0].alpha != 0.0])
def test_infinities_like_tf(tf, act):
    # (leaky_relu with alpha=0 is left out: 0 * -inf is NaN in both libraries.)
    for dtype in DTYPES:
        z = np.array([np.inf, -np.inf, 2.0, -2.0], dtype=dtype)
        assert_close(f"{act.name}(±inf)", act.fn(z), act.tf_fn(tf, z).numpy(), check_dtype=True, **act.tol(dtype))


@pytest.mark.parametrize("shape, axis", [p for p in SOFTMAX_PARAMS if p.values[0] != (4, 1, 3)])
def test_softmax_nan_makes_the_whole_slice_nan(tf, rng, shape, axis):
    z, mask = _with_nans(rng, shape, frac=0.1)
    slice_nan = np.broadcast_to(mask.any(axis=axis, keepdims=True), shape)
    for dtype in DTYPES:
        zd = z.astype(dtype)
        got = A.softmax(zd, axis=axis)
        want = tf.nn.softmax(zd, axis=axis).numpy()
        name = f"softmax {np.dtype(dtype).name} {shape} axis={axis}"
        assert np.array_equal(np.isnan(got), slice_nan), f"{name}: a NaN must make its whole slice NaN, and only that slice"
        assert not np.any(np.isnan(want) & ~np.isnan(got)), f"{name}: NaN in TensorFlow's result but not ours"
        assert_close(f"{name}, slices without NaN", got[~slice_nan], want[~slice_nan], check_dtype=True, **TOL[dtype])
        if dtype == np.float64:  # TensorFlow's float64 kernel NaNs the whole slice too
            assert np.array_equal(np.isnan(got), np.isnan(want)), f"{name}: NaN mask differs from tf float64"


def test_softmax_non_finite_like_tf_float64(tf):
    inf, nan = np.inf, np.nan
    z = np.array(
        [
            [inf, 1.0, 2.0, 3.0],  # +inf: inf - inf = NaN, whole slice NaN
            [-inf, 1.0, 2.0, 3.0],  # -inf: probability 0
            [-inf, -inf, -inf, -inf],  # nothing to normalise: NaN
            [inf, inf, 1.0, 2.0],
            [1.0, 2.0, 3.0, nan],
            [1.0, 2.0, 3.0, 4.0],
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = A.softmax(z)
    want = tf.nn.softmax(z).numpy()
    assert_close("softmax non-finite vs tf float64", got, want, equal_nan=True, check_dtype=True, **TOL[np.float64])
    assert np.array_equal(np.isnan(got).all(axis=1), [True, False, True, True, True, False])


# ----------------------------------------------------- get_activation


@pytest.mark.parametrize(
    "name, fn, grad",
    [
        ("sigmoid", A.sigmoid, A.sigmoid_grad),
        ("tanh", A.tanh, A.tanh_grad),
        ("relu", A.relu, A.relu_grad),
        ("leaky_relu", A.leaky_relu, A.leaky_relu_grad),
        ("linear", A.linear, A.linear_grad),
    ],
)
def test_get_activation_returns_the_pair(rng, name, fn, grad):
    got_fn, got_grad = A.get_activation(name)
    assert got_fn is fn and got_grad is grad, f"get_activation({name!r}) returned {got_fn}, {got_grad}"
    z = rng.standard_normal((3, 4)) * 2
    assert_close(f"{name} via registry", got_fn(z), fn(z), rtol=0, atol=0)
    err = rel_error(got_grad(z), numerical_grad(got_fn, z))
    assert err < 1e-6, f"registry pair {name!r} is not (fn, d fn/dz): rel error {err:.2e}"


def test_get_activation_leaky_relu_uses_alpha_0_01(rng):
    fn, grad = A.get_activation("leaky_relu")
    z = -np.abs(rng.standard_normal(5)) - 0.1
    assert_close("registry leaky_relu slope", fn(z), 0.01 * z, rtol=1e-15, atol=0)
    assert_close("registry leaky_relu_grad", grad(z), np.full(5, 0.01), rtol=0, atol=0)


def test_linear_is_identity_with_grad_ones(rng):
    fn, grad = A.get_activation("linear")
    for dtype in DTYPES:
        z = (rng.standard_normal((2, 3, 4)) * 10).astype(dtype)
        out = fn(z)
        assert_close("linear(z)", out, z, rtol=0, atol=0, check_dtype=True)
        assert out is not z and not np.shares_memory(out, z), "linear must return a new array"
        assert_close("linear_grad(z)", grad(z), np.ones_like(z), rtol=0, atol=0, check_dtype=True)


# -------------------------------------------------------- bad input


BAD_Z = [
    pytest.param(np.array(["1.0", "2.0"]), id="strings"),
    pytest.param(["a", "b"], id="list-of-strings"),
    pytest.param(np.array([1.0, None], dtype=object), id="object-array"),
    pytest.param(np.array([1.0, 2.0], dtype=object), id="object-array-of-floats"),
    pytest.param(np.array([1 + 2j, 3 - 1j]), id="complex"),
    pytest.param([[1.0, 2.0], [3.0]], id="ragged-list"),
    pytest.param(None, id="None"),
]
FUNCS_OF_Z = ALL_FUNCS[:-1] + [pytest.param(lambda z: A.softmax_grad(z, np.ones(2)), id="softmax_grad")]


@pytest.mark.parametrize("fn", FUNCS_OF_Z)
@pytest.mark.parametrize("z", BAD_Z)
def test_non_numeric_z_raises_type_error_naming_z(fn, z):
    with pytest.raises(TypeError, match=r"^z must be a .*numeric array-like"):
        fn(z)


@pytest.mark.parametrize("upstream", BAD_Z[:5])
def test_non_numeric_upstream_raises_type_error(upstream):
    with pytest.raises(TypeError, match=r"^upstream must be a .*numeric array-like"):
        A.softmax_grad(np.array([0.5, -1.0]), upstream)


@pytest.mark.parametrize("fn", [A.leaky_relu, A.leaky_relu_grad])
@pytest.mark.parametrize(
    "alpha, exc, pattern",
    [
        (-0.5, ValueError, r"alpha must be >= 0.*got -0\.5"),
        (-1e-9, ValueError, r"alpha must be >= 0.*got -1e-09"),
        (-3, ValueError, r"alpha must be >= 0.*got -3"),
        (float("nan"), ValueError, r"alpha must be finite, got nan"),
        (float("inf"), ValueError, r"alpha must be finite, got inf"),
        (float("-inf"), ValueError, r"alpha must be finite, got -inf"),
        ("0.1", TypeError, r"alpha must be a real number, got '0\.1'"),
        (None, TypeError, r"alpha must be a real number, got None"),
        (True, TypeError, r"alpha must be a real number, got True"),
        (0.1 + 0j, TypeError, r"alpha must be a real number"),
    ],
)
def test_bad_alpha(fn, alpha, exc, pattern):
    with pytest.raises(exc, match=pattern):
        fn(np.array([-1.0, 2.0]), alpha=alpha)


@pytest.mark.parametrize("alpha", [0, 2, np.float32(0.25), np.float64(0.3), np.int64(1)])
def test_alpha_accepts_real_numbers(alpha):
    z = np.array([-2.0, 3.0])
    assert_close(f"leaky_relu alpha={alpha!r}", A.leaky_relu(z, alpha=alpha), [-2.0 * float(alpha), 3.0], rtol=1e-15, atol=0)
    assert_close(f"leaky_relu_grad alpha={alpha!r}", A.leaky_relu_grad(z, alpha=alpha), [float(alpha), 1.0], rtol=0, atol=0)


@pytest.mark.parametrize(
    "shape, axis",
    [((2, 3), 2), ((2, 3), -3), ((2, 3), 5), ((4,), 1), ((4,), -2), ((2, 3, 4), 3), ((2, 3, 4), -4)],
)
def test_softmax_axis_out_of_range(shape, axis):
    z = np.linspace(-1.0, 1.0, int(np.prod(shape))).reshape(shape)
    with pytest.raises(ValueError, match=rf"axis={axis} is out of range .*{len(shape)} dimension"):
        A.softmax(z, axis=axis)
    with pytest.raises(ValueError, match=rf"axis={axis} is out of range"):
        A.softmax_grad(z, z, axis=axis)


@pytest.mark.parametrize("axis", [1.0, "1", None, True, [1], np.float64(0.0)])
def test_softmax_axis_must_be_an_integer(axis):
    z = np.array([[0.1, 0.2, 0.3], [1.0, -1.0, 0.5]])
    with pytest.raises(TypeError, match=r"axis must be an integer"):
        A.softmax(z, axis=axis)
    with pytest.raises(TypeError, match=r"axis must be an integer"):
        A.softmax_grad(z, z, axis=axis)


def test_softmax_axis_accepts_numpy_integers():
    z = np.array([[0.1, 0.2, 0.3], [1.0, -1.0, 0.5]])
    assert_close("axis=np.int64(0)", A.softmax(z, axis=np.int64(0)), A.softmax(z, axis=0), rtol=0, atol=0)


@pytest.mark.parametrize("z", [np.float64(1.5), 2.0, np.array(0.5, dtype=np.float32)])
def test_softmax_of_a_scalar_raises(z):
    with pytest.raises(ValueError, match=r"z must have at least one dimension"):
        A.softmax(z)
    with pytest.raises(ValueError, match=r"z must have at least one dimension"):
        A.softmax_grad(z, z)


@pytest.mark.parametrize("up_shape", [(3,), (2, 1), (1, 3), (3, 2), (1, 2, 3), (6,), ()])
def test_softmax_grad_upstream_shape_must_match_exactly(up_shape):
    z = np.array([[0.1, -0.4, 2.0], [1.5, 0.3, -0.2]])
    upstream = np.linspace(0.5, 1.5, int(np.prod(up_shape))).reshape(up_shape)
    pattern = rf"upstream must have the same shape as z: got upstream {re.escape(str(up_shape))} and z \(2, 3\)"
    with pytest.raises(ValueError, match=pattern):
        A.softmax_grad(z, upstream)


def test_get_activation_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"name='swish'.*'sigmoid', 'tanh', 'relu', 'leaky_relu', 'linear'"):
        A.get_activation("swish")


@pytest.mark.parametrize("name", [3, None, b"relu", ("relu",)])
def test_get_activation_needs_a_string(name):
    with pytest.raises(TypeError, match=r"name must be a string"):
        A.get_activation(name)


# ---------------------------------------------------------- packaging


def test_import_dlnotes_does_not_import_tensorflow():
    code = "import sys, dlnotes; assert 'tensorflow' not in sys.modules, 'tensorflow was imported'"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_public_names_are_exported():
    import dlnotes

    names = ["sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad"]
    names += ["leaky_relu", "leaky_relu_grad", "softmax", "softmax_grad", "get_activation"]
    for name in names:
        assert name in dlnotes.__all__, name
        assert getattr(dlnotes, name) is getattr(A, name), name


@pytest.mark.parametrize(
    "shape, axis",
    [((0,), -1), ((2, 0), -1), ((0, 3), 0), ((3, 0, 2), 1)],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_over_an_empty_axis_returns_an_empty_array_like_tensorflow(tf, shape, axis, dtype):
    z = np.empty(shape, dtype=dtype)
    want = tf.nn.softmax(tf.constant(z), axis=axis).numpy()
    got = A.softmax(z, axis=axis)
    assert got.shape == want.shape == shape and got.dtype == dtype
    grad = A.softmax_grad(z, np.empty(shape, dtype=dtype), axis=axis)
    assert grad.shape == shape


def test_leaky_relu_of_minus_infinity_with_zero_slope_is_nan_without_warning(tf):
    z = np.array([-np.inf, -1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = A.leaky_relu(z, alpha=0.0)
    want = tf.nn.leaky_relu(tf.constant(z), alpha=0.0).numpy()
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert_close("leaky_relu(-inf, 0)", got[1:], want[1:])
