"""Reference checks of the chapter "Autoregressive models".

The runs themselves (settings, training, sampling) are in ``physml.studies.autoregressive``;
each check reads the run the page made (``experiment.current``: the book's settings in the
book, the short ones in the unit tests) and compares it with its reference. The mask
property is a cheap deterministic check of a randomly initialised network and needs no study.
"""

from __future__ import annotations

import numpy as np
import torch

from .. import autoregressive as ar
from ..experiment import current
from ..studies import autoregressive as study
from ..torchtools import make_generator
from ..validation import reference_check

# The fitted model cannot know the Ising averages better than its training set does: the
# sampled observables pass within K_SIGMA of the exact value, with sigma the model samples'
# standard error and the training set's in quadrature (independent), fixed before the run.
# The short configuration (15 epochs on 2000 samples) is a smoke test with an allowance.
ISING_SHORT_SYSTEMATIC = 0.1
DIGITS_MARGIN = (5.0, 1.0)  # nats per image by which MADE must beat independent pixels (full, short)
K_SIGMA = 3.0
UNIFORM_BITS_NLL = 64 * float(np.log(2.0))  # nats per image of 64 fair coins: the short checks' baseline


def ising_study(short: bool = False) -> dict:
    return study.ising_run(current(study.ising_run, short))


def digits_study(short: bool = False) -> dict:
    return study.digits_run(current(study.digits_run, short))


# --------------------------------------------------------------------------- the mask property


def mask_jacobian(n_inputs: int = 6, hidden_sizes=(12, 12), ordering=None, seed: int = 0) -> np.ndarray:
    r"""Jacobian :math:`\partial a_d / \partial x_j`, shape (D, D), by autograd.

    Of a randomly initialised MADE, at a random input.
    """
    torch.manual_seed(seed)
    model = ar.MADE(n_inputs, hidden_sizes, ordering).double()
    x = torch.rand(n_inputs, dtype=torch.float64, generator=make_generator(seed))
    return torch.autograd.functional.jacobian(model, x).numpy()


def forbidden(ordering) -> np.ndarray:
    r"""Boolean (D, D): entry (d, j) is True where output d must not depend on input j (j not before d)."""
    order = np.asarray(ordering)
    rank = np.empty(len(order), dtype=int)
    rank[order] = np.arange(len(order))
    return rank[None, :] >= rank[:, None]


MASK_ORDERING = (3, 0, 5, 1, 4, 2)


# --------------------------------------------------------------------------- reference checks


@reference_check(
    "autoregressive.mask-property",
    chapter="autoregressive",
    description="MADE output d does not depend on inputs at or after d in the ordering (autograd Jacobian)",
    reference_source="torch.autograd.functional.jacobian; exact zeros required",
    kind="abs",
    tolerance=0.0,
    glued=("ar-jacobian-forbidden",),
    reference_kind="exact",
    tolerance_from="bound",
    why="a masked weight contributes exactly nothing: autograd must give exact zeros",
)
def _mask_property():
    jac = mask_jacobian(len(MASK_ORDERING), (12, 12), MASK_ORDERING)
    return float(np.max(np.abs(jac[forbidden(MASK_ORDERING)]))), 0.0


@reference_check(
    "autoregressive.normalisation",
    chapter="autoregressive",
    description="The trained 4x4 Ising MADE's probabilities sum to 1 over all 2^16 states",
    reference_source="exact enumeration of all states (float64)",
    kind="abs",
    tolerance=1e-9,
    glued=("ar-normalisation",),
    reference_kind="exact",
    tolerance_from="bound",
    why="the chain rule normalises exactly; 1e-9 bounds float64 rounding in a sum of 2^16 terms",
)
def _normalisation(short: bool):
    return ising_study(short)["normalisation"], 1.0


def _ising_observable(short: bool, name: str, exact: str):
    run = ising_study(short)
    est, train = run[f"{name}_made"], run[f"{name}_train"]
    return est.value, float(np.hypot(est.error, train.error)), float(getattr(run["exact"], exact))


@reference_check(
    "autoregressive.ising-energy",
    chapter="autoregressive",
    description="Energy per spin of MADE samples (4x4 Ising, T = 2.3) equals the exact Boltzmann value",
    reference_source="ising.exact (enumeration); sigma: the MADE samples' and the training set's standard "
    "errors in quadrature; short (15 epochs): allowance 0.1",
    kind="stat",
    k=K_SIGMA,
    short_systematic=ISING_SHORT_SYSTEMATIC,
    glued=("ar-ising-energy-made",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="a model fitted to n samples inherits their sampling error; 3 sigma of both errors, no allowance, "
    "fixed before the run",
)
def _ising_energy(short: bool):
    return _ising_observable(short, "energy", "energy")


@reference_check(
    "autoregressive.ising-absm",
    chapter="autoregressive",
    description="<|M|>/N of MADE samples (4x4 Ising, T = 2.3) equals the exact Boltzmann value",
    reference_source="ising.exact (enumeration); sigma: the MADE samples' and the training set's standard "
    "errors in quadrature; short (15 epochs): allowance 0.1",
    kind="stat",
    k=K_SIGMA,
    short_systematic=ISING_SHORT_SYSTEMATIC,
    glued=("ar-ising-absm-made",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="as for the energy: 3 sigma of the model's and the training set's errors, no allowance",
)
def _ising_absm(short: bool):
    return _ising_observable(short, "absm", "abs_magnetization")


@reference_check(
    "autoregressive.ising-kl-below-independent",
    chapter="autoregressive",
    description="Exact KL(Boltzmann || MADE) is below a tenth of KL(Boltzmann || independent spins)",
    reference_source="exact enumeration of both divergences",
    kind="at_most",
    glued=("ar-ising-kl-made",),
    reference_kind="baseline",
    tolerance_from="target",
    why="a round target, a tenth of the independent-spin baseline's divergence",
)
def _ising_kl(short: bool):
    run = ising_study(short)
    return run["kl_made"], 0.1 * run["kl_independent"]


@reference_check(
    "autoregressive.digits-gain",
    chapter="autoregressive",
    description=(
        "Held-out ln p per binarised digit, MADE minus independent pixels: lower 3-sigma bound >= margin"
    ),
    reference_source="margin 5 nats per image (short: 1), paired standard error over held-out images",
    kind="at_least",
    glued=("ar-digits-gain-lower",),
    reference_kind="baseline",
    tolerance_from="target",
    why="5 nats per image over independent pixels, said in the chapter to be fixed in advance",
)
def _digits_gain(short: bool):
    gain = digits_study(short)["ll_gain"]
    return gain.value - K_SIGMA * gain.error, DIGITS_MARGIN[int(short)]


def _digits_vs_mixture(short: bool, n_components: int):
    run = digits_study(short)
    if short and n_components > 1:  # 8 epochs do not reach the mixture: against 64 fair coins
        return run["nll_seeds"], UNIFORM_BITS_NLL
    return run["nll_seeds"], run["mixture_nll"][n_components][0]


@reference_check(
    "autoregressive.digits-beats-independent",
    chapter="autoregressive",
    description="Exact held-out NLL of the MADE on the benchmark's binary digits is below that of "
    "independent pixels (Bernoulli mixture, K = 1), over 3 seeds",
    reference_source="digit_benchmark.bernoulli_mixture_nll(1) on the same 540 held-out images "
    "(short configuration, 8 epochs: the same baseline)",
    kind="beats",
    better="lower",
    glued=("ar-digits-nll-seeds-mean",),
    reference_kind="baseline",
    tolerance_from="target",
    why="a model of the digits must beat the cheapest likelihood baseline on the same images; margin 0",
)
def _digits_beats_independent(short: bool):
    return _digits_vs_mixture(short, 1)


@reference_check(
    "autoregressive.digits-beats-mixture",
    chapter="autoregressive",
    description="Exact held-out NLL of the MADE on the benchmark's binary digits is below that of a "
    "10-component Bernoulli mixture, over 3 seeds",
    reference_source="digit_benchmark.bernoulli_mixture_nll(10, seed=0) on the same 540 held-out images; "
    "short (8 epochs): against 64 fair coins, 64 ln 2 nats",
    kind="beats",
    better="lower",
    reference_kind="baseline",
    tolerance_from="target",
    why="the benchmark's stronger likelihood baseline, one mixture component per digit class; margin 0",
)
def _digits_beats_mixture(short: bool):
    return _digits_vs_mixture(short, 10)
