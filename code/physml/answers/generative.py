"""Self-check answers for the exercises of "What generative modelling is" (``exercises/generative.md``)."""

import numpy as np

from .. import metrics, stats
from ..selfcheck import answer

# Settings of the exercises, shared with the exercise page.
KL_P = (1.0, 4.0)  # mean and variance of p = N(1, 2^2)
KL_Q = (0.0, 1.0)  # q = N(0, 1)
MMD_X = (0.0, 1.0)
MMD_Y = (1.0, 3.0)
MMD_H = 1.0
GAUSS_MMD = ((0.0,), (1.0,), 1.0, 1.0)  # mu1, mu2, s, h
AR1_N, AR1_PHI = 1024, 0.8


@answer(
    "gen-kl-gaussians",
    rtol=1e-6,
    hint="In 1D, D_KL(N(m0, s0^2) || N(m1, s1^2)) = ln(s1/s0) + (s0^2 + (m0 - m1)^2) / (2 s1^2) - 1/2. "
    "Give [D_KL(p || q), D_KL(q || p)]; the two differ.",
)
def _kl_gaussians():
    return np.array([metrics.kl_gaussians(*KL_P, *KL_Q), metrics.kl_gaussians(*KL_Q, *KL_P)])


@answer(
    "gen-mmd-by-hand",
    rtol=1e-6,
    hint="Unbiased estimate: leave out k(x_i, x_i) and k(y_j, y_j); with two points per sample each "
    "within-sample mean has one distinct pair, the cross term averages all four k(x_i, y_j).",
)
def _mmd_by_hand():
    return metrics.mmd2(np.array(MMD_X), np.array(MMD_Y), bandwidth=MMD_H).value


@answer(
    "gen-gaussian-mmd2",
    rtol=1e-6,
    hint="E exp(-z^2 / 2h^2) for z ~ N(delta, v) is sqrt(h^2 / (h^2 + v)) exp(-delta^2 / (2 (h^2 + v))); "
    "here v = 2 s^2 for the difference of two independent samples.",
)
def _gaussian_mmd2():
    return metrics.gaussian_mmd2(*GAUSS_MMD)


@answer(
    "gen-ar1-error",
    rtol=1e-6,
    hint="Sum the autocovariance sigma^2 phi^|s-t| / (1 - phi^2) over all pairs s, t and divide by n^2; "
    "then take the square root. The answer is a little below sqrt(tau / n * gamma_0).",
)
def _ar1_error():
    return stats.ar1_error_of_mean(AR1_N, AR1_PHI)
