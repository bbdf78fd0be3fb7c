"""Chapter 6: the limits of deep learning (notebooks 06 and 07).

Six exercises: the bound on what sigmoid derivatives do to a gradient over
ten layers (compute); the learning rate at which a naive ReLU network in the
lab diverges (predict, before the lab); which activation learns at 20 naive
layers (interpret the lab); whether a 12-layer sigmoid network with Xavier
weights trains at any rate (predict); how identity paths change its
first-to-last gradient ratio (predict); and the residual block's backward
pass, checked by finite differences (derive).

The expected answers are computed with dlnotes, as the chapter computes them.
"""

from __future__ import annotations

import functools

import numpy as np

from .. import activations, mlp
from ..optim import DivergenceError
from ..residual import residual_backward, residual_forward
from ._checking import (
    Answer,
    Implement,
    call_raw,
    compare,
    expect_tuple,
    numerical_backward,
)

__all__: list[str] = []  # no public functions: reached through dlnotes.exercises


# -- compute: the sigmoid's bound over L layers ---------------------------------------------------
SHRINK_LAYERS = 10


def _shrink_bound() -> float:
    z = np.linspace(-10, 10, 20001)                        # sigma' peaks at z = 0, where it is 1/4
    return float(activations.sigmoid_grad(z).max()) ** SHRINK_LAYERS


# -- the lab's networks (notebook 06): the moons, 16 units a layer ------------------------------
def _moons():
    from sklearn.datasets import make_moons
    return make_moons(400, noise=0.2, random_state=0)


def _lab_network(depth: int, activation: str, init: str, seed: int = 0) -> dict:
    """The lab's initial weights: Xavier (He for ReLU), or "naive" N(0, 1) drawn as the chapter does."""
    sizes = [2] + [16] * depth + [2]
    scaled = "he_normal" if activation == "relu" else "xavier_normal"
    params = mlp.init_params(sizes, init=scaled, rng=np.random.default_rng(seed))
    if init == "naive":
        draw = np.random.default_rng(seed + 1)
        params = {k: draw.normal(0, 1.0, v.shape) if k.startswith("W") else v for k, v in params.items()}
    return params


def _lab_outcome(depth: int, lr: float, activation: str, init: str) -> str:
    """ "diverged", "learns" (training accuracy 0.8 or more, not stuck at 1/2) or "at chance"."""
    X, y = _moons()
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            params, history = mlp.fit(_lab_network(depth, activation, init), X, y, lr=lr, epochs=150,
                                      activation=activation, rng=np.random.default_rng(0))
        except DivergenceError:
            return "diverged"
    probs, _ = mlp.forward(params, X, activation=activation)
    stuck = np.abs(probs[:, 1] - 0.5).max() < 0.01
    return "learns" if history["accuracy"][-1] >= 0.8 and not stuck else "at chance"


LAB_RATES = (0.01, 0.1, 1.0)


@functools.lru_cache(maxsize=None)             # a fixed experiment: computed once
def _first_diverging_rate() -> float:
    """The smallest of the lab's rates at which 5 naive ReLU layers diverge; 0 if none does."""
    for lr in LAB_RATES:
        if _lab_outcome(5, lr, "relu", "naive") == "diverged":
            return lr
    return 0.0


@functools.lru_cache(maxsize=None)             # a fixed experiment: computed once
def _learner_at_20_naive() -> str:
    learners = [a for a in ("sigmoid", "tanh", "relu") if _lab_outcome(20, 0.1, a, "naive") == "learns"]
    return learners[0] if len(learners) == 1 else "none" if not learners else "several"


# -- the deep digits networks (notebook 07): 12 sigmoid layers of 32 units, Xavier weights -------
DEEP = 12


def _digits():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    digits = load_digits()
    return train_test_split(digits.data / 16.0, digits.target, test_size=0.25, random_state=0,
                            stratify=digits.target)


@functools.lru_cache(maxsize=None)             # a fixed experiment: computed once
def _plain_trains() -> str:
    """'yes' if the plain network beats 20% test accuracy at any rate of 0.01, 0.1, 1 (seed 0)."""
    X_train, X_test, y_train, y_test = _digits()
    for lr in (0.01, 0.1, 1.0):
        params = mlp.init_params([64] + [32] * DEEP + [10], rng=np.random.default_rng(0))
        with np.errstate(over="ignore", invalid="ignore"):
            try:
                trained, _ = mlp.fit(params, X_train, y_train, lr=lr, epochs=20, batch_size=32,
                                     activation="sigmoid", rng=np.random.default_rng(0))
            except DivergenceError:
                continue
        if mlp.evaluate(trained, X_test, y_test, "sigmoid")[1] > 0.2:
            return "yes"
    return "no"


@functools.lru_cache(maxsize=None)             # a fixed experiment: computed once
def _residual_ratio() -> float:
    """||dJ/dW_1|| / ||dJ/dW_L|| at initialisation, layers 2 .. L-1 as residual blocks (seed 0)."""
    X_train, _, y_train, _ = _digits()
    X, y = X_train[:500], y_train[:500]
    params = mlp.init_params([64] + [32] * DEEP + [10], rng=np.random.default_rng(0))
    L = DEEP + 1
    Z1 = X @ params["W1"] + params["b1"]
    A, caches = activations.sigmoid(Z1), {}
    for l in range(2, L):
        A, caches[l] = residual_forward(A, params[f"W{l}"], params[f"b{l}"], "sigmoid")
    P = activations.softmax(A @ params[f"W{L}"] + params[f"b{L}"], axis=1)
    dZ = (P - np.eye(10)[y]) / len(y)
    last = np.linalg.norm(A.T @ dZ)
    dA = dZ @ params[f"W{L}"].T
    for l in range(L - 1, 1, -1):
        dA, _, _ = residual_backward(dA, caches[l])
    first = np.linalg.norm(X.T @ (dA * activations.sigmoid_grad(Z1)))
    return float(first / last)


def _residual_band() -> str:
    ratio = _residual_ratio()
    return "a" if ratio < 1e-6 else "b" if ratio < 1e-3 else "c"


# -- derive: the residual block's backward pass ----------------------------------------------------
# y = x + sigmoid(z), z = x @ kernel + bias. The reader gets (dy, x, z, kernel) and returns
# (dx, dkernel, dbias).
def _sigmoid_prime(z):
    s = activations.sigmoid(z)
    return s * (1 - s)


def _residual_reference(dy, x, z, kernel):
    dz = dy * _sigmoid_prime(z)
    return dy + dz @ kernel.T, x.T @ dz, dz.sum(axis=0)


def _residual_no_identity(dy, x, z, kernel):
    dz = dy * _sigmoid_prime(z)
    return dz @ kernel.T, x.T @ dz, dz.sum(axis=0)


def _residual_transposed(dy, x, z, kernel):
    dz = dy * _sigmoid_prime(z)
    return dy + dz @ kernel, x.T @ dz, dz.sum(axis=0)


def _residual_no_derivative(dy, x, z, kernel):
    return dy + dy @ kernel.T, x.T @ dy, dy.sum(axis=0)


def _residual_mean_bias(dy, x, z, kernel):
    dz = dy * _sigmoid_prime(z)
    return dy + dz @ kernel.T, x.T @ dz, dz.mean(axis=0)


_NO_IDENTITY = ("the identity path is missing: y = x + f(x), so dx = dy (through the identity) "
                "+ dz @ kernel.T (through the layer)")
_TRANSPOSED = "transposed weight: the gradient goes back through kernel.T (dz @ kernel.T), not kernel"
_NO_DERIVATIVE = "you forgot the sigmoid's derivative: dz = dy * sigmoid'(z), sigmoid' = s (1 - s)"
_MEAN_BIAS = "dbias sums dz over the examples (each example adds its own gradient); it is not the mean"
RESIDUAL_SLIPS = {_NO_IDENTITY: _residual_no_identity, _TRANSPOSED: _residual_transposed,
                  _NO_DERIVATIVE: _residual_no_derivative, _MEAN_BIAS: _residual_mean_bias}


def _residual_case(rng, n, d):
    """(dy, x, z, kernel) and (dx, dkernel, dbias) by centred finite differences of sum(y * dy)."""
    x, kernel, bias = rng.normal(size=(n, d)), rng.normal(size=(d, d)), rng.normal(scale=0.5, size=d)
    dy = rng.normal(size=(n, d))

    def forward(x, kernel, bias):
        return residual_forward(x, kernel, bias, "sigmoid")[0]

    want = numerical_backward(forward, dy, x, kernel, bias)
    return (dy, x, x @ kernel + bias, kernel), want


def _compare_residual(fn, inputs, want, what):
    got = expect_tuple(call_raw(fn, *inputs), ("dx", "dkernel", "dbias"))
    slips = {message: slip(*inputs) for message, slip in RESIDUAL_SLIPS.items()}
    for i, name in enumerate(("dx", "dkernel", "dbias")):
        compare(got[i], want[i], None, f"{what}, {name}", rtol=1e-5, atol=1e-8,
                slips={m: s[i] for m, s in slips.items()})


def _residual_batch(fn, rng):
    inputs, want = _residual_case(rng, n=int(rng.integers(4, 8)), d=3)
    _compare_residual(fn, inputs, want, "a batch, D = 3, checked by finite differences")


def _residual_one_example(fn, rng):
    inputs, want = _residual_case(rng, n=1, d=4)
    _compare_residual(fn, inputs, want, "a batch of one example, D = 4")


def _residual_saturated(fn, rng):
    dy, x, z, kernel = _residual_case(rng, n=3, d=2)[0]
    z = z + 40.0                                       # every sigmoid saturated: the layer passes ~nothing
    want = _residual_reference(dy, x, z, kernel)
    got = expect_tuple(call_raw(fn, dy, x, z, kernel), ("dx", "dkernel", "dbias"))
    compare(got[0], want[0], None, "saturated sigmoids (z near 40), dx", rtol=1e-6, atol=1e-12,
            slips={_NO_IDENTITY: _residual_no_identity(dy, x, z, kernel)[0]})


EXERCISES = [
    Answer(
        "sigmoid_shrink",
        f"the largest factor by which the sigmoid's derivatives alone can multiply a gradient on its "
        f"way back through {SHRINK_LAYERS} sigmoid layers (a number)",
        kind="compute",
        expected=_shrink_bound,
        explain=("sigma'(z) = sigma(z) (1 - sigma(z)) is at most 1/4, at z = 0. Each layer multiplies "
                 "the gradient by one such derivative, so 10 layers multiply it by at most "
                 "(1/4)^10, about 9.5e-7; the weights can make up for it only if they are large, "
                 "and large weights push z away from 0, where sigma' is smaller still."),
        tolerance=0.01,
        slips={
            0.25 * SHRINK_LAYERS: "the factors multiply, one per layer: (1/4)^10, not 10 x 1/4",
            0.5 ** SHRINK_LAYERS: "1/2 is sigma(0), the sigmoid's value; its derivative at 0 is 1/4",
            0.25: "that is one layer's bound; each of the 10 layers multiplies by its own factor",
            4.0 ** SHRINK_LAYERS: "upside down: the derivatives are at most 1/4, so the gradient shrinks",
            1.0: "that is tanh's peak derivative; the sigmoid's is 1/4",
        },
    ),
    Answer(
        "lab_divergence",
        "in the lab, 5 hidden ReLU layers with naive N(0, 1) weights: the smallest of its learning "
        "rates 0.01, 0.1 and 1 at which training diverges (0 if none does)",
        kind="predict",
        expected=_first_diverging_rate,
        explain=("0.1. With N(0, 1) weights a ReLU layer of 16 units multiplies the signal, forwards "
                 "and backwards, by about sqrt(16 / 2) = 2.8, where He weights (standard deviation "
                 "sqrt(2 / 16) = 0.35) keep it near 1; over five layers the gradients start far "
                 "larger, and a step of 0.1 throws the weights far enough to blow the cost up in the "
                 "second epoch. A step of 0.01 still trains."),
        tolerance=1e-6,
        slips={
            0.01: "at 0.01 the steps are small enough: that network trains (try the slider)",
            1.0: "1 diverges, but so does a smaller rate of the three",
            0.0: "ReLU does not saturate, so nothing caps the growth: at least one rate diverges",
        },
    ),
    Answer(
        "lab_deep_naive",
        "in the lab, 20 hidden layers, learning rate 0.1, naive init: which activation learns? "
        "'sigmoid', 'tanh', 'relu' or 'none'",
        kind="interpret",
        expected=_learner_at_20_naive,
        explain=("none. Sigmoid's gradients vanish (the left panel falls by orders of magnitude "
                 "towards the input) and the cost ends near ln 2; tanh's explode towards the input "
                 "(the bars rise to the left) and it ends at chance; ReLU's explode at every layer and "
                 "training diverges in the first epoch. At 20 layers, naive N(0, 1) weights fail "
                 "whatever the activation."),
        choices=("sigmoid", "tanh", "relu", "none"),
        slips={
            "relu": "read the cost panel's title: with naive weights ReLU diverges in the first epoch",
            "tanh": ("tanh learns at 20 layers with Xavier weights; with naive weights its gradients "
                     "explode towards the input and it ends at chance"),
            "sigmoid": "sigmoid's gradients vanish at 20 layers: its cost stays near ln 2",
        },
    ),
    Answer(
        "deep_sigmoid_trains",
        f"a network of {DEEP} sigmoid layers of 32 units with Xavier weights, 20 epochs of SGD on the "
        "digits: does it beat chance at any of the learning rates 0.01, 0.1 and 1? 'yes' or 'no'",
        kind="predict",
        expected=_plain_trains,
        explain=("no. At initialisation its first layer's gradient is below 1e-7 of its last layer's: "
                 "sigma' <= 1/4 at every layer and Xavier weights (sized for a slope of 1) do not make "
                 "up for it. The early layers barely move at any of these rates, the later ones learn "
                 "to answer 1/10 for every digit, and the test accuracy stays at chance."),
        choices=("yes", "no"),
        slips={"yes": ("a larger rate scales every layer's step alike; it cannot undo a factor of "
                       "below 1e-7 between the first layer and the last")},
    ),
    Answer(
        "residual_gradient_ratio",
        f"the same {DEEP}-layer network with layers 2 to {DEEP} made residual blocks (same weights): "
        "its first layer's gradient over its last layer's at initialisation is 'a' below 1e-6 (as "
        "before), 'b' between 1e-6 and 1e-3, or 'c' above 1e-3",
        kind="predict",
        expected=_residual_band,
        explain=("c. Each block's backward pass is dx = dy + dz @ kernel.T: the identity term carries "
                 "the gradient down unchanged, so the product of small sigmoid slopes that made the "
                 "plain network's ratio below 1e-7 never forms. The ratio stays within a couple of "
                 "powers of ten of 1."),
        choices=("a", "b", "c"),
        slips={
            "a": ("the blocks keep the layers' weights and sigmoids, but add a path with derivative 1: "
                  "the gradient no longer has to pass through every sigma'"),
            "b": ("the identity path does not shrink the gradient at all; what is lost through the "
                  "layers is added to, not multiplied into, what arrives through it"),
        },
    ),
    Implement(
        "residual_backward",
        "my_residual_backward(dy, x, z, kernel) -> (dx, dkernel, dbias) for y = x + sigmoid(z), "
        "z = x @ kernel + bias",
        [
            ("a batch, checked by finite differences", _residual_batch),
            ("a batch of one example", _residual_one_example),
            ("saturated sigmoids: the gradient still reaches x", _residual_saturated),
        ],
        reference=_residual_reference,
        slips=RESIDUAL_SLIPS,
        package="dlnotes.residual.residual_backward",
        kind="derive",
    ),
]
