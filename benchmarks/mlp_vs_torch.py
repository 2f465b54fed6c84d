"""Time per epoch of the physml MLP against the same network in PyTorch (CPU).

    .venv/bin/python benchmarks/mlp_vs_torch.py [--epochs 5] [--repeats 3] [--threads both]

The network is the digits classifier of the chapter "Feed-forward neural networks":
64-100-100-10, sigmoid (or --activation relu) hidden units, softmax output with
cross-entropy, mini-batches of 32 from the 1437 training images of scikit-learn's digits.
Both implementations start from the same weights, see the same batches in the same order
and use the same optimizer (plain SGD, learning rate 0.1, or Adam, learning rate 1e-3),
in float32 and float64. Both compute the batch cost at every step (physml checks it for
NaN, PyTorch returns it with ``loss.item()``). PyTorch uses its idiomatic loop: a
``torch.nn.Sequential``, ``torch.nn.CrossEntropyLoss`` on integer labels,
``torch.optim.SGD``/``Adam``.

Every configuration is warmed up for one epoch, then timed ``--repeats`` times over
``--epochs`` epochs, alternating between the two libraries so that both see the same
machine load; the table shows the best (smallest) and the median time per epoch. The
script prints; it asserts nothing. Other processes on the machine change the numbers:
run it a few times.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("PHYSML_QUIET", "1")  # no progress bars

import numpy as np  # noqa: E402
import torch  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

from physml import optim  # noqa: E402
from physml.nn import MLP, examples, torch_twin  # noqa: E402
from physml.optim import minibatches  # noqa: E402

LAYERS = [64, 100, 100, 10]
BATCH_SIZE = 32
LEARNING_RATES = {"sgd": 0.1, "adam": 1e-3}


def physml_epochs(model: MLP, X, y, optimizer, epochs: int, rng) -> float:
    """Train ``epochs`` epochs with physml; return the mean training cost of the last one."""
    return model.fit(X, y, optimizer, epochs=epochs, batch_size=BATCH_SIZE, seed=rng)["train_loss"][-1]


def torch_epochs(net, X_t, labels_t, optimizer, epochs: int, rng) -> float:
    """The same training loop, written as one would in PyTorch."""
    loss_fn = torch.nn.CrossEntropyLoss()
    n = X_t.shape[0]
    for _ in range(epochs):
        total = 0.0
        for rows in minibatches(n, BATCH_SIZE, rng):
            index = torch.from_numpy(rows)
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(net(X_t[index]), labels_t[index])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(rows)
    return total / n


def make_pair(dtype, activation: str, opt_name: str):
    """A physml network and its torch copy (same initial weights), each with its optimizer."""
    init = "he" if activation == "relu" else "xavier"
    model = MLP(LAYERS, activation, "softmax", "cross_entropy", init=init, seed=2026, dtype=dtype)
    net = torch_twin.to_torch(model)
    lr = LEARNING_RATES[opt_name]
    physml_opt = optim.GradientDescent(lr) if opt_name == "sgd" else optim.Adam(lr)
    torch_opt = torch_twin.make_torch_optimizer(net, opt_name, lr)
    return model, physml_opt, net, torch_opt


def measure(dtype, activation: str, opt_name: str, epochs: int, repeats: int, data) -> dict:
    X, y = data
    model, physml_opt, net, torch_opt = make_pair(dtype, activation, opt_name)
    X_np = X.astype(dtype)
    X_t = torch.from_numpy(X_np)
    labels_t = torch.from_numpy(y.astype(np.int64))
    physml_rng, torch_rng = np.random.default_rng(0), np.random.default_rng(0)
    physml_epochs(model, X_np, y, physml_opt, 1, physml_rng)  # warm-up
    torch_epochs(net, X_t, labels_t, torch_opt, 1, torch_rng)
    times = {"physml": [], "torch": []}
    for _ in range(repeats):
        start = time.perf_counter()
        physml_loss = physml_epochs(model, X_np, y, physml_opt, epochs, physml_rng)
        times["physml"].append((time.perf_counter() - start) / epochs)
        start = time.perf_counter()
        torch_loss = torch_epochs(net, X_t, labels_t, torch_opt, epochs, torch_rng)
        times["torch"].append((time.perf_counter() - start) / epochs)
    return {
        "best": {k: min(v) for k, v in times.items()},
        "median": {k: statistics.median(v) for k, v in times.items()},
        "loss": {"physml": physml_loss, "torch": torch_loss},
    }


def blas_threads() -> str:
    return ",".join(f"{i['internal_api']}:{i['num_threads']}" for i in threadpool_info()) or "?"


def run(args, data, single_thread: bool) -> list[list[str]]:
    rows = []
    for dtype in (np.float32, np.float64):
        for opt_name in ("sgd", "adam"):
            r = measure(dtype, args.activation, opt_name, args.epochs, args.repeats, data)
            b, m = r["best"], r["median"]
            rows.append(
                [
                    "1" if single_thread else "default",
                    np.dtype(dtype).name,
                    opt_name,
                    f"{1e3 * b['physml']:.2f}",
                    f"{1e3 * b['torch']:.2f}",
                    f"{b['physml'] / b['torch']:.2f}",
                    f"{m['physml'] / m['torch']:.2f}",
                    f"{r['loss']['physml']:.4f}",
                    f"{r['loss']['torch']:.4f}",
                ]
            )
    return rows


def print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="epochs per timed repeat")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats per configuration")
    parser.add_argument("--activation", choices=["sigmoid", "relu"], default="sigmoid")
    parser.add_argument(
        "--threads",
        choices=["default", "1", "both"],
        default="both",
        help="default: library defaults; 1: one thread for torch and BLAS; both: run both",
    )
    args = parser.parse_args()

    X_train, _, y_train, _ = examples.digits_data()
    data = (X_train, y_train)
    print(
        f"MLP {'-'.join(map(str, LAYERS))}, {args.activation} hidden, softmax + cross-entropy, "
        f"batch {BATCH_SIZE}, {len(y_train)} training images "
        f"({-(-len(y_train) // BATCH_SIZE)} steps per epoch)"
    )
    print(
        f"numpy {np.__version__}, torch {torch.__version__}, {os.cpu_count()} CPUs; "
        f"default threads: torch {torch.get_num_threads()}, BLAS {blas_threads()}"
    )
    print(f"time per epoch: best (and median) of {args.repeats} repeats of {args.epochs} epochs\n")

    rows = []
    if args.threads in ("default", "both"):
        rows += run(args, data, single_thread=False)
    if args.threads in ("1", "both"):
        previous = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with threadpool_limits(1):
                rows += run(args, data, single_thread=True)
        finally:
            torch.set_num_threads(previous)
    header = [
        "threads",
        "dtype",
        "optim",
        "physml ms",
        "torch ms",
        "ratio",
        "ratio(median)",
        "loss physml",
        "loss torch",
    ]
    print_table(header, rows)
    print(
        "\nratio = physml time / torch time per epoch (< 1: physml faster); the losses are the mean training"
    )
    print("cost of the last epoch (identical start and batches, so they should agree closely).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
