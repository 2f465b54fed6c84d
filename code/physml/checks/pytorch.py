"""Reference checks and experiments of the chapter "Deep learning with PyTorch".

The runs (the digits network rebuilt in PyTorch, the dropout, batch-normalisation and
residual experiments) are computed once here, cached, and shared by the chapter page
and the checks. Each takes ``short``: the unit tests run a few epochs of the same code.
"""

from __future__ import annotations

import functools

import numpy as np
import torch
from torch import nn

from .. import data, torchtools
from ..nn import examples, torch_twin
from ..validation import reference_check
from . import neural_networks as nnchecks

SHORT_EPOCHS = 5  # the short configuration of the digits rebuild (as in the NumPy chapter)

# The experiments: data split, architectures, optimisers and lengths (full, short).
EXPERIMENTS = {
    "split_seed": 11,
    # the overfitting example of the NumPy chapter: 30 noisy samples of sin(pi x), 200 for validation
    "dropout": {
        "n_train": 30,
        "n_val": 200,
        "noise": 0.3,
        "sizes": [1, 100, 100, 1],
        "p": 0.2,
        "lr": 1e-2,
        "epochs": (700, 50),
        "patience": (50, 5),
    },
    "batch_norm": {"sizes": [64] + [64] * 6 + [10], "lr": 0.05, "epochs": (12, 2)},
    "residual": {"width": 32, "depth": 20, "lr": 0.05, "epochs": (12, 2)},
}


def digits_loader(X, y, batch_size: int = 32, seed: int = 0, dtype=torch.float32, shuffle: bool = True):
    """A loader of digits images (rows of 64 standardised pixels) and their labels."""
    return torchtools.make_loader(X, y, batch_size=batch_size, shuffle=shuffle, seed=seed, dtype=dtype)


def rebuilt_digits_net() -> nn.Sequential:
    """The NumPy chapter's 64-100-100-10 sigmoid network as ``torchtools.mlp``, with its initial weights.

    The layers are built in PyTorch and then given the parameters of the physml network
    (``torch_twin.to_torch`` transposes the weight matrices), in float64 like physml.
    """
    net = torchtools.mlp(nnchecks.DIGITS["layer_sizes"], activation="sigmoid").double()
    net.load_state_dict(torch_twin.to_torch(nnchecks.digits_model()).state_dict())
    return net


@functools.cache
def digits_rebuild(epochs: int = nnchecks.DIGITS["epochs"], device: str = "cpu") -> dict:
    """Train the rebuilt network with :func:`torchtools.fit` on the batches physml's ``MLP.fit`` uses."""
    X_train, X_test, y_train, y_test = examples.digits_data()
    cfg = nnchecks.DIGITS
    dataset = torchtools.ArrayDataset(X_train, y_train, dtype=torch.float64)
    sampler = torchtools.NumpyBatchSampler(len(dataset), cfg["batch_size"], seed=cfg["batch_seed"])
    train_loader = torch.utils.data.DataLoader(dataset, batch_sampler=sampler)
    net = rebuilt_digits_net()
    optimizer = torch.optim.Adam(net.parameters(), lr=cfg["learning_rate"])
    history = torchtools.fit(
        net, train_loader, None, optimizer, nn.functional.cross_entropy, epochs=epochs, device=device
    )
    test_loader = digits_loader(X_test, y_test, dtype=torch.float64, shuffle=False)
    return {"net": net, "history": history, "accuracy": torchtools.accuracy(net, test_loader, device)}


@functools.cache
def digits_split() -> tuple[np.ndarray, ...]:
    """The NumPy chapter's training and test digits, 20 % of the training images kept for validation."""
    X_train, X_test, y_train, y_test = examples.digits_data()
    X_tr, X_val, y_tr, y_val = data.train_test_split(
        X_train, y_train, test_size=0.2, seed=EXPERIMENTS["split_seed"]
    )
    return X_tr, X_val, X_test, y_tr.astype(int), y_val.astype(int), y_test


def _run(
    model_fn, optimizer_fn, epochs: int, n_train: int | None = None, patience=None, seed: int = 0
) -> dict:
    """Build a model with torch seeded by ``seed``, train it on the digits, return history and accuracies."""
    X_tr, X_val, X_test, y_tr, y_val, y_test = digits_split()
    if n_train is not None:
        X_tr, y_tr = X_tr[:n_train], y_tr[:n_train]
    torch.manual_seed(seed)
    model = model_fn()
    history = torchtools.fit(
        model,
        digits_loader(X_tr, y_tr, seed=seed),
        digits_loader(X_val, y_val, shuffle=False),
        optimizer_fn(model.parameters()),
        nn.functional.cross_entropy,
        epochs=epochs,
        early_stopping_patience=patience,
        seed=seed,
    )
    test = digits_loader(X_test, y_test, shuffle=False)
    train = digits_loader(X_tr, y_tr, shuffle=False)
    return {
        "model": model,
        "history": history,
        "train_accuracy": torchtools.accuracy(model, train),
        "test_accuracy": torchtools.accuracy(model, test),
    }


def sine_data() -> tuple[np.ndarray, ...]:
    """The 30 noisy training samples of sin(pi x) and 200 validation samples of the dropout experiment."""
    cfg = EXPERIMENTS["dropout"]
    x, y = examples.noisy_sine(cfg["n_train"], noise=cfg["noise"], seed=3)
    x_val, y_val = examples.noisy_sine(cfg["n_val"], noise=cfg["noise"], seed=4)
    return x, y, x_val, y_val


@functools.cache
def dropout_runs(short: bool = False) -> dict:
    """A 1-100-100-1 tanh network on 30 noisy points: no dropout, early stopping, dropout.

    All three start from the same initial weights (dropout layers have no parameters) and
    see the same full batch every epoch.
    """
    cfg = EXPERIMENTS["dropout"]
    x, y, x_val, y_val = sine_data()
    runs = {}
    for name, p, patience in (
        ("plain", 0.0, None),
        ("early", 0.0, cfg["patience"][short]),
        ("dropout", cfg["p"], None),
    ):
        torch.manual_seed(1)
        model = torchtools.mlp(cfg["sizes"], "tanh", dropout=p)
        history = torchtools.fit(
            model,
            torchtools.make_loader(x, y, batch_size=len(x)),
            torchtools.make_loader(x_val, y_val, batch_size=len(x_val), shuffle=False),
            torch.optim.Adam(model.parameters(), lr=cfg["lr"]),
            nn.functional.mse_loss,
            epochs=cfg["epochs"][short],
            early_stopping_patience=patience,
            seed=1,
        )
        runs[name] = {"model": model, "history": history}
    return runs


@functools.cache
def batch_norm_runs(short: bool = False) -> dict:
    """A deep sigmoid network trained with plain SGD, without and with batch normalisation."""
    cfg = EXPERIMENTS["batch_norm"]

    def sgd(params):
        return torch.optim.SGD(params, lr=cfg["lr"])

    return {
        bn: _run(
            lambda bn=bn: torchtools.mlp(cfg["sizes"], "sigmoid", batch_norm=bn), sgd, cfg["epochs"][short]
        )
        for bn in (False, True)
    }


@functools.cache
def residual_runs(short: bool = False) -> dict:
    """A deep tanh network (``EXPERIMENTS["residual"]``) trained with SGD, without and with skips."""
    cfg = EXPERIMENTS["residual"]

    def sgd(params):
        return torch.optim.SGD(params, lr=cfg["lr"])

    return {
        res: _run(
            lambda res=res: torchtools.deep_net(64, cfg["width"], cfg["depth"], 10, residual=res),
            sgd,
            cfg["epochs"][short],
        )
        for res in (False, True)
    }


def _flat(params) -> np.ndarray:
    return np.concatenate([np.asarray(p).ravel() for p in params])


@reference_check(
    "pytorch.digits-rebuild",
    chapter="pytorch",
    description="The digits network rebuilt in PyTorch (nn.Module, DataLoader, torchtools.fit), trained "
    "from the same weights on the same batches, ends with the NumPy chapter's parameters",
    reference_source="physml.nn.MLP.fit (30 epochs; short configuration: 5 epochs)",
    kind="rel",
    tolerance=1e-8,
)
def _digits_rebuild(short: bool):
    # the same call signatures as the chapter, so that the cached runs are shared
    rebuild = digits_rebuild(SHORT_EPOCHS) if short else digits_rebuild()
    numpy_run = nnchecks.digits_physml(SHORT_EPOCHS) if short else nnchecks.digits_physml()
    return _flat(torch_twin.torch_params_as_numpy(rebuild["net"])), _flat(numpy_run["model"].params)


@reference_check(
    "pytorch.digits-accuracy",
    chapter="pytorch",
    description="Test accuracy of the rebuilt digits network reaches the NumPy chapter's target",
    reference_source="target of the NumPy chapter (short configuration: 5 epochs, target 0.90)",
    kind="at_least",
    glued=("pt-rebuild-accuracy",),
)
def _digits_accuracy(short: bool):
    if short:
        return digits_rebuild(SHORT_EPOCHS)["accuracy"], nnchecks.SHORT_TARGET_ACCURACY
    return digits_rebuild()["accuracy"], nnchecks.DIGITS_TARGET_ACCURACY
