"""Every public function has a property test; every failure found in modules owned elsewhere has a reproducer.

:func:`test_every_public_function_has_a_property_test` fails when a name in
some module's ``__all__`` is neither covered by a property test (``@covers``)
nor excluded with a reason (:data:`properties.support.EXCLUDED`).
:func:`test_known_failure` reproduces each entry of
:data:`properties.support.KNOWN`, ``xfail(strict=True)``: a fix turns it red
until the entry goes.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import dlnotes  # noqa: E402
# Importing the test modules runs their @covers, which fill COVERED.
from properties import (  # noqa: F401, E402
    test_activations_losses, test_conv_pooling, test_exercises_props, test_models_extra,
    test_normalization, test_recurrent, test_tools, test_training,
)
from properties.support import (  # noqa: E402
    COVERED, EXCLUDED, KNOWN,
)


def public_names() -> dict[str, object]:
    """{"module.name": object} for every callable in every dlnotes module's ``__all__``.

    A module without ``__all__`` yet (rnn and lstm while it is being added)
    counts its public functions instead, so the check does not wait for it.
    """
    found = {}
    for info in pkgutil.walk_packages(dlnotes.__path__, "dlnotes."):
        short = info.name.removeprefix("dlnotes.")
        if any(part.startswith("_") for part in short.split(".")):
            continue
        module = importlib.import_module(info.name)
        names = getattr(module, "__all__", None)
        if names is None and short.startswith("exercises"):
            continue                                      # the checkers, reached through exercises.check
        if names is None:
            names = [n for n, v in vars(module).items() if not n.startswith("_") and inspect.isfunction(v)
                     and v.__module__ == module.__name__]
        for name in names:
            obj = getattr(module, name)
            if callable(obj):
                found[f"{short}.{name}"] = obj
    return found


def test_every_public_function_has_a_property_test():
    names = public_names()
    assert len(names) > 80, sorted(names)       # the walk found the package
    missing = sorted(set(names) - COVERED - set(EXCLUDED))
    assert not missing, f"public functions with no property test (add one, or an exclusion with a reason): {missing}"
    stale = sorted((COVERED | set(EXCLUDED)) - set(names))
    assert not stale, f"covered or excluded names that are not public (any more): {stale}"


# One reproducer per KNOWN entry: a function that asserts the behaviour a careful library would have.
REPRODUCERS: dict = {}


def test_every_known_failure_has_a_reproducer():
    assert REPRODUCERS.keys() == KNOWN.keys()


# Parametrized only when there is something to reproduce: with KNOWN empty (today)
# the run says nothing about it, instead of reporting a skipped test.
if KNOWN:
    @pytest.mark.parametrize("failure", [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=KNOWN[name])) for name in sorted(KNOWN)])
    def test_known_failure(failure):
        """Each reproducer asserts the behaviour a careful library would have; today each fails (see KNOWN)."""
        try:
            REPRODUCERS[failure]()
        finally:
            plt.close("all")
