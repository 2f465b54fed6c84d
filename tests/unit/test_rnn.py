"""Tests of physml.rnn: the RK4 integrator, windows, recurrent models, forecasts and bad input."""

import numpy as np
import pytest
import torch
from scipy.integrate import solve_ivp

from physml import rnn, validation


def test_lorenz_matches_solve_ivp():
    y0 = np.array([-3.0, 2.0, 20.0])
    ours = rnn.integrate(rnn.lorenz_rhs, y0, 1e-3, 1000)
    ref = solve_ivp(rnn.lorenz_rhs, (0, 1), y0, method="DOP853", rtol=1e-12, atol=1e-12, t_eval=[1.0])
    np.testing.assert_allclose(ours[-1], ref.y[:, 0], rtol=1e-7, atol=1e-7)


def test_oscillator_matches_solve_ivp_with_drive_and_t0():
    y0 = np.array([1.0, -0.5])
    ours = rnn.integrate(rnn.damped_driven_oscillator_rhs, y0, 1e-2, 500, t0=2.0)
    ref = solve_ivp(rnn.damped_driven_oscillator_rhs, (2.0, 7.0), y0, rtol=1e-12, atol=1e-12, t_eval=[7.0])
    np.testing.assert_allclose(ours[-1], ref.y[:, 0], atol=1e-8)


def test_undriven_undamped_oscillator_conserves_energy():
    """With gamma = F = 0 the energy (x^2 + v^2)/2 is conserved to RK4's accuracy."""

    def rhs(t, y):
        return rnn.damped_driven_oscillator_rhs(t, y, gamma=0.0, force=0.0)

    traj = rnn.integrate(rhs, np.array([1.0, 0.0]), 1e-2, 1000)
    energy = 0.5 * (traj[:, 0] ** 2 + traj[:, 1] ** 2)
    assert np.max(np.abs(energy - 0.5)) < 1e-8


def test_lorenz_volume_contraction_and_symmetry():
    """The divergence of the Lorenz flow is -(sigma + 1 + beta); (x, y, z) -> (-x, -y, z) is a symmetry."""
    y = np.array([[1.0, 2.0, 3.0]])
    eps = 1e-6
    div = sum(
        (rnn.lorenz_rhs(0, y + eps * np.eye(3)[i])[0, i] - rnn.lorenz_rhs(0, y - eps * np.eye(3)[i])[0, i])
        / (2 * eps)
        for i in range(3)
    )
    assert div == pytest.approx(-(10 + 1 + 8 / 3), rel=1e-8)
    a = rnn.integrate(rnn.lorenz_rhs, np.array([1.0, 2.0, 3.0]), 0.01, 200)
    b = rnn.integrate(rnn.lorenz_rhs, np.array([-1.0, -2.0, 3.0]), 0.01, 200)
    np.testing.assert_allclose(b, a * np.array([-1, -1, 1]), atol=1e-12)


def test_integrate_many_initial_states_at_once():
    y0 = np.array([[1.0, 1.0, 1.0], [2.0, 0.0, 5.0]])
    both = rnn.integrate(rnn.lorenz_rhs, y0, 0.01, 50)
    assert both.shape == (51, 2, 3)
    np.testing.assert_allclose(both[:, 1], rnn.integrate(rnn.lorenz_rhs, y0[1], 0.01, 50))


def test_make_windows():
    series = np.arange(2 * 6 * 1, dtype=float).reshape(2, 6, 1)
    X, Y = rnn.make_windows(series, 3)
    assert X.shape == (6, 3, 1) and Y.shape == (6, 1)
    np.testing.assert_array_equal(X[0, :, 0], [0, 1, 2])
    assert Y[0, 0] == 3 and Y[-1, 0] == 11


def test_vanilla_rnn_by_hand():
    cell = rnn.VanillaRNN(1, 2, seed=0)
    with torch.no_grad():
        cell.W.copy_(torch.tensor([[0.5, 0.0], [0.1, -0.2]], dtype=torch.float64))
        cell.U.copy_(torch.tensor([[1.0], [2.0]], dtype=torch.float64))
        cell.b.copy_(torch.tensor([0.0, 0.1], dtype=torch.float64))
    h = cell(torch.tensor([[[1.0], [-1.0]]]))
    h1 = np.tanh(np.array([1.0, 2.1]))
    h2 = np.tanh(np.array([[0.5, 0.0], [0.1, -0.2]]) @ h1 + np.array([-1.0, -1.9]))
    np.testing.assert_allclose(h[-1][0].detach().numpy(), h2, atol=1e-14)


def test_bptt_jacobian_of_tanh_rnn_matches_product_formula():
    cell = rnn.VanillaRNN(1, 4, scale=1.3, seed=2)
    x = np.random.default_rng(0).normal(size=(6, 1))
    norms = rnn.hidden_jacobians(cell, x)
    states = [h[0].detach().numpy() for h in cell(torch.from_numpy(x)[None])]
    W = cell.W.detach().numpy()
    J = np.eye(4)
    for k in range(6):
        assert norms[k] == pytest.approx(np.linalg.norm(J, 2), rel=1e-10)
        J = J @ np.diag(1 - states[-1 - k] ** 2) @ W


def test_lstm_layer_parameter_count():
    model = rnn.SequenceForecaster(3, 8, cell="lstm")
    assert sum(p.numel() for p in model.rnn.parameters()) == 4 * (8 * (3 + 8) + 2 * 8)


def test_forecast_shapes_and_persistence():
    torch.manual_seed(0)
    model = rnn.SequenceForecaster(4, 5, n_out=2, cell="gru")
    hist = np.random.default_rng(0).normal(size=(3, 7, 4))
    drive = np.zeros((3, 5, 2))
    pred = rnn.forecast(model, hist, 5, drive)
    assert pred.shape == (3, 5, 2)
    pers = rnn.persistence_forecast(hist, 5, 2)
    np.testing.assert_array_equal(pers[:, 3], hist[:, -1, :2])
    assert rnn.horizon_error(pers, pers).tolist() == [0.0] * 5


def test_forecast_is_reproducible():
    X = np.random.default_rng(1).normal(size=(40, 5, 2))
    Y = X[:, -1] * 0.9
    preds = []
    for _ in range(2):
        torch.manual_seed(0)
        model = rnn.SequenceForecaster(2, 4)
        rnn.train_forecaster(model, X, Y, epochs=2, seed=3)
        preds.append(rnn.forecast(model, X[:4], 3))
    np.testing.assert_array_equal(preds[0], preds[1])


def test_lyapunov_of_linear_flow():
    """For dy/dt = A y, A = diag(0.7, -1), the largest exponent is 0.7 (reference trajectory at 0)."""

    def rhs(t, y):
        return y * np.array([0.7, -1.0])

    lam = rnn.lyapunov_exponent(rhs, np.zeros((2, 2)), 0.01, 5000, renorm_every=20)
    np.testing.assert_allclose(lam, 0.7, atol=2e-2)  # bias: the start direction is random


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: rnn.make_windows(np.zeros((2, 0, 3)), 4), "length"),
        (lambda: rnn.make_windows(np.zeros((2, 3, 3)), 4), "longer than window"),
        (lambda: rnn.SequenceForecaster(3, 4)(torch.zeros(2, 0, 3)), "length 0"),
        (lambda: rnn.WindowMLP(3, 4, 8)(torch.zeros(2, 0, 3)), "length 0"),
        (lambda: rnn.forecast(rnn.SequenceForecaster(3, 4), np.zeros((2, 0, 3)), 4), "length 0"),
        (lambda: rnn.persistence_forecast(np.zeros((2, 0, 3)), 4), "length 0"),
        (lambda: rnn.hidden_jacobians(rnn.VanillaRNN(1, 2), np.zeros((0, 1))), "length 0"),
        (lambda: rnn.integrate(rnn.lorenz_rhs, [1.0, np.nan, 0.0], 0.01, 10), "y0"),
        (lambda: rnn.integrate(rnn.lorenz_rhs, [1.0, 1.0, 1.0], -0.01, 10), "dt"),
        (lambda: rnn.integrate("lorenz", [1.0, 1.0, 1.0], 0.01, 10), "rhs"),
        (lambda: rnn.SequenceForecaster(3, 4, cell="transformer"), "cell"),
        (lambda: rnn.forecast(rnn.SequenceForecaster(4, 4, n_out=2), np.zeros((2, 3, 4)), 2), "inputs"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_integrate_reports_divergence():
    with pytest.raises(FloatingPointError, match="dt"):
        rnn.integrate(lambda t, y: y**3, np.array([10.0]), 1.0, 20)


@pytest.mark.parametrize("check", ["rnn.rk4-solve-ivp", "rnn.rk4-order", "rnn.bptt-linear"])
def test_integrator_checks(check):
    assert validation.run_check(check).passed


@pytest.mark.parametrize("check", ["rnn.lstm-beats-persistence", "rnn.lyapunov"])
def test_short_headline_checks(check):
    assert validation.run_check(check, short=True).passed


def test_forecasters_take_arrays_in_their_own_dtype_and_refuse_other_tensors():
    x = np.random.default_rng(0).normal(size=(3, 4, 2))
    torch.manual_seed(0)
    for model in (rnn.SequenceForecaster(2, 4), rnn.WindowMLP(2, 4, 5)):
        from_array = model(x)
        assert from_array.dtype == torch.float32
        assert torch.equal(from_array, model(torch.as_tensor(x, dtype=torch.float32)))
        with pytest.raises(TypeError, match="x has dtype torch.float64"):
            model(torch.as_tensor(x))
        with pytest.raises(TypeError, match="x must be real"):
            model(torch.as_tensor(x, dtype=torch.complex64))
    vanilla = rnn.VanillaRNN(2, 3, seed=0)
    assert vanilla(torch.as_tensor(x, dtype=torch.float32))[-1].dtype == torch.float64  # converted
    with pytest.raises(TypeError, match="x must be real"):
        vanilla(torch.as_tensor(x) + 1j)
    with pytest.raises(TypeError, match="x must be a floating-point"):
        vanilla(torch.as_tensor(x) > 0)


def test_oscillator_rhs_at_the_float_edge():
    """omega0 = 1e300 (a Python float's square overflows): IEEE inf, not OverflowError (issue 26)."""
    with np.errstate(over="ignore"):
        out = rnn.damped_driven_oscillator_rhs(0.5, np.array([[1.0, 1.0], [0.0, 1.0]]), omega0=1e300)
    assert out[0, 1] == -np.inf and np.isfinite(out[1]).all()  # x = 0: no inf * 0
    np.testing.assert_array_equal(
        rnn.damped_driven_oscillator_rhs(0.5, np.ones((1, 2))),
        [[1.0, -0.2 - 1.0 + np.cos(0.4)]],
    )


# --- forecast horizons, the linear map, reservoirs and roll-out training ------------------------


def test_valid_time_by_hand():
    true = np.zeros((2, 4, 2))
    pred = true.copy()
    pred[0, 2:] = 1.0  # error 1 from step 2 on
    assert rnn.valid_time(pred, true, 0.5).tolist() == [2, 4]  # the second never fails: censored at 4
    pred[1, 0, 0] = 0.6  # RMS over the two components: 0.6 / sqrt(2) = 0.42 < 0.5
    assert rnn.valid_time(pred, true, 0.5).tolist() == [2, 4]


def test_dmd_eigenvalues_of_a_rotation():
    theta = 0.3
    R = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]]) * 0.9
    z = [np.array([1.0, 0.5])]
    for _ in range(20):
        z.append(R @ z[-1])
    mu = rnn.dmd_eigenvalues(np.array(z))
    np.testing.assert_allclose(
        np.sort_complex(mu), np.sort_complex(0.9 * np.exp([-1j * theta, 1j * theta])), atol=1e-12
    )


def test_linear_forecaster_is_exact_on_a_linear_recursion():
    """x_{t+1} = 1.6 x_t - 0.8 x_{t-1} + 0.1: a window of 2 and a constant make it exact."""
    x = [1.0, 0.3]
    for _ in range(60):
        x.append(1.6 * x[-1] - 0.8 * x[-2] + 0.1)
    series = np.array(x)[None, :, None]
    X, Y = rnn.make_windows(series[:, :40], 2)
    model = rnn.LinearForecaster().fit(X, Y)
    pred = model.forecast(series[:, 38:40], 20)
    np.testing.assert_allclose(pred[0, :, 0], series[0, 40:60, 0], atol=1e-8)
    with pytest.raises(ValueError, match="history"):
        model.forecast(series[:, :3], 2)


def test_unfitted_estimators_say_fit():
    import physml

    with pytest.raises(physml.NotFittedError, match="fit"):
        rnn.LinearForecaster().predict(np.zeros((1, 2, 1)))
    with pytest.raises(physml.NotFittedError, match="fit"):
        rnn.EchoStateNetwork(5).forecast(np.zeros((1, 3, 2)), 2)


def test_esn_readout_is_ridge_regression_and_reproducible():
    from sklearn.linear_model import Ridge

    traj = rnn.integrate(rnn.lorenz_rhs, np.array([[1.0, 1.0, 20.0], [-3.0, 2.0, 25.0]]), 0.01, 400)
    series = np.swapaxes(traj[100::2], 0, 1) / 10.0
    esn = rnn.EchoStateNetwork(30, ridge=1e-6, washout=10, seed=4).fit(series)
    R, _ = esn._drive(series[:, :-1], np.zeros((2, 30), dtype=np.float32))
    F = esn._features(R, series[:, :-1])[:, 10:].reshape(-1, 30 + 3 + 1)
    Y = series[:, 11:].reshape(-1, 3)
    ridge = Ridge(alpha=1e-6 * len(F), fit_intercept=False).fit(F, Y)
    np.testing.assert_allclose(esn.W_out_, ridge.coef_.T, atol=1e-6)
    again = rnn.EchoStateNetwork(30, ridge=1e-6, washout=10, seed=4).fit(series)
    np.testing.assert_array_equal(esn.forecast(series[:, :50], 5), again.forecast(series[:, :50], 5))
    assert esn.predict(series).shape == series.shape


def test_train_rollout_lowers_the_loss_and_is_reproducible():
    t = np.arange(80) * 0.2
    series = np.stack([np.sin(t), np.cos(t)], axis=-1)[None]
    losses = []
    for _ in range(2):
        torch.manual_seed(0)
        model = rnn.SequenceForecaster(2, 6)
        losses.append(rnn.train_rollout(model, series, 5, 3, 40, lr=1e-2, batch_size=8, seed=1))
    assert losses[0] == losses[1]
    assert np.mean(losses[0][-5:]) < np.mean(losses[0][:5])


def test_gru_reset_gate_placement_matches_torch():
    """nn.GRU applies the reset gate after the recurrent product: r * (W_hn h + b_hn), as the chapter says."""
    torch.manual_seed(0)
    gru = torch.nn.GRU(3, 4, batch_first=True).double()
    x, h = torch.randn(2, 1, 3, dtype=torch.float64), torch.randn(1, 2, 4, dtype=torch.float64)
    W_ir, W_iz, W_in = gru.weight_ih_l0.chunk(3)
    W_hr, W_hz, W_hn = gru.weight_hh_l0.chunk(3)
    b_ir, b_iz, b_in = gru.bias_ih_l0.chunk(3)
    b_hr, b_hz, b_hn = gru.bias_hh_l0.chunk(3)
    xt, ht = x[:, 0], h[0]
    r = torch.sigmoid(xt @ W_ir.T + b_ir + ht @ W_hr.T + b_hr)
    z = torch.sigmoid(xt @ W_iz.T + b_iz + ht @ W_hz.T + b_hz)
    n_torch = torch.tanh(xt @ W_in.T + b_in + r * (ht @ W_hn.T + b_hn))
    n_cho = torch.tanh(xt @ W_in.T + b_in + (r * ht) @ W_hn.T + b_hn)
    expected = (1 - z) * n_torch + z * ht
    out, _ = gru(x, h)
    torch.testing.assert_close(out[:, 0], expected)
    assert not torch.allclose((1 - z) * n_cho + z * ht, expected)


@pytest.mark.parametrize(
    "check", ["rnn.horizon-law", "rnn.lstm-model-limited", "rnn.esn-beats-lstm", "rnn.dmd-eigenvalues"]
)
def test_short_chaos_and_baseline_checks(check):
    assert validation.run_check(check, short=True).passed


@pytest.mark.parametrize("check", ["rnn.lstm-vs-linear-oscillator", "rnn.rollout-beats-teacher-forcing"])
def test_known_failures_are_evaluated(check):
    result = validation.run_check(check, short=True)
    assert np.all(np.isfinite(np.asarray(result.value, dtype=float)))
