"""The studies of the foundation chapters (introduction, linear algebra, regression,
classification): settings that are the book's run, helpers that do what they say, and
settings that refuse what the run cannot do."""

import numpy as np
import pytest

from physml import experiment, intro
from physml.studies import introduction, linear_algebra, regression


@pytest.fixture(autouse=True)
def _forget_last_runs():
    yield
    for chapter in ("introduction", "linear_algebra", "regression", "classification"):
        experiment.reset(chapter)


def test_line_run_is_the_fit_of_the_line_data():
    cfg = introduction.LineRun()
    run = introduction.line_run(cfg)
    x, y = introduction.line_data(cfg)
    theta, costs = intro.fit_line_gradient_descent(x, y, eta=cfg.eta, n_steps=cfg.n_steps)
    np.testing.assert_array_equal(run["theta"], theta)
    assert len(run["costs"]) == cfg.n_steps and run["errors"].shape == (2,)
    assert run["expected_train_mse"] == pytest.approx((cfg.n - 2) / cfg.n * cfg.noise**2)


def test_line_run_refuses_a_learning_rate_of_zero():
    with pytest.raises(ValueError, match="LineRun.eta"):
        introduction.LineRun(eta=0.0)


def test_squeezed_matrix_has_the_prescribed_condition_number():
    X = linear_algebra.squeezed_matrix(30, 5, 1e4, np.random.default_rng(0))
    s = np.linalg.svd(X, compute_uv=False)
    np.testing.assert_allclose(s, [1, 1, 1, 1, 1e-4], rtol=1e-10)


def test_power_law_fit_recovers_an_exact_power():
    kappa = np.repeat(np.logspace(1, 5, 5), 2)
    slope, se = linear_algebra.power_law_fit(kappa, 3e-16 * kappa**2)
    assert slope == pytest.approx(2.0, abs=1e-12) and se < 1e-10


def test_kappa_law_settings_refuse_a_wide_matrix_and_an_empty_range():
    with pytest.raises(ValueError, match="n_cols"):
        linear_algebra.KappaLawRun(n_rows=5, n_cols=10)
    with pytest.raises(ValueError, match="log10_kappa_max"):
        linear_algebra.KappaLawRun(log10_kappa_min=3.0, log10_kappa_max=3.0)


def test_condition_run_ratio_is_error_over_kappa_eps():
    sweep = linear_algebra.condition_run(linear_algebra.ConditionRun(n=4, n_kappas=3, repeats=2))
    np.testing.assert_allclose(sweep["ratio"], sweep["error"] / (sweep["kappa"] * np.finfo(float).eps))


def test_franke_data_default_is_the_book_data_and_settings_carry_it():
    book = regression.franke_matrices(3)
    same = regression.franke_matrices(3, regression.DegreeRun())
    for a, b in zip(book, same, strict=True):
        np.testing.assert_array_equal(a, b)
    noisier = regression.franke_matrices(3, regression.DegreeRun(noise=0.3))
    assert not np.array_equal(book[2], noisier[2])
    with pytest.raises(TypeError, match="FrankeData"):
        regression.franke_split(regression.RidgeRun())


def test_bootstrap_variance_run_is_near_one_with_a_positive_error():
    cfg = regression.BootstrapVarianceRun(n_train=400, degree=1, n_bootstraps=50, n_test=5)
    run = regression.bootstrap_variance_run(cfg)
    assert run["sigma"] > 0 and run["exact"].shape == (5,)
    assert abs(run["ratio"] - 1) < 5 * run["sigma"]


def test_ridge_setting_follows_the_settings():
    X, theta, sigma = regression.ridge_setting(regression.RidgeRun(n=20, theta_true=(1.0, 2.0)))
    assert X.shape == (20, 2) and theta.tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match="theta_true"):
        regression.RidgeRun(theta_true=())


def test_ridge_theory_matches_direct_formula():
    X, theta_true, _ = regression.ridge_setting()
    n, p = X.shape
    lam = 0.3
    bias, cov = regression.ridge_theory(lam)
    mean = np.linalg.solve(X.T @ X + n * lam * np.eye(p), X.T @ X @ theta_true)
    np.testing.assert_allclose(bias, mean - theta_true, atol=1e-12)
    assert np.all(np.linalg.eigvalsh(cov) > 0)
