"""The runs of "Bayesian statistics": the examples' data, and what the page samples and compares.

The running example is a falling ball: heights h(t) = h0 + v0 t - g t^2 / 2 measured at
``N_FALL`` times with Gaussian noise of known standard deviation ``FALL_NOISE``. Its
Bayesian linear regression (basis 1, t, t^2, prior N(0, ``TAU``^2) per coefficient) is
exact; the studies are

* :func:`mcmc_run`: random-walk Metropolis–Hastings on the same posterior (a pilot run,
  then a tuned main run), whose mean and variance are known in closed form;
* :func:`evidence_run`: polynomial models of degree 0 to ``max_degree`` compared by their
  evidence and averaged.

The data of the examples (the detector counts, the ball's trajectory, noise and prior)
are fixed constants of the chapter, not settings of a run.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import scipy.stats

from .. import bayes, regression
from ..experiment import Settings, setting, study

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
def fall_posterior(degree: int = 2, tau: float = TAU) -> bayes.LinearPosterior:
    """Closed-form posterior of the polynomial coefficients of degree ``degree`` (prior width ``tau``)."""
    t, h = fall_data()
    return bayes.linear_posterior(design(t, degree), h, FALL_NOISE, tau)


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


class MCMCRun(Settings):
    """Settings of the Metropolis–Hastings run on the falling ball's posterior."""

    n_chains: int = setting(4, low=2, doc="chains run side by side")
    pilot_steps: int = setting(4_000, low=4, doc="steps of the pilot run (isotropic proposal)")
    pilot_step: float = setting(0.02, low=1e-9, doc="standard deviation of the pilot's isotropic proposal")
    tuned: bool = setting(
        True, doc="main run proposes with (2.38^2 / d) x the pilot's covariance (False: the pilot's step)"
    )
    n_steps: int = setting(20_000, low=2, doc="steps per chain of the main run, after burn-in")
    burn_in: int = setting(1_000, low=0, doc="steps of the main run discarded first")
    start_spread: float = setting(0.3, low=0, doc="spread of the chains' starts around the posterior mode")
    seed: int = setting(2027, low=0, doc="seed of the starts, proposals and acceptances")

    SHORT = {"n_steps": 4_000}


@study("bayes", MCMCRun)
def mcmc_run(cfg: MCMCRun) -> dict:
    """Pilot run with an isotropic proposal, then the main run with the proposal
    (2.38^2 / d) x (covariance of the second half of the pilot samples).

    The chains start at the posterior mode (found as a Ridge fit, as any optimiser would)
    plus Gaussian offsets of ``cfg.start_spread``, several posterior widths, so that R-hat
    can detect chains that have not forgotten their starting points.
    """
    rng = np.random.default_rng(cfg.seed)
    t, h = fall_data()
    d = 3
    mode = regression.ridge_fit(design(t), h, bayes.ridge_lambda(FALL_NOISE, TAU, len(h)))
    x0 = mode + rng.normal(0.0, cfg.start_spread, (cfg.n_chains, d))
    pilot_proposal = cfg.pilot_step**2 * np.eye(d)
    pilot = bayes.metropolis_hastings(log_posterior, x0, cfg.pilot_steps, pilot_proposal, rng)
    if cfg.tuned:
        pilot_cov = np.cov(pilot.samples[cfg.pilot_steps // 2 :].reshape(-1, d).T)
        proposal = 2.38**2 / d * pilot_cov
    else:
        proposal = pilot_proposal
    run = bayes.metropolis_hastings(
        log_posterior, pilot.samples[-1], cfg.n_steps, proposal, rng, burn_in=cfg.burn_in
    )
    g_chains = -2 * run.samples[:, :, 2]
    return {
        "pilot": pilot,
        "run": run,
        "g_chains": g_chains,
        "g": bayes.summarise(g_chains),
        "rhat": max(bayes.gelman_rubin(run.samples[:, :, j]) for j in range(d)),
    }


# --------------------------------------------------------------------------- model comparison


class EvidenceRun(Settings):
    """Settings of the comparison of polynomial models of the falling ball by their evidence."""

    max_degree: int = setting(5, low=3, high=12, doc="models of degree 0 to max_degree (3 at least: a cubic)")
    tau: float = setting(TAU, low=1e-6, doc="prior standard deviation of every coefficient")
    t_predict: float = setting(1.3, doc="time (s) of the model-averaged prediction")

    VARIANT = {"tau": 100.0}


@study("bayes", EvidenceRun)
def evidence_run(cfg: EvidenceRun) -> dict:
    """Log evidence, training MSE and predictions at ``cfg.t_predict`` of degrees 0..``cfg.max_degree``,
    the posterior model weights (equal prior probabilities) and the model-averaged prediction."""
    t, h = fall_data()
    degrees = np.arange(cfg.max_degree + 1)
    posts = [fall_posterior(int(d), cfg.tau) for d in degrees]
    log_ev = np.array([p.log_evidence for p in posts])
    mse = np.array(
        [regression.mse(h, design(t, int(d)) @ p.mean) for d, p in zip(degrees, posts, strict=True)]
    )
    weights = bayes.model_weights(log_ev)
    preds = [p.predict(design([cfg.t_predict], int(d))) for d, p in zip(degrees, posts, strict=True)]
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
        "truth": H0 + V0 * cfg.t_predict - 0.5 * G * cfg.t_predict**2,
    }
