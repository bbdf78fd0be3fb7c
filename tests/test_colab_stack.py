"""Chapter 1 on Colab's versions (issue 18): Python 3.13, numpy 2.1.3, matplotlib 3.10.0, ipywidgets 7.7.1, no TensorFlow.

The versions are those of Colab's published package list (the pip-freeze.txt
of googlecolab/backend-info, August 2026). A second virtual environment with
them is made once under ``.venv/colab-stack`` (ignored by git with .venv;
remade when the pins or pyproject.toml's dependencies change) and dlnotes is
installed into it with its dependencies: pip must keep every pinned version,
so installing dlnotes on Colab upgrades nothing Colab ships. Chapter 1 is
then executed there with nbconvert, against the working tree's dlnotes
(PYTHONPATH=src), and each explorer must have written its image and HTML and
its live widget, not a traceback.

The first run installs the environment (about a minute, from the package
index); later runs take the chapter's time.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "notebooks" / "01_activation_functions.ipynb"
VENV = ROOT / ".venv" / "colab-stack"
COLAB = {"numpy": "2.1.3", "matplotlib": "3.10.0", "ipywidgets": "7.7.1"}
TOOLS = ["nbconvert", "ipykernel"]  # to execute the chapter, as Colab's kernel does
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def python313() -> str | None:
    """A working Python 3.13 interpreter: on PATH, or one that pyenv installed (a pyenv shim may not run)."""
    pyenv = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates = [shutil.which("python3.13"), *sorted(glob.glob(f"{pyenv}/versions/3.13*/bin/python3.13")),
                  "/usr/local/bin/python3.13", "/usr/bin/python3.13"]
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-c", "import sys, venv; assert sys.version_info[:2] == (3, 13)"],
                               capture_output=True)
        if probe.returncode == 0:
            return candidate
    return None


def _stamp() -> str:
    what = [COLAB, TOOLS, (ROOT / "pyproject.toml").read_text()]
    return hashlib.sha1(json.dumps(what).encode()).hexdigest()


def _versions(python: Path) -> dict:
    code = "import importlib.metadata as m, json, sys; print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))"
    out = subprocess.run([str(python), "-c", code, *COLAB], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def colab_python() -> Path:
    interpreter = python313()
    if interpreter is None:
        pytest.skip("no Python 3.13 on this machine (Colab's Python): install one, e.g. `pyenv install 3.13`")
    python = VENV / "bin" / "python"
    stamp = VENV / "dlnotes-colab-stack.stamp"
    if python.exists() and stamp.exists() and stamp.read_text() == _stamp():
        return python
    shutil.rmtree(VENV, ignore_errors=True)
    subprocess.run([interpreter, "-m", "venv", str(VENV)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run(pip + [f"{n}=={v}" for n, v in COLAB.items()] + TOOLS, check=True)
    # dlnotes with its dependencies, as the Colab cell installs it: nothing of Colab's may move.
    subprocess.run(pip + [str(ROOT)], check=True)
    assert _versions(python) == COLAB, "installing dlnotes changed a package Colab ships"
    stamp.write_text(_stamp())
    return python


def test_the_environment_has_colabs_versions_and_no_tensorflow(colab_python):
    assert _versions(colab_python) == COLAB
    probe = subprocess.run([str(colab_python), "-c", "import sys, importlib.util; "
                            "print(sys.version_info[:2], importlib.util.find_spec('tensorflow'))"],
                           capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == "(3, 13) None"


def test_chapter_1_runs_on_colabs_stack_and_its_explorers_show_an_image_and_html(colab_python, tmp_path):
    out = tmp_path / "chapter1.ipynb"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), TF_CPP_MIN_LOG_LEVEL="2", PYTHONHASHSEED="0")
    run = subprocess.run(
        [str(colab_python), "-m", "nbconvert", "--to", "notebook", "--execute", "--allow-errors",
         "--ExecutePreprocessor.timeout=300", "--output-dir", str(tmp_path), "--output", out.stem, str(CHAPTER)],
        capture_output=True, text=True, env=env, cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    nb = json.loads(out.read_text())
    errors = [(i, o["ename"], o["evalue"]) for i, c in enumerate(nb["cells"])
              for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert errors == [], errors
    where = {}
    for i, cell in enumerate(nb["cells"]):
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            if "dlnotes-explore" in "".join(data.get("text/html", "")):
                assert "image/png" in data, f"cell {i}: the explorer's static output has no PNG"
                where.setdefault(i, []).append("static")
            if WIDGET_VIEW in data:
                assert data[WIDGET_VIEW]["model_id"], f"cell {i}: a live output with no model"
                where.setdefault(i, []).append("live")
    assert len(where) == 2 and all(kinds == ["static", "live"] for kinds in where.values()), where
