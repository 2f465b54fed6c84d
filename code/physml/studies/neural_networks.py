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


# --------------------------------------------------------------------------- double descent


class DoubleDescentRun(Settings):
    """Settings of the double-descent study: random ReLU features (a two-layer network whose first
    layer is fixed at random) fitted by minimum-norm least squares, test error against the width."""

    n_train: int = setting(50, low=2, doc="training samples")
    n_inputs: int = setting(5, low=1, doc="input dimension d")
    widths: tuple[int, ...] = setting(
        (5, 10, 20, 30, 40, 45, 50, 55, 60, 75, 100, 150, 250, 400, 800), low=1, doc="hidden widths p"
    )
    noise: float = setting(0.2, low=0, doc="noise standard deviation of the training targets")
    n_test: int = setting(500, low=1, doc="test inputs")
    n_seeds: int = setting(7, low=1, doc="data sets (teacher, data and features drawn anew)")
    seed: int = setting(2026, low=0, doc="seed of the first data set")

    SHORT = {"n_seeds": 3, "widths": (10, 50, 400)}


@study("neural_networks", DoubleDescentRun)
def double_descent_run(cfg: DoubleDescentRun) -> dict:
    """Relative test error (MSE / variance of the targets) for every width and data set. The
    teacher is a random tanh network with 20 hidden units; the student's first layer W is random
    and fixed, its output weights are the minimum-norm least-squares solution (``lstsq``), which
    interpolates the training data once p >= n."""
    from threadpoolctl import threadpool_limits

    widths = np.asarray(cfg.widths)
    errors = np.zeros((cfg.n_seeds, len(widths)))
    with threadpool_limits(limits=1, user_api="blas"):
        for s in range(cfg.n_seeds):
            rng = np.random.default_rng(cfg.seed + s)
            w_teacher = rng.standard_normal((cfg.n_inputs, 20)) / np.sqrt(cfg.n_inputs)
            a_teacher = rng.standard_normal(20) / np.sqrt(20)
            X, X_test = (
                rng.standard_normal((cfg.n_train, cfg.n_inputs)),
                rng.standard_normal((cfg.n_test, cfg.n_inputs)),
            )
            y = np.tanh(X @ w_teacher) @ a_teacher + cfg.noise * rng.standard_normal(cfg.n_train)
            y_test = np.tanh(X_test @ w_teacher) @ a_teacher
            W = rng.standard_normal((cfg.n_inputs, widths.max())) / np.sqrt(cfg.n_inputs)
            for k, p in enumerate(widths):
                features = np.maximum(0.0, X @ W[:, :p])
                a = np.linalg.lstsq(features, y, rcond=None)[0]
                pred = np.maximum(0.0, X_test @ W[:, :p]) @ a
                errors[s, k] = np.mean((pred - y_test) ** 2) / np.var(y_test)
    return {"widths": widths, "errors": errors}
