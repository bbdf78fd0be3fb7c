"""The book's one setting for where it lives: ``repository.url`` in ``_config.yml``.

That URL drives two things, and this module keeps them in step:

* the Colab launch button on every chapter (added to the Sphinx theme options
  only when the URL is set: with it empty the book builds without the button);
* the first cell of every notebook, which installs dlnotes from that URL when
  the notebook runs on Colab (``python book/_ext/dlnotes_book.py sync``, run by
  ``make execute`` and ``make colab``, rewrites it).

As a Sphinx extension it also fails the build (a warning, and the book builds
with warnings as errors) when a notebook's install cell names another URL.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COLAB_URL = "https://colab.research.google.com"
MARKER = "# dlnotes: Colab install cell"


def repository_url(root: Path = ROOT) -> str:
    """The ``repository.url`` from ``_config.yml`` ('' when unset)."""
    import yaml

    config = yaml.safe_load((root / "_config.yml").read_text()) or {}
    return str((config.get("repository") or {}).get("url") or "").strip()


def colab_cell_source(url: str) -> str:
    """Source of the first cell of every notebook for the repository ``url``."""
    install = (
        f'    %pip install --quiet "dlnotes @ git+{url}"'
        if url
        else "    raise RuntimeError(\n"
        '        "This copy of the book has no repository URL (repository.url in _config.yml), "\n'
        '        "so Colab cannot install dlnotes: upload the repository and run %pip install ."\n'
        "    )"
    )
    return (
        f"{MARKER} (hidden in the web book; does nothing outside Colab).\n"
        "# Written by `make colab` from repository.url in _config.yml: edit that, not this.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f"{install}\n"
    )


def _colab_cell(url: str) -> dict:
    return {
        "cell_type": "code",
        "id": "colab-install",
        "execution_count": None,
        "metadata": {"tags": ["remove-cell"]},
        "outputs": [],
        "source": colab_cell_source(url).splitlines(keepends=True),
    }


def notebooks(root: Path = ROOT) -> list[Path]:
    return sorted((root / "notebooks").glob("*.ipynb"))


def stale_notebooks(root: Path = ROOT) -> list[str]:
    """Notebooks whose first cell is not the install cell for the current URL."""
    want = colab_cell_source(repository_url(root))
    stale = []
    for path in notebooks(root):
        cells = json.loads(path.read_text())["cells"]
        first = "".join(cells[0]["source"]) if cells else ""
        if first != want:
            stale.append(path.name)
    return stale


def sync(root: Path = ROOT) -> list[str]:
    """Rewrite the install cell of every notebook; return the names changed."""
    url = repository_url(root)
    changed = []
    for path in notebooks(root):
        nb = json.loads(path.read_text())
        cell = _colab_cell(url)
        cells = nb["cells"]
        if cells and "".join(cells[0].get("source", [])).startswith(MARKER):
            if "".join(cells[0]["source"]) == colab_cell_source(url):
                continue
            cell["execution_count"] = cells[0].get("execution_count")
            cell["id"] = cells[0].get("id", cell["id"])
            cells[0] = cell
        else:
            cells.insert(0, cell)
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
        changed.append(path.name)
    return changed


# -- Sphinx extension ------------------------------------------------------------
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

    for name in stale_notebooks(Path(app.srcdir)):
        logging.getLogger(__name__).warning(
            f"notebooks/{name}: its first cell is not the Colab install cell for "
            f"repository.url={repository_url(Path(app.srcdir))!r}; run `make colab`"
        )


def setup(app):
    app.connect("config-inited", _config_inited)
    app.connect("builder-inited", _builder_inited)
    app.connect("html-page-context", _dedupe_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    if sys.argv[1:] != ["sync"]:
        sys.exit("usage: python book/_ext/dlnotes_book.py sync")
    for name in sync():
        print(f"updated the Colab cell of notebooks/{name}")
