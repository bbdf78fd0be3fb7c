"""The book's Sphinx extension: the Colab button, a check that the notebooks name the same repository, and the page fixes of issue 17.

``repository.url`` in ``_config.yml`` is the book's one setting for where it
lives. This extension adds the Colab launch button to every chapter when the
URL is set (with it empty the book builds without the button), and fails the
build (a warning, and the book builds with warnings as errors) when a
notebook's first cell, the Colab install cell, names another URL. That cell
is written by ``tools/colab_cells.py`` (``make colab``), which this extension
asks which notebooks are stale.

It also serves every reader (issue 17). It adds ``book/_static/dlnotes.css``
(dark mode, phones, print) and ``dlnotes.js`` (figures kept legible on phones,
hints and hidden code opened for print), and after the build it patches the
theme's HTML where axe-core finds a fault (``_patch_page``) and replaces Font
Awesome's 1.5 MB script with a font of only the icons the book shows
(``_icon_subset``).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

__all__ = ["setup"]

COLAB_URL = "https://colab.research.google.com"
STATIC = Path(__file__).resolve().parents[1] / "_static"  # book/_static

# Fixes of the theme's rendered HTML, each (what it fixes, pattern, replacement).
# axe-core's label-content-name-mismatch: a control's accessible name must
# contain its visible text, so the search buttons ("Search Ctrl+K") and the
# code-cell toggles ("Show code cell source") lose their narrower aria-label.
# axe-core's region: the sidebar's logo sits outside every landmark.
PAGE_FIXES = [
    ("search button name",
     re.compile(r'(<button class="btn search-button-field[^"]*"[^>]*?) aria-label="Search"'), r"\1"),
    ("code-cell toggle name", re.compile(r'<summary aria-label="Toggle hidden content">'), "<summary>"),
    ("sidebar landmark",
     re.compile(r'<div class="sidebar-primary-items__start sidebar-primary__section">'),
     '<div class="sidebar-primary-items__start sidebar-primary__section" role="navigation" aria-label="Book">'),
    ("colour-mode icons hidden from screen readers",
     re.compile(r'<i class="theme-switch ([^"]*)" data-mode="(\w+)" title="([^"]*)">'),
     r'<i class="theme-switch \1" data-mode="\2" aria-hidden="true">'),
    # axe-core's aria-required-children: docutils lists citations (role="list")
    # as role="doc-biblioentry", which is not a list item.
    ("citations as list items", re.compile(r'<div class="citation" id="([^"]+)" role="doc-biblioentry">'),
     r'<div class="citation" id="\1" role="listitem">'),
    ("Font Awesome's script, replaced by dlnotes-icons.css",
     re.compile(r'\s*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>'), ""),
]
# Icons drawn by the theme's CSS (admonitions, links) and its scripts, which
# no page's HTML names: kept in the subset.
THEME_ICONS = ("xmark",)
# Fixes for what only some pages have; the others must match every build.
SOME_PAGES = {"code-cell toggle name", "citations as list items"}


def _colab_cells(root: Path):
    """The notebook tool ``root/tools/colab_cells.py``, loaded by path (tools/ is not a package)."""
    path = root / "tools" / "colab_cells.py"
    spec = importlib.util.spec_from_file_location("colab_cells", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- Sphinx event handlers -------------------------------------------------------
def _config_inited(app, config) -> None:
    options = dict(config.html_theme_options or {})
    launch = dict(options.get("launch_buttons") or {})
    url = str(options.get("repository_url") or "").strip()
    if url:
        launch["colab_url"] = COLAB_URL
        options["use_repository_button"] = True
    else:
        launch.pop("colab_url", None)
    options["launch_buttons"] = launch
    # Without a default, pydata-sphinx-theme's script logs "Got invalid theme
    # mode" on a reader's first visit; "auto" follows the reader's system.
    config.html_theme_options = options
    context = dict(config.html_context or {})
    context.setdefault("default_mode", "auto")
    config.html_context = context


def _add_static_path(app, config) -> None:
    """Serve book/_static (dlnotes.css, dlnotes.js) from the site's _static."""
    config.html_static_path = [*config.html_static_path, str(STATIC)]


def _dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    """Drop repeated <script> entries from a page's head.

    sphinx-thebe registers its inline configuration script once, but Sphinx
    7.4 writes it twice into every page; the second copy throws
    "Identifier 'THEBE_JS_URL' has already been declared".
    """
    seen, unique = set(), []
    for script in context.get("script_files", []):
        attributes = getattr(script, "attributes", {}) or {}
        filename = getattr(script, "filename", script) or ""  # None and '' both mean inline
        key = (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def _patch_page(html: str, used: dict[str, int]) -> str:
    """``html`` with PAGE_FIXES applied; counts each fix's matches in ``used``."""
    for name, pattern, replacement in PAGE_FIXES:
        html, n = pattern.subn(replacement, html)
        used[name] = used.get(name, 0) + n
    return html


def _icon_subset(outdir: Path, names: set[str]) -> str:
    """Write ``_static/dlnotes-icons.woff`` (the solid glyphs in use) and return its CSS.

    The code points come from the theme's own ``fontawesome.js`` (entries like
    ``"magnifying-glass":[512,512,[...],"f002",...`` or ``sun:[...``) and the theme CSS's
    ``--pst-icon-*`` variables; the glyphs from its ``fa-solid-900.ttf``.
    The @font-face comes after the theme's, so it replaces the 150 kB font.
    """
    from fontTools import subset

    static = outdir / "_static"
    script = (static / "scripts" / "fontawesome.js").read_text(encoding="utf-8")
    points = {m[0]: int(m[1], 16) for m in re.findall(r'"?([a-z0-9-]+)"?:\[\d+,\d+,\[[^\]]*\],"([0-9a-f]{4,5})"', script)}
    css = (static / "styles" / "pydata-sphinx-theme.css").read_text(encoding="utf-8")
    theme = {ord(c) for c in re.findall(r'--pst-icon-[a-z-]+:"(.)"', css)}
    shown = sorted(n for n in names | set(THEME_ICONS) if n in points)
    options = subset.Options()
    options.flavor = "woff"
    font = subset.load_font(str(static / "vendor" / "fontawesome" / "webfonts" / "fa-solid-900.ttf"), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted({points[n] for n in shown} | theme))
    subsetter.subset(font)
    subset.save_font(font, str(static / "dlnotes-icons.woff"), options)
    rules = [
        '@font-face{font-family:"Font Awesome 6 Free";font-style:normal;font-weight:900;'
        'font-display:block;src:url(dlnotes-icons.woff) format("woff")}',
        '.fa,.fas,.fa-solid{display:var(--fa-display,inline-block);font-family:"Font Awesome 6 Free";'
        "font-weight:900;font-style:normal;font-variant:normal;line-height:1;text-rendering:auto;"
        "-webkit-font-smoothing:antialiased}",
        ".fa-lg{font-size:1.25em;line-height:.05em;vertical-align:-.075em}",
    ]
    rules += [f'.fa-{n}:before{{content:"\\{points[n]:x}"}}' for n in shown]
    return "/* Generated by book/_ext/dlnotes_book.py: the Font Awesome icons this book shows. */\n" + "\n".join(rules) + "\n"


def _build_finished(app, exception) -> None:
    """Patch every written page (PAGE_FIXES) and write the icon subset."""
    if exception is not None or app.builder.format != "html":
        return
    from sphinx.util import logging

    outdir = Path(app.outdir)
    used: dict[str, int] = {}
    names: set[str] = set()
    for page in outdir.rglob("*.html"):
        if page.relative_to(outdir).parts[0] in ("_static", "_sources"):
            continue
        html = page.read_text(encoding="utf-8")
        names |= set(re.findall(r'\bfa-([a-z0-9-]+)', " ".join(re.findall(r'class="([^"]*)"', html))))
        # Every page is patched (the fixes are idempotent); a fix is expected to
        # match the pages this build wrote, which are not patched yet.
        written = page.stat().st_mtime >= app.dlnotes_build_started
        patched = _patch_page(html, used if written else {})
        if patched != html:
            page.write_text(patched, encoding="utf-8")
    for name, count in used.items():
        if count == 0 and name not in SOME_PAGES:
            logging.getLogger(__name__).warning(f"the page fix '{name}' matched no page: has the theme changed?")
    (outdir / "_static" / "dlnotes-icons.css").write_text(_icon_subset(outdir, names), encoding="utf-8")
    # Sphinx copies static files only when some page is out of date: an edit
    # of book/_static alone would not reach the site without this.
    for source in STATIC.iterdir():
        target = outdir / "_static" / source.name
        if source.is_file() and (not target.exists() or target.read_bytes() != source.read_bytes()):
            target.write_bytes(source.read_bytes())


def _builder_inited(app) -> None:
    import time

    from sphinx.util import logging

    app.dlnotes_build_started = time.time() - 1  # pages written from now on get _patch_page

    root = Path(app.srcdir)
    cells = _colab_cells(root)
    for name in cells.stale_notebooks(root):
        logging.getLogger(__name__).warning(
            f"notebooks/{name}: its first cell is not the Colab install cell for "
            f"repository.url={cells.repository_url(root)!r}; run `make colab`"
        )


def setup(app):
    app.connect("config-inited", _config_inited)
    app.connect("config-inited", _add_static_path)
    app.connect("builder-inited", _builder_inited)
    app.connect("html-page-context", _dedupe_scripts)
    app.connect("build-finished", _build_finished)
    app.add_css_file("dlnotes.css")
    app.add_css_file("dlnotes-icons.css")  # written by _build_finished
    app.add_js_file("dlnotes.js", loading_method="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}

