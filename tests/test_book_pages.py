"""The prose pages' numbers: book/deep_learning.md's bias and variance table is arithmetic, checked here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[1] / "book" / "deep_learning.md"


def bias_variance_rows() -> list[dict[str, str]]:
    lines = [line for line in PAGE.read_text().splitlines() if line.startswith("| ")]
    header_at = next(i for i, line in enumerate(lines) if line.startswith("| Human-level error"))
    header = [cell.strip() for cell in lines[header_at].strip("|").split("|")]
    rows = []
    for line in lines[header_at + 1:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) != len(header):
            break
        if not set(cells[0]) <= set("-: "):
            rows.append(dict(zip(header, cells)))
    return rows


def number(text: str) -> float:
    return float(re.match(r"-?\d+(\.\d+)?", text).group())


ROWS = bias_variance_rows()


def test_the_table_has_its_four_cases():
    assert len(ROWS) == 4


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["Diagnosis"])
def test_avoidable_bias_and_variance_are_the_differences_the_page_defines(row):
    human, train, valid = (number(row[k]) for k in ("Human-level error", "Training error", "Validation error"))
    assert number(row["Avoidable bias"]) == pytest.approx(train - human)
    assert number(row["Variance"]) == pytest.approx(valid - train)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["Diagnosis"])
def test_the_diagnosis_names_the_larger_gap_or_both(row):
    bias, variance = number(row["Avoidable bias"]), number(row["Variance"])
    diagnosis = row["Diagnosis"]
    if min(bias, variance) >= 5:
        assert diagnosis == "both"
    elif bias > variance:
        assert "bias" in diagnosis and "variance" not in diagnosis
    else:
        assert "variance" in diagnosis


def test_first_and_third_rows_differ_only_in_the_human_level_error():
    """The page's point: the same training and validation errors, opposite diagnoses."""
    first, third = ROWS[0], ROWS[2]
    assert first["Training error"] == third["Training error"]
    assert first["Validation error"] == third["Validation error"]
    assert first["Human-level error"] != third["Human-level error"]
    assert "bias" in first["Diagnosis"] and "variance" in third["Diagnosis"]


# -- chapter 2's computational graph: its alt text reads out numbers, so they are checked here --------
def graph_alt_text() -> str:
    import json

    notebook = json.loads((PAGE.parents[1] / "notebooks" / "02_logistic_regression.ipynb").read_text())
    for cell in notebook["cells"]:
        meta = cell.get("metadata", {}).get("mystnb", {})
        if meta.get("figure", {}).get("name") == "fig-graph":
            return meta["image"]["alt"]
    raise AssertionError("chapter 2 has no figure named fig-graph")


def test_the_graph_figures_alt_text_states_the_values_the_graph_computes():
    from dlnotes.graph import Node

    w1, w2, b = Node(0.5, "w1"), Node(-0.3, "w2"), Node(0.1, "b")
    x1, x2, y = Node(1.5, "x1"), Node(2.0, "x2"), 1.0
    z = w1 * x1 + w2 * x2 + b
    a = z.sigmoid()
    L = -(y * a.log() + (1 - y) * (1 - a).log())
    L.backward()
    alt = graph_alt_text()
    said = {name: float(value) for name, value in re.findall(r"\b(w1|x1|w2|x2|b|z|a|L) = (-?\d+(?:\.\d+)?)", alt)}
    values = {"w1": w1, "x1": x1, "w2": w2, "x2": x2, "b": b, "z": z, "a": a, "L": L}
    assert set(said) == set(values), said
    for name, value in said.items():
        assert f"{values[name].value:.4g}" == f"{value:.4g}", (name, value, values[name].value)
    grads = re.search(r"gradients printed in the boxes are (-?[\d.]+) at z and b, (-?[\d.]+) at w1 and "
                      r"(-?[\d.]+) at w2", alt)
    assert grads, alt
    at_zb, at_w1, at_w2 = grads.groups()
    assert f"{z.grad:.4g}" == f"{b.grad:.4g}" == at_zb
    assert (f"{w1.grad:.4g}", f"{w2.grad:.4g}") == (at_w1, at_w2)
    assert "from top to bottom" in alt  # drawn with direction="down"
