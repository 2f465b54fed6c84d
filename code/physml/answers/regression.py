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
RIDGE_EXERCISE_LAMBDA = 0.5  # the lambda of the Ridge-variance exercise


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


@answer(
    "reg-ridge-variance",
    rtol=1e-6,
    hint="Use Cov = sigma^2 A^-1 X^T X A^-1 with A = X^T X + n lambda I (n = 50, not 1), "
    "and add up its diagonal.",
)
def _ridge_variance():
    _, cov = study.ridge_theory(RIDGE_EXERCISE_LAMBDA)  # the book's fixed design
    return float(np.trace(cov))


@answer(
    "reg-ridge-best-lambda",
    rtol=1e-3,
    hint="Minimise E||theta_hat - theta*||^2 = ||bias||^2 + tr Cov over lambda, with the moments of the "
    "Ridge estimator on study.ridge_setting() (for instance scipy.optimize.minimize_scalar on log10 lambda).",
)
def _ridge_best_lambda():
    from scipy.optimize import minimize_scalar

    def mse(log_lam):
        bias, cov = study.ridge_theory(10.0**log_lam)
        return float(bias @ bias + np.trace(cov))

    best = minimize_scalar(mse, bounds=(-6.0, 1.0), method="bounded", options={"xatol": 1e-10})
    return float(10.0**best.x)


# orthogonal design: n samples, p features with X^T X = n I, and the lambda of the exercise
ORTHO_N, ORTHO_P, ORTHO_LAMBDA, ORTHO_SEED = 100, 6, 0.5, 5


def orthogonal_data():
    """A design with X^T X = n I (orthonormal columns times sqrt(n)) and noisy targets (seeded)."""
    rng = np.random.default_rng(ORTHO_SEED)
    Q, _ = np.linalg.qr(rng.standard_normal((ORTHO_N, ORTHO_P)))
    X = np.sqrt(ORTHO_N) * Q
    theta = np.array([2.0, -1.0, 0.5, 0.2, -0.1, 0.0])
    return X, X @ theta + 0.5 * rng.standard_normal(ORTHO_N)


@answer(
    "reg-orthogonal-lasso",
    rtol=1e-6,
    atol=1e-9,
    hint="With X^T X = n I the Lasso decouples: theta_j = S(theta_ols_j, lambda / 2) with the soft threshold "
    "S(z, g) = sign(z) max(|z| - g, 0) and theta_ols = X^T y / n. No intercept.",
)
def _orthogonal_lasso():
    X, y = orthogonal_data()
    ols = X.T @ y / ORTHO_N
    return np.sign(ols) * np.maximum(np.abs(ols) - ORTHO_LAMBDA / 2, 0.0)


# project: a pair potential learned from the energies of small Lennard-Jones clusters (epsilon = sigma = 1)
CLUSTER_ATOMS, CLUSTER_N, CLUSTER_BOX, CLUSTER_RMIN, CLUSTER_NOISE = 4, 200, 2.2, 0.95, 0.01
CLUSTER_SEED = 1924  # Lennard-Jones, Proc. R. Soc. A 106, 463 (1924)
PROJECT_POWERS = (4, 6, 8, 10, 12, 14)


def cluster_positions(seed: int = CLUSTER_SEED) -> np.ndarray:
    """Positions (n, atoms, 3) of the project's clusters: uniform in a box, no pair closer than r_min."""
    rng = np.random.default_rng(seed)
    clusters = []
    while len(clusters) < CLUSTER_N:
        x = rng.uniform(0.0, CLUSTER_BOX, size=(CLUSTER_ATOMS, 3))
        if pair_distances(x[None])[0].min() > CLUSTER_RMIN:
            clusters.append(x)
    return np.array(clusters)


def pair_distances(positions: np.ndarray) -> np.ndarray:
    """All pair distances of each cluster, (n, atoms (atoms - 1) / 2)."""
    i, j = np.triu_indices(positions.shape[1], 1)
    return np.linalg.norm(positions[:, i] - positions[:, j], axis=-1)


def cluster_data(seed: int = CLUSTER_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Positions and noisy Lennard-Jones energies sum_pairs 4 (r^-12 - r^-6) of the project's clusters."""
    positions = cluster_positions(seed)
    r = pair_distances(positions)
    rng = np.random.default_rng([seed, 1])
    energies = (4.0 * (r**-12 - r**-6)).sum(axis=1) + CLUSTER_NOISE * rng.standard_normal(len(r))
    return positions, energies


@answer(
    "reg-project-c6",
    rtol=1e-6,
    hint="Features sum_pairs r^-12 and sum_pairs r^-6 of each cluster (answers.regression.cluster_data()), "
    "an OLS fit with an intercept (regression.fit_linear(..., standardize=False) or lstsq with a column of "
    "ones); the coefficient of the r^-6 feature.",
)
def _project_c6():
    positions, energies = cluster_data()
    r = pair_distances(positions)
    X = np.column_stack([np.ones(len(r)), (r**-12).sum(axis=1), (r**-6).sum(axis=1)])
    return float(np.linalg.lstsq(X, energies, rcond=None)[0][2])
