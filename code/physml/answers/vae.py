"""Self-check answers for the exercises of "Variational autoencoders" (``exercises/vae.md``)."""

import numpy as np
import torch

from .. import vae
from ..selfcheck import answer

# Settings of the exercises, shared with the exercise page.
KL_MU = (1.0, -0.5)
KL_VAR = (0.5, 2.0)
PPCA_EIGENVALUES = (4.0, 2.0, 1.0, 0.5, 0.5)  # of the sample covariance S, d = 5
PPCA_K = 2


@answer(
    "vae-kl-term",
    rtol=1e-6,
    hint="Sum over latent dimensions of (mu^2 + s^2 - ln s^2 - 1) / 2; it is zero only for mu = 0, s = 1.",
)
def _kl_term():
    mu = torch.tensor(KL_MU, dtype=torch.float64)
    logvar = torch.log(torch.tensor(KL_VAR, dtype=torch.float64))
    return float(vae.gaussian_kl(mu, logvar))


@answer(
    "vae-ppca-max",
    rtol=1e-6,
    hint="sigma^2 is the mean of the d - k smallest eigenvalues; C has eigenvalues lambda_1..lambda_k and "
    "sigma^2; the per-sample value is -(d ln 2 pi + ln det C + tr(C^-1 S)) / 2.",
)
def _ppca_max():
    lam = np.asarray(PPCA_EIGENVALUES)
    d = lam.size
    sigma2 = lam[PPCA_K:].mean()
    c = np.concatenate([lam[:PPCA_K], np.full(d - PPCA_K, sigma2)])
    return float(-0.5 * (d * np.log(2 * np.pi) + np.sum(np.log(c)) + np.sum(lam / c)))


# --------------------------------------------------------------------------- beta-VAE, collapse, IWAE

# The one-dimensional linear VAE of the beta-VAE exercise: data x ~ N(0, LAMBDA), decoder
# N(w z, SIGMA2) with SIGMA2 fixed, encoder N(v x, s^2), weight BETA on the KL term.
BETA_LAMBDA = 4.0
BETA_SIGMA2 = 0.5
BETA = 2.0

# The log-normal importance weights of the IWAE exercise: ln w ~ N(IWAE_M, IWAE_S^2).
IWAE_M = -20.0
IWAE_S = 1.0

# The project milestone: a one-dimensional linear-Gaussian VAE and one observation.
PROJECT_W, PROJECT_SIGMA2 = 1.2, 0.3
PROJECT_V, PROJECT_S2 = 0.5, 0.4
PROJECT_X = 1.5


def _beta_objective(params, lam, sigma2, beta):
    """Minus the beta-ELBO averaged over x ~ N(0, lam), constants dropped (the exercise's J)."""
    w, v, log_s2 = params
    s2 = np.exp(log_s2)
    recon = (lam * (1 - w * v) ** 2 + w**2 * s2) / (2 * sigma2)
    kl = 0.5 * (v**2 * lam + s2 - log_s2 - 1)
    return recon + beta * kl


def _optimal_rate(lam, sigma2, beta):
    from scipy.optimize import minimize

    best = min(
        (
            minimize(_beta_objective, x0, args=(lam, sigma2, beta), method="BFGS", options={"gtol": 1e-12})
            for x0 in ([1.0, 0.3, -1.0], [0.1, 0.1, 0.0], [2.0, 0.5, -2.0])
        ),
        key=lambda r: r.fun,
    )
    w, v, log_s2 = best.x
    return 0.5 * (v**2 * lam + np.exp(log_s2) - log_s2 - 1)


@answer(
    "vae-beta-rate",
    rtol=1e-4,
    hint="Maximise over v and s^2 first (s^2 = beta sigma^2 / (beta sigma^2 + w^2)), then over w; "
    "the rate is the KL term at the optimum, a logarithm of lambda / (beta sigma^2).",
)
def _beta_rate():
    return float(_optimal_rate(BETA_LAMBDA, BETA_SIGMA2, BETA))


@answer(
    "vae-collapse-beta",
    rtol=1e-3,
    hint="The latent dimension survives only while w^2 = lambda - beta sigma^2 is positive.",
)
def _collapse_beta():
    from scipy.optimize import brentq

    return float(brentq(lambda b: _optimal_rate(BETA_LAMBDA, BETA_SIGMA2, b) - 1e-6, 1.0, 50.0, xtol=1e-10))


@answer(
    "vae-iwae-limit",
    rtol=1e-6,
    hint="As k grows, the mean of k weights tends to E[w]; for a log-normal w, E[w] = exp(m + s^2 / 2).",
)
def _iwae_limit():
    from scipy.integrate import quad

    def density(u):  # w times the normal density of u = ln w, shifted by exp(-m)
        return np.exp(u - IWAE_M - 0.5 * ((u - IWAE_M) / IWAE_S) ** 2) / (IWAE_S * np.sqrt(2 * np.pi))

    mean_w_scaled, _ = quad(density, IWAE_M - 12 * IWAE_S, IWAE_M + 12 * IWAE_S, epsabs=0, epsrel=1e-12)
    return float(IWAE_M + np.log(mean_w_scaled))


@answer(
    "vae-project-lnp",
    rtol=2e-3,
    hint="Average k importance weights p(x|z) p(z) / q(z|x) with z ~ q; ln of the mean. Compare with "
    "ln N(x; 0, w^2 + sigma^2) and use k of at least 10^5.",
)
def _project_lnp():
    from scipy.stats import norm

    return float(norm.logpdf(PROJECT_X, 0.0, np.sqrt(PROJECT_W**2 + PROJECT_SIGMA2)))
