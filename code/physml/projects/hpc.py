r"""Project path *High-performance computing*: make a Monte Carlo/ML code fast, then parallel.

The page ``projects/hpc.md`` (label ``project-hpc``) sets the project; it builds on the
chapters *Variational Monte Carlo* (the local energy and the sampler that the project
speeds up; ``physml.vmc``'s vectorised Metropolis sampler is about 50 times faster than a
Python loop, ``benchmarks/vmc_sampler.py``) and *PyTorch* (devices, float32 and float64).
This module gives the group

* the kernels and inputs: :func:`loop_local_energy`, a straightforward Python loop for the
  local energy of :math:`N` electrons in a harmonic trap with a Gaussian times
  Padé–Jastrow trial function, the version to vectorise; :func:`walker_positions`, seeded
  inputs for it; :func:`trap_energy_draws`, independent Monte Carlo draws whose mean a
  parallel code must reproduce; :func:`amdahl_fit`, Amdahl's law fitted to a table of
  timings;
* the milestone checks, which take the group's own code and measurements:
  :func:`check_local_energy` (their vectorised function equals the loop to
  :math:`10^{-10}`), :func:`check_speedup` (their table of wall times against process
  counts is consistent: at least 3 repeats, times fall, efficiency at most 1 within the
  errors; it reports their serial fraction and the efficiency it predicts at 64
  processes) and :func:`check_parallel_mean` (their per-rank partial sums combine into
  the serial mean and standard error of the same draws);
* ``TEMPLATE``, what ``python -m physml.project new hpc <folder>`` writes.

A check says whether a milestone is reached and why; it never shows the reference value it
compares with.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .._validate import as_float_array, as_rng, check_callable, check_int, check_scalar
from . import Milestone, Template, milestone

__all__ = [
    "TOLERANCE",
    "CASES",
    "SERIAL_RTOL",
    "TEMPLATE",
    "loop_local_energy",
    "walker_positions",
    "trap_energy_draws",
    "TRAP_DRAWS_MEAN",
    "TRAP_DRAWS_VARIANCE",
    "AmdahlFit",
    "amdahl_fit",
    "amdahl_efficiency",
    "check_local_energy",
    "check_speedup",
    "check_parallel_mean",
]

#: A vectorised local energy passes when :math:`|E - E_{\mathrm{loop}}| \le` TOLERANCE
#: :math:`\max(1, |E_{\mathrm{loop}}|)` at every walker (float64 rounding is ~1e-15).
TOLERANCE = 1e-10
#: The inputs of :func:`check_local_energy`: (walkers, particles, dims, alpha, beta, omega, a, seed).
CASES = (
    (300, 2, 2, 0.5, 0.4, 1.0, 1.0, 11),
    (150, 3, 2, 0.45, 0.3, 1.0, 1.0, 12),
    (150, 2, 3, 0.55, 0.5, 1.0, 0.5, 13),
    (60, 5, 3, 0.4, 0.25, 0.5, 0.5, 14),
)
#: Relative agreement required between a combined parallel estimate and the serial one on
#: the same draws (summation order changes the last digits only).
SERIAL_RTOL = 1e-10
#: The Gaussian width parameter of :func:`trap_energy_draws` (the exact ground state has 0.5).
_TRAP_ALPHA = 0.4
#: Mean and variance of :func:`trap_energy_draws` (:math:`\omega = 1`, :math:`\alpha = 0.4`).
TRAP_DRAWS_MEAN = 6 * _TRAP_ALPHA + (0.5 - 2 * _TRAP_ALPHA**2) * 6 / (4 * _TRAP_ALPHA)
TRAP_DRAWS_VARIANCE = (0.5 - 2 * _TRAP_ALPHA**2) ** 2 * 12 / (4 * _TRAP_ALPHA) ** 2


# --- the kernels and inputs ----------------------------------------------------------------


def _check_dot_parameters(alpha, beta, omega, a) -> tuple[float, float, float, float]:
    alpha = float(check_scalar(alpha, "alpha", minimum=0.0, include_min=False))
    beta = float(check_scalar(beta, "beta", minimum=0.0))
    omega = float(check_scalar(omega, "omega", minimum=0.0, include_min=False))
    a = float(check_scalar(a, "a"))
    return alpha, beta, omega, a


def _loop_local_energy(x: list, alpha: float, beta: float, omega: float, a: float) -> list[float]:
    """The loop itself, on nested lists (walker, particle, coordinate)."""
    energies = []
    for walker in x:
        n, d = len(walker), len(walker[0])
        kinetic = potential = 0.0
        for k in range(n):
            grad = [-2.0 * alpha * c for c in walker[k]]
            lap = -2.0 * alpha * d
            for j in range(n):
                if j == k:
                    continue
                diff = [walker[k][c] - walker[j][c] for c in range(d)]
                r = math.sqrt(sum(v * v for v in diff))
                q = 1.0 / (1.0 + beta * r)
                du = a * q * q  # u'(r)
                d2u = -2.0 * a * beta * q * q * q  # u''(r)
                for c in range(d):
                    grad[c] += du * diff[c] / r
                lap += d2u + (d - 1) * du / r
                if j > k:
                    potential += 1.0 / r
            kinetic -= 0.5 * (lap + sum(g * g for g in grad))
            potential += 0.5 * omega * omega * sum(c * c for c in walker[k])
        energies.append(kinetic + potential)
    return energies


def loop_local_energy(x, alpha: float, beta: float, omega: float = 1.0, a: float = 1.0) -> np.ndarray:
    r"""The local energy :math:`E_L = H\psi_T/\psi_T` of every walker, by Python loops.

    ``x`` has the shape ``(walkers, particles, dims)``. The Hamiltonian is that of
    :math:`N` electrons in the trap :math:`\tfrac12\omega^2 r^2` with Coulomb repulsion,
    the trial function :math:`\log\psi_T = -\alpha\sum_k r_k^2 + \sum_{i<j} u(r_{ij})`,
    :math:`u(r) = ar/(1 + \beta r)` (chapter *Variational Monte Carlo*), so that

    .. math::

        E_L = \sum_k\Big[-\tfrac12\big(\nabla_k^2\log\psi_T + |\nabla_k\log\psi_T|^2\big)
        + \tfrac12\omega^2 r_k^2\Big] + \sum_{i<j}\frac1{r_{ij}},

    with :math:`\nabla_k\log\psi_T = -2\alpha\boldsymbol r_k + \sum_{j\ne k}u'(r_{kj})
    \boldsymbol r_{kj}/r_{kj}` and :math:`\nabla_k^2\log\psi_T = -2\alpha d +
    \sum_{j\ne k}[u''(r_{kj}) + (d-1)u'(r_{kj})/r_{kj}]`. One walker, one particle, one
    coordinate at a time: the version the project page *High-performance computing* asks
    the group to vectorise, and the reference of :func:`check_local_energy`.
    """
    arr = as_float_array(x, "x", ndim=3)
    if 0 in arr.shape:
        raise ValueError(f"x must have shape (walkers, particles, dims) with none of them 0, got {arr.shape}")
    alpha, beta, omega, a = _check_dot_parameters(alpha, beta, omega, a)
    return np.array(_loop_local_energy(arr.tolist(), alpha, beta, omega, a))


def walker_positions(n_walkers: int, n_particles: int = 2, dims: int = 2, seed=0) -> np.ndarray:
    r"""Positions of ``n_walkers`` walkers, shape ``(n_walkers, n_particles, dims)``.

    Every coordinate is drawn from :math:`\mathcal N(0, 0.8^2)` (about the size of the
    trapped electrons' density at :math:`\omega = 1`), seeded: the inputs on which
    :func:`check_local_energy` compares a vectorised local energy with the loop.
    """
    n_walkers = check_int(n_walkers, "n_walkers", minimum=1)
    n_particles = check_int(n_particles, "n_particles", minimum=1)
    dims = check_int(dims, "dims", minimum=1)
    return 0.8 * as_rng(seed).standard_normal((n_walkers, n_particles, dims))


def trap_energy_draws(n: int, seed=0) -> np.ndarray:
    r"""``n`` independent Monte Carlo draws of a local energy, the data of a parallel mean.

    Two particles in the three-dimensional harmonic trap :math:`\omega = 1` (no interaction)
    with the Gaussian trial function :math:`\psi_T = e^{-\alpha(r_1^2 + r_2^2)}`,
    :math:`\alpha = 0.4` (not the exact :math:`\omega/2`), are sampled exactly from
    :math:`|\psi_T|^2` (each of the six coordinates :math:`\mathcal N(0, 1/(4\alpha))`); each
    draw is the local energy

    .. math:: E_L = 6\alpha + \big(\tfrac12\omega^2 - 2\alpha^2\big)(r_1^2 + r_2^2).

    Its mean is the variational energy :math:`6\alpha + (\tfrac12\omega^2 - 2\alpha^2)\,
    \tfrac{6}{4\alpha} = 3.075` (``TRAP_DRAWS_MEAN``, above the exact 3), its variance
    :math:`(\tfrac12\omega^2 - 2\alpha^2)^2\,\tfrac{12}{(4\alpha)^2} = 0.151875`
    (``TRAP_DRAWS_VARIANCE``). Page *High-performance computing*.
    """
    n = check_int(n, "n", minimum=1)
    r = as_rng(seed).standard_normal((n, 6)) * math.sqrt(1.0 / (4.0 * _TRAP_ALPHA))
    return 6.0 * _TRAP_ALPHA + (0.5 - 2.0 * _TRAP_ALPHA**2) * np.einsum("wk,wk->w", r, r)


# --- Amdahl's law ----------------------------------------------------------------------------


class AmdahlFit(NamedTuple):
    """Amdahl's law fitted to a table of wall times: ``T(p) = T1 (s + (1 - s)/p)``."""

    serial_fraction: float
    serial_fraction_error: float
    t1: float
    t1_error: float
    chi2: float
    dof: int


def _timing_table(processes, times) -> tuple[np.ndarray, np.ndarray]:
    p = as_float_array(processes, "processes", ndim=1, nonempty=True)
    if np.any(p != np.round(p)) or np.any(p < 1):
        raise ValueError("processes must hold whole numbers >= 1 (process or thread counts)")
    if np.unique(p).size != p.size:
        raise ValueError("processes must not hold a count twice (put the repeats in the rows of times)")
    t = as_float_array(times, "times", ndim=2)
    if t.shape[0] != p.size or t.shape[1] == 0:
        raise ValueError(
            "times must have one row of repeats per entry of processes, shape "
            f"({p.size}, repeats), got {t.shape}"
        )
    if np.any(t <= 0):
        raise ValueError("times must be positive wall times in seconds")
    order = np.argsort(p)
    return p[order], t[order]


def _means(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean wall time per row and its standard error (floored at 1e-9 of the mean)."""
    mean = t.mean(axis=1)
    err = t.std(axis=1, ddof=1) / np.sqrt(t.shape[1]) if t.shape[1] > 1 else np.zeros_like(mean)
    return mean, np.maximum(err, 1e-9 * mean)


def amdahl_fit(processes, times) -> AmdahlFit:
    r"""Fit Amdahl's law :math:`T(p) = T_1\,(s + (1 - s)/p)` to wall times.

    ``times[k]`` holds the repeated wall times (seconds) of the same total work on
    ``processes[k]`` processes (strong scaling). The model is linear in
    :math:`c_0 = T_1 s` and :math:`c_1 = T_1(1 - s)`, :math:`T(p) = c_0 + c_1/p`; it is fitted
    to the mean times by weighted least squares with the standard errors of the means
    :math:`\sigma_k` (from the repeats), :math:`\mathrm{Cov}(c) = (X^TWX)^{-1}`,
    :math:`W = \mathrm{diag}(\sigma_k^{-2})`. Then :math:`s = c_0/(c_0 + c_1)`,
    :math:`T_1 = c_0 + c_1`, with errors by linear propagation; ``chi2`` and ``dof`` (counts
    minus 2) say whether the law describes the table. Page *High-performance computing*.
    """
    p, t = _timing_table(processes, times)
    if p.size < 2:
        raise ValueError("processes must hold at least 2 different counts to fit Amdahl's law")
    return _amdahl_fit(p, t)


def _amdahl_fit(p: np.ndarray, t: np.ndarray) -> AmdahlFit:
    mean, err = _means(t)
    X = np.column_stack([np.ones_like(p), 1.0 / p])
    W = 1.0 / err**2
    cov = np.linalg.inv(X.T @ (W[:, None] * X))
    c = cov @ (X.T @ (W * mean))
    total = c[0] + c[1]
    grad_s = np.array([c[1], -c[0]]) / total**2
    s_err = float(np.sqrt(grad_s @ cov @ grad_s))
    t1_err = float(np.sqrt(np.ones(2) @ cov @ np.ones(2)))
    chi2 = float(np.sum(W * (mean - X @ c) ** 2))
    return AmdahlFit(float(c[0] / total), s_err, float(total), t1_err, chi2, int(p.size - 2))


def amdahl_efficiency(p, serial_fraction: float) -> np.ndarray:
    r"""Parallel efficiency predicted by Amdahl's law, :math:`E(p) = S(p)/p = 1/(ps + 1 - s)`.

    :math:`S(p) = 1/(s + (1 - s)/p)` is the speed-up on :math:`p` processes of a code whose
    fraction :math:`s` of the serial run time does not parallelise (page *High-performance
    computing*).
    """
    p = as_float_array(p, "p", nonempty=True)
    if np.any(p < 1):
        raise ValueError("p must hold process counts >= 1")
    s = check_scalar(serial_fraction, "serial_fraction", minimum=0.0, maximum=1.0)
    return 1.0 / (p * s + 1.0 - s)


# --- the milestone checks --------------------------------------------------------------------


def _as_numpy(value):
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    return value


def check_local_energy(local_energy: Callable) -> Milestone:
    r"""Milestone: the group's vectorised local energy equals the loop version to :math:`10^{-10}`.

    ``local_energy(x, alpha, beta, omega, a)`` is their function: ``x`` of shape
    ``(walkers, particles, dims)``, float64, and the parameters of :func:`loop_local_energy`;
    it returns the local energies, shape ``(walkers,)``. The check calls it on the inputs
    ``CASES`` (2 to 5 particles, 2 and 3 dimensions, :func:`walker_positions`) and the
    milestone is reached when :math:`|E - E_{\mathrm{loop}}| \le 10^{-10}\max(1, |E_{\mathrm{loop}}|)`
    at every walker of every case. It also times their function against the loop on
    2,000 walkers of the two-electron dot (best of 5; the speed-up is shown, not judged).
    """
    check_callable(local_energy, "local_energy", "a function local_energy(x, alpha, beta, omega, a)")
    name = "your vectorised local energy"
    worst, worst_case, failure = 0.0, "", None
    for walkers, n, d, alpha, beta, omega, a, seed in CASES:
        x = walker_positions(walkers, n, d, seed)
        label = f"{n} particles in {d} dimensions"
        try:
            out = _as_numpy(local_energy(x.copy(), alpha, beta, omega, a))
            out = np.asarray(out, dtype=float)
        except Exception as err:  # the group's code: report, do not crash the test run
            failure = f"local_energy raised {type(err).__name__}: {err} (case: {label})"
            break
        if out.shape != (walkers,):
            failure = f"local_energy must return shape (walkers,) = ({walkers},), got {out.shape} ({label})"
            break
        if not np.all(np.isfinite(out)):
            failure = f"local_energy returned NaN or inf ({label})"
            break
        ref = np.array(_loop_local_energy(x.tolist(), alpha, beta, omega, a))
        dev = float(np.max(np.abs(out - ref) / np.maximum(1.0, np.abs(ref))))
        if dev > worst:
            worst, worst_case = dev, label
    if failure is None and worst > TOLERANCE:
        failure = (
            f"differs from the loop by up to {worst:.3g} (relative, for {worst_case}); it must "
            f"agree to {TOLERANCE:g}. Check the pair sums (each pair once in the Coulomb term, "
            "both orders in the gradient and Laplacian), the (d - 1) u'/r term, and compute in "
            "float64 (float32 rounds at 1e-7)"
        )
    details = {"largest_relative_deviation": worst, "cases": str(len(CASES))}
    if failure is None:
        details["speed-up_over_the_loop"] = _speed_up(local_energy)
    return milestone(
        name,
        failure is None,
        f"equals the loop version to {TOLERANCE:g} on every walker of every case.",
        failure or "",
        **details,
    )


def _speed_up(local_energy: Callable) -> str:
    x = walker_positions(2000, 2, 2, seed=5)
    lists = x.tolist()
    t = time.perf_counter()
    _loop_local_energy(lists, 0.5, 0.4, 1.0, 1.0)
    loop = time.perf_counter() - t
    best = math.inf
    for _ in range(5):
        t = time.perf_counter()
        local_energy(x, 0.5, 0.4, 1.0, 1.0)
        best = min(best, time.perf_counter() - t)
    return f"{loop / max(best, 1e-9):.3g}x (2,000 walkers, 2 particles, 2D)"


def check_speedup(processes, times) -> Milestone:
    r"""Milestone: the group's table of wall times against process counts is consistent.

    ``processes`` are the process (or thread) counts :math:`p`, one of them 1, and
    ``times[k]`` the repeated wall times in seconds of the same total work on
    ``processes[k]`` (shape ``(counts, repeats)``). With the mean times :math:`\bar T_p`,
    their standard errors :math:`\sigma_p` and the efficiency
    :math:`E(p) = \bar T_1/(p\bar T_p)` (error by propagation), the milestone is reached when

    * every count has at least 3 repeats;
    * the times fall: :math:`\bar T` at the largest :math:`p` is below :math:`\bar T_1`, and
      no step to a larger :math:`p` raises :math:`\bar T` by more than 2 standard errors;
    * :math:`E(p) - 2\sigma_E \le 1` at every :math:`p` (no super-linear speed-up beyond the
      errors).

    It reports the group's serial fraction :math:`s` of :func:`amdahl_fit` with its error
    and the efficiency Amdahl's law predicts at 64 processes, :math:`1/(64s + 1 - s)`.
    """
    p, t = _timing_table(processes, times)
    name = "your speed-up table"
    if p.size < 2 or p[0] != 1:
        return milestone(
            name,
            False,
            "",
            "measure at least two process counts, one of them 1 (the serial time T_1 is the "
            "reference of the speed-up).",
            counts=str(p.size),
        )
    mean, err = _means(t)
    problems = []
    if t.shape[1] < 3:
        problems.append(f"repeat every measurement at least 3 times (got {t.shape[1]}) for an error bar")
    if not mean[-1] < mean[0]:
        problems.append(
            f"the time on {int(p[-1])} processes is not below the serial time (is the work really "
            "split between processes, and is the machine idle? Other programs take the other cores: "
            "check uptime and measure again)"
        )
    rises = [
        f"{int(p[k])} -> {int(p[k + 1])}"
        for k in range(p.size - 1)
        if mean[k + 1] - mean[k] > 2.0 * math.hypot(err[k], err[k + 1])
    ]
    if rises:
        problems.append(f"the time rises beyond its errors from {', '.join(rises)} processes")
    eff = mean[0] / (p * mean)
    eff_err = eff * np.sqrt((err[0] / mean[0]) ** 2 + (err / mean) ** 2)
    eff_err[0] = 0.0
    super_linear = [int(q) for q, e, s in zip(p, eff, eff_err, strict=True) if e - 2.0 * s > 1.0]
    if t.shape[1] < 2:
        super_linear = []  # no error bars: only the missing repeats are reported
    if super_linear:
        problems.append(
            f"efficiency above 1 beyond its errors at p = {super_linear}: time the same total work "
            "for every p, include the start-up of the processes or none of them, and warm up "
            "(caches, imports) first"
        )
    details = {
        "processes": ", ".join(str(int(q)) for q in p),
        "mean_times_s": ", ".join(f"{m:.4g}" for m in mean),
        "speed-ups": ", ".join(f"{mean[0] / m:.3g}" for m in mean),
    }
    if t.shape[1] < 2:
        details["efficiencies"] = ", ".join(f"{e:.3g}" for e in eff) + " (no error bars from one repeat)"
    else:
        fit = _amdahl_fit(p, t)
        s, s_err = fit.serial_fraction, fit.serial_fraction_error
        e64 = 1.0 / (64 * s + 1 - s)
        e64_err = 63 * e64**2 * s_err
        pairs = zip(eff, eff_err, strict=True)
        details["efficiencies"] = ", ".join(f"{e:.3g} +- {de:.2g}" for e, de in pairs)
        details["your_serial_fraction_s"] = f"{s:.3g} +- {s_err:.2g}"
        details["Amdahl_efficiency_at_64_processes"] = f"{e64:.3g} +- {e64_err:.2g}"
        if fit.dof > 0:
            details["chi2_per_dof_of_the_Amdahl_fit"] = f"{fit.chi2 / fit.dof:.3g}"
    return milestone(
        name,
        not problems,
        "consistent: at least 3 repeats per count, times fall, efficiency at most 1 within the errors.",
        "; ".join(problems) + ".",
        **details,
    )


def check_parallel_mean(
    mean: float, error: float, sums, sums_of_squares, counts, n_draws: int, seed
) -> Milestone:
    r"""Milestone: the group's parallel reduction reproduces the serial Monte Carlo estimate.

    The draws are ``trap_energy_draws(n_draws, seed)``; each rank :math:`r` took a share of
    them (every draw exactly once) and computed its partial sums :math:`S_r = \sum f_i`,
    :math:`Q_r = \sum f_i^2` and count :math:`n_r`, passed as ``sums``, ``sums_of_squares``
    and ``counts`` (one entry per rank); ``mean`` and ``error`` are the group's combined
    estimate and standard error, e.g. after an all-reduce of :math:`(S_r, Q_r, n_r)`:

    .. math:: \bar f = \frac{\sum_r S_r}{\sum_r n_r},\qquad
        \sigma_{\bar f}^2 = \frac{1}{n}\,\frac{\sum_r Q_r - n\bar f^2}{n - 1}.

    The milestone is reached when the counts add up to ``n_draws``, the partial sums add up
    to the sums over the draws, and ``mean`` and ``error`` equal the serial mean and
    standard error of the same draws (``np.std`` with ddof 1 or 0, divided by
    :math:`\sqrt n`) to a relative ``SERIAL_RTOL`` = :math:`10^{-10}` (the error bar
    :math:`10^{-8}`: it loses digits to the cancellation in :math:`Q - n\bar f^2`).
    """
    mean = float(check_scalar(mean, "mean"))
    error = float(check_scalar(error, "error", minimum=0.0))
    s = as_float_array(sums, "sums", ndim=(0, 1)).reshape(-1)
    q = as_float_array(sums_of_squares, "sums_of_squares", ndim=(0, 1)).reshape(-1)
    c = as_float_array(counts, "counts", ndim=(0, 1)).reshape(-1)
    if s.size == 0:
        raise ValueError("sums must hold one partial sum per rank, got none")
    if q.shape != s.shape or c.shape != s.shape:
        raise ValueError(
            "sums, sums_of_squares and counts must hold one entry per rank, "
            f"got {s.size}, {q.size} and {c.size}"
        )
    if np.any(c < 0) or np.any(c != np.round(c)):
        raise ValueError("counts must hold whole numbers >= 0 (draws per rank)")
    if np.any(q < 0):
        raise ValueError("sums_of_squares must be non-negative")
    n_draws = check_int(n_draws, "n_draws", minimum=2)
    f = trap_energy_draws(n_draws, seed)
    name = "your parallel mean"
    details = {
        "ranks": str(s.size),
        "counts": ", ".join(str(int(k)) for k in c),
        "your_mean": mean,
        "your_standard_error": error,
    }
    problems = []
    if int(c.sum()) != n_draws:
        problems.append(
            f"the counts add up to {int(c.sum())}, not to the {n_draws} draws: "
            "every draw must be used exactly once"
        )
    elif not (
        abs(s.sum() - f.sum()) <= SERIAL_RTOL * np.abs(f).sum()
        and abs(q.sum() - (f * f).sum()) <= SERIAL_RTOL * (f * f).sum()
    ):
        problems.append(
            "the partial sums do not add up to the sums over the draws: give each rank its own share "
            "(np.array_split of the same draws) and sum f and f**2 over it"
        )
    serial = float(f.mean())
    if abs(mean - serial) > SERIAL_RTOL * abs(serial):
        rank_means = s[c > 0] / c[c > 0]
        if rank_means.size and abs(mean - rank_means.mean()) <= SERIAL_RTOL * abs(serial):
            problems.append("the mean is the average of the ranks' means: weight them by their counts")
        else:
            problems.append(
                "the combined mean is not the mean of the draws: reduce the sums and counts, then divide"
            )
    serial_errors = [float(f.std(ddof=ddof) / math.sqrt(n_draws)) for ddof in (1, 0)]
    if all(abs(error - e) > 1e-8 * e for e in serial_errors):
        hint = (
            "combine the sums of squares: sigma^2 = (Q - n mean^2) / (n (n - 1)) with Q, n summed over ranks"
        )
        if s.size > 1 and np.all(c > 1):
            rank_errors = np.sqrt((q - s * s / c) / (c - 1) / c)
            if abs(error - rank_errors.mean()) <= 1e-6 * error:
                hint = (
                    "the error is the average of the ranks' errors, which is about sqrt(ranks) too large: "
                    + hint
                )
        problems.append(f"the standard error is not that of the draws: {hint}")
    return milestone(
        name,
        not problems,
        "the combined mean and standard error equal the serial estimate on the same draws.",
        "; ".join(problems) + ".",
        **details,
    )


# --- the template ----------------------------------------------------------------------------

_SOLUTION = '''"""Your solution of the high-performance-computing project: a fast, parallel Monte Carlo code.

The milestone tests (tests/test_milestones.py) call these functions. Keep their names,
arguments and return values; write the code they need here or in your own modules.
Functions that run in other processes (multiprocessing.Pool.map) must be defined at the
top level of a module, as here.
"""

import numpy as np


def local_energy(x: np.ndarray, alpha: float, beta: float, omega: float = 1.0, a: float = 1.0) -> np.ndarray:
    """The local energy of every walker, vectorised (no Python loop over walkers).

    x has shape (walkers, particles, dims), float64. Same physics and arguments as
    physml.projects.hpc.loop_local_energy (Gaussian times Pade-Jastrow trial function,
    harmonic trap omega, Coulomb repulsion); return an array of shape (walkers,).
    """
    raise NotImplementedError("local_energy: vectorise loop_local_energy with NumPy")


def speedup_table() -> tuple[list[int], np.ndarray]:
    """Time the same total work on 1, 2, ... processes (or threads), each at least 3 times.

    Return (processes, times): processes a list of counts starting with 1, times an
    array of shape (len(processes), repeats) of wall times in seconds, measured by your
    code on this machine (e.g. your local energy of a fixed number of walkers, split
    between the processes of a multiprocessing.Pool or mpiexec ranks).
    """
    raise NotImplementedError("speedup_table: measure wall times")


def parallel_mean(n_draws: int, seed: int, n_ranks: int = 2):
    """Mean and standard error of physml.projects.hpc.trap_energy_draws(n_draws, seed), in parallel.

    Split the draws between n_ranks processes (every draw exactly once); each returns its
    partial sum of f, of f**2 and its count; combine them (an all-reduce). Return
    (mean, error, sums, sums_of_squares, counts), the last three one entry per rank.
    """
    raise NotImplementedError("parallel_mean: reduce partial sums across processes")
'''

_TESTS = '''"""The milestones of the high-performance-computing project: python -m pytest tests."""

import pytest

import solution
from physml.projects import hpc


def test_vectorised_local_energy_equals_the_loop():
    m = hpc.check_local_energy(solution.local_energy)
    assert m.passed, str(m)


@pytest.mark.timing
def test_speedup_table():
    processes, times = solution.speedup_table()
    m = hpc.check_speedup(processes, times)
    print(m)  # your serial fraction and the efficiency Amdahl predicts at 64 processes
    assert m.passed, str(m)


@pytest.mark.parametrize("n_ranks", [2, 3])
def test_parallel_mean_equals_the_serial_one(n_ranks):
    n_draws, seed = 100_003, 11
    mean, error, sums, squares, counts = solution.parallel_mean(n_draws, seed, n_ranks=n_ranks)
    m = hpc.check_parallel_mean(mean, error, sums, squares, counts, n_draws=n_draws, seed=seed)
    assert m.passed, str(m)
'''

TEMPLATE = Template(
    path="hpc",
    title="High-performance computing: a fast and parallel Monte Carlo code",
    question=(
        "Where does the time of a variational Monte Carlo code go, how much faster does it get "
        "by vectorisation, lower precision and parallel processes, and how far would it scale: "
        "what serial fraction do your measurements show, and what efficiency does Amdahl's law "
        "predict at 64 processes?"
    ),
    tasks=(
        "Profile the loop version of the local energy (physml.projects.hpc.loop_local_energy) "
        "and a Metropolis sampler built on it with cProfile; say where the time goes.",
        "Vectorise the local energy with NumPy over walkers and particle pairs; show that it "
        "equals the loop to 1e-10 and measure the speed-up against the number of walkers.",
        "Compare float32 with float64 (NumPy and PyTorch, CPU and, if you have one, GPU): "
        "speed, and the error of the energy estimate; when is float32 good enough?",
        "Parallelise: split the walkers between processes (multiprocessing or mpi4py with "
        "mpiexec -n 2), combine the partial sums with an all-reduce, and show that the mean "
        "and its error equal the serial ones on the same draws.",
        "Measure wall times on 1, 2, ... processes with repeats, fit Amdahl's law, give the "
        "serial fraction with its error and the predicted efficiency at 64 processes; then "
        "discuss weak scaling and data parallelism for training a network.",
    ),
    solution=_SOLUTION,
    tests=_TESTS,
)
