"""Student copies of the notebooks (``make student``): solutions out, exercise cells emptied.

For each notebook this writes ``_build/student/<name>.ipynb``, a copy in which

* every solution cell is removed: a cell tagged ``solution``, a cell whose
  nbgrader metadata says ``"solution": true``, or (the older convention) a
  code cell whose source starts with ``# Solution``;
* every exercise cell (tagged ``exercise``) keeps its source, the stub the
  reader fills in, but loses its outputs and execution count. Before the
  chapters carried the tag, an exercise cell was recognised by its stub: a
  code cell that raises ``NotImplementedError`` or calls ``answer(..., None)``;
  both rules apply, so the tool works on either convention;
* everything else is kept as it is: the prose, the figures and their outputs,
  and the hints (markdown cells tagged ``hint``, collapsed ``<details>``).

A student copy must still run top to bottom, so no cell left in it may use a
name that only a solution cell defines. The tool checks this and stops with
a list of the offending cells rather than write a copy that would fail.

usage: python tools/student.py [NOTEBOOK ...] [--out DIR]
       (default: every notebooks/*.ipynb into _build/student)
"""

from __future__ import annotations

import argparse
import ast
import copy
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "_build" / "student"

SOLUTION_TAG = "solution"
EXERCISE_TAG = "exercise"
SOLUTION_MARK = "# Solution"
# The reader's stub, in notebooks written before the ``exercise`` tag.
_STUB = re.compile(r"raise\s+NotImplementedError|\banswer\(\s*['\"][^'\"]+['\"]\s*,\s*None\s*\)")


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def is_solution(cell) -> bool:
    """A cell the student copy leaves out."""
    if SOLUTION_TAG in _tags(cell):
        return True
    if cell.get("metadata", {}).get("nbgrader", {}).get("solution") is True:
        return True
    return cell.get("cell_type") == "code" and _source(cell).lstrip().startswith(SOLUTION_MARK)


def is_exercise(cell) -> bool:
    """A reader's cell: kept, with its outputs cleared."""
    if cell.get("cell_type") != "code" or is_solution(cell):
        return False
    return EXERCISE_TAG in _tags(cell) or bool(_STUB.search(_source(cell)))


def _python(source: str) -> ast.Module | None:
    """The cell's code as Python, IPython's %magics and !commands blanked; None if it does not parse."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


class _Bound(ast.NodeVisitor):
    """Names a cell binds at the top level of the kernel (not inside functions or classes)."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def _scope(self, node) -> None:          # def f / class C bind f / C, their bodies bind nothing global
        self.names.add(node.name)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scope

    def visit_Lambda(self, node) -> None:
        pass

    def visit_ListComp(self, node) -> None:  # comprehension variables are local
        pass

    visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_ListComp

    def visit_Name(self, node) -> None:
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self.names.add(node.id)

    def visit_alias(self, node) -> None:
        if node.name != "*":
            self.names.add((node.asname or node.name).split(".")[0])


def bound_names(source: str) -> set[str]:
    tree = _python(source)
    if tree is None:
        return set()
    visitor = _Bound()
    visitor.visit(tree)
    return visitor.names


def used_names(source: str) -> set[str]:
    """Every name a cell reads (loads), anywhere in its code."""
    tree = _python(source)
    if tree is None:
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def solution_only_names(nb) -> set[str]:
    """Names bound by solution cells and by no other code cell of the notebook."""
    in_solutions, elsewhere = set(), set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        (in_solutions if is_solution(cell) else elsewhere).update(bound_names(_source(cell)))
    return in_solutions - elsewhere


def student_copy(nb):
    """The student version of notebook ``nb`` (an nbformat node); ``nb`` itself is left unchanged."""
    student = copy.deepcopy(nb)
    student.cells = [cell for cell in student.cells if not is_solution(cell)]
    for cell in student.cells:
        if is_exercise(cell):
            cell.outputs = []
            cell.execution_count = None
    return student


def leaks(nb, student) -> list[str]:
    """What in ``student`` depends on, or still shows, a solution of ``nb``; empty when the copy is clean."""
    problems = []
    hidden = solution_only_names(nb)
    solutions = {_source(cell).strip() for cell in nb.cells if is_solution(cell)}
    for index, cell in enumerate(student.cells):
        if is_solution(cell) or _source(cell).strip() in solutions:
            problems.append(f"cell {index} is a solution cell")
        if cell.cell_type == "code":
            used = sorted(used_names(_source(cell)) & hidden)
            if used:
                problems.append(f"cell {index} uses {', '.join(used)}, defined only in a solution cell")
            if is_exercise(cell) and cell.get("outputs"):
                problems.append(f"cell {index} is an exercise cell with stored outputs")
    return problems


def write_student(path: Path, out: Path = OUT) -> Path:
    """Write the student copy of the notebook at ``path`` into ``out``; its path, or ValueError naming the leaks."""
    nb = nbformat.read(path, as_version=4)
    student = student_copy(nb)
    problems = leaks(nb, student)
    if problems:
        raise ValueError(f"{path.name}: the student copy would not stand on its own: " + "; ".join(problems))
    nbformat.validate(student)
    out.mkdir(parents=True, exist_ok=True)
    target = out / path.name
    nbformat.write(student, target)
    return target


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--out", type=Path, default=OUT, help=f"default: {OUT.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    failed = 0
    for path in paths:
        try:
            target = write_student(path, args.out)
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            failed += 1
            continue
        print(f"wrote {target}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
