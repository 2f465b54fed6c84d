r"""The runs of "Bayesian neural networks and variational inference".

* :func:`resonance_run`: a one-hidden-layer network on a noisy resonance line shape
  (40 measurements with a gap), small enough for Hamiltonian Monte Carlo to give the
  reference posterior; the Laplace approximation, Bayes by backprop, Monte-Carlo dropout,
  deep ensembles and a single MAP network beside it, on a grid and on held-out data;
* :func:`nuclear_run`: the same methods (without HMC) on the liquid-drop residuals of the
  binding energies of the even–even nuclei of the AME2020 evaluation (the data of the
  project *Your own data*, shipped by ``periodictable``), judged on held-out nuclei.

Every method is trained for ``n_seeds`` seeds at once (the networks of all seeds are one
batch); the first seed is the book's run that the figures show.
"""

from __future__ import annotations

import functools

import numpy as np
from threadpoolctl import threadpool_limits

from .. import bnn
from ..experiment import Settings, setting, study
from ..nn.torch_twin import torch_threads

SEED = 2026
METHODS = ("MAP", "Laplace", "BBB", "MC dropout", "ensemble")
LEVELS = (0.68, 0.95)

# --- the resonance: a Breit-Wigner peak on a linear background, measured with a gap
PEAK_ENERGY = 3.0  # E_0 (MeV)
PEAK_WIDTH = 2.0  # Gamma (MeV)
BACKGROUND = (0.2, 0.05)  # b_0, b_1 (in units of the peak height)
NOISE = 0.1  # known standard deviation of a measurement
WINDOWS = ((0.5, 4.5), (6.5, 8.5))  # where the energies are measured (MeV)
N_PER_WINDOW = (26, 14)
E_RANGE = (0.0, 10.0)
N_TEST = 2000  # held-out measurements in the windows
E_SCALE = (5.0, 2.5)  # network input x = (E - 5) / 2.5


def resonance(E) -> np.ndarray:
    r"""The line shape :math:`\sigma(E) = b_0 + b_1E + \frac{(\Gamma/2)^2}{(E - E_0)^2 + (\Gamma/2)^2}`."""
    E = np.asarray(E, dtype=float)
    half = PEAK_WIDTH / 2
    return BACKGROUND[0] + BACKGROUND[1] * E + half**2 / ((E - PEAK_ENERGY) ** 2 + half**2)


def _measure(rng, counts) -> tuple[np.ndarray, np.ndarray]:
    E = np.concatenate([rng.uniform(lo, hi, k) for (lo, hi), k in zip(WINDOWS, counts, strict=False)])
    return E, resonance(E) + NOISE * rng.standard_normal(E.size)


@functools.cache
def resonance_data() -> dict:
    """The training measurements ``E``, ``y`` and ``N_TEST`` held-out ones, ``E_test``, ``y_test``,
    drawn in the same windows (read-only arrays)."""
    rng = np.random.default_rng(SEED)
    E, y = _measure(rng, N_PER_WINDOW)
    share = np.array(N_PER_WINDOW) / sum(N_PER_WINDOW)
    E_test, y_test = _measure(rng, tuple(int(round(N_TEST * s)) for s in share))
    data = {"E": E, "y": y, "E_test": E_test, "y_test": y_test}
    for a in data.values():
        a.setflags(write=False)
    return data


def network_input(E) -> np.ndarray:
    """The network's input column ``(E - 5) / 2.5`` (n, 1)."""
    return ((np.asarray(E, dtype=float) - E_SCALE[0]) / E_SCALE[1])[:, None]


# --------------------------------------------------------------------------- settings


class _Methods(Settings):
    """Settings shared by both runs (the subclasses add theirs)."""

    n_hidden: int = setting(10, low=1, doc="hidden tanh units of every network but the dropout one")
    prior_std: float = setting(1.0, low=1e-3, doc="prior standard deviation alpha of every weight")
    epochs: int = setting(1000, low=1, doc="full-batch Adam steps of the MAP, ensemble and dropout nets")
    lr: float = setting(0.02, low=1e-6, high=1.0, doc="Adam learning rate")
    n_members: int = setting(5, low=2, doc="networks of a deep ensemble")
    dropout: float = setting(0.1, low=0.01, high=0.9, doc="dropout probability of a hidden unit")
    dropout_hidden: int = setting(50, low=1, doc="hidden units of the dropout network")
    bbb_epochs: int = setting(1500, low=1, doc="Adam steps of Bayes by backprop")
    bbb_samples: int = setting(4, low=1, doc="weight draws per step of Bayes by backprop")
    n_predictive: int = setting(200, low=2, doc="draws of the dropout masks and of q for a prediction")
    n_seeds: int = setting(3, low=3, doc="seeds of every method (the comparisons need >= 3)")
    seed: int = setting(SEED, low=0, doc="first seed of the initialisations, masks and draws")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')


class ResonanceRun(_Methods):
    """Settings of the resonance run: the methods and the HMC reference."""

    hmc_chains: int = setting(16, low=2, doc="HMC chains, started at MAP networks")
    hmc_warmup: int = setting(200, low=0, doc="HMC warm-up transitions (step size and mass matrix)")
    hmc_samples: int = setting(300, low=2, doc="HMC transitions kept per chain")
    hmc_leapfrog: int = setting(40, low=1, doc="leapfrog steps per HMC transition")

    SHORT = {
        "epochs": 150,
        "bbb_epochs": 150,
        "n_members": 2,
        "hmc_chains": 4,
        "hmc_warmup": 60,
        "hmc_samples": 60,
        "hmc_leapfrog": 20,
        "n_predictive": 50,
    }


class NuclearRun(_Methods):
    """Settings of the nuclear run (the even-even nuclei's liquid-drop residuals)."""

    n_hidden: int = setting(16, low=1, doc="hidden tanh units of every network but the dropout one")
    dropout: float = setting(0.05, low=0.01, high=0.9, doc="dropout probability of a hidden unit")
    dropout_hidden: int = setting(32, low=1, doc="hidden units of the dropout network")
    bbb_epochs: int = setting(1000, low=1, doc="Adam steps of Bayes by backprop")
    bbb_samples: int = setting(2, low=1, doc="weight draws per step of Bayes by backprop")
    test_fraction: float = setting(0.2, low=0.05, high=0.5, doc="held-out share of the nuclei")

    SHORT = {"epochs": 150, "bbb_epochs": 150, "n_members": 2, "n_predictive": 50}


# --------------------------------------------------------------------------- the methods


def _fit_methods(cfg: _Methods, X: np.ndarray, y: np.ndarray, noise: float | None, extra_members: int = 0):
    """Train every method for ``cfg.n_seeds`` seeds; return the models.

    One :class:`bnn.EnsembleMLP` holds ``n_seeds * n_members`` MAP networks (and at least
    ``extra_members``): the ensemble of seed ``s`` is members ``s*n_members ...``, its first
    member the single MAP network of that seed. The dropout and the variational networks
    hold one member per seed.
    """
    K, d = cfg.n_seeds * cfg.n_members, X.shape[1]
    maps = bnn.EnsembleMLP(d, cfg.n_hidden, max(K, extra_members), noise=noise, seed=cfg.seed)
    bnn.train_map(maps, X, y, cfg.epochs, cfg.lr, cfg.prior_std, seed=cfg.seed, device=cfg.device)
    drop = bnn.EnsembleMLP(
        d, cfg.dropout_hidden, cfg.n_seeds, dropout=cfg.dropout, noise=noise, seed=cfg.seed + 1
    )
    bnn.train_map(drop, X, y, cfg.epochs, cfg.lr, cfg.prior_std, seed=cfg.seed + 1, device=cfg.device)
    vi = bnn.MeanFieldMLP(d, cfg.n_hidden, cfg.n_seeds, cfg.prior_std, noise=noise, seed=cfg.seed + 2)
    bnn.train_bbb(vi, X, y, cfg.bbb_epochs, cfg.lr, cfg.bbb_samples, seed=cfg.seed + 2, device=cfg.device)
    return maps, drop, vi


def _predict_methods(cfg: _Methods, models, X_fit, y_fit, X) -> dict:
    """Predictive mean and standard deviation of every method and seed at ``X``:
    ``{method: (mean (n_seeds, n), std (n_seeds, n))}``."""
    maps, drop, vi = models
    f_map, s_map = bnn.predictive_samples(maps, X, device=cfg.device)
    f_drop, s_drop = bnn.predictive_samples(drop, X, cfg.n_predictive, seed=cfg.seed + 3, device=cfg.device)
    f_vi, s_vi = bnn.predictive_samples(vi, X, cfg.n_predictive, seed=cfg.seed + 4, device=cfg.device)
    out = {m: ([], []) for m in METHODS}

    def put(method, mean, std):
        out[method][0].append(mean)
        out[method][1].append(std)

    w_map = maps.w.detach().cpu().numpy()
    for s in range(cfg.n_seeds):
        first = s * cfg.n_members
        put("MAP", f_map[0, first], np.full(X.shape[0], s_map[first]))
        members = slice(first, first + cfg.n_members)
        put("ensemble", *bnn.mixture(f_map[0, members], s_map[members]))
        put("MC dropout", *bnn.mixture(f_drop[:, s], s_drop[s]))
        put("BBB", *bnn.mixture(f_vi[:, s], s_vi[s]))
        lap = bnn.laplace(w_map[first], X_fit, y_fit, cfg.n_hidden, float(s_map[first]), cfg.prior_std)
        put("Laplace", *lap.predict(X))
    return {m: (np.array(a), np.array(b)) for m, (a, b) in out.items()}


def _scores(y, predictions: dict) -> dict:
    """Held-out NLL per seed and coverage (with binomial error) of the first seed, per method."""
    scores = {}
    for method, (mean, std) in predictions.items():
        scores[method] = {
            "nll": np.array([bnn.gaussian_nll(y, m, s) for m, s in zip(mean, std, strict=False)]),
            "coverage": {level: bnn.coverage(y, mean[0], std[0], level) for level in LEVELS},
        }
    return scores


# --------------------------------------------------------------------------- the resonance


def _hmc(cfg: ResonanceRun, x, y, starts) -> tuple[bnn.HMCResult, np.ndarray]:
    """HMC on the network's posterior from ``starts`` (chains, P)."""

    def log_prob_grad(w):
        return bnn._log_posterior(w, x, y, cfg.n_hidden, NOISE, cfg.prior_std)

    return bnn.hmc(log_prob_grad, starts, cfg.hmc_samples, cfg.hmc_warmup, cfg.hmc_leapfrog, seed=cfg.seed)


@study("bnn", ResonanceRun)
def resonance_run(cfg: ResonanceRun) -> dict:
    """Every method and the HMC reference on the resonance data (known noise ``NOISE``).

    Returns the grid ``E_grid``, the predictions of every method on it (``grid``:
    ``{method: (mean, std)}`` of each seed) and HMC's (``hmc_grid``: mean, std), held-out
    scores (``scores``: NLL per seed, coverage of the first seed), HMC's held-out
    scores, its diagnostics (``rhat``: largest R-hat of the predicted mean over the grid,
    ``ess``: smallest effective sample size, acceptance, divergences) and the distance
    of each method's first seed from HMC on the grid (``distance``).
    """
    data = resonance_data()
    x, y = network_input(data["E"]), np.asarray(data["y"])
    x_test, y_test = network_input(data["E_test"]), np.asarray(data["y_test"])
    E_grid = np.linspace(*E_RANGE, 201)
    x_grid = network_input(E_grid)
    with torch_threads(1), threadpool_limits(limits=1, user_api="blas"):
        models = _fit_methods(cfg, x, y, NOISE, extra_members=cfg.hmc_chains)
        both = np.concatenate([x_grid, x_test])
        pred = _predict_methods(cfg, models, x, y, both)
        starts = models[0].w.detach().cpu().numpy()[: cfg.hmc_chains]
        chains = _hmc(cfg, x, y, starts)
    f = bnn._forward(chains.samples, both, cfg.n_hidden)  # (samples, chains, points)
    hmc_mean, hmc_std = bnn.mixture(f.reshape(-1, both.shape[0]), NOISE)
    n_grid = E_grid.size
    grid = {m: (mean[:, :n_grid], std[:, :n_grid]) for m, (mean, std) in pred.items()}
    test = {m: (mean[:, n_grid:], std[:, n_grid:]) for m, (mean, std) in pred.items()}
    from .. import bayes

    summaries = [bayes.summarise(f[:, :, i]) for i in range(0, n_grid, 10)]
    distance = {
        m: {
            "mean": float(np.sqrt(np.mean(((mean[0] - hmc_mean[:n_grid]) / hmc_std[:n_grid]) ** 2))),
            "std_ratio": float(np.mean(std[0] / hmc_std[:n_grid])),
        }
        for m, (mean, std) in grid.items()
    }
    hmc_test = (hmc_mean[n_grid:], hmc_std[n_grid:])
    return {
        "E_grid": E_grid,
        "grid": grid,
        "hmc_grid": (hmc_mean[:n_grid], hmc_std[:n_grid]),
        "scores": _scores(y_test, test),
        "hmc_scores": {
            "nll": bnn.gaussian_nll(y_test, *hmc_test),
            "coverage": {level: bnn.coverage(y_test, *hmc_test, level) for level in LEVELS},
        },
        "rhat": max(s.rhat for s in summaries),
        "ess": min(s.ess for s in summaries),
        "accept": chains.accept_rate,
        "divergences": chains.divergences,
        "n_hmc": chains.samples.shape[0] * chains.samples.shape[1],
        "step_size": float(np.mean(chains.step_size)),
        "distance": distance,
        "n_weights": bnn.n_weights(1, cfg.n_hidden),
    }


# --------------------------------------------------------------------------- the nuclei


MAGIC = (2, 8, 20, 28, 50, 82, 126, 184)  # closed shells of protons and neutrons


def nuclear_features(Z, N) -> np.ndarray:
    """The network's inputs of each nucleus: Z, N and their distances to the nearest magic number."""
    Z, N = np.asarray(Z, dtype=float), np.asarray(N, dtype=float)
    magic = np.array(MAGIC, dtype=float)
    dz = np.min(np.abs(Z[:, None] - magic), axis=1)
    dn = np.min(np.abs(N[:, None] - magic), axis=1)
    return np.column_stack([Z, N, dz, dn])


@functools.cache
def nuclear_data(test_fraction: float = 0.2) -> dict:
    r"""The even–even nuclei of the project *Your own data* (``own_data.nuclear_table()``),
    split at random (seed ``SEED``) into training and held-out nuclei, with the liquid-drop
    formula fitted by least squares to the training nuclei only.

    Returns ``Z``, ``N`` and the residuals ``r`` = B - B_LD (MeV) of both sets
    (``*_train``, ``*_test``), the coefficients and the inputs of :func:`nuclear_features`
    scaled with training statistics (``X_train``, ``X_test``) and targets in units of the training residuals'
    standard deviation ``scale`` (``t_train``, ``t_test``).
    """
    from ..projects import own_data as od

    table = od.nuclear_table()
    even = table[(table["Z"] % 2 == 0) & (table["N"] % 2 == 0)]
    Z, N, B = (even[c].to_numpy(dtype=float) for c in ("Z", "N", "B_MeV"))
    order = np.random.default_rng(SEED).permutation(Z.size)
    n_test = int(round(test_fraction * Z.size))
    test, train = np.sort(order[:n_test]), np.sort(order[n_test:])
    design = np.column_stack([od.liquid_drop_energy(np.eye(5)[k], Z, N) for k in range(5)])
    coefficients, *_ = np.linalg.lstsq(design[train], B[train], rcond=None)
    r = B - design @ coefficients
    inputs = nuclear_features(Z, N)
    centre, spread = inputs[train].mean(axis=0), inputs[train].std(axis=0)
    scale = float(r[train].std())
    X = (inputs - centre) / spread
    return {
        "Z_train": Z[train],
        "N_train": N[train],
        "Z_test": Z[test],
        "N_test": N[test],
        "r_train": r[train],
        "r_test": r[test],
        "coefficients": coefficients,
        "X_train": X[train],
        "X_test": X[test],
        "t_train": r[train] / scale,
        "t_test": r[test] / scale,
        "scale": scale,
        "centre": centre,
        "spread": spread,
    }


@study("bnn", NuclearRun)
def nuclear_run(cfg: NuclearRun) -> dict:
    """Every method on the liquid-drop residuals of the even–even nuclei (noise learned).

    Returns the held-out scores (``scores``: NLL per seed in nats per nucleus for targets
    in MeV, coverage of the first seed), the held-out predictions of the first seed in MeV
    (``test``: ``{method: (mean, std)}``), the RMS residual of the liquid drop and of the
    liquid drop plus the ensemble's mean on the held-out nuclei (MeV) and the data sizes.
    """
    data = nuclear_data(cfg.test_fraction)
    with torch_threads(1), threadpool_limits(limits=1, user_api="blas"):
        models = _fit_methods(cfg, data["X_train"], data["t_train"], None)
        pred = _predict_methods(cfg, models, data["X_train"], data["t_train"], data["X_test"])
    scale = data["scale"]
    in_mev = {m: (mean * scale, std * scale) for m, (mean, std) in pred.items()}
    ensemble_mean = in_mev["ensemble"][0][0]
    return {
        "scores": _scores(data["r_test"], in_mev),
        "test": {m: (mean[0], std[0]) for m, (mean, std) in in_mev.items()},
        "rms_ld": float(np.sqrt(np.mean(data["r_test"] ** 2))),
        "rms_ensemble": float(np.sqrt(np.mean((data["r_test"] - ensemble_mean) ** 2))),
        "n_train": int(data["r_train"].size),
        "n_test": int(data["r_test"].size),
    }
