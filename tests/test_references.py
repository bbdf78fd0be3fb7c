"""The bibliography: every citation resolves, and every entry says where to find the work.

`book/references.bib` is read with pybtex, the parser sphinxcontrib-bibtex
itself uses; citations are the MyST roles {cite}`key`, {cite:p}`a,b`,
{cite:t}`key`, ... anywhere in the pages, the notebooks' cells and the
sentences cells print.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pybtex.database import parse_file, parse_string

from test_book_browser import site  # noqa: F401 - the built book, a fixture used by name

ROOT = Path(__file__).resolve().parents[1]
BIB = ROOT / "book" / "references.bib"
SOURCES = sorted((ROOT / "book").glob("*.md")) + sorted((ROOT / "notebooks").glob("*.ipynb"))

# {cite}`a`, {cite:p}`a, b`, {cite:t}`a`, {cite:ps}`a` ...; inside a notebook's JSON a
# backtick is a backtick, so the stored file is searched as text.
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
VENUE_FIELDS = ("journal", "booktitle", "publisher", "howpublished", "school", "institution")
LOCATION_FIELDS = ("doi", "eprint", "url")

# The keys the chapters cite (the list every chapter's author was given).
AGREED_KEYS = {
    "lecun1998gradient", "lecun2010mnist", "krizhevsky2012imagenet", "russakovsky2015imagenet",
    "simonyan2015very", "szegedy2015going", "glorot2010understanding", "he2015delving", "he2016deep",
    "hochreiter1997long", "gers2000learning", "ioffe2015batch", "polyak1964some", "rumelhart1986learning",
    "sutskever2013importance", "bengio1994learning", "pascanu2013difficulty", "saxe2014exact",
    "nair2010rectified", "maas2013rectifier", "zhang2023dive", "cs231n", "goodfellow2016deep",
    "srivastava2014dropout", "krogh1992simple", "hubel1962receptive", "fukushima1980neocognitron",
    "elman1990finding", "werbos1990backpropagation",
}


def bib_keys_in_order(text: str) -> list[str]:
    """Entry keys as written (pybtex itself refuses a repeated key, so they are read from the text too)."""
    return re.findall(r"^@\w+\s*\{\s*([^,\s]+)\s*,", text, flags=re.MULTILINE)


def cited_keys(text: str) -> set[str]:
    return {key.strip() for keys in CITE.findall(text) for key in keys.split(",") if key.strip()}


ENTRIES = parse_file(str(BIB), bib_format="bibtex").entries


def test_no_key_is_defined_twice():
    keys = bib_keys_in_order(BIB.read_text())
    assert len(keys) == len(set(k.lower() for k in keys)), sorted(k for k in keys if keys.count(k) > 1)
    assert set(keys) == set(ENTRIES)


def test_the_agreed_keys_are_exactly_the_entries():
    assert set(ENTRIES) == AGREED_KEYS


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_every_cited_key_is_in_the_bibliography(path):
    missing = cited_keys(path.read_text()) - set(ENTRIES)
    assert not missing, f"{path.name} cites {sorted(missing)}, not in book/references.bib"


@pytest.mark.parametrize("key", sorted(ENTRIES), ids=str)
def test_every_entry_names_authors_title_year_venue_and_where_to_find_it(key):
    entry = ENTRIES[key]
    assert entry.persons.get("author"), f"{key}: no author"
    assert entry.fields.get("title", "").strip(), f"{key}: no title"
    assert re.fullmatch(r"1[89]\d\d|20\d\d", entry.fields.get("year", "")), f"{key}: year {entry.fields.get('year')!r}"
    assert any(entry.fields.get(f, "").strip() for f in VENUE_FIELDS), f"{key}: no venue ({', '.join(VENUE_FIELDS)})"
    assert any(entry.fields.get(f, "").strip() for f in LOCATION_FIELDS), f"{key}: no doi, eprint or url"


@pytest.mark.parametrize("key", sorted(ENTRIES), ids=str)
def test_identifiers_are_well_formed(key):
    fields = ENTRIES[key].fields
    if "doi" in fields:
        assert re.fullmatch(r"10\.\d{4,9}/\S+", fields["doi"]), f"{key}: doi {fields['doi']!r}"
    if "eprint" in fields:
        assert fields.get("archiveprefix", "").lower() == "arxiv", f"{key}: eprint without archivePrefix = arXiv"
        assert re.fullmatch(r"\d{4}\.\d{4,5}", fields["eprint"]), f"{key}: arXiv id {fields['eprint']!r}"
    if "url" in fields:
        assert re.fullmatch(r"https?://\S+", fields["url"]), f"{key}: url {fields['url']!r}"
    if "pages" in fields:
        assert re.fullmatch(r"\d+--\d+", fields["pages"]), f"{key}: pages {fields['pages']!r} (first--last)"


def test_the_citation_pattern_finds_every_role_form():
    text = "as {cite}`a` showed, {cite:p}`b, c` and {cite:t}`d`; not {cite}``, not `e`"
    assert cited_keys(text) == {"a", "b", "c", "d"}


def test_the_duplicate_check_can_fail():
    doubled = "@misc{x, title={A}}\n@misc{y, title={B}}\n@misc{x, title={C}}\n"
    keys = bib_keys_in_order(doubled)
    assert len(keys) != len(set(keys))
    with pytest.raises(Exception):
        parse_string(doubled, "bibtex")


def test_the_book_reads_the_bibliography_and_prints_it():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["bibtex_bibfiles"] == ["book/references.bib"]
    assert config["sphinx"]["config"]["bibtex_reference_style"] == "author_year"
    assert "```{bibliography}" in (ROOT / "book" / "references.md").read_text()
    toc = (ROOT / "_toc.yml").read_text()
    assert "book/references" in toc and "book/teaching" in toc


# -- the References page labels entries as the chapters cite them -------------------
def _bibstyle():
    import importlib.util

    path = ROOT / "book" / "_ext" / "dlnotes_bibstyle.py"
    spec = importlib.util.spec_from_file_location("dlnotes_bibstyle", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_labels_are_author_year_as_in_the_text():
    style = _bibstyle()
    entries = parse_string(
        r"""
        @article{one, author = {Jeffrey L. Elman}, title = {T}, year = {1990}}
        @article{two, author = {Xavier Glorot and Yoshua Bengio}, title = {T}, year = {2010}}
        @article{three, author = {Yann LeCun and L{\'e}on Bottou and Yoshua Bengio}, title = {T}, year = {1998}}
        @article{prefix, author = {Laurens van der Maaten}, title = {T}, year = {2008}}
        @article{braces, author = {J{\"u}rgen Schmidhuber}, title = {T}, year = {2015}}
        @misc{nobody, title = {MNIST}, year = {2010}}
        """,
        "bibtex",
    ).entries
    labels = list(style.AuthorYearLabelStyle().format_labels(entries.values()))
    assert labels == [
        "Elman, 1990", "Glorot and Bengio, 2010", "LeCun et al., 1998",
        "van der Maaten, 2008", "Schmidhuber, 2015", "MNIST, 2010",
    ]


def test_equal_labels_get_a_letter_after_the_year():
    style = _bibstyle()
    entries = parse_string(
        r"""
        @article{a, author = {Kaiming He and X Zhang and S Ren}, title = {A}, year = {2016}}
        @article{b, author = {Kaiming He and Y Other and Z Third}, title = {B}, year = {2016}}
        @article{c, author = {Kaiming He and X Zhang and S Ren}, title = {C}, year = {2015}}
        """,
        "bibtex",
    ).entries
    labels = list(style.AuthorYearLabelStyle().format_labels(entries.values()))
    assert labels == ["He et al., 2016a", "He et al., 2016b", "He et al., 2015"]


def test_the_book_uses_the_author_year_style():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]
    assert config["local_extensions"].get("dlnotes_bibstyle") == "book/_ext"
    assert config["config"]["bibtex_default_style"] == _bibstyle().STYLE


def test_every_citation_reads_like_the_entry_it_links_to(site):
    """In the built book, "[LeCun et al., 1998]" in a chapter leads to the entry labelled the same."""
    page = (site / "book" / "references.html").read_text(encoding="utf-8")
    labels = dict(re.findall(
        r'<div class="citation" id="([^"]+)"[^>]*>\s*<span class="label"><span class="fn-bracket">\[</span>'
        r"(.*?)<span", page))
    assert len(labels) >= 20, "the References page lists too few entries"
    link = re.compile(r'<a class="reference internal" href="[^"]*references\.html#([^"]+)"[^>]*>(.*?)</a>')
    citations = 0
    for html_file in sorted(site.rglob("*.html")):
        text = html_file.read_text(encoding="utf-8")
        for match in link.finditer(text):
            target, shown = match.group(1), re.sub(r"<[^>]+>", "", match.group(2))
            if target not in labels:
                continue
            citations += 1
            label = labels[target]
            if shown != label:
                # {cite:t}: "LeCun et al. [1998]", the year alone in the link
                who, _, year = label.rpartition(", ")
                before = re.sub(r"<[^>]+>", "", text[max(0, match.start() - 400):match.start()])
                assert shown == year and before.endswith(f"{who} ["), (html_file.name, shown, label)
    assert citations >= 20, f"only {citations} citations found in the built book"
