"""Tests of physml.bayes: conjugate updates, Bayesian linear regression = Ridge, evidence, MH, R-hat."""

import numpy as np
import pytest
import scipy.stats

from physml import bayes, regression


@pytest.fixture
def linear_data():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.3 * rng.standard_normal(30)
    return X, y


def test_posterior_mean_equals_ridge(linear_data):
    X, y = linear_data
    sigma, tau = 0.3, 0.7
    post = bayes.linear_posterior(X, y, sigma, tau)
    ridge = regression.ridge_fit(X, y, bayes.ridge_lambda(sigma, tau, len(y)))
    np.testing.assert_allclose(post.mean, ridge, atol=1e-12)


def test_evidence_equals_multivariate_normal(linear_data):
    X, y = linear_data
    sigma, tau = 0.3, 0.7
    post = bayes.linear_posterior(X, y, sigma, tau)
    C = sigma**2 * np.eye(len(y)) + tau**2 * X @ X.T
    assert abs(post.log_evidence - scipy.stats.multivariate_normal(np.zeros(len(y)), C).logpdf(y)) < 1e-9


def test_posterior_covariance_and_predictive(linear_data):
    X, y = linear_data
    post = bayes.linear_posterior(X, y, 0.3, 0.7)
    np.testing.assert_allclose(np.linalg.inv(post.cov), X.T @ X / 0.09 + np.eye(4) / 0.49, rtol=1e-10)
    mean, std = post.predict(X[:3])
    np.testing.assert_allclose(mean, X[:3] @ post.mean)
    assert np.all(std > 0.3)


def test_conjugate_updates():
    assert bayes.beta_binomial_posterior(3, 10, 2.0, 2.0) == (5.0, 9.0)
    x = np.array([1.0, 2.0, 3.0])
    mean, sd = bayes.normal_normal_posterior(x, sigma=1.0, mu0=0.0, tau0=1e6)
    assert abs(mean - 2.0) < 1e-9 and abs(sd - 1 / np.sqrt(3)) < 1e-9
    mean, sd = bayes.normal_normal_posterior(x, sigma=1.0, mu0=5.0, tau0=1.0)
    assert abs(mean - (5 + 6) / 4) < 1e-12 and abs(sd - 0.5) < 1e-12
    lo, hi = bayes.credible_interval(scipy.stats.norm(0, 1), 0.95)
    assert abs(hi - 1.959963984540054) < 1e-9 and lo == -hi


def test_mh_recovers_known_gaussian():
    mean = np.array([1.0, -2.0])
    cov = np.array([[1.0, 0.6], [0.6, 0.5]])
    rng = np.random.default_rng(0)
    res = bayes.metropolis_hastings(
        bayes.gaussian_log_prob(mean, cov),
        rng.normal(0, 3, (4, 2)),
        10_000,
        2.38**2 / 2 * cov,
        rng,
        burn_in=500,
    )
    assert 0.2 < res.acceptance < 0.5
    for j in range(2):
        s = bayes.summarise(res.samples[:, :, j])
        assert abs(s.mean - mean[j]) < 4 * s.error
        assert abs(s.std - np.sqrt(cov[j, j])) < 4 * s.std_error
        assert s.rhat < 1.01
        assert 100 < s.ess < 40_000


def test_mh_is_reproducible():
    lp = bayes.gaussian_log_prob([0.0], [[1.0]])
    a = bayes.metropolis_hastings(lp, np.zeros((2, 1)), 200, [[1.0]], seed=5)
    b = bayes.metropolis_hastings(lp, np.zeros((2, 1)), 200, [[1.0]], seed=5)
    np.testing.assert_array_equal(a.samples, b.samples)


def test_rhat_detects_unmixed_chains():
    rng = np.random.default_rng(1)
    chains = rng.normal(size=(1000, 4)) + np.array([0.0, 0.0, 0.0, 3.0])
    assert bayes.gelman_rubin(chains) > 1.2
    assert abs(bayes.gelman_rubin(rng.normal(size=(5000, 4))) - 1) < 0.01


def test_weights_and_bma():
    w = bayes.model_weights([0.0, np.log(3.0)])
    np.testing.assert_allclose(w, [0.25, 0.75])
    mean, std = bayes.bma_predict([[0.0], [2.0]], [[1.0], [1.0]], [0.5, 0.5])
    assert mean[0] == 1.0 and abs(std[0] - np.sqrt(2.0)) < 1e-12


def test_bad_input_raises(linear_data):
    X, y = linear_data
    with pytest.raises(ValueError, match="y contains NaN"):
        bayes.linear_posterior(X, np.where(y > 0, np.nan, y), 0.3, 1.0)
    with pytest.raises(ValueError, match="sigma must be >"):
        bayes.linear_posterior(X, y, 0.0, 1.0)
    with pytest.raises(ValueError, match="k must be <="):
        bayes.beta_binomial_posterior(5, 3)
    with pytest.raises(ValueError, match="proposal_cov must be symmetric positive definite"):
        bayes.metropolis_hastings(bayes.gaussian_log_prob([0.0], [[1.0]]), np.zeros((2, 1)), 10, [[-1.0]], 0)
    with pytest.raises(ValueError, match="log_prob is not finite"):
        bayes.metropolis_hastings(lambda x: np.full(len(x), -np.inf), np.zeros((2, 1)), 10, [[1.0]], 0)
    with pytest.raises(ValueError, match="weights must be non-negative"):
        bayes.bma_predict([[0.0]], [[1.0]], [0.5])
    with pytest.raises(TypeError, match="seed must be"):
        bayes.metropolis_hastings(
            bayes.gaussian_log_prob([0.0], [[1.0]]), np.zeros((2, 1)), 10, [[1.0]], None
        )


# --------------------------------------------------------------------------- overflow edge (issue 26)


def test_normal_normal_posterior_has_no_overflow_at_the_float_edge():
    """1e300 for sigma or tau0 (whose square overflows a Python float): the limits, not an OverflowError."""
    x = np.array([9.7, 9.9, 10.1, 9.8])
    mean, std = bayes.normal_normal_posterior(x, 1e300, mu0=10.0, tau0=0.3)
    assert (mean, std) == pytest.approx((10.0, 0.3))  # data worthless: the prior
    mean, std = bayes.normal_normal_posterior(x, 0.5, mu0=10.0, tau0=1e300)
    assert (mean, std) == pytest.approx((x.mean(), 0.5 / 2))  # flat prior: the sample mean
    mean, std = bayes.normal_normal_posterior(x, 0.5, mu0=1e300, tau0=1.0)
    assert mean == pytest.approx(1e300 / 17)  # prior weight (1/tau0^2) / (1/tau0^2 + n/sigma^2) = 1/17
    # ordinary values: the textbook formula
    precision = 1 / 0.3**2 + x.size / 0.5**2
    expected = (10.0 / 0.3**2 + x.sum() / 0.5**2) / precision
    assert bayes.normal_normal_posterior(x, 0.5, 10.0, 0.3) == pytest.approx((expected, precision**-0.5))


def test_ridge_lambda_and_linear_posterior_at_the_float_edge():
    assert bayes.ridge_lambda(1e300, 1e300, 4) == pytest.approx(0.25)
    assert bayes.ridge_lambda(0.5, 1e300, 4) == 0.0
    with pytest.raises(ValueError, match="sigma / tau"):
        bayes.ridge_lambda(1e300, 1.0, 4)
    X, y = np.ones((3, 1)), np.arange(3.0)
    for name in ("sigma", "tau"):
        kwargs = {"sigma": 0.5, "tau": 1.0, name: 1e300}
        with pytest.raises(ValueError, match=rf"^{name} must be between"):
            bayes.linear_posterior(X, y, **kwargs)


def test_gelman_rubin_is_scale_invariant_up_to_the_float_edge():
    chains = np.random.default_rng(7).normal(size=(40, 3))
    rhat = bayes.gelman_rubin(chains)
    for factor in (1e200, 1e-300):
        assert bayes.gelman_rubin(chains * factor) == pytest.approx(rhat, rel=1e-12)
