"""What each page of the built web book costs a reader: bytes transferred and load time.

Serves a built site (``_build/html`` unless ``--site`` names another) on
127.0.0.1 and opens every page in Debian's headless Chromium through
Playwright, in a fresh browser context with the HTTP cache disabled (Chrome
DevTools Protocol ``Network.setCacheDisabled``), so every page pays for its
theme, fonts and MathJax as a first-time reader does. Requests to any other
host are aborted (the book must not need them). For each page it records:

- the bytes transferred (``encodedDataLength`` of every response), in total
  and split into the HTML document, the slider frames inlined in it (base64
  ``data:image`` URIs), Font Awesome (CSS and web fonts), MathJax (the loader,
  its components and fonts), other theme CSS/JS/fonts, and images;
- what a host that compresses text sends (GitHub Pages, Read the Docs and
  Netlify gzip HTML, CSS, JavaScript and SVG): each such response's file
  gzipped at level 6, the rest (PNG, WOFF2) as it is;
- the load time: median over ``--repeats`` visits of the time from navigation
  to the ``load`` event, and to the end of MathJax's typesetting ("ready").

Times depend on the machine and on how busy it is; bytes do not. ``make bench``
runs this and writes ``benchmarks/PAGE_WEIGHT.md``; ``--label`` names the
column set so that a before/after comparison can be kept in that file by hand.
This is a measurement, not a test: nothing here fails on a number.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import re
import statistics
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
NOT_PAGES = ("_static/", "_sources/", "_images/")
INLINE_IMAGE = re.compile(rb"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+")
# What static hosts compress (already-compressed formats such as PNG and WOFF2 go as they are).
COMPRESSED_SUFFIXES = (".html", ".js", ".css", ".svg", ".json", ".txt", ".xml")
KINDS = ("html", "inline frames", "Font Awesome", "MathJax", "theme", "images", "other")


def kind(url: str, resource_type: str) -> str:
    """Which bucket of the table a response's bytes belong to."""
    low = url.lower()
    if resource_type == "Document":
        return "html"
    if "fontawesome" in low or "fa-" in low.rsplit("/", 1)[-1]:
        return "Font Awesome"
    if "mathjax" in low or "/mathjax/" in low or "tex-" in low.rsplit("/", 1)[-1]:
        return "MathJax"
    if "/_images/" in low or resource_type == "Image":
        return "images"
    if "/_static/" in low:
        return "theme"
    return "other"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


def pages_of(site: Path) -> list[str]:
    """Every HTML page of the site (no redirects), relative to it."""
    found = []
    for file in sorted(site.rglob("*.html")):
        rel = file.relative_to(site).as_posix()
        if rel.startswith(NOT_PAGES) or b'http-equiv="Refresh"' in file.read_bytes()[:300]:
            continue
        found.append(rel)
    return found


def inline_image_bytes(html_file: Path) -> int:
    """Bytes of the pictures inlined in a page as ``data:image`` URIs (the sliders' frames), base64 as sent."""
    return sum(len(m) for m in INLINE_IMAGE.findall(html_file.read_bytes()))


def gzipped_size(site: Path, base: str, url: str, size: int) -> int:
    """The bytes a compressing host would send for ``url``: its file gzipped, if it is text."""
    local = url.split("?", 1)[0].split("#", 1)[0]
    if not local.startswith(base) or not local.endswith(COMPRESSED_SUFFIXES):
        return size
    file = site / local[len(base):]
    return len(gzip.compress(file.read_bytes(), compresslevel=6, mtime=0)) if file.is_file() else size


def visit(browser, base: str, path: str, site: Path) -> tuple[dict[str, int], float, float, int]:
    """(bytes by kind, ms to load, ms to MathJax ready, bytes if gzipped) of one cold visit."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    types: dict[str, tuple[str, str]] = {}
    sizes: dict[str, int] = {}
    cdp.on("Network.responseReceived", lambda e: types.__setitem__(e["requestId"], (e["response"]["url"], e["type"])))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    page.goto(base + path, wait_until="load")
    page.evaluate("async () => { await window.MathJax?.startup?.promise; }")
    page.wait_for_load_state("networkidle")
    ready = page.evaluate("() => performance.now()")
    load = page.evaluate(
        "() => { const t = performance.getEntriesByType('navigation')[0]; return t.loadEventEnd - t.startTime; }"
    )
    context.close()
    by_kind = dict.fromkeys(KINDS, 0)
    gzipped = 0
    for request, size in sizes.items():
        url, rtype = types.get(request, ("", ""))
        by_kind[kind(url, rtype)] += size
        gzipped += gzipped_size(site, base, url, size)
    return by_kind, load, ready, gzipped


def measure(site: Path, repeats: int, only: list[str] | None = None) -> dict[str, dict]:
    """Per page: bytes by kind (inline frames split out of the HTML), total, load and ready ms."""
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    results = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            for path in [p for p in pages_of(site) if not only or p in only]:
                runs = [visit(browser, base, path, site) for _ in range(repeats)]
                by_kind = runs[0][0]
                inline = inline_image_bytes(site / path)
                by_kind["inline frames"] = inline
                by_kind["html"] -= min(inline, by_kind["html"])
                results[path] = {
                    "bytes": by_kind,
                    "total": sum(by_kind.values()),
                    "gzipped": runs[0][3],
                    "load_ms": statistics.median(r[1] for r in runs),
                    "ready_ms": statistics.median(r[2] for r in runs),
                }
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    return results


def kb(n: int) -> str:
    return f"{n / 1000:,.0f}"


def table(results: dict[str, dict]) -> str:
    """The Markdown table of one measurement: kB per kind, total, and times."""
    head = "| page | " + " | ".join(f"{k} (kB)" for k in KINDS) + " | total (kB) | gzipped by the host (kB) | load (ms) | ready (ms) |"
    rule = "|---" * (len(KINDS) + 5) + "|"
    rows = [
        f"| {path} | " + " | ".join(kb(r["bytes"][k]) for k in KINDS)
        + f" | {kb(r['total'])} | {kb(r['gzipped'])} | {r['load_ms']:.0f} | {r['ready_ms']:.0f} |"
        for path, r in results.items()
    ]
    return "\n".join([head, rule, *rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html", help="built HTML folder")
    parser.add_argument("--repeats", type=int, default=3, help="cold visits per page (median time)")
    parser.add_argument("--label", default="now", help="heading of this measurement")
    parser.add_argument("--out", type=Path, default=None, help="write the table here (Markdown)")
    parser.add_argument("--pages", nargs="*", default=None, help="only these pages (paths relative to the site)")
    args = parser.parse_args()
    if not (args.site / "index.html").is_file():
        sys.exit(f"{args.site / 'index.html'} not found: run `make book` first")
    text = f"### {args.label}\n\n{table(measure(args.site, args.repeats, args.pages))}\n"
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
