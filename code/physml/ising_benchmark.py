r"""One exact benchmark for the generative models: the 4x4 periodic Ising lattice.

Used by the chapter "Generative models on the Ising model: a benchmark"
(``chapters/generative_benchmark.md``), the last chapter of the generative part. The
:math:`2^{16}` states of the :math:`4\times4` lattice can all be enumerated, so every
number a model produces has an exact reference:

* :func:`boltzmann_log_probs`, :func:`exact_samples`, :func:`exact_reference`: the exact
  distribution :math:`p_B(\boldsymbol s) = e^{-H(\boldsymbol s)/T}/Z`, independent samples
  drawn from it, and :math:`\ln Z`, the free energy, energy, :math:`\langle|M|\rangle` and
  specific heat per spin;
* :func:`observables`: the same observables estimated from a model's samples, each with a
  standard error (the specific heat's by the jackknife);
* :func:`exact_kl`: :math:`D_{KL}(p_B\|q)` summed over all states, for every model with a
  normalised likelihood;
* :func:`fit_rbm_exact`, :func:`rbm_log_prob`, :func:`rbm_sample`: a binary RBM trained
  by the *exact* log-likelihood gradient (the model average by enumeration), its exact
  normalised likelihood and its Gibbs samples;
* :func:`iwae_log_likelihood`: the importance-weighted estimate of a VAE's
  :math:`\ln p(\boldsymbol x)` (a lower bound in expectation, tight as the number of
  importance samples grows);
* :class:`VAN`, :func:`train_van`, :func:`variational_free_energy`,
  :func:`exact_variational_free_energy`: the variational autoregressive network of
  Wu, Wang and Zhang (2019), trained *without data* by minimising its variational free
  energy :math:`F_q = \langle H\rangle_q - T S_q \ge F`.

Spins :math:`s = \pm1` are stored as bits :math:`x = (1+s)/2`, site :math:`d` of the
flattened lattice being bit :math:`d` (``physml.autoregressive.spins_to_bits``).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence

import numpy as np
import torch
from scipy.special import logsumexp
from torch import nn

from . import ising
from . import optim as _optim
from ._validate import (
    as_float_array,
    as_rng,
    check_bool,
    check_finite_loss,
    check_int,
    check_learning_rate,
    check_scalar,
    check_tensor,
    check_type,
    param_dtype,
)
from .autoregressive import MADE, check_binary, spins_to_bits
from .metrics import Estimate
from .nn.torch_twin import torch_threads
from .progress import progress
from .rbm import BinaryRBM, _sigmoid, _softplus, binary_states
from .torchtools import as_device, make_generator

__all__ = [
    "ExactReference",
    "VAN",
    "boltzmann_log_probs",
    "exact_kl",
    "exact_reference",
    "exact_samples",
    "exact_variational_free_energy",
    "fit_rbm_exact",
    "iwae_log_likelihood",
    "kaufman_log_partition",
    "kaufman_thermodynamics",
    "model_observables",
    "observables",
    "rbm_log_prob",
    "rbm_sample",
    "spins_from_signs",
    "train_van",
    "variational_free_energy",
]


def _check_L(L) -> int:
    L = check_int(L, "L", minimum=2)
    if L > ising.MAX_EXACT_L:
        raise ValueError(f"L must be <= {ising.MAX_EXACT_L} for exact enumeration, got {L}")
    return L


def _check_T(T, name: str = "T") -> float:
    return float(check_scalar(T, name, minimum=0.0, include_min=False))


# --------------------------------------------------------------------------- exact results


def boltzmann_log_probs(L: int, T: float) -> tuple[np.ndarray, np.ndarray]:
    r"""All states, shape :math:`(2^{L^2}, L, L)`, and their exact :math:`\ln p_B = -H/T - \ln Z`.

    Enumeration (``physml.ising.all_states``), with log-sum-exp for :math:`\ln Z`; :math:`L \le 4`.
    """
    L, T = _check_L(L), _check_T(T)
    states = ising.all_states(L)
    log_w = -ising.energy(states).astype(float) / T
    return states, log_w - logsumexp(log_w)


def exact_samples(n: int, L: int, T: float, seed) -> np.ndarray:
    r"""``n`` independent configurations (n, L, L) drawn exactly from :math:`p_B` (no Markov chain)."""
    n = check_int(n, "n", minimum=1)
    rng = as_rng(seed)
    states, log_p = boltzmann_log_probs(L, T)
    return states[rng.choice(len(states), size=n, p=np.exp(log_p))]


class ExactReference:
    r"""Exact per-spin thermodynamics of the :math:`L\times L` lattice at one temperature.

    ``log_Z`` (:math:`\ln Z`), ``free_energy`` :math:`F/N = -T\ln Z/N`, ``energy``,
    ``abs_magnetization``, ``specific_heat`` (per spin) and ``entropy`` :math:`S/N`
    (:math:`k_B = 1`), from ``physml.ising.exact``.
    """

    def __init__(self, L: int, T: float):
        self.L, self.T = _check_L(L), _check_T(T)
        ex = ising.exact(self.L, self.T)
        n = self.L * self.L
        self.log_Z = float(ex.log_Z)
        self.free_energy = -self.T * self.log_Z / n
        self.energy = float(ex.energy)
        self.abs_magnetization = float(ex.abs_magnetization)
        self.specific_heat = float(ex.specific_heat)
        self.entropy = (self.energy - self.free_energy) / self.T

    def __repr__(self) -> str:
        return (
            f"ExactReference(L={self.L}, T={self.T}, F/N={self.free_energy:.5f}, "
            f"E/N={self.energy:.5f}, |M|/N={self.abs_magnetization:.5f}, C/N={self.specific_heat:.5f})"
        )


def exact_reference(L: int, T: float) -> ExactReference:
    r"""Exact :math:`\ln Z`, :math:`F/N = -T\ln Z/N`, :math:`E/N`, :math:`\langle|M|\rangle/N`,
    :math:`C/N = (\langle H^2\rangle - \langle H\rangle^2)/(NT^2)` and :math:`S/N = (E - F)/(NT)`."""
    return ExactReference(L, T)


def _log_2cosh(x: np.ndarray) -> np.ndarray:
    return np.abs(x) + np.log1p(np.exp(-2.0 * np.abs(x)))


def _log_abs_2sinh(x: np.ndarray) -> np.ndarray:
    return np.abs(x) + np.log1p(-np.exp(-2.0 * np.abs(x)))


def _kaufman(L: int, beta: float) -> float:
    K = beta
    if not 1e-6 < K < 100.0:
        raise ValueError(f"T must lie between 0.01 and 1e6 for Kaufman's formula in float64, got {1.0 / K}")
    K_dual = np.arctanh(np.exp(-2.0 * K))
    ell = np.arange(2 * L)
    c = np.cosh(2 * K_dual) * np.cosh(2 * K) - np.sinh(2 * K_dual) * np.sinh(2 * K) * np.cos(np.pi * ell / L)
    gamma = np.arccosh(np.maximum(c, 1.0))
    gamma[0] = 2.0 * (K - K_dual)
    half = L * gamma / 2.0
    odd, even = half[1::2], half[0::2]
    terms = [
        _log_2cosh(odd).sum(),
        _log_abs_2sinh(odd).sum(),
        _log_2cosh(even).sum(),
        _log_abs_2sinh(even).sum(),
    ]
    signs = [1.0, float(np.prod(np.sign(odd))), 1.0, float(np.prod(np.sign(even)))]
    total = logsumexp(terms, b=signs)
    out = float(np.log(0.5) + L * L / 2.0 * np.log(2.0 * np.sinh(2.0 * K)) + total)
    if not np.isfinite(out):
        raise ValueError(
            f"T = {1.0 / beta} is outside the range where Kaufman's formula is finite in float64"
        )
    return out


def kaufman_log_partition(L: int, T: float) -> float:
    r"""Exact :math:`\ln Z` of the periodic :math:`L\times L` lattice for *any* L (Kaufman 1949).

    .. math::

        Z = \tfrac12\,(2\sinh 2K)^{L^2/2}\Bigl[\prod_{r=0}^{L-1} 2\cosh\tfrac{L\gamma_{2r+1}}{2}
        + \prod_{r=0}^{L-1} 2\sinh\tfrac{L\gamma_{2r+1}}{2}
        + \prod_{r=0}^{L-1} 2\cosh\tfrac{L\gamma_{2r}}{2}
        + \prod_{r=0}^{L-1} 2\sinh\tfrac{L\gamma_{2r}}{2}\Bigr],

    :math:`K = 1/T`, :math:`\cosh\gamma_\ell = \cosh 2K^*\cosh 2K - \sinh 2K^*\sinh 2K\cos(\pi\ell/L)`
    with the dual coupling :math:`\tanh K^* = e^{-2K}`, and :math:`\gamma_0 = 2(K - K^*)`
    (its sign matters below :math:`T_c`). Summed in logarithms; agrees with enumeration for
    :math:`L \le 4` (the unit tests).
    """
    L = check_int(L, "L", minimum=2)
    return _kaufman(L, 1.0 / _check_T(T))


def kaufman_thermodynamics(L: int, T: float, h: float = 1e-4) -> dict[str, float]:
    r"""Exact per-spin free energy, energy and specific heat of the periodic L x L lattice, any L.

    From :func:`kaufman_log_partition` by central differences in :math:`\beta` (step ``h``):
    :math:`F/N = -T\ln Z/N`, :math:`E/N = -\partial_\beta\ln Z/N`,
    :math:`C/N = \beta^2\partial^2_\beta\ln Z/N`.
    """
    L = check_int(L, "L", minimum=2)
    T = _check_T(T)
    h = float(check_scalar(h, "h", minimum=0.0, include_min=False, maximum=0.01))
    beta, n = 1.0 / T, L * L
    lz = [_kaufman(L, beta + d * h) for d in (-1, 0, 1)]
    return {
        "free_energy": -T * lz[1] / n,
        "energy": -(lz[2] - lz[0]) / (2 * h) / n,
        "specific_heat": beta**2 * (lz[2] - 2 * lz[1] + lz[0]) / h**2 / n,
    }


def _jackknife(values: np.ndarray, statistic, n_blocks: int) -> Estimate:
    blocks = np.array_split(values, n_blocks)
    full = statistic(values)
    loo = np.array([statistic(np.concatenate(blocks[:k] + blocks[k + 1 :])) for k in range(n_blocks)])
    err = math.sqrt((n_blocks - 1) / n_blocks * np.sum((loo - loo.mean()) ** 2))
    return Estimate(float(full), float(err))


def observables(spins, T: float, n_blocks: int = 20) -> dict[str, Estimate]:
    r"""Energy, :math:`|M|` and specific heat per spin of *independent* samples, with standard errors.

    .. math::

        \frac{E}{N} = \overline{H}/N,\qquad \frac{\langle |M|\rangle}{N} = \overline{|M|}/N, \qquad
        \frac{C}{N} = \frac{N}{T^2}\,\overline{(e - \bar e)^2}, \quad e = H/N,

    the means with their standard errors :math:`s/\sqrt n`, the specific heat's error by the
    jackknife over ``n_blocks`` blocks. ``spins`` is (n, L, L) of :math:`\pm1`, rows
    independent (exact, autoregressive or thinned Markov-chain samples).
    """
    s = ising._check_spins(spins, "spins")
    if s.ndim != 3 or len(s) < 2:
        raise ValueError(f"spins must have shape (n, L, L) with n >= 2, got {s.shape}")
    T = _check_T(T)
    n_blocks = check_int(n_blocks, "n_blocks", minimum=2, maximum=len(s))
    n_sites = s.shape[1] * s.shape[2]
    e = ising.energy(s, per_spin=True).astype(float)
    m = np.abs(ising.magnetization(s, per_spin=True)).astype(float)
    root_n = math.sqrt(len(e))
    return {
        "energy": Estimate(float(e.mean()), float(e.std(ddof=1) / root_n)),
        "abs_magnetization": Estimate(float(m.mean()), float(m.std(ddof=1) / root_n)),
        "specific_heat": _jackknife(e, lambda v: n_sites * v.var(ddof=1) / T / T, n_blocks),
    }


def exact_kl(log_p, log_q) -> float:
    r"""Exact :math:`D_{KL}(p\|q) = \sum_{\boldsymbol s} p(\boldsymbol s)[\ln p(\boldsymbol s)
    - \ln q(\boldsymbol s)]`
    over all states, from the two normalised log-probabilities of every state (same order)."""
    lp = as_float_array(log_p, "log_p", ndim=1, nonempty=True)
    lq = as_float_array(log_q, "log_q", ndim=1, nonempty=True)
    if lp.shape != lq.shape:
        raise ValueError(f"log_q must have the shape of log_p {lp.shape}, got {lq.shape}")
    p = np.exp(lp)
    if abs(p.sum() - 1.0) > 1e-6:
        raise ValueError(f"log_p must be normalised (sum of exp = 1), got {p.sum():.8f}")
    return float(np.sum(p * (lp - lq)))


def model_observables(log_q, L: int, T: float) -> dict[str, float]:
    r"""Exact per-spin energy, :math:`\langle|M|\rangle` and specific heat of a *model* :math:`q`,
    summed over all states from its normalised :math:`\ln q` (ordered as ``ising.all_states(L)``).

    For a model with a likelihood this separates the error of the model from that of its
    sampler: :math:`\langle A\rangle_q = \sum_{\boldsymbol s} q(\boldsymbol s)A(\boldsymbol s)`.
    """
    L, T = _check_L(L), _check_T(T)
    lq = as_float_array(log_q, "log_q", ndim=1, nonempty=True)
    states = ising.all_states(L)
    if lq.shape != (len(states),):
        raise ValueError(
            f"log_q must hold one value per state of the L={L} lattice, {len(states)}, got {lq.shape}"
        )
    q = np.exp(lq)
    if abs(q.sum() - 1.0) > 1e-6:
        raise ValueError(f"log_q must be normalised (sum of exp = 1), got {q.sum():.8f}")
    n = L * L
    e = ising.energy(states).astype(float)
    m = np.abs(ising.magnetization(states)).astype(float)
    mean_e = q @ e
    return {
        "energy": float(mean_e / n),
        "abs_magnetization": float(q @ m / n),
        "specific_heat": float(q @ (e - mean_e) ** 2 / n / T / T),
    }


def spins_from_signs(x, L: int) -> np.ndarray:
    r"""Continuous samples (n, L*L) of a GAN or diffusion model as spins.

    :math:`s = \mathrm{sign}(x)`, with 0 mapped to +1.
    """
    L = check_int(L, "L", minimum=1)
    arr = as_float_array(x, "x", ndim=2, nonempty=True)
    if arr.shape[1] != L * L:
        raise ValueError(f"x must have L*L = {L * L} columns for L={L}, got {arr.shape[1]}")
    return np.where(arr >= 0, 1, -1).astype(np.int8).reshape(-1, L, L)


# --------------------------------------------------------------------------- the RBM, exactly


def _exact_rbm_gradient(rbm: BinaryRBM, x: np.ndarray, hidden: np.ndarray) -> list[np.ndarray]:
    """Data average minus model average (summed over all hidden states) for a, b and W."""
    a, b, W = rbm.params
    ph = _sigmoid(b + x @ W)
    field = a + hidden @ W.T
    log_w = hidden @ b + _softplus(field).sum(axis=1)
    w = np.exp(log_w - logsumexp(log_w))
    px = _sigmoid(field)
    return [
        x.mean(axis=0) - w @ px,
        ph.mean(axis=0) - w @ hidden,
        x.T @ ph / len(x) - (px * w[:, None]).T @ hidden,
    ]


def fit_rbm_exact(rbm: BinaryRBM, x, *, steps: int, lr: float = 0.05) -> list[float]:
    r"""Train ``rbm`` in place by Adam ascent on the *exact* mean log-likelihood of ``x``.

    The gradient is positive phase minus negative phase,
    :math:`\partial_{W_{ij}}\overline{\ln P}
    = \langle x_ih_j\rangle_{\text{data}} - \langle x_ih_j\rangle_{\text{model}}`,
    the model average summed over all :math:`2^{N}` hidden states weighted by
    :math:`P(\boldsymbol h) \propto
    e^{\boldsymbol b\cdot\boldsymbol h}\prod_i(1 + e^{a_i + (W\boldsymbol h)_i})`
    (as ``BinaryRBM.exact_gradient``, vectorised here): no contrastive divergence, no
    sampling error. Needs ``n_hidden <= 16``. Returns the exact mean log-likelihood of
    ``x`` after every 50th step and the last (a NaN or infinite value stops training).
    """
    check_type(rbm, BinaryRBM, "rbm", "physml.rbm.BinaryRBM")
    x = check_binary(x, "x", rbm.n_visible)
    steps = check_int(steps, "steps", minimum=1)
    lr = check_learning_rate(lr)
    if rbm.n_hidden > 16:
        raise ValueError(f"rbm must have at most 16 hidden units for the exact gradient, got {rbm.n_hidden}")
    hidden = binary_states(rbm.n_hidden)
    opt = _optim.Adam(lr)
    history = []
    for step in range(steps):
        opt.step(rbm.params, [-g for g in _exact_rbm_gradient(rbm, x, hidden)])
        if step % 50 == 49 or step == steps - 1:
            value = rbm.log_likelihood(x)
            check_finite_loss(value, step, "log-likelihood")
            history.append(value)
    return history


def rbm_log_prob(rbm: BinaryRBM, x) -> np.ndarray:
    r"""Exact normalised :math:`\ln P(\boldsymbol x) = -\mathcal F(\boldsymbol x) - \ln Z`
    of every row of ``x``."""
    check_type(rbm, BinaryRBM, "rbm", "physml.rbm.BinaryRBM")
    x = check_binary(x, "x", rbm.n_visible)
    return -rbm.free_energy(x) - rbm.log_partition()


def rbm_sample(rbm: BinaryRBM, n: int, n_steps: int, seed) -> np.ndarray:
    r"""``n`` independent samples (n, n_visible): ``n`` Gibbs chains from uniform random bits,
    ``n_steps`` block-Gibbs steps each, the last state of every chain."""
    check_type(rbm, BinaryRBM, "rbm", "physml.rbm.BinaryRBM")
    n = check_int(n, "n", minimum=1)
    n_steps = check_int(n_steps, "n_steps", minimum=1)
    rng = as_rng(seed)
    x0 = rng.integers(0, 2, size=(n, rbm.n_visible)).astype(float)
    return rbm._gibbs(x0, n_steps, rng)


# --------------------------------------------------------------------------- the VAE, by IWAE


@torch.no_grad()
def iwae_log_likelihood(model, x, n_importance: int = 100, seed: int = 0) -> np.ndarray:
    r"""Importance-weighted estimate of :math:`\ln p(\boldsymbol x)` of a Bernoulli VAE, one per row.

    .. math::

        \hat{\mathcal L}_K(\boldsymbol x) = \ln\frac1K\sum_{k=1}^K
        \frac{p(\boldsymbol x|\boldsymbol z_k)\,p(\boldsymbol z_k)}{q(\boldsymbol z_k|\boldsymbol x)},
        \qquad \boldsymbol z_k\sim q(\boldsymbol z|\boldsymbol x),

    with :math:`\mathbb E\,\hat{\mathcal L}_K \le \ln p(\boldsymbol x)`, increasing with
    :math:`K` to :math:`\ln p` (Burda, Grosse and Salakhutdinov 2016); :math:`K = 1` is the ELBO.
    """
    from .vae import VAE

    check_type(model, VAE, "model", "physml.vae.VAE")
    if model.likelihood != "bernoulli":
        raise ValueError("model must have a Bernoulli likelihood (likelihood='bernoulli')")
    K = check_int(n_importance, "n_importance", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    p0 = next(model.parameters())
    xt = torch.as_tensor(check_binary(x, "x", model.n_in), dtype=p0.dtype, device=p0.device)
    gen = make_generator(seed, p0.device)
    mu, logvar = model.encode(xt)
    std = torch.exp(0.5 * logvar)
    eps = torch.randn((K, *mu.shape), generator=gen, device=p0.device, dtype=p0.dtype)
    z = mu + std * eps  # (K, n, latent)
    log_q = (-0.5 * eps**2 - 0.5 * logvar - 0.5 * math.log(2 * math.pi)).sum(-1)
    log_prior = (-0.5 * z**2 - 0.5 * math.log(2 * math.pi)).sum(-1)
    logits = model.decoder(z)
    log_lik = -nn.functional.binary_cross_entropy_with_logits(
        logits, xt.expand_as(logits), reduction="none"
    ).sum(-1)
    log_w = log_lik + log_prior - log_q
    return (torch.logsumexp(log_w, dim=0) - math.log(K)).double().cpu().numpy()


# --------------------------------------------------------------------------- the VAN


def _lattice_energy(bits: torch.Tensor, L: int) -> torch.Tensor:
    """H(s) = -sum over nearest-neighbour bonds s_i s_j of periodic L x L lattices, from bits (n, L*L)."""
    s = (2 * bits - 1).reshape(-1, L, L)
    return -(s * torch.roll(s, 1, dims=1) + s * torch.roll(s, 1, dims=2)).sum(dim=(1, 2))


class VAN(nn.Module):
    r"""A variational autoregressive network for Ising spins (Wu, Wang and Zhang 2019; chapter
    "Generative models on the Ising model: a benchmark").

    The conditionals :math:`q(s_d|\boldsymbol s_{<d})` come from a MADE
    (``physml.autoregressive.MADE``), so :math:`q` is normalised and sampled exactly. With
    ``z2=True`` the model is symmetrised under the global flip,
    :math:`q_{Z_2}(\boldsymbol s) = \frac12[q(\boldsymbol s) + q(-\boldsymbol s)]`, sampled by
    flipping a sample of :math:`q` with probability 1/2; below :math:`T_c` this removes the
    :math:`T\ln 2` a one-sided model pays in free energy.
    """

    def __init__(self, n_spins: int, hidden_sizes: Sequence[int] = (32,), z2: bool = True):
        super().__init__()
        self.n_spins = check_int(n_spins, "n_spins", minimum=2)
        self.z2 = check_bool(z2, "z2")
        self.made = MADE(self.n_spins, hidden_sizes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        r""":math:`\ln q` of bits ``x`` (n, n_spins) of the weights' dtype (the network pass)."""
        check_tensor(x, "x", features=self.n_spins, dtype=param_dtype(self))
        return self._log_prob(x)

    def _log_prob(self, x: torch.Tensor) -> torch.Tensor:
        def one(y):
            return -nn.functional.binary_cross_entropy_with_logits(self.made.net(y), y, reduction="none").sum(
                dim=1
            )

        if not self.z2:
            return one(x)
        return torch.logaddexp(one(x), one(1 - x)) - math.log(2.0)

    def log_prob(self, x) -> torch.Tensor:
        r"""Exact normalised :math:`\ln q(\boldsymbol x)` of every row of bits ``x``, shape (n,)."""
        return self._log_prob(self.made._as_tensor(x))

    def _sample(self, n: int, gen: torch.Generator) -> torch.Tensor:
        p = next(self.parameters())
        x = torch.zeros(n, self.n_spins, device=p.device, dtype=p.dtype)
        for d in self.made.ordering:
            prob = torch.sigmoid(self.made.net(x)[:, d])
            x[:, d] = (torch.rand(n, generator=gen, device=p.device, dtype=p.dtype) < prob).to(p.dtype)
        if self.z2:
            flip = torch.rand(n, 1, generator=gen, device=p.device, dtype=p.dtype) < 0.5
            x = torch.where(flip, 1 - x, x)
        return x

    @torch.no_grad()
    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` exact, independent samples as bits (n, n_spins), float."""
        n = check_int(n, "n", minimum=1)
        p = next(self.parameters())
        gen = make_generator(check_int(seed, "seed", minimum=0), p.device)
        return self._sample(n, gen).cpu().numpy().astype(float)


def _check_van(model, L: int) -> VAN:
    check_type(model, VAN, "model", "physml.ising_benchmark.VAN")
    if model.n_spins != L * L:
        raise ValueError(f"model has {model.n_spins} spins but the lattice L={L} has {L * L}")
    return model


def train_van(
    model: VAN,
    L: int,
    T: float,
    *,
    steps: int = 500,
    batch_size: int = 500,
    lr: float = 1e-2,
    beta_anneal: float = 0.99,
    seed: int = 0,
    device="cpu",
    num_threads: int | None = 1,
) -> dict:
    r"""Minimise the variational free energy :math:`F_q` of ``model`` on the L x L lattice; no data
    (chapter "Generative models on the Ising model: a benchmark", eq. ``eq-gb-reinforce``).

    .. math::

        \beta F_q = \mathbb E_{q}\bigl[\beta H(\boldsymbol s) + \ln q(\boldsymbol s)\bigr],
        \qquad
        \nabla_\theta \beta F_q
        = \mathbb E_{q}\bigl[(f(\boldsymbol s) - b)\,\nabla_\theta\ln q(\boldsymbol s)\bigr],

    :math:`f = \beta H + \ln q`, estimated on ``batch_size`` fresh exact samples per step
    (REINFORCE, the score-function estimator) with the batch mean of :math:`f` as baseline
    :math:`b`. The inverse temperature is annealed, :math:`\beta_k = \beta(1 - a^{k+1})` with
    :math:`a` = ``beta_anneal`` (0 switches annealing off). Returns ``{"free_energy": [...],
    "beta": [...]}``: the batch estimate of :math:`F_q/N` at the step's :math:`\beta` (in units
    of :math:`T = 1/\beta`), every step. A NaN or infinite loss stops training. Runs with
    ``num_threads`` torch threads (one is fastest for networks this small).
    """
    _check_van(model, check_int(L, "L", minimum=2))
    T = _check_T(T)
    steps = check_int(steps, "steps", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=2)
    lr = check_learning_rate(lr)
    beta_anneal = float(check_scalar(beta_anneal, "beta_anneal", minimum=0.0, maximum=1.0, include_max=False))
    seed = check_int(seed, "seed", minimum=0)
    device = as_device(device)
    threads = torch_threads(num_threads, "num_threads")
    torch.manual_seed(seed)
    model.to(device)
    gen = make_generator(seed, device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    with threads:
        return _van_loop(model, L, 1.0 / T, steps, batch_size, beta_anneal, opt, gen)


def _reinforce_loss(model, x: torch.Tensor, energy: torch.Tensor, beta: float):
    """Surrogate loss whose gradient is eq. (eq-gb-reinforce): mean of (f - mean f) ln q, f detached."""
    log_q = model._log_prob(x)
    f = (beta * energy + log_q).detach()
    return ((f - f.mean()) * log_q).mean(), f


def _van_loop(model, L, beta, steps, batch_size, beta_anneal, opt, gen) -> dict:
    n = L * L
    history: dict = {"free_energy": [], "beta": []}
    for step in progress(range(steps), desc="steps"):
        b_k = beta * (1.0 - beta_anneal ** (step + 1))
        with torch.no_grad():
            x = model._sample(batch_size, gen)
            energy = _lattice_energy(x, L)
        loss, f = _reinforce_loss(model, x, energy, b_k)
        check_finite_loss(loss.item(), step)
        opt.zero_grad()
        loss.backward()
        opt.step()
        history["free_energy"].append(float(f.mean().item() / (b_k * n)))
        history["beta"].append(b_k)
    return history


@torch.no_grad()
def variational_free_energy(model: VAN, L: int, T: float, n: int = 10_000, seed: int = 0) -> Estimate:
    r"""Sampled :math:`F_q/N = \frac1N\mathbb E_q[H + T\ln q]` with its standard error
    (from exact samples of :math:`q`)."""
    _check_van(model, check_int(L, "L", minimum=2))
    T = _check_T(T)
    n = check_int(n, "n", minimum=2)
    seed = check_int(seed, "seed", minimum=0)
    p = next(model.parameters())
    x = model._sample(n, make_generator(seed, p.device))
    g = (_lattice_energy(x, L).double() / T + model._log_prob(x).double()).cpu().numpy()  # beta H + ln q
    scale = T / (L * L)
    return Estimate(float(scale * g.mean()), float(scale * g.std(ddof=1) / math.sqrt(n)))


@torch.no_grad()
def exact_variational_free_energy(model: VAN, L: int, T: float) -> float:
    r"""Exact :math:`F_q/N = \frac1N\sum_{\boldsymbol s}
    q(\boldsymbol s)[H(\boldsymbol s) + T\ln q(\boldsymbol s)]`
    by enumeration (:math:`L \le 4`, float64). :math:`F_q - F = T\,D_{KL}(q\|p_B) \ge 0`."""
    L = _check_L(L)
    _check_van(model, L)
    T = _check_T(T)
    states = ising.all_states(L)
    bits = torch.as_tensor(spins_to_bits(states), dtype=torch.float64)
    m64 = copy.deepcopy(model).to("cpu", torch.float64)
    log_q = m64._log_prob(bits).numpy()
    energy = ising.energy(states).astype(float)
    q = np.exp(log_q)
    return float(T * np.sum(q * (energy / T + log_q)) / (L * L))
