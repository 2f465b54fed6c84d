"""Reference checks of the chapter "Linear algebra for machine learning".

The examples are computed once here (``functools.cache``) and shared by the chapter
page, its exercises and the validation appendix.
"""

import functools

import numpy as np

from .. import linalg
from ..validation import reference_check

#: The conditioning experiment: system size n (the error bound is n * kappa * eps), the
#: prescribed condition numbers and the number of random systems per condition number.
CONDITION_N = 20
CONDITION_KAPPAS = np.logspace(0, 14, 29)
CONDITION_REPEATS = 5


@functools.cache
def svd_example():
    """A random 60 x 40 matrix and its thin SVD from NumPy, ``(A, U, s, Vt)``."""
    A = linalg.random_matrix(60, 40, seed=11)
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    return A, U, s, Vt


@functools.cache
def symmetric_example():
    """A random symmetric 8 x 8 matrix and its eigendecomposition from NumPy, ``(A, eigenvalues, Q)``."""
    A = linalg.random_symmetric(8, seed=12)
    eigenvalues, Q = np.linalg.eigh(A)
    return A, eigenvalues, Q


@functools.cache
def condition_sweep():
    """Relative errors of solving random systems with kappa from 1 to 1e14 (see ``CONDITION_*``)."""
    return linalg.condition_experiment(CONDITION_KAPPAS, n=CONDITION_N, repeats=CONDITION_REPEATS, seed=13)


@functools.cache
def layer_example():
    """One dense layer with 5 inputs and 3 outputs: ``(a, W, b, y)``."""
    rng = np.random.default_rng(14)
    a = rng.standard_normal(5)
    W = rng.standard_normal((5, 3))
    b = rng.standard_normal(3)
    y = rng.standard_normal(3)
    return a, W, b, y


def _torch_float64(x):
    import torch

    return torch.tensor(x, dtype=torch.float64)


@reference_check(
    "linear_algebra.svd-reconstruction",
    chapter="linear_algebra",
    description="U diag(s) V^T reproduces a random 60 x 40 matrix",
    reference_source="the matrix A itself (exact identity A = U Sigma V^T)",
    kind="abs",
    tolerance=1e-12,
)
def _svd_reconstruction():
    A, U, s, Vt = svd_example()
    return U @ np.diag(s) @ Vt, A


@reference_check(
    "linear_algebra.svd-numpy-torch",
    chapter="linear_algebra",
    description="Singular values from numpy.linalg.svd equal torch.linalg.svdvals (float64)",
    reference_source="torch.linalg.svdvals",
    kind="abs",
    tolerance=1e-12,
)
def _svd_numpy_torch():
    import torch

    A, _, s, _ = svd_example()
    return s, torch.linalg.svdvals(_torch_float64(A)).numpy()


@reference_check(
    "linear_algebra.eigh-reconstruction",
    chapter="linear_algebra",
    description="Q diag(lambda) Q^T reproduces a random symmetric 8 x 8 matrix",
    reference_source="the matrix A itself (spectral theorem A = Q Lambda Q^T)",
    kind="abs",
    tolerance=1e-12,
)
def _eigh_reconstruction():
    A, eigenvalues, Q = symmetric_example()
    return Q @ np.diag(eigenvalues) @ Q.T, A


@reference_check(
    "linear_algebra.eigvalsh-numpy-torch",
    chapter="linear_algebra",
    description="Eigenvalues of the symmetric matrix from numpy.linalg.eigh equal torch.linalg.eigvalsh",
    reference_source="torch.linalg.eigvalsh",
    kind="abs",
    tolerance=1e-12,
)
def _eigvalsh_numpy_torch():
    import torch

    A, eigenvalues, _ = symmetric_example()
    return eigenvalues, torch.linalg.eigvalsh(_torch_float64(A)).numpy()


@reference_check(
    "linear_algebra.solve-error-bound",
    chapter="linear_algebra",
    description=(
        f"Largest relative solve error / (kappa * eps) over {len(CONDITION_KAPPAS) * CONDITION_REPEATS} "
        f"systems of size {CONDITION_N}, "
        "kappa = 1 ... 1e14, stays below the bound n"
    ),
    reference_source="forward-error bound ~ n kappa eps of LU with partial pivoting (Higham 2002)",
    kind="at_most",
)
def _solve_error_bound():
    sweep = condition_sweep()
    eps = np.finfo(float).eps
    return np.max(sweep["error"] / (sweep["kappa"] * eps)), float(CONDITION_N)


@reference_check(
    "linear_algebra.layer-gradient-autograd",
    chapter="linear_algebra",
    description="Layer output W^T a + b and its outer-product weight gradient a (z - y)^T",
    reference_source="torch.nn.functional.linear and PyTorch autograd",
    kind="abs",
    tolerance=1e-12,
)
def _layer_gradient():
    import torch

    a, W, b, y = layer_example()
    z = linalg.dense_layer(a, W, b)
    dW, db = linalg.dense_layer_gradients(a, W, b, y)
    Wt = _torch_float64(W).requires_grad_(True)
    bt = _torch_float64(b).requires_grad_(True)
    zt = torch.nn.functional.linear(_torch_float64(a), Wt.T, bt)  # torch stores weights as (out, in)
    cost = 0.5 * torch.sum((zt - _torch_float64(y)) ** 2)
    cost.backward()
    ours = np.concatenate([z, dW.ravel(), db])
    reference = np.concatenate([zt.detach().numpy(), Wt.grad.numpy().ravel(), bt.grad.numpy()])
    return ours, reference
