"""Plot helpers for the notebooks. Each returns the matplotlib Figure it drew."""

from __future__ import annotations

from typing import Callable, Sequence

import numbers

import numpy as np

from ._validate import as_float_array

__all__ = ["plot_activation", "plot_unrolled_rnn"]


def _title(title) -> None:
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None, got {title!r}")


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
    for f, label in ((fn, "fn"), (grad, "grad")):
        if not callable(f):
            raise TypeError(f"{label} must be a function of z, got {f!r}")
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {name!r}")
    _title(title)
    if z is not None:
        z = as_float_array(z, "z").astype(np.float64)      # TypeError for strings, complex numbers, ragged lists
        if z.ndim != 1 or z.size == 0 or not np.all(np.isfinite(z)):
            raise ValueError(f"z must be a non-empty 1-D array of finite numbers, got shape {z.shape}")
    if shade is not None and not (len(np.shape(shade)) == 1 and np.shape(shade) == (2,)
                                  and all(isinstance(v, numbers.Real) and np.isfinite(v) for v in shade)):
        raise ValueError(f"shade must be an interval (lo, hi) of two finite numbers, got {shade!r}")
    import matplotlib.pyplot as plt

    z = np.linspace(-8, 8, 401) if z is None else z
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


def plot_unrolled_rnn(steps: int = 4, title: str | None = None):
    """Diagram of a recurrent cell unrolled over ``steps`` time steps, with the backward path.

    Inputs x_t at the bottom, states h_t in the middle (h_0 on the left), one
    loss L_t per step on top. Black arrows: the forward pass, the same
    kernel and recurrent_kernel at every step. Red dashed arrows:
    backpropagation through time, from each loss back along the chain of
    states. Returns the Figure. steps: an integer from 1 to 20.
    """
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or not 1 <= steps <= 20:
        raise ValueError(f"steps must be an integer from 1 to 20, got {steps!r}")
    _title(title)
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    fig, ax = plt.subplots(figsize=(1.9 * steps + 2.2, 3.6), constrained_layout=True)

    def box(x, y, text, color):
        ax.add_patch(FancyBboxPatch((x - 0.38, y - 0.22), 0.76, 0.44, boxstyle="round,pad=0.05",
                                    fc=color, ec="0.3"))
        ax.text(x, y, text, ha="center", va="center", fontsize=11)

    def arrow(x0, y0, x1, y1, **style):
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops=dict(arrowstyle="->", lw=1.3, **style))

    box(0, 1.5, "$h_0$", "#eef4fb")
    for t in range(1, steps + 1):
        x = 1.8 * t
        box(x, 0.2, f"$x_{t}$", "#fdf3e1")
        box(x, 1.5, f"$h_{t}$", "#eef4fb")
        box(x, 2.8, f"$L_{t}$", "#f6e0e0")
        arrow(x, 0.45, x, 1.25, color="black")
        arrow(x, 1.75, x, 2.55, color="black")
        arrow(x - 1.8 + 0.42, 1.5, x - 0.42, 1.5, color="black")
        ax.text(x - 0.9, 1.58, "recurrent\nkernel", ha="center", va="bottom", fontsize=7, color="0.35")
        ax.text(x + 0.06, 0.85, "kernel", ha="left", va="center", fontsize=7, color="0.35")
        arrow(x - 0.42, 1.38, x - 1.8 + 0.42, 1.38, color="C3", ls="--")
        arrow(x + 0.12, 2.55, x + 0.12, 1.75, color="C3", ls="--")
    ax.text(1.8 * steps / 2 + 0.9, 3.35, r"total loss $L = L_1 + \dots + L_T$", ha="center", fontsize=10)
    ax.set_xlim(-0.6, 1.8 * steps + 0.6)
    ax.set_ylim(-0.2, 3.6)
    ax.axis("off")
    ax.set_title(title or "An RNN unrolled through time: forward (black), backpropagation through time (red)")
    return fig
