"""The book's Sphinx extension: the Colab button, and a check that the notebooks name the same repository.

``repository.url`` in ``_config.yml`` is the book's one setting for where it
lives. This extension adds the Colab launch button to every chapter when the
URL is set (with it empty the book builds without the button), and fails the
build (a warning, and the book builds with warnings as errors) when a
notebook's first cell, the Colab install cell, names another URL. That cell
is written by ``tools/colab_cells.py`` (``make colab``), which this extension
asks which notebooks are stale.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

__all__ = ["setup"]

COLAB_URL = "https://colab.research.google.com"


def _colab_cells(root: Path):
    """The notebook tool ``root/tools/colab_cells.py``, loaded by path (tools/ is not a package)."""
    path = root / "tools" / "colab_cells.py"
    spec = importlib.util.spec_from_file_location("colab_cells", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- Sphinx event handlers -------------------------------------------------------
def _config_inited(app, config) -> None:
    options = dict(config.html_theme_options or {})
    launch = dict(options.get("launch_buttons") or {})
    url = str(options.get("repository_url") or "").strip()
    if url:
        launch["colab_url"] = COLAB_URL
        options["use_repository_button"] = True
    else:
        launch.pop("colab_url", None)
    options["launch_buttons"] = launch
    # Without a default, pydata-sphinx-theme's script logs "Got invalid theme
    # mode" on a reader's first visit; "auto" follows the reader's system.
    config.html_theme_options = options
    context = dict(config.html_context or {})
    context.setdefault("default_mode", "auto")
    config.html_context = context


def _dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    """Drop repeated <script> entries from a page's head.

    sphinx-thebe registers its inline configuration script once, but Sphinx
    7.4 writes it twice into every page; the second copy throws
    "Identifier 'THEBE_JS_URL' has already been declared".
    """
    seen, unique = set(), []
    for script in context.get("script_files", []):
        attributes = getattr(script, "attributes", {}) or {}
        filename = getattr(script, "filename", script) or ""  # None and '' both mean inline
        key = (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def _builder_inited(app) -> None:
    from sphinx.util import logging

    root = Path(app.srcdir)
    cells = _colab_cells(root)
    for name in cells.stale_notebooks(root):
        logging.getLogger(__name__).warning(
            f"notebooks/{name}: its first cell is not the Colab install cell for "
            f"repository.url={cells.repository_url(root)!r}; run `make colab`"
        )


def setup(app):
    app.connect("config-inited", _config_inited)
    app.connect("builder-inited", _builder_inited)
    app.connect("html-page-context", _dedupe_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

