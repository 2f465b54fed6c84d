r"""Bayesian statistics: conjugate posteriors, Bayesian linear regression, Metropolis–Hastings,
Hamiltonian Monte Carlo, quadrature on a grid, the Laplace approximation and a hierarchical model.

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


# --------------------------------------------------------------------------- quadrature on a grid


@dataclass(frozen=True)
class GridPosterior:
    r"""A posterior tabulated on a tensor grid: ``points`` (G, d), normalised ``weights`` (G,)
    (:math:`\sum_g w_g f(\boldsymbol x_g) \approx \mathbb E[f]`), its ``mean``, ``cov`` and
    the log evidence :math:`\ln\int\tilde p\,d\boldsymbol x`."""

    axes: tuple
    points: np.ndarray
    weights: np.ndarray
    mean: np.ndarray
    cov: np.ndarray
    log_evidence: float

    def expect(self, f: Callable[[np.ndarray], np.ndarray]) -> float:
        r""":math:`\mathbb E[f(\boldsymbol x)] \approx \sum_g w_g f(\boldsymbol x_g)`;
        ``f`` maps (G, d) to (G,)."""
        check_callable(f, "f")
        values = np.asarray(f(self.points), dtype=float)
        if values.shape != self.weights.shape:
            raise ValueError(f"f must return one value per grid point, shape {self.weights.shape}")
        return float(self.weights @ values)


def grid_posterior(log_prob: Callable[[np.ndarray], np.ndarray], axes) -> GridPosterior:
    r"""Normalise an unnormalised posterior :math:`\tilde p` by quadrature on the tensor grid ``axes``.

    ``axes`` is a list of ``d`` increasing 1D arrays; ``log_prob`` maps (G, d) to (G,). With
    trapezoid weights :math:`c_g`, :math:`Z = \sum_g c_g\tilde p(\boldsymbol x_g)` and
    :math:`w_g = c_g\tilde p(\boldsymbol x_g)/Z`. Exact to :math:`O(h^2)` for a smooth
    density whose mass lies inside the grid (the reference of MCMC in the chapter
    "Bayesian statistics").
    """
    check_callable(log_prob, "log_prob")
    if isinstance(axes, np.ndarray) or not isinstance(axes, (list, tuple)) or not axes:
        raise TypeError("axes must be a non-empty list of 1D arrays, one per dimension")
    grids = []
    for i, ax in enumerate(axes):
        ax = as_float_array(ax, f"axes[{i}]", ndim=1)
        if ax.size < 3 or np.any(np.diff(ax) <= 0):
            raise ValueError(f"axes[{i}] must be increasing with at least 3 points")
        grids.append(ax)
    mesh = np.meshgrid(*grids, indexing="ij")
    points = np.column_stack([m.ravel() for m in mesh])
    lp = np.asarray(log_prob(points), dtype=float)
    if lp.shape != (points.shape[0],):
        raise ValueError(f"log_prob must return one value per grid point, shape ({points.shape[0]},)")
    if not np.any(np.isfinite(lp)):
        raise ValueError("log_prob is not finite anywhere on the grid")
    lp = np.where(np.isnan(lp), -np.inf, lp)
    trap = np.ones(1)
    for ax in grids:
        c = np.empty_like(ax)
        c[1:-1] = (ax[2:] - ax[:-2]) / 2
        c[0], c[-1] = (ax[1] - ax[0]) / 2, (ax[-1] - ax[-2]) / 2
        trap = np.multiply.outer(trap, c)
    c = trap.ravel()
    shift = lp.max()
    w = c * np.exp(lp - shift)
    Z = w.sum()
    w /= Z
    mean = w @ points
    centred = points - mean
    cov = (centred * w[:, None]).T @ centred
    return GridPosterior(tuple(grids), points, w, mean, cov, float(shift + math.log(Z)))


# --------------------------------------------------------------------------- Laplace approximation


@dataclass(frozen=True)
class LaplaceResult:
    """Gaussian approximation ``N(mode, cov)`` at the posterior mode and its log evidence."""

    mode: np.ndarray
    cov: np.ndarray
    log_evidence: float


def laplace_approximation(
    log_prob: Callable[[np.ndarray], np.ndarray], x0, step: float = 1e-4
) -> LaplaceResult:
    r"""Laplace approximation of a posterior :math:`\tilde p` (``log_prob`` maps (n, d) to (n,)).

    Expand :math:`\ln\tilde p` to second order at its mode :math:`\boldsymbol x^*`:
    :math:`p(\boldsymbol x\mid\boldsymbol y)\approx\mathcal N(\boldsymbol x^*, \boldsymbol H^{-1})`,
    :math:`\boldsymbol H = -\nabla\nabla\ln\tilde p(\boldsymbol x^*)`, and

    .. math:: \ln p(\boldsymbol y) \approx \ln\tilde p(\boldsymbol x^*) + \frac d2\ln 2\pi
              - \frac12\ln\det\boldsymbol H .

    The mode is found by Nelder–Mead from ``x0`` (a density that is zero outside a bounded
    support is allowed) and polished by Newton steps; :math:`\boldsymbol H` comes from central
    differences of step ``step`` (error :math:`O(h^2)`). Used in the chapter "Bayesian statistics".
    """
    import scipy.optimize

    check_callable(log_prob, "log_prob")
    x0 = as_float_array(x0, "x0", ndim=1, nonempty=True)
    step = float(check_scalar(step, "step", minimum=0.0, maximum=1.0, include_min=False))
    d = x0.size

    def f(x):
        value = np.asarray(log_prob(np.asarray(x, dtype=float)[None, :]), dtype=float)
        if value.shape != (1,):
            raise ValueError("log_prob must return one value per row of its (n, d) input")
        return float(value[0])

    if not math.isfinite(f(x0)):
        raise ValueError("log_prob is not finite at x0")

    def neg(x):
        value = f(x)
        return -value if math.isfinite(value) else math.inf  # outside the support: uphill

    E = np.eye(d) * step

    def hessian(x):
        H = np.empty((d, d))
        for i in range(d):
            for j in range(i, d):
                H[i, j] = H[j, i] = -(
                    f(x + E[i] + E[j]) - f(x + E[i] - E[j]) - f(x - E[i] + E[j]) + f(x - E[i] - E[j])
                ) / (4 * step**2)
        return H

    with np.errstate(all="ignore"):
        # Nelder-Mead tolerates -inf outside a bounded support; Newton steps then polish
        res = scipy.optimize.minimize(
            neg, x0, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 4000 * d}
        )
        mode = res.x
        for _ in range(3):
            grad = np.array([(f(mode + E[i]) - f(mode - E[i])) / (2 * step) for i in range(d)])
            H = hessian(mode)
            if not (np.all(np.isfinite(grad)) and np.all(np.isfinite(H))):
                break
            try:
                move = np.linalg.solve(H, grad)
            except np.linalg.LinAlgError:
                break
            if not math.isfinite(f(mode + move)):
                break
            mode = mode + move
        H = hessian(mode)
        f0 = f(mode)
    if not np.all(np.isfinite(H)):
        raise ValueError("log_prob is not finite around its mode: no Hessian")
    try:
        factor = np.linalg.cholesky(H)
    except np.linalg.LinAlgError:
        raise ValueError("the Hessian of -log_prob at the mode is not positive definite") from None
    cov = np.linalg.inv(H)
    log_ev = f0 + 0.5 * d * math.log(2 * math.pi) - float(np.sum(np.log(np.diag(factor))))
    return LaplaceResult(mode, 0.5 * (cov + cov.T), float(log_ev))


# --------------------------------------------------------------------------- Hamiltonian Monte Carlo


@dataclass(frozen=True)
class HMCResult:
    """Samples of :func:`hmc`, shape (n_steps, n_chains, d), acceptance rate and gradient
    evaluations per chain (burn-in included)."""

    samples: np.ndarray
    acceptance: float
    n_gradients: int


def _leapfrog(grad_log_prob, x, p, g, step_size, n_leapfrog, inv_mass):
    r"""``n_leapfrog`` leapfrog steps of
    :math:`\mathcal H = -\ln\tilde p(\boldsymbol x) + \frac12\boldsymbol p^T\boldsymbol M^{-1}\boldsymbol p`
    from ``(x, p)`` with ``g`` the gradient at ``x``: half a kick, alternating drifts and
    kicks, half a kick. Returns the end point, its momentum and its gradient."""
    p = p + 0.5 * step_size * g
    for i in range(n_leapfrog):
        x = x + step_size * p @ inv_mass
        g = grad_log_prob(x)
        p = p + (step_size if i < n_leapfrog - 1 else 0.5 * step_size) * g
    return x, p, g


def hmc(
    log_prob: Callable[[np.ndarray], np.ndarray],
    grad_log_prob: Callable[[np.ndarray], np.ndarray],
    x0,
    n_steps: int,
    step_size: float,
    n_leapfrog: int,
    seed,
    mass=None,
    burn_in: int = 0,
) -> HMCResult:
    r"""Hamiltonian Monte Carlo, all chains at once (chapter "Bayesian statistics").

    Each step draws a momentum :math:`\boldsymbol p\sim\mathcal N(\boldsymbol 0, \boldsymbol M)`
    (``mass``, identity by default), follows the Hamiltonian
    :math:`H = -\ln\tilde p(\boldsymbol x) + \frac12\boldsymbol p^T\boldsymbol M^{-1}\boldsymbol p`
    with ``n_leapfrog`` leapfrog steps of size ``step_size``,

    .. math:: \boldsymbol p \leftarrow \boldsymbol p + \tfrac\epsilon2\nabla\ln\tilde p,\quad
              \boldsymbol x \leftarrow \boldsymbol x + \epsilon\boldsymbol M^{-1}\boldsymbol p,\quad
              \boldsymbol p \leftarrow \boldsymbol p + \tfrac\epsilon2\nabla\ln\tilde p,

    and accepts the end point with probability :math:`\min(1, e^{H - H'})`. Leapfrog is
    reversible and volume preserving, so this satisfies detailed balance; its energy error
    is :math:`O(\epsilon^2)`. ``log_prob`` and ``grad_log_prob`` map (n_chains, d) to
    (n_chains,) and (n_chains, d). Costs ``n_leapfrog`` gradients per step and chain.
    """
    check_callable(log_prob, "log_prob")
    check_callable(grad_log_prob, "grad_log_prob")
    x = as_float_array(x0, "x0", ndim=2, nonempty=True).copy()
    n_steps = check_int(n_steps, "n_steps", minimum=1)
    burn_in = check_int(burn_in, "burn_in", minimum=0)
    n_leapfrog = check_int(n_leapfrog, "n_leapfrog", minimum=1)
    step_size = float(check_scalar(step_size, "step_size", minimum=0.0, maximum=1e6, include_min=False))
    n, d = x.shape
    M = np.eye(d) if mass is None else as_float_array(mass, "mass", ndim=2)
    if M.shape != (d, d):
        raise ValueError(f"mass must have shape ({d}, {d}), got {M.shape}")
    try:
        L = np.linalg.cholesky(M)
    except np.linalg.LinAlgError:
        raise ValueError("mass must be symmetric positive definite") from None
    inv_mass = np.linalg.inv(M)
    rng = as_rng(seed)
    lp = np.asarray(log_prob(x), dtype=float)
    g = np.asarray(grad_log_prob(x), dtype=float)
    if lp.shape != (n,):
        raise ValueError(f"log_prob must return one value per chain, shape ({n},), got {lp.shape}")
    if g.shape != (n, d):
        raise ValueError(f"grad_log_prob must return shape ({n}, {d}), got {g.shape}")
    if not (np.all(np.isfinite(lp)) and np.all(np.isfinite(g))):
        raise ValueError("log_prob or grad_log_prob is not finite at the starting points x0")
    out = np.empty((n_steps, n, d))
    accepted = 0
    with np.errstate(all="ignore"):  # a diverging trajectory gives inf/NaN: rejected below
        for step in range(burn_in + n_steps):
            p = rng.standard_normal((n, d)) @ L.T
            h_old = -lp + 0.5 * np.einsum("ij,jk,ik->i", p, inv_mass, p)
            x_new, p_new, g_new = _leapfrog(grad_log_prob, x, p, g, step_size, n_leapfrog, inv_mass)
            lp_new = np.asarray(log_prob(x_new), dtype=float)
            h_new = -lp_new + 0.5 * np.einsum("ij,jk,ik->i", p_new, inv_mass, p_new)
            accept = np.log(rng.uniform(size=n)) < h_old - h_new  # NaN: rejected
            accept &= np.all(np.isfinite(g_new), axis=1)
            x[accept], lp[accept], g[accept] = x_new[accept], lp_new[accept], g_new[accept]
            if step >= burn_in:
                out[step - burn_in] = x
                accepted += int(accept.sum())
    return HMCResult(out, accepted / (n_steps * n), (burn_in + n_steps) * n_leapfrog)


# --------------------------------------------------------------------------- a hierarchical model


def _check_labs(y, sigma) -> tuple[np.ndarray, np.ndarray]:
    y = as_float_array(y, "y", ndim=1)
    sigma = as_float_array(sigma, "sigma", ndim=1)
    check_same_length(y, "y", sigma, "sigma")
    if y.size < 3:
        raise ValueError(
            f"y must hold at least 3 measurements (the posterior of tau is improper below), got {y.size}"
        )
    if np.any(sigma <= 0):
        raise ValueError("sigma must be positive")
    scale = max(np.max(np.abs(y)), np.max(sigma))
    if scale > 1e150 or np.min(sigma) < 1e-150:
        raise ValueError("y and sigma must lie between 1e-150 and 1e150 (their squares must be floats)")
    return y, sigma


@dataclass(frozen=True)
class HierarchicalPosterior:
    r"""Posterior of the normal hierarchical model by quadrature over :math:`\tau`: the grid
    ``tau``, the density ``p_tau`` on it, and the posterior means of :math:`\mu`, :math:`\tau`
    and every :math:`\theta_j` (with standard deviations of :math:`\mu` and :math:`\tau`)."""

    tau: np.ndarray
    p_tau: np.ndarray
    mu_mean: float
    mu_std: float
    tau_mean: float
    tau_std: float
    theta_mean: np.ndarray


def hierarchical_posterior(y, sigma, tau_grid) -> HierarchicalPosterior:
    r"""Exact posterior of :math:`y_j\sim\mathcal N(\theta_j,\sigma_j^2)`,
    :math:`\theta_j\sim\mathcal N(\mu,\tau^2)`, flat priors on :math:`\mu` and :math:`\tau\ge0`,
    by quadrature over :math:`\tau` (Gelman et al., *Bayesian Data Analysis*, sec. 5.4).

    For fixed :math:`\tau` everything is conjugate: with :math:`v_j = \sigma_j^2 + \tau^2`,
    :math:`V_\mu^{-1} = \sum_j v_j^{-1}`, :math:`\hat\mu = V_\mu\sum_j y_j/v_j`,

    .. math:: p(\tau\mid\boldsymbol y)\propto V_\mu^{1/2}\prod_j v_j^{-1/2}
              \exp\left(-\frac{(y_j-\hat\mu)^2}{2v_j}\right),\qquad
              \mathbb E[\theta_j\mid\tau,\boldsymbol y] = (1-B_j)\,y_j + B_j\hat\mu,

    :math:`B_j = \sigma_j^2/v_j` (the shrinkage towards the pooled mean). ``tau_grid`` is an
    increasing grid from 0 that must reach far into the tail of :math:`p(\tau\mid\boldsymbol y)`.
    """
    y, sigma = _check_labs(y, sigma)
    tau = as_float_array(tau_grid, "tau_grid", ndim=1)
    if tau.size < 3 or tau[0] < 0 or np.any(np.diff(tau) <= 0):
        raise ValueError("tau_grid must be increasing, non-negative, with at least 3 points")
    v = sigma[None, :] ** 2 + tau[:, None] ** 2
    V_mu = 1.0 / np.sum(1.0 / v, axis=1)
    mu_hat = V_mu * np.sum(y / v, axis=1)
    log_p = 0.5 * np.log(V_mu) - 0.5 * np.sum(np.log(v) + (y - mu_hat[:, None]) ** 2 / v, axis=1)
    p = np.exp(log_p - log_p.max())
    p /= np.trapezoid(p, tau)
    B = sigma[None, :] ** 2 / v
    theta = (1 - B) * y + B * mu_hat[:, None]
    mu_mean = float(np.trapezoid(p * mu_hat, tau))
    mu_var = float(np.trapezoid(p * (V_mu + mu_hat**2), tau)) - mu_mean**2
    tau_mean = float(np.trapezoid(p * tau, tau))
    tau_var = float(np.trapezoid(p * tau**2, tau)) - tau_mean**2
    theta_mean = np.trapezoid(p[:, None] * theta, tau, axis=0)
    return HierarchicalPosterior(
        tau, p, mu_mean, math.sqrt(max(mu_var, 0.0)), tau_mean, math.sqrt(max(tau_var, 0.0)), theta_mean
    )


def hierarchical_gibbs(y, sigma, n_steps: int, n_chains: int, seed, burn_in: int = 0) -> np.ndarray:
    r"""Gibbs sampler of the normal hierarchical model of :func:`hierarchical_posterior`.

    Cycles through the three conditionals, each a standard distribution:

    .. math:: \theta_j\mid\mu,\tau,\boldsymbol y\sim\mathcal N\left(\frac{y_j/\sigma_j^2+\mu/\tau^2}
              {1/\sigma_j^2+1/\tau^2}, \frac{1}{1/\sigma_j^2+1/\tau^2}\right),\quad
              \mu\mid\boldsymbol\theta,\tau\sim\mathcal N(\bar\theta, \tau^2/J),\quad
              \tau^2\mid\boldsymbol\theta,\mu = \frac{\sum_j(\theta_j-\mu)^2}{\chi^2_{J-1}} .

    Returns samples of shape (n_steps, n_chains, J + 2): columns :math:`\theta_1..\theta_J`,
    :math:`\mu`, :math:`\tau`. The chains start at the data with :math:`\tau` = the spread of ``y``.
    """
    y, sigma = _check_labs(y, sigma)
    n_steps = check_int(n_steps, "n_steps", minimum=1)
    n_chains = check_int(n_chains, "n_chains", minimum=1)
    burn_in = check_int(burn_in, "burn_in", minimum=0)
    rng = as_rng(seed)
    J = y.size
    prec_y = 1.0 / sigma**2
    mu = y.mean() + y.std() * rng.standard_normal(n_chains)
    tau = np.full(n_chains, max(y.std(), sigma.min()))
    out = np.empty((n_steps, n_chains, J + 2))
    for step in range(burn_in + n_steps):
        prec = prec_y[None, :] + 1.0 / tau[:, None] ** 2
        mean = (y * prec_y)[None, :] / prec + (mu / tau**2)[:, None] / prec
        theta = mean + rng.standard_normal((n_chains, J)) / np.sqrt(prec)
        mu = theta.mean(axis=1) + tau / math.sqrt(J) * rng.standard_normal(n_chains)
        s = np.sum((theta - mu[:, None]) ** 2, axis=1)
        tau = np.sqrt(s / rng.chisquare(J - 1, n_chains))
        if step >= burn_in:
            out[step - burn_in, :, :J] = theta
            out[step - burn_in, :, J] = mu
            out[step - burn_in, :, J + 1] = tau
    return out


# --------------------------------------------------------------------------- ESS from autocorrelations


def autocorr_ess(chains, split: bool = True) -> float:
    r"""Effective sample size of the mean from the chains' autocorrelations (the estimator of
    Stan and of Gelman et al., *Bayesian Data Analysis*, sec. 11.5), ``chains`` of shape (n, m).

    With :math:`\hat\gamma_{j,t}` the autocovariance of chain :math:`j` at lag :math:`t`
    (normalised by :math:`n`), :math:`W` and :math:`B` of :func:`gelman_rubin` and
    :math:`\widehat{\mathrm{var}}^+ = \frac{n-1}{n}W + \frac1n B`,

    .. math:: \hat\rho_0 = 1,\quad
              \hat\rho_t = 1 - \frac{W - \frac1m\sum_j\hat\gamma_{j,t}}{\widehat{\mathrm{var}}^+},\qquad
              N_\mathrm{eff} = \frac{mn}{-1 + 2\sum_{t=0}^{2k+1}\hat\rho_t},

    summing pairs :math:`\hat\rho_{2k}+\hat\rho_{2k+1}` while they are positive and forcing
    them to decrease (Geyer's initial monotone sequence). ``split=True`` first cuts every
    chain into halves, so that a drift within a chain shows up as a difference between chains.
    """
    chains = as_float_array(chains, "chains", ndim=2)
    if not isinstance(split, bool):
        raise TypeError(f"split must be True or False, got {type(split).__name__}")
    x = chains.T  # (m, n)
    if split:
        half = x.shape[1] // 2
        x = np.concatenate([x[:, :half], x[:, -half:]])
    m, n = x.shape
    if n < 4 or m < 1:
        raise ValueError(f"chains needs at least 4 steps per (split) chain, got shape {chains.shape}")
    if np.ptp(x) == 0:
        raise ValueError("chains must vary (every sample is the same: no autocorrelation)")
    x = x / np.max(np.abs(x))  # scale-free; no overflow of the variances
    centred = x - x.mean(axis=1, keepdims=True)
    size = 2 ** int(math.ceil(math.log2(2 * n)))
    f = np.fft.rfft(centred, n=size, axis=1)
    acov = np.fft.irfft(f * np.conj(f), n=size, axis=1)[:, :n] / n
    W = acov[:, 0].mean() * n / (n - 1)
    var_plus = W * (n - 1) / n + (x.mean(axis=1).var(ddof=1) if m > 1 else 0.0)
    rho = 1.0 - (W - acov.mean(axis=0)) / var_plus
    rho[0] = 1.0  # by definition (the formula gives (n-1)/n W / var+ at lag 0)
    # Geyer: pairs rho_{2k} + rho_{2k+1} while positive, then made non-increasing
    # (lags up to n - 2; the first pair that is not positive, or the last one, contributes
    # its even term once if that is positive)
    n_pairs = max(1, (n - 1) // 2)
    pairs = rho[: 2 * n_pairs].reshape(-1, 2).sum(axis=1)
    stop = np.flatnonzero(pairs[1:] <= 0)
    k = int(stop[0]) + 1 if stop.size else n_pairs - 1
    positive = np.minimum.accumulate(pairs[:k])
    tau = -1.0 + 2.0 * positive.sum() + max(rho[2 * k], 0.0)
    ess = m * n
    return float(ess / max(tau, 1.0 / math.log10(ess)))
