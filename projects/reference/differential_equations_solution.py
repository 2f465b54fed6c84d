"""Reference solution of the differential-equations project (instructor material).

It implements the API of the template's ``solution.py``: the explicit FTCS scheme, a
physics-informed network with the conditions built into the trial solution (the PINN
chapter's ``HeatTrial``), and a Lorenz forecaster: an MLP that maps the current state to
the increment over one sampling step, rolled out autoregressively. The Lorenz system is
autonomous and its state is three numbers, so the last state is all a forecaster needs.
"""

import functools
import math

import numpy as np
import torch

from physml import pinn
from physml.projects import differential_equations as de


def ftcs_heat(dx: float, dt: float, t_end: float) -> np.ndarray:
    """Solve u_t = u_xx on [0, 1], u(0, t) = u(1, t) = 0, u(x, 0) = sin(pi x) by FTCS.

    Take n = t_end/dt steps of u_j <- u_j + r (u_{j+1} - 2 u_j + u_{j-1}), r = dt/dx^2,
    on the grid x_j = j dx, j = 0, ..., N (N = 1/dx). Return u at t_end: an array of
    the N + 1 values, ends included.
    """
    n_intervals, n_steps = round(1 / dx), round(t_end / dt)
    r = dt / dx**2
    x = np.arange(n_intervals + 1) / n_intervals
    u = np.sin(np.pi * x)
    u[0] = u[-1] = 0.0
    for _ in range(n_steps):
        u[1:-1] = u[1:-1] + r * (u[2:] - 2 * u[1:-1] + u[:-2])  # the right side uses old values only
    return u


@functools.cache
def train_pinn(
    width: int = 20,
    depth: int = 2,
    n_points: int = 300,
    adam_steps: int = 300,
    lbfgs_steps: int = 200,
    seed: int = 1,
):
    """The hard-constraint PINN u = sin(pi x) + pi^2 t x (1 - x) N(x, t), trained on [0, 1] x [0, 0.5]."""
    net = pinn.network(2, width, depth, seed=seed)
    model = pinn.HeatTrial(net, scale=math.pi**2)
    points = pinn.collocation_2d(n_points, 0.5, seed=seed)
    history = pinn.train_pinn(
        model, pinn.heat_loss, points, adam_steps=adam_steps, lr=1e-2, lbfgs_steps=lbfgs_steps, seed=seed
    )
    return model, history


def pinn_heat(t: float, n_x: int = 101) -> np.ndarray:
    """Train a neural network on u_t = u_xx (the same conditions) and return its solution at t.

    Return the network's u(x_j, t) at x_j = j/(n_x - 1), j = 0, ..., n_x - 1: an array of
    n_x values. Train once and reuse the network for other t (e.g. functools.cache).
    """
    model, _ = train_pinn()
    x = np.linspace(0.0, 1.0, n_x)
    return pinn.predict(model, np.column_stack([x, np.full_like(x, t)]))


def train_lorenz_mlp(n_traj: int = 40, length: int = 500, hidden: int = 64, epochs: int = 25, seed: int = 0):
    """Train an MLP on (x_k -> x_{k+1} - x_k) from ``n_traj`` trajectories; return it and the scalings."""
    data = de.lorenz_trajectories(n_traj, length, seed=seed)
    mean, std = data.reshape(-1, 3).mean(axis=0), data.reshape(-1, 3).std(axis=0)
    z = (data - mean) / std
    X = torch.from_numpy(z[:, :-1].reshape(-1, 3))
    dZ = torch.from_numpy((z[:, 1:] - z[:, :-1]).reshape(-1, 3))
    step_scale = dZ.std(dim=0)
    torch.manual_seed(seed)
    net = torch.nn.Sequential(
        torch.nn.Linear(3, hidden), torch.nn.Tanh(),
        torch.nn.Linear(hidden, hidden), torch.nn.Tanh(),
        torch.nn.Linear(hidden, 3),
    ).double()  # fmt: skip
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    batches = (len(X) + 255) // 256
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * batches, eta_min=3e-4)
    gen = torch.Generator().manual_seed(seed)
    losses = []
    for _ in range(epochs):
        perm = torch.randperm(len(X), generator=gen)
        total = 0.0
        for i in range(0, len(X), 256):
            idx = perm[i : i + 256]
            loss = ((net(X[idx]) - dZ[idx] / step_scale) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        losses.append(total / len(X))
    return net, mean, std, step_scale, losses


def lorenz_forecaster(**settings):
    """Train a forecaster of the Lorenz system on many trajectories and return it.

    Return a function forecast(history, n_steps): history has shape (n, w, 3), states of
    n trajectories sampled every dt = 0.02 in raw coordinates (as from
    physml.projects.differential_equations.lorenz_trajectories); it returns the next
    n_steps states of each, shape (n, n_steps, 3), feeding its own predictions back in.
    ``settings`` go to :func:`train_lorenz_mlp`.
    """
    net, mean, std, step_scale, losses = train_lorenz_mlp(**settings)

    def forecast(history, n_steps):
        z = torch.from_numpy((np.asarray(history, dtype=float)[:, -1] - mean) / std)
        out = []
        with torch.no_grad():
            for _ in range(n_steps):
                z = z + net(z) * step_scale
                out.append(z.numpy() * std + mean)
        return np.stack(out, axis=1)

    forecast.losses = losses  # the training cost per epoch, for the report
    return forecast
