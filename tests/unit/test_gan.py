"""Tests of physml.gan: the optimal discriminator, the JSD identity, mode coverage, training, bad input."""

import math

import numpy as np
import pytest
import torch
from scipy.spatial.distance import jensenshannon

from physml import gan


def test_optimal_discriminator_pointwise():
    d = gan.optimal_discriminator([1.0, 0.0, 0.3], [1.0, 2.0, 0.1])
    np.testing.assert_allclose(d, [0.5, 0.0, 0.75])


def test_optimal_discriminator_maximises_the_game_value():
    x, dx = gan.gaussian_grid(0.0, 1.0, 1.0, 0.5)
    p, q = gan.normal_pdf(x, 0.0, 1.0), gan.normal_pdf(x, 1.0, 0.5)
    d_star = gan.optimal_discriminator(p, q)
    best = gan.game_value(d_star, p, q, dx)
    rng = np.random.default_rng(0)
    for _ in range(5):
        d = np.clip(d_star + 0.05 * rng.normal(size=d_star.shape), 1e-9, 1 - 1e-9)
        assert gan.game_value(d, p, q, dx) < best


@pytest.mark.parametrize(("mu1", "s1"), [(0.0, 1.0), (1.0, 0.5), (3.0, 2.0)])
def test_value_at_optimum_is_minus_log4_plus_twice_jsd(mu1, s1):
    x, dx = gan.gaussian_grid(0.0, 1.0, mu1, s1)
    p, q = gan.normal_pdf(x, 0.0, 1.0), gan.normal_pdf(x, mu1, s1)
    value = gan.game_value(gan.optimal_discriminator(p, q), p, q, dx)
    jsd = gan.js_divergence_gaussians(0.0, 1.0, mu1, s1)
    assert value == pytest.approx(-math.log(4) + 2 * jsd, abs=1e-9)


def test_jsd_gaussians_limits_and_scipy():
    assert gan.js_divergence_gaussians(0.0, 1.0, 0.0, 1.0) == pytest.approx(0.0, abs=1e-12)
    assert gan.js_divergence_gaussians(0.0, 0.1, 50.0, 0.1) == pytest.approx(math.log(2), rel=1e-9)
    x, dx = gan.gaussian_grid(0.0, 1.0, 1.5, 0.7)
    p, q = gan.normal_pdf(x, 0.0, 1.0) * dx, gan.normal_pdf(x, 1.5, 0.7) * dx
    ref = jensenshannon(p / p.sum(), q / q.sum()) ** 2
    assert gan.js_divergence_gaussians(0.0, 1.0, 1.5, 0.7) == pytest.approx(ref, rel=1e-6)


def test_js_divergence_discrete():
    assert gan.js_divergence([1, 0], [0, 1]) == pytest.approx(math.log(2))
    p, q = np.array([0.2, 0.5, 0.3]), np.array([0.1, 0.1, 0.8])
    assert gan.js_divergence(p, q) == pytest.approx(jensenshannon(p, q) ** 2, rel=1e-12)
    assert gan.js_divergence(p, q) == pytest.approx(gan.js_divergence(q, p))


def test_mode_coverage_on_constructed_samples():
    centres = gan.ring_centres(8, 2.0)
    rng = np.random.default_rng(0)
    # 100 samples at each of modes 0..4, 3 at mode 5 (below 2 %), 50 far from every mode
    parts = [centres[k] + 0.01 * rng.normal(size=(100, 2)) for k in range(5)]
    parts += [centres[5] + 0.01 * rng.normal(size=(3, 2)), np.zeros((50, 2))]
    cov = gan.mode_coverage(np.vstack(parts), centres, sigma=0.05)
    assert cov.n_covered == 5
    np.testing.assert_array_equal(cov.counts, [100] * 5 + [3, 0, 0])
    assert cov.high_quality == pytest.approx(503 / 553)


def test_ring_data_is_reproducible_and_on_the_modes():
    a = gan.ring_of_gaussians(4000, sigma=0.05, seed=3)
    np.testing.assert_array_equal(a, gan.ring_of_gaussians(4000, sigma=0.05, seed=3))
    cov = gan.mode_coverage(a, gan.ring_centres(), 0.05)
    assert cov.n_covered == 8
    assert cov.high_quality > 0.98  # 3 sigma in 2D holds 1 - exp(-4.5) = 98.9 %


def test_losses_and_the_non_saturating_gradient():
    logit = torch.tensor([-6.0], requires_grad=True)  # D(G(z)) = 0.0025: a confident rejection
    gan.generator_loss(logit, "minimax").backward()
    weak = logit.grad.abs().item()
    logit.grad = None
    gan.generator_loss(logit, "non-saturating").backward()
    strong = logit.grad.abs().item()
    assert strong > 100 * weak
    real, fake = torch.tensor([0.0]), torch.tensor([0.0])
    assert gan.discriminator_loss(real, fake).item() == pytest.approx(math.log(4))


def test_train_gan_is_reproducible_and_learns_the_scale():
    X = gan.ring_of_gaussians(2000, sigma=0.05, seed=0)
    cfg = gan.GANConfig(steps=60, batch_size=32, record_every=20)

    def run():
        torch.manual_seed(0)
        G, D = gan.generator_net(2, 2, (16,)), gan.discriminator_net(2, (16,))
        hist = gan.train_gan(G, D, X, 2, cfg, seed=1)
        return hist, gan.sample(G, 500, 2, seed=2)

    (h1, s1), (h2, s2) = run(), run()
    np.testing.assert_array_equal(s1, s2)
    assert h1 == h2
    assert len(h1["d_loss"]) == 3
    assert np.all(np.isfinite(s1))


def test_train_gan_stops_on_nan():
    X = gan.ring_of_gaussians(200, seed=0)
    G, D = gan.generator_net(2, 2, (8,)), gan.discriminator_net(2, (8,))
    with torch.no_grad():
        D[0].weight.fill_(float("nan"))
    with pytest.raises(FloatingPointError, match="discriminator loss"):
        gan.train_gan(G, D, X, 2, gan.GANConfig(steps=5), seed=0)


def test_bad_input():
    with pytest.raises(ValueError, match="p_data"):
        gan.optimal_discriminator([-1.0, 1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="both vanish"):
        gan.optimal_discriminator([0.0, 1.0], [0.0, 1.0])
    with pytest.raises(ValueError, match="same shape"):
        gan.optimal_discriminator([1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="sum to 1"):
        gan.js_divergence([0.5, 0.6], [0.5, 0.5])
    with pytest.raises(TypeError, match="p"):
        gan.js_divergence([0.5 + 1j, 0.5], [0.5, 0.5])
    with pytest.raises(ValueError, match="NaN"):
        gan.mode_coverage([[np.nan, 0.0]], gan.ring_centres(), 0.05)
    with pytest.raises(ValueError, match="centres"):
        gan.mode_coverage(np.zeros((3, 3)), gan.ring_centres(), 0.05)
    with pytest.raises(ValueError, match="sigma"):
        gan.mode_coverage(np.zeros((3, 2)), gan.ring_centres(), -1.0)
    with pytest.raises(ValueError, match="kind"):
        gan.generator_loss(torch.zeros(2), "wasserstein")
    with pytest.raises(ValueError, match="lr_g"):
        gan.train_gan(
            gan.generator_net(2, 2), gan.discriminator_net(2), np.zeros((4, 2)), 2, gan.GANConfig(lr_g=0.0)
        )
    with pytest.raises(ValueError, match="X"):
        gan.train_gan(gan.generator_net(2, 2), gan.discriminator_net(2), np.zeros((0, 2)), 2)
    with pytest.raises(TypeError, match="config"):
        gan.train_gan(gan.generator_net(2, 2), gan.discriminator_net(2), np.zeros((4, 2)), 2, {"steps": 3})
    with pytest.raises(ValueError, match="d must lie"):
        gan.game_value([1.5], [1.0], [1.0], 0.1)


def test_network_options():
    D = gan.discriminator_net(3, (8,), activation="leaky_relu", dropout=0.2)
    assert any(isinstance(m, torch.nn.LeakyReLU) for m in D)
    assert any(isinstance(m, torch.nn.Dropout) for m in D)
    G = gan.generator_net(2, 4, (8,), output="tanh")
    assert G(torch.randn(5, 2) * 100).abs().max() <= 1
    with pytest.raises(ValueError, match="activation"):
        gan.discriminator_net(3, activation="elu")
    with pytest.raises(ValueError, match="output"):
        gan.generator_net(2, 2, output="sigmoid")


def test_losses_refuse_empty_complex_bool_and_nan_batches():
    ok = torch.zeros(4, 1)
    for bad, error, match in (
        (torch.zeros(0, 1), ValueError, "must not be empty"),
        (torch.zeros(4, 1, dtype=torch.complex64), TypeError, "must be real"),
        (torch.zeros(4, 1, dtype=torch.bool), TypeError, "floating-point"),
        (torch.full((4, 1), float("nan")), ValueError, "NaN or inf"),
    ):
        with pytest.raises(error, match=f"logit_real .*{match}"):
            gan.discriminator_loss(bad, ok)
        with pytest.raises(error, match=f"logit_fake .*{match}"):
            gan.discriminator_loss(ok, bad)
        with pytest.raises(error, match=f"logit_fake .*{match}"):
            gan.generator_loss(bad)
