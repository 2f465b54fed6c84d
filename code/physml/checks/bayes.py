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


# --------------------------------------------------------------------------- diagnostics against ArviZ

ARVIZ_VERSION = "0.23.4"  # the version pinned for the book (requirements)


def _arviz():
    """ArviZ, imported without its refactoring FutureWarning (no stderr in the book)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import arviz
    return arviz


def arviz_diagnostics(short: bool = False) -> dict:
    """R-hat and ESS of the falling ball's MH run by physml and by ArviZ, per parameter
    (h0, v0, theta_2): classic R-hat (ArviZ ``method="identity"``), split-chain ESS of the
    mean (``method="mean"``), and ArviZ's defaults (rank-normalised split R-hat, bulk ESS)."""
    az = _arviz()
    samples = mcmc_study(short)["run"].samples
    rows = []
    for j in range(samples.shape[2]):
        chains = samples[:, :, j]
        rows.append(
            {
                "rhat": bayes.gelman_rubin(chains),
                "rhat_arviz": float(az.rhat(chains.T, method="identity")),
                "rhat_rank": float(az.rhat(chains.T)),
                "ess": bayes.autocorr_ess(chains),
                "ess_arviz": float(az.ess(chains.T, method="mean")),
                "ess_bulk": float(az.ess(chains.T)),
                "ess_blocking": bayes.summarise(chains).ess,
            }
        )
    return {"rows": rows}


@reference_check(
    "bayes.rhat-arviz",
    chapter="bayes",
    description="Gelman–Rubin R-hat (W, B of the text) of h0, v0, theta_2 equals ArviZ's classic R-hat",
    reference_source=f"arviz.rhat(method='identity') (ArviZ {ARVIZ_VERSION}), on the MH run of the page",
    kind="rel",
    tolerance=1e-10,
    reference_kind="library",
    tolerance_from="bound",
    why="the same formula evaluated in float64: round-off ~1e-15 relative, 1e-10 leaves a wide margin",
)
def _rhat_arviz(short: bool):
    rows = arviz_diagnostics(short)["rows"]
    return np.array([r["rhat"] for r in rows]), np.array([r["rhat_arviz"] for r in rows])


@reference_check(
    "bayes.ess-arviz",
    chapter="bayes",
    description="Split-chain ESS of the mean from autocorrelations (Geyer's monotone sequence) "
    "equals ArviZ's",
    reference_source=f"arviz.ess(method='mean') (ArviZ {ARVIZ_VERSION}), h0, v0, theta_2 of the MH run",
    kind="rel",
    tolerance=1e-8,
    reference_kind="library",
    tolerance_from="bound",
    why="the same estimator; FFT autocovariances differ by round-off ~1e-13 relative, 1e-8 is a wide margin",
)
def _ess_arviz(short: bool):
    rows = arviz_diagnostics(short)["rows"]
    return np.array([r["ess"] for r in rows]), np.array([r["ess_arviz"] for r in rows])


# --------------------------------------------------------------------------- a non-conjugate posterior


def decay_study(short: bool = False) -> dict:
    return study.decay_sampler_run(current(study.decay_sampler_run, short))


@reference_check(
    "bayes.decay-mh",
    chapter="bayes",
    description="MH posterior mean of the decay rate gamma (Poisson counts, log-normal priors) "
    "equals quadrature on a grid",
    reference_source="bayes.grid_posterior, 301 x 301 trapezoid grid over +-7 Laplace widths; "
    "4 chains of 5 000 steps (short: 1 500)",
    kind="stat",
    glued=("bayes-decay-mh",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="k = 3 blocking standard errors; the grid's own error (O(h^2), ~1e-6) is far below sigma",
)
def _decay_mh(short: bool):
    run = decay_study(short)
    return run["mh_rate"].mean, run["mh_rate"].error, study.decay_reference()["rate_mean"]


@reference_check(
    "bayes.decay-hmc",
    chapter="bayes",
    description="HMC posterior mean of the decay rate gamma equals quadrature on a grid",
    reference_source="bayes.grid_posterior (as for MH); HMC with 4 leapfrog steps of 0.6 and the Laplace "
    "precision as mass matrix, 4 chains of 5 000 steps (short: 1 500)",
    kind="stat",
    glued=("bayes-decay-hmc",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="k = 3 blocking standard errors; the grid's own error (O(h^2), ~1e-6) is far below sigma",
)
def _decay_hmc(short: bool):
    run = decay_study(short)
    return run["hmc_rate"].mean, run["hmc_rate"].error, study.decay_reference()["rate_mean"]


@reference_check(
    "bayes.decay-hmc-std",
    chapter="bayes",
    description="HMC posterior standard deviation of gamma equals quadrature on a grid",
    reference_source="bayes.grid_posterior; error by blocking of (gamma - mean)^2",
    kind="stat",
    reference_kind="exact",
    tolerance_from="sigma",
    why="k = 3 blocking standard errors of the sampled standard deviation; no systematic allowance",
)
def _decay_hmc_std(short: bool):
    rate = decay_study(short)["hmc_rate"]
    return rate.std, rate.std_error, study.decay_reference()["rate_std"]


# --------------------------------------------------------------------------- the hierarchical model


def labs_study(short: bool = False) -> dict:
    return study.labs_run(current(study.labs_run, short))


@reference_check(
    "bayes.labs-mu",
    chapter="bayes",
    description="Gibbs posterior mean of the pooled constant mu (eight labs) equals quadrature over tau",
    reference_source="bayes.hierarchical_posterior: conjugate in (mu, theta) for fixed tau, trapezoid over "
    "4 001 values of tau in [0, 1]; 4 chains of 20 000 sweeps (short: 4 000)",
    kind="stat",
    glued=("bayes-labs-mu",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="k = 3 blocking standard errors; the quadrature's error (O(h^2), tail beyond tau = 1 ~1e-12) "
    "is negligible",
)
def _labs_mu(short: bool):
    mu = labs_study(short)["mu"]
    return mu.mean, mu.error, study.lab_reference().mu_mean


@reference_check(
    "bayes.labs-tau",
    chapter="bayes",
    description="Gibbs posterior mean of the between-lab spread tau equals quadrature over tau",
    reference_source="bayes.hierarchical_posterior (as for mu)",
    kind="stat",
    glued=("bayes-labs-tau",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="k = 3 blocking standard errors; no systematic allowance",
)
def _labs_tau(short: bool):
    tau = labs_study(short)["tau"]
    return tau.mean, tau.error, study.lab_reference().tau_mean


# --------------------------------------------------------------------------- Laplace


LAPLACE_BIG = (1700, 2000)  # k of n detected: a large run, whose posterior is nearly Gaussian


def laplace_beta(k: int, n: int) -> dict:
    """Laplace approximation of the Beta posterior of k detections in n (uniform prior), exact moments."""
    a, b = bayes.beta_binomial_posterior(k, n, *study.EFF_PRIOR)

    def log_prob(x):
        p = x[:, 0]
        inside = (p > 0) & (p < 1)
        q = np.clip(p, 1e-300, 1 - 1e-16)
        return np.where(inside, (a - 1) * np.log(q) + (b - 1) * np.log1p(-q), -np.inf)

    lap = bayes.laplace_approximation(log_prob, np.array([k / n if 0 < k < n else 0.5]))
    exact = scipy.stats.beta(a, b)
    return {"a": a, "b": b, "mode": float(lap.mode[0]), "std": float(np.sqrt(lap.cov[0, 0])),
            "mean": float(exact.mean()), "exact_std": float(exact.std()),
            "above_one": float(scipy.stats.norm(lap.mode[0], np.sqrt(lap.cov[0, 0])).sf(1.0))}  # fmt: skip


@reference_check(
    "bayes.laplace-mean",
    chapter="bayes",
    description="Laplace approximation of the efficiency posterior after 1700 of 2000 detections: "
    "its mean (the mode) within the O(1/n) bound of the exact Beta mean",
    reference_source="exact mean a/(a+b) of Beta(1701, 301) (scipy.stats.beta); bound |mean - mode| "
    "<= 1/(a+b-2)",
    kind="abs",
    tolerance=1.0 / (LAPLACE_BIG[1]),
    reference_kind="exact",
    tolerance_from="bound",
    why="mean - mode = (b-a)/((a+b)(a+b-2)) of a Beta density, at most 1/(a+b-2) = 1/n",
)
def _laplace_mean():
    res = laplace_beta(*LAPLACE_BIG)
    return res["mode"], res["mean"]
