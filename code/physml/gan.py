r"""Generative adversarial networks, used by the chapter "Generative adversarial networks".

The chapter is ``chapters/gan.md``.

* :func:`generator_net` and :func:`discriminator_net` are the two small MLPs,
  :func:`discriminator_loss`, :func:`generator_loss` the two players' costs (the
  minimax and the non-saturating generator loss, and the Wasserstein losses
  :func:`critic_loss` with :func:`gradient_penalty`) and :func:`train_gan` the alternating
  training loop, conditional on class labels when it is given ``labels``;
* :func:`train_critic` trains a Wasserstein critic between two fixed sample sets,
  :func:`critic_w1` reads its estimate of the Wasserstein-1 distance, and
  :func:`wasserstein1_gaussians` and :func:`gp_critic_estimate` are the exact values a
  critic is checked against in one dimension;
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
LOSSES = (*GENERATOR_LOSSES, "wgan-gp")
"""Losses of :func:`train_gan`: the two generator losses of the original GAN and the Wasserstein GAN
with gradient penalty (a critic instead of a discriminator)."""
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


def critic_loss(f_real: torch.Tensor, f_fake: torch.Tensor) -> torch.Tensor:
    """The Wasserstein critic's cost :func:`_critic_loss`, its arguments checked."""
    check_tensor(f_real, "f_real", nonempty=True, finite=True)
    check_tensor(f_fake, "f_fake", nonempty=True, finite=True)
    return _critic_loss(f_real, f_fake)


def _critic_loss(f_real: torch.Tensor, f_fake: torch.Tensor) -> torch.Tensor:
    r"""Minus the critic's estimate of the Wasserstein-1 distance (chapter "Generative adversarial networks"),

    .. math::

        J_f = \frac1m\sum_i f(G(\boldsymbol z_i)) - \frac1m\sum_i f(\boldsymbol x_i),

    which the critic minimises (so that it maximises
    :math:`\mathbb E_{p_{\mathrm{data}}} f - \mathbb E_{p_g} f`); the gradient penalty
    :func:`gradient_penalty` is added to it. The generator minimises
    :math:`-\frac1m\sum_i f(G(\boldsymbol z_i))`.
    """
    return f_fake.mean() - f_real.mean()


def _one_hot(labels: torch.Tensor, n_classes: int) -> torch.Tensor:
    return nn.functional.one_hot(labels, n_classes).to(torch.float32)


def _with_labels(x: torch.Tensor, onehot: torch.Tensor | None) -> torch.Tensor:
    """The input of a conditional network: ``x`` with the one-hot class appended (``None``: ``x``)."""
    return x if onehot is None else torch.cat([x, onehot], dim=1)


def gradient_penalty(
    critic: nn.Module, real: torch.Tensor, fake: torch.Tensor, seed: int = 0
) -> torch.Tensor:
    """The gradient penalty :func:`_gradient_penalty` of ``critic``, its arguments checked.

    ``real`` and ``fake`` are batches of the same shape (m, n_features); the interpolation
    weights are drawn with ``seed``.
    """
    check_type(critic, nn.Module, "critic", "torch.nn.Module")
    check_tensor(real, "real", nonempty=True, finite=True)
    check_tensor(fake, "fake", nonempty=True, finite=True)
    if real.ndim != 2 or fake.shape != real.shape:
        raise ValueError(
            f"real and fake must be two batches of the same shape (m, n_features), got "
            f"{tuple(real.shape)} and {tuple(fake.shape)}"
        )
    _probe(critic, real[:1].float(), "critic", f"samples of {real.shape[1]} features like real")
    gen = make_generator(check_int(seed, "seed", minimum=0), real.device)
    return _gradient_penalty(critic, real.float(), fake.float(), gen)


def _gradient_penalty(
    critic: nn.Module,
    real: torch.Tensor,
    fake: torch.Tensor,
    gen: torch.Generator,
    onehot: torch.Tensor | None = None,
) -> torch.Tensor:
    r"""The penalty of WGAN-GP (Gulrajani et al. 2017) on the critic's gradient norm:

    .. math::

        P = \frac1m\sum_i\bigl(\lVert\nabla_{\boldsymbol x} f(\hat{\boldsymbol x}_i)\rVert - 1\bigr)^2,
        \qquad \hat{\boldsymbol x}_i = \epsilon_i\boldsymbol x_i + (1 - \epsilon_i)\tilde{\boldsymbol x}_i,
        \quad \epsilon_i\sim U(0, 1),

    at random points on the segments between real samples :math:`\boldsymbol x_i` and fakes
    :math:`\tilde{\boldsymbol x}_i`. The gradient is taken with ``create_graph=True``, so that
    the penalty can itself be differentiated with respect to the critic's weights. A
    conditional critic gets the one-hot classes ``onehot`` appended to its input; the
    gradient is taken with respect to the sample only.
    """
    eps = torch.rand(len(real), 1, generator=gen, device=real.device)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(_with_labels(x_hat, onehot)).sum(), x_hat, create_graph=True)
    return ((grad.norm(dim=1) - 1) ** 2).mean()


# --------------------------------------------------------------------------- training


@dataclass(frozen=True)
class GANConfig:
    r"""Settings of :func:`train_gan`: steps, batch, Adam learning rates and betas, updates per step.

    ``loss`` is a generator loss of :data:`GENERATOR_LOSSES` (the original GAN) or
    ``"wgan-gp"`` (a Wasserstein critic with the gradient penalty of weight ``gp_weight``,
    which only that loss uses). ``ema`` in [0, 1) is the decay of an exponential moving
    average of the generator's weights, :math:`\bar\theta\leftarrow\beta\bar\theta + (1-\beta)\theta`
    after every generator step, which replaces the weights at the end (0: off). ``fused``
    uses Adam's fused update (faster; results differ in the last bits).
    """

    steps: int = 3000
    batch_size: int = 128
    lr_g: float = 1e-3
    lr_d: float = 1e-3
    betas: tuple[float, float] = (0.5, 0.999)
    d_steps: int = 1
    g_steps: int = 1
    loss: str = "non-saturating"
    record_every: int = 25
    gp_weight: float = 10.0
    ema: float = 0.0
    fused: bool = False

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
    check_choice(cfg.loss, "loss", LOSSES)
    check_scalar(cfg.gp_weight, "gp_weight", minimum=0)
    check_scalar(cfg.ema, "ema", minimum=0, maximum=1, include_max=False)
    if not isinstance(cfg.fused, bool):
        raise TypeError(f"fused must be True or False, got {cfg.fused!r}")
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


def _check_players(
    generator, discriminator, n_latent: int, n_features: int, device, n_classes: int = 0
) -> None:
    check_type(generator, nn.Module, "generator", "torch.nn.Module")
    check_type(discriminator, nn.Module, "discriminator", "torch.nn.Module")
    extra = f" plus {n_classes} one-hot classes" if n_classes else ""
    fake = _probe(
        generator.to(device),
        torch.zeros(1, n_latent + n_classes, device=device),
        "generator",
        f"n_latent={n_latent} noise variables{extra}",
    )
    if fake.shape != (1, n_features):
        raise ValueError(
            f"generator must make samples of {n_features} features like X, got shape {tuple(fake.shape)[1:]}"
        )
    logit = _probe(
        discriminator.to(device),
        torch.zeros(1, n_features + n_classes, device=device),
        "discriminator",
        f"samples of {n_features} features like X{extra}",
    )
    if logit.shape != (1, 1):
        raise ValueError(
            f"discriminator must return one logit per sample, got shape {tuple(logit.shape)[1:]}"
        )


def _adam(params, lr: float, betas, device, fused: bool = True) -> torch.optim.Adam:
    """Adam; ``fused`` (on CPU and CUDA) updates all weights in one kernel, about a quarter faster for
    these small networks, with results that differ from the unfused Adam in the last bits."""
    fused = fused and torch.device(device).type in ("cpu", "cuda")
    return torch.optim.Adam(params, lr=lr, betas=betas, fused=True if fused else None)


def _check_labels(labels, n_rows: int, name: str = "labels") -> tuple[np.ndarray, int]:
    """Integer class labels 0..K-1, one per row; returns them and K = max + 1 (at least 2)."""
    y = as_float_array(labels, name, ndim=1)
    if y.shape[0] != n_rows:
        raise ValueError(f"{name} must hold one class per sample, got {y.shape[0]} for {n_rows} samples")
    if not np.all((y == np.round(y)) & (y >= 0)):
        raise ValueError(f"{name} must be non-negative integers (class indices)")
    y = y.astype(np.int64)
    return y, max(int(y.max()) + 1, 2)


def train_gan(
    generator: nn.Module,
    discriminator: nn.Module,
    X,
    n_latent: int,
    config: GANConfig = GANConfig(),
    seed: int = 0,
    device="cpu",
    num_threads: int | None = 1,
    labels=None,
) -> dict:
    r"""Alternating stochastic updates of the two players; returns the loss history.

    Every step draws ``d_steps`` times a batch of data and of noise
    :math:`\boldsymbol z\sim\mathcal N(\boldsymbol 0, \boldsymbol I)` and takes an Adam step
    on :func:`discriminator_loss` (generator fixed), then ``g_steps`` times a batch of
    noise and an Adam step on :func:`generator_loss` (discriminator fixed). With
    ``config.loss="wgan-gp"`` the discriminator is a Wasserstein critic: its cost is
    :func:`critic_loss` plus ``gp_weight`` times :func:`gradient_penalty`, and the
    generator minimises :math:`-\mathbb E f(G(\boldsymbol z))`.

    ``labels`` (one integer class per row of ``X``) make the GAN *conditional*: the one-hot
    class :math:`\boldsymbol y` is appended to the generator's noise and to the
    discriminator's input, each fake gets the class of a real sample of its batch, and both
    networks must take the extra ``K`` inputs (``K`` = largest label + 1).

    With ``config.ema > 0`` the generator leaves training with the moving average of its
    weights (Yazıcı et al. 2019), which smooths the oscillation of the game.

    The losses are averaged over ``record_every`` steps into ``history["d_loss"]`` and
    ``history["g_loss"]`` (for WGAN-GP ``d_loss`` is the critic's cost without the penalty,
    minus its estimate of :math:`W_1`). A NaN or infinite loss stops training with an error.
    """
    cfg = _check_config(config)
    n_latent = check_int(n_latent, "n_latent", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    device = as_device(device)
    X = _as_samples(X, "X", min_rows=2)
    data = torch.as_tensor(X, dtype=torch.float32, device=device)
    y = None
    n_classes = 0
    if labels is not None:
        y_np, n_classes = _check_labels(labels, len(X))
        y = torch.as_tensor(y_np, device=device)
    _check_players(generator, discriminator, n_latent, data.shape[1], device, n_classes)
    threads = torch_threads(num_threads, "num_threads")  # checks num_threads before training
    torch.manual_seed(seed)
    generator.to(device)
    discriminator.to(device)
    opt_g = _adam(generator.parameters(), cfg.lr_g, cfg.betas, device, cfg.fused)
    opt_d = _adam(discriminator.parameters(), cfg.lr_d, cfg.betas, device, cfg.fused)
    gen = make_generator(seed, device)
    history: dict = {"step": [], "d_loss": [], "g_loss": []}
    d_sum = g_sum = 0.0
    m = cfg.batch_size
    wasserstein = cfg.loss == "wgan-gp"
    averaged = [w.detach().clone() for w in generator.parameters()] if cfg.ema > 0 else None

    def batch():
        """Indices of a batch of data and the one-hot classes its fakes are made for (or None)."""
        idx = torch.randint(len(data), (m,), generator=gen, device=device)
        return idx, (None if y is None else _one_hot(y[idx], n_classes))

    def fakes(onehot):
        z = torch.randn(m, n_latent, generator=gen, device=device)
        return generator(_with_labels(z, onehot))

    with threads:
        for step in progress(range(cfg.steps), desc="steps"):
            for _ in range(cfg.d_steps):
                idx, onehot = batch()
                with torch.no_grad():
                    fake = fakes(onehot)
                both = None if onehot is None else torch.cat([onehot, onehot])
                out = discriminator(_with_labels(torch.cat([data[idx], fake]), both))  # one pass, both halves
                if wasserstein:
                    loss_d = _critic_loss(out[:m], out[m:])
                    cost = loss_d + cfg.gp_weight * _gradient_penalty(
                        discriminator, data[idx], fake, gen, onehot
                    )
                else:
                    loss_d = cost = _discriminator_loss(out[:m], out[m:])
                opt_d.zero_grad()
                cost.backward()
                opt_d.step()
            for _ in range(cfg.g_steps):
                onehot = None if y is None else batch()[1]
                out = discriminator(_with_labels(fakes(onehot), onehot))
                loss_g = -out.mean() if wasserstein else _generator_loss(out, cfg.loss)
                opt_g.zero_grad()
                loss_g.backward()
                opt_g.step()
                if averaged is not None:
                    with torch.no_grad():
                        for a, w in zip(averaged, generator.parameters(), strict=True):
                            a.lerp_(w, 1 - cfg.ema)
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
    if averaged is not None:
        with torch.no_grad():
            for a, w in zip(averaged, generator.parameters(), strict=True):
                w.copy_(a)
    return history


def sample(
    generator: nn.Module, n: int, n_latent: int, seed: int = 0, device="cpu", labels=None, n_classes: int = 10
) -> np.ndarray:
    r"""``n`` samples :math:`G(\boldsymbol z)`, noise :math:`\boldsymbol z\sim\mathcal N(\boldsymbol 0, I)`.

    For a conditional generator, ``labels`` (``n`` integers below ``n_classes``) are the
    requested classes, appended one-hot to the noise: :math:`G(\boldsymbol z, \boldsymbol y)`.
    The generator is evaluated without gradients (and in its current train/eval mode).
    """
    check_type(generator, nn.Module, "generator", "torch.nn.Module")
    n = check_int(n, "n", minimum=1)
    n_latent = check_int(n_latent, "n_latent", minimum=1)
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    device = as_device(device)
    onehot = None
    if labels is not None:
        y, k = _check_labels(labels, n)
        if k > n_classes:
            raise ValueError(f"labels must be below n_classes={n_classes}, got {k - 1}")
        onehot = _one_hot(torch.as_tensor(y, device=device), n_classes)
    width = n_latent + (0 if onehot is None else n_classes)
    _probe(
        generator.to(device),
        torch.zeros(1, width, device=device),
        "generator",
        f"n_latent={n_latent} noise variables"
        + ("" if onehot is None else f" plus {n_classes} one-hot classes"),
    )
    gen = make_generator(check_int(seed, "seed", minimum=0), device)
    with torch.no_grad():
        z = torch.randn(n, n_latent, generator=gen, device=device)
        return generator.to(device)(_with_labels(z, onehot)).cpu().numpy().astype(float)


# --------------------------------------------------------------------------- the Wasserstein critic in 1D


def train_critic(
    critic: nn.Module,
    X_real,
    X_fake,
    steps: int = 2000,
    batch_size: int = 256,
    lr: float = 1e-3,
    gp_weight: float = 10.0,
    clip: float | None = None,
    seed: int = 0,
    device="cpu",
    num_threads: int | None = 1,
) -> list[float]:
    r"""Train a Wasserstein critic :math:`f` between two fixed sample sets; returns its :math:`W_1` estimates.

    Each Adam step (betas (0.5, 0.9)) lowers :func:`critic_loss` on a batch of each set, plus
    ``gp_weight`` times :func:`gradient_penalty`; with ``clip`` every weight is clipped to
    :math:`[-c, c]` after the step instead (the original WGAN; then use ``gp_weight=0``).
    Returns the batch estimate :math:`\frac1m\sum f(\boldsymbol x_i) - \frac1m\sum f(\tilde{\boldsymbol x}_i)`
    of every step. Training uses ``num_threads`` torch threads (``None``: torch's setting).
    This is the inner maximisation of the Wasserstein GAN with the generator
    frozen (chapter "Generative adversarial networks").
    """
    check_type(critic, nn.Module, "critic", "torch.nn.Module")
    a = _as_samples(X_real, "X_real", min_rows=2)
    b = _as_samples(X_fake, "X_fake", min_rows=2)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"X_fake must have {a.shape[1]} features like X_real, got {b.shape[1]}")
    steps = check_int(steps, "steps", minimum=1)
    m = check_int(batch_size, "batch_size", minimum=1)
    lr = float(check_scalar(lr, "lr", minimum=0, include_min=False))
    gp_weight = float(check_scalar(gp_weight, "gp_weight", minimum=0))
    if clip is not None:
        clip = float(
            check_scalar(clip, "clip", minimum=0, include_min=False, maximum=1e30)
        )  # float32 weights
    seed = check_int(seed, "seed", minimum=0)
    device = as_device(device)
    _probe(
        critic.to(device),
        torch.zeros(1, a.shape[1], device=device),
        "critic",
        f"samples of {a.shape[1]} features",
    )
    real = torch.as_tensor(a, dtype=torch.float32, device=device)
    fake = torch.as_tensor(b, dtype=torch.float32, device=device)
    threads = torch_threads(num_threads, "num_threads")
    gen = make_generator(seed, device)
    opt = _adam(critic.parameters(), lr, (0.5, 0.9), device)
    estimates = []
    with threads:
        for step in range(steps):
            estimates.append(_critic_step(critic, opt, real, fake, m, gp_weight, clip, gen, step))
    return estimates


def _critic_step(critic, opt, real, fake, m: int, gp_weight: float, clip, gen, step: int) -> float:
    """One Adam step of :func:`train_critic`; returns the batch estimate of :math:`W_1`."""
    device = real.device
    xr = real[torch.randint(len(real), (m,), generator=gen, device=device)]
    xf = fake[torch.randint(len(fake), (m,), generator=gen, device=device)]
    loss = _critic_loss(critic(xr), critic(xf))
    cost = loss + gp_weight * _gradient_penalty(critic, xr, xf, gen) if gp_weight > 0 else loss
    opt.zero_grad()
    cost.backward()
    opt.step()
    if clip is not None:
        with torch.no_grad():
            for w in critic.parameters():
                w.clamp_(-clip, clip)
    check_finite_loss(loss.item(), step, "critic loss")
    return -loss.item()


def critic_w1(critic: nn.Module, X_real, X_fake, device="cpu") -> tuple[float, float]:
    r"""The critic's estimate of :math:`W_1` on fresh samples, with its standard error:

    .. math::

        \hat W = \frac1{n}\sum_i f(\boldsymbol x_i) - \frac1{n'}\sum_j f(\tilde{\boldsymbol x}_j),
        \qquad \sigma^2 = \frac{\operatorname{var} f(\boldsymbol x)}{n}
        + \frac{\operatorname{var} f(\tilde{\boldsymbol x})}{n'} .

    For a 1-Lipschitz :math:`f` the expectation of :math:`\hat W` is a lower bound of
    :math:`W_1` (Kantorovich–Rubinstein duality).
    """
    check_type(critic, nn.Module, "critic", "torch.nn.Module")
    a = _as_samples(X_real, "X_real", min_rows=2)
    b = _as_samples(X_fake, "X_fake", min_rows=2)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"X_fake must have {a.shape[1]} features like X_real, got {b.shape[1]}")
    device = as_device(device)
    _probe(
        critic.to(device),
        torch.zeros(1, a.shape[1], device=device),
        "critic",
        f"samples of {a.shape[1]} features",
    )
    with torch.no_grad():
        fa = critic(torch.as_tensor(a, dtype=torch.float32, device=device)).double().cpu().numpy().ravel()
        fb = critic(torch.as_tensor(b, dtype=torch.float32, device=device)).double().cpu().numpy().ravel()
    return float(fa.mean() - fb.mean()), float(math.sqrt(fa.var(ddof=1) / len(fa) + fb.var(ddof=1) / len(fb)))


def wasserstein1_gaussians(mu0: float, s0: float, mu1: float, s1: float, n_points: int = 20_001) -> float:
    r"""Wasserstein-1 distance of :math:`\mathcal N(\mu_0, s_0^2)` and :math:`\mathcal N(\mu_1, s_1^2)`.

    In one dimension the optimal transport moves quantile to quantile, and

    .. math::

        W_1 = \int_0^1\bigl|F_0^{-1}(u) - F_1^{-1}(u)\bigr|\,du = \int\bigl|F_0(x) - F_1(x)\bigr|\,dx,

    here by the trapezoid rule over :math:`x`; for equal widths it is :math:`|\mu_0 - \mu_1|`.
    """
    from scipy.special import ndtr

    x, dx = gaussian_grid(mu0, s0, mu1, s1, n_points)
    return float(np.trapezoid(np.abs(ndtr((x - mu0) / s0) - ndtr((x - mu1) / s1)), dx=dx))


def interpolate_density(x, mu0: float, s0: float, mu1: float, s1: float, n_t: int = 200) -> np.ndarray:
    r"""Density of the penalty's points :math:`\hat x = \epsilon x_0 + (1-\epsilon)x_1` for two 1D Gaussians,

    with :math:`x_0\sim\mathcal N(\mu_0, s_0^2)`, :math:`x_1\sim\mathcal N(\mu_1, s_1^2)`
    independent and :math:`\epsilon\sim U(0, 1)`:

    .. math::

        r(x) = \int_0^1\mathcal N\bigl(x;\ \epsilon\mu_0 + (1-\epsilon)\mu_1,\
        \epsilon^2 s_0^2 + (1-\epsilon)^2 s_1^2\bigr)\,d\epsilon,

    by Gauss–Legendre quadrature with ``n_t`` nodes.
    """
    x = as_float_array(x, "x", nonempty=True)
    for v, name in ((s0, "s0"), (s1, "s1")):
        check_scalar(v, name, minimum=0, include_min=False)
    check_scalar(mu0, "mu0")
    check_scalar(mu1, "mu1")
    n_t = check_int(n_t, "n_t", minimum=2)
    t, w = np.polynomial.legendre.leggauss(n_t)
    t, w = 0.5 * (t + 1), 0.5 * w
    mean = t * mu0 + (1 - t) * mu1
    sd = np.hypot(t * float(s0), (1 - t) * float(s1))  # no overflow of the squares
    z = (x[..., None] - mean) / sd
    return np.sum(w * np.exp(-0.5 * z**2) / (sd * math.sqrt(2 * math.pi)), axis=-1)


def gp_critic_estimate(mu0: float, s0: float, mu1: float, s1: float, gp_weight: float = 10.0) -> float:
    r"""What the best gradient-penalised critic estimates for two 1D Gaussians (data 0, fakes 1).

    With :math:`g = F_1 - F_0`, integration by parts gives
    :math:`\mathbb E_0 f - \mathbb E_1 f = \int f'(x)\,g(x)\,dx`, and the penalised objective
    :math:`\int[f' g - \lambda r (|f'| - 1)^2]\,dx` (``r`` from :func:`interpolate_density`)
    is maximised pointwise by :math:`f' = \operatorname{sign}(g) + g/(2\lambda r)`. The
    critic's estimate is then

    .. math::

        \mathbb E_0 f^* - \mathbb E_1 f^* = \int|g|\,dx + \frac1{2\lambda}\int\frac{g^2}{r}\,dx
        = W_1 + \frac1{2\lambda}\int\frac{g^2}{r}\,dx ,

    slightly above :math:`W_1`: the soft constraint lets the slope exceed one where the two
    distributions differ most. ``gp_weight`` is :math:`\lambda > 0`.
    """
    from scipy.special import ndtr

    lam = float(check_scalar(gp_weight, "gp_weight", minimum=0, include_min=False))
    for v, name in ((s0, "s0"), (s1, "s1")):  # beyond, the density of the interpolates underflows
        check_scalar(v, name, minimum=0, include_min=False, maximum=1e100)
    x, dx = gaussian_grid(mu0, s0, mu1, s1, 4001)
    g = ndtr((x - mu1) / s1) - ndtr((x - mu0) / s0)
    r = interpolate_density(x, mu0, s0, mu1, s1)
    return float(np.trapezoid(np.abs(g), dx=dx) + np.trapezoid(g**2 / r, dx=dx) / (2 * lam))


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
