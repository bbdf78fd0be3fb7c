"""Sentences written from computed values: how a chapter's prose stays true to its outputs.

A number in a chapter's prose comes from a cell, never from the author's
memory of an earlier run. A cell computes the values, checks the claim the
sentence makes, and writes the sentence::

    assert accuracy["rnn", 100] < 0.6, accuracy          # the claim, checked on every run
    say(f"At 100 steps the simple RNN is back at chance ({percent(accuracy['rnn', 100])}).")

``say`` displays Markdown (maths included), so the sentence reads as prose in
the web book, in JupyterLab and in Colab alike; nbval compares it like any
other output, so a sentence that stops being true turns CI red.

Two rules keep the printed text the same on every x86-64 CPU:

* a value that only says "these agree" (a finite-difference error, a
  difference from TensorFlow) is printed as a bound it is checked against,
  with :func:`below`, never with its last digits, which depend on the order
  of floating-point operations;
* a training result, whose digits depend on that order too, is reported over
  several seeds as what is stable: how many seeds reach a threshold
  (:func:`count_reaching`), or a median and range rounded coarsely enough
  (:func:`over_seeds`).
"""

from __future__ import annotations

import math
import numbers
from typing import Iterable, Sequence

import numpy as np

from ._validate import as_float_array

__all__ = ["say", "table", "power_of_ten", "power", "sci", "below", "percent", "count_reaching", "over_seeds"]

# table()'s column alignments: the Markdown separator for each letter.
ALIGN = {"l": "---", "r": "---:", "c": ":---:"}


def say(markdown: str) -> None:
    """Display ``markdown`` as a Markdown output of the running cell.

    Parameters
    ----------
    markdown : str
        The sentence or paragraph, MyST/CommonMark Markdown; ``$...$`` maths
        renders in the web book and in Jupyter.
    """
    if not isinstance(markdown, str):
        raise TypeError(f"markdown must be a str, got {type(markdown).__name__}")
    from IPython.display import Markdown, display

    shown = Markdown("")   # Markdown(markdown) would read a file, or fetch a URL, when the text names one
    shown.data = markdown
    display(shown)


def table(header: Sequence[str], rows: Iterable[Sequence], align: str | None = None) -> str:
    """A Markdown table, for :func:`say`: ``say(table(["layer", "norm"], rows, align="lr"))``.

    header: the column titles, Markdown (``"$\\sigma(z)$"`` is maths).
    rows: one sequence of cells per row, each as long as ``header``. A cell
        is a str or an int: format a float yourself (``f"{x:.3f}"``,
        :func:`percent`, :func:`sci`), to as many digits as stay the same on
        every CPU. A ``|`` in a cell is escaped; ``""`` is an empty cell.
    align: one letter per column, ``l`` (left, the default), ``r`` (right,
        for numbers) or ``c`` (centre).
    Returns the table as text: a header line, the separator line, one line per row.
    """
    if isinstance(header, str) or not isinstance(header, Sequence) or not header:
        raise TypeError(f"header must be a non-empty list of column titles, got {header!r}")
    width = len(header)
    align = "l" * width if align is None else align
    if not isinstance(align, str) or len(align) != width or set(align) - set(ALIGN):
        raise ValueError(f"align must be {width} letters from 'l', 'r', 'c' (one per column), got {align!r}")
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Iterable):
        raise TypeError(f"rows must be an iterable of rows, got {rows!r}")
    lines = [_row(header, width, "header"), "|" + "|".join(ALIGN[a] for a in align) + "|"]
    for k, row in enumerate(rows):
        lines.append(_row(row, width, f"rows[{k}]"))
    if len(lines) == 2:
        raise ValueError("rows is empty: a table needs at least one row")
    return "\n".join(lines)


def _row(cells, width: int, name: str) -> str:
    """One table line, ``| a | b |``, from ``width`` cells (str or int)."""
    if isinstance(cells, (str, bytes)) or not isinstance(cells, Sequence):
        raise TypeError(f"{name} must be a list of cells, got {cells!r}")
    if len(cells) != width:
        raise ValueError(f"{name} has {len(cells)} cells, expected {width} (one per column): {list(cells)!r}")
    texts = []
    for j, cell in enumerate(cells):
        if isinstance(cell, bool) or not isinstance(cell, (str, numbers.Integral)):
            raise TypeError(f"{name}[{j}] must be a str or an int (format numbers yourself, e.g. f'{{x:.3f}}'), "
                            f"got {cell!r} of type {type(cell).__name__}")
        texts.append(str(cell).replace("|", "\\|"))
    return "|" + "|".join(f" {text} " if text else " " for text in texts) + "|"   # an empty cell is "| |"


def power_of_ten(bound: float) -> str:
    """``1e-06`` written as ``1e-6`` (and ``1e+03`` as ``1e3``); other bounds as ``%g``.

    bound: a positive finite number."""
    bound = _positive_finite(bound, "bound")
    exponent = math.log10(bound)
    if exponent == round(exponent):
        return f"1e{int(round(exponent))}"
    return f"{bound:g}"


def power(x: float) -> str:
    """``x`` as the nearest power of ten, as Markdown maths: ``7.8e-4`` gives ``$10^{-3}$``.

    For an order of magnitude in a sentence, where the digits would depend on the CPU.
    """
    x = _positive_finite(x, "x")
    return f"$10^{{{round(math.log10(x))}}}$"


def sci(x: float) -> str:
    """``x`` to one significant digit, as Markdown maths: ``4.57e4`` gives ``$5 \\times 10^{4}$``."""
    x = _positive_finite(x, "x")
    mantissa, exponent = f"{x:.0e}".split("e")
    return f"${mantissa} \\times 10^{{{int(exponent)}}}$"


def _positive_finite(x, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {x!r} of type {type(x).__name__}")
    value = float(x)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number, got {x!r}")
    return value


def below(value, bound: float, what: str = "value") -> str:
    """Return ``"below <bound>"`` after checking that ``value`` (every entry of it) is below ``bound``.

    Parameters
    ----------
    value : float or array-like
        A measured error or difference; an array is judged by its largest entry.
    bound : float
        The positive bound the claim is made against (``1e-6`` for a
        finite-difference check in float64, ``1e-5`` for float32 parity with TensorFlow).
    what : str
        Names the value in the error raised when the check fails.

    Raises
    ------
    AssertionError
        When the value is not finite or not below ``bound``: the sentence the
        caller was about to print would be false.
    """
    bound = _positive_finite(bound, "bound")
    if not isinstance(what, str):
        raise TypeError(f"what must be a str, got {what!r}")
    value = as_float_array(value, "value")
    if value.size == 0:
        raise ValueError(f"value must hold at least one number, got an empty array of shape {value.shape}")
    largest = float(np.max(np.abs(value)))
    if not largest < bound:  # also catches NaN
        raise AssertionError(f"{what} is {largest:.3g}, not below {power_of_ten(bound)}")
    return f"below {power_of_ten(bound)}"


def percent(fraction: float, digits: int = 0) -> str:
    """``0.8183`` as ``"82%"`` (``digits`` decimals after the point, an integer 0..17)."""
    fraction = _finite(fraction, "fraction")
    if isinstance(digits, bool) or not isinstance(digits, numbers.Integral) or not 0 <= digits <= 17:
        raise ValueError(f"digits must be an integer from 0 to 17, got {digits!r}")
    return f"{100 * fraction:.{int(digits)}f}%"


def count_reaching(values: Iterable[float], threshold: float) -> int:
    """How many of ``values`` are at or above ``threshold`` (seeds that learnt the task, say).

    values: real numbers, none of them NaN (a NaN result is a failed run: say so, don't count it away).
    """
    threshold = _finite(threshold, "threshold")
    return int(np.sum(_results(values) >= threshold))


def over_seeds(values: Iterable[float], fmt: str = "{:.2f}") -> str:
    """``"median 0.94 (0.90 to 0.98 over 5 seeds)"``: a training result as its median and range.

    Use a format coarse enough that the text does not change between CPUs;
    ``make test`` checks it under a second set of numeric kernels.
    """
    values = _results(values)
    if values.size == 0:
        raise ValueError("values must hold at least one result, got none")
    if not isinstance(fmt, str):
        raise TypeError(f"fmt must be a format string such as '{{:.2f}}', got {fmt!r}")
    try:
        fmt.format(0.5)
    except (IndexError, KeyError, ValueError) as exc:
        raise ValueError(f"fmt must format one number, such as '{{:.2f}}', got {fmt!r} ({exc})") from None
    low, mid, high = (fmt.format(v) for v in (values.min(), np.median(values), values.max()))
    seeds = "seed" if values.size == 1 else "seeds"
    return f"median {mid} ({low} to {high} over {values.size} {seeds})"


def _finite(x, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {x!r} of type {type(x).__name__}")
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x!r}")
    return float(x)


def _results(values) -> np.ndarray:
    """``values`` as a 1-D float64 array of real numbers, none NaN (inf is allowed)."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"values must be an iterable of numbers, got {values!r}")
    values = as_float_array(list(values), "values").astype(np.float64)
    if values.ndim != 1:
        raise ValueError(f"values must be a flat list of numbers, got shape {values.shape}")
    if np.isnan(values).any():
        raise ValueError(f"values must not hold NaN (a failed run), got {values.tolist()!r}")
    return values
