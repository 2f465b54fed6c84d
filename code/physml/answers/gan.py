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
