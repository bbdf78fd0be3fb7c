"""Chapter 5b: CNN architectures (notebook 05b).

AlexNet conv1's parameters (compute), the 5x5 branch of Inception (3a) with
and without its 1x1 reduction (compute), the VGG-16 block holding the most
activations (predict), the costliest branch of the naive Inception module
(interpret).
"""

from __future__ import annotations

from ._checking import Answer

__all__: list[str] = []  # no public functions: reached through dlnotes.exercises


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
