r"""Line searches and quasi-Newton methods: BFGS, L-BFGS and nonlinear conjugate gradients.

Chapter *Optimization*, section "Quasi-Newton methods". Each method moves along a
search direction :math:`\boldsymbol p_k` by a step :math:`\alpha_k` that satisfies the
strong Wolfe conditions (Nocedal and Wright, *Numerical Optimization*, 2nd ed., ch. 3),

.. math::

    C(\theta_k + \alpha p_k) \le C(\theta_k) + c_1\alpha\, g_k^T p_k,
    \qquad
    |g(\theta_k + \alpha p_k)^T p_k| \le c_2 |g_k^T p_k|,

(sufficient decrease and curvature, :math:`0 < c_1 < c_2 < 1`). The methods differ in the
direction: BFGS uses :math:`\boldsymbol p_k = -\boldsymbol H_k\boldsymbol g_k` with an approximation
:math:`\boldsymbol H_k` of the inverse Hessian built from the steps
:math:`\boldsymbol s_k = \boldsymbol\theta_{k+1} - \boldsymbol\theta_k` and gradient changes
:math:`\boldsymbol y_k = \boldsymbol g_{k+1} - \boldsymbol g_k`; L-BFGS keeps only the last
:math:`m` pairs; nonlinear conjugate gradients mix the new gradient with the previous
direction. All return :class:`physml.optim.OptimizationResult`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._validate import as_float_array, check_bool, check_int, check_scalar
from .optim import OptimizationResult

Cost = Callable[[np.ndarray], float]
Gradient = Callable[[np.ndarray], np.ndarray]


class LineSearchError(RuntimeError):
    """No step satisfying the Wolfe conditions was found (typically at the round-off level)."""


@dataclass(frozen=True)
class LineSearchResult:
    """A step ``alpha`` along a direction, with the cost and gradient there and the work done."""

    alpha: float
    cost: float
    gradient: np.ndarray
    n_evaluations: int


def _evaluate(
    cost_fn: Cost, grad_fn: Gradient, theta: np.ndarray, count: list[int]
) -> tuple[float, np.ndarray]:
    count[0] += 1
    c = float(cost_fn(theta))
    g = np.asarray(grad_fn(theta), dtype=float)
    if g.shape != theta.shape:
        raise ValueError(f"grad_fn returned shape {g.shape}, but theta has shape {theta.shape}")
    if not np.isfinite(c):
        raise FloatingPointError(f"cost_fn returned a non-finite cost ({c}) at theta = {theta}")
    if not np.all(np.isfinite(g)):
        raise FloatingPointError(f"grad_fn returned a non-finite gradient at theta = {theta}")
    return c, g


def _cubic_minimiser(a: float, fa: float, da: float, b: float, fb: float, db: float) -> float | None:
    """Minimiser of the cubic through (a, fa, da) and (b, fb, db) (N&W eq. 3.59), or None."""
    d1 = da + db - 3.0 * (fa - fb) / (a - b)
    radicand = d1 * d1 - da * db
    if radicand < 0:
        return None
    d2 = np.sign(b - a) * np.sqrt(radicand)
    denominator = db - da + 2.0 * d2
    if denominator == 0:
        return None
    return b - (b - a) * (db + d2 - d1) / denominator


def wolfe_line_search(
    cost_fn: Cost,
    grad_fn: Gradient,
    theta,
    direction,
    cost0: float | None = None,
    grad0=None,
    c1: float = 1e-4,
    c2: float = 0.9,
    alpha0: float = 1.0,
    max_iter: int = 30,
) -> LineSearchResult:
    r"""A step satisfying the strong Wolfe conditions along ``direction`` (N&W Algorithms 3.5, 3.6).

    The step grows from ``alpha0`` until it brackets an acceptable one, then the bracket
    is shrunk ("zoom") with cubic interpolation. ``direction`` must be a descent
    direction, :math:`\boldsymbol g^T\boldsymbol p < 0`.
    """
    _check_functions(cost_fn, grad_fn)
    theta = as_float_array(theta, "theta", ndim=1, nonempty=True)
    p = as_float_array(direction, "direction", ndim=1)
    if p.shape != theta.shape:
        raise ValueError(f"direction has shape {p.shape}, but theta has shape {theta.shape}")
    if cost0 is not None:
        cost0 = float(check_scalar(cost0, "cost0"))
    if grad0 is not None:
        grad0 = as_float_array(grad0, "grad0", ndim=1)
        if grad0.shape != theta.shape:
            raise ValueError(f"grad0 has shape {grad0.shape}, but theta has shape {theta.shape}")
    check_scalar(c1, "c1", minimum=0.0, maximum=1.0, include_min=False, include_max=False)
    check_scalar(c2, "c2", minimum=c1, maximum=1.0, include_min=False, include_max=False)
    check_scalar(alpha0, "alpha0", minimum=0.0, include_min=False)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    count = [0]
    if cost0 is None or grad0 is None:
        cost0, grad0 = _evaluate(cost_fn, grad_fn, theta, count)
    slope0 = float(np.asarray(grad0) @ p)
    if not slope0 < 0:
        raise ValueError(f"direction is not a descent direction (g^T p = {slope0:.3e} >= 0)")

    def phi(alpha: float) -> tuple[float, np.ndarray, float]:
        c, g = _evaluate(cost_fn, grad_fn, theta + alpha * p, count)
        return c, g, float(g @ p)

    def zoom(lo, hi):
        (a_lo, f_lo, d_lo, _), (a_hi, f_hi, d_hi, _) = lo, hi
        for _ in range(max_iter):
            alpha = _cubic_minimiser(a_lo, f_lo, d_lo, a_hi, f_hi, d_hi)
            low, high = min(a_lo, a_hi), max(a_lo, a_hi)
            margin = 0.1 * (high - low)
            if alpha is None or not (low + margin <= alpha <= high - margin):
                alpha = 0.5 * (a_lo + a_hi)  # fall back to bisection away from the ends
            f, g, d = phi(alpha)
            if f > cost0 + c1 * alpha * slope0 or f >= f_lo:
                a_hi, f_hi, d_hi = alpha, f, d
            else:
                if abs(d) <= -c2 * slope0:
                    return LineSearchResult(alpha, f, g, count[0])
                if d * (a_hi - a_lo) >= 0:
                    a_hi, f_hi, d_hi = a_lo, f_lo, d_lo
                a_lo, f_lo, d_lo = alpha, f, d
        raise LineSearchError(
            f"the line search did not find a Wolfe step within max_iter = {max_iter} zoom steps"
        )

    previous = (0.0, float(cost0), slope0, np.asarray(grad0))
    alpha = float(alpha0)
    for i in range(max_iter):
        f, g, d = phi(alpha)
        if f > cost0 + c1 * alpha * slope0 or (i > 0 and f >= previous[1]):
            return zoom(previous, (alpha, f, d, g))
        if abs(d) <= -c2 * slope0:
            return LineSearchResult(alpha, f, g, count[0])
        if d >= 0:
            return zoom((alpha, f, d, g), previous)
        previous = (alpha, f, d, g)
        alpha *= 2.0
    raise LineSearchError(f"the line search did not bracket a Wolfe step within max_iter = {max_iter} steps")


def _check_functions(cost_fn, grad_fn) -> None:
    if not callable(cost_fn):
        raise TypeError(f"cost_fn must be callable, got {type(cost_fn).__name__}")
    if not callable(grad_fn):
        raise TypeError(f"grad_fn must be callable, got {type(grad_fn).__name__}")


def _check_problem(cost_fn, grad_fn, theta0, tol, max_iter):
    _check_functions(cost_fn, grad_fn)
    theta = as_float_array(theta0, "theta0", ndim=1).copy()
    if theta.size == 0:
        raise ValueError("theta0 must not be empty")
    check_scalar(tol, "tol", minimum=0.0, include_min=False)
    return theta, check_int(max_iter, "max_iter", minimum=1)


def _result(path, costs, grad_norms, converged, evaluations) -> QuasiNewtonResult:
    return QuasiNewtonResult(
        theta=path[-1],
        path=np.array(path),
        costs=np.array(costs),
        grad_norms=np.array(grad_norms),
        converged=converged,
        n_evaluations=evaluations,
    )


@dataclass(frozen=True)
class QuasiNewtonResult(OptimizationResult):
    """An :class:`~physml.optim.OptimizationResult` with the number of cost-and-gradient evaluations."""

    n_evaluations: int = 0


def bfgs(
    cost_fn: Cost, grad_fn: Gradient, theta0, tol: float = 1e-5, max_iter: int = 500, scale_h0: bool = False
) -> QuasiNewtonResult:
    r"""Minimise with BFGS: step along :math:`p_k = -H_k g_k` with the inverse-Hessian update

    .. math::

        \boldsymbol H_{k+1} = (\boldsymbol I - \rho_k\boldsymbol s_k\boldsymbol y_k^T)\,\boldsymbol H_k\,
        (\boldsymbol I - \rho_k\boldsymbol y_k\boldsymbol s_k^T) + \rho_k\boldsymbol s_k\boldsymbol s_k^T,
        \qquad \rho_k = 1/(\boldsymbol y_k^T\boldsymbol s_k),

    starting from :math:`\boldsymbol H_0 = \boldsymbol I` (as SciPy's BFGS does). With ``scale_h0``
    the identity is rescaled after the first step, before the first update, to
    :math:`\boldsymbol H_0 = (\boldsymbol y_0^T\boldsymbol s_0/\boldsymbol y_0^T\boldsymbol y_0)\,
    \boldsymbol I` (Nocedal and Wright, eq. 6.20): an estimate of the inverse curvature along the
    first step, the same scaling L-BFGS applies at every iteration. Stops when
    :math:`\max_j|g_j| <` ``tol`` (SciPy's ``gtol`` with its default infinity norm), or when
    no step satisfies the Wolfe conditions (the cost is flat to round-off). If rounding
    makes :math:`-\boldsymbol H_k\boldsymbol g_k` an ascent direction, :math:`\boldsymbol H` restarts
    from the identity.
    """
    theta, max_iter = _check_problem(cost_fn, grad_fn, theta0, tol, max_iter)
    scale_h0 = check_bool(scale_h0, "scale_h0")
    count = [0]
    cost, g = _evaluate(cost_fn, grad_fn, theta, count)
    identity = np.eye(theta.size)
    H = identity.copy()
    first_update = True
    path, costs, grad_norms = [theta.copy()], [cost], [float(np.linalg.norm(g))]
    converged = bool(np.max(np.abs(g)) < tol)
    for _ in range(max_iter):
        if converged:
            break
        p = -H @ g
        if g @ p >= 0:  # rounding has spoilt H (it happens near convergence): restart from H = I
            H, p = identity.copy(), -g
        try:
            step = wolfe_line_search(cost_fn, grad_fn, theta, p, cost, g)
        except LineSearchError:
            break  # no acceptable step: the cost is flat to round-off along p; stop here
        count[0] += step.n_evaluations
        s = step.alpha * p
        y = step.gradient - g
        theta, cost, g = theta + s, step.cost, step.gradient
        ys = float(y @ s)
        if ys > 0:  # guaranteed by the Wolfe conditions, up to rounding
            if scale_h0 and first_update:
                H = ys / float(y @ y) * identity  # N&W eq. 6.20
            first_update = False
            rho = 1.0 / ys
            H = (identity - rho * np.outer(s, y)) @ H @ (identity - rho * np.outer(y, s)) + rho * np.outer(
                s, s
            )
        path.append(theta.copy())
        costs.append(cost)
        grad_norms.append(float(np.linalg.norm(g)))
        converged = bool(np.max(np.abs(g)) < tol)
    return _result(path, costs, grad_norms, converged, count[0])


#: A pair (s, y) enters L-BFGS only if it satisfies the curvature condition with a margin,
#: :math:`y^T s > \epsilon\,\lVert y\rVert\lVert s\rVert` (the cosine of the angle between s and y
#: above ``CURVATURE_EPS``): with :math:`y^T s \approx 0` the update divides by round-off.
CURVATURE_EPS = 1e-8


def _curvature_ok(s: np.ndarray, y: np.ndarray) -> bool:
    return bool(y @ s > CURVATURE_EPS * np.linalg.norm(y) * np.linalg.norm(s))


def lbfgs_direction(g: np.ndarray, s_list: list[np.ndarray], y_list: list[np.ndarray]) -> np.ndarray:
    r"""The L-BFGS direction :math:`-H_k g_k` by the two-loop recursion (N&W Algorithm 7.4).

    :math:`\boldsymbol H_k` is the BFGS update applied to the last pairs
    :math:`(\boldsymbol s_i, \boldsymbol y_i)`, starting from
    :math:`\gamma_k I` with :math:`\gamma_k = s^T y / y^T y`
    of the newest pair; it is never formed. Every pair must satisfy the curvature condition
    :math:`y^T s > \epsilon\lVert y\rVert\lVert s\rVert` (``CURVATURE_EPS``), else a
    ``ValueError``: :func:`lbfgs` skips such pairs.
    """
    g = as_float_array(g, "g", ndim=1, nonempty=True)
    for name, pairs in (("s_list", s_list), ("y_list", y_list)):
        if isinstance(pairs, (str, bytes)) or not isinstance(pairs, (list, tuple)):
            raise TypeError(f"{name} must be a list of vectors, got {type(pairs).__name__}")
    if len(s_list) != len(y_list):
        raise ValueError(f"s_list and y_list must have the same length, got {len(s_list)} and {len(y_list)}")
    s_list = [_check_pair_vector(s, f"s_list[{i}]", g) for i, s in enumerate(s_list)]
    y_list = [_check_pair_vector(y, f"y_list[{i}]", g) for i, y in enumerate(y_list)]
    for i, (s, y) in enumerate(zip(s_list, y_list, strict=True)):
        if not _curvature_ok(s, y):
            raise ValueError(
                f"y_list[{i}] and s_list[{i}] violate the curvature condition y^T s > "
                f"{CURVATURE_EPS:g} |y| |s| (y^T s = {y @ s:.3g}): the update would divide by "
                "round-off; leave the pair out"
            )
    return _lbfgs_direction(g, s_list, y_list)


def _check_pair_vector(v, name: str, g: np.ndarray) -> np.ndarray:
    v = as_float_array(v, name, ndim=1)
    if v.shape != g.shape:
        raise ValueError(f"{name} must have the shape of g {g.shape}, got {v.shape}")
    return v


def _lbfgs_direction(g: np.ndarray, s_list: list[np.ndarray], y_list: list[np.ndarray]) -> np.ndarray:
    """:func:`lbfgs_direction` without input checks (the loop of :func:`lbfgs`)."""
    q = g.copy()
    alphas = []
    for s, y in zip(reversed(s_list), reversed(y_list), strict=True):
        a = (s @ q) / (y @ s)
        q -= a * y
        alphas.append(a)
    gamma = (s_list[-1] @ y_list[-1]) / (y_list[-1] @ y_list[-1]) if s_list else 1.0
    r = gamma * q
    for (s, y), a in zip(zip(s_list, y_list, strict=True), reversed(alphas), strict=True):
        b = (y @ r) / (y @ s)
        r += (a - b) * s
    return -r


def lbfgs(
    cost_fn: Cost, grad_fn: Gradient, theta0, memory: int = 10, tol: float = 1e-5, max_iter: int = 500
) -> QuasiNewtonResult:
    """Minimise with L-BFGS, keeping the last ``memory`` pairs (s, y); stops when max |g_j| < ``tol``."""
    theta, max_iter = _check_problem(cost_fn, grad_fn, theta0, tol, max_iter)
    memory = check_int(memory, "memory", minimum=1)
    count = [0]
    cost, g = _evaluate(cost_fn, grad_fn, theta, count)
    s_list: list[np.ndarray] = []
    y_list: list[np.ndarray] = []
    path, costs, grad_norms = [theta.copy()], [cost], [float(np.linalg.norm(g))]
    converged = bool(np.max(np.abs(g)) < tol)
    for _ in range(max_iter):
        if converged:
            break
        p = _lbfgs_direction(g, s_list, y_list)
        if g @ p >= 0:  # rounding has spoilt the stored pairs: forget them
            s_list, y_list, p = [], [], -g
        try:
            step = wolfe_line_search(cost_fn, grad_fn, theta, p, cost, g)
        except LineSearchError:
            break  # no acceptable step: the cost is flat to round-off along p; stop here
        count[0] += step.n_evaluations
        s, y = step.alpha * p, step.gradient - g
        theta, cost, g = theta + s, step.cost, step.gradient
        if _curvature_ok(s, y):  # skip a pair with y^T s ~ 0 (CURVATURE_EPS)
            s_list.append(s)
            y_list.append(y)
            if len(s_list) > memory:
                s_list.pop(0)
                y_list.pop(0)
        path.append(theta.copy())
        costs.append(cost)
        grad_norms.append(float(np.linalg.norm(g)))
        converged = bool(np.max(np.abs(g)) < tol)
    return _result(path, costs, grad_norms, converged, count[0])


def nonlinear_cg(
    cost_fn: Cost, grad_fn: Gradient, theta0, tol: float = 1e-5, max_iter: int = 2000
) -> QuasiNewtonResult:
    r"""Nonlinear conjugate gradients with the Polak–Ribière+ rule (N&W eq. 5.44, 5.45).

    .. math::

        \boldsymbol p_{k+1} = -\boldsymbol g_{k+1} + \beta_{k+1}\boldsymbol p_k,\qquad
        \beta_{k+1} = \max\left(0, \frac{\boldsymbol g_{k+1}^T(\boldsymbol g_{k+1} - \boldsymbol g_k)}
        {\boldsymbol g_k^T\boldsymbol g_k}\right),

    with a strong Wolfe line search (:math:`c_2 = 0.1`, as recommended for CG); the
    direction is reset to :math:`-\boldsymbol g` if it is not a descent direction.
    """
    theta, max_iter = _check_problem(cost_fn, grad_fn, theta0, tol, max_iter)
    count = [0]
    cost, g = _evaluate(cost_fn, grad_fn, theta, count)
    p = -g
    path, costs, grad_norms = [theta.copy()], [cost], [float(np.linalg.norm(g))]
    converged = bool(np.max(np.abs(g)) < tol)
    for _ in range(max_iter):
        if converged:
            break
        if g @ p >= 0:
            p = -g
        try:
            step = wolfe_line_search(cost_fn, grad_fn, theta, p, cost, g, c2=0.1)
        except LineSearchError:
            break  # no acceptable step: the cost is flat to round-off along p; stop here
        count[0] += step.n_evaluations
        theta = theta + step.alpha * p
        g_new = step.gradient
        beta = max(0.0, float(g_new @ (g_new - g)) / float(g @ g))
        p = -g_new + beta * p
        cost, g = step.cost, g_new
        path.append(theta.copy())
        costs.append(cost)
        grad_norms.append(float(np.linalg.norm(g)))
        converged = bool(np.max(np.abs(g)) < tol)
    return _result(path, costs, grad_norms, converged, count[0])
