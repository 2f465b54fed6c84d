r"""Fast and parallel ML codes: where the time goes, and how a code scales to many processes.

Chapter "Fast and parallel ML codes". The module measures and models; it asserts no speed.

* **Timing with a spread.** :func:`time_call` runs a function in ``repeats`` timed repeats
  (each long enough for the clock) and returns a :class:`Timing`: the median time of a
  call, its quartiles and the error of the median. On a GPU the clock must wait for the
  device: pass ``sync=synchronizer(device)``.
* **The roofline.** :func:`measure_gemm`, :func:`measure_matvec` and :func:`measure_triad`
  time a matrix product, a matrix-vector product and the STREAM triad
  :math:`\boldsymbol a = \boldsymbol b + s\,\boldsymbol c` in PyTorch on any device; each
  returns a :class:`Kernel` (FLOP, bytes moved, timing). A kernel of arithmetic intensity
  :math:`I` (FLOP per byte) can run at most at :func:`roofline`
  :math:`\min(P, I\,\beta)`, with :math:`P` the peak rate and :math:`\beta` the memory
  bandwidth.
* **Fixed cost and arithmetic.** :func:`fit_step_model` fits :math:`t = t_0 + F/R` to the
  times of training steps of :math:`F` FLOP (:func:`make_mlp_step`, :func:`mlp_step_flops`).
* **Scaling.** Amdahl's and Gustafson's laws, :func:`fit_serial_fraction` (the serial
  fraction and its error from measured times), the cost of a ring all-reduce and
  :func:`predict_scaling`, which puts the three together. :func:`mpi_scaling` times the
  VMC walkers of :mod:`physml.vmc` on several MPI processes (``mpiexec``), and
  :func:`vmc_iteration_timing` the same iteration in this process.
* **Vectorisation and precision.** The per-walker Python loop of the Metropolis sampler
  (:func:`loop_metropolis`, :func:`loop_log_psi`), recursive summation
  (:func:`recursive_sum`) and its rounding bound (:func:`summation_bound`).
* **Profiles.** :func:`cprofile_top` and :func:`torch_profile_top` return the top entries
  of a profile as rows of a table.

Torch is imported inside the functions that use it, so that the MPI worker
(``python -m physml.hpc``, started by :func:`mpi_scaling`) starts quickly.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import math
import os
import pstats
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ._validate import (
    as_device,
    as_float_array,
    as_rng,
    check_callable,
    check_choice,
    check_int,
    check_same_length,
    check_scalar,
    check_string,
)

#: The floating-point types of the chapter, with their unit roundoff u = eps_M / 2.
UNIT_ROUNDOFF = {"float64": 2.0**-53, "float32": 2.0**-24, "float16": 2.0**-11, "bfloat16": 2.0**-8}
#: Bytes per number.
ITEMSIZE = {"float64": 8, "float32": 4, "float16": 2, "bfloat16": 2}
#: Message sizes (float64 numbers) of the all-reduce timings of :func:`mpi_scaling`.
ALLREDUCE_SIZES = (1, 128, 16384, 1048576)
#: Floor of the error of a median time, relative to it: the jitter of the clock and the machine.
TIME_ERROR_FLOOR = 1e-3


# ----------------------------------------------------------------------------------------------
# timing
# ----------------------------------------------------------------------------------------------


class Timing(NamedTuple):
    """Seconds per call, one entry per timed repeat (``number`` calls each), and their summary."""

    seconds: np.ndarray
    number: int

    @property
    def median(self) -> float:
        return float(np.median(self.seconds))

    @property
    def low(self) -> float:
        """First quartile of the repeats."""
        return float(np.percentile(self.seconds, 25))

    @property
    def high(self) -> float:
        """Third quartile of the repeats."""
        return float(np.percentile(self.seconds, 75))

    @property
    def relative_spread(self) -> float:
        """Interquartile range over the median."""
        return (self.high - self.low) / self.median

    @property
    def error(self) -> float:
        """Standard error of the median, from the interquartile range (robust to the outliers
        of a busy machine): :math:`1.253\\,\\sigma/\\sqrt r` with :math:`\\sigma = \\mathrm{IQR}/1.349`,
        at least ``TIME_ERROR_FLOOR`` times the median."""
        r = len(self.seconds)
        sigma = (self.high - self.low) / 1.349
        return max(1.2533 * sigma / math.sqrt(r), TIME_ERROR_FLOOR * self.median)


def _no_sync() -> None:
    return None


def synchronizer(device="cpu") -> Callable[[], None]:
    """A function that waits until ``device`` has finished its queued work.

    On a GPU, PyTorch returns from an operation as soon as it is *queued*; a clock read
    right after measures the queueing, not the work. ``torch.cuda.synchronize`` waits for
    the device. On the CPU the operations run when called, and the function does nothing.
    """
    dev = as_device(device, "device")
    if dev.type == "cuda":
        import torch

        return lambda: torch.cuda.synchronize(dev)
    return _no_sync


def time_call(f: Callable[[], object], *, repeats: int = 7, min_seconds: float = 0.002, sync=None) -> Timing:
    """Time ``f()``: one warm-up call, then ``repeats`` repeats of ``number`` consecutive calls.

    ``number`` is chosen from the warm-up so that a repeat lasts at least ``min_seconds``
    (the clock's resolution and the cost of reading it are then negligible). ``sync`` (a
    function, e.g. :func:`synchronizer`) runs before each clock read. Returns the seconds
    per call of every repeat as a :class:`Timing`.
    """
    check_callable(f, "f")
    repeats = check_int(repeats, "repeats", minimum=1)
    min_seconds = float(check_scalar(min_seconds, "min_seconds", minimum=0.0, maximum=60.0))
    if sync is not None:
        check_callable(sync, "sync")
    return _time_call(f, repeats, min_seconds, sync or _no_sync)


def _time_call(f, repeats: int, min_seconds: float, sync) -> Timing:
    f()  # warm-up: first-call costs (allocation, caches, lazy initialisation)
    sync()
    start = time.perf_counter()
    f()
    sync()
    once = time.perf_counter() - start
    number = max(1, math.ceil(min_seconds / max(once, 1e-9)))
    seconds = np.empty(repeats)
    for r in range(repeats):
        sync()
        start = time.perf_counter()
        for _ in range(number):
            f()
        sync()
        seconds[r] = (time.perf_counter() - start) / number
    return Timing(seconds, number)


@contextlib.contextmanager
def _threads(n: int):
    import torch
    from threadpoolctl import threadpool_limits

    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        with threadpool_limits(limits=n):
            yield
    finally:
        torch.set_num_threads(previous)


def threads(n: int):
    """A context manager: run a block with ``n`` threads in torch and in NumPy's BLAS.

    ``with hpc.threads(1): ...`` sets ``torch.set_num_threads`` and the thread pools that
    ``threadpoolctl`` finds (OpenBLAS, OpenMP), and restores both afterwards.
    """
    n = check_int(n, "n", minimum=1, maximum=1024)
    return _threads(n)


# ----------------------------------------------------------------------------------------------
# kernels and the roofline
# ----------------------------------------------------------------------------------------------


class Kernel(NamedTuple):
    """A timed kernel: its name, FLOP and bytes moved per call, and the :class:`Timing`."""

    name: str
    flops: float
    bytes: float
    timing: Timing

    @property
    def rate(self) -> float:
        """FLOP per second at the median time."""
        return self.flops / self.timing.median

    @property
    def rate_error(self) -> float:
        return self.rate * self.timing.error / self.timing.median

    @property
    def bandwidth(self) -> float:
        """Bytes per second at the median time."""
        return self.bytes / self.timing.median

    @property
    def bandwidth_error(self) -> float:
        return self.bandwidth * self.timing.error / self.timing.median

    @property
    def best_rate(self) -> float:
        """FLOP per second of the fastest repeat (STREAM's convention for a peak)."""
        return self.flops / float(np.min(self.timing.seconds))

    @property
    def best_bandwidth(self) -> float:
        """Bytes per second of the fastest repeat."""
        return self.bytes / float(np.min(self.timing.seconds))

    @property
    def intensity(self) -> float:
        """Arithmetic intensity, FLOP per byte moved."""
        return self.flops / self.bytes


def matmul_cost(m: int, k: int, n: int, itemsize: int = 8) -> tuple[int, int]:
    r"""FLOP and minimum bytes moved of a product :math:`C = AB`, :math:`A` of shape ``(m, k)``.

    :math:`F = 2mkn` (a multiply and an add per term) and
    :math:`Q = s\,(mk + kn + mn)` bytes for numbers of ``itemsize`` :math:`s` bytes: each
    matrix read or written once, the least traffic any implementation needs. ``n = 1`` is a
    matrix-vector product. The arithmetic intensity :math:`F/Q` is :math:`n/(3s/2)` for
    square matrices, but below :math:`2/s` for a matrix-vector product.
    """
    m = check_int(m, "m", minimum=1)
    k = check_int(k, "k", minimum=1)
    n = check_int(n, "n", minimum=1)
    itemsize = check_int(itemsize, "itemsize", minimum=1)
    return 2 * m * k * n, itemsize * (m * k + k * n + m * n)


def roofline(intensity, peak: float, bandwidth: float) -> np.ndarray:
    r"""Attainable rate :math:`\min(P, I\beta)` at arithmetic intensity ``intensity`` :math:`I`.

    ``peak`` :math:`P` is the machine's peak (FLOP/s), ``bandwidth`` :math:`\beta` its
    memory bandwidth (bytes/s). Kernels with :math:`I < P/\beta` (the *ridge point*) are
    limited by memory, those above it by arithmetic.
    """
    intensity = as_float_array(intensity, "intensity", nonempty=True)
    if np.any(intensity < 0):
        raise ValueError("intensity must be >= 0 (FLOP per byte)")
    peak = check_scalar(peak, "peak", minimum=0.0, include_min=False)
    bandwidth = check_scalar(bandwidth, "bandwidth", minimum=0.0, include_min=False)
    return np.minimum(peak, intensity * bandwidth)


def _torch_dtype(dtype: str, name: str = "dtype"):
    import torch

    check_choice(dtype, name, tuple(ITEMSIZE))
    return getattr(torch, dtype)


def _random(shape, dtype: str, device, seed: int):
    """Uniform random numbers in [-1, 1), drawn on the CPU (the same on every device)."""
    import torch

    g = torch.Generator().manual_seed(seed)
    x = torch.empty(shape, dtype=torch.float32).uniform_(-1.0, 1.0, generator=g)
    return x.to(device=device, dtype=_torch_dtype(dtype))


def _check_kernel_args(dtype, device, repeats, seed):
    check_choice(dtype, "dtype", tuple(ITEMSIZE))
    dev = as_device(device, "device")
    repeats = check_int(repeats, "repeats", minimum=1)
    check_int(seed, "seed", minimum=0)
    return dev, repeats


def measure_gemm(
    n: int = 1024, dtype: str = "float64", device="cpu", repeats: int = 7, seed: int = 0
) -> Kernel:
    """Time the product of two ``n x n`` matrices (``torch.mm``) on ``device``."""
    import torch

    n = check_int(n, "n", minimum=1, maximum=32768)
    dev, repeats = _check_kernel_args(dtype, device, repeats, seed)
    a, b = _random((n, n), dtype, dev, seed), _random((n, n), dtype, dev, seed + 1)
    out = torch.empty_like(a)
    flops, nbytes = matmul_cost(n, n, n, ITEMSIZE[dtype])
    timing = _time_call(lambda: torch.mm(a, b, out=out), repeats, 0.002, synchronizer(dev))
    return Kernel(f"GEMM {n}x{n} ({dtype})", flops, nbytes, timing)


def measure_matvec(
    n: int = 4096, dtype: str = "float64", device="cpu", repeats: int = 7, seed: int = 0
) -> Kernel:
    """Time the product of an ``n x n`` matrix with a vector (``torch.mv``) on ``device``."""
    import torch

    n = check_int(n, "n", minimum=1, maximum=65536)
    dev, repeats = _check_kernel_args(dtype, device, repeats, seed)
    a, x = _random((n, n), dtype, dev, seed), _random((n,), dtype, dev, seed + 1)
    out = torch.empty(n, dtype=a.dtype, device=dev)
    flops, nbytes = matmul_cost(n, n, 1, ITEMSIZE[dtype])
    timing = _time_call(lambda: torch.mv(a, x, out=out), repeats, 0.002, synchronizer(dev))
    return Kernel(f"matvec {n}x{n} ({dtype})", flops, nbytes, timing)


def measure_triad(
    n: int = 2**23, dtype: str = "float64", device="cpu", repeats: int = 7, seed: int = 0
) -> Kernel:
    r"""Time the STREAM triad :math:`a_i = b_i + 3 c_i` over ``n`` numbers (``torch.add`` with
    ``alpha``, one pass over memory) on ``device``.

    It does :math:`2n` FLOP and moves :math:`3n` numbers (two read, one written: STREAM's
    count), so its rate is set by the memory bandwidth when the arrays do not fit in the
    caches (``n = 2**23`` float64 numbers are 64 MiB per array).
    """
    import torch

    n = check_int(n, "n", minimum=1, maximum=2**30)
    dev, repeats = _check_kernel_args(dtype, device, repeats, seed)
    b, c = _random((n,), dtype, dev, seed), _random((n,), dtype, dev, seed + 1)
    a = torch.empty_like(b)
    timing = _time_call(lambda: torch.add(b, c, alpha=3.0, out=a), repeats, 0.002, synchronizer(dev))
    return Kernel(f"triad n={n} ({dtype})", 2 * n, 3 * n * ITEMSIZE[dtype], timing)


# ----------------------------------------------------------------------------------------------
# a training step: fixed cost and arithmetic
# ----------------------------------------------------------------------------------------------


def _check_sizes(layer_sizes, name: str = "layer_sizes") -> list[int]:
    if isinstance(layer_sizes, (str, bytes)) or not isinstance(layer_sizes, (list, tuple)):
        raise TypeError(f"{name} must be a list of integers, got {type(layer_sizes).__name__}")
    if len(layer_sizes) < 2:
        raise ValueError(f"{name} needs at least an input and an output size, got {list(layer_sizes)}")
    return [check_int(s, f"{name}[{i}]", minimum=1) for i, s in enumerate(layer_sizes)]


def mlp_step_flops(batch: int, layer_sizes) -> int:
    r"""FLOP in the matrix products of one training step of an MLP on a batch of :math:`B` rows.

    With layer sizes :math:`M_0, \dots, M_L`: the forward pass :math:`2B\sum_l M_{l-1}M_l`,
    the weight gradients as much again, and the gradients with respect to the inputs of
    layers :math:`2, \dots, L` (the data need none),

    .. math:: F = 6B\sum_{l=1}^{L} M_{l-1}M_l - 2BM_0M_1 .

    Activations, the cost and the optimizer (:math:`O(BM + M^2)` operations) are not counted.
    """
    batch = check_int(batch, "batch", minimum=1)
    sizes = _check_sizes(layer_sizes)
    products = [m * n for m, n in zip(sizes[:-1], sizes[1:], strict=True)]
    return 6 * batch * sum(products) - 2 * batch * products[0]


def make_mlp_step(layer_sizes, batch: int, dtype: str = "float64", seed: int = 0) -> Callable[[], float]:
    """One training step of a :class:`physml.nn.MLP` (sigmoid hidden units, softmax and
    cross-entropy, Adam) on a fixed random batch, as a function that returns the cost.

    The body is the inner loop of ``MLP.fit``: forward pass, cost, backward pass, update.
    """
    from . import optim
    from .nn import MLP

    sizes = _check_sizes(layer_sizes)
    batch = check_int(batch, "batch", minimum=1)
    check_choice(dtype, "dtype", ("float32", "float64"))
    rng = as_rng(seed)
    model = MLP(sizes, "sigmoid", "softmax", "cross_entropy", seed=rng, dtype=dtype)
    X = rng.standard_normal((batch, sizes[0])).astype(dtype)
    Y = model._check_targets(rng.integers(0, sizes[-1], size=batch), batch)
    update = optim.Adam(1e-3)._step

    def step() -> float:
        zs, activations = model._forward(X)
        loss = model._cost(activations[-1], Y)
        update(model.params, model._backward(zs, activations, Y))
        return float(loss)

    return step


def _medians(times, name: str = "times") -> tuple[np.ndarray, np.ndarray]:
    """Median of each row of ``times`` (rows: configurations, columns: repeats) and its error."""
    t = as_float_array(times, name, ndim=2)
    if t.shape[1] < 1 or t.shape[0] < 1:
        raise ValueError(f"{name} must hold at least one repeat per row, got shape {t.shape}")
    if np.any(t <= 0):
        raise ValueError(f"{name} must be > 0 (seconds)")
    timings = [Timing(row, 1) for row in t]
    return np.array([x.median for x in timings]), np.array([x.error for x in timings])


def _weighted_line(x: np.ndarray, y: np.ndarray, sigma: np.ndarray):
    """Weighted least squares of ``y = c0 + c1 x``: coefficients, covariance, chi^2, dof.

    The covariance is scaled by chi^2/dof when that exceeds one (the scatter of the points
    is then larger than their error bars say)."""
    A = np.column_stack([np.ones_like(x), x]) / sigma[:, None]
    b = y / sigma
    cov = np.linalg.inv(A.T @ A)
    coef = cov @ (A.T @ b)
    chi2 = float(np.sum((A @ coef - b) ** 2))
    dof = len(x) - 2
    if dof > 0 and chi2 > dof:
        cov = cov * (chi2 / dof)
    return coef, cov, chi2, dof


class StepModel(NamedTuple):
    """The fit :math:`t = t_0 + F/R` of step times: fixed cost, rate, their errors, chi^2, dof."""

    t0: float
    t0_error: float
    rate: float
    rate_error: float
    chi2: float
    dof: int

    @property
    def crossover(self) -> float:
        """FLOP per step above which arithmetic takes most of a step, :math:`F^* = t_0 R`."""
        return self.t0 * self.rate

    def predict(self, flops) -> np.ndarray:
        """Predicted seconds of a step of ``flops`` FLOP."""
        flops = as_float_array(flops, "flops", nonempty=True)
        return self.t0 + flops / self.rate


def fit_step_model(flops, times) -> StepModel:
    r"""Fit :math:`t = t_0 + F/R` to measured step times by weighted least squares.

    ``flops`` holds the FLOP :math:`F_k` of each configuration, ``times`` the seconds of its
    repeats (one row per configuration). Each point is the median of its row with the error
    of the median (:attr:`Timing.error`). :math:`t_0` is the fixed cost of a step (Python,
    dispatch, allocation, element-wise work), :math:`R` the rate of its arithmetic; errors
    from the covariance of the fit.
    """
    f = as_float_array(flops, "flops", ndim=1)
    t, sigma = _medians(times)
    check_same_length(f, "flops", t, "times")
    if np.any(f < 0):
        raise ValueError("flops must be >= 0")
    if len(np.unique(f)) < 2:
        raise ValueError("flops must hold at least two different values (a line needs two points)")
    scale = float(np.max(f))
    coef, cov, chi2, dof = _weighted_line(f / scale, t, sigma)
    t0, slope = float(coef[0]), float(coef[1]) / scale
    slope_error = math.sqrt(cov[1, 1]) / scale
    rate = 1.0 / slope if slope > 0 else math.inf
    rate_error = slope_error / slope**2 if slope > 0 else math.inf
    return StepModel(t0, math.sqrt(cov[0, 0]), rate, rate_error, chi2, dof)


# ----------------------------------------------------------------------------------------------
# scaling laws
# ----------------------------------------------------------------------------------------------


def _check_processes(p, name: str = "p") -> np.ndarray:
    p = as_float_array(p, name, nonempty=True)
    if np.any(p < 1):
        raise ValueError(f"{name} must be >= 1 (processes)")
    return p


def _check_fraction(s, name: str = "serial_fraction") -> float:
    return float(check_scalar(s, name, minimum=0.0, maximum=1.0))


def amdahl_speedup(p, serial_fraction: float) -> np.ndarray:
    r"""Amdahl's speed-up :math:`S(p) = 1/(s + (1-s)/p)` of a fixed problem on :math:`p` processes."""
    p = _check_processes(p)
    s = _check_fraction(serial_fraction)
    return 1.0 / (s + (1.0 - s) / p)


def amdahl_efficiency(p, serial_fraction: float) -> np.ndarray:
    r"""Amdahl's efficiency :math:`E(p) = S(p)/p = 1/(1 + (p-1)s)`."""
    p = _check_processes(p)
    s = _check_fraction(serial_fraction)
    return 1.0 / (1.0 + (p - 1.0) * s)


def gustafson_speedup(p, serial_fraction: float) -> np.ndarray:
    r"""Gustafson's scaled speed-up :math:`S(p) = s + (1-s)p`: the problem grows with :math:`p`,
    and :math:`s` is the serial fraction of the time of the run on :math:`p` processes."""
    p = _check_processes(p)
    s = _check_fraction(serial_fraction)
    return s + (1.0 - s) * p


def gustafson_efficiency(p, serial_fraction: float) -> np.ndarray:
    r"""Gustafson's efficiency :math:`S(p)/p = 1 - s + s/p`."""
    p = _check_processes(p)
    s = _check_fraction(serial_fraction)
    return 1.0 - s + s / p


class AmdahlFit(NamedTuple):
    """Serial fraction :math:`s` and one-process time :math:`T_1` fitted to measured times."""

    serial_fraction: float
    serial_fraction_error: float
    t1: float
    t1_error: float
    chi2: float
    dof: int

    def efficiency(self, p) -> np.ndarray:
        """Amdahl's efficiency at ``p`` processes with the fitted serial fraction (clipped to [0, 1])."""
        return amdahl_efficiency(p, min(max(self.serial_fraction, 0.0), 1.0))

    def efficiency_error(self, p) -> np.ndarray:
        r"""Error of :meth:`efficiency` from the error of :math:`s`:
        :math:`|\partial E/\partial s|\,\sigma_s = (p-1)E^2\sigma_s`."""
        p = _check_processes(p)
        return (p - 1.0) * self.efficiency(p) ** 2 * self.serial_fraction_error


def fit_serial_fraction(processes, times) -> AmdahlFit:
    r"""Fit Amdahl's law :math:`T(p) = T_1(s + (1-s)/p)` to measured times.

    ``processes`` holds the process counts :math:`p_k` (at least two different ones),
    ``times`` the seconds of the repeats on each (one row per count). The law is linear in
    :math:`c_0 = T_1 s` and :math:`c_1 = T_1(1-s)`: a weighted least-squares line in
    :math:`1/p` through the medians (errors: :attr:`Timing.error`), then
    :math:`s = c_0/(c_0 + c_1)` with its error propagated from the covariance. With two
    process counts the line goes through both points (no degree of freedom left) and the
    error comes from the spread of the repeats alone. :math:`s` may come out above one
    (more processes were slower) or below zero (better than linear, e.g. from caches).
    """
    p = _check_processes(processes, "processes")
    if p.ndim != 1:
        raise ValueError(f"processes must be 1-dimensional, got shape {p.shape}")
    t, sigma = _medians(times)
    check_same_length(p, "processes", t, "times")
    if len(np.unique(p)) < 2:
        raise ValueError("processes must hold at least two different process counts")
    coef, cov, chi2, dof = _weighted_line(1.0 / p, t, sigma)
    c0, c1 = coef
    t1 = c0 + c1
    if t1 <= 0:
        raise ValueError("times: the fitted one-process time is not positive; are the times in seconds?")
    s = c0 / t1
    grad = np.array([c1, -c0]) / t1**2
    s_err = math.sqrt(max(float(grad @ cov @ grad), 0.0))
    t1_err = math.sqrt(max(float(cov[0, 0] + cov[1, 1] + 2 * cov[0, 1]), 0.0))
    return AmdahlFit(float(s), s_err, float(t1), t1_err, chi2, dof)


def ring_allreduce_time(p, n_bytes: float, latency: float, bandwidth: float) -> np.ndarray:
    r"""Time of a ring all-reduce of ``n_bytes`` bytes over :math:`p` processes.

    The ring cuts the message into :math:`p` pieces; in :math:`p-1` steps of a
    reduce-scatter and :math:`p-1` steps of an all-gather each process sends and receives
    one piece per step:

    .. math:: T_\mathrm{ar}(p) = 2(p-1)\,\alpha + 2\frac{p-1}{p}\frac{n}{\beta},

    with ``latency`` :math:`\alpha` per message and ``bandwidth`` :math:`\beta` (bytes/s).
    The bandwidth term hardly grows with :math:`p`; the latency term does.
    """
    p = _check_processes(p)
    return _ring_allreduce_time(p, *_check_link(n_bytes, latency, bandwidth, "n_bytes"))


def _check_link(n_bytes, latency, bandwidth, bytes_name: str) -> tuple[float, float, float]:
    n_bytes = float(check_scalar(n_bytes, bytes_name, minimum=0.0))
    latency = float(check_scalar(latency, "latency", minimum=0.0))
    bandwidth = float(check_scalar(bandwidth, "bandwidth", minimum=0.0, include_min=False))
    return n_bytes, latency, bandwidth


def _ring_allreduce_time(p: np.ndarray, n_bytes: float, latency: float, bandwidth: float) -> np.ndarray:
    return 2.0 * (p - 1.0) * latency + 2.0 * (p - 1.0) / p * n_bytes / bandwidth


class ScalingPrediction(NamedTuple):
    """Modelled times and efficiencies at each process count (see :func:`predict_scaling`)."""

    processes: np.ndarray
    strong_time: np.ndarray
    strong_efficiency: np.ndarray
    weak_time: np.ndarray
    weak_efficiency: np.ndarray
    scaled_speedup: np.ndarray


def predict_scaling(
    processes, fixed: float, work: float, comm_bytes: float, latency: float, bandwidth: float
) -> ScalingPrediction:
    r"""Time and efficiency of a data-parallel step on :math:`p` processes, strong and weak.

    A step costs ``fixed`` seconds :math:`t_0` that no process count shortens (Python,
    dispatch, the serial part), ``work`` seconds :math:`W` of divisible work on one process,
    and an all-reduce of ``comm_bytes`` bytes (:func:`ring_allreduce_time` with ``latency``
    and ``bandwidth``):

    * strong scaling (the same problem): :math:`T(p) = t_0 + W/p + T_\mathrm{ar}(p)`,
      efficiency :math:`T(1)/(pT(p))` (Amdahl with :math:`s = t_0/(t_0+W)` when the
      all-reduce is free);
    * weak scaling (:math:`W` per process): :math:`T(p) = t_0 + W + T_\mathrm{ar}(p)`,
      efficiency :math:`T(1)/T(p)`, and the scaled speed-up
      :math:`(t_0 + pW)/T(p)` (Gustafson's :math:`s + (1-s)p` when the all-reduce is free).
    """
    p = _check_processes(processes, "processes")
    fixed = float(check_scalar(fixed, "fixed", minimum=0.0))
    work = float(check_scalar(work, "work", minimum=0.0))
    if fixed + work <= 0:
        raise ValueError("fixed and work must not both be zero (a step takes some time)")
    comm = _ring_allreduce_time(p, *_check_link(comm_bytes, latency, bandwidth, "comm_bytes"))
    t1 = fixed + work
    strong = fixed + work / p + comm
    weak = fixed + work + comm
    return ScalingPrediction(p, strong, t1 / (p * strong), weak, t1 / weak, (fixed + p * work) / weak)


# ----------------------------------------------------------------------------------------------
# vectorisation: the Metropolis sampler as a Python loop
# ----------------------------------------------------------------------------------------------


def _loop_log_psi(pos: list, alpha: float, beta: float, a: float) -> float:
    """log psi of one walker (a list of particles, each a list of coordinates), in pure Python."""
    r2 = 0.0
    for particle in pos:
        for c in particle:
            r2 += c * c
    jastrow = 0.0
    for i in range(len(pos)):
        for j in range(i + 1, len(pos)):
            d2 = 0.0
            for ci, cj in zip(pos[i], pos[j], strict=True):
                d = ci - cj
                d2 += d * d
            r = math.sqrt(d2)
            jastrow += a * r / (1.0 + beta * r)
    return -alpha * r2 + jastrow


def _loop_sweep(walkers: list, logs: list, alpha, beta, a, step: float, rng: random.Random) -> int:
    """One Metropolis move of every walker, one walker at a time; returns the accepted moves."""
    accepted = 0
    for k in range(len(walkers)):
        trial = [[c + step * rng.gauss(0.0, 1.0) for c in particle] for particle in walkers[k]]
        new = _loop_log_psi(trial, alpha, beta, a)
        # accept with probability min(1, |psi'/psi|^2): -log u = e > -2 (log psi' - log psi)
        if 2.0 * (new - logs[k]) > -rng.expovariate(1.0):
            walkers[k], logs[k] = trial, new
            accepted += 1
    return accepted


def _check_walkers(x, name: str = "x") -> np.ndarray:
    x = as_float_array(x, name, ndim=3, nonempty=True)
    return x


def _check_pade(alpha, beta, a) -> tuple[float, float, float]:
    alpha = float(check_scalar(alpha, "alpha", minimum=0.0, include_min=False))
    beta = float(check_scalar(beta, "beta", minimum=0.0))
    a = float(check_scalar(a, "a"))
    return alpha, beta, a


def loop_log_psi(x, alpha: float, beta: float, a: float = 1.0) -> np.ndarray:
    r""":math:`\log\psi_T` of the Gaussian times Padé–Jastrow trial function for every walker,
    one walker, particle and coordinate at a time (the loop that ``vmc.PadeJastrow`` vectorises):

    .. math:: \log\psi_T = -\alpha\sum_i r_i^2 + \sum_{i<j}\frac{a\,r_{ij}}{1 + \beta r_{ij}} .

    ``x`` has the shape ``(walkers, particles, dims)``.
    """
    x = _check_walkers(x)
    alpha, beta, a = _check_pade(alpha, beta, a)
    return np.array([_loop_log_psi(w, alpha, beta, a) for w in x.tolist()])


def loop_metropolis(
    x, alpha: float, beta: float, step_size: float = 1.2, n_sweeps: int = 1, seed: int = 0, a: float = 1.0
) -> tuple[np.ndarray, float]:
    """``n_sweeps`` Metropolis moves of every walker of ``x`` with Gaussian displacements of
    width ``step_size``, written as Python loops (:func:`_loop_sweep`). Returns the new
    positions and the acceptance rate. Random numbers from ``random.Random(seed)``."""
    x = _check_walkers(x)
    alpha, beta, a = _check_pade(alpha, beta, a)
    step_size = float(check_scalar(step_size, "step_size", minimum=0.0, include_min=False))
    n_sweeps = check_int(n_sweeps, "n_sweeps", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    rng = random.Random(seed)
    walkers = x.tolist()
    logs = [_loop_log_psi(w, alpha, beta, a) for w in walkers]
    accepted = sum(_loop_sweep(walkers, logs, alpha, beta, a, step_size, rng) for _ in range(n_sweeps))
    return np.array(walkers), accepted / (n_sweeps * len(walkers))


# ----------------------------------------------------------------------------------------------
# precision
# ----------------------------------------------------------------------------------------------


def recursive_sum(x) -> float:
    """The sum of ``x`` added one number at a time, in the precision of ``x`` (float32 stays
    float32): ``np.add.accumulate``, unlike ``np.sum``, which adds in pairs."""
    x = as_float_array(x, "x", ndim=1, dtype=None, nonempty=True)
    return float(np.add.accumulate(x)[-1])


def summation_bound(x, dtype: str = "float32") -> float:
    r"""Bound on the rounding error of adding the numbers ``x`` in ``dtype``, in any order:

    .. math:: \Big|\hat s - \sum_i x_i\Big| \le n\,\epsilon_\mathrm{M}\sum_i |x_i| ,

    with :math:`\epsilon_\mathrm M = 2u` the machine precision of ``dtype``. It follows
    from Higham's :math:`\gamma_{n-1}\sum_i|x_i|`, :math:`\gamma_m = mu/(1 - mu)`, which is
    below :math:`2(n-1)u` while :math:`nu \le 1/2` (checked).
    """
    x = as_float_array(x, "x", ndim=1, nonempty=True)
    check_choice(dtype, "dtype", tuple(UNIT_ROUNDOFF))
    u, n = UNIT_ROUNDOFF[dtype], x.size
    if n * u > 0.5:
        raise ValueError(f"x: n = {n} numbers are too many for the bound in {dtype} (n u must be <= 1/2)")
    return float(n * 2.0 * u * np.sum(np.abs(x)))


# ----------------------------------------------------------------------------------------------
# profiles
# ----------------------------------------------------------------------------------------------


def cprofile_top(func: Callable[[], object], n: int = 5) -> list[tuple[str, int, float, float]]:
    """Run ``func()`` under ``cProfile``; the ``n`` functions with the most own time.

    Rows ``(function, calls, own seconds, cumulative seconds)``: *own* time excludes the
    functions it calls, *cumulative* includes them.
    """
    check_callable(func, "func")
    n = check_int(n, "n", minimum=1)
    profiler = cProfile.Profile()
    profiler.runcall(func)
    stats = pstats.Stats(profiler).stats
    rows = []
    for (filename, line, name), (_, calls, own, cumulative, _) in stats.items():
        where = name if filename == "~" else f"{Path(filename).name}:{line}({name})"
        rows.append((where, int(calls), float(own), float(cumulative)))
    rows.sort(key=lambda r: -r[2])
    return rows[:n]


@contextlib.contextmanager
def _stderr_dropped():
    """Send what C++ code writes to file descriptor 2 to /dev/null for a block: the profiler's
    library (kineto) logs a line to stderr at every start and stop of a profile."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def torch_profile_top(
    step: Callable[[], object], n: int = 5, n_steps: int = 5, device="cpu"
) -> list[tuple[str, int, float, float]]:
    """Run ``step()`` ``n_steps`` times under ``torch.profiler``; the ``n`` operators with the
    most own time (on the CPU, or on the GPU for ``device="cuda"``).

    Rows ``(operator, calls, own seconds, total seconds)`` summed over the steps. One
    warm-up step runs first, outside the profile.
    """
    import torch
    from torch.profiler import ProfilerActivity, profile

    check_callable(step, "step")
    n = check_int(n, "n", minimum=1)
    n_steps = check_int(n_steps, "n_steps", minimum=1)
    dev = as_device(device, "device")
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if dev.type == "cuda" else [])
    step()
    with _stderr_dropped(), profile(activities=activities) as prof:
        for _ in range(n_steps):
            step()
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)
    own, total = (
        ("self_device_time_total", "device_time_total")
        if dev.type == "cuda"
        else ("self_cpu_time_total", "cpu_time_total")
    )
    events = sorted(prof.key_averages(), key=lambda e: -getattr(e, own))
    return [(e.key, int(e.count), getattr(e, own) * 1e-6, getattr(e, total) * 1e-6) for e in events[:n]]


# ----------------------------------------------------------------------------------------------
# VMC walkers on one and on several processes
# ----------------------------------------------------------------------------------------------

#: The quantum dot the timings sample (omega = 1, 2D, Pade-Jastrow near its optimum).
VMC_ALPHA, VMC_BETA, VMC_STEP = 0.5, 0.4, 1.2


def _vmc_iteration(n_local: int, n_steps: int, entropy: list, comm=None) -> Callable[[], object]:
    """One VMC iteration as a function: ``vmc.measure`` (``n_steps`` moves of the ``n_local``
    walkers, their local energies and gradient sums, and one all-reduce of the sums when
    ``comm`` is an MPI communicator). The walkers are thermalised and the iteration warmed up
    once here; each call continues from the walkers of the last."""
    from . import vmc

    ham = vmc.HarmonicTrap(1.0, coulomb=True)
    wf = vmc.PadeJastrow(VMC_ALPHA, VMC_BETA)
    sampler = vmc.Metropolis(VMC_STEP)
    rng = np.random.default_rng(entropy)
    walkers = sampler.init_walkers(wf, n_local, rng)
    for _ in range(20):  # thermalise
        sampler._step(wf, walkers, rng)

    def iteration():
        return vmc.measure(ham, wf, sampler, walkers, n_steps, rng, comm=comm)

    iteration()  # warm-up
    return iteration


def vmc_iteration_timing(n_walkers: int, n_steps: int = 16, repeats: int = 7, seed: int = 0) -> Timing:
    """Time one VMC iteration of ``n_walkers`` walkers in this process (see :func:`mpi_scaling`)."""
    n_walkers = check_int(n_walkers, "n_walkers", minimum=1)
    n_steps = check_int(n_steps, "n_steps", minimum=16)
    repeats = check_int(repeats, "repeats", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    iteration = _vmc_iteration(n_walkers, n_steps, [seed, 0])
    seconds = np.empty(repeats)
    for r in range(repeats):
        start = time.perf_counter()
        iteration()
        seconds[r] = time.perf_counter() - start
    return Timing(seconds, 1)


def _idle_barrier(comm) -> None:
    """A barrier that sleeps while it waits (``MPI_Barrier`` spins and would occupy a core)."""
    request = comm.Ibarrier()
    while not request.Test():
        time.sleep(1e-4)


def _allreduce_times(comm, repeats: int) -> dict:
    """Seconds per ``Allreduce`` (sum) of ``ALLREDUCE_SIZES`` float64 numbers, on every rank."""
    from mpi4py import MPI

    out = {}
    for m in ALLREDUCE_SIZES:
        send, recv = np.ones(m), np.empty(m)
        number = max(1, min(200, 400_000 // m))  # the same on every rank: calls must match
        for _ in range(2):
            comm.Allreduce(send, recv, op=MPI.SUM)
        times = []
        for _ in range(repeats):
            comm.Barrier()
            start = time.perf_counter()
            for _ in range(number):
                comm.Allreduce(send, recv, op=MPI.SUM)
            times.append((time.perf_counter() - start) / number)
        out[str(8 * m)] = times
    return out


def _mpi_worker(spec: dict) -> dict | None:
    """Under ``mpiexec``: the VMC iteration on rank 0 alone (the others sleeping), then on all
    ranks (strong and weak scaling), interleaved repeat by repeat so that a change of the
    machine's load affects all of them alike; then the all-reduce times."""
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    n, steps, repeats, seed = spec["n_walkers"], spec["n_steps"], spec["repeats"], spec["seed"]
    local = n // size + (1 if rank < n % size else 0)
    together = {
        "strong": _vmc_iteration(local, steps, [seed, 1, rank], comm),
        "weak": _vmc_iteration(n, steps, [seed, 2, rank], comm),
    }
    alone_sizes = [("one", n)] + [(str(m), m) for m in spec["sizes"]]
    alone = {key: _vmc_iteration(m, steps, [seed, 0, m]) for key, m in alone_sizes} if rank == 0 else {}
    times: dict = {key: [] for key in [*together, *(k for k, _ in alone_sizes)]}
    for _ in range(repeats):
        for key, _ in alone_sizes:
            comm.Barrier()
            if rank == 0:
                start = time.perf_counter()
                alone[key]()
                times[key].append(time.perf_counter() - start)
            _idle_barrier(comm)
        for key, iteration in together.items():
            comm.Barrier()
            start = time.perf_counter()
            iteration()
            comm.Barrier()
            times[key].append(time.perf_counter() - start)
    allreduce = _allreduce_times(comm, repeats) if size > 1 else {}
    if rank != 0:
        return None
    sizes = {key: times[key] for key, _ in alone_sizes[1:]}
    return {
        "ranks": size,
        "one": times["one"],
        "strong": times["strong"],
        "weak": times["weak"],
        "sizes": sizes,
        "allreduce": allreduce,
    }


def find_mpiexec() -> str | None:
    """The ``mpiexec`` beside this Python (the ``mpich`` wheel) or on the ``PATH``; None if neither."""
    here = shutil.which("mpiexec", path=str(Path(sys.executable).parent))
    return here or shutil.which("mpiexec")


def mpi_scaling(
    ranks: int = 2,
    n_walkers: int = 4096,
    n_steps: int = 16,
    repeats: int = 7,
    seed: int = 0,
    timeout: float = 300.0,
    sizes=(),
) -> dict:
    """Time VMC iterations on one and on ``ranks`` MPI processes, in one launch
    (``mpiexec -n ranks python -m physml.hpc``), one thread per rank.

    Each iteration is ``vmc.measure``: ``n_steps`` Metropolis moves of the walkers, their
    local energies and sums, and (on several ranks) one ``Allreduce`` of the sums.

    * ``"one"``: ``n_walkers`` walkers on rank 0 alone, while the other ranks sleep (the
      one-process baseline, measured in the same processes);
    * ``"sizes"``: rank 0 alone with each walker count of ``sizes`` (for a fit of the cost
      per walker);
    * ``"strong"``: ``n_walkers`` walkers in total, split over the ranks;
    * ``"weak"``: ``n_walkers`` on every rank.

    The four are interleaved repeat by repeat, so that a change of the machine's load (other
    processes) affects them alike. With more than one rank, the time of an ``Allreduce`` of
    ``ALLREDUCE_SIZES`` float64 numbers is measured afterwards.

    Returns ``{"ranks", "one", "strong", "weak", "sizes", "allreduce", "launch_seconds"}``:
    :class:`Timing` objects (seconds per iteration, keyed by walkers for ``sizes``, or per
    all-reduce keyed by message bytes) and the wall time of the whole launch (start-up
    included).
    """
    ranks = check_int(ranks, "ranks", minimum=1, maximum=4096)
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, (list, tuple)):
        raise TypeError(f"sizes must be a list of walker counts, got {type(sizes).__name__}")
    spec = {
        "n_walkers": check_int(n_walkers, "n_walkers", minimum=ranks),
        "n_steps": check_int(n_steps, "n_steps", minimum=16),
        "repeats": check_int(repeats, "repeats", minimum=1),
        "seed": check_int(seed, "seed", minimum=0),
        "sizes": [check_int(m, f"sizes[{i}]", minimum=1) for i, m in enumerate(sizes)],
    }
    timeout = float(check_scalar(timeout, "timeout", minimum=0.0, include_min=False, maximum=86400.0))
    mpiexec = find_mpiexec()
    if mpiexec is None:
        raise RuntimeError(
            "mpi_scaling needs mpiexec; it comes with the mpich wheel (pip install -r requirements.txt)"
        )
    env = {k: v for k, v in os.environ.items() if k not in ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE")}
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", PHYSML_QUIET="1")
    package_root = str(Path(__file__).resolve().parent.parent)  # physml importable from anywhere
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    with tempfile.TemporaryDirectory(prefix="physml-mpi-") as tmp:
        output = Path(tmp) / "result.json"
        command = [mpiexec, "-n", str(ranks), sys.executable, "-m", "physml.hpc"]
        command += ["--spec", json.dumps(spec), "--output", str(output)]
        start = time.perf_counter()
        try:
            proc = subprocess.run(command, env=env, cwd=tmp, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise TimeoutError(
                f"mpi_scaling: {ranks} ranks did not finish within timeout={timeout:g} s"
            ) from None
        launch = time.perf_counter() - start
        if proc.returncode != 0 or not output.exists():
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
            raise RuntimeError(f"mpi_scaling: mpiexec exited with status {proc.returncode}:\n{tail}")
        raw = json.loads(output.read_text())
    return {
        "ranks": raw["ranks"],
        "one": Timing(np.array(raw["one"]), 1),
        "strong": Timing(np.array(raw["strong"]), 1),
        "weak": Timing(np.array(raw["weak"]), 1),
        "sizes": {int(k): Timing(np.array(v), 1) for k, v in raw["sizes"].items()},
        "allreduce": {int(k): Timing(np.array(v), 1) for k, v in raw["allreduce"].items()},
        "launch_seconds": launch,
    }


def _main(argv: list[str] | None = None) -> int:
    """``mpiexec -n P python -m physml.hpc --spec JSON --output PATH``: one rank of :func:`mpi_scaling`."""
    parser = argparse.ArgumentParser(prog="python -m physml.hpc", description=_main.__doc__)
    parser.add_argument("--spec", required=True)
    parser.add_argument("--output", required=True)
    args = parser.parse_args(argv)
    check_string(args.output, "output")
    result = _mpi_worker(json.loads(args.spec))
    if result is not None:
        Path(args.output).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(_main())
