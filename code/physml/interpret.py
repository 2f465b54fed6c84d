r"""What a trained network looks at: gradient saliency and integrated gradients.

Used by the chapter "Unsupervised structure and interpretability"
(``chapters/unsupervised.md``), where they are checked against captum's ``Saliency`` and
``IntegratedGradients``. For a scalar output :math:`F(\boldsymbol x)` of a network (one
logit, picked by ``target``):

* :func:`saliency`: :math:`|\partial F/\partial x_i|` (Simonyan et al. 2014);
* :func:`integrated_gradients`: :math:`\mathrm{IG}_i = (x_i - x'_i)\int_0^1
  \partial_i F(\boldsymbol x' + \alpha(\boldsymbol x - \boldsymbol x'))\,d\alpha`
  (Sundararajan, Taly and Yan 2017), by quadrature (:func:`path_quadrature`);
* :func:`local_energy`: the energy of the Ising model split over the sites, to compare
  attribution maps with.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_device, as_float_array, check_choice, check_int

__all__ = ["path_quadrature", "saliency", "integrated_gradients", "local_energy"]

QUADRATURES = ("gausslegendre", "riemann_trapezoid", "riemann_middle", "riemann_left", "riemann_right")


def path_quadrature(n_steps: int, method: str = "gausslegendre") -> tuple[np.ndarray, np.ndarray]:
    r"""Nodes :math:`\alpha_k` and weights :math:`w_k` on [0, 1] for
    :math:`\int_0^1 g(\alpha)\,d\alpha\approx\sum_k w_k\,g(\alpha_k)`.

    ``"gausslegendre"``: the Gauss–Legendre rule of ``n_steps`` nodes (exact for polynomials
    of degree :math:`2n-1`), mapped from [-1, 1] to [0, 1]; ``"riemann_trapezoid"``,
    ``"riemann_middle"``, ``"riemann_left"``, ``"riemann_right"``: equal steps. These are
    the rules captum offers, with the same nodes; our trapezoid rule has steps
    :math:`1/(n-1)` (halved at the ends), whose weights sum to 1, while captum 0.9 weights
    its trapezoid nodes by :math:`1/n`, which sum to :math:`1 - 1/n`.
    """
    n_steps = check_int(n_steps, "n_steps", minimum=2)
    method = check_choice(method, "method", QUADRATURES)
    if method == "gausslegendre":
        x, w = np.polynomial.legendre.leggauss(n_steps)
        return 0.5 * (x + 1.0), 0.5 * w
    w = np.full(n_steps, 1.0 / n_steps)
    if method == "riemann_trapezoid":
        w = np.full(n_steps, 1.0 / (n_steps - 1))
        w[0] /= 2
        w[-1] /= 2
        return np.linspace(0.0, 1.0, n_steps), w
    start = {"riemann_middle": 0.5, "riemann_left": 0.0, "riemann_right": 1.0}[method]
    return (np.arange(n_steps) + start) / n_steps, w


def _inputs(model, x, name: str, device):
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    arr = x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else x
    arr = as_float_array(arr, name, nonempty=True)
    if arr.ndim < 2:
        raise ValueError(f"{name} must be a batch (n, ...) of inputs, got shape {arr.shape}")
    # the model's precision; a model without parameters gets float64 (the precision of x here)
    dtype = next((p.dtype for p in model.parameters()), torch.float64)
    return torch.as_tensor(arr, dtype=dtype, device=as_device(device))


def _output(model, x, target):
    out = model(x)
    if out.ndim == 2:
        out = out[:, target]
    elif out.ndim != 1:
        raise ValueError(f"model must return (n,) or (n, classes) outputs, got shape {tuple(out.shape)}")
    return out


def _gradient(model, x, target):
    import torch

    x = x.detach().requires_grad_(True)
    out = _output(model, x, target)
    (grad,) = torch.autograd.grad(out.sum(), x)
    return grad, out.detach()


def _check_target(target) -> int:
    return check_int(target, "target", minimum=0)


def saliency(model, x, target: int = 0, *, device="cpu") -> np.ndarray:
    r"""Gradient saliency :math:`|\partial F(\boldsymbol x)/\partial x_i|` of every input, the
    shape of ``x`` (a batch). ``F`` is the output ``target`` of ``model`` (or its only output).
    The samples of a batch do not interact, so one backward pass of the summed outputs gives
    every sample's gradient."""
    target = _check_target(target)
    xt = _inputs(model, x, "x", device)
    model = model.to(xt.device)
    grad, _ = _gradient(model, xt, target)
    return grad.abs().cpu().numpy()


def integrated_gradients(
    model,
    x,
    baseline=None,
    target: int = 0,
    *,
    n_steps: int = 50,
    method: str = "gausslegendre",
    return_delta: bool = False,
    device="cpu",
):
    r"""Integrated gradients of the output ``target`` along the straight path from ``baseline``
    (zeros by default) to ``x``:

    .. math::

        \mathrm{IG}_i(\boldsymbol x) = (x_i - x'_i)\sum_k w_k\,
        \frac{\partial F}{\partial x_i}\Big|_{\boldsymbol x' + \alpha_k(\boldsymbol x - \boldsymbol x')},

    with the quadrature of :func:`path_quadrature`. By the fundamental theorem of calculus
    the attributions are *complete*: :math:`\sum_i\mathrm{IG}_i = F(\boldsymbol x) - F(\boldsymbol x')`,
    up to the quadrature error. With ``return_delta=True`` also returns that error per
    sample, :math:`\sum_i\mathrm{IG}_i - [F(\boldsymbol x) - F(\boldsymbol x')]`.
    """
    import torch

    target = _check_target(target)
    n_steps = check_int(n_steps, "n_steps", minimum=2)
    method = check_choice(method, "method", QUADRATURES)
    if not isinstance(return_delta, bool):
        raise TypeError(f"return_delta must be True or False, got {type(return_delta).__name__}")
    xt = _inputs(model, x, "x", device)
    if baseline is None:
        bt = torch.zeros_like(xt)
    else:
        bt = _inputs(model, baseline, "baseline", device)
        if bt.shape != xt.shape:
            if bt.shape == xt.shape[1:] or (bt.shape[0] == 1 and bt.shape[1:] == xt.shape[1:]):
                bt = bt.expand_as(xt)
            else:
                raise ValueError(
                    f"baseline must have the shape of x {tuple(xt.shape)}, got {tuple(bt.shape)}"
                )
    model = model.to(xt.device)
    alphas, weights = path_quadrature(n_steps, method)
    total = torch.zeros_like(xt)
    for a, w in zip(alphas, weights, strict=True):
        grad, _ = _gradient(model, bt + float(a) * (xt - bt), target)
        total += float(w) * grad
    attributions = ((xt - bt) * total).detach()
    if not return_delta:
        return attributions.cpu().numpy()
    with torch.no_grad():
        gap = _output(model, xt, target) - _output(model, bt, target)
    delta = attributions.reshape(len(xt), -1).sum(1) - gap
    return attributions.cpu().numpy(), delta.cpu().numpy()


def local_energy(spins) -> np.ndarray:
    r"""The Ising energy split over the sites,
    :math:`E_i = -\tfrac12 s_i\sum_{j\in\partial i}s_j` (periodic, :math:`J = 1`),
    shape of ``spins`` ((L, L) or (n, L, L)). Every bond is shared by its two sites, so
    :math:`\sum_i E_i = H` of :func:`physml.ising.energy`. A site inside a domain has
    :math:`E_i = -2`; a site on a domain wall a higher value."""
    from .ising import _check_spins, _neighbour_field

    s = _check_spins(spins).astype(float)
    return -0.5 * s * _neighbour_field(s)
