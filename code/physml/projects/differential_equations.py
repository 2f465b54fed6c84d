r"""Project path *Differential equations*: the heat equation three ways, and a Lorenz forecaster.

The page ``projects/differential_equations.md`` (label ``project-differential_equations``)
sets the project; it builds on the chapters *Physics-informed neural networks* and
*Recurrent neural networks*. This module gives the group

* the problem data: the analytic heat solution :func:`heat_exact`,
  :math:`u(x, t) = e^{-\pi^2 t}\sin\pi x` of :math:`u_t = u_{xx}` on :math:`[0, 1]` with
  :math:`u(0, t) = u(1, t) = 0` and :math:`u(x, 0) = \sin\pi x`; Lorenz trajectories on
  the attractor for training (:func:`lorenz_trajectories`, seeded) and the histories of
  the held-out trajectories a forecaster is judged on (:func:`lorenz_held_out`);
* the milestone checks, which take the group's own results:
  :func:`check_ftcs` (their explicit scheme's solution against the truncation-error
  bound), :func:`check_pinn` (their network's solution, relative :math:`L^2` error) and
  :func:`check_forecaster` (their forecaster's valid time on the held-out trajectories, in
  Lyapunov times, :func:`valid_time`);
* ``TEMPLATE``, what ``python -m physml.project new differential_equations <folder>`` writes.

A check says whether a milestone is reached and why; it never shows the reference value
it compares with.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .. import pinn, rnn
from .._validate import as_float_array, as_rng, check_int, check_scalar
from ..checks.rnn import LYAPUNOV_REFERENCE
from . import Milestone, Template, milestone

__all__ = [
    "HELD_OUT_HISTORY",
    "HELD_OUT_HORIZON",
    "HELD_OUT_TRAJECTORIES",
    "LORENZ_DT",
    "LYAPUNOV_EXPONENT",
    "VALID_THRESHOLD",
    "TEMPLATE",
    "heat_exact",
    "lorenz_trajectories",
    "lorenz_held_out",
    "valid_time",
    "check_ftcs",
    "check_pinn",
    "check_forecaster",
]

#: Sampling step of every Lorenz trajectory of this project (time units of the Lorenz system).
LORENZ_DT = 0.02
#: RK4 steps per sampling step (the integration step is ``LORENZ_DT / 2``).
_SUBSTEPS = 2
#: Time discarded from a random start so that a trajectory lies on the attractor (a start near
#: one of the unstable foci C+- spirals out slowly, at a rate of about 0.09 per time unit).
_TRANSIENT = 25.0
#: Largest Lyapunov exponent of Lorenz at sigma = 10, rho = 28, beta = 8/3 (Sprott 2003),
#: the unit of the valid time: one Lyapunov time is ``1 / LYAPUNOV_EXPONENT``.
LYAPUNOV_EXPONENT = LYAPUNOV_REFERENCE
#: A forecast stays valid while its normalised error is at most this (Pathak et al. 2018 use 0.4).
VALID_THRESHOLD = 0.4
#: The held-out set: trajectories, states in each history, steps to forecast.
HELD_OUT_TRAJECTORIES = 20
HELD_OUT_HISTORY = 50
HELD_OUT_HORIZON = 300
#: Entropy of the held-out initial conditions: a pair, so that no int seed of
#: :func:`lorenz_trajectories` reproduces them.
_HELD_OUT_ENTROPY = (5429, 2026)

#: Relative and absolute slack of the FTCS bound: float64 rounding over at most 10^5 steps.
FTCS_RTOL = 1e-6
FTCS_ATOL = 1e-12


# --- the heat equation ---------------------------------------------------------------------


def heat_exact(x, t: float) -> np.ndarray:
    r"""The analytic solution :math:`u(x, t) = e^{-\pi^2 t}\sin(\pi x)` at the points ``x``.

    It solves :math:`u_t = u_{xx}` on :math:`[0, 1]`, :math:`u(0,t) = u(1,t) = 0`,
    :math:`u(x, 0) = \sin\pi x` (the project page *Differential equations*).
    """
    x = as_float_array(x, "x", nonempty=True)
    t = check_scalar(t, "t", minimum=0.0)
    return pinn.heat_exact(x, t)


def _grid_steps(dx: float, dt: float, t: float) -> tuple[int, int, float]:
    """Check ``dx``, ``dt``, ``t``; return the intervals ``N = 1/dx``, the steps ``n = t/dt`` and ``r``."""
    dx = check_scalar(dx, "dx", minimum=0.0, maximum=0.5, include_min=False)
    dt = check_scalar(dt, "dt", minimum=0.0, include_min=False)
    t = check_scalar(t, "t", minimum=0.0, include_min=False)
    n_intervals = round(1.0 / dx)
    if abs(n_intervals * dx - 1.0) > 1e-9:
        raise ValueError(f"dx must be 1/N for a whole number N of intervals, got dx={dx}")
    n_steps = round(t / dt)
    if n_steps < 1 or abs(n_steps * dt - t) > 1e-9 * t:
        raise ValueError(f"t must be a whole number of steps dt, got t={t}, dt={dt} (t/dt = {t / dt})")
    return n_intervals, n_steps, dt / dx**2


def _ftcs_error_bound(dx: float, dt: float, t: float) -> float:
    r"""The error of the exact FTCS solution against the analytic one, :math:`\max_j |u_j^n - u(x_j, t)|`.

    For :math:`u(x, 0) = \sin\pi x` the scheme
    :math:`u_j^{k+1} = u_j^k + r(u_{j+1}^k - 2u_j^k + u_{j-1}^k)`, :math:`r = \Delta t/\Delta x^2`,
    multiplies the profile by the same factor at every step (von Neumann),
    :math:`u_j^n = g^n\sin\pi x_j` with :math:`g = 1 - 4r\sin^2(\pi\Delta x/2)`, so

    .. math:: \max_j |u_j^n - e^{-\pi^2 t}\sin\pi x_j| = |g^n - e^{-\pi^2 t}|\,\max_j|\sin\pi x_j|,

    :math:`n = t/\Delta t`: the scheme's truncation error, :math:`O(\Delta t) + O(\Delta x^2)`.
    :func:`check_ftcs` accepts a solution whose error is within this bound (times
    :math:`1 + 10^{-6}`, plus :math:`10^{-12}`: rounding); the check never shows its value.
    """
    n_intervals, n_steps, r = _grid_steps(dx, dt, t)
    g = 1.0 - 4.0 * r * math.sin(math.pi * dx / 2) ** 2
    sin_max = float(np.max(np.abs(np.sin(np.pi * np.arange(n_intervals + 1) / n_intervals))))
    return abs(g**n_steps - math.exp(-(math.pi**2) * t)) * sin_max


def check_ftcs(u, dx: float, dt: float, t: float) -> Milestone:
    r"""Milestone: the group's explicit (FTCS) solution of the heat equation at time ``t``.

    ``u`` holds their :math:`u_j^n` at :math:`x_j = j\Delta x`, :math:`j = 0, \dots, N`
    (:math:`N = 1/\Delta x`, the ends included), after :math:`n = t/\Delta t` steps of
    :math:`u_j^{k+1} = u_j^k + r(u_{j+1}^k - 2u_j^k + u_{j-1}^k)` from :math:`\sin\pi x_j`.

    * With :math:`r = \Delta t/\Delta x^2 > 1/2` the milestone is not reached, whatever
      ``u`` holds (it may hold NaN or inf then): the scheme is unstable (its shortest wave
      is amplified by :math:`|1 - 4r| > 1` per step).
    * Otherwise it is reached when :math:`\max_j |u_j - e^{-\pi^2 t}\sin\pi x_j|` is at most
      the truncation-error bound :math:`|g^n - e^{-\pi^2 t}|\max_j|\sin\pi x_j|`, with
      :math:`g = 1 - 4r\sin^2(\pi\Delta x/2)` (times :math:`1 + 10^{-6}`, plus :math:`10^{-12}`:
      rounding), the error a correct FTCS code makes. Derive it in the report.
    """
    n_intervals, n_steps, r = _grid_steps(dx, dt, t)
    shown = {"dx": dx, "dt": dt, "t": t, "r = dt/dx^2": r, "time steps": str(n_steps)}
    name = f"FTCS heat equation, dx = {dx:g}, t = {t:g}"
    unstable = r > pinn.FTCS_STABILITY_LIMIT * (1 + 1e-12)
    values = as_float_array(_finite_if(u, unstable), "u", ndim=1)
    _check_length(values, n_intervals)
    if unstable:
        return milestone(
            name,
            False,
            "",
            f"unstable time step: r = dt/dx^2 = {r:.4g} > 1/2. FTCS amplifies the shortest "
            "wave on the grid by |1 - 4r| > 1 per step, so round-off grows without bound; "
            "take dt <= dx^2/2 (the stability limit is dt = dx^2/2).",
            **shown,
        )
    x = np.arange(n_intervals + 1) / n_intervals
    error = float(np.max(np.abs(values - pinn.heat_exact(x, t))))
    bound = _ftcs_error_bound(dx, dt, t)
    passed = error <= bound * (1 + FTCS_RTOL) + FTCS_ATOL
    hint = (
        "your error is larger than the truncation error of FTCS at this dx and dt. Check: "
        "the initial profile sin(pi x_j); u_0 = u_N = 0 at every step; the update "
        "u_j + r (u_{j+1} - 2 u_j + u_{j-1}) uses only old values (no in-place update); "
        "r = dt/dx^2; exactly n = t/dt steps; x_j = j dx with the ends included."
    )
    return milestone(
        name,
        passed,
        "the error against e^{-pi^2 t} sin(pi x) is within the truncation-error bound of FTCS.",
        hint,
        max_error=error,
        **shown,
    )


def _finite_if(u, unstable: bool):
    """``u`` with NaN and inf set to 0 when the scheme was unstable (they are its symptom then)."""
    if not unstable:
        return u
    try:
        arr = np.asarray(u)
    except (TypeError, ValueError):
        return u  # as_float_array says what is wrong
    if arr.dtype.kind != "f":
        return u
    return np.nan_to_num(arr, nan=0.0, posinf=0.0, neginf=0.0)


def _check_length(values: np.ndarray, n_intervals: int) -> None:
    if values.shape != (n_intervals + 1,):
        raise ValueError(
            f"u must hold the N + 1 = {n_intervals + 1} values at x_j = j dx, j = 0..N "
            f"(ends included), got shape {values.shape}"
        )


def check_pinn(u, t: float = 0.1, target: float = 1e-2) -> Milestone:
    r"""Milestone: the group's network solution of the heat equation at time ``t``.

    ``u`` holds their :math:`\hat u(x_j, t)` at the :math:`n` equally spaced points
    :math:`x_j = j/(n-1)`, :math:`j = 0, \dots, n-1` (ends included, :math:`n \ge 11`). The
    milestone is reached when the relative error

    .. math:: \frac{\lVert\hat u - u\rVert_2}{\lVert u\rVert_2},\qquad u = e^{-\pi^2 t}\sin\pi x_j,

    is below ``target`` (stated before the run; 1 % by default).
    """
    values = as_float_array(u, "u", ndim=1)
    if values.size < 11:
        raise ValueError(f"u must hold at least 11 values (x_j = j/(n-1)), got {values.size}")
    t = check_scalar(t, "t", minimum=0.0, include_min=False)
    target = check_scalar(target, "target", minimum=0.0, include_min=False)
    if math.exp(-(math.pi**2) * t) < 1e-200:
        raise ValueError(
            f"t must be small enough that u = exp(-pi^2 t) sin(pi x) is not zero in float64, got {t}"
        )
    x = np.linspace(0.0, 1.0, values.size)
    error = pinn.relative_l2(values, pinn.heat_exact(x, t))
    return milestone(
        f"network solution of the heat equation, t = {t:g}",
        error < target,
        f"relative L2 error below the target {target:g}.",
        f"relative L2 error not below the target {target:g}. Check that u holds u(x_j, t) at "
        "x_j = j/(n-1) for this t; then train longer (L-BFGS after Adam), sample collocation "
        "points up to this t, or build the conditions into the trial solution.",
        relative_L2_error=error,
        points=str(values.size),
        t=t,
    )


# --- the Lorenz forecaster ---------------------------------------------------------------


def _trajectories(y0: np.ndarray, length: int) -> np.ndarray:
    """Lorenz trajectories from ``y0`` (n, 3): a transient, then ``length`` states every ``LORENZ_DT``."""
    fine = LORENZ_DT / _SUBSTEPS
    start = rnn.integrate(rnn.lorenz_rhs, y0, fine, round(_TRANSIENT / fine))[-1]
    if length == 1:
        return start[:, None].copy()
    traj = rnn.integrate(rnn.lorenz_rhs, start, fine, (length - 1) * _SUBSTEPS)[::_SUBSTEPS]
    return np.swapaxes(traj, 0, 1).copy()


def _initial_conditions(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.normal(size=(n, 3)) * 5.0 + np.array([0.0, 0.0, 25.0])


def lorenz_trajectories(n_traj: int, length: int, seed=0) -> np.ndarray:
    r"""Training data: ``n_traj`` Lorenz trajectories on the attractor, shape ``(n_traj, length, 3)``.

    .. math:: \dot x = \sigma(y - x),\quad \dot y = x(\rho - z) - y,\quad \dot z = xy - \beta z,

    :math:`\sigma = 10`, :math:`\rho = 28`, :math:`\beta = 8/3`, integrated with RK4
    (:func:`physml.rnn.integrate`, step ``LORENZ_DT / 2``) from random starts
    :math:`(x, y, z) \sim \mathcal N((0, 0, 25), 5^2)`; the first 25 time units are
    discarded, then a state is kept every ``LORENZ_DT`` = 0.02. ``seed`` is an int or a
    ``numpy.random.Generator``; no int seed gives the held-out initial conditions.
    """
    n_traj = check_int(n_traj, "n_traj", minimum=1)
    length = check_int(length, "length", minimum=1)
    rng = as_rng(seed)
    return _trajectories(_initial_conditions(n_traj, rng), length)


@functools.cache
def _held_out() -> tuple[np.ndarray, np.ndarray]:
    """The held-out histories and their true continuations (computed once per process)."""
    rng = np.random.default_rng(list(_HELD_OUT_ENTROPY))
    traj = _trajectories(_initial_conditions(HELD_OUT_TRAJECTORIES, rng), HELD_OUT_HISTORY + HELD_OUT_HORIZON)
    traj.setflags(write=False)
    return traj[:, :HELD_OUT_HISTORY], traj[:, HELD_OUT_HISTORY:]


@functools.cache
def _attractor_scale() -> float:
    r"""The size of the attractor, the RMS distance of its points from their mean,

    .. math:: D = \langle\lVert\boldsymbol x - \langle\boldsymbol x\rangle\rVert^2\rangle^{1/2},

    averaged over 20 trajectories of 100 time units (seeded), it normalises the forecast error.
    """
    traj = _trajectories(_initial_conditions(20, np.random.default_rng([5429, 1])), 5000).reshape(-1, 3)
    return float(np.sqrt(np.mean(np.sum((traj - traj.mean(axis=0)) ** 2, axis=1))))


def lorenz_held_out() -> np.ndarray:
    """The histories of the 20 held-out trajectories, shape ``(20, 50, 3)``, one state every ``LORENZ_DT``.

    A forecaster reads them (it may use only the last states) and predicts the next
    ``HELD_OUT_HORIZON`` = 300 states of each; :func:`check_forecaster` holds the truth.
    """
    return _held_out()[0].copy()


def valid_time(predicted, true, threshold: float = VALID_THRESHOLD) -> np.ndarray:
    r"""Valid time of each forecast, in Lyapunov times.

    ``predicted`` and ``true`` have shape ``(n, K, 3)``: state :math:`k = 1, \dots, K` of
    each forecast, :math:`k` steps of ``LORENZ_DT`` after its history ends. The normalised
    error is

    .. math:: e_i(k) = \lVert\hat{\boldsymbol x}_{i,k} - \boldsymbol x_{i,k}\rVert_2 / D,

    :math:`D` the RMS distance of the attractor's points from their mean (about 15). The
    valid time of forecast :math:`i` is :math:`\lambda_{\max}\,k^*\Delta t` with
    :math:`k^*` the first :math:`k` where :math:`e_i(k) >` ``threshold``, or :math:`K` if
    there is none (a lower bound then), with :math:`\lambda_{\max}` = ``LYAPUNOV_EXPONENT``.
    """
    p = as_float_array(predicted, "predicted", ndim=3)
    y = as_float_array(true, "true", ndim=3)
    if p.shape != y.shape:
        raise ValueError(f"predicted and true must have the same shape, got {p.shape} and {y.shape}")
    if p.shape[0] == 0 or p.shape[1] == 0 or p.shape[2] != 3:
        raise ValueError(f"predicted must have shape (n, K, 3) with n, K >= 1, got {p.shape}")
    threshold = check_scalar(threshold, "threshold", minimum=0.0, include_min=False)
    return _valid_time(p, y, threshold)


def _valid_time(p: np.ndarray, y: np.ndarray, threshold: float) -> np.ndarray:
    error = np.linalg.norm(p - y, axis=2) / _attractor_scale()
    over = error > threshold
    steps = np.where(over.any(axis=1), over.argmax(axis=1) + 1, p.shape[1])
    return steps * LORENZ_DT * LYAPUNOV_EXPONENT


def _as_forecast(forecaster) -> np.ndarray:
    """The group's forecasts of the held-out trajectories, from a function or an array."""
    shape = (HELD_OUT_TRAJECTORIES, HELD_OUT_HORIZON, 3)
    if callable(forecaster):
        out = forecaster(lorenz_held_out(), HELD_OUT_HORIZON)
        if hasattr(out, "detach"):  # a torch tensor
            out = out.detach().cpu().numpy()
        try:
            out = as_float_array(out, "forecaster(history, n_steps)", ndim=3)
        except (TypeError, ValueError) as err:
            raise type(err)(f"forecaster returned an unusable forecast: {err}") from None
        if out.shape != shape:
            raise ValueError(f"forecaster(history, n_steps) must return shape {shape}, got {out.shape}")
        return out
    if isinstance(forecaster, (str, bytes)) or forecaster is None:
        raise TypeError(
            "forecaster must be a function forecast(history, n_steps) or an array of forecasts "
            f"{shape}, got {type(forecaster).__name__}"
        )
    if hasattr(forecaster, "detach"):
        forecaster = forecaster.detach().cpu().numpy()
    out = as_float_array(forecaster, "forecaster", ndim=3)
    if out.shape != shape:
        raise ValueError(f"forecaster as an array must have shape {shape} (the forecasts), got {out.shape}")
    return out


def check_forecaster(forecaster, target: float = 1.0) -> Milestone:
    r"""Milestone: the group's Lorenz forecaster on the 20 held-out trajectories.

    ``forecaster`` is a function ``forecast(history, n_steps)`` that maps the histories of
    :func:`lorenz_held_out` (shape ``(20, 50, 3)``, raw coordinates, one state every
    ``LORENZ_DT``) to the next ``n_steps`` states of each, shape ``(20, n_steps, 3)``; or
    that array of forecasts itself, ``n_steps`` = ``HELD_OUT_HORIZON`` = 300 (6 time units,
    5.4 Lyapunov times). The milestone is reached when the median :func:`valid_time` over
    the 20 trajectories exceeds ``target`` Lyapunov times (stated before the run).
    Persistence, :math:`\hat{\boldsymbol x}_{t+k} = \boldsymbol x_t`, stays valid for about a
    tenth of a Lyapunov time.
    """
    target = check_scalar(target, "target", minimum=0.0, include_min=False)
    forecast = _as_forecast(forecaster)
    times = _valid_time(forecast, _held_out()[1], VALID_THRESHOLD)
    median = float(np.median(times))
    horizon = HELD_OUT_HORIZON * LORENZ_DT * LYAPUNOV_EXPONENT
    lo, hi = np.percentile(times, [25, 75])
    return milestone(
        "Lorenz forecaster, valid time on 20 held-out trajectories",
        median > target,
        f"median valid time above the target of {target:g} Lyapunov times.",
        f"median valid time not above the target of {target:g} Lyapunov times. Check that the "
        "forecast starts one step (dt = 0.02) after the last state of each history and feeds "
        "its own predictions back in; standardise the inputs with the training statistics; "
        "train on more trajectories; compare the one-step error with that of persistence.",
        median_valid_time_Lyapunov_times=median,
        quartiles=f"{lo:.3g} to {hi:.3g}",
        valid_to_the_horizon=f"{int(np.sum(times >= horizon - 1e-12))} of {len(times)}",
    )


# --- the template ----------------------------------------------------------------------------

_SOLUTION = '''"""Your solution of the differential-equations project (heat equation and Lorenz forecaster).

The milestone tests (tests/test_milestones.py) call these functions. Keep their names,
arguments and return values; write the code they need here or in your own modules.
"""

import numpy as np


def ftcs_heat(dx: float, dt: float, t_end: float) -> np.ndarray:
    """Solve u_t = u_xx on [0, 1], u(0, t) = u(1, t) = 0, u(x, 0) = sin(pi x) by FTCS.

    Take n = t_end/dt steps of u_j <- u_j + r (u_{j+1} - 2 u_j + u_{j-1}), r = dt/dx^2,
    on the grid x_j = j dx, j = 0, ..., N (N = 1/dx). Return u at t_end: an array of
    the N + 1 values, ends included.
    """
    raise NotImplementedError("ftcs_heat: write the explicit scheme")


def pinn_heat(t: float, n_x: int = 101) -> np.ndarray:
    """Train a neural network on u_t = u_xx (the same conditions) and return its solution at t.

    Return the network's u(x_j, t) at x_j = j/(n_x - 1), j = 0, ..., n_x - 1: an array of
    n_x values. Train once and reuse the network for other t (e.g. functools.cache).
    """
    raise NotImplementedError("pinn_heat: train a physics-informed network")


def lorenz_forecaster():
    """Train a forecaster of the Lorenz system on many trajectories and return it.

    Return a function forecast(history, n_steps): history has shape (n, w, 3), states of
    n trajectories sampled every dt = 0.02 in raw coordinates (as from
    physml.projects.differential_equations.lorenz_trajectories); it returns the next
    n_steps states of each, shape (n, n_steps, 3), feeding its own predictions back in.
    """
    raise NotImplementedError("lorenz_forecaster: train a forecaster")
'''

_TESTS = '''"""The milestones of the differential-equations project: python -m pytest tests."""

import pytest

import solution
from physml.projects import differential_equations as de


@pytest.mark.parametrize("dx", [0.1, 0.01])
@pytest.mark.parametrize("t", [0.1, 0.5])
def test_ftcs_at_the_stability_limit(dx, t):
    dt = dx**2 / 2
    m = de.check_ftcs(solution.ftcs_heat(dx, dt, t), dx=dx, dt=dt, t=t)
    assert m.passed, str(m)


def test_network_solution_at_t_0_1():
    m = de.check_pinn(solution.pinn_heat(0.1), t=0.1, target=1e-2)
    assert m.passed, str(m)


def test_forecaster_valid_time():
    m = de.check_forecaster(solution.lorenz_forecaster(), target=1.0)
    assert m.passed, str(m)
'''

TEMPLATE = Template(
    path="differential_equations",
    title="Differential equations: the heat equation three ways, and forecasting chaos",
    question=(
        "How does a neural network compare with a classical explicit scheme and with the exact "
        "solution for the heat equation, and how far ahead can a network trained on many "
        "trajectories forecast the chaotic Lorenz system, measured in Lyapunov times?"
    ),
    tasks=(
        "Solve u_t = u_xx on [0, 1], u(0) = u(1) = 0, u(x, 0) = sin(pi x) with the explicit FTCS "
        "scheme at dx = 1/10 and 1/100, dt = dx^2/2; compare with u = exp(-pi^2 t) sin(pi x) at "
        "t = 0.1 and 0.5 and derive the truncation error. Show what happens above the stability limit.",
        "Solve the same problem with a physics-informed neural network; measure its relative L2 "
        "error at t = 0.1 and 0.5.",
        "Study the network's architecture: depth, width, activation, collocation points, hard "
        "against soft conditions; error and training time for each, with seeds.",
        "Generate Lorenz trajectories from many initial conditions, train a forecaster (an MLP of "
        "the state, an RNN or LSTM of a window) and measure its valid time in Lyapunov times on "
        "the held-out trajectories.",
        "Critique: where is the network better or worse than the scheme (accuracy, cost, "
        "generalisation, guarantees)? What limits the forecast horizon, and how does the valid "
        "time scale with the one-step error?",
    ),
    solution=_SOLUTION,
    tests=_TESTS,
)
