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


# --------------------------------------------------------------------------- Wasserstein GAN, conditional GAN


def test_w1_of_gaussians_and_scipy():
    from scipy.stats import wasserstein_distance

    assert gan.wasserstein1_gaussians(0.0, 1.0, 1.5, 1.0) == pytest.approx(1.5, rel=1e-9)
    rng = np.random.default_rng(0)
    a, b = rng.normal(0.0, 1.0, 200_000), rng.normal(1.0, 0.5, 200_000)
    assert gan.wasserstein1_gaussians(0.0, 1.0, 1.0, 0.5) == pytest.approx(
        wasserstein_distance(a, b), abs=0.01
    )


def test_interpolate_density_is_normalised_and_sampled():
    x, dx = gan.gaussian_grid(0.0, 1.0, 2.0, 0.5)
    r = gan.interpolate_density(x, 0.0, 1.0, 2.0, 0.5)
    assert np.trapezoid(r, dx=dx) == pytest.approx(1.0, abs=1e-6)
    rng = np.random.default_rng(1)
    eps = rng.uniform(size=400_000)
    pts = eps * rng.normal(0.0, 1.0, eps.size) + (1 - eps) * rng.normal(2.0, 0.5, eps.size)
    hist, edges = np.histogram(pts, bins=40, range=(-1.0, 3.0), density=True)
    centres = 0.5 * (edges[1:] + edges[:-1])
    np.testing.assert_allclose(hist, gan.interpolate_density(centres, 0.0, 1.0, 2.0, 0.5), atol=0.02)


def test_gp_critic_estimate_limits():
    w1 = gan.wasserstein1_gaussians(0.0, 1.0, 1.0, 1.0)
    big = gan.gp_critic_estimate(0.0, 1.0, 1.0, 1.0, gp_weight=1e6)
    assert big == pytest.approx(w1, rel=1e-5)  # a hard constraint: the estimate is W1
    assert gan.gp_critic_estimate(0.0, 1.0, 1.0, 1.0, gp_weight=10.0) > w1
    # the bias falls like 1/lambda
    b1 = gan.gp_critic_estimate(0.0, 1.0, 1.0, 1.0, 10.0) - w1
    b2 = gan.gp_critic_estimate(0.0, 1.0, 1.0, 1.0, 20.0) - w1
    assert b1 == pytest.approx(2 * b2, rel=1e-9)


def test_gradient_penalty_of_a_linear_critic():
    critic = torch.nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        critic.weight.copy_(torch.tensor([[3.0, 4.0]]))  # |grad f| = 5 everywhere
    real, fake = torch.randn(16, 2), torch.randn(16, 2)
    assert gan.gradient_penalty(critic, real, fake, seed=0).item() == pytest.approx(16.0)
    pen = gan.gradient_penalty(critic, real, fake)
    pen.backward()  # differentiable with respect to the weights: d/dw (|w| - 1)^2 = 2 (|w| - 1) w / |w|
    np.testing.assert_allclose(critic.weight.grad.numpy(), [[2 * 4 * 3 / 5, 2 * 4 * 4 / 5]], rtol=1e-6)
    with pytest.raises(ValueError, match="same shape"):
        gan.gradient_penalty(critic, real, fake[:3])
    assert gan.critic_loss(torch.tensor([2.0]), torch.tensor([0.5])).item() == pytest.approx(-1.5)


def test_gp_critic_learns_the_shift():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0.0, 1.0, (4000, 1)), rng.normal(2.0, 1.0, (4000, 1))
    torch.manual_seed(0)
    f = gan.discriminator_net(1, (32, 32))
    gan.train_critic(f, a, b, steps=300, batch_size=128, lr=2e-3, seed=0)
    w, err = gan.critic_w1(f, rng.normal(0.0, 1.0, (4000, 1)), rng.normal(2.0, 1.0, (4000, 1)))
    assert err > 0
    assert w == pytest.approx(gan.gp_critic_estimate(0.0, 1.0, 2.0, 1.0), abs=0.25)


def test_wgan_gp_and_ema_training_is_reproducible():
    X = gan.ring_of_gaussians(500, seed=0)
    cfg = gan.GANConfig(steps=20, batch_size=16, loss="wgan-gp", d_steps=2, ema=0.9, record_every=10)

    def run():
        torch.manual_seed(0)
        G, D = gan.generator_net(2, 2, (8,)), gan.discriminator_net(2, (8,))
        hist = gan.train_gan(G, D, X, 2, cfg, seed=1)
        return hist, gan.sample(G, 50, 2, seed=2)

    (h1, s1), (h2, s2) = run(), run()
    assert h1 == h2
    np.testing.assert_array_equal(s1, s2)
    assert np.all(np.isfinite(s1))


def test_conditional_gan_takes_labels():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(-2, 0.1, (50, 2)), rng.normal(2, 0.1, (50, 2))])
    y = np.repeat([0, 1], 50)
    torch.manual_seed(0)
    G, D = gan.generator_net(2 + 2, 2, (8,)), gan.discriminator_net(2 + 2, (8,))
    gan.train_gan(G, D, X, 2, gan.GANConfig(steps=5, batch_size=8), seed=0, labels=y)
    s = gan.sample(G, 6, 2, labels=[0, 1, 0, 1, 0, 1], n_classes=2)
    assert s.shape == (6, 2)
    with pytest.raises(ValueError, match="generator"):  # an unconditional generator cannot take the classes
        gan.train_gan(gan.generator_net(2, 2, (8,)), D, X, 2, gan.GANConfig(steps=1), labels=y)
    with pytest.raises(ValueError, match="labels"):
        gan.train_gan(G, D, X, 2, gan.GANConfig(steps=1), labels=y[:10])
    with pytest.raises(ValueError, match="labels"):
        gan.sample(G, 2, 2, labels=[0, 5], n_classes=2)
