r"""The runs of "Physics-informed neural networks": what the page trains, with its settings in view.

* :func:`decay_run` and :func:`oscillator_run`: exponential decay :math:`u' = -\gamma u` and
  the damped oscillator, each solved by a Lagaris trial solution;
* :func:`heat_run` and :func:`soft_heat_run`: the heat equation :math:`u_t = u_{xx}` on
  :math:`[0, 1]\times[0, T]` with :math:`u(x, 0) = \sin\pi x` and zero ends, solved by the
  hard-constraint trial solution and, with the same settings, by a soft-constraint network;
* :func:`burgers_run`: Burgers' equation with a Lagaris trial solution;
* :func:`fd_run`: the explicit FTCS scheme, its order of convergence and its instability.

Every network is trained by ``pinn.train_pinn`` (Adam, then L-BFGS) and compared with the
analytic solution on a grid.
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch

from .. import pinn
from ..experiment import Settings, setting, study
from ..torchtools import mlp


def train(model, loss_fn, points, cfg) -> dict:
    """Train ``model`` on ``points`` with ``cfg.adam_steps`` Adam and ``cfg.lbfgs_steps`` L-BFGS steps."""
    start = time.perf_counter()
    history = pinn.train_pinn(
        model,
        loss_fn,
        points,
        adam_steps=cfg.adam_steps,
        lbfgs_steps=cfg.lbfgs_steps,
        lr=cfg.lr,
        seed=cfg.seed,
    )
    history["seconds"] = time.perf_counter() - start
    return history


# --------------------------------------------------------------------------- ODEs


class DecayRun(Settings):
    r"""Settings of the PINN for :math:`u' = -\gamma u`, :math:`u(0) = u_0`, on :math:`[0, T]`."""

    gamma: float = setting(1.0, low=0, doc="decay rate gamma")
    u0: float = setting(1.0, doc="initial value u(0)")
    t_max: float = setting(4.0, low=0.01, doc="length T of the interval")
    width: int = setting(10, low=1, doc="hidden units per layer")
    depth: int = setting(1, low=1, doc="hidden layers")
    n_points: int = setting(100, low=2, doc="equally spaced collocation points")
    adam_steps: int = setting(300, low=0, doc="Adam steps")
    lbfgs_steps: int = setting(100, low=0, doc="L-BFGS iterations after Adam")
    lr: float = setting(1e-2, low=0, doc="Adam learning rate (decays tenfold over the run)")
    n_grid: int = setting(401, low=2, doc="grid points on which the error is measured")
    seed: int = setting(2026, low=0, doc="seed of the initial weights")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"n_points": 50, "adam_steps": 100, "lbfgs_steps": 50}


@study("pinn", DecayRun)
def decay_run(cfg: DecayRun) -> dict:
    r"""Train :math:`\hat u = u_0 + tN(t/T)` on :math:`u' = -\gamma u`; its relative L2 error on a grid."""
    net = pinn.network(1, cfg.width, cfg.depth, seed=cfg.seed, device=cfg.device)
    model = pinn.DecayTrial(net, u0=cfg.u0, t_scale=cfg.t_max)
    t = pinn.collocation_1d(cfg.n_points, cfg.t_max, device=cfg.device)
    history = train(model, lambda m, p: pinn.decay_loss(m, p, cfg.gamma), t, cfg)
    t_grid = np.linspace(0.0, cfg.t_max, cfg.n_grid)
    u = pinn.predict(model, t_grid[:, None])
    exact = pinn.decay_exact(t_grid, cfg.gamma, cfg.u0)
    return {"model": model, "history": history, "t": t_grid, "u": u, "exact": exact,
            "error": pinn.relative_l2(u, exact)}  # fmt: skip


class OscillatorRun(Settings):
    r"""Settings of the PINN for :math:`x'' + 2\zeta\omega x' + \omega^2 x = 0` on :math:`[0, T]`."""

    omega: float = setting(2.0, low=0, doc="angular frequency omega")
    zeta: float = setting(0.1, low=0, high=0.99, doc="damping ratio zeta (underdamped)")
    x0: float = setting(1.0, doc="initial position x(0)")
    v0: float = setting(0.0, doc="initial velocity x'(0)")
    t_max: float = setting(4.0, low=0.01, doc="length T of the interval")
    width: int = setting(32, low=1, doc="hidden units per layer")
    depth: int = setting(2, low=1, doc="hidden layers")
    n_points: int = setting(100, low=2, doc="equally spaced collocation points")
    adam_steps: int = setting(600, low=0, doc="Adam steps")
    lbfgs_steps: int = setting(200, low=0, doc="L-BFGS iterations after Adam")
    lr: float = setting(1e-2, low=0, doc="Adam learning rate (decays tenfold over the run)")
    n_grid: int = setting(601, low=2, doc="grid points on which the error is measured")
    seed: int = setting(2026, low=0, doc="seed of the initial weights")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"n_points": 50, "adam_steps": 200, "lbfgs_steps": 100}


@study("pinn", OscillatorRun)
def oscillator_run(cfg: OscillatorRun) -> dict:
    r"""Train :math:`\hat x = x_0 + v_0 t + \tau^2N(\tau)`, :math:`\tau = t/T`, on the damped oscillator."""
    net = pinn.network(1, cfg.width, cfg.depth, seed=cfg.seed, device=cfg.device)
    model = pinn.OscillatorTrial(net, x0=cfg.x0, v0=cfg.v0, t_scale=cfg.t_max)
    t = pinn.collocation_1d(cfg.n_points, cfg.t_max, device=cfg.device)
    history = train(model, lambda m, p: pinn.oscillator_loss(m, p, cfg.omega, cfg.zeta), t, cfg)
    t_grid = np.linspace(0.0, cfg.t_max, cfg.n_grid)
    u = pinn.predict(model, t_grid[:, None])
    exact = pinn.oscillator_exact(t_grid, cfg.omega, cfg.zeta, cfg.x0, cfg.v0)
    return {"model": model, "history": history, "t": t_grid, "u": u, "exact": exact,
            "error": pinn.relative_l2(u, exact)}  # fmt: skip


# --------------------------------------------------------------------------- the heat equation


class HeatRun(Settings):
    """Settings of the heat-equation PINNs (hard constraints, and soft ones on the same points)."""

    t_max: float = setting(0.5, low=0.01, doc="end T of the time interval [0, T]")
    width: int = setting(20, low=1, doc="hidden units per layer")
    depth: int = setting(2, low=1, doc="hidden layers")
    scale: float = setting(float(np.pi**2), low=0, doc="output scale s of the hard-constraint trial solution")
    soft_weight: float = setting(
        10.0, low=0, doc="weight lambda of the conditions in the soft-constraint cost"
    )
    n_points: int = setting(800, low=1, doc="uniform random collocation points in [0, 1] x [0, T]")
    adam_steps: int = setting(500, low=0, doc="Adam steps")
    lbfgs_steps: int = setting(200, low=0, doc="L-BFGS iterations after Adam")
    lr: float = setting(1e-2, low=0, doc="Adam learning rate (decays tenfold over the run)")
    n_grid: int = setting(101, low=2, doc="grid points per axis on which the error is measured")
    seed: int = setting(2026, low=0, doc="seed of the initial weights and the collocation points")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"n_points": 300, "adam_steps": 200, "lbfgs_steps": 150}


def train_heat(cfg: HeatRun, soft: bool) -> dict:
    """Train the heat-equation PINN (hard constraints, or ``soft``) and evaluate it on a grid."""
    net = pinn.network(2, cfg.width, cfg.depth, seed=cfg.seed, device=cfg.device)
    model = pinn.SoftHeat(net) if soft else pinn.HeatTrial(net, scale=cfg.scale)
    points = pinn.collocation_2d(cfg.n_points, cfg.t_max, seed=cfg.seed, device=cfg.device)
    if soft:
        loss = lambda m, p: pinn.soft_heat_loss(m, p, weight=cfg.soft_weight)  # noqa: E731
    else:
        loss = pinn.heat_loss
    history = train(model, loss, points, cfg)
    x, t, grid = pinn.heat_grid(cfg.n_grid, cfg.n_grid, cfg.t_max)
    u = pinn.predict(model, grid).reshape(len(t), len(x))
    exact = pinn.heat_exact(grid[:, 0], grid[:, 1]).reshape(len(t), len(x))
    return {"model": model, "history": history, "x": x, "t": t, "u": u, "exact": exact,
            "points": points.detach().cpu().numpy(), "error": pinn.relative_l2(u, exact)}  # fmt: skip


@study("pinn", HeatRun)
def heat_run(cfg: HeatRun) -> dict:
    """The heat equation with hard constraints (the trial solution of Lagaris et al.)."""
    return train_heat(cfg, soft=False)


@study("pinn", HeatRun)
def soft_heat_run(cfg: HeatRun) -> dict:
    """The heat equation with soft constraints, on the same points for the same steps."""
    return train_heat(cfg, soft=True)


# --------------------------------------------------------------------------- Burgers' equation


class BurgersRun(Settings):
    r"""Settings of the Burgers PINN on :math:`[-1, 1]\times[0, T]`."""

    nu: float = setting(0.05, low=0.001, doc="viscosity nu")
    t_max: float = setting(0.5, low=0.01, doc="end T of the time interval [0, T]")
    width: int = setting(20, low=1, doc="hidden units per layer")
    depth: int = setting(2, low=1, doc="hidden layers")
    n_points: int = setting(500, low=1, doc="uniform random collocation points")
    adam_steps: int = setting(300, low=0, doc="Adam steps")
    lbfgs_steps: int = setting(150, low=0, doc="L-BFGS iterations after Adam")
    lr: float = setting(1e-2, low=0, doc="Adam learning rate (decays tenfold over the run)")
    nx: int = setting(101, low=2, doc="grid points in x on which the error is measured")
    nt: int = setting(51, low=2, doc="grid points in t on which the error is measured")
    seed: int = setting(2026, low=0, doc="seed of the initial weights and the collocation points")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"n_points": 200, "adam_steps": 200, "lbfgs_steps": 100}


@study("pinn", BurgersRun)
def burgers_run(cfg: BurgersRun) -> dict:
    r"""Train the Burgers PINN; its relative L2 error against the Cole-Hopf solution on a grid."""
    model = pinn.BurgersTrial(pinn.network(2, cfg.width, cfg.depth, seed=cfg.seed, device=cfg.device))
    points = pinn.collocation_2d(
        cfg.n_points, cfg.t_max, seed=cfg.seed, x_range=(-1.0, 1.0), device=cfg.device
    )
    history = train(model, lambda m, p: pinn.burgers_loss(m, p, cfg.nu), points, cfg)
    x = np.linspace(-1.0, 1.0, cfg.nx)
    t = np.linspace(0.0, cfg.t_max, cfg.nt)
    T, X = np.meshgrid(t, x, indexing="ij")
    grid = np.column_stack([X.ravel(), T.ravel()])
    u = pinn.predict(model, grid).reshape(T.shape)
    exact = pinn.burgers_exact(X, T, cfg.nu)
    return {"model": model, "history": history, "x": x, "t": t, "u": u, "exact": exact,
            "error": pinn.relative_l2(u, exact)}  # fmt: skip


# --------------------------------------------------------------------------- finite differences


class FDRun(Settings):
    """Settings of the FTCS scheme: its convergence at fixed r, and the instability above r = 1/2."""

    r: float = setting(0.4, low=0, high=0.5, doc="dt / dx^2 of the convergence study (stable: <= 1/2)")
    nx: tuple[int, ...] = setting((11, 21, 41, 81), low=3, doc="grid points of the convergence study")
    t_end: float = setting(0.1, low=0, doc="time at which the error is measured")
    unstable_r: tuple[float, ...] = setting((0.5, 0.52), low=0, doc="values of r of the stability demo")
    unstable_nx: int = setting(21, low=3, doc="grid points of the stability demo")
    unstable_steps: int = setting(800, low=10, doc="time steps of the stability demo")
    profile_steps: int = setting(600, low=1, doc="time steps after which the profiles are shown")

    SHORT = {}
    VARIANT = {"r": 0.3}  # deterministic: no seed to change

    def validate(self):
        if len(self.nx) < 2:
            raise ValueError("FDRun.nx must hold at least two grid sizes (an order needs two errors)")


@study("pinn", FDRun)
def fd_run(cfg: FDRun) -> dict:
    r"""FTCS errors at ``t_end`` for each ``nx`` at fixed :math:`r = \Delta t/\Delta x^2`, the measured
    order, and the largest :math:`|u|` of the stability demo against the number of steps.

    The initial profile of the demo is the smooth first mode; the sawtooth mode grows from
    round-off only, by a factor :math:`|1 - 4r\sin^2(\pi(n_x-2)/(2(n_x-1)))|` per step.
    """
    dx = np.array([1.0 / (n - 1) for n in cfg.nx])
    errors = np.array([pinn.ftcs_error(n, cfg.r, cfg.t_end) for n in cfg.nx])
    dx_demo = 1.0 / (cfg.unstable_nx - 1)
    steps = np.arange(0, cfg.unstable_steps + 1, 10)
    demo = {"steps": steps, "max": {}, "profile": {}}
    for r in cfg.unstable_r:
        dt = r * dx_demo**2
        demo["max"][r] = np.array(
            [np.abs(pinn.ftcs_heat(cfg.unstable_nx, dt, n * dt, allow_unstable=True)[1]).max() for n in steps]
        )
        demo["profile"][r] = pinn.ftcs_heat(cfg.unstable_nx, dt, cfg.profile_steps * dt, allow_unstable=True)
    return {"dx": dx, "errors": errors, "order": pinn.convergence_order(dx, errors), "instability": demo}


# --------------------------------------------------------------------------- the inverse problem


class InverseRun(Settings):
    r"""Settings of the inverse problem: the oscillator's damping ratio :math:`\zeta` from noisy positions."""

    omega: float = setting(2.0, low=0, doc="angular frequency omega (known)")
    zeta: float = setting(0.1, low=0, high=0.99, doc="true damping ratio zeta (to be recovered)")
    zeta0: float = setting(0.3, low=1e-3, high=10.0, doc="initial guess of zeta")
    t_max: float = setting(4.0, low=0.01, doc="length T of the interval")
    n_data: int = setting(40, low=2, doc="measured positions, at uniform random times")
    noise: float = setting(0.02, low=1e-6, doc="standard deviation sigma of the measurement noise")
    data_weight: float = setting(
        0.001, low=0, doc="weight w x sigma^2 of the data misfit (w = data_weight / sigma^2)"
    )
    width: int = setting(16, low=1, doc="hidden units per layer")
    depth: int = setting(2, low=1, doc="hidden layers")
    n_points: int = setting(60, low=2, doc="equally spaced collocation points")
    adam_steps: int = setting(300, low=0, doc="Adam steps")
    lbfgs_steps: int = setting(200, low=0, doc="L-BFGS iterations after Adam")
    lr: float = setting(1e-2, low=0, doc="Adam learning rate (decays tenfold over the run)")
    seed: int = setting(2026, low=0, doc="seed of the data, the noise and the initial weights")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {}  # the book's run takes about a second


def oscillator_data(cfg: InverseRun) -> tuple[np.ndarray, np.ndarray]:
    """Noisy positions of the damped oscillator at ``cfg.n_data`` uniform random times."""
    rng = np.random.default_rng(cfg.seed)
    t = np.sort(rng.uniform(0.0, cfg.t_max, cfg.n_data))
    return t, pinn.oscillator_exact(t, cfg.omega, cfg.zeta) + cfg.noise * rng.standard_normal(cfg.n_data)


def least_squares_zeta(cfg: InverseRun) -> float:
    r"""The damping ratio of a least-squares fit of the exact solution to the same data (scipy)."""
    import scipy.optimize

    t, x = oscillator_data(cfg)
    fit = scipy.optimize.least_squares(lambda z: pinn.oscillator_exact(t, cfg.omega, z[0]) - x, [cfg.zeta0])
    return float(fit.x[0])


def cramer_rao_zeta(cfg: InverseRun) -> float:
    r"""Standard error of :math:`\zeta` from the data alone,
    :math:`\sigma/\lVert\partial x/\partial\zeta\rVert`
    at the measurement times (the least-squares error of a fit of the exact solution)."""
    t, _ = oscillator_data(cfg)
    h = 1e-6
    jac = (
        pinn.oscillator_exact(t, cfg.omega, cfg.zeta + h) - pinn.oscillator_exact(t, cfg.omega, cfg.zeta - h)
    ) / (2 * h)
    return float(cfg.noise / np.linalg.norm(jac))


@study("pinn", InverseRun)
def inverse_run(cfg: InverseRun) -> dict:
    r"""Fit the oscillator trial solution and :math:`\zeta` to the equation and the data together."""
    t_data, x_data = oscillator_data(cfg)
    net = pinn.network(1, cfg.width, cfg.depth, seed=cfg.seed, device=cfg.device)
    model = pinn.InverseOscillator(net, x0=1.0, v0=0.0, t_scale=cfg.t_max, zeta0=cfg.zeta0)
    t = pinn.collocation_1d(cfg.n_points, cfg.t_max, device=cfg.device)
    as_tensor = lambda a: torch.as_tensor(a, dtype=pinn.DTYPE, device=t.device)[:, None]  # noqa: E731
    td, xd = as_tensor(t_data), as_tensor(x_data)
    weight = cfg.data_weight / cfg.noise**2
    zetas = []

    def loss(m, p):
        zetas.append(m.zeta)
        return pinn.inverse_oscillator_loss(m, p, td, xd, cfg.omega, weight)

    history = train(model, loss, t, cfg)
    t_grid = np.linspace(0.0, cfg.t_max, 401)
    u = pinn.predict(model, t_grid[:, None])
    exact = pinn.oscillator_exact(t_grid, cfg.omega, cfg.zeta)
    return {"model": model, "history": history, "zeta": model.zeta, "zeta_history": np.array(zetas),
            "sigma": cramer_rao_zeta(cfg), "zeta_lsq": least_squares_zeta(cfg),
            "t_data": t_data, "x_data": x_data, "t": t_grid, "u": u,
            "exact": exact, "error": pinn.relative_l2(u, exact)}  # fmt: skip


# --------------------------------------------------------------------------- Poisson on a disk


class DiskRun(Settings):
    r"""Settings of the PINN for :math:`-\Delta u = f` on the unit disk with :math:`u = 0` on the circle."""

    width: int = setting(20, low=1, doc="hidden units per layer")
    depth: int = setting(2, low=1, doc="hidden layers")
    n_points: int = setting(300, low=1, doc="uniform random collocation points in the disk")
    adam_steps: int = setting(200, low=0, doc="Adam steps")
    lbfgs_steps: int = setting(100, low=0, doc="L-BFGS iterations after Adam")
    lr: float = setting(1e-2, low=0, doc="Adam learning rate (decays tenfold over the run)")
    n_grid: int = setting(
        101, low=3, doc="grid points per axis of the square; the error is measured inside the disk"
    )
    seed: int = setting(2026, low=0, doc="seed of the initial weights and the collocation points")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"n_points": 200, "adam_steps": 150, "lbfgs_steps": 60}


@study("pinn", DiskRun)
def disk_run(cfg: DiskRun) -> dict:
    r"""Train :math:`\hat u = (1 - r^2)N(x, y)` on Poisson's equation in the disk; its error
    against the exact solution."""
    model = pinn.DiskTrial(pinn.network(2, cfg.width, cfg.depth, seed=cfg.seed, device=cfg.device))
    points = pinn.collocation_disk(cfg.n_points, seed=cfg.seed, device=cfg.device)
    history = train(model, pinn.poisson_disk_loss, points, cfg)
    g = np.linspace(-1.0, 1.0, cfg.n_grid)
    X, Y = np.meshgrid(g, g, indexing="xy")
    inside = X**2 + Y**2 <= 1.0
    u = np.full(X.shape, np.nan)
    u[inside] = pinn.predict(model, np.column_stack([X[inside], Y[inside]]))
    exact = np.where(inside, pinn.disk_exact(X, Y), np.nan)
    return {"model": model, "history": history, "x": g, "u": u, "exact": exact, "inside": inside,
            "points": points.detach().cpu().numpy(),
            "error": pinn.relative_l2(u[inside], exact[inside])}  # fmt: skip


# --------------------------------------------------------------------------- spectral bias


class SpectralRun(Settings):
    """Settings of the spectral-bias experiment: a network fits a sum of sines of several frequencies."""

    frequencies: tuple[int, ...] = setting(
        (1, 4, 12), low=1, doc="frequencies k of sin(2 pi k x) in the target"
    )
    width: int = setting(48, low=1, doc="hidden units per layer")
    depth: int = setting(3, low=1, doc="hidden layers")
    n_points: int = setting(256, low=8, doc="equally spaced points of [0, 1)")
    steps: int = setting(1500, low=1, doc="Adam steps (full batch)")
    lr: float = setting(1e-3, low=0, doc="Adam learning rate")
    record_every: int = setting(25, low=1, doc="steps between two Fourier analyses of the error")
    seed: int = setting(2026, low=0, doc="seed of the initial weights")

    SHORT = {"steps": 300}

    def validate(self):
        if max(self.frequencies) >= self.n_points // 2:
            raise ValueError("SpectralRun.frequencies must stay below the Nyquist frequency n_points / 2")


@study("pinn", SpectralRun)
def spectral_run(cfg: SpectralRun) -> dict:
    r"""Fit :math:`f(x) = \sum_k\sin 2\pi kx` by least squares (float32, tanh MLP); record the Fourier
    amplitude :math:`|\hat e_k|` of the error :math:`f - N` at each frequency of the target
    during training."""
    torch.manual_seed(cfg.seed)
    net = mlp([1] + [cfg.width] * cfg.depth + [1], activation="tanh")
    x = torch.arange(cfg.n_points, dtype=torch.float32)[:, None] / cfg.n_points
    y = sum(torch.sin(2 * math.pi * k * x) for k in cfg.frequencies)
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    steps, amplitudes = [], []
    for step in range(cfg.steps + 1):
        opt.zero_grad()
        out = net(2 * x - 1)
        loss = ((out - y) ** 2).mean()
        if step % cfg.record_every == 0 or step == cfg.steps:
            spectrum = np.abs(np.fft.rfft((y - out).detach()[:, 0].numpy())) * 2 / cfg.n_points
            steps.append(step)
            amplitudes.append([spectrum[k] for k in cfg.frequencies])
        if step < cfg.steps:
            loss.backward()
            opt.step()
    return {"steps": np.array(steps), "amplitudes": np.array(amplitudes), "x": x[:, 0].numpy(),
            "y": y[:, 0].numpy(), "fit": out.detach()[:, 0].numpy()}  # fmt: skip


# --------------------------------------------------------------------------- adaptive collocation


class AdaptiveRun(Settings):
    r"""Settings of uniform against residual-based adaptive collocation, :math:`u'' = f`, a steep front."""

    alpha: float = setting(20.0, low=1, doc="steepness alpha of the exact solution arctan(alpha (x - 1/2))")
    n_points: int = setting(32, low=4, doc="collocation points (both methods)")
    steps: int = setting(600, low=1, doc="Adam steps (both methods)")
    resample_every: int = setting(150, low=1, doc="steps between two resamplings of the adaptive points")
    n_candidates: int = setting(1001, low=10, doc="candidate points from which the adaptive points are drawn")
    width: int = setting(16, low=1, doc="hidden units per layer")
    depth: int = setting(2, low=1, doc="hidden layers")
    lr: float = setting(5e-3, low=0, doc="Adam learning rate")
    seeds: tuple[int, ...] = setting(
        (1, 2, 3), low=0, doc="seeds (weights and points), one run of each method per seed"
    )

    SHORT = {"steps": 300, "resample_every": 75}
    VARIANT = {"seeds": (4, 5, 6)}

    def validate(self):
        if len(self.seeds) < 3:
            raise ValueError("AdaptiveRun.seeds must hold at least 3 seeds (a comparison of methods)")


class SteepTrial(torch.nn.Module):
    r""":math:`\hat u = u(0)(1 - x) + u(1)x + x(1-x)N(x)` for :math:`u = \arctan\alpha(x - \frac12)`
    on [0, 1]."""

    def __init__(self, net, alpha: float):
        super().__init__()
        self.net, self.alpha = net, alpha
        self.a, self.b = math.atan(-alpha / 2), math.atan(alpha / 2)

    def forward(self, x):
        return self.a + (self.b - self.a) * x + x * (1 - x) * self.net(x)


def steep_residual(model: SteepTrial, x: torch.Tensor) -> torch.Tensor:
    r"""Residual :math:`\hat u'' - u''_\mathrm{exact}` with
    :math:`u'' = -2\alpha^3(x-\frac12)/(1+\alpha^2(x-\frac12)^2)^2`."""
    a = model.alpha
    source = -2 * a**3 * (x - 0.5) / (1 + (a * (x - 0.5)) ** 2) ** 2
    return pinn.derivative(model(x), x, order=2) - source


def train_collocation(cfg: AdaptiveRun, seed: int, adaptive: bool) -> dict:
    """Adam on ``cfg.n_points`` points: fixed uniform ones, or (``adaptive``) redrawn every
    ``cfg.resample_every`` steps from the candidates by :func:`physml.pinn.rad_sample`."""
    model = SteepTrial(pinn.network(1, cfg.width, cfg.depth, seed=seed), cfg.alpha)
    rng = np.random.default_rng(seed)
    x = torch.as_tensor(rng.uniform(0.0, 1.0, (cfg.n_points, 1)), dtype=pinn.DTYPE).requires_grad_(True)
    candidates = torch.linspace(0.0, 1.0, cfg.n_candidates, dtype=pinn.DTYPE)[:, None]
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    for step in range(cfg.steps):
        if adaptive and step > 0 and step % cfg.resample_every == 0:
            r = steep_residual(model, candidates.clone().requires_grad_(True)).detach()[:, 0].numpy()
            x = candidates[pinn.rad_sample(r, cfg.n_points, rng)].clone().requires_grad_(True)
        opt.zero_grad()
        loss = (steep_residual(model, x) ** 2).mean()
        loss.backward()
        opt.step()
    grid = np.linspace(0.0, 1.0, 1001)
    u = pinn.predict(model, grid[:, None])
    exact = np.arctan(cfg.alpha * (grid - 0.5))
    return {"error": pinn.relative_l2(u, exact), "u": u, "points": x.detach()[:, 0].numpy()}


@study("pinn", AdaptiveRun)
def adaptive_run(cfg: AdaptiveRun) -> dict:
    """Both methods for every seed: relative L2 errors, and the last run's solutions and points."""
    runs = {
        name: [train_collocation(cfg, s, name == "adaptive") for s in cfg.seeds]
        for name in ("uniform", "adaptive")
    }
    grid = np.linspace(0.0, 1.0, 1001)
    return {"x": grid, "exact": np.arctan(cfg.alpha * (grid - 0.5)),
            **{f"{n}_errors": np.array([r["error"] for r in runs[n]]) for n in runs},
            **{f"{n}_last": runs[n][-1] for n in runs}}  # fmt: skip


# --------------------------------------------------------------------------- Black-Scholes


class BlackScholesRun(Settings):
    r"""Settings of the Black–Scholes PINN for a European call, in units of the strike (:math:`x = S/K`)."""

    sigma: float = setting(0.2, low=1e-3, high=5.0, doc="volatility sigma (per year)")
    rate: float = setting(0.05, low=-0.5, high=0.5, doc="risk-free interest rate r (per year)")
    maturity: float = setting(1.0, low=0.01, doc="time to maturity T (years)")
    x_max: float = setting(3.0, low=1.5, doc="largest S/K of the domain (boundary: V = S - K exp(-r tau))")
    payoff_weight: float = setting(10.0, low=0, doc="weight lambda of the payoff penalty")
    width: int = setting(20, low=1, doc="hidden units per layer")
    depth: int = setting(2, low=1, doc="hidden layers")
    n_points: int = setting(600, low=1, doc="uniform random collocation points (x, tau)")
    adam_steps: int = setting(400, low=0, doc="Adam steps")
    lbfgs_steps: int = setting(200, low=0, doc="L-BFGS iterations after Adam")
    lr: float = setting(1e-2, low=0, doc="Adam learning rate (decays tenfold over the run)")
    seed: int = setting(2026, low=0, doc="seed of the initial weights and the collocation points")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"n_points": 300, "adam_steps": 250, "lbfgs_steps": 100}


@study("pinn", BlackScholesRun)
def black_scholes_run(cfg: BlackScholesRun) -> dict:
    """Train the call-price PINN; its prices today (tau = T) against the Black-Scholes formula."""
    model = pinn.BlackScholesTrial(
        pinn.network(2, cfg.width, cfg.depth, seed=cfg.seed, device=cfg.device),
        x_max=cfg.x_max, maturity=cfg.maturity, rate=cfg.rate,
    )  # fmt: skip
    points = pinn.collocation_2d(
        cfg.n_points, cfg.maturity, seed=cfg.seed, device=cfg.device, x_range=(0.0, cfg.x_max)
    )
    loss = lambda m, p: pinn.black_scholes_loss(m, p, sigma=cfg.sigma, weight=cfg.payoff_weight)  # noqa: E731
    history = train(model, loss, points, cfg)
    x = np.linspace(0.0, cfg.x_max, 301)
    taus = np.array([0.0, 0.25, 0.5, 1.0]) * cfg.maturity
    price = np.array([pinn.predict(model, np.column_stack([x, np.full_like(x, tau)])) for tau in taus])
    exact = np.array([pinn.black_scholes_call(x, tau, cfg.sigma, cfg.rate) for tau in taus])
    near = (x >= 0.5) & (x <= 1.5)
    return {"model": model, "history": history, "x": x, "taus": taus, "price": price, "exact": exact,
            "max_error": float(np.max(np.abs(price[-1] - exact[-1])[near])),
            "atm": float(pinn.predict(model, np.array([[1.0, cfg.maturity]]))[0]),
            "atm_exact": float(pinn.black_scholes_call(1.0, cfg.maturity, cfg.sigma, cfg.rate))}  # fmt: skip
