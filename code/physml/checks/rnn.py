"""Reference checks and runs of the chapter "Recurrent neural networks".

Trajectories, trained forecasters and the Lyapunov estimate are computed once here,
cached, and shared by the chapter page and its checks. Each run takes ``short``: the unit
tests run the same code on fewer trajectories, for fewer epochs.
"""

from __future__ import annotations

import functools

import numpy as np

from .. import rnn, torchtools
from ..nn.torch_twin import torch_threads
from ..validation import reference_check

LYAPUNOV_REFERENCE = 0.9056  # Sprott (2003), largest exponent of Lorenz at sigma=10, rho=28, beta=8/3

OSCILLATOR = {
    "dt": 0.1,  # sampling step (RK4 with dt/5)
    "substeps": 5,
    "n_train": (8, 4),  # trajectories, each from random (x, v)
    "n_test": 8,
    "length": (220, 150),  # samples per trajectory
    "window": 20,
    "hidden": 32,
    "epochs": (15, 4),
    "batch_size": 64,
    "models": ("LSTM", "GRU", "feed-forward window"),
    "lr": 3e-3,
    "horizon": 100,
    "omega_d": 0.8,
    "seed": 0,
}

LORENZ = {
    "dt": 0.02,
    "substeps": 2,
    "transient": 10.0,  # time units discarded so that every trajectory is on the attractor
    "n_train": (12, 4),
    "n_test": 16,
    "length": (500, 300),
    "window": 12,
    "hidden": 48,
    "epochs": (25, 3),
    "batch_size": 128,
    "models": ("LSTM", "feed-forward window"),
    "lr": 3e-3,
    "horizon": 150,
    "seed": 1,
}

LYAPUNOV = {"dt": 0.01, "time": (100.0, 40.0), "n_segments": (16, 8), "renorm_every": 10, "seed": 2}
LYAPUNOV_SYSTEMATIC = (0.03, 0.1)  # finite-time and step-size bias allowance (full, short)


# --- trajectories ---------------------------------------------------------------------------


def oscillator_series(n_traj: int, length: int, seed: int) -> np.ndarray:
    """Trajectories of the driven oscillator with features (x, v, cos w_d t, sin w_d t), shape (n, T, 4).

    Each trajectory starts at a random time (drive phase) and random (x, v) in [-2, 2]^2.
    """
    cfg = OSCILLATOR
    rng = np.random.default_rng(seed)
    y0 = rng.uniform(-2, 2, size=(n_traj, 2))
    t0 = rng.uniform(0, 2 * np.pi / cfg["omega_d"], size=n_traj)
    fine_dt = cfg["dt"] / cfg["substeps"]
    n_fine = (length - 1) * cfg["substeps"]
    states = np.empty((n_traj, length, 2))
    for i in range(n_traj):
        traj = rnn.integrate(rnn.damped_driven_oscillator_rhs, y0[i], fine_dt, n_fine, t0=t0[i])
        states[i] = traj[:: cfg["substeps"]]
    t = t0[:, None] + cfg["dt"] * np.arange(length)[None]
    drive = np.stack([np.cos(cfg["omega_d"] * t), np.sin(cfg["omega_d"] * t)], axis=-1)
    return np.concatenate([states, drive], axis=-1)


def lorenz_series(n_traj: int, length: int, seed: int) -> np.ndarray:
    """Lorenz trajectories on the attractor, shape (n, T, 3), sampled every ``LORENZ['dt']``."""
    cfg = LORENZ
    rng = np.random.default_rng(seed)
    y0 = rng.normal(size=(n_traj, 3)) * 5 + np.array([0.0, 0.0, 25.0])
    fine_dt = cfg["dt"] / cfg["substeps"]
    n_transient = int(round(cfg["transient"] / fine_dt))
    start = rnn.integrate(rnn.lorenz_rhs, y0, fine_dt, n_transient)[-1]
    traj = rnn.integrate(rnn.lorenz_rhs, start, fine_dt, (length - 1) * cfg["substeps"])
    return np.swapaxes(traj[:: cfg["substeps"]], 0, 1).copy()


# --- the experiments ----------------------------------------------------------------------


def _run(system: str, short: bool, device: str) -> dict:
    cfg = OSCILLATOR if system == "oscillator" else LORENZ
    make = oscillator_series if system == "oscillator" else lorenz_series
    train = make(cfg["n_train"][short], cfg["length"][short], cfg["seed"])
    test = make(cfg["n_test"], cfg["window"] + cfg["horizon"], cfg["seed"] + 100)
    n_state = 2 if system == "oscillator" else 3
    # standardise with the training statistics (the drive features are already of order 1)
    mean, std = train.mean(axis=(0, 1)), train.std(axis=(0, 1))
    mean[n_state:], std[n_state:] = 0.0, 1.0
    train_z, test_z = (train - mean) / std, (test - mean) / std
    X, Y = rnn.make_windows(train_z, cfg["window"])
    Y = Y[:, :n_state]
    w, H, n_feat = cfg["window"], cfg["horizon"], train.shape[2]
    history, future = test_z[:, :w], test_z[:, w:]
    inputs = future[:, :, n_state:] if n_feat > n_state else None
    truth = future[:, :, :n_state]

    results = {"train": train, "test": test, "mean": mean, "std": std, "n_windows": len(X)}
    torchtools.seed_everything(cfg["seed"])
    build = {
        "LSTM": lambda: rnn.SequenceForecaster(n_feat, cfg["hidden"], n_state, cell="lstm"),
        "GRU": lambda: rnn.SequenceForecaster(n_feat, cfg["hidden"], n_state, cell="gru"),
        "feed-forward window": lambda: rnn.WindowMLP(n_feat, w, 2 * cfg["hidden"], n_state),
    }
    models = {name: build[name]() for name in cfg["models"]}
    errors, predictions, histories = {}, {}, {}
    for name, model in models.items():
        histories[name] = rnn.train_forecaster(
            model, X, Y, cfg["epochs"][short], cfg["lr"], cfg["batch_size"], cfg["seed"], device
        )
        pred = rnn.forecast(model, history, H, inputs, device=device)
        predictions[name], errors[name] = pred, rnn.horizon_error(pred, truth)
    pers = rnn.persistence_forecast(history, H, n_state)
    predictions["persistence"], errors["persistence"] = pers, rnn.horizon_error(pers, truth)
    results.update(
        models=models,
        errors=errors,
        predictions=predictions,
        histories=histories,
        truth=truth,
        n_parameters={k: torchtools.n_parameters(m) for k, m in models.items()},
        mean_error={k: float(np.mean(e)) for k, e in errors.items()},
    )
    return results


def oscillator_run(short: bool = False, device: str = "cpu") -> dict:
    """LSTM, GRU and feed-forward window model on the driven oscillator, errors against the horizon."""
    return _oscillator_run(bool(short), str(device))


@functools.cache
def _oscillator_run(short: bool, device: str) -> dict:
    with torch_threads(1):
        return _run("oscillator", short, device)


def lorenz_run(short: bool = False, device: str = "cpu") -> dict:
    """The same three models on the Lorenz system."""
    return _lorenz_run(bool(short), str(device))


@functools.cache
def _lorenz_run(short: bool, device: str) -> dict:
    with torch_threads(1):
        return _run("lorenz", short, device)


@functools.cache
def lyapunov_estimate(short: bool = False) -> tuple[float, float, np.ndarray]:
    """Largest Lyapunov exponent of Lorenz: mean and standard error over independent segments."""
    cfg = LYAPUNOV
    n = cfg["n_segments"][short]
    rng = np.random.default_rng(cfg["seed"])
    y0 = rng.normal(size=(n, 3)) * 5 + np.array([0.0, 0.0, 25.0])
    start = rnn.integrate(rnn.lorenz_rhs, y0, cfg["dt"], 1000)[-1]  # onto the attractor
    n_steps = int(round(cfg["time"][short] / cfg["dt"]))
    lam = rnn.lyapunov_exponent(
        rnn.lorenz_rhs, start, cfg["dt"], n_steps, cfg["renorm_every"], seed=cfg["seed"]
    )
    return float(lam.mean()), float(lam.std(ddof=1) / np.sqrt(n)), lam


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
)
def _rk4_order():
    return rk4_slope(), 4.0


@reference_check(
    "rnn.lstm-beats-persistence",
    chapter="rnn",
    description="Mean multi-step error of the LSTM on the driven oscillator is below persistence's",
    reference_source="persistence forecast x(t+k) = x(t) (short configuration: 6 trajectories, 4 epochs)",
    kind="at_most",
    glued=("rnn-osc-lstm-error",),
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
)
def _lyapunov(short: bool):
    lam, err, _ = lyapunov_estimate(short)
    return lam, err, LYAPUNOV_REFERENCE


# --- vanishing and exploding gradients ----------------------------------------------------

GRADIENT = {"n_hidden": 16, "T": 60, "scales": (0.5, 1.0, 1.5, 3.0), "seed": 3}


@functools.cache
def gradient_norms(activation: str = "tanh") -> dict[float, np.ndarray]:
    r"""``{scale: ||dh_T/dh_t||_2 for T - t = 0..T-1}`` of a :class:`physml.rnn.VanillaRNN`.

    One random input sequence, the same for every scale of the recurrent weights.
    """
    cfg = GRADIENT
    x = np.random.default_rng(cfg["seed"]).normal(size=(cfg["T"], 1))
    return {
        g: rnn.hidden_jacobians(rnn.VanillaRNN(1, cfg["n_hidden"], g, activation, seed=cfg["seed"]), x)
        for g in cfg["scales"]
    }


@functools.cache
def bptt_vs_matrix_power() -> tuple[np.ndarray, np.ndarray]:
    """Norms ||dh_T/dh_t|| by BPTT for a linear RNN, and the exact ||W^(T-t)||_2."""
    cfg = GRADIENT
    x = np.random.default_rng(cfg["seed"]).normal(size=(20, 1))
    cell = rnn.VanillaRNN(1, cfg["n_hidden"], 1.2, "identity", seed=cfg["seed"])
    W = cell.W.detach().numpy()
    exact = np.array([np.linalg.norm(np.linalg.matrix_power(W, k), 2) for k in range(20)])
    return rnn.hidden_jacobians(cell, x), exact


@reference_check(
    "rnn.bptt-linear",
    chapter="rnn",
    description="BPTT Jacobian norms ||dh_T/dh_t|| of a linear RNN equal ||W^(T-t)||_2",
    reference_source="exact matrix powers (numpy.linalg.matrix_power)",
    kind="rel",
    tolerance=1e-10,
)
def _bptt_linear():
    return bptt_vs_matrix_power()
