"""The runs of "Autoregressive models": what the page trains, with its settings in view.

Two MADE models (``physml.autoregressive``):

* :func:`ising_run`: on configurations of the 4x4 Ising model, drawn *exactly* from the
  Boltzmann distribution by enumerating all 2^16 states, so that the model's exact
  likelihood can be compared with the exact Boltzmann probabilities state by state;
* :func:`digits_run`: on the binary 8x8 digits of the digit benchmark
  (``physml.digit_benchmark``, pixels above half the grey scale), over several seeds,
  against its Bernoulli-mixture baselines (K = 1: independent pixels; K = 10).
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from scipy.special import logsumexp

from .. import autoregressive as ar
from .. import digit_benchmark as db
from .. import ising, metrics
from ..experiment import Settings, setting, study


def _mean_error(x: np.ndarray) -> metrics.Estimate:
    x = np.asarray(x, dtype=float)
    return metrics.Estimate(float(x.mean()), float(x.std(ddof=1) / np.sqrt(len(x))))


# --------------------------------------------------------------------------- Ising 4x4


def boltzmann_probabilities(L: int, T: float) -> tuple[np.ndarray, np.ndarray]:
    r"""All states (2^{L^2}, L, L) and their exact probabilities :math:`e^{-H/T}/Z` (enumeration)."""
    states = ising.all_states(L)
    log_w = -ising.energy(states).astype(float) / T
    return states, np.exp(log_w - logsumexp(log_w))


def exact_ising_samples(n: int, L: int, T: float, seed) -> np.ndarray:
    """``n`` independent configurations drawn exactly from the Boltzmann distribution (L <= 4)."""
    states, p = boltzmann_probabilities(L, T)
    idx = np.random.default_rng(seed).choice(len(states), size=n, p=p)
    return states[idx]


def _all_log_prob(model: ar.MADE, bits: np.ndarray) -> np.ndarray:
    """ln p of every row of ``bits`` under ``model``, evaluated in double precision."""
    m64 = copy.deepcopy(model).to("cpu", torch.float64)
    with torch.no_grad():
        return m64.log_prob(torch.as_tensor(bits, dtype=torch.float64)).numpy()


def _state_index(bits: np.ndarray) -> np.ndarray:
    """Row index in ``ising.all_states`` of each configuration given as bits (site d is bit d)."""
    return (bits.astype(np.int64) << np.arange(bits.shape[1])).sum(axis=1)


class IsingRun(Settings):
    """Settings of the MADE trained on exact 4x4 Ising samples (the book's run)."""

    L: int = setting(
        4, low=2, high=4, doc="linear size of the periodic lattice (all 2^(L^2) states are enumerated)"
    )
    T: float = setting(2.3, low=0.1, doc="temperature (J = k_B = 1)")
    n_train: int = setting(4000, low=2, doc="exact Boltzmann samples to train on")
    n_test: int = setting(4000, low=2, doc="independent exact test configurations")
    n_samples: int = setting(4000, low=2, doc="samples drawn from each trained model")
    hidden: tuple[int, ...] = setting((64,), low=1, doc="hidden widths of the MADE")
    epochs: int = setting(60, low=1, doc="passes over the training configurations")
    lr: float = setting(3e-3, low=0, doc="Adam learning rate")
    batch_size: int = setting(100, low=1, doc="mini-batch size")
    seed: int = setting(2026, low=0, doc="seed of the data, initialisation, batches and samples")
    device: str = setting("cpu", doc='torch device of the training ("cuda" on a GPU)')

    SHORT = {"n_train": 2000, "n_test": 1000, "n_samples": 1000, "epochs": 15, "lr": 1e-2, "batch_size": 50}


def train_ising_made(cfg: IsingRun) -> tuple[ar.MADE, dict, np.ndarray, np.ndarray]:
    """Exact Boltzmann samples for training and test, and a MADE trained on them by maximum likelihood."""
    rng = np.random.default_rng(cfg.seed)
    train = ar.spins_to_bits(exact_ising_samples(cfg.n_train, cfg.L, cfg.T, rng))
    test = ar.spins_to_bits(exact_ising_samples(cfg.n_test, cfg.L, cfg.T, rng))
    torch.manual_seed(cfg.seed)
    model = ar.MADE(cfg.L * cfg.L, cfg.hidden)
    history = ar.fit_made(
        model,
        train,
        test,
        epochs=cfg.epochs,
        lr=cfg.lr,
        batch_size=cfg.batch_size,
        seed=cfg.seed,
        device=cfg.device,
    )
    return model.cpu(), history, train, test


@study("autoregressive", IsingRun)
def ising_run(cfg: IsingRun) -> dict:
    """Train a MADE on exact Ising samples; exact likelihoods, KL divergences and observables."""
    L, T = cfg.L, cfg.T
    model, history, train, test = train_ising_made(cfg)
    q = ar.fit_independent(train)

    states, p = boltzmann_probabilities(L, T)
    bits = ar.spins_to_bits(states)
    log_p = np.log(p)
    log_q_made = _all_log_prob(model, bits)
    log_q_ind = ar.independent_log_prob(q, bits)

    samples = ar.bits_to_spins(model.sample(cfg.n_samples, seed=cfg.seed), L)
    ind_samples = ar.bits_to_spins(ar.sample_independent(q, cfg.n_samples, seed=cfg.seed), L)
    train_spins = ar.bits_to_spins(train, L)
    out = {
        "model": model,
        "history": history,
        "q": q,
        "train": train,
        "test": test,
        "samples": samples,
        "ind_samples": ind_samples,
        "exact": ising.exact(L, T),
        "normalisation": float(np.exp(logsumexp(log_q_made))),
        "kl_made": float(np.sum(p * (log_p - log_q_made))),
        "kl_independent": float(np.sum(p * (log_p - log_q_ind))),
        "test_ll_made": _mean_error(_all_log_prob(model, test)),
        "test_ll_independent": _mean_error(ar.independent_log_prob(q, test)),
        "test_ll_exact": _mean_error(log_p[_state_index(test)]),
        "log_p": log_p,
        "log_q_made": log_q_made,
        "log_q_independent": log_q_ind,
    }
    for name, spins in (("made", samples), ("independent", ind_samples), ("train", train_spins)):
        out[f"energy_{name}"] = _mean_error(ising.energy(spins, per_spin=True))
        out[f"absm_{name}"] = _mean_error(np.abs(ising.magnetization(spins, per_spin=True)))
    return out


# --------------------------------------------------------------------------- digits


class DigitsRun(Settings):
    """Settings of the MADE trained on the binary digits of the digit benchmark (the book's run)."""

    hidden: tuple[int, ...] = setting((256,), low=1, doc="hidden widths of the MADE")
    epochs: int = setting(60, low=1, doc="passes over the training digits")
    lr: float = setting(2e-3, low=0, doc="Adam learning rate")
    batch_size: int = setting(50, low=1, doc="mini-batch size")
    n_samples: int = setting(600, low=10, doc="samples drawn from the first model (>= 540 for the MMD score)")
    n_seeds: int = setting(
        3, low=1, doc="models trained with seeds seed, seed + 1, ... (the comparison with the baselines)"
    )
    seed: int = setting(2026, low=0, doc="seed of initialisation, batches and samples of the first model")
    device: str = setting("cpu", doc='torch device of the training ("cuda" on a GPU)')

    SHORT = {"epochs": 8, "n_samples": 540}


def _train_digit_made(cfg: DigitsRun, X_tr: np.ndarray, X_te: np.ndarray, seed: int) -> tuple[ar.MADE, dict]:
    torch.manual_seed(seed)
    model = ar.MADE(X_tr.shape[1], cfg.hidden)
    history = ar.fit_made(
        model,
        X_tr,
        X_te,
        epochs=cfg.epochs,
        lr=cfg.lr,
        batch_size=cfg.batch_size,
        seed=seed,
        device=cfg.device,
    )
    return model.cpu(), history


@study("autoregressive", DigitsRun)
def digits_run(cfg: DigitsRun) -> dict:
    """MADEs on the benchmark's binary digits: exact held-out NLL over seeds, against Bernoulli mixtures."""
    X_tr, X_te, _, y_te = db.split("binary")
    seeds = [cfg.seed + k for k in range(cfg.n_seeds)]
    model, history = _train_digit_made(cfg, X_tr, X_te, seeds[0])
    nll_seeds = []
    for seed in seeds:
        m = model if seed == seeds[0] else _train_digit_made(cfg, X_tr, X_te, seed)[0]
        with torch.no_grad():
            nll_seeds.append(float(-m.log_prob(X_te).double().mean()))
    q = ar.fit_independent(X_tr)
    with torch.no_grad():
        ll_made = model.log_prob(X_te).double().numpy()
    ll_ind = ar.independent_log_prob(q, X_te)
    samples = model.sample(cfg.n_samples, seed=cfg.seed)
    ind_samples = ar.sample_independent(q, cfg.n_samples, seed=cfg.seed)
    pixel_max = metrics.DIGIT_PIXEL_MAX
    return {
        "model": model,
        "history": history,
        "q": q,
        "n_train": len(X_tr),
        "test": X_te,
        "test_labels": y_te,
        "samples": samples,
        "ind_samples": ind_samples,
        # the judge of the generative chapter (trained on grey-level digits, the same split)
        "judge_real": metrics.judge_classifier(X_te * pixel_max, y_te),
        "judge_made": metrics.judge_classifier(samples * pixel_max),
        "judge_independent": metrics.judge_classifier(ind_samples * pixel_max),
        "ll_made": _mean_error(ll_made),
        "ll_independent": _mean_error(ll_ind),
        "ll_gain": _mean_error(ll_made - ll_ind),  # paired: the same held-out images
        "seeds": seeds,
        "nll_seeds": nll_seeds,  # exact held-out NLL (nats per image) of the model of each seed
        # the digit benchmark's likelihood yardsticks on the same held-out images (mean, error)
        "mixture_nll": {1: db.bernoulli_mixture_nll(1), 10: db.bernoulli_mixture_nll(10, seed=0)},
        "mmd": db.score(samples, "binary", seed=0),
        "mmd_independent": db.score(ind_samples, "binary", seed=0),
    }
