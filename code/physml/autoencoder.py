"""Autoencoders in PyTorch: linear, MLP and denoising.

Used by the chapter "Autoencoders and principal component analysis"
(``chapters/autoencoder.md``). An autoencoder is an encoder
:math:`\\boldsymbol z = e(\\boldsymbol x)` into a code of ``n_latent`` numbers and a
decoder :math:`\\hat{\\boldsymbol x} = d(\\boldsymbol z)`, trained to minimise the mean
squared reconstruction error. A denoising autoencoder sees a corrupted input and is
scored against the clean one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ._validate import (
    as_float_array,
    check_finite_loss,
    check_int,
    check_learning_rate,
    check_scalar,
    check_tensor,
    param_dtype,
)
from .nn.torch_twin import torch_threads
from .optim import minibatches
from .progress import progress
from .torchtools import as_device, make_generator, mlp

__all__ = [
    "Autoencoder",
    "linear_autoencoder",
    "mlp_autoencoder",
    "n_parameters",
    "reconstruction_loss",
    "reconstruction_errors",
    "train_autoencoder",
    "encode",
    "reconstruct",
]


class Autoencoder(nn.Module):
    r"""An encoder and a decoder: :math:`\hat{\boldsymbol x} = d(e(\boldsymbol x))`.

    ``encoder`` maps (batch, p) to (batch, n_latent), ``decoder`` back to (batch, p).
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module):
        super().__init__()
        if not isinstance(encoder, nn.Module) or not isinstance(decoder, nn.Module):
            raise TypeError("encoder and decoder must be torch.nn.Module instances")
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The reconstruction of ``x`` (batch, p), a real tensor of the weights' dtype.

        Only type, dtype and shape are checked (this runs in every training step): NaN/inf
        values pass through to the output (torch's IEEE semantics).
        """
        check_tensor(x, "x", features=_n_in(self), dtype=param_dtype(self))
        return self.decoder(self.encoder(x))


def _n_in(model: nn.Module) -> int | None:
    """The input width of an autoencoder (of its first linear layer), or None if unknown."""
    first = next((m for m in model.modules() if isinstance(m, nn.Linear)), None)
    return None if first is None else first.in_features


def linear_autoencoder(n_in: int, n_latent: int) -> Autoencoder:
    r"""A linear autoencoder,
    :math:`\hat{\boldsymbol x} = \boldsymbol W_d(\boldsymbol W_e\boldsymbol x + \boldsymbol b_e)
    + \boldsymbol b_d`.

    ``W_e`` is (n_latent, n_in), ``W_d`` (n_in, n_latent). At the minimum of the squared
    error the columns of ``W_d`` span the space of the first ``n_latent`` principal
    components (Baldi and Hornik, 1989), though they need not be orthonormal.
    """
    n_in = check_int(n_in, "n_in", minimum=1)
    n_latent = check_int(n_latent, "n_latent", minimum=1, maximum=n_in)
    return Autoencoder(nn.Linear(n_in, n_latent), nn.Linear(n_latent, n_in))


def mlp_autoencoder(
    n_in: int, hidden: Sequence[int], n_latent: int, activation: str = "relu", output: str = "linear"
) -> Autoencoder:
    r"""An MLP autoencoder ``n_in -> hidden -> n_latent -> reversed(hidden) -> n_in``.

    The code layer is linear (no activation), so the latent variable can take any sign.
    ``output="sigmoid"`` squashes the reconstruction into (0, 1) (images scaled to [0, 1]),
    ``output="tanh"`` into (-1, 1) (Ising spins); ``"linear"`` leaves it unbounded.
    """
    n_in = check_int(n_in, "n_in", minimum=1)
    n_latent = check_int(n_latent, "n_latent", minimum=1)
    if isinstance(hidden, (str, bytes)) or not isinstance(hidden, Sequence):
        raise TypeError(f"hidden must be a sequence of layer sizes, got {type(hidden).__name__}")
    hidden = [check_int(h, f"hidden[{i}]", minimum=1) for i, h in enumerate(hidden)]
    squash = {"linear": None, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}
    if output not in squash:
        raise ValueError(f"output must be one of {tuple(squash)}, got {output!r}")
    encoder = mlp([n_in, *hidden, n_latent], activation=activation)
    decoder = mlp([n_latent, *hidden[::-1], n_in], activation=activation)
    if squash[output] is not None:
        decoder = nn.Sequential(decoder, squash[output]())
    return Autoencoder(encoder, decoder)


def n_parameters(model: nn.Module) -> int:
    """The number of trainable parameters (weights and biases) of ``model``."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _mse(model: nn.Module, x_in: torch.Tensor, x_target: torch.Tensor) -> torch.Tensor:
    return ((model(x_in) - x_target) ** 2).sum(dim=1).mean()


def _check_model(model) -> Autoencoder:
    if not isinstance(model, Autoencoder):
        raise TypeError(f"model must be an Autoencoder, got {type(model).__name__}")
    return model


def _check_data(X, name: str, n_in: int | None = None) -> np.ndarray:
    X = as_float_array(X, name, ndim=2, nonempty=True)
    if n_in is not None and X.shape[1] != n_in:
        raise ValueError(f"{name} must have {n_in} columns, got {X.shape[1]}")
    return X


def _as_tensor(X: np.ndarray, device, model: nn.Module) -> torch.Tensor:
    """``X`` as a tensor of the model's dtype (float32 for a model without parameters)."""
    return torch.as_tensor(X, dtype=param_dtype(model, torch.float32), device=device)


def reconstruction_loss(model: Autoencoder, X, X_target=None, device="cpu") -> float:
    r"""Mean squared reconstruction error per sample,
    :math:`\frac1n\sum_i\lVert d(e(\boldsymbol x_i)) - \boldsymbol x^{\ast}_i\rVert^2`.

    The target :math:`\boldsymbol x^\ast_i` is ``X_target`` (the clean data, for a
    denoising autoencoder fed corrupted ``X``), or ``X`` itself.
    """
    _check_model(model)
    X = _check_data(X, "X", _n_in(model))
    target = X if X_target is None else _check_data(X_target, "X_target")
    if target.shape != X.shape:
        raise ValueError(f"X_target must have the shape of X {X.shape}, got {target.shape}")
    device = as_device(device)
    model.to(device).eval()
    with torch.no_grad():
        return float(_mse(model, _as_tensor(X, device, model), _as_tensor(target, device, model)).item())


def reconstruction_errors(model: Autoencoder, X, device="cpu") -> np.ndarray:
    r"""The squared reconstruction error of each row,
    :math:`s_i = \lVert d(e(\boldsymbol x_i)) - \boldsymbol x_i\rVert^2`.

    As an *anomaly score*: an autoencoder trained on normal data only rebuilds inputs like
    them well, so a large :math:`s_i` flags an input unlike the training data (the chapter
    "Autoencoders and principal component analysis" scores digits of a class left out of
    training). Returns a NumPy array (n,).
    """
    _check_model(model)
    X = _check_data(X, "X", _n_in(model))
    device = as_device(device)
    model.to(device).eval()
    with torch.no_grad():
        x = _as_tensor(X, device, model)
        return ((model(x) - x) ** 2).sum(dim=1).cpu().numpy().astype(float)


def train_autoencoder(
    model: Autoencoder,
    X,
    epochs: int,
    batch_size: int = 64,
    lr: float = 1e-3,
    noise_std: float = 0.0,
    X_val=None,
    seed: int = 0,
    device="cpu",
    num_threads: int | None = 1,
) -> dict:
    r"""Train ``model`` with Adam on mini-batches of the reconstruction error of ``X`` (n, p).

    The cost of a batch :math:`B` is
    :math:`C_B = \frac{1}{|B|}\sum_{i\in B}\lVert d(e(\tilde{\boldsymbol x}_i)) - \boldsymbol x_i\rVert^2`
    with :math:`\tilde{\boldsymbol x}_i = \boldsymbol x_i + \sigma\boldsymbol\epsilon_i`,
    :math:`\boldsymbol\epsilon_i\sim\mathcal N(\boldsymbol 0,\boldsymbol I)` fresh at every
    step: a *denoising* autoencoder for ``noise_std`` :math:`\sigma > 0`, a plain one for
    :math:`\sigma = 0`. ``seed`` seeds torch's global generator (``torch.manual_seed``), the
    order of the batches (a NumPy generator) and the noise (a ``torch.Generator``); the weights
    are drawn when the model is built, so seed torch before building it. Torch is not
    switched to deterministic algorithms. A NaN or infinite loss stops training with an error.

    Returns ``{"train_loss": [...], "val_loss": [...]}`` per epoch (``val_loss``, the
    clean reconstruction error of ``X_val``, empty without ``X_val``).
    """
    _check_model(model)
    X = _check_data(X, "X", _n_in(model))
    if X_val is not None:
        X_val = _check_data(X_val, "X_val", X.shape[1])
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    lr = check_learning_rate(lr)
    noise_std = check_scalar(noise_std, "noise_std", minimum=0.0)
    seed = check_int(seed, "seed", minimum=0)
    device = as_device(device)
    threads = torch_threads(num_threads, "num_threads")  # checks num_threads before training
    torch.manual_seed(seed)
    generator = make_generator(seed)
    rng = np.random.default_rng(seed)
    model.to(device)
    data = _as_tensor(X, device, model)
    val = None if X_val is None else _as_tensor(X_val, device, model)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history: dict = {"train_loss": [], "val_loss": []}
    step = 0
    with threads:
        for _ in progress(range(epochs), desc="epochs"):
            model.train()
            total = 0.0
            for rows in minibatches(X.shape[0], batch_size, rng):
                xb = data[torch.as_tensor(rows, device=device)]
                x_in = xb
                if noise_std > 0:
                    noise = torch.randn(xb.shape, generator=generator).to(device)
                    x_in = xb + noise_std * noise
                optimizer.zero_grad()
                loss = _mse(model, x_in, xb)
                value = loss.item()
                check_finite_loss(value, step)
                loss.backward()
                optimizer.step()
                total += value * len(rows)
                step += 1
            history["train_loss"].append(total / X.shape[0])
            if val is not None:
                model.eval()
                with torch.no_grad():
                    v = _mse(model, val, val).item()
                check_finite_loss(v, step, "validation loss")
                history["val_loss"].append(v)
    return history


def encode(model: Autoencoder, X, device="cpu") -> np.ndarray:
    """The codes :math:`e(\\boldsymbol x_i)` of the rows of ``X``, as a NumPy array (n, n_latent)."""
    _check_model(model)
    X = _check_data(X, "X", _n_in(model))
    device = as_device(device)
    model.to(device).eval()
    with torch.no_grad():
        return model.encoder(_as_tensor(X, device, model)).cpu().numpy().astype(float)


def reconstruct(model: Autoencoder, X, device="cpu") -> np.ndarray:
    """The reconstructions :math:`d(e(\\boldsymbol x_i))` of the rows of ``X``, as a NumPy array."""
    _check_model(model)
    X = _check_data(X, "X", _n_in(model))
    device = as_device(device)
    model.to(device).eval()
    with torch.no_grad():
        return model(_as_tensor(X, device, model)).cpu().numpy().astype(float)
