"""A computational graph of scalars, small enough to read in one sitting.

Each :class:`Node` holds a value computed on the way forward and, after
``backward()``, the gradient of the final node with respect to it. Every
operation records its inputs and the *local* derivative of its output with
respect to each input; ``backward`` visits the nodes from the output back to
the inputs (reverse topological order) and applies the chain rule:
``input.grad += local_derivative * output.grad``.

Supported: ``+ - * /`` (with nodes or numbers), ``**`` with a number
exponent, and :meth:`Node.exp`, :meth:`Node.log`, :meth:`Node.sigmoid`.
:func:`draw` renders a graph with matplotlib: each node shows its label,
operation, value and gradient.

Example, one logistic unit::

    w1, x1, b = Node(0.5, "w1"), Node(2.0, "x1"), Node(-1.0, "b")
    z = w1 * x1 + b
    a = z.sigmoid()
    a.backward()          # w1.grad == sigmoid'(z) * x1
"""

from __future__ import annotations

import math
import numbers

__all__ = ["Node", "topological_order", "draw"]


class Node:
    """A scalar value in a computational graph.

    value: the forward value; grad: d(output)/d(this node), filled by
    ``output.backward()``; parents: the nodes it was computed from, with the
    local derivative d(this)/d(parent) of each.

    Values and local derivatives are finite floats: a NaN or infinite value,
    or an operation whose result or derivative overflows, raises
    ``ValueError`` (as do division by 0 and log of a non-positive value), so
    a gradient is never silently inf or NaN.
    """

    def __init__(self, value: float, label: str = "", op: str = "", parents=()):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"value must be a real number, got {value!r}")
        parents = tuple(parents)
        if not math.isfinite(value) or not all(math.isfinite(local) for _, local in parents):
            inputs = ", ".join(f"{p.value:g}" for p, _ in parents)
            raise ValueError(f"value must be finite, got {float(value)!r}" if not op else
                             f"{op} of ({inputs}) overflows a float: value {float(value)!r}, "
                             f"local derivatives {[local for _, local in parents]}")
        self.value = float(value)
        self.grad = 0.0
        self.label = label
        self.op = op
        self.parents: tuple[tuple[Node, float], ...] = parents
        self.constant = False

    def __repr__(self) -> str:
        name = self.label or self.op or "node"
        return f"Node({name}: value={self.value:.6g}, grad={self.grad:.6g})"

    # -- operations: value and local derivatives -----------------------------------
    def __add__(self, other):
        other = _node(other)
        return Node(self.value + other.value, op="+", parents=((self, 1.0), (other, 1.0)))

    def __mul__(self, other):
        other = _node(other)
        return Node(self.value * other.value, op="*", parents=((self, other.value), (other, self.value)))

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        other = _node(other)
        return Node(self.value - other.value, op="-", parents=((self, 1.0), (other, -1.0)))

    def __truediv__(self, other):
        other = _node(other)
        if other.value == 0:
            raise ValueError(f"division by a node whose value is 0 ({other!r})")
        quotient = self.value / other.value
        return Node(quotient, op="/", parents=((self, 1.0 / other.value), (other, -quotient / other.value)))

    def __pow__(self, exponent):
        if isinstance(exponent, bool) or not isinstance(exponent, numbers.Real):
            raise TypeError(f"exponent must be a number (not a Node), got {exponent!r}")
        if not math.isfinite(exponent):
            raise ValueError(f"exponent must be finite, got {exponent!r}")
        if exponent == 0:  # x ** 0 is the constant 1
            return Node(1.0, op="**0", parents=((self, 0.0),))
        if self.value == 0 and exponent < 1:
            raise ValueError(f"cannot differentiate 0 ** {exponent}")
        try:
            value = self.value**exponent
            if isinstance(value, complex):
                raise ValueError(f"{self.value} ** {exponent} is not real")
            local = exponent * self.value ** (exponent - 1)
        except OverflowError:
            raise ValueError(f"{self.value:g} ** {exponent:g} overflows a float ({self!r})") from None
        return Node(value, op=f"**{exponent:g}", parents=((self, local),))

    def __radd__(self, other):
        return _node(other) + self

    def __rmul__(self, other):
        return _node(other) * self

    def __rsub__(self, other):
        return _node(other) - self

    def __rtruediv__(self, other):
        return _node(other) / self

    def exp(self):
        try:
            value = math.exp(self.value)
        except OverflowError:
            raise ValueError(f"exp({self.value:g}) overflows a float ({self!r})") from None
        return Node(value, op="exp", parents=((self, value),))

    def log(self):
        if self.value <= 0:
            raise ValueError(f"log needs a positive value, got {self.value!r} ({self!r})")
        return Node(math.log(self.value), op="log", parents=((self, 1.0 / self.value),))

    def sigmoid(self):
        v = self.value
        s = 1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v))
        return Node(s, op="sigmoid", parents=((self, s * (1.0 - s)),))

    # -- backward ---------------------------------------------------------------------
    def backward(self) -> None:
        """Fill ``grad`` of every node this one depends on with d(self)/d(node).

        ``ValueError`` if a gradient overflows a float (a product of large
        local derivatives along a long chain, say).
        """
        order = topological_order(self)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in node.parents:
                parent.grad += local * node.grad
        overflowed = [node for node in order if not math.isfinite(node.grad)]
        if overflowed:
            raise ValueError(f"the gradient overflows a float at {overflowed[0]!r}")


def _node(x) -> Node:
    if isinstance(x, Node):
        return x
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"cannot combine a Node with {x!r} of type {type(x).__name__}")
    node = Node(float(x), label=f"{float(x):g}")
    node.constant = True  # a plain number lifted into the graph
    return node


def topological_order(output: Node) -> list[Node]:
    """Every node ``output`` depends on, inputs first, each node once.

    A depth-first search: a node is appended once all its parents have been,
    parents visited in the order they were recorded. The search keeps its own
    stack of (node, parents not yet visited) instead of recursing, so a graph
    of any depth works (a running sum over 10,000 examples is 10,000 deep,
    far past Python's recursion limit of about 1,000).
    """
    if not isinstance(output, Node):
        raise TypeError(f"output must be a Node, got {output!r} of type {type(output).__name__}")
    order, seen = [], {id(output)}
    stack = [(output, iter(output.parents))]
    while stack:
        node, parents = stack[-1]
        for parent, _ in parents:
            if id(parent) not in seen:  # visit this parent first; come back to node later
                seen.add(id(parent))
                stack.append((parent, iter(parent.parents)))
                break
        else:  # every parent is in the order: node can follow them
            stack.pop()
            order.append(node)
    return order


def draw(output: Node, title: str | None = None, figsize=None, show_constants: bool = False,
         direction: str = "right"):
    """Draw the graph that computes ``output``, from the inputs to ``output``.

    Each box shows the node's label and operation, its forward value and its
    gradient (call ``output.backward()`` first to fill the gradients). Nodes
    are placed in levels by their distance from the inputs; an input sits
    just before the first node that uses it. ``direction="right"`` draws the
    levels as columns, inputs on the left (wide: best on a wide screen);
    ``direction="down"`` draws them as rows, inputs at the top, in a figure
    2 inches wide per node of the widest level (8 for a logistic unit) with
    10-point text, legible at the width of a page or a phone. An arrow that
    skips a level bows outwards around the boxes between. Plain numbers
    (such as the 1 in ``1 - a``) are left out unless ``show_constants``.
    Returns the Figure.
    """
    if not isinstance(output, Node):
        raise TypeError(f"output must be a Node, got {output!r} of type {type(output).__name__}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None, got {title!r}")
    if direction not in ("right", "down"):
        raise ValueError(f"direction must be 'right' or 'down', got {direction!r}")
    import matplotlib.pyplot as plt

    order = [n for n in topological_order(output) if show_constants or not n.constant]
    shown = {id(n) for n in order}
    depth: dict[int, int] = {}
    for node in order:
        depth[id(node)] = 1 + max((depth[id(p)] for p, _ in node.parents if id(p) in shown), default=-1)
    children: dict[int, list[Node]] = {}
    for node in order:
        for parent, _ in node.parents:
            children.setdefault(id(parent), []).append(node)
    for node in order:  # inputs move next to their first consumer
        if not node.parents and id(node) in children:
            depth[id(node)] = min(depth[id(c)] for c in children[id(node)]) - 1
    levels: dict[int, list[Node]] = {}
    for node in order:
        levels.setdefault(depth[id(node)], []).append(node)
    n_levels = max(levels) + 1
    width = max(len(nodes) for nodes in levels.values())  # most nodes in one level
    # Level k, place i of a level with m nodes (each level centred):
    # along = how far from the inputs, across = where within the level.
    place = {id(node): (k, (len(nodes) - 1) / 2 - i) for k, nodes in levels.items() for i, node in enumerate(nodes)}
    if direction == "right":
        step, spread, half, fontsize = 2.6, 1.0, (0.95, 0.0), 8.5
        position = {key: (k * step, across * spread) for key, (k, across) in place.items()}
        size = (2.3 * n_levels + 1, 1.15 * width + 1)
    else:
        step, spread, half, fontsize = 1.3, 2.2, (0.0, 0.42), 10
        position = {key: (-across * spread, -k * step) for key, (k, across) in place.items()}
        size = (max(2.0 * width, 6.0), 0.95 * n_levels + 0.8)
    fig, ax = plt.subplots(figsize=figsize or size, constrained_layout=True)
    for node in order:
        x, y = position[id(node)]
        for parent, _ in node.parents:
            if id(parent) not in shown:
                continue
            px, py = position[id(parent)]
            start, end = (px + half[0], py - half[1]), (x - half[0], y + half[1])
            bend = _bend(start, end, place[id(node)][0] - place[id(parent)][0], direction)
            ax.annotate("", xy=end, xytext=start,
                        arrowprops=dict(arrowstyle="->", color="0.5", lw=1, connectionstyle=f"arc3,rad={bend}"))
        name = node.label or ""
        head = f"{name} = {node.op}" if name and node.op else (name or node.op)
        ax.text(x, y, f"{head}\nvalue {node.value:.4g}\ngrad {node.grad:.4g}",
                ha="center", va="center", fontsize=fontsize, family="monospace",
                bbox=dict(boxstyle="round,pad=0.35", fc="#eef4fb" if node.parents else "#fdf3e1", ec="0.4"))
    xs = [x for x, _ in position.values()]
    ys = [y for _, y in position.values()]
    if direction == "right":
        ax.set_xlim(-1.3, max(xs) + 1.3)
        ax.set_ylim(-width / 2 - 0.2, width / 2 + 0.2)
    else:
        ax.set_xlim(min(xs) - 1.25, max(xs) + 1.25)
        ax.set_ylim(min(ys) - 0.6, 0.6)
    ax.axis("off")
    ax.set_title(title or "computational graph: forward value and gradient of each node")
    return fig


def _bend(start, end, levels_apart: int, direction: str) -> float:
    """How much an arrow curves (matplotlib's arc3 ``rad``): 0 between neighbouring levels.

    An arrow that skips a level would cross the boxes of the levels between,
    which sit near the middle of the figure; it bows outwards instead, away
    from the middle line (x = 0 when drawn downwards, y = 0 to the right).
    arc3 moves its control point by rad * (dy, -dx) from the chord's middle.
    """
    if levels_apart <= 1:
        return 0.0
    (x0, y0), (x1, y1) = start, end
    dx, dy = x1 - x0, y1 - y0
    if direction == "down":
        outward = x0 if x0 != 0 else x1
        push = dy * outward  # the control point's move along x, times the side it should go to
    else:
        outward = y0 if y0 != 0 else y1
        push = -dx * outward
    return 0.3 if push >= 0 else -0.3
