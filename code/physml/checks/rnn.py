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
# Bias allowance of Benettin's estimate over a segment of length T: the random start direction
# loses |E ln|cos theta|| = 1 (cos theta uniform on [-1, 1] in three dimensions) of log growth
# before it aligns with the unstable direction, a bias of about -1/T; twice that, for T = 100 (full)
# and T = 40 (short). RK4's step bias at dt = 0.01 (O(dt^4)) and the rounding of 0.9056 are smaller.
LYAPUNOV_SYSTEMATIC = (2 / 100.0, 2 / 40.0)


def oscillator_run(short: bool = False) -> dict:
    return study.oscillator_run(current(study.oscillator_run, short))


def lorenz_run(short: bool = False) -> dict:
    return study.lorenz_run(current(study.lorenz_run, short))


def chaos_estimate(short: bool = False) -> dict:
    return study.chaos_run(current(study.chaos_run, short))


def esn_estimate(short: bool = False) -> dict:
    return study.esn_run(current(study.esn_run, short))


def training_estimate(short: bool = False) -> dict:
    return study.training_run(current(study.training_run, short))


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


@functools.cache
def richardson_bound(dt: float = 1e-3) -> float:
    """Twice Richardson's estimate of RK4's error at step dt, (16/15) max |y_dt - y_dt/2|, plus 1e-9
    for solve_ivp's own error, over the output times of :func:`rk4_vs_solve_ivp`."""
    y0 = np.array([1.0, 1.0, 1.0])
    n = int(round(SOLVE_IVP_TIME / dt))
    coarse = rnn.integrate(rnn.lorenz_rhs, y0, dt, n)[::100]
    fine = rnn.integrate(rnn.lorenz_rhs, y0, dt / 2, 2 * n)[::200]
    return float(2 * 16 / 15 * np.max(np.abs(coarse - fine)) + 1e-9)


@reference_check(
    "rnn.rk4-solve-ivp",
    chapter="rnn",
    description="RK4 (dt = 1e-3) on Lorenz up to t = 2 agrees with scipy's solve_ivp (DOP853, rtol 1e-12) "
    "within twice RK4's Richardson error estimate",
    reference_source="scipy.integrate.solve_ivp; bound: Richardson extrapolation with dt/2",
    kind="at_most",
    reference_kind="library",
    tolerance_from="bound",
    why="for a fourth-order method the error at dt is (16/15)|y_dt - y_dt/2| to leading order; "
    "a factor 2 for the next order, 1e-9 for solve_ivp's own error",
)
def _rk4_vs_scipy():
    ours, ref = rk4_vs_solve_ivp()
    return float(np.max(np.abs(ours - ref))), richardson_bound()


@reference_check(
    "rnn.rk4-order",
    chapter="rnn",
    description="The error of RK4 falls as dt^4: fitted slope of log error against log dt",
    reference_source="order of the classical Runge-Kutta method",
    kind="abs",
    tolerance=0.5,
    glued=("rnn-rk4-slope",),
    reference_kind="exact",
    tolerance_from="target",
    why="the check decides the integer order: a slope within 0.5 of 4 rounds to 4 and to no other order",
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
    "allowance 0.05)",
    kind="stat",
    k=3.0,
    systematic=LYAPUNOV_SYSTEMATIC[0],
    short_systematic=LYAPUNOV_SYSTEMATIC[1],
    glued=("rnn-lyapunov",),
    reference_kind="published",
    tolerance_from="sigma",
    why="3 sigma of the segment mean, plus twice the alignment bias 1/T of a random start direction "
    "(T = 100, short 40): 0.02 (0.05)",
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


# --- forecast horizons, baselines, reservoirs and training --------------------------------------


def _median_lyapunov(steps, dt: float) -> float:
    return float(np.median(steps) * dt * LYAPUNOV_REFERENCE)


#: the law is fitted where the error is small against the threshold 0.3 (the linear regime)
LAW_EPS_MAX = 1e-3


def horizon_law_slope(short: bool = False) -> tuple[float, float]:
    """Slope of the exact flow's valid time (initial error eps <= LAW_EPS_MAX, in Lyapunov times)
    against ln(1/eps), fitted to every trajectory at every eps; standard error by a bootstrap over the
    starts (200 resamples, seed 0)."""
    run = chaos_estimate(short)
    small = run["eps"] <= LAW_EPS_MAX  # the linear regime, eps << Delta
    steps = run["valid_steps"]["initial"][small] * run["dt"] * LYAPUNOV_REFERENCE  # (n_eps, n_traj)
    x = np.log(1 / run["eps"][small])
    slope = lambda v: float(np.polyfit(x, v.mean(axis=1), 1)[0])  # noqa: E731
    rng = np.random.default_rng(0)
    boot = [slope(steps[:, rng.integers(steps.shape[1], size=steps.shape[1])]) for _ in range(200)]
    return slope(steps), float(np.std(boot, ddof=1))


@reference_check(
    "rnn.horizon-law",
    chapter="rnn",
    description="The exact Lorenz flow started eps off forecasts t_lambda ln(Delta/eps): its mean valid time "
    "grows by one Lyapunov time per e-fold of 1/eps",
    reference_source="t_lambda ln(Delta/eps), Lyapunov time from Sprott (2003) "
    "(eps <= 1e-3; short configuration: 16 starts, eps = 1e-3, 1e-5)",
    kind="stat",
    k=3.0,
    reference_kind="exact",
    tolerance_from="sigma",
    why="3 bootstrap standard errors over the starts; the offset of the law (alignment, saturation) "
    "does not depend on eps and drops out of the slope",
    glued=("rnn-law-slope",),
)
def _horizon_law(short: bool):
    slope, err = horizon_law_slope(short)
    return slope, err, 1.0


@reference_check(
    "rnn.lstm-model-limited",
    chapter="rnn",
    description="The LSTM's median valid time on Lorenz is below that of the exact flow with an error of "
    "the LSTM's own one-step size added at every step: the model, not chaos, limits the forecast",
    reference_source="chaos_run: exact flow with per-step noise, interpolated in ln eps at the LSTM's eps",
    kind="at_most",
    reference_kind="exact",
    tolerance_from="target",
    why="the claim itself: a model whose errors were no worse than random ones of its size would reach "
    "the noisy exact flow's horizon",
    glued=("rnn-lor-median-lstm",),
)
def _lstm_model_limited(short: bool):
    lor, chaos = lorenz_run(short), chaos_estimate(short)
    dt = chaos["dt"]
    med = np.median(chaos["valid_steps"]["every step"], axis=1) * dt * LYAPUNOV_REFERENCE
    ref = float(np.interp(np.log(lor["one_step"]["LSTM"]), np.log(chaos["eps"])[::-1], med[::-1]))
    return _median_lyapunov(lor["valid_steps"]["LSTM"], dt), ref


@reference_check(
    "rnn.esn-beats-lstm",
    chapter="rnn",
    description="Echo-state networks (3 reservoir seeds) forecast Lorenz longer than the LSTM: "
    "median valid time",
    reference_source="the chapter's LSTM on the same test starts (one training seed) "
    "(short configuration: 100-unit reservoirs, LSTM of 3 epochs)",
    kind="beats",
    better="higher",
    reference_kind="baseline",
    tolerance_from="target",
    why="the claim itself, no margin: a longer median horizon than the LSTM's on the same starts",
)
def _esn_beats_lstm(short: bool):
    esn, lor = esn_estimate(short), lorenz_run(short)
    dt = current(study.esn_run, short).lorenz.dt
    values = [_median_lyapunov(r["valid_steps"], dt) for r in esn["seeds"].values()]
    return values, _median_lyapunov(lor["valid_steps"]["LSTM"], dt)


@reference_check(
    "rnn.dmd-eigenvalues",
    chapter="rnn",
    description="DMD eigenvalues of the sampled driven oscillator (x, v, cos, sin) equal exp(mu dt) for "
    "mu = -gamma +- i sqrt(omega0^2 - gamma^2) and +- i omega_d",
    reference_source="exact solution of the linear oscillator and its drive",
    kind="abs",
    tolerance=1e-8,
    reference_kind="exact",
    tolerance_from="bound",
    why="RK4's local error per substep is |mu h|^5/120 ~ 3e-11 (h = 0.02), 5 substeps per sample; "
    "1e-8 leaves room for the least-squares rounding",
)
def _dmd_eigenvalues():
    return dmd_oscillator()


@functools.cache
def dmd_oscillator() -> tuple[np.ndarray, np.ndarray]:
    """DMD eigenvalues of the book's oscillator training trajectories, and the exact ones."""
    cfg = study.OscillatorRun()
    series = study.oscillator_series(cfg, cfg.n_train, cfg.length, cfg.seed)
    mu = rnn.dmd_eigenvalues(series)
    gamma, omega0 = 0.1, 1.0
    w1 = np.sqrt(omega0**2 - gamma**2)
    exact = np.exp(
        np.array([-gamma - 1j * w1, -gamma + 1j * w1, -1j * study.OMEGA_D, 1j * study.OMEGA_D]) * cfg.dt
    )
    exact = exact[np.lexsort((exact.imag, np.abs(exact)))]
    return np.concatenate([mu.real, mu.imag]), np.concatenate([exact.real, exact.imag])


@reference_check(
    "rnn.lstm-vs-linear-oscillator",
    chapter="rnn",
    description="The LSTM (3 seeds) forecasts the driven oscillator better than the linear DMD map",
    reference_source="LinearForecaster: least squares on delay coordinates with the drive "
    "(short configuration: 4 trajectories, 4 epochs, compared with persistence only: the code path)",
    kind="beats",
    reference_kind="baseline",
    tolerance_from="target",
    why="the claim itself, no margin",
    known_failure="the oscillator with its drive is linear in (x, v, cos, sin): the linear map is its exact "
    "model class and forecasts to rounding error; no trained LSTM comes near",
)
def _lstm_vs_linear(short: bool):
    run = training_estimate(short)
    return run["mean_error"]["one-step training"], run["persistence" if short else "linear"]


@reference_check(
    "rnn.rollout-beats-teacher-forcing",
    chapter="rnn",
    description="Further training on the K-step roll-out loss lowers the multi-step error more than the same "
    "number of teacher-forced updates (3 seeds, same starting weights)",
    reference_source="the same LSTM after the same number of one-step (teacher-forced) updates "
    "(short configuration: 10 updates, compared with persistence only: the code path)",
    kind="beats",
    reference_kind="baseline",
    tolerance_from="target",
    why="the claim itself, no margin",
    known_failure="on the oscillator, 60 roll-out updates do not lower the multi-step error more than 60 "
    "teacher-forced ones: the one-step error already dominates",
)
def _rollout_vs_teacher(short: bool):
    run = training_estimate(short)
    return run["mean_error"]["+ roll-out"], (
        run["persistence"] if short else run["mean_error"]["+ teacher forcing"]
    )
