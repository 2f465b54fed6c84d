"""Synthetic data sets and the data-handling steps every fit needs.

Used first in the regression chapter (``chapters/regression.md``) and by later chapters:

* ``franke`` and ``franke_samples`` - the Franke function, a smooth test
  surface on the unit square, sampled with Gaussian noise;
* ``noisy_polynomial`` - a one-dimensional polynomial with noise;
* ``train_test_split`` - a seeded random split into training and test sets;
* ``fit_scaler`` and ``scale`` - standardisation whose mean and width are
  learned from the *training* data only and then applied unchanged to any other data.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from ._validate import as_float_array, as_rng, check_bool, check_int, check_same_length, check_scalar


def franke(x, y) -> np.ndarray:
    """The Franke function on the unit square (Franke, 1979), a standard test surface.

        f(x, y) = 3/4 exp(-(9x-2)^2/4 - (9y-2)^2/4)
                + 3/4 exp(-(9x+1)^2/49 - (9y+1)/10)
                + 1/2 exp(-(9x-7)^2/4 - (9y-3)^2/4)
                - 1/5 exp(-(9x-4)^2 - (9y-7)^2)

    Note that the second term is *linear* in ``9y + 1``. ``x`` and ``y`` are arrays of
    the same shape (or scalars); the result has that shape.
    """
    x = as_float_array(x, "x")
    y = as_float_array(y, "y")
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape, got {x.shape} and {y.shape}")
    term1 = 0.75 * np.exp(-((9 * x - 2) ** 2) / 4 - (9 * y - 2) ** 2 / 4)
    term2 = 0.75 * np.exp(-((9 * x + 1) ** 2) / 49 - (9 * y + 1) / 10)
    term3 = 0.5 * np.exp(-((9 * x - 7) ** 2) / 4 - (9 * y - 3) ** 2 / 4)
    term4 = -0.2 * np.exp(-((9 * x - 4) ** 2) - (9 * y - 7) ** 2)
    return term1 + term2 + term3 + term4


def franke_samples(n: int, noise: float, seed) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw ``n`` points ``(x, y)`` uniformly on [0, 1]^2 and ``z = franke(x, y) + noise * N(0, 1)``."""
    check_int(n, "n", minimum=1)
    check_scalar(noise, "noise", minimum=0.0)
    rng = as_rng(seed)
    x = rng.uniform(0.0, 1.0, size=n)
    y = rng.uniform(0.0, 1.0, size=n)
    z = franke(x, y) + noise * rng.standard_normal(n)
    return x, y, z


def noisy_polynomial(n: int, coefficients, noise: float, seed) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` points ``y = sum_k c_k x^k + noise * N(0, 1)`` with ``x`` uniform in [-1, 1].

    ``coefficients`` are ``c_0, c_1, ...`` (lowest power first).
    """
    check_int(n, "n", minimum=1)
    c = as_float_array(coefficients, "coefficients", ndim=1)
    if c.size == 0:
        raise ValueError("coefficients must contain at least one value")
    check_scalar(noise, "noise", minimum=0.0)
    rng = as_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=n)
    y = np.polynomial.polynomial.polyval(x, c) + noise * rng.standard_normal(n)
    return x, y


def train_test_split(*arrays, test_size: float = 0.2, seed) -> list[np.ndarray]:
    """Split arrays (same number of rows) at random into a training and a test part.

    Returns ``[a_train, a_test, b_train, b_test, ...]`` like scikit-learn's function of
    the same name. ``test_size`` is a fraction in (0, 1) or a number of samples; a
    fraction is rounded up, and both parts always keep at least one sample.
    """
    if not arrays:
        raise ValueError("arrays: pass at least one array to split")
    arrs = [as_float_array(a, f"arrays[{i}]") for i, a in enumerate(arrays)]
    for i, a in enumerate(arrs):
        if a.ndim == 0:
            raise ValueError(f"arrays[{i}] must have at least one dimension")
        check_same_length(arrs[0], "arrays[0]", a, f"arrays[{i}]")
    n = arrs[0].shape[0]
    if n < 2:
        raise ValueError(f"arrays must contain at least 2 samples to split, got {n}")
    if isinstance(test_size, numbers.Integral) and not isinstance(test_size, bool):
        n_test = check_int(test_size, "test_size", minimum=1, maximum=n - 1)
    else:
        check_scalar(test_size, "test_size", minimum=0.0, maximum=1.0, include_min=False, include_max=False)
        n_test = min(max(math.ceil(test_size * n), 1), n - 1)
    order = as_rng(seed).permutation(n)
    test_idx, train_idx = order[:n_test], order[n_test:]
    out = []
    for a in arrs:
        out.extend([a[train_idx], a[test_idx]])
    return out


@dataclass(frozen=True)
class Scaler:
    """Column means and widths learned by ``fit_scaler`` (from training data only)."""

    mean: np.ndarray
    scale: np.ndarray

    def __post_init__(self):
        mean = as_float_array(self.mean, "mean", ndim=(0, 1), nonempty=True)
        width = as_float_array(self.scale, "scale", ndim=(0, 1), nonempty=True)
        if width.shape != mean.shape:
            raise ValueError(f"scale must have the shape of mean {mean.shape}, got {width.shape}")
        if np.any(width <= 0):
            raise ValueError("scale must be positive (a constant column gets scale 1)")
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "scale", width)


def fit_scaler(X, with_std: bool = True) -> Scaler:
    """Learn the standardisation x -> (x - mean) / std of each column of ``X``.

    ``mean`` is the column mean and ``scale`` the column standard deviation (``ddof=0``, as in
    scikit-learn's ``StandardScaler``); a constant column gets ``scale = 1``. With
    ``with_std=False`` only the mean is removed. Call it on the *training* set and apply the
    result to training and test data alike with ``scale``.
    """
    X = as_float_array(X, "X", ndim=(1, 2))
    if X.shape[0] < 1:
        raise ValueError("X must contain at least one sample")
    check_bool(with_std, "with_std")
    mean = X.mean(axis=0)
    std = X.std(axis=0) if with_std else np.ones_like(mean)
    std = np.where(std > 0, std, 1.0)
    return Scaler(mean=mean, scale=std)


def scale(X, scaler: Scaler) -> np.ndarray:
    """Apply a fitted ``Scaler``: return ``(X - scaler.mean) / scaler.scale``."""
    if not isinstance(scaler, Scaler):
        raise TypeError(f"scaler must be a Scaler from fit_scaler, got {type(scaler).__name__}")
    X = as_float_array(X, "X", ndim=(1, 2), nonempty=True)
    if X.shape[1:] != scaler.mean.shape:
        raise ValueError(
            f"X has {X.shape[1:]} feature shape, but the scaler was fitted on {scaler.mean.shape}"
        )
    return (X - scaler.mean) / scaler.scale
