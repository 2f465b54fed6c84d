"""The runs of "Recurrent neural networks": what the page computes, with its settings in view.

* :func:`oscillator_run`: LSTM, GRU and a feed-forward window model trained on trajectories
  of the damped, driven oscillator and rolled out autoregressively, against persistence
  (the transformer chapter trains its transformer on the same data and compares with
  this run);
* :func:`lorenz_run`: the same forecasters on the Lorenz system;
* :func:`chaos_run`: the exact flow with an initial error, or an error at every step, of size
  epsilon: how far chaos alone lets a model of one-step error epsilon forecast Lorenz;
* :func:`esn_run`: echo-state networks (reservoir computing) on the same Lorenz data;
* :func:`training_run`: teacher forcing against roll-out (free-running) training on the
  oscillator, over several seeds, beside the linear DMD map;
* :func:`lyapunov_run`: the largest Lyapunov exponent of Lorenz from renormalised nearby
  trajectories (Benettin's method), one estimate per independent segment;
* :func:`gradient_run`: the norms of the BPTT Jacobians of a plain RNN for several scales
  of its recurrent weights.
"""

from __future__ import annotations

import inspect

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from .. import rnn, torchtools
from ..experiment import Settings, setting, study
from ..nn.torch_twin import torch_threads

#: the drive frequency of :func:`physml.rnn.damped_driven_oscillator_rhs` (the drive features use it)
OMEGA_D = inspect.signature(rnn.damped_driven_oscillator_rhs).parameters["omega_d"].default

#: the forecasters a run may train, by name
MODELS = ("LSTM", "GRU", "RNN", "feed-forward window")
#: the name of the linear baseline (DMD on delay coordinates), fitted in every run
LINEAR = "linear map (DMD)"


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
    n_test: int = setting(100, low=1, doc="test trajectories (unseen)")
    lead: int = setting(50, low=0, doc="test states before the window (the reservoir's warm-up)")
    length: int = setting(500, low=2, doc="samples per training trajectory")
    window: int = setting(12, low=1, doc="states in a window (the input)")
    hidden: int = setting(48, low=1, doc="hidden units (the window model: twice as many)")
    models: tuple[str, ...] = setting(("LSTM", "feed-forward window"), doc="forecasters trained")
    epochs: int = setting(25, low=1, doc="passes over the training windows")
    batch_size: int = setting(128, low=1, doc="mini-batch size")
    lr: float = setting(3e-3, low=0, doc="Adam learning rate")
    horizon: int = setting(500, low=1, doc="steps forecast autoregressively")
    threshold: float = setting(0.3, low=0, doc="error (standardised) that ends a useful forecast")
    seed: int = setting(1, low=0, doc="seed of the data (test: seed + 100), initialisation and batches")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"n_train": 4, "length": 300, "epochs": 3, "n_test": 16, "horizon": 200}


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
    known drive during the forecast (``inputs``, None for Lorenz) and the true states (``truth``);
    ``lead_history`` is the history with ``cfg.lead`` more states before the window (Lorenz:
    the reservoir's warm-up; the oscillator has none).
    """
    make, n_state = (oscillator_series, 2) if isinstance(cfg, OscillatorRun) else (lorenz_series, 3)
    lead = getattr(cfg, "lead", 0)
    train = make(cfg, cfg.n_train, cfg.length, cfg.seed)
    full = make(cfg, cfg.n_test, lead + cfg.window + cfg.horizon, cfg.seed + 100)
    test = full[:, lead:]
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
        "lead_history": (full[:, : lead + cfg.window] - mean) / std,
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
    with threadpool_limits(limits=1):
        dmd = rnn.LinearForecaster().fit(data["X"], data["Y"])
        predictions[LINEAR] = dmd.forecast(data["history"], cfg.horizon, data["inputs"])
    errors[LINEAR] = rnn.horizon_error(predictions[LINEAR], data["truth"])
    pers = rnn.persistence_forecast(data["history"], cfg.horizon, n_state)
    predictions["persistence"], errors["persistence"] = pers, rnn.horizon_error(pers, data["truth"])
    # one-step errors on the test trajectories (teacher-forced windows, every 5th)
    test_z = np.concatenate(
        [
            data["history"],
            np.concatenate([data["truth"], data["inputs"]], axis=2)
            if data["inputs"] is not None
            else data["truth"],
        ],
        axis=1,
    )
    Xt, Yt = rnn.make_windows(test_z, w)
    Xt, Yt = Xt[::5], Yt[::5, :n_state]
    one_step = {}
    for name, model in models.items():
        with torch.no_grad():
            out = model(torch.as_tensor(Xt, dtype=torch.float32, device=cfg.device)).cpu().double().numpy()
        one_step[name] = float(np.sqrt(np.mean((out - Yt) ** 2)))
    one_step[LINEAR] = float(np.sqrt(np.mean((dmd.predict(Xt) - Yt) ** 2)))
    one_step["persistence"] = float(np.sqrt(np.mean((Xt[:, -1, :n_state] - Yt) ** 2)))
    thr = getattr(cfg, "threshold", 0.3)
    return {
        **data,
        "n_windows": len(data["X"]),
        "models": {name: model.cpu() for name, model in models.items()},
        "errors": errors,
        "predictions": predictions,
        "histories": histories,
        "n_parameters": {k: torchtools.n_parameters(m) for k, m in models.items()},
        "mean_error": {k: float(np.mean(e)) for k, e in errors.items()},
        "one_step": one_step,
        "valid_steps": {k: rnn.valid_time(p, data["truth"], thr) for k, p in predictions.items()},
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


# --- what chaos allows: the exact flow with errors of size epsilon -----------------------------


class ChaosRun(Settings):
    """Settings of the exact Lorenz flow forecasting with an error of size epsilon."""

    lorenz: LorenzRun = setting(
        LorenzRun(), doc="the Lorenz run: test starts, standardisation, step, threshold"
    )
    eps: tuple[float, ...] = setting(
        (1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5, 3e-6, 1e-6),
        low=0,
        doc="sizes epsilon of the error (RMS per standardised component)",
    )
    max_steps: int = setting(1000, low=1, doc="longest forecast (steps of the Lorenz run's dt)")
    seed: int = setting(5, low=0, doc="seed of the errors")

    SHORT = {"lorenz": LorenzRun.short(), "eps": (1e-3, 1e-5), "max_steps": 600}

    def validate(self):
        if not self.eps or min(self.eps) <= 0:
            raise ValueError(f"ChaosRun.eps must be positive sizes, got {self.eps!r}")


@study("rnn", ChaosRun)
def chaos_run(cfg: ChaosRun) -> dict:
    r"""Valid times of the exact flow (RK4, the data's own integrator) from the test starts, with
    an error :math:`\varepsilon\,\sigma_j\xi` (:math:`\xi` standard normal, :math:`\sigma_j` the
    standardisation) added once at the start (``"initial"``) or after every step (``"every step"``).
    """
    lor = cfg.lorenz
    data = forecast_data(lor)
    start = data["test"][:, lor.window - 1]  # the last state of each history window
    std = data["std"]
    eps = np.array(cfg.eps)
    rng = np.random.default_rng(cfg.seed)
    fine = lor.dt / lor.substeps
    shape = (len(eps), *start.shape)
    out = {}
    with threadpool_limits(limits=1):
        for mode in ("initial", "every step"):
            truth = np.broadcast_to(start, shape).copy()
            model = truth + eps[:, None, None] * std * rng.normal(size=shape)
            steps = np.full(shape[:2], cfg.max_steps)
            alive = np.ones(shape[:2], dtype=bool)
            for k in range(cfg.max_steps):
                for _ in range(lor.substeps):
                    truth = rnn._rk4_step(rnn._lorenz_rhs, 0.0, truth, fine)
                    model = rnn._rk4_step(rnn._lorenz_rhs, 0.0, model, fine)
                if mode == "every step":
                    model = model + eps[:, None, None] * std * rng.normal(size=shape)
                err = np.sqrt(np.mean(((model - truth) / std) ** 2, axis=2))
                ended = alive & (err > lor.threshold)
                steps[ended], alive[ended] = k, False
                if not alive.any():
                    break
            out[mode] = steps
    return {"eps": eps, "valid_steps": out, "dt": lor.dt}


# --- reservoir computing ----------------------------------------------------------------------


class EchoStateRun(Settings):
    """Settings of the echo-state networks on the Lorenz data."""

    lorenz: LorenzRun = setting(LorenzRun(), doc="the Lorenz run: data, test starts, horizon, threshold")
    n_reservoir: int = setting(200, low=1, doc="reservoir units N")
    spectral_radius: float = setting(0.4, low=0, doc="spectral radius of the reservoir matrix A")
    input_scale: float = setting(0.5, low=0, doc="input weights uniform in [-s, s]")
    ridge: float = setting(1e-9, low=0, doc="ridge penalty beta of the read-out")
    washout: int = setting(
        50, low=0, doc="reservoir states left out of the fit at the start of each trajectory"
    )
    seeds: tuple[int, ...] = setting((0, 1, 2), low=0, doc="seeds of the reservoirs")
    sizes: tuple[int, ...] = setting(
        (25, 50, 100), low=1, doc="smaller reservoirs (first seed): the horizon against epsilon"
    )

    SHORT = {"lorenz": LorenzRun.short(), "n_reservoir": 100, "sizes": (25,)}


def _esn_result(cfg: EchoStateRun, data: dict, n_reservoir: int, seed: int) -> dict:
    lor = cfg.lorenz
    esn = rnn.EchoStateNetwork(
        n_reservoir, cfg.spectral_radius, cfg.input_scale, cfg.ridge, cfg.washout, seed
    )
    train_z = (data["train"] - data["mean"]) / data["std"]
    esn.fit(train_z)
    pred = esn.forecast(data["lead_history"], lor.horizon)
    full = np.concatenate([data["lead_history"], data["truth"]], axis=1)
    one = esn.predict(full[:, :-1])[:, data["lead_history"].shape[1] :]
    eps = float(np.sqrt(np.mean((one - full[:, data["lead_history"].shape[1] + 1 :]) ** 2)))
    return {
        "prediction": pred,
        "valid_steps": rnn.valid_time(pred, data["truth"], lor.threshold),
        "error": rnn.horizon_error(pred, data["truth"]),
        "one_step": eps,
    }


@study("rnn", EchoStateRun)
def esn_run(cfg: EchoStateRun) -> dict:
    """Echo-state networks of ``cfg.n_reservoir`` units for each seed, and smaller ones (first seed)."""
    data = forecast_data(cfg.lorenz)
    with threadpool_limits(limits=1):
        seeds = {s: _esn_result(cfg, data, cfg.n_reservoir, s) for s in cfg.seeds}
        sizes = {n: _esn_result(cfg, data, n, cfg.seeds[0]) for n in cfg.sizes}
    sizes[cfg.n_reservoir] = seeds[cfg.seeds[0]]
    return {"seeds": seeds, "sizes": dict(sorted(sizes.items()))}


# --- teacher forcing and free running -----------------------------------------------------------


class TrainingRun(Settings):
    """Settings of teacher forcing against roll-out training of the oscillator's LSTM."""

    oscillator: OscillatorRun = setting(
        OscillatorRun(), doc="the oscillator run: data, LSTM, one-step training"
    )
    seeds: tuple[int, ...] = setting((0, 1, 2), low=0, doc="seeds of the LSTM's initialisation and batches")
    steps: int = setting(60, low=1, doc="further updates after the one-step training, either way")
    rollout: int = setting(5, low=2, doc="steps K of the roll-out loss")
    lr: float = setting(1e-3, low=0, doc="Adam learning rate of the further updates")
    batch_size: int = setting(64, low=1, doc="stretches per update")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"oscillator": OscillatorRun.short(), "steps": 10, "seeds": (0, 1, 2)}


@study("rnn", TrainingRun)
def training_run(cfg: TrainingRun) -> dict:
    """For each seed: the LSTM after one-step training, then ``steps`` more updates with teacher
    forcing (K = 1) or with the K-step roll-out loss, from the same weights; the multi-step error
    of each, and of the linear DMD map."""
    osc = cfg.oscillator
    data = forecast_data(osc)
    n_feat, n_state = data["n_features"], data["n_state"]
    train_z = (data["train"] - data["mean"]) / data["std"]
    out = {"one-step training": [], "+ teacher forcing": [], "+ roll-out": []}
    with torch_threads(1):
        for seed in cfg.seeds:
            torch.manual_seed(seed)
            model = rnn.SequenceForecaster(n_feat, osc.hidden, n_state, cell="lstm")
            rnn.train_forecaster(
                model, data["X"], data["Y"], osc.epochs, osc.lr, osc.batch_size, seed, cfg.device
            )
            for name, K in (
                ("one-step training", None),
                ("+ teacher forcing", 1),
                ("+ roll-out", cfg.rollout),
            ):
                m = model
                if K is not None:
                    m = rnn.SequenceForecaster(n_feat, osc.hidden, n_state, cell="lstm")
                    m.load_state_dict(model.state_dict())
                    rnn.train_rollout(
                        m, train_z, osc.window, K, cfg.steps, cfg.lr, cfg.batch_size, seed, cfg.device
                    )
                pred = rnn.forecast(m, data["history"], osc.horizon, data["inputs"], device=cfg.device)
                out[name].append(float(np.mean(rnn.horizon_error(pred, data["truth"]))))
    with threadpool_limits(limits=1):
        dmd = rnn.LinearForecaster().fit(data["X"], data["Y"])
        lin = dmd.forecast(data["history"], osc.horizon, data["inputs"])
    pers = rnn.persistence_forecast(data["history"], osc.horizon, n_state)
    return {
        "mean_error": {k: np.array(v) for k, v in out.items()},
        "linear": float(np.mean(rnn.horizon_error(lin, data["truth"]))),
        "persistence": float(np.mean(rnn.horizon_error(pers, data["truth"]))),
    }


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
