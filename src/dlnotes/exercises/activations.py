"""Chapter 1: activation functions.

The worked example of the exercise modules: each exercise is an
:class:`~dlnotes.exercises._checking.Implement` or
:class:`~dlnotes.exercises._checking.Answer` in ``EXERCISES``, its checks
draw fresh inputs from ``rng``, and its slips are the mistakes readers make,
each named by its own message.
"""

from __future__ import annotations

import math

import numpy as np

from .. import activations
from ._checking import Answer, Failed, Implement, call, compare

# -- a stable sigmoid ---------------------------------------------------------------------------
def _sigmoid_reference(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _sigmoid_naive(z):
    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))


def _sigmoid_clipped(z):
    return 1 / (1 + np.exp(-np.clip(np.asarray(z, dtype=float), -30, 30)))


_SIGMOID_OVERFLOW = "exp overflowed: compute exp only of a number <= 0 (exp(-|z|)), never of -z for z << 0"
_SIGMOID_CLIPPED = "clipping z changes the answer: sigmoid(-40) is about 4e-18, not sigmoid(-30)"


def _sigmoid_values(fn, rng):
    z = rng.uniform(-8, 8, size=25)
    compare(call(fn, z), activations.sigmoid(z), z, "moderate inputs")


def _sigmoid_extremes(fn, rng):
    z = np.array([-1e4, -1000.0, -710.0, -40.0, 40.0, 710.0, 1000.0, 1e4])
    try:
        got = call(fn, z)
    except Failed as verdict:
        if "overflow" in str(verdict):
            raise Failed(_SIGMOID_OVERFLOW) from None
        raise
    compare(got, activations.sigmoid(z), z, "large |z|", atol=0.0, rtol=1e-6,
            slips={_SIGMOID_CLIPPED: _sigmoid_clipped(z)})


def _sigmoid_shape(fn, rng):
    z = rng.normal(scale=3.0, size=(2, 3))
    compare(call(fn, z), activations.sigmoid(z), z, "a 2-D input")


# -- where float32 overflows (compute) ------------------------------------------------------------
def _naive_float32_limit() -> float:
    """The most negative z at which 1 / (1 + exp(-z)) is finite in float32: exp(-z) <= float32's max."""
    return -float(np.log(np.finfo(np.float32).max))


_FLOAT32_LIMIT_EXPLAIN = (
    "float32's largest number is just under 2^128, about 3.4e38; exp(-z) reaches it when "
    "-z = ln(3.4e38) = 128 ln 2, about 88.72. So the naive formula fails below z = -88.72 in float32, "
    "and below z = -709.78 in float64.")


# -- reading the saturation slider (interpret) ---------------------------------------------------
def _saturation_threshold() -> float:
    """|z| above which sigma'(z) < 0.025 (a tenth of its peak): where sigma (1 - sigma) = 0.025."""
    r = math.sqrt(1 - 4 * 0.025)
    return math.log((1 + r) / (1 - r))


def _unsaturated_share(scale: float) -> float:
    """P(|z| < threshold) for z ~ N(0, scale^2): the units the slider counts as not saturated."""
    return math.erf(_saturation_threshold() / (scale * math.sqrt(2)))


def _saturation_answer() -> str:
    # The reason the checker accepts: doubling the scale from 6 to 12 only halves, roughly, the share
    # left in the window |z| < 3.64, so the saturated share climbs ever more slowly.
    shares = [_unsaturated_share(s) for s in (6, 12, 24, 48)]
    halves = all(0.45 < b / a < 0.6 for a, b in zip(shares, shares[1:]))
    return "b" if halves else "a"


# -- tanh's derivative from the sigmoid's (derive) -----------------------------------------------
def _stable_sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _tanh_grad_reference(z):
    s = _stable_sigmoid(2 * np.asarray(z, dtype=float))     # tanh(z) = 2 sigma(2z) - 1
    return 4 * s * (1 - s)                                   # d/dz: 2 * sigma'(2z) * 2


def _tanh_grad_half(z):
    s = _stable_sigmoid(2 * np.asarray(z, dtype=float))
    return 2 * s * (1 - s)


def _tanh_grad_at_z(z):
    s = _stable_sigmoid(np.asarray(z, dtype=float))
    return 4 * s * (1 - s)


def _tanh_grad_no_square(z):
    return 1 - np.tanh(np.asarray(z, dtype=float))


_TANH_HALF = ("off by a factor of 2: tanh(z) = 2 sigma(2z) - 1 has two factors of 2, the one in front "
              "and the chain rule's d(2z)/dz = 2")
_TANH_AT_Z = "sigma' taken at z: the sigmoid inside tanh sees 2z, so its derivative is sigma'(2z)"
_TANH_NO_SQUARE = "1 - tanh(z) is not the derivative: it is 1 - tanh(z)**2"


def _tanh_slips(z):
    return {_TANH_HALF: _tanh_grad_half(z), _TANH_AT_Z: _tanh_grad_at_z(z),
            _TANH_NO_SQUARE: _tanh_grad_no_square(z)}


def _tanh_grad_values(fn, rng):
    z = rng.uniform(-4, 4, size=25)
    compare(call(fn, z), activations.tanh_grad(z), z, "moderate inputs", slips=_tanh_slips(z))


def _tanh_grad_extremes(fn, rng):
    z = np.array([-1e4, -800.0, -30.0, 0.0, 30.0, 800.0, 1e4])
    compare(call(fn, z), activations.tanh_grad(z), z, "large |z| (the derivative tends to 0)",
            atol=1e-12, slips=_tanh_slips(z))


def _tanh_grad_shape(fn, rng):
    z = rng.normal(scale=2.0, size=(3, 2))
    compare(call(fn, z), activations.tanh_grad(z), z, "a 2-D input")


# -- dead ReLU units (predict) --------------------------------------------------------------------
# The chapter's setting: 64 standard-normal inputs, 256 units with Xavier weights, 1,000 examples,
# a bias of -2. Var(z) = 64 * 2 / (64 + 256) = 0.4, and a unit is dead when all 1,000 of its
# pre-activations stay below 2.
_DEAD_N_IN, _DEAD_N_UNITS, _DEAD_EXAMPLES, _DEAD_BIAS = 64, 256, 1000, 2.0


def _dead_fraction() -> float:
    std = math.sqrt(_DEAD_N_IN * 2 / (_DEAD_N_IN + _DEAD_N_UNITS))
    below = 0.5 * (1 + math.erf(_DEAD_BIAS / (std * math.sqrt(2))))   # P(z < 2) for one example
    return below ** _DEAD_EXAMPLES


_DEAD_EXPLAIN = (
    "Each pre-activation is a sum of 64 unit-variance inputs times weights of variance 2/320, so its "
    "variance is 0.4 (standard deviation 0.63), and the bias of -2 is 3.16 of those below zero. One "
    "example gets past it with probability 1 - Phi(3.16), about 1 in 1,270; a unit is dead when none "
    "of its 1,000 examples does: Phi(3.16)^1000, about 0.46. Each unit's weights make its variance "
    "a little larger or smaller than 0.4, so the measurement lands near, not on, this value.")


# -- the derivative of ReLU -------------------------------------------------------------------
def _relu_grad_reference(z):
    return (np.asarray(z, dtype=float) > 0).astype(float)


_RELU_AT_ZERO = "at z = 0 use 0, as TensorFlow does (z > 0, not z >= 0)"
_RELU_IS_RELU = "that is ReLU itself, max(0, z); its derivative is 1 or 0"


def _relu_grad_values(fn, rng):
    z = rng.uniform(-3, 3, size=20)
    compare(call(fn, z), activations.relu_grad(z), z, "inputs away from 0",
            slips={_RELU_IS_RELU: np.maximum(z, 0)})


def _relu_grad_zero(fn, rng):
    z = np.array([-1.0, 0.0, 1.0])
    compare(call(fn, z), activations.relu_grad(z), z, "the convention at z = 0",
            slips={_RELU_AT_ZERO: (z >= 0).astype(float)})


def _relu_grad_shape(fn, rng):
    z = rng.normal(size=(2, 4))
    z[0, 0] = 0.0
    compare(call(fn, z), activations.relu_grad(z), z, "a 2-D input")


# -- a stable softmax ---------------------------------------------------------------------------
def _softmax_reference(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_naive(z):
    e = np.exp(np.asarray(z, dtype=float))
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_columns(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


_SOFTMAX_OVERFLOW = "exp overflowed: subtract each row's maximum before exp (softmax does not change)"
_SOFTMAX_AXIS = "you normalised each column; softmax normalises each row (axis=-1: one row per example)"


def _softmax_values(fn, rng):
    z = rng.normal(scale=2.0, size=(3, 4))
    compare(call(fn, z), activations.softmax(z, axis=-1), z, "three rows of logits",
            slips={_SOFTMAX_AXIS: _softmax_columns(z)})


def _softmax_extremes(fn, rng):
    z = np.array([[1e4, 0.0, -1e4], [1000.0, 1000.0, 999.0]])
    try:
        got = call(fn, z)
    except Failed as verdict:
        if "overflow" in str(verdict):
            raise Failed(_SOFTMAX_OVERFLOW) from None
        raise
    compare(got, activations.softmax(z, axis=-1), z, "large logits")


def _softmax_rows(fn, rng):
    z = rng.normal(scale=5.0, size=(5, 7))
    sums = call(fn, z).sum(axis=-1)
    if not np.allclose(sums, 1.0, atol=1e-9):
        raise Failed(f"each row must sum to 1 (softmax over the last axis); row sums were {np.round(sums, 4)}")


EXERCISES = [
    Answer(
        "float32_overflow",
        "the most negative z at which the naive 1 / (1 + exp(-z)) is still finite in float32 (one decimal)",
        kind="compute",
        expected=_naive_float32_limit,
        explain=_FLOAT32_LIMIT_EXPLAIN,
        tolerance=0.002,
        slips={
            -709.78: "that is float64's limit; float32's largest number is far smaller, about 3.4e38",
            88.72: "right size, wrong sign: exp(-z) overflows when -z is large, that is for z far below 0",
            -38.53: "that is log10 of float32's largest number; exp needs the natural logarithm",
            -88.03: "that is 127 ln 2, where exp(-z) = 2^127; float32 goes up to just under 2^128",
        },
    ),
    Answer(
        "saturation_slider",
        "why does each doubling of the scale add fewer saturated units? 'a', 'b' or 'c'",
        kind="interpret",
        expected=_saturation_answer,
        explain=("A unit is saturated when |z| > 3.64, whatever the scale. The units left unsaturated are "
                 "those in the fixed window |z| < 3.64, and for a wide normal distribution the share in "
                 "that window is about 2 * 3.64 / (s * sqrt(2 pi)): doubling s only halves it. So the "
                 "saturated share keeps climbing towards 100% but never reaches it."),
        choices=("a", "b", "c"),
        slips={
            "a": ("the threshold is sigma'(z) < 0.025, not sigma'(z) = 0: a unit counts as saturated "
                  "long before its derivative vanishes, so this is not what limits the share"),
            "c": ("the pre-activations z = s * N(0, 1) are not bounded: the sigmoid bounds the outputs, "
                  "not the inputs. Look at which z stay inside |z| < 3.64 as s grows"),
        },
    ),
    Implement(
        "tanh_grad",
        "my_tanh_grad(z) -> tanh'(z) for every entry, derived from tanh(z) = 2 sigma(2z) - 1",
        [
            ("matches tanh' on -4..4", _tanh_grad_values),
            ("finite and right for |z| up to 1e4", _tanh_grad_extremes),
            ("keeps the input's shape", _tanh_grad_shape),
        ],
        reference=_tanh_grad_reference,
        slips={_TANH_HALF: _tanh_grad_half, _TANH_AT_Z: _tanh_grad_at_z,
               _TANH_NO_SQUARE: _tanh_grad_no_square},
        package="dlnotes.activations.tanh_grad",
        kind="derive",
    ),
    Answer(
        "dead_relu_units",
        "the fraction of the 256 ReLU units that are dead with a bias of -2 (a number from 0 to 1)",
        kind="predict",
        expected=_dead_fraction,
        explain=_DEAD_EXPLAIN,
        tolerance=0.3,
        slips={
            0.0: ("a unit dies when all 1,000 of its pre-activations stay below 2, and 2 is only about "
                  "3 standard deviations away: the largest of 1,000 draws is often beyond it, and often not"),
            1.0: ("almost every *output* is 0 at this bias, but a unit is dead only if all 1,000 of its "
                  "outputs are: the largest of 1,000 draws lies far above a typical one"),
        },
    ),
    Implement(
        "sigmoid", "my_sigmoid(z) -> sigmoid of every entry, finite for any float z",
        [
            ("matches sigmoid on -8..8", _sigmoid_values),
            ("no overflow at |z| up to 1e4", _sigmoid_extremes),
            ("keeps the input's shape", _sigmoid_shape),
        ],
        reference=_sigmoid_reference,
        slips={_SIGMOID_OVERFLOW: _sigmoid_naive, _SIGMOID_CLIPPED: _sigmoid_clipped},
        package="dlnotes.activations.sigmoid",
    ),
    Implement(
        "relu_grad", "my_relu_grad(z) -> dReLU/dz for every entry (0 at z = 0)",
        [
            ("1 for z > 0 and 0 for z < 0", _relu_grad_values),
            ("0 at z = 0", _relu_grad_zero),
            ("keeps the input's shape", _relu_grad_shape),
        ],
        reference=_relu_grad_reference,
        slips={_RELU_AT_ZERO: lambda z: (np.asarray(z) >= 0).astype(float),
               _RELU_IS_RELU: lambda z: np.maximum(np.asarray(z, dtype=float), 0)},
        package="dlnotes.activations.relu_grad",
        kind="derive",
    ),
    Implement(
        "softmax", "my_softmax(z) -> softmax over the last axis of a 2-D array of logits, finite for any logits",
        [
            ("matches softmax on small logits", _softmax_values),
            ("no overflow for logits up to 1e4", _softmax_extremes),
            ("every row sums to 1", _softmax_rows),
        ],
        reference=_softmax_reference,
        slips={_SOFTMAX_OVERFLOW: _softmax_naive, _SOFTMAX_AXIS: _softmax_columns},
        package="dlnotes.activations.softmax",
    ),
]
