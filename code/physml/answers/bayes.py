"""Self-check answers for the exercises of "Bayesian statistics" (``exercises/bayes.md``)."""

import numpy as np

from .. import bayes
from ..selfcheck import answer
from ..studies import bayes as study

# Settings of the exercises, shared with the exercise page.
SECOND_K, SECOND_N = 45, 50  # a second run of the detector
WIDE_TAU = 100.0  # a ten times wider prior for the model comparison


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
