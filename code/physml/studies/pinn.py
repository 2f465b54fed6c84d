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

import time

import numpy as np

from .. import pinn
from ..experiment import Settings, setting, study


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
