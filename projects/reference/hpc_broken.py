"""A deliberately broken copy of the HPC reference solution (instructors): a wrong reduction.

The bug: ``parallel_mean`` lets every rank compute its own mean and standard error and
then averages both over the ranks. The average of the means is off when the ranks hold
different numbers of draws, and the average of the errors is about sqrt(ranks) too large;
the milestone "your parallel mean" must catch it.

The rest as in the reference solution:

* ``local_energy``: the local energy vectorised over walkers and particle pairs with NumPy
  broadcasting (no Python loop over walkers, particles or coordinates).
* ``speedup_table``: the same total work (the local energy of ``WALKERS`` walkers, drawn in
  the workers from their own seeds) on 1 and 2 processes of a ``multiprocessing`` pool,
  timed ``REPEATS`` times each, the counts interleaved so that a change of the machine's
  load hits both alike; the pools are started and warmed up before the clock runs.
* ``parallel_mean``: the draws split between ``n_ranks`` processes with ``np.array_split``;
  each returns its partial sums of f and f**2 and its count, which are then reduced, as
  ``comm.allreduce`` would do across MPI ranks; ``mpi_parallel_mean`` does it with MPI
  itself (``mpiexec -n 2``, ``mpi4py``), if mpiexec is there.
"""

from __future__ import annotations

import importlib.util
import json
import math
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from physml.projects import hpc

WALKERS = 400_000  # total work of one timed run
CHUNK = 5_000  # walkers per vectorised call (the arrays stay in cache)
REPEATS = 5


def local_energy(x: np.ndarray, alpha: float, beta: float, omega: float = 1.0, a: float = 1.0) -> np.ndarray:
    """E_L of every walker of x (walkers, particles, dims) for the Gaussian x Pade-Jastrow function.

    grad_k log psi = -2 alpha r_k + sum_j u'(r_kj) r_kj / r_kj,
    lap_k log psi = -2 alpha d + sum_j [u''(r_kj) + (d - 1) u'(r_kj) / r_kj],
    E_L = sum_k [-(lap_k + |grad_k|^2) / 2 + omega^2 r_k^2 / 2] + sum_{i<j} 1 / r_ij.
    """
    w, n, d = x.shape
    diff = x[:, :, None, :] - x[:, None, :, :]  # r_k - r_j, shape (w, n, n, d)
    r = np.sqrt(np.einsum("wkjc,wkjc->wkj", diff, diff))
    r[:, np.arange(n), np.arange(n)] = np.inf  # no self-pair: every term below vanishes there
    q = 1.0 / (1.0 + beta * r)
    du_over_r = a * q * q / r  # u'(r) / r
    d2u = -2.0 * a * beta * q**3  # u''(r)
    grad = -2.0 * alpha * x + np.einsum("wkj,wkjc->wkc", du_over_r, diff)
    lap = -2.0 * alpha * d * n + np.sum(d2u + (d - 1) * du_over_r, axis=(1, 2))
    kinetic = -0.5 * (lap + np.einsum("wkc,wkc->w", grad, grad))
    potential = 0.5 * omega**2 * np.einsum("wkc,wkc->w", x, x) + 0.5 * np.sum(1.0 / r, axis=(1, 2))
    return kinetic + potential


def _energy_sum(task: tuple[int, int]) -> float:
    """The work of one process: draw ``n`` walkers from its own seed, sum their local energies."""
    n, seed = task
    rng = np.random.default_rng(seed)
    total = 0.0
    for start in range(0, n, CHUNK):
        x = 0.8 * rng.standard_normal((min(CHUNK, n - start), 2, 2))
        total += float(local_energy(x, 0.5, 0.4, 1.0, 1.0).sum())
    return total


def _shares(n: int, p: int) -> list[tuple[int, int]]:
    """Split ``n`` walkers between ``p`` processes, each with its own seed."""
    sizes = [n // p + (k < n % p) for k in range(p)]
    return [(size, 1000 + k) for k, size in enumerate(sizes)]


def speedup_table(
    processes: tuple[int, ...] = (1, 2), repeats: int = REPEATS, walkers: int = WALKERS
) -> tuple[list[int], np.ndarray]:
    """Wall times (seconds) of the same total work on each count of ``processes``, ``repeats`` each."""
    context = multiprocessing.get_context()
    pools = {p: context.Pool(p) for p in processes}
    try:
        for p, pool in pools.items():  # warm up: start the workers, import, fill the caches
            pool.map(_energy_sum, _shares(2 * CHUNK * p, p))
        times = np.zeros((len(processes), repeats))
        for r in range(repeats):
            for k, p in enumerate(processes):  # interleaved: a load change hits every count alike
                start = time.perf_counter()
                pools[p].map(_energy_sum, _shares(walkers, p), chunksize=1)
                times[k, r] = time.perf_counter() - start
    finally:
        for pool in pools.values():
            pool.close()
            pool.join()
    return list(processes), times


def _partial_sums(f: np.ndarray) -> tuple[float, float, int]:
    """One rank's share: sum of f, sum of f**2, count."""
    return float(f.sum()), float(np.dot(f, f)), int(f.size)


def combine(sums, sums_of_squares, counts) -> tuple[float, float]:
    """Mean and standard error from the reduced partial sums: sigma^2 = (Q - n mean^2) / (n (n - 1))."""
    n = int(np.sum(counts))
    mean = float(np.sum(sums)) / n
    variance = (float(np.sum(sums_of_squares)) - n * mean * mean) / (n - 1)
    return mean, math.sqrt(variance / n)


def parallel_mean(n_draws: int, seed: int, n_ranks: int = 2):
    """(mean, error, sums, sums_of_squares, counts) of trap_energy_draws(n_draws, seed), n_ranks processes."""
    f = hpc.trap_energy_draws(n_draws, seed)
    with multiprocessing.get_context().Pool(n_ranks) as pool:
        parts = pool.map(_partial_sums, np.array_split(f, n_ranks))
    sums, squares, counts = (np.array(column) for column in zip(*parts, strict=True))
    per_rank = [combine(s, q, c) for s, q, c in zip(sums, squares, counts, strict=True)]
    mean = float(np.mean([m for m, _ in per_rank]))  # BUG: the ranks' means averaged, not weighted
    error = float(np.mean([e for _, e in per_rank]))  # BUG: the ranks' errors averaged
    return mean, error, sums, squares, counts


#: The same reduction with MPI: every rank keeps its share of the draws, one all-reduce.
MPI_SCRIPT = """
import json, sys
import numpy as np
from mpi4py import MPI
from physml.projects import hpc

comm = MPI.COMM_WORLD
n_draws, seed = int(sys.argv[1]), int(sys.argv[2])
f = np.array_split(hpc.trap_energy_draws(n_draws, seed), comm.size)[comm.rank]
local = np.array([f.sum(), f @ f, f.size])
parts = comm.gather(local, root=0)  # only to show the partial sums; the estimate needs the allreduce
S, Q, n = comm.allreduce(local, op=MPI.SUM)
if comm.rank == 0:
    mean = S / n
    error = np.sqrt((Q - n * mean**2) / (n - 1) / n)
    print(json.dumps({"mean": mean, "error": error, "parts": np.array(parts).tolist()}))
"""


def mpi_parallel_mean(n_draws: int, seed: int, n_ranks: int = 2):
    """``parallel_mean`` with ``mpiexec -n n_ranks``; None if mpiexec or mpi4py is missing."""
    mpiexec = shutil.which("mpiexec", path=str(Path(sys.executable).parent)) or shutil.which("mpiexec")
    if mpiexec is None or importlib.util.find_spec("mpi4py") is None:
        return None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PMI_", "OMPI_", "MPI_"))}
    env["OMP_NUM_THREADS"] = "1"
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "mpi_mean.py"
        script.write_text(MPI_SCRIPT)
        command = [mpiexec, "-n", str(n_ranks), sys.executable, str(script), str(n_draws), str(seed)]
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=True)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    sums, squares, counts = np.array(out["parts"]).T
    return out["mean"], out["error"], sums, squares, counts
