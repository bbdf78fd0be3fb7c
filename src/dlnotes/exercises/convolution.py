"""Chapter 5: convolutional networks (two notebooks).

05, convolution and pooling: predict a layer stack's output size (predict),
the receptive field of three 3x3 layers (compute), max pooling's backward
pass with overlapping windows (derive), a convolution's backward pass
(derive), both checked by finite differences, and what max pooling does to
a one-pixel shift, read off the chapter's figure (interpret).

05b, CNN architectures: AlexNet conv1's parameters (compute), the 5x5
branch of Inception (3a) with and without its 1x1 reduction (compute), the
VGG-16 block holding the most activations (predict), the costliest branch
of the naive Inception module (interpret).
"""

from __future__ import annotations

import numpy as np

from ..gradients import numerical_gradient
from ._checking import Answer, Implement, as_array, call_raw, compare, expect_tuple

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
    want = numerical_gradient(lambda v: float(np.sum(dout * _max_pool(v, pool, stride))), x.copy())
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
    want = (numerical_gradient(lambda v: float(np.sum(dout * _correlate(v, kernel))), x.copy()),
            numerical_gradient(lambda k: float(np.sum(dout * _correlate(x, k))), kernel.copy()))
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


# -- compute: AlexNet conv1 ------------------------------------------------------------------------
def _alexnet_conv1() -> int:
    return 11 * 11 * 3 * 96 + 96


_ALEXNET_SLIPS = {
    11 * 11 * 3 * 96: "you left out the biases: one per filter, 96 more",
    11 * 11 * 96 + 96: "each kernel spans all 3 colour channels: 11 x 11 x 3 weights, not 11 x 11",
    11 * 11 * 3 + 1: "that is one filter; conv1 has 96 of them",
    55 * 55 * 96: "that is the number of outputs (55 x 55 x 96), not of weights: the weights are shared "
                  "by every position",
}


# -- compute: the 1x1 reduction in Inception (3a)'s 5x5 branch -----------------------------------
# Szegedy et al. (2015), table 1: inception (3a) reads 28 x 28 x 192; its 5x5 branch reduces to 16
# channels with a 1x1 convolution, then applies 32 filters of 5x5. Multiply-adds, biases not counted.
INCEPTION_3A = {"size": 28, "channels": 192, "reduce_5x5": 16, "filters_5x5": 32}


def _branch_madds(reduced: bool, own_cost: bool = True) -> float:
    s, c, r, f = (INCEPTION_3A[k] for k in ("size", "channels", "reduce_5x5", "filters_5x5"))
    if not reduced:
        return s * s * 5 * 5 * c * f / 1e6
    return (s * s * c * r * own_cost + s * s * 5 * 5 * r * f) / 1e6


_INCEPTION_SLIPS = {
    round(_branch_madds(True, own_cost=False), 2):
        "the 1x1 reduction costs multiply-adds too: 28 x 28 x 192 x 16 of them",
    round(_branch_madds(False), 2): "that is the branch without the reduction",
    round(_branch_madds(True) * 1e6 / (28 * 28) / 1e6, 4):
        "that counts the weights (one output position); every weight is used at all 28 x 28 positions",
}


# -- predict: where VGG-16's activations are ----------------------------------------------------
def _vgg_block_activations() -> dict[str, int]:
    from ..models import VGG16_BLOCKS

    size, found = 224, {}
    for b, block in enumerate(VGG16_BLOCKS, start=1):
        found[f"block{b}"] = sum(size * size * f for f in block)      # 'same' convolutions keep the size
        size //= 2                                                    # the block's 2x2 max pool
    found["fc"] = 4096 + 4096 + 1000
    return found


def _vgg_most_activations() -> str:
    counts = _vgg_block_activations()
    return max(counts, key=counts.get)


# -- interpret: the naive Inception module's costliest branch ---------------------------------------
def _naive_branch_madds() -> dict[str, int]:
    filters = {"1x1": (1, 64), "3x3": (3, 128), "5x5": (5, 32)}
    found = {name: 28 * 28 * k * k * 192 * f for name, (k, f) in filters.items()}
    found["pool"] = 0                                     # comparisons, no multiply-adds
    return found


def _costliest_branch() -> str:
    costs = _naive_branch_madds()
    return max(costs, key=costs.get)


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
    Answer(
        "alexnet_conv1_params",
        "how many parameters has AlexNet's first layer: 96 filters of 11 x 11 on a 227 x 227 x 3 "
        "image, stride 4?",
        kind="compute",
        expected=_alexnet_conv1,
        explain="11 x 11 x 3 x 96 + 96 = 34,944: each of the 96 filters has one weight per cell of its "
                "11 x 11 x 3 window and one bias; the stride and image size change the output, not the "
                "weights.",
        slips=_ALEXNET_SLIPS,
    ),
    Answer(
        "inception_5x5_madds",
        "Inception (3a), 5x5 branch, on a 28 x 28 x 192 input: a 1x1 convolution to 16 channels, "
        "then 32 filters of 5x5 ('same'). How many million multiply-adds (biases left out)?",
        kind="compute",
        expected=lambda: _branch_madds(True),
        explain="28 x 28 x 192 x 16 = 2.41M for the reduction plus 28 x 28 x 5 x 5 x 16 x 32 = 10.04M "
                "for the 5x5 layer: 12.44M, against 120.42M for 32 filters of 5x5 on all 192 "
                "channels, about 9.7 times less.",
        tolerance=0.01,
        slips=_INCEPTION_SLIPS,
    ),
    Answer(
        "vgg_most_activations",
        "which part of VGG-16 holds the most activations for one 224 x 224 image: 'block1', "
        "'block2', 'block3', 'block4', 'block5' (the convolution blocks) or 'fc'?",
        kind="predict",
        expected=_vgg_most_activations,
        explain="block1: two 224 x 224 x 64 maps, 6.4 million numbers, almost half of what all the "
                "convolutions output; each pool halves the height and width (4x fewer pixels) while "
                "the channels at most double.",
        choices=("block1", "block2", "block3", "block4", "block5", "fc"),
        slips={
            "fc": "the fully connected layers hold most of the parameters, but only 4096 + 4096 + 1000 "
                  "activations",
            "block5": "block5 has the most channels (512) but only 14 x 14 pixels per map",
            "block4": "block4 has 512 channels, but on 28 x 28 pixels: 1.2 million numbers",
            "block3": "block3: three 56 x 56 x 256 maps, 2.4 million numbers; look at the first block",
            "block2": "block2: two 112 x 112 x 128 maps, 3.2 million numbers; look at the first block",
        },
    ),
    Answer(
        "inception_costliest_branch",
        "in the naive Inception module's table, which branch costs the most multiply-adds: "
        "'1x1', '3x3', '5x5' or 'pool'?",
        kind="interpret",
        expected=_costliest_branch,
        explain="the 3x3 branch: 9 x 192 x 128 = 221,184 weights, each used at 28 x 28 positions "
                "(173M multiply-adds); the 5x5 branch has bigger kernels but only 32 filters "
                "(25 x 192 x 32 = 153,600 weights, 120M).",
        choices=("1x1", "3x3", "5x5", "pool"),
        slips={
            "5x5": "its kernels are the largest, but it has 32 filters against the 3x3 branch's 128: "
                   "25 x 32 = 800 < 9 x 128 = 1,152 weights per input channel",
            "pool": "pooling has no weights: it compares, it does not multiply",
            "1x1": "the 1x1 branch is the cheapest convolution: 192 x 64 weights",
        },
    ),
]
