"""What every checker shares: calling the reader's function safely, comparing, and the verdict."""

from __future__ import annotations

import warnings
from typing import Callable

import numpy as np


class Failed(Exception):
    """A check's verdict, with the message the reader sees."""


def call(fn: Callable, *args):
    out = call_raw(fn, *args)
    try:
        return np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        raise Failed(f"your function returned {type(out).__name__}, not an array of numbers") from None


def call_raw(fn: Callable, *args):
    """Call the reader's function with warnings as errors; turn failures into verdicts."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            try:
                out = fn(*args)
            except NotImplementedError as exc:
                raise Failed(f"not implemented yet ({exc})" if str(exc) else "not implemented yet") from None
            except (FloatingPointError, RuntimeWarning) as exc:
                raise Failed(f"numerical trouble: {type(exc).__name__}: {exc}") from None
            except Exception as exc:
                raise Failed(f"your function raised {type(exc).__name__}: {exc}") from None
    return out


def compare(got: np.ndarray, want: np.ndarray, inputs: np.ndarray | None, what: str, rtol=1e-7, atol=1e-12):
    if got.shape != want.shape:
        raise Failed(f"{what}: returned shape {got.shape}, expected {want.shape}")
    bad = ~np.isclose(got, want, rtol=rtol, atol=atol)
    if bad.any():
        i = np.flatnonzero(bad)[0]
        where = f"index {i}" if inputs is None else f"input {float(inputs.flat[i]):.6g}"
        raise Failed(
            f"{what}: at {where} you returned {float(got.flat[i]):.6g}, "
            f"expected {float(want.flat[i]):.6g}"
            f" ({int(bad.sum())} of {bad.size} values wrong)"
        )
