"""Tests of physml.diffusion: schedules, closed-form noising, the loss, sampling, the Gaussian optimum."""

import numpy as np
import pytest
import torch

from physml import diffusion as dm

SCHED = dm.Schedule(dm.linear_betas(50, 1e-3, 0.3))


def test_alpha_bar_is_the_product():
    b = dm.linear_betas(5, 0.1, 0.5)
    assert np.allclose(b, [0.1, 0.2, 0.3, 0.4, 0.5])
    assert dm.Schedule(b).alpha_bars[-1] == pytest.approx(0.9 * 0.8 * 0.7 * 0.6 * 0.5)


def test_cosine_schedule_ends_near_zero():
    s = dm.Schedule(dm.cosine_betas(200))
    assert s.alpha_bars[-1] < 1e-4
    assert np.all(np.diff(s.alpha_bars) < 0)


def test_closed_form_matches_step_by_step():
    rng = np.random.default_rng(0)
    x0 = rng.normal(2.0, 0.5, size=(40_000, 1))
    t = 10
    xt = dm.forward_steps(x0, SCHED, t, seed=1)
    mean, cov = dm.gaussian_noised_moments([2.0], [[0.25]], SCHED.alpha_bars[t - 1])
    n = len(xt)
    assert abs(xt.mean() - mean[0]) < 4 * np.sqrt(cov[0, 0] / n)
    assert abs(xt.var(ddof=1) - cov[0, 0]) < 4 * cov[0, 0] * np.sqrt(2 / (n - 1))
    # q_sample with the same alpha_bar gives the same moments
    ab = SCHED.tensors()["alpha_bars"]
    xq = dm.q_sample(
        torch.as_tensor(x0, dtype=torch.float32),
        torch.full((n,), t),
        torch.randn(n, 1, dtype=torch.float32),
        ab,
    ).numpy()
    assert abs(xq.mean() - mean[0]) < 4 * np.sqrt(cov[0, 0] / n)


def test_optimal_eps_minimises_the_loss():
    # for Gaussian data the exact predictor beats small perturbations of it
    rng = np.random.default_rng(2)
    mu, cov = [0.5, -1.0], [[1.0, 0.3], [0.3, 0.4]]
    x0 = rng.multivariate_normal(mu, cov, size=50_000)
    t = rng.integers(1, SCHED.T + 1, size=len(x0))
    eps = rng.standard_normal(x0.shape)
    ab = SCHED.alpha_bars[t - 1][:, None]
    xt = np.sqrt(ab) * x0 + np.sqrt(1 - ab) * eps
    best = dm.gaussian_optimal_eps(xt, t, mu, cov, SCHED)
    loss = np.mean((eps - best) ** 2)
    for scale in (0.9, 1.1):
        assert loss < np.mean((eps - scale * best) ** 2)


def test_optimal_eps_for_point_data_is_all_noise():
    x = np.array([[0.7]])
    t = 20
    ab = SCHED.alpha_bars[t - 1]
    got = dm.gaussian_optimal_eps(x, t, [0.0], [[1e-12]], SCHED)
    assert got[0, 0] == pytest.approx(0.7 / np.sqrt(1 - ab), rel=1e-6)


def test_training_and_sampling_run_and_are_reproducible():
    data = np.random.default_rng(0).normal(size=(200, 2))

    def run():
        torch.manual_seed(0)
        model = dm.NoisePredictor(2, SCHED.T, width=16, depth=1)
        hist = dm.fit_ddpm(model, data, SCHED, steps=20, batch_size=32, seed=3)
        return hist["loss"], dm.sample_ddpm(model, SCHED, 10, seed=4)

    (l1, s1), (l2, s2) = run(), run()
    assert l1 == l2 and np.array_equal(s1, s2)
    assert s1.shape == (10, 2) and np.all(np.isfinite(s1))


def test_nan_loss_stops_training():
    model = dm.NoisePredictor(1, SCHED.T, width=4, depth=1)
    model.net[0].bias.data[:] = float("nan")
    with pytest.raises(FloatingPointError, match="loss"):
        dm.fit_ddpm(model, np.zeros((10, 1)), SCHED, steps=2)


def test_bad_input():
    with pytest.raises(ValueError, match="betas"):
        dm.Schedule(np.array([0.1, 1.0]))
    with pytest.raises(ValueError, match="beta_T"):
        dm.linear_betas(10, 1e-3, 1.5)
    model = dm.NoisePredictor(2, SCHED.T, width=4, depth=1)
    with pytest.raises(ValueError, match="data"):
        dm.fit_ddpm(model, np.zeros((5, 3)), SCHED)
    with pytest.raises(ValueError, match="NaN"):
        dm.fit_ddpm(model, np.full((5, 2), np.nan), SCHED)
    with pytest.raises(ValueError, match="T ="):
        dm.fit_ddpm(model, np.zeros((5, 2)), dm.Schedule(dm.linear_betas(10)))
    with pytest.raises(TypeError, match="schedule"):
        dm.sample_ddpm(model, np.ones(3) * 0.1, 5)
    with pytest.raises(TypeError, match="model"):
        dm.fit_ddpm(torch.nn.Linear(2, 2), np.zeros((5, 2)), SCHED)
    with pytest.raises(ValueError, match="device"):
        dm.sample_ddpm(model, SCHED, 5, device="tpu")
    with pytest.raises(ValueError, match="t must"):
        dm.gaussian_optimal_eps(np.zeros((1, 1)), 0, [0.0], [[1.0]], SCHED)
    with pytest.raises(ValueError, match="cov"):
        dm.gaussian_noised_moments([0.0, 0.0], [[1.0]], 0.5)


def test_gaussian_predictor_module_equals_the_formula():
    mu, cov = [0.5, -1.0], [[1.0, 0.3], [0.3, 0.4]]
    model = dm.GaussianNoisePredictor(mu, cov, SCHED)
    x = np.random.default_rng(5).normal(size=(30, 2))
    t = np.arange(1, 31)
    with torch.no_grad():
        got = model(torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(t)).numpy()
    assert np.allclose(got, dm.gaussian_optimal_eps(x, t, mu, cov, SCHED), atol=1e-5)


def test_tensors_of_the_wrong_dtype_are_refused():
    ab = SCHED.tensors()["alpha_bars"]
    x0, t, noise = torch.zeros(4, 2), torch.tensor([1, 2, 3, 4]), torch.ones(4, 2)
    with pytest.raises(TypeError, match="alpha_bars must be a floating-point"):
        dm.q_sample(x0, t, noise, torch.ones(50, dtype=torch.bool))
    with pytest.raises(TypeError, match="x0 must be real"):
        dm.q_sample(x0 + 1j, t, noise, ab)
    with pytest.raises(ValueError, match="noise contains NaN"):
        dm.q_sample(x0, t, noise * float("nan"), ab)
    torch.manual_seed(0)
    model = dm.NoisePredictor(2, 50, width=8, depth=1)
    with pytest.raises(TypeError, match="x has dtype torch.float64"):
        model(x0.double(), t)
    with pytest.raises(ValueError, match="x0 contains NaN"):
        dm.ddpm_loss(model, x0 * float("nan"), ab, torch.Generator().manual_seed(0))
    assert torch.isnan(model(x0 * float("nan"), t)).all()  # a forward pass keeps IEEE NaN


_MU = np.array([1.0, -0.5])
_COV = np.array([[1.0, 0.6], [0.6, 0.5]])


def test_exact_reverse_covariance_reproduces_the_data():
    # with the covariance of q(x_{t-1} | x_t) itself every step is exact; what is left is the
    # mismatch of x_T ~ N(0, I) with q(x_T), which is of order alpha_bar_T (here < 1e-8)
    sched = dm.Schedule(dm.linear_betas(100, 1e-3, 0.4))
    assert sched.alpha_bars[-1] < 1e-8
    mean, cov = dm.ancestral_moments(_MU, _COV, sched, "exact")
    np.testing.assert_allclose(mean, _MU, atol=1e-6)
    np.testing.assert_allclose(cov, _COV, atol=1e-6)


def test_beta_tilde_and_beta_bracket_the_data_variance():
    # Ho et al. section 3.2: beta_tilde is the reverse variance for a point mass, beta for data
    # of unit variance; a one-dimensional Gaussian of variance 1/4 lies between the two
    sched = dm.Schedule(dm.linear_betas(100, 1e-3, 0.2))
    low = dm.ancestral_moments([0.0], [[0.25]], sched, "beta_tilde")[1][0, 0]
    high = dm.ancestral_moments([0.0], [[0.25]], sched, "beta")[1][0, 0]
    assert low < 0.25 < high


def test_sampler_with_the_exact_predictor_matches_the_propagated_moments():
    # the torch sampler (float32) against the exact propagation of its own linear recursion;
    # 4 standard errors of a variance from n samples: sqrt(2/n) * var
    sched = dm.Schedule(dm.linear_betas(20, 1e-2, 0.5))
    n = 40_000
    x = dm.sample_ddpm(dm.GaussianNoisePredictor(_MU, _COV, sched), sched, n, seed=3)
    mean, cov = dm.ancestral_moments(_MU, _COV, sched, "beta_tilde")
    se_mean = np.sqrt(np.diag(cov) / n)
    se_var = np.sqrt(2.0 / n) * np.diag(cov)
    assert np.all(np.abs(x.mean(0) - mean) < 4 * se_mean)
    assert np.all(np.abs(x.var(0) - np.diag(cov)) < 4 * se_var)


def test_ancestral_moments_bad_input():
    sched = dm.Schedule(dm.linear_betas(5))
    with pytest.raises(ValueError, match="variance"):
        dm.ancestral_moments(_MU, _COV, sched, "sigma")
    with pytest.raises(ValueError, match="cov"):
        dm.ancestral_moments(_MU, -_COV, sched)


def test_ddim_sampler_matches_its_propagated_moments_and_converges():
    sched = dm.Schedule(dm.linear_betas(40, 1e-3, 0.3))
    n = 40_000
    x = dm.sample_ddim(dm.GaussianNoisePredictor(_MU, _COV, sched), sched, n, 8, seed=2)
    mean, cov = dm.ddim_moments(_MU, _COV, sched, 8)
    assert np.all(np.abs(x.mean(0) - mean) < 4 * np.sqrt(np.diag(cov) / n))
    assert np.all(np.abs(x.var(0) - np.diag(cov)) < 4 * np.sqrt(2.0 / n) * np.diag(cov))
    # more steps approach the data distribution (first-order convergence)
    errors = [abs(dm.ddim_moments(_MU, _COV, sched, s)[1][1, 1] - _COV[1, 1]) for s in (5, 10, 20, 40)]
    assert all(b < a for a, b in zip(errors, errors[1:], strict=False))


def test_ddim_bad_input():
    sched = dm.Schedule(dm.linear_betas(5))
    model = dm.GaussianNoisePredictor(_MU, _COV, sched)
    with pytest.raises(ValueError, match="steps"):
        dm.sample_ddim(model, sched, 10, 6)
    with pytest.raises(ValueError, match="steps"):
        dm.ddim_moments(_MU, _COV, sched, 0)


def test_clipped_x0_form_equals_the_eps_form_when_nothing_is_clipped():
    # with a huge clip nothing is clipped: the x0-form of the mean is the eps-form (float32 rounding)
    model = dm.GaussianNoisePredictor([0.5, -0.5], [[1.0, 0.3], [0.3, 0.5]], SCHED)
    a = dm.sample_ddpm(model, SCHED, 500, seed=3)
    b = dm.sample_ddpm(model, SCHED, 500, seed=3, clip=1e6)
    assert np.allclose(a, b, atol=1e-4)
    c = dm.sample_ddpm(model, SCHED, 500, seed=3, clip=0.2)
    assert np.abs(c).max() <= 0.2 * (1 + 1e-4)  # the last step returns the clipped x0 (float32)
    d1 = dm.sample_ddim(model, SCHED, 500, 10, seed=3)
    d2 = dm.sample_ddim(model, SCHED, 500, 10, seed=3, clip=1e6)
    assert np.allclose(d1, d2, atol=1e-4)


def test_beta_variance_matches_its_propagation():
    mu, cov = [0.5, -0.5], [[1.0, 0.3], [0.3, 0.5]]
    model = dm.GaussianNoisePredictor(mu, cov, SCHED)
    x = dm.sample_ddpm(model, SCHED, 20_000, seed=4, variance="beta")
    var = dm.ancestral_moments(mu, cov, SCHED, "beta")[1][1, 1]
    assert abs(x[:, 1].var(ddof=1) - var) < 4 * var * np.sqrt(2 / (len(x) - 1))


def test_residual_predictor_starts_at_zero_and_trains_with_ema():
    torch.manual_seed(0)
    model = dm.ResidualNoisePredictor(2, 50, width=16, blocks=2)
    x = torch.randn(5, 2)
    assert torch.all(model(x, torch.full((5,), 7)) == 0)  # the output layer starts at zero
    data = np.random.default_rng(0).normal(size=(200, 2))
    h1 = dm.fit_ddpm(model, data, SCHED, steps=30, batch_size=32, warmup=5, ema=0.9, min_snr=5.0, seed=1)
    torch.manual_seed(0)
    again = dm.ResidualNoisePredictor(2, 50, width=16, blocks=2)
    h2 = dm.fit_ddpm(again, data, SCHED, steps=30, batch_size=32, warmup=5, ema=0.9, min_snr=5.0, seed=1)
    assert h1["loss"] == h2["loss"]
    for p, q in zip(model.parameters(), again.parameters(), strict=True):
        assert torch.equal(p, q)
    assert np.all(np.isfinite(dm.sample_ddim(model, SCHED, 10, 5, seed=0, clip=3.0)))


def test_ema_is_the_average_of_the_iterates():
    # with ema the model ends at the moving average, which differs from the last iterate
    torch.manual_seed(0)
    a = dm.ResidualNoisePredictor(2, 50, width=8, blocks=1)
    torch.manual_seed(0)
    b = dm.ResidualNoisePredictor(2, 50, width=8, blocks=1)
    data = np.random.default_rng(1).normal(size=(100, 2))
    dm.fit_ddpm(a, data, SCHED, steps=20, batch_size=16, seed=2)
    dm.fit_ddpm(b, data, SCHED, steps=20, batch_size=16, seed=2, ema=0.9)
    assert any(not torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))


def test_new_options_bad_input():
    model = dm.ResidualNoisePredictor(2, 50, width=8, blocks=1)
    data = np.zeros((10, 2))
    with pytest.raises(ValueError, match="ema"):
        dm.fit_ddpm(model, data, SCHED, steps=1, ema=1.0)
    with pytest.raises(ValueError, match="min_snr"):
        dm.fit_ddpm(model, data, SCHED, steps=1, min_snr=0.0)
    with pytest.raises(ValueError, match="clip"):
        dm.sample_ddpm(model, SCHED, 2, clip=-1.0)
    with pytest.raises(ValueError, match="variance"):
        dm.sample_ddpm(model, SCHED, 2, variance="exact")
    with pytest.raises(ValueError, match="blocks"):
        dm.ResidualNoisePredictor(2, 50, blocks=0)
