"""Tests of physml.gp: equality with scikit-learn, the gradient, hyperparameter fits and bad input."""

import numpy as np
import pytest
from sklearn.gaussian_process import GaussianProcessRegressor

from physml import gp

KERNELS = [
    gp.RBF(0.8, 1.3),
    gp.Matern(0.8, 1.3, nu=0.5),
    gp.Matern(0.8, 1.3, nu=1.5),
    gp.Matern(0.8, 1.3, nu=2.5),
]


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 5, (25, 2))
    y = np.sin(X[:, 0]) * np.cos(X[:, 1]) + 0.05 * rng.standard_normal(25)
    return X, y, rng.uniform(0, 5, (40, 2))


@pytest.mark.parametrize("kernel", KERNELS, ids=lambda k: f"{type(k).__name__}-{getattr(k, 'nu', '')}")
def test_predictions_and_lml_equal_sklearn(data, kernel):
    X, y, X_star = data
    ours = gp.GaussianProcess(kernel, noise=0.01).fit(X, y)
    sk = GaussianProcessRegressor(kernel.to_sklearn(), alpha=0.01, optimizer=None).fit(X, y)
    mean, std = ours.predict(X_star)
    sk_mean, sk_std = sk.predict(X_star, return_std=True)
    np.testing.assert_allclose(mean, sk_mean, atol=1e-8, rtol=0)
    np.testing.assert_allclose(std, sk_std, atol=1e-8, rtol=0)
    assert abs(ours.log_marginal_likelihood() - sk.log_marginal_likelihood_value_) < 1e-8
    _, cov = ours.predict(X_star, return_cov=True)
    _, sk_cov = sk.predict(X_star, return_cov=True)
    np.testing.assert_allclose(cov, sk_cov, atol=1e-8, rtol=0)


@pytest.mark.parametrize("kernel", KERNELS, ids=lambda k: f"{type(k).__name__}-{getattr(k, 'nu', '')}")
def test_gradient_matches_finite_differences(data, kernel):
    X, y, _ = data
    noise = 0.02
    _, grad = gp.log_marginal_likelihood(kernel, noise, X, y, gradient=True)
    theta = np.append(kernel.log_params, np.log(noise))

    def f(th):
        return gp.log_marginal_likelihood(kernel.with_log_params(th[:2]), float(np.exp(th[2])), X, y)

    h = 1e-5
    fd = [(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-6)


def test_fit_hyperparameters_reaches_sklearn_optimum():
    from physml import experiment
    from physml.studies import gp as study

    try:
        toy = study.toy_run(study.ToyRun.short())
    finally:
        experiment.reset("gp")
    assert toy["rbf"].log_marginal_likelihood >= toy["sklearn_lml"] - 1e-6
    assert toy["rbf"].history[-1] <= toy["rbf"].history[0]


def test_fixed_noise_is_kept(data):
    X, y, _ = data
    fit = gp.fit_hyperparameters(gp.RBF(), X, y, noise=0.03, n_starts=2, seed=1)
    assert fit.gp.noise == 0.03
    assert fit.starts.shape == (2,)


def test_fit_is_reproducible(data):
    X, y, _ = data
    a = gp.fit_hyperparameters(gp.Matern(nu=1.5), X, y, n_starts=3, seed=4)
    b = gp.fit_hyperparameters(gp.Matern(nu=1.5), X, y, n_starts=3, seed=4)
    assert a.log_marginal_likelihood == b.log_marginal_likelihood


def test_posterior_variance_shrinks_at_data_and_prior_far_away():
    X = np.array([0.0, 1.0, 2.0])
    model = gp.GaussianProcess(gp.RBF(0.5, 2.0), noise=1e-6).fit(X, np.sin(X))
    _, std = model.predict(np.array([1.0, 50.0]))
    assert std[0] < 1e-2
    assert abs(std[1] - np.sqrt(2.0)) < 1e-12


def test_prior_samples_have_the_kernel_covariance():
    X = np.array([0.0, 0.3, 2.0])
    f = gp.sample_prior(gp.RBF(1.0, 1.5), X, 40_000, seed=0)
    np.testing.assert_allclose(np.cov(f.T), gp.RBF(1.0, 1.5)(X), atol=0.05)


def test_singular_kernel_matrix_raises_clear_error():
    X = np.linspace(0, 1, 40)
    with pytest.raises(gp.NotPositiveDefiniteError, match=r"kernel matrix K\(X, X\) \+ noise \* I"):
        gp.GaussianProcess(gp.RBF(2.0), noise=0.0).fit(X, np.sin(X))
    with pytest.raises(gp.NotPositiveDefiniteError, match="not positive definite|singular"):
        gp.GaussianProcess(gp.RBF(1.0), noise=0.0).fit(np.array([0.5, 0.5]), np.array([1.0, 1.0]))


def test_bad_input_raises():
    X = np.linspace(0, 1, 5)
    y = np.sin(X)
    with pytest.raises(ValueError, match="y contains NaN"):
        gp.GaussianProcess().fit(X, np.where(X > 0.5, np.nan, y))
    with pytest.raises(ValueError, match="X contains NaN"):
        gp.GaussianProcess().fit(np.append(X[:-1], np.inf), y)
    with pytest.raises(ValueError, match="same number of samples"):
        gp.GaussianProcess().fit(X, y[:-1])
    with pytest.raises(ValueError, match="length_scale must be >"):
        gp.RBF(length_scale=-1.0)
    with pytest.raises(ValueError, match="nu must be one of"):
        gp.Matern(nu=3.0)
    with pytest.raises(ValueError, match="noise must be >="):
        gp.GaussianProcess(noise=-1.0).fit(X, y)
    with pytest.raises(TypeError, match="kernel must be"):
        gp.GaussianProcess(kernel="rbf").fit(X, y)
    with pytest.raises(gp.NotFittedError, match="call fit"):
        gp.GaussianProcess().predict(X)
    model = gp.GaussianProcess(noise=1e-4).fit(X, y)
    with pytest.raises(ValueError, match="X_star must have 1 features"):
        model.predict(np.ones((3, 2)))


def test_methods_before_fit_raise_not_fitted_error():
    """predict, sample_posterior and log_marginal_likelihood before fit: NotFittedError, a ValueError."""
    import physml

    model = gp.GaussianProcess()
    X = np.linspace(0.0, 1.0, 4)
    calls = (
        lambda: model.predict(X),
        lambda: model.sample_posterior(X, 2, seed=0),
        lambda: model.log_marginal_likelihood(),
    )
    for call in calls:
        with pytest.raises(physml.NotFittedError, match=r"not fitted.*fit\(X, y\)"):
            call()
    assert issubclass(physml.NotFittedError, ValueError)
    assert gp.NotFittedError is physml.NotFittedError


# ------------------------------------------------------- ARD, Bayesian optimisation, classification


def test_ard_kernel_equals_sklearn_and_its_gradient_finite_differences(data):
    X, y, X_star = data
    kernel = gp.ARDRBF((0.7, 2.0), 1.3)
    ours = gp.GaussianProcess(kernel, noise=0.01).fit(X, y)
    sk = GaussianProcessRegressor(kernel.to_sklearn(), alpha=0.01, optimizer=None).fit(X, y)
    mean, std = ours.predict(X_star)
    sk_mean, sk_std = sk.predict(X_star, return_std=True)
    np.testing.assert_allclose(mean, sk_mean, atol=1e-8, rtol=0)
    np.testing.assert_allclose(std, sk_std, atol=1e-8, rtol=0)
    assert abs(ours.log_marginal_likelihood() - sk.log_marginal_likelihood_value_) < 1e-8
    _, grad = gp.log_marginal_likelihood(kernel, 0.02, X, y, gradient=True)
    theta = np.append(kernel.log_params, np.log(0.02))

    def f(th):
        return gp.log_marginal_likelihood(kernel.with_log_params(th[:3]), float(np.exp(th[3])), X, y)

    h = 1e-5
    fd = [(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in np.eye(4)]
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-6)


def test_ard_finds_the_irrelevant_input():
    rng = np.random.default_rng(2)
    X = rng.uniform(size=(40, 3))
    y = np.sin(3 * X[:, 0]) + X[:, 1] ** 2 + 0.01 * rng.standard_normal(40)
    fit = gp.fit_hyperparameters(gp.ARDRBF((1.0, 1.0, 1.0)), X, y - y.mean(), n_starts=2, seed=0)
    ell = np.asarray(fit.gp.kernel.length_scale)
    assert ell[2] > 10 * max(ell[0], ell[1])
    assert fit.optima.shape == (2, 5)


def test_expected_improvement_equals_numerical_integral():
    from scipy.integrate import quad
    from scipy.stats import norm

    mean, std, best = np.array([0.3, -0.2, 1.0]), np.array([0.5, 0.1, 2.0]), 0.1
    ei = gp.expected_improvement(mean, std, best)
    for m, s, e in zip(mean, std, ei, strict=True):
        ref = quad(lambda f, m=m, s=s: (best - f) * norm.pdf(f, m, s), -np.inf, best)[0]
        assert abs(e - ref) < 1e-8
    assert gp.expected_improvement(np.array([0.0, 0.5]), np.zeros(2), 0.2).tolist() == [0.2, 0.0]


def test_bayes_opt_finds_a_quadratic_minimum_and_is_reproducible():
    def f(x):
        return float((x[0] - 0.3) ** 2 + 2 * (x[1] + 0.1) ** 2)

    a = gp.bayes_opt(f, [[-1, 1], [-1, 1]], 4, 10, seed=0)
    b = gp.bayes_opt(f, [[-1, 1], [-1, 1]], 4, 10, seed=0)
    assert a.y.size == 14 and a.y_best < 1e-2
    np.testing.assert_array_equal(a.X, b.X)
    assert np.all(np.diff(a.best_so_far) <= 0)
    with pytest.raises(ValueError, match="non-finite"):
        gp.bayes_opt(lambda x: float("nan"), [[0, 1]], 2, 0, seed=0)
    with pytest.raises(ValueError, match="bounds must have low < high"):
        gp.bayes_opt(f, [[1, 0]], 2, 1, seed=0)


def test_laplace_classifier_equals_sklearn():
    from sklearn.gaussian_process import GaussianProcessClassifier

    rng = np.random.default_rng(1)
    X = rng.uniform(-2, 2, (50, 2))
    y = (X[:, 0] * X[:, 1] + 0.3 * rng.standard_normal(50) > 0).astype(float)
    kernel = gp.RBF(0.8, 3.0)
    ours = gp.LaplaceGPClassifier(kernel).fit(X, y)
    sk = GaussianProcessClassifier(kernel.to_sklearn(), optimizer=None).fit(X, y)
    X_star = rng.uniform(-2, 2, (100, 2))
    mean, var = ours.latent(X_star)
    sk_mean, sk_var = sk.latent_mean_and_variance(X_star)
    np.testing.assert_allclose(mean, sk_mean, atol=1e-6)
    np.testing.assert_allclose(var, sk_var, atol=1e-6)
    assert abs(ours.log_marginal_likelihood_ - sk.log_marginal_likelihood_value_) < 1e-6
    np.testing.assert_allclose(ours.predict_proba(X_star), sk.predict_proba(X_star)[:, 1], atol=5e-4)


def test_laplace_classifier_bad_input_and_unfitted():
    import physml

    with pytest.raises(ValueError, match="labels 0 and 1"):
        gp.LaplaceGPClassifier().fit(np.zeros((3, 1)), np.array([0.0, 2.0, 1.0]))
    with pytest.raises(physml.NotFittedError):
        gp.LaplaceGPClassifier().predict_proba(np.zeros((2, 1)))
    with pytest.raises(physml.ConvergenceError):
        gp.LaplaceGPClassifier(gp.RBF(0.5, 4.0), max_iter=1).fit(
            np.linspace(0, 1, 6), np.array([0, 1, 0, 1, 1, 0.0])
        )
