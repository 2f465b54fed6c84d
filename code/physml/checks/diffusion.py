"""Reference checks of the chapter "Diffusion models", and the runs the chapter shows.

* the forward process on Gaussian data, run step by step, against its closed form;
* a noise predictor trained on 2D Gaussian data against the exact optimal predictor;
* a DDPM on the 2D toy density of the generative-modelling chapter, judged by MMD²;
* a DDPM on the 8x8 digits, judged by the judge classifier of ``physml.metrics``.

Runs are cached and shared by the chapter page and the checks; ``short=True`` trains the
same code for fewer steps on fewer samples (unit tests).
"""

from __future__ import annotations

import numpy as np
import torch

from .. import diffusion as dm
from .. import metrics, torchtools
from ..validation import reference_check
from . import generative
from ._cache import per_configuration as _cached

SEED = 2026
T_STEPS = 100
SCHEDULE = dm.Schedule(dm.linear_betas(T_STEPS, 1e-3, 0.2))

GAUSS_MU = (1.0, -0.5)
GAUSS_COV = ((1.0, 0.6), (0.6, 0.5))
NOISING = {"t": 20, "n": (20_000, 5_000)}

GAUSS_FIT = {"n": 4000, "width": 64, "depth": 2, "steps": (800, 300), "lr": 3e-3, "batch_size": 256}
EPS_TOLERANCE = (0.01, 0.05)  # excess loss per coordinate over the optimum (full, short)

TOY = {"n_train": (4000, 1000), "width": 128, "depth": 3, "steps": (2000, 400), "lr": 2e-3, "batch_size": 256}
DIGITS = {
    "width": 256,
    "depth": 3,
    "steps": (1500, 300),
    "lr": 1e-3,
    "batch_size": 128,
    "n_samples": (500, 100),
}


def gaussian_data(n: int, seed) -> np.ndarray:
    """``n`` samples of the 2D Gaussian ``N(GAUSS_MU, GAUSS_COV)``."""
    return np.random.default_rng(seed).multivariate_normal(GAUSS_MU, GAUSS_COV, size=n)


def _train(data, cfg, short: bool, seed: int):
    torchtools.seed_everything(seed, deterministic=False)  # CPU: deterministic already
    model = dm.NoisePredictor(data.shape[1], T_STEPS, width=cfg["width"], depth=cfg["depth"])
    history = dm.fit_ddpm(
        model,
        data,
        SCHEDULE,
        steps=cfg["steps"][int(short)],
        lr=cfg["lr"],
        batch_size=cfg["batch_size"],
        seed=seed,
    )
    return model, history


# --------------------------------------------------------------------------- the forward process


@_cached
def noising_run(short: bool = False) -> dict:
    """Gaussian samples run step by step to ``NOISING["t"]``; sample moments and the closed form."""
    x0 = gaussian_data(NOISING["n"][int(short)], SEED)
    t = NOISING["t"]
    xt = dm.forward_steps(x0, SCHEDULE, t, seed=SEED + 1)
    mean, cov = dm.gaussian_noised_moments(GAUSS_MU, GAUSS_COV, SCHEDULE.alpha_bars[t - 1])
    n = len(xt)
    var = xt.var(axis=0, ddof=1)
    return {
        "t": t,
        "x0": x0,
        "xt": xt,
        "mean": metrics.Estimate(float(xt[:, 0].mean()), float(xt[:, 0].std(ddof=1) / np.sqrt(n))),
        # standard error of a sample variance of Gaussian data: var * sqrt(2 / (n - 1))
        "var": metrics.Estimate(float(var[1]), float(var[1] * np.sqrt(2 / (n - 1)))),
        "exact_mean": mean,
        "exact_cov": cov,
    }


# --------------------------------------------------------------------------- the optimal denoiser


@_cached
def gaussian_fit(short: bool = False) -> dict:
    """Train a noise predictor on Gaussian data and compare it with :func:`diffusion.gaussian_optimal_eps`.

    The excess loss :math:`E\\lVert\\epsilon_\\theta - \\epsilon^\\ast\\rVert^2 / d` is averaged
    over fresh samples of :math:`(t, x_0, \\epsilon)`; the irreducible loss
    :math:`E\\lVert\\epsilon - \\epsilon^\\ast\\rVert^2/d` of the optimum is computed on the same samples.
    """
    cfg = GAUSS_FIT
    data = gaussian_data(cfg["n"], SEED + 2)
    model, history = _train(data, cfg, short, SEED)
    rng = np.random.default_rng(SEED + 3)
    n = 20_000
    x0 = gaussian_data(n, rng)
    t = rng.integers(1, T_STEPS + 1, size=n)
    eps = rng.standard_normal(x0.shape)
    ab = SCHEDULE.alpha_bars[t - 1][:, None]
    xt = np.sqrt(ab) * x0 + np.sqrt(1 - ab) * eps
    best = dm.gaussian_optimal_eps(xt, t, GAUSS_MU, GAUSS_COV, SCHEDULE)
    with torch.no_grad():
        pred = model(torch.as_tensor(xt, dtype=torch.float32), torch.as_tensor(t)).double().numpy()
    excess = ((pred - best) ** 2).mean(axis=1)
    per_t = np.array([excess[t == s].mean() for s in range(1, T_STEPS + 1)])
    return {
        "model": model,
        "history": history,
        "excess": float(excess.mean()),
        "excess_per_t": per_t,
        "irreducible": float(((eps - best) ** 2).mean()),
        "model_loss": float(((eps - pred) ** 2).mean()),
        "xt": xt,
        "t": t,
        "pred": pred,
        "best": best,
    }


EXACT_SAMPLER = {"n": (20_000, 5_000), "fine_T": 1000}


@_cached
def exact_sampler_run(short: bool = False) -> dict:
    """Ancestral sampling with the exact noise predictor of the 2D Gaussian, on the chapter's schedule
    (T = 100) and on the finer schedule of Ho et al. (T = 1000): sample means and variances."""
    n = EXACT_SAMPLER["n"][int(short)]
    fine = dm.Schedule(dm.linear_betas(EXACT_SAMPLER["fine_T"], 1e-4, 0.02))
    rows = []
    for sched in (SCHEDULE, fine):
        x = dm.sample_ddpm(dm.GaussianNoisePredictor(GAUSS_MU, GAUSS_COV, sched), sched, n, seed=SEED)
        var = x.var(axis=0, ddof=1)
        rows.append(
            {
                "T": sched.T,
                "mean": metrics.Estimate(float(x[:, 0].mean()), float(x[:, 0].std(ddof=1) / np.sqrt(n))),
                "var": metrics.Estimate(float(var[1]), float(var[1] * np.sqrt(2 / (n - 1)))),
            }
        )
    return {"rows": rows, "exact_mean": GAUSS_MU[0], "exact_var": GAUSS_COV[1][1]}


# --------------------------------------------------------------------------- the 2D toy density


@_cached
def toy_run(short: bool = False) -> dict:
    """A DDPM on the toy mixture of the generative-modelling chapter; MMD² against held-out samples."""
    cfg = TOY
    rng = np.random.default_rng(SEED)
    train = generative.toy_sample(cfg["n_train"][int(short)], rng)
    held_out = generative.toy_sample(cfg["n_train"][int(short)], rng)
    model, history = _train(train, cfg, short, SEED)
    n_half = len(held_out) // 2
    samples = dm.sample_ddpm(model, SCHEDULE, n_half, seed=SEED)
    bandwidth = metrics.median_bandwidth(held_out)
    return {
        "model": model,
        "history": history,
        "train": train,
        "held_out": held_out,
        "samples": samples,
        "bandwidth": bandwidth,
        "mmd2": metrics.mmd2(samples, held_out, bandwidth=bandwidth),
        "baseline": metrics.mmd2_baseline(held_out, seed=SEED, bandwidth=bandwidth),
    }


# --------------------------------------------------------------------------- digits


def digits_to_unit(x: np.ndarray) -> np.ndarray:
    """Grey levels 0..16 of ``load_digits`` mapped to [-1, 1]."""
    return np.asarray(x, dtype=float) / (metrics.DIGIT_PIXEL_MAX / 2) - 1.0


def unit_to_digits(x: np.ndarray) -> np.ndarray:
    """Values in [-1, 1] (clipped) back to grey levels 0..16."""
    return (np.clip(x, -1.0, 1.0) + 1.0) * (metrics.DIGIT_PIXEL_MAX / 2)


@_cached
def digits_run(short: bool = False) -> dict:
    """A DDPM with an MLP noise predictor on the 8x8 digits (the judge's training split), judged by the SVC.

    Pixels are scaled to [-1, 1] for training and back to 0..16 for the judge.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X_tr, X_te, _, _ = train_test_split(
        digits.data, digits.target, test_size=0.3, random_state=0, stratify=digits.target
    )
    cfg = DIGITS
    model, history = _train(digits_to_unit(X_tr), cfg, short, SEED)
    images = unit_to_digits(dm.sample_ddpm(model, SCHEDULE, cfg["n_samples"][int(short)], seed=SEED))
    bandwidth = metrics.median_bandwidth(X_te)
    return {
        "model": model,
        "history": history,
        "images": images,
        "held_out": X_te,
        "judge": metrics.judge_classifier(images),
        "mmd2": metrics.mmd2(images, X_te, bandwidth=bandwidth),
        "baseline": metrics.mmd2_baseline(X_te, seed=SEED, bandwidth=bandwidth),
    }


# --------------------------------------------------------------------------- reference checks


@reference_check(
    "diffusion.noising-mean",
    chapter="diffusion",
    description="Mean of x_t (first coordinate) after t forward steps equals sqrt(alpha_bar_t) mu",
    reference_source="closed form q(x_t | x_0) for Gaussian x_0 (diffusion.gaussian_noised_moments)",
    kind="stat",
    glued=("dif-noise-mean",),
)
def _noising_mean(short: bool):
    run = noising_run(short)
    return run["mean"].value, run["mean"].error, float(run["exact_mean"][0])


@reference_check(
    "diffusion.noising-variance",
    chapter="diffusion",
    description="Variance of x_t (2nd coordinate) after t forward steps equals alpha_bar_t s^2 + 1 - alpha_bar_t",  # noqa: E501
    reference_source="closed form q(x_t | x_0) for Gaussian x_0 (diffusion.gaussian_noised_moments)",
    kind="stat",
    glued=("dif-noise-var",),
)
def _noising_var(short: bool):
    run = noising_run(short)
    return run["var"].value, run["var"].error, float(run["exact_cov"][1, 1])


@reference_check(
    "diffusion.optimal-noise-predictor",
    chapter="diffusion",
    description="A noise predictor trained on 2D Gaussian data is within 0.01 (excess loss) of the optimum",
    reference_source="exact E[eps | x_t] for Gaussian data (diffusion.gaussian_optimal_eps); short: 0.05",
    kind="at_most",
    glued=("dif-gauss-excess",),
)
def _optimal_eps(short: bool):
    return gaussian_fit(short)["excess"], EPS_TOLERANCE[int(short)]


@reference_check(
    "diffusion.toy-mmd",
    chapter="diffusion",
    description="MMD² of DDPM samples of the 2D toy density vs held-out data equals the held-out baseline",
    reference_source="metrics.mmd2_baseline (two halves of the held-out data); sigma of the difference",
    kind="stat",
    glued=("dif-toy-mmd-diff",),
)
def _toy_mmd(short: bool):
    run = toy_run(short)
    m, b = run["mmd2"], run["baseline"]
    return m.value - b.value, float(np.hypot(m.error, b.error)), 0.0


@reference_check(
    "diffusion.exact-sampler-variance",
    chapter="diffusion",
    description="Ancestral sampling with the exact noise predictor (T = 1000) gives the data variance",
    reference_source="Sigma_22 of the 2D Gaussian data; linear schedule of Ho et al. (1e-4 to 0.02)",
    kind="stat",
    glued=("dif-exact-var-fine",),
)
def _exact_sampler(short: bool):
    run = exact_sampler_run(short)
    v = run["rows"][1]["var"]
    return v.value, v.error, run["exact_var"]
