"""The im2col product of :mod:`dlnotes.conv`, built a few images at a time so that it stays in the CPU cache.

``conv.im2col`` is the readable version: one row per output pixel holding its
whole window, so that a convolution is one matrix product,

    out = im2col(x_pad) @ kernel.reshape(KH * KW * C_in, C_out).

For a batch that matrix is KH * KW times the size of the input (38 MB for 64
images of 32 x 32 x 16 under a 3 x 3 kernel). Written in one go it leaves the
CPU cache, every one of its pages is touched for the first time, and the copy
costs as much as the product itself. This module computes the same product in
chunks of images: each chunk's rows are copied into one reused buffer of about
``CHUNK_BYTES`` (small enough to stay in cache) and multiplied straight into
its slice of the output. Same numbers (every output row is the same dot
product as in the one-go version), half the time.

The copy has two layouts, and the faster one is picked from the shapes: numpy
copies fastest when the innermost run of neighbouring numbers is long.

* "rows": the buffer is (images, H_out, W_out, KH, KW, C), exactly
  ``im2col``'s rows. The innermost run is one window row, KW * C numbers
  next to each other in the channels-last input.
* "columns": the buffer is (KH, KW, C, images, H_out, W_out), the transpose
  (one row per kernel weight), filled by one copy per kernel offset from a
  channels-first copy of the input. The innermost run is W_out (at stride 1):
  far longer when C is small, as in LeNet-5's first layer (C = 1, KW = 5:
  runs of 5 numbers against 28). Its transpose ``buffer.reshape(K, M).T`` is
  the same (M, K) matrix, which numpy hands to BLAS without copying.

``tests/test_conv.py`` checks both layouts against ``im2col(x_pad) @ kernel``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ._spatial import windows

CHUNK_BYTES = 4 * 2**20   # measured on the benchmark machine: 4-8 MiB chunks fastest, one-go 2x slower
LAYOUTS = ("rows", "columns")


def window_rows(xp: np.ndarray, window, strides) -> np.ndarray:
    """Every window of xp (N, H, W, C) as a view (N, H_out, W_out, KH, KW, C): the kernel's (KH, KW, C) order."""
    return windows(xp, window, strides).transpose(0, 1, 2, 4, 5, 3)


def choose_layout(xp_shape, window, strides, out_w: int) -> str:
    """The layout with the longer innermost run of neighbouring numbers to copy (see the module docstring)."""
    rows_run = window[1] * xp_shape[3]
    columns_run = out_w if strides[1] == 1 else 1
    # near a tie "rows" wins: it copies once per chunk, "columns" KH * KW times (measured)
    return "columns" if columns_run >= 2 * rows_run else "rows"


def images_per_chunk(n: int, bytes_per_image: int) -> int:
    """How many images fill about CHUNK_BYTES (at least one, at most n). Read at call time, so tests can shrink it."""
    return max(1, min(n, CHUNK_BYTES // max(1, bytes_per_image)))


def chunks(xp: np.ndarray, window, strides, layout: str | None = None) -> Iterator[tuple[slice, np.ndarray]]:
    """Yield (rows, cols) for a few images at a time; the chunks together are ``im2col(xp)``.

    rows: the slice of im2col's rows (N * H_out * W_out of them) this chunk covers;
    cols: those rows, (len(rows), KH * KW * C), a view of a buffer reused by the
    next chunk: use it before asking for the next one.
    """
    kh, kw = window
    view = window_rows(xp, window, strides)                    # no copy
    n, ho, wo, c = view.shape[0], view.shape[1], view.shape[2], xp.shape[3]
    layout = choose_layout(xp.shape, window, strides, wo) if layout is None else layout
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS} or None, got {layout!r}")
    k, pixels = kh * kw * c, ho * wo
    step = images_per_chunk(n, pixels * k * xp.itemsize)
    if layout == "rows":
        buffer = np.empty((step, ho, wo, kh, kw, c), xp.dtype)
    else:
        channels_first = np.ascontiguousarray(xp.transpose(3, 0, 1, 2))      # (C, N, H, W)
        buffer = np.empty((kh, kw, c, step, ho, wo), xp.dtype)
    for start in range(0, n, step):
        stop = min(start + step, n)
        if layout == "rows":
            part = buffer[: stop - start]
            np.copyto(part, view[start:stop])
            cols = part.reshape(-1, k)
        else:
            part = buffer[:, :, :, : stop - start]
            (sh, sw), images = strides, channels_first[:, start:stop]
            for i in range(kh):           # row (i, j, c) of the transpose: cell (i, j) of every window
                for j in range(kw):
                    np.copyto(part[i, j], images[:, :, i: i + sh * (ho - 1) + 1: sh, j: j + sw * (wo - 1) + 1: sw])
            cols = part.reshape(k, -1).T
        yield slice(start * pixels, stop * pixels), cols


def correlate(xp: np.ndarray, kernel: np.ndarray, strides, layout: str | None = None) -> np.ndarray:
    """Every window of xp (N, H, W, C) times kernel (KH, KW, C, C_out): (N, H_out, W_out, C_out), no padding added.

    Equal to ``im2col(xp) @ kernel.reshape(-1, C_out)``, reshaped. xp and kernel share one dtype.
    """
    kh, kw, c, c_out = kernel.shape
    n = xp.shape[0]
    ho, wo = windows(xp, (kh, kw), strides).shape[1:3]
    out = np.empty((n, ho, wo, c_out), xp.dtype)
    flat, weights = out.reshape(-1, c_out), kernel.reshape(kh * kw * c, c_out)
    for rows, cols in chunks(xp, (kh, kw), strides, layout):
        np.matmul(cols, weights, out=flat[rows])
    return out


def kernel_gradient(xp: np.ndarray, dout: np.ndarray, kernel_shape, strides, layout: str | None = None) -> np.ndarray:
    """dL/dkernel (KH, KW, C, C_out) = im2col(xp).T @ dout, summed chunk by chunk. dout: (N, H_out, W_out, C_out)."""
    kh, kw, c, c_out = kernel_shape
    flat = dout.reshape(-1, c_out)
    total = np.zeros((kh * kw * c, c_out), xp.dtype)
    for rows, cols in chunks(xp, (kh, kw), strides, layout):
        total += cols.T @ flat[rows]
    return total.reshape(kernel_shape)


def input_gradient(dout: np.ndarray, kernel: np.ndarray, padded_shape, strides) -> np.ndarray:
    """dL/dx_pad (N, H_pad, W_pad, C) = col2im(dout @ kernel.reshape(-1, C_out).T). dout: (N, H_out, W_out, C_out).

    Row r of ``dout @ kernel_matrix.T`` is the gradient of window r, one
    number per window cell; col2im, the transpose of im2col, adds each of
    them back onto the input cell it came from (a cell inside several
    windows collects from each).

    Done without any strided scatter, a few images at a time: put each output
    pixel's gradient on a zero grid the size of the padded input, at its
    window's top-left cell (h * sh, w * sw). The gradients for the cells at
    offset (i, j) of every window are then that grid times kernel[i, j].T,
    shifted down i rows and right j columns; with the grid's rows laid end to
    end, that shift is a slice starting i * W_pad + j numbers later. So
    col2im becomes KH * KW additions of contiguous slices. Windows never
    reach past the grid's last row or column, so nothing wraps into the next
    row or image. Computed channels-first, (C, cells), so each slice is C long
    runs; returned channels-last as a view. At stride 1 the grid is as dense
    as dout; at larger strides most of it is zeros (correct, sh * sw times the
    work).
    """
    kh, kw, c, c_out = kernel.shape
    n, ho, wo, _ = dout.shape
    (sh, sw), (hp, wp) = strides, padded_shape[1:3]
    weights = kernel.reshape(kh * kw * c, c_out)
    grad = np.zeros((c, n * hp * wp), dout.dtype)                   # channels first, rows end to end
    step = images_per_chunk(n, hp * wp * kh * kw * c * dout.itemsize)
    grid = np.zeros((step, hp, wp, c_out), dout.dtype)
    for start in range(0, n, step):
        stop = min(start + step, n)
        cells = (stop - start) * hp * wp
        grid[: stop - start, : sh * (ho - 1) + 1: sh, : sw * (wo - 1) + 1: sw] = dout[start:stop]
        window_grads = weights @ grid[: stop - start].reshape(cells, c_out).T   # (KH * KW * C, cells)
        window_grads = window_grads.reshape(kh, kw, c, cells)
        part = grad[:, start * hp * wp: stop * hp * wp]
        for i in range(kh):
            for j in range(kw):
                shift = i * wp + j
                part[:, shift:] += window_grads[i, j, :, : cells - shift]
    return grad.T.reshape(n, hp, wp, c)
