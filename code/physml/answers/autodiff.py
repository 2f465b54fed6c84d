"""Self-check answers for the exercises of the chapter "Automatic differentiation"."""

import math

import numpy as np

from ..selfcheck import answer
from ..studies.autodiff import cluster_positions

FD_POINT = 1.0  # f(x) = exp(sin x) at x = 1, as in the chapter's figure


def _f_derivatives(x: float) -> tuple[float, float, float]:
    """f, f'' and f''' of f(x) = exp(sin x), worked out by hand."""
    s, c = math.sin(x), math.cos(x)
    f = math.exp(s)
    return f, (c * c - s) * f, c * (c * c - 3 * s - 1) * f


@answer(
    "autodiff-fd-step",
    rtol=1e-3,
    hint="Minimise E(h) = h |f''| / 2 + 2 eps |f| / h: set dE/dh = 0. eps is np.finfo(float).eps, and "
    "f'' of exp(sin x) is (cos^2 x - sin x) exp(sin x).",
)
def _fd_step():
    f, f2, _ = _f_derivatives(FD_POINT)
    return 2.0 * math.sqrt(np.finfo(float).eps * abs(f) / abs(f2))


@answer(
    "autodiff-fd-step-central",
    rtol=1e-3,
    hint="Minimise E(h) = h^2 |f'''| / 6 + eps |f| / h; the minimum is where h^3 is proportional to eps.",
)
def _fd_step_central():
    f, _, f3 = _f_derivatives(FD_POINT)
    return (3.0 * np.finfo(float).eps * abs(f) / abs(f3)) ** (1.0 / 3.0)


DIGITS_LAYERS = (64, 100, 100, 10)  # the digits classifier of chapter "Feed-forward neural networks"


@answer(
    "autodiff-jacobian-passes",
    rtol=1e-9,
    hint="Give [forward-mode passes, reverse-mode sweeps]. Forward mode computes one column of the "
    "Jacobian per pass, reverse mode one row per sweep.",
)
def _jacobian_passes():
    n_inputs, n_outputs = DIGITS_LAYERS[0], DIGITS_LAYERS[-1]
    return np.array([n_inputs, n_outputs], dtype=float)


@answer(
    "autodiff-lj-forces",
    rtol=1e-6,
    atol=1e-8,
    hint="The force is minus the gradient of the energy with respect to the positions. Count every pair "
    "once, and check that your forces add up to zero.",
)
def _lj_forces():
    # the analytic force of the Lennard-Jones pair potential 4 (r^-12 - r^-6)
    positions = cluster_positions()
    forces = np.zeros_like(positions)
    for i in range(len(positions)):
        for j in range(len(positions)):
            if i != j:
                d = positions[i] - positions[j]
                r2 = d @ d
                forces[i] += 24.0 * (2.0 * r2**-7 - r2**-4) * d
    return forces


# exercise "The Laplacian from Hessian-vector products": psi(x) = exp(-|x|^2 / 2) in n dimensions
LAPLACIAN_X = (0.3, -0.7, 1.1, 0.2, -0.4)


@answer(
    "autodiff-laplacian",
    rtol=1e-9,
    hint="For psi = exp(-r^2 / 2) in n dimensions, d^2 psi / dx_i^2 = (x_i^2 - 1) psi; sum over i. With "
    "autodiff: the i-th diagonal element of the Hessian is e_i . (H e_i), one Hessian-vector product each.",
)
def _laplacian():
    x = np.array(LAPLACIAN_X)
    r2 = float(x @ x)
    return (r2 - len(x)) * math.exp(-r2 / 2)


def lj_cluster_energy(positions: np.ndarray) -> float:
    """Lennard-Jones energy sum_{i<j} 4 (r^-12 - r^-6) of one cluster, positions (n, 3) (reduced units)."""
    i, j = np.triu_indices(len(positions), 1)
    r2 = np.sum((positions[i] - positions[j]) ** 2, axis=1)
    return float(np.sum(4.0 * (r2**-6 - r2**-3)))


@answer(
    "autodiff-project-energy",
    rtol=1e-8,
    hint="Relax cluster_positions() (physml.studies.autodiff) downhill with the forces from autodiff until "
    "the largest force is below 1e-8; the answer is the energy of the relaxed cluster (four atoms).",
)
def _project_energy():
    from scipy.optimize import minimize

    start = cluster_positions()
    result = minimize(
        lambda p: lj_cluster_energy(p.reshape(-1, 3)),
        start.ravel(),
        method="BFGS",
        jac=lambda p: -_forces(p.reshape(-1, 3)).ravel(),
        options={"gtol": 1e-11},
    )
    return lj_cluster_energy(result.x.reshape(-1, 3))


def _forces(positions: np.ndarray) -> np.ndarray:
    forces = np.zeros_like(positions)
    for a in range(len(positions)):
        d = positions[a] - np.delete(positions, a, axis=0)
        r2 = np.sum(d * d, axis=1)
        forces[a] = np.sum((24.0 * (2.0 * r2**-7 - r2**-4))[:, None] * d, axis=0)
    return forces
