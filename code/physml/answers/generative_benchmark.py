"""Self-check answers for the exercises of "Generative models on the Ising model: a benchmark"
(``exercises/generative_benchmark.md``)."""

import numpy as np
from scipy.special import expit

from .. import ising_benchmark as ib
from ..selfcheck import answer

# Settings of the exercises, shared with the exercise page.
SPIN_THETA, SPIN_FIELD, SPIN_T = 0.3, 0.5, 1.0  # one spin in a field: q(+1) = sigmoid(theta), H = -h s
ONE_SIDED_L, ONE_SIDED_T = 4, 1.0  # a model that puts all its weight on the all-up state
KAUFMAN_L, KAUFMAN_T = 16, 2.269  # the free energy of a lattice too large to enumerate
PROJECT_L, PROJECT_T = 6, 2.0  # the project: a VAN on a 6x6 lattice


@answer(
    "gb-reinforce-gradient",
    rtol=1e-6,
    hint="beta F_q = sum_s q(s) [beta H(s) + ln q(s)]; differentiate q(+1) = sigmoid(theta) and use "
    "sum_s q d ln q = 0: the derivative is q(1 - q) [f(+1) - f(-1)] with f = beta H + ln q.",
)
def _reinforce_gradient():
    q = expit(SPIN_THETA)
    beta = 1.0 / SPIN_T
    f_up = -beta * SPIN_FIELD + np.log(q)
    f_down = beta * SPIN_FIELD + np.log1p(-q)
    return float(q * (1 - q) * (f_up - f_down))


@answer(
    "gb-one-sided-gap",
    rtol=1e-9,
    hint="A model sure of the all-up state has F_q = H(all up) = -2N (zero entropy); subtract the exact "
    "F = -T ln Z (ising_benchmark.exact_reference) and divide by N = 16.",
)
def _one_sided_gap():
    return float(-2.0 - ib.exact_reference(ONE_SIDED_L, ONE_SIDED_T).free_energy)


@answer(
    "gb-kaufman-f16",
    rtol=1e-9,
    hint="ising_benchmark.kaufman_log_partition(16, 2.269) gives ln Z; F/N = -T ln Z / 256.",
)
def _kaufman_f16():
    return float(-KAUFMAN_T * ib.kaufman_log_partition(KAUFMAN_L, KAUFMAN_T) / KAUFMAN_L**2)


@answer(
    "gb-project-f6",
    rtol=1e-9,
    hint="The 6x6 lattice has 2^36 states, too many to enumerate: use Kaufman's ln Z, F/N = -T ln Z / 36.",
)
def _project_f6():
    return float(ib.kaufman_thermodynamics(PROJECT_L, PROJECT_T)["free_energy"])
