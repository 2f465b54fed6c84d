"""Reference checks of the classification chapter, and the computations the chapter shares with them.

Three data sets: scikit-learn's breast-cancer data (binary, standardised) and iris data
(three classes, standardised) for the comparisons with ``LogisticRegression``; a fixed
Gaussian design with simulated noise for the bias and variance of Ridge; and 2D Ising
configurations from ``physml.ising.sample`` for the ordered/disordered classifier
(after Mehta et al., Phys. Rep. 810, 1 (2019)). The cached functions below compute each
result once for the chapter page, the exercise page and the checks.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import numpy as np
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from .. import classification, data, ising
from ..validation import reference_check

# --- comparison with scikit-learn
BINARY_LAMBDA = 1e-2
SOFTMAX_LAMBDA = 1e-3
SKLEARN_TOL = 1e-14

# --- Ridge bias and variance by simulation
RIDGE_N, RIDGE_P = 50, 5
RIDGE_NOISE = 0.5
RIDGE_LAMBDA = 0.05
RIDGE_LAMBDAS = tuple(np.logspace(-3, 1, 9))
RIDGE_REPLICAS = {False: 4000, True: 400}
RIDGE_SEED = 11

# --- Ising phases
ISING_L = {False: 16, True: 8}
ISING_SAMPLES = {False: 200, True: 40}  # configurations per temperature
ORDERED_T = (0.5, 0.75, 1.0, 1.25, 1.5, 1.75)
DISORDERED_T = (2.75, 3.0, 3.25, 3.5, 3.75, 4.0)
CRITICAL_T = (2.0, 2.25, 2.5)
ISING_TEST_SIZE = 0.25
ISING_LAMBDA = 1e-3
ISING_SEED = 2019
ISING_TARGET = {False: 0.97, True: 0.9}  # accuracy of the bond model on each test set


def sklearn_C(n: int, lam: float) -> float:
    """scikit-learn's C for our lambda: C = 1 / (2 n lambda)."""
    return 1.0 / (2.0 * n * lam)


@functools.cache
def binary_data():
    """Standardised breast-cancer features and labels (569 samples, 30 features)."""
    X, y = load_breast_cancer(return_X_y=True)
    return data.scale(X, data.fit_scaler(X)), y


@functools.cache
def multiclass_data():
    """Standardised iris features and labels (150 samples, 4 features, 3 classes)."""
    X, y = load_iris(return_X_y=True)
    return data.scale(X, data.fit_scaler(X)), y


def _sklearn_theta(model: LogisticRegression) -> np.ndarray:
    if model.coef_.shape[0] == 1:
        return np.concatenate([model.intercept_, model.coef_[0]])
    return np.vstack([model.intercept_, model.coef_.T])


@functools.cache
def binary_fits():
    """Our GD and Newton fits and scikit-learn's (lbfgs and newton-cholesky), as theta vectors,
    with each solver's iteration count and wall time."""
    X, y = binary_data()
    C = sklearn_C(len(y), BINARY_LAMBDA)
    out = {}
    with threadpool_limits(limits=1, user_api="blas"):
        for name, fit in (
            ("GD", classification.fit_logistic_gd),
            ("Newton", classification.fit_logistic_newton),
        ):
            t0 = time.perf_counter()
            model = fit(X, y, BINARY_LAMBDA)
            out[name] = (model.theta, model.n_iter, time.perf_counter() - t0)
        for solver in ("lbfgs", "newton-cholesky"):
            t0 = time.perf_counter()
            sk = LogisticRegression(C=C, solver=solver, tol=SKLEARN_TOL, max_iter=100_000).fit(X, y)
            out[f"sklearn {solver}"] = (_sklearn_theta(sk), int(sk.n_iter_[0]), time.perf_counter() - t0)
    return out


@functools.cache
def softmax_fits():
    """Our softmax fits (Newton, GD) and scikit-learn's multinomial lbfgs fit on the iris data.

    The intercepts of softmax regression are defined only up to a common shift; all
    three sets are shown with their mean removed (sum zero)."""
    X, y = multiclass_data()
    C = sklearn_C(len(y), SOFTMAX_LAMBDA)
    out = {}
    with threadpool_limits(limits=1, user_api="blas"):
        for method in ("newton", "gd"):
            model = classification.fit_softmax(
                X, y, SOFTMAX_LAMBDA, method=method, tol=1e-10 if method == "newton" else 1e-9
            )
            theta = model.theta
            theta[0] -= theta[0].mean()  # already zero to rounding; centred like sklearn's below
            out[method] = (theta, model.n_iter)
        sk = LogisticRegression(C=C, tol=SKLEARN_TOL, max_iter=100_000).fit(X, y)
        theta = _sklearn_theta(sk)
        theta[0] -= theta[0].mean()
        out["sklearn lbfgs"] = (theta, int(sk.n_iter_[0]))
    return out


# --------------------------------------------------------------------------- Ridge by simulation


def ridge_setting():
    """The fixed design X (n x p), the true parameters theta* and the noise level."""
    rng = np.random.default_rng(RIDGE_SEED)
    X = rng.standard_normal((RIDGE_N, RIDGE_P))
    theta_true = np.array([2.0, -1.0, 0.5, 1.5, -0.5])
    return X, theta_true, RIDGE_NOISE


def ridge_theory(lam: float):
    r"""Mean and covariance of the Ridge estimator for the fixed design (exact).

    With :math:`\boldsymbol A = \boldsymbol X^T\boldsymbol X + n\lambda\boldsymbol I`:
    :math:`\mathbb E[\hat{\boldsymbol\theta}]
    = \boldsymbol A^{-1}\boldsymbol X^T\boldsymbol X\boldsymbol\theta^*`,
    bias :math:`-n\lambda\boldsymbol A^{-1}\boldsymbol\theta^*`,
    :math:`\operatorname{Cov} = \sigma^2\boldsymbol A^{-1}\boldsymbol X^T\boldsymbol X\boldsymbol A^{-1}`.
    """
    X, theta_true, sigma = ridge_setting()
    n, p = X.shape
    A_inv = np.linalg.inv(X.T @ X + n * lam * np.eye(p))
    bias = -n * lam * A_inv @ theta_true
    cov = sigma**2 * A_inv @ X.T @ X @ A_inv
    return bias, cov


@functools.cache
def ridge_simulation(lam: float, short: bool = False):
    """Ridge estimates from ``RIDGE_REPLICAS`` independent noise draws on the fixed design, (M, p)."""
    X, theta_true, sigma = ridge_setting()
    n, p = X.shape
    M = RIDGE_REPLICAS[short]
    rng = np.random.default_rng([RIDGE_SEED, int(short), int(round(1e6 * lam))])
    Y = (X @ theta_true)[:, None] + sigma * rng.standard_normal((n, M))
    return np.linalg.solve(X.T @ X + n * lam * np.eye(p), X.T @ Y).T


def ridge_bias_estimate(lam: float, short: bool = False):
    """Simulated bias along the predicted bias direction: (value, standard error, formula)."""
    _, theta_true, _ = ridge_setting()
    thetas = ridge_simulation(lam, short)
    bias, _ = ridge_theory(lam)
    u = bias / np.linalg.norm(bias)
    proj = (thetas - theta_true) @ u
    return float(proj.mean()), float(proj.std(ddof=1) / np.sqrt(proj.size)), float(np.linalg.norm(bias))


def ridge_variance_estimate(lam: float, short: bool = False):
    """Simulated total variance sum_j Var(theta_j): (value, standard error, formula)."""
    thetas = ridge_simulation(lam, short)
    M = thetas.shape[0]
    sq = np.sum((thetas - thetas.mean(axis=0)) ** 2, axis=1) * M / (M - 1)
    _, cov = ridge_theory(lam)
    return float(sq.mean()), float(sq.std(ddof=1) / np.sqrt(M)), float(np.trace(cov))


# --------------------------------------------------------------------------- Ising phases


def bond_features(spins: np.ndarray) -> np.ndarray:
    r"""The nearest-neighbour products :math:`s_i s_{i+\hat x}` and :math:`s_i s_{i+\hat y}`, (N, 2L^2).

    They are unchanged when every spin is flipped, and their mean is :math:`-H/(2L^2)`.
    """
    s = spins.astype(float)
    right = s * np.roll(s, -1, axis=-1)
    down = s * np.roll(s, -1, axis=-2)
    return np.concatenate([right.reshape(len(s), -1), down.reshape(len(s), -1)], axis=1)


@dataclass(frozen=True)
class IsingStudy:
    """The Ising data split into sets, the fitted models and their accuracies.

    ``sets`` maps a set name to ``(spins, labels, temperatures)``; ``accuracy`` maps a
    model name to ``{set name: accuracy}``; ``models`` holds the fitted ``LogisticModel``s;
    ``sampling_time`` is the Monte Carlo time in seconds.
    """

    L: int
    sets: dict
    models: dict
    accuracy: dict
    sampling_time: float


FEATURES = {
    "raw spins": lambda s: s.reshape(len(s), -1).astype(float),
    "bond products": bond_features,
    "|m|": lambda s: np.abs(ising.magnetization(s, per_spin=True))[:, None],
}


@functools.cache
def ising_study(short: bool = False) -> IsingStudy:
    """Sample, split and classify Ising configurations (ordered vs disordered)."""
    L, n = ISING_L[short], ISING_SAMPLES[short]
    t0 = time.perf_counter()
    train_pool = ising.sample(L, ORDERED_T + DISORDERED_T, n, seed=ISING_SEED)
    critical = ising.sample(L, CRITICAL_T, n, seed=ISING_SEED + 1)
    sampling_time = time.perf_counter() - t0
    idx = np.arange(len(train_pool.labels))
    tr, te = (
        a.astype(np.int64) for a in data.train_test_split(idx, test_size=ISING_TEST_SIZE, seed=ISING_SEED)
    )
    lab, temps = train_pool.labels, train_pool.temperatures
    sets = {"train": (train_pool.spins[tr], lab[tr], temps[tr])}
    ordered, disordered = te[lab[te] == 1], te[lab[te] == 0]
    sets["test ordered"] = (train_pool.spins[ordered], lab[ordered], temps[ordered])
    sets["test disordered"] = (train_pool.spins[disordered], lab[disordered], temps[disordered])
    sets["near-critical"] = (critical.spins, critical.labels, critical.temperatures)
    models, acc = {}, {}
    with threadpool_limits(limits=1, user_api="blas"):
        for name, features in FEATURES.items():
            s, y, _ = sets["train"]
            model = classification.fit_logistic_newton(features(s), y, ISING_LAMBDA)
            models[name] = model
            acc[name] = {
                set_name: classification.accuracy(y_set, model.predict(features(s_set)))
                for set_name, (s_set, y_set, _) in sets.items()
            }
    return IsingStudy(L=L, sets=sets, models=models, accuracy=acc, sampling_time=sampling_time)


def accuracy_by_temperature(model_name: str, short: bool = False):
    """Test accuracy of one model at every temperature (ordered, disordered and near-critical sets)."""
    study = ising_study(short)
    features = FEATURES[model_name]
    model = study.models[model_name]
    temps, accs = [], []
    for set_name in ("test ordered", "test disordered", "near-critical"):
        s, y, T = study.sets[set_name]
        pred = model.predict(features(s))
        for t in np.unique(T):
            temps.append(float(t))
            accs.append(float(np.mean(pred[T == t] == y[T == t])))
    order = np.argsort(temps)
    return np.array(temps)[order], np.array(accs)[order]


# --------------------------------------------------------------------------- the checks


@reference_check(
    "classification.gd-sklearn",
    chapter="classification",
    description="Logistic regression by gradient descent equals scikit-learn (lbfgs, C = 1/(2 n lambda))",
    reference_source="sklearn.linear_model.LogisticRegression(solver='lbfgs', tol=1e-14)",
    kind="abs",
    tolerance=1e-5,
)
def _gd_sklearn():
    fits = binary_fits()
    return fits["GD"][0], fits["sklearn lbfgs"][0]


@reference_check(
    "classification.newton-sklearn",
    chapter="classification",
    description="Logistic regression by Newton's method (IRLS) equals scikit-learn (lbfgs)",
    reference_source="sklearn.linear_model.LogisticRegression(solver='lbfgs', tol=1e-14)",
    kind="abs",
    tolerance=1e-5,
)
def _newton_sklearn():
    fits = binary_fits()
    return fits["Newton"][0], fits["sklearn lbfgs"][0]


@reference_check(
    "classification.newton-cholesky",
    chapter="classification",
    description="Newton (IRLS) equals scikit-learn's own Newton solver to rounding, breast-cancer data",
    reference_source="sklearn.linear_model.LogisticRegression(solver='newton-cholesky', tol=1e-14)",
    kind="abs",
    tolerance=1e-10,
)
def _newton_cholesky():
    fits = binary_fits()
    return fits["Newton"][0], fits["sklearn newton-cholesky"][0]


@reference_check(
    "classification.softmax-sklearn",
    chapter="classification",
    description="Softmax regression (Newton) equals scikit-learn multinomial (iris, intercepts centred)",
    reference_source="sklearn.linear_model.LogisticRegression (multinomial, lbfgs, tol=1e-14)",
    kind="abs",
    tolerance=1e-5,
)
def _softmax_sklearn():
    fits = softmax_fits()
    return fits["newton"][0], fits["sklearn lbfgs"][0]


@reference_check(
    "classification.ridge-bias",
    chapter="classification",
    description="Simulated Ridge bias (lambda = 0.05) along its direction equals n lambda ||A^-1 theta*||",
    reference_source="exact formula; 4000 noise draws (short: 400)",
    kind="stat",
    k=3.0,
    glued=("cls-ridge-bias-sim",),
)
def _ridge_bias(short: bool):
    return ridge_bias_estimate(RIDGE_LAMBDA, short)


@reference_check(
    "classification.ridge-variance",
    chapter="classification",
    description="Simulated total variance of Ridge (lambda = 0.05) equals sigma^2 tr(A^-1 X^T X A^-1)",
    reference_source="exact formula; 4000 noise draws (short: 400)",
    kind="stat",
    k=3.0,
    glued=("cls-ridge-var-sim",),
)
def _ridge_variance(short: bool):
    return ridge_variance_estimate(RIDGE_LAMBDA, short)


@reference_check(
    "classification.ising-ordered",
    chapter="classification",
    description="Bond-product logistic regression: accuracy on the ordered test set (T < 2)",
    reference_source="target 0.97 (short, L = 8 and 40 samples per T: 0.9)",
    kind="at_least",
    glued=("cls-ising-bond-ordered",),
)
def _ising_ordered(short: bool):
    return ising_study(short).accuracy["bond products"]["test ordered"], ISING_TARGET[short]


@reference_check(
    "classification.ising-disordered",
    chapter="classification",
    description="Bond-product logistic regression: accuracy on the disordered test set (T > 2.5)",
    reference_source="target 0.97 (short, L = 8 and 40 samples per T: 0.9)",
    kind="at_least",
    glued=("cls-ising-bond-disordered",),
)
def _ising_disordered(short: bool):
    return ising_study(short).accuracy["bond products"]["test disordered"], ISING_TARGET[short]
