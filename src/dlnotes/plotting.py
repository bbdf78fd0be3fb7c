"""Plot helpers for the notebooks. Each returns the matplotlib Figure it drew."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np


def plot_activation(
    fn: Callable,
    grad: Callable,
    z: np.ndarray | None = None,
    name: str = "f",
    title: str | None = None,
    shade: Sequence[float] | None = None,
):
    """Two panels: the activation ``fn(z)`` and its derivative ``grad(z)``.

    z: (M,) points to plot (default: 401 points on [-8, 8]).
    shade: optional (lo, hi) interval of z to shade on both panels.
    Returns the Figure.
    """
    import matplotlib.pyplot as plt

    z = np.linspace(-8, 8, 401) if z is None else np.asarray(z, dtype=float)
    fig, (ax_f, ax_g) = plt.subplots(1, 2, figsize=(9, 3.2), constrained_layout=True)
    ax_f.plot(z, fn(z), color="C0")
    ax_f.set(xlabel="z (pre-activation)", ylabel=f"{name}(z)", title=f"{name}(z)")
    ax_g.plot(z, grad(z), color="C1")
    ax_g.set(xlabel="z (pre-activation)", ylabel=f"{name}'(z)", title=f"derivative {name}'(z)")
    for ax in (ax_f, ax_g):
        ax.axhline(0, color="0.6", lw=0.8)
        ax.axvline(0, color="0.6", lw=0.8)
        ax.grid(alpha=0.3)
        if shade is not None:
            ax.axvspan(shade[0], shade[1], color="C2", alpha=0.12)
    if title:
        fig.suptitle(title)
    return fig
