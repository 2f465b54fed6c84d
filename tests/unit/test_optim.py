"""Tests of physml.optim: convergence, agreement with torch.optim, Newton's method, bad input."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from physml import optim

# ----------------------------------------------------------------------------------------------
# A quadratic with a known optimum: C(theta) = 1/2 (theta - c)^T A (theta - c)
# ----------------------------------------------------------------------------------------------

_Q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((3, 3)))
A = _Q @ np.diag([4.0, 1.0, 0.25]) @ _Q.T  # coupled coordinates, condition number 16
A = 0.5 * (A + A.T)
CENTER = np.array([1.0, -2.0, 0.5])
N_QUAD = 3000


def quad_grad(theta):
    return A @ (theta - CENTER)


def quad_cost(theta):
    d = theta - CENTER
    return 0.5 * d @ A @ d


OPTIMIZERS = {
    "gd": (lambda: optim.GradientDescent(0.4), None),
    "momentum": (lambda: optim.Momentum(0.2, momentum=0.8), None),
    "nesterov": (lambda: optim.Momentum(0.2, momentum=0.8, nesterov=True), None),
    "adagrad": (lambda: optim.AdaGrad(0.5), None),
    # The two running-average methods need a decaying rate to converge (see the tests below).
    "rmsprop": (lambda: optim.RMSprop(0.05), optim.ExponentialDecay(0.05, gamma=0.995)),
    "adam": (lambda: optim.Adam(0.05), optim.CosineDecay(0.05, N_QUAD)),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_reaches_the_optimum_of_a_quadratic(name):
    make, schedule = OPTIMIZERS[name]
    result = optim.minimize(quad_grad, np.zeros(3), make(), N_QUAD, cost_fn=quad_cost, schedule=schedule)
    np.testing.assert_allclose(result.theta, CENTER, atol=1e-10)
    assert result.costs[-1] < 1e-18
    assert result.path.shape == (N_QUAD + 1, 3)


def test_rmsprop_with_constant_rate_stalls_at_a_distance_proportional_to_the_rate():
    """The honest counterpart of the scheduled run above: a limit cycle of size ~ eta."""
    floors = []
    for eta in (0.01, 0.02):
        result = optim.minimize(quad_grad, np.zeros(3), optim.RMSprop(eta), N_QUAD)
        floors.append(np.linalg.norm(result.path[-200:] - CENTER, axis=1).mean())
    assert 1e-3 < floors[0] < 0.1
    assert floors[1] / floors[0] == pytest.approx(2.0, rel=0.1)


def test_adam_with_constant_rate_gets_to_round_off_level():
    result = optim.minimize(quad_grad, np.zeros(3), optim.Adam(0.05), N_QUAD)
    assert np.linalg.norm(result.path - CENTER, axis=1).min() < 1e-12


# ----------------------------------------------------------------------------------------------
# Step-by-step agreement with torch.optim (float64), several parameter arrays
# ----------------------------------------------------------------------------------------------

SHAPES = [(3,), (2, 4), (1, 1, 5)]


def _compare_with_torch(ours, torch_cls, torch_kwargs, n_steps, seed):
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(s) for s in SHAPES]
    tparams = [torch.tensor(p.copy(), dtype=torch.float64, requires_grad=True) for p in params]
    topt = torch_cls(tparams, **torch_kwargs)
    for _ in range(n_steps):
        # gradients of a non-quadratic cost, sum(p^4)/4 + sum(sin p), so the state matters
        grads = [p**3 + np.cos(p) for p in params]
        for tp, g in zip(tparams, grads, strict=True):
            tp.grad = torch.tensor(g, dtype=torch.float64)
        ours.step(params, grads)
        topt.step()
        for p, tp in zip(params, tparams, strict=True):
            np.testing.assert_allclose(p, tp.detach().numpy(), rtol=0, atol=1e-10)
    return params


TORCH_CASES = {
    "adam-default": (lambda: optim.Adam(0.01), torch.optim.Adam, {"lr": 0.01}),
    "adam-custom": (
        lambda: optim.Adam(0.03, beta1=0.5, beta2=0.9, eps=1e-4),
        torch.optim.Adam,
        {"lr": 0.03, "betas": (0.5, 0.9), "eps": 1e-4},
    ),
    "rmsprop-default": (lambda: optim.RMSprop(0.01), torch.optim.RMSprop, {"lr": 0.01}),
    "rmsprop-custom": (
        lambda: optim.RMSprop(0.02, rho=0.5, eps=1e-3),
        torch.optim.RMSprop,
        {"lr": 0.02, "alpha": 0.5, "eps": 1e-3},
    ),
    "adagrad-default": (lambda: optim.AdaGrad(0.1), torch.optim.Adagrad, {"lr": 0.1}),
    "adagrad-custom": (lambda: optim.AdaGrad(0.3, eps=1e-3), torch.optim.Adagrad, {"lr": 0.3, "eps": 1e-3}),
    "momentum": (lambda: optim.Momentum(0.05, momentum=0.9), torch.optim.SGD, {"lr": 0.05, "momentum": 0.9}),
    "nesterov": (
        lambda: optim.Momentum(0.05, momentum=0.7, nesterov=True),
        torch.optim.SGD,
        {"lr": 0.05, "momentum": 0.7, "nesterov": True},
    ),
    "gd": (lambda: optim.GradientDescent(0.05), torch.optim.SGD, {"lr": 0.05}),
}


@pytest.mark.parametrize("case", TORCH_CASES)
def test_step_by_step_equal_to_torch(case):
    make, torch_cls, kwargs = TORCH_CASES[case]
    params = _compare_with_torch(make(), torch_cls, kwargs, n_steps=25, seed=7)
    assert all(np.all(np.isfinite(p)) for p in params)


@settings(max_examples=15)
@given(
    lr=st.floats(1e-4, 0.5),
    beta1=st.floats(0.0, 0.99),
    beta2=st.floats(0.0, 0.9999),
    eps=st.floats(1e-10, 1e-2),
    seed=st.integers(0, 2**16),
)
def test_adam_equals_torch_for_any_hyperparameters(lr, beta1, beta2, eps, seed):
    ours = optim.Adam(lr, beta1=beta1, beta2=beta2, eps=eps)
    _compare_with_torch(ours, torch.optim.Adam, {"lr": lr, "betas": (beta1, beta2), "eps": eps}, 8, seed)


@settings(max_examples=15)
@given(
    lr=st.floats(1e-4, 0.5), rho=st.floats(0.0, 0.999), eps=st.floats(1e-10, 1e-2), seed=st.integers(0, 2**16)
)
def test_rmsprop_equals_torch_for_any_hyperparameters(lr, rho, eps, seed):
    ours = optim.RMSprop(lr, rho=rho, eps=eps)
    _compare_with_torch(ours, torch.optim.RMSprop, {"lr": lr, "alpha": rho, "eps": eps}, 8, seed)


def test_reset_forgets_the_state():
    opt = optim.Adam(0.1)
    p = np.ones(2)
    opt.step([p], [np.ones(2)])
    opt.reset()
    assert opt.t == 0 and opt.state == {}
    q = np.ones(2)
    opt.step([q], [np.ones(2)])
    np.testing.assert_allclose(q, 1 - 0.1, atol=1e-7)  # first Adam step is lr * sign(g)


def test_changing_the_learning_rate_between_steps_is_used():
    opt = optim.GradientDescent(0.1)
    p = np.zeros(1)
    opt.step([p], [np.ones(1)])
    opt.learning_rate = 0.5
    opt.step([p], [np.ones(1)])
    np.testing.assert_allclose(p, [-0.6])


# ----------------------------------------------------------------------------------------------
# Learning-rate schedules agree with torch.optim.lr_scheduler
# ----------------------------------------------------------------------------------------------


def _torch_rates(make_scheduler, lr, n):
    param = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([param], lr=lr)
    sched = make_scheduler(opt)
    rates = []
    for _ in range(n):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(rates)


@pytest.mark.parametrize(
    "ours, make_torch",
    [
        (
            optim.StepDecay(0.1, factor=0.3, every=7),
            lambda o: torch.optim.lr_scheduler.StepLR(o, 7, gamma=0.3),
        ),
        (optim.ExponentialDecay(0.1, gamma=0.9), lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.9)),
        (
            optim.CosineDecay(0.1, n_epochs=30, minimum=0.01),
            lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=30, eta_min=0.01),
        ),
        (
            optim.InverseTimeDecay(0.1, decay=0.2),
            lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda t: 1 / (1 + 0.2 * t)),
        ),
    ],
)
def test_schedules_equal_torch_schedulers(ours, make_torch):
    n = 31
    np.testing.assert_allclose([ours(t) for t in range(n)], _torch_rates(make_torch, 0.1, n), rtol=1e-12)


def test_constant_schedule_and_cosine_end():
    assert optim.ConstantRate(0.3)(17) == 0.3
    assert optim.CosineDecay(0.1, n_epochs=10, minimum=0.02)(50) == pytest.approx(0.02)


# ----------------------------------------------------------------------------------------------
# Newton's method
# ----------------------------------------------------------------------------------------------


def test_newton_root_converges_quadratically():
    # f(x) = x^2 - 2, root sqrt(2); e_{k+1} / e_k^2 -> f''/(2 f') = 1 / (2 sqrt 2)
    result = optim.newton_root(lambda x: x * x - 2, lambda x: 2 * x, 3.0, tol=1e-15)
    assert result.converged
    assert result.root == pytest.approx(np.sqrt(2), abs=1e-15)
    err = np.abs(result.iterates - np.sqrt(2))
    usable = np.nonzero(err > 1e-7)[0]  # before round-off takes over
    ratios = err[usable[1:]] / err[usable[:-1]] ** 2
    assert ratios[-1] == pytest.approx(1 / (2 * np.sqrt(2)), rel=0.05)
    # the number of correct digits at least doubles near the root
    assert err[usable[-1] + 1] < err[usable[-1]] ** 1.9


def test_newton_beats_bisection():
    f, df = (lambda x: np.cos(x) - x), (lambda x: -np.sin(x) - 1)
    newton = optim.newton_root(f, df, 1.0, tol=1e-13)
    bisect = optim.bisection(f, 0.0, 1.0, tol=1e-13)
    assert newton.root == pytest.approx(bisect.root, abs=1e-12)
    assert newton.n_iter < 10 < 40 < bisect.n_iter


def test_newton_not_converged_is_reported():
    result = optim.newton_root(lambda x: x**3 - 2 * x + 2, lambda x: 3 * x**2 - 2, 0.0, max_iter=20)
    assert not result.converged  # the classic 0 -> 1 -> 0 cycle
    assert result.n_iter == 20


def test_newton_minimize_one_step_on_quadratic_and_rosenbrock():
    result = optim.newton_minimize(quad_grad, lambda th: A, np.zeros(3), max_iter=1)
    np.testing.assert_allclose(result.path[1], CENTER, atol=1e-13)
    rb = optim.newton_minimize(optim.rosenbrock_gradient, optim.rosenbrock_hessian, [-1.2, 1.0])
    assert rb.converged
    np.testing.assert_allclose(rb.theta, [1.0, 1.0], atol=1e-12)


def test_rosenbrock_derivatives_match_finite_differences():
    theta = np.array([-0.7, 0.4])
    h = 1e-6
    num_grad = [
        (optim.rosenbrock(theta + h * e) - optim.rosenbrock(theta - h * e)) / (2 * h) for e in np.eye(2)
    ]
    np.testing.assert_allclose(optim.rosenbrock_gradient(theta), num_grad, rtol=1e-7)
    num_hess = np.array(
        [
            (optim.rosenbrock_gradient(theta + h * e) - optim.rosenbrock_gradient(theta - h * e)) / (2 * h)
            for e in np.eye(2)
        ]
    )
    np.testing.assert_allclose(optim.rosenbrock_hessian(theta), num_hess, rtol=1e-6)


# ----------------------------------------------------------------------------------------------
# Gradient descent stability limit (hypothesis over random quadratics)
# ----------------------------------------------------------------------------------------------


@settings(max_examples=20)
@given(
    eigs=st.lists(st.floats(0.1, 10.0), min_size=2, max_size=4),
    seed=st.integers(0, 1000),
)
def test_critical_learning_rate_separates_convergence_from_divergence(eigs, seed):
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((len(eigs), len(eigs))))
    hess = q @ np.diag(eigs) @ q.T
    hess = 0.5 * (hess + hess.T)
    eta_c = optim.critical_learning_rate(hess)
    assert eta_c == pytest.approx(2 / max(eigs), rel=1e-10)
    start = q[:, int(np.argmax(eigs))]  # has a component along the stiffest direction

    def grad(th):
        return hess @ th

    below = optim.minimize(grad, start, optim.GradientDescent(0.9 * eta_c), 400)
    above = optim.minimize(grad, start, optim.GradientDescent(1.1 * eta_c), 400)
    assert np.linalg.norm(below.theta) < 1e-3
    assert np.linalg.norm(above.theta) > 1e3


# ----------------------------------------------------------------------------------------------
# Drivers
# ----------------------------------------------------------------------------------------------


def test_minimize_stops_at_tolerance():
    result = optim.minimize(quad_grad, np.zeros(3), optim.GradientDescent(0.4), 10_000, tol=1e-8)
    assert result.converged
    assert result.grad_norms[-1] <= 1e-8
    assert result.n_steps < 10_000
    assert result.costs is None


def test_divergence_stops_with_a_clear_error():
    with pytest.raises(FloatingPointError, match="diverged"):
        optim.minimize(quad_grad, np.zeros(3), optim.GradientDescent(1.0), 5000, cost_fn=quad_cost)


def test_sgd_is_reproducible_and_full_batch_equals_gradient_descent():
    prob = optim.make_ridge_problem(n_samples=100, n_features=3, seed=0)
    theta0 = np.zeros(3)
    a = optim.sgd(prob.gradient, theta0, prob.n, optim.Momentum(0.05), 10, 5, seed=4)
    b = optim.sgd(prob.gradient, theta0, prob.n, optim.Momentum(0.05), 10, 5, seed=4)
    c = optim.sgd(prob.gradient, theta0, prob.n, optim.Momentum(0.05), 10, 5, seed=5)
    np.testing.assert_array_equal(a.path, b.path)
    assert not np.allclose(a.path[-1], c.path[-1])
    full = optim.sgd(prob.gradient, theta0, prob.n, optim.GradientDescent(0.3), prob.n, 20, seed=1)
    gd = optim.minimize(prob.gradient, theta0, optim.GradientDescent(0.3), 20)
    np.testing.assert_allclose(full.path, gd.path, atol=1e-14)


def test_sgd_with_decaying_rate_approaches_ridge_minimum():
    prob = optim.make_ridge_problem(n_samples=200, n_features=3, seed=1)
    theta_hat = prob.closed_form()

    def run(schedule):
        return optim.sgd(
            prob.gradient,
            np.zeros(3),
            prob.n,
            optim.GradientDescent(0.1),
            8,
            150,
            seed=2,
            cost_fn=prob.cost,
            schedule=schedule,
        )

    decayed = run(optim.InverseTimeDecay(0.1, decay=0.2))
    constant = run(None)
    assert np.linalg.norm(decayed.theta - theta_hat) < 0.03
    assert decayed.costs[-1] < decayed.costs[0]
    # a constant rate keeps bouncing around the minimum (the noise floor)
    floor = np.linalg.norm(constant.path[-20:] - theta_hat, axis=1).mean()
    assert floor > 2 * np.linalg.norm(decayed.theta - theta_hat)


def test_ridge_closed_form_is_the_minimum():
    prob = optim.make_ridge_problem(n_samples=50, n_features=4, lam=0.1, seed=3)
    theta = prob.closed_form()
    np.testing.assert_allclose(prob.gradient(theta), 0.0, atol=1e-12)
    # the Hessian is the derivative of the gradient
    e = np.eye(4)[1]
    np.testing.assert_allclose(
        prob.gradient(theta + e) - prob.gradient(theta), prob.hessian() @ e, atol=1e-12
    )


def test_minibatches_cover_every_sample_once():
    batches = optim.minibatches(23, 5, np.random.default_rng(0))
    assert [len(b) for b in batches] == [5, 5, 5, 5, 3]
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(23))


# ----------------------------------------------------------------------------------------------
# Bad input
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, argument",
    [
        (lambda: optim.GradientDescent(-0.1), "learning_rate"),
        (lambda: optim.GradientDescent(0.0), "learning_rate"),
        (lambda: optim.Momentum(0.1, momentum=1.0), "momentum"),
        (lambda: optim.AdaGrad(0.1, eps=0.0), "eps"),
        (lambda: optim.RMSprop(0.1, rho=1.0), "rho"),
        (lambda: optim.RMSprop(0.1, eps=-1e-8), "eps"),
        (lambda: optim.Adam(0.1, beta1=1.0), "beta1"),
        (lambda: optim.Adam(0.1, beta1=-0.1), "beta1"),
        (lambda: optim.Adam(0.1, beta2=1.5), "beta2"),
        (lambda: optim.Adam(0.1, eps=0.0), "eps"),
        (lambda: optim.Adam(float("nan")), "learning_rate"),
        (lambda: optim.StepDecay(0.1, factor=0.0), "factor"),
        (lambda: optim.ExponentialDecay(0.1, gamma=1.5), "gamma"),
        (lambda: optim.CosineDecay(0.1, n_epochs=10, minimum=0.5), "minimum"),
        (lambda: optim.InverseTimeDecay(-1.0), "initial"),
        (lambda: optim.ExponentialDecay(0.1)(-1), "epoch"),
        (lambda: optim.newton_root(lambda x: x, lambda x: 1.0, 0.0, tol=0.0), "tol"),
        (lambda: optim.bisection(lambda x: x * x + 1, -1.0, 1.0), "opposite signs"),
        (lambda: optim.critical_learning_rate([[1.0, 2.0], [0.0, 1.0]]), "hessian"),
        (
            lambda: optim.sgd(quad_grad, np.zeros(3), 10, optim.GradientDescent(0.1), 20, 1, seed=0),
            "batch_size",
        ),
        (lambda: optim.RidgeProblem(np.ones((3, 2)), np.ones(4), 0.1), "X and y"),
    ],
)
def test_bad_hyperparameters_raise_value_error_naming_the_argument(make, argument):
    with pytest.raises(ValueError, match=argument):
        make()


def test_bad_types_and_shapes():
    opt = optim.Adam(0.1)
    with pytest.raises(TypeError, match="learning_rate"):
        optim.Adam("fast")
    with pytest.raises(TypeError, match="params"):
        opt.step(np.zeros(2), [np.zeros(2)])
    with pytest.raises(TypeError, match=r"params\[0\]"):
        opt.step([np.zeros(2, dtype=int)], [np.zeros(2)])
    with pytest.raises(ValueError, match=r"grads\[1\]"):
        opt.step([np.zeros(2), np.zeros(3)], [np.zeros(2), np.zeros(2)])
    with pytest.raises(ValueError, match="same length"):
        opt.step([np.zeros(2)], [])
    with pytest.raises(ValueError, match="learning_rate"):
        opt.learning_rate = -1.0
    with pytest.raises(TypeError, match="optimizer"):
        optim.minimize(quad_grad, np.zeros(3), "adam", 10)
    with pytest.raises(TypeError, match="schedule"):
        optim.minimize(quad_grad, np.zeros(3), opt, 10, schedule=0.1)
    with pytest.raises(ValueError, match="grad_fn"):
        optim.minimize(lambda th: np.zeros(2), np.zeros(3), opt, 10)
    with pytest.raises(TypeError, match="seed"):
        optim.sgd(quad_grad, np.zeros(3), 10, opt, 2, 1, seed=None)
    with pytest.raises(FloatingPointError, match="derivative"):
        optim.newton_root(lambda x: x * x + 1, lambda x: 2 * x, 0.0)
    with pytest.raises(FloatingPointError, match="singular"):
        optim.newton_minimize(lambda th: th - 1, lambda th: np.zeros((2, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="theta0"):
        optim.newton_minimize(quad_grad, lambda th: A, [np.nan, 0.0, 0.0])


def test_rosenbrock_point_and_batches():
    assert optim.rosenbrock([1.0, 1.0]) == 0.0
    assert isinstance(optim.rosenbrock(np.array([0.5, 0.5])), float)
    xs, ys = np.meshgrid(np.linspace(-1, 1, 4), np.linspace(0, 2, 3))
    grid = optim.rosenbrock((xs, ys))
    assert grid.shape == xs.shape
    np.testing.assert_allclose(grid[1, 2], optim.rosenbrock([xs[1, 2], ys[1, 2]]))
    one = optim.rosenbrock(np.array([[0.5], [0.5]]))  # a batch of one point: shape (1,), as documented
    assert one.shape == (1,) and one[0] == optim.rosenbrock([0.5, 0.5])


@pytest.mark.parametrize(
    "theta",
    [0.5, np.ones(3), np.ones((3, 2)), np.ones((1, 2)), np.ones(0), np.ones((2, 0))],
    ids=["0-d", "length 3", "points as rows", "one row", "empty", "empty batch"],
)
def test_rosenbrock_refuses_wrong_dimensions(theta):
    with pytest.raises(ValueError, match="theta"):
        optim.rosenbrock(theta)


def test_rosenbrock_refuses_bad_values():
    with pytest.raises(ValueError, match="theta"):
        optim.rosenbrock([np.nan, 1.0])
    with pytest.raises(TypeError, match="theta"):
        optim.rosenbrock([1.0 + 1j, 1.0])
    with pytest.raises(TypeError, match="theta"):
        optim.rosenbrock(None)
