r"""Denoising diffusion probabilistic models (DDPM), for the chapter "Diffusion models".

The *forward process* adds Gaussian noise in :math:`T` small steps,

.. math::

    q(\boldsymbol x_t|\boldsymbol x_{t-1}) = \mathcal N(\sqrt{1-\beta_t}\,\boldsymbol x_{t-1}, \beta_t I),
    \qquad
    q(\boldsymbol x_t|\boldsymbol x_0) = \mathcal N(\sqrt{\bar\alpha_t}\,\boldsymbol x_0, (1-\bar\alpha_t) I),

with :math:`\alpha_t = 1-\beta_t` and :math:`\bar\alpha_t = \prod_{s\le t}\alpha_s`. A network
:math:`\boldsymbol\epsilon_\theta(\boldsymbol x_t, t)` learns to predict the noise
(Ho, Jain and Abbeel 2020); ancestral sampling runs the learnt reverse process from pure noise.

* :func:`linear_betas`, :func:`cosine_betas` and :class:`Schedule` (the noise schedule);
* :func:`q_sample` (closed-form noising) and :func:`forward_steps` (step by step);
* :class:`NoisePredictor`, a small MLP with a sinusoidal time embedding, and
  :class:`ResidualNoisePredictor`, a wider one with residual blocks that the time conditions;
* :func:`ddpm_loss`, :func:`fit_ddpm` (Adam, warm-up, EMA of the weights, NaN stop),
  :func:`sample_ddpm` (ancestral) and :func:`sample_ddim` (deterministic);
* :func:`gaussian_optimal_eps`, the exact optimal noise predictor for Gaussian data.

Torch code takes a ``device`` argument (CPU by default) and runs unchanged on CUDA.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ._validate import (
    as_float_array,
    check_choice,
    check_finite_loss,
    check_int,
    check_learning_rate,
    check_scalar,
    check_tensor,
    check_type,
    param_dtype,
)
from .nn.torch_twin import torch_threads
from .progress import progress
from .torchtools import as_device, make_generator

_FLOAT32_MAX = float(torch.finfo(torch.float32).max)  # a larger clip or gamma means "none" in float32

# --------------------------------------------------------------------------- schedules


def linear_betas(T: int, beta_1: float = 1e-4, beta_T: float = 0.02) -> np.ndarray:
    r"""The linear schedule of Ho et al.: :math:`\beta_t` from ``beta_1`` to ``beta_T``, :math:`t = 1..T`."""
    T = check_int(T, "T", minimum=1)
    beta_1 = check_scalar(beta_1, "beta_1", minimum=0.0, maximum=1.0, include_min=False, include_max=False)
    beta_T = check_scalar(beta_T, "beta_T", minimum=0.0, maximum=1.0, include_min=False, include_max=False)
    return np.linspace(beta_1, beta_T, T)


def cosine_betas(T: int, s: float = 0.008, max_beta: float = 0.999) -> np.ndarray:
    r"""The cosine schedule of Nichol and Dhariwal: :math:`\bar\alpha_t = f(t)/f(0)`.

    .. math::

        f(t) = \cos^2\Bigl(\frac{t/T + s}{1 + s}\,\frac{\pi}{2}\Bigr), \qquad
        \beta_t = 1 - \bar\alpha_t/\bar\alpha_{t-1} \ (\text{clipped at } \texttt{max\_beta}).
    """
    T = check_int(T, "T", minimum=1)
    s = check_scalar(s, "s", minimum=0.0)
    max_beta = check_scalar(
        max_beta, "max_beta", minimum=0.0, maximum=1.0, include_min=False, include_max=False
    )
    f = np.cos((np.arange(T + 1) / T + s) / (1 + s) * np.pi / 2) ** 2
    return np.minimum(1 - f[1:] / f[:-1], max_beta)


@dataclass(frozen=True)
class Schedule:
    r"""A noise schedule: ``betas[t-1]`` is :math:`\beta_t` for :math:`t = 1..T`.

    ``alpha_bars[t-1]`` is :math:`\bar\alpha_t = \prod_{s=1}^t (1-\beta_s)`.
    """

    betas: np.ndarray

    def __post_init__(self):
        b = as_float_array(self.betas, "betas", ndim=1)
        if b.size == 0 or np.any((b <= 0) | (b >= 1)):
            raise ValueError("betas must be a non-empty array of values strictly between 0 and 1")
        object.__setattr__(self, "betas", b)

    @property
    def T(self) -> int:
        return len(self.betas)

    @property
    def alphas(self) -> np.ndarray:
        return 1.0 - self.betas

    @property
    def alpha_bars(self) -> np.ndarray:
        return np.cumprod(1.0 - self.betas)

    def tensors(self, device="cpu") -> dict[str, torch.Tensor]:
        """betas, alphas, alpha_bars as float32 tensors on ``device`` (index t - 1)."""
        dev = as_device(device)
        return {
            name: torch.as_tensor(getattr(self, name), dtype=torch.float32, device=dev)
            for name in ("betas", "alphas", "alpha_bars")
        }


def _check_schedule(schedule) -> Schedule:
    if not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be a physml.diffusion.Schedule, got {type(schedule).__name__}")
    return schedule


def _check_steps(t, name: str, n: int, T: int) -> torch.Tensor:
    """``t`` as a tensor of ``n`` integer steps in 1..T (checked: used to index the schedule)."""
    check_tensor(t, name, ndim=1, dtype=None)
    if t.dtype.is_floating_point or t.dtype.is_complex or t.dtype == torch.bool:
        raise TypeError(f"{name} must hold integer steps, got dtype {t.dtype}")
    if t.shape[0] != n:
        raise ValueError(f"{name} must hold one step per sample ({n}), got shape {tuple(t.shape)}")
    if n and (int(t.min()) < 1 or int(t.max()) > T):
        raise ValueError(f"{name} must hold steps from 1 to T = {T}, got {int(t.min())}..{int(t.max())}")
    return t


# --------------------------------------------------------------------------- the forward process


def q_sample(
    x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor, alpha_bars: torch.Tensor
) -> torch.Tensor:
    """Closed-form noising :func:`_q_sample` with its arguments checked (the training loop calls the core).

    ``x0`` and ``noise`` are real and finite, ``alpha_bars`` real values in (0, 1].
    """
    check_tensor(alpha_bars, "alpha_bars", ndim=1)
    if alpha_bars.shape[0] == 0 or not bool(torch.all((alpha_bars > 0) & (alpha_bars <= 1))):
        raise ValueError("alpha_bars must be a non-empty tensor of values in (0, 1] (Schedule.tensors)")
    check_tensor(x0, "x0", ndim=2, finite=True)
    if x0.shape[0] == 0:
        raise ValueError("x0 must hold at least one sample")
    _check_steps(t, "t", x0.shape[0], alpha_bars.shape[0])
    check_tensor(noise, "noise", finite=True)
    if noise.shape != x0.shape:
        raise ValueError(f"noise must have the shape of x0 {tuple(x0.shape)}, got {tuple(noise.shape)}")
    return _q_sample(x0, t, noise, alpha_bars)


def _q_sample(
    x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor, alpha_bars: torch.Tensor
) -> torch.Tensor:
    r"""Closed-form noising, the chapter's eq. (eq-dif-closed-form).

    .. math::

        \boldsymbol x_t = \sqrt{\bar\alpha_t}\,\boldsymbol x_0 + \sqrt{1-\bar\alpha_t}\,\boldsymbol\epsilon


    ``t`` holds integer steps :math:`1..T` (one per row of ``x0``); ``alpha_bars`` is the
    tensor of :meth:`Schedule.tensors`.
    """
    ab = alpha_bars[t - 1].unsqueeze(-1)
    return ab.sqrt() * x0 + (1 - ab).sqrt() * noise


def forward_steps(x0, schedule: Schedule, t: int, seed: int = 0) -> np.ndarray:
    r"""Run the forward process step by step up to step ``t``.

    .. math::

        \boldsymbol x_s = \sqrt{1-\beta_s}\,\boldsymbol x_{s-1} + \sqrt{\beta_s}\,\boldsymbol\epsilon_s


    A NumPy reference for :func:`q_sample`, which jumps there in one step.
    """
    x = as_float_array(x0, "x0", ndim=2, nonempty=True).copy()
    schedule = _check_schedule(schedule)
    t = check_int(t, "t", minimum=0, maximum=schedule.T)
    rng = np.random.default_rng(check_int(seed, "seed", minimum=0))
    for beta in schedule.betas[:t]:
        x = np.sqrt(1 - beta) * x + np.sqrt(beta) * rng.standard_normal(x.shape)
    return x


# --------------------------------------------------------------------------- the network


def time_embedding(t: torch.Tensor, T: int, n_frequencies: int = 8) -> torch.Tensor:
    """The sinusoidal features :func:`_time_embedding` of the steps ``t`` (a 1-d tensor), checked."""
    T = check_int(T, "T", minimum=1)
    n_frequencies = check_int(n_frequencies, "n_frequencies", minimum=1)
    check_tensor(t, "t", ndim=1, dtype=None)
    _check_steps(t, "t", t.shape[0], T)
    return _time_embedding(t, T, n_frequencies)


def _time_embedding(t: torch.Tensor, T: int, n_frequencies: int = 8) -> torch.Tensor:
    r"""Sinusoidal features of the step, shape (n, 2K).

    :math:`\sin(2^k \pi t/T)` and :math:`\cos(2^k \pi t/T)` for :math:`k = 0..K-1`.
    """
    phase = (t.float() / T).unsqueeze(-1) * math.pi * 2.0 ** torch.arange(n_frequencies, device=t.device)
    return torch.cat([torch.sin(phase), torch.cos(phase)], dim=-1)


class NoisePredictor(nn.Module):
    r"""A small MLP :math:`\boldsymbol\epsilon_\theta(\boldsymbol x_t, t)`.

    Its input is :math:`\boldsymbol x_t` and the time embedding; hidden layers use SiLU.
    """

    def __init__(self, dim: int, T: int, width: int = 128, depth: int = 3, n_frequencies: int = 8):
        super().__init__()
        self.dim = check_int(dim, "dim", minimum=1)
        self.T = check_int(T, "T", minimum=1)
        self.n_frequencies = check_int(n_frequencies, "n_frequencies", minimum=1)
        width = check_int(width, "width", minimum=1)
        depth = check_int(depth, "depth", minimum=1)
        layers: list[nn.Module] = [nn.Linear(self.dim + 2 * self.n_frequencies, width), nn.SiLU()]
        for _ in range(depth - 1):
            layers += [nn.Linear(width, width), nn.SiLU()]
        layers.append(nn.Linear(width, self.dim))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """The predicted noise; ``x`` has the weights' dtype, NaN/inf values pass through (IEEE)."""
        self._check_inputs(x, t)
        return self.net(torch.cat([x, _time_embedding(t, self.T, self.n_frequencies)], dim=-1))

    def _check_inputs(self, x, t) -> None:
        """Cheap checks of a batch (types, dtypes, shapes and the range of the steps)."""
        check_tensor(x, "x", ndim=2, features=self.dim, dtype=param_dtype(self))
        if x.shape[0] == 0:
            raise ValueError("x must hold at least one sample")
        _check_steps(t, "t", x.shape[0], self.T)


class _ResidualBlock(nn.Module):
    r"""One residual block of :class:`ResidualNoisePredictor`.

    :math:`\boldsymbol h + W_2\,\mathrm{SiLU}\bigl(W_1\,\mathrm{SiLU}(\mathrm{LN}(\boldsymbol h))
    + U\boldsymbol e_t\bigr)`.
    """

    def __init__(self, width: int):
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.lin1 = nn.Linear(width, width)
        self.time = nn.Linear(width, width)
        self.lin2 = nn.Linear(width, width)

    def forward(self, h: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        z = self.lin1(nn.functional.silu(self.norm(h))) + self.time(e)
        return h + self.lin2(nn.functional.silu(z))


class ResidualNoisePredictor(NoisePredictor):
    r"""A residual MLP :math:`\boldsymbol\epsilon_\theta(\boldsymbol x_t, t)` for images as vectors.

    The sinusoidal features of :math:`t` (:func:`time_embedding`) pass through a layer
    :math:`\boldsymbol e_t = \mathrm{SiLU}(V\,\mathrm{emb}(t))`; the input is lifted to ``width``
    units, :math:`\boldsymbol h_0 = W_{\text{in}}\boldsymbol x_t`, and each of ``blocks`` residual blocks adds

    .. math::

        \boldsymbol h_{k+1} = \boldsymbol h_k
        + W_2\,\mathrm{SiLU}\bigl(W_1\,\mathrm{SiLU}(\mathrm{LN}(\boldsymbol h_k)) + U\boldsymbol e_t\bigr),

    so that every block sees the noise level (LN: layer normalisation). The output layer
    :math:`W_{\text{out}}\,\mathrm{SiLU}(\mathrm{LN}(\boldsymbol h))` starts at zero: the untrained
    network predicts no noise. Chapter "Diffusion models", the digits.
    """

    def __init__(self, dim: int, T: int, width: int = 256, blocks: int = 2, n_frequencies: int = 8):
        nn.Module.__init__(self)
        self.dim = check_int(dim, "dim", minimum=1)
        self.T = check_int(T, "T", minimum=1)
        self.n_frequencies = check_int(n_frequencies, "n_frequencies", minimum=1)
        width = check_int(width, "width", minimum=1)
        blocks = check_int(blocks, "blocks", minimum=1)
        self.embed = nn.Sequential(nn.Linear(2 * self.n_frequencies, width), nn.SiLU())
        self.lift = nn.Linear(self.dim, width)
        self.blocks = nn.ModuleList(_ResidualBlock(width) for _ in range(blocks))
        self.head = nn.Sequential(nn.LayerNorm(width), nn.SiLU(), nn.Linear(width, self.dim))
        nn.init.zeros_(self.head[-1].weight)
        nn.init.zeros_(self.head[-1].bias)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """The predicted noise of the batch ``x`` (n, dim) at the steps ``t`` (n integers in 1..T)."""
        self._check_inputs(x, t)
        e = self.embed(_time_embedding(t, self.T, self.n_frequencies))
        h = self.lift(x)
        for block in self.blocks:
            h = block(h, e)
        return self.head(h)


class GaussianNoisePredictor(NoisePredictor):
    r"""The exact optimal noise predictor of Gaussian data :math:`\mathcal N(\boldsymbol\mu, \Sigma)`.

    ``forward`` returns :func:`gaussian_optimal_eps` (in torch, for every step at once), so
    that :func:`sample_ddpm` can be run with a perfect network: what remains of the error of
    the samples is the discretisation of the reverse process.
    """

    def __init__(self, mu, cov, schedule: Schedule):
        schedule = _check_schedule(schedule)
        mu = as_float_array(mu, "mu", ndim=1, nonempty=True)
        gaussian_noised_moments(mu, cov, 1.0)  # checks cov
        super().__init__(len(mu), schedule.T, width=1, depth=1)
        inv = []
        for ab in schedule.alpha_bars:
            m, c = gaussian_noised_moments(mu, cov, float(ab))
            inv.append(np.sqrt(1 - ab) * np.linalg.inv(c))
        self.register_buffer("mu", torch.as_tensor(mu, dtype=torch.float32))
        self.register_buffer("sqrt_ab", torch.as_tensor(np.sqrt(schedule.alpha_bars), dtype=torch.float32))
        self.register_buffer("gain", torch.as_tensor(np.stack(inv), dtype=torch.float32))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        self._check_inputs(x, t)
        centred = x - self.sqrt_ab[t - 1].unsqueeze(-1) * self.mu
        return torch.einsum("nij,nj->ni", self.gain[t - 1], centred)


# --------------------------------------------------------------------------- training


def ddpm_loss(model: NoisePredictor, x0: torch.Tensor, alpha_bars: torch.Tensor, generator) -> torch.Tensor:
    """The DDPM loss :func:`_ddpm_loss` of a batch ``x0``, with its arguments checked."""
    model = _check_model(model)
    check_tensor(alpha_bars, "alpha_bars", ndim=1)
    if alpha_bars.shape[0] != model.T or not bool(torch.all((alpha_bars > 0) & (alpha_bars <= 1))):
        raise ValueError(f"alpha_bars must be T = {model.T} values in (0, 1] (Schedule.tensors)")
    check_tensor(x0, "x0", ndim=2, features=model.dim, dtype=param_dtype(model), finite=True)
    if x0.shape[0] == 0:
        raise ValueError("x0 must hold at least one sample")
    check_type(generator, torch.Generator, "generator", "torch.Generator")
    return _ddpm_loss(model, x0, alpha_bars, generator)


def _ddpm_loss(
    model: NoisePredictor, x0: torch.Tensor, alpha_bars: torch.Tensor, generator, weights=None
) -> torch.Tensor:
    r"""The simplified DDPM objective, the chapter's eq. (eq-dif-loss), per coordinate.

    .. math::

        \mathbb E_{t,\boldsymbol x_0,\boldsymbol\epsilon}\,
        w_t\lVert\boldsymbol\epsilon - \boldsymbol\epsilon_\theta(\boldsymbol x_t, t)\rVert^2 / d


    ``t`` uniform in :math:`1..T`, :math:`\boldsymbol\epsilon \sim \mathcal N(0, I)`, :math:`\boldsymbol x_t`
    from :func:`q_sample`; the mean is over the batch and the :math:`d` coordinates. The weights
    :math:`w_t` (a tensor of T values, ``weights[t-1]``) are 1 unless given.
    """
    n = x0.shape[0]
    t = torch.randint(1, len(alpha_bars) + 1, (n,), generator=generator, device=x0.device)
    noise = torch.randn(x0.shape, generator=generator, device=x0.device)
    err = (noise - model(_q_sample(x0, t, noise, alpha_bars), t)) ** 2
    if weights is None:
        return err.mean()
    return (weights[t - 1] * err.mean(dim=1)).mean()


def _check_model(model) -> NoisePredictor:
    if not isinstance(model, NoisePredictor):
        raise TypeError(f"model must be a NoisePredictor, got {type(model).__name__}")
    return model


def fit_ddpm(
    model: NoisePredictor,
    data,
    schedule: Schedule,
    *,
    steps: int = 2000,
    lr: float = 2e-3,
    batch_size: int = 256,
    seed: int = 0,
    device="cpu",
    num_threads: int | None = 1,
    warmup: int = 0,
    ema: float = 0.0,
    min_snr: float | None = None,
) -> dict:
    r"""Train ``model`` on ``data`` (n, d) with Adam on :func:`ddpm_loss` for ``steps`` mini-batches.

    Mini-batches are drawn with replacement; the learning rate rises linearly over the first
    ``warmup`` steps and then decays linearly to zero (a decay makes the last iterates less
    noisy). With ``ema`` :math:`= \gamma > 0` the function keeps an exponential moving average
    of the weights,

    .. math::

        \bar\theta \leftarrow \gamma_k\,\bar\theta + (1-\gamma_k)\,\theta, \qquad
        \gamma_k = \min\bigl(\gamma, (1+k)/(10+k)\bigr),

    (Ho et al. 2020 sample with such an average) and loads :math:`\bar\theta` into ``model``
    at the end. With ``min_snr`` :math:`= \gamma` the loss of step :math:`t` is weighted by
    :math:`w_t = \min(\mathrm{SNR}_t, \gamma)/\mathrm{SNR}_t`,
    :math:`\mathrm{SNR}_t = \bar\alpha_t/(1-\bar\alpha_t)`
    (the min-SNR weighting of Hang et al. 2023), which lowers the weight of the nearly clean steps.
    Returns ``{"loss": [...]}``, the loss of every step. A NaN or infinite loss stops training.
    """
    model = _check_model(model)
    schedule = _check_schedule(schedule)
    X = as_float_array(data, "data", ndim=2)
    if X.shape[0] == 0 or X.shape[1] != model.dim:
        raise ValueError(f"data must have shape (n, {model.dim}) with n > 0, got {X.shape}")
    if schedule.T != model.T:
        raise ValueError(f"schedule has T = {schedule.T} but the model was built for T = {model.T}")
    steps = check_int(steps, "steps", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    lr = check_learning_rate(lr)
    device = as_device(device)
    seed = check_int(seed, "seed", minimum=0)
    warmup = check_int(warmup, "warmup", minimum=0)
    ema = check_scalar(ema, "ema", minimum=0.0, maximum=1.0, include_max=False)
    threads = torch_threads(num_threads, "num_threads")  # checks num_threads before training
    torch.manual_seed(seed)
    model.to(device)
    X_t = torch.as_tensor(X, dtype=torch.float32, device=device)
    alpha_bars = schedule.tensors(device)["alpha_bars"]
    weights = None
    if min_snr is not None:
        min_snr = min(check_scalar(min_snr, "min_snr", minimum=0.0, include_min=False), _FLOAT32_MAX)
        snr = alpha_bars / (1 - alpha_bars)
        weights = torch.clamp(snr, max=min_snr) / snr
    gen = make_generator(seed, device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    decay = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda k: min(1.0, (k + 1) / (warmup + 1)) * (1.0 - k / steps)
    )
    params = [p for p in model.parameters() if p.requires_grad]
    averaged = [p.detach().clone() for p in params] if ema > 0 else None
    history: dict = {"loss": []}
    with threads:
        for step in progress(range(steps), desc="steps"):
            idx = torch.randint(0, len(X_t), (batch_size,), generator=gen, device=device)
            loss = _ddpm_loss(model, X_t[idx], alpha_bars, gen, weights)
            check_finite_loss(loss.item(), step)
            opt.zero_grad()
            loss.backward()
            opt.step()
            decay.step()
            if averaged is not None:
                with torch.no_grad():
                    torch._foreach_lerp_(averaged, params, 1.0 - min(ema, (1 + step) / (10 + step)))
            history["loss"].append(loss.item())
    if averaged is not None:
        with torch.no_grad():
            for p, a in zip(params, averaged, strict=True):
                p.copy_(a)
    return history


# --------------------------------------------------------------------------- sampling


@torch.no_grad()
def sample_ddpm(
    model: NoisePredictor,
    schedule: Schedule,
    n: int,
    seed: int = 0,
    device="cpu",
    clip: float | None = None,
    variance: str = "beta_tilde",
) -> np.ndarray:
    r"""Ancestral sampling of the learnt reverse process, from :math:`\boldsymbol x_T \sim \mathcal N(0, I)`.

    .. math::

        \boldsymbol x_{t-1} = \frac{1}{\sqrt{\alpha_t}}\Bigl(\boldsymbol x_t
        - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}}
        \boldsymbol\epsilon_\theta(\boldsymbol x_t, t)\Bigr) + \sigma_t\boldsymbol z, \qquad
        \sigma_t^2 = \tilde\beta_t = \frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\beta_t
        \ \ (\texttt{variance="beta_tilde"})\ \text{or}\ \beta_t\ \ (\texttt{"beta"}),

    with :math:`\boldsymbol z \sim \mathcal N(0, I)` and no noise in the last step. With ``clip``
    :math:`= c` the mean is taken in its :math:`\boldsymbol x_0`-form instead, with the predicted
    clean sample clipped to the data range :math:`[-c, c]` (as Ho et al.'s code does for images),

    .. math::

        \hat{\boldsymbol x}_0 = \mathrm{clip}\Bigl(\frac{\boldsymbol x_t - \sqrt{1-\bar\alpha_t}\,
        \boldsymbol\epsilon_\theta}{\sqrt{\bar\alpha_t}}, -c, c\Bigr),\qquad
        \boldsymbol\mu = \frac{\sqrt{\bar\alpha_{t-1}}\,\beta_t}{1-\bar\alpha_t}\,\hat{\boldsymbol x}_0
        + \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}\,\boldsymbol x_t ,

    which equals the first form when nothing is clipped. Returns (n, d).
    """
    model = _check_model(model)
    schedule = _check_schedule(schedule)
    if schedule.T != model.T:
        raise ValueError(f"schedule has T = {schedule.T} but the model was built for T = {model.T}")
    n = check_int(n, "n", minimum=1)
    if clip is not None:
        clip = min(check_scalar(clip, "clip", minimum=0.0, include_min=False), _FLOAT32_MAX)
    variance = check_choice(variance, "variance", ("beta_tilde", "beta"))
    device = as_device(device)
    model.to(device)
    s = schedule.tensors(device)
    gen = make_generator(check_int(seed, "seed", minimum=0), device)
    x = torch.randn(n, model.dim, generator=gen, device=device)
    for t in range(schedule.T, 0, -1):
        beta, alpha, ab = s["betas"][t - 1], s["alphas"][t - 1], s["alpha_bars"][t - 1]
        ab_prev = s["alpha_bars"][t - 2] if t > 1 else torch.ones((), device=device)
        eps = model(x, torch.full((n,), t, device=device, dtype=torch.long))
        if clip is None:
            x = (x - beta / (1 - ab).sqrt() * eps) / alpha.sqrt()
        else:
            x0 = ((x - (1 - ab).sqrt() * eps) / ab.sqrt()).clamp(-clip, clip)
            x = ab_prev.sqrt() * beta / (1 - ab) * x0 + alpha.sqrt() * (1 - ab_prev) / (1 - ab) * x
        if t > 1:
            var = (1 - ab_prev) / (1 - ab) * beta if variance == "beta_tilde" else beta
            x = x + var.sqrt() * torch.randn(x.shape, generator=gen, device=device)
    return x.cpu().numpy().astype(float)


# --------------------------------------------------------------------------- Gaussian data: exact results


def gaussian_noised_moments(mu, cov, alpha_bar: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Mean and covariance of :math:`x_t` for Gaussian data :math:`\mathcal N(\boldsymbol\mu, \Sigma)`.

    .. math::

        \boldsymbol x_t \sim \mathcal N\bigl(\sqrt{\bar\alpha_t}\,\boldsymbol\mu,\
        \bar\alpha_t\Sigma + (1-\bar\alpha_t)I\bigr).
    """
    mu = as_float_array(mu, "mu", ndim=1, nonempty=True)
    cov = as_float_array(cov, "cov", ndim=2)
    if cov.shape != (len(mu), len(mu)):
        raise ValueError(f"cov must have shape ({len(mu)}, {len(mu)}), got {cov.shape}")
    if not np.allclose(cov, cov.T) or np.linalg.eigvalsh(cov).min() < -1e-12 * max(1.0, np.abs(cov).max()):
        raise ValueError("cov must be a symmetric positive semi-definite covariance matrix")
    ab = check_scalar(alpha_bar, "alpha_bar", minimum=0.0, maximum=1.0)
    return np.sqrt(ab) * mu, ab * cov + (1 - ab) * np.eye(len(mu))


def gaussian_optimal_eps(x_t, t, mu, cov, schedule: Schedule) -> np.ndarray:
    r"""The exact minimiser of the DDPM loss for Gaussian data, :math:`\mathbb E[\epsilon|x_t]`.

    With :math:`C_t = \bar\alpha_t\Sigma + (1-\bar\alpha_t)I` the score of the noised density is
    :math:`\nabla\ln q_t(\boldsymbol x) = -C_t^{-1}(\boldsymbol x - \sqrt{\bar\alpha_t}\boldsymbol\mu)`, and

    .. math::

        \boldsymbol\epsilon^\ast(\boldsymbol x_t, t) = -\sqrt{1-\bar\alpha_t}\,\nabla\ln q_t(\boldsymbol x_t)
        = \sqrt{1-\bar\alpha_t}\,C_t^{-1}(\boldsymbol x_t - \sqrt{\bar\alpha_t}\boldsymbol\mu).

    ``x_t`` is (n, d), ``t`` an int or n ints in 1..T.
    """
    schedule = _check_schedule(schedule)
    x = as_float_array(x_t, "x_t", ndim=2, nonempty=True)
    gaussian_noised_moments(mu, cov, 1.0)  # checks mu and cov
    if x.shape[1] != np.size(mu):
        raise ValueError(f"x_t must have {np.size(mu)} columns like mu, got {x.shape[1]}")
    if isinstance(t, (str, bytes)) or t is None:
        raise TypeError(f"t must be an int or {len(x)} ints, got {type(t).__name__}")
    try:
        steps = np.broadcast_to(np.asarray(t), (len(x),))
    except ValueError:
        raise ValueError(
            f"t must be an int or {len(x)} ints (one per row of x_t), got shape {np.shape(t)}"
        ) from None
    if not np.issubdtype(steps.dtype, np.integer) or np.any((steps < 1) | (steps > schedule.T)):
        raise ValueError(f"t must hold integers from 1 to {schedule.T}")
    out = np.empty_like(x)
    for step in np.unique(steps):
        ab = schedule.alpha_bars[step - 1]
        m, c = gaussian_noised_moments(mu, cov, ab)
        rows = steps == step
        out[rows] = np.sqrt(1 - ab) * np.linalg.solve(c, (x[rows] - m).T).T
    return out


REVERSE_VARIANCES = ("beta_tilde", "beta", "exact")


def ancestral_moments(
    mu, cov, schedule: Schedule, variance: str = "beta_tilde"
) -> tuple[np.ndarray, np.ndarray]:
    r"""Exact mean and covariance of the samples of the reverse chain with the exact predictor.

    For Gaussian data :math:`\mathcal N(\boldsymbol\mu, \Sigma)` the exact predictor
    :func:`gaussian_optimal_eps` is linear in :math:`\boldsymbol x_t`, so one reverse step is
    :math:`\boldsymbol x_{t-1} = A_t\boldsymbol x_t + \boldsymbol b_t + \text{noise}` with
    (chapter "Diffusion models", :math:`C_t = \bar\alpha_t\Sigma + (1-\bar\alpha_t)I`, :math:`C_0 = \Sigma`)

    .. math::

        A_t = \frac{I - \beta_t C_t^{-1}}{\sqrt{\alpha_t}}, \qquad
        \boldsymbol b_t = \frac{\beta_t\sqrt{\bar\alpha_t}}{\sqrt{\alpha_t}}\,C_t^{-1}\boldsymbol\mu,

    and mean and covariance propagate exactly from :math:`\boldsymbol x_T \sim \mathcal N(0, I)`:
    :math:`\boldsymbol m_{t-1} = A_t\boldsymbol m_t + \boldsymbol b_t`,
    :math:`P_{t-1} = A_t P_t A_t^\top + \Sigma^{\mathrm{rev}}_t`. The reverse covariance
    :math:`\Sigma^{\mathrm{rev}}_t` is ``variance``:

    * ``"beta_tilde"``: :math:`\tilde\beta_t I` with
      :math:`\tilde\beta_t = \frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\beta_t` (what
      :func:`sample_ddpm` draws; :math:`\tilde\beta_1 = 0`, no noise in the last step);
    * ``"beta"``: :math:`\beta_t I`, Ho et al.'s other choice;
    * ``"exact"``: the covariance of :math:`q(\boldsymbol x_{t-1}\mid\boldsymbol x_t)` itself,
      :math:`C_{t-1} - \alpha_t C_{t-1}C_t^{-1}C_{t-1}`, with which the chain reproduces the
      data up to the mismatch of :math:`\boldsymbol x_T` (of order :math:`\bar\alpha_T`).

    Returns ``(mean, cov)`` of :math:`\boldsymbol x_0`.
    """
    schedule = _check_schedule(schedule)
    mu = as_float_array(mu, "mu", ndim=1, nonempty=True)
    _, sigma = gaussian_noised_moments(mu, cov, 1.0)  # checks cov
    variance = check_choice(variance, "variance", REVERSE_VARIANCES)
    eye = np.eye(len(mu))
    betas, alphas, abars = schedule.betas, schedule.alphas, schedule.alpha_bars

    def noised_cov(k: int) -> np.ndarray:
        return sigma if k == 0 else abars[k - 1] * sigma + (1 - abars[k - 1]) * eye

    mean, cov_t = np.zeros(len(mu)), eye.copy()
    for t in range(schedule.T, 0, -1):
        c_inv = np.linalg.inv(noised_cov(t))
        a_t = (eye - betas[t - 1] * c_inv) / np.sqrt(alphas[t - 1])
        mean = a_t @ mean + betas[t - 1] * np.sqrt(abars[t - 1]) * (c_inv @ mu) / np.sqrt(alphas[t - 1])
        cov_t = a_t @ cov_t @ a_t.T
        ab_prev = abars[t - 2] if t > 1 else 1.0
        if variance == "beta_tilde":
            cov_t = cov_t + (1 - ab_prev) / (1 - abars[t - 1]) * betas[t - 1] * eye
        elif variance == "beta":
            cov_t = cov_t + betas[t - 1] * eye
        else:
            c_prev = noised_cov(t - 1)
            cov_t = cov_t + c_prev - alphas[t - 1] * c_prev @ c_inv @ c_prev
    return mean, 0.5 * (cov_t + cov_t.T)


def _ddim_steps(schedule: Schedule, steps: int) -> np.ndarray:
    """The decreasing time steps tau_S > ... > tau_1 of a DDIM run (evenly spaced in 1..T)."""
    steps = check_int(steps, "steps", minimum=1, maximum=schedule.T)
    return np.unique(np.linspace(1, schedule.T, steps).round().astype(int))[::-1]


def sample_ddim(
    model: NoisePredictor,
    schedule: Schedule,
    n: int,
    steps: int,
    seed: int = 0,
    device="cpu",
    clip: float | None = None,
) -> np.ndarray:
    r"""Deterministic DDIM sampling (Song et al. 2021, :math:`\eta = 0`) on ``steps`` of the T steps.

    From :math:`\boldsymbol x_T\sim\mathcal N(0, I)`, each step predicts the clean sample and moves it
    to the earlier noise level :math:`t'` with the *same* predicted noise,

    .. math::

        \hat{\boldsymbol x}_0 = \frac{\boldsymbol x_t
            - \sqrt{1-\bar\alpha_t}\,\boldsymbol\epsilon_\theta}{\sqrt{\bar\alpha_t}},
        \qquad
        \boldsymbol x_{t'} = \sqrt{\bar\alpha_{t'}}\,\hat{\boldsymbol x}_0
            + \sqrt{1-\bar\alpha_{t'}}\,\boldsymbol\epsilon_\theta,

    a discretisation of the probability-flow ODE; the last step returns :math:`\hat{\boldsymbol x}_0`.
    The only randomness is :math:`\boldsymbol x_T`. With ``clip`` :math:`= c`, :math:`\hat{\boldsymbol x}_0`
    is clipped to :math:`[-c, c]` and the noise recomputed from it,
    :math:`\boldsymbol\epsilon = (\boldsymbol x_t
    - \sqrt{\bar\alpha_t}\hat{\boldsymbol x}_0)/\sqrt{1-\bar\alpha_t}`.
    Returns (n, d).
    """
    model = _check_model(model)
    schedule = _check_schedule(schedule)
    if schedule.T != model.T:
        raise ValueError(f"schedule has T = {schedule.T} but the model was built for T = {model.T}")
    n = check_int(n, "n", minimum=1)
    taus = _ddim_steps(schedule, steps)
    if clip is not None:
        clip = min(check_scalar(clip, "clip", minimum=0.0, include_min=False), _FLOAT32_MAX)
    device = as_device(device)
    model.to(device)
    ab = schedule.tensors(device)["alpha_bars"]
    gen = make_generator(check_int(seed, "seed", minimum=0), device)
    x = torch.randn(n, model.dim, generator=gen, device=device)
    with torch.no_grad():
        for k, t in enumerate(taus):
            eps = model(x, torch.full((n,), int(t), device=device, dtype=torch.long))
            x0 = (x - (1 - ab[t - 1]).sqrt() * eps) / ab[t - 1].sqrt()
            if clip is not None:
                x0 = x0.clamp(-clip, clip)
                eps = (x - ab[t - 1].sqrt() * x0) / (1 - ab[t - 1]).sqrt()
            if k + 1 == len(taus):
                x = x0
            else:
                t_next = int(taus[k + 1])
                x = ab[t_next - 1].sqrt() * x0 + (1 - ab[t_next - 1]).sqrt() * eps
    return x.cpu().numpy().astype(float)


def ddim_moments(mu, cov, schedule: Schedule, steps: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Exact mean and covariance of :func:`sample_ddim` with the exact predictor of Gaussian data.

    With :math:`\boldsymbol\epsilon^\ast = G_t(\boldsymbol x_t - \sqrt{\bar\alpha_t}\boldsymbol\mu)`,
    :math:`G_t = \sqrt{1-\bar\alpha_t}\,C_t^{-1}`, every DDIM step is an affine map
    :math:`\boldsymbol x\mapsto A\boldsymbol x + \boldsymbol b` without noise, so
    :math:`\boldsymbol m\mapsto A\boldsymbol m + \boldsymbol b` and :math:`P\mapsto APA^\top` from
    :math:`\mathcal N(0, I)` (chapter "Diffusion models").
    """
    schedule = _check_schedule(schedule)
    mu = as_float_array(mu, "mu", ndim=1, nonempty=True)
    _, sigma = gaussian_noised_moments(mu, cov, 1.0)
    taus = _ddim_steps(schedule, steps)
    eye = np.eye(len(mu))
    abars = schedule.alpha_bars
    mean, P = np.zeros(len(mu)), eye.copy()
    for k, t in enumerate(taus):
        a = abars[t - 1]
        c_inv = np.linalg.inv(a * sigma + (1 - a) * eye)
        G = np.sqrt(1 - a) * c_inv
        a_prev = 1.0 if k + 1 == len(taus) else abars[int(taus[k + 1]) - 1]
        # x0_hat = (x - sqrt(1-a) G (x - sqrt(a) mu)) / sqrt(a)
        # x' = sqrt(a') x0_hat + sqrt(1-a') G (x - sqrt(a) mu)
        coef = np.sqrt(1 - a_prev) * G - np.sqrt(a_prev) * np.sqrt(1 - a) * G / np.sqrt(a)
        A = np.sqrt(a_prev / a) * eye + coef
        b = -coef @ (np.sqrt(a) * mu)
        mean, P = A @ mean + b, A @ P @ A.T
    return mean, 0.5 * (P + P.T)
