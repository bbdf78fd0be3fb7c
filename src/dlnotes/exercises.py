"""Checkers for the notebooks' exercises.

``check("sigmoid", my_sigmoid)`` runs the reader's function through a list of
checks against the package's own implementation and returns a
:class:`Report`: it shows as "passed" or says which check failed, on which
input, and what was expected. The reader's function is called with warnings
turned into errors, so an overflow counts as a failure.

Available exercises: see :func:`available`.
"""

from __future__ import annotations

import textwrap
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import activations, losses


@dataclass
class Report:
    """The outcome of :func:`check`: ``passed`` and one line per check."""

    exercise: str
    passed: bool
    lines: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        head = f"{self.exercise}: " + ("all checks passed" if self.passed else "not yet")
        body = [textwrap.fill(line, 78, initial_indent="  ", subsequent_indent="         ") for line in self.lines]
        return "\n".join([head] + body)

    def __bool__(self) -> bool:
        return self.passed


class _Failed(Exception):
    """A check's verdict, with the message the reader sees."""


def _call(fn: Callable, *args):
    out = _call_raw(fn, *args)
    try:
        return np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        raise _Failed(f"your function returned {type(out).__name__}, not an array of numbers") from None


def _call_raw(fn: Callable, *args):
    """Call the reader's function with warnings as errors; turn failures into verdicts."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            try:
                out = fn(*args)
            except NotImplementedError as exc:
                raise _Failed(f"not implemented yet ({exc})" if str(exc) else "not implemented yet") from None
            except (FloatingPointError, RuntimeWarning) as exc:
                raise _Failed(f"numerical trouble: {type(exc).__name__}: {exc}") from None
            except Exception as exc:
                raise _Failed(f"your function raised {type(exc).__name__}: {exc}") from None
    return out


def _compare(got: np.ndarray, want: np.ndarray, inputs: np.ndarray | None, what: str, rtol=1e-7, atol=1e-12):
    if got.shape != want.shape:
        raise _Failed(f"{what}: returned shape {got.shape}, expected {want.shape}")
    bad = ~np.isclose(got, want, rtol=rtol, atol=atol)
    if bad.any():
        i = np.flatnonzero(bad)[0]
        where = f"index {i}" if inputs is None else f"input {float(inputs.flat[i]):.6g}"
        raise _Failed(
            f"{what}: at {where} you returned {float(got.flat[i]):.6g}, "
            f"expected {float(want.flat[i]):.6g}"
            f" ({int(bad.sum())} of {bad.size} values wrong)"
        )


# -- exercise: stable sigmoid ---------------------------------------------------
def _sigmoid_values(fn):
    z = np.linspace(-8, 8, 33)
    _compare(_call(fn, z), activations.sigmoid(z), z, "moderate inputs")


def _sigmoid_extremes(fn):
    z = np.array([-1e4, -1000.0, -710.0, 710.0, 1000.0, 1e4])
    _compare(_call(fn, z), activations.sigmoid(z), z, "large |z|")


def _sigmoid_shape(fn):
    z = np.arange(-3.0, 3.0).reshape(2, 3)
    _compare(_call(fn, z), activations.sigmoid(z), z, "a 2-D input")


# -- exercise: ReLU derivative ---------------------------------------------------
def _relu_grad_values(fn):
    z = np.array([-3.0, -0.5, -1e-9, 1e-9, 0.5, 3.0])
    _compare(_call(fn, z), activations.relu_grad(z), z, "inputs away from 0")


def _relu_grad_zero(fn):
    z = np.array([0.0])
    _compare(_call(fn, z), activations.relu_grad(z), z, "the convention at z = 0 (use 0, as TensorFlow does)")


def _relu_grad_shape(fn):
    z = np.array([[-2.0, 1.0, 0.0], [4.0, -1.0, 2.5]])
    _compare(_call(fn, z), activations.relu_grad(z), z, "a 2-D input")


# -- exercise: stable softmax -----------------------------------------------------
def _softmax_values(fn):
    z = np.array([[1.0, 2.0, 3.0, 4.0], [-1.0, 0.0, 0.5, 0.25]])
    _compare(_call(fn, z), activations.softmax(z, axis=-1), z, "two rows of logits")


def _softmax_extremes(fn):
    z = np.array([[1e4, 0.0, -1e4], [1000.0, 1000.0, 999.0]])
    _compare(_call(fn, z), activations.softmax(z, axis=-1), z, "large logits")


def _softmax_rows(fn):
    z = np.random.default_rng(0).normal(scale=5.0, size=(5, 7))
    sums = _call(fn, z).sum(axis=-1)
    if not np.allclose(sums, 1.0, atol=1e-9):
        raise _Failed(f"each row must sum to 1 (softmax over the last axis); row sums were {np.round(sums, 4)}")


# -- exercise: binary cross-entropy --------------------------------------------------
def _bce_values(fn):
    y = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
    p = np.array([0.9, 0.2, 0.6, 0.45, 0.05])
    got = _call(fn, y, p)
    if got.shape != ():
        raise _Failed(f"return one number, the mean loss over the examples; got shape {got.shape}")
    _compare(got, np.asarray(losses.binary_cross_entropy(y, p)), None, "five examples", rtol=1e-6)


def _bce_extremes(fn):
    y = np.array([1.0, 0.0, 1.0, 0.0])
    p = np.array([1.0, 0.0, 0.0, 1.0])
    got = _call(fn, y, p)
    if got.shape != () or not np.isfinite(got):
        raise _Failed(f"for probabilities exactly 0 and 1 the cost must be a finite number, got {got!r}; "
                      "clip p to [eps, 1 - eps] first")
    if not 5 < float(got) < 40:
        raise _Failed(f"two perfect and two confidently wrong answers should cost a lot (Keras: "
                      f"{losses.binary_cross_entropy(y, p):.2f}), got {float(got):.4g}")


# -- exercise: one gradient-descent step -------------------------------------------------
def _gd_data():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(6, 3))
    y = np.array([1, 0, 1, 1, 0, 0])
    w = np.array([0.2, -0.1, 0.05])
    return X, y, w, 0.3


def _gd_step_values(fn):
    X, y, w, b = _gd_data()
    out = _call_raw(fn, w.copy(), b, X, y, 0.5)
    if not (isinstance(out, tuple) and len(out) == 2):
        raise _Failed(f"return a pair (new_w, new_b), got {type(out).__name__}")
    new_w, new_b = np.asarray(out[0], dtype=float), np.asarray(out[1], dtype=float)
    p = activations.sigmoid(X @ w + b)
    want_w, want_b = w - 0.5 * X.T @ (p - y) / len(y), b - 0.5 * np.mean(p - y)
    _compare(new_w, want_w, None, "new_w")
    _compare(new_b, np.asarray(want_b), None, "new_b")


def _gd_step_lr(fn):
    X, y, w, b = _gd_data()
    small = _call_raw(fn, w.copy(), b, X, y, 0.01)
    big = _call_raw(fn, w.copy(), b, X, y, 1.0)
    step_small = np.linalg.norm(np.asarray(small[0], dtype=float) - w)
    step_big = np.linalg.norm(np.asarray(big[0], dtype=float) - w)
    if not np.isclose(step_big, 100 * step_small, rtol=1e-6):
        raise _Failed(f"the step must be proportional to lr: lr=1 moved w by {step_big:.4g}, lr=0.01 by {step_small:.4g}")


# -- exercise: forward pass of a one-hidden-layer network ----------------------------------
def _net_data():
    rng = np.random.default_rng(11)
    X = rng.normal(size=(5, 4))
    W1, b1 = rng.normal(size=(4, 6)), rng.normal(size=6)
    W2, b2 = rng.normal(size=(6, 3)), rng.normal(size=3)
    return X, W1, b1, W2, b2


def _forward_values(fn):
    X, W1, b1, W2, b2 = _net_data()
    want = activations.softmax(activations.relu(X @ W1 + b1) @ W2 + b2, axis=1)
    _compare(_call(fn, X, W1, b1, W2, b2), want, None, "five examples, 4 inputs, 6 hidden, 3 outputs", rtol=1e-6)


def _forward_one_example(fn):
    X, W1, b1, W2, b2 = _net_data()
    want = activations.softmax(activations.relu(X[:1] @ W1 + b1) @ W2 + b2, axis=1)
    _compare(_call(fn, X[:1], W1, b1, W2, b2), want, None, "a batch of one example (shape (1, 4))", rtol=1e-6)


# -- exercise: the output layer's gradient ------------------------------------------------
def _output_grad_values(fn):
    P = activations.softmax(np.random.default_rng(3).normal(size=(4, 3)), axis=1)
    y = np.array([0, 2, 1, 2])
    want = (P - np.eye(3)[y]) / 4
    _compare(_call(fn, P, y), want, None, "four examples, three classes", rtol=1e-9)


def _output_grad_mean(fn):
    P = activations.softmax(np.random.default_rng(4).normal(size=(8, 3)), axis=1)
    y = np.arange(8) % 3
    got = _call(fn, P, y)
    if got.shape == P.shape and np.allclose(got, P - np.eye(3)[y]):
        raise _Failed("the cost is the MEAN loss over the N examples: divide by N")
    _compare(got, (P - np.eye(3)[y]) / 8, None, "eight examples")


# -- exercises: recurrent steps -------------------------------------------------------------
def _recurrent_data(gates: int):
    rng = np.random.default_rng(5)
    x_t, h_prev, c_prev = rng.normal(size=(3, 4)), rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    weights = rng.normal(size=(4, 5 * gates)) * 0.5, rng.normal(size=(5, 5 * gates)) * 0.5, rng.normal(size=5 * gates)
    return x_t, h_prev, c_prev, weights


def _rnn_step_values(fn):
    from .rnn import rnn_step_forward

    x_t, h_prev, _, weights = _recurrent_data(1)
    want, _ = rnn_step_forward(x_t, h_prev, *weights)
    _compare(_call(fn, x_t, h_prev, *weights), want, None, "three sequences, D = 4, H = 5", rtol=1e-6)


def _rnn_step_uses_state(fn):
    x_t, h_prev, _, weights = _recurrent_data(1)
    a, b = _call(fn, x_t, h_prev, *weights), _call(fn, x_t, -h_prev, *weights)
    if np.allclose(a, b):
        raise _Failed("the new state must depend on h_prev (through recurrent_kernel)")


def _lstm_step_values(fn):
    from .lstm import lstm_step_forward

    x_t, h_prev, c_prev, weights = _recurrent_data(4)
    out = _call_raw(fn, x_t, h_prev, c_prev, *weights)
    if not (isinstance(out, tuple) and len(out) == 2):
        raise _Failed(f"return a pair (h, c), got {type(out).__name__}")
    h_want, c_want, _ = lstm_step_forward(x_t, h_prev, c_prev, *weights)
    _compare(np.asarray(out[1], dtype=float), c_want, None, "the cell state c (gate order i, f, c, o)", rtol=1e-6)
    _compare(np.asarray(out[0], dtype=float), h_want, None, "the hidden state h", rtol=1e-6)


def _lstm_forget_gate(fn):
    x_t, h_prev, c_prev, (kernel, recurrent_kernel, bias) = _recurrent_data(4)
    bias = bias.copy()
    bias[5:10] = 30.0      # forget gate wide open
    bias[0:5] = -30.0      # input gate shut
    out = _call_raw(fn, x_t, h_prev, c_prev, kernel * 0, recurrent_kernel * 0, bias)
    if not np.allclose(np.asarray(out[1], dtype=float), c_prev, atol=1e-6):
        raise _Failed("with the forget gate open and the input gate shut, c must equal c_prev: "
                      "check the gate order i, f, c, o and the update c = f * c_prev + i * g")


# -- exercises: convolutional networks ---------------------------------------------------------
_SIZE_CASES = [(32, 5, 1, "valid"), (28, 3, 1, "same"), (7, 3, 2, "valid"), (7, 3, 2, "same"),
               (227, 11, 4, "valid"), (6, 4, 3, "same"), (10, 1, 3, "valid")]


def _output_size_values(fn):
    from .conv import conv_output_size

    for size, kernel, stride, padding in _SIZE_CASES:
        got = _call_raw(fn, size, kernel, stride, padding)
        want = conv_output_size(size, kernel, stride, padding)
        if got != want:
            raise _Failed(f"size={size}, kernel={kernel}, stride={stride}, padding={padding!r}: "
                          f"you returned {got!r}, TensorFlow gives {want}")


def _max_pool_values(fn):
    from .pooling import max_pool2d

    image = np.random.default_rng(9).permutation(48).reshape(6, 8).astype(float)
    want = max_pool2d(image[None, :, :, None], 2)[0, :, :, 0]
    _compare(_call(fn, image), want, None, "a 6x8 image")


def _max_pool_negative(fn):
    image = -1.0 - np.arange(16.0).reshape(4, 4)
    want = np.array([[-1.0, -3.0], [-9.0, -11.0]])
    _compare(_call(fn, image), want, None, "an image of negative values (start from -inf, not 0)")


_EXERCISES: dict[str, tuple[str, list[tuple[str, Callable]]]] = {
    "sigmoid": (
        "a numerically stable sigmoid",
        [
            ("matches sigmoid on -8..8", _sigmoid_values),
            ("no overflow at |z| up to 1e4", _sigmoid_extremes),
            ("keeps the input's shape", _sigmoid_shape),
        ],
    ),
    "relu_grad": (
        "the derivative of ReLU",
        [
            ("1 for z > 0 and 0 for z < 0", _relu_grad_values),
            ("0 at z = 0", _relu_grad_zero),
            ("keeps the input's shape", _relu_grad_shape),
        ],
    ),
    "softmax": (
        "a numerically stable softmax over the last axis",
        [
            ("matches softmax on small logits", _softmax_values),
            ("no overflow for logits up to 1e4", _softmax_extremes),
            ("every row sums to 1", _softmax_rows),
        ],
    ),
    "binary_cross_entropy": (
        "the mean binary cross-entropy bce(y, p)",
        [
            ("matches on five examples", _bce_values),
            ("finite for probabilities 0 and 1", _bce_extremes),
        ],
    ),
    "gradient_step": (
        "one gradient-descent step for logistic regression, gd_step(w, b, X, y, lr) -> (w, b)",
        [
            ("updates w and b by -lr times the gradient", _gd_step_values),
            ("the step scales with lr", _gd_step_lr),
        ],
    ),
    "forward_pass": (
        "forward(X, W1, b1, W2, b2): ReLU hidden layer, softmax output, probabilities (N, C)",
        [
            ("matches on a batch", _forward_values),
            ("works for a single example", _forward_one_example),
        ],
    ),
    "output_grad": (
        "output_grad(P, y): dJ/dZ2 for softmax + cross-entropy, (P - Y) / N",
        [
            ("matches on four examples", _output_grad_values),
            ("divides by the number of examples", _output_grad_mean),
        ],
    ),
    "rnn_step": (
        "rnn_step(x_t, h_prev, kernel, recurrent_kernel, bias) -> h, Keras SimpleRNN layout",
        [
            ("matches on a batch", _rnn_step_values),
            ("depends on the previous state", _rnn_step_uses_state),
        ],
    ),
    "lstm_step": (
        "lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias) -> (h, c), Keras LSTM layout",
        [
            ("matches on a batch", _lstm_step_values),
            ("an open forget gate keeps the cell state", _lstm_forget_gate),
        ],
    ),
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


def available() -> dict[str, str]:
    """Names of the exercises :func:`check` knows, with what each asks for."""
    return {name: desc for name, (desc, _) in _EXERCISES.items()}


def check(exercise: str, fn: Callable) -> Report:
    """Run the checks for ``exercise`` on the reader's function ``fn``.

    Every check runs, so the report lists all that pass and all that fail.
    """
    if exercise not in _EXERCISES:
        raise ValueError(f"unknown exercise={exercise!r}; expected one of {sorted(_EXERCISES)}")
    if not callable(fn):
        raise TypeError(f"fn must be the function you wrote, got {fn!r}")
    _, checks = _EXERCISES[exercise]
    lines, passed = [], True
    for name, run in checks:
        try:
            run(fn)
            lines.append(f"[pass] {name}")
        except _Failed as verdict:
            passed = False
            lines.append(f"[FAIL] {name}: {verdict}")
    return Report(exercise, passed, lines)
