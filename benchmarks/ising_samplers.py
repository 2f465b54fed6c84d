"""Cost of the Ising samplers of ``physml.ising``: time per sweep and per independent sample.

Prints two tables (measures only, asserts nothing):

1. Time per sweep and chain of vectorised Metropolis (1 and 50 chains side by side) and
   of Wolff sweeps (a fixed number of clusters turning over about L*L spins).
2. Near T_c, the integrated autocorrelation time tau of |M| (from ``stats.blocking``, in
   sweeps) and the resulting time per *independent* sample, tau x (time per sweep).

    .venv/bin/python benchmarks/ising_samplers.py
"""

from __future__ import annotations

import time

import numpy as np

from physml import ising, stats


def metropolis_time(L: int, T: float, n_chains: int, n_sweeps: int) -> float:
    """Seconds per sweep and chain."""
    rng = np.random.default_rng(0)
    spins = ising._initial_spins("random", n_chains, L, rng)
    masks = ising.sublattice_masks(L)
    start = time.perf_counter()
    for _ in range(n_sweeps):
        ising.metropolis_sweep(spins, T, rng, masks)
    return (time.perf_counter() - start) / (n_sweeps * n_chains)


def wolff_time(L: int, T: float, n_sweeps: int) -> tuple[float, int]:
    """Seconds per Wolff sweep, and clusters per sweep."""
    rng = np.random.default_rng(0)
    spins = ising._initial_spins("random", 1, L, rng)[0]
    per_sweep = ising.clusters_per_sweep(spins, T, rng)
    start = time.perf_counter()
    for _ in range(n_sweeps * per_sweep):
        ising.wolff_flip(spins, T, rng)
    return (time.perf_counter() - start) / n_sweeps, per_sweep


def main() -> None:
    print("time per sweep and chain (ms)")
    print(
        f"{'L':>4} {'T':>6} {'Metropolis x1':>14} {'Metropolis x50':>15} {'Wolff':>8} {'clusters/sweep':>15}"
    )
    for L in (16, 32, 40):
        for T in (1.5, ising.ONSAGER_TC, 3.5):
            m1 = metropolis_time(L, T, 1, 200)
            m50 = metropolis_time(L, T, 50, 40)
            w, per = wolff_time(L, T, 20)
            print(f"{L:>4} {T:>6.3f} {1e3 * m1:>14.3f} {1e3 * m50:>15.4f} {1e3 * w:>8.2f} {per:>15}")

    print("\nnear T_c: autocorrelation time of |M| and cost per independent sample")
    print(f"{'L':>4} {'method':>11} {'tau (sweeps)':>13} {'ms / independent sample':>24}")
    T = ising.ONSAGER_TC
    for L in (16, 32):
        run = ising.metropolis(L, T, 4096, seed=1, n_chains=8, initial="ordered", thermalization=500)
        tau = stats.blocking(np.abs(run.magnetization).mean(axis=1)).tau
        cost = metropolis_time(L, T, 50, 20) * tau
        print(f"{L:>4} {'metropolis':>11} {tau:>13.1f} {1e3 * cost:>24.3f}  (50 chains side by side)")
        rng = np.random.default_rng(2)
        spins = ising._initial_spins("random", 1, L, rng)[0]
        per = ising.clusters_per_sweep(spins, T, rng)
        mags = []
        for _ in range(2048):
            for _ in range(per):
                ising.wolff_flip(spins, T, rng)
            mags.append(abs(spins.sum()) / L**2)
        tau = stats.blocking(np.array(mags)).tau
        cost = wolff_time(L, T, 20)[0] * tau
        print(f"{L:>4} {'wolff':>11} {tau:>13.1f} {1e3 * cost:>24.3f}")


if __name__ == "__main__":
    main()
