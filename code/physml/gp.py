r"""Gaussian-process regression with a Cholesky solve.

Used in the chapter "Gaussian processes and kernel regression" (``chapters/gp.md``).

A Gaussian process with covariance function (kernel) :math:`k` and Gaussian noise of
variance :math:`\sigma_n^2` gives, for training inputs :math:`\boldsymbol X` (n x d),
targets :math:`\boldsymbol y` and the matrix :math:`\boldsymbol K_y = k(\boldsymbol X,
\boldsymbol X) + \sigma_n^2 \boldsymbol I = \boldsymbol L \boldsymbol L^T`,

* posterior mean  :math:`m(\boldsymbol x_*) = \boldsymbol k_*^T \boldsymbol\alpha`,
  :math:`\boldsymbol\alpha = \boldsymbol K_y^{-1}\boldsymbol y`;
* posterior variance :math:`s^2(\boldsymbol x_*) = k(\boldsymbol x_*, \boldsymbol x_*) -
  \boldsymbol v^T\boldsymbol v`, :math:`\boldsymbol v = \boldsymbol L^{-1}\boldsymbol k_*`;
* log marginal likelihood :math:`\ln p(\boldsymbol y) = -\frac12 \boldsymbol y^T
  \boldsymbol\alpha - \sum_i \ln L_{ii} - \frac n2 \ln 2\pi`.

The kernels are isotropic, with a signal variance ``variance`` and a ``length_scale``;
their hyperparameters are handled as logarithms (``log_params``), which keeps them
positive during the optimisation. ``to_sklearn()`` returns the equal scikit-learn kernel,
``ConstantKernel(variance) * RBF(length_scale)`` or ``... * Matern(length_scale, nu)``.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg
import scipy.optimize
import scipy.special
from scipy.spatial.distance import cdist

from ._validate import (
    ConvergenceError,
    NotFittedError,
    as_float_array,
    as_rng,
    check_bool,
    check_callable,
    check_int,
    check_same_length,
    check_scalar,
    check_string,
)

MATERN_NUS = (0.5, 1.5, 2.5)


class NotPositiveDefiniteError(ValueError):
    """The kernel matrix of the training inputs could not be Cholesky-factorised."""


def _as_inputs(X, name: str) -> np.ndarray:
    """Inputs as an (n, d) float array; a 1-D array is read as n points in one dimension."""
    X = as_float_array(X, name, ndim=(1, 2))
    if X.ndim == 1:
        X = X[:, None]
    if X.shape[0] < 1:
        raise ValueError(f"{name} must contain at least one point, got shape {X.shape}")
    return X


def _check_kernel(kernel, name: str = "kernel"):
    if not isinstance(kernel, RBF):
        raise TypeError(
            f"{name} must be a physml.gp kernel (RBF, Matern or ARDRBF), got {type(kernel).__name__}"
        )
    return kernel


def _log_params(log_params) -> tuple[float, float]:
    """``(variance, length_scale)`` from ``[ln variance, ln length_scale]``, checked."""
    log_params = as_float_array(log_params, "log_params", ndim=1)
    if log_params.size != 2:
        raise ValueError(
            f"log_params must hold [ln variance, ln length_scale], got {log_params.size} entries"
        )
    with np.errstate(over="ignore"):
        variance, length_scale = np.exp(log_params)
    if not (np.isfinite(variance) and np.isfinite(length_scale) and variance > 0 and length_scale > 0):
        raise ValueError(f"log_params {log_params.tolist()} give a variance or length scale out of range")
    return float(variance), float(length_scale)


# --------------------------------------------------------------------------- kernels


@dataclass(frozen=True)
class RBF:
    r"""Squared-exponential kernel :math:`k(\boldsymbol x, \boldsymbol x') = \sigma_f^2
    \exp\left(-\frac{r^2}{2\ell^2}\right)`, :math:`r = \lVert\boldsymbol x - \boldsymbol x'\rVert`.

    ``variance`` is :math:`\sigma_f^2`, ``length_scale`` is :math:`\ell`. Its samples are
    infinitely differentiable functions.
    """

    length_scale: float = 1.0
    variance: float = 1.0

    def __post_init__(self):
        check_scalar(self.length_scale, "length_scale", minimum=0.0, include_min=False)
        check_scalar(self.variance, "variance", minimum=0.0, include_min=False)

    @property
    def log_params(self) -> np.ndarray:
        """``[ln variance, ln length_scale]``."""
        return np.log([self.variance, self.length_scale])

    def with_log_params(self, log_params) -> RBF:
        variance, length_scale = _log_params(log_params)
        return type(self)(length_scale=length_scale, variance=variance)

    def _shape(self, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The kernel divided by the variance, and its derivative with respect to ln length_scale."""
        k = np.exp(-0.5 * a**2)
        return k, k * a**2

    def __call__(self, X1, X2=None) -> np.ndarray:
        """The kernel matrix :math:`K_{ij} = k(\\boldsymbol x_i, \\boldsymbol x'_j)`."""
        X1 = _as_inputs(X1, "X1")
        X2 = X1 if X2 is None else _as_inputs(X2, "X2")
        if X1.shape[1] != X2.shape[1]:
            raise ValueError(
                f"X1 and X2 must have the same number of features, got {X1.shape[1]} and {X2.shape[1]}"
            )
        a = cdist(X1 / self.length_scale, X2 / self.length_scale)
        return self.variance * self._shape(a)[0]

    def gradient(self, X) -> np.ndarray:
        r"""Derivatives :math:`\partial \boldsymbol K / \partial \ln\theta_j` at the training
        inputs, shape (2, n, n), in the order of ``log_params``."""
        X = _as_inputs(X, "X")
        a = cdist(X / self.length_scale, X / self.length_scale)
        k, dk = self._shape(a)
        return np.stack([self.variance * k, self.variance * dk])

    def to_sklearn(self):
        from sklearn.gaussian_process.kernels import RBF as SkRBF
        from sklearn.gaussian_process.kernels import ConstantKernel

        return ConstantKernel(self.variance, "fixed") * SkRBF(self.length_scale, "fixed")


@dataclass(frozen=True)
class Matern(RBF):
    r"""Matérn kernel with smoothness :math:`\nu \in \{1/2, 3/2, 5/2\}`; with
    :math:`a = \sqrt{2\nu}\, r/\ell`,

    .. math::

        k_{1/2} = \sigma_f^2 e^{-a},\quad
        k_{3/2} = \sigma_f^2 (1 + a) e^{-a},\quad
        k_{5/2} = \sigma_f^2 \left(1 + a + \tfrac{a^2}{3}\right) e^{-a}.

    Its samples are :math:`\lceil\nu\rceil - 1` times differentiable; ``nu = 1/2`` is the
    Ornstein–Uhlenbeck process.
    """

    nu: float = 2.5

    def __post_init__(self):
        super().__post_init__()
        if self.nu not in MATERN_NUS:
            raise ValueError(f"nu must be one of {MATERN_NUS}, got {self.nu!r}")

    def with_log_params(self, log_params) -> Matern:
        variance, length_scale = _log_params(log_params)
        return type(self)(length_scale=length_scale, variance=variance, nu=self.nu)

    def _shape(self, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = math.sqrt(2 * self.nu) * a
        e = np.exp(-a)
        if self.nu == 0.5:
            return e, a * e
        if self.nu == 1.5:
            return (1 + a) * e, a**2 * e
        return (1 + a + a**2 / 3) * e, a**2 * (1 + a) / 3 * e

    def to_sklearn(self):
        from sklearn.gaussian_process.kernels import ConstantKernel
        from sklearn.gaussian_process.kernels import Matern as SkMatern

        return ConstantKernel(self.variance, "fixed") * SkMatern(self.length_scale, "fixed", nu=self.nu)


@dataclass(frozen=True)
class ARDRBF(RBF):
    r"""Squared-exponential kernel with one length scale per input dimension (automatic
    relevance determination, ARD),

    .. math::

        k(\boldsymbol x, \boldsymbol x') = \sigma_f^2 \exp\left(-\frac12\sum_{d=1}^{D}
        \frac{(x_d - x'_d)^2}{\ell_d^2}\right).

    ``length_scale`` holds :math:`(\ell_1, \dots, \ell_D)`. An input on which the function
    does not depend gets a long :math:`\ell_d` when the hyperparameters are fitted: the
    kernel then ignores it. Used in the section on ARD of ``chapters/gp.md``.
    """

    length_scale: tuple = (1.0,)
    variance: float = 1.0

    def __post_init__(self):
        if isinstance(self.length_scale, (str, bytes)) or self.length_scale is None:
            raise TypeError(
                f"length_scale must be a sequence of positive numbers, got {type(self.length_scale).__name__}"
            )
        ell = as_float_array(np.atleast_1d(self.length_scale), "length_scale", ndim=1, nonempty=True)
        if np.any(ell <= 0):
            raise ValueError(f"length_scale must be positive in every dimension, got {ell.tolist()}")
        object.__setattr__(self, "length_scale", tuple(float(v) for v in ell))
        check_scalar(self.variance, "variance", minimum=0.0, include_min=False)

    @property
    def n_dims(self) -> int:
        return len(self.length_scale)

    @property
    def log_params(self) -> np.ndarray:
        """``[ln variance, ln length_scale_1, ..., ln length_scale_D]``."""
        return np.log([self.variance, *self.length_scale])

    def with_log_params(self, log_params) -> ARDRBF:
        log_params = as_float_array(log_params, "log_params", ndim=1)
        if log_params.size != 1 + self.n_dims:
            raise ValueError(
                f"log_params must hold [ln variance, ln length_scale_1..{self.n_dims}], "
                f"got {log_params.size} entries"
            )
        with np.errstate(over="ignore"):
            values = np.exp(log_params)
        if not np.all(np.isfinite(values) & (values > 0)):
            raise ValueError(f"log_params {log_params.tolist()} give a variance or length scale out of range")
        return type(self)(length_scale=tuple(values[1:]), variance=float(values[0]))

    def _scaled(self, X, name: str) -> np.ndarray:
        X = _as_inputs(X, name)
        if X.shape[1] != self.n_dims:
            raise ValueError(
                f"{name} must have {self.n_dims} features (one per length scale), got {X.shape[1]}"
            )
        return X / np.asarray(self.length_scale)

    def __call__(self, X1, X2=None) -> np.ndarray:
        """The kernel matrix :math:`K_{ij} = k(\\boldsymbol x_i, \\boldsymbol x'_j)`."""
        A = self._scaled(X1, "X1")
        B = A if X2 is None else self._scaled(X2, "X2")
        return self.variance * np.exp(-0.5 * cdist(A, B, "sqeuclidean"))

    def gradient(self, X) -> np.ndarray:
        r"""Derivatives :math:`\partial \boldsymbol K / \partial \ln\theta_j`, shape (1 + D, n, n):
        :math:`\boldsymbol K` itself, then :math:`K_{ij}(x_{id} - x_{jd})^2/\ell_d^2` for every :math:`d`."""
        A = self._scaled(X, "X")
        K = self.variance * np.exp(-0.5 * cdist(A, A, "sqeuclidean"))
        diff2 = (A[:, None, :] - A[None, :, :]) ** 2
        return np.concatenate([K[None], np.moveaxis(diff2, 2, 0) * K[None]])

    def to_sklearn(self):
        from sklearn.gaussian_process.kernels import RBF as SkRBF
        from sklearn.gaussian_process.kernels import ConstantKernel

        return ConstantKernel(self.variance, "fixed") * SkRBF(np.array(self.length_scale), "fixed")


# --------------------------------------------------------------------------- the GP


def cholesky(K: np.ndarray, name: str = "K") -> tuple[np.ndarray, bool]:
    """Cholesky factor of ``K`` (``scipy.linalg.cho_factor``, lower), with a clear error.

    Fails with :class:`NotPositiveDefiniteError` when ``K`` is not positive definite, or
    is so close to singular that a pivot :math:`L_{ii}^2` falls below
    :math:`n\\,\\epsilon_{\\mathrm M} \\max_i K_{ii}` (the solve would then amplify
    round-off by more than :math:`1/\\epsilon_{\\mathrm M}`).
    """
    check_string(name, "name")
    K = as_float_array(K, "K", ndim=2, nonempty=True)
    if K.shape[0] != K.shape[1]:
        raise ValueError(f"K ({name}) must be square, got shape {K.shape}")
    n = K.shape[0]
    hint = "add noise (a jitter of 1e-8 to 1e-6 times the kernel variance) or remove duplicate inputs"
    try:
        factor = scipy.linalg.cho_factor(K, lower=True, check_finite=False)
    except np.linalg.LinAlgError as err:
        raise NotPositiveDefiniteError(
            f"the {n}x{n} kernel matrix {name} is not positive definite ({err}); {hint}"
        ) from None
    pivots = np.diag(factor[0]) ** 2
    if pivots.min() <= n * np.finfo(float).eps * np.max(np.diag(K)):
        raise NotPositiveDefiniteError(
            f"the {n}x{n} kernel matrix {name} is singular to machine precision "
            f"(smallest Cholesky pivot {pivots.min():.2e}); {hint}"
        )
    return factor


def log_marginal_likelihood(kernel: RBF, noise: float, X, y, gradient: bool = False):
    r"""Log marginal likelihood :math:`\ln p(\boldsymbol y \mid \boldsymbol X, \boldsymbol\theta)`
    and, with ``gradient=True``, its gradient with respect to
    :math:`(\ln\sigma_f^2, \ln\ell, \ln\sigma_n^2)`,

    .. math::

        \frac{\partial \ln p}{\partial \theta_j} = \frac12 \operatorname{tr}\left[
        \left(\boldsymbol\alpha\boldsymbol\alpha^T - \boldsymbol K_y^{-1}\right)
        \frac{\partial \boldsymbol K_y}{\partial \theta_j}\right].
    """
    _check_kernel(kernel)
    X = _as_inputs(X, "X")
    y = as_float_array(y, "y", ndim=1)
    check_same_length(X, "X", y, "y")
    check_scalar(noise, "noise", minimum=0.0)
    gradient = check_bool(gradient, "gradient")
    n = X.shape[0]
    Ky = kernel(X) + noise * np.eye(n)
    factor = cholesky(Ky, "K(X, X) + noise * I")
    alpha = scipy.linalg.cho_solve(factor, y, check_finite=False)
    value = -0.5 * y @ alpha - np.sum(np.log(np.diag(factor[0]))) - 0.5 * n * math.log(2 * math.pi)
    if not gradient:
        return float(value)
    inner = np.outer(alpha, alpha) - scipy.linalg.cho_solve(factor, np.eye(n), check_finite=False)
    dK = np.concatenate([kernel.gradient(X), noise * np.eye(n)[None]])
    grad = 0.5 * np.einsum("ij,kji->k", inner, dK)
    return float(value), grad


@dataclass
class GaussianProcess:
    r"""Gaussian-process regression with kernel ``kernel`` and noise variance ``noise``.

    ``fit(X, y)`` factorises :math:`\boldsymbol K_y = \boldsymbol L\boldsymbol L^T` once;
    ``predict(X_star)`` returns the posterior mean and standard deviation of the latent
    function :math:`f(\boldsymbol x_*)` (add ``noise`` to the variance for a new
    measurement). The prior mean is zero: centre the targets first, or let
    ``fit_hyperparameters`` do it. Same numbers as scikit-learn's
    ``GaussianProcessRegressor(kernel.to_sklearn(), alpha=noise, optimizer=None)``.

    ``predict``, ``sample_posterior`` and ``log_marginal_likelihood`` before ``fit`` raise
    :class:`physml.NotFittedError` (a ``ValueError``).
    """

    kernel: RBF = field(default_factory=RBF)
    noise: float = 1e-10

    def __post_init__(self):
        _check_kernel(self.kernel)
        check_scalar(self.noise, "noise", minimum=0.0)

    def fit(self, X, y) -> GaussianProcess:
        _check_kernel(self.kernel)
        check_scalar(self.noise, "noise", minimum=0.0)
        X = _as_inputs(X, "X")
        y = as_float_array(y, "y", ndim=1)
        check_same_length(X, "X", y, "y")
        Ky = self.kernel(X) + self.noise * np.eye(X.shape[0])
        self.X_train_, self.y_train_ = X, y
        self.factor_ = cholesky(Ky, "K(X, X) + noise * I")
        self.alpha_ = scipy.linalg.cho_solve(self.factor_, y, check_finite=False)
        return self

    def _check_fitted(self):
        if not hasattr(self, "factor_"):
            raise NotFittedError("this GaussianProcess is not fitted yet: call fit(X, y) first")

    def predict(self, X_star, return_cov: bool = False):
        """Posterior mean and standard deviation (or, with ``return_cov``, covariance) at ``X_star``."""
        self._check_fitted()
        return_cov = check_bool(return_cov, "return_cov")
        X_star = _as_inputs(X_star, "X_star")
        if X_star.shape[1] != self.X_train_.shape[1]:
            raise ValueError(
                f"X_star must have {self.X_train_.shape[1]} features like the training inputs, "
                f"got {X_star.shape[1]}"
            )
        K_star = self.kernel(self.X_train_, X_star)
        mean = K_star.T @ self.alpha_
        v = scipy.linalg.solve_triangular(self.factor_[0], K_star, lower=True, check_finite=False)
        if return_cov:
            return mean, self.kernel(X_star) - v.T @ v
        var = self.kernel.variance - np.sum(v**2, axis=0)
        return mean, np.sqrt(np.clip(var, 0.0, None))

    def sample_posterior(self, X_star, n_samples: int, seed, jitter: float = 1e-10) -> np.ndarray:
        """``n_samples`` functions drawn from the posterior at ``X_star``, shape (n_samples, len(X_star))."""
        self._check_fitted()
        check_int(n_samples, "n_samples", minimum=1)
        check_scalar(jitter, "jitter", minimum=0.0)
        mean, cov = self.predict(X_star, return_cov=True)
        L = cholesky(
            cov + jitter * self.kernel.variance * np.eye(len(mean)), "posterior covariance + jitter"
        )[0]
        z = as_rng(seed).standard_normal((len(mean), n_samples))
        return (mean[:, None] + np.tril(L) @ z).T

    def log_marginal_likelihood(self) -> float:
        """:math:`\\ln p(\\boldsymbol y\\mid\\boldsymbol X)` of the fitted data and hyperparameters."""
        self._check_fitted()
        n = len(self.y_train_)
        return float(
            -0.5 * self.y_train_ @ self.alpha_
            - np.sum(np.log(np.diag(self.factor_[0])))
            - 0.5 * n * math.log(2 * math.pi)
        )


def sample_prior(kernel: RBF, X, n_samples: int, seed, jitter: float = 1e-10) -> np.ndarray:
    """``n_samples`` functions drawn from the GP prior at ``X``, shape (n_samples, len(X))."""
    _check_kernel(kernel)
    check_int(n_samples, "n_samples", minimum=1)
    check_scalar(jitter, "jitter", minimum=0.0)
    X = _as_inputs(X, "X")
    K = kernel(X) + jitter * kernel.variance * np.eye(X.shape[0])
    L = np.tril(cholesky(K, "K(X, X) + jitter * I")[0])
    return (L @ as_rng(seed).standard_normal((X.shape[0], n_samples))).T


@dataclass(frozen=True)
class HyperparameterFit:
    """Result of :func:`fit_hyperparameters`: the fitted GP and the optimiser's history.

    ``history`` holds :math:`-\\ln p(\\boldsymbol y)` after each iteration of the best start;
    ``starts`` the final value of every start.
    """

    gp: GaussianProcess
    log_marginal_likelihood: float
    history: np.ndarray
    starts: np.ndarray
    optima: np.ndarray | None = None  # the final log-hyperparameters of every start, one row each


def fit_hyperparameters(
    kernel: RBF,
    X,
    y,
    noise: float | None = None,
    n_starts: int = 5,
    seed=0,
    log_bounds=((-5.0, 5.0), (-5.0, 5.0), (-18.0, 2.0)),
) -> HyperparameterFit:
    r"""Maximise :math:`\ln p(\boldsymbol y\mid\boldsymbol X,\boldsymbol\theta)` over
    :math:`\boldsymbol\theta = (\ln\sigma_f^2, \ln\ell, \ln\sigma_n^2)` with L-BFGS-B
    (``scipy.optimize.minimize`` with the analytic gradient), from ``kernel``'s own values
    and ``n_starts - 1`` random starts drawn uniformly inside ``log_bounds``; the best
    optimum wins. With ``noise`` given, the noise variance stays fixed at that value. For an
    :class:`ARDRBF` kernel the length-scale bounds apply to every input dimension.
    """
    _check_kernel(kernel)
    X = _as_inputs(X, "X")
    y = as_float_array(y, "y", ndim=1)
    check_same_length(X, "X", y, "y")
    n_starts = check_int(n_starts, "n_starts", minimum=1)
    bounds = as_float_array(log_bounds, "log_bounds", ndim=2)
    if bounds.shape != (3, 2):
        raise ValueError(
            "log_bounds must be 3 (low, high) pairs for ln variance, ln length_scale and ln noise, "
            f"got shape {bounds.shape}"
        )
    if np.any(bounds[:, 0] >= bounds[:, 1]):
        raise ValueError(f"log_bounds must have low < high in every row, got {bounds.tolist()}")
    n_kernel = kernel.log_params.size  # 2, or 1 + d for an ARD kernel
    bounds = np.vstack([bounds[:1], np.repeat(bounds[1:2], n_kernel - 1, axis=0), bounds[2:]])
    fixed = noise is not None
    if fixed:
        check_scalar(noise, "noise", minimum=0.0)
        bounds = bounds[:n_kernel]
    rng = as_rng(seed)

    def cost(theta):
        k = kernel.with_log_params(theta[:n_kernel])
        s2 = noise if fixed else float(np.exp(theta[n_kernel]))
        try:
            value, grad = log_marginal_likelihood(k, s2, X, y, gradient=True)
        except NotPositiveDefiniteError:
            return 1e25, np.zeros_like(theta)  # a wall: the optimiser steps back
        return -value, -grad[: len(theta)]

    first = kernel.log_params if fixed else np.append(kernel.log_params, math.log(1e-2 * np.var(y) + 1e-12))
    starts = [np.clip(first, bounds[:, 0], bounds[:, 1])]
    starts += [rng.uniform(bounds[:, 0], bounds[:, 1]) for _ in range(n_starts - 1)]
    best, best_history, finals, optima = None, None, [], []
    for theta0 in starts:
        history: list[float] = []

        def record(xk, history=history):
            history.append(cost(xk)[0])

        res = scipy.optimize.minimize(
            cost,
            theta0,
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            callback=record,
        )
        finals.append(res.fun)
        optima.append(res.x)
        if best is None or res.fun < best.fun:
            best, best_history = res, [cost(theta0)[0], *history]
    k = kernel.with_log_params(best.x[:n_kernel])
    s2 = noise if fixed else float(np.exp(best.x[n_kernel]))
    gp = GaussianProcess(k, s2).fit(X, y)
    return HyperparameterFit(
        gp, gp.log_marginal_likelihood(), np.asarray(best_history), np.asarray(finals), np.asarray(optima)
    )


# --------------------------------------------------------------------------- Bayesian optimisation


def expected_improvement(mean, std, best: float, xi: float = 0.0) -> np.ndarray:
    r"""Expected improvement below ``best`` (minimisation) of a Gaussian prediction,

    .. math::

        \mathrm{EI}(\boldsymbol x) = \mathbb E\left[\max(f_{\min} - \xi - f, 0)\right]
        = (f_{\min} - \xi - m)\,\Phi(z) + s\,\varphi(z), \qquad z = \frac{f_{\min} - \xi - m}{s},

    with :math:`m`, :math:`s` the posterior mean and standard deviation, :math:`\Phi` and
    :math:`\varphi` the standard normal distribution and density; where :math:`s = 0` it is
    :math:`\max(f_{\min} - \xi - m, 0)`. Derived in the section on Bayesian optimisation of
    ``chapters/gp.md``.
    """
    mean = as_float_array(mean, "mean", ndim=1, nonempty=True)
    std = as_float_array(std, "std", ndim=1, nonempty=True)
    check_same_length(mean, "mean", std, "std")
    if np.any(std < 0):
        raise ValueError("std must be non-negative")
    check_scalar(best, "best")
    check_scalar(xi, "xi", minimum=0.0)
    gain = best - xi - mean
    safe = np.where(std > 0, std, 1.0)
    z = gain / safe
    ei = gain * scipy.special.ndtr(z) + std * np.exp(-0.5 * z**2) / math.sqrt(2 * math.pi)
    return np.where(std > 0, ei, np.maximum(gain, 0.0))


@dataclass(frozen=True)
class BayesOptResult:
    """Result of :func:`bayes_opt`: every evaluated point and value, in order, and the best one.

    ``best_so_far[i]`` is the lowest value among the first ``i + 1`` evaluations.
    """

    X: np.ndarray
    y: np.ndarray
    best_so_far: np.ndarray
    x_best: np.ndarray
    y_best: float
    n_init: int


def _check_box(bounds) -> np.ndarray:
    bounds = as_float_array(bounds, "bounds", ndim=2, nonempty=True)
    if bounds.shape[1] != 2:
        raise ValueError(f"bounds must be one (low, high) pair per dimension, got shape {bounds.shape}")
    if np.any(bounds[:, 0] >= bounds[:, 1]):
        raise ValueError(f"bounds must have low < high in every row, got {bounds.tolist()}")
    return bounds


def bayes_opt(
    f,
    bounds,
    n_init: int,
    n_iter: int,
    seed,
    *,
    xi: float = 0.01,
    n_candidates: int = 2000,
    n_starts: int = 1,
) -> BayesOptResult:
    r"""Minimise ``f`` over the box ``bounds`` by Bayesian optimisation with expected improvement.

    ``n_init`` points uniformly at random in the box (the same first draws as a random search
    with the same seed), then ``n_iter`` times: fit a GP with a Matérn 5/2 kernel to the
    standardised values on the box scaled to the unit cube (hyperparameters by maximum
    marginal likelihood, ``n_starts`` starts, the first from the previous fit; a noise variance
    of :math:`10^{-6}` as jitter),
    and evaluate ``f`` next where :func:`expected_improvement` with margin ``xi`` (in units of
    the values' standard deviation) is largest among ``n_candidates`` points: uniform ones, and
    a quarter of them scattered around the best point so far. ``f`` takes one point (a 1-D
    array) and returns a finite number. Used in ``chapters/gp.md``.
    """
    check_callable(f, "f", "a function of one point returning a number")
    bounds = _check_box(bounds)
    n_init = check_int(n_init, "n_init", minimum=2)
    n_iter = check_int(n_iter, "n_iter", minimum=0)
    xi = check_scalar(xi, "xi", minimum=0.0)
    n_candidates = check_int(n_candidates, "n_candidates", minimum=1)
    n_starts = check_int(n_starts, "n_starts", minimum=1)
    rng = as_rng(seed)
    lo, width = bounds[:, 0], bounds[:, 1] - bounds[:, 0]
    d = bounds.shape[0]

    def evaluate(u):
        x = lo + u * width
        value = f(x)
        if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.ndarray)):
            raise TypeError(f"f must return a real number, got {type(value).__name__}")
        value = float(np.asarray(value, dtype=float).reshape(-1)[0])
        if not np.isfinite(value):
            raise ValueError(f"f returned a non-finite value {value} at {x.tolist()}")
        return value

    U = rng.uniform(size=(n_init, d))
    y = [evaluate(u) for u in U]
    kernel = Matern(length_scale=0.3, nu=2.5)
    for _ in range(n_iter):
        values = np.asarray(y)
        scale = values.std() if values.std() > 0 else 1.0
        ys = (values - values.mean()) / scale
        model = fit_hyperparameters(kernel, U, ys, noise=1e-6, n_starts=n_starts, seed=rng).gp
        kernel = model.kernel  # warm start of the next fit
        n_local = n_candidates // 4
        local = U[np.argmin(ys)] + 0.05 * rng.standard_normal((n_local, d))
        cand = np.vstack([rng.uniform(size=(n_candidates - n_local, d)), np.clip(local, 0.0, 1.0)])
        mean, std = model.predict(cand)
        ei = expected_improvement(mean, std, float(ys.min()), xi)
        u_next = cand[int(np.argmax(ei))]
        U = np.vstack([U, u_next])
        y.append(evaluate(u_next))
    y = np.asarray(y)
    i = int(np.argmin(y))
    X = lo + U * width
    return BayesOptResult(X, y, np.minimum.accumulate(y), X[i], float(y[i]), n_init)


# --------------------------------------------------------------------------- GP classification

_HERMITE = np.polynomial.hermite.hermgauss(64)


def _sigmoid(f):
    return 0.5 * (1.0 + np.tanh(0.5 * f))


@dataclass
class LaplaceGPClassifier:
    r"""Binary GP classification with a logistic likelihood and the Laplace approximation.

    Labels :math:`y_i\in\{0, 1\}`, :math:`p(y_i = 1 \mid f_i) = \sigma(f_i)`. ``fit`` finds the
    mode :math:`\hat{\boldsymbol f}` of :math:`p(\boldsymbol f\mid\boldsymbol y)` by Newton's
    method (Rasmussen & Williams, Algorithm 3.1),

    .. math::

        \boldsymbol f \leftarrow \boldsymbol K\left[\boldsymbol b - \boldsymbol W^{1/2}\boldsymbol B^{-1}
        \boldsymbol W^{1/2}\boldsymbol K\boldsymbol b\right],\quad
        \boldsymbol b = \boldsymbol W\boldsymbol f + \boldsymbol y - \boldsymbol\pi,\quad
        \boldsymbol B = \boldsymbol I + \boldsymbol W^{1/2}\boldsymbol K\boldsymbol W^{1/2},

    with :math:`\pi_i = \sigma(f_i)` and :math:`W_{ii} = \pi_i(1-\pi_i)`, until the approximate
    log marginal likelihood
    :math:`\ln q(\boldsymbol y) = -\frac12\hat{\boldsymbol f}^T\boldsymbol K^{-1}\hat{\boldsymbol f}
    + \sum_i\ln p(y_i\mid\hat f_i) - \frac12\ln\det\boldsymbol B` changes by less than ``tol``.
    ``latent`` gives the Gaussian approximation of :math:`f_*`: mean
    :math:`\boldsymbol k_*^T(\boldsymbol y - \hat{\boldsymbol\pi})`, variance
    :math:`k_{**} - \boldsymbol k_*^T\boldsymbol W^{1/2}\boldsymbol B^{-1}\boldsymbol W^{1/2}\boldsymbol k_*`;
    ``predict_proba`` the averaged probability :math:`\int\sigma(f)\,\mathcal N(f\mid m, s^2)\,df`
    by 64-point Gauss–Hermite quadrature. The kernel is fixed. Used in ``chapters/gp.md``.
    More than ``max_iter`` Newton steps: :class:`physml.ConvergenceError`; methods before
    ``fit``: :class:`physml.NotFittedError`.
    """

    kernel: RBF = field(default_factory=RBF)
    max_iter: int = 100
    tol: float = 1e-12

    def __post_init__(self):
        _check_kernel(self.kernel)
        check_int(self.max_iter, "max_iter", minimum=1)
        check_scalar(self.tol, "tol", minimum=0.0, include_min=False)

    def fit(self, X, y) -> LaplaceGPClassifier:
        _check_kernel(self.kernel)
        X = _as_inputs(X, "X")
        y = as_float_array(y, "y", ndim=1)
        check_same_length(X, "X", y, "y")
        if not np.all((y == 0) | (y == 1)):
            raise ValueError("y must hold the labels 0 and 1 only")
        K = self.kernel(X)
        n = len(y)
        f = np.zeros(n)
        lml = -np.inf
        for _ in range(self.max_iter):
            pi = _sigmoid(f)
            W_sr = np.sqrt(pi * (1 - pi))
            B = np.eye(n) + W_sr[:, None] * K * W_sr[None, :]
            L = scipy.linalg.cholesky(B, lower=True)
            b = W_sr**2 * f + (y - pi)
            a = b - W_sr * scipy.linalg.cho_solve((L, True), W_sr * (K @ b))
            f = K @ a
            new = float(
                -0.5 * a @ f - np.sum(np.logaddexp(0.0, -(2 * y - 1) * f)) - np.sum(np.log(np.diag(L)))
            )
            if abs(new - lml) < self.tol:
                lml = new
                break
            lml = new
        else:
            raise ConvergenceError(
                f"Newton's method for the Laplace mode did not converge in max_iter={self.max_iter} steps"
            )
        pi = _sigmoid(f)
        W_sr = np.sqrt(pi * (1 - pi))
        B = np.eye(n) + W_sr[:, None] * K * W_sr[None, :]
        self.X_train_, self.y_train_, self.f_hat_ = X, y, f
        self.pi_hat_, self.W_sr_ = pi, W_sr
        self.L_ = scipy.linalg.cholesky(B, lower=True)
        # at the mode K^{-1} f = y - pi, so -f^T K^{-1} f / 2 = -(y - pi)^T f / 2
        self.log_marginal_likelihood_ = float(
            -0.5 * (y - pi) @ f
            - np.sum(np.logaddexp(0.0, -(2 * y - 1) * f))
            - np.sum(np.log(np.diag(self.L_)))
        )
        return self

    def _check_fitted(self):
        if not hasattr(self, "f_hat_"):
            raise NotFittedError("this LaplaceGPClassifier is not fitted yet: call fit(X, y) first")

    def latent(self, X_star) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of the Gaussian approximation of the latent :math:`f_*` at ``X_star``."""
        self._check_fitted()
        X_star = _as_inputs(X_star, "X_star")
        if X_star.shape[1] != self.X_train_.shape[1]:
            raise ValueError(
                f"X_star must have {self.X_train_.shape[1]} features like the training inputs, "
                f"got {X_star.shape[1]}"
            )
        K_star = self.kernel(self.X_train_, X_star)
        mean = K_star.T @ (self.y_train_ - self.pi_hat_)
        v = scipy.linalg.solve_triangular(self.L_, self.W_sr_[:, None] * K_star, lower=True)
        var = self.kernel.variance - np.sum(v**2, axis=0)
        return mean, np.clip(var, 0.0, None)

    def predict_proba(self, X_star) -> np.ndarray:
        r""":math:`p(y_* = 1) = \int\sigma(f)\,\mathcal N(f\mid m, s^2)\,df` at ``X_star`` (Gauss–Hermite)."""
        mean, var = self.latent(X_star)
        nodes, weights = _HERMITE
        f = mean[:, None] + np.sqrt(2 * var)[:, None] * nodes[None, :]
        return _sigmoid(f) @ weights / math.sqrt(math.pi)
