"""Self-check answers for the exercises of "Bayesian statistics" (``exercises/bayes.md``)."""

import numpy as np

from .. import bayes
from ..selfcheck import answer
from ..studies import bayes as study

# Settings of the exercises, shared with the exercise page.
SECOND_K, SECOND_N = 45, 50  # a second run of the detector
WIDE_TAU = 100.0  # a ten times wider prior for the model comparison
LABS_TAU = 0.01  # the between-lab spread of the shrinkage exercise


@answer(
    "bayes-eff-update",
    rtol=1e-9,
    hint="Start from the chapter's posterior Beta(1 + 17, 1 + 3) and add successes to a, failures to b.",
)
def _eff_update():
    a, b = bayes.beta_binomial_posterior(study.EFF_K, study.EFF_N, *study.EFF_PRIOR)
    a, b = bayes.beta_binomial_posterior(SECOND_K, SECOND_N, a, b)
    return a / (a + b)


@answer(
    "bayes-v0-std",
    rtol=1e-6,
    hint="S = (X^T X / sigma^2 + I / tau^2)^{-1} with X = [1, t, t^2]; the answer is sqrt(S[1, 1]).",
)
def _v0_std():
    return float(np.sqrt(study.fall_posterior(2).cov[1, 1]))


@answer(
    "bayes-w3-wide",
    rtol=1e-6,
    hint="Recompute the log evidence of every degree 0..5 with tau = 100, "
    "then normalise exp(ln p) over the models.",
)
def _w3_wide():
    t, h = study.fall_data()
    log_ev = [
        bayes.linear_posterior(study.design(t, d), h, study.FALL_NOISE, WIDE_TAU).log_evidence
        for d in range(study.EvidenceRun().max_degree + 1)
    ]
    return float(bayes.model_weights(log_ev)[3])


@answer(
    "bayes-laplace-std",
    rtol=1e-6,
    hint="At the mode p* = (a - 1)/(a + b - 2) of Beta(a, b), H = (a - 1)/p*^2 + (b - 1)/(1 - p*)^2; "
    "the Laplace standard deviation is 1/sqrt(H).",
)
def _laplace_std():
    a, b = bayes.beta_binomial_posterior(study.EFF_K, study.EFF_N, *study.EFF_PRIOR)
    mode = (a - 1) / (a + b - 2)
    return float(1 / np.sqrt((a - 1) / mode**2 + (b - 1) / (1 - mode) ** 2))


@answer(
    "bayes-labs-pool-weight",
    rtol=1e-6,
    hint="The shrinkage factor B_j = sigma_j^2 / (sigma_j^2 + tau^2) of the least precise lab "
    "(largest sigma_j) at tau = LABS_TAU.",
)
def _labs_pool_weight():
    _, sigma = study.lab_data()
    s = sigma.max()
    return float(s**2 / (s**2 + LABS_TAU**2))


@answer(
    "bayes-labs-tau-mean",
    rtol=1e-4,
    hint="p(tau|y) is proportional to sqrt(V_mu) prod_j v_j^(-1/2) exp(-(y_j - mu_hat)^2 / (2 v_j)), "
    "v_j = sigma_j^2 + tau^2; integrate tau p(tau|y) with the trapezoid rule on [0, 1].",
)
def _labs_tau_mean():
    return study.lab_reference().tau_mean
