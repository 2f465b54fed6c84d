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
