r"""Data parallelism on more than one process: one training run, split over ``torchrun`` workers.

Used by the chapter on fast and parallel ML codes (section *Data parallelism*). A small
multilayer perceptron is trained by stochastic gradient descent on a generated regression
problem. At step :math:`t` the run draws a *global batch* :math:`B_t` of :math:`B` samples
and updates

.. math::

    \boldsymbol\theta_{t+1} = \boldsymbol\theta_t - \eta\,\boldsymbol g_t,\qquad
    \boldsymbol g_t = \nabla_{\boldsymbol\theta}\,\frac1B \sum_{i\in B_t} \ell_i(\boldsymbol\theta_t).

With :math:`P` processes, process :math:`r` takes its shard :math:`B_t^{(r)}` of
:math:`B/P` samples of the same global batch, computes the mean gradient
:math:`\boldsymbol g_t^{(r)}` of its shard, and an *all-reduce* gives every process the
average

.. math::

    \boldsymbol g_t = \frac1P \sum_{r=0}^{P-1} \boldsymbol g_t^{(r)},

which is the single-process gradient (equal shards), up to the order of the floating-point
sums. Every process then makes the same update, so the parameters stay identical on all of
them, and the run equals the single-process run to rounding.

* :class:`DDPRun` holds the settings of a run (data, network, batch, steps, learning rate,
  seed, dtype, device);
* :func:`make_data` and :func:`make_model` build the data and the network, identically in
  every process;
* :func:`train_single` trains in this process;
* :func:`train_ddp` starts ``world_size`` processes with
  ``python -m torch.distributed.run --standalone --nproc_per_node=P -m physml.distributed``
  (the same as ``torchrun``), each wraps the network in
  ``torch.nn.parallel.DistributedDataParallel`` (gloo backend on the CPU, NCCL on GPUs),
  and reads rank 0's result back;
* :func:`allreduce_mean_gradients` does by hand what DDP does during the backward pass
  (``train_ddp(..., manual=True)`` uses it instead of DDP).

Both training functions return ``{"params", "losses", "seconds", "world_size", ...}``: the
final parameters as one flat NumPy array, the global mean loss of every step, the wall time
of the training loop (start-up excluded) and the number of processes.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch import nn

from ._validate import as_device, check_bool, check_finite_loss, check_int, check_scalar, check_type
from .experiment import Settings, setting

__all__ = [
    "DDPRun",
    "make_data",
    "make_model",
    "allreduce_mean_gradients",
    "train_single",
    "train_ddp",
]

#: The floating-point types a run may use.
DTYPES = {"float32": torch.float32, "float64": torch.float64}
#: The ways a worker averages the gradients: DistributedDataParallel, or by hand.
MODES = ("ddp", "manual")
#: Environment of every worker: one thread per process, so that P processes use P cores.
WORKER_THREADS = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
#: Variables of an enclosing torchrun job that must not leak into the job train_ddp starts.
_LAUNCHER_VARIABLES = (
    "RANK",
    "LOCAL_RANK",
    "WORLD_SIZE",
    "LOCAL_WORLD_SIZE",
    "GROUP_RANK",
    "MASTER_ADDR",
    "MASTER_PORT",
    "TORCHELASTIC_RUN_ID",
)


class DDPRun(Settings):
    """Settings of a data-parallel training run (the defaults are the chapter's run)."""

    n_samples: int = setting(4096, low=1, doc="generated training samples")
    n_features: int = setting(8, low=1, doc="inputs per sample")
    width: int = setting(128, low=1, doc="units of each of the two hidden layers")
    global_batch: int = setting(256, low=1, doc="samples per step, summed over all processes")
    steps: int = setting(100, low=1, doc="SGD steps")
    lr: float = setting(0.05, low=0, high=10.0, doc="SGD learning rate")
    seed: int = setting(2026, low=0, doc="seed of the data, the initial weights and the batches")
    dtype: str = setting("float64", doc='"float64" (the equivalence test) or "float32"')
    device: str = setting("cpu", doc='torch device ("cuda": one GPU per process, NCCL backend)')

    SHORT = {"n_samples": 512, "width": 32, "global_batch": 64, "steps": 20}

    def validate(self) -> None:
        as_device(self.device, "DDPRun.device")
        if self.dtype not in DTYPES:
            raise ValueError(f"DDPRun.dtype must be one of {tuple(DTYPES)}, got {self.dtype!r}")
        if self.lr <= 0:
            raise ValueError(f"DDPRun.lr must be > 0, got {self.lr!r}")
        if self.global_batch > self.n_samples:
            raise ValueError(
                f"DDPRun.global_batch ({self.global_batch}) must not exceed "
                f"DDPRun.n_samples ({self.n_samples})"
            )


# --- data, network and batches: the same in every process ----------------------------------------


def _check_cfg(cfg) -> DDPRun:
    if not isinstance(cfg, DDPRun):
        raise TypeError(f"cfg must be a physml.distributed.DDPRun, got {type(cfg).__name__}")
    return cfg


def make_data(cfg: DDPRun) -> tuple[torch.Tensor, torch.Tensor]:
    r"""The generated regression data ``(X, y)`` of the run, on ``cfg.device`` in ``cfg.dtype``.

    :math:`\boldsymbol x_i \sim \mathcal N(0, I_d)` and
    :math:`y_i = \sin(\boldsymbol w^\top \boldsymbol x_i) + 0.1\,\epsilon_i` with a fixed random
    direction :math:`\boldsymbol w` (:math:`\lVert\boldsymbol w\rVert = 1`) and
    :math:`\epsilon_i \sim \mathcal N(0, 1)`. Drawn in float64 on the CPU from ``cfg.seed``,
    so every process (and every device) gets the same numbers.
    """
    cfg = _check_cfg(cfg)
    device = as_device(cfg.device, "cfg.device")
    g = torch.Generator().manual_seed(cfg.seed)
    X = torch.randn(cfg.n_samples, cfg.n_features, generator=g, dtype=torch.float64)
    w = torch.randn(cfg.n_features, generator=g, dtype=torch.float64)
    y = torch.sin(X @ (w / w.norm())) + 0.1 * torch.randn(cfg.n_samples, generator=g, dtype=torch.float64)
    dtype = DTYPES[cfg.dtype]
    return X.to(device, dtype), y[:, None].to(device, dtype)


def make_model(cfg: DDPRun) -> nn.Module:
    r"""The network :math:`d \to M \to M \to 1` with tanh hidden units, initialised from ``cfg.seed``.

    Weights and biases are uniform in :math:`\pm 1/\sqrt{M_{l-1}}` (PyTorch's default range),
    drawn from a generator of its own: torch's global random state is left alone.
    """
    cfg = _check_cfg(cfg)
    device = as_device(cfg.device, "cfg.device")
    model = nn.Sequential(
        nn.Linear(cfg.n_features, cfg.width),
        nn.Tanh(),
        nn.Linear(cfg.width, cfg.width),
        nn.Tanh(),
        nn.Linear(cfg.width, 1),
    ).to(torch.float64)
    g = torch.Generator().manual_seed(cfg.seed + 1)
    with torch.no_grad():
        for layer in model:
            if isinstance(layer, nn.Linear):
                bound = layer.in_features**-0.5
                nn.init.uniform_(layer.weight, -bound, bound, generator=g)
                nn.init.uniform_(layer.bias, -bound, bound, generator=g)
    return model.to(device, DTYPES[cfg.dtype])


def _global_batches(cfg: DDPRun) -> Iterator[torch.Tensor]:
    """The sample indices of each step's global batch: a new shuffle every epoch, and the last
    incomplete batch of an epoch dropped (every process draws the same sequence)."""
    g = torch.Generator().manual_seed(cfg.seed + 2)
    per_epoch = cfg.n_samples // cfg.global_batch
    while True:
        order = torch.randperm(cfg.n_samples, generator=g)
        for k in range(per_epoch):
            yield order[k * cfg.global_batch : (k + 1) * cfg.global_batch]


def _flat(model: nn.Module) -> np.ndarray:
    return nn.utils.parameters_to_vector(model.parameters()).detach().cpu().numpy().copy()


# --- the training loop, shared by the single process and every worker ---------------------------


def _train_loop(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    cfg: DDPRun,
    rank: int,
    world_size: int,
    sync: Callable,
) -> tuple[list[float], float]:
    """``cfg.steps`` SGD steps on this process's shard of every global batch.

    Returns the mean loss of the shard at every step and the wall time of the loop. ``sync``
    runs between the backward pass and the update (the manual all-reduce, or nothing: DDP
    averages the gradients inside ``backward``).
    """
    optimizer = torch.optim.SGD(model.parameters(), lr=cfg.lr)
    local = cfg.global_batch // world_size
    batches = _global_batches(cfg)
    losses = []
    start = time.perf_counter()
    for step in range(cfg.steps):
        shard = next(batches)[rank * local : (rank + 1) * local]  # this process's part of the batch
        optimizer.zero_grad(set_to_none=True)
        loss = torch.mean((model(X[shard]) - y[shard]) ** 2)
        loss.backward()  # with DDP: the gradients are all-reduced here, bucket by bucket
        sync(model)
        optimizer.step()
        losses.append(loss.item())
        check_finite_loss(losses[-1], step)
    return losses, time.perf_counter() - start


def _no_sync(model: nn.Module) -> None:
    return None


def allreduce_mean_gradients(model: nn.Module, world_size: int) -> None:
    r"""Replace every gradient by its average over the processes, :math:`g \leftarrow \frac1P\sum_r g^{(r)}`.

    What ``DistributedDataParallel`` does during the backward pass, written out: one
    ``torch.distributed.all_reduce`` (sum) per parameter, then a division by
    ``world_size`` :math:`= P`. DDP does the same arithmetic, but packs the gradients into
    buckets of about 25 MB and starts each bucket's all-reduce while the backward pass is
    still computing the earlier layers' gradients, so that communication overlaps with
    arithmetic. Parameters without a gradient are skipped. Outside a process group (a
    plain Python process) only ``world_size=1`` is valid, and the gradients stay as they are.
    """
    check_type(model, nn.Module, "model", "torch.nn.Module")
    world_size = check_int(world_size, "world_size", minimum=1)
    if not (dist.is_available() and dist.is_initialized()):
        if world_size != 1:
            raise ValueError(
                f"world_size={world_size} but no process group is initialised "
                "(start the processes with torchrun, or pass world_size=1)"
            )
        return None
    if world_size != dist.get_world_size():
        size = dist.get_world_size()
        raise ValueError(f"world_size={world_size} but the process group has {size} processes")
    for p in model.parameters():
        if p.grad is not None:
            dist.all_reduce(p.grad, op=dist.ReduceOp.SUM)
            p.grad /= world_size
    return None


def train_single(cfg: DDPRun) -> dict:
    """Train the run's network in this process (one process, the whole global batch per step).

    Uses this process's torch threads as they are set. Returns ``{"params", "losses",
    "seconds", "world_size": 1, "mode": "single"}``.
    """
    cfg = _check_cfg(cfg)
    X, y = make_data(cfg)
    model = make_model(cfg)
    losses, seconds = _train_loop(model, X, y, cfg, 0, 1, _no_sync)
    return {"params": _flat(model), "losses": losses, "seconds": seconds, "world_size": 1, "mode": "single"}


# --- the workers -----------------------------------------------------------------------------------


def _worker(cfg: DDPRun, modes: tuple[str, ...], repeats: int) -> dict | None:
    """The body of one process of a ``torchrun`` job: train once per mode ("ddp": DDP,
    "manual": :func:`allreduce_mean_gradients`), each ``repeats`` times (the benchmark times
    the loop several times); return rank 0's results by mode (None on the other ranks)."""
    rank, world_size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    device = as_device(cfg.device, "cfg.device")
    if device.type == "cuda":
        device = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
        torch.cuda.set_device(device)
        cfg = cfg.replace(device=str(device))
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    try:
        X, y = make_data(cfg)
        results = {}
        for mode in modes:
            times = []
            for _ in range(repeats):
                model = make_model(cfg)
                if mode == "manual":
                    for p in model.parameters():  # start from rank 0's weights (as DDP does)
                        dist.broadcast(p.data, src=0)
                    net, sync = model, lambda m: allreduce_mean_gradients(m, world_size)
                else:
                    net, sync = nn.parallel.DistributedDataParallel(model), _no_sync
                dist.barrier()
                local_losses, seconds = _train_loop(net, X, y, cfg, rank, world_size, sync)
                dist.barrier()
                times.append(seconds)
            # the global mean loss of every step: the average of the shards' means (equal shards)
            losses = torch.tensor(local_losses, dtype=torch.float64, device=device)
            dist.all_reduce(losses, op=dist.ReduceOp.SUM)
            losses /= world_size
            results[mode] = {
                "params": _flat(model).tolist(),
                "losses": losses.cpu().tolist(),
                "seconds": times[0],
                "repeat_seconds": times,
                "world_size": world_size,
                "mode": mode,
            }
        comm = _time_allreduce(int(_flat(model).size), cfg, device, repeats) if repeats > 1 else None
        if rank != 0:
            return None
        for result in results.values():
            result["allreduce_seconds"] = comm  # the benchmark's communication time per step
        return results
    finally:
        dist.destroy_process_group()


def _time_allreduce(n: int, cfg: DDPRun, device: torch.device, repeats: int) -> list[float]:
    """Seconds of one all-reduce (sum) of ``n`` numbers of ``cfg.dtype``, the size of all the
    gradients of a step: the mean over 20 calls, ``repeats`` times (after a warm-up)."""
    buffer = torch.ones(n, dtype=DTYPES[cfg.dtype], device=device)
    times = []
    for k in range(repeats + 1):
        dist.barrier()
        start = time.perf_counter()
        for _ in range(20):
            dist.all_reduce(buffer)
        buffer.fill_(1.0)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        if k:  # the first round warms up the connection
            times.append((time.perf_counter() - start) / 20)
    return times


def _main(argv: list[str] | None = None) -> int:
    """``python -m physml.distributed --config JSON --output PATH [--modes ddp,manual] [--repeats N]``,
    run by every process that ``torchrun`` starts."""
    parser = argparse.ArgumentParser(prog="python -m physml.distributed", description=_main.__doc__)
    parser.add_argument("--config", required=True, help="the DDPRun settings as a JSON object")
    parser.add_argument("--output", required=True, help="file for rank 0's result (JSON)")
    parser.add_argument("--modes", default="ddp", help='"ddp", "manual" (all-reduce by hand) or both')
    parser.add_argument("--repeats", type=int, default=1, help="times the training loop is run")
    args = parser.parse_args(argv)
    cfg = DDPRun(**json.loads(args.config))
    rank = int(os.environ.get("RANK", "0"))
    try:
        modes = tuple(args.modes.split(","))
        if not modes or set(modes) - set(MODES):
            raise ValueError(f"--modes must be a comma-separated list of {MODES}, got {args.modes!r}")
        result = _worker(cfg, modes, max(1, args.repeats))
    except Exception as err:  # report it to the parent, then fail the job
        Path(f"{args.output}.error{rank}").write_text(
            json.dumps({"type": type(err).__name__, "message": str(err)})
        )
        raise
    if result is not None:
        Path(args.output).write_text(json.dumps(result))
    return 0


# --- the launcher ----------------------------------------------------------------------------------


def _worker_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in _LAUNCHER_VARIABLES}
    env.update(WORKER_THREADS)
    package_root = str(Path(__file__).resolve().parent.parent)  # physml importable from anywhere
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    return env


def _launch(
    cfg: DDPRun, world_size: int, modes: tuple[str, ...] = ("ddp",), timeout: float = 300.0, repeats: int = 1
) -> dict[str, dict]:
    """Start one ``torchrun`` job that trains once per mode (``MODES``), wait for it (at most
    ``timeout`` s) and read rank 0's results: ``{mode: result}``."""
    with tempfile.TemporaryDirectory(prefix="physml-ddp-") as tmp:
        output = Path(tmp) / "result.json"
        command = [
            sys.executable,
            "-m",
            "torch.distributed.run",  # = torchrun, with this interpreter
            "--standalone",
            f"--nproc_per_node={world_size}",
            "-m",
            "physml.distributed",
            "--config",
            json.dumps(cfg.as_dict()),
            "--output",
            str(output),
            "--repeats",
            str(repeats),
            "--modes",
            ",".join(modes),
        ]
        start = time.perf_counter()
        proc = subprocess.Popen(
            command,
            env=_worker_env(),
            cwd=tmp,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # the launcher and its workers form one process group
        )
        try:
            log, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop(proc)
            raise TimeoutError(
                f"train_ddp: the {world_size}-process run did not finish within timeout={timeout:g} s "
                "and was stopped (raise timeout, or make the run smaller: cfg.steps, cfg.n_samples)"
            ) from None
        launch_seconds = time.perf_counter() - start
        errors = sorted(Path(tmp).glob("result.json.error*"))
        if errors:
            first = json.loads(errors[0].read_text())
            message = f"a worker of train_ddp failed: {first['type']}: {first['message']}"
            if first["type"] == "FloatingPointError":
                raise FloatingPointError(message)
            raise RuntimeError(message)
        if proc.returncode != 0 or not output.exists():
            tail = "\n".join(log.strip().splitlines()[-20:])
            raise RuntimeError(f"train_ddp: torchrun exited with status {proc.returncode}:\n{tail}")
        results = json.loads(output.read_text())
    for result in results.values():
        result["params"] = np.asarray(result["params"], dtype=cfg.dtype)
        result["launch_seconds"] = launch_seconds
    return results


def _stop(proc: subprocess.Popen) -> None:
    """Stop the launcher and its workers (their process group), politely and then for good."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.communicate(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue


def train_ddp(cfg: DDPRun, world_size: int = 2, *, manual: bool = False, timeout: float = 300.0) -> dict:
    """Train the run's network on ``world_size`` processes started by ``torchrun``.

    Each process takes its shard (``cfg.global_batch / world_size`` samples) of every
    global batch, and the gradients are averaged over the processes by an all-reduce:
    inside ``DistributedDataParallel`` (``manual=False``) or by
    :func:`allreduce_mean_gradients` after the backward pass (``manual=True``). The workers
    run one thread each (``OMP_NUM_THREADS=1``); on the CPU they talk through the gloo
    backend, with ``cfg.device="cuda"`` each uses its own GPU and NCCL. A run that takes
    longer than ``timeout`` seconds (start-up included) is stopped with a ``TimeoutError``.

    Returns ``{"params", "losses", "seconds", "world_size", "mode", "repeat_seconds",
    "launch_seconds"}``: rank 0's final parameters (identical on every rank), the global
    mean loss of every step, the wall time of the training loop and the time of the whole
    launch (process start-up included).
    """
    cfg = _check_cfg(cfg)
    world_size = check_int(world_size, "world_size", minimum=1)
    manual = check_bool(manual, "manual")
    timeout = float(check_scalar(timeout, "timeout", minimum=0.0, include_min=False, maximum=86400.0))
    if cfg.global_batch % world_size:
        raise ValueError(
            f"cfg.global_batch={cfg.global_batch} must be divisible by world_size={world_size} "
            "(every process takes an equal shard of each global batch)"
        )
    device = as_device(cfg.device, "cfg.device")
    if device.type == "cuda" and world_size > torch.cuda.device_count():
        raise ValueError(
            f"world_size={world_size} processes need as many GPUs, "
            f"but {torch.cuda.device_count()} are visible"
        )
    mode = "manual" if manual else "ddp"
    return _launch(cfg, world_size, (mode,), timeout)[mode]


if __name__ == "__main__":
    sys.exit(_main())
