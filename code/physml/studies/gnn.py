r"""The run of "Graph neural networks": a message-passing potential for Lennard-Jones clusters.

:func:`cluster_data` samples Lennard-Jones clusters of :math:`N = 2, \dots, 13` atoms at a few
temperatures with the Metropolis sampler of :mod:`physml.gnn` and labels them with the exact
energies and forces; :func:`cluster_run` trains one :class:`physml.gnn.GNNPotential` per seed on
energies and forces of the training configurations and measures its errors on the held-out
ones, beside the two cheapest baselines (the mean energy per atom, and zero force).
"""

from __future__ import annotations

import time

import numpy as np
import torch

from .. import gnn
from ..experiment import Settings, setting, study
from ..nn.torch_twin import torch_threads


class ClusterRun(Settings):
    """Settings of the data and of the graph network trained on it."""

    n_min: int = setting(2, low=2, doc="smallest cluster (2: the dimer, an H2-like molecule)")
    n_max: int = setting(13, low=2, doc="largest cluster")
    temperatures: tuple[float, ...] = setting(
        (0.1, 0.2, 0.3), low=0.01, doc="sampling temperatures (epsilon/k_B)"
    )
    per_size: int = setting(10, low=1, doc="configurations per size and temperature")
    n_sweeps: int = setting(100, low=1, doc="Metropolis sweeps per chain")
    train_fraction: float = setting(
        2 / 3, low=0.05, high=0.95, doc="share of configurations used for training"
    )
    n_features: int = setting(16, low=1, doc="features per atom")
    n_layers: int = setting(2, low=1, doc="message-passing layers")
    n_rbf: int = setting(16, low=1, doc="Gaussians in the distance expansion")
    cutoff: float = setting(3.0, low=0.5, doc="cutoff radius r_c of the graph (sigma)")
    epochs: int = setting(40, low=1, doc="passes over the training configurations")
    batch_size: int = setting(8, low=1, doc="configurations per Adam step")
    lr: float = setting(5e-3, low=0, doc="Adam learning rate (cosine decay to zero)")
    force_weight: float = setting(1.0, low=0, doc="weight w_F of the force term of the cost")
    n_seeds: int = setting(3, low=3, doc="networks trained, seeds seed, seed + 1, ...")
    seed: int = setting(2026, low=0, doc="seed of the data; network k uses seed + k")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"per_size": 3, "n_sweeps": 30, "epochs": 20, "n_max": 8}

    def validate(self):
        if self.n_max < self.n_min:
            raise ValueError(f"ClusterRun.n_max = {self.n_max} must be >= n_min = {self.n_min}")
        if not self.temperatures:
            raise ValueError("ClusterRun.temperatures must hold at least one temperature")


def cluster_data(cfg: ClusterRun) -> dict:
    """Sample the clusters, label them with the exact Lennard-Jones energies and forces, and
    split them at random into training and test configurations."""
    rng = np.random.default_rng(cfg.seed)
    clusters, temps = [], []
    for n_atoms in range(cfg.n_min, cfg.n_max + 1):
        for T in cfg.temperatures:
            x = gnn.sample_lj_clusters(n_atoms, cfg.per_size, T, seed=rng, n_sweeps=cfg.n_sweeps)
            clusters += list(x)
            temps += [T] * len(x)
    energies = np.array([gnn.lj_energy(c) for c in clusters])
    forces = [gnn.lj_forces(c) for c in clusters]
    order = rng.permutation(len(clusters))
    n_train = int(round(cfg.train_fraction * len(clusters)))
    split = {"train": np.sort(order[:n_train]), "test": np.sort(order[n_train:])}
    data = {}
    for name, idx in split.items():
        data[name] = {
            "clusters": [clusters[i] for i in idx],
            "energies": energies[idx],
            "forces": np.concatenate([forces[i] for i in idx]),
            "n_atoms": np.array([len(clusters[i]) for i in idx]),
            "temperature": np.array([temps[i] for i in idx]),
        }
    return data


def errors(model: gnn.GNNPotential, part: dict, graph: gnn.GraphBatch) -> dict:
    """Energy error per atom and force error of ``model`` on the configurations ``part``."""
    energy, force = model.energy_and_forces(graph)
    energy, force = energy.cpu().double().numpy(), force.cpu().double().numpy()
    per_atom = np.abs(energy - part["energies"]) / part["n_atoms"]
    return {
        "energy_mae": float(per_atom.mean()),
        "force_mae": float(np.abs(force - part["forces"]).mean()),
        "energy": energy,
        "force": force,
    }


@study("gnn", ClusterRun)
def cluster_run(cfg: ClusterRun) -> dict:
    """Train ``cfg.n_seeds`` graph networks on energies and forces; errors on the test clusters.

    Returns the data, the trained models (on the CPU), their training histories and test
    errors (energy MAE per atom, force MAE per component), and the baselines: the mean energy
    per atom of the training set times N, and zero force.
    """
    data = cluster_data(cfg)
    train, test = data["train"], data["test"]
    make = dict(cutoff=cfg.cutoff, dtype=torch.float32, device=cfg.device)
    g_train, g_test = gnn.make_graphs(train["clusters"], **make), gnn.make_graphs(test["clusters"], **make)
    models, histories, results, seconds = [], [], [], []
    with torch_threads(1):  # small graphs: one thread is fastest, and reproducible
        for k in range(cfg.n_seeds):
            start = time.perf_counter()
            model = gnn.GNNPotential(
                cfg.n_features, cfg.n_layers, cfg.n_rbf, cfg.cutoff, seed=cfg.seed + k, device=cfg.device
            )
            history = gnn.fit_potential(
                model, g_train, train["energies"], train["forces"], epochs=cfg.epochs, lr=cfg.lr,
                force_weight=cfg.force_weight, batch_size=cfg.batch_size, seed=cfg.seed + k,
            )  # fmt: skip
            seconds.append(time.perf_counter() - start)
            results.append(errors(model, test, g_test))
            models.append(model.cpu())
            histories.append(history)
    mean_per_atom = float(np.mean(train["energies"] / train["n_atoms"]))
    baseline_energy = np.abs(mean_per_atom * test["n_atoms"] - test["energies"]) / test["n_atoms"]
    return {
        "data": data,
        "models": models,
        "histories": histories,
        "seconds": seconds,
        "energy_mae": np.array([r["energy_mae"] for r in results]),
        "force_mae": np.array([r["force_mae"] for r in results]),
        "predictions": results,
        "baseline_energy_mae": float(baseline_energy.mean()),
        "baseline_force_mae": float(np.abs(test["forces"]).mean()),
        "n_parameters": sum(p.numel() for p in models[0].parameters()),
        "n_edges": int(g_train.edge_index.shape[1]),
    }
