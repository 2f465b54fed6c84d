"""Reference checks of "Energy-based models".

The runs are in ``physml.studies.ebm``; each check reads the run the page made
(``experiment.current``: the book's settings in the book, the short ones in the unit tests).
Targets and tolerances were fixed before the book's runs: from standard errors (sampled
values), and from targets stated in the chapter (0.1 nats of KL, a tenth of the score).
"""

from __future__ import annotations

import numpy as np

from ..experiment import current
from ..studies import ebm as study
from ..validation import reference_check

KL_TARGET = 0.1
"""Nats: the KL divergence the PCD-trained neural energy must stay below on the toy density."""
SCORE_TARGET = 0.1
"""Relative squared error of the DSM score against the exact noised score."""
SHORT_KL_TARGET = 0.6
SHORT_SCORE_TARGET = 0.3
SHORT_NLL_SLACK = 1.0
"""Nats added to the baselines in the short configuration (10 epochs: the RBM is still near independent
pixels, 24.6 nats, and 5 nats above the 10-component mixture)."""


def _run(run, short: bool):
    return run(current(run, short))


@reference_check(
    "ebm.ula-gaussian-variance",
    chapter="ebm",
    description="Variance of ULA chains on E = x^2/2sigma^2 at the largest step size equals the exact "
    "stationary variance sigma^2 / (1 - eps / 2 sigma^2), not sigma^2",
    reference_source="closed form of the linear ULA recursion (physml.ebm.ula_gaussian_variance); "
    "short: 5,000 chains",
    kind="stat",
    k=3.0,
    reference_kind="exact",
    glued=("ebm-ula-var",),
    tolerance_from="sigma",
    why="3 standard errors of a Gaussian sample variance, var sqrt(2/(n-1)), over independent chains; "
    "no allowance (the chains have converged to 1e-6 after the steps taken)",
)
def _ula(short: bool):
    row = _run(study.ula_run, short)["rows"][-1]
    return row["variance"], row["error"], row["exact"]


@reference_check(
    "ebm.pcd-toy-kl",
    chapter="ebm",
    description="KL divergence of the PCD-trained neural energy from the exact toy density "
    "(ln Z by quadrature) is below 0.1 nats",
    reference_source="exact mixture density of physml.studies.generative; short: 150 updates, target 0.6",
    kind="at_most",
    tolerance=0.0,
    glued=("ebm-pcd-kl",),
    reference_kind="exact",
    tolerance_from="target",
    why="target of 0.1 nats stated before the run (a model that is visibly right on the figure)",
)
def _pcd_kl(short: bool):
    run = _run(study.pcd_run, short)
    return run["kl"][0], SHORT_KL_TARGET if short else KL_TARGET


@reference_check(
    "ebm.dsm-vincent-identity",
    chapter="ebm",
    description="The DSM loss of the trained energy equals d - sigma^2 <|s*|^2> + sigma^2 <|s - s*|^2> "
    "(Vincent's identity with the exact noised score)",
    reference_source="exact score of the noised toy mixture; per-point differences on fresh held-out noise",
    kind="stat",
    k=3.0,
    glued=("ebm-dsm-identity",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="3 standard errors of the mean of independent per-point differences; no allowance",
)
def _dsm_identity(short: bool):
    run = _run(study.dsm_run, short)
    mean, err = run["identity"]
    return mean, err, 0.0


@reference_check(
    "ebm.dsm-score-error",
    chapter="ebm",
    description="Relative squared error of the DSM-trained score against the exact score of the "
    "noised toy density is below 0.1",
    reference_source="exact score of the toy mixture with covariances Sigma_k + sigma^2 I; short: 200 steps, "
    "target 0.3",
    kind="at_most",
    tolerance=0.0,
    glued=("ebm-dsm-error",),
    reference_kind="exact",
    tolerance_from="target",
    why="target stated before the run: the learnt score within a tenth of the score's mean square",
)
def _dsm_error(short: bool):
    run = _run(study.dsm_run, short)
    return run["relative_error"], SHORT_SCORE_TARGET if short else SCORE_TARGET


@reference_check(
    "ebm.ais-ising-rbm",
    chapter="ebm",
    description="AIS estimate of ln Z of the RBM trained on the 4x4 Ising model equals the exact sum "
    "over all 65,536 visible states",
    reference_source="physml.rbm.BinaryRBM.log_partition (exact enumeration); short: 200 runs, 300 betas",
    kind="stat",
    k=3.0,
    glued=("ebm-ising-ais",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="3 delta-method standard errors of ln(mean w); the Jensen bias sigma^2/2 is below 1e-3 sigma",
)
def _ais_ising(short: bool):
    run = _run(study.ising_rbm_run, short)
    return run["ais"].log_z, run["ais"].error, run["log_z"]


@reference_check(
    "ebm.ais-exact-ising-rbm",
    chapter="ebm",
    description="AIS estimate of ln Z of the exact Ising RBM (one hidden unit per bond, T = 3.5) equals "
    "the exact sum",
    reference_source="physml.rbm.ising_rbm(4, 3.5).log_partition (exact enumeration)",
    kind="stat",
    k=3.0,
    reference_kind="exact",
    tolerance_from="sigma",
    why="3 delta-method standard errors of ln(mean w); no allowance",
)
def _ais_exact_ising(short: bool):
    run = _run(study.ising_rbm_run, short)
    return run["ais_exact"].log_z, run["ais_exact"].error, run["exact_log_z"]


@reference_check(
    "ebm.ais-digit-rbm",
    chapter="ebm",
    description="AIS estimate of ln Z of the digit RBM equals the exact sum over its 2^16 hidden states",
    reference_source="sum over the hidden layer (BinaryRBM._hidden_free_energy); short: 200 runs, 300 betas",
    kind="stat",
    k=3.0,
    glued=("ebm-dig-ais",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="3 delta-method standard errors of ln(mean w); no allowance",
)
def _ais_digits(short: bool):
    run = _run(study.digit_rbm_run, short)
    return run["ais"].log_z, run["ais"].error, run["rows"][0]["log_z"]


@reference_check(
    "ebm.digit-rbm-beats-independent",
    chapter="ebm",
    description="Held-out NLL of the 16-hidden-unit RBM (3 seeds) is below that of independent pixels",
    reference_source="physml.digit_benchmark.bernoulli_mixture_nll(1); the RBM's NLL is exact",
    kind="beats",
    better="lower",
    margin=0.0,
    glued=("ebm-dig-nll",),
    reference_kind="baseline",
    tolerance_from="target",
    why="any improvement over the cheapest baseline, over 3 training seeds, on the same 540 digits "
    "(short: 10 epochs, within 1 nat of it)",
)
def _beats_independent(short: bool):
    run = _run(study.digit_rbm_run, short)
    return np.array([r["nll"][0] for r in run["rows"]]), run["baselines"][1][0] + (
        SHORT_NLL_SLACK if short else 0.0
    )


@reference_check(
    "ebm.digit-rbm-beats-mixture",
    chapter="ebm",
    description="Held-out NLL of the 16-hidden-unit RBM (3 seeds) is below that of a mixture of 10 "
    "Bernoulli products",
    reference_source="physml.digit_benchmark.bernoulli_mixture_nll(10); the RBM's NLL is exact",
    kind="beats",
    better="lower",
    margin=0.0,
    reference_kind="baseline",
    tolerance_from="target",
    why="the RBM has 2^16 'components' with shared parameters; any improvement over 3 seeds on the same "
    "540 digits (short: 10 epochs, within 6 nats of it)",
)
def _beats_mixture(short: bool):
    run = _run(study.digit_rbm_run, short)
    return np.array([r["nll"][0] for r in run["rows"]]), run["baselines"][10][0] + (
        SHORT_NLL_SLACK * 6 if short else 0.0
    )
