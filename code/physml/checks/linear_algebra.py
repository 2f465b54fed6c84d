"""Reference checks of the chapter "Linear algebra for machine learning".

The runs (settings, sweeps over condition numbers) and the seeded example matrices are in
``physml.studies.linear_algebra``; each check reads the run the page made
(``experiment.current``) and compares it with its reference.
"""

import numpy as np

from .. import linalg
from ..experiment import current
from ..studies import linear_algebra as study
from ..validation import reference_check


def condition_study(short: bool = False) -> dict:
    return study.condition_run(current(study.condition_run, short))


def kappa_law_study(short: bool = False) -> dict:
    return study.kappa_law_run(current(study.kappa_law_run, short))


def _torch_float64(x):
    import torch

    return torch.tensor(x, dtype=torch.float64)


@reference_check(
    "linear_algebra.svd-numpy-torch",
    chapter="linear_algebra",
    description="Singular values from numpy.linalg.svd equal torch.linalg.svdvals (float64)",
    reference_source="torch.linalg.svdvals",
    kind="abs",
    tolerance=1e-12,
    reference_kind="library",
    tolerance_from="bound",
    why="both backward stable: each sigma_i within a few eps ||A||_2 ~ 1e-14 (||A||_2 ~ 14) of the exact one",
)
def _svd_numpy_torch():
    import torch

    A, _, s, _ = study.svd_example()
    return s, torch.linalg.svdvals(_torch_float64(A)).numpy()


@reference_check(
    "linear_algebra.eigvalsh-numpy-torch",
    chapter="linear_algebra",
    description="Eigenvalues of the symmetric matrix from numpy.linalg.eigh equal torch.linalg.eigvalsh",
    reference_source="torch.linalg.eigvalsh",
    kind="abs",
    tolerance=1e-12,
    reference_kind="library",
    tolerance_from="bound",
    why="symmetric eigenvalues are perfectly conditioned: each within a few eps ||A||_2 ~ 1e-15 in both",
)
def _eigvalsh_numpy_torch():
    import torch

    A, eigenvalues, _ = study.symmetric_example()
    return eigenvalues, torch.linalg.eigvalsh(_torch_float64(A)).numpy()


@reference_check(
    "linear_algebra.solve-error-bound",
    chapter="linear_algebra",
    description="Largest relative LU solve error / (kappa * eps) over the random systems of the "
    "conditioning experiment (20 x 20, kappa = 1 ... 1e14) stays below the bound n",
    reference_source="forward-error bound ~ n kappa eps of LU with partial pivoting (Higham 2002)",
    kind="at_most",
    glued=("la-ratio-max",),
    reference_kind="published",
    tolerance_from="bound",
    why="the bound c_n kappa eps with c_n = n (Higham 2002) is the reference itself; no tolerance",
)
def _solve_error_bound(short: bool):
    cfg = current(study.condition_run, short)
    return float(np.max(condition_study(short)["ratio"])), float(cfg.n)


@reference_check(
    "linear_algebra.normal-equations-kappa2",
    chapter="linear_algebra",
    description="Error of the normal equations grows like kappa(X)^2: fitted power of kappa = 2",
    reference_source="perturbation theory: kappa(X^T X) = kappa(X)^2 (Golub & Van Loan 2013); "
    "slope of log error against log kappa, kappa = 1e2 ... 1e6, 180 problems",
    kind="stat",
    k=3.0,
    glued=("la-law-slope-normal",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="k = 3 standard errors of the fitted slope (scatter about the line); no systematic allowance",
)
def _normal_kappa2(short: bool):
    slope, se = kappa_law_study(short)["slope_normal"]
    return slope, se, 2.0


@reference_check(
    "linear_algebra.lstsq-kappa1",
    chapter="linear_algebra",
    description="Error of the SVD least-squares solver grows like kappa(X): fitted power of kappa = 1",
    reference_source="backward stability of numpy.linalg.lstsq on a zero-residual problem "
    "(Golub & Van Loan 2013); slope of log error against log kappa, kappa = 1e2 ... 1e6",
    kind="stat",
    k=3.0,
    glued=("la-law-slope-svd",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="k = 3 standard errors of the fitted slope (scatter about the line); no systematic allowance",
)
def _lstsq_kappa1(short: bool):
    slope, se = kappa_law_study(short)["slope_svd"]
    return slope, se, 1.0


@reference_check(
    "linear_algebra.layer-gradient-autograd",
    chapter="linear_algebra",
    description="Layer output W^T a + b and its outer-product weight gradient a (z - y)^T",
    reference_source="torch.nn.functional.linear and PyTorch autograd",
    kind="abs",
    tolerance=1e-12,
    reference_kind="library",
    tolerance_from="bound",
    why="a handful of products and sums of O(1) numbers: rounding differences of order 1e-15",
)
def _layer_gradient():
    import torch

    a, W, b, y = study.layer_example()
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


def factorisation_study(short: bool = False) -> dict:
    return study.factorisation_run(current(study.factorisation_run, short))


@reference_check(
    "linear_algebra.cholesky-numpy",
    chapter="linear_algebra",
    description="The Cholesky factor of a random SPD matrix equals numpy.linalg.cholesky's (LAPACK potrf)",
    reference_source="numpy.linalg.cholesky",
    kind="abs",
    tolerance=1e-12,
    reference_kind="library",
    tolerance_from="bound",
    why="the same arithmetic in another order on a 6 x 6 matrix with entries and kappa of order 1: "
    "rounding of a few 1e-16",
)
def _cholesky(short: bool):
    run = factorisation_study(short)
    return run["L"], np.linalg.cholesky(run["spd"])


@reference_check(
    "linear_algebra.cholesky-sampling",
    chapter="linear_algebra",
    description="Samples x = mean + L z have the prescribed covariance (off-diagonal entry Sigma_01)",
    reference_source="Sigma_01 = 0.8; standard error sqrt((Sigma_01^2 + Sigma_00 Sigma_11)/n) of a "
    "sample covariance of Gaussian data",
    kind="stat",
    k=3.0,
    reference_kind="exact",
    tolerance_from="sigma",
    why="3 standard errors of the sample covariance; no systematic allowance",
    glued=("la-chol-cov01",),
)
def _cholesky_sampling(short: bool):
    run = factorisation_study(short)
    cov, x = run["cov"], run["samples"]
    n = len(x)
    sigma = np.sqrt((cov[0, 1] ** 2 + cov[0, 0] * cov[1, 1]) / n)
    return float(np.cov(x.T)[0, 1]), float(sigma), float(cov[0, 1])


@reference_check(
    "linear_algebra.pinv-numpy",
    chapter="linear_algebra",
    description="The pseudo-inverse of a rank-deficient 8 x 5 matrix from the SVD equals numpy.linalg.pinv",
    reference_source="numpy.linalg.pinv",
    kind="abs",
    tolerance=1e-12,
    reference_kind="library",
    tolerance_from="bound",
    why="same SVD, same cut-off of the zero singular value; kappa of the rank-4 part is of order 10: "
    "rounding of order 1e-15",
)
def _pinv(short: bool):
    run = factorisation_study(short)
    return run["X_pinv"], np.linalg.pinv(run["X"])


@reference_check(
    "linear_algebra.eckart-young-als",
    chapter="linear_algebra",
    description="Alternating least squares from random starts ends at the Eckart-Young error of every rank",
    reference_source="Eckart-Young: ||A - A_k||_F = sqrt(sum_{i>=k} sigma_i^2), "
    "sigma_i from scipy.linalg.svdvals",
    kind="rel",
    tolerance=1e-8,
    reference_kind="exact",
    tolerance_from="bound",
    why="ALS converges linearly with rate (sigma_k/sigma_{k-1})^2 = 0.49 per sweep: after 60 sweeps the "
    "excess is far below rounding; 1e-8 covers the square root of rounding in the error norm",
)
def _eckart_young(short: bool):
    import scipy.linalg

    run = factorisation_study(short)
    s = scipy.linalg.svdvals(run["M"])
    exact = np.array([np.sqrt(np.sum(s[k:] ** 2)) for k in run["ranks"]])
    return run["als_error"], exact


@reference_check(
    "linear_algebra.quadratic-gradient-autograd",
    chapter="linear_algebra",
    description="The gradient (A + A^T) x of the quadratic form x^T A x equals torch.autograd's",
    reference_source="torch.autograd in float64 on x^T A x",
    kind="abs",
    tolerance=1e-12,
    reference_kind="library",
    tolerance_from="bound",
    why="sums of 6 products of numbers of order 1 in float64: rounding of order 1e-15",
)
def _quadratic_gradient():
    import torch

    rng = np.random.default_rng(11)
    A, x = rng.standard_normal((6, 6)), rng.standard_normal(6)
    xt = torch.tensor(x, requires_grad=True)
    (xt @ _torch_float64(A) @ xt).backward()
    return linalg.quadratic_form_gradient(A, x), xt.grad.numpy()
