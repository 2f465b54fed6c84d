"""The network of :class:`physml.nn.MLP` written in PyTorch: an independent reference.

Chapter "Feed-forward neural networks and backpropagation" uses it three ways:

* :func:`autograd_gradients` differentiates the same cost with ``torch.autograd``,
  to check the hand-written backpropagation;
* :func:`to_torch` copies a network into a ``torch.nn.Sequential`` of ``Linear``
  layers, and :func:`train_twin` trains it with ``torch.optim`` on exactly the
  mini-batches :meth:`MLP.fit` would use, to check whole training runs;
* the speed benchmark ``benchmarks/mlp_vs_torch.py`` times both.

Torch is imported inside the functions, so ``import physml.nn`` stays light.
"""

from __future__ import annotations

import contextlib

import numpy as np

from .._validate import (
    as_device,
    as_rng,
    check_finite_loss,
    check_int,
    check_scalar,
    check_string,
    check_type,
)
from ..optim import minibatches
from .mlp import MLP

OPTIMIZERS = ("sgd", "adam")


def _torch_dtype(model: MLP):
    import torch

    return torch.float32 if model.dtype == np.float32 else torch.float64


def _check_model(model) -> MLP:
    if not isinstance(model, MLP):
        raise TypeError(f"model must be a physml.nn.MLP, got {type(model).__name__}")
    model._check_parameters()
    return model


def to_torch(model: MLP, device="cpu"):
    """A ``torch.nn.Sequential`` with the architecture and current parameters of ``model``.

    It returns the output *before* the output activation, :math:`\\boldsymbol z^L`
    (logits); :func:`torch_cost` applies the output activation together with the cost,
    as torch's fused losses do. ``torch.nn.Linear`` stores :math:`(\\boldsymbol W^l)^T`,
    shape ``(n_out, n_in)``.
    """
    import torch

    _check_model(model)
    device = as_device(device)
    modules = {
        "sigmoid": torch.nn.Sigmoid,
        "tanh": torch.nn.Tanh,
        "relu": torch.nn.ReLU,
        "leaky_relu": torch.nn.LeakyReLU,
        "identity": torch.nn.Identity,
    }
    dtype = _torch_dtype(model)
    layers = []
    for l, (W, b) in enumerate(zip(model.weights, model.biases, strict=True)):
        linear = torch.nn.Linear(W.shape[0], W.shape[1], dtype=dtype, device=device)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.T)))
            linear.bias.copy_(torch.from_numpy(b))
        layers.append(linear)
        if l < len(model.hidden_activations):
            layers.append(modules[model.hidden_activations[l]]())
    return torch.nn.Sequential(*layers)


def torch_cost(model: MLP, logits, targets, weights=None):
    """The cost of :class:`MLP` computed by torch from the logits :math:`\\boldsymbol z^L`.

    ``targets`` is the ``(n, n_out)`` tensor of :meth:`MLP._check_targets`; ``weights`` the
    weight tensors for the L2/L1 penalties (needed only when ``model.l2`` or ``model.l1``).
    The tensors must be real floating point and finite (NaN or inf is a ``ValueError``
    naming the argument). :func:`train_twin` calls the unchecked core ``_torch_cost``.
    """
    import torch

    _check_model(model)
    n_out = model.layer_sizes[-1]
    check_type(logits, torch.Tensor, "logits", "torch.Tensor")
    check_type(targets, torch.Tensor, "targets", "torch.Tensor")
    _check_real_finite(logits, "logits")
    _check_real_finite(targets, "targets")
    if logits.ndim != 2 or logits.shape[0] == 0 or logits.shape[1] != n_out:
        raise ValueError(f"logits must have shape (n, {n_out}) with n >= 1, got {tuple(logits.shape)}")
    if targets.shape != logits.shape:
        raise ValueError(
            f"targets must have the shape of logits {tuple(logits.shape)}, got {tuple(targets.shape)}"
        )
    if weights is not None:
        _check_torch_weights(model, weights)
    if (model.l2 or model.l1) and weights is None:
        raise ValueError("weights must be given when the model has an l2 or l1 penalty")
    return _torch_cost(model, logits, targets, weights)


def _torch_cost(model: MLP, logits, targets, weights=None):
    """:func:`torch_cost` without input checks, for the training loop."""
    import torch
    import torch.nn.functional as F

    n = logits.shape[0]
    if model.loss_name == "cross_entropy":
        data = F.cross_entropy(logits, targets)  # softmax + cross-entropy, targets as probabilities
    elif model.loss_name == "binary_cross_entropy":
        data = F.binary_cross_entropy_with_logits(logits, targets, reduction="sum") / n
    else:
        output = {
            "identity": lambda z: z,
            "sigmoid": torch.sigmoid,
            "softmax": lambda z: torch.softmax(z, dim=1),
        }
        data = F.mse_loss(output[model.output_activation](logits), targets, reduction="sum") / n
    if model.l2:
        data = data + model.l2 * sum((W * W).sum() for W in weights)
    if model.l1:
        data = data + model.l1 * sum(W.abs().sum() for W in weights)
    return data


def _check_real_finite(x, name: str) -> None:
    """A torch tensor ``x`` must hold finite real floating-point numbers."""
    import torch

    if x.is_complex():
        raise TypeError(f"{name} must be real, got a complex tensor (dtype {x.dtype})")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {x.dtype}")
    if x.numel() and not bool(torch.isfinite(x.detach()).all()):
        raise ValueError(f"{name} contains NaN or inf values")


def _check_torch_weights(model: MLP, weights) -> None:
    """``weights`` must be the torch weight tensors of the model's layers, shaped (n_out, n_in)."""
    import torch

    if not isinstance(weights, (list, tuple)) or len(weights) != len(model.weights):
        raise TypeError(f"weights must be a list of {len(model.weights)} torch tensors, one per layer")
    for l, (W, ours) in enumerate(zip(weights, model.weights, strict=True)):
        if not isinstance(W, torch.Tensor) or tuple(W.shape) != ours.T.shape:
            raise ValueError(f"weights[{l}] must be a torch tensor of shape {ours.T.shape}")
        _check_real_finite(W, f"weights[{l}]")


def _check_net(net, name: str = "net"):
    import torch

    return check_type(net, torch.nn.Module, name, "torch.nn.Module (from to_torch)")


def autograd_gradients(model: MLP, X, y) -> tuple[float, list[np.ndarray]]:
    """Cost and gradients of ``model`` at ``(X, y)`` from ``torch.autograd`` (in the model's dtype).

    Returns ``(cost, grads)`` with ``grads`` matching ``model.params`` (``W`` as ``(n_in, n_out)``).
    """
    import torch

    _check_model(model)
    X = model._check_X(X)
    Y = model._check_targets(y, X.shape[0])
    net = to_torch(model)
    cost = torch_cost(model, net(torch.from_numpy(X)), torch.from_numpy(Y), _torch_weights(net))
    cost.backward()
    grads = []
    for linear in _linears(net):
        grads += [linear.weight.grad.numpy().T.copy(), linear.bias.grad.numpy().copy()]
    return cost.item(), grads


def _linears(net) -> list:
    import torch

    return [m for m in net if isinstance(m, torch.nn.Linear)]


def _torch_weights(net) -> list:
    return [linear.weight for linear in _linears(net)]


def torch_params_as_numpy(net) -> list[np.ndarray]:
    """``[W^1, b^1, ...]`` of a network made by :func:`to_torch`, in the layout of ``MLP.params``."""
    _check_net(net)
    out = []
    for linear in _linears(net):
        out += [linear.weight.detach().cpu().numpy().T.copy(), linear.bias.detach().cpu().numpy().copy()]
    return out


def make_torch_optimizer(net, optimizer: str, learning_rate: float):
    """``torch.optim.SGD`` or ``torch.optim.Adam`` (default betas and eps) over the parameters of ``net``."""
    import torch

    _check_net(net)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    check_scalar(learning_rate, "learning_rate", minimum=0.0, include_min=False)
    if optimizer == "sgd":
        return torch.optim.SGD(net.parameters(), lr=learning_rate)
    return torch.optim.Adam(net.parameters(), lr=learning_rate)


def torch_threads(n: int | None, name: str = "n"):
    """Run a block with ``n`` torch intra-op threads and restore the previous number afterwards.

    ``None`` leaves torch's setting alone. For networks as small as the chapter's, the
    bookkeeping of several threads costs more than it saves (and on a busy machine waiting
    for a descheduled thread can make every operation slow), so :func:`train_twin` uses one.
    ``n`` is checked when the function is called (``name`` is the argument name an error
    gives, e.g. ``num_threads`` for :func:`train_twin`).
    """
    check_string(name, "name")
    if n is not None:
        check_int(n, name, minimum=1)
    return _torch_threads(n)


@contextlib.contextmanager
def _torch_threads(n: int | None):
    import torch

    if n is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def train_twin(
    model: MLP,
    X,
    y,
    optimizer: str,
    learning_rate: float,
    epochs: int,
    batch_size: int,
    seed: int | np.random.Generator = 0,
    device="cpu",
    num_threads: int | None = 1,
):
    """Train a torch copy of ``model`` (which is not changed) as :meth:`MLP.fit` would.

    The mini-batches come from the same seeded generator in the same order, and the
    optimizer is ``torch.optim.SGD`` or ``torch.optim.Adam``, the counterparts of
    :class:`physml.optim.GradientDescent` and :class:`physml.optim.Adam`. Returns the
    trained ``torch.nn.Sequential`` and the mean training cost of every epoch. Training
    runs with ``num_threads`` torch threads (see :func:`torch_threads`).
    """
    import torch

    _check_model(model)
    X = model._check_X(X)
    Y = model._check_targets(y, X.shape[0])
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    rng = as_rng(seed)
    device = as_device(device)
    threads = torch_threads(num_threads, "num_threads")
    net = to_torch(model, device=device)
    opt = make_torch_optimizer(net, optimizer, learning_rate)
    X_t = torch.from_numpy(X).to(device)
    Y_t = torch.from_numpy(Y).to(device)
    weights = _torch_weights(net)
    losses, step = [], 0
    with threads:
        for _ in range(epochs):
            total = 0.0
            for rows in minibatches(X.shape[0], batch_size, rng):
                index = torch.from_numpy(rows).to(device)
                opt.zero_grad()
                cost = _torch_cost(model, net(X_t[index]), Y_t[index], weights)
                cost.backward()
                opt.step()
                value = cost.item()
                check_finite_loss(value, step)
                total += value * len(rows)
                step += 1
            losses.append(total / X.shape[0])
    return net, losses
