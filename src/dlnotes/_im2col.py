"""The im2col products of :mod:`dlnotes.conv`, computed a few images at a time so that they stay in the CPU cache.

``conv.im2col`` is the readable version: one row per output pixel holding its
whole window, so that a convolution is one matrix product,

    out = im2col(x_pad) @ kernel.reshape(KH * KW * C_in, C_out).

For a batch that matrix is about KH * KW times the size of the input at
stride 1 (38 MB for 64 images of 32 x 32 x 16 under a 3 x 3 kernel). Written in one go it leaves the
CPU cache, and the copy costs as much as the product itself. This module
computes the same products in chunks of images: each chunk is padded and its
rows copied into buffers of about ``CHUNK_BYTES`` (small enough to stay in
cache), then multiplied straight into its slice of the output. Same numbers
(every output row is the same dot product as in the one-go version), about
half the time: ``benchmarks/RESULTS.md`` has both, measured in one run.

Three habits make the difference, each measured on the benchmark machine:

* Chunks of images, so the rows are still in cache when the product reads them.
* Scratch buffers reused from call to call (one set per thread, about 15 MB:
  :func:`scratch`; two in turn where BLAS's threads read what this thread
  wrote: :func:`scratch_alternating`). Large temporary arrays, freshly allocated, are mapped
  anew from the operating system on every call, and touching their pages for
  the first time cost more than the convolution itself: 7 ms became 12 to 25.
  The padding is done chunk by chunk in scratch for the same reason; only
  the results are new arrays.
* Two copy layouts, the faster one picked from the shapes: numpy copies
  fastest when the innermost run of neighbouring numbers is long.

  - "rows": the buffer is (images, H_out, W_out, KH, KW, C), exactly
    ``im2col``'s rows. The innermost run is one window row, KW * C numbers
    next to each other in the channels-last input.
  - "columns": the buffer is (KH, KW, C, images, H_out, W_out), the transpose
    (one row per kernel weight), filled by one copy per kernel offset from a
    channels-first copy of the chunk. The innermost run is W_out (at stride
    1): far longer when C is small, as in LeNet-5's first layer (C = 1,
    KW = 5: runs of 5 numbers against 28). Its transpose
    ``buffer.reshape(K, M).T`` is the same (M, K) matrix, which numpy hands
    to BLAS without copying.

``tests/test_im2col.py`` checks every function here against the one-go
``im2col`` products, in both layouts and at several chunk sizes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np

from ._spatial import shifted, unpad, windows

CHUNK_BYTES = 4 * 2**20   # measured on the benchmark machine: 4-8 MiB chunks fastest, one-go 2x slower
KEEP_BYTES = 4 * CHUNK_BYTES   # larger scratch requests (one huge image) get a fresh array that is not kept
LAYOUTS = ("rows", "columns")
_SCRATCH = threading.local()


def scratch(name: str, shape, dtype) -> np.ndarray:
    """An uninitialised array of ``shape`` in this thread's reused buffer ``name``; grown when too small.

    The array is only valid until the next request for the same name in this
    thread. A chunk is at least one image, so a single huge image can ask for
    more than CHUNK_BYTES; requests above KEEP_BYTES get a fresh array that is
    not kept, so a thread holds at most a few times KEEP_BYTES in all (about
    15 MB for the book's sizes).
    """
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if nbytes > KEEP_BYTES:
        return np.empty(shape, dtype)
    buffers = _SCRATCH.__dict__.setdefault("buffers", {})
    buffer = buffers.get(name)
    if buffer is None or buffer.nbytes < nbytes:
        buffer = buffers[name] = np.empty(max(nbytes, 1), np.uint8)
    return buffer[:nbytes].view(dtype).reshape(shape)


def scratch_alternating(name: str, shape, dtype) -> np.ndarray:
    """Like :func:`scratch`, but from two buffers in turn ("double buffering").

    For buffers this thread writes and BLAS's worker threads then read: while
    another core may still hold the last chunk's rows in its cache, the next
    chunk is written into the other buffer. (Writing over cache lines that
    another core holds costs a cross-core invalidation per line: on the
    benchmark machine, whose two virtual CPUs sometimes sit on far-apart host
    cores, the copy into a single reused buffer then took 5x longer.)
    """
    turn = _SCRATCH.__dict__.get("turn", 0)
    _SCRATCH.turn = 1 - turn
    return scratch(f"{name}{turn}", shape, dtype)


def window_rows(xp: np.ndarray, window, strides) -> np.ndarray:
    """Every window of xp (N, H, W, C) as a view (N, H_out, W_out, KH, KW, C): the kernel's (KH, KW, C) order."""
    return windows(xp, window, strides).transpose(0, 1, 2, 4, 5, 3)


def choose_layout(padded_shape, window, strides, out_w: int) -> str:
    """The layout with the longer innermost run of neighbouring numbers to copy (see the module docstring)."""
    rows_run = window[1] * padded_shape[3]
    columns_run = out_w if strides[1] == 1 else 1
    # near a tie "rows" wins: it copies once per chunk, "columns" KH * KW times (measured)
    return "columns" if columns_run >= 2 * rows_run else "rows"


def images_per_chunk(n: int, bytes_per_image: int) -> int:
    """How many images fill about CHUNK_BYTES (at least one, at most n). Read at call time, so tests can shrink it."""
    return max(1, min(n, CHUNK_BYTES // max(1, bytes_per_image)))


def padded_shape(shape, pads) -> tuple[int, int, int, int]:
    """(N, H, W, C) grown by pads ((top, bottom), (left, right)): (N, H + top + bottom, W + left + right, C)."""
    (top, bottom), (left, right) = pads
    return shape[0], shape[1] + top + bottom, shape[2] + left + right, shape[3]


def _padded_chunk(x: np.ndarray, pads, name: str) -> np.ndarray:
    """x (images, H, W, C) with zero rows and columns around it, in scratch (x itself when there is no padding)."""
    (top, bottom), (left, right) = pads
    if not (top or bottom or left or right):
        return x
    out = scratch(name, padded_shape(x.shape, pads), x.dtype)
    hp, wp = out.shape[1:3]
    out[:, :top], out[:, hp - bottom:] = 0, 0
    out[:, :, :left], out[:, :, wp - right:] = 0, 0
    out[:, top: hp - bottom, left: wp - right] = x
    return out


def chunks(x: np.ndarray, pads, window, strides, layout: str | None = None) -> Iterator[tuple[slice, np.ndarray]]:
    """Yield (rows, cols) for a few images at a time; the chunks together are ``im2col(x_pad)``.

    x: (N, H, W, C), unpadded; pads: ((top, bottom), (left, right)) zeros to add.
    rows: the slice of im2col's rows (N * H_out * W_out of them) this chunk covers;
    cols: those rows, (len(rows), KH * KW * C), a view of scratch reused by the
    next chunk: use it before asking for the next one.
    """
    (kh, kw), (sh, sw) = window, strides
    n, hp, wp, c = padded_shape(x.shape, pads)
    ho, wo = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    layout = choose_layout((n, hp, wp, c), window, strides, wo) if layout is None else layout
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS} or None, got {layout!r}")
    k, pixels = kh * kw * c, ho * wo
    step = images_per_chunk(n, pixels * k * x.itemsize)
    for start in range(0, n, step):
        stop = min(start + step, n)
        images = _padded_chunk(x[start:stop], pads, "padded")
        if layout == "rows":
            cols = scratch_alternating("cols", (stop - start, ho, wo, kh, kw, c), x.dtype)
            np.copyto(cols, window_rows(images, window, strides))
            cols = cols.reshape(-1, k)
        else:
            channels_first = images.transpose(3, 0, 1, 2)                      # (C, images, H, W)
            if c > 1:                                                          # (with C = 1 a free view)
                channels_first = scratch("channels_first", channels_first.shape, x.dtype)
                np.copyto(channels_first, images.transpose(3, 0, 1, 2))
            cols = scratch_alternating("cols", (kh, kw, c, stop - start, ho, wo), x.dtype)
            for i in range(kh):           # row (i, j, c) of the transpose: cell (i, j) of every window
                for j in range(kw):
                    np.copyto(cols[i, j], channels_first[:, :, i: i + sh * (ho - 1) + 1: sh, j: j + sw * (wo - 1) + 1: sw])
            cols = cols.reshape(k, -1).T
        yield slice(start * pixels, stop * pixels), cols


def correlate(x: np.ndarray, kernel: np.ndarray, strides, pads=((0, 0), (0, 0)), layout: str | None = None) -> np.ndarray:
    """Every window of x (N, H, W, C), zero-padded by pads, times kernel (KH, KW, C, C_out): (N, H_out, W_out, C_out).

    Equal to ``im2col(x_pad) @ kernel.reshape(-1, C_out)``, reshaped. x and kernel share one dtype.
    """
    kh, kw, c, c_out = kernel.shape
    n, hp, wp, _ = padded_shape(x.shape, pads)
    ho, wo = (hp - kh) // strides[0] + 1, (wp - kw) // strides[1] + 1
    out = np.empty((n, ho, wo, c_out), x.dtype)
    flat, weights = out.reshape(-1, c_out), kernel.reshape(kh * kw * c, c_out)
    for rows, cols in chunks(x, pads, (kh, kw), strides, layout):
        np.matmul(cols, weights, out=flat[rows])
    return out


def kernel_gradient(x: np.ndarray, dout: np.ndarray, kernel_shape, strides, pads=((0, 0), (0, 0)),
                    layout: str | None = None) -> np.ndarray:
    """dL/dkernel (KH, KW, C, C_out) = im2col(x_pad).T @ dout, summed chunk by chunk. dout: (N, H_out, W_out, C_out)."""
    kh, kw, c, c_out = kernel_shape
    flat = dout.reshape(-1, c_out)
    total = np.zeros((kh * kw * c, c_out), x.dtype)
    for rows, cols in chunks(x, pads, (kh, kw), strides, layout):
        total += cols.T @ flat[rows]
    return total.reshape(kernel_shape)


def input_gradient(dout: np.ndarray, kernel: np.ndarray, input_shape, strides, pads=((0, 0), (0, 0))) -> np.ndarray:
    """dL/dx (N, H, W, C) of the unpadded input = col2im(dout @ kernel.reshape(-1, C_out).T), unpadded.

    dout: (N, H_out, W_out, C_out). Row r of ``dout @ kernel_matrix.T`` is the
    gradient of window r, one number per window cell; col2im, the transpose of
    im2col, adds each of them back onto the input cell it came from (a cell
    inside several windows collects from each); the padding's share is dropped.

    Done without any strided scatter, a few images at a time: put each output
    pixel's gradient on a zero grid the size of the padded input, at its
    window's top-left cell (h * sh, w * sw). The gradients for the cells at
    offset (i, j) of every window are then that grid times kernel[i, j].T,
    shifted down i rows and right j columns; with the grid's rows laid end to
    end, that shift is a slice starting i * W_pad + j numbers later. So
    col2im becomes KH * KW additions of contiguous slices. Windows never
    reach past the grid's last row or column, so nothing wraps into the next
    row or image. Computed channels-first, (C, cells), so that each addition
    moves C long runs. At stride 1 the grid is as dense as dout; at larger
    strides most of it is zeros (correct, sh * sw times the work).

    The zero cells rely on 0 * w = 0: with an infinite or NaN weight, cells
    that no window reads come out NaN instead of 0 (the cells windows do read
    are inf or NaN then anyway).
    """
    kh, kw, c, c_out = kernel.shape
    n, ho, wo, _ = dout.shape
    _, hp, wp, _ = padded_shape(input_shape, pads)
    weights = kernel.reshape(kh * kw * c, c_out)
    dx = np.empty(input_shape, dout.dtype)
    step = images_per_chunk(n, hp * wp * kh * kw * c * dout.itemsize)
    for start in range(0, n, step):
        stop = min(start + step, n)
        cells = (stop - start) * hp * wp
        grid = scratch_alternating("grid", (stop - start, hp, wp, c_out), dout.dtype)
        grid[...] = 0
        shifted(grid, 0, 0, (ho, wo), strides)[...] = dout[start:stop]      # each window's top-left cell
        window_grads = scratch("window_grads", (kh * kw * c, cells), dout.dtype)
        np.matmul(weights, grid.reshape(cells, c_out).T, out=window_grads)      # (KH * KW * C, cells)
        window_grads = window_grads.reshape(kh, kw, c, cells)
        grad = scratch("grad", (c, cells), dout.dtype)                          # channels first, rows end to end
        grad[...] = 0
        for i in range(kh):
            for j in range(kw):
                shift = i * wp + j
                grad[:, shift:] += window_grads[i, j, :, : cells - shift]
        padded = grad.T.reshape(stop - start, hp, wp, c)
        dx[start:stop] = unpad(padded, pads)
    return dx
