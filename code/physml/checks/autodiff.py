"""Reference checks of the chapter "Automatic differentiation".

* gradients of random expressions from :mod:`physml.autodiff` against ``torch.autograd``;
* gradients of multilayer-perceptron costs against the hand-written backpropagation of
  :class:`physml.nn.MLP` and against ``torch.autograd``;
* forward mode (dual numbers) and reverse mode against the exact Jacobian (SymPy);
* the chapter's small example against its derivative worked out by hand.

The computations are in ``physml.studies.autodiff``; the checks of the two studies read
the run the page made (``experiment.current``: the book's settings in the book, the short
ones in the unit tests).
"""

from __future__ import annotations

import math

import numpy as np

from ..experiment import current
from ..studies import autodiff as study
from ..validation import reference_check


def random_expression_results(short: bool = False) -> list[dict]:
    return study.random_expressions_run(current(study.random_expressions_run, short))


def mlp_results(short: bool = False) -> list[dict]:
    return study.mlp_gradients_run(current(study.mlp_gradients_run, short))


@reference_check(
    "autodiff.random-expressions-torch",
    chapter="autodiff",
    description="Gradients of random array expressions (broadcasting, reductions, matmul) equal "
    "torch.autograd's (each leaf's gradient scaled by max(1, its size))",
    reference_source="torch.autograd, float64 (book: 40 expressions; short configuration: 8)",
    kind="abs",
    tolerance=1e-10,
    reference_kind="library",
    tolerance_from="bound",
    why="both exact to float64 rounding of a few dozen operations on values of order 1, far below 1e-10",
)
def _random_expressions(short: bool):
    value, reference = [], []
    for r in random_expression_results(short):
        for g, t in zip(r["autodiff"], r["torch"], strict=True):
            scale = max(1.0, float(np.max(np.abs(t), initial=0.0)))
            value.append(np.ravel(g) / scale)
            reference.append(np.ravel(t) / scale)
    return np.concatenate(value), np.concatenate(reference)


def _flat(arrays: list[np.ndarray]) -> np.ndarray:
    return np.concatenate([np.ravel(a) for a in arrays])


@reference_check(
    "autodiff.mlp-backprop",
    chapter="autodiff",
    description="Reverse-mode gradients of three MLP costs equal the hand-derived backpropagation "
    "of physml.nn.MLP",
    reference_source="physml.nn.MLP.gradients (backpropagation derived by hand)",
    kind="abs",
    tolerance=1e-10,
    reference_kind="exact",
    tolerance_from="bound",
    why="the derivative worked out by hand; both sides exact to float64 rounding, far below 1e-10",
)
def _mlp_backprop(short: bool):
    results = mlp_results(short)
    return _flat([_flat(r["autodiff"]) for r in results]), _flat([_flat(r["backprop"]) for r in results])


@reference_check(
    "autodiff.mlp-torch",
    chapter="autodiff",
    description="Reverse-mode gradients of the same MLP costs equal torch.autograd's",
    reference_source="torch.autograd via physml.nn.torch_twin, float64",
    kind="abs",
    tolerance=1e-10,
    reference_kind="library",
    tolerance_from="bound",
    why="both exact to float64 rounding, far below 1e-10",
)
def _mlp_torch(short: bool):
    results = mlp_results(short)
    return _flat([_flat(r["autodiff"]) for r in results]), _flat([_flat(r["torch"]) for r in results])


def spring_jacobian_exact() -> np.ndarray:
    """The Jacobian of :func:`physml.studies.autodiff.spring_chain` at ``SPRING_POINT``, by SymPy."""
    import sympy as sp

    x = sp.symbols("x0:4")
    sigmoid = 1 / (1 + sp.exp(-x[2] * x[0]))
    f = sp.Matrix(
        [
            sp.Rational(1, 2) * (x[1] - x[0] - 1) ** 2 + sp.cos(x[0]),
            sp.exp(-((x[2] - x[1]) ** 2)) * sp.tanh(x[3]),
            sp.log(1 + x[3] ** 2) / (1 + sigmoid),
        ]
    )
    jacobian = f.jacobian(x).subs(dict(zip(x, study.SPRING_POINT, strict=True)))
    return np.array(jacobian.evalf(30), dtype=float)


@reference_check(
    "autodiff.forward-reverse",
    chapter="autodiff",
    description="The Jacobian of a function R^4 -> R^3 from forward mode (dual numbers) and from "
    "reverse mode equals the exact one",
    reference_source="SymPy: the Jacobian of the same formula, differentiated symbolically",
    kind="abs",
    tolerance=1e-12,
    reference_kind="exact",
    tolerance_from="bound",
    why="a dozen float64 operations on values of order 1: rounding of order 1e-15",
)
def _forward_reverse():
    j = study.forward_reverse_jacobians()
    exact = spring_jacobian_exact()
    return np.concatenate([j["forward"].ravel(), j["reverse"].ravel()]), np.tile(exact.ravel(), 2)


@reference_check(
    "autodiff.example-exact",
    chapter="autodiff",
    description="Reverse-mode gradient of ln x1 + x1 x2 - sin x2 at (2, 5) equals the derivative by hand",
    reference_source="exact: (1/x1 + x2, x1 - cos x2)",
    kind="abs",
    tolerance=1e-14,
    reference_kind="exact",
    tolerance_from="bound",
    why="three float64 operations on values below 6: rounding below 1e-14",
)
def _example():
    x1, x2, _ = study.example_graph()
    a, b = study.EXAMPLE_POINT
    return np.array([x1.grad.item(), x2.grad.item()]), np.array([1 / a + b, a - math.cos(b)])


def _second_order(short: bool) -> dict:
    return study.second_order_run(current(study.second_order_run, short))


@reference_check(
    "autodiff.hvp-exact",
    chapter="autodiff",
    description="Hessian-vector products of the Rosenbrock function, forward-over-reverse and "
    "reverse-over-reverse, equal the Hessian by hand times v",
    reference_source="physml.higher_order.rosenbrock_hessian (tridiagonal Hessian differentiated by hand)",
    kind="rel",
    tolerance=1e-12,
    reference_kind="exact",
    tolerance_from="bound",
    why="each entry of Hv is a sum of three float64 products: rounding of a few 1e-16 relative to max|Hv|",
)
def _hvp(short: bool):
    run = _second_order(short)
    return np.concatenate([run["hv"][m] for m in sorted(run["hv"])]), np.tile(run["hv_exact"], len(run["hv"]))


@reference_check(
    "autodiff.laplacian-exact",
    chapter="autodiff",
    description="The Laplacian from n forward-over-reverse products equals the trace of the Hessian by hand",
    reference_source="trace of physml.higher_order.rosenbrock_hessian",
    kind="rel",
    tolerance=1e-12,
    reference_kind="exact",
    tolerance_from="bound",
    why="a sum of n <= 50 diagonal entries in float64: relative rounding below n times 1e-16",
    glued=("ad-laplacian",),
)
def _laplacian(short: bool):
    run = _second_order(short)
    return run["laplacian"], run["trace"]


@reference_check(
    "autodiff.hutchinson",
    chapter="autodiff",
    description="Hutchinson's estimate of the Laplacian agrees with the exact trace within its error bar",
    reference_source="trace of the Hessian by hand; sigma = sample standard deviation / sqrt(probes)",
    kind="stat",
    k=3.0,
    reference_kind="exact",
    tolerance_from="sigma",
    why="an unbiased Monte Carlo estimate: 3 standard errors, no systematic allowance",
    glued=("ad-hutchinson",),
)
def _hutchinson(short: bool):
    run = _second_order(short)
    mean, error = run["hutchinson"]
    return mean, error, run["trace"]


@reference_check(
    "autodiff.checkpoint-memory",
    chapter="autodiff",
    description="Checkpointing in 4 segments keeps at most half of the saved activations of the plain "
    "backward pass of a 16-block network",
    reference_source="checkpoint_sequential keeps the inputs of S - 1 segments and the last segment's "
    "activations: about (S - 1 + L/S)/L = 7/16 of the plain run at S = 4, L = 16",
    kind="at_most",
    reference_kind="exact",
    tolerance_from="bound",
    why="the count (S - 1 + L/S)/L = 0.44 plus the per-block extras torch saves; 0.5 stated before the run",
    glued=("ad-ckpt-ratio",),
)
def _checkpoint(short: bool):
    run = _second_order(short)
    return run["saved_checkpoint"] / run["saved_plain"], 0.5
