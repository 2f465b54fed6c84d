"""Self-check answers for the classification exercises (``exercises/classification.md``)."""

import functools

import numpy as np

from .. import classification, ising
from ..selfcheck import answer
from ..studies import classification as study

# Settings of the exercises, shared with the exercise page.
C_LAMBDA = 1e-2  # the lambda of the C-mapping exercise (breast-cancer data)


@answer(
    "cls-sklearn-C",
    rtol=1e-9,
    hint="Multiply the book's cost (1/n) sum_i l_i + lambda ||w||^2 by a constant so that the "
    "penalty becomes (1/2) ||w||^2; the factor in front of sum_i l_i is then C. n is the number "
    "of samples in the fit.",
)
def _sklearn_C():
    _, y = study.binary_data()
    return 1.0 / (2.0 * len(y) * C_LAMBDA)


@answer(
    "cls-abs-m-critical",
    rtol=1e-9,
    hint="Fit on the chapter's training set with the single feature |m| = |M| / L^2 "
    "(ising.magnetization(spins, per_spin=True)), lambda = study.IsingRun().lam, and score "
    "the 'near-critical' set with classification.accuracy.",
)
def _abs_m_critical():
    cfg = study.IsingRun()  # the book's run
    res = study.ising_run(cfg)
    s, y, _ = res.sets["train"]
    feature = study.FEATURES["|m|"]
    model = classification.fit_logistic_newton(feature(s), y, cfg.lam)
    s_c, y_c, _ = res.sets["near-critical"]
    return classification.accuracy(y_c, model.predict(feature(s_c)))


@answer(
    "cls-separable-weight",
    rtol=1e-6,
    hint="Both points give the term ln(1 + e^-w); set the derivative of (1/2) * 2 ln(1 + e^-w) + lambda w^2 "
    "to "
    "zero, sigma(-w) = 2 lambda w, and solve it numerically (scipy.optimize.brentq) for lambda = 0.01.",
)
def _separable_weight():
    from scipy.optimize import brentq

    lam = SEPARABLE_LAMBDA
    return float(brentq(lambda w: classification.sigmoid(-w) - 2 * lam * w, 0.0, 1.0 / lam))


SEPARABLE_LAMBDA = 0.01  # the penalty of the separable-data exercise
PRIOR_PI, PRIOR_PI_TRAIN = 0.05, 0.5  # signal fractions of the prior-correction exercise


@answer(
    "cls-prior-shift",
    rtol=1e-9,
    hint="Bayes: the logit is ln[p(x|s)/p(x|b)] + ln[pi/(1-pi)]; the likelihood ratio does not depend on the "
    "fractions, so the shift is the difference of the two prior log-odds (real minus training).",
)
def _prior_shift():
    def log_odds(p):
        return np.log(p / (1 - p))

    return float(log_odds(PRIOR_PI) - log_odds(PRIOR_PI_TRAIN))


# project: does a phase classifier find T_c? Training windows, test grid and samples (L = 12)
PROJECT_L = 12
PROJECT_ORDERED = (1.0, 1.6)
PROJECT_DISORDERED = {"A": (3.0, 3.6), "B": (4.0, 4.6)}
PROJECT_TEST_T = tuple(round(1.9 + 0.1 * i, 2) for i in range(11))  # 1.9 ... 2.9
PROJECT_SAMPLES = 40  # configurations per temperature
PROJECT_SEED = 2017
PROJECT_LAMBDA = 1e-3


@functools.cache
def project_samples():
    """Training and test configurations of the project (``ising.IsingSamples``; seeded, deterministic)."""
    windows = [PROJECT_ORDERED, *PROJECT_DISORDERED.values()]
    train_T = np.array([t for window in windows for t in window])
    train = ising.sample(PROJECT_L, train_T, PROJECT_SAMPLES, seed=PROJECT_SEED)
    test = ising.sample(PROJECT_L, np.array(PROJECT_TEST_T), PROJECT_SAMPLES, seed=PROJECT_SEED + 1)
    return train, test


def half_crossing(temperatures, p) -> float:
    """Temperature where the mean probability ``p`` first falls through 1/2 (linear interpolation)."""
    temperatures, p = np.asarray(temperatures, dtype=float), np.asarray(p, dtype=float)
    i = int(np.flatnonzero((p[:-1] >= 0.5) & (p[1:] < 0.5))[0])
    return float(temperatures[i] + (p[i] - 0.5) / (p[i] - p[i + 1]) * (temperatures[i + 1] - temperatures[i]))


def project_crossing(window: str = "A", feature: str = "|m|", lam: float = PROJECT_LAMBDA) -> float:
    """Crossing of 1/2 of logistic regression on ``feature`` ("|m|" or "E/N"), trained on the ordered
    window and the disordered window ``window``."""
    train, test = project_samples()
    lo, hi = PROJECT_DISORDERED[window]
    T = train.temperatures
    keep = (T <= PROJECT_ORDERED[1]) | ((T >= lo) & (T <= hi))
    f = _project_feature(feature)
    labels = (T[keep] <= PROJECT_ORDERED[1]).astype(int)
    model = classification.fit_logistic_newton(f(train.spins[keep]), labels, lam)
    p = classification.predict_proba(model, f(test.spins)).reshape(len(PROJECT_TEST_T), -1).mean(axis=1)
    return half_crossing(PROJECT_TEST_T, p)


def _project_feature(name: str):
    if name == "|m|":
        return lambda s: np.abs(ising.magnetization(s, per_spin=True))[:, None]
    return lambda s: study.bond_features(s).mean(axis=1, keepdims=True)  # minus the energy per bond


@answer(
    "cls-project-crossing",
    rtol=0.0,
    atol=1e-3,
    hint="Feature |m| per spin (ising.magnetization(spins, per_spin=True)); train classification."
    "fit_logistic_newton with lambda = PROJECT_LAMBDA on the ordered window and window A (label 1 for "
    "T <= 1.6); average the predicted probability over the test configurations at each test temperature and "
    "interpolate linearly where it falls through 1/2.",
)
def _project_crossing():
    return project_crossing("A", "|m|")
