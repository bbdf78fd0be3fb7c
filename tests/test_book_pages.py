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
