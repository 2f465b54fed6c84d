"""Self-check answers for the exercises of "Gaussian processes and kernel regression".

The page is ``exercises/gp.md``.
"""

import numpy as np

from .. import gp
from ..selfcheck import answer

# Settings of the exercises, shared with the exercise page.
HAND_X = (0.0, 1.0)
HAND_Y = (1.0, 0.5)
HAND_X_STAR = 0.5
HAND_NOISE = 0.01  # noise variance sigma_n^2
HAND_KERNEL = gp.RBF(length_scale=1.0, variance=1.0)
KRR_LENGTH = 1.5


def _hand_model() -> gp.GaussianProcess:
    return gp.GaussianProcess(HAND_KERNEL, HAND_NOISE).fit(np.array(HAND_X), np.array(HAND_Y))


@answer(
    "gp-mean-by-hand",
    rtol=1e-6,
    hint="m = k_*^T (K + sigma_n^2 I)^{-1} y with K_01 = exp(-1/2) and k_* = (exp(-1/8), exp(-1/8)).",
)
def _mean_by_hand():
    return float(_hand_model().predict(np.array([HAND_X_STAR]))[0][0])


@answer(
    "gp-std-by-hand",
    rtol=1e-6,
    hint="s^2 = k(x_*, x_*) - k_*^T (K + sigma_n^2 I)^{-1} k_*, and k(x_*, x_*) = sigma_f^2 = 1.",
)
def _std_by_hand():
    return float(_hand_model().predict(np.array([HAND_X_STAR]))[1][0])


@answer(
    "gp-lml-by-hand",
    rtol=1e-6,
    hint="-y^T K_y^{-1} y / 2 - ln det K_y / 2 - (n/2) ln 2 pi with n = 2; det of a 2x2 matrix is ad - bc.",
)
def _lml_by_hand():
    return _hand_model().log_marginal_likelihood()


# ------------------------------------------------------------- expected improvement, Laplace by hand

EI_MEAN, EI_STD, EI_BEST = 0.2, 0.3, 0.0  # posterior mean and standard deviation at x, best value so far
LAPLACE_VARIANCE = 2.0  # prior variance k(x, x) of the latent function at the single training input
LAPLACE_LABEL = 1.0


@answer(
    "gp-ei-by-hand",
    rtol=1e-6,
    hint="z = (f_min - m)/s; EI = (f_min - m) Phi(z) + s phi(z), with Phi and phi of the standard normal.",
)
def _ei_by_hand():
    return float(gp.expected_improvement(np.array([EI_MEAN]), np.array([EI_STD]), EI_BEST)[0])


def _laplace_one_point() -> gp.LaplaceGPClassifier:
    return gp.LaplaceGPClassifier(gp.RBF(1.0, LAPLACE_VARIANCE)).fit(
        np.array([0.0]), np.array([LAPLACE_LABEL])
    )


@answer(
    "gp-laplace-mode",
    rtol=1e-6,
    hint="The mode solves f = k (y - sigma(f)) with k = 2, y = 1: iterate Newton's method on "
    "g(f) = f - k(y - sigma(f)).",
)
def _laplace_mode():
    return float(_laplace_one_point().f_hat_[0])


@answer(
    "gp-laplace-variance",
    rtol=1e-6,
    hint="The Laplace posterior variance of f is (1/k + W)^{-1} with W = sigma(f)(1 - sigma(f)) at the mode.",
)
def _laplace_variance():
    return float(_laplace_one_point().latent(np.array([0.0]))[1][0])
