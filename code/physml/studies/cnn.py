"""The runs of "Convolutional neural networks": what the page trains, with its settings in view.

* :func:`digits_run`: the CNN of :func:`physml.conv.digits_cnn` trained with Adam on the
  8x8 digits (grey levels scaled to [0, 1], the split of the neural-networks chapter);
* :func:`digits_seeds_run`: the same CNN and the fully connected network of the
  neural-networks chapter over several seeds (errors with a seed spread);
* :func:`ising_run`: the CNN of :func:`physml.conv.ising_cnn` trained on Ising
  configurations far from T_c (labelled by phase, asymmetric windows) for several lattice
  sizes and seeds, and asked about unseen temperatures; where its probability of the
  ordered phase crosses 1/2 estimates T_c(L), extrapolated to L -> infinity. The same for
  logistic regression on the energy per spin and on |m| (the baselines);
* :func:`symmetry_run`: the spin-flip experiment: trained on one magnetisation sector, a
  plain CNN, one with augmentation and a symmetrised one, asked about the other sector.

All Ising runs draw their configurations from :func:`ising_samples` (cached): one set of
samples per lattice size serves every model, seed and baseline.
"""

from __future__ import annotations

import functools

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from torch import nn

from .. import conv, ising, torchtools
from ..experiment import Settings, setting, study
from ..nn import examples
from . import neural_networks as nn_study


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


# --------------------------------------------------------------------------- CNN vs MLP, seeds


class DigitsSeeds(Settings):
    """Seeds of the CNN-versus-fully-connected comparison on the digits (each network as the book
    trains it)."""

    cnn_seeds: tuple[int, ...] = setting((0, 1, 2), low=0, doc="seeds of the CNN (DigitsRun.seed)")
    mlp_seeds: tuple[int, ...] = setting(
        (2026, 2027, 2028),
        low=0,
        doc="seeds of the 64-100-100-10 network (initial weights; batches: seed - 2019)",
    )
    quick: bool = setting(False, doc="train each network with its SHORT settings (the unit tests)")

    SHORT = {"quick": True}
    VARIANT = {"cnn_seeds": (1, 2, 3)}

    def validate(self):
        if len(self.cnn_seeds) < 3 or len(self.mlp_seeds) < 3:
            raise ValueError("DigitsSeeds needs at least 3 seeds of each network")


@study("cnn", DigitsSeeds)
def digits_seeds_run(cfg: DigitsSeeds) -> dict:
    """Test errors (of 360) of the CNN and of the fully connected network over several seeds."""
    cnn_cfg = DigitsRun().short() if cfg.quick else DigitsRun()
    mlp_cfg = nn_study.DigitsRun().short() if cfg.quick else nn_study.DigitsRun()
    n_test = len(digits_images()[3])
    cnn_acc = np.array([digits_run(cnn_cfg.replace(seed=s))["accuracy"] for s in cfg.cnn_seeds])
    mlp_acc = np.array(
        [nn_study.digits_run(mlp_cfg.replace(seed=s, batch_seed=s - 2019))["accuracy"] for s in cfg.mlp_seeds]
    )
    # the last run of a study is what its checks read (experiment.current): end with the page's own
    # configurations again (cached, no training), so that the other seeds are not taken for a reader's variant
    digits_run(cnn_cfg)
    nn_study.digits_run(mlp_cfg)
    return {
        "n_test": n_test,
        "cnn_errors": np.rint((1 - cnn_acc) * n_test).astype(int),
        "mlp_errors": np.rint((1 - mlp_acc) * n_test).astype(int),
    }


# --------------------------------------------------------------------------- the Ising CNN


class IsingData(Settings):
    """The Monte Carlo data of the Ising runs (one set per lattice size, shared by all models)."""

    ordered_temperatures: tuple[float, ...] = setting(
        (1.0, 1.6), low=0.01, doc="training range labelled ordered (T_min, T_max)"
    )
    disordered_temperatures: tuple[float, ...] = setting(
        (4.0, 4.6), low=0.01, doc="training range labelled disordered (T_min, T_max)"
    )
    n_train_temperatures: int = setting(4, low=1, doc="training temperatures per range")
    n_train: int = setting(100, low=1, doc="configurations per training temperature")
    test_temperatures: tuple[float, ...] = setting(
        (1.8, 3.0), low=0.01, doc="range of the unseen test temperatures (T_min, T_max)"
    )
    n_test_temperatures: int = setting(13, low=2, doc="test temperatures in that range")
    n_test: int = setting(100, low=2, doc="configurations per test temperature")
    n_chains: int = setting(25, low=1, doc="Metropolis chains run side by side (ising.sample)")
    sample_seed: int = setting(5, low=0, doc="seed of the Monte Carlo samples")

    def validate(self):
        for name in ("ordered_temperatures", "disordered_temperatures", "test_temperatures"):
            if len(getattr(self, name)) != 2:
                raise ValueError(f"{type(self).__name__}.{name} must be a range (T_min, T_max)")
        if max(self.ordered_temperatures) >= min(self.disordered_temperatures):
            raise ValueError(f"{type(self).__name__}: the ordered range must lie below the disordered one")


class IsingRun(IsingData):
    """Settings of the Ising phase classifier: data, network, training, seeds and sizes."""

    sizes: tuple[int, ...] = setting((8, 12, 16, 24), low=2, doc="linear sizes L of the periodic lattices")
    headline_L: int = setting(16, low=2, doc="the size whose curve the page plots")
    architecture: str = setting("cnn", doc='"cnn" (conv.ising_cnn) or "resnet" (conv.ising_resnet)')
    channels: int = setting(8, low=1, doc="channels of the convolutions")
    lr: float = setting(1e-2, low=0, doc="Adam learning rate")
    batch_size: int = setting(64, low=1, doc="mini-batch size")
    epochs: int = setting(4, low=1, doc="passes over the training configurations")
    seeds: tuple[int, ...] = setting((0, 1, 2), low=0, doc="seeds of initialisation and batches")
    n_boot: int = setting(200, low=10, doc="bootstrap resamples of the test configurations")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"sizes": (8, 12), "headline_L": 12, "n_train": 50, "n_test": 40, "n_boot": 50}
    VARIANT = {"seeds": (1, 2, 3)}

    def validate(self):
        super().validate()
        if self.headline_L not in self.sizes:
            raise ValueError("IsingRun.headline_L must be one of IsingRun.sizes")
        if len(set(self.sizes)) < 2:
            raise ValueError("IsingRun.sizes needs at least two different sizes for the extrapolation")
        if self.architecture not in ("cnn", "resnet"):
            raise ValueError(f'IsingRun.architecture must be "cnn" or "resnet", got {self.architecture!r}')


@functools.cache
def ising_samples(
    L: int, temperatures: tuple[float, ...], n: int, seed: int, n_chains: int = 50
) -> ising.IsingSamples:
    """``n`` Monte Carlo configurations at each temperature from :func:`physml.ising.sample`
    (cached: one set of samples serves every model, seed and baseline, and a change of the
    training settings alone does not sample again)."""
    return ising.sample(L, np.array(temperatures), n, seed=seed, n_chains=n_chains)


def ising_data(cfg: IsingData, L: int) -> tuple[ising.IsingSamples, ising.IsingSamples, np.ndarray]:
    """Training and test samples of size ``L`` for the settings ``cfg``, and the test temperatures."""
    n_t = cfg.n_train_temperatures
    train_T = np.concatenate(
        [np.linspace(*cfg.ordered_temperatures, n_t), np.linspace(*cfg.disordered_temperatures, n_t)]
    )
    test_T = np.round(np.linspace(*cfg.test_temperatures, cfg.n_test_temperatures), 10)
    train = ising_samples(L, tuple(train_T), cfg.n_train, cfg.sample_seed + 1000 * L, cfg.n_chains)
    test = ising_samples(L, tuple(test_T), cfg.n_test, cfg.sample_seed + 1000 * L + 1, cfg.n_chains)
    return train, test, test_T


def _as_images(spins: np.ndarray) -> np.ndarray:
    return spins.astype(np.float32)[:, None, :, :]


def _train_labels(train: ising.IsingSamples, cfg: IsingData) -> np.ndarray:
    """1 for the ordered training window, 0 for the disordered one (the windows, not T_c, decide)."""
    return (train.temperatures <= max(cfg.ordered_temperatures)).astype(np.int64)


def _train(model, X, y, lr, batch_size, epochs, seed, device):
    torch.manual_seed(seed)
    torchtools.fit(
        model,
        torchtools.make_loader(X, y, batch_size, seed=seed),
        None,
        torch.optim.Adam(model.parameters(), lr=lr),
        nn.functional.cross_entropy,
        epochs=epochs,
        device=device,
        seed=seed,
    )
    return model


def _p_ordered(model, spins, device) -> np.ndarray:
    model.eval()
    with torch.no_grad():
        x = torch.from_numpy(_as_images(spins)).to(torchtools.as_device(device))
        return torch.softmax(model(x), dim=1)[:, 1].cpu().numpy()


def _crossings(T: np.ndarray, curves: np.ndarray) -> np.ndarray:
    """Crossing of 1/2 of every row of ``curves`` (n, n_T), as :func:`physml.conv.half_crossing`
    (after the last point >= 1/2, linear interpolation), vectorised; NaN where a row has none."""
    above = curves >= 0.5
    last = T.size - 1 - np.argmax(above[:, ::-1], axis=1)
    ok = above.any(axis=1) & (last < T.size - 1)
    i = np.where(ok, last, 0)
    rows = np.arange(curves.shape[0])
    p0, p1 = curves[rows, i], curves[rows, i + 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = T[i] + (p0 - 0.5) * (T[i + 1] - T[i]) / (p0 - p1)
    return np.where(ok, out, np.nan)


def _chain_blocks(p: np.ndarray, methods: dict, temperatures, n_chains: int) -> np.ndarray:
    """Probabilities per temperature (n_T, n) regrouped as (n_T, n_blocks, block): the samples of
    one Metropolis chain (``ising.sample`` stores them chain-interleaved), or consecutive runs of
    the one Wolff chain, form a block, since they are correlated."""
    n = p.shape[1]
    n_chains = min(n_chains, n)
    if n % n_chains:
        return p[:, :, None]  # no clean chain structure: every sample its own block
    per_chain = n // n_chains
    out = np.empty((p.shape[0], n_chains, per_chain))
    for i, T in enumerate(temperatures):
        if methods.get(float(T)) == "wolff":
            out[i] = p[i].reshape(n_chains, per_chain)  # consecutive samples of one chain
        else:
            out[i] = p[i].reshape(per_chain, n_chains).T  # sample k of chain c sits at k * n_chains + c
    return out


def _crossing(test_T, p_all, n_boot, seed, methods=None, n_chains=None):
    """Crossing of 1/2 of the mean probability per temperature, and its bootstrap standard
    error over the test configurations, resampled within each temperature by whole chains
    (block bootstrap: samples of one chain are correlated) when ``methods`` is given."""
    p = p_all.reshape(len(test_T), -1)
    tc = conv.half_crossing(test_T, p.mean(axis=1))
    blocks = _chain_blocks(p, methods, test_T, n_chains) if methods is not None else p[:, :, None]
    rng = np.random.default_rng(seed)
    idx = rng.integers(blocks.shape[1], size=(n_boot, *blocks.shape[:2]))
    means = np.take_along_axis(blocks.mean(axis=2)[None], idx, axis=2).mean(axis=2)
    boot = _crossings(np.asarray(test_T, dtype=float), means)  # NaN: a resample without a crossing
    return tc, float(np.nanstd(boot, ddof=1)), p.mean(axis=1)


def _features(spins: np.ndarray) -> dict:
    return {
        "energy": ising.energy(spins, per_spin=True),
        "|m|": np.abs(ising.magnetization(spins, per_spin=True)),
    }


@study("cnn", IsingRun)
def ising_run(cfg: IsingRun) -> dict:
    """Train the CNN on ordered vs disordered configurations for every size and seed, estimate
    T_c(L) from the crossing of 1/2, do the same with logistic regression on E/N and on |m|,
    and extrapolate each to L -> infinity with :func:`physml.conv.finite_size_fit` (nu = 1).

    Returns per size: the crossings of every seed with bootstrap errors, their mean and
    error, the baselines' crossings and errors, the mean probability curves; the fits
    (the CNN's over the seed means and per seed; each baseline's); the headline size's
    samples and model (first seed).
    """
    per_L, curves = {}, {}
    headline = {}
    for L in cfg.sizes:
        train, test, test_T = ising_data(cfg, L)
        y = _train_labels(train, cfg)
        X = _as_images(train.spins)
        tcs, errs, mean_curves = [], [], []
        for k, seed in enumerate(cfg.seeds):
            torch.manual_seed(seed)
            model = (
                conv.ising_cnn(cfg.channels) if cfg.architecture == "cnn" else conv.ising_resnet(cfg.channels)
            )
            _train(model, X, y, cfg.lr, cfg.batch_size, cfg.epochs, seed, cfg.device)
            p_all = _p_ordered(model, test.spins, cfg.device)
            try:
                tc, err, curve = _crossing(test_T, p_all, cfg.n_boot, seed, test.methods, cfg.n_chains)
            except ValueError as exc:
                raise ValueError(
                    f"the CNN of seed {seed} at L = {L} does not cross 1/2 inside test_temperatures "
                    f"{cfg.test_temperatures}: train longer (epochs, n_train) or widen the range"
                ) from exc
            tcs.append(tc), errs.append(err), mean_curves.append(curve)
            if L == cfg.headline_L and k == 0:
                headline = {"model": model.cpu(), "p_ordered_all": p_all, "train": train, "test": test}
        tcs, errs = np.array(tcs), np.array(errs)
        row = {
            "cnn": tcs,
            "cnn_boot_err": errs,
            "cnn_mean": float(tcs.mean()),
            # seed scatter of the mean, plus the test-set noise common to all seeds
            "cnn_err": float(np.sqrt(tcs.var(ddof=1) / tcs.size + np.mean(errs**2))),
        }
        curves[L] = {"cnn": np.mean(mean_curves, axis=0)}
        feats_train, feats_test = _features(train.spins), _features(test.spins)
        for name in feats_train:
            p_all = (
                LogisticRegression()
                .fit(feats_train[name][:, None], y)
                .predict_proba(feats_test[name][:, None])[:, 1]
            )
            tc, err, curve = _crossing(test_T, p_all, cfg.n_boot, cfg.sample_seed, test.methods, cfg.n_chains)
            row[name], row[name + "_err"] = tc, max(err, 1e-6)
            curves[L][name] = curve
        per_L[L] = row
    sizes = np.array(cfg.sizes, dtype=float)
    fits = {
        "cnn": conv.finite_size_fit(
            sizes, [per_L[L]["cnn_mean"] for L in cfg.sizes], [per_L[L]["cnn_err"] for L in cfg.sizes]
        ),
        "cnn_per_seed": [
            conv.finite_size_fit(
                sizes,
                [per_L[L]["cnn"][k] for L in cfg.sizes],
                [max(per_L[L]["cnn_boot_err"][k], 1e-6) for L in cfg.sizes],
            )
            for k in range(len(cfg.seeds))
        ],
    }
    for name in ("energy", "|m|"):
        fits[name] = conv.finite_size_fit(
            sizes, [per_L[L][name] for L in cfg.sizes], [per_L[L][name + "_err"] for L in cfg.sizes]
        )
    test_T = ising_data(cfg, cfg.headline_L)[2]
    return {
        "sizes": cfg.sizes,
        "per_L": per_L,
        "curves": curves,
        "fits": fits,
        "temperatures": test_T,
        "window_midpoint": 0.5 * (max(cfg.ordered_temperatures) + min(cfg.disordered_temperatures)),
        "tc": per_L[cfg.headline_L]["cnn_mean"],
        "tc_err": per_L[cfg.headline_L]["cnn_err"],
        **headline,
    }


# --------------------------------------------------------------------------- symmetries


class SymmetryRun(IsingData):
    """Settings of the symmetry experiment: training data from one magnetisation sector only."""

    L: int = setting(12, low=2, doc="linear size of the lattice (one of the Ising run's, to share samples)")
    augment_elements: int = setting(16, doc="group elements of the augmentation (2, 8 or 16)")
    symmetrize_elements: int = setting(
        2, doc="group elements averaged by the symmetrised network (2, 8 or 16)"
    )
    sector_T_max: float = setting(2.0, low=0.01, doc="test configurations at T <= this count as ordered")
    channels: int = setting(8, low=1, doc="channels of the convolutions")
    lr: float = setting(1e-2, low=0, doc="Adam learning rate")
    batch_size: int = setting(64, low=1, doc="mini-batch size")
    epochs: int = setting(4, low=1, doc="passes over the training configurations")
    seeds: tuple[int, ...] = setting(
        (0, 1, 2), low=0, doc="seeds of initialisation, batches and augmentation"
    )
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"L": 8, "n_train": 50, "n_test": 40, "epochs": 3}
    VARIANT = {"seeds": (1, 2, 3)}

    def validate(self):
        super().validate()
        for name in ("augment_elements", "symmetrize_elements"):
            if getattr(self, name) not in (2, 8, 16):
                raise ValueError(f"SymmetryRun.{name} must be 2, 8 or 16")
        if len(self.seeds) < 3:
            raise ValueError("SymmetryRun needs at least 3 seeds")


@study("cnn", SymmetryRun)
def symmetry_run(cfg: SymmetryRun) -> dict:
    """Train on ordered configurations of positive magnetisation only (every ordered training
    configuration with m < 0 flipped, as one long Monte Carlo chain below T_c would give)
    a plain CNN, the CNN behind :class:`physml.conv.RandomLatticeSymmetry` (augmentation)
    and :class:`physml.conv.SymmetrizedNet` (group average); for each seed return the
    accuracy on the unseen test configurations at T <= ``sector_T_max`` with m < 0 and m > 0.
    """
    train, test, _ = ising_data(cfg, cfg.L)
    spins = train.spins.copy()
    spins[ising.magnetization(spins) < 0] *= -1
    y = _train_labels(train, cfg)
    X = _as_images(spins)
    m_test = ising.magnetization(test.spins)
    low = test.temperatures <= cfg.sector_T_max
    sectors = {"m < 0": low & (m_test < 0), "m > 0": low & (m_test > 0)}
    makers = {
        "plain": lambda: conv.ising_cnn(cfg.channels),
        "augmented": lambda: nn.Sequential(
            conv.RandomLatticeSymmetry(cfg.augment_elements), conv.ising_cnn(cfg.channels)
        ),
        "symmetrised": lambda: conv.SymmetrizedNet(conv.ising_cnn(cfg.channels), cfg.symmetrize_elements),
    }
    acc = {name: {s: [] for s in sectors} for name in makers}
    for seed in cfg.seeds:
        for name, make in makers.items():
            torch.manual_seed(seed)
            model = _train(make(), X, y, cfg.lr, cfg.batch_size, cfg.epochs, seed, cfg.device)
            p = _p_ordered(model, test.spins, cfg.device)
            for s, sel in sectors.items():
                acc[name][s].append(float(np.mean(p[sel] > 0.5)))
    return {
        "accuracy": {n: {s: np.array(v) for s, v in d.items()} for n, d in acc.items()},
        "n_sector": {s: int(sel.sum()) for s, sel in sectors.items()},
    }
