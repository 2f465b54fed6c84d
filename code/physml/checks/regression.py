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


@reference_check(
    "regression.lasso-sklearn",
    chapter="regression",
    description="Lasso by coordinate descent (lambda = 1e-3) equals scikit-learn's Lasso(alpha = lambda/2)",
    reference_source="sklearn.linear_model.Lasso",
    kind="abs",
    tolerance=1e-6,
    reference_kind="library",
    tolerance_from="after",
    why="set by the two stopping rules (our step size 1e-10, their duality gap); no bound derived beforehand",
)
def _lasso_sklearn(short: bool):
    ours, theirs, _, _ = sklearn_study(short)["Lasso"]
    return ours, theirs


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
