"""Tests of physml.stats: blocking errors of correlated series against AR(1) exact results."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from physml import stats

N = 2**16
N_SEEDS = 16


@pytest.mark.parametrize("n", [1, 2, 3, 7, 50])
@pytest.mark.parametrize("phi", [0.0, 0.3, -0.5, 0.9])
def test_ar1_error_formula_equals_double_sum(n, phi):
    gamma0 = 1.0 / (1 - phi**2)
    lags = np.subtract.outer(np.arange(n), np.arange(n))
    exact = math.sqrt(np.sum(gamma0 * phi ** np.abs(lags)) / n**2)
    assert stats.ar1_error_of_mean(n, phi) == pytest.approx(exact, rel=1e-12)


def test_ar1_series_is_stationary_with_the_right_autocovariance():
    phi, sigma = 0.6, 2.0
    x = np.stack([stats.ar1_series(64, phi, sigma, seed=s) for s in range(4000)])
    gamma0 = sigma**2 / (1 - phi**2)
    # variance of the first and the last sample, and lag-1 covariance: 4000 draws, ~2-3 % scatter
    assert np.var(x[:, 0]) == pytest.approx(gamma0, rel=0.1)
    assert np.var(x[:, -1]) == pytest.approx(gamma0, rel=0.1)
    assert np.mean(x[:, 10] * x[:, 11]) == pytest.approx(phi * gamma0, rel=0.1)


def test_ar1_series_reproducible():
    np.testing.assert_array_equal(stats.ar1_series(100, 0.5, seed=3), stats.ar1_series(100, 0.5, seed=3))
    rng = np.random.default_rng(3)
    assert stats.ar1_series(10, 0.5, seed=rng).shape == (10,)


@pytest.mark.parametrize("phi", [0.0, 0.5, 0.9, -0.5])
def test_blocking_recovers_exact_error_of_ar1_mean(phi):
    """Averaged over 16 series of 2^16 samples, the blocking error is within 10 % of the exact one.

    One estimate scatters by about 1/sqrt(2 n_j) (n_j blocks at the chosen level: 3 % for
    phi = 0.9), so the mean of 16 is good to 1 %; what the tolerance allows for is the bias
    of the automatic criterion, of order tau / 2^level (measured over 200 seeds: -7 % for
    phi = 0.9, -4 % for 0.5, +4 % for -0.5, 0 for 0).
    """
    exact = stats.ar1_error_of_mean(N, phi)
    results = [stats.blocking(stats.ar1_series(N, phi, seed=s)) for s in range(N_SEEDS)]
    assert np.mean([r.error for r in results]) == pytest.approx(exact, rel=0.10)
    assert all(r.converged for r in results)
    # the naive error misses the correlation by the factor sqrt(tau) = sqrt((1 + phi)/(1 - phi))
    tau_exact = (1 + phi) / (1 - phi)
    assert np.mean([r.tau for r in results]) == pytest.approx(tau_exact, rel=0.2)


def test_uncorrelated_data_error_equals_naive_error():
    rng = np.random.default_rng(0)
    ratios = []
    for _ in range(20):
        r = stats.blocking(rng.standard_normal(4096))
        ratios.append(r.error / r.naive_error)
        assert r.level <= 6
    assert np.mean(ratios) == pytest.approx(1.0, abs=0.05)


def test_blocking_fields_and_estimate_alias():
    x = stats.ar1_series(1000, 0.7, seed=1)  # not a power of two: the first 512 are blocked
    r = stats.blocking(x)
    assert r.n == 1000 and r.n_blocked == 512
    assert r.mean == pytest.approx(np.mean(x))
    assert r.variance == pytest.approx(np.var(x))
    assert r.naive_error == pytest.approx(np.std(x) / math.sqrt(1000))
    assert r.tau == pytest.approx((r.error / r.naive_error) ** 2)
    assert stats.estimate(x) == r
    with pytest.raises(AttributeError):
        r.mean = 0.0  # frozen


def test_constant_and_alternating_series():
    r = stats.blocking(np.full(64, 2.5))
    assert r.mean == 2.5 and r.error == 0.0 and r.tau == 1.0
    r = stats.blocking(np.tile([1.0, -1.0], 32))  # blocks of two are exactly constant
    assert r.mean == 0.0 and r.error == pytest.approx(0.0, abs=1e-15)


def test_too_short_correlated_series_is_flagged():
    # tau ~ 2000 but only 1024 samples: the test accepts a level with fewer than 32 blocks
    r = stats.blocking(stats.ar1_series(1024, 0.999, seed=0))
    assert not r.converged
    assert r.n_blocked / 2**r.level < stats.MIN_BLOCKS
    assert stats.blocking(np.linspace(0.0, 1.0, 1024)).converged is False


# --------------------------------------------------------------------------- bad input

finite = st.floats(-1e6, 1e6)


@given(st.lists(finite, min_size=0, max_size=15))
def test_too_few_samples_rejected(values):
    with pytest.raises(ValueError, match="x"):
        stats.blocking(values)


@given(
    st.lists(finite, min_size=16, max_size=40), st.integers(0, 15), st.sampled_from([np.nan, np.inf, -np.inf])
)
def test_nan_inf_rejected(values, where, bad):
    values[where] = bad
    with pytest.raises(ValueError, match="x"):
        stats.blocking(values)


@given(st.lists(finite, min_size=16, max_size=40))
def test_complex_and_2d_rejected(values):
    with pytest.raises(TypeError, match="x"):
        stats.blocking(np.asarray(values) + 1j)
    with pytest.raises(ValueError, match="x"):
        stats.blocking(np.asarray(values)[:16].reshape(4, 4))


@pytest.mark.parametrize("bad", ["abc", None, [[1, 2], [3]], {"a": 1}])
def test_non_numeric_rejected(bad):
    with pytest.raises((TypeError, ValueError), match="x"):
        stats.blocking(bad)


def test_ar1_bad_arguments():
    for phi in (1.0, -1.0, 1.5):
        with pytest.raises(ValueError, match="phi"):
            stats.ar1_series(10, phi)
        with pytest.raises(ValueError, match="phi"):
            stats.ar1_error_of_mean(10, phi)
    with pytest.raises(ValueError, match="phi"):
        stats.ar1_series(10, np.nan)
    with pytest.raises(ValueError, match="sigma"):
        stats.ar1_series(10, 0.5, sigma=0.0)
    with pytest.raises(ValueError, match="n"):
        stats.ar1_error_of_mean(0, 0.5)
    with pytest.raises(TypeError, match="n"):
        stats.ar1_series(2.5, 0.5)
    with pytest.raises(TypeError, match="seed"):
        stats.ar1_series(10, 0.5, seed=None)


def test_ar1_error_of_mean_scales_with_sigma_up_to_the_float_edge():
    """sigma is never squared: 1e300 gives 1e300 times the error of sigma = 1 (issue 26)."""
    base = stats.ar1_error_of_mean(64, 0.5, 1.0)
    assert stats.ar1_error_of_mean(64, 0.5, 1e300) == pytest.approx(1e300 * base, rel=1e-14)
    gamma0 = 2.0**2 / (1 - 0.9**2)
    bracket = (1 + 0.9) / (1 - 0.9) - 2 * 0.9 * (1 - 0.9**10) / (10 * (1 - 0.9) ** 2)
    assert stats.ar1_error_of_mean(10, 0.9, 2.0) == pytest.approx(math.sqrt(gamma0 / 10 * bracket), rel=1e-14)
