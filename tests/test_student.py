"""`make student` (tools/student.py): copies of the notebooks with the solutions out and the exercises empty.

The tool is tested on a small synthetic notebook that has every kind of cell
(and on ones it must refuse), then on the real chapters: no solution text is
left in any student copy, the exercise cells have no outputs, the hints are
kept, and one whole student copy runs top to bottom in a clean kernel.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# The chapter whose student copy is executed whole: chapter 1 trains nothing
# and imports no TensorFlow, so it is the quickest to run (about 10 s).
EXECUTED = ROOT / "notebooks" / "01_activation_functions.ipynb"


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


student = load("student", ROOT / "tools" / "student.py")

NBGRADER = {"grade": False, "grade_id": "toy-double-solution", "locked": False,
            "schema_version": 3, "solution": True}
HINT = "<details>\n<summary>Hint</summary>\n\nMultiply by two.\n\n</details>"


def printed(text: str):
    return new_output("stream", name="stdout", text=text)


def toy_notebook():
    """One of each: prose, setup, a tagged exercise, its hint and solution, and the older untagged form."""
    cells = [
        new_markdown_cell("# A toy chapter"),
        new_code_cell("import math\nSCALE = 2", execution_count=1),
        new_markdown_cell("### Exercise 1: double it (derive)"),
        new_code_cell("def double(x):\n    raise NotImplementedError('write it')\n\nprint('not yet')",
                      execution_count=2, outputs=[printed("not yet\n")],
                      metadata={"tags": ["exercise"]}),
        new_markdown_cell(HINT, metadata={"tags": ["hint"]}),
        new_code_cell("# Solution\ndef solution_double(x):\n    return SCALE * x\n\nprint(solution_double(3))",
                      execution_count=3, outputs=[printed("6\n")],
                      metadata={"tags": ["solution", "hide-input"], "jupyter": {"source_hidden": True},
                                "nbgrader": NBGRADER}),
        new_markdown_cell("### Exercise 2: the older form, untagged (predict)"),
        new_code_cell("answer('halve', None)", execution_count=4, outputs=[printed("not answered yet\n")]),
        new_code_cell("# Solution\nlegacy_half = 0.5\nanswer('halve', legacy_half)", execution_count=5,
                      outputs=[printed("right\n")], metadata={"tags": ["hide-input"]}),
        new_code_cell("print(math.sqrt(SCALE * 8))", execution_count=6, outputs=[printed("4.0\n")]),
    ]
    return new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                              "language": "python"}})


def sources(nb) -> list[str]:
    return ["".join(c.source) if isinstance(c.source, list) else c.source for c in nb.cells]


# -- the tool, on a synthetic notebook ----------------------------------------------------
def test_student_copy_removes_both_kinds_of_solution_cell_and_nothing_else():
    nb = toy_notebook()
    copy = student.student_copy(nb)
    kept = sources(copy)
    assert len(copy.cells) == len(nb.cells) - 2
    assert not any(s.lstrip().startswith("# Solution") for s in kept)
    assert not any("solution_double" in s or "legacy_half" in s for s in kept)
    assert kept == [s for s in sources(nb) if not s.startswith("# Solution")]
    assert len(nb.cells) == 10, "the original notebook was changed"


def test_exercise_cells_lose_outputs_and_counts_other_cells_keep_theirs():
    copy = student.student_copy(toy_notebook())
    by_source = {s: c for s, c in zip(sources(copy), copy.cells)}
    tagged = by_source[next(s for s in by_source if s.startswith("def double"))]
    untagged = by_source["answer('halve', None)"]
    for cell in (tagged, untagged):
        assert cell.outputs == [] and cell.execution_count is None
    last = by_source["print(math.sqrt(SCALE * 8))"]
    assert last.outputs[0]["text"] == "4.0\n" and last.execution_count == 6


def test_hints_are_kept_word_for_word():
    copy = student.student_copy(toy_notebook())
    hints = [c for c in copy.cells if "hint" in c.metadata.get("tags", [])]
    assert [h.source for h in hints] == [HINT]


def test_a_clean_copy_reports_no_leaks_and_is_written_valid(tmp_path):
    nb = toy_notebook()
    assert student.leaks(nb, student.student_copy(nb)) == []
    path = tmp_path / "toy.ipynb"
    nbformat.write(nb, path)
    assert student.main([str(path), "--out", str(tmp_path / "out")]) == 0
    written = nbformat.read(tmp_path / "out" / "toy.ipynb", as_version=4)
    nbformat.validate(written)
    assert sources(written) == sources(student.student_copy(nb))


def test_a_cell_that_needs_a_solution_is_refused_by_name(tmp_path):
    nb = toy_notebook()
    nb.cells.append(new_code_cell("print(solution_double(5))", execution_count=7))
    path = tmp_path / "toy.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(ValueError, match=r"toy\.ipynb.*cell 8 uses solution_double"):
        student.write_student(path, tmp_path / "out")
    assert not (tmp_path / "out" / "toy.ipynb").exists()
    assert student.main([str(path), "--out", str(tmp_path / "out")]) == 1


def test_names_bound_inside_functions_are_not_taken_for_the_solutions_globals():
    source = "# Solution\nimport numpy as np\ndef f(z):\n    inner = 2\n    return [k for k in z]\nx, (y, w) = 1, (2, 3)\n%time f(1)"
    assert student.bound_names(source) == {"np", "f", "x", "y", "w"}
    assert student.used_names("print(f(x) + inner)") == {"print", "f", "x", "inner"}


# -- the real chapters -------------------------------------------------------------------
@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    """Every chapter's student copy, written by the tool's command line as `make student` runs it."""
    out = tmp_path_factory.mktemp("student")
    assert student.main([str(p) for p in NOTEBOOKS] + ["--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_solution_text_is_left(path, copies):
    original = nbformat.read(path, as_version=4)
    copy = nbformat.read(copies / path.name, as_version=4)
    solutions = [c for c in original.cells if student.is_solution(c)]
    assert len(copy.cells) == len(original.cells) - len(solutions)
    hidden = student.solution_only_names(original)
    solution_sources = {"".join(c.source).strip() for c in solutions}
    for index, cell in enumerate(copy.cells):
        where = f"{path.name}, student cell {index}"
        assert "solution" not in cell.metadata.get("tags", []), where
        assert cell.metadata.get("nbgrader", {}).get("solution") is not True, where
        assert "".join(cell.source).strip() not in solution_sources, where
        if cell.cell_type == "code":
            assert not "".join(cell.source).lstrip().startswith("# Solution"), where
            assert not student.used_names("".join(cell.source)) & hidden, where


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exercise_cells_are_empty_and_hints_kept(path, copies):
    original = nbformat.read(path, as_version=4)
    copy = nbformat.read(copies / path.name, as_version=4)
    for cell in copy.cells:
        if student.is_exercise(cell):
            assert cell.outputs == [] and cell.execution_count is None, "".join(cell.source)[:80]
    hints = lambda nb: [c.source for c in nb.cells if "hint" in c.metadata.get("tags", [])]  # noqa: E731
    assert hints(copy) == hints(original)


def test_every_chapter_with_solutions_has_exercise_cells(copies):
    """The tool finds the reader's cells in every chapter that has solutions (tagged or, before the tags, by their stub)."""
    for path in NOTEBOOKS:
        original = nbformat.read(path, as_version=4)
        if any(student.is_solution(c) for c in original.cells):
            assert any(student.is_exercise(c) for c in original.cells), path.name


def test_a_student_copy_runs_top_to_bottom_in_a_clean_kernel(copies, monkeypatch):
    """Chapter 1's student copy, executed by nbclient (nbconvert's executor): no cell raises, no exercise passes."""
    from nbclient import NotebookClient
    from jupyter_client import KernelManager

    execute_notebooks = load("execute_notebooks", ROOT / "tools" / "execute_notebooks.py")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    nb = nbformat.read(copies / EXECUTED.name, as_version=4)
    km = KernelManager(kernel_name="python3", kernel_spec_manager=execute_notebooks._CurrentEnvSpecs())
    NotebookClient(nb, km=km, timeout=600, resources={"metadata": {"path": str(copies)}}).execute()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert not [o for o in cell.outputs if o.output_type == "error"], f"cell {index} raised"
        if student.is_exercise(cell):
            shown = json.dumps(cell.outputs)
            assert "all checks passed" not in shown, f"cell {index}: an empty exercise passes its checks"
