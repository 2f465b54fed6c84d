"""Reference checks of "Bayesian statistics", and the computations the chapter shows.

The running example is a falling ball: heights h(t) = h0 + v0 t - g t^2 / 2 measured at
``N_FALL`` times with Gaussian noise of known standard deviation ``FALL_NOISE``. Its
Bayesian linear regression (basis 1, t, t^2, prior N(0, ``TAU``^2) per coefficient) is
compared with Ridge; random-walk Metropolis–Hastings samples the same posterior, whose
mean and variance are known in closed form; and polynomial models of degree 0 to
``MAX_DEGREE`` are compared by their evidence and averaged.

``short=True`` runs shorter Markov chains (unit tests).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import scipy.stats

from .. import bayes, regression
from ..validation import reference_check
from ._cache import per_configuration as _cached

SEED = 2026

# --- a detector efficiency (beta-binomial)
EFF_K, EFF_N = 17, 20  # detected particles out of those sent through
EFF_PRIOR = (1.0, 1.0)  # uniform prior
LEVEL = 0.95

# --- the falling ball
H0, V0, G = 10.0, 2.0, 9.81  # m, m/s, m/s^2
N_FALL = 25
T_MAX = 1.0  # s
FALL_NOISE = 0.05  # m, known
TAU = 10.0  # prior standard deviation of each coefficient (m, m/s, m/s^2)
MAX_DEGREE = 5
T_PREDICT = 1.3  # s, an extrapolation for the model-averaged prediction

# --- Metropolis-Hastings
N_CHAINS = 4
PILOT_STEPS = 4_000
PILOT_STEP = 0.02  # isotropic proposal of the pilot run
START_SPREAD = 0.3  # chains start this far (standard deviation) around the posterior mode
N_STEPS = {False: 20_000, True: 4_000}
BURN_IN = 1_000


@functools.cache
def fall_data() -> tuple[np.ndarray, np.ndarray]:
    """``(t, h)``: equally spaced times in [0, ``T_MAX``] and noisy heights."""
    rng = np.random.default_rng(SEED)
    t = np.linspace(0, T_MAX, N_FALL)
    return t, H0 + V0 * t - 0.5 * G * t**2 + FALL_NOISE * rng.standard_normal(N_FALL)


def design(t, degree: int = 2) -> np.ndarray:
    """Polynomial design matrix with columns 1, t, ..., t^degree."""
    return regression.polynomial_design_matrix(np.asarray(t, dtype=float), degree=degree)


@functools.cache
def fall_posterior(degree: int = 2) -> bayes.LinearPosterior:
    """Closed-form posterior of the polynomial coefficients of degree ``degree``."""
    t, h = fall_data()
    return bayes.linear_posterior(design(t, degree), h, FALL_NOISE, TAU)


def g_posterior() -> tuple[float, float]:
    """Exact posterior mean and standard deviation of g = -2 theta_2."""
    post = fall_posterior(2)
    return float(-2 * post.mean[2]), float(2 * math.sqrt(post.cov[2, 2]))


@functools.cache
def _fall_arrays() -> tuple[np.ndarray, np.ndarray]:
    t, h = fall_data()
    return design(t), h


def log_posterior(theta: np.ndarray) -> np.ndarray:
    r"""Unnormalised log posterior of (h0, v0, theta_2), row-wise:
    :math:`-\lVert\boldsymbol y - \boldsymbol X\boldsymbol\theta\rVert^2/(2\sigma^2)
    - \lVert\boldsymbol\theta\rVert^2/(2\tau^2)`."""
    X, h = _fall_arrays()
    residual = h[None, :] - theta @ X.T
    return -0.5 * np.sum(residual**2, axis=1) / FALL_NOISE**2 - 0.5 * np.sum(theta**2, axis=1) / TAU**2


# --------------------------------------------------------------------------- intervals


def wald_interval(k, n: int, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    r"""Wald confidence interval :math:`\hat p \pm z\sqrt{\hat p(1-\hat p)/n}`, :math:`\hat p = k/n`."""
    z = scipy.stats.norm.ppf((1 + level) / 2)
    p = np.asarray(k, dtype=float) / n
    half = z * np.sqrt(p * (1 - p) / n)
    return p - half, p + half


def credible_intervals(k, n: int, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed credible intervals of the Beta posterior with the uniform prior, for every ``k``."""
    a, b = EFF_PRIOR
    k = np.asarray(k)
    dist = scipy.stats.beta(a + k, b + n - k)
    return dist.ppf((1 - level) / 2), dist.ppf((1 + level) / 2)


@functools.cache
def interval_coverage(n: int = EFF_N, n_grid: int = 199) -> dict:
    r"""Exact frequentist coverage :math:`\sum_k \mathrm{Bin}(k\mid n, p)\,[p \in I(k)]` of the
    Wald and of the credible interval, on a grid of true efficiencies ``p``."""
    p = np.linspace(0.005, 0.995, n_grid)
    k = np.arange(n + 1)
    pmf = scipy.stats.binom.pmf(k[None, :], n, p[:, None])
    out = {"p": p}
    for name, (lo, hi) in (("wald", wald_interval(k, n)), ("credible", credible_intervals(k, n))):
        inside = (lo[None, :] <= p[:, None]) & (p[:, None] <= hi[None, :])
        out[name] = np.sum(pmf * inside, axis=1)
    return out


# --------------------------------------------------------------------------- MCMC


@_cached
def mcmc_study(short: bool = False) -> dict:
    """Pilot run with an isotropic proposal, then the main run with the proposal
    (2.38^2 / d) x (covariance of the second half of the pilot samples).

    The chains start at the posterior mode (found as a Ridge fit, as any optimiser would)
    plus Gaussian offsets of ``START_SPREAD``, several posterior widths, so that R-hat
    can detect chains that have not forgotten their starting points.
    """
    rng = np.random.default_rng(SEED + 1)
    t, h = fall_data()
    mode = regression.ridge_fit(design(t), h, bayes.ridge_lambda(FALL_NOISE, TAU, len(h)))
    x0 = mode + rng.normal(0.0, START_SPREAD, (N_CHAINS, 3))
    pilot = bayes.metropolis_hastings(log_posterior, x0, PILOT_STEPS, PILOT_STEP**2 * np.eye(3), rng)
    pilot_cov = np.cov(pilot.samples[PILOT_STEPS // 2 :].reshape(-1, 3).T)
    proposal = 2.38**2 / 3 * pilot_cov
    run = bayes.metropolis_hastings(
        log_posterior, pilot.samples[-1], N_STEPS[short], proposal, rng, burn_in=BURN_IN
    )
    g_chains = -2 * run.samples[:, :, 2]
    return {
        "pilot": pilot,
        "run": run,
        "g_chains": g_chains,
        "g": bayes.summarise(g_chains),
        "rhat": max(bayes.gelman_rubin(run.samples[:, :, j]) for j in range(3)),
    }


# --------------------------------------------------------------------------- model comparison


@functools.cache
def model_comparison() -> dict:
    """Log evidence, training MSE and predictions at ``T_PREDICT`` of degrees 0..``MAX_DEGREE``."""
    t, h = fall_data()
    degrees = np.arange(MAX_DEGREE + 1)
    posts = [bayes.linear_posterior(design(t, int(d)), h, FALL_NOISE, TAU) for d in degrees]
    log_ev = np.array([p.log_evidence for p in posts])
    mse = np.array(
        [regression.mse(h, design(t, int(d)) @ p.mean) for d, p in zip(degrees, posts, strict=True)]
    )
    weights = bayes.model_weights(log_ev)
    preds = [p.predict(design([T_PREDICT], int(d))) for d, p in zip(degrees, posts, strict=True)]
    means = np.array([m for m, _ in preds])
    stds = np.array([s for _, s in preds])
    bma_mean, bma_std = bayes.bma_predict(means, stds, weights)
    return {
        "degrees": degrees,
        "posteriors": posts,
        "log_evidence": log_ev,
        "mse": mse,
        "weights": weights,
        "pred_means": means[:, 0],
        "pred_stds": stds[:, 0],
        "bma_mean": float(bma_mean[0]),
        "bma_std": float(bma_std[0]),
        "truth": H0 + V0 * T_PREDICT - 0.5 * G * T_PREDICT**2,
    }


def evidence_identity(degree: int) -> float:
    r"""Log evidence from Bayes' theorem at the posterior mean,
    :math:`\ln p(\boldsymbol y) = \ln p(\boldsymbol y\mid\boldsymbol m) + \ln p(\boldsymbol m)
    - \ln p(\boldsymbol m\mid\boldsymbol y)`, with ``scipy.stats`` densities."""
    t, h = fall_data()
    X = design(t, degree)
    post = fall_posterior(degree)
    m = post.mean
    like = scipy.stats.norm(X @ m, FALL_NOISE).logpdf(h).sum()
    prior = scipy.stats.norm(0.0, TAU).logpdf(m).sum()
    posterior = scipy.stats.multivariate_normal(m, post.cov).logpdf(m)
    return float(like + prior - posterior)


# --------------------------------------------------------------------------- checks


@reference_check(
    "bayes.ridge",
    chapter="bayes",
    description="Posterior mean of Bayesian linear regression equals Ridge with lambda = sigma^2 / (n tau^2)",
    reference_source="physml.regression.ridge_fit (SVD), largest coefficient difference",
    kind="abs",
    tolerance=1e-10,
    glued=("bayes-ridge-diff",),
)
def _ridge():
    t, h = fall_data()
    X = design(t)
    theta = regression.ridge_fit(X, h, bayes.ridge_lambda(FALL_NOISE, TAU, len(h)))
    return float(np.max(np.abs(fall_posterior(2).mean - theta))), 0.0


@reference_check(
    "bayes.evidence",
    chapter="bayes",
    description="Closed-form log evidence (Cholesky of sigma^2 I + tau^2 X X^T) equals Bayes' theorem "
    "at the posterior mean, every degree",
    reference_source="ln p(y|m) + ln p(m) - ln p(m|y) with scipy.stats densities, largest difference "
    "(1e-7 nats: round-off of log evidences up to 4.5e3 in size)",
    kind="abs",
    tolerance=1e-7,
)
def _evidence():
    mc = model_comparison()
    return float(max(abs(mc["log_evidence"][d] - evidence_identity(int(d))) for d in mc["degrees"])), 0.0


@reference_check(
    "bayes.mh-mean",
    chapter="bayes",
    description="Metropolis–Hastings posterior mean of g equals the exact Gaussian posterior mean",
    reference_source="closed-form posterior (bayes.linear_posterior); error by blocking over 4 chains "
    "(20 000 steps each; short: 4 000)",
    kind="stat",
    glued=("bayes-mh-g",),
)
def _mh_mean(short: bool):
    g = mcmc_study(short)["g"]
    return g.mean, g.error, g_posterior()[0]


@reference_check(
    "bayes.mh-std",
    chapter="bayes",
    description="Metropolis–Hastings posterior standard deviation of g equals the exact one",
    reference_source="closed-form posterior (bayes.linear_posterior); error by blocking of (g - mean)^2",
    kind="stat",
    glued=("bayes-mh-g-std",),
)
def _mh_std(short: bool):
    g = mcmc_study(short)["g"]
    return g.std, g.std_error, g_posterior()[1]


@reference_check(
    "bayes.mh-rhat",
    chapter="bayes",
    description="Gelman–Rubin R-hat of all three parameters at most 1.01",
    reference_source="Gelman et al. (2013) threshold 1.01 (short configuration: 1.05)",
    kind="at_most",
    glued=("bayes-rhat",),
)
def _rhat(short: bool):
    return mcmc_study(short)["rhat"], 1.05 if short else 1.01
