r"""Energy-based models: a neural energy, Langevin sampling, contrastive divergence with
persistent chains, denoising score matching and annealed importance sampling (chapter
"Energy-based models").

A model of continuous data :math:`\boldsymbol x\in\mathbb R^d` is an energy
:math:`E_\theta(\boldsymbol x)` and the density

.. math::

    p_\theta(\boldsymbol x) = \frac{e^{-E_\theta(\boldsymbol x)}}{Z_\theta},\qquad
    Z_\theta = \int e^{-E_\theta(\boldsymbol x)}\,d\boldsymbol x .

Contents:

* :class:`EnergyNet`, a small MLP energy (torch, SiLU so that :math:`\nabla_x E` is smooth);
* :func:`langevin`, the unadjusted Langevin algorithm (ULA), and
  :func:`ula_gaussian_variance`, its exact stationary variance on a Gaussian energy;
* :func:`fit_pcd`, maximum likelihood with persistent Langevin chains (positive minus
  negative phase);
* :func:`dsm_loss` and :func:`fit_dsm`, denoising score matching (Vincent 2011);
* :func:`grid_log_partition`, :math:`\ln Z` of a 2D energy by quadrature on a grid;
* :func:`ais_log_partition`, annealed importance sampling (Neal 2001) of :math:`\ln Z` of a
  binary RBM (``physml.rbm.BinaryRBM``), with its error bar.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.special import logsumexp
from torch import nn

from ._validate import (
    as_device,
    as_float_array,
    as_rng,
    check_callable,
    check_finite_loss,
    check_int,
    check_learning_rate,
    check_scalar,
    check_tensor,
    param_dtype,
)
from .progress import progress
from .rbm import BinaryRBM, _sigmoid, _softplus

__all__ = [
    "EnergyNet",
    "langevin",
    "ula_gaussian_variance",
    "fit_pcd",
    "dsm_loss",
    "fit_dsm",
    "grid_log_partition",
    "AISResult",
    "ais_log_partition",
]


# --------------------------------------------------------------------------- the energy


class EnergyNet(nn.Module):
    r"""A neural energy :math:`E_\theta(\boldsymbol x)`: an MLP from :math:`\mathbb R^d` to a number.

    ``depth`` hidden layers of ``width`` SiLU units, a linear output, plus the confining term
    :math:`\lVert\boldsymbol x\rVert^2/(2 s^2)` with ``s = confine`` (a wide Gaussian
    envelope that keeps :math:`Z_\theta` finite whatever the network does far from the data).
    """

    def __init__(self, dim: int = 2, width: int = 64, depth: int = 2, confine: float = 4.0):
        super().__init__()
        self.dim = check_int(dim, "dim", minimum=1)
        width = check_int(width, "width", minimum=1)
        depth = check_int(depth, "depth", minimum=1)
        self.confine = float(check_scalar(confine, "confine", minimum=0, include_min=False))
        layers: list[nn.Module] = [nn.Linear(self.dim, width), nn.SiLU()]
        for _ in range(depth - 1):
            layers += [nn.Linear(width, width), nn.SiLU()]
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Energies of the rows of ``x`` (n, dim), shape (n,)."""
        check_tensor(x, "x", ndim=2, features=self.dim, dtype=param_dtype(self))
        return self.net(x).squeeze(-1) + (x * x).sum(-1) / (2 * self.confine**2)


def _check_width(model: nn.Module, X: np.ndarray, name: str = "data") -> None:
    dim = getattr(model, "dim", None)
    if dim is not None and X.shape[1] != dim:
        raise ValueError(f"{name} must have shape (n, {dim}) for this model, got {X.shape}")


def _energy_grad(energy, x: torch.Tensor, create_graph: bool = False) -> torch.Tensor:
    r""":math:`\nabla_{\boldsymbol x} E(\boldsymbol x)` for every row of ``x`` (the energies of different
    rows do not depend on each other, so the gradient of their sum is the per-row gradient)."""
    with torch.enable_grad():
        x = x if x.requires_grad else x.detach().requires_grad_(True)
        e = energy(x)
        (g,) = torch.autograd.grad(e.sum(), x, create_graph=create_graph)
    return g


# --------------------------------------------------------------------------- Langevin sampling


def _langevin(energy, x: torch.Tensor, step_size: float, n_steps: int, gen: torch.Generator) -> torch.Tensor:
    r"""The ULA loop: :math:`\boldsymbol x\leftarrow\boldsymbol x - \epsilon\nabla E(\boldsymbol x)
    + \sqrt{2\epsilon}\,\boldsymbol\xi`, :math:`\boldsymbol\xi\sim\mathcal N(0, I)`."""
    noise = (2.0 * step_size) ** 0.5
    for _ in range(n_steps):
        g = _energy_grad(energy, x)
        xi = torch.randn(x.shape, generator=gen, device=x.device, dtype=x.dtype)
        x = (x - step_size * g + noise * xi).detach()
    return x


def langevin(energy, x, step_size: float, n_steps: int, seed: int = 0, device="cpu") -> np.ndarray:
    r"""Run the unadjusted Langevin algorithm from every row of ``x`` (one chain per row).

    .. math::

        \boldsymbol x_{k+1} = \boldsymbol x_k - \epsilon\,\nabla E(\boldsymbol x_k)
        + \sqrt{2\epsilon}\,\boldsymbol\xi_k,\qquad \boldsymbol\xi_k\sim\mathcal N(0, I),

    the Euler–Maruyama step of the overdamped Langevin equation, whose stationary density is
    :math:`e^{-E}/Z`. At finite :math:`\epsilon` the chain's stationary law is biased by
    :math:`O(\epsilon)` (:func:`ula_gaussian_variance`; no Metropolis correction).
    ``energy`` maps a float32 tensor (n, d) to energies (n,) (an :class:`EnergyNet` or any
    differentiable function). Returns the final states (n, d) as a NumPy array.
    """
    check_callable(energy, "energy", "a function from a tensor (n, d) to energies (n,)")
    x0 = as_float_array(x, "x", ndim=2, nonempty=True)
    step_size = float(check_scalar(step_size, "step_size", minimum=0, include_min=False))
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    seed = check_int(seed, "seed", minimum=0)
    device = as_device(device)
    xt = torch.as_tensor(x0, dtype=torch.float32, device=device)
    with torch.no_grad():
        e = energy(xt)
    if not isinstance(e, torch.Tensor) or e.shape != (len(x0),):
        raise ValueError(f"energy must return one energy per row of x, shape ({len(x0)},)")
    gen = torch.Generator(device=device).manual_seed(seed)
    out = _langevin(energy, xt, step_size, n_steps, gen).cpu().numpy().astype(float)
    if not np.all(np.isfinite(out)):
        raise FloatingPointError("langevin: the chains diverged (NaN or inf); use a smaller step_size")
    return out


def ula_gaussian_variance(sigma: float, step_size: float) -> float:
    r"""Exact stationary variance of ULA on the Gaussian energy :math:`E = x^2/(2\sigma^2)`.

    One step is the linear recursion :math:`x' = (1 - \epsilon/\sigma^2)x + \sqrt{2\epsilon}\,\xi`,
    whose stationary variance solves :math:`v = (1-\epsilon/\sigma^2)^2 v + 2\epsilon`:

    .. math::

        v = \frac{\sigma^2}{1 - \epsilon/(2\sigma^2)},

    larger than :math:`\sigma^2` by :math:`\epsilon/2` to first order. The chain is stable only
    for :math:`\epsilon < 2\sigma^2`.
    """
    sigma = float(check_scalar(sigma, "sigma", minimum=0, include_min=False))
    step_size = float(check_scalar(step_size, "step_size", minimum=0, include_min=False))
    ratio = step_size / sigma / sigma
    if not ratio < 2.0:
        raise ValueError(
            f"step_size must be < 2 sigma^2 = {2 * sigma * sigma:g} (ULA diverges), got {step_size}"
        )
    return sigma * sigma / (1.0 - ratio / 2.0)


# --------------------------------------------------------------------------- maximum likelihood (PCD)


def fit_pcd(
    model: nn.Module,
    data,
    *,
    steps: int = 1000,
    batch_size: int = 128,
    n_chains: int = 1000,
    langevin_steps: int = 20,
    step_size: float = 0.01,
    restart: float = 0.05,
    lr: float = 2e-3,
    alpha: float = 0.01,
    seed: int = 0,
    device="cpu",
) -> dict:
    r"""Maximum-likelihood training of an energy ``model`` with persistent Langevin chains.

    The gradient of the mean log-likelihood is the positive minus the negative phase,

    .. math::

        \nabla_\theta\,\overline{\ln p_\theta} = -\big\langle\nabla_\theta E_\theta\big\rangle_{\text{data}}
        + \big\langle\nabla_\theta E_\theta\big\rangle_{\text{model}},

    so each step minimises the surrogate :math:`\overline{E_\theta}(\text{batch}) -
    \overline{E_\theta}(\text{chains}) + \alpha\,\overline{E_\theta^2}` (the last term, on
    both sets, keeps the energies of order one). The negative phase averages over
    ``batch_size`` of ``n_chains`` persistent chains, each advanced ``langevin_steps`` ULA steps
    per update; a fraction ``restart`` of them is restarted from uniform noise over the data's
    bounding box (a replay buffer, Du and Mordatch 2019). Adam with ``lr``, decayed linearly to zero.

    Returns ``{"loss": [...], "gap": [...], "chains": array}``: the surrogate, the energy gap
    :math:`\overline E(\text{data}) - \overline E(\text{chains})` per step, and the chains at the end.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module energy, got {type(model).__name__}")
    X = as_float_array(data, "data", ndim=2, nonempty=True)
    _check_width(model, X)
    steps = check_int(steps, "steps", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    n_chains = check_int(n_chains, "n_chains", minimum=1)
    if batch_size > n_chains:
        raise ValueError(f"batch_size must be <= n_chains = {n_chains}, got {batch_size}")
    langevin_steps = check_int(langevin_steps, "langevin_steps", minimum=1)
    step_size = float(check_scalar(step_size, "step_size", minimum=0, include_min=False))
    restart = float(check_scalar(restart, "restart", minimum=0, maximum=1))
    lr = check_learning_rate(lr)
    alpha = float(check_scalar(alpha, "alpha", minimum=0))
    seed = check_int(seed, "seed", minimum=0)
    device = as_device(device)
    model.to(device)
    dtype = param_dtype(model, torch.float32)
    Xt = torch.as_tensor(X, dtype=dtype, device=device)
    lo, hi = Xt.min(0).values, Xt.max(0).values
    gen = torch.Generator(device=device).manual_seed(seed)

    def uniform(n: int) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand((n, X.shape[1]), generator=gen, device=device, dtype=dtype)

    chains = uniform(n_chains)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    decay = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: 1.0 - k / steps)
    history: dict = {"loss": [], "gap": []}
    for step in progress(range(steps), desc="PCD steps"):
        idx = torch.randint(0, len(Xt), (batch_size,), generator=gen, device=device)
        pick = torch.randperm(n_chains, generator=gen, device=device)[:batch_size]
        start = chains[pick]
        fresh = torch.rand(batch_size, generator=gen, device=device) < restart
        start = torch.where(fresh[:, None], uniform(batch_size), start)
        negative = _langevin(model, start, step_size, langevin_steps, gen)
        chains[pick] = negative
        e_pos, e_neg = model(Xt[idx]), model(negative)
        loss = e_pos.mean() - e_neg.mean() + alpha * (e_pos.pow(2).mean() + e_neg.pow(2).mean())
        check_finite_loss(loss.item(), step)
        opt.zero_grad()
        loss.backward()
        opt.step()
        decay.step()
        history["loss"].append(loss.item())
        history["gap"].append((e_pos.mean() - e_neg.mean()).item())
    history["chains"] = chains.cpu().numpy().astype(float)
    return history


# --------------------------------------------------------------------------- denoising score matching


def _dsm_loss(model, x: torch.Tensor, sigma: float, gen: torch.Generator) -> torch.Tensor:
    r"""The DSM core: :math:`\tilde{\boldsymbol x} = \boldsymbol x + \sigma\boldsymbol\epsilon`,
    mean of
    :math:`\lVert\boldsymbol\epsilon - \sigma\nabla_{\tilde x}E_\theta(\tilde{\boldsymbol x})\rVert^2`."""
    eps = torch.randn(x.shape, generator=gen, device=x.device, dtype=x.dtype)
    noisy = (x + sigma * eps).requires_grad_(True)
    grad = _energy_grad(model, noisy, create_graph=True)
    return ((eps - sigma * grad) ** 2).sum(-1).mean()


def dsm_loss(model: nn.Module, x: torch.Tensor, sigma: float, seed: int = 0) -> torch.Tensor:
    r"""Denoising score-matching loss of an energy model, in the noise-prediction form.

    With the model's score :math:`\boldsymbol s_\theta = -\nabla_x E_\theta` and noisy data
    :math:`\tilde{\boldsymbol x} = \boldsymbol x + \sigma\boldsymbol\epsilon`, Vincent's (2011)
    objective
    :math:`\mathbb E\lVert\boldsymbol s_\theta(\tilde{\boldsymbol x}) + \boldsymbol\epsilon/\sigma\rVert^2`
    times :math:`\sigma^2` is

    .. math::

        L_{\text{DSM}}(\theta) = \mathbb E_{\boldsymbol x,\boldsymbol\epsilon}
        \big\lVert\boldsymbol\epsilon - \boldsymbol\epsilon_\theta(\tilde{\boldsymbol x})\big\rVert^2,
        \qquad \boldsymbol\epsilon_\theta = -\sigma\,\boldsymbol s_\theta = \sigma\nabla_x E_\theta,

    the diffusion chapter's noise-prediction loss at one noise level. Its minimiser is the
    score of the noised data, :math:`\boldsymbol s^\ast = \nabla\ln q_\sigma`. ``x`` is a
    batch (n, d) of the model's dtype; the noise is drawn with ``seed``.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module energy, got {type(model).__name__}")
    check_tensor(x, "x", ndim=2, nonempty=True, finite=True, dtype=param_dtype(model))
    sigma = float(check_scalar(sigma, "sigma", minimum=0, include_min=False))
    seed = check_int(seed, "seed", minimum=0)
    gen = torch.Generator(device=x.device).manual_seed(seed)
    loss = _dsm_loss(model, x, sigma, gen)
    if not bool(torch.isfinite(loss)):
        raise FloatingPointError(f"dsm_loss is {loss.item()} (sigma = {sigma:g} too large for float32?)")
    return loss


def fit_dsm(
    model: nn.Module,
    data,
    sigma: float,
    *,
    steps: int = 2000,
    batch_size: int = 256,
    lr: float = 2e-3,
    seed: int = 0,
    device="cpu",
) -> dict:
    r"""Train an energy ``model`` by denoising score matching (:func:`dsm_loss`) at noise ``sigma``.

    Mini-batches drawn with replacement, fresh noise at every step, Adam with ``lr`` decayed
    linearly to zero. Returns ``{"loss": [...]}``; a NaN or infinite loss stops training.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module energy, got {type(model).__name__}")
    X = as_float_array(data, "data", ndim=2, nonempty=True)
    _check_width(model, X)
    sigma = float(check_scalar(sigma, "sigma", minimum=0, include_min=False))
    steps = check_int(steps, "steps", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    lr = check_learning_rate(lr)
    seed = check_int(seed, "seed", minimum=0)
    device = as_device(device)
    model.to(device)
    Xt = torch.as_tensor(X, dtype=param_dtype(model, torch.float32), device=device)
    gen = torch.Generator(device=device).manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    decay = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: 1.0 - k / steps)
    history: dict = {"loss": []}
    for step in progress(range(steps), desc="DSM steps"):
        idx = torch.randint(0, len(Xt), (batch_size,), generator=gen, device=device)
        loss = _dsm_loss(model, Xt[idx], sigma, gen)
        check_finite_loss(loss.item(), step)
        opt.zero_grad()
        loss.backward()
        opt.step()
        decay.step()
        history["loss"].append(loss.item())
    return history


# --------------------------------------------------------------------------- log Z of a 2D energy


def grid_log_partition(
    energy, bounds, n_grid: int = 200, device="cpu"
) -> tuple[float, np.ndarray, np.ndarray]:
    r""":math:`\ln Z = \ln\int e^{-E(\boldsymbol x)}d\boldsymbol x` of a 2D energy by the midpoint rule.

    ``bounds = (lo, hi)`` is the square :math:`[lo, hi]^2`, cut into ``n_grid``² cells;
    :math:`\ln Z \approx \operatorname{logsumexp}(-E(\boldsymbol x_c)) + \ln\Delta A`. The
    error is that of the rule (:math:`O(\Delta^2)` for a smooth energy) plus the mass outside
    the square. Returns ``(log_z, grid_axis, energies (n_grid, n_grid))`` (row = y, column = x).
    """
    check_callable(energy, "energy", "a function from a tensor (n, 2) to energies (n,)")
    b = as_float_array(bounds, "bounds", ndim=1)
    if b.shape != (2,) or not b[0] < b[1]:
        raise ValueError(f"bounds must be (lo, hi) with lo < hi, got {b.tolist()}")
    n_grid = check_int(n_grid, "n_grid", minimum=2, maximum=2000)
    device = as_device(device)
    h = (b[1] - b[0]) / n_grid
    axis = b[0] + h * (np.arange(n_grid) + 0.5)
    gx, gy = np.meshgrid(axis, axis)
    pts = torch.as_tensor(np.column_stack([gx.ravel(), gy.ravel()]), dtype=torch.float32, device=device)
    with torch.no_grad():
        e = energy(pts)
    if not isinstance(e, torch.Tensor) or e.shape != (len(pts),):
        raise ValueError("energy must return one energy per row, shape (n,)")
    e = e.cpu().numpy().astype(float)
    if not np.all(np.isfinite(e)):
        raise FloatingPointError("energy returned NaN or inf on the grid")
    return float(logsumexp(-e) + 2 * np.log(h)), axis, e.reshape(n_grid, n_grid)


# --------------------------------------------------------------------------- annealed importance sampling


@dataclass(frozen=True)
class AISResult:
    r"""An AIS estimate: ``log_z`` :math:`=\ln\overline{w}` over the runs, its ``error`` (delta method,
    :math:`\mathrm{sd}(w)/(\overline w\sqrt n)`), the ``log_weights`` of the runs and the
    effective sample size ``ess`` :math:`=(\sum w)^2/\sum w^2`."""

    log_z: float
    error: float
    log_weights: np.ndarray
    ess: float


def _rbm_log_f(rbm: BinaryRBM, x: np.ndarray, beta: float, base: np.ndarray) -> np.ndarray:
    r"""Unnormalised :math:`\ln f_\beta(\boldsymbol x) = (1-\beta)\boldsymbol a_0^\top\boldsymbol x
    + \beta\boldsymbol a^\top\boldsymbol x + \sum_j\ln(1 + e^{\beta(b_j + (\boldsymbol x^\top W)_j)})`."""
    return x @ ((1 - beta) * base + beta * rbm.a) + _softplus(beta * (rbm.b + x @ rbm.W)).sum(axis=1)


def ais_log_partition(
    rbm: BinaryRBM, n_runs: int = 500, n_betas: int = 1000, seed: int = 0, base_bias=None
) -> AISResult:
    r"""Annealed importance sampling (Neal 2001) of :math:`\ln Z` of a binary RBM
    (Salakhutdinov and Murray 2008).

    The intermediate distributions

    .. math::

        f_\beta(\boldsymbol x) =
        e^{(1-\beta)\boldsymbol a_0^\top\boldsymbol x + \beta\boldsymbol a^\top\boldsymbol x}
        \prod_{j=1}^N\big(1 + e^{\beta(b_j + (\boldsymbol x^\top\boldsymbol W)_j)}\big)

    run from independent visible units with biases :math:`\boldsymbol a_0` (``base_bias``, zero
    by default; :math:`Z_0 = 2^N\prod_i(1 + e^{a_{0,i}})`) at :math:`\beta = 0` to the RBM at
    :math:`\beta = 1`, on ``n_betas`` equally spaced values. Each of ``n_runs`` runs draws
    :math:`\boldsymbol x_0` from the base and moves it with one block Gibbs step of
    :math:`f_{\beta_k}` at each :math:`k`, accumulating

    .. math::

        \ln w = \sum_{k=1}^{K}\big[\ln f_{\beta_k}(\boldsymbol x_{k-1})
        - \ln f_{\beta_{k-1}}(\boldsymbol x_{k-1})\big],
        \qquad \mathbb E[w] = Z/Z_0 .

    The estimate :math:`\ln Z_0 + \ln\overline w` is biased low by about :math:`\sigma^2/2`
    (Jensen); its error is the delta-method standard error of :math:`\ln\overline w`.
    """
    if not isinstance(rbm, BinaryRBM):
        raise TypeError(f"rbm must be a physml.rbm.BinaryRBM, got {type(rbm).__name__}")
    n_runs = check_int(n_runs, "n_runs", minimum=2)
    n_betas = check_int(n_betas, "n_betas", minimum=2)
    rng = as_rng(seed)
    if base_bias is None:
        base = np.zeros(rbm.n_visible)
    else:
        base = as_float_array(base_bias, "base_bias", ndim=1)
        if base.shape != (rbm.n_visible,):
            raise ValueError(f"base_bias must have shape ({rbm.n_visible},), got {base.shape}")
    betas = np.linspace(0.0, 1.0, n_betas)
    log_z0 = float(_softplus(base).sum() + rbm.n_hidden * np.log(2.0))
    x = (rng.random((n_runs, rbm.n_visible)) < _sigmoid(base)).astype(float)
    log_w = np.zeros(n_runs)
    for k in range(1, n_betas):
        b_prev, b = betas[k - 1], betas[k]
        log_w += _rbm_log_f(rbm, x, b, base) - _rbm_log_f(rbm, x, b_prev, base)
        # one block Gibbs step that leaves f_b invariant
        h = (rng.random((n_runs, rbm.n_hidden)) < _sigmoid(b * (rbm.b + x @ rbm.W))).astype(float)
        x = (rng.random(x.shape) < _sigmoid((1 - b) * base + b * (rbm.a + h @ rbm.W.T))).astype(float)
    if not np.all(np.isfinite(log_w)):
        raise FloatingPointError("ais_log_partition: a log-weight is NaN or inf")
    w = np.exp(log_w - log_w.max())
    mean = w.mean()
    error = float(w.std(ddof=1) / (mean * np.sqrt(n_runs)))
    ess = float(w.sum() ** 2 / (w**2).sum())
    return AISResult(log_z0 + float(np.log(mean) + log_w.max()), error, log_w, ess)
