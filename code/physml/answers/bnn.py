"""Self-check answers for the exercises of "Bayesian neural networks and variational inference".

The page is ``exercises/bnn.md``.
"""

import numpy as np
import scipy.stats

from .. import bnn
from ..selfcheck import answer

# Settings of the exercises, shared with the exercise page.
KL_MU = (0.5, -1.0, 0.0)
KL_S = (0.2, 1.0, 0.5)
KL_TAU = 1.5

EVIDENCE_T = (0.0, 0.5, 1.0, 1.5, 2.0)  # times of a falling-ball measurement (s)
EVIDENCE_Y = (10.1, 9.0, 5.2, -1.0, -9.5)  # heights (m)
EVIDENCE_SIGMA = 0.5  # noise (m)
EVIDENCE_TAU = 10.0  # prior standard deviation of each coefficient

LEAPFROG_START = 1.0  # theta at the start, momentum 0, target N(0, 1), M = 1
LEAPFROG_STEP = 0.5
LEAPFROG_STEPS = 10


def evidence_design() -> np.ndarray:
    """Design matrix of the quadratic model h(t) = theta_0 + theta_1 t + theta_2 t^2."""
    t = np.array(EVIDENCE_T)
    return np.column_stack([np.ones_like(t), t, t**2])


@answer(
    "bnn-kl",
    rtol=1e-6,
    hint="Sum ln(tau/s_p) + (s_p^2 + mu_p^2) / (2 tau^2) - 1/2 over the three weights; tau = 1.5, not 1.",
)
def _kl():
    return bnn.mean_field_kl(np.array(KL_MU), np.array(KL_S), KL_TAU)


@answer(
    "bnn-laplace-evidence",
    rtol=1e-6,
    hint="ln p(y|theta*) + ln p(theta*) + (P/2) ln 2 pi + (1/2) ln det Sigma, with the normalisations "
    "of both Gaussians and P = 3; for a linear model it equals ln N(y; 0, sigma^2 I + tau^2 X X^T).",
)
def _laplace_evidence():
    X = evidence_design()
    cov = EVIDENCE_SIGMA**2 * np.eye(len(EVIDENCE_Y)) + EVIDENCE_TAU**2 * X @ X.T
    return float(scipy.stats.multivariate_normal(np.zeros(len(EVIDENCE_Y)), cov).logpdf(EVIDENCE_Y))


@answer(
    "bnn-leapfrog-energy",
    rtol=1e-6,
    hint="Half kick p += (eps/2)(-theta), then L drifts theta += eps p each followed by a kick (the last "
    "one a half kick); report H_end - H_start with H = theta^2/2 + p^2/2 (a signed number).",
)
def _leapfrog_energy():
    def log_prob_grad(x):
        return -0.5 * np.sum(x * x, axis=1), -x

    x0, p0 = np.array([[LEAPFROG_START]]), np.zeros((1, 1))
    _, g0 = log_prob_grad(x0)
    x, p, _, _ = bnn._leapfrog(x0, p0, g0, LEAPFROG_STEP, 1.0, LEAPFROG_STEPS, log_prob_grad)
    return float(0.5 * (x[0, 0] ** 2 + p[0, 0] ** 2) - 0.5 * LEAPFROG_START**2)
