"""Tests of physml.rbm: the free energy sums the hidden units out exactly, the conditionals,
the parameter derivatives and block Gibbs sampling."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from physml.rbm import GaussianBinaryRBM, sigmoid, softplus


def small_rbm(seed, m=3, n=3, scale=0.7, sigma=0.8):
    return GaussianBinaryRBM.random(m, n, seed=seed, scale=scale, sigma=sigma)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**31), sigma=st.floats(0.3, 2.0))
def test_free_energy_sums_out_the_hidden_units(seed, sigma):
    rbm = small_rbm(seed, sigma=sigma)
    x = np.random.default_rng(seed).standard_normal((4, rbm.n_visible))
    states = np.array(list(itertools.product([0.0, 1.0], repeat=rbm.n_hidden)))
    brute = []
    for xi in x:
        energies = rbm.energy(np.repeat(xi[None], len(states), axis=0), states)
        brute.append(-np.log(np.exp(-energies).sum()))
    np.testing.assert_allclose(rbm.free_energy(x), brute, rtol=1e-12, atol=1e-12)


def test_conditional_of_h_is_the_ratio_of_joint_probabilities():
    rbm = small_rbm(1)
    x = np.random.default_rng(0).standard_normal((5, rbm.n_visible))
    p = rbm.p_h_given_x(x)
    for j in range(rbm.n_hidden):
        h1 = np.zeros((5, rbm.n_hidden))
        h1[:, j] = 1.0
        h0 = np.zeros((5, rbm.n_hidden))
        # with all other hidden units off, p(h_j = 1 | x) / p(h_j = 0 | x) = exp(E(x, h0) - E(x, h1))
        np.testing.assert_allclose(p[:, j] / (1 - p[:, j]), np.exp(rbm.energy(x, h0) - rbm.energy(x, h1)))


def test_free_energy_gradient_equals_finite_differences():
    rbm = small_rbm(2)
    x = np.random.default_rng(3).standard_normal((2, rbm.n_visible))
    ga, gb, gW = rbm.free_energy_grad(x)
    h = 1e-6
    for name, grad in (("a", ga), ("b", gb), ("W", gW)):
        base = getattr(rbm, name)
        for idx in np.ndindex(base.shape):
            plus, minus = base.copy(), base.copy()
            plus[idx] += h
            minus[idx] -= h
            fp = GaussianBinaryRBM(**{**_params(rbm), name: plus}).log_marginal(x)
            fm = GaussianBinaryRBM(**{**_params(rbm), name: minus}).log_marginal(x)
            np.testing.assert_allclose(grad[(slice(None), *idx)], (fp - fm) / (2 * h), rtol=1e-6, atol=1e-8)


def _params(rbm):
    return {"a": rbm.a, "b": rbm.b, "W": rbm.W, "sigma": rbm.sigma}


def test_gibbs_sampling_reproduces_the_marginal():
    """One visible unit: F(x) is a mixture of Gaussians; Gibbs samples follow its CDF."""
    rbm = GaussianBinaryRBM([0.2], [0.5, -0.3], [[1.5, -1.0]], sigma=0.7)
    grid = np.linspace(-8, 8, 20001)
    density = np.exp(rbm.log_marginal(grid[:, None]))
    cdf = np.cumsum(density)
    cdf /= cdf[-1]
    rng = np.random.default_rng(4)
    x = rng.standard_normal((4000, 1))
    for _ in range(50):
        x = rbm.gibbs_step(x, rng)
    result = sps.kstest(x.ravel(), lambda t: np.interp(t, grid, cdf))
    assert result.pvalue > 1e-3, result


def test_stable_helpers():
    t = np.array([-800.0, -1.0, 0.0, 1.0, 800.0])
    np.testing.assert_allclose(sigmoid(t), [0.0, 1 / (1 + np.e), 0.5, 1 / (1 + np.exp(-1)), 1.0])
    np.testing.assert_allclose(softplus(t), [0.0, np.log1p(np.exp(-1)), np.log(2), np.log1p(np.e), 800.0])


def test_bad_input():
    with pytest.raises(ValueError, match="W must have shape"):
        GaussianBinaryRBM([0, 0], [0], [[0, 0]])
    with pytest.raises(ValueError, match="sigma"):
        GaussianBinaryRBM([0], [0], [[0]], sigma=0)
    rbm = small_rbm(0)
    with pytest.raises(ValueError, match="x must have shape"):
        rbm.free_energy(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="only 0 and 1"):
        rbm.energy(np.zeros((1, 3)), np.full((1, 3), 0.5))
    with pytest.raises(TypeError, match="real"):
        GaussianBinaryRBM(np.zeros(1, complex), [0], [[0]])
