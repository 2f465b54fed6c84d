"""Reference checks of "Bayesian statistics".

The examples' data and the runs (Metropolis–Hastings, the model comparison) are in
``physml.studies.bayes``; each check of a run reads the run the page made
(``experiment.current``: the book's settings in the book, the short ones in the unit
tests) and compares it with its reference. ``short=True`` runs shorter Markov chains.
"""

from __future__ import annotations

import numpy as np
import scipy.stats

from .. import bayes, regression
from ..experiment import current
from ..studies import bayes as study
from ..validation import reference_check

RHAT_THRESHOLD = {False: 1.01, True: 1.05}  # Gelman–Rubin R-hat must not exceed this


def mcmc_study(short: bool = False) -> dict:
    return study.mcmc_run(current(study.mcmc_run, short))


def evidence_study(short: bool = False) -> dict:
    return study.evidence_run(current(study.evidence_run, short))


def _evidence_identity(degree: int, tau: float) -> float:
    r"""Log evidence from Bayes' theorem at the posterior mean,
    :math:`\ln p(\boldsymbol y) = \ln p(\boldsymbol y\mid\boldsymbol m) + \ln p(\boldsymbol m)
    - \ln p(\boldsymbol m\mid\boldsymbol y)`, with ``scipy.stats`` densities."""
    t, h = study.fall_data()
    X = study.design(t, degree)
    post = study.fall_posterior(degree, tau)
    m = post.mean
    like = scipy.stats.norm(X @ m, study.FALL_NOISE).logpdf(h).sum()
    prior = scipy.stats.norm(0.0, tau).logpdf(m).sum()
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
    reference_kind="exact",
    tolerance_from="bound",
    why="round-off: condition number ~450 times eps times |theta| ~ 10 is ~1e-12, 100 times below 1e-10",
)
def _ridge():
    t, h = study.fall_data()
    X = study.design(t)
    theta = regression.ridge_fit(X, h, bayes.ridge_lambda(study.FALL_NOISE, study.TAU, len(h)))
    return float(np.max(np.abs(study.fall_posterior(2).mean - theta))), 0.0


@reference_check(
    "bayes.evidence",
    chapter="bayes",
    description="Closed-form log evidence (Cholesky of sigma^2 I + tau^2 X X^T) equals Bayes' theorem "
    "at the posterior mean, every degree",
    reference_source="ln p(y|m) + ln p(m) - ln p(m|y) with scipy.stats densities, largest difference "
    "(1e-7 nats: round-off of log evidences up to 4.5e3 in size)",
    kind="abs",
    tolerance=1e-7,
    reference_kind="exact",
    tolerance_from="after",
    why="1e-7 nats is 3.5 times the largest difference seen (degree 0); no round-off bound was derived",
)
def _evidence(short: bool):
    cfg = current(study.evidence_run, short)
    comp = study.evidence_run(cfg)
    deviations = [abs(comp["log_evidence"][d] - _evidence_identity(int(d), cfg.tau)) for d in comp["degrees"]]
    return float(max(deviations)), 0.0


@reference_check(
    "bayes.mh-mean",
    chapter="bayes",
    description="Metropolis–Hastings posterior mean of g equals the exact Gaussian posterior mean",
    reference_source="closed-form posterior (bayes.linear_posterior); error by blocking over 4 chains "
    "(20 000 steps each; short: 4 000)",
    kind="stat",
    glued=("bayes-mh-g",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="k = 3 blocking standard errors of the chains' mean; no systematic allowance",
)
def _mh_mean(short: bool):
    g = mcmc_study(short)["g"]
    return g.mean, g.error, study.g_posterior()[0]


@reference_check(
    "bayes.mh-std",
    chapter="bayes",
    description="Metropolis–Hastings posterior standard deviation of g equals the exact one",
    reference_source="closed-form posterior (bayes.linear_posterior); error by blocking of (g - mean)^2",
    kind="stat",
    glued=("bayes-mh-g-std",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="k = 3 blocking standard errors of the sampled standard deviation; no systematic allowance",
)
def _mh_std(short: bool):
    g = mcmc_study(short)["g"]
    return g.std, g.std_error, study.g_posterior()[1]


@reference_check(
    "bayes.mh-rhat",
    chapter="bayes",
    description="Gelman–Rubin R-hat of all three parameters at most 1.01",
    reference_source="Gelman et al. (2013) threshold 1.01 (short configuration: 1.05)",
    kind="at_most",
    glued=("bayes-rhat",),
    reference_kind="published",
    tolerance_from="target",
    why="the usual convergence threshold 1.01, independent of this run; 1.05 for the short chains",
)
def _rhat(short: bool):
    return mcmc_study(short)["rhat"], RHAT_THRESHOLD[short]
