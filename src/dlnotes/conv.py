"""2-D convolution, channels-last, with exactly the semantics of ``tf.nn.conv2d``.

A convolution slides a small kernel over the image; at every position it
multiplies the window by the kernel and sums, for each output channel:

    out[n, i, j, k] = bias[k] + sum over (a, b, c) of
                      x_pad[n, i*sh + a, j*sw + b, c] * kernel[a, b, c, k]

x: (N, H, W, C_in); kernel: (KH, KW, C_in, C_out), Keras' ``Conv2D`` layout;
out: (N, H_out, W_out, C_out). (Like TensorFlow, and every deep-learning
library, this is a cross-correlation: the kernel is not flipped.)

Padding: "valid" uses only full windows; "same" pads with zeros so that
H_out = ceil(H / sh). When the total padding is odd, TensorFlow puts the extra
row (column) at the bottom (right); so do we.

Implementation ("im2col"): a strided view of all windows
(``sliding_window_view``, no copy) is laid out as one row per output pixel,
(N * H_out * W_out, KH * KW * C_in), in the same (KH, KW, C_in) order as the
kernel's rows (:func:`im2col`), so the whole convolution is one matrix product
with the kernel reshaped to (KH * KW * C_in, C_out). No Python loop runs over
output pixels. The functions below compute exactly that product, a few images
at a time so that the im2col rows stay in the CPU cache (:mod:`dlnotes._im2col`
says how, and why it halves the time).

Backward, with the same matrix: dkernel = im2col(x_pad).T @ dout, and
dx = col2im(dout @ kernel_matrix.T), im2col's transpose (see :func:`conv2d_backward`).
"""

from __future__ import annotations

import numpy as np

from ._im2col import correlate, input_gradient, kernel_gradient, window_rows
from ._spatial import check_images, check_padding, output_size, pad_amounts, pair
from ._validate import as_float_array, positive_int


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: str = "valid") -> int:
    """Output length along one axis: "valid": floor((size - kernel) / stride) + 1; "same": ceil(size / stride)."""
    size_, kernel_, stride_ = (positive_int(v, name) for v, name in ((size, "size"), (kernel, "kernel"), (stride, "stride")))
    padding = check_padding(padding)
    if padding == "valid" and kernel_ > size_:
        raise ValueError(f"kernel={kernel_} is larger than the input size={size_} with 'valid' padding")
    return output_size(size_, kernel_, stride_, padding)


def conv2d_forward(x, kernel, bias=None, strides=1, padding: str = "valid"):
    """Convolution forward pass. Returns (out (N, H_out, W_out, C_out), cache).

    x: (N, H, W, C_in); kernel: (KH, KW, C_in, C_out); bias: (C_out,) or None.
    The result is float32 when x, kernel and bias all are, float64 otherwise.
    As in the other layers, the cache keeps a reference to x, not a
    copy: changing x in place before the backward pass changes dkernel.
    """
    x = check_images(x)
    kernel = as_float_array(kernel, "kernel")
    if kernel.ndim != 4:
        raise ValueError(f"kernel must be 4-D (KH, KW, C_in, C_out), got shape {kernel.shape}")
    kh, kw, c_in, c_out = kernel.shape
    if c_in != x.shape[3]:
        raise ValueError(f"kernel expects C_in={c_in} input channels but x has {x.shape[3]} (x shape {x.shape})")
    if bias is not None:
        bias = as_float_array(bias, "bias")
        if bias.shape != (c_out,):
            raise ValueError(f"bias must have shape (C_out,) = ({c_out},), got {bias.shape}")
    strides = pair(strides, "strides")
    padding = check_padding(padding)
    if padding == "valid" and (kh > x.shape[1] or kw > x.shape[2]):
        raise ValueError(
            f"kernel of {kh}x{kw} is larger than the {x.shape[1]}x{x.shape[2]} input with 'valid' padding"
        )
    pads = pad_amounts(x.shape, (kh, kw), strides, padding)
    dtype = np.result_type(x, kernel, *([] if bias is None else [bias]))   # float32 only if all are float32
    x, kernel = x.astype(dtype, copy=False), kernel.astype(dtype, copy=False)
    out = correlate(x, kernel, strides, pads)                  # = im2col(x_pad) @ kernel.reshape(-1, C_out)
    if bias is not None:
        out += bias
    cache = (x, pads, strides, kernel, bias is not None, out.shape)
    return out, cache


def im2col(xp, window, strides=1) -> np.ndarray:
    """The im2col matrix of a padded batch xp (N, H, W, C): (N * H_out * W_out, KH * KW * C).

    Row r holds the window that output pixel r reads, in the kernel's
    (KH, KW, C) order, so that ``im2col(xp) @ kernel.reshape(-1, C_out)`` is the
    convolution with 'valid' windows. One copy of the whole matrix: the readable
    version of what ``conv2d_forward`` computes chunk by chunk.
    """
    xp = check_images(xp, "xp")
    window, strides = pair(window, "window"), pair(strides, "strides")
    if window[0] > xp.shape[1] or window[1] > xp.shape[2]:
        raise ValueError(f"window {window} is larger than the {xp.shape[1]}x{xp.shape[2]} input xp")
    view = window_rows(xp, window, strides)                    # (N, H_out, W_out, KH, KW, C), no copy
    return view.copy().reshape(-1, window[0] * window[1] * xp.shape[3])      # always a new array


def conv2d_backward(dout, cache):
    """Convolution backward pass.

    dout: (N, H_out, W_out, C_out). Returns (dx (N, H, W, C_in),
    dkernel (KH, KW, C_in, C_out), dbias (C_out,) or None when there was no bias).

    With dcols = dout @ kernel.reshape(-1, C_out).T, the gradient of every
    window (one row per output pixel, like im2col's rows):

    * dkernel = im2col(x_pad).T @ dout: each weight meets every input cell it multiplied;
    * dx = col2im(dcols): im2col's transpose adds each window's gradient back
      onto the cells the window was cut from; a cell inside several windows
      collects from each.
    """
    x, pads, strides, kernel, has_bias, out_shape = cache
    dout = as_float_array(dout, "dout")
    if dout.shape != out_shape:
        raise ValueError(f"dout must have the output's shape {out_shape}, got {dout.shape}")
    dtype = np.result_type(x, dout)
    x, dout, kernel = x.astype(dtype, copy=False), dout.astype(dtype, copy=False), kernel.astype(dtype, copy=False)
    dkernel = kernel_gradient(x, dout, kernel.shape, strides, pads)
    dx = input_gradient(dout, kernel, x.shape, strides, pads)  # col2im(dout @ kernel_matrix.T), unpadded
    dbias = dout.sum(axis=(0, 1, 2)) if has_bias else None
    return dx, dkernel, dbias


def conv2d(x, kernel, bias=None, strides=1, padding: str = "valid") -> np.ndarray:
    """Convolution, forward only: x (N, H, W, C_in), kernel (KH, KW, C_in, C_out) -> (N, H_out, W_out, C_out)."""
    return conv2d_forward(x, kernel, bias, strides, padding)[0]
