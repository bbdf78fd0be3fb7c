"""Window geometry shared by conv.py, pooling.py and models.py: where the windows sit, as TensorFlow places them.

A window of ``window`` cells slides over each spatial axis of an input of
``size`` cells, ``stride`` cells at a time:

* "valid": only windows that fit. out = floor((size - window) / stride) + 1;
  a window larger than the input is an error (TensorFlow's too).
* "same": zeros are added so that out = ceil(size / stride). The total padding
  is max((out - 1) * stride + window - size, 0): floor(total / 2) before, the
  rest (the odd cell, if any) after, as TensorFlow does.

:func:`geometry` is the one home of these rules. :func:`shifted` is the cell
at one offset of every window, the building block of the layers' loops over
the KH x KW window offsets.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validate import as_float_array, positive_int

PADDINGS = ("valid", "same")


def pair(value, name: str) -> tuple[int, int]:
    """An int or a pair of ints, each >= 1, as (rows, cols)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        size = positive_int(value, name)
        return size, size
    try:
        a, b = value
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}") from None
    return positive_int(a, f"{name}[0]"), positive_int(b, f"{name}[1]")


def check_padding(padding) -> str:
    """"valid" or "same", in any letter case."""
    if not isinstance(padding, str) or padding.lower() not in PADDINGS:
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    return padding.lower()


def check_images(x, name: str = "x") -> np.ndarray:
    """A float array of images (N, H, W, C), batch first and channels last."""
    x = as_float_array(x, name)
    if x.ndim != 4:
        raise ValueError(f"{name} must be 4-D (N, H, W, C), batch first and channels last; got shape {x.shape}")
    return x


def geometry(sizes, window, strides, padding: str, name: str = "window"):
    """Output sizes and padding of ``window`` sliding over an input of ``sizes``, axis by axis.

    sizes, window, strides: one int per axis, e.g. (H, W), (KH, KW), (sh, sw);
    padding: "valid" or "same" (already checked). Returns (out_sizes, pads),
    out_sizes like (H_out, W_out) and pads like ((top, bottom), (left, right)).
    Raises ``ValueError`` naming ``name`` when a "valid" window is larger than the input.
    """
    if padding == "valid" and any(k > s for k, s in zip(window, sizes)):
        raise ValueError(f"{name} {'x'.join(map(str, window))} is larger than the input "
                         f"({'x'.join(map(str, sizes))}) with 'valid' padding")
    out_sizes, pads = [], []
    for size, k, stride in zip(sizes, window, strides):
        if padding == "valid":
            out, total = (size - k) // stride + 1, 0
        else:
            out = -(-size // stride)                             # ceil(size / stride)
            total = max((out - 1) * stride + k - size, 0)
        out_sizes.append(out)
        pads.append((total // 2, total - total // 2))           # the odd cell goes after
    return tuple(out_sizes), tuple(pads)


def padded(x: np.ndarray, pads, fill: float = 0.0) -> np.ndarray:
    """x (N, H, W, C) with ``fill`` rows and columns added around it (x itself when pads are all zero)."""
    if not any(any(p) for p in pads):
        return x
    return np.pad(x, ((0, 0), *pads, (0, 0)), constant_values=fill)


def unpad(dxp: np.ndarray, pads) -> np.ndarray:
    """The inverse of :func:`padded`: drop the padding's rows and columns (a view)."""
    (top, bottom), (left, right) = pads
    return dxp[:, top: dxp.shape[1] - bottom, left: dxp.shape[2] - right]


def shifted(xp: np.ndarray, i: int, j: int, out_hw, strides) -> np.ndarray:
    """The cell at offset (i, j) of every window of xp (N, H, W, C): a strided view (N, H_out, W_out, C).

    Window (h, w) starts at cell (h * sh, w * sw), so its cell at offset (i, j)
    is xp[:, h * sh + i, w * sw + j]: every sh-th row from row i, every sw-th
    column from column j, the first H_out and W_out of them. Looping over the
    KH x KW offsets with this view visits every window cell once per offset:
    a handful of whole-array operations, never a loop over output pixels.
    Writing through the view (``shifted(dxp, ...)[...] += g``) adds into xp.
    """
    (ho, wo), (sh, sw) = out_hw, strides
    return xp[:, i::sh, j::sw][:, :ho, :wo]
