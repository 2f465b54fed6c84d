"""Reference checks of the regression chapter.

The runs (settings, data, fits, resampling) are in ``physml.studies.regression``; each
check reads the run the page made (``experiment.current``: the book's settings in the book,
the short ones in the unit tests) and compares it with its reference.
"""

from __future__ import annotations

import numpy as np

from .. import regression
from ..experiment import current
from ..studies import regression as study
from ..validation import reference_check


def sklearn_study(short: bool = False) -> dict:
    return study.sklearn_run(current(study.sklearn_run, short))


def bootstrap_variance_study(short: bool = False) -> dict:
    return study.bootstrap_variance_run(current(study.bootstrap_variance_run, short))


@reference_check(
    "regression.ols-sklearn",
    chapter="regression",
    description="OLS intercept and slopes (degree 5, Franke data) equal scikit-learn's",
    reference_source="sklearn.linear_model.LinearRegression",
    kind="abs",
    tolerance=1e-8,
    reference_kind="library",
    tolerance_from="bound",
    why="two backward-stable solvers: rounding kappa(X) eps ||theta|| ~ 1e-14 (kappa ~ 45), far below 1e-8",
)
def _ols_sklearn(short: bool):
    ours, theirs, _, _ = sklearn_study(short)["OLS"]
    return ours, theirs


@reference_check(
    "regression.ridge-sklearn",
    chapter="regression",
    description="Ridge (lambda = 1e-3) equals scikit-learn's Ridge with alpha = n lambda",
    reference_source="sklearn.linear_model.Ridge",
    kind="abs",
    tolerance=1e-8,
    reference_kind="library",
    tolerance_from="bound",
    why="the same linear system solved twice: rounding differences ~ 1e-14, far below 1e-8",
)
def _ridge_sklearn(short: bool):
    ours, theirs, _, _ = sklearn_study(short)["Ridge"]
    return ours, theirs


def _lasso_subgradient(Xc: np.ndarray, yc: np.ndarray, w: np.ndarray, lam: float) -> np.ndarray:
    """The subgradient of smallest norm of the Lasso cost (1/n)||y - X w||^2 + lam ||w||_1 at ``w``."""
    g = -2.0 / len(yc) * Xc.T @ (yc - Xc @ w)
    at_zero = w == 0
    return np.where(at_zero, np.sign(g) * np.maximum(np.abs(g) - lam, 0.0), g + lam * np.sign(w))


def lasso_distance_bound(short: bool = False) -> tuple[float, float]:
    """Distance of our Lasso slopes from scikit-learn's, and the bound that both stopping points allow.

    The Lasso cost on the centred, standardised features is mu-strongly convex with
    mu = 2 lambda_min(X^T X) / n (full column rank), so a point with a subgradient s lies within
    ||s|| / mu of the minimum, and two points within (||s_a|| + ||s_b||) / mu of each other.
    """
    cfg = current(study.sklearn_run, short)
    ours, theirs, _, _ = sklearn_study(short)["Lasso"]
    X_s, _, z_tr, _ = study.scaled_train(cfg.degree, cfg)
    Xc, yc = X_s - X_s.mean(axis=0), z_tr - z_tr.mean()
    mu = 2.0 * np.linalg.eigvalsh(Xc.T @ Xc / len(yc))[0]
    s = [np.linalg.norm(_lasso_subgradient(Xc, yc, w[1:], cfg.lam)) for w in (ours, theirs)]
    return float(np.linalg.norm(ours[1:] - theirs[1:])), float((s[0] + s[1]) / mu)


@reference_check(
    "regression.lasso-sklearn",
    chapter="regression",
    description="Lasso slopes by coordinate descent (lambda = 1e-3) equal scikit-learn's "
    "Lasso(alpha = lambda/2) within the distance that both stopping points allow (intercepts: mean(y) on "
    "both sides)",
    reference_source="sklearn.linear_model.Lasso(tol=1e-14); the bound (|s_ours| + |s_sklearn|) / mu from "
    "the smallest subgradients left at both stops and mu = 2 lambda_min(X^T X / n)",
    kind="at_most",
    reference_kind="library",
    tolerance_from="bound",
    why="strong convexity: a point with subgradient s lies within |s| / mu of the Lasso minimum; both "
    "solvers stop early, ours on a step size of 1e-10, theirs on a duality gap",
)
def _lasso_sklearn(short: bool):
    return lasso_distance_bound(short)


@reference_check(
    "regression.svd-normal",
    chapter="regression",
    description="OLS through the SVD equals the normal-equation solution (degree 5, scaled features)",
    reference_source="normal equations, numpy.linalg.solve",
    kind="rel",
    tolerance=1e-10,
    reference_kind="exact",
    tolerance_from="bound",
    why="the normal equations lose kappa(X)^2 eps ~ 5e-13 (kappa ~ 45 for the scaled features), below 1e-10",
)
def _svd_normal(short: bool):
    cfg = current(study.sklearn_run, short)
    X_s, _, z_tr, _ = study.scaled_train(cfg.degree, cfg)
    X1 = np.column_stack([np.ones(len(z_tr)), X_s])
    return regression.ols_fit(X1, z_tr, method="svd"), regression.ols_fit(X1, z_tr, method="normal")


@reference_check(
    "regression.bootstrap-variance",
    chapter="regression",
    description="Bootstrap variance of OLS predictions / sigma^2 x^T (X^T X)^-1 x, mean over 20 test points, "
    "equals 1 (model that contains the truth, known sigma)",
    reference_source="exact variance of OLS for a fixed design; 5000 training points, degree 3, "
    "200 resamples",
    kind="stat",
    k=3.0,
    glued=("reg-bsv-ratio",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="3 sigma: scatter of the B resamples plus chi-square scatter of the training noise; no allowance",
)
def _bootstrap_variance(short: bool):
    run = bootstrap_variance_study(short)
    return run["ratio"], run["sigma"], 1.0


@reference_check(
    "regression.cv-sklearn",
    chapter="regression",
    description="5-fold CV MSE of scaled OLS (degree 5) equals scikit-learn's cross_val_score, same folds",
    reference_source="sklearn.model_selection.cross_val_score",
    kind="abs",
    tolerance=1e-10,
    reference_kind="library",
    tolerance_from="bound",
    why="the same folds and least-squares problems: MSEs ~ 0.01 agree to rounding, ~ 1e-16",
)
def _cv_sklearn(short: bool):
    ours, theirs = sklearn_study(short)["CV"]
    return ours, theirs


def coverage_study(short: bool = False) -> dict:
    return study.coverage_run(current(study.coverage_run, short))


def coupling_study(short: bool = False) -> dict:
    return study.ising_coupling_run(current(study.ising_coupling_run, short))


@reference_check(
    "regression.ci-coverage",
    chapter="regression",
    description="The 95 % t-intervals of the OLS slope cover the true slope in 95 % of noise draws",
    reference_source="the nominal level; sigma = sqrt(level (1 - level) / repeats), binomial",
    kind="stat",
    k=3.0,
    reference_kind="exact",
    tolerance_from="sigma",
    why="exact coverage for Gaussian noise and a fixed design: 3 binomial standard errors, no allowance",
    glued=("reg-ci-coverage",),
)
def _ci_coverage(short: bool):
    cfg = current(study.coverage_run, short)
    covered = coverage_study(short)["covered"][:, 1]
    return float(covered.mean()), float(np.sqrt(cfg.level * (1 - cfg.level) / len(covered))), cfg.level


@reference_check(
    "regression.ols-covariance",
    chapter="regression",
    description="The variance of the OLS slope over noise draws equals sigma^2 [(X^T X)^{-1}]_11",
    reference_source="Cov(theta_hat) = sigma^2 (X^T X)^{-1}; the ratio sample/exact has standard error "
    "sqrt(2/(R - 1)) for R Gaussian draws",
    kind="stat",
    k=3.0,
    reference_kind="exact",
    tolerance_from="sigma",
    why="3 standard errors of a sample variance of Gaussian estimates; no allowance",
    glued=("reg-cov-ratio",),
)
def _ols_covariance(short: bool):
    run = coverage_study(short)
    ratio = run["cov_sample"][1, 1] / run["cov_exact"][1, 1]
    return float(ratio), float(np.sqrt(2.0 / (len(run["estimates"]) - 1))), 1.0


@reference_check(
    "regression.half-estimator-unbiased",
    chapter="regression",
    description="The competing estimator of the Gauss-Markov comparison (OLS on half of the points) is "
    "unbiased for the slope too",
    reference_source="the true slope; sigma = sqrt(Var_exact / repeats) with Var_exact = sigma^2 (A A^T)_11",
    kind="stat",
    k=3.0,
    reference_kind="exact",
    tolerance_from="sigma",
    why="an average of R independent unbiased estimates: 3 standard errors, no allowance",
)
def _half_unbiased(short: bool):
    run = coverage_study(short)
    half = run["half_estimates"][:, 1]
    return (
        float(half.mean()),
        float(np.sqrt(run["cov_half_exact"][1, 1] / len(half))),
        float(run["theta_true"][1]),
    )


@reference_check(
    "regression.ising-ols-projection",
    chapter="regression",
    description="Minimum-norm OLS on fewer configurations than distinct couplings explains the fraction "
    "n_train / (distinct features) of the test energies",
    reference_source="the minimum-norm solution is the projection of the true couplings onto the row space "
    "of the design; for nearly orthogonal features it keeps n/p of the truth: R^2 ~ n/p",
    kind="stat",
    k=3.0,
    reference_kind="exact",
    tolerance_from="sigma",
    why="3 standard errors of the mean test R^2 over the seeds; the law is asymptotic in n and p",
    glued=("reg-ising-ols-r2",),
)
def _ising_ols(short: bool):
    run = coupling_study(short)
    cfg = current(study.ising_coupling_run, short)
    r2 = run["seed_r2"]["OLS"]
    sigma = float(r2.std(ddof=1) / np.sqrt(len(r2))) if len(r2) > 1 else 0.05
    return float(r2.mean()), sigma, cfg.n_train / run["distinct_features"]


@reference_check(
    "regression.ising-lasso-beats-ols",
    chapter="regression",
    description="The Lasso recovers the nearest-neighbour couplings where OLS cannot: its test R^2 beats "
    "minimum-norm OLS on every seed's data set by a margin",
    reference_source="minimum-norm OLS on the same configurations; Mehta et al. (2019), "
    "the 1D Ising example of the linear-regression section",
    kind="beats",
    better="higher",
    margin=0.15,
    reference_kind="baseline",
    tolerance_from="target",
    why="half of the part 1 - n/p = 0.31 of the truth that OLS cannot reach by the projection law; "
    "stated after a pilot run",
    glued=("reg-ising-lasso-r2",),
)
def _ising_lasso(short: bool):
    run = coupling_study(short)
    return run["seed_r2"]["Lasso"], run["seed_r2"]["OLS"]


def ridge_study(short: bool = False) -> dict:
    return study.ridge_run(current(study.ridge_run, short))


@reference_check(
    "regression.ridge-bias",
    chapter="regression",
    description="Simulated Ridge bias (lambda = 0.05) along its direction equals n lambda ||A^-1 theta*||",
    reference_source="exact formula; 4000 noise draws (short: 400)",
    kind="stat",
    k=3.0,
    glued=("reg-ridge-bias-sim",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="k = 3 standard errors of the mean over the noise draws; no systematic allowance",
)
def _ridge_bias(short: bool):
    return ridge_study(short)["bias"]


@reference_check(
    "regression.ridge-variance",
    chapter="regression",
    description="Simulated total variance of Ridge (lambda = 0.05) equals sigma^2 tr(A^-1 X^T X A^-1)",
    reference_source="exact formula; 4000 noise draws (short: 400)",
    kind="stat",
    k=3.0,
    glued=("reg-ridge-var-sim",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="k = 3 standard errors of the mean over the noise draws; no systematic allowance",
)
def _ridge_variance(short: bool):
    return ridge_study(short)["variance"]
