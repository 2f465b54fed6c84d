"""Tests of physml.rbm.BinaryRBM: energies, free energy and partition function against brute-force
sums, conditionals, the exact gradient, CD-k, pseudo-likelihood, training and bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from physml import optim, rbm
from physml.rbm import BinaryRBM, GaussianBinaryRBM, binary_states, binary_to_spins, fit, spins_to_binary


def small(seed, m=4, n=3, scale=0.8):
    rng = np.random.default_rng(seed)
    return BinaryRBM(
        scale * rng.standard_normal(m), scale * rng.standard_normal(n), scale * rng.standard_normal((m, n))
    )


def joint(rbm):
    xs, hs = binary_states(rbm.n_visible), binary_states(rbm.n_hidden)
    x, h = np.repeat(xs, len(hs), axis=0), np.tile(hs, (len(xs), 1))
    return x, h, np.exp(-rbm.energy(x, h))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31), m=st.integers(1, 5), n=st.integers(1, 5))
def test_free_energy_and_log_partition_equal_brute_force_sums(seed, m, n):
    rbm = small(seed, m, n)
    x, h, w = joint(rbm)
    xs = binary_states(m)
    brute_f = -np.log(w.reshape(len(xs), -1).sum(axis=1))
    np.testing.assert_allclose(rbm.free_energy(xs), brute_f, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(rbm.log_partition(), np.log(w.sum()), rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31))
def test_conditionals_equal_ratios_of_joint_probabilities(seed):
    rbm = small(seed)
    x, h, w = joint(rbm)
    xs, hs = binary_states(rbm.n_visible), binary_states(rbm.n_hidden)
    p = w.reshape(len(xs), len(hs))
    p_h1 = (p @ hs) / p.sum(axis=1, keepdims=True)  # p(h_j = 1 | x)
    np.testing.assert_allclose(rbm.p_h_given_x(xs), p_h1, rtol=1e-10)
    p_x1 = (p.T @ xs) / p.sum(axis=0)[:, None]  # p(x_i = 1 | h)
    np.testing.assert_allclose(rbm.p_x_given_h(hs), p_x1, rtol=1e-10)


@pytest.mark.parametrize("m,n", [(3, 5), (5, 3)])
def test_exact_gradient_equals_finite_differences_of_the_log_likelihood(m, n):
    rbm = small(1, m, n)
    data = (np.random.default_rng(2).random((7, m)) < 0.5).astype(float)
    g = rbm.exact_gradient(data)
    eps = 1e-6
    for name in ("a", "b", "W"):
        base = getattr(rbm, name)
        for idx in np.ndindex(base.shape):
            plus, minus = rbm.copy(), rbm.copy()
            getattr(plus, name)[idx] += eps
            getattr(minus, name)[idx] -= eps
            fd = (plus.log_likelihood(data) - minus.log_likelihood(data)) / (2 * eps)
            assert getattr(g, name)[idx] == pytest.approx(fd, abs=1e-7)


def test_long_cd_chains_approach_the_exact_gradient():
    rbm = small(3, 4, 3, scale=0.5)
    data = (np.random.default_rng(4).random((4000, 4)) < 0.3).astype(float)
    exact = rbm.exact_gradient(data).as_vector()
    cd, _ = rbm.cd_gradient(data, 50, seed=5)
    np.testing.assert_allclose(cd.as_vector(), exact, atol=0.05)


def test_gibbs_chains_sample_the_marginal():
    rbm = small(6, 3, 2)
    xs = binary_states(3)
    p = np.exp(-rbm.free_energy(xs) - rbm.log_partition())
    chains = rbm.gibbs(np.zeros((20000, 3)), 20, seed=7)
    freq = np.array([np.all(chains == s, axis=1).mean() for s in xs])
    np.testing.assert_allclose(freq, p, atol=0.015)


def test_pseudo_likelihood_matches_sklearn_score_samples_on_average():
    from sklearn.neural_network import BernoulliRBM

    x = (np.random.default_rng(8).random((300, 6)) < 0.4).astype(float)
    sk = BernoulliRBM(n_components=3, n_iter=2, random_state=0).fit(x)
    rbm = BinaryRBM(sk.intercept_visible_, sk.intercept_hidden_, sk.components_.T)
    sk.random_state = np.random.RandomState(1)  # a fresh random pixel per call (an int repeats them)
    scores = np.mean([sk.score_samples(x).mean() for _ in range(200)])
    assert scores == pytest.approx(rbm.pseudo_log_likelihood(x).mean(), abs=0.05)


def test_fit_raises_the_exact_log_likelihood_and_is_reproducible():
    x = (np.random.default_rng(9).random((200, 5)) < 0.2).astype(float)
    runs = []
    for _ in range(2):
        rbm = BinaryRBM.random(5, 3, seed=0)
        start = rbm.log_likelihood(x)
        hist = fit(rbm, x, epochs=10, batch_size=20, optimizer=optim.Adam(0.05), k=1, seed=1, exact=True)
        runs.append(hist.monitor)
    assert runs[0] == runs[1]
    assert runs[0][-1] > start + 0.5


def test_spin_conversion_round_trips():
    spins = np.where(np.random.default_rng(0).random((3, 4, 4)) < 0.5, -1, 1)
    np.testing.assert_array_equal(binary_to_spins(spins_to_binary(spins), 4), spins)


def test_gaussian_log_partition_normalises_the_density():
    rbm = GaussianBinaryRBM.random(1, 3, seed=0, scale=0.8, sigma=0.7)
    grid = np.linspace(-8, 8, 4001)[:, None]
    total = np.exp(rbm.log_density(grid)).sum() * (grid[1, 0] - grid[0, 0])
    assert total == pytest.approx(1.0, rel=1e-8)


def test_bad_input_raises_clear_errors():
    rbm = small(0)
    with pytest.raises(ValueError, match="only 0 and 1"):
        rbm.free_energy(np.full((2, 4), 0.5))
    with pytest.raises(ValueError, match="shape"):
        rbm.free_energy(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="NaN"):
        rbm.p_h_given_x(np.array([[0.0, np.nan, 1.0, 0.0]]))
    with pytest.raises(ValueError, match="W must have shape"):
        BinaryRBM(np.zeros(3), np.zeros(2), np.zeros((2, 3)))
    with pytest.raises(TypeError, match="real"):
        BinaryRBM(np.zeros(2, complex), np.zeros(2), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="-1 and \\+1"):
        spins_to_binary(np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match="at most"):
        BinaryRBM.random(30, 30, seed=0).log_partition()
    with pytest.raises(ValueError, match="k must be"):
        rbm.cd_gradient(np.zeros((2, 4)), 0, seed=0)


def test_diverging_training_stops_with_a_clear_error():
    x = (np.random.default_rng(1).random((40, 4)) < 0.5).astype(float)
    rbm = small(0)
    rbm.W[0, 0] = np.inf  # an overflowing parameter makes the monitored value NaN
    with np.errstate(all="ignore"), pytest.raises((FloatingPointError, ValueError)):
        fit(rbm, x, epochs=2, batch_size=10, optimizer=optim.GradientDescent(0.1), seed=0, exact=True)


def test_symmetry_copies_keep_the_energy_and_magnetisation():
    from physml import ising
    from physml.studies.boltzmann import symmetry_copies

    spins = ising.sample(4, (2.5,), 20, seed=0).spins
    copies = symmetry_copies(spins, seed=1)
    np.testing.assert_array_equal(ising.energy(copies), ising.energy(spins))
    np.testing.assert_array_equal(np.abs(ising.magnetization(copies)), np.abs(ising.magnetization(spins)))


@pytest.mark.parametrize("L, T", [(2, 1.0), (3, 2.27), (4, 5.0)])
def test_ising_rbm_marginal_is_the_ising_distribution(L, T):
    from physml import ising

    model = rbm.ising_rbm(L, T)
    assert model.n_hidden == 2 * L * L
    x = rbm.binary_states(L * L)
    diff = -model.free_energy(x) + ising.energy((2 * x - 1).reshape(-1, L, L)) / T
    assert diff.max() - diff.min() < 1e-11


def test_ising_rbm_bad_input():
    with pytest.raises(ValueError, match="T"):
        rbm.ising_rbm(4, 0.0)
    with pytest.raises(ValueError, match="L"):
        rbm.ising_rbm(1, 2.0)
