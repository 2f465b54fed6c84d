"""Reference checks of the chapter "Feed-forward neural networks and backpropagation".

The expensive runs (the digits classifier in physml, PyTorch and scikit-learn) are
computed once here, cached, and shared by the chapter page and the checks.
"""

from __future__ import annotations

import functools

import numpy as np

from ..nn import MLP, accuracy, examples, torch_twin
from ..optim import Adam
from ..validation import reference_check

# The digits classifier of the chapter (and of the benchmark): 64-100-100-10, sigmoid hidden
# layers, softmax output with cross-entropy, Adam with torch's default hyperparameters.
DIGITS = {
    "layer_sizes": [64, 100, 100, 10],
    "hidden_activation": "sigmoid",
    "learning_rate": 1e-3,
    "epochs": 30,
    "batch_size": 32,
    "init_seed": 2026,
    "batch_seed": 7,
}
DIGITS_TARGET_ACCURACY = 0.95
# The short configuration of the checks (unit tests): the same training for a few epochs,
# held to a lower target that a few epochs reach.
SHORT_EPOCHS = 5
SHORT_TARGET_ACCURACY = 0.90


def digits_model() -> MLP:
    """The untrained digits classifier (Xavier initialisation, fixed seed)."""
    return MLP(
        DIGITS["layer_sizes"],
        hidden_activation=DIGITS["hidden_activation"],
        output_activation="softmax",
        loss="cross_entropy",
        init="xavier",
        seed=DIGITS["init_seed"],
    )


@functools.cache
def digits_physml(epochs: int = DIGITS["epochs"]) -> dict:
    """Train the digits classifier with physml; return model, history and test accuracy."""
    X_train, X_test, y_train, y_test = examples.digits_data()
    model = digits_model()
    history = model.fit(
        X_train,
        y_train,
        Adam(DIGITS["learning_rate"]),
        epochs=epochs,
        batch_size=DIGITS["batch_size"],
        seed=DIGITS["batch_seed"],
    )
    return {
        "model": model,
        "history": history,
        "accuracy": accuracy(model, X_test, y_test),
    }


@functools.cache
def digits_torch(epochs: int = DIGITS["epochs"]) -> dict:
    """The same training in PyTorch: same initial weights, same batches, ``torch.optim.Adam``."""
    import torch

    X_train, X_test, y_train, y_test = examples.digits_data()
    net, losses = torch_twin.train_twin(
        digits_model(),
        X_train,
        y_train,
        "adam",
        DIGITS["learning_rate"],
        epochs=epochs,
        batch_size=DIGITS["batch_size"],
        seed=DIGITS["batch_seed"],
    )
    with torch.no_grad():
        predicted = net(torch.from_numpy(X_test)).argmax(dim=1).numpy()
    return {"net": net, "losses": losses, "accuracy": float(np.mean(predicted == y_test))}


@functools.cache
def digits_sklearn() -> dict:
    """scikit-learn's MLPClassifier with the same architecture, optimizer, batch size and epochs."""
    X_train, X_test, y_train, y_test = examples.digits_data()
    clf = examples.sklearn_digits_classifier(
        X_train,
        y_train,
        hidden=DIGITS["layer_sizes"][1:-1],
        activation=DIGITS["hidden_activation"],
        epochs=DIGITS["epochs"],
        batch_size=DIGITS["batch_size"],
        seed=DIGITS["init_seed"],
    )
    return {"model": clf, "accuracy": float(clf.score(X_test, y_test))}


@functools.cache
def gradient_comparison() -> tuple[np.ndarray, np.ndarray]:
    """Backpropagation and torch.autograd gradients, flattened, for two small random networks (float64)."""
    rng = np.random.default_rng(11)
    X = rng.normal(size=(9, 5))
    classifier = MLP(
        [5, 7, 6, 4, 3],
        hidden_activation=["sigmoid", "tanh", "leaky_relu"],
        output_activation="softmax",
        loss="cross_entropy",
        l2=0.01,
        l1=0.001,
        seed=3,
    )
    regressor = MLP(
        [5, 8, 8, 2], hidden_activation="relu", output_activation="identity", loss="mse", init="he", seed=4
    )
    labels = rng.integers(0, 3, size=9)
    targets = rng.normal(size=(9, 2))
    ours, reference = [], []
    for model, y in ((classifier, labels), (regressor, targets)):
        ours += [g.ravel() for g in model.gradients(X, y)]
        reference += [g.ravel() for g in torch_twin.autograd_gradients(model, X, y)[1]]
    return np.concatenate(ours), np.concatenate(reference)


@reference_check(
    "neural_networks.backprop-autograd",
    chapter="neural_networks",
    description="Backpropagation gradients of two small random networks equal torch.autograd's (float64)",
    reference_source="torch.autograd",
    kind="rel",
    tolerance=1e-6,
)
def _backprop_vs_autograd():
    return gradient_comparison()


@reference_check(
    "neural_networks.digits-accuracy",
    chapter="neural_networks",
    description="Test accuracy of the 64-100-100-10 digits classifier reaches the target",
    reference_source="target accuracy of the chapter (short configuration: 5 epochs, target 0.90)",
    kind="at_least",
    glued=("nn-digits-accuracy",),
)
def _digits_accuracy(short: bool):
    if short:
        return digits_physml(SHORT_EPOCHS)["accuracy"], SHORT_TARGET_ACCURACY
    return digits_physml()["accuracy"], DIGITS_TARGET_ACCURACY


@reference_check(
    "neural_networks.torch-twin",
    chapter="neural_networks",
    description="physml and PyTorch, trained from the same weights on the same batches with Adam, "
    "end with the same parameters",
    reference_source="torch.nn.Linear + torch.optim.Adam",
    kind="rel",
    tolerance=1e-8,
)
def _torch_twin(short: bool):
    epochs = SHORT_EPOCHS if short else DIGITS["epochs"]
    ours = np.concatenate([p.ravel() for p in digits_physml(epochs)["model"].params])
    theirs = np.concatenate(
        [p.ravel() for p in torch_twin.torch_params_as_numpy(digits_torch(epochs)["net"])]
    )
    return ours, theirs
