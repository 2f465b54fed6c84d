r"""Higher-order automatic differentiation with PyTorch (chapter "Automatic differentiation").

The chapter builds forward mode (Jacobian-vector products, JVP) and reverse mode
(vector-Jacobian products, VJP) from scratch. Composing the two gives second derivatives
without ever forming a Hessian:

* :func:`hvp` - a Hessian-vector product :math:`H\boldsymbol v` as forward-over-reverse
  (the JVP of the gradient, ``torch.func.jvp`` of ``torch.func.grad``) or
  reverse-over-reverse (``torch.autograd.grad`` twice, with ``create_graph=True``);
* :func:`laplacian` - the trace of the Hessian,
  :math:`\nabla^2 f = \sum_i \boldsymbol e_i^T H \boldsymbol e_i`, from n Hessian-vector products,
  as the PINN and VMC chapters need it;
* :func:`hutchinson_laplacian` - the same trace estimated from random probes, with its
  standard error;
* :func:`saved_activation_bytes` - what reverse mode stores for the backward sweep, with and
  without gradient checkpointing (``torch.utils.checkpoint``);
* :func:`rosenbrock` and :func:`rosenbrock_hessian` - a test function with a Hessian by hand.

Functions ``f`` map a 1-D float tensor to a scalar tensor and must be written in torch
operations (``torch.func`` traces them).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from ._validate import as_float_array, as_rng, check_callable, check_choice, check_int, check_tensor

HVP_METHODS = ("forward-over-reverse", "reverse-over-reverse")


def _check_point(x, name: str = "x") -> torch.Tensor:
    return check_tensor(x, name, ndim=1, nonempty=True, finite=True)


def _check_scalar_output(value, name: str = "f") -> None:
    if not isinstance(value, torch.Tensor) or value.ndim != 0:
        raise ValueError(f"{name} must return a scalar tensor (0 dimensions)")


def rosenbrock(x: torch.Tensor) -> torch.Tensor:
    r"""The n-dimensional Rosenbrock function (chapter "Automatic differentiation"),

    .. math::

        f(\boldsymbol x) = \sum_{i=0}^{n-2}\bigl[100\,(x_{i+1} - x_i^2)^2 + (1 - x_i)^2\bigr].
    """
    x = _check_point(x)
    if x.numel() < 2:
        raise ValueError("x must have at least 2 components")
    return (100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2).sum()


def rosenbrock_hessian(x) -> np.ndarray:
    r"""The Hessian of :func:`rosenbrock`, differentiated by hand (a tridiagonal matrix),

    .. math::

        H_{ii} = \bigl(1200x_i^2 - 400x_{i+1} + 2\bigr)[i < n-1] + 200\,[i > 0],\qquad
        H_{i,i+1} = H_{i+1,i} = -400\,x_i .
    """
    if isinstance(x, torch.Tensor):
        x = _check_point(x).detach().cpu().numpy()
    x = as_float_array(x, "x", ndim=1, nonempty=True)
    if x.size < 2:
        raise ValueError("x must have at least 2 components")
    n = x.size
    h = np.zeros((n, n))
    i = np.arange(n - 1)
    h[i, i] += 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
    h[i + 1, i + 1] += 200.0
    h[i, i + 1] = h[i + 1, i] = -400.0 * x[:-1]
    return h


def hvp(f: Callable, x: torch.Tensor, v: torch.Tensor, method: str = "forward-over-reverse") -> torch.Tensor:
    r"""The Hessian-vector product :math:`H(\boldsymbol x)\boldsymbol v` of a scalar function.

    Forward-over-reverse differentiates the gradient along :math:`\boldsymbol v` by forward mode,

    .. math::

        H\boldsymbol v = \frac{d}{d\varepsilon}
        \nabla f(\boldsymbol x + \varepsilon\boldsymbol v)\Big|_{\varepsilon=0},

    one JVP of the reverse-mode gradient. Reverse-over-reverse differentiates the scalar
    :math:`\nabla f\cdot\boldsymbol v` by reverse mode,
    :math:`H\boldsymbol v = \nabla(\nabla f\cdot\boldsymbol v)`;
    the first sweep must record its own graph (``create_graph=True``) so that the second can
    run through it. Either costs a few evaluations of ``f``, whatever the dimension.
    """
    check_callable(f, "f")
    x = _check_point(x)
    v = check_tensor(v, "v", ndim=1, nonempty=True, finite=True)
    if v.shape != x.shape:
        raise ValueError(f"v must have the shape of x, {tuple(x.shape)}, got {tuple(v.shape)}")
    check_choice(method, "method", HVP_METHODS)
    _check_scalar_output(f(x))
    if method == "forward-over-reverse":
        return torch.func.jvp(torch.func.grad(f), (x,), (v.to(x.dtype),))[1]
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    (hv,) = torch.autograd.grad(g @ v.to(x.dtype), x)
    return hv


def laplacian(f: Callable, x: torch.Tensor) -> torch.Tensor:
    r"""The Laplacian :math:`\nabla^2 f = \operatorname{tr} H = \sum_i \boldsymbol e_i^T H\boldsymbol e_i`.

    One forward-over-reverse Hessian-vector product per unit vector, vectorised over the n
    unit vectors with ``torch.func.vmap``: n times the cost of a gradient, against n² entries
    of the full Hessian. The kinetic energy of the VMC chapter and the residual of the PINN
    chapter need exactly this trace.
    """
    check_callable(f, "f")
    x = _check_point(x)
    _check_scalar_output(f(x))
    eye = torch.eye(x.numel(), dtype=x.dtype, device=x.device)
    column = torch.func.vmap(lambda e: torch.func.jvp(torch.func.grad(f), (x,), (e,))[1])(eye)
    return torch.diagonal(column).sum()


def hutchinson_laplacian(f: Callable, x: torch.Tensor, n_probes: int = 100, seed=0) -> tuple[float, float]:
    r"""Hutchinson's estimate of :math:`\operatorname{tr} H` from random probes, with its standard error.

    With probes :math:`\boldsymbol z` of independent random signs (Rademacher),
    :math:`\mathbb E[\boldsymbol z^T H\boldsymbol z] = \sum_{ij}H_{ij}\mathbb E[z_iz_j]
    = \operatorname{tr}H`, and
    :math:`\operatorname{Var}[\boldsymbol z^T H\boldsymbol z] = 2\sum_{i\ne j}H_{ij}^2`: the diagonal costs
    no variance. Returns the mean of ``n_probes`` values :math:`\boldsymbol z^T H\boldsymbol z` (one
    Hessian-vector product each) and its standard error (sample standard deviation over
    :math:`\sqrt{n}`).
    """
    check_callable(f, "f")
    x = _check_point(x)
    n_probes = check_int(n_probes, "n_probes", minimum=2)
    rng = as_rng(seed)
    _check_scalar_output(f(x))
    z = torch.as_tensor(rng.choice([-1.0, 1.0], size=(n_probes, x.numel())), dtype=x.dtype, device=x.device)
    hz = torch.func.vmap(lambda p: torch.func.jvp(torch.func.grad(f), (x,), (p,))[1])(z)
    values = (z * hz).sum(dim=1).detach().cpu().numpy()
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(n_probes))


def saved_activation_bytes(
    model: nn.Sequential, x: torch.Tensor, segments: int = 0
) -> tuple[int, torch.Tensor]:
    r"""Bytes of the tensors that reverse mode saves for the backward sweep of ``model(x).sum()``.

    Every operation of the forward pass stores the inputs its backward rule needs; for a deep
    network these activations, not the weights, fill the memory. With ``segments`` > 0 the
    network runs through ``torch.utils.checkpoint.checkpoint_sequential``: only the inputs of
    the segments are kept, and each segment's forward pass is run again during the backward
    sweep (memory of order :math:`\sqrt{L}` layers for :math:`\sqrt{L}` segments, at the price of
    one more forward pass). Counted with ``torch.autograd.graph.saved_tensors_hooks``; a tensor
    saved twice (a weight used by two layers) is counted once. Returns the bytes and the
    gradient of the first layer's weight, so that the two runs can be compared.
    """
    if not isinstance(model, nn.Sequential):
        raise TypeError(f"model must be a torch.nn.Sequential, got {type(model).__name__}")
    x = check_tensor(x, "x", ndim=2, nonempty=True, finite=True)
    segments = check_int(segments, "segments", minimum=0)
    if segments > len(model):
        raise ValueError(f"segments must be at most the number of layers, {len(model)}, got {segments}")
    seen: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        seen[id(t)] = t.numel() * t.element_size()
        return t

    model.zero_grad()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        if segments:
            out = torch.utils.checkpoint.checkpoint_sequential(model, segments, x, use_reentrant=False)
        else:
            out = model(x)
    parameters = {id(p) for p in model.parameters()}
    saved = sum(size for key, size in seen.items() if key not in parameters)
    out.sum().backward()
    first = next(p for p in model.parameters() if p.ndim == 2)
    return saved, first.grad.detach().clone()
