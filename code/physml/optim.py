"""Gradient-based optimizers in NumPy (chapter "Optimization"; used by ``physml.nn``).

Every optimizer updates a list of parameter arrays *in place* from a list of
gradient arrays of the same shapes::

    opt = Adam(learning_rate=1e-3)
    for step in range(n_steps):
        grads = gradient(params)
        opt.step(params, grads)

The update rules follow the conventions of ``torch.optim`` exactly, so that the tests
can compare them step by step.

The module has four parts, in the order of the chapter:

1. Newton's method: ``newton_root`` (1-D root finding, with ``bisection`` for comparison)
   and ``newton_minimize``;
2. the optimizers ``GradientDescent``, ``Momentum``, ``AdaGrad``, ``RMSprop`` and ``Adam``,
   and the learning-rate schedules;
3. the drivers ``minimize`` (full-gradient iterations) and ``sgd`` (mini-batch stochastic
   gradient descent on a cost that is a sum over samples);
4. the test problems of the chapter: the Ridge cost (``RidgeProblem``) and the
   Rosenbrock function.

Equations in the docstrings use the chapter's notation: theta are the parameters,
g the gradient, eta the learning rate, H the Hessian.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._validate import (
    as_float_array,
    as_rng,
    check_callable,
    check_finite_loss,
    check_finite_result,
    check_int,
    check_same_length,
    check_scalar,
)

# ----------------------------------------------------------------------------------------------
# 1. Newton's method
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RootResult:
    """Result of ``newton_root`` or ``bisection``.

    ``iterates`` are the successive estimates of the root (for Newton they start with x0),
    ``n_iter`` the number of steps taken, ``converged`` whether the tolerance was met.
    """

    root: float
    iterates: np.ndarray
    n_iter: int
    converged: bool


def newton_root(
    f: Callable[[float], float],
    df: Callable[[float], float],
    x0: float,
    tol: float = 1e-12,
    max_iter: int = 50,
) -> RootResult:
    """Find a root of f by the Newton-Raphson iteration  x_{k+1} = x_k - f(x_k) / f'(x_k).

    Stops when the step |x_{k+1} - x_k| is at most ``tol``, or after ``max_iter`` steps
    (then ``converged`` is False). Raises FloatingPointError when the derivative
    vanishes or an iterate is not finite. Chapter "Optimization".
    """
    if not callable(f) or not callable(df):
        raise TypeError("f and df must be callables of one float")
    x = float(check_scalar(x0, "x0"))
    check_scalar(tol, "tol", minimum=0.0, include_min=False)
    check_int(max_iter, "max_iter", minimum=1)
    iterates = [x]
    for k in range(max_iter):
        slope = float(df(x))
        if slope == 0.0 or not np.isfinite(slope):
            raise FloatingPointError(f"Newton step {k}: the derivative df(x) is {slope} at x = {x}")
        x_new = x - float(check_finite_result(f(x), "f", f"at x = {x}")) / slope
        check_finite_loss(x_new, k, "Newton iterate x")
        iterates.append(x_new)
        if abs(x_new - x) <= tol:
            return RootResult(x_new, np.array(iterates), k + 1, True)
        x = x_new
    return RootResult(x, np.array(iterates), max_iter, False)


def bisection(
    f: Callable[[float], float], a: float, b: float, tol: float = 1e-12, max_iter: int = 200
) -> RootResult:
    """Find a root of f in [a, b] by bisection, for comparison with Newton's method.

    Needs a sign change, f(a) f(b) < 0. Each step halves the bracket, so the error
    shrinks only by a factor 2 per step. The iterates are the midpoints.
    """
    if not callable(f):
        raise TypeError("f must be a callable of one float")
    a, b = float(check_scalar(a, "a")), float(check_scalar(b, "b"))
    if not a < b:
        raise ValueError(f"a must be smaller than b, got a={a}, b={b}")
    check_scalar(tol, "tol", minimum=0.0, include_min=False)
    check_int(max_iter, "max_iter", minimum=1)
    fa = float(check_finite_result(f(a), "f", f"at a = {a}"))
    if fa * float(check_finite_result(f(b), "f", f"at b = {b}")) >= 0:
        raise ValueError("f(a) and f(b) must have opposite signs (a and b must bracket a root)")
    mids = []
    for _ in range(max_iter):
        mid = 0.5 * (a + b)
        mids.append(mid)
        f_mid = float(check_finite_result(f(mid), "f", f"at x = {mid}"))
        if fa * f_mid <= 0:
            b = mid
        else:
            a, fa = mid, f_mid
        if b - a <= tol:
            return RootResult(0.5 * (a + b), np.array(mids), len(mids), True)
    return RootResult(0.5 * (a + b), np.array(mids), max_iter, False)


@dataclass(frozen=True)
class OptimizationResult:
    """A recorded optimisation run.

    ``path[k]`` is the parameter vector after k updates (``path[0]`` is the start),
    ``costs[k]`` the cost there (None if no cost function was given) and
    ``grad_norms[k]`` the norm of the gradient there. ``sgd`` records one row per
    epoch instead of one per update.
    """

    theta: np.ndarray
    path: np.ndarray
    costs: np.ndarray | None
    grad_norms: np.ndarray
    converged: bool

    @property
    def n_steps(self) -> int:
        """Number of recorded updates (epochs for ``sgd``)."""
        return len(self.path) - 1


def _check_gradient(g, theta: np.ndarray, name: str, step: int) -> np.ndarray:
    g = np.asarray(g, dtype=float)
    if g.shape != theta.shape:
        raise ValueError(f"{name} returned shape {g.shape}, but theta has shape {theta.shape}")
    check_finite_loss(float(np.linalg.norm(g)), step, f"the norm of the gradient from {name}")
    return g


def _check_functions(**functions) -> None:
    """Each keyword is a function argument: a callable, or None for the optional ``cost_fn``."""
    for name, f in functions.items():
        if f is not None or name != "cost_fn":
            check_callable(f, name)


def newton_minimize(
    grad_fn: Callable[[np.ndarray], np.ndarray],
    hess_fn: Callable[[np.ndarray], np.ndarray],
    theta0,
    tol: float = 1e-10,
    max_iter: int = 100,
    cost_fn: Callable[[np.ndarray], float] | None = None,
) -> OptimizationResult:
    """Minimise a cost with Newton's method,  theta <- theta - H(theta)^{-1} g(theta).

    This is Newton-Raphson root finding applied to the gradient: it looks for a point
    where g(theta) = 0. Each step solves the linear system H delta = g, which costs
    O(p^3) operations for p parameters (the inverse is never formed). Stops when the
    gradient norm is at most ``tol``. Chapter "Optimization".
    """
    _check_functions(grad_fn=grad_fn, hess_fn=hess_fn, cost_fn=cost_fn)
    theta = as_float_array(theta0, "theta0", ndim=1, nonempty=True).copy()
    check_scalar(tol, "tol", minimum=0.0, include_min=False)
    check_int(max_iter, "max_iter", minimum=1)
    path, costs, norms = [theta.copy()], [], []
    converged = False
    for k in range(max_iter + 1):
        g = _check_gradient(grad_fn(theta), theta, "grad_fn", k)
        norms.append(float(np.linalg.norm(g)))
        if cost_fn is not None:
            costs.append(float(cost_fn(theta)))
            check_finite_loss(costs[-1], k, "cost_fn(theta)")
        if norms[-1] <= tol:
            converged = True
            break
        if k == max_iter:
            break
        hessian = np.asarray(hess_fn(theta), dtype=float)
        if hessian.shape != (theta.size, theta.size):
            raise ValueError(f"hess_fn returned shape {hessian.shape}, expected {(theta.size, theta.size)}")
        check_finite_result(hessian, "hess_fn", f"at step {k}")
        try:
            delta = np.linalg.solve(hessian, g)
        except np.linalg.LinAlgError:
            raise FloatingPointError(f"Newton step {k}: the Hessian is singular at theta = {theta}") from None
        theta = theta - delta
        path.append(theta.copy())
    costs_arr = np.array(costs) if cost_fn is not None else None
    return OptimizationResult(theta, np.array(path), costs_arr, np.array(norms), converged)


# ----------------------------------------------------------------------------------------------
# 2. Optimizers
# ----------------------------------------------------------------------------------------------


class Optimizer:
    """Base class: validates arguments and keeps per-parameter state.

    Subclasses implement ``_update(i, p, g)``, the in-place update of parameter array
    number i. ``learning_rate`` may be changed between steps (that is how a
    learning-rate schedule is applied); it is validated on every assignment.
    """

    def __init__(self, learning_rate: float):
        self.learning_rate = learning_rate
        self.t = 0  # number of steps taken
        self.state: dict[int, dict[str, np.ndarray]] = {}

    @property
    def learning_rate(self) -> float:
        """The step size eta (must be positive)."""
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._learning_rate = float(check_scalar(value, "learning_rate", minimum=0.0, include_min=False))

    def reset(self) -> None:
        """Forget all accumulated state (moments, step count)."""
        self.t = 0
        self.state = {}

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """Update every array in ``params`` in place using the matching array in ``grads``."""
        if not isinstance(params, (list, tuple)) or not isinstance(grads, (list, tuple)):
            raise TypeError("params and grads must be lists of numpy arrays")
        if len(params) != len(grads):
            raise ValueError(f"params and grads must have the same length, got {len(params)}, {len(grads)}")
        checked = []
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            if not isinstance(p, np.ndarray) or not np.issubdtype(p.dtype, np.floating):
                raise TypeError(f"params[{i}] must be a floating-point numpy array (it is updated in place)")
            if not np.all(np.isfinite(p)):
                raise ValueError(f"params[{i}] contains NaN or inf values")
            g = as_float_array(g, f"grads[{i}]", dtype=None)
            if g.shape != p.shape:
                raise ValueError(f"grads[{i}] has shape {g.shape}, but params[{i}] has shape {p.shape}")
            checked.append(g)
        self._step(params, checked)

    def _step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """:meth:`step` without input checks, for a training loop that has checked its data
        (``MLP.fit`` stops on a non-finite loss instead)."""
        self.t += 1
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            self._update(i, p, g)

    def _update(self, i: int, p: np.ndarray, g: np.ndarray) -> None:
        raise NotImplementedError

    def _hyperparameters(self) -> dict[str, float]:
        return {}

    def __repr__(self) -> str:
        hyper = {"learning_rate": self.learning_rate, **self._hyperparameters()}
        return f"{type(self).__name__}({', '.join(f'{k}={v:g}' for k, v in hyper.items())})"


def _check_decay(value: float, name: str) -> float:
    """A decay rate such as beta1, beta2, rho or momentum must lie in [0, 1)."""
    return float(check_scalar(value, name, minimum=0.0, maximum=1.0, include_max=False))


def _check_eps(value: float) -> float:
    return float(check_scalar(value, "eps", minimum=0.0, include_min=False))


class GradientDescent(Optimizer):
    """Plain gradient descent:  theta <- theta - eta g."""

    def _update(self, i, p, g):
        p -= self.learning_rate * g


class Momentum(Optimizer):
    """Gradient descent with momentum (the ``torch.optim.SGD(momentum=mu)`` convention).

        v <- mu v + g          (v = g on the first step)
        theta <- theta - eta v

    With ``nesterov=True`` the parameters move by eta (g + mu v) instead (torch's
    Nesterov variant).
    """

    def __init__(self, learning_rate: float, momentum: float = 0.9, nesterov: bool = False):
        super().__init__(learning_rate)
        self.momentum = _check_decay(momentum, "momentum")
        if not isinstance(nesterov, bool):
            raise TypeError(f"nesterov must be True or False, got {type(nesterov).__name__}")
        self.nesterov = nesterov

    def _hyperparameters(self):
        return {"momentum": self.momentum}

    def _update(self, i, p, g):
        s = self.state.setdefault(i, {})
        if "v" not in s:
            s["v"] = g.astype(p.dtype, copy=True)
        else:
            s["v"] *= self.momentum
            s["v"] += g
        if self.nesterov:
            p -= self.learning_rate * (g + self.momentum * s["v"])
        else:
            p -= self.learning_rate * s["v"]


class AdaGrad(Optimizer):
    """AdaGrad (Duchi, Hazan and Singer 2011; the ``torch.optim.Adagrad`` convention).

        s <- s + g^2                              (s = 0 at the start)
        theta <- theta - eta g / (sqrt(s) + eps)

    element by element: every parameter gets its own, ever shrinking step size.
    """

    def __init__(self, learning_rate: float, eps: float = 1e-10):
        super().__init__(learning_rate)
        self.eps = _check_eps(eps)

    def _hyperparameters(self):
        return {"eps": self.eps}

    def _update(self, i, p, g):
        s = self.state.setdefault(i, {"sum": np.zeros_like(p)})
        s["sum"] += g * g
        p -= self.learning_rate * g / (np.sqrt(s["sum"]) + self.eps)


class RMSprop(Optimizer):
    """RMSprop (Tieleman and Hinton 2012; ``torch.optim.RMSprop``, whose ``alpha`` is ``rho`` here).

        v <- rho v + (1 - rho) g^2                (v = 0 at the start)
        theta <- theta - eta g / (sqrt(v) + eps)

    element by element: AdaGrad with a running average instead of a running sum.
    """

    def __init__(self, learning_rate: float, rho: float = 0.99, eps: float = 1e-8):
        super().__init__(learning_rate)
        self.rho = _check_decay(rho, "rho")
        self.eps = _check_eps(eps)

    def _hyperparameters(self):
        return {"rho": self.rho, "eps": self.eps}

    def _update(self, i, p, g):
        s = self.state.setdefault(i, {"v": np.zeros_like(p)})
        s["v"] *= self.rho
        s["v"] += (1.0 - self.rho) * g * g
        p -= self.learning_rate * g / (np.sqrt(s["v"]) + self.eps)


class Adam(Optimizer):
    """Adam (Kingma and Ba 2015; the ``torch.optim.Adam`` convention). With t = 1, 2, ...:

        m <- beta1 m + (1 - beta1) g              (m = v = 0 at the start)
        v <- beta2 v + (1 - beta2) g^2
        m_hat = m / (1 - beta1^t),   v_hat = v / (1 - beta2^t)
        theta <- theta - eta m_hat / (sqrt(v_hat) + eps)

    The factors 1 / (1 - beta^t) undo the bias of moments that start at zero.
    """

    def __init__(self, learning_rate: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        super().__init__(learning_rate)
        self.beta1 = _check_decay(beta1, "beta1")
        self.beta2 = _check_decay(beta2, "beta2")
        self.eps = _check_eps(eps)

    def _hyperparameters(self):
        return {"beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}

    def _update(self, i, p, g):
        s = self.state.setdefault(i, {"m": np.zeros_like(p), "v": np.zeros_like(p)})
        s["m"] *= self.beta1
        s["m"] += (1.0 - self.beta1) * g
        s["v"] *= self.beta2
        s["v"] += (1.0 - self.beta2) * g * g
        bias1 = 1.0 - self.beta1**self.t
        bias2 = 1.0 - self.beta2**self.t
        # torch's order of operations: (eta / bias1) * m / (sqrt(v) / sqrt(bias2) + eps)
        p -= (self.learning_rate / bias1) * s["m"] / (np.sqrt(s["v"]) / math.sqrt(bias2) + self.eps)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter 2019; ``torch.optim.AdamW``).

        theta <- (1 - eta lambda_wd) theta        (the decay, applied first)
        then the Adam step of :class:`Adam` with the gradient g of the cost alone.

    An L2 penalty lambda |theta|^2 in the cost would instead add 2 lambda theta to g, and
    Adam would divide it by sqrt(v_hat) like the rest of the gradient: parameters with
    large gradients would be decayed less. Here every parameter shrinks by the same
    factor per step. Chapter *Optimization* shows that the two end at different points.
    """

    def __init__(
        self,
        learning_rate: float,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ):
        super().__init__(learning_rate, beta1, beta2, eps)
        self.weight_decay = float(check_scalar(weight_decay, "weight_decay", minimum=0.0))

    def _hyperparameters(self):
        return {**super()._hyperparameters(), "weight_decay": self.weight_decay}

    def _update(self, i, p, g):
        p *= 1.0 - self.learning_rate * self.weight_decay
        super()._update(i, p, g)


# ----------------------------------------------------------------------------------------------
# Learning-rate schedules
# ----------------------------------------------------------------------------------------------


class Schedule:
    """A learning rate as a function of the epoch (or step) number t, eta(t).

    Use it as ``optimizer.learning_rate = schedule(epoch)`` at the start of every epoch,
    or pass it to ``minimize`` / ``sgd``. Each subclass follows the matching
    ``torch.optim.lr_scheduler`` formula.
    """

    def __init__(self, initial: float):
        self.initial = float(check_scalar(initial, "initial", minimum=0.0, include_min=False))

    def __call__(self, epoch: int) -> float:
        check_int(epoch, "epoch", minimum=0)
        return float(self._rate(int(epoch)))

    def _rate(self, epoch: int) -> float:
        raise NotImplementedError


class ConstantRate(Schedule):
    """eta(t) = eta_0."""

    def _rate(self, epoch):
        return self.initial


class StepDecay(Schedule):
    """eta(t) = eta_0 factor^floor(t / every): drop by ``factor`` every ``every`` epochs (torch StepLR)."""

    def __init__(self, initial: float, factor: float = 0.5, every: int = 10):
        super().__init__(initial)
        self.factor = float(check_scalar(factor, "factor", minimum=0.0, maximum=1.0, include_min=False))
        self.every = check_int(every, "every", minimum=1)

    def _rate(self, epoch):
        return self.initial * self.factor ** (epoch // self.every)


class ExponentialDecay(Schedule):
    """eta(t) = eta_0 gamma^t (torch ExponentialLR)."""

    def __init__(self, initial: float, gamma: float = 0.95):
        super().__init__(initial)
        self.gamma = float(check_scalar(gamma, "gamma", minimum=0.0, maximum=1.0, include_min=False))

    def _rate(self, epoch):
        return self.initial * self.gamma**epoch


class InverseTimeDecay(Schedule):
    """eta(t) = eta_0 / (1 + decay t), the classic t_0 / (t + t_1) schedule of stochastic approximation."""

    def __init__(self, initial: float, decay: float = 0.1):
        super().__init__(initial)
        self.decay = float(check_scalar(decay, "decay", minimum=0.0))

    def _rate(self, epoch):
        return self.initial / (1.0 + self.decay * epoch)


class CosineDecay(Schedule):
    """eta(t) = eta_min + (eta_0 - eta_min) (1 + cos(pi t / T)) / 2 for t <= T, and eta_min after
    (torch CosineAnnealingLR without restarts; T is ``n_epochs``)."""

    def __init__(self, initial: float, n_epochs: int, minimum: float = 0.0):
        super().__init__(initial)
        self.n_epochs = check_int(n_epochs, "n_epochs", minimum=1)
        self.minimum = float(check_scalar(minimum, "minimum", minimum=0.0, maximum=self.initial))

    def _rate(self, epoch):
        fraction = min(epoch, self.n_epochs) / self.n_epochs
        return self.minimum + 0.5 * (self.initial - self.minimum) * (1.0 + math.cos(math.pi * fraction))


# ----------------------------------------------------------------------------------------------
# 3. Drivers
# ----------------------------------------------------------------------------------------------


def _check_optimizer(optimizer) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be a physml.optim.Optimizer, got {type(optimizer).__name__}")


def _check_schedule(schedule) -> None:
    if schedule is not None and not callable(schedule):
        raise TypeError(f"schedule must be a callable epoch -> rate, or None; got {type(schedule).__name__}")


def minimize(
    grad_fn: Callable[[np.ndarray], np.ndarray],
    theta0,
    optimizer: Optimizer,
    n_steps: int,
    cost_fn: Callable[[np.ndarray], float] | None = None,
    tol: float = 0.0,
    schedule: Callable[[int], float] | None = None,
) -> OptimizationResult:
    """Run ``optimizer`` on the full gradient g(theta) = grad_fn(theta) and return the whole path.

    The optimizer is reset first, so every run starts from a clean state. Stops after
    ``n_steps`` updates, or earlier when the gradient norm is at most ``tol`` (if
    tol > 0). With a ``schedule``, ``optimizer.learning_rate = schedule(k)`` before
    update k. A NaN or infinite cost or gradient stops the run with a
    FloatingPointError. Chapter "Optimization".
    """
    _check_functions(grad_fn=grad_fn, cost_fn=cost_fn)
    _check_optimizer(optimizer)
    _check_schedule(schedule)
    theta = as_float_array(theta0, "theta0", ndim=1, nonempty=True).copy()
    check_int(n_steps, "n_steps", minimum=0)
    check_scalar(tol, "tol", minimum=0.0)
    optimizer.reset()
    path, costs, norms = [theta.copy()], [], []
    converged = False
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported by check_finite_loss
        for k in range(n_steps + 1):
            if cost_fn is not None:
                costs.append(float(cost_fn(theta)))
                check_finite_loss(costs[-1], k, "cost_fn(theta)")
            g = _check_gradient(grad_fn(theta), theta, "grad_fn", k)
            norms.append(float(np.linalg.norm(g)))
            if tol > 0 and norms[-1] <= tol:
                converged = True
                break
            if k == n_steps:
                break
            if schedule is not None:
                optimizer.learning_rate = schedule(k)
            optimizer.step([theta], [g])
            path.append(theta.copy())
    costs_arr = np.array(costs) if cost_fn is not None else None
    return OptimizationResult(theta, np.array(path), costs_arr, np.array(norms), converged)


def minibatches(n_samples: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffle the indices 0..n_samples-1 and cut them into batches of ``batch_size`` (last one shorter).

    ``rng`` is a ``numpy.random.Generator`` (advanced by the shuffle) or an int seed.
    """
    check_int(n_samples, "n_samples", minimum=1)
    check_int(batch_size, "batch_size", minimum=1)
    rng = as_rng(rng, "rng")
    order = rng.permutation(n_samples)
    return [order[start : start + batch_size] for start in range(0, n_samples, batch_size)]


def sgd(
    grad_fn: Callable[[np.ndarray, np.ndarray], np.ndarray],
    theta0,
    n_samples: int,
    optimizer: Optimizer,
    batch_size: int,
    n_epochs: int,
    seed,
    cost_fn: Callable[[np.ndarray], float] | None = None,
    schedule: Callable[[int], float] | None = None,
) -> OptimizationResult:
    """Mini-batch stochastic gradient descent on a cost C(theta) = (1/n) sum_i c_i(theta).

    ``grad_fn(theta, batch)`` returns the gradient estimated on the samples whose indices
    are in ``batch``, (1/|B|) sum_{i in B} grad c_i(theta). Every epoch shuffles the
    samples with the seeded generator, cuts them into batches of ``batch_size`` and takes
    one optimizer step per batch. With a ``schedule``,
    ``optimizer.learning_rate = schedule(epoch)`` at the start of each epoch. Path, cost
    and full-gradient norm are recorded once per epoch. The optimizer is reset first.
    Chapter "Optimization".
    """
    _check_functions(grad_fn=grad_fn, cost_fn=cost_fn)
    _check_optimizer(optimizer)
    _check_schedule(schedule)
    theta = as_float_array(theta0, "theta0", ndim=1, nonempty=True).copy()
    check_int(n_samples, "n_samples", minimum=1)
    check_int(batch_size, "batch_size", minimum=1, maximum=n_samples)
    check_int(n_epochs, "n_epochs", minimum=0)
    rng = as_rng(seed)
    everything = np.arange(n_samples)
    optimizer.reset()
    path, costs, norms = [theta.copy()], [], []

    def record(epoch: int) -> None:
        if cost_fn is not None:
            costs.append(float(cost_fn(theta)))
            check_finite_loss(costs[-1], epoch, "cost_fn(theta)")
        full_gradient = _check_gradient(grad_fn(theta, everything), theta, "grad_fn", epoch)
        norms.append(float(np.linalg.norm(full_gradient)))

    with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported by check_finite_loss
        record(0)
        for epoch in range(n_epochs):
            if schedule is not None:
                optimizer.learning_rate = schedule(epoch)
            for batch in minibatches(n_samples, batch_size, rng):
                g = _check_gradient(grad_fn(theta, batch), theta, "grad_fn", epoch)
                optimizer.step([theta], [g])
            path.append(theta.copy())
            record(epoch + 1)
    costs_arr = np.array(costs) if cost_fn is not None else None
    return OptimizationResult(theta, np.array(path), costs_arr, np.array(norms), False)


def critical_learning_rate(hessian) -> float:
    """Largest stable learning rate of gradient descent on a quadratic, eta_c = 2 / lambda_max(H).

    One step multiplies the error along an eigenvector of H with eigenvalue lambda by
    (1 - eta lambda); every component shrinks only if eta < 2 / lambda_max.
    """
    h = as_float_array(hessian, "hessian", ndim=2)
    if h.shape[0] != h.shape[1] or not np.allclose(h, h.T):
        raise ValueError(f"hessian must be a symmetric square matrix, got shape {h.shape}")
    lam_max = float(np.linalg.eigvalsh(h).max())
    if lam_max <= 0:
        raise ValueError("hessian has no positive eigenvalue: gradient descent has no stability limit")
    return 2.0 / lam_max


# ----------------------------------------------------------------------------------------------
# 4. Test problems
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RidgeProblem:
    """The Ridge cost C(theta) = (1/n) ||y - X theta||^2 + lam ||theta||^2.

    A convex test problem with a known minimum, theta_hat = (X^T X + n lam I)^{-1} X^T y.
    It is an average of terms c_i(theta) = (y_i - x_i^T theta)^2 + lam ||theta||^2, so the
    gradient on a mini-batch is an unbiased estimate of the full gradient.
    """

    X: np.ndarray
    y: np.ndarray
    lam: float

    def __post_init__(self):
        X = as_float_array(self.X, "X", ndim=2, nonempty=True)
        y = as_float_array(self.y, "y", ndim=1, nonempty=True)
        check_same_length(X, "X", y, "y")
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "lam", float(check_scalar(self.lam, "lam", minimum=0.0)))

    @property
    def n(self) -> int:
        """Number of samples."""
        return self.X.shape[0]

    @property
    def p(self) -> int:
        """Number of parameters."""
        return self.X.shape[1]

    def _check_theta(self, theta) -> np.ndarray:
        theta = as_float_array(theta, "theta", ndim=1)
        if theta.shape != (self.p,):
            raise ValueError(f"theta must have shape ({self.p},), one entry per feature, got {theta.shape}")
        return theta

    def _check_batch(self, batch) -> np.ndarray:
        batch = np.asarray(batch)
        if batch.dtype == bool or not np.issubdtype(batch.dtype, np.integer):
            raise TypeError(f"batch must be an array of integer sample indices, got dtype {batch.dtype}")
        if batch.ndim != 1 or batch.size == 0:
            raise ValueError(
                f"batch must be a non-empty 1-dimensional array of indices, got shape {batch.shape}"
            )
        if batch.min() < 0 or batch.max() >= self.n:
            raise ValueError(
                f"batch indices must lie in [0, {self.n - 1}], got {batch.min()} to {batch.max()}"
            )
        return batch

    def cost(self, theta: np.ndarray) -> float:
        """C(theta) = (1/n) ||y - X theta||^2 + lam ||theta||^2."""
        theta = self._check_theta(theta)
        r = self.y - self.X @ theta
        return float(r @ r / self.n + self.lam * theta @ theta)

    def gradient(self, theta: np.ndarray, batch: np.ndarray | None = None) -> np.ndarray:
        """g = -(2/|B|) X_B^T (y_B - X_B theta) + 2 lam theta, on the samples in ``batch`` (all if None)."""
        theta = self._check_theta(theta)
        if batch is None:
            X, y = self.X, self.y
        else:
            batch = self._check_batch(batch)
            X, y = self.X[batch], self.y[batch]
        return -2.0 / len(y) * X.T @ (y - X @ theta) + 2.0 * self.lam * theta

    def hessian(self, theta: np.ndarray | None = None) -> np.ndarray:
        """H = (2/n) X^T X + 2 lam I, the same everywhere: the cost is quadratic (``theta`` is not needed)."""
        if theta is not None:
            self._check_theta(theta)
        return 2.0 / self.n * self.X.T @ self.X + 2.0 * self.lam * np.eye(self.p)

    def closed_form(self) -> np.ndarray:
        """theta_hat = (X^T X + n lam I)^{-1} X^T y (solved, not inverted).

        With lam = 0 this needs X^T X to be invertible, that is X of full column rank.
        """
        if self.lam == 0 and np.linalg.matrix_rank(self.X) < self.p:
            raise np.linalg.LinAlgError(
                f"X has rank {np.linalg.matrix_rank(self.X)} < {self.p} columns and lam = 0, so "
                "X^T X is singular: add a penalty lam > 0, or use the SVD (physml.regression.ols_fit)"
            )
        return np.linalg.solve(self.X.T @ self.X + self.n * self.lam * np.eye(self.p), self.X.T @ self.y)


def make_ridge_problem(
    n_samples: int = 500, n_features: int = 5, lam: float = 0.01, noise: float = 0.5, seed=2026
) -> RidgeProblem:
    """Generate a Ridge problem: x_ij ~ N(0, s_j^2) with scales s_j from 1 down to 0.2,
    y = X theta_true + noise N(0, 1), theta_true uniform in [-2, 2].

    The unequal feature scales make the cost an elongated bowl (condition number of
    order 20), which is what separates the optimizers.
    """
    check_int(n_samples, "n_samples", minimum=2)
    check_int(n_features, "n_features", minimum=1)
    check_scalar(noise, "noise", minimum=0.0)
    rng = as_rng(seed)
    scales = np.linspace(1.0, 0.2, n_features)
    X = rng.standard_normal((n_samples, n_features)) * scales
    theta_true = rng.uniform(-2.0, 2.0, size=n_features)
    y = X @ theta_true + noise * rng.standard_normal(n_samples)
    return RidgeProblem(X, y, lam)


def _rosenbrock_point(theta, a, b) -> tuple[float, float]:
    """Validate the arguments of the Rosenbrock functions; return the point (x, y)."""
    theta = as_float_array(theta, "theta", ndim=1)
    if theta.shape != (2,):
        raise ValueError(f"theta must be a point (x, y) of shape (2,), got shape {theta.shape}")
    check_scalar(a, "a")
    check_scalar(b, "b")
    return theta[0], theta[1]


def rosenbrock(theta, a: float = 1.0, b: float = 100.0):
    """The Rosenbrock function f(x, y) = (a - x)^2 + b (y - x^2)^2, minimum 0 at (a, a^2).

    ``theta`` is either

    * a point (x, y), shape ``(2,)``: the result is a float; or
    * a batch of points given as a pair of arrays (x, y), shape ``(2, *batch)`` with at
      least two dimensions (e.g. the grids ``(xs, ys)`` of a contour plot): the result is
      the array of shape ``batch`` (the shape of x). A batch of one point, shape ``(2, 1)``,
      gives shape ``(1,)``.

    The points run along axis 0, so an ``(n, 2)`` array of n points as rows must be
    transposed first. Any other shape is a ``ValueError`` naming ``theta``.
    """
    points = as_float_array(theta, "theta", nonempty=True)
    if points.ndim == 0 or points.shape[0] != 2:
        hint = " (for n points as rows of an (n, 2) array pass theta.T)" if points.ndim == 2 else ""
        raise ValueError(
            "theta must be a point (x, y) of shape (2,) or a pair of arrays (x, y) of shape "
            f"(2, ...), got shape {points.shape}{hint}"
        )
    check_scalar(a, "a")
    check_scalar(b, "b")
    x, y = points[0], points[1]
    value = (a - x) ** 2 + b * (y - x**2) ** 2
    return float(value) if points.ndim == 1 else value


def rosenbrock_gradient(theta, a: float = 1.0, b: float = 100.0) -> np.ndarray:
    """grad f = (-2 (a - x) - 4 b x (y - x^2),  2 b (y - x^2))."""
    x, y = _rosenbrock_point(theta, a, b)
    return np.array([-2.0 * (a - x) - 4.0 * b * x * (y - x**2), 2.0 * b * (y - x**2)])


def rosenbrock_hessian(theta, a: float = 1.0, b: float = 100.0) -> np.ndarray:
    """H = [[2 - 4 b (y - 3 x^2), -4 b x], [-4 b x, 2 b]]."""
    x, y = _rosenbrock_point(theta, a, b)
    return np.array([[2.0 - 4.0 * b * (y - 3.0 * x**2), -4.0 * b * x], [-4.0 * b * x, 2.0 * b]])
