"""Self-check answers for the classification exercises (``exercises/classification.md``)."""

import numpy as np

from .. import classification
from ..selfcheck import answer
from ..studies import classification as study

# Settings of the exercises, shared with the exercise page.
C_LAMBDA = 1e-2  # the lambda of the C-mapping exercise (breast-cancer data)
RIDGE_EXERCISE_LAMBDA = 0.5  # the lambda of the Ridge-variance exercise


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
    "cls-ridge-variance",
    rtol=1e-6,
    hint="Use Cov = sigma^2 A^-1 X^T X A^-1 with A = X^T X + n lambda I (n = 50, not 1), "
    "and add up its diagonal.",
)
def _ridge_variance():
    _, cov = study.ridge_theory(RIDGE_EXERCISE_LAMBDA)  # the book's fixed design
    return float(np.trace(cov))


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
