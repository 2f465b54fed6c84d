"""Reference checks of "Boltzmann machines and energy-based models", and the studies the chapter shows.

* *tiny* RBMs (9 visible units, the 3x3 Ising lattice; 4 hidden units) whose partition
  function, log-likelihood and gradient are computed exactly by enumeration: training
  curves of the exact log-likelihood, and the bias of CD-k against the exact gradient;
* *Ising* configurations of ``physml.ising.sample`` on a 6x6 lattice at five temperatures,
  one RBM per temperature trained with persistent CD; energy and |M| per spin of long
  Gibbs chains against the Monte Carlo data;
* the binarised 8x8 *digits*, an RBM trained like scikit-learn's ``BernoulliRBM`` with the
  same settings, both judged by the pseudo-log-likelihood of held-out digits;
* a Gaussian–binary RBM on the 2D toy density of the generative-modelling chapter.

The functions are cached, so the chapter page, the exercise page and the checks compute
each result once. ``short=True`` runs the same code on smaller problems (unit tests).
"""

from __future__ import annotations

import functools

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import BernoulliRBM
from threadpoolctl import threadpool_limits

from .. import ising, optim, stats
from ..rbm import BinaryRBM, binary_states, fit, spins_to_binary
from ..validation import reference_check
from ._cache import per_configuration as _cached

SEED = 2026

# --- tiny models: the 3x3 Ising lattice, exact Boltzmann samples at T_TINY
TINY_L = 3
TINY_HIDDEN = 4
TINY_T = 2.0
N_TINY = {False: 500, True: 200}
TINY_EPOCHS = {False: 60, True: 20}
TINY_BATCH = 50
TINY_RATE = 0.05
TINY_PCD_RATE = 0.3  # plain gradient ascent for the decaying-rate PCD run, cosine decay to a twentieth
CD_STEPS = (1, 3, 10, 30, 100, 300, 1000)
CD_REPEATS = {False: 12, True: 4}

# --- Ising
ISING_L = 6
ISING_TEMPERATURES = (1.5, 2.0, round(ising.ONSAGER_TC, 2), 2.6, 3.5)
N_ISING = {False: 2000, True: 1000}
ISING_HIDDEN = 36
ISING_EPOCHS = {False: 40, True: 40}
ISING_BATCH = 50
ISING_RATE = 0.2  # plain gradient ascent, cosine decay to ISING_RATE / 20
ISING_CHAINS = {False: 300, True: 100}
ISING_BURN_IN = 200
ISING_RECORDS = {False: 40, True: 20}
ISING_SPACING = 5
SPREAD_SEEDS = {False: 3, True: 1}
ISING_MONITOR = 200  # training configurations whose pseudo-log-likelihood is recorded per epoch

# --- digits
DIGIT_HIDDEN = 64
DIGIT_RATE = 0.05
DIGIT_BATCH = 20
DIGIT_EPOCHS = {False: 20, True: 4}
N_DIGIT_SAMPLES = 16
DIGIT_GIBBS = 1000


def _one_thread(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with threadpool_limits(limits=1):
            return func(*args, **kwargs)

    return wrapper


# --------------------------------------------------------------------------- tiny models


def tiny_distribution(L: int = TINY_L, T: float = TINY_T) -> tuple[np.ndarray, np.ndarray]:
    """All 2^(L*L) binary configurations of the L x L Ising lattice and their Boltzmann probabilities."""
    spins = ising.all_states(L)
    e = ising.energy(spins)
    w = np.exp(-(e - e.min()) / T)
    return spins_to_binary(spins), w / w.sum()


@_cached
def tiny_data(short: bool = False) -> np.ndarray:
    """``N_TINY`` exact samples of the 3x3 Ising lattice at ``TINY_T``, as binary units."""
    states, p = tiny_distribution()
    rng = np.random.default_rng(SEED)
    return states[rng.choice(len(p), size=N_TINY[short], p=p)]


@_cached
@_one_thread
def tiny_training(short: bool = False) -> dict:
    """Train the tiny RBM by exact gradient, CD-1, CD-10 and PCD-1 (same start, same batches' seed).

    PCD-1 runs twice: with Adam at the constant rate of the others, and with plain gradient
    ascent at a cosine-decayed rate.

    Returns the exact mean log-likelihood of the training data per epoch for each, the
    best value any model can reach on these data (minus their empirical entropy), and
    the trained models."""
    x = tiny_data(short)
    epochs = TINY_EPOCHS[short]
    runs = {}
    settings = (
        ("CD-1", 1, False, False),
        ("CD-10", 10, False, False),
        ("PCD-1", 1, True, False),
        ("PCD-1, gradient ascent, decaying rate", 1, True, True),
    )
    for name, k, persistent, decay in settings:
        rbm = BinaryRBM.random(x.shape[1], TINY_HIDDEN, seed=SEED, scale=0.1)
        if decay:
            opt = optim.GradientDescent(TINY_PCD_RATE)
            schedule = optim.CosineDecay(TINY_PCD_RATE, epochs, minimum=TINY_PCD_RATE / 20)
        else:
            opt, schedule = optim.Adam(TINY_RATE), None
        hist = fit(
            rbm,
            x,
            epochs=epochs,
            batch_size=TINY_BATCH,
            optimizer=opt,
            k=k,
            persistent=persistent,
            seed=SEED,
            exact=True,
            schedule=schedule,
        )
        runs[name] = {"rbm": rbm, "ll": np.array(hist.monitor)}
    rbm = BinaryRBM.random(x.shape[1], TINY_HIDDEN, seed=SEED, scale=0.1)
    opt = optim.Adam(TINY_RATE)
    ll = []
    steps = epochs * (len(x) // TINY_BATCH)
    for step in range(steps):
        g = rbm.exact_gradient(x)
        opt.step(rbm.params, [-g.a, -g.b, -g.W])
        if (step + 1) % (len(x) // TINY_BATCH) == 0:
            ll.append(rbm.log_likelihood(x))
    runs["exact gradient"] = {"rbm": rbm, "ll": np.array(ll)}
    _, counts = np.unique(x, axis=0, return_counts=True)
    q = counts / counts.sum()
    return {"runs": runs, "max_ll": float((q * np.log(q)).sum()), "epochs": epochs}


@_cached
@_one_thread
def cd_bias(short: bool = False) -> dict:
    """Bias of the CD-k gradient against the exact gradient, for the RBM after CD-1 training.

    For each k, ``CD_REPEATS`` independent CD-k gradients on all the data are averaged (the
    chains of one repeat are read off after k = 1, 3, 10, ... steps);
    the bias is the norm of (mean CD-k gradient - exact gradient), and ``noise`` the norm
    of the standard errors of that mean (the floor below which a bias cannot be seen)."""
    x = tiny_data(short)
    rbm = tiny_training(short)["runs"]["CD-1"]["rbm"]
    exact = rbm.exact_gradient(x).as_vector()
    rng = np.random.default_rng(SEED + 1)
    positive = rbm.positive_phase(x).as_vector()
    grads = np.empty((CD_REPEATS[short], len(CD_STEPS), exact.size))
    for r in range(CD_REPEATS[short]):
        chains, done = x, 0
        for j, k in enumerate(CD_STEPS):  # one set of chains, read off after k = 1, 3, 10, ... steps
            chains, done = rbm.gibbs(chains, k - done, rng), k
            grads[r, j] = positive - rbm.positive_phase(chains).as_vector()
    rows = []
    for j, k in enumerate(CD_STEPS):
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


def brute_force_log_partition(rbm: BinaryRBM) -> float:
    r""":math:`\log Z = \log\sum_{\boldsymbol x,\boldsymbol h} e^{-E(\boldsymbol x,\boldsymbol h)}` over all
    joint states (tiny models only)."""
    xs, hs = binary_states(rbm.n_visible), binary_states(rbm.n_hidden)
    x = np.repeat(xs, len(hs), axis=0)
    h = np.tile(hs, (len(xs), 1))
    e = -rbm.energy(x, h)
    return float(e.max() + np.log(np.exp(e - e.max()).sum()))


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


def _observables(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Energy and |M| per spin of binary configurations of the ISING_L lattice."""
    spins = (2 * x - 1).reshape(-1, ISING_L, ISING_L)
    return ising.energy(spins, per_spin=True), np.abs(ising.magnetization(spins, per_spin=True))


def gibbs_observables(rbm: BinaryRBM, start: np.ndarray, seed, records: int, burn_in: int, spacing: int):
    """Run one Gibbs chain per row of ``start``; after ``burn_in`` steps record energy and |M|
    per spin every ``spacing`` steps. Returns per-chain time averages (chains, 2) and the last state."""
    rng = np.random.default_rng(seed)
    x = rbm.gibbs(start, burn_in, rng)
    sums = np.zeros((len(start), 2))
    for _ in range(records):
        x = rbm.gibbs(x, spacing, rng)
        e, m = _observables(x)
        sums += np.column_stack([e, m])
    return sums / records, x


def train_ising_rbm(x: np.ndarray, seed: int, short: bool):
    """Train one Ising RBM by PCD-1 (plain gradient ascent, cosine-decayed rate) and run its Gibbs chains.

    Returns the model, its training history, the per-chain averages of energy and |M| per
    spin (chains, 2) and the chains' last state. The chains start at training configurations
    (so that both ordered states are represented below T_c)."""
    rbm = BinaryRBM.random(x.shape[1], ISING_HIDDEN, seed=seed)
    epochs = ISING_EPOCHS[short]
    hist = fit(
        rbm,
        x,
        epochs=epochs,
        batch_size=ISING_BATCH,
        optimizer=optim.GradientDescent(ISING_RATE),
        schedule=optim.CosineDecay(ISING_RATE, epochs, minimum=ISING_RATE / 20),
        k=1,
        persistent=True,
        seed=seed,
        monitor=x[:ISING_MONITOR],
    )
    start = x[np.random.default_rng(seed).choice(len(x), size=ISING_CHAINS[short], replace=False)]
    per_chain, last = gibbs_observables(
        rbm, start, seed + 100, ISING_RECORDS[short], ISING_BURN_IN, ISING_SPACING
    )
    return rbm, hist, per_chain, last


@_cached
def ising_data(short: bool = False):
    """Monte Carlo configurations of the ISING_L lattice (``short``: lowest and highest temperature only)."""
    temperatures = (ISING_TEMPERATURES[0], ISING_TEMPERATURES[-1]) if short else ISING_TEMPERATURES
    return ising.sample(ISING_L, temperatures, N_ISING[short], seed=SEED)


@_cached
@_one_thread
def ising_study(short: bool = False) -> dict:
    """One RBM per temperature (``train_ising_rbm``); observables of its Gibbs chains and of the data.

    The Monte Carlo means carry blocking errors. The RBM's chains run ``ISING_BURN_IN``
    steps and are then recorded ``ISING_RECORDS`` times; chains are independent, so the
    error is the spread of the per-chain averages over sqrt(chains). ``short=True`` takes
    only the lowest and highest temperature, and fewer samples and chains."""
    data = ising_data(short)
    rows = []
    for t, T in enumerate(np.unique(data.temperatures)):
        x = spins_to_binary(symmetry_copies(data.spins[data.temperatures == T], SEED + t))
        rbm, hist, per_chain, last = train_ising_rbm(x, SEED + t, short)
        row = {
            "T": float(T),
            "method": data.methods[T],
            "rbm": rbm,
            "pll": np.array(hist.monitor),
            "samples": last,
            "data": x,
        }
        for j, (name, mc) in enumerate(zip(("energy", "absm"), _observables(x), strict=True)):
            b = stats.blocking(mc)
            row[f"mc_{name}"], row[f"mc_{name}_error"] = b.mean, b.error
            row[f"rbm_{name}"] = float(per_chain[:, j].mean())
            row[f"rbm_{name}_error"] = float(per_chain[:, j].std(ddof=1) / np.sqrt(len(per_chain)))
        rows.append(row)
    return {"L": ISING_L, "rows": rows}


@_cached
@_one_thread
def ising_seed_spread(short: bool = False) -> np.ndarray:
    """Energy per spin of the RBM's chains at the lowest temperature for ``SPREAD_SEEDS`` other seeds.

    The same data and settings as ``ising_study``, other initial weights, batches and chains:
    how much of the agreement at low temperature is the training run's luck."""
    data = ising_data(short)
    T = data.temperatures.min()
    energies = []
    for s in range(1, SPREAD_SEEDS[short] + 1):
        x = spins_to_binary(symmetry_copies(data.spins[data.temperatures == T], SEED + 1000 * s))
        energies.append(train_ising_rbm(x, SEED + 1000 * s, short)[2][:, 0].mean())
    return np.array(energies)


# --------------------------------------------------------------------------- digits


@_cached
def digit_data(short: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The 8x8 digits binarised at half the maximum grey level, split 80/20 into training and held-out
    sets."""
    X = (load_digits().data / 16.0 > 0.5).astype(float)
    train, test = train_test_split(X, test_size=0.2, random_state=SEED)
    return train, test


@_cached
@_one_thread
def digit_study(short: bool = False) -> dict:
    """Our PCD-1 RBM and scikit-learn's BernoulliRBM with the same settings on the binarised digits.

    Both use ``DIGIT_HIDDEN`` hidden units, plain gradient ascent with ``DIGIT_RATE``,
    mini-batches of ``DIGIT_BATCH`` and as many persistent chains, ``DIGIT_EPOCHS`` epochs.
    Both are judged by the same function: the full pseudo-log-likelihood of held-out digits.
    scikit-learn's own ``score_samples`` (one random flipped pixel, times 64) is kept too."""
    train, test = digit_data(short)
    epochs = DIGIT_EPOCHS[short]
    rbm = BinaryRBM.random(train.shape[1], DIGIT_HIDDEN, seed=SEED)
    hist = fit(
        rbm,
        train,
        epochs=epochs,
        batch_size=DIGIT_BATCH,
        optimizer=optim.GradientDescent(DIGIT_RATE),
        k=1,
        persistent=True,
        seed=SEED,
        monitor=test,
    )
    sk = BernoulliRBM(
        n_components=DIGIT_HIDDEN,
        learning_rate=DIGIT_RATE,
        batch_size=DIGIT_BATCH,
        n_iter=epochs,
        random_state=SEED,
    ).fit(train)
    sk_rbm = BinaryRBM(sk.intercept_visible_, sk.intercept_hidden_, sk.components_.T)
    ours, theirs = rbm.pseudo_log_likelihood(test), sk_rbm.pseudo_log_likelihood(test)
    sk.random_state = np.random.RandomState(SEED)  # one random pixel per digit, fresh on each call
    sk_score = sk.score_samples(test)
    rng = np.random.default_rng(SEED)
    start = (rng.random((N_DIGIT_SAMPLES, train.shape[1])) < 0.5).astype(float)
    samples = rbm.gibbs(start, DIGIT_GIBBS, rng)
    return {
        "rbm": rbm,
        "sklearn": sk,
        "history": np.array(hist.monitor),
        "pll": ours,
        "sklearn_pll": theirs,
        "sklearn_score": sk_score,
        "samples": samples,
        "test": test,
    }


# --------------------------------------------------------------------------- reference checks

ISING_LOW, ISING_HIGH = 0, -1  # the first and last temperature (the short configuration has only these)
ISING_SYSTEMATIC_LOW = 0.12  # energy per spin at T = 1.5: across seeds the RBM lands 0.01 to 0.11 above
ISING_SYSTEMATIC_HIGH = 0.05  # |M| per spin at T = 3.5: the RBM reaches about 0.03
DIGIT_SYSTEMATIC = 0.5  # nats per digit: two implementations with different random streams


@reference_check(
    "boltzmann.log-partition-enumeration",
    chapter="boltzmann",
    description="log Z of the trained tiny RBM (9 + 4 units) by summing the hidden layer out equals "
    "the brute-force sum over all 2^13 joint states",
    reference_source="brute-force sum over (x, h)",
    kind="rel",
    tolerance=1e-12,
)
def _log_partition():
    rbm = tiny_training(True)["runs"]["CD-1"]["rbm"]
    return rbm.log_partition(), brute_force_log_partition(rbm)


@reference_check(
    "boltzmann.cd-long-chain",
    chapter="boltzmann",
    description="Summed visible-bias gradient of CD-1000 equals the exact gradient (tiny RBM)",
    reference_source="exact gradient by enumeration; short: fewer repeats and a smaller data set",
    kind="stat",
    glued=("bm-cd-long",),
)
def _cd_long(short: bool):
    result = cd_bias(short)
    row = result["rows"][-1]
    return row["sum_a"], row["sum_a_error"], result["exact_sum_a"]


@reference_check(
    "boltzmann.ising-energy-low-t",
    chapter="boltzmann",
    description="Energy per spin of the RBM's Gibbs chains at T = 1.5 equals the Monte Carlo data's",
    reference_source="Metropolis data of physml.ising (6x6); systematic 0.12 = the spread of the RBM's "
    "energy across training seeds; short: fewer samples and chains",
    kind="stat",
    systematic=ISING_SYSTEMATIC_LOW,
    short_systematic=0.15,
    glued=("bm-ising-e-low",),
)
def _ising_low(short: bool):
    row = ising_study(short)["rows"][ISING_LOW]
    sigma = np.hypot(row["rbm_energy_error"], row["mc_energy_error"])
    return row["rbm_energy"], sigma, row["mc_energy"]


@reference_check(
    "boltzmann.ising-absm-high-t",
    chapter="boltzmann",
    description="|M| per spin of the RBM's Gibbs chains at T = 3.5 equals the Monte Carlo data's",
    reference_source="Metropolis data of physml.ising (6x6); systematic 0.05 = the RBM's approximation "
    "above T_c; short: fewer samples and chains",
    kind="stat",
    systematic=ISING_SYSTEMATIC_HIGH,
    short_systematic=0.1,
    glued=("bm-ising-m-high",),
)
def _ising_high(short: bool):
    row = ising_study(short)["rows"][ISING_HIGH]
    sigma = np.hypot(row["rbm_absm_error"], row["mc_absm_error"])
    return row["rbm_absm"], sigma, row["mc_absm"]


@reference_check(
    "boltzmann.digits-vs-sklearn",
    chapter="boltzmann",
    description="Held-out pseudo-log-likelihood of our PCD RBM equals that of sklearn's BernoulliRBM "
    "trained with the same settings",
    reference_source="sklearn.neural_network.BernoulliRBM, same function of its parameters; "
    "systematic 0.5 nats; short: 4 epochs",
    kind="stat",
    systematic=DIGIT_SYSTEMATIC,
    short_systematic=1.5,
    glued=("bm-digits-pll",),
)
def _digits(short: bool):
    d = digit_study(short)
    diff = d["pll"] - d["sklearn_pll"]
    return (
        float(d["pll"].mean()),
        float(diff.std(ddof=1) / np.sqrt(len(diff))),
        float(d["sklearn_pll"].mean()),
    )


@reference_check(
    "boltzmann.sklearn-score-samples",
    chapter="boltzmann",
    description="sklearn's score_samples (one random pixel, times 64) averages to our full "
    "pseudo-log-likelihood",
    reference_source="BinaryRBM.pseudo_log_likelihood of sklearn's parameters",
    kind="stat",
    glued=("bm-digits-sk-score",),
)
def _sk_score(short: bool):
    d = digit_study(short)
    s = d["sklearn_score"]
    return float(s.mean()), float(s.std(ddof=1) / np.sqrt(len(s))), float(d["sklearn_pll"].mean())
