"""The pictures of a slider experiment: each frame drawn once, kept as a palette PNG, embedded as WebP.

A frame is a matplotlib figure saved at the static figures' resolution and
reduced to at most 256 colours (line plots need few; a third of the bytes).
The web book embeds every frame of an experiment in its page, so there each
frame travels as lossless WebP of the same pixels: about 20% fewer bytes
than the PNG, and shown by Chromium, Firefox and Safari (14 and later).
The PNG stays for the live widget and for viewers that show no HTML.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any


def default_dpi() -> int:
    """The resolution static figures are saved at: ``savefig.dpi``, or ``figure.dpi`` when that says "figure"."""
    import matplotlib

    dpi = matplotlib.rcParams["savefig.dpi"]
    if dpi == "figure":
        dpi = matplotlib.rcParams["figure.dpi"]
    return max(1, round(float(dpi)))


def render_png(plot_fn: Callable[..., Any], params: dict, dpi: int) -> bytes:
    """Call ``plot_fn(**params)``, save its figure as a palette PNG at ``dpi``, and close the figure."""
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
    return lean_png(buf.getvalue())


def lean_png(png: bytes) -> bytes:
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


def webp(png: bytes) -> bytes:
    """The same pixels as lossless WebP (libwebp's default effort, ``method=4``: milliseconds a frame)."""
    from PIL import Image

    out = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").save(out, format="webp", lossless=True, quality=100, method=4)
    return out.getvalue()


def png_width(png: bytes) -> str:
    """The image's width in pixels (PNG header), so the live figure is shown at its natural size."""
    return str(int.from_bytes(png[16:20], "big"))
