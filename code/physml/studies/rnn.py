"""The runs of "Recurrent neural networks": what the page computes, with its settings in view.

* :func:`oscillator_run`: LSTM, GRU and a feed-forward window model trained on trajectories
  of the damped, driven oscillator and rolled out autoregressively, against persistence
  (the transformer chapter trains its transformer on the same data and compares with
  this run);
* :func:`lorenz_run`: the same forecasters on the Lorenz system;
* :func:`lyapunov_run`: the largest Lyapunov exponent of Lorenz from renormalised nearby
  trajectories (Benettin's method), one estimate per independent segment;
* :func:`gradient_run`: the norms of the BPTT Jacobians of a plain RNN for several scales
  of its recurrent weights.
"""

from __future__ import annotations

import inspect

import numpy as np
import torch

from .. import rnn, torchtools
from ..experiment import Settings, setting, study
from ..nn.torch_twin import torch_threads

#: the drive frequency of :func:`physml.rnn.damped_driven_oscillator_rhs` (the drive features use it)
OMEGA_D = inspect.signature(rnn.damped_driven_oscillator_rhs).parameters["omega_d"].default

#: the forecasters a run may train, by name
MODELS = ("LSTM", "GRU", "RNN", "feed-forward window")


class _ForecastRun(Settings):
    """Settings shared by the forecasting runs (each subclass gives its own defaults)."""

    def validate(self):
        name = type(self).__name__
        unknown = [m for m in self.models if m not in MODELS]
        if unknown or not self.models:
            raise ValueError(f"{name}.models must be a non-empty choice of {MODELS}, got {self.models!r}")
        if self.window >= self.length:
            raise ValueError(f"{name}.window must be shorter than {name}.length, got {self.window}")


class OscillatorRun(_ForecastRun):
    """Settings of the driven-oscillator forecasts (the book's run; ``SHORT``: what the unit tests train)."""

    dt: float = setting(0.1, low=1e-4, doc="sampling step of the trajectories")
    substeps: int = setting(5, low=1, doc="RK4 steps per sampling step")
    n_train: int = setting(8, low=1, doc="training trajectories, each from a random (x, v) and drive phase")
    n_test: int = setting(8, low=1, doc="test trajectories (unseen)")
    length: int = setting(220, low=2, doc="samples per training trajectory")
    window: int = setting(20, low=1, doc="states in a window (the input)")
    hidden: int = setting(32, low=1, doc="hidden units (the window model: twice as many)")
    models: tuple[str, ...] = setting(
        ("LSTM", "GRU", "feed-forward window"), doc='forecasters trained (also "RNN": a plain tanh RNN)'
    )
    epochs: int = setting(15, low=1, doc="passes over the training windows")
    batch_size: int = setting(64, low=1, doc="mini-batch size")
    lr: float = setting(3e-3, low=0, doc="Adam learning rate")
    horizon: int = setting(100, low=1, doc="steps forecast autoregressively")
    seed: int = setting(0, low=0, doc="seed of the data (test: seed + 100), initialisation and batches")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"n_train": 4, "length": 150, "epochs": 4}


class LorenzRun(_ForecastRun):
    """Settings of the Lorenz forecasts."""

    dt: float = setting(0.02, low=1e-4, doc="sampling step of the trajectories")
    substeps: int = setting(2, low=1, doc="RK4 steps per sampling step")
    transient: float = setting(10.0, low=0, doc="time discarded so that every trajectory is on the attractor")
    n_train: int = setting(12, low=1, doc="training trajectories")
    n_test: int = setting(16, low=1, doc="test trajectories (unseen)")
    length: int = setting(500, low=2, doc="samples per training trajectory")
    window: int = setting(12, low=1, doc="states in a window (the input)")
    hidden: int = setting(48, low=1, doc="hidden units (the window model: twice as many)")
    models: tuple[str, ...] = setting(("LSTM", "feed-forward window"), doc="forecasters trained")
    epochs: int = setting(25, low=1, doc="passes over the training windows")
    batch_size: int = setting(128, low=1, doc="mini-batch size")
    lr: float = setting(3e-3, low=0, doc="Adam learning rate")
    horizon: int = setting(150, low=1, doc="steps forecast autoregressively")
    seed: int = setting(1, low=0, doc="seed of the data (test: seed + 100), initialisation and batches")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"n_train": 4, "length": 300, "epochs": 3}


# --- trajectories ---------------------------------------------------------------------------


def oscillator_series(cfg: OscillatorRun, n_traj: int, length: int, seed: int) -> np.ndarray:
    """Trajectories of the driven oscillator with features (x, v, cos w_d t, sin w_d t), shape (n, T, 4).

    Each trajectory starts at a random time (drive phase) and random (x, v) in [-2, 2]^2.
    """
    rng = np.random.default_rng(seed)
    y0 = rng.uniform(-2, 2, size=(n_traj, 2))
    t0 = rng.uniform(0, 2 * np.pi / OMEGA_D, size=n_traj)
    fine_dt = cfg.dt / cfg.substeps
    n_fine = (length - 1) * cfg.substeps
    states = np.empty((n_traj, length, 2))
    for i in range(n_traj):
        traj = rnn.integrate(rnn.damped_driven_oscillator_rhs, y0[i], fine_dt, n_fine, t0=t0[i])
        states[i] = traj[:: cfg.substeps]
    t = t0[:, None] + cfg.dt * np.arange(length)[None]
    drive = np.stack([np.cos(OMEGA_D * t), np.sin(OMEGA_D * t)], axis=-1)
    return np.concatenate([states, drive], axis=-1)


def lorenz_series(cfg: LorenzRun, n_traj: int, length: int, seed: int) -> np.ndarray:
    """Lorenz trajectories on the attractor, shape (n, T, 3), sampled every ``cfg.dt``."""
    rng = np.random.default_rng(seed)
    y0 = rng.normal(size=(n_traj, 3)) * 5 + np.array([0.0, 0.0, 25.0])
    fine_dt = cfg.dt / cfg.substeps
    n_transient = int(round(cfg.transient / fine_dt))
    start = rnn.integrate(rnn.lorenz_rhs, y0, fine_dt, n_transient)[-1] if n_transient else y0
    traj = rnn.integrate(rnn.lorenz_rhs, start, fine_dt, (length - 1) * cfg.substeps)
    return np.swapaxes(traj[:: cfg.substeps], 0, 1).copy()


def forecast_data(cfg: _ForecastRun) -> dict:
    """Training windows and test histories of a run, standardised with the training statistics.

    Returns the raw trajectories (``train``, ``test``), the standardisation (``mean``,
    ``std``; the drive features of the oscillator are left as they are), the windows ``X``
    and next states ``Y``, and for the test trajectories the first window (``history``), the
    known drive during the forecast (``inputs``, None for Lorenz) and the true states (``truth``).
    """
    make, n_state = (oscillator_series, 2) if isinstance(cfg, OscillatorRun) else (lorenz_series, 3)
    train = make(cfg, cfg.n_train, cfg.length, cfg.seed)
    test = make(cfg, cfg.n_test, cfg.window + cfg.horizon, cfg.seed + 100)
    mean, std = train.mean(axis=(0, 1)), train.std(axis=(0, 1))
    mean[n_state:], std[n_state:] = 0.0, 1.0
    train_z, test_z = (train - mean) / std, (test - mean) / std
    X, Y = rnn.make_windows(train_z, cfg.window)
    future = test_z[:, cfg.window :]
    return {
        "train": train,
        "test": test,
        "mean": mean,
        "std": std,
        "X": X,
        "Y": Y[:, :n_state],
        "history": test_z[:, : cfg.window],
        "inputs": future[:, :, n_state:] if train.shape[2] > n_state else None,
        "truth": future[:, :, :n_state],
        "n_state": n_state,
        "n_features": train.shape[2],
    }


# --- the forecasts -------------------------------------------------------------------------


def train_and_forecast(cfg: _ForecastRun) -> dict:
    """Train each forecaster of ``cfg.models`` on one-step prediction, roll it out over the
    test horizon and measure the RMS error ``E(k)``; persistence beside them."""
    data = forecast_data(cfg)
    n_feat, n_state, w = data["n_features"], data["n_state"], cfg.window
    torch.manual_seed(cfg.seed)  # the initial weights of the models, built in this order
    build = {
        "LSTM": lambda: rnn.SequenceForecaster(n_feat, cfg.hidden, n_state, cell="lstm"),
        "GRU": lambda: rnn.SequenceForecaster(n_feat, cfg.hidden, n_state, cell="gru"),
        "RNN": lambda: rnn.SequenceForecaster(n_feat, cfg.hidden, n_state, cell="rnn"),
        "feed-forward window": lambda: rnn.WindowMLP(n_feat, w, 2 * cfg.hidden, n_state),
    }
    models = {name: build[name]() for name in cfg.models}
    errors, predictions, histories = {}, {}, {}
    for name, model in models.items():
        histories[name] = rnn.train_forecaster(
            model, data["X"], data["Y"], cfg.epochs, cfg.lr, cfg.batch_size, cfg.seed, cfg.device
        )
        pred = rnn.forecast(model, data["history"], cfg.horizon, data["inputs"], device=cfg.device)
        predictions[name], errors[name] = pred, rnn.horizon_error(pred, data["truth"])
    pers = rnn.persistence_forecast(data["history"], cfg.horizon, n_state)
    predictions["persistence"], errors["persistence"] = pers, rnn.horizon_error(pers, data["truth"])
    return {
        **data,
        "n_windows": len(data["X"]),
        "models": {name: model.cpu() for name, model in models.items()},
        "errors": errors,
        "predictions": predictions,
        "histories": histories,
        "n_parameters": {k: torchtools.n_parameters(m) for k, m in models.items()},
        "mean_error": {k: float(np.mean(e)) for k, e in errors.items()},
    }


@study("rnn", OscillatorRun)
def oscillator_run(cfg: OscillatorRun) -> dict:
    """LSTM, GRU and feed-forward window model on the driven oscillator, errors against the horizon."""
    with torch_threads(1):
        return train_and_forecast(cfg)


@study("rnn", LorenzRun)
def lorenz_run(cfg: LorenzRun) -> dict:
    """The forecasters on the Lorenz system."""
    with torch_threads(1):
        return train_and_forecast(cfg)


# --- the Lyapunov exponent -----------------------------------------------------------------


class LyapunovRun(Settings):
    """Settings of the Lyapunov exponent of Lorenz (Benettin's method)."""

    dt: float = setting(0.01, low=1e-5, doc="RK4 step")
    time: float = setting(100.0, low=0.01, doc="length of each segment (time units)")
    n_segments: int = setting(16, low=2, doc="independent segments, each from its own start on the attractor")
    renorm_every: int = setting(10, low=1, doc="steps between renormalisations of the separation")
    transient_steps: int = setting(1000, low=0, doc="RK4 steps to reach the attractor first")
    seed: int = setting(2, low=0, doc="seed of the starting points and separation directions")

    SHORT = {"time": 40.0, "n_segments": 8}

    def validate(self):
        if self.renorm_every * self.dt > self.time:
            raise ValueError("LyapunovRun.time must hold at least one renormalisation (renorm_every * dt)")


@study("rnn", LyapunovRun)
def lyapunov_run(cfg: LyapunovRun) -> tuple[float, float, np.ndarray]:
    """Largest Lyapunov exponent of Lorenz: mean and standard error over independent segments, and
    the estimate of each segment."""
    rng = np.random.default_rng(cfg.seed)
    y0 = rng.normal(size=(cfg.n_segments, 3)) * 5 + np.array([0.0, 0.0, 25.0])
    start = rnn.integrate(rnn.lorenz_rhs, y0, cfg.dt, cfg.transient_steps)[-1] if cfg.transient_steps else y0
    n_steps = int(round(cfg.time / cfg.dt))
    lam = rnn.lyapunov_exponent(rnn.lorenz_rhs, start, cfg.dt, n_steps, cfg.renorm_every, seed=cfg.seed)
    return float(lam.mean()), float(lam.std(ddof=1) / np.sqrt(cfg.n_segments)), lam


# --- vanishing and exploding gradients ----------------------------------------------------------


class GradientRun(Settings):
    """Settings of the BPTT Jacobian norms of a plain RNN."""

    n_hidden: int = setting(16, low=1, doc="hidden units M")
    steps: int = setting(60, low=2, doc="length T of the input sequence")
    scales: tuple[float, ...] = setting(
        (0.5, 1.0, 1.5, 3.0), low=0, doc="scales g of the recurrent weights, W_jk ~ N(0, g^2/M)"
    )
    activation: str = setting("tanh", doc='activation of the recurrence ("tanh" or "identity")')
    seed: int = setting(3, low=0, doc="seed of the input sequence and the weights")

    SHORT = {}


@study("rnn", GradientRun)
def gradient_run(cfg: GradientRun) -> dict[float, np.ndarray]:
    r"""``{g: ||dh_T/dh_t||_2 for T - t = 0..T-1}`` of a :class:`physml.rnn.VanillaRNN` per scale ``g``.

    One random input sequence, the same for every scale of the recurrent weights.
    """
    x = np.random.default_rng(cfg.seed).normal(size=(cfg.steps, 1))
    return {
        g: rnn.hidden_jacobians(rnn.VanillaRNN(1, cfg.n_hidden, g, cfg.activation, seed=cfg.seed), x)
        for g in cfg.scales
    }
