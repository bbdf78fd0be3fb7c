"""Tests for dlnotes._validate: each shared argument check, once.

Every public function of dlnotes checks its arguments with these helpers, so
the modules' own tests only confirm that they call them (with the argument's
name). Here: what each check accepts and returns, and that each rejection is
a ``TypeError`` or ``ValueError`` naming the argument, its value and what was
expected.
"""

from __future__ import annotations

import numpy as np
import pytest

from dlnotes import _validate as V


# ------------------------------------------------------------ numbers
@pytest.mark.parametrize("x, dtype", [([1, 2], np.float64), ([True, False], np.float64), (np.float32([1.5]), np.float32),
                                      (np.int8([3]), np.float64), (2.5, np.float64)])
def test_as_float_array_keeps_floats_and_converts_the_rest(x, dtype):
    out = V.as_float_array(x, "x")
    assert out.dtype == dtype and np.array_equal(out, np.asarray(x, dtype=dtype))


@pytest.mark.parametrize("x, pattern", [(["a"], r"x must be a real numeric array-like, got dtype <U1"),
                                        ([[1, 2], [3]], r"x must be a numeric array-like, got \[\[1, 2\], \[3\]\]"),
                                        ([1 + 2j], r"x must be a real numeric array-like, got dtype complex128"),
                                        (None, r"x must be a real numeric array-like, got dtype object")])
def test_as_float_array_rejects_non_numbers(x, pattern):
    with pytest.raises(TypeError, match=pattern):
        V.as_float_array(x, "x")


def test_real_scalar():
    assert V.real_scalar(np.float32(0.5), "a") == 0.5 and type(V.real_scalar(np.int64(2), "a")) is float
    for bad, exc, pattern in [(True, TypeError, r"a must be a real number, got True of type bool"),
                              ("1", TypeError, r"a must be a real number, got '1' of type str"),
                              (float("nan"), ValueError, r"a must be finite, got nan"),
                              (-np.inf, ValueError, r"a must be finite, got -inf")]:
        with pytest.raises(exc, match=pattern):
            V.real_scalar(bad, "a")


@pytest.mark.parametrize(
    "check, good, bad",
    [
        pytest.param(lambda v: V.positive_number(v, "eps"), [1e-300, 3, np.float32(0.5)],
                     [(0, ValueError, r"eps must be a positive number, got 0\.0"),
                      (-1.5, ValueError, r"eps must be a positive number, got -1\.5"),
                      ("1", TypeError, r"eps must be a real number, got '1'")], id="positive_number"),
        pytest.param(V.learning_rate, [0.1, 1, 1e6],
                     [(0, ValueError, r"lr must be a positive number, got 0\.0"),
                      (float("inf"), ValueError, r"lr must be finite, got inf"),
                      (None, TypeError, r"lr must be a real number, got None")], id="learning_rate"),
        pytest.param(lambda v: V.non_negative_number(v, "l2"), [0, 0.0, 2.5],
                     [(-1e-9, ValueError, r"l2 must be >= 0, got -1e-09"),
                      (float("nan"), ValueError, r"l2 must be finite, got nan")], id="non_negative_number"),
        pytest.param(lambda v: V.non_negative_number(v, "alpha", "the slope for z < 0"), [0.01],
                     [(-1, ValueError, r"alpha must be >= 0 \(the slope for z < 0\), got -1\.0")], id="non_negative_meaning"),
        pytest.param(lambda v: V.positive_int(v, "epochs"), [1, np.int64(7), 10**12],
                     [(0, ValueError, r"epochs must be a positive integer, got 0"),
                      (-3, ValueError, r"epochs must be a positive integer, got -3"),
                      (2.0, TypeError, r"epochs must be a positive integer, got 2\.0"),
                      (True, TypeError, r"epochs must be a positive integer, got True"),
                      ("3", TypeError, r"epochs must be a positive integer, got '3'")], id="positive_int"),
    ],
)
def test_number_checks(check, good, bad):
    for value in good:
        out = check(value)
        assert out == value and type(out) in (float, int)
    for value, exc, pattern in bad:
        with pytest.raises(exc, match=pattern):
            check(value)


def test_axis_index():
    assert V.axis_index(-1, 3) == 2 and V.axis_index(np.int64(1), 2) == 1
    with pytest.raises(ValueError, match=r"axis=3 is out of range for an array with 3 dimension\(s\); expected -3 <= axis < 3"):
        V.axis_index(3, 3)
    with pytest.raises(TypeError, match=r"axis must be an integer, got 1\.0"):
        V.axis_index(1.0, 3)


def test_same_shape():
    V.same_shape(np.zeros((2, 3)), np.ones((2, 3)), "z", "upstream")
    with pytest.raises(ValueError, match=r"upstream must have the same shape as z: got upstream \(3,\) and z \(2, 3\)"):
        V.same_shape(np.zeros((2, 3)), np.ones(3), "z", "upstream")


def test_generator():
    rng = np.random.default_rng(0)
    assert V.generator(rng) is rng and isinstance(V.generator(None), np.random.Generator)
    for bad in (0, np.random.RandomState(0), "seed"):
        with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator \(np\.random\.default_rng\(seed\)\), got "):
            V.generator(bad)


def test_features():
    X = V.features([[1, 2], [3, 4]])
    assert X.dtype == np.float64 and X.shape == (2, 2)
    for bad, pattern in [(np.zeros(3), r"X must be 2-D \(N examples, D features\), got shape \(3,\)"),
                         (np.zeros((0, 2)), r"X has no examples \(shape \(0, 2\)\)"),
                         ([[1.0, np.nan]], r"X contains NaN or inf")]:
        with pytest.raises(ValueError, match=pattern):
            V.features(bad)
    with pytest.raises(ValueError, match=r"X_val must be 2-D"):
        V.features(np.zeros(3), "X_val")


# ------------------------------------------------------------- labels
@pytest.mark.parametrize("y", [[0, 1, 1], [0.0, 1.0, 0.0], [True, False, True], np.uint8([1, 1, 0])])
def test_binary_labels_accepts_0_and_1_of_any_type(y):
    out = V.binary_labels(y, 3)
    assert out.dtype == np.float64 and np.array_equal(out, np.asarray(y, dtype=np.float64))


@pytest.mark.parametrize(
    "y, exc, pattern",
    [
        ([0, 2, 1], ValueError, r"binary labels y must be 0 or 1, got 2$"),
        ([0, 0.5, 1], ValueError, r"binary labels y must be 0 or 1, got 0\.5$"),
        ([0, np.nan, 1], ValueError, r"binary labels y must be 0 or 1, got nan$"),
        ([0, 1], ValueError, r"y must have shape \(3,\), one label per row of X, got \(2,\)"),
        ([[0], [1], [1]], ValueError, r"y must have shape \(3,\), one label per row of X, got \(3, 1\)"),
        (None, ValueError, r"y must have shape \(3,\), one label per row of X, got \(\)"),
    ],
)
def test_binary_labels_rejects(y, exc, pattern):
    with pytest.raises(exc, match=pattern):
        V.binary_labels(y, 3)


def test_class_labels_counts_the_classes_unless_told():
    y, c = V.class_labels([0, 2, 1, 2], 4)
    assert c == 3 and y.dtype.kind == "i" and y.tolist() == [0, 2, 1, 2]
    assert V.class_labels(np.uint8([0, 1]), 2, n_classes=5)[1] == 5


@pytest.mark.parametrize(
    "kwargs, exc, pattern",
    [
        (dict(y=[0, 3, 1], n_classes=3), ValueError, r"label 3 in y is outside the classes 0\.\.2"),
        (dict(y=[0, -1, 1]), ValueError, r"label -1 in y is outside the classes 0\.\.1"),
        (dict(y=[0.0, 1.0, 2.0]), TypeError, r"class labels y must be integers, got dtype float64"),
        (dict(y=[True, False, True]), TypeError, r"class labels y must be integers, got dtype bool"),
        (dict(y=[0, 1]), ValueError, r"y must have shape \(3,\), one label per row of X, got \(2,\)"),
        (dict(y=[0, 1], name="y_true", rows_of="logits"), ValueError,
         r"y_true must have shape \(3,\), one label per row of logits, got \(2,\)"),
    ],
)
def test_class_labels_rejects(kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        V.class_labels(n=3, **kwargs)


def test_empty_labels_have_no_classes():
    y, c = V.class_labels(np.zeros(0, int), 0)
    assert y.shape == (0,) and c == 0


@pytest.mark.parametrize("check", [V.binary_labels, V.class_labels])
def test_ragged_labels_raise_naming_them(check):
    with pytest.raises(TypeError, match=r"y must be an array-like of labels, one per row of X, got \[\[1\.0\], \[2\.0, 3\.0\]\]"):
        check([[1.0], [2.0, 3.0]], 2)
