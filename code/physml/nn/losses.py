r"""Cost functions of a network's output and their derivatives (chapter "Feed-forward neural networks").

``a`` holds the output activations :math:`\boldsymbol a^L` and ``y`` the targets, one row
per sample (``n`` rows). Each cost is a *mean over the samples* of a sum over the
outputs, and each derivative returns :math:`\partial C/\partial a^L_{ik}`, including the
factor :math:`1/n`. Class labels enter the cross-entropies as one-hot rows.

The public functions check their input (finite real arrays of the same shape, at least
one sample; probabilities in [0, 1] for the cross-entropies) and call an unchecked core
(``_mse`` ...), which the network :class:`physml.nn.MLP` calls directly.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_float_array, check_same_shape


def _safe_log(p: np.ndarray) -> np.ndarray:
    """``log p`` with ``p`` floored at the smallest positive number of its dtype (no ``log 0``)."""
    return np.log(np.maximum(p, np.finfo(p.dtype).tiny))


def _mse(a: np.ndarray, y: np.ndarray) -> float:
    """The unchecked core of :func:`mse`."""
    r = a - y
    return float(np.vdot(r, r)) / a.shape[0]


def _mse_derivative(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The unchecked core of :func:`mse_derivative`."""
    return (2 / a.shape[0]) * (a - y)


def _cross_entropy(a: np.ndarray, y: np.ndarray) -> float:
    r"""Categorical cross-entropy :math:`C = -\frac1n\sum_i\sum_k y_{ik}\log a_{ik}`.

    ``a`` are class probabilities (softmax outputs), ``y`` one-hot labels. This is the
    unchecked core of :func:`cross_entropy`, which the network calls.
    """
    return -float(np.vdot(y, _safe_log(a))) / a.shape[0]


def _cross_entropy_derivative(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The unchecked core of :func:`cross_entropy_derivative`."""
    return -y / (a.shape[0] * np.maximum(a, np.finfo(a.dtype).tiny))


def _binary_cross_entropy(a: np.ndarray, y: np.ndarray) -> float:
    """The unchecked core of :func:`binary_cross_entropy`."""
    return -float(np.vdot(y, _safe_log(a)) + np.vdot(1 - y, _safe_log(1 - a))) / a.shape[0]


def _binary_cross_entropy_derivative(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The unchecked core of :func:`binary_cross_entropy_derivative`."""
    tiny = np.finfo(a.dtype).tiny
    return (a - y) / (a.shape[0] * np.maximum(a * (1 - a), tiny))


def _check(a, y, probabilities: bool) -> tuple[np.ndarray, np.ndarray]:
    """Outputs ``a`` and targets ``y``: finite, the same shape, one row per sample (n >= 1)."""
    a = as_float_array(a, "a", ndim=(1, 2), dtype=None, nonempty=True)
    y = as_float_array(y, "y", ndim=(1, 2), dtype=None, nonempty=True)
    check_same_shape(a, "a", y, "y")
    if probabilities:
        for name, arr in (("a", a), ("y", y)):
            if arr.min() < 0 or arr.max() > 1:
                raise ValueError(f"{name} must hold probabilities in [0, 1] for a cross-entropy")
    return a, y


def mse(a: np.ndarray, y: np.ndarray) -> float:
    r"""Mean squared error :math:`C = \frac1n\sum_i\sum_k (a_{ik}-y_{ik})^2`."""
    return _mse(*_check(a, y, probabilities=False))


def mse_derivative(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    r""":math:`\partial C/\partial a_{ik} = \frac2n (a_{ik}-y_{ik})`."""
    return _mse_derivative(*_check(a, y, probabilities=False))


def cross_entropy(a: np.ndarray, y: np.ndarray) -> float:
    r"""Categorical cross-entropy :math:`C = -\frac1n\sum_i\sum_k y_{ik}\log a_{ik}`.

    ``a`` are class probabilities (softmax outputs), ``y`` one-hot labels.
    """
    return _cross_entropy(*_check(a, y, probabilities=True))


def cross_entropy_derivative(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    r""":math:`\partial C/\partial a_{ik} = -\frac1n\, y_{ik}/a_{ik}`."""
    return _cross_entropy_derivative(*_check(a, y, probabilities=True))


def binary_cross_entropy(a: np.ndarray, y: np.ndarray) -> float:
    r"""Binary cross-entropy :math:`C = -\frac1n\sum_i\sum_k [y_{ik}\log a_{ik} + (1-y_{ik})\log(1-a_{ik})]`.

    ``a`` are probabilities of the positive class (sigmoid outputs), ``y`` in [0, 1].
    """
    return _binary_cross_entropy(*_check(a, y, probabilities=True))


def binary_cross_entropy_derivative(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    r""":math:`\partial C/\partial a_{ik} = \frac1n\,\frac{a_{ik}-y_{ik}}{a_{ik}(1-a_{ik})}`."""
    return _binary_cross_entropy_derivative(*_check(a, y, probabilities=True))


# name -> (C, dC/da)
LOSSES = {
    "mse": (mse, mse_derivative),
    "cross_entropy": (cross_entropy, cross_entropy_derivative),
    "binary_cross_entropy": (binary_cross_entropy, binary_cross_entropy_derivative),
}
# the same, unchecked, for the network
_CORES = {
    "mse": (_mse, _mse_derivative),
    "cross_entropy": (_cross_entropy, _cross_entropy_derivative),
    "binary_cross_entropy": (_binary_cross_entropy, _binary_cross_entropy_derivative),
}

# Output activation each cost needs (None: any). A cross-entropy compares probabilities,
# so it needs an output layer that produces them.
REQUIRED_OUTPUT = {"mse": None, "cross_entropy": "softmax", "binary_cross_entropy": "sigmoid"}
