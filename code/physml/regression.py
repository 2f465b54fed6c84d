"""Linear regression: design matrices, OLS, Ridge and Lasso in the course notation.

Used in the regression chapter (``chapters/regression.md``). With ``n`` samples, a
design matrix ``X`` (n x p) and parameters ``theta``, the three cost functions are

    OLS:    C(theta) = (1/n) ||y - X theta||_2^2
    Ridge:  C(theta) = (1/n) ||y - X theta||_2^2 + lam ||theta||_2^2
    Lasso:  C(theta) = (1/n) ||y - X theta||_2^2 + lam ||theta||_1

The solvers ``ols_fit``, ``ridge_fit`` and ``lasso_fit`` penalise *every* column of the
``X`` they are given. The intercept is handled by ``fit_linear``: it centres (and by
default standardises) the columns of ``X`` and centres ``y`` with the *training* means,
fits the slopes on the centred data and sets the intercept to mean(y) - mean(x)^T theta,
so the intercept is never penalised. This is what scikit-learn's ``Ridge`` and ``Lasso``
do with ``fit_intercept=True``.

Mapping to scikit-learn (same minimiser, because a cost multiplied by a positive
constant has the same minimum):

* ``sklearn.linear_model.Ridge`` minimises ||y - Xw||^2 + alpha ||w||^2, which is
  n times our Ridge cost when alpha = n * lam;
* ``sklearn.linear_model.Lasso`` minimises (1/(2n)) ||y - Xw||^2 + alpha ||w||_1, which
  is half our Lasso cost when alpha = lam / 2.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from ._validate import as_float_array, check_bool, check_int, check_same_length, check_scalar, check_type
from .data import Scaler, fit_scaler, scale

OLS_METHODS = ("normal", "svd", "pinv")


def _check_xy(X, y) -> tuple[np.ndarray, np.ndarray]:
    """Validate a design matrix ``X`` (n, p) and targets ``y`` (n,)."""
    X = as_float_array(X, "X", ndim=2)
    y = as_float_array(y, "y", ndim=1)
    check_same_length(X, "X", y, "y")
    if X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"X must have at least one sample and one feature, got shape {X.shape}")
    return X, y


# --------------------------------------------------------------------------- design matrix


def polynomial_powers(degree: int, two_dimensional: bool = True, intercept: bool = True) -> list[tuple]:
    """The exponents of the columns of ``polynomial_design_matrix``.

    2-D: ``(i, j)`` for the column x^i y^j, ordered by total degree k = i + j and, within
    one degree, by increasing power of y (the order of scikit-learn's ``PolynomialFeatures``).
    1-D: ``(i,)`` for the column x^i.
    """
    check_int(degree, "degree", minimum=0)
    check_bool(two_dimensional, "two_dimensional")
    check_bool(intercept, "intercept")
    start = 0 if intercept else 1
    if not two_dimensional:
        return [(i,) for i in range(start, degree + 1)]
    return [(k - j, j) for k in range(start, degree + 1) for j in range(k + 1)]


def polynomial_design_matrix(x, y=None, degree: int = 1, intercept: bool = True) -> np.ndarray:
    """Design matrix of a polynomial model of total degree ``degree``: X[k, column] = x_k^i y_k^j.

    With two inputs the columns are all x^i y^j with i + j <= degree, (d+1)(d+2)/2 columns
    for degree d; with one input (``y=None``) they are 1, x, ..., x^d. ``intercept=False``
    drops the column of ones (use this with ``fit_linear``, which adds an unpenalised
    intercept itself).
    """
    x = as_float_array(x, "x", ndim=1)
    check_int(degree, "degree", minimum=0)
    check_bool(intercept, "intercept")
    if y is None:
        powers = polynomial_powers(degree, two_dimensional=False, intercept=intercept)
        columns = [x**i for (i,) in powers]
    else:
        y = as_float_array(y, "y", ndim=1)
        check_same_length(x, "x", y, "y")
        powers = polynomial_powers(degree, two_dimensional=True, intercept=intercept)
        columns = [x**i * y**j for i, j in powers]
    if not columns:
        raise ValueError("degree must be >= 1 when intercept=False (otherwise X has no columns)")
    return np.column_stack(columns)


# --------------------------------------------------------------------------- solvers


def ols_fit(X, y, method: str = "svd") -> np.ndarray:
    """Ordinary least squares: the theta that minimises C(theta) = (1/n) ||y - X theta||^2.

    * ``"normal"``: solve the normal equations X^T X theta = X^T y. Its accuracy degrades
      with the condition number cond(X^T X) = cond(X)^2.
    * ``"svd"``: with X = U diag(s) V^T, theta = V diag(1/s) U^T y, where singular values
      below max(n, p) * eps * s_max are treated as zero (this gives the minimum-norm
      solution when X^T X is singular).
    * ``"pinv"``: theta = pinv(X) y with NumPy's Moore-Penrose pseudo-inverse.
    """
    X, y = _check_xy(X, y)
    if method not in OLS_METHODS:
        raise ValueError(f"method must be one of {OLS_METHODS}, got {method!r}")
    if method == "normal":
        if np.linalg.matrix_rank(X) < X.shape[1]:
            raise np.linalg.LinAlgError(
                f"X has rank {np.linalg.matrix_rank(X)} < {X.shape[1]} columns, so X^T X is singular and the "
                "normal equations have no unique solution: use method='svd' (minimum-norm solution) or Ridge"
            )
        try:
            return np.linalg.solve(X.T @ X, X.T @ y)
        except np.linalg.LinAlgError:
            raise np.linalg.LinAlgError(
                f"X has rank below its {X.shape[1]} columns, so X^T X is singular and the normal "
                "equations have no unique solution: use method='svd' (minimum-norm solution) or Ridge"
            ) from None
    if method == "pinv":
        return np.linalg.pinv(X) @ y
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    cutoff = max(X.shape) * np.finfo(float).eps * s[0]
    s_inv = np.zeros_like(s)
    s_inv[s > cutoff] = 1.0 / s[s > cutoff]
    return Vt.T @ (s_inv * (U.T @ y))


def ridge_fit(X, y, lam: float) -> np.ndarray:
    """Ridge regression: minimise C(theta) = (1/n) ||y - X theta||^2 + lam ||theta||_2^2.

    Setting the gradient to zero gives (X^T X + n lam I) theta = X^T y. We solve it
    through the SVD X = U diag(s) V^T, which shows what Ridge does:

        theta = sum_i v_i * s_i / (s_i^2 + n lam) * (u_i^T y),

    i.e. the OLS solution with direction v_i damped by s_i^2 / (s_i^2 + n lam).
    ``lam = 0`` gives the minimum-norm OLS solution. Same minimiser as scikit-learn's
    ``Ridge(alpha=n * lam, fit_intercept=False)``.
    """
    X, y = _check_xy(X, y)
    check_scalar(lam, "lam", minimum=0.0)
    n = X.shape[0]
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    keep = s > max(X.shape) * np.finfo(float).eps * s[0]
    factor = np.zeros_like(s)
    factor[keep] = s[keep] / (s[keep] ** 2 + n * lam)
    return Vt.T @ (factor * (U.T @ y))


def soft_threshold(z, gamma: float) -> np.ndarray:
    """The soft-thresholding operator S(z, gamma) = sign(z) * max(|z| - gamma, 0), elementwise."""
    z = as_float_array(z, "z")
    check_scalar(gamma, "gamma", minimum=0.0)
    return np.sign(z) * np.maximum(np.abs(z) - gamma, 0.0)


def _soft_threshold_scalar(z: float, gamma: float) -> float:
    """``soft_threshold`` for one number, without checks (the inner loop of ``lasso_fit``)."""
    return math.copysign(max(abs(z) - gamma, 0.0), z)


def lasso_fit(
    X,
    y,
    lam: float,
    tol: float = 1e-10,
    max_sweeps: int = 100_000,
    theta0=None,
    return_n_sweeps: bool = False,
):
    """Lasso by cyclic coordinate descent: minimise C(theta) = (1/n) ||y - X theta||^2 + lam ||theta||_1.

    With all other parameters fixed, the cost is a one-dimensional quadratic plus
    lam |theta_j|, whose minimiser is

        theta_j = S(x_j^T r_j, n lam / 2) / (x_j^T x_j),   r_j = y - sum_{k != j} x_k theta_k,

    with the soft-thresholding operator S and x_j the j-th column of X. We sweep over
    j = 0 .. p-1 until the largest change of a parameter in one sweep is below ``tol``
    (a warning is issued if ``max_sweeps`` is reached first). ``theta0`` is a warm start
    (e.g. the solution at a nearby ``lam``); with ``return_n_sweeps`` the number of sweeps
    is returned as well. Same minimiser as scikit-learn's
    ``Lasso(alpha=lam / 2, fit_intercept=False)``.
    """
    X, y = _check_xy(X, y)
    check_scalar(lam, "lam", minimum=0.0)
    check_scalar(tol, "tol", minimum=0.0, include_min=False)
    check_int(max_sweeps, "max_sweeps", minimum=1)
    check_bool(return_n_sweeps, "return_n_sweeps")
    n, p = X.shape
    if theta0 is None:
        theta = np.zeros(p)
    else:
        theta = as_float_array(theta0, "theta0", ndim=1).copy()
        if theta.shape != (p,):
            raise ValueError(f"theta0 must have shape ({p},), got {theta.shape}")
    col_norm2 = np.einsum("ij,ij->j", X, X)
    residual = y - X @ theta
    threshold = n * lam / 2.0
    for sweep in range(1, max_sweeps + 1):
        largest_change = 0.0
        for j in range(p):
            if col_norm2[j] == 0.0:
                continue
            old = theta[j]
            rho = X[:, j] @ residual + col_norm2[j] * old  # x_j^T r_j
            new = _soft_threshold_scalar(rho, threshold) / col_norm2[j]
            if new != old:
                residual -= X[:, j] * (new - old)
                theta[j] = new
                largest_change = max(largest_change, abs(new - old))
        if largest_change <= tol:
            return (theta, sweep) if return_n_sweeps else theta
    warnings.warn(
        f"lasso_fit: coordinate descent did not converge in max_sweeps={max_sweeps} sweeps "
        f"(last change {largest_change:.2e} > tol={tol:.1e}); increase max_sweeps or tol",
        RuntimeWarning,
        stacklevel=2,
    )
    return (theta, max_sweeps) if return_n_sweeps else theta


def lasso_lambda_max(X, y) -> float:
    """The smallest lam at which the Lasso sets every parameter to zero.

    At theta = 0 the update of ``lasso_fit`` returns zero for every j as long as
    |x_j^T y| <= n lam / 2, so lam_max = (2/n) max_j |x_j^T y|.
    """
    X, y = _check_xy(X, y)
    return float(2.0 / X.shape[0] * np.max(np.abs(X.T @ y)))


# --------------------------------------------------------------------------- metrics


def mse(y, y_pred) -> float:
    """Mean squared error (1/n) sum_i (y_i - y_pred_i)^2."""
    y = as_float_array(y, "y", ndim=1)
    y_pred = as_float_array(y_pred, "y_pred", ndim=1)
    check_same_length(y, "y", y_pred, "y_pred")
    if y.size == 0:
        raise ValueError("y must contain at least one value")
    return float(np.mean((y - y_pred) ** 2))


def r2(y, y_pred) -> float:
    """Coefficient of determination R^2 = 1 - sum_i (y_i - y_pred_i)^2 / sum_i (y_i - mean(y))^2."""
    y = as_float_array(y, "y", ndim=1)
    y_pred = as_float_array(y_pred, "y_pred", ndim=1)
    check_same_length(y, "y", y_pred, "y_pred")
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    if ss_tot == 0.0:
        raise ValueError("y is constant, so R^2 is undefined")
    return 1.0 - float(np.sum((y - y_pred) ** 2)) / ss_tot


# --------------------------------------------------------------------------- a fitted model


@dataclass(frozen=True)
class LinearModel:
    """A fitted linear model, prediction = intercept + scale(x)^T theta.

    ``scaler`` is the standardisation learned from the training data (``None`` if the
    features were only centred, which ``fit_linear`` folds into ``intercept``).
    """

    theta: np.ndarray
    intercept: float
    scaler: Scaler | None = None

    def __post_init__(self):
        theta = as_float_array(self.theta, "theta", ndim=1, nonempty=True)
        intercept = float(check_scalar(self.intercept, "intercept"))
        if self.scaler is not None:
            check_type(self.scaler, Scaler, "scaler", "physml.data.Scaler or None")
            if self.scaler.mean.shape != theta.shape:
                raise ValueError(
                    f"scaler was fitted on {self.scaler.mean.shape} features, "
                    f"but theta has shape {theta.shape}"
                )
        object.__setattr__(self, "theta", theta)
        object.__setattr__(self, "intercept", intercept)

    def predict(self, X) -> np.ndarray:
        """Predictions for the rows of ``X`` (raw features, as passed to ``fit_linear``)."""
        X = as_float_array(X, "X", ndim=2, nonempty=True)
        if X.shape[1] != self.theta.shape[0]:
            raise ValueError(f"X must have {self.theta.shape[0]} columns, got {X.shape[1]}")
        if self.scaler is not None:
            X = scale(X, self.scaler)
        return self.intercept + X @ self.theta


FIT_METHODS = ("ols", "ridge", "lasso")


def fit_linear(X, y, method: str = "ols", lam: float = 0.0, standardize: bool = True, **solver_options):
    """Fit OLS, Ridge or Lasso with an unpenalised intercept; return a ``LinearModel``.

    ``X`` holds the features *without* a column of ones. The steps are:

    1. learn the column means (and, with ``standardize``, standard deviations) of ``X``
       from these training data and transform ``X`` with them;
    2. centre the targets, y - mean(y);
    3. fit the slopes theta on the centred data with the chosen solver (``lam`` is the
       course's lambda; ``solver_options`` go to the solver);
    4. set the intercept to mean(y) (minus mean(x)^T theta when the features were only
       centred, not standardised).

    Because the centred columns are orthogonal to the column of ones, this is the same
    as minimising the cost with an explicit, unpenalised intercept. It equals
    scikit-learn's estimators with ``fit_intercept=True`` fitted on the same features.
    """
    X, y = _check_xy(X, y)
    if method not in FIT_METHODS:
        raise ValueError(f"method must be one of {FIT_METHODS}, got {method!r}")
    check_scalar(lam, "lam", minimum=0.0)
    check_bool(standardize, "standardize")
    if method == "ols" and lam != 0.0:
        raise ValueError(f"lam must be 0 for method='ols' (OLS has no penalty), got {lam}")
    scaler = fit_scaler(X, with_std=standardize)
    Xc = scale(X, scaler)
    y_mean = float(y.mean())
    yc = y - y_mean
    if method == "ols":
        theta = ols_fit(Xc, yc, **solver_options)
    elif method == "ridge":
        theta = ridge_fit(Xc, yc, lam, **solver_options)
    else:
        theta = lasso_fit(Xc, yc, lam, **solver_options)
    if standardize:
        return LinearModel(theta=theta, intercept=y_mean, scaler=scaler)
    return LinearModel(theta=theta, intercept=y_mean - float(scaler.mean @ theta), scaler=None)


# --------------------------------------------------------------------------- uncertainty of OLS


@dataclass(frozen=True)
class ConfidenceIntervals:
    """OLS parameters with standard errors and confidence intervals (:func:`ols_confidence`)."""

    theta: np.ndarray
    stderr: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    sigma2_hat: float
    level: float


def ols_confidence(X, y, level: float = 0.95) -> ConfidenceIntervals:
    r"""OLS parameters with their standard errors and ``level`` confidence intervals (chapter "Regression").

    For ``y = X theta* + eps`` with independent noise of variance sigma^2 and a fixed design of
    full column rank p, theta_hat = (X^T X)^{-1} X^T y is unbiased with

        Cov(theta_hat) = sigma^2 (X^T X)^{-1},

    and sigma^2 is estimated without bias by sigma2_hat = ||y - X theta_hat||^2 / (n - p). With
    Gaussian noise (theta_hat_j - theta*_j) / se_j follows Student's t with n - p degrees of
    freedom, se_j = sqrt(sigma2_hat [(X^T X)^{-1}]_jj), so theta_hat_j +- t_{n-p, (1+level)/2} se_j
    covers theta*_j with probability ``level``. ``X`` is used as given (add a column of ones
    for an intercept).
    """
    from scipy import stats

    X, y = _check_xy(X, y)
    level = check_scalar(level, "level", minimum=0.0, maximum=1.0, include_min=False, include_max=False)
    n, p = X.shape
    if n <= p:
        raise ValueError(f"X must have more rows than columns to estimate the noise, got {n} x {p}")
    if np.linalg.matrix_rank(X) < p:
        raise ValueError("X must have independent columns (full column rank)")
    xtx_inv = np.linalg.inv(X.T @ X)
    theta = xtx_inv @ (X.T @ y)
    sigma2_hat = float(np.sum((y - X @ theta) ** 2) / (n - p))
    stderr = np.sqrt(sigma2_hat * np.diag(xtx_inv))
    t = float(stats.t.ppf(0.5 + level / 2, df=n - p))
    return ConfidenceIntervals(
        theta, stderr, theta - t * stderr, theta + t * stderr, sigma2_hat, float(level)
    )


# --------------------------------------------------------------------------- the Ising couplings


def ising_chain_energies(spins, coupling: float = 1.0) -> np.ndarray:
    r"""Energies E = -J sum_j s_j s_{j+1} of periodic one-dimensional Ising chains (rows of ``spins``).

    The regression target of Mehta et al.'s coupling problem (chapter "Regression").
    """
    s = as_float_array(spins, "spins", ndim=2, nonempty=True)
    if not np.all(np.abs(s) == 1.0):
        raise ValueError("spins must be +1 or -1")
    coupling = check_scalar(coupling, "coupling")
    return -coupling * np.sum(s * np.roll(s, -1, axis=1), axis=1)


def pair_features(spins) -> np.ndarray:
    r"""All products s_i s_j of a configuration, row by row: the design matrix of the model
    E = sum_{ij} J_ij s_i s_j with L^2 unknown couplings J_ij (chapter "Regression").
    """
    s = as_float_array(spins, "spins", ndim=2, nonempty=True)
    return (s[:, :, None] * s[:, None, :]).reshape(len(s), -1)
