"""Self-check answers for the exercises of "Fast and parallel ML codes" (``exercises/hpc.md``)."""

import numpy as np

from .. import hpc
from ..selfcheck import answer

# Settings of the exercises, shared with the exercise page.
AMDAHL_S, AMDAHL_P = 0.05, 64
HALF_EFFICIENCY_P = 512
GEMM_N, MATVEC_N = 1000, 1000
MACHINE_PEAK, MACHINE_BANDWIDTH = 50e9, 12.5e9  # FLOP/s and bytes/s of the exercise's machine
ALLREDUCE_PARAMS, ALLREDUCE_P = 25_000_000, 8  # float32 gradients, processes (GPUs)
ALLREDUCE_LATENCY, ALLREDUCE_BANDWIDTH = 10e-6, 100e9  # s per message, bytes/s
ONES_ADDED = 10**8


@answer(
    "hpc-amdahl-64",
    rtol=1e-6,
    hint="S(p) = 1 / (s + (1 - s)/p): the serial part does not shrink, the rest is divided by p.",
)
def _amdahl():
    return float(hpc.amdahl_speedup(AMDAHL_P, AMDAHL_S))


@answer(
    "hpc-gustafson-64",
    rtol=1e-6,
    hint="Gustafson: s is the serial share of the run on p processes; one process would need s + (1 - s) p.",
)
def _gustafson():
    return float(hpc.gustafson_speedup(AMDAHL_P, AMDAHL_S))


@answer(
    "hpc-serial-for-half",
    rtol=1e-6,
    hint="Solve 1 / (1 + (p - 1) s) = 1/2 for s.",
)
def _half():
    return 1.0 / (HALF_EFFICIENCY_P - 1)


@answer(
    "hpc-intensity-gemm",
    rtol=1e-6,
    hint="F = 2 n^3 FLOP; at least three n x n matrices of 8-byte numbers are read or written.",
)
def _gemm():
    flops, nbytes = hpc.matmul_cost(GEMM_N, GEMM_N, GEMM_N, 8)
    return flops / nbytes


@answer(
    "hpc-intensity-matvec",
    rtol=1e-6,
    hint="F = 2 n^2; the bytes are the matrix, the vector and the result, 8 bytes each number.",
)
def _matvec():
    flops, nbytes = hpc.matmul_cost(MATVEC_N, MATVEC_N, 1, 8)
    return flops / nbytes


@answer(
    "hpc-matvec-attainable",
    rtol=1e-6,
    hint="Below the ridge point P / beta the attainable rate is I beta; give it in GFLOP/s.",
)
def _attainable():
    flops, nbytes = hpc.matmul_cost(MATVEC_N, MATVEC_N, 1, 8)
    return float(hpc.roofline(flops / nbytes, MACHINE_PEAK, MACHINE_BANDWIDTH)) / 1e9


@answer(
    "hpc-allreduce-8",
    rtol=1e-6,
    hint="T = 2 (p - 1) alpha + 2 (p - 1)/p n / beta with n the bytes of the gradient (4 per "
    "parameter); give it in milliseconds.",
)
def _allreduce():
    n_bytes = 4.0 * ALLREDUCE_PARAMS
    t = hpc.ring_allreduce_time(ALLREDUCE_P, n_bytes, ALLREDUCE_LATENCY, ALLREDUCE_BANDWIDTH)
    return float(t) * 1e3


@answer(
    "hpc-float32-ones",
    rtol=0,
    atol=0.5,
    hint="Once the sum reaches 2^24, 1 is half a unit in the last place of the sum: "
    "round-to-nearest-even keeps the sum.",
)
def _ones():
    # the sum stalls at the first float32 s for which s + 1 rounds back to s: s = 2^(p), p the
    # significand bits (23 stored + 1 implicit); add ones one at a time from just below it
    stall = 2.0 ** (np.finfo(np.float32).nmant + 1)
    sums = np.add.accumulate(np.array([stall - 4.0] + [1.0] * 10, dtype=np.float32))
    return float(min(sums[-1], ONES_ADDED))
