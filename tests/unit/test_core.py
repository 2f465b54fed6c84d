"""Tests of physml's shared helpers: input validation, the introduction's example, plotting."""

import sys

import numpy as np
import pytest

from physml import _validate, intro, plotting, progress


def test_as_float_array_accepts_and_rejects():
    assert _validate.as_float_array([1, 2], "x", ndim=1).dtype == np.float64
    with pytest.raises(ValueError, match="x must be 2-dimensional"):
        _validate.as_float_array([1, 2], "x", ndim=2)
    with pytest.raises(ValueError, match="x contains NaN"):
        _validate.as_float_array([1, np.nan], "x")
    with pytest.raises(ValueError, match="y contains NaN or inf"):
        _validate.as_float_array([1, np.inf], "y")
    with pytest.raises(TypeError, match="x must be array-like"):
        _validate.as_float_array("abc", "x")
    with pytest.raises(TypeError, match="x must be array-like"):
        _validate.as_float_array([{"a": 1}], "x")


def test_scalar_checks():
    assert _validate.check_scalar(0.5, "eta", minimum=0) == 0.5
    with pytest.raises(ValueError, match="lam must be >= 0"):
        _validate.check_scalar(-1.0, "lam", minimum=0.0)
    with pytest.raises(ValueError, match="eta must be > 0"):
        _validate.check_scalar(0.0, "eta", minimum=0.0, include_min=False)
    with pytest.raises(TypeError, match="eta must be a Real"):
        _validate.check_scalar("0.1", "eta")
    with pytest.raises(TypeError, match="flag"):
        _validate.check_scalar(True, "flag")
    with pytest.raises(ValueError, match="eta must be finite"):
        _validate.check_scalar(float("nan"), "eta")
    with pytest.raises(TypeError, match="degree must be a Integral"):
        _validate.check_int(2.5, "degree")
    with pytest.raises(ValueError, match="degree must be >= 0"):
        _validate.check_int(-1, "degree", minimum=0)


def test_rng_and_seeds():
    a = _validate.as_rng(3).standard_normal(4)
    b = _validate.as_rng(3).standard_normal(4)
    np.testing.assert_array_equal(a, b)
    gen = np.random.default_rng(0)
    assert _validate.as_rng(gen) is gen
    with pytest.raises(TypeError, match="seed must be an int"):
        _validate.as_rng(None)
    with pytest.raises(ValueError, match="seed must be a non-negative"):
        _validate.as_rng(-1)


def test_finite_loss_guard():
    _validate.check_finite_loss(1.0, 0)
    with pytest.raises(FloatingPointError, match="step 7"):
        _validate.check_finite_loss(float("nan"), 7)


def test_line_fit_matches_least_squares_and_is_reproducible():
    x, y = intro.noisy_line(40, slope=-1.0, intercept=0.5, noise=0.1, seed=1)
    theta, costs = intro.fit_line_gradient_descent(x, y, eta=0.5, n_steps=3000)
    X = np.column_stack([np.ones_like(x), x])
    exact = np.linalg.lstsq(X, y, rcond=None)[0]
    np.testing.assert_allclose(theta, exact, atol=1e-9)
    assert np.all(np.diff(costs) <= 1e-15)
    x2, y2 = intro.noisy_line(40, slope=-1.0, intercept=0.5, noise=0.1, seed=1)
    np.testing.assert_array_equal(y, y2)


def test_line_fit_bad_input_and_divergence():
    x, y = intro.noisy_line(10, 1.0, 0.0, 0.1, seed=0)
    with pytest.raises(ValueError, match="x and y must have the same number"):
        intro.fit_line_gradient_descent(x, y[:-1])
    with pytest.raises(ValueError, match="eta must be > 0"):
        intro.fit_line_gradient_descent(x, y, eta=-0.1)
    with pytest.raises(ValueError, match="n must be >= 2"):
        intro.noisy_line(1, 1.0, 0.0, 0.1, seed=0)
    with pytest.raises(FloatingPointError, match="diverged"):
        intro.fit_line_gradient_descent(x, y, eta=50.0, n_steps=5000)


def test_plotting_figure_and_style():
    fig, axes = plotting.new_figure(ncols=2)
    assert len(axes) == 2
    with pytest.raises(ValueError, match="ncols"):
        plotting.new_figure(ncols=0)
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_progress_is_quiet_in_tests(monkeypatch):
    monkeypatch.setenv("PHYSML_QUIET", "1")
    assert progress.quiet()
    assert list(progress.progress(range(3))) == [0, 1, 2]
    monkeypatch.setenv("PHYSML_QUIET", "0")
    assert not progress.quiet()


def test_progress_is_quiet_when_nobody_watches(monkeypatch):
    """Without PHYSML_QUIET: quiet for a non-terminal stderr and for a kernel run by a tool."""
    import io
    import types

    monkeypatch.delenv("PHYSML_QUIET", raising=False)
    monkeypatch.setattr(progress, "_kernel", lambda: None)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert progress.quiet()
    assert list(progress.progress(range(3))) == [0, 1, 2]
    terminal = io.StringIO()
    terminal.isatty = lambda: True
    monkeypatch.setattr(sys, "stderr", terminal)
    assert not progress.quiet()
    # in a kernel: interactive only when the front end can answer input()
    monkeypatch.setattr(progress, "_kernel", lambda: types.SimpleNamespace(_allow_stdin=False))
    assert progress.quiet()
    monkeypatch.setattr(progress, "_kernel", lambda: types.SimpleNamespace(_allow_stdin=True))
    assert not progress.quiet()


def test_learning_rate_range_and_documented_error_types():
    """check_learning_rate: (0, LEARNING_RATE_MAX]; 1e300 would overflow float32 inside Adam (issue 26)."""
    import physml

    assert _validate.check_learning_rate(1e-3) == 1e-3
    assert _validate.check_learning_rate(_validate.LEARNING_RATE_MAX) == _validate.LEARNING_RATE_MAX
    for bad in (0.0, -1.0, 1e300, 10.5):
        with pytest.raises(ValueError, match="^lr must be"):
            _validate.check_learning_rate(bad)
    assert issubclass(physml.NotFittedError, ValueError)
    assert issubclass(physml.ConvergenceError, RuntimeError)
    assert issubclass(physml.ConvergenceError, ValueError)
