"""Image data for the CNN chapter, offline first.

* :func:`load_digits32`: scikit-learn's bundled 8x8 digits (1,797 images, no
  download ever), upscaled to 32x32, LeNet-5's input size.
* :func:`load_mnist`: MNIST (70,000 images of 28x28) read from Keras' cache
  file, else downloaded by Keras; when neither works it says so in one
  sentence (:data:`FALLBACK_MESSAGE`) and falls back to :func:`load_digits32`,
  so a notebook runs without a network.

Both return a :class:`Split` of float32 images ``(N, 32, 32, 1)`` in [0, 1]
and int64 labels ``(N,)`` in 0..9, plus a ``source`` string saying which data
it is. TensorFlow is imported only to download MNIST.
"""

from __future__ import annotations

import contextlib
import numbers
import os
import sys
import warnings
from collections import namedtuple

import numpy as np

from ._validate import positive_int, real_scalar

__all__ = ["Split", "DatasetFallbackWarning", "DIGITS_SOURCE", "FALLBACK_MESSAGE", "load_digits32", "load_mnist",
           "mnist_cache_path"]

Split = namedtuple("Split", ["x_train", "y_train", "x_test", "y_test", "source"])
Split.__doc__ = """Train/test arrays: x (N, H, W, 1) float32 in [0, 1], y (N,) int64; source names the data."""

DIGITS_SOURCE = "scikit-learn digits (8x8, upscaled to 32x32)"

FALLBACK_MESSAGE = (
    "MNIST could not be loaded, so this uses scikit-learn's bundled digits instead, which need no network."
)
"""What :func:`load_mnist` prints when it falls back.

The same sentence on every machine (the reason is in the warning)."""


class DatasetFallbackWarning(UserWarning):
    """The requested data set could not be had, so another one was returned instead."""


def load_digits32(test_size: float = 0.25, seed: int = 0) -> Split:
    """scikit-learn's 8x8 digits as (N, 32, 32, 1) float32 images in [0, 1], split for training.

    Each pixel (an integer 0..16) is divided by 16, then repeated over a 4x4
    block, so the picture is the same, only bigger: 32x32 is LeNet-5's input
    size, which lets the same model read these and padded MNIST. The split is
    ``train_test_split(..., test_size=test_size, random_state=seed, stratify=y)``:
    every class keeps its share in both parts. With the defaults:
    x_train (1347, 32, 32, 1), x_test (450, 32, 32, 1); labels int64 (N,).
    """
    test_size = real_scalar(test_size, "test_size")
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be a fraction in (0, 1), got {test_size!r}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise TypeError(f"seed must be a non-negative integer, got {seed!r}")
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)  # (1797, 8, 8)
    x = x.repeat(4, axis=1).repeat(4, axis=2)[..., None]  # (1797, 32, 32, 1)
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_size, random_state=int(seed), stratify=y
    )
    return Split(x_train, y_train, x_test, y_test, DIGITS_SOURCE)


def mnist_cache_path() -> str:
    """Where Keras keeps MNIST: ``$KERAS_HOME/datasets/mnist.npz``, else ``~/.keras/datasets/mnist.npz``."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(home, "datasets", "mnist.npz")


def _check_mnist(arrays: dict) -> None:
    """ValueError saying what is wrong unless ``arrays`` look like MNIST.

    x_train, x_test: integer images (N, 28, 28), pixels 0..255;
    y_train, y_test: integer labels (N,), one per image, each 0..9.
    """
    for part in ("train", "test"):
        x, y = arrays["x_" + part], arrays["y_" + part]
        if x.ndim != 3 or x.shape[1:] != (28, 28) or y.shape != (len(x),):
            raise ValueError(f"unexpected shapes x_{part} {x.shape}, y_{part} {y.shape}; "
                             f"expected (N, 28, 28) and (N,)")
        for name, values, top in (("x_" + part, x, 255), ("y_" + part, y, 9)):
            if values.dtype.kind not in "iu":
                raise ValueError(f"{name} has dtype {values.dtype}; expected integers")
            if values.size and (values.min() < 0 or values.max() > top):
                raise ValueError(f"{name} holds values {values.min()}..{values.max()}; expected 0..{top}")


def _read_mnist_npz(path: str):
    """((x_train, y_train), (x_test, y_test)) from Keras' mnist.npz, checked by :func:`_check_mnist`."""
    with np.load(path, allow_pickle=False) as f:
        missing = [k for k in ("x_train", "y_train", "x_test", "y_test") if k not in f.files]
        if missing:
            raise ValueError(f"no array named {', '.join(missing)}")
        arrays = {k: f[k] for k in ("x_train", "y_train", "x_test", "y_test")}
    _check_mnist(arrays)
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _download_mnist():
    """Keras' own loader: downloads mnist.npz into its cache (needs TensorFlow and a network)."""
    import tensorflow as tf

    return tf.keras.datasets.mnist.load_data()


def _fall_back(reason: str) -> Split:
    warnings.warn(f"MNIST is not available ({reason}); using load_digits32() instead",
                  DatasetFallbackWarning, stacklevel=3)
    print(FALLBACK_MESSAGE)
    return load_digits32()


def load_mnist(pad_to: int = 32, fallback: bool = True) -> Split:
    """MNIST as float32 images (N, pad_to, pad_to, 1) in [0, 1]; 60,000 to train, 10,000 to test.

    Looked for in this order:

    1. Keras' cache file (:func:`mnist_cache_path`), read with numpy and
       checked: integer images (N, 28, 28) with pixels 0..255, integer
       labels (N,) in 0..9. A file that cannot be read or is not MNIST is
       left where it is and nothing is downloaded over it (Keras' loader
       deletes its cached file when a download fails): with ``fallback`` a
       warning names the file and what is wrong, without it a ``ValueError``.
    2. When there is no cached file, ``tf.keras.datasets.mnist.load_data()``,
       which downloads it.

    The 28x28 images are divided by 255 and zero-padded to ``pad_to`` (>= 28),
    centred: 2 pixels each side for 32 (an odd margin puts the extra pixel at
    the bottom and right). ``source`` is "MNIST".

    Keras' download messages and progress bar go to stderr, not stdout, so
    that a notebook's stored output does not depend on the network.

    If the download fails: with ``fallback`` the function prints
    :data:`FALLBACK_MESSAGE` (one sentence, no paths or error text), warns
    with the reason (:class:`DatasetFallbackWarning`, on stderr), and returns
    :func:`load_digits32` (always 32x32, whatever ``pad_to``); without it, a
    ``RuntimeError`` gives the reason.
    """
    pad_to = positive_int(pad_to, "pad_to")
    if not isinstance(fallback, (bool, np.bool_)):
        raise TypeError(f"fallback must be True or False, got {fallback!r}")
    if pad_to < 28:
        raise ValueError(f"pad_to must be at least 28 (MNIST images are 28x28), got {pad_to}")

    path = mnist_cache_path()
    if os.path.exists(path):
        # Never hand a file we cannot use to Keras: its loader deletes the
        # cached file when a download fails, so offline the file would be gone.
        try:
            data = _read_mnist_npz(path)
        except Exception as exc:  # truncated, unreadable, a proxy's error page, not MNIST
            problem = f"the cached file {path} cannot be used ({type(exc).__name__}: {exc})"
            if not fallback:
                raise ValueError(f"{problem}; delete it to download MNIST again") from exc
            return _fall_back(f"{problem}; it was left in place: delete it to download MNIST again")
    else:
        try:
            with contextlib.redirect_stdout(sys.stderr):   # "Downloading data from ...", the progress bar
                data = _download_mnist()
            (x_train, y_train), (x_test, y_test) = data
            _check_mnist({"x_train": np.asarray(x_train), "y_train": np.asarray(y_train),
                          "x_test": np.asarray(x_test), "y_test": np.asarray(y_test)})
        except Exception as exc:  # no TensorFlow, no network, a proxy error page, ...
            reason = f"no cached file {path}; download failed: {type(exc).__name__}: {exc}"
            if not fallback:
                raise RuntimeError(f"MNIST is not available ({reason})") from exc
            return _fall_back(reason)

    before = (pad_to - 28) // 2
    margin = ((0, 0), (before, pad_to - 28 - before), (before, pad_to - 28 - before))
    (x_train, y_train), (x_test, y_test) = data

    def images(x):
        return np.pad(np.asarray(x, dtype=np.float32) / 255.0, margin)[..., None]

    return Split(images(x_train), np.asarray(y_train, dtype=np.int64),
                 images(x_test), np.asarray(y_test, dtype=np.int64), "MNIST")
