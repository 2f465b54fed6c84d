"""Reference check of the Introduction: gradient descent reaches the least-squares line."""

import functools

import numpy as np

from .. import intro
from ..validation import reference_check


@functools.cache
def line_fit():
    """The Introduction's example, shared by the chapter and its check."""
    x, y = intro.noisy_line(50, slope=2.0, intercept=1.0, noise=0.3, seed=2026)
    theta, costs = intro.fit_line_gradient_descent(x, y, eta=0.5, n_steps=2000)
    return x, y, theta, costs


@reference_check(
    "introduction.gd-line",
    chapter="introduction",
    description="Gradient-descent line fit equals the least-squares solution",
    reference_source="numpy.linalg.lstsq",
    kind="abs",
    tolerance=1e-8,
)
def _gd_line():
    x, y, theta, _ = line_fit()
    X = np.column_stack([np.ones_like(x), x])
    exact, *_ = np.linalg.lstsq(X, y, rcond=None)
    return theta, exact
