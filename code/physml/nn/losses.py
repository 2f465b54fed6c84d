r"""Cost functions of a network's output and their derivatives (chapter "Feed-forward neural networks").

``a`` holds the output activations :math:`\boldsymbol a^L` and ``y`` the targets, one row
per sample (``n`` rows). Each cost is a *mean over the samples* of a sum over the
outputs, and each derivative returns :math:`\partial C/\partial a^L_{ik}`, including the
factor :math:`1/n`. Class labels enter the cross-entropies as one-hot rows.
"""

from __future__ import annotations

import numpy as np


def _safe_log(p: np.ndarray) -> np.ndarray:
    """``log p`` with ``p`` floored at the smallest positive number of its dtype (no ``log 0``)."""
    return np.log(np.maximum(p, np.finfo(p.dtype).tiny))


def mse(a: np.ndarray, y: np.ndarray) -> float:
    r"""Mean squared error :math:`C = \frac1n\sum_i\sum_k (a_{ik}-y_{ik})^2`."""
    r = a - y
    return float(np.vdot(r, r)) / a.shape[0]


def mse_derivative(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    r""":math:`\partial C/\partial a_{ik} = \frac2n (a_{ik}-y_{ik})`."""
    return (2 / a.shape[0]) * (a - y)


def cross_entropy(a: np.ndarray, y: np.ndarray) -> float:
    r"""Categorical cross-entropy :math:`C = -\frac1n\sum_i\sum_k y_{ik}\log a_{ik}`.

    ``a`` are class probabilities (softmax outputs), ``y`` one-hot labels.
    """
    return -float(np.vdot(y, _safe_log(a))) / a.shape[0]


def cross_entropy_derivative(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    r""":math:`\partial C/\partial a_{ik} = -\frac1n\, y_{ik}/a_{ik}`."""
    return -y / (a.shape[0] * np.maximum(a, np.finfo(a.dtype).tiny))


def binary_cross_entropy(a: np.ndarray, y: np.ndarray) -> float:
    r"""Binary cross-entropy :math:`C = -\frac1n\sum_i\sum_k [y_{ik}\log a_{ik} + (1-y_{ik})\log(1-a_{ik})]`.

    ``a`` are probabilities of the positive class (sigmoid outputs), ``y`` in [0, 1].
    """
    return -float(np.vdot(y, _safe_log(a)) + np.vdot(1 - y, _safe_log(1 - a))) / a.shape[0]


def binary_cross_entropy_derivative(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    r""":math:`\partial C/\partial a_{ik} = \frac1n\,\frac{a_{ik}-y_{ik}}{a_{ik}(1-a_{ik})}`."""
    tiny = np.finfo(a.dtype).tiny
    return (a - y) / (a.shape[0] * np.maximum(a * (1 - a), tiny))


# name -> (C, dC/da)
LOSSES = {
    "mse": (mse, mse_derivative),
    "cross_entropy": (cross_entropy, cross_entropy_derivative),
    "binary_cross_entropy": (binary_cross_entropy, binary_cross_entropy_derivative),
}

# Output activation each cost needs (None: any). A cross-entropy compares probabilities,
# so it needs an output layer that produces them.
REQUIRED_OUTPUT = {"mse": None, "cross_entropy": "softmax", "binary_cross_entropy": "sigmoid"}
