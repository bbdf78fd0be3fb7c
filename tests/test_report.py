"""dlnotes.report: sentences from computed values, bounds that are checked, stable summaries."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dlnotes.report import below, count_reaching, over_seeds, percent, power, power_of_ten, say, sci, table


def test_say_displays_markdown_and_returns_nothing(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    assert say("The RNN is back at **chance** ($p = 0.5$).") is None
    (obj,) = shown
    assert obj._repr_markdown_() == "The RNN is back at **chance** ($p = 0.5$)."


@pytest.mark.parametrize("text", ["/", "README.md", "http://example.com is where it lives"])
def test_say_shows_text_that_names_a_file_or_a_url_as_text(monkeypatch, text):
    """Found by tests/test_properties.py: IPython's Markdown(text) read the file (or fetched the URL) text names."""
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    say(text)
    assert shown[0]._repr_markdown_() == text


def test_say_refuses_anything_but_text():
    with pytest.raises(TypeError, match="markdown must be a str, got float"):
        say(0.5)


@pytest.mark.parametrize("bound, text", [(1e-6, "1e-6"), (1e-5, "1e-5"), (1.0, "1e0"), (1e3, "1e3"), (0.05, "0.05")])
def test_power_of_ten_is_written_short(bound, text):
    assert power_of_ten(bound) == text


def test_below_returns_the_bound_not_the_digits():
    assert below(1.6e-10, 1e-6) == "below 1e-6"
    assert below(np.array([[3e-7, -2e-7]]), 1e-6, "dx") == "below 1e-6"


@pytest.mark.parametrize("value", [2e-6, -2e-6, 1e-6, math.nan, math.inf, [1e-9, math.nan]])
def test_below_fails_loudly_when_the_sentence_would_be_false(value):
    with pytest.raises(AssertionError, match="dW is .* not below 1e-6"):
        below(value, 1e-6, "dW")


@pytest.mark.parametrize("bound", [0, -1e-6, math.nan, math.inf])
def test_below_needs_a_positive_finite_bound(bound):
    with pytest.raises(ValueError, match="bound must be a positive finite number"):
        below(1e-9, bound)


@pytest.mark.parametrize("bound", ["1e-6", None, True])
def test_below_needs_a_number_for_its_bound(bound):
    with pytest.raises(TypeError, match="bound must be a real number"):
        below(1e-9, bound)


def test_below_takes_numpy_bounds():
    assert below(1e-9, np.float64(1e-6)) == "below 1e-6"
    assert below(1e-9, np.int64(1)) == "below 1e0"


def test_percent_and_count_reaching():
    assert percent(0.8183) == "82%"
    assert percent(0.8183, 1) == "81.8%"
    assert count_reaching([0.5, 0.95, 1.0, 0.949], 0.95) == 2


def test_over_seeds_gives_median_and_range():
    assert over_seeds([0.91, 0.98, 0.94]) == "median 0.94 (0.91 to 0.98 over 3 seeds)"
    assert over_seeds([0.5], "{:.1f}") == "median 0.5 (0.5 to 0.5 over 1 seed)"
    with pytest.raises(ValueError, match="at least one result"):
        over_seeds([])



def test_power_and_sci_write_orders_of_magnitude_as_maths():
    assert power(7.8e-4) == "$10^{-3}$"
    assert power(2.6e4) == "$10^{4}$"
    assert sci(4.57e4) == r"$5 \times 10^{4}$"
    assert sci(9.6e-5) == r"$1 \times 10^{-4}$"
    with pytest.raises(TypeError, match="x must be a real number"):
        sci("4e4")
    for bad in (0.0, -1.0, math.nan, math.inf):
        with pytest.raises(ValueError, match="x must be a positive finite number"):
            power(bad)
        with pytest.raises(ValueError, match="x must be a positive finite number"):
            sci(bad)


# Found by tests/test_properties.py: arguments that gave numpy's or Python's words, or a silent answer.
@pytest.mark.parametrize("call, exc, pattern", [
    pytest.param(lambda: power_of_ten(0.0), ValueError, r"bound must be a positive finite number, got 0\.0", id="power_of_ten-0"),
    pytest.param(lambda: power_of_ten("1e-6"), TypeError, r"bound must be a real number, got '1e-6'", id="power_of_ten-str"),
    pytest.param(lambda: below([], 1e-6), ValueError, r"value must hold at least one number, got an empty array", id="below-empty"),
    pytest.param(lambda: below("small", 1e-6), TypeError, r"value must be a real numeric array-like", id="below-str"),
    pytest.param(lambda: below(0.0, 1e-6, what=3), TypeError, r"what must be a str, got 3", id="below-what"),
    pytest.param(lambda: percent("0.5"), TypeError, r"fraction must be a real number, got '0\.5'", id="percent-str"),
    pytest.param(lambda: percent(float("nan")), ValueError, r"fraction must be finite, got nan", id="percent-nan"),
    pytest.param(lambda: percent(0.5, digits=-1), ValueError, r"digits must be an integer from 0 to 17, got -1", id="percent-digits"),
    pytest.param(lambda: percent(0.5, digits=1.0), ValueError, r"digits must be an integer from 0 to 17, got 1\.0", id="percent-float-digits"),
    pytest.param(lambda: count_reaching([0.9, float("nan")], 0.5), ValueError, r"values must not hold NaN", id="count-nan"),
    pytest.param(lambda: count_reaching([0.9], float("nan")), ValueError, r"threshold must be finite, got nan", id="count-threshold-nan"),
    pytest.param(lambda: count_reaching(0.9, 0.5), TypeError, r"values must be an iterable of numbers, got 0\.9", id="count-scalar"),
    pytest.param(lambda: count_reaching(["a"], 0.5), TypeError, r"values must be a real numeric array-like", id="count-str"),
    pytest.param(lambda: over_seeds([0.5], fmt="{x}"), ValueError, r"fmt must format one number, such as '\{:\.2f\}', got '\{x\}'", id="fmt-key"),
    pytest.param(lambda: over_seeds([0.5], fmt="{:.2q}"), ValueError, r"fmt must format one number", id="fmt-spec"),
    pytest.param(lambda: over_seeds([0.5], fmt=None), TypeError, r"fmt must be a format string", id="fmt-none"),
    pytest.param(lambda: over_seeds([[0.5, 0.6]]), ValueError, r"values must be a flat list of numbers, got shape \(1, 2\)", id="nested"),
    pytest.param(lambda: over_seeds([0.5, float("nan")]), ValueError, r"values must not hold NaN", id="over-nan"),
])
def test_bad_arguments_are_named(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def test_numpy_numbers_and_iterators_still_work():
    assert percent(np.float32(0.25)) == "25%" and percent(1) == "100%"
    assert count_reaching(iter([0.5, 0.7, np.float64(0.9)]), 0.7) == 2
    assert count_reaching([float("inf"), -1.0], 0.0) == 1
    assert over_seeds(np.array([0.9, 0.95, 1.0])) == "median 0.95 (0.90 to 1.00 over 3 seeds)"
    assert below(np.array([1e-9], np.float16), 1e-6) == "below 1e-6"


def test_table_writes_a_markdown_table_with_one_alignment_per_column():
    got = table(["$z$", "share"], [[0, "25.0%"], [np.int64(3), "4.7%"]], align="lr")
    assert got == "| $z$ | share |\n|---|---:|\n| 0 | 25.0% |\n| 3 | 4.7% |"
    assert table(["a", "b", "c"], [["x", "y", "z"]]).splitlines()[1] == "|---|---|---|"  # left by default
    assert table(["a"], [["x"]], align="c").splitlines()[1] == "|:---:|"


def test_table_writes_an_empty_cell_as_one_space():
    assert table(["a", "b", "c"], [["total", "", 7]], align="llr").splitlines()[2] == "| total | | 7 |"


def test_table_escapes_pipes_so_a_cell_stays_one_cell():
    got = table(["norm"], [["||dJ/dW||"]])
    assert got.splitlines()[2] == "| \\|\\|dJ/dW\\|\\| |"


@pytest.mark.parametrize("call, exc, pattern", [
    (lambda: table("ab", [["x", "y"]]), TypeError, "header must be a non-empty list"),
    (lambda: table([], [[]]), TypeError, "header must be a non-empty list"),
    (lambda: table(["a", "b"], [["x"]]), ValueError, r"rows\[0\] has 1 cells, expected 2"),
    (lambda: table(["a"], [["x"], ["y", "z"]]), ValueError, r"rows\[1\] has 2 cells, expected 1"),
    (lambda: table(["a"], [[0.1]]), TypeError, r"rows\[0\]\[0\] must be a str or an int .*got 0.1 of type float"),
    (lambda: table(["a"], [[True]]), TypeError, r"rows\[0\]\[0\] must be a str or an int"),
    (lambda: table(["a"], ["x"]), TypeError, r"rows\[0\] must be a list of cells"),
    (lambda: table(["a"], "x"), TypeError, "rows must be an iterable of rows"),
    (lambda: table(["a"], []), ValueError, "rows is empty"),
    (lambda: table(["a", "b"], [["x", "y"]], align="r"), ValueError, "align must be 2 letters"),
    (lambda: table(["a"], [["x"]], align="x"), ValueError, "align must be 1 letters from 'l', 'r', 'c'"),
])
def test_table_refuses_malformed_tables_naming_the_argument(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()
