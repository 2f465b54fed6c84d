r"""Energy estimates, energy gradients and the optimisation loop (chapter "Variational Monte Carlo").

With samples :math:`\boldsymbol R_1,\dots,\boldsymbol R_n` of :math:`|\psi_T|^2`,

.. math::

    \langle E\rangle \approx \frac1n\sum_{k=1}^n E_L(\boldsymbol R_k),\qquad
    \bar E_i = 2\Big(\Big\langle\frac{\bar\Psi_i}{\Psi}E_L\Big\rangle
              - \Big\langle\frac{\bar\Psi_i}{\Psi}\Big\rangle\langle E_L\rangle\Big) .

The samples of one chain are correlated, so the error of the mean is estimated with the
blocking method (:func:`physml.stats.blocking`) on the time series of the walker-averaged
local energy; the walkers themselves are independent.

**MPI.** With ``comm`` (an ``mpi4py`` communicator) every rank moves its own share of the
walkers with its own random stream (``SeedSequence.spawn``); the sums over walkers of
:math:`E_L`, :math:`E_L^2`, :math:`\bar\Psi_i/\Psi` and :math:`E_L\bar\Psi_i/\Psi` are combined
with one ``Allreduce`` per iteration, so every rank computes the same estimate and the same
gradient, and the parameters are broadcast from rank 0 after each update so that they stay
bit-identical on every rank.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .. import optim
from .._validate import (
    as_float_array,
    as_rng,
    check_bool,
    check_callable,
    check_int,
    check_scalar,
    check_string,
)
from ..progress import progress
from .hamiltonian import HarmonicTrap
from .samplers import Sampler, Walkers, walker_streams
from .wavefunctions import WaveFunction

# ----------------------------------------------------------------------------------------------
# communicators: one process, or many through mpi4py
# ----------------------------------------------------------------------------------------------


class SerialComm:
    """The stand-in for an MPI communicator on one process (no mpi4py needed)."""

    rank = 0
    size = 1

    def allreduce_sum(self, array: np.ndarray) -> np.ndarray:
        return np.array(as_float_array(array, "array"), dtype=float)

    def bcast(self, array: np.ndarray) -> np.ndarray:
        return as_float_array(array, "array")

    def __repr__(self) -> str:
        return "SerialComm()"


class MPIComm:
    """Sums and broadcasts of float arrays over an ``mpi4py`` communicator."""

    def __init__(self, comm):
        if not (hasattr(comm, "Allreduce") and hasattr(comm, "Get_rank")):
            raise TypeError(f"comm must be an mpi4py communicator, got {type(comm).__name__}")
        from mpi4py import MPI  # imported only when a communicator is passed

        self._mpi = MPI
        self.comm = comm
        self.rank = comm.Get_rank()
        self.size = comm.Get_size()

    def allreduce_sum(self, array: np.ndarray) -> np.ndarray:
        # np.array, not np.ascontiguousarray: that would turn a 0-d array into shape (1,)
        send = np.array(as_float_array(array, "array"), dtype=float, order="C")
        recv = np.empty_like(send)
        self.comm.Allreduce(send, recv, op=self._mpi.SUM)
        return recv

    def bcast(self, array: np.ndarray) -> np.ndarray:
        buf = np.array(as_float_array(array, "array"), dtype=float, order="C")  # a copy; 0-d stays 0-d
        self.comm.Bcast(buf, root=0)
        return buf

    def __repr__(self) -> str:
        return f"MPIComm(rank={self.rank}, size={self.size})"


def as_comm(comm) -> SerialComm | MPIComm:
    """``None`` -> :class:`SerialComm`; an mpi4py communicator -> :class:`MPIComm`."""
    if comm is None:
        return SerialComm()
    if isinstance(comm, (SerialComm, MPIComm)):
        return comm
    if not (hasattr(comm, "Allreduce") and hasattr(comm, "Get_rank")):
        raise TypeError(f"comm must be None or an mpi4py communicator, got {type(comm).__name__}")
    return MPIComm(comm)


def local_walkers(n_walkers: int, rank: int, size: int) -> int:
    """How many of ``n_walkers`` walkers rank ``rank`` of ``size`` moves (as evenly as possible)."""
    n_walkers = check_int(n_walkers, "n_walkers", minimum=0)
    size = check_int(size, "size", minimum=1)
    rank = check_int(rank, "rank", minimum=0, maximum=size - 1)
    return n_walkers // size + (1 if rank < n_walkers % size else 0)


# ----------------------------------------------------------------------------------------------
# estimates
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo expectation value: mean, blocking error, naive error, variance of E_L.

    ``tau`` is the integrated autocorrelation time of the walker-averaged series
    (``(error / naive_error)^2``), ``n_samples`` the number of local energies (steps x
    walkers), ``acceptance`` the fraction of accepted moves, ``gradient`` the energy
    gradient with respect to the parameters (if it was computed) and ``series`` the
    walker-averaged local energy after each step (the series that was blocked).
    """

    mean: float
    error: float
    naive_error: float
    variance: float
    tau: float
    n_samples: int
    acceptance: float
    gradient: np.ndarray | None = field(default=None, compare=False)
    series: np.ndarray | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return (
            f"{self.mean:.6f} +- {self.error:.2g} (variance {self.variance:.3g}, tau {self.tau:.2f}, "
            f"acceptance {self.acceptance:.3f}, {self.n_samples} samples)"
        )


def _check_local_energy(el: np.ndarray, wf: WaveFunction, where: str) -> None:
    if not np.all(np.isfinite(el)):
        bad = int(np.count_nonzero(~np.isfinite(el)))
        raise FloatingPointError(
            f"the local energy is NaN or infinite for {bad} of {el.size} walkers {where} with {wf!r}: "
            "the trial wave function or its derivatives are not finite there "
            "(check the parameters, the step size and the wave function)"
        )


def measure(
    hamiltonian: HarmonicTrap,
    wf: WaveFunction,
    sampler: Sampler,
    walkers: Walkers,
    n_steps: int,
    rng: int | np.random.Generator,
    comm=None,
    gradient: bool = True,
    where: str = "",
) -> Estimate:
    r"""Move the walkers ``n_steps`` times and estimate :math:`\langle E_L\rangle` (and :math:`\bar E_i`).

    The local energy is measured after every step on every walker. The walker-averaged
    series (combined over all ranks) goes to :func:`physml.stats.blocking`. ``rng`` is a
    ``numpy.random.Generator`` (the optimisation loop passes its own on) or an int seed.
    """
    from ..stats import MIN_SAMPLES, blocking

    _check_run(hamiltonian, wf, sampler)
    sampler._check_walkers(wf, walkers)
    rng = as_rng(rng, "rng")
    gradient = check_bool(gradient, "gradient")
    check_string(where, "where")
    comm = as_comm(comm)
    n_steps = check_int(n_steps, "n_steps", minimum=MIN_SAMPLES)  # blocking needs at least 16 steps
    k = wf.n_params
    series = np.empty(n_steps)
    sum_e2 = 0.0
    sum_o = np.zeros(k)
    sum_oe = np.zeros(k)
    accepted = 0
    for t in range(n_steps):
        accepted += sampler._step(wf, walkers, rng)
        grad, lap, o = wf._derivatives(walkers.x, params=gradient)
        el = hamiltonian._local_energy_from(walkers.x, grad, lap)
        _check_local_energy(el, wf, f"at step {t}{where}")
        series[t] = el.sum()
        sum_e2 += el @ el
        if gradient:
            sum_o += o.sum(axis=0)
            sum_oe += el @ o
    packed = np.concatenate([series, [sum_e2, accepted, walkers.n_walkers], sum_o, sum_oe])
    total = comm.allreduce_sum(packed)
    series = total[:n_steps]
    sum_e2, accepted, n_walkers = total[n_steps : n_steps + 3]
    sum_o = total[n_steps + 3 : n_steps + 3 + k]
    sum_oe = total[n_steps + 3 + k :]
    n = n_steps * n_walkers
    stats = blocking(series / n_walkers)
    mean = float(series.sum() / n)
    grad = 2.0 * (sum_oe / n - sum_o / n * mean) if gradient else None
    return Estimate(
        mean=mean,
        error=float(stats.error),
        naive_error=float(np.sqrt(max(sum_e2 / n - mean**2, 0.0) / n)),
        variance=float(max(sum_e2 / n - mean**2, 0.0)),
        tau=float(stats.tau),
        n_samples=int(n),
        acceptance=float(accepted / n),
        gradient=grad,
        series=series / n_walkers,
    )


def _check_run(hamiltonian, wf, sampler) -> None:
    """Check the Hamiltonian, the trial function and that the sampler can sample it."""
    if not isinstance(hamiltonian, HarmonicTrap):
        raise TypeError(f"hamiltonian must be a physml.vmc HarmonicTrap, got {type(hamiltonian).__name__}")
    if not isinstance(wf, WaveFunction):
        raise TypeError(f"wf must be a physml.vmc WaveFunction, got {type(wf).__name__}")
    if not isinstance(sampler, Sampler):
        raise TypeError(f"sampler must be a physml.vmc Sampler, got {type(sampler).__name__}")
    try:
        sampler._check(wf)
    except (TypeError, ValueError) as err:
        raise type(err)(f"sampler {sampler!r} cannot sample wf: {err}") from None


def _setup(wf, sampler, n_walkers, seed, comm, init_scale):
    check_scalar(init_scale, "init_scale", minimum=0.0, include_min=False)
    comm = as_comm(comm)
    n_walkers = check_int(n_walkers, "n_walkers", minimum=comm.size)
    rng = walker_streams(seed, comm.size)[comm.rank]
    walkers = sampler.init_walkers(wf, local_walkers(n_walkers, comm.rank, comm.size), rng, scale=init_scale)
    return comm, rng, walkers


def energy(
    hamiltonian: HarmonicTrap,
    wf: WaveFunction,
    sampler: Sampler,
    *,
    n_walkers: int,
    n_steps: int,
    n_burn: int = 100,
    seed,
    comm=None,
    init_scale: float = 1.0,
    gradient: bool = False,
) -> Estimate:
    """Estimate the energy of ``wf`` with ``n_walkers`` walkers (in total over all ranks).

    ``n_burn`` steps of thermalisation, then ``n_steps`` measured steps. ``seed`` is an int
    or a Generator; each rank draws from its own stream (``SeedSequence.spawn``).
    """
    _check_run(hamiltonian, wf, sampler)
    n_burn = check_int(n_burn, "n_burn", minimum=0)
    gradient = check_bool(gradient, "gradient")
    comm, rng, walkers = _setup(wf, sampler, n_walkers, seed, comm, init_scale)
    for _ in range(n_burn):
        sampler._step(wf, walkers, rng)
    return measure(hamiltonian, wf, sampler, walkers, n_steps, rng, comm, gradient=gradient)


def energy_gradient(
    hamiltonian: HarmonicTrap,
    wf: WaveFunction,
    sampler: Sampler,
    *,
    n_walkers: int,
    n_steps: int,
    n_burn: int = 100,
    seed,
    comm=None,
    init_scale: float = 1.0,
) -> Estimate:
    r"""Like :func:`energy`, with the gradient :math:`\bar E_i` in ``Estimate.gradient``."""
    return energy(
        hamiltonian, wf, sampler, n_walkers=n_walkers, n_steps=n_steps, n_burn=n_burn, seed=seed,
        comm=comm, init_scale=init_scale, gradient=True,
    )  # fmt: skip


# ----------------------------------------------------------------------------------------------
# optimisation
# ----------------------------------------------------------------------------------------------


@dataclass
class VMCResult:
    """History of an optimisation: parameters before each iteration (and after the last),
    energy, blocking error, variance and acceptance per iteration, and the final ``wf``."""

    wf: WaveFunction
    params: np.ndarray
    energy: np.ndarray
    error: np.ndarray
    variance: np.ndarray
    acceptance: np.ndarray
    gradient: np.ndarray
    param_names: tuple[str, ...] = ()

    def as_records(self) -> list[dict]:
        """One dict per iteration (for CSV/JSON output)."""
        rows = []
        for t in range(len(self.energy)):
            row = {
                "iteration": t,
                "energy": self.energy[t],
                "error": self.error[t],
                "variance": self.variance[t],
            }
            row["acceptance"] = self.acceptance[t]
            row.update({name: self.params[t, i] for i, name in enumerate(self.param_names)})
            rows.append({key: float(v) if key != "iteration" else v for key, v in row.items()})
        return rows


def optimize(
    hamiltonian: HarmonicTrap,
    wf: WaveFunction,
    sampler: Sampler,
    optimizer: optim.Optimizer,
    *,
    n_iter: int,
    n_walkers: int,
    n_steps: int,
    n_burn: int = 100,
    n_burn_iter: int = 0,
    seed,
    comm=None,
    init_scale: float = 1.0,
    schedule: optim.Schedule | None = None,
    callback: Callable[[int, WaveFunction, Estimate], None] | None = None,
    desc: str | None = "VMC",
) -> VMCResult:
    r"""Minimise the energy over the parameters of ``wf`` by gradient steps on :math:`\bar E_i`.

    The walkers carry over from one iteration to the next (``n_burn`` steps once at the
    start, ``n_burn_iter`` after each parameter change). ``optimizer`` is a
    :mod:`physml.optim` optimizer (``GradientDescent``, ``Adam``, ...), with an optional
    learning-rate ``schedule``. Under MPI only rank 0 shows a progress bar.
    """
    _check_run(hamiltonian, wf, sampler)
    if schedule is not None:
        check_callable(schedule, "schedule", "a learning-rate schedule (callable) or None")
    if callback is not None:
        check_callable(callback, "callback", "a function callback(iteration, wf, estimate) or None")
    check_string(desc, "desc", optional=True)
    if not isinstance(optimizer, optim.Optimizer):
        raise TypeError(f"optimizer must be a physml.optim Optimizer, got {type(optimizer).__name__}")
    n_iter = check_int(n_iter, "n_iter", minimum=1)
    n_burn = check_int(n_burn, "n_burn", minimum=0)
    n_burn_iter = check_int(n_burn_iter, "n_burn_iter", minimum=0)
    comm, rng, walkers = _setup(wf, sampler, n_walkers, seed, comm, init_scale)
    for _ in range(n_burn):
        sampler._step(wf, walkers, rng)
    params = np.array(wf.params, dtype=float)
    history = {key: [] for key in ("params", "energy", "error", "variance", "acceptance", "gradient")}
    iterations = range(n_iter)
    if comm.rank == 0 and desc:
        iterations = progress(iterations, desc=desc, total=n_iter)
    for it in iterations:
        est = measure(
            hamiltonian, wf, sampler, walkers, n_steps, rng, comm, gradient=True, where=f" (iteration {it})"
        )
        history["params"].append(params.copy())
        for key in ("energy", "error", "variance", "acceptance"):
            history[key].append(getattr(est, "mean" if key == "energy" else key))
        history["gradient"].append(est.gradient)
        if callback is not None:
            callback(it, wf, est)
        if schedule is not None:
            optimizer.learning_rate = schedule(it)
        optimizer.step([params], [est.gradient])
        if not np.all(np.isfinite(params)):
            raise FloatingPointError(
                f"the parameters became {params} at iteration {it} (gradient {est.gradient}): "
                "the optimisation diverged (try a smaller learning rate)"
            )
        params = comm.bcast(params)
        try:
            wf = wf.with_params(params)
        except ValueError as err:
            raise FloatingPointError(
                f"the optimisation left the allowed parameters at iteration {it} ({err}); "
                "try a smaller learning rate or more samples per iteration"
            ) from None
        sampler.refresh(wf, walkers)
        for _ in range(n_burn_iter):
            sampler._step(wf, walkers, rng)
    history["params"].append(params.copy())
    return VMCResult(
        wf=wf,
        params=np.array(history["params"]),
        energy=np.array(history["energy"]),
        error=np.array(history["error"]),
        variance=np.array(history["variance"]),
        acceptance=np.array(history["acceptance"]),
        gradient=np.array(history["gradient"]),
        param_names=wf.param_names,
    )
