r"""Recurrent neural networks for dynamical systems (chapter "Recurrent neural networks").

* :func:`integrate` is a fourth-order Runge-Kutta integrator for :math:`\dot{\boldsymbol y} =
  \boldsymbol f(t, \boldsymbol y)`; :func:`lorenz_rhs` and :func:`damped_driven_oscillator_rhs`
  are the two systems of the chapter;
* :func:`make_windows` cuts trajectories into (window, next state) pairs;
* :class:`VanillaRNN` writes the recurrence :math:`\boldsymbol h_t = \tanh(\boldsymbol W
  \boldsymbol h_{t-1} + \boldsymbol U \boldsymbol x_t + \boldsymbol b)` out in torch, and
  :func:`hidden_jacobians` measures :math:`\lVert\partial\boldsymbol h_T/\partial\boldsymbol h_t\rVert`
  with backpropagation through time;
* :class:`SequenceForecaster` (an LSTM, GRU or plain RNN with a linear read-out) and
  :class:`WindowMLP` (a feed-forward network on the flattened window) predict the next state;
  :func:`train_forecaster` trains either with :func:`physml.torchtools.fit`;
* :func:`forecast` rolls a model out autoregressively, :func:`persistence_forecast` is the
  baseline, :func:`horizon_error` the error against the forecast horizon;
* :func:`lyapunov_exponent` estimates the largest Lyapunov exponent from two nearby
  trajectories with renormalisation.

Everything torch takes a ``device`` argument (CPU by default) and runs unchanged on CUDA.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from . import torchtools
from ._validate import (
    as_float_array,
    check_callable,
    check_choice,
    check_finite_result,
    check_int,
    check_learning_rate,
    check_scalar,
    check_tensor,
)

LORENZ_PARAMETERS = {"sigma": 10.0, "rho": 28.0, "beta": 8.0 / 3.0}


# --- ODEs and their integration -----------------------------------------------------------


def _check_state(y, n: int, name: str = "y") -> np.ndarray:
    """A state array whose last axis holds ``n`` components."""
    y = as_float_array(y, name, nonempty=True)
    if y.ndim == 0 or y.shape[-1] != n:
        raise ValueError(f"{name} must have {n} components in its last axis, got shape {y.shape}")
    return y


def lorenz_rhs(t, y, sigma: float = 10.0, rho: float = 28.0, beta: float = 8.0 / 3.0) -> np.ndarray:
    """The Lorenz right-hand side :func:`_lorenz_rhs`, with its arguments checked.

    :func:`integrate` and :func:`lyapunov_exponent` check the arguments once and then call
    the unchecked core in their loop.
    """
    check_scalar(t, "t")
    y = _check_state(y, 3)
    for value, name in ((sigma, "sigma"), (rho, "rho"), (beta, "beta")):
        check_scalar(value, name)
    return _lorenz_rhs(t, y, sigma, rho, beta)


def _lorenz_rhs(t, y, sigma: float = 10.0, rho: float = 28.0, beta: float = 8.0 / 3.0) -> np.ndarray:
    r"""The Lorenz system, vectorised over leading axes of ``y`` (last axis :math:`(x, y, z)`).

    .. math:: \dot x = \sigma(y - x),\quad \dot y = x(\rho - z) - y,\quad \dot z = xy - \beta z
    """
    x, yy, z = y[..., 0], y[..., 1], y[..., 2]
    return np.stack([sigma * (yy - x), x * (rho - z) - yy, x * yy - beta * z], axis=-1)


def damped_driven_oscillator_rhs(
    t, y, omega0: float = 1.0, gamma: float = 0.1, force: float = 1.0, omega_d: float = 0.8
) -> np.ndarray:
    """The driven-oscillator right-hand side :func:`_damped_driven_oscillator_rhs`, checked."""
    check_scalar(t, "t")
    y = _check_state(y, 2)
    for value, name in ((omega0, "omega0"), (gamma, "gamma"), (force, "force"), (omega_d, "omega_d")):
        check_scalar(value, name)
    return _damped_driven_oscillator_rhs(t, y, omega0, gamma, force, omega_d)


def _damped_driven_oscillator_rhs(
    t, y, omega0: float = 1.0, gamma: float = 0.1, force: float = 1.0, omega_d: float = 0.8
) -> np.ndarray:
    r"""A damped harmonic oscillator driven by a periodic force; last axis of ``y`` is :math:`(x, v)`.

    .. math:: \dot x = v,\qquad \dot v = -2\gamma v - \omega_0^2 x + F\cos(\omega_d t)
    """
    x, v = y[..., 0], y[..., 1]
    drive = force * np.cos(omega_d * np.asarray(t, dtype=float))
    # omega0 * (omega0 * x), not omega0**2 * x: a Python float's ** raises OverflowError beyond 1.3e154
    return np.stack([v, -2.0 * gamma * v - omega0 * (omega0 * x) + drive], axis=-1)


#: The checked right-hand sides and their unchecked cores, which the integrators' loops call.
_CORES = {lorenz_rhs: _lorenz_rhs, damped_driven_oscillator_rhs: _damped_driven_oscillator_rhs}


def _check_rhs(rhs: Callable, t: float, y: np.ndarray, name: str = "y0") -> Callable:
    """Check ``rhs`` at the first state ``y`` (named ``name``) and return the function to loop with."""
    check_callable(rhs, "rhs", "a function rhs(t, y)")
    try:
        f = rhs(t, y)
    except (ValueError, TypeError) as err:
        raise type(err)(f"{name} (shape {y.shape}) is not a valid state for rhs: {err}") from None
    f = check_finite_result(f, "rhs", f"at {name}")
    if np.shape(f) != y.shape:
        raise ValueError(f"rhs must return an array of the shape of {name} {y.shape}, got {np.shape(f)}")
    return _CORES.get(rhs, rhs)


def rk4_step(rhs: Callable, t: float, y: np.ndarray, dt: float) -> np.ndarray:
    """One RK4 step :func:`_rk4_step` with its arguments checked (the integrators call the core)."""
    t = check_scalar(t, "t")
    y = as_float_array(y, "y", nonempty=True)
    dt = check_scalar(dt, "dt", minimum=0.0, include_min=False)
    rhs = _check_rhs(rhs, t, y, "y")
    return check_finite_result(_rk4_step(rhs, t, y, dt), "rhs", "during the step (reduce dt)")


def _rk4_step(rhs: Callable, t: float, y: np.ndarray, dt: float) -> np.ndarray:
    r"""One classical Runge-Kutta step, local error :math:`O(\Delta t^5)`:

    .. math::
        k_1 = f(t, y),\ k_2 = f(t + \tfrac{\Delta t}2, y + \tfrac{\Delta t}2 k_1),\
        k_3 = f(t + \tfrac{\Delta t}2, y + \tfrac{\Delta t}2 k_2),\ k_4 = f(t + \Delta t, y + \Delta t\, k_3),

        y(t + \Delta t) \approx y + \tfrac{\Delta t}6 (k_1 + 2k_2 + 2k_3 + k_4)
    """
    k1 = rhs(t, y)
    k2 = rhs(t + dt / 2, y + dt / 2 * k1)
    k3 = rhs(t + dt / 2, y + dt / 2 * k2)
    k4 = rhs(t + dt, y + dt * k3)
    return y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


def integrate(rhs: Callable, y0, dt: float, n_steps: int, t0: float = 0.0) -> np.ndarray:
    r"""Integrate :math:`\dot{\boldsymbol y} = f(t, \boldsymbol y)` with ``n_steps`` RK4 steps of ``dt``.

    ``y0`` may hold several initial states (leading axes), which are integrated together.
    Returns the array of shape ``(n_steps + 1, *y0.shape)`` of the states at
    :math:`t_0, t_0 + \Delta t, \dots`.
    """
    check_callable(rhs, "rhs", "a function rhs(t, y)")
    y = as_float_array(y0, "y0", nonempty=True)
    dt = check_scalar(dt, "dt", minimum=0.0, include_min=False)
    n_steps = check_int(n_steps, "n_steps", minimum=1)
    t0 = check_scalar(t0, "t0")
    rhs = _check_rhs(rhs, t0, y)
    out = np.empty((n_steps + 1, *y.shape))
    out[0] = y
    for i in range(n_steps):
        y = _rk4_step(rhs, t0 + i * dt, y, dt)
        out[i + 1] = y
    if not np.all(np.isfinite(out)):
        raise FloatingPointError("the trajectory became NaN or infinite (rhs blew up): reduce dt")
    return out


# --- data ---------------------------------------------------------------------------------


def make_windows(series, window: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Cut trajectories into windows :math:`(\boldsymbol x_{t-w+1},\dots,\boldsymbol x_t)` and targets.

    The target of a window is the next state, :math:`\boldsymbol x_{t+1}`.

    ``series`` has shape ``(n_traj, T, d)`` (or ``(T, d)`` for one trajectory). Returns
    ``X`` of shape ``(N, window, d)`` and ``Y`` of shape ``(N, d)``, with
    :math:`N = n_\text{traj}(T - w)`.
    """
    s = as_float_array(series, "series", ndim=(2, 3))
    if s.ndim == 2:
        s = s[None]
    window = check_int(window, "window", minimum=1)
    if s.shape[1] == 0 or s.shape[2] == 0:
        raise ValueError(f"series must hold sequences of length at least 1, got shape {s.shape}")
    if s.shape[0] == 0:
        raise ValueError(f"series must hold at least one trajectory, got shape {s.shape}")
    if s.shape[1] <= window:
        raise ValueError(f"series must be longer than window={window}, got sequences of length {s.shape[1]}")
    n_traj, T, d = s.shape
    starts = np.arange(T - window)
    X = np.stack([s[:, i : i + window] for i in starts], axis=1).reshape(-1, window, d)
    Y = s[:, window:].reshape(-1, d)
    return X, Y


def _check_sequences(
    x, name: str = "x", features: int | None = None, param: torch.Tensor | None = None, convert: bool = False
) -> torch.Tensor:
    """Sequences (batch, time, features) for a network whose weights are like ``param``.

    A NumPy array becomes a tensor of the weights' dtype and device; a tensor must be real
    floating point and, unless ``convert``, of the weights' dtype (with ``convert`` it is
    converted to it). Type, dtype and shape only: NaN/inf values pass through (IEEE).
    """
    if not isinstance(x, torch.Tensor):
        arr = as_float_array(x, name, ndim=3)
        x = (
            torch.as_tensor(arr)
            if param is None
            else torch.as_tensor(arr, dtype=param.dtype, device=param.device)
        )
    dtype = param.dtype if param is not None and not convert else "float"
    check_tensor(x, name, features=features, dtype=dtype)
    if convert and param is not None:
        x = x.to(param.dtype)
    if x.ndim != 3:
        raise ValueError(f"{name} must have shape (batch, time, features), got {tuple(x.shape)}")
    if x.shape[1] == 0:
        raise ValueError(f"{name} must hold sequences of length at least 1, got length 0")
    if x.shape[0] == 0 or x.shape[2] == 0:
        raise ValueError(f"{name} must not be empty, got shape {tuple(x.shape)}")
    return x


# --- a recurrent cell written out ---------------------------------------------------------


class VanillaRNN(nn.Module):
    r"""The simplest recurrent layer, the same weights at every time step:

    .. math:: \boldsymbol h_t = \phi(\boldsymbol W \boldsymbol h_{t-1}
        + \boldsymbol U \boldsymbol x_t + \boldsymbol b), \qquad \boldsymbol h_0 = 0,

    with :math:`\phi = \tanh` (or the identity, ``activation="identity"``). ``scale``
    sets the recurrent weights to :math:`W_{jk} \sim \mathcal N(0, \text{scale}^2/M)`, so that
    the spectral radius of :math:`\boldsymbol W` is about ``scale``.
    """

    def __init__(self, n_in: int, n_hidden: int, scale: float = 1.0, activation: str = "tanh", seed: int = 0):
        super().__init__()
        n_in = check_int(n_in, "n_in", minimum=1)
        n_hidden = check_int(n_hidden, "n_hidden", minimum=1)
        scale = check_scalar(scale, "scale", minimum=0.0)
        self.activation = check_choice(activation, "activation", ("tanh", "identity"))
        g = torchtools.make_generator(seed)
        self.W = nn.Parameter(
            torch.randn(n_hidden, n_hidden, generator=g, dtype=torch.float64) * scale / n_hidden**0.5
        )
        self.U = nn.Parameter(torch.randn(n_hidden, n_in, generator=g, dtype=torch.float64) / n_in**0.5)
        self.b = nn.Parameter(torch.zeros(n_hidden, dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        """All hidden states :math:`h_1, \\dots, h_T` for input ``x`` of shape ``(batch, T, n_in)``.

        ``x`` (a real tensor or array) is converted to the float64 weights; NaN/inf values
        pass through (IEEE).
        """
        x = _check_sequences(x, features=self.U.shape[1], param=self.W, convert=True)
        h = torch.zeros(x.shape[0], self.W.shape[0], dtype=self.W.dtype, device=x.device)
        states = []
        for t in range(x.shape[1]):
            pre = h @ self.W.T + x[:, t] @ self.U.T + self.b
            h = torch.tanh(pre) if self.activation == "tanh" else pre
            states.append(h)
        return states


def hidden_jacobians(rnn: VanillaRNN, x) -> np.ndarray:
    r"""Spectral norms :math:`\lVert\partial\boldsymbol h_T/\partial\boldsymbol h_t\rVert_2` by BPTT.

    For one input sequence ``x`` of shape ``(T, n_in)``: the forward pass keeps every hidden
    state, then one backward pass per unit :math:`i` of :math:`\boldsymbol h_T` gives row
    :math:`i` of every Jacobian :math:`\partial\boldsymbol h_T/\partial\boldsymbol h_t =
    \prod_{s=t+1}^{T}\operatorname{diag}(\phi'_s)\,\boldsymbol W`. Entry ``k`` of the result
    is the norm for :math:`T - t = k`.
    """
    if not isinstance(rnn, VanillaRNN):
        raise TypeError(f"rnn must be a physml.rnn.VanillaRNN, got {type(rnn).__name__}")
    x = as_float_array(x, "x", ndim=2)
    if x.shape[0] == 0:
        raise ValueError("x must hold a sequence of length at least 1, got length 0")
    if x.shape[1] != rnn.U.shape[1]:
        raise ValueError(f"x must have {rnn.U.shape[1]} features (the rnn's n_in), got {x.shape[1]}")
    states = rnn(torch.from_numpy(x)[None])
    for h in states:
        h.retain_grad()
    T, M = len(states), states[-1].shape[1]
    jac = np.zeros((T, M, M))
    for i in range(M):
        for h in states:
            h.grad = None
        states[-1][0, i].backward(retain_graph=True)
        for t, h in enumerate(states):
            jac[t, i] = h.grad[0].numpy() if h.grad is not None else 0.0
    norms = np.linalg.norm(jac, ord=2, axis=(1, 2))
    return norms[::-1].copy()


# --- forecasting models -------------------------------------------------------------------


class SequenceForecaster(nn.Module):
    r"""A recurrent network that reads a window of states and predicts the next one.

    .. math:: \hat{\boldsymbol x}_{t+1} = \boldsymbol x_t + \boldsymbol V \boldsymbol h_t + \boldsymbol c,

    where :math:`\boldsymbol h_t` is the last hidden state of ``torch.nn.LSTM``, ``GRU`` or
    ``RNN`` (``cell``) run over the window. Inputs have ``n_in`` features, of which the first
    ``n_out`` are the state that is predicted (the rest, e.g. a known drive, are inputs only).
    """

    def __init__(
        self, n_in: int, n_hidden: int, n_out: int | None = None, cell: str = "lstm", n_layers: int = 1
    ):
        super().__init__()
        n_in = check_int(n_in, "n_in", minimum=1)
        n_hidden = check_int(n_hidden, "n_hidden", minimum=1)
        self.n_out = n_in if n_out is None else check_int(n_out, "n_out", minimum=1, maximum=n_in)
        kind = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[
            check_choice(cell, "cell", ("lstm", "gru", "rnn"))
        ]
        self.rnn = kind(
            n_in, n_hidden, num_layers=check_int(n_layers, "n_layers", minimum=1), batch_first=True
        )
        self.head = nn.Linear(n_hidden, self.n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The next state after each window ``x`` (batch, w, n_in): a tensor of the weights' dtype
        or a NumPy array (converted to it); NaN/inf values pass through (IEEE)."""
        x = _check_sequences(x, features=self.rnn.input_size, param=self.head.weight)
        out, _ = self.rnn(x)
        return x[:, -1, : self.n_out] + self.head(out[:, -1])


class WindowMLP(nn.Module):
    r"""The feed-forward baseline: the flattened window through a fully connected network,

    .. math:: \hat{\boldsymbol x}_{t+1} = \boldsymbol x_t
        + \mathrm{MLP}(\boldsymbol x_{t-w+1}, \dots, \boldsymbol x_t).
    """

    def __init__(self, n_in: int, window: int, n_hidden: int, n_out: int | None = None):
        super().__init__()
        self.n_in = check_int(n_in, "n_in", minimum=1)
        self.window = check_int(window, "window", minimum=1)
        n_hidden = check_int(n_hidden, "n_hidden", minimum=1)
        self.n_out = n_in if n_out is None else check_int(n_out, "n_out", minimum=1, maximum=n_in)
        self.net = torchtools.mlp(
            [self.n_in * self.window, n_hidden, n_hidden, self.n_out], activation="tanh"
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The next state after each window ``x`` (batch, window, n_in): a tensor of the weights'
        dtype or a NumPy array (converted to it); NaN/inf values pass through (IEEE)."""
        x = _check_sequences(x, features=self.n_in, param=next(self.net.parameters()))
        if x.shape[1] != self.window:
            raise ValueError(f"x must hold windows of length {self.window}, got length {x.shape[1]}")
        return x[:, -1, : self.n_out] + self.net(x.flatten(1))


def _check_windows(model: nn.Module, X: np.ndarray, name: str) -> None:
    """Check windows ``X`` (N, w, n_in) against what ``model`` reads, when the model says so."""
    n_in = model.rnn.input_size if isinstance(model, SequenceForecaster) else getattr(model, "n_in", None)
    if n_in is not None and X.shape[2] != n_in:
        raise ValueError(f"{name} must have {n_in} features (the model's n_in), got shape {X.shape}")
    window = getattr(model, "window", None)
    if isinstance(model, WindowMLP) and X.shape[1] != window:
        raise ValueError(
            f"{name} must hold windows of length {window} (the model's window), got {X.shape[1]}"
        )


def _n_out(model: nn.Module) -> int:
    n_out = getattr(model, "n_out", None)
    if isinstance(n_out, bool) or not isinstance(n_out, int):
        raise TypeError(
            "model must be a forecaster with an int n_out (SequenceForecaster, WindowMLP), "
            f"got {type(model).__name__}"
        )
    return n_out


def _probe_forecaster(model: nn.Module, X: np.ndarray, Y: np.ndarray) -> None:
    """One forward pass on one window (eval mode, no gradient) to check that model, X and Y fit."""
    param = next(model.parameters(), None)
    if param is None:
        raise ValueError("model has no parameters to train")
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model(torch.as_tensor(X[:1], dtype=param.dtype, device=param.device))
    except (RuntimeError, ValueError, TypeError) as err:
        raise ValueError(f"model cannot read windows X of shape {X.shape[1:]}: {err}") from None
    finally:
        model.train(was_training)
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (1, Y.shape[1]):
        raise ValueError(
            f"model must predict {Y.shape[1]} values per window like Y, got {getattr(out, 'shape', out)}"
        )


def train_forecaster(
    model: nn.Module,
    X,
    Y,
    epochs: int,
    lr: float = 3e-3,
    batch_size: int = 64,
    seed: int = 0,
    device="cpu",
) -> dict:
    """Train a one-step forecaster on windows ``X`` and next states ``Y`` (mean squared error, Adam).

    Plain Adam through :func:`physml.torchtools.fit`, which stops with a clear error on a NaN
    loss. ``seed`` seeds torch's global generator (dropout, if any) and the loader's own
    generator, which shuffles the windows; it does not switch torch to deterministic
    algorithms for the rest of the process. Returns the history of ``fit``.
    """
    torchtools._check_model(model)
    X = as_float_array(X, "X", ndim=3)
    Y = as_float_array(Y, "Y", ndim=2)
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X must hold at least one window of length at least 1, got shape {X.shape}")
    if Y.shape[0] != X.shape[0]:
        raise ValueError(f"X and Y must have the same number of samples, got {X.shape[0]} and {Y.shape[0]}")
    _check_windows(model, X, "X")
    n_out = getattr(model, "n_out", None)
    if isinstance(n_out, int) and Y.shape[1] != n_out:
        raise ValueError(f"Y must have {n_out} columns (the model's n_out), got {Y.shape[1]}")
    _probe_forecaster(model, X, Y)
    check_learning_rate(lr)
    seed = torchtools._check_seed(seed)
    torch.manual_seed(seed)
    loader = torchtools.make_loader(X, Y, batch_size, seed=seed)
    return torchtools.fit(
        model,
        loader,
        None,
        torch.optim.Adam(model.parameters(), lr=lr),
        nn.functional.mse_loss,
        epochs=epochs,
        device=device,
        seed=seed,
    )


def forecast(model: nn.Module, history, n_steps: int, inputs=None, device="cpu") -> np.ndarray:
    r"""Autoregressive multi-step forecast: feed each prediction back in as the newest input.

    ``history`` has shape ``(N, w, n_in)``; ``inputs`` (``(N, n_steps, n_in - n_out)``) are the
    known external inputs (a drive) at the predicted times, appended to each prediction.
    Returns the predicted states, shape ``(N, n_steps, n_out)``.
    """
    torchtools._check_model(model)
    n_out = _n_out(model)
    hist = as_float_array(history, "history", ndim=3)
    if hist.shape[1] == 0:
        raise ValueError("history must hold sequences of length at least 1, got length 0")
    if hist.size == 0:
        raise ValueError(f"history must not be empty, got shape {hist.shape}")
    _check_windows(model, hist, "history")
    n_steps = check_int(n_steps, "n_steps", minimum=1)
    n_extra = hist.shape[2] - n_out
    if not n_extra and inputs is not None:
        raise ValueError(
            "inputs must be None: the model predicts all its input features (no external inputs)"
        )
    if n_extra:
        if inputs is None:
            raise ValueError(f"inputs must give the {n_extra} external input(s) at the predicted times")
        inputs = as_float_array(inputs, "inputs", ndim=3)
        if inputs.shape != (hist.shape[0], n_steps, n_extra):
            raise ValueError(
                f"inputs must have shape {(hist.shape[0], n_steps, n_extra)}, got {inputs.shape}"
            )
    device = torchtools.as_device(device)
    model.to(device).eval()
    dtype = next(model.parameters()).dtype
    window = torch.as_tensor(hist, dtype=dtype, device=device)
    preds = []
    with torch.no_grad():
        for k in range(n_steps):
            nxt = model(window)
            preds.append(nxt)
            if n_extra:
                nxt = torch.cat([nxt, torch.as_tensor(inputs[:, k], dtype=dtype, device=device)], dim=1)
            window = torch.cat([window[:, 1:], nxt[:, None]], dim=1)
    return torch.stack(preds, dim=1).cpu().double().numpy()


def persistence_forecast(history, n_steps: int, n_out: int | None = None) -> np.ndarray:
    r"""The persistence baseline, :math:`\hat{\boldsymbol x}_{t+k} = \boldsymbol x_t`."""
    hist = as_float_array(history, "history", ndim=3)
    if hist.shape[1] == 0:
        raise ValueError("history must hold sequences of length at least 1, got length 0")
    if hist.size == 0:
        raise ValueError(f"history must not be empty, got shape {hist.shape}")
    n_steps = check_int(n_steps, "n_steps", minimum=1)
    n_out = hist.shape[2] if n_out is None else check_int(n_out, "n_out", minimum=1, maximum=hist.shape[2])
    return np.repeat(hist[:, -1:, :n_out], n_steps, axis=1)


def horizon_error(predicted, true) -> np.ndarray:
    r"""Root-mean-square error at each horizon :math:`k`, over starts and components:

    .. math:: E(k) = \Big(\frac{1}{Nd}\sum_{i,j} (\hat x_{i,k,j} - x_{i,k,j})^2\Big)^{1/2}
    """
    p = as_float_array(predicted, "predicted", ndim=3)
    y = as_float_array(true, "true", ndim=3)
    if p.shape != y.shape:
        raise ValueError(f"predicted and true must have the same shape, got {p.shape} and {y.shape}")
    if p.shape[1] == 0:
        raise ValueError("predicted must hold sequences of length at least 1, got length 0")
    return np.sqrt(np.mean((p - y) ** 2, axis=(0, 2)))


# --- Lyapunov exponent --------------------------------------------------------------------


def lyapunov_exponent(
    rhs: Callable, y0, dt: float, n_steps: int, renorm_every: int = 10, d0: float = 1e-8, seed: int = 0
) -> np.ndarray:
    r"""Largest Lyapunov exponent from two nearby trajectories (Benettin's method), one per row of ``y0``.

    A partner starts at distance :math:`d_0` in a random direction. Every ``renorm_every``
    steps (time :math:`\tau`) the separation :math:`d` is measured and rescaled back to
    :math:`d_0`; the exponent is the mean growth rate

    .. math:: \lambda = \frac{1}{K\tau}\sum_{k=1}^{K} \ln\frac{d_k}{d_0} .

    ``y0`` has shape ``(n, d)``: ``n`` independent estimates (start ``y0`` on the attractor).
    """
    check_callable(rhs, "rhs", "a function rhs(t, y)")
    y = as_float_array(y0, "y0", ndim=2, nonempty=True)
    dt = check_scalar(dt, "dt", minimum=0.0, include_min=False)
    n_steps = check_int(n_steps, "n_steps", minimum=1)
    renorm_every = check_int(renorm_every, "renorm_every", minimum=1, maximum=n_steps)
    d0 = check_scalar(d0, "d0", minimum=0.0, include_min=False)
    rng = np.random.default_rng(check_int(seed, "seed", minimum=0))
    rhs = _check_rhs(rhs, 0.0, y)
    direction = rng.normal(size=y.shape)
    partner = y + d0 * direction / np.linalg.norm(direction, axis=1, keepdims=True)
    log_growth, t = np.zeros(len(y)), 0.0
    n_renorm = n_steps // renorm_every
    for _ in range(n_renorm):
        for _ in range(renorm_every):
            y, partner = _rk4_step(rhs, t, y, dt), _rk4_step(rhs, t, partner, dt)
            t += dt
        d = np.linalg.norm(partner - y, axis=1)
        if not np.all(np.isfinite(d) & (d > 0)):
            raise FloatingPointError(
                "the separation became zero or non-finite (rhs blew up, or d0 is out of range)"
            )
        log_growth += np.log(d / d0)
        partner = y + (partner - y) * (d0 / d)[:, None]
    return log_growth / (n_renorm * renorm_every * dt)


# --- forecast horizons, linear maps and reservoirs -------------------------------------------


def valid_time(predicted, true, threshold: float) -> np.ndarray:
    r"""Steps of a forecast before its error first exceeds ``threshold``, one per trajectory:

    .. math:: k_i = \min\{k : e_i(k) > \Delta\},\qquad
        e_i(k) = \Big(\frac1d\sum_j (\hat x_{i,k,j} - x_{i,k,j})^2\Big)^{1/2},

    counted from 0 (an error above :math:`\Delta` at the first predicted step gives 0). A
    trajectory that stays below :math:`\Delta` for the whole forecast gets its length (the
    value is censored there). Used in the chapter for the distribution of forecast horizons.
    """
    p = as_float_array(predicted, "predicted", ndim=3)
    y = as_float_array(true, "true", ndim=3)
    if p.shape != y.shape:
        raise ValueError(f"predicted and true must have the same shape, got {p.shape} and {y.shape}")
    if p.shape[0] == 0 or p.shape[1] == 0 or p.shape[2] == 0:
        raise ValueError(f"predicted must not be empty, got shape {p.shape}")
    threshold = check_scalar(threshold, "threshold", minimum=0.0, include_min=False)
    above = np.sqrt(np.mean((p - y) ** 2, axis=2)) > threshold
    return np.where(above.any(axis=1), np.argmax(above, axis=1), p.shape[1])


def dmd_eigenvalues(series) -> np.ndarray:
    r"""Eigenvalues of the dynamic-mode-decomposition operator of snapshot pairs (chapter "Recurrent
    neural networks"):

    .. math:: \boldsymbol A = \arg\min_{\boldsymbol A}\sum_{i,t}
        \lVert\boldsymbol z_{i,t+1} - \boldsymbol A\boldsymbol z_{i,t}\rVert^2
        = \boldsymbol Z_1\boldsymbol Z_0^{+},

    for trajectories ``series`` of shape ``(n, T, d)`` (or ``(T, d)``), sorted by modulus.
    For a linear flow :math:`\dot{\boldsymbol z} = \boldsymbol L\boldsymbol z` sampled every
    :math:`\Delta t` they are :math:`e^{\mu\Delta t}` for the eigenvalues :math:`\mu` of
    :math:`\boldsymbol L`.
    """
    s = as_float_array(series, "series", ndim=(2, 3))
    if s.ndim == 2:
        s = s[None]
    if s.shape[0] == 0 or s.shape[1] < 2 or s.shape[2] == 0:
        raise ValueError(f"series must hold trajectories of at least 2 states, got shape {s.shape}")
    Z0, Z1 = s[:, :-1].reshape(-1, s.shape[2]), s[:, 1:].reshape(-1, s.shape[2])
    A = np.linalg.lstsq(Z0, Z1, rcond=None)[0].T
    mu = np.linalg.eigvals(A)
    return mu[np.lexsort((mu.imag, np.abs(mu)))]


class LinearForecaster:
    r"""The linear baseline: dynamic mode decomposition on delay coordinates (with control).

    The window :math:`(\boldsymbol x_{t-w+1},\dots,\boldsymbol x_t)`, flattened into the delay
    vector :math:`\boldsymbol z_t` and extended by a constant 1, is mapped linearly to the next
    state,

    .. math:: \hat{\boldsymbol x}_{t+1} = \boldsymbol\Theta^T \begin{pmatrix}\boldsymbol z_t\\ 1\end{pmatrix},
        \qquad \boldsymbol\Theta = \arg\min \lVert \boldsymbol Y - \boldsymbol Z\boldsymbol\Theta\rVert^2,

    solved with the pseudo-inverse of :math:`\boldsymbol Z` truncated to ``rank`` singular values
    (all of them above ``rcond`` times the largest when ``rank`` is None). Known inputs (a drive)
    in the window enter linearly: this is DMD with control on delay coordinates, the honest
    linear baseline of the chapter "Recurrent neural networks".
    """

    def __init__(self, rank: int | None = None, rcond: float = 1e-10):
        self.rank = None if rank is None else check_int(rank, "rank", minimum=1)
        self.rcond = check_scalar(
            rcond, "rcond", minimum=0.0, maximum=1.0, include_min=False, include_max=False
        )

    def _features(self, X: np.ndarray) -> np.ndarray:
        return np.concatenate([X.reshape(len(X), -1), np.ones((len(X), 1))], axis=1)

    def _check_fitted(self):
        if not hasattr(self, "coef_"):
            from ._validate import NotFittedError

            raise NotFittedError("this LinearForecaster is not fitted yet: call fit(X, Y) first")

    def _check_X(self, X, name: str) -> np.ndarray:
        X = as_float_array(X, name, ndim=3)
        if X.shape[0] == 0:
            raise ValueError(f"{name} must hold at least one window, got shape {X.shape}")
        if X.shape[1:] != (self.window_, self.n_in_):
            raise ValueError(
                f"{name} must hold windows of shape {(self.window_, self.n_in_)} like the fit, "
                f"got {X.shape[1:]}"
            )
        return X

    def fit(self, X, Y) -> LinearForecaster:
        """Fit on windows ``X`` (N, w, n_in) and next states ``Y`` (N, n_out), n_out <= n_in."""
        X = as_float_array(X, "X", ndim=3)
        Y = as_float_array(Y, "Y", ndim=2)
        if X.shape[0] == 0 or X.shape[1] == 0 or X.shape[2] == 0:
            raise ValueError(f"X must hold at least one non-empty window, got shape {X.shape}")
        if Y.shape[0] != X.shape[0]:
            raise ValueError(
                f"X and Y must have the same number of samples, got {X.shape[0]} and {Y.shape[0]}"
            )
        if not 1 <= Y.shape[1] <= X.shape[2]:
            raise ValueError(
                f"Y must have between 1 and {X.shape[2]} columns (X's features), got {Y.shape[1]}"
            )
        Z = self._features(X)
        U, S, Vt = np.linalg.svd(Z, full_matrices=False)
        keep = S > self.rcond * S[0] if S[0] > 0 else np.zeros_like(S, dtype=bool)
        if self.rank is not None:
            keep[self.rank :] = False
        self.coef_ = Vt[keep].T @ ((U[:, keep].T @ Y) / S[keep, None])
        self.window_, self.n_in_, self.n_out = X.shape[1], X.shape[2], Y.shape[1]
        self.rank_ = int(keep.sum())
        return self

    def predict(self, X) -> np.ndarray:
        """The next state after each window ``X`` (N, w, n_in)."""
        self._check_fitted()
        return self._features(self._check_X(X, "X")) @ self.coef_

    def forecast(self, history, n_steps: int, inputs=None) -> np.ndarray:
        """Roll the map out autoregressively like :func:`forecast`: shape (N, n_steps, n_out)."""
        self._check_fitted()
        hist = self._check_X(history, "history")
        n_steps = check_int(n_steps, "n_steps", minimum=1)
        inputs = _check_inputs(inputs, hist.shape[0], n_steps, self.n_in_ - self.n_out)
        window, preds = hist.copy(), []
        for k in range(n_steps):
            nxt = self._features(window) @ self.coef_
            preds.append(nxt)
            if inputs is not None:
                nxt = np.concatenate([nxt, inputs[:, k]], axis=1)
            window = np.concatenate([window[:, 1:], nxt[:, None]], axis=1)
        return np.stack(preds, axis=1)


def _check_inputs(inputs, n: int, n_steps: int, n_extra: int):
    """The known external inputs of a forecast, shape (n, n_steps, n_extra), or None when there are none."""
    if not n_extra:
        if inputs is not None:
            raise ValueError("inputs must be None: the model predicts all its input features")
        return None
    if inputs is None:
        raise ValueError(f"inputs must give the {n_extra} external input(s) at the predicted times")
    inputs = as_float_array(inputs, "inputs", ndim=3)
    if inputs.shape != (n, n_steps, n_extra):
        raise ValueError(f"inputs must have shape {(n, n_steps, n_extra)}, got {inputs.shape}")
    return inputs


class EchoStateNetwork:
    r"""An echo-state network (reservoir computing) for autonomous dynamics, numpy only.

    A fixed random reservoir of ``n_reservoir`` tanh units is driven by the input
    :math:`\boldsymbol u_t` (the standardised state),

    .. math:: \boldsymbol r_t = \tanh(\boldsymbol A\boldsymbol r_{t-1}
        + \boldsymbol W_\mathrm{in}\boldsymbol u_t), \qquad
        \hat{\boldsymbol u}_{t+1} = \boldsymbol W_\mathrm{out}\,\tilde{\boldsymbol r}_t,

    with :math:`\boldsymbol A` Gaussian, scaled to spectral radius ``spectral_radius``,
    :math:`\boldsymbol W_\mathrm{in}` uniform in :math:`[-s, s]` (``input_scale``), and the
    features :math:`\tilde{\boldsymbol r}_t` the reservoir state with every second unit squared
    (to break the symmetry :math:`\boldsymbol r\to-\boldsymbol r`), the input and a constant.
    Only the read-out is trained, by ridge regression on the teacher-forced states:

    .. math:: \boldsymbol W_\mathrm{out}^T = (\tilde{\boldsymbol R}^T\tilde{\boldsymbol R}
        + \beta n\boldsymbol 1)^{-1}\tilde{\boldsymbol R}^T\boldsymbol U_{+1} .

    The first ``washout`` states of each trajectory (the reservoir forgetting its zero start)
    are left out. To forecast, the reservoir is driven by the history and then fed its own
    predictions (Pathak et al. 2018). Chapter "Recurrent neural networks".
    """

    def __init__(
        self,
        n_reservoir: int = 200,
        spectral_radius: float = 0.4,
        input_scale: float = 0.5,
        ridge: float = 1e-9,
        washout: int = 50,
        seed=0,
    ):
        self.n_reservoir = check_int(n_reservoir, "n_reservoir", minimum=1)
        self.spectral_radius = check_scalar(spectral_radius, "spectral_radius", minimum=0.0, maximum=1e3)
        self.input_scale = check_scalar(input_scale, "input_scale", minimum=0.0, maximum=1e3)
        self.ridge = check_scalar(ridge, "ridge", minimum=0.0, maximum=1e6)
        self.washout = check_int(washout, "washout", minimum=0)
        from ._validate import as_rng

        as_rng(seed)  # checked here, used by fit
        self.seed = seed

    def _build(self, d: int) -> None:
        from ._validate import as_rng

        rng, N = as_rng(self.seed), self.n_reservoir
        A = rng.normal(size=(N, N))
        radius = np.max(np.abs(np.linalg.eigvals(A)))
        self.A_ = (A * (self.spectral_radius / radius if radius > 0 else 0.0)).astype(np.float32)
        self.W_in_ = rng.uniform(-self.input_scale, self.input_scale, size=(N, d)).astype(np.float32)

    def _drive(self, u: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Reservoir states for inputs u (n, T, d) from state r (n, N): all states and the last."""
        out = np.empty((*u.shape[:2], self.n_reservoir), dtype=np.float32)
        u32 = u.astype(np.float32)
        for t in range(u.shape[1]):
            r = np.tanh(r @ self.A_.T + u32[:, t] @ self.W_in_.T)
            out[:, t] = r
        return out, r

    @staticmethod
    def _features(r: np.ndarray, u: np.ndarray) -> np.ndarray:
        rr = r.astype(np.float64)
        rr[..., 1::2] **= 2
        return np.concatenate([rr, u, np.ones((*u.shape[:-1], 1))], axis=-1)

    def _check_fitted(self):
        if not hasattr(self, "W_out_"):
            from ._validate import NotFittedError

            raise NotFittedError("this EchoStateNetwork is not fitted yet: call fit(series) first")

    def _check_series(self, series, name: str, min_length: int = 1) -> np.ndarray:
        s = as_float_array(series, name, ndim=3)
        if s.shape[0] == 0 or s.shape[2] == 0 or s.shape[1] < min_length:
            raise ValueError(
                f"{name} must hold trajectories of at least {min_length} states, got shape {s.shape}"
            )
        if hasattr(self, "W_out_") and s.shape[2] != self.n_features_:
            raise ValueError(f"{name} must have {self.n_features_} features like the fit, got {s.shape[2]}")
        return s

    def fit(self, series) -> EchoStateNetwork:
        """Train the read-out on trajectories ``series`` (n, T, d) by ridge regression."""
        s = self._check_series(series, "series", self.washout + 2)
        if hasattr(self, "W_out_") and s.shape[2] != self.n_features_:
            del self.W_out_
        self._build(s.shape[2])
        R, _ = self._drive(s[:, :-1], np.zeros((len(s), self.n_reservoir), dtype=np.float32))
        F = self._features(R, s[:, :-1])[:, self.washout :].reshape(-1, self.n_reservoir + s.shape[2] + 1)
        Y = s[:, self.washout + 1 :].reshape(-1, s.shape[2])
        G = F.T @ F + self.ridge * len(F) * np.eye(F.shape[1])
        self.W_out_ = np.linalg.lstsq(G, F.T @ Y, rcond=None)[0]
        self.n_features_ = s.shape[2]
        return self

    def predict(self, series) -> np.ndarray:
        """Teacher-forced one-step predictions: entry t is the prediction of state t + 1 from the
        states 0..t of ``series`` (n, T, d) (the first ``washout`` are the reservoir's spin-up)."""
        self._check_fitted()
        s = self._check_series(series, "series")
        R, _ = self._drive(s, np.zeros((len(s), self.n_reservoir), dtype=np.float32))
        return self._features(R, s) @ self.W_out_

    def forecast(self, history, n_steps: int) -> np.ndarray:
        """Drive the reservoir with ``history`` (n, T, d), then run it on its own predictions for
        ``n_steps`` steps: shape (n, n_steps, d)."""
        self._check_fitted()
        s = self._check_series(history, "history")
        n_steps = check_int(n_steps, "n_steps", minimum=1)
        _, r = self._drive(s, np.zeros((len(s), self.n_reservoir), dtype=np.float32))
        u = self._features(r, s[:, -1]) @ self.W_out_
        preds = [u]
        for _ in range(n_steps - 1):
            r = np.tanh(r @ self.A_.T + u.astype(np.float32) @ self.W_in_.T)
            u = self._features(r, u) @ self.W_out_
            preds.append(u)
        out = np.stack(preds, axis=1)
        if not np.all(np.isfinite(out)):
            raise FloatingPointError(
                "the forecast became NaN or infinite (reduce spectral_radius or input_scale)"
            )
        return out


def train_rollout(
    model: nn.Module,
    series,
    window: int,
    n_rollout: int,
    steps: int,
    lr: float = 1e-3,
    batch_size: int = 64,
    seed: int = 0,
    device="cpu",
    clip: float = 1.0,
) -> list[float]:
    r"""Train a forecaster on the error of its own ``n_rollout``-step roll-outs (free running).

    Each sample is a stretch of ``window + n_rollout`` states of ``series`` (n, T, n_in); the
    model reads the first ``window`` true states and then, for ``n_rollout`` steps, its own
    predictions (with the known inputs, columns ``n_out:`` of the series, appended):

    .. math:: C = \frac{1}{K}\sum_{k=1}^{K}\lVert\hat{\boldsymbol x}_{t+k} - \boldsymbol x_{t+k}\rVert^2 ,

    back-propagated through the whole roll-out. ``n_rollout = 1`` is teacher forcing (one-step
    training on true windows). Adam for ``steps`` updates on random stretches, the gradient
    norm clipped at ``clip``. Returns the loss of each update. Chapter "Recurrent neural networks".
    """
    torchtools._check_model(model)
    n_out = _n_out(model)
    s = as_float_array(series, "series", ndim=3)
    window = check_int(window, "window", minimum=1)
    n_rollout = check_int(n_rollout, "n_rollout", minimum=1)
    steps = check_int(steps, "steps", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    clip = check_scalar(clip, "clip", minimum=0.0, include_min=False)
    if s.shape[0] == 0 or s.shape[1] < window + n_rollout:
        raise ValueError(
            f"series must hold trajectories of at least window + n_rollout = {window + n_rollout} states, "
            f"got shape {s.shape}"
        )
    X, Y = make_windows(s, window + n_rollout - 1)
    X = np.concatenate([X, Y[:, None]], axis=1)
    _check_windows(model, X[:, :window], "series")
    _probe_forecaster(model, X[:, :window], X[:, 0, :n_out])
    check_learning_rate(lr)
    seed = torchtools._check_seed(seed)
    device = torchtools.as_device(device)
    model.to(device).train()
    param = next(model.parameters())
    data = torch.as_tensor(X, dtype=param.dtype, device=device)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for step in range(steps):
        idx = torch.randint(len(data), (min(batch_size, len(data)),), generator=gen).to(device)
        batch = data[idx]
        win, loss = batch[:, :window], 0.0
        for k in range(n_rollout):
            pred = model(win)
            target = batch[:, window + k]
            loss = loss + nn.functional.mse_loss(pred, target[:, :n_out])
            nxt = torch.cat([pred, target[:, n_out:]], dim=1)
            win = torch.cat([win[:, 1:], nxt[:, None]], dim=1)
        loss = loss / n_rollout
        from ._validate import check_finite_loss

        check_finite_loss(float(loss.detach()), step)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        losses.append(float(loss.detach()))
    model.eval()
    return losses
