r"""The smallest learning problem of the book: a straight line fitted by gradient descent.

Used in the Introduction to show that "learning is optimisation": the model is
:math:`\tilde y = \theta_0 + \theta_1 x`, the cost is the mean squared error
:math:`C(\theta) = \frac{1}{n}\sum_i (y_i - \tilde y_i)^2`, and plain gradient
descent :math:`\theta \leftarrow \theta - \eta \nabla_\theta C` finds its minimum.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array, as_rng, check_finite_loss, check_int, check_same_length, check_scalar


def noisy_line(n: int, slope: float, intercept: float, noise: float, seed) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` points ``y = intercept + slope * x + noise * N(0, 1)`` with ``x`` uniform in [0, 1]."""
    check_int(n, "n", minimum=2)
    check_scalar(slope, "slope")
    check_scalar(intercept, "intercept")
    check_scalar(noise, "noise", minimum=0.0)
    rng = as_rng(seed)
    x = rng.uniform(0.0, 1.0, size=n)
    y = intercept + slope * x + noise * rng.standard_normal(n)
    return x, y


def fit_line_gradient_descent(x, y, eta: float = 0.5, n_steps: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    r"""Fit ``y = theta_0 + theta_1 x`` by gradient descent on the mean squared error.

    The gradient of :math:`C(\theta) = \frac1n\|\mathbf y - \mathbf X\theta\|^2` is
    :math:`\nabla C = -\frac2n \mathbf X^T(\mathbf y - \mathbf X\theta)`, with the design
    matrix :math:`\mathbf X = [\mathbf 1, \mathbf x]`.

    Returns the final parameters ``theta`` and the cost after every step.
    """
    x = as_float_array(x, "x", ndim=1, nonempty=True)
    y = as_float_array(y, "y", ndim=1, nonempty=True)
    check_same_length(x, "x", y, "y")
    check_scalar(eta, "eta", minimum=0.0, include_min=False)
    check_int(n_steps, "n_steps", minimum=1)
    X = np.column_stack([np.ones_like(x), x])
    n = len(y)
    theta = np.zeros(2)
    costs = np.empty(n_steps)
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below
        for step in range(n_steps):
            residual = y - X @ theta
            costs[step] = residual @ residual / n
            check_finite_loss(costs[step], step, "mean squared error")
            theta = theta + eta * (2.0 / n) * (X.T @ residual)
    return theta, costs
