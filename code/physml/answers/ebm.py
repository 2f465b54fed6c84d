"""Self-check answers for the exercises of "Energy-based models" (``exercises/ebm.md``)."""

import numpy as np

from .. import ising
from ..ebm import ula_gaussian_variance
from ..selfcheck import answer

# Settings of the exercises, shared with the exercise page.
ULA_SIGMA, ULA_STEP = 0.5, 0.1  # width of the Gaussian energy and the ULA step size
DSM_S, DSM_SIGMA = 1.0, 0.5  # standard deviation of the 1D Gaussian data and the DSM noise level
PROJECT_T = 2.27  # temperature of the project's 4x4 Ising data (near T_c)


@answer(
    "ebm-ula-variance",
    rtol=1e-6,
    hint="One step is x' = (1 - eps/sigma^2) x + sqrt(2 eps) xi; a stationary variance v satisfies "
    "v = (1 - eps/sigma^2)^2 v + 2 eps.",
)
def _ula_variance():
    return ula_gaussian_variance(ULA_SIGMA, ULA_STEP)


@answer(
    "ebm-dsm-optimum",
    rtol=1e-6,
    hint="The noisy data are N(0, s^2 + sigma^2), so s*(x) = -x/(s^2 + sigma^2); the minimal loss is "
    "d - sigma^2 E[s*(x)^2] with d = 1.",
)
def _dsm_optimum():
    v = DSM_S**2 + DSM_SIGMA**2
    # E[(x / v)^2] under N(0, v) is 1 / v
    return float(1.0 - DSM_SIGMA**2 / v)


@answer(
    "ebm-ising-kl-independent",
    rtol=1e-6,
    hint="The best independent-spin model of a symmetric distribution puts probability 1/2 on each spin "
    "value: KL = 16 ln 2 - S, with S the exact entropy of the 4x4 lattice at T.",
)
def _kl_independent():
    spins = ising.all_states(4)
    log_w = -ising.energy(spins) / PROJECT_T
    p = np.exp(log_w - log_w.max())
    p /= p.sum()
    return float(16 * np.log(2) + np.sum(p * np.log(p)))
