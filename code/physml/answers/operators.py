"""Self-check answers for the exercises of "Learning operators for PDEs" (``exercises/operators.md``)."""

import numpy as np

from .. import operators
from ..selfcheck import answer
from ..torchtools import n_parameters

# Settings of the exercises, shared with the exercise page.
GREEN_N = 8  # grid x_j = j/n of the discrete Green's function exercise
GREEN_ENTRY = (2, 5)  # the entry (j, l) of D^-1 that is asked for
MODE_N, MODE_K, MODE_X = 8, 3, 0.5  # the finite-difference solution for f = sin(k pi x) at x
SPECTRAL_LAYER = (16, 16, 12)  # in channels, out channels, modes
RANK_N, RANK_TRAIN, RANK_MODES = 64, 100, 16  # the least-squares Poisson operator: grid, pairs, source modes


def difference_matrix(n: int) -> np.ndarray:
    """The matrix D = tridiag(-1, 2, -1)/h^2 on the interior points x_1, ..., x_{n-1}, h = 1/n."""
    m = n - 1
    return (2 * np.eye(m) - np.eye(m, k=1) - np.eye(m, k=-1)) * n**2


@answer(
    "op-green-entry",
    rtol=1e-9,
    hint="Invert the (n-1) x (n-1) matrix D = tridiag(-1, 2, -1) n^2 and read the entry for the points "
    "x_j, x_l (row j-1, column l-1 of the interior unknowns); compare with h G(x_j, x_l).",
)
def _green_entry():
    j, l = GREEN_ENTRY
    return float(np.linalg.inv(difference_matrix(GREEN_N))[j - 1, l - 1])


@answer(
    "op-fd-mode",
    rtol=1e-9,
    hint="sin(k pi x_j) is an eigenvector of D with eigenvalue (4/h^2) sin^2(k pi h/2): divide the source "
    "by it (or run operators.solve_bvp on the grid and read the value at x).",
)
def _fd_mode():
    x = operators.grid(MODE_N)
    u = operators.solve_bvp(np.sin(MODE_K * np.pi * x), 0.0)
    return float(u[round(MODE_X * MODE_N)])


@answer(
    "op-spectral-params",
    rtol=0.0,
    hint="One complex weight R_iok per input channel, output channel and kept mode; each complex number "
    "is two real parameters.",
)
def _spectral_params():
    return n_parameters(operators.SpectralConv1d(*SPECTRAL_LAYER))


@answer(
    "op-linear-rank",
    rtol=0.0,
    hint="Every source is a combination of the same few sine modes: how many independent directions "
    "do the training sources span?",
)
def _linear_rank():
    x = operators.grid(RANK_N)
    f = operators.sine_series(operators.source_coefficients(RANK_TRAIN, RANK_MODES, seed=0), x)
    G = operators.fit_linear_operator(f, operators.solve_bvp(f, 0.0))
    return int(np.linalg.matrix_rank(G))
