"""2-D convolution, channels-last, with exactly the semantics of ``tf.nn.conv2d``.

A convolution slides a small kernel over the image; at every position it
multiplies the window by the kernel and sums, for each output channel:

    out[n, h, w, k] = bias[k] + sum over (i, j, c) of
                      x_pad[n, h*sh + i, w*sw + j, c] * kernel[i, j, c, k]

x: (N, H, W, C_in); kernel: (KH, KW, C_in, C_out), Keras' ``Conv2D`` layout;
out: (N, H_out, W_out, C_out). (Like TensorFlow, and every deep-learning
library, this is a cross-correlation: the kernel is not flipped.)

Padding: "valid" uses only full windows; "same" pads with zeros so that
H_out = ceil(H / sh). When the total padding is odd, TensorFlow puts the extra
row (column) at the bottom (right); so do we (:mod:`dlnotes._geometry`).

Forward ("im2col"): lay every window out as one row, (N * H_out * W_out,
KH * KW * C_in), in the kernel's (KH, KW, C_in) order (:func:`im2col`); then
the whole convolution is one matrix product with the kernel reshaped to
(KH * KW * C_in, C_out). No Python loop runs over output pixels.

Backward, with the same matrix, for L with upstream gradient dout:

    dkernel = im2col(x_pad).T @ dout          (KH * KW * C_in, C_out)
    dx_pad[cell (i, j) of every window] += dout @ kernel[i, j].T, for each of the KH * KW offsets

The im2col matrix is KH * KW times the input (at stride 1). Built for a whole
batch it leaves the CPU's cache, and copying it then costs more than the
product: so the batch goes through a few images at a time, at most
IM2COL_BYTES of rows at once. Every row is the same dot product either way.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._geometry import check_images, check_padding, geometry, pair, padded, shifted, unpad
from ._validate import as_float_array, positive_int

__all__ = ["conv2d", "conv2d_forward", "conv2d_backward", "conv_output_size", "im2col"]

IM2COL_BYTES = 4 * 2**20   # the most im2col rows built at once: small enough to stay in the CPU's cache


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: str = "valid") -> int:
    """Output length along one axis: "valid": floor((size - kernel) / stride) + 1; "same": ceil(size / stride)."""
    size, kernel, stride = positive_int(size, "size"), positive_int(kernel, "kernel"), positive_int(stride, "stride")
    (out,), _ = geometry((size,), (kernel,), (stride,), check_padding(padding), name="kernel")
    return out


def im2col(xp, window, strides=1) -> np.ndarray:
    """The im2col matrix of a padded batch xp (N, H, W, C): (N * H_out * W_out, KH * KW * C), a new array.

    Row r holds the window that output pixel r reads, in the kernel's
    (KH, KW, C) order: for each offset (i, j), the C channels of that window's
    cell (i, j). So ``im2col(xp) @ kernel.reshape(-1, C_out)`` is the
    convolution with 'valid' windows.
    """
    xp = check_images(xp, "xp")
    window, strides = pair(window, "window"), pair(strides, "strides")
    out_hw, _ = geometry(xp.shape[1:3], window, strides, "valid", name="window")
    rows = _im2col(xp, window, strides, out_hw)
    return rows.copy() if np.shares_memory(rows, xp) else rows   # a 1x1 window can be a view of xp itself


def _im2col(xp: np.ndarray, window, strides, out_hw) -> np.ndarray:
    """im2col's rows: every window of xp, each laid out in the kernel's (KH, KW, C) order, as one row."""
    (kh, kw), (sh, sw), (ho, wo) = window, strides, out_hw
    if ho == 0 or wo == 0:                                   # no window fits (an empty input under "same")
        return np.empty((0, kh * kw * xp.shape[3]), xp.dtype)
    views = sliding_window_view(xp, window, axis=(1, 2))     # (N, H - KH + 1, W - KW + 1, C, KH, KW), no copy
    views = views[:, : sh * (ho - 1) + 1: sh, : sw * (wo - 1) + 1: sw]      # the windows the strides visit
    rows = views.transpose(0, 1, 2, 4, 5, 3)                 # (N, H_out, W_out, KH, KW, C), still no copy
    return rows.reshape(xp.shape[0] * ho * wo, kh * kw * xp.shape[3])   # one copy: (N * H_out * W_out, KH * KW * C)


def _im2col_blocks(x: np.ndarray, window, strides, pads, out_hw):
    """Yield (images, rows): a slice of the batch and im2col(x_pad[images]), at most IM2COL_BYTES of rows at a time.

    Together the blocks are im2col(x_pad), whole images at a time (at least one).
    """
    bytes_per_image = out_hw[0] * out_hw[1] * window[0] * window[1] * x.shape[3] * x.itemsize
    step = max(1, IM2COL_BYTES // max(1, bytes_per_image))
    for start in range(0, x.shape[0], step):
        images = slice(start, start + step)
        yield images, _im2col(padded(x[images], pads), window, strides, out_hw)


def conv2d_forward(x, kernel, bias=None, strides=1, padding: str = "valid"):
    """Convolution forward pass. Returns (out (N, H_out, W_out, C_out), cache).

    x: (N, H, W, C_in); kernel: (KH, KW, C_in, C_out); bias: (C_out,) or None;
    strides: an int or (sh, sw); padding: "valid" or "same".

        out = im2col(x_pad) @ kernel.reshape(KH * KW * C_in, C_out) + bias

    computed for a few images at a time (see the module docstring). The result
    is float32 when x, kernel and bias all are, float64 otherwise. As in the
    other layers, the cache keeps a reference to x, not a copy: changing x in
    place before the backward pass changes dkernel.

    Zero sizes: an empty batch, a zero-height input under "same" or zero
    output channels give an empty ``out``; zero input channels give ``bias``
    everywhere (a sum over no terms is 0). A kernel with KH or KW = 0 has no
    window to slide, and raises ``ValueError``.
    """
    x = check_images(x)
    kernel = as_float_array(kernel, "kernel")
    if kernel.ndim != 4:
        raise ValueError(f"kernel must be 4-D (KH, KW, C_in, C_out), got shape {kernel.shape}")
    kh, kw, c_in, c_out = kernel.shape
    if kh == 0 or kw == 0:
        raise ValueError(f"kernel must be at least 1x1 (KH, KW >= 1), got shape {kernel.shape}")
    if c_in != x.shape[3]:
        raise ValueError(f"kernel expects C_in={c_in} input channels but x has {x.shape[3]} (x shape {x.shape})")
    if bias is not None:
        bias = as_float_array(bias, "bias")
        if bias.shape != (c_out,):
            raise ValueError(f"bias must have shape (C_out,) = ({c_out},), got {bias.shape}")
    strides = pair(strides, "strides")
    (ho, wo), pads = geometry(x.shape[1:3], (kh, kw), strides, check_padding(padding), name="kernel")
    dtype = np.result_type(x, kernel, *([] if bias is None else [bias]))   # float32 only if all are float32
    x, kernel = x.astype(dtype, copy=False), kernel.astype(dtype, copy=False)

    weights = kernel.reshape(kh * kw * c_in, c_out)          # row (i, j, c): the weights of window cell (i, j, c)
    out = np.empty((x.shape[0], ho, wo, c_out), dtype)
    for images, rows in _im2col_blocks(x, (kh, kw), strides, pads, (ho, wo)):
        out[images] = (rows @ weights).reshape(out[images].shape)   # rows: (images * H_out * W_out, KH * KW * C_in)
    if bias is not None:
        out += bias
    cache = (x, kernel, bias is not None, strides, pads, out.shape)
    return out, cache


def conv2d_backward(dout, cache):
    """Convolution backward pass.

    dout: (N, H_out, W_out, C_out). Returns (dx (N, H, W, C_in),
    dkernel (KH, KW, C_in, C_out), dbias (C_out,) or None when there was no bias).

    * dkernel = im2col(x_pad).T @ dout: each weight meets every input cell it
      multiplied (the product summed over blocks of images, as in the forward pass);
    * dx: the cell at offset (i, j) of every window got weight kernel[i, j],
      so it receives dout @ kernel[i, j].T, (N, H_out, W_out, C_in). Added at
      the KH * KW offsets in turn, a cell inside several windows collects from
      each; a cell that no window reads stays exactly 0. The padding's share is dropped.
    * dbias = dout summed over N, H_out and W_out.
    """
    x, kernel, has_bias, strides, pads, out_shape = cache
    dout = as_float_array(dout, "dout")
    if dout.shape != out_shape:
        raise ValueError(f"dout must have the output's shape {out_shape}, got {dout.shape}")
    dtype = np.result_type(x, dout)
    x, dout, kernel = x.astype(dtype, copy=False), dout.astype(dtype, copy=False), kernel.astype(dtype, copy=False)
    kh, kw, c_in, c_out = kernel.shape
    n, ho, wo, _ = out_shape

    dkernel = np.zeros((kh * kw * c_in, c_out), dtype)
    for images, rows in _im2col_blocks(x, (kh, kw), strides, pads, (ho, wo)):
        dkernel += rows.T @ dout[images].reshape(len(rows), c_out)

    (top, bottom), (left, right) = pads
    dxp = np.zeros((n, x.shape[1] + top + bottom, x.shape[2] + left + right, c_in), dtype)   # dL/dx_pad
    dout_rows = dout.reshape(n * ho * wo, c_out)             # one row per output pixel
    for i in range(kh):
        for j in range(kw):
            cell_grads = (dout_rows @ kernel[i, j].T).reshape(n, ho, wo, c_in)
            shifted(dxp, i, j, (ho, wo), strides)[...] += cell_grads
    dbias = dout.sum(axis=(0, 1, 2)) if has_bias else None
    return unpad(dxp, pads), dkernel.reshape(kernel.shape), dbias


def conv2d(x, kernel, bias=None, strides=1, padding: str = "valid") -> np.ndarray:
    """Convolution, forward only: x (N, H, W, C_in), kernel (KH, KW, C_in, C_out) -> (N, H_out, W_out, C_out)."""
    return conv2d_forward(x, kernel, bias, strides, padding)[0]
