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
kernel's rows, so the whole convolution is one matrix product with the
kernel reshaped to (KH * KW * C_in, C_out). No Python loop runs over output
pixels.
"""

from __future__ import annotations

import numpy as np

from ._spatial import check_images, check_padding, output_size, pad_amounts, pair, shifted, unpad, windows
from ._validate import as_float_array, positive_int


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: str = "valid") -> int:
    """Output length along one axis: "valid": floor((size - kernel) / stride) + 1; "same": ceil(size / stride)."""
    size_, kernel_, stride_ = (positive_int(v, name) for v, name in ((size, "size"), (kernel, "kernel"), (stride, "stride")))
    padding = check_padding(padding)
    if padding == "valid" and kernel_ > size_:
        raise ValueError(f"kernel={kernel_} is larger than the input size={size_} with 'valid' padding")
    return output_size(size_, kernel_, stride_, padding)


def conv2d_forward(x, kernel, bias=None, strides=1, padding: str = "valid"):
    """Convolution forward pass. Returns (out (N, H_out, W_out, C_out), cache)."""
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
    xp = np.pad(x, ((0, 0), *pads, (0, 0))) if padding == "same" else x
    win = windows(xp, (kh, kw), strides)                        # (N, Ho, Wo, C_in, KH, KW), a view
    n, ho, wo = win.shape[:3]
    cols = win.transpose(0, 1, 2, 4, 5, 3).reshape(n * ho * wo, kh * kw * c_in)   # the one copy
    out = (cols @ kernel.reshape(kh * kw * c_in, c_out)).reshape(n, ho, wo, c_out)
    if bias is not None:
        out = out + bias
    cache = (cols, (n, ho, wo), xp.shape, pads, strides, kernel, bias is not None)
    return out, cache


def conv2d_backward(dout, cache):
    """Convolution backward pass.

    dout: (N, H_out, W_out, C_out). Returns (dx (N, H, W, C_in),
    dkernel (KH, KW, C_in, C_out), dbias (C_out,) or None when there was no bias).
    """
    cols, (n, ho, wo), padded_shape, pads, strides, kernel, has_bias = cache
    kh, kw, c_in, c_out = kernel.shape
    dout = as_float_array(dout, "dout")
    expected = (n, ho, wo, c_out)
    if dout.shape != expected:
        raise ValueError(f"dout must have the output's shape {expected}, got {dout.shape}")
    dout2 = dout.reshape(-1, c_out)
    dkernel = (cols.T @ dout2).reshape(kernel.shape)
    dxp = np.zeros(padded_shape, dtype=np.result_type(dout, kernel))
    for i in range(kh):                  # each kernel offset sends its share of the gradient back
        for j in range(kw):              # to the input cells it read: dout (.., C_out) @ kernel[i, j]^T
            shifted(dxp, i, j, (ho, wo), strides)[...] += dout @ kernel[i, j].T
    dx = unpad(dxp, pads)
    dbias = dout.sum(axis=(0, 1, 2)) if has_bias else None
    return dx, dkernel, dbias


def conv2d(x, kernel, bias=None, strides=1, padding: str = "valid") -> np.ndarray:
    """Convolution, forward only: x (N, H, W, C_in), kernel (KH, KW, C_in, C_out) -> (N, H_out, W_out, C_out)."""
    return conv2d_forward(x, kernel, bias, strides, padding)[0]
