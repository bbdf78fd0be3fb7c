"""Tests for dlnotes.models: the Keras builders of the CNN chapter.

* parameter counts, each against a count by hand (and VGG-16 against
  ``tf.keras.applications.VGG16``);
* output shapes of a small batch (LeNet-5, the Inception block) or of
  ``compute_output_shape`` and one zero image (AlexNet, VGG-16, to stay cheap);
* LeNet-5's layer order and the Inception block's channel order;
* ``summary_table`` against ``count_params``;
* bad arguments raise naming the argument; ``import dlnotes`` stays free of TensorFlow.

VGG-16 (138 million weights) is built once for the module.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from conftest import assert_close

from dlnotes import models

# By hand, weights + biases per layer (kernel K x K x C_in x C_out + C_out).
# LeNet-5 on (32, 32, 1): 32 -conv5-> 28 -pool-> 14 -conv5-> 10 -pool-> 5; 5*5*16 = 400 flat.
LENET5_PARAMS = (
    5 * 5 * 1 * 6 + 6  # conv1: 156
    + 5 * 5 * 6 * 16 + 16  # conv2: 2,416
    + 400 * 120 + 120  # fc1: 48,120
    + 120 * 84 + 84  # fc2: 10,164
    + 84 * 10 + 10  # output: 850
)  # = 61,706
# AlexNet on (227, 227, 3): (227-11)/4+1 = 55 -pool-> 27 -same-> 27 -pool-> 13 -same x3-> 13 -pool-> 6;
# 6*6*256 = 9,216 flat.
ALEXNET_PARAMS = (
    11 * 11 * 3 * 96 + 96  # conv1: 34,944
    + 5 * 5 * 96 * 256 + 256  # conv2: 614,656
    + 3 * 3 * 256 * 384 + 384  # conv3: 885,120
    + 3 * 3 * 384 * 384 + 384  # conv4: 1,327,488
    + 3 * 3 * 384 * 256 + 256  # conv5: 884,992
    + 9216 * 4096 + 4096  # fc6: 37,752,832
    + 4096 * 4096 + 4096  # fc7: 16,781,312
    + 4096 * 1000 + 1000  # output: 4,097,000
)  # = 62,378,344
VGG16_PARAMS = 138_357_544


@pytest.fixture(scope="module")
def vgg(tf):
    return models.vgg16()


@pytest.fixture(scope="module")
def alex(tf):
    return models.alexnet()


@pytest.fixture(scope="module")
def lenet(tf):
    return models.lenet5()


# ------------------------------------------------------- parameter counts


def test_hand_counts_are_the_documented_numbers():
    assert LENET5_PARAMS == 61_706 == 156 + 2_416 + 48_120 + 10_164 + 850
    assert ALEXNET_PARAMS == 62_378_344
    assert 55_000_000 <= ALEXNET_PARAMS <= 65_000_000


def test_lenet5_parameter_count(lenet):
    assert models.count_params(lenet) == LENET5_PARAMS
    per_layer = {row["name"]: row["params"] for row in models.summary_table(lenet)}
    assert [per_layer[k] for k in ("conv1", "conv2", "fc1", "fc2", "output")] == [156, 2_416, 48_120, 10_164, 850]


def test_alexnet_parameter_count(alex):
    got = models.count_params(alex)
    assert got == ALEXNET_PARAMS, f"{got:,} != {ALEXNET_PARAMS:,}"
    assert 55_000_000 <= got <= 65_000_000


def test_vgg16_parameter_count_matches_keras_applications(tf, vgg):
    reference = tf.keras.applications.VGG16(weights=None)
    want = reference.count_params()
    del reference
    assert models.count_params(vgg) == want == VGG16_PARAMS


def test_count_params_is_a_python_int(lenet):
    assert type(models.count_params(lenet)) is int


@pytest.mark.parametrize("num_classes, want", [(2, LENET5_PARAMS - 8 * 85), (26, LENET5_PARAMS + 16 * 85)])
def test_lenet5_output_layer_grows_with_num_classes(tf, num_classes, want):
    model = models.lenet5(num_classes=num_classes)
    assert models.count_params(model) == want
    assert model.output_shape == (None, num_classes)


# ---------------------------------------------------------- output shapes


def test_lenet5_forward_pass_gives_probabilities(tf, lenet, rng):
    x = rng.uniform(size=(3, 32, 32, 1)).astype(np.float32)
    p = np.asarray(lenet(x))
    assert p.shape == (3, 10)
    assert_close("lenet5 rows sum to 1", p.sum(axis=1), np.ones(3), rtol=1e-5)


def test_lenet5_on_mnist_sized_input(tf):
    model = models.lenet5(input_shape=(28, 28, 1))
    # 28 -> 24 -> 12 -> 8 -> 4: 4*4*16 = 256 inputs to fc1.
    assert models.count_params(model) == LENET5_PARAMS - (400 - 256) * 120
    assert model(np.zeros((2, 28, 28, 1), np.float32)).shape == (2, 10)


def test_alexnet_shapes(tf, alex):
    assert tuple(alex.compute_output_shape((4, 227, 227, 3))) == (4, 1000)
    want = {"conv1": (None, 55, 55, 96), "pool1": (None, 27, 27, 96), "pool2": (None, 13, 13, 256),
            "pool5": (None, 6, 6, 256), "flatten": (None, 9216), "output": (None, 1000)}
    got = {row["name"]: row["output_shape"] for row in models.summary_table(alex)}
    assert {k: got[k] for k in want} == want
    p = np.asarray(alex(np.zeros((1, 227, 227, 3), np.float32)))
    assert p.shape == (1, 1000)
    assert_close("alexnet probabilities sum to 1", p.sum(), 1.0, rtol=1e-5)


def test_vgg16_shapes(tf, vgg):
    assert tuple(vgg.compute_output_shape((2, 224, 224, 3))) == (2, 1000)
    got = {row["name"]: row["output_shape"] for row in models.summary_table(vgg)}
    for b, size in enumerate((112, 56, 28, 14, 7), start=1):
        assert got[f"block{b}_pool"][1:3] == (size, size), (b, got[f"block{b}_pool"])
    assert got["flatten"] == (None, 7 * 7 * 512)
    assert vgg(np.zeros((1, 224, 224, 3), np.float32)).shape == (1, 1000)


def test_vgg16_layers_match_keras_applications(tf, vgg):
    reference = tf.keras.applications.VGG16(weights=None)
    ours = [(r["name"], r["output_shape"], r["params"]) for r in models.summary_table(vgg)]
    theirs = [(r["name"], r["output_shape"], r["params"]) for r in models.summary_table(reference)
              if r["type"] != "InputLayer"]
    del reference
    assert ours == theirs


# ------------------------------------------------------------ layer order


def test_lenet5_layer_order(tf, lenet):
    L = tf.keras.layers
    want = [L.Conv2D, L.MaxPooling2D, L.Conv2D, L.MaxPooling2D, L.Flatten, L.Dense, L.Dense, L.Dense]
    assert [type(layer) for layer in lenet.layers] == want
    convs = [layer for layer in lenet.layers if isinstance(layer, L.Conv2D)]
    assert [(c.filters, c.kernel_size) for c in convs] == [(6, (5, 5)), (16, (5, 5))]
    dense = [layer for layer in lenet.layers if isinstance(layer, L.Dense)]
    assert [d.units for d in dense] == [120, 84, 10]
    assert [layer.activation.__name__ for layer in convs + dense] == ["relu"] * 4 + ["softmax"]
    assert [p.pool_size for p in lenet.layers if isinstance(p, L.MaxPooling2D)] == [(2, 2), (2, 2)]


def test_lenet5_classic_is_lecuns_squashing_and_average_subsampling(tf, rng):
    L = tf.keras.layers
    classic = models.lenet5(classic=True)
    want = [L.Conv2D, L.AveragePooling2D, L.Conv2D, L.AveragePooling2D, L.Flatten, L.Dense, L.Dense, L.Dense]
    assert [type(layer) for layer in classic.layers] == want
    hidden = [layer for layer in classic.layers if isinstance(layer, (L.Conv2D, L.Dense))]
    assert [layer.activation for layer in hidden[:-1]] == [models.lecun_tanh] * 4
    assert hidden[-1].activation.__name__ == "softmax"
    assert classic.name == "lenet5_classic"
    # Same shapes and parameters as the modern version: the changes have no weights.
    modern = models.lenet5()
    assert [(r["name"], r["output_shape"], r["params"]) for r in models.summary_table(classic)] == \
        [(r["name"], r["output_shape"], r["params"]) for r in models.summary_table(modern)]
    # Loaded with the modern network's weights, the classic one computes tanh and means where the
    # modern one computes ReLU and maxima: checked layer by layer against numpy.
    classic.set_weights(modern.get_weights())
    x = rng.uniform(size=(2, 32, 32, 1)).astype(np.float32)
    a = x
    for layer in classic.layers:
        if isinstance(layer, L.Conv2D):
            kernel, bias = layer.get_weights()
            a = 1.7159 * np.tanh(2 / 3 * (np.asarray(tf.nn.conv2d(a, kernel, 1, "VALID")) + bias))
        elif isinstance(layer, L.AveragePooling2D):
            n, h, w, c = a.shape
            a = a.reshape(n, h // 2, 2, w // 2, 2, c).mean(axis=(2, 4))
        elif isinstance(layer, L.Flatten):
            a = a.reshape(len(a), -1)
        else:
            kernel, bias = layer.get_weights()
            z = a @ kernel + bias
            a = np.exp(z - z.max(1, keepdims=True)) / np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True) \
                if layer.name == "output" else 1.7159 * np.tanh(2 / 3 * z)
    assert_close("lenet5(classic=True) against numpy", np.asarray(classic(x)), a, rtol=1e-4, atol=1e-6)
    assert not np.allclose(np.asarray(modern(x)), a, atol=1e-3)     # the two versions differ


def test_lecun_tanh_maps_one_to_one(tf):
    a = np.array([-1.0, 0.0, 1.0, 30.0], np.float32)
    got = np.asarray(models.lecun_tanh(tf.constant(a)))
    assert_close("lecun_tanh", got, 1.7159 * np.tanh(2 * a / 3), rtol=1e-6, atol=1e-7)
    assert abs(got[2] - 1.0) < 1e-4 and abs(got[0] + 1.0) < 1e-4 and got[1] == 0.0
    assert abs(got[3] - 1.7159) < 1e-5          # saturates at A, not at 1


def test_alexnet_layer_order(tf, alex):
    L = tf.keras.layers
    types = [type(layer).__name__ for layer in alex.layers]
    assert types == ["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Conv2D", "Conv2D", "Conv2D",
                     "MaxPooling2D", "Flatten", "Dense", "Dropout", "Dense", "Dropout", "Dense"]
    assert [d.rate for d in alex.layers if isinstance(d, L.Dropout)] == [0.5, 0.5]


# -------------------------------------------------------- inception block


def test_inception_block_default_shape_and_params(tf):
    block = models.inception_naive_block()
    assert block.output_shape == (None, 28, 28, 416)
    assert models.count_params(block) == (192 * 64 + 64) + (9 * 192 * 128 + 128) + (25 * 192 * 32 + 32)
    concat = block.get_layer("concat")
    assert [tuple(t.shape) for t in concat.input] == [
        (None, 28, 28, 64), (None, 28, 28, 128), (None, 28, 28, 32), (None, 28, 28, 192)]


def test_inception_block_concatenates_branches_in_order(tf, rng):
    filters = (2, 3, 4)
    block = models.inception_naive_block(input_shape=(7, 5, 3), filters=filters)
    x = rng.standard_normal((2, 7, 5, 3)).astype(np.float32)
    got = np.asarray(block(x))
    assert got.shape == (2, 7, 5, 2 + 3 + 4 + 3)
    parts = [np.asarray(block.get_layer(n)(x)) for n in ("branch_1x1", "branch_3x3", "branch_5x5")]
    parts.append(np.asarray(tf.nn.max_pool2d(x, 3, 1, "SAME")))
    assert_close("inception block output", got, np.concatenate(parts, axis=-1), rtol=1e-6, atol=1e-6)


def test_inception_block_channels_are_identifiable(tf, rng):
    # Branch k's kernels set to zero and its biases to k + 1: after ReLU the
    # 1x1, 3x3 and 5x5 channels read 1, 2 and 3; the pool channels are the max
    # of a constant input, 7. So each channel names its branch.
    block = models.inception_naive_block(input_shape=(6, 6, 2), filters=(1, 2, 3))
    for k, name in enumerate(("branch_1x1", "branch_3x3", "branch_5x5")):
        layer = block.get_layer(name)
        kernel, bias = layer.get_weights()
        layer.set_weights([np.zeros_like(kernel), np.full_like(bias, k + 1)])
    got = np.asarray(block(np.full((1, 6, 6, 2), 7.0, np.float32)))
    want_channels = [1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 7.0, 7.0]
    assert_close("channel values", got, np.broadcast_to(want_channels, (1, 6, 6, 8)), rtol=0, atol=0)


# -------------------------------------------------------------- summary


@pytest.mark.parametrize("build", ["lenet", "alex", "vgg", "inception"])
def test_summary_table_rows_sum_to_count_params(tf, request, build):
    model = models.inception_naive_block() if build == "inception" else request.getfixturevalue(build)
    rows = models.summary_table(model)
    assert len(rows) == len(model.layers)
    assert all(set(r) == {"name", "type", "output_shape", "params"} for r in rows)
    assert all(isinstance(r["params"], int) and isinstance(r["output_shape"], tuple) for r in rows)
    assert sum(r["params"] for r in rows) == models.count_params(model)
    assert rows[-1]["output_shape"] == tuple(model.output_shape)


def test_summary_table_lenet5_rows(lenet):
    rows = models.summary_table(lenet)
    assert [(r["name"], r["type"], r["output_shape"]) for r in rows] == [
        ("conv1", "Conv2D", (None, 28, 28, 6)),
        ("pool1", "MaxPooling2D", (None, 14, 14, 6)),
        ("conv2", "Conv2D", (None, 10, 10, 16)),
        ("pool2", "MaxPooling2D", (None, 5, 5, 16)),
        ("flatten", "Flatten", (None, 400)),
        ("fc1", "Dense", (None, 120)),
        ("fc2", "Dense", (None, 84)),
        ("output", "Dense", (None, 10)),
    ]


# ---------------------------------------------------------- bad arguments

BAD_INPUT = [
    pytest.param(lambda: models.lenet5(input_shape=32), TypeError, r"input_shape must be a tuple .*got 32", id="shape-int"),
    pytest.param(lambda: models.lenet5(input_shape=(32, 32)), ValueError, r"input_shape must have 3 entries .*\(32, 32\)", id="shape-2d"),
    pytest.param(lambda: models.alexnet(input_shape=(227, 227, 3, 1)), ValueError, r"input_shape must have 3 entries", id="shape-4d"),
    pytest.param(lambda: models.vgg16(input_shape=(224, 224.0, 3)), TypeError, r"input_shape\[1\] must be a positive integer, got 224\.0", id="shape-float"),
    pytest.param(lambda: models.lenet5(input_shape=(32, 32, 0)), ValueError, r"input_shape\[2\] must be a positive integer, got 0", id="shape-zero"),
    pytest.param(lambda: models.inception_naive_block(input_shape=(28, -1, 3)), ValueError, r"input_shape\[1\] must be a positive integer, got -1", id="inception-shape-negative"),
    pytest.param(lambda: models.lenet5(input_shape=(8, 8, 1)), ValueError, r"input_shape=\(8, 8, 1\) is too small for lenet5: nothing is left after conv2", id="lenet5-8x8"),
    pytest.param(lambda: models.lenet5(input_shape=(15, 32, 1)), ValueError, r"input_shape=\(15, 32, 1\) is too small for lenet5: nothing is left after pool2", id="lenet5-15-high"),
    pytest.param(lambda: models.alexnet(input_shape=(66, 66, 3)), ValueError, r"input_shape=\(66, 66, 3\) is too small for alexnet: nothing is left after pool5", id="alexnet-66"),
    pytest.param(lambda: models.alexnet(input_shape=(10, 10, 3)), ValueError, r"too small for alexnet: nothing is left after conv1", id="alexnet-10"),
    pytest.param(lambda: models.vgg16(input_shape=(31, 224, 3)), ValueError, r"input_shape=\(31, 224, 3\) is too small for vgg16: nothing is left after block5_pool", id="vgg16-31"),
    pytest.param(lambda: models.lenet5(num_classes=1), ValueError, r"num_classes must be at least 2, got 1", id="classes-1"),
    pytest.param(lambda: models.alexnet(num_classes=0), ValueError, r"num_classes must be a positive integer, got 0", id="classes-0"),
    pytest.param(lambda: models.vgg16(num_classes=10.0), TypeError, r"num_classes must be a positive integer, got 10\.0", id="classes-float"),
    pytest.param(lambda: models.lenet5(classic=1), TypeError, r"classic must be True .* or False .*got 1", id="classic-int"),
    pytest.param(lambda: models.lenet5(classic="yes"), TypeError, r"classic must be True .*got 'yes'", id="classic-str"),
    pytest.param(lambda: models.lenet5(num_classes=True), TypeError, r"num_classes must be a positive integer, got True", id="classes-bool"),
    pytest.param(lambda: models.inception_naive_block(filters=(64, 128)), ValueError, r"filters must be three positive integers.*\(64, 128\)", id="filters-two"),
    pytest.param(lambda: models.inception_naive_block(filters=64), TypeError, r"filters must be a tuple of three positive integers.*got 64", id="filters-int"),
    pytest.param(lambda: models.inception_naive_block(filters=(64, 0, 32)), ValueError, r"filters must be a positive integer, got 0", id="filters-zero"),
    pytest.param(lambda: models.inception_naive_block(filters=(64, 1.5, 32)), TypeError, r"filters must be a positive integer, got 1\.5", id="filters-float"),
    pytest.param(lambda: models.summary_table(None), TypeError, r"model must be a Keras model .*got NoneType", id="summary-none"),
    pytest.param(lambda: models.count_params(None), TypeError, r"model must be a Keras model .*got NoneType", id="count-none"),
    pytest.param(lambda: models.count_params("lenet5"), TypeError, r"model must be a Keras model .*got str", id="count-str"),
]


@pytest.mark.parametrize("call, exc, pattern", BAD_INPUT)
def test_bad_arguments_raise_naming_the_argument(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


@pytest.mark.parametrize("build, smallest", [(models.lenet5, (16, 16, 1)), (lambda **k: models.lenet5(classic=True, **k), (16, 16, 1)),
                                             (models.alexnet, (67, 67, 3)),
                                             (models.vgg16, (32, 32, 3))])
def test_smallest_documented_input_builds(tf, build, smallest):
    model = build(input_shape=smallest, num_classes=2)
    assert model.output_shape == (None, 2)


# ------------------------------------------------------------- packaging


@pytest.mark.parametrize("imports", ["dlnotes", "dlnotes, dlnotes.models, dlnotes.data"])
def test_import_does_not_import_tensorflow(imports):
    code = (f"import sys, {imports}\n"
            "heavy = sorted(m for m in ('tensorflow', 'keras') if m in sys.modules)\n"
            "assert not heavy, f'imported {heavy}'")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
