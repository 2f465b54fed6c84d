r"""The runs of the classification chapter, with their settings in view.

* :func:`binary_run`: logistic regression of scikit-learn's breast-cancer data
  (standardised) by our gradient descent and Newton (IRLS) and by two of scikit-learn's
  solvers, with :math:`C = 1/(2n\lambda)`;
* :func:`softmax_run`: softmax regression of the iris data by our Newton and gradient
  descent and by scikit-learn's multinomial fit;
* :func:`ising_run`: ordered against disordered 2D Ising configurations from
  ``physml.ising.sample``, classified with three sets of features (after Mehta et al.,
  Phys. Rep. 810, 1 (2019)).
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
from ..experiment import Settings, setting, study


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


# --------------------------------------------------------------------------- logistic regression


class BinaryRun(Settings):
    """Settings of the logistic-regression fits of the breast-cancer data (deterministic)."""

    lam: float = setting(1e-2, low=1e-12, doc="penalty lambda of the weights (C = 1/(2 n lambda))")
    sklearn_tol: float = setting(1e-14, low=0, doc="tolerance of scikit-learn's solvers")

    SHORT = {}
    VARIANT = {"lam": 2e-2}


@study("classification", BinaryRun)
def binary_run(cfg: BinaryRun) -> dict:
    """Our GD and Newton fits and scikit-learn's (lbfgs and newton-cholesky): ``name -> (theta,
    iterations, seconds)``; ``"models"`` holds our two fitted models (with their cost histories)."""
    X, y = binary_data()
    C = sklearn_C(len(y), cfg.lam)
    out, models = {}, {}
    with threadpool_limits(limits=1, user_api="blas"):
        for name, fit in (
            ("GD", classification.fit_logistic_gd),
            ("Newton", classification.fit_logistic_newton),
        ):
            t0 = time.perf_counter()
            model = fit(X, y, cfg.lam)
            out[name] = (model.theta, model.n_iter, time.perf_counter() - t0)
            models[name] = model
        for solver in ("lbfgs", "newton-cholesky"):
            t0 = time.perf_counter()
            sk = LogisticRegression(C=C, solver=solver, tol=cfg.sklearn_tol, max_iter=100_000).fit(X, y)
            out[f"sklearn {solver}"] = (_sklearn_theta(sk), int(sk.n_iter_[0]), time.perf_counter() - t0)
    out["models"] = models
    return out


class SoftmaxRun(Settings):
    """Settings of the softmax fits of the iris data (deterministic)."""

    lam: float = setting(1e-3, low=1e-12, doc="penalty lambda of the weights")
    newton_tol: float = setting(1e-10, low=0, doc="Newton stops when the gradient is this small")
    gd_tol: float = setting(1e-9, low=0, doc="gradient descent stops when the gradient is this small")
    sklearn_tol: float = setting(1e-14, low=0, doc="tolerance of scikit-learn's lbfgs")

    SHORT = {}
    VARIANT = {"lam": 2e-3}


@study("classification", SoftmaxRun)
def softmax_run(cfg: SoftmaxRun) -> dict:
    """Our softmax fits (Newton, GD) and scikit-learn's multinomial lbfgs fit on the iris data:
    ``name -> (Theta, iterations)``.

    The intercepts of softmax regression are defined only up to a common shift; all
    three sets are shown with their mean removed (sum zero)."""
    X, y = multiclass_data()
    C = sklearn_C(len(y), cfg.lam)
    out = {}
    with threadpool_limits(limits=1, user_api="blas"):
        for method, tol in (("newton", cfg.newton_tol), ("gd", cfg.gd_tol)):
            model = classification.fit_softmax(X, y, cfg.lam, method=method, tol=tol)
            theta = model.theta
            theta[0] -= theta[0].mean()  # already zero to rounding; centred like sklearn's below
            out[method] = (theta, model.n_iter)
        sk = LogisticRegression(C=C, tol=cfg.sklearn_tol, max_iter=100_000).fit(X, y)
        theta = _sklearn_theta(sk)
        theta[0] -= theta[0].mean()
        out["sklearn lbfgs"] = (theta, int(sk.n_iter_[0]))
    return out


# --------------------------------------------------------------------------- Ising phases


def bond_features(spins: np.ndarray) -> np.ndarray:
    r"""The nearest-neighbour products :math:`s_i s_{i+\hat x}` and :math:`s_i s_{i+\hat y}`, (N, 2L^2).

    They are unchanged when every spin is flipped, and their mean is :math:`-H/(2L^2)`.
    """
    s = spins.astype(float)
    right = s * np.roll(s, -1, axis=-1)
    down = s * np.roll(s, -1, axis=-2)
    return np.concatenate([right.reshape(len(s), -1), down.reshape(len(s), -1)], axis=1)


FEATURES = {
    "raw spins": lambda s: s.reshape(len(s), -1).astype(float),
    "bond products": bond_features,
    "|m|": lambda s: np.abs(ising.magnetization(s, per_spin=True))[:, None],
}


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


class IsingRun(Settings):
    """Settings of the Ising classification (the book's run; ``SHORT`` is what the unit tests run)."""

    L: int = setting(16, low=2, doc="linear lattice size, L x L spins")
    samples: int = setting(200, low=4, doc="configurations per temperature")
    ordered_T: tuple[float, ...] = setting(
        (0.5, 0.75, 1.0, 1.25, 1.5, 1.75), doc="training temperatures, T < T_c"
    )
    disordered_T: tuple[float, ...] = setting(
        (2.75, 3.0, 3.25, 3.5, 3.75, 4.0), doc="training temperatures, T > T_c"
    )
    critical_T: tuple[float, ...] = setting(
        (2.0, 2.25, 2.5), doc="near-critical temperatures, never trained on"
    )
    test_size: float = setting(0.25, low=0.05, high=0.5, doc="fraction of the training pool kept for testing")
    lam: float = setting(1e-3, low=1e-12, doc="penalty lambda of every fit")
    seed: int = setting(2019, low=0, doc="seed of the Monte Carlo chains and of the split")

    SHORT = {"L": 8, "samples": 40}

    def validate(self):
        if not (self.ordered_T and self.disordered_T and self.critical_T):
            raise ValueError("IsingRun.ordered_T, disordered_T and critical_T must not be empty")


@study("classification", IsingRun)
def ising_run(cfg: IsingRun) -> IsingStudy:
    """Sample, split and classify Ising configurations (ordered vs disordered)."""
    t0 = time.perf_counter()
    train_pool = ising.sample(cfg.L, cfg.ordered_T + cfg.disordered_T, cfg.samples, seed=cfg.seed)
    critical = ising.sample(cfg.L, cfg.critical_T, cfg.samples, seed=cfg.seed + 1)
    sampling_time = time.perf_counter() - t0
    idx = np.arange(len(train_pool.labels))
    tr, te = (a.astype(np.int64) for a in data.train_test_split(idx, test_size=cfg.test_size, seed=cfg.seed))
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
            model = classification.fit_logistic_newton(features(s), y, cfg.lam)
            models[name] = model
            acc[name] = {
                set_name: classification.accuracy(y_set, model.predict(features(s_set)))
                for set_name, (s_set, y_set, _) in sets.items()
            }
    return IsingStudy(L=cfg.L, sets=sets, models=models, accuracy=acc, sampling_time=sampling_time)


def accuracy_by_temperature(result: IsingStudy, model_name: str):
    """Test accuracy of one model of an Ising run at every temperature (test and near-critical sets)."""
    features = FEATURES[model_name]
    model = result.models[model_name]
    temps, accs = [], []
    for set_name in ("test ordered", "test disordered", "near-critical"):
        s, y, T = result.sets[set_name]
        pred = model.predict(features(s))
        for t in np.unique(T):
            temps.append(float(t))
            accs.append(float(np.mean(pred[T == t] == y[T == t])))
    order = np.argsort(temps)
    return np.array(temps)[order], np.array(accs)[order]


# --------------------------------------------------------------------------- signal and background


class SignalRun(Settings):
    """Settings of the signal-against-background study: two Gaussian classes with a common
    covariance in two features, a small signal fraction, logistic regression fitted by Newton's
    method; ROC, AUC, calibration, and training on a balanced sample with the prior corrected."""

    signal_fraction: float = setting(0.05, low=0, high=1, doc="fraction of signal in the data")
    separation: float = setting(2.0, low=0, doc="Mahalanobis distance Delta between the class means")
    n_train: int = setting(4000, low=10, doc="training events")
    n_test: int = setting(40_000, low=10, doc="test events")
    n_bins: int = setting(10, low=1, doc="bins of the calibration table")
    seed: int = setting(2026, low=0, doc="seed of the events")

    SHORT = {"n_train": 2000, "n_test": 10_000}


#: covariance of the two features in both classes (correlated, unequal widths)
SIGNAL_COV = np.array([[1.0, 0.5], [0.5, 2.0]])


def signal_events(cfg: SignalRun, n: int, rng, fraction: float | None = None):
    """``n`` events with labels (1 = signal), the signal mean displaced by ``cfg.separation``
    Mahalanobis units along a fixed direction."""
    fraction = cfg.signal_fraction if fraction is None else fraction
    y = (rng.random(n) < fraction).astype(float)
    direction = np.array([1.0, 1.0])
    shift = cfg.separation * direction / np.sqrt(direction @ np.linalg.solve(SIGNAL_COV, direction))
    L = np.linalg.cholesky(SIGNAL_COV)
    X = rng.standard_normal((n, 2)) @ L.T + np.outer(y, shift)
    return X, y


@study("classification", SignalRun)
def signal_run(cfg: SignalRun) -> dict:
    """Logistic regression on imbalanced signal and background: scores, ROC and calibration on the
    test set; the same model trained on a balanced sample, with and without the prior correction
    of its logit, ln[pi/(1-pi)] - ln[pi_train/(1-pi_train)]."""
    from scipy.stats import norm

    rng = np.random.default_rng(cfg.seed)
    X_tr, y_tr = signal_events(cfg, cfg.n_train, rng)
    X_te, y_te = signal_events(cfg, cfg.n_test, rng)
    X_bal, y_bal = signal_events(cfg, cfg.n_train, rng, fraction=0.5)
    model = classification.fit_logistic_newton(X_tr, y_tr)
    balanced = classification.fit_logistic_newton(X_bal, y_bal)
    p = classification.predict_proba(model, X_te)
    p_bal = classification.predict_proba(balanced, X_te)
    pi = cfg.signal_fraction
    logit = np.log(p_bal / (1 - p_bal)) + np.log(pi / (1 - pi))  # balanced training prior: ln(1) = 0
    p_corrected = 1 / (1 + np.exp(-logit))
    return {
        "y": y_te,
        "p": p,
        "p_balanced": p_bal,
        "p_corrected": p_corrected,
        "auc_optimal": float(norm.cdf(cfg.separation / np.sqrt(2))),
        "calibration": {
            name: classification.calibration_table(y_te, q, cfg.n_bins)
            for name, q in (
                ("trained on the data", p),
                ("balanced training", p_bal),
                ("prior corrected", p_corrected),
            )
        },
    }


def auc_standard_error(a: float, n_pos: int, n_neg: int) -> float:
    """Hanley and McNeil's (1982) standard error of an AUC estimated from n_pos and n_neg samples."""
    q1, q2 = a / (2 - a), 2 * a**2 / (1 + a)
    return float(
        np.sqrt((a * (1 - a) + (n_pos - 1) * (q1 - a**2) + (n_neg - 1) * (q2 - a**2)) / (n_pos * n_neg))
    )


def calibration_chi2(table) -> tuple[float, int]:
    """chi^2 of observed against predicted fractions over the bins (binomial errors), and the bins."""
    mean_p, observed, error, _ = table
    keep = error > 0
    return float(np.sum(((observed[keep] - mean_p[keep]) / error[keep]) ** 2)), int(keep.sum())


class SeparableRun(Settings):
    """Settings of logistic regression by gradient descent on linearly separable data."""

    n: int = setting(40, low=2, doc="points (half per class, separated by a gap)")
    steps: int = setting(10_000, low=10, doc="gradient-descent steps (recorded on a log grid)")
    seed: int = setting(2026, low=0, doc="seed of the points")


@study("classification", SeparableRun)
def separable_run(cfg: SeparableRun) -> dict:
    """Gradient descent on the unpenalised cross-entropy of separable data: the weight norm and the
    cost after 10, 100, ... steps (the maximum-likelihood estimate does not exist)."""
    rng = np.random.default_rng(cfg.seed)
    y = np.r_[np.zeros(cfg.n // 2), np.ones(cfg.n - cfg.n // 2)]
    x = np.where(y == 1, rng.uniform(0.5, 2.0, cfg.n), rng.uniform(-2.0, -0.5, cfg.n)).reshape(-1, 1)
    X1 = np.column_stack([np.ones(cfg.n), x])
    theta = np.zeros(2)
    eta = 1.0
    marks = np.unique(np.geomspace(10, cfg.steps, 4).astype(int))
    norms, costs = [], []
    for k in range(1, cfg.steps + 1):
        theta -= eta * classification.binary_gradient(theta, x, y)
        if k in marks:
            norms.append(float(np.linalg.norm(theta)))
            costs.append(classification.binary_cross_entropy(theta, x, y))
    return {"steps": marks, "norm": np.array(norms), "cost": np.array(costs), "X1": X1}
