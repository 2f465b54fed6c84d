"""Reference checks of "Generative adversarial networks", and the trained models the chapter shows.

* the theory of the game for two known 1D Gaussians: the value at the optimal
  discriminator equals ``-ln 4 + 2 JSD``, the JSD by quadrature equals SciPy's
  ``jensenshannon`` of the discretised densities, and no perturbed discriminator does
  better than ``D*``;
* two GANs on the ring of eight Gaussians: a well-behaved run (small learning rates,
  Adam betas (0.5, 0.999)) and the same with three generator steps per discriminator
  step, which collapses for the book's seed; modes covered, high-quality fraction, MMD² against
  held-out ring samples judged against two held-out halves;
* a small MLP GAN on the 8x8 digits (pixels scaled to [-1, 1]), judged by the digit
  classifier of ``physml.metrics`` (class coverage) and MMD² against held-out digits.

``short=True`` trains for fewer steps (unit tests) and evaluates fewer samples.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy.spatial.distance import jensenshannon
from threadpoolctl import threadpool_limits

from .. import gan, metrics
from ..studies.vae import digits_split
from ..torchtools import seed_everything
from ..validation import reference_check
from ._cache import per_configuration as _cached

SEED = 2026

# --- two known densities for the theory checks
P_DATA = (0.0, 1.0)  # mean, std of p_data
P_G = (1.5, 0.7)  # mean, std of p_g

# --- the ring of Gaussians
RING_MODES = 8
RING_RADIUS = 2.0
RING_SIGMA = 0.05
RING_TRAIN = 20_000
RING_HELD_OUT = {False: 2000, True: 1000}
RING_SAMPLES = {False: 1000, True: 500}  # = half the held-out set, as each half of the baseline
RING_BANDWIDTH = 0.5  # MMD kernel width: a quarter of the radius, a few mode widths
RING_LATENT = 2
RING_HIDDEN = (64, 64)
MIN_FRACTION = 0.02  # a mode is covered when it holds >= 2 % of the samples (uniform: 12.5 %)
GOOD = {
    False: gan.GANConfig(steps=3000, lr_g=5e-4, lr_d=5e-4, betas=(0.5, 0.999)),
    True: gan.GANConfig(steps=1000, lr_g=5e-4, lr_d=5e-4, betas=(0.5, 0.999)),
}
BAD = {  # the same, with three generator steps per discriminator step (and fewer steps: it collapses early)
    False: gan.GANConfig(steps=1000, lr_g=5e-4, lr_d=5e-4, betas=(0.5, 0.999), g_steps=3),
    True: gan.GANConfig(steps=300, lr_g=5e-4, lr_d=5e-4, betas=(0.5, 0.999), g_steps=3),
}
GOOD_MODES = {False: 7, True: 5}  # modes the good run must cover (at_least)
RING_MMD_ALLOWANCE = {False: 0.002, True: 0.05}  # MMD² systematic allowance of the good run

# --- digits
DIGIT_LATENT = 16
DIGIT_HIDDEN = (128, 128)
DIGIT = {
    False: gan.GANConfig(steps=3000, batch_size=64, lr_g=1e-3, lr_d=1e-3, betas=(0.5, 0.999)),
    True: gan.GANConfig(steps=300, batch_size=64, lr_g=1e-3, lr_d=1e-3, betas=(0.5, 0.999)),
}
DIGIT_SAMPLES = {False: 540, True: 200}
DIGIT_MMD_ALLOWANCE = {False: 0.02, True: 0.3}


# --------------------------------------------------------------------------- the theory


@functools.cache
def theory() -> dict:
    r"""The game for :math:`p_{\mathrm{data}} = \mathcal N(0, 1)` and :math:`p_g = \mathcal N(1.5, 0.7^2)`.

    Returns the grid, both densities, :math:`D^*`, the value :math:`C(G) = V(D^*, G)`, the
    JSD by quadrature and by SciPy, and the best value reached by 20 randomly perturbed
    discriminators.
    """
    x, dx = gan.gaussian_grid(*P_DATA, *P_G)
    p, q = gan.normal_pdf(x, *P_DATA), gan.normal_pdf(x, *P_G)
    d_star = gan.optimal_discriminator(p, q)
    value = gan.game_value(d_star, p, q, dx)
    jsd = gan.js_divergence_gaussians(*P_DATA, *P_G)
    jsd_scipy = float(jensenshannon(p / p.sum(), q / q.sum()) ** 2)
    rng = np.random.default_rng(SEED)
    perturbed = []
    for _ in range(20):
        d = np.clip(d_star + 0.05 * rng.normal(size=d_star.shape), 1e-12, 1 - 1e-12)
        perturbed.append(gan.game_value(d, p, q, dx))
    return {
        "x": x,
        "p_data": p,
        "p_g": q,
        "d_star": d_star,
        "value": value,
        "jsd": jsd,
        "jsd_scipy": jsd_scipy,
        "best_perturbed": max(perturbed),
    }


# --------------------------------------------------------------------------- the ring of Gaussians


def _ring_data(short: bool):
    train = gan.ring_of_gaussians(RING_TRAIN, RING_MODES, RING_RADIUS, RING_SIGMA, seed=SEED)
    held = gan.ring_of_gaussians(RING_HELD_OUT[short], RING_MODES, RING_RADIUS, RING_SIGMA, seed=SEED + 1)
    return train, held


@functools.cache
def ring_run(which: str, short: bool = False) -> dict:
    """Train one ring GAN (``which`` = "good" or "bad") and evaluate its samples."""
    cfg = {"good": GOOD, "bad": BAD}[which][short]
    train, held = _ring_data(short)
    seed_everything(SEED)
    G = gan.generator_net(RING_LATENT, 2, RING_HIDDEN)
    D = gan.discriminator_net(2, RING_HIDDEN)
    history = gan.train_gan(G, D, train, RING_LATENT, cfg, seed=SEED)
    samples = gan.sample(G, RING_SAMPLES[short], RING_LATENT, seed=SEED + 2)
    centres = gan.ring_centres(RING_MODES, RING_RADIUS)
    with threadpool_limits(limits=1):
        return {
            "config": cfg,
            "generator": G,
            "history": history,
            "samples": samples,
            "coverage": gan.mode_coverage(samples, centres, RING_SIGMA, MIN_FRACTION),
            "mmd2": metrics.mmd2(samples, held, bandwidth=RING_BANDWIDTH),
        }


@_cached
def ring_baseline(short: bool = False) -> metrics.MMDResult:
    """MMD² between two halves of the held-out ring samples: what a perfect generator scores."""
    with threadpool_limits(limits=1):
        return metrics.mmd2_baseline(_ring_data(short)[1], seed=SEED, bandwidth=RING_BANDWIDTH)


@_cached
def ring_study(short: bool = False) -> dict:
    """Both ring runs, the real data's own coverage and the MMD² baseline of two held-out halves."""
    train, held = _ring_data(short)
    centres = gan.ring_centres(RING_MODES, RING_RADIUS)
    baseline = ring_baseline(short)
    with threadpool_limits(limits=1):
        real_cov = gan.mode_coverage(train[: RING_SAMPLES[short]], centres, RING_SIGMA, MIN_FRACTION)
    return {
        "good": ring_run("good", short),
        "bad": ring_run("bad", short),
        "train": train,
        "held_out": held,
        "centres": centres,
        "baseline": baseline,
        "real_coverage": real_cov,
    }


# --------------------------------------------------------------------------- digits


@_cached
def digit_study(short: bool = False) -> dict:
    """Train the digit GAN on the training digits (scaled to [-1, 1]) and judge its samples.

    Samples are mapped back to pixel units 0..16. MMD² against the held-out digits uses
    the median bandwidth of the held-out digits, as the baseline does.
    """
    X_tr, X_te, _, _ = digits_split()
    scale = metrics.DIGIT_PIXEL_MAX / 2
    seed_everything(SEED)
    G = gan.generator_net(DIGIT_LATENT, 64, DIGIT_HIDDEN, output="tanh")
    D = gan.discriminator_net(64, DIGIT_HIDDEN)
    history = gan.train_gan(G, D, X_tr / scale - 1, DIGIT_LATENT, DIGIT[short], seed=SEED)
    samples = (gan.sample(G, DIGIT_SAMPLES[short], DIGIT_LATENT, seed=SEED + 2) + 1) * scale
    with threadpool_limits(limits=1):
        bandwidth = metrics.median_bandwidth(X_te)
        judge = metrics.judge_classifier(samples)
        n = len(samples)
        frac = judge.counts / n
        return {
            "generator": G,
            "history": history,
            "samples": samples,
            "judge": judge,
            "class_fraction": frac,
            "class_fraction_error": np.sqrt(frac * (1 - frac) / n),
            "mmd2": metrics.mmd2(samples, X_te, bandwidth=bandwidth),
            "baseline": metrics.mmd2_baseline(X_te, seed=SEED, bandwidth=bandwidth),
            "held_out": X_te,
        }


# --------------------------------------------------------------------------- reference checks


@reference_check(
    "gan.value-at-optimum",
    chapter="gan",
    description="Value of the game at the optimal discriminator equals -ln 4 + 2 JSD (two 1D Gaussians)",
    reference_source="Goodfellow et al. (2014), Theorem 1; both sides by quadrature on the same grid",
    kind="abs",
    tolerance=1e-9,
    glued=("gan-value",),
)
def _value_at_optimum():
    t = theory()
    return t["value"], -math.log(4) + 2 * t["jsd"]


@reference_check(
    "gan.jsd-scipy",
    chapter="gan",
    description="JSD of two 1D Gaussians by quadrature equals SciPy's jensenshannon of the discretised "
    "densities",
    reference_source="scipy.spatial.distance.jensenshannon (squared, natural log)",
    kind="rel",
    tolerance=1e-6,
    glued=("gan-jsd",),
)
def _jsd_scipy():
    t = theory()
    return t["jsd"], t["jsd_scipy"]


@reference_check(
    "gan.optimal-discriminator-is-best",
    chapter="gan",
    description="No randomly perturbed discriminator reaches a higher value of the game than D*",
    reference_source="the value at D* (gan.optimal_discriminator); 20 perturbations of std 0.05",
    kind="at_most",
    glued=("gan-best-perturbed",),
)
def _d_star_best():
    t = theory()
    return t["best_perturbed"], t["value"]


@reference_check(
    "gan.ring-modes-good",
    chapter="gan",
    description="The well-behaved ring GAN covers at least 7 of the 8 modes",
    reference_source="gan.mode_coverage: >= 2 % of the samples within 3 sigma of a centre; "
    "short (1000 steps): at least 5",
    kind="at_least",
    glued=("gan-good-modes",),
)
def _ring_modes(short: bool):
    return ring_run("good", short)["coverage"].n_covered, GOOD_MODES[short]


@reference_check(
    "gan.ring-mmd-good",
    chapter="gan",
    description="MMD² of the well-behaved ring GAN against held-out samples is at the baseline of two "
    "held-out halves, within the stated allowance",
    reference_source="metrics.mmd2_baseline (two halves of the held-out ring samples); sigma combines both "
    "jackknife errors; systematic 0.002 (short, 1000 steps: 0.05)",
    kind="stat",
    systematic=RING_MMD_ALLOWANCE[False],
    short_systematic=RING_MMD_ALLOWANCE[True],
    glued=("gan-good-mmd",),
)
def _ring_mmd(short: bool):
    m, b = ring_run("good", short)["mmd2"], ring_baseline(short)
    return m.value, math.hypot(m.error, b.error), b.value


@reference_check(
    "gan.digits-coverage",
    chapter="gan",
    description="Samples of the digit GAN cover all ten classes (each >= 10 % of a uniform share)",
    reference_source="metrics.judge_classifier coverage, target 1.0 (short, 300 steps: 0.3)",
    kind="at_least",
    glued=("gan-digit-coverage",),
)
def _digit_coverage(short: bool):
    return digit_study(short)["judge"].coverage, 0.3 if short else 1.0


@reference_check(
    "gan.digits-mmd",
    chapter="gan",
    description="MMD² of the digit GAN against held-out digits is within an allowance of 0.02 of the "
    "baseline of two held-out halves",
    reference_source="metrics.mmd2_baseline (two halves of the held-out digits); sigma combines both "
    "jackknife errors; systematic 0.02 (short, 300 steps: 0.3)",
    kind="stat",
    systematic=DIGIT_MMD_ALLOWANCE[False],
    short_systematic=DIGIT_MMD_ALLOWANCE[True],
    glued=("gan-digit-mmd",),
)
def _digit_mmd(short: bool):
    s = digit_study(short)
    m, b = s["mmd2"], s["baseline"]
    return m.value, math.hypot(m.error, b.error), b.value
