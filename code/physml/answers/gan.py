"""Self-check answers for the exercises of "Generative adversarial networks" (``exercises/gan.md``)."""

import math

import numpy as np

from .. import gan
from ..selfcheck import answer

# Settings of the exercises, shared with the exercise page.
DSTAR_X = 0.0  # the point where D* is evaluated
DSTAR_DATA = (0.0, 1.0)  # p_data = N(0, 1)
DSTAR_G = (1.0, 1.0)  # p_g = N(1, 1)
DISCRETE_P = (0.5, 0.5, 0.0)  # p_data on three states
DISCRETE_Q = (0.0, 0.5, 0.5)  # p_g on the same states


@answer(
    "gan-dstar-point",
    rtol=1e-6,
    hint="D*(x) = p_data(x) / (p_data(x) + p_g(x)); the normalisations of the two Gaussians are equal.",
)
def _dstar_point():
    p = gan.normal_pdf(np.array([DSTAR_X]), *DSTAR_DATA)
    q = gan.normal_pdf(np.array([DSTAR_X]), *DSTAR_G)
    return float(gan.optimal_discriminator(p, q)[0])


@answer(
    "gan-jsd-discrete",
    rtol=1e-6,
    hint="Form the mixture m = (p + q) / 2 and average KL(p || m) and KL(q || m); natural logarithms, "
    "0 ln 0 = 0.",
)
def _jsd_discrete():
    return gan.js_divergence(DISCRETE_P, DISCRETE_Q)


@answer(
    "gan-value-discrete",
    rtol=1e-6,
    hint="Sum p ln D* + q ln(1 - D*) over the states with D* = p / (p + q); compare with -ln 4 + 2 JSD.",
)
def _value_discrete():
    p, q = np.asarray(DISCRETE_P), np.asarray(DISCRETE_Q)
    d = gan.optimal_discriminator(p, q)
    return float(np.sum(p * np.log(np.where(p > 0, d, 1.0)) + q * np.log(np.where(q > 0, 1 - d, 1.0))))


@answer(
    "gan-value-optimum",
    rtol=1e-9,
    hint="At the global optimum p_g = p_data, so D* = 1/2 everywhere.",
)
def _value_optimum():
    return -math.log(4.0)


# --------------------------------------------------------------------------- Wasserstein and conditional GANs

W1_WIDTHS = ((0.0, 1.0), (0.0, 2.0))  # N(0, 1) and N(0, 2^2): W1 by the quantile formula
GP_PAIR = ((0.0, 1.0), (1.0, 1.0))  # the chapter's two Gaussians for the penalised critic
GP_WEIGHT = 10.0
CGAN_P_Y = (0.5, 0.5)  # class probabilities of the conditional game
CGAN_DATA = ((0.5, 0.5, 0.0), (0.0, 0.0, 1.0))  # p_data(x | y) on three states, y = 0, 1
CGAN_G = ((0.0, 0.5, 0.5), (0.0, 0.0, 1.0))  # p_g(x | y)


@answer(
    "gan-w1-widths",
    rtol=1e-6,
    hint="The quantiles of N(0, s^2) are s times those of N(0, 1): W1 = |s0 - s1| E|z|, z standard normal.",
)
def _w1_widths():
    (m0, s0), (m1, s1) = W1_WIDTHS
    return gan.wasserstein1_gaussians(m0, s0, m1, s1)


@answer(
    "gan-gp-bias",
    rtol=1e-3,
    hint="Integrate g(x)^2 / r(x) over x, with g = F_g - F_data and r the density of the interpolates, "
    "and divide by 2 lambda.",
)
def _gp_bias():
    (m0, s0), (m1, s1) = GP_PAIR
    return gan.gp_critic_estimate(m0, s0, m1, s1, GP_WEIGHT) - gan.wasserstein1_gaussians(m0, s0, m1, s1)


@answer(
    "gan-cgan-value",
    rtol=1e-6,
    hint="For each class the game is the unconditional one: "
    "C = -ln 4 + 2 sum_y p(y) JSD(p_data(.|y) || p_g(.|y)).",
)
def _cgan_value():
    jsd = sum(py * gan.js_divergence(p, q) for py, p, q in zip(CGAN_P_Y, CGAN_DATA, CGAN_G, strict=True))
    return -math.log(4.0) + 2 * jsd


@answer(
    "gan-gp-target",
    rtol=1e-3,
    hint="W1 = |mu0 - mu1| = 1 plus the penalty's bias (1 / 2 lambda) int g^2 / r dx; gan.gp_critic_estimate "
    "computes the same by quadrature.",
)
def _gp_target():
    (m0, s0), (m1, s1) = GP_PAIR
    return gan.gp_critic_estimate(m0, s0, m1, s1, GP_WEIGHT)
