"""The runs of "Transformers", with their settings in view.

* :func:`oscillator_run`: a causal transformer against an LSTM on the driven oscillator of the
  chapter "Recurrent neural networks" (its data settings, an
  :class:`physml.studies.rnn.OscillatorRun` in the field ``oscillator``), trained the same way:
  the same windows, loss on every position of the window, epochs, batch size, linear warm-up
  of the learning rate, a learning rate chosen for each model from the same grid on validation
  trajectories, and several seeds.
* :func:`particle_run`: a set of particles with a pair force, where attention without
  positional encoding (permutation equivariant) is compared with an MLP on the concatenated
  coordinates, over several seeds.
"""

from __future__ import annotations

import numpy as np
import torch

from .. import attention, rnn, torchtools
from ..experiment import Settings, setting, study
from ..nn.torch_twin import torch_threads
from . import rnn as rnnstudy
from .rnn import OscillatorRun


class TransformerRun(Settings):
    """Settings of the fair transformer-vs-LSTM comparison (``oscillator``: the RNN chapter's data)."""

    d_model: int = setting(32, low=1, doc="width E of the transformer")
    n_heads: int = setting(4, low=1, doc="attention heads (must divide d_model)")
    n_layers: int = setting(2, low=1, doc="decoder-only blocks (self-attention with the causal mask)")
    d_ff: int = setting(64, low=1, doc="hidden units of the feed-forward networks")
    lrs: tuple[float, ...] = setting((1e-3, 3e-3), doc="learning-rate grid, the same for both models")
    seeds: tuple[int, ...] = setting((0, 1, 2), doc="seeds of weights and batches (the first picks the rate)")
    warmup: float = setting(0.1, low=0, high=1, doc="fraction of the steps with a linear warm-up of the rate")
    stride: int = setting(2, low=1, doc="step between the starts of consecutive training windows")
    n_val: int = setting(4, low=1, doc="validation trajectories (choose the learning rate)")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')
    oscillator: OscillatorRun = setting(
        OscillatorRun(), doc="the RNN chapter's run: data, window, epochs, batch size, horizon, LSTM width"
    )

    SHORT = {"oscillator": OscillatorRun.short().replace(epochs=24), "lrs": (3e-3,), "stride": 5}
    VARIANT = {"seeds": (1, 2, 3)}

    def validate(self):
        if not isinstance(self.oscillator, OscillatorRun):
            raise TypeError(
                f"TransformerRun.oscillator must be a studies.rnn.OscillatorRun, got {self.oscillator!r}"
            )
        if self.d_model % self.n_heads:
            raise ValueError(f"TransformerRun.n_heads = {self.n_heads} must divide d_model = {self.d_model}")
        if not self.lrs or any(lr <= 0 for lr in self.lrs):
            raise ValueError(f"TransformerRun.lrs must be positive learning rates, got {self.lrs!r}")
        if len(self.seeds) < 1:
            raise ValueError("TransformerRun.seeds must hold at least one seed")


def _all_position_windows(z: np.ndarray, window: int, stride: int, n_state: int):
    """Inputs ``(n, w, features)`` and the next state after every position ``(n, w, n_state)``."""
    starts = range(0, z.shape[1] - window, stride)
    seg = np.stack([z[:, s : s + window + 1] for s in starts], axis=1).reshape(-1, window + 1, z.shape[2])
    return seg[:, :-1], seg[:, 1:, :n_state]


def _lstm_all(model: rnn.SequenceForecaster, x: torch.Tensor) -> torch.Tensor:
    """The LSTM's next-state forecast after every position (it is causal by construction)."""
    out, _ = model.rnn(x)
    return x[:, :, : model.n_out] + model.head(out)


def _seeded_lstm(n_in: int, hidden: int, n_out: int, seed: int) -> rnn.SequenceForecaster:
    """An LSTM forecaster with weights drawn from ``seed`` (torch's global generator left as it was)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return rnn.SequenceForecaster(n_in, hidden, n_out, cell="lstm")


def train_all_positions(model, predict_all, X, Y, epochs, lr, batch_size, seed, warmup, device="cpu"):
    r"""Adam on the mean squared error of the forecast after *every* position of each window,
    with the learning rate raised linearly from ``lr/n_w`` to ``lr`` over the first
    ``n_w = warmup * steps`` steps, then constant. Returns the training loss per epoch."""
    device = torchtools.as_device(device)
    model.to(device).train()
    X = torch.as_tensor(X, dtype=torch.float32, device=device)
    Y = torch.as_tensor(Y, dtype=torch.float32, device=device)
    gen = torch.Generator().manual_seed(seed)
    n_batches = -(-len(X) // batch_size)
    n_warm = max(1, int(warmup * epochs * n_batches))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: min(1.0, (k + 1) / n_warm))
    history = []
    for _ in range(epochs):
        order, total = torch.randperm(len(X), generator=gen).to(device), 0.0
        for b in range(n_batches):
            idx = order[b * batch_size : (b + 1) * batch_size]
            loss = torch.nn.functional.mse_loss(predict_all(model, X[idx]), Y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        history.append(total / len(X))
    return history


def _mse_all(model, predict_all, X, Y, device) -> float:
    model.eval()
    with torch.no_grad():
        x = torch.as_tensor(X, dtype=torch.float32, device=torchtools.as_device(device))
        pred = predict_all(model, x).cpu().numpy()
    return float(np.mean((pred - Y) ** 2))


@study("transformer", TransformerRun)
def oscillator_run(cfg: TransformerRun) -> dict:
    """Causal transformer and LSTM on the driven oscillator, trained identically; errors over seeds.

    For each model: train with the first seed at every rate of ``cfg.lrs``, keep the rate with
    the lowest one-step error on the validation trajectories, train the other seeds at it;
    roll every model out over the test horizon. Returns, keyed by model name, the chosen
    rate, the validation errors of the grid, the test errors ``E(k)`` per seed and their
    horizon means, the models, histories and forecasts of the first seed, parameter counts,
    and the data.
    """
    osc = cfg.oscillator
    data = rnnstudy.forecast_data(osc)
    n_state, n_feat, w = data["n_state"], data["n_features"], osc.window
    mean, std = data["mean"], data["std"]
    X, Y = _all_position_windows((data["train"] - mean) / std, w, cfg.stride, n_state)
    val = (rnnstudy.oscillator_series(osc, cfg.n_val, osc.length, osc.seed + 200) - mean) / std
    Xv, Yv = _all_position_windows(val, w, w, n_state)
    build = {
        "transformer": (
            lambda s: attention.TransformerForecaster(
                n_feat, cfg.d_model, cfg.n_heads, cfg.n_layers, cfg.d_ff, n_out=n_state, max_len=w, seed=s
            ),
            lambda m, x: m.predict_all(x),
        ),
        "LSTM": (lambda s: _seeded_lstm(n_feat, osc.hidden, n_state, s), _lstm_all),
    }
    out = {k: {} for k in ("lr", "val", "errors", "mean_error", "models", "histories", "predictions")}
    with torch_threads(1):
        for name, (make, predict_all) in build.items():
            trained = {}
            for lr in cfg.lrs:
                model = make(cfg.seeds[0])
                hist = train_all_positions(
                    model,
                    predict_all,
                    X,
                    Y,
                    osc.epochs,
                    lr,
                    osc.batch_size,
                    cfg.seeds[0],
                    cfg.warmup,
                    cfg.device,
                )
                trained[lr] = (model, hist, _mse_all(model, predict_all, Xv, Yv, cfg.device))
            best = min(cfg.lrs, key=lambda lr: trained[lr][2])
            models = [trained[best][0]]
            out["histories"][name] = trained[best][1]
            for s in cfg.seeds[1:]:
                model = make(s)
                train_all_positions(
                    model, predict_all, X, Y, osc.epochs, best, osc.batch_size, s, cfg.warmup, cfg.device
                )
                models.append(model)
            errs = []
            for i, model in enumerate(models):
                pred = rnn.forecast(model, data["history"], osc.horizon, data["inputs"], device=cfg.device)
                errs.append(rnn.horizon_error(pred, data["truth"]))
                if i == 0:
                    out["predictions"][name] = pred
            out["lr"][name] = best
            out["val"][name] = {lr: trained[lr][2] for lr in cfg.lrs}
            out["errors"][name] = np.array(errs)
            out["mean_error"][name] = np.array(errs).mean(axis=1)
            out["models"][name] = models[0].cpu()
    pers = rnn.persistence_forecast(data["history"], osc.horizon, n_state)
    out["predictions"]["persistence"] = pers
    out["errors"]["persistence"] = rnn.horizon_error(pers, data["truth"])[None]
    out["mean_error"]["persistence"] = out["errors"]["persistence"].mean(axis=1)
    out["n_parameters"] = {k: torchtools.n_parameters(m) for k, m in out["models"].items()}
    out["epochs"] = osc.epochs
    out["n_windows"] = len(X)
    out["data"] = {k: data[k] for k in ("history", "inputs", "truth", "test", "mean", "std")}
    return out


# --- a set of particles ------------------------------------------------------------------------


class ParticleRun(Settings):
    """Settings of the particle-force task: N particles in a box, Gaussian-core pair force."""

    n_particles: int = setting(6, low=2, doc="particles per configuration")
    sigma: float = setting(0.5, low=1e-3, doc="range of the pair potential U(r) = exp(-r^2 / 2 sigma^2)")
    n_train: int = setting(512, low=1, doc="training configurations")
    n_test: int = setting(2000, low=1, doc="test configurations")
    steps: int = setting(300, low=1, doc="Adam steps (both models)")
    batch_size: int = setting(32, low=1, doc="configurations per step")
    lr: float = setting(3e-3, low=0, doc="Adam rate (both models), warm-up over 10 % of the steps")
    d_model: int = setting(32, low=1, doc="width of the transformer")
    mlp_hidden: int = setting(128, low=1, doc="hidden units of each of the MLP's two layers")
    seeds: tuple[int, ...] = setting((0, 1, 2), doc="seeds of initialisation and batches")
    seed: int = setting(0, low=0, doc="seed of the data (test: seed + 1)")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"n_train": 128, "n_test": 200, "steps": 60}


def pair_forces(x: np.ndarray, sigma: float) -> np.ndarray:
    r"""Forces :math:`\boldsymbol F_i = \sum_{j\ne i} (\boldsymbol r_i - \boldsymbol r_j)
    e^{-r_{ij}^2/2\sigma^2}/\sigma^2` of the pair potential :math:`U(r) = e^{-r^2/2\sigma^2}`,
    for positions ``x`` of shape ``(n, N, 2)``."""
    d = x[:, :, None] - x[:, None]
    w = np.exp(-(d**2).sum(-1) / (2 * sigma**2))
    return (d * w[..., None]).sum(2) / sigma**2


def particle_data(cfg: ParticleRun, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions uniform in [-1, 1]^2, shape ``(n, N, 2)``, and their forces."""
    x = np.random.default_rng(seed).uniform(-1, 1, size=(n, cfg.n_particles, 2))
    return x, pair_forces(x, cfg.sigma)


class _FlatMLP(torch.nn.Module):
    """An MLP on the concatenated coordinates (2N -> 2N): it sees the particles in a fixed order."""

    def __init__(self, n: int, hidden: int):
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(2 * n, hidden),
            torch.nn.Tanh(),
            torch.nn.Linear(hidden, hidden),
            torch.nn.Tanh(),
            torch.nn.Linear(hidden, 2 * n),
        )

    def forward(self, x):
        return self.net(x.flatten(1)).view(x.shape)


@study("transformer", ParticleRun)
def particle_run(cfg: ParticleRun) -> dict:
    """Transformer without positional encoding and the flat MLP, trained identically, over seeds.

    Returns the test and training mean squared errors of the force (in units of the training
    force's variance) per seed for each model, the models of the first seed, parameter counts and data.
    """
    xtr, ftr = particle_data(cfg, cfg.n_train, cfg.seed)
    xte, fte = particle_data(cfg, cfg.n_test, cfg.seed + 1)
    scale = ftr.std()
    Xtr, Ftr = xtr.astype(np.float32), (ftr / scale).astype(np.float32)
    epochs = max(1, round(cfg.steps * cfg.batch_size / cfg.n_train))
    mse = {"transformer": [], "MLP": []}
    train_mse = {"transformer": [], "MLP": []}
    models = {}
    with torch_threads(1):
        for s in cfg.seeds:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(s)
                mlp = _FlatMLP(cfg.n_particles, cfg.mlp_hidden)
            tf = attention.ParticleTransformer(2, 2, d_model=cfg.d_model, seed=s)
            for name, model in (("transformer", tf), ("MLP", mlp)):
                train_all_positions(
                    model, lambda m, x: m(x), Xtr, Ftr, epochs, cfg.lr, cfg.batch_size, s, 0.1, cfg.device
                )
                mse[name].append(_mse_all(model, lambda m, x: m(x), xte, fte / scale, cfg.device))
                train_mse[name].append(_mse_all(model, lambda m, x: m(x), Xtr, Ftr, cfg.device))
                models.setdefault(name, model.cpu())
    return {
        "mse": {k: np.array(v) for k, v in mse.items()},
        "train_mse": {k: np.array(v) for k, v in train_mse.items()},
        "models": models,
        "n_parameters": {k: torchtools.n_parameters(m) for k, m in models.items()},
        "epochs": epochs,
        "scale": float(scale),
        "test": (xte, fte),
    }
