r"""Project path *Generative models*: an RBM on the 3×3 Ising model, judged exactly, and digits.

The page ``projects/generative.md`` (label ``project-generative``) sets the project; it
builds on the chapters *Generative modelling*, *Boltzmann machines* and *Variational
autoencoders*. This module gives the group

* the data: configurations of the periodic :math:`3\times3` Ising model drawn *exactly*
  from the Boltzmann distribution by enumerating its :math:`2^9 = 512` states
  (:func:`ising_data`), and scikit-learn's 8×8 digits, binarised (:func:`binarised_digits`);
* the milestone checks, which take the group's own results: :func:`check_log_likelihood`
  (their RBM's exact log-likelihood, as they computed it), :func:`check_beats_independent`
  (their RBM against the independent-spin model on held-out configurations),
  :func:`check_sample_observables` (their samples' energy and :math:`|M|` against the exact
  Boltzmann averages) and :func:`check_digit_samples` (a judge classifier's confusion matrix,
  :func:`judge_confusion`, on their generated digits);
* ``TEMPLATE``, what ``python -m physml.project new generative <folder>`` writes.

**Conventions.** The RBM is the binary–binary one of ``physml.rbm.BinaryRBM``: visible units
:math:`x_i = (1 + s_i)/2 \in \{0, 1\}`, :math:`s_i = \pm1` the spin at row :math:`r`, column
:math:`c`, :math:`i = 3r + c` (``spins.reshape(n, 9)``, C order); hidden units
:math:`h_j\in\{0,1\}`; weights ``W`` of shape ``(9, N)``, visible bias ``a`` (9), hidden bias
``b`` (N); energy :math:`E(\boldsymbol x,\boldsymbol h) = -\boldsymbol a^\top\boldsymbol x
- \boldsymbol b^\top\boldsymbol h - \boldsymbol x^\top\boldsymbol W\boldsymbol h`. The Ising
model is that of ``physml.ising`` (:math:`J = k_B = 1`, periodic).

A check says whether a milestone is reached and why; it never shows the reference value
it compares with.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy.special import logsumexp

from .. import ising
from .._validate import as_float_array, as_rng, check_int, check_scalar
from . import Milestone, Template, milestone

__all__ = [
    "L",
    "N_SPINS",
    "TEMPERATURE",
    "N_TRAIN",
    "N_HELD_OUT",
    "LOG_LIKELIHOOD_RTOL",
    "MIN_SAMPLES",
    "ACCURACY_TARGET",
    "DIVERSITY_TARGET",
    "MIN_PER_CLASS",
    "TEMPLATE",
    "ising_data",
    "binarised_digits",
    "judge_confusion",
    "check_log_likelihood",
    "check_beats_independent",
    "check_sample_observables",
    "check_digit_samples",
]

#: Side of the periodic lattice and number of spins (visible units).
L = 3
N_SPINS = L * L
#: The project's temperature (J = k_B = 1), a little above the infinite lattice's T_c = 2.269.
TEMPERATURE = 2.5
#: Size of the training set the project prescribes (the default of :func:`ising_data`).
N_TRAIN = 2000
#: Size of the held-out set of :func:`check_beats_independent`.
N_HELD_OUT = 5000
#: Entropy of the held-out set: a pair, so that no int seed of :func:`ising_data` reproduces it.
_HELD_OUT_ENTROPY = (5429, 3)
#: Relative agreement asked of a log-likelihood: float64 rounding of a sum over 512 states is
#: about 1e-14; 1e-6 leaves room for any float64 order of summation, not for float32.
LOG_LIKELIHOOD_RTOL = 1e-6
#: Fewest sampled configurations :func:`check_sample_observables` judges.
MIN_SAMPLES = 1000
#: Judge accuracy that generated digits must reach (3-sigma Wilson lower bound), stated in advance.
ACCURACY_TARGET = 0.8
#: Within-class pixel variance of the generated digits, as a fraction of the real digits', below
#: which the samples count as collapsed (a class mean repeated has zero).
DIVERSITY_TARGET = 0.25
#: Fewest generated digits per class :func:`check_digit_samples` judges.
MIN_PER_CLASS = 20
#: Number of standard errors of the sampled checks.
_K = 3.0


# --- data ------------------------------------------------------------------------------------


def _check_temperature(T) -> float:
    return float(check_scalar(T, "T", minimum=0.0, include_min=False))


@functools.cache
def _boltzmann(T: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The 512 states as 0/1 units (512, 9), their energies per spin and :math:`|M|` per spin,
    and :math:`\log p(\boldsymbol s) = -H(\boldsymbol s)/T - \log Z`, in the order of
    ``physml.ising.all_states(3)``."""
    states = ising.all_states(L)
    energy = ising.energy(states)
    log_p = -energy / T
    log_p = log_p - logsumexp(log_p)
    units = (states.reshape(-1, N_SPINS).astype(float) + 1.0) / 2.0
    abs_m = np.abs(states.reshape(-1, N_SPINS).sum(axis=1)) / N_SPINS
    for arr in (units, energy, abs_m, log_p):
        arr.setflags(write=False)
    return units, np.stack([energy / N_SPINS, abs_m]), log_p


@functools.cache
def _all_units() -> np.ndarray:
    """The 512 visible states as 0/1 units, shape (512, 9)."""
    return _boltzmann(TEMPERATURE)[0]


def _draw(n: int, T: float, rng: np.random.Generator) -> np.ndarray:
    _, _, log_p = _boltzmann(T)
    index = rng.choice(log_p.size, size=n, p=np.exp(log_p))
    return ising.all_states(L)[index].copy()


def ising_data(n_samples: int = N_TRAIN, seed=0, T: float = TEMPERATURE) -> np.ndarray:
    r"""``n_samples`` configurations of the periodic :math:`3\times3` Ising model, shape
    ``(n_samples, 3, 3)``, spins :math:`\pm1` (int8), drawn independently and exactly from

    .. math:: p(\boldsymbol s) = e^{-H(\boldsymbol s)/T}/Z, \qquad
              H = -\sum_i s_i\,(s_{i+\hat x} + s_{i+\hat y}),

    by enumerating the 512 states (``physml.ising.all_states``). The project's training set is
    the default: ``N_TRAIN`` = 2000 configurations at ``TEMPERATURE`` = 2.5. ``seed`` is an int
    or a ``numpy.random.Generator``; no int seed gives the held-out set of the checks.
    Convert to the RBM's units with ``physml.rbm.spins_to_binary`` (:math:`x = (1 + s)/2`).
    """
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    T = _check_temperature(T)
    return _draw(n_samples, T, as_rng(seed))


@functools.cache
def _held_out(T: float) -> np.ndarray:
    spins = _draw(N_HELD_OUT, T, np.random.default_rng(list(_HELD_OUT_ENTROPY)))
    units = (spins.reshape(-1, N_SPINS).astype(float) + 1.0) / 2.0
    units.setflags(write=False)
    return units


def binarised_digits(threshold: float = 8.0) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1797 8×8 handwritten digits as 0/1 pixels and their labels.

    Returns ``(x, labels)``: ``x`` of shape (1797, 64), 1 where the grey value (0 to 16)
    is at least ``threshold``, else 0; ``labels`` the digits 0-9 (int). The data ship with
    scikit-learn (``sklearn.datasets.load_digits``); nothing is downloaded.
    """
    threshold = check_scalar(threshold, "threshold", minimum=0.0, maximum=16.0, include_min=False)
    from sklearn.datasets import load_digits

    digits = load_digits()
    return (digits.data >= threshold).astype(float), digits.target.astype(int)


# --- the RBM's exact log-likelihood ------------------------------------------------------------


def _rbm_params(W, a, b) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    W = as_float_array(W, "W", ndim=2, nonempty=True)
    a = as_float_array(a, "a", ndim=1, nonempty=True)
    b = as_float_array(b, "b", ndim=1, nonempty=True)
    if W.shape[0] != N_SPINS:
        raise ValueError(f"W must have shape (9, n_hidden): row i is visible unit i = 3 r + c, got {W.shape}")
    if a.shape != (N_SPINS,):
        raise ValueError(f"a must hold the 9 visible biases, got shape {a.shape}")
    if b.shape != (W.shape[1],):
        raise ValueError(
            f"b must hold one bias per hidden unit, {W.shape[1]} (the columns of W), got {b.shape}"
        )
    return W, a, b


def _softplus(t: np.ndarray) -> np.ndarray:
    return np.maximum(t, 0.0) + np.log1p(np.exp(-np.abs(t)))


def _rbm_log_p(W: np.ndarray, a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    r"""Exact :math:`\log P(\boldsymbol x)` of the binary–binary RBM for the rows of ``x``,

    .. math::

        \log P(\boldsymbol x) = \boldsymbol a^\top\boldsymbol x
            + \sum_j \log\big(1 + e^{b_j + (\boldsymbol x^\top\boldsymbol W)_j}\big) - \log Z,
        \qquad
        \log Z = \log\sum_{\boldsymbol v\in\{0,1\}^9} e^{\boldsymbol a^\top\boldsymbol v}
            \prod_j\big(1 + e^{b_j + (\boldsymbol v^\top\boldsymbol W)_j}\big),

    the hidden units summed analytically and the 512 visible states enumerated."""
    units = _all_units()

    def unnormalised(v):
        return v @ a + _softplus(b + v @ W).sum(axis=1)

    return unnormalised(x) - logsumexp(unnormalised(units))


def _as_spins(spins, name: str) -> np.ndarray:
    """±1 spins of shape (n, 3, 3) or (n, 9) as 0/1 units (n, 9)."""
    s = as_float_array(spins, name, ndim=(2, 3), nonempty=True)
    if s.shape[1:] not in ((L, L), (N_SPINS,)):
        raise ValueError(f"{name} must have shape (n, 3, 3) or (n, 9), got {s.shape}")
    if not np.all(np.abs(s) == 1):
        raise ValueError(f"{name} must contain only -1 and +1 (spins, not the 0/1 units: s = 2 x - 1)")
    return (s.reshape(s.shape[0], N_SPINS) + 1.0) / 2.0


def _close(value: float, reference: float) -> bool:
    return abs(value - reference) <= LOG_LIKELIHOOD_RTOL * abs(reference)


def check_log_likelihood(W, a, b, log_likelihood: float, spins) -> Milestone:
    r"""Milestone: the group's exact mean log-likelihood of their RBM on the configurations ``spins``.

    ``W`` (9, N), ``a`` (9), ``b`` (N) are their RBM's parameters (module docstring for the
    conventions), ``log_likelihood`` the number they computed,
    :math:`\frac1n\sum_{k}\log P(\boldsymbol x_k)`, for the configurations ``spins``
    (:math:`\pm1`, shape (n, 3, 3) or (n, 9)). The check computes it by enumeration,

    .. math::

        \log P(\boldsymbol x) = \boldsymbol a^\top\boldsymbol x
            + \sum_j \log\big(1 + e^{b_j + (\boldsymbol x^\top\boldsymbol W)_j}\big) - \log Z,
        \quad
        \log Z = \log\sum_{\boldsymbol v} e^{\boldsymbol a^\top\boldsymbol v}
            \prod_j\big(1 + e^{b_j + (\boldsymbol v^\top\boldsymbol W)_j}\big),

    (512 visible states, hidden units summed analytically), and the milestone is reached
    when the two agree to ``LOG_LIKELIHOOD_RTOL`` = :math:`10^{-6}` relative (float64 rounding
    of the sum is about :math:`10^{-14}`). When they do not, the hint names the usual slip
    that the group's number matches (±1 units, no :math:`\log Z`, a sum instead of a mean,
    ``W`` transposed), if one does.
    """
    W, a, b = _rbm_params(W, a, b)
    value = float(check_scalar(log_likelihood, "log_likelihood"))
    x = _as_spins(spins, "spins")
    exact = _rbm_log_p(W, a, b, x)
    passed = _close(value, float(exact.mean()))
    hint = (
        "your number does not agree with the exact mean log-likelihood of these parameters. "
        "Sum over all 2^9 = 512 visible states with the hidden units summed analytically, "
        "log Z = log sum_v exp(a.v) prod_j (1 + exp(b_j + (v W)_j)), use log-sum-exp and float64, "
        "and subtract log Z from the mean of a.x + sum_j log(1 + exp(b_j + (x W)_j))."
    )
    slip = _log_likelihood_slip(W, a, b, x, value)
    if not passed and slip:
        hint = f"your number matches {slip}. " + hint
    return milestone(
        "exact log-likelihood of your RBM on the 3x3 Ising data",
        passed,
        "your log-likelihood agrees with the exact enumeration to 1e-6.",
        hint,
        your_log_likelihood=value,
        hidden_units=str(W.shape[1]),
        configurations=str(x.shape[0]),
    )


def _log_likelihood_slip(W, a, b, x, value: float) -> str:
    """The name of a common mistake whose result equals ``value``, or ``""``."""
    units = _all_units()
    log_z = logsumexp(units @ a + _softplus(b + units @ W).sum(axis=1))
    unnormalised = x @ a + _softplus(b + x @ W).sum(axis=1)
    pm_units, pm_x = 2 * units - 1, 2 * x - 1
    pm_log_z = logsumexp(pm_units @ a + _softplus(b + pm_units @ W).sum(axis=1))
    pm_unnormalised = float(np.mean(pm_x @ a + _softplus(b + pm_x @ W).sum(axis=1)))
    pm = "+-1 spins fed to the RBM (this project's units are x = (1 + s)/2 in {0, 1})"
    candidates = [
        (pm, pm_unnormalised - pm_log_z),
        (pm, pm_unnormalised - log_z),
        ("the mean without log Z (the unnormalised log-likelihood)", float(unnormalised.mean())),
        ("the sum over the configurations, not the mean", float((unnormalised - log_z).sum())),
    ]
    if W.shape[1] == N_SPINS:
        candidates.append(
            (
                "W transposed (W[i, j] couples visible unit i and hidden unit j)",
                float(np.mean(_rbm_log_p(W.T, a, b, x))),
            )
        )
    for name, candidate in candidates:
        if _close(value, candidate):
            return name
    return ""


def _independent_log_p(x: np.ndarray) -> np.ndarray:
    r"""Per-row log-probability under the product of Bernoulli marginals fitted to ``x`` itself,
    :math:`\sum_i x_i\log\bar x_i + (1 - x_i)\log(1 - \bar x_i)` (a fit in hindsight: the best
    independent-spin model of these rows)."""
    mu = np.clip(x.mean(axis=0), 1e-12, 1 - 1e-12)
    return x @ np.log(mu) + (1 - x) @ np.log1p(-mu)


def check_beats_independent(W, a, b, T: float = TEMPERATURE) -> Milestone:
    r"""Milestone: the group's RBM beats the independent-spin model on held-out configurations.

    On ``N_HELD_OUT`` = 5000 held-out configurations at temperature ``T`` (drawn exactly, a
    fixed set that no seed of :func:`ising_data` reproduces), the check computes per
    configuration the exact :math:`\log P_{\text{RBM}}(\boldsymbol x_k)` of the group's
    parameters (:func:`check_log_likelihood`) and :math:`\log P_{\text{ind}}(\boldsymbol x_k)` of
    the product of Bernoulli marginals fitted to the held-out set itself (the best
    independent-spin model of these data, an optimistic baseline). With
    :math:`d_k = \log P_{\text{RBM}} - \log P_{\text{ind}}` the milestone is reached when

    .. math:: \bar d > 3\,\hat\sigma_d/\sqrt n,

    the RBM's held-out log-likelihood is higher by more than three standard errors of the
    paired difference. An RBM with :math:`\boldsymbol W = 0` *is* an independent-spin model
    and cannot pass.
    """
    W, a, b = _rbm_params(W, a, b)
    T = _check_temperature(T)
    x = _held_out(T)
    d = _rbm_log_p(W, a, b, x) - _independent_log_p(x)
    margin = float(d.mean()) / (float(d.std(ddof=1)) / math.sqrt(d.size)) if d.std() > 0 else -math.inf
    passed = bool(margin > _K)
    return milestone(
        f"your RBM against the independent-spin model, held-out configurations at T = {T:g}",
        passed,
        "your RBM's exact held-out log-likelihood is higher than that of the best product of "
        "Bernoulli marginals by more than three standard errors.",
        "your RBM does not beat the independent-spin model (each spin +1 with its own "
        "probability, no correlations) on held-out data by three standard errors. Check the "
        "sign of your update (gradient ascent on the log-likelihood: data minus model "
        "averages), train longer or with more hidden units, and that you trained at this T.",
        your_held_out_log_likelihood=float(np.mean(_rbm_log_p(W, a, b, x))),
        held_out_configurations=str(x.shape[0]),
    )


# --- sampled observables -----------------------------------------------------------------------


def check_sample_observables(samples, T: float = TEMPERATURE) -> Milestone:
    r"""Milestone: the energy and :math:`|M|` of the group's generated configurations.

    ``samples`` (:math:`\pm1`, shape (n, 3, 3) or (n, 9), :math:`n \ge` ``MIN_SAMPLES``) are
    configurations drawn from their model, in the order drawn (one chain or many). For
    :math:`A = H/9` and :math:`A = |M|/9` the check takes their sample mean
    :math:`\bar A` and its standard error :math:`\sigma_{\bar A}` by blocking
    (``physml.stats.blocking``: right for correlated chains too) and compares with the exact
    Boltzmann average :math:`\langle A\rangle_T` (enumeration, ``physml.ising.exact``). The
    milestone is reached when for both

    .. math::

        |\bar A - \langle A\rangle_T|
        \le 3\sqrt{\sigma_{\bar A}^2 + \operatorname{Var}_T(A)/N_{\text{train}}},

    where the second term is the sampling error of the averages of a training set of
    ``N_TRAIN`` = 2000 configurations: a model fitted to it can reproduce the exact averages
    only to within that error, however many samples it then draws.
    """
    T = _check_temperature(T)
    x = _as_spins(samples, "samples")
    n = x.shape[0]
    from .. import stats

    spins = (2 * x - 1).reshape(n, L, L)
    series = {
        "energy per spin": ising.energy(spins) / N_SPINS,
        "|M| per spin": np.abs(ising.magnetization(spins)) / N_SPINS,
    }
    shown = {"samples": str(n)}
    if n < MIN_SAMPLES:
        return milestone(
            f"energy and |M| of your samples at T = {T:g}",
            False,
            "",
            f"give at least {MIN_SAMPLES} sampled configurations: with fewer the standard "
            "errors are too large for the comparison to say anything.",
            **shown,
        )
    _, observables, log_p = _boltzmann(T)
    p = np.exp(log_p)
    missed = []
    for k, (label, values) in enumerate(series.items()):
        result = stats.blocking(values)
        exact_mean = float(p @ observables[k])
        train_var = float(p @ (observables[k] - exact_mean) ** 2) / N_TRAIN
        if abs(result.mean - exact_mean) > _K * math.sqrt(result.error**2 + train_var):
            missed.append(label)
        shown[label] = f"{result.mean:.4f} +- {result.error:.4f}"
    hint = (
        f"the sample mean of {' and '.join(missed)} lies more than three standard errors from "
        "the exact Boltzmann average. Run the Gibbs chains longer (discard a burn-in), start "
        "them from random configurations, check that you convert units to spins with s = 2 x - 1, "
        "and that the model samples the temperature it was trained at."
    )
    return milestone(
        f"energy and |M| of your samples at T = {T:g}",
        not missed,
        "the energy and |M| per spin of your samples agree with the exact Boltzmann averages "
        "within three standard errors.",
        hint,
        **shown,
    )


# --- generated digits and the judge ----------------------------------------------------------


def _digit_samples(images, labels) -> tuple[np.ndarray, np.ndarray]:
    x = as_float_array(images, "images", ndim=(2, 3), nonempty=True)
    x = x.reshape(x.shape[0], -1)
    if x.shape[1] != 64:
        raise ValueError(f"images must hold 8x8 = 64 pixels per image, got shape {np.shape(images)}")
    if x.min() < 0 or x.max() > 16:
        raise ValueError(
            "images must be grey values from 0 to 16, as in load_digits (multiply 0/1 pixels by 16)"
        )
    y = as_float_array(labels, "labels", ndim=1, nonempty=True)
    if y.shape[0] != x.shape[0]:
        raise ValueError(f"labels must have one entry per image, got {y.shape[0]} for {x.shape[0]} images")
    if not np.all((y == np.round(y)) & (y >= 0) & (y <= 9)):
        raise ValueError("labels must be the intended digits, integers from 0 to 9")
    return x, y.astype(int)


def judge_confusion(images, labels) -> np.ndarray:
    r"""Confusion matrix of the judge classifier on generated digits, shape (10, 10), ints.

    ``images`` (n, 64) or (n, 8, 8) are grey values from 0 to 16 (as ``load_digits``; scale
    0/1 or probability images by 16), ``labels`` the digits they were generated for. The
    judge is ``physml.metrics.digits_judge``, an SVC trained on real digits (chapter
    *Generative modelling*); entry :math:`C_{yc}` counts the images generated as :math:`y`
    that it classifies as :math:`c`.
    """
    from .. import metrics

    x, y = _digit_samples(images, labels)
    svc, _ = metrics.digits_judge(0)
    predicted = svc.predict(x / metrics.DIGIT_PIXEL_MAX)
    confusion = np.zeros((10, 10), dtype=int)
    np.add.at(confusion, (y, predicted), 1)
    return confusion


def _wilson_lower(k: int, n: int, z: float) -> float:
    r"""Lower end of the Wilson score interval of a binomial proportion :math:`k/n` at :math:`z` sigma."""
    p = k / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n)


@functools.cache
def _real_diversity() -> float:
    from sklearn.datasets import load_digits

    digits = load_digits()
    return float(np.mean([digits.data[digits.target == c].var(axis=0).mean() for c in range(10)]))


def check_digit_samples(images, labels) -> Milestone:
    r"""Milestone: a judge classifier recognises the group's generated digits, which are diverse.

    ``images`` (n, 64) or (n, 8, 8), grey values 0 to 16, are digits generated for the
    intended classes ``labels`` (a class-conditional model, or one model per class), at least
    ``MIN_PER_CLASS`` = 20 of each digit. The judge (:func:`judge_confusion`) classifies them;
    with :math:`k` of :math:`n` recognised as intended the milestone is reached when

    * the lower end of the 3-sigma Wilson score interval of the accuracy :math:`k/n` is at
      least ``ACCURACY_TARGET`` = 0.8, and
    * the within-class pixel variance of the samples, averaged over pixels and classes, is
      at least ``DIVERSITY_TARGET`` = 1/4 of that of the real digits (a model that repeats
      one image per class is recognised perfectly and has none).
    """
    x, y = _digit_samples(images, labels)
    counts = np.bincount(y, minlength=10)
    confusion = judge_confusion(x, y)
    n, k = int(x.shape[0]), int(np.trace(confusion))
    accuracy = k / n
    recall = np.diag(confusion) / np.maximum(counts, 1)
    diversity = float(np.mean([x[y == c].var(axis=0).mean() if counts[c] else 0.0 for c in range(10)]))
    ratio = diversity / _real_diversity()
    shown = {
        "judge accuracy": f"{accuracy:.3f} +- {math.sqrt(accuracy * (1 - accuracy) / n):.3f} (binomial)",
        "lowest class recall": f"{recall.min():.2f} (digit {int(recall.argmin())})",
        "within-class variance / real digits'": f"{ratio:.3f}",
        "images": str(n),
    }
    name = "judge classifier on your generated digits"
    if counts.min() < MIN_PER_CLASS:
        return milestone(
            name,
            False,
            "",
            f"generate at least {MIN_PER_CLASS} digits of every class 0-9 (digit "
            f"{int(counts.argmin())} has {int(counts.min())}).",
            **shown,
        )
    accurate = _wilson_lower(k, n, _K) >= ACCURACY_TARGET
    diverse = ratio >= DIVERSITY_TARGET
    if not accurate:
        hint = (
            f"the judge does not recognise enough of your digits as intended (the accuracy's "
            f"3-sigma lower bound must reach {ACCURACY_TARGET:g}). Look at the confusion matrix: "
            "which digits are confused? Train longer, run the Gibbs chains longer, check that the "
            "images are in load_digits' grey scale (0 to 16) and that each label is the class "
            "the image was generated for."
        )
    else:
        hint = (
            f"your digits vary too little within a class (below {DIVERSITY_TARGET:g} of the real "
            "digits' pixel variance): the model repeats a few images. Sample from random starts "
            "with independent chains, and do not return the class mean or p(x|h) of one chain."
        )
    return milestone(
        name,
        accurate and diverse,
        "the judge recognises your digits as intended, and they vary within a class.",
        hint,
        **shown,
    )


# --- the template ------------------------------------------------------------------------------

_SOLUTION = '''"""Your solution of the generative-models project (an RBM on the 3x3 Ising model, and digits).

The milestone tests (tests/test_milestones.py) call these functions. Keep their names,
arguments and return values; write the code they need here or in your own modules.

Conventions (as physml.rbm.BinaryRBM): visible units x_i = (1 + s_i)/2 in {0, 1}, where s_i = +-1
is the spin at row r, column c and i = 3 r + c (spins.reshape(n, 9)); hidden units h_j in {0, 1};
W has shape (9, n_hidden), a shape (9,), b shape (n_hidden,);
E(x, h) = -a.x - b.h - x.W.h and P(x) = sum_h exp(-E(x, h)) / Z.
"""

import numpy as np


def train_ising_rbm(spins: np.ndarray, n_hidden: int, seed: int):
    """Train a binary-binary RBM on the configurations spins (shape (n, 3, 3), entries +-1).

    Return its parameters (W, a, b): float arrays of shapes (9, n_hidden), (9,), (n_hidden,).
    """
    raise NotImplementedError("train_ising_rbm: train your RBM (CD-k, PCD or the exact gradient)")


def log_likelihood(W: np.ndarray, a: np.ndarray, b: np.ndarray, spins: np.ndarray) -> float:
    """The exact mean log-likelihood (1/n) sum_k log P(x_k) of the RBM on spins (n, 3, 3).

    Compute log Z by enumerating the 2^9 visible states, with the hidden units summed
    analytically. Return a float.
    """
    raise NotImplementedError("log_likelihood: compute log P(x) exactly")


def sample_ising(W: np.ndarray, a: np.ndarray, b: np.ndarray, n_samples: int, seed: int) -> np.ndarray:
    """Draw n_samples configurations from the RBM by block Gibbs sampling.

    Return spins +-1 of shape (n_samples, 3, 3) (s = 2 x - 1), in the order drawn.
    """
    raise NotImplementedError("sample_ising: run Gibbs chains")


def generate_digits(n_per_class: int, seed: int):
    """Train a generative model of the 8x8 digits (an RBM per class, a conditional VAE, ...)
    and generate n_per_class images of every digit 0-9.

    Return (images, labels): images of shape (10 * n_per_class, 64) with grey values from
    0 to 16 as in sklearn's load_digits (multiply 0/1 pixels or probabilities by 16), and
    labels (10 * n_per_class,) the digit each image was generated for.
    """
    raise NotImplementedError("generate_digits: train a model and sample digits")
'''

_TESTS = '''"""The milestones of the generative-models project: python -m pytest tests."""

import functools

import solution
from physml.projects import generative as gen

N_HIDDEN = 8


@functools.cache
def trained():
    """Your RBM trained on the project's data set (2000 configurations at T = 2.5), once."""
    return solution.train_ising_rbm(gen.ising_data(), n_hidden=N_HIDDEN, seed=1)


def test_exact_log_likelihood():
    W, a, b = trained()
    data = gen.ising_data()
    value = solution.log_likelihood(W, a, b, data)
    m = gen.check_log_likelihood(W, a, b, value, data)
    assert m.passed, str(m)


def test_beats_the_independent_spin_model():
    m = gen.check_beats_independent(*trained())
    assert m.passed, str(m)


def test_samples_energy_and_magnetisation():
    samples = solution.sample_ising(*trained(), n_samples=4000, seed=2)
    m = gen.check_sample_observables(samples)
    assert m.passed, str(m)


def test_judge_recognises_generated_digits():
    images, labels = solution.generate_digits(n_per_class=30, seed=3)
    m = gen.check_digit_samples(images, labels)
    assert m.passed, str(m)
'''

TEMPLATE = Template(
    path="generative",
    title="Generative models: a Boltzmann machine judged exactly, and generated digits",
    question=(
        "How well does a restricted Boltzmann machine learn the Boltzmann distribution of a "
        "small Ising model, measured exactly by its log-likelihood and by the physics of its "
        "samples, and how do an RBM and a variational autoencoder compare as generators of "
        "handwritten digits, by likelihood, by a judge classifier and by sample quality?"
    ),
    tasks=(
        "Derive the free energy of the binary-binary RBM (hidden units summed out), the "
        "log-likelihood gradient (data minus model averages) and the exact log Z of a "
        "9-spin model by enumeration. Generate the 3x3 Ising data at T = 2.5.",
        "Train an RBM on the Ising data (exact gradient, CD-k and PCD); compute its exact "
        "log-likelihood on training and held-out data against the independent-spin baseline "
        "and the exact entropy of the Boltzmann distribution.",
        "Sample the trained RBM by block Gibbs sampling; compare the energy, |M| and their "
        "histograms with the exact Boltzmann averages, with blocking errors.",
        "Train a generative model of the 8x8 digits (an RBM per class or a conditional VAE, "
        "with its ELBO derived); judge the generated digits with a classifier trained on real "
        "digits (confusion matrix, accuracy with binomial error, diversity).",
        "Open study: compare two generative models (RBM, VAE, a GAN or a mixture model) on "
        "the same data by likelihood or ELBO, sample-based judges (MMD, judge classifier) and "
        "physical observables; vary the number of hidden units, the temperature, k in CD-k.",
    ),
    solution=_SOLUTION,
    tests=_TESTS,
)
