"""Throughput of the VMC samplers of physml.vmc: vectorised walkers against a Python loop.

    .venv/bin/python benchmarks/vmc_sampler.py [--walkers 4096] [--seconds 1.0] [--no-mpi]

The system is the two-electron quantum dot of the chapter "Variational Monte Carlo"
(omega = 1, 2D). A *walker move* proposes a new position for every particle of one walker
(Gaussian displacements, float64) and accepts or rejects it (Metropolis). The table shows

* moves per second of ``physml.vmc.Metropolis`` (all walkers at once) for the
  Gaussian x Pade-Jastrow trial function (and the RBM trial function when
  ``physml.vmc`` has one), with Gaussian and uniform displacements;
* the same for a straightforward per-walker, per-particle Python loop, in the same run
  (the three measurements alternate, best of three each), and the ratio;
* one against two MPI ranks (``mpiexec -n 2``, the same total number of walkers);
* the wall time from a fresh Python process to an energy within 5e-3 of the exact E = 3;
* a profile: where the time of one vectorised step goes;
* closed-shell dots of N = 2, 6, 12 electrons (Slater determinants x Pade-Jastrow): single-
  electron moves per second with determinant ratios and Sherman-Morrison updates, the time
  per move and per local energy, and the cost per move against N.

For comparison (from the issue, not measured here): NetKet 3.23 reaches about 7.5 million
walker moves per second on this problem on a 2-core machine (4096 samples per iteration).
The script prints; it asserts nothing. Other processes on the machine change the numbers.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import os
import pstats
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("PHYSML_QUIET", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from physml import vmc  # noqa: E402

ALPHA, BETA, STEP = 0.5, 0.4, 1.2
ROOT = Path(__file__).resolve().parent.parent


def wave_functions() -> dict[str, vmc.WaveFunction]:
    wfs = {"Pade-Jastrow": vmc.PadeJastrow(ALPHA, BETA)}
    if hasattr(vmc, "RBMWaveFunction"):
        wfs["RBM (4 hidden)"] = vmc.RBMWaveFunction.random(2, 2, n_hidden=4, seed=1, sigma=1.0)
    return wfs


def vectorised_rate(wf, n_walkers: int, seconds: float, moves: str = "gaussian") -> float:
    """Walker moves per second of physml's Metropolis step (best of three timed runs)."""
    sampler = vmc.Metropolis(STEP, moves=moves)
    rng = np.random.default_rng(0)
    walkers = sampler.init_walkers(wf, n_walkers, rng)
    for _ in range(20):
        sampler._step(wf, walkers, rng)
    t = time.perf_counter()
    n_steps = 0
    while time.perf_counter() - t < 0.2:
        sampler._step(wf, walkers, rng)
        n_steps += 1
    n_steps = max(1, int(n_steps * seconds / 0.2 / 3))
    best = math.inf
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(n_steps):
            sampler._step(wf, walkers, rng)
        best = min(best, time.perf_counter() - t)
    return n_steps * n_walkers / best


def electron_rates(n_walkers: int, seconds: float) -> list[tuple[int, float, float, float]]:
    """Closed-shell dots (omega = 1): for N = 2, 6, 12 electrons, single-electron moves per second of
    ``SingleParticleMetropolis`` (determinant ratio + Sherman-Morrison update), the time of one
    move and of one local energy (from scratch, with the inverse) per walker, in microseconds."""
    rows = []
    for n in (2, 6, 12):
        wf = vmc.SlaterJastrow(n, 1.0, alpha=0.9, beta=0.5)
        sampler = vmc.SingleParticleMetropolis(1.0)
        rng = np.random.default_rng(n)
        walkers = sampler.init_walkers(wf, n_walkers, rng)
        for _ in range(5):
            sampler._step(wf, walkers, rng)
        best_sweep = best_energy = math.inf
        reps = max(1, int(seconds * 10 / n))
        for _ in range(3):
            t = time.perf_counter()
            for _ in range(reps):
                sampler._step(wf, walkers, rng)
            best_sweep = min(best_sweep, (time.perf_counter() - t) / reps)
            t = time.perf_counter()
            for _ in range(reps):
                wf._derivatives(walkers.x)
            best_energy = min(best_energy, (time.perf_counter() - t) / reps)
        moves = n * n_walkers / best_sweep
        rows.append((n, moves, 1e6 / moves, 1e6 * best_energy / n_walkers))
    return rows


# --- the straightforward loop: one walker, one particle, one coordinate at a time ---


def loop_log_psi_pade(pos: list[list[float]]) -> float:
    (x0, y0), (x1, y1) = pos
    r12 = math.sqrt((x0 - x1) ** 2 + (y0 - y1) ** 2)
    r2 = 0.0
    for p in pos:
        for c in p:
            r2 += c * c
    return -ALPHA * r2 + r12 / (1.0 + BETA * r12)


def make_loop_log_psi_rbm(wf):
    """log psi of the RBM wave function with Python loops over visible and hidden units."""
    a = wf.rbm.a.tolist()
    b = wf.rbm.b.tolist()
    w = wf.rbm.W.tolist()
    s2 = wf.rbm.sigma**2
    power = wf.power

    def log_psi(pos):
        v = [c for p in pos for c in p]
        total = 0.0
        for i, vi in enumerate(v):
            total -= (vi - a[i]) ** 2 / (2 * s2)
        for j in range(len(b)):
            act = b[j]
            for i, vi in enumerate(v):
                act += vi * w[i][j] / s2
            total += math.log1p(math.exp(act)) if act < 30 else act
        return power * total

    return log_psi


def loop_rate(log_psi, n_walkers: int, seconds: float) -> float:
    rng = random.Random(0)
    walkers = [[[rng.gauss(0, 1), rng.gauss(0, 1)] for _ in range(2)] for _ in range(n_walkers)]
    logs = [log_psi(w) for w in walkers]
    moves = 0
    t = time.perf_counter()
    while time.perf_counter() - t < seconds:
        for k in range(n_walkers):
            old = walkers[k]
            new = []
            for particle in old:
                new.append([c + STEP * rng.gauss(0.0, 1.0) for c in particle])
            lp = log_psi(new)
            if 2.0 * (lp - logs[k]) > -rng.expovariate(1.0):
                walkers[k] = new
                logs[k] = lp
        moves += n_walkers
    return moves / (time.perf_counter() - t)


# --- MPI: the same total number of walkers on one and on two ranks ---


def mpi_worker(n_walkers: int, n_steps: int) -> None:
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    wf = vmc.PadeJastrow(ALPHA, BETA)
    sampler = vmc.Metropolis(STEP)
    rng = vmc.walker_streams(0, size)[rank]
    walkers = sampler.init_walkers(wf, vmc.local_walkers(n_walkers, rank, size), rng)
    for _ in range(20):
        sampler._step(wf, walkers, rng)
    best = math.inf
    for _ in range(3):
        comm.Barrier()
        t = time.perf_counter()
        for _ in range(n_steps):
            sampler._step(wf, walkers, rng)
        comm.Barrier()
        best = min(best, time.perf_counter() - t)
    if rank == 0:
        print(f"RATE {n_steps * n_walkers / best}")


def mpi_rate(ranks: int, n_walkers: int, n_steps: int) -> float | None:
    mpiexec = shutil.which("mpiexec", path=str(Path(sys.executable).parent)) or shutil.which("mpiexec")
    if mpiexec is None:
        return None
    command = [
        mpiexec,
        "-n",
        str(ranks),
        sys.executable,
        __file__,
        "--mpi-worker",
        str(n_walkers),
        str(n_steps),
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return float(next(line for line in out.splitlines() if line.startswith("RATE")).split()[1])


# --- fresh process to E within 5e-3 of 3 ---

TIME_TO_E = """
import time
t0 = time.perf_counter()
from physml import optim, vmc
ham = vmc.HarmonicTrap(1.0, coulomb=True)
sampler = vmc.Metropolis(1.2)
run = vmc.optimize(ham, vmc.PadeJastrow(0.3, 0.1), sampler, optim.Adam(0.03), n_iter=40, n_walkers=200,
                   n_steps=64, seed=1000, desc=None)
est = vmc.energy(ham, run.wf, sampler, n_walkers=1000, n_steps=256, seed=1001)
print(f"E {est.mean} {est.error} {time.perf_counter() - t0}")
"""


def time_to_energy() -> tuple[float, float, float, float]:
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", TIME_TO_E], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    wall = time.perf_counter() - start
    _, energy, error, inside = next(line for line in out.splitlines() if line.startswith("E ")).split()
    return wall, float(energy), float(error), float(inside)


def profile_step(n_walkers: int) -> tuple[str, dict[str, float]]:
    """Where the time of one vectorised step goes: parts timed alone, and cProfile."""
    wf = vmc.PadeJastrow(ALPHA, BETA)
    sampler = vmc.Metropolis(STEP)
    rng = np.random.default_rng(0)
    walkers = sampler.init_walkers(wf, n_walkers, rng)
    n = 500
    xi = np.empty(walkers.x.shape)
    new = np.empty(n_walkers)
    e = np.empty(n_walkers)
    parts = {
        "Gaussian displacements (rng.standard_normal, 4 per move)": lambda: rng.standard_normal(out=xi),
        "uniform displacements (rng.random, 4 per move)": lambda: rng.random(out=xi),
        "exponential for the acceptance test": lambda: rng.standard_exponential(out=e),
        "log psi of the proposals (Pade-Jastrow)": lambda: wf._log_psi_into(walkers.x, new),
        "whole step": lambda: sampler._step(wf, walkers, rng),
    }
    lines = []
    per_move = {}
    for name, f in parts.items():
        t = time.perf_counter()
        for _ in range(n):
            f()
        per_move[name] = (time.perf_counter() - t) / n / n_walkers * 1e9
        lines.append(f"  {name:<58s}{per_move[name]:7.1f} ns per move")
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(n):
        sampler._step(wf, walkers, rng)
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(6)
    top = [line for line in buf.getvalue().splitlines() if line.strip() and ("{" in line or ".py" in line)]
    text = "\n".join(lines + ["  cProfile, top entries by own time:"] + ["   " + t.strip() for t in top[:7]])
    return text, per_move


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--mpi-worker":
        mpi_worker(int(sys.argv[2]), int(sys.argv[3]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--walkers", type=int, default=4096)
    parser.add_argument("--seconds", type=float, default=1.0, help="timed seconds per measurement")
    parser.add_argument("--loop-walkers", type=int, default=256)
    parser.add_argument("--no-mpi", action="store_true")
    args = parser.parse_args()

    print(f"two-electron quantum dot, omega = 1; {args.walkers} walkers; float64; one process unless stated")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} (other processes slow it)")
    print(f"{'wave function':<18}{'sampler':<34}{'moves/s':>14}{'vs loop':>10}")
    for name, wf in wave_functions().items():
        loop_fn = loop_log_psi_pade if name.startswith("Pade") else make_loop_log_psi_rbm(wf)
        # alternate the three measurements and keep the best of each, so that all three see
        # the same (changing) load of the machine
        rates = {"loop": [], "gaussian": [], "uniform": []}
        for _ in range(3):
            rates["loop"].append(loop_rate(loop_fn, args.loop_walkers, args.seconds / 3))
            rates["gaussian"].append(vectorised_rate(wf, args.walkers, args.seconds / 3))
            rates["uniform"].append(vectorised_rate(wf, args.walkers, args.seconds / 3, moves="uniform"))
        loop, fast, uniform = (max(rates[k]) for k in ("loop", "gaussian", "uniform"))
        if name.startswith("Pade"):
            pade_loop = loop
        print(f"{name:<18}{'Python loop (Gaussian moves)':<34}{loop:14.3e}{1.0:10.1f}")
        print(f"{name:<18}{'physml vectorised (Gaussian)':<34}{fast:14.3e}{fast / loop:10.0f}")
        print(f"{name:<18}{'physml vectorised (uniform)':<34}{uniform:14.3e}{uniform / loop:10.0f}")
    big = vectorised_rate(vmc.PadeJastrow(ALPHA, BETA), 65536, args.seconds)
    print(f"{'Pade-Jastrow':<18}{'physml vectorised, 65536 walkers':<34}{big:14.3e}")

    if not args.no_mpi:
        steps = 400
        one = mpi_rate(1, args.walkers, steps)
        two = mpi_rate(2, args.walkers, steps)
        if one is None:
            print("MPI: mpiexec not found (pip install -r requirements.txt provides it)")
        else:
            print(f"\nMPI, Pade-Jastrow, {args.walkers} walkers in total, Gaussian moves:")
            print(f"  1 rank : {one:12.3e} moves/s")
            print(f"  2 ranks: {two:12.3e} moves/s  (x{two / one:.2f})")

    print(f"\nclosed-shell dots, omega = 1, Slater determinants x Pade-Jastrow, {args.walkers // 4} walkers:")
    print(f"{'N':>4}{'electron moves/s':>18}{'us per move':>13}{'us per E_L':>12}{'move cost / N=2':>17}")
    rows = electron_rates(args.walkers // 4, args.seconds)
    for n, moves, per_move, per_energy in rows:
        print(f"{n:>4}{moves:18.3e}{per_move:13.3f}{per_energy:12.2f}{per_move / rows[0][2]:17.2f}")
    print(
        "  (a move: ratio O(N) + inverse update O(N^2) + Jastrow O(N) per walker;"
        " numpy overhead dominates small N)"
    )

    wall, energy, error, inside = time_to_energy()
    print(
        f"\nfresh process to E within 5e-3 of 3: {wall:.2f} s wall ({inside:.2f} s after interpreter start),"
    )
    print(f"  E = {energy:.5f} +- {error:.5f}, |E - 3| = {abs(energy - 3):.1e}")
    print("\nprofile of one vectorised step (Pade-Jastrow, Gaussian moves):")
    text, per_move = profile_step(args.walkers)
    print(text)
    normals = next(v for k, v in per_move.items() if k.startswith("Gaussian"))
    print(
        f"  the Gaussian draws alone allow at most {1e9 / normals:.3e} moves/s, "
        f"{1e9 / normals / pade_loop:.0f}x the loop, even if everything else were free"
    )
    print("\nreference (not measured here): NetKet 3.23, same problem, 2 cores: about 7.5e6 moves/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
