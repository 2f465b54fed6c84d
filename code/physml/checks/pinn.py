"""Reference checks of "Physics-informed neural networks", and the trained models the chapter shows.

* exponential decay :math:`u' = -\\gamma u` and the damped oscillator, each solved by a
  Lagaris trial solution and compared with the analytic solution;
* the heat equation :math:`u_t = u_{xx}` on :math:`[0, 1]\\times[0, T]` with
  :math:`u(x, 0) = \\sin\\pi x` and zero ends, solved by the hard-constraint trial solution
  (and, for comparison, by a soft-constraint network), against :math:`e^{-\\pi^2 t}\\sin\\pi x`;
* the explicit FTCS scheme against the same solution and its measured order of convergence.

``short=True`` trains the same networks on fewer collocation points for fewer steps
(unit tests), with its own stated tolerance.
"""

from __future__ import annotations

import functools
import time

import numpy as np

from .. import pinn
from ..validation import reference_check
from ._cache import per_configuration as _cached

SEED = 2026

# --- ODEs
GAMMA, U0, T_DECAY = 1.0, 1.0, 4.0
OMEGA, ZETA, X0, V0, T_OSC = 2.0, 0.1, 1.0, 0.0, 4.0
ODE_POINTS = {False: 100, True: 50}
DECAY_STEPS = {False: (300, 100), True: (100, 50)}  # (Adam steps, L-BFGS iterations)
OSC_STEPS = {False: (600, 200), True: (200, 100)}
ODE_TOL = {"decay": (1e-3, 1e-2), "oscillator": (1e-2, 5e-2)}  # (full, short)

# --- heat equation
T_MAX = 0.5
WIDTH, DEPTH = 20, 2
HEAT_SCALE = np.pi**2  # output scale of the trial network: u_t(x, 0) = -pi^2 sin(pi x)
HEAT_POINTS = {False: 800, True: 300}
HEAT_STEPS = {False: (500, 200), True: (200, 150)}
HEAT_LR = 1e-2
HEAT_TOL = (1e-2, 1e-2)
SOFT_WEIGHT = 10.0

# --- Burgers' equation
BURGERS_NU, BURGERS_T = 0.05, 0.5
BURGERS_POINTS = {False: 500, True: 200}
BURGERS_STEPS = {False: (300, 150), True: (200, 100)}
BURGERS_TOL = (1e-2, 5e-2)

# --- finite differences
FD_R = 0.4  # dt / dx^2 of the convergence study (r = 1/6 is special: see the exercises)
FD_NX = (11, 21, 41, 81)
FD_T_END = 0.1
FD_UNSTABLE_R = (0.5, 0.52)
FD_UNSTABLE_NX = 21
FD_UNSTABLE_T = 0.5


def _train(model, loss_fn, points, steps, lr):
    start = time.perf_counter()
    history = pinn.train_pinn(
        model, loss_fn, points, adam_steps=steps[0], lbfgs_steps=steps[1], lr=lr, seed=SEED
    )
    history["seconds"] = time.perf_counter() - start
    return history


@_cached
def decay_study(short: bool = False) -> dict:
    r"""Train :math:`\hat u = u_0 + tN(t/4)` on :math:`u' = -\gamma u`, :math:`t\in[0, 4]`."""
    model = pinn.DecayTrial(pinn.network(1, 10, 1, seed=SEED), u0=U0, t_scale=T_DECAY)
    t = pinn.collocation_1d(ODE_POINTS[short], T_DECAY)
    history = _train(model, lambda m, p: pinn.decay_loss(m, p, GAMMA), t, DECAY_STEPS[short], 1e-2)
    t_grid = np.linspace(0.0, T_DECAY, 401)
    u = pinn.predict(model, t_grid[:, None])
    exact = pinn.decay_exact(t_grid, GAMMA, U0)
    return {"model": model, "history": history, "t": t_grid, "u": u, "exact": exact,
            "error": pinn.relative_l2(u, exact)}  # fmt: skip


@_cached
def oscillator_study(short: bool = False) -> dict:
    r"""Train :math:`\hat x = x_0 + v_0 t + \tau^2N(\tau)`, :math:`\tau = t/4`, on the damped oscillator."""
    model = pinn.OscillatorTrial(pinn.network(1, 32, 2, seed=SEED), x0=X0, v0=V0, t_scale=T_OSC)
    t = pinn.collocation_1d(ODE_POINTS[short], T_OSC)
    loss = lambda m, p: pinn.oscillator_loss(m, p, OMEGA, ZETA)  # noqa: E731
    history = _train(model, loss, t, OSC_STEPS[short], 1e-2)
    t_grid = np.linspace(0.0, T_OSC, 601)
    u = pinn.predict(model, t_grid[:, None])
    exact = pinn.oscillator_exact(t_grid, OMEGA, ZETA, X0, V0)
    return {"model": model, "history": history, "t": t_grid, "u": u, "exact": exact,
            "error": pinn.relative_l2(u, exact)}  # fmt: skip


@functools.cache
def heat_study(soft: bool = False, short: bool = False) -> dict:
    r"""Train the heat-equation PINN (hard constraints, or ``soft``) and evaluate it on a 101 x 101 grid."""
    net = pinn.network(2, WIDTH, DEPTH, seed=SEED)
    model = pinn.SoftHeat(net) if soft else pinn.HeatTrial(net, scale=HEAT_SCALE)
    points = pinn.collocation_2d(HEAT_POINTS[short], T_MAX, seed=SEED)
    if soft:
        loss = lambda m, p: pinn.soft_heat_loss(m, p, weight=SOFT_WEIGHT)  # noqa: E731
    else:
        loss = pinn.heat_loss
    history = _train(model, loss, points, HEAT_STEPS[short], HEAT_LR)
    x, t, grid = pinn.heat_grid(101, 101, T_MAX)
    u = pinn.predict(model, grid).reshape(len(t), len(x))
    exact = pinn.heat_exact(grid[:, 0], grid[:, 1]).reshape(len(t), len(x))
    return {"model": model, "history": history, "x": x, "t": t, "u": u, "exact": exact,
            "points": points.detach().numpy(), "error": pinn.relative_l2(u, exact)}  # fmt: skip


@_cached
def burgers_study(short: bool = False) -> dict:
    r"""Train the Burgers PINN on :math:`[-1, 1]\times[0, 0.5]`, :math:`\nu = 0.05`."""
    model = pinn.BurgersTrial(pinn.network(2, WIDTH, DEPTH, seed=SEED))
    points = pinn.collocation_2d(BURGERS_POINTS[short], BURGERS_T, seed=SEED, x_range=(-1.0, 1.0))
    loss = lambda m, p: pinn.burgers_loss(m, p, BURGERS_NU)  # noqa: E731
    history = _train(model, loss, points, BURGERS_STEPS[short], HEAT_LR)
    x = np.linspace(-1.0, 1.0, 101)
    t = np.linspace(0.0, BURGERS_T, 51)
    T, X = np.meshgrid(t, x, indexing="ij")
    grid = np.column_stack([X.ravel(), T.ravel()])
    u = pinn.predict(model, grid).reshape(T.shape)
    exact = pinn.burgers_exact(X, T, BURGERS_NU)
    return {"model": model, "history": history, "x": x, "t": t, "u": u, "exact": exact,
            "error": pinn.relative_l2(u, exact)}  # fmt: skip


@functools.cache
def fd_convergence(r: float = FD_R) -> dict:
    r"""FTCS errors at :math:`t = 0.1` for :math:`n_x` in ``FD_NX``, fixed :math:`r = \Delta t/\Delta x^2`."""
    dx = np.array([1.0 / (n - 1) for n in FD_NX])
    errors = np.array([pinn.ftcs_error(n, r, FD_T_END) for n in FD_NX])
    return {"dx": dx, "errors": errors, "order": pinn.convergence_order(dx, errors)}


# --------------------------------------------------------------------------- checks


@reference_check(
    "pinn.decay",
    chapter="pinn",
    description="PINN u = u0 + t N(t/4) for u' = -u on [0, 4]: relative L2 error below 1e-3",
    reference_source="analytic u0 exp(-gamma t); short (50 points, 100 Adam + 50 L-BFGS steps): below 1e-2",
    kind="at_most",
    glued=("pinn-decay-error",),
)
def _decay(short: bool):
    return decay_study(short)["error"], ODE_TOL["decay"][short]


@reference_check(
    "pinn.oscillator",
    chapter="pinn",
    description="PINN x = x0 + v0 t + (t/4)^2 N(t/4), damped oscillator, t in [0, 4]: rel. L2 < 1e-2",
    reference_source="analytic underdamped solution; short (50 points, 200 Adam + 100 L-BFGS): below 5e-2",
    kind="at_most",
    glued=("pinn-osc-error",),
)
def _oscillator(short: bool):
    return oscillator_study(short)["error"], ODE_TOL["oscillator"][short]


@reference_check(
    "pinn.heat",
    chapter="pinn",
    description="Heat-equation PINN (hard constraints) on [0, 1] x [0, 0.5]: relative L2 error below 1e-2",
    reference_source="analytic exp(-pi^2 t) sin(pi x) on a 101 x 101 grid; "
    "short (300 points, 200 Adam + 150 L-BFGS steps, same seed): also below 1e-2",
    kind="at_most",
    glued=("pinn-heat-error",),
)
def _heat(short: bool):
    return heat_study(False, short)["error"], HEAT_TOL[short]


@reference_check(
    "pinn.burgers",
    chapter="pinn",
    description="Burgers PINN (nu = 0.05) on [-1, 1] x [0, 0.5]: relative L2 error below 1e-2",
    reference_source="Cole-Hopf solution by Gauss-Hermite quadrature (pinn.burgers_exact), 101 x 51 grid; "
    "short (200 points, 200 Adam + 100 L-BFGS steps): below 5e-2",
    kind="at_most",
    glued=("pinn-burgers-error",),
)
def _burgers(short: bool):
    return burgers_study(short)["error"], BURGERS_TOL[short]


@reference_check(
    "pinn.ftcs-error",
    chapter="pinn",
    description="FTCS scheme, nx = 81, r = 0.4: relative L2 error at t = 0.1 below 1e-3",
    reference_source="analytic exp(-pi^2 t) sin(pi x)",
    kind="at_most",
    glued=("pinn-fd-error",),
)
def _ftcs_error():
    return float(fd_convergence()["errors"][-1]), 1e-3


@reference_check(
    "pinn.ftcs-order",
    chapter="pinn",
    description="FTCS at fixed r = dt/dx^2 = 0.4 converges at second order in dx (slope within 0.2 of 2)",
    reference_source="truncation error O(dt) + O(dx^2) = O(dx^2) at fixed r",
    kind="abs",
    tolerance=0.2,
    glued=("pinn-fd-order",),
)
def _ftcs_order():
    return fd_convergence()["order"], 2.0


@functools.cache
def instability_demo() -> dict:
    r"""Largest :math:`|u|` of the FTCS solution (:math:`n_x = 21`) vs the number of steps.

    The initial profile is the smooth first mode; the sawtooth mode grows from round-off
    only, by a factor :math:`|1 - 4r\sin^2(\pi(n_x-2)/(2(n_x-1)))|` per step.
    """
    dx = 1.0 / (FD_UNSTABLE_NX - 1)
    steps = np.arange(0, 801, 10)
    out = {"steps": steps, "max": {}, "profile": {}}
    for r in FD_UNSTABLE_R:
        dt = r * dx**2
        out["max"][r] = np.array(
            [np.abs(pinn.ftcs_heat(FD_UNSTABLE_NX, dt, n * dt, allow_unstable=True)[1]).max() for n in steps]
        )
        out["profile"][r] = pinn.ftcs_heat(FD_UNSTABLE_NX, dt, 600 * dt, allow_unstable=True)
    return out
