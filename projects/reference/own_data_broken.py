"""A deliberately broken copy of the own-data reference solution (instructors): the scaler leaks.

The bug: ``features_and_scaler`` fits the standardisation to *all* nuclei, test nuclei
included, a common leak; the milestone "no leakage" must catch it.

The rest as in the reference solution:

The data are the nuclei of ``physml.projects.own_data.nuclear_table()`` (AME2020 masses from
``periodictable``), written to a CSV file in a temporary folder and read back with pandas,
as a group would read their own file. The nuclei are split at random (seed ``SEED``, 20 %
held out) before anything is fitted; the liquid-drop formula is fitted to the training
nuclei by least squares, with standard errors from ``sigma^2 (X^T X)^-1``; a small MLP
(inputs Z, N and their parities, standardised with training statistics) learns the
residuals ``B - B_LD``; so does, for comparison, a Gaussian process on (Z, N) whose
hyperparameters maximise the marginal likelihood of a random subset of the training nuclei.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from physml import gp
from physml.projects import own_data as od

SEED = 2026
TEST_FRACTION = 0.2


@functools.cache
def load_table() -> pd.DataFrame:
    """The project's nuclei, through a CSV file: written, then read back with pandas."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "nuclei.csv"
        od.nuclear_table().to_csv(path)
        return pd.read_csv(path, index_col=0)


def split_nuclei(seed: int = SEED, test_fraction: float = TEST_FRACTION) -> tuple[np.ndarray, np.ndarray]:
    """(train_index, test_index): a random split of the nucleus indices, ``test_fraction`` held out."""
    n = len(load_table())
    order = np.random.default_rng(seed).permutation(n)
    n_test = round(test_fraction * n)
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def liquid_drop_design(Z: np.ndarray, N: np.ndarray) -> np.ndarray:
    """One row per nucleus: A, -A^(2/3), -Z(Z-1)/A^(1/3), -(N-Z)^2/A, delta/A^(1/2)."""
    A = Z + N
    delta = np.where((Z % 2 == 0) & (N % 2 == 0), 1.0, np.where((Z % 2 == 1) & (N % 2 == 1), -1.0, 0.0))
    coulomb = Z * (Z - 1) / A ** (1 / 3)
    return np.column_stack([A, -(A ** (2 / 3)), -coulomb, -((N - Z) ** 2) / A, delta / np.sqrt(A)])


def liquid_drop_with_errors(train_index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares coefficients (a_V, a_S, a_C, a_A, a_P) in MeV and their standard errors.

    theta = (X^T X)^-1 X^T B, Cov(theta) = sigma^2 (X^T X)^-1, sigma^2 = RSS / (n - 5).
    """
    table = load_table().loc[train_index]
    X = liquid_drop_design(table["Z"].to_numpy(float), table["N"].to_numpy(float))
    B = table["B_MeV"].to_numpy()
    theta, *_ = np.linalg.lstsq(X, B, rcond=None)
    residual = B - X @ theta
    sigma2 = residual @ residual / (len(B) - X.shape[1])
    return theta, np.sqrt(np.diag(sigma2 * np.linalg.inv(X.T @ X)))


def liquid_drop_fit(train_index: np.ndarray) -> np.ndarray:
    """The liquid-drop coefficients fitted to the training nuclei (MeV)."""
    return liquid_drop_with_errors(train_index)[0]


def features(table: pd.DataFrame) -> np.ndarray:
    """The network's inputs of each nucleus: Z, N and their parities (unscaled)."""
    Z, N = table["Z"].to_numpy(float), table["N"].to_numpy(float)
    return np.column_stack([Z, N, Z % 2, N % 2])


def features_and_scaler(train_index: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features of every nucleus, mean, scale) with mean and scale from the training nuclei only."""
    F = features(load_table())
    mean, scale = F.mean(axis=0), F.std(axis=0)  # BUG: statistics of all nuclei, test nuclei included
    return F, mean, np.where(scale > 0, scale, 1.0)


class NucleiDataset(torch.utils.data.Dataset):
    """Standardised inputs and residuals (MeV) of some nuclei, one nucleus per item."""

    def __init__(self, inputs: np.ndarray, residuals: np.ndarray):
        self.x = torch.as_tensor(inputs, dtype=torch.float32)
        self.y = torch.as_tensor(residuals, dtype=torch.float32)[:, None]

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def residual_network(width: int = 48, seed: int = SEED) -> torch.nn.Module:
    """Inputs (Z, N, Z mod 2, N mod 2), two hidden SiLU layers of ``width``, one output."""
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(4, width),
        torch.nn.SiLU(),
        torch.nn.Linear(width, width),
        torch.nn.SiLU(),
        torch.nn.Linear(width, 1),
    )


@functools.cache
def _train(train: tuple, steps: int, width: int, seed: int, device: str):
    """Fit the liquid drop and a network on its residuals to the nuclei ``train`` (cached)."""
    train_index = np.array(train)
    theta = liquid_drop_fit(train_index)
    table = load_table()
    F, mean, scale = features_and_scaler(train_index)
    ld = liquid_drop_design(table["Z"].to_numpy(float), table["N"].to_numpy(float)) @ theta
    residual = table["B_MeV"].to_numpy() - ld
    r_scale = residual[train_index].std()
    data = NucleiDataset((F[train_index] - mean) / scale, residual[train_index] / r_scale)
    x, y = data.x.to(device), data.y.to(device)  # full batch: all training nuclei in one step
    net = residual_network(width, seed).to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
    losses = []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a network this small only loses time to thread synchronisation
    try:
        for _ in range(steps):
            optimizer.zero_grad()
            loss = torch.mean((net(x) - y) ** 2)
            loss.backward()
            optimizer.step()
            schedule.step()
            losses.append(loss.item())
    finally:
        torch.set_num_threads(threads)
    if not np.isfinite(losses[-1]):
        raise FloatingPointError(f"the training loss became {losses[-1]}")
    with torch.no_grad():
        inputs = torch.as_tensor((F - mean) / scale, dtype=torch.float32, device=device)
        correction = net(inputs).cpu().numpy()[:, 0] * r_scale
    return ld, ld + correction, np.array(losses)


def model_predictions(
    train_index: np.ndarray, steps: int = 2000, width: int = 48, seed: int = SEED, device: str = "cpu"
) -> dict:
    """Binding energies (MeV) of every nucleus: liquid drop, and liquid drop plus network; the losses."""
    ld, full, losses = _train(tuple(int(i) for i in train_index), steps, width, seed, device)
    return {"liquid_drop": ld, "network": full, "losses": losses}


def heldout_predictions(train_index: np.ndarray, test_index: np.ndarray) -> np.ndarray:
    """The model's (liquid drop plus network) binding energies of the test nuclei, MeV."""
    return model_predictions(train_index)["network"][test_index]


@functools.cache
def _gp(train: tuple, subset: int, seed: int):
    train_index = np.array(train)
    table = load_table()
    Z, N = table["Z"].to_numpy(float), table["N"].to_numpy(float)
    ld = liquid_drop_design(Z, N) @ liquid_drop_fit(train_index)
    residual = table["B_MeV"].to_numpy() - ld
    X = np.column_stack([Z, N])
    mean, scale = X[train_index].mean(axis=0), X[train_index].std(axis=0)
    X = (X - mean) / scale
    offset = residual[train_index].mean()  # the GP's prior mean is zero: centre the targets
    rows = np.random.default_rng(seed).choice(train_index, size=min(subset, len(train_index)), replace=False)
    start = gp.RBF(length_scale=0.3, variance=float(residual[train_index].var()))
    hyper = gp.fit_hyperparameters(start, X[rows], residual[rows] - offset, n_starts=1, seed=seed)
    model = gp.GaussianProcess(hyper.gp.kernel, hyper.gp.noise)
    model.fit(X[train_index], residual[train_index] - offset)
    mu, sd = model.predict(X)
    return ld + offset + mu, np.sqrt(sd**2 + hyper.gp.noise), hyper.gp


def gp_predictions(train_index: np.ndarray, subset: int = 500, seed: int = SEED) -> dict:
    """Liquid drop plus a GP on its residuals: B (MeV) and its standard deviation for every nucleus.

    The hyperparameters (variance, length scale, noise) maximise the log marginal likelihood
    on ``subset`` random training nuclei (the cost grows as n^3); the GP is then conditioned
    on all training nuclei. The standard deviation includes the fitted noise.
    """
    mean, sd, model = _gp(tuple(int(i) for i in train_index), subset, seed)
    return {"B": mean, "sd": sd, "kernel": model.kernel, "noise": model.noise}
