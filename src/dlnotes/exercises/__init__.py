"""Checkers for the notebooks' exercises.

``check("sigmoid", my_sigmoid)`` runs the reader's function through a list of
checks against the package's own implementation and returns a
:class:`Report`: it shows as "passed" or says which check failed, on which
input, and what was expected. The reader's function is called with warnings
turned into errors, so an overflow counts as a failure.

Available exercises: see :func:`available`; their checks live in one module per
chapter (activations, logistic, networks, recurrent, convolution).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Callable

from . import activations, convolution, logistic, networks, recurrent
from ._checking import Failed

_EXERCISES: dict[str, tuple[str, list[tuple[str, Callable]]]] = {
    **activations.EXERCISES, **logistic.EXERCISES, **networks.EXERCISES,
    **recurrent.EXERCISES, **convolution.EXERCISES,
}


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
        except Failed as verdict:
            passed = False
            lines.append(f"[FAIL] {name}: {verdict}")
    return Report(exercise, passed, lines)
