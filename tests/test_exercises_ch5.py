"""Chapter 5's exercises (notebooks 05 and 05b): the numbers their prompts and explanations state are computed.

The generic mutation tests (reference passes, slips named, None fails) are in
tests/test_exercises.py; here, what only these exercises claim.
"""

from __future__ import annotations

import numpy as np
import pytest

from dlnotes.conv import conv_output_size
from dlnotes.exercises import EXERCISES, answer, check
from dlnotes.exercises import architectures as ch5b
from dlnotes.exercises import convolution as ch5
from dlnotes.pooling import max_pool2d_backward, max_pool2d_forward


def explain(name: str) -> str:
    return EXERCISES[name].explain


def test_stack_output_size_follows_the_explanation_and_its_slips_are_distinct():
    sizes, n = [], ch5.STACK_INPUT
    for kernel, stride, padding in ch5.STACK:
        n = conv_output_size(n, kernel, stride, padding)
        sizes.append(n)
    assert sizes == [112, 55, 55, 28, 26]
    assert "112" in explain("stack_output_size") and "26" in explain("stack_output_size")
    slips = ch5._stack_slips()
    assert len(slips) == 4 and 26 not in slips        # every slip a different wrong number
    assert set(slips) == {24, 23, 25, 220}


def test_receptive_field_is_measured_by_backpropagation():
    from dlnotes.conv import conv2d_backward, conv2d_forward

    x = np.zeros((1, 15, 15, 1))
    caches = []
    for _ in range(3):
        x, cache = conv2d_forward(x, np.ones((3, 3, 1, 1)), padding="same")
        caches.append(cache)
    grad = np.zeros_like(x)
    grad[0, 7, 7, 0] = 1.0
    for cache in reversed(caches):
        grad = conv2d_backward(grad, cache)[0]
    assert np.any(grad[0] != 0, axis=(0, 2)).sum() == ch5._receptive_field() == 7
    assert 3 * 9 == 27 and 7 * 7 == 49                  # the 27C^2 / 49C^2 of the explanation


def test_max_pool_reference_agrees_with_dlnotes_when_windows_overlap(rng):
    x = ch5._distinct(rng, (9, 9))
    out, cache = max_pool2d_forward(x[None, :, :, None], 3, strides=2)
    dout = rng.normal(size=out.shape[1:3])
    want = max_pool2d_backward(dout[None, :, :, None], cache)[0, :, :, 0]
    assert np.allclose(ch5._max_pool_backward_reference(dout, x, 3, 2), want)
    # the overlap case really has a cell that wins two windows, so "=" instead of "+=" is caught
    x = ch5._distinct(rng, (7, 7))
    x[2, 2] = x.max() + 1.0
    dout = rng.normal(size=(3, 3))
    assert not np.allclose(ch5._max_pool_assigned(dout, x, 3, 2), ch5._max_pool_backward_reference(dout, x, 3, 2))


def test_conv_reference_agrees_with_dlnotes(rng):
    from dlnotes.conv import conv2d_backward, conv2d_forward

    x, k = rng.normal(size=(6, 5)), rng.normal(size=(2, 3))
    out, cache = conv2d_forward(x[None, :, :, None], k[:, :, None, None])
    dout = rng.normal(size=out.shape[1:3])
    dx, dk, _ = conv2d_backward(dout[None, :, :, None], cache)
    got_dx, got_dk = ch5._conv_backward_reference(dout, x, k)
    assert np.allclose(got_dx, dx[0, :, :, 0]) and np.allclose(got_dk, dk[:, :, 0, 0])


def test_pooling_shift_is_about_a_third():
    kept = ch5._shift_survivors(1)
    assert 0.3 < kept < 0.4                              # "about a third"
    assert ch5._shift_survivors(2) < 0.1
    for wrong in (0.0, 0.5, 1.0):
        assert not answer("pooling_shift", wrong).passed


def test_alexnet_and_inception_numbers_of_the_explanations():
    assert ch5b._alexnet_conv1() == 34_944 and "34,944" in explain("alexnet_conv1_params")
    reduced, naive = ch5b._branch_madds(True), ch5b._branch_madds(False)
    assert f"{reduced:.2f}M" in explain("inception_5x5_madds")
    assert f"{naive:.2f}M" in explain("inception_5x5_madds")
    assert round(naive / reduced, 1) == 9.7 and "9.7" in explain("inception_5x5_madds")
    assert f"{28 * 28 * 192 * 16 / 1e6:.2f}M" in explain("inception_5x5_madds")
    for wrong in (10.04, 120.42, 0.0159):
        assert not answer("inception_5x5_madds", wrong).passed


def test_vgg_and_naive_inception_explanations():
    counts = ch5b._vgg_block_activations()
    assert counts["block1"] == 2 * 224 * 224 * 64
    assert 0.45 < counts["block1"] / sum(counts.values()) < 0.5      # "almost half"
    assert f"{counts['block1'] / 1e6:.1f} million" in explain("vgg_most_activations")
    costs = ch5b._naive_branch_madds()
    assert f"{costs['3x3'] / 1e6:.0f}M" in explain("inception_costliest_branch")
    assert f"{costs['5x5'] / 1e6:.0f}M" in explain("inception_costliest_branch")
    assert answer("inception_costliest_branch", "3x3").passed


@pytest.mark.parametrize("name", ["max_pool_backward", "conv_backward"])
def test_a_transposed_or_scaled_gradient_fails(name):
    reference = EXERCISES[name].reference

    def doubled(*args):
        out = reference(*args)
        return tuple(2 * o for o in out) if isinstance(out, tuple) else 2 * out

    assert not check(name, doubled).passed
