"""The runs of "Deep learning with PyTorch", with their settings in view.

* :func:`digits_rebuild_run`: the NumPy chapter's digits network rebuilt in PyTorch and
  trained from its initial weights on its batches (the settings are the NumPy chapter's
  ``DigitsRun``, so that both chapters train the same network);
* :func:`dropout_run`: a 1-100-100-1 tanh network on 30 noisy points, plainly, with early
  stopping and with dropout;
* :func:`batch_norm_run`: a deep sigmoid network with plain SGD, without and with batch
  normalisation;
* :func:`residual_run`: a deep tanh network with plain SGD, without and with skip
  connections, from torch's default and from Xavier's initial weights.

Each torch run seeds torch's global generator with ``torch.manual_seed(seed)`` (``cfg.seed``,
or each of ``cfg.seeds`` in the batch-normalisation and residual experiments) before it
builds its model (and ``torchtools.fit`` seeds it again for dropout); nothing here
changes torch's global settings beyond that.
"""

from __future__ import annotations

import functools

import numpy as np
import torch
from torch import nn

from .. import data, torchtools
from ..experiment import Settings, setting, study
from ..nn import examples, torch_twin
from .neural_networks import DigitsRun, digits_model

SPLIT_SEED = 11  # the validation split of the NumPy chapter's training digits


def digits_loader(X, y, batch_size: int = 32, seed: int = 0, dtype=torch.float32, shuffle: bool = True):
    """A loader of digits images (rows of 64 standardised pixels) and their labels."""
    return torchtools.make_loader(X, y, batch_size=batch_size, shuffle=shuffle, seed=seed, dtype=dtype)


# --------------------------------------------------------------------------- the digits network, rebuilt


def rebuilt_digits_net(cfg: DigitsRun | None = None) -> nn.Sequential:
    """The NumPy chapter's digits network as ``torchtools.mlp``, with its initial weights.

    The layers are built in PyTorch and then given the parameters of the physml network
    (``torch_twin.to_torch`` transposes the weight matrices), in float64 like physml.
    """
    cfg = DigitsRun() if cfg is None else cfg
    net = torchtools.mlp(list(cfg.layer_sizes), activation=cfg.hidden_activation).double()
    net.load_state_dict(torch_twin.to_torch(digits_model(cfg)).state_dict())
    return net


@study("pytorch", DigitsRun)
def digits_rebuild_run(cfg: DigitsRun) -> dict:
    """Train the rebuilt network with :func:`torchtools.fit` on the batches physml's ``MLP.fit`` uses."""
    X_train, X_test, y_train, y_test = examples.digits_data()
    dataset = torchtools.ArrayDataset(X_train, y_train, dtype=torch.float64)
    sampler = torchtools.NumpyBatchSampler(len(dataset), cfg.batch_size, seed=cfg.batch_seed)
    train_loader = torch.utils.data.DataLoader(dataset, batch_sampler=sampler)
    net = rebuilt_digits_net(cfg)
    optimizer = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    history = torchtools.fit(
        net, train_loader, None, optimizer, nn.functional.cross_entropy, epochs=cfg.epochs, device=cfg.device
    )
    test_loader = digits_loader(X_test, y_test, dtype=torch.float64, shuffle=False)
    accuracy = torchtools.accuracy(net, test_loader, cfg.device)
    return {"net": net.cpu(), "history": history, "accuracy": accuracy}


# --------------------------------------------------------------------------- the digits experiments


@functools.cache
def digits_split() -> tuple[np.ndarray, ...]:
    """The NumPy chapter's training and test digits, 20 % of the training images kept for validation:
    ``(X_train, X_val, X_test, y_train, y_val, y_test)``."""
    X_train, X_test, y_train, y_test = examples.digits_data()
    X_tr, X_val, y_tr, y_val = data.train_test_split(X_train, y_train, test_size=0.2, seed=SPLIT_SEED)
    return X_tr, X_val, X_test, y_tr.astype(int), y_val.astype(int), y_test


def train_digits(model_fn, optimizer_fn, epochs: int, seed: int = 0, device: str = "cpu") -> dict:
    """Build a model with torch seeded by ``seed``, train it on the digits (validation split
    ``digits_split``), return the model, its history and its accuracies."""
    X_tr, X_val, X_test, y_tr, y_val, y_test = digits_split()
    torch.manual_seed(seed)
    model = model_fn()
    history = torchtools.fit(
        model,
        digits_loader(X_tr, y_tr, seed=seed),
        digits_loader(X_val, y_val, shuffle=False),
        optimizer_fn(model.parameters()),
        nn.functional.cross_entropy,
        epochs=epochs,
        seed=seed,
        device=device,
    )
    test = digits_loader(X_test, y_test, shuffle=False)
    train = digits_loader(X_tr, y_tr, shuffle=False)
    return {
        "model": model,
        "history": history,
        "train_accuracy": torchtools.accuracy(model, train, device),
        "test_accuracy": torchtools.accuracy(model, test, device),
    }


class BatchNormRun(Settings):
    """Settings of the batch-normalisation experiment (sigmoid hidden layers, plain SGD)."""

    width: int = setting(64, low=1, doc="units per hidden layer")
    hidden_layers: int = setting(6, low=1, doc="hidden layers")
    lr: float = setting(0.05, low=0, doc="SGD learning rate")
    epochs: int = setting(12, low=1, doc="passes over the training images")
    seeds: tuple[int, ...] = setting(
        (0, 1, 2),
        low=0,
        doc="seeds of the initial weights (torch's default) and the batch order, one run each",
    )
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"epochs": 2}

    def validate(self):
        if len(self.seeds) < 1:
            raise ValueError("BatchNormRun.seeds must name at least one seed")

    def sizes(self) -> list[int]:
        return [64] + [self.width] * self.hidden_layers + [10]


@study("pytorch", BatchNormRun)
def batch_norm_run(cfg: BatchNormRun) -> dict:
    """A deep sigmoid network trained with plain SGD, without (``False``) and with (``True``)
    ``BatchNorm1d`` before each activation, from torch's default initial weights: a list of
    runs, one per seed, for each."""
    runs = {False: [], True: []}
    for seed in cfg.seeds:
        for bn in (False, True):
            run = train_digits(
                lambda bn=bn: torchtools.mlp(cfg.sizes(), "sigmoid", batch_norm=bn),
                lambda params: torch.optim.SGD(params, lr=cfg.lr),
                cfg.epochs,
                seed=seed,
                device=cfg.device,
            )
            run["model"] = run["model"].cpu()
            runs[bn].append(run)
    return runs


INITS = ("default", "xavier")


class ResidualRun(Settings):
    """Settings of the depth experiment: plain and residual tanh networks, torch's default and
    Xavier's initial weights (plain SGD)."""

    width: int = setting(32, low=1, doc="units per layer")
    depth: int = setting(20, low=1, doc="plain or residual blocks between the input and output layers")
    activation: str = setting("tanh", doc='activation of the blocks ("tanh", "sigmoid", "relu")')
    lr: float = setting(0.05, low=0, doc="SGD learning rate")
    epochs: int = setting(12, low=1, doc="passes over the training images")
    seeds: tuple[int, ...] = setting((0, 1, 2), low=0, doc="seeds of the initial weights and the batch order")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"epochs": 2}

    def validate(self):
        if len(self.seeds) < 1:
            raise ValueError("ResidualRun.seeds must name at least one seed")


def init_weights(net: nn.Module, init: str = "default", activation: str = "tanh") -> nn.Module:
    r"""Give every ``nn.Linear`` of ``net`` its initial weights, in place, and return ``net``.

    ``"default"`` keeps torch's own initialisation (``kaiming_uniform_`` with ``a = sqrt(5)``:
    weights and biases uniform in :math:`\pm 1/\sqrt{M_{l-1}}`, weight variance
    :math:`1/(3M_{l-1})`); ``"xavier"`` draws the weights uniform with variance
    :math:`g^2\,2/(M_{l-1}+M_l)`, :math:`g` = ``nn.init.calculate_gain(activation)``
    (5/3 for tanh), and sets the biases to zero. Used in the chapter "Deep learning with PyTorch".
    """
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}, got {init!r}")
    if not isinstance(net, nn.Module):
        raise TypeError(f"net must be a torch.nn.Module, got {type(net).__name__}")
    if init == "xavier":
        gain = nn.init.calculate_gain(activation)
        for layer in net.modules():
            if isinstance(layer, nn.Linear):
                nn.init.xavier_uniform_(layer.weight, gain=gain)
                nn.init.zeros_(layer.bias)
    return net


def residual_net(cfg: ResidualRun, residual: bool, init: str = "default") -> nn.Sequential:
    """The network of the experiment, with torch's default initial weights or Xavier's."""
    net = torchtools.deep_net(64, cfg.width, cfg.depth, 10, residual=residual, activation=cfg.activation)
    return init_weights(net, init, cfg.activation)


@study("pytorch", ResidualRun)
def residual_run(cfg: ResidualRun) -> dict:
    """A deep network trained with plain SGD: plain or residual (``False``/``True``) times torch's
    default or Xavier's initial weights, one run per seed: ``runs[(residual, init)]`` is a list."""
    runs = {}
    for res in (False, True):
        for init in INITS:
            runs[res, init] = []
            for seed in cfg.seeds:
                run = train_digits(
                    lambda res=res, init=init: residual_net(cfg, res, init),
                    lambda params: torch.optim.SGD(params, lr=cfg.lr),
                    cfg.epochs,
                    seed=seed,
                    device=cfg.device,
                )
                run["model"] = run["model"].cpu()
                runs[res, init].append(run)
    return runs


def signal_spread(net: nn.Sequential, X, device="cpu") -> np.ndarray:
    r"""Standard deviation over the images of each unit, averaged over the units, after the input
    layer and after every block of a :func:`torchtools.deep_net`: the part of the signal that
    depends on the input, layer by layer (chapter "Deep learning with PyTorch")."""
    device = torchtools.as_device(device)
    h = torch.as_tensor(np.asarray(X), dtype=torch.float32, device=device)
    spreads = []
    net = net.to(device)
    with torch.no_grad():
        for layer in list(net)[:-1]:
            h = layer(h)
            spreads.append(h.std(dim=0).mean().item())
    return np.array(spreads)


# --------------------------------------------------------------------------- dropout


class DropoutRun(Settings):
    """Settings of the dropout experiment: the overfitting example of the NumPy chapter."""

    n_train: int = setting(30, low=2, doc="noisy training samples of sin(pi x)")
    n_val: int = setting(200, low=1, doc="noisy validation samples")
    noise: float = setting(0.3, low=0, doc="standard deviation of the noise")
    sizes: tuple[int, ...] = setting((1, 100, 100, 1), low=1, doc="layer sizes (tanh hidden layers)")
    p: float = setting(0.2, low=0, high=0.99, doc="dropout probability after each hidden layer")
    lr: float = setting(1e-2, low=0, doc="Adam learning rate")
    epochs: int = setting(700, low=1, doc="full-batch epochs")
    patience: int = setting(50, low=1, doc="patience of early stopping (epochs)")
    seed: int = setting(1, low=0, doc="seed of the initial weights and the dropout masks")
    data_seed: int = setting(3, low=0, doc="seed of the training points (validation: data_seed + 1)")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"epochs": 50, "patience": 5}

    def validate(self):
        if len(self.sizes) < 2 or self.sizes[0] != 1 or self.sizes[-1] != 1:
            raise ValueError("DropoutRun.sizes must start and end with one unit (x -> y)")


def sine_data(cfg: DropoutRun) -> tuple[np.ndarray, ...]:
    """The noisy training and validation samples of sin(pi x): ``(x, y, x_val, y_val)``."""
    x, y = examples.noisy_sine(cfg.n_train, noise=cfg.noise, seed=cfg.data_seed)
    x_val, y_val = examples.noisy_sine(cfg.n_val, noise=cfg.noise, seed=cfg.data_seed + 1)
    return x, y, x_val, y_val


@study("pytorch", DropoutRun)
def dropout_run(cfg: DropoutRun) -> dict:
    """A tanh network on a few noisy points: no dropout, early stopping, dropout.

    All three start from the same initial weights (dropout layers have no parameters) and
    see the same full batch every epoch.
    """
    x, y, x_val, y_val = sine_data(cfg)
    runs = {}
    for name, p, patience in (("plain", 0.0, None), ("early", 0.0, cfg.patience), ("dropout", cfg.p, None)):
        torch.manual_seed(cfg.seed)
        model = torchtools.mlp(list(cfg.sizes), "tanh", dropout=p)
        history = torchtools.fit(
            model,
            torchtools.make_loader(x, y, batch_size=len(x)),
            torchtools.make_loader(x_val, y_val, batch_size=len(x_val), shuffle=False),
            torch.optim.Adam(model.parameters(), lr=cfg.lr),
            nn.functional.mse_loss,
            epochs=cfg.epochs,
            early_stopping_patience=patience,
            seed=cfg.seed,
            device=cfg.device,
        )
        runs[name] = {"model": model.cpu(), "history": history}
    return runs
