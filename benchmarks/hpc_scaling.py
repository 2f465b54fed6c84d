"""The measured figures of the chapter "Fast and parallel ML codes", with their spread.

    .venv/bin/python benchmarks/hpc_scaling.py [--quick] [--repeats 15] [--json PATH]

What is measured (the chapter's studies, ``physml.studies.hpc``, with more repeats):

* the roofline of one core: the GEMM rate (n = 1024, float64) and the triad bandwidth, best
  and median of the repeats;
* the training step of physml's MLP (64-256-256-10, float64, one thread) over batch sizes:
  the median time per step, its GFLOP/s against the GEMM peak, and the fit t = t0 + F/R;
* the VMC iteration (``vmc.measure`` of the quantum dot) on one process and on two MPI
  processes (``mpiexec -n 2``): strong and weak scaling efficiency, the serial fraction of
  Amdahl's law fitted to the times, and the all-reduce latency and bandwidth;
* the efficiency at 8, 64 and 512 processes, from Amdahl's law with the measured serial
  fraction (with its error) and from the model t0 + W/p + T_allreduce(p) of the chapter.

Every figure is printed as median (or fit) with its error: the error of a median comes from
the interquartile range of its repeats, that of a ratio from its parts in quadrature, that of
a fit from its covariance. The consistency checks at the end compare two figures with a
tolerance of three of their combined errors (so the tolerance comes from the measurement's
own spread, never from a speed written here) and print "consistent" or how many errors apart
the two are. Nothing is asserted: the script exits with status 0 whatever it measures
(``make bench`` runs it; ``benchmarks/run_all.py`` fails only on a crash). Other processes on
the machine change the numbers: the load average at the start and end is printed.
``_build/bench/hpc_scaling.json`` keeps the figures.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one thread unless asked otherwise (the chapter's roofline of one core)
os.environ.setdefault("PHYSML_QUIET", "1")

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from physml import hpc  # noqa: E402
from physml.studies import hpc as study  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_JSON = REPO / "_build" / "bench" / "hpc_scaling.json"
K = 3.0  # a check's tolerance: K combined errors


def ratio_error(a: float, sa: float, b: float, sb: float) -> float:
    """Error of a / b from the errors of a and b (independent)."""
    return abs(a / b) * math.hypot(sa / a, sb / b)


def verdict(x: float, sx: float, y: float, sy: float, kind: str = "equal") -> tuple[str, float]:
    """'consistent' when x and y agree within K combined errors (kind 'equal'), or when x does
    not exceed y by more than that (kind 'at_most'); otherwise how many errors apart."""
    sigma = math.hypot(sx, sy)
    gap = (x - y) if kind == "at_most" else abs(x - y)
    n = gap / sigma if sigma > 0 else (math.inf if gap > 0 else 0.0)
    return ("consistent" if n <= K else f"NOT consistent ({n:.1f} errors apart)"), n


def model_efficiency(fixed, sf, work, sw, comm_bytes, latency, bandwidth, p) -> tuple[float, float]:
    """Strong-scaling efficiency of the model at p processes, with its error from those of the
    fixed cost and the work (by finite differences, independent errors)."""

    def e(f, w):
        return float(
            hpc.predict_scaling(
                [p], max(f, 0.0), max(w, 1e-12), comm_bytes, latency, bandwidth
            ).strong_efficiency[0]
        )

    value = e(fixed, work)
    d_f = e(fixed + sf, work) - value
    d_w = e(fixed, work + sw) - value
    return value, math.hypot(d_f, d_w)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the short configurations (to test the script)")
    parser.add_argument("--repeats", type=int, default=15, help="timed repeats of every measurement (>= 5)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args()
    if args.repeats < 5:
        parser.error("--repeats must be at least 5 (quartiles need them)")
    start = time.perf_counter()
    load_start = os.getloadavg()
    print(f"{os.cpu_count()} cores, load average {load_start[0]:.2f}; one thread per process")

    def settings(cls, **changes):
        cfg = cls.short() if args.quick else cls()
        return cfg.replace(repeats=args.repeats, **changes)

    # --- the roofline -------------------------------------------------------------------------
    roof = study.roofline_run(settings(study.RooflineRun))
    gemm, triad = roof["gemm"], roof["triad"]
    print("\nroofline of one core")
    print(
        f"  {gemm.name:<28} best {gemm.best_rate / 1e9:8.2f} GFLOP/s, median {gemm.rate / 1e9:8.2f} ± "
        f"{gemm.rate_error / 1e9:.2f} (spread {gemm.timing.relative_spread:.0%})"
    )
    print(
        f"  {triad.name:<28} best {triad.best_bandwidth / 1e9:8.2f} GB/s,    median "
        f"{triad.bandwidth / 1e9:8.2f} ± {triad.bandwidth_error / 1e9:.2f} "
        f"(spread {triad.timing.relative_spread:.0%})"
    )
    print(f"  ridge point {roof['peak'] / roof['bandwidth']:.2f} FLOP/byte")

    # --- the training step --------------------------------------------------------------------
    steps = study.step_cost_run(settings(study.StepCostRun))
    fit = steps["fit"]
    print("\ntraining step of physml's MLP (float64, one thread)")
    print(
        f"  {'batch':>6} {'MFLOP':>9} {'ms per step [quartiles]':>30} {'GFLOP/s':>16} {'of GEMM median':>15}"
    )
    rows = []
    cfg_steps = settings(study.StepCostRun)
    for b, flops, t in zip(cfg_steps.batches, steps["flops"], steps["timings"], strict=True):
        r, sr = flops / t.median, flops / t.median * t.error / t.median
        share, sshare = r / gemm.rate, ratio_error(r, sr, gemm.rate, gemm.rate_error)
        rows.append(
            {
                "batch": b,
                "flops": flops,
                "median": t.median,
                "q1": t.low,
                "q3": t.high,
                "gflops": r / 1e9,
                "gflops_error": sr / 1e9,
                "of_peak": share,
                "of_peak_error": sshare,
            }
        )
        quart = f"{1e3 * t.median:.3f} [{1e3 * t.low:.3f}, {1e3 * t.high:.3f}]"
        print(
            f"  {b:>6} {flops / 1e6:>9.2f} {quart:>30} {r / 1e9:>8.2f} ± {sr / 1e9:<5.2f} "
            f"{share:>7.1%} ± {sshare:.1%}"
        )
    print(
        f"  fit t = t0 + F/R: t0 = {1e3 * fit.t0:.3f} ± {1e3 * fit.t0_error:.3f} ms, "
        f"R = {fit.rate / 1e9:.2f} ± {fit.rate_error / 1e9:.2f} GFLOP/s, "
        f"F* = {fit.crossover / 1e6:.3g} MFLOP "
        f"(chi2 {fit.chi2:.1f} for {fit.dof} dof)"
    )

    # --- scaling on 1 and 2 processes ------------------------------------------------------------
    cfg_sc = settings(study.ScalingRun)
    sc = study.scaling_run(cfg_sc)
    par, amdahl, cost = sc["parallel"], sc["amdahl"], sc["cost"]
    print(
        f"\nVMC iteration ({cfg_sc.n_steps} Metropolis steps, {cfg_sc.n_walkers} walkers), "
        f"1 and {cfg_sc.ranks} MPI processes"
    )
    for label, t in (
        ("1 process", sc["one"]),
        (f"strong, {cfg_sc.ranks}", par["strong"]),
        (f"weak, {cfg_sc.ranks}", par["weak"]),
    ):
        print(f"  {label:<12} {1e3 * t.median:9.3f} ms [{1e3 * t.low:.3f}, {1e3 * t.high:.3f}]")
    print(
        f"  strong-scaling efficiency {sc['strong_efficiency']:.3f} ± {sc['strong_efficiency_error']:.3f}, "
        f"weak {sc['weak_efficiency']:.3f} ± {sc['weak_efficiency_error']:.3f}"
    )
    print(f"  Amdahl's serial fraction s = {amdahl.serial_fraction:.3f} ± {amdahl.serial_fraction_error:.3f}")
    print(
        f"  one-process fit t = t0 + n c: t0 = {1e3 * cost.t0:.3f} ± {1e3 * cost.t0_error:.3f} ms, "
        f"1/c = {cost.rate:.3g} ± {cost.rate_error:.2g} walkers/s"
    )
    print(
        f"  all-reduce between 2 processes: latency {1e6 * sc['latency']:.2f} us, "
        f"bandwidth {sc['bandwidth'] / 1e9:.2f} GB/s"
    )

    # --- the model ------------------------------------------------------------------------------
    work = cfg_sc.n_walkers / cost.rate
    work_error = work * cost.rate_error / cost.rate
    link = (sc["vmc_bytes"], sc["latency"], sc["bandwidth"])
    s_clip = min(max(amdahl.serial_fraction, 0.0), 1.0)
    print(
        "\nmodelled scaling: strong efficiency (Amdahl with the measured s, and the model t0 + W/p + T_ar),"
        "\nweak T(1)/T(p) of the model, scaled speed-up per process (Gustafson with the measured s, model)"
    )
    header = ["p", "Amdahl E", "model E", "weak T1/Tp", "Gustafson S/p", "model S/p"]
    print(f"  {header[0]:>5} {header[1]:>16} {header[2]:>16} {header[3]:>11} {header[4]:>14} {header[5]:>10}")
    predictions = []
    model = hpc.predict_scaling(cfg_sc.model_processes, max(cost.t0, 0.0), work, *link)
    for k, p in enumerate(cfg_sc.model_processes):
        ea, sea = amdahl.efficiency(p).item(), amdahl.efficiency_error(p).item()
        em, sem = model_efficiency(cost.t0, cost.t0_error, work, work_error, *link, p)
        eg = hpc.gustafson_efficiency(p, s_clip).item()
        weak, scaled = float(model.weak_efficiency[k]), float(model.scaled_speedup[k]) / p
        predictions.append(
            {
                "p": p,
                "amdahl": ea,
                "amdahl_error": sea,
                "model_strong": em,
                "model_strong_error": sem,
                "model_weak": weak,
                "gustafson_per_process": eg,
                "model_scaled_per_process": scaled,
            }
        )
        print(
            f"  {p:>5} {ea:>8.3f} ± {sea:<5.3f} {em:>8.3f} ± {sem:<5.3f} "
            f"{weak:>11.3f} {eg:>14.3f} {scaled:>10.3f}"
        )

    # --- consistency checks ------------------------------------------------------------------------
    print(f"\nconsistency checks (tolerance: {K:g} combined errors of the measurements)")
    checks = []
    biggest = rows[-1]
    checks.append(
        (
            "step GFLOP/s at the largest batch <= GEMM peak (best)",
            *verdict(biggest["gflops"], biggest["gflops_error"], roof["peak"] / 1e9, 0.0, "at_most"),
        )
    )
    e2, se2 = model_efficiency(cost.t0, cost.t0_error, work, work_error, *link, cfg_sc.ranks)
    checks.append(
        (
            f"measured strong efficiency at {cfg_sc.ranks} = model's",
            *verdict(sc["strong_efficiency"], sc["strong_efficiency_error"], e2, se2),
        )
    )
    s_model = max(cost.t0, 0.0) / (max(cost.t0, 0.0) + work)
    s_model_error = ratio_error(
        max(cost.t0, 1e-12), cost.t0_error, cost.t0 + work, math.hypot(cost.t0_error, work_error)
    )
    checks.append(
        (
            "Amdahl's s from the times = the model's t0 / (t0 + W)",
            *verdict(amdahl.serial_fraction, amdahl.serial_fraction_error, s_model, s_model_error),
        )
    )
    checks.append(
        (
            "weak-scaling efficiency <= 1",
            *verdict(sc["weak_efficiency"], sc["weak_efficiency_error"], 1.0, 0.0, "at_most"),
        )
    )
    for text, result, _ in checks:
        print(f"  {text:<58} {result}")
    elapsed = time.perf_counter() - start
    load_end = os.getloadavg()
    print(
        f"\nthe measurements took {elapsed:.0f} s; load average at the end {load_end[0]:.2f}. "
        "Nothing is asserted: the checks say whether the figures agree within their own spread."
    )

    report = {
        "benchmark": "hpc_scaling",
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "repeats": args.repeats,
        "cores": os.cpu_count(),
        "load_average": {"start": load_start, "end": load_end},
        "gemm": {
            "best_gflops": gemm.best_rate / 1e9,
            "median_gflops": gemm.rate / 1e9,
            "error": gemm.rate_error / 1e9,
            "seconds": gemm.timing.seconds.tolist(),
        },
        "triad": {
            "best_gbs": triad.best_bandwidth / 1e9,
            "median_gbs": triad.bandwidth / 1e9,
            "error": triad.bandwidth_error / 1e9,
            "seconds": triad.timing.seconds.tolist(),
        },
        "steps": rows,
        "step_model": fit._asdict(),
        "scaling": {
            "one": sc["one"].seconds.tolist(),
            "strong": par["strong"].seconds.tolist(),
            "weak": par["weak"].seconds.tolist(),
            "strong_efficiency": [sc["strong_efficiency"], sc["strong_efficiency_error"]],
            "weak_efficiency": [sc["weak_efficiency"], sc["weak_efficiency_error"]],
            "amdahl": amdahl._asdict(),
            "latency": sc["latency"],
            "bandwidth": sc["bandwidth"],
        },
        "predictions": predictions,
        "checks": [{"check": t, "result": r, "errors_apart": n} for t, r, n in checks],
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1, default=float))
    print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
