"""Spin chains (physml.vmc.lattice): exact references, local energies, samplers, SR training."""

import numpy as np
import pytest

from physml import optim
from physml.vmc import lattice as L
from physml.vmc.sr import StochasticReconfiguration


def all_states(n):
    idx = np.arange(2**n)
    return 2.0 * ((idx[:, None] >> np.arange(n)) & 1) - 1.0


@pytest.mark.parametrize("n", [4, 6, 8])
@pytest.mark.parametrize("h", [0.3, 1.0, 1.7])
def test_free_fermions_equal_exact_diagonalisation(n, h):
    ed = L.exact_ground_state(L.TransverseFieldIsing(n, h))
    assert L.tfim_energy_free_fermions(n, h) == pytest.approx(ed, abs=1e-9)


def test_free_fermion_limit():
    assert L.tfim_energy_free_fermions(2000) / 2000 == pytest.approx(-4 / np.pi, abs=1e-6)


def test_heisenberg_ring_of_four():
    # H = sum sigma.sigma on 4 sites: singlet ground state with E = -8
    assert L.exact_ground_state(L.Heisenberg(4)) == pytest.approx(-8.0, abs=1e-10)


@pytest.mark.parametrize("symmetric", [False, True])
def test_local_energy_equals_h_psi_over_psi(symmetric):
    n = 6
    s = all_states(n)
    for ham, marshall in ((L.TransverseFieldIsing(n, 0.7), False), (L.Heisenberg(n), True)):
        cls = L.SymmetricLatticeRBM if symmetric else L.LatticeRBM
        wf = cls.random(n, 2, seed=3, scale=0.4, marshall=marshall)
        psi = np.exp(wf.log_psi(s)) * wf.sign(s)
        ref = (ham.matrix() @ psi) / psi
        keep = np.ones(len(s), bool) if not marshall else s.sum(axis=1) == 0
        np.testing.assert_allclose(ham.local_energy(wf, s[keep]), ref[keep], atol=1e-10)


@pytest.mark.parametrize("symmetric", [False, True])
def test_log_derivatives_by_finite_differences(symmetric):
    cls = L.SymmetricLatticeRBM if symmetric else L.LatticeRBM
    wf = cls.random(6, 1, seed=1, scale=0.3)
    s = L.random_spins(5, 6, 0)
    p = wf.params
    eps = 1e-6
    fd = np.stack(
        [
            (wf.with_params(p + eps * e).log_psi(s) - wf.with_params(p - eps * e).log_psi(s)) / (2 * eps)
            for e in np.eye(p.size)
        ],
        axis=1,
    )
    np.testing.assert_allclose(wf.log_derivatives(s), fd, atol=1e-7)


def test_symmetric_rbm_is_translation_invariant():
    wf = L.SymmetricLatticeRBM.random(8, 2, seed=0, scale=0.5)
    s = L.random_spins(4, 8, 1)
    np.testing.assert_allclose(wf.log_psi(s), wf.log_psi(np.roll(s, 3, axis=1)), atol=1e-12)


@pytest.mark.parametrize("move", ["flip", "exchange"])
def test_sampler_reproduces_psi_squared(move):
    n = 4
    wf = L.LatticeRBM.random(n, 1, seed=2, scale=0.6)
    s0 = L.random_spins(4000, n, 0, zero_magnetisation=move == "exchange")
    s, acc = L.sample_spins(wf, s0, 30, seed=1, move=move)
    states = all_states(n)
    if move == "exchange":
        states = states[states.sum(axis=1) == 0]
        assert np.all(s.sum(axis=1) == 0)
    p = np.exp(2 * wf.log_psi(states))
    p /= p.sum()
    index = {tuple(x): k for k, x in enumerate(states)}
    counts = np.bincount([index[tuple(x)] for x in s], minlength=len(states))
    sigma = np.sqrt(p * (1 - p) / len(s))
    assert np.all(np.abs(counts / len(s) - p) < 5 * sigma + 1e-3)
    assert 0 < acc <= 1


@pytest.mark.parametrize("model", ["tfim", "heisenberg"])
def test_small_chain_energy_matches_exact_diagonalisation(model):
    n = 6
    ham = L.TransverseFieldIsing(n) if model == "tfim" else L.Heisenberg(n)
    e0 = L.exact_ground_state(ham)
    wf = L.SymmetricLatticeRBM.random(n, 2, seed=4, marshall=model == "heisenberg")
    res = L.optimize_lattice(
        ham, wf, StochasticReconfiguration(0.05, 0.1), n_iter=80, n_chains=100, n_sweeps=4, seed=5, desc=None
    )
    final = L.lattice_energy(ham, res.wf, n_chains=100, n_sweeps=64, seed=6)
    # variational within 3 sigma, and within 3 sigma + 0.5 % of |E0| of the exact energy
    assert final.mean > e0 - 3 * final.error
    assert abs(final.mean - e0) < 3 * final.error + 5e-3 * abs(e0)


def test_sr_and_adam_both_run_under_the_driver():
    ham = L.TransverseFieldIsing(4)
    for opt in (StochasticReconfiguration(0.05), optim.Adam(0.01)):
        res = L.optimize_lattice(
            ham, L.LatticeRBM.random(4, 1, 0), opt, n_iter=3, n_chains=10, n_sweeps=2, seed=0, desc=None
        )
        assert res.params.shape == (4, 4 + 4 + 16) and len(res.energy) == 3


def test_bad_input():
    with pytest.raises(ValueError, match="alpha"):
        L.LatticeRBM.random(6, 0.0, seed=0)
    with pytest.raises(ValueError, match="alpha"):
        L.LatticeRBM.random(6, -1, seed=0)
    with pytest.raises(ValueError, match="alpha"):
        L.SymmetricLatticeRBM.random(6, 0, seed=0)
    with pytest.raises(ValueError, match="n_sites"):
        L.Heisenberg(5)
    with pytest.raises(ValueError, match="n_sites"):
        L.tfim_energy_free_fermions(7)
    with pytest.raises(ValueError, match="Marshall"):
        L.Heisenberg(6).local_energy(L.LatticeRBM.random(6, 1, 0), L.random_spins(2, 6, 0, True))
    with pytest.raises(ValueError, match="move"):
        L.optimize_lattice(
            L.Heisenberg(6),
            L.LatticeRBM.random(6, 1, 0, marshall=True),
            StochasticReconfiguration(),
            n_iter=1,
            n_chains=4,
            n_sweeps=1,
            seed=0,
            move="flip",
        )
    with pytest.raises(ValueError, match="s must hold spins"):
        L.TransverseFieldIsing(4).local_energy(L.LatticeRBM.random(4, 1, 0), np.zeros((2, 4)))
    with pytest.raises(TypeError, match="optimizer"):
        L.optimize_lattice(
            L.TransverseFieldIsing(4),
            L.LatticeRBM.random(4, 1, 0),
            "sr",
            n_iter=1,
            n_chains=4,
            n_sweeps=1,
            seed=0,
        )


def test_command_line_runs_a_ring(tmp_path):
    from physml.vmc import cli

    out = tmp_path / "tfim"
    argv = ["--system", "tfim", "--sites", "6", "--alpha", "1", "--walkers", "10", "--steps", "2",
            "--iterations", "2", "--final-steps", "16", "--burn", "2", "--output", str(out)]  # fmt: skip
    assert cli.main(argv) == 0
    import json

    record = json.loads(out.with_suffix(".json").read_text())
    assert record["exact_method"] == "exact diagonalisation" and record["energy"] > record["exact"] - 1.0
    assert out.with_suffix(".csv").exists()
