"""Reference checks of the chapter "Optimization", and the runs the chapter and its checks share.

The expensive runs are computed once (``functools.cache``) and used both by the page
and by the checks, so the numbers in the text are the numbers that were checked.
"""

from __future__ import annotations

import functools

import numpy as np

from .. import optim, quasi_newton
from ..validation import reference_check

ROSENBROCK_START = (-1.2, 1.0)
ROSENBROCK_MINIMUM = (1.0, 1.0)


@functools.cache
def ridge() -> optim.RidgeProblem:
    """The chapter's convex test problem: Ridge regression on generated data."""
    return optim.make_ridge_problem(n_samples=500, n_features=5, lam=0.01, noise=0.5, seed=2026)


def ridge_lambda_max() -> float:
    """Largest eigenvalue of the (constant) Hessian of the Ridge cost."""
    return float(np.linalg.eigvalsh(ridge().hessian()).max())


RIDGE_STEPS = 6000


def ridge_optimizers() -> dict[str, tuple[optim.Optimizer, optim.Schedule | None]]:
    """Optimizers (and schedules) compared on the Ridge cost; learning rates picked by hand."""
    eta_gd = 1.0 / ridge_lambda_max()
    return {
        "gradient descent": (optim.GradientDescent(eta_gd), None),
        "momentum": (optim.Momentum(eta_gd, momentum=0.5), None),
        "AdaGrad": (optim.AdaGrad(0.5), None),
        "RMSprop": (optim.RMSprop(0.01), None),
        "RMSprop, exponential decay": (optim.RMSprop(0.01), optim.ExponentialDecay(0.01, gamma=0.995)),
        "Adam": (optim.Adam(0.05), None),
        "Adam, cosine schedule": (optim.Adam(0.05), optim.CosineDecay(0.05, RIDGE_STEPS)),
    }


@functools.cache
def ridge_runs() -> dict[str, optim.OptimizationResult]:
    """Full-gradient runs of every optimizer on the Ridge cost, all started at theta = 0."""
    prob = ridge()
    theta0 = np.zeros(prob.p)
    return {
        name: optim.minimize(prob.gradient, theta0, opt, RIDGE_STEPS, schedule=schedule)
        for name, (opt, schedule) in ridge_optimizers().items()
    }


SGD_EPOCHS = 200
SGD_BATCH = 16


@functools.cache
def ridge_sgd_runs() -> dict[str, optim.OptimizationResult]:
    """Mini-batch SGD on the Ridge cost, compared with full-batch gradient descent, per epoch."""
    prob = ridge()
    theta0 = np.zeros(prob.p)
    n, epochs = prob.n, SGD_EPOCHS
    return {
        "gradient descent (1 step per epoch)": optim.sgd(
            prob.gradient, theta0, n, optim.GradientDescent(1.0 / ridge_lambda_max()), n, epochs, seed=1
        ),
        "SGD, constant rate 0.1": optim.sgd(
            prob.gradient, theta0, n, optim.GradientDescent(0.1), SGD_BATCH, epochs, seed=1, cost_fn=prob.cost
        ),
        "SGD, rate 0.1 / (1 + 0.1 t)": optim.sgd(
            prob.gradient,
            theta0,
            n,
            optim.GradientDescent(0.1),
            SGD_BATCH,
            epochs,
            seed=1,
            cost_fn=prob.cost,
            schedule=optim.InverseTimeDecay(0.1, decay=0.1),
        ),
    }


@functools.cache
def newton_rosenbrock() -> optim.OptimizationResult:
    """Newton's method on the Rosenbrock function from the classic start (-1.2, 1)."""
    return optim.newton_minimize(
        optim.rosenbrock_gradient,
        optim.rosenbrock_hessian,
        ROSENBROCK_START,
        tol=1e-10,
        max_iter=50,
        cost_fn=optim.rosenbrock,
    )


ROSENBROCK_STEPS = 10000


def rosenbrock_optimizers() -> dict[str, tuple[optim.Optimizer, optim.Schedule | None]]:
    """First-order optimizers on the Rosenbrock function (learning rates picked by hand)."""
    return {
        "gradient descent": (optim.GradientDescent(1.5e-3), None),
        "momentum": (optim.Momentum(1e-3, momentum=0.9), None),
        "AdaGrad": (optim.AdaGrad(0.5), None),
        "RMSprop": (optim.RMSprop(1e-3), None),
        "Adam": (optim.Adam(0.02), None),
        "Adam, cosine schedule": (optim.Adam(0.02), optim.CosineDecay(0.02, ROSENBROCK_STEPS)),
    }


@functools.cache
def rosenbrock_runs() -> dict[str, optim.OptimizationResult]:
    """Every first-order optimizer on the Rosenbrock function for ``ROSENBROCK_STEPS`` steps."""
    return {
        name: optim.minimize(
            optim.rosenbrock_gradient,
            ROSENBROCK_START,
            opt,
            ROSENBROCK_STEPS,
            schedule=schedule,
        )
        for name, (opt, schedule) in rosenbrock_optimizers().items()
    }


def torch_path(name: str, n_steps: int, **hyper) -> np.ndarray:
    """Path of ``torch.optim.<name>`` on the Rosenbrock function (float64, gradients by torch autograd)."""
    import torch

    theta = torch.tensor(ROSENBROCK_START, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, name)([theta], **hyper)
    path = [theta.detach().numpy().copy()]
    for _ in range(n_steps):
        opt.zero_grad()
        x, y = theta[0], theta[1]
        loss = (1 - x) ** 2 + 100 * (y - x**2) ** 2
        loss.backward()
        opt.step()
        path.append(theta.detach().numpy().copy())
    return np.array(path)


TORCH_STEPS = 200

# (physml optimizer, torch.optim class name, torch keyword arguments)
TORCH_PAIRS = {
    "Adam": (
        lambda: optim.Adam(0.02, beta1=0.8, beta2=0.99, eps=1e-6),
        "Adam",
        {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6},
    ),
    "RMSprop": (lambda: optim.RMSprop(1e-3, rho=0.9), "RMSprop", {"lr": 1e-3, "alpha": 0.9}),
    "AdaGrad": (lambda: optim.AdaGrad(0.1), "Adagrad", {"lr": 0.1}),
    "momentum": (lambda: optim.Momentum(1e-3, momentum=0.9), "SGD", {"lr": 1e-3, "momentum": 0.9}),
    "Nesterov": (
        lambda: optim.Momentum(1e-3, momentum=0.9, nesterov=True),
        "SGD",
        {"lr": 1e-3, "momentum": 0.9, "nesterov": True},
    ),
    "AdamW": (
        lambda: optim.AdamW(0.02, beta1=0.8, beta2=0.99, eps=1e-6, weight_decay=0.1),
        "AdamW",
        {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1},
    ),
}


def physml_vs_torch(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Paths of the physml optimizer and its torch counterpart over ``TORCH_STEPS`` Rosenbrock steps."""
    make, torch_name, kwargs = TORCH_PAIRS[name]
    ours = optim.minimize(optim.rosenbrock_gradient, ROSENBROCK_START, make(), TORCH_STEPS).path
    return ours, torch_path(torch_name, TORCH_STEPS, **kwargs)


@reference_check(
    "optimization.gd-ridge",
    chapter="optimization",
    description="Gradient descent on the Ridge cost reaches the closed-form minimum",
    reference_source="closed form (X^T X + n lambda I)^{-1} X^T y",
    kind="abs",
    tolerance=1e-10,
)
def _gd_ridge():
    return ridge_runs()["gradient descent"].theta, ridge().closed_form()


@reference_check(
    "optimization.adam-ridge",
    chapter="optimization",
    description="Adam with a cosine schedule (6000 steps) on the Ridge cost reaches the closed-form minimum",
    reference_source="closed form (X^T X + n lambda I)^{-1} X^T y",
    kind="abs",
    tolerance=1e-10,
)
def _adam_ridge():
    return ridge_runs()["Adam, cosine schedule"].theta, ridge().closed_form()


@reference_check(
    "optimization.sgd-ridge",
    chapter="optimization",
    description="Mini-batch SGD with a 1/t schedule (200 epochs) gets within 2e-2 of the Ridge minimum",
    reference_source="closed form (X^T X + n lambda I)^{-1} X^T y",
    kind="abs",
    tolerance=2e-2,
)
def _sgd_ridge():
    return ridge_sgd_runs()["SGD, rate 0.1 / (1 + 0.1 t)"].theta, ridge().closed_form()


@reference_check(
    "optimization.newton-ridge",
    chapter="optimization",
    description="One Newton step from theta = 0 lands on the Ridge minimum",
    reference_source="closed form (X^T X + n lambda I)^{-1} X^T y",
    kind="abs",
    tolerance=1e-12,
)
def _newton_ridge():
    prob = ridge()
    result = optim.newton_minimize(prob.gradient, prob.hessian, np.zeros(prob.p), tol=1e-8, max_iter=1)
    return result.path[1], prob.closed_form()


@reference_check(
    "optimization.newton-rosenbrock",
    chapter="optimization",
    description="Newton's method on the Rosenbrock function reaches the minimum (1, 1)",
    reference_source="exact minimum (a, a^2) = (1, 1)",
    kind="abs",
    tolerance=1e-12,
)
def _newton_rosenbrock():
    return newton_rosenbrock().theta, np.array(ROSENBROCK_MINIMUM)


@reference_check(
    "optimization.adam-torch",
    chapter="optimization",
    description="physml Adam follows torch.optim.Adam step by step (200 Rosenbrock steps, float64)",
    reference_source="torch.optim.Adam with torch autograd gradients",
    kind="abs",
    tolerance=1e-10,
)
def _adam_torch():
    return physml_vs_torch("Adam")


@reference_check(
    "optimization.others-torch",
    chapter="optimization",
    description="physml momentum, Nesterov momentum, AdaGrad, RMSprop follow "
    "torch.optim.SGD/Adagrad/RMSprop (200 steps each)",
    reference_source="torch.optim.SGD(momentum, nesterov), Adagrad, RMSprop with torch autograd gradients",
    kind="abs",
    tolerance=1e-10,
)
def _others_torch():
    pairs = [physml_vs_torch(name) for name in ("momentum", "Nesterov", "AdaGrad", "RMSprop")]
    return np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs])


@reference_check(
    "optimization.adamw-torch",
    chapter="optimization",
    description="physml AdamW (decoupled weight decay 0.1) follows torch.optim.AdamW step by step "
    "(200 Rosenbrock steps, float64)",
    reference_source="torch.optim.AdamW with torch autograd gradients",
    kind="abs",
    tolerance=1e-10,
)
def _adamw_torch():
    return physml_vs_torch("AdamW")


# --- decoupled weight decay against an L2 penalty under Adam ---


@functools.cache
def weight_decay_runs() -> dict[str, np.ndarray]:
    """Adam on the Ridge cost (L2 penalty lambda) and AdamW on the unpenalised cost
    (decoupled decay 2 lambda, the same shrinkage per step as the penalty's gradient
    gives to gradient descent), both with the chapter's cosine schedule from theta = 0;
    with the Ridge and OLS minima for comparison."""
    prob = ridge()
    unpenalised = optim.RidgeProblem(prob.X, prob.y, 0.0)
    theta0 = np.zeros(prob.p)
    schedule = optim.CosineDecay(0.05, RIDGE_STEPS)
    adam_l2 = optim.minimize(prob.gradient, theta0, optim.Adam(0.05), RIDGE_STEPS, schedule=schedule)
    adamw = optim.minimize(
        unpenalised.gradient,
        theta0,
        optim.AdamW(0.05, weight_decay=2 * prob.lam),
        RIDGE_STEPS,
        schedule=schedule,
    )
    return {
        "Adam, L2 penalty": adam_l2.theta,
        "AdamW, decoupled decay": adamw.theta,
        "Ridge minimum": prob.closed_form(),
        "OLS minimum": unpenalised.closed_form(),
    }


# --- quasi-Newton methods against scipy.optimize.minimize ---

QUASI_NEWTON = {
    # physml function, scipy method
    "BFGS": (quasi_newton.bfgs, "BFGS"),
    "L-BFGS": (quasi_newton.lbfgs, "L-BFGS-B"),
    "nonlinear CG": (quasi_newton.nonlinear_cg, "CG"),
}
QUASI_NEWTON_TOL = 1e-5  # stop when max |g_j| < this (scipy's gtol)


@functools.cache
def logistic_problem():
    """The penalised logistic-regression cost of the classification chapter (breast-cancer data)."""
    from .. import classification
    from . import classification as cls_checks

    X, y = cls_checks.binary_data()
    lam = cls_checks.BINARY_LAMBDA

    def cost(theta):
        return classification.binary_cross_entropy(theta, X, y, lam)

    def gradient(theta):
        return classification.binary_gradient(theta, X, y, lam)

    minimum = classification.fit_logistic_newton(X, y, lam).theta  # Newton (IRLS) to round-off
    return cost, gradient, np.zeros(X.shape[1] + 1), minimum


QUASI_NEWTON_PROBLEMS = {
    # name: (cost, gradient, start, exact minimum), gtol
    "Rosenbrock": (
        lambda: (optim.rosenbrock, optim.rosenbrock_gradient, np.array(ROSENBROCK_START), np.ones(2)),
        QUASI_NEWTON_TOL,
    ),
    "logistic regression": (logistic_problem, 1e-6),
}


@functools.cache
def quasi_newton_runs(problem: str) -> dict[str, tuple]:
    """Each quasi-Newton method and its scipy counterpart on ``problem`` (a key of QUASI_NEWTON_PROBLEMS)."""
    from scipy.optimize import minimize

    make, gtol = QUASI_NEWTON_PROBLEMS[problem]
    cost, gradient, start, _ = make()
    runs = {}
    for name, (method, scipy_name) in QUASI_NEWTON.items():
        ours = method(cost, gradient, start, tol=gtol)
        theirs = minimize(cost, start, jac=gradient, method=scipy_name, options={"gtol": gtol})
        runs[name] = (ours, theirs)
    return runs


def quasi_newton_rosenbrock() -> dict[str, tuple]:
    """The quasi-Newton runs on the Rosenbrock function from (-1.2, 1)."""
    return quasi_newton_runs("Rosenbrock")


@reference_check(
    "optimization.quasi-newton-scipy",
    chapter="optimization",
    description="BFGS, L-BFGS and nonlinear CG (strong Wolfe line search) reach the Rosenbrock "
    "minimum where scipy.optimize.minimize's BFGS, L-BFGS-B and CG do (gtol 1e-5)",
    reference_source="scipy.optimize.minimize",
    kind="abs",
    tolerance=1e-5,
)
def _quasi_newton_scipy():
    runs = quasi_newton_rosenbrock()
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
    tolerance=1e-4,
)
def _quasi_newton_logistic():
    runs = quasi_newton_runs("logistic regression")
    minimum = logistic_problem()[3]
    ours = np.concatenate([r[0].theta for r in runs.values()])
    return ours, np.tile(minimum, len(runs))
