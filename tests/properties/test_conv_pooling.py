"""Convolution and pooling against loops over every window, and against TensorFlow (whose known faults are recorded)."""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import assume, given, note
from hypothesis import strategies as st

from dlnotes import conv, pooling
from properties.support import (
    arrays, assert_agrees, covers, examples, expected_dtype, fd, finite_mask, NOT_ARRAYS, NOT_COUNTS,
    outcome, precision, REFUSED, shapes,
)


def _geometry(size: int, k: int, s: int, padding: str) -> tuple[int, int]:
    """(output size, padding before) along one axis, as TensorFlow defines them."""
    if padding == "valid":
        return (size - k) // s + 1, 0
    out = -(-size // s)
    return out, max((out - 1) * s + k - size, 0) // 2


def naive_conv(x, kernel, bias, strides, padding):
    """Seven nested loops: out[n, i, j, o] = bias[o] + sum over (di, dj, c) of x_pad[n, i*sh+di, j*sw+dj, c] k[di, dj, c, o].

    Also returns, for each output, the sum of the terms' magnitudes (the scale of its rounding error).
    """
    n, h, w, c = x.shape
    kh, kw, _, co = kernel.shape
    (ho, top), (wo, left) = _geometry(h, kh, strides[0], padding), _geometry(w, kw, strides[1], padding)
    out, scale = np.zeros((n, ho, wo, co)), np.zeros((n, ho, wo, co))
    for b in range(n):
        for i in range(ho):
            for j in range(wo):
                for o in range(co):
                    total = 0.0 if bias is None else float(bias[o])
                    size = abs(total)
                    for di in range(kh):
                        for dj in range(kw):
                            for ch in range(c):
                                r, q = i * strides[0] + di - top, j * strides[1] + dj - left
                                inside = 0 <= r < h and 0 <= q < w          # else a padding zero: 0 * inf is NaN
                                term = (float(x[b, r, q, ch]) if inside else 0.0) * float(kernel[di, dj, ch, o])
                                total, size = total + term, size + abs(term)
                    out[b, i, j, o], scale[b, i, j, o] = total, size
    return out, scale


def naive_conv_backward(x, kernel, dout, strides, padding):
    """The same loops, each term's two factors collecting dout: (dx, dkernel, dbias)."""
    n, h, w, c = x.shape
    kh, kw, _, co = kernel.shape
    (ho, top), (wo, left) = _geometry(h, kh, strides[0], padding), _geometry(w, kw, strides[1], padding)
    dx, dk = np.zeros(x.shape), np.zeros(kernel.shape)
    for b, i, j, o in itertools.product(range(n), range(ho), range(wo), range(co)):
        for di, dj, ch in itertools.product(range(kh), range(kw), range(c)):
            r, q = i * strides[0] + di - top, j * strides[1] + dj - left
            if 0 <= r < h and 0 <= q < w:
                dx[b, r, q, ch] += dout[b, i, j, o] * kernel[di, dj, ch, o]
                dk[di, dj, ch, o] += dout[b, i, j, o] * x[b, r, q, ch]
    return dx, dk, dout.sum(axis=(0, 1, 2))


STRIDES = st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)),
                    st.sampled_from([0, -1, 1.5, None, "1", (1,), (1, 0), True]))


PADDINGS = st.sampled_from(["valid", "same", "SAME", "Valid", "same", "valid", "full", None, 1])


def _strides_ok(strides) -> bool:
    pair = (strides, strides) if isinstance(strides, int) else strides
    return (isinstance(pair, tuple) and len(pair) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in pair))


def _pair(strides) -> tuple[int, int]:
    return (strides, strides) if isinstance(strides, int) else tuple(strides)


@st.composite
def conv_cases(draw):
    n, h, w, c, co = (draw(st.integers(lo, hi)) for lo, hi in ((0, 2), (0, 5), (0, 5), (0, 2), (0, 2)))
    kh, kw = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    x = draw(arrays((n, h, w, c)))
    kernel = draw(arrays((kh, kw, draw(st.sampled_from([c, c, c, c + 1])), co)))
    bias = draw(st.one_of(st.none(), arrays((co,)), arrays((co + 1,))))
    if draw(st.integers(0, 12)) == 0:
        x = x[0] if n else x.reshape(-1)                  # not 4-D
    return x, kernel, bias, draw(STRIDES), draw(PADDINGS)


@covers("conv.conv2d", "conv.conv2d_forward", "conv.conv2d_backward", "conv.im2col")
@examples(60)
@given(case=conv_cases(), seed=st.integers(0, 2**16), forward_only=st.booleans())
def test_conv2d_against_seven_nested_loops(case, seed, forward_only):
    x, kernel, bias, strides, padding = case
    fn = conv.conv2d if forward_only else conv.conv2d_forward
    got = outcome(fn, x, kernel, bias, strides, padding, names=("x", "kernel", "bias", "strides", "padding"))
    pad = padding.lower() if isinstance(padding, str) else None
    valid = (x.ndim == 4 and kernel.shape[0] >= 1 and kernel.shape[1] >= 1 and kernel.shape[2] == x.shape[3]
             and (bias is None or bias.shape == kernel.shape[3:]) and _strides_ok(strides) and pad in ("valid", "same")
             and (pad == "same" or (kernel.shape[0] <= x.shape[1] and kernel.shape[1] <= x.shape[2])))
    assert (got is REFUSED) == (not valid), f"valid={valid}: {got if got is REFUSED else 'accepted'}"
    if got is REFUSED:
        return
    out, cache = (got, None) if forward_only else got
    dtype = expected_dtype(x, kernel, *([] if bias is None else [bias]))
    want, scale = naive_conv(x, kernel, bias, _pair(strides), pad)
    low = precision(x, kernel, *([] if bias is None else [bias]))
    assert_agrees("conv2d", out, want, dtype=dtype, rtol=0, atol=8 * float(np.finfo(low).eps) * scale + 1e-300)
    if forward_only:
        return
    dout = np.random.default_rng(seed).normal(size=out.shape)
    dx, dk, db = outcome(conv.conv2d_backward, dout, cache, names=("dout",))
    wdx, wdk, wdb = naive_conv_backward(x.astype(np.float64), kernel.astype(np.float64), dout, _pair(strides), pad)
    if finite_mask(x, kernel):
        rtol, atol = 1e-3 if low == np.float16 else 1e-5, 1e-2 if low == np.float16 else 1e-5
        assert_agrees("dx", dx, wdx, rtol=rtol, atol=atol)
        assert_agrees("dkernel", dk, wdk, rtol=rtol, atol=atol)
        assert (db is None) == (bias is None) and (db is None or np.allclose(db, wdb))
        assert dx.dtype == dk.dtype == np.result_type(dtype, dout.dtype)
    assert outcome(conv.conv2d_backward, dout[..., :0] if dout.shape[-1] else dout[:, :, :, None], cache,
                   names=("dout",)) is REFUSED
    if x.size and kernel.size:                            # im2col: one window per row, in the kernel's order
        sh, sw = _pair(strides)
        rows = conv.im2col(x, kernel.shape[:2], (sh, sw)) if pad == "valid" else None
        if rows is not None:
            n, h, w, c = x.shape
            kh, kw = kernel.shape[:2]
            ho, wo = (h - kh) // sh + 1, (w - kw) // sw + 1
            naive = np.array([x[b, i * sh:i * sh + kh, j * sw:j * sw + kw].reshape(-1)
                              for b in range(n) for i in range(ho) for j in range(wo)]).reshape(n * ho * wo, kh * kw * c)
            assert np.array_equal(rows, naive.astype(rows.dtype), equal_nan=True)


@covers("conv.conv_output_size")
@given(size=st.one_of(st.integers(1, 40), NOT_COUNTS), kernel=st.one_of(st.integers(1, 9), NOT_COUNTS),
       stride=st.one_of(st.integers(1, 4), NOT_COUNTS), padding=PADDINGS)
def test_conv_output_size(size, kernel, stride, padding):
    got = outcome(conv.conv_output_size, size, kernel, stride, padding, names=("size", "kernel", "stride", "padding"))
    counts = all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in (size, kernel, stride))
    pad = padding.lower() if isinstance(padding, str) else None
    valid = counts and pad in ("valid", "same") and (pad == "same" or kernel <= size)
    assert (got is REFUSED) == (not valid)
    if valid:
        assert got == _geometry(size, kernel, stride, pad)[0] and type(got) is int


def naive_pool(x, window, strides, padding, kind):
    """Loops over every window's real cells: the max (first one in row-major order wins the gradient) or the mean."""
    n, h, w, c = x.shape
    (ho, top), (wo, left) = _geometry(h, window[0], strides[0], padding), _geometry(w, window[1], strides[1], padding)
    out, cells = np.zeros((n, ho, wo, c)), {}
    for b, i, j, ch in itertools.product(range(n), range(ho), range(wo), range(c)):
        real = [(r, q) for r in range(i * strides[0] - top, i * strides[0] - top + window[0])
                for q in range(j * strides[1] - left, j * strides[1] - left + window[1]) if 0 <= r < h and 0 <= q < w]
        vals = [float(x[b, r, q, ch]) for r, q in real]
        out[b, i, j, ch] = (np.max(vals) if kind == "max" else sum(vals) / len(vals)) if vals else np.nan
        cells[b, i, j, ch] = real
    return out, cells


def naive_pool_backward(x, out, cells, dout, kind):
    dx = np.zeros(x.shape)
    for (b, i, j, ch), real in cells.items():
        if kind == "max":
            r, q = next((r, q) for r, q in real if x[b, r, q, ch] == out[b, i, j, ch])
            dx[b, r, q, ch] += dout[b, i, j, ch]
        else:
            for r, q in real:
                dx[b, r, q, ch] += dout[b, i, j, ch] / len(real)
    return dx


@covers("pooling.max_pool2d", "pooling.max_pool2d_forward", "pooling.max_pool2d_backward", "pooling.avg_pool2d",
        "pooling.avg_pool2d_forward", "pooling.avg_pool2d_backward")
@examples(60)
@given(x=st.one_of(arrays(shapes(4, 4, 0, 5)), arrays(shapes(4, 4, 0, 5)), arrays(shapes(0, 3, 0, 3)), NOT_ARRAYS),
       pool_size=st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)), NOT_COUNTS),
       strides=st.one_of(st.none(), STRIDES), padding=PADDINGS, kind=st.sampled_from(["max", "avg"]),
       forward_only=st.booleans(), seed=st.integers(0, 2**16))
def test_pooling_against_loops(x, pool_size, strides, padding, kind, forward_only, seed):
    forward = {"max": pooling.max_pool2d_forward, "avg": pooling.avg_pool2d_forward}[kind]
    fn = {"max": pooling.max_pool2d, "avg": pooling.avg_pool2d}[kind] if forward_only else forward
    got = outcome(fn, x, pool_size, strides, padding, names=("x", "pool_size", "strides", "padding"))
    pad = padding.lower() if isinstance(padding, str) else None
    window_ok = _strides_ok(pool_size)
    window = _pair(pool_size) if window_ok else None
    valid = (isinstance(x, np.ndarray) and x.dtype.kind in "fiub" and x.ndim == 4 and window_ok
             and (strides is None or _strides_ok(strides)) and pad in ("valid", "same")
             and (pad == "same" or (window[0] <= x.shape[1] and window[1] <= x.shape[2])))
    assert (got is REFUSED) == (not valid), f"valid={valid}: {got if got is REFUSED else 'accepted'}"
    if got is REFUSED:
        return
    out, cache = (got, None) if forward_only else got
    steps = window if strides is None else _pair(strides)
    want, cells = naive_pool(x.astype(np.float64), window, steps, pad, kind)
    low = precision(x)
    assert_agrees(f"{kind}_pool2d", out, want, dtype=expected_dtype(x), rtol=4 * float(np.finfo(low).eps),
                  atol=8 * float(np.finfo(low).eps) * np.max(np.abs(want[np.isfinite(want)]), initial=1.0)
                  if kind == "avg" else 0)
    if forward_only or not finite_mask(x):
        return
    backward = {"max": pooling.max_pool2d_backward, "avg": pooling.avg_pool2d_backward}[kind]
    dout = np.random.default_rng(seed).normal(size=out.shape)
    dx = outcome(backward, dout, cache, names=("dout",))
    want_dx = naive_pool_backward(x, out, cells, dout, kind)
    assert_agrees(f"{kind}_pool2d_backward", dx, want_dx, dtype=np.result_type(expected_dtype(x), dout), rtol=1e-12,
                  atol=1e-12)
    assert outcome(backward, dout[None], cache, names=("dout",)) is REFUSED


# ------------------------------------------------------------------ against TensorFlow
# TensorFlow's own faults, decided by the loops above. Each entry: what, the case, the evidence.
TF_FAULTS = {
    "conv2d-onednn-float32": "with oneDNN on, float32 tf.nn.conv2d on x (2, 2, 1, 1), kernel (1, 2, 1, 1), "
                             "strides [1, 1, 2, 1], 'SAME' returns garbage (values near -1.45e11, or zeros) "
                             "in place of x * k; float64 and the seven loops agree with dlnotes",
    "avg-pool-grad-same": "tf.nn.avg_pool2d's gradient is wrong when the pool is larger than the input under "
                          "'SAME': it divides by the window size, not by the real cells the forward pass averaged",
}


TF_DISAGREEMENTS: list[str] = []         # cases this run found where TensorFlow, not dlnotes, was wrong


def _tf_padding(pad: str) -> str:
    return pad.upper()


@covers("conv.conv2d")
@examples(25)
@given(case=conv_cases(), dtype=st.sampled_from([np.float32, np.float64]))
def test_conv2d_against_tensorflow(tf, case, dtype):
    x, kernel, bias, strides, padding = case
    pad = padding.lower() if isinstance(padding, str) else None
    assume(x.ndim == 4 and min(x.shape) > 0 and min(kernel.shape) > 0 and kernel.shape[2] == x.shape[3]
           and _strides_ok(strides) and pad in ("valid", "same")
           and (pad == "same" or (kernel.shape[0] <= x.shape[1] and kernel.shape[1] <= x.shape[2])))
    rng = np.random.default_rng(x.size + kernel.size)
    x, kernel = rng.normal(size=x.shape).astype(dtype), rng.normal(size=kernel.shape).astype(dtype)
    ours = conv.conv2d(x, kernel, None, strides, pad)
    sh, sw = _pair(strides)
    theirs = tf.nn.conv2d(x, kernel, [1, sh, sw, 1], _tf_padding(pad)).numpy()
    want, scale = naive_conv(x, kernel, None, (sh, sw), pad)
    atol = 8 * float(np.finfo(dtype).eps) * scale + 1e-300
    assert_agrees("conv2d against the loops", ours, want, dtype=np.dtype(dtype), rtol=0, atol=atol)
    if not np.all(np.abs(theirs - want) <= 1e-5 * (1 + scale)):
        TF_DISAGREEMENTS.append(f"tf.nn.conv2d {np.dtype(dtype).name} x {x.shape} kernel {kernel.shape} "
                                f"strides {(sh, sw)} {pad}: TensorFlow off by {np.max(np.abs(theirs - want)):.3g}")
        note(TF_DISAGREEMENTS[-1])


@covers("pooling.avg_pool2d_forward", "pooling.avg_pool2d_backward", "pooling.max_pool2d_forward",
        "pooling.max_pool2d_backward")
@examples(25)
@given(shape=shapes(4, 4, 1, 4), pool=st.tuples(st.integers(1, 5), st.integers(1, 5)),
       strides=st.tuples(st.integers(1, 3), st.integers(1, 3)), pad=st.sampled_from(["valid", "same"]),
       kind=st.sampled_from(["max", "avg"]))
def test_pooling_against_tensorflow(tf, shape, pool, strides, pad, kind):
    assume(pad == "same" or (pool[0] <= shape[1] and pool[1] <= shape[2]))
    x = np.random.default_rng(sum(shape)).permutation(math.prod(shape)).reshape(shape).astype(np.float32)  # no ties
    forward, backward = ((pooling.max_pool2d_forward, pooling.max_pool2d_backward) if kind == "max"
                         else (pooling.avg_pool2d_forward, pooling.avg_pool2d_backward))
    out, cache = forward(x, pool, strides, pad)
    dout = np.random.default_rng(1).normal(size=out.shape).astype(np.float32)
    dx = backward(dout, cache)
    tf_pool = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        theirs = tf_pool(xt, pool, strides, pad.upper())
    tf_dx = tape.gradient(theirs, xt, output_gradients=tf.constant(dout)).numpy()
    want, cells = naive_pool(x, pool, strides, pad, kind)
    assert_agrees("pool against the loops", out, want, rtol=1e-6, atol=1e-6)
    assert_agrees("pool against TensorFlow", out, theirs.numpy(), rtol=1e-6, atol=1e-6)
    want_dx = naive_pool_backward(x, want, cells, dout, kind)
    assert_agrees("pool gradient against the loops", dx, want_dx, rtol=1e-5, atol=1e-6)
    if not np.allclose(tf_dx, want_dx, rtol=1e-5, atol=1e-6):
        larger = pad == "same" and (pool[0] > shape[1] or pool[1] > shape[2])
        assert kind == "avg" and larger, f"TensorFlow's {kind}-pool gradient disagrees with the loops in a new case"
        TF_DISAGREEMENTS.append(f"{TF_FAULTS['avg-pool-grad-same']}: x {shape}, pool {pool}, strides {strides}")
        note(TF_DISAGREEMENTS[-1])


def test_tensorflow_known_fault_conv2d_onednn_float32(tf):
    """TF_FAULTS['conv2d-onednn-float32']: the loops and float64 TensorFlow are the evidence; dlnotes agrees with them."""
    x = np.array([[[[1.5]], [[-2.0]]], [[[0.25]], [[3.0]]]], np.float32)    # (2, 2, 1, 1)
    kernel = np.array([[[[0.5]], [[-1.25]]]], np.float32)                      # (1, 2, 1, 1)
    want, _ = naive_conv(x, kernel, None, (1, 2), "same")
    assert_agrees("dlnotes float32", conv.conv2d(x, kernel, strides=(1, 2), padding="same"), want, rtol=1e-6, atol=1e-6)
    tf64 = tf.nn.conv2d(x.astype(np.float64), kernel.astype(np.float64), [1, 1, 2, 1], "SAME").numpy()
    assert_agrees("TensorFlow float64", tf64, want, rtol=1e-12, atol=1e-12)
    tf32 = tf.nn.conv2d(x, kernel, [1, 1, 2, 1], "SAME").numpy()
    print(f"TensorFlow float32 ({'faulty' if not np.allclose(tf32, want, atol=1e-5) else 'right'} here): {tf32.ravel()}")


def test_tensorflow_known_fault_avg_pool_gradient_larger_pool_same(tf):
    """TF_FAULTS['avg-pool-grad-same']: finite differences of the forward pass (TensorFlow's own) are the evidence."""
    x = np.arange(4, dtype=np.float64).reshape(1, 2, 2, 1)
    out, cache = pooling.avg_pool2d_forward(x, 3, 1, "same")
    dout = np.random.default_rng(0).normal(size=out.shape)
    dx = pooling.avg_pool2d_backward(dout, cache)
    eps, fd = 1e-6, np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        fd[i] = np.sum((tf.nn.avg_pool2d(up, 3, 1, "SAME").numpy() - tf.nn.avg_pool2d(down, 3, 1, "SAME").numpy())
                       * dout) / (2 * eps)
    assert_agrees("dlnotes gradient against finite differences of TensorFlow's forward pass", dx, fd, rtol=1e-6, atol=1e-8)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = tf.nn.avg_pool2d(xt, 3, 1, "SAME")
    tf_dx = tape.gradient(y, xt, output_gradients=tf.constant(dout)).numpy()
    print(f"TensorFlow's gradient: {tf_dx.ravel()}, finite differences: {fd.ravel()}")
