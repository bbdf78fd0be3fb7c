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

from . import activations


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
    try:
        return np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        raise _Failed(f"your function returned {type(out).__name__}, not an array of numbers") from None


def _compare(got: np.ndarray, want: np.ndarray, inputs: np.ndarray, what: str, rtol=1e-7, atol=1e-12):
    if got.shape != want.shape:
        raise _Failed(f"{what}: returned shape {got.shape}, expected {want.shape}")
    bad = ~np.isclose(got, want, rtol=rtol, atol=atol)
    if bad.any():
        i = np.flatnonzero(bad)[0]
        raise _Failed(
            f"{what}: at input {float(inputs.flat[i]):.6g} you returned {float(got.flat[i]):.6g}, "
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
