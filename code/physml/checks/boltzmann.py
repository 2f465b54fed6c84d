"""Reference checks of "Boltzmann machines and energy-based models".

The runs themselves (settings, training, sampling) are in ``physml.studies.boltzmann``; each
check reads the run the page made (``experiment.current``: the book's settings in the
book, the short ones in the unit tests) and compares it with its reference.
"""

from __future__ import annotations

import numpy as np

from ..experiment import current
from ..studies import boltzmann as study
from ..validation import reference_check

ISING_LOW, ISING_HIGH = 0, -1  # the first and last temperature (the short configuration has only these)
# The short configuration trains 40 epochs instead of 150: not converged above T_c. Its allowances
# (stated with the short configuration, never used by the book's run) only ask for the right ballpark.
SHORT_SYSTEMATIC = {"energy-low": 0.15, "energy-high": 0.3, "absm-high": 0.1}


def _seed_mean(row: dict, name: str) -> tuple[float, float, float]:
    """Mean over the training seeds of the RBM's observable, its error (seed spread / sqrt(seeds), which
    contains the chains' noise, combined with the Monte Carlo data's blocking error) and the data's value."""
    values = row[f"seed_{name}"]
    sigma = np.hypot(values.std(ddof=1) / np.sqrt(len(values)), row[f"mc_{name}_error"])
    return float(values.mean()), float(sigma), row[f"mc_{name}"]


def _run(run, short: bool):
    return run(current(run, short))


@reference_check(
    "boltzmann.log-partition-enumeration",
    chapter="boltzmann",
    description="log Z of the trained tiny RBM (9 + 4 units) by summing the hidden layer out equals "
    "the brute-force sum over all 2^13 joint states",
    reference_source="brute-force sum over (x, h)",
    kind="rel",
    tolerance=1e-12,
    reference_kind="exact",
    tolerance_from="bound",
    why="two exact sums of 2^4 and 2^13 terms in float64: they differ by rounding only",
)
def _log_partition(short: bool):
    rbm = _run(study.tiny_run, short)["runs"]["CD-1"]["rbm"]
    return rbm.log_partition(), study.brute_force_log_partition(rbm)


@reference_check(
    "boltzmann.cd-long-chain",
    chapter="boltzmann",
    description="Summed visible-bias gradient of CD-1000 equals the exact gradient (tiny RBM)",
    reference_source="exact gradient by enumeration; short: fewer repeats and a smaller data set",
    kind="stat",
    glued=("bm-cd-long",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="k = 3 standard errors of the mean over independent repeats; no allowance for the chains' bias",
)
def _cd_long(short: bool):
    result = _run(study.tiny_run, short)["bias"]
    row = result["rows"][-1]
    return row["sum_a"], row["sum_a_error"], result["exact_sum_a"]


@reference_check(
    "boltzmann.ising-energy-low-t",
    chapter="boltzmann",
    description="Energy per spin of the RBMs' Gibbs chains at T = 1.5, averaged over 4 training seeds, "
    "equals the Monte Carlo data's",
    reference_source="Metropolis data of physml.ising (6x6); error = spread over the training seeds "
    "/ sqrt(4) "
    "with the data's blocking error; short: 40 epochs, 3 seeds, allowance 0.15",
    kind="stat",
    k=3.0,
    short_systematic=SHORT_SYSTEMATIC["energy-low"],
    glued=("bm-ising-e-low-seeds",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="3 standard errors of the mean over training seeds (which holds the chains' noise too); no allowance",
)
def _ising_low(short: bool):
    return _seed_mean(_run(study.ising_run, short)["rows"][ISING_LOW], "energy")


@reference_check(
    "boltzmann.ising-energy-high-t",
    chapter="boltzmann",
    description="Energy per spin of the RBMs' Gibbs chains at T = 3.5 (above T_c), averaged over 4 training "
    "seeds, equals the Monte Carlo data's",
    reference_source="Metropolis data of physml.ising (6x6); error = spread over the training seeds "
    "/ sqrt(4) "
    "with the data's blocking error; short: 40 epochs, 3 seeds, allowance 0.3",
    kind="stat",
    k=3.0,
    short_systematic=SHORT_SYSTEMATIC["energy-high"],
    glued=("bm-ising-e-high-seeds",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="3 standard errors of the mean over training seeds (which holds the chains' noise too); no allowance",
    known_failure="150 epochs of PCD-1 close most of the former 30 % gap above T_c but not all: the RBMs "
    "still underestimate the nearest-neighbour correlation, by about 0.03 per spin (5 %), 4 standard errors",
)
def _ising_high_energy(short: bool):
    return _seed_mean(_run(study.ising_run, short)["rows"][ISING_HIGH], "energy")


@reference_check(
    "boltzmann.ising-absm-high-t",
    chapter="boltzmann",
    description="|M| per spin of the RBMs' Gibbs chains at T = 3.5, averaged over 4 training seeds, equals "
    "the Monte Carlo data's",
    reference_source="Metropolis data of physml.ising (6x6); error = spread over the training seeds "
    "/ sqrt(4) "
    "with the data's blocking error; short: 40 epochs, 3 seeds, allowance 0.1",
    kind="stat",
    k=3.0,
    short_systematic=SHORT_SYSTEMATIC["absm-high"],
    glued=("bm-ising-m-high-seeds",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="3 standard errors of the mean over training seeds (which holds the chains' noise too); no allowance",
)
def _ising_high(short: bool):
    return _seed_mean(_run(study.ising_run, short)["rows"][ISING_HIGH], "absm")


@reference_check(
    "boltzmann.digits-vs-sklearn",
    chapter="boltzmann",
    description="Held-out pseudo-log-likelihood of our PCD RBM equals that of sklearn's BernoulliRBM "
    "trained with the same settings (mean over 3 training seeds)",
    reference_source="sklearn.neural_network.BernoulliRBM, same function of its parameters; error = spread "
    "of the per-seed differences / sqrt(3); short: 4 epochs",
    kind="stat",
    k=3.0,
    short_systematic=0.1,
    glued=("bm-digits-pll-seeds",),
    reference_kind="library",
    tolerance_from="sigma",
    why="3 standard errors of the mean paired difference over training seeds (the implementations draw "
    "different random numbers); no allowance (short: 0.1 nats, 4 epochs)",
    known_failure="our RBM's held-out PLL is about 0.1 nats per digit (0.5 %) higher than BernoulliRBM's "
    "on every seed, more than the seed-to-seed error allows: the two are not the same algorithm to this "
    "precision (scikit-learn keeps its mini-batches in a fixed order and starts its persistent chains "
    "from h = 0; ours reshuffles every epoch and starts them at the data)",
)
def _digits(short: bool):
    d = _run(study.digit_run, short)
    diff = d["seed_pll"] - d["seed_sklearn_pll"]
    return (
        float(d["seed_pll"].mean()),
        float(diff.std(ddof=1) / np.sqrt(len(diff))),
        float(d["seed_sklearn_pll"].mean()),
    )


@reference_check(
    "boltzmann.digit-samples-beat-gaussian",
    chapter="boltzmann",
    description="Benchmark MMD² (binary digits) of our RBM's Gibbs samples is below the single Gaussian's, "
    "over 3 seeds",
    reference_source="physml.digit_benchmark.baseline_scores(seeds, 'binary')['gaussian'], same seeds, "
    "540 samples each",
    kind="beats",
    better="lower",
    margin=0.0,
    reference_kind="baseline",
    tolerance_from="target",
    why="the part's target: every digit model beats the single-Gaussian baseline on held-out MMD² "
    "(short: 4 epochs, only within 0.05 of it)",
    known_failure="20 epochs of PCD-1 with 64 hidden units give samples (1000 Gibbs steps from random "
    "pixels) "
    "with MMD² of 0.01 to 0.05, worse than the Gaussian's 0.001 to 0.002; the energy-based-models chapter "
    "judges a better-trained RBM by its likelihood instead",
)
def _digits_beat_gaussian(short: bool):
    d = _run(study.digit_run, short)
    return d["seed_mmd2"], d["baselines"]["gaussian"] + (0.05 if short else 0.0)


@reference_check(
    "boltzmann.sklearn-score-samples",
    chapter="boltzmann",
    description="sklearn's score_samples (one random pixel, times 64) averages to our full "
    "pseudo-log-likelihood",
    reference_source="BinaryRBM.pseudo_log_likelihood of sklearn's parameters",
    kind="stat",
    glued=("bm-digits-sk-score",),
    reference_kind="library",
    tolerance_from="sigma",
    why="k = 3 standard errors of the mean of sklearn's one-pixel estimates; no systematic allowance",
)
def _sk_score(short: bool):
    d = _run(study.digit_run, short)
    s = d["sklearn_score"]
    return float(s.mean()), float(s.std(ddof=1) / np.sqrt(len(s))), float(d["sklearn_pll"].mean())


def exact_ising_rbm_gibbs(L: int = 4, T: float = 3.5, chains: int = 400, seed: int = 2026) -> dict:
    """Gibbs samples of the exact Ising RBM (physml.rbm.ising_rbm) against exact enumeration:
    the energy per spin averaged per chain (200 burn-in steps, 40 records 5 steps apart)."""
    from .. import ising, rbm

    model = rbm.ising_rbm(L, T)
    x = rbm.binary_states(L * L)
    e_states = ising.energy((2 * x - 1).reshape(-1, L, L)) / L**2
    log_p = -ising.energy((2 * x - 1).reshape(-1, L, L)) / T
    p = np.exp(log_p - log_p.max())
    rng = np.random.default_rng(seed)
    chain = model.gibbs((rng.random((chains, L * L)) < 0.5).astype(float), 200, seed=rng)
    per_chain = np.zeros(chains)
    for _ in range(40):
        chain = model.gibbs(chain, 5, seed=rng)
        per_chain += ising.energy((2 * chain - 1).reshape(-1, L, L)) / L**2 / 40
    return {
        "exact": float(np.sum(p * e_states) / p.sum()),
        "sampled": float(per_chain.mean()),
        "error": float(per_chain.std(ddof=1) / np.sqrt(chains)),
    }


@reference_check(
    "boltzmann.ising-rbm-exact",
    chapter="boltzmann",
    description="The RBM with one hidden unit per bond has exactly the Ising distribution as its "
    "marginal (4 x 4 lattice, all 65,536 states, T = 1.5, 2.27 and 3.5)",
    reference_source="exact Boltzmann weights -H(s)/T from physml.ising.energy; the largest spread of "
    "log p_RBM - log p_Ising over the states (a constant difference is the normalisation)",
    kind="abs",
    tolerance=1e-10,
    reference_kind="exact",
    tolerance_from="bound",
    why="log-weights of order 30 summed from 32 softplus terms in float64: rounding of order 1e-13",
)
def _ising_rbm_exact():
    from .. import ising, rbm

    x = rbm.binary_states(16)
    spins = (2 * x - 1).reshape(-1, 4, 4)
    spread = 0.0
    for T in (1.5, 2.27, 3.5):
        diff = -rbm.ising_rbm(4, T).free_energy(x) + ising.energy(spins) / T
        spread = max(spread, float(diff.max() - diff.min()))
    return spread, 0.0


@reference_check(
    "boltzmann.ising-rbm-gibbs",
    chapter="boltzmann",
    description="Block Gibbs sampling of the exact Ising RBM reproduces the exact energy per spin "
    "(4 x 4 lattice, T = 3.5, 400 chains)",
    reference_source="exact enumeration of the 4 x 4 Ising model; sigma = spread of the chain averages",
    kind="stat",
    k=3.0,
    reference_kind="exact",
    tolerance_from="sigma",
    why="3 standard errors of the mean of independent chains; no allowance",
    glued=("bm-exact-rbm-e",),
)
def _ising_rbm_gibbs():
    run = exact_ising_rbm_gibbs()
    return run["sampled"], run["error"], run["exact"]
