"""The built web book, opened in a real browser (headless Chromium via Playwright).

The module builds the book (``jupyter-book build``, incremental, so cheap
after ``make book``), serves ``_build/html`` on 127.0.0.1 and opens every
page in Debian's Chromium (``/usr/bin/chromium``; Playwright never downloads
a browser here). Each page must load with HTTP 200, show a title, load every
image and raise no JavaScript error of its own. On chapter 1 the precomputed
static sliders of ``dlnotes.explore`` are moved the way a reader moves them
(keyboard on the focused range input) and must swap the figure.

The machine may have no internet: every request that does not go to the
local server (a CDN script such as thebe from unpkg.com, if a page asks for
one) is aborted and recorded, so the test neither waits for nor depends on
it; failures and console errors caused by those aborted requests are
allowed, and so are the two errors of the pinned theme stack listed in
KNOWN_UPSTREAM_ERRORS; nothing else is. Full-page screenshots land in
``_build/screenshots/`` for a human to look at. The last test prints the
book to one PDF (tools/pdf.py, as ``make pdf`` does) and reads it back.
The accessibility checks are in test_book_a11y.py.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import subprocess
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HTML_DIR = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _toc_files(entry) -> list[str]:
    """Every `file:` (and the root) named in _toc.yml, in order."""
    if isinstance(entry, dict):
        found = [entry[k] for k in ("root", "file") if k in entry]
        for value in entry.values():
            if isinstance(value, (dict, list)):
                found += _toc_files(value)
        return found
    if isinstance(entry, list):
        return [f for item in entry for f in _toc_files(item)]
    return []


# Pages the table of contents promises (_toc.yml); the site may hold more.
TOC_PAGES = [f"{name}.html" for name in _toc_files(yaml.safe_load((ROOT / "_toc.yml").read_text()))]
CHAPTERS = [page for page in TOC_PAGES if page.startswith("notebooks/")]
CHAPTER_1 = "notebooks/01_activation_functions.html"
# Sphinx support folders: templates and assets, not pages.
NOT_PAGES = ("_static/", "_sources/", "_images/")
# The main content: the article, or (search.html has none) the whole <main>.
CONTENT = ("article.bd-article", "main#main-content")
TIMEOUT_MS = 20_000

# Errors the pinned third-party stack raises on every page, allowed here by
# their exact text so that any other error still fails. Drop an entry once
# the cause is gone (the test then reports nothing new).
# Errors from third-party files that we accept. Empty: the two that
# sphinx-thebe 0.3.1 and pydata-sphinx-theme 0.17 produced (a doubled
# `const THEBE_JS_URL` script, "Got invalid theme mode") are fixed in
# book/_ext/dlnotes_book.py, and this test proves it.
KNOWN_UPSTREAM_ERRORS: list[tuple[str, re.Pattern]] = []


# ----------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def site() -> Path:
    """Build the book (warnings are errors) and return its HTML folder.

    With DLNOTES_BOOK_SITE set to a built HTML folder, that folder is tested
    as it is (no build): for checking a book built elsewhere.
    """
    prebuilt = os.environ.get("DLNOTES_BOOK_SITE")
    if prebuilt:
        assert (Path(prebuilt) / "index.html").is_file(), f"DLNOTES_BOOK_SITE={prebuilt} holds no index.html"
        return Path(prebuilt)
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    cmd = [str(jupyter_book), "build", str(ROOT), "--warningiserror", "--keep-going"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        pytest.fail(
            f"`{' '.join(cmd)}` failed with exit status {proc.returncode}:\n"
            f"{proc.stdout[-8000:]}\n{proc.stderr[-8000:]}",
            pytrace=False,
        )
    assert (HTML_DIR / "index.html").is_file(), f"the build wrote no {HTML_DIR / 'index.html'}"
    return HTML_DIR


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def server(site: Path):
    """Base URL (ending in '/') of a local HTTP server for the built site."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium, launched once for the module."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: these browser tests need Debian's Chromium. "
            "Install it with `sudo apt-get install chromium` (Playwright's own "
            "browser downloads are not used).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


# ----------------------------------------------------------------- helpers


@dataclass
class Visit:
    """One opened page and everything the browser reported while loading it."""

    page: object
    url: str
    status: int | None
    blocked: list[str] = field(default_factory=list)  # external URLs we aborted
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[tuple[str, str]] = field(default_factory=list)  # (text, source URL)
    failed_requests: list[tuple[str, str]] = field(default_factory=list)  # (URL, failure)
    path: str = ""  # the page, relative to the site root


def is_local(url: str, base: str) -> bool:
    return url.startswith(base) or url.startswith(("data:", "blob:", "about:"))


@contextmanager
def open_page(browser, base: str, path: str, viewport: dict | None = None, init_script: str | None = None):
    """Open ``base + path`` in a fresh context that only reaches the local server; yield a Visit.

    ``viewport`` defaults to 1280 x 900; ``init_script`` runs before the page's own scripts.
    """
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    if init_script:
        context.add_init_script(init_script)
    blocked: list[str] = []

    def route(r):
        if is_local(r.request.url, base):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    visit = Visit(page=page, url=base + path, status=None, blocked=blocked)

    def on_console(msg):
        if msg.type == "error":
            visit.console_errors.append((msg.text, (msg.location or {}).get("url", "")))

    page.on("pageerror", lambda exc: visit.page_errors.append(str(exc)))
    page.on("console", on_console)
    page.on("requestfailed", lambda req: visit.failed_requests.append((req.url, req.failure or "")))
    try:
        response = page.goto(visit.url, wait_until="load")
        visit.status = response.status if response else None
        yield visit
    finally:
        context.close()


def wait_for_math(page) -> None:
    """Let MathJax, if it loaded, finish typesetting the page."""
    page.evaluate("async () => { await window.MathJax?.startup?.promise; }")


def known_upstream(kind: str, text: str) -> bool:
    return any(kind == k and pattern.search(text) for k, pattern in KNOWN_UPSTREAM_ERRORS)


def own_errors(visit: Visit, base: str) -> list[str]:
    """Errors that are neither caused by the external requests this test aborted nor known upstream."""
    problems = [f"page error: {e}" for e in visit.page_errors if not known_upstream("page error", e)]
    for text, source in visit.console_errors:
        about_blocked = any(url in text or url == source for url in visit.blocked)
        if (is_local(source, base) or not source) and not about_blocked:
            if not known_upstream("console error", text):
                problems.append(f"console error from {source or '(no source)'}: {text}")
    for url, failure in visit.failed_requests:
        if is_local(url, base):
            problems.append(f"request failed: {url} ({failure})")
    return problems


def content_selector(page) -> str:
    """CSS selector of the page's main content (see CONTENT)."""
    return next((sel for sel in CONTENT if page.locator(sel).count()), CONTENT[-1])


def broken_images(page, content: str) -> list[str]:
    """Images in the main content that did not load (naturalWidth 0), once all have settled."""
    return page.evaluate(
        """async (sel) => {
            const imgs = Array.from(document.querySelectorAll(sel + ' img'));
            await Promise.all(imgs.map(i => i.complete ? null : new Promise(r => {
                i.addEventListener('load', r); i.addEventListener('error', r); })));
            return imgs.filter(i => !(i.naturalWidth > 0))
                       .map(i => (i.getAttribute('alt') || '') + ' <' + i.src.slice(0, 80) + '>');
        }""",
        content,
    )


def screenshot_name(path: str) -> Path:
    return SCREENSHOTS / (path.removesuffix(".html").replace("/", "_") + ".png")


def built_pages(site: Path) -> tuple[list[str], dict[str, str]]:
    """(pages, redirects) of the built site, as paths relative to it; redirects map to their target."""
    pages, redirects = [], {}
    for file in sorted(site.rglob("*.html")):
        rel = file.relative_to(site).as_posix()
        if rel.startswith(NOT_PAGES):
            continue
        refresh = re.match(r'\s*<meta http-equiv="Refresh" content="0; url=([^"]+)"', file.read_text())
        if refresh:
            redirects[rel] = (file.parent / refresh.group(1)).resolve().relative_to(site.resolve()).as_posix()
        else:
            pages.append(rel)
    return pages, redirects


def page_problems(browser, base: str, path: str) -> list[str]:
    """Everything wrong with one page (empty when it is fine); saves its full-page screenshot."""
    with open_page(browser, base, path) as visit:
        page = visit.page
        problems = []
        if visit.status != 200:
            problems.append(f"HTTP status {visit.status}")
        wait_for_math(page)
        content = content_selector(page)
        headings = page.locator(f"{content} h1")
        title = headings.first.inner_text().replace("#", "").strip() if headings.count() else ""
        if not title:
            problems.append(f"no non-empty <h1> in {content}")
        problems += [f"image did not load: {img}" for img in broken_images(page, content)]
        math_errors = page.locator("mjx-merror").all_text_contents()
        problems += [f"MathJax error: {text}" for text in math_errors]
        problems += own_errors(visit, base)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot_name(path)), full_page=True)
    return problems


def visible_frames(block) -> list[dict]:
    """data-key and src of every frame <img> of a .dlnotes-explore block that is displayed."""
    return block.evaluate(
        """b => Array.from(b.querySelectorAll('img[data-key]'))
                 .filter(i => getComputedStyle(i).display !== 'none' && i.offsetWidth > 0)
                 .map(i => ({key: i.getAttribute('data-key'), src: i.src}))"""
    )


def move_slider(page, block) -> tuple[int, int, str]:
    """Move the block's first range input with the keyboard; return (old index, new index, key pressed)."""
    slider = block.locator('input[type="range"]').first
    old, top = int(slider.input_value()), int(slider.get_attribute("max"))
    key = "ArrowRight" if old < top else "ArrowLeft"
    slider.focus()
    page.keyboard.press(key)
    return old, int(slider.input_value()), key


# ----------------------------------------------------------------- tests


def test_every_page_loads_cleanly(site, server, browser):
    pages, redirects = built_pages(site)
    missing = sorted(set(TOC_PAGES) - set(pages))
    assert not missing, f"pages in _toc.yml missing from the built site: {missing} (found {pages})"

    report = {path: page_problems(browser, server, path) for path in pages}
    bad = {path: problems for path, problems in report.items() if problems}
    assert not bad, "pages with problems:\n" + "\n".join(
        f"  {path}:\n" + "\n".join(f"    - {p}" for p in problems) for path, problems in bad.items()
    )

    for source, target in redirects.items():
        assert target in pages, f"{source} redirects to {target}, which is not a built page"
        with open_page(browser, server, source) as visit:
            visit.page.wait_for_url(server + target)


@pytest.fixture(scope="module", params=CHAPTERS)
def chapter(request, browser, server):
    with open_page(browser, server, request.param) as visit:
        assert visit.status == 200, f"{request.param}: HTTP status {visit.status}"
        wait_for_math(visit.page)
        visit.path = request.param
        yield visit


def test_chapter1_has_its_sliders():
    assert CHAPTER_1 in CHAPTERS, f"{CHAPTER_1} is not in _toc.yml"
    html = (ROOT / "_build" / "html" / CHAPTER_1).read_text()
    assert html.count('class="dlnotes-explore"') >= 2, "chapter 1 should carry at least two sliders"


# Issue 17: a page's inline pictures (the sliders' precomputed frames) weigh
# under 1 MB, as encoded in the HTML (base64), the bytes a reader downloads;
# counted as benchmarks/page_weight.py counts them for PAGE_WEIGHT.md.
INLINE_BUDGET = 1_000_000


def _page_weight():
    import importlib.util

    spec = importlib.util.spec_from_file_location("page_weight", ROOT / "benchmarks" / "page_weight.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_slider_frames_weigh_under_1_mb_a_page(site):
    inline_image_bytes = _page_weight().inline_image_bytes
    heavy = {}
    for path in built_pages(site)[0]:
        inline = inline_image_bytes(site / path)
        if inline >= INLINE_BUDGET:
            heavy[path] = inline
    assert not heavy, f"inline frames over {INLINE_BUDGET:,} bytes: {heavy}"


def test_static_sliders_swap_the_figure(chapter, server):
    """Every precomputed slider of the chapter responds: one move shows another frame."""
    page = chapter.page
    blocks = page.locator(".dlnotes-explore")
    name = Path(chapter.path).stem
    for n in range(blocks.count()):
        block = blocks.nth(n)
        before = visible_frames(block)
        assert len(before) == 1, f"{name} slider {n + 1}: {len(before)} frames visible before moving, want 1"
        readout = block.locator("output").first
        old_text = readout.inner_text()
        slider = block.locator('input[type="range"]').first
        labels = json.loads(slider.get_attribute("data-labels"))

        old, new, key = move_slider(page, block)
        assert new != old, f"{name} slider {n + 1}: pressing {key} did not change the range value ({old})"

        after = visible_frames(block)
        assert len(after) == 1, f"{name} slider {n + 1}: {len(after)} frames visible after {key}, want 1"
        # the frame key is the index of every control of the block, the moved slider first
        controls = block.evaluate(
            "b => Array.from(b.querySelectorAll('[data-dlnotes-param]')).map(e => e.value).join(',')"
        )
        assert controls.split(",")[0] == str(new)
        assert after[0]["key"] == controls, (
            f"{name} slider {n + 1}: after moving {old} -> {new} the visible frame is "
            f"data-key={after[0]['key']}; the oninput handler did not run or picked the wrong frame"
        )
        assert after[0]["key"] != before[0]["key"], f"{name} slider {n + 1}: the same frame is still shown"
        assert after[0]["src"] != before[0]["src"], f"{name} slider {n + 1}: the new frame has the same image"
        assert readout.inner_text() == labels[new] != old_text, (
            f"{name} slider {n + 1}: read-out shows {readout.inner_text()!r} (was {old_text!r}), "
            f"want the new grid value {labels[new]!r}"
        )
        errors = own_errors(chapter, server)
        assert not errors, f"{name} slider {n + 1}: errors on the page after moving it: {errors}"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        block.screenshot(path=str(SCREENSHOTS / f"{name}-slider-{n + 1}-moved.png"))


def test_no_live_widget_remnants(chapter):
    page = chapter.page
    html = page.content()
    widget_views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
    assert widget_views == 0, (
        f"{widget_views} ipywidget view script tag(s) on the page; the web book must show the static slider"
    )
    assert "Error displaying widget" not in html, "the page shows 'Error displaying widget'"
    scripts = page.eval_on_selector_all("script[src]", "els => els.map(e => e.getAttribute('src'))")
    widget_js = [s for s in scripts if "unpkg.com/@jupyter-widgets" in s or re.search(r"require(\.min)?\.js", s)]
    assert not widget_js, f"widget/require.js scripts on the page: {widget_js}"


def test_colab_button_follows_the_repository_setting(chapter):
    config = yaml.safe_load((ROOT / "_config.yml").read_text()) or {}
    url = str((config.get("repository") or {}).get("url") or "").strip()
    links = chapter.page.locator('a[href*="colab.research.google.com"]')
    if url:
        assert links.count() >= 1, f"repository.url is {url!r} but {chapter.path} has no Colab button"
    else:
        assert links.count() == 0, (
            f"repository.url is empty, yet {chapter.path} has {links.count()} Colab link(s): "
            f"{links.first.get_attribute('href')}"
        )


def test_choice_controls_swap_the_figure_too(browser, server):
    """Drop-downs (text choices) of a multi-parameter lab select frames like sliders do."""
    page_path = next((p for p in CHAPTERS if "vanishing" in p), None)
    assert page_path, "chapter 6 is not in _toc.yml"
    with open_page(browser, server, page_path) as visit:
        block = visit.page.locator(".dlnotes-explore").first
        select = block.locator("select").first
        assert select.count() == 1, "the lab should offer its activation as a drop-down"
        before = visible_frames(block)
        options = select.locator("option").all_inner_texts()
        current = int(select.input_value())
        select.select_option(index=(current + 1) % len(options))
        after = visible_frames(block)
        controls = block.evaluate(
            "b => Array.from(b.querySelectorAll('[data-dlnotes-param]')).map(e => e.value).join(',')"
        )
        assert len(after) == 1 and after[0]["key"] == controls != before[0]["key"], (before, after, controls)
        assert own_errors(visit, server) == []


def test_pdf_has_every_chapter(site, tmp_path):
    """make pdf's printer (tools/pdf.py): one PDF, every page of _toc.yml in it, each chapter's title in its text."""
    from pypdf import PdfReader

    out = tmp_path / "dlnotes.pdf"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "pdf.py"), "--site", str(site), "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, f"tools/pdf.py failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    reader = PdfReader(str(out))
    pages = len(reader.pages)
    # At least one sheet per book page, and no runaway (a chapter prints to 10-50 A4 pages).
    assert len(TOC_PAGES) <= pages <= 80 * len(TOC_PAGES), f"{pages} pages for {len(TOC_PAGES)} book pages"
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert len(outline) == len(TOC_PAGES), f"bookmarks {outline} for {TOC_PAGES}"
    for chapter in CHAPTERS:
        html = (site / chapter).read_text(encoding="utf-8")
        h1 = re.search(r"<h1>([^<]+)<a class=\"headerlink\"", html)  # the chapter's heading
        title = re.sub(r"\s+", " ", h1.group(1)).strip() if h1 else ""
        assert title, f"{chapter} has no <h1>"
        assert title in text, f"the PDF's text does not contain the title of {chapter}: {title!r}"
        assert title in outline, f"no bookmark for {chapter}: {title!r} not in {outline}"
