r"""Normalising flows: a small Real-NVP in PyTorch (chapter "Normalising flows").

A flow is an invertible map :math:`f` from data :math:`\boldsymbol x` to a latent
:math:`\boldsymbol z = f(\boldsymbol x)` with a simple density :math:`p_z` (here the standard
normal). The change of variables gives the exact density of the data,

.. math::

    \ln q(\boldsymbol x) = \ln p_z\bigl(f(\boldsymbol x)\bigr)
        + \ln\Bigl|\det\frac{\partial f}{\partial \boldsymbol x}\Bigr|,

and samples are :math:`\boldsymbol x = f^{-1}(\boldsymbol z)` with :math:`\boldsymbol z\sim p_z`.

* :class:`AffineCoupling` is one Real-NVP layer (Dinh et al. 2017): the entries with mask 1
  pass unchanged and set a scale and a shift of the others, so the Jacobian is triangular and
  its log-determinant is the sum of the log-scales;
* :class:`RealNVP` stacks couplings with alternating masks over a standard normal;
* :func:`fit_flow` trains by maximum likelihood (data), :func:`fit_reverse_kl` by the reverse
  KL divergence to an unnormalised log-density (a Boltzmann generator, no data);
* :func:`importance_log_weights`, :func:`effective_sample_size`, :func:`reweighted_mean` and
  :func:`log_partition` turn flow samples into unbiased estimates of the target's averages and
  of its log-partition function;
* :func:`double_well_energy` is the chapter's two-dimensional physics target.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch
from scipy.special import logsumexp
from torch import nn

from ._validate import (
    as_float_array,
    check_callable,
    check_finite_loss,
    check_int,
    check_learning_rate,
    check_nonempty,
    check_scalar,
    check_tensor,
)
from .metrics import Estimate
from .nn.torch_twin import torch_threads
from .progress import progress
from .torchtools import as_device, make_generator

# --------------------------------------------------------------------------- the coupling layer


def alternating_masks(dim: int, n_layers: int) -> list[np.ndarray]:
    r"""Masks of a Real-NVP stack: layer :math:`k` passes the entries :math:`j` with :math:`j + k` even.

    Consecutive layers swap the roles of the two halves, so that after two layers every entry
    has been transformed once, conditioned on the others. Returns ``n_layers`` arrays of 0/1
    (float) of length ``dim``.
    """
    dim = check_int(dim, "dim", minimum=2)
    n_layers = check_int(n_layers, "n_layers", minimum=1)
    j = np.arange(dim)
    return [((j + k) % 2 == 0).astype(float) for k in range(n_layers)]


def _check_mask(mask, dim: int | None = None) -> np.ndarray:
    m = as_float_array(mask, "mask", ndim=1)
    check_nonempty(m, "mask")
    if dim is not None and len(m) != dim:
        raise ValueError(f"mask must have {dim} entries, got {len(m)}")
    if not np.all((m == 0) | (m == 1)):
        raise ValueError("mask must hold only 0 (transformed) and 1 (passed through)")
    if m.all() or not m.any():
        raise ValueError("mask must pass some entries (1) and transform others (0)")
    return m


def _check_hidden(hidden) -> tuple[int, ...]:
    if isinstance(hidden, (str, bytes)) or not isinstance(hidden, Sequence):
        raise TypeError(f"hidden must be a sequence of layer widths, got {type(hidden).__name__}")
    if not hidden:
        raise ValueError("hidden must name at least one hidden layer")
    return tuple(check_int(h, "hidden", minimum=1) for h in hidden)


class AffineCoupling(nn.Module):
    r"""One affine coupling layer of Real-NVP, in the direction data :math:`\to` latent.

    With the binary ``mask`` :math:`\boldsymbol b` (1: passed through),

    .. math::

        \boldsymbol z = \boldsymbol x \odot e^{\boldsymbol s(\boldsymbol b\odot\boldsymbol x)}
            + \boldsymbol t(\boldsymbol b\odot\boldsymbol x),
        \qquad \ln\Bigl|\det\frac{\partial\boldsymbol z}{\partial\boldsymbol x}\Bigr| = \sum_j s_j,

    where :math:`\boldsymbol s` and :math:`\boldsymbol t` vanish on the passed entries. The
    conditioner is an MLP (``tanh`` hidden layers) with outputs :math:`(\hat{\boldsymbol s},
    \boldsymbol t)`; the log-scale is bounded, :math:`s = c\tanh(\hat s/c)` with
    :math:`c` = ``scale_bound``. The last layer starts at zero, so a new layer is the identity.
    """

    def __init__(self, mask, hidden: Sequence[int] = (64, 64), scale_bound: float = 2.0):
        super().__init__()
        m = _check_mask(mask)
        hidden = _check_hidden(hidden)
        self.scale_bound = float(check_scalar(scale_bound, "scale_bound", minimum=0, include_min=False))
        dim = len(m)
        self.dim = dim
        self.register_buffer("mask", torch.as_tensor(m, dtype=torch.float32))
        layers: list[nn.Module] = []
        width = dim
        for h in hidden:
            layers += [nn.Linear(width, h), nn.Tanh()]
            width = h
        last = nn.Linear(width, 2 * dim)
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)
        self.net = nn.Sequential(*layers, last)

    def scale_shift(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        r"""Log-scale :math:`\boldsymbol s` and shift :math:`\boldsymbol t` (zero on the passed entries)."""
        h = self.net(x * self.mask)
        s_hat, t = h.chunk(2, dim=-1)
        free = 1.0 - self.mask
        s = self.scale_bound * torch.tanh(s_hat / self.scale_bound)
        return s * free, t * free

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        r"""``(z, log|det dz/dx|)`` for a batch ``x`` of shape (n, dim)."""
        check_tensor(x, "x", ndim=2, features=self.dim, dtype=self.mask.dtype)
        s, t = self.scale_shift(x)
        return x * torch.exp(s) + t, s.sum(dim=-1)

    def inverse(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        r"""``(x, log|det dx/dz|)``.

        :math:`\boldsymbol x = (\boldsymbol z - \boldsymbol t)\odot e^{-\boldsymbol s}`, with
        :math:`\boldsymbol s, \boldsymbol t` computed from
        :math:`\boldsymbol b\odot\boldsymbol z = \boldsymbol b\odot\boldsymbol x`.
        """
        check_tensor(z, "z", ndim=2, features=self.dim, dtype=self.mask.dtype)
        s, t = self.scale_shift(z)
        return (z - t) * torch.exp(-s), -s.sum(dim=-1)


# --------------------------------------------------------------------------- the flow


class RealNVP(nn.Module):
    r"""A stack of :class:`AffineCoupling` layers over a standard normal latent (chapter "Normalising flows").

    ``forward`` maps data to latent, :math:`\boldsymbol z = f_K\circ\dots\circ f_1(\boldsymbol x)`,
    and accumulates :math:`\ln|\det\partial\boldsymbol z/\partial\boldsymbol x| = \sum_k \ln|\det J_k|`;
    :meth:`log_prob` adds the standard normal :math:`\ln p_z(\boldsymbol z)`; :meth:`sample`
    runs the layers backwards. ``masks`` defaults to :func:`alternating_masks`.
    """

    def __init__(
        self,
        dim: int,
        n_layers: int = 4,
        hidden: Sequence[int] = (64, 64),
        scale_bound: float = 2.0,
        masks=None,
    ):
        super().__init__()
        self.dim = check_int(dim, "dim", minimum=2)
        n_layers = check_int(n_layers, "n_layers", minimum=1)
        if masks is None:
            masks = alternating_masks(self.dim, n_layers)
        elif len(masks) != n_layers:
            raise ValueError(f"masks must hold n_layers = {n_layers} masks, got {len(masks)}")
        self.layers = nn.ModuleList(
            AffineCoupling(_check_mask(m, self.dim), hidden, scale_bound) for m in masks
        )

    def _dtype(self) -> torch.dtype:
        return self.layers[0].mask.dtype

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(z, log|det dz/dx|)`` of a batch ``x`` (n, dim)."""
        check_tensor(x, "x", ndim=2, features=self.dim, dtype=self._dtype())
        return self._forward(x)

    def _forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        log_det = torch.zeros(len(x), dtype=x.dtype, device=x.device)
        for layer in self.layers:
            s, t = layer.scale_shift(x)
            x = x * torch.exp(s) + t
            log_det = log_det + s.sum(dim=-1)
        return x, log_det

    def inverse(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(x, log|det dx/dz|)`` of a batch of latents ``z`` (n, dim): the layers in reverse order."""
        check_tensor(z, "z", ndim=2, features=self.dim, dtype=self._dtype())
        return self._inverse(z)

    def _inverse(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        log_det = torch.zeros(len(z), dtype=z.dtype, device=z.device)
        for layer in reversed(self.layers):
            s, t = layer.scale_shift(z)
            z = (z - t) * torch.exp(-s)
            log_det = log_det - s.sum(dim=-1)
        return z, log_det

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        r""":math:`\ln q(\boldsymbol x) = -\tfrac12\lVert f(\boldsymbol x)\rVert^2 - \tfrac D2\ln 2\pi
        + \ln|\det\partial f/\partial\boldsymbol x|`, shape (n,)."""
        check_tensor(x, "x", ndim=2, features=self.dim, dtype=self._dtype())
        return self._log_prob(x)

    def _log_prob(self, x: torch.Tensor) -> torch.Tensor:
        z, log_det = self._forward(x)
        return _std_normal_log_prob(z) + log_det

    def sample(self, n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
        r"""``n`` samples and their :math:`\ln q`: :math:`\boldsymbol x = f^{-1}(\boldsymbol z)`,
        :math:`\ln q(\boldsymbol x) = \ln p_z(\boldsymbol z)
        - \ln|\det\partial f^{-1}/\partial\boldsymbol z|`.

        Without gradients (``torch.no_grad``); :func:`fit_reverse_kl` samples with them.
        """
        n = check_int(n, "n", minimum=1)
        gen = make_generator(check_int(seed, "seed", minimum=0))
        with torch.no_grad():
            return self._sample(n, gen)

    def _sample(self, n: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        device = self.layers[0].mask.device
        z = torch.randn(n, self.dim, generator=gen, dtype=self._dtype()).to(device)
        x, log_det = self._inverse(z)
        return x, _std_normal_log_prob(z) - log_det


def _std_normal_log_prob(z: torch.Tensor) -> torch.Tensor:
    return -0.5 * (z**2).sum(dim=-1) - 0.5 * z.shape[-1] * math.log(2 * math.pi)


def _check_flow(flow) -> RealNVP:
    if not isinstance(flow, RealNVP):
        raise TypeError(f"flow must be a physml.flows.RealNVP, got {type(flow).__name__}")
    return flow


def _as_data(x, name: str, dim: int) -> torch.Tensor:
    arr = as_float_array(x, name, ndim=2)
    check_nonempty(arr, name)
    if arr.shape[1] != dim:
        raise ValueError(f"{name} must have {dim} columns (the flow's dim), got {arr.shape[1]}")
    return torch.as_tensor(arr, dtype=torch.float32)


# --------------------------------------------------------------------------- training


def fit_flow(
    flow: RealNVP,
    train,
    val=None,
    *,
    epochs: int = 50,
    lr: float = 1e-3,
    batch_size: int = 128,
    seed: int = 0,
    device="cpu",
    num_threads: int | None = 1,
) -> dict:
    r"""Maximum likelihood: minimise :math:`-\frac1n\sum_i \ln q(\boldsymbol x_i)` with Adam.

    ``train`` and ``val`` are arrays (n, dim). Returns ``{"train_nll": [...], "val_nll": [...]}``,
    the mean negative log-likelihood (nats per sample) after every epoch; the training value is
    the average over the epoch's mini-batches. A NaN or infinite loss stops training with an error.
    """
    flow = _check_flow(flow)
    X = _as_data(train, "train", flow.dim)
    V = None if val is None else _as_data(val, "val", flow.dim)
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    lr = check_learning_rate(lr)
    seed = check_int(seed, "seed", minimum=0)
    device = as_device(device)
    threads = torch_threads(num_threads, "num_threads")
    flow.to(device)
    X = X.to(device)
    V = None if V is None else V.to(device)
    gen = make_generator(seed)
    opt = torch.optim.Adam(flow.parameters(), lr=lr)
    history: dict = {"train_nll": [], "val_nll": []}
    step = 0
    with threads:
        for _ in progress(range(epochs), desc="epochs"):
            perm = torch.randperm(len(X), generator=gen).to(device)
            total = 0.0
            for start in range(0, len(X), batch_size):
                batch = X[perm[start : start + batch_size]]
                loss = -flow._log_prob(batch).mean()
                check_finite_loss(loss.item(), step)
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += loss.item() * len(batch)
                step += 1
            history["train_nll"].append(total / len(X))
            if V is not None:
                with torch.no_grad():
                    history["val_nll"].append(-flow._log_prob(V).mean().item())
    flow.to("cpu")
    return history


def fit_reverse_kl(
    flow: RealNVP,
    log_density: Callable[[torch.Tensor], torch.Tensor],
    *,
    steps: int = 1000,
    batch_size: int = 256,
    lr: float = 1e-3,
    seed: int = 0,
    device="cpu",
    num_threads: int | None = 1,
) -> dict:
    r"""Reverse KL (no data): minimise :math:`\mathbb E_q[\ln q(\boldsymbol x) - \ln\tilde p(\boldsymbol x)]`.

    ``log_density`` is the target's *unnormalised* :math:`\ln\tilde p` (for a Boltzmann
    distribution :math:`-\beta U`), a function of a tensor (n, dim) returning (n,). The loss
    equals :math:`D_{KL}(q\|p) - \ln Z \ge -\ln Z`, a variational free energy (in units of
    :math:`k_BT`); its gradient flows through the samples :math:`\boldsymbol x = f^{-1}(\boldsymbol z)`
    (reparametrisation). Returns ``{"loss": [...]}``, one value per step. A NaN or infinite
    loss (for instance from a ``log_density`` that returns NaN) stops training with an error.
    """
    flow = _check_flow(flow)
    check_callable(log_density, "log_density")
    steps = check_int(steps, "steps", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=2)
    lr = check_learning_rate(lr)
    seed = check_int(seed, "seed", minimum=0)
    device = as_device(device)
    threads = torch_threads(num_threads, "num_threads")
    torch.manual_seed(seed)
    flow.to(device)
    gen = make_generator(seed)
    opt = torch.optim.Adam(flow.parameters(), lr=lr)
    history: dict = {"loss": []}
    with threads:
        for step in progress(range(steps), desc="steps"):
            x, log_q = flow._sample(batch_size, gen)
            log_p = log_density(x)
            if not isinstance(log_p, torch.Tensor) or log_p.shape != log_q.shape:
                flow.to("cpu")
                raise ValueError(
                    f"log_density must return a tensor of shape ({batch_size},), got "
                    f"{getattr(log_p, 'shape', type(log_p).__name__)}"
                )
            loss = (log_q - log_p).mean()
            check_finite_loss(loss.item(), step)
            opt.zero_grad()
            loss.backward()
            opt.step()
            history["loss"].append(loss.item())
    flow.to("cpu")
    return history


# --------------------------------------------------------------------------- reweighting


def importance_log_weights(log_p, log_q) -> np.ndarray:
    r"""Log importance weights :math:`\ln w_i = \ln\tilde p(\boldsymbol x_i) - \ln q(\boldsymbol x_i)`
    of samples :math:`\boldsymbol x_i\sim q`, shape (n,)."""
    lp = as_float_array(log_p, "log_p", ndim=1, nonempty=True)
    lq = as_float_array(log_q, "log_q", ndim=1, nonempty=True)
    if len(lp) != len(lq):
        raise ValueError(f"log_p and log_q must have the same length, got {len(lp)} and {len(lq)}")
    return lp - lq


def _log_w(log_w) -> np.ndarray:
    return as_float_array(log_w, "log_w", ndim=1, nonempty=True)


def effective_sample_size(log_w) -> float:
    r"""Kish's effective sample size :math:`n_{\text{eff}} = (\sum_i w_i)^2/\sum_i w_i^2` (between 1 and n).

    Computed from the log-weights (the normalisation of :math:`w` cancels).
    """
    lw = _log_w(log_w)
    return float(np.exp(2 * logsumexp(lw) - logsumexp(2 * lw)))


def reweighted_mean(values, log_w) -> Estimate:
    r"""Self-normalised importance-sampling mean and its standard error (delta method).

    .. math::

        \hat O = \sum_i \bar w_i O_i, \quad \bar w_i = \frac{w_i}{\sum_j w_j},\qquad
        \sigma_{\hat O}^2 \approx \sum_i \bar w_i^2 (O_i - \hat O)^2 .

    With equal weights this is the sample mean with its standard error (up to :math:`n/(n-1)`).
    """
    lw = _log_w(log_w)
    o = as_float_array(values, "values", ndim=1, nonempty=True)
    if len(o) != len(lw):
        raise ValueError(f"values and log_w must have the same length, got {len(o)} and {len(lw)}")
    w = np.exp(lw - logsumexp(lw))
    mean = float(np.sum(w * o))
    return Estimate(mean, float(np.sqrt(np.sum(w**2 * (o - mean) ** 2))))


def log_partition(log_w) -> Estimate:
    r"""Estimate of :math:`\ln Z = \ln\mathbb E_q[w]` from log-weights, with its standard error.

    :math:`\ln\hat Z = \ln\frac1n\sum_i w_i`; the error is that of the mean of :math:`w` relative
    to the mean, :math:`\sigma_{\ln\hat Z}\approx \mathrm{sd}(w)/(\sqrt n\,\bar w)`. The estimate of
    :math:`Z` is unbiased; that of :math:`\ln Z` is biased low by about :math:`\sigma^2/2`
    (Jensen), and an underestimate whenever :math:`q` misses part of the target.
    """
    lw = _log_w(log_w)
    n = len(lw)
    if n < 2:
        raise ValueError(f"log_w must hold at least 2 weights for an error bar, got {n}")
    w = np.exp(lw - lw.max())
    return Estimate(float(lw.max() + np.log(w.mean())), float(w.std(ddof=1) / (np.sqrt(n) * w.mean())))


# --------------------------------------------------------------------------- the physics target


def double_well_energy(x, barrier: float = 2.0, tilt: float = 0.5):
    r"""Energy of the chapter's two-dimensional double well,

    .. math::

        U(x_1, x_2) = a\,(x_1^2 - 1)^2 + h\,x_1 + \tfrac12 x_2^2,

    with barrier height :math:`a` (``barrier``) between the wells near :math:`x_1=\pm1` and a
    ``tilt`` :math:`h` that lowers the left well. ``x`` is an array or a tensor (n, 2); the
    result has the same type, shape (n,).
    """
    a = float(check_scalar(barrier, "barrier", minimum=0))
    h = float(check_scalar(tilt, "tilt"))
    if isinstance(x, torch.Tensor):
        check_tensor(x, "x", ndim=2, features=2, nonempty=True)
    else:
        x = as_float_array(x, "x", ndim=2, nonempty=True)
        if x.shape[1] != 2:
            raise ValueError(f"x must have 2 columns (x1, x2), got {x.shape[1]}")
    x1, x2 = x[:, 0], x[:, 1]
    return a * (x1**2 - 1) ** 2 + h * x1 + 0.5 * x2**2
