"""Max and average pooling, channels-last, with the semantics of ``tf.nn.max_pool2d`` / ``avg_pool2d``.

Pooling summarises each window of each channel by one number: its maximum,
or its mean. x: (N, H, W, C) -> (N, H_out, W_out, C), output sizes and
"same" padding as for a convolution with the same window and strides (one
rule for both, :func:`dlnotes._geometry.geometry`).
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

from ._geometry import check_images, check_padding, geometry, pair, padded, shifted, unpad
from ._validate import as_float_array

__all__ = ["max_pool2d", "max_pool2d_forward", "max_pool2d_backward", "avg_pool2d", "avg_pool2d_forward",
           "avg_pool2d_backward"]


def _setup(x, pool_size, strides, padding):
    x = check_images(x)
    window = pair(pool_size, "pool_size")
    strides = window if strides is None else pair(strides, "strides")
    padding = check_padding(padding)
    out_hw, pads = geometry(x.shape[1:3], window, strides, padding, name="pool_size")
    return x, window, strides, pads, out_hw


def _offsets(window):
    return [(i, j) for i in range(window[0]) for j in range(window[1])]


def _combine_cells(op, xp, window, out_hw, strides) -> np.ndarray:
    """op (np.maximum or np.add) of the cells at every window offset: (N, H_out, W_out, C), a new array.

    One whole-array operation per offset; the first two offsets go straight
    into a new array (no copy of the first one first).
    """
    cells = [shifted(xp, i, j, out_hw, strides) for i, j in _offsets(window)]
    if len(cells) == 1:
        return cells[0].copy()
    out = op(cells[0], cells[1])
    for cell in cells[2:]:
        op(out, cell, out=out)
    return out


def max_pool2d_forward(x, pool_size=2, strides=None, padding: str = "valid"):
    """Max pooling. x: (N, H, W, C) -> (out (N, H_out, W_out, C), cache).

    The maximum is built one window offset at a time: out = max(out, the
    cell at (i, j) of every window), for the KH x KW offsets.
    """
    x, window, strides, pads, out_hw = _setup(x, pool_size, strides, padding)
    xp = padded(x, pads, fill=-np.inf)                    # padded cells never win
    out = _combine_cells(np.maximum, xp, window, out_hw, strides)
    return out, (xp, out, window, strides, pads)


def max_pool2d_backward(dout, cache):
    """dout: (N, H_out, W_out, C) -> dx (N, H, W, C).

    Each window's gradient goes to the first cell (in row-major order within
    the window) that holds its maximum, as in TensorFlow.
    """
    xp, out, window, strides, pads = cache
    dout = as_float_array(dout, "dout")
    if dout.shape != out.shape:
        raise ValueError(f"dout must have the output's shape {out.shape}, got {dout.shape}")
    dxp = np.zeros(xp.shape, dtype=np.result_type(xp, dout))
    taken = np.zeros(out.shape, dtype=bool)
    for i, j in _offsets(window):
        hit = (shifted(xp, i, j, out.shape[1:3], strides) == out) & ~taken
        taken |= hit
        shifted(dxp, i, j, out.shape[1:3], strides)[...] += np.where(hit, dout, 0)
    return unpad(dxp, pads)


def avg_pool2d_forward(x, pool_size=2, strides=None, padding: str = "valid"):
    """Average pooling over the real cells of each window. x: (N, H, W, C) -> (out, cache)."""
    x, window, strides, pads, out_hw = _setup(x, pool_size, strides, padding)
    xp = padded(x, pads)
    total = _combine_cells(np.add, xp, window, out_hw, strides)
    if padding == "valid":
        counts = np.asarray(window[0] * window[1], dtype=total.dtype)     # every window is all real cells
    else:                                                                 # (1, Ho, Wo, 1): real cells per window
        ones = padded(np.ones((1,) + x.shape[1:3] + (1,), dtype=total.dtype), pads)
        counts = sum(shifted(ones, i, j, out_hw, strides) for i, j in _offsets(window))
    total /= counts
    return total, (counts, total.shape, window, xp.shape, pads, strides)


def avg_pool2d_backward(dout, cache):
    """dout: (N, H_out, W_out, C) -> dx (N, H, W, C); padded cells receive nothing."""
    counts, out_shape, window, padded_shape, pads, strides = cache
    dout = as_float_array(dout, "dout")
    if dout.shape != out_shape:
        raise ValueError(f"dout must have the output's shape {out_shape}, got {dout.shape}")
    share = dout / counts
    dxp = np.zeros(padded_shape, dtype=share.dtype)
    for i, j in _offsets(window):
        shifted(dxp, i, j, out_shape[1:3], strides)[...] += share
    return unpad(dxp, pads)


def max_pool2d(x, pool_size=2, strides=None, padding: str = "valid") -> np.ndarray:
    """Max pooling, forward only. x: (N, H, W, C) -> (N, H_out, W_out, C)."""
    return max_pool2d_forward(x, pool_size, strides, padding)[0]


def avg_pool2d(x, pool_size=2, strides=None, padding: str = "valid") -> np.ndarray:
    """Average pooling, forward only. x: (N, H, W, C) -> (N, H_out, W_out, C)."""
    return avg_pool2d_forward(x, pool_size, strides, padding)[0]
