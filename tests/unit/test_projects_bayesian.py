"""physml.projects.bayesian: the data are reproducible, every milestone check passes right
input and fails wrong input without showing the reference value, and bad input raises."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel

from physml import bayes
from physml.projects import bayesian as bay

T, Y = bay.oscillator_data()
T_TEST = np.linspace(-1.0, 11.0, 30)
NOISE = bay.SIGMA**2
HYPER = {"length_scale": 0.8, "signal_variance": 0.2, "noise_variance": NOISE}


def _not_shown(milestone, *values):
    text = str(milestone) + milestone._repr_html_()
    for v in values:
        for spec in (".6g", ".5g", ".4f", ".3f"):
            assert format(v, spec) not in text, f"{format(v, spec)} shown in {text}"


def _sklearn(t, y, length_scale, signal_variance, noise_variance, optimise=False):
    """scikit-learn's GP: an independent implementation of the same posterior."""
    bounds = (1e-5, 1e5) if optimise else "fixed"
    kernel = ConstantKernel(signal_variance, bounds) * RBF(length_scale, bounds)
    return GaussianProcessRegressor(
        kernel,
        alpha=noise_variance,
        optimizer="fmin_l_bfgs_b" if optimise else None,
        n_restarts_optimizer=3,
        random_state=0,
    ).fit(t[:, None], y)


# --- data ------------------------------------------------------------------------------------


def test_oscillator_data_is_reproducible_with_the_stated_noise():
    t, y = bay.oscillator_data(50, seed=3)
    t2, y2 = bay.oscillator_data(50, seed=3)
    assert np.array_equal(t, t2) and np.array_equal(y, y2) and t.shape == y.shape == (50,)
    assert not np.array_equal(y, bay.oscillator_data(50, seed=4)[1])
    assert np.all(np.diff(t) >= 0) and t.min() >= 0 and t.max() <= bay.T_MAX
    assert T.shape == (bay.N_TRAIN,)
    t, y = bay.oscillator_data(20000, seed=np.random.default_rng(5))
    residual = y - bay.oscillator(t)
    assert abs(residual.std() - bay.SIGMA) < 4 * bay.SIGMA / math.sqrt(2 * t.size)


def test_held_out_times_and_design_matrix():
    t = bay.held_out_times()
    assert t.shape == (bay.N_HELD_OUT,) and np.all(np.diff(t) >= 0)
    t[:] = 0.0  # a copy: the held-out set is unchanged
    assert bay.held_out_times().max() > 0
    theta = np.array([bay.AMPLITUDE * math.cos(bay.PHASE), -bay.AMPLITUDE * math.sin(bay.PHASE)])
    assert np.allclose(bay.design_matrix(T) @ theta, bay.oscillator(T), atol=1e-12)


# --- check_gp_posterior --------------------------------------------------------------------


def test_gp_posterior_from_sklearn_passes():
    mean, std = _sklearn(T, Y, **HYPER).predict(T_TEST[:, None], return_std=True)
    m = bay.check_gp_posterior(T, Y, T_TEST, mean, std, **HYPER)
    assert m.passed, str(m)


def test_gp_posterior_wrong_fails_without_showing_the_reference():
    mean, std = _sklearn(T, Y, **HYPER).predict(T_TEST[:, None], return_std=True)
    m = bay.check_gp_posterior(T, Y, T_TEST, mean + 1e-3, std, **HYPER)
    assert not m.passed and "mean does not agree" in m.message
    m = bay.check_gp_posterior(T, Y, T_TEST, mean * 1.1, std * 1.1, **HYPER)
    assert not m.passed and "mean and standard deviation do not agree" in m.message
    _not_shown(m, float(np.max(std)), float(mean[0]), float(np.max(mean)))
    assert not bay.check_gp_posterior(T, Y, T_TEST, mean, std * 1.01, **HYPER).passed


@pytest.mark.parametrize(
    "slip, expected",
    [
        ("noisy std", "noise added"),
        ("variance", "variance, not the standard deviation"),
        ("centred", "centred targets"),
        ("noise as std", "noise_variance used as a standard deviation"),
        ("kernel without 2", "without the 2"),
    ],
)
def test_gp_posterior_slips_are_named(slip, expected):
    mean, std = _sklearn(T, Y, **HYPER).predict(T_TEST[:, None], return_std=True)
    if slip == "noisy std":
        std = np.sqrt(std**2 + NOISE)
    elif slip == "variance":
        std = std**2
    elif slip == "centred":
        mean = _sklearn(T, Y - Y.mean(), **HYPER).predict(T_TEST[:, None]) + Y.mean()
    elif slip == "noise as std":
        mean, std = _sklearn(T, Y, 0.8, 0.2, math.sqrt(NOISE)).predict(T_TEST[:, None], return_std=True)
    else:
        mean, std = _sklearn(T, Y, 0.8 / math.sqrt(2), 0.2, NOISE).predict(T_TEST[:, None], return_std=True)
    m = bay.check_gp_posterior(T, Y, T_TEST, mean, std, **HYPER)
    assert not m.passed and expected in m.message


@pytest.mark.parametrize(
    "change, match",
    [
        ({"t_train": T[:-1]}, "t_train"),
        ({"y_train": np.full(T.size, np.nan)}, "y_train"),
        ({"mean": np.zeros(5)}, "mean"),
        ({"std": -np.ones(T_TEST.size)}, "std"),
        ({"length_scale": 0.0}, "length_scale"),
        ({"signal_variance": -1.0}, "signal_variance"),
        ({"noise_variance": float("inf")}, "noise_variance"),
        ({"t_test": "times"}, "t_test"),
    ],
)
def test_gp_posterior_bad_input_raises(change, match):
    args = {"t_train": T, "y_train": Y, "t_test": T_TEST, "mean": np.zeros(30), "std": np.ones(30), **HYPER}
    args.update(change)
    with pytest.raises((TypeError, ValueError), match=match):
        bay.check_gp_posterior(**args)


# --- check_log_marginal_likelihood ---------------------------------------------------------


def test_log_marginal_likelihood_from_sklearn_passes_and_slips_are_named():
    value = _sklearn(T, Y, **HYPER).log_marginal_likelihood_value_
    assert bay.check_log_marginal_likelihood(T, Y, value, **HYPER).passed
    n = T.size
    for wrong, expected in (
        (-value, "minus the log evidence"),
        (value + 0.5 * n * math.log(2 * math.pi), "without the constant"),
    ):
        m = bay.check_log_marginal_likelihood(T, Y, wrong, **HYPER)
        assert not m.passed and expected in m.message
    K = ConstantKernel(0.2) * RBF(0.8)
    Ky = K(T[:, None]) + NOISE * np.eye(n)
    half_logdet = 0.5 * np.linalg.slogdet(Ky)[1]
    m = bay.check_log_marginal_likelihood(T, Y, value - half_logdet, **HYPER)
    assert not m.passed and "ln det K_y where (1/2) ln det K_y belongs" in m.message
    m = bay.check_log_marginal_likelihood(T, Y, value + 0.1, **HYPER)
    assert not m.passed
    _not_shown(m, value)
    with pytest.raises(ValueError, match="value"):
        bay.check_log_marginal_likelihood(T, Y, float("nan"), **HYPER)
    with pytest.raises(TypeError, match="value"):
        bay.check_log_marginal_likelihood(T, Y, "64.0", **HYPER)


# --- check_evidence_maximum ----------------------------------------------------------------


@functools.cache
def _sklearn_optimum() -> tuple[float, float]:
    gpr = _sklearn(T, Y, 1.0, 1.0, NOISE, optimise=True)
    return float(gpr.kernel_.k2.length_scale), float(gpr.kernel_.k1.constant_value)


def test_evidence_maximum_from_sklearn_passes():
    length_scale, signal_variance = _sklearn_optimum()
    m = bay.check_evidence_maximum(T, Y, length_scale, signal_variance, NOISE)
    assert m.passed, str(m)


def test_evidence_maximum_elsewhere_fails():
    m = bay.check_evidence_maximum(T, Y, 0.8, 0.2, NOISE)
    assert not m.passed and "not at a maximum" in m.message
    length_scale, signal_variance = _sklearn_optimum()
    _not_shown(m, length_scale, signal_variance)
    with pytest.raises(ValueError, match="noise_variance"):
        bay.check_evidence_maximum(T, Y, 0.8, 0.2, -1.0)


# --- check_coverage --------------------------------------------------------------------------


def test_coverage_of_the_true_predictive_interval_passes():
    t = bay.held_out_times()
    f = bay.oscillator(t)
    m = bay.check_coverage(f - 1.959964 * bay.SIGMA, f + 1.959964 * bay.SIGMA)
    assert m.passed, str(m)


def test_too_narrow_or_too_wide_intervals_fail():
    f = bay.oscillator(bay.held_out_times())
    narrow = bay.check_coverage(f - bay.SIGMA, f + bay.SIGMA)
    assert not narrow.passed and "too narrow" in narrow.message
    wide = bay.check_coverage(f - 3 * bay.SIGMA, f + 3 * bay.SIGMA)
    assert not wide.passed and "too wide" in wide.message


def test_coverage_bad_input_raises():
    f = bay.oscillator(bay.held_out_times())
    with pytest.raises(ValueError, match="lower"):
        bay.check_coverage(f[:-1], f)
    with pytest.raises(ValueError, match="upper"):
        bay.check_coverage(f, f - 1)
    with pytest.raises(ValueError, match="upper"):
        bay.check_coverage(f, np.full(f.size, np.inf))


# --- check_mcmc_posterior --------------------------------------------------------------------


def _exact():
    return bayes.linear_posterior(bay.design_matrix(T), Y, bay.SIGMA, bay.TAU)


def test_mcmc_exact_means_with_small_errors_pass():
    post = _exact()
    sd = np.sqrt(np.diag(post.cov))
    m = bay.check_mcmc_posterior(T, Y, post.mean + 0.01 * sd, 0.05 * sd)
    assert m.passed, str(m)
    # an independent check of the conjugate posterior: Metropolis-Hastings of physml.bayes
    run = bayes.metropolis_hastings(
        bayes.gaussian_log_prob(post.mean, post.cov),
        np.zeros((4, 2)),
        4000,
        2 * post.cov,
        seed=1,
        burn_in=500,
    )
    assert bay.check_mcmc_posterior(
        T, Y, run.samples.mean(axis=(0, 1)), [bayes.summarise(run.samples[:, :, k]).error for k in range(2)]
    ).passed


def test_mcmc_wrong_means_or_large_errors_fail():
    post = _exact()
    sd = np.sqrt(np.diag(post.cov))
    m = bay.check_mcmc_posterior(T, Y, post.mean + 0.5 * sd, 0.05 * sd)
    assert not m.passed and "three Monte Carlo errors" in m.message
    _not_shown(m, float(post.mean[0]), float(post.mean[1]))
    m = bay.check_mcmc_posterior(T, Y, post.mean, sd)
    assert not m.passed and "too large" in m.message


def test_mcmc_bad_input_raises():
    with pytest.raises(ValueError, match="means"):
        bay.check_mcmc_posterior(T, Y, np.zeros(3), np.ones(2))
    with pytest.raises(ValueError, match="errors"):
        bay.check_mcmc_posterior(T, Y, np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match="y"):
        bay.check_mcmc_posterior(T, Y[:-1], np.zeros(2), np.ones(2))


def test_template_files_compile():
    compile(bay.TEMPLATE.solution, "solution.py", "exec")
    compile(bay.TEMPLATE.tests, "test_milestones.py", "exec")
    assert bay.TEMPLATE.path == "bayesian" and len(bay.TEMPLATE.tasks) >= 4
