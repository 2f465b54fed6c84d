"""Reference checks of the chapter "Diffusion models".

The runs themselves (settings, training, sampling) are in ``physml.studies.diffusion``;
each check reads the run the page made (``experiment.current``: the book's settings in the
book, the short ones in the unit tests) and compares it with its reference.
"""

from __future__ import annotations

import numpy as np

from ..experiment import current
from ..studies import diffusion as study
from ..validation import reference_check

# excess loss per coordinate of the trained noise predictor over the optimum (full, short)
EPS_TOLERANCE = {False: 0.01, True: 0.05}


def _run(run, short: bool):
    return run(current(run, short))


@reference_check(
    "diffusion.noising-mean",
    chapter="diffusion",
    description="Mean of x_t (first coordinate) after t forward steps equals sqrt(alpha_bar_t) mu",
    reference_source="closed form q(x_t | x_0) for Gaussian x_0 (diffusion.gaussian_noised_moments)",
    kind="stat",
    glued=("dif-noise-mean",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="k = 3 standard errors of the sample mean; no systematic allowance",
)
def _noising_mean(short: bool):
    run = _run(study.noising_run, short)
    return run["mean"].value, run["mean"].error, float(run["exact_mean"][0])


@reference_check(
    "diffusion.noising-variance",
    chapter="diffusion",
    description="Variance of x_t (2nd coordinate) after t forward steps equals alpha_bar_t s^2 + 1 - alpha_bar_t",  # noqa: E501
    reference_source="closed form q(x_t | x_0) for Gaussian x_0 (diffusion.gaussian_noised_moments)",
    kind="stat",
    glued=("dif-noise-var",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="k = 3 standard errors of a Gaussian sample variance, var sqrt(2 / (n - 1)); no allowance",
)
def _noising_var(short: bool):
    run = _run(study.noising_run, short)
    return run["var"].value, run["var"].error, float(run["exact_cov"][1, 1])


@reference_check(
    "diffusion.optimal-noise-predictor",
    chapter="diffusion",
    description="A noise predictor trained on 2D Gaussian data is within 0.01 (excess loss) of the optimum",
    reference_source="exact E[eps | x_t] for Gaussian data (diffusion.gaussian_optimal_eps); short: 0.05",
    kind="at_most",
    glued=("dif-gauss-excess",),
    reference_kind="exact",
    tolerance_from="target",
    why="a round target stated with the check: excess loss 0.01 per coordinate (0.05 short)",
)
def _optimal_eps(short: bool):
    return _run(study.gaussian_fit, short)["excess"], EPS_TOLERANCE[short]


@reference_check(
    "diffusion.toy-mmd",
    chapter="diffusion",
    description="MMD² of DDPM samples of the 2D toy density vs held-out data equals the held-out baseline",
    reference_source="metrics.mmd2_baseline (two halves of the held-out data); sigma of the difference",
    kind="stat",
    glued=("dif-toy-mmd-diff",),
    reference_kind="baseline",
    tolerance_from="sigma",
    why="3 combined jackknife errors of model and baseline MMD²; no systematic allowance",
)
def _toy_mmd(short: bool):
    run = _run(study.toy_run, short)
    m, b = run["mmd2"], run["baseline"]
    return m.value - b.value, float(np.hypot(m.error, b.error)), 0.0


@reference_check(
    "diffusion.exact-sampler-variance",
    chapter="diffusion",
    description="Ancestral sampling with the exact noise predictor, chapter's schedule (T = 100): "
    "sample variance of x_2 against the exact propagation of the same chain",
    reference_source="physml.diffusion.ancestral_moments (mean and covariance propagated through the "
    "linear reverse chain, reverse variance beta_tilde); short configuration: 5,000 samples",
    kind="stat",
    k=3.0,
    glued=("dif-exact-var-coarse",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="3 standard errors of the sample variance; the propagation is exact, so no systematic allowance",
)
def _exact_sampler(short: bool):
    row = _run(study.exact_sampler_run, short)["rows"][0]
    return row["var"].value, row["var"].error, row["propagated"]["beta_tilde"]


@reference_check(
    "diffusion.exact-sampler-variance-fine",
    chapter="diffusion",
    description="The same with the fine schedule of Ho et al. (T = 1000)",
    reference_source="physml.diffusion.ancestral_moments with beta_tilde on the linear schedule "
    "1e-4 to 0.02 of Ho et al.; short configuration: 5,000 samples",
    kind="stat",
    k=3.0,
    glued=("dif-exact-var-fine",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="3 standard errors of the sample variance; the propagation is exact, so no systematic allowance",
)
def _exact_sampler_fine(short: bool):
    row = _run(study.exact_sampler_run, short)["rows"][1]
    return row["var"].value, row["var"].error, row["propagated"]["beta_tilde"]


@reference_check(
    "diffusion.ddim-propagated",
    chapter="diffusion",
    description="DDIM with the exact noise predictor (10 steps of the chapter's schedule): sample variance "
    "of x_2 against the exact propagation of the same deterministic map",
    reference_source="physml.diffusion.ddim_moments (affine steps, propagated from N(0, I)); "
    "short configuration: 5,000 samples",
    kind="stat",
    k=3.0,
    glued=("dif-ddim-var",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="3 standard errors of the sample variance; the propagation is exact, no systematic allowance",
)
def _ddim(short: bool):
    row = _run(study.ddim_run, short)["rows"][0]
    return row["var"].value, row["var"].error, row["propagated"]
