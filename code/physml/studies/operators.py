r"""The runs of "Learning operators for PDEs": data, three neural operators and a PINN, settings in view.

* :func:`dataset`: random sources :math:`f` (sine series of a Gaussian random field) and the
  solutions of :math:`-u'' + \kappa u^3 = f`, :math:`u(0) = u(1) = 0`, by the Newton
  finite-difference solver, on the training grid and, for the test sources, on a finer grid;
  the baselines (mean solution, the Poisson operator without the cubic term, the best linear
  operator by least squares) and the solver's time per solve;
* :func:`fno_run`, :func:`deeponet_run`, :func:`transformer_run`: a Fourier neural
  operator, a DeepONet and a transformer over the grid points, each trained with several
  seeds on the same pairs and evaluated on unseen sources, on the training grid and on the
  finer grid;
* :func:`pinn_run`: one PINN solve of the same equation for one test source, timed.

Every model learns the scaled map :math:`f/s_f\mapsto u/s_u` (:math:`s` the standard
deviations of the training data), so that inputs and outputs are of order one; relative
errors do not depend on the scales.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from .. import operators, pinn
from ..experiment import Settings, setting, study
from ..nn.torch_twin import torch_threads

# --------------------------------------------------------------------------- data


class PoissonData(Settings):
    r"""Sources and solutions of :math:`-u'' + \kappa u^3 = f` on :math:`[0, 1]`, zero at both ends."""

    kappa: float = setting(1.0, low=0, high=100, doc="strength kappa of the cubic term (0: Poisson)")
    amplitude: float = setting(20.0, low=0, doc="scale of the source coefficients")
    n_modes: int = setting(16, low=1, doc="sine modes K of each source")
    decay: float = setting(1.0, low=0, high=10, doc="coefficients fall as k^-decay")
    n: int = setting(64, low=8, doc="grid points of the training grid, x_j = j/n")
    n_fine: int = setting(256, low=8, doc="grid points of the finer test grid (a multiple of n)")
    n_train: int = setting(800, low=2, doc="training pairs (f, u)")
    n_test: int = setting(200, low=2, doc="test pairs, sources never seen in training")
    seed: int = setting(2026, low=0, doc="seed of the random sources")

    SHORT = {"n_train": 200, "n_test": 50}

    def validate(self):
        if self.n_fine % self.n:
            raise ValueError(f"PoissonData.n_fine = {self.n_fine} must be a multiple of n = {self.n}")
        if 2 * self.n_modes > self.n:
            raise ValueError(
                f"PoissonData.n = {self.n} must be at least 2 n_modes = {2 * self.n_modes} "
                "(to resolve every mode)"
            )


def _seconds_per_call(fn, repeats: int) -> float:
    """The median wall time of ``repeats`` calls of ``fn`` (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


@study("operators", PoissonData)
def dataset(cfg: PoissonData) -> dict:
    r"""Draw the sources, solve for every one, and measure the baselines on the test sources.

    The coefficients of :math:`n_\text{train} + n_\text{test}` sources are drawn at once; the
    test sources are evaluated on both grids. Baselines on the test set (relative errors, one
    per function): the mean training solution, the Poisson solution (the operator without the
    cubic term) and the best linear operator :math:`\boldsymbol G` fitted by least squares on
    the training pairs. Also the median wall time of the Newton solver per source on each grid,
    for one batch of the test sources.
    """
    coeffs = cfg.amplitude * operators.source_coefficients(
        cfg.n_train + cfg.n_test, cfg.n_modes, cfg.decay, seed=cfg.seed
    )
    x, x_fine = operators.grid(cfg.n), operators.grid(cfg.n_fine)
    f = operators.sine_series(coeffs, x)
    u = operators.solve_bvp(f, cfg.kappa)
    train, test = slice(0, cfg.n_train), slice(cfg.n_train, None)
    f_fine = operators.sine_series(coeffs[test], x_fine)
    u_fine = operators.solve_bvp(f_fine, cfg.kappa)
    f_scale, u_scale = float(f[train].std()), float(u[train].std())
    G = operators.fit_linear_operator(f[train], u[train])
    mean = np.broadcast_to(u[train].mean(axis=0), u[test].shape)
    baselines = {
        "mean solution": operators.relative_errors(mean, u[test]),
        "Poisson (no cubic term)": operators.relative_errors(operators.solve_bvp(f[test], 0.0), u[test]),
        "best linear operator": operators.relative_errors(f[test] @ G.T, u[test]),
    }
    solve_seconds = {  # per source, from one batch of the test sources (as the networks' inference)
        n: _seconds_per_call(lambda ff=ff: operators.solve_bvp(ff, cfg.kappa), 3) / cfg.n_test
        for n, ff in ((cfg.n, f[test]), (cfg.n_fine, f_fine))
    }
    return {"x": x, "x_fine": x_fine, "coeffs": coeffs,
            "f_train": f[train], "u_train": u[train], "f_test": f[test], "u_test": u[test],
            "f_fine": f_fine, "u_fine": u_fine, "f_scale": f_scale, "u_scale": u_scale,
            "G": G, "baselines": baselines, "solve_seconds": solve_seconds}  # fmt: skip


# --------------------------------------------------------------------------- neural operators


def train_seeds(cfg, make_model) -> dict:
    r"""Train ``make_model(seed)`` for the seeds ``cfg.seed, ..., cfg.seed + n_seeds - 1`` and evaluate.

    Each model is trained by :func:`physml.operators.train_operator` on the scaled training
    pairs of ``cfg.data``, then evaluated on the test sources on the training grid and on the
    finer grid (never seen in training). Returns per seed the model, its loss history and
    the relative test errors of every test function; the mean error of each seed on both
    grids; the training time and the inference time per function (one batch of the test set).
    """
    data = dataset(cfg.data)
    fs, us = data["f_scale"], data["u_scale"]
    out = {"models": [], "histories": [], "errors": [], "errors_fine": [], "train_seconds": []}
    with torch_threads(1):  # small networks: one thread is fastest, and reproducible
        for i in range(cfg.n_seeds):
            model = make_model(cfg.seed + i)
            start = time.perf_counter()
            history = operators.train_operator(
                model, data["f_train"] / fs, data["u_train"] / us, steps=cfg.steps, lr=cfg.lr,
                batch_size=cfg.batch_size, seed=cfg.seed + i, device=cfg.device,
            )  # fmt: skip
            out["train_seconds"].append(time.perf_counter() - start)
            pred = operators.predict(model, data["f_test"] / fs) * us
            pred_fine = operators.predict(model, data["f_fine"] / fs) * us
            out["models"].append(model.cpu())
            out["histories"].append(history)
            out["errors"].append(operators.relative_errors(pred, data["u_test"]))
            out["errors_fine"].append(operators.relative_errors(pred_fine, data["u_fine"]))
        model = out["models"][0].to(cfg.device)
        f_test = data["f_test"] / fs
        out["infer_seconds"] = _seconds_per_call(lambda: operators.predict(model, f_test), 5) / len(f_test)
        model.cpu()
    out["mean_error"] = np.array([e.mean() for e in out["errors"]])
    out["mean_error_fine"] = np.array([e.mean() for e in out["errors_fine"]])
    out["prediction"] = pred  # the last seed's, on the training grid
    out["prediction_fine"] = pred_fine
    return out


class FNORun(Settings):
    """Settings of the Fourier neural operator; ``data`` holds the data's settings."""

    width: int = setting(16, low=1, doc="channels of the Fourier layers")
    modes: int = setting(12, low=1, doc="Fourier modes kept by each spectral convolution")
    n_layers: int = setting(3, low=1, doc="Fourier layers")
    dirichlet: bool = setting(True, doc="multiply the output by sin(pi x): u(0) = u(1) = 0 exactly")
    steps: int = setting(300, low=1, doc="Adam steps")
    lr: float = setting(5e-3, low=0, doc="Adam learning rate (cosine decay to lr/100)")
    batch_size: int = setting(40, low=1, doc="pairs per mini-batch")
    n_seeds: int = setting(3, low=1, doc="trainings with the seeds seed, seed + 1, ...")
    seed: int = setting(0, low=0, doc="first seed of the initial weights and the batches")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')
    data: PoissonData = setting(PoissonData(), doc="the data: equation, sources, grids, sizes")

    SHORT = {"data": PoissonData.short(), "steps": 100}

    def validate(self):
        if not isinstance(self.data, PoissonData):
            raise TypeError(f"FNORun.data must be a PoissonData, got {self.data!r}")


@study("operators", FNORun)
def fno_run(cfg: FNORun) -> dict:
    """Train and evaluate the Fourier neural operator with ``n_seeds`` seeds."""
    return train_seeds(
        cfg,
        lambda s: operators.FNO1d(
            cfg.width, cfg.modes, cfg.n_layers, cfg.dirichlet, seed=s, device=cfg.device
        ),
    )


class DeepONetRun(Settings):
    """Settings of the DeepONet (sensors: the points of the training grid); ``data`` as :class:`FNORun`."""

    width: int = setting(64, low=1, doc="hidden units of the branch and trunk networks")
    n_basis: int = setting(32, low=1, doc="outputs p of branch and trunk (terms of the dot product)")
    depth: int = setting(3, low=1, doc="hidden layers of branch and trunk")
    dirichlet: bool = setting(True, doc="multiply the output by sin(pi x): u(0) = u(1) = 0 exactly")
    steps: int = setting(700, low=1, doc="Adam steps")
    lr: float = setting(3e-3, low=0, doc="Adam learning rate (cosine decay to lr/100)")
    batch_size: int = setting(50, low=1, doc="pairs per mini-batch")
    n_seeds: int = setting(3, low=1, doc="trainings with the seeds seed, seed + 1, ...")
    seed: int = setting(0, low=0, doc="first seed of the initial weights and the batches")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')
    data: PoissonData = setting(PoissonData(), doc="the data: equation, sources, grids, sizes")

    SHORT = {"data": PoissonData.short(), "steps": 300}

    def validate(self):
        if not isinstance(self.data, PoissonData):
            raise TypeError(f"DeepONetRun.data must be a PoissonData, got {self.data!r}")


@study("operators", DeepONetRun)
def deeponet_run(cfg: DeepONetRun) -> dict:
    """Train and evaluate the DeepONet with ``n_seeds`` seeds."""
    return train_seeds(
        cfg,
        lambda s: operators.DeepONet(
            cfg.data.n, cfg.width, cfg.n_basis, cfg.depth, cfg.dirichlet, seed=s, device=cfg.device
        ),
    )


class TransformerRun(Settings):
    """Settings of the transformer over the grid points; ``data`` as :class:`FNORun`."""

    d_model: int = setting(16, low=1, doc="width of the token representations")
    n_heads: int = setting(2, low=1, doc="attention heads (must divide d_model)")
    n_layers: int = setting(1, low=1, doc="encoder blocks")
    d_ff: int = setting(32, low=1, doc="hidden units of the feed-forward networks")
    n_freq: int = setting(4, low=0, doc="Fourier features sin, cos(2 pi q x), q = 1..n_freq, of the position")
    dirichlet: bool = setting(True, doc="multiply the output by sin(pi x): u(0) = u(1) = 0 exactly")
    steps: int = setting(400, low=1, doc="Adam steps")
    lr: float = setting(3e-3, low=0, doc="Adam learning rate (cosine decay to lr/100)")
    batch_size: int = setting(20, low=1, doc="pairs per mini-batch")
    n_seeds: int = setting(3, low=1, doc="trainings with the seeds seed, seed + 1, ...")
    seed: int = setting(0, low=0, doc="first seed of the initial weights and the batches")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')
    data: PoissonData = setting(PoissonData(), doc="the data: equation, sources, grids, sizes")

    SHORT = {"data": PoissonData.short(), "steps": 250}

    def validate(self):
        if not isinstance(self.data, PoissonData):
            raise TypeError(f"TransformerRun.data must be a PoissonData, got {self.data!r}")
        if self.d_model % self.n_heads:
            raise ValueError(f"TransformerRun.n_heads = {self.n_heads} must divide d_model = {self.d_model}")


@study("operators", TransformerRun)
def transformer_run(cfg: TransformerRun) -> dict:
    """Train and evaluate the grid transformer with ``n_seeds`` seeds."""
    return train_seeds(
        cfg,
        lambda s: operators.GridTransformer(
            cfg.d_model,
            cfg.n_heads,
            cfg.n_layers,
            cfg.d_ff,
            cfg.n_freq,
            cfg.dirichlet,
            seed=s,
            device=cfg.device,
        ),
    )


# --------------------------------------------------------------------------- one PINN solve


class PINNSolve(Settings):
    """Settings of one PINN solve (of the first test source); ``data`` as :class:`FNORun`."""

    width: int = setting(20, low=1, doc="hidden units per layer")
    depth: int = setting(2, low=1, doc="hidden layers")
    n_points: int = setting(200, low=2, doc="equally spaced collocation points in (0, 1)")
    adam_steps: int = setting(300, low=0, doc="Adam steps")
    lbfgs_steps: int = setting(150, low=0, doc="L-BFGS iterations after Adam")
    lr: float = setting(1e-2, low=0, doc="Adam learning rate (decays tenfold over the run)")
    seed: int = setting(0, low=0, doc="seed of the initial weights")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')
    data: PoissonData = setting(PoissonData(), doc="the data: the source is its first test source")

    SHORT = {"data": PoissonData.short(), "adam_steps": 200, "lbfgs_steps": 50}

    def validate(self):
        if not isinstance(self.data, PoissonData):
            raise TypeError(f"PINNSolve.data must be a PoissonData, got {self.data!r}")


class DirichletTrial(torch.nn.Module):
    r"""The trial solution :math:`\hat u(x) = s\,x(1 - x)\,N_{\boldsymbol\theta}(x)`: zero at both ends."""

    def __init__(self, net: torch.nn.Module, scale: float = 1.0):
        super().__init__()
        self.net, self.scale = net, scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.scale * x * (1 - x) * self.net(x)


def bvp_loss(model, x, coeffs: torch.Tensor, kappa: float) -> torch.Tensor:
    r"""Mean squared residual of :math:`-\hat u'' + \kappa\hat u^3 - f` at the points ``x``.

    The source :math:`f(x) = \sum_k c_k\sin k\pi x` is evaluated exactly at every point.
    """
    u = model(x)
    k = torch.arange(1, len(coeffs) + 1, dtype=x.dtype, device=x.device)
    f = torch.sin(torch.pi * x * k) @ coeffs[:, None]
    residual = -pinn.derivative(u, x, order=2) + kappa * u**3 - f
    return (residual**2).mean()


@study("operators", PINNSolve)
def pinn_run(cfg: PINNSolve) -> dict:
    """Solve the equation for the first test source with a PINN; its wall time and its error.

    The trial solution of :class:`DirichletTrial` (scaled by the size of the training
    solutions) is trained by :func:`physml.pinn.train_pinn` (Adam, then L-BFGS) on the
    residual of :func:`bvp_loss`, and compared with the finite-difference solution on the
    fine grid.
    """
    data = dataset(cfg.data)
    coeffs = data["coeffs"][cfg.data.n_train]
    net = pinn.network(1, cfg.width, cfg.depth, seed=cfg.seed, device=cfg.device)
    model = DirichletTrial(net, scale=4 * data["u_scale"])
    x = torch.linspace(0.0, 1.0, cfg.n_points + 2, dtype=pinn.DTYPE, device=cfg.device)[1:-1, None].clone()
    x.requires_grad_(True)
    c = torch.as_tensor(coeffs, dtype=pinn.DTYPE, device=cfg.device)
    start = time.perf_counter()
    history = pinn.train_pinn(
        model, lambda m, p: bvp_loss(m, p, c, cfg.data.kappa), x,
        adam_steps=cfg.adam_steps, lbfgs_steps=cfg.lbfgs_steps, lr=cfg.lr, seed=cfg.seed,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    u = pinn.predict(model, data["x_fine"][:, None])
    return {"model": model.cpu(), "history": history, "seconds": seconds, "u": u,
            "error": float(operators.relative_errors(u[None], data["u_fine"][:1])[0])}  # fmt: skip
