r"""Autoregressive models of binary data: MADE, for the chapter "Autoregressive models".

The chain rule of probability writes any distribution of :math:`D` variables as a product
of one-dimensional conditionals,

.. math::

    p(\boldsymbol x) = \prod_{d=1}^{D} p(x_{o_d} \mid x_{o_1}, \dots, x_{o_{d-1}}),

in an ordering :math:`o` of the variables. A *masked autoencoder for distribution
estimation* (MADE, Germain et al. 2015) computes all :math:`D` conditionals of binary
data in one pass of a feed-forward network whose weight matrices are multiplied by
binary masks, so that output :math:`d` sees only the inputs before it in the ordering.

* :func:`made_degrees` and :func:`made_masks` build the masks from an ordering;
* :class:`MaskedLinear` and :class:`MADE` are the network (Bernoulli logits out);
  :meth:`MADE.log_prob` is the exact log-likelihood, :meth:`MADE.sample` ancestral sampling;
* :func:`fit_made` trains by maximum likelihood (Adam, NaN stop);
* :func:`fit_independent` and :func:`independent_log_prob` are the factorised Bernoulli
  baseline (independent pixels);
* :func:`spins_to_bits` and :func:`bits_to_spins` map Ising spins to {0, 1} and back.

Everything takes a ``device`` argument (CPU by default) and runs unchanged on CUDA.
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
    check_string,
    check_tensor,
    param_dtype,
)
from .nn.torch_twin import torch_threads
from .progress import progress
from .torchtools import as_device, make_generator

# --------------------------------------------------------------------------- data


def check_binary(x, name: str = "x", n_inputs: int | None = None) -> np.ndarray:
    """Return ``x`` as a float64 array of shape (n, D) whose entries are all 0 or 1."""
    check_string(name, "name")
    if n_inputs is not None:
        n_inputs = check_int(n_inputs, "n_inputs", minimum=1)
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    if np.iscomplexobj(x):
        raise TypeError(f"{name} must be real, got complex values")
    arr = as_float_array(x, name, ndim=2)
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"{name} must be binary (0 or 1) for a Bernoulli model")
    if n_inputs is not None and arr.shape[1] != n_inputs:
        raise ValueError(f"{name} must have {n_inputs} columns, got {arr.shape[1]}")
    return arr


def spins_to_bits(spins) -> np.ndarray:
    r"""Ising spins :math:`s = \pm 1` as bits :math:`x = (1 + s)/2`.

    ``spins`` has shape (n, L, L) or (n, D); the result has shape (n, D), float.
    """
    s = as_float_array(spins, "spins", nonempty=True)
    if s.ndim not in (2, 3):
        raise ValueError(f"spins must be (n, L, L) or (n, D), got shape {s.shape}")
    if not np.all(np.abs(s) == 1):
        raise ValueError("spins must be +1 or -1")
    return ((s.reshape(len(s), -1) + 1) // 2).astype(float)


def bits_to_spins(bits, L: int) -> np.ndarray:
    """Bits of shape (n, L*L) as Ising spins (n, L, L), int8."""
    L = check_int(L, "L", minimum=1)
    x = check_binary(bits, "bits")
    if x.shape[1] != L * L:
        raise ValueError(f"bits must have L*L = {L * L} columns for L={L}, got {x.shape[1]}")
    return (2 * x - 1).astype(np.int8).reshape(-1, L, L)


# --------------------------------------------------------------------------- masks


def _check_ordering(ordering, n_inputs: int) -> np.ndarray:
    if ordering is None:
        return np.arange(n_inputs)
    order = np.asarray(ordering)
    if order.shape != (n_inputs,) or not np.issubdtype(order.dtype, np.integer):
        raise ValueError(f"ordering must be a permutation of 0..{n_inputs - 1}, got {ordering!r}")
    if not np.array_equal(np.sort(order), np.arange(n_inputs)):
        raise ValueError(f"ordering must be a permutation of 0..{n_inputs - 1}")
    return order


def _check_sizes(hidden_sizes) -> list[int]:
    if isinstance(hidden_sizes, (str, bytes)) or not isinstance(hidden_sizes, Sequence):
        raise TypeError(f"hidden_sizes must be a sequence of layer sizes, got {type(hidden_sizes).__name__}")
    return [check_int(size, f"hidden_sizes[{i}]", minimum=1) for i, size in enumerate(hidden_sizes)]


def made_degrees(n_inputs: int, hidden_sizes: Sequence[int], ordering=None) -> list[np.ndarray]:
    r"""Degrees of the units of a MADE: inputs, then every hidden layer.

    Input :math:`i` gets degree :math:`m_0(i) \in \{1, \dots, D\}`, its position in
    ``ordering`` (``ordering[d]`` is the :math:`d`-th variable of the chain rule; default
    the natural order). Hidden unit :math:`k` of layer :math:`l` gets a degree
    :math:`m_l(k) \in \{1, \dots, D-1\}`, assigned cyclically so that every degree
    occurs; a unit of degree :math:`m` may depend on the first :math:`m` variables only.
    """
    n_inputs = check_int(n_inputs, "n_inputs", minimum=2)
    hidden_sizes = _check_sizes(hidden_sizes)
    order = _check_ordering(ordering, n_inputs)
    m0 = np.empty(n_inputs, dtype=int)
    m0[order] = np.arange(1, n_inputs + 1)
    degrees = [m0]
    for size in hidden_sizes:
        degrees.append(np.arange(size) % (n_inputs - 1) + 1)
    return degrees


def made_masks(n_inputs: int, hidden_sizes: Sequence[int], ordering=None) -> list[np.ndarray]:
    r"""Binary masks of a MADE, one per weight matrix (shape (out, in), like ``nn.Linear``).

    .. math::

        M^{(l)}_{kj} = [\, m_l(k) \ge m_{l-1}(j) \,], \qquad
        M^{\text{out}}_{dk} = [\, m_0(d) > m_L(k) \,],

    so that a path from input :math:`j` to output :math:`d` exists only if
    :math:`m_0(j) < m_0(d)`: output :math:`d`, the logit of
    :math:`p(x_d = 1 \mid \dots)`, depends only on the variables before :math:`d`.
    """
    degrees = made_degrees(n_inputs, hidden_sizes, ordering)
    masks = [
        (m_out[:, None] >= m_in[None, :]).astype(float)
        for m_in, m_out in zip(degrees[:-1], degrees[1:], strict=True)
    ]
    masks.append((degrees[0][:, None] > degrees[-1][None, :]).astype(float))
    return masks


# --------------------------------------------------------------------------- the network


class MaskedLinear(nn.Linear):
    r"""A linear layer with a fixed binary mask.

    .. math::

        \boldsymbol h \mapsto (M \odot W)\boldsymbol h + \boldsymbol b
    """

    def __init__(self, mask: np.ndarray):
        mask = as_float_array(mask, "mask", ndim=2, nonempty=True)
        if not np.all((mask == 0) | (mask == 1)):
            raise ValueError("mask must be binary (0 or 1)")
        out_features, in_features = mask.shape
        super().__init__(in_features, out_features)
        self.register_buffer("mask", torch.as_tensor(mask, dtype=torch.float32))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        """The masked layer on ``h`` (..., in_features) of the weights' dtype; NaN/inf pass through (IEEE)."""
        check_tensor(h, "h", features=self.in_features, dtype=self.weight.dtype)
        return nn.functional.linear(h, self.weight * self.mask, self.bias)


class MADE(nn.Module):
    r"""Masked autoencoder for distribution estimation of binary vectors of length ``n_inputs``.

    ``forward(x)`` returns the logits :math:`a_d(\boldsymbol x_{<d})` of the Bernoulli
    conditionals :math:`p(x_d = 1 \mid \boldsymbol x_{<d}) = \sigma(a_d)`. The hidden
    layers use ``tanh``; ``ordering`` is the order of the chain rule (default natural).
    """

    def __init__(self, n_inputs: int, hidden_sizes: Sequence[int] = (64,), ordering=None):
        super().__init__()
        if isinstance(hidden_sizes, int):
            hidden_sizes = (hidden_sizes,)
        masks = made_masks(n_inputs, hidden_sizes, ordering)
        self.n_inputs = int(n_inputs)
        self.ordering = _check_ordering(ordering, self.n_inputs).copy()
        layers: list[nn.Module] = []
        for mask in masks[:-1]:
            layers += [MaskedLinear(mask), nn.Tanh()]
        layers.append(MaskedLinear(masks[-1]))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The logits for ``x`` (..., n_inputs) of the weights' dtype; NaN/inf pass through (IEEE)."""
        check_tensor(x, "x", features=self.n_inputs, dtype=param_dtype(self))
        return self.net(x)

    def _as_tensor(self, x) -> torch.Tensor:
        if not isinstance(x, torch.Tensor):
            x = torch.as_tensor(check_binary(x, "x", self.n_inputs))
        check_tensor(x, "x", ndim=2, features=self.n_inputs, dtype=None)  # bits of any real dtype
        if x.is_complex():
            raise TypeError(f"x must be real bits, got a complex tensor (dtype {x.dtype})")
        p = next(self.parameters())
        return x.to(device=p.device, dtype=p.dtype)

    def log_prob(self, x) -> torch.Tensor:
        r"""Exact log-likelihood, shape (n,): the chapter's eq. (eq-ar-log-likelihood),

        .. math::

            \ln p(\boldsymbol x) = \sum_d [x_d \ln\sigma(a_d) + (1 - x_d)\ln(1 - \sigma(a_d))].
        """
        x = self._as_tensor(x)
        logits = self(x)
        return -nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)

    @torch.no_grad()
    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        r"""``n`` exact samples by ancestral sampling: :math:`x_{o_1}`, then :math:`x_{o_2}` given it, ...

        One network pass per variable (``n_inputs`` passes); returns a float array (n, D) of 0/1.
        """
        n = check_int(n, "n", minimum=1)
        p = next(self.parameters())
        gen = make_generator(check_int(seed, "seed", minimum=0), p.device)
        x = torch.zeros(n, self.n_inputs, device=p.device, dtype=p.dtype)
        for d in self.ordering:
            prob = torch.sigmoid(self(x)[:, d])
            x[:, d] = (torch.rand(n, generator=gen, device=p.device, dtype=p.dtype) < prob).to(p.dtype)
        return x.cpu().numpy().astype(float)


def n_made_parameters(n_inputs: int, hidden_sizes: Sequence[int]) -> int:
    """Trainable numbers of a MADE: every weight and bias (masked weights included, they stay zero in use)."""
    n_inputs = check_int(n_inputs, "n_inputs", minimum=2)
    sizes = [n_inputs, *_check_sizes(hidden_sizes), n_inputs]
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


def n_connections(masks: Sequence[np.ndarray]) -> int:
    """Weights that the masks leave active (non-zero entries of all masks)."""
    if isinstance(masks, (str, bytes, np.ndarray)) or not isinstance(masks, Sequence):
        raise TypeError(f"masks must be a list of mask matrices, got {type(masks).__name__}")
    if not masks:
        raise ValueError("masks must hold at least one mask")
    total = 0
    for i, m in enumerate(masks):
        m = as_float_array(m, f"masks[{i}]", ndim=2, nonempty=True)
        if not np.all((m == 0) | (m == 1)):
            raise ValueError(f"masks[{i}] must be binary (0 or 1)")
        total += np.count_nonzero(m)
    return int(total)


# --------------------------------------------------------------------------- training


def fit_made(
    model: MADE,
    train,
    val=None,
    *,
    epochs: int = 50,
    lr: float = 3e-3,
    batch_size: int = 64,
    seed: int = 0,
    device="cpu",
    num_threads: int | None = 1,
) -> dict:
    r"""Maximum likelihood: minimise :math:`-\frac1n\sum_i \ln p(\boldsymbol x_i)` with Adam.

    ``train`` and ``val`` are binary arrays (n, D). Returns ``{"train_nll": [...],
    "val_nll": [...]}``, the mean NLL in nats per sample after every epoch (training loss
    averaged over the epoch's mini-batches). A NaN or infinite loss stops training.
    """
    if not isinstance(model, MADE):
        raise TypeError(f"model must be a MADE, got {type(model).__name__}")
    X = torch.as_tensor(check_binary(train, "train", model.n_inputs), dtype=torch.float32)
    V = (
        None
        if val is None
        else torch.as_tensor(check_binary(val, "val", model.n_inputs), dtype=torch.float32)
    )
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    lr = check_learning_rate(lr)
    device = as_device(device)
    threads = torch_threads(num_threads, "num_threads")  # checks num_threads before training
    torch.manual_seed(check_int(seed, "seed", minimum=0))
    model.to(device)
    X = X.to(device)
    V = None if V is None else V.to(device)
    gen = make_generator(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history: dict = {"train_nll": [], "val_nll": []}
    step = 0
    with threads:
        for _ in progress(range(epochs), desc="epochs"):
            perm = torch.randperm(len(X), generator=gen).to(device)
            total = 0.0
            for start in range(0, len(X), batch_size):
                batch = X[perm[start : start + batch_size]]
                loss = -model.log_prob(batch).mean()
                check_finite_loss(loss.item(), step)
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += loss.item() * len(batch)
                step += 1
            history["train_nll"].append(total / len(X))
            if V is not None:
                with torch.no_grad():
                    history["val_nll"].append(-model.log_prob(V).mean().item())
    return history


# --------------------------------------------------------------------------- the baseline


def fit_independent(x, alpha: float = 1.0) -> np.ndarray:
    r"""Factorised Bernoulli model :math:`p(\boldsymbol x) = \prod_d q_d^{x_d}(1-q_d)^{1-x_d}`.

    Maximum likelihood with ``alpha`` pseudo-counts (Laplace smoothing, so that no pixel
    has probability exactly 0 or 1): :math:`q_d = (\sum_i x_{id} + \alpha)/(n + 2\alpha)`.
    """
    arr = check_binary(x, "x")
    alpha = check_scalar(alpha, "alpha", minimum=0.0)
    return (arr.sum(axis=0) + alpha) / (len(arr) + 2 * alpha)


def independent_log_prob(q, x) -> np.ndarray:
    r"""Log-likelihood of the factorised model, shape (n,).

    .. math::

        \ln p(\boldsymbol x) = \sum_d [x_d \ln q_d + (1 - x_d)\ln(1 - q_d)]
    """
    q = as_float_array(q, "q", ndim=1, nonempty=True)
    if np.any((q <= 0) | (q >= 1)):
        raise ValueError("q must lie strictly between 0 and 1")
    arr = check_binary(x, "x", n_inputs=len(q))
    return arr @ np.log(q) + (1 - arr) @ np.log1p(-q)


def sample_independent(q, n: int, seed: int = 0) -> np.ndarray:
    """``n`` samples (n, D) of the factorised Bernoulli model with probabilities ``q``."""
    q = as_float_array(q, "q", ndim=1, nonempty=True)
    if np.any((q < 0) | (q > 1)):
        raise ValueError("q must be probabilities in [0, 1]")
    rng = np.random.default_rng(check_int(seed, "seed", minimum=0))
    return (rng.random((check_int(n, "n", minimum=1), len(q))) < q).astype(float)
