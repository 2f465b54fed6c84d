r"""Trial wave functions for variational Monte Carlo (chapter "Variational Monte Carlo").

A trial wave function here is real and positive and is given by its logarithm,
:math:`\log\psi_T(\boldsymbol{R};\boldsymbol{\alpha})`. Every sampler, local energy and
gradient in :mod:`physml.vmc` needs only four functions of it, each evaluated for many
walkers at once on positions ``x`` of shape ``(walkers, particles, dims)``:

* ``log_psi(x)``, shape ``(walkers,)``;
* ``grad_log_psi(x)``, :math:`\nabla\log\psi_T` with respect to every coordinate, shape
  ``(walkers, particles, dims)``;
* ``laplacian_log_psi(x)``, :math:`\sum_i\nabla_i^2\log\psi_T` summed over all particles,
  shape ``(walkers,)``;
* ``param_grad_log_psi(x)``, :math:`\bar\Psi_k/\Psi = \partial\log\psi_T/\partial\alpha_k`,
  shape ``(walkers, n_params)``.

The variational parameters are a flat float array ``params`` with names
``param_names``; :meth:`WaveFunction.with_params` returns a copy with new parameters.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_float_array, check_int, check_scalar, check_string


def check_positions(x, n_particles: int, dims: int, name: str = "x") -> np.ndarray:
    """``x`` as a float array of shape ``(walkers, n_particles, dims)`` with at least one walker."""
    check_string(name, "name")
    n_particles = check_int(n_particles, "n_particles", minimum=1)
    dims = check_int(dims, "dims", minimum=1)
    if np.iscomplexobj(x):
        raise TypeError(f"{name} must be real, got a complex array")
    arr = as_float_array(x, name, ndim=3)
    if arr.shape[1:] != (n_particles, dims):
        raise ValueError(
            f"{name} must have shape (walkers, {n_particles}, {dims}) = (walkers, particles, dims), "
            f"got {arr.shape}"
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one walker, got shape {arr.shape}")
    return arr


def _check_params(params, n: int, names: tuple[str, ...]) -> np.ndarray:
    if isinstance(params, (str, bytes)) or params is None:
        raise TypeError(f"params must be array-like of numbers, got {type(params).__name__}")
    if np.iscomplexobj(params):
        raise TypeError("params must be real, got a complex array")
    try:
        arr = (
            np.array(params, dtype=float).reshape(-1) if np.ndim(params) else np.array([params], dtype=float)
        )
    except (TypeError, ValueError) as err:
        raise TypeError(f"params must be array-like of numbers: {err}") from None
    if arr.size != n:
        raise ValueError(f"params must have {n} entries {names}, got {arr.size}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"params must be finite, got {dict(zip(names, arr.tolist(), strict=True))}")
    return arr


class WaveFunction:
    """Base class: a real, positive trial wave function of ``n_particles`` in ``dims`` dimensions.

    Subclasses implement ``_log_psi``, ``_grad_lap`` (gradient and Laplacian together,
    since they share most of the work) and ``_param_grad`` on validated input; the
    public methods validate ``x`` first. The samplers call the underscored methods in
    their hot loop.
    """

    param_names: tuple[str, ...] = ()

    def __init__(self, params, n_particles: int, dims: int):
        self.n_particles = check_int(n_particles, "n_particles", minimum=1)
        self.dims = check_int(dims, "dims", minimum=1, maximum=3)
        self.params = _check_params(params, len(self.param_names), self.param_names)
        self.params.setflags(write=False)

    # --- parameters ---
    def with_params(self, params) -> WaveFunction:
        """A copy of this wave function with new variational parameters."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.params = _check_params(params, len(self.param_names), self.param_names)
        new._check_domain(new.params)
        new.params.setflags(write=False)
        return new

    def _check_domain(self, params: np.ndarray) -> None:
        """Raise ValueError if the parameters leave the region where psi is normalisable."""
        if "alpha" in self.param_names and params[self.param_names.index("alpha")] <= 0:
            raise ValueError(
                f"params: alpha must be > 0 (otherwise |psi|^2 cannot be normalised), got {params.tolist()}"
            )
        if "beta" in self.param_names and params[self.param_names.index("beta")] < 0:
            raise ValueError(
                f"params: beta must be >= 0 (the Pade-Jastrow factor has a pole otherwise), "
                f"got {params.tolist()}"
            )

    @property
    def n_params(self) -> int:
        return len(self.param_names)

    def __repr__(self) -> str:
        values = ", ".join(f"{k}={v:.6g}" for k, v in zip(self.param_names, self.params, strict=True))
        return f"{type(self).__name__}({values}, n_particles={self.n_particles}, dims={self.dims})"

    # --- public, validated ---
    def check(self, x) -> np.ndarray:
        return check_positions(x, self.n_particles, self.dims)

    def log_psi(self, x) -> np.ndarray:
        r"""Logarithm of the trial wave function, :math:`\log\psi_T(\boldsymbol R)`, per walker."""
        return self._log_psi(self.check(x))

    def grad_log_psi(self, x) -> np.ndarray:
        r""":math:`\nabla\log\psi_T` for every coordinate, shape ``(walkers, particles, dims)``."""
        return self._grad_lap(self.check(x))[0]

    def laplacian_log_psi(self, x) -> np.ndarray:
        r""":math:`\sum_i \nabla_i^2 \log\psi_T`, summed over all particles, per walker."""
        return self._grad_lap(self.check(x))[1]

    def param_grad_log_psi(self, x) -> np.ndarray:
        r""":math:`\partial\log\psi_T/\partial\alpha_k`, shape ``(walkers, n_params)``."""
        return self._param_grad(self.check(x))

    # --- implemented by subclasses ---
    def _log_psi(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _log_psi_into(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``log_psi`` written into ``out`` (the sampler's hot loop; subclasses may avoid temporaries)."""
        out[...] = self._log_psi(x)
        return out

    def _grad_lap(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _param_grad(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _derivatives(self, x: np.ndarray, params: bool = True):
        """Gradient, Laplacian and (if ``params``) parameter derivatives of log psi in one call.

        The driver measures all three at every step; subclasses whose three share work
        (the RBM: the hidden-unit activations) override this.
        """
        grad, lap = self._grad_lap(x)
        return grad, lap, (self._param_grad(x) if params else None)


def _sum_squares(x: np.ndarray) -> np.ndarray:
    r""":math:`\sum_i r_i^2` per walker for ``x`` of shape (walkers, particles, dims)."""
    flat = x.reshape(x.shape[0], -1)
    return np.einsum("wk,wk->w", flat, flat)


class Gaussian(WaveFunction):
    r"""The Gaussian trial function :math:`\psi_T = \exp(-\alpha\sum_i r_i^2)`.

    For :math:`N` particles in :math:`d` dimensions,

    .. math::

        \log\psi_T = -\alpha\sum_i r_i^2,\qquad
        \nabla_i\log\psi_T = -2\alpha\,\boldsymbol r_i,\qquad
        \sum_i\nabla_i^2\log\psi_T = -2\alpha N d,\qquad
        \frac{\partial\log\psi_T}{\partial\alpha} = -\sum_i r_i^2 .

    In the trap :math:`V=\tfrac12\omega^2\sum_i r_i^2` it is exact at :math:`\alpha=\omega/2`.
    """

    param_names = ("alpha",)

    def __init__(self, alpha: float, n_particles: int = 1, dims: int = 1):
        check_scalar(alpha, "alpha", minimum=0.0, include_min=False)
        super().__init__([alpha], n_particles, dims)

    @property
    def alpha(self) -> float:
        return float(self.params[0])

    def _log_psi(self, x):
        return -self.params[0] * _sum_squares(x)

    def _grad_lap(self, x):
        alpha = self.params[0]
        grad = -2.0 * alpha * x
        lap = np.full(x.shape[0], -2.0 * alpha * self.n_particles * self.dims)
        return grad, lap

    def _param_grad(self, x):
        return -_sum_squares(x)[:, None]


class PairJastrow(WaveFunction):
    r"""A Gaussian times a Jastrow factor of pair functions,

    .. math::

        \psi_T = \exp\Big(-\alpha\sum_i r_i^2 + \sum_{i<j} u(r_{ij})\Big),
        \qquad r_{ij} = |\boldsymbol r_i - \boldsymbol r_j| .

    With :math:`\boldsymbol r_{ij} = \boldsymbol r_i-\boldsymbol r_j` the derivatives are

    .. math::

        \nabla_i\log\psi_T = -2\alpha\boldsymbol r_i + \sum_{j\ne i} u'(r_{ij})\,
        \frac{\boldsymbol r_{ij}}{r_{ij}},\qquad
        \sum_i\nabla_i^2\log\psi_T = -2\alpha N d + 2\sum_{i<j}
        \Big(u''(r_{ij}) + \frac{d-1}{r_{ij}}\,u'(r_{ij})\Big) .

    Subclasses give :math:`u, u', u''` (``_pair``) and the derivatives of :math:`u` with
    respect to their own parameters (``_pair_params``); ``alpha`` is ``params[0]``.
    """

    param_names = ("alpha",)

    def __init__(self, params, n_particles: int, dims: int):
        super().__init__(params, n_particles, dims)
        if self.n_particles < 2:
            raise ValueError(f"n_particles must be >= 2 for a Jastrow factor, got {self.n_particles}")
        i, j = np.triu_indices(self.n_particles, k=1)
        self._i, self._j = i, j
        # incidence matrix: +1 for the first particle of a pair, -1 for the second
        inc = np.zeros((self.n_particles, len(i)))
        inc[i, np.arange(len(i))] = 1.0
        inc[j, np.arange(len(i))] = -1.0
        self._incidence = inc

    @property
    def alpha(self) -> float:
        return float(self.params[0])

    def _pair_vectors(self, x):
        if self.n_particles == 2:
            diff = (x[:, 0] - x[:, 1])[:, None, :]
        else:
            diff = x[:, self._i] - x[:, self._j]
        r = np.sqrt(np.einsum("wkd,wkd->wk", diff, diff))
        return diff, r

    def _pair(self, r):
        raise NotImplementedError

    def _pair_value(self, r):
        return self._pair(r)[0]

    def _pair_params(self, r):
        """Derivatives of u(r) with respect to params[1:], shape r.shape + (n_params - 1,)."""
        return np.zeros(r.shape + (0,))

    def _log_psi(self, x):
        _, r = self._pair_vectors(x)
        return -self.params[0] * _sum_squares(x) + self._pair_value(r).sum(axis=1)

    def _grad_lap(self, x):
        alpha = self.params[0]
        diff, r = self._pair_vectors(x)
        _, du, d2u = self._pair(r)
        pair_grad = (du / r)[:, :, None] * diff  # gradient of u(r_ij) with respect to r_i
        if self.n_particles == 2:
            grad = -2.0 * alpha * x
            grad[:, 0] += pair_grad[:, 0]
            grad[:, 1] -= pair_grad[:, 0]
        else:
            grad = -2.0 * alpha * x + np.einsum("pk,wkd->wpd", self._incidence, pair_grad)
        lap = -2.0 * alpha * self.n_particles * self.dims + 2.0 * (d2u + (self.dims - 1) * du / r).sum(axis=1)
        return grad, lap

    def _param_grad(self, x):
        _, r = self._pair_vectors(x)
        own = self._pair_params(r).sum(axis=1)
        return np.concatenate([-_sum_squares(x)[:, None], own], axis=1)

    def jastrow_terms(self, x: np.ndarray):
        r"""The Jastrow factor alone: :math:`J = \sum_{i<j}u(r_{ij})`, :math:`\nabla J`, :math:`\nabla^2 J`
        and the derivatives of :math:`J` with respect to ``params[1:]``.

        Used by trial functions that multiply another factor by this Jastrow factor (the RBM
        of the chapter "Neural-network quantum states")."""
        return self._jastrow_terms(self.check(x))

    def _jastrow_terms(self, x: np.ndarray):
        """:meth:`jastrow_terms` without checks (the RBM trial function calls it at every step)."""
        diff, r = self._pair_vectors(x)
        u, du, d2u = self._pair(r)
        pair_grad = (du / r)[:, :, None] * diff
        grad = np.einsum("pk,wkd->wpd", self._incidence, pair_grad)
        lap = 2.0 * (d2u + (self.dims - 1) * du / r).sum(axis=1)
        return u.sum(axis=1), grad, lap, self._pair_params(r).sum(axis=1)


class PadeJastrow(PairJastrow):
    r"""Gaussian × Padé–Jastrow trial function,

    .. math::

        \psi_T = \exp\Big(-\alpha\sum_i r_i^2\Big)\prod_{i<j}\exp\Big(\frac{a\,r_{ij}}{1+\beta r_{ij}}\Big),

    with :math:`u(r) = ar/(1+\beta r)`, :math:`u' = a/(1+\beta r)^2`,
    :math:`u'' = -2a\beta/(1+\beta r)^3` and :math:`\partial u/\partial\beta = -ar^2/(1+\beta r)^2`.
    The cusp condition fixes :math:`a = u'(0)`: :math:`a = 1/(d-1)` for two electrons of
    antiparallel spin, i.e. :math:`a=1` in two dimensions (the default, ``a=None``).
    The variational parameters are :math:`(\alpha, \beta)`.
    """

    param_names = ("alpha", "beta")

    def __init__(
        self, alpha: float, beta: float, n_particles: int = 2, dims: int = 2, a: float | None = None
    ):
        check_scalar(alpha, "alpha", minimum=0.0, include_min=False)
        check_scalar(beta, "beta", minimum=0.0)
        dims_checked = check_int(dims, "dims", minimum=1, maximum=3)
        if a is None:
            if dims_checked == 1:
                raise ValueError(
                    "a must be given in one dimension (the cusp condition a = 1/(d-1) has no 1D form)"
                )
            a = 1.0 / (dims_checked - 1)
        self.a = float(check_scalar(a, "a"))
        super().__init__([alpha, beta], n_particles, dims)

    @property
    def beta(self) -> float:
        return float(self.params[1])

    def _pair(self, r):
        a, beta = self.a, self.params[1]
        q = 1.0 / (1.0 + beta * r)
        return a * r * q, a * q * q, -2.0 * a * beta * q * q * q

    def _pair_value(self, r):
        return self.a * r / (1.0 + self.params[1] * r)

    def _pair_params(self, r):
        q = 1.0 / (1.0 + self.params[1] * r)
        return (-self.a * r * r * q * q)[:, :, None]

    def _log_psi(self, x):
        if self.n_particles == 2 and self.dims == 2:  # the quantum dot: fewer temporaries in the hot loop
            x0, y0, x1, y1 = x[:, 0, 0], x[:, 0, 1], x[:, 1, 0], x[:, 1, 1]
            dx, dy = x0 - x1, y0 - y1
            r12 = np.sqrt(dx * dx + dy * dy)
            r2 = x0 * x0 + y0 * y0 + x1 * x1 + y1 * y1
            return self.a * r12 / (1.0 + self.params[1] * r12) - self.params[0] * r2
        return super()._log_psi(x)

    def _log_psi_into(self, x, out):
        """The two-electron 2D case with preallocated scratch arrays and no temporaries."""
        if not (self.n_particles == 2 and self.dims == 2 and x.flags.c_contiguous):
            return super()._log_psi_into(x, out)
        n = x.shape[0]
        scratch = self.__dict__.get("_scratch")
        if scratch is None or scratch.shape[1] != n:
            scratch = np.empty((2, n))
            self.__dict__["_scratch"] = scratch  # shared by copies from with_params: it is scratch only
        r, s = scratch
        f = x.reshape(n, 4)  # columns x0, y0, x1, y1
        np.subtract(f[:, 0], f[:, 2], out=r)
        np.multiply(r, r, out=r)
        np.subtract(f[:, 1], f[:, 3], out=s)
        np.multiply(s, s, out=s)
        np.add(r, s, out=r)
        np.sqrt(r, out=r)  # r12
        np.multiply(r, self.params[1], out=s)
        s += 1.0
        np.divide(r, s, out=r)
        r *= self.a  # a r12 / (1 + beta r12)
        np.einsum("wk,wk->w", f, f, out=s)  # r1^2 + r2^2
        s *= self.params[0]
        np.subtract(r, s, out=out)
        return out


class CuspGaussian(PairJastrow):
    r"""The trial function :math:`\psi_T = \prod_{i<j}(1 + r_{ij})\exp(-\alpha\sum_i r_i^2)`.

    Here :math:`u(r) = \log(1+r)`, :math:`u' = 1/(1+r)`, :math:`u'' = -1/(1+r)^2`. For two
    electrons in a two-dimensional trap with :math:`\omega = 1` and :math:`\alpha = 1/2` it
    is the exact ground state (Taut), with :math:`E = 3` and a constant local energy.
    """

    param_names = ("alpha",)

    def __init__(self, alpha: float = 0.5, n_particles: int = 2, dims: int = 2):
        check_scalar(alpha, "alpha", minimum=0.0, include_min=False)
        super().__init__([alpha], n_particles, dims)

    def _pair(self, r):
        q = 1.0 / (1.0 + r)
        return np.log1p(r), q, -q * q


class PolynomialCusp(PairJastrow):
    r"""The trial function :math:`\psi_T = \prod_{i<j}P(r_{ij})\exp(-\alpha\sum_i r_i^2)` with a polynomial
    :math:`P(r) = \sum_k c_k r^k`, :math:`c_0 = 1`.

    Here :math:`u = \log P`, :math:`u' = P'/P` and :math:`u'' = P''/P - (P'/P)^2`. With the
    coefficients and frequency of :func:`physml.vmc.exact.taut_solution` and
    :math:`\alpha = \omega/2` it is an exact ground state of the two-electron dot, e.g.
    :math:`(1 + r + r^2/6)\,e^{-(r_1^2+r_2^2)/12}` at :math:`\omega = 1/6` with
    :math:`E = 2/3` (chapter "Variational Monte Carlo"). :class:`CuspGaussian` is the case
    :math:`P = 1 + r`.
    """

    param_names = ("alpha",)

    def __init__(self, alpha: float, coefficients, n_particles: int = 2, dims: int = 2):
        check_scalar(alpha, "alpha", minimum=0.0, include_min=False)
        coeffs = as_float_array(coefficients, "coefficients", ndim=1)
        if coeffs.size < 2:
            raise ValueError(f"coefficients must hold at least c_0 and c_1, got {coeffs.size}")
        if coeffs[0] != 1.0 or np.any(coeffs < 0):
            raise ValueError(f"coefficients must start with c_0 = 1 and be >= 0, got {coeffs.tolist()}")
        self.coefficients = coeffs
        self._p = np.polynomial.Polynomial(coeffs)
        self._dp = self._p.deriv()
        self._d2p = self._dp.deriv()
        super().__init__([alpha], n_particles, dims)

    def __repr__(self) -> str:
        return f"PolynomialCusp(alpha={self.alpha!r}, coefficients={self.coefficients.tolist()!r})"

    def _pair(self, r):
        p = self._p(r)
        q = self._dp(r) / p
        return np.log(p), q, self._d2p(r) / p - q * q
