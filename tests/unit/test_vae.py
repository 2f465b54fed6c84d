"""Tests of physml.vae: the KL term, the reparametrisation, the ELBO bound, PPCA."""

import math

import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA

from physml import metrics, vae


def _toy(n=300, d=6, k=2, seed=0):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(d, k))
    return rng.normal(size=(n, k)) @ W.T + 0.3 * rng.normal(size=(n, d)) + 1.0


def test_gaussian_kl_matches_metrics_closed_form():
    mu = torch.tensor([[0.3, -1.0], [2.0, 0.0]], dtype=torch.float64)
    logvar = torch.tensor([[0.1, -0.5], [1.0, -2.0]], dtype=torch.float64)
    kl = vae.gaussian_kl(mu, logvar).numpy()
    for i in range(2):
        ref = metrics.kl_gaussians(mu[i].numpy(), np.exp(logvar[i].numpy()), np.zeros(2), np.ones(2))
        assert kl[i] == pytest.approx(ref, rel=1e-12)


def test_gaussian_kl_vs_monte_carlo():
    mu = torch.tensor([0.5, -1.0], dtype=torch.float64)
    logvar = torch.tensor([-0.7, 0.3], dtype=torch.float64)
    gen = torch.Generator().manual_seed(1)
    z = vae.reparametrise(mu.expand(20_000, -1), logvar.expand(20_000, -1), gen)
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar)).log_prob(z).sum(-1)
    p = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(-1)
    est = metrics.kl_monte_carlo(q.numpy(), p.numpy())
    assert abs(est.value - float(vae.gaussian_kl(mu, logvar))) < 4 * est.error


def test_gaussian_kl_is_zero_at_the_prior():
    assert float(vae.gaussian_kl(torch.zeros(3), torch.zeros(3))) == 0.0


def test_reparametrise_passes_gradients():
    mu = torch.zeros(4, requires_grad=True)
    logvar = torch.zeros(4, requires_grad=True)
    z = vae.reparametrise(mu, logvar, torch.Generator().manual_seed(0))
    z.sum().backward()
    assert torch.allclose(mu.grad, torch.ones(4))
    assert logvar.grad.abs().sum() > 0


def test_gaussian_log_likelihood_equals_sklearn_score():
    X = _toy()
    pca = PCA(n_components=2).fit(X)
    ours = vae.gaussian_log_likelihood(X, pca.mean_, pca.get_covariance())
    assert ours / len(X) == pytest.approx(pca.score(X), rel=1e-10)


def test_ppca_maximum_is_above_and_near_sklearn():
    X = _toy()
    best = vae.ppca_log_likelihood(X, 2) / len(X)
    sk = PCA(n_components=2).fit(X).score(X)
    assert best >= sk  # sklearn's variances divide by n - 1, the maximum-likelihood ones by n
    assert best - sk < 1e-3


def test_ppca_is_a_maximum():
    X = _toy()
    W, mu, s2 = vae.ppca_fit(X, 2)
    best = vae.ppca_log_likelihood(X, 2)
    rng = np.random.default_rng(3)
    for _ in range(5):
        W2 = W + 0.05 * rng.normal(size=W.shape)
        cov = W2 @ W2.T + s2 * 1.05 * np.eye(X.shape[1])
        assert vae.gaussian_log_likelihood(X, mu, cov) < best


def test_linear_vae_elbo_never_exceeds_exact_and_approaches_ppca():
    X = _toy(n=200)
    model = vae.LinearVAE(X.shape[1], 2)
    before = model.total_exact_elbo(X)
    assert before <= model.exact_log_likelihood(X)
    with torch.no_grad():
        model.mu.copy_(torch.as_tensor(X.mean(0)))
    vae.train_vae(model, X, epochs=150, batch_size=50, lr=2e-2, seed=0)
    elbo, exact = model.total_exact_elbo(X), model.exact_log_likelihood(X)
    best = vae.ppca_log_likelihood(X, 2)
    assert elbo <= exact <= best + 1e-6
    assert (best - elbo) / len(X) < 0.3


def test_exact_elbo_is_the_mean_of_the_sampled_one():
    X = torch.as_tensor(_toy(n=5), dtype=torch.float64)
    model = vae.LinearVAE(X.shape[1], 2)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        sampled = torch.stack([model.elbo(X, gen) for _ in range(4000)]).mean(0)
        exact = model.exact_elbo(X)
    assert torch.allclose(sampled, exact, rtol=2e-2)


def test_train_vae_bernoulli_improves_and_is_reproducible():
    X = (np.random.default_rng(0).random((120, 16)) < 0.3).astype(float)
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = vae.VAE(16, n_latent=2, hidden=(16,))
        runs.append(vae.train_vae(model, X, epochs=5, batch_size=32, lr=1e-2, X_val=X[:40], seed=1))
    assert runs[0] == runs[1]
    assert runs[0]["train_elbo"][-1] > runs[0]["train_elbo"][0]
    assert vae.sample(model, 7, seed=0).shape == (7, 16)
    assert vae.reconstruct(model, X[:3]).shape == (3, 16)
    assert vae.encode_mean(model, X[:3]).shape == (3, 2)


def test_gaussian_decoder_log_likelihood():
    model = vae.VAE(3, n_latent=1, hidden=(4,), likelihood="gaussian")
    x, z = torch.zeros(2, 3), torch.zeros(2, 1)
    with torch.no_grad():
        m = model.decoder(z)
        expected = -0.5 * (m**2).sum(-1) - 1.5 * math.log(2 * math.pi)
        assert torch.allclose(model.log_likelihood(x, z), expected)


def test_nan_loss_stops_training():
    X = np.random.default_rng(0).normal(size=(20, 4))
    model = vae.LinearVAE(4, 1)
    with torch.no_grad():
        model.log_sigma2.fill_(float("nan"))
    with pytest.raises(FloatingPointError, match="loss became nan"):
        vae.train_vae(model, X, epochs=1)


@pytest.mark.parametrize(
    ("X", "error", "match"),
    [
        (np.full((10, 4), np.nan), ValueError, "NaN"),
        (np.zeros(5), ValueError, "2-dimensional"),
        (np.zeros((1, 4)), ValueError, "at least 2 samples"),
        (np.ones((5, 4)) * 2.0, ValueError, r"\[0, 1\]"),
        (np.ones((5, 4), dtype=complex), TypeError, "complex"),
        ("digits", TypeError, "X"),
    ],
)
def test_bad_input(X, error, match):
    model = vae.VAE(4, n_latent=1, hidden=(4,))
    with pytest.raises(error, match=match):
        vae.train_vae(model, X, epochs=1)


def test_bad_arguments():
    with pytest.raises(ValueError, match="likelihood"):
        vae.VAE(4, likelihood="poisson")
    with pytest.raises(ValueError, match="n_components"):
        vae.ppca_fit(np.zeros((5, 3)) + np.arange(3), 3)
    with pytest.raises(ValueError, match="positive definite"):
        vae.gaussian_log_likelihood(np.ones((3, 2)), np.zeros(2), -np.eye(2))
    with pytest.raises(TypeError, match="epochs"):
        vae.train_vae(vae.LinearVAE(2, 1), np.ones((3, 2)), epochs=1.5)


# --------------------------------------------------------------------------- tensors of the wrong kind


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (lambda t: t + 1j, TypeError, "must be real"),
        (lambda t: t != 0, TypeError, "floating-point"),
        (lambda t: t.clone().fill_(float("nan")), ValueError, "NaN or inf"),
        (lambda t: t.clone().fill_(float("inf")), ValueError, "NaN or inf"),
    ],
)
def test_kl_and_reparametrise_refuse_complex_bool_and_nan(change, error, match):
    mu, logvar = torch.zeros(3, 2), torch.zeros(3, 2)
    for name in ("mu", "logvar"):
        args = {"mu": mu, "logvar": logvar, name: change(mu)}
        with pytest.raises(error, match=f"{name} .*{match}"):
            vae.gaussian_kl(**args)
        with pytest.raises(error, match=f"{name} .*{match}"):
            vae.reparametrise(**args)
    with pytest.raises(ValueError, match="logvar must have 2 entries in its last axis like mu"):
        vae.gaussian_kl(torch.zeros(3, 2), torch.zeros(3, 3))


def test_vae_tensors_must_have_the_weights_dtype():
    torch.manual_seed(0)
    model = vae.VAE(4, n_latent=2, hidden=(5,))
    x = torch.rand(3, 4)
    with pytest.raises(
        TypeError, match="x has dtype torch.float64 but the model's parameters are torch.float32"
    ):
        model.encode(x.double())
    with pytest.raises(TypeError, match="z has dtype torch.float64"):
        model.decode_mean(torch.zeros(3, 2, dtype=torch.float64))
    with pytest.raises(ValueError, match="x contains NaN"):
        vae.elbo(model, torch.full((3, 4), float("nan")))
    with pytest.raises(TypeError, match="x must be real"):
        vae.LinearVAE(4, 2).exact_elbo(torch.zeros(3, 4, dtype=torch.complex128))
    mu, _ = model.encode(torch.full((1, 4), float("nan")))  # a forward pass keeps IEEE NaN
    assert torch.isnan(mu).all()


def test_ppca_refuses_data_whose_covariance_overflows():
    """X x 1e200 made eigh fail with LinAlgError; now a ValueError naming X (issue 26)."""
    X = np.random.default_rng(0).normal(size=(6, 3))
    for f in (vae.ppca_fit, vae.ppca_log_likelihood):
        with pytest.raises(ValueError, match="^X has entries up to .* covariance overflows"):
            f(X * 1e200, 1)
    # a large but representable scale: ln p shifts by -n d ln(c)
    expected = vae.ppca_log_likelihood(X, 1) - X.size * math.log(1e150)
    assert vae.ppca_log_likelihood(X * 1e150, 1) == pytest.approx(expected, rel=1e-9)


# --------------------------------------------------------------------------- categorical decoder, beta, IWAE


def test_categorical_decoder_likelihood_mean_and_draws():
    torch.manual_seed(0)
    model = vae.VAE(3, n_latent=1, hidden=(4,), likelihood="categorical", levels=5)
    z = torch.zeros(1, 1)
    x = torch.tensor([[0.0, 0.5, 1.0]])
    with torch.no_grad():
        logits = model.decoder(z).reshape(1, 3, 5)
        logp = torch.log_softmax(logits, -1)
        expected = logp[0, 0, 0] + logp[0, 1, 2] + logp[0, 2, 4]
        assert torch.allclose(model.log_likelihood(x, z), expected.reshape(1))
        mean = model.decode_mean(z)
        assert torch.allclose(mean, (torch.softmax(logits, -1) * torch.arange(5) / 4).sum(-1))
        draws = model.decode_sample(z.expand(20_000, 1), torch.Generator().manual_seed(1))
    assert set(np.unique(draws.numpy() * 4)) <= {0.0, 1.0, 2.0, 3.0, 4.0}
    assert torch.allclose(draws.mean(0), mean[0], atol=0.02)


def test_categorical_training_needs_grey_levels():
    model = vae.VAE(4, n_latent=1, hidden=(4,), likelihood="categorical", levels=17)
    X = np.random.default_rng(0).integers(0, 17, (20, 4)) / 16
    vae.train_vae(model, X, epochs=1)
    with pytest.raises(ValueError, match="grey levels"):
        vae.train_vae(model, X * 0.99, epochs=1)


def test_bernoulli_draws_are_bits_and_sample_draw_flag():
    torch.manual_seed(0)
    model = vae.VAE(6, n_latent=2, hidden=(5,))
    means = vae.sample(model, 5, seed=3)
    draws = vae.sample(model, 5, seed=3, draw=True)
    assert np.all((draws == 0) | (draws == 1)) and not np.all((means == 0) | (means == 1))


def test_kl_per_dimension_sums_to_the_kl_term_and_active_units():
    torch.manual_seed(0)
    model = vae.VAE(6, n_latent=3, hidden=(5,))
    X = np.random.default_rng(0).random((30, 6))
    per = vae.kl_per_dimension(model, X)
    with torch.no_grad():
        mu, logvar = model.encode(torch.as_tensor(X, dtype=torch.float32))
        total = vae.gaussian_kl(mu, logvar).mean().item()
    assert per.shape == (3,) and per.sum() == pytest.approx(total, rel=1e-5)
    assert vae.active_units(model, X, threshold=0.0) == 3
    assert vae.active_units(model, X, threshold=1e6) == 0


def test_beta_and_warmup_only_for_a_vae_and_large_beta_collapses():
    with pytest.raises(ValueError, match="beta and warmup"):
        vae.train_vae(vae.LinearVAE(2, 1), np.random.default_rng(0).random((5, 2)), epochs=1, beta=2.0)
    X = (np.random.default_rng(1).random((200, 8)) < np.linspace(0.1, 0.9, 8)).astype(float)
    X[:100, :4] = 1.0  # two clusters: information for z to carry
    rates = []
    for beta in (1.0, 50.0):
        torch.manual_seed(0)
        model = vae.VAE(8, n_latent=2, hidden=(16,))
        vae.train_vae(model, X, epochs=30, batch_size=50, lr=1e-2, beta=beta, warmup=2)
        rates.append(vae.kl_per_dimension(model, X).sum())
    assert rates[1] < 0.1 * rates[0]


def test_cosine_schedule_runs_and_is_reproducible():
    X = np.random.default_rng(0).normal(size=(40, 3))
    runs = []
    for _ in range(2):
        model = vae.LinearVAE(3, 1)
        runs.append(vae.train_vae(model, X, epochs=3, schedule="cosine", seed=2))
    assert runs[0] == runs[1]
    with pytest.raises(ValueError, match="schedule"):
        vae.train_vae(vae.LinearVAE(3, 1), X, epochs=1, schedule="linear")


def test_iwae_bound_limits():
    rng = np.random.default_rng(0)
    log_w = rng.normal(size=(4, 12))
    assert np.allclose(vae.iwae_bound(log_w, 1), log_w.mean(1))
    full = np.log(np.mean(np.exp(log_w), axis=1))
    assert np.allclose(vae.iwae_bound(log_w, 12), full)
    const = np.full((2, 6), -3.0)  # q equal to the posterior: every weight is p(x)
    for k in (1, 2, 3, 6):
        assert np.allclose(vae.iwae_bound(const, k), -3.0)
    with pytest.raises(ValueError, match="k"):
        vae.iwae_bound(log_w, 13)


def test_importance_weights_estimate_p_x_by_quadrature():
    """A VAE with one latent variable: p(x) = int p(x|z) N(z) dz by quadrature vs the IWAE estimate."""
    torch.manual_seed(3)
    model = vae.VAE(3, n_latent=1, hidden=(6,))
    X = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    z = torch.linspace(-8, 8, 4001).reshape(-1, 1)
    with torch.no_grad():
        exact = []
        for x in X:
            ll = model.log_likelihood(torch.as_tensor(x, dtype=torch.float32).expand(len(z), 3), z).double()
            integrand = torch.exp(ll) * torch.exp(-0.5 * z[:, 0].double() ** 2) / math.sqrt(2 * math.pi)
            exact.append(math.log(torch.trapezoid(integrand, z[:, 0].double()).item()))
    log_w = vae.log_importance_weights(model, X, 20_000, seed=0)
    w = np.exp(log_w)
    estimate = np.log(w.mean(axis=1))
    rel_error = w.std(axis=1) / w.mean(axis=1) / np.sqrt(w.shape[1])  # standard error of ln(mean w)
    assert np.all(np.abs(estimate - exact) < 4 * rel_error + 1e-4)
    bounds = [vae.iwae_bound(log_w, k) for k in (1, 10, 100, 1000)]
    assert np.all(np.diff(bounds, axis=0) > -1e-3) and np.all(bounds[-1] <= np.array(exact) + 0.01)
