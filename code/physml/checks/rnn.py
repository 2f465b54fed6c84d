"""Reference checks of the chapter "Recurrent neural networks".

The runs themselves (settings, trajectories, training, the Lyapunov estimate) are in
``physml.studies.rnn``; each check that needs one reads the run the page made
(``experiment.current``: the book's settings in the book, the short ones in the unit
tests). The integrator checks and the BPTT check are cheap and deterministic, and stay here.
"""

from __future__ import annotations

import functools

import numpy as np

from .. import rnn
from ..experiment import current
from ..studies import rnn as study
from ..validation import reference_check

LYAPUNOV_REFERENCE = 0.9056  # Sprott (2003), largest exponent of Lorenz at sigma=10, rho=28, beta=8/3
LYAPUNOV_SYSTEMATIC = (0.03, 0.1)  # finite-time and step-size bias allowance (full, short)


def oscillator_run(short: bool = False) -> dict:
    return study.oscillator_run(current(study.oscillator_run, short))


def lorenz_run(short: bool = False) -> dict:
    return study.lorenz_run(current(study.lorenz_run, short))


def lyapunov_estimate(short: bool = False) -> tuple[float, float, np.ndarray]:
    return study.lyapunov_run(current(study.lyapunov_run, short))


# --- integrator checks --------------------------------------------------------------------

SOLVE_IVP_TIME = 2.0


@functools.cache
def rk4_vs_solve_ivp(dt: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
    """Lorenz from (1, 1, 1) to t = 2 with RK4 (dt = 1e-3) and with solve_ivp (DOP853, rtol 1e-12)."""
    from scipy.integrate import solve_ivp

    y0 = np.array([1.0, 1.0, 1.0])
    n = int(round(SOLVE_IVP_TIME / dt))
    ours = rnn.integrate(rnn.lorenz_rhs, y0, dt, n)
    t_eval = dt * np.arange(0, n + 1, 100)
    ref = solve_ivp(
        rnn.lorenz_rhs, (0.0, SOLVE_IVP_TIME), y0, method="DOP853", rtol=1e-12, atol=1e-12, t_eval=t_eval
    )
    return ours[::100], ref.y.T


@functools.cache
def rk4_order(dts: tuple = (0.02, 0.01, 0.005, 0.0025, 0.00125)) -> tuple[np.ndarray, np.ndarray]:
    """Error of RK4 at t = 0.5 on Lorenz from (1, 1, 1) for each step in ``dts``.

    The reference is solve_ivp (DOP853, rtol 1e-13).
    """
    from scipy.integrate import solve_ivp

    y0, T = np.array([1.0, 1.0, 1.0]), 0.5
    ref = solve_ivp(rnn.lorenz_rhs, (0.0, T), y0, method="DOP853", rtol=1e-13, atol=1e-13).y[:, -1]
    errs = np.array(
        [np.linalg.norm(rnn.integrate(rnn.lorenz_rhs, y0, dt, int(round(T / dt)))[-1] - ref) for dt in dts]
    )
    return np.array(dts), errs


def rk4_slope() -> float:
    dts, errs = rk4_order()
    return float(np.polyfit(np.log(dts), np.log(errs), 1)[0])


@reference_check(
    "rnn.rk4-solve-ivp",
    chapter="rnn",
    description="RK4 (dt = 1e-3) on Lorenz up to t = 2 equals scipy's solve_ivp (DOP853, rtol 1e-12)",
    reference_source="scipy.integrate.solve_ivp",
    kind="abs",
    tolerance=1e-6,
    reference_kind="library",
    tolerance_from="after",
    why="1e-6 is no derived bound on RK4's error at dt = 1e-3 (it is 7e-8); it came with the first run",
)
def _rk4_vs_scipy():
    return rk4_vs_solve_ivp()


@reference_check(
    "rnn.rk4-order",
    chapter="rnn",
    description="The error of RK4 falls as dt^4: fitted slope of log error against log dt",
    reference_source="order of the classical Runge-Kutta method",
    kind="abs",
    tolerance=0.3,
    glued=("rnn-rk4-slope",),
    reference_kind="exact",
    tolerance_from="after",
    why="0.3 on the fitted slope is not derived from the O(dt^5) corrections; it came with the first run",
)
def _rk4_order():
    return rk4_slope(), 4.0


@reference_check(
    "rnn.lstm-beats-persistence",
    chapter="rnn",
    description="Mean multi-step error of the LSTM on the driven oscillator is below persistence's",
    reference_source="persistence forecast x(t+k) = x(t) "
    "(short configuration: 4 trajectories of 150 samples, 4 epochs)",
    kind="at_most",
    glued=("rnn-osc-lstm-error",),
    reference_kind="baseline",
    tolerance_from="target",
    why="a model that does not beat persistence has learned nothing: the claim itself, no margin",
)
def _lstm_vs_persistence(short: bool):
    run = oscillator_run(short)
    return run["mean_error"]["LSTM"], run["mean_error"]["persistence"]


@reference_check(
    "rnn.lyapunov",
    chapter="rnn",
    description="Largest Lyapunov exponent of Lorenz from renormalised nearby trajectories",
    reference_source="Sprott (2003): 0.9056 (short configuration: 8 segments of 40 time units, "
    "allowance 0.1)",
    kind="stat",
    k=3.0,
    systematic=LYAPUNOV_SYSTEMATIC[0],
    short_systematic=LYAPUNOV_SYSTEMATIC[1],
    glued=("rnn-lyapunov",),
    reference_kind="published",
    tolerance_from="after",
    why="3 sigma of the segment mean, plus a bias allowance 0.03 (0.1 short) that is not derived",
)
def _lyapunov(short: bool):
    lam, err, _ = lyapunov_estimate(short)
    return lam, err, LYAPUNOV_REFERENCE


# --- vanishing and exploding gradients ----------------------------------------------------

# the linear RNN of the BPTT check: hidden units, steps, scale of W, seed
BPTT = {"n_hidden": 16, "steps": 20, "scale": 1.2, "seed": 3}


@functools.cache
def bptt_vs_matrix_power() -> tuple[np.ndarray, np.ndarray]:
    """Norms ||dh_T/dh_t|| by BPTT for a linear RNN, and the exact ||W^(T-t)||_2."""
    cfg = BPTT
    x = np.random.default_rng(cfg["seed"]).normal(size=(cfg["steps"], 1))
    cell = rnn.VanillaRNN(1, cfg["n_hidden"], cfg["scale"], "identity", seed=cfg["seed"])
    W = cell.W.detach().numpy()
    exact = np.array([np.linalg.norm(np.linalg.matrix_power(W, k), 2) for k in range(cfg["steps"])])
    return rnn.hidden_jacobians(cell, x), exact


@reference_check(
    "rnn.bptt-linear",
    chapter="rnn",
    description="BPTT Jacobian norms ||dh_T/dh_t|| of a linear RNN equal ||W^(T-t)||_2",
    reference_source="exact matrix powers (numpy.linalg.matrix_power)",
    kind="rel",
    tolerance=1e-10,
    reference_kind="exact",
    tolerance_from="bound",
    why="float64 rounding of at most 19 products of 16x16 matrices is ~1e-14 relative; 1e-10 leaves margin",
)
def _bptt_linear():
    return bptt_vs_matrix_power()
