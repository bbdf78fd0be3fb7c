"""Shared pieces of conv.py and pooling.py: argument checks, TensorFlow's padding, strided windows."""

from __future__ import annotations

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._validate import as_float_array

PADDINGS = ("valid", "same")


def pair(value, name: str) -> tuple[int, int]:
    """An int or a pair of ints, each >= 1, as (rows, cols)."""
    values = (value, value) if isinstance(value, numbers.Integral) and not isinstance(value, bool) else value
    try:
        a, b = values
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}") from None
    for v in (a, b):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
        if v < 1:
            raise ValueError(f"{name} must be positive, got {value!r}")
    return int(a), int(b)


def check_padding(padding) -> str:
    if not isinstance(padding, str) or padding.lower() not in PADDINGS:
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    return padding.lower()


def check_images(x, name: str = "x") -> np.ndarray:
    x = as_float_array(x, name)
    if x.ndim != 4:
        raise ValueError(f"{name} must be 4-D (N, H, W, C), batch first and channels last; got shape {x.shape}")
    return x


def output_size(size: int, kernel: int, stride: int, padding: str) -> int:
    """Output length along one axis, as TensorFlow computes it."""
    if padding == "same":
        return -(-size // stride)                         # ceil(size / stride)
    return (size - kernel) // stride + 1 if size >= kernel else 0


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow's 'same' padding along one axis: (before, after), the extra cell going after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def pad_amounts(shape, window, strides, padding) -> tuple[tuple[int, int], tuple[int, int]]:
    if padding == "valid":
        return (0, 0), (0, 0)
    return same_padding(shape[1], window[0], strides[0]), same_padding(shape[2], window[1], strides[1])


def windows(xp: np.ndarray, window, strides) -> np.ndarray:
    """Strided view of every window of the padded input: (N, H_out, W_out, C, KH, KW). No copy."""
    view = sliding_window_view(xp, window, axis=(1, 2))
    return view[:, :: strides[0], :: strides[1]]


def shifted(xp: np.ndarray, i: int, j: int, out_hw, strides) -> np.ndarray:
    """The cell at offset (i, j) of every window, as one strided view: (N, H_out, W_out, C).

    Looping over the KH x KW offsets with this view visits every window cell
    once per offset: a handful of fast whole-array operations, never a loop
    over output pixels.
    """
    (ho, wo), (sh, sw) = out_hw, strides
    return xp[:, i: i + sh * (ho - 1) + 1: sh, j: j + sw * (wo - 1) + 1: sw, :]


def unpad(dxp: np.ndarray, pads) -> np.ndarray:
    (top, bottom), (left, right) = pads
    return dxp[:, top: dxp.shape[1] - bottom, left: dxp.shape[2] - right]
