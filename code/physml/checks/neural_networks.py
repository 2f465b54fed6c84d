"""Reference checks of the chapter "Feed-forward neural networks and backpropagation".

The digits runs (physml, its PyTorch twin, scikit-learn) are in
``physml.studies.neural_networks``; each check reads the run the page made
(``experiment.current``: the book's settings in the book, the short ones in the unit
tests). The gradient comparison is cheap and deterministic and is computed here.
"""

from __future__ import annotations

import functools

import numpy as np

from ..experiment import current
from ..nn import MLP, torch_twin
from ..studies import neural_networks as study
from ..validation import reference_check

# Target test accuracy of the digits classifier; the short configuration (5 epochs, the
# unit tests) is held to a lower one.
DIGITS_TARGET_ACCURACY = 0.95
SHORT_TARGET_ACCURACY = 0.90


def digits_physml(short: bool = False) -> dict:
    """The physml digits run the page made (the book's unless the reader changed it);
    also read by the CNN chapter."""
    return study.digits_run(current(study.digits_run, short))


def digits_twin(short: bool = False) -> dict:
    return study.digits_twin_run(current(study.digits_twin_run, short))


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
    reference_kind="library",
    tolerance_from="bound",
    why="both exact to float64 rounding (about 1e-16); 1e-6 leaves room for any summation order",
)
def _backprop_vs_autograd():
    return gradient_comparison()


@reference_check(
    "neural_networks.digits-accuracy",
    chapter="neural_networks",
    description="Test accuracy of the digits classifier reaches the target",
    reference_source="target accuracy of the chapter, 0.95 (short configuration: 5 epochs, target 0.90)",
    kind="at_least",
    glued=("nn-digits-accuracy",),
    reference_kind="baseline",
    tolerance_from="target",
    why="target 0.95 of the chapter; the short target 0.90 is what a few epochs reach (set after)",
)
def _digits_accuracy(short: bool):
    return digits_physml(short)["accuracy"], SHORT_TARGET_ACCURACY if short else DIGITS_TARGET_ACCURACY


@reference_check(
    "neural_networks.torch-twin",
    chapter="neural_networks",
    description="physml and PyTorch, trained from the same weights on the same batches with Adam, "
    "end with the same parameters",
    reference_source="torch.nn.Linear + torch.optim.Adam",
    kind="rel",
    tolerance=1e-8,
    reference_kind="library",
    tolerance_from="bound",
    why="the same arithmetic in float64: rounding differences (about 1e-14) grow slowly over the epochs",
)
def _torch_twin(short: bool):
    ours = np.concatenate([p.ravel() for p in digits_physml(short)["model"].params])
    theirs = np.concatenate([p.ravel() for p in torch_twin.torch_params_as_numpy(digits_twin(short)["net"])])
    return ours, theirs


@reference_check(
    "neural_networks.double-descent",
    chapter="neural_networks",
    description="Random-feature network, minimum-norm fit: the widest network (p = 16 n) has a lower test "
    "error than the interpolation threshold p = n, averaged over the data sets",
    reference_source="the same model at p = n (baseline), 7 data sets (short: 3)",
    kind="beats",
    better="lower",
    margin=0.0,
    reference_kind="baseline",
    tolerance_from="target",
    why="the claim itself (the second descent): lower error, no margin",
    glued=("nn-dd-wide",),
)
def _double_descent(short: bool):
    run = study.double_descent_run(current(study.double_descent_run, short))
    cfg = current(study.double_descent_run, short)
    widths = list(run["widths"])
    at_n = run["errors"][:, widths.index(cfg.n_train)]
    return run["errors"][:, -1], at_n
