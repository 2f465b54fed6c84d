"""Command-line VMC runs, longer than the book can afford: ``python -m physml.vmc --help``.

One process::

    python -m physml.vmc --system dot --omega 1 --walkers 20000 --iterations 200 --output dot

six electrons (Slater determinants x Pade-Jastrow, single-electron moves)::

    python -m physml.vmc --system dot --particles 6 --omega 0.5 --walkers 4000 --iterations 100

or many, with MPI (``mpiexec`` comes with the ``mpich`` wheel in ``requirements.txt``)::

    mpiexec -n 2 python -m physml.vmc --system dot --omega 1 --walkers 20000 --iterations 200

Under ``mpiexec`` the walkers are split across the ranks (``--walkers`` is the total), each
rank samples from its own seed stream, and rank 0 writes ``<output>.csv`` (one row per
iteration) and ``<output>.json`` (settings, final estimate, parameters of every rank).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from .. import optim
from .driver import as_comm, energy, optimize
from .hamiltonian import HarmonicTrap
from .samplers import Langevin, Metropolis
from .slater import SingleParticleMetropolis, SlaterJastrow
from .wavefunctions import Gaussian, PadeJastrow

MPI_VARIABLES = ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "MPI_LOCALNRANKS")


def launched_by_mpiexec() -> bool:
    """True when the process was started by ``mpiexec`` (MPICH's or Open MPI's)."""
    return any(v in os.environ for v in MPI_VARIABLES)


class _Parser(argparse.ArgumentParser):
    """An argument parser that raises ``ValueError`` (naming ``argv``) instead of exiting,
    when ``raise_errors`` is set: for :func:`main` called from Python with a list."""

    raise_errors = False

    def error(self, message):
        if self.raise_errors:
            raise ValueError(f"argv: {message}")
        super().error(message)


def _int_at_least(minimum: int):
    """An argparse ``type``: an integer >= ``minimum`` (``--iterations -1`` is refused, not run as 0)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    parse.__name__ = f"integer >= {minimum}"
    return parse


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m physml.vmc", description=__doc__.splitlines()[0])
    p.add_argument(
        "--system",
        choices=["ho", "dot", "tfim", "heisenberg"],
        default="dot",
        help="ho: N bosons in a trap; dot: electrons in a 2D trap; tfim, heisenberg: spin-1/2 rings (RBM)",
    )
    p.add_argument("--omega", type=float, default=1.0, help="trap frequency")
    p.add_argument(
        "--particles",
        type=_int_at_least(1),
        default=None,
        help="bosons (system ho, default 1) or electrons (system dot: 2, or a closed shell 6, 12, 20)",
    )
    p.add_argument("--dims", type=_int_at_least(1), default=3, help="dimensions (system ho; the dot is 2D)")
    p.add_argument(
        "--alpha",
        type=float,
        default=None,
        help="start value of alpha (default 0.3 omega; dot with N > 2: 1, the orbital width)",
    )
    p.add_argument("--beta", type=float, default=0.1, help="start value of beta (system dot)")
    p.add_argument("--sampler", choices=["metropolis", "langevin"], default="metropolis")
    p.add_argument("--step", type=float, default=None, help="Metropolis step (default 1.2 / sqrt(omega))")
    p.add_argument("--dt", type=float, default=0.5, help="Langevin time step")
    p.add_argument(
        "--walkers", type=_int_at_least(1), default=1000, help="walkers in total (over all MPI ranks)"
    )
    p.add_argument("--steps", type=_int_at_least(1), default=128, help="measured steps per iteration")
    p.add_argument("--burn", type=_int_at_least(0), default=100, help="thermalisation steps at the start")
    p.add_argument(
        "--iterations", type=_int_at_least(0), default=60, help="optimisation iterations (0: only measure)"
    )
    p.add_argument(
        "--optimizer", choices=["adam", "gd", "sr"], default=None, help="default: adam (sr for the rings)"
    )
    p.add_argument("--lr", type=float, default=0.03, help="learning rate")
    p.add_argument(
        "--final-steps", type=_int_at_least(1), default=1024, help="steps of the final measurement"
    )
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--output", type=Path, default=None, help="write <output>.csv and <output>.json")
    p.add_argument("--no-mpi", action="store_true", help="do not use MPI even under mpiexec")
    lattice = p.add_argument_group("spin rings (--system tfim or heisenberg): --alpha is the hidden-unit "
                                   "density (default 1), --walkers the Markov chains, --steps and "
                                   "--final-steps sweeps")  # fmt: skip
    lattice.add_argument("--sites", type=_int_at_least(2), default=20, help="spins on the ring")
    lattice.add_argument("--field", type=float, default=1.0, help="transverse field h of the TFIM")
    lattice.add_argument("--diag-shift", type=float, default=0.1, help="diagonal shift of the SR matrix")
    lattice.add_argument(
        "--full-rbm", action="store_true", help="all N M weights (default: translation invariant)"
    )
    return p


def build(args):
    """The Hamiltonian, trial function and sampler that the parsed arguments ``args`` describe."""
    if not isinstance(args, argparse.Namespace):
        raise TypeError(
            f"args must be an argparse.Namespace from parser().parse_args(), got {type(args).__name__}"
        )
    missing = [a for a in vars(parser().parse_args([])) if not hasattr(args, a)]
    if missing:
        raise ValueError(f"args lacks the options {missing} (make it with parser().parse_args())")
    omega = args.omega
    alpha = 0.3 * omega if args.alpha is None else args.alpha
    if args.system == "dot" and args.particles not in (None, 1, 2):  # 1, 2: the two-electron dot
        # N > 2 electrons: Slater determinants x Pade-Jastrow, one electron moved at a time
        if args.sampler != "metropolis":
            raise ValueError(
                "--sampler langevin is not implemented for --system dot with more than 2 particles"
            )
        ham = HarmonicTrap(omega, coulomb=True)
        wf = SlaterJastrow(
            args.particles, omega, alpha=1.0 if args.alpha is None else args.alpha, beta=args.beta
        )
        return ham, wf, SingleParticleMetropolis(1.0 / np.sqrt(omega) if args.step is None else args.step)
    if args.system == "dot":
        ham = HarmonicTrap(omega, coulomb=True)
        wf = PadeJastrow(alpha, args.beta)
    else:
        ham = HarmonicTrap(omega)
        wf = Gaussian(alpha, 1 if args.particles is None else args.particles, args.dims)
    if args.sampler == "metropolis":
        sampler = Metropolis(1.2 / np.sqrt(omega) if args.step is None else args.step)
    else:
        sampler = Langevin(args.dt)
    return ham, wf, sampler


def main(argv: list[str] | None = None) -> int:
    p = parser()
    if argv is not None:  # called from Python: bad arguments raise instead of exiting
        if isinstance(argv, (str, bytes)) or not isinstance(argv, (list, tuple)):
            raise TypeError(
                f"argv must be a list of strings (or None for sys.argv), got {type(argv).__name__}"
            )
        bad = [a for a in argv if not isinstance(a, str)]
        if bad:
            raise TypeError(f"argv must hold only strings, got {bad!r}")
        p.raise_errors = True
    args = p.parse_args(argv)
    comm_world = None
    if launched_by_mpiexec() and not args.no_mpi:
        from mpi4py import MPI

        comm_world = MPI.COMM_WORLD
    comm = as_comm(comm_world)
    if args.system in ("tfim", "heisenberg"):
        return _main_lattice(args, comm_world, comm)
    ham, wf, sampler = build(args)
    start = time.perf_counter()
    history = None
    if args.iterations > 0:
        if args.optimizer == "sr":
            raise ValueError(
                "--optimizer sr is implemented for the spin rings (--system tfim, heisenberg) only"
            )
        opt = optim.GradientDescent(args.lr) if args.optimizer == "gd" else optim.Adam(args.lr)
        history = optimize(
            ham,
            wf,
            sampler,
            opt,
            n_iter=args.iterations,
            n_walkers=args.walkers,
            n_steps=args.steps,
            n_burn=args.burn,
            seed=args.seed,
            comm=comm_world,
            desc="VMC" if comm.rank == 0 else None,
        )
        wf = history.wf
    final = energy(
        ham,
        wf,
        sampler,
        n_walkers=args.walkers,
        n_steps=args.final_steps,
        n_burn=args.burn,
        seed=args.seed + 1,
        comm=comm_world,
    )
    elapsed = time.perf_counter() - start
    params_history = history.params if history is not None else np.array([wf.params])
    all_params = (
        [params_history.tolist()] if comm_world is None else comm_world.gather(params_history.tolist())
    )
    if comm.rank != 0:
        return 0
    print(f"{wf!r} on {comm.size} process(es), {args.walkers} walkers")
    print(f"E = {final}")
    print(f"wall time {elapsed:.2f} s")
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        if history is not None:
            rows = history.as_records()
            with open(args.output.with_suffix(".csv"), "w", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)
        record = {
            "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "ranks": comm.size,
            "params": dict(zip(wf.param_names, wf.params.tolist(), strict=True)),
            "params_history_by_rank": all_params,
            "energy": final.mean,
            "error": final.error,
            "naive_error": final.naive_error,
            "variance": final.variance,
            "tau": final.tau,
            "acceptance": final.acceptance,
            "n_samples": final.n_samples,
            "wall_time": elapsed,
        }
        args.output.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n")
    return 0


def _main_lattice(args, comm_world, comm) -> int:
    """The spin rings: an RBM trained by SR (or Adam/GD on 2F), then a final measurement."""
    from . import lattice
    from .sr import StochasticReconfiguration

    if args.system == "tfim":
        ham = lattice.TransverseFieldIsing(args.sites, h=args.field)
    else:
        ham = lattice.Heisenberg(args.sites)
    alpha = 1.0 if args.alpha is None else args.alpha
    marshall = args.system == "heisenberg"
    if args.full_rbm:
        wf = lattice.LatticeRBM.random(args.sites, alpha, seed=args.seed, marshall=marshall)
    else:
        if alpha != int(alpha):
            raise ValueError(f"--alpha must be an integer for the translation-invariant RBM, got {alpha}")
        wf = lattice.SymmetricLatticeRBM.random(args.sites, int(alpha), seed=args.seed, marshall=marshall)
    name = args.optimizer or "sr"
    lr = args.lr if args.optimizer is not None else 0.05
    opt = {"sr": lambda: StochasticReconfiguration(lr, args.diag_shift), "adam": lambda: optim.Adam(lr),
           "gd": lambda: optim.GradientDescent(lr)}[name]()  # fmt: skip
    start = time.perf_counter()
    history = None
    if args.iterations > 0:
        history = lattice.optimize_lattice(
            ham, wf, opt, n_iter=args.iterations, n_chains=args.walkers, n_sweeps=args.steps,
            n_burn=args.burn, seed=args.seed, comm=comm_world, desc=name.upper() if comm.rank == 0 else None,
        )  # fmt: skip
        wf = history.wf
    final = lattice.lattice_energy(
        ham, wf, n_chains=args.walkers, n_sweeps=args.final_steps, n_burn=args.burn, seed=args.seed + 1,
        comm=comm_world,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    if ham.n_sites <= 16:
        exact_e, method = lattice.exact_ground_state(ham), "exact diagonalisation"
    elif args.system == "tfim" and ham.n_sites % 2 == 0:
        exact_e, method = lattice.tfim_energy_free_fermions(ham.n_sites, args.field), "free fermions"
    else:
        exact_e, method = None, None
    if comm.rank != 0:
        return 0
    print(f"{wf!r} on {ham!r}, {comm.size} process(es), {args.walkers} chains")
    print(f"E = {final}")
    print(f"E/N = {final.mean / ham.n_sites:.6f} +- {final.error / ham.n_sites:.2g}")
    if exact_e is not None:
        rel = (final.mean - exact_e) / abs(exact_e)
        print(f"exact E/N = {exact_e / ham.n_sites:.6f} ({method}); relative error {rel:.2e}")
    print(f"wall time {elapsed:.2f} s")
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        if history is not None:
            rows = history.as_records()
            with open(args.output.with_suffix(".csv"), "w", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)
        record = {
            "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "ranks": comm.size, "params": wf.params.tolist(), "energy": final.mean, "error": final.error,
            "energy_per_site": final.mean / ham.n_sites, "exact": exact_e, "exact_method": method,
            "variance": final.variance, "tau": final.tau, "acceptance": final.acceptance,
            "n_samples": final.n_samples, "wall_time": elapsed,
        }  # fmt: skip
        args.output.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
