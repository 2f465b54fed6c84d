"""Reference checks of the chapter "Variational Monte Carlo", and the runs the chapter and its checks share.

Every Monte Carlo energy is checked with the statistical kind: value +- sigma (blocking
error) against an exact reference. The runs are computed once (``functools.cache``) and
used by the page and by the checks; ``short=True`` is the same code on fewer walkers and
iterations (unit tests).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import optim, vmc
from ..validation import reference_check
from ..vmc import exact
from ._cache import run_once

DOT_START = (0.3, 0.1)  # a poor start for (alpha, beta)


@dataclass(frozen=True)
class Config:
    """Walkers, measured steps per iteration, iterations and the final measurement."""

    n_walkers: int
    n_steps: int
    n_iter: int
    final_walkers: int
    final_steps: int


FULL = Config(n_walkers=500, n_steps=128, n_iter=60, final_walkers=2000, final_steps=512)
SHORT = Config(n_walkers=200, n_steps=64, n_iter=40, final_walkers=500, final_steps=256)


def config(short: bool) -> Config:
    return SHORT if short else FULL


@run_once
def alpha_scan(dims: int, short: bool = False) -> dict[str, np.ndarray]:
    """Energy, blocking error and variance of E_L of one particle in d dimensions (omega = 1)
    for Gaussian trial functions on a grid of alpha."""
    alphas = np.linspace(0.2, 1.0, 9 if short else 17)
    rows = []
    for k, alpha in enumerate(alphas):
        est = vmc.energy(
            vmc.HarmonicTrap(1.0),
            vmc.Gaussian(float(alpha), 1, dims),
            vmc.Metropolis(1.5 / np.sqrt(dims)),
            n_walkers=200,
            n_steps=64 if short else 128,
            n_burn=50,
            seed=100 * dims + k,
        )
        rows.append((est.mean, est.error, est.variance))
    energy, error, variance = np.array(rows).T
    return {"alpha": alphas, "energy": energy, "error": error, "variance": variance}


def exact_gaussian_energy(alpha, dims: int, omega: float = 1.0):
    r"""<E>(alpha) = d (alpha/2 + omega^2/(8 alpha)) of the Gaussian trial function for one particle."""
    alpha = np.asarray(alpha, dtype=float)
    return dims * (alpha / 2 + omega**2 / (8 * alpha))


@dataclass(frozen=True)
class Run:
    """An optimisation and the final, longer measurement at its last parameters."""

    history: vmc.VMCResult
    final: vmc.Estimate
    reference: float


N_BOSONS, BOSON_DIMS = 10, 3


@run_once
def bosons(short: bool = False) -> Run:
    """N non-interacting bosons in 3D, Gaussian trial function, gradient descent from alpha = 0.2."""
    cfg = config(short)
    ham = vmc.HarmonicTrap(1.0)
    sampler = vmc.Metropolis(0.5)
    history = vmc.optimize(
        ham,
        vmc.Gaussian(0.2, N_BOSONS, BOSON_DIMS),
        sampler,
        optim.GradientDescent(0.005),
        n_iter=cfg.n_iter,
        n_walkers=cfg.n_walkers // 2,
        n_steps=cfg.n_steps // 2,
        n_burn_iter=5,
        seed=7,
        desc="bosons",
    )
    final = vmc.energy(ham, history.wf, sampler, n_walkers=200, n_steps=64, seed=8)
    return Run(history, final, exact.noninteracting_energy(N_BOSONS, BOSON_DIMS, 1.0))


@run_once
def dot(omega: float, short: bool = False) -> Run:
    """Two electrons in a 2D trap with Coulomb repulsion, Gaussian x Pade-Jastrow, Adam from a poor start."""
    cfg = config(short)
    ham = vmc.HarmonicTrap(omega, coulomb=True)
    sampler = vmc.Metropolis(1.2 / np.sqrt(omega))
    history = vmc.optimize(
        ham,
        vmc.PadeJastrow(DOT_START[0] * omega, DOT_START[1]),
        sampler,
        optim.Adam(0.03),
        n_iter=cfg.n_iter,
        n_walkers=cfg.n_walkers,
        n_steps=cfg.n_steps,
        seed=int(1000 * omega),
        desc=f"dot omega={omega:g}",
    )
    final = vmc.energy(
        ham,
        history.wf,
        sampler,
        n_walkers=cfg.final_walkers,
        n_steps=cfg.final_steps,
        seed=int(1000 * omega) + 1,
    )
    return Run(history, final, exact.two_electron_dot_energy(omega))


SAMPLER_SETTINGS = {
    "Metropolis": (0.25, 0.5, 1.0, 2.0, 4.0),
    "Langevin": (0.01, 0.05, 0.2, 0.5, 1.0),
}


@run_once
def sampler_comparison(short: bool = False) -> list[dict]:
    """Acceptance, autocorrelation time and blocking error of brute-force Metropolis (step
    size) and Langevin importance sampling (time step) for the dot at omega = 1 with fixed
    parameters, the same number of steps and walkers."""
    wf = vmc.PadeJastrow(0.5, 0.4)
    ham = vmc.HarmonicTrap(1.0, coulomb=True)
    rows = []
    for name, values in SAMPLER_SETTINGS.items():
        for k, value in enumerate(values):
            sampler = vmc.Metropolis(value) if name == "Metropolis" else vmc.Langevin(value)
            est = vmc.energy(ham, wf, sampler, n_walkers=100, n_steps=256 if short else 1024, seed=50 + k)
            rows.append({"sampler": name, "setting": value, "estimate": est})
    return rows


TAUT_SIXTH = exact.taut_solution(2)  # the closed-form ground state at omega = 1/6, E = 2/3


@reference_check(
    "vmc.zero-variance",
    chapter="vmc",
    description="E_L of the Gaussian at alpha = omega/2 (d = 1, 2, 3) and of the closed-form two-electron "
    "states at omega = 1 and omega = 1/6 is constant",
    reference_source="exact: E_L = d omega / 2; E_L = 3 at omega = 1 and 2/3 at omega = 1/6 for the "
    "two-electron dot (Taut, J. Phys. A 27, 1045 (1994))",
    kind="abs",
    tolerance=1e-10,
)
def _zero_variance():
    x = np.random.default_rng(0).standard_normal((1000, 2, 3))
    values, references = [], []
    for d in (1, 2, 3):
        values.append(vmc.HarmonicTrap(1.0).local_energy(vmc.Gaussian(0.5, 1, d), x[:, :1, :d]))
        references.append(np.full(len(x), d / 2))
    values.append(vmc.HarmonicTrap(1.0, coulomb=True).local_energy(vmc.CuspGaussian(0.5), x[:, :, :2]))
    references.append(np.full(len(x), 3.0))
    sixth = TAUT_SIXTH
    wf = vmc.PolynomialCusp(sixth.omega / 2, sixth.coefficients)
    x_sixth = x[:, :, :2] / np.sqrt(sixth.omega)  # the trap is wider
    values.append(vmc.HarmonicTrap(sixth.omega, coulomb=True).local_energy(wf, x_sixth))
    references.append(np.full(len(x), 2.0 / 3.0))
    return np.concatenate(values), np.concatenate(references)


@reference_check(
    "vmc.dot-solver",
    chapter="vmc",
    description="Finite-difference solution of the two-electron relative motion at the frequencies of the "
    "first three closed-form solutions",
    reference_source="Taut's closed-form solutions (power series that terminate): E = 3 at omega = 1, "
    "E = 2/3 at omega = 1/6, and the third one",
    kind="abs",
    tolerance=1e-8,
)
def _dot_solver():
    solutions = [exact.taut_solution(n) for n in (1, 2, 3)]
    values = [exact.two_electron_dot_energy(s.omega) for s in solutions]
    return np.array(values), np.array([3.0, 2.0 / 3.0, solutions[2].energy])


@reference_check(
    "vmc.bosons",
    chapter="vmc",
    description=f"{N_BOSONS} non-interacting bosons in 3D, Gaussian optimised by gradient descent",
    reference_source="exact E = N d omega / 2",
    kind="stat",
    k=3.0,
    systematic=1e-6,
    short_systematic=1e-3,
    variational=True,
    glued=("vmc-bosons-energy",),
)
def _bosons(short: bool):
    run = bosons(short)
    return run.final.mean, run.final.error, run.reference


@reference_check(
    "vmc.dot-omega1",
    chapter="vmc",
    description="Two electrons in a 2D dot, omega = 1: Gaussian x Pade-Jastrow optimised with Adam",
    reference_source="Taut's exact E = 3 (J. Phys. A 27, 1045 (1994))",
    kind="stat",
    k=3.0,
    systematic=5e-3,
    short_systematic=2e-2,
    variational=True,
    glued=("vmc-dot1-energy",),
)
def _dot_omega1(short: bool):
    run = dot(1.0, short)
    return run.final.mean, run.final.error, 3.0


@reference_check(
    "vmc.dot-omega-sixth",
    chapter="vmc",
    description="Two electrons in a 2D dot, omega = 1/6: Gaussian x Pade-Jastrow optimised with Adam",
    reference_source="Taut's closed-form E = 2/3 at omega = 1/6 (J. Phys. A 27, 1045 (1994))",
    kind="stat",
    k=3.0,
    systematic=5e-3,
    short_systematic=2e-2,
    variational=True,
    glued=("vmc-dot6-energy",),
)
def _dot_omega_sixth(short: bool):
    run = dot(TAUT_SIXTH.omega, short)
    return run.final.mean, run.final.error, 2.0 / 3.0
