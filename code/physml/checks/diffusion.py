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


def _digit_options(baseline: str, known_failure: str = "") -> dict:
    """Options of the two beats checks of the digit DDPM (one per baseline of the digit benchmark)."""
    name = {"gaussian": "a single Gaussian (full covariance)", "mixture": "a 10-component Gaussian mixture"}
    return dict(
        chapter="diffusion",
        description="DDPM digits (residual MLP, DDIM sampling; 3 seeds): benchmark MMD² against the "
        f"held-out digits below that of {name[baseline]} fitted to the same training digits (same seeds)",
        reference_source=f"physml.digit_benchmark.baseline_scores(seeds)['{baseline}'] (fixed bandwidth, 540 "
        "samples per seed); short configuration (150 steps): against Gaussian noise x_T mapped to pixels",
        kind="beats",
        better="lower",
        margin=0.0,
        glued=("dif-dig-mmd-mean",),
        reference_kind="baseline",
        tolerance_from="target",
        why="the claim, stated before the run, is only 'a lower mean MMD² than the baseline over the same "
        "three seeds' (issue 21), on the benchmark shared by every digit model of the part",
        known_failure=known_failure,
    )


def _digits_vs(baseline: str, short: bool):
    run = _run(study.digits_run, short)
    model = [m.value for m in run["mmd2"]]
    if short:
        return model, run["noise_mmd2"].value
    return model, [b.value for b in run["baselines"][baseline]]


@reference_check("diffusion.digits-beats-gaussian", **_digit_options("gaussian"))
def _digits_beats_gaussian(short: bool):
    return _digits_vs("gaussian", short)


@reference_check(
    "diffusion.digits-beats-mixture",
    **_digit_options(
        "mixture",
        known_failure="within the page's budget (2400 training steps per seed) the DDPM's mean MMD² "
        "stays above the mixture's; four times the steps (study.DigitsRun(steps=4 * 2400), a run the "
        "reader can make) bring it below",
    ),
)
def _digits_beats_mixture(short: bool):
    return _digits_vs("mixture", short)
