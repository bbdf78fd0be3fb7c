"""The parameter grids of a slider experiment: checked once, with errors that say what to write instead."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def check_grids(grids: Mapping[str, Sequence], max_frames: int) -> dict[str, list]:
    """Each grid as a list of plain numbers or strings; at most ``max_frames`` combinations in all."""
    if not grids:
        raise ValueError("explore needs at least one parameter grid, e.g. explore(f, alpha=[0.0, 0.1])")
    checked = {}
    total = 1
    for name, values in grids.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
            raise TypeError(f"grid {name!r} must be a list of values, got {values!r}")
        values = [v.item() if isinstance(v, np.generic) else v for v in values]
        if not values:
            raise ValueError(f"grid {name!r} is empty; give at least one value")
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        text = all(isinstance(v, str) for v in values)
        if not (numeric or text):
            raise TypeError(f"grid {name!r} must hold only numbers or only strings, got {values!r}")
        if len(set(values)) != len(values):
            raise ValueError(f"grid {name!r} has repeated values: {values!r}")
        checked[name] = values
        total *= len(values)
    if total > max_frames:
        sizes = " x ".join(str(len(v)) for v in checked.values())
        raise ValueError(
            f"the grid has {sizes} = {total} combinations, more than max_frames={max_frames}; "
            "use fewer values or raise max_frames"
        )
    return checked


def grid_index(values: list, value, name: str) -> int:
    """Where ``value`` sits on its grid ``values``."""
    for i, v in enumerate(values):
        if v == value:
            return i
    raise ValueError(f"{name}={value!r} is not on its grid {values!r}")


def check_initial(initial: Mapping[str, Any], grids: dict[str, list]) -> dict[str, int]:
    """The grid index each control starts at (the first value unless ``initial`` names another)."""
    unknown = set(initial) - set(grids)
    if unknown:
        raise ValueError(f"initial names unknown parameter(s) {sorted(unknown)}; parameters are {list(grids)}")
    return {n: grid_index(v, initial[n], n) if n in initial else 0 for n, v in grids.items()}


def check_units(units: Mapping[str, str] | None, grids: dict[str, list]) -> dict[str, str]:
    """The unit read out after each parameter's value (none by default)."""
    if units is None:
        return {}
    if not isinstance(units, Mapping):
        raise TypeError(f"units must be a mapping of parameter name to unit, e.g. {{'lr': 'per step'}}, got {units!r}")
    unknown = set(units) - set(grids)
    if unknown:
        raise ValueError(f"units names unknown parameter(s) {sorted(unknown)}; parameters are {list(grids)}")
    for name, unit in units.items():
        if not isinstance(unit, str):
            raise TypeError(f"units[{name!r}] must be a str, got {unit!r}")
    return dict(units)


def label(value) -> str:
    """A grid value as a control shows it: floats to 6 significant digits."""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
