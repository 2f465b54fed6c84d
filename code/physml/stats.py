r"""Statistical errors of correlated Monte Carlo series.

Successive samples of a Markov chain (Metropolis spins, VMC walkers, a generative
model's chain) are correlated, so the textbook standard error
:math:`\sigma/\sqrt{n}` underestimates the uncertainty of their mean. The *blocking*
method (Flyvbjerg and Petersen, J. Chem. Phys. 91, 461 (1989)) averages neighbouring
pairs of samples again and again until the averages are uncorrelated; M. Jonsson,
Phys. Rev. E 98, 043304 (2018), added an automatic, statistically tested criterion
for when to stop. Used by the Ising, variational Monte Carlo and generative-modelling
chapters (``chapters/generative.md``).

:func:`ar1_series` and :func:`ar1_error_of_mean` give a correlated series whose
error of the mean is known exactly, to test the method and for the exercises.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter
from scipy.stats import chi2

from ._validate import as_float_array, as_rng, check_int, check_scalar

MIN_SAMPLES = 2**4
"""Blocking needs at least this many samples (four blocking levels)."""

SIGNIFICANCE = 0.01
"""Level of the test that decides when the blocked series is uncorrelated (1 %)."""

MIN_BLOCKS = 32
"""Fewest blocks at the chosen level for a result to count as ``converged``."""


@dataclass(frozen=True)
class BlockingResult:
    r"""Mean of a correlated series and its standard error.

    * ``mean``: :math:`\bar x = \frac1n \sum_i x_i` over all ``n`` samples;
    * ``error``: standard error of ``mean`` by blocking (see :func:`blocking`);
    * ``naive_error``: :math:`\hat\sigma/\sqrt{n}`, right only for independent samples;
    * ``variance``: :math:`\hat\sigma^2 = \frac1n \sum_i (x_i - \bar x)^2`;
    * ``tau``: :math:`(\text{error}/\text{naive\_error})^2`, an estimate of the integrated
      autocorrelation time :math:`\tau = 1 + 2\sum_{t\ge1}\rho(t)` (1 for independent
      samples; as measured, so it can come out slightly below 1);
    * ``n``: number of samples; ``n_blocked``: the :math:`2^d` of them that were blocked;
    * ``level``: number of blocking transformations applied (block length :math:`2^{\text{level}}`);
    * ``converged``: ``True`` when the chosen level still holds at least ``MIN_BLOCKS``
      (32) blocks. With fewer, the series is too short for its correlation time: the test
      has little power, the error of the error exceeds :math:`1/\sqrt{64}`, and ``error``
      is typically too small. Run longer.
    """

    mean: float
    error: float
    naive_error: float
    variance: float
    tau: float
    n: int
    n_blocked: int
    level: int
    converged: bool


def _as_series(x, name: str = "x") -> np.ndarray:
    """A 1D finite real float array with at least ``MIN_SAMPLES`` entries."""
    try:
        is_complex = np.iscomplexobj(np.asarray(x))
    except (TypeError, ValueError):
        is_complex = False  # not an array at all: as_float_array says what is wrong
    if is_complex:
        raise TypeError(f"{name} must be real, got complex values")
    arr = as_float_array(x, name, ndim=1)
    if arr.size < MIN_SAMPLES:
        raise ValueError(f"{name} must have at least {MIN_SAMPLES} samples for blocking, got {arr.size}")
    return arr


def _blocking_levels(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Variance, lag-1 autocovariance and length of the series at each blocking level.

    Level :math:`k` holds :math:`n_k = 2^{d-k}` averages of :math:`2^k` consecutive samples;
    one blocking transformation maps :math:`x'_i = (x_{2i-1} + x_{2i})/2`.
    """
    d = int(math.log2(x.size))
    variances, gammas, lengths = np.empty(d), np.empty(d), np.empty(d)
    mu = x.mean()
    for k in range(d):
        dx = x - mu
        lengths[k] = x.size
        variances[k] = np.mean(dx**2)
        gammas[k] = np.sum(dx[:-1] * dx[1:]) / x.size
        x = 0.5 * (x[0::2] + x[1::2])
    return variances, gammas, lengths


def blocking(x) -> BlockingResult:
    r"""Mean and standard error of a correlated series by blocking with Jonsson's criterion.

    The series is truncated to its first :math:`n_0 = 2^d` samples (the largest power of
    two :math:`\le n`). At level :math:`k = 0, \dots, d-1` it holds :math:`n_k = 2^{d-k}`
    block averages with variance :math:`\hat\sigma_k^2` and lag-1 autocovariance
    :math:`\hat\gamma_k = \frac{1}{n_k}\sum_{i=1}^{n_k-1}(x_i - \bar x)(x_{i+1} - \bar x)`.
    Jonsson's test statistic

    .. math::

        M_j = \sum_{k=j}^{d-1} n_k\,
              \frac{\left[(n_k - 1)\,\hat\sigma_k^2 / n_k^2 + \hat\gamma_k\right]^2}{\hat\sigma_k^4}

    is :math:`\chi^2`-distributed with :math:`d - j` degrees of freedom when the blocks of
    level :math:`j` are uncorrelated. The first level :math:`j` with :math:`M_j` below the
    99 % quantile :math:`q_{d-j}` is taken, and

    .. math::

        \text{error}^2 = \frac{\hat\sigma_j^2}{n_j}\,\frac{n_0}{n},

    where the factor :math:`n_0/n` carries the error of the blocked prefix over to the mean
    of all :math:`n` samples (errors of a stationary series scale as :math:`1/\sqrt{n}`).
    ``mean``, ``variance`` and ``naive_error`` use all :math:`n` samples.

    The test accepts a level once the remaining lag-1 correlation of the blocks is too
    small to be seen with :math:`n_j` blocks; what remains biases the error low by a
    relative amount of order :math:`\tau/2^{j}`. For an AR(1) series with
    :math:`\tau = 19` (:math:`\phi = 0.9`) this is about 10 % at :math:`n = 2^{14}` and
    7 % at :math:`n = 2^{16}` (``tests/unit/test_stats.py``); it shrinks as the series grows.
    """
    x = _as_series(x)
    n = x.size
    n0 = 2 ** int(math.log2(n))
    variances, gammas, lengths = _blocking_levels(x[:n0])
    d = variances.size
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = lengths * ((lengths - 1) * variances / lengths**2 + gammas) ** 2 / variances**2
    terms = np.where(variances > 0, terms, 0.0)  # constant blocks: nothing left to correlate
    M = np.cumsum(terms[::-1])[::-1]  # M[j] = sum_{k >= j} terms[k]
    quantiles = chi2.ppf(1 - SIGNIFICANCE, df=d - np.arange(d))
    passed = np.flatnonzero(quantiles > M)
    level = int(passed[0]) if passed.size else d - 1
    converged = bool(lengths[level] >= MIN_BLOCKS)
    error = math.sqrt(variances[level] / lengths[level] * n0 / n)
    variance = float(np.var(x))
    naive = math.sqrt(variance / n)
    tau = (error / naive) ** 2 if naive > 0 else 1.0
    return BlockingResult(
        mean=float(np.mean(x)),
        error=error,
        naive_error=naive,
        variance=variance,
        tau=tau,
        n=n,
        n_blocked=n0,
        level=level,
        converged=converged,
    )


def estimate(x) -> BlockingResult:
    """Mean, error and variance of a Monte Carlo series: the same as :func:`blocking`.

    Kept as a separate name so that chapters read ``stats.estimate(energies)``.
    """
    return blocking(x)


def _check_phi(phi) -> float:
    phi = float(check_scalar(phi, "phi"))
    if not -1 < phi < 1:
        raise ValueError(f"phi must lie strictly between -1 and 1 (a stationary AR(1) process), got {phi}")
    return phi


def ar1_series(n: int, phi: float, sigma: float = 1.0, seed=0) -> np.ndarray:
    r"""A stationary AR(1) series :math:`x_t = \phi\,x_{t-1} + \epsilon_t`.

    The noise is :math:`\epsilon_t \sim N(0, \sigma^2)`, independent. The first value is
    drawn from the stationary distribution :math:`N(0, \sigma^2/(1-\phi^2))`, so the whole
    series is stationary, with autocovariance :math:`\gamma(t) = \sigma^2\phi^{|t|}/(1-\phi^2)`.
    """
    n = check_int(n, "n", minimum=1)
    phi = _check_phi(phi)
    sigma = float(check_scalar(sigma, "sigma", minimum=0, include_min=False))
    rng = as_rng(seed)
    x_before = rng.normal(0.0, sigma / math.sqrt(1 - phi**2))
    noise = rng.normal(0.0, sigma, size=n)
    # lfilter runs the recursion x_t = phi x_{t-1} + noise_t in C; zi holds phi * x_{-1}
    series, _ = lfilter([1.0], [1.0, -phi], noise, zi=[phi * x_before])
    return series


def ar1_error_of_mean(n: int, phi: float, sigma: float = 1.0) -> float:
    r"""Exact standard error of the mean of ``n`` samples of the AR(1) series of :func:`ar1_series`.

    With :math:`\gamma_0 = \sigma^2/(1-\phi^2)`,

    .. math::

        \operatorname{Var}\bar x = \frac{1}{n^2}\sum_{s,t=1}^{n}\gamma(s-t)
        = \frac{\gamma_0}{n}\left[1 + 2\sum_{t=1}^{n-1}\left(1 - \frac tn\right)\phi^t\right]
        = \frac{\gamma_0}{n}\left[\frac{1+\phi}{1-\phi}
          - \frac{2\phi\,(1-\phi^n)}{n\,(1-\phi)^2}\right],

    using :math:`\sum_{t=1}^{n-1}(n-t)\phi^t = \frac{n\phi(1-\phi) - \phi(1-\phi^n)}{(1-\phi)^2}`.
    For large ``n`` this is :math:`\gamma_0\tau/n` with :math:`\tau = (1+\phi)/(1-\phi)`.
    The error is :math:`\sigma` times a factor of :math:`\phi` and :math:`n` alone, computed
    without squaring :math:`\sigma` (which would overflow for :math:`\sigma > 10^{154}`).
    """
    n = check_int(n, "n", minimum=1)
    phi = _check_phi(phi)
    sigma = float(check_scalar(sigma, "sigma", minimum=0, include_min=False))
    bracket = (1 + phi) / (1 - phi) - 2 * phi * (1 - phi**n) / (n * (1 - phi) ** 2)
    return sigma * math.sqrt(bracket / (n * (1 - phi**2)))  # sqrt(gamma0 / n * bracket)
