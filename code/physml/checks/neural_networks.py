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


def _ising(short: bool) -> dict:
    return study.ising_phase_run(current(study.ising_phase_run, short))


@reference_check(
    "neural_networks.ising-mlp-beats-raw-logistic",
    chapter="neural_networks",
    description="Near T_c (T = 2.0, 2.25, 2.5, never trained on) the one-hidden-layer MLP on raw spins "
    "(3 seeds) classifies more configurations correctly than logistic regression on the same raw spins",
    reference_source="physml.classification.fit_logistic_newton on the raw spins of the same training set "
    "(the classification chapter's model); short configuration: 40 samples per temperature, 40 epochs",
    kind="beats",
    better="higher",
    margin=0.0,
    reference_kind="baseline",
    tolerance_from="target",
    why="the claim itself (Mehta et al. Sec. IX: a hidden layer is what raw spins need), no margin",
    glued=("nn-ising-mlp-crit",),
)
def _ising_beats_raw(short: bool):
    run = _ising(short)
    return run["mlp"]["near-critical"], run["baselines"]["raw spins"]["near-critical"]


@reference_check(
    "neural_networks.ising-mlp-vs-magnetisation",
    chapter="neural_networks",
    description="Near T_c the raw-spin MLP (3 seeds) classifies at least as well as a threshold on |m| "
    "(logistic regression on |m|, fitted to the same training set)",
    reference_source="physml.classification.fit_logistic_newton on |m| (the order parameter); short "
    "configuration: against chance, 0.5",
    kind="beats",
    better="higher",
    margin=0.0,
    reference_kind="baseline",
    tolerance_from="target",
    why="a network that has learnt the phases should at least match the order parameter it could compute",
    known_failure="the MLP finds magnetisation units but overfits its training set (training accuracy 1) "
    "and misclassifies more of the T = 2.5 configurations than the |m| threshold does",
    glued=("nn-ising-mlp-crit",),
)
def _ising_vs_m(short: bool):
    run = _ising(short)
    if short:  # 40 samples per temperature, 40 epochs: the code path, against chance
        return run["mlp"]["near-critical"], 0.5
    return run["mlp"]["near-critical"], run["baselines"]["|m|"]["near-critical"]


@reference_check(
    "neural_networks.ising-magnetisation-unit",
    chapter="neural_networks",
    description="Every trained raw-spin MLP has a hidden unit whose weight vector points along the all-ones "
    "vector (|cos| with it at least 4/sqrt(N), N spins), i.e. a unit that measures the magnetisation",
    reference_source="random directions in N dimensions: |cos| is about |z|/sqrt(N) with z standard normal, "
    "so |cos| > 4/sqrt(N) has probability 6e-5 per unit (short configuration, 40 samples per temperature: "
    "above the typical random overlap 1/sqrt(N) only)",
    kind="at_least",
    tolerance=0.0,
    reference_kind="exact",
    tolerance_from="bound",
    why="4 standard deviations of the overlap of a random direction; with 16 units and 3 seeds a network "
    "that had not singled out M would pass by chance with probability below 3e-3",
    glued=("nn-ising-overlap-min",),
)
def _ising_overlap(short: bool):
    run = _ising(short)
    overlap = min(float(o.max()) for o in run["overlaps"])
    if short:  # 480 configurations, 40 epochs: no magnetisation unit yet; above a typical random direction
        return overlap, 1.0 / np.sqrt(run["n_spins"])
    return overlap, 4.0 / np.sqrt(run["n_spins"])


def _depth(short: bool) -> dict:
    return study.depth_width_run(current(study.depth_width_run, short))


@reference_check(
    "neural_networks.tent-network-exact",
    chapter="neural_networks",
    description="The ReLU network of depth k = 3 and width 2 (19 parameters) computes the 3-fold tent map "
    "exactly on 2001 points of [0, 1]",
    reference_source="studies.neural_networks.tent_power (the composed map itself, evaluated directly)",
    kind="abs",
    tolerance=1e-12,
    reference_kind="exact",
    tolerance_from="bound",
    why="the weights are exact dyadic numbers; only float64 rounding of a few operations per layer",
)
def _tent_exact():
    x = np.linspace(0.0, 1.0, 2001)[:, None]
    return np.ravel(study.tent_network(3).predict(x)), study.tent_power(x, 3).ravel()


@reference_check(
    "neural_networks.depth-best-run",
    chapter="neural_networks",
    description="Depth vs width at about 140 parameters, 3-fold tent map: the best of the deep network's "
    "runs (3 hidden layers of 7) has a lower test error than the best of the shallow network's (48 units)",
    reference_source="the one-hidden-layer network trained on the same data with the same seeds (baseline)",
    kind="at_most",
    tolerance=0.0,
    reference_kind="baseline",
    tolerance_from="target",
    why="the expressivity claim (depth multiplies linear pieces); stated after prototype runs with seeds 0-2 "
    "and 10-14, tested on the book's seeds 2026-2030",
)
def _depth_best(short: bool):
    run = _depth(short)
    if short:  # 20 epochs: neither network has learnt the teeth; only the code path is tested
        return float(run["errors"][1].min()), 1.0
    return float(run["errors"][1].min()), float(run["errors"][0].min())


@reference_check(
    "neural_networks.width-median-run",
    chapter="neural_networks",
    description="…but the median over the seeds is lower for the shallow network: training finds the deep "
    "network's good solutions less reliably",
    reference_source="the deep network's median test error over the same seeds",
    kind="at_most",
    tolerance=0.0,
    reference_kind="baseline",
    tolerance_from="target",
    why="the trainability claim; stated after prototype runs with seeds 0-2 and 10-14, tested on the book's "
    "seeds 2026-2030",
)
def _width_median(short: bool):
    run = _depth(short)
    if short:
        return float(np.median(run["errors"][0])), 1.5
    return float(np.median(run["errors"][0])), float(np.median(run["errors"][1]))
