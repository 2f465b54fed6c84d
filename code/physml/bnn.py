r"""Bayesian neural networks, used by the chapter "Bayesian neural networks and variational
inference" (``chapters/bnn.md``).

Every network of the chapter is the same one-hidden-layer tanh network
:math:`f(\boldsymbol x; \boldsymbol\theta) = \boldsymbol w_2^T\tanh(\boldsymbol W_1^T\boldsymbol x
+ \boldsymbol b_1) + b_2`, its weights kept in one flat vector :math:`\boldsymbol\theta` of
:func:`n_weights` entries (``W1`` row by row, ``b1``, ``w2``, ``b2``), with a Gaussian
likelihood of noise :math:`\sigma` and a Gaussian prior :math:`\mathcal N(0, \tau^2)` on
every weight. The approximations of its posterior:

* :func:`hmc`, Hamiltonian Monte Carlo from scratch (leapfrog, Metropolis test, a step size
  tuned by dual averaging and a diagonal mass matrix from the warm-up, several chains), on
  the log posterior :func:`log_posterior` with its gradient in closed form: the reference;
* :func:`laplace`, the Laplace approximation with the generalised Gauss–Newton matrix at the
  MAP (:class:`LaplacePosterior`, linearised predictive and evidence);
* :class:`EnsembleMLP` and :func:`train_map`: many networks trained at once (MAP estimates;
  a deep ensemble; with ``dropout`` the Monte-Carlo-dropout network);
* :class:`MeanFieldMLP` and :func:`train_bbb`: variational inference with a mean-field
  Gaussian (Bayes by backprop, the reparametrisation trick, the KL term
  :func:`mean_field_kl` in closed form);
* :func:`predictive_samples`, :func:`mixture`, :func:`gaussian_nll` and :func:`coverage`:
  predictive distributions and how they are judged on held-out data.

Torch code takes a ``device`` argument (CPU by default) and runs unchanged on CUDA.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.special
import torch
from torch import nn

from ._validate import (
    as_float_array,
    as_rng,
    check_callable,
    check_finite_loss,
    check_int,
    check_learning_rate,
    check_scalar,
    check_tensor,
    check_type,
)
from .progress import progress
from .torchtools import as_device

LOG_2PI = math.log(2 * math.pi)


# --------------------------------------------------------------------------- the network


def n_weights(n_in: int, n_hidden: int) -> int:
    r"""Number of weights of the one-hidden-layer network, :math:`P = (d + 2)H + 1` for
    :math:`d` inputs and :math:`H` hidden units (chapter *Bayesian neural networks*)."""
    n_in = check_int(n_in, "n_in", minimum=1)
    n_hidden = check_int(n_hidden, "n_hidden", minimum=1)
    return (n_in + 2) * n_hidden + 1


def _unpack(w: np.ndarray, n_in: int, n_hidden: int):
    """The flat weights ``w`` (..., P) as ``W1`` (..., d, H), ``b1`` (..., H), ``w2`` (..., H),
    ``b2`` (...)."""
    d, H = n_in, n_hidden
    W1 = w[..., : d * H].reshape(*w.shape[:-1], d, H)
    b1 = w[..., d * H : (d + 1) * H]
    w2 = w[..., (d + 1) * H : (d + 2) * H]
    return W1, b1, w2, w[..., -1]


def _hidden(w, X, n_hidden: int):
    """Hidden activations ``h`` (..., n, H) and the second-layer weights of ``w`` (numpy or torch)."""
    W1, b1, w2, b2 = _unpack(w, X.shape[1], n_hidden)
    tanh = torch.tanh if isinstance(w, torch.Tensor) else np.tanh
    return tanh(X @ W1 + b1[..., None, :]), w2, b2


def _forward(w, X, n_hidden: int):
    r""":math:`f(\boldsymbol x_i; \boldsymbol\theta)` for every row of ``X`` (n, d) and every weight
    vector in ``w`` (..., P): shape (..., n). Works on numpy arrays and torch tensors."""
    h, w2, b2 = _hidden(w, X, n_hidden)
    return (h @ w2[..., :, None])[..., 0] + b2[..., None]


def _check_net(w, X, n_hidden, names=("w", "X")) -> tuple[np.ndarray, np.ndarray, int]:
    n_hidden = check_int(n_hidden, "n_hidden", minimum=1)
    X = as_float_array(X, names[1], ndim=2, nonempty=True)
    w = as_float_array(w, names[0], ndim=(1, 2), nonempty=True)
    P = (X.shape[1] + 2) * n_hidden + 1
    if w.shape[-1] != P:
        raise ValueError(
            f"{names[0]} must hold {P} weights per network for the {X.shape[1]} features of {names[1]} and "
            f"n_hidden={n_hidden}, got shape {w.shape}"
        )
    return w, X, n_hidden


def forward(w, X, n_hidden: int) -> np.ndarray:
    r"""Outputs :math:`f(\boldsymbol x_i;\boldsymbol\theta) = \boldsymbol w_2^T\tanh(\boldsymbol W_1^T
    \boldsymbol x_i + \boldsymbol b_1) + b_2` of the network with flat weights ``w`` (P,) or of
    several networks (m, P), at the rows of ``X`` (n, d): shape (n,) or (m, n)."""
    w, X, n_hidden = _check_net(w, X, n_hidden)
    return _forward(w, X, n_hidden)


def _check_likelihood(noise, prior_std) -> tuple[float, float]:
    noise = float(check_scalar(noise, "noise", minimum=0.0, include_min=False, maximum=1e100))
    prior_std = float(check_scalar(prior_std, "prior_std", minimum=0.0, include_min=False, maximum=1e100))
    return noise, prior_std


def log_posterior(
    w, X, y, n_hidden: int, noise: float, prior_std: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    r"""Log posterior (unnormalised: log likelihood plus log prior) and its gradient.

    .. math::

        \ln p(\boldsymbol y|\boldsymbol\theta) + \ln p(\boldsymbol\theta)
        = -\sum_i \frac{(y_i - f_i)^2}{2\sigma^2} - n\ln\sigma - \frac n2\ln 2\pi
          - \frac{\lVert\boldsymbol\theta\rVert^2}{2\tau^2} - P\ln\tau - \frac P2\ln 2\pi ,

    with ``noise`` :math:`\sigma` and ``prior_std`` :math:`\tau`. The gradient is written
    out by the chain rule (backpropagation by hand), so that :func:`hmc` runs in NumPy on
    many chains at once: ``w`` (P,) or (chains, P) gives values of shape () or (chains,)
    and gradients of the shape of ``w`` (chapter *Bayesian neural networks*).
    """
    w, X, n_hidden = _check_net(w, X, n_hidden)
    y = as_float_array(y, "y", ndim=1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"X and y must have the same number of samples, got {X.shape[0]} and {y.shape[0]}")
    noise, prior_std = _check_likelihood(noise, prior_std)
    return _log_posterior(w, X, y, n_hidden, noise, prior_std)


def _log_posterior(w, X, y, n_hidden, noise, prior_std):
    """Unchecked core of :func:`log_posterior` (the HMC loop calls it)."""
    h, w2, b2 = _hidden(w, X, n_hidden)
    f = (h @ w2[..., :, None])[..., 0] + b2[..., None]
    r = (y - f) / noise**2  # d ln L / d f
    n, P = X.shape[0], w.shape[-1]
    lp = (
        -0.5 * noise**2 * np.sum(r * r, axis=-1)
        - n * math.log(noise)
        - 0.5 * n * LOG_2PI
        - 0.5 * np.sum(w * w, axis=-1) / prior_std**2
        - P * math.log(prior_std)
        - 0.5 * P * LOG_2PI
    )
    dA = r[..., :, None] * w2[..., None, :] * (1 - h * h)  # d ln L / d (pre-activation), (..., n, H)
    grad = np.concatenate(
        [
            (X.T @ dA).reshape(*w.shape[:-1], -1),  # W1
            dA.sum(axis=-2),  # b1
            (r[..., None, :] @ h)[..., 0, :],  # w2
            r.sum(axis=-1, keepdims=True),  # b2
        ],
        axis=-1,
    )
    return lp, grad - w / prior_std**2


def _jacobian(w: np.ndarray, X: np.ndarray, n_hidden: int) -> np.ndarray:
    r""":math:`J_{ip} = \partial f(\boldsymbol x_i)/\partial w_p` of one network (n, P)."""
    h, w2, _ = _hidden(w, X, n_hidden)
    dA = w2 * (1 - h * h)  # (n, H)
    dW1 = (X[:, :, None] * dA[:, None, :]).reshape(X.shape[0], -1)
    return np.concatenate([dW1, dA, h, np.ones((X.shape[0], 1))], axis=1)


# --------------------------------------------------------------------------- Hamiltonian Monte Carlo


@dataclass(frozen=True)
class HMCResult:
    """Samples of :func:`hmc`: ``samples`` (n_samples, chains, dim), their ``log_prob``
    (n_samples, chains), the mean acceptance probability after the warm-up, the tuned step
    size of each chain, the diagonal inverse mass matrix and the number of divergent
    trajectories (energy error above 1000) after the warm-up."""

    samples: np.ndarray
    log_prob: np.ndarray
    accept_rate: float
    step_size: np.ndarray
    inverse_mass: np.ndarray
    divergences: int


def _leapfrog(x, p, g, eps, inv_mass, n_leapfrog, log_prob_grad):
    r"""``n_leapfrog`` leapfrog steps of Hamilton's equations for
    :math:`H = -\ln\pi(\boldsymbol x) + \frac12\boldsymbol p^T\boldsymbol M^{-1}\boldsymbol p`:
    half a kick, (drift, kick) pairs, a final half kick. ``eps`` is one step size per chain."""
    p = p + 0.5 * eps * g
    for step in range(n_leapfrog):
        x = x + eps * inv_mass * p
        lp, g = log_prob_grad(x)
        if step < n_leapfrog - 1:
            p = p + eps * g
    return x, p + 0.5 * eps * g, lp, g


def _hmc_step(x, lp, g, eps, inv_mass, n_leapfrog, log_prob_grad, rng):
    """One HMC transition of every chain: fresh momenta, a leapfrog trajectory, the
    Metropolis test on the change of the total energy. Returns the new state and the
    acceptance probability of each chain."""
    p = rng.standard_normal(x.shape) / np.sqrt(inv_mass)
    x_new, p_new, lp_new, g_new = _leapfrog(x, p, g, eps[:, None], inv_mass, n_leapfrog, log_prob_grad)
    h_old = -lp + 0.5 * np.sum(inv_mass * p * p, axis=1)
    h_new = -lp_new + 0.5 * np.sum(inv_mass * p_new * p_new, axis=1)
    log_ratio = np.where(np.isfinite(h_new), h_old - h_new, -np.inf)
    accept = np.log(rng.uniform(size=len(x))) < log_ratio
    x = np.where(accept[:, None], x_new, x)
    lp = np.where(accept, lp_new, lp)
    g = np.where(accept[:, None], g_new, g)
    return x, lp, g, np.exp(np.minimum(log_ratio, 0.0)), log_ratio < -1000


class _DualAveraging:
    r"""Step-size adaptation of Hoffman and Gelman (2014): drive the mean acceptance
    probability to ``target`` by a stochastic approximation on :math:`\ln\epsilon`."""

    def __init__(self, eps0: np.ndarray, target: float):
        self.mu = np.log(10 * eps0)
        self.target, self.t = target, 0
        self.h_bar = np.zeros_like(eps0)
        self.log_eps_bar = np.zeros_like(eps0)

    def update(self, accept_prob: np.ndarray) -> np.ndarray:
        self.t += 1
        t, t0, gamma, kappa = self.t, 10.0, 0.05, 0.75
        self.h_bar = (1 - 1 / (t + t0)) * self.h_bar + (self.target - accept_prob) / (t + t0)
        log_eps = self.mu - math.sqrt(t) / gamma * self.h_bar
        weight = t**-kappa
        self.log_eps_bar = weight * log_eps + (1 - weight) * self.log_eps_bar
        return np.exp(log_eps)

    def final(self) -> np.ndarray:
        return np.exp(self.log_eps_bar)


def hmc(
    log_prob_grad: Callable,
    x0,
    n_samples: int,
    n_warmup: int = 500,
    n_leapfrog: int = 20,
    step_size: float = 0.05,
    target_accept: float = 0.8,
    seed=0,
) -> HMCResult:
    r"""Hamiltonian Monte Carlo on several chains at once.

    ``log_prob_grad(x)`` takes the states of all chains, ``x`` of shape (chains, dim), and
    returns :math:`\ln\pi(\boldsymbol x)` (chains,) and its gradient (chains, dim); ``x0``
    (chains, dim) are the starting points. Each transition draws momenta
    :math:`\boldsymbol p\sim\mathcal N(0, \boldsymbol M)`, follows ``n_leapfrog`` leapfrog steps of
    :math:`H(\boldsymbol x, \boldsymbol p) = -\ln\pi(\boldsymbol x) + \frac12\boldsymbol p^T
    \boldsymbol M^{-1}\boldsymbol p` and accepts the end point with probability
    :math:`\min(1, e^{H_{\mathrm{old}} - H_{\mathrm{new}}})`. During the ``n_warmup``
    transitions the step size of each chain is tuned by dual averaging towards the mean
    acceptance ``target_accept``; halfway through, the diagonal mass matrix is set to the
    inverse of the variances of the first half (pooled over chains) and the tuning starts
    again. The step size is jittered by ±10 % at each transition (chapter *Bayesian
    neural networks*).
    """
    check_callable(log_prob_grad, "log_prob_grad")
    x = as_float_array(x0, "x0", ndim=2, nonempty=True).copy()
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    n_warmup = check_int(n_warmup, "n_warmup", minimum=0)
    n_leapfrog = check_int(n_leapfrog, "n_leapfrog", minimum=1)
    step_size = float(check_scalar(step_size, "step_size", minimum=0.0, include_min=False, maximum=1e3))
    target_accept = float(
        check_scalar(
            target_accept, "target_accept", minimum=0.0, maximum=1.0, include_min=False, include_max=False
        )
    )
    rng = as_rng(seed)
    n_chains, dim = x.shape
    lp, g = log_prob_grad(x)
    lp, g = np.asarray(lp, dtype=float), np.asarray(g, dtype=float)
    if lp.shape != (n_chains,) or g.shape != x.shape:
        raise ValueError(
            f"log_prob_grad must return values of shape ({n_chains},) and gradients of shape {x.shape}, "
            f"got {lp.shape} and {g.shape}"
        )
    if not (np.all(np.isfinite(lp)) and np.all(np.isfinite(g))):
        raise ValueError("log_prob_grad is not finite at the starting points x0")
    inv_mass = np.ones(dim)
    eps = np.full(n_chains, step_size)
    tuner = _DualAveraging(eps, target_accept)
    half = n_warmup // 2
    warm = []
    samples = np.empty((n_samples, n_chains, dim))
    log_probs = np.empty((n_samples, n_chains))
    accepted, divergences = 0.0, 0
    for t in progress(range(n_warmup + n_samples), desc="HMC"):
        jitter = rng.uniform(0.9, 1.1)
        with np.errstate(over="ignore", invalid="ignore"):  # a divergent trajectory is rejected
            x, lp, g, prob, divergent = _hmc_step(
                x, lp, g, eps * jitter, inv_mass, n_leapfrog, log_prob_grad, rng
            )
        if t < n_warmup:
            eps = tuner.update(prob)
            if t >= half // 2:  # the second quarter of the warm-up estimates the variances
                warm.append(x)
            if t == half - 1 and len(warm) > 1:
                inv_mass = np.var(np.asarray(warm), axis=0).mean(axis=0) + 1e-8
                tuner = _DualAveraging(eps, target_accept)
            if t == n_warmup - 1:
                eps = tuner.final()
        else:
            samples[t - n_warmup], log_probs[t - n_warmup] = x, lp
            accepted += float(prob.mean())
            divergences += int(divergent.sum())
    return HMCResult(samples, log_probs, accepted / n_samples, eps, inv_mass, divergences)


# --------------------------------------------------------------------------- the Laplace approximation


@dataclass(frozen=True)
class LaplacePosterior:
    r"""The Laplace approximation
    :math:`q(\boldsymbol\theta) = \mathcal N(\boldsymbol\theta_*, \boldsymbol\Sigma)`
    of :func:`laplace`, with ``log_evidence`` its estimate of :math:`\ln p(\boldsymbol y)`."""

    w_map: np.ndarray
    covariance: np.ndarray
    n_hidden: int
    noise: float
    log_evidence: float

    def predict(self, X) -> tuple[np.ndarray, np.ndarray]:
        r"""Linearised predictive mean :math:`f(\boldsymbol x; \boldsymbol\theta_*)` and standard
        deviation :math:`\sqrt{\boldsymbol j^T\boldsymbol\Sigma\boldsymbol j + \sigma^2}`,
        :math:`\boldsymbol j = \partial f(\boldsymbol x)/\partial\boldsymbol\theta` at the MAP."""
        X = as_float_array(X, "X", ndim=2, nonempty=True)
        n_in = (self.w_map.size - 1) // self.n_hidden - 2
        if X.shape[1] != n_in:
            raise ValueError(f"X must have {n_in} features like the training inputs, got shape {X.shape}")
        J = _jacobian(self.w_map, X, self.n_hidden)
        var = np.einsum("ip,pq,iq->i", J, self.covariance, J)
        return _forward(self.w_map, X, self.n_hidden), np.sqrt(np.maximum(var, 0.0) + self.noise**2)


def laplace(w_map, X, y, n_hidden: int, noise: float, prior_std: float = 1.0) -> LaplacePosterior:
    r"""Laplace approximation at the MAP weights ``w_map`` with the generalised Gauss–Newton
    matrix in place of the Hessian of the negative log posterior,

    .. math::

        \boldsymbol\Sigma^{-1} = \frac{1}{\sigma^2}\boldsymbol J^T\boldsymbol J
        + \frac{1}{\tau^2}\boldsymbol I,
        \qquad J_{ip} = \frac{\partial f(\boldsymbol x_i)}{\partial\theta_p}\Big|_{\boldsymbol\theta_*},

    and the evidence
    :math:`\ln p(\boldsymbol y) \approx \ln p(\boldsymbol y|\boldsymbol\theta_*) + \ln p(\boldsymbol\theta_*)
    + \frac P2\ln 2\pi + \frac12\ln\det\boldsymbol\Sigma` (chapter *Bayesian neural networks*).
    """
    w, X, n_hidden = _check_net(w_map, X, n_hidden, names=("w_map", "X"))
    if w.ndim != 1:
        raise ValueError(f"w_map must be one weight vector (1-dimensional), got shape {w.shape}")
    y = as_float_array(y, "y", ndim=1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"X and y must have the same number of samples, got {X.shape[0]} and {y.shape[0]}")
    noise, prior_std = _check_likelihood(noise, prior_std)
    J = _jacobian(w, X, n_hidden)
    precision = J.T @ J / noise**2 + np.eye(w.size) / prior_std**2
    chol = np.linalg.cholesky(precision)
    inv_chol = np.linalg.solve(chol, np.eye(w.size))
    covariance = inv_chol.T @ inv_chol
    lp, _ = _log_posterior(w, X, y, n_hidden, noise, prior_std)
    log_evidence = float(lp + 0.5 * w.size * LOG_2PI - np.sum(np.log(np.diag(chol))))
    return LaplacePosterior(w.copy(), covariance, n_hidden, noise, log_evidence)


# --------------------------------------------------------------------------- networks in torch


def _init_weights(n_members: int, n_in: int, n_hidden: int, generator: torch.Generator) -> torch.Tensor:
    """Initial flat weights of ``n_members`` networks: W1 ~ N(0, 1/d), b1 ~ U(-1, 1), w2 ~ N(0, 1/H),
    b2 = 0."""
    d, H = n_in, n_hidden
    W1 = torch.randn(n_members, d * H, generator=generator, dtype=torch.float64) / math.sqrt(d)
    b1 = 2 * torch.rand(n_members, H, generator=generator, dtype=torch.float64) - 1
    w2 = torch.randn(n_members, H, generator=generator, dtype=torch.float64) / math.sqrt(H)
    return torch.cat([W1, b1, w2, torch.zeros(n_members, 1, dtype=torch.float64)], dim=1)


def _check_sizes(n_in, n_hidden, n_members, noise):
    n_in = check_int(n_in, "n_in", minimum=1)
    n_hidden = check_int(n_hidden, "n_hidden", minimum=1)
    n_members = check_int(n_members, "n_members", minimum=1)
    if noise is not None:
        noise = float(check_scalar(noise, "noise", minimum=0.0, include_min=False, maximum=1e100))
    return n_in, n_hidden, n_members, noise


class _Noise(nn.Module):
    """The noise standard deviation of each member: fixed, or a learned ``log_noise``."""

    def _setup_noise(self, noise, n_members):
        if noise is None:
            self.log_noise = nn.Parameter(torch.full((n_members,), math.log(0.5), dtype=torch.float64))
        else:
            self.register_buffer("log_noise", torch.full((n_members,), math.log(noise), dtype=torch.float64))

    @property
    def noise(self) -> torch.Tensor:
        """Noise standard deviation :math:`\\sigma` of each member, shape (n_members,)."""
        return self.log_noise.exp()


class EnsembleMLP(_Noise):
    r"""``n_members`` one-hidden-layer tanh networks trained side by side: one weight matrix
    ``w`` (n_members, P) in the flat layout of :func:`forward` (float64).

    With ``noise`` the noise standard deviation :math:`\sigma` is fixed, with ``None`` each
    member learns its own :math:`\ln\sigma`. ``dropout`` > 0 drops each hidden unit with
    that probability while the model is in training mode (Monte-Carlo dropout keeps it in
    training mode for prediction). Members start from independent random weights drawn
    with ``seed`` (chapter *Bayesian neural networks*).
    """

    def __init__(
        self, n_in: int, n_hidden: int, n_members: int = 1, dropout: float = 0.0, noise=None, seed: int = 0
    ):
        super().__init__()
        n_in, n_hidden, n_members, noise = _check_sizes(n_in, n_hidden, n_members, noise)
        self.dropout = float(check_scalar(dropout, "dropout", minimum=0.0, maximum=1.0, include_max=False))
        seed = check_int(seed, "seed", minimum=0)
        self.n_in, self.n_hidden, self.n_members = n_in, n_hidden, n_members
        self.w = nn.Parameter(_init_weights(n_members, n_in, n_hidden, torch.Generator().manual_seed(seed)))
        self._setup_noise(noise, n_members)

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Outputs of every member at the rows of ``x`` (n, d): shape (n_members, n). In
        training mode with ``dropout`` > 0 each member drops its own random hidden units."""
        check_tensor(x, "x", ndim=2, features=self.n_in, dtype=self.w.dtype)
        if generator is not None and not isinstance(generator, torch.Generator):
            raise TypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")
        return self._forward(x, generator)

    def _forward(self, x, generator=None, w=None):
        w = self.w if w is None else w
        h, w2, b2 = _hidden(w, x, self.n_hidden)
        if self.training and self.dropout > 0:
            keep = torch.rand(h.shape, generator=generator, dtype=h.dtype, device=h.device) >= self.dropout
            h = h * keep / (1 - self.dropout)
        return (h @ w2[..., :, None])[..., 0] + b2[..., None]


class MeanFieldMLP(_Noise):
    r"""Mean-field Gaussian posterior of ``n_members`` independent networks:
    :math:`q(\boldsymbol\theta) = \prod_p\mathcal N(\theta_p; \mu_p, s_p^2)`, parameters ``mu`` and
    ``log_s`` of shape (n_members, P), with the prior :math:`\mathcal N(0, \tau^2)` of
    ``prior_std`` :math:`\tau`. The means start like :class:`EnsembleMLP`'s weights, the
    standard deviations at ``init_std`` (chapter *Bayesian neural networks*)."""

    def __init__(
        self,
        n_in: int,
        n_hidden: int,
        n_members: int = 1,
        prior_std: float = 1.0,
        noise=None,
        init_std: float = 0.01,
        seed: int = 0,
    ):
        super().__init__()
        n_in, n_hidden, n_members, noise = _check_sizes(n_in, n_hidden, n_members, noise)
        self.prior_std = float(
            check_scalar(prior_std, "prior_std", minimum=0.0, include_min=False, maximum=1e100)
        )
        init_std = float(check_scalar(init_std, "init_std", minimum=0.0, include_min=False, maximum=1e3))
        seed = check_int(seed, "seed", minimum=0)
        self.n_in, self.n_hidden, self.n_members = n_in, n_hidden, n_members
        self.mu = nn.Parameter(_init_weights(n_members, n_in, n_hidden, torch.Generator().manual_seed(seed)))
        self.log_s = nn.Parameter(torch.full_like(self.mu, math.log(init_std)))
        self._setup_noise(noise, n_members)

    def sample_weights(self, n_samples: int, generator: torch.Generator | None = None) -> torch.Tensor:
        r"""Reparametrised draws
        :math:`\boldsymbol\theta = \boldsymbol\mu + \boldsymbol s\odot\boldsymbol\epsilon`,
        :math:`\boldsymbol\epsilon\sim\mathcal N(0, I)`: shape (n_samples, n_members, P)."""
        n_samples = check_int(n_samples, "n_samples", minimum=1)
        if generator is not None and not isinstance(generator, torch.Generator):
            raise TypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")
        return self._sample(n_samples, generator)

    def _sample(self, n_samples, generator):
        eps = torch.randn(
            (n_samples, *self.mu.shape), generator=generator, dtype=self.mu.dtype, device=self.mu.device
        )
        return self.mu + self.log_s.exp() * eps

    def kl(self) -> torch.Tensor:
        """:math:`D_{KL}(q\\,\\|\\,p)` of each member (n_members,), :func:`mean_field_kl`."""
        return _mean_field_kl(self.mu, self.log_s, self.prior_std)

    def forward(self, x: torch.Tensor, n_samples: int = 1, generator: torch.Generator | None = None):
        """Outputs at the rows of ``x`` (n, d) for ``n_samples`` weight draws: (n_samples, n_members, n)."""
        check_tensor(x, "x", ndim=2, features=self.n_in, dtype=self.mu.dtype)
        return _forward(self.sample_weights(n_samples, generator), x, self.n_hidden)


def _mean_field_kl(mu, log_s, prior_std: float):
    r"""Closed-form :math:`\sum_p\bigl[\ln(\tau/s_p) + (s_p^2 + \mu_p^2)/(2\tau^2) - \frac12\bigr]`."""
    return (math.log(prior_std) - log_s + ((2 * log_s).exp() + mu**2) / (2 * prior_std**2) - 0.5).sum(-1)


def mean_field_kl(mu, s, prior_std: float = 1.0) -> float:
    r"""KL divergence of the mean-field Gaussian :math:`q = \prod_p\mathcal N(\mu_p, s_p^2)` from
    the prior :math:`\mathcal N(0, \tau^2 I)`,

    .. math:: D_{KL}(q\,\|\,p) = \sum_p\left[\ln\frac{\tau}{s_p} + \frac{s_p^2 + \mu_p^2}{2\tau^2}
              - \frac12\right]

    (chapter *Bayesian neural networks*; for :math:`\tau = 1` the VAE chapter's formula).
    """
    mu = as_float_array(mu, "mu", ndim=1, nonempty=True)
    s = as_float_array(s, "s", ndim=1, nonempty=True)
    if s.shape != mu.shape:
        raise ValueError(f"mu and s must have the same shape, got {mu.shape} and {s.shape}")
    if np.any(s <= 0):
        raise ValueError("s must be positive (standard deviations)")
    prior_std = float(check_scalar(prior_std, "prior_std", minimum=0.0, include_min=False, maximum=1e100))
    with np.errstate(over="ignore"):
        value = float(
            np.sum(np.log(prior_std / s) + (s / prior_std) ** 2 / 2 + (mu / prior_std) ** 2 / 2 - 0.5)
        )
    if not math.isfinite(value):
        raise ValueError("mu or s is so large compared with prior_std that the KL divergence overflows")
    return value


# --------------------------------------------------------------------------- training


def _training_data(model, X, y, device):
    X = as_float_array(X, "X", ndim=2, nonempty=True)
    y = as_float_array(y, "y", ndim=1)
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X and y must have the same number of samples, got {X.shape[0]} and {y.shape[0]}")
    if X.shape[1] != model.n_in:
        raise ValueError(f"X has {X.shape[1]} features but model takes {model.n_in} (n_in)")
    device = as_device(device)
    model.to(device)
    return torch.tensor(X, device=device), torch.tensor(y, device=device), device


def _gaussian_log_lik(f: torch.Tensor, y: torch.Tensor, log_noise: torch.Tensor) -> torch.Tensor:
    r""":math:`\sum_i\ln\mathcal N(y_i; f_i, \sigma^2)` over the last axis."""
    r = (y - f) / log_noise.exp()[..., None]
    return -0.5 * (r * r).sum(-1) - y.shape[0] * (log_noise + 0.5 * LOG_2PI)


def train_map(
    model: EnsembleMLP,
    X,
    y,
    epochs: int,
    lr: float = 0.01,
    prior_std: float = 1.0,
    seed: int = 0,
    device="cpu",
) -> dict:
    r"""MAP estimates of all members of ``model`` at once: full-batch Adam on

    .. math:: \mathcal C(\boldsymbol\theta) = -\frac1n\Bigl[\sum_i\ln\mathcal N(y_i; f(\boldsymbol x_i;
              \boldsymbol\theta), \sigma^2) - \frac{\lVert\boldsymbol\theta\rVert^2}{2\tau^2}\Bigr],

    the negative log posterior per sample (:math:`\sigma` learned when the model's noise is
    not fixed), summed over members, which do not interact. With dropout, each step uses
    fresh dropout masks drawn with ``seed``. Returns the history of the mean cost per member
    (chapter *Bayesian neural networks*).
    """
    check_type(model, EnsembleMLP, "model")
    epochs = check_int(epochs, "epochs", minimum=1)
    lr = check_learning_rate(lr)
    prior_std = float(check_scalar(prior_std, "prior_std", minimum=0.0, include_min=False, maximum=1e100))
    seed = check_int(seed, "seed", minimum=0)
    X_t, y_t, device = _training_data(model, X, y, device)
    generator = torch.Generator(device=device).manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    n = X_t.shape[0]
    history = []
    model.train()
    for epoch in progress(range(epochs), desc="MAP"):
        f = model._forward(X_t, generator)
        cost = -(_gaussian_log_lik(f, y_t, model.log_noise) - 0.5 * (model.w**2).sum(-1) / prior_std**2) / n
        loss = cost.sum()
        value = loss.item() / model.n_members
        check_finite_loss(value, epoch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(value)
    model.eval()
    return {"cost": history}


def train_bbb(
    model: MeanFieldMLP, X, y, epochs: int, lr: float = 0.01, n_samples: int = 4, seed: int = 0, device="cpu"
) -> dict:
    r"""Bayes by backprop: maximise the ELBO of every member of ``model`` with full-batch Adam,

    .. math:: \mathcal L(\boldsymbol\mu, \boldsymbol s) = \mathbb E_{\boldsymbol\epsilon}\Bigl[\sum_i
              \ln\mathcal N\bigl(y_i; f(\boldsymbol x_i;
              \boldsymbol\mu + \boldsymbol s\odot\boldsymbol\epsilon),
              \sigma^2\bigr)\Bigr] - D_{KL}(q\,\|\,p),

    the expectation estimated with ``n_samples`` reparametrised weight draws per step and
    the KL term in closed form (:func:`mean_field_kl`); :math:`\sigma` is a point estimate
    when it is not fixed. Returns the history of the ELBO per sample (mean over members)
    (chapter *Bayesian neural networks*).
    """
    check_type(model, MeanFieldMLP, "model")
    epochs = check_int(epochs, "epochs", minimum=1)
    lr = check_learning_rate(lr)
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    X_t, y_t, device = _training_data(model, X, y, device)
    generator = torch.Generator(device=device).manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    n = X_t.shape[0]
    history = []
    for epoch in progress(range(epochs), desc="ELBO"):
        f = _forward(model._sample(n_samples, generator), X_t, model.n_hidden)  # (S, M, n)
        elbo = _gaussian_log_lik(f, y_t, model.log_noise).mean(0) - model.kl()
        loss = -elbo.sum() / n
        value = loss.item() / model.n_members
        check_finite_loss(value, epoch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(-value)
    return {"elbo": history}


# --------------------------------------------------------------------------- predictions and their judges


def predictive_samples(model: nn.Module, X, n_samples: int = 1, seed: int = 0, device="cpu"):
    r"""Network outputs and noise of the predictive distribution of ``model`` at ``X``.

    Returns ``(f, noise)``: ``f`` of shape (n_samples, n_members, n) and the noise standard
    deviation of each member (n_members,). An :class:`EnsembleMLP` without dropout gives
    its members' outputs (``n_samples`` is ignored: one sample); with dropout, ``n_samples``
    passes with fresh masks (Monte-Carlo dropout); a :class:`MeanFieldMLP`, ``n_samples``
    draws from :math:`q`. Combine the samples with :func:`mixture` (chapter *Bayesian
    neural networks*).
    """
    check_type(model, (EnsembleMLP, MeanFieldMLP), "model", "physml.bnn.EnsembleMLP or MeanFieldMLP")
    X = as_float_array(X, "X", ndim=2, nonempty=True)
    if X.shape[1] != model.n_in:
        raise ValueError(f"X has {X.shape[1]} features but model takes {model.n_in} (n_in)")
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    device = as_device(device)
    model.to(device)
    X_t = torch.tensor(X, device=device)
    generator = torch.Generator(device=device).manual_seed(seed)
    with torch.no_grad():
        if isinstance(model, MeanFieldMLP):
            f = _forward(model._sample(n_samples, generator), X_t, model.n_hidden)
        elif model.dropout > 0:
            model.train()
            f = torch.stack([model._forward(X_t, generator) for _ in range(n_samples)])
            model.eval()
        else:
            f = model._forward(X_t)[None]
        return f.cpu().numpy(), model.noise.cpu().numpy()


def mixture(f, noise) -> tuple[np.ndarray, np.ndarray]:
    r"""Mean and standard deviation of the equal-weight mixture of Gaussians
    :math:`\frac1K\sum_k\mathcal N(f_k, \sigma_k^2)`: the predictive distribution from ``K``
    posterior samples (HMC draws, ensemble members, dropout masks, variational draws),

    .. math:: m = \frac1K\sum_k f_k, \qquad
              s^2 = \underbrace{\frac1K\sum_k\sigma_k^2}_{\text{aleatoric}}
              + \underbrace{\frac1K\sum_k (f_k - m)^2}_{\text{epistemic}} .

    ``f`` has shape (K, n), ``noise`` is one :math:`\sigma` or one per sample (K,)
    (chapter *Bayesian neural networks*).
    """
    f = as_float_array(f, "f", ndim=2, nonempty=True)
    noise = as_float_array(noise, "noise", ndim=(0, 1))
    if noise.ndim == 1 and noise.shape[0] != f.shape[0]:
        raise ValueError(f"noise must be one value or one per sample ({f.shape[0]}), got shape {noise.shape}")
    if np.any(noise < 0):
        raise ValueError("noise must be non-negative (standard deviations)")
    scale = max(float(np.max(np.abs(f))), float(np.max(noise)), 1e-300)  # no overflow in the squares
    mean = f.mean(axis=0)
    epistemic = ((f - mean) / scale) ** 2
    aleatoric = np.mean((np.broadcast_to(noise, (f.shape[0],)) / scale) ** 2)
    return mean, scale * np.sqrt(epistemic.mean(axis=0) + aleatoric)


def _check_prediction(y, mean, std) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = as_float_array(y, "y", ndim=1, nonempty=True)
    mean = as_float_array(mean, "mean", ndim=1)
    std = as_float_array(std, "std", ndim=1)
    if mean.shape != y.shape or std.shape != y.shape:
        raise ValueError(
            f"y, mean and std must have the same shape, got {y.shape}, {mean.shape} and {std.shape}"
        )
    if np.any(std <= 0):
        raise ValueError("std must be positive (predictive standard deviations)")
    return y, mean, std


def gaussian_nll(y, mean, std) -> float:
    r"""Mean negative log predictive density of held-out targets ``y`` under
    :math:`\mathcal N(m_i, s_i^2)`: :math:`\frac1n\sum_i\bigl[\frac{(y_i - m_i)^2}{2s_i^2} + \ln s_i
    + \frac12\ln 2\pi\bigr]` (chapter *Bayesian neural networks*)."""
    y, mean, std = _check_prediction(y, mean, std)
    with np.errstate(over="ignore"):
        z = (y - mean) / std
        value = float(np.mean(0.5 * z * z + np.log(std)) + 0.5 * LOG_2PI)
    if not math.isfinite(value):
        raise ValueError("the negative log density overflows: y lies too many standard deviations from mean")
    return value


def coverage(y, mean, std, level: float = 0.95) -> tuple[float, float]:
    r"""Fraction :math:`\hat p` of held-out ``y`` inside the central ``level`` interval
    :math:`m_i \pm z\,s_i` of the Gaussian predictive (:math:`z` = 1.96 for 95 %), and its
    binomial standard error :math:`\sqrt{\hat p(1-\hat p)/n}` (test points drawn
    independently of the training data and of each other; chapter *Bayesian neural networks*)."""
    y, mean, std = _check_prediction(y, mean, std)
    level = float(
        check_scalar(level, "level", minimum=0.0, maximum=1.0, include_min=False, include_max=False)
    )
    z = math.sqrt(2) * scipy.special.erfinv(level)
    inside = np.abs(y - mean) <= z * std
    p = float(inside.mean())
    return p, math.sqrt(p * (1 - p) / y.size)
