"""Self-check answers for the exercises of the chapter "Variational Monte Carlo".

Each answer is computed here from the data of the exercise, never typed in.
"""

import numpy as np

from .. import stats, vmc
from ..selfcheck import answer

# The data of the exercises, shared with the exercise page.
EL_ALPHA, EL_OMEGA = 0.4, 1.0
EL_POINT = np.array([0.3, -0.2, 0.5])  # one particle in three dimensions
OPT_OMEGA, OPT_DIMS = 1.7, 2
BLOCK_N, BLOCK_PHI, BLOCK_SEED = 2**14, 0.9, 2026
CUSP_DIMS = 3


def blocking_series() -> np.ndarray:
    """The correlated series of the blocking exercise: an AR(1) process with phi = 0.9."""
    return stats.ar1_series(BLOCK_N, BLOCK_PHI, seed=BLOCK_SEED)


@answer(
    "vmc-local-energy",
    rtol=1e-9,
    hint="For psi = exp(-alpha r^2): E_L = alpha d + (omega^2/2 - 2 alpha^2) r^2, with d = 3 and r^2 the "
    "squared length of the point.",
)
def _local_energy():
    ham = vmc.HarmonicTrap(EL_OMEGA)
    return float(ham.local_energy(vmc.Gaussian(EL_ALPHA, 1, 3), EL_POINT.reshape(1, 1, 3))[0])


@answer(
    "vmc-optimal-alpha",
    rtol=2e-3,
    hint="Minimise <E>(alpha) = d (alpha/2 + omega^2/(8 alpha)); the optimum does not depend on d.",
)
def _optimal_alpha():
    from scipy.optimize import minimize_scalar

    res = minimize_scalar(
        lambda a: OPT_DIMS * (a / 2 + OPT_OMEGA**2 / (8 * a)),
        bounds=(1e-3, 10),
        method="bounded",
        options={"xatol": 1e-10},
    )
    return float(res.x)


@answer(
    "vmc-blocking-error",
    rtol=0.05,
    hint="Use physml.stats.blocking(series).error; the naive std/sqrt(n) is too small by sqrt(tau), "
    "a factor between three and four here.",
)
def _blocking_error():
    return stats.blocking(blocking_series()).error


@answer(
    "vmc-cusp-a",
    rtol=1e-9,
    hint="Near r = 0 the relative motion sees -(u'' + u'^2 + (d-1) u'/r) + 1/r; the 1/r terms must cancel.",
)
def _cusp_a():
    return 1.0 / (CUSP_DIMS - 1)


# ----------------------------------------------------------------------------- Slater determinants

DET_MATRIX = np.array([[1.0, 0.5, -0.2], [0.3, 2.0, 0.4], [-0.6, 0.1, 1.5]])
DET_ROW = 1  # the electron in row 1 moves
DET_NEW_ROW = np.array([0.2, 1.8, -0.3])  # the orbitals at its new position
CUSP_PAR_DIMS = 3
SHELL_N, SHELL_OMEGA = 20, 0.5


@answer(
    "vmc-det-ratio",
    rtol=1e-9,
    hint="R = sum_j u_j (D^{-1})_{jk}: the new row against column k of the old inverse (k = DET_ROW).",
)
def _det_ratio():
    new = DET_MATRIX.copy()
    new[DET_ROW] = DET_NEW_ROW
    return float(np.linalg.det(new) / np.linalg.det(DET_MATRIX))


@answer(
    "vmc-cusp-parallel",
    rtol=1e-9,
    hint="For relative angular momentum l the cusp is a = 1/(2l + d - 1); equal spins meet with odd l.",
)
def _cusp_parallel():
    return 1.0 / (2 * 1 + CUSP_PAR_DIMS - 1)


@answer(
    "vmc-closed-shell-energy",
    rtol=1e-9,
    hint="Shell s holds s + 1 orbitals of energy omega (s + 1), each twice; N = 20 fills four shells.",
)
def _closed_shell_energy():
    return vmc.slater.noninteracting_dot_energy(SHELL_N, SHELL_OMEGA)
