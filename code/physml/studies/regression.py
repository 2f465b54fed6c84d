r"""The runs of the regression chapter, with their settings in view.

The chapter's data set is Franke's function sampled at random points of the unit square
with Gaussian noise (:class:`FrankeData`: its settings are shared by every run below, as
fields of its settings class). The polynomial features are built from the inputs mapped
to [-1, 1] (:func:`franke_design`), and every fit learns its scaler and intercept from its
own training data (``physml.regression.fit_linear``).

* :func:`conditioning_run`: condition numbers and the accuracy of three OLS solvers,
  degree by degree, on the raw monomials;
* :func:`degree_run`: training and test error, the bootstrap's bias and variance and the
  cross-validation error of OLS, degree by degree;
* :func:`path_run`: Ridge and Lasso coefficient paths, and the coordinate-descent sweeps
  the Lasso needs with raw and with centred inputs;
* :func:`lambda_run`: the cross-validation error of Ridge and Lasso along a grid of lambdas;
* :func:`sklearn_run`: our OLS, Ridge, Lasso and cross-validation next to scikit-learn's;
* :func:`bootstrap_variance_run`: the bootstrap variance of OLS predictions on data whose
  model is known, against the exact
  :math:`\sigma^2\boldsymbol x^T(\boldsymbol X^T\boldsymbol X)^{-1}\boldsymbol x`;
* :func:`ridge_run`: the bias and variance of Ridge on a fixed Gaussian design, simulated
  over many noise draws and computed from the exact formulas.
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
from ..experiment import Settings, setting, study


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


# --------------------------------------------------------------------------- the data


class FrankeData(Settings):
    """The chapter's data: Franke's function at random points with noise, split once."""

    n_samples: int = setting(300, low=10, doc="points drawn uniformly in the unit square")
    noise: float = setting(0.1, low=0, doc="standard deviation sigma of the Gaussian noise")
    test_size: float = setting(0.2, low=0.05, high=0.5, doc="fraction of the points kept for testing")
    seed: int = setting(2026, low=0, doc="seed of the points, the noise, the split and the resamples")


def franke_design(x, y, degree: int) -> np.ndarray:
    """Polynomial features of total degree ``degree`` in ``u = 2x - 1``, ``v = 2y - 1`` (no column of ones).

    Mapping the unit square onto [-1, 1]^2 (a fixed map, known before any data are
    seen) makes the monomials far less correlated than on [0, 1]^2.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    return regression.polynomial_design_matrix(2 * x - 1, 2 * y - 1, degree, intercept=False)


def _data_key(cfg: FrankeData | None) -> tuple:
    cfg = FrankeData() if cfg is None else cfg
    if not isinstance(cfg, FrankeData):
        raise TypeError(f"cfg must be a FrankeData (or a run's settings), got {type(cfg).__name__}")
    return cfg.n_samples, cfg.noise, cfg.test_size, cfg.seed


@functools.cache
def _split(n_samples: int, noise: float, test_size: float, seed: int):
    x, y, z = data.franke_samples(n_samples, noise, seed=seed)
    return tuple(data.train_test_split(x, y, z, test_size=test_size, seed=seed))


def franke_split(cfg: FrankeData | None = None):
    """The data of ``cfg`` (default: the book's): ``x_train, x_test, y_train, y_test, z_train, z_test``."""
    return _split(*_data_key(cfg))


@functools.cache
def _matrices(degree: int, key: tuple):
    x_tr, x_te, y_tr, y_te, z_tr, z_te = _split(*key)
    return franke_design(x_tr, y_tr, degree), franke_design(x_te, y_te, degree), z_tr, z_te


def franke_matrices(degree: int, cfg: FrankeData | None = None):
    """Design matrices and targets ``X_train, X_test, z_train, z_test`` at one degree (data of ``cfg``)."""
    return _matrices(int(degree), _data_key(cfg))


def scaled_train(degree: int, cfg: FrankeData | None = None):
    """Training and test features standardised with the training scaler, and the targets."""
    X_tr, X_te, z_tr, z_te = franke_matrices(degree, cfg)
    scaler = data.fit_scaler(X_tr)
    return data.scale(X_tr, scaler), data.scale(X_te, scaler), z_tr, z_te


# --------------------------------------------------------------------------- conditioning


class ConditioningRun(FrankeData):
    """Settings of the conditioning study (all the points, no split; milliseconds)."""

    max_degree: int = setting(15, low=1, doc="largest polynomial degree")

    SHORT = {}


@study("regression", ConditioningRun)
@_one_blas_thread
def conditioning_run(cfg: ConditioningRun):
    """Condition numbers kappa(X^T X) = kappa(X)^2 and the accuracy of three OLS solvers, degree by degree.

    For the raw monomials on [0, 1]^2 (with a column of ones) we build a noiseless
    problem with known parameters ``theta* = (1, ..., 1)`` and record the relative
    error of the normal equations, the SVD and the pseudo-inverse.
    """
    x, y, _ = data.franke_samples(cfg.n_samples, cfg.noise, seed=cfg.seed)
    degrees = np.arange(1, cfg.max_degree + 1)
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


# --------------------------------------------------------------------------- error against degree


class DegreeRun(FrankeData):
    """Settings of the degree study: train/test split, bootstrap and cross-validation of OLS."""

    max_degree: int = setting(12, low=1, doc="degrees 1, ..., max_degree")
    n_bootstraps: int = setting(100, low=2, doc="bootstrap resamples B per degree")
    k_folds: int = setting(5, low=2, doc="folds of the cross-validation")

    SHORT = {}


@study("regression", DegreeRun)
@_one_blas_thread
def degree_run(cfg: DegreeRun) -> dict[str, np.ndarray]:
    """OLS degree by degree: training and test MSE on the split, the bootstrap's error, bias^2
    and variance on the test set, and the k-fold CV MSE on the training set.

    ``bias2`` and ``error`` are measured against the noisy test targets, ``bias2_true``
    against the noiseless Franke function. Resample ``b`` of degree ``d`` uses the seed
    ``seed + d``; the folds use ``seed``.
    """
    _, x_te, _, y_te, _, _ = franke_split(cfg)
    f_test = data.franke(x_te, y_te)
    degrees = np.arange(1, cfg.max_degree + 1)
    keys = ("train_mse", "test_mse", "error", "bias2", "variance", "bias2_true", "cv")
    out = {k: [] for k in keys}
    for d in degrees:
        X_tr, X_te, z_tr, z_te = franke_matrices(int(d), cfg)
        model = regression.fit_linear(X_tr, z_tr, method="ols")
        out["train_mse"].append(regression.mse(z_tr, model.predict(X_tr)))
        out["test_mse"].append(regression.mse(z_te, model.predict(X_te)))
        predictions = resampling.bootstrap(
            regression.fit_linear, X_tr, z_tr, X_te, cfg.n_bootstraps, seed=cfg.seed + int(d)
        )
        noisy = resampling.bias_variance(predictions, z_te)
        out["error"].append(noisy.error)
        out["bias2"].append(noisy.bias2)
        out["variance"].append(noisy.variance)
        out["bias2_true"].append(resampling.bias_variance(predictions, f_test).bias2)
        out["cv"].append(
            resampling.cross_validate(regression.fit_linear, X_tr, z_tr, k=cfg.k_folds, seed=cfg.seed).mean()
        )
    return {"degrees": degrees, **{k: np.array(v) for k, v in out.items()}}


# --------------------------------------------------------------------------- Ridge and Lasso paths


class PathRun(FrankeData):
    """Settings of the coefficient paths and of the sweep count of the Lasso."""

    degree: int = setting(5, low=1, doc="polynomial degree of the model")
    n_lambdas: int = setting(30, low=2, doc="lambdas of the paths, from the Lasso's lambda_max down")
    lam_min: float = setting(1e-5, low=1e-12, doc="smallest lambda of the paths")
    tol: float = setting(1e-8, low=1e-15, doc="coordinate descent stops when no slope changes more")
    lam_sweeps: float = setting(1e-3, low=1e-12, doc="lambda at which the sweeps are counted")

    SHORT = {"n_lambdas": 8, "tol": 1e-6}  # no check reads the paths: a quick run for the unit tests


@study("regression", PathRun)
@_one_blas_thread
def path_run(cfg: PathRun) -> dict:
    """Ridge and Lasso slopes along a lambda grid from the Lasso's lambda_max down (standardised
    features), and the coordinate-descent sweeps the Lasso needs with raw and with centred inputs.

    The Lasso path is computed from large to small lambda, each fit warm-started at the
    previous solution. Returns ``lambdas``, ``ridge`` and ``lasso`` (lambdas x features) and
    ``sweeps`` (``{"raw": n, "centred": n}``; both designs standardised with the training
    scaler, only the inputs of the monomials differ: ``x, y`` in [0, 1] or ``u, v`` in [-1, 1]).
    """
    X_s, _, z_tr, _ = scaled_train(cfg.degree, cfg)
    zc = z_tr - z_tr.mean()
    lam_max = regression.lasso_lambda_max(X_s, zc)
    lambdas = np.logspace(np.log10(lam_max), np.log10(cfg.lam_min), cfg.n_lambdas)
    ridge = np.array([regression.ridge_fit(X_s, zc, lam) for lam in lambdas])
    lasso, theta = [], None
    for lam in lambdas:
        theta = regression.lasso_fit(X_s, zc, lam, tol=cfg.tol, theta0=theta)
        lasso.append(theta)
    x_tr, _, y_tr, _, _, _ = franke_split(cfg)
    designs = {
        "raw": regression.polynomial_design_matrix(x_tr, y_tr, cfg.degree, intercept=False),
        "centred": franke_design(x_tr, y_tr, cfg.degree),
    }
    sweeps = {}
    for name, X in designs.items():
        X_d = data.scale(X, data.fit_scaler(X))
        _, sweeps[name] = regression.lasso_fit(X_d, zc, cfg.lam_sweeps, tol=cfg.tol, return_n_sweeps=True)
    return {"lambdas": lambdas, "ridge": ridge, "lasso": np.array(lasso), "sweeps": sweeps}


# --------------------------------------------------------------------------- cross-validated lambda


class LambdaRun(FrankeData):
    """Settings of the cross-validation of Ridge and Lasso along a grid of lambdas."""

    degree: int = setting(5, low=1, doc="degree of the Ridge and Lasso models")
    high_degree: int = setting(10, low=1, doc="degree of the second, overfitting Ridge model")
    log10_lambda_min: float = setting(-6.0, doc="smallest lambda of the grid, 10^this")
    log10_lambda_max: float = setting(0.0, doc="largest lambda of the grid, 10^this")
    n_lambdas: int = setting(13, low=2, doc="lambdas of the grid, spaced geometrically")
    k_folds: int = setting(5, low=2, doc="folds of the cross-validation")
    lasso_tol: float = setting(1e-7, low=1e-15, doc="coordinate-descent tolerance of the Lasso fits")

    SHORT = {"n_lambdas": 4}  # no check reads these curves: a quick run for the unit tests


def _cv_lambda_curve(cfg: LambdaRun, method: str, degree: int, lambdas: np.ndarray) -> np.ndarray:
    X_tr, _, z_tr, _ = franke_matrices(degree, cfg)
    options = {"tol": cfg.lasso_tol} if method == "lasso" else {}
    scores = []
    for lam in lambdas:
        fit = functools.partial(regression.fit_linear, method=method, lam=float(lam), **options)
        scores.append(resampling.cross_validate(fit, X_tr, z_tr, k=cfg.k_folds, seed=cfg.seed).mean())
    return np.array(scores)


@study("regression", LambdaRun)
@_one_blas_thread
def lambda_run(cfg: LambdaRun) -> dict[str, np.ndarray]:
    """Mean k-fold CV MSE on the training set for each lambda: Ridge and Lasso at ``degree``,
    Ridge at ``high_degree``. The folds use ``seed``."""
    lambdas = np.logspace(cfg.log10_lambda_min, cfg.log10_lambda_max, cfg.n_lambdas)
    return {
        "lambdas": lambdas,
        "ridge": _cv_lambda_curve(cfg, "ridge", cfg.degree, lambdas),
        "lasso": _cv_lambda_curve(cfg, "lasso", cfg.degree, lambdas),
        "ridge_high": _cv_lambda_curve(cfg, "ridge", cfg.high_degree, lambdas),
    }


# --------------------------------------------------------------------------- scikit-learn


class SklearnRun(FrankeData):
    """Settings of the side-by-side comparison with scikit-learn."""

    degree: int = setting(5, low=1, doc="polynomial degree of the compared models")
    lam: float = setting(1e-3, low=1e-12, doc="lambda of Ridge and Lasso")
    lasso_tol: float = setting(1e-10, low=1e-15, doc="coordinate-descent tolerance of our Lasso")
    k_folds: int = setting(5, low=2, doc="folds of the compared cross-validation (degree-`degree` OLS)")

    SHORT = {}


@study("regression", SklearnRun)
@_one_blas_thread
def sklearn_run(cfg: SklearnRun) -> dict:
    """Our OLS, Ridge and Lasso fits next to scikit-learn's on the same standardised features.

    Scikit-learn fits its own intercept (``fit_intercept=True``), ours is
    ``physml.regression.fit_linear``'s. Parameters: Ridge ``alpha = n * lambda``, Lasso
    ``alpha = lambda / 2``. Returns ``name -> (ours (intercept, slopes...), sklearn's, our test
    MSE, sklearn's test MSE)`` for OLS, Ridge and Lasso, and ``"CV"`` -> (our fold MSEs,
    ``cross_val_score``'s on the same folds) for scaled OLS on the unscaled training features.
    """
    X_s, X_s_test, z_tr, z_te = scaled_train(cfg.degree, cfg)
    n = X_s.shape[0]
    ours = {
        "OLS": regression.fit_linear(X_s, z_tr, method="ols"),
        "Ridge": regression.fit_linear(X_s, z_tr, method="ridge", lam=cfg.lam),
        "Lasso": regression.fit_linear(X_s, z_tr, method="lasso", lam=cfg.lam, tol=cfg.lasso_tol),
    }
    theirs = {
        "OLS": LinearRegression(),
        "Ridge": Ridge(alpha=n * cfg.lam),
        "Lasso": Lasso(alpha=cfg.lam / 2, tol=1e-14, max_iter=1_000_000),
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
    X_tr, _, _, _ = franke_matrices(cfg.degree, cfg)
    folds = resampling.kfold_indices(len(z_tr), cfg.k_folds, seed=cfg.seed)
    pipeline = make_pipeline(StandardScaler(), LinearRegression())
    out["CV"] = (
        resampling.cross_validate(regression.fit_linear, X_tr, z_tr, k=cfg.k_folds, seed=cfg.seed),
        -cross_val_score(pipeline, X_tr, z_tr, cv=folds, scoring="neg_mean_squared_error"),
    )
    return out


# --------------------------------------------------------------------------- bootstrap variance


class BootstrapVarianceRun(Settings):
    """Settings of the bootstrap-variance experiment: a polynomial model that contains the truth."""

    n_train: int = setting(5_000, low=50, doc="training points, uniform in the unit square")
    degree: int = setting(3, low=1, doc="degree of the true polynomial and of the OLS model")
    noise: float = setting(0.1, low=1e-6, doc="known noise sigma")
    n_bootstraps: int = setting(200, low=10, doc="bootstrap resamples B")
    n_test: int = setting(20, low=1, doc="test points at which the variance is compared")
    seed: int = setting(2026, low=0, doc="seed of points, true polynomial, noise and resamples")

    SHORT = {}


@study("regression", BootstrapVarianceRun)
@_one_blas_thread
def bootstrap_variance_run(cfg: BootstrapVarianceRun) -> dict:
    r"""The chapter's bootstrap on data whose model is known, against the exact OLS variance.

    The targets are a random polynomial of degree ``degree`` (in ``u, v``) plus Gaussian
    noise of the known ``noise`` :math:`\sigma`, so the OLS model of the same degree is
    right and, for a fixed design :math:`\boldsymbol X_1 = [\boldsymbol 1, \boldsymbol X]`,
    the variance of its prediction at a point :math:`\boldsymbol x_1` is
    :math:`V = \sigma^2\boldsymbol x_1^T(\boldsymbol X_1^T\boldsymbol X_1)^{-1}\boldsymbol x_1`.
    ``resampling.bootstrap`` gives :math:`B` predictions :math:`p_{bj}` at each test point;
    their variance :math:`V^*_j` estimates :math:`V_j`.

    Returns ``ratio`` (the mean over test points of :math:`V^*_j/V_j`), its standard error
    ``sigma`` and the per-point ``bootstrap`` and ``exact`` variances. ``sigma`` combines
    the bootstrap's own sampling error (:math:`q_b = \frac1m\sum_j (p_{bj}-\bar p_j)^2/V_j`
    has mean ``ratio``: the standard deviation of the :math:`q_b` over :math:`\sqrt B`) and
    the scatter that the one noise draw of the training set leaves in the resampled
    residuals (for Gaussian noise :math:`\sqrt{2\sum_i w_{ij}^2}/\sum_i w_{ij}` with
    :math:`w_{ij} = (\boldsymbol x_{1i}^T(\boldsymbol X_1^T\boldsymbol X_1)^{-1}\boldsymbol x_{1j})^2`,
    averaged over the test points), both fixed by the design before the run.
    """
    rng = np.random.default_rng(cfg.seed)
    x, y = rng.uniform(0.0, 1.0, (2, cfg.n_train))
    x_test, y_test = rng.uniform(0.0, 1.0, (2, cfg.n_test))
    X, X_test = franke_design(x, y, cfg.degree), franke_design(x_test, y_test, cfg.degree)
    theta = rng.standard_normal(X.shape[1] + 1)
    z = theta[0] + X @ theta[1:] + cfg.noise * rng.standard_normal(cfg.n_train)
    predictions = resampling.bootstrap(regression.fit_linear, X, z, X_test, cfg.n_bootstraps, seed=rng)
    X1 = np.column_stack([np.ones(cfg.n_train), X])
    X1_test = np.column_stack([np.ones(cfg.n_test), X_test])
    G = np.linalg.solve(X1.T @ X1, X1_test.T)  # (X_1^T X_1)^{-1} x_1j, one column per test point
    exact = cfg.noise**2 * np.einsum("jk,kj->j", X1_test, G)
    bootstrap = predictions.var(axis=0, ddof=1)
    B = cfg.n_bootstraps
    q = np.mean((predictions - predictions.mean(axis=0)) ** 2 / exact, axis=1) * B / (B - 1)
    w = (X1 @ G) ** 2
    train_scatter = float(np.mean(np.sqrt(2 * np.sum(w**2, axis=0)) / np.sum(w, axis=0)))
    return {
        "ratio": float(q.mean()),
        "sigma": float(np.sqrt(q.var(ddof=1) / B + train_scatter**2)),
        "sigma_bootstrap": float(q.std(ddof=1) / np.sqrt(B)),
        "sigma_train": train_scatter,
        "bootstrap": bootstrap,
        "exact": exact,
        "p": X1.shape[1],
    }


# --------------------------------------------------------------------------- uncertainty of OLS


class CoverageRun(Settings):
    """Settings of the coverage study: many noise draws on one fixed design with a known truth;
    the OLS confidence intervals, the spread of the estimates against sigma^2 (X^T X)^{-1}, and
    Gauss-Markov's comparison with another linear unbiased estimator."""

    n: int = setting(40, low=3, doc="data points of the fixed design (x uniform in [-1, 1])")
    degree: int = setting(3, low=1, doc="polynomial degree of the true model and of the fit")
    noise: float = setting(0.5, low=0, doc="standard deviation sigma of the Gaussian noise")
    level: float = setting(0.95, low=0, high=1, doc="confidence level of the intervals")
    n_repeats: int = setting(4000, low=2, doc="noise draws")
    seed: int = setting(2026, low=0, doc="seed of the design, the truth and the noise")

    SHORT = {"n_repeats": 1000}


@study("regression", CoverageRun)
@_one_blas_thread
def coverage_run(cfg: CoverageRun) -> dict:
    """Repeated OLS fits on one design: coverage of the intervals of every coefficient, the sample
    covariance of the estimates against sigma^2 (X^T X)^{-1}, and the variance of the slope from
    OLS and from a competing linear unbiased estimator (OLS on a random half of the points,
    A y with A X = I as well)."""
    rng = np.random.default_rng(cfg.seed)
    x = rng.uniform(-1.0, 1.0, cfg.n)
    X = np.vander(x, cfg.degree + 1, increasing=True)
    theta_true = rng.normal(0.0, 1.0, cfg.degree + 1)
    half = np.sort(rng.choice(cfg.n, size=max(cfg.degree + 2, cfg.n // 2), replace=False))
    A_half = np.zeros((cfg.degree + 1, cfg.n))
    A_half[:, half] = np.linalg.pinv(X[half])
    estimates, covered, half_estimates = [], [], []
    for _ in range(cfg.n_repeats):
        y = X @ theta_true + cfg.noise * rng.standard_normal(cfg.n)
        ci = regression.ols_confidence(X, y, cfg.level)
        estimates.append(ci.theta)
        covered.append((ci.lower <= theta_true) & (theta_true <= ci.upper))
        half_estimates.append(A_half @ y)
    estimates = np.array(estimates)
    return {
        "X": X,
        "theta_true": theta_true,
        "estimates": estimates,
        "covered": np.array(covered),
        "cov_exact": cfg.noise**2 * np.linalg.inv(X.T @ X),
        "cov_sample": np.cov(estimates.T),
        "half_estimates": np.array(half_estimates),
        "cov_half_exact": cfg.noise**2 * A_half @ A_half.T,
    }


# --------------------------------------------------------------------------- Ising couplings


class IsingCouplingRun(Settings):
    """Settings of Mehta et al.'s coupling problem: learn the couplings J_ij of a periodic 1D
    Ising chain from (configuration, energy) pairs with OLS, Ridge and Lasso."""

    L: int = setting(30, low=3, doc="spins in the chain (L^2 couplings to learn)")
    n_train: int = setting(300, low=2, doc="training configurations (uniformly random spins)")
    n_test: int = setting(1000, low=2, doc="test configurations")
    lam_min: float = setting(1e-3, low=0, doc="smallest lambda of the sweep")
    lam_max: float = setting(1e2, low=0, doc="largest lambda of the sweep")
    n_lambdas: int = setting(6, low=2, doc="lambdas, log-spaced")
    lam_show: float = setting(
        1e-2, low=0, doc="lambda of the coupling matrices shown and of the seed comparison"
    )
    n_seeds: int = setting(3, low=1, doc="data sets (seeds) of the comparison at lam_show")
    seed: int = setting(2026, low=0, doc="seed of the first data set")

    SHORT = {"L": 16, "n_train": 80, "n_test": 300, "n_lambdas": 3}


def _coupling_data(cfg: IsingCouplingRun, seed: int):
    rng = np.random.default_rng(seed)

    def sample(n):
        s = rng.choice([-1.0, 1.0], size=(n, cfg.L))
        return regression.pair_features(s), regression.ising_chain_energies(s)

    return sample(cfg.n_train), sample(cfg.n_test)


@study("regression", IsingCouplingRun)
@_one_blas_thread
def ising_coupling_run(cfg: IsingCouplingRun) -> dict:
    """R^2 on training and test configurations for OLS (minimum norm), Ridge and Lasso over a sweep
    of lambda (first data set), the fitted coupling matrices at ``lam_show``, and the test R^2 of
    the three at ``lam_show`` on ``n_seeds`` independent data sets."""
    (X_tr, E_tr), (X_te, E_te) = _coupling_data(cfg, cfg.seed)
    lambdas = np.geomspace(cfg.lam_min, cfg.lam_max, cfg.n_lambdas)
    ols = np.linalg.pinv(X_tr) @ E_tr  # the minimum-norm least-squares solution
    r2 = {"OLS": [], "Ridge": [], "Lasso": []}
    lasso = {}
    theta = None
    for lam in lambdas[::-1]:  # from large to small lambda, each Lasso fit warm-started at the last
        theta = regression.lasso_fit(X_tr, E_tr, lam, tol=1e-8, theta0=theta)
        lasso[lam] = theta
    for lam in lambdas:
        fits = {"OLS": ols, "Ridge": regression.ridge_fit(X_tr, E_tr, lam), "Lasso": lasso[lam]}
        for name, fitted in fits.items():
            r2[name].append((regression.r2(E_tr, X_tr @ fitted), regression.r2(E_te, X_te @ fitted)))
    seeds = {"OLS": [], "Ridge": [], "Lasso": []}
    shown = None
    for k in range(cfg.n_seeds):
        (Xs, Es), (Xt, Et) = (X_tr, E_tr), (X_te, E_te)
        if k:
            (Xs, Es), (Xt, Et) = _coupling_data(cfg, cfg.seed + k)
        fits = {
            "OLS": np.linalg.pinv(Xs) @ Es,
            "Ridge": regression.ridge_fit(Xs, Es, cfg.lam_show),
            "Lasso": regression.lasso_fit(Xs, Es, cfg.lam_show, tol=1e-8),
        }
        for name, fitted in fits.items():
            seeds[name].append(regression.r2(Et, Xt @ fitted))
        if k == 0:
            shown = fits
    return {
        "lambdas": lambdas,
        "r2": {k: np.array(v) for k, v in r2.items()},
        "J": {k: v.reshape(cfg.L, cfg.L) for k, v in shown.items()},
        "seed_r2": {k: np.array(v) for k, v in seeds.items()},
        "rank": int(np.linalg.matrix_rank(X_tr)),
        "distinct_features": cfg.L * (cfg.L - 1) // 2 + 1,
    }


# --------------------------------------------------------------------------- Ridge by simulation


class RidgeRun(Settings):
    """Settings of the Ridge simulation: a fixed Gaussian design, many noise draws."""

    n: int = setting(50, low=2, doc="samples n of the fixed design")
    theta_true: tuple[float, ...] = setting((2.0, -1.0, 0.5, 1.5, -0.5), doc="true parameters theta*")
    noise: float = setting(0.5, low=1e-12, doc="noise sigma")
    lam: float = setting(0.05, low=1e-12, doc="lambda of the two checks")
    log10_lambda_min: float = setting(-3.0, doc="smallest lambda of the figure, 10^this")
    log10_lambda_max: float = setting(1.0, doc="largest lambda of the figure, 10^this")
    n_lambdas: int = setting(9, low=1, doc="lambdas of the figure")
    replicas: int = setting(4000, low=2, doc="noise draws M per lambda")
    seed: int = setting(11, low=0, doc="seed of the design and of the noise")

    SHORT = {"replicas": 400}

    def validate(self):
        if not self.theta_true:
            raise ValueError("RidgeRun.theta_true must hold at least one parameter")


def ridge_setting(cfg: RidgeRun | None = None):
    """The fixed design X (n x p, p = len(theta_true)), the true parameters theta* and the noise."""
    cfg = RidgeRun() if cfg is None else cfg
    rng = np.random.default_rng(cfg.seed)
    X = rng.standard_normal((cfg.n, len(cfg.theta_true)))
    return X, np.array(cfg.theta_true), cfg.noise


def ridge_theory(lam: float, cfg: RidgeRun | None = None):
    r"""Mean and covariance of the Ridge estimator for the fixed design (exact).

    With :math:`\boldsymbol A = \boldsymbol X^T\boldsymbol X + n\lambda\boldsymbol I`:
    :math:`\mathbb E[\hat{\boldsymbol\theta}]
    = \boldsymbol A^{-1}\boldsymbol X^T\boldsymbol X\boldsymbol\theta^*`,
    bias :math:`-n\lambda\boldsymbol A^{-1}\boldsymbol\theta^*`,
    :math:`\operatorname{Cov} = \sigma^2\boldsymbol A^{-1}\boldsymbol X^T\boldsymbol X\boldsymbol A^{-1}`.
    """
    X, theta_true, sigma = ridge_setting(cfg)
    n, p = X.shape
    A_inv = np.linalg.inv(X.T @ X + n * lam * np.eye(p))
    bias = -n * lam * A_inv @ theta_true
    cov = sigma**2 * A_inv @ X.T @ X @ A_inv
    return bias, cov


def ridge_simulation(cfg: RidgeRun, lam: float) -> np.ndarray:
    """Ridge estimates from ``cfg.replicas`` independent noise draws on the fixed design, (M, p).

    Each lambda has its own stream of draws, ``default_rng([seed, 0, round(1e6 lambda)])``.
    """
    X, theta_true, sigma = ridge_setting(cfg)
    n, p = X.shape
    rng = np.random.default_rng([cfg.seed, 0, int(round(1e6 * lam))])
    Y = (X @ theta_true)[:, None] + sigma * rng.standard_normal((n, cfg.replicas))
    return np.linalg.solve(X.T @ X + n * lam * np.eye(p), X.T @ Y).T


def ridge_bias_estimate(cfg: RidgeRun, thetas: np.ndarray, lam: float):
    """Simulated bias along the predicted bias direction: (value, standard error, formula)."""
    _, theta_true, _ = ridge_setting(cfg)
    bias, _ = ridge_theory(lam, cfg)
    u = bias / np.linalg.norm(bias)
    proj = (thetas - theta_true) @ u
    return float(proj.mean()), float(proj.std(ddof=1) / np.sqrt(proj.size)), float(np.linalg.norm(bias))


def ridge_variance_estimate(cfg: RidgeRun, thetas: np.ndarray, lam: float):
    """Simulated total variance sum_j Var(theta_j): (value, standard error, formula)."""
    M = thetas.shape[0]
    sq = np.sum((thetas - thetas.mean(axis=0)) ** 2, axis=1) * M / (M - 1)
    _, cov = ridge_theory(lam, cfg)
    return float(sq.mean()), float(sq.std(ddof=1) / np.sqrt(M)), float(np.trace(cov))


@study("regression", RidgeRun)
def ridge_run(cfg: RidgeRun) -> dict:
    r"""Squared bias and total variance of Ridge along a lambda grid, simulated and exact, and
    the bias along its predicted direction and the total variance at ``cfg.lam`` with their
    standard errors (``bias``, ``variance``: (value, standard error, formula))."""
    _, theta_true, _ = ridge_setting(cfg)
    lambdas = np.logspace(cfg.log10_lambda_min, cfg.log10_lambda_max, cfg.n_lambdas)
    out = {k: [] for k in ("bias2_theory", "var_theory", "bias2_sim", "var_sim")}
    for lam in lambdas:
        bias, cov = ridge_theory(lam, cfg)
        thetas = ridge_simulation(cfg, lam)
        out["bias2_theory"].append(bias @ bias)
        out["var_theory"].append(np.trace(cov))
        out["bias2_sim"].append(np.sum((thetas.mean(axis=0) - theta_true) ** 2))
        out["var_sim"].append(np.sum(thetas.var(axis=0, ddof=1)))
    thetas = ridge_simulation(cfg, cfg.lam)
    return {
        "lambdas": lambdas,
        **{k: np.array(v) for k, v in out.items()},
        "bias": ridge_bias_estimate(cfg, thetas, cfg.lam),
        "variance": ridge_variance_estimate(cfg, thetas, cfg.lam),
    }
