"""A fully connected network (multilayer perceptron) of any depth, forward and backward.

Parameters live in a dict in Keras' Dense layout: ``W1`` (n_0, n_1), ``b1``
(n_1,), ``W2`` (n_1, n_2), ... where n_0 is the number of input features and
n_L the number of outputs, so layer l computes

    Z_l = A_{l-1} W_l + b_l,   A_l = f(Z_l)

with f the hidden activation for l < L and the output activation for l = L.
The same arrays load into a ``tf.keras.Sequential`` of ``Dense`` layers with
``layer.set_weights([W, b])``.

Outputs: ``"softmax"`` with the categorical cross-entropy (y: integer labels
(N,) in 0..n_L-1), or ``"sigmoid"`` with the binary cross-entropy (n_L = 1,
y: (N,) of 0/1; probabilities returned as (N,)). Costs are means over the N
examples; ``backward`` returns their gradients, keys prefixed with ``d``.
"""

from __future__ import annotations

import numpy as np

from . import losses
from ._validate import as_float_array, binary_labels, class_labels, features, generator, positive_int
from .activations import get_activation, sigmoid, softmax
from .initializers import get_initializer
from .optim import SGD, add_l2, check_diverged, check_l2, l2_penalty

__all__ = ["init_params", "n_layers", "forward", "backward", "cost_from_cache", "predict", "evaluate", "fit"]

OUTPUTS = ("softmax", "sigmoid")


def init_params(layer_sizes, init: str = "xavier_normal", rng: np.random.Generator | None = None) -> dict:
    """Weights from ``init`` and zero biases for layers of sizes ``layer_sizes``.

    layer_sizes: [n_0, n_1, ..., n_L], inputs first, at least two entries.
    Returns {"W1": (n_0, n_1), "b1": (n_1,), ..., "WL": (n_{L-1}, n_L), "bL": (n_L,)}.
    """
    if isinstance(layer_sizes, (str, bytes)) or not hasattr(layer_sizes, "__len__") or len(layer_sizes) < 2:
        raise ValueError(f"layer_sizes must list at least an input and an output size, got {layer_sizes!r}")
    sizes = [positive_int(n, f"layer_sizes[{i}]") for i, n in enumerate(layer_sizes)]
    draw = get_initializer(init)
    params = {}
    for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{l}"] = draw(fan_in, fan_out, rng)
        params[f"b{l}"] = np.zeros(fan_out)
    return params


def _parameter_arrays(params) -> dict:
    """``params`` with every value as a float array (lists accepted); ``TypeError`` naming the bad entry."""
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict {{'W1': ..., 'b1': ..., ...}}, got {type(params).__name__}")
    return {k: as_float_array(v, f"params[{k!r}]") for k, v in params.items()}


def n_layers(params: dict) -> int:
    """L, the number of weight layers in ``params`` (a dict ``{"W1": ..., "b1": ..., ...}``)."""
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict {{'W1': ..., 'b1': ..., ...}}, got {type(params).__name__}")
    for k in params:
        if not isinstance(k, str):
            raise TypeError(f"params keys must be names such as 'W1' or 'b1', got {k!r}")
    L = sum(1 for k in params if k.startswith("W"))
    for l in range(1, L + 1):
        if f"W{l}" not in params or f"b{l}" not in params:
            raise ValueError(f"params must hold W1, b1, ..., W{L}, b{L}; missing layer {l}")
        W, b = np.shape(params[f"W{l}"]), np.shape(params[f"b{l}"])
        if len(W) != 2 or b != (W[1],):
            raise ValueError(f"layer {l}: W{l} {W} and b{l} {b} do not fit the Dense layout (n_in, n_out), (n_out,)")
        if l > 1 and np.shape(params[f"W{l - 1}"])[1] != W[0]:
            raise ValueError(f"W{l - 1} has {np.shape(params[f'W{l - 1}'])[1]} outputs but W{l} expects {W[0]} inputs")
    if L == 0:
        raise ValueError("params holds no layers (no W1)")
    return L


def _check_output(output: str, params: dict, L: int) -> None:
    if not isinstance(output, str) or output not in OUTPUTS:
        raise ValueError(f"unknown output={output!r}; expected one of {OUTPUTS}")
    if output == "sigmoid" and params[f"W{L}"].shape[1] != 1:
        raise ValueError(f"a sigmoid output needs one output unit, W{L} has {params[f'W{L}'].shape[1]}")


def forward(params: dict, X, activation: str = "relu", output: str = "softmax"):
    """Forward propagation through every layer.

    X: (N, n_0). Returns (probs, cache): probs (N, n_L) for softmax, (N,) for
    sigmoid; cache holds X, every Z_l and A_l, and the activation names.
    params: a dict of arrays (nested lists are accepted and read as float arrays).
    """
    params = _parameter_arrays(params)
    L = n_layers(params)
    _check_output(output, params, L)
    if not isinstance(activation, str):
        raise TypeError(f"activation must be a name such as 'relu', got {activation!r}")
    fn, _ = get_activation(activation)
    X = features(X)
    if X.shape[1] != params["W1"].shape[0]:
        raise ValueError(f"X has {X.shape[1]} features but W1 expects {params['W1'].shape[0]}")
    cache = {"A0": X, "activation": activation, "output": output, "L": L}
    A = X
    for l in range(1, L + 1):
        Z = A @ params[f"W{l}"] + params[f"b{l}"]
        A = fn(Z) if l < L else (softmax(Z, axis=1) if output == "softmax" else sigmoid(Z[:, 0]))
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
    return A, cache


def _targets(y, cache) -> np.ndarray:
    """Labels checked against the network's output; one-hot (N, C) or (N,) for sigmoid."""
    n = cache["A0"].shape[0]
    if cache["output"] == "sigmoid":
        return binary_labels(y, n).astype(cache["A0"].dtype)
    Z = cache[f"Z{cache['L']}"]
    y, c = class_labels(y, n, n_classes=Z.shape[1])  # the output layer's classes
    return np.eye(c, dtype=Z.dtype)[y]


def cost_from_cache(cache, y) -> float:
    """The mean cross-entropy of the forward pass in ``cache`` (from the logits: exact)."""
    Y = _targets(y, cache)
    Z = cache[f"Z{cache['L']}"]
    if cache["output"] == "sigmoid":
        return losses.binary_cross_entropy_from_logits(Y, Z[:, 0])
    return losses.categorical_cross_entropy_from_logits(Y, Z)


def backward(params: dict, cache: dict, y) -> dict:
    """Backpropagation: the gradient of the mean cross-entropy for every parameter.

    The output layer's error is dZ_L = (P - Y) / N (softmax + categorical
    cross-entropy, or sigmoid + binary cross-entropy); then, layer by layer,

        dW_l = A_{l-1}^T dZ_l,   db_l = sum over examples of dZ_l,
        dZ_{l-1} = (dZ_l W_l^T) * f'(Z_{l-1}).

    Returns {"dW1": ..., "db1": ..., ...}, each the shape of its parameter.
    """
    params = _parameter_arrays(params)
    L = cache["L"]
    Y = _targets(y, cache)
    _, fn_grad = get_activation(cache["activation"])
    n = cache["A0"].shape[0]
    P = cache[f"A{L}"]
    dZ = ((P - Y) / n)[:, None] if cache["output"] == "sigmoid" else (P - Y) / n
    grads = {}
    for l in range(L, 0, -1):
        grads[f"dW{l}"] = cache[f"A{l - 1}"].T @ dZ
        grads[f"db{l}"] = dZ.sum(axis=0)
        if l > 1:
            dZ = (dZ @ params[f"W{l}"].T) * fn_grad(cache[f"Z{l - 1}"])
    return {k: grads[k] for k in sorted(grads, key=lambda k: (int(k[2:]), k[1]))}


def predict(params: dict, X, activation: str = "relu", output: str = "softmax") -> np.ndarray:
    """Predicted classes, shape (N,): argmax for softmax, p >= 0.5 for sigmoid."""
    probs, _ = forward(params, X, activation, output)
    return np.argmax(probs, axis=1) if output == "softmax" else (probs >= 0.5).astype(int)


def evaluate(params: dict, X, y, activation: str = "relu", output: str = "softmax") -> tuple[float, float]:
    """(mean cross-entropy, accuracy) on X, y (no L2 term)."""
    probs, cache = forward(params, X, activation, output)
    pred = np.argmax(probs, axis=1) if output == "softmax" else (probs >= 0.5).astype(int)
    return cost_from_cache(cache, y), float(np.mean(pred == np.asarray(y)))


def _check_validation_data(params: dict, validation_data, activation: str, output: str) -> None:
    """A pair (X_val, y_val) that :func:`evaluate` accepts; errors name validation_data."""
    if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
        got = type(validation_data).__name__ + (f" of shape {np.shape(validation_data)}"
                                                 if isinstance(validation_data, np.ndarray) else "")
        raise TypeError(f"validation_data must be a pair (X_val, y_val), got {got}")
    try:
        evaluate(params, *validation_data, activation, output)
    except (ValueError, TypeError) as exc:
        raise type(exc)(f"validation_data=(X_val, y_val): {exc}") from None


def fit(params: dict, X, y, lr: float, epochs: int, batch_size: int | None = None, momentum: float = 0.0,
        l2: float = 0.0, rng: np.random.Generator | None = None, activation: str = "relu",
        output: str = "softmax", validation_data: tuple | None = None, global_clipnorm: float | None = None):
    """Train by (mini-batch) gradient descent; the input ``params`` are not modified.

    batch_size: None for full-batch gradient descent, else examples per step,
    shuffled every epoch with ``rng``. lr, momentum and global_clipnorm
    (gradient clipping by global norm, Keras' name) go to
    :class:`dlnotes.optim.SGD`, which checks them; l2 as in :mod:`dlnotes.optim`.
    Returns (params, history): history["cost"] (training cost with the L2
    term) and history["accuracy"] after every epoch, plus "val_cost" and
    "val_accuracy" when validation_data=(X_val, y_val) is given. Divergence
    raises :class:`dlnotes.optim.DivergenceError`. validation_data is checked
    before the first epoch, with every check X and y get.
    """
    optimiser = SGD(lr, momentum, global_clipnorm)  # checks lr, momentum and global_clipnorm
    epochs = positive_int(epochs, "epochs")
    l2 = check_l2(l2)
    X = features(X)
    params = {k: np.array(v, dtype=float) for k, v in _parameter_arrays(params).items()}
    _, cache = forward(params, X, activation, output)   # checks X against W1, the output, the activation
    first = cost_from_cache(cache, y) + l2_penalty(params, l2)   # also checks the labels
    if validation_data is not None:
        _check_validation_data(params, validation_data, activation, output)
    y = np.asarray(y)
    n = X.shape[0]
    batch = n if batch_size is None else positive_int(batch_size, "batch_size")
    rng = generator(rng)
    history = {"cost": [], "accuracy": []}
    if validation_data is not None:
        history.update(val_cost=[], val_accuracy=[])
    check_diverged(first, first, 0, optimiser.lr, history)
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n) if batch < n else np.arange(n)
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            _, cache = forward(params, X[idx], activation, output)
            grads = add_l2(params, backward(params, cache, y[idx]), l2)
            optimiser.step(params, grads)
        cost, accuracy = evaluate(params, X, y, activation, output)
        history["cost"].append(cost + l2_penalty(params, l2))
        history["accuracy"].append(accuracy)
        if validation_data is not None:
            val_cost, val_accuracy = evaluate(params, *validation_data, activation, output)
            history["val_cost"].append(val_cost)
            history["val_accuracy"].append(val_accuracy)
        check_diverged(history["cost"][-1], first, epoch, optimiser.lr, history)
    return params, history
