/* dlnotes: the book's own script (issue 17), loaded (deferred) on every page.
 *
 * 1. Phones: output images keep a legible size (see dlnotes.css, "Figures on
 *    phones"): below 700 px each gets min-width = min(600 px, its own width)
 *    and its parent box scrolls sideways.
 * 2. Print: CSS cannot open a <details>, so before printing every closed one
 *    (hints, solutions, "Show code cell source") is opened, and closed again
 *    afterwards. tools/pdf.py calls window.dlnotesOpenForPrint() itself.
 */
(function () {
  "use strict";

  var NARROW = window.matchMedia("(max-width: 700px)");
  var LEGIBLE_PX = 600;
  var OUTPUT_IMAGES = "div.cell_output img, .dlnotes-explore img[data-key]";

  // A box that scrolls must take keyboard focus, so that a reader without a
  // touch screen or mouse can scroll it too (axe-core: scrollable-region-focusable).
  function focusableIfScrolling(img) {
    for (var box = img.parentElement; box && box !== document.body; box = box.parentElement) {
      var scrolls = /(auto|scroll)/.test(getComputedStyle(box).overflowX);
      if (scrolls && box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", "Figure, scrolls sideways");
        box.dataset.dlnotesScroll = "1";
        return;
      }
      if (box.dataset.dlnotesScroll && !(scrolls && box.scrollWidth > box.clientWidth + 1)) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
        delete box.dataset.dlnotesScroll;
      }
    }
  }

  function keepLegible(img) {
    var natural = img.naturalWidth;
    if (!natural) {
      return;
    }
    if (NARROW.matches) {
      img.style.minWidth = Math.min(natural, LEGIBLE_PX) + "px";
      img.classList.add("dlnotes-min-width");
      img.parentElement.classList.add("dlnotes-scroll-x");
    } else {
      img.style.minWidth = "";
      img.classList.remove("dlnotes-min-width");
      img.parentElement.classList.remove("dlnotes-scroll-x");
    }
    focusableIfScrolling(img);
  }

  function layoutFigures() {
    document.querySelectorAll(OUTPUT_IMAGES).forEach(function (img) {
      if (img.complete) {
        keepLegible(img);
      } else {
        img.addEventListener("load", function () { keepLegible(img); }, { once: true });
      }
    });
  }

  var opened = [];

  function openForPrint() {
    document.querySelectorAll("details:not([open])").forEach(function (d) {
      d.setAttribute("open", "");
      opened.push(d);
    });
  }

  function closeAfterPrint() {
    opened.forEach(function (d) { d.removeAttribute("open"); });
    opened = [];
  }

  window.dlnotesOpenForPrint = openForPrint;
  window.addEventListener("beforeprint", openForPrint);
  window.addEventListener("afterprint", closeAfterPrint);
  if (NARROW.addEventListener) {
    NARROW.addEventListener("change", layoutFigures);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", layoutFigures);
  } else {
    layoutFigures();
  }
})();
