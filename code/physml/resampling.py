"""Resampling: the bootstrap, k-fold cross-validation and the bias-variance decomposition.

Used in the regression chapter (``chapters/regression.md``). A *fit* here is any
callable ``fit(X, y)`` that returns an object with a ``predict(X)`` method, for example
``functools.partial(physml.regression.fit_linear, method="ridge", lam=1e-3)`` or
``lambda X, y: sklearn.linear_model.LinearRegression().fit(X, y)``. Each resample
calls ``fit`` afresh, so everything learned from data (the scaler included) is
learned from that resample's training part only.

The loops run many small fits; inside them BLAS is limited to one thread (and
restored afterwards), because for matrices this small, thread start-up and
synchronisation cost more than they save.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from threadpoolctl import threadpool_limits

from ._validate import as_float_array, as_rng, check_finite_result, check_int, check_same_length
from .regression import mse


def _check_fit(fit) -> None:
    if not callable(fit):
        raise TypeError(f"fit must be a callable fit(X, y) returning a model, got {type(fit).__name__}")


def _fitted(fit, X: np.ndarray, y: np.ndarray):
    """Call ``fit(X, y)`` and check that it returned a model with a ``predict`` method."""
    model = fit(X, y)
    if not callable(getattr(model, "predict", None)):
        raise TypeError(f"fit must return a model with a predict(X) method, got {type(model).__name__}")
    return model


def _predict(model, X: np.ndarray, where: str) -> np.ndarray:
    """``model.predict(X)`` for a model made by ``fit``: one finite real number per row of ``X``."""
    prediction = np.asarray(model.predict(X))
    if prediction.dtype.kind not in "biuf":
        raise TypeError(
            f"the model made by fit must predict real numbers, got dtype {prediction.dtype} {where}"
        )
    if prediction.shape not in ((X.shape[0],), (X.shape[0], 1)):
        raise ValueError(
            f"the model made by fit must predict one value per row ({X.shape[0]} rows), "
            f"got shape {prediction.shape} {where}"
        )
    check_finite_result(prediction, "the model made by fit (its predict)", where)
    return prediction.reshape(-1).astype(float)


def _score(metric, y_true: np.ndarray, y_pred: np.ndarray, where: str) -> float:
    """``metric(y_true, y_pred)``, which must be one finite real number."""
    score = metric(y_true, y_pred)
    value = np.asarray(score)
    if value.ndim != 0 or value.dtype.kind not in "iuf":
        raise TypeError(
            "metric must return a real number (a scalar) for each fold, "
            f"got {type(score).__name__} of dtype {value.dtype} and shape {value.shape} {where}"
        )
    return float(check_finite_result(value, "metric", where))


def _check_train(X, y, name_X: str = "X", name_y: str = "y") -> tuple[np.ndarray, np.ndarray]:
    X = as_float_array(X, name_X, ndim=2, nonempty=True)
    y = as_float_array(y, name_y, ndim=1, nonempty=True)
    check_same_length(X, name_X, y, name_y)
    return X, y


def bootstrap(fit: Callable, X_train, y_train, X_test, n_bootstraps: int, seed) -> np.ndarray:
    """Predictions on ``X_test`` of models fitted to bootstrap resamples of the training set.

    Each of the ``n_bootstraps`` resamples draws ``n`` rows of ``(X_train, y_train)`` with
    replacement. Returns an array of shape ``(n_bootstraps, len(X_test))`` whose row ``b``
    is the prediction of the model fitted to resample ``b``. A model that predicts NaN or
    inf stops the loop with a ``FloatingPointError``.
    """
    _check_fit(fit)
    X_train, y_train = _check_train(X_train, y_train, "X_train", "y_train")
    X_test = as_float_array(X_test, "X_test", ndim=2, nonempty=True)
    if X_test.shape[1] != X_train.shape[1]:
        raise ValueError(
            "X_test must have the same number of columns as X_train, "
            f"got {X_test.shape[1]} and {X_train.shape[1]}"
        )
    check_int(n_bootstraps, "n_bootstraps", minimum=1)
    rng = as_rng(seed)
    n = X_train.shape[0]
    predictions = np.empty((n_bootstraps, X_test.shape[0]))
    with threadpool_limits(limits=1, user_api="blas"):
        for b in range(n_bootstraps):
            idx = rng.integers(0, n, size=n)
            model = _fitted(fit, X_train[idx], y_train[idx])
            predictions[b] = _predict(model, X_test, f"on X_test (bootstrap resample {b})")
    return predictions


class BiasVariance(NamedTuple):
    """Mean test error and its two parts; ``error == bias2 + variance`` up to round-off."""

    error: float
    bias2: float
    variance: float


def bias_variance(predictions, y_test) -> BiasVariance:
    """Decompose the bootstrap test error into bias squared and variance.

    ``predictions[b, j]`` is the prediction of bootstrap model b = 1..B at test point j = 1..m
    and ``mean_j`` = (1/B) sum_b predictions[b, j] the mean prediction. Then

        error    = (1/m) sum_j (1/B) sum_b (y_j - predictions[b, j])^2
        bias2    = (1/m) sum_j (y_j - mean_j)^2
        variance = (1/m) sum_j (1/B) sum_b (predictions[b, j] - mean_j)^2

    and error = bias2 + variance exactly: the cross term
    (2/B) (y_j - mean_j) sum_b (mean_j - predictions[b, j]) vanishes because deviations
    from a mean sum to zero. If the targets are noisy, the noise variance is part of ``bias2``.
    """
    predictions = as_float_array(predictions, "predictions", ndim=2)
    y_test = as_float_array(y_test, "y_test", ndim=1)
    if predictions.shape[1] != y_test.shape[0]:
        raise ValueError(
            f"predictions must have shape (n_bootstraps, {y_test.shape[0]}) to match y_test, "
            f"got {predictions.shape}"
        )
    if predictions.size == 0:
        raise ValueError("predictions must not be empty")
    mean_prediction = predictions.mean(axis=0)
    error = np.mean((y_test[None, :] - predictions) ** 2)
    bias2 = np.mean((y_test - mean_prediction) ** 2)
    variance = np.mean((predictions - mean_prediction[None, :]) ** 2)
    return BiasVariance(float(error), float(bias2), float(variance))


def kfold_indices(n: int, k: int, seed) -> list[tuple[np.ndarray, np.ndarray]]:
    """Split ``range(n)`` at random into ``k`` folds; return ``[(train_idx, test_idx), ...]``.

    The folds are disjoint, together contain every index exactly once, and their sizes
    differ by at most one. Fold ``i`` is the test set of split ``i``; the other ``k - 1``
    folds form its training set.
    """
    check_int(n, "n", minimum=2)
    check_int(k, "k", minimum=2)
    if k > n:
        raise ValueError(f"k must not exceed the number of samples n={n}, got k={k}")
    order = as_rng(seed).permutation(n)
    folds = np.array_split(order, k)
    splits = []
    for i, test_idx in enumerate(folds):
        train_idx = np.concatenate([f for j, f in enumerate(folds) if j != i])
        splits.append((np.sort(train_idx), np.sort(test_idx)))
    return splits


def cross_validate(fit: Callable, X, y, k: int = 5, seed=0, metric: Callable = mse) -> np.ndarray:
    """k-fold cross-validation: the test ``metric`` (default MSE) of each of the ``k`` folds.

    For each split of ``kfold_indices``, ``fit`` is called on the training folds and
    ``metric(y_test, prediction)`` is evaluated on the held-out fold. The usual estimate of
    the generalisation error is the mean of the returned array. ``metric`` must return one
    real number; a model prediction or a score that is NaN or inf stops with a
    ``FloatingPointError``.
    """
    _check_fit(fit)
    X, y = _check_train(X, y)
    if not callable(metric):
        raise TypeError(f"metric must be a callable metric(y, y_pred), got {type(metric).__name__}")
    check_int(k, "k", minimum=2)
    if k > X.shape[0]:
        raise ValueError(f"k must not exceed the number of samples ({X.shape[0]}), got k={k}")
    scores = []
    with threadpool_limits(limits=1, user_api="blas"):
        for i, (train_idx, test_idx) in enumerate(kfold_indices(X.shape[0], k, seed)):
            model = _fitted(fit, X[train_idx], y[train_idx])
            where = f"on fold {i + 1} of {k}"
            scores.append(_score(metric, y[test_idx], _predict(model, X[test_idx], where), where))
    return np.asarray(scores, dtype=float)
