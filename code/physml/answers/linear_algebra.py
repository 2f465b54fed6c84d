"""Self-check answers for the exercises of "Linear algebra for machine learning"."""

import numpy as np
import scipy.linalg

from .. import linalg
from ..selfcheck import answer

#: The matrix of the singular-value exercise and the shapes of the flop-count exercise.
ATA_SHAPE, ATA_SEED = (5, 3), 7
FLOP_SHAPES = (30, 50, 20)  # A is n x m, B is m x p


@answer(
    "linalg-hilbert-cond",
    rtol=1e-6,
    hint="The 2-norm condition number is the largest singular value divided by the smallest; "
    "build the 6 x 6 Hilbert matrix with h_ij = 1/(i + j + 1) for i, j = 0, ..., 5.",
)
def _hilbert_condition():
    # independent of the SVD of the floating-point matrix: ||H||_2 ||H^{-1}||_2 with the exact inverse
    H = linalg.hilbert(6)
    H_inv = np.array(scipy.linalg.invhilbert(6, exact=True), dtype=float)
    return np.linalg.norm(H, 2) * np.linalg.norm(H_inv, 2)


@answer(
    "linalg-ata-eigenvalues",
    rtol=1e-8,
    hint="Square the singular values of A (largest first); there are as many as A has columns.",
)
def _ata_eigenvalues():
    A = linalg.random_matrix(*ATA_SHAPE, seed=ATA_SEED)
    return np.linalg.eigvalsh(A.T @ A)[::-1]


@answer(
    "linalg-matmul-flops",
    rtol=1e-12,
    hint="Each of the n p elements of C is an inner product of length m: m multiplications and "
    "m - 1 additions.",
)
def _matmul_flops():
    n, m, p = FLOP_SHAPES
    _, flops = linalg.matmul_counting(np.ones((n, m)), np.ones((m, p)))
    return flops


@answer(
    "linalg-tridiagonal-product-bandwidths",
    rtol=1e-9,  # the message quotes the tolerance; "1e-12" would contain the answer's digit
    hint="Element (i, j) of A B is sum_k a_ik b_kj; for which |i - j| can a term be non-zero when "
    "both |i - k| <= 1 and |k - j| <= 1?",
)
def _tridiagonal_product():
    A = linalg.random_structured("tridiagonal", 8, seed=21)
    B = linalg.random_structured("tridiagonal", 8, seed=22)
    return np.array(linalg.bandwidths(A @ B))


@answer(
    "linalg-logdet",
    rtol=1e-8,
    hint="Take twice the sum of the logarithms of the diagonal of the Cholesky factor of K.",
)
def _logdet():
    # independent of the Cholesky factor: LAPACK's LU-based log-determinant
    x = np.arange(8) / 2
    K = np.exp(-0.5 * (x[:, None] - x[None, :]) ** 2) + 1e-6 * np.eye(8)
    return np.linalg.slogdet(K)[1]
