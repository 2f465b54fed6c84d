"""Time of one MLP training step: physml (NumPy) against PyTorch (CPU), one process per library.

    .venv/bin/python benchmarks/mlp_vs_torch.py [--quick] [--repeats 7] [--json PATH]

What is timed. One training step of the same network on the same data: forward pass,
softmax + cross-entropy cost, backward pass and an Adam update (learning rate 1e-3, default
betas and eps). The network is 64-W-W-10 with sigmoid (or ``--activation relu``) hidden
units, like the digits classifier of chapter "Feed-forward neural networks" (W = 100
there); the batch is B rows of standard-normal inputs with random class labels, the same
(seeded) batch at every step. physml runs the body of ``MLP.fit``'s inner loop
(``_forward``, ``_cost``, ``_backward``, ``Adam._step``); torch runs the idiomatic loop
(``zero_grad``, ``CrossEntropyLoss``, ``backward``, ``optimizer.step``, ``loss.item()``)
on a copy of the physml network (``physml.nn.torch_twin.to_torch``, same initial
weights), with three Adam implementations: the default (on CPU the per-parameter
for-loop), ``foreach=True`` and ``fused=True``. The costs of the first two steps of every
configuration are recorded: physml and torch must agree on them.

The sweep. Batch sizes B = 32 ... 4096 and widths W = 64, 256, 1024 (the ``--quick``
sweep is small), in float32 and float64, with 1 thread and with all the CPUs: from tiny
steps, where the fixed cost of every operation (Python, dispatch, allocation) dominates,
to steps dominated by matrix multiplication, which run at a sizeable fraction of the
machine's GEMM peak. Steps above 4 GFLOP (B = 2048 and 4096 at W = 1024) are left out:
they would take most of the run's time, and B = 512, W = 1024 and B = 4096, W = 256 are
already far into the matrix-product regime.

FLOP count of a step (matrix multiplications only), with M_0 = 64, M_1 = M_2 = W, M_3 = 10:

    F = 2B sum_{l=1..3} M_{l-1} M_l      forward,          Z^l = A^{l-1} W^l
      + 2B sum_{l=1..3} M_{l-1} M_l      weight gradients, (A^{l-1})^T Delta^l
      + 2B sum_{l=2..3} M_{l-1} M_l      input gradients,  Delta^l (W^l)^T (not for l = 1:
                                         the input needs no gradient)
      = 6B sum_l M_{l-1} M_l - 2B M_0 M_1.

Activations, softmax and Adam (O(B W + W^2) operations, not multiply-adds of a GEMM) are
not counted. GFLOP/s = F / (median time of a step); "% peak" divides it by the GEMM peak
of the same dtype and thread count, measured in the same run: the best rate of an
n x n matrix product (n = 2048) with NumPy's BLAS and with torch's, whichever is higher,
measured in every process before and after its sweep.

How it is measured. The driver (this script without ``--worker``) starts one subprocess
per (library, thread count), with OMP_NUM_THREADS, MKL_NUM_THREADS and
OPENBLAS_NUM_THREADS set before NumPy or torch is imported, and ``torch.set_num_threads``
equal to them: the two libraries' thread pools never share a process, and the physml
process does not import torch. Each configuration is warmed up for at least 0.2 s (the
two recorded steps included), then timed ``--repeats`` times (at least 7); a repeat runs
enough consecutive steps to last about 20 ms and gives the mean time of one of them.
``torch.compile`` (inductor, on the network; fused Adam) is tried on the smallest float32
step, where the fixed cost per step matters most, in its own process for each thread
count (skipped by ``--quick`` unless ``--compile`` is given); its outcome (compile time,
step time against eager mode in the same process, or the error) is printed and stored. A
warm inductor cache (from an earlier run) shortens the compile time.

What it prints. The GEMM peaks; the median time of a step with its spread (interquartile
range / median) and the time ratios; GFLOP/s and % peak; the time of the Adam update
alone; per implementation, the fixed cost t0 of a step and the FLOP count F* = t0 R above
which matrix products take most of a step's time (model t = t0 + F / R, R the best rate of
the sweep, see :func:`overhead_summary`); notes (loss agreement, fused Adam, torch.compile).
The JSON file ``_build/bench/mlp_vs_torch.json`` adds every repeat, the quartiles, min
and max, and a description of the machine (CPU model and flags, core count, load average
at the start and end, NumPy/torch versions, their BLAS and thread pools, git commit). The
script prints and writes; it asserts no speed. A full run takes a few minutes on two
idle cores. Other processes on the machine change the numbers: run it on an idle machine
and compare the load averages in the JSON file.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_JSON = REPO / "_build" / "bench" / "mlp_vs_torch.json"

N_IN, N_OUT = 64, 10
SEED = 2026
LEARNING_RATE = 1e-3
DTYPES = ("float32", "float64")
BATCHES = (32, 128, 512, 2048, 4096)
WIDTHS = (64, 256, 1024)
QUICK_BATCHES = (32, 512)
QUICK_WIDTHS = (64, 256)
MAX_STEP_FLOPS = 4e9  # larger steps (B >= 2048 at W = 1024) add run time, not information
# torch's Adam variants (keyword arguments of torch.optim.Adam); "torch" is the default
TORCH_ADAMS = {"torch": {}, "torch-foreach": {"foreach": True}, "torch-fused": {"fused": True}}
IMPLEMENTATIONS = ("physml", *TORCH_ADAMS)
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
WORKER_TIMEOUT = 1800  # seconds for one (library, thread count) sweep
COMPILE_TIMEOUT = 240  # seconds for one torch.compile trial (compiling, then timing)
RECORDED_STEPS = 2  # costs of the first steps, compared between the libraries
FLOP_FORMULA = "F = 6 B sum_l M_{l-1} M_l - 2 B M_0 M_1 (matrix products only; M = 64, W, W, 10)"
# column labels of the tables
LABELS = {"physml": "physml", "torch": "torch", "torch-foreach": "foreach", "torch-fused": "fused"}
RATIOS = (("physml", "torch"), ("physml", "torch-fused"), ("torch-fused", "torch"))  # time ratios shown


def layer_sizes(width: int) -> list[int]:
    return [N_IN, width, width, N_OUT]


def step_flops(batch: int, width: int) -> int:
    """Floating-point operations in the matrix products of one training step (see the docstring)."""
    sizes = layer_sizes(width)
    products = [m * n for m, n in zip(sizes[:-1], sizes[1:], strict=True)]
    return 2 * batch * (2 * sum(products) + sum(products[1:]))


# ==============================================================================================
# Worker: runs in a subprocess with its thread counts fixed by the environment
# ==============================================================================================


def batch_data(batch: int, dtype: str):
    """The batch every step of a configuration trains on: inputs and integer class labels."""
    import numpy as np

    rng = np.random.default_rng(SEED)
    X = rng.standard_normal((batch, N_IN)).astype(dtype)
    labels = rng.integers(0, N_OUT, size=batch)
    return X, labels


def physml_network(width: int, dtype: str, activation: str):
    from physml.nn import MLP

    init = "he" if activation == "relu" else "xavier"
    return MLP(layer_sizes(width), activation, "softmax", "cross_entropy", init=init, seed=SEED, dtype=dtype)


class PhysmlStep:
    """One training step of physml, as in the inner loop of ``MLP.fit``."""

    def __init__(self, batch: int, width: int, dtype: str, activation: str):
        from physml import optim

        self.model = physml_network(width, dtype, activation)
        X, labels = batch_data(batch, dtype)
        self.X, self.Y = X, self.model._check_targets(labels, batch)  # one-hot, once
        self.update = optim.Adam(LEARNING_RATE)._step
        self.optimizer_seconds = 0.0

    def __call__(self) -> float:
        model = self.model
        zs, activations = model._forward(self.X)
        loss = model._cost(activations[-1], self.Y)
        grads = model._backward(zs, activations, self.Y)
        start = time.perf_counter()
        self.update(model.params, grads)
        self.optimizer_seconds += time.perf_counter() - start
        return float(loss)


class TorchStep:
    """One training step of the torch copy of the physml network (same initial weights)."""

    def __init__(self, batch: int, width: int, dtype: str, activation: str, adam: dict, compile_net=False):
        import torch

        from physml.nn import torch_twin

        self.net = torch_twin.to_torch(physml_network(width, dtype, activation))
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=LEARNING_RATE, **adam)
        self.forward = torch.compile(self.net) if compile_net else self.net
        X, labels = batch_data(batch, dtype)
        self.X, self.labels = torch.from_numpy(X), torch.from_numpy(labels)
        self.loss_fn = torch.nn.CrossEntropyLoss()
        self.optimizer_seconds = 0.0

    def __call__(self) -> float:
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.forward(self.X), self.labels)
        loss.backward()
        start = time.perf_counter()
        self.optimizer.step()
        self.optimizer_seconds += time.perf_counter() - start
        return loss.item()


def time_steps(step, repeats: int, repeat_seconds: float, warmup_seconds: float) -> dict:
    """Warm up, then time ``repeats`` runs of consecutive steps; seconds per step of each run."""
    start = time.perf_counter()
    first_losses = [step() for _ in range(RECORDED_STEPS)]  # also the start of the warm-up
    n, warm_start = 0, time.perf_counter()
    while time.perf_counter() - start < warmup_seconds:
        step()
        n += 1
    per_step = (time.perf_counter() - warm_start) / n if n else (warm_start - start) / RECORDED_STEPS
    steps_per_repeat = max(1, round(repeat_seconds / per_step))
    times, optimizer_times = [], []
    for _ in range(repeats):
        step.optimizer_seconds = 0.0
        start = time.perf_counter()
        for _ in range(steps_per_repeat):
            step()
        times.append((time.perf_counter() - start) / steps_per_repeat)
        optimizer_times.append(step.optimizer_seconds / steps_per_repeat)
    return {
        "first_losses": first_losses,
        "steps_per_repeat": steps_per_repeat,
        "seconds": times,
        "optimizer_seconds": optimizer_times,
        **spread(times),
        "optimizer_median": statistics.median(optimizer_times),
    }


def spread(times: list[float]) -> dict:
    q1, median, q3 = statistics.quantiles(times, n=4, method="inclusive")
    return {"median": median, "q1": q1, "q3": q3, "min": min(times), "max": max(times)}


def gemm_peak(library: str, dtype: str, n: int, repeats: int) -> dict:
    """Rate of an ``n x n`` matrix product (2 n^3 FLOP) with NumPy's or torch's BLAS (best of ``repeats``)."""
    import numpy as np

    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n)).astype(dtype) for _ in range(2))
    out = np.empty_like(a)
    if library == "physml":

        def product():
            np.matmul(a, b, out=out)

    else:
        import torch

        ta, tb, tout = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(out)

        def product():
            torch.mm(ta, tb, out=tout)

    product()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        product()
        times.append(time.perf_counter() - start)
    flops = 2 * n**3
    return {
        "blas": "numpy" if library == "physml" else "torch",
        "dtype": dtype,
        "n": n,
        "seconds": times,
        "gflops": flops / min(times) / 1e9,
        "median_gflops": flops / statistics.median(times) / 1e9,
    }


def thread_report(threads: int, library: str) -> dict:
    """The thread pools as this process sees them (threadpoolctl, and torch's own setting)."""
    from threadpoolctl import threadpool_info

    pools = threadpool_info()
    report = {
        "requested": threads,
        "pools": pools,
        "environment": {v: os.environ.get(v) for v in THREAD_VARIABLES},
    }
    counts = [p["num_threads"] for p in pools]
    if library != "physml":
        import torch

        report["torch_num_threads"] = torch.get_num_threads()
        report["torch_num_interop_threads"] = torch.get_num_interop_threads()
        counts.append(torch.get_num_threads())
    report["all_equal"] = all(c == threads for c in counts)
    return report


def torch_adams_available() -> dict:
    """Which Adam variants construct and step on CPU tensors: {name: None or the error}."""
    import torch

    status = {}
    for name, kwargs in TORCH_ADAMS.items():
        p = torch.nn.Parameter(torch.ones(3))
        try:
            opt = torch.optim.Adam([p], **kwargs)
            p.grad = torch.ones(3)
            opt.step()
            status[name] = None
        except Exception as error:  # report whatever this torch says
            status[name] = f"{type(error).__name__}: {error}"
    return status


def library_versions(library: str) -> dict:
    import numpy as np

    versions = {"numpy": np.__version__, "python": platform.python_version()}
    try:
        versions["numpy_blas"] = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    except Exception:  # older numpy
        pass
    if library != "physml":
        import torch

        versions["torch"] = torch.__version__
        versions["torch_config"] = torch.__config__.show()
        versions["torch_parallel_info"] = torch.__config__.parallel_info()
        try:
            from torch.optim.optimizer import _default_to_fused_or_foreach

            p = [torch.nn.Parameter(torch.ones(1))]
            fused, foreach = _default_to_fused_or_foreach(p, differentiable=False, use_fused=False)
            versions["torch_adam_default_on_cpu"] = "fused" if fused else "foreach" if foreach else "for-loop"
        except Exception:  # private helper; only informative
            pass
    return versions


def worker(spec: dict) -> dict:
    """Run the measurements of one (library, thread count): GEMM peak, then the sweep."""
    library, threads = spec["library"], spec["threads"]
    if library != "physml":
        import torch

        torch.set_num_threads(threads)
    result = {
        "library": library,
        "threads": thread_report(threads, library),
        "versions": library_versions(library),
        "started": time.time(),
    }
    timing = (spec["repeats"], spec["repeat_seconds"], spec["warmup_seconds"])
    if library == "torch-compile":
        result["compile"] = compile_trial(spec, timing)
    else:
        peaks = [gemm_peak(library, d, spec["peak_n"], spec["peak_repeats"]) for d in spec["dtypes"]]
        if library == "physml":
            variants = {"physml": None}
        else:
            result["adam_variants"] = available = torch_adams_available()
            variants = {name: kwargs for name, kwargs in TORCH_ADAMS.items() if available[name] is None}
        rows = []
        for dtype in spec["dtypes"]:
            for batch, width in spec["sizes"]:
                for name, adam in variants.items():
                    if name == "physml":
                        step = PhysmlStep(batch, width, dtype, spec["activation"])
                    else:
                        step = TorchStep(batch, width, dtype, spec["activation"], adam)
                    row = {"implementation": name, "dtype": dtype, "batch": batch, "width": width}
                    rows.append(row | time_steps(step, *timing))
        result["rows"] = rows
        # the peak again after the sweep: a busy moment at the start cannot lower it
        peaks += [gemm_peak(library, d, spec["peak_n"], spec["peak_repeats"]) for d in spec["dtypes"]]
        result["peaks"] = peaks
    result["elapsed"] = time.time() - result["started"]
    return result


def compile_trial(spec: dict, timing) -> dict:
    """``torch.compile`` of the network (fused Adam if available) against the same step in eager mode."""
    batch, width = spec["sizes"][0]
    dtype, activation = spec["dtypes"][0], spec["activation"]
    adam = {"fused": True} if torch_adams_available()["torch-fused"] is None else {}
    trial = {"dtype": dtype, "batch": batch, "width": width, "adam": adam, "backend": "inductor"}
    trial["eager"] = time_steps(TorchStep(batch, width, dtype, activation, adam), *timing)
    try:
        step = TorchStep(batch, width, dtype, activation, adam, compile_net=True)
        start = time.perf_counter()
        step()  # compiles the forward and backward graphs
        trial["compile_seconds"] = time.perf_counter() - start
        trial["compiled"] = time_steps(step, *timing)
        trial["status"] = "ok"
    except Exception as error:  # record why compilation failed here
        trial["status"] = "failed"
        trial["error"] = f"{type(error).__name__}: {str(error)[:2000]}"
    return trial


# ==============================================================================================
# Driver
# ==============================================================================================


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cpu_flags() -> list[str]:
    """SIMD features relevant to a GEMM peak, as /proc/cpuinfo lists them."""
    wanted = ("avx", "avx2", "fma", "avx512f", "avx512_bf16", "amx_tile")
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                return [f for f in wanted if f in flags]
    except OSError:
        pass
    return []


def git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def machine_description() -> dict:
    meminfo = {}
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            key, value = line.split(":", 1)
            meminfo[key] = value.strip()
    except OSError:
        pass
    return {
        "cpu_model": cpu_model(),
        "cpu_flags": cpu_flags(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory": meminfo.get("MemTotal"),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average_start": os.getloadavg(),
        "git_commit": git_commit(),
    }


def run_worker(spec: dict, timeout: float) -> dict:
    """Run :func:`worker` in a fresh interpreter with ``spec["threads"]`` threads everywhere."""
    threads = str(spec["threads"])
    env = os.environ | {"PHYSML_QUIET": "1"} | {v: threads for v in THREAD_VARIABLES}
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "result.json"
        command = [sys.executable, __file__, "--worker", json.dumps(spec), "--worker-output", str(output)]
        try:
            proc = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"library": spec["library"], "failed": f"no result within {timeout:.0f} s"}
        if proc.returncode != 0 or not output.exists():
            return {
                "library": spec["library"],
                "failed": f"exit status {proc.returncode}",
                "stderr": proc.stderr[-4000:],
            }
        return json.loads(output.read_text())


def thread_settings() -> list[int]:
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return [1] if n == 1 else [1, n]


def machine_peaks(workers: list[dict]) -> dict:
    """{(dtype, threads): {"numpy": best GFLOP/s, "torch": best GFLOP/s, "peak": the higher}}."""
    peaks: dict = {}
    for w in workers:
        for p in w.get("peaks", []):
            entry = peaks.setdefault((p["dtype"], w["threads"]["requested"]), {})
            entry[p["blas"]] = max(entry.get(p["blas"], 0.0), p["gflops"])
            entry["peak"] = max(entry.get("peak", 0.0), p["gflops"])
    return peaks


def collect_rows(workers: list[dict], peaks: dict) -> list[dict]:
    """Every measured step with its thread count, FLOP count, GFLOP/s and fraction of the peak."""
    rows = []
    for w in workers:
        threads = w["threads"]["requested"]
        for r in w.get("rows", []):
            flops = step_flops(r["batch"], r["width"])
            gflops = flops / r["median"] / 1e9
            peak = peaks[(r["dtype"], threads)]["peak"]
            rows.append(
                r | {"threads": threads, "flops": flops, "gflops": gflops, "fraction_of_peak": gflops / peak}
            )
    return rows


# ------------------------------------------------------------------------------ printing


def fmt_ms(seconds: float) -> str:
    ms = 1e3 * seconds
    return f"{ms:.3f}" if ms < 1 else f"{ms:.2f}" if ms < 100 else f"{ms:.1f}"


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    print(f"\n{title}")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)))


def by_configuration(rows: list[dict]) -> dict:
    """{(dtype, threads, batch, width): {implementation: row}}, in sweep order."""
    table: dict = {}
    for r in sorted(rows, key=lambda r: (r["dtype"], r["threads"], r["batch"], r["width"])):
        table.setdefault((r["dtype"], r["threads"], r["batch"], r["width"]), {})[r["implementation"]] = r
    return table


def print_peaks(peaks: dict) -> None:
    rows = [
        [
            dtype,
            str(threads),
            f"{p.get('numpy', math.nan):.1f}",
            f"{p.get('torch', math.nan):.1f}",
            f"{p['peak']:.1f}",
        ]
        for (dtype, threads), p in sorted(peaks.items())
    ]
    header = ["dtype", "threads", "numpy GFLOP/s", "torch GFLOP/s", "peak"]
    print_table("GEMM peak (best n x n matrix product in this run)", header, rows)


def median_ratio(impl: dict, a: str, b: str) -> str:
    """Median time of implementation ``a`` over that of ``b`` (``-`` when one is missing)."""
    return f"{impl[a]['median'] / impl[b]['median']:.2f}" if a in impl and b in impl else "-"


def print_times(table: dict, implementations: list[str]) -> None:
    rows = []
    for (dtype, threads, batch, width), impl in table.items():
        cells = []
        for name in implementations:
            r = impl.get(name)
            cells.append(
                f"{fmt_ms(r['median'])} ({100 * (r['q3'] - r['q1']) / r['median']:.0f}%)" if r else "-"
            )
        flops = step_flops(batch, width)
        rows.append(
            [dtype, str(threads), str(batch), str(width), f"{flops / 1e6:.3g}", *cells]
            + [median_ratio(impl, *pair) for pair in RATIOS]
        )
    header = ["dtype", "thr", "batch", "width", "MFLOP", *(f"{LABELS[n]} ms" for n in implementations)]
    header += [f"{LABELS[a]}/{LABELS[b]}" for a, b in RATIOS]
    print_table("Time per training step: median ms (interquartile range / median)", header, rows)


def print_throughput(table: dict, implementations: list[str]) -> None:
    rows = []
    for (dtype, threads, batch, width), impl in table.items():
        cells = []
        for name in implementations:
            r = impl.get(name)
            cells += [f"{r['gflops']:.2f}", f"{100 * r['fraction_of_peak']:.1f}"] if r else ["-", "-"]
        rows.append([dtype, str(threads), str(batch), str(width), *cells])
    header = ["dtype", "thr", "batch", "width"]
    for name in implementations:
        header += [f"{LABELS[name]} GFLOP/s", "% peak"]
    print_table("Matrix-product throughput of a step: GFLOP/s and % of the GEMM peak", header, rows)


def print_adam(rows: list[dict], implementations: list[str]) -> None:
    """Time of the Adam update alone (it does not depend on the batch: median over the batches)."""
    groups: dict = {}
    for r in rows:
        key = (r["dtype"], r["threads"], r["width"])
        groups.setdefault(key, {}).setdefault(r["implementation"], []).append(r["optimizer_median"])
    table = []
    for (dtype, threads, width), impl in sorted(groups.items()):
        n_params = sum(
            (m + 1) * n for m, n in zip(layer_sizes(width)[:-1], layer_sizes(width)[1:], strict=True)
        )
        cells = [fmt_ms(statistics.median(impl[n])) if n in impl else "-" for n in implementations]
        fused = (
            f"{statistics.median(impl['torch-fused']) / statistics.median(impl['torch']):.2f}"
            if "torch-fused" in impl and "torch" in impl
            else "-"
        )
        table.append([dtype, str(threads), str(width), str(n_params), *cells, fused])
    header = [
        "dtype",
        "thr",
        "width",
        "parameters",
        *(f"{LABELS[n]} ms" for n in implementations),
        "fused/torch",
    ]
    print_table("Adam update alone: median ms per step (median over the batch sizes)", header, table)


def overhead_summary(rows: list[dict]) -> list[dict]:
    """Per implementation, dtype and threads: the fixed cost of a step and where GEMMs take over.

    Model: a step of F FLOP takes t(F) = t0 + F / R, with R the best rate reached in the
    sweep and t0 the fixed cost per step (Python, dispatch, allocation, elementwise work),
    estimated from the cheapest step as t0 = t_cheapest - F_cheapest / R. Steps with more
    than F* = t0 R FLOP spend most of their time in matrix products.
    """
    groups: dict = {}
    for r in rows:
        groups.setdefault((r["implementation"], r["dtype"], r["threads"]), []).append(r)
    summary = []
    for (name, dtype, threads), group in sorted(groups.items()):
        cheapest = min(group, key=lambda r: r["flops"])
        best = max(group, key=lambda r: r["gflops"])
        rate = best["gflops"] * 1e9
        fixed = max(0.0, cheapest["median"] - cheapest["flops"] / rate)
        summary.append(
            {
                "implementation": name,
                "dtype": dtype,
                "threads": threads,
                "cheapest_step_seconds": cheapest["median"],
                "fixed_seconds": fixed,
                "best_gflops": best["gflops"],
                "best_fraction_of_peak": best["fraction_of_peak"],
                "best_at": {"batch": best["batch"], "width": best["width"]},
                "crossover_flops": fixed * rate,
            }
        )
    return summary


def print_summary(summary: list[dict]) -> None:
    rows = [
        [
            LABELS[s["implementation"]],
            s["dtype"],
            str(s["threads"]),
            fmt_ms(s["fixed_seconds"]),
            f"{s['best_gflops']:.1f}",
            f"{100 * s['best_fraction_of_peak']:.0f}",
            f"{s['best_at']['batch']}x{s['best_at']['width']}",
            f"{s['crossover_flops'] / 1e6:.3g}",
        ]
        for s in summary
    ]
    header = ["impl", "dtype", "thr", "fixed ms", "best GFLOP/s", "% peak", "at BxW", "F* MFLOP"]
    title = (
        "Fixed cost per step and where matrix products take over "
        "(t = fixed + F / best rate; above F* FLOP per step the products dominate)"
    )
    print_table(title, header, rows)


def loss_agreement(table: dict) -> float:
    """Largest relative difference between physml's and torch's costs of the recorded steps."""
    worst = 0.0
    for impl in table.values():
        if "physml" not in impl:
            continue
        ours = impl["physml"]["first_losses"]
        for r in impl.values():
            for a, b in zip(ours, r["first_losses"], strict=True):
                worst = max(worst, abs(a - b) / abs(a))
    return worst


def compile_notes(trials: list[dict], quick: bool) -> list[str]:
    """One line per torch.compile trial: compile time and step time against eager, or the error."""
    if not trials:
        return [
            "torch.compile: not tried (--quick without --compile)." if quick else "torch.compile: not tried."
        ]
    notes = []
    for trial in trials:
        where = f"B = {trial['batch']}, W = {trial['width']}, {trial['dtype']}, {trial['threads']} thread(s)"
        if trial["status"] != "ok":
            notes.append(f"torch.compile tried on the {where} step and failed: {trial['error'][:300]}")
            continue
        eager, compiled = trial["eager"]["median"], trial["compiled"]["median"]
        notes.append(
            f"torch.compile (inductor, Adam {trial['adam'] or 'default'}) tried on the {where} step: "
            f"compiling took {trial['compile_seconds']:.1f} s; a compiled step takes {fmt_ms(compiled)} ms, "
            f"eager {fmt_ms(eager)} ms (same process): {'faster' if compiled < eager else 'slower'}, "
            f"{eager / compiled:.2f}x."
        )
    return notes


def fused_note(rows: list[dict]) -> str:
    """Median over the sweep of torch's fused/default ratio, for the Adam update and for the step."""
    table = by_configuration(rows)
    adam, step = [], []
    for impl in table.values():
        if "torch-fused" in impl and "torch" in impl:
            adam.append(impl["torch-fused"]["optimizer_median"] / impl["torch"]["optimizer_median"])
            step.append(impl["torch-fused"]["median"] / impl["torch"]["median"])
    if not adam:
        return "torch fused Adam: not available on this CPU build (see adam_variants in the JSON file)."
    return (
        f"torch fused Adam (fused=True) against the default: Adam update {statistics.median(adam):.2f}x "
        f"the time, whole step {statistics.median(step):.2f}x (medians over the sweep)."
    )


def run_sweep(spec: dict, threads: list[int]) -> list[dict] | None:
    """One worker process per (thread count, library), one after the other; None if one fails."""
    workers = []
    for n in threads:
        for library in ("physml", "torch"):
            print(f"  {library}, {n} thread{'s' if n > 1 else ''} ...", end=" ", flush=True)
            result = run_worker(spec | {"library": library, "threads": n}, timeout=WORKER_TIMEOUT)
            if "failed" in result:
                print(f"FAILED: {result['failed']}\n{result.get('stderr', '')}")
                return None
            check = "" if result["threads"]["all_equal"] else " (WARNING: thread pools differ, see JSON)"
            print(f"{result['elapsed']:.1f} s{check}", flush=True)
            workers.append(result)
    return workers


def run_compile_trials(spec: dict, threads: list[int]) -> list[dict]:
    """torch.compile on the smallest float32 step, one process per thread count; failures are recorded."""
    (batch, width), dtype = spec["sizes"][0], "float32"
    trials = []
    for n in threads:
        print(f"  torch.compile, {n} thread{'s' if n > 1 else ''} ...", end=" ", flush=True)
        trial_spec = spec | {"library": "torch-compile", "threads": n, "sizes": [[batch, width]]}
        result = run_worker(trial_spec | {"dtypes": [dtype]}, timeout=COMPILE_TIMEOUT)
        trial = {"threads": n, "dtype": dtype, "batch": batch, "width": width}
        if "compile" in result:
            trial |= result["compile"] | {"thread_pools": result["threads"]}
        else:
            trial |= {"status": "failed", "error": result["failed"], "stderr": result.get("stderr")}
        trials.append(trial)
        print(f"{result.get('elapsed', math.nan):.1f} s", flush=True)
    return trials


def closing_notes(workers: list[dict], rows: list[dict], trials: list[dict], elapsed: float, quick: bool):
    """The notes printed under the tables (and stored in the JSON file)."""
    versions = next(w["versions"] for w in workers if w["library"] == "torch")
    unavailable = {
        name: error
        for w in workers
        for name, error in w.get("adam_variants", {}).items()
        if error is not None
    }
    load_end = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"numpy {versions['numpy']}, torch {versions['torch']} "
        f"(default Adam on CPU: {versions.get('torch_adam_default_on_cpu', '?')}); "
        f"the measurements took {elapsed:.0f} s; load average at the end {load_end}.",
        f"physml and torch agree on the costs of the first {RECORDED_STEPS} steps to "
        f"{loss_agreement(by_configuration(rows)):.1e} (largest relative difference).",
        fused_note(rows),
        *(f"torch Adam variant {name} unavailable: {error}" for name, error in unavailable.items()),
        *compile_notes(trials, quick),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="small sweep and short repeats (to test the script)"
    )
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats per configuration (at least 7)")
    parser.add_argument("--activation", choices=["sigmoid", "relu"], default="sigmoid")
    parser.add_argument("--compile", action="store_true", help="try torch.compile also with --quick")
    parser.add_argument(
        "--json", type=Path, default=DEFAULT_JSON, help=f"output file (default {DEFAULT_JSON})"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--worker-output", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        args.worker_output.write_text(json.dumps(worker(json.loads(args.worker))))
        return 0
    if args.repeats < 7:
        parser.error("--repeats must be at least 7 (median and quartiles need them)")

    batches, widths = (QUICK_BATCHES, QUICK_WIDTHS) if args.quick else (BATCHES, WIDTHS)
    spec = {
        "dtypes": list(DTYPES),
        "sizes": [[b, w] for b in batches for w in widths if step_flops(b, w) <= MAX_STEP_FLOPS],
        "activation": args.activation,
        "repeats": args.repeats,
        "repeat_seconds": 0.005 if args.quick else 0.02,
        "warmup_seconds": 0.05 if args.quick else 0.2,
        "peak_n": 1024 if args.quick else 2048,
        "peak_repeats": 3 if args.quick else 5,
    }
    machine = machine_description()
    threads = thread_settings()
    print(
        f"MLP 64-W-W-10, {args.activation} hidden, softmax + cross-entropy, Adam (lr {LEARNING_RATE:g}); "
        f"batches {', '.join(map(str, batches))}; widths W {', '.join(map(str, widths))}"
    )
    load = ", ".join(f"{x:.2f}" for x in machine["load_average_start"])
    print(f"{machine['cpu_model']}, {machine['usable_cpus']} usable CPUs, load average {load}")
    print(
        f"one process per library and thread count ({', '.join(map(str, threads))}); {args.repeats} repeats\n"
    )

    start = time.perf_counter()
    workers = run_sweep(spec, threads)
    if workers is None:
        return 1
    trials = run_compile_trials(spec, threads) if args.compile or not args.quick else []
    elapsed = time.perf_counter() - start

    peaks = machine_peaks(workers)
    rows = collect_rows(workers, peaks)
    table = by_configuration(rows)
    implementations = [n for n in IMPLEMENTATIONS if any(r["implementation"] == n for r in rows)]
    summary = overhead_summary(rows)
    print_peaks(peaks)
    print_times(table, implementations)
    print_throughput(table, implementations)
    print_adam(rows, implementations)
    print_summary(summary)
    notes = closing_notes(workers, rows, trials, elapsed, args.quick)
    print(
        "\ntorch: torch.optim.Adam as constructed by default; foreach: foreach=True; fused: fused=True."
        "\nphysml/torch = physml time / torch time per step (< 1: physml faster), physml/fused and"
        "\nfused/torch likewise. MFLOP: matrix products of one step; thr: threads of every pool."
    )
    print("Notes:\n" + "\n".join(f"  - {n}" for n in notes))

    machine["load_average_end"] = os.getloadavg()
    report = {
        "benchmark": "mlp_vs_torch",
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": sys.argv,
        "quick": args.quick,
        "settings": spec | {"threads": threads, "layers": "64-W-W-10", "learning_rate": LEARNING_RATE},
        "flop_formula": FLOP_FORMULA,
        "machine": machine,
        "versions": next(w["versions"] for w in workers if w["library"] == "torch"),
        "elapsed_seconds": elapsed,
        "gemm_peaks": [{"dtype": d, "threads": t, **p} for (d, t), p in sorted(peaks.items())],
        "rows": rows,
        "summary": summary,
        "torch_compile": trials,
        "notes": notes,
        "workers": [{k: v for k, v in w.items() if k != "rows"} for w in workers],
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1))
    print(f"\nresults written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
