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


# ------------------------------------------------------------------ quadrature, Laplace, HMC, hierarchy


def test_grid_posterior_of_a_correlated_gaussian():
    mean, cov = np.array([0.5, -1.0]), np.array([[1.0, 0.6], [0.6, 2.0]])
    grid = bayes.grid_posterior(
        bayes.gaussian_log_prob(mean, cov), [np.linspace(-7, 8, 301), np.linspace(-10, 8, 301)]
    )
    np.testing.assert_allclose(grid.mean, mean, atol=1e-6)
    np.testing.assert_allclose(grid.cov, cov, atol=1e-5)
    assert grid.log_evidence == pytest.approx(0.0, abs=1e-6)  # a normalised density
    assert grid.expect(lambda p: p[:, 0] * p[:, 1]) == pytest.approx(0.6 + mean[0] * mean[1], abs=1e-5)


def test_laplace_is_exact_for_a_gaussian_and_gives_its_evidence():
    mean, cov = np.array([1.0, 2.0]), np.array([[2.0, 0.3], [0.3, 0.5]])
    logp = bayes.gaussian_log_prob(mean, cov)
    lap = bayes.laplace_approximation(lambda x: logp(x) + 3.0, np.zeros(2))  # evidence e^3
    np.testing.assert_allclose(lap.mode, mean, atol=1e-6)
    np.testing.assert_allclose(lap.cov, cov, rtol=1e-5)
    assert lap.log_evidence == pytest.approx(3.0, abs=1e-6)


def test_laplace_of_a_beta_density_sits_at_the_mode():
    a, b = 18.0, 4.0

    def logp(x):
        p = x[:, 0]
        return np.where(
            (p > 0) & (p < 1),
            (a - 1) * np.log(np.clip(p, 1e-300, 1)) + (b - 1) * np.log1p(-np.clip(p, 0, 1 - 1e-16)),
            -np.inf,
        )

    lap = bayes.laplace_approximation(logp, np.array([0.5]))
    mode = (a - 1) / (a + b - 2)
    assert lap.mode[0] == pytest.approx(mode, abs=1e-7)
    hessian = (a - 1) / mode**2 + (b - 1) / (1 - mode) ** 2
    assert lap.cov[0, 0] == pytest.approx(1 / hessian, rel=1e-5)


def test_hmc_samples_a_gaussian_and_leapfrog_is_reversible():
    cov = np.array([[1.0, 0.8], [0.8, 1.0]])
    prec = np.linalg.inv(cov)
    logp = bayes.gaussian_log_prob([0.0, 0.0], cov)
    res = bayes.hmc(logp, lambda x: -x @ prec, np.zeros((4, 2)), 3000, 0.4, 5, seed=1, mass=prec)
    assert 0.6 < res.acceptance <= 1.0
    assert res.n_gradients == 3000 * 5
    flat = res.samples.reshape(-1, 2)
    np.testing.assert_allclose(np.cov(flat.T), cov, atol=0.08)
    # leapfrog forwards then with reversed momentum backwards returns to the start
    x, p = np.array([[0.3, -0.2]]), np.array([[0.5, 1.0]])
    grad = lambda z: -z @ prec  # noqa: E731
    x1, p1, _ = bayes._leapfrog(grad, x, p, grad(x), 0.1, 7, cov)
    x2, p2, _ = bayes._leapfrog(grad, x1, -p1, grad(x1), 0.1, 7, cov)
    np.testing.assert_allclose(x2, x, atol=1e-12)
    np.testing.assert_allclose(-p2, p, atol=1e-12)


def test_hierarchical_limits_and_gibbs_agree_with_quadrature():
    y, sigma = np.array([1.0, 1.3, 0.8, 1.1, 0.95]), np.array([0.1, 0.2, 0.1, 0.15, 0.1])
    exact = bayes.hierarchical_posterior(y, sigma, np.linspace(0.0, 5.0, 5001))
    assert np.trapezoid(exact.p_tau, exact.tau) == pytest.approx(1.0)
    # every estimate lies between its own measurement and the pooled mean
    w = 1 / sigma**2
    pooled = np.sum(w * y) / np.sum(w)
    assert np.all((exact.theta_mean - y) * (exact.theta_mean - pooled) <= 1e-12)
    samples = bayes.hierarchical_gibbs(y, sigma, 6000, 4, seed=3, burn_in=500)
    mu = bayes.summarise(samples[:, :, 5])
    assert abs(mu.mean - exact.mu_mean) < 4 * mu.error


def test_autocorr_ess_of_independent_and_correlated_chains():
    rng = np.random.default_rng(5)
    iid = rng.normal(size=(2000, 4))
    assert bayes.autocorr_ess(iid) == pytest.approx(8000, rel=0.1)
    phi = 0.9  # AR(1): tau = (1 + phi) / (1 - phi) = 19
    x = np.zeros((20000, 4))
    for i in range(1, x.shape[0]):
        x[i] = phi * x[i - 1] + rng.normal(size=4)
    assert bayes.autocorr_ess(x) == pytest.approx(80000 / 19, rel=0.15)
    assert bayes.autocorr_ess(x * 1e200) == pytest.approx(bayes.autocorr_ess(x), rel=1e-10)


def test_autocorr_ess_and_rhat_equal_arviz():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import arviz

    chains = np.random.default_rng(9).normal(size=(500, 3)).cumsum(axis=0) * 0.05 + np.random.default_rng(
        10
    ).normal(size=(500, 3))
    assert bayes.autocorr_ess(chains) == pytest.approx(float(arviz.ess(chains.T, method="mean")), rel=1e-10)
    assert bayes.gelman_rubin(chains) == pytest.approx(
        float(arviz.rhat(chains.T, method="identity")), rel=1e-12
    )
