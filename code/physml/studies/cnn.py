"""The runs of "Convolutional neural networks": what the page trains, with its settings in view.

* :func:`digits_run`: the CNN of :func:`physml.conv.digits_cnn` trained with Adam on the
  8x8 digits (grey levels scaled to [0, 1], the split of the neural-networks chapter);
* :func:`ising_run`: the CNN of :func:`physml.conv.ising_cnn` trained on Ising
  configurations far from T_c (labelled by phase) and asked about unseen temperatures
  around T_c; where its probability of the ordered phase crosses 1/2 estimates T_c.
"""

from __future__ import annotations

import functools

import numpy as np
import torch
from torch import nn

from .. import conv, ising, torchtools
from ..experiment import Settings, setting, study
from ..nn import examples


def digits_images():
    """The NumPy chapter's digits split as ``(N, 1, 8, 8)`` images with grey levels scaled to [0, 1]."""
    X_train, X_test, y_train, y_test = examples.digits_data(standardise=False)
    return (X_train / 16).reshape(-1, 1, 8, 8), (X_test / 16).reshape(-1, 1, 8, 8), y_train, y_test


# --------------------------------------------------------------------------- the digits CNN


class DigitsRun(Settings):
    """Settings of the CNN on the 8x8 digits (the book's run; ``SHORT`` is what the unit tests train)."""

    channels: tuple[int, ...] = setting((8, 16), low=1, doc="channels of the two 3x3 convolutions")
    hidden: int = setting(64, low=1, doc="units of the dense layer on top")
    dropout: float = setting(0.25, low=0, high=1, doc="dropout probability before the dense layers")
    lr: float = setting(2e-3, low=0, doc="Adam learning rate")
    batch_size: int = setting(32, low=1, doc="mini-batch size")
    epochs: int = setting(20, low=1, doc="passes over the training digits")
    seed: int = setting(0, low=0, doc="seed of initialisation, batches and dropout")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"epochs": 3}

    def validate(self):
        if len(self.channels) != 2:
            raise ValueError("DigitsRun.channels must hold two channel counts (first, second convolution)")


@study("cnn", DigitsRun)
def digits_run(cfg: DigitsRun) -> dict:
    """Train :func:`physml.conv.digits_cnn` with Adam; return model, history, test accuracy and size."""
    X_train, X_test, y_train, y_test = digits_images()
    torch.manual_seed(cfg.seed)
    model = conv.digits_cnn(cfg.channels, cfg.hidden, cfg.dropout)
    history = torchtools.fit(
        model,
        torchtools.make_loader(X_train, y_train, cfg.batch_size, seed=cfg.seed),
        None,
        torch.optim.Adam(model.parameters(), lr=cfg.lr),
        nn.functional.cross_entropy,
        epochs=cfg.epochs,
        device=cfg.device,
        seed=cfg.seed,
    )
    test = torchtools.make_loader(X_test, y_test, 256, shuffle=False)
    accuracy = torchtools.accuracy(model, test, cfg.device)
    return {
        "model": model.cpu(),
        "history": history,
        "accuracy": accuracy,
        "n_parameters": torchtools.n_parameters(model),
    }


# --------------------------------------------------------------------------- the Ising CNN


class IsingRun(Settings):
    """Settings of the Ising phase classifier: data, network and training."""

    L: int = setting(16, low=2, doc="linear size of the periodic lattice")
    ordered_temperatures: tuple[float, ...] = setting(
        (1.0, 1.6), low=0.01, doc="training range labelled ordered (T_min, T_max)"
    )
    disordered_temperatures: tuple[float, ...] = setting(
        (3.0, 3.6), low=0.01, doc="training range labelled disordered (T_min, T_max)"
    )
    n_train_temperatures: int = setting(4, low=1, doc="training temperatures per range")
    n_train: int = setting(200, low=1, doc="configurations per training temperature")
    test_temperatures: tuple[float, ...] = setting(
        (1.7, 2.9), low=0.01, doc="range of the unseen test temperatures (T_min, T_max)"
    )
    n_test_temperatures: int = setting(13, low=2, doc="test temperatures in that range")
    n_test: int = setting(100, low=2, doc="configurations per test temperature")
    channels: int = setting(8, low=1, doc="channels of the convolutions")
    lr: float = setting(1e-2, low=0, doc="Adam learning rate")
    batch_size: int = setting(32, low=1, doc="mini-batch size")
    epochs: int = setting(6, low=1, doc="passes over the training configurations")
    seed: int = setting(5, low=0, doc="seed of the Monte Carlo samples, initialisation and batches")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"L": 8, "n_train": 60, "n_test": 40, "epochs": 3}

    def validate(self):
        for name in ("ordered_temperatures", "disordered_temperatures", "test_temperatures"):
            if len(getattr(self, name)) != 2:
                raise ValueError(f"IsingRun.{name} must be a range (T_min, T_max)")


@functools.cache
def ising_samples(L: int, temperatures: tuple[float, ...], n: int, seed: int) -> ising.IsingSamples:
    """``n`` Monte Carlo configurations at each temperature (cached: a change of the training
    settings alone does not sample again)."""
    return ising.sample(L, np.array(temperatures), n, seed=seed)


def _as_images(spins: np.ndarray) -> np.ndarray:
    return spins.astype(np.float64)[:, None, :, :]


@study("cnn", IsingRun)
def ising_run(cfg: IsingRun) -> dict:
    """Train :func:`physml.conv.ising_cnn` on ordered vs disordered configurations, then estimate T_c.

    Returns the training and test samples, the model, its history, the mean predicted
    probability of the ordered phase at each test temperature, and the temperature
    where it crosses 1/2.
    """
    n_t = cfg.n_train_temperatures
    ordered, disordered = cfg.ordered_temperatures, cfg.disordered_temperatures
    train_T = np.concatenate([np.linspace(*ordered, n_t), np.linspace(*disordered, n_t)])
    test_T = np.linspace(*cfg.test_temperatures, cfg.n_test_temperatures)
    train = ising_samples(cfg.L, tuple(train_T), cfg.n_train, cfg.seed)
    test = ising_samples(cfg.L, tuple(test_T), cfg.n_test, cfg.seed + 1)

    torch.manual_seed(cfg.seed)
    model = conv.ising_cnn(cfg.channels)
    history = torchtools.fit(
        model,
        torchtools.make_loader(_as_images(train.spins), train.labels, cfg.batch_size, seed=cfg.seed),
        None,
        torch.optim.Adam(model.parameters(), lr=cfg.lr),
        nn.functional.cross_entropy,
        epochs=cfg.epochs,
        device=cfg.device,
        seed=cfg.seed,
    )
    model.eval()
    with torch.no_grad():
        x = torch.from_numpy(_as_images(test.spins)).float().to(torchtools.as_device(cfg.device))
        p_ordered = torch.softmax(model(x), dim=1)[:, 1].cpu().numpy()
    mean_p = np.array([p_ordered[test.temperatures == T].mean() for T in test_T])
    return {
        "train": train,
        "test": test,
        "model": model.cpu(),
        "history": history,
        "temperatures": test_T,
        "p_ordered": mean_p,
        "p_ordered_all": p_ordered,
        "tc": conv.half_crossing(test_T, mean_p),
    }
