"""Reference checks of the chapter "Variational Monte Carlo".

The runs themselves (settings, sampling, optimisation) are in ``physml.studies.vmc``; each
Monte Carlo check reads the run the page made (``experiment.current``: the book's settings
in the book, the short ones in the unit tests) and compares value +- sigma (blocking error)
with an exact energy. The zero-variance property and the relative-motion solver are cheap
deterministic checks and need no study.
"""

from __future__ import annotations

import numpy as np

from .. import vmc
from ..experiment import current
from ..studies import vmc as study
from ..validation import reference_check
from ..vmc import exact

TAUT_SIXTH = exact.taut_solution(2)  # the closed-form ground state at omega = 1/6, E = 2/3


def boson_study(short: bool = False) -> study.Run:
    return study.boson_run(current(study.boson_run, short))


def dot_study(short: bool = False) -> dict[float, study.Run]:
    return study.dot_run(current(study.dot_run, short))


@reference_check(
    "vmc.zero-variance",
    chapter="vmc",
    description="E_L of the Gaussian at alpha = omega/2 (d = 1, 2, 3) and of the closed-form two-electron "
    "states at omega = 1 and omega = 1/6 is constant",
    reference_source="exact: E_L = d omega / 2; E_L = 3 at omega = 1 and 2/3 at omega = 1/6 for the "
    "two-electron dot (Taut, J. Phys. A 27, 1045 (1994))",
    kind="abs",
    tolerance=1e-10,
    reference_kind="exact",
    tolerance_from="bound",
    why="E_L of an exact eigenstate is its eigenvalue at every point; 1e-10 bounds float64 rounding",
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
    reference_kind="exact",
    tolerance_from="target",
    why="a round accuracy target of 1e-8 for the extrapolated grid solution (no error bound derived)",
)
def _dot_solver():
    solutions = [exact.taut_solution(n) for n in (1, 2, 3)]
    values = [exact.two_electron_dot_energy(s.omega) for s in solutions]
    return np.array(values), np.array([3.0, 2.0 / 3.0, solutions[2].energy])


@reference_check(
    "vmc.bosons",
    chapter="vmc",
    description=f"{study.BosonRun.book().n_bosons} non-interacting bosons in 3D, "
    "Gaussian optimised by gradient descent",
    reference_source="exact E = N d omega / 2",
    kind="stat",
    k=3.0,
    systematic=1e-6,
    short_systematic=1e-3,
    variational=True,
    glued=("vmc-bosons-energy",),
    reference_kind="exact",
    tolerance_from="after",
    why="3 sigma plus 1e-6 (short 1e-3) for the unconverged alpha; not documented as fixed before",
)
def _bosons(short: bool):
    run = boson_study(short)
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
    reference_kind="exact",
    tolerance_from="after",
    why="3 sigma plus 5e-3 (short 2e-2) for the ansatz's own error; not documented as fixed before",
)
def _dot_omega1(short: bool):
    run = dot_study(short)[1.0]
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
    reference_kind="exact",
    tolerance_from="after",
    why="3 sigma plus 5e-3 (short 2e-2) for the ansatz's own error; not documented as fixed before",
)
def _dot_omega_sixth(short: bool):
    run = dot_study(short)[TAUT_SIXTH.omega]
    return run.final.mean, run.final.error, 2.0 / 3.0


# ----------------------------------------------------------------------------------------------
# closed-shell dots: Slater determinants x Pade-Jastrow
# ----------------------------------------------------------------------------------------------

#: Diffusion Monte Carlo ground-state energies (value, error) of closed-shell 2D dots, keyed by
#: (N, omega), of Pedersen Lohne, Hagen, Hjorth-Jensen, Kvaal & Pederiva, Phys. Rev. B 84, 115302
#: (2011) [pedersenlohne2011ab]. NOT read from the paper itself (not available to us): copied from
#: the table of benchmarks "(a) M. L. Pedersen et al. (DMC)" (label tab: DMCEnergiesSHO2D) in
#: C. Fleischer's MSc thesis [fleischerthesis], sections/results.tex; the N = 6 and 12 values at
#: omega = 1 and 0.5 agree with the DMC column of C. Hirth's MSc thesis [hirththesis], table
#: tab:results:otherMethods. The table number in the paper is not verified.
PUBLISHED_DMC = {
    (6, 0.28): (7.6001, 0.0001),
    (6, 0.5): (11.7888, 0.0002),
    (6, 1.0): (20.1597, 0.0002),
    (12, 0.28): (25.6356, 0.0001),
    (12, 0.5): (39.159, 0.001),
    (12, 1.0): (65.700, 0.001),
}

#: Allowances for the fixed form of the Slater-Jastrow trial function (its gap above the exact
#: energy), fixed before our run: 1.5 times the published gap between a Slater x Pade-Jastrow VMC
#: energy and DMC, VMC 20.194(2), 11.811(2), 65.790(5) for (N, omega) = (6, 1), (6, 0.5), (12, 1)
#: (Hirth's thesis, same table), i.e. gaps 0.034, 0.022, 0.090, rounded up.
SLATER_JASTROW_GAP = {(6, 1.0): 0.05, (6, 0.5): 0.035, (12, 1.0): 0.14}


def many_study(short: bool = False):
    return study.many_dot_run(current(study.many_dot_run, short))


def twelve_study(short: bool = False):
    return study.twelve_dot_run(current(study.twelve_dot_run, short))


def _dot_vs_dmc(runs, n_particles: int, omega: float):
    run = runs[omega]
    return run.final.mean, run.final.error, PUBLISHED_DMC[(n_particles, omega)][0]


_DMC_SOURCE = (
    "DMC of Pedersen Lohne et al., Phys. Rev. B 84, 115302 (2011), as tabulated in C. Fleischer's MSc "
    "thesis (benchmark (a)); short configuration: a few optimisation iterations"
)


@reference_check(
    "vmc.dot6-omega1",
    chapter="vmc",
    description="Six electrons, omega = 1: Slater determinants x Pade-Jastrow, Adam on (alpha, beta)",
    reference_source=_DMC_SOURCE + ": 20.1597(2)",
    kind="stat",
    k=3.0,
    systematic=SLATER_JASTROW_GAP[(6, 1.0)],
    short_systematic=0.25,
    variational=True,
    glued=("vmc-n6-1-energy",),
    reference_kind="published",
    tolerance_from="sigma",
    why="3 sigma plus the gap of this ansatz above DMC: 1.5 x the published Slater-Pade-Jastrow VMC "
    "minus DMC gap (0.034), fixed before the run; short: 0.25 for an unconverged optimisation",
)
def _dot6_omega1(short: bool):
    return _dot_vs_dmc(many_study(short), 6, 1.0)


@reference_check(
    "vmc.dot6-omega05",
    chapter="vmc",
    description="Six electrons, omega = 0.5: Slater determinants x Pade-Jastrow, Adam on (alpha, beta)",
    reference_source=_DMC_SOURCE + ": 11.7888(2)",
    kind="stat",
    k=3.0,
    systematic=SLATER_JASTROW_GAP[(6, 0.5)],
    short_systematic=0.25,
    variational=True,
    glued=("vmc-n6-05-energy",),
    reference_kind="published",
    tolerance_from="sigma",
    why="3 sigma plus 1.5 x the published Slater-Pade-Jastrow VMC minus DMC gap (0.022), fixed before the "
    "run; short: 0.25 for an unconverged optimisation",
)
def _dot6_omega05(short: bool):
    return _dot_vs_dmc(many_study(short), 6, 0.5)


@reference_check(
    "vmc.dot12-omega1",
    chapter="vmc",
    description="Twelve electrons, omega = 1: Slater determinants x Pade-Jastrow, Adam on (alpha, beta)",
    reference_source=_DMC_SOURCE + ": 65.700(1)",
    kind="stat",
    k=3.0,
    systematic=SLATER_JASTROW_GAP[(12, 1.0)],
    short_systematic=1.0,
    variational=True,
    glued=("vmc-n12-1-energy",),
    reference_kind="published",
    tolerance_from="sigma",
    why="3 sigma plus 1.5 x the published Slater-Pade-Jastrow VMC minus DMC gap (0.090), fixed before the "
    "run; short: 1.0 for four optimisation iterations",
)
def _dot12_omega1(short: bool):
    return _dot_vs_dmc(twelve_study(short), 12, 1.0)


@reference_check(
    "vmc.dots-below-hartree-fock",
    chapter="vmc",
    description="The Slater-Jastrow energies plus 3 sigma lie below restricted Hartree-Fock "
    "(N = 6 at omega = 1 "
    "and 0.5, N = 12 at omega = 1)",
    reference_source="restricted Hartree-Fock in the oscillator basis (physml.vmc.slater."
    "hartree_fock_closed_shell, 7 shells; short: 4 shells)",
    kind="at_most",
    reference_kind="baseline",
    tolerance_from="bound",
    why="HF is the best single determinant and an upper bound of the exact energy; a Jastrow factor that "
    "adds correlation must get below it, by more than 3 sigma",
)
def _dots_below_hf(short: bool):
    runs = list(many_study(short).values()) + list(twelve_study(short).values())
    values = np.array([r.final.mean + 3 * r.final.error for r in runs])
    return values, np.array([r.hartree_fock for r in runs])


@reference_check(
    "vmc.slater-noninteracting",
    chapter="vmc",
    description="Bare Slater determinants (no Jastrow, alpha = 1) without interaction: "
    "E_L is constant and equals "
    "the non-interacting energy for N = 2, 6, 12 at omega = 0.5 and 1",
    reference_source="exact: E = 2 omega sum_s (s+1)^2 (10 omega for N = 6)",
    kind="abs",
    tolerance=1e-9,
    reference_kind="exact",
    tolerance_from="bound",
    why="the determinant of the oscillator orbitals is the exact eigenstate; 1e-9 bounds float64 rounding of "
    "the determinant derivatives at |r| < 5",
)
def _slater_noninteracting():
    values, references = [], []
    rng = np.random.default_rng(4)
    for n in (2, 6, 12):
        for omega in (0.5, 1.0):
            wf = vmc.SlaterJastrow(n, omega, alpha=1.0, jastrow=False)
            x = rng.standard_normal((200, n, 2)) / np.sqrt(omega)
            values.append(vmc.HarmonicTrap(omega).local_energy(wf, x))
            references.append(np.full(200, vmc.slater.noninteracting_dot_energy(n, omega)))
    return np.concatenate(values), np.concatenate(references)


@reference_check(
    "vmc.hf-two-electrons",
    chapter="vmc",
    description="Restricted Hartree-Fock of two electrons in the oscillator basis (7 shells) equals the "
    "Gaussian-basis Hartree-Fock of physml.vmc.exact (omega = 1 and 0.5)",
    reference_source="physml.vmc.exact.hartree_fock_dot (16 even-tempered Gaussians, closed-form integrals)",
    kind="abs",
    tolerance=5e-4,
    reference_kind="library",
    tolerance_from="target",
    why="two independent bases and integral routes (Fourier quadrature vs closed-form Gaussian integrals); "
    "5e-4 is a stated target for the truncation of both bases",
)
def _hf_two_electrons():
    values = [vmc.slater.hartree_fock_closed_shell(2, w, 7).energy for w in (1.0, 0.5)]
    return np.array(values), np.array([exact.hartree_fock_dot(w).energy for w in (1.0, 0.5)])


@reference_check(
    "vmc.slow-chain",
    chapter="vmc",
    description="Metropolis with delta = 4 on the two-electron dot: the mean with the error "
    "from the spread of "
    "the walkers' own averages (independent chains) covers the exact energy",
    reference_source="Taut's exact E = 3; the fixed (alpha, beta) = (0.5, 0.4) is not the exact function",
    kind="stat",
    k=3.0,
    systematic=1e-3,
    reference_kind="exact",
    tolerance_from="sigma",
    why="3 sigma of the independent-chain error plus 1e-3 for the fixed Pade-Jastrow parameters (the other "
    "samplers put this trial function a few 1e-4 above 3)",
)
def _slow_chain(short: bool):
    run = study.slow_chain_run(current(study.slow_chain_run, short))
    return run["mean"], run["chain_error"], 3.0


@reference_check(
    "vmc.dot6-network-jastrow",
    chapter="vmc",
    description="Six electrons, omega = 1: Pade-Jastrow plus a 4-unit network of r_ij^2 beats "
    "Pade-Jastrow alone (three seeds, the same samples for both)",
    reference_source="baseline: Pade-Jastrow alone, optimised further with the same iterations, walkers and "
    "seeds and measured with the same walkers and seeds; short configuration: from the short run of "
    "many_dot_run, 12 iterations",
    kind="beats",
    better="lower",
    margin=0.003,
    short_margin=0.0,
    reference_kind="baseline",
    tolerance_from="sigma",
    why="a gain of at least 0.003, about twice the error of one final measurement (0.0015-0.002), fixed "
    "before the run; short: any gain",
)
def _dot6_network(short: bool):
    run = study.network_jastrow_run(current(study.network_jastrow_run, short))
    return np.array([e.mean for e in run["network"]]), np.array([e.mean for e in run["pade"]])
