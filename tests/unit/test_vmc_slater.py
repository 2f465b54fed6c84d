"""Tests of physml.vmc.slater: Slater-Jastrow trial functions of closed-shell quantum dots.

Determinant ratios and Sherman-Morrison inverse updates against direct recomputation
(hypothesis over walkers and moves), gradients, Laplacians and parameter derivatives
against torch autograd, antisymmetry, the non-interacting energy with zero variance, the
single-electron sampler against |psi|^2, restricted Hartree-Fock, and bad input."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from physml import vmc
from physml.vmc import slater

# ----------------------------------------------------------------------------------------------
# shells
# ----------------------------------------------------------------------------------------------


def test_closed_shells_and_noninteracting_energies():
    assert slater.closed_shell_orbitals(2) == [(0, 0)]
    assert slater.closed_shell_orbitals(6) == [(0, 0), (1, 0), (0, 1)]
    assert len(slater.closed_shell_orbitals(12)) == 6 and len(slater.closed_shell_orbitals(20)) == 10
    for n, e in ((2, 2.0), (6, 10.0), (12, 28.0), (20, 60.0)):
        assert slater.noninteracting_dot_energy(n, 0.5) == pytest.approx(0.5 * e)


# ----------------------------------------------------------------------------------------------
# an independent torch implementation of log|psi|
# ----------------------------------------------------------------------------------------------


def torch_hermite(xi, n):
    """H_n(xi) by its explicit sum, n! sum_k (-1)^k (2 xi)^(n-2k) / (k! (n-2k)!) (differentiable)."""
    total = torch.zeros_like(xi)
    for k in range(n // 2 + 1):
        c = (-1) ** k * math.factorial(n) / (math.factorial(k) * math.factorial(n - 2 * k))
        total = total + c * (2 * xi) ** (n - 2 * k)
    return total


def torch_log_psi(n_particles, omega, params, x, jastrow=True):
    """log|psi| with explicit Hermite polynomials and torch.linalg.slogdet."""
    alpha = params[0]
    s = torch.sqrt(alpha * omega)
    m = n_particles // 2
    qn = slater.closed_shell_orbitals(n_particles)
    xi = s * x
    cols = []
    for nx, ny in qn:
        hx = torch_hermite(xi[..., 0], nx)
        hy = torch_hermite(xi[..., 1], ny)
        cols.append(hx * hy * torch.exp(-0.5 * (xi**2).sum(-1)))
    phi = torch.stack(cols, dim=-1)  # (w, n, m)
    total = torch.zeros(x.shape[0], dtype=x.dtype)
    for spin in range(2):
        total = total + torch.linalg.slogdet(phi[:, spin * m : (spin + 1) * m, :])[1]
    if jastrow:
        beta = params[1]
        hidden = (len(params) - 2) // 3
        c, w, b = params[2 : 2 + hidden], params[2 + hidden : 2 + 2 * hidden], params[2 + 2 * hidden :]
        for i in range(n_particles):
            for j in range(i + 1, n_particles):
                a = 1.0 / 3.0 if (i < m) == (j < m) else 1.0
                r = torch.sqrt(((x[:, i] - x[:, j]) ** 2).sum(-1))
                total = total + a * r / (1 + beta * r)
                if hidden:
                    total = total + torch.tanh((r**2)[:, None] * w + b) @ c
    return total


def autograd_derivatives(wf, x):
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    pt = torch.tensor(np.array(wf.params), dtype=torch.float64, requires_grad=True)
    logp = torch_log_psi(wf.n_particles, wf.omega, pt, xt, wf.jastrow)
    (grad,) = torch.autograd.grad(logp.sum(), xt, create_graph=True)
    flat = grad.reshape(x.shape[0], -1)
    lap = torch.zeros(x.shape[0], dtype=torch.float64)
    for k in range(flat.shape[1]):
        (g2,) = torch.autograd.grad(flat[:, k].sum(), xt, retain_graph=True)
        lap = lap + g2.reshape(x.shape[0], -1)[:, k]
    pgrad = torch.stack([torch.autograd.grad(logp[w], pt, retain_graph=True)[0] for w in range(x.shape[0])])
    return logp.detach().numpy(), grad.detach().numpy(), lap.detach().numpy(), pgrad.numpy()


@pytest.mark.parametrize("n_particles", [2, 6, 12])
@pytest.mark.parametrize(("jastrow", "n_hidden"), [(True, 0), (False, 0), (True, 3)])
def test_derivatives_match_torch_autograd(n_particles, jastrow, n_hidden):
    wf = slater.SlaterJastrow(
        n_particles, omega=0.7, alpha=0.9, beta=0.35, jastrow=jastrow, n_hidden=n_hidden
    )
    if n_hidden:  # nonzero output weights, so that every network term counts
        wf = wf.with_params(np.r_[wf.params[:2], [0.3, -0.2, 0.5], wf.params[2 + n_hidden :]])
    x = 1.3 * np.random.default_rng(n_particles).standard_normal((5, n_particles, 2))
    logp, grad, lap, pgrad = autograd_derivatives(wf, x)
    np.testing.assert_allclose(wf.log_psi(x), logp, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(wf.grad_log_psi(x), grad, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(wf.laplacian_log_psi(x), lap, rtol=1e-8, atol=1e-7)
    np.testing.assert_allclose(wf.param_grad_log_psi(x), pgrad, rtol=1e-8, atol=1e-8)


# ----------------------------------------------------------------------------------------------
# determinant ratios and Sherman-Morrison updates against direct recomputation
# ----------------------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    n_particles=st.sampled_from([2, 6, 12]),
    n_walkers=st.integers(1, 6),
    electron=st.integers(0, 11),
    seed=st.integers(0, 2**31 - 1),
    scale=st.floats(0.05, 1.5),
)
def test_ratio_and_inverse_update_equal_recomputation(n_particles, n_walkers, electron, seed, scale):
    rng = np.random.default_rng(seed)
    wf = slater.SlaterJastrow(n_particles, omega=1.0, alpha=0.95, beta=0.3)
    m = wf.n_up
    i = electron % n_particles
    spin, row = divmod(i, m)
    x = rng.standard_normal((n_walkers, n_particles, 2))
    d = wf.slater_matrices(x)
    inverse = np.linalg.inv(d[:, spin])
    moved = x.copy()
    moved[:, i] += scale * rng.standard_normal((n_walkers, 2))
    d_new = wf.slater_matrices(moved)[:, spin]
    ratio = slater.determinant_ratio(inverse, row, d_new[:, row])
    np.testing.assert_allclose(ratio, np.linalg.det(d_new) / np.linalg.det(d[:, spin]), rtol=1e-8)
    updated = slater.sherman_morrison_update(inverse, row, d_new[:, row], ratio)
    scale_inv = np.abs(np.linalg.inv(d_new)).max()
    np.testing.assert_allclose(updated, np.linalg.inv(d_new), rtol=1e-7, atol=1e-9 * scale_inv)


@settings(max_examples=15, deadline=None)
@given(
    n_particles=st.sampled_from([2, 6, 12]),
    n_walkers=st.integers(1, 8),
    seed=st.integers(0, 2**31 - 1),
    n_hidden=st.sampled_from([0, 2]),
)
def test_sampler_caches_stay_equal_to_recomputation(n_particles, n_walkers, seed, n_hidden):
    """After several sweeps of single-electron moves (many accepted, some rejected), the cached
    log|psi| and inverse Slater matrices equal a fresh computation at the new positions."""
    wf = slater.SlaterJastrow(n_particles, omega=1.0, alpha=0.9, beta=0.4, n_hidden=n_hidden)
    if n_hidden:
        wf = wf.with_params(np.r_[wf.params[:2], [0.2, -0.1], wf.params[4:]])
    sampler = slater.SingleParticleMetropolis(0.8, refresh_every=1000)
    walkers = sampler.init_walkers(wf, n_walkers, seed)
    rng = np.random.default_rng(seed + 1)
    for _ in range(5):
        sampler.step(wf, walkers, rng)
    np.testing.assert_allclose(walkers.log_psi, wf.log_psi(walkers.x), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(
        walkers.inverse, np.linalg.inv(wf.slater_matrices(walkers.x)), rtol=1e-6, atol=1e-8
    )


# ----------------------------------------------------------------------------------------------
# physics
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n_particles", [6, 12])
def test_swapping_same_spin_electrons_flips_the_sign(n_particles):
    wf = slater.SlaterJastrow(n_particles, omega=1.0, alpha=0.9, beta=0.4)
    x = np.random.default_rng(0).standard_normal((50, n_particles, 2))
    m = n_particles // 2
    for i, j in ((0, 1), (m, m + 2), (1, m - 1)):
        swapped = x.copy()
        swapped[:, [i, j]] = x[:, [j, i]]
        np.testing.assert_array_equal(wf.sign_psi(swapped), -wf.sign_psi(x))
        np.testing.assert_allclose(wf.log_psi(swapped), wf.log_psi(x), rtol=1e-12, atol=1e-12)
    # electrons of opposite spin are distinguishable here: swapping them is not a symmetry
    swapped = x.copy()
    swapped[:, [0, m]] = x[:, [m, 0]]
    assert not np.allclose(wf.log_psi(swapped), wf.log_psi(x))


@pytest.mark.parametrize("n_particles", [2, 6, 12])
@pytest.mark.parametrize("omega", [0.28, 1.0, 2.0])
def test_noninteracting_determinant_has_constant_local_energy(n_particles, omega):
    """Without interaction and Jastrow factor, at alpha = 1, psi is the exact ground state:
    E_L = 2 omega sum_s (s+1)^2 (10 omega for N = 6) at every point, zero variance."""
    wf = slater.SlaterJastrow(n_particles, omega=omega, alpha=1.0, jastrow=False)
    x = 1.5 / math.sqrt(omega) * np.random.default_rng(1).standard_normal((300, n_particles, 2))
    el = vmc.HarmonicTrap(omega).local_energy(wf, x)
    expected = slater.noninteracting_dot_energy(n_particles, omega)
    np.testing.assert_allclose(el, expected, rtol=1e-9, atol=1e-9)
    if n_particles == 6:
        assert expected == pytest.approx(10 * omega)


def test_noninteracting_sampling_gives_exact_energy_with_zero_variance():
    wf = slater.SlaterJastrow(6, omega=0.5, alpha=1.0, jastrow=False)
    est = vmc.energy(
        vmc.HarmonicTrap(0.5),
        wf,
        slater.SingleParticleMetropolis(1.5),
        n_walkers=50,
        n_steps=32,
        n_burn=10,
        seed=3,
    )
    assert est.mean == pytest.approx(5.0, abs=1e-9)
    assert est.variance < 1e-15


def test_single_particle_sampler_agrees_with_all_particle_metropolis():
    """Both samplers sample |psi|^2 of the same trial function: the energies agree within errors."""
    wf = slater.SlaterJastrow(6, omega=1.0, alpha=0.9, beta=0.4)
    ham = vmc.HarmonicTrap(1.0, coulomb=True)
    one = vmc.energy(ham, wf, slater.SingleParticleMetropolis(1.0), n_walkers=300, n_steps=200, seed=1)
    all_ = vmc.energy(ham, wf, vmc.Metropolis(0.45), n_walkers=300, n_steps=400, seed=2)
    assert abs(one.mean - all_.mean) < 4 * math.hypot(one.error, all_.error)
    assert 0.2 < one.acceptance < 0.9


def test_radial_density_of_the_noninteracting_dot_integrates_to_n():
    wf = slater.SlaterJastrow(6, omega=1.0, alpha=1.0, jastrow=False)
    sampler = slater.SingleParticleMetropolis(1.0)
    walkers = sampler.init_walkers(wf, 200, 0)
    samples, _ = sampler.sample(wf, walkers, 40, seed=1, n_burn=20)
    edges = np.linspace(0, 4, 41)
    r, density = slater.radial_density(samples, edges)
    assert r.shape == density.shape == (40,)
    integral = np.sum(density * 2 * np.pi * r * np.diff(edges))
    assert integral == pytest.approx(6.0, rel=0.01)  # all but a tail beyond r = 4


def test_hartree_fock_between_exact_bounds():
    """Two electrons: the HF energy in the oscillator basis equals the Gaussian-basis HF of
    physml.vmc.exact; six electrons: HF lies between the non-interacting energy plus the first-order
    correction (its first iteration, an upper bound) and decreases with the basis."""
    from physml.vmc import exact

    hf2 = slater.hartree_fock_closed_shell(2, 1.0, 7)
    assert hf2.energy == pytest.approx(exact.hartree_fock_dot(1.0).energy, abs=2e-4)
    energies = [slater.hartree_fock_closed_shell(6, 1.0, k).energy for k in (2, 4, 6)]
    assert energies[0] > energies[1] > energies[2] > 10.0
    no_coulomb = slater.hartree_fock_closed_shell(6, 0.5, 4)
    assert no_coulomb.energy > slater.noninteracting_dot_energy(6, 0.5)


# ----------------------------------------------------------------------------------------------
# bad input
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n_particles", [1, 3, 4, 8, 10, 14])
def test_open_shells_are_refused(n_particles):
    with pytest.raises(ValueError, match="n_particles"):
        slater.SlaterJastrow(n_particles)
    with pytest.raises(ValueError, match="n_particles"):
        slater.hartree_fock_closed_shell(n_particles)


@pytest.mark.parametrize("omega", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_omega_is_refused(omega):
    with pytest.raises(ValueError, match="omega"):
        slater.SlaterJastrow(6, omega=omega)


def test_bad_parameters_and_shapes_are_refused():
    with pytest.raises(ValueError, match="alpha"):
        slater.SlaterJastrow(6, alpha=0.0)
    with pytest.raises(ValueError, match="beta"):
        slater.SlaterJastrow(6, beta=-0.1)
    with pytest.raises(TypeError, match="jastrow"):
        slater.SlaterJastrow(6, jastrow="yes")
    with pytest.raises(ValueError, match="n_hidden"):
        slater.SlaterJastrow(6, jastrow=False, n_hidden=2)
    wf = slater.SlaterJastrow(6)
    with pytest.raises(ValueError, match="x"):
        wf.log_psi(np.zeros((4, 5, 2)))
    with pytest.raises(ValueError, match="x"):
        wf.log_psi(np.zeros((4, 6, 3)))
    with pytest.raises(ValueError, match="params"):
        wf.with_params([-1.0, 0.5])
    with pytest.raises(TypeError, match="wf"):
        slater.SingleParticleMetropolis(1.0).init_walkers(vmc.PadeJastrow(0.5, 0.3), 10, 0)
    with pytest.raises(ValueError, match="step_size"):
        slater.SingleParticleMetropolis(0.0)
    sampler = slater.SingleParticleMetropolis(1.0)
    walkers = vmc.Metropolis(1.0).init_walkers(wf, 5, 0)
    with pytest.raises(ValueError, match="walkers"):
        sampler.step(wf, walkers, 0)


# ----------------------------------------------------------------------------------------------
# the command line, on one and two MPI ranks
# ----------------------------------------------------------------------------------------------


def test_cli_runs_six_electrons_on_two_ranks(tmp_path):
    import json
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    mpiexec = shutil.which("mpiexec", path=str(Path(sys.executable).parent)) or shutil.which("mpiexec")
    if mpiexec is None:
        pytest.skip("mpiexec not found (it comes with the mpich wheel)")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PHYSML_QUIET": "1"}
    for var in ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "MPI_LOCALNRANKS"):
        env.pop(var, None)
    out = tmp_path / "dot6"
    command = [
        mpiexec, "-n", "2", sys.executable, "-m", "physml.vmc", "--system", "dot", "--particles", "6",
        "--beta", "0.5", "--walkers", "100", "--steps", "16", "--iterations", "3", "--burn", "10",
        "--final-steps", "32", "--output", str(out),
    ]  # fmt: skip
    subprocess.run(command, check=True, env=env, capture_output=True, timeout=180)
    record = json.loads(out.with_suffix(".json").read_text())
    assert record["ranks"] == 2
    rank0, rank1 = record["params_history_by_rank"]
    assert rank0 == rank1 and len(rank0) == 4
    assert set(record["params"]) == {"alpha", "beta"}
    assert 19.5 < record["energy"] < 21.5  # six electrons at omega = 1 (DMC 20.16, HF 20.72)


def test_cli_refuses_open_shells_and_langevin_for_many_electrons():
    from physml.vmc import cli

    with pytest.raises(ValueError, match="n_particles"):
        cli.build(cli.parser().parse_args(["--system", "dot", "--particles", "4"]))
    with pytest.raises(ValueError, match="langevin"):
        cli.build(cli.parser().parse_args(["--system", "dot", "--particles", "6", "--sampler", "langevin"]))
    ham, wf, sampler = cli.build(cli.parser().parse_args(["--system", "dot", "--particles", "12"]))
    assert isinstance(wf, vmc.SlaterJastrow) and wf.n_particles == 12
    assert isinstance(sampler, vmc.SingleParticleMetropolis) and ham.coulomb
