"""Reference checks of the regression chapter, and the computations the chapter shares with them.

The chapter's data set is the Franke function sampled at ``N_SAMPLES`` random points
with Gaussian noise of standard deviation ``NOISE``. The polynomial features are built
from the inputs mapped to [-1, 1] (see ``franke_design``), and every fit learns its
scaler and intercept from its own training data (``physml.regression.fit_linear``).
The functions below are cached, so the chapter page, the exercise page and the checks
compute each result once.
"""

from __future__ import annotations

import functools

import numpy as np
from sklearn.linear_model import Lasso, LinearRegression, Ridge
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from .. import data, regression, resampling
from ..validation import reference_check

N_SAMPLES = 300
NOISE = 0.1
SEED = 2026
TEST_SIZE = 0.2
DEGREE = 5  # the chapter's main model
DEGREES = tuple(range(1, 13))  # degrees of the train/test, bootstrap and CV studies
N_BOOTSTRAPS = 100
K_FOLDS = 5
LAMBDA = 1e-3  # the lambda of the side-by-side comparison with scikit-learn
LAMBDAS = tuple(np.logspace(-6, 0, 13))  # the cross-validation grid
LASSO_TOL = 1e-10  # coordinate-descent tolerance of the comparison with scikit-learn


def _one_blas_thread(func):
    """Run ``func`` with BLAS limited to one thread (restored afterwards).

    The studies below do hundreds of small factorisations, for which BLAS threads cost
    more than they save, especially on a busy two-core machine.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with threadpool_limits(limits=1, user_api="blas"):
            return func(*args, **kwargs)

    return wrapper


def franke_design(x, y, degree: int) -> np.ndarray:
    """Polynomial features of total degree ``degree`` in ``u = 2x - 1``, ``v = 2y - 1`` (no column of ones).

    Mapping the unit square onto [-1, 1]^2 (a fixed map, known before any data are
    seen) makes the monomials far less correlated than on [0, 1]^2.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    return regression.polynomial_design_matrix(2 * x - 1, 2 * y - 1, degree, intercept=False)


@functools.cache
def franke_split():
    """The chapter's data: ``x_train, x_test, y_train, y_test, z_train, z_test``."""
    x, y, z = data.franke_samples(N_SAMPLES, NOISE, seed=SEED)
    return tuple(data.train_test_split(x, y, z, test_size=TEST_SIZE, seed=SEED))


@functools.cache
def franke_matrices(degree: int):
    """Design matrices and targets ``X_train, X_test, z_train, z_test`` at one degree."""
    x_tr, x_te, y_tr, y_te, z_tr, z_te = franke_split()
    return franke_design(x_tr, y_tr, degree), franke_design(x_te, y_te, degree), z_tr, z_te


def _scaled_train(degree: int):
    """Training features standardised with their own scaler, for the scikit-learn comparisons."""
    X_tr, X_te, z_tr, z_te = franke_matrices(degree)
    scaler = data.fit_scaler(X_tr)
    return data.scale(X_tr, scaler), data.scale(X_te, scaler), z_tr, z_te


@functools.cache
@_one_blas_thread
def conditioning_study(max_degree: int = 15):
    """Condition numbers kappa(X^T X) = kappa(X)^2 and the accuracy of three OLS solvers, degree by degree.

    For the raw monomials on [0, 1]^2 (with a column of ones) we build a noiseless
    problem with known parameters ``theta* = (1, ..., 1)`` and record the relative
    error of the normal equations, the SVD and the pseudo-inverse.
    """
    x, y, _ = data.franke_samples(N_SAMPLES, NOISE, seed=SEED)
    degrees = np.arange(1, max_degree + 1)
    out = {k: [] for k in ("cond_raw", "cond_raw_scaled", "cond_centred_scaled", "normal", "svd", "pinv")}
    for d in degrees:
        X = regression.polynomial_design_matrix(x, y, int(d))
        raw = X[:, 1:]
        raw_scaled = data.scale(raw, data.fit_scaler(raw))
        centred = franke_design(x, y, int(d))
        centred_scaled = data.scale(centred, data.fit_scaler(centred))
        # kappa(X^T X) = kappa(X)^2 exactly; computing it from X (not from the rounded
        # product X^T X) keeps it accurate beyond 1 / machine epsilon
        out["cond_raw"].append(np.linalg.cond(X) ** 2)
        out["cond_raw_scaled"].append(np.linalg.cond(raw_scaled) ** 2)
        out["cond_centred_scaled"].append(np.linalg.cond(centred_scaled) ** 2)
        theta_true = np.ones(X.shape[1])
        target = X @ theta_true
        for method in ("normal", "svd", "pinv"):
            theta = regression.ols_fit(X, target, method=method)
            out[method].append(np.linalg.norm(theta - theta_true) / np.linalg.norm(theta_true))
    return degrees, {k: np.asarray(v) for k, v in out.items()}


@functools.cache
@_one_blas_thread
def train_test_curve():
    """OLS training and test MSE on the chapter's single split, for each degree in ``DEGREES``."""
    train, test = [], []
    for d in DEGREES:
        X_tr, X_te, z_tr, z_te = franke_matrices(d)
        model = regression.fit_linear(X_tr, z_tr, method="ols")
        train.append(regression.mse(z_tr, model.predict(X_tr)))
        test.append(regression.mse(z_te, model.predict(X_te)))
    return np.array(DEGREES), np.array(train), np.array(test)


@functools.cache
@_one_blas_thread
def bias_variance_curve():
    """Bootstrap error, bias^2 and variance of OLS on the test set, for each degree in ``DEGREES``.

    Returns ``degrees, error, bias2, variance, bias2_true``: the first three measured
    against the noisy test targets, the last against the noiseless Franke function.
    """
    _, x_te, _, y_te, _, _ = franke_split()
    f_test = data.franke(x_te, y_te)
    rows = []
    for d in DEGREES:
        X_tr, X_te, z_tr, z_te = franke_matrices(d)
        predictions = resampling.bootstrap(
            regression.fit_linear, X_tr, z_tr, X_te, N_BOOTSTRAPS, seed=SEED + d
        )
        noisy = resampling.bias_variance(predictions, z_te)
        rows.append([*noisy, resampling.bias_variance(predictions, f_test).bias2])
    rows = np.array(rows)
    return np.array(DEGREES), rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3]


@functools.cache
@_one_blas_thread
def cv_degree_curve():
    """Mean 5-fold CV MSE of OLS on the training set, for each degree in ``DEGREES``."""
    scores = []
    for d in DEGREES:
        X_tr, _, z_tr, _ = franke_matrices(d)
        scores.append(
            resampling.cross_validate(regression.fit_linear, X_tr, z_tr, k=K_FOLDS, seed=SEED).mean()
        )
    return np.array(DEGREES), np.array(scores)


@functools.cache
@_one_blas_thread
def cv_lambda_curve(method: str, degree: int, tol: float = 1e-7):
    """Mean 5-fold CV MSE on the training set for each lambda in ``LAMBDAS`` (Ridge or Lasso)."""
    X_tr, _, z_tr, _ = franke_matrices(degree)
    options = {"tol": tol} if method == "lasso" else {}
    scores = []
    for lam in LAMBDAS:
        fit = functools.partial(regression.fit_linear, method=method, lam=float(lam), **options)
        scores.append(resampling.cross_validate(fit, X_tr, z_tr, k=K_FOLDS, seed=SEED).mean())
    return np.array(LAMBDAS), np.array(scores)


@functools.cache
@_one_blas_thread
def coefficient_paths(n_lambdas: int = 30, lam_min: float = 1e-5):
    """Ridge and Lasso slopes at ``DEGREE`` along a lambda grid from the Lasso's lambda_max down.

    The Lasso path is computed from large to small lambda, each fit warm-started at the
    previous solution. Returns ``lambdas, ridge_paths, lasso_paths`` (paths: lambdas x features).
    """
    X_s, _, z_tr, _ = _scaled_train(DEGREE)
    zc = z_tr - z_tr.mean()
    lam_max = regression.lasso_lambda_max(X_s, zc)
    lambdas = np.logspace(np.log10(lam_max), np.log10(lam_min), n_lambdas)
    ridge = np.array([regression.ridge_fit(X_s, zc, lam) for lam in lambdas])
    lasso, theta = [], None
    for lam in lambdas:
        theta = regression.lasso_fit(X_s, zc, lam, tol=1e-8, theta0=theta)
        lasso.append(theta)
    return lambdas, ridge, np.array(lasso)


@functools.cache
@_one_blas_thread
def lasso_sweep_counts(lam: float = LAMBDA, tol: float = 1e-8) -> dict[str, int]:
    """Coordinate-descent sweeps the Lasso needs at ``DEGREE`` with raw and with centred inputs.

    Both designs are standardised with the training scaler; only the inputs of the
    monomials differ (``x, y`` in [0, 1] or ``u, v`` in [-1, 1]).
    """
    x_tr, _, y_tr, _, z_tr, _ = franke_split()
    designs = {
        "raw": regression.polynomial_design_matrix(x_tr, y_tr, DEGREE, intercept=False),
        "centred": franke_design(x_tr, y_tr, DEGREE),
    }
    counts = {}
    for name, X in designs.items():
        X_s = data.scale(X, data.fit_scaler(X))
        _, counts[name] = regression.lasso_fit(X_s, z_tr - z_tr.mean(), lam, tol=tol, return_n_sweeps=True)
    return counts


@functools.cache
@_one_blas_thread
def sklearn_comparison():
    """Our OLS, Ridge and Lasso fits at ``DEGREE`` next to scikit-learn's on the same features.

    Both sides see the standardised training features; scikit-learn fits its own
    intercept (``fit_intercept=True``), ours is ``physml.regression.fit_linear``'s.
    Parameters: Ridge ``alpha = n * lambda``, Lasso ``alpha = lambda / 2``.
    Returns a dict ``name -> (ours (intercept, slopes...), sklearn's, our test MSE, sklearn's test MSE)``.
    """
    X_s, X_s_test, z_tr, z_te = _scaled_train(DEGREE)
    n = X_s.shape[0]
    ours = {
        "OLS": regression.fit_linear(X_s, z_tr, method="ols"),
        "Ridge": regression.fit_linear(X_s, z_tr, method="ridge", lam=LAMBDA),
        "Lasso": regression.fit_linear(X_s, z_tr, method="lasso", lam=LAMBDA, tol=LASSO_TOL),
    }
    theirs = {
        "OLS": LinearRegression(),
        "Ridge": Ridge(alpha=n * LAMBDA),
        "Lasso": Lasso(alpha=LAMBDA / 2, tol=1e-14, max_iter=1_000_000),
    }
    out = {}
    for name, model in ours.items():
        sk = theirs[name].fit(X_s, z_tr)
        out[name] = (
            np.concatenate([[model.intercept], model.theta]),
            np.concatenate([[sk.intercept_], sk.coef_]),
            regression.mse(z_te, model.predict(X_s_test)),
            regression.mse(z_te, sk.predict(X_s_test)),
        )
    return out


# --------------------------------------------------------------------------- the checks


@reference_check(
    "regression.ols-sklearn",
    chapter="regression",
    description="OLS intercept and slopes (degree 5, Franke data) equal scikit-learn's",
    reference_source="sklearn.linear_model.LinearRegression",
    kind="abs",
    tolerance=1e-8,
)
def _ols_sklearn():
    ours, theirs, _, _ = sklearn_comparison()["OLS"]
    return ours, theirs


@reference_check(
    "regression.ridge-sklearn",
    chapter="regression",
    description="Ridge (lambda = 1e-3) equals scikit-learn's Ridge with alpha = n lambda",
    reference_source="sklearn.linear_model.Ridge",
    kind="abs",
    tolerance=1e-8,
)
def _ridge_sklearn():
    ours, theirs, _, _ = sklearn_comparison()["Ridge"]
    return ours, theirs


@reference_check(
    "regression.lasso-sklearn",
    chapter="regression",
    description="Lasso by coordinate descent (lambda = 1e-3) equals scikit-learn's Lasso(alpha = lambda/2)",
    reference_source="sklearn.linear_model.Lasso",
    kind="abs",
    tolerance=1e-6,
)
def _lasso_sklearn():
    ours, theirs, _, _ = sklearn_comparison()["Lasso"]
    return ours, theirs


@reference_check(
    "regression.svd-normal",
    chapter="regression",
    description="OLS through the SVD equals the normal-equation solution (degree 5, scaled features)",
    reference_source="normal equations, numpy.linalg.solve",
    kind="rel",
    tolerance=1e-10,
)
def _svd_normal():
    X_s, _, z_tr, _ = _scaled_train(DEGREE)
    X1 = np.column_stack([np.ones(len(z_tr)), X_s])
    return regression.ols_fit(X1, z_tr, method="svd"), regression.ols_fit(X1, z_tr, method="normal")


@reference_check(
    "regression.bias-variance",
    chapter="regression",
    description="Bootstrap test error equals bias^2 + variance at every degree",
    reference_source="exact identity (cross term vanishes)",
    kind="abs",
    tolerance=1e-12,
)
def _bias_variance():
    _, error, bias2, variance, _ = bias_variance_curve()
    return bias2 + variance, error


@reference_check(
    "regression.cv-sklearn",
    chapter="regression",
    description="5-fold CV MSE of scaled OLS (degree 5) equals scikit-learn's cross_val_score, same folds",
    reference_source="sklearn.model_selection.cross_val_score",
    kind="abs",
    tolerance=1e-10,
)
def _cv_sklearn():
    X_tr, _, z_tr, _ = franke_matrices(DEGREE)
    ours = resampling.cross_validate(regression.fit_linear, X_tr, z_tr, k=K_FOLDS, seed=SEED)
    folds = resampling.kfold_indices(len(z_tr), K_FOLDS, seed=SEED)
    pipeline = make_pipeline(StandardScaler(), LinearRegression())
    theirs = -cross_val_score(pipeline, X_tr, z_tr, cv=folds, scoring="neg_mean_squared_error")
    return ours, theirs
