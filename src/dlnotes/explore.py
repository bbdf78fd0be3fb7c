"""Slider experiments that work in a live kernel, in the static web book, and without JavaScript.

``explore(plot_fn, alpha=[0.0, 0.05, 0.1])`` calls ``plot_fn(alpha=...)`` for
every value on the grid (every combination, when there are several
parameters) and returns an :class:`Explorer` (``explore`` is the class under
the name notebooks call). Displayed as the last expression of a notebook
cell, it writes two outputs:

* the static output, stored with the notebook: ``text/html``, the
  precomputed frames as PNG data with HTML range sliders (or drop-downs for
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
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
import json
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ._validate import positive_int

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
        self.grids = _check_grids(grids, max_frames)
        self.names = list(self.grids)
        self.initial = _check_initial(initial or {}, self.grids)
        self.title = title
        if describe is not None and not callable(describe):
            raise TypeError(f"describe must be callable (params -> str) or None, got {describe!r}")
        self.describe = describe
        self.units = _check_units(units, self.grids)
        self.dpi = _default_dpi() if dpi is None else positive_int(dpi, "dpi")
        self.live = _in_kernel() if live is None else bool(live)
        self.frames: dict[tuple[int, ...], bytes] = {}
        self.alts: dict[tuple[int, ...], str] = {}
        for index in itertools.product(*(range(len(v)) for v in self.grids.values())):
            params = self._params(index)
            self.frames[index] = _render_png(self.plot_fn, params, self.dpi)
            self.alts[index] = self._describe(params)
        self._widget = None

    # -- the three renderings -------------------------------------------------
    def _params(self, index: Sequence[int]) -> dict[str, Any]:
        return {name: self.grids[name][i] for name, i in zip(self.names, index)}

    def _value_text(self, name: str, value) -> str:
        """What a screen reader says for one control: ``"alpha = 0.1"``, plus the unit if any."""
        unit = self.units.get(name, "")
        return f"{name} = {_label(value)}" + (f" {unit}" if unit else "")

    def _describe(self, params: dict[str, Any]) -> str:
        if self.describe is None:
            return "; ".join(self._value_text(n, v) for n, v in params.items())
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
        index = tuple(_grid_index(self.grids[n], params[n], n) for n in self.names)
        return self.frames[index]

    def html(self) -> str:
        """The self-contained HTML slider: controls plus every frame as an inline PNG.

        It opens as a plain image and one line saying to run the cell; the
        initial frame's ``onload`` handler then reveals the controls. Where
        inline handlers are stripped (an untrusted notebook in JupyterLab)
        the image and the line stay, and no control is shown that would do
        nothing.
        """
        start = self.initial
        controls = []
        for name in self.names:
            values = self.grids[name]
            labels = [_label(v) for v in values]
            attrs = (
                f'data-dlnotes-param="{html.escape(name)}" '
                f'data-labels="{html.escape(json.dumps(labels))}" '
                f'oninput="{_JS_UPDATE}" onchange="{_JS_UPDATE}"'
            )
            if all(isinstance(v, str) for v in values):
                options = "".join(
                    f'<option value="{i}"{" selected" if i == start[name] else ""}>{html.escape(lab)}</option>'
                    for i, lab in enumerate(labels)
                )
                control = f'<select aria-label="{html.escape(name)}" {attrs}>{options}</select>'
            else:
                texts = [self._value_text(name, v) for v in values]
                control = (
                    f'<input type="range" min="0" max="{len(values) - 1}" step="1" '
                    f'value="{start[name]}" aria-valuetext="{html.escape(texts[start[name]])}" '
                    f'data-texts="{html.escape(json.dumps(texts))}" {attrs}>'
                )
            # The name inherits the page's text colour (a <code> colour is unreadable in dark mode).
            controls.append(
                '<label style="display:block;margin:0.2em 0">'
                f'<span style="font-family:monospace">{html.escape(name)}</span> {control} '
                f"<output>{html.escape(labels[start[name]])}</output></label>"
            )
        first = tuple(start[n] for n in self.names)
        images = []
        for index, png in self.frames.items():
            key = ",".join(str(i) for i in index)
            shown = f' onload="{_JS_REVEAL}"' if index == first else ' style="display:none"'
            images.append(
                f'<img data-key="{key}" alt="{html.escape(self.alts[index])}"{shown} '
                f'src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'
            )
        caption = f"<p><strong>{html.escape(self.title)}</strong></p>" if self.title else ""
        small = 'style="font-size:smaller;margin:0.2em 0"'
        note = (
            f"<p {small}>Precomputed: {len(self.frames)} frame(s), one per grid value; "
            "run the notebook for live sliders.</p>"
        )
        return (
            f'<div class="dlnotes-explore" data-dlnotes-id="{self.uid}">'
            + _reopened_style(self.uid)
            + caption
            + f'<div class="dlnotes-explore-controls" style="display:none">{"".join(controls)}{note}</div>'
            + f'<p class="dlnotes-explore-still" {small}>A still of the default setting: '
            "run the cell for a live slider.</p>"
            + '<div class="dlnotes-explore-frames">'
            + "".join(images)
            + "</div></div>"
        )

    @property
    def uid(self) -> str:
        """An id shared by this explorer's two outputs; the same on every machine (no image bytes in it)."""
        what = [getattr(self.plot_fn, "__qualname__", ""), self.title, self.grids, self.initial]
        return "dlnotes-" + hashlib.sha1(json.dumps(what, default=str).encode()).hexdigest()[:12]

    def widget(self):
        """Live ipywidgets controls that call ``plot_fn`` again on every change."""
        if self._widget is None:
            self._widget = _build_widget(self)
        return self._widget

    def _repr_mimebundle_(self, include=None, exclude=None):
        """The static output: the HTML slider, the initial frame as PNG, and a one-line summary."""
        first = tuple(self.initial[n] for n in self.names)
        return {
            "text/plain": self._summary(),
            "text/html": self.html(),
            "image/png": base64.b64encode(self.frames[first]).decode("ascii"),
        }

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

        display(self._repr_mimebundle_(), raw=True)
        if self.live:
            display(self.live_bundle(), raw=True)

    def _summary(self) -> str:
        parts = ", ".join(
            f"{n} in [{_label(v[0])} .. {_label(v[-1])}] ({len(v)} values)" for n, v in self.grids.items()
        )
        head = f"Explorer '{self.title}'" if self.title else "Explorer"
        return f"{head}: {parts}; {len(self.frames)} precomputed frame(s)"

    def __repr__(self) -> str:
        return self._summary()


# The name notebooks call: ``explore(plot_fn, alpha=[...])`` builds an Explorer.
explore = Explorer


# -- the static slider's one line of JavaScript ---------------------------------
# Finds the enclosing .dlnotes-explore, reads every control's index, shows the
# <img> whose data-key matches and updates the value read-outs and each
# slider's aria-valuetext (what a screen reader says: "alpha = 0.1").
_JS_UPDATE = (
    "var c=this.closest('.dlnotes-explore');"
    "var s=c.querySelectorAll('[data-dlnotes-param]');"
    "var k=Array.prototype.map.call(s,function(e){return e.value}).join(',');"
    "c.querySelectorAll('img[data-key]').forEach(function(i){"
    "i.style.display=(i.getAttribute('data-key')===k)?'':'none'});"
    "s.forEach(function(e){var o=e.parentNode.querySelector('output');"
    "if(o){o.textContent=JSON.parse(e.getAttribute('data-labels'))[e.value]}"
    "var t=e.getAttribute('data-texts');"
    "if(t){e.setAttribute('aria-valuetext',JSON.parse(t)[e.value])}})"
)


# The initial frame's onload: show the controls, hide the "run the cell" line.
_JS_REVEAL = (
    "var c=this.closest('.dlnotes-explore');"
    "c.querySelector('.dlnotes-explore-controls').style.display='';"
    "c.querySelector('.dlnotes-explore-still').style.display='none'"
)


def _reopened_style(uid: str) -> str:
    """CSS for JupyterLab: hide the live output of this cell when its widget model is gone.

    A notebook saved after a run and reopened with a fresh kernel has no
    widget models; JupyterLab then writes "Error displaying widget: model
    not found" in the live output, whose node (a .jp-OutputArea-output) then
    gets the class jupyter-widgets; a live widget's node never has it. A
    trusted output's <style> applies; an untrusted one renders the live
    output as its empty text, so nothing is needed there.
    """
    return (
        f'<style>.jp-OutputArea:has([data-dlnotes-id="{uid}"]) '
        ".jp-OutputArea-child:has(> .jp-OutputArea-output.jupyter-widgets){display:none}</style>"
    )


def _check_grids(grids: Mapping[str, Sequence], max_frames: int) -> dict[str, list]:
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


def _grid_index(values: list, value, name: str) -> int:
    for i, v in enumerate(values):
        if v == value:
            return i
    raise ValueError(f"{name}={value!r} is not on its grid {values!r}")


def _check_initial(initial: Mapping[str, Any], grids: dict[str, list]) -> dict[str, int]:
    unknown = set(initial) - set(grids)
    if unknown:
        raise ValueError(f"initial names unknown parameter(s) {sorted(unknown)}; parameters are {list(grids)}")
    return {n: _grid_index(v, initial[n], n) if n in initial else 0 for n, v in grids.items()}


def _check_units(units: Mapping[str, str] | None, grids: dict[str, list]) -> dict[str, str]:
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


def _default_dpi() -> int:
    """The resolution static figures are saved at: ``savefig.dpi``, or ``figure.dpi`` when that says "figure"."""
    import matplotlib

    dpi = matplotlib.rcParams["savefig.dpi"]
    if dpi == "figure":
        dpi = matplotlib.rcParams["figure.dpi"]
    return max(1, round(float(dpi)))


def _label(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _render_png(plot_fn: Callable[..., Any], params: dict, dpi: int) -> bytes:
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    try:
        result = plot_fn(**params)
    except Exception as exc:
        raise RuntimeError(f"plot_fn failed for {params}: {type(exc).__name__}: {exc}") from exc
    fig = getattr(result, "figure", result)
    if not isinstance(fig, Figure):
        raise TypeError(f"plot_fn must return a matplotlib Figure (or Axes), got {type(result).__name__}")
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    finally:
        plt.close(fig)
    return _lean_png(buf.getvalue())


def _lean_png(png: bytes) -> bytes:
    """The same picture in at most 256 colours (a PNG palette): a third of the bytes for line plots.

    Matplotlib draws on an opaque background, so the alpha channel carries
    nothing; a frame with transparency is first laid on white.
    """
    from PIL import Image  # Pillow is a dependency of matplotlib

    image = Image.open(io.BytesIO(png))
    dpi = image.info.get("dpi") or (72, 72)
    if image.mode == "RGBA":
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image)
    palette = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, format="png", optimize=True, dpi=dpi)
    return out.getvalue()


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with ipywidgets
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _build_widget(explorer: Explorer):
    """Controls plus an Image widget; every change calls plot_fn again and swaps the PNG.

    The figure travels as widget state (an Image's bytes), not as display
    messages captured by an Output widget, so it behaves the same in every
    front end and in headless kernels (nbclient, nbval).
    """
    import ipywidgets as widgets

    controls = {}
    for name, values in explorer.grids.items():
        start = values[explorer.initial[name]]
        if all(isinstance(v, str) for v in values):
            controls[name] = widgets.Dropdown(options=values, value=start, description=name)
        else:
            controls[name] = widgets.SelectionSlider(
                options=[(_label(v), v) for v in values], value=start, description=name,
                continuous_update=False,
            )
    first = tuple(explorer.initial[n] for n in explorer.names)
    image = widgets.Image(value=explorer.frames[first], format="png", width=_png_width(explorer.frames[first]))
    description = widgets.HTML(_spoken(explorer.alts[first]))

    def redraw(change):
        params = {name: control.value for name, control in controls.items()}
        png = _render_png(explorer.plot_fn, params, explorer.dpi)
        image.value, image.width = png, _png_width(png)
        description.value = _spoken(explorer._describe(params))

    for control in controls.values():
        control.observe(redraw, names="value")
    # While this widget is shown, the static output of the same explorer is hidden.
    hide = f'<style>.dlnotes-explore[data-dlnotes-id="{explorer.uid}"]{{display:none}}</style>'
    title = f"<strong>{html.escape(explorer.title)}</strong>" if explorer.title else ""
    header = widgets.HTML(hide + title)
    box = widgets.VBox([header] + list(controls.values()) + [image, description])
    box.add_class("dlnotes-live")
    return box


def _png_width(png: bytes) -> str:
    """The image's width in pixels (PNG header), so the live figure is shown at its natural size."""
    return str(int.from_bytes(png[16:20], "big"))


def _spoken(text: str) -> str:
    """The live figure's description: read by screen readers (a polite live region), not shown.

    (An Image widget has no alt text, and its tooltip breaks the view in ipywidgets 8.1.)
    """
    hidden = "position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap"
    return f'<p class="dlnotes-live-description" aria-live="polite" style="{hidden}">{html.escape(text)}</p>'
