"""The runs of "Optimization": what the page computes, with its settings in view.

Two test problems whose answer is known: the chapter's Ridge cost (:func:`ridge`, convex,
closed-form minimum) and the Rosenbrock function (minimum at (1, 1)), started at the
classic point ``ROSENBROCK_START``.

* :func:`ridge_run`: every first-order optimizer on the Ridge cost (full gradients);
* :func:`sgd_run`: mini-batch SGD on the Ridge cost against full-batch gradient descent;
* :func:`newton_run`: Newton's method on the Rosenbrock function;
* :func:`rosenbrock_run`: the first-order optimizers on the Rosenbrock function;
* :func:`torch_run`: physml's optimizers and ``torch.optim`` step by step on Rosenbrock;
* :func:`weight_decay_run`: Adam with an L2 penalty against AdamW's decoupled decay;
* :func:`quasi_newton_run`: BFGS, L-BFGS and nonlinear CG against ``scipy.optimize.minimize``.

Every run here is deterministic except :func:`sgd_run` (seeded batches); the learning
rates were picked by hand for these problems.
"""

from __future__ import annotations

import functools

import numpy as np

from .. import optim, quasi_newton
from ..experiment import Settings, setting, study

ROSENBROCK_START = (-1.2, 1.0)  # the classic start of Rosenbrock (1960)
ROSENBROCK_MINIMUM = (1.0, 1.0)

# The chapter's convex test problem (optim.make_ridge_problem's arguments)
RIDGE_PROBLEM = {"n_samples": 500, "n_features": 5, "lam": 0.01, "noise": 0.5, "seed": 2026}


@functools.cache
def ridge() -> optim.RidgeProblem:
    """The chapter's convex test problem: Ridge regression on generated data (``RIDGE_PROBLEM``)."""
    return optim.make_ridge_problem(**RIDGE_PROBLEM)


def ridge_lambda_max() -> float:
    """Largest eigenvalue of the (constant) Hessian of the Ridge cost."""
    return float(np.linalg.eigvalsh(ridge().hessian()).max())


# --------------------------------------------------------------------------- the Ridge cost


class RidgeRun(Settings):
    """Settings of the full-gradient runs on the Ridge cost (gradient descent and momentum use
    eta = 1 / lambda_max of the Hessian)."""

    steps: int = setting(
        6000, low=1, doc="steps of every optimizer (and the length T of the cosine schedule)"
    )
    momentum: float = setting(0.5, low=0, high=0.9999, doc="momentum parameter mu")
    adagrad_lr: float = setting(0.5, low=0, doc="AdaGrad learning rate")
    rmsprop_lr: float = setting(0.01, low=0, doc="RMSprop learning rate")
    rmsprop_gamma: float = setting(0.995, low=0, high=1, doc="factor per step of RMSprop's exponential decay")
    adam_lr: float = setting(0.05, low=0, doc="Adam learning rate (start of the cosine schedule)")

    VARIANT = {"adam_lr": 0.02}


def ridge_optimizers(cfg: RidgeRun) -> dict[str, tuple[optim.Optimizer, optim.Schedule | None]]:
    """Optimizers (and schedules) compared on the Ridge cost."""
    eta_gd = 1.0 / ridge_lambda_max()
    return {
        "gradient descent": (optim.GradientDescent(eta_gd), None),
        "momentum": (optim.Momentum(eta_gd, momentum=cfg.momentum), None),
        "AdaGrad": (optim.AdaGrad(cfg.adagrad_lr), None),
        "RMSprop": (optim.RMSprop(cfg.rmsprop_lr), None),
        "RMSprop, exponential decay": (
            optim.RMSprop(cfg.rmsprop_lr),
            optim.ExponentialDecay(cfg.rmsprop_lr, gamma=cfg.rmsprop_gamma),
        ),
        "Adam": (optim.Adam(cfg.adam_lr), None),
        "Adam, cosine schedule": (optim.Adam(cfg.adam_lr), optim.CosineDecay(cfg.adam_lr, cfg.steps)),
    }


@study("optimization", RidgeRun)
def ridge_run(cfg: RidgeRun) -> dict[str, optim.OptimizationResult]:
    """Full-gradient runs of every optimizer on the Ridge cost, all started at theta = 0."""
    prob = ridge()
    theta0 = np.zeros(prob.p)
    return {
        name: optim.minimize(prob.gradient, theta0, opt, cfg.steps, schedule=schedule)
        for name, (opt, schedule) in ridge_optimizers(cfg).items()
    }


class SGDRun(Settings):
    """Settings of mini-batch SGD on the Ridge cost (gradient descent: eta = 1 / lambda_max)."""

    epochs: int = setting(200, low=1, doc="passes over the data")
    batch_size: int = setting(16, low=1, high=500, doc="samples per mini-batch")
    lr: float = setting(0.1, low=0, doc="SGD learning rate eta_0")
    decay: float = setting(0.1, low=0, doc="d of the inverse-time schedule eta_0 / (1 + d t)")
    seed: int = setting(1, low=0, doc="seed of the batch order")


def sgd_noise_prediction(cfg: SGDRun, shuffled: bool = True) -> float:
    r"""Root of the expected squared distance from the Ridge minimum at the end of the decayed SGD run
    of ``cfg`` (a prediction from the noise-floor model of the chapter "Optimization").

    Linear-noise model of the chapter's noise floor: within an epoch (rate :math:`\eta` fixed) the error
    obeys :math:`\boldsymbol e_{k+1} = \boldsymbol A\boldsymbol e_k - \eta\boldsymbol\xi_k`,
    :math:`\boldsymbol A = \boldsymbol I-\eta\boldsymbol H`, where :math:`\boldsymbol\xi_k` is the
    mean per-sample gradient at the minimum over batch :math:`k`. The batches of an epoch partition a
    random permutation of the n samples, so (finite population, covariance :math:`\boldsymbol\Sigma_g`)
    :math:`\operatorname{Cov}(\boldsymbol\xi_k) = \boldsymbol\Sigma_g(n-m_k)/(m_k(n-1))` and
    :math:`\operatorname{Cov}(\boldsymbol\xi_k, \boldsymbol\xi_l) = -\boldsymbol\Sigma_g/(n-1)`: the
    noise of one epoch nearly cancels. With ``shuffled=False`` the batches are independent draws with
    replacement instead (covariance :math:`\boldsymbol\Sigma_g/m_k`, none between batches). The mean and
    covariance of the error are propagated exactly
    through the run's schedule, :math:`E\lVert\boldsymbol e_T\rVert^2 = \lVert\bar{\boldsymbol e}_T\rVert^2
    + \operatorname{tr}\boldsymbol P_T` (the part of the noise proportional to the error itself is
    second order near the minimum and left out)."""
    prob = ridge()
    theta_star = ridge().closed_form()
    n, p = prob.n, prob.p
    per_sample = np.array([prob.gradient(theta_star, np.array([i])) for i in range(n)])
    sigma_g = np.cov(per_sample.T, ddof=0)
    H = prob.hessian()
    sizes = [min(cfg.batch_size, n - start) for start in range(0, n, cfg.batch_size)]
    schedule = optim.InverseTimeDecay(cfg.lr, decay=cfg.decay)
    mean, P = -theta_star, np.zeros((p, p))  # every run starts at theta = 0
    for epoch in range(cfg.epochs):
        eta = schedule(epoch)
        A = np.eye(p) - eta * H
        powers = [np.eye(p)]
        for _ in sizes:
            powers.append(A @ powers[-1])
        B = powers[len(sizes) - 1 :: -1]  # B_k = A^(K-1-k) carries the noise of batch k to the epoch's end
        if shuffled:
            S = sum(B)
            noise = -S @ sigma_g @ S.T / (n - 1)
            weights = [(n - m) / (m * (n - 1)) + 1 / (n - 1) for m in sizes]
        else:
            noise, weights = np.zeros((p, p)), [1.0 / m for m in sizes]
        for Bk, w in zip(B, weights, strict=True):
            noise += w * Bk @ sigma_g @ Bk.T
        AK = powers[-1]
        mean = AK @ mean
        P = AK @ P @ AK.T + eta**2 * noise
    return float(np.sqrt(mean @ mean + np.trace(P)))


@study("optimization", SGDRun)
def sgd_run(cfg: SGDRun) -> dict[str, optim.OptimizationResult]:
    """Mini-batch SGD on the Ridge cost, compared with full-batch gradient descent, per epoch."""
    prob = ridge()
    theta0 = np.zeros(prob.p)
    n = prob.n
    common = {"seed": cfg.seed, "cost_fn": prob.cost}
    return {
        "gradient descent (1 step per epoch)": optim.sgd(
            prob.gradient,
            theta0,
            n,
            optim.GradientDescent(1.0 / ridge_lambda_max()),
            n,
            cfg.epochs,
            seed=cfg.seed,
        ),
        f"SGD, constant rate {cfg.lr:g}": optim.sgd(
            prob.gradient, theta0, n, optim.GradientDescent(cfg.lr), cfg.batch_size, cfg.epochs, **common
        ),
        f"SGD, rate {cfg.lr:g} / (1 + {cfg.decay:g} t)": optim.sgd(
            prob.gradient,
            theta0,
            n,
            optim.GradientDescent(cfg.lr),
            cfg.batch_size,
            cfg.epochs,
            schedule=optim.InverseTimeDecay(cfg.lr, decay=cfg.decay),
            **common,
        ),
    }


# --------------------------------------------------------------------------- the Rosenbrock function


class NewtonRun(Settings):
    """Settings of Newton's method on the Rosenbrock function from ``ROSENBROCK_START``."""

    tol: float = setting(1e-10, low=0, doc="stop when the gradient norm is below this")
    max_iter: int = setting(50, low=1, doc="most Newton steps")

    VARIANT = {"tol": 1e-6}


@study("optimization", NewtonRun)
def newton_run(cfg: NewtonRun) -> optim.OptimizationResult:
    """Newton's method on the Rosenbrock function from the classic start (-1.2, 1)."""
    return optim.newton_minimize(
        optim.rosenbrock_gradient,
        optim.rosenbrock_hessian,
        ROSENBROCK_START,
        tol=cfg.tol,
        max_iter=cfg.max_iter,
        cost_fn=optim.rosenbrock,
    )


class RosenbrockRun(Settings):
    """Settings of the first-order optimizers on the Rosenbrock function (rates picked by hand)."""

    steps: int = setting(10000, low=1, doc="steps of every optimizer (and T of the cosine schedule)")
    gd_lr: float = setting(1.5e-3, low=0, doc="gradient-descent learning rate")
    momentum_lr: float = setting(1e-3, low=0, doc="learning rate of momentum")
    momentum: float = setting(0.9, low=0, high=0.9999, doc="momentum parameter mu")
    adagrad_lr: float = setting(0.5, low=0, doc="AdaGrad learning rate")
    rmsprop_lr: float = setting(1e-3, low=0, doc="RMSprop learning rate")
    adam_lr: float = setting(0.02, low=0, doc="Adam learning rate (start of the cosine schedule)")

    VARIANT = {"steps": 2000}


def rosenbrock_optimizers(cfg: RosenbrockRun) -> dict[str, tuple[optim.Optimizer, optim.Schedule | None]]:
    """First-order optimizers (and schedules) compared on the Rosenbrock function."""
    return {
        "gradient descent": (optim.GradientDescent(cfg.gd_lr), None),
        "momentum": (optim.Momentum(cfg.momentum_lr, momentum=cfg.momentum), None),
        "AdaGrad": (optim.AdaGrad(cfg.adagrad_lr), None),
        "RMSprop": (optim.RMSprop(cfg.rmsprop_lr), None),
        "Adam": (optim.Adam(cfg.adam_lr), None),
        "Adam, cosine schedule": (optim.Adam(cfg.adam_lr), optim.CosineDecay(cfg.adam_lr, cfg.steps)),
    }


@study("optimization", RosenbrockRun)
def rosenbrock_run(cfg: RosenbrockRun) -> dict[str, optim.OptimizationResult]:
    """Every first-order optimizer on the Rosenbrock function for ``cfg.steps`` steps."""
    return {
        name: optim.minimize(optim.rosenbrock_gradient, ROSENBROCK_START, opt, cfg.steps, schedule=schedule)
        for name, (opt, schedule) in rosenbrock_optimizers(cfg).items()
    }


# --------------------------------------------------------------------------- against torch.optim


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


# (physml optimizer, torch.optim class name, torch keyword arguments): the same hyperparameters
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


class TorchRun(Settings):
    """Settings of the step-by-step comparison with ``torch.optim`` (hyperparameters: ``TORCH_PAIRS``)."""

    steps: int = setting(200, low=1, doc="Rosenbrock steps of each optimizer")

    VARIANT = {"steps": 50}


@study("optimization", TorchRun)
def torch_run(cfg: TorchRun) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Paths of each physml optimizer and its torch counterpart: ``{name: (ours, torch's)}``."""
    runs = {}
    for name, (make, torch_name, kwargs) in TORCH_PAIRS.items():
        ours = optim.minimize(optim.rosenbrock_gradient, ROSENBROCK_START, make(), cfg.steps).path
        runs[name] = (ours, torch_path(torch_name, cfg.steps, **kwargs))
    return runs


# --------------------------------------------------------------------------- weight decay under Adam


class WeightDecayRun(Settings):
    """Settings of Adam with an L2 penalty against AdamW with decoupled decay 2 lambda."""

    steps: int = setting(6000, low=1, doc="steps (and T of the cosine schedule)")
    lr: float = setting(0.05, low=0, doc="learning rate at the start of the cosine schedule")

    VARIANT = {"lr": 0.02}


@study("optimization", WeightDecayRun)
def weight_decay_run(cfg: WeightDecayRun) -> dict[str, np.ndarray]:
    """Adam on the Ridge cost (L2 penalty lambda) and AdamW on the unpenalised cost
    (decoupled decay 2 lambda, the same shrinkage per step as the penalty's gradient
    gives to gradient descent), both with a cosine schedule from theta = 0;
    with the Ridge and OLS minima for comparison."""
    prob = ridge()
    unpenalised = optim.RidgeProblem(prob.X, prob.y, 0.0)
    theta0 = np.zeros(prob.p)
    schedule = optim.CosineDecay(cfg.lr, cfg.steps)
    adam_l2 = optim.minimize(prob.gradient, theta0, optim.Adam(cfg.lr), cfg.steps, schedule=schedule)
    adamw = optim.minimize(
        unpenalised.gradient,
        theta0,
        optim.AdamW(cfg.lr, weight_decay=2 * prob.lam),
        cfg.steps,
        schedule=schedule,
    )
    return {
        "Adam, L2 penalty": adam_l2.theta,
        "AdamW, decoupled decay": adamw.theta,
        "Ridge minimum": prob.closed_form(),
        "OLS minimum": unpenalised.closed_form(),
    }


# --------------------------------------------------------------------------- quasi-Newton methods

QUASI_NEWTON = {
    # physml function, scipy method
    "BFGS": (quasi_newton.bfgs, "BFGS"),
    "BFGS, scaled H₀": (functools.partial(quasi_newton.bfgs, scale_h0=True), "BFGS"),
    "L-BFGS": (quasi_newton.lbfgs, "L-BFGS-B"),
    "nonlinear CG": (quasi_newton.nonlinear_cg, "CG"),
}


def _classification_binary():
    """The standardised breast-cancer data and the penalty lambda of the classification
    chapter's book run (``physml.studies.classification.BinaryRun``)."""
    from .classification import BinaryRun, binary_data

    return binary_data(), BinaryRun.book().lam


@functools.cache
def logistic_problem():
    """The penalised logistic-regression cost of the classification chapter (breast-cancer data):
    ``(cost, gradient, start, minimum)``, the minimum by Newton's method (IRLS) to round-off."""
    from .. import classification

    (X, y), lam = _classification_binary()

    def cost(theta):
        return classification.binary_cross_entropy(theta, X, y, lam)

    def gradient(theta):
        return classification.binary_gradient(theta, X, y, lam)

    minimum = classification.fit_logistic_newton(X, y, lam).theta
    return cost, gradient, np.zeros(X.shape[1] + 1), minimum


def rosenbrock_problem():
    """``(cost, gradient, start, minimum)`` of the Rosenbrock function from the classic start."""
    return (
        optim.rosenbrock,
        optim.rosenbrock_gradient,
        np.array(ROSENBROCK_START),
        np.array(ROSENBROCK_MINIMUM),
    )


class QuasiNewtonRun(Settings):
    """Settings of the quasi-Newton runs and of scipy's (the same stopping rule: max |g_j| < gtol)."""

    rosenbrock_gtol: float = setting(1e-5, low=0, doc="gtol on the Rosenbrock function")
    logistic_gtol: float = setting(1e-6, low=0, doc="gtol on the logistic-regression cost")

    VARIANT = {"rosenbrock_gtol": 1e-6}


@study("optimization", QuasiNewtonRun)
def quasi_newton_run(cfg: QuasiNewtonRun) -> dict[str, dict]:
    """Each quasi-Newton method and its ``scipy.optimize.minimize`` counterpart on both problems:
    ``{problem: {"minimum": exact minimum, "gtol": ..., "runs": {method: (ours, scipy's)}}}``."""
    from scipy.optimize import minimize

    problems = {
        "Rosenbrock": (rosenbrock_problem(), cfg.rosenbrock_gtol),
        "logistic regression": (logistic_problem(), cfg.logistic_gtol),
    }
    out = {}
    for problem, ((cost, gradient, start, minimum), gtol) in problems.items():
        runs = {}
        for name, (method, scipy_name) in QUASI_NEWTON.items():
            ours = method(cost, gradient, start, tol=gtol)
            theirs = minimize(cost, start, jac=gradient, method=scipy_name, options={"gtol": gtol})
            runs[name] = (ours, theirs)
        out[problem] = {"minimum": minimum, "gtol": gtol, "runs": runs}
    return out
