"""Self-check answers for the exercises of the chapter "Optimization".

Each answer is computed here from the data of the exercise, never typed in.
"""

import numpy as np

from .. import optim
from ..selfcheck import answer

# The data of the exercises, shared with the exercise page.
QUADRATIC_A = np.array([[3.0, 1.0], [1.0, 2.0]])  # C(theta) = 1/2 theta^T A theta - b^T theta
NEWTON_X0 = 2.0  # Newton's own example: x^3 - 2x - 5 = 0
NEWTON_TOL = 1e-12
ADAM_T = 10
MOMENTUM_MU = 0.9999
MOMENTUM_FACTOR = 100.0


def newton_cubic(x: float) -> float:
    """f(x) = x^3 - 2x - 5."""
    return x**3 - 2.0 * x - 5.0


def newton_cubic_slope(x: float) -> float:
    """f'(x) = 3x^2 - 2."""
    return 3.0 * x**2 - 2.0


@answer(
    "opt-eta-crit",
    rtol=1e-6,
    hint="The Hessian of 1/2 theta^T A theta - b^T theta is A itself; gradient descent is stable for "
    "eta < 2 / (largest eigenvalue of the Hessian).",
)
def _eta_crit():
    return optim.critical_learning_rate(QUADRATIC_A)


@answer(
    "opt-newton-steps",
    rtol=1e-9,
    hint="Count Newton steps x_{k+1} = x_k - f(x_k)/f'(x_k) from x_0 = 2 until |x_k - x*| < 1e-12, "
    "with x* the real root from numpy.roots; the answer is a small whole number.",
)
def _newton_steps():
    real_roots = [r.real for r in np.roots([1.0, 0.0, -2.0, -5.0]) if abs(r.imag) < 1e-12]
    x_star = real_roots[0]
    x, steps = NEWTON_X0, 0
    while abs(x - x_star) >= NEWTON_TOL:
        x -= newton_cubic(x) / newton_cubic_slope(x)
        steps += 1
    return steps


@answer(
    "opt-adam-bias",
    rtol=1e-6,
    hint="With a constant gradient g, m_t = (1 - beta1^t) g and v_t = (1 - beta2^t) g^2 before the "
    "correction; compare the step m_t / sqrt(v_t) with the corrected one.",
)
def _adam_bias():
    beta1, beta2, g = 0.9, 0.999, 1.0
    m = v = 0.0
    for _ in range(ADAM_T):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
    uncorrected = m / np.sqrt(v)
    corrected = (m / (1 - beta1**ADAM_T)) / np.sqrt(v / (1 - beta2**ADAM_T))
    return uncorrected / corrected


@answer(
    "opt-momentum-steps",
    rtol=1e-3,
    hint="In the underdamped regime the envelope of the error shrinks by sqrt(mu) per step; solve "
    "sqrt(mu)^k = 1/100 for k.",
)
def _momentum_steps():
    return np.log(MOMENTUM_FACTOR) / -np.log(np.sqrt(MOMENTUM_MU))


# exercise "The noise floor of SGD": C(theta) = lambda theta^2 / 2, per-step gradient noise of variance s^2
FLOOR_ETA, FLOOR_LAMBDA, FLOOR_S2 = 0.1, 1.0, 1.0


@answer(
    "opt-noise-floor-var",
    rtol=1e-9,
    hint="The stationary variance v of e_{k+1} = (1 - eta lambda) e_k - eta xi_k solves "
    "v = (1 - eta lambda)^2 v + eta^2 s^2.",
)
def _noise_floor_var():
    return FLOOR_ETA * FLOOR_S2 / (FLOOR_LAMBDA * (2.0 - FLOOR_ETA * FLOOR_LAMBDA))


# exercise "Steps of gradient descent": the chapter's Ridge cost, error reduced by this factor
STEPS_FACTOR = 1e-6


@answer(
    "opt-gd-steps-bound",
    rtol=0.0,
    atol=0.5,
    hint="With eta = 1/L the error contracts at least by (1 - mu/L) = (1 - 1/kappa) per step; take the "
    "smallest integer k with (1 - 1/kappa)^k <= 1e-6, kappa of the Hessian of study.ridge().",
)
def _gd_steps_bound():
    from ..studies import optimization as study

    lam = np.linalg.eigvalsh(study.ridge().hessian())
    kappa = lam.max() / lam.min()
    return int(np.ceil(np.log(STEPS_FACTOR) / np.log(1.0 - 1.0 / kappa)))


# project: the Lennard-Jones parameters epsilon and sigma from noisy pair energies (reduced units)
LJ_EPSILON, LJ_SIGMA = 1.2, 1.05  # the truth
LJ_N, LJ_RANGE, LJ_NOISE, LJ_SEED = 200, (1.0, 2.5), 0.05, 1924
LJ_START = (0.6, 1.15)  # (epsilon, sigma) where every optimiser of the project starts


def lj_energy(theta, r) -> np.ndarray:
    """Pair energy 4 epsilon [(sigma/r)^12 - (sigma/r)^6] for theta = (epsilon, sigma)."""
    epsilon, sigma = theta
    x = (sigma / np.asarray(r, dtype=float)) ** 6
    return 4.0 * epsilon * (x * x - x)


def lj_data(seed: int = LJ_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Distances and noisy pair energies of the project (seeded)."""
    rng = np.random.default_rng(seed)
    r = rng.uniform(*LJ_RANGE, size=LJ_N)
    return r, lj_energy((LJ_EPSILON, LJ_SIGMA), r) + LJ_NOISE * rng.standard_normal(LJ_N)


def lj_fit() -> np.ndarray:
    """Least-squares (epsilon, sigma) of the project's data, by scipy.optimize.least_squares."""
    from scipy.optimize import least_squares

    r, energies = lj_data()
    result = least_squares(
        lambda th: lj_energy(th, r) - energies, LJ_START, xtol=1e-15, ftol=1e-15, gtol=1e-15
    )
    return result.x


@answer(
    "opt-project-sigma",
    rtol=0.0,
    atol=1e-6,
    hint="Minimise the mean squared error between 4 epsilon [(sigma/r)^12 - (sigma/r)^6] and the energies of "
    "answers.optimization.lj_data() over (epsilon, sigma) to a gradient norm below 1e-10; the answer is "
    "sigma.",
)
def _project_sigma():
    return float(lj_fit()[1])
