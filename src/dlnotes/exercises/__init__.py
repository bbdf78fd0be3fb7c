"""Checkers for the notebooks' exercises.

Two calls, one for each kind of exercise:

* ``check("sigmoid", my_sigmoid)`` for an exercise where you write a
  function. It runs your function through the exercise's checks on inputs
  drawn afresh on every attempt (seeded by the attempt number, so a notebook
  run top to bottom prints the same report) plus fixed edge cases. Your
  function gets copies of the inputs and runs with warnings turned into
  errors, so an overflow counts as a failure.
* ``answer("alexnet_conv1_params", 34944)`` for an exercise where you predict,
  compute or read off a number or a choice. ``None`` means "not answered yet".

Both return a :class:`Report`: it shows as "all checks passed" or says what is
wrong, naming the common slips (a missing 1/N, a transposed weight, an
off-by-one) when your answer matches one. dlnotes' own functions are refused:
they are what the checks compare against.

Exercises live in one module per chapter; :func:`available` lists them.
"""

from __future__ import annotations

import functools
import inspect
import textwrap
import zlib
from collections import Counter
from dataclasses import dataclass, field
from numbers import Real
from typing import Any, Callable

import numpy as np

from . import (
    activations,
    architectures,
    convolution,
    limits,
    logistic,
    networks,
    recurrent,
)
from ._checking import Answer, Failed, Implement

__all__ = ["Answer", "Implement", "Report", "answer", "available", "check"]

_MODULES = (activations, logistic, networks, recurrent, convolution, architectures, limits)


def _registry() -> dict[str, Implement | Answer]:
    exercises: dict[str, Implement | Answer] = {}
    for module in _MODULES:
        for exercise in module.EXERCISES:
            if exercise.name in exercises:
                raise RuntimeError(f"exercise {exercise.name!r} is defined twice")
            exercises[exercise.name] = exercise
    return exercises


EXERCISES: dict[str, Implement | Answer] = _registry()
_attempts: Counter = Counter()


@dataclass
class Report:
    """The outcome of :func:`check` or :func:`answer`: ``passed`` and one line per check."""

    exercise: str
    passed: bool
    lines: list[str] = field(default_factory=list)
    status: str | None = None

    def __repr__(self) -> str:
        status = self.status or ("all checks passed" if self.passed else "not yet")
        body = [textwrap.fill(line, 78, initial_indent="  ", subsequent_indent="         ")
                for line in self.lines]
        return "\n".join([f"{self.exercise}: {status}"] + body)

    def __bool__(self) -> bool:
        return self.passed


def available() -> dict[str, str]:
    """Names of the exercises :func:`check` and :func:`answer` know, with what each asks for."""
    return {name: exercise.prompt for name, exercise in EXERCISES.items()}


def _lookup(exercise: str, kind: type) -> Implement | Answer:
    if exercise not in EXERCISES:
        raise ValueError(f"unknown exercise={exercise!r}; expected one of {sorted(EXERCISES)}")
    found = EXERCISES[exercise]
    if not isinstance(found, kind):
        other = "answer(name, value)" if isinstance(found, Answer) else "check(name, your_function)"
        raise ValueError(f"exercise={exercise!r} is answered with {other}")
    return found


def _dlnotes_name(fn: Callable) -> str | None:
    """``"dlnotes.activations.sigmoid"`` when ``fn`` is (or wraps) a dlnotes function, else None."""
    seen = fn
    for _ in range(10):
        if isinstance(seen, functools.partial):
            seen = seen.func
        elif inspect.ismethod(seen):
            seen = seen.__func__
        elif getattr(seen, "__wrapped__", None) is not None:
            seen = seen.__wrapped__
        else:
            break
    module = getattr(seen, "__module__", None) or ""
    if module.startswith("dlnotes.exercises"):
        return None                                      # the checkers' own references and slips
    if module == "dlnotes" or module.startswith("dlnotes."):
        name = getattr(seen, "__qualname__", type(seen).__name__)
        return f"`{name}` ({module}.{name})"
    return None


def _rng(exercise: str) -> np.random.Generator:
    """Fresh inputs on every attempt, the same ones for the same attempt number."""
    _attempts[exercise] += 1
    return np.random.default_rng([zlib.crc32(exercise.encode()), _attempts[exercise]])


def check(exercise: str, fn: Callable) -> Report:
    """Run the checks of ``exercise`` on your function ``fn``; every check runs, so all failures are listed."""
    found = _lookup(exercise, Implement)
    if not callable(fn):
        got = "None" if fn is None else f"{type(fn).__name__} {fn!r}"
        return Report(exercise, False, [f"[FAIL] pass the function you wrote (its name, no brackets); got {got}"])
    own = _dlnotes_name(fn)
    if own is not None:
        return Report(exercise, False, [
            f"[FAIL] that is dlnotes' own {own}: the checks compare against dlnotes, so it would only "
            f"prove dlnotes equals itself. Write your own function and pass that."])
    rng = _rng(exercise)
    lines, passed = [], True
    for label, run in found.checks:
        try:
            run(fn, rng)
            lines.append(f"[pass] {label}")
        except Failed as verdict:
            passed = False
            lines.append(f"[FAIL] {label}: {verdict}")
        except Exception as exc:          # what the function returned broke the check itself
            passed = False
            lines.append(f"[FAIL] {label}: the check could not use what your function returned "
                         f"({type(exc).__name__}: {exc})")
    return Report(exercise, passed, lines)


def _is_number(value) -> bool:
    return isinstance(value, (Real, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _same(value, target, exercise: Answer) -> bool:
    if exercise.choices is not None:
        return str(value).strip().lower() == str(target).strip().lower()
    if not _is_number(value):
        return False
    return bool(np.isclose(float(value), float(target), rtol=max(exercise.tolerance, 1e-9), atol=0.0))


def answer(exercise: str, value: Any) -> Report:
    """Compare your ``value`` with the answer of ``exercise`` (``None``: not answered yet)."""
    found = _lookup(exercise, Answer)
    if value is None:
        return Report(exercise, False, [f"replace None with your answer: {found.prompt}"],
                      status="not answered yet")
    if found.choices is not None:
        if not isinstance(value, str) or value.strip().lower() not in [c.lower() for c in found.choices]:
            return Report(exercise, False, [f"[FAIL] answer one of {', '.join(map(repr, found.choices))}; "
                                            f"got {value!r}"])
    elif not _is_number(value):
        return Report(exercise, False, [f"[FAIL] the answer is a number; got {type(value).__name__} {value!r}"])
    expected = found.expected()
    if _same(value, expected, found):
        return Report(exercise, True, [f"[pass] {found.explain}"], status="right")
    slips = found.slips() if callable(found.slips) else found.slips
    for wrong, message in slips.items():
        if _same(value, wrong, found):
            return Report(exercise, False, [f"[FAIL] {value!r}: {message}"])
    if found.choices is None:
        direction = "too large" if float(value) > float(expected) else "too small"
        return Report(exercise, False, [f"[FAIL] {value!r} is {direction}; look again at the chapter's reasoning"])
    return Report(exercise, False, [f"[FAIL] {value!r} is not what happens; look again at the chapter's reasoning"])
