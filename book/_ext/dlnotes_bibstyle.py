"""The References page labels each work as the chapters cite it: "(LeCun et al., 1998)", not "[LBBH98]".

The chapters cite in author-year form (``bibtex_reference_style:
author_year`` in ``_config.yml``), but pybtex's formatting styles label the
bibliography's entries alphabetically ("alpha") or by number, so a reader
who follows "LeCun et al., 1998" to the References page found "[LBBH98]".
This extension registers a pybtex label style that writes the same text as
the citations (one author: "Elman, 1990"; two: "Glorot and Bengio, 2010";
three or more: "LeCun et al., 1998"; a letter after the year where two
labels would be equal) and a formatting style, ``dlnotes_author_year``,
that is pybtex's "alpha" (entries sorted by author, year, title) with those
labels. ``_config.yml`` makes it the default style
(``bibtex_default_style``).
"""

from __future__ import annotations

import string
from collections import Counter

from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.alpha import Style as AlphaStyle
from pybtex.style.labels import BaseLabelStyle

STYLE = "dlnotes_author_year"


def _surname(person) -> str:
    """A person's surname as printed: prefixes ("van der") and braces resolved."""
    return Text.from_latex(" ".join(person.prelast_names + person.last_names)).render_as("text")


def author_year(entry) -> str:
    """"Elman, 1990", "Glorot and Bengio, 2010" or "LeCun et al., 1998" (authors, else editors, else the key)."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_surname(p) for p in people]
    if not names:
        who = entry.fields.get("organization") or entry.fields.get("title") or entry.key
        who = Text.from_latex(str(who)).render_as("text")
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabelStyle(BaseLabelStyle):
    """Labels in the citations' author-year form; equal labels get a, b, c after the year."""

    def format_labels(self, sorted_entries):
        labels = [author_year(entry) for entry in sorted_entries]
        repeated = {label for label, count in Counter(labels).items() if count > 1}
        seen: Counter = Counter()
        for label in labels:
            if label in repeated:
                yield label + string.ascii_lowercase[seen[label]]
                seen[label] += 1
            else:
                yield label


class AuthorYearStyle(AlphaStyle):
    """pybtex's alpha style (sorted by author, year, title) with author-year labels."""

    default_label_style = STYLE


def setup(app):
    register_plugin("pybtex.style.labels", STYLE, AuthorYearLabelStyle, force=True)
    register_plugin("pybtex.style.formatting", STYLE, AuthorYearStyle, force=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
