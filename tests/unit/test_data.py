"""Tests of physml.data: the Franke function, sampled data sets, splitting and scaling."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.preprocessing import StandardScaler

from physml import data


def _franke_reference(x: float, y: float) -> float:
    """The Franke function written out term by term with the math module."""
    return (
        0.75 * math.exp(-((9 * x - 2) ** 2) / 4 - (9 * y - 2) ** 2 / 4)
        + 0.75 * math.exp(-((9 * x + 1) ** 2) / 49 - (9 * y + 1) / 10)
        + 0.5 * math.exp(-((9 * x - 7) ** 2) / 4 - (9 * y - 3) ** 2 / 4)
        - 0.2 * math.exp(-((9 * x - 4) ** 2) - (9 * y - 7) ** 2)
    )


@given(st.floats(0, 1), st.floats(0, 1))
def test_franke_matches_term_by_term_formula(x, y):
    assert data.franke(x, y) == pytest.approx(_franke_reference(x, y), rel=1e-13, abs=1e-15)


def test_franke_second_term_is_linear_in_y():
    # at x = -1/9 the second term is 0.75 exp(-(9y+1)/10); a squared version would differ
    x = np.full(3, -1 / 9)
    y = np.array([0.0, 0.5, 1.0])
    others = data.franke(x, y) - 0.75 * np.exp(-(9 * y + 1) / 10)
    expected = np.array([_franke_reference(-1 / 9, v) - 0.75 * math.exp(-(9 * v + 1) / 10) for v in y])
    np.testing.assert_allclose(others, expected, rtol=1e-12, atol=1e-15)


def test_franke_bad_input():
    with pytest.raises(ValueError, match="x and y"):
        data.franke(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="x"):
        data.franke([0.1, np.nan], [0.1, 0.2])
    with pytest.raises(ValueError, match="y"):
        data.franke([0.1, 0.2], [0.1, np.inf])


def test_franke_samples_reproducible_and_in_range():
    a = data.franke_samples(50, 0.1, seed=3)
    b = data.franke_samples(50, 0.1, seed=3)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    x, y, z = a
    assert x.shape == y.shape == z.shape == (50,)
    assert np.all((x >= 0) & (x <= 1) & (y >= 0) & (y <= 1))
    x0, y0, z0 = data.franke_samples(20, 0.0, seed=1)
    np.testing.assert_array_equal(z0, data.franke(x0, y0))


def test_franke_samples_bad_input():
    with pytest.raises(ValueError, match="noise"):
        data.franke_samples(10, -0.1, seed=0)
    with pytest.raises(ValueError, match="n"):
        data.franke_samples(0, 0.1, seed=0)
    with pytest.raises(TypeError, match="seed"):
        data.franke_samples(10, 0.1, seed=None)


def test_noisy_polynomial():
    x, y = data.noisy_polynomial(30, [1.0, -2.0, 0.5], 0.0, seed=0)
    np.testing.assert_allclose(y, 1.0 - 2.0 * x + 0.5 * x**2)
    assert np.all(np.abs(x) <= 1)
    with pytest.raises(ValueError, match="coefficients"):
        data.noisy_polynomial(30, [], 0.1, seed=0)
    with pytest.raises(ValueError, match="coefficients"):
        data.noisy_polynomial(30, [1.0, np.nan], 0.1, seed=0)


@given(st.integers(2, 60), st.floats(0.01, 0.99), st.integers(0, 2**31))
def test_train_test_split_partitions_rows(n, test_size, seed):
    rows = np.arange(n, dtype=float)
    X = np.column_stack([rows, -rows])
    X_tr, X_te, r_tr, r_te = data.train_test_split(X, rows, test_size=test_size, seed=seed)
    assert len(r_tr) + len(r_te) == n and len(r_tr) >= 1 and len(r_te) >= 1
    assert sorted(np.concatenate([r_tr, r_te])) == list(rows)
    np.testing.assert_array_equal(X_tr[:, 0], r_tr)  # rows stay together across arrays
    np.testing.assert_array_equal(X_te[:, 0], r_te)


def test_train_test_split_sizes_and_errors():
    parts = data.train_test_split(np.arange(10.0), test_size=3, seed=0)
    assert [len(p) for p in parts] == [7, 3]
    parts = data.train_test_split(np.arange(10.0), test_size=0.25, seed=0)
    assert [len(p) for p in parts] == [7, 3]  # a fraction is rounded up, as in scikit-learn
    with pytest.raises(ValueError, match="arrays"):
        data.train_test_split(np.arange(10.0), np.arange(9.0), seed=0)
    with pytest.raises(ValueError, match="test_size"):
        data.train_test_split(np.arange(10.0), test_size=1.5, seed=0)
    with pytest.raises(ValueError, match="test_size"):
        data.train_test_split(np.arange(10.0), test_size=10, seed=0)
    with pytest.raises(ValueError, match="arrays"):
        data.train_test_split(np.array([1.0, np.nan, 2.0]), seed=0)


@given(st.integers(0, 2**31))
def test_scaler_matches_sklearn_and_uses_training_statistics(seed):
    rng = np.random.default_rng(seed)
    X_train = rng.normal(3.0, 2.0, size=(40, 4))
    X_test = rng.normal(-1.0, 5.0, size=(15, 4))
    scaler = data.fit_scaler(X_train)
    reference = StandardScaler().fit(X_train)
    np.testing.assert_allclose(data.scale(X_train, scaler), reference.transform(X_train), atol=1e-12)
    np.testing.assert_allclose(data.scale(X_test, scaler), reference.transform(X_test), atol=1e-12)
    scaled_train = data.scale(X_train, scaler)
    np.testing.assert_allclose(scaled_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(scaled_train.std(axis=0), 1.0, rtol=1e-12)


def test_scaler_constant_column_and_errors():
    X = np.column_stack([np.ones(5), np.arange(5.0)])
    scaler = data.fit_scaler(X)
    assert scaler.scale[0] == 1.0
    np.testing.assert_array_equal(data.scale(X, scaler)[:, 0], 0.0)
    centred = data.fit_scaler(X, with_std=False)
    np.testing.assert_array_equal(centred.scale, 1.0)
    with pytest.raises(ValueError, match="X"):
        data.scale(np.ones((3, 3)), scaler)
    with pytest.raises(TypeError, match="scaler"):
        data.scale(X, (0.0, 1.0))
    with pytest.raises(ValueError, match="X"):
        data.fit_scaler(np.array([[1.0, np.nan]]))
