"""One PDF of the whole book, from the built web book, offline (``make pdf``).

Serves ``_build/html`` on 127.0.0.1, prints every page of ``_toc.yml`` in
order with Debian's headless Chromium (``/usr/bin/chromium`` through
Playwright's ``page.pdf``; no browser download, no TeX), using the book's
print stylesheet (book/_static/dlnotes.css: sidebars hidden, code cells kept
whole, long lines wrapped) after opening every hint, solution and hidden code
cell (``window.dlnotesOpenForPrint`` of book/_static/dlnotes.js), and merges
the pages with pypdf into ``_build/pdf/dlnotes.pdf``, one bookmark per page
title. Requests to any other host are refused.

    python tools/pdf.py [--site _build/html] [--out _build/pdf/dlnotes.pdf]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
import threading
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
MARGIN = {"top": "15mm", "bottom": "15mm", "left": "14mm", "right": "14mm"}


def toc_pages(toc: Path = ROOT / "_toc.yml") -> list[str]:
    """The book's pages in reading order, as HTML paths relative to the site (``book/intro.html``, ...)."""

    def files(entry) -> list[str]:
        if isinstance(entry, dict):
            found = [entry[k] for k in ("root", "file") if k in entry]
            for value in entry.values():
                if isinstance(value, (dict, list)):
                    found += files(value)
            return found
        if isinstance(entry, list):
            return [f for item in entry for f in files(item)]
        return []

    return [f"{name.removesuffix('.md').removesuffix('.ipynb')}.html" for name in files(yaml.safe_load(toc.read_text()))]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


def print_page(browser, base: str, path: str, out: Path) -> str:
    """Print one page to ``out``; return its title (the first <h1>)."""
    context = browser.new_context(viewport={"width": 1000, "height": 1400})
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
    page = context.new_page()
    page.goto(base + path, wait_until="load")
    page.emulate_media(media="print")
    page.evaluate(
        """async () => {
            await window.MathJax?.startup?.promise;
            if (window.dlnotesOpenForPrint) window.dlnotesOpenForPrint();
            const imgs = Array.from(document.images);
            await Promise.all(imgs.map(i => i.complete ? null : new Promise(r => {
                i.addEventListener('load', r); i.addEventListener('error', r); })));
        }"""
    )
    heading = page.locator("main h1").first
    title = heading.inner_text().replace("#", "").strip() if heading.count() else path
    page.pdf(path=str(out), format="A4", print_background=True, margin=MARGIN)
    context.close()
    return title


def build_pdf(site: Path, out: Path) -> tuple[int, list[str]]:
    """Print every page of the book and merge them into ``out``; return (page count, titles)."""
    from playwright.sync_api import sync_playwright
    from pypdf import PdfWriter

    pages = toc_pages()
    missing = [p for p in pages if not (site / p).is_file()]
    if missing:
        sys.exit(f"not in {site}: {missing}; run `make book` first")
    parts = out.parent / "pages"
    parts.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(_Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    printed = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            for n, path in enumerate(pages):
                part = parts / f"{n:02d}_{Path(path).stem}.pdf"
                printed.append((print_page(browser, base, path, part), part))
                print(f"printed {path}", file=sys.stderr)
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    writer = PdfWriter()
    for title, part in printed:
        start = len(writer.pages)
        writer.append(str(part))
        writer.add_outline_item(title=title, page_number=start)
    writer.add_metadata({"/Title": "dlnotes: the foundations of deep learning"})
    with out.open("wb") as f:
        writer.write(f)
    return len(writer.pages), [title for title, _ in printed]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "pdf" / "dlnotes.pdf")
    args = parser.parse_args()
    count, titles = build_pdf(args.site, args.out)
    print(f"{args.out}: {count} pages, {len(titles)} book pages: " + "; ".join(titles))


if __name__ == "__main__":
    main()
