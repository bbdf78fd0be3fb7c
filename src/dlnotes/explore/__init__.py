"""Slider experiments that work in a live kernel, in the static web book, and without JavaScript.

``explore(plot_fn, alpha=[0.0, 0.05, 0.1])`` calls ``plot_fn(alpha=...)`` for
every value on the grid (every combination, when there are several
parameters) and returns an :class:`Explorer` (``explore`` is the class under
the name notebooks call). Displayed as the last expression of a notebook
cell, it writes two outputs:

* the static output, stored with the notebook: ``text/html``, the
  precomputed frames as inline images with HTML range sliders (or drop-downs for
  text choices) that swap frames, using inline event handlers only (no
  script file, no CDN, no kernel); ``image/png``, the initial frame, for
  viewers that show no HTML. Where inline handlers are stripped (an
  untrusted notebook) it shows that frame and "run the cell for a live
  slider", never a control that does nothing. The web book renders it.
* in a running kernel, the live output: ipywidgets controls that recompute
  the figure (JupyterLab, Colab, VS Code). While it is alive it hides the
  static output; reopened without a kernel it is hidden or empty, and the
  static output shows again (never "model not found").

``plot_fn`` must return a matplotlib ``Figure`` (an ``Axes`` is accepted and
its figure used). Each frame is drawn once, saved, and its figure closed.

The parts live in their own modules: ``_grids`` (the parameter grids and
their errors), ``_frames`` (drawing and encoding the pictures), ``_static``
(the HTML slider) and ``_live`` (the ipywidgets one).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .._validate import positive_int
from ._frames import default_dpi, render_png
from ._grids import check_grids, check_initial, check_units, grid_index, label
from ._live import build_widget, in_kernel
from ._static import static_html

__all__ = ["MAX_FRAMES", "Explorer", "explore"]

MAX_FRAMES = 64
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


class Explorer:
    """A slider experiment: precomputed frames over parameter grids, plus a live widget in a kernel.

    plot_fn: called as ``plot_fn(**params)``; returns a matplotlib Figure.
    grids: one keyword per parameter, each a non-empty sequence of distinct
        numbers (a slider) or of strings (a drop-down).
    initial: the grid value each control starts at (default: the first).
    title: shown above the controls.
    describe: called as ``describe(**params)``, like ``plot_fn``; returns the
        sentence that says what that frame shows (its alt text, and the live
        figure's description). Default: the parameter values.
    units: the unit of each parameter, read out with its value by screen
        readers (``aria-valuetext="steps = 50 time steps"``); default none.
    dpi: resolution of the frames, a positive integer. Default: matplotlib's
        ``savefig.dpi`` (``figure.dpi`` when that is "figure"), the resolution
        the notebooks' static figures are saved at.
    live: add live ipywidgets controls; by default only inside a running kernel.
    max_frames: refuse grids whose combinations exceed this many frames.

    Example: ``explore(lambda alpha: plot_leaky(alpha), alpha=[0.0, 0.1, 0.2])``.
    """

    def __init__(
        self,
        plot_fn: Callable[..., Any],
        *,
        initial: Mapping[str, Any] | None = None,
        title: str | None = None,
        describe: Callable[..., str] | None = None,
        units: Mapping[str, str] | None = None,
        dpi: int | None = None,
        live: bool | None = None,
        max_frames: int = MAX_FRAMES,
        **grids: Sequence,
    ):
        if not callable(plot_fn):
            raise TypeError(f"plot_fn must be callable, got {plot_fn!r}")
        self.plot_fn = plot_fn
        self.grids = check_grids(grids, max_frames)
        self.names = list(self.grids)
        self.initial = check_initial(initial or {}, self.grids)
        self.title = title
        if describe is not None and not callable(describe):
            raise TypeError(f"describe must be callable (params -> str) or None, got {describe!r}")
        self.describe = describe
        self.units = check_units(units, self.grids)
        self.dpi = default_dpi() if dpi is None else positive_int(dpi, "dpi")
        self.live = in_kernel() if live is None else bool(live)
        self.frames: dict[tuple[int, ...], bytes] = {}
        self.alts: dict[tuple[int, ...], str] = {}
        for index in itertools.product(*(range(len(v)) for v in self.grids.values())):
            params = self._params(index)
            self.frames[index] = render_png(self.plot_fn, params, self.dpi)
            self.alts[index] = self.describe_frame(params)
        self._widget = None

    # -- the three renderings -------------------------------------------------
    def _params(self, index: Sequence[int]) -> dict[str, Any]:
        return {name: self.grids[name][i] for name, i in zip(self.names, index)}

    def value_text(self, name: str, value) -> str:
        """What a screen reader says for one control: ``"alpha = 0.1"``, plus the unit if any."""
        unit = self.units.get(name, "")
        return f"{name} = {label(value)}" + (f" {unit}" if unit else "")

    def describe_frame(self, params: dict[str, Any]) -> str:
        """The sentence that says what the frame for ``params`` shows (its alt text)."""
        if self.describe is None:
            return "; ".join(self.value_text(n, v) for n, v in params.items())
        try:
            text = self.describe(**params)
        except Exception as exc:
            raise RuntimeError(f"describe failed for {params}: {type(exc).__name__}: {exc}") from exc
        if not isinstance(text, str) or not text.strip():
            raise TypeError(f"describe must return a non-empty str, got {text!r} for {params}")
        return text

    def frame(self, **params) -> bytes:
        """PNG bytes of the precomputed frame for grid values ``params`` (all parameters named)."""
        if set(params) != set(self.names):
            raise ValueError(f"frame needs exactly the parameters {self.names}, got {sorted(params)}")
        index = tuple(grid_index(self.grids[n], params[n], n) for n in self.names)
        return self.frames[index]

    def html(self) -> str:
        """The self-contained HTML slider: controls plus every frame as an inline lossless WebP.

        It opens as a still and a line saying to run the cell; the initial
        frame's ``onload`` handler then reveals the controls, so where inline
        handlers are stripped no control is shown that would do nothing
        (``dlnotes.explore._static`` has the details).
        """
        return static_html(self)

    @property
    def uid(self) -> str:
        """An id shared by this explorer's two outputs; the same on every machine (no image bytes in it)."""
        what = [getattr(self.plot_fn, "__qualname__", ""), self.title, self.grids, self.initial]
        return "dlnotes-" + hashlib.sha1(json.dumps(what, default=str).encode()).hexdigest()[:12]

    def widget(self):
        """Live ipywidgets controls that call ``plot_fn`` again on every change."""
        if self._widget is None:
            self._widget = build_widget(self)
        return self._widget

    def _repr_mimebundle_(self, include=None, exclude=None):
        """The static output: (data, metadata) with the HTML slider, the initial frame as PNG and a summary.

        The PNG's metadata carries its alt text (``{"image/png": {"alt": ...}}``,
        the key IPython's ``Image(alt=...)`` writes and nbconvert's HTML reads).
        """
        first = tuple(self.initial[n] for n in self.names)
        data = {
            "text/plain": self._summary(),
            "text/html": self.html(),
            "image/png": base64.b64encode(self.frames[first]).decode("ascii"),
        }
        return data, {"image/png": {"alt": self.alts[first]}}

    def live_bundle(self) -> dict:
        """The live output: the ipywidgets view, with an empty text and HTML fallback.

        Kept apart from the static output, so a notebook reopened without the
        widget's model still shows the static one. The widget hides the
        static output while it is alive. Built by hand: ipywidgets 7 (Colab)
        has no ``Widget._repr_mimebundle_``.
        """
        return {
            "text/plain": "",
            "text/html": "",
            WIDGET_VIEW: {"version_major": 2, "version_minor": 0, "model_id": self.widget().model_id},
        }

    def _ipython_display_(self):
        from IPython.display import display

        data, metadata = self._repr_mimebundle_()
        display(data, raw=True, metadata=metadata)
        if self.live:
            display(self.live_bundle(), raw=True)

    def _summary(self) -> str:
        parts = ", ".join(
            f"{n} in [{label(v[0])} .. {label(v[-1])}] ({len(v)} values)" for n, v in self.grids.items()
        )
        head = f"Explorer '{self.title}'" if self.title else "Explorer"
        return f"{head}: {parts}; {len(self.frames)} precomputed frame(s)"

    def __repr__(self) -> str:
        return self._summary()


# The name notebooks call: ``explore(plot_fn, alpha=[...])`` builds an Explorer.
explore = Explorer

