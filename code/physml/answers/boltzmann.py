"""Self-check answers for the exercises of "Boltzmann machines and energy-based models"
(``exercises/boltzmann.md``)."""

import numpy as np

from ..rbm import BinaryRBM
from ..selfcheck import answer

# Settings of the exercises, shared with the exercise page.
COND_A = (0.5, -0.3)  # visible biases of the two-visible, one-hidden RBM
COND_B = (0.2,)
COND_W = ((1.0,), (-2.0,))
COND_X = (1.0, 1.0)
TWO_UNIT = (0.5, -1.0, 2.0)  # a, b, w of the RBM with one visible and one hidden unit


def conditional_rbm() -> BinaryRBM:
    return BinaryRBM(np.array(COND_A), np.array(COND_B), np.array(COND_W))


def two_unit_rbm() -> BinaryRBM:
    a, b, w = TWO_UNIT
    return BinaryRBM(np.array([a]), np.array([b]), np.array([[w]]))


@answer(
    "bm-conditional",
    rtol=1e-6,
    hint="p(h = 1 | x) = sigmoid(b + sum_i x_i W_i1): add the bias and the weights of the visible "
    "units that are on.",
)
def _conditional():
    return float(conditional_rbm().p_h_given_x(np.array([COND_X]))[0, 0])


@answer(
    "bm-free-energy",
    rtol=1e-6,
    hint="F(x) = -a.x - log(1 + exp(b + x.W)); for x = (1, 1) both visible biases and both weights count.",
)
def _free_energy():
    return float(conditional_rbm().free_energy(np.array([COND_X]))[0])


@answer(
    "bm-logz-two-units",
    rtol=1e-6,
    hint="Four joint states (x, h): Z = 1 + e^a + e^b + e^(a + b + w); give ln Z.",
)
def _logz_two_units():
    return two_unit_rbm().log_partition()


@answer(
    "bm-marginal-two-units",
    rtol=1e-6,
    hint="p(x = 1) = (e^a + e^(a + b + w)) / Z: sum the joint probabilities over h.",
)
def _marginal_two_units():
    rbm = two_unit_rbm()
    return float(np.exp(-rbm.free_energy(np.array([[1.0]]))[0] - rbm.log_partition()))
