"""physml.projects.hpc: the loop local energy against physml.vmc, each milestone check against
right input (passes), deliberately wrong input (fails, without showing the reference value)
and bad input (raises); the generators are reproducible with a seed."""

from __future__ import annotations

import math

import numpy as np
import pytest

from physml import vmc
from physml.projects import Milestone, hpc


def vectorised(x, alpha, beta, omega=1.0, a=1.0):
    """A vectorised local energy written for the tests (pair loop over particles only)."""
    w, n, d = x.shape
    grad = -2.0 * alpha * x
    lap = np.full(w, -2.0 * alpha * d * n)
    coulomb = np.zeros(w)
    for k in range(n):
        for j in range(n):
            if j == k:
                continue
            diff = x[:, k] - x[:, j]
            r = np.linalg.norm(diff, axis=1)
            q = 1.0 / (1.0 + beta * r)
            grad[:, k] += (a * q * q / r)[:, None] * diff
            lap += -2.0 * a * beta * q**3 + (d - 1) * a * q * q / r
            if j > k:
                coulomb += 1.0 / r
    return -0.5 * (lap + np.sum(grad**2, axis=(1, 2))) + 0.5 * omega**2 * np.sum(x**2, axis=(1, 2)) + coulomb


# --- the kernels and inputs ----------------------------------------------------------------


@pytest.mark.parametrize("case", hpc.CASES)
def test_loop_equals_physml_vmc(case):
    """The loop reference against the chapter's vectorised code (an independent implementation)."""
    walkers, n, d, alpha, beta, omega, a, seed = case
    x = hpc.walker_positions(walkers, n, d, seed)
    wf = vmc.PadeJastrow(alpha, beta, n_particles=n, dims=d, a=a)
    library = vmc.HarmonicTrap(omega, coulomb=True).local_energy(wf, x)
    np.testing.assert_allclose(hpc.loop_local_energy(x, alpha, beta, omega, a), library, rtol=1e-12)


def test_generators_are_reproducible():
    np.testing.assert_array_equal(
        hpc.walker_positions(10, 3, 2, seed=4), hpc.walker_positions(10, 3, 2, seed=4)
    )
    assert not np.array_equal(hpc.walker_positions(10, seed=4), hpc.walker_positions(10, seed=5))
    np.testing.assert_array_equal(hpc.trap_energy_draws(100, seed=2), hpc.trap_energy_draws(100, seed=2))


def test_dot_draws_have_the_stated_mean_and_variance():
    f = hpc.trap_energy_draws(400_000, seed=1)
    assert abs(f.mean() - hpc.TRAP_DRAWS_MEAN) < 4 * f.std() / math.sqrt(f.size)
    assert f.var() == pytest.approx(hpc.TRAP_DRAWS_VARIANCE, rel=0.02)
    assert hpc.TRAP_DRAWS_MEAN == pytest.approx(3.075) and hpc.TRAP_DRAWS_VARIANCE == pytest.approx(0.151875)


def test_amdahl_fit_recovers_a_known_serial_fraction():
    p = np.array([1, 2, 4, 8])
    rng = np.random.default_rng(0)
    times = 10.0 * (0.1 + 0.9 / p)[:, None] * (1 + 0.002 * rng.standard_normal((4, 5)))
    fit = hpc.amdahl_fit(p, times)
    assert abs(fit.serial_fraction - 0.1) < 4 * fit.serial_fraction_error
    assert fit.t1 == pytest.approx(10.0, rel=0.01) and fit.dof == 2
    np.testing.assert_allclose(hpc.amdahl_efficiency([1, 64], 0.1), [1.0, 1 / (6.4 + 0.9)])


# --- check_local_energy ------------------------------------------------------------------------


def test_local_energy_passes_with_a_vectorised_version():
    m = hpc.check_local_energy(vectorised)
    assert isinstance(m, Milestone) and m.passed, str(m)
    assert "speed-up" in str(m)


@pytest.mark.parametrize("bug", ["float32", "pairs twice", "two particles only", "shape", "raises"])
def test_local_energy_fails_with_a_bug(bug):
    def broken(x, alpha, beta, omega=1.0, a=1.0):
        if bug == "float32":
            return vectorised(x.astype(np.float32), np.float32(alpha), np.float32(beta), omega, a).astype(
                np.float32
            )
        if bug == "pairs twice":
            e = vectorised(x, alpha, beta, omega, a)
            d = x[:, :, None, :] - x[:, None, :, :]
            r = np.sqrt((d**2).sum(-1)) + np.eye(x.shape[1])
            return e + np.sum(np.triu(1.0 / r, k=1), axis=(1, 2))  # Coulomb counted twice
        if bug == "two particles only":
            return vectorised(x[:, :2], alpha, beta, omega, a)
        if bug == "shape":
            return vectorised(x, alpha, beta, omega, a)[:, None]
        raise RuntimeError("not written yet")

    m = hpc.check_local_energy(broken)
    assert not m.passed, (bug, str(m))


def test_local_energy_bad_input():
    with pytest.raises(TypeError, match="local_energy"):
        hpc.check_local_energy(3.0)
    with pytest.raises(ValueError, match="x"):
        hpc.loop_local_energy(np.zeros((3, 2)), 0.5, 0.4)
    with pytest.raises(ValueError, match="alpha"):
        hpc.loop_local_energy(np.zeros((3, 2, 2)), -0.5, 0.4)


# --- check_speedup -------------------------------------------------------------------------------


def table(s=0.05, t1=2.0, p=(1, 2, 4), repeats=5, noise=0.01, seed=0):
    p = np.array(p)
    rng = np.random.default_rng(seed)
    return p, t1 * (s + (1 - s) / p)[:, None] * (1 + noise * rng.standard_normal((p.size, repeats)))


def test_speedup_passes_with_a_consistent_table_and_reports_s():
    p, t = table()
    m = hpc.check_speedup(p, t)
    assert m.passed, str(m)
    text = str(m)
    assert "serial fraction" in text and "at 64 processes" in text
    fit = hpc.amdahl_fit(p, t)
    assert abs(fit.serial_fraction - 0.05) < 4 * fit.serial_fraction_error
    m2 = hpc.check_speedup(*table(p=(1, 2), repeats=3))  # the two-core case
    assert m2.passed, str(m2)


@pytest.mark.parametrize("wrong", ["two repeats", "slower", "super-linear", "no serial", "rising"])
def test_speedup_fails_with_an_inconsistent_table(wrong):
    if wrong == "two repeats":
        p, t = table(repeats=2)
    elif wrong == "slower":
        p, t = table(p=(1, 2))
        t = t[::-1]  # two processes slower than one
    elif wrong == "super-linear":
        p, t = table(p=(1, 2))
        t[1] = t[1] / 1.5  # efficiency 1.4
    elif wrong == "no serial":
        p, t = table(p=(2, 4))
    else:
        p, t = table(p=(1, 2, 4))
        t[2] = t[1] * 1.3  # time rises from 2 to 4 processes
    m = hpc.check_speedup(p, t)
    assert not m.passed, (wrong, str(m))


def test_speedup_bad_input():
    p, t = table()
    with pytest.raises(ValueError, match="times"):
        hpc.check_speedup(p, t[:2])
    with pytest.raises(ValueError, match="times"):
        hpc.check_speedup(p, -t)
    with pytest.raises(ValueError, match="processes"):
        hpc.check_speedup([1, 1, 2], t)
    with pytest.raises(ValueError, match="processes"):
        hpc.check_speedup([1, 2.5, 4], t)
    with pytest.raises(ValueError, match="times"):
        hpc.check_speedup(p, np.full_like(t, np.nan))


# --- check_parallel_mean ---------------------------------------------------------------------------


def reduce(n, seed, ranks, bug=None):
    f = hpc.trap_energy_draws(n, seed)
    parts = np.array_split(f, ranks)
    if bug == "lost draws":
        parts = parts[:-1]
    sums = np.array([p.sum() for p in parts])
    squares = np.array([p @ p for p in parts])
    counts = np.array([p.size for p in parts])
    N = counts.sum()
    mean = sums.sum() / N
    error = math.sqrt((squares.sum() - N * mean**2) / (N - 1) / N)
    if bug == "mean of means":
        mean = float(np.mean(sums / counts))
    if bug == "mean of errors":
        error = float(np.mean([p.std(ddof=1) / math.sqrt(p.size) for p in parts]))
    if bug == "variance not divided by n":
        error = math.sqrt((squares.sum() - N * mean**2) / (N - 1))
    return mean, error, sums, squares, counts


@pytest.mark.parametrize("ranks", [1, 2, 3, 7])
def test_parallel_mean_passes_with_a_correct_reduction(ranks):
    n, seed = 10_007, 5
    m = hpc.check_parallel_mean(*reduce(n, seed, ranks), n_draws=n, seed=seed)
    assert m.passed, str(m)


@pytest.mark.parametrize(
    "bug", ["mean of means", "mean of errors", "variance not divided by n", "lost draws"]
)
def test_parallel_mean_fails_with_a_wrong_reduction(bug):
    n, seed = 10_007, 5
    m = hpc.check_parallel_mean(*reduce(n, seed, 3, bug=bug), n_draws=n, seed=seed)
    assert not m.passed, (bug, str(m))
    f = hpc.trap_energy_draws(n, seed)
    serial = (f.mean(), f.std(ddof=1) / math.sqrt(n))
    own_mean, own_error = reduce(n, seed, 3, bug=bug)[:2]
    text = str(m).replace(f"{own_mean:.6g}", "").replace(f"{own_error:.6g}", "")  # the student's own figures
    assert f"{serial[1]:.6g}" not in text and f"{serial[1]:.4g}" not in text
    if bug == "mean of means":
        assert "weight them by their counts" in m.message
    if bug == "mean of errors":
        assert "average of the ranks' errors" in m.message


def test_parallel_mean_bad_input():
    mean, error, s, q, c = reduce(1000, 1, 2)
    with pytest.raises(ValueError, match="sums"):
        hpc.check_parallel_mean(mean, error, s[:1], q, c, n_draws=1000, seed=1)
    with pytest.raises(ValueError, match="counts"):
        hpc.check_parallel_mean(mean, error, s, q, c + 0.5, n_draws=1000, seed=1)
    with pytest.raises(ValueError, match="mean"):
        hpc.check_parallel_mean(float("nan"), error, s, q, c, n_draws=1000, seed=1)
    with pytest.raises(ValueError, match="error"):
        hpc.check_parallel_mean(mean, -1.0, s, q, c, n_draws=1000, seed=1)
    with pytest.raises(ValueError, match="seed"):
        hpc.check_parallel_mean(mean, error, s, q, c, n_draws=1000, seed=-1)


def test_template_is_consistent():
    t = hpc.TEMPLATE
    assert t.path == "hpc" and len(t.tasks) >= 4
    compile(t.solution, "solution.py", "exec")
    compile(t.tests, "test_milestones.py", "exec")
    for name in ("check_local_energy", "check_speedup", "check_parallel_mean"):
        assert name in t.tests
