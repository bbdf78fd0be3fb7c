"""Max and average pooling, channels-last, with the semantics of ``tf.nn.max_pool2d`` / ``avg_pool2d``.

Pooling summarises each window of each channel by one number: its maximum,
or its mean. x: (N, H, W, C) -> (N, H_out, W_out, C), output sizes as for a
convolution with the same window and strides (see :mod:`dlnotes.conv`).
strides default to the pool size (non-overlapping windows).

"same" padding: max pooling pads with -inf, so padded cells never win;
average pooling divides each window by the number of *real* cells in it, as
TensorFlow does (not by the window size).

Backward: max pooling sends each window's gradient to the cell that held the
maximum (the first one, if several tie); average pooling spreads it evenly
over the window's real cells.
"""

from __future__ import annotations

import numpy as np

from ._spatial import check_images, check_padding, pad_amounts, pair, scatter_windows, unpad, windows
from ._validate import as_float_array


def _setup(x, pool_size, strides, padding):
    x = check_images(x)
    window = pair(pool_size, "pool_size")
    strides = window if strides is None else pair(strides, "strides")
    padding = check_padding(padding)
    if padding == "valid" and (window[0] > x.shape[1] or window[1] > x.shape[2]):
        raise ValueError(f"pool_size {window} is larger than the {x.shape[1]}x{x.shape[2]} input with 'valid' padding")
    return x, window, strides, pad_amounts(x.shape, window, strides, padding)


def max_pool2d_forward(x, pool_size=2, strides=None, padding: str = "valid"):
    """Max pooling. x: (N, H, W, C) -> (out (N, H_out, W_out, C), cache)."""
    x, window, strides, pads = _setup(x, pool_size, strides, padding)
    xp = np.pad(x, ((0, 0), *pads, (0, 0)), constant_values=-np.inf)
    win = windows(xp, window, strides)                           # (N, Ho, Wo, C, KH, KW), a view
    # One pass per offset (i, j) inside the window, each over all windows at once:
    # keep the running maximum and where it was (strict > keeps the first maximum, as TensorFlow does).
    out = win[..., 0, 0]
    arg = np.zeros(out.shape, dtype=np.intp)
    for offset in range(1, window[0] * window[1]):
        values = win[..., offset // window[1], offset % window[1]]
        better = values > out
        out = np.where(better, values, out)
        arg = np.where(better, offset, arg)
    return out, (arg, win.shape, xp.shape, pads, strides)


def max_pool2d_backward(dout, cache):
    """dout: (N, H_out, W_out, C) -> dx (N, H, W, C)."""
    arg, win_shape, padded_shape, pads, strides = cache
    dout = as_float_array(dout, "dout")
    if dout.shape != win_shape[:4]:
        raise ValueError(f"dout must have the output's shape {win_shape[:4]}, got {dout.shape}")
    dflat = np.zeros(win_shape[:4] + (win_shape[4] * win_shape[5],), dtype=dout.dtype)
    np.put_along_axis(dflat, arg[..., None], dout[..., None], axis=-1)
    return unpad(scatter_windows(dflat.reshape(win_shape), padded_shape, strides), pads)


def avg_pool2d_forward(x, pool_size=2, strides=None, padding: str = "valid"):
    """Average pooling over the real cells of each window. x: (N, H, W, C) -> (out, cache)."""
    x, window, strides, pads = _setup(x, pool_size, strides, padding)
    xp = np.pad(x, ((0, 0), *pads, (0, 0)))
    ones = np.pad(np.ones((1,) + x.shape[1:3] + (1,), dtype=x.dtype), ((0, 0), *pads, (0, 0)))
    counts = windows(ones, window, strides).sum(axis=(-2, -1))    # (1, Ho, Wo, 1): real cells per window
    out = windows(xp, window, strides).sum(axis=(-2, -1)) / counts
    return out, (counts, out.shape, window, xp.shape, pads, strides)


def avg_pool2d_backward(dout, cache):
    """dout: (N, H_out, W_out, C) -> dx (N, H, W, C); padded cells receive nothing."""
    counts, out_shape, window, padded_shape, pads, strides = cache
    dout = as_float_array(dout, "dout")
    if dout.shape != out_shape:
        raise ValueError(f"dout must have the output's shape {out_shape}, got {dout.shape}")
    share = (dout / counts)[..., None, None]
    dwin = np.broadcast_to(share, out_shape + window)
    return unpad(scatter_windows(dwin, padded_shape, strides), pads)


def max_pool2d(x, pool_size=2, strides=None, padding: str = "valid") -> np.ndarray:
    """Max pooling, forward only. x: (N, H, W, C) -> (N, H_out, W_out, C)."""
    return max_pool2d_forward(x, pool_size, strides, padding)[0]


def avg_pool2d(x, pool_size=2, strides=None, padding: str = "valid") -> np.ndarray:
    """Average pooling, forward only. x: (N, H, W, C) -> (N, H_out, W_out, C)."""
    return avg_pool2d_forward(x, pool_size, strides, padding)[0]
