"""The run of "Transformers": a small transformer on the driven oscillator, with its settings in view.

:func:`oscillator_run` trains :class:`physml.attention.TransformerForecaster` on the data of
the chapter "Recurrent neural networks" and compares it with that chapter's own run. The
data, window, epochs, batch size and horizon are that chapter's settings, an
:class:`physml.studies.rnn.OscillatorRun` held in the field ``oscillator``, so both chapters
read the same settings (and, in one process, the same cached run of the recurrent models).
"""

from __future__ import annotations

import numpy as np

from .. import attention, rnn, torchtools
from ..experiment import Settings, setting, study
from ..nn.torch_twin import torch_threads
from . import rnn as rnnstudy
from .rnn import OscillatorRun


class TransformerRun(Settings):
    """Settings of the transformer; ``oscillator`` holds the RNN chapter's data and training settings."""

    d_model: int = setting(32, low=1, doc="width E of the model")
    n_heads: int = setting(4, low=1, doc="attention heads (must divide d_model)")
    n_layers: int = setting(2, low=1, doc="encoder blocks")
    d_ff: int = setting(64, low=1, doc="hidden units of the feed-forward networks")
    lr: float = setting(1e-3, low=0, doc="Adam learning rate of the transformer")
    seed: int = setting(0, low=0, doc="seed of the transformer's initialisation and batches")
    device: str = setting("cpu", doc='torch device of the transformer ("cuda" on a GPU)')
    oscillator: OscillatorRun = setting(
        OscillatorRun(), doc="the RNN chapter's run: data, window, epochs, batch size, horizon, baselines"
    )

    SHORT = {"oscillator": OscillatorRun.short()}

    def validate(self):
        if not isinstance(self.oscillator, OscillatorRun):
            raise TypeError(
                f"TransformerRun.oscillator must be a studies.rnn.OscillatorRun, got {self.oscillator!r}"
            )
        if self.d_model % self.n_heads:
            raise ValueError(f"TransformerRun.n_heads = {self.n_heads} must divide d_model = {self.d_model}")


@study("transformer", TransformerRun)
def oscillator_run(cfg: TransformerRun) -> dict:
    """Train the transformer on the oscillator, and compare with the RNN chapter's models.

    The LSTM, GRU, feed-forward window model and persistence are those of
    :func:`physml.studies.rnn.oscillator_run` with the settings ``cfg.oscillator`` (the same
    cached run, on the same data); the transformer is trained here on the same windows with
    the same epochs and batch size. Returns the models, training histories, forecasts,
    errors ``E(k)``, their means and the parameter counts, keyed by model name, and the data.
    """
    osc = cfg.oscillator
    recurrent = rnnstudy.oscillator_run(osc)  # the RNN chapter's run: its data and its models
    with torch_threads(1):
        model = attention.TransformerForecaster(
            recurrent["n_features"],
            cfg.d_model,
            cfg.n_heads,
            cfg.n_layers,
            cfg.d_ff,
            n_out=recurrent["n_state"],
            max_len=osc.window,
            seed=cfg.seed,
            device=cfg.device,
        )
        history = rnn.train_forecaster(
            model, recurrent["X"], recurrent["Y"], osc.epochs, cfg.lr, osc.batch_size, cfg.seed, cfg.device
        )
        pred = rnn.forecast(model, recurrent["history"], osc.horizon, recurrent["inputs"], device=cfg.device)
    models = {"transformer": model.cpu(), **recurrent["models"]}
    errors = {"transformer": rnn.horizon_error(pred, recurrent["truth"]), **recurrent["errors"]}
    return {
        "models": models,
        "histories": {"transformer": history, **recurrent["histories"]},
        "predictions": {"transformer": pred, **recurrent["predictions"]},
        "errors": errors,
        "mean_error": {k: float(np.mean(e)) for k, e in errors.items()},
        "n_parameters": {k: torchtools.n_parameters(m) for k, m in models.items()},
        "epochs": osc.epochs,
        "data": {k: recurrent[k] for k in ("X", "Y", "history", "inputs", "truth", "test", "mean", "std")},
    }
