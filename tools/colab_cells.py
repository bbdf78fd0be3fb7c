"""Keep the first cell of every notebook in step with ``repository.url`` in ``_config.yml`` (``make colab``).

That cell installs dlnotes from the repository URL when the notebook runs on
Colab, and does nothing anywhere else. ``sync`` rewrites it (or inserts it)
in each notebook; ``stale_notebooks`` lists the notebooks whose cell names
another URL, which the book's Sphinx extension (``book/_ext/dlnotes_book.py``)
turns into a build warning.

usage: python tools/colab_cells.py sync
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

__all__ = ["MARKER", "colab_cell_source", "notebooks", "repository_url", "stale_notebooks", "sync"]

ROOT = Path(__file__).resolve().parents[1]
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
    """The book's notebooks, ``root/notebooks/*.ipynb``, sorted by name."""
    return sorted((root / "notebooks").glob("*.ipynb"))


def stale_notebooks(root: Path = ROOT) -> list[str]:
    """Names of the notebooks whose first cell is not the install cell for the current URL."""
    want = colab_cell_source(repository_url(root))
    stale = []
    for path in notebooks(root):
        cells = json.loads(path.read_text())["cells"]
        first = "".join(cells[0]["source"]) if cells else ""
        if first != want:
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


if __name__ == "__main__":
    if sys.argv[1:] != ["sync"]:
        sys.exit("usage: python tools/colab_cells.py sync")
    for name in sync():
        print(f"updated the Colab cell of notebooks/{name}")
