r"""PyTorch helpers shared by the chapter "Deep learning with PyTorch" and every later chapter.

* :func:`as_device` checks a ``device`` argument ("cpu", "cuda", "cuda:N" or a
  ``torch.device``);
* :func:`seed_everything` and :func:`make_generator` make runs reproducible;
* :class:`ArrayDataset`, :class:`NumpyBatchSampler` and :func:`make_loader` turn arrays
  into a ``DataLoader``;
* :func:`fit` is the training loop (validation after every epoch, early stopping, a clear
  error when the loss becomes NaN or infinite), :func:`evaluate` and :func:`accuracy`
  measure a trained model;
* :func:`save_model` and :func:`load_model` store and restore parameters;
* :func:`mlp`, :class:`ResidualBlock` and :func:`deep_net` build the small models of the
  chapter's experiments (dropout, batch normalisation, residual connections);
* :func:`profile_steps` records where the time of a few training steps goes.

Everything runs unchanged on a GPU: pass ``device="cuda"``.
"""

from __future__ import annotations

import contextlib
import copy
import os
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ._validate import (
    as_float_array,
    as_rng,
    check_callable,
    check_finite_loss,
    check_finite_result,
    check_int,
    check_scalar,
    check_tensor,
)
from .nn.torch_twin import torch_threads
from .optim import minibatches
from .progress import progress

_DEVICE_PATTERN = re.compile(r"cpu|cuda(:\d+)?")
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "identity": nn.Identity}


# --- devices and seeds -------------------------------------------------------------------


def as_device(device="cpu") -> torch.device:
    """The ``torch.device`` named by ``device``: "cpu", "cuda", "cuda:N" or a ``torch.device``.

    Asking for CUDA on a machine without a usable GPU is an error (rather than a silent
    fall-back to the CPU), so that a long run does not end up on the wrong hardware.
    """
    if isinstance(device, torch.device):
        dev = device
    elif isinstance(device, str):
        if not _DEVICE_PATTERN.fullmatch(device):
            raise ValueError(f"device must be 'cpu', 'cuda', 'cuda:N' or a torch.device, got {device!r}")
        dev = torch.device(device)
    else:
        raise TypeError(f"device must be a string or a torch.device, got {type(device).__name__}")
    if dev.type not in ("cpu", "cuda"):
        raise ValueError(f"device must be a CPU or CUDA device, got {str(dev)!r}")
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device={str(dev)!r} was requested, but CUDA is not available here; use 'cpu'")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(f"device={str(dev)!r}: only {torch.cuda.device_count()} CUDA device(s) found")
    return dev


def _check_seed(seed, name: str = "seed") -> int:
    return check_int(seed, name, minimum=0)


# Deterministic cuBLAS needs this workspace setting before CUDA first initialises cuBLAS, that
# is before the first matrix product on a GPU: setting it inside a training function would be
# too late, so it is set when physml.torchtools is imported (it has no effect on the CPU).
os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")


def seed_everything(seed: int, deterministic: bool = False) -> torch.Generator:
    """Seed torch's global generator and return a fresh CPU ``torch.Generator`` with ``seed``.

    NumPy is seeded explicitly where it is used (``numpy.random.default_rng(seed)``), never
    globally. ``deterministic=True`` also calls ``torch.use_deterministic_algorithms(True)``,
    which stays on *for the rest of the process* (every later torch call in the kernel is
    affected); to confine it to one run, use ``with deterministic_algorithms(): ...`` instead.
    """
    seed = _check_seed(seed)
    if not isinstance(deterministic, bool):
        raise TypeError(f"deterministic must be a bool, got {type(deterministic).__name__}")
    torch.manual_seed(seed)
    if deterministic:
        torch.use_deterministic_algorithms(True)
    return make_generator(seed)


@contextlib.contextmanager
def deterministic_algorithms(enabled: bool = True) -> Iterator[None]:
    """Inside the ``with`` block torch uses deterministic algorithms only (chapter "PyTorch").

    On a GPU some kernels (scatter-adds, some convolutions) sum in an order that changes from
    run to run; ``torch.use_deterministic_algorithms(True)`` selects deterministic versions or
    raises where none exists. The previous setting is restored when the block ends, so the
    rest of the kernel is not affected. On the CPU the book's operations are deterministic anyway.
    """
    if not isinstance(enabled, bool):
        raise TypeError(f"enabled must be a bool, got {type(enabled).__name__}")
    previous = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    torch.use_deterministic_algorithms(enabled)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(previous, warn_only=warn_only)


def make_generator(seed: int, device="cpu") -> torch.Generator:
    """A ``torch.Generator`` on ``device`` seeded with ``seed`` (``DataLoader`` shuffling, initialisation)."""
    return torch.Generator(device=as_device(device)).manual_seed(_check_seed(seed))


# --- data ----------------------------------------------------------------------------------


class ArrayDataset(torch.utils.data.Dataset):
    """Inputs ``X`` and targets ``y`` as a map-style dataset: ``len(ds)`` and ``ds[i] = (x_i, y_i)``.

    ``X`` is stored as floating-point tensors of ``dtype``; integer targets (class labels)
    become ``torch.long``, real-valued targets ``dtype``.
    """

    def __init__(self, X, y, dtype: torch.dtype = torch.float32):
        X = as_float_array(X, "X")
        if X.ndim < 2 or X.shape[0] == 0:
            raise ValueError(f"X must have one row per sample and at least one sample, got shape {X.shape}")
        _check_dtype(dtype)
        y_arr = _targets(y)
        if y_arr.shape[:1] != X.shape[:1]:
            raise ValueError(
                f"X and y must have the same number of samples, got {X.shape[0]} and {len(y_arr)}"
            )
        if np.issubdtype(y_arr.dtype, np.integer):
            self.y = torch.from_numpy(y_arr.astype(np.int64))
        else:
            self.y = torch.from_numpy(as_float_array(y_arr, "y")).to(dtype)
        self.X = torch.from_numpy(X).to(dtype)

    def __len__(self) -> int:
        return self.X.shape[0]

    def __getitem__(self, i):
        return self.X[i], self.y[i]


def _check_dtype(dtype) -> torch.dtype:
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"dtype must be a floating-point torch.dtype (e.g. torch.float32), got {dtype!r}")
    return dtype


def _targets(y) -> np.ndarray:
    """``y`` as an array of one target (or row of targets) per sample; integers stay integers."""
    if isinstance(y, (str, bytes)) or y is None:
        raise TypeError(f"y must be array-like of numbers, got {type(y).__name__}")
    y_arr = np.asarray(y)
    if y_arr.ndim == 0:
        raise ValueError(f"y must have one target per sample, got a scalar {y_arr!r}")
    if not np.issubdtype(y_arr.dtype, np.integer):
        as_float_array(y_arr, "y")  # refuses strings, complex, NaN and inf
    return y_arr


class NumpyBatchSampler(torch.utils.data.Sampler):
    """Batches of indices drawn exactly as :meth:`physml.nn.MLP.fit` draws them.

    Every epoch (every ``iter``) shuffles ``0..n_samples-1`` with the seeded NumPy generator
    and cuts the order into batches of ``batch_size`` (:func:`physml.optim.minibatches`).
    Passed as ``DataLoader(dataset, batch_sampler=...)`` it lets a PyTorch training see the
    same mini-batches, in the same order, as a physml training with the same seed.
    """

    def __init__(self, n_samples: int, batch_size: int, seed: int | np.random.Generator = 0):
        self.n_samples = check_int(n_samples, "n_samples", minimum=1)
        self.batch_size = check_int(batch_size, "batch_size", minimum=1)
        self.rng = as_rng(seed)

    def __iter__(self) -> Iterator[list[int]]:
        for rows in minibatches(self.n_samples, self.batch_size, self.rng):
            yield rows.tolist()

    def __len__(self) -> int:
        return -(-self.n_samples // self.batch_size)


def make_loader(
    X, y, batch_size: int = 32, shuffle: bool = True, seed: int = 0, dtype: torch.dtype = torch.float32
) -> torch.utils.data.DataLoader:
    """A ``DataLoader`` over ``(X, y)``, shuffled reproducibly by a generator seeded with ``seed``."""
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    if not isinstance(shuffle, bool):
        raise TypeError(f"shuffle must be a bool, got {type(shuffle).__name__}")
    seed = _check_seed(seed)
    generator = make_generator(seed) if shuffle else None
    return torch.utils.data.DataLoader(
        ArrayDataset(X, y, dtype), batch_size=batch_size, shuffle=shuffle, generator=generator
    )


# --- training ------------------------------------------------------------------------------


def _check_model(model) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return model


def _check_loader(loader, name: str):
    if not isinstance(loader, torch.utils.data.DataLoader):
        raise TypeError(f"{name} must be a torch.utils.data.DataLoader, got {type(loader).__name__}")
    return loader


def _first_batch(loader, name: str):
    """A batch of the first (at most two) samples of ``loader``'s dataset, or None if it has no index.

    Read from the dataset rather than by iterating the loader: iterating would draw from the
    loader's generator (its shuffling) and change the batches of the training that follows.
    """
    dataset = loader.dataset
    if isinstance(dataset, torch.utils.data.IterableDataset):
        return None
    try:
        n = len(dataset)
        if n == 0:
            raise ValueError(f"{name} holds no samples")
        if loader.batch_sampler is None:  # automatic batching off: an item is a batch
            return loader.collate_fn(dataset[0])
        return loader.collate_fn([dataset[i] for i in range(min(n, 2))])
    except (TypeError, IndexError, KeyError, NotImplementedError):
        return None


def _probe(model: nn.Module, loader, name: str, device, loss_fn: Callable | None = None):
    """One pass of ``model`` (eval mode, no gradient) on the first samples of ``loader``.

    Turns a loader whose inputs do not fit the model, and a ``loss_fn`` that does not return
    a scalar tensor, into a clear error before any training step; draws no random numbers.
    Returns the outputs and the targets (None for a loader that cannot be indexed).
    """
    batch = _first_batch(loader, name)
    if batch is None:
        return None
    try:
        xb, yb = batch
    except (TypeError, ValueError):
        raise TypeError(f"{name} must yield (inputs, targets) pairs, got {type(batch).__name__}") from None
    check_tensor(xb, f"{name}'s inputs", dtype=None, nonempty=True)
    xb, yb = xb.to(device), yb.to(device)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model(xb)
    except (RuntimeError, ValueError, TypeError, IndexError) as err:
        raise ValueError(_misfit(model, xb, name, err)) from None
    finally:
        model.train(was_training)
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"model must return a torch.Tensor, got {type(out).__name__}")
    if loss_fn is not None:
        try:
            loss = loss_fn(out, yb)
        except (RuntimeError, ValueError, TypeError, IndexError) as err:
            raise ValueError(
                f"loss_fn cannot compare the model's outputs (shape {tuple(out.shape)}) with the targets of "
                f"{name} (shape {tuple(yb.shape)}): {err}"
            ) from None
        _check_loss(loss)
        check_finite_result(
            loss.item(),
            "loss_fn",
            f"on the first samples of {name}, before step 0 (are the model's outputs finite?)",
        )
    return out, yb


def _misfit(model: nn.Module, xb: torch.Tensor, name: str, err: Exception) -> str:
    """Why ``model`` cannot read the inputs ``xb`` of ``name``: the width, the dtype, or torch's reason."""
    first = next((m for m in model.modules() if isinstance(m, (nn.Linear, nn.RNNBase))), None)
    width = getattr(first, "in_features", getattr(first, "input_size", None))
    if width is not None and xb.ndim >= 1 and xb.shape[-1] != width:
        return f"{name}'s inputs have width {xb.shape[-1]} but model expects {width}"
    dtype = next(iter(model.parameters()), xb).dtype
    if xb.dtype != dtype:
        return (
            f"{name}'s inputs have dtype {xb.dtype} but the model's parameters are {dtype} "
            "(make_loader(..., dtype=...) sets the inputs' dtype)"
        )
    return f"model cannot read the inputs of {name} (shape {tuple(xb.shape)}): {err}"


def _check_loss(loss) -> torch.Tensor:
    """A batch's loss must be one real number in a tensor (to call ``backward`` on)."""
    if not isinstance(loss, torch.Tensor):
        raise TypeError(
            f"loss_fn must return a torch.Tensor (the mean loss of a batch), got {type(loss).__name__}"
        )
    if loss.numel() != 1 or not loss.is_floating_point():
        raise ValueError(
            "loss_fn must return one real number as a tensor, "
            f"got shape {tuple(loss.shape)} and dtype {loss.dtype}"
        )
    return loss


def evaluate(model: nn.Module, loader, loss_fn: Callable, device="cpu") -> float:
    r"""Mean loss :func:`_evaluate` of ``model`` over ``loader``, its arguments checked.

    A first pass on two samples checks that the loader fits the model and that ``loss_fn``
    returns a scalar tensor; a NaN or infinite loss is a ``FloatingPointError`` naming
    ``loss_fn`` rather than a NaN result.
    """
    _check_model(model)
    _check_loader(loader, "loader")
    check_callable(loss_fn, "loss_fn")
    device = as_device(device)
    _probe(model, loader, "loader", device, loss_fn)
    value = _evaluate(model, loader, loss_fn, device)
    return check_finite_result(value, "loss_fn", "on loader (are the model's outputs finite?)")


def _evaluate(model: nn.Module, loader, loss_fn: Callable, device) -> float:
    r"""Mean loss of ``model`` over all samples of ``loader``, :math:`\frac1n\sum_i \ell(f(x_i), y_i)`.

    The model is put in evaluation mode (dropout off, batch norm uses its running
    statistics) and gradients are not recorded. ``loss_fn`` must average over a batch.
    """
    model.eval()
    total, n = 0.0, 0
    with torch.no_grad():
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            total += loss_fn(model(xb), yb).item() * len(xb)
            n += len(xb)
    return total / n


def accuracy(model: nn.Module, loader, device="cpu") -> float:
    """Fraction of the samples of ``loader`` whose largest output is at their label.

    The model must return one score per class, shape (batch, classes), and the loader's
    targets must be class labels, one per sample (checked on its first samples).
    """
    _check_model(model)
    _check_loader(loader, "loader")
    device = as_device(device)
    probe = _probe(model, loader, "loader", device)
    if probe is not None:
        out, yb = probe
        if out.ndim != 2:
            raise ValueError(
                f"model must return one score per class, shape (batch, classes), got {tuple(out.shape)}"
            )
        if yb.shape != out.shape[:1]:
            raise ValueError(
                f"loader's targets must be class labels, one per sample, got shape {tuple(yb.shape)}"
            )
    model.eval()
    right, n = 0, 0
    with torch.no_grad():
        for xb, yb in loader:
            predicted = model(xb.to(device)).argmax(dim=1)
            right += (predicted == yb.to(device)).sum().item()
            n += len(xb)
    return right / n


def train_epoch(
    model: nn.Module, loader, optimizer, loss_fn: Callable, device, step: int
) -> tuple[float, int]:
    r"""One pass over ``loader`` with ``optimizer`` (the loop is :func:`_train_epoch`); checks its input.

    Returns the mean training loss of the epoch and the number of steps taken so far
    (``step`` counts the steps before this epoch).
    """
    _check_model(model)
    _check_loader(loader, "loader")
    _check_optimizer(optimizer)
    check_callable(loss_fn, "loss_fn")
    device = as_device(device)
    step = check_int(step, "step", minimum=0)
    _probe(model, loader, "loader", device, loss_fn)
    return _train_epoch(model, loader, optimizer, loss_fn, device, step)


def _check_optimizer(optimizer):
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
    return optimizer


def _train_epoch(
    model: nn.Module, loader, optimizer, loss_fn: Callable, device, step: int
) -> tuple[float, int]:
    r"""One pass over ``loader``: for every batch, :math:`\Theta \leftarrow \text{step}(\nabla_\Theta C_B)`.

    Returns the mean training loss of the epoch (each batch's loss weighted by its size,
    measured before its update) and the number of steps taken so far.
    """
    model.train()
    total, n = 0.0, 0
    for xb, yb in loader:
        xb, yb = xb.to(device), yb.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        value = loss.item()
        check_finite_loss(value, step)  # stop before a NaN reaches the parameters
        optimizer.step()
        total += value * len(xb)
        n += len(xb)
        step += 1
    return total / n, step


def fit(
    model: nn.Module,
    train_loader,
    val_loader,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable,
    epochs: int,
    device="cpu",
    early_stopping_patience: int | None = None,
    seed: int | None = 0,
    num_threads: int | None = 1,
) -> dict:
    """Train ``model`` for at most ``epochs`` epochs and return its history.

    After every epoch the mean loss on ``val_loader`` (``None``: no validation) is
    recorded. With ``early_stopping_patience`` training stops once the validation loss has
    not improved for that many epochs, and the parameters of the best epoch are restored.
    ``seed`` seeds torch's global generator first (dropout masks, and a loader shuffled
    without its own generator); ``num_threads`` torch threads are used (one is fastest and
    reproducible for the book's small models). The model is moved to ``device``. Before the
    first step the model sees the first two samples of each loader (:func:`_probe`, which
    draws no random numbers): a loader that does not fit the model, or a ``loss_fn`` that
    does not return a scalar tensor, is a clear error before any training.

    Returns ``{"train_loss": [...], "val_loss": [...], "best_epoch": int | None,
    "stopped_early": bool}``, the same keys as :meth:`physml.nn.MLP.fit`.
    """
    _check_model(model)
    _check_loader(train_loader, "train_loader")
    if val_loader is not None:
        _check_loader(val_loader, "val_loader")
    _check_optimizer(optimizer)
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
    epochs = check_int(epochs, "epochs", minimum=1)
    device = as_device(device)
    if early_stopping_patience is not None:
        if val_loader is None:
            raise ValueError("early_stopping_patience needs a val_loader")
        early_stopping_patience = check_int(early_stopping_patience, "early_stopping_patience", minimum=1)
    if seed is not None:
        seed = _check_seed(seed)
    threads = torch_threads(num_threads, "num_threads")  # checks num_threads before training
    model.to(device)
    _probe(model, train_loader, "train_loader", device, loss_fn)
    if val_loader is not None:
        _probe(model, val_loader, "val_loader", device, loss_fn)
    if seed is not None:
        torch.manual_seed(seed)

    history: dict = {"train_loss": [], "val_loss": [], "best_epoch": None, "stopped_early": False}
    best_val, best_state, step = np.inf, None, 0
    with threads:
        for epoch in progress(range(epochs), desc="epochs"):
            train_loss, step = _train_epoch(model, train_loader, optimizer, loss_fn, device, step)
            history["train_loss"].append(train_loss)
            if val_loader is None:
                continue
            val_loss = _evaluate(model, val_loader, loss_fn, device)
            check_finite_loss(val_loss, step, "validation loss")
            history["val_loss"].append(val_loss)
            if val_loss < best_val:
                best_val, history["best_epoch"] = val_loss, epoch
                best_state = copy.deepcopy(model.state_dict())
            elif (
                early_stopping_patience is not None
                and epoch - history["best_epoch"] >= early_stopping_patience
            ):
                history["stopped_early"] = True
                break
    if early_stopping_patience is not None and best_state is not None:
        model.load_state_dict(best_state)
    return history


# --- saving and loading --------------------------------------------------------------------


def save_model(model: nn.Module, path, **metadata) -> Path:
    """Save the parameters (``state_dict``) of ``model`` and JSON-like ``metadata`` to ``path``."""
    _check_model(model)
    path = _as_path(path, "path")
    if path.is_dir():
        raise ValueError(f"path {str(path)!r} is a folder, not a file name")
    if not path.parent.is_dir():
        raise ValueError(
            f"path {str(path)!r}: the folder {str(path.parent)!r} does not exist (create it first)"
        )
    torch.save({"state_dict": model.state_dict(), "metadata": metadata}, path)
    return path


def load_model(model: nn.Module, path, device="cpu") -> dict:
    """Load parameters saved by :func:`save_model` into ``model`` (same architecture); return the metadata.

    ``weights_only=True`` refuses to unpickle arbitrary objects, so a file from elsewhere
    cannot run code.
    """
    _check_model(model)
    path = _as_path(path, "path")
    if not path.is_file():
        raise ValueError(f"path {str(path)!r} is not a file")
    device = as_device(device)
    try:
        saved = torch.load(path, map_location=device, weights_only=True)
    except Exception as err:  # noqa: BLE001 - torch raises several types for a file it cannot read
        raise ValueError(f"path {str(path)!r} is not a file written by save_model: {err}") from None
    if not isinstance(saved, dict) or not isinstance(saved.get("state_dict"), dict):
        raise ValueError(f"path {str(path)!r} is not a file written by save_model (no state_dict in it)")
    try:
        model.load_state_dict(saved["state_dict"])
    except RuntimeError as err:
        raise ValueError(
            f"model does not have the architecture of the parameters saved in {str(path)!r}: {err}"
        ) from None
    model.to(device)
    return saved.get("metadata", {})


def _as_path(x, name: str) -> Path:
    if not isinstance(x, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (a string or pathlib.Path), got {type(x).__name__}")
    return Path(x)


# --- models --------------------------------------------------------------------------------


def _check_sizes(sizes, name: str = "sizes") -> list[int]:
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence) or len(sizes) < 2:
        raise ValueError(f"{name} must be a sequence of at least two layer sizes, got {sizes!r}")
    return [check_int(s, f"{name}[{i}]", minimum=1) for i, s in enumerate(sizes)]


def _check_activation(activation: str) -> type[nn.Module]:
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {tuple(ACTIVATIONS)}, got {activation!r}")
    return ACTIVATIONS[activation]


def mlp(
    sizes: Sequence[int], activation: str = "relu", dropout: float = 0.0, batch_norm: bool = False
) -> nn.Sequential:
    r"""A fully connected network with layer sizes ``sizes``, returning logits.

    Every hidden layer is ``Linear`` → (``BatchNorm1d``) → activation → (``Dropout(p)``):
    :math:`\boldsymbol a^l = f(\mathrm{BN}(\boldsymbol W^l \boldsymbol a^{l-1} + \boldsymbol b^l))`,
    and during training dropout sets each hidden output to zero with probability ``p``
    and scales the others by :math:`1/(1-p)`. The last layer is linear.
    """
    sizes = _check_sizes(sizes)
    act = _check_activation(activation)
    check_scalar(dropout, "dropout", minimum=0.0, maximum=1.0, include_max=False)
    if not isinstance(batch_norm, bool):
        raise TypeError(f"batch_norm must be a bool, got {type(batch_norm).__name__}")
    layers: list[nn.Module] = []
    for n_in, n_out in zip(sizes[:-2], sizes[1:-1], strict=True):
        layers.append(nn.Linear(n_in, n_out))
        if batch_norm:
            layers.append(nn.BatchNorm1d(n_out))
        layers.append(act())
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(sizes[-2], sizes[-1]))
    return nn.Sequential(*layers)


class ResidualBlock(nn.Module):
    r"""A fully connected layer with a skip connection.

    .. math:: \boldsymbol h \mapsto \boldsymbol h + f(\boldsymbol W\boldsymbol h + \boldsymbol b)

    The identity path passes the signal, and in backpropagation the gradient, through the
    block unchanged; the layer only has to learn a correction.
    """

    def __init__(self, width: int, activation: str = "tanh"):
        super().__init__()
        self.linear = nn.Linear(check_int(width, "width", minimum=1), width)
        self.activation = _check_activation(activation)()

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        """The block on ``h`` (..., width) of the weights' dtype; NaN/inf values pass through (IEEE)."""
        _check_hidden(h, self.linear)
        return h + self.activation(self.linear(h))


class PlainBlock(ResidualBlock):
    r"""The same layer without the skip connection.

    .. math:: \boldsymbol h \mapsto f(\boldsymbol W\boldsymbol h + \boldsymbol b)
    """

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        """The layer on ``h`` (..., width) of the weights' dtype; NaN/inf values pass through (IEEE)."""
        _check_hidden(h, self.linear)
        return self.activation(self.linear(h))


def _check_hidden(h, linear: nn.Linear) -> None:
    """A cheap check of a block's input (type, dtype and width only: this runs in every forward pass).

    Under ``torch.autocast`` (mixed precision) the hidden signal is in the lower precision
    while the weights stay float32, so there any floating-point dtype is accepted."""
    autocast = isinstance(h, torch.Tensor) and torch.is_autocast_enabled(h.device.type)
    check_tensor(h, "h", features=linear.in_features, dtype="float" if autocast else linear.weight.dtype)


def deep_net(
    n_in: int, width: int, depth: int, n_out: int, residual: bool, activation: str = "tanh"
) -> nn.Sequential:
    """Linear layer ``n_in -> width``, ``depth`` plain or residual blocks, linear layer ``width -> n_out``."""
    n_in = check_int(n_in, "n_in", minimum=1)
    n_out = check_int(n_out, "n_out", minimum=1)
    depth = check_int(depth, "depth", minimum=1)
    width = check_int(width, "width", minimum=1)
    if not isinstance(residual, bool):
        raise TypeError(f"residual must be a bool, got {type(residual).__name__}")
    block = ResidualBlock if residual else PlainBlock
    return nn.Sequential(
        nn.Linear(n_in, width),
        *[block(width, activation) for _ in range(depth)],
        nn.Linear(width, n_out),
    )


def profile_steps(step: Callable[[], object], steps: int = 10, warmup: int = 2, device="cpu"):
    r"""Run ``step()`` ``warmup`` times, then ``steps`` times under ``torch.profiler.profile``, and
    return the profiler (``prof.key_averages()`` lists the operators with their times).

    The warm-up calls pay for one-time costs (allocations, lazy initialisation) outside the
    record. On a GPU (``device="cuda"``) the CUDA kernels are recorded as well. The profiler's
    own start and stop messages, which its C++ library writes to the process's standard error,
    are dropped; anything else written there is passed on. Used in the chapter "Deep learning
    with PyTorch".
    """
    import sys
    import tempfile

    from torch.profiler import ProfilerActivity, profile

    check_callable(step, "step")
    steps = check_int(steps, "steps", minimum=1)
    warmup = check_int(warmup, "warmup", minimum=0)
    device = as_device(device)
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    for _ in range(warmup):
        step()
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as capture:
        os.dup2(capture.fileno(), 2)
        try:
            with profile(activities=activities) as prof:
                for _ in range(steps):
                    step()
                if device.type == "cuda":
                    torch.cuda.synchronize(device)
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            text = capture.read().decode(errors="replace")
    rest = [line for line in text.splitlines() if not re.search(r"profiler_(start|stop)$", line)]
    if rest:
        print("\n".join(rest), file=sys.stderr)
    return prof


def n_parameters(model: nn.Module) -> int:
    """Number of trainable parameters (entries of all tensors with ``requires_grad``)."""
    _check_model(model)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
