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
