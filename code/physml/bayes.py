r"""Bayesian statistics: conjugate posteriors, Bayesian linear regression, Metropolis–Hastings.

Used in the chapter "Bayesian statistics" (``chapters/bayes.md``).

Bayesian linear regression with prior :math:`\boldsymbol\theta \sim \mathcal N(\boldsymbol 0,
\tau^2\boldsymbol I)` and noise :math:`\epsilon_i \sim \mathcal N(0, \sigma^2)` has the
posterior :math:`\mathcal N(\boldsymbol m, \boldsymbol S)` with

.. math::

    \boldsymbol S = \left(\frac{\boldsymbol X^T\boldsymbol X}{\sigma^2}
        + \frac{\boldsymbol I}{\tau^2}\right)^{-1},
    \qquad \boldsymbol m = \frac{1}{\sigma^2}\boldsymbol S\boldsymbol X^T\boldsymbol y,

whose mean is the Ridge solution of ``physml.regression.ridge_fit`` (cost
:math:`\frac1n\lVert\boldsymbol y - \boldsymbol X\boldsymbol\theta\rVert^2
+ \lambda\lVert\boldsymbol\theta\rVert^2`)
with :math:`\lambda = \sigma^2/(n\tau^2)`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.stats

from . import stats
from ._validate import as_float_array, as_rng, check_callable, check_int, check_same_length, check_scalar

# --------------------------------------------------------------------------- conjugate pairs


def beta_binomial_posterior(k: int, n: int, a: float = 1.0, b: float = 1.0) -> tuple[float, float]:
    r"""Posterior :math:`\mathrm{Beta}(a + k, b + n - k)` of a success probability after ``k``
    successes in ``n`` trials, from the prior :math:`\mathrm{Beta}(a, b)`."""
    n = check_int(n, "n", minimum=0)
    k = check_int(k, "k", minimum=0, maximum=n)
    check_scalar(a, "a", minimum=0.0, include_min=False)
    check_scalar(b, "b", minimum=0.0, include_min=False)
    return float(a + k), float(b + n - k)


def normal_normal_posterior(x, sigma: float, mu0: float, tau0: float) -> tuple[float, float]:
    r"""Posterior mean and standard deviation of the mean :math:`\mu` of Gaussian data ``x``
    with known standard deviation :math:`\sigma`, from the prior :math:`\mathcal N(\mu_0, \tau_0^2)`:

    .. math::

        \frac{1}{\tau_n^2} = \frac{1}{\tau_0^2} + \frac{n}{\sigma^2}, \qquad
        \mu_n = \tau_n^2\left(\frac{\mu_0}{\tau_0^2} + \frac{\sum_i x_i}{\sigma^2}\right).

    The code never squares :math:`\sigma` or :math:`\tau_0` (``1e300**2`` overflows):
    :math:`1/\tau_n = \operatorname{hypot}(1/\tau_0, \sqrt n/\sigma)`, and :math:`\mu_n` is
    the average of :math:`\mu_0` and :math:`\bar x` with the weights
    :math:`(\tau_n/\tau_0)^2` and :math:`(\tau_n\sqrt n/\sigma)^2`, which add up to one.
    """
    x = as_float_array(x, "x", ndim=1, nonempty=True)
    check_scalar(sigma, "sigma", minimum=0.0, include_min=False)
    check_scalar(mu0, "mu0")
    check_scalar(tau0, "tau0", minimum=0.0, include_min=False)
    n = x.size
    tau_n = 1 / math.hypot(1 / tau0, math.sqrt(n) / sigma)
    w_prior, w_data = (tau_n / tau0) ** 2, (tau_n * math.sqrt(n) / sigma) ** 2
    mean = w_prior * mu0 + w_data * x.mean()
    return float(mean), float(tau_n)


def credible_interval(dist, level: float = 0.95) -> tuple[float, float]:
    """Equal-tailed credible interval of a frozen ``scipy.stats`` distribution."""
    check_scalar(level, "level", minimum=0.0, maximum=1.0, include_min=False, include_max=False)
    if not callable(getattr(dist, "ppf", None)):
        raise TypeError(
            f"dist must be a frozen scipy.stats distribution (with .ppf), got {type(dist).__name__}"
        )
    return float(dist.ppf((1 - level) / 2)), float(dist.ppf((1 + level) / 2))


# --------------------------------------------------------------------------- Bayesian linear regression

#: The largest float whose square is a float (about 1.3e154).
_SQRT_FLOAT_MAX = math.sqrt(np.finfo(float).max)


def _check_std(value, name: str) -> float:
    """A standard deviation whose square and inverse square are floats (7.5e-155 to 1.3e154)."""
    value = float(check_scalar(value, name, minimum=0.0, include_min=False))
    if not 1 / _SQRT_FLOAT_MAX <= value <= _SQRT_FLOAT_MAX:
        raise ValueError(
            f"{name} must be between {1 / _SQRT_FLOAT_MAX:.2g} and {_SQRT_FLOAT_MAX:.2g} "
            f"({name}**2 and 1/{name}**2 must be floats), got {value:g}"
        )
    return value


def ridge_lambda(sigma: float, tau: float, n: int) -> float:
    r"""The Ridge penalty :math:`\lambda = \sigma^2/(n\tau^2)` whose solution is the posterior mean.

    Computed as :math:`(\sigma/\tau)^2/n`, so that large :math:`\sigma` and :math:`\tau` do not
    overflow; a ratio :math:`\sigma/\tau` above :math:`1.3\times10^{154}` (whose square is not a
    float) is a ``ValueError``.
    """
    check_scalar(sigma, "sigma", minimum=0.0, include_min=False)
    check_scalar(tau, "tau", minimum=0.0, include_min=False)
    n = check_int(n, "n", minimum=1)
    ratio = sigma / tau
    if ratio > _SQRT_FLOAT_MAX:
        raise ValueError(
            f"sigma / tau = {ratio:.3g}: lambda = (sigma/tau)^2/n overflows (the ratio must be "
            f"below {_SQRT_FLOAT_MAX:.3g})"
        )
    return ratio * ratio / n


@dataclass(frozen=True)
class LinearPosterior:
    """Posterior ``N(mean, cov)`` of Bayesian linear regression and its log evidence."""

    mean: np.ndarray
    cov: np.ndarray
    log_evidence: float
    sigma: float
    tau: float

    def predict(self, X_star) -> tuple[np.ndarray, np.ndarray]:
        r"""Predictive mean :math:`\boldsymbol x_*^T\boldsymbol m` and standard deviation
        :math:`\sqrt{\boldsymbol x_*^T\boldsymbol S\boldsymbol x_* + \sigma^2}` of a new measurement."""
        X_star = as_float_array(X_star, "X_star", ndim=2, nonempty=True)
        if X_star.shape[1] != self.mean.size:
            raise ValueError(f"X_star must have {self.mean.size} columns, got {X_star.shape[1]}")
        var = np.einsum("ij,jk,ik->i", X_star, self.cov, X_star) + self.sigma**2
        return X_star @ self.mean, np.sqrt(var)


def linear_posterior(X, y, sigma: float, tau: float) -> LinearPosterior:
    r"""Posterior of :math:`\boldsymbol\theta` (module docstring) and the log evidence

    .. math::

        \ln p(\boldsymbol y) = \ln\mathcal N\left(\boldsymbol y \mid \boldsymbol 0,\;
        \sigma^2\boldsymbol I + \tau^2\boldsymbol X\boldsymbol X^T\right),

    the likelihood averaged over the prior. ``sigma`` and ``tau`` are squared, so they must
    lie between 7.5e-155 and 1.3e154.
    """
    X = as_float_array(X, "X", ndim=2)
    y = as_float_array(y, "y", ndim=1)
    check_same_length(X, "X", y, "y")
    sigma, tau = _check_std(sigma, "sigma"), _check_std(tau, "tau")
    n, p = X.shape
    precision = X.T @ X / sigma**2 + np.eye(p) / tau**2
    factor = scipy.linalg.cho_factor(precision, lower=True)
    mean = scipy.linalg.cho_solve(factor, X.T @ y / sigma**2)
    cov = scipy.linalg.cho_solve(factor, np.eye(p))
    C = sigma**2 * np.eye(n) + tau**2 * X @ X.T
    cf = scipy.linalg.cho_factor(C, lower=True)
    log_ev = (
        -0.5 * y @ scipy.linalg.cho_solve(cf, y)
        - np.sum(np.log(np.diag(cf[0])))
        - 0.5 * n * math.log(2 * math.pi)
    )
    return LinearPosterior(mean, cov, float(log_ev), float(sigma), float(tau))


def model_weights(log_evidences) -> np.ndarray:
    r"""Posterior model probabilities :math:`p(M_k\mid\boldsymbol y) \propto p(\boldsymbol y\mid M_k)`
    for equal prior probabilities (a softmax of the log evidences)."""
    log_ev = as_float_array(log_evidences, "log_evidences", ndim=1)
    if log_ev.size == 0:
        raise ValueError("log_evidences must not be empty")
    w = np.exp(log_ev - log_ev.max())
    return w / w.sum()


def bma_predict(means, stds, weights) -> tuple[np.ndarray, np.ndarray]:
    r"""Mean and standard deviation of the model-averaged predictive mixture
    :math:`\sum_k w_k\,\mathcal N(\mu_k, s_k^2)`: mean :math:`\bar\mu = \sum_k w_k\mu_k`,
    variance :math:`\sum_k w_k (s_k^2 + \mu_k^2) - \bar\mu^2`. ``means``, ``stds``: (models, points)."""
    means = as_float_array(means, "means", ndim=2)
    stds = as_float_array(stds, "stds", ndim=2)
    weights = as_float_array(weights, "weights", ndim=1)
    if means.shape != stds.shape or weights.size != means.shape[0]:
        raise ValueError(f"means {means.shape}, stds {stds.shape} and weights {weights.shape} do not match")
    if np.any(stds < 0):
        raise ValueError("stds must be non-negative")
    if np.any(weights < 0) or not math.isclose(weights.sum(), 1.0, rel_tol=1e-9):
        raise ValueError("weights must be non-negative and sum to 1")
    mean = weights @ means
    var = weights @ (stds**2 + means**2) - mean**2
    return mean, np.sqrt(np.clip(var, 0.0, None))


# --------------------------------------------------------------------------- Metropolis–Hastings


@dataclass(frozen=True)
class MHResult:
    """Samples of :func:`metropolis_hastings`, shape (n_steps, n_chains, d), and the acceptance rate."""

    samples: np.ndarray
    acceptance: float


def metropolis_hastings(
    log_prob: Callable[[np.ndarray], np.ndarray],
    x0,
    n_steps: int,
    proposal_cov,
    seed,
    burn_in: int = 0,
) -> MHResult:
    r"""Random-walk Metropolis–Hastings, all chains at once.

    ``log_prob`` maps an (n_chains, d) array to the (unnormalised) log posterior of each
    row; ``x0`` (n_chains, d) are the starting points. Each step proposes
    :math:`\boldsymbol x' = \boldsymbol x + \boldsymbol L\boldsymbol z` with
    :math:`\boldsymbol L\boldsymbol L^T` = ``proposal_cov`` and accepts it with probability
    :math:`\min\left(1, p(\boldsymbol x')/p(\boldsymbol x)\right)` (the proposal is
    symmetric). The first ``burn_in`` steps are discarded.
    """
    check_callable(log_prob, "log_prob")
    x = as_float_array(x0, "x0", ndim=2, nonempty=True).copy()
    n_steps = check_int(n_steps, "n_steps", minimum=1)
    burn_in = check_int(burn_in, "burn_in", minimum=0)
    d = x.shape[1]
    cov = as_float_array(proposal_cov, "proposal_cov", ndim=2)
    if cov.shape != (d, d):
        raise ValueError(f"proposal_cov must have shape ({d}, {d}), got {cov.shape}")
    try:
        L = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        raise ValueError("proposal_cov must be symmetric positive definite") from None
    rng = as_rng(seed)
    lp = np.asarray(log_prob(x), dtype=float)
    if lp.shape != (x.shape[0],):
        raise ValueError(f"log_prob must return one value per chain, shape ({x.shape[0]},), got {lp.shape}")
    if not np.all(np.isfinite(lp)):
        raise ValueError("log_prob is not finite at the starting points x0")
    out = np.empty((n_steps, *x.shape))
    accepted = 0
    for step in range(burn_in + n_steps):
        proposal = x + rng.standard_normal(x.shape) @ L.T
        lp_new = np.asarray(log_prob(proposal), dtype=float)
        accept = np.log(rng.uniform(size=x.shape[0])) < lp_new - lp  # NaN proposals are rejected
        x[accept], lp[accept] = proposal[accept], lp_new[accept]
        if step >= burn_in:
            out[step - burn_in] = x
            accepted += int(accept.sum())
    return MHResult(out, accepted / (n_steps * x.shape[0]))


def gelman_rubin(chains) -> float:
    r"""Potential scale reduction :math:`\hat R` of one parameter, ``chains`` of shape (n, m):

    .. math::

        W = \frac1m\sum_j s_j^2, \quad B = \frac{n}{m-1}\sum_j(\bar x_j - \bar x)^2, \quad
        \hat R = \sqrt{\frac{\frac{n-1}{n}W + \frac1n B}{W}}.

    Close to 1 when the chains have mixed; values above about 1.01 mean run longer.
    :math:`\hat R` does not change when every value is multiplied by one number, so the
    chains are divided by their largest :math:`|x|` first: the variances of values near the
    float limit (1e300) do not overflow.
    """
    chains = as_float_array(chains, "chains", ndim=2)
    n, m = chains.shape
    if n < 2 or m < 2:
        raise ValueError(f"chains needs at least 2 steps and 2 chains, got shape {chains.shape}")
    largest = np.max(np.abs(chains))
    if largest > 0:
        chains = chains / largest
    W = chains.var(axis=0, ddof=1).mean()
    if W == 0:
        raise ValueError("chains must vary within a chain (every chain is constant: R-hat is undefined)")
    B = n * chains.mean(axis=0).var(ddof=1)
    return float(math.sqrt(((n - 1) / n * W + B / n) / W))


@dataclass(frozen=True)
class ChainSummary:
    """Posterior mean (with its blocking error), standard deviation, R-hat and effective sample size."""

    mean: float
    error: float
    std: float
    std_error: float
    rhat: float
    ess: float


def summarise(chains) -> ChainSummary:
    r"""Summary of one parameter from ``chains`` (n, m). The error of the mean combines the
    blocking errors :math:`e_j` of the independent chains, :math:`\sqrt{\sum_j e_j^2}/m`;
    the effective sample size is :math:`\hat\sigma^2/\text{error}^2`. The error of the
    standard deviation is the blocking error of the chain means of
    :math:`(x - \bar x)^2`, propagated through the square root."""
    chains = as_float_array(chains, "chains", ndim=2)
    if chains.shape[0] < 2 or chains.shape[1] < 2:
        raise ValueError(f"chains needs at least 2 steps and 2 chains, got shape {chains.shape}")
    if np.ptp(chains) == 0:
        raise ValueError("chains must vary (every sample is the same: no error can be estimated)")
    m = chains.shape[1]
    mean = float(chains.mean())
    errors = np.array([stats.blocking(chains[:, j]).error for j in range(m)])
    error = float(np.sqrt(np.sum(errors**2)) / m)
    sq = (chains - mean) ** 2
    var = float(sq.mean())
    var_error = float(np.sqrt(np.sum([stats.blocking(sq[:, j]).error ** 2 for j in range(m)])) / m)
    std = math.sqrt(var)
    return ChainSummary(mean, error, std, var_error / (2 * std), gelman_rubin(chains), var / error**2)


def gaussian_log_prob(mean, cov) -> Callable[[np.ndarray], np.ndarray]:
    """``log_prob`` of a multivariate Gaussian for :func:`metropolis_hastings` (row-wise)."""
    mean = as_float_array(mean, "mean", ndim=1, nonempty=True)
    cov = as_float_array(cov, "cov", ndim=2)
    if cov.shape != (mean.size, mean.size):
        raise ValueError(f"cov must have shape ({mean.size}, {mean.size}), got {cov.shape}")
    try:
        dist = scipy.stats.multivariate_normal(mean, cov)
    except (ValueError, np.linalg.LinAlgError):
        raise ValueError("cov must be symmetric positive semi-definite") from None
    return lambda x: np.atleast_1d(dist.logpdf(x))
