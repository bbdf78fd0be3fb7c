"""dlnotes: the helper package of the dlnotes textbook.

numpy implementations of the pieces of a neural network, written to be read,
plus the tools the notebooks use (slider experiments, exercise checkers).

Symbols used in every docstring
-------------------------------
N  batch size (examples)             T  time steps
D  input features                    H  hidden units
C  classes or channels               K  kernel size
Arrays are batch-first and channels-last: a batch of images is (N, H, W, C).

Importing dlnotes never imports TensorFlow; the few functions that need it
import it themselves.
"""

from . import activations, batchnorm, residual
from .activations import (
    get_activation,
    leaky_relu,
    leaky_relu_grad,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax,
    softmax_grad,
    tanh,
    tanh_grad,
)
from .batchnorm import batchnorm_backward, batchnorm_forward
from .residual import residual_backward, residual_forward

__version__ = "0.1.0"

__all__ = [
    "activations",
    "batchnorm",
    "batchnorm_backward",
    "batchnorm_forward",
    "get_activation",
    "leaky_relu",
    "leaky_relu_grad",
    "relu",
    "relu_grad",
    "residual",
    "residual_backward",
    "residual_forward",
    "sigmoid",
    "sigmoid_grad",
    "softmax",
    "softmax_grad",
    "tanh",
    "tanh_grad",
]
