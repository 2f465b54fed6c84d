r"""Graph neural networks for particles (chapter "Graph neural networks").

A configuration of :math:`N` atoms at positions :math:`\boldsymbol r_1, \dots, \boldsymbol r_N` is a
graph: the atoms are its nodes, and two atoms closer than a cutoff radius :math:`r_c` are joined
by an edge whose feature is their distance :math:`d_{ij} = \lVert\boldsymbol r_j - \boldsymbol r_i\rVert`.
The module holds

* the exact reference, the Lennard-Jones potential (:func:`lj_energy`, :func:`lj_forces`), and a
  Metropolis sampler of small Lennard-Jones clusters at a temperature (:func:`sample_lj_clusters`);
* graphs of particles (:func:`radius_graph`, :func:`make_graphs`, :class:`GraphBatch`) and the sum
  aggregation of messages (:func:`scatter_sum`);
* an E(n)-equivariant layer that also moves the positions (:class:`EGNNLayer`);
* a message-passing layer written from scratch (:class:`MessagePassingLayer`), an invariant
  potential built from it (:class:`GNNPotential`), whose forces are :math:`-\nabla E` by autograd,
  and its training on energies and forces (:func:`fit_potential`).

Units: energies in :math:`\varepsilon`, lengths in :math:`\sigma` (both 1 in the chapter), and
temperatures in :math:`\varepsilon/k_B`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from ._validate import (
    as_float_array,
    as_rng,
    check_bool,
    check_finite_loss,
    check_int,
    check_learning_rate,
    check_scalar,
    check_tensor,
    check_type,
)
from .torchtools import as_device

__all__ = [
    "LJ_R_MIN",
    "lj_energy",
    "lj_forces",
    "sample_lj_clusters",
    "radius_graph",
    "scatter_sum",
    "GraphBatch",
    "make_graphs",
    "MessagePassingLayer",
    "EGNNLayer",
    "GNNPotential",
    "fit_potential",
]

#: Distance of the minimum of the Lennard-Jones pair potential, :math:`2^{1/6}\sigma`.
LJ_R_MIN = 2.0 ** (1.0 / 6.0)


# --- the exact reference: Lennard-Jones -------------------------------------------------------


def _check_lj(positions, epsilon, sigma) -> tuple[np.ndarray, float, float]:
    pos = as_float_array(positions, "positions")
    if pos.ndim < 2 or pos.shape[-1] != 3:
        raise ValueError(f"positions must have shape (..., N, 3), got {pos.shape}")
    if pos.shape[-2] < 1:
        raise ValueError(f"positions must hold at least one atom, got shape {pos.shape}")
    epsilon = float(check_scalar(epsilon, "epsilon", minimum=0.0, include_min=False, maximum=1e6))
    sigma = float(check_scalar(sigma, "sigma", minimum=0.0, include_min=False, maximum=1e6))
    return pos, epsilon, sigma


def _pair_distances(pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Difference vectors r_j - r_i (..., N, N, 3) and distances (..., N, N), inf on the diagonal."""
    diff = pos[..., None, :, :] - pos[..., :, None, :]
    d = np.sqrt(np.sum(diff**2, axis=-1))
    n = pos.shape[-2]
    d[..., np.arange(n), np.arange(n)] = np.inf
    return diff, d


def lj_energy(positions, epsilon: float = 1.0, sigma: float = 1.0) -> np.ndarray:
    r"""Total Lennard-Jones energy of each configuration (chapter "Graph neural networks"):

    .. math::
        E = \sum_{i<j} 4\varepsilon\left[\left(\frac{\sigma}{d_{ij}}\right)^{12}
        - \left(\frac{\sigma}{d_{ij}}\right)^{6}\right].

    ``positions`` has shape ``(..., N, 3)``; the result has shape ``(...)``. No cutoff: every pair counts.
    """
    pos, epsilon, sigma = _check_lj(positions, epsilon, sigma)
    with np.errstate(over="ignore"):
        _, d = _pair_distances(pos)
        s6 = (sigma / d) ** 6
        pair = 4.0 * epsilon * (s6 * s6 - s6)
    return 0.5 * np.sum(pair, axis=(-2, -1))


def lj_forces(positions, epsilon: float = 1.0, sigma: float = 1.0) -> np.ndarray:
    r"""Analytic Lennard-Jones forces :math:`\boldsymbol F_i = -\partial E/\partial\boldsymbol r_i` (chapter
    "Graph neural networks"):

    .. math::
        \boldsymbol F_i = -\sum_{j\ne i} \frac{24\varepsilon}{d_{ij}^2}
        \left[2\left(\frac{\sigma}{d_{ij}}\right)^{12} - \left(\frac{\sigma}{d_{ij}}\right)^{6}\right]
        (\boldsymbol r_j - \boldsymbol r_i).

    ``positions`` has shape ``(..., N, 3)``; so has the result.
    """
    pos, epsilon, sigma = _check_lj(positions, epsilon, sigma)
    with np.errstate(over="ignore"):
        diff, d = _pair_distances(pos)
        s6 = (sigma / d) ** 6
        coeff = 24.0 * epsilon * (2.0 * s6 * s6 - s6) / d**2
    return -np.sum(coeff[..., None] * diff, axis=-2)


def _fcc_start(n_atoms: int) -> np.ndarray:
    """The ``n_atoms`` sites of an fcc lattice nearest to a site at the origin, nearest-neighbour
    distance :data:`LJ_R_MIN`: a compact starting cluster."""
    k = np.arange(-3, 4)
    grid = np.stack(np.meshgrid(k, k, k, indexing="ij"), axis=-1).reshape(-1, 3)
    sites = grid[grid.sum(axis=1) % 2 == 0].astype(float)  # fcc: even coordinate sum
    sites *= LJ_R_MIN / math.sqrt(2.0)
    order = np.lexsort((sites[:, 2], sites[:, 1], sites[:, 0], np.round(np.sum(sites**2, axis=1), 8)))
    return sites[order[:n_atoms]]


def _pair_energy_row(pos: np.ndarray, k: int, rk: np.ndarray) -> np.ndarray:
    """LJ energy of atom k at ``rk`` (chains, 3) with the other atoms of ``pos`` (chains, N, 3)."""
    d2 = np.sum((pos - rk[:, None, :]) ** 2, axis=-1)
    d2[:, k] = np.inf
    s6 = 1.0 / d2**3
    return np.sum(4.0 * (s6 * s6 - s6), axis=1)


def sample_lj_clusters(
    n_atoms: int,
    n_samples: int,
    temperature: float,
    seed=0,
    n_sweeps: int = 200,
    step: float = 0.1,
    radius: float | None = None,
) -> np.ndarray:
    r"""Configurations of a Lennard-Jones cluster (:math:`\varepsilon = \sigma = 1`) at a temperature
    (chapter "Graph neural networks").

    ``n_samples`` independent Metropolis chains start from the compact fcc cluster of ``n_atoms``
    sites and make ``n_sweeps`` sweeps of single-atom moves, uniform in a cube of half-width
    ``step``, accepted with probability :math:`\min(1, e^{-\Delta E/T})`; the last state of each
    chain is one sample. A spherical container of ``radius`` (default :math:`1 + 0.7N^{1/3}`)
    around the origin keeps the cluster from evaporating, as in cluster simulations. Returns
    an array ``(n_samples, n_atoms, 3)`` with each configuration's centre of mass at the origin.
    """
    n_atoms = check_int(n_atoms, "n_atoms", minimum=2)
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    temperature = float(check_scalar(temperature, "temperature", minimum=0.0, include_min=False))
    rng = as_rng(seed)
    n_sweeps = check_int(n_sweeps, "n_sweeps", minimum=0)
    step = float(check_scalar(step, "step", minimum=0.0, include_min=False, maximum=10.0))
    if radius is None:
        radius = 1.0 + 0.7 * n_atoms ** (1.0 / 3.0)
    radius = float(check_scalar(radius, "radius", minimum=0.0, include_min=False, maximum=1e6))
    start = _fcc_start(n_atoms)
    if np.max(np.linalg.norm(start, axis=1)) > radius:
        raise ValueError(f"radius = {radius} is too small for a cluster of {n_atoms} atoms")
    pos = np.repeat(start[None], n_samples, axis=0)
    chains = np.arange(n_samples)
    for _ in range(n_sweeps):
        for k in range(n_atoms):
            old = pos[:, k].copy()
            new = old + rng.uniform(-step, step, size=old.shape)
            delta = _pair_energy_row(pos, k, new) - _pair_energy_row(pos, k, old)
            inside = np.sum(new**2, axis=1) <= radius**2
            with np.errstate(over="ignore"):
                accept = inside & (rng.random(n_samples) < np.exp(-np.maximum(delta, 0.0) / temperature))
            pos[chains[accept], k] = new[accept]
    return pos - pos.mean(axis=1, keepdims=True)


# --- graphs ---------------------------------------------------------------------------------------


def radius_graph(positions, cutoff: float) -> torch.Tensor:
    r"""Edges of the graph of one configuration: every ordered pair :math:`(j, i)`, :math:`j\ne i`,
    with :math:`d_{ij} < r_c` (chapter "Graph neural networks").

    ``positions`` is a tensor or array ``(N, 3)``; returns ``edge_index``, a long tensor ``(2, E)``
    whose first row holds the senders :math:`j` and the second the receivers :math:`i` (the
    convention of torch-geometric). Both directions of a pair are edges.
    """
    pos = _positions_tensor(positions, "positions")
    cutoff = float(check_scalar(cutoff, "cutoff", minimum=0.0, include_min=False))
    return _radius_graph(pos, cutoff)


def _positions_tensor(positions, name: str) -> torch.Tensor:
    if isinstance(positions, torch.Tensor):
        check_tensor(positions, name, ndim=2, features=3, finite=True, nonempty=True)
        return positions
    return _from_array(positions, name)


def _from_array(positions, name: str) -> torch.Tensor:
    arr = as_float_array(positions, name, ndim=2)
    if arr.shape[1] != 3 or arr.shape[0] < 1:
        raise ValueError(f"{name} must have shape (N, 3) with N >= 1, got {arr.shape}")
    return torch.as_tensor(arr)


def _radius_graph(pos: torch.Tensor, cutoff: float) -> torch.Tensor:
    with torch.no_grad():
        d = torch.cdist(pos, pos)
        d.fill_diagonal_(math.inf)
        receiver, sender = torch.nonzero(d < cutoff, as_tuple=True)
    return torch.stack([sender, receiver])


def scatter_sum(src: torch.Tensor, index: torch.Tensor, dim_size: int) -> torch.Tensor:
    r"""Sum the rows of ``src`` that share an index (chapter "Graph neural networks"):
    :math:`\mathrm{out}_i = \sum_{e:\ \mathrm{index}_e = i} \mathrm{src}_e`, with ``dim_size`` rows.

    This is the aggregation of messages: ``src`` holds one message per edge, ``index`` the
    receiving node of each edge. Rows that receive nothing are zero.
    """
    check_tensor(src, "src", ndim=(1, 2))
    check_type(index, torch.Tensor, "index", "torch.Tensor of node indices")
    if index.dtype != torch.long:
        raise TypeError(f"index must be a long tensor, got dtype {index.dtype}")
    if index.ndim != 1 or index.shape[0] != src.shape[0]:
        raise ValueError(
            f"index must be 1-dimensional with one entry per row of src, got shape {tuple(index.shape)}"
        )
    dim_size = check_int(dim_size, "dim_size", minimum=0)
    if index.numel() and (int(index.min()) < 0 or int(index.max()) >= dim_size):
        raise ValueError(f"index must lie in [0, dim_size) = [0, {dim_size})")
    return _scatter_sum(src, index, dim_size)


def _scatter_sum(src: torch.Tensor, index: torch.Tensor, dim_size: int) -> torch.Tensor:
    out = src.new_zeros((dim_size, *src.shape[1:]))
    return out.index_add_(0, index, src)


class GraphBatch(NamedTuple):
    """Several configurations as one disconnected graph (chapter "Graph neural networks").

    ``positions`` ``(n_nodes, 3)``, ``edge_index`` ``(2, n_edges)`` (senders, receivers; node
    numbers of the whole batch), ``batch`` ``(n_nodes,)`` the configuration of each node,
    ``n_atoms`` ``(n_graphs,)`` the atoms of each configuration, and the ``cutoff`` the edges
    were drawn with.
    """

    positions: torch.Tensor
    edge_index: torch.Tensor
    batch: torch.Tensor
    n_atoms: torch.Tensor
    cutoff: float


def make_graphs(clusters, cutoff: float = 3.0, dtype=torch.float64, device="cpu") -> GraphBatch:
    r"""Put configurations of possibly different sizes into one :class:`GraphBatch` (chapter
    "Graph neural networks").

    ``clusters`` is a list of arrays ``(N_g, 3)`` (or one array ``(n, N, 3)``); the nodes of
    configuration :math:`g` are numbered after those of configurations :math:`0, \dots, g-1`,
    and its edges are those of :func:`radius_graph` with the ``cutoff``, shifted accordingly.
    """
    if isinstance(clusters, (str, bytes)) or not hasattr(clusters, "__len__"):
        raise TypeError(f"clusters must be a list of (N, 3) arrays, got {type(clusters).__name__}")
    if len(clusters) == 0:
        raise ValueError("clusters must hold at least one configuration")
    cutoff = float(check_scalar(cutoff, "cutoff", minimum=0.0, include_min=False))
    if dtype not in (torch.float32, torch.float64):
        raise TypeError(f"dtype must be torch.float32 or torch.float64, got {dtype!r}")
    device = as_device(device)
    arrays = []
    for g, c in enumerate(clusters):
        arr = as_float_array(c, f"clusters[{g}]", ndim=2)
        if arr.shape[1] != 3 or arr.shape[0] < 1:
            raise ValueError(f"clusters[{g}] must have shape (N, 3) with N >= 1, got {arr.shape}")
        arrays.append(arr)
    return _make_graphs(arrays, cutoff, dtype, device)


def _make_graphs(arrays: list[np.ndarray], cutoff: float, dtype, device) -> GraphBatch:
    counts = [len(a) for a in arrays]
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pos = torch.as_tensor(np.concatenate(arrays), dtype=torch.float64)
    edges = [_radius_graph(pos[o : o + n], cutoff) + int(o) for o, n in zip(offsets, counts, strict=True)]
    batch = torch.repeat_interleave(torch.arange(len(arrays)), torch.tensor(counts))
    return GraphBatch(
        pos.to(device=device, dtype=dtype),
        torch.cat(edges, dim=1).to(device),
        batch.to(device),
        torch.tensor(counts, device=device),
        cutoff,
    )


# --- the network ------------------------------------------------------------------------------------


def _mlp(n_in: int, n_hidden: int, n_out: int) -> nn.Sequential:
    """Two linear layers with a smooth activation (SiLU): forces need smooth second derivatives."""
    return nn.Sequential(nn.Linear(n_in, n_hidden), nn.SiLU(), nn.Linear(n_hidden, n_out))


class MessagePassingLayer(nn.Module):
    r"""One round of message passing with sum aggregation and a residual update (chapter
    "Graph neural networks"):

    .. math::
        \boldsymbol m_{ij} = w_{ij}\,\phi_m\big(\boldsymbol h_i, \boldsymbol h_j, \boldsymbol e_{ij}\big),
        \qquad
        \boldsymbol a_i = \sum_{j\in\mathcal N(i)} \boldsymbol m_{ij}, \qquad
        \boldsymbol h_i' = \boldsymbol h_i + \phi_u\big(\boldsymbol h_i, \boldsymbol a_i\big),

    with :math:`\phi_m` and :math:`\phi_u` two-layer networks and optional edge weights
    :math:`w_{ij}` (1 if not given; the potential uses the envelope :math:`f_c(d_{ij})`).
    ``edge_index`` holds the senders :math:`j` in row 0 and the receivers :math:`i` in row 1.
    """

    def __init__(self, n_features: int, n_edge_features: int, seed: int = 0):
        super().__init__()
        n_features = check_int(n_features, "n_features", minimum=1)
        n_edge_features = check_int(n_edge_features, "n_edge_features", minimum=0)
        seed = check_int(seed, "seed", minimum=0)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.phi_m = _mlp(2 * n_features + n_edge_features, n_features, n_features)
            self.phi_u = _mlp(2 * n_features, n_features, n_features)
        self.n_features, self.n_edge_features = n_features, n_edge_features

    def forward(
        self, h: torch.Tensor, edge_index: torch.Tensor, edge_attr: torch.Tensor, edge_weight=None
    ) -> torch.Tensor:
        """New node features ``(n_nodes, n_features)`` from ``h``, the edges, their features and weights."""
        check_tensor(h, "h", ndim=2, features=self.n_features, dtype=self.phi_m[0].weight.dtype)
        _check_edges(edge_index, h.shape[0])
        check_tensor(edge_attr, "edge_attr", ndim=2, features=self.n_edge_features, dtype=h.dtype)
        if edge_attr.shape[0] != edge_index.shape[1]:
            raise ValueError(
                f"edge_attr must have one row per edge ({edge_index.shape[1]}), got {edge_attr.shape[0]}"
            )
        if edge_weight is not None:
            check_tensor(edge_weight, "edge_weight", ndim=1, dtype=h.dtype)
            if edge_weight.shape[0] != edge_index.shape[1]:
                raise ValueError(
                    f"edge_weight must have one entry per edge ({edge_index.shape[1]}), "
                    f"got {edge_weight.shape[0]}"
                )
        return self._forward(h, edge_index, edge_attr, edge_weight)

    def _forward(self, h, edge_index, edge_attr, edge_weight=None) -> torch.Tensor:
        sender, receiver = edge_index
        messages = self.phi_m(torch.cat([h[receiver], h[sender], edge_attr], dim=1))  # one per edge
        if edge_weight is not None:
            messages = edge_weight[:, None] * messages  # m_ij = w_ij phi_m(...): zero at the cutoff
        aggregated = _scatter_sum(messages, receiver, h.shape[0])  # a_i = sum over j of m_ij
        return h + self.phi_u(torch.cat([h, aggregated], dim=1))  # h_i' = h_i + phi_u(h_i, a_i)


class EGNNLayer(nn.Module):
    r"""An E(n)-equivariant message-passing layer (Satorras, Hoogeboom and Welling 2021; chapter
    "Graph neural networks"): invariant features :math:`\boldsymbol h_i` and positions
    :math:`\boldsymbol x_i` are updated together,

    .. math::
        \boldsymbol m_{ij} = \phi_e\big(\boldsymbol h_i, \boldsymbol h_j,
        \lVert\boldsymbol x_i - \boldsymbol x_j\rVert^2\big), \qquad
        \boldsymbol x_i' = \boldsymbol x_i + \frac{1}{N - 1}\sum_{j\in\mathcal N(i)}
        (\boldsymbol x_i - \boldsymbol x_j)\,\phi_x(\boldsymbol m_{ij}), \qquad
        \boldsymbol h_i' = \boldsymbol h_i
        + \phi_h\Big(\boldsymbol h_i, \sum_{j\in\mathcal N(i)}\boldsymbol m_{ij}\Big),

    so that rotating and shifting the input positions rotates and shifts the output positions
    and leaves the features unchanged. :math:`N` is the number of nodes of the graph.
    """

    def __init__(self, n_features: int, seed: int = 0):
        super().__init__()
        n_features = check_int(n_features, "n_features", minimum=1)
        seed = check_int(seed, "seed", minimum=0)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.phi_e = _mlp(2 * n_features + 1, n_features, n_features)
            self.phi_x = _mlp(n_features, n_features, 1)
            self.phi_h = _mlp(2 * n_features, n_features, n_features)
        self.n_features = n_features

    def forward(self, h: torch.Tensor, x: torch.Tensor, edge_index: torch.Tensor):
        """New features ``(n_nodes, n_features)`` and positions ``(n_nodes, 3)``."""
        check_tensor(h, "h", ndim=2, features=self.n_features, dtype=self.phi_e[0].weight.dtype)
        check_tensor(x, "x", ndim=2, dtype=h.dtype)
        if x.shape[0] != h.shape[0]:
            raise ValueError(f"x must have one row per node ({h.shape[0]}), got {x.shape[0]}")
        _check_edges(edge_index, h.shape[0])
        return self._forward(h, x, edge_index)

    def _forward(self, h, x, edge_index):
        sender, receiver = edge_index
        diff = x[receiver] - x[sender]  # x_i - x_j: rotates with the configuration
        d2 = (diff**2).sum(dim=1, keepdim=True)  # invariant
        m = self.phi_e(torch.cat([h[receiver], h[sender], d2], dim=1))
        shift = _scatter_sum(diff * self.phi_x(m), receiver, x.shape[0]) / max(x.shape[0] - 1, 1)
        h_new = h + self.phi_h(torch.cat([h, _scatter_sum(m, receiver, h.shape[0])], dim=1))
        return h_new, x + shift


def _check_edges(edge_index, n_nodes: int, name: str = "edge_index") -> None:
    check_type(edge_index, torch.Tensor, name, "torch.Tensor of node indices")
    if edge_index.dtype != torch.long:
        raise TypeError(f"{name} must be a long tensor, got dtype {edge_index.dtype}")
    if edge_index.ndim != 2 or edge_index.shape[0] != 2:
        raise ValueError(f"{name} must have shape (2, n_edges), got {tuple(edge_index.shape)}")
    if edge_index.numel() and (int(edge_index.min()) < 0 or int(edge_index.max()) >= n_nodes):
        raise ValueError(f"{name} must hold node numbers in [0, {n_nodes})")


def _cosine_cutoff(d: torch.Tensor, cutoff: float) -> torch.Tensor:
    r"""Smooth envelope :math:`f_c(d) = \tfrac12\left[\cos(\pi d/r_c) + 1\right]` for :math:`d < r_c`,
    else 0."""
    return torch.where(d < cutoff, 0.5 * (torch.cos(math.pi * d / cutoff) + 1.0), torch.zeros_like(d))


class GNNPotential(nn.Module):
    r"""An invariant graph-network potential (chapter "Graph neural networks").

    Every atom starts with the same learned feature vector :math:`\boldsymbol h_i^0` (one species).
    An edge carries its distance, expanded in ``n_rbf`` Gaussians and multiplied by the smooth
    envelope :math:`f_c`,
    :math:`e_{ij,k} = f_c(d_{ij})\exp[-(d_{ij} - \mu_k)^2/(2\Delta^2)]`; ``n_layers``
    :class:`MessagePassingLayer` update the atoms, with the messages weighted by
    :math:`w_{ij} = f_c(d_{ij})` so that an edge enters and leaves the sums continuously, and the
    energy is a sum of atomic energies,

    .. math::
        E = \sum_{i=1}^N \big[s\,\phi_{\mathrm{out}}(\boldsymbol h_i^{L}) + \mu\big],

    with the per-atom shift :math:`\mu` and scale :math:`s` of the training energies (set by
    :func:`fit_potential`). Forces are :math:`\boldsymbol F_i = -\partial E/\partial\boldsymbol r_i` by
    autograd (:meth:`energy_and_forces`).
    """

    def __init__(
        self,
        n_features: int = 32,
        n_layers: int = 2,
        n_rbf: int = 16,
        cutoff: float = 3.0,
        seed: int = 0,
        dtype=torch.float32,
        device="cpu",
    ):
        super().__init__()
        n_features = check_int(n_features, "n_features", minimum=1)
        n_layers = check_int(n_layers, "n_layers", minimum=0)
        n_rbf = check_int(n_rbf, "n_rbf", minimum=1)
        cutoff = float(check_scalar(cutoff, "cutoff", minimum=0.0, include_min=False, maximum=1e3))
        seed = check_int(seed, "seed", minimum=0)
        if dtype not in (torch.float32, torch.float64):
            raise TypeError(f"dtype must be torch.float32 or torch.float64, got {dtype!r}")
        device = as_device(device)
        self.cutoff = cutoff
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.h0 = nn.Parameter(torch.randn(n_features))
            self.layers = nn.ModuleList(
                MessagePassingLayer(n_features, n_rbf, seed=seed + 1 + k) for k in range(n_layers)
            )
            self.readout = _mlp(n_features, n_features, 1)
        self.register_buffer("centres", torch.linspace(0.0, cutoff, n_rbf))
        self.width = cutoff / max(n_rbf - 1, 1)
        self.register_buffer("shift", torch.zeros(()))
        self.register_buffer("scale", torch.ones(()))
        self.to(device=device, dtype=dtype)

    def _edge_features(self, pos: torch.Tensor, edge_index: torch.Tensor):
        sender, receiver = edge_index
        d = torch.linalg.vector_norm(pos[sender] - pos[receiver], dim=1)  # d_ij, invariant
        f_c = _cosine_cutoff(d, self.cutoff)
        rbf = torch.exp(-0.5 * ((d[:, None] - self.centres) / self.width) ** 2)
        return rbf * f_c[:, None], f_c

    def _energy(self, pos: torch.Tensor, edge_index: torch.Tensor, batch: torch.Tensor, n_graphs: int):
        e, f_c = self._edge_features(pos, edge_index)
        h = self.h0.expand(pos.shape[0], -1)
        for layer in self.layers:
            h = layer._forward(h, edge_index, e, f_c)  # messages weighted by f_c(d_ij)
        atomic = self.scale * self.readout(h)[:, 0] + self.shift  # epsilon_i
        return _scatter_sum(atomic, batch, n_graphs)  # E = sum_i epsilon_i, per configuration

    def _check_graph(self, graph) -> GraphBatch:
        check_type(graph, GraphBatch, "graph", "physml.gnn.GraphBatch (from make_graphs)")
        check_tensor(graph.positions, "graph.positions", ndim=2, features=3, dtype=self.h0.dtype)
        if graph.positions.device != self.h0.device:
            raise ValueError(f"graph is on {graph.positions.device} but the model on {self.h0.device}")
        if graph.cutoff != self.cutoff:
            raise ValueError(f"graph was made with cutoff {graph.cutoff}, the model has cutoff {self.cutoff}")
        _check_edges(graph.edge_index, graph.positions.shape[0], "graph.edge_index")
        return graph

    def forward(self, graph: GraphBatch) -> torch.Tensor:
        """Energies ``(n_graphs,)`` of the configurations in ``graph``."""
        graph = self._check_graph(graph)
        return self._energy(graph.positions, graph.edge_index, graph.batch, len(graph.n_atoms))

    def energy_and_forces(self, graph: GraphBatch, create_graph: bool = False):
        r"""Energies ``(n_graphs,)`` and forces :math:`-\partial E/\partial\boldsymbol r_i` ``(n_nodes, 3)``.

        ``create_graph=True`` keeps the graph of the derivative, so that a loss on the forces
        can be differentiated again (training on forces).
        """
        graph = self._check_graph(graph)
        create_graph = check_bool(create_graph, "create_graph")
        return self._energy_and_forces(graph, create_graph)

    def _energy_and_forces(self, graph: GraphBatch, create_graph: bool = False):
        with torch.enable_grad():
            pos = graph.positions.detach().requires_grad_(True)
            energy = self._energy(pos, graph.edge_index, graph.batch, len(graph.n_atoms))
            (grad,) = torch.autograd.grad(energy.sum(), pos, create_graph=create_graph)
        if not create_graph:
            energy = energy.detach()
        return energy, -grad


def _check_targets(
    graph: GraphBatch, energies, forces, model: GNNPotential
) -> tuple[torch.Tensor, torch.Tensor]:
    dtype, device = model.h0.dtype, model.h0.device
    E = torch.as_tensor(as_float_array(energies, "energies", ndim=1), dtype=dtype, device=device)
    F = torch.as_tensor(as_float_array(forces, "forces", ndim=2), dtype=dtype, device=device)
    if E.shape[0] != len(graph.n_atoms):
        raise ValueError(
            f"energies must have one entry per configuration ({len(graph.n_atoms)}), got {E.shape[0]}"
        )
    if tuple(F.shape) != tuple(graph.positions.shape):
        raise ValueError(
            f"forces must have the shape of graph.positions {tuple(graph.positions.shape)}, "
            f"got {tuple(F.shape)}"
        )
    return E, F


def fit_potential(
    model: GNNPotential,
    graph: GraphBatch,
    energies,
    forces,
    epochs: int = 60,
    lr: float = 5e-3,
    force_weight: float = 1.0,
    batch_size: int = 16,
    seed=0,
) -> dict:
    r"""Train ``model`` on energies and forces, full batch with Adam (chapter "Graph neural networks").

    The cost is the force-matching loss

    .. math::
        C = \frac{1}{n}\sum_{g}\left(\frac{\tilde E_g - E_g}{N_g\,s}\right)^2
        + \frac{w_F}{3\sum_g N_g}\sum_{g,i}
        \left\lVert\frac{\tilde{\boldsymbol F}_{gi} - \boldsymbol F_{gi}}{s_F}\right\rVert^2,

    with :math:`s` the spread of the energies per atom and :math:`s_F` the RMS force component of
    the training set. The per-atom shift :math:`\mu` and scale :math:`s` of the model are set
    from the training energies first. ``forces`` is ``(n_nodes, 3)`` in the node order of
    ``graph``. Returns the history of the cost and of its two parts.
    """
    check_type(model, GNNPotential, "model", "physml.gnn.GNNPotential")
    graph = model._check_graph(graph)
    E, F = _check_targets(graph, energies, forces, model)
    epochs = check_int(epochs, "epochs", minimum=1)
    lr = check_learning_rate(lr)
    force_weight = float(check_scalar(force_weight, "force_weight", minimum=0.0, maximum=1e6))
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    seed = as_rng(seed)
    return _fit(model, graph, E, F, epochs, lr, force_weight, batch_size, seed)


class _Batcher:
    """Cut sub-batches of whole configurations out of a :class:`GraphBatch` by slicing (the nodes and
    edges of each configuration are contiguous in a batch made by :func:`make_graphs`)."""

    def __init__(self, graph: GraphBatch):
        counts = graph.n_atoms.cpu().numpy()
        self.graph = graph
        self.node_start = np.concatenate([[0], np.cumsum(counts)])
        receivers = graph.batch[graph.edge_index[1]].cpu().numpy()
        self.edge_start = np.searchsorted(receivers, np.arange(len(counts) + 1))

    def __call__(self, configs: np.ndarray) -> tuple[GraphBatch, torch.Tensor]:
        g, device = self.graph, self.graph.positions.device
        nodes = np.concatenate([np.arange(self.node_start[c], self.node_start[c + 1]) for c in configs])
        edges = np.concatenate([np.arange(self.edge_start[c], self.edge_start[c + 1]) for c in configs])
        counts = self.node_start[configs + 1] - self.node_start[configs]
        shift = np.repeat(np.cumsum(counts) - counts - self.node_start[configs],
                          self.edge_start[configs + 1] - self.edge_start[configs])  # fmt: skip
        nodes_t = torch.as_tensor(nodes, device=device)
        edge_index = g.edge_index[:, torch.as_tensor(edges, device=device)] + torch.as_tensor(
            shift, device=device
        )
        batch = torch.repeat_interleave(
            torch.arange(len(configs), device=device), torch.as_tensor(counts, device=device)
        )
        sub = GraphBatch(
            g.positions[nodes_t],
            edge_index,
            batch,
            g.n_atoms[torch.as_tensor(configs, device=device)],
            g.cutoff,
        )
        return sub, nodes_t


def _fit(model, graph, E, F, epochs, lr, force_weight, batch_size, seed) -> dict:
    n_atoms = graph.n_atoms.to(E.dtype)
    per_atom = E / n_atoms
    with torch.no_grad():
        model.shift.fill_(per_atom.mean())
        model.scale.fill_(per_atom.std() if len(E) > 1 else 1.0)
    s_E, s_F = model.scale, F.pow(2).mean().sqrt().clamp_min(1e-12)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, foreach=True)
    n_graphs = len(E)
    n_steps = epochs * math.ceil(n_graphs / batch_size)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, n_steps)
    rng = seed
    batcher = _Batcher(graph)
    history = {"loss": [], "energy": [], "force": []}
    for epoch in range(epochs):
        totals = np.zeros(3)
        order = rng.permutation(n_graphs)
        for start in range(0, n_graphs, batch_size):
            configs = np.sort(order[start : start + batch_size])
            sub, nodes = batcher(configs)
            idx = torch.as_tensor(configs, device=E.device)
            optimizer.zero_grad()
            pred_E, pred_F = model._energy_and_forces(sub, create_graph=force_weight > 0)
            loss_E = (((pred_E - E[idx]) / n_atoms[idx] / s_E) ** 2).mean()
            loss_F = (((pred_F - F[nodes]) / s_F) ** 2).mean()
            loss = loss_E + force_weight * loss_F
            check_finite_loss(float(loss.detach()), epoch)
            loss.backward()
            optimizer.step()
            schedule.step()
            totals += len(configs) * np.array(
                [float(loss.detach()), float(loss_E.detach()), float(loss_F.detach())]
            )
        for key, total in zip(("loss", "energy", "force"), totals / n_graphs, strict=True):
            history[key].append(total)
    return history
