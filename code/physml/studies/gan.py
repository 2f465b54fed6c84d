"""The runs of "Generative adversarial networks": what the page trains, with its settings in view.

* :func:`theory_run`: the game for two known 1D Gaussians: the value at the optimal
  discriminator, the JSD by quadrature and by SciPy, and randomly perturbed discriminators;
* :func:`ring_run` and :func:`collapse_run`: two GANs on the ring of eight Gaussians, a
  well-behaved one (small learning rates, Adam betas (0.5, 0.999)) and the same with three
  generator steps per discriminator step, which collapses for the book's seed; modes
  covered, high-quality fraction, MMD² against held-out ring samples beside the baseline of
  two held-out halves;
* :func:`digit_run`: a small MLP GAN on the 8x8 digits (pixels scaled to [-1, 1]), judged by
  the digit classifier of ``physml.metrics`` (class coverage) and MMD² against held-out digits.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.spatial.distance import jensenshannon
from threadpoolctl import threadpool_limits

from .. import gan, metrics
from ..experiment import Settings, setting, study
from .vae import digits_split

# --------------------------------------------------------------------------- the theory


class TheoryRun(Settings):
    """Settings of the game for two known 1D Gaussians."""

    p_data: tuple[float, ...] = setting((0.0, 1.0), doc="mean and standard deviation of p_data")
    p_g: tuple[float, ...] = setting((1.5, 0.7), doc="mean and standard deviation of p_g")
    n_perturbed: int = setting(20, low=1, doc="randomly perturbed discriminators")
    perturbation: float = setting(0.05, low=0, doc="standard deviation of the perturbation of D*")
    seed: int = setting(2026, low=0, doc="seed of the perturbations")

    def validate(self):
        for name in ("p_data", "p_g"):
            v = getattr(self, name)
            if len(v) != 2 or v[1] <= 0:
                raise ValueError(f"TheoryRun.{name} must be (mean, standard deviation > 0), got {v!r}")


@study("gan", TheoryRun)
def theory_run(cfg: TheoryRun) -> dict:
    r"""The game for :math:`p_{\mathrm{data}}` and :math:`p_g` of ``cfg``, two 1D Gaussians.

    Returns the grid, both densities, :math:`D^*`, the value :math:`C(G) = V(D^*, G)`, the
    JSD by quadrature and by SciPy, and the best value reached by the randomly perturbed
    discriminators.
    """
    x, dx = gan.gaussian_grid(*cfg.p_data, *cfg.p_g)
    p, q = gan.normal_pdf(x, *cfg.p_data), gan.normal_pdf(x, *cfg.p_g)
    d_star = gan.optimal_discriminator(p, q)
    value = gan.game_value(d_star, p, q, dx)
    jsd = gan.js_divergence_gaussians(*cfg.p_data, *cfg.p_g)
    jsd_scipy = float(jensenshannon(p / p.sum(), q / q.sum()) ** 2)
    rng = np.random.default_rng(cfg.seed)
    perturbed = []
    for _ in range(cfg.n_perturbed):
        d = np.clip(d_star + cfg.perturbation * rng.normal(size=d_star.shape), 1e-12, 1 - 1e-12)
        perturbed.append(gan.game_value(d, p, q, dx))
    return {
        "x": x,
        "p_data": p,
        "p_g": q,
        "d_star": d_star,
        "value": value,
        "jsd": jsd,
        "jsd_scipy": jsd_scipy,
        "best_perturbed": max(perturbed),
    }


# --------------------------------------------------------------------------- the ring of Gaussians


class RingRun(Settings):
    """Settings of a GAN on the ring of Gaussians: the data, the networks, training and judges."""

    n_modes: int = setting(8, low=1, doc="Gaussians on the ring")
    radius: float = setting(2.0, low=0, doc="radius of the ring")
    sigma: float = setting(0.05, low=0, doc="standard deviation of each Gaussian")
    n_train: int = setting(20_000, low=2, doc="training points")
    hidden: tuple[int, ...] = setting((64, 64), low=1, doc="hidden widths of generator and discriminator")
    latent: int = setting(2, low=1, doc="noise variables of the generator")
    steps: int = setting(3000, low=1, doc="training rounds (one round: d_steps D steps, g_steps G steps)")
    batch_size: int = setting(128, low=1, doc="mini-batch size")
    lr_g: float = setting(5e-4, low=0, doc="Adam learning rate of the generator")
    lr_d: float = setting(5e-4, low=0, doc="Adam learning rate of the discriminator")
    betas: tuple[float, ...] = setting((0.5, 0.999), low=0, high=0.999999, doc="Adam betas of both players")
    d_steps: int = setting(1, low=1, doc="discriminator steps per round")
    g_steps: int = setting(1, low=1, doc="generator steps per round")
    loss: str = setting("non-saturating", doc='generator loss ("non-saturating" or "minimax")')
    n_held_out: int = setting(2000, low=4, doc="held-out ring points (the MMD² judge and its baseline)")
    n_samples: int = setting(1000, low=2, doc="generated points (= half the held-out set)")
    bandwidth: float = setting(0.5, low=0, doc="MMD kernel width: a quarter of the radius, a few mode widths")
    min_fraction: float = setting(0.02, low=0, high=1, doc="share of samples that makes a mode covered")
    seed: int = setting(2026, low=0, doc="seed of data, initialisation, batches, noise and samples")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"steps": 1000, "n_held_out": 1000, "n_samples": 500}

    def validate(self):
        if len(self.betas) != 2:
            raise ValueError(f"{type(self).__name__}.betas must be a pair, got {self.betas!r}")
        if self.loss not in gan.GENERATOR_LOSSES:
            raise ValueError(f"{type(self).__name__}.loss must be one of {gan.GENERATOR_LOSSES}")
        if min(self.radius, self.sigma, self.bandwidth) <= 0:
            raise ValueError(f"{type(self).__name__}.radius, sigma and bandwidth must be > 0")

    def gan_config(self) -> gan.GANConfig:
        """The training settings as the ``GANConfig`` of :func:`physml.gan.train_gan`."""
        return gan.GANConfig(
            steps=self.steps,
            batch_size=self.batch_size,
            lr_g=self.lr_g,
            lr_d=self.lr_d,
            betas=self.betas,
            d_steps=self.d_steps,
            g_steps=self.g_steps,
            loss=self.loss,
        )


class CollapseRun(RingRun):
    """The ring GAN with three generator steps per discriminator step (and a third of the rounds,
    so that its generator takes as many steps): it collapses for the book's seed."""

    steps: int = setting(1000, low=1, doc="training rounds (one round: d_steps D steps, g_steps G steps)")
    g_steps: int = setting(3, low=1, doc="generator steps per round")

    SHORT = {"steps": 300, "n_held_out": 1000, "n_samples": 500}


def train_ring_gan(cfg: RingRun, train: np.ndarray):
    """Generator and discriminator MLPs trained on ``train`` by :func:`physml.gan.train_gan`."""
    torch.manual_seed(cfg.seed)
    G = gan.generator_net(cfg.latent, 2, cfg.hidden)
    D = gan.discriminator_net(2, cfg.hidden)
    history = gan.train_gan(G, D, train, cfg.latent, cfg.gan_config(), seed=cfg.seed, device=cfg.device)
    return G.cpu(), history


def _ring(cfg: RingRun) -> dict:
    """Train one ring GAN and judge its samples beside the real data's own coverage and MMD² baseline."""
    train = gan.ring_of_gaussians(cfg.n_train, cfg.n_modes, cfg.radius, cfg.sigma, seed=cfg.seed)
    held = gan.ring_of_gaussians(cfg.n_held_out, cfg.n_modes, cfg.radius, cfg.sigma, seed=cfg.seed + 1)
    G, history = train_ring_gan(cfg, train)
    samples = gan.sample(G, cfg.n_samples, cfg.latent, seed=cfg.seed + 2)
    centres = gan.ring_centres(cfg.n_modes, cfg.radius)
    with threadpool_limits(limits=1):
        return {
            "generator": G,
            "history": history,
            "samples": samples,
            "coverage": gan.mode_coverage(samples, centres, cfg.sigma, cfg.min_fraction),
            "mmd2": metrics.mmd2(samples, held, bandwidth=cfg.bandwidth),
            "baseline": metrics.mmd2_baseline(held, seed=cfg.seed, bandwidth=cfg.bandwidth),
            "real_coverage": gan.mode_coverage(train[: cfg.n_samples], centres, cfg.sigma, cfg.min_fraction),
            "train": train,
            "held_out": held,
            "centres": centres,
        }


@study("gan", RingRun)
def ring_run(cfg: RingRun) -> dict:
    """The well-behaved ring GAN: trained, sampled and judged (modes, quality, MMD² and its baseline)."""
    return _ring(cfg)


@study("gan", CollapseRun)
def collapse_run(cfg: CollapseRun) -> dict:
    """The ring GAN with three generator steps per round, trained and judged like :func:`ring_run`."""
    return _ring(cfg)


# --------------------------------------------------------------------------- digits


class DigitRun(Settings):
    """Settings of the MLP GAN on the 8x8 digits."""

    latent: int = setting(16, low=1, doc="noise variables of the generator")
    hidden: tuple[int, ...] = setting((128, 128), low=1, doc="hidden widths of generator and discriminator")
    steps: int = setting(3000, low=1, doc="training steps")
    batch_size: int = setting(64, low=1, doc="mini-batch size")
    lr_g: float = setting(1e-3, low=0, doc="Adam learning rate of the generator")
    lr_d: float = setting(1e-3, low=0, doc="Adam learning rate of the discriminator")
    betas: tuple[float, ...] = setting((0.5, 0.999), low=0, high=0.999999, doc="Adam betas of both players")
    n_samples: int = setting(540, low=10, doc="generated digits (540 = half the held-out digits)")
    seed: int = setting(2026, low=0, doc="seed of initialisation, batches, noise and samples")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"steps": 300, "n_samples": 200}

    def validate(self):
        if len(self.betas) != 2:
            raise ValueError(f"DigitRun.betas must be a pair, got {self.betas!r}")

    def gan_config(self) -> gan.GANConfig:
        """The training settings as the ``GANConfig`` of :func:`physml.gan.train_gan`."""
        return gan.GANConfig(
            steps=self.steps, batch_size=self.batch_size, lr_g=self.lr_g, lr_d=self.lr_d, betas=self.betas
        )


@study("gan", DigitRun)
def digit_run(cfg: DigitRun) -> dict:
    """Train the digit GAN on the training digits (scaled to [-1, 1]) and judge its samples.

    Samples are mapped back to pixel units 0..16. MMD² against the held-out digits uses
    the median bandwidth of the held-out digits, as the baseline does.
    """
    X_tr, X_te, _, _ = digits_split()
    scale = metrics.DIGIT_PIXEL_MAX / 2
    torch.manual_seed(cfg.seed)
    G = gan.generator_net(cfg.latent, 64, cfg.hidden, output="tanh")
    D = gan.discriminator_net(64, cfg.hidden)
    history = gan.train_gan(
        G, D, X_tr / scale - 1, cfg.latent, cfg.gan_config(), seed=cfg.seed, device=cfg.device
    )
    G = G.cpu()
    samples = (gan.sample(G, cfg.n_samples, cfg.latent, seed=cfg.seed + 2) + 1) * scale
    with threadpool_limits(limits=1):
        bandwidth = metrics.median_bandwidth(X_te)
        judge = metrics.judge_classifier(samples)
        n = len(samples)
        frac = judge.counts / n
        return {
            "generator": G,
            "history": history,
            "samples": samples,
            "judge": judge,
            "class_fraction": frac,
            "class_fraction_error": np.sqrt(frac * (1 - frac) / n),
            "mmd2": metrics.mmd2(samples, X_te, bandwidth=bandwidth),
            "baseline": metrics.mmd2_baseline(X_te, seed=cfg.seed, bandwidth=bandwidth),
            "held_out": X_te,
        }
