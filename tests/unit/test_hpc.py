"""physml.hpc: timing with a spread, the roofline arithmetic, the step and scaling models and
their fits, the loop sampler against physml.vmc, rounding bounds, profiles and the MPI launcher.

No test asserts a speed: timings are only checked for their form (positive, one per repeat)."""

import math
import random

import numpy as np
import pytest
import torch

from physml import hpc, vmc

# --- timing ----------------------------------------------------------------------------------


def test_timing_summary_and_error_floor():
    t = hpc.Timing(np.array([1.0, 2.0, 3.0, 4.0, 100.0]), 3)
    assert t.median == 3.0 and t.low == 2.0 and t.high == 4.0
    assert t.relative_spread == pytest.approx(2.0 / 3.0)
    sigma = 2.0 / 1.349
    assert t.error == pytest.approx(1.2533 * sigma / math.sqrt(5))  # the outlier 100 does not count
    same = hpc.Timing(np.full(7, 0.5), 1)
    assert same.error == pytest.approx(hpc.TIME_ERROR_FLOOR * 0.5)


def test_time_call_repeats_and_syncs():
    calls, syncs = [], []
    t = hpc.time_call(lambda: calls.append(1), repeats=4, min_seconds=0.0, sync=lambda: syncs.append(1))
    assert len(t.seconds) == 4 and np.all(t.seconds >= 0) and t.number >= 1
    assert len(calls) == 2 + 4 * t.number  # warm-up, the timed call that sets number, repeats
    assert len(syncs) >= 2 * 4


def test_time_call_makes_repeats_long_enough():
    t = hpc.time_call(lambda: None, repeats=3, min_seconds=0.002)
    assert t.number > 1 and t.median * t.number > 0


def test_synchronizer_on_the_cpu_does_nothing():
    assert hpc.synchronizer("cpu")() is None


def test_threads_sets_and_restores_torch_threads():
    before = torch.get_num_threads()
    with hpc.threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


# --- the roofline ----------------------------------------------------------------------------


def test_matmul_cost_and_intensities():
    assert hpc.matmul_cost(2, 3, 4, 8) == (48, 8 * (6 + 12 + 8))
    n = 1200
    flops, nbytes = hpc.matmul_cost(n, n, n, 8)
    assert flops / nbytes == pytest.approx(n / 12)
    flops, nbytes = hpc.matmul_cost(n, n, 1, 8)
    assert flops / nbytes == pytest.approx(0.25, rel=2e-3)  # about 1/4 FLOP/byte, whatever n


def test_roofline_is_the_lower_of_the_two_roofs():
    r = hpc.roofline([0.1, 4.0, 100.0], peak=40e9, bandwidth=10e9)
    np.testing.assert_allclose(r, [1e9, 40e9, 40e9])
    with pytest.raises(ValueError, match="intensity"):
        hpc.roofline([-1.0], 1.0, 1.0)


@pytest.mark.parametrize("measure", [hpc.measure_gemm, hpc.measure_matvec, hpc.measure_triad])
def test_kernels_count_flops_and_bytes(measure):
    n = 64
    k = measure(n, "float32", repeats=3)
    assert len(k.timing.seconds) == 3 and k.timing.median > 0
    assert k.rate > 0 and k.best_rate >= k.rate and k.bandwidth > 0
    expected = {hpc.measure_gemm: 2 * n**3, hpc.measure_matvec: 2 * n**2, hpc.measure_triad: 2 * n}
    assert k.flops == expected[measure]
    assert k.intensity == k.flops / k.bytes


# --- a training step ----------------------------------------------------------------------


def test_mlp_step_flops_counts_the_matrix_products():
    B, sizes = 5, [3, 4, 2]
    forward = 2 * B * (3 * 4 + 4 * 2)
    weight_grads = forward
    input_grads = 2 * B * 4 * 2  # only into the second layer's input
    assert hpc.mlp_step_flops(B, sizes) == forward + weight_grads + input_grads


def test_mlp_step_trains():
    step = hpc.make_mlp_step([8, 16, 3], batch=32, seed=1)
    losses = [step() for _ in range(300)]  # Adam with lr 1e-3 on one fixed batch: the cost falls
    assert losses[-1] < 0.85 * losses[0] and losses[-1] < min(losses[:50])


def test_fit_step_model_recovers_fixed_cost_and_rate():
    flops = np.array([1e5, 1e6, 1e7, 1e8])
    exact = 2e-4 + flops / 5e9
    rng = np.random.default_rng(0)
    times = exact[:, None] * (1 + 0.01 * rng.standard_normal((4, 9)))
    fit = hpc.fit_step_model(flops, times)
    assert abs(fit.t0 - 2e-4) < 4 * fit.t0_error
    assert abs(fit.rate - 5e9) < 4 * fit.rate_error
    assert fit.crossover == pytest.approx(fit.t0 * fit.rate)
    np.testing.assert_allclose(fit.predict(flops), exact, rtol=0.05)


def test_fit_step_model_needs_two_sizes():
    with pytest.raises(ValueError, match="flops"):
        hpc.fit_step_model([1e6, 1e6], np.ones((2, 3)))


# --- scaling laws --------------------------------------------------------------------------


def test_amdahl_and_gustafson_laws():
    p = np.array([1.0, 2.0, 64.0, 1e9])
    s = 0.05
    S = hpc.amdahl_speedup(p, s)
    assert S[0] == 1.0 and S[-1] == pytest.approx(1 / s, rel=1e-6)
    np.testing.assert_allclose(hpc.amdahl_efficiency(p, s), S / p)
    G = hpc.gustafson_speedup(p, s)
    assert G[0] == 1.0 and G[2] == pytest.approx(0.05 + 0.95 * 64)
    np.testing.assert_allclose(hpc.gustafson_efficiency(p, s), G / p)
    assert hpc.amdahl_efficiency(64, 0.0) == 1.0 and hpc.amdahl_speedup(64, 1.0) == 1.0


def test_fit_serial_fraction_is_exact_on_exact_times():
    p = np.array([1.0, 2.0, 4.0])
    times = (3.0 * (0.2 + 0.8 / p))[:, None] * np.ones((3, 5))
    fit = hpc.fit_serial_fraction(p, times)
    assert fit.serial_fraction == pytest.approx(0.2) and fit.t1 == pytest.approx(3.0)
    np.testing.assert_allclose(fit.efficiency(p), hpc.amdahl_efficiency(p, 0.2))


def test_fit_serial_fraction_from_two_counts_has_an_error_from_the_repeats():
    rng = np.random.default_rng(3)
    times = np.array([1.0, 0.6])[:, None] * (1 + 0.02 * rng.standard_normal((2, 7)))
    fit = hpc.fit_serial_fraction([1, 2], times)
    assert fit.dof == 0 and fit.serial_fraction_error > 0
    assert fit.serial_fraction == pytest.approx(0.2, abs=5 * fit.serial_fraction_error)
    assert np.all(fit.efficiency_error([8, 64]) > 0)


def test_fit_serial_fraction_needs_two_counts():
    with pytest.raises(ValueError, match="processes"):
        hpc.fit_serial_fraction([2, 2], np.ones((2, 3)))


def test_ring_allreduce_time():
    assert hpc.ring_allreduce_time(1, 1e6, 1e-6, 1e9) == 0.0
    assert hpc.ring_allreduce_time(2, 1e6, 1e-6, 1e9) == pytest.approx(2e-6 + 1e-3)
    big = hpc.ring_allreduce_time(1e6, 1e6, 0.0, 1e9)
    assert big < 2e-3  # the bandwidth term stays below 2 n / beta


def test_predict_scaling_without_communication_is_amdahl_and_gustafson():
    p = np.array([1.0, 2.0, 8.0, 512.0])
    fixed, work = 1e-3, 9e-3
    s = fixed / (fixed + work)
    m = hpc.predict_scaling(p, fixed, work, 0.0, 0.0, 1e9)
    np.testing.assert_allclose(m.strong_efficiency, hpc.amdahl_efficiency(p, s))
    np.testing.assert_allclose(m.scaled_speedup, hpc.gustafson_speedup(p, s))
    np.testing.assert_allclose(m.weak_efficiency, 1.0)
    slow = hpc.predict_scaling(p, fixed, work, 1e8, 1e-5, 1e9)
    assert np.all(slow.strong_efficiency[1:] < m.strong_efficiency[1:])
    assert np.all(np.diff(slow.weak_efficiency) < 0)


# --- vectorisation ----------------------------------------------------------------------------


def test_loop_log_psi_equals_vmc():
    x = np.random.default_rng(0).standard_normal((50, 3, 2))
    wf = vmc.PadeJastrow(0.5, 0.4, n_particles=3, dims=2, a=0.7)
    np.testing.assert_allclose(hpc.loop_log_psi(x, 0.5, 0.4, a=0.7), wf.log_psi(x), rtol=0, atol=1e-12)


def test_loop_metropolis_moves_and_is_seeded():
    x = np.random.default_rng(1).standard_normal((20, 2, 2))
    new, acceptance = hpc.loop_metropolis(x, 0.5, 0.4, n_sweeps=5, seed=3)
    again, _ = hpc.loop_metropolis(x, 0.5, 0.4, n_sweeps=5, seed=3)
    assert new.shape == x.shape and 0 < acceptance < 1
    np.testing.assert_array_equal(new, again)
    assert not np.array_equal(new, x)


def test_loop_sweep_samples_the_trial_density():
    """The loop sampler's <r^2> for alpha = 0.5, beta = 0 (a Gaussian of width 1 per coordinate,
    |psi|^2 = exp(-r^2)): <x^2> = 1/2 per coordinate, 4 coordinates."""
    rng = random.Random(0)
    walkers = np.random.default_rng(0).standard_normal((200, 2, 2)).tolist()
    logs = [hpc._loop_log_psi(w, 0.5, 0.0, 0.0) for w in walkers]
    r2 = []
    for sweep in range(300):
        hpc._loop_sweep(walkers, logs, 0.5, 0.0, 0.0, 1.0, rng)
        if sweep >= 50:
            r2.append(np.mean(np.square(walkers).sum(axis=(1, 2))))
    assert np.mean(r2) == pytest.approx(2.0, abs=0.1)


# --- precision -----------------------------------------------------------------------------------


def test_recursive_float32_sum_of_ones_stalls_at_2_to_the_24():
    ones = np.ones(2**24 + 100, dtype=np.float32)
    assert hpc.recursive_sum(ones) == 2.0**24
    assert float(np.sum(ones)) == 2**24 + 100  # pairwise: exact


def test_summation_bound_holds_and_refuses_too_many_numbers():
    x = np.random.default_rng(0).random(10**5).astype(np.float32)
    exact = math.fsum(x.astype(np.float64))
    assert abs(hpc.recursive_sum(x) - exact) <= hpc.summation_bound(x.astype(np.float64), "float32")
    with pytest.raises(ValueError, match="x"):
        hpc.summation_bound(np.ones(300), "bfloat16")  # n u = 300 / 256 > 1/2


# --- profiles -------------------------------------------------------------------------------------


def _busy():
    return sum(math.sqrt(i) for i in range(20000))


def test_cprofile_top_lists_the_busiest_functions():
    rows = hpc.cprofile_top(_busy, n=3)
    assert len(rows) == 3
    assert [r[2] for r in rows] == sorted((r[2] for r in rows), reverse=True)
    assert any("genexpr" in r[0] or "sqrt" in r[0] or "sum" in r[0] for r in rows)


def test_torch_profile_top_names_operators_and_writes_nothing_to_stderr(capfd):
    a = torch.randn(64, 64)
    rows = hpc.torch_profile_top(lambda: (a @ a).sum().item(), n=2, n_steps=2)
    assert len(rows) == 2 and all(r[0].startswith("aten::") for r in rows)
    assert any(r[0] in ("aten::mm", "aten::matmul") for r in rows)
    assert capfd.readouterr().err == ""


# --- VMC on one and several processes --------------------------------------------------------------


def test_vmc_iteration_timing():
    t = hpc.vmc_iteration_timing(64, n_steps=16, repeats=2)
    assert len(t.seconds) == 2 and np.all(t.seconds > 0)


@pytest.mark.skipif(hpc.find_mpiexec() is None, reason="mpiexec not found (pip install -r requirements.txt)")
def test_mpi_scaling_on_two_ranks():
    r = hpc.mpi_scaling(ranks=2, n_walkers=64, n_steps=16, repeats=2, timeout=120.0, sizes=(32,))
    assert r["ranks"] == 2 and r["launch_seconds"] > 0
    assert list(r["sizes"]) == [32] and len(r["sizes"][32].seconds) == 2
    assert len(r["one"].seconds) == 2 and np.all(r["one"].seconds > 0)
    assert len(r["strong"].seconds) == 2 and len(r["weak"].seconds) == 2
    assert sorted(r["allreduce"]) == [8 * m for m in hpc.ALLREDUCE_SIZES]
    assert all(np.all(t.seconds > 0) for t in r["allreduce"].values())


def test_mpi_scaling_names_its_arguments():
    with pytest.raises(ValueError, match="n_walkers"):
        hpc.mpi_scaling(ranks=4, n_walkers=2)
    with pytest.raises(ValueError, match="n_steps"):
        hpc.mpi_scaling(n_steps=4)
    with pytest.raises(ValueError, match=r"sizes\[1\]"):
        hpc.mpi_scaling(sizes=(8, 0))


@pytest.mark.skipif(hpc.find_mpiexec() is None, reason="mpiexec not found (pip install -r requirements.txt)")
def test_benchmark_runs_in_its_quick_configuration(tmp_path):
    """``make bench`` runs benchmarks/hpc_scaling.py; its short configuration runs and writes its figures."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "benchmarks" / "hpc_scaling.py"
    out = tmp_path / "hpc.json"
    run = subprocess.run(
        [sys.executable, str(script), "--quick", "--repeats", "5", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "consistency checks" in run.stdout
    report = json.loads(out.read_text())
    assert [p["p"] for p in report["predictions"]] == [8, 64, 512]
    assert len(report["checks"]) == 4
