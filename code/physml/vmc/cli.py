"""Command-line VMC runs, longer than the book can afford: ``python -m physml.vmc --help``.

One process::

    python -m physml.vmc --system dot --omega 1 --walkers 20000 --iterations 200 --output dot

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
        "--system", choices=["ho", "dot"], default="dot", help="ho: N bosons in a trap; dot: 2 electrons"
    )
    p.add_argument("--omega", type=float, default=1.0, help="trap frequency")
    p.add_argument("--particles", type=_int_at_least(1), default=1, help="number of bosons (system ho)")
    p.add_argument("--dims", type=_int_at_least(1), default=3, help="dimensions (system ho; the dot is 2D)")
    p.add_argument("--alpha", type=float, default=None, help="start value of alpha (default 0.3 omega)")
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
    p.add_argument("--optimizer", choices=["adam", "gd"], default="adam")
    p.add_argument("--lr", type=float, default=0.03, help="learning rate")
    p.add_argument(
        "--final-steps", type=_int_at_least(1), default=1024, help="steps of the final measurement"
    )
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--output", type=Path, default=None, help="write <output>.csv and <output>.json")
    p.add_argument("--no-mpi", action="store_true", help="do not use MPI even under mpiexec")
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
    if args.system == "dot":
        ham = HarmonicTrap(omega, coulomb=True)
        wf = PadeJastrow(alpha, args.beta)
    else:
        ham = HarmonicTrap(omega)
        wf = Gaussian(alpha, args.particles, args.dims)
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
    ham, wf, sampler = build(args)
    start = time.perf_counter()
    history = None
    if args.iterations > 0:
        opt = optim.Adam(args.lr) if args.optimizer == "adam" else optim.GradientDescent(args.lr)
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


if __name__ == "__main__":
    sys.exit(main())
