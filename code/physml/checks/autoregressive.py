"""Reference checks of the chapter "Autoregressive models", and the runs the chapter shows.

Two MADE models (``physml.autoregressive``), each trained once and cached:

* on configurations of the 4x4 Ising model at ``ISING["T"]``, drawn *exactly* from the
  Boltzmann distribution by enumerating all 2^16 states, so that the model's exact
  likelihood can be compared with the exact Boltzmann probabilities state by state;
* on the 8x8 digits of scikit-learn, binarised at half the grey scale, against the
  factorised (independent-pixel) Bernoulli baseline.

``short=True`` trains the same code for fewer epochs on fewer samples (unit tests).
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from scipy.special import logsumexp

from .. import autoregressive as ar
from .. import ising, metrics, torchtools
from ..validation import reference_check
from ._cache import per_configuration as _cached

SEED = 2026

ISING = {
    "L": 4,
    "T": 2.3,
    "n_train": (4000, 2000),
    "n_test": (4000, 1000),
    "n_samples": (4000, 1000),
    "hidden": (64,),
    "epochs": (60, 15),
    "lr": (3e-3, 1e-2),
    "batch_size": (100, 50),
}
# The fitted model cannot know the energy better than its training set does: allow twice
# the standard error of the training set's mean energy (about 0.007 per spin at n = 4000).
ISING_SYSTEMATIC = (0.015, 0.03)

DIGITS = {
    "threshold": 8,  # a pixel is on when its grey level (0..16) is at least 8
    "hidden": (256,),
    "epochs": (60, 8),
    "lr": 2e-3,
    "batch_size": 50,
    "n_samples": 500,
}
DIGITS_MARGIN = (5.0, 1.0)  # nats per image by which MADE must beat independent pixels (full, short)
K_SIGMA = 3.0


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


@_cached
def ising_run(short: bool = False) -> dict:
    """Train a MADE on exact 4x4 Ising samples; exact likelihoods, KL divergences and observables."""
    cfg, s = ISING, int(short)
    L, T = cfg["L"], cfg["T"]
    rng = np.random.default_rng(SEED)
    train = ar.spins_to_bits(exact_ising_samples(cfg["n_train"][s], L, T, rng))
    test = ar.spins_to_bits(exact_ising_samples(cfg["n_test"][s], L, T, rng))
    torchtools.seed_everything(SEED, deterministic=False)  # CPU: deterministic already
    model = ar.MADE(L * L, cfg["hidden"])
    history = ar.fit_made(
        model,
        train,
        test,
        epochs=cfg["epochs"][s],
        lr=cfg["lr"][s],
        batch_size=cfg["batch_size"][s],
        seed=SEED,
    )
    q = ar.fit_independent(train)

    states, p = boltzmann_probabilities(L, T)
    bits = ar.spins_to_bits(states)
    log_p = np.log(p)
    log_q_made = _all_log_prob(model, bits)
    log_q_ind = ar.independent_log_prob(q, bits)

    samples = ar.bits_to_spins(model.sample(cfg["n_samples"][s], seed=SEED), L)
    ind_samples = ar.bits_to_spins(ar.sample_independent(q, cfg["n_samples"][s], seed=SEED), L)
    train_spins = ar.bits_to_spins(train, L)
    exact = ising.exact(L, T)
    out = {
        "model": model,
        "history": history,
        "q": q,
        "train": train,
        "test": test,
        "samples": samples,
        "ind_samples": ind_samples,
        "exact": exact,
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


def _state_index(bits: np.ndarray) -> np.ndarray:
    """Row index in ``ising.all_states`` of each configuration given as bits (site d is bit d)."""
    return (bits.astype(np.int64) << np.arange(bits.shape[1])).sum(axis=1)


# --------------------------------------------------------------------------- digits


def binary_digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The 8x8 digits binarised at ``DIGITS["threshold"]``: train and test bits (n, 64) and labels.

    The split is that of the judge classifier (``metrics.digits_judge``): 30 % held out,
    stratified, ``random_state=0``.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X = (digits.data >= DIGITS["threshold"]).astype(float)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, digits.target, test_size=0.3, random_state=0, stratify=digits.target
    )
    return X_tr, X_te, y_tr, y_te


@_cached
def digits_run(short: bool = False) -> dict:
    """Train a MADE on binarised digits; held-out log-likelihoods of MADE and independent pixels."""
    cfg, s = DIGITS, int(short)
    X_tr, X_te, _, y_te = binary_digits()
    torchtools.seed_everything(SEED, deterministic=False)  # CPU: deterministic already
    model = ar.MADE(X_tr.shape[1], cfg["hidden"])
    history = ar.fit_made(
        model, X_tr, X_te, epochs=cfg["epochs"][s], lr=cfg["lr"], batch_size=cfg["batch_size"], seed=SEED
    )
    q = ar.fit_independent(X_tr)
    with torch.no_grad():
        ll_made = model.log_prob(X_te).double().numpy()
    ll_ind = ar.independent_log_prob(q, X_te)
    samples = model.sample(cfg["n_samples"], seed=SEED)
    ind_samples = ar.sample_independent(q, cfg["n_samples"], seed=SEED)
    pixel_max = metrics.DIGIT_PIXEL_MAX
    return {
        "model": model,
        "history": history,
        "q": q,
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
    }


# --------------------------------------------------------------------------- the mask property


def mask_jacobian(n_inputs: int = 6, hidden_sizes=(12, 12), ordering=None, seed: int = 0) -> np.ndarray:
    r"""Jacobian :math:`\partial a_d / \partial x_j`, shape (D, D), by autograd.

    Of a randomly initialised MADE, at a random input.
    """
    torchtools.seed_everything(seed, deterministic=False)
    model = ar.MADE(n_inputs, hidden_sizes, ordering).double()
    x = torch.rand(n_inputs, dtype=torch.float64, generator=torchtools.make_generator(seed))
    return torch.autograd.functional.jacobian(model, x).numpy()


def forbidden(ordering) -> np.ndarray:
    r"""Boolean (D, D): entry (d, j) is True where output d must not depend on input j (j not before d)."""
    order = np.asarray(ordering)
    rank = np.empty(len(order), dtype=int)
    rank[order] = np.arange(len(order))
    return rank[None, :] >= rank[:, None]


MASK_ORDERING = (3, 0, 5, 1, 4, 2)


@reference_check(
    "autoregressive.mask-property",
    chapter="autoregressive",
    description="MADE output d does not depend on inputs at or after d in the ordering (autograd Jacobian)",
    reference_source="torch.autograd.functional.jacobian; exact zeros required",
    kind="abs",
    tolerance=0.0,
    glued=("ar-jacobian-forbidden",),
)
def _mask_property():
    jac = mask_jacobian(len(MASK_ORDERING), (12, 12), MASK_ORDERING)
    return float(np.max(np.abs(jac[forbidden(MASK_ORDERING)]))), 0.0


@reference_check(
    "autoregressive.normalisation",
    chapter="autoregressive",
    description="The trained 4x4 Ising MADE's probabilities sum to 1 over all 2^16 states",
    reference_source="exact enumeration of all states (float64)",
    kind="abs",
    tolerance=1e-9,
    glued=("ar-normalisation",),
)
def _normalisation(short: bool):
    return ising_run(short)["normalisation"], 1.0


@reference_check(
    "autoregressive.ising-energy",
    chapter="autoregressive",
    description="Energy per spin of MADE samples (4x4 Ising, T = 2.3) equals the exact Boltzmann value",
    reference_source="ising.exact (enumeration); systematic = 2 x the training set's standard error",
    kind="stat",
    systematic=ISING_SYSTEMATIC[0],
    short_systematic=ISING_SYSTEMATIC[1],
    glued=("ar-ising-energy-made",),
)
def _ising_energy(short: bool):
    run = ising_run(short)
    e = run["energy_made"]
    return e.value, e.error, float(run["exact"].energy)


@reference_check(
    "autoregressive.ising-absm",
    chapter="autoregressive",
    description="<|M|>/N of MADE samples (4x4 Ising, T = 2.3) equals the exact Boltzmann value",
    reference_source="ising.exact (enumeration); systematic = 2 x the training set's standard error",
    kind="stat",
    systematic=ISING_SYSTEMATIC[0],
    short_systematic=ISING_SYSTEMATIC[1],
    glued=("ar-ising-absm-made",),
)
def _ising_absm(short: bool):
    run = ising_run(short)
    m = run["absm_made"]
    return m.value, m.error, float(run["exact"].abs_magnetization)


@reference_check(
    "autoregressive.ising-kl-below-independent",
    chapter="autoregressive",
    description="Exact KL(Boltzmann || MADE) is below a tenth of KL(Boltzmann || independent spins)",
    reference_source="exact enumeration of both divergences",
    kind="at_most",
    glued=("ar-ising-kl-made",),
)
def _ising_kl(short: bool):
    run = ising_run(short)
    return run["kl_made"], 0.1 * run["kl_independent"]


@reference_check(
    "autoregressive.digits-gain",
    chapter="autoregressive",
    description=(
        "Held-out ln p per binarised digit, MADE minus independent pixels: lower 3-sigma bound >= margin"
    ),
    reference_source="margin 5 nats per image (short: 1), paired standard error over held-out images",
    kind="at_least",
    glued=("ar-digits-gain-lower",),
)
def _digits_gain(short: bool):
    gain = digits_run(short)["ll_gain"]
    return gain.value - K_SIGMA * gain.error, DIGITS_MARGIN[int(short)]
