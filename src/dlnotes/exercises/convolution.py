"""Chapter 5: convolutional networks."""

from __future__ import annotations

import numpy as np

from ._checking import Failed, call, call_raw, compare


# -- exercises: convolutional networks ---------------------------------------------------------
_SIZE_CASES = [(32, 5, 1, "valid"), (28, 3, 1, "same"), (7, 3, 2, "valid"), (7, 3, 2, "same"),
               (227, 11, 4, "valid"), (6, 4, 3, "same"), (10, 1, 3, "valid")]


def _output_size_values(fn):
    from ..conv import conv_output_size

    for size, kernel, stride, padding in _SIZE_CASES:
        got = call_raw(fn, size, kernel, stride, padding)
        want = conv_output_size(size, kernel, stride, padding)
        if got != want:
            raise Failed(f"size={size}, kernel={kernel}, stride={stride}, padding={padding!r}: "
                          f"you returned {got!r}, TensorFlow gives {want}")


def _max_pool_values(fn):
    from ..pooling import max_pool2d

    image = np.random.default_rng(9).permutation(48).reshape(6, 8).astype(float)
    want = max_pool2d(image[None, :, :, None], 2)[0, :, :, 0]
    compare(call(fn, image), want, None, "a 6x8 image")


def _max_pool_negative(fn):
    image = -1.0 - np.arange(16.0).reshape(4, 4)
    want = np.array([[-1.0, -3.0], [-9.0, -11.0]])
    compare(call(fn, image), want, None, "an image of negative values (start from -inf, not 0)")


EXERCISES = {
    "output_size": (
        "output_size(size, kernel, stride, padding): the output length of a convolution along one axis",
        [("matches TensorFlow for valid and same padding", _output_size_values)],
    ),
    "max_pool": (
        "max_pool_2x2(image): 2x2 max pooling with stride 2 of an (H, W) array",
        [
            ("matches on a 6x8 image", _max_pool_values),
            ("works for negative values", _max_pool_negative),
        ],
    ),
}
