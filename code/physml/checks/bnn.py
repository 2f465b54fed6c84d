"""Reference checks of "Bayesian neural networks and variational inference".

The runs are in ``physml.studies.bnn``; each check reads the run the page made
(``experiment.current``: the book's settings in the book, the short ones in the unit tests).
The short configuration trains for fewer steps and runs HMC with 4 chains of 60 samples;
its checks keep the book's rules, with the HMC diagnostics' short targets stated below.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .. import bayes, bnn
from ..experiment import current
from ..studies import bnn as study
from ..validation import reference_check

#: HMC's largest R-hat of the predicted mean on the grid must not exceed this (book run).
RHAT_TARGET = 1.05
#: ... and the smallest effective sample size must reach this (book run).
ESS_TARGET = 400.0
#: Short configuration (4 chains of 60 samples): only the gross failure of mixing is caught.
SHORT_RHAT_TARGET = 1.5
SHORT_ESS_TARGET = 10.0
#: Correlated Gaussian of the sampler check: standard deviations and correlation of neighbours.
GAUSS_STD = (1.0, 0.5, 2.0, 0.1, 1.0)
GAUSS_RHO = 0.6


def resonance_study(short: bool = False) -> dict:
    return study.resonance_run(current(study.resonance_run, short))


def nuclear_study(short: bool = False) -> dict:
    return study.nuclear_run(current(study.nuclear_run, short))


def gaussian_target():
    """Mean, covariance and ``log_prob_grad`` of the correlated Gaussian of the sampler check."""
    std = np.array(GAUSS_STD)
    corr = GAUSS_RHO ** np.abs(np.subtract.outer(np.arange(std.size), np.arange(std.size)))
    cov = corr * np.outer(std, std)
    mean = np.arange(std.size, dtype=float) - 2.0
    precision = np.linalg.inv(cov)

    def log_prob_grad(x):
        d = x - mean
        g = -d @ precision
        return 0.5 * np.sum(d * g, axis=1), g

    return mean, cov, log_prob_grad


@functools.cache
def _gaussian_hmc():
    mean, cov, log_prob_grad = gaussian_target()
    start = np.random.default_rng(1).standard_normal((8, mean.size))
    return bnn.hmc(log_prob_grad, start, 1000, n_warmup=300, n_leapfrog=10, seed=3), mean, cov


# --------------------------------------------------------------------------- the sampler


@reference_check(
    "bnn.hmc-gaussian-variance",
    chapter="bnn",
    description="HMC on a correlated 5-d Gaussian: variance of the widest coordinate",
    reference_source="exact variance 4 of the target (8 chains x 1000 samples after 300 warm-up)",
    kind="stat",
    k=3.0,
    reference_kind="exact",
    tolerance_from="sigma",
    why="3 sigma of the chains' blocking error of the variance (propagated from the std error)",
)
def _hmc_gaussian():
    result, _, cov = _gaussian_hmc()
    s = bayes.summarise(result.samples[:, :, 2])
    return s.std**2, 2 * s.std * s.std_error, cov[2, 2]


@reference_check(
    "bnn.hmc-gaussian-mean",
    chapter="bnn",
    description="HMC on a correlated 5-d Gaussian: mean of the narrowest coordinate",
    reference_source="exact mean 1 of the target (8 chains x 1000 samples after 300 warm-up)",
    kind="stat",
    k=3.0,
    reference_kind="exact",
    tolerance_from="sigma",
    why="3 sigma of the chains' blocking error of the mean",
)
def _hmc_gaussian_mean():
    result, mean, _ = _gaussian_hmc()
    s = bayes.summarise(result.samples[:, :, 3])
    return s.mean, s.error, mean[3]


# --------------------------------------------------------------------------- the resonance


@reference_check(
    "bnn.hmc-rhat",
    chapter="bnn",
    description="HMC reference of the resonance network: largest R-hat of the predicted mean on the grid",
    reference_source=f"target R-hat <= {RHAT_TARGET} (short: {SHORT_RHAT_TARGET}); chains started at "
    "different MAP networks",
    kind="at_most",
    glued=("bnn-rhat",),
    reference_kind="baseline",
    tolerance_from="target",
    why="Gelman-Rubin's 1.1 halved: chains from different modes that agree on the predictions",
)
def _rhat(short: bool):
    return resonance_study(short)["rhat"], SHORT_RHAT_TARGET if short else RHAT_TARGET


@reference_check(
    "bnn.hmc-ess",
    chapter="bnn",
    description="HMC reference of the resonance network: smallest effective sample size on the grid",
    reference_source=f"target ESS >= {ESS_TARGET:g} (short: {SHORT_ESS_TARGET:g}), Vehtari et al. (2021)",
    kind="at_least",
    glued=("bnn-ess",),
    reference_kind="baseline",
    tolerance_from="target",
    why="an ESS of 400 makes the Monte Carlo error of a predictive mean 5 % of its posterior std",
)
def _ess(short: bool):
    return resonance_study(short)["ess"], SHORT_ESS_TARGET if short else ESS_TARGET


@reference_check(
    "bnn.resonance-ensemble-beats-map",
    chapter="bnn",
    description="Resonance: held-out NLL of a deep ensemble is lower than that of its first member alone",
    reference_source="single MAP network with the known noise (the ensemble's member 0), same seeds",
    kind="beats",
    better="lower",
    margin=0.0,
    reference_kind="baseline",
    tolerance_from="target",
    why="the claim is only 'lower', over 3 seeds of initialisation",
)
def _resonance_beats(short: bool):
    s = resonance_study(short)["scores"]
    return s["ensemble"]["nll"], s["MAP"]["nll"]


# --------------------------------------------------------------------------- the nuclei


@reference_check(
    "bnn.nuclear-ensemble-beats-map",
    chapter="bnn",
    description="Binding-energy residuals: held-out NLL of a deep ensemble is lower than "
    "a single MAP network's",
    reference_source="single MAP network with learned noise (the ensemble's member 0), same seeds",
    kind="beats",
    better="lower",
    margin=0.0,
    glued=("bnn-nuc-nll-ensemble",),
    reference_kind="baseline",
    tolerance_from="target",
    why="the claim is only 'lower', over 3 seeds of initialisation",
)
def _nuclear_beats(short: bool):
    s = nuclear_study(short)["scores"]
    return s["ensemble"]["nll"], s["MAP"]["nll"]


#: Methods whose nominal coverage is missed in the book's run, and why (see the chapter).
_HEAVY_TAILS = (
    "the residuals have heavier tails than a Gaussian: the noise fitted to them is set by the "
    "outliers near closed shells, so the central 68 % interval is too wide"
)
KNOWN_FAILURES = {("Laplace", 0.68): _HEAVY_TAILS, ("MC dropout", 0.68): _HEAVY_TAILS}


def _key(method: str, level: float) -> str:
    return f"{method.lower().replace(' ', '-')}-{round(100 * level)}"


def _coverage(method: str, level: float) -> dict:
    """The rule of the coverage check of ``method`` at ``level`` (the id is written out below)."""
    return dict(
        chapter="bnn",
        description=f"Binding-energy residuals: coverage of the {method} {round(100 * level)} % interval "
        "on held-out nuclei",
        reference_source=f"nominal {level}; binomial error sqrt(p(1-p)/n) at the nominal p, "
        "n held-out nuclei",
        kind="stat",
        k=3.0,
        glued=(f"bnn-cov-{_key(method, level)}",),
        reference_kind="exact",
        tolerance_from="sigma",
        why="held-out nuclei are independent given the fit: the number inside is binomial",
        known_failure=KNOWN_FAILURES.get((method, level), ""),
    )


def _coverage_value(method: str, level: float):
    def compute(short: bool):
        run = nuclear_study(short)
        p, _ = run["scores"][method]["coverage"][level]
        return p, math.sqrt(level * (1 - level) / run["n_test"]), level

    return compute


reference_check("bnn.nuclear-coverage-map-68", **_coverage("MAP", 0.68))(_coverage_value("MAP", 0.68))
reference_check("bnn.nuclear-coverage-map-95", **_coverage("MAP", 0.95))(_coverage_value("MAP", 0.95))
reference_check("bnn.nuclear-coverage-laplace-68", **_coverage("Laplace", 0.68))(
    _coverage_value("Laplace", 0.68)
)
reference_check("bnn.nuclear-coverage-laplace-95", **_coverage("Laplace", 0.95))(
    _coverage_value("Laplace", 0.95)
)
reference_check("bnn.nuclear-coverage-bbb-68", **_coverage("BBB", 0.68))(_coverage_value("BBB", 0.68))
reference_check("bnn.nuclear-coverage-bbb-95", **_coverage("BBB", 0.95))(_coverage_value("BBB", 0.95))
reference_check("bnn.nuclear-coverage-mc-dropout-68", **_coverage("MC dropout", 0.68))(
    _coverage_value("MC dropout", 0.68)
)
reference_check("bnn.nuclear-coverage-mc-dropout-95", **_coverage("MC dropout", 0.95))(
    _coverage_value("MC dropout", 0.95)
)
reference_check("bnn.nuclear-coverage-ensemble-68", **_coverage("ensemble", 0.68))(
    _coverage_value("ensemble", 0.68)
)
reference_check("bnn.nuclear-coverage-ensemble-95", **_coverage("ensemble", 0.95))(
    _coverage_value("ensemble", 0.95)
)
