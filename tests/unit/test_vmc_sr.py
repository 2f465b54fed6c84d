"""Stochastic reconfiguration (physml.vmc.sr): the update against a hand computation, bad input."""

import numpy as np
import pytest

from physml.vmc import sr


def test_two_parameter_update_by_hand():
    # four samples of two log-derivatives and the local energy
    o = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
    e = np.array([1.0, 2.0, 4.0, 1.0])
    # means: O = (1/2, 1/2), E = 2; centred O rows (+-1/2, +-1/2), centred E (-1, 0, 2, -1)
    # S_11 = S_22 = 1/4, S_12 = (1/4)(-1/4 - 1/4 + 1/4 + 1/4) = 0
    # F_k = (1/4) sum_i dO_ik dE_i:
    # F_1 = (1/4)(-1/2 + 0 + 1 + 1/2) = 1/4, F_2 = (1/4)(1/2 + 0 + 1 + 1/2) = 1/2
    s_hand = np.array([[0.25, 0.0], [0.0, 0.25]])
    f_hand = np.array([0.25, 0.5])
    s, f = sr.sr_matrices(o, e)
    np.testing.assert_allclose(s, s_hand, atol=1e-15)
    np.testing.assert_allclose(f, f_hand, atol=1e-15)
    eta, shift = 0.1, 0.05
    delta_hand = -eta * f_hand / (0.25 + shift)  # S + shift I is diagonal here
    np.testing.assert_allclose(sr.StochasticReconfiguration(eta, shift).delta(o, e), delta_hand, rtol=1e-12)


def test_solve_matches_dense_solve():
    rng = np.random.default_rng(0)
    o = rng.standard_normal((50, 6))
    e = rng.standard_normal(50)
    s, f = sr.sr_matrices(o, e)
    np.testing.assert_allclose(sr.sr_solve(s, f, 1e-3), np.linalg.solve(s + 1e-3 * np.eye(6), f), rtol=1e-10)


def test_singular_s_with_fewer_samples_than_parameters():
    rng = np.random.default_rng(1)
    o = rng.standard_normal((3, 8))  # rank-2 covariance
    s, f = sr.sr_matrices(o, rng.standard_normal(3))
    assert np.all(np.isfinite(sr.sr_solve(s, f, 1e-2)))


@pytest.mark.parametrize("shift", [0.0, -1e-3, float("nan")])
def test_non_positive_shift_is_refused(shift):
    with pytest.raises(ValueError, match="diag_shift"):
        sr.sr_solve(np.eye(2), np.ones(2), shift)
    with pytest.raises(ValueError, match="diag_shift"):
        sr.StochasticReconfiguration(0.1, shift)


def test_shape_errors():
    with pytest.raises(ValueError, match="s must be"):
        sr.sr_solve(np.eye(3), np.ones(2))
    with pytest.raises(ValueError, match="symmetric"):
        sr.sr_solve(np.array([[1.0, 1.0], [0.0, 1.0]]), np.ones(2))
    with pytest.raises(ValueError, match="same number of samples"):
        sr.sr_matrices(np.zeros((4, 2)), np.zeros(3))
