"""What every checker shares: the two kinds of exercise, calling the reader's function safely, and comparing.

An exercise is one of two kinds:

* :class:`Implement`: the reader writes a function (derive a gradient, write a
  layer's step). Each check is ``run(fn, rng)``: it draws inputs from ``rng``
  (fresh on every attempt) or uses fixed edge cases, calls the reader's
  function through :func:`call` or :func:`call_raw`, and raises
  :class:`Failed` with a message the reader can act on.
* :class:`Answer`: the reader writes down a number or a choice (predict an
  experiment's outcome before running it, compute a parameter count, read a
  figure). ``expected()`` computes the right answer, usually with ``dlnotes``.

Both carry ``slips``: the common mistakes, each with its own message. The
tests in ``tests/test_exercises.py`` feed every exercise its reference (it
must pass), each slip (it must fail with that slip's message), ``None`` and a
wrong shape (they must fail, never crash), and dlnotes' own function (refused).
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ..gradients import numerical_gradient

Check = Callable[[Callable, np.random.Generator], None]


class Failed(Exception):
    """A check's verdict, with the message the reader sees."""


@dataclass(frozen=True)
class Implement:
    """An exercise where the reader writes a function.

    name: what ``check(name, fn)`` is called with.
    prompt: the function's signature and what it returns, one line.
    checks: ``(label, run)`` pairs; ``run(fn, rng)`` raises :class:`Failed` or returns.
    reference: a correct solution (used by the tests; never shown to the reader).
    slips: ``{message: implementation}``: each implementation makes one common
        mistake, and ``check`` must fail on it with a line containing ``message``.
    package: the dotted name of dlnotes' own version (``"dlnotes.activations.sigmoid"``),
        if there is one; any dlnotes function is refused, this one is what the tests try.
    kind: ``"derive"`` (work the maths out, then implement) or ``"implement"``.
    """

    name: str
    prompt: str
    checks: Sequence[tuple[str, Check]]
    reference: Callable
    slips: Mapping[str, Callable] = field(default_factory=dict)
    package: str | None = None
    kind: str = "implement"


@dataclass(frozen=True)
class Answer:
    """An exercise where the reader gives a number or a choice.

    expected: a function of no arguments that computes the right answer (a
        number, or one of ``choices``).
    explain: shown once the answer is right: why it is right.
    kind: ``"predict"`` (before running the experiment), ``"compute"`` or ``"interpret"``.
    tolerance: relative tolerance for numbers (0: equal to about 1e-9).
    choices: the allowed answers, for a choice (compared case-insensitively).
    slips: ``{wrong answer: message}`` for the common wrong answers, or a
        function of no arguments returning that mapping (when the wrong
        answers are computed too).
    """

    name: str
    prompt: str
    kind: str
    expected: Callable[[], Any]
    explain: str
    tolerance: float = 0.0
    choices: tuple[str, ...] | None = None
    slips: Mapping[Any, str] | Callable[[], Mapping[Any, str]] = field(default_factory=dict)


# -- calling the reader's function ---------------------------------------------------------
def _copy(arg):
    """The reader gets copies: a function that changes its input in place changes nothing here."""
    if isinstance(arg, np.ndarray):
        return arg.copy()
    if isinstance(arg, (list, tuple, dict)):
        return copy.deepcopy(arg)
    return arg


def call_raw(fn: Callable, *args):
    """Call the reader's function on copies of ``args``, with warnings as errors; failures become verdicts."""
    args = tuple(_copy(a) for a in args)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            try:
                return fn(*args)
            except NotImplementedError as exc:
                raise Failed(f"not implemented yet ({exc})" if str(exc) else "not implemented yet") from None
            except (FloatingPointError, RuntimeWarning) as exc:
                raise Failed(f"numerical trouble: {type(exc).__name__}: {exc}") from None
            except Exception as exc:
                raise Failed(f"your function raised {type(exc).__name__}: {exc}") from None


def as_array(out, what: str = "your function") -> np.ndarray:
    """``out`` as a float64 array, or a verdict saying what came back instead."""
    if out is None:
        raise Failed(f"{what} returned None: is a `return` missing?")
    try:
        array = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        raise Failed(f"{what} returned {type(out).__name__}, not an array of numbers") from None
    return array


def call(fn: Callable, *args) -> np.ndarray:
    """Call the reader's function (see :func:`call_raw`) and return its result as a float64 array."""
    return as_array(call_raw(fn, *args))


def expect_tuple(out, names: Sequence[str]) -> tuple[np.ndarray, ...]:
    """``out`` must be a tuple of ``len(names)`` arrays, e.g. ``names=("h", "c")``; returns them as arrays."""
    wanted = "(" + ", ".join(names) + ")"
    if not isinstance(out, (tuple, list)) or len(out) != len(names):
        got = "None" if out is None else (f"a {type(out).__name__} of length {len(out)}"
                                          if isinstance(out, (tuple, list)) else type(out).__name__)
        raise Failed(f"return the tuple {wanted}, got {got}")
    return tuple(as_array(part, f"your function's {name}") for name, part in zip(names, out))


# -- comparing ------------------------------------------------------------------------------
def compare(got: np.ndarray, want: np.ndarray, inputs: np.ndarray | None, what: str,
            rtol: float = 1e-7, atol: float = 1e-12, *, slips: Mapping[str, np.ndarray] | None = None):
    """Fail unless ``got`` equals ``want``; say which common slip ``got`` matches, if any.

    inputs: the array the values came from (to name the input of the first
        wrong value), or None (to name its index).
    what: the case, shown first in the message ("a batch of 3 examples").
    slips: ``{message: what that slip would have returned}`` on these inputs.
    """
    want = np.asarray(want, dtype=np.float64)
    same = got.shape == want.shape and np.allclose(got, want, rtol=rtol, atol=atol)
    if same:
        return
    for message, slip in (slips or {}).items():
        slip = np.asarray(slip, dtype=np.float64)
        if got.shape == slip.shape and np.allclose(got, slip, rtol=rtol, atol=atol):
            raise Failed(f"{what}: {message}")
    if got.shape != want.shape:
        raise Failed(f"{what}: returned shape {got.shape}, expected {want.shape}")
    bad = ~np.isclose(got, want, rtol=rtol, atol=atol)
    i = np.flatnonzero(bad)[0]
    where = f"index {np.unravel_index(i, got.shape)}" if inputs is None or inputs.shape != got.shape \
        else f"input {float(inputs.flat[i]):.6g}"
    raise Failed(
        f"{what}: at {where} you returned {float(got.flat[i]):.6g}, "
        f"expected {float(want.flat[i]):.6g}"
        f" ({int(bad.sum())} of {bad.size} values wrong)"
    )


def numerical_backward(forward: Callable[..., np.ndarray], dout: np.ndarray,
                       *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
    """What a backward pass given ``dout`` must return, by centred finite differences.

    The gradient of L = sum(dout * forward(*inputs)) with respect to each input in
    turn (:func:`dlnotes.gradients.numerical_gradient`, eps = 1e-6), the others held fixed.
    forward: the layer's forward function; its output has dout's shape.
    dout: (the output's shape) the upstream gradient dL/d(output).
    inputs: float64 arrays of any shapes; left unchanged (a copy of each is perturbed).
    Returns one gradient per input, each shaped like that input.
    """
    def loss_of(k: int) -> Callable[[np.ndarray], float]:
        def loss(value: np.ndarray) -> float:
            values = list(inputs)
            values[k] = value
            return float(np.sum(dout * forward(*values)))
        return loss

    return tuple(numerical_gradient(loss_of(k), inputs[k].copy()) for k in range(len(inputs)))


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| / max(|a|, |b|, 1e-12): the gradient-check measure."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(np.abs(a).max(initial=0.0), np.abs(b).max(initial=0.0), 1e-12)
    return float(np.abs(a - b).max(initial=0.0) / scale)
