"""Unit tests of physml.operators: data, the finite-difference solver, the spectral layer, the
neural operators, the least-squares baseline and the training loop."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from physml import ConvergenceError, operators, pinn


def _difference_matrix(n: int) -> np.ndarray:
    m = n - 1
    return (2 * np.eye(m) - np.eye(m, k=1) - np.eye(m, k=-1)) * n**2


# --- data and solver ---------------------------------------------------------------------------


def test_grid_is_periodic_and_excludes_one():
    x = operators.grid(8)
    np.testing.assert_allclose(x, np.arange(8) / 8)
    assert x[0] == 0 and x[-1] < 1


def test_source_coefficients_are_seeded_and_decay():
    a = operators.source_coefficients(4000, 6, decay=2.0, seed=5)
    b = operators.source_coefficients(4000, 6, decay=2.0, seed=np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
    # standard deviation of c_k is k^-decay (4000 samples: ~1 % sampling error)
    np.testing.assert_allclose(a.std(axis=0), np.arange(1, 7) ** -2.0, rtol=0.06)


def test_sine_series_vanishes_at_the_ends_and_shapes():
    c = operators.source_coefficients(3, 5, seed=0)
    f = operators.sine_series(c, np.array([0.0, 0.3, 1.0]))
    assert f.shape == (3, 3)
    np.testing.assert_allclose(f[:, [0, 2]], 0.0, atol=1e-14)
    assert operators.sine_series(c[0], np.array([0.3])).shape == (1,)


def test_poisson_exact_solves_the_equation():
    """-u'' of the exact solution, by a fine centred difference, is the source."""
    c = operators.source_coefficients(2, 4, seed=1)
    h = 1e-3
    x = np.linspace(0.1, 0.9, 9)
    u = lambda y: operators.poisson_exact(c, y)  # noqa: E731
    second = (u(x - h) - 2 * u(x) + u(x + h)) / h**2
    np.testing.assert_allclose(-second, operators.sine_series(c, x), atol=1e-5)
    np.testing.assert_allclose(operators.poisson_exact(c, np.array([0.0, 1.0])), 0.0, atol=1e-15)


def test_thomas_equals_dense_solve():
    rng = np.random.default_rng(0)
    lower, upper = rng.normal(size=(3, 7)), rng.normal(size=(3, 7))
    diag = 5 + rng.random((3, 7))
    rhs = rng.normal(size=(3, 7))
    y = operators._thomas(lower, diag, upper, rhs)
    for b in range(3):
        A = np.diag(diag[b]) + np.diag(lower[b, 1:], -1) + np.diag(upper[b, :-1], 1)
        np.testing.assert_allclose(A @ y[b], rhs[b], atol=1e-12)


def test_poisson_solve_equals_dense_inverse():
    n = 16
    f = operators.sine_series(operators.source_coefficients(3, 5, seed=2), operators.grid(n))
    u = operators.solve_bvp(f, 0.0)
    np.testing.assert_allclose(u[:, 1:], f[:, 1:] @ np.linalg.inv(_difference_matrix(n)).T, atol=1e-12)
    np.testing.assert_array_equal(u[:, 0], 0.0)


def test_discrete_green_function_is_exact():
    n = 10
    x = operators.grid(n)[1:]
    green = np.minimum.outer(x, x) * (1 - np.maximum.outer(x, x))
    np.testing.assert_allclose(np.linalg.inv(_difference_matrix(n)), green / n, atol=1e-13)


def test_newton_solution_satisfies_the_discrete_equations():
    n, kappa = 32, 3.0
    f = 20 * operators.sine_series(operators.source_coefficients(4, 8, seed=3), operators.grid(n))
    u = operators.solve_bvp(f, kappa, tol=1e-13)
    residual = u[:, 1:] @ _difference_matrix(n).T + kappa * u[:, 1:] ** 3 - f[:, 1:]
    assert np.abs(residual).max() < 1e-8 * np.abs(f).max()
    # one source alone gives the same solution as in the batch
    np.testing.assert_allclose(operators.solve_bvp(f[1], kappa, tol=1e-13), u[1], atol=1e-12)


def test_solver_converges_at_second_order():
    errors = []
    for n in (32, 64, 128):
        x = operators.grid(n)
        u = 3 * np.sin(np.pi * x) + np.sin(4 * np.pi * x)
        f = 3 * np.pi**2 * np.sin(np.pi * x) + 16 * np.pi**2 * np.sin(4 * np.pi * x) + u**3
        errors.append(operators.relative_errors(operators.solve_bvp(f, 1.0)[None], u[None])[0])
    order = pinn.convergence_order([1 / 32, 1 / 64, 1 / 128], errors)
    assert abs(order - 2) < 0.1


def test_solver_raises_convergence_error():
    f = 200 * np.sin(np.pi * operators.grid(16))
    with pytest.raises(ConvergenceError, match="max_iter"):
        operators.solve_bvp(f, 10.0, max_iter=1)


# --- the spectral layer -------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "modes"), [(16, 5), (17, 6), (16, 12), (9, 5)])
def test_spectral_conv_equals_dft_reference(n, modes):
    layer = operators.SpectralConv1d(3, 2, modes, seed=1).double()
    with torch.no_grad():
        layer.weight.normal_()
    v = torch.randn(2, 3, n, dtype=torch.float64)
    with torch.no_grad():
        out = layer(v).numpy()
    ref = operators.spectral_conv_reference(layer.complex_weight().detach().numpy(), v.numpy())
    np.testing.assert_allclose(out, ref, atol=1e-12)


def test_spectral_conv_is_a_circular_convolution():
    """Shifting the input shifts the output (translation equivariance on the periodic grid)."""
    layer = operators.SpectralConv1d(2, 2, 4, seed=0).double()
    v = torch.randn(1, 2, 20, dtype=torch.float64)
    with torch.no_grad():
        torch.testing.assert_close(layer(torch.roll(v, 3, dims=-1)), torch.roll(layer(v), 3, dims=-1))


def test_spectral_conv_is_discretisation_invariant():
    layer = operators.SpectralConv1d(1, 2, 6, seed=0).double()

    def sample(n):
        x = torch.arange(n, dtype=torch.float64) / n
        return (torch.cos(2 * torch.pi * 3 * x) + 0.5 * torch.sin(2 * torch.pi * 5 * x) + 0.2)[None, None]

    with torch.no_grad():
        torch.testing.assert_close(layer(sample(32)), layer(sample(128))[..., ::4], atol=1e-12, rtol=0)


def test_spectral_conv_parameter_count_does_not_depend_on_the_grid():
    layer = operators.SpectralConv1d(4, 5, 6)
    assert sum(p.numel() for p in layer.parameters()) == 2 * 4 * 5 * 6
    assert layer(torch.zeros(1, 4, 8)).shape == (1, 5, 8)
    assert layer(torch.zeros(1, 4, 64)).shape == (1, 5, 64)


# --- neural operators ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: operators.FNO1d(width=6, modes=4, n_layers=2, seed=0),
        lambda: operators.DeepONet(n_sensors=8, width=8, n_basis=4, depth=1, seed=0),
        lambda: operators.GridTransformer(d_model=8, n_heads=2, n_layers=1, d_ff=8, n_freq=2, seed=0),
    ],
)
def test_models_map_sources_to_solutions_on_any_grid(make):
    model = make()
    for n in (8, 32):
        assert model(torch.randn(3, n)).shape == (3, n)
    again = make()
    f = torch.randn(2, 16)
    torch.testing.assert_close(model(f), again(f))  # seeded


def test_deeponet_reads_its_sensors_off_a_finer_grid():
    model = operators.DeepONet(n_sensors=8, width=8, n_basis=4, depth=1, seed=0)
    f = torch.randn(2, 8)
    fine = torch.repeat_interleave(f, 4, dim=1)  # the sensors are every 4th point
    torch.testing.assert_close(model(fine)[:, ::4], model(f))
    with pytest.raises(ValueError, match="n_sensors"):
        model(torch.randn(2, 12))


def test_transformer_features_are_functions_of_x():
    model = operators.GridTransformer(d_model=8, n_heads=2, n_layers=1, d_ff=8, n_freq=3, seed=0)
    coarse = model.features(torch.zeros(1, 8))
    fine = model.features(torch.zeros(1, 32))
    torch.testing.assert_close(coarse, fine[:, ::4])
    assert coarse.shape == (1, 8, 7)


# --- baselines, training, evaluation ------------------------------------------------------------


def test_linear_operator_recovers_the_poisson_matrix():
    n = 16
    rng = np.random.default_rng(0)
    f = np.concatenate([np.zeros((40, 1)), rng.normal(size=(40, n - 1))], axis=1)  # spans all interior values
    G = operators.fit_linear_operator(f, operators.solve_bvp(f, 0.0))
    np.testing.assert_allclose(G[1:, 1:], np.linalg.inv(_difference_matrix(n)), atol=1e-12)


def test_relative_errors_per_row():
    rng = np.random.default_rng(1)
    u, v = rng.normal(size=(3, 10)), rng.normal(size=(3, 10))
    expected = [pinn.relative_l2(v[i], u[i]) for i in range(3)]
    np.testing.assert_allclose(operators.relative_errors(v, u), expected, rtol=1e-12)
    with pytest.raises(ValueError, match="zero"):
        operators.relative_errors(v, np.vstack([u[:2], np.zeros(10)]))


def _tiny_data():
    x = operators.grid(16)
    c = 10 * operators.source_coefficients(60, 4, seed=0)
    f = operators.sine_series(c, x)
    return f, operators.solve_bvp(f, 1.0)


def test_training_lowers_the_error_and_is_reproducible():
    f, u = _tiny_data()
    fs, us = f.std(), u.std()
    errors, predictions = [], []
    for _ in range(2):
        model = operators.FNO1d(width=8, modes=4, n_layers=2, seed=1)
        before = operators.relative_errors(operators.predict(model, f / fs), u / us).mean()
        history = operators.train_operator(model, f / fs, u / us, steps=60, lr=5e-3, batch_size=20, seed=1)
        predictions.append(operators.predict(model, f / fs, batch_size=7))
        errors.append(operators.relative_errors(predictions[-1], u / us).mean())
        assert len(history["loss"]) == 60
    assert errors[0] < 0.5 * before
    np.testing.assert_array_equal(predictions[0], predictions[1])


def test_predict_does_not_depend_on_the_batch_size():
    f, _ = _tiny_data()
    model = operators.GridTransformer(d_model=8, n_heads=2, n_layers=1, d_ff=8, n_freq=2, seed=0)
    np.testing.assert_allclose(
        operators.predict(model, f, batch_size=1), operators.predict(model, f, batch_size=256), atol=1e-6
    )


def test_training_stops_on_a_nan_loss():
    f, u = _tiny_data()
    model = operators.FNO1d(width=4, modes=3, n_layers=1, seed=0)
    with torch.no_grad():
        model.lift.weight.fill_(float("nan"))
    with pytest.raises(FloatingPointError, match="diverged"):
        operators.train_operator(model, f, u, steps=3)
