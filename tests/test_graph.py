"""Tests for dlnotes.graph: the scalar computational graph and its drawing.

The logistic unit z = w1 x1 + w2 x2 + b, a = sigmoid(z),
L = -(y log a + (1 - y) log(1 - a)) is checked three ways: against the closed
forms (dz = a - y, dw_i = x_i dz, db = dz), against tf.GradientTape on the
same computation in float64, and, op by op, against centred finite
differences of the node's value.
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from conftest import assert_close, numerical_grad, rel_error  # noqa: E402

from dlnotes.graph import Node, draw, topological_order  # noqa: E402

FD_TOL = 1e-6


def logistic_unit(w1, w2, b, x1, x2, y):
    """Build the logistic unit's graph from plain numbers; returns the nodes by name."""
    n = {k: Node(v, k) for k, v in dict(w1=w1, w2=w2, b=b, x1=x1, x2=x2, y=y).items()}
    z = n["w1"] * n["x1"] + n["w2"] * n["x2"] + n["b"]
    a = z.sigmoid()
    L = -(n["y"] * a.log() + (1 - n["y"]) * (1 - a).log())
    n.update(z=z, a=a, L=L)
    return n


def random_unit_values(rng) -> dict:
    w1, w2, b = rng.normal(0, 1.0, 3)
    x1, x2 = rng.normal(0, 2.0, 2)
    return dict(w1=w1, w2=w2, b=b, x1=x1, x2=x2, y=float(rng.integers(0, 2)))


@pytest.fixture
def close_figures():
    yield
    plt.close("all")


# ------------------------------------------------------------ logistic unit


@pytest.mark.parametrize("trial", range(4))
def test_logistic_unit_gradients_match_closed_forms(rng, trial):
    v = random_unit_values(rng)
    if trial == 3:
        v["y"] = 0.3  # a soft label: the closed forms still hold
    n = logistic_unit(**v)
    n["L"].backward()
    a = 1 / (1 + math.exp(-(v["w1"] * v["x1"] + v["w2"] * v["x2"] + v["b"])))
    dz = a - v["y"]
    assert_close("a", n["a"].value, a, rtol=1e-14, atol=0)
    assert_close("L", n["L"].value, -(v["y"] * math.log(a) + (1 - v["y"]) * math.log(1 - a)), rtol=1e-13, atol=0)
    assert_close("dL/dz = a - y", n["z"].grad, dz, rtol=1e-12, atol=1e-15)
    assert_close("dL/dw1 = x1 dz", n["w1"].grad, v["x1"] * dz, rtol=1e-12, atol=1e-15)
    assert_close("dL/dw2 = x2 dz", n["w2"].grad, v["x2"] * dz, rtol=1e-12, atol=1e-15)
    assert_close("dL/db = dz", n["b"].grad, dz, rtol=1e-12, atol=1e-15)
    assert_close("dL/dx1 = w1 dz", n["x1"].grad, v["w1"] * dz, rtol=1e-12, atol=1e-15)
    assert n["L"].grad == 1.0


@pytest.mark.parametrize("trial", range(3))
def test_logistic_unit_gradients_match_tensorflow(tf, rng, trial):
    v = random_unit_values(rng)
    n = logistic_unit(**v)
    n["L"].backward()
    t = {k: tf.Variable(val, dtype=tf.float64) for k, val in v.items()}
    with tf.GradientTape() as tape:
        z = t["w1"] * t["x1"] + t["w2"] * t["x2"] + t["b"]
        a = tf.sigmoid(z)
        L = -(t["y"] * tf.math.log(a) + (1 - t["y"]) * tf.math.log(1 - a))
    names = ["w1", "w2", "b", "x1", "x2", "y"]
    grads = tape.gradient(L, [t[k] for k in names])
    assert_close("L vs tf", n["L"].value, L.numpy(), rtol=1e-13, atol=0)
    for k, g in zip(names, grads):
        assert_close(f"dL/d{k} vs tf", n[k].grad, g.numpy(), rtol=1e-12, atol=1e-15)


def test_logistic_unit_gradients_match_finite_differences(rng):
    v = random_unit_values(rng)
    names = ["w1", "w2", "b", "x1", "x2"]
    n = logistic_unit(**v)
    n["L"].backward()

    def loss(params):
        return logistic_unit(**dict(v, **dict(zip(names, params))))["L"].value

    p = np.array([v[k] for k in names])
    got = np.array([n[k].grad for k in names])
    err = rel_error(got, numerical_grad(loss, p))
    assert err < FD_TOL, f"logistic unit grads vs finite differences: rel error {err:.2e}"


# ---------------------------------------------------------- op by op


# name, builder (Nodes -> Node), input values (float64, away from kinks and poles)
OPS = [
    ("a + b", lambda a, b: a + b, [0.7, -1.3]),
    ("a - b", lambda a, b: a - b, [0.7, -1.3]),
    ("a * b", lambda a, b: a * b, [0.7, -1.3]),
    ("a / b", lambda a, b: a / b, [0.7, -1.3]),
    ("a ** 3", lambda a: a**3, [-1.4]),
    ("a ** 2 (negative base)", lambda a: a**2, [-0.6]),
    ("a ** -1.5", lambda a: a**-1.5, [1.7]),
    ("a ** 0.5", lambda a: a**0.5, [2.3]),
    ("a.exp()", lambda a: a.exp(), [0.9]),
    ("a.log()", lambda a: a.log(), [0.35]),
    ("a.sigmoid()", lambda a: a.sigmoid(), [0.8]),
    ("a.sigmoid() (negative)", lambda a: a.sigmoid(), [-3.1]),
    ("-a", lambda a: -a, [1.9]),
    ("a + 2.5", lambda a: a + 2.5, [0.4]),
    ("a - 2.5", lambda a: a - 2.5, [0.4]),
    ("a * 2.5", lambda a: a * 2.5, [0.4]),
    ("a / 2.5", lambda a: a / 2.5, [0.4]),
    ("2.5 + a (radd)", lambda a: 2.5 + a, [0.4]),
    ("2.5 - a (rsub)", lambda a: 2.5 - a, [0.4]),
    ("2.5 * a (rmul)", lambda a: 2.5 * a, [0.4]),
    ("2.5 / a (rtruediv)", lambda a: 2.5 / a, [0.4]),
    ("3 - a (int)", lambda a: 3 - a, [0.4]),
    ("x * x (used twice)", lambda x: x * x, [-1.7]),
    ("x / x", lambda x: x / x, [1.3]),
    ("x * x * x + x", lambda x: x * x * x + x, [0.8]),
    ("(a * b + a).sigmoid() * b", lambda a, b: (a * b + a).sigmoid() * b, [0.6, -0.9]),
    ("(a - b) ** 2 / (1 + b.exp())", lambda a, b: (a - b) ** 2 / (1 + b.exp()), [1.2, 0.3]),
    ("(a.log() - a) * a", lambda a: (a.log() - a) * a, [2.2]),
]


@pytest.mark.parametrize("name, build, values", OPS, ids=[o[0] for o in OPS])
def test_each_op_matches_finite_differences(name, build, values):
    nodes = [Node(v, f"in{i}") for i, v in enumerate(values)]
    out = build(*nodes)
    out.backward()
    got = np.array([n.grad for n in nodes])
    num = numerical_grad(lambda x: build(*[Node(float(v)) for v in x]).value, np.array(values, dtype=np.float64))
    err = rel_error(got, num)
    assert err < FD_TOL, f"{name}: grads {got} vs finite differences {num}, rel error {err:.2e}"
    assert np.all(got != 0) or name == "x / x", f"{name}: a zero gradient proves nothing"


def test_each_op_value():
    a, b = Node(0.7), Node(-1.3)
    for got, want in [
        ((a + b).value, 0.7 - 1.3), ((a - b).value, 0.7 + 1.3), ((a * b).value, 0.7 * -1.3),
        ((a / b).value, 0.7 / -1.3), ((a**3).value, 0.7**3), (a.exp().value, math.exp(0.7)),
        (a.log().value, math.log(0.7)), (b.sigmoid().value, 1 / (1 + math.exp(1.3))),
        ((2 - a).value, 1.3), ((2 / a).value, 2 / 0.7), ((-a).value, -0.7),
    ]:
        assert got == pytest.approx(want, rel=1e-15)


def test_node_used_twice_accumulates(rng):
    x = Node(float(rng.normal()) + 2.0, "x")
    y = x * x
    y.backward()
    assert_close("d(x*x)/dx = 2x", x.grad, 2 * x.value, rtol=1e-15, atol=0)
    z = x + x + x
    z.backward()
    assert x.grad == 3.0


def test_sigmoid_is_stable_for_large_inputs():
    for v, want_value in [(800.0, 1.0), (-800.0, 0.0)]:
        x = Node(v)
        s = x.sigmoid()
        s.backward()
        assert s.value == want_value and x.grad == 0.0


# ---------------------------------------------------------------- backward


def test_backward_twice_gives_the_same_gradients(rng):
    n = logistic_unit(**random_unit_values(rng))
    n["L"].backward()
    first = {k: node.grad for k, node in n.items()}
    n["L"].backward()
    second = {k: node.grad for k, node in n.items()}
    assert first == second, "backward accumulated into the previous gradients"
    assert all(first[k] != 0 for k in ("w1", "w2", "b", "z", "a"))


def test_backward_from_an_inner_node_resets_its_subgraph(rng):
    n = logistic_unit(**random_unit_values(rng))
    n["L"].backward()
    n["z"].backward()  # now d z / d w1 = x1, whatever L.backward() left behind
    assert n["w1"].grad == n["x1"].value and n["b"].grad == 1.0 and n["z"].grad == 1.0


def test_topological_order_visits_each_node_once_inputs_first(rng):
    n = logistic_unit(**random_unit_values(rng))
    order = topological_order(n["L"])
    ids = [id(node) for node in order]
    assert len(ids) == len(set(ids)), "a node appears twice"
    assert order[-1] is n["L"]
    position = {id(node): i for i, node in enumerate(order)}
    for node in order:
        for parent, _ in node.parents:
            assert position[id(parent)] < position[id(node)], f"{parent!r} comes after its child {node!r}"
    for k in ("w1", "w2", "b", "x1", "x2", "y", "z", "a"):
        assert id(n[k]) in position, f"{k} missing from the order"
    # 6 inputs, 13 operations, 3 lifted constants (the two 1s and the -1 of the negation).
    assert sum(not node.constant for node in order) == 19
    assert sum(node.constant for node in order) == 3
    shared = Node(1.5, "s")
    out = shared * shared + shared
    assert len(topological_order(out)) == 3


# -------------------------------------------------------------------- draw


def _boxes(fig):
    """The texts in boxes (node labels), leaving out the arrows (empty annotations)."""
    (ax,) = fig.axes
    return [t.get_text() for t in ax.texts if t.get_bbox_patch() is not None]


def test_draw_shows_one_box_per_node_with_value_and_grad(rng, close_figures):
    from matplotlib.figure import Figure

    n = logistic_unit(**random_unit_values(rng))
    n["L"].backward()
    fig = draw(n["L"])
    assert isinstance(fig, Figure)
    boxes = _boxes(fig)
    shown = [node for node in topological_order(n["L"]) if not node.constant]
    assert len(boxes) == len(shown) == 19
    got = sorted(tuple(text.split("\n")[1:]) for text in boxes)
    want = sorted((f"value {node.value:.4g}", f"grad {node.grad:.4g}") for node in shown)
    assert got == want
    heads = [text.split("\n")[0] for text in boxes]
    for k in ("w1", "x1", "w2", "x2", "b", "y"):
        assert k in heads, f"input {k} has no box"
    assert "sigmoid" in heads and "log" in heads
    assert fig.axes[0].get_title().startswith("computational graph")


def test_draw_with_constants_shows_more_boxes(rng, close_figures):
    n = logistic_unit(**random_unit_values(rng))
    n["L"].backward()
    without = _boxes(draw(n["L"]))
    with_constants = _boxes(draw(n["L"], title="with constants", show_constants=True))
    assert len(with_constants) == len(topological_order(n["L"])) == 22 > len(without)
    assert sorted(t.split("\n")[0] for t in with_constants if t not in without) == ["-1", "1", "1"]
    assert plt.gcf().axes[0].get_title() == "with constants"


def test_draw_a_single_node_and_a_shared_node(close_figures):
    x = Node(2.0, "x")
    assert len(_boxes(draw(x))) == 1
    y = x * x
    y.backward()
    boxes = _boxes(draw(y))
    assert len(boxes) == 2 and any("grad 4" in t for t in boxes)


def test_draw_down_puts_inputs_above_the_output_in_a_narrow_figure(rng, close_figures):
    n = logistic_unit(**random_unit_values(rng))
    n["L"].backward()
    wide, tall = draw(n["L"]), draw(n["L"], direction="down")
    assert sorted(_boxes(tall)) == sorted(_boxes(wide))
    (ax,) = tall.axes
    boxes = [t for t in ax.texts if t.get_bbox_patch() is not None]
    lowest = min(boxes, key=lambda t: t.get_position()[1])
    assert lowest.get_text().split("\n")[1:] == [f"value {n['L'].value:.4g}", "grad 1"]  # the output
    where = {t.get_text().split("\n")[0]: t.get_position() for t in boxes}
    assert all(where[k][1] > lowest.get_position()[1] for k in ("w1", "x1", "w2", "x2", "b"))
    (w_wide, h_wide), (w_tall, h_tall) = wide.get_size_inches(), tall.get_size_inches()
    assert w_tall < w_wide and h_tall > w_tall and h_tall > h_wide
    with pytest.raises(ValueError, match=r"direction must be 'right' or 'down', got 'up'"):
        draw(n["L"], direction="up")


def _arrows(fig):
    """(start, end, rad) of every arrow, in data coordinates."""
    (ax,) = fig.axes
    return [(t.xyann, t.xy, t.arrow_patch.get_connectionstyle().rad)
            for t in ax.texts if getattr(t, "arrow_patch", None) is not None]


@pytest.mark.parametrize("direction", ["right", "down"])
def test_an_arrow_that_skips_a_level_bows_outwards_and_the_others_are_straight(direction, close_figures):
    # b feeds c and d; d also reads c, so the arrow b -> d skips c's level
    x = Node(0.5, "x")
    b = x.sigmoid()
    b.label = "b"
    c = b.log()
    c.label = "c"
    d = b + c
    d.label = "d"
    d.backward()
    arrows = _arrows(draw(d, direction=direction))
    assert len(arrows) == 4  # x -> b, b -> c, b -> d, c -> d
    curved = [a for a in arrows if a[2] != 0]
    assert len(curved) == 1 and all(rad == 0 for *_, rad in arrows if (*_, rad) not in curved)
    (x0, y0), (x1, y1), rad = curved[0]
    # arc3's control point: the chord's middle moved by rad * (dy, -dx)
    control = ((x0 + x1) / 2 + rad * (y1 - y0), (y0 + y1) / 2 - rad * (x1 - x0))
    across = 0 if direction == "down" else 1  # the axis across the levels; the middle line is at 0
    middle = ((x0 + x1) / 2, (y0 + y1) / 2)
    assert abs(control[across]) > abs(middle[across])  # away from the boxes in the middle


@pytest.mark.parametrize("direction", ["right", "down"])
def test_the_logistic_units_level_skipping_arrow_bows_away_from_the_middle(direction, rng, close_figures):
    n = logistic_unit(**random_unit_values(rng))
    n["L"].backward()
    curved = [a for a in _arrows(draw(n["L"], direction=direction)) if a[2] != 0]
    assert curved, "the cross-entropy's y*log(a) branch skips a level"
    across = 0 if direction == "down" else 1
    for start, end, rad in curved:
        (x0, y0), (x1, y1) = start, end
        bow = (rad * (y1 - y0), -rad * (x1 - x0))[across]  # how far arc3 moves the chord's middle, across
        side = start[across] or end[across]  # the side of the middle line the arrow starts on
        assert side != 0 and bow * side > 0, (start, end, rad)  # it bows further out on that side


# --------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "make, exc, pattern",
    [
        (lambda: Node("a"), TypeError, r"value must be a real number, got 'a'"),
        (lambda: Node(None), TypeError, r"value must be a real number"),
        (lambda: Node(True), TypeError, r"value must be a real number, got True"),
        (lambda: Node(1 + 2j), TypeError, r"value must be a real number"),
        (lambda: Node(1.0) / Node(0), ValueError, r"division by a node whose value is 0"),
        (lambda: Node(1.0) / 0, ValueError, r"division by a node whose value is 0"),
        (lambda: 1.0 / Node(0.0), ValueError, r"division by a node whose value is 0"),
        (lambda: Node(-1.0).log(), ValueError, r"log needs a positive value, got -1\.0"),
        (lambda: Node(0.0).log(), ValueError, r"log needs a positive value, got 0\.0"),
        (lambda: Node(2.0) ** Node(3.0), TypeError, r"exponent must be a number \(not a Node\)"),
        (lambda: Node(2.0) ** "3", TypeError, r"exponent must be a number"),
        (lambda: Node(-8.0) ** (1 / 3), ValueError, r"is not real"),
        (lambda: Node(0.0) ** 0.5, ValueError, r"cannot differentiate 0 \*\* 0\.5"),
        (lambda: Node(1.0) + "x", TypeError, r"cannot combine a Node with 'x' of type str"),
        (lambda: "x" + Node(1.0), TypeError, r"cannot combine a Node with 'x'"),
        (lambda: Node(1.0) * None, TypeError, r"cannot combine a Node with None"),
        (lambda: Node(1.0) - [1.0], TypeError, r"cannot combine a Node with \[1\.0\] of type list"),
        (lambda: Node(1.0) + True, TypeError, r"cannot combine a Node with True"),
    ],
)
def test_bad_input(make, exc, pattern):
    with pytest.raises(exc, match=pattern):
        make()


def test_power_zero_is_the_constant_one_even_at_zero():
    x = Node(0.0, "x")
    y = x**0
    y.backward()
    assert y.value == 1.0 and x.grad == 0.0


def test_exp_overflow_names_the_node():
    with pytest.raises(ValueError, match=r"exp\(1000\) overflows"):
        Node(1000.0, "big").exp()


# Found by tests/test_properties.py: overflow gave inf values, NaN gradients, or Python's own
# OverflowError/ZeroDivisionError naming nothing.
@pytest.mark.parametrize("make, pattern", [
    pytest.param(lambda: Node(float("nan")), r"value must be finite, got nan", id="nan-value"),
    pytest.param(lambda: Node(float("-inf")), r"value must be finite, got -inf", id="inf-value"),
    pytest.param(lambda: Node(1e200) * Node(1e200), r"\* of \(1e\+200, 1e\+200\) overflows a float", id="mul"),
    pytest.param(lambda: Node(1e308) + Node(1e308), r"\+ of .* overflows a float", id="add"),
    pytest.param(lambda: Node(1.0) / Node(1e-200), r"/ of \(1, 1e-200\) overflows a float", id="div-derivative"),
    pytest.param(lambda: Node(1e-200) ** -2, r"1e-200 \*\* -2 overflows a float", id="pow-value"),
    pytest.param(lambda: Node(1e200) ** 2, r"1e\+200 \*\* 2 overflows a float", id="pow-big"),
    pytest.param(lambda: Node(2.0) ** float("inf"), r"exponent must be finite, got inf", id="pow-inf"),
])
def test_overflow_is_a_value_error_naming_the_operation(make, pattern):
    with pytest.raises(ValueError, match=pattern):
        make()


def test_large_but_finite_chains_still_work():
    w = Node(1.0, "w")
    out = w * 1e200 * 1e-100              # values 1e200, 1e100; every gradient finite
    out.backward()
    assert w.grad == pytest.approx(1e100)


def test_backward_raises_when_the_chain_rule_overflows():
    w = Node(1e-300, "w")
    out = (w * 1e300) * 1e300      # value 1e300; d out / d w = 1e300 * 1e300 = inf
    with pytest.raises(ValueError, match=r"the gradient overflows a float at Node\(w"):
        out.backward()


def test_non_nodes_are_refused_by_the_traversal_and_draw():
    with pytest.raises(TypeError, match=r"output must be a Node, got 1\.0 of type float"):
        topological_order(1.0)
    with pytest.raises(TypeError, match=r"output must be a Node, got None"):
        draw(None)


# ----------------------------------------------------------- deep graphs (issue 14)


def _recursive_order(output):
    """The recursive depth-first search that topological_order replaced: the reference order."""
    order, seen = [], set()

    def visit(node):
        if id(node) in seen:
            return
        seen.add(id(node))
        for parent, _ in node.parents:
            visit(parent)
        order.append(node)

    visit(output)
    return order


def test_topological_order_is_the_recursive_depth_first_order(rng):
    for _ in range(20):
        nodes = [Node(float(v), f"x{i}") for i, v in enumerate(rng.uniform(0.5, 2.0, 4))]
        for _ in range(15):  # each new node combines two earlier ones: shared parents, diamonds
            a, b = (nodes[i] for i in rng.integers(0, len(nodes), 2))
            nodes.append([a + b, a * b, a - b.sigmoid()][rng.integers(0, 3)])
        out = nodes[-1]
        assert [id(n) for n in topological_order(out)] == [id(n) for n in _recursive_order(out)]


def test_backward_through_a_chain_deeper_than_the_recursion_limit():
    # Issue 14: a running sum of 1000 terms raised RecursionError in backward().
    x = Node(1.0, "x")
    y = x
    for _ in range(5000):
        y = y * 1.0001 + 1  # dy/dx = 1.0001 ** 5000
    y.backward()
    assert len(topological_order(y)) == 1 + 4 * 5000  # x, then per step: constant, *, constant, +
    assert math.isclose(x.grad, 1.0001**5000, rel_tol=1e-12)
    assert math.isclose(y.value, (1.0001**5000 - 1) / 0.0001 + 1.0001**5000, rel_tol=1e-9)


def test_backward_through_a_running_sum_of_many_examples():
    w = Node(0.5, "w")
    loss = Node(0.0, "loss")
    for i in range(3000):  # the reproducer's shape: a loss accumulated example by example
        loss = loss + w * float(i % 7)
    loss.backward()
    assert w.grad == sum(float(i % 7) for i in range(3000))
