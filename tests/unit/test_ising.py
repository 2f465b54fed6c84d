"""Tests of physml.ising: observables, exact enumeration, Metropolis and Wolff, Onsager."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from physml import ising, stats

# --------------------------------------------------------------------------- observables


def test_bond_convention_ground_state_and_L2_double_counting():
    for L in (2, 3, 4, 7):
        up = np.ones((L, L), dtype=np.int8)
        assert ising.energy(up) == -2 * L * L  # 2 L^2 bonds, all satisfied
        assert ising.energy(up, per_spin=True) == -2.0
        assert ising.magnetization(-up, per_spin=True) == -1.0
    # L = 2: each neighbouring pair is joined by two bonds (direct and around the torus)
    s = np.array([[1, -1], [1, 1]])
    assert ising.energy(s) == 0.0  # the flipped spin breaks 4 of the 8 bonds


def test_energy_matches_explicit_bond_loop_and_batches():
    rng = np.random.default_rng(1)
    batch = rng.choice([-1, 1], size=(5, 5, 5))
    for s in batch:
        e = -sum(s[i, j] * (s[i, (j + 1) % 5] + s[(i + 1) % 5, j]) for i in range(5) for j in range(5))
        assert ising.energy(s) == e
    np.testing.assert_array_equal(ising.energy(batch), [ising.energy(s) for s in batch])
    np.testing.assert_array_equal(ising.magnetization(batch), batch.sum(axis=(1, 2)))
    assert isinstance(ising.energy(batch[0]), float)


def test_sublattices_partition_and_have_no_neighbours_inside():
    for L in (2, 3, 4, 5, 6):
        masks = ising.sublattice_masks(L)
        assert len(masks) == (2 if L % 2 == 0 else 3)
        assert np.all(np.sum(masks, axis=0) == 1)
        for mask in masks:
            for axis in (0, 1):
                assert not np.any(mask & np.roll(mask, 1, axis=axis))


# --------------------------------------------------------------------------- exact


def test_exact_2x2_at_T1():
    """2x2 periodic, 8 bonds: Z = 2 e^{8/T} + 12 + 2 e^{-8/T} (2 aligned states, E = -8;
    8 one-flip and 4 adjacent-pair states, E = 0; 2 chessboards, E = +8)."""
    T = 1.0
    Z = 2 * math.exp(8 / T) + 12 + 2 * math.exp(-8 / T)
    e_exact = (-16 * math.exp(8 / T) + 16 * math.exp(-8 / T)) / Z / 4
    r = ising.exact(2, T)
    assert r.energy == pytest.approx(e_exact, rel=1e-13)
    assert r.energy == pytest.approx(-1.995982, abs=1e-6)
    assert r.log_Z == pytest.approx(math.log(Z), rel=1e-13)


def test_exact_limits_and_thermodynamic_identities():
    T = np.array([0.5, 1.5, 2.5, 4.0])
    r = ising.exact(3, T)
    assert r.energy.shape == T.shape
    # d ln Z / d(1/T) = -<H>: central difference in beta
    h = 1e-5
    beta = 1 / T
    dlnz = (ising.exact(3, 1 / (beta + h)).log_Z - ising.exact(3, 1 / (beta - h)).log_Z) / (2 * h)
    np.testing.assert_allclose(-dlnz / 9, r.energy, rtol=1e-7)
    # C = d<e>/dT
    de = (ising.exact(3, T + h).energy - ising.exact(3, T - h).energy) / (2 * h)
    np.testing.assert_allclose(de, r.specific_heat, rtol=1e-5)
    hot = ising.exact(4, 1e6)
    assert hot.log_Z == pytest.approx(16 * math.log(2), rel=1e-5)
    cold = ising.exact(4, 0.2)
    assert cold.energy == pytest.approx(-2.0) and cold.abs_magnetization == pytest.approx(1.0)
    assert cold.binder == pytest.approx(2 / 3)


def test_onsager():
    assert ising.ONSAGER_TC == pytest.approx(2.269185314, rel=1e-9)
    assert ising.onsager_energy(ising.ONSAGER_TC) == pytest.approx(-math.sqrt(2), rel=1e-12)
    assert ising.onsager_magnetization(3.0) == 0.0
    assert ising.onsager_magnetization(0.5) == pytest.approx(1.0, abs=1e-6)
    # far from T_c the 4x4 lattice is already close to the infinite one
    assert ising.exact(4, 1.0).energy == pytest.approx(ising.onsager_energy(1.0), abs=1e-4)
    # high-temperature series: u = -2 tanh(beta) (1 + ...) to leading order
    assert ising.onsager_energy(50.0) == pytest.approx(-2 * math.tanh(1 / 50), rel=1e-3)


# --------------------------------------------------------------------------- Monte Carlo vs exact


def _blocked(series: np.ndarray) -> stats.BlockingResult:
    return stats.blocking(series.mean(axis=1))  # average over independent chains, then block


@pytest.mark.parametrize(("L", "T"), [(3, 1.5), (3, 3.0), (4, 2.0), (4, 2.5)])
def test_metropolis_reproduces_exact(L, T):
    run = ising.metropolis(L, T, 4096, seed=L * 10 + int(T * 10), n_chains=16, thermalization=100)
    ref = ising.exact(L, T)
    e, m = _blocked(run.energy), _blocked(np.abs(run.magnetization))
    assert abs(e.mean - ref.energy) <= 3 * e.error
    assert abs(m.mean - ref.abs_magnetization) <= 3 * m.error
    assert 0 < run.acceptance < 1


@pytest.mark.parametrize(("L", "T"), [(3, 1.5), (3, 3.0), (4, 2.0), (4, ising.ONSAGER_TC)])
def test_wolff_reproduces_exact(L, T):
    run = ising.wolff(L, T, 8192, seed=L * 10 + int(T * 10), thermalization=100)
    ref = ising.exact(L, T)
    e, m = _blocked(run.energy), _blocked(np.abs(run.magnetization))
    assert abs(e.mean - ref.energy) <= 3 * e.error
    assert abs(m.mean - ref.abs_magnetization) <= 3 * m.error


def test_magnetization_L16_close_to_onsager_below_tc():
    """L = 16 at T = 1.8: correlation length ~ 1, finite-size shift of <|M|> well below 0.005."""
    run = ising.metropolis(16, 1.8, 2048, seed=3, n_chains=16, initial="ordered", thermalization=200)
    m = _blocked(np.abs(run.magnetization))
    assert abs(m.mean - ising.onsager_magnetization(1.8)) <= 3 * m.error + 0.005
    e = _blocked(run.energy)
    assert abs(e.mean - ising.onsager_energy(1.8)) <= 3 * e.error + 0.005


def test_binder_cumulants_cross_between_2_and_2_6():
    """U_L grows with L in the ordered phase and falls in the disordered one: the curves of
    L = 4 (exact) and L = 8 (Wolff) cross between T = 2.0 and 2.6, around Onsager's T_c."""

    def binder(T):
        m = ising.wolff(8, T, 4000, seed=7, thermalization=200).magnetization[:, 0]
        return 1 - np.mean(m**4) / (3 * np.mean(m**2) ** 2)

    assert binder(2.0) > ising.exact(4, 2.0).binder + 0.005
    assert binder(2.6) < ising.exact(4, 2.6).binder - 0.02


def test_sample_shapes_labels_reproducible():
    temps = [1.5, 2.3, 3.5]
    a = ising.sample(6, temps, 20, seed=0, thermalization=20, spacing=2, n_chains=10)
    b = ising.sample(6, temps, 20, seed=0, thermalization=20, spacing=2, n_chains=10)
    assert a.spins.shape == (60, 6, 6) and a.spins.dtype == np.int8
    np.testing.assert_array_equal(a.spins, b.spins)
    np.testing.assert_array_equal(a.temperatures, np.repeat(temps, 20))
    np.testing.assert_array_equal(a.labels, [1] * 20 + [0] * 40)
    assert a.methods == {1.5: "metropolis", 2.3: "wolff", 3.5: "metropolis"}
    assert set(np.unique(a.spins)) <= {-1, 1}
    # ordered phase has larger |M| than the disordered one
    m = np.abs(ising.magnetization(a.spins, per_spin=True))
    assert m[:20].mean() > 0.8 > 0.4 > m[40:].mean()


def test_sample_with_each_method_matches_exact_energy():
    for method in ("metropolis", "wolff"):
        s = ising.sample(4, [2.5], 400, seed=1, thermalization=50, spacing=2, method=method, n_chains=20)
        e = ising.energy(s.spins, per_spin=True)
        err = e.std() / math.sqrt(e.size)  # spacing 2 at L = 4: nearly independent samples
        assert abs(e.mean() - ising.exact(4, 2.5).energy) <= 4 * err


def test_initial_configurations():
    up = np.ones((5, 5), dtype=np.int8)
    run = ising.metropolis(5, 0.5, 20, seed=0, n_chains=3, initial=up)
    assert run.spins.shape == (3, 5, 5)
    assert np.all(run.magnetization > 0.9)  # at T = 0.5 an aligned start stays aligned
    ordered = ising.metropolis(5, 0.5, 1, seed=1, n_chains=40, initial="ordered")
    signs = np.sign(ordered.magnetization[0])
    assert 0 < np.sum(signs > 0) < 40  # each chain's sign is drawn at random
    with pytest.raises(ValueError, match="initial"):
        ising.metropolis(5, 2.0, 1, seed=0, n_chains=2, initial=np.ones((3, 5, 5)))
    s = ising.sample(4, [3.0], 7, seed=0, n_chains=3, thermalization=5, spacing=1)
    assert s.spins.shape == (7, 4, 4)  # 7 samples from 3 chains: the last chain round is cut


def test_runs_are_reproducible():
    a = ising.metropolis(5, 2.0, 10, seed=4, n_chains=3)
    b = ising.metropolis(5, 2.0, 10, seed=np.random.default_rng(4), n_chains=3)
    np.testing.assert_array_equal(a.energy, b.energy)
    np.testing.assert_array_equal(
        ising.wolff(5, 2.0, 10, seed=4).magnetization, ising.wolff(5, 2.0, 10, seed=4).magnetization
    )


# --------------------------------------------------------------------------- bad input


@given(st.floats(-10, 0))
def test_non_positive_temperature_rejected(T):
    with pytest.raises(ValueError, match="T"):
        ising.metropolis(4, T, 1, seed=0)
    with pytest.raises(ValueError, match="T"):
        ising.wolff(4, T, 1, seed=0)
    with pytest.raises(ValueError, match="T"):
        ising.exact(2, T)
    with pytest.raises(ValueError, match="temperatures"):
        ising.sample(4, [1.0, T], 1, seed=0)


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_nan_temperature_rejected(bad):
    with pytest.raises(ValueError, match="T"):
        ising.metropolis(4, bad, 1, seed=0)
    with pytest.raises(ValueError, match="T"):
        ising.exact(3, [1.0, bad])


@pytest.mark.parametrize("L", [1, 0, -3])
def test_small_lattice_rejected(L):
    with pytest.raises(ValueError, match="L"):
        ising.metropolis(L, 2.0, 1, seed=0)
    with pytest.raises(ValueError, match="L"):
        ising.wolff(L, 2.0, 1, seed=0)
    with pytest.raises(ValueError, match="L"):
        ising.exact(L, 2.0)


def test_bad_spins_rejected():
    with pytest.raises(ValueError, match="spins"):
        ising.energy(np.array([[1, 0], [1, 1]]))
    with pytest.raises(ValueError, match="spins"):
        ising.energy(np.array([[1, np.nan], [1, 1]]))
    with pytest.raises(ValueError, match="spins"):
        ising.magnetization(np.ones((2, 3)))
    with pytest.raises(ValueError, match="spins"):
        ising.energy(np.ones(4))
    with pytest.raises(ValueError, match="spins"):
        ising.energy(np.ones((1, 1)))
    with pytest.raises(TypeError, match="spins"):
        ising.energy(np.ones((2, 2)) * 1j)
    with pytest.raises(TypeError, match="spins"):
        ising.energy("up")
    with pytest.raises(ValueError, match="initial"):
        ising.metropolis(3, 2.0, 1, seed=0, initial=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="initial"):
        ising.metropolis(3, 2.0, 1, seed=0, initial="down")


def test_other_bad_arguments():
    with pytest.raises(ValueError, match="L"):
        ising.exact(5, 1.0)
    with pytest.raises(ValueError, match="n_sweeps"):
        ising.metropolis(3, 2.0, 0, seed=0)
    with pytest.raises(TypeError, match="seed"):
        ising.wolff(3, 2.0, 1, seed=None)
    with pytest.raises(ValueError, match="method"):
        ising.sample(3, [2.0], 1, seed=0, method="heat-bath")
    with pytest.raises(ValueError, match="temperatures"):
        ising.sample(3, [], 1, seed=0)
