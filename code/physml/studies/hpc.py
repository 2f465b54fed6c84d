"""The runs of "Fast and parallel ML codes": measurements with their settings in view.

Every study times something, so its numbers change from run to run and from machine to
machine; each returns the repeats, and the page shows medians with their spread. No
check asserts a time (``physml.checks.hpc`` checks rounding bounds, the serial-fraction
fit on a synthetic workload and the equality of the data-parallel run).

* :func:`profile_run`: where the time of a training step goes (cProfile, torch.profiler);
* :func:`roofline_run`: the GEMM peak and memory bandwidth; a GEMM and a matvec on the roofline;
* :func:`step_cost_run`: fixed cost and arithmetic of a training step, :math:`t = t_0 + F/R`;
* :func:`vectorisation_run`: the VMC sampler as a Python loop and vectorised;
* :func:`precision_run`: float64, float32 and bfloat16 sums and products, accuracy and speed;
* :func:`threads_run`: one thread against two;
* :func:`ddp_run`: one process against two with DistributedDataParallel;
* :func:`scaling_run`: the VMC walkers on one and two MPI processes, and the model for more;
* :func:`amp_run`: mixed precision with ``torch.autocast`` and a gradient scaler;
* :func:`loading_run`: data loading against the training step.
"""

from __future__ import annotations

import math
import time

import numpy as np

from .. import hpc
from ..distributed import DDPRun
from ..experiment import Settings, setting, study


def _check_device(device: str, label: str) -> None:
    from .._validate import as_device

    as_device(device, label)


# --------------------------------------------------------------------------- where the time goes


class ProfileRun(Settings):
    """A training step of the same MLP in physml (NumPy) and in PyTorch, profiled."""

    layer_sizes: tuple[int, ...] = setting((64, 256, 256, 10), low=1, doc="units per layer")
    batch: int = setting(256, low=1, doc="rows per batch")
    steps: int = setting(10, low=1, doc="profiled training steps")
    top: int = setting(5, low=1, doc="rows of each profile shown")
    threads: int = setting(1, low=1, doc="threads of torch and NumPy")
    seed: int = setting(2026, low=0, doc="seed of the weights and the batch")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"steps": 3, "batch": 32}

    def validate(self):
        _check_device(self.device, "ProfileRun.device")


def torch_mlp_step(layer_sizes, batch: int, seed: int, device: str = "cpu"):
    """One training step (forward, cross-entropy, backward, Adam) of the torch copy of the
    physml network of :func:`physml.hpc.make_mlp_step`, on a fixed random batch."""
    import torch

    from ..nn import MLP, torch_twin

    rng = np.random.default_rng(seed)
    model = MLP(list(layer_sizes), "sigmoid", "softmax", "cross_entropy", seed=rng, dtype="float32")
    net = torch_twin.to_torch(model, device=device)
    X = torch.from_numpy(rng.standard_normal((batch, layer_sizes[0])).astype("float32")).to(device)
    labels = torch.from_numpy(rng.integers(0, layer_sizes[-1], size=batch)).to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step() -> float:
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(net(X), labels)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


@study("hpc", ProfileRun)
def profile_run(cfg: ProfileRun) -> dict:
    """The top entries of cProfile (physml's step) and of torch.profiler (torch's step)."""
    physml_step = hpc.make_mlp_step(cfg.layer_sizes, cfg.batch, "float32", seed=cfg.seed)
    torch_step = torch_mlp_step(cfg.layer_sizes, cfg.batch, cfg.seed, cfg.device)

    def physml_steps():
        for _ in range(cfg.steps):
            physml_step()

    with hpc.threads(cfg.threads):
        physml_step()  # warm-up
        start = time.perf_counter()
        cprofile = hpc.cprofile_top(physml_steps, cfg.top)
        profiled_seconds = time.perf_counter() - start
        torch_rows = hpc.torch_profile_top(torch_step, cfg.top, cfg.steps, cfg.device)
    return {
        "cprofile": cprofile,
        "torch": torch_rows,
        "profiled_seconds": profiled_seconds,
        "flops": hpc.mlp_step_flops(cfg.batch, cfg.layer_sizes),
    }


# --------------------------------------------------------------------------- the roofline


class RooflineRun(Settings):
    """The machine's GEMM rate and memory bandwidth, and two kernels placed on its roofline."""

    gemm_n: int = setting(1024, low=16, doc="size n of the n x n matrix product (the peak)")
    matvec_n: int = setting(4096, low=16, doc="size n of the n x n matrix-vector product")
    triad_n: int = setting(2**23, low=1024, doc="numbers per array of the triad (the bandwidth)")
    dtype: str = setting("float64", doc='"float64" or "float32"')
    repeats: int = setting(7, low=3, doc="timed repeats of each kernel")
    threads: int = setting(1, low=1, doc="threads (1: the roofline of one core)")
    seed: int = setting(2026, low=0, doc="seed of the random matrices")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"gemm_n": 256, "matvec_n": 512, "triad_n": 2**16, "repeats": 3}

    def validate(self):
        if self.dtype not in ("float64", "float32"):
            raise ValueError(f'RooflineRun.dtype must be "float64" or "float32", got {self.dtype!r}')
        _check_device(self.device, "RooflineRun.device")


@study("hpc", RooflineRun)
def roofline_run(cfg: RooflineRun) -> dict:
    """Time a GEMM (the peak), the triad (the bandwidth) and a matrix-vector product; the roof
    is drawn through the fastest repeats of the GEMM and the triad."""
    args = {"dtype": cfg.dtype, "device": cfg.device, "repeats": cfg.repeats, "seed": cfg.seed}
    with hpc.threads(cfg.threads):
        gemm = hpc.measure_gemm(cfg.gemm_n, **args)
        triad = hpc.measure_triad(cfg.triad_n, **args)
        matvec = hpc.measure_matvec(cfg.matvec_n, **args)
    # the roof: the best repeats (a peak is what the machine can do, as STREAM reports it)
    return {
        "gemm": gemm,
        "triad": triad,
        "matvec": matvec,
        "peak": gemm.best_rate,
        "bandwidth": triad.best_bandwidth,
    }


# --------------------------------------------------------------------------- fixed cost and arithmetic


class StepCostRun(Settings):
    """Training steps of growing size: the fixed cost per step against the arithmetic."""

    layer_sizes: tuple[int, ...] = setting((64, 256, 256, 10), low=1, doc="units per layer")
    batches: tuple[int, ...] = setting((4, 16, 64, 256, 1024), low=1, doc="batch sizes timed")
    dtype: str = setting("float64", doc='"float64" or "float32"')
    repeats: int = setting(7, low=3, doc="timed repeats per batch size")
    threads: int = setting(1, low=1, doc="threads of NumPy's BLAS")
    seed: int = setting(2026, low=0, doc="seed of the weights and batches")

    SHORT = {"batches": (4, 64, 256), "repeats": 3}

    def validate(self):
        if len(set(self.batches)) < 2:
            raise ValueError("StepCostRun.batches must hold at least two different batch sizes")
        if self.dtype not in ("float64", "float32"):
            raise ValueError(f'StepCostRun.dtype must be "float64" or "float32", got {self.dtype!r}')


@study("hpc", StepCostRun)
def step_cost_run(cfg: StepCostRun) -> dict:
    """Time physml's training step at each batch size and fit :math:`t = t_0 + F/R`."""
    flops = np.array([hpc.mlp_step_flops(b, cfg.layer_sizes) for b in cfg.batches], dtype=float)
    timings = []
    with hpc.threads(cfg.threads):
        for b in cfg.batches:
            step = hpc.make_mlp_step(cfg.layer_sizes, b, cfg.dtype, seed=cfg.seed)
            timings.append(hpc.time_call(step, repeats=cfg.repeats, min_seconds=0.005))
    times = np.array([t.seconds for t in timings])
    return {"flops": flops, "timings": timings, "fit": hpc.fit_step_model(flops, times)}


# --------------------------------------------------------------------------- vectorisation


class VectorisationRun(Settings):
    """The Metropolis sampler of the quantum dot: a Python loop against physml.vmc's vectors."""

    n_walkers: int = setting(4096, low=1, doc="walkers of the vectorised sampler")
    loop_walkers: int = setting(256, low=1, doc="walkers of the Python loop")
    repeats: int = setting(5, low=3, doc="timed repeats of each")
    seed: int = setting(2026, low=0, doc="seed of the walkers and moves")

    SHORT = {"n_walkers": 512, "loop_walkers": 32, "repeats": 3}


@study("hpc", VectorisationRun)
def vectorisation_run(cfg: VectorisationRun) -> dict:
    """Walker moves per second of the loop (``hpc._loop_sweep``) and of ``vmc.Metropolis``."""
    import random

    from .. import vmc

    alpha, beta, step = hpc.VMC_ALPHA, hpc.VMC_BETA, hpc.VMC_STEP
    rng = np.random.default_rng(cfg.seed)
    walkers = rng.standard_normal((cfg.loop_walkers, 2, 2)).tolist()
    logs = [hpc._loop_log_psi(w, alpha, beta, 1.0) for w in walkers]
    loop_rng = random.Random(cfg.seed)
    loop = hpc.time_call(
        lambda: hpc._loop_sweep(walkers, logs, alpha, beta, 1.0, step, loop_rng), repeats=cfg.repeats
    )
    wf, sampler = vmc.PadeJastrow(alpha, beta), vmc.Metropolis(step)
    state = sampler.init_walkers(wf, cfg.n_walkers, rng)
    fast = hpc.time_call(lambda: sampler._step(wf, state, rng), repeats=cfg.repeats)
    loop_rate, fast_rate = cfg.loop_walkers / loop.median, cfg.n_walkers / fast.median
    return {
        "loop": loop,
        "vectorised": fast,
        "loop_rate": loop_rate,
        "vectorised_rate": fast_rate,
        "speedup": fast_rate / loop_rate,
        # relative error of the ratio of two medians, from their errors
        "speedup_error": fast_rate
        / loop_rate
        * math.hypot(loop.error / loop.median, fast.error / fast.median),
    }


# --------------------------------------------------------------------------- precision


class PrecisionRun(Settings):
    """Sums and matrix products in float64, float32 and bfloat16: accuracy and speed."""

    n_sum: int = setting(10**6, low=10, doc="numbers added")
    matmul_n: int = setting(256, low=2, doc="size of the matrices whose product is checked")
    speed_n: int = setting(512, low=16, doc="size of the matrix product that is timed")
    repeats: int = setting(5, low=3, doc="timed repeats")
    threads: int = setting(1, low=1, doc="threads of torch and NumPy")
    seed: int = setting(2026, low=0, doc="seed of the numbers")

    SHORT = {"n_sum": 10**4, "matmul_n": 64, "speed_n": 128, "repeats": 3}


def _relative(value: float, exact: float) -> float:
    return abs(value - exact) / abs(exact)


@study("hpc", PrecisionRun)
def precision_run(cfg: PrecisionRun) -> dict:
    """Errors of sums and products in each precision against exact references, and speeds.

    Sums of ``n_sum`` numbers uniform in [0, 1): the exactly rounded sum ``math.fsum`` of the
    float64 numbers is the reference; float32 is added pairwise (``np.sum``) and one number
    at a time (:func:`physml.hpc.recursive_sum`), bfloat16 by ``torch.sum`` (which
    accumulates in float32). The recursive float32 sum is also compared with ``fsum`` of its
    own (float32) inputs, the error that the bound :func:`physml.hpc.summation_bound` covers.
    Products of ``matmul_n x matmul_n`` matrices with entries uniform in [-1, 1): relative
    Frobenius error against float64, and the largest elementwise error over
    :math:`(|A||B|)_{ij}`, which rounding bounds by :math:`\\gamma_n`.
    """
    import torch

    rng = np.random.default_rng(cfg.seed)
    x = rng.random(cfg.n_sum)
    exact = math.fsum(x)
    x32 = x.astype(np.float32)
    xbf = torch.from_numpy(x).to(torch.bfloat16)
    with hpc.threads(cfg.threads):
        sums = {
            "float64, pairwise (np.sum)": float(np.sum(x)),
            "float32, pairwise (np.sum)": float(np.sum(x32)),
            "float32, one at a time": hpc.recursive_sum(x32),
            "bfloat16 (torch.sum)": float(torch.sum(xbf)),
        }
        sum_errors = {k: _relative(v, exact) for k, v in sums.items()}
        recursive32 = sums["float32, one at a time"]
        exact32 = math.fsum(x32.astype(np.float64))  # the float32 inputs, added exactly

        n = cfg.matmul_n
        A, B = (2.0 * rng.random((n, n)) - 1.0 for _ in range(2))
        C = A @ B
        A32, B32 = A.astype(np.float32), B.astype(np.float32)
        C32_inputs = A32.astype(np.float64) @ B32.astype(np.float64)  # exact to ~1e-16
        C32 = A32 @ B32
        ratio32 = np.max(np.abs(C32 - C32_inputs) / (np.abs(A32).astype(np.float64) @ np.abs(B32)))
        Abf, Bbf = torch.from_numpy(A).to(torch.bfloat16), torch.from_numpy(B).to(torch.bfloat16)
        Cbf = (Abf @ Bbf).double().numpy()
        matmul_errors = {
            "float64": 0.0,
            "float32": float(np.linalg.norm(C32 - C) / np.linalg.norm(C)),
            "bfloat16": float(np.linalg.norm(Cbf - C) / np.linalg.norm(C)),
        }
        speeds = {
            dtype: hpc.measure_gemm(cfg.speed_n, dtype, repeats=cfg.repeats, seed=cfg.seed)
            for dtype in ("float64", "float32", "bfloat16")
        }
    return {
        "n_sum": cfg.n_sum,
        "sums": sums,
        "sum_errors": sum_errors,
        "sum32_error": abs(recursive32 - exact32),
        "sum32_bound": hpc.summation_bound(x32.astype(np.float64), "float32"),
        "matmul_errors": matmul_errors,
        "matmul32_ratio": float(ratio32),
        "matmul32_gamma": n * hpc.UNIT_ROUNDOFF["float32"] / (1 - n * hpc.UNIT_ROUNDOFF["float32"]),
        "speeds": speeds,
    }


# --------------------------------------------------------------------------- threads


class ThreadsRun(Settings):
    """A matrix product and a training step on one thread and on two."""

    gemm_n: int = setting(512, low=16, doc="size of the n x n matrix product")
    layer_sizes: tuple[int, ...] = setting((64, 256, 256, 10), low=1, doc="units per layer")
    batch: int = setting(256, low=1, doc="rows per training batch")
    thread_counts: tuple[int, ...] = setting((1, 2), low=1, doc="thread counts compared")
    repeats: int = setting(7, low=3, doc="timed repeats")
    seed: int = setting(2026, low=0, doc="seed of the matrices and the batch")

    SHORT = {"gemm_n": 256, "batch": 32, "repeats": 3}


@study("hpc", ThreadsRun)
def threads_run(cfg: ThreadsRun) -> dict:
    """Timings of the GEMM and of physml's training step at each thread count."""
    out = {"gemm": {}, "step": {}}
    step = hpc.make_mlp_step(cfg.layer_sizes, cfg.batch, "float64", seed=cfg.seed)
    for n in cfg.thread_counts:
        with hpc.threads(n):
            out["gemm"][n] = hpc.measure_gemm(cfg.gemm_n, repeats=cfg.repeats, seed=cfg.seed)
            out["step"][n] = hpc.time_call(step, repeats=cfg.repeats, min_seconds=0.005)
    return out


# --------------------------------------------------------------------------- data parallelism


@study("hpc", DDPRun)
def ddp_run(cfg: DDPRun) -> dict:
    """The same training run in one process (one thread) and on two ``torchrun`` processes
    with DistributedDataParallel; the relative difference of their final parameters."""
    from .. import distributed

    with hpc.threads(1):  # one thread, as every torchrun worker
        single = distributed.train_single(cfg)
    two = distributed.train_ddp(cfg, 2)
    diff = float(np.max(np.abs(two["params"] - single["params"])) / np.max(np.abs(single["params"])))
    return {"single": single, "ddp": two, "relative_difference": diff}


class ScalingRun(Settings):
    """VMC walkers on one and on several MPI processes; the model that extrapolates them."""

    ranks: int = setting(2, low=2, doc="MPI processes of the parallel run")
    n_walkers: int = setting(4096, low=2, doc="walkers in total (strong) or per process (weak)")
    n_steps: int = setting(16, low=16, doc="Metropolis steps per VMC iteration")
    fit_walkers: tuple[int, ...] = setting(
        (256, 1024), low=1, doc="walker counts, besides n_walkers, of the one-process fit t = t0 + n c"
    )
    repeats: int = setting(7, low=3, doc="timed iterations of each configuration")
    model_processes: tuple[int, ...] = setting((8, 64, 512), low=1, doc="process counts of the prediction")
    seed: int = setting(2026, low=0, doc="seed of the walkers")

    SHORT = {"n_walkers": 512, "fit_walkers": (128,), "repeats": 3}

    def validate(self):
        if not self.fit_walkers:
            raise ValueError("ScalingRun.fit_walkers must hold at least one walker count")
        if self.n_walkers in self.fit_walkers or len(set(self.fit_walkers)) != len(self.fit_walkers):
            raise ValueError(
                "ScalingRun.fit_walkers must hold different walker counts, none equal to n_walkers"
            )


@study("hpc", ScalingRun)
def scaling_run(cfg: ScalingRun) -> dict:
    """Strong and weak scaling of the VMC iteration on 1 and ``cfg.ranks`` processes, and the
    model fitted to the measurements.

    * one launch of ``ranks`` processes (``hpc.mpi_scaling``), which measures, interleaved,
      the iteration on rank 0 alone (the others asleep) at ``n_walkers`` walkers (the
      baseline of both scalings) and at each of ``fit_walkers``, and on all ranks with the
      same total (strong) and the same per process (weak); the fit
      :math:`t = t_0 + n\\,c` of the one-process times gives the fixed cost :math:`t_0` of an
      iteration and the cost :math:`c` per walker;
    * the all-reduce times of the same launch, fitted by :math:`t = 2\\alpha + n/\\beta` (a
      ring of two processes);
    * Amdahl's serial fraction from the one- and ``ranks``-process times, and
      :func:`physml.hpc.predict_scaling` with :math:`t_0`, :math:`nc`, :math:`\\alpha`,
      :math:`\\beta` at ``model_processes``.
    """
    par = hpc.mpi_scaling(cfg.ranks, cfg.n_walkers, cfg.n_steps, cfg.repeats, cfg.seed, sizes=cfg.fit_walkers)
    one = par["one"]
    sizes = {**par["sizes"], cfg.n_walkers: one}  # the points of the fit t = t0 + n c
    walkers = np.array(list(sizes), dtype=float)
    cost = hpc.fit_step_model(walkers, np.array([t.seconds for t in sizes.values()]))
    message = np.array(list(par["allreduce"]), dtype=float)
    comm = hpc.fit_step_model(message, np.array([t.seconds for t in par["allreduce"].values()]))
    amdahl = hpc.fit_serial_fraction([1, cfg.ranks], np.array([one.seconds, par["strong"].seconds]))
    strong_eff = one.median / (cfg.ranks * par["strong"].median)
    weak_eff = one.median / par["weak"].median
    rel = math.hypot(one.error / one.median, par["strong"].error / par["strong"].median)
    rel_weak = math.hypot(one.error / one.median, par["weak"].error / par["weak"].median)
    # the model: fixed cost t0, divisible work n c, and the all-reduce of the VMC sums
    # (n_steps + 3 + 2 k numbers, k = 2 parameters)
    latency, bandwidth = max(comm.t0, 0.0) / 2.0, comm.rate
    work = cfg.n_walkers / cost.rate
    vmc_bytes = 8.0 * (cfg.n_steps + 3 + 4)
    processes = np.array([1, cfg.ranks, *cfg.model_processes], dtype=float)
    model = hpc.predict_scaling(processes, max(cost.t0, 0.0), work, vmc_bytes, latency, bandwidth)
    return {
        "one": one,
        "sizes": sizes,
        "parallel": par,
        "cost": cost,
        "comm": comm,
        "latency": latency,
        "bandwidth": bandwidth,
        "amdahl": amdahl,
        "strong_efficiency": strong_eff,
        "strong_efficiency_error": strong_eff * rel,
        "weak_efficiency": weak_eff,
        "weak_efficiency_error": weak_eff * rel_weak,
        "model": model,
        "vmc_bytes": vmc_bytes,
    }


# --------------------------------------------------------------------------- GPUs


class AmpRun(Settings):
    """Training in float32 and in mixed precision (``torch.autocast`` with a gradient scaler)."""

    width: int = setting(256, low=1, doc="units of each of the two hidden layers")
    batch: int = setting(256, low=1, doc="samples per step")
    steps: int = setting(60, low=1, doc="SGD steps")
    lr: float = setting(0.05, low=0, high=10.0, doc="SGD learning rate")
    seed: int = setting(2026, low=0, doc="seed of the data, the weights and the batches")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"width": 32, "steps": 10, "batch": 64}

    def validate(self):
        _check_device(self.device, "AmpRun.device")


def train_mixed(cfg: AmpRun, mixed: bool) -> dict:
    """Train the regression network of :mod:`physml.distributed` in float32, the forward pass
    under ``torch.autocast`` when ``mixed`` (bfloat16 on a CPU, float16 on a GPU, where the
    gradient scaler keeps small float16 gradients from rounding to zero)."""
    import torch

    from .. import distributed

    problem = DDPRun(
        width=cfg.width,
        global_batch=cfg.batch,
        seed=cfg.seed,
        dtype="float32",
        device=cfg.device,
        steps=cfg.steps,
        lr=cfg.lr,
    )
    X, y = distributed.make_data(problem)
    model = distributed.make_model(problem)
    device = X.device
    low = torch.float16 if device.type == "cuda" else torch.bfloat16
    scaler = torch.amp.GradScaler(device.type, enabled=mixed and low == torch.float16)
    optimizer = torch.optim.SGD(model.parameters(), lr=cfg.lr)
    g = torch.Generator().manual_seed(cfg.seed)
    sync = hpc.synchronizer(device)
    losses = []
    sync()
    start = time.perf_counter()
    for _ in range(cfg.steps):
        rows = torch.randint(0, X.shape[0], (cfg.batch,), generator=g).to(device)
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device.type, dtype=low, enabled=mixed):
            out = model(X[rows])  # matrix products in low precision under autocast
        loss = torch.mean((out.float() - y[rows]) ** 2)  # the loss in float32
        scaler.scale(loss).backward()  # scaled: float16 gradients do not underflow
        scaler.step(optimizer)  # unscales; skips the step if a gradient is inf or NaN
        scaler.update()
        losses.append(loss.item())
    sync()
    return {"losses": np.array(losses), "seconds": time.perf_counter() - start, "dtype": str(low)}


@study("hpc", AmpRun)
def amp_run(cfg: AmpRun) -> dict:
    """The same run in float32 and in mixed precision."""
    with hpc.threads(1):
        return {"float32": train_mixed(cfg, False), "mixed": train_mixed(cfg, True)}


class LoadingRun(Settings):
    """Loading batches sample by sample with a DataLoader, against slicing a tensor in memory."""

    n_samples: int = setting(4096, low=1, doc="samples in the data set")
    n_features: int = setting(64, low=1, doc="numbers per sample")
    batch: int = setting(256, low=1, doc="samples per batch")
    repeats: int = setting(5, low=3, doc="timed repeats")
    seed: int = setting(2026, low=0, doc="seed of the data and the shuffles")
    device: str = setting("cpu", doc='torch device of the training step ("cuda" on a GPU)')

    SHORT = {"n_samples": 512, "batch": 64, "repeats": 3}

    def validate(self):
        _check_device(self.device, "LoadingRun.device")


class _PerSample:
    """A map-style data set that builds each sample in Python when asked (like reading and
    decoding one image file): a float32 tensor, standardised on the fly."""

    def __init__(self, data: np.ndarray):
        self.data = data

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, i):
        import torch

        row = self.data[i]
        return torch.from_numpy((row - row.mean()) / (row.std() + 1e-8)), int(i % 10)


@study("hpc", LoadingRun)
def loading_run(cfg: LoadingRun) -> dict:
    """Seconds per batch on ``cfg.device``: a DataLoader over a per-sample data set (each batch
    then copied to the device), slicing one tensor kept on the device, and a training step of
    an MLP (``n_features``-256-256-10) in torch."""
    import torch

    data = np.random.default_rng(cfg.seed).standard_normal((cfg.n_samples, cfg.n_features)).astype("float32")
    g = torch.Generator().manual_seed(cfg.seed)
    loader = torch.utils.data.DataLoader(_PerSample(data), batch_size=cfg.batch, shuffle=True, generator=g)
    tensor = torch.from_numpy(data).to(cfg.device)
    n_batches = math.ceil(cfg.n_samples / cfg.batch)
    sync = hpc.synchronizer(cfg.device)

    def per_sample():
        for xb, _ in loader:
            xb = xb.to(cfg.device)

    def in_memory():
        order = torch.randperm(cfg.n_samples, generator=g).to(cfg.device)
        for k in range(n_batches):
            xb = tensor[order[k * cfg.batch : (k + 1) * cfg.batch]]
            xb = (xb - xb.mean(1, keepdim=True)) / (xb.std(1, keepdim=True) + 1e-8)

    with hpc.threads(1):
        loader_t = hpc.time_call(per_sample, repeats=cfg.repeats, sync=sync)
        memory_t = hpc.time_call(in_memory, repeats=cfg.repeats, sync=sync)
        step = torch_mlp_step((cfg.n_features, 256, 256, 10), cfg.batch, cfg.seed, cfg.device)
        step_t = hpc.time_call(step, repeats=cfg.repeats, sync=sync)
    return {
        "loader": loader_t.median / n_batches,
        "memory": memory_t.median / n_batches,
        "step": step_t.median,
        "timings": {"loader": loader_t, "memory": memory_t, "step": step_t},
        "n_batches": n_batches,
    }
