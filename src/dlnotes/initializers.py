"""Weight initialisers, drawing a (fan_in, fan_out) matrix in Keras' Dense layout.

fan_in: units feeding the layer (its inputs); fan_out: the layer's units.

* :func:`xavier_normal`: :math:`\\mathcal N(0, \\sigma^2)` with
  :math:`\\sigma^2 = 2 / (\\text{fan_in} + \\text{fan_out})` (Glorot and Bengio, 2010).
* :func:`xavier_uniform`: :math:`U(-a, a)` with :math:`a = \\sqrt{6 / (\\text{fan_in} + \\text{fan_out})}`,
  the same variance.
* :func:`he_normal`: :math:`\\mathcal N(0, 2 / \\text{fan_in})`, for ReLU layers (He et al., 2015).
* :func:`orthogonal`: a random orthogonal matrix, Keras' default for recurrent kernels.

How Keras differs: ``tf.keras.initializers.GlorotNormal`` and ``HeNormal``
draw from a normal *truncated* at two standard deviations, with the standard
deviation scaled up by 1/0.8796 so that the variance after truncation is the
one above. Ours are plain normals, as in the papers; the variances agree, the
tails do not (Keras never draws beyond about 2.27 sigma).
"""

from __future__ import annotations

import numpy as np

from ._validate import generator as _generator
from ._validate import positive_int

__all__ = ["xavier_normal", "xavier_uniform", "he_normal", "orthogonal", "get_initializer"]


def _fans(fan_in, fan_out) -> tuple[int, int]:
    return positive_int(fan_in, "fan_in"), positive_int(fan_out, "fan_out")


def xavier_normal(fan_in: int, fan_out: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """Glorot/Xavier normal: N(0, 2 / (fan_in + fan_out)). Returns (fan_in, fan_out) float64."""
    fan_in, fan_out = _fans(fan_in, fan_out)
    std = np.sqrt(2.0 / (fan_in + fan_out))
    return _generator(rng).normal(0.0, std, size=(fan_in, fan_out))


def xavier_uniform(fan_in: int, fan_out: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """Glorot/Xavier uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)). Returns (fan_in, fan_out)."""
    fan_in, fan_out = _fans(fan_in, fan_out)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return _generator(rng).uniform(-limit, limit, size=(fan_in, fan_out))


def he_normal(fan_in: int, fan_out: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """He normal: N(0, 2 / fan_in), suited to ReLU layers. Returns (fan_in, fan_out)."""
    fan_in, fan_out = _fans(fan_in, fan_out)
    return _generator(rng).normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


def orthogonal(fan_in: int, fan_out: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """A random (fan_in, fan_out) matrix with orthonormal rows or columns (Keras' default recurrent init).

    Drawn as the Q of the QR decomposition of a standard normal matrix, with
    the signs fixed by R's diagonal so that the result is uniformly distributed
    (Saxe et al., 2014). A square one preserves the length of every vector it
    multiplies: W^T W = I.
    """
    fan_in, fan_out = _fans(fan_in, fan_out)
    a = _generator(rng).normal(size=(max(fan_in, fan_out), min(fan_in, fan_out)))
    q, r = np.linalg.qr(a)
    q = q * np.sign(np.diag(r))
    return q if fan_in >= fan_out else q.T


INITIALIZERS = {"xavier_normal": xavier_normal, "xavier_uniform": xavier_uniform, "he_normal": he_normal,
                "orthogonal": orthogonal}


def get_initializer(name: str):
    """Return the initialiser function called ``name`` (a key of ``INITIALIZERS``)."""
    if not isinstance(name, str) or name not in INITIALIZERS:
        raise ValueError(f"unknown init={name!r}; expected one of {', '.join(map(repr, INITIALIZERS))}")
    return INITIALIZERS[name]
