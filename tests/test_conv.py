"""Tests for dlnotes.conv, the 2-D convolution (channels-last, Keras' kernel layout).

Two independent proofs of forward and backward (STYLE.md habit 8), over the
randomised sweep CASES (drawn once from a seeded generator, plus the cases the
issue names by hand), always with non-zero random inputs, kernels and biases:

* TensorFlow parity: ``tf.nn.conv2d(x, kernel, strides=[1, sh, sw, 1],
  padding="VALID" | "SAME") + bias`` gives the forward (float32 within 1e-5
  and still float32, float64 within 1e-12), and ``tf.GradientTape`` of
  ``sum(out * U)`` for a random upstream U gives dx, dkernel and dbias;
* centred finite differences of the same loss computed by our forward, in
  float64, relative error below 1e-6.

The sweep has odd and even sizes, non-square inputs, kernels and stride pairs
such as (1, 3), strides 1 to 3, both paddings, "same" with even kernels and
strides > 1 (where TensorFlow puts the odd extra row/column of padding at the
bottom/right), kernels larger than the input under "same", several channels,
batch 1 and > 1, with and without bias; ``test_sweep_covers_the_hard_cases``
keeps it that way. Then ``conv_output_size`` against TensorFlow's output
shapes, hand-worked examples, and errors that name the bad argument.
"""

from __future__ import annotations

import os
import re
from typing import NamedTuple

import numpy as np
import pytest
from conftest import assert_close, numerical_grad, rel_error

from dlnotes import conv

TOL = {
    np.float32: dict(rtol=1e-5, atol=1e-5),
    np.float64: dict(rtol=1e-12, atol=1e-12),
}
GRAD_TOL = {                             # gradients, ours against TensorFlow's
    np.float32: dict(rtol=1e-4, atol=1e-5),
    np.float64: dict(rtol=1e-10, atol=1e-12),
}
FD_TOL = 1e-6                            # relative error against centred finite differences


class Case(NamedTuple):
    """One convolution: x (n, h, w, c_in), kernel (kh, kw, c_in, c_out), strides (sh, sw)."""

    n: int
    h: int
    w: int
    c_in: int
    c_out: int
    kh: int
    kw: int
    sh: int
    sw: int
    padding: str
    bias: bool = True

    @property
    def id(self) -> str:
        return (f"N{self.n}-{self.h}x{self.w}x{self.c_in}-k{self.kh}x{self.kw}x{self.c_out}"
                f"-s{self.sh}x{self.sw}-{self.padding}" + ("" if self.bias else "-nobias"))


def tf_total_padding(size: int, kernel: int, stride: int) -> int:
    """TensorFlow's total "same" padding along one axis (written out here, independently of the package)."""
    out = -(-size // stride)
    return max((out - 1) * stride + kernel - size, 0)


# The cases the issue names: a 6x6 input under "same" with 2x2 and 4x4 kernels and
# strides 2 and 3 (total padding 0, 2 and the odd 1), odd total padding 3 at stride 1,
# the stride pair (1, 3), kernels as large as (or, under "same", larger than) the input.
HAND_CASES = [
    Case(2, 6, 6, 3, 2, 2, 2, 2, 2, "same"),
    Case(1, 6, 6, 2, 3, 2, 2, 3, 3, "same"),
    Case(2, 6, 6, 3, 2, 4, 4, 2, 2, "same"),
    Case(3, 6, 6, 2, 4, 4, 4, 3, 3, "same"),     # total padding 1: all of it at the bottom/right
    Case(2, 7, 7, 1, 2, 4, 4, 1, 1, "same"),     # total padding 3: 1 before, 2 after
    Case(2, 5, 8, 2, 3, 2, 4, 1, 3, "same"),
    Case(2, 7, 5, 3, 2, 3, 2, 1, 3, "valid"),
    Case(1, 9, 6, 2, 2, 5, 3, 3, 2, "valid"),
    Case(2, 4, 4, 2, 3, 4, 4, 1, 1, "valid"),    # kernel exactly the input: a 1x1 output
    Case(2, 3, 2, 2, 2, 5, 4, 2, 1, "same"),     # kernel larger than the input
    Case(1, 1, 1, 1, 1, 1, 1, 1, 1, "valid"),
    Case(3, 5, 7, 2, 3, 3, 3, 2, 2, "valid", bias=False),
    Case(2, 6, 6, 2, 2, 4, 2, 3, 2, "same", bias=False),
    Case(3, 9, 8, 3, 4, 4, 2, 2, 3, "same"),
]


def random_cases(seed: int, count: int) -> list[Case]:
    """``count`` cases with N in 1..3, H, W in 1..9, C_in 1..3, C_out 1..4, kernels 1..5, strides 1..3."""
    gen = np.random.default_rng(seed)
    cases = []
    while len(cases) < count:
        n, c_in = gen.integers(1, 4, size=2)
        h, w = gen.integers(1, 10, size=2)
        kh, kw = gen.integers(1, 6, size=2)
        sh, sw = gen.integers(1, 4, size=2)
        padding = str(gen.choice(["valid", "same"]))
        if padding == "valid" and (kh > h or kw > w):
            continue
        cases.append(Case(int(n), int(h), int(w), int(c_in), int(gen.integers(1, 5)), int(kh), int(kw),
                          int(sh), int(sw), padding, bias=bool(gen.random() < 0.8)))
    return cases


CASES = HAND_CASES + random_cases(seed=2024, count=27)
PARAMS = [pytest.param(case, id=case.id) for case in CASES]


def random_problem(rng, case: Case, dtype=np.float64) -> dict:
    """conv2d's arguments by name: x ~ N(0, 1), kernel ~ N(0, 1/fan_in), bias ~ N(0, 0.5^2) or None."""
    p = {
        "x": rng.standard_normal((case.n, case.h, case.w, case.c_in)),
        "kernel": rng.standard_normal((case.kh, case.kw, case.c_in, case.c_out)) / np.sqrt(case.kh * case.kw * case.c_in),
        "bias": 0.5 * rng.standard_normal(case.c_out) if case.bias else None,
    }
    for name, value in p.items():
        assert value is None or np.all(value != 0), f"{name} drew an exact zero"
    return {name: None if v is None else v.astype(dtype) for name, v in p.items()}


def out_shape(case: Case) -> tuple[int, int, int, int]:
    """(N, H_out, W_out, C_out), from the formulas of the TensorFlow documentation."""
    if case.padding == "same":
        return case.n, -(-case.h // case.sh), -(-case.w // case.sw), case.c_out
    return case.n, (case.h - case.kh) // case.sh + 1, (case.w - case.kw) // case.sw + 1, case.c_out


def ours(p: dict, case: Case) -> np.ndarray:
    return conv.conv2d(p["x"], p["kernel"], p["bias"], strides=(case.sh, case.sw), padding=case.padding)


def theirs(tf, p: dict, case: Case):
    """TensorFlow's convolution of the same arrays (tensors in, tensor out)."""
    out = tf.nn.conv2d(p["x"], p["kernel"], strides=[1, case.sh, case.sw, 1], padding=case.padding.upper())
    return out if p["bias"] is None else out + p["bias"]


def our_grads(p: dict, case: Case, U) -> dict:
    """dx, dkernel, dbias of L = sum(out * U) from conv2d_backward, by argument name."""
    _, cache = conv.conv2d_forward(p["x"], p["kernel"], p["bias"], strides=(case.sh, case.sw), padding=case.padding)
    dx, dkernel, dbias = conv.conv2d_backward(U, cache)
    return {"x": dx, "kernel": dkernel, "bias": dbias}


# ----------------------------------------------------------- the sweep


def test_sweep_covers_the_hard_cases():
    same = [c for c in CASES if c.padding == "same"]
    checks = {
        "odd size": any(c.h % 2 or c.w % 2 for c in CASES),
        "even size": any(c.h % 2 == 0 and c.w % 2 == 0 for c in CASES),
        "non-square input": any(c.h != c.w for c in CASES),
        "non-square kernel": any(c.kh != c.kw for c in CASES),
        "strides 1, 2, 3": {1, 2, 3} <= {c.sh for c in CASES} & {c.sw for c in CASES},
        "stride pair (1, 3)": any((c.sh, c.sw) == (1, 3) for c in CASES),
        "valid": any(c.padding == "valid" for c in CASES),
        "same, even kernel, stride > 1": any(c.kh % 2 == 0 and c.sh > 1 for c in same),
        "same, odd total padding, stride > 1": any(tf_total_padding(c.h, c.kh, c.sh) % 2 and c.sh > 1 for c in same),
        "same, odd total padding > 1": any(tf_total_padding(c.h, c.kh, c.sh) in (3, 5) for c in same),
        "same, kernel larger than input": any(c.kh > c.h for c in same),
        "several channels": any(c.c_in > 1 and c.c_out > 1 for c in CASES),
        "batch 1": any(c.n == 1 for c in CASES),
        "batch > 1": any(c.n > 1 for c in CASES),
        "no bias": any(not c.bias for c in CASES),
    }
    assert all(checks.values()), [name for name, ok in checks.items() if not ok]
    assert 35 <= len(CASES) <= 45, len(CASES)
    assert len({c.id for c in CASES}) == len(CASES), "duplicate case ids"


# ------------------------------------------------------ TensorFlow parity


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", PARAMS)
def test_forward_matches_tf_conv2d(tf, rng, case, dtype):
    p = random_problem(rng, case, dtype)
    got = ours(p, case)
    want = theirs(tf, {k: None if v is None else tf.constant(v) for k, v in p.items()}, case).numpy()
    label = f"{case.id} {np.dtype(dtype).name}"
    assert got.dtype == dtype, f"{label}: out is {got.dtype}"
    assert got.shape == out_shape(case), f"{label}: shape {got.shape}"
    assert_close(f"out {label}", got, want, check_dtype=True, **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", PARAMS)
def test_backward_matches_gradient_tape(tf, rng, case, dtype):
    p = random_problem(rng, case, dtype)
    U = rng.standard_normal(out_shape(case)).astype(dtype)
    t = {k: None if v is None else tf.constant(v) for k, v in p.items()}
    watched = [v for v in t.values() if v is not None]
    with tf.GradientTape() as tape:
        tape.watch(watched)
        loss = tf.reduce_sum(theirs(tf, t, case) * U)
    want = dict(zip([k for k, v in t.items() if v is not None], tape.gradient(loss, watched)))
    got = our_grads(p, case, U)
    label = f"{case.id} {np.dtype(dtype).name}"
    assert_close(f"loss {label}", np.sum(ours(p, case) * U), loss.numpy(), **TOL[dtype])
    for name, grad in want.items():
        assert_close(f"d{name} {label}", got[name], grad.numpy(), check_dtype=True, **GRAD_TOL[dtype])
    if not case.bias:
        assert got["bias"] is None, f"{case.id}: dbias is {got['bias']!r} without a bias"


# ------------------------------------------------ finite differences


@pytest.mark.parametrize("case", PARAMS)
def test_backward_matches_finite_differences(rng, case):
    p = random_problem(rng, case)
    U = rng.standard_normal(out_shape(case))
    got = our_grads(p, case, U)
    for name in [k for k, v in p.items() if v is not None]:
        want = numerical_grad(lambda v, name=name: ours({**p, name: v}, case), p[name], U)
        err = rel_error(got[name], want)
        assert err < FD_TOL, f"d{name} vs finite differences, {case.id}: rel error {err:.2e}"


def test_finite_difference_check_catches_a_flipped_kernel(rng):
    # A convolution that flipped its kernel (true convolution instead of TensorFlow's
    # cross-correlation) would give a dx far outside 1e-6 of the finite differences.
    case = Case(2, 6, 5, 2, 3, 3, 2, 2, 1, "same")
    p = random_problem(rng, case)
    U = rng.standard_normal(out_shape(case))
    _, cache = conv.conv2d_forward(p["x"], p["kernel"][::-1, ::-1], p["bias"], strides=(2, 1), padding="same")
    wrong_dx = conv.conv2d_backward(U, cache)[0]
    want = numerical_grad(lambda v: ours({**p, "x": v}, case), p["x"], U)
    assert rel_error(wrong_dx, want) > 1e-2


# ------------------------------------------------------ float32 in, float32 out


def test_float32_in_float32_out(rng):
    case = Case(2, 7, 6, 3, 4, 4, 3, 2, 3, "same")
    p = random_problem(rng, case, np.float32)
    out, cache = conv.conv2d_forward(p["x"], p["kernel"], p["bias"], strides=(2, 3), padding="same")
    dx, dkernel, dbias = conv.conv2d_backward(rng.standard_normal(out.shape).astype(np.float32), cache)
    arrays = {"out": out, "dx": dx, "dkernel": dkernel, "dbias": dbias}
    assert {k: v.dtype for k, v in arrays.items()} == {k: np.float32 for k in arrays}


def test_mixed_dtypes_promote_to_float64(rng):
    # float32 only when x, kernel (and bias) are all float32; then every gradient follows dout's dtype too
    case = Case(2, 6, 5, 3, 2, 3, 2, 2, 1, "same")
    p64 = random_problem(rng, case)
    p32 = {k: v.astype(np.float32) for k, v in p64.items()}
    want = ours(p64, case)
    for name, mix in [("x float32", {**p64, "x": p32["x"]}), ("kernel float32", {**p64, "kernel": p32["kernel"]}),
                      ("bias float64 only", {**p32, "bias": p64["bias"]})]:
        got = ours(mix, case)
        assert got.dtype == np.float64, f"{name}: out is {got.dtype}"
        assert_close(name, got, want, rtol=1e-6, atol=1e-6)
    U = rng.standard_normal(out_shape(case))
    _, cache = conv.conv2d_forward(p32["x"], p32["kernel"], p32["bias"], strides=(2, 1), padding="same")
    dx, dkernel, dbias = conv.conv2d_backward(U, cache)                   # float64 dout after a float32 forward
    want_grads = our_grads(p64, case, U)
    for name, got in {"x": dx, "kernel": dkernel, "bias": dbias}.items():
        assert got.dtype == np.float64, f"d{name} is {got.dtype}"
        assert_close(f"d{name}", got, want_grads[name], rtol=1e-5, atol=1e-5)


def test_empty_batch_gives_empty_results(rng):
    x = np.zeros((0, 5, 6, 2))
    kernel = rng.standard_normal((3, 3, 2, 4))
    out, cache = conv.conv2d_forward(x, kernel, np.ones(4), strides=2, padding="same")
    assert out.shape == (0, 3, 3, 4)
    dx, dkernel, dbias = conv.conv2d_backward(np.zeros(out.shape), cache)
    assert dx.shape == x.shape and dkernel.shape == kernel.shape and dbias.shape == (4,)
    assert not dkernel.any() and not dbias.any()


# ------------------------------------------------------------ zero sizes (issue 14, item 6)


@pytest.mark.parametrize("kernel_shape", [(0, 3, 3, 4), (3, 0, 3, 4), (0, 0, 3, 4)])
def test_zero_size_kernel_is_refused_naming_kernel(tf, kernel_shape):
    x = np.full((2, 5, 5, 3), 0.5)
    with pytest.raises(ValueError, match=r"kernel must be at least 1x1 \(KH, KW >= 1\), got shape " + re.escape(str(kernel_shape))):
        conv.conv2d(x, np.ones(kernel_shape), padding="same")
    with pytest.raises(tf.errors.InvalidArgumentError, match="filter must not have zero elements"):
        tf.nn.conv2d(x, np.ones(kernel_shape), strides=1, padding="SAME")       # TensorFlow refuses it too


@pytest.mark.parametrize("x_shape, strides", [
    pytest.param((2, 0, 5, 3), 1, id="zero-height"),
    pytest.param((2, 0, 5, 3), 2, id="zero-height-stride-2"),
    pytest.param((2, 6, 0, 3), (1, 3), id="zero-width"),
    pytest.param((0, 5, 6, 3), 2, id="empty-batch"),
])
def test_empty_input_under_same_gives_an_empty_output_like_tf(tf, rng, x_shape, strides):
    x, kernel, bias = rng.standard_normal(x_shape), rng.standard_normal((3, 2, 3, 4)), rng.standard_normal(4)
    out, cache = conv.conv2d_forward(x, kernel, bias, strides=strides, padding="same")
    want = tf.nn.conv2d(x, kernel, strides=strides, padding="SAME").shape
    assert out.shape == tuple(want) and out.size == 0, (out.shape, want)
    dx, dkernel, dbias = conv.conv2d_backward(np.ones(out.shape), cache)
    assert dx.shape == x.shape and dkernel.shape == kernel.shape and dbias.shape == (4,)
    assert not dkernel.any() and not dbias.any(), "no output pixel, so no gradient"


def test_zero_output_channels_give_an_empty_output_like_tf(tf, rng):
    x, kernel = rng.standard_normal((2, 5, 6, 3)), rng.standard_normal((3, 2, 3, 0))
    out, cache = conv.conv2d_forward(x, kernel, np.zeros(0), strides=(2, 1), padding="same")
    assert out.shape == tuple(tf.nn.conv2d(x, kernel, strides=(2, 1), padding="SAME").shape) == (2, 3, 6, 0)
    dx, dkernel, dbias = conv.conv2d_backward(np.ones(out.shape), cache)
    assert_close("dx with no output channel", dx, np.zeros(x.shape), rtol=0, atol=0)
    assert dkernel.shape == kernel.shape and dbias.shape == (0,)


def test_zero_input_channels_give_the_bias_everywhere(tf, rng):
    # Each output is bias + a sum over no terms. TensorFlow refuses a kernel of depth 0 ("filter depth must be
    # stricly positive"); its answer for one all-zero input channel, which adds only zeros, is the same sum.
    bias = rng.standard_normal(4)
    out, cache = conv.conv2d_forward(np.zeros((2, 5, 6, 0)), np.zeros((3, 3, 0, 4)), bias, strides=2, padding="same")
    with pytest.raises(tf.errors.InvalidArgumentError, match="filter depth must be stricly positive"):
        tf.nn.conv2d(np.zeros((2, 5, 6, 0)), np.zeros((3, 3, 0, 4)), strides=2, padding="SAME")
    want = tf.nn.conv2d(np.zeros((2, 5, 6, 1)), rng.standard_normal((3, 3, 1, 4)), strides=2, padding="SAME") + bias
    assert_close("zero input channels", out, want.numpy(), rtol=0, atol=0)
    U = rng.standard_normal(out.shape)
    dx, dkernel, dbias = conv.conv2d_backward(U, cache)
    assert dx.shape == (2, 5, 6, 0) and dkernel.shape == (3, 3, 0, 4)
    assert_close("dbias", dbias, U.sum(axis=(0, 1, 2)), rtol=1e-12, atol=1e-12)


# ---------------------------------------------------- inf and NaN weights


@pytest.mark.parametrize("bad", [np.inf, np.nan])
def test_cells_no_window_reads_get_exactly_zero_gradient(rng, bad):
    # 3x3 windows at stride 3 on an 8x7 input read rows 0-5 and columns 0-5: row 6, 7 and column 6 are never
    # read, so their gradient is exactly 0, whatever the weights (0 * inf would be NaN: it must never be formed).
    x, kernel = rng.standard_normal((2, 8, 7, 2)), rng.standard_normal((3, 3, 2, 3))
    kernel[1, 2, 0, 1] = bad
    out, cache = conv.conv2d_forward(x, kernel, strides=3)
    dx, _, _ = conv.conv2d_backward(rng.standard_normal(out.shape), cache)
    unread = np.ones(x.shape, bool)
    unread[:, :6, :6] = False
    assert np.all(dx[unread] == 0), f"cells no window reads: {dx[unread][dx[unread] != 0][:5]}"
    hit = np.zeros(x.shape, bool)
    hit[:, 1:6:3, 2:6:3, 0] = True                     # the cells the bad weight multiplies
    assert np.all(np.isnan(dx[hit]) | np.isinf(dx[hit])), "the bad weight's cells are inf or NaN"
    assert np.all(np.isfinite(dx[~hit])), "every other cell is finite"


# ------------------------------------------------ im2col, the readable matrix


def im2col_loop(xp, kh, kw, sh, sw):
    """One row per output pixel, (N * H_out * W_out, KH * KW * C), filled window by window."""
    n, hp, wp, c = xp.shape
    ho, wo = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    rows = np.empty((n, ho, wo, kh * kw * c))
    for b in range(n):
        for i in range(ho):
            for j in range(wo):
                rows[b, i, j] = xp[b, i * sh: i * sh + kh, j * sw: j * sw + kw, :].ravel()   # (KH, KW, C) order
    return rows.reshape(-1, kh * kw * c)


@pytest.mark.parametrize("case", PARAMS)
def test_im2col_matches_the_window_by_window_loop(rng, case):
    pads = [(t // 2, t - t // 2) for t in (tf_total_padding(case.h, case.kh, case.sh),
                                           tf_total_padding(case.w, case.kw, case.sw))] if case.padding == "same" else [(0, 0)] * 2
    xp = np.pad(rng.standard_normal((case.n, case.h, case.w, case.c_in)), ((0, 0), *pads, (0, 0)))
    got = conv.im2col(xp, (case.kh, case.kw), (case.sh, case.sw))
    assert_close(case.id, got, im2col_loop(xp, case.kh, case.kw, case.sh, case.sw), rtol=0, atol=0)


def test_im2col_times_the_kernel_is_conv2d(rng):
    x, kernel = rng.standard_normal((3, 7, 6, 2)), rng.standard_normal((3, 2, 2, 4))
    xp = np.pad(x, ((0, 0), (1, 1), (0, 1), (0, 0)))     # TF's "same" at strides (2, 1): rows (1, 1), columns (0, 1)
    out = conv.conv2d(x, kernel, strides=(2, 1), padding="same")
    product = conv.im2col(xp, (3, 2), (2, 1)) @ kernel.reshape(-1, 4)
    assert_close("im2col @ kernel", product.reshape(out.shape), out, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("window", [(1, 1), (3, 4)], ids=["1x1", "whole-input"])
def test_im2col_always_returns_a_new_writeable_array(rng, window):
    # for these windows the rows could be a mere view of xp; im2col promises a copy
    xp = rng.standard_normal((2, 3, 4, 2))
    rows = conv.im2col(xp, window)
    assert rows.flags.writeable and not np.shares_memory(rows, xp)


def test_im2col_hand_example():
    xp = np.arange(12.0).reshape(1, 3, 4, 1)         # rows 0-3, 4-7, 8-11
    got = conv.im2col(xp, (2, 2), (1, 2))
    want = np.array([[0, 1, 4, 5], [2, 3, 6, 7], [4, 5, 8, 9], [6, 7, 10, 11]], dtype=float)
    assert_close("2x2 windows at strides (1, 2)", got, want, rtol=0, atol=0)


@pytest.mark.parametrize("call, exc, pattern", [
    (lambda: conv.im2col(np.zeros((3, 4, 1)), 2), ValueError, r"xp must be 4-D \(N, H, W, C\).*got shape \(3, 4, 1\)"),
    (lambda: conv.im2col(np.zeros((1, 3, 4, 1)), (4, 2)), ValueError,
     r"window 4x2 is larger than the input \(3x4\) with 'valid' padding"),
    (lambda: conv.im2col(np.zeros((1, 3, 4, 1)), 2, strides=0), ValueError, r"strides must be a positive integer, got 0"),
    (lambda: conv.im2col(np.zeros((1, 3, 4, 1)), 2.0), TypeError, r"window must be an int or a pair of ints, got 2.0"),
    (lambda: conv.im2col(np.full((1, 3, 4, 1), "a"), 2), TypeError, r"xp must be a real numeric array-like"),
], ids=["xp-3d", "window-too-large", "strides-0", "window-float", "xp-strings"])
def test_im2col_bad_input_names_the_argument(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


@pytest.mark.parametrize("budget", [1, 700], ids=["one-image-blocks", "ragged-blocks"])
def test_blocks_of_images_give_the_one_block_result(rng, monkeypatch, budget):
    # The batch goes through im2col a few images at a time (IM2COL_BYTES); the blocks must not change the answer.
    case = Case(7, 6, 5, 2, 3, 3, 2, 2, 1, "same")
    p = random_problem(rng, case)
    U = rng.standard_normal(out_shape(case))
    want_out, want_grads = ours(p, case), our_grads(p, case, U)
    monkeypatch.setattr(conv, "IM2COL_BYTES", budget)
    assert_close(f"out, {budget}-byte blocks", ours(p, case), want_out, rtol=1e-13, atol=1e-13)
    for name, got in our_grads(p, case, U).items():
        assert_close(f"d{name}, {budget}-byte blocks", got, want_grads[name], rtol=1e-13, atol=1e-13)


def test_read_only_and_non_contiguous_inputs(rng):
    case = Case(3, 7, 6, 2, 3, 3, 3, 1, 2, "same")
    p = random_problem(rng, case)
    want = ours(p, case)
    x_t = np.ascontiguousarray(p["x"].transpose(0, 2, 1, 3)).transpose(0, 2, 1, 3)   # same values, other strides
    assert not x_t.flags.c_contiguous
    locked = {k: v.copy() for k, v in p.items()}
    for v in locked.values():
        v.flags.writeable = False
    assert_close("non-contiguous x", ours({**p, "x": x_t}, case), want, rtol=1e-12, atol=1e-12)
    assert_close("read-only inputs", ours(locked, case), want, rtol=0, atol=0)


def test_a_known_tensorflow_onednn_fault_is_not_ours(tf, rng):
    # Found while checking issue 13 (TensorFlow 2.21, oneDNN on, float32): tf.nn.conv2d on x (2, 2, 1, 1),
    # kernel (1, 2, 1, 1), strides [1, 1, 2, 1], "SAME" returns wrong numbers for the second row of each
    # image: exactly 0 on the 2-core AMD EPYC machine on 2026-12-05, about -1.45e11 on another machine
    # (uninitialised memory). Its float64 kernel, and its float32 kernel with TF_ENABLE_ONEDNN_OPTS=0, give
    # the hand answer, as we do. (The sweep above does not contain this case; nothing is skipped for it.)
    x = rng.standard_normal((2, 2, 1, 1)).astype(np.float32)
    kernel = rng.standard_normal((1, 2, 1, 1)).astype(np.float32)
    # W = 1, KW = 2, sw = 2: one output column, and "same" adds one zero column after: out = x * kernel[0, 0]
    want = x * kernel[0, 0, 0, 0]
    assert_close("ours", conv.conv2d(x, kernel, strides=(1, 2), padding="same"), want, rtol=1e-6, atol=0)
    tf64 = tf.nn.conv2d(x.astype(np.float64), kernel.astype(np.float64), [1, 1, 2, 1], "SAME").numpy()
    assert_close("TensorFlow, float64", tf64, want, rtol=1e-6, atol=1e-7)
    if os.environ.get("TF_ENABLE_ONEDNN_OPTS") == "0":
        tf32 = tf.nn.conv2d(x, kernel, [1, 1, 2, 1], "SAME").numpy()
        assert_close("TensorFlow, float32, oneDNN off", tf32, want, rtol=1e-6, atol=1e-7)


# ----------------------------------------------------------- conv_output_size

SIZES, KERNELS, STRIDES = range(1, 10), range(1, 6), range(1, 4)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv_output_size_matches_tf_output_shape(tf, padding):
    # Each TensorFlow call checks two (size, kernel, stride) triples at once, one per axis.
    grid = [(s, k, st) for s in SIZES for k in KERNELS for st in STRIDES if padding == "same" or k <= s]
    checked = 0
    for (h, kh, sh), (w, kw, sw) in zip(grid, grid[::-1]):
        x = np.full((1, h, w, 1), 0.5)
        kernel = np.full((kh, kw, 1, 1), 0.25)
        shape = tf.nn.conv2d(x, kernel, strides=[1, sh, sw, 1], padding=padding.upper()).shape
        got = (conv.conv_output_size(h, kh, sh, padding), conv.conv_output_size(w, kw, sw, padding))
        assert got == (shape[1], shape[2]), f"{padding}: H {h} k {kh} s {sh}, W {w} k {kw} s {sw}: {got} vs TF {shape}"
        assert conv.conv2d(x, kernel, strides=(sh, sw), padding=padding).shape == (1, *got, 1)
        checked += 1
    assert checked == len(grid) > 100


def test_conv_output_size_defaults_to_stride_1_valid():
    assert conv.conv_output_size(7, 3) == 5
    assert conv.conv_output_size(7, 3, padding="SAME") == 7


def test_conv_output_size_rejects_a_kernel_larger_than_a_valid_input_as_tf_does(tf):
    with pytest.raises(ValueError, match=r"kernel 5 is larger than the input \(3\) with 'valid' padding"):
        conv.conv_output_size(3, 5, 1, "valid")
    with pytest.raises(tf.errors.InvalidArgumentError, match="output size would be negative"):
        tf.nn.conv2d(np.full((1, 3, 3, 1), 0.5), np.full((5, 1, 1, 1), 0.5), strides=1, padding="VALID")
    with pytest.raises(ValueError, match=r"kernel 5x1 is larger than the input \(3x3\) with 'valid' padding"):
        conv.conv2d(np.full((1, 3, 3, 1), 0.5), np.full((5, 1, 1, 1), 0.5))
    assert conv.conv_output_size(3, 5, 1, "same") == 3  # under "same" it is fine


@pytest.mark.parametrize("args, exc, pattern", [
    pytest.param((0, 3), ValueError, r"size must be a positive integer, got 0", id="size-0"),
    pytest.param((5, 0), ValueError, r"kernel must be a positive integer, got 0", id="kernel-0"),
    pytest.param((5, 3, 0), ValueError, r"stride must be a positive integer, got 0", id="stride-0"),
    pytest.param((5, 3, -1), ValueError, r"stride must be a positive integer, got -1", id="stride-negative"),
    pytest.param((5, 3, 1.5), TypeError, r"stride must be a positive integer", id="stride-float"),
    pytest.param((5.0, 3), TypeError, r"size must be a positive integer", id="size-float"),
    pytest.param((5, 3, 1, "full"), ValueError, r"padding must be 'valid' or 'same', got 'full'", id="padding-full"),
])
def test_conv_output_size_bad_input(args, exc, pattern):
    with pytest.raises(exc, match=pattern):
        conv.conv_output_size(*args)


# ------------------------------------------------------------ by hand

# x[0, i, j, 0] = 4i + j + 1:        kernel[:, :, 0, 0]:
#     1  2  3  4                          1  2
#     5  6  7  8                          3  4
#     9 10 11 12
#    13 14 15 16
# out[i, j] = x[i, j] + 2 x[i, j+1] + 3 x[i+1, j] + 4 x[i+1, j+1]
#           = (4i+j+1) + 2(4i+j+2) + 3(4i+j+5) + 4(4i+j+6) = 40i + 10j + 44.
IMAGE = np.arange(1.0, 17.0).reshape(1, 4, 4, 1)
KERNEL = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(2, 2, 1, 1)


def test_hand_example_valid():
    want = np.array([[44, 54, 64],
                     [84, 94, 104],
                     [124, 134, 144]], dtype=float)
    assert_close("valid", conv.conv2d(IMAGE, KERNEL)[0, :, :, 0], want, rtol=0, atol=1e-12)
    assert_close("valid + bias 0.5", conv.conv2d(IMAGE, KERNEL, [0.5])[0, :, :, 0], want + 0.5, rtol=0, atol=1e-12)
    # Stride 2 keeps the windows at rows and columns 0 and 2.
    assert_close("valid stride 2", conv.conv2d(IMAGE, KERNEL, strides=2)[0, :, :, 0], want[::2, ::2], rtol=0, atol=1e-12)


def test_hand_example_same_pads_at_the_bottom_and_right():
    # Total padding 1 along each axis: all of it after, so the last row and column see zeros.
    # out[3, j] = x[3, j] + 2 x[3, j+1] = 41 + 3j (j < 3); out[i, 3] = x[i, 3] + 3 x[i+1, 3] = 16i + 28 (i < 3);
    # out[3, 3] = x[3, 3] = 16.
    want = np.array([[44, 54, 64, 28],
                     [84, 94, 104, 44],
                     [124, 134, 144, 60],
                     [41, 44, 47, 16]], dtype=float)
    assert_close("same", conv.conv2d(IMAGE, KERNEL, padding="same")[0, :, :, 0], want, rtol=0, atol=1e-12)


def test_hand_example_backward():
    # With dout = 1 everywhere (valid, 3x3 output):
    # dkernel[a, b] = sum of the 3x3 block of x starting at (a, b): 54, 63 / 90, 99;
    # dx[i, j] = sum of the kernel entries that ever land on (i, j): the corners see one entry each,
    # the four middle cells all four (1 + 2 + 3 + 4 = 10); dbias = 9 output cells.
    _, cache = conv.conv2d_forward(IMAGE, KERNEL, [0.5])
    dx, dkernel, dbias = conv.conv2d_backward(np.ones((1, 3, 3, 1)), cache)
    assert_close("dkernel", dkernel[:, :, 0, 0], [[54, 63], [90, 99]], rtol=0, atol=1e-12)
    assert_close("dx", dx[0, :, :, 0], [[1, 3, 3, 2],
                                        [4, 10, 10, 6],
                                        [4, 10, 10, 6],
                                        [3, 7, 7, 4]], rtol=0, atol=1e-12)
    assert_close("dbias", dbias, [9.0], rtol=0, atol=1e-12)


@pytest.mark.parametrize("size, k, s, counts", [
    # "same": per output position, how many real rows the window covers.
    # TensorFlow pads total = (out - 1) s + k - size, floor(total / 2) before and the rest after.
    pytest.param(6, 2, 2, [2, 2, 2], id="6-k2-s2-total0"),
    pytest.param(6, 2, 3, [2, 2], id="6-k2-s3-total0"),
    pytest.param(6, 4, 2, [3, 4, 3], id="6-k4-s2-total2"),
    pytest.param(6, 4, 3, [4, 3], id="6-k4-s3-total1-after"),          # top/left padding would give [3, 4]
    pytest.param(6, 2, 1, [2, 2, 2, 2, 2, 1], id="6-k2-s1-total1-after"),
    pytest.param(5, 4, 2, [3, 4, 2], id="5-k4-s2-total3-1before-2after"),  # [2, 4, 3] if the 2 went before
])
def test_same_padding_puts_the_odd_cell_after(size, k, s, counts):
    # Summing ones with a kernel of ones counts the real cells under each window. The
    # kernel is 1 wide along the other axis (3 wide), so each count appears there 3 times.
    x = np.ones((1, size, 3, 1))
    got = conv.conv2d(x, np.ones((k, 1, 1, 1)), strides=(s, 1), padding="same")[0, :, :, 0]
    assert_close(f"rows, size {size} k {k} s {s}", got, np.outer(counts, [1, 1, 1]), rtol=0, atol=0)
    xt = np.ones((1, 3, size, 1))
    got = conv.conv2d(xt, np.ones((1, k, 1, 1)), strides=(1, s), padding="same")[0, :, :, 0]
    assert_close(f"columns, size {size} k {k} s {s}", got, np.outer([1, 1, 1], counts), rtol=0, atol=0)


def test_one_by_one_kernel_is_a_matrix_product_over_channels(rng):
    x, kernel, bias = rng.standard_normal((2, 5, 3, 4)), rng.standard_normal((1, 1, 4, 6)), rng.standard_normal(6)
    want = x @ kernel[0, 0] + bias
    assert_close("1x1 conv", conv.conv2d(x, kernel, bias), want, rtol=1e-13, atol=1e-14)
    assert_close("1x1 conv stride 2", conv.conv2d(x, kernel, bias, strides=2), want[:, ::2, ::2], rtol=1e-13, atol=1e-14)


# ------------------------------------------------------ argument forms


def test_padding_is_case_insensitive(rng):
    case = Case(2, 6, 5, 2, 3, 4, 2, 2, 3, "same")
    p = random_problem(rng, case)
    for padding in ("valid", "same"):
        want = conv.conv2d(**p, strides=(2, 3), padding=padding)
        for spelling in (padding.upper(), padding.capitalize(), padding[:2] + padding[2:].upper()):
            got = conv.conv2d(**p, strides=(2, 3), padding=spelling)
            assert_close(f"padding={spelling!r}", got, want, rtol=0, atol=0)


def test_strides_as_int_tuple_list_or_numpy_ints(rng):
    case = Case(2, 7, 7, 2, 2, 3, 3, 2, 2, "same")
    p = random_problem(rng, case)
    want = conv.conv2d(**p, strides=(2, 2), padding="same")
    for strides in (2, [2, 2], np.int64(2), (np.int32(2), 2), np.array([2, 2])):
        assert_close(f"strides={strides!r}", conv.conv2d(**p, strides=strides, padding="same"), want, rtol=0, atol=0)


def test_forward_and_backward_do_not_modify_inputs(rng):
    case = Case(2, 6, 6, 3, 2, 4, 4, 2, 2, "same")
    p = random_problem(rng, case)
    before = {k: v.copy() for k, v in p.items()}
    U = rng.standard_normal(out_shape(case))
    U_before = U.copy()
    our_grads(p, case, U)
    for k in p:
        assert_close(f"input {k} untouched", p[k], before[k], rtol=0, atol=0)
    assert_close("dout untouched", U, U_before, rtol=0, atol=0)


def test_integer_and_list_inputs_are_accepted_as_float64(rng):
    x_int = rng.integers(-3, 4, size=(2, 5, 4, 2))
    kernel = rng.standard_normal((3, 2, 2, 3))
    got = conv.conv2d(x_int.tolist(), kernel.tolist(), [0.1, -0.2, 0.3], padding="same")
    want = conv.conv2d(x_int.astype(np.float64), kernel, np.array([0.1, -0.2, 0.3]), padding="same")
    assert got.dtype == np.float64
    assert_close("from lists and integers", got, want, rtol=0, atol=0)


# ----------------------------------------------------------- bad input

N, H, W, C_IN, C_OUT = 2, 6, 6, 3, 4
_RNG = np.random.default_rng(0)
_X = _RNG.uniform(0.1, 1.0, (N, H, W, C_IN))
_K = _RNG.uniform(0.1, 1.0, (3, 3, C_IN, C_OUT))
_B = _RNG.uniform(0.1, 1.0, C_OUT)
_, _CACHE = conv.conv2d_forward(_X, _K, _B, strides=1, padding="valid")          # out (2, 4, 4, 4)
_, _CACHE_SAME = conv.conv2d_forward(_X, _K, None, strides=(2, 3), padding="same")  # out (2, 3, 2, 4)


def forward(**kw):
    return conv.conv2d(**{"x": _X, "kernel": _K, "bias": _B, **kw})


def ones(*shape):
    return np.full(shape, 0.3)


BAD_INPUT = [
    # x
    pytest.param(lambda: forward(x=ones(H, W, C_IN)), ValueError,
                 r"x must be 4-D \(N, H, W, C\), batch first and channels last; got shape \(6, 6, 3\)", id="x-3d"),
    pytest.param(lambda: forward(x=ones(N, H, W, C_IN, 1)), ValueError, r"x must be 4-D .*got shape \(2, 6, 6, 3, 1\)",
                 id="x-5d"),
    pytest.param(lambda: forward(x=ones(N, H, W, C_IN - 1)), ValueError,
                 r"kernel expects C_in=3 input channels but x has 2 \(x shape \(2, 6, 6, 2\)\)", id="channels-mismatch"),
    pytest.param(lambda: forward(x=np.full((N, H, W, C_IN), "a")), TypeError,
                 r"x must be a real numeric array-like, got dtype <U1", id="x-strings"),
    pytest.param(lambda: forward(x=_X + 1j), TypeError, r"x must be a real numeric array-like, got dtype complex128",
                 id="x-complex"),
    pytest.param(lambda: forward(x=[[[[0.1, 0.2, 0.3]]], [[[0.4]]]]), TypeError, r"x must be a numeric array-like",
                 id="x-ragged"),
    pytest.param(lambda: forward(x=np.full((N, H, W, C_IN), None)), TypeError,
                 r"x must be a real numeric array-like, got dtype object", id="x-objects"),
    # kernel
    pytest.param(lambda: forward(kernel=ones(3, 3, C_IN)), ValueError,
                 r"kernel must be 4-D \(KH, KW, C_in, C_out\), got shape \(3, 3, 3\)", id="kernel-3d"),
    pytest.param(lambda: forward(kernel=ones(1, 3, 3, C_IN, C_OUT)), ValueError,
                 r"kernel must be 4-D \(KH, KW, C_in, C_out\), got shape \(1, 3, 3, 3, 4\)", id="kernel-5d"),
    pytest.param(lambda: forward(kernel=np.full((3, 3, C_IN, C_OUT), "k")), TypeError,
                 r"kernel must be a real numeric array-like", id="kernel-strings"),
    pytest.param(lambda: forward(kernel=ones(7, 3, C_IN, C_OUT)), ValueError,
                 r"kernel 7x3 is larger than the input \(6x6\) with 'valid' padding", id="kernel-taller-than-input"),
    pytest.param(lambda: forward(kernel=ones(2, 8, C_IN, C_OUT), padding="VALID"), ValueError,
                 r"kernel 2x8 is larger than the input \(6x6\) with 'valid' padding", id="kernel-wider-than-input"),
    # bias
    pytest.param(lambda: forward(bias=ones(C_OUT + 1)), ValueError, r"bias must have shape \(C_out,\) = \(4,\), got \(5,\)",
                 id="bias-long"),
    pytest.param(lambda: forward(bias=ones(1, C_OUT)), ValueError, r"bias must have shape \(C_out,\) = \(4,\), got \(1, 4\)",
                 id="bias-2d"),
    pytest.param(lambda: forward(bias=0.5), ValueError, r"bias must have shape \(C_out,\) = \(4,\), got \(\)", id="bias-scalar"),
    pytest.param(lambda: forward(bias=np.full(C_OUT, "b")), TypeError, r"bias must be a real numeric array-like",
                 id="bias-strings"),
    # padding
    pytest.param(lambda: forward(padding="full"), ValueError, r"padding must be 'valid' or 'same', got 'full'", id="padding-full"),
    pytest.param(lambda: forward(padding="SAME "), ValueError, r"padding must be 'valid' or 'same', got 'SAME '",
                 id="padding-trailing-space"),
    pytest.param(lambda: forward(padding=""), ValueError, r"padding must be 'valid' or 'same', got ''", id="padding-empty"),
    pytest.param(lambda: forward(padding=None), ValueError, r"padding must be 'valid' or 'same', got None", id="padding-None"),
    pytest.param(lambda: forward(padding=1), ValueError, r"padding must be 'valid' or 'same', got 1", id="padding-int"),
    # strides
    pytest.param(lambda: forward(strides=0), ValueError, r"strides must be a positive integer, got 0", id="strides-0"),
    pytest.param(lambda: forward(strides=-1), ValueError, r"strides must be a positive integer, got -1", id="strides-negative"),
    pytest.param(lambda: forward(strides=(1, 0)), ValueError, r"strides\[1\] must be a positive integer, got 0", id="strides-pair-0"),
    pytest.param(lambda: forward(strides=1.5), TypeError, r"strides must be an int or a pair of ints, got 1.5",
                 id="strides-float"),
    pytest.param(lambda: forward(strides="2"), TypeError, r"strides must be an int or a pair of ints, got '2'",
                 id="strides-string"),
    pytest.param(lambda: forward(strides=(1, 2.0)), TypeError, r"strides\[1\] must be a positive integer, got 2.0",
                 id="strides-pair-float"),
    pytest.param(lambda: forward(strides=(1, 2, 3)), TypeError, r"strides must be an int or a pair of ints, got \(1, 2, 3\)",
                 id="strides-triple"),
    pytest.param(lambda: forward(strides=True), TypeError, r"strides must be an int or a pair of ints, got True",
                 id="strides-bool"),
    # backward
    pytest.param(lambda: conv.conv2d_backward(ones(N, 4, 4, C_OUT + 1), _CACHE), ValueError,
                 r"dout must have the output's shape \(2, 4, 4, 4\), got \(2, 4, 4, 5\)", id="dout-channels"),
    pytest.param(lambda: conv.conv2d_backward(ones(N, 6, 6, C_OUT), _CACHE), ValueError,
                 r"dout must have the output's shape \(2, 4, 4, 4\), got \(2, 6, 6, 4\)", id="dout-input-sized"),
    pytest.param(lambda: conv.conv2d_backward(ones(4, 4, C_OUT), _CACHE), ValueError,
                 r"dout must have the output's shape \(2, 4, 4, 4\), got \(4, 4, 4\)", id="dout-3d"),
    pytest.param(lambda: conv.conv2d_backward(ones(1, 4, 4, C_OUT), _CACHE), ValueError,
                 r"dout must have the output's shape \(2, 4, 4, 4\), got \(1, 4, 4, 4\)", id="dout-broadcastable"),
    pytest.param(lambda: conv.conv2d_backward(ones(N, 2, 3, C_OUT), _CACHE_SAME), ValueError,
                 r"dout must have the output's shape \(2, 3, 2, 4\), got \(2, 2, 3, 4\)", id="dout-same-transposed"),
    pytest.param(lambda: conv.conv2d_backward(np.full((N, 4, 4, C_OUT), "d"), _CACHE), TypeError,
                 r"dout must be a real numeric array-like", id="dout-strings"),
]


@pytest.mark.parametrize("call, exc, pattern", BAD_INPUT)
def test_bad_input_raises_naming_the_value(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def test_conv2d_forward_and_conv2d_agree():
    out, _ = conv.conv2d_forward(_X, _K, _B, strides=(2, 3), padding="same")
    assert_close("conv2d vs conv2d_forward", conv.conv2d(_X, _K, _B, (2, 3), "same"), out, rtol=0, atol=0)


@pytest.mark.parametrize(
    "args, exc, pattern",
    [
        ((7, 3, (2, 3)), TypeError, r"stride must be a positive integer"),
        ((5.0, 3), TypeError, r"size must be a positive integer, got 5\.0"),
        ((0, 3), ValueError, r"size must be a positive integer, got 0"),
        ((5, 0), ValueError, r"kernel must be a positive integer, got 0"),
    ],
)
def test_conv_output_size_names_each_argument(args, exc, pattern):
    from dlnotes.conv import conv_output_size

    with pytest.raises(exc, match=pattern):
        conv_output_size(*args)
