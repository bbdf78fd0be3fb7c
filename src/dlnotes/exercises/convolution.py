"""Chapter 5: convolution and pooling (notebook 05).

Predict a layer stack's output size (predict), the receptive field of three
3x3 layers (compute), max pooling's backward pass with overlapping windows
(derive), a convolution's backward pass (derive), both checked by finite
differences, and what max pooling does to a one-pixel shift, read off the
chapter's figure (interpret).

Notebook 05b's exercises, on CNN architectures, are in ``architectures.py``.
"""

from __future__ import annotations

import numpy as np

from ._checking import Answer, Implement, as_array, call_raw, compare, expect_tuple, numerical_backward

__all__: list[str] = []  # no public functions: reached through dlnotes.exercises


# -- predict: the output size of a layer stack ---------------------------------------------------
# (kernel, stride, padding) per layer, on a 224 x 224 input: a 7x7 stride-2 "same" convolution,
# 3x3 stride-2 max pooling, a 3x3 "same" convolution, a 3x3 stride-2 "same" one, a 3x3 "valid" one.
STACK_INPUT = 224
STACK = ((7, 2, "same"), (3, 2, "valid"), (3, 1, "same"), (3, 2, "same"), (3, 1, "valid"))


def _through_stack(rule) -> int:
    n = STACK_INPUT
    for kernel, stride, padding in STACK:
        n = rule(n, kernel, stride, padding)
    return n


def _stack_output_size() -> int:
    from ..conv import conv_output_size

    return _through_stack(conv_output_size)


def _stack_slips() -> dict:
    return {
        _through_stack(lambda n, f, s, p: -(-n // s) if p == "same" else (n - f) // s):
            "off by one: 'valid' gives floor((n - f) / s) + 1 positions; the first window counts too",
        _through_stack(lambda n, f, s, p: (n - f) // s + 1):
            "that treats every layer as 'valid': 'same' pads, so its output is ceil(n / s), "
            "whatever the kernel",
        _through_stack(lambda n, f, s, p: n // s if p == "same" else (n - f) // s + 1):
            "'same' rounds up, ceil(n / s): 55 positions at stride 2 give 28 outputs, the last "
            "window half in the padding",
        _through_stack(lambda n, f, s, p: n if p == "same" else n - f + 1):
            "the strides were left out: a stride of 2 halves the size",
    }


# -- compute: the receptive field of three 3x3 layers ---------------------------------------------
def _receptive_field(layers: int = 3, kernel: int = 3) -> int:
    field = 1
    for _ in range(layers):
        field += kernel - 1                  # each stride-1 layer widens the view by kernel - 1
    return field


_RECEPTIVE_SLIPS = {
    9: "each 3x3 layer does not add 3 pixels: its window overlaps the previous one's, and adds "
       "only 2 (one on each side)",
    27: "3^3 counts the paths through the stack, not the pixels: the field grows additively, by "
        "2 per layer",
    5: "that is two layers; the question stacks three",
}


# -- derive: max pooling's backward pass, windows that overlap ------------------------------------
def _windows(shape, pool: int, stride: int):
    """Top-left corners (r, c) of the valid pool x pool windows of an (H, W) array."""
    rows = range(0, shape[0] - pool + 1, stride)
    cols = range(0, shape[1] - pool + 1, stride)
    return [(i, j, r, c) for i, r in enumerate(rows) for j, c in enumerate(cols)]


def _max_pool(x, pool, stride):
    h_out, w_out = (x.shape[0] - pool) // stride + 1, (x.shape[1] - pool) // stride + 1
    out = np.empty((h_out, w_out))
    for i, j, r, c in _windows(x.shape, pool, stride):
        out[i, j] = x[r:r + pool, c:c + pool].max()
    return out


def _max_pool_backward_reference(dout, x, pool, stride):
    dx = np.zeros_like(x, dtype=float)
    for i, j, r, c in _windows(x.shape, pool, stride):
        window = x[r:r + pool, c:c + pool]
        a, b = np.unravel_index(np.argmax(window), window.shape)
        dx[r + a, c + b] += dout[i, j]           # a cell can win two overlapping windows: add
    return dx


def _max_pool_every_cell(dout, x, pool, stride):
    dx = np.zeros_like(x, dtype=float)
    for i, j, r, c in _windows(x.shape, pool, stride):
        dx[r:r + pool, c:c + pool] += dout[i, j]
    return dx


def _max_pool_assigned(dout, x, pool, stride):
    dx = np.zeros_like(x, dtype=float)
    for i, j, r, c in _windows(x.shape, pool, stride):
        window = x[r:r + pool, c:c + pool]
        a, b = np.unravel_index(np.argmax(window), window.shape)
        dx[r + a, c + b] = dout[i, j]
    return dx


def _max_pool_averaged(dout, x, pool, stride):
    dx = np.zeros_like(x, dtype=float)
    for i, j, r, c in _windows(x.shape, pool, stride):
        dx[r:r + pool, c:c + pool] += dout[i, j] / pool**2
    return dx


_EVERY_CELL = ("the gradient went to every cell of the window: only the cell holding the maximum "
               "moved the output, so only that cell receives dout")
_ASSIGNED = ("a cell that is the maximum of two overlapping windows must collect both windows' "
             "gradients: add them (+=), don't overwrite (=)")
_AVERAGED = "that spreads dout evenly over the window: average pooling's backward pass, not max pooling's"
POOL_SLIPS = {_EVERY_CELL: _max_pool_every_cell, _ASSIGNED: _max_pool_assigned, _AVERAGED: _max_pool_averaged}


def _distinct(rng, shape) -> np.ndarray:
    """Values at least 0.01 apart, so no window ties and finite differences see one maximum."""
    return (rng.permutation(int(np.prod(shape))).reshape(shape) + rng.uniform(0, 0.5, size=shape)) / 10


def _check_pool(fn, x, dout, pool, stride, what):
    want, = numerical_backward(lambda v: _max_pool(v, pool, stride), dout, x)
    got = as_array(call_raw(fn, dout, x, pool, stride), "your function")
    slips = {m: s(dout, x, pool, stride) for m, s in POOL_SLIPS.items()}
    compare(got, want, None, what, rtol=1e-6, atol=1e-8, slips=slips)


def _pool_disjoint(fn, rng):
    x = _distinct(rng, (6, 8))
    _check_pool(fn, x, rng.normal(size=(3, 4)), 2, 2, "2x2 windows, stride 2 (no overlap)")


def _pool_overlapping(fn, rng):
    x = _distinct(rng, (7, 7))
    x[2, 2] = x.max() + 1.0          # the corner two windows share wins both of them, and more
    _check_pool(fn, x, rng.normal(size=(3, 3)), 3, 2, "3x3 windows, stride 2 (they overlap)")


# -- derive: a convolution's backward pass ---------------------------------------------------------
def _correlate(x, kernel):
    """out[i, j] = sum over (a, b) of x[i + a, j + b] kernel[a, b]: 'valid', stride 1."""
    kh, kw = kernel.shape
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
    for a in range(kh):
        for b in range(kw):
            out += kernel[a, b] * x[a:a + out.shape[0], b:b + out.shape[1]]
    return out


def _conv_backward_reference(dout, x, kernel):
    kh, kw = kernel.shape
    h_out, w_out = dout.shape
    dx, dkernel = np.zeros_like(x, dtype=float), np.zeros_like(kernel, dtype=float)
    for a in range(kh):
        for b in range(kw):
            dkernel[a, b] = np.sum(dout * x[a:a + h_out, b:b + w_out])
            dx[a:a + h_out, b:b + w_out] += kernel[a, b] * dout
    return dx, dkernel


def _conv_unflipped(dout, x, kernel):
    kh, kw = kernel.shape
    h_out, w_out = dout.shape
    dx, dkernel = np.zeros_like(x, dtype=float), np.zeros_like(kernel, dtype=float)
    for a in range(kh):
        for b in range(kw):
            dkernel[a, b] = np.sum(dout * x[a:a + h_out, b:b + w_out])
            dx[a:a + h_out, b:b + w_out] += kernel[kh - 1 - a, kw - 1 - b] * dout
    return dx, dkernel


def _conv_assigned(dout, x, kernel):
    dx, dkernel = np.zeros_like(x, dtype=float), _conv_backward_reference(dout, x, kernel)[1]
    kh, kw = kernel.shape
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            dx[i:i + kh, j:j + kw] = kernel * dout[i, j]
    return dx, dkernel


def _conv_dkernel_from_out(dout, x, kernel):
    dx = _conv_backward_reference(dout, x, kernel)[0]
    return dx, _correlate(x, dout[::-1, ::-1])[::-1, ::-1]


_UNFLIPPED = ("dx: kernel[a, b] carried x[i + a, j + b] into out[i, j], so it sends dout[i, j] * "
              "kernel[a, b] back to x[i + a, j + b]; you paired each cell with the kernel's mirror "
              "image (kernel[KH-1-a, KW-1-b])")
_CONV_ASSIGNED = ("dx: an input pixel lies in several windows and collects from each of them: add "
                  "(+=) every window's share, don't overwrite (=)")
_DKERNEL_FLIPPED = ("dkernel[a, b] = sum over (i, j) of dout[i, j] x[i + a, j + b]: correlate x with "
                    "dout; you flipped the result")
CONV_SLIPS = {_UNFLIPPED: _conv_unflipped, _CONV_ASSIGNED: _conv_assigned, _DKERNEL_FLIPPED: _conv_dkernel_from_out}


def _check_conv(fn, x, kernel, rng, what):
    dout = rng.normal(size=(x.shape[0] - kernel.shape[0] + 1, x.shape[1] - kernel.shape[1] + 1))
    want = numerical_backward(_correlate, dout, x, kernel)
    got = expect_tuple(call_raw(fn, dout, x, kernel), ("dx", "dkernel"))
    slips = {m: s(dout, x, kernel) for m, s in CONV_SLIPS.items()}
    for k, name in enumerate(("dx", "dkernel")):
        compare(got[k], want[k], None, f"{what}, {name}", rtol=1e-6, atol=1e-8,
                slips={m: s[k] for m, s in slips.items()})


def _conv_square(fn, rng):
    _check_conv(fn, rng.normal(size=(6, 6)), rng.normal(size=(3, 3)), rng, "a 6x6 input, 3x3 kernel")


def _conv_oblong(fn, rng):
    h, w = int(rng.integers(5, 8)), int(rng.integers(5, 8))
    _check_conv(fn, rng.normal(size=(h, w)), rng.normal(size=(2, 3)), rng, f"a {h}x{w} input, 2x3 kernel")


# -- interpret: what max pooling does to a one-pixel shift ------------------------------------------
def _shift_survivors(shift: int = 1) -> float:
    """The fraction of 2x2 max-pooled values of the chapter's edge map that a `shift`-pixel move of
    the photo to the right leaves unchanged (compared window by window, the border columns dropped)."""
    from sklearn.datasets import load_sample_image

    from ..conv import conv2d
    from ..pooling import max_pool2d

    photo = load_sample_image("china.jpg")[::4, ::4] / 255.0
    vertical = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]]) / 3.0
    kernel = np.repeat(vertical[:, :, None, None], 3, axis=2)
    image = photo[None]
    moved = np.zeros_like(image)
    moved[:, :, shift:] = image[:, :, :-shift]
    maps = [np.abs(conv2d(v, kernel))[:, :, 4:-4] for v in (image, moved)]
    pooled = [max_pool2d(m, 2) for m in maps]
    return float(np.mean(np.isclose(pooled[0], pooled[1], rtol=0, atol=1e-9)))


EXERCISES = [
    Answer(
        "stack_output_size",
        f"the height of the output of this stack on a {STACK_INPUT} x {STACK_INPUT} image: "
        "7x7 conv stride 2 'same', 3x3 max pool stride 2 'valid', 3x3 conv stride 1 'same', "
        "3x3 conv stride 2 'same', 3x3 conv stride 1 'valid'",
        kind="predict",
        expected=_stack_output_size,
        explain="224 -> ceil(224/2) = 112 -> floor((112-3)/2)+1 = 55 -> 55 -> ceil(55/2) = 28 -> "
                "28-3+1 = 26: 'same' depends only on the stride, 'valid' on the kernel too.",
        slips=_stack_slips,
    ),
    Answer(
        "receptive_field",
        "how many pixels wide is the region of the input that one output of three stacked 3x3 "
        "convolutions (stride 1) sees?",
        kind="compute",
        expected=_receptive_field,
        explain="7: one pixel, widened by 2 at each of the 3 layers (1 + 3 x 2). Three 3x3 layers see "
                "what one 7x7 layer sees, with 27C^2 weights instead of 49C^2 and three non-linearities.",
        slips=_RECEPTIVE_SLIPS,
    ),
    Implement(
        "max_pool_backward",
        "max_pool_backward(dout, x, pool, stride) -> dx (H, W): the gradient of max pooling with "
        "pool x pool windows, 'valid', of a 2-D array x (H, W), dout (H_out, W_out)",
        [
            ("non-overlapping windows, by finite differences", _pool_disjoint),
            ("overlapping windows, by finite differences", _pool_overlapping),
        ],
        reference=_max_pool_backward_reference,
        slips=POOL_SLIPS,
        package="dlnotes.pooling.max_pool2d_backward",
        kind="derive",
    ),
    Implement(
        "conv_backward",
        "conv_backward(dout, x, kernel) -> (dx, dkernel) for out[i, j] = sum over (a, b) of "
        "x[i + a, j + b] kernel[a, b] ('valid', stride 1, 2-D arrays)",
        [
            ("a square kernel, by finite differences", _conv_square),
            ("an oblong kernel, by finite differences", _conv_oblong),
        ],
        reference=_conv_backward_reference,
        slips=CONV_SLIPS,
        package="dlnotes.conv.conv2d_backward",
        kind="derive",
    ),
    Answer(
        "pooling_shift",
        "in the chapter's shift figure, about what fraction of the 2x2 max-pooled values (0 to 1) "
        "stay exactly the same when the photo moves one pixel to the right?",
        kind="interpret",
        expected=_shift_survivors,
        explain="about a third: a 2x2 window keeps its value only when its maximum sat in the column "
                "that stays inside it after the shift (half the windows) and the column that enters is "
                "not larger (about two times in three). That is max pooling's partial invariance to "
                "small shifts; the feature map itself changed almost everywhere.",
        tolerance=0.15,
        slips={
            1.0: "max pooling is not invariant to every shift: a window whose maximum leaves it changes",
            0.0: "look again: many windows keep their maximum after a one-pixel move",
            0.5: "half the windows keep the column that held their maximum, but the column that "
                 "enters can hold a larger value",
        },
    ),
]
