"""dlnotes.explore: the static slider, the live widget and the bad-input errors."""

from __future__ import annotations

import base64
import io
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlnotes.explore import Explorer, explore  # noqa: E402

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def line_plot(alpha, kind="relu"):
    fig, ax = plt.subplots(figsize=(3, 2))
    z = np.linspace(-2, 2, 41)
    ax.plot(z, np.where(z > 0, z, alpha * z) if kind == "relu" else alpha * z)
    ax.set_title(f"{kind} {alpha}")
    return fig


def img_tags(html: str) -> list[str]:
    return re.findall(r"<img [^>]*>", html)


def test_one_parameter_renders_one_frame_per_value_and_shows_the_initial_one():
    exp = explore(line_plot, alpha=[0.0, 0.1, 0.2, 0.3], initial={"alpha": 0.2}, title="Leaky", live=False)
    html = exp.html()
    tags = img_tags(html)
    assert len(tags) == 4
    visible = [t for t in tags if "display:none" not in t]
    assert len(visible) == 1 and 'data-key="2"' in visible[0]
    assert 'type="range"' in html and 'min="0"' in html and 'max="3"' in html and 'value="2"' in html
    assert "<output>0.2</output>" in html
    # frames differ from one another and are real PNGs
    pngs = list(exp.frames.values())
    assert len(set(pngs)) == 4
    assert all(p.startswith(b"\x89PNG\r\n\x1a\n") for p in pngs)
    assert exp.frame(alpha=0.2) == exp.frames[(2,)]


def test_static_html_loads_nothing_from_the_network():
    html = explore(line_plot, alpha=[0.0, 0.5], live=False).html()
    assert "http://" not in html and "https://" not in html
    assert "<script" not in html  # inline handlers only
    assert all('src="data:image/webp;base64,' in t for t in img_tags(html))


def test_mimebundle_is_the_static_output_html_and_png_never_the_widget():
    exp = explore(line_plot, alpha=[0.0, 0.5], live=True)
    bundle, metadata = exp._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html", "image/png"}
    assert metadata == {"image/png": {"alt": "alpha = 0"}}  # the fallback PNG's alt text
    assert base64.b64decode(bundle["image/png"]) == exp.frames[(0,)]
    assert bundle["text/plain"] == "Explorer: alpha in [0 .. 0.5] (2 values); 2 precomputed frame(s)"


def test_display_writes_the_static_output_then_the_live_one_in_a_kernel(monkeypatch):
    import IPython.display

    shown, metas = [], []

    def display(obj, raw=False, metadata=None):
        shown.append((obj, raw))
        metas.append(metadata)

    monkeypatch.setattr(IPython.display, "display", display)
    explore(line_plot, alpha=[0.0, 0.5], live=False, describe=lambda alpha: f"slope {alpha}")._ipython_display_()
    assert [set(b) for b, _ in shown] == [{"text/plain", "text/html", "image/png"}]
    assert metas == [{"image/png": {"alt": "slope 0.0"}}]
    shown.clear()
    exp = explore(line_plot, alpha=[0.0, 0.5], live=True)
    exp._ipython_display_()
    assert [raw for _, raw in shown] == [True, True]
    static, live = (b for b, _ in shown)
    assert "image/png" in static and WIDGET_VIEW not in static
    # the live output: the widget view, and empty text for where it cannot show
    assert live[WIDGET_VIEW] == {"version_major": 2, "version_minor": 0, "model_id": exp.widget().model_id}
    assert live["text/plain"] == "" and live["text/html"] == ""


def test_live_widget_recomputes_on_change_and_hides_the_static_output_while_alive():
    calls = []

    def plot(alpha):
        calls.append(alpha)
        return line_plot(alpha)

    exp = explore(plot, alpha=[0.0, 0.25, 0.5], live=True, dpi=100)
    assert calls == [0.0, 0.25, 0.5]  # precomputed once each
    box = exp.widget()
    header, slider, image, _ = box.children
    assert f'<style>.dlnotes-explore[data-dlnotes-id="{exp.uid}"]{{display:none}}</style>' in header.value
    assert f'data-dlnotes-id="{exp.uid}"' in exp.html()
    assert "dlnotes-live" in box._dom_classes
    assert image.value == exp.frames[(0,)]
    assert image.width == "300"  # natural size: figsize 3 in at 100 dpi (not stretched to the output)
    slider.value = 0.5
    assert calls[-1] == 0.5  # recomputed live
    assert image.value == exp.frames[(2,)]


def test_static_html_opens_as_a_still_and_its_handler_reveals_the_controls():
    html = explore(line_plot, alpha=[0.0, 0.5, 1.0], live=False, dpi=50).html()
    assert '<div class="dlnotes-explore-controls" style="display:none">' in html  # until a handler runs
    assert "run the cell for a live slider" in html
    onloads = re.findall(r"<img [^>]*onload=[^>]*>", html)
    assert len(onloads) == 1 and 'data-key="0"' in onloads[0] and "display:none" not in onloads[0]
    assert "dlnotes-explore-still" in onloads[0] and "dlnotes-explore-controls" in onloads[0]
    # reopened in JupyterLab without the widget's model: this cell's widget output is hidden
    assert ".jp-OutputArea-child:has(> .jp-OutputArea-output.jupyter-widgets){display:none}" in html


def test_uid_is_the_same_for_the_same_experiment_and_differs_between_experiments():
    a = explore(line_plot, alpha=[0.0, 0.5], live=False)
    assert a.uid == explore(line_plot, alpha=[0.0, 0.5], live=False).uid
    assert re.fullmatch(r"dlnotes-[0-9a-f]{12}", a.uid)
    assert a.uid != explore(line_plot, alpha=[0.0, 0.4], live=False).uid
    assert a.uid != explore(line_plot, alpha=[0.0, 0.5], title="t", live=False).uid


def test_two_parameters_make_the_full_grid_and_text_choices_become_a_select():
    exp = explore(line_plot, alpha=[0.1, 0.2, 0.3], kind=["relu", "linear"], live=False)
    assert len(exp.frames) == 6
    html = exp.html()
    assert "<select" in html and html.count('type="range"') == 1
    keys = re.findall(r'data-key="([^"]+)"', html)
    assert sorted(keys) == sorted(f"{i},{j}" for i in range(3) for j in range(2))


def test_axes_return_value_is_accepted_and_figures_are_closed():
    before = len(plt.get_fignums())
    explore(lambda s: line_plot(s).axes[0], s=[1.0, 2.0], live=False)
    assert len(plt.get_fignums()) == before


def test_numpy_grids_are_accepted():
    exp = explore(line_plot, alpha=np.linspace(0, 0.3, 4), live=False)
    assert exp.grids["alpha"] == pytest.approx([0.0, 0.1, 0.2, 0.3])
    assert all(type(v) is float for v in exp.grids["alpha"])


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({}, ValueError, "at least one parameter"),
        ({"alpha": []}, ValueError, "grid 'alpha' is empty"),
        ({"alpha": 0.5}, TypeError, "grid 'alpha' must be a list"),
        ({"alpha": "abc"}, TypeError, "grid 'alpha' must be a list"),
        ({"alpha": [0.1, "x"]}, TypeError, "only numbers or only strings"),
        ({"alpha": [0.1, 0.1]}, ValueError, "repeated values"),
        ({"alpha": [0.1], "initial": {"alpha": 0.7}}, ValueError, r"alpha=0.7 is not on its grid"),
        ({"alpha": [0.1], "initial": {"beta": 0.1}}, ValueError, "unknown parameter"),
        ({"alpha": list(np.arange(10) / 10), "kind": ["a", "b", "c", "d", "e", "f", "g"]},
         ValueError, "10 x 7 = 70 combinations, more than max_frames=64"),
        ({"alpha": [0.0, 1.0], "dpi": "72"}, TypeError, "dpi must be a positive integer, got '72'"),
        ({"alpha": [0.0, 1.0], "dpi": 1.5}, TypeError, r"dpi must be a positive integer, got 1\.5"),
        ({"alpha": [0.0, 1.0], "dpi": 0}, ValueError, "dpi must be a positive integer, got 0"),
        ({"alpha": [0.0], "describe": "alpha"}, TypeError, "describe must be callable .* got 'alpha'"),
        ({"alpha": [0.0], "describe": lambda alpha: 3}, TypeError, "describe must return a non-empty str, got 3"),
        ({"alpha": [0.0], "describe": lambda alpha: " "}, TypeError, "describe must return a non-empty str"),
        ({"alpha": [0.0], "describe": lambda a: "x"}, RuntimeError, r"describe failed for \{'alpha': 0.0\}: TypeError"),
        ({"alpha": [0.0], "units": "per step"}, TypeError, "units must be a mapping .* got 'per step'"),
        ({"alpha": [0.0], "units": {"beta": "s"}}, ValueError, r"units names unknown parameter\(s\) \['beta'\]"),
        ({"alpha": [0.0], "units": {"alpha": 1}}, TypeError, r"units\['alpha'\] must be a str, got 1"),
    ],
)
def test_bad_grids_raise_clear_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        explore(line_plot, live=False, **kwargs)


def test_explore_is_the_explorer_class_so_the_signature_is_written_once():
    assert explore is Explorer
    exp = explore(plot_fn=line_plot, alpha=[0.1], live=False)  # plot_fn may be named, as before
    assert isinstance(exp, Explorer) and exp.names == ["alpha"]
    for option in ("initial", "title", "describe", "units", "dpi", "live", "max_frames"):
        assert option in Explorer.__doc__, f"{option} is not documented"
    with pytest.raises(TypeError, match="positional"):
        explore(line_plot, {"alpha": [0.1]})  # grids are keywords, never a positional dict


def test_plot_fn_must_be_callable_and_return_a_figure():
    with pytest.raises(TypeError, match="plot_fn must be callable"):
        explore("not a function", a=[1])
    with pytest.raises(TypeError, match="must return a matplotlib Figure"):
        explore(lambda a: 42, a=[1, 2], live=False)


def test_errors_inside_plot_fn_name_the_parameters():
    def broken(a):
        raise ZeroDivisionError("boom")

    with pytest.raises(RuntimeError, match=r"plot_fn failed for \{'a': 1\}: ZeroDivisionError: boom"):
        explore(broken, a=[1], live=False)


def test_frame_lookup_requires_every_parameter():
    exp = explore(line_plot, alpha=[0.1, 0.2], kind=["relu", "linear"], live=False)
    with pytest.raises(ValueError, match="exactly the parameters"):
        exp.frame(alpha=0.1)


def test_default_dpi_is_the_static_figures_dpi(monkeypatch):
    with matplotlib.rc_context({"savefig.dpi": "figure", "figure.dpi": 100}):
        exp = explore(line_plot, alpha=[0.1], live=False)
    assert exp.dpi == 100
    with matplotlib.rc_context({"savefig.dpi": 150, "figure.dpi": 100}):
        exp = explore(line_plot, alpha=[0.1], live=False)
    assert exp.dpi == 150
    from PIL import Image

    image = Image.open(io.BytesIO(exp.frames[(0,)]))
    assert image.size == (450, 300)  # figsize (3, 2) at 150 dpi
    assert image.info["dpi"] == pytest.approx((150, 150), abs=0.1)  # pHYs stores dots per metre


def test_frames_are_palette_pngs_smaller_than_matplotlibs_and_look_the_same():
    from PIL import Image

    exp = explore(line_plot, alpha=[0.3], dpi=100, live=False)
    fig = line_plot(0.3)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    full = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    lean = Image.open(io.BytesIO(exp.frames[(0,)]))
    assert lean.mode == "P" and lean.size == full.size
    assert len(exp.frames[(0,)]) < 0.7 * len(buf.getvalue())
    difference = np.abs(np.asarray(lean.convert("RGB"), float) - np.asarray(full, float))
    assert difference.mean() < 1.0 and np.percentile(difference, 99.9) < 40  # legible: no colour far off


def test_describe_gives_each_frame_its_alt_text_and_units_its_spoken_value():
    exp = explore(
        line_plot, alpha=[0.0, 0.1], kind=["relu", "linear"], live=False,
        describe=lambda alpha, kind: f"{kind} with slope {alpha} for negative inputs",
        units={"alpha": "per unit input"},
    )
    html = exp.html()
    alts = re.findall(r'<img [^>]*alt="([^"]*)"', html)
    assert sorted(alts) == sorted(f"{k} with slope {a} for negative inputs" for a in (0.0, 0.1) for k in ("relu", "linear"))
    slider = re.search(r'<input type="range"[^>]*>', html).group(0)
    assert 'aria-valuetext="alpha = 0 per unit input"' in slider
    assert "alpha = 0.1 per unit input" in html  # the text the handler switches to
    assert re.search(r'<select aria-label="kind"', html)
    # the default alt text names the values, and units when given
    plain = explore(line_plot, alpha=[0.5], kind=["relu"], live=False).html()
    assert 'alt="alpha = 0.5; kind = relu"' in plain and 'aria-valuetext="alpha = 0.5"' in plain


def test_every_range_slider_has_aria_valuetext_kept_in_sync_by_its_handler():
    html = explore(line_plot, alpha=[0.0, 0.1, 0.2], live=False).html()
    for tag in re.findall(r'<input type="range"[^>]*>', html):
        assert "aria-valuetext=" in tag and "data-texts=" in tag
        assert "setAttribute('aria-valuetext'" in tag  # the inline handler updates it


def test_the_live_figure_carries_the_description():
    exp = explore(line_plot, alpha=[0.0, 0.5], live=True, describe=lambda alpha: f"slope {alpha}")
    box = exp.widget()
    slider, description = box.children[1], box.children[-1]
    assert ">slope 0.0</p>" in description.value and 'aria-live="polite"' in description.value
    slider.value = 0.5
    assert ">slope 0.5</p>" in description.value


def test_the_web_book_gets_each_frame_as_lossless_webp_of_the_same_pixels():
    from PIL import Image

    exp = explore(line_plot, alpha=[0.0, 0.3], kind=["relu", "linear"], dpi=100, live=False)
    tags = img_tags(exp.html())
    assert len(tags) == len(exp.frames) == 4
    for tag in tags:
        key = tuple(int(i) for i in re.search(r'data-key="([0-9,]+)"', tag).group(1).split(","))
        data = base64.b64decode(re.search(r'src="data:image/webp;base64,([A-Za-z0-9+/=]+)"', tag).group(1))
        webp, png = Image.open(io.BytesIO(data)), Image.open(io.BytesIO(exp.frames[key]))
        assert webp.format == "WEBP"
        assert np.array_equal(np.asarray(webp.convert("RGB")), np.asarray(png.convert("RGB")))  # lossless
        assert len(data) < len(exp.frames[key])  # and smaller than the palette PNG
