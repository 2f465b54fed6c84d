"""Reference checks of the chapter "Optimization".

The runs themselves (settings, optimizers, schedules) are in ``physml.studies.optimization``;
each check reads the run the page made (``experiment.current``: the book's settings in the
book, the short ones in the unit tests) and compares it with its reference.
"""

from __future__ import annotations

import numpy as np

from .. import optim
from ..experiment import current
from ..studies import optimization as study
from ..validation import reference_check


def ridge_runs(short: bool = False) -> dict:
    return study.ridge_run(current(study.ridge_run, short))


def sgd_runs(short: bool = False) -> dict:
    return study.sgd_run(current(study.sgd_run, short))


def newton_rosenbrock(short: bool = False):
    return study.newton_run(current(study.newton_run, short))


def torch_runs(short: bool = False) -> dict:
    return study.torch_run(current(study.torch_run, short))


def quasi_newton_runs(short: bool = False) -> dict:
    return study.quasi_newton_run(current(study.quasi_newton_run, short))


def _ridge_minimum() -> np.ndarray:
    return study.ridge().closed_form()


@reference_check(
    "optimization.gd-ridge",
    chapter="optimization",
    description="Gradient descent on the Ridge cost reaches the closed-form minimum",
    reference_source="closed form (X^T X + n lambda I)^{-1} X^T y",
    kind="abs",
    tolerance=1e-10,
    reference_kind="exact",
    tolerance_from="bound",
    why="error shrinks by (1 - 1/kappa) per step, kappa = 23: 6000 steps reach round-off; 1e-10 is rounding",
)
def _gd_ridge(short: bool):
    return ridge_runs(short)["gradient descent"].theta, _ridge_minimum()


@reference_check(
    "optimization.adam-ridge",
    chapter="optimization",
    description="Adam with a cosine schedule on the Ridge cost reaches the closed-form minimum to rounding "
    "level",
    reference_source="closed form (X^T X + n lambda I)^{-1} X^T y",
    kind="abs",
    tolerance=1e-10,
    reference_kind="exact",
    tolerance_from="target",
    why="the claim is that the schedule takes Adam to the rounding floor, kappa eps |theta*| ~ 1e-14 "
    "(kappa = 23), and 1e-10 states it with four decades to spare; no convergence rate of Adam bounds it",
)
def _adam_ridge(short: bool):
    return ridge_runs(short)["Adam, cosine schedule"].theta, _ridge_minimum()


@reference_check(
    "optimization.sgd-ridge",
    chapter="optimization",
    description="Mini-batch SGD with a 1/t schedule ends within 3 times the predicted root-mean-square "
    "distance of the Ridge minimum",
    reference_source="closed form (X^T X + n lambda I)^{-1} X^T y; the expected squared distance from the "
    "noise-floor recursion (eq. opt-noise-floor) through the run's schedule, for batches that partition "
    "a random permutation of the samples (physml.optim.minibatches)",
    kind="at_most",
    reference_kind="exact",
    tolerance_from="sigma",
    why="|e|^2 of a Gaussian error exceeds 9 E|e|^2 with probability <= P(chi2_1 > 9) = 0.3 %, with "
    "E|e|^2 predicted before the run from the schedule, the batches and the per-sample gradients",
)
def _sgd_ridge(short: bool):
    runs = sgd_runs(short)
    decayed = list(runs)[2]  # "SGD, rate eta_0 / (1 + d t)"
    distance = float(np.linalg.norm(runs[decayed].theta - _ridge_minimum()))
    return distance, 3.0 * study.sgd_noise_prediction(current(study.sgd_run, short))


@reference_check(
    "optimization.newton-ridge",
    chapter="optimization",
    description="One Newton step from theta = 0 lands on the Ridge minimum",
    reference_source="closed form (X^T X + n lambda I)^{-1} X^T y",
    kind="abs",
    tolerance=1e-12,
    reference_kind="exact",
    tolerance_from="bound",
    why="a quadratic cost: the Newton step is exact; 1e-12 allows the rounding of a solve with kappa = 23",
)
def _newton_ridge():
    prob = study.ridge()
    result = optim.newton_minimize(prob.gradient, prob.hessian, np.zeros(prob.p), tol=1e-8, max_iter=1)
    return result.path[1], _ridge_minimum()


@reference_check(
    "optimization.newton-rosenbrock",
    chapter="optimization",
    description="Newton's method on the Rosenbrock function reaches the minimum (1, 1) within the distance "
    "its stopping rule allows",
    reference_source="exact minimum (a, a^2) = (1, 1); bound tol / lambda_min(H(1, 1)) from the stopping "
    "rule |grad| < tol",
    kind="at_most",
    reference_kind="exact",
    tolerance_from="bound",
    why="near the minimum |theta - theta*| <= |grad| / lambda_min(H) (lambda_min = 0.399); the Hessian "
    "changes by far less than the 1 % allowed over a distance of 1e-9",
)
def _newton_rosenbrock(short: bool):
    cfg = current(study.newton_run, short)
    lam_min = np.linalg.eigvalsh(optim.rosenbrock_hessian(np.array(study.ROSENBROCK_MINIMUM)))[0]
    distance = float(np.linalg.norm(newton_rosenbrock(short).theta - np.array(study.ROSENBROCK_MINIMUM)))
    return distance, 1.01 * cfg.tol / lam_min


_TORCH_WHY = "the same update in float64 on the same gradients: differences are rounding, far below 1e-10"


@reference_check(
    "optimization.adam-torch",
    chapter="optimization",
    description="physml Adam follows torch.optim.Adam step by step (Rosenbrock, float64)",
    reference_source="torch.optim.Adam with torch autograd gradients",
    kind="abs",
    tolerance=1e-10,
    reference_kind="library",
    tolerance_from="bound",
    why=_TORCH_WHY,
)
def _adam_torch(short: bool):
    return torch_runs(short)["Adam"]


@reference_check(
    "optimization.others-torch",
    chapter="optimization",
    description="physml momentum, Nesterov momentum, AdaGrad, RMSprop follow "
    "torch.optim.SGD/Adagrad/RMSprop step by step (Rosenbrock, float64)",
    reference_source="torch.optim.SGD(momentum, nesterov), Adagrad, RMSprop with torch autograd gradients",
    kind="abs",
    tolerance=1e-10,
    reference_kind="library",
    tolerance_from="bound",
    why=_TORCH_WHY,
)
def _others_torch(short: bool):
    runs = torch_runs(short)
    pairs = [runs[name] for name in ("momentum", "Nesterov", "AdaGrad", "RMSprop")]
    return np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs])


@reference_check(
    "optimization.adamw-torch",
    chapter="optimization",
    description="physml AdamW (decoupled weight decay 0.1) follows torch.optim.AdamW step by step "
    "(Rosenbrock, float64)",
    reference_source="torch.optim.AdamW with torch autograd gradients",
    kind="abs",
    tolerance=1e-10,
    reference_kind="library",
    tolerance_from="bound",
    why=_TORCH_WHY,
)
def _adamw_torch(short: bool):
    return torch_runs(short)["AdamW"]


@reference_check(
    "optimization.quasi-newton-scipy",
    chapter="optimization",
    description="BFGS, L-BFGS and nonlinear CG (strong Wolfe line search) reach the Rosenbrock "
    "minimum where scipy.optimize.minimize's BFGS, L-BFGS-B and CG do (gtol 1e-5)",
    reference_source="scipy.optimize.minimize",
    kind="abs",
    tolerance=7.1e-5,
    reference_kind="library",
    tolerance_from="bound",
    why="near the minimum theta - theta* = H^-1 g: with max|g_j| < gtol each run stops within "
    "sqrt(2) gtol / lambda_min(H) = 3.5e-5 of (1, 1) (lambda_min = 0.399 at the minimum), two runs "
    "within 7.1e-5 of each other",
)
def _quasi_newton_scipy(short: bool):
    runs = quasi_newton_runs(short)["Rosenbrock"]["runs"]
    ours = np.concatenate([r[0].theta for r in runs.values()])
    theirs = np.concatenate([r[1].x for r in runs.values()])
    return ours, theirs


@reference_check(
    "optimization.quasi-newton-logistic",
    chapter="optimization",
    description="BFGS, L-BFGS and nonlinear CG (gtol 1e-6) reach the minimum of the penalised "
    "logistic-regression cost of the classification chapter (31 parameters)",
    reference_source="Newton's method (IRLS) to round-off, physml.classification.fit_logistic_newton",
    kind="abs",
    tolerance=3e-4,
    reference_kind="exact",
    tolerance_from="bound",
    why="for a mu-strongly convex cost ||theta - theta*|| <= ||g|| / mu <= sqrt(p) gtol / mu = "
    "sqrt(31) 1e-6 / 0.0188 = 2.96e-4 (mu: the smallest Hessian eigenvalue at the minimum)",
)
def _quasi_newton_logistic(short: bool):
    problem = quasi_newton_runs(short)["logistic regression"]
    ours = np.concatenate([r[0].theta for r in problem["runs"].values()])
    return ours, np.tile(problem["minimum"], len(problem["runs"]))
