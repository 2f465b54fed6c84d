r"""Project path *Bayesian learning*: a Gaussian-process and Bayesian study of a damped oscillator.

The page ``projects/bayesian.md`` (label ``project-bayesian``) sets the project; it builds on
the chapters *Bayesian statistics* and *Gaussian processes*. This module gives the group

* the data: noisy measurements of a damped oscillator,

  .. math:: y_i = A e^{-\gamma t_i}\cos(\omega t_i + \phi) + \epsilon_i,
            \qquad \epsilon_i\sim\mathcal N(0, \sigma^2),

  with :math:`A = 1`, :math:`\gamma = 0.3`, :math:`\omega = 2`, :math:`\phi = 0.5` and the
  known noise :math:`\sigma = 0.1` (:func:`oscillator_data`, seeded), the times of a held-out
  set (:func:`held_out_times`), and the design matrix of the linear model of the signal with
  known :math:`\gamma, \omega` (:func:`design_matrix`);
* the milestone checks, which take the group's own results: :func:`check_gp_posterior`
  (their GP's posterior mean and standard deviation), :func:`check_log_marginal_likelihood`,
  :func:`check_evidence_maximum` (their type-II maximum-likelihood hyperparameters),
  :func:`check_coverage` (their 95 % predictive intervals on the held-out set) and
  :func:`check_mcmc_posterior` (their Metropolis estimate of a Gaussian posterior);
* ``TEMPLATE``, what ``python -m physml.project new bayesian <folder>`` writes.

**Conventions.** The kernel is the squared exponential of ``physml.gp.RBF``,
:math:`k(t, t') = \sigma_f^2 \exp\big(-(t - t')^2/(2\ell^2)\big)`, with ``signal_variance``
:math:`\sigma_f^2`, ``length_scale`` :math:`\ell`, the noise *variance* ``noise_variance``
:math:`\sigma_n^2`, and a zero prior mean (the targets are not centred).

A check says whether a milestone is reached and why; it never shows the reference value
it compares with.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .. import bayes, gp
from .._validate import as_float_array, as_rng, check_int, check_same_length, check_scalar
from . import Milestone, Template, milestone

__all__ = [
    "AMPLITUDE",
    "DAMPING",
    "FREQUENCY",
    "PHASE",
    "SIGMA",
    "T_MAX",
    "N_TRAIN",
    "N_HELD_OUT",
    "LEVEL",
    "TAU",
    "RTOL",
    "GRADIENT_TOL",
    "EVIDENCE_TOL",
    "MC_ERROR_FRACTION",
    "TEMPLATE",
    "oscillator",
    "oscillator_data",
    "held_out_times",
    "design_matrix",
    "check_gp_posterior",
    "check_log_marginal_likelihood",
    "check_evidence_maximum",
    "check_coverage",
    "check_mcmc_posterior",
]

#: The signal A exp(-gamma t) cos(omega t + phi).
AMPLITUDE = 1.0
DAMPING = 0.3
FREQUENCY = 2.0
PHASE = 0.5
#: The known standard deviation of the measurement noise.
SIGMA = 0.1
#: Measurements are taken at times uniform in [0, T_MAX].
T_MAX = 10.0
#: Size of the project's training set (the default of :func:`oscillator_data`).
N_TRAIN = 100
#: Size of the held-out set of :func:`check_coverage`.
N_HELD_OUT = 400
#: Entropy of the held-out set: a pair, so that no int seed of :func:`oscillator_data` gives it.
_HELD_OUT_ENTROPY = (5429, 4)
#: Level of the predictive intervals of :func:`check_coverage`.
LEVEL = 0.95
#: Prior standard deviation of each coefficient of the linear model (:func:`check_mcmc_posterior`).
TAU = 1.0
#: Agreement asked of a posterior mean and standard deviation (in units of sqrt(signal_variance))
#: and of a log marginal likelihood (relative): float64 Cholesky solves of these well-conditioned
#: 100 x 100 systems agree to about 1e-12; 1e-6 leaves room for any float64 implementation.
RTOL = 1e-6
#: Largest derivative of the log evidence with respect to ln signal_variance and ln length_scale
#: (nats per e-fold) at a maximum: what an optimiser's default tolerance reaches, a grid does not.
GRADIENT_TOL = 1e-2
#: How far (nats) below the best maximum of the log evidence a group's maximum may lie.
EVIDENCE_TOL = 1e-3
#: The Monte Carlo error of a posterior mean must be below this fraction of the posterior
#: standard deviation, so that the 3-sigma comparison can fail.
MC_ERROR_FRACTION = 0.1
#: Number of standard errors of the sampled checks.
_K = 3.0


# --- data ------------------------------------------------------------------------------------


def _times(t, name: str) -> np.ndarray:
    return as_float_array(t, name, ndim=1, nonempty=True)


def oscillator(t) -> np.ndarray:
    r"""The noise-free signal :math:`f(t) = A e^{-\gamma t}\cos(\omega t + \phi)` at the times ``t``."""
    t = _times(t, "t")
    return _signal(t)


def _signal(t: np.ndarray) -> np.ndarray:
    return AMPLITUDE * np.exp(-DAMPING * t) * np.cos(FREQUENCY * t + PHASE)


def _measure(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    t = np.sort(rng.uniform(0.0, T_MAX, n))
    return t, _signal(t) + SIGMA * rng.standard_normal(n)


def oscillator_data(n_samples: int = N_TRAIN, seed=0) -> tuple[np.ndarray, np.ndarray]:
    r"""``n_samples`` noisy measurements :math:`(t_i, y_i)` of the damped oscillator, sorted in time.

    :math:`t_i` uniform in :math:`[0, 10]`, :math:`y_i = f(t_i) + \epsilon_i` with
    :math:`f` = :func:`oscillator` and :math:`\epsilon_i\sim\mathcal N(0, \sigma^2)`,
    :math:`\sigma` = ``SIGMA`` = 0.1. The project's training set is the default,
    ``N_TRAIN`` = 100 measurements with ``seed=0``; no int seed gives the held-out set.
    """
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    return _measure(n_samples, as_rng(seed))


@functools.cache
def _held_out() -> tuple[np.ndarray, np.ndarray]:
    t, y = _measure(N_HELD_OUT, np.random.default_rng(list(_HELD_OUT_ENTROPY)))
    t.setflags(write=False)
    y.setflags(write=False)
    return t, y


def held_out_times() -> np.ndarray:
    """The times of the ``N_HELD_OUT`` = 400 held-out measurements, sorted, in [0, 10].

    Predict an interval for each; :func:`check_coverage` holds the measured values.
    """
    return _held_out()[0].copy()


def design_matrix(t) -> np.ndarray:
    r"""The design matrix of the linear model of the signal with known :math:`\gamma` and :math:`\omega`,

    .. math:: f(t) = \theta_0\, e^{-\gamma t}\cos\omega t + \theta_1\, e^{-\gamma t}\sin\omega t,

    (:math:`\theta_0 = A\cos\phi`, :math:`\theta_1 = -A\sin\phi`): shape (n, 2), columns
    :math:`e^{-\gamma t}\cos\omega t` and :math:`e^{-\gamma t}\sin\omega t`.
    """
    t = _times(t, "t")
    return _design(t)


def _design(t: np.ndarray) -> np.ndarray:
    decay = np.exp(-DAMPING * t)
    return np.column_stack([decay * np.cos(FREQUENCY * t), decay * np.sin(FREQUENCY * t)])


# --- the Gaussian process ----------------------------------------------------------------------


def _hyper(length_scale, signal_variance, noise_variance) -> tuple[float, float, float]:
    ell = float(check_scalar(length_scale, "length_scale", minimum=0.0, include_min=False))
    var = float(check_scalar(signal_variance, "signal_variance", minimum=0.0, include_min=False))
    noise = float(check_scalar(noise_variance, "noise_variance", minimum=0.0, include_min=False))
    return ell, var, noise


def _training(t_train, y_train) -> tuple[np.ndarray, np.ndarray]:
    t = _times(t_train, "t_train")
    y = as_float_array(y_train, "y_train", ndim=1, nonempty=True)
    check_same_length(t, "t_train", y, "y_train")
    return t, y


def _posterior(t, y, t_star, ell, var, noise) -> tuple[np.ndarray, np.ndarray]:
    return gp.GaussianProcess(gp.RBF(ell, var), noise).fit(t, y).predict(t_star)


def _agrees(values: np.ndarray, reference: np.ndarray, scale: float) -> bool:
    return bool(np.max(np.abs(values - reference)) <= RTOL * scale)


def check_gp_posterior(
    t_train, y_train, t_test, mean, std, length_scale: float, signal_variance: float, noise_variance: float
) -> Milestone:
    r"""Milestone: the group's GP posterior mean and standard deviation at the times ``t_test``.

    ``mean`` and ``std`` are their posterior mean and standard deviation of the *latent*
    function :math:`f(t_*)` (noise not included) at ``t_test``, after conditioning on
    ``(t_train, y_train)`` with the kernel and noise of the stated hyperparameters (module
    docstring). With :math:`\boldsymbol K_y = \boldsymbol K + \sigma_n^2\boldsymbol I`,

    .. math::

        m(t_*) = \boldsymbol k_*^\top\boldsymbol K_y^{-1}\boldsymbol y, \qquad
        s^2(t_*) = k(t_*, t_*) - \boldsymbol k_*^\top\boldsymbol K_y^{-1}\boldsymbol k_*,

    computed by ``physml.gp.GaussianProcess`` (Cholesky). The milestone is reached when both
    agree at every test point to ``RTOL`` = :math:`10^{-6}` times :math:`\sigma_f`. The hint
    names the usual slip the group's numbers match (noise in the standard deviation, the
    variance returned, centred targets, :math:`\sigma_n` for :math:`\sigma_n^2`, a kernel
    without the 2 in :math:`2\ell^2`), if one does.
    """
    t, y = _training(t_train, y_train)
    t_star = _times(t_test, "t_test")
    m = as_float_array(mean, "mean", ndim=1, nonempty=True)
    s = as_float_array(std, "std", ndim=1, nonempty=True)
    check_same_length(t_star, "t_test", m, "mean")
    check_same_length(t_star, "t_test", s, "std")
    if np.any(s < 0):
        raise ValueError("std must be non-negative (a standard deviation, not a log or a variance)")
    ell, var, noise = _hyper(length_scale, signal_variance, noise_variance)
    ref_m, ref_s = _posterior(t, y, t_star, ell, var, noise)
    scale = math.sqrt(var)
    mean_ok, std_ok = _agrees(m, ref_m, scale), _agrees(s, ref_s, scale)
    wrong = [w for w, ok in (("mean", mean_ok), ("standard deviation", std_ok)) if not ok]
    hint = (
        f"your posterior {' and '.join(wrong)} {'do' if len(wrong) > 1 else 'does'} not agree with "
        "the exact GP posterior for these hyperparameters. Factorise K_y = K + noise_variance I "
        "= L L^T, solve with L (no inverse), use k(t, t') = signal_variance exp(-(t - t')^2 / "
        "(2 length_scale^2)) and a zero prior mean."
    )
    slips = []
    if not std_ok:
        if _agrees(s, np.sqrt(ref_s**2 + noise), scale):
            slips.append("the standard deviation of a new measurement (the noise added), not of f")
        elif _agrees(s, ref_s**2, scale):
            slips.append("the posterior variance, not the standard deviation")
    if not mean_ok:
        centre = float(np.mean(y))
        centred = _posterior(t, y - centre, t_star, ell, var, noise)[0]
        if _agrees(m, centred, scale) or _agrees(m, centred + centre, scale):
            slips.append("a GP of centred targets (y - mean(y)); this project's prior mean is zero")
        else:
            for label, args in (
                ("noise_variance used as a standard deviation", (ell, var, math.sqrt(noise))),
                (
                    "the kernel exp(-(t - t')^2 / length_scale^2), without the 2",
                    (ell / math.sqrt(2), var, noise),
                ),
            ):
                if _agrees(m, _posterior(t, y, t_star, *args)[0], scale):
                    slips.append(label)
                    break
    if slips:
        hint = "your numbers match " + "; ".join(slips) + ". " + hint
    return milestone(
        "GP posterior mean and standard deviation",
        mean_ok and std_ok,
        "your posterior mean and standard deviation agree with the exact GP posterior to 1e-6.",
        hint,
        test_points=str(t_star.size),
        training_points=str(t.size),
    )


def _reference_lml(t, y, ell, var, noise, gradient: bool = False):
    return gp.log_marginal_likelihood(gp.RBF(ell, var), noise, t, y, gradient=gradient)


def check_log_marginal_likelihood(
    t_train, y_train, value: float, length_scale: float, signal_variance: float, noise_variance: float
) -> Milestone:
    r"""Milestone: the group's log marginal likelihood (log evidence) of ``(t_train, y_train)``.

    ``value`` is their

    .. math::

        \ln p(\boldsymbol y\mid\boldsymbol t) = -\tfrac12\boldsymbol y^\top\boldsymbol K_y^{-1}\boldsymbol y
            - \tfrac12\ln\det\boldsymbol K_y - \tfrac n2\ln 2\pi,

    for the stated hyperparameters; the check computes it with
    ``physml.gp.log_marginal_likelihood`` and the milestone is reached when the two agree to
    ``RTOL`` = :math:`10^{-6}` relative (of :math:`\max(1, |\ln p|)`). The hint names the slip
    the group's number matches (the sign, the constant, the factor 1/2 of the log
    determinant), if one does.
    """
    t, y = _training(t_train, y_train)
    value = float(check_scalar(value, "value"))
    ell, var, noise = _hyper(length_scale, signal_variance, noise_variance)
    ref = _reference_lml(t, y, ell, var, noise)
    tol = RTOL * max(1.0, abs(ref))
    passed = abs(value - ref) <= tol
    hint = (
        "your log marginal likelihood does not agree with the exact one for these "
        "hyperparameters. With K_y = L L^T: ln p = -y.alpha/2 - sum_i ln L_ii - (n/2) ln(2 pi), "
        "alpha = K_y^{-1} y (two triangular solves); compute in float64."
    )
    n = t.size
    log_det_half = ref + 0.5 * float(y @ gp.GaussianProcess(gp.RBF(ell, var), noise).fit(t, y).alpha_)
    log_det_half += 0.5 * n * math.log(2 * math.pi)  # = -sum ln L_ii
    slips = {
        "minus the log evidence (a cost to minimise)": -ref,
        "the log evidence without the constant -(n/2) ln(2 pi)": ref + 0.5 * n * math.log(2 * math.pi),
        "the log evidence with ln det K_y where (1/2) ln det K_y belongs": ref + log_det_half,
    }
    for label, candidate in slips.items():
        if not passed and abs(value - candidate) <= RTOL * max(1.0, abs(candidate)):
            hint = f"your number matches {label}. " + hint
            break
    return milestone(
        "log marginal likelihood of the GP",
        passed,
        "your log marginal likelihood agrees with the exact one to 1e-6.",
        hint,
        your_log_marginal_likelihood=value,
        training_points=str(n),
    )


def check_evidence_maximum(
    t_train, y_train, length_scale: float, signal_variance: float, noise_variance: float
) -> Milestone:
    r"""Milestone: the group's hyperparameters maximise the log evidence (type-II maximum likelihood).

    With the noise variance held at ``noise_variance`` (the known :math:`\sigma^2` of the
    data), ``length_scale`` and ``signal_variance`` must be the best maximum of
    :math:`\ln p(\boldsymbol y\mid\boldsymbol t, \ell, \sigma_f^2)`. The milestone is reached when

    * the gradient with respect to :math:`(\ln\sigma_f^2, \ln\ell)` (analytic,
      ``physml.gp.log_marginal_likelihood``) is at most ``GRADIENT_TOL`` = 0.01 in each
      component (nats per e-fold: an optimiser's tolerance, not a grid's), and
    * the log evidence there is within ``EVIDENCE_TOL`` = :math:`10^{-3}` of the best of a
      multi-start L-BFGS fit (``physml.gp.fit_hyperparameters``: from the group's values
      and three random starts): not a worse local maximum.
    """
    t, y = _training(t_train, y_train)
    ell, var, noise = _hyper(length_scale, signal_variance, noise_variance)
    try:
        value, grad = _reference_lml(t, y, ell, var, noise, gradient=True)
    except gp.NotPositiveDefiniteError:
        raise ValueError(
            "noise_variance is too small for these inputs: K + noise_variance I is singular"
        ) from None
    best = gp.fit_hyperparameters(gp.RBF(ell, var), t, y, noise=noise, n_starts=4, seed=0)
    stationary = bool(np.max(np.abs(grad[:2])) <= GRADIENT_TOL)
    global_ = bool(value >= best.log_marginal_likelihood - EVIDENCE_TOL)
    if not stationary:
        hint = (
            "the log evidence is not at a maximum here: its derivative with respect to "
            "ln signal_variance or ln length_scale is not zero. Maximise it with an optimiser "
            "(scipy.optimize.minimize of minus ln p over the logarithms of the hyperparameters, "
            "with the analytic gradient), keeping noise_variance fixed."
        )
    else:
        hint = (
            "this is a maximum of the log evidence, but not the best one: start the optimiser "
            "from several points (short and long length scales) and keep the best."
        )
    return milestone(
        "hyperparameters at the maximum of the log evidence",
        stationary and global_,
        "your hyperparameters are at the best maximum of the log evidence.",
        hint,
        your_log_evidence=float(value),
        gradient_ln_signal_variance=float(grad[0]),
        gradient_ln_length_scale=float(grad[1]),
    )


def check_coverage(lower, upper) -> Milestone:
    r"""Milestone: the coverage of the group's 95 % predictive intervals on the held-out set.

    ``lower`` and ``upper`` (``N_HELD_OUT`` = 400 values each) bound their 95 % predictive
    interval of a *new measurement* :math:`y_*` at each of :func:`held_out_times`. The coverage
    :math:`c` is the fraction of the held-out measurements inside their interval; the
    milestone is reached when

    .. math:: |c - 0.95| \le 3\sqrt{0.95\cdot 0.05/400},

    three binomial standard errors of a calibrated interval's coverage.
    """
    lo = as_float_array(lower, "lower", ndim=1, nonempty=True)
    hi = as_float_array(upper, "upper", ndim=1, nonempty=True)
    for name, arr in (("lower", lo), ("upper", hi)):
        if arr.shape != (N_HELD_OUT,):
            raise ValueError(
                f"{name} must hold one value per held-out time ({N_HELD_OUT}), got shape {arr.shape}"
            )
    if np.any(hi < lo):
        raise ValueError("upper must not be below lower at any held-out time")
    y = _held_out()[1]
    inside = (y >= lo) & (y <= hi)
    coverage = float(inside.mean())
    error = math.sqrt(LEVEL * (1 - LEVEL) / N_HELD_OUT)
    passed = abs(coverage - LEVEL) <= _K * error
    if coverage < LEVEL:
        hint = (
            "your intervals cover too few held-out measurements: they are too narrow. An "
            "interval of a new measurement needs the noise: var(y*) = s^2(t*) + sigma_n^2; "
            "the 95 % interval is mean +- 1.96 sd; fit the hyperparameters to the data."
        )
    else:
        hint = (
            "your intervals cover too many held-out measurements: they are too wide (1.96 "
            "standard deviations, not 2 or 3; the noise added once; hyperparameters fitted)."
        )
    return milestone(
        "coverage of your 95 % predictive intervals on the held-out set",
        passed,
        "the coverage agrees with 95 % within three binomial standard errors.",
        hint,
        your_coverage=f"{coverage:.3f} +- {error:.3f} (binomial)",
        mean_interval_width=float(np.mean(hi - lo)),
    )


# --- Markov chain Monte Carlo against a conjugate posterior ----------------------------------


def check_mcmc_posterior(t, y, means, errors) -> Milestone:
    r"""Milestone: the group's MCMC posterior means of the linear model, with Monte Carlo errors.

    The model is :math:`\boldsymbol y = \boldsymbol X\boldsymbol\theta + \boldsymbol\epsilon`
    with :math:`\boldsymbol X` = :func:`design_matrix` ``(t)``, noise :math:`\sigma` = ``SIGMA``
    and prior :math:`\boldsymbol\theta\sim\mathcal N(\boldsymbol 0, \tau^2\boldsymbol I)`,
    :math:`\tau` = ``TAU`` = 1. Its posterior is Gaussian (``physml.bayes.linear_posterior``),

    .. math::

        \boldsymbol S = \left(\boldsymbol X^\top\boldsymbol X/\sigma^2 + \boldsymbol I/\tau^2\right)^{-1},
        \qquad \boldsymbol m = \boldsymbol S\boldsymbol X^\top\boldsymbol y/\sigma^2.

    ``means`` (2) are the group's posterior means of :math:`(\theta_0, \theta_1)` from their
    Markov chain, ``errors`` (2) their Monte Carlo standard errors (blocking, or independent
    chains). The milestone is reached when for both coefficients
    :math:`|\bar\theta_k - m_k| \le 3\,e_k` and :math:`e_k \le` ``MC_ERROR_FRACTION``
    :math:`\cdot\sqrt{S_{kk}}` (an error that large would pass anything).
    """
    t = _times(t, "t")
    y = as_float_array(y, "y", ndim=1, nonempty=True)
    check_same_length(t, "t", y, "y")
    mu = as_float_array(means, "means", ndim=1)
    err = as_float_array(errors, "errors", ndim=1)
    for name, arr in (("means", mu), ("errors", err)):
        if arr.shape != (2,):
            raise ValueError(
                f"{name} must hold the two coefficients (theta_0, theta_1), got shape {arr.shape}"
            )
    if np.any(err <= 0):
        raise ValueError("errors must be positive (the Monte Carlo standard errors of the means)")
    post = bayes.linear_posterior(_design(t), y, SIGMA, TAU)
    sd = np.sqrt(np.diag(post.cov))
    precise = bool(np.all(err <= MC_ERROR_FRACTION * sd))
    consistent = bool(np.all(np.abs(mu - post.mean) <= _K * err))
    if not precise:
        hint = (
            f"your Monte Carlo errors are too large to test the means (each must be below "
            f"{MC_ERROR_FRACTION:g} of the posterior standard deviation, which your chain "
            "estimates): run longer or tune the proposal step."
        )
    else:
        hint = (
            "your posterior means lie more than three Monte Carlo errors from the exact "
            "conjugate posterior. Check the log posterior (Gaussian likelihood with sigma, "
            "prior N(0, tau^2) per coefficient), discard a burn-in, and estimate the error of a "
            "correlated chain by blocking: the naive error sd/sqrt(n) is too small."
        )
    return milestone(
        "MCMC posterior means of the linear model against the conjugate posterior",
        precise and consistent,
        "your MCMC means agree with the exact posterior within three Monte Carlo errors.",
        hint,
        theta_0=f"{mu[0]:.5f} +- {err[0]:.5f}",
        theta_1=f"{mu[1]:.5f} +- {err[1]:.5f}",
    )


# --- the template ------------------------------------------------------------------------------

_SOLUTION = '''"""Your solution of the Bayesian project (a damped oscillator: GP regression and MCMC).

The milestone tests (tests/test_milestones.py) call these functions. Keep their names,
arguments and return values; write the code they need here or in your own modules.

Conventions: kernel k(t, t') = signal_variance * exp(-(t - t')^2 / (2 length_scale^2)),
noise_variance = sigma_n^2 (a variance), zero prior mean (do not centre y).
"""

import numpy as np


def gp_posterior(t_train, y_train, t_test, length_scale, signal_variance, noise_variance):
    """Posterior of the latent function f at t_test, given the measurements (t_train, y_train).

    Return (mean, std): two arrays of len(t_test), the posterior mean and standard deviation
    of f(t_test) (the noise NOT included).
    """
    raise NotImplementedError("gp_posterior: condition the GP on the data (Cholesky)")


def log_marginal_likelihood(t_train, y_train, length_scale, signal_variance, noise_variance) -> float:
    """ln p(y | t) of the GP with these hyperparameters (a float)."""
    raise NotImplementedError("log_marginal_likelihood: the log evidence")


def fit_hyperparameters(t_train, y_train, noise_variance):
    """Maximise the log evidence over length_scale and signal_variance, noise_variance fixed.

    Return (length_scale, signal_variance) at the best maximum.
    """
    raise NotImplementedError("fit_hyperparameters: type-II maximum likelihood")


def predictive_interval(t_train, y_train, t_test, noise_variance, level=0.95):
    """The level (95 %) predictive interval of a NEW MEASUREMENT y* at each time of t_test,
    with the hyperparameters fitted to (t_train, y_train).

    Return (lower, upper): two arrays of len(t_test).
    """
    raise NotImplementedError("predictive_interval: mean +- z * sd of y*")


def posterior_mcmc(t, y, seed):
    """Sample the posterior of theta in y = X theta + noise by Metropolis-Hastings, with
    X = physml.projects.bayesian.design_matrix(t), noise sd SIGMA and prior N(0, TAU^2 I).

    Return (means, errors): the posterior means of (theta_0, theta_1) from the chain and their
    Monte Carlo standard errors (blocking), two arrays of length 2.
    """
    raise NotImplementedError("posterior_mcmc: write a Metropolis sampler")
'''

_TESTS = '''"""The milestones of the Bayesian project: python -m pytest tests."""

import functools

import numpy as np

import solution
from physml.projects import bayesian as bay

T, Y = bay.oscillator_data()  # the project's 100 measurements
T_TEST = np.linspace(-1.0, 11.0, 25)  # inside and outside the data
NOISE = bay.SIGMA**2
HYPER = {"length_scale": 0.8, "signal_variance": 0.2, "noise_variance": NOISE}


@functools.cache
def fitted():
    return solution.fit_hyperparameters(T, Y, NOISE)


def test_gp_posterior_mean_and_std():
    mean, std = solution.gp_posterior(T, Y, T_TEST, **HYPER)
    m = bay.check_gp_posterior(T, Y, T_TEST, mean, std, **HYPER)
    assert m.passed, str(m)


def test_log_marginal_likelihood():
    value = solution.log_marginal_likelihood(T, Y, **HYPER)
    m = bay.check_log_marginal_likelihood(T, Y, value, **HYPER)
    assert m.passed, str(m)


def test_hyperparameters_maximise_the_evidence():
    length_scale, signal_variance = fitted()
    m = bay.check_evidence_maximum(T, Y, length_scale, signal_variance, NOISE)
    assert m.passed, str(m)


def test_coverage_of_95_percent_intervals():
    lower, upper = solution.predictive_interval(T, Y, bay.held_out_times(), NOISE)
    m = bay.check_coverage(lower, upper)
    assert m.passed, str(m)


def test_mcmc_against_the_conjugate_posterior():
    means, errors = solution.posterior_mcmc(T, Y, seed=1)
    m = bay.check_mcmc_posterior(T, Y, means, errors)
    assert m.passed, str(m)
'''

TEMPLATE = Template(
    path="bayesian",
    title="Bayesian learning: a damped oscillator with Gaussian processes and MCMC",
    question=(
        "How well does a Gaussian process, with hyperparameters learned from the evidence, "
        "reconstruct a damped oscillation from noisy measurements, are its uncertainties "
        "calibrated on held-out data, and what does a parametric Bayesian model that knows "
        "the physics gain over it?"
    ),
    tasks=(
        "Write GP regression with a Cholesky solve: posterior mean and standard deviation of the "
        "latent signal and the log marginal likelihood, derived in your notation; test them "
        "against a second implementation.",
        "Learn the length scale and signal variance by maximising the log evidence (noise known, "
        "sigma = 0.1); show the evidence landscape and the fit with its 95 % band.",
        "Predict 95 % intervals of new measurements at the held-out times; measure their "
        "coverage with its binomial error; show what happens without the noise term.",
        "Write a Metropolis-Hastings sampler for the linear model of the signal with known "
        "damping and frequency; compare its posterior means and errors (blocking, R-hat) with "
        "the exact conjugate posterior.",
        "Open study: fewer or more measurements, extrapolation beyond t = 10, another kernel "
        "(Matern, periodic times decaying), sampling the hyperparameters instead of fitting them, "
        "or the nonlinear model with damping and frequency unknown, by MCMC.",
    ),
    solution=_SOLUTION,
    tests=_TESTS,
)
