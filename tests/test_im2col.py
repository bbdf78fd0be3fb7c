"""Tests for the im2col machinery behind dlnotes.conv: the readable ``conv.im2col`` and the fast ``_im2col``.

``conv.im2col`` is checked against a loop written out here, window by window.
The chunked functions of ``dlnotes._im2col`` must equal the readable one-go
products (STYLE.md: a faster version lives beside the readable one, with a
test that they agree):

* ``correlate(x, kernel, pads)``       == im2col(x_pad) @ kernel.reshape(-1, C_out)
* ``kernel_gradient(x, dout, pads)``   == im2col(x_pad).T @ dout
* ``input_gradient(dout, kernel, pads)`` == col2im(dout @ kernel.reshape(-1, C_out).T),
  unpadded, with col2im the scatter-add loop written out here,

over the conv sweep of ``test_conv.py`` (strides 1-3, odd and even sizes),
in both copy layouts, with one chunk, one image per chunk and a ragged last
chunk. End-to-end parity of conv2d with TensorFlow and finite differences
stays in ``test_conv.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_close
from test_conv import CASES, Case

from dlnotes import _im2col, conv
from dlnotes._spatial import pad_amounts

LAYOUTS = ["rows", "columns"]
# CHUNK_BYTES values: the default (one chunk for these small cases), 1 byte (one image per chunk),
# and 700 bytes (a few images per chunk, the last one ragged for most cases)
CHUNKINGS = [pytest.param(None, id="default-chunks"), pytest.param(1, id="one-image-chunks"),
             pytest.param(700, id="ragged-chunks")]
# the sweep's cases with N raised to 5, so that chunking has something to split
SWEEP = [pytest.param(c._replace(n=5), id=c._replace(n=5).id) for c in CASES]


def padded_problem(rng, case: Case):
    """x (N, H, W, C_in), its padding as conv2d computes it, x_pad, kernel, and a dout of the output's shape."""
    x = rng.standard_normal((case.n, case.h, case.w, case.c_in))
    pads = pad_amounts(x.shape, (case.kh, case.kw), (case.sh, case.sw), case.padding)
    xp = np.pad(x, ((0, 0), *pads, (0, 0)))
    kernel = rng.standard_normal((case.kh, case.kw, case.c_in, case.c_out))
    ho = (xp.shape[1] - case.kh) // case.sh + 1
    wo = (xp.shape[2] - case.kw) // case.sw + 1
    dout = rng.standard_normal((case.n, ho, wo, case.c_out))
    return x, pads, xp, kernel, dout


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


def col2im_loop(dcols, xp_shape, kh, kw, sh, sw):
    """im2col's transpose: add every row of dcols back onto the window it describes."""
    n, hp, wp, c = xp_shape
    ho, wo = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    grad = np.zeros(xp_shape)
    windows = dcols.reshape(n, ho, wo, kh, kw, c)
    for b in range(n):
        for i in range(ho):
            for j in range(wo):
                grad[b, i * sh: i * sh + kh, j * sw: j * sw + kw, :] += windows[b, i, j]
    return grad


@pytest.fixture
def chunk_bytes(request, monkeypatch):
    if request.param is not None:
        monkeypatch.setattr(_im2col, "CHUNK_BYTES", request.param)
    return request.param


# ------------------------------------------------------ the readable im2col


@pytest.mark.parametrize("case", SWEEP)
def test_im2col_matches_the_window_by_window_loop(rng, case):
    _, _, xp, _, _ = padded_problem(rng, case)
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


@pytest.mark.parametrize(
    "call, exc, pattern",
    [
        (lambda: conv.im2col(np.zeros((3, 4, 1)), 2), ValueError, r"xp must be 4-D \(N, H, W, C\).*got shape \(3, 4, 1\)"),
        (lambda: conv.im2col(np.zeros((1, 3, 4, 1)), (4, 2)), ValueError,
         r"window \(4, 2\) is larger than the 3x4 input xp"),
        (lambda: conv.im2col(np.zeros((1, 3, 4, 1)), 2, strides=0), ValueError, r"strides must be positive, got 0"),
        (lambda: conv.im2col(np.zeros((1, 3, 4, 1)), 2.0), TypeError, r"window must be an int or a pair of ints, got 2.0"),
        (lambda: conv.im2col(np.full((1, 3, 4, 1), "a"), 2), TypeError, r"xp must be a real numeric array-like"),
    ],
    ids=["xp-3d", "window-too-large", "strides-0", "window-float", "xp-strings"],
)
def test_im2col_bad_input_names_the_argument(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


# ------------------------------------------ the chunked products agree with it


@pytest.mark.parametrize("chunk_bytes", CHUNKINGS, indirect=True)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", SWEEP)
def test_chunked_products_equal_the_one_go_products(rng, case, layout, chunk_bytes):
    x, pads, xp, kernel, dout = padded_problem(rng, case)
    strides = (case.sh, case.sw)
    cols = conv.im2col(xp, (case.kh, case.kw), strides)
    want_out = (cols @ kernel.reshape(-1, case.c_out)).reshape(dout.shape)
    assert_close(f"correlate {case.id}", _im2col.correlate(x, kernel, strides, pads, layout), want_out,
                 rtol=1e-12, atol=1e-12)
    want_dk = (cols.T @ dout.reshape(-1, case.c_out)).reshape(kernel.shape)
    assert_close(f"kernel_gradient {case.id}", _im2col.kernel_gradient(x, dout, kernel.shape, strides, pads, layout),
                 want_dk, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("chunk_bytes", CHUNKINGS, indirect=True)
@pytest.mark.parametrize("case", SWEEP)
def test_input_gradient_is_col2im_of_the_window_gradients(rng, case, chunk_bytes):
    x, pads, xp, kernel, dout = padded_problem(rng, case)
    dcols = dout.reshape(-1, case.c_out) @ kernel.reshape(-1, case.c_out).T
    (top, _), (left, _) = pads
    want = col2im_loop(dcols, xp.shape, case.kh, case.kw, case.sh, case.sw)[:, top: top + case.h, left: left + case.w]
    got = _im2col.input_gradient(dout, kernel, x.shape, (case.sh, case.sw), pads)
    assert_close(f"input_gradient {case.id}", got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("chunk_bytes", CHUNKINGS, indirect=True)
def test_scratch_is_reused_and_results_are_not(rng, chunk_bytes):
    # the buffers behind the chunks (two taken in turn) are reused from call to call and
    # chunk to chunk; the arrays returned never are
    x, pads, _, kernel, dout = padded_problem(rng, Case(5, 6, 5, 2, 3, 3, 3, 1, 1, "same"))
    for layout in LAYOUTS:
        first = _im2col.correlate(x, kernel, (1, 1), pads, layout)
        first_copy = first.copy()
        second = _im2col.correlate(2 * x, kernel, (1, 1), pads, layout)
        assert_close(f"first result untouched by the second call, {layout}", first, first_copy, rtol=0, atol=0)
        assert_close(f"linear in x, {layout}", second, 2 * first, rtol=1e-12, atol=1e-12)
    dx1 = _im2col.input_gradient(dout, kernel, x.shape, (1, 1), pads)
    dx1_copy = dx1.copy()
    dx3 = _im2col.input_gradient(3 * dout, kernel, x.shape, (1, 1), pads)
    assert_close("first dx untouched by the second call", dx1, dx1_copy, rtol=0, atol=0)
    assert_close("dx linear in dout", dx3, 3 * dx1, rtol=1e-12, atol=1e-12)
    a = _im2col.scratch("test", (4, 5), np.float32)
    b = _im2col.scratch("test", (2, 3), np.float64)
    assert a.shape == (4, 5) and b.shape == (2, 3) and b.dtype == np.float64
    assert np.shares_memory(a, b), "a smaller request reuses the buffer"


def test_scratch_does_not_keep_huge_requests(monkeypatch):
    monkeypatch.setattr(_im2col, "KEEP_BYTES", 1000)
    small = _im2col.scratch("keep-test", (10,), np.float64)
    huge = _im2col.scratch("keep-test", (200,), np.float64)
    assert not np.shares_memory(small, huge)
    assert _im2col._SCRATCH.buffers["keep-test"].nbytes == 80, "the huge request was not kept"


def test_conv2d_in_several_threads_at_once_matches_one_thread(rng):
    from concurrent.futures import ThreadPoolExecutor

    problems = [padded_problem(rng, Case(6, 9, 8, 3, 4, 3, 3, 1, 1, "same")) for _ in range(6)]

    def run(problem):
        x, _, _, kernel, dout = problem
        out, cache = conv.conv2d_forward(x, kernel, padding="same")
        return (out, *conv.conv2d_backward(dout, cache)[:2])

    want = [run(p) for p in problems]
    with ThreadPoolExecutor(4) as pool:
        for _ in range(3):
            got = list(pool.map(run, problems))
            for g, w in zip(got, want):
                for name, a, b in zip(["out", "dx", "dkernel"], g, w):
                    assert_close(f"{name} from a worker thread", a, b, rtol=0, atol=0)


def test_scratch_is_per_thread():
    import threading

    mine = _im2col.scratch("per-thread", (8,), np.float64)
    theirs = []
    worker = threading.Thread(target=lambda: theirs.append(_im2col.scratch("per-thread", (8,), np.float64)))
    worker.start()
    worker.join()
    assert not np.shares_memory(mine, theirs[0])


def test_chunks_cover_every_row_once_in_order(rng, monkeypatch):
    monkeypatch.setattr(_im2col, "CHUNK_BYTES", 3 * 4 * 4 * 9 * 2 * 8)     # three images of 4x4 windows, 3x3x2
    x = rng.standard_normal((7, 4, 4, 2))
    for layout in LAYOUTS:
        got = [(rows.start, rows.stop, cols.shape)
               for rows, cols in _im2col.chunks(x, ((1, 1), (1, 1)), (3, 3), (1, 1), layout)]
        assert got == [(0, 48, (48, 18)), (48, 96, (48, 18)), (96, 112, (16, 18))], layout


@pytest.mark.parametrize("layout", LAYOUTS)
def test_float32_stays_float32_and_matches_float64(rng, layout, monkeypatch):
    monkeypatch.setattr(_im2col, "CHUNK_BYTES", 2000)                     # several chunks
    x, pads, _, kernel, dout = padded_problem(rng, Case(5, 8, 9, 2, 4, 3, 2, 1, 2, "same"))
    x32, kernel32, dout32 = (a.astype(np.float32) for a in (x, kernel, dout))
    got = {
        "correlate": (_im2col.correlate(x32, kernel32, (1, 2), pads, layout),
                      _im2col.correlate(x, kernel, (1, 2), pads, layout)),
        "kernel_gradient": (_im2col.kernel_gradient(x32, dout32, kernel.shape, (1, 2), pads, layout),
                            _im2col.kernel_gradient(x, dout, kernel.shape, (1, 2), pads, layout)),
        "input_gradient": (_im2col.input_gradient(dout32, kernel32, x.shape, (1, 2), pads),
                           _im2col.input_gradient(dout, kernel, x.shape, (1, 2), pads)),
    }
    for name, (single, double) in got.items():
        assert single.dtype == np.float32, name
        assert_close(f"{name} float32 vs float64", single, double, rtol=1e-5, atol=1e-5)


def test_layout_follows_the_longer_contiguous_run():
    # the benchmark's 16-channel case copies rows of 3 x 16 = 48 numbers; LeNet-5's first layer (C = 1)
    # would copy rows of only 5, against output rows of 28: the transposed layout
    assert _im2col.choose_layout((64, 34, 34, 16), (3, 3), (1, 1), 32) == "rows"
    assert _im2col.choose_layout((256, 32, 32, 1), (5, 5), (1, 1), 28) == "columns"
    assert _im2col.choose_layout((256, 32, 32, 1), (5, 5), (1, 2), 14) == "rows"     # strided: runs of 1


def test_unknown_layout_is_refused(rng):
    with pytest.raises(ValueError, match=r"layout must be one of \('rows', 'columns'\) or None, got 'diagonal'"):
        next(_im2col.chunks(rng.standard_normal((1, 4, 4, 1)), ((0, 0), (0, 0)), (2, 2), (1, 1), "diagonal"))
