"""Feed-forward neural networks in NumPy (chapter "Feed-forward neural networks and backpropagation").

* :mod:`physml.nn.activations` - activation functions and their derivatives;
* :mod:`physml.nn.losses` - cost functions and their derivatives;
* :mod:`physml.nn.mlp` - the network :class:`MLP` with backpropagation and training;
* :mod:`physml.nn.torch_twin` - the same network in PyTorch, for checks and benchmarks;
* :mod:`physml.nn.examples` - the chapter's experiments (digits, Franke, gradient norms).
"""

from .activations import (
    ACTIVATIONS,
    identity,
    leaky_relu,
    leaky_relu_derivative,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    softmax,
    softmax_backward,
    tanh,
    tanh_derivative,
)
from .losses import LOSSES, binary_cross_entropy, cross_entropy, mse
from .mlp import MLP, accuracy, initial_weights

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "MLP",
    "accuracy",
    "binary_cross_entropy",
    "cross_entropy",
    "identity",
    "initial_weights",
    "leaky_relu",
    "leaky_relu_derivative",
    "mse",
    "relu",
    "relu_derivative",
    "sigmoid",
    "sigmoid_derivative",
    "softmax",
    "softmax_backward",
    "tanh",
    "tanh_derivative",
]
