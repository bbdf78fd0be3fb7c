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
import math
import pkgutil

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import dlnotes  # noqa: E402
from dlnotes import explore, losses, mlp, models, optim  # noqa: E402
# Importing the test modules runs their @covers, which fill COVERED.
from properties import (  # noqa: F401, E402
    test_activations_losses, test_conv_pooling, test_recurrent, test_tools, test_training,
)
from properties.support import (  # noqa: E402
    COVERED, EXCLUDED, KNOWN, plot_line,
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


def _net():
    params = mlp.init_params([2, 3, 2], rng=np.random.default_rng(0))
    X = np.array([[0.5, -1.0], [1.5, 0.25]])
    return params, X


def _raises(exc, pattern, fn, *args, **kwargs) -> None:
    with pytest.raises(exc, match=pattern):
        fn(*args, **kwargs)


def _sgd_partial_step():
    params = {"W1": np.ones(2), "b1": np.ones(1)}
    with pytest.raises(ValueError, match="db1"):
        optim.SGD(0.1).step(params, {"dW1": np.ones(2)})
    assert np.array_equal(params["W1"], np.ones(2)), "a failed step updated W1"


def _norm_range():
    clipped, norm = optim.clip_by_global_norm({"dW1": np.full(2, 1e200)}, 1.0)
    assert np.isfinite(norm) and math.hypot(*clipped["dW1"]) == pytest.approx(1.0)
    assert optim.global_norm({"dW1": np.full(1, 1e-5, np.float16)}) > 0


REPRODUCERS = {
    "optim-grads-unchecked": lambda: [_raises((ValueError, TypeError), "grads", optim.global_norm, g)
                                      for g in (None, {"dW1": "x"})],
    "optim-l2-unchecked": lambda: [_raises(ValueError, "l2", optim.l2_penalty, {"W1": np.ones(2)}, -0.1),
                                   _raises(TypeError, "params", optim.add_l2, [np.ones(2)], {"dW1": np.ones(2)}, 0.1)],
    "optim-norm-range": _norm_range,
    "optim-sgd-partial-step": _sgd_partial_step,
    "mlp-params-unchecked": lambda: [_raises((ValueError, TypeError), "params", mlp.n_layers, p)
                                     for p in ([_net()[0]], None, {1: 2})],
    "mlp-activation-named-name": lambda: _raises(TypeError, "activation", mlp.forward, *_net(), activation=None),
    "mlp-output-array": lambda: _raises(ValueError, "output", mlp.forward, *_net(), output=np.array(["a", "b"])),
    "validate-ragged-labels": lambda: _raises((ValueError, TypeError), r"\by\b", mlp.cost_from_cache,
                                              mlp.forward(*_net())[1], [[1.0], [2.0, 3.0]]),
    "models-summary-unchecked": lambda: [_raises(TypeError, "model", f, None)
                                         for f in (models.summary_table, models.count_params)],
    "explore-dpi-unchecked": lambda: [_raises((TypeError, ValueError), "dpi", explore.Explorer, plot_line,
                                              alpha=[0.0, 1.0], dpi=dpi, live=False) for dpi in ("72", 1.5)],
    "losses-float16-clip": lambda: [np.isfinite(losses.binary_cross_entropy([y], np.array([1.0], np.float16)))
                                    or pytest.fail(f"not finite for y_true {y}") for y in (0.0, 1.0)],
}


def test_every_known_failure_has_a_reproducer():
    assert REPRODUCERS.keys() == KNOWN.keys()


@pytest.mark.parametrize("failure", [
    pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=KNOWN[name])) for name in sorted(KNOWN)])
def test_known_failure(failure):
    """Each reproducer asserts the behaviour a careful library would have; today each fails (see KNOWN)."""
    try:
        REPRODUCERS[failure]()
    finally:
        plt.close("all")
