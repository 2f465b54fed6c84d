"""Reference checks of the classification chapter.

The runs (settings, data, fits, simulations, Monte Carlo) are in
``physml.studies.classification``; each check reads the run the page made
(``experiment.current``: the book's settings in the book, the short ones in the unit tests)
and compares it with its reference.
"""

from __future__ import annotations

import numpy as np

from .. import classification
from ..experiment import current
from ..studies import classification as study
from ..validation import reference_check


def binary_study(short: bool = False) -> dict:
    return study.binary_run(current(study.binary_run, short))


def softmax_study(short: bool = False) -> dict:
    return study.softmax_run(current(study.softmax_run, short))


def ising_study(short: bool = False) -> study.IsingStudy:
    return study.ising_run(current(study.ising_run, short))


def distance_bound(theta_a, theta_b, short: bool) -> float:
    """Bound on |theta_a - theta_b| from the gradients at both points: for a cost whose Hessian has
    smallest eigenvalue mu near the minimum, ||theta - theta*|| <= ||grad C(theta)|| / mu, so the two
    points lie within (||g_a|| + ||g_b||) / mu of each other."""
    X, y = study.binary_data()
    lam = current(study.binary_run, short).lam
    g = [np.linalg.norm(classification.binary_gradient(t, X, y, lam)) for t in (theta_a, theta_b)]
    mu = np.linalg.eigvalsh(classification.binary_hessian(theta_b, X, y, lam))[0]
    return float((g[0] + g[1]) / mu)


@reference_check(
    "classification.gd-sklearn",
    chapter="classification",
    description="Logistic regression by gradient descent equals scikit-learn (lbfgs, C = 1/(2 n lambda)) "
    "within the distance that both stopping points allow",
    reference_source="sklearn.linear_model.LogisticRegression(solver='lbfgs', tol=1e-14); the bound "
    "(|g_GD| + |g_sklearn|) / mu from the gradients left at both stops and the smallest Hessian eigenvalue",
    kind="at_most",
    reference_kind="library",
    tolerance_from="bound",
    why="strong convexity: a point with gradient g lies within |g| / mu of the minimum; both stop early",
)
def _gd_sklearn(short: bool):
    fits = binary_study(short)
    a, b = fits["GD"][0], fits["sklearn lbfgs"][0]
    return float(np.linalg.norm(a - b)), distance_bound(a, b, short)


@reference_check(
    "classification.newton-sklearn",
    chapter="classification",
    description="Logistic regression by Newton's method (IRLS) equals scikit-learn (lbfgs) within the "
    "distance that both stopping points allow",
    reference_source="sklearn.linear_model.LogisticRegression(solver='lbfgs', tol=1e-14); the bound "
    "(|g_Newton| + |g_sklearn|) / mu",
    kind="at_most",
    reference_kind="library",
    tolerance_from="bound",
    why="strong convexity: a point with gradient g lies within |g| / mu of the minimum",
)
def _newton_sklearn(short: bool):
    fits = binary_study(short)
    a, b = fits["Newton"][0], fits["sklearn lbfgs"][0]
    return float(np.linalg.norm(a - b)), distance_bound(a, b, short)


@reference_check(
    "classification.newton-cholesky",
    chapter="classification",
    description="Newton (IRLS) equals scikit-learn's own Newton solver to rounding, breast-cancer data",
    reference_source="sklearn.linear_model.LogisticRegression(solver='newton-cholesky', tol=1e-14)",
    kind="abs",
    tolerance=1e-10,
    reference_kind="library",
    tolerance_from="bound",
    why="both Newton iterations converge quadratically to one minimum: rounding ~ kappa(H) eps, kappa ~ 15",
)
def _newton_cholesky(short: bool):
    fits = binary_study(short)
    return fits["Newton"][0], fits["sklearn newton-cholesky"][0]


def softmax_distance_bound(theta_a, theta_b, short: bool) -> float:
    """Bound on |Theta_a - Theta_b| (intercepts centred on both sides) from the gradients at both points.

    The softmax cost is flat along the common shift of the intercepts and strongly convex across it:
    with mu the smallest eigenvalue of the Hessian restricted to the complement of that direction,
    two points of the complement lie within (||g_a|| + ||g_b||) / mu of each other."""
    X, y = study.multiclass_data()
    lam = current(study.softmax_run, short).lam
    g = [np.linalg.norm(classification.softmax_gradient(t, X, y, lam)) for t in (theta_a, theta_b)]
    H = classification.softmax_hessian(theta_b, X, lam)
    q, K = np.shape(theta_b)
    shift = np.zeros(q * K)
    shift[::q] = 1.0 / np.sqrt(K)  # flattened class by class: the intercept of class k sits at k q
    basis = np.linalg.svd(np.eye(q * K) - np.outer(shift, shift))[0][:, : q * K - 1]
    mu = np.linalg.eigvalsh(basis.T @ H @ basis)[0]
    return float((g[0] + g[1]) / mu)


@reference_check(
    "classification.softmax-sklearn",
    chapter="classification",
    description="Softmax regression (Newton) equals scikit-learn multinomial (iris, intercepts centred) "
    "within the distance that both stopping points allow",
    reference_source="sklearn.linear_model.LogisticRegression (multinomial, lbfgs, tol=1e-14); the bound "
    "(|g_Newton| + |g_sklearn|) / mu, mu the smallest Hessian eigenvalue across the intercept shift",
    kind="at_most",
    reference_kind="library",
    tolerance_from="bound",
    why="strong convexity across the flat shift of the intercepts: a point with gradient g lies within "
    "|g| / mu of the minimum; L-BFGS stops on a relative decrease of the cost",
)
def _softmax_sklearn(short: bool):
    fits = softmax_study(short)
    a, b = fits["newton"][0], fits["sklearn lbfgs"][0]
    return float(np.linalg.norm(a - b)), softmax_distance_bound(a, b, short)


def energy_threshold_floor(short: bool, set_name: str) -> tuple[float, float]:
    """Accuracy of the bond-product model on one test set, and the floor set by the energy threshold.

    The baseline is logistic regression on the single feature E / N (the mean bond product), fitted to
    the same training set with the same lambda: a threshold on the energy. The floor is its accuracy
    minus 3 sigma of the paired difference, sigma = sqrt(d) / n for d configurations (of n) on which
    the two models disagree (McNemar)."""
    run = ising_study(short)
    lam = current(study.ising_run, short).lam
    energy = lambda spins: study.bond_features(spins).mean(axis=1, keepdims=True)  # noqa: E731
    s_tr, y_tr, _ = run.sets["train"]
    baseline = classification.fit_logistic_newton(energy(s_tr), y_tr, lam)
    s, y, _ = run.sets[set_name]
    pred_bond = run.models["bond products"].predict(study.bond_features(s))
    pred_energy = baseline.predict(energy(s))
    sigma = np.sqrt(np.sum(pred_bond != pred_energy)) / len(y)
    return classification.accuracy(y, pred_bond), classification.accuracy(y, pred_energy) - 3 * sigma


_ISING_OPTIONS = dict(
    chapter="classification",
    reference_source="logistic regression on the energy per spin alone (same training set and lambda), "
    "minus 3 sigma of the paired difference (McNemar, from the configurations where the two disagree)",
    kind="at_least",
    reference_kind="baseline",
    tolerance_from="sigma",
    why="far from T_c the bond products carry the energy, and a threshold on the energy is the baseline "
    "they must match; 3 sigma of the paired binomial difference, fixed before the run",
)


@reference_check(
    "classification.ising-ordered",
    description="Bond-product logistic regression on the ordered test set (T <= 1.75) does as well as a "
    "threshold on the energy",
    glued=("cls-ising-bond-ordered",),
    **_ISING_OPTIONS,
)
def _ising_ordered(short: bool):
    return energy_threshold_floor(short, "test ordered")


@reference_check(
    "classification.ising-disordered",
    description="Bond-product logistic regression on the disordered test set (T >= 2.75) does as well as a "
    "threshold on the energy",
    glued=("cls-ising-bond-disordered",),
    **_ISING_OPTIONS,
)
def _ising_disordered(short: bool):
    return energy_threshold_floor(short, "test disordered")


@reference_check(
    "classification.ising-critical",
    description="Near T_c (T = 2.0-2.5, never trained on) bond-product logistic regression does as well as "
    "a threshold on the energy: the informative accuracy of the Ising classifiers",
    glued=("cls-ising-bond-critical",),
    **_ISING_OPTIONS,
)
def _ising_critical(short: bool):
    return energy_threshold_floor(short, "near-critical")


def signal_study(short: bool = False) -> dict:
    return study.signal_run(current(study.signal_run, short))


@reference_check(
    "classification.signal-auc-optimal",
    chapter="classification",
    description="Logistic regression on imbalanced signal/background reaches the AUC of the Bayes-optimal "
    "(likelihood-ratio) classifier, Phi(Delta / sqrt 2) for Gaussian classes with a common covariance",
    reference_source="exact AUC of the Neyman-Pearson optimal score; sigma from Hanley and McNeil (1982)",
    kind="stat",
    k=3.0,
    systematic=0.002,
    reference_kind="exact",
    tolerance_from="bound",
    why="3 sigma of the test AUC plus 0.002 for the fitted, not exact, direction (an estimation loss of "
    "order p / n_signal = 3 / 200 times the AUC's curvature, well below 0.002)",
    glued=("cls-auc",),
)
def _signal_auc(short: bool):
    run = signal_study(short)
    y = run["y"]
    value = classification.auc(y, run["p"])
    sigma = study.auc_standard_error(run["auc_optimal"], int(y.sum()), int(len(y) - y.sum()))
    return value, sigma, run["auc_optimal"]


@reference_check(
    "classification.auc-sklearn",
    chapter="classification",
    description="The AUC by the trapezoid rule over the ROC curve equals sklearn.metrics.roc_auc_score",
    reference_source="sklearn.metrics.roc_auc_score",
    kind="abs",
    tolerance=1e-12,
    reference_kind="library",
    tolerance_from="bound",
    why="the same sum of trapezoids (or the Mann-Whitney count) in float64 over 4e4 samples",
)
def _auc_sklearn(short: bool):
    from sklearn.metrics import roc_auc_score

    run = signal_study(short)
    return classification.auc(run["y"], run["p"]), float(roc_auc_score(run["y"], run["p"]))


@reference_check(
    "classification.calibration-in-the-large",
    chapter="classification",
    description="The mean predicted probability of the model trained on the data equals the test set's "
    "signal fraction",
    reference_source="observed test fraction; sigma = sqrt(pi (1 - pi) (1/n_train + 1/n_test)): the model's "
    "intercept carries the training sample's fraction",
    kind="stat",
    k=3.0,
    reference_kind="exact",
    tolerance_from="sigma",
    why="binomial fluctuations of the training and test fractions, 3 sigma; no allowance",
)
def _calibration_large(short: bool):
    run = signal_study(short)
    cfg = current(study.signal_run, short)
    pi = cfg.signal_fraction
    sigma = np.sqrt(pi * (1 - pi) * (1 / cfg.n_train + 1 / cfg.n_test))
    return float(run["p"].mean()), float(sigma), float(run["y"].mean())


@reference_check(
    "classification.prior-correction",
    chapter="classification",
    description="A model trained on a balanced sample is calibrated again after the prior correction of "
    "its logit: chi^2 per bin of the calibration table",
    reference_source="chi^2 / bins = 1 for calibrated probabilities; sigma = sqrt(2 / bins)",
    kind="stat",
    k=3.0,
    reference_kind="exact",
    tolerance_from="sigma",
    why="a chi-squared with as many degrees of freedom as bins has mean 1 per bin and sd sqrt(2 / bins); "
    "3 sigma",
    glued=("cls-chi2-corrected",),
)
def _prior_correction(short: bool):
    run = signal_study(short)
    chi2, bins = study.calibration_chi2(run["calibration"]["prior corrected"])
    return chi2 / bins, float(np.sqrt(2 / bins)), 1.0
