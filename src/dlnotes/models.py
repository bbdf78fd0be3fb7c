"""Keras builders for the classic convolutional networks of the CNN chapter (untrained).

Each builder returns a ``tf.keras.Model`` with Keras' default initialisers;
the notebooks compile and train it. Shapes are channels-last, ``(N, H, W, C)``.

* :func:`lenet5`: LeCun et al. (1998), 61,706 parameters on (32, 32, 1);
  ``classic=True`` for the paper's scaled tanh (:func:`lecun_tanh`) and
  average subsampling, the default for ReLU and max pooling.
* :func:`alexnet`: Krizhevsky et al. (2012) as one tower, 62,378,344 parameters.
* :func:`vgg16`: Simonyan and Zisserman (2015), configuration D, 138,357,544
  parameters, the same as ``tf.keras.applications.VGG16(weights=None)``.
* :func:`inception_naive_block`: the naive Inception module of Szegedy et al. (2014).

:func:`summary_table` and :func:`count_params` give the notebooks the numbers
behind ``model.summary()``.

TensorFlow is imported inside the builders, so ``import dlnotes.models`` stays light.
A builder checks that its input is large enough before calling Keras and names
``input_shape`` when it is not, instead of letting a layer fail on a zero size.
"""

from __future__ import annotations

from ._geometry import geometry
from ._validate import positive_int

__all__ = ["lenet5", "alexnet", "vgg16", "inception_naive_block", "summary_table", "count_params"]

# ------------------------------------------------------------------ checks


def _input_shape(input_shape) -> tuple[int, int, int]:
    """(height, width, channels) as three positive ints."""
    if not isinstance(input_shape, (tuple, list)):
        raise TypeError(f"input_shape must be a tuple (height, width, channels), got {input_shape!r}")
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must have 3 entries (height, width, channels), got {tuple(input_shape)!r}")
    return tuple(positive_int(v, f"input_shape[{i}]") for i, v in enumerate(input_shape))


def _num_classes(num_classes) -> int:
    num_classes = positive_int(num_classes, "num_classes")
    if num_classes < 2:
        raise ValueError(f"num_classes must be at least 2, got {num_classes!r}")
    return num_classes


def _check_spatial(model_name: str, input_shape: tuple, steps) -> None:
    """Follow height and width through ``steps`` = [(layer, kernel, stride, padding), ...].

    Output sizes are :func:`dlnotes._geometry.geometry`'s, the rule conv2d and
    the pooling layers use. Raises ``ValueError`` naming ``input_shape`` at the
    first layer whose window no longer fits (the layer would have no pixels).
    """
    size = input_shape[:2]
    for layer, kernel, stride, padding in steps:
        try:
            size, _ = geometry(size, (kernel, kernel), (stride, stride), padding, name=layer)
        except ValueError:
            raise ValueError(
                f"input_shape={input_shape!r} is too small for {model_name}: "
                f"nothing is left after {layer} (kernel {kernel}, stride {stride}, padding {padding!r})"
            ) from None


# ---------------------------------------------------------------- builders


LECUN_TANH = (1.7159, 2 / 3)   # f(a) = A tanh(S a): LeCun et al. (1998), appendix A


def lecun_tanh(a):
    """LeNet-5's squashing function, f(a) = 1.7159 tanh(2a / 3), on a TensorFlow tensor.

    LeCun et al. (1998) chose A = 1.7159 and S = 2/3 so that f(1) = 1 and
    f(-1) = -1, with the steepest slope, f'(0) = A S = 1.14, around 0. Used
    by ``lenet5(classic=True)``; the numpy twin is ``1.7159 * np.tanh(2 * a / 3)``.
    """
    import tensorflow as tf

    scale, slope = LECUN_TANH
    return scale * tf.tanh(slope * a)


def lenet5(input_shape=(32, 32, 1), num_classes: int = 10, classic: bool = False):
    """LeNet-5: two conv/subsampling stages, then three dense layers.

    ========  =============================  ==============  ==========
    layer     Keras layer                    output shape    parameters
    ========  =============================  ==============  ==========
    conv1     Conv2D(6, 5, relu)             (N, 28, 28, 6)         156
    pool1     MaxPool2D(2)                   (N, 14, 14, 6)           0
    conv2     Conv2D(16, 5, relu)            (N, 10, 10, 16)      2,416
    pool2     MaxPool2D(2)                   (N, 5, 5, 16)            0
    flatten   Flatten                        (N, 400)                 0
    fc1       Dense(120, relu)               (N, 120)            48,120
    fc2       Dense(84, relu)                (N, 84)             10,164
    output    Dense(num_classes, softmax)    (N, 10)                850
    ========  =============================  ==============  ==========

    Shapes and counts are for the defaults: 61,706 parameters in all. The
    input must be at least 16x16 (anything smaller leaves no pixel after
    pool2; a ``ValueError`` names ``input_shape``).

    classic=False (the default) is the modern version, in the chapter's
    order: ReLU after every hidden layer and max pooling. The chapter lists
    "Fully Connected (ReLU) 1 | Fully Connected 2 | Output"; a second fully
    connected layer with no activation would be a linear map feeding another
    linear map, which collapses into the output layer, so ReLU is used on both.

    classic=True is LeNet-5 as LeCun et al. (1998) built it, as far as Keras'
    standard layers go: every hidden layer squashes with :func:`lecun_tanh`,
    1.7159 tanh(2a/3), and the pooling layers are average subsampling
    (AveragePooling2D(2)). Same shapes, same 61,706 parameters. Left out:
    each subsampling map's trainable coefficient and bias (6 + 6 and
    16 + 16 numbers in the paper), C3's table connecting each of the 16
    maps to only some of the 6 below (1,516 weights there, not 2,416), and
    the output layer of Euclidean radial basis functions (a softmax here).
    ``x: (N, 32, 32, 1) -> (N, num_classes)`` probabilities in both versions.
    """
    input_shape, num_classes = _input_shape(input_shape), _num_classes(num_classes)
    if not isinstance(classic, bool):
        raise TypeError(f"classic must be True (LeCun's 1998 tanh and average subsampling) "
                        f"or False (ReLU and max pooling), got {classic!r}")
    _check_spatial("lenet5", input_shape, [("conv1", 5, 1, "valid"), ("pool1", 2, 2, "valid"),
                                           ("conv2", 5, 1, "valid"), ("pool2", 2, 2, "valid")])
    import tensorflow as tf

    L = tf.keras.layers
    squash, pool = (lecun_tanh, L.AveragePooling2D) if classic else ("relu", L.MaxPool2D)
    return tf.keras.Sequential([
        tf.keras.Input(shape=input_shape),
        L.Conv2D(6, 5, activation=squash, name="conv1"),
        pool(2, name="pool1"),
        L.Conv2D(16, 5, activation=squash, name="conv2"),
        pool(2, name="pool2"),
        L.Flatten(name="flatten"),
        L.Dense(120, activation=squash, name="fc1"),
        L.Dense(84, activation=squash, name="fc2"),
        L.Dense(num_classes, activation="softmax", name="output"),
    ], name="lenet5_classic" if classic else "lenet5")


def alexnet(input_shape=(227, 227, 3), num_classes: int = 1000):
    """AlexNet as a single tower: five convolutions, three max pools, three dense layers.

    ========  ========================================  =================  ==========
    layer     Keras layer                               output shape       parameters
    ========  ========================================  =================  ==========
    conv1     Conv2D(96, 11, strides=4, relu)           (N, 55, 55, 96)        34,944
    pool1     MaxPool2D(3, strides=2)                   (N, 27, 27, 96)             0
    conv2     Conv2D(256, 5, padding="same", relu)      (N, 27, 27, 256)      614,656
    pool2     MaxPool2D(3, strides=2)                   (N, 13, 13, 256)            0
    conv3     Conv2D(384, 3, padding="same", relu)      (N, 13, 13, 384)      885,120
    conv4     Conv2D(384, 3, padding="same", relu)      (N, 13, 13, 384)    1,327,488
    conv5     Conv2D(256, 3, padding="same", relu)      (N, 13, 13, 256)      884,992
    pool5     MaxPool2D(3, strides=2)                   (N, 6, 6, 256)              0
    flatten   Flatten                                   (N, 9216)                   0
    fc6       Dense(4096, relu)                         (N, 4096)          37,752,832
    drop6     Dropout(0.5)                              (N, 4096)                   0
    fc7       Dense(4096, relu)                         (N, 4096)          16,781,312
    drop7     Dropout(0.5)                              (N, 4096)                   0
    output    Dense(num_classes, softmax)               (N, 1000)           4,097,000
    ========  ========================================  =================  ==========

    62,378,344 parameters with the defaults (measured; 58% of them in fc6).
    Krizhevsky et al. (2012) split the network over two GPUs: conv2, conv4 and
    conv5 each saw only the half of the previous layer's channels on their
    own GPU (grouped convolutions), which is where the paper's "60 million
    parameters" comes from. Here the groups are merged into one tower, as in
    most re-implementations. Local response normalisation after conv1 and
    conv2 is left out (it has no parameters and later work found it adds
    little). The input must be at least 67x67.
    """
    input_shape, num_classes = _input_shape(input_shape), _num_classes(num_classes)
    _check_spatial("alexnet", input_shape, [("conv1", 11, 4, "valid"), ("pool1", 3, 2, "valid"),
                                            ("conv2", 5, 1, "same"), ("pool2", 3, 2, "valid"),
                                            ("conv5", 3, 1, "same"), ("pool5", 3, 2, "valid")])
    import tensorflow as tf

    L = tf.keras.layers
    return tf.keras.Sequential([
        tf.keras.Input(shape=input_shape),
        L.Conv2D(96, 11, strides=4, activation="relu", name="conv1"),
        L.MaxPool2D(3, strides=2, name="pool1"),
        L.Conv2D(256, 5, padding="same", activation="relu", name="conv2"),
        L.MaxPool2D(3, strides=2, name="pool2"),
        L.Conv2D(384, 3, padding="same", activation="relu", name="conv3"),
        L.Conv2D(384, 3, padding="same", activation="relu", name="conv4"),
        L.Conv2D(256, 3, padding="same", activation="relu", name="conv5"),
        L.MaxPool2D(3, strides=2, name="pool5"),
        L.Flatten(name="flatten"),
        L.Dense(4096, activation="relu", name="fc6"),
        L.Dropout(0.5, name="drop6"),
        L.Dense(4096, activation="relu", name="fc7"),
        L.Dropout(0.5, name="drop7"),
        L.Dense(num_classes, activation="softmax", name="output"),
    ], name="alexnet")


VGG16_BLOCKS = ((64, 64), (128, 128), (256, 256, 256), (512, 512, 512), (512, 512, 512))


def vgg16(input_shape=(224, 224, 3), num_classes: int = 1000):
    """VGG-16, configuration D of Simonyan and Zisserman (2015).

    Thirteen 3x3 convolutions (``padding="same"``, ReLU) in five blocks, each
    block closed by MaxPool2D(2), then three dense layers. Layer names follow
    ``tf.keras.applications.VGG16`` (``block1_conv1`` ... ``predictions``).

    =======  =====================  ===================  ===========
    block    layers                 output shape         parameters
    =======  =====================  ===================  ===========
    1        conv 64, 64; pool      (N, 112, 112, 64)         38,720
    2        conv 128, 128; pool    (N, 56, 56, 128)         221,440
    3        conv 256 x3; pool      (N, 28, 28, 256)       1,475,328
    4        conv 512 x3; pool      (N, 14, 14, 512)       5,899,776
    5        conv 512 x3; pool      (N, 7, 7, 512)         7,079,424
    flatten  Flatten                (N, 25088)                     0
    fc1      Dense(4096, relu)      (N, 4096)            102,764,544
    fc2      Dense(4096, relu)      (N, 4096)             16,781,312
    output   Dense(1000, softmax)   (N, 1000)              4,097,000
    =======  =====================  ===================  ===========

    138,357,544 parameters with the defaults, exactly those of
    ``tf.keras.applications.VGG16(weights=None)``; 74% sit in fc1. The input
    must be at least 32x32 (five halvings).
    """
    input_shape, num_classes = _input_shape(input_shape), _num_classes(num_classes)
    _check_spatial("vgg16", input_shape, [(f"block{b}_pool", 2, 2, "valid") for b in range(1, 6)])
    import tensorflow as tf

    L = tf.keras.layers
    layers = [tf.keras.Input(shape=input_shape)]
    for b, block in enumerate(VGG16_BLOCKS, start=1):
        layers += [L.Conv2D(f, 3, padding="same", activation="relu", name=f"block{b}_conv{i}")
                   for i, f in enumerate(block, start=1)]
        layers.append(L.MaxPool2D(2, name=f"block{b}_pool"))
    layers += [
        L.Flatten(name="flatten"),
        L.Dense(4096, activation="relu", name="fc1"),
        L.Dense(4096, activation="relu", name="fc2"),
        L.Dense(num_classes, activation="softmax", name="predictions"),
    ]
    return tf.keras.Sequential(layers, name="vgg16")


def inception_naive_block(input_shape=(28, 28, 192), filters=(64, 128, 32)):
    """The naive Inception module (Szegedy et al., 2014) as a functional model.

    Four branches read the same input x: (N, H, W, C) and are concatenated on
    the channel axis, in this order:

    ============  ==========================================  ==========================
    branch        Keras layer                                 output shape
    ============  ==========================================  ==========================
    branch_1x1    Conv2D(filters[0], 1, same, relu)           (N, H, W, filters[0])
    branch_3x3    Conv2D(filters[1], 3, same, relu)           (N, H, W, filters[1])
    branch_5x5    Conv2D(filters[2], 5, same, relu)           (N, H, W, filters[2])
    branch_pool   MaxPool2D(3, strides=1, same)               (N, H, W, C)
    concat        Concatenate(axis=-1)                        (N, H, W, sum(filters) + C)
    ============  ==========================================  ==========================

    With the defaults: (N, 28, 28, 64 + 128 + 32 + 192) = (N, 28, 28, 416) and
    12,352 + 221,312 + 153,632 = 387,296 parameters. The pooling branch keeps
    all C input channels, so stacking naive blocks makes the channels grow
    block after block; GoogLeNet's real module puts 1x1 "bottleneck"
    convolutions before the 3x3 and 5x5 convolutions and after the pooling.
    """
    input_shape = _input_shape(input_shape)
    if not isinstance(filters, (tuple, list)):
        raise TypeError(f"filters must be a tuple of three positive integers (1x1, 3x3, 5x5), got {filters!r}")
    if len(filters) != 3:
        raise ValueError(f"filters must be three positive integers (1x1, 3x3, 5x5), got {filters!r}")
    filters = tuple(positive_int(f, "filters") for f in filters)
    import tensorflow as tf

    L = tf.keras.layers
    x = tf.keras.Input(shape=input_shape, name="input")
    branches = [
        L.Conv2D(filters[0], 1, padding="same", activation="relu", name="branch_1x1")(x),
        L.Conv2D(filters[1], 3, padding="same", activation="relu", name="branch_3x3")(x),
        L.Conv2D(filters[2], 5, padding="same", activation="relu", name="branch_5x5")(x),
        L.MaxPool2D(3, strides=1, padding="same", name="branch_pool")(x),
    ]
    y = L.Concatenate(axis=-1, name="concat")(branches)
    return tf.keras.Model(x, y, name="inception_naive_block")


# ----------------------------------------------------------------- summary


def _check_model(model) -> None:
    """A built Keras model (anything with ``layers`` and ``count_params``); TensorFlow is not imported here."""
    if not (hasattr(model, "layers") and callable(getattr(model, "count_params", None))):
        raise TypeError(f"model must be a Keras model such as lenet5(), got {type(model).__name__}")


def summary_table(model) -> list[dict]:
    """One row per layer: ``{"name", "type", "output_shape", "params"}``.

    ``output_shape`` is a tuple with None for the batch axis, e.g.
    ``(None, 28, 28, 6)``; ``params`` counts the layer's weights (trainable or
    not). The ``params`` column sums to :func:`count_params`.
    """
    _check_model(model)
    rows = []
    for layer in model.layers:
        rows.append({
            "name": layer.name,
            "type": type(layer).__name__,
            "output_shape": tuple(layer.output.shape),
            "params": int(layer.count_params()),
        })
    return rows


def count_params(model) -> int:
    """Total number of weights in ``model`` (trainable and non-trainable), as a Python int."""
    _check_model(model)
    return int(model.count_params())
