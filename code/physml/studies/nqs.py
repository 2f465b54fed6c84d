r"""The runs of "Neural-network quantum states": what the page trains, with its settings in view.

* :func:`noninteracting_run`: the RBM :math:`\psi = \sqrt F` with Gibbs sampling for two
  particles in a 2D trap without interaction, where the exact ground state is in the family;
* :func:`dot_rbm_run`: the two-electron quantum dot at omega = 1 with the three RBM ansatze
  (:math:`\sqrt F` with Gibbs sampling, :math:`F` with Metropolis, :math:`\sqrt F` times the
  Pade-Jastrow factor);
* :func:`feed_forward_run`: the Pade-Jastrow function times the exponential of a small
  feed-forward network whose derivatives come from ``torch.func``.

Every run trains with Adam through ``vmc.optimize`` and ends with a longer measurement at
the final parameters (value +- blocking error). The two-parameter Pade-Jastrow run of the
previous chapter, which the page shows beside these, is ``physml.studies.vmc.dot_run``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import optim, vmc
from ..experiment import Settings, setting, study
from ..vmc import exact
from .vmc import Run

# name: (power, sigma, Jastrow factor, sampler)
ANSATZE = {
    "RBM, psi = sqrt(F), Gibbs": (0.5, np.sqrt(0.5), False, "gibbs"),
    "RBM, psi = F, Metropolis": (1.0, 1.0, False, "metropolis"),
    "RBM x Pade-Jastrow, psi = sqrt(F) J": (0.5, np.sqrt(0.5), True, "metropolis"),
}


class RBMRun(Settings):
    """Settings of the RBM trial functions (two particles in a 2D trap, omega = 1), trained with Adam."""

    n_hidden: int = setting(4, low=1, doc="hidden units of the RBM")
    lr: float = setting(0.02, low=0, doc="Adam learning rate")
    n_iter: int = setting(70, low=1, doc="Adam iterations")
    n_walkers: int = setting(300, low=1, doc="walkers per iteration")
    n_steps: int = setting(64, low=16, doc="measured sampler steps per iteration")
    final_walkers: int = setting(1000, low=1, doc="walkers of the final measurement")
    final_steps: int = setting(256, low=16, doc="steps of the final measurement")
    scale: float = setting(0.05, low=0, doc="standard deviation of the initial weights and biases")
    beta: float = setting(0.3, low=0, doc="initial Pade-Jastrow beta (ansatz with a Jastrow factor)")
    step: float = setting(1.2, low=0, doc="Metropolis step size (ansatze sampled with Metropolis)")
    seed: int = setting(20, low=0, doc="seed; ansatz k uses seed + 10 k (+ 1 optimisation, + 2 final)")

    SHORT = {"n_walkers": 200, "n_steps": 32, "n_iter": 40, "final_walkers": 400, "final_steps": 128}


def make_sampler(kind: str, step: float = 1.2) -> vmc.Sampler:
    return vmc.Gibbs() if kind == "gibbs" else vmc.Metropolis(step)


def train_rbm(cfg: RBMRun, ansatz: str, coulomb: bool, seed: int) -> Run:
    """Train one RBM ansatz for two particles in a 2D trap (omega = 1) with Adam from small random
    weights, then measure the energy at the final parameters with more walkers and steps."""
    power, sigma, jastrow, kind = ANSATZE[ansatz]
    ham = vmc.HarmonicTrap(1.0, coulomb=coulomb)
    wf = vmc.RBMWaveFunction.random(
        2,
        2,
        cfg.n_hidden,
        seed=seed,
        scale=cfg.scale,
        sigma=sigma,
        power=power,
        jastrow=jastrow,
        beta=cfg.beta,
    )
    sampler = make_sampler(kind, cfg.step)
    history = vmc.optimize(
        ham,
        wf,
        sampler,
        optim.Adam(cfg.lr),
        n_iter=cfg.n_iter,
        n_walkers=cfg.n_walkers,
        n_steps=cfg.n_steps,
        seed=seed + 1,
        desc=ansatz,
    )
    final = vmc.energy(
        ham, history.wf, sampler, n_walkers=cfg.final_walkers, n_steps=cfg.final_steps, seed=seed + 2
    )
    reference = exact.two_electron_dot_energy(1.0) if coulomb else exact.noninteracting_energy(2, 2, 1.0)
    return Run(history, final, reference)


class NonInteractingRun(RBMRun):
    """Settings of the RBM psi = sqrt(F) for two particles without interaction (Gibbs sampling)."""

    seed: int = setting(10, low=0, doc="seed of the weights (+ 1 optimisation, + 2 final measurement)")


@study("nqs", NonInteractingRun)
def noninteracting_run(cfg: NonInteractingRun) -> Run:
    """psi = sqrt(F), Gibbs sampling, two particles without interaction: the exact E = 2 is in the family."""
    return train_rbm(cfg, "RBM, psi = sqrt(F), Gibbs", coulomb=False, seed=cfg.seed)


class DotRBMRun(RBMRun):
    """Settings of the RBM ansatze for the two-electron dot at omega = 1."""

    ansatze: tuple[str, ...] = setting(tuple(ANSATZE), doc=f"the ansatze to train, of {tuple(ANSATZE)}")

    def validate(self):
        unknown = [a for a in self.ansatze if a not in ANSATZE]
        if unknown or not self.ansatze:
            raise ValueError(
                f"DotRBMRun.ansatze must be a non-empty choice of {tuple(ANSATZE)}, got {unknown}"
            )


@study("nqs", DotRBMRun)
def dot_rbm_run(cfg: DotRBMRun) -> dict[str, Run]:
    """The two-electron dot at omega = 1 with each RBM ansatz of ``cfg.ansatze``: ``{ansatz: Run}``."""
    return {
        name: train_rbm(cfg, name, coulomb=True, seed=cfg.seed + 10 * list(ANSATZE).index(name))
        for name in cfg.ansatze
    }


class FeedForwardRun(Settings):
    """Settings of the Pade-Jastrow function times exp(MLP), derivatives from torch.func.

    The wave function evaluates its network per walker with ``torch.func`` in float64 on the
    CPU (``physml.vmc.torch_nqs`` takes no device), so this run has no device setting.
    """

    alpha_start: float = setting(0.49, low=0.01, doc="alpha at the start (near the Pade-Jastrow optimum)")
    beta_start: float = setting(0.39, low=0, doc="beta at the start")
    n_hidden: int = setting(8, low=1, doc="hidden units of the network")
    init_seed: int = setting(5, low=0, doc="seed of the network's first-layer weights")
    lr: float = setting(0.01, low=0, doc="Adam learning rate")
    n_iter: int = setting(12, low=1, doc="Adam iterations")
    n_walkers: int = setting(500, low=1, doc="walkers per iteration")
    n_steps: int = setting(16, low=16, doc="measured Metropolis steps per iteration")
    final_walkers: int = setting(500, low=1, doc="walkers of the final measurement")
    final_steps: int = setting(256, low=16, doc="steps of the final measurement")
    step: float = setting(1.2, low=0, doc="Metropolis step size")
    seed: int = setting(60, low=0, doc="seed of the sampler (the final measurement uses seed + 1)")

    SHORT = {"n_iter": 4, "n_walkers": 300, "final_walkers": 300, "final_steps": 16}


@study("nqs", FeedForwardRun)
def feed_forward_run(cfg: FeedForwardRun) -> Run:
    """The Pade-Jastrow function times exp(MLP), all derivatives from torch.func, trained with Adam."""
    from ..vmc.torch_nqs import FeedForwardJastrow

    ham = vmc.HarmonicTrap(1.0, coulomb=True)
    sampler = vmc.Metropolis(cfg.step)
    history = vmc.optimize(
        ham,
        FeedForwardJastrow(cfg.alpha_start, cfg.beta_start, n_hidden=cfg.n_hidden, seed=cfg.init_seed),
        sampler,
        optim.Adam(cfg.lr),
        n_iter=cfg.n_iter,
        n_walkers=cfg.n_walkers,
        n_steps=cfg.n_steps,
        seed=cfg.seed,
        desc="feed-forward",
    )
    final = vmc.energy(
        ham, history.wf, sampler, n_walkers=cfg.final_walkers, n_steps=cfg.final_steps, seed=cfg.seed + 1
    )
    return Run(history, final, 3.0)


# ----------------------------------------------------------------------------------------------
# spin chains (Carleo and Troyer): RBM states trained by stochastic reconfiguration
# ----------------------------------------------------------------------------------------------

MODELS = ("tfim", "heisenberg")


class ChainRun(Settings):
    """Settings of a translation-invariant RBM on a spin-1/2 ring, trained by stochastic reconfiguration."""

    model: str = setting(
        "tfim", doc='"tfim" (transverse-field Ising at h = 1) or "heisenberg" (antiferromagnet)'
    )
    n_sites: int = setting(
        24, low=4, high=64, doc="spins on the ring (even; Heisenberg: <= 16 for the exact diagonalisation)"
    )
    alphas: tuple[int, ...] = setting((1, 2), doc="hidden-unit densities alpha = M / N to train")
    n_iter: int = setting(100, low=1, doc="SR iterations")
    n_chains: int = setting(100, low=2, doc="Markov chains (samples per sweep)")
    n_sweeps: int = setting(4, low=1, doc="sweeps per iteration (samples per iteration = chains x sweeps)")
    lr: float = setting(0.05, low=0, doc="SR learning rate (imaginary-time step)")
    diag_shift: float = setting(0.1, low=0, doc="diagonal shift of S")
    final_chains: int = setting(100, low=2, doc="chains of the final measurement")
    final_sweeps: int = setting(64, low=16, doc="sweeps of the final measurement (blocked)")
    seed: int = setting(40, low=0, doc="seed; alpha number k uses seed + 10 k (+ 1 training, + 2 final)")

    SHORT = {"n_sites": 8, "n_iter": 40, "final_sweeps": 32}

    def validate(self):
        if self.model not in MODELS:
            raise ValueError(f"ChainRun.model must be one of {MODELS}, got {self.model!r}")
        if self.n_sites % 2:
            raise ValueError(f"ChainRun.n_sites must be even, got {self.n_sites}")
        if self.model == "heisenberg" and self.n_sites > 16:
            raise ValueError(
                "ChainRun.n_sites must be <= 16 for the Heisenberg ring (exact diagonalisation), "
                f"got {self.n_sites}"
            )
        if not self.alphas or any(not isinstance(a, int) or a < 1 or a > 8 for a in self.alphas):
            raise ValueError(f"ChainRun.alphas must be a non-empty tuple of integers 1..8, got {self.alphas}")


class ChainResult(NamedTuple):
    """Exact energy (and how it was obtained), and per alpha the training history and final estimate."""

    exact: float
    exact_method: str
    runs: dict


def chain_hamiltonian(model: str, n_sites: int):
    from ..vmc import lattice

    return lattice.TransverseFieldIsing(n_sites, h=1.0) if model == "tfim" else lattice.Heisenberg(n_sites)


def train_chain(ham, alpha: int, optimizer, cfg, seed: int):
    """Train one translation-invariant RBM of density ``alpha`` on ``ham``, then measure its energy."""
    from ..vmc import lattice

    marshall = isinstance(ham, lattice.Heisenberg)
    wf = lattice.SymmetricLatticeRBM.random(ham.n_sites, alpha, seed=seed, marshall=marshall)
    history = lattice.optimize_lattice(
        ham, wf, optimizer, n_iter=cfg.n_iter, n_chains=cfg.n_chains, n_sweeps=cfg.n_sweeps,
        seed=seed + 1, desc=f"alpha = {alpha}",
    )  # fmt: skip
    final = lattice.lattice_energy(
        ham, history.wf, n_chains=cfg.final_chains, n_sweeps=cfg.final_sweeps, seed=seed + 2
    )
    return history, final


class TFIMChainRun(ChainRun):
    """The transverse-field Ising ring at the critical field h = 1, against free fermions."""


class HeisenbergChainRun(ChainRun):
    """The antiferromagnetic Heisenberg ring (Marshall sign, exchange moves), against Lanczos."""

    model: str = setting("heisenberg", doc='"heisenberg" (antiferromagnet) or "tfim"')
    n_sites: int = setting(
        12, low=4, high=16, doc="spins on the ring (even, <= 16 for exact diagonalisation)"
    )
    seed: int = setting(70, low=0, doc="seed; alpha number k uses seed + 10 k (+ 1 training, + 2 final)")


@study("nqs", TFIMChainRun)
def tfim_chain_run(cfg: TFIMChainRun) -> ChainResult:
    """RBM ground states of the critical TFIM ring for each alpha, and the free-fermion energy."""
    return chain_run(cfg)


@study("nqs", HeisenbergChainRun)
def heisenberg_chain_run(cfg: HeisenbergChainRun) -> ChainResult:
    """RBM ground states of the Heisenberg ring for each alpha, and the Lanczos energy."""
    return chain_run(cfg)


def chain_run(cfg: ChainRun) -> ChainResult:
    """RBM ground states of a spin ring for each alpha, with the exact energy (free fermions or Lanczos)."""
    from ..vmc import lattice
    from ..vmc.sr import StochasticReconfiguration

    ham = chain_hamiltonian(cfg.model, cfg.n_sites)
    if cfg.model == "tfim":
        exact_e, method = lattice.tfim_energy_free_fermions(cfg.n_sites, 1.0), "free fermions"
    else:
        exact_e, method = lattice.exact_ground_state(ham), "exact diagonalisation (Lanczos)"
    runs = {}
    for k, alpha in enumerate(cfg.alphas):
        runs[alpha] = train_chain(
            ham, alpha, StochasticReconfiguration(cfg.lr, cfg.diag_shift), cfg, cfg.seed + 10 * k
        )
    return ChainResult(exact_e, method, runs)


class OptimizerRace(Settings):
    """Settings of the comparison SR against Adam on the TFIM ring, same samples per iteration."""

    n_sites: int = setting(12, low=4, high=16, doc="spins (<= 16: exact diagonalisation)")
    alpha: int = setting(1, low=1, high=8, doc="hidden-unit density")
    n_iter: int = setting(60, low=10, doc="iterations of each optimizer")
    n_chains: int = setting(100, low=2, doc="chains")
    n_sweeps: int = setting(4, low=1, doc="sweeps per iteration")
    sr_lr: float = setting(0.05, low=0, doc="SR learning rate")
    diag_shift: float = setting(0.1, low=0, doc="SR diagonal shift")
    adam_lr: float = setting(0.03, low=0, doc="Adam learning rate (the better of 0.01 and 0.03 in a trial)")
    seeds: tuple[int, ...] = setting(
        (1, 2, 3), doc="seeds of initialisation and sampling (>= 3 for the check)"
    )

    SHORT = {"n_sites": 8, "n_iter": 30}

    def validate(self):
        if self.n_sites % 2:
            raise ValueError(f"OptimizerRace.n_sites must be even, got {self.n_sites}")
        if not self.seeds:
            raise ValueError("OptimizerRace.seeds must not be empty")


@study("nqs", OptimizerRace)
def optimizer_race(cfg: OptimizerRace) -> dict:
    """Energy histories of SR and Adam from the same start, per seed: ``{"exact", "sr", "adam"}``;
    the score of a run is the mean energy of its last 10 iterations."""
    from ..vmc import lattice
    from ..vmc.sr import StochasticReconfiguration

    ham = lattice.TransverseFieldIsing(cfg.n_sites, h=1.0)
    out = {"exact": lattice.exact_ground_state(ham), "sr": [], "adam": []}
    for seed in cfg.seeds:
        for name, opt in (
            ("sr", StochasticReconfiguration(cfg.sr_lr, cfg.diag_shift)),
            ("adam", optim.Adam(cfg.adam_lr)),
        ):
            wf = lattice.SymmetricLatticeRBM.random(cfg.n_sites, cfg.alpha, seed=seed)
            res = lattice.optimize_lattice(
                ham, wf, opt, n_iter=cfg.n_iter, n_chains=cfg.n_chains, n_sweeps=cfg.n_sweeps,
                seed=seed + 100, desc=f"{name}, seed {seed}",
            )  # fmt: skip
            out[name].append(res.energy)
    return out
