"""Keep the first cell of every notebook in step with ``repository.url`` in ``_config.yml`` (``make colab``).

That cell installs dlnotes from the repository URL when the notebook runs on
Colab, and does nothing anywhere else; it is collapsed in JupyterLab and
Colab and removed from the web book. ``sync`` rewrites it (or inserts it)
in each notebook; ``stale_notebooks`` lists the notebooks whose cell names
another URL, which the book's Sphinx extension (``book/_ext/dlnotes_book.py``)
turns into a build warning.

usage: python tools/colab_cells.py sync
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

__all__ = ["CELL_METADATA", "MARKER", "colab_cell_source", "notebooks", "repository_url", "stale_notebooks", "sync"]

ROOT = Path(__file__).resolve().parents[1]
MARKER = "Install dlnotes on Colab"
LEGACY_MARKER = "# dlnotes: Colab install cell"  # the first line of the cell before issue 18


def repository_url(root: Path = ROOT) -> str:
    """The ``repository.url`` from ``_config.yml`` ('' when unset)."""
    import yaml

    config = yaml.safe_load((root / "_config.yml").read_text()) or {}
    return str((config.get("repository") or {}).get("url") or "").strip()


def colab_cell_source(url: str) -> str:
    """Source of the first cell of every notebook for the repository ``url``.

    On Colab it installs dlnotes from ``url`` (pip keeps every package Colab
    already has that meets dlnotes' ranges) and, with ipywidgets 8, turns on
    Colab's custom widget manager (Colab's own renders ipywidgets 7 only).
    Without a URL it prints one sentence and lets the chapter run as far as
    it can. Elsewhere it does nothing. ``#@title`` is Colab's name for the
    collapsed cell.
    """
    if url:
        install = (
            f'    %pip install --quiet "dlnotes @ git+{url}"\n'
            "    import ipywidgets\n"
            '    if ipywidgets.__version__.startswith("8."):\n'
            "        from google.colab import output\n"
            "        output.enable_custom_widget_manager()\n"
        )
    else:
        install = (
            '    print("This copy of the book names no repository (repository.url "\n'
            '          "in _config.yml), so dlnotes is not installed: upload the "\n'
            '          "repository and run %pip install .")\n'
        )
    return (
        f"#@title {MARKER} (does nothing elsewhere)\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f"{install}"
    )


# Hidden in the web book (remove-cell), collapsed in JupyterLab (source_hidden)
# and in Colab (a form: only its #@title shows).
CELL_METADATA = {"tags": ["remove-cell"], "jupyter": {"source_hidden": True}, "cellView": "form"}


def _colab_cell(url: str) -> dict:
    return {
        "cell_type": "code",
        "id": "colab-install",
        "execution_count": None,
        "metadata": json.loads(json.dumps(CELL_METADATA)),
        "outputs": [],
        "source": colab_cell_source(url).splitlines(keepends=True),
    }


def _is_install_cell(cell: dict) -> bool:
    first = "".join(cell.get("source", [])).split("\n", 1)[0]
    return cell.get("cell_type") == "code" and (MARKER in first or first.startswith(LEGACY_MARKER))


def _is_current(cell: dict, url: str) -> bool:
    return "".join(cell.get("source", [])) == colab_cell_source(url) and all(
        cell.get("metadata", {}).get(k) == v for k, v in CELL_METADATA.items()
    )


def notebooks(root: Path = ROOT) -> list[Path]:
    """The book's notebooks, ``root/notebooks/*.ipynb``, sorted by name."""
    return sorted((root / "notebooks").glob("*.ipynb"))


def stale_notebooks(root: Path = ROOT) -> list[str]:
    """Names of the notebooks whose first cell is not the install cell (source and metadata) for the current URL."""
    url = repository_url(root)
    stale = []
    for path in notebooks(root):
        cells = json.loads(path.read_text())["cells"]
        if not (cells and _is_current(cells[0], url)):
            stale.append(path.name)
    return stale


def sync(root: Path = ROOT) -> list[str]:
    """Rewrite the install cell of every notebook (insert it where missing); return the names changed."""
    url = repository_url(root)
    changed = []
    for path in notebooks(root):
        nb = json.loads(path.read_text())
        cell = _colab_cell(url)
        cells = nb["cells"]
        if cells and _is_install_cell(cells[0]):
            if _is_current(cells[0], url):
                continue
            cell["execution_count"] = cells[0].get("execution_count")
            cell["id"] = cells[0].get("id", cell["id"])
            cells[0] = cell
        else:
            cells.insert(0, cell)
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
        changed.append(path.name)
    return changed


if __name__ == "__main__":
    if sys.argv[1:] != ["sync"]:
        sys.exit("usage: python tools/colab_cells.py sync")
    for name in sync():
        print(f"updated the Colab cell of notebooks/{name}")
