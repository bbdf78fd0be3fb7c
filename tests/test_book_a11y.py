"""Every reader served (issue 17): the built book under axe-core, in both colour modes, on a desktop and a phone.

Each page of the site is opened in Debian's headless Chromium (the fixtures
of ``test_book_browser``: the book is built, served on 127.0.0.1, and no
other host is reached) four times: light and dark colour mode (the theme's
``data-theme`` on <html>, chosen through its saved ``mode``), at 1280 px and
at 390 px (a phone). Each visit checks:

- axe-core (from the pinned PyPI package ``axe-playwright-python``, injected
  into the page, no CDN), all WCAG 2.x A/AA, best-practice and experimental
  rules: no serious or critical violation;
- the slider labels, read-outs and drop-downs of ``dlnotes.explore``: text
  contrast >= 4.5:1 against the background actually behind it, from the
  computed styles;
- on the phone: nothing makes the page scroll sideways (its scrollWidth is the
  viewport's), display equations and code cells stay inside the screen (they
  scroll in their own box), and output figures are shown at no less than
  min(600 px, their own width) (dlnotes.js; see book/_static/dlnotes.css).

Once per page it also checks that every range slider has an
``aria-valuetext`` saying more than its position, and that no image's alt
text is a file path or empty. Phone screenshots land in
``_build/screenshots/mobile-<mode>/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from test_book_browser import (  # noqa: F401 - fixtures used by name
    SCREENSHOTS,
    browser,
    built_pages,
    open_page,
    server,
    site,
    wait_for_math,
)

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice", "experimental"]
FAILING_IMPACTS = ("serious", "critical")
MODES = ("light", "dark")
WIDTHS = {"desktop": 1280, "phone": 390}
MIN_CONTRAST = 4.5
LEGIBLE_PX = 600  # the minimum figure width on phones, as in dlnotes.js
# An alt text that is a file name or path (what myst-nb writes without figure metadata).
PATH_ALT = re.compile(r"(^|/)[^\s/]+\.(png|jpe?g|gif|svg|webp)$|_images/|^\.\./", re.IGNORECASE)


def axe_source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def all_pages(site: Path) -> list[str]:
    return built_pages(site)[0]


@pytest.fixture(scope="module")
def pages(site) -> list[str]:
    return all_pages(site)


def visit_in(browser, base: str, path: str, mode: str, width: int):
    """open_page with the reader's colour mode saved before the page's scripts run and a viewport width."""
    return open_page(
        browser,
        base,
        path,
        viewport={"width": width, "height": 900},
        init_script=f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');",
    )


def settle(page) -> None:
    """Wait for MathJax and for every image (dlnotes.js sizes figures once they have loaded)."""
    wait_for_math(page)
    page.evaluate(
        """async () => {
            const imgs = Array.from(document.images);
            await Promise.all(imgs.map(i => i.complete ? null : new Promise(r => {
                i.addEventListener('load', r); i.addEventListener('error', r); })));
            await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
        }"""
    )


def axe_violations(page, source: str) -> list[str]:
    page.add_script_tag(content=source)
    result = page.evaluate(
        "async (tags) => await axe.run(document, {resultTypes: ['violations'],"
        " runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    found = []
    for v in result["violations"]:
        if v["impact"] in FAILING_IMPACTS:
            targets = "; ".join(str(n["target"][0]) for n in v["nodes"][:4])
            found.append(f"{v['impact']} {v['id']} ({len(v['nodes'])}x: {targets}): {v['help']}")
    return found


LOW_CONTRAST_JS = """(minimum) => {
    const rgba = s => { const m = s.match(/rgba?\\(([^)]+)\\)/); if (!m) return [0, 0, 0, 0];
        const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
    const over = (top, bottom) => [0, 1, 2].map(i => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
    const background = el => {
        const layers = [];
        for (let e = el; e; e = e.parentElement) {
            const c = rgba(getComputedStyle(e).backgroundColor);
            if (c[3] > 0) layers.push(c);
            if (c[3] >= 1) break;
        }
        let color = [255, 255, 255, 1];
        for (const layer of layers.reverse()) color = over(layer, color);
        return color;
    };
    const luminance = c => { const l = c.slice(0, 3).map(v => { v /= 255;
        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
        return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2]; };
    const sel = '.dlnotes-explore label, .dlnotes-explore label span, .dlnotes-explore output,'
              + ' .dlnotes-explore select, .dlnotes-explore p';
    const bad = [];
    for (const el of document.querySelectorAll(sel)) {
        if (!el.offsetParent && getComputedStyle(el).position !== 'fixed') continue;  // not shown
        if (!el.textContent.trim()) continue;
        const bg = background(el), fg = over(rgba(getComputedStyle(el).color), bg);
        const [a, b] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
        const ratio = (a + 0.05) / (b + 0.05);
        if (ratio < minimum) bad.push(`${el.tagName.toLowerCase()} '${el.textContent.trim().slice(0, 30)}':`
            + ` ${ratio.toFixed(2)}:1 (${getComputedStyle(el).color} on rgb(${bg.slice(0, 3).map(Math.round)}))`);
    }
    return bad;
}"""

PHONE_LAYOUT_JS = """(legible) => {
    const width = document.documentElement.clientWidth, bad = [];
    const shown = el => el.offsetParent !== null && getComputedStyle(el).visibility !== 'hidden';
    // The box a reader sees of an element: the element, or the nearest box that scrolls or clips it.
    // (An image's own overflow is 'clip' in Chromium's defaults: it does not count.)
    const box = el => { for (let e = el; e && e !== document.body; e = e.parentElement)
        if (e.tagName !== 'IMG' && /(auto|scroll|hidden|clip)/.test(getComputedStyle(e).overflowX)) return e;
        return el; };
    const name = el => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
        ? '.' + el.className.trim().split(/\\s+/).slice(0, 2).join('.') : '');
    if (document.documentElement.scrollWidth > width + 1) {
        const wide = Array.from(document.querySelectorAll('main *')).filter(e => shown(e)
            && e.getBoundingClientRect().right > width + 1 && box(e) === e);
        bad.push(`the page scrolls sideways: scrollWidth ${document.documentElement.scrollWidth} > ${width},`
                 + ` widest: ${wide.slice(-3).map(name).join(', ')}`);
    }
    const outside = (what, els) => { for (const el of els) { if (!shown(el)) continue;
        const r = box(el).getBoundingClientRect();
        if (r.right > width + 1 || r.left < -1)
            bad.push(`${what} reaches ${Math.round(r.left)}..${Math.round(r.right)} px of ${width}:`
                     + ` ${el.textContent.trim().slice(0, 40)}`); } };
    outside('display equation', document.querySelectorAll('mjx-container[display="true"]'));
    outside('code cell', document.querySelectorAll('div.cell div.highlight pre, div.cell_output pre'));
    outside('table', document.querySelectorAll('article table'));
    for (const img of document.querySelectorAll('div.cell_output img, .dlnotes-explore img[data-key]')) {
        if (!shown(img) || !img.naturalWidth) continue;
        const want = Math.min(img.naturalWidth, legible);
        if (img.getBoundingClientRect().width < want - 1)
            bad.push(`figure shown ${Math.round(img.getBoundingClientRect().width)} px wide, want >= ${want}:`
                     + ` ${(img.alt || img.src).slice(0, 50)}`);
    }
    return bad;
}"""


def test_every_page_every_reader(site, server, browser, pages):
    """axe, contrast and (on the phone) layout, on every page in both modes at both widths."""
    source = axe_source()
    report: dict[str, list[str]] = {}
    for path in pages:
        for mode in MODES:
            for device, width in WIDTHS.items():
                with visit_in(browser, server, path, mode, width) as visit:
                    page = visit.page
                    settle(page)
                    theme = page.evaluate("document.documentElement.dataset.theme")
                    problems = [] if theme == mode else [f"data-theme is {theme!r}, want {mode!r}"]
                    problems += page.evaluate(LOW_CONTRAST_JS, MIN_CONTRAST)
                    if device == "phone":
                        problems += page.evaluate(PHONE_LAYOUT_JS, LEGIBLE_PX)
                        shots = SCREENSHOTS / f"mobile-{mode}"
                        shots.mkdir(parents=True, exist_ok=True)
                        page.screenshot(path=str(shots / (path.removesuffix(".html").replace("/", "_") + ".png")),
                                        full_page=True)
                    problems += axe_violations(page, source)
                    if problems:
                        report[f"{path} ({mode}, {device} {width} px)"] = problems
    assert not report, "pages that fail a reader:\n" + "\n".join(
        f"  {where}:\n" + "\n".join(f"    - {p}" for p in problems) for where, problems in report.items()
    )


def test_sliders_speak_values_and_images_have_real_alt_text(site, server, browser, pages):
    report: dict[str, list[str]] = {}
    for path in pages:
        with open_page(browser, server, path) as visit:
            problems = visit.page.evaluate(
                """(pathAlt) => {
                    const bad = [], re = new RegExp(pathAlt, 'i');
                    for (const s of document.querySelectorAll('input[type="range"]')) {
                        const text = (s.getAttribute('aria-valuetext') || '').trim();
                        if (!text || text === s.value)
                            bad.push(`slider ${s.getAttribute('data-dlnotes-param') || s.id}:`
                                     + ` aria-valuetext ${JSON.stringify(text)} at position ${s.value}`);
                    }
                    for (const img of document.querySelectorAll('article img, main img')) {
                        const alt = img.getAttribute('alt');
                        if (alt === null || !alt.trim())
                            bad.push(`image without alt text: ${img.src.slice(0, 60)}`);
                        else if (re.test(alt.trim()))
                            bad.push(`image whose alt text is a path: ${alt.slice(0, 80)}`);
                    }
                    return bad;
                }""",
                PATH_ALT.pattern,
            )
            if problems:
                report[path] = sorted(set(problems))
    assert not report, "sliders or images a screen reader cannot describe:\n" + "\n".join(
        f"  {path}:\n" + "\n".join(f"    - {p}" for p in problems) for path, problems in report.items()
    )


def test_path_alt_pattern():
    """The alt-text check catches paths and file names, not sentences."""
    for alt in ("../_images/3f2a.png", "_images/x.png", "figure.png", "/abs/fig.svg"):
        assert PATH_ALT.search(alt), alt
    for alt in ("Sigmoid and its derivative; the derivative peaks at 0.25.", "A 2 x 3 grid of panels"):
        assert not PATH_ALT.search(alt), alt
