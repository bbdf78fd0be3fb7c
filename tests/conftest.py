"""Shared test helpers: one comparison helper, finite differences, seeded randomness, lazy TensorFlow.

Test modules import the helpers directly::

    from conftest import assert_close, numerical_grad, rel_error

This works because ``tests/`` has no ``__init__.py``: with pytest's default
("prepend") import mode the directory of this rootdir conftest is put on
``sys.path``, so ``conftest`` is an ordinary importable module. The same
helpers are also offered as fixtures of the same names for tests that prefer
fixtures.

TensorFlow is only ever imported through the session-scoped ``tf`` fixture,
so a test run that needs no TensorFlow never pays for (or depends on) it.
"""

from __future__ import annotations

import os
import zlib

import numpy as np
import pytest

# Seed for every test's ``rng``. Each test mixes in a stable hash of its own
# id, so parametrised cases draw different numbers yet every run is the same.
SEED = 20240917


def _fmt_index(idx: tuple) -> str:
    return "(" + ", ".join(str(int(i)) for i in idx) + (",)" if len(idx) == 1 else ")")


def assert_close(
    name: str,
    got,
    want,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    check_dtype: bool = False,
    equal_nan: bool = False,
) -> None:
    """Assert ``got`` matches ``want``: shape first, then dtype (if asked), then values.

    Values pass where ``|got - want| <= atol + rtol * |want|`` (compared in
    float64). Infinities must sit in the same places with the same sign. NaN
    fails unless ``equal_nan``, in which case the NaN masks must be identical.
    Every failure message starts with ``name`` and says what differed; a value
    failure reports the largest absolute and relative errors, where they are,
    and the values there.
    """
    __tracebackhide__ = True  # pytest shows the caller's line, not this helper's
    got_arr = np.asarray(got)
    want_arr = np.asarray(want)
    if got_arr.shape != want_arr.shape:
        raise AssertionError(f"{name}: shape {got_arr.shape} != expected {want_arr.shape}")
    if check_dtype and got_arr.dtype != want_arr.dtype:
        raise AssertionError(f"{name}: dtype {got_arr.dtype} != expected {want_arr.dtype}")
    for label, arr in (("got", got_arr), ("want", want_arr)):
        if arr.dtype.kind not in "biuf":
            raise AssertionError(f"{name}: {label} has non-real dtype {arr.dtype}")
    g = got_arr.astype(np.float64)
    w = want_arr.astype(np.float64)

    g_nan, w_nan = np.isnan(g), np.isnan(w)
    if equal_nan:
        if not np.array_equal(g_nan, w_nan):
            bad = np.argwhere(g_nan != w_nan)
            idx = tuple(bad[0])
            raise AssertionError(
                f"{name}: NaN masks differ at {len(bad)} of {g.size} entries; first at "
                f"{_fmt_index(idx)}: got {g[idx]!r}, want {w[idx]!r}"
            )
    elif g_nan.any() or w_nan.any():
        raise AssertionError(
            f"{name}: unexpected NaN ({int(g_nan.sum())} in got, {int(w_nan.sum())} in want)"
        )
    comparable = ~(g_nan | w_nan)

    g_inf, w_inf = np.isinf(g) & comparable, np.isinf(w) & comparable
    inf_bad = (g_inf | w_inf) & (g != w)
    if inf_bad.any():
        idx = tuple(np.argwhere(inf_bad)[0])
        raise AssertionError(
            f"{name}: infinities differ at {int(inf_bad.sum())} entries; first at "
            f"{_fmt_index(idx)}: got {g[idx]!r}, want {w[idx]!r}"
        )
    finite = comparable & ~g_inf & ~w_inf
    if not finite.any():
        return

    abs_err = np.abs(np.where(finite, g, 0.0) - np.where(finite, w, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        rel_err = np.where(finite & (w != 0), abs_err / np.abs(w), np.where(abs_err > 0, np.inf, 0.0))
    too_far = finite & (abs_err > atol + rtol * np.abs(w))
    if too_far.any():
        i_abs = np.unravel_index(np.argmax(abs_err), g.shape) if g.ndim else ()
        i_rel = np.unravel_index(np.argmax(rel_err), g.shape) if g.ndim else ()
        raise AssertionError(
            f"{name}: {int(too_far.sum())} of {g.size} values differ beyond "
            f"rtol={rtol:g}, atol={atol:g}\n"
            f"  max abs error {abs_err[i_abs]:.3e} at {_fmt_index(i_abs)}: "
            f"got {g[i_abs]!r}, want {w[i_abs]!r}\n"
            f"  max rel error {rel_err[i_rel]:.3e} at {_fmt_index(i_rel)}: "
            f"got {g[i_rel]!r}, want {w[i_rel]!r}"
        )


def rel_error(a, b, tiny: float = 1e-300) -> float:
    """Relative error ``max |a - b| / max(max(|a| + |b|), tiny)``, a single float.

    Normalised by the largest magnitude rather than entry by entry: a
    finite-difference estimate has an absolute error of about 1e-10, which
    would be a huge relative error for an entry that happens to be near zero.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise AssertionError(f"rel_error: shapes differ, {a.shape} vs {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(a) + np.abs(b))), tiny))


def numerical_grad(f, x, upstream=None, eps: float = 1e-6) -> np.ndarray:
    """Centred finite-difference gradient of ``L(x) = sum(f(x) * upstream)`` with respect to ``x``.

    ``f`` maps an array to an array (any shapes); ``upstream`` has the shape of
    ``f(x)`` (ones if omitted, so for an elementwise ``f`` the result is
    ``f'(x)``). For a function with a full Jacobian, such as softmax, the
    result is the vector-Jacobian product ``upstream @ J``. ``x`` must be
    float64. Each entry of ``x`` is nudged by ``±eps`` in turn; the two
    outputs are subtracted before the weighted sum, so entries of ``f(x)``
    that do not move contribute exactly zero.
    """
    x = np.asarray(x)
    if x.dtype != np.float64:
        raise TypeError(f"numerical_grad needs float64 x, got {x.dtype}")
    x = x.copy()
    out = np.asarray(f(x))
    up = np.ones_like(out, dtype=np.float64) if upstream is None else np.asarray(upstream, dtype=np.float64)
    if up.shape != out.shape:
        raise ValueError(f"upstream shape {up.shape} != f(x) shape {out.shape}")
    grad = np.empty_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        plus = np.array(f(x), dtype=np.float64)
        x[idx] = old - eps
        minus = np.array(f(x), dtype=np.float64)
        x[idx] = old
        grad[idx] = np.sum((plus - minus) * up) / (2 * eps)
    return grad


# ----------------------------------------------------------------- fixtures


@pytest.fixture
def rng(request) -> np.random.Generator:
    """A fresh ``numpy.random.Generator`` seeded from SEED and the test's id."""
    return np.random.default_rng([SEED, zlib.crc32(request.node.nodeid.encode())])


def tensorflow_kernels() -> str:
    """Which TensorFlow CPU kernels the parity tests compare against, from the environment.

    TensorFlow reads these variables once, at import: ``TF_ENABLE_ONEDNN_OPTS``
    (oneDNN's kernels, on by default on x86-64 Linux; 0 turns them off) and
    ``ONEDNN_MAX_CPU_ISA`` (the widest vector instructions oneDNN may use).
    ``make test`` runs the parity tests under both: oneDNN on (the first run)
    and off (the second kernel set, see tools/kernels.py).
    """
    onednn = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "")
    state = "off" if onednn == "0" else "on"
    isa = os.environ.get("ONEDNN_MAX_CPU_ISA", "")
    return f"TensorFlow oneDNN kernels {state} (TF_ENABLE_ONEDNN_OPTS={onednn or 'unset'}" + (
        f", ONEDNN_MAX_CPU_ISA={isa})" if isa else ")")


def pytest_configure(config):
    config.addinivalue_line("markers", "tensorflow: compares with TensorFlow (uses the tf fixture)")


def pytest_report_header(config):
    return f"parity tests compare against: {tensorflow_kernels()}"


def pytest_collection_modifyitems(config, items):
    """Mark every test that uses the ``tf`` fixture ``tensorflow``, so ``-m tensorflow`` selects the parity tests."""
    for item in items:
        if "tf" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.tensorflow)


@pytest.fixture(scope="session")
def tf():
    """TensorFlow, imported on first use only, with its C++ logging turned off.

    Its kernels are whatever the environment chose (:func:`tensorflow_kernels`
    says which, and pytest's header prints it).
    """
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import tensorflow

    return tensorflow


@pytest.fixture(name="assert_close")
def _assert_close_fixture():
    return assert_close


@pytest.fixture(name="rel_error")
def _rel_error_fixture():
    return rel_error


@pytest.fixture(name="numerical_grad")
def _numerical_grad_fixture():
    return numerical_grad
