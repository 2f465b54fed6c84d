"""The runs of "Boltzmann machines and energy-based models": what the page trains, with its settings in view.

* :func:`tiny_run`: *tiny* RBMs (9 visible units, the 3x3 Ising lattice; 4 hidden units)
  whose partition function, log-likelihood and gradient are computed exactly by
  enumeration: training curves of the exact log-likelihood, and the bias of CD-k against
  the exact gradient;
* :func:`ising_run`: *Ising* configurations of ``physml.ising.sample`` on a 6x6 lattice at
  five temperatures, one RBM per temperature trained with persistent CD; energy and |M| per
  spin of long Gibbs chains against the Monte Carlo data, with further training seeds at the
  lowest and highest temperature;
* :func:`digit_run`: the binary 8x8 *digits* of ``physml.digit_benchmark``, RBMs trained like
  scikit-learn's ``BernoulliRBM`` with the same settings (three seeds), both judged by the
  pseudo-log-likelihood of held-out digits; the benchmark MMD² of our RBMs' samples against
  the Gaussian baselines.
"""

from __future__ import annotations

import numpy as np
from sklearn.neural_network import BernoulliRBM
from threadpoolctl import threadpool_limits

from .. import digit_benchmark as db
from .. import ising, optim, stats
from ..experiment import Settings, setting, study
from ..rbm import BinaryRBM, binary_states, fit, spins_to_binary

# --------------------------------------------------------------------------- tiny models


def tiny_distribution(L: int = 3, T: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """All 2^(L*L) binary configurations of the L x L Ising lattice and their Boltzmann probabilities."""
    spins = ising.all_states(L)
    e = ising.energy(spins)
    w = np.exp(-(e - e.min()) / T)
    return spins_to_binary(spins), w / w.sum()


def brute_force_log_partition(rbm: BinaryRBM) -> float:
    r""":math:`\log Z = \log\sum_{\boldsymbol x,\boldsymbol h} e^{-E(\boldsymbol x,\boldsymbol h)}` over all
    joint states (tiny models only)."""
    xs, hs = binary_states(rbm.n_visible), binary_states(rbm.n_hidden)
    x = np.repeat(xs, len(hs), axis=0)
    h = np.tile(hs, (len(xs), 1))
    e = -rbm.energy(x, h)
    return float(e.max() + np.log(np.exp(e - e.max()).sum()))


class TinyRun(Settings):
    """Settings of the tiny RBMs on exact samples of the 3x3 Ising lattice, and of the CD-k bias."""

    L: int = setting(3, low=2, high=4, doc="side of the Ising lattice (L*L visible units, enumerated)")
    T: float = setting(2.0, low=0, doc="temperature of the exact Boltzmann samples")
    n: int = setting(500, low=2, doc="exact samples (the training data)")
    hidden: int = setting(4, low=1, high=12, doc="hidden units")
    epochs: int = setting(60, low=1, doc="passes over the data")
    batch_size: int = setting(50, low=1, doc="mini-batch size (and persistent chains)")
    lr: float = setting(0.05, low=0, doc="Adam learning rate of CD-1, CD-10, PCD-1 and the exact gradient")
    pcd_lr: float = setting(
        0.3, low=0, doc="plain gradient ascent of the decaying-rate PCD-1 (cosine to 1/20)"
    )
    cd_steps: tuple[int, ...] = setting(
        (1, 3, 10, 30, 100, 300, 1000), low=1, doc="Gibbs steps k at which the CD-k gradient is read off"
    )
    cd_repeats: int = setting(12, low=2, doc="independent CD-k gradients averaged for the bias")
    seed: int = setting(2026, low=0, doc="seed of the data, initial weights, batches and chains")

    SHORT = {"n": 200, "epochs": 20, "cd_repeats": 4}

    def validate(self):
        if self.T <= 0:
            raise ValueError(f"TinyRun.T must be > 0, got {self.T!r}")
        if self.batch_size > self.n:
            raise ValueError(f"TinyRun.batch_size must be <= n = {self.n}, got {self.batch_size}")
        if list(self.cd_steps) != sorted(set(self.cd_steps)):
            raise ValueError("TinyRun.cd_steps must be increasing")


def _tiny_training(cfg: TinyRun, x: np.ndarray) -> dict:
    """Train the tiny RBM by CD-1, CD-10, PCD-1 (Adam; and plain gradient ascent with a decaying
    rate) and the exact gradient, from the same start; the exact log-likelihood per epoch."""
    runs = {}
    settings = (
        ("CD-1", 1, False, False),
        ("CD-10", 10, False, False),
        ("PCD-1", 1, True, False),
        ("PCD-1, gradient ascent, decaying rate", 1, True, True),
    )
    for name, k, persistent, decay in settings:
        rbm = BinaryRBM.random(x.shape[1], cfg.hidden, seed=cfg.seed, scale=0.1)
        if decay:
            opt = optim.GradientDescent(cfg.pcd_lr)
            schedule = optim.CosineDecay(cfg.pcd_lr, cfg.epochs, minimum=cfg.pcd_lr / 20)
        else:
            opt, schedule = optim.Adam(cfg.lr), None
        hist = fit(
            rbm,
            x,
            epochs=cfg.epochs,
            batch_size=cfg.batch_size,
            optimizer=opt,
            k=k,
            persistent=persistent,
            seed=cfg.seed,
            exact=True,
            schedule=schedule,
        )
        runs[name] = {"rbm": rbm, "ll": np.array(hist.monitor)}
    rbm = BinaryRBM.random(x.shape[1], cfg.hidden, seed=cfg.seed, scale=0.1)
    opt = optim.Adam(cfg.lr)
    ll = []
    per_epoch = len(x) // cfg.batch_size
    for step in range(cfg.epochs * per_epoch):
        g = rbm.exact_gradient(x)
        opt.step(rbm.params, [-g.a, -g.b, -g.W])
        if (step + 1) % per_epoch == 0:
            ll.append(rbm.log_likelihood(x))
    runs["exact gradient"] = {"rbm": rbm, "ll": np.array(ll)}
    return runs


def _cd_bias(cfg: TinyRun, rbm: BinaryRBM, x: np.ndarray) -> dict:
    """Bias of the CD-k gradient against the exact gradient, for ``rbm``.

    For each k, ``cfg.cd_repeats`` independent CD-k gradients on all the data are averaged (the
    chains of one repeat are read off after k = 1, 3, 10, ... steps); the bias is the norm of
    (mean CD-k gradient - exact gradient), and ``noise`` the norm of the standard errors of
    that mean (the floor below which a bias cannot be seen)."""
    exact = rbm.exact_gradient(x).as_vector()
    rng = np.random.default_rng(cfg.seed + 1)
    positive = rbm.positive_phase(x).as_vector()
    grads = np.empty((cfg.cd_repeats, len(cfg.cd_steps), exact.size))
    for r in range(cfg.cd_repeats):
        chains, done = x, 0
        for j, k in enumerate(cfg.cd_steps):  # one set of chains, read off after k = 1, 3, 10, ... steps
            chains, done = rbm.gibbs(chains, k - done, rng), k
            grads[r, j] = positive - rbm.positive_phase(chains).as_vector()
    rows = []
    for j, k in enumerate(cfg.cd_steps):
        g = grads[:, j]
        mean = g.mean(axis=0)
        sem = g.std(axis=0, ddof=1) / np.sqrt(len(g))
        rows.append(
            {
                "k": k,
                "bias": float(np.linalg.norm(mean - exact)),
                "noise": float(np.linalg.norm(sem)),
                # one scalar with an error bar: the gradient of the visible biases, summed
                "sum_a": float(mean[: rbm.n_visible].sum()),
                "sum_a_error": float(g[:, : rbm.n_visible].sum(axis=1).std(ddof=1) / np.sqrt(len(g))),
            }
        )
    return {
        "rows": rows,
        "exact_norm": float(np.linalg.norm(exact)),
        "exact_sum_a": float(exact[: rbm.n_visible].sum()),
    }


@study("boltzmann", TinyRun)
def tiny_run(cfg: TinyRun) -> dict:
    """Exact samples of the tiny Ising lattice, the tiny RBMs trained on them and the CD-k bias.

    Returns the data, the trained models with the exact mean log-likelihood of the training
    data per epoch, the best value any model can reach on these data (minus their empirical
    entropy), and the bias of CD-k for the CD-1-trained model (``"bias"``)."""
    with threadpool_limits(limits=1):
        states, p = tiny_distribution(cfg.L, cfg.T)
        x = states[np.random.default_rng(cfg.seed).choice(len(p), size=cfg.n, p=p)]
        runs = _tiny_training(cfg, x)
        _, counts = np.unique(x, axis=0, return_counts=True)
        q = counts / counts.sum()
        return {
            "data": x,
            "runs": runs,
            "max_ll": float((q * np.log(q)).sum()),
            "epochs": cfg.epochs,
            "bias": _cd_bias(cfg, runs["CD-1"]["rbm"], x),
        }


# --------------------------------------------------------------------------- Ising


def symmetry_copies(spins: np.ndarray, seed) -> np.ndarray:
    """Each configuration shifted by a random lattice translation and, with probability 1/2, flipped.

    Both are symmetries of the Ising Hamiltonian with periodic boundaries, so the copies
    are configurations of the same Boltzmann distribution; training on them teaches the
    RBM the symmetries the data only show on average."""
    rng = np.random.default_rng(seed)
    n, L, _ = spins.shape
    dx, dy = rng.integers(0, L, size=(2, n))
    rows = (np.arange(L)[None, :] + dx[:, None]) % L
    cols = (np.arange(L)[None, :] + dy[:, None]) % L
    shifted = spins[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]
    return shifted * rng.choice(np.array([-1, 1], dtype=spins.dtype), size=n)[:, None, None]


def observables(x: np.ndarray, L: int) -> tuple[np.ndarray, np.ndarray]:
    """Energy and |M| per spin of binary configurations (n, L*L) of the L x L lattice."""
    spins = (2 * x - 1).reshape(-1, L, L)
    return ising.energy(spins, per_spin=True), np.abs(ising.magnetization(spins, per_spin=True))


def gibbs_observables(
    rbm: BinaryRBM, start: np.ndarray, seed, records: int, burn_in: int, spacing: int, L: int
):
    """Run one Gibbs chain per row of ``start``; after ``burn_in`` steps record energy and |M|
    per spin every ``spacing`` steps. Returns per-chain time averages (chains, 2) and the last state."""
    rng = np.random.default_rng(seed)
    x = rbm.gibbs(start, burn_in, rng)
    sums = np.zeros((len(start), 2))
    for _ in range(records):
        x = rbm.gibbs(x, spacing, rng)
        e, m = observables(x, L)
        sums += np.column_stack([e, m])
    return sums / records, x


class IsingRun(Settings):
    """Settings of the Ising RBMs: data, training by PCD-1, Gibbs chains and the training seeds."""

    L: int = setting(6, low=2, doc="side of the periodic L x L lattice")
    temperatures: tuple[float, ...] = setting(
        (1.5, 2.0, round(ising.ONSAGER_TC, 2), 2.6, 3.5), low=0, doc="temperatures, one RBM each"
    )
    n: int = setting(2000, low=2, doc="Monte Carlo configurations per temperature")
    hidden: int = setting(72, low=1, doc="hidden units (72 = one per bond of the 6x6 lattice)")
    epochs: int = setting(150, low=1, doc="passes over the data")
    batch_size: int = setting(50, low=1, doc="mini-batch size (and persistent chains)")
    lr: float = setting(0.5, low=0, doc="plain gradient ascent, cosine decay to lr * lr_floor")
    lr_floor: float = setting(
        0.01,
        low=0,
        high=1,
        doc="final learning rate as a fraction of lr (a long, slow tail lets the chains catch up)",
    )
    init_scale: float = setting(0.1, low=0, doc="standard deviation of the initial weights")
    chains: int = setting(300, low=2, doc="Gibbs chains of each trained RBM (started at training data)")
    burn_in: int = setting(200, low=0, doc="Gibbs steps before recording")
    records: int = setting(40, low=1, doc="records per chain")
    spacing: int = setting(5, low=1, doc="Gibbs steps between records")
    monitor: int = setting(200, low=1, doc="training configurations whose pseudo-log-likelihood is recorded")
    extra_seeds: int = setting(
        3,
        low=0,
        doc="further training seeds at the lowest and the highest temperature (the checks average them)",
    )
    seed: int = setting(2026, low=0, doc="seed of the data, initial weights, batches and chains")

    SHORT = {
        "temperatures": (1.5, 3.5),
        "n": 1000,
        "chains": 100,
        "records": 20,
        "epochs": 40,
        "extra_seeds": 2,
    }

    def validate(self):
        if not self.temperatures or min(self.temperatures) <= 0:
            raise ValueError("IsingRun.temperatures must be positive, and at least one")
        if list(self.temperatures) != sorted(set(self.temperatures)):
            raise ValueError("IsingRun.temperatures must be increasing")
        if self.chains > self.n or self.batch_size > self.n:
            raise ValueError(f"IsingRun.chains and batch_size must be <= n = {self.n}")


def train_ising_rbm(cfg: IsingRun, x: np.ndarray, seed: int):
    """Train one Ising RBM by PCD-1 (plain gradient ascent, rate decayed by a cosine from ``cfg.lr`` to
    ``cfg.lr * cfg.lr_floor``) and run its Gibbs chains.

    Returns the model, its training history, the per-chain averages of energy and |M| per
    spin (chains, 2) and the chains' last state. The chains start at training configurations
    (so that both ordered states are represented below T_c)."""
    rbm = BinaryRBM.random(x.shape[1], cfg.hidden, seed=seed, scale=cfg.init_scale)
    hist = fit(
        rbm,
        x,
        epochs=cfg.epochs,
        batch_size=cfg.batch_size,
        optimizer=optim.GradientDescent(cfg.lr),
        schedule=optim.CosineDecay(cfg.lr, cfg.epochs, minimum=cfg.lr * cfg.lr_floor),
        k=1,
        persistent=True,
        seed=seed,
        monitor=x[: cfg.monitor],
    )
    start = x[np.random.default_rng(seed).choice(len(x), size=cfg.chains, replace=False)]
    per_chain, last = gibbs_observables(rbm, start, seed + 100, cfg.records, cfg.burn_in, cfg.spacing, cfg.L)
    return rbm, hist, per_chain, last


@study("boltzmann", IsingRun)
def ising_run(cfg: IsingRun) -> dict:
    """One RBM per temperature (:func:`train_ising_rbm`); observables of its Gibbs chains and of the data.

    The Monte Carlo means carry blocking errors. The RBM's chains run ``cfg.burn_in`` steps
    and are then recorded ``cfg.records`` times; chains are independent, so the error is the
    spread of the per-chain averages over sqrt(chains). At the lowest and the highest
    temperature ``cfg.extra_seeds`` further RBMs are trained on the same data with other seeds
    (other initial weights, batches and chains): ``row["seed_energy"]`` and ``row["seed_absm"]``
    hold the energy and |M| per spin of all of them (the book's seed first), so that a check can
    compare their mean with the data, with the spread over training seeds as its error."""
    with threadpool_limits(limits=1):
        data = ising.sample(cfg.L, cfg.temperatures, cfg.n, seed=cfg.seed)
        temps = np.unique(data.temperatures)
        rows = []
        for t, T in enumerate(temps):
            x = spins_to_binary(symmetry_copies(data.spins[data.temperatures == T], cfg.seed + t))
            rbm, hist, per_chain, last = train_ising_rbm(cfg, x, cfg.seed + t)
            row = {
                "T": float(T),
                "method": data.methods[T],
                "rbm": rbm,
                "pll": np.array(hist.monitor),
                "samples": last,
                "data": x,
            }
            for j, (name, mc) in enumerate(zip(("energy", "absm"), observables(x, cfg.L), strict=True)):
                b = stats.blocking(mc)
                row[f"mc_{name}"], row[f"mc_{name}_error"] = b.mean, b.error
                row[f"rbm_{name}"] = float(per_chain[:, j].mean())
                row[f"rbm_{name}_error"] = float(per_chain[:, j].std(ddof=1) / np.sqrt(len(per_chain)))
            if t in (0, len(temps) - 1):
                seeds = [per_chain.mean(axis=0)]
                for s in range(1, cfg.extra_seeds + 1):
                    seeds.append(train_ising_rbm(cfg, x, cfg.seed + t + 1000 * s)[2].mean(axis=0))
                row["seed_energy"] = np.array([v[0] for v in seeds])
                row["seed_absm"] = np.array([v[1] for v in seeds])
            rows.append(row)
        return {"L": cfg.L, "rows": rows}


# --------------------------------------------------------------------------- digits


class DigitRun(Settings):
    """Settings of our PCD-1 RBM and scikit-learn's BernoulliRBM on the binarised digits."""

    hidden: int = setting(64, low=1, doc="hidden units (both models)")
    lr: float = setting(0.05, low=0, doc="learning rate of plain gradient ascent (both models)")
    batch_size: int = setting(20, low=1, doc="mini-batch size and persistent chains (both models)")
    epochs: int = setting(20, low=1, doc="passes over the training digits (both models)")
    seeds: int = setting(3, low=1, doc="training seeds seed, seed + 1, ... (one pair of models each)")
    n_samples: int = setting(
        540, low=3, doc="Gibbs chains sampled from each of our RBMs (the benchmark's 540)"
    )
    gibbs_steps: int = setting(1000, low=1, doc="Gibbs steps of the samples, from random pixels")
    seed: int = setting(2026, low=0, doc="first seed of initial weights, batches, chains and samples")

    SHORT = {"epochs": 4, "gibbs_steps": 100}


def digit_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The binary digits of the part's benchmark (``physml.digit_benchmark``, pixels above half the maximum
    grey level): 1257 training and 540 held-out images, the same split for every seed."""
    train, test = db.split("binary")[:2]
    return train, test


def _digit_pair(cfg: DigitRun, train: np.ndarray, test: np.ndarray, seed: int) -> dict:
    """Our RBM and BernoulliRBM trained with the same settings and ``seed``; their held-out PLLs."""
    rbm = BinaryRBM.random(train.shape[1], cfg.hidden, seed=seed)
    hist = fit(
        rbm,
        train,
        epochs=cfg.epochs,
        batch_size=cfg.batch_size,
        optimizer=optim.GradientDescent(cfg.lr),
        k=1,
        persistent=True,
        seed=seed,
        monitor=test,
    )
    sk = BernoulliRBM(
        n_components=cfg.hidden,
        learning_rate=cfg.lr,
        batch_size=cfg.batch_size,
        n_iter=cfg.epochs,
        random_state=seed,
    ).fit(train)
    sk_rbm = BinaryRBM(sk.intercept_visible_, sk.intercept_hidden_, sk.components_.T)
    rng = np.random.default_rng(seed)
    start = (rng.random((cfg.n_samples, train.shape[1])) < 0.5).astype(float)
    samples = rbm.gibbs(start, cfg.gibbs_steps, rng)
    return {
        "rbm": rbm,
        "sklearn": sk,
        "history": np.array(hist.monitor),
        "pll": rbm.pseudo_log_likelihood(test),
        "sklearn_pll": sk_rbm.pseudo_log_likelihood(test),
        "samples": samples,
        "mmd2": db.score(samples, "binary", seed=seed),
    }


@study("boltzmann", DigitRun)
def digit_run(cfg: DigitRun) -> dict:
    """Our PCD-1 RBM and scikit-learn's BernoulliRBM with the same settings on the benchmark's binary digits.

    Both use ``cfg.hidden`` hidden units, plain gradient ascent with ``cfg.lr``, mini-batches
    of ``cfg.batch_size`` and as many persistent chains, ``cfg.epochs`` epochs. Both are judged
    by the same function: the full pseudo-log-likelihood of the 540 held-out digits. One pair of
    models per seed ``cfg.seed, cfg.seed + 1, ...``; the first pair is also returned at the top
    level (its history, samples, and scikit-learn's own ``score_samples``). Each of our RBMs is
    sampled by ``cfg.n_samples`` Gibbs chains from random pixels and scored by the benchmark's
    binary MMD² (``physml.digit_benchmark.score``), beside the Gaussian and Gaussian-mixture
    baselines for as many seeds."""
    with threadpool_limits(limits=1):
        train, test = digit_data()
        pairs = [_digit_pair(cfg, train, test, cfg.seed + s) for s in range(cfg.seeds)]
        first = pairs[0]
        sk = first["sklearn"]
        sk.random_state = np.random.RandomState(cfg.seed)  # one random pixel per digit, fresh on each call
        sk_score = sk.score_samples(test)
        baselines = db.baseline_scores(tuple(range(cfg.seeds)), "binary")
        return {
            **first,
            "sklearn_score": sk_score,
            "test": test,
            "pairs": pairs,
            "seed_pll": np.array([p["pll"].mean() for p in pairs]),
            "seed_sklearn_pll": np.array([p["sklearn_pll"].mean() for p in pairs]),
            "seed_mmd2": np.array([p["mmd2"].value for p in pairs]),
            "seed_mmd2_error": np.array([p["mmd2"].error for p in pairs]),
            "baselines": {k: np.array([r.value for r in v]) for k, v in baselines.items()},
            "baseline_errors": {k: np.array([r.error for r in v]) for k, v in baselines.items()},
        }
