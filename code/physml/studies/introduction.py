"""The run of the Introduction: a straight line learned by gradient descent, with its settings in view.

* :func:`line_run`: draw noisy points of a line, fit ``theta_0 + theta_1 x`` by gradient
  descent on the mean squared error, and estimate the noise and the standard errors.
"""

from __future__ import annotations

import numpy as np

from .. import intro
from ..experiment import Settings, setting, study


class LineRun(Settings):
    """Settings of the line fit (the book's run; it takes milliseconds, so the short one is the same)."""

    n: int = setting(50, low=3, doc="data points")
    intercept: float = setting(1.0, doc="true intercept theta_0 of the line")
    slope: float = setting(2.0, doc="true slope theta_1 of the line")
    noise: float = setting(0.3, low=0, doc="standard deviation sigma of the Gaussian noise")
    eta: float = setting(0.5, low=1e-12, doc="learning rate eta of gradient descent")
    n_steps: int = setting(2000, low=1, doc="gradient-descent steps")
    seed: int = setting(2026, low=0, doc="seed of the data")

    SHORT = {}


def line_data(cfg: LineRun) -> tuple[np.ndarray, np.ndarray]:
    """The points ``(x, y)`` of the run: ``x`` uniform in [0, 1], ``y`` the line plus noise."""
    return intro.noisy_line(cfg.n, slope=cfg.slope, intercept=cfg.intercept, noise=cfg.noise, seed=cfg.seed)


def line_fit_errors(x, y, theta, noise: float) -> dict:
    r"""Noise estimate, standard errors and the expected training MSE of the line fit.

    With :math:`p = 2` parameters the unbiased noise variance is
    :math:`\hat\sigma^2 = \sum_i (y_i - \tilde y_i)^2/(n - p)`, the standard errors are the
    square roots of the diagonal of :math:`\hat\sigma^2 (\boldsymbol X^T\boldsymbol X)^{-1}`, and
    the expected training MSE for noise of variance :math:`\sigma^2` (``noise**2``) is
    :math:`(n - p)\sigma^2/n`.
    """
    X = np.column_stack([np.ones_like(x), x])
    n, p = X.shape
    residuals = y - X @ theta
    sigma2_hat = float(residuals @ residuals) / (n - p)
    covariance = sigma2_hat * np.linalg.inv(X.T @ X)
    return {
        "sigma_hat": np.sqrt(sigma2_hat),
        "errors": np.sqrt(np.diag(covariance)),
        "expected_train_mse": (n - p) / n * noise**2,
    }


@study("introduction", LineRun)
def line_run(cfg: LineRun) -> dict:
    """Draw the data, fit the line by gradient descent; the data, the fit, its costs and its errors."""
    x, y = line_data(cfg)
    theta, costs = intro.fit_line_gradient_descent(x, y, eta=cfg.eta, n_steps=cfg.n_steps)
    return {"x": x, "y": y, "theta": theta, "costs": costs, **line_fit_errors(x, y, theta, cfg.noise)}
