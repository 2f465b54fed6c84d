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


# --------------------------------------------------------------------------- a non-conjugate posterior

# A radioactive source over a constant background: counts N_k ~ Poisson(mu_k) in K bins of
# width DECAY_DT, mu_k = (A exp(-gamma t_k) + b) DECAY_DT, b known. The parameters are
# phi = (ln A, ln gamma) with independent normal priors: no conjugate prior exists for this
# likelihood, so only quadrature and sampling give the posterior.
DECAY_K, DECAY_DT = 20, 0.5  # bins, bin width (s)
DECAY_A, DECAY_RATE, DECAY_BG = 20.0, 0.3, 2.0  # true activity (1/s), decay rate (1/s), background (1/s)
DECAY_PRIOR_MEAN = (math.log(10.0), math.log(0.5))  # prior means of ln A and ln gamma
DECAY_PRIOR_STD = (1.0, 1.0)


@functools.cache
def decay_data() -> tuple[np.ndarray, np.ndarray]:
    """``(t, counts)``: bin centres (s) and Poisson counts of the decaying source."""
    rng = np.random.default_rng(SEED)
    t = (np.arange(DECAY_K) + 0.5) * DECAY_DT
    return t, rng.poisson((DECAY_A * np.exp(-DECAY_RATE * t) + DECAY_BG) * DECAY_DT)


def _decay_terms(phi: np.ndarray):
    t, counts = decay_data()
    phi = np.atleast_2d(phi)
    signal = np.exp(phi[:, :1] - np.exp(phi[:, 1:2]) * t) * DECAY_DT  # A exp(-gamma t) dt
    return phi, t, counts, signal, signal + DECAY_BG * DECAY_DT


def decay_log_posterior(phi: np.ndarray) -> np.ndarray:
    r"""Unnormalised log posterior of :math:`\phi = (\ln A, \ln\gamma)`, row-wise:
    :math:`\sum_k (N_k\ln\mu_k - \mu_k) - \sum_i (\phi_i - m_i)^2/(2s_i^2)`."""
    phi, _, counts, _, mu = _decay_terms(phi)
    prior = -0.5 * np.sum(((phi - DECAY_PRIOR_MEAN) / DECAY_PRIOR_STD) ** 2, axis=1)
    return np.sum(counts * np.log(mu) - mu, axis=1) + prior


def decay_grad(phi: np.ndarray) -> np.ndarray:
    r"""Gradient of :func:`decay_log_posterior`: with :math:`s_k = A e^{-\gamma t_k}\Delta t`,
    :math:`\partial_{\ln A} = \sum_k (N_k/\mu_k - 1)s_k` and
    :math:`\partial_{\ln\gamma} = -\sum_k (N_k/\mu_k - 1)s_k\gamma t_k`, minus the prior's pull."""
    phi, t, counts, signal, mu = _decay_terms(phi)
    w = (counts / mu - 1) * signal
    rate = np.exp(phi[:, 1:2])
    grad = np.column_stack([w.sum(axis=1), -(w * rate * t).sum(axis=1)])
    return grad - (phi - DECAY_PRIOR_MEAN) / np.square(DECAY_PRIOR_STD)


@functools.cache
def decay_reference(n_grid: int = 301, width: float = 7.0) -> dict:
    r"""The exact posterior by quadrature on a grid of ``width`` Laplace standard deviations
    each side of the mode, and the Laplace approximation itself; moments of :math:`\gamma = e^{\phi_2}`."""
    laplace = bayes.laplace_approximation(decay_log_posterior, np.array(DECAY_PRIOR_MEAN))
    sd = np.sqrt(np.diag(laplace.cov))
    axes = [np.linspace(m - width * s, m + width * s, n_grid) for m, s in zip(laplace.mode, sd, strict=True)]
    grid = bayes.grid_posterior(decay_log_posterior, axes)
    rate_mean = grid.expect(lambda p: np.exp(p[:, 1]))
    rate_std = math.sqrt(grid.expect(lambda p: np.exp(2 * p[:, 1])) - rate_mean**2)
    rate_samples = np.random.default_rng(SEED).multivariate_normal(laplace.mode, laplace.cov, 200_000)[:, 1]
    return {
        "grid": grid,
        "laplace": laplace,
        "rate_mean": rate_mean,
        "rate_std": rate_std,
        "ln_rate_mean": float(grid.mean[1]),
        "ln_rate_std": float(math.sqrt(grid.cov[1, 1])),
        "laplace_rate_mean": float(np.exp(laplace.mode[1] + laplace.cov[1, 1] / 2)),
        "laplace_rate_std": float(np.std(np.exp(rate_samples))),
    }


class DecaySamplerRun(Settings):
    """Settings of Metropolis–Hastings and HMC on the decay posterior, with equal numbers of steps."""

    n_chains: int = setting(4, low=2, doc="chains of each sampler")
    n_steps: int = setting(5_000, low=16, doc="steps per chain of each sampler, after burn-in")
    burn_in: int = setting(500, low=0, doc="steps discarded first")
    mh_scale: float = setting(
        2.38, low=1e-6, doc="MH proposal covariance = (mh_scale^2 / d) x Laplace covariance"
    )
    step_size: float = setting(0.6, low=1e-6, high=10.0, doc="HMC leapfrog step size epsilon")
    n_leapfrog: int = setting(4, low=1, doc="HMC leapfrog steps per trajectory (gradients per step)")
    seed: int = setting(2028, low=0, doc="seed of the starts, proposals and momenta")

    SHORT = {"n_steps": 1_500, "burn_in": 200}


@study("bayes", DecaySamplerRun)
def decay_sampler_run(cfg: DecaySamplerRun) -> dict:
    r"""MH (random walk, proposal from the Laplace covariance) and HMC (mass matrix = Laplace
    precision) on :math:`\phi = (\ln A, \ln\gamma)`; summaries of :math:`\gamma` and their
    effective sample sizes per evaluation of the density (MH) or of its gradient (HMC)."""
    ref = decay_reference()
    rng = np.random.default_rng(cfg.seed)
    d = 2
    cov = ref["laplace"].cov
    x0 = rng.multivariate_normal(ref["laplace"].mode, 4 * cov, cfg.n_chains)
    mh = bayes.metropolis_hastings(
        decay_log_posterior, x0, cfg.n_steps, cfg.mh_scale**2 / d * cov, rng, burn_in=cfg.burn_in
    )
    hmc = bayes.hmc(
        decay_log_posterior, decay_grad, x0, cfg.n_steps, cfg.step_size, cfg.n_leapfrog, rng,
        mass=np.linalg.inv(cov), burn_in=cfg.burn_in,
    )  # fmt: skip
    out = {"mh": mh, "hmc": hmc}
    for name, res, evaluations in (
        ("mh", mh, cfg.burn_in + cfg.n_steps),
        ("hmc", hmc, hmc.n_gradients),
    ):
        rate = np.exp(res.samples[:, :, 1])
        summary = bayes.summarise(rate)
        out[f"{name}_rate"] = summary
        out[f"{name}_rate_chains"] = rate
        out[f"{name}_ess_per_eval"] = summary.ess / (evaluations * cfg.n_chains)
        out[f"{name}_rhat"] = max(bayes.gelman_rubin(res.samples[:, :, j]) for j in range(d))
    return out


# --------------------------------------------------------------------------- a hierarchical model

# Eight laboratories measure the same constant (synthetic numbers, in units of its accepted
# value: y_j = 1 + deviation), each with its own stated error sigma_j; the labs' true values
# theta_j scatter around mu with a spread tau from unaccounted systematics.
LAB_SIGMA = np.array([0.010, 0.015, 0.020, 0.012, 0.025, 0.018, 0.010, 0.030])
LAB_MU, LAB_TAU = 1.0, 0.015


@functools.cache
def lab_data() -> tuple[np.ndarray, np.ndarray]:
    """``(y, sigma)``: the eight labs' results and their stated standard errors."""
    rng = np.random.default_rng(SEED + 1)
    theta = LAB_MU + LAB_TAU * rng.standard_normal(LAB_SIGMA.size)
    return theta + LAB_SIGMA * rng.standard_normal(LAB_SIGMA.size), LAB_SIGMA.copy()


@functools.cache
def lab_reference(n_grid: int = 4001, tau_max: float = 1.0) -> bayes.HierarchicalPosterior:
    """The exact posterior of the labs' model by quadrature over tau on [0, ``tau_max``]."""
    y, sigma = lab_data()
    return bayes.hierarchical_posterior(y, sigma, np.linspace(0.0, tau_max, n_grid))


class LabsRun(Settings):
    """Settings of the Gibbs sampler of the labs' hierarchical model."""

    n_chains: int = setting(4, low=2, doc="chains")
    n_steps: int = setting(20_000, low=16, doc="Gibbs sweeps per chain, after burn-in")
    burn_in: int = setting(1_000, low=0, doc="sweeps discarded first")
    seed: int = setting(2029, low=0, doc="seed of the starts and the conditional draws")

    SHORT = {"n_steps": 4_000}


@study("bayes", LabsRun)
def labs_run(cfg: LabsRun) -> dict:
    """Gibbs samples of (theta_1..theta_8, mu, tau) and summaries of mu and tau."""
    y, sigma = lab_data()
    samples = bayes.hierarchical_gibbs(y, sigma, cfg.n_steps, cfg.n_chains, cfg.seed, burn_in=cfg.burn_in)
    J = y.size
    return {
        "samples": samples,
        "mu": bayes.summarise(samples[:, :, J]),
        "tau": bayes.summarise(samples[:, :, J + 1]),
        "theta_mean": samples[:, :, :J].mean(axis=(0, 1)),
        "rhat": max(bayes.gelman_rubin(samples[:, :, j]) for j in range(J + 2)),
    }
