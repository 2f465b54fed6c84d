"""Tests of physml.resampling: k-fold splits, cross-validation, bootstrap, bias-variance."""

import functools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from physml import regression, resampling

seeds = st.integers(0, 2**31)


def _problem(seed: int, n: int = 60, p: int = 4):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = X @ rng.standard_normal(p) + 0.5 * rng.standard_normal(n)
    return X, y


# --------------------------------------------------------------------------- k-fold


@given(st.integers(2, 200), st.integers(2, 20), seeds)
def test_kfold_splits_partition_the_data(n, k, seed):
    k = min(k, n)
    splits = resampling.kfold_indices(n, k, seed)
    assert len(splits) == k
    tests = [test for _, test in splits]
    all_test = np.concatenate(tests)
    assert sorted(all_test) == list(range(n))  # disjoint and covering: every index exactly once
    sizes = [len(t) for t in tests]
    assert max(sizes) - min(sizes) <= 1
    for train, test in splits:
        assert len(np.intersect1d(train, test)) == 0
        assert len(train) + len(test) == n


def test_kfold_reproducible_and_bad_input():
    a = resampling.kfold_indices(17, 4, seed=5)
    b = resampling.kfold_indices(17, 4, seed=5)
    for (tr_a, te_a), (tr_b, te_b) in zip(a, b, strict=True):
        np.testing.assert_array_equal(tr_a, tr_b)
        np.testing.assert_array_equal(te_a, te_b)
    with pytest.raises(ValueError, match="k"):
        resampling.kfold_indices(5, 6, seed=0)
    with pytest.raises(ValueError, match="k"):
        resampling.kfold_indices(5, 1, seed=0)
    with pytest.raises(TypeError, match="seed"):
        resampling.kfold_indices(5, 2, seed="a")


# --------------------------------------------------------------------------- cross-validation


@given(seeds, st.integers(2, 10))
def test_cross_validate_equals_sklearn_on_the_same_folds(seed, k):
    X, y = _problem(seed)
    ours = resampling.cross_validate(regression.fit_linear, X, y, k=k, seed=seed)
    folds = resampling.kfold_indices(len(y), k, seed)
    pipeline = make_pipeline(StandardScaler(), LinearRegression())
    theirs = -cross_val_score(pipeline, X, y, cv=folds, scoring="neg_mean_squared_error")
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-14)


def test_cross_validate_bad_input():
    X, y = _problem(0, n=8)
    with pytest.raises(ValueError, match="k"):
        resampling.cross_validate(regression.fit_linear, X, y, k=9)
    with pytest.raises(ValueError, match="X and y"):
        resampling.cross_validate(regression.fit_linear, X, y[:-1], k=2)
    with pytest.raises(TypeError, match="fit"):
        resampling.cross_validate("ols", X, y, k=2)
    y_nan = y.copy()
    y_nan[0] = np.nan
    with pytest.raises(ValueError, match="y"):
        resampling.cross_validate(regression.fit_linear, X, y_nan, k=2)


# --------------------------------------------------------------------------- bootstrap


class _MeanModel:
    """Predicts the mean of its training targets; remembers which rows it saw."""

    seen: list = []

    def __init__(self, X, y):
        self.value = y.mean()
        _MeanModel.seen.append(X[:, 0].copy())

    def predict(self, X):
        return np.full(len(X), self.value)


def test_bootstrap_resamples_with_replacement_and_is_reproducible():
    X = np.arange(20.0)[:, None]
    y = np.arange(20.0)
    _MeanModel.seen = []
    p1 = resampling.bootstrap(_MeanModel, X, y, X[:3], n_bootstraps=50, seed=2)
    rows = _MeanModel.seen
    assert p1.shape == (50, 3)
    assert all(len(r) == 20 and set(r) <= set(range(20)) for r in rows)
    assert any(len(set(r)) < 20 for r in rows)  # repeated rows: drawn with replacement
    np.testing.assert_allclose(p1[:, 0], [r.mean() for r in rows])
    p2 = resampling.bootstrap(_MeanModel, X, y, X[:3], n_bootstraps=50, seed=2)
    np.testing.assert_array_equal(p1, p2)


def test_bootstrap_bad_input():
    X, y = _problem(0)
    fit = regression.fit_linear
    with pytest.raises(ValueError, match="n_bootstraps"):
        resampling.bootstrap(fit, X, y, X, n_bootstraps=0, seed=0)
    with pytest.raises(ValueError, match="X_test"):
        resampling.bootstrap(fit, X, y, X[:, :2], n_bootstraps=2, seed=0)
    with pytest.raises(ValueError, match="X_train and y_train"):
        resampling.bootstrap(fit, X, y[:3], X, n_bootstraps=2, seed=0)
    with pytest.raises(TypeError, match="fit"):
        resampling.bootstrap(None, X, y, X, n_bootstraps=2, seed=0)


# --------------------------------------------------------------------------- bias-variance


@given(seeds, st.integers(1, 30), st.integers(1, 40))
def test_bias_variance_identity_holds_to_round_off(seed, n_boot, m):
    rng = np.random.default_rng(seed)
    y = rng.normal(0, 3, size=m)
    predictions = y + rng.normal(0.5, 2.0, size=(n_boot, m))
    error, bias2, variance = resampling.bias_variance(predictions, y)
    assert error == pytest.approx(bias2 + variance, rel=1e-12, abs=1e-15)
    assert bias2 >= 0 and variance >= 0


@given(seeds)
def test_bias_variance_identity_for_bootstrap_fits(seed):
    X, y = _problem(seed)
    fit = functools.partial(regression.fit_linear, method="ridge", lam=1e-2)
    predictions = resampling.bootstrap(fit, X[:40], y[:40], X[40:], n_bootstraps=20, seed=seed)
    result = resampling.bias_variance(predictions, y[40:])
    assert result.error == pytest.approx(result.bias2 + result.variance, rel=1e-12)
    # the error is also the plain average of the per-resample test MSEs
    per_resample = [regression.mse(y[40:], p) for p in predictions]
    assert result.error == pytest.approx(np.mean(per_resample), rel=1e-12)


def test_bias_variance_special_cases_and_bad_input():
    y = np.array([1.0, 2.0, 3.0])
    same = np.tile([1.5, 2.0, 2.0], (4, 1))
    error, bias2, variance = resampling.bias_variance(same, y)
    assert variance == 0.0 and error == pytest.approx(bias2)
    with pytest.raises(ValueError, match="predictions"):
        resampling.bias_variance(np.ones((3, 2)), y)
    with pytest.raises(ValueError, match="y_test"):
        resampling.bias_variance(np.ones((3, 3)), [1.0, np.nan, 2.0])
    with pytest.raises(ValueError, match="predictions"):
        resampling.bias_variance(np.ones(3), y)


# --------------------------------------------------------------------------- user functions


class _Predicts:
    """A fit whose model's predict(X) returns ``value(X)``."""

    def __init__(self, value):
        self.value = value

    def __call__(self, X, y):
        return self

    def predict(self, X):
        return self.value(X)


_BAD_PREDICTIONS = [
    (lambda X: np.full(len(X), np.nan), FloatingPointError),
    (lambda X: np.full(len(X), np.inf), FloatingPointError),
    (lambda X: np.zeros(len(X)) + 1j, TypeError),
    (lambda X: np.full(len(X), "a"), TypeError),
    (lambda X: np.zeros(len(X) + 1), ValueError),
]


@pytest.mark.parametrize(("predict", "error"), _BAD_PREDICTIONS)
def test_bad_model_predictions_stop_with_an_error_naming_the_model(predict, error):
    X, y = _problem(0, n=12)
    with pytest.raises(error, match=r"model made by fit"):
        resampling.cross_validate(_Predicts(predict), X, y, k=3)
    with pytest.raises(error, match=r"model made by fit"):
        resampling.bootstrap(_Predicts(predict), X, y, X[:4], n_bootstraps=2, seed=0)


def test_column_predictions_are_accepted():
    X, y = _problem(0, n=12)
    column = _Predicts(lambda X: np.zeros((len(X), 1)))
    scores = resampling.cross_validate(column, X, y, k=3)
    assert scores.shape == (3,)
    assert resampling.bootstrap(column, X, y, X[:4], n_bootstraps=2, seed=0).shape == (2, 4)


def test_custom_scalar_metric_works():
    X, y = _problem(0, n=12)
    mae = resampling.cross_validate(
        regression.fit_linear, X, y, k=3, metric=lambda t, p: np.mean(np.abs(t - p))
    )
    assert mae.shape == (3,) and np.all(mae > 0)


@pytest.mark.parametrize(
    ("metric", "error"),
    [
        (lambda t, p: (t - p) ** 2, TypeError),  # an array per sample, not a score
        (lambda t, p: np.array([0.5]), TypeError),
        (lambda t, p: 0.5 + 1j, TypeError),
        (lambda t, p: "0.5", TypeError),
        (lambda t, p: None, TypeError),
        (lambda t, p: float("nan"), FloatingPointError),
        (lambda t, p: np.inf, FloatingPointError),
    ],
)
def test_metric_must_return_a_finite_real_number(metric, error):
    X, y = _problem(0, n=12)
    with pytest.raises(error, match=r"\bmetric\b"):
        resampling.cross_validate(regression.fit_linear, X, y, k=3, metric=metric)
