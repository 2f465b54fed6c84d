"""The runs of "Feed-forward neural networks and backpropagation", with their settings in view.

The digits classifier of the chapter (and of the benchmark and of the PyTorch chapter):
layer sizes 64-100-100-10, sigmoid hidden layers, softmax output with cross-entropy, Adam
with torch's default hyperparameters, trained three times on the same settings:

* :func:`digits_run`: by physml (``MLP.fit``, backpropagation by hand);
* :func:`digits_twin_run`: by PyTorch from the same initial weights on the same batches;
* :func:`digits_sklearn_run`: by scikit-learn's ``MLPClassifier`` (its own initial weights
  and batches, learning rate 1e-3 whatever ``lr`` is).
"""

from __future__ import annotations

import numpy as np

from ..experiment import Settings, setting, study
from ..nn import MLP, accuracy, examples, torch_twin
from ..optim import Adam


class DigitsRun(Settings):
    """Settings of the digits classifier (the book's run; ``SHORT`` is what the unit tests train)."""

    layer_sizes: tuple[int, ...] = setting((64, 100, 100, 10), low=1, doc="units per layer, input to output")
    hidden_activation: str = setting(
        "sigmoid", doc='activation of the hidden layers ("sigmoid", "tanh", "relu")'
    )
    lr: float = setting(1e-3, low=0, doc="Adam learning rate")
    epochs: int = setting(30, low=1, doc="passes over the training images")
    batch_size: int = setting(32, low=1, doc="images per mini-batch")
    seed: int = setting(2026, low=0, doc="seed of the initial weights (Xavier)")
    batch_seed: int = setting(7, low=0, doc="seed of the mini-batch order")
    device: str = setting(
        "cpu", doc='torch device of the PyTorch runs ("cuda" on a GPU); physml runs on the CPU'
    )

    SHORT = {"epochs": 5}

    def validate(self):
        if len(self.layer_sizes) < 2 or self.layer_sizes[0] != 64 or self.layer_sizes[-1] != 10:
            raise ValueError("DigitsRun.layer_sizes must start with 64 inputs and end with 10 classes")
        if self.hidden_activation not in ("sigmoid", "tanh", "relu"):
            raise ValueError(
                'DigitsRun.hidden_activation must be "sigmoid", "tanh" or "relu", '
                f"got {self.hidden_activation!r}"
            )


def digits_model(cfg: DigitsRun | None = None) -> MLP:
    """The untrained digits classifier (Xavier initialisation, seeded by ``cfg.seed``)."""
    cfg = DigitsRun() if cfg is None else cfg
    return MLP(
        list(cfg.layer_sizes),
        hidden_activation=cfg.hidden_activation,
        output_activation="softmax",
        loss="cross_entropy",
        init="xavier",
        seed=cfg.seed,
    )


@study("neural_networks", DigitsRun)
def digits_run(cfg: DigitsRun) -> dict:
    """Train the digits classifier with physml; return model, history and test accuracy."""
    X_train, X_test, y_train, y_test = examples.digits_data()
    model = digits_model(cfg)
    history = model.fit(
        X_train, y_train, Adam(cfg.lr), epochs=cfg.epochs, batch_size=cfg.batch_size, seed=cfg.batch_seed
    )
    return {
        "model": model,
        "history": history,
        "accuracy": accuracy(model, X_test, y_test),
    }


@study("neural_networks", DigitsRun)
def digits_twin_run(cfg: DigitsRun) -> dict:
    """The same training in PyTorch: same initial weights, same batches, ``torch.optim.Adam``."""
    import torch

    X_train, X_test, y_train, y_test = examples.digits_data()
    net, losses = torch_twin.train_twin(
        digits_model(cfg),
        X_train,
        y_train,
        "adam",
        cfg.lr,
        epochs=cfg.epochs,
        batch_size=cfg.batch_size,
        seed=cfg.batch_seed,
        device=cfg.device,
    )
    net = net.cpu()
    with torch.no_grad():
        predicted = net(torch.from_numpy(X_test)).argmax(dim=1).numpy()
    return {"net": net, "losses": losses, "accuracy": float(np.mean(predicted == y_test))}


@study("neural_networks", DigitsRun)
def digits_sklearn_run(cfg: DigitsRun) -> dict:
    """scikit-learn's MLPClassifier with the same architecture, batch size and epochs (Adam, rate 1e-3)."""
    X_train, X_test, y_train, y_test = examples.digits_data()
    clf = examples.sklearn_digits_classifier(
        X_train,
        y_train,
        hidden=list(cfg.layer_sizes[1:-1]),
        activation=cfg.hidden_activation,
        epochs=cfg.epochs,
        batch_size=cfg.batch_size,
        seed=cfg.seed,
    )
    return {"model": clf, "accuracy": float(clf.score(X_test, y_test))}
