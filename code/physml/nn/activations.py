r"""Activation functions and their derivatives (chapter "Feed-forward neural networks").

A layer computes :math:`\boldsymbol a^l = f(\boldsymbol z^l)` element by element (softmax
is the exception: it couples the outputs of one sample). Backpropagation needs
:math:`f'(\boldsymbol z^l)`; every derivative below takes ``z`` and, optionally, the
already computed ``a = f(z)``, because for several functions the derivative is cheapest
in terms of ``a`` (e.g. :math:`\sigma'(z) = a(1-a)`). All functions keep the dtype of
their input (float32 stays float32).

The public functions check their input (finite real arrays, matching shapes) and then
call an unchecked core of the same name with a leading underscore; the network
(:class:`physml.nn.MLP`) calls the cores directly, since it has checked its data once.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from .._validate import as_float_array, check_choice, check_same_shape

LEAKY_RELU_SLOPE = 0.01  # the slope for z < 0 (the same default as torch.nn.LeakyReLU)


# ----------------------------------------------------------------------------- input checks


def _check_z(z, name: str = "z") -> np.ndarray:
    """A non-empty finite real array; float32 stays float32."""
    return as_float_array(z, name, dtype=None, nonempty=True)


def _check_like(a, z: np.ndarray, name: str) -> np.ndarray:
    """An array of the same shape as ``z`` (``a = f(z)`` or a gradient with respect to it)."""
    a = _check_z(a, name)
    check_same_shape(z, "z", a, name)
    return a


def _check_pair(z, a) -> tuple[np.ndarray, np.ndarray | None]:
    z = _check_z(z)
    return z, (None if a is None else _check_like(a, z, "a"))


# ----------------------------------------------------------------------------- the unchecked cores


def _identity(z):
    return z


def _identity_derivative(z, a=None):
    return np.ones_like(z)


def _sigmoid(z):
    return expit(z)


def _sigmoid_derivative(z, a=None):
    r""":math:`\sigma'(z) = \sigma(z)\,(1-\sigma(z)) = a(1-a)`.

    The unchecked core of :func:`sigmoid_derivative`, which the network calls.
    """
    if a is None:
        a = _sigmoid(z)
    return a * (1 - a)


def _tanh(z):
    return np.tanh(z)


def _tanh_derivative(z, a=None):
    if a is None:
        a = np.tanh(z)
    return 1 - a * a


def _relu(z):
    return np.maximum(z, 0)


def _relu_derivative(z, a=None):
    return (z > 0).astype(z.dtype)


def _leaky_relu(z):
    return np.where(z > 0, z, LEAKY_RELU_SLOPE * z)


def _leaky_relu_derivative(z, a=None):
    return np.where(z > 0, 1.0, LEAKY_RELU_SLOPE).astype(z.dtype, copy=False)


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    return e


def _softmax_backward(z, a, grad_a):
    return a * (grad_a - np.sum(a * grad_a, axis=-1, keepdims=True))


# ----------------------------------------------------------------------------- the public functions


def identity(z: np.ndarray) -> np.ndarray:
    r"""The identity, :math:`f(z) = z` (output layer of a regression network)."""
    return _identity(_check_z(z))


def identity_derivative(z: np.ndarray, a: np.ndarray | None = None) -> np.ndarray:
    r""":math:`f'(z) = 1`."""
    return _identity_derivative(*_check_pair(z, a))


def sigmoid(z: np.ndarray) -> np.ndarray:
    r"""The logistic function :math:`\sigma(z) = 1/(1+e^{-z})`, computed without overflow."""
    return _sigmoid(_check_z(z))


def sigmoid_derivative(z: np.ndarray, a: np.ndarray | None = None) -> np.ndarray:
    r""":math:`\sigma'(z) = \sigma(z)\,(1-\sigma(z)) = a(1-a)`."""
    return _sigmoid_derivative(*_check_pair(z, a))


def tanh(z: np.ndarray) -> np.ndarray:
    r"""The hyperbolic tangent, :math:`f(z) = \tanh z`."""
    return _tanh(_check_z(z))


def tanh_derivative(z: np.ndarray, a: np.ndarray | None = None) -> np.ndarray:
    r""":math:`\tanh'(z) = 1 - \tanh^2 z = 1 - a^2`."""
    return _tanh_derivative(*_check_pair(z, a))


def relu(z: np.ndarray) -> np.ndarray:
    r"""The rectified linear unit, :math:`f(z) = \max(0, z)`."""
    return _relu(_check_z(z))


def relu_derivative(z: np.ndarray, a: np.ndarray | None = None) -> np.ndarray:
    r""":math:`f'(z) = 1` for :math:`z > 0` and 0 otherwise (we take 0 at the kink :math:`z = 0`)."""
    return _relu_derivative(*_check_pair(z, a))


def leaky_relu(z: np.ndarray) -> np.ndarray:
    r"""Leaky ReLU: :math:`f(z) = z` for :math:`z > 0`, else :math:`\alpha z` with :math:`\alpha = 0.01`."""
    return _leaky_relu(_check_z(z))


def leaky_relu_derivative(z: np.ndarray, a: np.ndarray | None = None) -> np.ndarray:
    r""":math:`f'(z) = 1` for :math:`z > 0` and :math:`\alpha` otherwise."""
    return _leaky_relu_derivative(*_check_pair(z, a))


def softmax(z: np.ndarray) -> np.ndarray:
    r"""Softmax over the last axis, :math:`a_k = e^{z_k} / \sum_j e^{z_j}`.

    The largest :math:`z_j` of each row is subtracted first; this changes nothing
    mathematically and keeps the exponentials from overflowing.
    """
    z = _check_z(z)
    if z.ndim == 0:
        raise ValueError("z must have at least one dimension (softmax acts on the last axis)")
    return _softmax(z)


def softmax_backward(z: np.ndarray, a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
    r"""Vector-Jacobian product of softmax: :math:`\partial C/\partial z_k = a_k(g_k - \sum_j a_j g_j)`.

    Softmax is not element-wise; its Jacobian is :math:`\partial a_j/\partial z_k =
    a_j(\delta_{jk} - a_k)`, and contracting it with :math:`g_j = \partial C/\partial a_j`
    gives the expression above. ``grad_a`` holds :math:`g`, one row per sample.
    """
    z = _check_z(z)
    return _softmax_backward(z, _check_like(a, z, "a"), _check_like(grad_a, z, "grad_a"))


# name -> (f, f'); the element-wise activations a layer can use
ACTIVATIONS = {
    "identity": (identity, identity_derivative),
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
    "leaky_relu": (leaky_relu, leaky_relu_derivative),
}
# the same, unchecked, for the network's forward and backward passes
_CORES = {
    "identity": (_identity, _identity_derivative),
    "sigmoid": (_sigmoid, _sigmoid_derivative),
    "tanh": (_tanh, _tanh_derivative),
    "relu": (_relu, _relu_derivative),
    "leaky_relu": (_leaky_relu, _leaky_relu_derivative),
}

HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "identity")
OUTPUT_ACTIVATIONS = ("identity", "sigmoid", "softmax")


def activation_backward(name: str, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
    r"""Turn :math:`\partial C/\partial \boldsymbol a` into :math:`\partial C/\partial \boldsymbol z`.

    For an element-wise activation this is the Hadamard product
    :math:`f'(\boldsymbol z)\circ\partial C/\partial\boldsymbol a`; for softmax it is
    :func:`softmax_backward`.
    """
    check_choice(name, "name", (*ACTIVATIONS, "softmax"))
    z = _check_z(z)
    return _activation_backward(name, z, _check_like(a, z, "a"), _check_like(grad_a, z, "grad_a"))


def _activation_backward(name: str, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
    if name == "softmax":
        return _softmax_backward(z, a, grad_a)
    return _CORES[name][1](z, a) * grad_a


def apply_activation(name: str, z: np.ndarray) -> np.ndarray:
    """Evaluate the activation called ``name`` (one of ``ACTIVATIONS`` or ``"softmax"``)."""
    check_choice(name, "name", (*ACTIVATIONS, "softmax"))
    return softmax(z) if name == "softmax" else _apply_activation(name, _check_z(z))


def _apply_activation(name: str, z: np.ndarray) -> np.ndarray:
    if name == "softmax":
        return _softmax(z)
    return _CORES[name][0](z)
