r"""Activation functions and their derivatives (chapter "Feed-forward neural networks").

A layer computes :math:`\boldsymbol a^l = f(\boldsymbol z^l)` element by element (softmax
is the exception: it couples the outputs of one sample). Backpropagation needs
:math:`f'(\boldsymbol z^l)`; every derivative below takes ``z`` and, optionally, the
already computed ``a = f(z)``, because for several functions the derivative is cheapest
in terms of ``a`` (e.g. :math:`\sigma'(z) = a(1-a)`). All functions keep the dtype of
their input (float32 stays float32).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

LEAKY_RELU_SLOPE = 0.01  # the slope for z < 0 (the same default as torch.nn.LeakyReLU)


def identity(z: np.ndarray) -> np.ndarray:
    r"""The identity, :math:`f(z) = z` (output layer of a regression network)."""
    return z


def identity_derivative(z: np.ndarray, a: np.ndarray | None = None) -> np.ndarray:
    r""":math:`f'(z) = 1`."""
    return np.ones_like(z)


def sigmoid(z: np.ndarray) -> np.ndarray:
    r"""The logistic function :math:`\sigma(z) = 1/(1+e^{-z})`, computed without overflow."""
    return expit(z)


def sigmoid_derivative(z: np.ndarray, a: np.ndarray | None = None) -> np.ndarray:
    r""":math:`\sigma'(z) = \sigma(z)\,(1-\sigma(z)) = a(1-a)`."""
    if a is None:
        a = sigmoid(z)
    return a * (1 - a)


def tanh(z: np.ndarray) -> np.ndarray:
    r"""The hyperbolic tangent, :math:`f(z) = \tanh z`."""
    return np.tanh(z)


def tanh_derivative(z: np.ndarray, a: np.ndarray | None = None) -> np.ndarray:
    r""":math:`\tanh'(z) = 1 - \tanh^2 z = 1 - a^2`."""
    if a is None:
        a = np.tanh(z)
    return 1 - a * a


def relu(z: np.ndarray) -> np.ndarray:
    r"""The rectified linear unit, :math:`f(z) = \max(0, z)`."""
    return np.maximum(z, 0)


def relu_derivative(z: np.ndarray, a: np.ndarray | None = None) -> np.ndarray:
    r""":math:`f'(z) = 1` for :math:`z > 0` and 0 otherwise (we take 0 at the kink :math:`z = 0`)."""
    return (z > 0).astype(z.dtype)


def leaky_relu(z: np.ndarray) -> np.ndarray:
    r"""Leaky ReLU: :math:`f(z) = z` for :math:`z > 0`, else :math:`\alpha z` with :math:`\alpha = 0.01`."""
    return np.where(z > 0, z, LEAKY_RELU_SLOPE * z)


def leaky_relu_derivative(z: np.ndarray, a: np.ndarray | None = None) -> np.ndarray:
    r""":math:`f'(z) = 1` for :math:`z > 0` and :math:`\alpha` otherwise."""
    return np.where(z > 0, 1.0, LEAKY_RELU_SLOPE).astype(z.dtype, copy=False)


def softmax(z: np.ndarray) -> np.ndarray:
    r"""Softmax over the last axis, :math:`a_k = e^{z_k} / \sum_j e^{z_j}`.

    The largest :math:`z_j` of each row is subtracted first; this changes nothing
    mathematically and keeps the exponentials from overflowing.
    """
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    return e


def softmax_backward(z: np.ndarray, a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
    r"""Vector-Jacobian product of softmax: :math:`\partial C/\partial z_k = a_k(g_k - \sum_j a_j g_j)`.

    Softmax is not element-wise; its Jacobian is :math:`\partial a_j/\partial z_k =
    a_j(\delta_{jk} - a_k)`, and contracting it with :math:`g_j = \partial C/\partial a_j`
    gives the expression above. ``grad_a`` holds :math:`g`, one row per sample.
    """
    return a * (grad_a - np.sum(a * grad_a, axis=-1, keepdims=True))


# name -> (f, f'); the element-wise activations a layer can use
ACTIVATIONS = {
    "identity": (identity, identity_derivative),
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
    "leaky_relu": (leaky_relu, leaky_relu_derivative),
}

HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "identity")
OUTPUT_ACTIVATIONS = ("identity", "sigmoid", "softmax")


def activation_backward(name: str, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
    r"""Turn :math:`\partial C/\partial \boldsymbol a` into :math:`\partial C/\partial \boldsymbol z`.

    For an element-wise activation this is the Hadamard product
    :math:`f'(\boldsymbol z)\circ\partial C/\partial\boldsymbol a`; for softmax it is
    :func:`softmax_backward`.
    """
    if name == "softmax":
        return softmax_backward(z, a, grad_a)
    return ACTIVATIONS[name][1](z, a) * grad_a


def apply_activation(name: str, z: np.ndarray) -> np.ndarray:
    """Evaluate the activation called ``name`` (one of ``ACTIVATIONS`` or ``"softmax"``)."""
    if name == "softmax":
        return softmax(z)
    return ACTIVATIONS[name][0](z)
