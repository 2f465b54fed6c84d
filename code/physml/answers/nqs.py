"""Self-check answers for the exercises of the chapter "Neural-network quantum states".

Each answer is computed here from the data of the exercise, never typed in.
"""

import numpy as np

from .. import vmc
from ..rbm import GaussianBinaryRBM
from ..selfcheck import answer
from ..vmc import exact

SIGMA_OMEGA = 0.8  # trap frequency of the sigma exercise
LAP_SEED = 7
LAP_POINT = np.array([[[0.4, -0.3], [-0.1, 0.6]]])  # two particles in 2D
HF_OMEGA, HF_RATIO = 1.0, 2.0  # two Gaussians, exponents (omega / 2) * 2^(-1/2) and (omega / 2) * 2^(1/2)


def hf_exponents() -> np.ndarray:
    """The two exponents a_k of the Hartree-Fock exercise (the basis of ``vmc.exact.hartree_fock_dot``)."""
    return 0.5 * HF_OMEGA * HF_RATIO ** np.array([-0.5, 0.5])


def laplacian_rbm() -> GaussianBinaryRBM:
    """The RBM of the Laplacian exercise: 4 visible units, 3 hidden units."""
    return GaussianBinaryRBM.random(4, 3, seed=LAP_SEED, scale=0.6, sigma=0.9)


@answer(
    "nqs-sigma",
    rtol=1e-9,
    hint="sqrt(F) with W = a = 0 is exp(-x^2 / (4 sigma^2)); compare with exp(-omega x^2 / 2).",
)
def _sigma():
    return float(np.sqrt(1.0 / (2.0 * SIGMA_OMEGA)))


@answer(
    "nqs-laplacian",
    rtol=1e-8,
    hint="kappa (-M / sigma^2 + sum_ij W_ij^2 s_j (1 - s_j) / sigma^4) with kappa = 1/2, M = 4 and "
    "s_j = sigmoid(b_j + sum_i x_i W_ij / sigma^2).",
)
def _laplacian():
    wf = vmc.RBMWaveFunction(laplacian_rbm(), 2, 2, power=0.5)
    return float(wf.laplacian_log_psi(LAP_POINT)[0])


@answer(
    "nqs-hf-two",
    rtol=1e-8,
    hint="S = pi/s, h = 2 pi a_k a_l / s^2 + omega^2 pi / (2 s^2) with s = a_k + a_l; "
    "(kl|mn) = (pi/p)(pi/q) sqrt(pi p q / (p + q)); iterate F = h + J(c), F c = e S c, "
    "and E = 2 c.h.c + c.J.c.",
)
def _hf_two():
    return exact.hartree_fock_dot(HF_OMEGA, n_basis=2, ratio=HF_RATIO, tol=1e-13, max_iter=500).energy


FF_SITES, FF_FIELD = 6, 0.5  # the TFIM ring of the free-fermion exercise (J = 1)


@answer(
    "nqs-tfim-free-fermions",
    rtol=1e-10,
    hint="E0 = -sum_k sqrt(1 + h^2 - 2 h cos k) over the N antiperiodic momenta "
    "k = pi (2m - 1) / N, m = 1..N.",
)
def _tfim_free_fermions():
    from ..vmc import lattice

    return lattice.tfim_energy_free_fermions(FF_SITES, FF_FIELD)
