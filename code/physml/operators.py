r"""Learning solution operators of PDEs, for the chapter "Learning operators for PDEs".

The problem is the one-dimensional boundary-value problem

.. math:: -u''(x) + \kappa\,u(x)^3 = f(x),\qquad x\in[0, 1],\qquad u(0) = u(1) = 0,

(:math:`\kappa = 0`: the Poisson equation) and the object to learn is its solution operator
:math:`\mathcal G: f\mapsto u`.

* data: :func:`grid` (the periodic grid :math:`x_j = j/n`), :func:`source_coefficients`
  (random sine coefficients of a Gaussian random field), :func:`sine_series`,
  :func:`poisson_exact` (the exact solution of :math:`-u'' = f` for a sine series) and the
  finite-difference solver :func:`solve_bvp` (Newton's method on the discretised equation,
  a batched tridiagonal solve per iteration);
* operators: :class:`SpectralConv1d` (the Fourier layer's convolution, from scratch with
  ``torch.fft``) and its reference :func:`spectral_conv_reference` (a direct DFT matrix in
  NumPy), :class:`FNO1d` (a Fourier neural operator), :class:`DeepONet` (branch and trunk
  networks) and :class:`GridTransformer` (attention over the grid points, with the encoder
  block of the chapter "Transformers");
* baselines: :func:`fit_linear_operator` (the best linear map :math:`\boldsymbol u =
  \boldsymbol G\boldsymbol f` by least squares);
* training and evaluation: :func:`train_operator`, :func:`predict`, :func:`relative_errors`.

Every model maps sources on a grid, shape ``(N, n)``, to solutions on the same grid,
``(N, n)``, so all of them can be evaluated on a finer grid than they were trained on.
Torch code takes a ``device`` (CPU by default) and runs unchanged on CUDA.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from ._validate import (
    ConvergenceError,
    as_float_array,
    as_rng,
    check_bool,
    check_finite_loss,
    check_int,
    check_learning_rate,
    check_scalar,
    check_tensor,
    check_type,
    param_dtype,
)
from .attention import EncoderBlock
from .progress import progress
from .torchtools import as_device, mlp

# --- data: the grid, random sources, exact and finite-difference solutions ------------------


def grid(n: int) -> np.ndarray:
    r"""The periodic grid :math:`x_j = j/n`, :math:`j = 0, \dots, n-1`, of :math:`[0, 1)`.

    The point :math:`x = 1` is the periodic image of :math:`x = 0`; with :math:`u(0) = u(1) = 0`
    both ends are the one grid point :math:`x_0`, where the solution is zero. The fast Fourier
    transform of the Fourier layers sees exactly this grid.
    """
    n = check_int(n, "n", minimum=2)
    return np.arange(n) / n


def source_coefficients(n_samples: int, n_modes: int = 16, decay: float = 1.0, seed=0) -> np.ndarray:
    r"""Random sine coefficients :math:`c_k = z_k / k^{\alpha}`, :math:`z_k\sim\mathcal N(0, 1)`.

    Row :math:`i` defines the source :math:`f_i(x) = \sum_{k=1}^{K} c_{ik}\sin(k\pi x)` (see
    :func:`sine_series`), a sample of a Gaussian random field with :math:`K` = ``n_modes``
    modes whose amplitudes fall as :math:`k^{-\alpha}` (:math:`\alpha` = ``decay``).
    Returns an array of shape ``(n_samples, n_modes)``; ``seed`` is an int or a Generator.
    """
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    n_modes = check_int(n_modes, "n_modes", minimum=1)
    decay = check_scalar(decay, "decay", minimum=0.0, maximum=10.0)
    rng = as_rng(seed)
    k = np.arange(1, n_modes + 1)
    return rng.standard_normal((n_samples, n_modes)) / k**decay


def _check_coefficients(coeffs, x):
    coeffs = as_float_array(coeffs, "coeffs", ndim=(1, 2), nonempty=True)
    x = as_float_array(x, "x", ndim=1, nonempty=True)
    return coeffs, x


def sine_series(coeffs, x) -> np.ndarray:
    r"""The sine series :math:`f(x) = \sum_{k=1}^{K} c_k\sin(k\pi x)` at the points ``x``.

    ``coeffs`` has shape ``(K,)`` or ``(N, K)`` (one series per row); the result has shape
    ``(len(x),)`` or ``(N, len(x))``. Every term vanishes at :math:`x = 0` and :math:`x = 1`.
    """
    coeffs, x = _check_coefficients(coeffs, x)
    k = np.arange(1, coeffs.shape[-1] + 1)
    return coeffs @ np.sin(np.pi * np.outer(k, x))


def poisson_exact(coeffs, x) -> np.ndarray:
    r"""The exact solution of :math:`-u'' = f`, :math:`u(0) = u(1) = 0`, for a sine-series source:

    .. math:: u(x) = \sum_{k=1}^{K}\frac{c_k}{(k\pi)^2}\sin(k\pi x),

    since :math:`-\frac{d^2}{dx^2}\sin k\pi x = (k\pi)^2\sin k\pi x`. Shapes as :func:`sine_series`.
    """
    coeffs, x = _check_coefficients(coeffs, x)
    k = np.arange(1, coeffs.shape[-1] + 1)
    return sine_series(coeffs / (k * np.pi) ** 2, x)


def _thomas(lower: np.ndarray, diag: np.ndarray, upper: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    r"""Solve tridiagonal systems, batched over the leading axis (Thomas algorithm, no pivoting).

    Row :math:`j` reads :math:`l_j y_{j-1} + d_j y_j + u_j y_{j+1} = r_j`; ``lower[:, 0]`` and
    ``upper[:, -1]`` are not used. Stable for diagonally dominant matrices, such as the
    Jacobian of :func:`solve_bvp`.
    """
    d = diag.copy()
    r = rhs.copy()
    m = d.shape[-1]
    for j in range(1, m):  # forward elimination
        w = lower[:, j] / d[:, j - 1]
        d[:, j] -= w * upper[:, j - 1]
        r[:, j] -= w * r[:, j - 1]
    y = np.empty_like(r)
    y[:, -1] = r[:, -1] / d[:, -1]
    for j in range(m - 2, -1, -1):  # back substitution
        y[:, j] = (r[:, j] - upper[:, j] * y[:, j + 1]) / d[:, j]
    return y


def solve_bvp(f, kappa: float = 0.0, tol: float = 1e-10, max_iter: int = 30) -> np.ndarray:
    r"""Finite-difference solution of :math:`-u'' + \kappa u^3 = f`, :math:`u(0) = u(1) = 0`.

    ``f`` holds the source on the grid :math:`x_j = j/n` (:func:`grid`), shape ``(n,)`` or
    ``(N, n)`` (one source per row). With :math:`h = 1/n` the unknowns are the interior values
    :math:`u_1, \dots, u_{n-1}` (:math:`u_0 = u_n = 0`), and the centred second difference
    gives the equations

    .. math:: F_j(\boldsymbol u) = \frac{-u_{j-1} + 2u_j - u_{j+1}}{h^2} + \kappa u_j^3 - f_j = 0,

    second-order accurate in :math:`h`; the first term is :math:`(\boldsymbol D\boldsymbol u)_j`
    with :math:`\boldsymbol D = h^{-2}\,\mathrm{tridiag}(-1, 2, -1)`. Newton's method solves
    them: each iteration solves :math:`\boldsymbol J\,\delta\boldsymbol u = -\boldsymbol F` with
    the tridiagonal Jacobian :math:`\boldsymbol J = \boldsymbol D + 3\kappa\,\mathrm{diag}(u_j^2)`,
    starting from the Poisson solution :math:`\boldsymbol D^{-1}\boldsymbol f`. For :math:`\kappa\ge 0` the
    Jacobian is symmetric positive definite and the solution unique. It stops when the
    largest update is below ``tol`` times the largest :math:`|u|` and raises
    :class:`physml.ConvergenceError` after ``max_iter`` iterations. Returns :math:`u` on the
    whole grid (with :math:`u_0 = 0`), the shape of ``f``.
    """
    f = as_float_array(f, "f", ndim=(1, 2), nonempty=True)
    kappa = check_scalar(kappa, "kappa", minimum=0.0, maximum=1e6)
    tol = check_scalar(tol, "tol", minimum=0.0, include_min=False)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    if f.shape[-1] < 3:
        raise ValueError(f"f must hold at least 3 grid points, got shape {f.shape}")
    return _solve_bvp(f, kappa, tol, max_iter)


def _solve_bvp(f: np.ndarray, kappa: float, tol: float, max_iter: int) -> np.ndarray:
    single = f.ndim == 1
    f2 = f[None] if single else f
    n = f2.shape[-1]
    h2 = (1.0 / n) ** 2
    rhs = f2[:, 1:]  # interior points j = 1, ..., n-1
    N, m = rhs.shape
    off = np.full((N, m), -1.0 / h2)
    diag = np.full((N, m), 2.0 / h2)
    u = _thomas(off, diag, off, rhs)  # the Poisson solution as the starting point
    if kappa > 0:
        for _ in range(max_iter):
            Au = 2.0 * u / h2
            Au[:, 1:] -= u[:, :-1] / h2
            Au[:, :-1] -= u[:, 1:] / h2
            residual = Au + kappa * u**3 - rhs
            du = _thomas(off, diag + 3.0 * kappa * u**2, off, -residual)
            u = u + du
            if not np.all(np.isfinite(u)):
                raise ValueError("f is too large: the Newton iteration overflowed (scale the source down)")
            if np.max(np.abs(du)) <= tol * max(np.max(np.abs(u)), 1e-300):
                break
        else:
            raise ConvergenceError(
                f"solve_bvp: Newton's method did not converge in max_iter = {max_iter} iterations"
            )
    out = np.concatenate([np.zeros((N, 1)), u], axis=1)
    return out[0] if single else out


# --- the Fourier layer ---------------------------------------------------------------------


def _check_grid_tensor(v, name: str, dtype, ndim: int, channels: int | None = None) -> torch.Tensor:
    check_tensor(v, name, ndim=ndim, dtype=dtype)
    if channels is not None and v.shape[1] != channels:
        raise ValueError(f"{name} must have {channels} channels in axis 1, got shape {tuple(v.shape)}")
    if v.shape[0] == 0 or v.shape[-1] < 2:
        raise ValueError(
            f"{name} must hold at least one sample on at least 2 grid points, got {tuple(v.shape)}"
        )
    return v


class SpectralConv1d(nn.Module):
    r"""The spectral convolution of a Fourier layer (Li et al. 2021), written with ``torch.fft``:

    .. math:: (\mathcal K v)_o(x_j) = \mathrm{IDFT}\Big[\sum_i R_{iok}\,\hat v_{ik}\Big]_j,
              \qquad \hat v_{ik} = \sum_{j=0}^{n-1} v_i(x_j)\,e^{-2\pi\mathrm i kj/n},

    for the modes :math:`k = 0, \dots, k_\mathrm{max}-1` (``modes``); all higher modes of the
    output are zero. It is a circular convolution of each input channel with a kernel whose
    Fourier coefficients are the :math:`R_{iok}`, learned directly. ``rfft`` returns the
    modes :math:`k\le n/2` of a real signal; ``irfft`` divides by :math:`n`, so the layer
    acts on the Fourier coefficients of the *function* :math:`v(x)`, whatever the number of
    grid points :math:`n` (discretisation invariance). The weights (complex, stored as a real
    tensor of shape ``(in, out, modes, 2)``) are drawn uniformly with scale
    :math:`1/(\mathrm{in}\cdot\mathrm{out})`, with ``seed``; the module is put on ``device``.
    """

    def __init__(self, in_channels: int, out_channels: int, modes: int, seed: int = 0, device="cpu"):
        super().__init__()
        self.in_channels = check_int(in_channels, "in_channels", minimum=1)
        self.out_channels = check_int(out_channels, "out_channels", minimum=1)
        self.modes = check_int(modes, "modes", minimum=1)
        seed = check_int(seed, "seed", minimum=0)
        device = as_device(device)
        gen = torch.Generator().manual_seed(seed)
        scale = 1.0 / (in_channels * out_channels)
        self.weight = nn.Parameter(scale * torch.rand(in_channels, out_channels, modes, 2, generator=gen))
        self.to(device)

    def complex_weight(self) -> torch.Tensor:
        """The weights :math:`R_{iok}` as a complex tensor of shape ``(in, out, modes)``."""
        return torch.view_as_complex(self.weight)

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        """``v`` of shape ``(N, in_channels, n)`` -> ``(N, out_channels, n)``; NaN/inf pass through (IEEE)."""
        _check_grid_tensor(v, "v", param_dtype(self), 3, self.in_channels)
        return self._forward(v)

    def _forward(self, v: torch.Tensor) -> torch.Tensor:
        n = v.shape[-1]
        v_hat = torch.fft.rfft(v)  # (N, in, n//2 + 1): the modes k = 0, ..., n/2
        m = min(self.modes, v_hat.shape[-1])
        out_hat = torch.einsum("bik,iok->bok", v_hat[..., :m], self.complex_weight()[..., :m])
        return torch.fft.irfft(out_hat, n=n)  # pads the modes k >= m with zeros


def spectral_conv_reference(weight, v) -> np.ndarray:
    r"""The spectral convolution of :class:`SpectralConv1d` by an explicit DFT matrix, in NumPy.

    ``weight`` is the complex array :math:`R_{iok}` of shape ``(in, out, modes)`` and ``v``
    the real input of shape ``(N, in, n)``. With :math:`F_{kj} = e^{-2\pi\mathrm ikj/n}` the
    rows :math:`k < \min(k_\mathrm{max}, \lfloor n/2\rfloor + 1)` of the DFT matrix,
    :math:`\hat w_{ok} = \sum_i R_{iok}(F v_i)_k` and the real output

    .. math:: w_o(x_j) = \frac1n\sum_k c_k\,\mathrm{Re}\big(\hat w_{ok}\,e^{2\pi\mathrm ikj/n}\big),

    with :math:`c_k = 1` for :math:`k = 0` and :math:`k = n/2` and :math:`c_k = 2` otherwise
    (the modes :math:`-k` of a real signal are the complex conjugates of the modes
    :math:`k`). No FFT is used: :math:`O(n^2)` work, for checking the layer.
    """
    weight = np.asarray(weight) if not isinstance(weight, np.ndarray) else weight
    if not isinstance(weight, np.ndarray) or weight.dtype.kind not in "fc":
        raise TypeError(
            f"weight must be a complex array of shape (in, out, modes), got {type(weight).__name__}"
        )
    if weight.ndim != 3 or weight.size == 0:
        raise ValueError(f"weight must have shape (in, out, modes), got {weight.shape}")
    if not np.all(np.isfinite(weight)):
        raise ValueError("weight contains NaN or inf values")
    v = as_float_array(v, "v", ndim=3, nonempty=True)
    if v.shape[1] != weight.shape[0]:
        raise ValueError(f"v must have {weight.shape[0]} channels (weight's first axis), got shape {v.shape}")
    n = v.shape[-1]
    m = min(weight.shape[-1], n // 2 + 1)
    k = np.arange(m)
    j = np.arange(n)
    F = np.exp(-2j * np.pi * np.outer(k, j) / n)  # (m, n)
    v_hat = v @ F.T  # (N, in, m)
    w_hat = np.einsum("bik,iok->bok", v_hat, weight[..., :m])
    c = np.where((k == 0) | (2 * k == n), 1.0, 2.0)
    return np.real((w_hat * c) @ np.conj(F)) / n


# --- neural operators ---------------------------------------------------------------------


def _check_sources(f, name: str, dtype) -> torch.Tensor:
    check_tensor(f, name, ndim=2, dtype=dtype)
    if f.shape[0] == 0 or f.shape[1] < 2:
        raise ValueError(f"{name} must have shape (N, n) with N >= 1 and n >= 2, got {tuple(f.shape)}")
    return f


def _grid_tensor(n: int, like: torch.Tensor) -> torch.Tensor:
    return torch.arange(n, dtype=like.dtype, device=like.device) / n


def _boundary(u: torch.Tensor, dirichlet: bool) -> torch.Tensor:
    r"""``u`` times :math:`\sin\pi x_j` (zero at :math:`x = 0` and :math:`x = 1`) when ``dirichlet``."""
    if not dirichlet:
        return u
    return u * torch.sin(torch.pi * _grid_tensor(u.shape[-1], u))


class FNO1d(nn.Module):
    r"""A Fourier neural operator for functions on :math:`[0, 1)` (Li et al. 2021).

    The input at each grid point is :math:`(f(x_j), \sin 2\pi x_j, \cos 2\pi x_j)`: the
    source and the position as smooth periodic functions (the coordinate :math:`x` itself is
    a sawtooth on the periodic grid, whose Fourier series converges slowly and aliases
    differently on every grid). A pointwise linear map :math:`P` lifts it to ``width``
    channels, ``n_layers`` Fourier layers follow,

    .. math:: v_{\ell+1}(x) = \sigma\big(\boldsymbol W_\ell v_\ell(x) + (\mathcal K_\ell v_\ell)(x)\big),

    with :math:`\mathcal K_\ell` a :class:`SpectralConv1d` keeping ``modes`` modes,
    :math:`\boldsymbol W_\ell` a pointwise linear map and :math:`\sigma` = GELU (none after
    the last layer), and a pointwise network :math:`Q` (``width`` -> ``width`` -> 1)
    projects to :math:`u(x_j)`. Every part acts pointwise or on Fourier coefficients of the
    function, so the same weights apply on any grid. With ``dirichlet`` the output is
    multiplied by :math:`\sin\pi x`, so that :math:`u(0) = u(1) = 0` hold exactly (as for the
    trial solutions of the chapter "Physics-informed neural networks"). ``forward`` maps
    sources of shape ``(N, n)`` to solutions ``(N, n)``. Parameters drawn with ``seed``; put
    on ``device``.
    """

    def __init__(
        self,
        width: int = 16,
        modes: int = 12,
        n_layers: int = 3,
        dirichlet: bool = True,
        seed: int = 0,
        device="cpu",
    ):
        super().__init__()
        self.dirichlet = check_bool(dirichlet, "dirichlet")
        self.width = check_int(width, "width", minimum=1)
        self.modes = check_int(modes, "modes", minimum=1)
        n_layers = check_int(n_layers, "n_layers", minimum=1)
        seed = check_int(seed, "seed", minimum=0)
        device = as_device(device)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.lift = nn.Linear(3, width)
            self.pointwise = nn.ModuleList(nn.Linear(width, width) for _ in range(n_layers))
            self.project = mlp([width, width, 1], activation="relu")
        self.spectral = nn.ModuleList(
            SpectralConv1d(width, width, modes, seed=seed + 1 + i) for i in range(n_layers)
        )
        self.to(device)

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        """Sources ``f`` of shape ``(N, n)`` -> solutions ``(N, n)`` on the same grid."""
        _check_sources(f, "f", param_dtype(self))
        angle = (2 * math.pi * _grid_tensor(f.shape[1], f)).expand_as(f)
        v = self.lift(torch.stack([f, torch.sin(angle), torch.cos(angle)], dim=-1))  # (N, n, width)
        last = len(self.spectral) - 1
        for i, (K, W) in enumerate(zip(self.spectral, self.pointwise, strict=True)):
            v = K._forward(v.transpose(1, 2)).transpose(1, 2) + W(v)
            if i < last:
                v = nn.functional.gelu(v)
        return _boundary(self.project(v)[..., 0], self.dirichlet)


class DeepONet(nn.Module):
    r"""A deep operator network (Lu et al. 2021): branch and trunk networks and a dot product,

    .. math:: \mathcal G(f)(x) \approx \sum_{k=1}^{p} b_k\big(f(s_1), \dots, f(s_m)\big)\,
              t_k(x) + b_0,

    with the branch network :math:`b` on the values of :math:`f` at the :math:`m` fixed
    sensors :math:`s_i = i/m` (``n_sensors``) and the trunk network :math:`t` on the point
    :math:`x`; both are tanh MLPs with ``depth`` hidden layers of ``width`` units and
    :math:`p` = ``n_basis`` outputs. ``forward`` takes sources on a grid of :math:`n` points,
    a multiple of :math:`m`, reads the sensors off it, and evaluates the trunk at every
    :math:`x_j = j/n`: the output ``(N, n)`` may be on a finer grid than the sensors. With
    ``dirichlet`` the output is multiplied by :math:`\sin\pi x` (zero at both ends).
    Parameters drawn with ``seed``; put on ``device``.
    """

    def __init__(
        self,
        n_sensors: int = 64,
        width: int = 64,
        n_basis: int = 32,
        depth: int = 2,
        dirichlet: bool = True,
        seed: int = 0,
        device="cpu",
    ):
        super().__init__()
        self.dirichlet = check_bool(dirichlet, "dirichlet")
        self.n_sensors = check_int(n_sensors, "n_sensors", minimum=2)
        width = check_int(width, "width", minimum=1)
        n_basis = check_int(n_basis, "n_basis", minimum=1)
        depth = check_int(depth, "depth", minimum=1)
        seed = check_int(seed, "seed", minimum=0)
        device = as_device(device)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.branch = mlp([n_sensors] + [width] * depth + [n_basis], activation="tanh")
            self.trunk = nn.Sequential(mlp([1] + [width] * depth + [n_basis], activation="tanh"), nn.Tanh())
            self.bias = nn.Parameter(torch.zeros(1))
        self.to(device)

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        """Sources ``f`` of shape ``(N, n)``, ``n`` a multiple of ``n_sensors`` -> solutions ``(N, n)``."""
        _check_sources(f, "f", param_dtype(self))
        n = f.shape[1]
        if n % self.n_sensors:
            raise ValueError(f"f must have a multiple of n_sensors = {self.n_sensors} grid points, got {n}")
        b = self.branch(f[:, :: n // self.n_sensors])  # (N, p)
        t = self.trunk(_grid_tensor(n, f)[:, None])  # (n, p)
        return _boundary(b @ t.T + self.bias, self.dirichlet)


class GridTransformer(nn.Module):
    r"""A transformer encoder over the grid points: each point is a token.

    The features of token :math:`j` are :math:`f(x_j)` and the Fourier features
    :math:`\sin(2\pi qx_j), \cos(2\pi qx_j)`, :math:`q = 1, \dots,` ``n_freq``, of its
    position (functions of :math:`x`, not of the index :math:`j`, so that a finer grid means
    the same positions); a linear map embeds them into ``d_model`` features, ``n_layers``
    :class:`physml.attention.EncoderBlock` s (self-attention over all points, no mask) and a
    layer norm follow, and a linear read-out gives :math:`u(x_j)`. Attention is a weighted
    mean over the points, :math:`\sum_s A_{js}v_s` with :math:`\sum_s A_{js} = 1`: a quadrature
    of an integral operator with a learned, input-dependent kernel. With ``dirichlet`` the
    output is multiplied by :math:`\sin\pi x` (zero at both ends). Parameters drawn with
    ``seed``; put on ``device``.
    """

    def __init__(
        self,
        d_model: int = 32,
        n_heads: int = 4,
        n_layers: int = 2,
        d_ff: int = 64,
        n_freq: int = 4,
        dirichlet: bool = True,
        seed: int = 0,
        device="cpu",
    ):
        super().__init__()
        self.dirichlet = check_bool(dirichlet, "dirichlet")
        d_model = check_int(d_model, "d_model", minimum=1)
        n_heads = check_int(n_heads, "n_heads", minimum=1)
        if d_model % n_heads:
            raise ValueError(f"n_heads = {n_heads} must divide d_model = {d_model}")
        n_layers = check_int(n_layers, "n_layers", minimum=1)
        d_ff = check_int(d_ff, "d_ff", minimum=1)
        self.n_freq = check_int(n_freq, "n_freq", minimum=0)
        seed = check_int(seed, "seed", minimum=0)
        device = as_device(device)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.embed = nn.Linear(1 + 2 * self.n_freq, d_model)
            self.blocks = nn.ModuleList(EncoderBlock(d_model, n_heads, d_ff) for _ in range(n_layers))
            self.norm = nn.LayerNorm(d_model)
            self.head = nn.Linear(d_model, 1)
        self.to(device)

    def features(self, f: torch.Tensor) -> torch.Tensor:
        """The token features ``(N, n, 1 + 2 n_freq)``: the source and the Fourier features of x."""
        _check_sources(f, "f", param_dtype(self))
        x = _grid_tensor(f.shape[1], f)
        q = torch.arange(1, self.n_freq + 1, dtype=f.dtype, device=f.device)
        angle = 2 * math.pi * x[:, None] * q  # (n, n_freq)
        pos = torch.cat([torch.sin(angle), torch.cos(angle)], dim=1).expand(f.shape[0], -1, -1)
        return torch.cat([f[..., None], pos], dim=-1)

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        """Sources ``f`` of shape ``(N, n)`` -> solutions ``(N, n)`` on the same grid."""
        h = self.embed(self.features(f))
        for block in self.blocks:
            h = block(h)
        return _boundary(self.head(self.norm(h))[..., 0], self.dirichlet)


# --- baselines, training and evaluation -------------------------------------------------------


def _check_pairs(f, u) -> tuple[np.ndarray, np.ndarray]:
    f = as_float_array(f, "f", ndim=2, nonempty=True)
    u = as_float_array(u, "u", ndim=2, nonempty=True)
    if f.shape[0] != u.shape[0]:
        raise ValueError(f"f and u must have the same number of samples, got {f.shape[0]} and {u.shape[0]}")
    return f, u


def fit_linear_operator(f, u, rcond: float = 1e-10) -> np.ndarray:
    r"""The best linear operator :math:`\boldsymbol u\approx\boldsymbol G\boldsymbol f` by least squares.

    ``f`` (N, n) and ``u`` (N, n') hold the training pairs as rows; the matrix
    :math:`\boldsymbol G` (n', n) minimises :math:`\sum_i\lVert\boldsymbol u_i -
    \boldsymbol G\boldsymbol f_i\rVert^2` (the minimum-norm solution where the sources do
    not span all of :math:`\mathbb R^n`; singular values below ``rcond`` times the largest
    are dropped). For :math:`-u'' = f` the true solution operator is linear, the discrete
    Green's function :math:`\boldsymbol D^{-1}`, and this fit recovers it on the span of the
    training sources; predict with ``f_new @ G.T``.
    """
    f, u = _check_pairs(f, u)
    rcond = check_scalar(rcond, "rcond", minimum=0.0, maximum=1.0)
    scale = max(np.max(np.abs(f)), 1e-300)  # the fit is linear: solve for scaled sources
    G_T, *_ = np.linalg.lstsq(f / scale, u, rcond=rcond)
    return G_T.T / scale


def relative_errors(u_pred, u_true) -> np.ndarray:
    r"""Relative :math:`L^2` error of each row: :math:`\lVert\hat u_i - u_i\rVert_2/\lVert u_i\rVert_2`.

    ``u_pred`` and ``u_true`` have the same shape ``(N, n)``; on a uniform grid the ratio of
    the discrete norms approximates the ratio of the :math:`L^2` norms of the functions.
    Rows of ``u_true`` that are zero everywhere have no relative error (ValueError).
    """
    u_pred = as_float_array(u_pred, "u_pred", ndim=2, nonempty=True)
    u_true = as_float_array(u_true, "u_true", ndim=2, nonempty=True)
    if u_pred.shape != u_true.shape:
        raise ValueError(f"u_pred and u_true must have the same shape, got {u_pred.shape} and {u_true.shape}")
    largest = max(np.max(np.abs(u_pred)), np.max(np.abs(u_true)))
    if largest == 0 or not np.all(np.any(u_true, axis=1)):
        raise ValueError("u_true has a row that is zero everywhere: its relative error is undefined")
    u_pred, u_true = u_pred / largest, u_true / largest  # no overflow of the squares
    return np.linalg.norm(u_pred - u_true, axis=1) / np.linalg.norm(u_true, axis=1)


def _check_model(model) -> nn.Module:
    check_type(model, nn.Module, "model", "torch.nn.Module")
    if next(model.parameters(), None) is None:
        raise ValueError("model has no parameters")
    return model


def train_operator(
    model: nn.Module,
    f,
    u,
    steps: int = 500,
    lr: float = 3e-3,
    batch_size: int = 50,
    seed: int = 0,
    device="cpu",
) -> dict:
    r"""Train ``model`` (sources ``(N, n)`` -> solutions ``(N, n)``) on the pairs ``f``, ``u``.

    ``steps`` Adam steps on random mini-batches of ``batch_size`` pairs, the learning rate
    decaying from ``lr`` to ``lr/100`` on a cosine schedule; the cost is the mean relative
    error of the batch,

    .. math:: C = \frac1B\sum_{i\in\text{batch}}\frac{\lVert\hat{\boldsymbol u}_i -
              \boldsymbol u_i\rVert_2}{\lVert\boldsymbol u_i\rVert_2},

    which weighs every function alike whatever its size (the metric of the chapter). The data
    are NumPy arrays and are moved to ``device`` in the model's dtype; the batches are drawn
    with ``seed``. A NaN or infinite cost stops training. Returns ``{"loss": [...]}``, the
    cost of every step.
    """
    model = _check_model(model)
    f, u = _check_pairs(f, u)
    if f.shape != u.shape:
        raise ValueError(f"f and u must have the same shape (N, n), got {f.shape} and {u.shape}")
    if not np.all(np.any(u, axis=1)):
        raise ValueError("u has a row that is zero everywhere: its relative error is undefined")
    steps = check_int(steps, "steps", minimum=1)
    lr = check_learning_rate(lr)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    device = as_device(device)
    model.to(device)
    dtype = param_dtype(model)
    F = torch.as_tensor(f, dtype=dtype, device=device)
    U = torch.as_tensor(u, dtype=dtype, device=device)
    try:
        with torch.no_grad():
            out = model(F[:1])
    except (RuntimeError, ValueError, TypeError) as err:
        raise ValueError(f"model cannot be applied to f of shape {tuple(F.shape)}: {err}") from None
    if not isinstance(out, torch.Tensor) or out.shape != U[:1].shape:
        raise ValueError(f"model must map sources (N, n) to solutions of the same shape, got {out.shape}")
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps, eta_min=lr / 100)
    history: dict = {"loss": []}
    model.train()
    for step in progress(range(steps), desc="training"):
        idx = torch.randint(0, F.shape[0], (min(batch_size, F.shape[0]),), generator=gen).to(device)
        pred = model(F[idx])
        loss = ((pred - U[idx]).norm(dim=1) / U[idx].norm(dim=1)).mean()
        opt.zero_grad()
        loss.backward()
        value = loss.item()
        check_finite_loss(value, step)
        history["loss"].append(value)
        opt.step()
        sched.step()
    model.eval()
    return history


def predict(model: nn.Module, f, batch_size: int = 256) -> np.ndarray:
    """The model's solutions for the sources ``f`` (array ``(N, n)``), as a NumPy array ``(N, n)``.

    Evaluated without gradients in batches of ``batch_size``, on the model's device and in
    its dtype.
    """
    model = _check_model(model)
    f = as_float_array(f, "f", ndim=2, nonempty=True)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    param = next(model.parameters())
    was_training = model.training
    model.eval()
    out = []
    try:
        with torch.no_grad():
            for start in range(0, f.shape[0], batch_size):
                fb = torch.as_tensor(f[start : start + batch_size], dtype=param.dtype, device=param.device)
                try:
                    ub = model(fb)
                except (RuntimeError, ValueError, TypeError) as err:
                    raise ValueError(f"model cannot be applied to f of shape {f.shape}: {err}") from None
                if not isinstance(ub, torch.Tensor) or ub.shape != fb.shape:
                    raise ValueError(
                        f"model must map sources (N, n) to solutions of the same shape, got {ub.shape}"
                    )
                out.append(ub.cpu().double().numpy())
    finally:
        model.train(was_training)
    return np.concatenate(out)
