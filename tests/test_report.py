"""dlnotes.report: sentences from computed values, bounds that are checked, stable summaries."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dlnotes.report import below, count_reaching, over_seeds, percent, power, power_of_ten, say, sci


def test_say_displays_markdown_and_returns_nothing(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    assert say("The RNN is back at **chance** ($p = 0.5$).") is None
    (obj,) = shown
    assert obj._repr_markdown_() == "The RNN is back at **chance** ($p = 0.5$)."


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
