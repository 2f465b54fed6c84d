"""Lattice RBM: physml.vmc.lattice against NetKet on the same problem, in the same run.

    .venv/bin/python benchmarks/nqs_lattice.py [--repeats 7] [--threads 1] [--peers PYTHON]

The problem is the one of the chapter "Neural-network quantum states": the transverse-field
Ising ring at h = 1 with N = 20 spins, a (full, not translation-invariant) RBM with
alpha = 1 (20 hidden units, 440 real parameters, float64), Metropolis single-spin flips,
1000 samples per iteration (100 chains x 10 sweeps, a sweep = N proposals per chain) and
stochastic reconfiguration with diagonal shift 0.1. Measured:

* spin-flip proposals per second of the sampler alone;
* seconds per SR iteration (sampling, local energies, S and F, the solve, the update);
* the two-electron dot of the chapter "Variational Monte Carlo" (omega = 1, 2D, Gaussian x
  Pade-Jastrow with alpha = 0.5, beta = 0.4): walker moves per second of Metropolis with
  Gaussian displacements of all coordinates of a walker (sigma = 1.2), 4096 walkers (NetKet:
  ``MetropolisGaussian`` with 4096 chains, one move per sample, a hand-written flax model).

``--peers PYTHON`` names the interpreter of a separate environment with NetKet
(``make bench-peers`` creates ``_build/peers-venv`` with ``netket==3.23.0``; never the
book's ``.venv``). Each library runs in its own process with every thread pool (OpenMP,
OpenBLAS, MKL, XLA's Eigen) set to ``--threads``; each number is the median (and min-max)
over ``--repeats`` timed repeats after a warm-up (NetKet's warm-up includes the JIT
compilation, which is not timed). The script prints; it asserts nothing. Other processes
on the machine change the numbers: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

N_SITES, ALPHA, N_CHAINS, N_SWEEPS, LR, SHIFT, H = 20, 1, 100, 10, 0.05, 0.1, 1.0
DOT_ALPHA, DOT_BETA, DOT_STEP, DOT_WALKERS, DOT_STEPS = 0.5, 0.4, 1.2, 4096, 64


def _thread_env(threads: int) -> dict:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    env["XLA_FLAGS"] = (
        f"--xla_cpu_multi_thread_eigen={'true' if threads > 1 else 'false'} "
        f"intra_op_parallelism_threads={threads}"
    )
    env["NETKET_EXPERIMENTAL_SHARDING"] = "0"
    env["PHYSML_QUIET"] = "1"
    return env


def _median(times):
    times = sorted(times)
    return times[len(times) // 2], times[0], times[-1]


def worker_physml(repeats: int) -> dict:
    import numpy as np

    from physml.vmc import lattice
    from physml.vmc.sr import StochasticReconfiguration

    ham = lattice.TransverseFieldIsing(N_SITES, h=H)
    wf = lattice.LatticeRBM.random(N_SITES, ALPHA, seed=1, scale=0.01)
    s0 = lattice.random_spins(N_CHAINS, N_SITES, 0)
    rng = np.random.default_rng(2)
    theta = wf._theta(s0.copy())
    s = s0.copy()
    lattice._sweep(wf, s, theta, rng, "flip")  # warm-up
    flips = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(N_SWEEPS):
            lattice._sweep(wf, s, theta, rng, "flip")
        flips.append(N_SWEEPS * N_SITES * N_CHAINS / (time.perf_counter() - t))
    sr_times = []
    opt = StochasticReconfiguration(LR, SHIFT)
    lattice.optimize_lattice(ham, wf, opt, n_iter=2, n_chains=N_CHAINS, n_sweeps=N_SWEEPS, seed=3, desc=None)
    for r in range(repeats):
        t = time.perf_counter()
        lattice.optimize_lattice(
            ham, wf, opt, n_iter=5, n_chains=N_CHAINS, n_sweeps=N_SWEEPS, n_burn=0, seed=4 + r, desc=None
        )
        sr_times.append((time.perf_counter() - t) / 5)
    flips_sorted = sorted(flips)
    from physml import vmc

    wf_dot = vmc.PadeJastrow(DOT_ALPHA, DOT_BETA)
    sampler = vmc.Metropolis(DOT_STEP)
    walkers = sampler.init_walkers(wf_dot, DOT_WALKERS, rng)
    for _ in range(10):
        sampler._step(wf_dot, walkers, rng)
    moves = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(DOT_STEPS):
            sampler._step(wf_dot, walkers, rng)
        moves.append(DOT_STEPS * DOT_WALKERS / (time.perf_counter() - t))
    moves = sorted(moves)
    return {
        "flips_per_s": (flips_sorted[len(flips) // 2], flips_sorted[0], flips_sorted[-1]),
        "s_per_sr": _median(sr_times),
        "dot_moves_per_s": (moves[len(moves) // 2], moves[0], moves[-1]),
    }


def worker_netket(repeats: int) -> dict:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import netket as nk

    graph = nk.graph.Chain(N_SITES, pbc=True)
    hi = nk.hilbert.Spin(s=0.5, N=N_SITES)
    ham = nk.operator.Ising(hi, graph, h=H, J=-1.0)  # NetKet: -h sum sx + J sum sz sz; ours: -sum sz sz
    model = nk.models.RBM(alpha=ALPHA, param_dtype=jnp.float64)
    sampler = nk.sampler.MetropolisLocal(hi, n_chains=N_CHAINS, sweep_size=N_SITES)
    vs = nk.vqs.MCState(
        sampler, model, n_samples=N_CHAINS * N_SWEEPS, n_discard_per_chain=0, seed=1, sampler_seed=2
    )
    # sampler alone: N_SWEEPS sweeps of all chains
    vs.sample()  # warm-up (JIT)
    flips = []
    for _ in range(repeats):
        t = time.perf_counter()
        jax.block_until_ready(vs.sample())
        flips.append(N_SWEEPS * N_SITES * N_CHAINS / (time.perf_counter() - t))
    opt = nk.optimizer.Sgd(learning_rate=LR)
    driver = nk.driver.VMC(ham, opt, variational_state=vs, preconditioner=nk.optimizer.SR(diag_shift=SHIFT))
    driver.run(n_iter=2, out=None, show_progress=False)  # warm-up (JIT)
    sr_times = []
    for _ in range(repeats):
        t = time.perf_counter()
        driver.run(n_iter=5, out=None, show_progress=False)
        jax.block_until_ready(vs.parameters)
        sr_times.append((time.perf_counter() - t) / 5)
    flips_sorted = sorted(flips)
    energy = vs.expect(ham)
    # the two-electron dot: log psi = -alpha (r1^2 + r2^2) + r12 / (1 + beta r12)
    import flax.linen as nn

    class PadeJastrow(nn.Module):
        @nn.compact
        def __call__(self, x):
            alpha = self.param("alpha", lambda key: jnp.asarray(DOT_ALPHA, jnp.float64))
            beta = self.param("beta", lambda key: jnp.asarray(DOT_BETA, jnp.float64))
            r = x.reshape(x.shape[:-1] + (2, 2))
            r12 = jnp.sqrt(jnp.sum((r[..., 0, :] - r[..., 1, :]) ** 2, axis=-1))
            return -alpha * jnp.sum(x**2, axis=-1) + r12 / (1 + beta * r12)

    geo = nk.experimental.geometry.FreeSpace(d=2)
    hi_dot = nk.experimental.hilbert.Particle(N=2, geometry=geo)
    dot_sampler = nk.sampler.MetropolisGaussian(hi_dot, sigma=DOT_STEP, n_chains=DOT_WALKERS, sweep_size=1)
    vs_dot = nk.vqs.MCState(
        dot_sampler,
        PadeJastrow(),
        n_samples=DOT_WALKERS * DOT_STEPS,
        n_discard_per_chain=0,
        seed=1,
        sampler_seed=2,
    )
    jax.block_until_ready(vs_dot.sample())  # warm-up (JIT)
    moves = []
    for _ in range(repeats):
        t = time.perf_counter()
        jax.block_until_ready(vs_dot.sample())
        moves.append(DOT_STEPS * DOT_WALKERS / (time.perf_counter() - t))
    moves = sorted(moves)
    return {
        "dot_moves_per_s": (moves[len(moves) // 2], moves[0], moves[-1]),
        "flips_per_s": (flips_sorted[len(flips) // 2], flips_sorted[0], flips_sorted[-1]),
        "s_per_sr": _median(sr_times),
        "version": nk.__version__,
        "energy_per_site_after": float(energy.mean.real) / N_SITES,
    }


def run_worker(python: str, which: str, repeats: int, threads: int) -> dict:
    cmd = [python, str(Path(__file__).resolve()), "--worker", which, "--repeats", str(repeats)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=_thread_env(threads), timeout=1800)
    if out.returncode != 0:
        raise RuntimeError(f"{which} worker failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--peers", default=None, help="python of an environment with netket (make bench-peers)")
    p.add_argument("--worker", choices=["physml", "netket"], default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        result = (worker_physml if args.worker == "physml" else worker_netket)(args.repeats)
        print(json.dumps(result))
        return 0
    print(f"TFIM ring N = {N_SITES}, RBM alpha = {ALPHA}, {N_CHAINS * N_SWEEPS} samples per SR iteration, "
          f"float64, {args.threads} thread(s), median of {args.repeats}; "
          f"load average {os.getloadavg()}")  # fmt: skip
    results = {"physml": run_worker(sys.executable, "physml", args.repeats, args.threads)}
    if args.peers:
        try:
            results["netket"] = run_worker(args.peers, "netket", args.repeats, args.threads)
        except (RuntimeError, subprocess.TimeoutExpired, FileNotFoundError) as err:
            print(f"NetKet not measured: {err}")
    print(f"{'':10}{'spin flips / s (min-max)':>40}{'s per SR iteration (min-max)':>40}")
    for name, r in results.items():
        f, t = r["flips_per_s"], r["s_per_sr"]
        print(f"{name:10}{f[0]:16.3g} ({f[1]:.3g}-{f[2]:.3g}){'':6}{t[0]:16.4f} ({t[1]:.4f}-{t[2]:.4f})")
    print(f"{'':10}{'dot: walker moves / s (min-max)':>40}")
    for name, r in results.items():
        m = r["dot_moves_per_s"]
        print(f"{name:10}{m[0]:16.3g} ({m[1]:.3g}-{m[2]:.3g})")
    if "netket" in results:
        a, b = results["physml"], results["netket"]
        print(
            "dot: physml/NetKet walker moves per second "
            f"x{a['dot_moves_per_s'][0] / b['dot_moves_per_s'][0]:.2f}"
        )
        flips = a["flips_per_s"][0] / b["flips_per_s"][0]
        speed = b["s_per_sr"][0] / a["s_per_sr"][0]
        print(f"NetKet {b['version']}; physml/NetKet: flips per second x{flips:.2f}, "
              f"SR iteration speed x{speed:.2f} (> 1: physml faster)")  # fmt: skip
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
