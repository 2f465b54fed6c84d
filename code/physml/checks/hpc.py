"""Reference checks of "Fast and parallel ML codes".

No check asserts a time: timings change with the machine and its load, and the page shows
them with their spread. What is checked can fail for a reason other than a slow machine:

* the fit of Amdahl's law recovers the serial fraction of a synthetic workload whose
  serial fraction is known, within its error bar;
* a float32 sum and a float32 matrix product stay within their rounding bounds, against
  exactly rounded references (``math.fsum``, float64 products of the same float32 numbers);
* the vectorised log psi of ``physml.vmc`` equals the Python loop of ``physml.hpc``;
* the two-process DistributedDataParallel run ends with the parameters of the
  one-process run (same global batch).

The runs themselves are in ``physml.studies.hpc``.
"""

from __future__ import annotations

import numpy as np

from .. import hpc
from ..experiment import current
from ..studies import hpc as study
from ..validation import reference_check

#: The synthetic workload: serial fraction, one-process time (s), process counts, repeats,
#: and the relative Gaussian noise of each timed repeat.
SYNTHETIC = {"serial_fraction": 0.08, "t1": 2.0, "processes": (1, 2, 4, 8), "repeats": 7, "noise": 0.02}
#: Relative agreement of the DDP and single-process parameters (float64): see ddp-equals-single.
DDP_RTOL = 1e-10
#: Agreement of the vectorised log psi with the loop (float64 rounding of numbers of order 10).
LOOP_TOL = 1e-12


def synthetic_times(seed: int = 2026) -> tuple[np.ndarray, np.ndarray]:
    """Times of a workload that follows Amdahl's law exactly, with 2 % Gaussian noise per repeat."""
    s, t1 = SYNTHETIC["serial_fraction"], SYNTHETIC["t1"]
    p = np.array(SYNTHETIC["processes"], dtype=float)
    exact = t1 * (s + (1 - s) / p)
    noise = np.random.default_rng(seed).standard_normal((len(p), SYNTHETIC["repeats"]))
    return p, exact[:, None] * (1 + SYNTHETIC["noise"] * noise)


def precision_study(short: bool = False) -> dict:
    return study.precision_run(current(study.precision_run, short))


def ddp_study(short: bool = False) -> dict:
    return study.ddp_run(current(study.ddp_run, short))


@reference_check(
    "hpc.amdahl-synthetic",
    chapter="hpc",
    description="The Amdahl fit recovers the serial fraction 0.08 of a synthetic workload within its error",
    reference_source="the serial fraction of the synthetic times (1, 2, 4, 8 processes, 2 % noise)",
    kind="stat",
    k=3.0,
    reference_kind="exact",
    tolerance_from="sigma",
    why="3 standard errors of the fitted serial fraction, propagated from the spread of the repeats",
)
def _amdahl_synthetic():
    p, times = synthetic_times()
    fit = hpc.fit_serial_fraction(p, times)
    return fit.serial_fraction, fit.serial_fraction_error, SYNTHETIC["serial_fraction"]


@reference_check(
    "hpc.float32-sum-bound",
    chapter="hpc",
    description="A float32 sum added one number at a time stays within the bound n eps_M sum|x_i|",
    reference_source="math.fsum of the same float32 numbers (exactly rounded); Higham (2002), Sec. 4.2",
    kind="at_most",
    glued=("hpc-sum32-err",),
    reference_kind="exact",
    tolerance_from="bound",
    why="the rounding-error bound of recursive summation is a theorem; no tolerance",
)
def _sum_bound(short: bool):
    run = precision_study(short)
    return run["sum32_error"], run["sum32_bound"]


@reference_check(
    "hpc.float32-matmul-bound",
    chapter="hpc",
    description="Each entry of a float32 matrix product is within gamma_n (|A||B|)_ij of the exact one",
    reference_source="float64 product of the same float32 matrices; Higham (2002), Sec. 3.5",
    kind="at_most",
    glued=("hpc-matmul32-ratio",),
    reference_kind="exact",
    tolerance_from="bound",
    why="|fl(AB) - AB| <= gamma_n |A||B| holds for any order of the sums; no tolerance",
)
def _matmul_bound(short: bool):
    run = precision_study(short)
    return run["matmul32_ratio"], run["matmul32_gamma"]


@reference_check(
    "hpc.loop-equals-vectorised",
    chapter="hpc",
    description="log psi of vmc.PadeJastrow (vectorised) equals the Python loop hpc.loop_log_psi",
    reference_source="hpc.loop_log_psi: one walker, particle and coordinate at a time, 1000 walkers",
    kind="abs",
    tolerance=LOOP_TOL,
    reference_kind="exact",
    tolerance_from="bound",
    why="the same formula in float64 in another order: a few roundings of numbers of order 10, about 1e-14",
)
def _loop_vectorised():
    from .. import vmc

    x = np.random.default_rng(7).standard_normal((1000, 2, 2)) * 1.5
    wf = vmc.PadeJastrow(hpc.VMC_ALPHA, hpc.VMC_BETA)
    return wf.log_psi(x), hpc.loop_log_psi(x, hpc.VMC_ALPHA, hpc.VMC_BETA)


@reference_check(
    "hpc.ddp-equals-single",
    chapter="hpc",
    description="Two DDP processes end with the one-process parameters (relative difference, float64)",
    reference_source="physml.distributed.train_single: the same run in one process, the whole batch "
    "(short: 20 steps, batch 64)",
    kind="abs",
    tolerance=DDP_RTOL,
    glued=("hpc-ddp-diff",),
    reference_kind="exact",
    tolerance_from="bound",
    why="order of sums only: T eta B u (1 + eta)^T < 2e-11 (T=100, eta=0.05, B=256); float32 gives ~1e-7",
)
def _ddp(short: bool):
    return ddp_study(short)["relative_difference"], 0.0
