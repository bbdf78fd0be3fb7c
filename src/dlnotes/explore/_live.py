"""The live slider: ipywidgets controls that call ``plot_fn`` again on every change (needs a kernel)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from ._frames import png_width, render_png
from ._grids import label

if TYPE_CHECKING:  # pragma: no cover
    from . import Explorer


def in_kernel() -> bool:
    """True inside a running Jupyter kernel (JupyterLab, Colab, VS Code, nbclient)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with ipywidgets
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def build_widget(explorer: Explorer):
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
                options=[(label(v), v) for v in values], value=start, description=name,
                continuous_update=False,
            )
    first = tuple(explorer.initial[n] for n in explorer.names)
    image = widgets.Image(value=explorer.frames[first], format="png", width=png_width(explorer.frames[first]))
    description = widgets.HTML(spoken(explorer.alts[first]))

    def redraw(change):
        params = {name: control.value for name, control in controls.items()}
        png = render_png(explorer.plot_fn, params, explorer.dpi)
        image.value, image.width = png, png_width(png)
        description.value = spoken(explorer.describe_frame(params))

    for control in controls.values():
        control.observe(redraw, names="value")
    # While this widget is shown, the static output of the same explorer is hidden.
    hide = f'<style>.dlnotes-explore[data-dlnotes-id="{explorer.uid}"]{{display:none}}</style>'
    title = f"<strong>{html.escape(explorer.title)}</strong>" if explorer.title else ""
    header = widgets.HTML(hide + title)
    box = widgets.VBox([header] + list(controls.values()) + [image, description])
    box.add_class("dlnotes-live")
    return box


def spoken(text: str) -> str:
    """The live figure's description: read by screen readers (a polite live region), not shown.

    (An Image widget has no alt text, and its tooltip breaks the view in ipywidgets 8.1.)
    """
    hidden = "position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap"
    return f'<p class="dlnotes-live-description" aria-live="polite" style="{hidden}">{html.escape(text)}</p>'
