r"""The runs of "Energy-based models": what the page trains and samples, with its settings in view.

* :func:`ula_run`: the unadjusted Langevin algorithm on the Gaussian energy
  :math:`x^2/2\sigma^2`, whose stationary variance is known in closed form at every step size;
* :func:`pcd_run`: a neural energy trained by maximum likelihood with persistent Langevin
  chains on the 2D toy density of the generative-modelling chapter; its :math:`\ln Z` by
  quadrature, its held-out log-likelihood and KL divergence from the exact density;
* :func:`dsm_run`: the same network trained by denoising score matching, against the exact
  score of the noised toy density;
* :func:`ising_rbm_run`: an RBM trained by PCD on exact samples of the 4x4 periodic Ising
  lattice; its exact KL divergence to the Boltzmann distribution by enumeration, and
  annealed importance sampling of :math:`\ln Z` against the exact value;
* :func:`digit_rbm_run`: RBMs with few hidden units on the binary digits of
  ``physml.digit_benchmark``: exact held-out log-likelihood (sum over the hidden states), AIS,
  and the Bernoulli-mixture baselines.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from .. import digit_benchmark as db
from .. import ebm, ising, optim
from ..experiment import Settings, setting, study
from ..nn.torch_twin import torch_threads
from ..rbm import BinaryRBM, binary_states, fit, ising_rbm, spins_to_binary
from . import generative


def _estimate(x: np.ndarray) -> tuple[float, float]:
    """Mean of independent values and its standard error."""
    x = np.asarray(x, dtype=float)
    return float(x.mean()), float(x.std(ddof=1) / np.sqrt(len(x)))


# --------------------------------------------------------------------------- Langevin on a Gaussian


class UlaRun(Settings):
    """Settings of ULA on the Gaussian energy x^2 / (2 sigma^2) (one dimension)."""

    sigma: float = setting(1.0, low=0, doc="width of the Gaussian target")
    step_sizes: tuple[float, ...] = setting((0.05, 0.2, 0.5, 1.0), low=0, doc="ULA step sizes epsilon")
    chains: int = setting(20_000, low=3, doc="independent chains (one sample each)")
    n_steps: int = setting(300, low=1, doc="ULA steps from x = 0")
    seed: int = setting(2026, low=0, doc="seed of the Langevin noise")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"chains": 5_000, "n_steps": 150}

    def validate(self):
        if self.sigma <= 0 or not self.step_sizes or min(self.step_sizes) <= 0:
            raise ValueError("UlaRun.sigma and step_sizes must be positive")
        if max(self.step_sizes) >= 2 * self.sigma**2:
            raise ValueError("UlaRun.step_sizes must be < 2 sigma^2 (ULA diverges beyond)")


@study("ebm", UlaRun)
def ula_run(cfg: UlaRun) -> dict:
    """For each step size: the variance of the chains after ``n_steps`` ULA steps, its standard error
    (Gaussian samples: var * sqrt(2 / (n - 1))), the exact stationary variance of ULA and sigma^2."""

    def energy(x):
        return (x * x).sum(-1) / (2 * cfg.sigma**2)

    rows = []
    with torch_threads(1):
        for i, eps in enumerate(cfg.step_sizes):
            x = ebm.langevin(
                energy, np.zeros((cfg.chains, 1)), eps, cfg.n_steps, seed=cfg.seed + i, device=cfg.device
            )
            var = float(x[:, 0].var(ddof=1))
            rows.append(
                {
                    "step_size": eps,
                    "variance": var,
                    "error": var * float(np.sqrt(2 / (cfg.chains - 1))),
                    "exact": ebm.ula_gaussian_variance(cfg.sigma, eps),
                    "samples": x[:2000, 0],
                }
            )
    return {"rows": rows, "target": cfg.sigma**2}


# --------------------------------------------------------------------------- neural energy by PCD


class PcdRun(Settings):
    """Settings of the neural energy trained with persistent Langevin chains on the toy density."""

    n_train: int = setting(4000, low=2, doc="training samples of the toy density")
    n_held_out: int = setting(2000, low=3, doc="held-out samples (log-likelihood and KL)")
    width: int = setting(64, low=1, doc="hidden units per layer of the energy MLP")
    depth: int = setting(2, low=1, doc="hidden layers")
    steps: int = setting(800, low=1, doc="parameter updates")
    batch_size: int = setting(128, low=1, doc="data and chains per update")
    n_chains: int = setting(1000, low=1, doc="persistent chains (the replay buffer)")
    langevin_steps: int = setting(10, low=1, doc="ULA steps per update")
    step_size: float = setting(0.02, low=0, doc="ULA step size epsilon")
    restart: float = setting(0.05, low=0, high=1, doc="fraction of chains restarted from noise per update")
    lr: float = setting(2e-3, low=0, doc="Adam learning rate (decays linearly to 0)")
    alpha: float = setting(0.01, low=0, doc="weight of the energy-magnitude penalty")
    sample_steps: int = setting(200, low=0, doc="further ULA steps of the final chains for the samples")
    grid: int = setting(240, low=2, doc="grid points per axis of the quadrature of ln Z on [-6, 6]^2")
    seed: int = setting(2026, low=0, doc="seed of data, initial weights, batches and chains")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"steps": 150, "n_train": 1000, "n_held_out": 500, "grid": 120, "sample_steps": 20}

    def validate(self):
        if self.batch_size > self.n_chains:
            raise ValueError(f"PcdRun.batch_size must be <= n_chains = {self.n_chains}")


GRID_BOUNDS = (-6.0, 6.0)
"""The square on which ln Z of a 2D energy is summed (the toy density has mass < 1e-12 outside)."""


def toy_data(cfg: PcdRun | DsmRun) -> tuple[np.ndarray, np.ndarray]:
    """Training and held-out samples of the toy density (independent draws)."""
    rng = np.random.default_rng(cfg.seed)
    return generative.toy_sample(cfg.n_train, rng), generative.toy_sample(cfg.n_held_out, rng)


def _energies(model, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model(torch.as_tensor(x, dtype=torch.float32)).numpy().astype(float)


@study("ebm", PcdRun)
def pcd_run(cfg: PcdRun) -> dict:
    r"""Train an :class:`~physml.ebm.EnergyNet` on the toy density with :func:`~physml.ebm.fit_pcd`.

    Then :math:`\ln Z` by quadrature on the grid, the held-out negative log-likelihood
    :math:`E_\theta(\boldsymbol x) + \ln Z`, and the KL divergence from the exact density,
    :math:`\mathrm{KL} = \langle\ln p - \ln p_\theta\rangle_p`, averaged over the held-out samples
    (paired, with its standard error). The samples are the final persistent chains run
    ``sample_steps`` more ULA steps."""
    train, held_out = toy_data(cfg)
    with torch_threads(1):
        torch.manual_seed(cfg.seed)
        model = ebm.EnergyNet(2, cfg.width, cfg.depth)
        start = time.process_time()
        history = ebm.fit_pcd(
            model,
            train,
            steps=cfg.steps,
            batch_size=cfg.batch_size,
            n_chains=cfg.n_chains,
            langevin_steps=cfg.langevin_steps,
            step_size=cfg.step_size,
            restart=cfg.restart,
            lr=cfg.lr,
            alpha=cfg.alpha,
            seed=cfg.seed,
            device=cfg.device,
        )
        seconds = time.process_time() - start
        model = model.cpu()
        samples = ebm.langevin(model, history["chains"], cfg.step_size, cfg.sample_steps, seed=cfg.seed + 1)
        log_z, axis, grid_e = ebm.grid_log_partition(model, GRID_BOUNDS, cfg.grid)
    nll = _energies(model, held_out) + log_z
    true_nll = -generative.toy_log_density(held_out)
    return {
        "model": model,
        "history": history,
        "seconds": seconds,
        "samples": samples,
        "held_out": held_out,
        "log_z": log_z,
        "axis": axis,
        "grid_energy": grid_e,
        "nll": _estimate(nll),
        "true_nll": _estimate(true_nll),
        "kl": _estimate(nll - true_nll),
    }


# --------------------------------------------------------------------------- denoising score matching


class DsmRun(Settings):
    """Settings of the neural energy trained by denoising score matching on the toy density."""

    n_train: int = setting(4000, low=2, doc="training samples of the toy density")
    n_held_out: int = setting(4000, low=3, doc="held-out samples (score error and Vincent's identity)")
    sigma: float = setting(0.3, low=0, doc="noise level of the denoising")
    width: int = setting(64, low=1, doc="hidden units per layer of the energy MLP")
    depth: int = setting(2, low=1, doc="hidden layers")
    steps: int = setting(1500, low=1, doc="Adam steps")
    batch_size: int = setting(256, low=1, doc="mini-batch size")
    lr: float = setting(3e-3, low=0, doc="Adam learning rate (decays linearly to 0)")
    seed: int = setting(2026, low=0, doc="seed of data, initial weights, batches and noise")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"steps": 200, "n_train": 1000, "n_held_out": 1000}

    def validate(self):
        if self.sigma <= 0:
            raise ValueError(f"DsmRun.sigma must be > 0, got {self.sigma}")


def noised_toy_score(x: np.ndarray, sigma: float) -> np.ndarray:
    r"""Exact score :math:`\nabla\ln q_\sigma(\boldsymbol x)` of the toy density convolved with
    :math:`\mathcal N(0, \sigma^2 I)`: a mixture with covariances :math:`\Sigma_k + \sigma^2 I`,
    whose score is
    :math:`-\sum_k r_k(\boldsymbol x)\,(\Sigma_k + \sigma^2 I)^{-1}(\boldsymbol x - \boldsymbol\mu_k)`
    with the responsibilities :math:`r_k`."""
    x = np.asarray(x, dtype=float)
    logs, grads = [], []
    for w, m, c in zip(generative.TOY_WEIGHTS, generative.TOY_MEANS, generative.TOY_COVS, strict=True):
        cov = np.array(c) + sigma**2 * np.eye(2)
        prec = np.linalg.inv(cov)
        d = x - np.array(m)
        logs.append(np.log(w) - 0.5 * np.einsum("ni,ij,nj->n", d, prec, d) - 0.5 * np.log(np.linalg.det(cov)))
        grads.append(-d @ prec)
    logs = np.array(logs)
    r = np.exp(logs - logs.max(axis=0))
    r /= r.sum(axis=0)
    return np.einsum("kn,kni->ni", r, np.array(grads))


@study("ebm", DsmRun)
def dsm_run(cfg: DsmRun) -> dict:
    r"""Train an :class:`~physml.ebm.EnergyNet` by :func:`~physml.ebm.fit_dsm` at noise ``sigma``.

    On fresh noisy held-out points :math:`\tilde{\boldsymbol x} = \boldsymbol x + \sigma\boldsymbol\epsilon`:
    the relative score error :math:`\langle\lVert\boldsymbol s_\theta - \boldsymbol s^\ast\rVert^2\rangle
    / \langle\lVert\boldsymbol s^\ast\rVert^2\rangle` against the exact noised score, and the
    terms of Vincent's identity per point: the DSM loss
    :math:`\lVert\boldsymbol\epsilon + \sigma\boldsymbol s_\theta\rVert^2` and its prediction
    :math:`d - \sigma^2\lVert\boldsymbol s^\ast\rVert^2
    + \sigma^2\lVert\boldsymbol s_\theta - \boldsymbol s^\ast\rVert^2`
    (equal in expectation)."""
    train, held_out = toy_data(cfg)
    with torch_threads(1):
        torch.manual_seed(cfg.seed)
        model = ebm.EnergyNet(2, cfg.width, cfg.depth)
        start = time.process_time()
        history = ebm.fit_dsm(
            model,
            train,
            cfg.sigma,
            steps=cfg.steps,
            batch_size=cfg.batch_size,
            lr=cfg.lr,
            seed=cfg.seed,
            device=cfg.device,
        )
        seconds = time.process_time() - start
        model = model.cpu()
        eps = np.random.default_rng(cfg.seed + 1).standard_normal(held_out.shape)
        noisy = held_out + cfg.sigma * eps
        xt = torch.as_tensor(noisy, dtype=torch.float32)
        score = -ebm._energy_grad(model, xt).numpy().astype(float)
    exact = noised_toy_score(noisy, cfg.sigma)
    err2 = ((score - exact) ** 2).sum(axis=1)
    s2 = (exact**2).sum(axis=1)
    loss = ((eps + cfg.sigma * score) ** 2).sum(axis=1)
    predicted = 2 - cfg.sigma**2 * s2 + cfg.sigma**2 * err2
    return {
        "model": model,
        "history": history,
        "seconds": seconds,
        "noisy": noisy,
        "score": score,
        "exact_score": exact,
        "relative_error": float(err2.mean() / s2.mean()),
        "loss": _estimate(loss),
        "identity": _estimate(loss - predicted),
        "optimum": _estimate(2 - cfg.sigma**2 * s2),
    }


# --------------------------------------------------------------------------- RBM on the 4x4 Ising lattice


class IsingRbmRun(Settings):
    """Settings of the RBM trained on exact samples of the 4x4 periodic Ising lattice."""

    T: float = setting(3.5, low=0, doc="temperature of the Boltzmann distribution")
    n: int = setting(4000, low=2, doc="exact samples (the training data)")
    hidden: int = setting(32, low=1, doc="hidden units (32 = one per bond, the exact construction's number)")
    epochs: int = setting(150, low=1, doc="passes over the data")
    batch_size: int = setting(50, low=1, doc="mini-batch size and persistent chains")
    lr: float = setting(0.5, low=0, doc="plain gradient ascent, cosine decay to lr / 20")
    init_scale: float = setting(0.1, low=0, doc="standard deviation of the initial weights")
    ais_runs: int = setting(500, low=2, doc="AIS runs")
    ais_betas: int = setting(1000, low=2, doc="inverse temperatures of the AIS path")
    seed: int = setting(2026, low=0, doc="seed of data, weights, batches, chains and AIS")

    SHORT = {"epochs": 20, "n": 1000, "ais_runs": 200, "ais_betas": 300}

    def validate(self):
        if self.T <= 0:
            raise ValueError(f"IsingRbmRun.T must be > 0, got {self.T}")
        if self.batch_size > self.n:
            raise ValueError(f"IsingRbmRun.batch_size must be <= n = {self.n}")


def _logit_of_mean(x: np.ndarray) -> np.ndarray:
    """Visible biases of the independent-unit model fitted to ``x`` (a pseudo-count keeps them finite)."""
    m = (x.sum(axis=0) + 1.0) / (len(x) + 2.0)
    return np.log(m / (1 - m))


def _kl(p: np.ndarray, log_q: np.ndarray) -> float:
    keep = p > 0
    return float(np.sum(p[keep] * (np.log(p[keep]) - log_q[keep])))


@study("ebm", IsingRbmRun)
def ising_rbm_run(cfg: IsingRbmRun) -> dict:
    r"""An RBM trained by PCD-1 (plain gradient ascent, cosine-decayed rate) on ``n`` exact samples of
    the 4x4 Ising model at ``T``.

    Exact: the Boltzmann probabilities of all 65,536 states, the RBM's :math:`\ln Z` (sum
    over the visible states), the KL divergence :math:`\sum_x p(x)\ln[p(x)/p_{\text{RBM}}(x)]`,
    and that of the best independent-spin model (all spins up or down with probability 1/2:
    :math:`16\ln 2 - S`). AIS of :math:`\ln Z` for the trained RBM and for the exact Ising RBM
    (``physml.rbm.ising_rbm``)."""
    L = 4
    with threadpool_limits(limits=1):
        spins = ising.all_states(L)
        log_w = -ising.energy(spins) / cfg.T
        p = np.exp(log_w - log_w.max())
        p /= p.sum()
        states = spins_to_binary(spins)
        x = states[np.random.default_rng(cfg.seed).choice(len(p), size=cfg.n, p=p)]
        rbm = BinaryRBM.random(L * L, cfg.hidden, seed=cfg.seed, scale=cfg.init_scale)
        start = time.process_time()
        fit(
            rbm,
            x,
            epochs=cfg.epochs,
            batch_size=cfg.batch_size,
            optimizer=optim.GradientDescent(cfg.lr),
            schedule=optim.CosineDecay(cfg.lr, cfg.epochs, minimum=cfg.lr / 20),
            k=1,
            persistent=True,
            seed=cfg.seed,
            monitor=x[:10],
        )
        seconds = time.process_time() - start
        log_z = rbm.log_partition()
        log_q = -rbm.free_energy(states) - log_z
        entropy = -float(np.sum(p * np.log(p)))
        exact_rbm = ising_rbm(L, cfg.T)
        start = time.process_time()
        ais = ebm.ais_log_partition(
            rbm, cfg.ais_runs, cfg.ais_betas, seed=cfg.seed + 1, base_bias=_logit_of_mean(x)
        )
        ais_seconds = time.process_time() - start
        ais_exact = ebm.ais_log_partition(exact_rbm, cfg.ais_runs, cfg.ais_betas, seed=cfg.seed + 2)
        e_states = ising.energy(spins) / L**2
    return {
        "rbm": rbm,
        "data": x,
        "seconds": seconds,
        "log_z": log_z,
        "ais": ais,
        "ais_seconds": ais_seconds,
        "kl": _kl(p, log_q),
        "kl_independent": float(L * L * np.log(2) - entropy),
        "entropy": entropy,
        "exact_log_z": exact_rbm.log_partition(),
        "ais_exact": ais_exact,
        "energy_exact": float(p @ e_states),
        "energy_rbm": float(np.exp(log_q) @ e_states),
    }


# --------------------------------------------------------------------------- RBM on the binary digits


class DigitRbmRun(Settings):
    """Settings of the small RBMs on the binary digits of the benchmark (exact likelihood)."""

    hidden: int = setting(16, low=1, high=18, doc="hidden units (the exact sum runs over 2^hidden states)")
    epochs: int = setting(100, low=1, doc="passes over the 1257 training digits")
    batch_size: int = setting(50, low=1, doc="mini-batch size and persistent chains")
    lr: float = setting(0.01, low=0, doc="Adam learning rate, cosine decay to lr / 20")
    seeds: tuple[int, ...] = setting((0, 1, 2), low=0, doc="training seeds (one RBM each)")
    ais_runs: int = setting(500, low=2, doc="AIS runs (first seed's RBM)")
    ais_betas: int = setting(1000, low=2, doc="inverse temperatures of the AIS path")
    n_samples: int = setting(540, low=1, doc="Gibbs samples per RBM for the benchmark MMD²")
    gibbs_steps: int = setting(500, low=1, doc="Gibbs steps of the samples, from random pixels")

    SHORT = {"epochs": 10, "ais_runs": 200, "ais_betas": 300, "gibbs_steps": 50}
    VARIANT = {"epochs": 12}

    def validate(self):
        if len(self.seeds) < 1 or len(set(self.seeds)) != len(self.seeds):
            raise ValueError("DigitRbmRun.seeds must be distinct, and at least one")


@study("ebm", DigitRbmRun)
def digit_rbm_run(cfg: DigitRbmRun) -> dict:
    r"""One RBM per seed, trained by PCD-1 on the benchmark's binary training digits.

    For each: the exact :math:`\ln Z` (sum over the :math:`2^N` hidden states), the held-out
    negative log-likelihood :math:`\mathcal F(\boldsymbol x) + \ln Z` per digit (mean and
    standard error over the 540 held-out digits), the benchmark MMD² of Gibbs samples. For the
    first seed also AIS of :math:`\ln Z`. The baselines: ``db.bernoulli_mixture_nll`` with
    K = 1 and K = 10 components, and the binary MMD² of the Gaussian baselines."""
    train, test = db.split("binary")[:2]
    rows = []
    with threadpool_limits(limits=1):
        hidden_states = binary_states(cfg.hidden)
        for s in cfg.seeds:
            rbm = BinaryRBM.random(64, cfg.hidden, seed=s)
            start = time.process_time()
            fit(
                rbm,
                train,
                epochs=cfg.epochs,
                batch_size=cfg.batch_size,
                optimizer=optim.Adam(cfg.lr),
                schedule=optim.CosineDecay(cfg.lr, cfg.epochs, minimum=cfg.lr / 20),
                k=1,
                persistent=True,
                seed=s,
                monitor=train[:5],
            )
            seconds = time.process_time() - start
            terms = -rbm._hidden_free_energy(hidden_states)
            log_z = float(terms.max() + np.log(np.exp(terms - terms.max()).sum()))
            nll = rbm.free_energy(test) + log_z
            rng = np.random.default_rng(s + 100)
            samples = rbm.gibbs((rng.random((cfg.n_samples, 64)) < 0.5).astype(float), cfg.gibbs_steps, rng)
            rows.append(
                {
                    "seed": s,
                    "rbm": rbm,
                    "seconds": seconds,
                    "log_z": log_z,
                    "nll": _estimate(nll),
                    "samples": samples,
                    "mmd2": db.score(samples, "binary", seed=s),
                }
            )
        first = rows[0]["rbm"]
        start = time.process_time()
        ais = ebm.ais_log_partition(
            first, cfg.ais_runs, cfg.ais_betas, seed=cfg.seeds[0] + 1, base_bias=_logit_of_mean(train)
        )
        ais_seconds = time.process_time() - start
        baselines = {k: db.bernoulli_mixture_nll(k) for k in (1, 10)}
    return {
        "rows": rows,
        "ais": ais,
        "ais_seconds": ais_seconds,
        "baselines": baselines,
        "test": test,
    }
