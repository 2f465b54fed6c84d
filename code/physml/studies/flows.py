"""The runs of "Normalising flows": what the page trains, with its settings in view.

Three Real-NVP flows (``physml.flows``):

* :func:`toy_run`: maximum likelihood on samples of the generative chapter's 2D toy density
  (a mixture of three Gaussians, known exactly), judged by a Monte Carlo KL divergence;
* :func:`boltzmann_run`: a Boltzmann generator, trained by reverse KL on the 2D double well
  with no data, reweighted to unbiased averages and checked against quadrature on a grid;
  at a second, lower temperature the same training shows the mode-seeking of reverse KL;
* :func:`digits_run`: the 8x8 digits (grey levels, dequantised, in logit space) over three
  seeds, judged by the shared digit benchmark (``physml.digit_benchmark``) and by the exact
  held-out negative log-likelihood.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from .. import digit_benchmark as db
from .. import flows, metrics
from ..experiment import Settings, setting, study
from .generative import toy_log_density, toy_sample


def _estimate(x: np.ndarray) -> metrics.Estimate:
    x = np.asarray(x, dtype=float)
    return metrics.Estimate(float(x.mean()), float(x.std(ddof=1) / np.sqrt(len(x))))


def _log_prob64(flow: flows.RealNVP, x: np.ndarray) -> np.ndarray:
    """ln q of the rows of ``x`` under ``flow``, evaluated in double precision."""
    f64 = flows.RealNVP(
        flow.dim,
        len(flow.layers),
        _hidden_of(flow),
        flow.layers[0].scale_bound,
        [layer.mask.numpy() for layer in flow.layers],
    )
    f64.load_state_dict(flow.state_dict())
    f64 = f64.double()
    with torch.no_grad():
        return f64.log_prob(torch.as_tensor(x, dtype=torch.float64)).numpy()


def _hidden_of(flow: flows.RealNVP) -> tuple[int, ...]:
    return tuple(m.out_features for m in flow.layers[0].net if isinstance(m, torch.nn.Linear))[:-1]


def grid(bounds, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Midpoints of an n x n grid over ``bounds = ((lo1, hi1), (lo2, hi2))``.

    Returns the two axes, the points (n^2, 2) and the cell area.
    """
    (a1, b1), (a2, b2) = bounds
    h1, h2 = (b1 - a1) / n, (b2 - a2) / n
    g1 = a1 + h1 * (np.arange(n) + 0.5)
    g2 = a2 + h2 * (np.arange(n) + 0.5)
    X1, X2 = np.meshgrid(g1, g2, indexing="ij")
    return g1, g2, np.stack([X1.ravel(), X2.ravel()], axis=1), h1 * h2


# --------------------------------------------------------------------------- the toy density


class ToyRun(Settings):
    """Settings of the Real-NVP fitted by maximum likelihood to the 2D toy density."""

    n_train: int = setting(5000, low=2, doc="training samples of the toy density")
    n_mc: int = setting(20000, low=2, doc="fresh samples of the toy density for the Monte Carlo KL")
    n_layers: int = setting(6, low=1, doc="coupling layers")
    hidden: tuple[int, ...] = setting((32, 32), low=1, doc="hidden widths of each conditioner")
    epochs: int = setting(20, low=1, doc="passes over the training samples")
    lr: float = setting(1e-2, low=0, doc="Adam learning rate")
    batch_size: int = setting(256, low=1, doc="mini-batch size")
    grid_n: int = setting(400, low=10, doc="grid points per axis for the quadrature of the flow's density")
    seed: int = setting(2026, low=0, doc="seed of the data, initialisation, batches and samples")
    device: str = setting("cpu", doc='torch device of the training ("cuda" on a GPU)')

    SHORT = {"n_train": 1000, "n_mc": 5000, "epochs": 10, "grid_n": 200}


TOY_BOX = ((-8.0, 8.0), (-8.0, 8.0))  # quadrature box of the toy flow's density


@study("flows", ToyRun)
def toy_run(cfg: ToyRun) -> dict:
    """Train a Real-NVP on toy samples; Monte Carlo KL(p || q) against a single Gaussian; quadrature of q."""
    rng = np.random.default_rng(cfg.seed)
    train = toy_sample(cfg.n_train, rng)
    val = toy_sample(1000, rng)
    torch.manual_seed(cfg.seed)
    flow = flows.RealNVP(2, cfg.n_layers, cfg.hidden)
    t0 = time.perf_counter()
    history = flows.fit_flow(
        flow,
        train,
        val,
        epochs=cfg.epochs,
        lr=cfg.lr,
        batch_size=cfg.batch_size,
        seed=cfg.seed,
        device=cfg.device,
    )
    seconds = time.perf_counter() - t0
    # KL(p || q) = E_p[ln p - ln q], on fresh samples of the truth
    x_mc = toy_sample(cfg.n_mc, rng)
    log_p = toy_log_density(x_mc)
    mu, cov = train.mean(axis=0), np.cov(train, rowvar=False)
    gauss = multivariate_normal(mu, cov)
    kl_flow = _estimate(log_p - _log_prob64(flow, x_mc))
    kl_gauss = _estimate(log_p - gauss.logpdf(x_mc))
    # the flow's density on a grid: its integral, and the picture
    g1, g2, pts, area = grid(TOY_BOX, cfg.grid_n)
    log_q_grid = _log_prob64(flow, pts)
    samples, _ = flow.sample(20000, seed=cfg.seed)
    samples = samples.numpy().astype(float)
    outside = np.any((samples < TOY_BOX[0][0]) | (samples > TOY_BOX[0][1]), axis=1).mean()
    return {
        "flow": flow,
        "history": history,
        "train": train,
        "seconds": seconds,
        "kl_flow": kl_flow,
        "kl_gauss": kl_gauss,
        "normalisation": float(np.exp(logsumexp(log_q_grid)) * area),
        "outside": float(outside),
        "grid": (g1, g2, log_q_grid.reshape(len(g1), len(g2))),
        "log_p_grid": toy_log_density(pts).reshape(len(g1), len(g2)),
        "samples": samples,
    }


# --------------------------------------------------------------------------- the Boltzmann generator

BG_BOX = ((-3.5, 3.5), (-8.0, 8.0))  # quadrature box of the double well (e^{-beta U} < 1e-13 outside)


def double_well_exact(beta: float, barrier: float, tilt: float, n: int = 1400) -> dict:
    r"""Quadrature on a fine grid: :math:`\ln Z`, :math:`\langle x_1\rangle`, :math:`P(x_1<0)`,
    :math:`\langle U\rangle`
    of :math:`p \propto e^{-\beta U}` for :func:`physml.flows.double_well_energy`."""
    _, _, pts, area = grid(BG_BOX, n)
    U = flows.double_well_energy(pts, barrier, tilt)
    lw = -beta * U
    p = np.exp(lw - logsumexp(lw))
    return {
        "log_z": float(logsumexp(lw) + np.log(area)),
        "x1": float(np.sum(p * pts[:, 0])),
        "left": float(np.sum(p * (pts[:, 0] < 0))),
        "energy": float(np.sum(p * U)),
    }


class BoltzmannRun(Settings):
    """Settings of the Boltzmann generator of the 2D double well (reverse KL, no data)."""

    barrier: float = setting(2.0, low=0, doc="barrier height a of U = a (x1^2 - 1)^2 + h x1 + x2^2 / 2")
    tilt: float = setting(0.5, doc="tilt h (lowers the left well)")
    beta: float = setting(1.0, low=0, doc="inverse temperature of the book's run")
    beta_cold: float = setting(3.0, low=0, doc="inverse temperature of the second, cold run (mode seeking)")
    n_layers: int = setting(4, low=1, doc="coupling layers")
    hidden: tuple[int, ...] = setting((32, 32), low=1, doc="hidden widths of each conditioner")
    steps: int = setting(800, low=1, doc="reverse-KL steps of the book's run")
    steps_cold: int = setting(400, low=1, doc="reverse-KL steps of the cold run")
    batch_size: int = setting(256, low=2, doc="flow samples per step")
    lr: float = setting(5e-3, low=0, doc="Adam learning rate")
    n_samples: int = setting(20000, low=2, doc="flow samples for the reweighted averages")
    seed: int = setting(2026, low=0, doc="seed of the initialisation and of the samples")
    device: str = setting("cpu", doc='torch device of the training ("cuda" on a GPU)')

    SHORT = {"steps": 250, "steps_cold": 100, "n_samples": 5000}


def _reverse_kl_run(cfg: BoltzmannRun, beta: float, steps: int) -> dict:
    torch.manual_seed(cfg.seed)
    flow = flows.RealNVP(2, cfg.n_layers, cfg.hidden)

    def log_density(x):  # the unnormalised Boltzmann weight, ln p~ = -beta U
        return -beta * flows.double_well_energy(x, cfg.barrier, cfg.tilt)

    t0 = time.perf_counter()
    history = flows.fit_reverse_kl(
        flow, log_density, steps=steps, batch_size=cfg.batch_size, lr=cfg.lr, seed=cfg.seed, device=cfg.device
    )
    seconds = time.perf_counter() - t0
    x, log_q = flow.sample(cfg.n_samples, seed=cfg.seed + 1)
    x, log_q = x.numpy().astype(float), log_q.numpy().astype(float)
    U = flows.double_well_energy(x, cfg.barrier, cfg.tilt)
    log_w = flows.importance_log_weights(-beta * U, log_q)
    observables = {"x1": x[:, 0], "left": (x[:, 0] < 0).astype(float), "energy": U}
    return {
        "flow": flow,
        "history": history,
        "seconds": seconds,
        "samples": x,
        "log_w": log_w,
        "ess": flows.effective_sample_size(log_w),
        "log_z": flows.log_partition(log_w),
        "raw": {k: _estimate(v) for k, v in observables.items()},
        "reweighted": {k: flows.reweighted_mean(v, log_w) for k, v in observables.items()},
        "exact": double_well_exact(beta, cfg.barrier, cfg.tilt),
    }


@study("flows", BoltzmannRun)
def boltzmann_run(cfg: BoltzmannRun) -> dict:
    """Reverse-KL training at beta and at beta_cold; reweighted averages, ESS and ln Z against quadrature."""
    return {
        "warm": _reverse_kl_run(cfg, cfg.beta, cfg.steps),
        "cold": _reverse_kl_run(cfg, cfg.beta_cold, cfg.steps_cold),
    }


# --------------------------------------------------------------------------- digits

LOGIT_ALPHA = 0.05  # the logit transform's margin, as in Real-NVP (Dinh et al. 2017, sec. 4.1)
LEVELS = 17  # grey levels 0..16 of load_digits


def dequantise(pixels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Grey levels 0..16 plus uniform noise in [0, 1): a continuous variable in [0, 17)."""
    return pixels + rng.random(pixels.shape)


def to_logit(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Dequantised pixels :math:`y\in[0,17)` to :math:`v = \operatorname{logit}(\alpha + (1-2\alpha)\,y/17)`,
    and :math:`\sum_j \ln|dv_j/dy_j|` per image."""
    p = LOGIT_ALPHA + (1 - 2 * LOGIT_ALPHA) * y / LEVELS
    v = np.log(p) - np.log1p(-p)
    log_det = np.sum(np.log((1 - 2 * LOGIT_ALPHA) / LEVELS) - np.log(p) - np.log1p(-p), axis=1)
    return v, log_det


def from_logit(v: np.ndarray) -> np.ndarray:
    """The inverse of :func:`to_logit`, then integer grey levels (the floor undoes the dequantisation)."""
    p = 1.0 / (1.0 + np.exp(-v))
    y = (p - LOGIT_ALPHA) / (1 - 2 * LOGIT_ALPHA) * LEVELS
    return np.floor(np.clip(y, 0.0, LEVELS - 1e-9))


class DigitsRun(Settings):
    """Settings of the Real-NVP on the grey 8x8 digits (three seeds)."""

    seeds: tuple[int, ...] = setting((0, 1, 2), low=0, doc="seeds: dequantisation, initialisation, samples")
    copies: int = setting(2, low=1, doc="dequantised copies of each training image")
    n_layers: int = setting(4, low=1, doc="coupling layers")
    hidden: tuple[int, ...] = setting((64,), low=1, doc="hidden widths of each conditioner")
    epochs: int = setting(10, low=1, doc="passes over the (copied) training images")
    lr: float = setting(2e-3, low=0, doc="Adam learning rate")
    batch_size: int = setting(128, low=1, doc="mini-batch size")
    device: str = setting("cpu", doc='torch device of the training ("cuda" on a GPU)')

    SHORT = {"epochs": 2}
    VARIANT = {"epochs": 3}

    def validate(self):
        if len(self.seeds) < 3:
            raise ValueError(f"DigitsRun.seeds must hold at least 3 seeds, got {self.seeds!r}")


def _whitening(v: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Mean, inverse Cholesky factor and log-determinant of the whitening map w = L^{-1}(v - mu)."""
    mu = v.mean(axis=0)
    L = np.linalg.cholesky(np.cov(v, rowvar=False) + 1e-4 * np.eye(v.shape[1]))
    return mu, np.linalg.inv(L), float(-np.sum(np.log(np.diag(L))))


@study("flows", DigitsRun)
def digits_run(cfg: DigitsRun) -> dict:
    """Per seed: dequantise, logit, whiten, train a Real-NVP; MMD² and exact held-out NLL."""
    X_tr, X_te = db.split("grey")[:2]
    out: dict = {
        "mmd": [],
        "mmd_logit_gauss": [],
        "nll": [],
        "nll_gauss": [],
        "samples": [],
        "history": [],
        "seconds": [],
    }
    for seed in cfg.seeds:
        rng = np.random.default_rng(seed)
        y_tr = dequantise(np.repeat(X_tr, cfg.copies, axis=0), rng)
        y_te = dequantise(X_te, rng)
        v_tr, _ = to_logit(y_tr)
        v_te, log_det_te = to_logit(y_te)
        mu, Linv, log_det_w = _whitening(v_tr)
        w_tr, w_te = (v_tr - mu) @ Linv.T, (v_te - mu) @ Linv.T
        torch.manual_seed(seed)
        flow = flows.RealNVP(64, cfg.n_layers, cfg.hidden)
        t0 = time.perf_counter()
        hist = flows.fit_flow(
            flow,
            w_tr,
            w_te,
            epochs=cfg.epochs,
            lr=cfg.lr,
            batch_size=cfg.batch_size,
            seed=seed,
            device=cfg.device,
        )
        out["seconds"].append(time.perf_counter() - t0)
        # exact ln q of the dequantised held-out pixels: flow + whitening + logit Jacobians
        log_q = _log_prob64(flow, w_te) + log_det_w + log_det_te
        out["nll"].append(_estimate(-log_q))
        # the baseline likelihood: one Gaussian fitted to the same dequantised training pixels
        gauss = multivariate_normal(y_tr.mean(axis=0), np.cov(y_tr, rowvar=False) + 1e-4 * np.eye(64))
        out["nll_gauss"].append(_estimate(-gauss.logpdf(y_te)))
        w, _ = flow.sample(len(X_te), seed=seed)
        x = from_logit(w.numpy().astype(float) @ np.linalg.inv(Linv).T + mu)
        out["samples"].append(x)
        out["mmd"].append(db.score(x, "grey", seed=seed))
        # the untrained flow: the Gaussian of the whitening step, sampled in logit space
        g = np.random.default_rng(seed).standard_normal((len(X_te), 64))
        out["mmd_logit_gauss"].append(db.score(from_logit(g @ np.linalg.inv(Linv).T + mu), "grey", seed=seed))
        out["history"].append(hist)
    out["baselines"] = db.baseline_scores(cfg.seeds, "grey")
    return out
