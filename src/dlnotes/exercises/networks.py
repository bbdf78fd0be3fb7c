"""Chapter 3: the neural network model.

Four exercises: count the digits network's parameters (compute), say where
a biased unit switches (interpret the bias slider), say how many hidden units
a bend needs (interpret the width slider), and derive backpropagation
through the hidden layer, checked by finite differences (derive).
"""

from __future__ import annotations

import numpy as np

from .. import activations, losses
from ..gradients import numerical_gradient
from ._checking import Answer, Implement, call_raw, compare, expect_tuple

__all__: list[str] = []  # no public functions: reached through dlnotes.exercises


# -- compute: the parameters of the chapter's digits network -----------------------------------
DIGITS_SIZES = (64, 64, 10)


def _digits_parameters() -> int:
    pairs = zip(DIGITS_SIZES[:-1], DIGITS_SIZES[1:])
    return sum(n_in * n_out + n_out for n_in, n_out in pairs)


def _digits_slips() -> dict:
    weights_only = sum(a * b for a, b in zip(DIGITS_SIZES[:-1], DIGITS_SIZES[1:]))
    return {
        weights_only: "you counted the weights only: every hidden and output unit also has a bias",
        weights_only + sum(DIGITS_SIZES): "the inputs have no bias: only layers 1 and 2 do, one per unit",
        int(np.prod(DIGITS_SIZES)): "weights connect consecutive layers only: add n_(i-1) * n_i "
                                     "for each layer instead of multiplying all the sizes",
    }


# -- interpret: where a biased unit switches ---------------------------------------------------
BIAS_W, BIAS_B = 2.0, 3.0


# -- interpret: how many hidden units a bend needs ---------------------------------------------
def _bend_slips() -> dict:
    return {
        1: "one unit's output is a monotone function of one weighted sum, so its boundary is the "
           "straight line w . x + b = 0: it cannot bend",
        4: "four is where every seed finds the bend; the question is when a bend becomes possible. "
           "Look at the seeds that bend it with fewer units",
        3: "look again at the table: some seeds already bend the boundary with fewer than three units",
    }


# -- derive: backpropagation through the hidden layer ------------------------------------------
# The network of the chapter's check: X (N, D) -> tanh hidden layer (N, H) -> softmax (N, C),
# mean cross-entropy cost. The reader gets what the forward pass cached and returns (dW1, db1).
def _hidden_grads_reference(X, Z1, W2, P, y):
    N, C = P.shape
    dZ2 = (P - np.eye(C)[y]) / N                 # softmax + cross-entropy, mean over N
    dA1 = dZ2 @ W2.T                             # back through the output weights
    dZ1 = dA1 * (1 - np.tanh(Z1) ** 2)           # back through tanh
    return X.T @ dZ1, dZ1.sum(axis=0)


def _hidden_grads_no_mean(X, Z1, W2, P, y):
    dZ2 = P - np.eye(P.shape[1])[y]
    dZ1 = (dZ2 @ W2.T) * (1 - np.tanh(Z1) ** 2)
    return X.T @ dZ1, dZ1.sum(axis=0)


def _hidden_grads_transposed(X, Z1, W2, P, y):
    dZ2 = (P - np.eye(P.shape[1])[y]) / len(y)
    dZ1 = (dZ2 @ W2) * (1 - np.tanh(Z1) ** 2)   # W2 where W2.T belongs
    return X.T @ dZ1, dZ1.sum(axis=0)


def _hidden_grads_no_derivative(X, Z1, W2, P, y):
    dZ2 = (P - np.eye(P.shape[1])[y]) / len(y)
    dZ1 = dZ2 @ W2.T                             # f'(Z1) left out
    return X.T @ dZ1, dZ1.sum(axis=0)


_NO_MEAN = "missing 1/N: the cost is the MEAN over the N examples, so dZ2 = (P - Y) / N"
_TRANSPOSED = "transposed weight: the error goes back through W2.T (dA1 = dZ2 W2^T), not W2"
_NO_DERIVATIVE = "you forgot the activation's derivative: dZ1 = dA1 * tanh'(Z1), tanh' = 1 - tanh^2"
HIDDEN_SLIPS = {_NO_MEAN: _hidden_grads_no_mean, _TRANSPOSED: _hidden_grads_transposed,
                _NO_DERIVATIVE: _hidden_grads_no_derivative}


def _hidden_case(rng, N, D, H, C):
    """A tanh network's cache, and (dW1, db1) by centred finite differences of its cost."""
    X = rng.normal(size=(N, D))
    W1, b1 = rng.normal(size=(D, H)), rng.normal(scale=0.5, size=H)
    W2, b2 = rng.normal(size=(H, C)), rng.normal(scale=0.5, size=C)
    y = rng.integers(0, C, size=N)

    def cost(W1, b1):
        P = activations.softmax(np.tanh(X @ W1 + b1) @ W2 + b2, axis=1)
        return losses.categorical_cross_entropy(y, P)

    Z1 = X @ W1 + b1
    P = activations.softmax(np.tanh(Z1) @ W2 + b2, axis=1)
    want = (numerical_gradient(lambda W: cost(W, b1), W1),
            numerical_gradient(lambda b: cost(W1, b), b1))
    return (X, Z1, W2, P, y), want


def _compare_hidden(fn, inputs, want, what):
    dW1, db1 = expect_tuple(call_raw(fn, *inputs), ("dW1", "db1"))
    slips = {message: slip(*inputs) for message, slip in HIDDEN_SLIPS.items()
             if _square(inputs[2]) or slip is not _hidden_grads_transposed}
    compare(dW1, want[0], None, f"{what}, dW1", rtol=1e-5, atol=1e-8,
            slips={m: s[0] for m, s in slips.items()})
    compare(db1, want[1], None, f"{what}, db1", rtol=1e-5, atol=1e-8,
            slips={m: s[1] for m, s in slips.items()})


def _square(W2) -> bool:
    return W2.shape[0] == W2.shape[1]


def _hidden_batch(fn, rng):
    inputs, want = _hidden_case(rng, N=int(rng.integers(5, 9)), D=3, H=4, C=3)
    _compare_hidden(fn, inputs, want, "a batch, D = 3, H = 4, C = 3")


def _hidden_square(fn, rng):
    inputs, want = _hidden_case(rng, N=6, D=2, H=3, C=3)
    _compare_hidden(fn, inputs, want, "H = C = 3 (W2 square)")


def _hidden_one_example(fn, rng):
    inputs, want = _hidden_case(rng, N=1, D=4, H=2, C=3)
    _compare_hidden(fn, inputs, want, "a batch of one example")


EXERCISES = [
    Answer(
        "digits_parameters",
        "how many parameters (weights and biases) has the chapter's 64-64-10 digits network?",
        kind="compute",
        expected=_digits_parameters,
        explain="64 x 64 + 64 = 4,160 in the hidden layer and 64 x 10 + 10 = 650 in the output "
                "layer: 4,810 numbers, one per connection plus one bias per unit.",
        slips=_digits_slips,
    ),
    Answer(
        "bias_switch",
        f"a sigmoid unit computes sigmoid(w x + b) with w = {BIAS_W:g} and b = {BIAS_B:g}: "
        "at which input x is its output 0.5?",
        kind="interpret",
        expected=lambda: -BIAS_B / BIAS_W,
        explain="the output is 0.5 where w x + b = 0, at x = -b / w = -1.5: a bias of +3 moves the "
                "switch 1.5 to the left of 0, as the slider shows. The bias shifts the curve; "
                "the weight sets its steepness and how far a given bias shifts it.",
        tolerance=1e-6,
        slips={BIAS_B / BIAS_W: "sign: w x + b = 0 gives x = -b / w; a positive bias moves the "
                                "switch to the LEFT (the unit is already on at x = 0)",
               -BIAS_B * BIAS_W: "divide by the weight: x = -b / w",
               -BIAS_B: "the weight scales x: solve w x + b = 0 for x",
               0.0: "that is where the unbiased unit switches; the bias moves that point"},
    ),
    Answer(
        "hidden_units_to_bend",
        "the fewest tanh hidden units with which the two-moons boundary CAN bend (in some seed)",
        kind="interpret",
        expected=lambda: 2,
        explain="two: with two units the boundary is where a combination of two tanh ridges "
                "crosses a level, which can bend; the table shows seeds that find the bend with "
                "two units. One unit gives a straight line, whatever the seed.",
        slips=_bend_slips,
    ),
    Implement(
        "hidden_layer_grads",
        "hidden_layer_grads(X, Z1, W2, P, y) -> (dW1, db1) for a tanh hidden layer, "
        "softmax output and mean cross-entropy",
        [
            ("a batch, checked by finite differences", _hidden_batch),
            ("a square W2 (H = C)", _hidden_square),
            ("a batch of one example", _hidden_one_example),
        ],
        reference=_hidden_grads_reference,
        slips=HIDDEN_SLIPS,
        package="dlnotes.mlp.backward",
        kind="derive",
    ),
]
