"""Tests of physml.ising_benchmark: exact references, the VAN, the exact-gradient RBM, IWAE."""

import numpy as np
import pytest
import torch
from scipy.special import logsumexp
from scipy.stats import entropy

from physml import autoregressive as ar
from physml import ising, vae
from physml import ising_benchmark as ib
from physml.rbm import BinaryRBM


@pytest.mark.parametrize("L", [2, 3, 4])
@pytest.mark.parametrize("T", [0.8, 1.5, 2.269, 3.5, 10.0])
def test_kaufman_equals_enumeration(L, T):
    assert ib.kaufman_log_partition(L, T) == pytest.approx(float(ising.exact(L, T).log_Z), abs=1e-9)


def test_kaufman_thermodynamics_against_enumeration_and_onsager():
    ex = ib.exact_reference(4, 2.27)
    k = ib.kaufman_thermodynamics(4, 2.27)
    assert k["free_energy"] == pytest.approx(ex.free_energy, abs=1e-12)
    assert k["energy"] == pytest.approx(ex.energy, abs=1e-6)
    assert k["specific_heat"] == pytest.approx(ex.specific_heat, abs=1e-5)
    # a large lattice away from T_c: the infinite-lattice energy (Onsager)
    assert ib.kaufman_thermodynamics(64, 2.0)["energy"] == pytest.approx(ising.onsager_energy(2.0), abs=1e-6)


def test_exact_reference_is_consistent():
    states, log_p = ib.boltzmann_log_probs(3, 2.0)
    assert np.exp(logsumexp(log_p)) == pytest.approx(1.0, abs=1e-12)
    ex = ib.exact_reference(3, 2.0)
    H = ising.energy(states).astype(float)
    assert ex.free_energy == pytest.approx(-2.0 * logsumexp(-H / 2.0) / 9)
    s = -np.sum(np.exp(log_p) * log_p) / 9  # entropy per spin from the probabilities
    assert ex.entropy == pytest.approx(s, rel=1e-10)


def test_exact_kl_matches_scipy_and_vanishes_for_equal_distributions():
    rng = np.random.default_rng(0)
    p, q = rng.dirichlet(np.ones(16)), rng.dirichlet(np.ones(16))
    assert ib.exact_kl(np.log(p), np.log(q)) == pytest.approx(entropy(p, q), rel=1e-12)
    assert ib.exact_kl(np.log(p), np.log(p)) == pytest.approx(0.0, abs=1e-15)


def test_observables_of_exact_samples_agree_with_enumeration():
    T = 2.27
    obs = ib.observables(ib.exact_samples(20_000, 3, T, seed=1), T)
    ex = ising.exact(3, T)
    for name, exact in (
        ("energy", ex.energy),
        ("abs_magnetization", ex.abs_magnetization),
        ("specific_heat", ex.specific_heat),
    ):
        assert abs(obs[name].value - float(exact)) < 4 * obs[name].error, name


def test_model_observables_of_the_boltzmann_distribution_are_exact():
    _, log_p = ib.boltzmann_log_probs(3, 1.7)
    got = ib.model_observables(log_p, 3, 1.7)
    ex = ising.exact(3, 1.7)
    assert got["energy"] == pytest.approx(float(ex.energy))
    assert got["abs_magnetization"] == pytest.approx(float(ex.abs_magnetization))
    assert got["specific_heat"] == pytest.approx(float(ex.specific_heat))


def test_spins_from_signs():
    s = ib.spins_from_signs(np.array([[0.3, -1.0, 0.0, -0.01]]), 2)
    assert s.tolist() == [[[1, -1], [1, -1]]]


@pytest.mark.parametrize("z2", [True, False])
def test_van_is_normalised_and_samples_its_own_distribution(z2):
    torch.manual_seed(0)
    van = ib.VAN(4, (6,), z2=z2).double()
    bits = ar.spins_to_bits(ising.all_states(2))
    with torch.no_grad():
        log_q = van.log_prob(bits).numpy()
    assert np.exp(logsumexp(log_q)) == pytest.approx(1.0, abs=1e-12)
    if z2:
        np.testing.assert_allclose(log_q, log_q[::-1], atol=1e-12)  # state k and its flip 15 - k
    samples = van.float().sample(40_000, seed=3)
    idx = (samples.astype(np.int64) << np.arange(4)).sum(axis=1)
    freq = np.bincount(idx, minlength=16) / len(idx)
    q = np.exp(log_q)
    assert np.all(np.abs(freq - q) < 5 * np.sqrt(q * (1 - q) / len(idx)) + 1e-4)


def test_reinforce_estimator_is_unbiased():
    """Average of the surrogate loss's gradient over many samples = exact gradient of beta F_q."""
    torch.manual_seed(1)
    L, beta = 2, 0.7
    van = ib.VAN(4, (5,), z2=False).double()
    bits = torch.as_tensor(ar.spins_to_bits(ising.all_states(L)), dtype=torch.float64)
    energy = ib._lattice_energy(bits, L)
    log_q = van._log_prob(bits)
    exact_loss = torch.sum(torch.exp(log_q) * (beta * energy + log_q))
    exact = torch.autograd.grad(exact_loss, list(van.parameters()))
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        x = van._sample(200_000, gen)
    loss, _ = ib._reinforce_loss(van, x, ib._lattice_energy(x, L), beta)
    est = torch.autograd.grad(loss, list(van.parameters()))
    e = torch.cat([g.reshape(-1) for g in exact])
    g = torch.cat([g.reshape(-1) for g in est])
    assert torch.linalg.norm(g - e) < 0.05 * torch.linalg.norm(e)


def test_variational_free_energy_bound_and_estimator():
    torch.manual_seed(2)
    L, T = 2, 2.0
    van = ib.VAN(4, (6,))
    fq = ib.exact_variational_free_energy(van, L, T)
    ref = ib.exact_reference(L, T)
    _, log_p = ib.boltzmann_log_probs(L, T)
    with torch.no_grad():
        log_q = van.double().log_prob(ar.spins_to_bits(ising.all_states(L))).numpy()
    van = van.float()
    reverse_kl = ib.exact_kl(log_q, log_p)  # KL(q || p)
    assert fq == pytest.approx(ref.free_energy + T * reverse_kl / 4, abs=1e-6)
    assert fq >= ref.free_energy
    est = ib.variational_free_energy(van, L, T, n=20_000, seed=0)
    assert abs(est.value - fq) < 4 * est.error


def test_train_van_closes_the_gap():
    torch.manual_seed(0)
    L, T = 2, 2.0
    van = ib.VAN(4, (8,))
    before = ib.exact_variational_free_energy(van, L, T)
    history = ib.train_van(van, L, T, steps=150, batch_size=128, lr=2e-2, beta_anneal=0.9, seed=0)
    after = ib.exact_variational_free_energy(van, L, T)
    f = ib.exact_reference(L, T).free_energy
    assert len(history["free_energy"]) == 150
    assert f <= after < before
    assert after - f < 0.01


def test_exact_rbm_gradient_equals_the_library_gradient():
    rng = np.random.default_rng(4)
    rbm = BinaryRBM(rng.normal(size=5) * 0.3, rng.normal(size=3) * 0.3, rng.normal(size=(5, 3)) * 0.3)
    x = (rng.random((20, 5)) < 0.5).astype(float)
    mine = ib._exact_rbm_gradient(rbm, x, np.array(list(np.ndindex(2, 2, 2)), dtype=float))
    ref = rbm.exact_gradient(x)
    for a, b in zip(mine, (ref.a, ref.b, ref.W), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-12)


def test_fit_rbm_exact_raises_the_likelihood_and_is_normalised():
    x = ar.spins_to_bits(ib.exact_samples(300, 2, 2.0, seed=0))
    rbm = BinaryRBM.random(4, 3, seed=0, scale=0.1)
    start = rbm.log_likelihood(x)
    history = ib.fit_rbm_exact(rbm, x, steps=50, lr=0.05)
    assert history[-1] > start
    log_q = ib.rbm_log_prob(rbm, ar.spins_to_bits(ising.all_states(2)))
    assert np.exp(logsumexp(log_q)) == pytest.approx(1.0, abs=1e-12)
    samples = ib.rbm_sample(rbm, 10, 5, seed=0)
    assert samples.shape == (10, 4) and set(np.unique(samples)) <= {0.0, 1.0}


def test_iwae_bound_tightens_with_k():
    torch.manual_seed(0)
    model = vae.VAE(4, n_latent=2, hidden=(8,))
    x = ar.spins_to_bits(ib.exact_samples(200, 2, 2.0, seed=0))
    means = [ib.iwae_log_likelihood(model, x, K, seed=1).mean() for K in (1, 10, 1000)]
    assert means[0] < means[1] < means[2]
    # the exact ln p(x) by numerical integration over the 2D latent space is the limit
    grid = np.linspace(-6, 6, 241)
    z = torch.as_tensor(np.stack(np.meshgrid(grid, grid), -1).reshape(-1, 2), dtype=torch.float32)
    with torch.no_grad():
        probs = model.decode_mean(z).double().numpy()
    log_prior = -0.5 * (z.double().numpy() ** 2).sum(1) - np.log(2 * np.pi)
    dz = (grid[1] - grid[0]) ** 2
    xs = np.unique(x, axis=0)
    log_lik = xs @ np.log(probs).T + (1 - xs) @ np.log1p(-probs).T
    exact = logsumexp(log_lik + log_prior, axis=1) + np.log(dz)
    iwae = ib.iwae_log_likelihood(model, xs, 5000, seed=2)
    np.testing.assert_allclose(iwae, exact, atol=0.02)
