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
