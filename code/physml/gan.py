r"""Generative adversarial networks, used by the chapter "Generative adversarial networks".

The chapter is ``chapters/gan.md``.

* :func:`generator_net` and :func:`discriminator_net` are the two small MLPs,
  :func:`discriminator_loss`, :func:`generator_loss` the two players' costs (the
  minimax and the non-saturating generator loss) and :func:`train_gan` the alternating
  training loop;
* :func:`ring_of_gaussians` is the 2D toy data (eight Gaussians on a circle) and
  :func:`mode_coverage` counts the modes a generator covers;
* :func:`optimal_discriminator`, :func:`js_divergence`, :func:`js_divergence_gaussians`
  and :func:`game_value` are the theory of the game for known densities: the optimal
  discriminator :math:`D^* = p_{\mathrm{data}}/(p_{\mathrm{data}} + p_g)` and the value
  :math:`C(G) = -\ln 4 + 2\,\mathrm{JSD}(p_{\mathrm{data}}\,\|\,p_g)` it attains.

Torch code takes a ``device`` argument (CPU by default) and runs unchanged on CUDA.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from scipy.special import xlogy
from torch import nn

from ._validate import (
    as_float_array,
    as_rng,
    check_choice,
    check_finite_loss,
    check_int,
    check_scalar,
    check_tensor,
    check_type,
)
from .nn.torch_twin import torch_threads
from .progress import progress
from .torchtools import as_device, make_generator

GENERATOR_LOSSES = ("non-saturating", "minimax")
LOG4 = math.log(4.0)


def _as_samples(X, name: str = "X", min_rows: int = 1) -> np.ndarray:
    if not isinstance(X, (str, bytes)) and X is not None and np.iscomplexobj(np.asarray(X)):
        raise TypeError(f"{name} must be real, got complex values")
    arr = as_float_array(X, name, ndim=2)
    if arr.shape[0] < min_rows or arr.shape[1] < 1:
        raise ValueError(
            f"{name} must hold at least {min_rows} sample(s) of at least 1 feature, got {arr.shape}"
        )
    return arr


# --------------------------------------------------------------------------- the two networks


def _check_hidden(hidden) -> list[int]:
    if isinstance(hidden, (str, bytes)) or not isinstance(hidden, (list, tuple)):
        raise TypeError(f"hidden must be a list or tuple of layer sizes, got {type(hidden).__name__}")
    return [check_int(h, f"hidden[{i}]", minimum=1) for i, h in enumerate(hidden)]


def _net(sizes, activation: str, dropout: float = 0.0) -> nn.Sequential:
    """Linear layers with ``activation`` (and dropout) between them; ``"leaky_relu"`` has slope 0.2."""
    if activation not in ("relu", "leaky_relu"):
        raise ValueError(f"activation must be 'relu' or 'leaky_relu', got {activation!r}")
    check_scalar(dropout, "dropout", minimum=0.0, maximum=1.0, include_max=False)
    sizes = [check_int(s, "layer size", minimum=1) for s in sizes]
    layers: list[nn.Module] = []
    for n_in, n_out in zip(sizes[:-2], sizes[1:-1], strict=True):
        layers += [nn.Linear(n_in, n_out), nn.ReLU() if activation == "relu" else nn.LeakyReLU(0.2)]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(sizes[-2], sizes[-1]))
    return nn.Sequential(*layers)


def generator_net(
    n_latent: int, n_out: int, hidden=(64, 64), output: str = "identity", activation: str = "relu"
) -> nn.Sequential:
    r"""The generator :math:`G(\boldsymbol z)`: an MLP from ``n_latent`` noise variables to a sample.

    ReLU (or leaky ReLU) hidden layers; ``output="tanh"`` squashes the sample into
    :math:`(-1, 1)` (images scaled to :math:`[-1, 1]`), ``"identity"`` leaves it unbounded
    (the 2D data).
    """
    check_int(n_latent, "n_latent", minimum=1)
    check_int(n_out, "n_out", minimum=1)
    if output not in ("identity", "tanh"):
        raise ValueError(f"output must be 'identity' or 'tanh', got {output!r}")
    net = _net([n_latent, *_check_hidden(hidden), n_out], activation)
    if output == "tanh":
        net.append(nn.Tanh())
    return net


def discriminator_net(
    n_in: int, hidden=(64, 64), activation: str = "relu", dropout: float = 0.0
) -> nn.Sequential:
    r"""The discriminator: an MLP returning the logit :math:`\ell(\boldsymbol x)`, :math:`D = \sigma(\ell)`.

    ``dropout`` (applied after each hidden layer while training) weakens the
    discriminator, which helps when it would otherwise win too quickly.
    """
    check_int(n_in, "n_in", minimum=1)
    return _net([n_in, *_check_hidden(hidden), 1], activation, dropout)


# --------------------------------------------------------------------------- the two costs


def discriminator_loss(logit_real: torch.Tensor, logit_fake: torch.Tensor) -> torch.Tensor:
    """The discriminator's cost :func:`_discriminator_loss`, its arguments checked.

    Both batches must be non-empty, real and finite; :func:`train_gan` calls the unchecked
    core and stops on a NaN loss instead.
    """
    check_tensor(logit_real, "logit_real", nonempty=True, finite=True)
    check_tensor(logit_fake, "logit_fake", nonempty=True, finite=True)
    return _discriminator_loss(logit_real, logit_fake)


def _discriminator_loss(logit_real: torch.Tensor, logit_fake: torch.Tensor) -> torch.Tensor:
    r"""The discriminator's cross-entropy, minus the value of the game :math:`V(D, G)`:

    .. math::

        J_D = -\frac1m\sum_{i}\ln D(\boldsymbol x_i) - \frac1m\sum_i\ln\bigl(1 - D(G(\boldsymbol z_i))\bigr),

    written with logits, :math:`-\ln\sigma(\ell) = \mathrm{softplus}(-\ell)` and
    :math:`-\ln(1-\sigma(\ell)) = \mathrm{softplus}(\ell)`, which never overflow.
    """
    softplus = nn.functional.softplus
    return softplus(-logit_real).mean() + softplus(logit_fake).mean()


def generator_loss(logit_fake: torch.Tensor, kind: str = "non-saturating") -> torch.Tensor:
    """The generator's cost :func:`_generator_loss`, its arguments checked.

    ``logit_fake`` must be a non-empty, real and finite batch; :func:`train_gan` calls the core.
    """
    check_tensor(logit_fake, "logit_fake", nonempty=True, finite=True)
    if kind not in GENERATOR_LOSSES:
        raise ValueError(f"kind must be one of {GENERATOR_LOSSES}, got {kind!r}")
    return _generator_loss(logit_fake, kind)


def _generator_loss(logit_fake: torch.Tensor, kind: str = "non-saturating") -> torch.Tensor:
    r"""The generator's cost on a batch of fakes.

    ``"minimax"``: :math:`J_G = \frac1m\sum_i\ln\bigl(1 - D(G(\boldsymbol z_i))\bigr)`, the
    game's own value, whose gradient vanishes when :math:`D` rejects the fakes confidently;
    ``"non-saturating"``: :math:`J_G = -\frac1m\sum_i\ln D(G(\boldsymbol z_i))`, the same
    fixed point with a strong gradient exactly where the generator is bad.
    """
    if kind == "minimax":
        return -nn.functional.softplus(logit_fake).mean()
    return nn.functional.softplus(-logit_fake).mean()


# --------------------------------------------------------------------------- training


@dataclass(frozen=True)
class GANConfig:
    """Settings of :func:`train_gan`: steps, batch, Adam learning rates and betas, updates per step."""

    steps: int = 3000
    batch_size: int = 128
    lr_g: float = 1e-3
    lr_d: float = 1e-3
    betas: tuple[float, float] = (0.5, 0.999)
    d_steps: int = 1
    g_steps: int = 1
    loss: str = "non-saturating"
    record_every: int = 25

    def __post_init__(self):
        betas = self.betas
        if isinstance(betas, (str, bytes)) or not isinstance(betas, (list, tuple)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair of numbers in [0, 1), got {betas!r}")
        for i, b in enumerate(betas):
            check_scalar(b, f"betas[{i}]", minimum=0.0, maximum=1.0, include_max=False)
        object.__setattr__(self, "betas", tuple(float(b) for b in betas))
        _check_config(self)


def _check_config(cfg: GANConfig) -> GANConfig:
    if not isinstance(cfg, GANConfig):
        raise TypeError(f"config must be a GANConfig, got {type(cfg).__name__}")
    check_int(cfg.steps, "steps", minimum=1)
    check_int(cfg.batch_size, "batch_size", minimum=1)
    check_int(cfg.d_steps, "d_steps", minimum=1)
    check_int(cfg.g_steps, "g_steps", minimum=1)
    check_int(cfg.record_every, "record_every", minimum=1)
    check_scalar(cfg.lr_g, "lr_g", minimum=0, include_min=False)
    check_scalar(cfg.lr_d, "lr_d", minimum=0, include_min=False)
    if len(cfg.betas) != 2 or not all(0 <= b < 1 for b in cfg.betas):
        raise ValueError(f"betas must be two numbers in [0, 1), got {cfg.betas!r}")
    check_choice(cfg.loss, "loss", GENERATOR_LOSSES)
    return cfg


def _probe(net, x: torch.Tensor, name: str, what: str) -> torch.Tensor:
    """One pass of ``net`` on ``x`` (eval mode, no gradient) to check that the shapes fit."""
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            return net(x)
    except (RuntimeError, ValueError, TypeError) as err:
        raise ValueError(f"{name} cannot take {what}: {err}") from None
    finally:
        net.train(was_training)


def _check_players(generator, discriminator, n_latent: int, n_features: int, device) -> None:
    check_type(generator, nn.Module, "generator", "torch.nn.Module")
    check_type(discriminator, nn.Module, "discriminator", "torch.nn.Module")
    fake = _probe(
        generator.to(device),
        torch.zeros(1, n_latent, device=device),
        "generator",
        f"n_latent={n_latent} noise variables",
    )
    if fake.shape != (1, n_features):
        raise ValueError(
            f"generator must make samples of {n_features} features like X, got shape {tuple(fake.shape)[1:]}"
        )
    logit = _probe(
        discriminator.to(device),
        torch.zeros(1, n_features, device=device),
        "discriminator",
        f"samples of {n_features} features like X",
    )
    if logit.shape != (1, 1):
        raise ValueError(
            f"discriminator must return one logit per sample, got shape {tuple(logit.shape)[1:]}"
        )


def train_gan(
    generator: nn.Module,
    discriminator: nn.Module,
    X,
    n_latent: int,
    config: GANConfig = GANConfig(),
    seed: int = 0,
    device="cpu",
    num_threads: int | None = 1,
) -> dict:
    r"""Alternating stochastic updates of the two players; returns the loss history.

    Every step draws ``d_steps`` times a batch of data and of noise
    :math:`\boldsymbol z\sim\mathcal N(\boldsymbol 0, \boldsymbol I)` and takes an Adam step
    on :func:`discriminator_loss` (generator fixed), then ``g_steps`` times a batch of
    noise and an Adam step on :func:`generator_loss` (discriminator fixed). The losses
    are averaged over ``record_every`` steps into ``history["d_loss"]`` and
    ``history["g_loss"]``. A NaN or infinite loss stops training with an error.
    """
    cfg = _check_config(config)
    n_latent = check_int(n_latent, "n_latent", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    device = as_device(device)
    data = torch.as_tensor(_as_samples(X, "X", min_rows=2), dtype=torch.float32, device=device)
    _check_players(generator, discriminator, n_latent, data.shape[1], device)
    threads = torch_threads(num_threads, "num_threads")  # checks num_threads before training
    torch.manual_seed(seed)
    generator.to(device)
    discriminator.to(device)
    opt_g = torch.optim.Adam(generator.parameters(), lr=cfg.lr_g, betas=cfg.betas)
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=cfg.lr_d, betas=cfg.betas)
    gen = make_generator(seed, device)
    history: dict = {"step": [], "d_loss": [], "g_loss": []}
    d_sum = g_sum = 0.0

    def noise(m):
        return torch.randn(m, n_latent, generator=gen, device=device)

    with threads:
        for step in progress(range(cfg.steps), desc="steps"):
            for _ in range(cfg.d_steps):
                idx = torch.randint(len(data), (cfg.batch_size,), generator=gen, device=device)
                with torch.no_grad():
                    fake = generator(noise(cfg.batch_size))
                logits = discriminator(torch.cat([data[idx], fake]))  # one pass over both halves
                loss_d = _discriminator_loss(logits[: cfg.batch_size], logits[cfg.batch_size :])
                opt_d.zero_grad()
                loss_d.backward()
                opt_d.step()
            for _ in range(cfg.g_steps):
                loss_g = _generator_loss(discriminator(generator(noise(cfg.batch_size))), cfg.loss)
                opt_g.zero_grad()
                loss_g.backward()
                opt_g.step()
            d_value, g_value = loss_d.item(), loss_g.item()
            check_finite_loss(d_value, step, "discriminator loss")
            check_finite_loss(g_value, step, "generator loss")
            d_sum += d_value
            g_sum += g_value
            if (step + 1) % cfg.record_every == 0:
                history["step"].append(step + 1)
                history["d_loss"].append(d_sum / cfg.record_every)
                history["g_loss"].append(g_sum / cfg.record_every)
                d_sum = g_sum = 0.0
    return history


def sample(generator: nn.Module, n: int, n_latent: int, seed: int = 0, device="cpu") -> np.ndarray:
    r"""``n`` samples :math:`G(\boldsymbol z)`, noise :math:`\boldsymbol z\sim\mathcal N(\boldsymbol 0, I)`.

    The generator is evaluated without gradients (and in its current train/eval mode).
    """
    check_type(generator, nn.Module, "generator", "torch.nn.Module")
    n = check_int(n, "n", minimum=1)
    n_latent = check_int(n_latent, "n_latent", minimum=1)
    device = as_device(device)
    _probe(
        generator.to(device),
        torch.zeros(1, n_latent, device=device),
        "generator",
        f"n_latent={n_latent} noise variables",
    )
    gen = make_generator(check_int(seed, "seed", minimum=0), device)
    with torch.no_grad():
        z = torch.randn(n, n_latent, generator=gen, device=device)
        return generator.to(device)(z).cpu().numpy().astype(float)


# --------------------------------------------------------------------------- the ring of Gaussians


def ring_centres(n_modes: int = 8, radius: float = 2.0) -> np.ndarray:
    r"""Centres :math:`r(\cos 2\pi k/K, \sin 2\pi k/K)`, :math:`k = 0, \dots, K-1`, of the ring."""
    n_modes = check_int(n_modes, "n_modes", minimum=1)
    radius = float(check_scalar(radius, "radius", minimum=0, include_min=False))
    angle = 2 * np.pi * np.arange(n_modes) / n_modes
    return radius * np.column_stack([np.cos(angle), np.sin(angle)])


def ring_of_gaussians(
    n: int, n_modes: int = 8, radius: float = 2.0, sigma: float = 0.05, seed=0
) -> np.ndarray:
    r"""``n`` points of an equal-weight mixture of isotropic Gaussians (std ``sigma``) on a ring."""
    n = check_int(n, "n", minimum=1)
    sigma = float(check_scalar(sigma, "sigma", minimum=0, include_min=False))
    centres = ring_centres(n_modes, radius)
    rng = as_rng(seed)
    k = rng.integers(len(centres), size=n)
    return centres[k] + sigma * rng.normal(size=(n, 2))


@dataclass(frozen=True)
class ModeCoverage:
    """How well samples cover the modes of a mixture.

    ``counts[k]`` is the number of samples within ``3 sigma`` of centre ``k``;
    ``n_covered`` the number of modes holding at least ``min_fraction`` of all samples;
    ``high_quality`` the fraction of samples within ``3 sigma`` of some centre, with its
    binomial error ``high_quality_error``.
    """

    n_covered: int
    counts: np.ndarray
    high_quality: float
    high_quality_error: float


def mode_coverage(samples, centres, sigma: float, min_fraction: float = 0.02) -> ModeCoverage:
    r"""Count covered modes: mode :math:`k` is covered when at least ``min_fraction`` of the

    samples lie within :math:`3\sigma` of its centre :math:`\boldsymbol c_k`. A sample is of
    *high quality* when it lies within :math:`3\sigma` of any centre.
    """
    x = _as_samples(samples, "samples")
    c = _as_samples(centres, "centres")
    if c.shape[1] != x.shape[1]:
        raise ValueError(f"centres must have {x.shape[1]} coordinates like samples, got {c.shape[1]}")
    sigma = float(check_scalar(sigma, "sigma", minimum=0, include_min=False))
    min_fraction = float(check_scalar(min_fraction, "min_fraction", minimum=0, maximum=1))
    near = np.linalg.norm(x[:, None, :] - c[None, :, :], axis=-1) <= 3 * sigma
    counts = near.sum(axis=0)
    quality = float(near.any(axis=1).mean())
    n_covered = int(np.sum(counts >= min_fraction * len(x)))
    return ModeCoverage(n_covered, counts, quality, math.sqrt(quality * (1 - quality) / len(x)))


# --------------------------------------------------------------------------- theory for known densities


def _as_density(p, name: str) -> np.ndarray:
    if not isinstance(p, (str, bytes)) and p is not None and np.iscomplexobj(np.asarray(p)):
        raise TypeError(f"{name} must be real, got complex values")
    arr = as_float_array(p, name)
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative (a density or probabilities)")
    return arr


def optimal_discriminator(p_data, p_g) -> np.ndarray:
    r"""The best discriminator for a fixed generator, pointwise:

    .. math::

        D^*(\boldsymbol x) = \frac{p_{\mathrm{data}}(\boldsymbol x)}
        {p_{\mathrm{data}}(\boldsymbol x) + p_g(\boldsymbol x)} .

    ``p_data`` and ``p_g`` are the two densities at the same points; both may not vanish
    at one point (there :math:`D^*` is undefined).
    """
    a = _as_density(p_data, "p_data")
    b = _as_density(p_g, "p_g")
    if a.shape != b.shape:
        raise ValueError(f"p_data and p_g must have the same shape, got {a.shape} and {b.shape}")
    if np.any(a + b == 0):
        raise ValueError("p_data and p_g both vanish at some point, where D* is undefined")
    return a / (a + b)


def js_divergence(p, q) -> float:
    r"""Jensen–Shannon divergence (nats) of two discrete distributions,

    .. math::

        \mathrm{JSD}(p\,\|\,q) = \frac12 D_{KL}\!\left(p\,\Big\|\,\frac{p+q}2\right)
        + \frac12 D_{KL}\!\left(q\,\Big\|\,\frac{p+q}2\right) \in [0, \ln 2],

    with :math:`0\ln 0 = 0`. ``p`` and ``q`` must each sum to one.
    """
    p = _as_density(p, "p").ravel()
    q = _as_density(q, "q").ravel()
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got {p.shape} and {q.shape}")
    for arr, name in ((p, "p"), (q, "q")):
        if abs(arr.sum() - 1) > 1e-8:
            raise ValueError(f"{name} must sum to 1, got {arr.sum()}")
    m = 0.5 * (p + q)
    return float(0.5 * np.sum(xlogy(p, p) - xlogy(p, m)) + 0.5 * np.sum(xlogy(q, q) - xlogy(q, m)))


def gaussian_grid(mu0: float, s0: float, mu1: float, s1: float, n_points: int = 20_001, width: float = 12.0):
    """A uniform grid covering ``width`` standard deviations around both means, and its spacing."""
    for v, name in ((s0, "s0"), (s1, "s1")):
        check_scalar(v, name, minimum=0, include_min=False)
    check_scalar(mu0, "mu0")
    check_scalar(mu1, "mu1")
    check_scalar(width, "width", minimum=0, include_min=False)
    n_points = check_int(n_points, "n_points", minimum=101)
    lo = min(mu0 - width * s0, mu1 - width * s1)
    hi = max(mu0 + width * s0, mu1 + width * s1)
    x = np.linspace(lo, hi, n_points)
    return x, x[1] - x[0]


def normal_pdf(x, mu: float, s: float) -> np.ndarray:
    r""":math:`\mathcal N(x; \mu, s^2)`."""
    x = as_float_array(x, "x", nonempty=True)
    check_scalar(mu, "mu")
    check_scalar(s, "s", minimum=0, include_min=False)
    return np.exp(-0.5 * ((x - mu) / s) ** 2) / (s * math.sqrt(2 * math.pi))


def js_divergence_gaussians(mu0: float, s0: float, mu1: float, s1: float, n_points: int = 20_001) -> float:
    r"""JSD of :math:`\mathcal N(\mu_0, s_0^2)` and :math:`\mathcal N(\mu_1, s_1^2)` by quadrature.

    The JSD of two Gaussians has no closed form; the integral
    :math:`\frac12\int[p\ln(2p/(p+q)) + q\ln(2q/(p+q))]\,dx` is done by the trapezoid
    rule on a fine grid (:func:`gaussian_grid`).
    """
    x, dx = gaussian_grid(mu0, s0, mu1, s1, n_points)
    p, q = normal_pdf(x, mu0, s0), normal_pdf(x, mu1, s1)
    m = 0.5 * (p + q)
    integrand = 0.5 * (xlogy(p, p) - xlogy(p, m) + xlogy(q, q) - xlogy(q, m))
    return float(np.trapezoid(integrand, dx=dx))


def game_value(d, p_data, p_g, dx: float) -> float:
    r"""The value of the game for a discriminator ``d`` on a uniform 1D grid of spacing ``dx``:

    .. math::

        V(D, G) = \int\left[p_{\mathrm{data}}(x)\ln D(x) + p_g(x)\ln\bigl(1 - D(x)\bigr)\right]dx,

    by the trapezoid rule (with :math:`0\ln 0 = 0`). At :math:`D = D^*` it equals
    :math:`C(G) = -\ln 4 + 2\,\mathrm{JSD}(p_{\mathrm{data}}\,\|\,p_g)`. Where one density
    is below :math:`\epsilon_{\mathrm M}` times the other, :math:`D^*` rounds to exactly 0 or
    1; ``d`` is therefore kept inside :math:`[10^{-300}, 1-\epsilon_{\mathrm M}/2]`, which
    changes the integral by less than :math:`10^{-14}` instead of making it :math:`-\infty`.
    """
    d = as_float_array(d, "d", ndim=1)
    a = _as_density(p_data, "p_data")
    b = _as_density(p_g, "p_g")
    if not (d.shape == a.shape == b.shape):
        raise ValueError(f"d, p_data and p_g must have the same shape, got {d.shape}, {a.shape}, {b.shape}")
    if np.any((d < 0) | (d > 1)):
        raise ValueError("d must lie in [0, 1] (a probability)")
    dx = float(check_scalar(dx, "dx", minimum=0, include_min=False))
    d = np.clip(d, 1e-300, 1 - np.finfo(float).eps / 2)
    return float(np.trapezoid(xlogy(a, d) + xlogy(b, 1 - d), dx=dx))
