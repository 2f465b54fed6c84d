"""Data-parallel training on 1 and 2 processes: time per step, strong and weak scaling.

    .venv/bin/python benchmarks/ddp_scaling.py [--quick] [--repeats 7] [--json PATH]

What is timed. The training loop of ``physml.distributed`` (the chapter on fast and parallel
ML codes): SGD steps of a d-M-M-1 tanh network on generated regression data, float64, on
the CPU. Four ways of running the same global batch:

* ``single``: ``train_single`` in this process (one thread, no torch.distributed);
* ``ddp P=1``: ``torchrun`` with one worker and DistributedDataParallel (its bookkeeping and
  a one-process all-reduce, no communication);
* ``ddp P=2``: two workers, each on half of every global batch, gradients averaged by DDP's
  bucketed all-reduce (gloo, overlapped with the backward pass);
* ``manual P=2``: the same with ``allreduce_mean_gradients`` (one all-reduce per parameter
  tensor after the backward pass, nothing overlapped).

Every worker and this process run one thread (OMP_NUM_THREADS=1, set before torch is
imported), so P processes use P cores. Each launch runs the loop ``--repeats`` + 1 times in
the same processes and the first run (warm-up: connections, allocations) is dropped; a
repeat's time per step is the loop's wall time over its steps. The time to start a launch
(Python and torch in every process, the rendezvous) is printed separately: it is paid once
per run, not per step.

The problems. "small" (M = 32, B = 64) and "book" (M = 128, B = 256, the chapter's DDPRun
defaults) are steps of about a millisecond, dominated by fixed costs per operation, where
a second process mostly adds communication; "large" (M = 512, B = 1024) is dominated by
matrix products. Strong scaling keeps the global batch B: speedup S = t1 / t2, efficiency
S / 2. Weak scaling keeps B/P per process: the P = 2 run of B is compared with the P = 1
run of B/2, efficiency t1(B/2) / t2(B). The all-reduce time is measured in the two-process
job on a buffer the size of all the gradients (mean of 20 calls per repeat).

What it prints. Per problem and mode the median time per step and the spread (interquartile
range / median, and min to max over the repeats); speedups and efficiencies with an error
from the two spreads (sigma ~ IQR / 1.35, combined in quadrature); the all-reduce time per
step and its share of the two-process step. ``_build/bench/ddp_scaling.json`` keeps every
repeat. The script prints and writes; it asserts no speed. Other processes on the machine
change the numbers: the load average at the start and end is printed.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"  # before torch is imported: one thread, as in every worker

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import torch  # noqa: E402

from physml import distributed  # noqa: E402
from physml.distributed import DDPRun  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_JSON = REPO / "_build" / "bench" / "ddp_scaling.json"
TIMEOUT = 600.0  # seconds for one launch

#: name -> (settings of the strong-scaling run, steps of the --quick run)
PROBLEMS = {
    "small": (DDPRun(n_samples=4096, width=32, global_batch=64, steps=200), 50),
    "book": (DDPRun(steps=200), 50),
    "large": (DDPRun(n_samples=4096, width=512, global_batch=1024, steps=12), 4),
}


def spread(values: list[float]) -> dict:
    """Median, quartiles, IQR / median, min and max of a list of times."""
    if len(values) < 2:
        v = values[0]
        return {"median": v, "q1": v, "q3": v, "rel_iqr": 0.0, "min": v, "max": v}
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return {
        "median": median,
        "q1": q1,
        "q3": q3,
        "rel_iqr": (q3 - q1) / median,
        "min": min(values),
        "max": max(values),
    }


def per_step(seconds: list[float], steps: int) -> list[float]:
    return [s / steps for s in seconds[1:]]  # the first run is the warm-up


def time_single(cfg: DDPRun, repeats: int) -> list[float]:
    return per_step([distributed.train_single(cfg)["seconds"] for _ in range(repeats + 1)], cfg.steps)


def time_launch(cfg: DDPRun, world_size: int, repeats: int) -> dict:
    modes = ("ddp", "manual") if world_size > 1 else ("ddp",)
    start = time.perf_counter()
    results = distributed._launch(cfg, world_size, modes, TIMEOUT, repeats=repeats + 1)
    wall = time.perf_counter() - start
    out = {mode: per_step(r["repeat_seconds"], cfg.steps) for mode, r in results.items()}
    first = next(iter(results.values()))
    loops = sum(sum(r["repeat_seconds"]) for r in results.values())
    out["startup_seconds"] = wall - loops  # launch, imports, rendezvous, data (and the all-reduce timing)
    out["allreduce"] = (first.get("allreduce_seconds") or [])[1:] if world_size > 1 else []
    return out


def ratio(a: dict, b: dict) -> tuple[float, float]:
    """a_median / b_median and its error from the two spreads (sigma ~ IQR / 1.35, in quadrature)."""
    r = a["median"] / b["median"]
    return r, r * math.hypot(a["rel_iqr"], b["rel_iqr"]) / 1.35


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3f}" if seconds < 0.1 else f"{seconds * 1e3:.1f}"


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]
    print(f"\n{title}")
    print("  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        print("  ".join(str(c).rjust(w) for c, w in zip(row, widths, strict=True)))


def run_problem(name: str, cfg: DDPRun, repeats: int) -> dict:
    weak_cfg = cfg.replace(global_batch=cfg.global_batch // 2)
    n_params = sum(p.numel() for p in distributed.make_model(cfg).parameters())
    record = {"settings": cfg.as_dict(), "n_params": n_params}
    record["single"] = time_single(cfg, repeats)
    p1 = time_launch(cfg, 1, repeats)
    p2 = time_launch(cfg, 2, repeats)
    weak1 = time_launch(weak_cfg, 1, repeats)
    record.update(
        {
            "ddp_p1": p1["ddp"],
            "ddp_p2": p2["ddp"],
            "manual_p2": p2["manual"],
            "ddp_p1_half_batch": weak1["ddp"],
            "allreduce_seconds": p2["allreduce"],
            "startup_seconds": {"p1": p1["startup_seconds"], "p2": p2["startup_seconds"]},
        }
    )
    return record


def summarise(name: str, rec: dict) -> dict:
    s = {key: spread(rec[key]) for key in ("single", "ddp_p1", "ddp_p2", "manual_p2", "ddp_p1_half_batch")}
    strong, strong_err = ratio(s["ddp_p1"], s["ddp_p2"])
    weak, weak_err = ratio(s["ddp_p1_half_batch"], s["ddp_p2"])
    comm = spread(rec["allreduce_seconds"]) if rec["allreduce_seconds"] else None
    return {
        "spreads": s,
        "strong_speedup": strong,
        "strong_speedup_error": strong_err,
        "strong_efficiency": strong / 2,
        "strong_efficiency_error": strong_err / 2,
        "weak_efficiency": weak,
        "weak_efficiency_error": weak_err,
        "allreduce": comm,
        "allreduce_share": comm["median"] / s["ddp_p2"]["median"] if comm else None,
    }


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "torch_threads": torch.get_num_threads(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps, 3 repeats (it runs)")
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats per configuration (>= 7)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write every repeat")
    args = parser.parse_args()
    repeats = 3 if args.quick else max(7, args.repeats)
    load_start = os.getloadavg()
    start = time.perf_counter()
    records, summaries = {}, {}
    for name, (cfg, quick_steps) in PROBLEMS.items():
        if args.quick:
            cfg = cfg.replace(steps=quick_steps)
        records[name] = run_problem(name, cfg, repeats)
        summaries[name] = summarise(name, records[name])
    load_end = os.getloadavg()

    print(
        f"physml.distributed, float64, 1 thread per process; {repeats} repeats per configuration "
        f"(median; spread = IQR/median, min-max); load average {load_start[0]:.2f} -> {load_end[0]:.2f} "
        f"on {os.cpu_count()} CPUs"
    )
    rows = []
    for name, rec in records.items():
        cfg, s = rec["settings"], summaries[name]["spreads"]
        label = f"{name} (M={cfg['width']}, B={cfg['global_batch']}, {rec['n_params']} params)"
        for key, mode in (
            ("single", "single"),
            ("ddp_p1", "ddp P=1"),
            ("ddp_p2", "ddp P=2"),
            ("manual_p2", "manual P=2"),
            ("ddp_p1_half_batch", "ddp P=1, B/2"),
        ):
            v = s[key]
            rows.append(
                [
                    label,
                    mode,
                    fmt_ms(v["median"]),
                    f"{100 * v['rel_iqr']:.1f}%",
                    f"{fmt_ms(v['min'])}-{fmt_ms(v['max'])}",
                ]
            )
            label = ""
    print_table("Time per step [ms]", ["problem", "mode", "median", "spread", "min-max"], rows)

    rows = []
    for name, sm in summaries.items():
        comm = sm["allreduce"]
        rows.append(
            [
                name,
                f"{sm['strong_speedup']:.2f} ± {sm['strong_speedup_error']:.2f}",
                f"{sm['strong_efficiency']:.2f} ± {sm['strong_efficiency_error']:.2f}",
                f"{sm['weak_efficiency']:.2f} ± {sm['weak_efficiency_error']:.2f}",
                f"{fmt_ms(comm['median'])} ({100 * comm['rel_iqr']:.0f}%)" if comm else "-",
                f"{100 * sm['allreduce_share']:.0f}%" if comm else "-",
            ]
        )
    print_table(
        "Scaling from 1 to 2 processes (DDP)",
        ["problem", "speedup t1/t2", "strong eff.", "weak eff.", "all-reduce [ms]", "of P=2 step"],
        rows,
    )
    rows = [
        [name, f"{rec['startup_seconds']['p1']:.1f}", f"{rec['startup_seconds']['p2']:.1f}"]
        for name, rec in records.items()
    ]
    print_table("Start-up of a launch (outside the loop) [s]", ["problem", "P=1", "P=2"], rows)
    elapsed = time.perf_counter() - start
    print(f"\n(total {elapsed:.0f} s; every repeat in {args.json})")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                "quick": args.quick,
                "repeats": repeats,
                "load_average": {"start": load_start, "end": load_end},
                "machine": machine(),
                "records": records,
                "summaries": summaries,
            },
            indent=1,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
