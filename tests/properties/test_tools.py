"""The graph, gradient checks, report sentences; plotting, data, model builders and explore on their checks."""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import assume, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from dlnotes import activations, data, explore, gradients, graph, mlp, models, plotting, report  # noqa: E402
from properties.support import (  # noqa: E402
    arrays, covers, examples, finite_mask, is_count, naive_sigmoid, networks, NOT_ARRAYS,
    NOT_COUNTS, NOT_NUMBERS, outcome, REFUSED, shapes, values,
)


OPS = ("+", "-", "*", "/", "**", "exp", "log", "sigmoid", "neg", "radd", "rsub", "rmul", "rtruediv")


def _apply(op: str, a, b, k: float):
    """The operation on Nodes or on plain floats (the reference): the same expression either way."""
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return a / b
    if op == "**":
        return a ** k
    if op == "neg":
        return -a
    if op in ("radd", "rsub", "rmul", "rtruediv"):
        return {"radd": k + a, "rsub": k - a, "rmul": k * a, "rtruediv": k / a}[op] if True else None
    if isinstance(a, graph.Node):
        return getattr(a, op)()
    return {"exp": math.exp, "log": math.log, "sigmoid": naive_sigmoid}[op](a)


@covers("graph.Node", "graph.topological_order")
@examples(60)
@given(inputs=st.lists(st.one_of(values(), st.sampled_from([1e-200, 1e200, 700.0, -700.0])), min_size=1, max_size=3),
       program=st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 20), st.integers(0, 20),
                                  st.sampled_from([2.0, 0.5, -1.0, 3, 1e200, -2.0, 0])), min_size=1, max_size=6))
def test_graph_against_finite_differences(inputs, program):
    nodes = []
    for v in inputs:
        node = outcome(graph.Node, v, names=("value",))
        assert (node is REFUSED) == (not math.isfinite(v))
        if node is REFUSED:
            return
        nodes.append(node)

    def run(values_, lift):
        """Run the program on Nodes (lift=Node) or floats; REFUSED where dlnotes refuses an operation."""
        vals = list(values_)
        for op, i, j, k in program:
            a, b = vals[i % len(vals)], vals[j % len(vals)]
            if lift:
                got = outcome(_apply, op, a, b, k, names=("value", "exponent", "log", "division", "exp", "overflows",
                                                        "real", "differentiate", "finite"))
                if got is REFUSED:
                    return REFUSED
            else:
                try:
                    got = _apply(op, a, b, k)
                except (ValueError, ZeroDivisionError, OverflowError):
                    return REFUSED
                if isinstance(got, complex):
                    return REFUSED
            vals.append(got)
        return vals[-1]
    out = run(nodes, True)
    plain = run([n.value for n in nodes], False)
    if out is REFUSED:
        return                                            # refused with a ValueError/TypeError naming the problem
    assert plain is not REFUSED and out.value == pytest.approx(plain, rel=1e-12, abs=1e-300)
    order = graph.topological_order(out)
    assert len({id(n) for n in order}) == len(order) and order[-1] is out
    position = {id(n): i for i, n in enumerate(order)}
    assert all(position[id(p)] < position[id(n)] for n in order for p, _ in n.parents)
    try:
        out.backward()
    except ValueError as exc:
        assert "overflows" in str(exc)
        return
    assert all(math.isfinite(n.grad) for n in order)
    if any(abs(local) > 1e6 for n in order for _, local in n.parents):
        return                                            # huge local derivatives can cancel in rounding: x/x + x at 1e-200
    for x in nodes:                                       # centred differences, x alone perturbed
        if abs(x.value) > 1e6 or x not in [n for n in order]:
            continue
        h = 1e-6 * max(1.0, abs(x.value))
        up = run([n.value + (h if n is x else 0.0) for n in nodes], False)
        down = run([n.value - (h if n is x else 0.0) for n in nodes], False)
        if REFUSED in (up, down) or not all(map(math.isfinite, (up, down))) or abs(up) > 1e8 or abs(down) > 1e8:
            continue
        fd_grad = (up - down) / (2 * h)
        if abs(x.grad) < 1e6:
            assert x.grad == pytest.approx(fd_grad, rel=1e-4, abs=1e-5), f"d out / d {x.value}"


@covers("graph.draw")
@examples(5)
@given(output=st.one_of(st.just("node"), NOT_ARRAYS), title=st.one_of(st.none(), st.just("t"), st.just(3)),
       show_constants=st.booleans())
def test_graph_draw(output, title, show_constants):
    if isinstance(output, str) and output == "node":
        a = graph.Node(0.5, "a")
        output = (a * 2 + 1).sigmoid()
        output.backward()
    fig = outcome(graph.draw, output, title, None, show_constants, names=("output", "title"))
    assert (fig is REFUSED) == (not isinstance(output, graph.Node) or title == 3)
    if fig is not REFUSED:
        assert isinstance(fig, matplotlib.figure.Figure)
        plt.close(fig)


@covers("gradients.numerical_gradient")
@examples(40)
@given(x=st.one_of(arrays(shapes(0, 2, 0, 3), (np.float64,), low=-3, high=3), arrays(shapes(0, 2, 0, 3)), NOT_ARRAYS),
       eps=st.one_of(st.just(1e-6), st.floats(1e-8, 1e-3), NOT_NUMBERS, st.just(0.0)),
       returns=st.sampled_from(["float", "array1", "array2", "none", "str", "nan"]))
def test_numerical_gradient_against_the_derivative(x, eps, returns):
    def f(v):                                             # f(v) = sum(v**3) / 3 + sum(v): f' = v**2 + 1
        value = float(np.sum(v**3) / 3 + np.sum(v))
        return {"float": value, "array1": np.array([[value]]), "array2": np.array([value, value]), "none": None,
                "str": "1", "nan": np.nan}[returns]
    got = outcome(gradients.numerical_gradient, f, x, eps, names=("f", "x", "eps"))
    x_ok = isinstance(x, np.ndarray) and x.dtype == np.float64
    eps_ok = isinstance(eps, float) and 0 < eps < math.inf
    finite = x_ok and finite_mask(x)
    expect = x_ok and eps_ok and finite and (returns in ("float", "array1") or x.size == 0)
    if x_ok and eps_ok and finite and x.size and np.any(np.abs(x) + eps == np.abs(x) - eps):
        expect = False                                     # eps lost in rounding next to x (1e300)
    assert (got is REFUSED) == (not expect), f"expect={expect}"
    if got is REFUSED:
        return
    want = x**2 + 1
    assert got.shape == x.shape and got.dtype == np.float64
    moderate = np.abs(x) < 1e3
    assert np.allclose(got[moderate], want[moderate], rtol=1e-4 + 10 * eps, atol=1e-4 + 10 * eps)


@covers("gradients.rel_error")
@examples(40)
@given(a=st.one_of(arrays(shapes(0, 2, 0, 3)), NOT_ARRAYS), same=st.booleans(), seed=st.integers(0, 99))
def test_rel_error_against_its_formula(a, same, seed):
    b = (a + np.random.default_rng(seed).normal(size=np.shape(a)) if isinstance(a, np.ndarray) and a.dtype.kind in "fiu"
         else a) if same else np.ones(3)
    got = outcome(gradients.rel_error, a, b, names=("a", "b"))
    valid = isinstance(a, np.ndarray) and a.dtype.kind in "fiub" and (same or a.shape == (3,))
    assert (got is REFUSED) == (not valid)
    if got is REFUSED:
        return
    af, bf = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    if not (np.all(np.isfinite(af)) and np.all(np.isfinite(bf))):
        assert math.isnan(got)                            # documented: never passes on NaN or inf
        return
    scale = max((abs(u / 2) + abs(v / 2) for u, v in zip(af, bf)), default=0.0)
    want = max(abs(u / 2 - v / 2) for u, v in zip(af, bf)) / scale if scale > 0 else 0.0
    assert type(got) is float and math.isfinite(got) and got == pytest.approx(want, rel=1e-12)


@covers("gradients.layer_gradient_norms", "gradients.layer_activation_stats")
@examples(30)
@given(net=networks(), threshold=st.one_of(st.floats(0, 1), NOT_NUMBERS, st.just(-0.5)),
       hostile=st.sampled_from([None, None, "gap", "list", "str"]))
def test_layer_statistics_against_loops(net, threshold, hostile):
    params, X, y, activation, output = net
    assume(X.shape[0] > 0 and finite_mask(X) and np.max(np.abs(X.astype(np.float64))) < 1e100)
    _, cache = mlp.forward(params, X, activation, output)
    grads = mlp.backward(params, cache, y)
    bad = {None: grads, "gap": {"dW1": grads["dW1"], "dW3": grads["dW1"]}, "list": list(grads.values()),
           "str": {"dW1": "x"}}[hostile]
    norms = outcome(gradients.layer_gradient_norms, bad, names=("grads", "grads['dW1']"))
    assert (norms is REFUSED) == (hostile is not None)
    if norms is not REFUSED:
        assert norms == {l: pytest.approx(math.hypot(*grads[f"dW{l}"].ravel()), rel=1e-12)
                         for l in range(1, len(params) // 2 + 1)}
    stats = outcome(gradients.layer_activation_stats, cache, threshold, names=("cache", "threshold"))
    assert (stats is REFUSED) == (not (isinstance(threshold, float) and 0 <= threshold < math.inf))
    if stats is REFUSED:
        return
    _, grad = activations.get_activation(activation)
    peak = 0.25 if activation == "sigmoid" else 1.0
    for l in range(1, cache["L"]):
        A, Z = cache[f"A{l}"].ravel().tolist(), cache[f"Z{l}"].ravel().tolist()
        mean = sum(A) / len(A)
        assert stats[l]["mean"] == pytest.approx(mean, rel=1e-9, abs=1e-12)
        assert stats[l]["std"] == pytest.approx(math.sqrt(sum((a - mean) ** 2 for a in A) / len(A)), rel=1e-6, abs=1e-9)
        assert stats[l]["saturated"] == sum(float(grad(np.array(z))) < threshold * peak for z in Z) / len(Z)
    assert set(stats) == set(range(1, cache["L"]))
    assert outcome(gradients.layer_activation_stats, {"A1": 1}, names=("cache",)) is REFUSED


@covers("gradients.keras_gradient_norms")
@given(model=st.sampled_from([None, "model", 3, [1]]))
def test_keras_gradient_norms_checks_its_model(model):
    """Fuzzed on its argument check only: its parity with layer_gradient_norms (a Keras model) is in test_gradients.py."""
    assert outcome(gradients.keras_gradient_norms, model, np.ones((1, 2)), np.zeros(1, int), names=("model",)) is REFUSED


@covers("report.power_of_ten", "report.power", "report.sci")
@examples(40)
@given(x=st.one_of(st.floats(1e-300, 1e300), st.sampled_from([1e-6, 1e-5, 1.0, 1e3, 0.05, 9.5, 0.00095]),
                   st.integers(1, 10**6), NOT_NUMBERS, st.sampled_from([0.0, -1.0, np.float32(2.5), np.float64(1e-7)])))
def test_report_magnitudes(x, ):
    ok = (isinstance(x, (int, float, np.floating)) and not isinstance(x, bool) and math.isfinite(x) and x > 0)
    for fn, name in ((report.power_of_ten, "bound"), (report.power, "x"), (report.sci, "x")):
        got = outcome(fn, x, names=(name,))
        assert (got is REFUSED) == (not ok), f"{fn.__name__}({x!r})"
        if got is REFUSED:
            continue
        if fn is report.power:
            assert got == f"$10^{{{round(math.log10(x))}}}$"
        elif fn is report.sci:
            mantissa, exponent = re.fullmatch(r"\$(\d) \\times 10\^\{(-?\d+)\}\$", got).groups()
            assert float(f"{mantissa}e{exponent}") == pytest.approx(float(x), rel=0.5)   # one significant digit
        else:
            assert float(got) == pytest.approx(float(x), rel=1e-5)


@covers("report.below", "report.percent", "report.count_reaching", "report.over_seeds")
@examples(40)
@given(value=st.one_of(arrays(shapes(0, 2, 0, 3)), NOT_ARRAYS), bound=st.one_of(st.floats(1e-8, 10), NOT_NUMBERS),
       fraction=st.one_of(st.floats(-1, 2), NOT_NUMBERS), digits=st.one_of(st.integers(0, 4), NOT_COUNTS),
       results=st.one_of(st.lists(values(), max_size=5), NOT_ARRAYS), fmt=st.sampled_from(["{:.2f}", "{:.0%}", "{x}", "{", 3]))
def test_report_sentences(value, bound, fraction, digits, results, fmt):
    bound_ok = isinstance(bound, float) and 0 < bound < math.inf
    value_ok = isinstance(value, np.ndarray) and value.dtype.kind in "fiub" and value.size > 0
    try:
        got = outcome(report.below, value, bound, "err", names=("value", "bound", "what"))
    except AssertionError as exc:                          # documented: the claim is false
        assert value_ok and bound_ok and not np.max(np.abs(value.astype(np.float64))) < bound, exc
    else:
        assert (got is REFUSED) == (not (value_ok and bound_ok))
        if got is not REFUSED:
            assert np.max(np.abs(value.astype(np.float64))) < bound and got == f"below {report.power_of_ten(bound)}"
    got = outcome(report.percent, fraction, digits, names=("fraction", "digits"))
    ok = isinstance(fraction, float) and math.isfinite(fraction) and isinstance(digits, int) and not isinstance(
        digits, bool) and 0 <= digits
    assert (got is REFUSED) == (not ok)
    if ok:
        assert got.endswith("%") and float(got[:-1]) == pytest.approx(100 * fraction, abs=0.51 * 10.0**-digits)
    results_ok = isinstance(results, list) and all(isinstance(v, float) and not math.isnan(v) for v in results)
    got = outcome(report.count_reaching, results, 0.5, names=("values", "threshold"))
    assert (got is REFUSED) == (not results_ok)
    if results_ok:
        assert got == sum(v >= 0.5 for v in results)
    got = outcome(report.over_seeds, results, fmt, names=("values", "fmt"))
    assert (got is REFUSED) == (not (results_ok and results and fmt in ("{:.2f}", "{:.0%}")))
    if got is not REFUSED:
        med = fmt.format(float(np.median(results)))
        assert got.startswith(f"median {med} (") and got.endswith(f"over {len(results)} seed{'s' * (len(results) > 1)})")


@covers("report.say")
@given(markdown=st.one_of(st.text(max_size=20), NOT_ARRAYS))
def test_say(markdown):
    shown = []
    import IPython.display
    original = IPython.display.display
    IPython.display.display = shown.append
    try:
        got = outcome(report.say, markdown, names=("markdown",))
    finally:
        IPython.display.display = original
    assert (got is REFUSED) == (not isinstance(markdown, str))
    if got is not REFUSED:
        assert got is None and shown[0]._repr_markdown_() == markdown


@covers("report.table")
@examples(40)
@given(header=st.one_of(st.lists(st.text(max_size=6), min_size=1, max_size=4), NOT_ARRAYS),
       rows=st.one_of(st.lists(st.lists(st.one_of(st.text(max_size=6), st.integers(-99, 99), st.floats(0, 1)),
                                        min_size=1, max_size=4), max_size=3), NOT_ARRAYS),
       align=st.one_of(st.none(), st.text(alphabet="lrcx", max_size=4), NOT_NUMBERS))
def test_report_table(header, rows, align):
    got = outcome(report.table, header, rows, align, names=("header", "rows", "align"))
    header_ok = isinstance(header, list) and len(header) > 0 and all(isinstance(h, str) for h in header)
    align_ok = align is None or (isinstance(align, str) and header_ok and len(align) == len(header)
                                 and set(align) <= set("lrc"))
    rows_ok = (isinstance(rows, list) and len(rows) > 0 and header_ok
               and all(isinstance(r, list) and len(r) == len(header)
                       and all(isinstance(c, (str, int)) for c in r) for r in rows))
    assert (got is REFUSED) == (not (header_ok and align_ok and rows_ok)), (header, rows, align, got)
    if got is not REFUSED:
        lines = got.split("\n")
        assert len(lines) == 2 + len(rows)
        # every line has one cell per column: as many unescaped pipes as columns + 1
        for line in lines:
            assert len(re.findall(r"(?<!\\)\|", line)) == len(header) + 1, line


@covers("plotting.plot_activation", "plotting.plot_unrolled_rnn")
@examples(8)
@given(fn=st.sampled_from([activations.tanh, None, "tanh"]), z=st.one_of(st.none(), st.just([-1.0, 0.0, 2.0]),
       NOT_ARRAYS, st.just([np.nan])), shade=st.sampled_from([None, (-1, 1), (0,), "ab", (0, np.inf)]),
       steps=st.one_of(st.integers(1, 3), NOT_COUNTS), title=st.sampled_from([None, "t", 3]))
def test_plotting_checks_its_arguments(fn, z, shade, steps, title):
    fig = outcome(plotting.plot_activation, fn, activations.tanh_grad, z, "tanh", title, shade,
                  names=("fn", "grad", "z", "name", "title", "shade"))
    z_ok = z is None or (isinstance(z, list) and all(isinstance(v, float) and math.isfinite(v) for v in z))
    assert not isinstance(z, np.ndarray) or z.dtype.kind not in "fiub"    # only hostile arrays are drawn
    ok = callable(fn) and z_ok and shade in (None, (-1, 1)) and title != 3
    assert (fig is REFUSED) == (not ok)
    if fig is not REFUSED:
        (ax_f, ax_g) = fig.axes
        z_used = np.linspace(-8, 8, 401) if z is None else np.asarray(z)
        assert np.allclose(ax_f.lines[0].get_ydata(), np.tanh(z_used))
        plt.close(fig)
    fig = outcome(plotting.plot_unrolled_rnn, steps, title, names=("steps", "title"))
    assert (fig is REFUSED) == (not (is_count(steps) and title != 3))
    if fig is not REFUSED:
        plt.close(fig)


@pytest.mark.parametrize("z", [np.array([1 + 1j]), [1.0, "a"], np.array([[0.0, 1.0]]), [np.inf]])
def test_plot_activation_refuses_z_that_is_no_list_of_numbers(z):
    """Found here: complex z lost its imaginary part (numpy's cast) and was plotted."""
    with pytest.raises((TypeError, ValueError), match=r"\bz\b"):
        plotting.plot_activation(activations.tanh, activations.tanh_grad, z)
    plt.close("all")


@covers("data.load_digits32")
@examples(6)
@given(test_size=st.one_of(st.sampled_from([0.25, 0.5]), NOT_NUMBERS, st.sampled_from([0.0, 1.0, 1.5])),
       seed=st.one_of(st.integers(0, 2), NOT_COUNTS))
def test_load_digits32(test_size, seed):
    got = outcome(data.load_digits32, test_size, seed, names=("test_size", "seed"))
    ok = isinstance(test_size, float) and 0 < test_size < 1 and isinstance(seed, int) and not isinstance(seed, bool) \
        and seed >= 0
    assert (got is REFUSED) == (not ok)
    if got is not REFUSED:
        assert got.x_train.dtype == np.float32 and got.y_train.dtype == np.int64
        assert len(got.x_test) == math.ceil(1797 * test_size) and got.x_train.shape[1:] == (32, 32, 1)
        assert 0 <= got.x_train.min() and got.x_train.max() <= 1 and set(got.y_test) <= set(range(10))


@contextlib.contextmanager
def _keras_home(path):
    before = os.environ.get("KERAS_HOME")
    os.environ["KERAS_HOME"] = str(path)
    try:
        yield
    finally:
        os.environ.pop("KERAS_HOME") if before is None else os.environ.__setitem__("KERAS_HOME", before)


@covers("data.load_mnist", "data.mnist_cache_path")
@examples(20)
@given(pixels=st.sampled_from([255, 300, -1, 0]), label=st.sampled_from([9, 10, 12, -1, 0]),
       pixel_dtype=st.sampled_from([np.uint8, np.int64, np.float32]), pad_to=st.one_of(st.sampled_from([28, 32]), NOT_COUNTS),
       fallback=st.sampled_from([True, False, "yes"]), file=st.sampled_from(["npz", "garbage", "none"]))
def test_load_mnist_never_trusts_or_deletes_a_bad_file(tmp_path_factory, monkeypatch, pixels, label, pixel_dtype, pad_to,
                                                      fallback, file):
    home = tmp_path_factory.mktemp("keras")
    path = home / "datasets" / "mnist.npz"
    path.parent.mkdir()
    if file == "npz":
        x = np.zeros((2, 28, 28), np.int64)
        x[0, 0, 0] = pixels
        np.savez(path, x_train=x.astype(pixel_dtype), y_train=np.array([0, label]), x_test=x[:1].astype(pixel_dtype),
                 y_test=np.array([1]))
    elif file == "garbage":
        path.write_bytes(b"<html>proxy error</html>")
    before = path.read_bytes() if path.exists() else None
    stored = int(np.array([pixels]).astype(pixel_dtype)[0])   # 300 is 44 in uint8: the file holds what it holds

    def offline():                                         # what Keras does offline: delete the target, raise
        if path.exists():
            path.unlink()
        raise OSError("no network")
    monkeypatch.setattr(data, "_download_mnist", offline)
    with _keras_home(home), warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("always")
        assert data.mnist_cache_path() == str(path)
        try:
            got = outcome(data.load_mnist, pad_to, fallback, names=("pad_to", "fallback", str(path), "mnist.npz"))
        except RuntimeError as exc:                        # documented: no file, no download, no fallback
            assert file == "none" and fallback is False and "no network" in str(exc)
            return
    if before is not None:
        assert path.read_bytes() == before, "load_mnist changed or deleted the cached file"
    args_ok = pad_to in (28, 32) and not isinstance(pad_to, bool) and isinstance(pad_to, int) and fallback in (True, False) \
        and not isinstance(fallback, str)
    is_mnist = file == "npz" and 0 <= stored <= 255 and 0 <= label <= 9 and pixel_dtype != np.float32
    if not args_ok or (not is_mnist and fallback is False):
        assert got is REFUSED
        return
    if is_mnist:
        assert got.source == "MNIST" and got.x_train.shape == (2, pad_to, pad_to, 1)
        assert got.x_train.max() == np.float32(stored / 255)
    else:
        assert got.source == data.DIGITS_SOURCE
        assert any(issubclass(w.category, data.DatasetFallbackWarning) and (str(path) in str(w.message)
                                                                           or file == "none") for w in caught)


@covers("models.lenet5", "models.alexnet", "models.vgg16", "models.inception_naive_block")
@examples(30)
@given(builder=st.sampled_from(["lenet5", "alexnet", "vgg16", "inception_naive_block"]),
       input_shape=st.sampled_from([None, "32x32", (32, 32), (0, 32, 1), (32.0, 32, 1), (2, 2, 1), (True, 32, 1)]),
       second=st.sampled_from(["default", 1, 0, 2.5, "10", None, (1, 2), (0, 1, 2)]))
def test_model_builders_check_their_arguments(builder, input_shape, second):
    """Fuzzed on their checks only: every drawn input_shape is wrong, so nothing is built (a VGG16 holds 138M weights)."""
    fn = getattr(models, builder)
    if builder == "inception_naive_block" and input_shape == (2, 2, 1):
        input_shape = (2, 2, 0)                           # all "same": 2x2 would be a valid input
    kwargs = {} if second == "default" else {"filters" if builder == "inception_naive_block" else "num_classes": second}
    assert outcome(fn, input_shape, **kwargs, names=("input_shape", "input_shape[0]", "input_shape[1]", "input_shape[2]",
                                                     "num_classes", "filters")) is REFUSED


@covers("models.summary_table", "models.count_params")
@examples(3)
@given(model=st.sampled_from(["lenet5", None, "model"]))
def test_model_summaries(tf, model):
    if model != "lenet5":
        for fn in (models.summary_table, models.count_params):
            assert outcome(fn, model, names=("model",)) is REFUSED
        return
    net = models.lenet5()
    rows = models.summary_table(net)
    assert sum(r["params"] for r in rows) == models.count_params(net) == net.count_params() == 61706
    assert [r["name"] for r in rows] == [layer.name for layer in net.layers]


@covers("explore.Explorer", "explore.explore")
@examples(10)
@given(which=st.sampled_from(["Explorer", "explore"]), plot_fn=st.sampled_from(["plot", None, "f"]),
       grid=st.sampled_from([[0.0, 1.0], [], [1.0, 1.0], "ab", None, [1, "a"], list(range(100))]),
       dpi=st.sampled_from([20, 0, "72", 1.5]))
def test_explore_checks_its_arguments(which, plot_fn, grid, dpi):
    fn = getattr(explore, which)

    def plot(alpha):
        fig, ax = plt.subplots(figsize=(1, 1))
        ax.plot([0, 1], [0, alpha])
        return fig
    pf = plot if plot_fn == "plot" else plot_fn
    ok = callable(pf) and grid == [0.0, 1.0] and dpi == 20
    got = outcome(fn, pf, alpha=grid, dpi=dpi, live=False, names=("plot_fn", "alpha", "grids", "dpi", "max_frames"))
    assert (got is REFUSED) == (not ok), f"{which}({plot_fn}, alpha={grid!r}, dpi={dpi!r}): {got!r}"
    if got is not REFUSED:
        assert len(got.frames) == 2 and all(png.startswith(b"\x89PNG") for png in got.frames.values())
    plt.close("all")
