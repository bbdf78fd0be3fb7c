"""The static slider: HTML range sliders and drop-downs that swap precomputed frames, with no kernel.

It runs where the web book runs (no script file, no CDN, no kernel): every
frame is an inline ``<img>``, and inline event handlers show the one whose
grid position matches the controls. The page opens as a still with one line
saying to run the cell; the initial frame's ``onload`` handler then reveals
the controls. Where inline handlers are stripped (an untrusted notebook in
JupyterLab) the still and the line stay, and no control is shown that would
do nothing.
"""

from __future__ import annotations

import base64
import html
import json
from typing import TYPE_CHECKING

from ._frames import webp
from ._grids import label

if TYPE_CHECKING:  # pragma: no cover
    from . import Explorer

# -- the one line of JavaScript behind every control ------------------------------
# Finds the enclosing .dlnotes-explore, reads every control's index, shows the
# <img> whose data-key matches and updates the value read-outs and each
# slider's aria-valuetext (what a screen reader says: "alpha = 0.1").
JS_UPDATE = (
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
JS_REVEAL = (
    "var c=this.closest('.dlnotes-explore');"
    "c.querySelector('.dlnotes-explore-controls').style.display='';"
    "c.querySelector('.dlnotes-explore-still').style.display='none'"
)


def static_html(explorer: Explorer) -> str:
    """The self-contained HTML slider: controls plus every frame as an inline lossless WebP."""
    start = explorer.initial
    controls = [_control(explorer, name, explorer.grids[name], start[name]) for name in explorer.names]
    first = tuple(start[n] for n in explorer.names)
    images = []
    for index, png in explorer.frames.items():
        key = ",".join(str(i) for i in index)
        shown = f' onload="{JS_REVEAL}"' if index == first else ' style="display:none"'
        images.append(
            f'<img data-key="{key}" alt="{html.escape(explorer.alts[index])}"{shown} '
            f'src="data:image/webp;base64,{base64.b64encode(webp(png)).decode("ascii")}">'
        )
    caption = f"<p><strong>{html.escape(explorer.title)}</strong></p>" if explorer.title else ""
    small = 'style="font-size:smaller;margin:0.2em 0"'
    note = (
        f"<p {small}>Precomputed: {len(explorer.frames)} frame(s), one per grid value; "
        "run the notebook for live sliders.</p>"
    )
    return (
        f'<div class="dlnotes-explore" data-dlnotes-id="{explorer.uid}">'
        + reopened_style(explorer.uid)
        + caption
        + f'<div class="dlnotes-explore-controls" style="display:none">{"".join(controls)}{note}</div>'
        + f'<p class="dlnotes-explore-still" {small}>A still of the default setting: '
        "run the cell for a live slider.</p>"
        + '<div class="dlnotes-explore-frames">'
        + "".join(images)
        + "</div></div>"
    )


def _control(explorer: Explorer, name: str, values: list, start: int) -> str:
    """One labelled control: a range slider for numbers, a drop-down for text choices."""
    labels = [label(v) for v in values]
    attrs = (
        f'data-dlnotes-param="{html.escape(name)}" '
        f'data-labels="{html.escape(json.dumps(labels))}" '
        f'oninput="{JS_UPDATE}" onchange="{JS_UPDATE}"'
    )
    if all(isinstance(v, str) for v in values):
        options = "".join(
            f'<option value="{i}"{" selected" if i == start else ""}>{html.escape(lab)}</option>'
            for i, lab in enumerate(labels)
        )
        control = f'<select aria-label="{html.escape(name)}" {attrs}>{options}</select>'
    else:
        texts = [explorer.value_text(name, v) for v in values]
        control = (
            f'<input type="range" min="0" max="{len(values) - 1}" step="1" '
            f'value="{start}" aria-valuetext="{html.escape(texts[start])}" '
            f'data-texts="{html.escape(json.dumps(texts))}" {attrs}>'
        )
    # The name inherits the page's text colour (a <code> colour is unreadable in dark mode).
    return (
        '<label style="display:block;margin:0.2em 0">'
        f'<span style="font-family:monospace">{html.escape(name)}</span> {control} '
        f"<output>{html.escape(labels[start])}</output></label>"
    )


def reopened_style(uid: str) -> str:
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
