"""Tests for dlnotes.data: the offline digits and MNIST with its fallback.

No test touches the network: every ``load_mnist`` test points ``KERAS_HOME``
at a temporary folder and replaces the download with a stub.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import assert_close

from dlnotes import data


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    return load_digits()


@pytest.fixture(scope="module")
def split():
    return data.load_digits32()


# ---------------------------------------------------------- load_digits32


def test_digits32_shapes_and_types(split):
    assert isinstance(split, data.Split)
    assert split.x_train.shape == (1347, 32, 32, 1) and split.x_test.shape == (450, 32, 32, 1)
    assert split.y_train.shape == (1347,) and split.y_test.shape == (450,)
    assert split.x_train.dtype == np.float32 and split.x_test.dtype == np.float32
    assert split.y_train.dtype == np.int64 and split.y_test.dtype == np.int64
    assert split.source == "scikit-learn digits (8x8, upscaled to 32x32)"
    for x in (split.x_train, split.x_test):
        assert x.min() == 0.0 and x.max() == 1.0


def test_digits32_blocks_are_the_original_pixels_over_16(split, digits):
    x = np.concatenate([split.x_train, split.x_test])[..., 0]  # (1797, 32, 32)
    labels = np.concatenate([split.y_train, split.y_test])
    blocks = x.reshape(-1, 8, 4, 8, 4)  # image, block row, row in block, block column, column in block
    assert np.all(blocks == blocks[:, :, :1, :, :1]), "every 4x4 block must be constant"
    small = blocks[:, :, 0, :, 0]  # (1797, 8, 8)
    # The split shuffles, so match each image to the originals (pixel / 16) through its bytes.
    originals = {}
    for img, label in zip(digits.images, digits.target):
        originals.setdefault((img / 16).astype(np.float32).tobytes(), set()).add(int(label))
    for i, (img, label) in enumerate(zip(small, labels)):
        assert int(label) in originals.get(img.tobytes(), ()), f"image {i} (label {label}) is no original / 16"
    sorted_bytes = sorted(img.tobytes() for img in small)
    assert sorted_bytes == sorted((img / 16).astype(np.float32).tobytes() for img in digits.images)


def test_digits32_is_stratified(split, digits):
    total = np.bincount(digits.target, minlength=10)
    test = np.bincount(split.y_test, minlength=10)
    train = np.bincount(split.y_train, minlength=10)
    assert np.array_equal(train + test, total)
    # Each class keeps its share: within one example of 25%.
    assert np.all(np.abs(test - 0.25 * total) <= 1), (test, total)


def test_digits32_same_seed_same_split_other_seed_other_split(split):
    again = data.load_digits32(seed=0)
    other = data.load_digits32(seed=1)
    for name in ("x_train", "y_train", "x_test", "y_test"):
        assert np.array_equal(getattr(split, name), getattr(again, name)), name
    assert not np.array_equal(split.y_test, other.y_test) or not np.array_equal(split.x_test, other.x_test)


def test_digits32_test_size():
    s = data.load_digits32(test_size=0.5)
    assert len(s.x_test) == 899 and len(s.x_train) == 898


@pytest.mark.parametrize("kwargs, exc, pattern", [
    pytest.param({"test_size": 0}, ValueError, r"test_size must be a fraction in \(0, 1\), got 0\.0", id="test_size-0"),
    pytest.param({"test_size": 1.5}, ValueError, r"test_size must be a fraction in \(0, 1\), got 1\.5", id="test_size-1.5"),
    pytest.param({"test_size": "0.2"}, TypeError, r"test_size must be a real number, got '0\.2'", id="test_size-str"),
    pytest.param({"seed": -1}, TypeError, r"seed must be a non-negative integer, got -1", id="seed-negative"),
    pytest.param({"seed": np.random.default_rng(0)}, TypeError, r"seed must be a non-negative integer", id="seed-generator"),
])
def test_digits32_bad_arguments(kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        data.load_digits32(**kwargs)


# -------------------------------------------------------------- load_mnist


def _no_download():
    pytest.fail("load_mnist tried to download although the cache file is there")


def _offline():
    raise OSError("no network")


def write_fake_mnist(home, rng, n_train=5, n_test=3):
    """Keras' cache layout: <home>/datasets/mnist.npz with uint8 (n, 28, 28) images and labels."""
    folder = home / "datasets"
    folder.mkdir(parents=True)
    arrays = {
        "x_train": rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, size=n_train).astype(np.uint8),
        "x_test": rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, size=n_test).astype(np.uint8),
    }
    arrays["x_train"][0, 0, 0], arrays["x_train"][0, 0, 1] = 0, 255  # both ends of the range
    np.savez(folder / "mnist.npz", **arrays)
    return arrays


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    return tmp_path


def test_mnist_is_read_from_the_keras_cache(keras_home, monkeypatch, rng, capsys):
    arrays = write_fake_mnist(keras_home, rng)
    monkeypatch.setattr(data, "_download_mnist", _no_download)
    s = data.load_mnist()
    assert s.source == "MNIST"
    assert s.x_train.shape == (5, 32, 32, 1) and s.x_test.shape == (3, 32, 32, 1)
    assert s.x_train.dtype == np.float32 and s.y_train.dtype == np.int64
    for part in ("train", "test"):
        x = getattr(s, "x_" + part)[..., 0]
        assert_close(f"x_{part} centre", x[:, 2:30, 2:30], arrays["x_" + part] / 255.0, rtol=1e-6, atol=1e-7)
        border = np.ones((32, 32), bool)
        border[2:30, 2:30] = False
        assert np.all(x[:, border] == 0), f"x_{part}: the 2-pixel margin must be zeros"
        assert np.array_equal(getattr(s, "y_" + part), arrays["y_" + part])
    assert s.x_train.min() == 0.0 and s.x_train.max() == 1.0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("pad_to, before, after", [(28, 0, 0), (29, 0, 1), (36, 4, 4)])
def test_mnist_pad_to(keras_home, monkeypatch, rng, pad_to, before, after):
    arrays = write_fake_mnist(keras_home, rng, n_train=2, n_test=1)
    monkeypatch.setattr(data, "_download_mnist", _no_download)
    s = data.load_mnist(pad_to=pad_to)
    assert s.x_test.shape == (1, pad_to, pad_to, 1)
    want = np.pad(arrays["x_test"] / 255.0, ((0, 0), (before, after), (before, after)))[..., None]
    assert_close(f"padded to {pad_to}", s.x_test, want, rtol=1e-6, atol=1e-7)


def test_mnist_uses_the_download_when_nothing_is_cached(keras_home, monkeypatch, rng):
    x = rng.integers(0, 256, size=(2, 28, 28), dtype=np.uint8)
    y = np.array([3, 7], np.uint8)
    monkeypatch.setattr(data, "_download_mnist", lambda: ((x, y), (x[:1], y[:1])))
    s = data.load_mnist()
    assert s.source == "MNIST" and s.x_train.shape == (2, 32, 32, 1) and s.y_test.tolist() == [3]


def test_mnist_falls_back_to_digits_with_a_warning_and_a_message(keras_home, monkeypatch, capsys):
    monkeypatch.setattr(data, "_download_mnist", _offline)
    with pytest.warns(data.DatasetFallbackWarning, match=r"MNIST is not available .*mnist\.npz.*no network"):
        s = data.load_mnist()
    assert issubclass(data.DatasetFallbackWarning, UserWarning)
    assert "digits" in s.source
    assert s.x_train.shape == (1347, 32, 32, 1) and s.x_test.shape == (450, 32, 32, 1)
    assert capsys.readouterr().out == data.FALLBACK_MESSAGE + "\n"


def test_the_fallback_message_is_one_clean_sentence():
    """It is stored in the book's outputs: the same on every machine, with no reason, path or URL."""
    message = data.FALLBACK_MESSAGE
    assert "\n" not in message and message.endswith(".") and message.count(". ") == 0
    assert "scikit-learn's bundled digits" in message
    for sign in ("/", "\\", "http", "Errno", "Error", "(", "~"):
        assert sign not in message, sign


def _chatty_download(fails):
    """Prints what Keras' get_file prints (its URL line and a progress bar) before it fails or returns."""
    def download():
        print("Downloading data from https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz")
        print("11490434/11490434 [==============================] - 1s 0us/step")
        if fails:
            raise Exception("URL fetch failure on https://...: None -- [Errno -2] Name or service not known")
        x = np.zeros((2, 28, 28), np.uint8)
        return (x, np.array([1, 2], np.uint8)), (x[:1], np.array([3], np.uint8))
    return download


@pytest.mark.parametrize("fails", [True, False], ids=["download-fails", "download-works"])
def test_keras_download_messages_do_not_reach_stdout(keras_home, monkeypatch, capsys, fails):
    monkeypatch.setattr(data, "_download_mnist", _chatty_download(fails))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", data.DatasetFallbackWarning)
        s = data.load_mnist()
    captured = capsys.readouterr()
    assert captured.out == (data.FALLBACK_MESSAGE + "\n" if fails else ""), captured.out
    assert "Downloading data from" in captured.err       # still visible to a reader, on stderr
    assert s.source == ("MNIST" if not fails else data.DIGITS_SOURCE)


def test_mnist_without_fallback_raises_with_the_reason(keras_home, monkeypatch):
    monkeypatch.setattr(data, "_download_mnist", _offline)
    with pytest.raises(RuntimeError, match=r"MNIST is not available .*mnist\.npz.*OSError: no network"):
        data.load_mnist(fallback=False)


def _write_npz(keras_home, **arrays):
    (keras_home / "datasets").mkdir()
    path = keras_home / "datasets" / "mnist.npz"
    np.savez(path, **arrays)
    return path


def _mnist_arrays(**changes):
    arrays = {"x_train": np.zeros((2, 28, 28), np.uint8), "y_train": np.array([0, 9], np.uint8),
              "x_test": np.full((1, 28, 28), 255, np.uint8), "y_test": np.array([5], np.uint8)}
    arrays.update(changes)
    return arrays


# Files that numpy reads but that are not MNIST, and what the warning or error must say.
NOT_MNIST = [
    pytest.param(_mnist_arrays(x_train=np.full((2, 28, 28), 300, np.int64)), r"x_train holds values 300\.\.300; expected 0\.\.255",
                 id="pixels-300"),
    pytest.param(_mnist_arrays(x_test=np.full((1, 28, 28), -1, np.int16)), r"x_test holds values -1\.\.-1; expected 0\.\.255",
                 id="pixels-negative"),
    pytest.param(_mnist_arrays(y_train=np.array([0, 12])), r"y_train holds values 0\.\.12; expected 0\.\.9", id="label-12"),
    pytest.param(_mnist_arrays(y_test=np.array([-1])), r"y_test holds values -1\.\.-1; expected 0\.\.9", id="label--1"),
    pytest.param(_mnist_arrays(x_train=np.zeros((2, 28, 28), np.float32)), r"x_train has dtype float32; expected integers",
                 id="float-pixels"),
    pytest.param(_mnist_arrays(y_test=np.array([0.5])), r"y_test has dtype float64; expected integers", id="float-labels"),
    pytest.param(_mnist_arrays(x_train=np.zeros((2, 32, 32), np.uint8)), r"unexpected shapes x_train \(2, 32, 32\)",
                 id="32x32"),
    pytest.param(_mnist_arrays(y_train=np.array([1], np.uint8)), r"unexpected shapes x_train \(2, 28, 28\), y_train \(1,\)",
                 id="one-label-short"),
    pytest.param({"x_train": np.zeros((2, 28, 28), np.uint8)}, r"no array named y_train, x_test, y_test", id="missing-arrays"),
]


@pytest.mark.parametrize("arrays, problem", NOT_MNIST)
def test_mnist_cache_file_that_is_not_mnist_raises_without_fallback(keras_home, monkeypatch, arrays, problem):
    path = _write_npz(keras_home, **arrays)
    before = path.read_bytes()
    monkeypatch.setattr(data, "_download_mnist", _no_download)
    with pytest.raises(ValueError, match=r"the cached file .*mnist\.npz cannot be used \(ValueError: " + problem):
        data.load_mnist(fallback=False)
    assert path.read_bytes() == before, "the file must be left as it was"


@pytest.mark.parametrize("arrays, problem", NOT_MNIST)
def test_mnist_cache_file_that_is_not_mnist_falls_back_with_a_warning(keras_home, monkeypatch, capsys, arrays, problem):
    path = _write_npz(keras_home, **arrays)
    monkeypatch.setattr(data, "_download_mnist", _no_download)
    with pytest.warns(data.DatasetFallbackWarning, match=r"the cached file .*mnist\.npz cannot be used .*" + problem):
        s = data.load_mnist()
    assert s.source == data.DIGITS_SOURCE
    assert capsys.readouterr().out == data.FALLBACK_MESSAGE + "\n"
    assert path.exists()


def _keras_like_offline_download(path):
    """What Keras' get_file does offline: it deletes the file it was to download into, then raises."""
    def download():
        if path.exists():
            path.unlink()
        raise Exception("URL fetch failure on https://...: None -- [Errno -2] Name or service not known")
    return download


def test_mnist_unreadable_cache_file_is_never_deleted(keras_home, monkeypatch, capsys):
    """Issue 14, item 5: offline, an unreadable cache file was gone after one call (Keras deleted it)."""
    (keras_home / "datasets").mkdir()
    path = keras_home / "datasets" / "mnist.npz"
    path.write_bytes(b"<html>proxy error</html>")
    monkeypatch.setattr(data, "_download_mnist", _keras_like_offline_download(path))
    for _ in range(2):
        with pytest.warns(data.DatasetFallbackWarning,
                          match=r"the cached file .*mnist\.npz cannot be used .*it was left in place: delete it"):
            s = data.load_mnist()
        assert s.source == data.DIGITS_SOURCE
        assert path.read_bytes() == b"<html>proxy error</html>"
    with pytest.raises(ValueError, match=r"the cached file .*mnist\.npz cannot be used"):
        data.load_mnist(fallback=False)
    assert path.read_bytes() == b"<html>proxy error</html>"


def test_mnist_downloaded_data_that_is_not_mnist_is_refused(keras_home, monkeypatch):
    x = np.zeros((2, 28, 28), np.uint8)
    monkeypatch.setattr(data, "_download_mnist", lambda: ((x, np.array([0, 10])), (x[:1], np.array([1]))))
    with pytest.raises(RuntimeError, match=r"download failed: ValueError: y_train holds values 0\.\.10; expected 0\.\.9"):
        data.load_mnist(fallback=False)


def test_mnist_bad_fallback(monkeypatch):
    monkeypatch.setattr(data, "_download_mnist", _no_download)
    with pytest.raises(TypeError, match=r"fallback must be True or False, got 'no'"):
        data.load_mnist(fallback="no")


@pytest.mark.parametrize("pad_to, exc, pattern", [
    (20, ValueError, r"pad_to must be at least 28 .*got 20"),
    (0, ValueError, r"pad_to must be a positive integer, got 0"),
    (32.0, TypeError, r"pad_to must be a positive integer, got 32\.0"),
])
def test_mnist_bad_pad_to(monkeypatch, pad_to, exc, pattern):
    monkeypatch.setattr(data, "_download_mnist", _no_download)
    with pytest.raises(exc, match=pattern):
        data.load_mnist(pad_to=pad_to)
