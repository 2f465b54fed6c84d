"""Tests of physml.bnn (chapter "Bayesian neural networks and variational inference")."""

import math

import numpy as np
import pytest
import scipy.stats
import torch

from physml import bnn
from physml.studies import bnn as study

H = 4


def _data(n=12, d=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return X, np.sin(X.sum(axis=1)) + 0.1 * rng.normal(size=n)


def _torch_log_posterior(w, X, y, noise, prior_std):
    f = bnn._forward(w, torch.tensor(X), H)
    n, P = X.shape[0], w.shape[-1]
    return (
        -0.5 * (((torch.tensor(y) - f) / noise) ** 2).sum(-1)
        - n * math.log(noise)
        - 0.5 * n * math.log(2 * math.pi)
        - 0.5 * (w**2).sum(-1) / prior_std**2
        - P * math.log(prior_std)
        - 0.5 * P * math.log(2 * math.pi)
    )


def test_n_weights():
    assert bnn.n_weights(1, 10) == 31
    assert bnn.n_weights(4, 8) == 49


@pytest.mark.parametrize("batch", [(), (3,)])
def test_log_posterior_and_gradient_match_autograd(batch):
    X, y = _data()
    w = np.random.default_rng(1).normal(size=(*batch, bnn.n_weights(2, H)))
    lp, grad = bnn.log_posterior(w, X, y, H, noise=0.3, prior_std=1.5)
    wt = torch.tensor(w, requires_grad=True)
    lpt = _torch_log_posterior(wt, X, y, 0.3, 1.5)
    lpt.sum().backward()
    np.testing.assert_allclose(lp, lpt.detach().numpy(), rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(grad, wt.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_forward_numpy_equals_torch_network():
    X, _ = _data()
    model = bnn.EnsembleMLP(2, H, n_members=3, seed=4)
    with torch.no_grad():
        f_torch = model(torch.tensor(X)).numpy()
    np.testing.assert_allclose(bnn.forward(model.w.detach().numpy(), X, H), f_torch, rtol=1e-12, atol=1e-12)


def test_jacobian_matches_autograd():
    X, _ = _data()
    w = np.random.default_rng(2).normal(size=bnn.n_weights(2, H))
    J = bnn._jacobian(w, X, H)
    Jt = torch.autograd.functional.jacobian(lambda v: bnn._forward(v, torch.tensor(X), H), torch.tensor(w))
    np.testing.assert_allclose(J, Jt.numpy(), atol=1e-12)


def test_laplace_ggn_is_the_hessian_where_the_residuals_vanish():
    X, _ = _data()
    w = np.random.default_rng(3).normal(size=bnn.n_weights(2, H))
    y = bnn.forward(w, X, H)  # zero residuals: the Gauss-Newton matrix is the exact Hessian
    post = bnn.laplace(w, X, y, H, noise=0.2, prior_std=2.0)
    hess = torch.autograd.functional.hessian(
        lambda v: -_torch_log_posterior(v, X, y, 0.2, 2.0), torch.tensor(w)
    ).numpy()
    np.testing.assert_allclose(np.linalg.inv(post.covariance), hess, rtol=1e-8, atol=1e-8)
    mean, std = post.predict(X)
    np.testing.assert_allclose(mean, y, atol=1e-12)
    assert np.all(std >= 0.2)


def test_hmc_samples_a_gaussian():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(3, 3))
    cov = A @ A.T + 0.5 * np.eye(3)
    prec = np.linalg.inv(cov)
    mean = np.array([1.0, -2.0, 0.5])

    def log_prob_grad(x):
        d = x - mean
        g = -d @ prec
        return 0.5 * np.sum(d * g, axis=1), g

    result = bnn.hmc(log_prob_grad, rng.normal(size=(6, 3)), 800, n_warmup=300, n_leapfrog=10, seed=1)
    samples = result.samples.reshape(-1, 3)
    assert result.samples.shape == (800, 6, 3)
    assert 0.6 < result.accept_rate < 0.99
    np.testing.assert_allclose(samples.mean(axis=0), mean, atol=0.15 * np.sqrt(np.diag(cov)).max())
    np.testing.assert_allclose(np.cov(samples.T), cov, atol=0.2 * np.abs(cov).max())


def test_hmc_is_reproducible():
    def log_prob_grad(x):
        return -0.5 * np.sum(x * x, axis=1), -x

    a = bnn.hmc(log_prob_grad, np.zeros((2, 2)), 20, n_warmup=10, seed=5)
    b = bnn.hmc(log_prob_grad, np.zeros((2, 2)), 20, n_warmup=10, seed=np.random.default_rng(5))
    np.testing.assert_array_equal(a.samples, b.samples)


def test_leapfrog_is_reversible_and_second_order():
    def log_prob_grad(x):
        return -0.5 * np.sum(x * x, axis=1) - 0.1 * np.sum(x**4, axis=1), -x - 0.4 * x**3

    x0, p0 = np.array([[0.7, -0.3]]), np.array([[0.2, 0.9]])
    _, g0 = log_prob_grad(x0)
    x1, p1, _, g1 = bnn._leapfrog(x0, p0, g0, 0.1, np.ones(2), 25, log_prob_grad)
    x2, p2, _, _ = bnn._leapfrog(x1, -p1, g1, 0.1, np.ones(2), 25, log_prob_grad)
    np.testing.assert_allclose(x2, x0, atol=1e-12)
    np.testing.assert_allclose(-p2, p0, atol=1e-12)

    def energy_error(eps, steps):
        x, p, lp, _ = bnn._leapfrog(x0, p0, g0, eps, np.ones(2), steps, log_prob_grad)
        lp0, _ = log_prob_grad(x0)
        return abs(float(-lp[0] + 0.5 * np.sum(p**2) - (-lp0[0] + 0.5 * np.sum(p0**2))))

    ratio = energy_error(0.2, 10) / energy_error(0.1, 20)
    assert 2.5 < ratio < 6.0  # O(eps^2): about 4


def test_mean_field_kl_matches_torch():
    mu, s = np.array([0.5, -1.0, 0.0]), np.array([0.2, 1.0, 0.5])
    q = torch.distributions.Normal(torch.tensor(mu), torch.tensor(s))
    p = torch.distributions.Normal(torch.zeros(3, dtype=torch.float64), 1.5)
    assert bnn.mean_field_kl(mu, s, 1.5) == pytest.approx(
        float(torch.distributions.kl_divergence(q, p).sum())
    )
    model = bnn.MeanFieldMLP(1, 2, prior_std=1.5, init_std=0.3)
    with torch.no_grad():
        expected = bnn.mean_field_kl(model.mu[0].numpy(), model.log_s[0].exp().numpy(), 1.5)
        assert float(model.kl()[0]) == pytest.approx(expected)


def test_mixture_moments():
    f = np.array([[0.0, 1.0], [2.0, 1.0], [1.0, 4.0]])
    noise = np.array([1.0, 0.5, 2.0])
    mean, std = bnn.mixture(f, noise)
    grid = np.linspace(-20, 20, 200_001)
    for j in range(2):
        pdf = np.mean([scipy.stats.norm(f[k, j], noise[k]).pdf(grid) for k in range(3)], axis=0)
        m = np.trapezoid(grid * pdf, grid)
        assert mean[j] == pytest.approx(m, abs=1e-8)
        assert std[j] ** 2 == pytest.approx(np.trapezoid((grid - m) ** 2 * pdf, grid), rel=1e-6)


def test_gaussian_nll_and_coverage():
    rng = np.random.default_rng(0)
    y = rng.normal(size=20_000)
    mean, std = np.zeros_like(y), np.ones_like(y)
    assert bnn.gaussian_nll(y, mean, std) == pytest.approx(-scipy.stats.norm.logpdf(y).mean())
    for level in (0.68, 0.95):
        p, err = bnn.coverage(y, mean, std, level)
        assert err == pytest.approx(math.sqrt(p * (1 - p) / y.size))
        assert abs(p - level) < 4 * err
    assert bnn.coverage(np.array([0.0, 3.0]), np.zeros(2), np.ones(2), 0.95) == pytest.approx(
        (0.5, 0.5 / math.sqrt(2))
    )


def test_training_fits_and_is_reproducible():
    X, y = _data(n=30, d=1)
    runs = []
    for _ in range(2):
        model = bnn.EnsembleMLP(1, 8, n_members=2, seed=3)
        history = bnn.train_map(model, X, y, 300, lr=0.02, seed=1)
        runs.append(model.w.detach().numpy())
    assert history["cost"][-1] < history["cost"][0]
    np.testing.assert_array_equal(runs[0], runs[1])
    vi = bnn.MeanFieldMLP(1, 8, n_members=2, seed=3)
    elbo = bnn.train_bbb(vi, X, y, 200, lr=0.02, n_samples=2, seed=1)["elbo"]
    assert np.mean(elbo[-20:]) > np.mean(elbo[:20])


def test_predictive_samples_shapes():
    X, y = _data(n=10, d=1)
    plain = bnn.EnsembleMLP(1, 3, n_members=4, noise=0.1)
    f, noise = bnn.predictive_samples(plain, X, n_samples=7)
    assert f.shape == (1, 4, 10) and noise.shape == (4,)
    drop = bnn.EnsembleMLP(1, 3, n_members=2, dropout=0.3)
    f, _ = bnn.predictive_samples(drop, X, n_samples=7, seed=1)
    assert f.shape == (7, 2, 10) and np.std(f, axis=0).max() > 0
    assert not drop.training
    vi = bnn.MeanFieldMLP(1, 3, n_members=2)
    f, _ = bnn.predictive_samples(vi, X, n_samples=5)
    assert f.shape == (5, 2, 10)


def test_bad_input_names_the_argument():
    X, y = _data()
    w = np.zeros(bnn.n_weights(2, H))
    with pytest.raises(ValueError, match="w"):
        bnn.forward(w[:-1], X, H)
    with pytest.raises(ValueError, match="noise"):
        bnn.log_posterior(w, X, y, H, noise=0.0)
    with pytest.raises(ValueError, match="same number of samples"):
        bnn.laplace(w, X, y[:-1], H, noise=0.1)
    with pytest.raises(ValueError, match="level"):
        bnn.coverage(y, y, np.ones_like(y), level=1.0)
    with pytest.raises(ValueError, match="X has 2 features"):
        bnn.train_map(bnn.EnsembleMLP(1, 2), X, y, 1)
    with pytest.raises(FloatingPointError):
        bnn.train_map(bnn.EnsembleMLP(2, 2, noise=1e-150), X, y * 1e100, 2)


def test_nuclear_features_and_split():
    features = study.nuclear_features([50, 40], [82, 90])
    np.testing.assert_array_equal(features[:, 2:], [[0, 0], [10, 8]])
    data = study.nuclear_data()
    assert data["r_train"].size + data["r_test"].size == len(data["Z_train"]) + len(data["Z_test"])
    assert np.all(data["Z_train"] % 2 == 0) and np.all(data["N_test"] % 2 == 0)
    train = set(zip(data["Z_train"], data["N_train"], strict=False))
    assert not train & set(zip(data["Z_test"], data["N_test"], strict=False))
    assert abs(data["X_train"].mean(axis=0)).max() < 1e-12  # scaled with training statistics
