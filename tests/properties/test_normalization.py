"""Batch normalization and the dense residual block, against loops over every feature and unit.

Drawn: shapes with zero and one-sized axes, every dtype, special values,
arguments that are no array, wrong shapes, bad momentum/epsilon/training.
Each call is refused naming an argument, or agrees with a loop written here
(forward), with centred finite differences (backward, float64), and keeps
its inputs unchanged.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from dlnotes import batchnorm, residual
from properties.support import (
    arrays, assert_agrees, covers, examples, expected_dtype, fd, NOT_ARRAYS, outcome, REFUSED,
)

BN_NAMES = ("x", "gamma", "beta", "moving_mean", "moving_variance", "momentum", "epsilon", "training")


def naive_batchnorm(x, gamma, beta, mm, mv, training, momentum, epsilon):
    """Feature by feature, with Python floats: (out, new moving mean, new moving variance)."""
    x = np.asarray(x, dtype=np.float64)
    rows = x.reshape(-1, x.shape[-1])
    out = np.zeros_like(rows)
    new_mm, new_mv = np.zeros(x.shape[-1]), np.zeros(x.shape[-1])
    for c in range(x.shape[-1]):
        values = [float(v) for v in rows[:, c]]
        if training:
            mean = sum(values) / len(values)
            var = sum((v - mean) ** 2 for v in values) / len(values)
            new_mm[c] = momentum * float(mm[c]) + (1 - momentum) * mean
            new_mv[c] = momentum * float(mv[c]) + (1 - momentum) * var
        else:
            mean, var = float(mm[c]), float(mv[c])
            new_mm[c], new_mv[c] = mean, var
        for i, v in enumerate(values):
            out[i, c] = float(gamma[c]) * (v - mean) / math.sqrt(var + epsilon) + float(beta[c])
    return out.reshape(x.shape), new_mm, new_mv


@st.composite
def batchnorm_cases(draw):
    """Half the cases well formed; the other half with one argument drawn bad (or special values)."""
    shape = draw(st.sampled_from([(3, 2), (1, 3), (2, 1), (4, 2, 1, 3), (2, 2, 2, 1), (5, 3), (2, 4)]))
    c = shape[-1]
    case = dict(x=draw(arrays(shape, special=False)),
                **{k: draw(arrays((c,), special=False, low=-1 if k == "moving_variance" else -3, high=3))
                   for k in ("gamma", "beta", "moving_mean", "moving_variance")},
                training=draw(st.booleans()), momentum=draw(st.floats(0, 0.999)),
                epsilon=draw(st.floats(1e-5, 1.0)))
    bad = draw(st.sampled_from([None] * 9 + list(case)))
    if bad == "x":
        case["x"] = draw(st.one_of(arrays(shape), arrays(st.sampled_from([(0, 2), (3,), (3, 0), ()])), NOT_ARRAYS))
    elif bad in ("gamma", "beta", "moving_mean", "moving_variance"):
        case[bad] = draw(st.one_of(arrays((c,)), arrays((c + 1,)), arrays((1, c)), NOT_ARRAYS))
    elif bad == "training":
        case["training"] = draw(st.sampled_from(["yes", 1, None, np.array(True)]))
    elif bad == "momentum":
        case["momentum"] = draw(st.sampled_from([1.0, -0.1, None, "0.9", np.nan, 2]))
    elif bad == "epsilon":
        case["epsilon"] = draw(st.sampled_from([0.0, -1e-3, None, np.inf, "1e-3"]))
    return case


@covers("batchnorm.batchnorm_forward", "batchnorm.batchnorm_backward")
@examples(60)
@given(case=batchnorm_cases(), seed=st.integers(0, 2**16))
def test_batchnorm_against_a_loop_over_features(case, seed):
    x, gamma, beta, mm, mv, training, momentum, epsilon = (
        case[k] for k in ("x", "gamma", "beta", "moving_mean", "moving_variance", "training", "momentum", "epsilon"))
    got = outcome(batchnorm.batchnorm_forward, x, gamma, beta, mm, mv, training=training, momentum=momentum,
                  epsilon=epsilon, names=BN_NAMES)
    if got is REFUSED:
        return
    # accepted: so every argument was well formed
    assert isinstance(training, bool) and 0 <= momentum < 1 and epsilon > 0
    x64 = np.asarray(x, dtype=np.float64)
    assert np.all(np.isfinite(x64)) and x64.ndim >= 2 and x64.shape[-1] >= 1
    assert not training or x64.size // x64.shape[-1] >= 2
    out, cache, new_mm, new_mv = got
    dtype = expected_dtype(x, gamma, beta, mm, mv)
    want, want_mm, want_mv = naive_batchnorm(x, gamma, beta, mm, mv, training, momentum, epsilon)
    low = min((np.asarray(a).dtype for a in (x, gamma, beta, mm, mv) if np.asarray(a).dtype.kind == "f"),
              key=lambda d: d.itemsize, default=np.dtype(np.float64))
    rtol = {2: 3e-2, 4: 1e-4, 8: 1e-9}[low.itemsize]
    scale = 1 + np.abs(want).max(initial=0) + np.abs(np.asarray(beta, dtype=np.float64)).max(initial=0)
    assert_agrees("out", out, want, dtype=dtype, rtol=rtol, atol=rtol * scale)
    assert_agrees("moving_mean", new_mm, want_mm, dtype=dtype, rtol=rtol, atol=rtol * (1 + np.abs(want_mm).max()))
    assert_agrees("moving_variance", new_mv, want_mv, dtype=dtype, rtol=rtol, atol=rtol * (1 + want_mv.max()))
    dout = np.random.default_rng(seed).normal(size=out.shape)
    dx, dgamma, dbeta = outcome(batchnorm.batchnorm_backward, dout, cache, names=("dout",))
    assert dx.shape == out.shape and dgamma.shape == dbeta.shape == new_mm.shape
    if low.itemsize < 8 or np.abs(x64).max(initial=0) > 1e3:
        return                                            # finite differences only in float64, moderate x
    args = [x64.copy(), np.asarray(gamma, dtype=np.float64).copy(), np.asarray(beta, dtype=np.float64).copy()]
    mm64, mv64 = np.asarray(mm, dtype=np.float64), np.asarray(mv, dtype=np.float64)

    def loss():
        o = batchnorm.batchnorm_forward(args[0], args[1], args[2], mm64, mv64, training=training,
                                        momentum=momentum, epsilon=epsilon)[0]
        return float(np.sum(o * dout))

    for name, got_grad, want_grad in zip(("dx", "dgamma", "dbeta"), (dx, dgamma, dbeta), fd(loss, *args)):
        assert_agrees(name, got_grad, want_grad, rtol=1e-5, atol=1e-5 * (1 + np.abs(want_grad).max(initial=0)))


@covers("batchnorm.batchnorm_backward")
@examples(20)
@given(dout=st.one_of(NOT_ARRAYS, arrays((2, 3)), arrays((3, 3), special=False)), cache=st.sampled_from(["good", None, (1, 2, 3, 4)]))
def test_batchnorm_backward_refuses_what_is_not_its_input(dout, cache):
    x = np.arange(9.0).reshape(3, 3)
    _, good, _, _ = batchnorm.batchnorm_forward(x, np.ones(3), np.zeros(3), np.zeros(3), np.ones(3), training=True)
    got = outcome(batchnorm.batchnorm_backward, dout, good if cache == "good" else cache, names=("dout", "cache"))
    ok = cache == "good" and isinstance(dout, np.ndarray) and dout.shape == (3, 3) and dout.dtype.kind in "biuf"
    assert (got is REFUSED) == (not ok)


def naive_residual(x, kernel, bias, activation):
    """Unit by unit: y[n, j] = x[n, j] + f(bias[j] + sum_i x[n, i] kernel[i, j])."""
    f = {"sigmoid": lambda v: 1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v)),
         "tanh": math.tanh, "relu": lambda v: max(v, 0.0), "linear": lambda v: v}[activation]
    n, d = x.shape
    y = np.zeros((n, d))
    for a in range(n):
        for j in range(d):
            z = float(bias[j]) + sum(float(x[a, i]) * float(kernel[i, j]) for i in range(d))
            y[a, j] = float(x[a, j]) + f(z)
    return y


@st.composite
def residual_cases(draw):
    """Half the cases well formed; the other half with one argument drawn bad (or special values)."""
    n, d = draw(st.integers(0, 3)), draw(st.integers(1, 3))
    case = dict(x=draw(arrays((n, d), special=False)), kernel=draw(arrays((d, d), special=False, low=-2, high=2)),
                bias=draw(arrays((d,), special=False, low=-2, high=2)),
                activation=draw(st.sampled_from(["sigmoid", "tanh", "relu", "linear"])))
    bad = draw(st.sampled_from([None] * 4 + list(case)))
    if bad == "x":
        case["x"] = draw(st.one_of(arrays((n, d)), arrays((n,)), arrays((n, d + 1)), NOT_ARRAYS))
    elif bad == "kernel":
        case["kernel"] = draw(st.one_of(arrays((d, d)), arrays((d, d + 1)), arrays((d * d,)), NOT_ARRAYS))
    elif bad == "bias":
        case["bias"] = draw(st.one_of(arrays((d,)), arrays((d + 1,)), NOT_ARRAYS))
    elif bad == "activation":
        case["activation"] = draw(st.sampled_from(["softplus", None, "ReLU", 1]))
    return case["x"], case["kernel"], case["bias"], case["activation"]


@covers("residual.residual_forward", "residual.residual_backward")
@examples(60)
@given(case=residual_cases(), seed=st.integers(0, 2**16))
def test_residual_block_against_a_loop_over_units(case, seed):
    x, kernel, bias, activation = case
    got = outcome(residual.residual_forward, x, kernel, bias, activation,
                  names=("x", "kernel", "bias", "activation"))
    if got is REFUSED:
        return
    y, cache = got
    x64 = np.asarray(x, dtype=np.float64)
    assert x64.ndim == 2 and np.all(np.isfinite(x64)) and activation in ("sigmoid", "tanh", "relu", "linear")
    dtype = expected_dtype(x, kernel, bias)
    want = naive_residual(x64, np.asarray(kernel, dtype=np.float64), np.asarray(bias, dtype=np.float64), activation)
    low = min((np.asarray(a).dtype for a in (x, kernel, bias) if np.asarray(a).dtype.kind == "f"),
              key=lambda d: d.itemsize, default=np.dtype(np.float64))
    rtol = {2: 2e-2, 4: 1e-5, 8: 1e-10}[low.itemsize]
    scale = 1 + np.abs(x64).max(initial=0) * (1 + np.abs(np.asarray(kernel, dtype=np.float64)).sum(initial=0))
    assert_agrees("y", y, want, dtype=dtype, rtol=rtol, atol=rtol * scale)
    dy = np.random.default_rng(seed).normal(size=y.shape)
    dx, dkernel, dbias = outcome(residual.residual_backward, dy, cache, names=("dy",))
    if low.itemsize < 8 or np.abs(x64).max(initial=0) > 1e3 or activation == "relu":
        return                                 # finite differences in float64, away from ReLU's kink
    args = [x64.copy(), np.asarray(kernel, dtype=np.float64).copy(), np.asarray(bias, dtype=np.float64).copy()]

    def loss():
        return float(np.sum(residual.residual_forward(*args, activation)[0] * dy))

    for name, got_grad, want_grad in zip(("dx", "dkernel", "dbias"), (dx, dkernel, dbias), fd(loss, *args)):
        assert_agrees(name, got_grad, want_grad, rtol=1e-5, atol=1e-5 * (1 + np.abs(want_grad).max(initial=0)))
