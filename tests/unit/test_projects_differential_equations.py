"""physml.projects.differential_equations: each milestone check against right input (passes),
deliberately wrong input (fails, without showing the reference value) and bad input (raises);
the data generators are reproducible."""

from __future__ import annotations

import math

import numpy as np
import pytest

from physml import pinn, rnn
from physml.projects import Milestone
from physml.projects import differential_equations as de


def ftcs(dx, dt, t, bug=None):
    """An FTCS solver written independently of the module (with optional realistic bugs)."""
    n_int, n_steps = round(1 / dx), round(t / dt)
    r = dt / dx if bug == "r" else dt / dx**2
    u = np.sin(np.pi * np.arange(n_int + 1) / n_int)
    u[0] = u[-1] = 0.0
    for _ in range(n_steps):
        if bug == "in-place":  # Gauss-Seidel by accident: new left neighbours are used
            for j in range(1, n_int):
                u[j] = u[j] + r * (u[j + 1] - 2 * u[j] + u[j - 1])
        elif bug == "one step short":
            pass
        else:
            u[1:-1] = u[1:-1] + r * (u[2:] - 2 * u[1:-1] + u[:-2])
    if bug == "one step short":
        return ftcs(dx, dt, t - dt)
    return u


def _formats(value: float) -> list[str]:
    return [f"{value:{spec}}" for spec in (".6g", ".5g", ".4g", ".3g", ".2e", ".3e", "g")] + [repr(value)]


def _reveals(m: Milestone, value: float) -> bool:
    text = str(m)
    return any(s in text for s in _formats(value))


# --- FTCS ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dx", [0.1, 0.01])
@pytest.mark.parametrize("t", [0.1, 0.5])
def test_ftcs_passes_at_the_stability_limit(dx, t):
    dt = dx**2 / 2
    m = de.check_ftcs(ftcs(dx, dt, t), dx, dt, t)
    assert isinstance(m, Milestone) and m.passed, str(m)
    assert "max error" in str(m)


def test_ftcs_bound_is_the_error_of_the_book_scheme():
    """The closed-form bound equals the error of physml.pinn.ftcs_heat, an independent code."""
    for nx, dt, t in [(11, 0.005, 0.1), (11, 0.004, 0.5), (101, 5e-5, 0.1), (21, 0.001, 0.2)]:
        x, u = pinn.ftcs_heat(nx, dt, t)
        error = np.max(np.abs(u - pinn.heat_exact(x, t)))
        bound = de._ftcs_error_bound(1 / (nx - 1), dt, t)
        assert error == pytest.approx(bound, rel=1e-6, abs=1e-13)


def test_ftcs_bound_is_second_order_in_dx_at_fixed_r():
    b1 = de._ftcs_error_bound(0.1, 0.005, 0.5)
    b2 = de._ftcs_error_bound(0.05, 0.00125, 0.5)
    assert math.log2(b1 / b2) == pytest.approx(2.0, abs=0.1)


@pytest.mark.parametrize("bug", ["r", "in-place", "one step short"])
def test_ftcs_fails_with_a_bug_and_hides_the_bound(bug):
    dx, t = 0.1, 0.1
    dt = dx**2 / 2
    m = de.check_ftcs(ftcs(dx, dt, t, bug=bug), dx, dt, t)
    assert not m.passed
    assert not _reveals(m, de._ftcs_error_bound(dx, dt, t))
    assert "truncation error" in m.message


def test_ftcs_fails_when_the_ends_are_not_zero():
    dx, t = 0.01, 0.1
    dt = dx**2 / 2
    u = ftcs(dx, dt, t)
    u[0] = 1e-3
    assert not de.check_ftcs(u, dx, dt, t).passed


def test_ftcs_unstable_step_fails_with_the_reason():
    dx, dt, t = 0.01, 6e-5, 0.3  # r = 0.6
    with np.errstate(over="ignore", invalid="ignore"):
        u = ftcs(dx, dt, t)
    assert not np.all(np.isfinite(u))  # the instability has blown up: NaN/inf is accepted here
    m = de.check_ftcs(u, dx, dt, t)
    assert not m.passed and "unstable" in m.message and "1/2" in m.message
    # even a perfect profile does not pass above the limit
    x = np.arange(101) / 100
    assert not de.check_ftcs(pinn.heat_exact(x, t), dx, dt, t).passed


def test_ftcs_bad_input_raises():
    dx, dt, t = 0.1, 0.005, 0.1
    u = ftcs(dx, dt, t)
    with pytest.raises(ValueError, match="u"):
        de.check_ftcs(u[1:-1], dx, dt, t)  # interior only
    bad = u.copy()
    bad[3] = np.nan
    with pytest.raises(ValueError, match="u"):
        de.check_ftcs(bad, dx, dt, t)
    with pytest.raises(ValueError, match="dx"):
        de.check_ftcs(u, 0.3, dt, t)  # not 1/N
    with pytest.raises(ValueError, match="t"):
        de.check_ftcs(u, dx, dt, 0.1013)  # not a whole number of steps
    with pytest.raises(TypeError, match="u"):
        de.check_ftcs("u", dx, dt, t)
    with pytest.raises(TypeError, match="dt"):
        de.check_ftcs(u, dx, "0.005", t)
    with pytest.raises(ValueError, match="dt"):
        de.check_ftcs(u, dx, -0.005, t)


# --- the network solution -------------------------------------------------------------------------


def test_pinn_passes_near_the_exact_solution_and_fails_far_from_it():
    x = np.linspace(0, 1, 101)
    exact = pinn.heat_exact(x, 0.1)
    noisy = exact * (1 + 1e-3 * np.random.default_rng(0).standard_normal(101))
    assert de.check_pinn(noisy).passed
    initial = np.sin(np.pi * x)  # the untrained trial solution
    m = de.check_pinn(initial)
    assert not m.passed and "relative L2 error" in str(m)
    assert not _reveals(m, math.exp(-(math.pi**2) * 0.1))
    assert not de.check_pinn(exact * 1.05, t=0.1, target=0.01).passed
    assert de.check_pinn(exact * 1.05, t=0.1, target=0.1).passed


def test_pinn_bad_input_raises():
    with pytest.raises(ValueError, match="u"):
        de.check_pinn(np.ones(5))
    with pytest.raises(ValueError, match="u"):
        de.check_pinn(np.full(20, np.nan))
    with pytest.raises(ValueError, match="target"):
        de.check_pinn(np.ones(20), target=0.0)
    with pytest.raises(ValueError, match="t"):
        de.check_pinn(np.ones(20), t=-1.0)


# --- the forecaster --------------------------------------------------------------------------


def rk4_forecaster(history, n_steps):
    """The true dynamics from the last state (the same RK4 at LORENZ_DT/2): a perfect forecaster
    that never sees the held-out truth."""
    fine = de.LORENZ_DT / 2
    traj = rnn.integrate(rnn.lorenz_rhs, np.asarray(history)[:, -1], fine, 2 * n_steps)[2::2]
    return np.swapaxes(traj, 0, 1)


def persistence(history, n_steps):
    return np.repeat(np.asarray(history)[:, -1:], n_steps, axis=1)


def test_forecaster_passes_with_the_true_dynamics_as_function_and_as_array():
    m = de.check_forecaster(rk4_forecaster)
    assert m.passed, str(m)
    assert de.check_forecaster(rk4_forecaster(de.lorenz_held_out(), de.HELD_OUT_HORIZON)).passed


def test_forecaster_fails_with_persistence():
    m = de.check_forecaster(persistence)
    assert not m.passed and "median valid time" in str(m)
    truth = de._held_out()[1]
    assert not any(f"{v:.4g}" in str(m) for v in truth[0, 0])


def test_forecaster_with_noise_of_a_lyapunov_growth():
    """A perturbed start of size d0 loses the forecast after ln(0.4 D / d0) Lyapunov times, roughly."""
    held = de.lorenz_held_out()
    small = held.copy()
    small[:, -1] += 1e-3
    large = held.copy()
    large[:, -1] += 2.0
    t_small = np.median(de.valid_time(rk4_forecaster(small, 300), de._held_out()[1]))
    t_large = np.median(de.valid_time(rk4_forecaster(large, 300), de._held_out()[1]))
    assert t_small > t_large + 2.0


def test_valid_time_definition():
    true = np.zeros((2, 10, 3))
    pred = np.zeros((2, 10, 3))
    pred[0, 4:, 0] = 0.5 * de._attractor_scale()  # exceeds 0.4 at step 5
    times = de.valid_time(pred, true)
    np.testing.assert_allclose(times, np.array([5, 10]) * de.LORENZ_DT * de.LYAPUNOV_EXPONENT)
    assert de.valid_time(pred, true, threshold=0.6)[0] == times[1]
    assert 10 < de._attractor_scale() < 20


def test_forecaster_bad_input_raises():
    with pytest.raises(TypeError, match="forecaster"):
        de.check_forecaster("model")
    with pytest.raises(ValueError, match="forecaster"):
        de.check_forecaster(np.zeros((20, 10, 3)))
    with pytest.raises(ValueError, match="forecaster"):
        de.check_forecaster(lambda h, n: np.zeros((20, n)))
    with pytest.raises(ValueError, match="forecaster"):
        de.check_forecaster(lambda h, n: np.full((20, n, 3), np.nan))
    with pytest.raises(ValueError, match="target"):
        de.check_forecaster(persistence, target=-1.0)
    with pytest.raises(ValueError, match="predicted and true"):
        de.valid_time(np.zeros((2, 3, 3)), np.zeros((2, 4, 3)))


# --- data ----------------------------------------------------------------------------------------


def test_lorenz_trajectories_are_reproducible_and_on_the_attractor():
    a = de.lorenz_trajectories(3, 40, seed=7)
    b = de.lorenz_trajectories(3, 40, seed=np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (3, 40, 3)
    assert not np.allclose(a, de.lorenz_trajectories(3, 40, seed=8))
    assert np.all(np.abs(a[..., :2]) < 30) and np.all((a[..., 2] > 0) & (a[..., 2] < 55))
    # consecutive states are one RK4 sampling step apart
    step = rnn.integrate(rnn.lorenz_rhs, a[:, 0], de.LORENZ_DT / 2, 2)[-1]
    np.testing.assert_allclose(step, a[:, 1], rtol=1e-12)


def test_held_out_set_is_fixed_copied_and_not_an_int_seed():
    h = de.lorenz_held_out()
    assert h.shape == (de.HELD_OUT_TRAJECTORIES, de.HELD_OUT_HISTORY, 3)
    h[:] = 0.0
    assert not np.allclose(de.lorenz_held_out(), 0.0)
    for seed in (0, 1, 5429, 2026):
        assert not np.allclose(de.lorenz_trajectories(2, 1, seed=seed)[:, 0], de.lorenz_held_out()[:2, 0])


def test_heat_exact_and_template():
    np.testing.assert_allclose(de.heat_exact([0.5], 0.1), [math.exp(-(math.pi**2) * 0.1)])
    assert de.TEMPLATE.path == "differential_equations"
    compile(de.TEMPLATE.solution, "solution.py", "exec")
    compile(de.TEMPLATE.tests, "test_milestones.py", "exec")
