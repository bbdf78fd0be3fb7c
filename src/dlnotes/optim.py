"""Parameter updates for gradient descent, and the divergence guard.

Update rules, for a weight W with gradient g = dJ/dW and learning rate lr:

* plain gradient descent:  W <- W - lr * g
* momentum (Keras' SGD convention, velocity v starting at 0):
  v <- momentum * v - lr * g,   W <- W + v
* L2 regularisation with strength l2 adds (l2 / 2) * ||W||^2 to the cost of
  each weight matrix (never the biases), so its gradient gains l2 * W:
  g <- g + l2 * W
* gradient clipping by global norm, ``global_clipnorm`` (Keras' name, used by
  :class:`SGD` and :func:`dlnotes.mlp.fit`), applied before the update: with
  G = sqrt(sum over all parameters of ||g||^2), every
  g <- g * global_clipnorm / G when G > global_clipnorm (the direction is
  kept, only the length is capped). :func:`clip_by_global_norm` is the same
  operation as a function; its argument keeps ``tf.clip_by_global_norm``'s
  name, ``clip_norm``.

Parameters and gradients are dicts: ``params["W1"]`` pairs with ``grads["dW1"]``.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array, learning_rate, non_negative_number, positive_number, real_scalar

__all__ = ["SGD", "DivergenceError", "add_l2", "check_diverged", "check_l2", "check_momentum", "check_clip_norm",
           "clip_by_global_norm", "global_norm", "l2_penalty"]

DIVERGENCE_FACTOR = 10.0


class DivergenceError(RuntimeError):
    """Training diverged. ``epoch``, ``lr`` and ``history`` tell when and how."""

    def __init__(self, message: str, epoch: int, lr: float, history: dict):
        super().__init__(message)
        self.epoch, self.lr, self.history = epoch, lr, history


def check_diverged(cost: float, first: float, epoch: int, lr: float, history: dict) -> None:
    """Raise :class:`DivergenceError` if ``cost`` is not finite or above 10 times ``first``.

    ``cost`` is the cost after ``epoch`` completed epochs (0: before training);
    ``first`` is the cost training started from. A cost ten times higher means
    the steps are throwing the parameters away from the minimum.
    """
    if epoch == 0 and not np.isfinite(cost):
        raise DivergenceError(
            f"the cost is {cost} before training starts (learning rate lr={lr:g}); "
            "check the scale of the inputs and the initial weights",
            epoch, lr, history,
        )
    if not np.isfinite(cost) or cost > DIVERGENCE_FACTOR * max(first, 1e-12):
        raise DivergenceError(
            f"training diverged in epoch {epoch} with learning rate lr={lr:g}: the cost went from "
            f"{first:.4g} to {cost:.4g}; try a smaller learning rate",
            epoch, lr, history,
        )


def check_momentum(momentum) -> float:
    """``momentum`` as a float in [0, 1); ``ValueError``/``TypeError`` naming it otherwise."""
    momentum = real_scalar(momentum, "momentum")
    if not 0 <= momentum < 1:
        raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
    return momentum


def check_l2(l2) -> float:
    """``l2`` as a float >= 0; ``ValueError``/``TypeError`` naming it otherwise."""
    return non_negative_number(l2, "l2")


def _arrays(d, name: str) -> dict:
    """``d`` (a dict of parameters or gradients) with every value a float array; errors name ``name[key]``."""
    if not isinstance(d, dict):
        raise TypeError(f"{name} must be a dict of arrays such as {{'W1': ...}}, got {type(d).__name__}")
    return {k: as_float_array(v, f"{name}[{k!r}]") for k, v in d.items()}


def add_l2(params: dict, grads: dict, l2: float) -> dict:
    """Return grads with ``l2 * W`` added to every weight gradient ``dW*`` (biases untouched)."""
    l2, params, grads = check_l2(l2), _arrays(params, "params"), _arrays(grads, "grads")
    for k, g in grads.items():
        if k.startswith("dW") and (k[1:] not in params or params[k[1:]].shape != g.shape):
            raise ValueError(f"grads[{k!r}] has shape {g.shape} but params has no {k[1:]} of that shape; "
                             f"params holds {({n: v.shape for n, v in params.items()})}")
    if l2 == 0:
        return grads
    return {k: g + l2 * params[k[1:]] if k.startswith("dW") else g for k, g in grads.items()}


def l2_penalty(params: dict, l2: float) -> float:
    """(l2 / 2) * sum of the squared entries of every weight matrix W*."""
    l2, params = check_l2(l2), _arrays(params, "params")
    return 0.5 * l2 * sum(float(np.sum(v**2)) for k, v in params.items() if k.startswith("W"))


def global_norm(grads: dict) -> float:
    """sqrt of the sum of squares of every entry of every gradient, computed in float64.

    Every entry is divided by the largest magnitude m before squaring, and the
    result multiplied back, G = m * sqrt(sum (g / m)^2) (as ``math.hypot``
    does), so neither 1e200 nor a float16 1e-5 leaves the range on the way.
    """
    grads = _arrays(grads, "grads")
    flat = np.concatenate([np.ravel(g).astype(np.float64) for g in grads.values()] + [np.zeros(1)])
    m = np.max(np.abs(flat))
    if m == 0 or not np.isfinite(m):   # all zeros; or inf / NaN, which the norm keeps
        return float(m)
    return float(m * np.sqrt(np.sum(np.square(flat / m))))


def check_clip_norm(clip_norm, name: str = "clip_norm") -> float | None:
    """None (no clipping), or a positive number; errors name the argument as ``name``."""
    return None if clip_norm is None else positive_number(clip_norm, name)


def clip_by_global_norm(grads: dict, clip_norm: float) -> tuple[dict, float]:
    """Scale all gradients together so their global norm is at most ``clip_norm``.

    Returns (clipped grads, the global norm before clipping), like
    ``tf.clip_by_global_norm``; as there, a norm that is inf or NaN makes
    every clipped entry NaN (no direction survives an infinite gradient).
    """
    clip_norm = check_clip_norm(clip_norm)
    norm = global_norm(grads)   # also checks grads
    if clip_norm is None or norm <= clip_norm:
        return grads, norm
    arrays = _arrays(grads, "grads")
    if not np.isfinite(norm):
        return {k: np.full_like(g, np.nan) for k, g in arrays.items()}, norm
    scale = clip_norm / norm
    return {k: g * scale for k, g in arrays.items()}, norm


class SGD:
    """Gradient descent with optional momentum and clipping, updating a params dict in place.

    lr > 0; momentum in [0, 1); global_clipnorm > 0 or None. ``step(params,
    grads)`` clips (if asked) then applies one update; the velocities live on
    the optimiser, one per parameter.
    """

    def __init__(self, lr: float, momentum: float = 0.0, global_clipnorm: float | None = None):
        self.lr = learning_rate(lr)
        self.momentum = check_momentum(momentum)
        self.global_clipnorm = check_clip_norm(global_clipnorm, "global_clipnorm")
        self.velocity: dict[str, np.ndarray] = {}

    def step(self, params: dict, grads: dict) -> dict:
        """Update ``params`` in place (and return it); all of grads is checked before anything changes."""
        if not isinstance(params, dict):
            raise TypeError(f"params must be a dict of arrays such as {{'W1': ...}}, got {type(params).__name__}")
        grads = _arrays(grads, "grads")
        for name in params:
            if "d" + name not in grads:
                raise ValueError(f"grads has no d{name} for parameter {name}; it holds {sorted(grads)}")
            if grads["d" + name].shape != np.shape(params[name]):
                raise ValueError(f"gradient d{name} has shape {grads['d' + name].shape}, "
                                 f"but {name} has {np.shape(params[name])}")
        if self.global_clipnorm is not None:
            grads, _ = clip_by_global_norm(grads, self.global_clipnorm)
        for name in params:
            g = grads["d" + name]
            if self.momentum:
                v = self.momentum * self.velocity.get(name, 0.0) - self.lr * g
                self.velocity[name] = v
                params[name] = params[name] + v
            else:
                params[name] = params[name] - self.lr * g
        return params
