"""The computations of "Automatic differentiation", with their settings in view.

* random expressions (random shapes, broadcasting and operation sequences) differentiated
  by :mod:`physml.autodiff` and by ``torch.autograd`` in float64
  (:func:`random_expressions_run`);
* gradients of multilayer-perceptron costs by reverse mode, by the hand-written
  backpropagation of :class:`physml.nn.MLP` and by ``torch.autograd``
  (:func:`mlp_gradients_run`);
* forward mode (dual numbers) and reverse mode on a small function R^4 -> R^3, and the
  chapter's worked example (cheap and deterministic: plain functions);
* the data of the exercises (:func:`cluster_positions`).

The random expressions are *programs*: lists of steps ``(operation, operand indices,
option)`` that :func:`run_program` evaluates with either library. The same builder
:func:`random_program` is driven by a NumPy generator here and by hypothesis in the
unit tests.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence

import numpy as np

from .. import autodiff as ad
from ..experiment import Settings, setting, study

# ---------------------------------------------------------------------------------------
# Random expressions
# ---------------------------------------------------------------------------------------

# Element-wise operations, written so that the same code runs on a physml Tensor and on
# a torch tensor (both have these operators and methods). Logarithms, fractional powers
# and divisions act on 1 + x^2, so every random expression stays defined.
UNARY: dict[str, Callable] = {
    "-x": lambda x: -x,
    "2 - x": lambda x: 2.0 - x,
    "0.5 * x": lambda x: 0.5 * x,
    "exp": lambda x: x.exp(),
    "log(1 + x^2)": lambda x: (x * x + 1.0).log(),
    "sin": lambda x: x.sin(),
    "cos": lambda x: x.cos(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(),
    "abs": lambda x: abs(x),
    "x^2": lambda x: x**2,
    "x^3": lambda x: x**3,
    "(1 + x^2)^0.5": lambda x: (1.0 + x * x) ** 0.5,
    "(1 + x^2)^-1.5": lambda x: (1.0 + x * x) ** -1.5,
    "1 / (1 + x^2)": lambda x: 1.0 / (1.0 + x * x),
}
BINARY: dict[str, Callable] = {
    "x + y": lambda x, y: x + y,
    "x - y": lambda x, y: x - y,
    "x * y": lambda x, y: x * y,
    "x / (1 + y^2)": lambda x, y: x / (1.0 + y * y),
}
# operations that change the shape; their option is (axis, keepdims) for the reductions
SHAPE_OPS = ("sum", "mean", "transpose", "flatten", "matmul")
MAX_SIZE = 36  # keep every intermediate small


def _is_torch(x) -> bool:
    return not isinstance(x, ad.Tensor)


def _reduce(x, kind: str, axis, keepdims: bool):
    if not _is_torch(x):
        return getattr(x, kind)(axis=axis, keepdims=keepdims)
    dims = tuple(range(x.ndim)) if axis is None else axis
    if x.ndim == 0:
        return x * 1.0 if kind == "sum" else x.mean()
    return getattr(x, kind)(dim=dims, keepdim=keepdims)


def _apply(step: tuple, values: list):
    op, args, option = step
    xs = [values[i] for i in args]
    if op in UNARY:
        return UNARY[op](xs[0])
    if op in BINARY:
        return BINARY[op](xs[0], xs[1])
    if op in ("sum", "mean"):
        return _reduce(xs[0], op, *option)
    if op == "transpose":
        return xs[0].T if not _is_torch(xs[0]) else xs[0].permute(1, 0)
    if op == "flatten":
        return xs[0].reshape(-1)
    if op == "matmul":
        return xs[0] @ xs[1]
    raise ValueError(f"unknown operation {op!r} in program")


def _matmul_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    if len(a) not in (1, 2) or len(b) not in (1, 2) or a[-1] != b[0]:
        return None
    return a[:-1] + b[1:]


def _result_shape(step: tuple, shapes: list[tuple[int, ...]]) -> tuple[int, ...] | None:
    """Shape of a step's result, or None if the step is not valid for these operands."""
    op, args, option = step
    a = shapes[args[0]]
    if op in UNARY:
        return a
    if op in BINARY:
        try:
            shape = np.broadcast_shapes(a, shapes[args[1]])
        except ValueError:
            return None
        return shape if len(shape) <= 2 and math.prod(shape) <= MAX_SIZE else None
    if op in ("sum", "mean"):
        axis, keepdims = option
        axes = range(len(a)) if axis is None else [axis]
        return (
            tuple(1 if i in axes else n for i, n in enumerate(a))
            if keepdims
            else tuple(n for i, n in enumerate(a) if i not in axes)
        )
    if op == "transpose":
        return a[::-1] if len(a) == 2 else None
    if op == "flatten":
        return (math.prod(a),)
    if op == "matmul":
        return _matmul_shape(a, shapes[args[1]])
    return None


def _options(op: str, shapes: list[tuple[int, ...]]) -> list[tuple]:
    """Every valid step ``(op, args, option)`` for the current pool of values."""
    idx = range(len(shapes))
    if op in UNARY or op in ("transpose", "flatten"):
        steps = [(op, (i,), None) for i in idx]
    elif op in BINARY or op == "matmul":
        steps = [(op, (i, j), None) for i in idx for j in idx]
    else:  # sum, mean
        steps = [
            (op, (i,), (axis, keepdims))
            for i in idx
            for axis in (None, *range(len(shapes[i])))
            for keepdims in (False, True)
        ]
    return [s for s in steps if _result_shape(s, shapes) is not None]


def random_program(choose: Callable[[Sequence], object], leaf_shapes: Sequence[tuple[int, ...]], n_ops: int):
    """A random valid program on leaves of ``leaf_shapes``.

    ``choose(options)`` returns one element of a list; it is called once to pick the
    operation and once to pick its operands among the values computed so far (so
    values are reused, as in real expressions). Returns the list of steps.
    """
    shapes = [tuple(s) for s in leaf_shapes]
    program = []
    for _ in range(n_ops):
        ops = [op for op in (*UNARY, *BINARY, *SHAPE_OPS) if _options(op, shapes)]
        step = choose(_options(choose(ops), shapes))
        program.append(step)
        shapes.append(_result_shape(step, shapes))
    return program


def run_program(program: Sequence[tuple], leaves: Sequence):
    """Evaluate ``program`` on ``leaves`` (physml Tensors or torch tensors).

    The result is the scalar sum over every computed value of its mean, so that every
    step of the program influences the result.
    """
    values = list(leaves)
    for step in program:
        values.append(_apply(step, values))
    total = 0.0
    for v in values[len(leaves) :]:
        total = total + _reduce(v, "mean", None, False)
    return total


def gradients_autodiff(program, arrays) -> list[np.ndarray]:
    """Gradient of ``run_program`` with respect to every leaf, by :mod:`physml.autodiff`."""
    leaves = [ad.Tensor(a) for a in arrays]
    run_program(program, leaves).backward()
    return [leaf.grad for leaf in leaves]


def gradients_torch(program, arrays) -> list[np.ndarray]:
    """The same gradients from ``torch.autograd`` in float64 (zero for an unused leaf)."""
    import torch

    leaves = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out = run_program(program, leaves)
    grads = torch.autograd.grad(out, leaves, allow_unused=True)
    return [np.zeros(a.shape) if g is None else g.numpy() for a, g in zip(arrays, grads, strict=True)]


def leaf_shapes_from(m: int, n: int, picks: Sequence[int]) -> list[tuple[int, ...]]:
    """Leaf shapes that broadcast against an (m, n) matrix, chosen by index from a fixed menu."""
    menu = [(m, n), (n,), (m, 1), (1, n), (), (n, m), (m,)]
    return [menu[k % len(menu)] for k in picks]


def scaled_difference(grads: list[np.ndarray], reference: list[np.ndarray]) -> float:
    """max_k max |g_k - r_k| / max(1, max |r_k|): the error of each leaf's gradient relative to its size."""
    return max(
        float(np.max(np.abs(g - r), initial=0.0)) / max(1.0, float(np.max(np.abs(r), initial=0.0)))
        for g, r in zip(grads, reference, strict=True)
    )


class RandomExpressions(Settings):
    """Settings of the comparison with ``torch.autograd`` on random expressions."""

    n: int = setting(40, low=1, doc="random expressions (programs)")
    n_ops: int = setting(8, low=1, doc="steps of every program")
    seed: int = setting(0, low=0, doc="expression k is drawn with the seed seed + k")

    SHORT = {"n": 8}


def random_case(seed: int, n_ops: int = 8):
    """A random program and leaf arrays from one integer seed."""
    rng = np.random.default_rng(seed)

    def choose(options):
        return options[rng.integers(len(options))]

    m, n = rng.integers(1, 5, size=2)
    shapes = leaf_shapes_from(int(m), int(n), rng.integers(0, 7, size=int(rng.integers(2, 5))))
    program = random_program(choose, shapes, n_ops)
    arrays = [rng.normal(scale=0.8, size=s) for s in shapes]
    return program, arrays


@study("autodiff", RandomExpressions)
def random_expressions_run(cfg: RandomExpressions) -> list[dict]:
    """Program, arrays, autodiff and torch gradients of ``cfg.n`` random expressions."""
    results = []
    with np.errstate(over="ignore"):
        for seed in range(cfg.seed, cfg.seed + cfg.n):
            program, arrays = random_case(seed, cfg.n_ops)
            mine, torch_grads = gradients_autodiff(program, arrays), gradients_torch(program, arrays)
            results.append({"program": program, "arrays": arrays, "autodiff": mine, "torch": torch_grads})
    return results


# ---------------------------------------------------------------------------------------
# Multilayer perceptrons: reverse mode against hand-written backpropagation and torch
# ---------------------------------------------------------------------------------------


MLP_CASES = [
    {
        "layer_sizes": [5, 16, 12, 4],
        "hidden_activation": "tanh",
        "output_activation": "softmax",
        "loss": "cross_entropy",
        "l2": 1e-3,
        "l1": 1e-3,
    },
    {
        "layer_sizes": [3, 20, 20, 2],
        "hidden_activation": ["relu", "leaky_relu"],
        "output_activation": "identity",
        "loss": "mse",
        "l2": 1e-2,
        "l1": 0.0,
    },
    {
        "layer_sizes": [4, 10, 3],
        "hidden_activation": "sigmoid",
        "output_activation": "sigmoid",
        "loss": "binary_cross_entropy",
        "l2": 0.0,
        "l1": 0.0,
    },
]


def mlp_data(case: dict, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random inputs and targets of the right kind for an MLP case (one-hot rows for cross-entropy)."""
    rng = np.random.default_rng(seed)
    n_in, n_out = case["layer_sizes"][0], case["layer_sizes"][-1]
    X = rng.normal(size=(n, n_in))
    if case["loss"] == "cross_entropy":
        Y = np.eye(n_out)[rng.integers(0, n_out, size=n)]
    elif case["loss"] == "binary_cross_entropy":
        Y = rng.integers(0, 2, size=(n, n_out)).astype(float)
    else:
        Y = rng.normal(size=(n, n_out))
    return X, Y


def mlp_gradients_autodiff(model, X, Y) -> tuple[float, list[np.ndarray]]:
    """Cost and gradients of a :class:`physml.nn.MLP` by reverse mode on :func:`physml.autodiff.mlp_cost`."""
    params = [ad.Tensor(p) for p in model.params]
    cost = ad.mlp_cost(
        params,
        X,
        Y,
        hidden_activation=model.hidden_activations,
        output_activation=model.output_activation,
        loss=model.loss_name,
        l2=model.l2,
        l1=model.l1,
    )
    cost.backward()
    return cost.item(), [p.grad for p in params]


class MLPGradients(Settings):
    """Settings of the comparison of reverse mode with backpropagation and torch on ``MLP_CASES``."""

    n_samples: int = setting(32, low=1, doc="random samples in the batch of every network")
    seed: int = setting(
        100, low=0, doc="case k: weights seeded by seed + k, biases seed + 100 + k, data seed + 200 + k"
    )


@study("autodiff", MLPGradients)
def mlp_gradients_run(cfg: MLPGradients) -> list[dict]:
    """For every MLP case: its cost and the three sets of gradients (autodiff, backprop, torch)."""
    from ..nn import MLP, torch_twin

    results = []
    for k, case in enumerate(MLP_CASES):
        options = {key: value for key, value in case.items() if key != "layer_sizes"}
        model = MLP(case["layer_sizes"], init="xavier", seed=cfg.seed + k, **options)
        # non-zero biases, so that their gradients are tested at a generic point
        rng = np.random.default_rng(cfg.seed + 100 + k)
        for b in model.biases:
            b[...] = rng.normal(scale=0.3, size=b.shape)
        X, Y = mlp_data(case, n=cfg.n_samples, seed=cfg.seed + 200 + k)
        cost, grads = mlp_gradients_autodiff(model, X, Y)
        backprop_cost, backprop = model.loss_and_gradients(X, Y)
        torch_cost, torch_grads = torch_twin.autograd_gradients(model, X, Y)
        results.append(
            {
                "case": case,
                "model": model,
                "cost": (cost, backprop_cost, torch_cost),
                "autodiff": grads,
                "backprop": backprop,
                "torch": torch_grads,
            }
        )
    return results


# ---------------------------------------------------------------------------------------
# Forward against reverse mode, and the worked example
# ---------------------------------------------------------------------------------------


def spring_chain(x: Sequence) -> list:
    """A small f: R^4 -> R^3 used to compare the two modes: the energies of three nonlinear springs.

    Works on numbers, Duals and Tensors alike (only operators and ``physml.autodiff``
    functions are used).
    """
    return [
        0.5 * (x[1] - x[0] - 1.0) ** 2 + ad.cos(x[0]),
        ad.exp(-((x[2] - x[1]) ** 2)) * ad.tanh(x[3]),
        ad.log(1.0 + x[3] * x[3]) / (1.0 + ad.sigmoid(x[2] * x[0])),
    ]


SPRING_POINT = (0.3, 1.1, -0.4, 0.8)


@functools.cache
def forward_reverse_jacobians() -> dict:
    """The Jacobian of :func:`spring_chain` in both modes, with the number of passes each needed."""
    j_fwd, n_fwd = ad.jacobian_forward(spring_chain, SPRING_POINT)
    j_rev, n_rev = ad.jacobian_reverse(spring_chain, SPRING_POINT)
    return {"forward": j_fwd, "forward_passes": n_fwd, "reverse": j_rev, "reverse_passes": n_rev}


EXAMPLE_POINT = (2.0, 5.0)


def example_function(x1, x2):
    """The chapter's running example, f(x1, x2) = ln x1 + x1 x2 - sin x2."""
    return ad.log(x1) + x1 * x2 - ad.sin(x2)


@functools.cache
def example_graph():
    """The graph of the example at ``EXAMPLE_POINT`` after one reverse sweep: (x1, x2, y)."""
    x1 = ad.Tensor(EXAMPLE_POINT[0], name="x1")
    x2 = ad.Tensor(EXAMPLE_POINT[1], name="x2")
    y = example_function(x1, x2)
    y.backward()
    return x1, x2, y


# ---------------------------------------------------------------------------------------
# Data of the exercises
# ---------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------
# Higher derivatives and checkpointing
# ---------------------------------------------------------------------------------------


class SecondOrderRun(Settings):
    """Settings of the higher-order section: Hessian-vector products and the Laplacian of the
    n-dimensional Rosenbrock function at a random point, Hutchinson's estimate of the Laplacian,
    and the memory of a deep tanh network with and without checkpointing."""

    n: int = setting(50, low=2, doc="dimension of the Rosenbrock function")
    n_probes: int = setting(200, low=2, doc="random sign probes of Hutchinson's estimate")
    depth: int = setting(16, low=2, doc="Linear + tanh blocks of the checkpointing network")
    width: int = setting(64, low=1, doc="units per layer of that network")
    batch: int = setting(128, low=1, doc="inputs in one forward pass")
    segments: int = setting(4, low=1, doc="checkpointed segments (torch.utils.checkpoint)")
    seed: int = setting(2026, low=0, doc="seed of the point, the probes and the network")

    SHORT = {"n": 20, "n_probes": 50}


@study("autodiff", SecondOrderRun)
def second_order_run(cfg: SecondOrderRun) -> dict:
    """Second derivatives by composing the two modes, against the Hessian by hand; Hutchinson's
    estimate; saved activations with and without checkpointing (first-layer gradients of both)."""
    import torch

    from .. import higher_order as ho

    gen = torch.Generator().manual_seed(cfg.seed)
    x = torch.randn(cfg.n, generator=gen, dtype=torch.float64)
    v = torch.randn(cfg.n, generator=gen, dtype=torch.float64)
    hessian = ho.rosenbrock_hessian(x)
    hv = {m: ho.hvp(ho.rosenbrock, x, v, m).numpy() for m in ho.HVP_METHODS}
    lap = float(ho.laplacian(ho.rosenbrock, x))
    hutch = ho.hutchinson_laplacian(ho.rosenbrock, x, cfg.n_probes, seed=cfg.seed)
    off = hessian - np.diag(np.diag(hessian))
    torch.manual_seed(cfg.seed)
    layers = [m for _ in range(cfg.depth) for m in (torch.nn.Linear(cfg.width, cfg.width), torch.nn.Tanh())]
    net = torch.nn.Sequential(*layers).double()
    inputs = torch.randn(cfg.batch, cfg.width, generator=gen, dtype=torch.float64)
    plain, grad_plain = ho.saved_activation_bytes(net, inputs, 0)
    ckpt, grad_ckpt = ho.saved_activation_bytes(net, inputs, min(cfg.segments, len(net)))
    return {
        "hv": hv,
        "hv_exact": hessian @ v.numpy(),
        "laplacian": lap,
        "trace": float(np.trace(hessian)),
        "hutchinson": hutch,
        "hutchinson_sigma_theory": float(np.sqrt(2 * np.sum(off**2) / cfg.n_probes)),
        "saved_plain": plain,
        "saved_checkpoint": ckpt,
        "activation_bytes": cfg.batch * cfg.width * 8,
        "grad_difference": float((grad_plain - grad_ckpt).abs().max()),
    }


def cluster_positions() -> np.ndarray:
    """Four atoms near the corners of a regular tetrahedron (reduced Lennard-Jones units).

    The edge is 1.12, close to the pair-potential minimum 2^(1/6); every coordinate is
    displaced by Gaussian noise of width 0.05 (seed 2026). Used by the exercises.
    """
    corners = np.array(
        [
            [0.0, 0.0, 0.0],
            [1.0, 0.0, 0.0],
            [0.5, math.sqrt(3) / 2, 0.0],
            [0.5, math.sqrt(3) / 6, math.sqrt(2 / 3)],
        ]
    )
    return 1.12 * corners + 0.05 * np.random.default_rng(2026).normal(size=corners.shape)
