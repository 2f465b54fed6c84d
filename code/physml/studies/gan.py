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

import time

import numpy as np
import torch
from scipy.spatial.distance import jensenshannon
from threadpoolctl import threadpool_limits

from .. import digit_benchmark, gan, metrics
from ..experiment import Settings, setting, study

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


# --------------------------------------------------------------------------- the Wasserstein critic in 1D


class CriticRun(Settings):
    """Settings of the Wasserstein critic between two fixed 1D Gaussians (no generator)."""

    p_data: tuple[float, ...] = setting((0.0, 1.0), doc="mean and standard deviation of the data")
    p_g: tuple[float, ...] = setting((1.0, 1.0), doc="mean and standard deviation of the fakes")
    hidden: tuple[int, ...] = setting((32, 32), low=1, doc="hidden widths of the critic")
    gp_weight: float = setting(10.0, low=0, doc="weight lambda of the gradient penalty")
    clip: float = setting(0.05, low=0, doc="weight clipping bound c of the clipped critic")
    steps: int = setting(500, low=1, doc="Adam steps of each critic")
    batch_size: int = setting(256, low=1, doc="samples of each distribution per step")
    lr: float = setting(2e-3, low=0, doc="Adam learning rate")
    n_train: int = setting(20_000, low=2, doc="training samples of each distribution")
    n_eval: int = setting(20_000, low=2, doc="fresh samples of each distribution for the estimate")
    seed: int = setting(2026, low=0, doc="seed of samples, initialisation and batches")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"steps": 300}

    def validate(self):
        for name in ("p_data", "p_g"):
            v = getattr(self, name)
            if len(v) != 2 or v[1] <= 0:
                raise ValueError(f"CriticRun.{name} must be (mean, standard deviation > 0), got {v!r}")
        if self.gp_weight <= 0 or self.clip <= 0:
            raise ValueError("CriticRun.gp_weight and clip must be > 0")


@study("gan", CriticRun)
def critic_run(cfg: CriticRun) -> dict:
    r"""Two critics between :math:`p_{\mathrm{data}}` and :math:`p_g` of ``cfg``: one with the gradient
    penalty, one with clipped weights; their :math:`W_1` estimates on fresh samples beside the exact
    :math:`W_1` and the exact optimum of the penalised critic.
    """
    rng = np.random.default_rng(cfg.seed)
    (m0, s0), (m1, s1) = cfg.p_data, cfg.p_g
    train_p, train_q = rng.normal(m0, s0, (cfg.n_train, 1)), rng.normal(m1, s1, (cfg.n_train, 1))
    eval_p, eval_q = rng.normal(m0, s0, (cfg.n_eval, 1)), rng.normal(m1, s1, (cfg.n_eval, 1))
    x = np.linspace(min(m0 - 4 * s0, m1 - 4 * s1), max(m0 + 4 * s0, m1 + 4 * s1), 201)
    out = {
        "x": x,
        "w1": gan.wasserstein1_gaussians(m0, s0, m1, s1),
        "gp_reference": gan.gp_critic_estimate(m0, s0, m1, s1, cfg.gp_weight),
    }
    start = time.perf_counter()
    for name, gp, clip in (("gp", cfg.gp_weight, None), ("clip", 0.0, cfg.clip)):
        torch.manual_seed(cfg.seed)
        f = gan.discriminator_net(1, cfg.hidden)
        history = gan.train_critic(
            f, train_p, train_q, cfg.steps, cfg.batch_size, cfg.lr, gp, clip, seed=cfg.seed, device=cfg.device
        )
        f = f.cpu()
        est, err = gan.critic_w1(f, eval_p, eval_q)
        xt = torch.tensor(x[:, None], dtype=torch.float32, requires_grad=True)
        fx = f(xt)
        (slope,) = torch.autograd.grad(fx.sum(), xt)
        out[name] = {
            "estimate": est,
            "error": err,
            "history": np.array(history),
            "f": fx.detach().numpy().ravel(),
            "slope": slope.numpy().ravel(),
        }
    out["seconds"] = time.perf_counter() - start
    # Lipschitz bound of the clipped critic: a layer with entries in [-c, c] has operator norm
    # at most c sqrt(n_in n_out), and ReLU is 1-Lipschitz
    widths = [1, *cfg.hidden, 1]
    out["clip_lipschitz"] = float(
        np.prod([cfg.clip * np.sqrt(a * b) for a, b in zip(widths[:-1], widths[1:], strict=True)])
    )
    return out


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
        if self.loss not in gan.LOSSES:
            raise ValueError(f"{type(self).__name__}.loss must be one of {gan.LOSSES}")
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
    start = time.perf_counter()
    G, history = train_ring_gan(cfg, train)
    seconds = time.perf_counter() - start
    samples = gan.sample(G, cfg.n_samples, cfg.latent, seed=cfg.seed + 2)
    centres = gan.ring_centres(cfg.n_modes, cfg.radius)
    with threadpool_limits(limits=1):
        return {
            "generator": G,
            "history": history,
            "seconds": seconds,
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


class WassersteinRingRun(RingRun):
    """The ring GAN as a Wasserstein GAN with gradient penalty: a critic, five critic steps per
    generator step, Adam betas (0.5, 0.9) and penalty weight 0.1, as in the toy experiment of
    Gulrajani et al. (2017)'s code (their paper's default for images is lambda = 10)."""

    steps: int = setting(
        1000, low=1, doc="training rounds (one round: d_steps critic steps, g_steps G steps)"
    )
    lr_g: float = setting(1e-3, low=0, doc="Adam learning rate of the generator")
    lr_d: float = setting(1e-3, low=0, doc="Adam learning rate of the critic")
    betas: tuple[float, ...] = setting((0.5, 0.9), low=0, high=0.999999, doc="Adam betas of both players")
    d_steps: int = setting(5, low=1, doc="critic steps per round")
    loss: str = setting("wgan-gp", doc='"wgan-gp" (or a generator loss of the original GAN)')
    gp_weight: float = setting(
        0.1, low=0, doc="weight lambda of the gradient penalty (0.1: the authors' setting for toy problems)"
    )

    SHORT = {"steps": 100, "n_held_out": 1000, "n_samples": 500}

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
            gp_weight=self.gp_weight,
            fused=True,
        )


@study("gan", WassersteinRingRun)
def wgan_ring_run(cfg: WassersteinRingRun) -> dict:
    """The ring WGAN-GP, trained and judged like :func:`ring_run`."""
    return _ring(cfg)


class RingSeeds(Settings):
    """Seeds of the comparison of the original GAN (``RingRun``) and WGAN-GP (``WassersteinRingRun``)
    on the ring, each as the book trains it."""

    seeds: tuple[int, ...] = setting((2026, 2027, 2028), low=0, doc="seeds of both GANs")
    quick: bool = setting(False, doc="train each GAN with its SHORT settings (the unit tests)")

    SHORT = {"quick": True}
    VARIANT = {"seeds": (2027, 2028, 2029)}

    def validate(self):
        if len(self.seeds) < 3:
            raise ValueError("RingSeeds needs at least 3 seeds")


@study("gan", RingSeeds)
def ring_seeds_run(cfg: RingSeeds) -> dict:
    """Modes covered, high-quality fraction and MMD² of both GANs for every seed."""
    gan_cfg = RingRun.short() if cfg.quick else RingRun()
    w_cfg = WassersteinRingRun.short() if cfg.quick else WassersteinRingRun()
    out = {}
    for name, run, base in (("gan", ring_run, gan_cfg), ("wgan", wgan_ring_run, w_cfg)):
        results = [run(base.replace(seed=s)) for s in cfg.seeds]
        out[name] = {
            "modes": np.array([r["coverage"].n_covered for r in results]),
            "quality": np.array([r["coverage"].high_quality for r in results]),
            "mmd2": np.array([r["mmd2"].value for r in results]),
            "mmd2_error": np.array([r["mmd2"].error for r in results]),
            "baseline": np.array([r["baseline"].value for r in results]),
            "seconds": np.array([r["seconds"] for r in results]),
        }
    # the last run of a study is what its checks read (experiment.current): end with the page's own
    # configurations again (cached, no training), so that the other seeds are not taken for a reader's variant
    ring_run(gan_cfg)
    wgan_ring_run(w_cfg)
    return out


# --------------------------------------------------------------------------- digits


class DigitRun(Settings):
    """Settings of the MLP GAN on the 8x8 digits, conditional on the class by default, over several seeds."""

    conditional: bool = setting(True, doc="give both networks the one-hot class (a conditional GAN)")
    latent: int = setting(16, low=1, doc="noise variables of the generator")
    hidden: tuple[int, ...] = setting((128, 128), low=1, doc="hidden widths of generator and discriminator")
    steps: int = setting(1000, low=1, doc="training steps")
    batch_size: int = setting(256, low=1, doc="mini-batch size")
    lr_g: float = setting(2e-3, low=0, doc="Adam learning rate of the generator")
    lr_d: float = setting(2e-3, low=0, doc="Adam learning rate of the discriminator")
    betas: tuple[float, ...] = setting((0.5, 0.999), low=0, high=0.999999, doc="Adam betas of both players")
    ema: float = setting(
        0.99, low=0, high=0.999999, doc="decay of the moving average of the generator weights"
    )
    n_samples: int = setting(540, low=10, doc="generated digits per seed (540 = the held-out digits)")
    seeds: tuple[int, ...] = setting(
        (0, 1, 2), low=0, doc="seeds of initialisation, batches, noise and samples"
    )
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"steps": 600, "batch_size": 128}
    VARIANT = {"seeds": (1, 2, 3)}

    def validate(self):
        if len(self.betas) != 2:
            raise ValueError(f"DigitRun.betas must be a pair, got {self.betas!r}")
        if len(self.seeds) < 1:
            raise ValueError("DigitRun.seeds must hold at least one seed")

    def gan_config(self) -> gan.GANConfig:
        """The training settings as the ``GANConfig`` of :func:`physml.gan.train_gan`."""
        return gan.GANConfig(
            steps=self.steps,
            batch_size=self.batch_size,
            lr_g=self.lr_g,
            lr_d=self.lr_d,
            betas=self.betas,
            ema=self.ema,
            fused=True,
        )


def train_digit_gan(cfg: DigitRun, seed: int):
    """One digit GAN (pixels scaled to [-1, 1]) and its samples in pixel units 0..16.

    The conditional GAN is asked for ``n_samples`` digits, the classes 0..9 in turn.
    """
    X_tr, _, y_tr, _ = digit_benchmark.split("grey")
    scale = metrics.DIGIT_PIXEL_MAX / 2
    k = 10 if cfg.conditional else 0
    torch.manual_seed(seed)
    G = gan.generator_net(cfg.latent + k, 64, cfg.hidden, output="tanh")
    D = gan.discriminator_net(64 + k, cfg.hidden)
    history = gan.train_gan(
        G,
        D,
        X_tr / scale - 1,
        cfg.latent,
        cfg.gan_config(),
        seed=seed,
        device=cfg.device,
        labels=y_tr if cfg.conditional else None,
    )
    G = G.cpu()
    labels = np.arange(cfg.n_samples) % 10 if cfg.conditional else None
    samples = (gan.sample(G, cfg.n_samples, cfg.latent, seed=seed + 2, labels=labels) + 1) * scale
    return G, history, samples, labels


@study("gan", DigitRun)
def digit_run(cfg: DigitRun) -> dict:
    """Train the digit GAN once per seed and judge its samples with ``physml.digit_benchmark``.

    Per seed: the benchmark MMD² (grey features, scored with the same seed) and the judge
    classifier's result (with the intended classes for the conditional GAN); the baselines'
    MMD² over the same seeds; the first seed's generator, history and samples for the figures.
    """
    start = time.perf_counter()
    runs = [train_digit_gan(cfg, s) for s in cfg.seeds]
    seconds = (time.perf_counter() - start) / len(cfg.seeds)
    with threadpool_limits(limits=1):
        scores = [digit_benchmark.score(r[2], "grey", seed=s) for r, s in zip(runs, cfg.seeds, strict=True)]
        judges = [metrics.judge_classifier(r[2], r[3]) for r in runs]
        baselines = digit_benchmark.baseline_scores(cfg.seeds, "grey")
        noise = [  # images of uniform noise: what a GAN that learnt nothing might draw
            digit_benchmark.score(
                np.random.default_rng(s).uniform(0, metrics.DIGIT_PIXEL_MAX, (cfg.n_samples, 64)),
                "grey",
                seed=s,
            )
            for s in cfg.seeds
        ]
    G, history, samples, labels = runs[0]
    n = len(samples)
    frac = judges[0].counts / n
    return {
        "generator": G,
        "history": history,
        "seconds": seconds,
        "samples": samples,
        "labels": labels,
        "judge": judges[0],
        "judges": judges,
        "class_fraction": frac,
        "class_fraction_error": np.sqrt(frac * (1 - frac) / n),
        "mmd2": scores,
        "baselines": baselines,
        "noise": noise,
        "held_out": digit_benchmark.split("grey")[1],
    }
