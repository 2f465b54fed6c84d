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


# --------------------------------------------------------------------------- Ising phases from raw spins


class IsingPhaseRun(Settings):
    """Settings of the raw-spin phase classifier: an MLP with one tanh hidden layer on the L x L
    spins of the classification chapter's Ising data (same temperatures, same Monte Carlo seed)."""

    L: int = setting(16, low=2, doc="linear lattice size, L x L spins")
    samples: int = setting(200, low=4, doc="configurations per temperature")
    hidden: int = setting(16, low=1, doc="hidden tanh units")
    epochs: int = setting(60, low=1, doc="passes over the training configurations")
    lr: float = setting(1e-3, low=0, doc="Adam learning rate")
    l2: float = setting(1e-3, low=0, doc="L2 penalty of the weights")
    batch_size: int = setting(32, low=1, doc="configurations per mini-batch")
    seeds: tuple[int, ...] = setting(
        (2026, 2027, 2028), low=0, doc="one network per seed (weights and batches)"
    )
    data_seed: int = setting(
        2019, low=0, doc="seed of the Monte Carlo chains and the split (the classification chapter's)"
    )

    SHORT = {"samples": 40, "epochs": 40}

    def validate(self):
        if len(self.seeds) < 1:
            raise ValueError("IsingPhaseRun.seeds must hold at least one seed")


def _ising_sets(cfg: IsingPhaseRun) -> dict:
    """Training, test and near-critical sets of raw spins, as in the classification chapter."""
    from .. import data, ising
    from .classification import IsingRun

    temps = IsingRun()
    pool = ising.sample(cfg.L, temps.ordered_T + temps.disordered_T, cfg.samples, seed=cfg.data_seed)
    critical = ising.sample(cfg.L, temps.critical_T, cfg.samples, seed=cfg.data_seed + 1)
    idx = np.arange(len(pool.labels))
    split = data.train_test_split(idx, test_size=temps.test_size, seed=cfg.data_seed)
    tr, te = (a.astype(np.int64) for a in split)

    def flat(spins):
        return spins.reshape(len(spins), -1).astype(float)

    return {
        "train": (flat(pool.spins[tr]), pool.labels[tr].astype(int), pool.temperatures[tr]),
        "test": (flat(pool.spins[te]), pool.labels[te].astype(int), pool.temperatures[te]),
        "near-critical": (flat(critical.spins), critical.labels.astype(int), critical.temperatures),
    }


def uniform_overlap(weights: np.ndarray) -> np.ndarray:
    r"""|cos| of the angle between each hidden unit's weight vector and the all-ones vector.

    A unit with :math:`|\cos| = 1` computes (a function of) the magnetisation
    :math:`M = \sum_i s_i`; a random direction in :math:`N` dimensions has
    :math:`|\cos|` of order :math:`1/\sqrt N`.
    """
    w = np.asarray(weights, dtype=float)
    return np.abs(w.sum(axis=0)) / (np.sqrt(w.shape[0]) * np.linalg.norm(w, axis=0))


@study("neural_networks", IsingPhaseRun)
def ising_phase_run(cfg: IsingPhaseRun) -> dict:
    """Train one raw-spin MLP per seed; compare with logistic regression on the raw spins, on
    |m| and on the energy (bond products), all fitted to the same training set (Newton, lambda 1e-3).
    Returns accuracies per seed and set, per-temperature accuracies, and each network's overlaps."""
    from threadpoolctl import threadpool_limits

    from .. import classification
    from .classification import FEATURES

    sets = _ising_sets(cfg)
    X, y, _ = sets["train"]
    side = int(round(np.sqrt(X.shape[1])))
    mlp_acc, overlaps, nets = {k: [] for k in sets}, [], []
    with threadpool_limits(limits=1, user_api="blas"):
        for seed in cfg.seeds:
            net = MLP(
                [X.shape[1], cfg.hidden, 2],
                hidden_activation="tanh",
                output_activation="softmax",
                loss="cross_entropy",
                l2=cfg.l2,
                seed=seed,
            )
            net.fit(X, y, Adam(cfg.lr), epochs=cfg.epochs, batch_size=cfg.batch_size, seed=seed)
            for name, (Xs, ys, _) in sets.items():
                mlp_acc[name].append(float(np.mean(net.predict(Xs) == ys)))
            overlaps.append(uniform_overlap(net.weights[0]))
            nets.append(net)
        baselines = {}
        for name, features in FEATURES.items():
            model = classification.fit_logistic_newton(features(X.reshape(-1, side, side)), y, 1e-3)
            baselines[name] = {
                k: classification.accuracy(ys, model.predict(features(Xs.reshape(-1, side, side))))
                for k, (Xs, ys, _) in sets.items()
            }
    by_T = {}
    Xe = np.concatenate([sets["test"][0], sets["near-critical"][0]])
    ye = np.concatenate([sets["test"][1], sets["near-critical"][1]])
    Te = np.concatenate([sets["test"][2], sets["near-critical"][2]])
    temps = np.unique(Te)
    by_T["T"] = temps
    pred = np.array([net.predict(Xe) for net in nets])
    by_T["mlp"] = np.array([[np.mean(p[Te == t] == ye[Te == t]) for t in temps] for p in pred])
    abs_m = classification.fit_logistic_newton(FEATURES["|m|"](X.reshape(-1, side, side)), y, 1e-3)
    pm = abs_m.predict(FEATURES["|m|"](Xe.reshape(-1, side, side)))
    by_T["|m|"] = np.array([np.mean(pm[Te == t] == ye[Te == t]) for t in temps])
    return {
        "mlp": {k: np.array(v) for k, v in mlp_acc.items()},
        "baselines": baselines,
        "overlaps": overlaps,
        "nets": nets,
        "by_T": by_T,
        "n_near_critical": len(sets["near-critical"][1]),
        "n_spins": X.shape[1],
    }


# --------------------------------------------------------------------------- depth against width


def tent_power(x, k: int) -> np.ndarray:
    r"""The tent map :math:`g(x) = 1 - |2x - 1|` applied ``k`` times: :math:`2^{k-1}` teeth on [0, 1].

    :math:`g^k` is piecewise linear with :math:`2^k` pieces; a ReLU network with one hidden layer
    needs at least :math:`2^k - 1` hidden units to represent it (one per kink), a network of depth
    :math:`k` and width 2 represents it exactly (:func:`tent_network`).
    """
    x = np.asarray(x, dtype=float)
    for _ in range(k):
        x = 1.0 - np.abs(2.0 * x - 1.0)
    return x


def tent_network(k: int) -> MLP:
    r"""The exact ReLU network of depth ``k`` and width 2 computing :func:`tent_power`.

    One tent is :math:`g(x) = 2\,\mathrm{relu}(x) - 4\,\mathrm{relu}(x - \tfrac12)` on [0, 1]; each hidden
    layer computes the two ReLUs of the previous layer's tent, so the weights of layer
    :math:`l > 1` fold the previous tent into the next layer's two pre-activations.
    """
    W1, b1 = np.array([[1.0, 1.0]]), np.array([0.0, -0.5])
    g = np.array([2.0, -4.0])  # g(x) = 2 relu(x) - 4 relu(x - 1/2)
    W_mid, b_mid = np.outer(g, [1.0, 1.0]), np.array([0.0, -0.5])
    weights = [W1] + [W_mid] * (k - 1) + [g[:, None]]
    biases = [b1] + [b_mid] * (k - 1) + [np.zeros(1)]
    return MLP.from_weights(weights, biases, hidden_activation="relu")


class DepthWidthRun(Settings):
    """Settings of the depth-against-width study: ReLU networks with about the same number of
    parameters fitted to the k-fold tent map by Adam, one network per seed."""

    k: int = setting(3, low=1, doc="tent-map compositions (2^k linear pieces)")
    architectures: tuple[tuple[int, ...], ...] = setting(
        ((1, 48, 1), (1, 7, 7, 7, 1)), doc="layer sizes of the networks compared (about 140 parameters each)"
    )
    n_train: int = setting(400, low=2, doc="training inputs, uniform on [0, 1]")
    epochs: int = setting(300, low=1, doc="passes over the training set")
    batch_size: int = setting(64, low=1, doc="inputs per mini-batch")
    lr: float = setting(1e-2, low=0, doc="Adam learning rate")
    seeds: tuple[int, ...] = setting((2026, 2027, 2028, 2029, 2030), low=0, doc="one network per seed")

    SHORT = {"epochs": 20, "seeds": (2026, 2027, 2028)}

    def validate(self):
        for a in self.architectures:
            if len(a) < 3 or a[0] != 1 or a[-1] != 1:
                raise ValueError("DepthWidthRun.architectures must start with 1 input and end with 1 output")


@study("neural_networks", DepthWidthRun)
def depth_width_run(cfg: DepthWidthRun) -> dict:
    """Relative test error (MSE / variance of the target on a fine grid) of every architecture and seed.

    The first layer's kinks -b/w are spread uniformly over [0, 1] at the start (biases set from the
    He-initialised weights), the same for every architecture; with zero biases all kinks of the first
    layer would start at x = 0 and the one-hidden-layer network could hardly move them apart."""
    rng = np.random.default_rng(cfg.seeds[0])
    x = rng.random((cfg.n_train, 1))
    y = tent_power(x, cfg.k)
    x_test = np.linspace(0.0, 1.0, 2001)[:, None]
    y_test = tent_power(x_test, cfg.k).ravel()
    errors = np.zeros((len(cfg.architectures), len(cfg.seeds)))
    best = {}
    for a, sizes in enumerate(cfg.architectures):
        for s, seed in enumerate(cfg.seeds):
            net = MLP(list(sizes), hidden_activation="relu", init="he", seed=seed)
            kinks = np.random.default_rng(seed + 1).random(sizes[1])
            net.biases[0][:] = -net.weights[0][0] * kinks
            net.fit(x, y, Adam(cfg.lr), epochs=cfg.epochs, batch_size=cfg.batch_size, seed=seed)
            pred = np.ravel(net.predict(x_test))
            errors[a, s] = np.mean((pred - y_test) ** 2) / np.var(y_test)
            if s == int(np.argmin(errors[a, : s + 1])):
                best[a] = pred
    exact = np.ravel(tent_network(cfg.k).predict(x_test))
    return {
        "errors": errors,
        "n_parameters": [MLP(list(sz)).n_parameters for sz in cfg.architectures],
        "x_test": x_test.ravel(),
        "y_test": y_test,
        "best_predictions": best,
        "exact_network_error": float(np.max(np.abs(exact - y_test))),
        "exact_network_parameters": tent_network(cfg.k).n_parameters,
        "x_train": x.ravel(),
        "y_train": y.ravel(),
    }
