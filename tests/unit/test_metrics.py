"""Tests of physml.metrics on distributions with known answers."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as sps

from physml import metrics

# --------------------------------------------------------------------------- KL


def test_kl_gaussians_known_values():
    assert metrics.kl_gaussians(0.0, 1.0, 0.0, 1.0) == 0.0
    # 1D: ln(s1/s0) + (s0^2 + (m0 - m1)^2) / (2 s1^2) - 1/2
    m0, s0, m1, s1 = 0.3, 0.7, -1.2, 1.9
    expected = math.log(s1 / s0) + (s0**2 + (m0 - m1) ** 2) / (2 * s1**2) - 0.5
    assert metrics.kl_gaussians(m0, s0**2, m1, s1**2) == pytest.approx(expected, rel=1e-12)
    # independent components add up
    kl2 = metrics.kl_gaussians([m0, 1.0], [s0**2, 2.0], [m1, 0.0], np.diag([s1**2, 3.0]))
    assert kl2 == pytest.approx(expected + metrics.kl_gaussians(1.0, 2.0, 0.0, 3.0), rel=1e-12)


def test_kl_gaussians_equals_numerical_integral_and_is_asymmetric():
    m0, v0, m1, v1 = 0.0, 1.0, 1.0, 4.0
    x = np.linspace(-15, 15, 200_001)
    p, q = sps.norm.pdf(x, m0, math.sqrt(v0)), sps.norm.pdf(x, m1, math.sqrt(v1))
    numeric = np.trapezoid(p * (np.log(p) - np.log(q)), x)
    assert metrics.kl_gaussians(m0, v0, m1, v1) == pytest.approx(numeric, rel=1e-8)
    assert metrics.kl_gaussians(m0, v0, m1, v1) != pytest.approx(metrics.kl_gaussians(m1, v1, m0, v0))


def test_kl_monte_carlo_agrees_with_closed_form():
    rng = np.random.default_rng(0)
    mu0, cov0 = np.array([0.0, 1.0]), np.array([[1.0, 0.3], [0.3, 0.5]])
    mu1, cov1 = np.array([0.5, 0.0]), np.eye(2)
    x = rng.multivariate_normal(mu0, cov0, size=20_000)
    est = metrics.kl_monte_carlo(
        sps.multivariate_normal(mu0, cov0).logpdf(x), sps.multivariate_normal(mu1, cov1).logpdf(x)
    )
    exact = metrics.kl_gaussians(mu0, cov0, mu1, cov1)
    assert abs(est.value - exact) <= 3 * est.error
    value, error = est
    assert error < 0.02


# --------------------------------------------------------------------------- MMD


def test_mmd2_matches_brute_force_sums():
    rng = np.random.default_rng(1)
    x, y, h = rng.normal(size=(7, 3)), rng.normal(size=(5, 3)) + 0.5, 1.3

    def k(a, b):
        return math.exp(-np.sum((a - b) ** 2) / (2 * h * h))

    def brute(x, y, unbiased):
        m, n = len(x), len(y)
        sxx = sum(k(a, b) for i, a in enumerate(x) for j, b in enumerate(x) if i != j or not unbiased)
        syy = sum(k(a, b) for i, a in enumerate(y) for j, b in enumerate(y) if i != j or not unbiased)
        sxy = sum(k(a, b) for a in x for b in y)
        if unbiased:
            return sxx / (m * (m - 1)) + syy / (n * (n - 1)) - 2 * sxy / (m * n)
        return sxx / m**2 + syy / n**2 - 2 * sxy / (m * n)

    for unbiased in (True, False):
        r = metrics.mmd2(x, y, bandwidth=h, unbiased=unbiased)
        assert r.value == pytest.approx(brute(x, y, unbiased), rel=1e-12)
        # the jackknife from the kernel matrices equals explicit leave-one-out recomputation
        loo_x = np.array([brute(np.delete(x, i, 0), y, unbiased) for i in range(len(x))])
        loo_y = np.array([brute(x, np.delete(y, j, 0), unbiased) for j in range(len(y))])
        var = 6 / 7 * np.sum((loo_x - loo_x.mean()) ** 2) + 4 / 5 * np.sum((loo_y - loo_y.mean()) ** 2)
        assert r.error == pytest.approx(math.sqrt(var), rel=1e-10)
    assert metrics.mmd2(x, y, bandwidth=h, unbiased=False).value >= 0
    two = metrics.mmd2(x[:2], y[:2], bandwidth=h)  # no jackknife with two points
    assert two.value == pytest.approx(brute(x[:2], y[:2], True), rel=1e-12) and math.isnan(two.error)


def test_gaussian_mmd2_closed_form_against_numerical_expectation():
    """1D check of the closed form by quadrature of E k(x, x') over the two Gaussians."""
    mu1, mu2, s, h = 0.0, 0.8, 0.6, 0.9
    u = np.linspace(-8, 8, 1601)
    du = u[1] - u[0]

    def expect(ma, mb):
        pa, pb = sps.norm.pdf(u, ma, s), sps.norm.pdf(u, mb, s)
        kernel = np.exp(-((u[:, None] - u[None, :]) ** 2) / (2 * h * h))
        return pa @ kernel @ pb * du * du

    numeric = expect(mu1, mu1) + expect(mu2, mu2) - 2 * expect(mu1, mu2)
    assert metrics.gaussian_mmd2(mu1, mu2, s, h) == pytest.approx(numeric, rel=1e-6)


def test_same_gaussian_gives_zero_within_error():
    rng = np.random.default_rng(2)
    for _ in range(5):
        r = metrics.mmd2(rng.normal(size=(400, 2)), rng.normal(size=(300, 2)), bandwidth=1.0)
        assert abs(r.value) <= 3 * r.error


@pytest.mark.parametrize(("shift", "d"), [(0.5, 2), (1.0, 2), (0.7, 5)])
def test_shifted_gaussians_match_population_mmd2(shift, d):
    rng = np.random.default_rng(int(10 * shift) + d)
    s, h = 1.0, 1.5
    mu2 = np.zeros(d)
    mu2[0] = shift
    r = metrics.mmd2(rng.normal(size=(800, d)) * s, rng.normal(size=(600, d)) * s + mu2, bandwidth=h)
    assert abs(r.value - metrics.gaussian_mmd2(np.zeros(d), mu2, s, h)) <= 3 * r.error
    assert r.value > 3 * r.error  # and the difference is detected


def test_jackknife_error_is_calibrated():
    """Over 100 repetitions the error bar matches the spread of MMD² (alternative) and is
    not smaller than it (null hypothesis, where the U-statistic is degenerate)."""
    for shift, low, high in ((0.0, 1.0, 1.6), (0.5, 0.8, 1.25)):
        values, errors = [], []
        for seed in range(100):
            rng = np.random.default_rng(seed)
            y = rng.normal(size=(150, 2))
            y[:, 0] += shift
            r = metrics.mmd2(rng.normal(size=(100, 2)), y, bandwidth=1.0)
            values.append(r.value)
            errors.append(r.error)
        assert low <= np.mean(errors) / np.std(values) <= high


def test_median_bandwidth_and_baseline():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3000, 1))
    # |x - x'| for standard normals is |N(0, 2)|: median sqrt(2) * 0.6745
    assert metrics.median_bandwidth(x) == pytest.approx(math.sqrt(2) * sps.norm.ppf(0.75), rel=0.05)
    base = metrics.mmd2_baseline(x, seed=0, bandwidth=1.0)
    assert base.n_x == base.n_y == 1500
    assert abs(base.value) <= 3 * base.error
    assert base == metrics.mmd2_baseline(x, seed=0, bandwidth=1.0)
    r = metrics.mmd2(x[:100], x[100:200])
    assert r.bandwidth == pytest.approx(metrics.median_bandwidth(x[:200]))


def test_judge_classifier_on_real_digits():
    from sklearn.datasets import load_digits

    digits = load_digits()
    result = metrics.judge_classifier(digits.data[:500], digits.target[:500])
    assert result.test_accuracy > 0.97
    assert result.accuracy > 0.97  # mostly training images of the judge: a sanity check only
    assert result.coverage == 1.0 and result.counts.sum() == 500
    ones = digits.data[digits.target == 1]
    only_ones = metrics.judge_classifier(ones)
    assert only_ones.coverage == pytest.approx(0.1) and only_ones.accuracy is None
    noise = metrics.judge_classifier(np.random.default_rng(0).uniform(0, 16, size=(50, 8, 8)))
    assert noise.counts.sum() == 50


# --------------------------------------------------------------------------- bad input

finite = st.floats(-100, 100)


@given(st.lists(finite, min_size=4, max_size=20), st.integers(0, 3))
def test_mmd2_rejects_nan_and_complex(values, where):
    x = np.array(values)[:, None]
    bad = x.copy()
    bad[where] = np.nan
    with pytest.raises(ValueError, match="x"):
        metrics.mmd2(bad, x, bandwidth=1.0)
    with pytest.raises(ValueError, match="y"):
        metrics.mmd2(x, bad, bandwidth=1.0)
    with pytest.raises(TypeError, match="x"):
        metrics.mmd2(x + 1j, x, bandwidth=1.0)


def test_mmd2_other_bad_input():
    x = np.zeros((5, 2))
    with pytest.raises(ValueError, match="x"):
        metrics.mmd2(np.zeros((1, 2)), x, bandwidth=1.0)
    with pytest.raises(ValueError, match="features"):
        metrics.mmd2(np.zeros((5, 3)), x, bandwidth=1.0)
    with pytest.raises(ValueError, match="bandwidth"):
        metrics.mmd2(x, x, bandwidth=0.0)
    with pytest.raises(ValueError, match="bandwidth"):
        metrics.mmd2(x, x, bandwidth="silverman")
    with pytest.raises(ValueError, match="x"):
        metrics.mmd2(x, x)  # identical samples: median distance 0
    with pytest.raises(TypeError, match="x"):
        metrics.mmd2("abc", x, bandwidth=1.0)
    with pytest.raises(TypeError, match="unbiased"):
        metrics.mmd2(x, x, bandwidth=1.0, unbiased=1)
    with pytest.raises(TypeError, match="seed"):
        metrics.mmd2_baseline(np.arange(10.0), seed=None)


def test_kl_bad_input():
    with pytest.raises(ValueError, match="cov1"):
        metrics.kl_gaussians(0.0, 1.0, 0.0, -1.0)
    with pytest.raises(ValueError, match="cov0"):
        metrics.kl_gaussians([0.0, 0.0], [[1.0, 2.0], [2.0, 1.0]], [0.0, 0.0], 1.0)
    with pytest.raises(ValueError, match="cov0"):
        metrics.kl_gaussians([0.0, 0.0], np.eye(3), [0.0, 0.0], 1.0)
    with pytest.raises(ValueError, match="mu0"):
        metrics.kl_gaussians(0.0, 1.0, [0.0, 1.0], np.eye(2))
    with pytest.raises(ValueError, match="mu1"):
        metrics.kl_gaussians(0.0, 1.0, np.nan, 1.0)
    with pytest.raises(ValueError, match="log_q"):
        metrics.kl_monte_carlo([0.0, 1.0], [0.0])
    with pytest.raises(ValueError, match="log_p"):
        metrics.kl_monte_carlo([0.0, np.inf], [0.0, 1.0])


def test_judge_bad_input():
    with pytest.raises(ValueError, match="generated"):
        metrics.judge_classifier(np.zeros((3, 7, 7)))
    with pytest.raises(ValueError, match="labels"):
        metrics.judge_classifier(np.zeros((3, 64)), labels=[1, 2])
    with pytest.raises(ValueError, match="labels"):
        metrics.judge_classifier(np.zeros((2, 64)), labels=[1, 10])
    with pytest.raises(ValueError, match="generated"):
        metrics.judge_classifier(np.full((2, 64), np.nan))


# --------------------------------------------------------------------------- huge values (issue 26)


def test_mmd_and_bandwidth_are_scale_covariant_up_to_the_float_edge():
    """Samples near the float limit (or tiny) give the rescaled numbers, never NaN."""
    x = np.random.default_rng(0).normal(size=(6, 2))
    y = x + 1.0
    h = metrics.median_bandwidth(x)
    value = metrics.mmd2(x, y).value
    for factor in (1e200, 1e-200, 1e300):
        assert metrics.median_bandwidth(x * factor) == pytest.approx(h * factor, rel=1e-12)
        result = metrics.mmd2(x * factor, y * factor)
        assert result.value == pytest.approx(value, rel=1e-12)
        assert np.isfinite(result.error)
    kernel = metrics.gaussian_kernel(x * 1e300, x * 1e300, 1.0)
    assert np.all(np.isfinite(kernel)) and np.allclose(np.diag(kernel), 1.0)


def test_gaussian_mmd2_at_the_float_edge():
    assert metrics.gaussian_mmd2([0.0], [1.0], 1.0, 1e300) == 0.0  # an infinitely wide kernel sees nothing
    assert metrics.gaussian_mmd2([0.0], [1.0], 1e300, 1.0) == 0.0
    far = 2 * (1 / 3) ** 0.5  # 2 (h^2/v)^(d/2): the means infinitely far apart
    assert metrics.gaussian_mmd2([-1e308], [1e308], 1.0, 1.0) == pytest.approx(far)
    h, s, d2 = 0.7, 0.4, 1.3**2
    v = h * h + 2 * s * s
    expected = 2 * (h * h / v) ** 0.5 * (1 - math.exp(-d2 / (2 * v)))
    assert metrics.gaussian_mmd2([0.0], [1.3], s, h) == pytest.approx(expected, rel=1e-14)
