"""Reference checks of "What generative modelling is".

The runs themselves (settings, fits, samples) are in ``physml.studies.generative``; each
check reads the run the page made (``experiment.current``: the book's settings in the
book, the short ones in the unit tests) and compares it with its reference.
"""

from __future__ import annotations

import numpy as np

from .. import ising, metrics
from ..experiment import current
from ..studies import generative as study
from ..validation import reference_check

# finite-size shift of energy and |M| per spin allowed at L = 16 far from T_c
ISING_SYSTEMATIC = 0.005


def toy_study(short: bool = False) -> dict:
    return study.toy_run(current(study.toy_run, short))


def ising_study(short: bool = False) -> dict:
    return study.ising_run(current(study.ising_run, short))


def _toy_row(short: bool, k: int) -> dict:
    rows = [r for r in toy_study(short)["rows"] if r["K"] == k]
    if not rows:
        raise ValueError(f"the toy run fitted no mixture of K = {k} components")
    return rows[0]


@reference_check(
    "generative.kl-monte-carlo",
    chapter="generative",
    description="Monte Carlo KL divergence of two 2D Gaussians equals the closed form",
    reference_source="closed form (metrics.kl_gaussians)",
    kind="stat",
    glued=("gen-kl-mc",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="k = 3 standard errors of the Monte Carlo mean; no systematic allowance",
)
def _kl_monte_carlo(short: bool):
    est, exact = study.kl_run(current(study.kl_run, short))
    return est.value, est.error, exact


@reference_check(
    "generative.mmd-shifted-gaussians",
    chapter="generative",
    description="MMD² of samples of two shifted 2D Gaussians equals the population value",
    reference_source="closed form (metrics.gaussian_mmd2)",
    kind="stat",
    glued=("gen-mmd-check",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="k = 3 jackknife standard errors of the unbiased estimate; no systematic allowance",
)
def _mmd_shifted(short: bool):
    result, exact = study.mmd_run(current(study.mmd_run, short))
    return result.value, result.error, exact


@reference_check(
    "generative.toy-kl-true-k",
    chapter="generative",
    description="KL(truth || fitted 3-component mixture) against its asymptotic expectation k/2n",
    reference_source="maximum-likelihood asymptotics (Akaike; White 1982): for a correct model with k "
    "parameters fitted to n points, 2n KL(truth || fit) is chi-squared with k degrees of freedom, "
    "so KL = k/2n on average with standard deviation sqrt(2k)/2n",
    kind="stat",
    k=3.0,
    glued=("gen-kl-true-k",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="3 sigma, sigma combining the chi-squared scatter sqrt(2k)/2n of one fit with the Monte Carlo "
    "error of the KL estimate; the asymptotic law is the only approximation",
)
def _toy_kl(short: bool):
    row = _toy_row(short, study.TRUE_COMPONENTS)
    k = study.n_parameters(study.TRUE_COMPONENTS)
    n = current(study.toy_run, short).n_train
    scatter = np.sqrt(2.0 * k) / (2.0 * n)
    return row["kl"].value, float(np.hypot(row["kl"].error, scatter)), k / (2.0 * n)


@reference_check(
    "generative.judge-accuracy",
    chapter="generative",
    description="The judge SVC classifies held-out real digits with accuracy >= 0.97",
    reference_source="target accuracy (RBF SVC on load_digits, 30 % test split)",
    kind="at_least",
    glued=("gen-judge-test-accuracy",),
    reference_kind="baseline",
    tolerance_from="target",
    why="a judge of generated digits must recognise real ones: target 0.97 stated with the judge",
)
def _judge_accuracy():
    return metrics.digits_judge(0)[1], 0.97


@reference_check(
    "generative.ising-abs-magnetization",
    chapter="generative",
    description="<|M|>/N of the Ising samples at T = 1.5 equals Onsager's spontaneous magnetization",
    reference_source="Onsager/Yang, infinite lattice (ising.onsager_magnetization); 0.005 finite size",
    kind="stat",
    systematic=ISING_SYSTEMATIC,
    glued=("gen-ising-absm-low",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="3 blocking errors; the 0.005 finite-size allowance (>> e^(-L/xi) at L = 16) is not needed",
)
def _ising_absm(short: bool):
    row = ising_study(short)["rows"][0]
    b = row["blocking_absm"]
    return b.mean, b.error, ising.onsager_magnetization(row["T"])


@reference_check(
    "generative.ising-energy",
    chapter="generative",
    description="Energy per spin of the Ising samples at T = 3.5 equals Onsager's",
    reference_source="Onsager, infinite lattice (ising.onsager_energy); systematic 0.005 finite size",
    kind="stat",
    systematic=ISING_SYSTEMATIC,
    glued=("gen-ising-energy-high",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="3 blocking errors; the 0.005 finite-size allowance (>> e^(-L/xi) at L = 16) is not needed",
)
def _ising_energy(short: bool):
    row = ising_study(short)["rows"][2]
    b = row["blocking_energy"]
    return b.mean, b.error, ising.onsager_energy(row["T"])
