"""The book's wiring: notebooks as stored, and the repository URL that drives Colab."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


book_ext = load("dlnotes_book", ROOT / "book" / "_ext" / "dlnotes_book.py")  # the Sphinx extension
colab_cells = load("colab_cells", ROOT / "tools" / "colab_cells.py")  # the notebook tool of `make colab`


def test_there_are_notebooks_and_each_is_in_the_toc():
    assert NOTEBOOKS, "no notebooks found"
    toc = (ROOT / "_toc.yml").read_text()
    for path in NOTEBOOKS:
        assert f"notebooks/{path.stem}" in toc, f"{path.name} is missing from _toc.yml"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_executed_top_to_bottom(path):
    nb = json.loads(path.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert "widgets" not in nb["metadata"], "widget state stored: the book would load widget JS from a CDN"
    counts = [c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code"]
    assert None not in counts, "some code cells were never run: make execute"
    assert counts == list(range(1, len(counts) + 1)), "cells were not run top to bottom in one fresh kernel"
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"cell {i} stored an error: {out.get('ename')}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_cell_is_the_hidden_colab_install_cell(path):
    first = json.loads(path.read_text())["cells"][0]
    assert first["cell_type"] == "code"
    assert "remove-cell" in first["metadata"].get("tags", [])
    assert first["metadata"].get("jupyter", {}).get("source_hidden") is True, "collapsed in JupyterLab: make colab"
    assert "".join(first["source"]) == colab_cells.colab_cell_source(colab_cells.repository_url())
    assert first["outputs"] == []


def _run_colab_cell(source: str, on_colab: bool, ipywidgets_version: str = "7.7.1") -> tuple[list, str]:
    """Run the cell as IPython would (its %pip line made a call we record), on Colab or not."""
    import types
    from contextlib import redirect_stdout
    from io import StringIO

    from IPython.core.inputtransformer2 import TransformerManager

    calls = []
    fake_modules = {
        "google.colab": types.SimpleNamespace(output=types.SimpleNamespace(
            enable_custom_widget_manager=lambda: calls.append("custom widget manager"))),
        "ipywidgets": types.SimpleNamespace(__version__=ipywidgets_version),
    }
    code = TransformerManager().transform_cell(source)  # %pip becomes get_ipython().run_line_magic(...)
    shell = types.SimpleNamespace(run_line_magic=lambda name, line: calls.append(f"%{name} {line}"))
    saved = {k: sys.modules.get(k) for k in ("google", "google.colab", "ipywidgets")}
    try:
        if on_colab:
            sys.modules["google"] = types.SimpleNamespace(colab=fake_modules["google.colab"])
            sys.modules.update(fake_modules)
        else:
            sys.modules.pop("google.colab", None)
        out = StringIO()
        with redirect_stdout(out):
            exec(compile(code, "<colab cell>", "exec"), {"get_ipython": lambda: shell})
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    return calls, out.getvalue()


def test_colab_cell_installs_only_on_colab_and_only_from_the_setting():
    url = "https://github.com/example-org/dlnotes"
    with_url, without = colab_cells.colab_cell_source(url), colab_cells.colab_cell_source("")
    assert with_url.startswith("#@title Install dlnotes on Colab")  # the line Colab shows for the collapsed cell
    assert all(len(line) <= 79 for line in (with_url + without).splitlines())
    # Outside Colab the cell does nothing, URL set or not.
    for source in (with_url, without):
        assert _run_colab_cell(source, on_colab=False) == ([], "")
    # On Colab with the URL: install (pip keeps what Colab has: no --upgrade); Colab's own manager for ipywidgets 7.
    install = f'%pip install --quiet "dlnotes @ git+{url}"'
    assert _run_colab_cell(with_url, on_colab=True, ipywidgets_version="7.7.1") == ([install], "")
    assert _run_colab_cell(with_url, on_colab=True, ipywidgets_version="8.1.5") == ([install, "custom widget manager"], "")
    assert "--upgrade" not in with_url and " -U" not in with_url
    # On Colab without a URL: one sentence, no traceback, and the notebook runs on.
    calls, printed = _run_colab_cell(without, on_colab=True)
    assert calls == [] and printed.count("\n") == 1 and printed.endswith("run %pip install .\n")
    assert "repository.url in _config.yml" in printed


def test_colab_cell_is_collapsed_in_jupyterlab_and_colab_and_removed_from_the_book():
    cell = colab_cells._colab_cell("")
    assert cell["metadata"] == {"tags": ["remove-cell"], "jupyter": {"source_hidden": True}, "cellView": "form"}


def test_config_keeps_one_url_setting_and_builds_from_stored_outputs():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["execute"]["execute_notebooks"] == "off"
    assert "colab_url" not in (config.get("launch_buttons") or {}), "colab_url is derived from repository.url"
    overrides = config["sphinx"]["config"]["nb_mime_priority_overrides"]
    assert ["html", "application/vnd.jupyter.widget-view+json", None] in overrides


class FakeConfig:
    def __init__(self, options):
        self.html_theme_options = options
        self.html_context = {}


def test_extension_adds_the_colab_button_only_with_a_url():
    config = FakeConfig({"repository_url": "https://github.com/example-org/dlnotes", "launch_buttons": {}})
    book_ext._config_inited(None, config)
    assert config.html_theme_options["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert config.html_context["default_mode"] == "auto"
    config = FakeConfig({"repository_url": "", "launch_buttons": {"colab_url": "https://colab.research.google.com"}})
    book_ext._config_inited(None, config)
    assert "colab_url" not in config.html_theme_options["launch_buttons"]


def small_book(root, url, first_cells):
    """A book at ``root`` with ``repository.url: url`` and one notebook per first cell (None: no cells)."""
    (root / "notebooks").mkdir()
    (root / "tools").mkdir()
    shutil.copy(ROOT / "tools" / "colab_cells.py", root / "tools")
    (root / "_config.yml").write_text(f'repository:\n  url: "{url}"\n')
    for i, first in enumerate(first_cells):
        cells = [] if first is None else [first, {"cell_type": "markdown", "id": "text", "metadata": {}, "source": ["Hi"]}]
        (root / "notebooks" / f"{i:02d}.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}}))


def test_sync_inserts_or_rewrites_the_install_cell_and_then_changes_nothing(tmp_path):
    url = "https://github.com/example-org/dlnotes"
    old = dict(colab_cells._colab_cell("https://github.com/old/dlnotes"), id="kept", execution_count=1)
    # the cell as written before issue 18: recognised and rewritten, not a second cell inserted
    legacy = {"cell_type": "code", "id": "legacy", "metadata": {"tags": ["remove-cell"]}, "outputs": [],
              "execution_count": 1, "source": ["# dlnotes: Colab install cell (hidden in the web book).\n", "import sys\n"]}
    assert colab_cells._is_install_cell(legacy) and not colab_cells._is_current(legacy, url)
    same_source_old_metadata = dict(colab_cells._colab_cell(url), metadata={"tags": ["remove-cell"]})
    assert not colab_cells._is_current(same_source_old_metadata, url)
    plain = {"cell_type": "code", "id": "code", "metadata": {}, "outputs": [], "execution_count": 2, "source": ["1 + 1"]}
    small_book(tmp_path, url, [old, plain, None, colab_cells._colab_cell(url)])
    assert colab_cells.stale_notebooks(tmp_path) == ["00.ipynb", "01.ipynb", "02.ipynb"]

    assert colab_cells.sync(tmp_path) == ["00.ipynb", "01.ipynb", "02.ipynb"]
    assert colab_cells.stale_notebooks(tmp_path) == []
    assert colab_cells.sync(tmp_path) == []
    nbs = [json.loads(p.read_text()) for p in colab_cells.notebooks(tmp_path)]
    for nb in nbs:
        assert "".join(nb["cells"][0]["source"]) == colab_cells.colab_cell_source(url)
        assert nb["cells"][0]["metadata"] == colab_cells.CELL_METADATA
    assert (nbs[0]["cells"][0]["id"], nbs[0]["cells"][0]["execution_count"]) == ("kept", 1)  # rewritten in place
    assert len(nbs[0]["cells"]) == 2
    assert [c["id"] for c in nbs[1]["cells"]] == ["colab-install", "code", "text"]  # inserted before the code
    assert [c["id"] for c in nbs[2]["cells"]] == ["colab-install"]


def test_make_colab_command_line(tmp_path):
    url = "https://github.com/example-org/dlnotes"
    small_book(tmp_path, url, [colab_cells._colab_cell(""), colab_cells._colab_cell(url)])
    tool = [sys.executable, str(tmp_path / "tools" / "colab_cells.py")]
    usage = subprocess.run(tool, capture_output=True, text=True)
    assert usage.returncode != 0 and "usage: python tools/colab_cells.py sync" in usage.stderr
    run = subprocess.run(tool + ["sync"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "updated the Colab cell of notebooks/00.ipynb\n"
    assert colab_cells.stale_notebooks(tmp_path) == []


def test_extension_warns_for_each_stale_notebook_through_the_tool(tmp_path, caplog):
    url = "https://github.com/example-org/dlnotes"
    small_book(tmp_path, url, [colab_cells._colab_cell(url), colab_cells._colab_cell("")])

    class FakeApp:
        srcdir = str(tmp_path)

    book_ext._builder_inited(FakeApp())
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [
        f"notebooks/01.ipynb: its first cell is not the Colab install cell for repository.url={url!r}; "
        "run `make colab`"
    ]
    # The extension holds no copy of the install cell: the tool is its one home.
    assert not hasattr(book_ext, "colab_cell_source") and not hasattr(book_ext, "sync")


def test_setting_the_url_gives_every_chapter_a_colab_button(tmp_path):
    """A real build of a copy of the book with repository.url set."""
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "book", tmp_path / "book", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    (tmp_path / "tools").mkdir()
    shutil.copy(ROOT / "tools" / "colab_cells.py", tmp_path / "tools")  # the extension asks it what is stale
    url = "https://github.com/example-org/dlnotes"
    text = (tmp_path / "_config.yml").read_text().replace('url: ""', f"url: {url}")
    assert url in text
    (tmp_path / "_config.yml").write_text(text)

    build = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(tmp_path), "--warningiserror"]
    stale = subprocess.run(build, capture_output=True, text=True)
    assert stale.returncode != 0, "a notebook whose Colab cell names another URL must fail the build"
    assert "make colab" in stale.stdout + stale.stderr

    assert colab_cells.sync(tmp_path) == [p.name for p in NOTEBOOKS]
    assert colab_cells.stale_notebooks(tmp_path) == []
    built = subprocess.run(build, capture_output=True, text=True)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    for path in NOTEBOOKS:
        page = (tmp_path / "_build" / "html" / "notebooks" / f"{path.stem}.html").read_text()
        want = f"https://colab.research.google.com/github/example-org/dlnotes/blob/main/notebooks/{path.name}"
        assert want in page, f"no Colab button on {path.name}"
        first = json.loads((tmp_path / "notebooks" / path.name).read_text())["cells"][0]
        assert f"git+{url}" in "".join(first["source"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_stray_object_reprs_in_outputs(path):
    """A cell ending in ax.legend() or fig.suptitle() shows '<matplotlib.legend.Legend at 0x...>' to readers."""
    for i, cell in enumerate(json.loads(path.read_text())["cells"]):
        for out in cell.get("outputs", []):
            text = "".join(out.get("data", {}).get("text/plain", "")) if out["output_type"] == "execute_result" else ""
            assert not text.startswith(("<matplotlib", "Text(", "[<matplotlib")), f"cell {i} shows {text[:60]!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_cell_relies_on_a_trailing_semicolon(path):
    """nbval runs cells without storing history, so IPython does not honour a final ';' there:
    the hidden repr would appear in the test run but not in the stored notebook."""
    for i, cell in enumerate(json.loads(path.read_text())["cells"]):
        if cell["cell_type"] == "code":
            lines = [line for line in "".join(cell["source"]).splitlines() if line.strip()]
            assert not (lines and lines[-1].rstrip().endswith(";")), f"cell {i} ends with ';'"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_download_log_url_or_machine_path_in_outputs(path):
    """Keras' download progress, a resolver error or a home directory is not part of the chapter."""
    for i, cell in enumerate(json.loads(path.read_text())["cells"]):
        for out in cell.get("outputs", []):
            text = "".join(out.get("text", "")) + "".join(out.get("data", {}).get("text/plain", ""))
            text += "".join(out.get("data", {}).get("text/markdown", ""))
            for sign in ("Downloading data from", "/root/", "/home/", "/tmp/", "https://", "Errno", "URL fetch failure"):
                assert sign not in text, f"cell {i} shows {sign!r}: {text[:200]!r}"
