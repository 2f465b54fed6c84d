"""Tests of physml.vmc: zero variance at exact wave functions, analytic derivatives against
torch autograd, samplers against |psi|^2, optimisation, the quantum dot, and bad input."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from physml import optim, stats, vmc
from physml.vmc import exact

# ----------------------------------------------------------------------------------------------
# zero variance: exact wave functions have a constant local energy
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("n_particles", [1, 3])
@pytest.mark.parametrize("omega", [0.5, 1.0, 2.3])
def test_gaussian_at_half_omega_has_zero_variance(dims, n_particles, omega):
    x = 2.0 * np.random.default_rng(dims + 10 * n_particles).standard_normal((200, n_particles, dims))
    el = vmc.HarmonicTrap(omega).local_energy(vmc.Gaussian(omega / 2, n_particles, dims), x)
    np.testing.assert_allclose(el, n_particles * dims * omega / 2, atol=1e-10, rtol=0)


def test_taut_wave_function_has_constant_local_energy_three():
    x = 1.5 * np.random.default_rng(3).standard_normal((500, 2, 2))
    el = vmc.HarmonicTrap(1.0, coulomb=True).local_energy(vmc.CuspGaussian(0.5), x)
    np.testing.assert_allclose(el, 3.0, atol=1e-10, rtol=0)


@pytest.mark.parametrize("degree", [1, 2, 3])
def test_closed_form_dot_states_have_constant_local_energy(degree):
    """Taut's closed forms: (1 + r) at omega = 1 (E = 3), (1 + r + r^2/6) at omega = 1/6 (E = 2/3), ..."""
    sol = exact.taut_solution(degree)
    if degree == 1:
        assert sol.omega == pytest.approx(1.0, abs=1e-14) and sol.energy == pytest.approx(3.0, abs=1e-14)
    if degree == 2:
        assert sol.omega == pytest.approx(1 / 6, abs=1e-14) and sol.energy == pytest.approx(2 / 3, abs=1e-14)
        np.testing.assert_allclose(sol.coefficients, [1.0, 1.0, 1 / 6], atol=1e-14)
    x = np.random.default_rng(degree).standard_normal((500, 2, 2)) * 2 / np.sqrt(sol.omega)
    wf = vmc.PolynomialCusp(sol.omega / 2, sol.coefficients)
    el = vmc.HarmonicTrap(sol.omega, coulomb=True).local_energy(wf, x)
    np.testing.assert_allclose(el, sol.energy, atol=1e-10 * max(1.0, sol.energy))
    # an independent route to the same energy: the finite-difference solver of the relative motion
    assert exact.two_electron_dot_energy(sol.omega) == pytest.approx(sol.energy, abs=1e-8)


@pytest.mark.parametrize("omega", [0.1, 1 / 6, 0.5, 1.0, 3.0])
def test_hartree_fock_dot_between_exact_and_gaussian_product(omega):
    """Restricted HF: above the exact energy (correlation is missing), below the best single
    Gaussian product (the orbital shape is free), and obeying the virial theorem."""
    hf = exact.hartree_fock_dot(omega)
    e_exact = exact.two_electron_dot_energy(omega)
    _, e_product = exact.gaussian_product_energy(omega)
    assert e_exact < hf.energy < e_product
    assert hf.kinetic + hf.trap + hf.interaction == pytest.approx(hf.energy, abs=1e-12)
    assert 2 * hf.kinetic - 2 * hf.trap + hf.interaction == pytest.approx(0.0, abs=1e-5)
    # the basis is converged: more, denser functions change the energy by less than 1e-6
    assert exact.hartree_fock_dot(omega, n_basis=24, ratio=1.4).energy == pytest.approx(hf.energy, abs=1e-6)


def test_hartree_fock_dot_limits():
    """One basis function e^{-omega r^2/2} is the Gaussian product at alpha = omega/2, and
    without the repulsion the orbital is the oscillator ground state, E = 2 omega."""
    for omega in (0.5, 1.0, 2.0):
        a = omega / 2
        one = exact.hartree_fock_dot(omega, n_basis=1)
        assert one.energy == pytest.approx(2 * a + omega**2 / (2 * a) + np.sqrt(np.pi * a), abs=1e-12)
        free = exact.hartree_fock_dot(omega, n_basis=15, coulomb=False)
        assert free.energy == pytest.approx(2 * omega, abs=1e-12)
        assert free.interaction == 0.0


def test_hartree_fock_dot_bad_input():
    with pytest.raises(ValueError, match="omega"):
        exact.hartree_fock_dot(0.0)
    with pytest.raises(ValueError, match="ratio"):
        exact.hartree_fock_dot(1.0, ratio=1.0)
    with pytest.raises(TypeError, match="coulomb"):
        exact.hartree_fock_dot(1.0, coulomb="yes")
    with pytest.raises(RuntimeError, match="max_iter"):
        exact.hartree_fock_dot(1.0, max_iter=2)
    with pytest.raises(ValueError, match="linearly dependent"):
        exact.hartree_fock_dot(1.0, n_basis=40, ratio=1.2)


def test_polynomial_cusp_with_linear_polynomial_is_cusp_gaussian():
    x = np.random.default_rng(1).standard_normal((20, 3, 2))
    a, b = vmc.PolynomialCusp(0.4, [1.0, 1.0], n_particles=3), vmc.CuspGaussian(0.4, n_particles=3)
    np.testing.assert_allclose(a.log_psi(x), b.log_psi(x), atol=1e-13)
    np.testing.assert_allclose(a.grad_log_psi(x), b.grad_log_psi(x), atol=1e-13)
    np.testing.assert_allclose(a.laplacian_log_psi(x), b.laplacian_log_psi(x), atol=1e-12)


def test_gaussian_local_energy_away_from_optimum():
    """E_L = alpha d + (omega^2/2 - 2 alpha^2) r^2 for one particle."""
    alpha, omega, d = 0.3, 1.2, 3
    x = np.random.default_rng(0).standard_normal((50, 1, d))
    r2 = (x**2).sum(axis=(1, 2))
    el = vmc.HarmonicTrap(omega).local_energy(vmc.Gaussian(alpha, 1, d), x)
    np.testing.assert_allclose(el, alpha * d + (omega**2 / 2 - 2 * alpha**2) * r2, rtol=1e-12)


# ----------------------------------------------------------------------------------------------
# analytic derivatives against torch autograd
# ----------------------------------------------------------------------------------------------


def torch_log_psi(name, params, x):
    """Independent torch implementations of log psi for x of shape (walkers, particles, dims)."""
    r2 = (x**2).sum(dim=(1, 2))
    if name == "gaussian":
        return -params[0] * r2
    n = x.shape[1]
    total = -params[0] * r2
    for i in range(n):
        for j in range(i + 1, n):
            r = torch.sqrt(((x[:, i] - x[:, j]) ** 2).sum(dim=1))
            if name == "pade":
                total = total + PADE_A[x.shape[2]] * r / (1 + params[1] * r)
            elif name == "poly":
                total = total + torch.log(1 + r + POLY[2] * r**2 + POLY[3] * r**3)
            else:
                total = total + torch.log1p(r)
    return total


PADE_A = {1: 0.7, 2: 1.0, 3: 0.5}
POLY = (1.0, 1.0, 0.3, 0.05)


def make_wf(name, params, n, d):
    if name == "gaussian":
        return vmc.Gaussian(params[0], n, d)
    if name == "pade":
        return vmc.PadeJastrow(params[0], params[1], n, d, a=PADE_A[d])
    if name == "poly":
        return vmc.PolynomialCusp(params[0], POLY, n, d)
    return vmc.CuspGaussian(params[0], n, d)


def autograd_derivatives(name, params, x):
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    pt = torch.tensor(params, dtype=torch.float64, requires_grad=True)
    logp = torch_log_psi(name, pt, xt)
    (grad,) = torch.autograd.grad(logp.sum(), xt, create_graph=True)
    lap = torch.zeros(x.shape[0], dtype=torch.float64)
    flat = grad.reshape(x.shape[0], -1)
    for k in range(flat.shape[1]):
        (g2,) = torch.autograd.grad(flat[:, k].sum(), xt, retain_graph=True)
        lap = lap + g2.reshape(x.shape[0], -1)[:, k]
    pgrad = torch.stack([torch.autograd.grad(logp[w], pt, retain_graph=True)[0] for w in range(x.shape[0])])
    return logp.detach().numpy(), grad.detach().numpy(), lap.numpy(), pgrad.numpy()


@settings(max_examples=15, deadline=None)
@given(
    name=st.sampled_from(["gaussian", "pade", "cusp", "poly"]),
    n=st.integers(2, 4),
    d=st.integers(1, 3),
    alpha=st.floats(0.1, 2.0),
    beta=st.floats(0.0, 2.0),
    seed=st.integers(0, 2**31),
)
def test_derivatives_equal_autograd(name, n, d, alpha, beta, seed):
    params = [alpha, beta] if name == "pade" else [alpha]
    x = 1.5 * np.random.default_rng(seed).standard_normal((4, n, d))
    wf = make_wf(name, params, n, d)
    logp, grad, lap, pgrad = autograd_derivatives(name, params, x)
    np.testing.assert_allclose(wf.log_psi(x), logp, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(wf.grad_log_psi(x), grad, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(wf.laplacian_log_psi(x), lap, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(wf.param_grad_log_psi(x), pgrad, rtol=1e-9, atol=1e-10)


def test_local_energy_equals_finite_difference_laplacian():
    """E_L from the log-derivatives equals -1/2 (del^2 psi)/psi + V by central differences."""
    wf = vmc.PadeJastrow(0.45, 0.35)
    ham = vmc.HarmonicTrap(1.0, coulomb=True)
    x = np.random.default_rng(5).standard_normal((6, 2, 2))
    h = 1e-4
    psi = np.exp(wf.log_psi(x))
    lap = np.zeros(len(x))
    for p in range(2):
        for k in range(2):
            e = np.zeros_like(x)
            e[:, p, k] = h
            lap += (np.exp(wf.log_psi(x + e)) - 2 * psi + np.exp(wf.log_psi(x - e))) / h**2
    expected = -0.5 * lap / psi + ham.potential(x)
    np.testing.assert_allclose(ham.local_energy(wf, x), expected, rtol=1e-6)


def test_dot_fast_path_equals_general_path():
    wf = vmc.PadeJastrow(0.4, 0.3)
    x = np.random.default_rng(1).standard_normal((7, 2, 2))
    np.testing.assert_allclose(wf._log_psi(x), vmc.PairJastrow._log_psi(wf, x), rtol=1e-14)


# ----------------------------------------------------------------------------------------------
# samplers reproduce |psi|^2
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sampler",
    [vmc.Metropolis(1.5), vmc.Metropolis(2.0, moves="uniform"), vmc.Langevin(0.3)],
    ids=["metropolis-gaussian", "metropolis-uniform", "langevin"],
)
def test_samplers_reproduce_gaussian_density(sampler):
    """|psi|^2 = exp(-2 alpha x^2) is a normal density with variance 1/(4 alpha); walkers at the
    last step are independent draws from it."""
    alpha = 0.7
    wf = vmc.Gaussian(alpha, 1, 1)
    walkers = sampler.init_walkers(wf, 3000, seed=1, scale=3.0)
    samples, acceptance = sampler.sample(wf, walkers, n_steps=1, seed=2, n_burn=150)
    assert 0.05 < acceptance < 1.0
    result = sps.kstest(samples[-1].ravel(), "norm", args=(0.0, np.sqrt(1 / (4 * alpha))))
    assert result.pvalue > 1e-3, result


def test_walker_streams_are_independent_and_reproducible():
    a = [g.random(3) for g in vmc.walker_streams(7, 3)]
    b = [g.random(3) for g in vmc.walker_streams(7, 2)]
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.allclose(a[0], a[1])


def test_local_walkers_split_the_total():
    for n, size in [(10, 3), (4096, 2), (7, 7)]:
        assert sum(vmc.local_walkers(n, r, size) for r in range(size)) == n


# ----------------------------------------------------------------------------------------------
# statistics, optimisation and the quantum dot
# ----------------------------------------------------------------------------------------------


def test_blocking_recovers_ar1_error_of_mean():
    n, phi = 2**15, 0.8
    errors = [vmc.blocking(stats.ar1_series(n, phi, seed=s)).error for s in range(4)]
    assert np.mean(errors) == pytest.approx(stats.ar1_error_of_mean(n, phi), rel=0.15)


def test_estimate_at_exact_wave_function_has_zero_variance():
    est = vmc.energy(
        vmc.HarmonicTrap(1.0), vmc.Gaussian(0.5, 2, 3), vmc.Metropolis(1.0), n_walkers=50, n_steps=32, seed=0
    )
    assert est.mean == pytest.approx(3.0, abs=1e-12)
    assert est.variance < 1e-20 and est.error < 1e-10


def test_energy_gradient_has_sign_of_the_exact_derivative():
    """One particle in 1D: <E>(alpha) = alpha/2 + omega^2/(8 alpha), dE/dalpha = 1/2 - omega^2/(8 alpha^2)."""
    alpha = 0.3
    est = vmc.energy_gradient(
        vmc.HarmonicTrap(1.0), vmc.Gaussian(alpha), vmc.Metropolis(2.0), n_walkers=2000, n_steps=64, seed=4
    )
    assert est.mean == pytest.approx(alpha / 2 + 1 / (8 * alpha), abs=5 * est.error + 1e-3)
    assert est.gradient[0] == pytest.approx(0.5 - 1 / (8 * alpha**2), rel=0.1)


@pytest.mark.parametrize("dims", [1, 3])
def test_optimisation_from_poor_start_reaches_half_omega(dims):
    omega = 1.6
    result = vmc.optimize(
        vmc.HarmonicTrap(omega),
        vmc.Gaussian(0.2, 1, dims),
        vmc.Metropolis(1.0),
        optim.GradientDescent(0.05),
        n_iter=150,
        n_walkers=400,
        n_steps=32,
        n_burn_iter=5,
        seed=3,
        desc=None,
    )
    assert abs(result.params[-1, 0] - omega / 2) < 1e-3
    assert result.energy[-1] == pytest.approx(dims * omega / 2, abs=1e-4)


def test_quantum_dot_energy_close_to_three_and_above():
    ham = vmc.HarmonicTrap(1.0, coulomb=True)
    result = vmc.optimize(
        ham,
        vmc.PadeJastrow(0.3, 0.1),
        vmc.Metropolis(1.2),
        optim.Adam(0.05),
        n_iter=40,
        n_walkers=500,
        n_steps=64,
        seed=11,
        desc=None,
    )
    est = vmc.energy(ham, result.wf, vmc.Metropolis(1.2), n_walkers=1000, n_steps=256, seed=12)
    assert abs(est.mean - 3.0) <= 3 * est.error + 5e-3
    assert est.mean >= 3.0 - 3 * est.error


# ----------------------------------------------------------------------------------------------
# bad input
# ----------------------------------------------------------------------------------------------


def test_bad_input_raises_clear_errors():
    with pytest.raises(ValueError, match="omega"):
        vmc.HarmonicTrap(0.0)
    with pytest.raises(ValueError, match="omega"):
        vmc.HarmonicTrap(-1.0)
    with pytest.raises(ValueError, match="alpha"):
        vmc.Gaussian(-0.1)
    wf = vmc.PadeJastrow(0.5, 0.3)
    with pytest.raises(ValueError, match=r"shape \(walkers, 2, 2\)"):
        wf.log_psi(np.zeros((5, 3, 2)))
    with pytest.raises(ValueError, match="3-dimensional"):
        wf.log_psi(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="at least one walker"):
        wf.log_psi(np.zeros((0, 2, 2)))
    with pytest.raises(TypeError, match="real"):
        wf.log_psi(np.zeros((1, 2, 2), dtype=complex))
    with pytest.raises(ValueError, match="NaN"):
        wf.log_psi(np.full((1, 2, 2), np.nan))
    with pytest.raises(ValueError, match="params must be finite"):
        wf.with_params([np.nan, 0.3])
    with pytest.raises(ValueError, match="alpha"):
        vmc.PadeJastrow(np.nan, 0.3)
    with pytest.raises(ValueError, match="step_size"):
        vmc.Metropolis(0.0)
    with pytest.raises(ValueError, match="step_size"):
        vmc.Metropolis(-1.0)
    with pytest.raises(ValueError, match="dt"):
        vmc.Langevin(0.0)
    with pytest.raises(ValueError, match="moves"):
        vmc.Metropolis(1.0, moves="cauchy")
    ham = vmc.HarmonicTrap(1.0, coulomb=True)
    with pytest.raises(ValueError, match="n_walkers"):
        vmc.energy(ham, wf, vmc.Metropolis(1.0), n_walkers=0, n_steps=32, seed=0)
    with pytest.raises(ValueError, match="n_steps"):
        vmc.energy(ham, wf, vmc.Metropolis(1.0), n_walkers=10, n_steps=8, seed=0)
    with pytest.raises(TypeError, match="seed"):
        vmc.energy(ham, wf, vmc.Metropolis(1.0), n_walkers=10, n_steps=32, seed=None)
    with pytest.raises(TypeError, match="optimizer"):
        vmc.optimize(ham, wf, vmc.Metropolis(1.0), "adam", n_iter=1, n_walkers=10, n_steps=32, seed=0)


class BrokenGaussian(vmc.Gaussian):
    """A Gaussian whose Laplacian is NaN: the run must stop, not average garbage."""

    def _grad_lap(self, x):
        grad, lap = super()._grad_lap(x)
        return grad, np.full_like(lap, np.nan)


def test_nan_local_energy_stops_the_run():
    with pytest.raises(FloatingPointError, match="local energy is NaN or infinite"):
        vmc.energy(
            vmc.HarmonicTrap(1.0), BrokenGaussian(0.4), vmc.Metropolis(1.0), n_walkers=10, n_steps=32, seed=0
        )
    with pytest.raises(FloatingPointError, match="local energy"):
        vmc.optimize(
            vmc.HarmonicTrap(1.0),
            BrokenGaussian(0.4),
            vmc.Metropolis(1.0),
            optim.Adam(0.1),
            n_iter=2,
            n_walkers=10,
            n_steps=32,
            seed=0,
            desc=None,
        )


# --------------------------------------------------------------------------- issue 26


def test_reference_solvers_refuse_omega_outside_their_range():
    """1e300 (whose square overflows): a ValueError naming omega, with the range, not OverflowError."""
    for solver in (exact.two_electron_dot_energy, exact.gaussian_product_energy, exact.hartree_fock_dot):
        with pytest.raises(ValueError, match=r"^omega must be in \[0\.0001, 10000\]"):
            solver(1e300)
    with pytest.raises(ValueError, match="r_max / n_grid"):
        exact.two_electron_dot_energy(1.0, r_max=1e300)
    with pytest.raises(ValueError, match="ratio=1e\\+300"):
        exact.hartree_fock_dot(1.0, ratio=1e300)
    assert exact.two_electron_dot_energy(1.0) == pytest.approx(3.0, abs=1e-6)  # Taut
    # at small omega the Gaussian's optimum lies below the old search interval (1e-4, ...)
    alpha, energy = exact.gaussian_product_energy(1e-4)
    assert alpha < 1e-4 and energy < 2 * alpha + 1e-8 / (2 * alpha) + np.sqrt(np.pi * alpha) + 1e-12


def test_hartree_fock_without_convergence_raises_the_documented_error():
    import physml

    with pytest.raises(physml.ConvergenceError, match="max_iter=2"):
        exact.hartree_fock_dot(1.0, max_iter=2)
    assert "ConvergenceError" in exact.hartree_fock_dot.__doc__


def test_sampler_step_and_measure_take_an_int_seed_like_a_generator():
    wf = vmc.Gaussian(0.5, 2, 2)
    ham = vmc.HarmonicTrap(1.0)
    for sampler in (vmc.Metropolis(1.0), vmc.Langevin(0.1)):
        with_seed = sampler.init_walkers(wf, 8, seed=0)
        with_generator = sampler.init_walkers(wf, 8, seed=0)
        assert sampler.step(wf, with_seed, 3) == sampler.step(wf, with_generator, np.random.default_rng(3))
        np.testing.assert_array_equal(with_seed.x, with_generator.x)
        a = vmc.driver.measure(ham, wf, sampler, with_seed, 16, 4)
        b = vmc.driver.measure(ham, wf, sampler, with_generator, 16, np.random.default_rng(4))
        assert a.mean == b.mean
    rbm = vmc.RBMWaveFunction.random(2, 2, 2, 0)
    gibbs = vmc.Gibbs()
    walkers = gibbs.init_walkers(rbm, 4, 0)
    assert gibbs.step(rbm, walkers, 1) >= 0
    with pytest.raises(ValueError, match="rng"):
        vmc.Metropolis(1.0).step(wf, vmc.Metropolis(1.0).init_walkers(wf, 4, 0), -1)


def test_mpi_comm_keeps_a_0d_array_0d_like_serial_comm():
    mpi = pytest.importorskip("mpi4py.MPI")
    for comm in (vmc.driver.SerialComm(), vmc.driver.MPIComm(mpi.COMM_SELF)):
        assert comm.allreduce_sum(np.float64(2.5)).shape == ()
        assert comm.bcast(np.array(1.5)).shape == ()
        assert comm.allreduce_sum(np.arange(3.0)).shape == (3,)
        assert float(comm.allreduce_sum(np.array(2.5))) == 2.5


def test_cli_refuses_negative_counts():
    """``--iterations -1`` used to run as 0; now argparse refuses it (ValueError from Python)."""
    from physml.vmc import cli

    for option in ("--iterations", "--burn", "--walkers", "--steps", "--final-steps"):
        with pytest.raises(ValueError, match=f"argument {option}: must be >= "):
            cli.main([option, "-1"])
    assert cli.parser().parse_args(["--iterations", "0"]).iterations == 0
