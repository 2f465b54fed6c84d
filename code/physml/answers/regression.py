"""Self-check answers for the regression exercises (``exercises/regression.md``)."""

import functools

import numpy as np

from .. import data, regression, resampling
from ..selfcheck import answer
from ..studies import regression as study

# Settings of the exercises, shared with the exercise page.
RIDGE_LIMIT_DEGREE = 5
ALPHA_LAMBDA = 1e-2
CV_K = 10
CV_SEED = 1
CV_DEGREES = tuple(range(1, 11))
SE_COEFFICIENTS = (1.0, 2.0, -3.0)
SE_N = 50
SE_NOISE = 0.5
SE_SEED = 7


def standardised_training_set(degree: int):
    """Standardised training features and centred targets of the chapter's data at ``degree``."""
    X_tr, _, z_tr, _ = study.franke_matrices(degree)
    X_s = data.scale(X_tr, data.fit_scaler(X_tr))
    return X_s, z_tr - z_tr.mean()


def quadratic_data():
    """The 1-D data of the standard-error exercise and its quadratic design matrix."""
    x, y = data.noisy_polynomial(SE_N, SE_COEFFICIENTS, SE_NOISE, seed=SE_SEED)
    return x, y, regression.polynomial_design_matrix(x, degree=2)


@answer(
    "ridge-limit",
    rtol=1e-6,
    hint="Each SVD direction of the Ridge solution is damped by sigma^2 / (sigma^2 + n lambda); "
    "what does that factor become for lambda -> 0, and which model is left?",
)
def _ridge_limit():
    X_tr, _, z_tr, _ = study.franke_matrices(RIDGE_LIMIT_DEGREE)
    model = regression.fit_linear(X_tr, z_tr, method="ols")
    return regression.mse(z_tr, model.predict(X_tr))


@answer(
    "sklearn-alpha",
    rtol=1e-9,
    hint="Multiply the course's cost by a constant so that it takes scikit-learn's form: "
    "Ridge uses ||y - Xw||^2 + alpha ||w||^2, Lasso (1/(2n)) ||y - Xw||^2 + alpha ||w||_1. "
    "n is the number of training points.",
)
def _sklearn_alpha():
    n = len(study.franke_matrices(RIDGE_LIMIT_DEGREE)[2])
    return np.array([n * ALPHA_LAMBDA, ALPHA_LAMBDA / 2])


@answer(
    "lasso-lambda-max",
    rtol=1e-8,
    hint="At theta = 0 the coordinate update returns S(x_j^T y, n lambda / 2) / x_j^T x_j. "
    "When is that zero for every j? Use the standardised features and the centred targets.",
)
def _lasso_lambda_max():
    X_s, zc = standardised_training_set(study.PathRun().degree)  # the paths' degree
    return regression.lasso_lambda_max(X_s, zc)


@functools.cache
def cv_degree_scores() -> np.ndarray:
    """Mean 10-fold CV MSE of OLS on the chapter's training set for degrees 1..10."""
    scores = []
    for d in CV_DEGREES:
        X_tr, _, z_tr, _ = study.franke_matrices(d)
        scores.append(
            resampling.cross_validate(regression.fit_linear, X_tr, z_tr, k=CV_K, seed=CV_SEED).mean()
        )
    return np.array(scores)


@answer(
    "cv-best-degree",
    rtol=0.0,
    atol=0.1,
    hint="Run resampling.cross_validate with k=10 and seed=1 for each degree 1..10 on the "
    "chapter's training set and take the degree with the smallest mean MSE (an integer).",
)
def _cv_best_degree():
    return int(CV_DEGREES[int(np.argmin(cv_degree_scores()))])


@answer(
    "ols-standard-error",
    rtol=1e-6,
    hint="The covariance of the OLS parameters is sigma^2 (X^T X)^{-1}; the standard error of "
    "theta_2 is the square root of its diagonal element [2, 2], with the noise sigma = 0.5.",
)
def _ols_standard_error():
    _, _, X = quadratic_data()
    covariance = SE_NOISE**2 * np.linalg.inv(X.T @ X)
    return float(np.sqrt(covariance[2, 2]))
