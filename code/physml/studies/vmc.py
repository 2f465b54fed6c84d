r"""The runs of "Variational Monte Carlo": what the page samples and optimises, with its settings in view.

* :func:`alpha_scan_run`: the energy and the variance of :math:`E_L` of one particle in a
  harmonic trap (d = 1, 2, 3) for Gaussian trial functions on a grid of :math:`\alpha`;
* :func:`sampler_run`: brute-force Metropolis (step sizes) against Langevin importance
  sampling (time steps) for the two-electron dot at fixed parameters;
* :func:`boson_run`: N non-interacting bosons, the Gaussian optimised by gradient descent;
* :func:`dot_run`: two electrons in a 2D quantum dot, Gaussian x Pade-Jastrow optimised
  with Adam from a poor start, then a longer measurement at the final parameters;
* :func:`many_dot_run`, :func:`twelve_dot_run`: closed-shell dots of six and twelve
  electrons, Slater determinants x Pade-Jastrow with single-electron moves, against the
  non-interacting and Hartree-Fock energies, with the radial one-body density.

Each Monte Carlo energy comes with its blocking error. The runs are plain NumPy (no torch),
so they have no device setting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import optim, vmc
from ..experiment import Settings, setting, study
from ..vmc import exact


@dataclass(frozen=True)
class Run:
    """An optimisation and the final, longer measurement at its last parameters."""

    history: vmc.VMCResult
    final: vmc.Estimate
    reference: float


# --------------------------------------------------------------------------- one particle, alpha scan


def exact_gaussian_energy(alpha, dims: int, omega: float = 1.0):
    r"""<E>(alpha) = d (alpha/2 + omega^2/(8 alpha)) of the Gaussian trial function for one particle."""
    alpha = np.asarray(alpha, dtype=float)
    return dims * (alpha / 2 + omega**2 / (8 * alpha))


class AlphaScan(Settings):
    """Settings of the scan of the Gaussian's alpha for one particle in a trap (omega = 1)."""

    dims: tuple[int, ...] = setting((1, 2, 3), low=1, high=3, doc="spatial dimensions scanned")
    alpha_min: float = setting(0.2, low=0.01, doc="smallest alpha of the grid")
    alpha_max: float = setting(1.0, low=0.01, doc="largest alpha of the grid")
    n_alpha: int = setting(17, low=2, doc="points of the alpha grid")
    n_walkers: int = setting(200, low=1, doc="walkers per alpha")
    n_steps: int = setting(128, low=16, doc="measured Metropolis steps per alpha")
    n_burn: int = setting(50, low=0, doc="thermalisation steps per alpha")
    step: float = setting(1.5, low=0, doc="Metropolis step size times sqrt(d)")
    seed: int = setting(0, low=0, doc="seed; dimension d, grid point k use seed + 100 d + k")

    SHORT = {"n_alpha": 9, "n_steps": 64}

    def validate(self):
        if self.alpha_max <= self.alpha_min:
            raise ValueError("AlphaScan.alpha_max must be larger than AlphaScan.alpha_min")


@study("vmc", AlphaScan)
def alpha_scan_run(cfg: AlphaScan) -> dict[int, dict[str, np.ndarray]]:
    """For each d: energy, blocking error and variance of E_L of the Gaussian on the alpha grid."""
    alphas = np.linspace(cfg.alpha_min, cfg.alpha_max, cfg.n_alpha)
    scans = {}
    for dims in cfg.dims:
        rows = []
        for k, alpha in enumerate(alphas):
            est = vmc.energy(
                vmc.HarmonicTrap(1.0),
                vmc.Gaussian(float(alpha), 1, dims),
                vmc.Metropolis(cfg.step / np.sqrt(dims)),
                n_walkers=cfg.n_walkers,
                n_steps=cfg.n_steps,
                n_burn=cfg.n_burn,
                seed=cfg.seed + 100 * dims + k,
            )
            rows.append((est.mean, est.error, est.variance))
        energy, error, variance = np.array(rows).T
        scans[dims] = {"alpha": alphas, "energy": energy, "error": error, "variance": variance}
    return scans


# --------------------------------------------------------------------------- samplers


class SamplerRun(Settings):
    """Settings of the sampler comparison: the dot at omega = 1 with fixed Pade-Jastrow parameters."""

    metropolis_steps: tuple[float, ...] = setting(
        (0.25, 0.5, 1.0, 2.0, 4.0), low=0, doc="step sizes delta of brute-force Metropolis"
    )
    langevin_steps: tuple[float, ...] = setting(
        (0.01, 0.05, 0.2, 0.5, 1.0), low=0, doc="time steps dt of Langevin importance sampling"
    )
    alpha: float = setting(0.5, low=0.01, doc="Gaussian parameter alpha of the trial function")
    beta: float = setting(0.4, low=0, doc="Pade-Jastrow parameter beta")
    n_walkers: int = setting(100, low=1, doc="walkers of each run")
    n_steps: int = setting(1024, low=16, doc="measured steps of each run")
    seed: int = setting(50, low=0, doc="seed; the k-th setting of each sampler uses seed + k")

    SHORT = {"n_steps": 256}


@study("vmc", SamplerRun)
def sampler_run(cfg: SamplerRun) -> list[dict]:
    """Acceptance, autocorrelation time and blocking error of brute-force Metropolis (step
    size) and Langevin importance sampling (time step) for the dot at omega = 1 with fixed
    parameters, the same number of steps and walkers."""
    wf = vmc.PadeJastrow(cfg.alpha, cfg.beta)
    ham = vmc.HarmonicTrap(1.0, coulomb=True)
    rows = []
    for name, values in (("Metropolis", cfg.metropolis_steps), ("Langevin", cfg.langevin_steps)):
        for k, value in enumerate(values):
            sampler = vmc.Metropolis(value) if name == "Metropolis" else vmc.Langevin(value)
            est = vmc.energy(
                ham, wf, sampler, n_walkers=cfg.n_walkers, n_steps=cfg.n_steps, seed=cfg.seed + k
            )
            rows.append({"sampler": name, "setting": value, "estimate": est})
    return rows


# --------------------------------------------------------------------------- bosons


class BosonRun(Settings):
    """Settings of N non-interacting bosons in a trap (omega = 1), Gaussian trial function."""

    n_bosons: int = setting(10, low=1, doc="number of bosons N")
    dims: int = setting(3, low=1, high=3, doc="spatial dimensions d")
    alpha_start: float = setting(0.2, low=0.01, doc="alpha at the start of the optimisation")
    lr: float = setting(0.005, low=0, doc="learning rate of gradient descent")
    n_iter: int = setting(60, low=1, doc="gradient-descent iterations")
    n_walkers: int = setting(250, low=1, doc="walkers per iteration")
    n_steps: int = setting(64, low=16, doc="measured Metropolis steps per iteration")
    n_burn_iter: int = setting(5, low=0, doc="thermalisation steps after each parameter change")
    step: float = setting(0.5, low=0, doc="Metropolis step size")
    final_walkers: int = setting(200, low=1, doc="walkers of the final measurement")
    final_steps: int = setting(64, low=16, doc="steps of the final measurement")
    seed: int = setting(7, low=0, doc="seed of the optimisation (the final measurement uses seed + 1)")

    SHORT = {"n_iter": 40, "n_walkers": 100, "n_steps": 32}


@study("vmc", BosonRun)
def boson_run(cfg: BosonRun) -> Run:
    """N non-interacting bosons, Gaussian trial function, gradient descent from ``alpha_start``."""
    ham = vmc.HarmonicTrap(1.0)
    sampler = vmc.Metropolis(cfg.step)
    history = vmc.optimize(
        ham,
        vmc.Gaussian(cfg.alpha_start, cfg.n_bosons, cfg.dims),
        sampler,
        optim.GradientDescent(cfg.lr),
        n_iter=cfg.n_iter,
        n_walkers=cfg.n_walkers,
        n_steps=cfg.n_steps,
        n_burn_iter=cfg.n_burn_iter,
        seed=cfg.seed,
        desc="bosons",
    )
    final = vmc.energy(
        ham, history.wf, sampler, n_walkers=cfg.final_walkers, n_steps=cfg.final_steps, seed=cfg.seed + 1
    )
    return Run(history, final, exact.noninteracting_energy(cfg.n_bosons, cfg.dims, 1.0))


# --------------------------------------------------------------------------- the two-electron dot


class DotRun(Settings):
    """Settings of the two-electron dot: Gaussian x Pade-Jastrow optimised with Adam (the book's run)."""

    omegas: tuple[float, ...] = setting(
        (1.0, 1.0 / 6.0), low=0.01, doc="trap frequencies (Taut's closed forms: 1 and 1/6)"
    )
    alpha_start: float = setting(0.3, low=0.01, doc="alpha / omega at the start (a poor start)")
    beta_start: float = setting(0.1, low=0, doc="beta at the start")
    lr: float = setting(0.03, low=0, doc="Adam learning rate")
    n_iter: int = setting(60, low=1, doc="Adam iterations")
    n_walkers: int = setting(500, low=1, doc="walkers per iteration")
    n_steps: int = setting(128, low=16, doc="measured Metropolis steps per iteration")
    step: float = setting(1.2, low=0, doc="Metropolis step size times sqrt(omega)")
    final_walkers: int = setting(2000, low=1, doc="walkers of the final measurement")
    final_steps: int = setting(512, low=16, doc="steps of the final measurement")
    seed: int = setting(0, low=0, doc="seed; frequency omega uses seed + int(1000 omega) (+ 1 for the final)")

    SHORT = {"n_walkers": 200, "n_steps": 64, "n_iter": 40, "final_walkers": 500, "final_steps": 256}


def optimise_dot(cfg: DotRun, omega: float) -> Run:
    """Two electrons in a 2D trap with Coulomb repulsion: Adam on (alpha, beta), then a longer measurement."""
    ham = vmc.HarmonicTrap(omega, coulomb=True)
    sampler = vmc.Metropolis(cfg.step / np.sqrt(omega))
    seed = cfg.seed + int(1000 * omega)
    history = vmc.optimize(
        ham,
        vmc.PadeJastrow(cfg.alpha_start * omega, cfg.beta_start),
        sampler,
        optim.Adam(cfg.lr),
        n_iter=cfg.n_iter,
        n_walkers=cfg.n_walkers,
        n_steps=cfg.n_steps,
        seed=seed,
        desc=f"dot omega={omega:g}",
    )
    final = vmc.energy(
        ham, history.wf, sampler, n_walkers=cfg.final_walkers, n_steps=cfg.final_steps, seed=seed + 1
    )
    return Run(history, final, exact.two_electron_dot_energy(omega))


@study("vmc", DotRun)
def dot_run(cfg: DotRun) -> dict[float, Run]:
    """The optimised dot at each frequency of ``cfg.omegas``: ``{omega: Run}``."""
    return {omega: optimise_dot(cfg, omega) for omega in cfg.omegas}


# --------------------------------------------------------------------------- N electrons: Slater determinants


@dataclass(frozen=True)
class ManyRun:
    """An N-electron dot at one frequency: optimisation, final estimate, radial density and the
    computed references (non-interacting energy, restricted Hartree-Fock)."""

    n_particles: int
    omega: float
    history: vmc.VMCResult
    final: vmc.Estimate
    noninteracting: float
    hartree_fock: float
    r: np.ndarray
    density: np.ndarray


class ManyDotRun(Settings):
    """Settings of the closed-shell dots: Slater determinants x Pade-Jastrow, Adam on (alpha, beta)."""

    n_particles: int = setting(6, low=2, doc="electrons N (closed shells: 2, 6, 12, 20)")
    omegas: tuple[float, ...] = setting((1.0, 0.5), low=0.01, doc="trap frequencies")
    alpha_start: float = setting(1.0, low=0.01, doc="orbital width alpha at the start (1: the oscillator's)")
    beta_start: float = setting(0.5, low=0, doc="Pade-Jastrow beta at the start")
    lr: float = setting(0.04, low=0, doc="Adam learning rate")
    n_iter: int = setting(20, low=1, doc="Adam iterations")
    n_walkers: int = setting(200, low=1, doc="walkers per iteration")
    n_steps: int = setting(24, low=16, doc="measured sweeps of single-electron moves per iteration")
    step: float = setting(1.0, low=0, doc="single-electron Metropolis step times sqrt(omega)")
    final_walkers: int = setting(400, low=1, doc="walkers of the final measurement")
    final_steps: int = setting(160, low=16, doc="sweeps of the final measurement")
    density_steps: int = setting(100, low=1, doc="sweeps whose positions give the radial density")
    hf_shells: int = setting(7, low=1, high=8, doc="oscillator shells of the Hartree-Fock basis")
    seed: int = setting(12, low=0, doc="seed; frequency omega uses seed + int(1000 omega) (+ 1, + 2)")

    SHORT = {"n_iter": 8, "n_walkers": 100, "final_walkers": 200, "final_steps": 64, "density_steps": 8,
             "hf_shells": 4}  # fmt: skip

    def validate(self):
        vmc.slater.n_shells(self.n_particles)  # closed shells only
        if self.hf_shells < vmc.slater.n_shells(self.n_particles):
            raise ValueError("ManyDotRun.hf_shells must hold at least the occupied shells")


def optimise_many(cfg: ManyDotRun, omega: float) -> ManyRun:
    """N electrons in a 2D trap: Adam on the Slater-Jastrow (alpha, beta) with single-electron
    moves, a longer measurement at the final parameters, and the radial one-body density."""
    ham = vmc.HarmonicTrap(omega, coulomb=True)
    sampler = vmc.SingleParticleMetropolis(cfg.step / np.sqrt(omega))
    seed = cfg.seed + int(1000 * omega)
    wf = vmc.SlaterJastrow(cfg.n_particles, omega, alpha=cfg.alpha_start, beta=cfg.beta_start)
    history = vmc.optimize(
        ham, wf, sampler, optim.Adam(cfg.lr), n_iter=cfg.n_iter, n_walkers=cfg.n_walkers,
        n_steps=cfg.n_steps, n_burn=50, init_scale=1.0 / np.sqrt(omega), seed=seed,
        desc=f"N={cfg.n_particles} omega={omega:g}",
    )  # fmt: skip
    final = vmc.energy(
        ham, history.wf, sampler, n_walkers=cfg.final_walkers, n_steps=cfg.final_steps, n_burn=50,
        init_scale=1.0 / np.sqrt(omega), seed=seed + 1,
    )  # fmt: skip
    walkers = sampler.init_walkers(history.wf, cfg.final_walkers, seed + 2, scale=1.0 / np.sqrt(omega))
    samples, _ = sampler.sample(history.wf, walkers, cfg.density_steps, seed=seed + 2, n_burn=50)
    r, density = vmc.slater.radial_density(samples, np.linspace(0.0, 4.5 / np.sqrt(omega), 31))
    hf = vmc.slater.hartree_fock_closed_shell(cfg.n_particles, omega, cfg.hf_shells)
    e0 = vmc.slater.noninteracting_dot_energy(cfg.n_particles, omega)
    return ManyRun(cfg.n_particles, omega, history, final, e0, hf.energy, r, density)


@study("vmc", ManyDotRun)
def many_dot_run(cfg: ManyDotRun) -> dict[float, ManyRun]:
    """The optimised N-electron dot at each frequency of ``cfg.omegas``: ``{omega: ManyRun}``."""
    return {omega: optimise_many(cfg, omega) for omega in cfg.omegas}


class TwelveDotRun(ManyDotRun):
    """Settings of the twelve-electron dot at omega = 1 (fewer final samples: a sweep moves 12 electrons)."""

    n_particles: int = setting(12, low=2, doc="electrons N (closed shells: 2, 6, 12, 20)")
    omegas: tuple[float, ...] = setting((1.0,), low=0.01, doc="trap frequencies")
    n_iter: int = setting(8, low=1, doc="Adam iterations")
    final_walkers: int = setting(300, low=1, doc="walkers of the final measurement")
    final_steps: int = setting(128, low=16, doc="sweeps of the final measurement")
    density_steps: int = setting(20, low=1, doc="sweeps whose positions give the radial density")

    SHORT = {"n_iter": 4, "n_walkers": 60, "final_walkers": 100, "final_steps": 32, "density_steps": 4,
             "hf_shells": 4}  # fmt: skip


@study("vmc", TwelveDotRun)
def twelve_dot_run(cfg: TwelveDotRun) -> dict[float, ManyRun]:
    """The optimised twelve-electron dot: ``{omega: ManyRun}`` (the same code as :func:`many_dot_run`)."""
    return {omega: optimise_many(cfg, omega) for omega in cfg.omegas}


# --------------------------------------------------------------------------- a chain slower than its run


class SlowChainRun(Settings):
    """Settings of the slowest sampler of the comparison, with two error estimates from the same samples."""

    step: float = setting(4.0, low=0, doc="Metropolis step size delta (4: almost every move is rejected)")
    alpha: float = setting(0.5, low=0.01, doc="Gaussian parameter alpha of the trial function")
    beta: float = setting(0.4, low=0, doc="Pade-Jastrow parameter beta")
    n_walkers: int = setting(100, low=2, doc="walkers: independent chains")
    n_steps: int = setting(1024, low=16, doc="measured steps")
    n_burn: int = setting(100, low=0, doc="thermalisation steps")
    seed: int = setting(54, low=0, doc="seed of the walkers (the steps use seed + 1)")

    SHORT = {"n_steps": 256}


@study("vmc", SlowChainRun)
def slow_chain_run(cfg: SlowChainRun) -> dict:
    r"""The two-electron dot sampled with a large Metropolis step; from the same local energies
    :math:`E_L(t, w)` (steps :math:`t`, walkers :math:`w`): the blocking error of the
    walker-averaged series, and the error from the spread of the walkers' own time averages,
    :math:`s(\bar E_w)/\sqrt{n_{\rm walkers}}`, which needs no estimate of :math:`\tau` because the
    walkers are independent chains."""
    from ..stats import blocking

    wf = vmc.PadeJastrow(cfg.alpha, cfg.beta)
    ham = vmc.HarmonicTrap(1.0, coulomb=True)
    sampler = vmc.Metropolis(cfg.step)
    walkers = sampler.init_walkers(wf, cfg.n_walkers, cfg.seed)
    positions, acceptance = sampler.sample(wf, walkers, cfg.n_steps, seed=cfg.seed + 1, n_burn=cfg.n_burn)
    el = ham.local_energy(wf, positions.reshape(-1, 2, 2)).reshape(cfg.n_steps, cfg.n_walkers)
    block = blocking(el.mean(axis=1))
    chain_means = el.mean(axis=0)
    return {
        "mean": float(el.mean()),
        "blocking_error": float(block.error),
        "blocking_tau": float(block.tau),
        "chain_error": float(chain_means.std(ddof=1) / np.sqrt(cfg.n_walkers)),
        "acceptance": float(acceptance),
        "moves_per_walker": float(acceptance * cfg.n_steps),
    }


# --------------------------------------------------------------------------- a network in the Jastrow factor


class NetworkJastrowRun(Settings):
    """Settings of the six-electron dot with a small network added to the Pade-Jastrow pair function."""

    omega: float = setting(1.0, low=0.01, doc="trap frequency")
    n_hidden: int = setting(4, low=1, high=64, doc="hidden units of the pair-function network")
    seeds: tuple[int, ...] = setting((1, 2, 3), low=0, doc="seeds of the network's start and the sampling")
    lr: float = setting(0.02, low=0, doc="Adam learning rate")
    n_iter: int = setting(20, low=1, doc="further Adam iterations of both, from the optimum of many_dot_run")
    n_walkers: int = setting(150, low=1, doc="walkers per iteration")
    n_steps: int = setting(24, low=16, doc="sweeps per iteration")
    final_walkers: int = setting(200, low=1, doc="walkers of each final measurement")
    final_steps: int = setting(128, low=16, doc="sweeps of each final measurement")
    start: str = setting("book", doc='the run of many_dot_run whose optimum is the start: "book" or "short"')

    SHORT = {
        "n_iter": 12,
        "n_walkers": 100,
        "n_steps": 16,
        "final_walkers": 150,
        "final_steps": 64,
        "start": "short",
    }
    VARIANT = {"seeds": (4, 5, 6)}

    def validate(self):
        if self.start not in ("book", "short"):
            raise ValueError(f'NetworkJastrowRun.start must be "book" or "short", got {self.start!r}')
        start = ManyDotRun.book() if self.start == "book" else ManyDotRun.short()
        if self.omega not in start.omegas:
            raise ValueError(
                f"NetworkJastrowRun.omega must be one of the frequencies {start.omegas} of many_dot_run"
            )
        if len(self.seeds) < 3:
            raise ValueError(
                "NetworkJastrowRun.seeds must hold at least three seeds (a comparison of methods)"
            )


@study("vmc", NetworkJastrowRun)
def network_jastrow_run(cfg: NetworkJastrowRun) -> dict:
    r"""Pade-Jastrow against Pade-Jastrow plus :math:`\sum_h c_h\tanh(w_hr^2 + b_h)`, six electrons.

    Both start from the Pade-Jastrow optimum :math:`(\alpha, \beta)` of :func:`many_dot_run`
    (the book's settings, or the short ones with ``start="short"``) at ``cfg.omega``
    (the network with :math:`c = 0`, i.e. the same function); for each seed both are optimised
    further with the same iterations, walkers and seed, and measured with the same walkers,
    sweeps and seed, so that the only difference is the network."""
    start = ManyDotRun.book() if cfg.start == "book" else ManyDotRun.short()
    base = many_dot_run(start)[cfg.omega].history.wf  # the run the page made (cached)
    ham = vmc.HarmonicTrap(cfg.omega, coulomb=True)
    sampler = vmc.SingleParticleMetropolis(1.0 / np.sqrt(cfg.omega))
    scale = 1.0 / np.sqrt(cfg.omega)
    pade, network = [], []
    for seed in cfg.seeds:
        for n_hidden, out in ((0, pade), (cfg.n_hidden, network)):
            wf = vmc.SlaterJastrow(6, cfg.omega, base.alpha, base.beta, n_hidden=n_hidden, seed=seed)
            trial = vmc.optimize(
                ham, wf, sampler, optim.Adam(cfg.lr), n_iter=cfg.n_iter, n_walkers=cfg.n_walkers,
                n_steps=cfg.n_steps, n_burn=50, init_scale=scale, seed=1000 + seed,
                desc=f"hidden {n_hidden}, seed {seed}",
            ).wf  # fmt: skip
            out.append(
                vmc.energy(
                    ham,
                    trial,
                    sampler,
                    n_walkers=cfg.final_walkers,
                    n_steps=cfg.final_steps,
                    n_burn=50,
                    init_scale=scale,
                    seed=2000 + seed,
                )  # fmt: skip
            )
    return {"pade": pade, "network": network}
