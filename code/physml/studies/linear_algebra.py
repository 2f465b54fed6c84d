r"""The runs of "Linear algebra for machine learning", with their settings in view.

* :func:`condition_run`: solve random square systems of prescribed condition number
  :math:`\kappa` with LU (``numpy.linalg.solve``) and record the relative errors;
* :func:`kappa_law_run`: solve least-squares problems of prescribed :math:`\kappa` twice,
  through the normal equations and with an SVD-based solver, and fit the power of
  :math:`\kappa` with which each error grows (2 and 1 in theory).

The seeded example matrices that the page and its checks share (``svd_example``,
``symmetric_example``, ``layer_example``) take milliseconds and have no settings.
"""

from __future__ import annotations

import functools

import numpy as np

from .. import linalg
from ..experiment import Settings, setting, study

# --------------------------------------------------------------------------- example matrices


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
def layer_example():
    """One dense layer with 5 inputs and 3 outputs: ``(a, W, b, y)``."""
    rng = np.random.default_rng(14)
    a = rng.standard_normal(5)
    W = rng.standard_normal((5, 3))
    b = rng.standard_normal(3)
    y = rng.standard_normal(3)
    return a, W, b, y


# --------------------------------------------------------------------------- LU and the condition number


class ConditionRun(Settings):
    """Settings of the conditioning experiment (milliseconds: the short run is the same)."""

    n: int = setting(20, low=2, doc="size n of the n x n systems (the error bound is n kappa eps)")
    log10_kappa_max: float = setting(14.0, low=0, high=17, doc="largest condition number, 10^this")
    n_kappas: int = setting(29, low=2, doc="condition numbers, spaced geometrically from 1")
    repeats: int = setting(5, low=1, doc="random systems per condition number")
    seed: int = setting(13, low=0, doc="seed of the matrices and solutions")

    SHORT = {}


@study("linear_algebra", ConditionRun)
def condition_run(cfg: ConditionRun) -> dict[str, np.ndarray]:
    """Relative errors of LU solves of random systems with kappa from 1 to 10^log10_kappa_max.

    Returns ``kappa`` (measured), ``error`` and ``ratio`` = error / (kappa eps), one entry per system.
    """
    kappas = np.logspace(0, cfg.log10_kappa_max, cfg.n_kappas)
    sweep = linalg.condition_experiment(kappas, n=cfg.n, repeats=cfg.repeats, seed=cfg.seed)
    sweep["ratio"] = sweep["error"] / (sweep["kappa"] * np.finfo(float).eps)
    return sweep


# --------------------------------------------------------------------------- least squares: kappa and kappa^2


class KappaLawRun(Settings):
    """Settings of the least-squares experiment: normal equations against an SVD-based solver."""

    n_rows: int = setting(100, low=2, doc="rows of the design matrix (data points)")
    n_cols: int = setting(10, low=2, doc="columns of the design matrix (parameters)")
    log10_kappa_min: float = setting(2.0, low=0, doc="smallest condition number kappa(X), 10^this")
    log10_kappa_max: float = setting(
        6.0, low=0, high=7.5, doc="largest kappa(X), 10^this (kappa^2 eps must stay well below 1)"
    )
    n_kappas: int = setting(9, low=2, doc="condition numbers, spaced geometrically")
    repeats: int = setting(20, low=1, doc="random problems per condition number")
    seed: int = setting(15, low=0, doc="seed of the matrices and parameters")

    SHORT = {}

    def validate(self):
        if self.n_cols > self.n_rows:
            raise ValueError("KappaLawRun.n_cols must not exceed KappaLawRun.n_rows (a tall design matrix)")
        if self.log10_kappa_max <= self.log10_kappa_min:
            raise ValueError("KappaLawRun.log10_kappa_max must be larger than log10_kappa_min")


def squeezed_matrix(n_rows: int, n_cols: int, kappa: float, rng: np.random.Generator) -> np.ndarray:
    r"""A tall matrix :math:`\boldsymbol U\,\mathrm{diag}(1, \dots, 1, 1/\kappa)\,\boldsymbol V^T`.

    ``U`` (orthonormal columns) and ``V`` (orthogonal) are random, so the condition number is
    exactly :math:`\kappa`, and all of it sits in one direction.
    """
    U, _ = np.linalg.qr(rng.standard_normal((n_rows, n_cols)))
    V, _ = np.linalg.qr(rng.standard_normal((n_cols, n_cols)))
    s = np.ones(n_cols)
    s[-1] = 1.0 / kappa
    return (U * s) @ V.T


def power_law_fit(kappa, error) -> tuple[float, float]:
    r"""Slope (and its standard error) of the line :math:`\log_{10}\text{error} = a + b\log_{10}\kappa`.

    Least squares over all points; the standard error is
    :math:`\sqrt{s^2/\sum_i(u_i-\bar u)^2}` with :math:`u = \log_{10}\kappa` and
    :math:`s^2` the residual variance (``N - 2`` degrees of freedom).
    """
    # an error of exactly zero (possible in principle) counts as 1e-3 of the machine precision
    u, v = np.log10(kappa), np.log10(np.maximum(error, 1e-3 * np.finfo(float).eps))
    du = u - u.mean()
    slope = float(du @ (v - v.mean()) / (du @ du))
    residuals = v - v.mean() - slope * du
    se = float(np.sqrt(residuals @ residuals / (len(u) - 2) / (du @ du)))
    return slope, se


@study("linear_algebra", KappaLawRun)
def kappa_law_run(cfg: KappaLawRun) -> dict:
    r"""Recover known parameters from noise-free targets ``y = X theta`` in two ways.

    For each condition number and repeat: a random ``X`` from :func:`squeezed_matrix`, Gaussian
    ``theta``, ``y = X theta``; then the normal equations (``solve(X^T X, X^T y)``) and
    ``numpy.linalg.lstsq`` (SVD). Returns the relative errors of both and the fitted powers of
    kappa with their standard errors (theory: 2 and 1).
    """
    rng = np.random.default_rng(cfg.seed)
    kappas = np.repeat(np.logspace(cfg.log10_kappa_min, cfg.log10_kappa_max, cfg.n_kappas), cfg.repeats)
    normal, svd = [], []
    for kappa in kappas:
        X = squeezed_matrix(cfg.n_rows, cfg.n_cols, kappa, rng)
        theta = rng.standard_normal(cfg.n_cols)
        y = X @ theta
        for errors, estimate in (
            (normal, np.linalg.solve(X.T @ X, X.T @ y)),
            (svd, np.linalg.lstsq(X, y, rcond=None)[0]),
        ):
            errors.append(np.linalg.norm(estimate - theta) / np.linalg.norm(theta))
    normal, svd = np.array(normal), np.array(svd)
    return {
        "kappa": kappas,
        "normal": normal,
        "svd": svd,
        "slope_normal": power_law_fit(kappas, normal),
        "slope_svd": power_law_fit(kappas, svd),
    }


# --------------------------------------------------------------------------- factorisations


class FactorisationRun(Settings):
    """Settings of the sections on positive definite matrices, the pseudo-inverse and
    Eckart-Young: a random SPD matrix and its Cholesky factor, correlated Gaussian samples,
    a rank-deficient design matrix, and low-rank approximations of a matrix with decaying
    singular values by truncated SVD and by alternating least squares."""

    n: int = setting(6, low=1, doc="size of the symmetric positive definite matrix")
    n_samples: int = setting(20_000, low=2, doc="Gaussian samples drawn through the Cholesky factor")
    rank_size: int = setting(40, low=2, doc="size of the matrix approximated at low rank")
    decay: float = setting(0.7, low=0, high=1, doc="ratio of successive singular values of that matrix")
    k_max: int = setting(6, low=1, doc="ranks 1, ..., k_max")
    als_iterations: int = setting(60, low=1, doc="sweeps of alternating least squares")
    seed: int = setting(2026, low=0, doc="seed of the matrices, samples and starting points")

    SHORT = {"n_samples": 5_000}


@study("linear_algebra", FactorisationRun)
def factorisation_run(cfg: FactorisationRun) -> dict:
    """Cholesky against NumPy, sampling with the factor, the pseudo-inverse of a rank-deficient
    matrix, and the low-rank errors of truncated SVD and ALS, rank by rank."""
    rng = np.random.default_rng(cfg.seed)
    G = rng.standard_normal((cfg.n, cfg.n))
    spd = G @ G.T / cfg.n + 0.5 * np.eye(cfg.n)
    cov = np.array([[2.0, 0.8], [0.8, 1.0]])
    samples = linalg.gaussian_samples([1.0, -1.0], cov, cfg.n_samples, seed=rng)
    X = rng.standard_normal((8, 5))
    X[:, 4] = X[:, 0] + X[:, 1]  # a dependent column: X^T X is singular
    M = linalg.matrix_with_singular_values(cfg.decay ** np.arange(cfg.rank_size), seed=rng)
    ranks = np.arange(1, min(cfg.k_max, cfg.rank_size) + 1)
    svd_err, als_err = [], []
    for k in ranks:
        svd_err.append(np.linalg.norm(M - linalg.truncated_svd(M, int(k))))
        B, C = linalg.als_low_rank(M, int(k), cfg.als_iterations, seed=rng)
        als_err.append(np.linalg.norm(M - B @ C.T))
    return {
        "spd": spd,
        "L": linalg.cholesky(spd),
        "cov": cov,
        "samples": samples,
        "X": X,
        "X_pinv": linalg.pinv(X),
        "M": M,
        "ranks": ranks,
        "svd_error": np.array(svd_err),
        "als_error": np.array(als_err),
    }
