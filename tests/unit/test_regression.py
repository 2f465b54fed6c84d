"""Tests of physml.regression: design matrices, OLS, Ridge, Lasso and the fitted model.

Mapping of the penalty parameters to scikit-learn (the course's costs on the left):

* Ridge, (1/n)||y - X theta||^2 + lam ||theta||_2^2   <->  sklearn Ridge(alpha = n * lam)
  because sklearn minimises ||y - Xw||^2 + alpha ||w||^2 (n times our cost);
* Lasso, (1/n)||y - X theta||^2 + lam ||theta||_1     <->  sklearn Lasso(alpha = lam / 2)
  because sklearn minimises (1/(2n))||y - Xw||^2 + alpha ||w||_1 (half our cost).
"""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.linear_model import Lasso, LinearRegression, Ridge
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.preprocessing import PolynomialFeatures

from physml import data, regression

seeds = st.integers(0, 2**31)


def _problem(seed: int, n: int = 40, p: int = 5):
    """A random, well-conditioned, full-rank least-squares problem."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = X @ rng.standard_normal(p) + 0.3 * rng.standard_normal(n)
    return X, y


# --------------------------------------------------------------------------- design matrix


@given(st.integers(0, 7))
def test_design_matrix_matches_sklearn_polynomial_features(degree):
    rng = np.random.default_rng(degree)
    x, y = rng.uniform(size=(2, 12))
    X = regression.polynomial_design_matrix(x, y, degree)
    reference = PolynomialFeatures(degree).fit_transform(np.column_stack([x, y]))
    assert X.shape == (12, (degree + 1) * (degree + 2) // 2)
    np.testing.assert_allclose(X, reference, rtol=1e-12)
    if degree >= 1:
        no_ones = regression.polynomial_design_matrix(x, y, degree, intercept=False)
        np.testing.assert_array_equal(no_ones, X[:, 1:])


def test_design_matrix_one_dimensional():
    x = np.linspace(-1, 1, 7)
    np.testing.assert_allclose(
        regression.polynomial_design_matrix(x, degree=4), np.vander(x, 5, increasing=True)
    )
    assert regression.polynomial_powers(2) == [(0, 0), (1, 0), (0, 1), (2, 0), (1, 1), (0, 2)]


def test_design_matrix_bad_input():
    with pytest.raises(ValueError, match="degree"):
        regression.polynomial_design_matrix(np.ones(3), np.ones(3), -1)
    with pytest.raises(TypeError, match="degree"):
        regression.polynomial_design_matrix(np.ones(3), np.ones(3), 2.5)
    with pytest.raises(ValueError, match="x and y"):
        regression.polynomial_design_matrix(np.ones(3), np.ones(4), 2)
    with pytest.raises(ValueError, match="x"):
        regression.polynomial_design_matrix(np.array([0.1, np.nan]), np.ones(2), 2)
    with pytest.raises(ValueError, match="degree"):
        regression.polynomial_design_matrix(np.ones(3), degree=0, intercept=False)


# --------------------------------------------------------------------------- OLS


@given(seeds, st.integers(10, 60), st.integers(1, 8))
def test_ols_equals_sklearn_linear_regression(seed, n, p):
    X, y = _problem(seed, n, min(p, n - 1))
    reference = LinearRegression(fit_intercept=False).fit(X, y).coef_
    for method in regression.OLS_METHODS:
        np.testing.assert_allclose(regression.ols_fit(X, y, method=method), reference, rtol=0, atol=1e-8)


@given(seeds)
def test_svd_solution_equals_normal_equations(seed):
    X, y = _problem(seed, 30, 6)
    theta_svd = regression.ols_fit(X, y, method="svd")
    theta_normal = np.linalg.solve(X.T @ X, X.T @ y)
    np.testing.assert_allclose(theta_svd, theta_normal, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(regression.ols_fit(X, y, method="normal"), theta_normal, rtol=1e-12)


def test_svd_gives_minimum_norm_solution_for_rank_deficient_x():
    X, y = _problem(0, 20, 3)
    X = np.column_stack([X, X[:, 0]])  # duplicated column: X^T X is singular
    theta = regression.ols_fit(X, y, method="svd")
    np.testing.assert_allclose(theta, np.linalg.pinv(X) @ y, atol=1e-10)
    assert theta[0] == pytest.approx(theta[3])


@given(seeds)
def test_training_mse_non_increasing_with_degree(seed):
    x, y, z = data.franke_samples(80, 0.1, seed=seed)
    u, v = 2 * x - 1, 2 * y - 1
    errors = []
    for degree in range(0, 7):
        X = regression.polynomial_design_matrix(u, v, degree)
        errors.append(regression.mse(z, X @ regression.ols_fit(X, z)))
    # nested models: a higher degree can only lower the training error (up to round-off)
    assert all(b <= a * (1 + 1e-9) + 1e-14 for a, b in zip(errors, errors[1:], strict=False))


# --------------------------------------------------------------------------- Ridge


@given(seeds, st.floats(1e-4, 10.0))
def test_ridge_equals_closed_form_and_sklearn(seed, lam):
    X, y = _problem(seed)
    n, p = X.shape
    theta = regression.ridge_fit(X, y, lam)
    closed_form = np.linalg.solve(X.T @ X + n * lam * np.eye(p), X.T @ y)
    sk = Ridge(alpha=n * lam, fit_intercept=False).fit(X, y).coef_  # alpha = n * lambda
    np.testing.assert_allclose(theta, closed_form, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(theta, sk, rtol=0, atol=1e-10)


@given(seeds)
def test_ridge_with_vanishing_lambda_equals_ols(seed):
    X, y = _problem(seed)
    ols = regression.ols_fit(X, y)
    np.testing.assert_allclose(regression.ridge_fit(X, y, 0.0), ols, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(regression.ridge_fit(X, y, 1e-12), ols, rtol=1e-9, atol=1e-10)


@given(seeds, st.floats(1e-4, 1.0))
def test_fit_linear_ridge_equals_sklearn_with_intercept(seed, lam):
    X, y = _problem(seed)
    X = 3.0 + 2.0 * X  # features with non-zero mean: the intercept matters
    y = y + 5.0
    model = regression.fit_linear(X, y, method="ridge", lam=lam, standardize=False)
    sk = Ridge(alpha=len(y) * lam, fit_intercept=True).fit(X, y)
    np.testing.assert_allclose(model.theta, sk.coef_, atol=1e-10)
    assert model.intercept == pytest.approx(sk.intercept_, abs=1e-10)
    np.testing.assert_allclose(model.predict(X), sk.predict(X), atol=1e-10)


# --------------------------------------------------------------------------- Lasso


@given(seeds, st.floats(1e-3, 0.5))
def test_lasso_equals_sklearn(seed, lam):
    X, y = _problem(seed)
    theta = regression.lasso_fit(X, y, lam, tol=1e-12)
    sk = (
        Lasso(alpha=lam / 2, fit_intercept=False, tol=1e-14, max_iter=100_000).fit(X, y).coef_
    )  # alpha = lam/2
    np.testing.assert_allclose(theta, sk, rtol=0, atol=1e-6)


@given(seeds, st.floats(1e-3, 0.5))
def test_lasso_satisfies_optimality_conditions(seed, lam):
    X, y = _problem(seed)
    theta = regression.lasso_fit(X, y, lam, tol=1e-13)
    gradient = 2.0 / len(y) * X.T @ (y - X @ theta)  # minus the gradient of the squared-error part
    active = theta != 0
    np.testing.assert_allclose(gradient[active], lam * np.sign(theta[active]), atol=1e-9)
    assert np.all(np.abs(gradient[~active]) <= lam + 1e-9)


def test_fit_linear_lasso_equals_sklearn_with_intercept():
    X, y = _problem(4)
    X = 1.0 + 4.0 * X
    lam = 0.05
    X_s = data.scale(X, data.fit_scaler(X))
    model = regression.fit_linear(X, y, method="lasso", lam=lam)
    sk = Lasso(alpha=lam / 2, tol=1e-14, max_iter=100_000).fit(X_s, y)
    np.testing.assert_allclose(model.theta, sk.coef_, atol=1e-8)
    assert model.intercept == pytest.approx(sk.intercept_, abs=1e-8)


def test_lasso_lambda_max():
    X, y = _problem(1)
    lam_max = regression.lasso_lambda_max(X, y)
    assert np.all(regression.lasso_fit(X, y, 1.0001 * lam_max) == 0)
    assert np.count_nonzero(regression.lasso_fit(X, y, 0.99 * lam_max)) >= 1


def test_lasso_warm_start_and_sweep_count():
    X, y = _problem(2)
    cold, n_cold = regression.lasso_fit(X, y, 0.01, return_n_sweeps=True)
    warm, n_warm = regression.lasso_fit(X, y, 0.01, theta0=cold, return_n_sweeps=True)
    np.testing.assert_allclose(warm, cold, atol=1e-9)
    assert n_warm <= n_cold
    with pytest.raises(ValueError, match="theta0"):
        regression.lasso_fit(X, y, 0.01, theta0=np.zeros(2))


def test_lasso_warns_when_not_converged():
    X, y = _problem(3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        regression.lasso_fit(X, y, 1e-4, tol=1e-15, max_sweeps=2)
    assert any("did not converge" in str(w.message) for w in caught)


def test_soft_threshold():
    np.testing.assert_array_equal(
        regression.soft_threshold([-3.0, -0.5, 0.0, 0.5, 3.0], 1.0), [-2, 0, 0, 0, 2]
    )
    with pytest.raises(ValueError, match="gamma"):
        regression.soft_threshold([1.0], -1.0)


# --------------------------------------------------------------------------- metrics and bad input


@given(seeds)
def test_metrics_equal_sklearn(seed):
    rng = np.random.default_rng(seed)
    y, y_pred = rng.standard_normal((2, 25))
    assert regression.mse(y, y_pred) == pytest.approx(mean_squared_error(y, y_pred), rel=1e-12)
    assert regression.r2(y, y_pred) == pytest.approx(r2_score(y, y_pred), rel=1e-12)


def test_bad_input_raises_value_error_naming_the_argument():
    X, y = _problem(0)
    with pytest.raises(ValueError, match="X and y"):
        regression.ols_fit(X, y[:-1])
    with pytest.raises(ValueError, match="X and y"):
        regression.ridge_fit(X[:-2], y, 0.1)
    with pytest.raises(ValueError, match="X and y"):
        regression.lasso_fit(X, y[:5], 0.1)
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    y_inf = y.copy()
    y_inf[3] = np.inf
    for solver in (regression.ols_fit, lambda A, b: regression.ridge_fit(A, b, 0.1)):
        with pytest.raises(ValueError, match="X"):
            solver(X_nan, y)
        with pytest.raises(ValueError, match="y"):
            solver(X, y_inf)
    with pytest.raises(ValueError, match="X"):
        regression.lasso_fit(X_nan, y, 0.1)
    with pytest.raises(ValueError, match="lam"):
        regression.ridge_fit(X, y, -0.1)
    with pytest.raises(ValueError, match="lam"):
        regression.lasso_fit(X, y, -1e-3)
    with pytest.raises(ValueError, match="lam"):
        regression.fit_linear(X, y, method="ridge", lam=-1.0)
    with pytest.raises(ValueError, match="lam"):
        regression.fit_linear(X, y, method="ols", lam=0.1)
    with pytest.raises(ValueError, match="method"):
        regression.ols_fit(X, y, method="qr")
    with pytest.raises(ValueError, match="method"):
        regression.fit_linear(X, y, method="elastic-net")
    with pytest.raises(ValueError, match="y_pred"):
        regression.mse(y, y[:-1])
    with pytest.raises(ValueError, match="X"):
        regression.ols_fit(X[:, 0], y)
    model = regression.fit_linear(X, y)
    with pytest.raises(ValueError, match="X"):
        model.predict(X[:, :2])


def test_ols_confidence_against_the_textbook_formulas():
    from scipy import stats

    rng = np.random.default_rng(5)
    X = np.column_stack([np.ones(30), rng.uniform(-1, 1, 30)])
    y = X @ np.array([1.0, 2.0]) + 0.3 * rng.standard_normal(30)
    ci = regression.ols_confidence(X, y, 0.9)
    theta = np.linalg.lstsq(X, y, rcond=None)[0]
    resid = y - X @ theta
    s2 = resid @ resid / 28
    se = np.sqrt(s2 * np.diag(np.linalg.inv(X.T @ X)))
    np.testing.assert_allclose(ci.theta, theta, atol=1e-12)
    np.testing.assert_allclose(ci.stderr, se, rtol=1e-12)
    np.testing.assert_allclose(ci.upper - ci.theta, stats.t.ppf(0.95, 28) * se, rtol=1e-12)
    with pytest.raises(ValueError, match="rows"):
        regression.ols_confidence(X[:2], y[:2])
    with pytest.raises(ValueError, match="independent"):
        regression.ols_confidence(np.column_stack([X, X[:, 1]]), y)


def test_ising_chain_energies_and_pair_features():
    s = np.array([[1.0, 1.0, 1.0, 1.0], [1.0, -1.0, 1.0, -1.0], [1.0, 1.0, -1.0, -1.0]])
    np.testing.assert_array_equal(regression.ising_chain_energies(s), [-4.0, 4.0, 0.0])
    features = regression.pair_features(s)
    J = np.zeros((4, 4))
    J[np.arange(4), (np.arange(4) + 1) % 4] = -1.0  # E = sum_ij J_ij s_i s_j with the true couplings
    np.testing.assert_array_equal(features @ J.ravel(), regression.ising_chain_energies(s))
    with pytest.raises(ValueError, match="spins"):
        regression.ising_chain_energies(np.array([[1.0, 0.5]]))
