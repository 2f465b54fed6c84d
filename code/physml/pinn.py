r"""Physics-informed neural networks and a finite-difference reference, for the chapter
"Physics-informed neural networks".

* :func:`network` builds the small tanh MLP :math:`N(\boldsymbol z; \Theta)` of every
  experiment; :func:`derivative` differentiates a network output with respect to its
  input by autograd, keeping the graph so that the result can be differentiated again;
* trial solutions that satisfy the initial and boundary conditions by construction
  (Lagaris et al. 1998): :class:`DecayTrial`, :class:`OscillatorTrial`, :class:`HeatTrial`,
  and the unconstrained :class:`SoftHeat` whose conditions enter the loss as penalties;
* residual losses (:func:`decay_loss`, :func:`oscillator_loss`, :func:`heat_loss`,
  :func:`soft_heat_loss`) on collocation points (:func:`collocation_1d`,
  :func:`collocation_2d`), and the training loop :func:`train_pinn` (Adam, then L-BFGS);
* :func:`relative_l2` measures a solution against the analytic one;
* :func:`ftcs_heat` is the explicit forward-time centred-space scheme for
  :math:`u_t = u_{xx}`, with its stability limit :math:`\Delta t/\Delta x^2 \le 1/2`.

The trial solutions' forward passes check the type, dtype (that of the network's weights,
float64) and shape of their input only: NaN/inf values pass through them (torch's IEEE
semantics). The losses and :func:`train_pinn` refuse NaN/inf collocation points.

Everything runs unchanged on a GPU: pass ``device="cuda"``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from ._validate import (
    as_float_array,
    as_rng,
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
from .torchtools import as_device, mlp

DTYPE = torch.float64  # second derivatives of small networks: double precision costs little here
FTCS_STABILITY_LIMIT = 0.5
#: The most time steps :func:`ftcs_heat` takes (a t_end of 1e300 would never finish).
FTCS_MAX_STEPS = 10**7


# --- checks (cheap: types, dtypes and shapes, and one pass over the points of a loss) -----------


def _check_net(net, name: str = "net") -> nn.Module:
    return check_type(net, nn.Module, name, "torch.nn.Module")


def _check_points(z, name: str, columns: int, grad: bool = True) -> torch.Tensor:
    """Finite points as a real (n, columns) tensor (that requires grad, for the derivatives of a loss)."""
    check_tensor(z, name, ndim=2, features=columns, finite=True)
    if z.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one point")
    if grad and not z.requires_grad:
        raise ValueError(f"{name} must require grad (make it with collocation_1d or collocation_2d)")
    return z


def _evaluate(model: nn.Module, z: torch.Tensor, name: str) -> torch.Tensor:
    """``model(z)``, one value per point, with an error naming the model if they do not fit."""
    try:
        u = model(z)
    except (RuntimeError, ValueError, TypeError) as err:
        raise ValueError(f"model cannot be evaluated at {name} of shape {tuple(z.shape)}: {err}") from None
    if not isinstance(u, torch.Tensor) or u.shape != (z.shape[0], 1):
        raise ValueError(f"model must return one value per point of {name}, shape ({z.shape[0]}, 1)")
    return u


# --- networks and derivatives --------------------------------------------------------------


def network(n_in: int, width: int = 32, depth: int = 2, seed: int = 0, device="cpu") -> nn.Sequential:
    r"""A tanh MLP :math:`N: \mathbb R^{n_\mathrm{in}} \to \mathbb R`: ``depth`` layers of ``width``.

    tanh (not ReLU) because the residual of a second-order equation needs second
    derivatives of :math:`N`, and those of a ReLU network vanish almost everywhere.
    The weights are drawn from torch's generator seeded with ``seed``.
    """
    n_in = check_int(n_in, "n_in", minimum=1)
    width = check_int(width, "width", minimum=1)
    depth = check_int(depth, "depth", minimum=1)
    torch.manual_seed(check_int(seed, "seed", minimum=0))  # only the generator: no global torch flags
    return mlp([n_in] + [width] * depth + [1], activation="tanh").to(device=as_device(device), dtype=DTYPE)


def derivative(u: torch.Tensor, z: torch.Tensor, order: int = 1, column: int = 0) -> torch.Tensor:
    r"""The derivative :math:`\partial^k u/\partial z_c^k` of ``u`` (one value per row of ``z``) by autograd.

    ``z`` has shape ``(n, d)`` and ``requires_grad``; ``u`` has shape ``(n, 1)`` and row
    :math:`i` depends on row :math:`i` of ``z`` only (a network applied point by point), so
    the gradient of :math:`\sum_i u_i` is the matrix of the pointwise derivatives.
    ``create_graph=True`` keeps the result differentiable: for a second derivative, and
    because the loss is differentiated once more with respect to the parameters.
    """
    order = check_int(order, "order", minimum=1)
    column = check_int(column, "column", minimum=0)
    if not isinstance(z, torch.Tensor) or not z.requires_grad:
        raise ValueError("z must be a torch.Tensor with requires_grad=True")
    if z.ndim != 2 or not 0 <= column < z.shape[1]:
        raise ValueError(
            f"z must have shape (n, d) and column must be in [0, d), got {tuple(z.shape)}, {column}"
        )
    check_tensor(u, "u")
    if u.shape != (z.shape[0], 1):
        raise ValueError(f"u must have one value per row of z, shape ({z.shape[0]}, 1), got {tuple(u.shape)}")
    for _ in range(order):
        try:
            (grad,) = torch.autograd.grad(u.sum(), z, create_graph=True)
        except RuntimeError as err:
            raise ValueError(
                f"u cannot be differentiated with respect to z (compute u from z): {err}"
            ) from None
        u = grad[:, column : column + 1]
    return u


# --- trial solutions -------------------------------------------------------------------------


class DecayTrial(nn.Module):
    r"""Trial solution of :math:`u' = -\gamma u`, :math:`u(0) = u_0`: :math:`\hat u(t) = u_0 + t\,N(t)`.

    At :math:`t = 0` the second term vanishes whatever the network, so the initial
    condition holds exactly (Lagaris et al. 1998). The network sees :math:`t/t_s`
    (``t_scale``: the length of the time interval), an input of order one.
    """

    def __init__(self, net: nn.Module, u0: float = 1.0, t_scale: float = 1.0):
        super().__init__()
        self.net = _check_net(net)
        self.u0 = float(check_scalar(u0, "u0"))
        self.t_scale = float(check_scalar(t_scale, "t_scale", minimum=0.0, include_min=False))

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        check_tensor(t, "t", ndim=2, features=1, dtype=param_dtype(self))
        return self.u0 + t * self.net(t / self.t_scale)


class OscillatorTrial(nn.Module):
    r"""Trial solution of a second-order initial-value problem, :math:`\hat x = x_0 + v_0 t + \tau^2 N(\tau)`.

    :math:`\hat x(0) = x_0` and :math:`\hat x'(0) = v_0` for any network. With
    :math:`\tau = t/t_s` (``t_scale``) the correction is written :math:`\tau^2 N(\tau)`, so
    that input and output of the network are of order one on :math:`[0, t_s]`.
    """

    def __init__(self, net: nn.Module, x0: float = 1.0, v0: float = 0.0, t_scale: float = 1.0):
        super().__init__()
        self.net = _check_net(net)
        self.x0 = float(check_scalar(x0, "x0"))
        self.v0 = float(check_scalar(v0, "v0"))
        self.t_scale = float(check_scalar(t_scale, "t_scale", minimum=0.0, include_min=False))

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        check_tensor(t, "t", ndim=2, features=1, dtype=param_dtype(self))
        tau = t / self.t_scale
        return self.x0 + self.v0 * t + tau**2 * self.net(tau)


class HeatTrial(nn.Module):
    r"""Trial solution of the heat equation, :math:`\hat u(x, t) = \sin(\pi x) + s\,t\,x(1-x)\,N(x, t)`.

    At :math:`t = 0` it is the initial profile :math:`\sin\pi x`, and at :math:`x = 0` and
    :math:`x = 1` it is zero for every :math:`t`: the network only has to make the
    residual :math:`\hat u_t - \hat u_{xx}` vanish inside. Input columns: ``(x, t)``. The
    constant :math:`s` (``scale``) sets the size of the correction: at :math:`t = 0` the
    equation demands :math:`\hat u_t = u_{xx} = -\pi^2\sin\pi x`, so :math:`s = \pi^2`
    lets a network with outputs of order one represent it.
    """

    def __init__(self, net: nn.Module, scale: float = 1.0):
        super().__init__()
        self.net = _check_net(net)
        self.scale = float(check_scalar(scale, "scale", minimum=0.0, include_min=False))

    def forward(self, xt: torch.Tensor) -> torch.Tensor:
        check_tensor(xt, "xt", ndim=2, features=2, dtype=param_dtype(self))
        x, t = xt[:, :1], xt[:, 1:2]
        return torch.sin(math.pi * x) + self.scale * t * x * (1 - x) * self.net(xt)


class SoftHeat(nn.Module):
    r"""The bare network :math:`\hat u(x, t) = N(x, t)`: conditions are imposed by :func:`soft_heat_loss`."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = _check_net(net)

    def forward(self, xt: torch.Tensor) -> torch.Tensor:
        check_tensor(xt, "xt", ndim=2, features=2, dtype=param_dtype(self))
        return self.net(xt)


# --- exact solutions -----------------------------------------------------------------------


def decay_exact(t, gamma: float = 1.0, u0: float = 1.0) -> np.ndarray:
    r""":math:`u(t) = u_0 e^{-\gamma t}`."""
    t = as_float_array(t, "t", nonempty=True)
    check_scalar(gamma, "gamma")
    check_scalar(u0, "u0")
    return u0 * np.exp(-gamma * t)


def oscillator_exact(
    t, omega: float = 2.0, zeta: float = 0.1, x0: float = 1.0, v0: float = 0.0
) -> np.ndarray:
    r"""Underdamped oscillator :math:`x'' + 2\zeta\omega x' + \omega^2 x = 0` (:math:`0 \le \zeta < 1`).

    .. math:: x(t) = e^{-\zeta\omega t}\left[x_0\cos\omega_d t
              + \frac{v_0 + \zeta\omega x_0}{\omega_d}\sin\omega_d t\right],

    :math:`\omega_d = \omega\sqrt{1-\zeta^2}`.
    """
    t = as_float_array(t, "t", nonempty=True)
    check_scalar(omega, "omega", minimum=0.0, include_min=False)
    check_scalar(zeta, "zeta", minimum=0.0, maximum=1.0, include_max=False)
    check_scalar(x0, "x0")
    check_scalar(v0, "v0")
    wd = omega * math.sqrt(1 - zeta**2)
    return np.exp(-zeta * omega * t) * (x0 * np.cos(wd * t) + (v0 + zeta * omega * x0) / wd * np.sin(wd * t))


def heat_exact(x, t) -> np.ndarray:
    r""":math:`u(x, t) = e^{-\pi^2 t}\sin(\pi x)`, solving :math:`u_t = u_{xx}`,
    :math:`u(x, 0) = \sin\pi x`, zero ends."""
    x, t = _broadcast(as_float_array(x, "x", nonempty=True), as_float_array(t, "t", nonempty=True))
    return np.exp(-(math.pi**2) * t) * np.sin(math.pi * x)


def _broadcast(
    x: np.ndarray, t: np.ndarray, names: tuple[str, str] = ("x", "t")
) -> tuple[np.ndarray, np.ndarray]:
    try:
        return np.broadcast_arrays(x, t)
    except ValueError:
        raise ValueError(
            f"{names[0]} and {names[1]} must have shapes that broadcast, got {x.shape} and {t.shape}"
        ) from None


# --- collocation points and losses --------------------------------------------------------


def collocation_1d(n: int, t_max: float, device="cpu") -> torch.Tensor:
    """``n`` equally spaced points of :math:`[0, t_\\max]` as an ``(n, 1)`` tensor that requires grad."""
    n = check_int(n, "n", minimum=2)
    t_max = check_scalar(t_max, "t_max", minimum=0.0, include_min=False)
    t = torch.linspace(0.0, t_max, n, dtype=DTYPE, device=as_device(device))
    return t[:, None].requires_grad_(True)


def collocation_2d(
    n: int, t_max: float, seed: int = 0, device="cpu", x_range: tuple[float, float] = (0.0, 1.0)
) -> torch.Tensor:
    """``n`` uniform random points ``(x, t)`` of :math:`[a, b]\\times[0, t_\\max]`, ``x_range = (a, b)``."""
    n = check_int(n, "n", minimum=1)
    t_max = check_scalar(t_max, "t_max", minimum=0.0, include_min=False)
    if isinstance(x_range, (str, bytes)) or not isinstance(x_range, (list, tuple)) or len(x_range) != 2:
        raise TypeError(f"x_range must be a pair (a, b), got {x_range!r}")
    a, b = (check_scalar(v, "x_range") for v in x_range)
    if not a < b:
        raise ValueError(f"x_range must be (a, b) with a < b, got {x_range}")
    gen = torch.Generator().manual_seed(check_int(seed, "seed", minimum=0))
    z = torch.rand(n, 2, generator=gen, dtype=DTYPE) * torch.tensor([b - a, t_max], dtype=DTYPE)
    z[:, 0] += a
    return z.to(as_device(device)).requires_grad_(True)


def decay_loss(model: nn.Module, t: torch.Tensor, gamma: float = 1.0) -> torch.Tensor:
    r"""Mean squared residual :math:`\frac1n\sum_i (\hat u'(t_i) + \gamma \hat u(t_i))^2`."""
    _check_net(model, "model")
    _check_points(t, "t", 1)
    check_scalar(gamma, "gamma")
    u = _evaluate(model, t, "t")
    return ((derivative(u, t) + gamma * u) ** 2).mean()


def _check_coefficients(omega: float, zeta: float, dtype: torch.dtype) -> None:
    """The oscillator's coefficients omega^2 and 2 zeta omega must be numbers in ``dtype``
    (``1e300**2`` overflows: a Python float raises, a tensor turns to inf and the loss to NaN)."""
    limit = torch.finfo(dtype).max
    for coefficient, name in ((omega * omega, "omega"), (2 * zeta * omega, "zeta")):
        if not abs(coefficient) <= limit:
            raise ValueError(
                f"{name}: the coefficients omega^2 = {omega * omega:.3g} and 2 zeta omega = "
                f"{2 * zeta * omega:.3g} must be below {limit:.3g} ({dtype})"
            )


def oscillator_loss(model: nn.Module, t: torch.Tensor, omega: float = 2.0, zeta: float = 0.1) -> torch.Tensor:
    r"""Mean squared residual :math:`\frac1n\sum_i (\hat x'' + 2\zeta\omega\hat x' + \omega^2\hat x)^2`."""
    _check_net(model, "model")
    _check_points(t, "t", 1)
    check_scalar(omega, "omega")
    check_scalar(zeta, "zeta")
    x = _evaluate(model, t, "t")
    _check_coefficients(omega, zeta, x.dtype)
    dx = derivative(x, t)
    d2x = derivative(dx, t)
    return ((d2x + 2 * zeta * omega * dx + omega**2 * x) ** 2).mean()


def heat_residual(model: nn.Module, xt: torch.Tensor) -> torch.Tensor:
    r"""The residual :math:`\hat u_t - \hat u_{xx}` at the points ``xt`` (columns ``x, t``)."""
    _check_net(model, "model")
    _check_points(xt, "xt", 2)
    u = _evaluate(model, xt, "xt")
    return derivative(u, xt, column=1) - derivative(u, xt, order=2, column=0)


def heat_loss(model: nn.Module, xt: torch.Tensor) -> torch.Tensor:
    r"""Mean squared residual of the heat equation, :math:`\frac1n\sum_i (\hat u_t - \hat u_{xx})^2`."""
    return (heat_residual(model, xt) ** 2).mean()


def soft_heat_loss(
    model: nn.Module, xt: torch.Tensor, n_boundary: int = 100, weight: float = 10.0
) -> torch.Tensor:
    r"""Residual plus penalties for the initial and boundary conditions:

    .. math:: C = \overline{r^2} + \lambda\,\left[\overline{(\hat u(x,0)-\sin\pi x)^2}
              + \overline{\hat u(0,t)^2} + \overline{\hat u(1,t)^2}\right].


    The initial and boundary conditions are checked on ``n_boundary`` equally spaced
    points each; ``weight`` is :math:`\lambda`. They now hold only approximately.
    """
    _check_net(model, "model")
    _check_points(xt, "xt", 2)
    n_boundary = check_int(n_boundary, "n_boundary", minimum=2)
    weight = check_scalar(weight, "weight", minimum=0.0)
    t_max = float(xt[:, 1].max().detach())
    s = torch.linspace(0.0, 1.0, n_boundary, dtype=xt.dtype, device=xt.device)[:, None]
    zero = torch.zeros_like(s)
    initial = _evaluate(model, torch.cat([s, zero], dim=1), "xt") - torch.sin(math.pi * s)
    left = _evaluate(model, torch.cat([zero, t_max * s], dim=1), "xt")
    right = _evaluate(model, torch.cat([zero + 1, t_max * s], dim=1), "xt")
    penalty = (initial**2).mean() + (left**2).mean() + (right**2).mean()
    return heat_loss(model, xt) + weight * penalty


# --- training ----------------------------------------------------------------------------


def train_pinn(
    model: nn.Module,
    loss_fn: Callable[[nn.Module, torch.Tensor], torch.Tensor],
    points: torch.Tensor,
    adam_steps: int = 2000,
    lr: float = 1e-2,
    lbfgs_steps: int = 0,
    seed: int = 0,
    num_threads: int | None = 1,
) -> dict:
    r"""Minimise ``loss_fn(model, points)``: ``adam_steps`` Adam steps, then ``lbfgs_steps`` L-BFGS ones.

    Adam's learning rate decays by a factor 10 over the run (cosine schedule). L-BFGS
    (``torch.optim.LBFGS`` with a strong-Wolfe line search) then polishes the
    minimum, which first-order methods approach slowly for these smooth, ill-conditioned
    losses. The collocation points stay fixed (full-batch training). A NaN or infinite
    loss stops training with a clear error. Returns ``{"loss": [...], "adam_steps": int}``:
    the loss before every Adam step and at every L-BFGS loss evaluation.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
    if not isinstance(points, torch.Tensor) or not points.requires_grad:
        raise ValueError("points must be a torch.Tensor with requires_grad=True (see collocation_1d)")
    check_tensor(points, "points", finite=True)
    adam_steps = check_int(adam_steps, "adam_steps", minimum=0)
    lbfgs_steps = check_int(lbfgs_steps, "lbfgs_steps", minimum=0)
    lr = check_learning_rate(lr)
    threads = torch_threads(num_threads, "num_threads")  # checks num_threads before training
    torch.manual_seed(check_int(seed, "seed", minimum=0))
    try:  # one evaluation checks that loss_fn, model and points fit together
        first = loss_fn(model, points)
    except (ValueError, TypeError) as err:
        raise type(err)(
            f"loss_fn(model, points) fails for points of shape {tuple(points.shape)}: {err}"
        ) from None
    if not isinstance(first, torch.Tensor) or first.numel() != 1:
        raise TypeError(f"loss_fn must return a scalar torch.Tensor, got {type(first).__name__}")
    history: dict = {"loss": [], "adam_steps": adam_steps}
    with threads:
        if adam_steps:
            opt = torch.optim.Adam(model.parameters(), lr=lr)
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=adam_steps, eta_min=lr / 10)
            for step in progress(range(adam_steps), desc="Adam"):
                opt.zero_grad()
                loss = loss_fn(model, points)
                loss.backward()
                value = loss.item()
                check_finite_loss(value, step)
                history["loss"].append(value)
                opt.step()
                sched.step()
        if lbfgs_steps:
            opt = torch.optim.LBFGS(
                model.parameters(), lr=1.0, max_iter=lbfgs_steps, history_size=50,
                line_search_fn="strong_wolfe", tolerance_grad=1e-12, tolerance_change=1e-15,
            )  # fmt: skip

            def closure():
                opt.zero_grad()
                loss = loss_fn(model, points)
                loss.backward()
                check_finite_loss(loss.item(), len(history["loss"]))
                history["loss"].append(loss.item())
                return loss

            opt.step(closure)
    return history


def predict(model: nn.Module, points) -> np.ndarray:
    """The model's values at ``points`` (array of shape ``(n, d)``) as a NumPy array of shape ``(n,)``."""
    _check_net(model, "model")
    points = as_float_array(points, "points", ndim=2, nonempty=True)
    param = next(model.parameters(), None)
    if param is None:
        raise ValueError("model has no parameters (no dtype or device to evaluate it with)")
    with torch.no_grad():
        z = torch.as_tensor(points, dtype=param.dtype, device=param.device)
        return _evaluate(model, z, "points")[:, 0].cpu().numpy()


def relative_l2(u, u_exact) -> float:
    r"""Relative :math:`L^2` error :math:`\lVert u - u_\mathrm{ex}\rVert_2 / \lVert u_\mathrm{ex}\rVert_2`."""
    u, u_exact = as_float_array(u, "u"), as_float_array(u_exact, "u_exact")
    if u.shape != u_exact.shape:
        raise ValueError(f"u and u_exact must have the same shape, got {u.shape} and {u_exact.shape}")
    if not np.any(u_exact):
        raise ValueError("u_exact is zero everywhere: the relative error is undefined")
    # the ratio does not change when both are divided by one number: their largest |value|
    # (the squares of values near the float limit would overflow, inf/inf is NaN)
    largest = max(np.max(np.abs(u)), np.max(np.abs(u_exact)))
    u, u_exact = u / largest, u_exact / largest
    return float(np.linalg.norm(u - u_exact) / np.linalg.norm(u_exact))


def heat_grid(nx: int = 101, nt: int = 101, t_max: float = 0.5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An evaluation grid: ``x`` (nx,), ``t`` (nt,) and the points ``(x, t)``, ``(nt*nx, 2)``, t-major."""
    x = np.linspace(0.0, 1.0, check_int(nx, "nx", minimum=2))
    t = np.linspace(
        0.0, check_scalar(t_max, "t_max", minimum=0.0, include_min=False), check_int(nt, "nt", minimum=2)
    )
    T, X = np.meshgrid(t, x, indexing="ij")
    return x, t, np.column_stack([X.ravel(), T.ravel()])


# --- finite differences --------------------------------------------------------------------


def ftcs_heat(
    nx: int, dt: float, t_end: float, allow_unstable: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    r"""Explicit FTCS scheme for :math:`u_t = u_{xx}`, :math:`u(x,0) = \sin\pi x`, zero ends.

    With :math:`\Delta x = 1/(n_x-1)` and :math:`r = \Delta t/\Delta x^2`,

    .. math:: u_j^{k+1} = u_j^k + r\,(u_{j+1}^k - 2u_j^k + u_{j-1}^k).

    The scheme is stable only for :math:`r \le 1/2` (von Neumann: the amplification factor
    of the shortest wave is :math:`1 - 4r`); above, a ``ValueError`` is raised unless
    ``allow_unstable=True`` (to watch the instability grow). ``t_end`` must be a whole
    number of steps. Returns ``x`` and ``u(x, t_end)``.
    """
    nx = check_int(nx, "nx", minimum=3)
    dt = check_scalar(dt, "dt", minimum=0.0, include_min=False)
    t_end = check_scalar(t_end, "t_end", minimum=0.0)
    if not isinstance(allow_unstable, bool):
        raise TypeError(f"allow_unstable must be a bool, got {type(allow_unstable).__name__}")
    dx = 1.0 / (nx - 1)
    r = dt / dx**2
    if r > FTCS_STABILITY_LIMIT * (1 + 1e-12) and not allow_unstable:  # dx**2 rounds
        raise ValueError(
            f"dt/dx^2 = {r:.4g} > 1/2: the explicit scheme is unstable (use dt <= {0.5 * dx**2:.4g} "
            "for this dx, or allow_unstable=True to watch it blow up)"
        )
    if t_end / dt > FTCS_MAX_STEPS:
        raise ValueError(
            f"t_end / dt = {t_end / dt:.3g} time steps: at most FTCS_MAX_STEPS = {FTCS_MAX_STEPS:.0e}"
        )
    n_steps = round(t_end / dt)
    if not math.isclose(n_steps * dt, t_end, rel_tol=1e-9, abs_tol=1e-12):
        raise ValueError(f"t_end = {t_end} must be a whole number of steps dt = {dt}")
    x = np.linspace(0.0, 1.0, nx)
    u = np.sin(np.pi * x)
    u[[0, -1]] = 0.0
    for _ in range(n_steps):
        u[1:-1] = u[1:-1] + r * (u[2:] - 2 * u[1:-1] + u[:-2])
    return x, u


def ftcs_error(nx: int, r: float, t_end: float) -> float:
    r"""Relative :math:`L^2` error of :func:`ftcs_heat` at ``t_end`` with :math:`\Delta t = r\Delta x^2`.

    :math:`\Delta t` is adjusted down so that ``t_end`` is a whole number of steps.
    """
    dx = 1.0 / (check_int(nx, "nx", minimum=3) - 1)
    check_scalar(r, "r", minimum=0.0, maximum=FTCS_STABILITY_LIMIT, include_min=False)
    check_scalar(t_end, "t_end", minimum=0.0, include_min=False)
    if t_end / (r * dx**2) > FTCS_MAX_STEPS:
        raise ValueError(
            f"t_end / (r dx^2) = {t_end / (r * dx**2):.3g} time steps: "
            f"at most FTCS_MAX_STEPS = {FTCS_MAX_STEPS:.0e}"
        )
    n_steps = math.ceil(t_end / (r * dx**2) - 1e-9)
    x, u = ftcs_heat(nx, t_end / n_steps, t_end)
    return relative_l2(u, heat_exact(x, t_end))


def convergence_order(h, errors) -> float:
    r"""Slope :math:`p` of a least-squares fit :math:`\ln e = p\ln h + c`: the observed order."""
    h, errors = as_float_array(h, "h", ndim=1), as_float_array(errors, "errors", ndim=1)
    if h.size < 2 or h.shape != errors.shape or np.any(h <= 0) or np.any(errors <= 0):
        raise ValueError("h and errors must be positive arrays of the same length >= 2")
    if np.unique(h).size != h.size:
        raise ValueError(f"h must hold distinct step sizes (a slope needs different h), got {h.tolist()}")
    return float(np.polyfit(np.log(h), np.log(errors), 1)[0])


# --- Burgers' equation -------------------------------------------------------------------


class BurgersTrial(nn.Module):
    r"""Burgers trial solution, :math:`\hat u = -\sin(\pi x) + s\,t\,(1-x^2)\,N(x, t)`.

    It equals the initial profile :math:`-\sin\pi x` at :math:`t = 0` and vanishes at
    :math:`x = \pm1`. Input columns: ``(x, t)``.
    """

    def __init__(self, net: nn.Module, scale: float = 1.0):
        super().__init__()
        self.net = _check_net(net)
        self.scale = float(check_scalar(scale, "scale", minimum=0.0, include_min=False))

    def forward(self, xt: torch.Tensor) -> torch.Tensor:
        check_tensor(xt, "xt", ndim=2, features=2, dtype=param_dtype(self))
        x, t = xt[:, :1], xt[:, 1:2]
        return -torch.sin(math.pi * x) + self.scale * t * (1 - x**2) * self.net(xt)


def burgers_loss(model: nn.Module, xt: torch.Tensor, nu: float) -> torch.Tensor:
    r"""Burgers residual, :math:`\overline{(\hat u_t + \hat u\hat u_x - \nu\hat u_{xx})^2}`."""
    _check_net(model, "model")
    _check_points(xt, "xt", 2)
    check_scalar(nu, "nu", minimum=0.0)
    u = _evaluate(model, xt, "xt")
    u_x = derivative(u, xt, column=0)
    residual = derivative(u, xt, column=1) + u * u_x - nu * derivative(u_x, xt, column=0)
    return (residual**2).mean()


def burgers_exact(x, t, nu: float, n_nodes: int = 200) -> np.ndarray:
    r"""Cole–Hopf solution of :math:`u_t + uu_x = \nu u_{xx}`, :math:`u(x, 0) = -\sin\pi x`,
    by Gauss–Hermite quadrature:

    .. math:: u(x, t) = -\frac{\int \sin\pi(x-\eta)\,f(x-\eta)\,e^{-\eta^2/4\nu t}\,d\eta}
              {\int f(x-\eta)\,e^{-\eta^2/4\nu t}\,d\eta},\qquad
              f(y) = e^{-\cos(\pi y)/2\pi\nu},

    with :math:`\eta = \sqrt{4\nu t}\,z` and ``n_nodes`` Hermite nodes :math:`z`. The
    solution is odd in :math:`x` and vanishes at :math:`x = \pm1`. At :math:`t = 0` the
    initial profile is returned.
    """
    x, t = _broadcast(as_float_array(x, "x", nonempty=True), as_float_array(t, "t", nonempty=True))
    nu = check_scalar(nu, "nu", minimum=0.0, include_min=False)
    if np.any(t < 0):
        raise ValueError("t must be non-negative")
    z, w = np.polynomial.hermite.hermgauss(check_int(n_nodes, "n_nodes", minimum=2))
    y = x[..., None] - np.sqrt(4 * nu * t)[..., None] * z
    f = np.exp(-(np.cos(np.pi * y) - 1) / (2 * np.pi * nu))  # shifted exponent: no overflow
    return -(w * np.sin(np.pi * y) * f).sum(-1) / (w * f).sum(-1)


# --- the inverse problem: a coefficient of the equation from data ---------------------------


class InverseOscillator(nn.Module):
    r"""Oscillator trial solution :class:`OscillatorTrial` with a trainable damping ratio.

    :math:`\zeta = e^{s}` with :math:`s` a parameter (``log_zeta``, starting at
    :math:`\ln\zeta_0`), so that :math:`\zeta` stays positive. Trained by
    :func:`inverse_oscillator_loss`, the network and :math:`\zeta` are fitted together to the
    equation and to measured positions (chapter "Physics-informed neural networks").
    """

    def __init__(
        self, net: nn.Module, x0: float = 1.0, v0: float = 0.0, t_scale: float = 1.0, zeta0: float = 0.5
    ):
        super().__init__()
        self.trial = OscillatorTrial(net, x0=x0, v0=v0, t_scale=t_scale)
        zeta0 = check_scalar(zeta0, "zeta0", minimum=1e-6, maximum=1e6)
        self.log_zeta = nn.Parameter(torch.tensor(math.log(zeta0), dtype=param_dtype(net)))

    @property
    def zeta(self) -> float:
        """The current damping ratio :math:`\\zeta = e^s`."""
        return float(self.log_zeta.detach().exp())

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        return self.trial(t)


def inverse_oscillator_loss(
    model: InverseOscillator, t: torch.Tensor, t_data: torch.Tensor, x_data: torch.Tensor,
    omega: float = 2.0, weight: float = 1.0,
) -> torch.Tensor:  # fmt: skip
    r"""Residual plus data misfit, with the damping :math:`\zeta` a parameter of the model:

    .. math:: C = \frac1n\sum_i\left(\hat x'' + 2\zeta\omega\hat x' + \omega^2\hat x\right)^2_{t_i}
              + \frac{w}{n_d}\sum_k\left(\hat x(t_k) - x_k\right)^2 .

    ``t`` are the collocation points, ``(t_data, x_data)`` the measurements, ``weight`` is
    :math:`w`.
    """
    check_type(model, InverseOscillator, "model")
    _check_points(t, "t", 1)
    _check_points(t_data, "t_data", 1, grad=False)
    check_tensor(x_data, "x_data", ndim=2, features=1, finite=True)
    if x_data.shape != t_data.shape:
        raise ValueError(
            f"x_data must have the shape of t_data, {tuple(t_data.shape)}, got {tuple(x_data.shape)}"
        )
    check_scalar(omega, "omega", minimum=0.0, maximum=1e100)
    weight = check_scalar(weight, "weight", minimum=0.0, maximum=1e100)
    x = _evaluate(model, t, "t")
    dx = derivative(x, t)
    zeta = model.log_zeta.exp()
    residual = derivative(dx, t) + 2 * zeta * omega * dx + omega**2 * x
    misfit = _evaluate(model, t_data, "t_data") - x_data
    return (residual**2).mean() + weight * (misfit**2).mean()


# --- Poisson's equation on a disk --------------------------------------------------------


def collocation_disk(n: int, seed: int = 0, device="cpu") -> torch.Tensor:
    r"""``n`` points uniform in the unit disk (:math:`r = \sqrt U`, :math:`\varphi = 2\pi V`),
    an ``(n, 2)`` tensor that requires grad. No grid has to fit the round boundary."""
    n = check_int(n, "n", minimum=1)
    gen = torch.Generator().manual_seed(check_int(seed, "seed", minimum=0))
    u = torch.rand(n, 2, generator=gen, dtype=DTYPE)
    r, phi = u[:, :1].sqrt(), 2 * math.pi * u[:, 1:]
    return (
        torch.cat([r * torch.cos(phi), r * torch.sin(phi)], dim=1).to(as_device(device)).requires_grad_(True)
    )


def disk_exact(x, y) -> np.ndarray:
    r"""The manufactured solution :math:`u = e^x\cos(\pi r^2/2)` on the unit disk (zero at :math:`r = 1`)."""
    x, y = _broadcast(
        as_float_array(x, "x", nonempty=True), as_float_array(y, "y", nonempty=True), ("x", "y")
    )
    return np.exp(x) * np.cos(math.pi * (x**2 + y**2) / 2)


def disk_source(xy: torch.Tensor) -> torch.Tensor:
    r"""The source :math:`f = -\Delta u` of :func:`disk_exact`, worked out by hand:

    .. math:: f = e^x\left[(\pi^2r^2 - 1)\cos\frac{\pi r^2}{2} + 2\pi(1 + x)\sin\frac{\pi r^2}{2}\right].
    """
    check_tensor(xy, "xy", ndim=2, features=2, finite=True)
    x, y = xy[:, :1], xy[:, 1:2]
    r2 = x**2 + y**2
    a = math.pi * r2 / 2
    return torch.exp(x) * ((math.pi**2 * r2 - 1) * torch.cos(a) + 2 * math.pi * (1 + x) * torch.sin(a))


class DiskTrial(nn.Module):
    r"""Trial solution on the unit disk, :math:`\hat u = (1 - x^2 - y^2)\,N(x, y)`: zero on the
    circle for any network (the Dirichlet condition is hard)."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = _check_net(net)

    def forward(self, xy: torch.Tensor) -> torch.Tensor:
        check_tensor(xy, "xy", ndim=2, features=2, dtype=param_dtype(self))
        return (1 - (xy**2).sum(dim=1, keepdim=True)) * self.net(xy)


def poisson_disk_loss(model: nn.Module, xy: torch.Tensor) -> torch.Tensor:
    r"""Mean squared residual of :math:`-\Delta u = f` with :math:`f` = :func:`disk_source`:
    :math:`\frac1n\sum_i(\hat u_{xx} + \hat u_{yy} + f)^2`."""
    _check_net(model, "model")
    _check_points(xy, "xy", 2)
    u = _evaluate(model, xy, "xy")
    laplacian = derivative(u, xy, order=2, column=0) + derivative(u, xy, order=2, column=1)
    return ((laplacian + disk_source(xy.detach())) ** 2).mean()


# --- adaptive collocation ----------------------------------------------------------------


def rad_sample(residual, n: int, seed, k: float = 1.0, c: float = 1.0) -> np.ndarray:
    r"""Indices of ``n`` of the candidate points, drawn without replacement with probability

    .. math:: p_i \propto \frac{|r_i|^k}{\overline{|r|^k}} + c

    (residual-based adaptive distribution, Wu et al. 2023): points go where the residual
    ``residual`` is large, and ``c`` keeps a uniform share everywhere.
    """
    r = np.abs(as_float_array(residual, "residual", ndim=1, nonempty=True))
    n = check_int(n, "n", minimum=1, maximum=r.size)
    k = check_scalar(k, "k", minimum=0.0, maximum=10.0)
    c = check_scalar(c, "c", minimum=0.0, maximum=1e100)
    rng = as_rng(seed)
    rk = (r / r.max()) ** k if r.max() > 0 else np.ones_like(r)
    p = rk / rk.mean() + c
    if not np.all(np.isfinite(p)) or p.sum() <= 0:
        raise ValueError("residual must not be zero everywhere when c = 0")
    if np.count_nonzero(p) < n:
        raise ValueError(
            f"residual: only {np.count_nonzero(p)} candidates can be drawn (c = 0), fewer than n = {n}"
        )
    return np.sort(rng.choice(r.size, size=n, replace=False, p=p / p.sum()))


# --- the Black-Scholes equation ----------------------------------------------------------


def black_scholes_call(x, tau, sigma: float = 0.2, rate: float = 0.05) -> np.ndarray:
    r"""Black–Scholes price of a European call in units of the strike :math:`K`:

    .. math:: \frac VK = x\,\Phi(d_1) - e^{-r\tau}\Phi(d_2),\qquad
              d_{1,2} = \frac{\ln x + (r \pm \sigma^2/2)\tau}{\sigma\sqrt\tau},

    with :math:`x = S/K` and :math:`\tau = T - t` the time to maturity. At :math:`\tau = 0`
    the payoff :math:`\max(x - 1, 0)`.
    """
    import scipy.stats

    x, tau = _broadcast(
        as_float_array(x, "x", nonempty=True), as_float_array(tau, "tau", nonempty=True), ("x", "tau")
    )
    sigma = check_scalar(sigma, "sigma", minimum=0.0, maximum=100.0, include_min=False)
    rate = check_scalar(rate, "rate", minimum=-1.0, maximum=1.0)
    if np.any(x < 0) or np.any(tau < 0):
        raise ValueError("x = S/K and tau must be non-negative")
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = sigma * np.sqrt(tau)
        d1 = (np.log(x) + (rate + sigma**2 / 2) * tau) / sd
        price = x * scipy.stats.norm.cdf(d1) - np.exp(-rate * tau) * scipy.stats.norm.cdf(d1 - sd)
    return np.where(tau > 0, np.where(x > 0, price, 0.0), np.maximum(x - 1, 0.0))


class BlackScholesTrial(nn.Module):
    r"""Call price :math:`\hat V(x, \tau)/K` on :math:`0\le x = S/K\le x_\max`, :math:`0\le\tau\le T`:

    .. math:: \hat V = \frac{x}{x_\max}\left(x_\max - e^{-r\tau}\right)
              + \frac{x(x_\max - x)}{x_\max}N\!\left(\frac{2x}{x_\max} - 1, \frac{2\tau}{T} - 1\right),

    worthless at :math:`x = 0` and :math:`S - Ke^{-r\tau}` at :math:`x_\max` for any
    network; the payoff at :math:`\tau = 0` has a kink that no smooth network can match, so
    it enters the loss as a penalty (:func:`black_scholes_loss`). Input columns ``(x, tau)``.
    """

    def __init__(self, net: nn.Module, x_max: float = 3.0, maturity: float = 1.0, rate: float = 0.05):
        super().__init__()
        self.net = _check_net(net)
        self.x_max = float(check_scalar(x_max, "x_max", minimum=1.0, maximum=1e6, include_min=False))
        self.maturity = float(check_scalar(maturity, "maturity", minimum=0.0, maximum=1e6, include_min=False))
        self.rate = float(check_scalar(rate, "rate", minimum=-1.0, maximum=1.0))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        check_tensor(z, "z", ndim=2, features=2, dtype=param_dtype(self))
        x, tau = z[:, :1], z[:, 1:2]
        boundary = x / self.x_max * (self.x_max - torch.exp(-self.rate * tau))
        inputs = torch.cat([2 * x / self.x_max - 1, 2 * tau / self.maturity - 1], dim=1)
        return boundary + x * (self.x_max - x) / self.x_max * self.net(inputs)


def black_scholes_loss(
    model: BlackScholesTrial, z: torch.Tensor, n_payoff: int = 201, sigma: float = 0.2, weight: float = 10.0
) -> torch.Tensor:
    r"""Black–Scholes residual in the time to maturity :math:`\tau` plus the payoff as a penalty:

    .. math:: C = \overline{\left(\hat V_\tau - \tfrac12\sigma^2x^2\hat V_{xx}
              - rx\hat V_x + r\hat V\right)^2}
              + \lambda\,\overline{\left(\hat V(x, 0) - \max(x - 1, 0)\right)^2},

    the payoff checked on ``n_payoff`` equally spaced :math:`x` in :math:`[0, x_\max]`,
    ``weight`` :math:`= \lambda`; the rate :math:`r` is the model's.
    """
    check_type(model, BlackScholesTrial, "model")
    _check_points(z, "z", 2)
    n_payoff = check_int(n_payoff, "n_payoff", minimum=2)
    sigma = check_scalar(sigma, "sigma", minimum=0.0, maximum=100.0, include_min=False)
    weight = check_scalar(weight, "weight", minimum=0.0, maximum=1e100)
    V = _evaluate(model, z, "z")
    x = z[:, :1]
    V_x = derivative(V, z, column=0)
    residual = derivative(V, z, column=1) - (
        0.5 * sigma**2 * x**2 * derivative(V_x, z, column=0) + model.rate * x * V_x - model.rate * V
    )
    s = torch.linspace(0.0, model.x_max, n_payoff, dtype=z.dtype, device=z.device)[:, None]
    payoff = _evaluate(model, torch.cat([s, torch.zeros_like(s)], dim=1), "z") - torch.clamp(s - 1, min=0)
    return (residual**2).mean() + weight * (payoff**2).mean()
