"""Line search, BFGS, L-BFGS and nonlinear CG (physml.quasi_newton), and AdamW."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from physml import optim, quasi_newton


def _quadratic(seed: int, n: int = 6):
    rng = np.random.default_rng(seed)
    Q = rng.normal(size=(n, n))
    A = Q @ Q.T + n * np.eye(n)
    b = rng.normal(size=n)
    return (lambda x: 0.5 * x @ A @ x - b @ x), (lambda x: A @ x - b), np.linalg.solve(A, b)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_line_search_step_satisfies_the_strong_wolfe_conditions(seed):
    cost, grad, _ = _quadratic(seed)
    x = np.random.default_rng(seed + 1).normal(size=6)
    p = -grad(x)
    c1, c2 = 1e-4, 0.9
    step = quasi_newton.wolfe_line_search(cost, grad, x, p, c1=c1, c2=c2)
    slope = grad(x) @ p
    assert cost(x + step.alpha * p) <= cost(x) + c1 * step.alpha * slope
    assert abs(grad(x + step.alpha * p) @ p) <= c2 * abs(slope)


@pytest.mark.parametrize("method", [quasi_newton.bfgs, quasi_newton.lbfgs, quasi_newton.nonlinear_cg])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_methods_reach_the_minimum_of_a_quadratic(method, seed):
    cost, grad, minimum = _quadratic(seed)
    result = method(cost, grad, np.zeros(6), tol=1e-8)
    assert result.converged
    np.testing.assert_allclose(result.theta, minimum, atol=1e-7)
    assert result.n_evaluations >= result.n_steps


def test_bfgs_takes_as_many_iterations_as_scipy_on_rosenbrock():
    from scipy.optimize import minimize

    x0 = np.array([-1.2, 1.0])
    ours = quasi_newton.bfgs(optim.rosenbrock, optim.rosenbrock_gradient, x0, tol=1e-5)
    theirs = minimize(
        optim.rosenbrock, x0, jac=optim.rosenbrock_gradient, method="BFGS", options={"gtol": 1e-5}
    )
    assert ours.converged and theirs.success
    np.testing.assert_allclose(ours.theta, theirs.x, atol=1e-5)
    assert abs(ours.n_steps - theirs.nit) <= 3


def test_lbfgs_with_memory_one_still_converges():
    cost, grad, minimum = _quadratic(5)
    result = quasi_newton.lbfgs(cost, grad, np.zeros(6), memory=1, tol=1e-9, max_iter=2000)
    np.testing.assert_allclose(result.theta, minimum, atol=1e-7)


def test_bad_input():
    cost, grad, _ = _quadratic(0)
    x = np.ones(6)
    with pytest.raises(ValueError, match="descent direction"):
        quasi_newton.wolfe_line_search(cost, grad, x, grad(x))
    with pytest.raises(ValueError, match="direction"):
        quasi_newton.wolfe_line_search(cost, grad, x, np.ones(3))
    with pytest.raises(ValueError, match="c2"):
        quasi_newton.wolfe_line_search(cost, grad, x, -grad(x), c1=0.5, c2=0.1)
    with pytest.raises(TypeError, match="cost_fn"):
        quasi_newton.bfgs(None, grad, x)
    with pytest.raises(ValueError, match="theta0"):
        quasi_newton.bfgs(cost, grad, [np.nan] * 6)
    with pytest.raises(ValueError, match="memory"):
        quasi_newton.lbfgs(cost, grad, x, memory=0)
    with pytest.raises(FloatingPointError, match="non-finite"):
        quasi_newton.bfgs(lambda t: float("nan"), grad, x)


def test_adamw_decays_every_parameter_by_the_same_factor():
    p = [np.array([1.0, -2.0, 4.0])]
    opt = optim.AdamW(0.1, weight_decay=0.5)
    opt.step(p, [np.zeros(3)])  # zero gradient: only the decoupled decay acts
    np.testing.assert_allclose(p[0], np.array([1.0, -2.0, 4.0]) * (1 - 0.1 * 0.5))
    with pytest.raises(ValueError, match="weight_decay"):
        optim.AdamW(0.1, weight_decay=-1.0)


def test_lbfgs_direction_refuses_pairs_without_curvature():
    """y^T s ~ 0 next to |y||s| would give a direction of norm ~1e16: refused by name (issue 26)."""
    g, s = np.array([1.0, 2.0]), np.array([0.1, 0.2])
    y = np.array([2.0, -1.0 + 1e-15])  # y^T s ~ 2e-16 > 0
    assert y @ s > 0
    with pytest.raises(ValueError, match=r"y_list\[0\] and s_list\[0\] violate the curvature condition"):
        quasi_newton.lbfgs_direction(g, [s], [y])
    with pytest.raises(ValueError, match="curvature"):
        quasi_newton.lbfgs_direction(g, [s, s], [np.array([0.2, 0.3]), -np.array([0.2, 0.3])])
    p = quasi_newton.lbfgs_direction(g, [s], [np.array([0.2, 0.3])])
    assert g @ p < 0  # a pair with curvature gives a descent direction
