"""Time of a convolution's forward and backward pass: physml.conv (NumPy im2col) against torch (CPU).

    .venv/bin/python benchmarks/conv_vs_torch.py [--repeats 5] [--threads 1]

For a few layer shapes (batch, channels in/out, image size, 3x3 kernels, padding 1) the
table shows the best of ``--repeats`` timings of ``conv2d_forward`` + ``conv2d_backward``
and of ``torch.nn.functional.conv2d`` + ``backward()``, in float64, and the largest
difference of their outputs and gradients. The script prints; it asserts nothing. Other
processes on the machine change the numbers: run it a few times.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F

from physml import conv

SHAPES = [(32, 1, 8, 8), (32, 8, 16, 8), (16, 16, 32, 16), (8, 32, 32, 32)]  # (N, C_in, C_out, H = W)


def _best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    print(f"{'N':>3} {'C_in':>4} {'C_out':>5} {'H=W':>4} {'physml ms':>10} {'torch ms':>9} {'max diff':>9}")
    for n, c_in, c_out, size in SHAPES:
        x = rng.normal(size=(n, c_in, size, size))
        w = rng.normal(size=(c_out, c_in, 3, 3))
        b = rng.normal(size=c_out)
        g = rng.normal(size=(n, c_out, size, size))

        def ours(x=x, w=w, b=b, g=g):
            out = conv.conv2d_forward(x, w, b, padding=1)
            return out, *conv.conv2d_backward(g, x, w, padding=1)

        def theirs(x=x, w=w, b=b, g=g):
            xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
            out = F.conv2d(xt, wt, bt, padding=1)
            out.backward(torch.from_numpy(g))
            return out.detach().numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()

        diff = max(np.max(np.abs(a - c)) for a, c in zip(ours(), theirs(), strict=True))
        t_ours, t_theirs = _best(ours, args.repeats), _best(theirs, args.repeats)
        print(
            f"{n:>3} {c_in:>4} {c_out:>5} {size:>4} {1e3 * t_ours:>10.2f} {1e3 * t_theirs:>9.2f} {diff:>9.1e}"
        )


if __name__ == "__main__":
    main()
