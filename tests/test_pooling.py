"""Tests for dlnotes.pooling, max and average pooling (channels-last).

Two independent proofs of forward and backward (STYLE.md habit 8), over the
randomised sweep CASES (drawn once from a seeded generator, plus the cases the
issue names by hand):

* TensorFlow parity: ``tf.nn.max_pool2d`` / ``tf.nn.avg_pool2d`` with
  ``ksize=(ph, pw)``, ``strides=(sh, sw)`` and "VALID" | "SAME" give the
  forward (float32 within 1e-5 and still float32, float64 within 1e-12), and
  ``tf.GradientTape`` of ``sum(out * U)`` for a random upstream U gives dx;
* centred finite differences of the same loss computed by our forward, in
  float64, relative error below 1e-6.

Max pooling is piecewise linear: a nudge of ±eps must not change which cell
wins a window, so its gradient checks use ``separated`` inputs, a random
permutation of values 0.1 apart (no ties, no zeros).

The sweep has odd and even sizes, non-square inputs, pools and stride pairs
such as (1, 3), strides 1 to 3 (smaller than, equal to and larger than the
pool), both paddings, "same" with even pools and strides > 1 (where
TensorFlow puts the odd extra row/column of padding at the bottom/right),
pools larger than the input under "same", several channels, batch 1 and > 1;
``test_sweep_covers_the_hard_cases`` keeps it that way. Average pooling under
"same" divides by the number of real cells, shown by hand in a corner. Then
errors that name the bad argument.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pytest
from conftest import assert_close, numerical_grad, rel_error

from dlnotes import conv, pooling

TOL = {
    np.float32: dict(rtol=1e-5, atol=1e-5),
    np.float64: dict(rtol=1e-12, atol=1e-12),
}
GRAD_TOL = dict(rtol=1e-10, atol=1e-12)  # float64 gradients, ours against TensorFlow's
FD_TOL = 1e-6                            # relative error against centred finite differences
OPS = ("max", "avg")


class Case(NamedTuple):
    """One pooling: x (n, h, w, c), pool (ph, pw), strides (sh, sw)."""

    n: int
    h: int
    w: int
    c: int
    ph: int
    pw: int
    sh: int
    sw: int
    padding: str

    @property
    def id(self) -> str:
        return f"N{self.n}-{self.h}x{self.w}x{self.c}-p{self.ph}x{self.pw}-s{self.sh}x{self.sw}-{self.padding}"


def tf_total_padding(size: int, window: int, stride: int) -> int:
    """TensorFlow's total "same" padding along one axis (written out here, independently of the package)."""
    out = -(-size // stride)
    return max((out - 1) * stride + window - size, 0)


# The cases the issue names: a 6x6 input under "same" with 2x2 and 4x4 pools and
# strides 2 and 3 (total padding 0, 2 and the odd 1), odd total padding 3, the stride
# pair (1, 3), overlapping windows, pools as large as (or, under "same", larger than) the input.
HAND_CASES = [
    Case(2, 6, 6, 3, 2, 2, 2, 2, "same"),
    Case(1, 6, 6, 2, 2, 2, 3, 3, "same"),
    Case(2, 6, 6, 3, 4, 4, 2, 2, "same"),
    Case(3, 6, 6, 2, 4, 4, 3, 3, "same"),     # total padding 1: all of it at the bottom/right
    Case(2, 7, 7, 2, 4, 4, 1, 1, "same"),     # total padding 3: 1 before, 2 after
    Case(2, 5, 8, 2, 2, 4, 1, 3, "same"),
    Case(2, 7, 5, 3, 3, 2, 1, 3, "valid"),
    Case(1, 9, 6, 2, 3, 3, 2, 2, "valid"),    # overlapping windows
    Case(2, 4, 4, 2, 4, 4, 1, 1, "valid"),    # pool exactly the input: a 1x1 output
    Case(2, 3, 2, 2, 5, 4, 2, 1, "same"),     # pool larger than the input
    Case(1, 1, 1, 1, 1, 1, 1, 1, "valid"),
    Case(3, 8, 7, 2, 2, 2, 2, 2, "valid"),
]


def random_cases(seed: int, count: int) -> list[Case]:
    """``count`` cases with N in 1..3, H, W in 1..9, C in 1..3, pools 1..4, strides 1..3."""
    gen = np.random.default_rng(seed)
    cases = []
    while len(cases) < count:
        n, c = gen.integers(1, 4, size=2)
        h, w = gen.integers(1, 10, size=2)
        ph, pw = gen.integers(1, 5, size=2)
        sh, sw = gen.integers(1, 4, size=2)
        padding = str(gen.choice(["valid", "same"]))
        if padding == "valid" and (ph > h or pw > w):
            continue
        cases.append(Case(int(n), int(h), int(w), int(c), int(ph), int(pw), int(sh), int(sw), padding))
    return cases


CASES = HAND_CASES + random_cases(seed=4096, count=28)
PARAMS = [pytest.param(case, id=case.id) for case in CASES]


def out_shape(case: Case) -> tuple[int, int, int, int]:
    """(N, H_out, W_out, C), from the formulas of the TensorFlow documentation."""
    if case.padding == "same":
        return case.n, -(-case.h // case.sh), -(-case.w // case.sw), case.c
    return case.n, (case.h - case.ph) // case.sh + 1, (case.w - case.pw) // case.sw + 1, case.c


def separated(rng, shape, dtype=np.float64) -> np.ndarray:
    """A random permutation of values 0.1 apart, centred on zero but never zero: no ties for ±eps to flip."""
    size = int(np.prod(shape))
    values = 0.1 * (rng.permutation(size) - size / 2 + 0.25)
    assert np.all(values != 0)
    return values.reshape(shape).astype(dtype)


def random_x(rng, case: Case, op: str, dtype=np.float64) -> np.ndarray:
    shape = (case.n, case.h, case.w, case.c)
    x = separated(rng, shape) if op == "max" else rng.standard_normal(shape)
    assert np.all(x != 0), "x drew an exact zero"
    return x.astype(dtype)


def forward_fn(op: str):
    return {"max": pooling.max_pool2d_forward, "avg": pooling.avg_pool2d_forward}[op]


def backward_fn(op: str):
    return {"max": pooling.max_pool2d_backward, "avg": pooling.avg_pool2d_backward}[op]


def ours(op: str, x, case: Case) -> np.ndarray:
    fn = {"max": pooling.max_pool2d, "avg": pooling.avg_pool2d}[op]
    return fn(x, pool_size=(case.ph, case.pw), strides=(case.sh, case.sw), padding=case.padding)


def our_dx(op: str, x, case: Case, U) -> np.ndarray:
    _, cache = forward_fn(op)(x, pool_size=(case.ph, case.pw), strides=(case.sh, case.sw), padding=case.padding)
    return backward_fn(op)(U, cache)


def theirs(tf, op: str, x, case: Case):
    """TensorFlow's pooling of the same tensor."""
    fn = {"max": tf.nn.max_pool2d, "avg": tf.nn.avg_pool2d}[op]
    return fn(x, ksize=[case.ph, case.pw], strides=[case.sh, case.sw], padding=case.padding.upper())


# ----------------------------------------------------------- the sweep


def test_sweep_covers_the_hard_cases():
    same = [c for c in CASES if c.padding == "same"]
    checks = {
        "odd size": any(c.h % 2 or c.w % 2 for c in CASES),
        "even size": any(c.h % 2 == 0 and c.w % 2 == 0 for c in CASES),
        "non-square input": any(c.h != c.w for c in CASES),
        "non-square pool": any(c.ph != c.pw for c in CASES),
        "strides 1, 2, 3": {1, 2, 3} <= {c.sh for c in CASES} & {c.sw for c in CASES},
        "stride pair (1, 3)": any((c.sh, c.sw) == (1, 3) for c in CASES),
        "overlapping windows": any(c.sh < c.ph for c in CASES),
        "gaps between windows": any(c.sh > c.ph for c in CASES),
        "valid": any(c.padding == "valid" for c in CASES),
        "same, even pool, stride > 1": any(c.ph % 2 == 0 and c.sh > 1 for c in same),
        "same, odd total padding, stride > 1": any(tf_total_padding(c.h, c.ph, c.sh) % 2 and c.sh > 1 for c in same),
        "same, odd total padding > 1": any(tf_total_padding(c.h, c.ph, c.sh) == 3 for c in same),
        "same, pool larger than input": any(c.ph > c.h for c in same),
        "several channels": any(c.c > 1 for c in CASES),
        "batch 1": any(c.n == 1 for c in CASES),
        "batch > 1": any(c.n > 1 for c in CASES),
    }
    assert all(checks.values()), [name for name, ok in checks.items() if not ok]
    assert 35 <= len(CASES) <= 45, len(CASES)
    assert len({c.id for c in CASES}) == len(CASES), "duplicate case ids"


# ------------------------------------------------------ TensorFlow parity


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", PARAMS)
@pytest.mark.parametrize("op", OPS)
def test_forward_matches_tf(tf, rng, op, case, dtype):
    x = rng.standard_normal((case.n, case.h, case.w, case.c)).astype(dtype)
    got = ours(op, x, case)
    want = theirs(tf, op, tf.constant(x), case).numpy()
    label = f"{op} {case.id} {np.dtype(dtype).name}"
    assert got.dtype == dtype, f"{label}: out is {got.dtype}"
    assert got.shape == out_shape(case), f"{label}: shape {got.shape}"
    assert_close(f"out {label}", got, want, check_dtype=True, **TOL[dtype])


@pytest.mark.parametrize("case", PARAMS)
@pytest.mark.parametrize("op", OPS)
def test_backward_matches_gradient_tape(tf, rng, op, case):
    x = random_x(rng, case, op)
    U = rng.standard_normal(out_shape(case))
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(theirs(tf, op, xt, case) * U)
    want = tape.gradient(loss, xt).numpy()
    assert_close(f"loss {op} {case.id}", np.sum(ours(op, x, case) * U), loss.numpy(), rtol=1e-12, atol=1e-12)
    assert_close(f"dx {op} {case.id}", our_dx(op, x, case, U), want, check_dtype=True, **GRAD_TOL)


# ------------------------------------------------ finite differences


@pytest.mark.parametrize("case", PARAMS)
@pytest.mark.parametrize("op", OPS)
def test_backward_matches_finite_differences(rng, op, case):
    x = random_x(rng, case, op)
    U = rng.standard_normal(out_shape(case))
    want = numerical_grad(lambda v: ours(op, v, case), x, U)
    err = rel_error(our_dx(op, x, case, U), want)
    assert err < FD_TOL, f"dx of {op} pooling vs finite differences, {case.id}: rel error {err:.2e}"


def test_finite_difference_check_catches_dividing_by_the_window_size(rng):
    # Average pooling that divided every "same" window by ph * pw (counting padded cells)
    # would be far outside 1e-6 of the finite differences near the bottom/right edge.
    case = Case(2, 5, 5, 2, 2, 2, 2, 2, "same")
    x = random_x(rng, case, "avg")
    U = rng.standard_normal(out_shape(case))
    dxp = np.zeros((2, 6, 6, 2))
    for i in range(2):
        for j in range(2):
            dxp[:, i::2, j::2] += U / 4
    want = numerical_grad(lambda v: ours("avg", v, case), x, U)
    assert rel_error(dxp[:, :5, :5], want) > 1e-2
    assert rel_error(our_dx("avg", x, case, U), want) < FD_TOL


# ------------------------------------------------------ float32 in, float32 out


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("op", OPS)
def test_float32_in_float32_out(rng, op, padding):
    case = Case(2, 7, 6, 3, 2, 3, 2, 2, padding)
    x = random_x(rng, case, op, np.float32)
    out, cache = forward_fn(op)(x, pool_size=(2, 3), strides=2, padding=padding)
    dx = backward_fn(op)(rng.standard_normal(out.shape).astype(np.float32), cache)
    assert (out.dtype, dx.dtype) == (np.float32, np.float32), (out.dtype, dx.dtype)


@pytest.mark.parametrize("op", OPS)
def test_backward_matches_gradient_tape_in_float32(tf, rng, op):
    case = Case(3, 9, 8, 3, 3, 2, 2, 3, "same")
    x = random_x(rng, case, op, np.float32)
    U = rng.standard_normal(out_shape(case)).astype(np.float32)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(theirs(tf, op, xt, case) * U)
    want = tape.gradient(loss, xt).numpy()
    assert_close(f"dx {op} float32", our_dx(op, x, case, U), want, check_dtype=True, rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------- output sizes


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("op", OPS)
def test_output_shape_is_conv_output_size_and_tf_shape(tf, op, padding):
    # One TensorFlow call per (size, pool, stride) triple along H; W is 3 wide, pool 1, stride 1.
    checked = 0
    for size in range(1, 8):
        for window in range(1, 5):
            for stride in range(1, 4):
                if padding == "valid" and window > size:
                    continue
                x = np.full((1, size, 3, 1), 0.5)
                case = Case(1, size, 3, 1, window, 1, stride, 1, padding)
                want = theirs(tf, op, tf.constant(x), case).shape
                got = ours(op, x, case).shape
                assert got == tuple(want), f"{op} {case.id}: {got} vs TF {tuple(want)}"
                assert got[1] == conv.conv_output_size(size, window, stride, padding), case.id
                checked += 1
    assert checked > 60


@pytest.mark.parametrize("op", OPS)
def test_strides_default_to_the_pool_size(rng, op):
    x = random_x(rng, Case(2, 9, 8, 2, 3, 2, 3, 2, "valid"), op)
    fn = {"max": pooling.max_pool2d, "avg": pooling.avg_pool2d}[op]
    for padding in ("valid", "same"):
        assert_close(f"{op} {padding} (3, 2)", fn(x, (3, 2), padding=padding), fn(x, (3, 2), (3, 2), padding),
                     rtol=0, atol=0)
    assert fn(x).shape == (2, 4, 4, 2)                      # pool_size=2, strides=2, "valid"
    assert_close(f"{op} defaults", fn(x), fn(x, 2, 2, "valid"), rtol=0, atol=0)


# ------------------------------------------------------------ by hand

# 2x2 windows with stride 2:      max of each:
#     1  3 |  2  9                  5  9
#     5  4 |  7  1                 -1  8
#    ------+-------
#    -2 -6 |  8 -3
#    -1 -4 | -5 -7
SMALL = np.array([[1, 3, 2, 9],
                  [5, 4, 7, 1],
                  [-2, -6, 8, -3],
                  [-1, -4, -5, -7]], dtype=float).reshape(1, 4, 4, 1)


def test_max_pool_by_hand():
    out, cache = pooling.max_pool2d_forward(SMALL, 2)
    assert_close("max 2x2 stride 2", out[0, :, :, 0], [[5, 9], [-1, 8]], rtol=0, atol=0)
    # Each window's gradient goes to the cell that held its maximum: 5 at (1, 0), 9 at (0, 3),
    # -1 at (3, 0), 8 at (2, 2); every other cell gets nothing.
    dx = pooling.max_pool2d_backward(np.array([[10.0, 20.0], [30.0, 40.0]]).reshape(1, 2, 2, 1), cache)
    want = np.zeros((4, 4))
    want[1, 0], want[0, 3], want[3, 0], want[2, 2] = 10, 20, 30, 40
    assert_close("max backward", dx[0, :, :, 0], want, rtol=0, atol=0)


def test_overlapping_max_pool_by_hand_accumulates_gradients():
    # 3x3 windows, stride 1: the 8 at (2, 2) wins three of the four windows, the 9 at (0, 3) one.
    out, cache = pooling.max_pool2d_forward(SMALL, 3, strides=1)
    assert_close("max 3x3 stride 1", out[0, :, :, 0], [[8, 9], [8, 8]], rtol=0, atol=0)
    dx = pooling.max_pool2d_backward(np.ones((1, 2, 2, 1)), cache)
    want = np.zeros((4, 4))
    want[2, 2], want[0, 3] = 3, 1
    assert_close("max backward, overlapping", dx[0, :, :, 0], want, rtol=0, atol=0)


def test_max_pool_same_pads_with_minus_infinity():
    # 3x3 input, 2x2 pool, stride 2, "same": one padded row and column at the bottom/right.
    # All values are negative, so zero padding would wrongly win the three edge windows.
    x = -np.arange(1.0, 10.0).reshape(1, 3, 3, 1)
    assert_close("max same", pooling.max_pool2d(x, 2, padding="same")[0, :, :, 0], [[-1, -3], [-7, -9]], rtol=0, atol=0)


NINE = np.arange(1.0, 10.0).reshape(1, 3, 3, 1)   # 1 2 3 / 4 5 6 / 7 8 9


def test_avg_pool_same_divides_by_the_real_cells_in_the_corner():
    # 2x2 pool, stride 2, "same" on 3x3: the padding is one row and column at the bottom/right.
    #   top-left     (1 + 2 + 4 + 5) / 4 = 3      top-right    (3 + 6) / 2 = 4.5
    #   bottom-left  (7 + 8) / 2 = 7.5            bottom-right  9 / 1 = 9   (not 9 / 4 = 2.25)
    out, cache = pooling.avg_pool2d_forward(NINE, 2, padding="same")
    assert_close("avg same", out[0, :, :, 0], [[3, 4.5], [7.5, 9]], rtol=0, atol=1e-15)
    # Backward shares each window's gradient over its real cells: 4/4, 2/2, 2/2 and 1/1 is 1 everywhere.
    dx = pooling.avg_pool2d_backward(np.array([[4.0, 2.0], [2.0, 1.0]]).reshape(1, 2, 2, 1), cache)
    assert_close("avg same backward", dx[0, :, :, 0], np.ones((3, 3)), rtol=0, atol=1e-15)


def test_avg_pool_same_3x3_stride_1_by_hand():
    # One padded row and column on every side. Corners average 4 real cells, edges 6, the centre 9:
    #   (1+2+4+5)/4 = 3    (1+2+3+4+5+6)/6 = 3.5    (2+3+5+6)/4 = 4
    #   (1+2+4+5+7+8)/6 = 4.5      45/9 = 5         (2+3+5+6+8+9)/6 = 5.5
    #   (4+5+7+8)/4 = 6    (4+5+6+7+8+9)/6 = 6.5    (5+6+8+9)/4 = 7
    got = pooling.avg_pool2d(NINE, 3, strides=1, padding="same")[0, :, :, 0]
    assert_close("avg same 3x3", got, [[3, 3.5, 4], [4.5, 5, 5.5], [6, 6.5, 7]], rtol=0, atol=1e-15)


@pytest.mark.parametrize("x_shape, pool, strides", [
    pytest.param((2, 0, 5, 3), 3, 1, id="zero-height"),
    pytest.param((2, 0, 5, 3), 5, 2, id="zero-height-pool-5-stride-2"),
    pytest.param((2, 6, 0, 3), (2, 4), (1, 3), id="zero-width"),
    pytest.param((2, 5, 6, 0), 3, 2, id="zero-channels"),
    pytest.param((0, 5, 6, 3), 2, 2, id="empty-batch"),
])
@pytest.mark.parametrize("op", OPS)
def test_empty_input_under_same_gives_an_empty_output_like_tf(tf, rng, op, x_shape, pool, strides):
    # the same cases as conv2d's (issue 14, item 6): an empty result of TensorFlow's shape, and an empty dx
    x = rng.standard_normal(x_shape)
    out, cache = forward_fn(op)(x, pool, strides, "same")
    want = theirs(tf, op, tf.constant(x), Case(*x_shape, *pair_of(pool), *pair_of(strides), "same")).shape
    assert out.shape == tuple(want) and out.size == 0, (out.shape, want)
    dx = backward_fn(op)(np.ones(out.shape), cache)
    assert dx.shape == x.shape and not dx.any()


def pair_of(v):
    return (v, v) if isinstance(v, int) else v


@pytest.mark.parametrize("op", OPS)
def test_padding_is_case_insensitive(rng, op):
    case = Case(2, 6, 5, 2, 3, 2, 2, 3, "same")
    x = random_x(rng, case, op)
    for padding in ("valid", "same"):
        want = ours(op, x, case._replace(padding=padding))
        for spelling in (padding.upper(), padding.capitalize(), padding[:2] + padding[2:].upper()):
            assert_close(f"{op} padding={spelling!r}", ours(op, x, case._replace(padding=spelling)), want, rtol=0, atol=0)


@pytest.mark.parametrize("op", OPS)
def test_forward_and_backward_do_not_modify_inputs(rng, op):
    case = Case(2, 6, 6, 3, 4, 4, 3, 3, "same")
    x = random_x(rng, case, op)
    U = rng.standard_normal(out_shape(case))
    x_before, U_before = x.copy(), U.copy()
    our_dx(op, x, case, U)
    assert_close("x untouched", x, x_before, rtol=0, atol=0)
    assert_close("dout untouched", U, U_before, rtol=0, atol=0)


@pytest.mark.parametrize("op", OPS)
def test_integer_and_list_inputs_are_accepted_as_float64(rng, op):
    x_int = rng.integers(-9, 10, size=(2, 5, 4, 2))
    case = Case(2, 5, 4, 2, 2, 3, 2, 1, "same")
    got = ours(op, x_int.tolist(), case)
    assert got.dtype == np.float64
    assert_close(f"{op} from lists and integers", got, ours(op, x_int.astype(np.float64), case), rtol=0, atol=0)


# ----------------------------------------------------------- bad input

N, H, W, C = 2, 6, 6, 3
_X = np.random.default_rng(0).uniform(0.1, 1.0, (N, H, W, C))
_, _MAX_CACHE = pooling.max_pool2d_forward(_X, 2)                            # out (2, 3, 3, 3)
_, _AVG_CACHE = pooling.avg_pool2d_forward(_X, 2)
_, _AVG_CACHE_SAME = pooling.avg_pool2d_forward(_X, 4, strides=(2, 3), padding="same")  # out (2, 3, 2, 3)


def ones(*shape):
    return np.full(shape, 0.3)


def bad_forward_inputs(op: str) -> list:
    def f(**kw):
        return {"max": pooling.max_pool2d, "avg": pooling.avg_pool2d}[op](**{"x": _X, **kw})

    return [
        pytest.param(lambda: f(x=ones(H, W, C)), ValueError,
                     r"x must be 4-D \(N, H, W, C\), batch first and channels last; got shape \(6, 6, 3\)", id=f"{op}-x-3d"),
        pytest.param(lambda: f(x=ones(N, H, W, C, 1)), ValueError, r"x must be 4-D .*got shape \(2, 6, 6, 3, 1\)",
                     id=f"{op}-x-5d"),
        pytest.param(lambda: f(x=np.full((N, H, W, C), "a")), TypeError,
                     r"x must be a real numeric array-like, got dtype <U1", id=f"{op}-x-strings"),
        pytest.param(lambda: f(x=_X + 1j), TypeError, r"x must be a real numeric array-like, got dtype complex128",
                     id=f"{op}-x-complex"),
        pytest.param(lambda: f(x=[[[[0.1, 0.2]]], [[[0.4]]]]), TypeError, r"x must be a numeric array-like",
                     id=f"{op}-x-ragged"),
        pytest.param(lambda: f(pool_size=0), ValueError, r"pool_size must be a positive integer, got 0", id=f"{op}-pool_size-0"),
        pytest.param(lambda: f(pool_size=(2, -1)), ValueError, r"pool_size\[1\] must be a positive integer, got -1",
                     id=f"{op}-pool_size-negative"),
        pytest.param(lambda: f(pool_size=1.5), TypeError, r"pool_size must be an int or a pair of ints, got 1.5",
                     id=f"{op}-pool_size-float"),
        pytest.param(lambda: f(pool_size=(2, 2, 2)), TypeError, r"pool_size must be an int or a pair of ints",
                     id=f"{op}-pool_size-triple"),
        pytest.param(lambda: f(pool_size=7), ValueError,
                     r"pool_size 7x7 is larger than the input \(6x6\) with 'valid' padding", id=f"{op}-pool-larger"),
        pytest.param(lambda: f(pool_size=(2, 7), strides=1, padding="Valid"), ValueError,
                     r"pool_size 2x7 is larger than the input \(6x6\) with 'valid' padding", id=f"{op}-pool-wider"),
        pytest.param(lambda: f(strides=0), ValueError, r"strides must be a positive integer, got 0", id=f"{op}-strides-0"),
        pytest.param(lambda: f(strides=-1), ValueError, r"strides must be a positive integer, got -1", id=f"{op}-strides-negative"),
        pytest.param(lambda: f(strides=1.5), TypeError, r"strides must be an int or a pair of ints, got 1.5",
                     id=f"{op}-strides-float"),
        pytest.param(lambda: f(strides="2"), TypeError, r"strides must be an int or a pair of ints, got '2'",
                     id=f"{op}-strides-string"),
        pytest.param(lambda: f(padding="full"), ValueError, r"padding must be 'valid' or 'same', got 'full'",
                     id=f"{op}-padding-full"),
        pytest.param(lambda: f(padding="SAME "), ValueError, r"padding must be 'valid' or 'same', got 'SAME '",
                     id=f"{op}-padding-trailing-space"),
        pytest.param(lambda: f(padding=None), ValueError, r"padding must be 'valid' or 'same', got None",
                     id=f"{op}-padding-None"),
    ]


BAD_INPUT = bad_forward_inputs("max") + bad_forward_inputs("avg") + [
    pytest.param(lambda: pooling.max_pool2d_backward(ones(N, 3, 3, C + 1), _MAX_CACHE), ValueError,
                 r"dout must have the output's shape \(2, 3, 3, 3\), got \(2, 3, 3, 4\)", id="max-dout-channels"),
    pytest.param(lambda: pooling.max_pool2d_backward(ones(N, H, W, C), _MAX_CACHE), ValueError,
                 r"dout must have the output's shape \(2, 3, 3, 3\), got \(2, 6, 6, 3\)", id="max-dout-input-sized"),
    pytest.param(lambda: pooling.max_pool2d_backward(ones(1, 3, 3, C), _MAX_CACHE), ValueError,
                 r"dout must have the output's shape \(2, 3, 3, 3\), got \(1, 3, 3, 3\)", id="max-dout-broadcastable"),
    pytest.param(lambda: pooling.max_pool2d_backward(np.full((N, 3, 3, C), "d"), _MAX_CACHE), TypeError,
                 r"dout must be a real numeric array-like", id="max-dout-strings"),
    pytest.param(lambda: pooling.avg_pool2d_backward(ones(N, 3, 3), _AVG_CACHE), ValueError,
                 r"dout must have the output's shape \(2, 3, 3, 3\), got \(2, 3, 3\)", id="avg-dout-3d"),
    pytest.param(lambda: pooling.avg_pool2d_backward(ones(N, 3, 3, 1), _AVG_CACHE), ValueError,
                 r"dout must have the output's shape \(2, 3, 3, 3\), got \(2, 3, 3, 1\)", id="avg-dout-broadcastable"),
    pytest.param(lambda: pooling.avg_pool2d_backward(ones(N, 2, 3, C), _AVG_CACHE_SAME), ValueError,
                 r"dout must have the output's shape \(2, 3, 2, 3\), got \(2, 2, 3, 3\)", id="avg-dout-same-transposed"),
    pytest.param(lambda: pooling.avg_pool2d_backward(np.full((N, 3, 3, C), "d"), _AVG_CACHE), TypeError,
                 r"dout must be a real numeric array-like", id="avg-dout-strings"),
]


@pytest.mark.parametrize("call, exc, pattern", BAD_INPUT)
def test_bad_input_raises_naming_the_value(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()
