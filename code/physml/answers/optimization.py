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
