"""Reference check of the Introduction: gradient descent reaches the least-squares line."""

import functools

import numpy as np

from .. import intro
from ..validation import reference_check

NOISE = 0.3  # standard deviation of the noise added to the line


@functools.cache
def line_fit():
    """The Introduction's example, shared by the chapter and its check."""
    x, y = intro.noisy_line(50, slope=2.0, intercept=1.0, noise=NOISE, seed=2026)
    theta, costs = intro.fit_line_gradient_descent(x, y, eta=0.5, n_steps=2000)
    return x, y, theta, costs


def line_fit_errors(x, y, theta) -> dict:
    r"""Noise estimate, standard errors and the expected training MSE of the line fit.

    With :math:`p = 2` parameters the unbiased noise variance is
    :math:`\hat\sigma^2 = \sum_i (y_i - \tilde y_i)^2/(n - p)`, the standard errors are the
    square roots of the diagonal of :math:`\hat\sigma^2 (\boldsymbol X^T\boldsymbol X)^{-1}`, and
    the expected training MSE for noise of variance :math:`\sigma^2` is :math:`(n - p)\sigma^2/n`.
    """
    X = np.column_stack([np.ones_like(x), x])
    n, p = X.shape
    residuals = y - X @ theta
    sigma2_hat = float(residuals @ residuals) / (n - p)
    covariance = sigma2_hat * np.linalg.inv(X.T @ X)
    return {
        "sigma_hat": np.sqrt(sigma2_hat),
        "errors": np.sqrt(np.diag(covariance)),
        "expected_train_mse": (n - p) / n * NOISE**2,
    }


@reference_check(
    "introduction.gd-line",
    chapter="introduction",
    description="Gradient-descent line fit equals the least-squares solution",
    reference_source="numpy.linalg.lstsq",
    kind="abs",
    tolerance=1e-8,
)
def _gd_line():
    x, y, theta, _ = line_fit()
    X = np.column_stack([np.ones_like(x), x])
    exact, *_ = np.linalg.lstsq(X, y, rcond=None)
    return theta, exact
