"""Tests of physml.pinn: autograd derivatives, trial solutions, losses, training, the FTCS scheme."""

import math

import numpy as np
import pytest
import torch

from physml import pinn


def test_derivative_of_known_functions():
    z = torch.linspace(-1.0, 2.0, 50, dtype=torch.float64)[:, None].requires_grad_(True)
    u = torch.sin(3 * z) + z**3
    torch.testing.assert_close(pinn.derivative(u, z), 3 * torch.cos(3 * z) + 3 * z**2)
    torch.testing.assert_close(pinn.derivative(u, z, order=2), -9 * torch.sin(3 * z) + 6 * z)


def test_partial_derivatives_in_two_variables():
    xt = torch.rand(40, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0)).requires_grad_(
        True
    )
    x, t = xt[:, :1], xt[:, 1:]
    u = torch.exp(-t) * torch.sin(2 * x) + x * t
    torch.testing.assert_close(pinn.derivative(u, xt, column=1), -torch.exp(-t) * torch.sin(2 * x) + x)
    torch.testing.assert_close(
        pinn.derivative(u, xt, order=2, column=0), -4 * torch.exp(-t) * torch.sin(2 * x)
    )


def test_heat_residual_vanishes_on_the_exact_solution():
    class Exact(torch.nn.Module):
        def forward(self, xt):
            return torch.exp(-(math.pi**2) * xt[:, 1:]) * torch.sin(math.pi * xt[:, :1])

    xt = pinn.collocation_2d(100, 0.5, seed=1)
    assert pinn.heat_loss(Exact(), xt).item() < 1e-24


def test_derivative_rejects_inputs_without_grad():
    z = torch.zeros(3, 1)
    with pytest.raises(ValueError, match="requires_grad"):
        pinn.derivative(z * 2, z)


def test_trial_solutions_satisfy_conditions_exactly():
    net = pinn.network(1, 8, 1, seed=3)
    t0 = torch.zeros(1, 1, dtype=torch.float64, requires_grad=True)
    assert pinn.DecayTrial(net, u0=2.5, t_scale=4.0)(t0).item() == 2.5
    osc = pinn.OscillatorTrial(net, x0=1.5, v0=-0.7, t_scale=4.0)
    x = osc(t0)
    assert x.item() == 1.5
    assert pinn.derivative(x, t0).item() == pytest.approx(-0.7, abs=1e-15)
    heat = pinn.HeatTrial(pinn.network(2, 8, 2, seed=4), scale=10.0)
    s = torch.linspace(0, 1, 11, dtype=torch.float64)[:, None]
    zero = torch.zeros_like(s)
    torch.testing.assert_close(heat(torch.cat([s, zero], 1)), torch.sin(math.pi * s), rtol=0, atol=1e-15)
    assert heat(torch.cat([zero, 0.5 * s], 1)).abs().max().item() == 0.0
    assert heat(torch.cat([zero + 1, 0.5 * s], 1)).abs().max().item() < 1e-15  # sin(pi) rounds to 1.2e-16


def test_soft_model_does_not_satisfy_conditions_until_trained():
    model = pinn.SoftHeat(pinn.network(2, 8, 2, seed=0))
    xt = pinn.collocation_2d(50, 0.5, seed=0)
    assert pinn.soft_heat_loss(model, xt).item() > pinn.heat_loss(model, xt).item()


def test_training_reduces_the_loss_and_is_reproducible():
    def run():
        model = pinn.DecayTrial(pinn.network(1, 8, 1, seed=0), t_scale=2.0)
        t = pinn.collocation_1d(30, 2.0)
        return pinn.train_pinn(model, pinn.decay_loss, t, adam_steps=50, lbfgs_steps=10, lr=1e-2)["loss"]

    first, second = run(), run()
    assert first == second
    assert first[-1] < 0.1 * first[0]


def test_training_stops_on_nan():
    model = pinn.DecayTrial(pinn.network(1, 4, 1, seed=0))
    t = pinn.collocation_1d(10, 1.0)
    with pytest.raises(FloatingPointError, match="diverged"):
        pinn.train_pinn(model, lambda m, p: m(p).sum() * float("nan"), t, adam_steps=5)


def test_network_is_seeded_and_leaves_no_global_torch_flag():
    before = torch.are_deterministic_algorithms_enabled()
    first, second = pinn.network(2, 6, 2, seed=11), pinn.network(2, 6, 2, seed=11)
    assert all(torch.equal(a, b) for a, b in zip(first.parameters(), second.parameters(), strict=True))
    assert not torch.equal(next(pinn.network(2, 6, 2, seed=12).parameters()), next(first.parameters()))
    assert torch.are_deterministic_algorithms_enabled() == before


def test_bad_input_raises_clear_errors():
    net = pinn.network(1, 4, 1)
    with pytest.raises(ValueError, match="points"):
        pinn.train_pinn(pinn.DecayTrial(net), pinn.decay_loss, torch.zeros(5, 1), adam_steps=1)
    with pytest.raises(TypeError, match="model"):
        pinn.train_pinn("net", pinn.decay_loss, pinn.collocation_1d(5, 1.0))
    with pytest.raises(ValueError, match="t_max"):
        pinn.collocation_1d(10, -1.0)
    with pytest.raises(ValueError, match="width"):
        pinn.network(1, 0)
    with pytest.raises(ValueError, match="same shape"):
        pinn.relative_l2(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="NaN"):
        pinn.relative_l2(np.array([np.nan, 1.0]), np.ones(2))
    with pytest.raises(ValueError, match="zero everywhere"):
        pinn.relative_l2(np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match="device"):
        pinn.network(1, 4, device="gpu")


def test_relative_l2():
    assert pinn.relative_l2([1.1, 0.0], [1.0, 0.0]) == pytest.approx(0.1)


def test_ftcs_stability_guard():
    nx = 21
    dx = 1 / (nx - 1)
    pinn.ftcs_heat(nx, 0.5 * dx**2, 200 * 0.5 * dx**2)  # exactly at the limit: allowed
    with pytest.raises(ValueError, match="unstable"):
        pinn.ftcs_heat(nx, 0.51 * dx**2, 0.1)
    _, u = pinn.ftcs_heat(nx, 0.52 * dx**2, 1000 * 0.52 * dx**2, allow_unstable=True)
    assert np.abs(u).max() > 1.0  # round-off in the sawtooth mode grew by |1 - 4r|^1000


def test_ftcs_bad_input():
    with pytest.raises(ValueError, match="whole number"):
        pinn.ftcs_heat(11, 0.001, 0.0105)
    with pytest.raises(ValueError, match="nx"):
        pinn.ftcs_heat(2, 0.001, 0.01)
    with pytest.raises(ValueError, match="dt"):
        pinn.ftcs_heat(11, -0.001, 0.01)
    with pytest.raises(TypeError, match="allow_unstable"):
        pinn.ftcs_heat(11, 0.001, 0.01, allow_unstable="yes")


def test_ftcs_converges_at_second_order_at_fixed_ratio():
    nxs = [11, 21, 41]
    errors = [pinn.ftcs_error(n, 0.4, 0.1) for n in nxs]
    order = pinn.convergence_order([1 / (n - 1) for n in nxs], errors)
    assert abs(order - 2) < 0.2
    assert errors[-1] < 1e-3


def test_ftcs_error_is_linear_in_dt():
    # error ~ pi^4 t (dt/2 - dx^2/12): first order in dt plus a dx^2 term, at fixed dx
    nx = 101
    dx = 1 / (nx - 1)
    dts = [0.5 * dx**2, 0.25 * dx**2]
    errs = []
    for dt in dts:
        x, u = pinn.ftcs_heat(nx, dt, round(0.1 / dt) * dt)
        errs.append(pinn.relative_l2(u, pinn.heat_exact(x, round(0.1 / dt) * dt)))
    # the error is ~ (r/2 - 1/12) dx^2: from r = 1/2 to r = 1/4 it shrinks by (1/4 - 1/12)/(1/8 - 1/12) = 4
    assert errs[0] / errs[1] == pytest.approx(4.0, rel=0.05)


def test_convergence_order_of_a_power_law():
    h = np.array([0.1, 0.05, 0.025])
    assert pinn.convergence_order(h, 3 * h**2) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="positive"):
        pinn.convergence_order(h, -h)


def test_burgers_exact_initial_profile_and_boundaries():
    x = np.linspace(-1, 1, 41)
    np.testing.assert_allclose(pinn.burgers_exact(x, 0.0, 0.05), -np.sin(np.pi * x), atol=1e-15)
    u = pinn.burgers_exact(np.array([-1.0, 1.0]), 0.3, 0.05)
    assert np.abs(u).max() < 1e-12
    x = np.linspace(-0.9, 0.9, 7)
    odd = pinn.burgers_exact(-x, 0.2, 0.05) + pinn.burgers_exact(x, 0.2, 0.05)
    assert np.abs(odd).max() < 1e-13


def test_burgers_exact_solves_the_equation():
    nu, h = 0.05, 1e-3
    x, t = np.linspace(-0.8, 0.8, 9), 0.3
    u = lambda x, t: pinn.burgers_exact(x, t, nu)  # noqa: E731
    u_t = (u(x, t + h) - u(x, t - h)) / (2 * h)
    u_x = (u(x + h, t) - u(x - h, t)) / (2 * h)
    u_xx = (u(x + h, t) - 2 * u(x, t) + u(x - h, t)) / h**2
    assert np.abs(u_t + u(x, t) * u_x - nu * u_xx).max() < 1e-4


def test_burgers_trial_satisfies_conditions_and_loss_is_finite():
    model = pinn.BurgersTrial(pinn.network(2, 8, 2, seed=0))
    s = torch.linspace(-1, 1, 11, dtype=torch.float64)[:, None]
    torch.testing.assert_close(model(torch.cat([s, 0 * s], 1)), -torch.sin(math.pi * s), rtol=0, atol=1e-15)
    ends = torch.tensor([[-1.0, 0.2], [1.0, 0.4]], dtype=torch.float64)
    assert model(ends).abs().max().item() < 1e-15
    xt = pinn.collocation_2d(20, 0.5, seed=0, x_range=(-1.0, 1.0))
    assert xt[:, 0].min() >= -1 and xt[:, 0].max() <= 1 and xt[:, 0].min() < 0
    assert np.isfinite(pinn.burgers_loss(model, xt, 0.05).item())
    with pytest.raises(ValueError, match="x_range"):
        pinn.collocation_2d(5, 0.5, x_range=(1.0, -1.0))
    with pytest.raises(ValueError, match="nu"):
        pinn.burgers_exact(0.0, 0.1, -1.0)


def test_trials_and_losses_refuse_tensors_of_the_wrong_kind():
    model = pinn.DecayTrial(pinn.network(1, width=4, depth=1, seed=0))
    t = pinn.collocation_1d(5, 1.0)
    with pytest.raises(TypeError, match="t has dtype torch.float32"):
        model(t.detach().float())
    with pytest.raises(TypeError, match="t must be real"):
        model(t.detach() + 1j)
    with pytest.raises(TypeError, match="t must be a floating-point"):
        model(t.detach() > 0)
    nan = t.detach().clone()
    nan[0] = float("nan")
    assert torch.isnan(model(nan)[0]).all()  # a forward pass keeps IEEE NaN
    with pytest.raises(ValueError, match="t contains NaN"):
        pinn.decay_loss(model, nan.requires_grad_(True))
    with pytest.raises(ValueError, match="points contains NaN"):
        pinn.train_pinn(model, lambda m, z: (m(z) ** 2).mean(), nan, adam_steps=1)


# --------------------------------------------------------------------------- issue 26


def test_overflow_edge_and_degenerate_inputs_get_clear_errors():
    model = pinn.OscillatorTrial(pinn.network(1, 4, 1, seed=0))
    t = pinn.collocation_1d(5, 1.0)
    for name, kwargs in (("omega", {"omega": 1e300}), ("zeta", {"zeta": 1e308})):  # float64 network
        with pytest.raises(ValueError, match=f"^{name}: the coefficients"):
            pinn.oscillator_loss(model, t, **kwargs)
    assert torch.isfinite(pinn.oscillator_loss(model, t, omega=1e50))  # large but representable
    with pytest.raises(ValueError, match="h must hold distinct step sizes"):
        pinn.convergence_order([0.1, 0.1, 0.05], [1e-2, 1e-2, 2.5e-3])
    with pytest.raises(ValueError, match="FTCS_MAX_STEPS"):
        pinn.ftcs_heat(5, 0.01, 1e300)
    with pytest.raises(ValueError, match="FTCS_MAX_STEPS"):
        pinn.ftcs_error(5, 0.4, 1e300)
    with pytest.raises(ValueError, match="^lr must be <= 10"):
        pinn.train_pinn(pinn.DecayTrial(pinn.network(1, 4, 1)), pinn.decay_loss, t, adam_steps=1, lr=1e300)


def test_relative_l2_is_scale_invariant_up_to_the_float_edge():
    u_exact = np.linspace(0.0, 1.0, 5) + 1.0
    u = u_exact + 0.01
    base = pinn.relative_l2(u, u_exact)
    for factor in (1e200, 1e-300):
        assert pinn.relative_l2(u * factor, u_exact * factor) == pytest.approx(base, rel=1e-12)


# ------------------------------------------------------------- inverse problem, disk, RAD, Black-Scholes


def test_disk_source_is_minus_the_laplacian_of_the_exact_solution():
    xy = pinn.collocation_disk(60, seed=2)
    assert float((xy.detach() ** 2).sum(1).max()) <= 1.0
    u = torch.exp(xy[:, :1]) * torch.cos(math.pi * (xy**2).sum(1, keepdim=True) / 2)
    lap = pinn.derivative(u, xy, order=2, column=0) + pinn.derivative(u, xy, order=2, column=1)
    torch.testing.assert_close(-lap, pinn.disk_source(xy))
    assert pinn.disk_exact(np.array([0.6]), np.array([0.8]))[0] == pytest.approx(0.0, abs=1e-15)


def test_disk_trial_vanishes_on_the_circle():
    model = pinn.DiskTrial(pinn.network(2, 8, 1, seed=0))
    phi = torch.linspace(0, 2 * math.pi, 13, dtype=torch.float64)[:, None]
    circle = torch.cat([torch.cos(phi), torch.sin(phi)], 1)
    assert model(circle).abs().max().item() < 1e-14


def test_inverse_loss_vanishes_for_the_exact_solution_and_true_zeta():
    class Exact(torch.nn.Module):
        def forward(self, t):
            wd = 2.0 * math.sqrt(1 - 0.1**2)
            return torch.exp(-0.2 * t) * (torch.cos(wd * t) + 0.2 / wd * torch.sin(wd * t))

    model = pinn.InverseOscillator(pinn.network(1, 4, 1, seed=0), zeta0=0.1)
    model.trial = Exact()
    t = pinn.collocation_1d(30, 4.0)
    td = torch.linspace(0.1, 3.9, 7, dtype=torch.float64)[:, None]
    xd = torch.as_tensor(pinn.oscillator_exact(td[:, 0].numpy(), 2.0, 0.1))[:, None]
    assert model.zeta == pytest.approx(0.1)
    assert pinn.inverse_oscillator_loss(model, t, td, xd, omega=2.0, weight=5.0).item() < 1e-24


def test_rad_sample_prefers_large_residuals():
    r = np.zeros(1000)
    r[400:420] = 100.0
    with pytest.raises(ValueError, match="fewer than n"):
        pinn.rad_sample(r, 50, seed=0, k=1.0, c=0.0)  # c = 0: only the 20 points of the peak can be drawn
    idx = pinn.rad_sample(r, 50, seed=0, k=1.0, c=1.0)
    assert len(np.unique(idx)) == 50
    assert np.sum((idx >= 400) & (idx < 420)) >= 15  # c = 1: most of the peak, and uniform points elsewhere


def test_rad_sample_with_c0_draws_only_nonzero_residuals():
    r = np.zeros(100)
    r[10:40] = 1.0
    idx = pinn.rad_sample(r, 30, seed=1, c=0.0)
    np.testing.assert_array_equal(idx, np.arange(10, 40))


def test_black_scholes_formula_limits_and_pde():
    sigma, rate = 0.2, 0.05
    assert pinn.black_scholes_call(1.0, 1.0, sigma, rate)[()] == pytest.approx(0.1045058357, abs=1e-9)
    x = np.linspace(0.2, 2.5, 40)
    np.testing.assert_allclose(pinn.black_scholes_call(x, 0.0), np.maximum(x - 1, 0))
    # deep in the money the call is worth the forward, x - exp(-r tau)
    assert pinn.black_scholes_call(50.0, 1.0, sigma, rate)[()] == pytest.approx(
        50.0 - math.exp(-rate), rel=1e-12
    )
    # the formula solves the PDE: finite differences
    tau, h = 0.7, 1e-4
    v = lambda xx, tt: pinn.black_scholes_call(xx, tt, sigma, rate)  # noqa: E731
    v_tau = (v(x, tau + h) - v(x, tau - h)) / (2 * h)
    v_x = (v(x + h, tau) - v(x - h, tau)) / (2 * h)
    v_xx = (v(x + h, tau) - 2 * v(x, tau) + v(x - h, tau)) / h**2
    np.testing.assert_allclose(
        v_tau, 0.5 * sigma**2 * x**2 * v_xx + rate * x * v_x - rate * v(x, tau), atol=2e-6
    )


def test_black_scholes_trial_meets_its_boundary_values():
    model = pinn.BlackScholesTrial(pinn.network(2, 8, 1, seed=0), x_max=3.0, maturity=1.0, rate=0.05)
    tau = torch.linspace(0, 1, 11, dtype=torch.float64)[:, None]
    zero = model(torch.cat([torch.zeros_like(tau), tau], 1))
    top = model(torch.cat([torch.full_like(tau, 3.0), tau], 1))
    assert zero.abs().max().item() == 0.0
    torch.testing.assert_close(top, 3.0 - torch.exp(-0.05 * tau))
