"""Self-check answers for the exercises of "Normalising flows" (``exercises/flows.md``)."""

import numpy as np
from scipy import integrate, optimize

from ..selfcheck import answer
from ..studies.flows import double_well_exact

# Settings of the exercises, shared with the exercise page.
COUPLING_X = (0.5, -1.0)  # the point of the coupling-layer exercise, s(x1) = tanh(x1), t(x1) = x1^2
COUPLING_Z = (0.5, 2.0)  # the latent point of the inverse
MIX_MEAN, MIX_SD = 2.0, 0.5  # p = (N(-m, sd^2) + N(m, sd^2)) / 2
ESS_SHIFT = 1.0  # q = N(0, 1), p = N(mu, 1)
PROJECT = {"barrier": 2.0, "tilt": 0.0, "beta": 1.0}  # the project's double well


def _mixture_pdf(x):
    g = np.exp(-0.5 * ((x[:, None] - np.array([-MIX_MEAN, MIX_MEAN])) / MIX_SD) ** 2)
    return g.mean(axis=1) / (MIX_SD * np.sqrt(2 * np.pi))


def reverse_kl(mu: float, sigma: float) -> float:
    r""":math:`D_{KL}(q\|p)` of :math:`q = N(\mu, \sigma^2)` from the two-Gaussian mixture.

    By Gauss–Hermite quadrature with 80 nodes.
    """
    t, w = np.polynomial.hermite_e.hermegauss(80)
    x = mu + sigma * t
    log_q = -0.5 * t**2 - np.log(sigma * np.sqrt(2 * np.pi))
    return float(np.sum(w * (log_q - np.log(_mixture_pdf(x)))) / np.sqrt(2 * np.pi))


@answer(
    "flows-coupling-logdet",
    rtol=1e-8,
    hint="Only z2 is scaled: the Jacobian is triangular with diagonal (1, exp(s(x1))). ln|det| = s(x1).",
)
def _coupling_logdet():
    return float(np.tanh(COUPLING_X[0]))


@answer(
    "flows-coupling-inverse",
    rtol=1e-8,
    hint="x1 = z1 (it passed unchanged), so s and t can be evaluated; then x2 = (z2 - t) exp(-s).",
)
def _coupling_inverse():
    z1, z2 = COUPLING_Z
    return np.array([z1, (z2 - z1**2) * np.exp(-np.tanh(z1))])


@answer(
    "flows-forward-kl-variance",
    rtol=1e-6,
    hint="Minimising KL(p||q) over Gaussians matches the mean and the variance of p; the variance of a "
    "mixture is the mean of the component variances plus the variance of the component means.",
)
def _forward_variance():
    return MIX_SD**2 + MIX_MEAN**2


@answer(
    "flows-reverse-kl-sigma",
    rtol=2e-3,
    hint="Minimise KL(q||p) numerically over (mu, sigma), starting near one component: the optimum sits on "
    "one mode, with a width close to (a little above) that component's.",
)
def _reverse_sigma():
    res = optimize.minimize(
        lambda p: reverse_kl(p[0], np.exp(p[1])),
        [1.5, np.log(0.7)],
        method="Nelder-Mead",
        options={"xatol": 1e-8, "fatol": 1e-12, "maxiter": 4000},
    )
    return float(np.exp(res.x[1]))


@answer(
    "flows-ess-fraction",
    rtol=1e-6,
    hint="n_eff/n -> (E_q w)^2 / E_q[w^2]; for two unit Gaussians E_q[w^2] is a Gaussian integral, "
    "exp(mu^2).",
)
def _ess_fraction():
    return float(np.exp(-(ESS_SHIFT**2)))


@answer(
    "flows-project-x1sq",
    rtol=1e-4,
    hint="Quadrature: sum x1^2 exp(-beta U) over a fine grid and divide by the sum of exp(-beta U); "
    "the x2 factor cancels.",
)
def _project_x1sq():
    a, h, beta = PROJECT["barrier"], PROJECT["tilt"], PROJECT["beta"]
    w = lambda x: np.exp(-beta * (a * (x**2 - 1) ** 2 + h * x))  # noqa: E731
    num = integrate.quad(lambda x: x**2 * w(x), -5, 5, epsabs=1e-13)[0]
    return float(num / integrate.quad(w, -5, 5, epsabs=1e-13)[0])


def project_exact() -> dict:
    """Quadrature answers of the project's double well (for the figure of the solution)."""
    return double_well_exact(PROJECT["beta"], PROJECT["barrier"], PROJECT["tilt"])
