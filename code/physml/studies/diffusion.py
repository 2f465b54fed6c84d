r"""The runs of "Diffusion models": what the page trains and samples, with its settings in view.

* :func:`noising_run`: the forward process on Gaussian data, run step by step, against its
  closed form;
* :func:`gaussian_fit`: a noise predictor trained on 2D Gaussian data against the exact
  optimal predictor;
* :func:`exact_sampler_run`: ancestral sampling with the exact optimal predictor, on the
  chapter's schedule and on the finer one of Ho et al.;
* :func:`toy_run`: a DDPM on the 2D toy density of the generative-modelling chapter, judged
  by MMD²;
* :func:`digits_run`: a DDPM on the 8x8 digits over three seeds, scored by the benchmark of
  ``physml.digit_benchmark`` against its two baselines and judged by the judge classifier of
  ``physml.metrics``.

Every settings class carries the noise schedule (``T``, ``beta_1``, ``beta_T``, ``schedule``);
the book's is linear, :math:`\beta_t` from :math:`10^{-3}` to 0.2 over :math:`T = 100` steps.
The digits use the cosine schedule with the same T.
"""

from __future__ import annotations

import copy
import time

import numpy as np
import torch

from .. import diffusion as dm
from .. import digit_benchmark, metrics
from ..experiment import Settings, setting, study
from . import generative

# the 2D Gaussian data of the exact checks (the problem, not a setting)
GAUSS_MU = (1.0, -0.5)
GAUSS_COV = ((1.0, 0.6), (0.6, 0.5))


class ScheduleSettings(Settings):
    """The noise schedule, shared by the settings of every run of the chapter."""

    T: int = setting(100, low=2, doc="diffusion steps")
    beta_1: float = setting(1e-3, low=0, high=1, doc="first beta of the linear schedule")
    beta_T: float = setting(0.2, low=0, high=1, doc="last beta of the linear schedule")
    schedule: str = setting("linear", doc='"linear" (beta_1 to beta_T) or "cosine" (Nichol and Dhariwal)')

    def validate(self):
        if self.schedule not in ("linear", "cosine"):
            raise ValueError(
                f"{type(self).__name__}.schedule must be 'linear' or 'cosine', got {self.schedule!r}"
            )
        if not (0 < self.beta_1 < 1 and 0 < self.beta_T < 1):
            raise ValueError(f"{type(self).__name__}.beta_1 and beta_T must lie strictly between 0 and 1")


def make_schedule(cfg: ScheduleSettings) -> dm.Schedule:
    """The noise schedule of a run's settings."""
    if cfg.schedule == "cosine":
        return dm.Schedule(dm.cosine_betas(cfg.T))
    return dm.Schedule(dm.linear_betas(cfg.T, cfg.beta_1, cfg.beta_T))


def gaussian_data(n: int, seed) -> np.ndarray:
    """``n`` samples of the 2D Gaussian ``N(GAUSS_MU, GAUSS_COV)``."""
    return np.random.default_rng(seed).multivariate_normal(GAUSS_MU, GAUSS_COV, size=n)


def _estimate(x: np.ndarray) -> metrics.Estimate:
    """Mean of independent values and its standard error."""
    return metrics.Estimate(float(x.mean()), float(x.std(ddof=1) / np.sqrt(len(x))))


def _variance(x: np.ndarray, j: int) -> metrics.Estimate:
    """Sample variance of coordinate ``j`` and its standard error for Gaussian data, var sqrt(2 / (n - 1))."""
    var = float(x.var(axis=0, ddof=1)[j])
    return metrics.Estimate(var, var * float(np.sqrt(2 / (len(x) - 1))))


# --------------------------------------------------------------------------- training


def train_noise_predictor(
    cfg: GaussFitRun | ToyRun | DigitsRun, data: np.ndarray
) -> tuple[dm.NoisePredictor, dict]:
    """A :class:`~physml.diffusion.NoisePredictor` trained on ``data`` (n, d) with the settings of ``cfg``
    (schedule, ``width``, ``depth``, ``steps``, ``lr``, ``batch_size``, ``seed``, ``device``)."""
    torch.manual_seed(cfg.seed)
    model = dm.NoisePredictor(data.shape[1], cfg.T, width=cfg.width, depth=cfg.depth)
    history = dm.fit_ddpm(
        model,
        data,
        make_schedule(cfg),
        steps=cfg.steps,
        lr=cfg.lr,
        batch_size=cfg.batch_size,
        seed=cfg.seed,
        device=cfg.device,
    )
    return model.cpu(), history


# --------------------------------------------------------------------------- the forward process


class NoisingRun(ScheduleSettings):
    """Settings of the forward process run step by step on Gaussian data."""

    n: int = setting(20_000, low=2, doc="samples of the 2D Gaussian")
    t: int = setting(20, low=1, doc="forward steps taken")
    seed: int = setting(2026, low=0, doc="seed of the data (the noise uses seed + 1)")

    SHORT = {"n": 5_000}

    def validate(self):
        super().validate()
        if self.t > self.T:
            raise ValueError(f"NoisingRun.t must be <= T = {self.T}, got {self.t}")


@study("diffusion", NoisingRun)
def noising_run(cfg: NoisingRun) -> dict:
    """Gaussian samples run step by step to step ``cfg.t``; sample moments and the closed form."""
    sched = make_schedule(cfg)
    x0 = gaussian_data(cfg.n, cfg.seed)
    xt = dm.forward_steps(x0, sched, cfg.t, seed=cfg.seed + 1)
    mean, cov = dm.gaussian_noised_moments(GAUSS_MU, GAUSS_COV, sched.alpha_bars[cfg.t - 1])
    return {
        "t": cfg.t,
        "schedule": sched,
        "x0": x0,
        "xt": xt,
        "mean": _estimate(xt[:, 0]),
        "var": _variance(xt, 1),
        "exact_mean": mean,
        "exact_cov": cov,
    }


# --------------------------------------------------------------------------- the optimal denoiser


class GaussFitRun(ScheduleSettings):
    """Settings of the noise predictor trained on 2D Gaussian data."""

    n_data: int = setting(4000, low=1, doc="training samples of the 2D Gaussian")
    width: int = setting(64, low=1, doc="hidden units per layer of the noise predictor")
    depth: int = setting(2, low=1, doc="hidden layers")
    steps: int = setting(800, low=1, doc="Adam steps (mini-batches)")
    lr: float = setting(3e-3, low=0, doc="initial Adam learning rate (decays linearly to zero)")
    batch_size: int = setting(256, low=1, doc="mini-batch size")
    n_eval: int = setting(20_000, low=100, doc="fresh (t, x_0, eps) on which the excess loss is measured")
    seed: int = setting(
        2026, low=0, doc="seed of initialisation and batches (data: seed + 2, test: seed + 3)"
    )
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"steps": 300}


@study("diffusion", GaussFitRun)
def gaussian_fit(cfg: GaussFitRun) -> dict:
    r"""Train a noise predictor on Gaussian data and compare it with :func:`diffusion.gaussian_optimal_eps`.

    The excess loss :math:`E\lVert\epsilon_\theta - \epsilon^\ast\rVert^2 / d` is averaged
    over fresh samples of :math:`(t, x_0, \epsilon)`; the irreducible loss
    :math:`E\lVert\epsilon - \epsilon^\ast\rVert^2/d` of the optimum is computed on the same samples.
    """
    sched = make_schedule(cfg)
    data = gaussian_data(cfg.n_data, cfg.seed + 2)
    model, history = train_noise_predictor(cfg, data)
    rng = np.random.default_rng(cfg.seed + 3)
    n = cfg.n_eval
    x0 = gaussian_data(n, rng)
    t = rng.integers(1, cfg.T + 1, size=n)
    eps = rng.standard_normal(x0.shape)
    ab = sched.alpha_bars[t - 1][:, None]
    xt = np.sqrt(ab) * x0 + np.sqrt(1 - ab) * eps
    best = dm.gaussian_optimal_eps(xt, t, GAUSS_MU, GAUSS_COV, sched)
    with torch.no_grad():
        pred = model(torch.as_tensor(xt, dtype=torch.float32), torch.as_tensor(t)).double().numpy()
    excess = ((pred - best) ** 2).mean(axis=1)
    per_t = np.array([excess[t == s].mean() if np.any(t == s) else np.nan for s in range(1, cfg.T + 1)])
    return {
        "model": model,
        "history": history,
        "schedule": sched,
        "excess": float(excess.mean()),
        "excess_per_t": per_t,
        "irreducible": float(((eps - best) ** 2).mean()),
        "model_loss": float(((eps - pred) ** 2).mean()),
        "xt": xt,
        "t": t,
        "pred": pred,
        "best": best,
    }


# --------------------------------------------------------------------------- the exact sampler


class ExactSamplerRun(ScheduleSettings):
    """Settings of ancestral sampling with the exact noise predictor of the 2D Gaussian, on the
    chapter's schedule and on a finer linear one (Ho et al.: T = 1000, beta from 1e-4 to 0.02)."""

    n: int = setting(20_000, low=2, doc="samples drawn on each schedule")
    fine_T: int = setting(1000, low=2, doc="steps of the fine schedule")
    fine_beta_1: float = setting(1e-4, low=0, high=1, doc="first beta of the fine schedule")
    fine_beta_T: float = setting(0.02, low=0, high=1, doc="last beta of the fine schedule")
    seed: int = setting(2026, low=0, doc="seed of the samples")

    SHORT = {"n": 5_000}


@study("diffusion", ExactSamplerRun)
def exact_sampler_run(cfg: ExactSamplerRun) -> dict:
    """Ancestral sampling with the exact noise predictor of the 2D Gaussian, on the chapter's schedule
    and on the fine one: sample means (first coordinate) and variances (second)."""
    fine = dm.Schedule(dm.linear_betas(cfg.fine_T, cfg.fine_beta_1, cfg.fine_beta_T))
    rows = []
    for sched in (make_schedule(cfg), fine):
        x = dm.sample_ddpm(dm.GaussianNoisePredictor(GAUSS_MU, GAUSS_COV, sched), sched, cfg.n, seed=cfg.seed)
        # the same chain propagated exactly, for each choice of the reverse variance
        propagated = {
            v: dm.ancestral_moments(GAUSS_MU, GAUSS_COV, sched, v)[1][1, 1] for v in dm.REVERSE_VARIANCES
        }
        rows.append(
            {"T": sched.T, "mean": _estimate(x[:, 0]), "var": _variance(x, 1), "propagated": propagated}
        )
    return {"rows": rows, "exact_mean": GAUSS_MU[0], "exact_var": GAUSS_COV[1][1]}


class DDIMRun(ScheduleSettings):
    """Settings of deterministic DDIM sampling with the exact noise predictor of the 2D Gaussian."""

    steps: tuple[int, ...] = setting((10, 25, 100), low=1, doc="numbers of DDIM steps (at most T)")
    n: int = setting(20_000, low=2, doc="samples drawn for each number of steps")
    seed: int = setting(2026, low=0, doc="seed of x_T")

    SHORT = {"n": 5_000}


@study("diffusion", DDIMRun)
def ddim_run(cfg: DDIMRun) -> dict:
    """DDIM with the exact predictor for each number of steps: the sampled variance of x_2 and the
    exactly propagated one (``dm.ddim_moments``)."""
    sched = make_schedule(cfg)
    model = dm.GaussianNoisePredictor(GAUSS_MU, GAUSS_COV, sched)
    rows = []
    for steps in cfg.steps:
        x = dm.sample_ddim(model, sched, cfg.n, steps, seed=cfg.seed)
        rows.append(
            {
                "steps": steps,
                "var": _variance(x, 1),
                "mean": _estimate(x[:, 0]),
                "propagated": dm.ddim_moments(GAUSS_MU, GAUSS_COV, sched, steps)[1][1, 1],
            }
        )
    return {"rows": rows, "exact_var": GAUSS_COV[1][1]}


# --------------------------------------------------------------------------- the 2D toy density


class ToyRun(ScheduleSettings):
    """Settings of the DDPM on the toy mixture of the generative-modelling chapter."""

    n_train: int = setting(4000, low=4, doc="training samples (and as many held out)")
    width: int = setting(128, low=1, doc="hidden units per layer of the noise predictor")
    depth: int = setting(3, low=1, doc="hidden layers")
    steps: int = setting(2000, low=1, doc="Adam steps (mini-batches)")
    lr: float = setting(2e-3, low=0, doc="initial Adam learning rate (decays linearly to zero)")
    batch_size: int = setting(256, low=1, doc="mini-batch size")
    seed: int = setting(2026, low=0, doc="seed of the data, initialisation, batches, noise and samples")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"n_train": 1000, "steps": 400}


def toy_data(cfg: ToyRun) -> tuple[np.ndarray, np.ndarray]:
    """Training and held-out samples of the toy density (independent draws, ``cfg.n_train`` each)."""
    rng = np.random.default_rng(cfg.seed)
    return generative.toy_sample(cfg.n_train, rng), generative.toy_sample(cfg.n_train, rng)


@study("diffusion", ToyRun)
def toy_run(cfg: ToyRun) -> dict:
    """A DDPM on the toy mixture of the generative-modelling chapter; MMD² against held-out samples."""
    train, held_out = toy_data(cfg)
    model, history = train_noise_predictor(cfg, train)
    n_half = len(held_out) // 2
    samples = dm.sample_ddpm(model, make_schedule(cfg), n_half, seed=cfg.seed, device=cfg.device)
    bandwidth = metrics.median_bandwidth(held_out)
    return {
        "model": model.cpu(),
        "history": history,
        "train": train,
        "held_out": held_out,
        "samples": samples,
        "bandwidth": bandwidth,
        "mmd2": metrics.mmd2(samples, held_out, bandwidth=bandwidth),
        "baseline": metrics.mmd2_baseline(held_out, seed=cfg.seed, bandwidth=bandwidth),
    }


# --------------------------------------------------------------------------- digits


def digits_to_unit(x: np.ndarray) -> np.ndarray:
    """Grey levels 0..16 of ``load_digits`` mapped to [-1, 1]."""
    return np.asarray(x, dtype=float) / (metrics.DIGIT_PIXEL_MAX / 2) - 1.0


def unit_to_digits(x: np.ndarray) -> np.ndarray:
    """Values in [-1, 1] (clipped) back to grey levels 0..16."""
    return (np.clip(x, -1.0, 1.0) + 1.0) * (metrics.DIGIT_PIXEL_MAX / 2)


class DigitsRun(ScheduleSettings):
    """Settings of the DDPM with a residual MLP noise predictor on the 8x8 digits, over three seeds."""

    schedule: str = setting("cosine", doc='"cosine" (Nichol and Dhariwal) or "linear" (beta_1 to beta_T)')
    width: int = setting(192, low=1, doc="hidden units of the residual noise predictor")
    blocks: int = setting(2, low=1, doc="residual blocks")
    steps: int = setting(2400, low=1, doc="Adam steps (mini-batches) per seed")
    lr: float = setting(
        4e-3, low=0, doc="peak Adam learning rate (linear warm-up, then linear decay to zero)"
    )
    warmup: int = setting(100, low=0, doc="warm-up steps of the learning rate")
    ema: float = setting(
        0.995, low=0, high=0.9999, doc="decay of the moving average of the weights (0: none)"
    )
    batch_size: int = setting(64, low=1, doc="mini-batch size")
    min_snr: float = setting(5.0, low=0, doc="min-SNR weighting gamma of the loss (0: unweighted)")
    sampler: str = setting(
        "ddim", doc='"ddim" (deterministic, sample_steps steps) or "ancestral" (all T steps)'
    )
    sample_steps: int = setting(50, low=1, doc="DDIM steps (at most T)")
    clip: float = setting(
        1.0, low=0, doc="predicted clean image clipped to [-clip, clip] while sampling (0: no clip)"
    )
    n_samples: int = setting(540, low=10, doc="generated digits per seed (the benchmark scores 540)")
    seeds: tuple[int, ...] = setting(
        (0, 1, 2), low=0, doc="seeds of initialisation, batches, noise and samples"
    )
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"steps": 150, "n_samples": 60, "sample_steps": 10}
    VARIANT = {"seeds": (3, 4, 5)}

    def validate(self):
        super().validate()
        if self.sampler not in ("ddim", "ancestral"):
            raise ValueError(f"DigitsRun.sampler must be 'ddim' or 'ancestral', got {self.sampler!r}")
        if self.sample_steps > self.T:
            raise ValueError(f"DigitsRun.sample_steps must be <= T = {self.T}, got {self.sample_steps}")
        if len(self.seeds) < 1:
            raise ValueError("DigitsRun.seeds must hold at least one seed")


def train_digit_model(cfg: DigitsRun, seed: int) -> tuple[dm.ResidualNoisePredictor, dict]:
    """The residual noise predictor of ``cfg`` trained on the benchmark's training digits (in [-1, 1])."""
    X_tr = digit_benchmark.split("grey")[0]
    torch.manual_seed(seed)
    model = dm.ResidualNoisePredictor(64, cfg.T, width=cfg.width, blocks=cfg.blocks)
    history = dm.fit_ddpm(
        model,
        digits_to_unit(X_tr),
        make_schedule(cfg),
        steps=cfg.steps,
        lr=cfg.lr,
        batch_size=cfg.batch_size,
        seed=seed,
        device=cfg.device,
        warmup=cfg.warmup,
        ema=cfg.ema,
        min_snr=cfg.min_snr if cfg.min_snr > 0 else None,
    )
    return model.cpu(), history


def sample_digits(cfg: DigitsRun, model: dm.NoisePredictor, seed: int) -> np.ndarray:
    """``cfg.n_samples`` digits of ``model`` in pixel units 0..16, with the sampler of ``cfg``."""
    clip = cfg.clip if cfg.clip > 0 else None
    sched = make_schedule(cfg)
    if cfg.sampler == "ddim":
        x = dm.sample_ddim(
            model, sched, cfg.n_samples, cfg.sample_steps, seed=seed, device=cfg.device, clip=clip
        )
    else:
        x = dm.sample_ddpm(model, sched, cfg.n_samples, seed=seed, device=cfg.device, clip=clip)
    return unit_to_digits(x)


def judge_confidence(images: np.ndarray) -> np.ndarray:
    """How sure the judge is of each image: the smallest of the one-vs-one decision values by which
    its class beats each of the nine others (negative when some pair vote goes against it)."""
    svc = copy.copy(metrics.digits_judge(0)[0])
    svc.decision_function_shape = "ovo"
    x = np.clip(images, 0, metrics.DIGIT_PIXEL_MAX) / metrics.DIGIT_PIXEL_MAX
    values, label = svc.decision_function(x), svc.predict(x)
    classes = list(svc.classes_)
    pairs = [(i, j) for i in range(len(classes)) for j in range(i + 1, len(classes))]
    out = np.full(len(x), np.inf)
    for k, (i, j) in enumerate(pairs):  # value > 0: class i wins the pair
        ci, cj = label == classes[i], label == classes[j]
        out[ci] = np.minimum(out[ci], values[ci, k])
        out[cj] = np.minimum(out[cj], -values[cj, k])
    return out


@study("diffusion", DigitsRun)
def digits_run(cfg: DigitsRun) -> dict:
    """A DDPM on the 8x8 digits for each seed of ``cfg.seeds``, scored by ``physml.digit_benchmark``.

    For each seed: train (:func:`train_digit_model`), sample (:func:`sample_digits`), score by the
    benchmark's MMD² against the 540 held-out digits, with the CPU (process) time of training and
    sampling. The two baselines of the benchmark (one Gaussian, a 10-component Gaussian mixture) are
    scored over the same seeds. The first seed's model, samples and judge are kept for the figures.
    """
    runs = []
    for seed in cfg.seeds:
        t0 = time.process_time()
        model, history = train_digit_model(cfg, seed)
        t1 = time.process_time()
        images = sample_digits(cfg, model, seed)
        t2 = time.process_time()
        runs.append(
            {
                "model": model,
                "history": history,
                "images": images,
                "train_s": t1 - t0,
                "sample_s": t2 - t1,
                "mmd2": digit_benchmark.score(images, "grey", seed=seed),
            }
        )
    _, X_te, _, y_te = digit_benchmark.split("grey")
    first = runs[0]["images"]
    return {
        "runs": runs,
        "model": runs[0]["model"],
        "history": runs[0]["history"],
        "images": first,
        "held_out": X_te,
        "held_out_labels": y_te,
        "judge": metrics.judge_classifier(first),
        "confidence": judge_confidence(first),
        "confidence_real": judge_confidence(X_te),
        "mmd2": [r["mmd2"] for r in runs],
        "baselines": digit_benchmark.baseline_scores(cfg.seeds, "grey"),
        "noise_mmd2": digit_benchmark.score(
            unit_to_digits(np.random.default_rng(0).standard_normal((540, 64))), "grey"
        ),
        "train_s": [r["train_s"] for r in runs],
        "sample_s": [r["sample_s"] for r in runs],
    }
