r"""Slater determinants for closed-shell quantum dots (chapter "Variational Monte Carlo").

:math:`N` electrons in a two-dimensional isotropic trap, :math:`N/2` of spin up and
:math:`N/2` of spin down. The Hamiltonian does not depend on spin, so the antisymmetric
trial function can be taken as one Slater determinant per spin times a symmetric Jastrow
factor,

.. math::

    \psi_T(\boldsymbol R) = \det D_\uparrow\,\det D_\downarrow\,
    \exp\Big(\sum_{i<j}\frac{a_{ij}r_{ij}}{1+\beta r_{ij}}\Big),\qquad
    (D_\sigma)_{kj} = \varphi_j(\boldsymbol r_{k}),

with electrons :math:`0,\dots,N/2-1` of spin up, the rest of spin down, and the cusp
:math:`a_{ij} = 1` for antiparallel and :math:`1/3` for parallel spins (in 2D). The orbitals
are the Hermite functions of the oscillator, with the variational width :math:`\alpha`,

.. math::

    \varphi_{n_x n_y}(\boldsymbol r) = H_{n_x}(\sqrt{\alpha\omega}\,x)\,H_{n_y}(\sqrt{\alpha\omega}\,y)\,
    e^{-\alpha\omega r^2/2},

which fill the shells :math:`n_x + n_y = 0, 1, 2, \dots` of :math:`1, 2, 3, \dots` orbitals:
closed shells at :math:`N = 2, 6, 12, 20, \dots`.

The ratio of determinants after one electron moves costs :math:`O(N)` with the inverse of
:math:`D`, and the inverse itself is updated in :math:`O(N^2)` (Sherman–Morrison), instead
of :math:`O(N^3)` for a new determinant: :class:`SingleParticleMetropolis` moves the electrons
one at a time this way. :func:`hartree_fock_closed_shell` gives the restricted Hartree–Fock
energy of the same dots in the oscillator basis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.special import eval_genlaguerre, gammaln

from .._validate import (
    ConvergenceError,
    as_float_array,
    as_rng,
    check_bool,
    check_int,
    check_scalar,
    check_type,
)
from .samplers import Sampler, Walkers
from .wavefunctions import WaveFunction, check_positions

DIMS = 2


def closed_shell_orbitals(n_particles: int) -> list[tuple[int, int]]:
    r"""The quantum numbers :math:`(n_x, n_y)` of the :math:`N/2` orbitals of a closed-shell 2D dot.

    Shell :math:`s` holds the :math:`s + 1` orbitals with :math:`n_x + n_y = s` (energy
    :math:`\omega(s+1)`), so the closed shells hold :math:`N = (S+1)(S+2)` electrons,
    :math:`S = 0, 1, 2, \dots`: 2, 6, 12, 20, ... Any other :math:`N` raises ``ValueError``.
    """
    n_particles = check_int(n_particles, "n_particles", minimum=1)
    shells = n_shells(n_particles)
    return [(s - ny, ny) for s in range(shells) for ny in range(s + 1)]


def n_shells(n_particles: int) -> int:
    """The number of filled shells of a closed-shell dot of ``n_particles`` electrons (2: 1, 6: 2, ...)."""
    n_particles = check_int(n_particles, "n_particles", minimum=1)
    if n_particles % 2:
        raise ValueError(
            f"n_particles must be even (N/2 electrons of each spin in a closed shell), got {n_particles}"
        )
    half = n_particles // 2
    shells = int(round((math.sqrt(8 * half + 1) - 1) / 2))
    if shells * (shells + 1) // 2 != half:
        closed = [(s + 1) * (s + 2) for s in range(6)]
        raise ValueError(
            f"n_particles must fill closed shells of the 2D oscillator ({', '.join(map(str, closed))}, ...), "
            f"got {n_particles}"
        )
    return shells


def noninteracting_dot_energy(n_particles: int, omega: float) -> float:
    r""":math:`E^{(0)} = 2\omega\sum_{s<S}(s+1)^2`, the non-interacting energy of a closed-shell dot.

    The :math:`s+1` orbitals of shell :math:`s` hold two electrons each.

    For :math:`N = 2, 6, 12, 20`: :math:`2\omega, 10\omega, 28\omega, 60\omega`."""
    shells = n_shells(n_particles)
    omega = float(check_scalar(omega, "omega", minimum=0.0, include_min=False))
    return 2.0 * omega * sum((s + 1) ** 2 for s in range(shells))


def _hermite(xi: np.ndarray, n_max: int) -> np.ndarray:
    """Physicists' Hermite polynomials H_0..H_{n_max} at ``xi``, stacked on a new last axis."""
    h = np.empty(xi.shape + (n_max + 1,))
    h[..., 0] = 1.0
    if n_max >= 1:
        h[..., 1] = 2.0 * xi
    for n in range(1, n_max):
        h[..., n + 1] = 2.0 * xi * h[..., n] - 2.0 * n * h[..., n - 1]
    return h


class SlaterJastrow(WaveFunction):
    r"""Slater determinant per spin of oscillator orbitals times a Padé–Jastrow factor.

    ``log_psi`` is :math:`\log|\psi_T|` (the determinants change sign; :meth:`sign_psi` gives
    the sign). With :math:`s = \sqrt{\alpha\omega}` the orbitals obey
    :math:`\nabla^2\varphi_{n_xn_y} = s^2\big(s^2r^2 - 2 - 2(n_x+n_y)\big)\varphi_{n_xn_y}` and
    :math:`\partial\varphi/\partial\alpha = \boldsymbol r\cdot\nabla\varphi/(2\alpha)`. For a
    determinant, with :math:`D^{-1}` its inverse and :math:`k` the row of electron :math:`i`,

    .. math::

        \nabla_i\log|\det D| = \sum_j\nabla\varphi_j(\boldsymbol r_i)\,(D^{-1})_{jk},\qquad
        \frac{\nabla_i^2\det D}{\det D} = \sum_j\nabla^2\varphi_j(\boldsymbol r_i)\,(D^{-1})_{jk},

    and :math:`\nabla_i^2\log|\det D| = \nabla_i^2\det D/\det D - |\nabla_i\log|\det D||^2`.
    The parameters are ``(alpha, beta)``, or ``(alpha,)`` with ``jastrow=False`` (the bare
    determinants: at :math:`\alpha = 1` the exact ground state without interaction, energy
    :func:`noninteracting_dot_energy`). With ``n_hidden`` > 0 the pair function gains a small
    network of :math:`r_{ij}^2`, :math:`\sum_h c_h\tanh(w_hr_{ij}^2 + b_h)` (see :meth:`_pair_u`),
    with the parameters ``c``, ``w``, ``b`` after ``beta`` (``c = 0`` at the start, ``w``, ``b``
    drawn from ``seed``).
    """

    param_names = ("alpha", "beta")

    def __init__(
        self,
        n_particles: int,
        omega: float = 1.0,
        alpha: float = 1.0,
        beta: float = 0.5,
        jastrow: bool = True,
        n_hidden: int = 0,
        seed=0,
    ):
        shells = n_shells(n_particles)
        self.omega = float(check_scalar(omega, "omega", minimum=0.0, include_min=False))
        check_scalar(alpha, "alpha", minimum=0.0, include_min=False)
        check_scalar(beta, "beta", minimum=0.0)
        self.jastrow = check_bool(jastrow, "jastrow")
        self.n_hidden = check_int(n_hidden, "n_hidden", minimum=0, maximum=64)
        if self.n_hidden and not self.jastrow:
            raise ValueError("n_hidden must be 0 without a Jastrow factor (jastrow=False)")
        if not self.jastrow:
            self.param_names = ("alpha",)
        elif self.n_hidden:
            h = range(self.n_hidden)
            self.param_names = (
                "alpha",
                "beta",
                *(f"c{k}" for k in h),
                *(f"w{k}" for k in h),
                *(f"b{k}" for k in h),
            )
        self.quantum_numbers = np.array(closed_shell_orbitals(n_particles))
        self.n_shells = shells
        self.n_up = n_particles // 2
        params = [alpha, beta] if self.jastrow else [alpha]
        if self.n_hidden:  # output weights 0 (the Pade-Jastrow function), random inner weights
            rng = as_rng(seed)
            params += [0.0] * self.n_hidden
            params += list(-rng.uniform(0.2, 1.0, self.n_hidden)) + list(
                rng.uniform(-1.0, 1.0, self.n_hidden)
            )
        super().__init__(params, n_particles, DIMS)
        i, j = np.triu_indices(n_particles, k=1)
        self._i, self._j = i, j
        same = (i < self.n_up) == (j < self.n_up)
        self.cusp = np.where(same, 1.0 / (DIMS + 1), 1.0 / (DIMS - 1))  # a = 1/3 parallel, 1 antiparallel
        inc = np.zeros((n_particles, len(i)))
        inc[i, np.arange(len(i))] = 1.0
        inc[j, np.arange(len(i))] = -1.0
        self._incidence = inc

    def __repr__(self) -> str:
        values = ", ".join(f"{k}={v:.6g}" for k, v in zip(self.param_names, self.params, strict=True))
        return f"SlaterJastrow(n_particles={self.n_particles}, omega={self.omega:g}, {values})"

    @property
    def alpha(self) -> float:
        return float(self.params[0])

    @property
    def beta(self) -> float:
        return float(self.params[1]) if self.jastrow else 0.0

    # ------------------------------------------------------------------ orbitals
    def _orbital_values(self, r: np.ndarray) -> np.ndarray:
        """phi_j at positions ``r`` of shape (..., 2): shape (..., N/2)."""
        s = math.sqrt(self.params[0] * self.omega)
        xi = s * r
        h = _hermite(xi, self.n_shells - 1)  # (..., 2, n)
        nx, ny = self.quantum_numbers.T
        g = np.exp(-0.5 * (xi[..., 0] ** 2 + xi[..., 1] ** 2))
        return np.take(h[..., 0, :], nx, axis=-1) * np.take(h[..., 1, :], ny, axis=-1) * g[..., None]

    def _orbitals(self, r: np.ndarray):
        r"""phi_j, grad phi_j, lap phi_j and r . grad phi_j at ``r`` (..., 2).

        Shapes (..., n), (..., n, 2), (..., n), (..., n)."""
        s = math.sqrt(self.params[0] * self.omega)
        xi = s * r
        n_max = self.n_shells - 1
        h = _hermite(xi, n_max)
        dh = np.zeros_like(h)  # H_n' = 2 n H_{n-1}
        dh[..., 1:] = 2.0 * np.arange(1, n_max + 1) * h[..., :-1]
        nx, ny = self.quantum_numbers.T
        xi2 = xi[..., 0] ** 2 + xi[..., 1] ** 2
        g = np.exp(-0.5 * xi2)[..., None]
        hx, hy = np.take(h[..., 0, :], nx, axis=-1), np.take(h[..., 1, :], ny, axis=-1)
        phi = hx * hy * g
        # d/dx [H_n(s x) e^{-s^2 x^2/2}] = s (H_n'(xi) - xi H_n(xi)) e^{...}
        grad = np.empty(phi.shape + (DIMS,))
        gx, gy = grad[..., 0], grad[..., 1]
        np.multiply(s * (np.take(dh[..., 0, :], nx, axis=-1) - xi[..., 0, None] * hx), hy * g, out=gx)
        np.multiply(s * (np.take(dh[..., 1, :], ny, axis=-1) - xi[..., 1, None] * hy), hx * g, out=gy)
        lap = s * s * (xi2[..., None] - 2.0 - 2.0 * (nx + ny)) * phi
        r_dot_grad = r[..., None, 0] * gx + r[..., None, 1] * gy
        return phi, grad, lap, r_dot_grad

    def slater_matrices(self, x) -> np.ndarray:
        r"""The Slater matrices :math:`(D_\sigma)_{kj} = \varphi_j(\boldsymbol r_k)`.

        Shape (walkers, 2, N/2, N/2): spin up, spin down."""
        x = self.check(x)
        return self._orbital_values(x).reshape(x.shape[0], 2, self.n_up, self.n_up)

    def sign_psi(self, x) -> np.ndarray:
        r"""The sign of :math:`\psi_T` (:math:`\pm1`) per walker: the product of the determinants' signs."""
        sign, _ = np.linalg.slogdet(self.slater_matrices(x))
        return sign.prod(axis=1)

    # ------------------------------------------------------------------ Jastrow
    def _cusp_row(self, i: int) -> np.ndarray:
        """The cusp constants a_ij of electron i with every other electron j != i (in the order of j)."""
        others = np.arange(self.n_particles) != i
        same = (np.arange(self.n_particles)[others] < self.n_up) == (i < self.n_up)
        return np.where(same, 1.0 / (DIMS + 1), 1.0 / (DIMS - 1))

    def _pairs(self, x: np.ndarray):
        diff = np.take(x, self._i, axis=1) - np.take(x, self._j, axis=1)  # np.take: faster than x[:, i]
        r = np.sqrt(np.einsum("wkd,wkd->wk", diff, diff))
        return diff, r

    def _pair_u(self, r: np.ndarray, a: np.ndarray) -> np.ndarray:
        r"""The pair function :math:`u(r) = ar/(1+\beta r) + g(r)` at distances ``r`` with cusps ``a``.

        With ``n_hidden`` > 0, :math:`g(r) = \sum_h c_h\tanh(w_hr^2 + b_h)`, a one-layer network of
        :math:`r^2`: its slope vanishes at :math:`r = 0`, so the cusp :math:`u'(0) = a` is kept."""
        u = a * r / (1.0 + self.params[1] * r)
        if self.n_hidden:
            c, w, b = self.params[2:].reshape(3, self.n_hidden)
            u = u + np.tanh((r * r)[..., None] * w + b) @ c
        return u

    def _jastrow_value(self, x: np.ndarray) -> np.ndarray:
        if not self.jastrow:
            return np.zeros(x.shape[0])
        _, r = self._pairs(x)
        return self._pair_u(r, self.cusp).sum(axis=1)

    def _jastrow_terms(self, x: np.ndarray):
        """J, grad J (walkers, N, 2), lap J summed over particles, dJ/d(beta, c, w, b) (walkers, P)."""
        n = x.shape[0]
        if not self.jastrow:
            return np.zeros(n), np.zeros(x.shape), np.zeros(n), np.zeros((n, 0))
        diff, r = self._pairs(x)
        q = 1.0 / (1.0 + self.params[1] * r)
        a = self.cusp
        u = a * r * q
        du = a * q * q
        d2u = -2.0 * a * self.params[1] * q * q * q
        dparams = [(-a * r * r * q * q).sum(axis=1)[:, None]]
        if self.n_hidden:
            c, w, b = self.params[2:].reshape(3, self.n_hidden)
            r2 = (r * r)[..., None]
            t = np.tanh(r2 * w + b)  # (walkers, pairs, hidden)
            dt = 1.0 - t * t
            u = u + t @ c
            du = du + (dt * w * 2.0 * r[..., None]) @ c
            d2u = d2u + (dt * 2.0 * w - 2.0 * t * dt * (2.0 * w) ** 2 * r2) @ c
            dparams += [t.sum(axis=1), (c * dt * r2).sum(axis=1), (c * dt).sum(axis=1)]
        grad = np.einsum("pk,wkd->wpd", self._incidence, (du / r)[:, :, None] * diff)
        lap = 2.0 * (d2u + (DIMS - 1) * du / r).sum(axis=1)
        return u.sum(axis=1), grad, lap, np.concatenate(dparams, axis=1)

    # ------------------------------------------------------------------ WaveFunction interface
    def _log_psi(self, x):
        d = self._orbital_values(x).reshape(x.shape[0], 2, self.n_up, self.n_up)
        _, logdet = np.linalg.slogdet(d)
        return logdet.sum(axis=1) + self._jastrow_value(x)

    def _derivatives(self, x, params: bool = True):
        w, n, m = x.shape[0], self.n_particles, self.n_up
        phi, grad_phi, lap_phi, rg_phi = self._orbitals(x)  # (w, n, m), (w, n, m, 2), ...
        inv = np.linalg.inv(phi.reshape(w, 2, m, m)).reshape(w, 2, m, m)
        # column k of D^{-1} belongs to the electron in row k: (D^{-1})_{jk} -> inv_t[w, s, k, j]
        inv_t = np.swapaxes(inv, -1, -2).reshape(w, n, m)
        grad_det = np.einsum("wnjd,wnj->wnd", grad_phi, inv_t)
        lap_det = np.einsum("wnj,wnj->w", lap_phi, inv_t) - np.einsum("wnd,wnd->w", grad_det, grad_det)
        _, grad_j, lap_j, dj_params = self._jastrow_terms(x)
        grad = grad_det + grad_j
        lap = lap_det + lap_j
        if not params:
            return grad, lap, None
        d_alpha = np.einsum("wnj,wnj->w", rg_phi, inv_t) / (2.0 * self.params[0])
        return grad, lap, np.concatenate([d_alpha[:, None], dj_params], axis=1)

    def _grad_lap(self, x):
        grad, lap, _ = self._derivatives(x, params=False)
        return grad, lap

    def _param_grad(self, x):
        return self._derivatives(x, params=True)[2]


# ---------------------------------------------------------------------------------------------
# one electron at a time: determinant ratios and Sherman-Morrison updates
# ---------------------------------------------------------------------------------------------


@dataclass
class SlaterWalkers(Walkers):
    """Walkers of a :class:`SlaterJastrow` with the inverse Slater matrices, shape (walkers, 2, N/2, N/2)."""

    inverse: np.ndarray | None = None
    moves: int = 0


def _check_inverse_row(inverse, row, new_row) -> tuple[np.ndarray, int, np.ndarray]:
    inverse = as_float_array(inverse, "inverse", ndim=3)
    if inverse.shape[0] == 0 or inverse.shape[1] != inverse.shape[2] or inverse.shape[1] == 0:
        raise ValueError(f"inverse must have shape (walkers, n, n) with walkers, n >= 1, got {inverse.shape}")
    row = check_int(row, "row", minimum=0, maximum=inverse.shape[1] - 1)
    new_row = as_float_array(new_row, "new_row", ndim=2)
    if new_row.shape != inverse.shape[:2]:
        raise ValueError(f"new_row must have shape (walkers, n) = {inverse.shape[:2]}, got {new_row.shape}")
    return inverse, row, new_row


def determinant_ratio(inverse, row: int, new_row) -> np.ndarray:
    r"""The ratio :math:`R = \det D'/\det D = \sum_j D'_{kj}(D^{-1})_{jk}` when row :math:`k` (``row``)
    of :math:`D` is replaced by ``new_row`` (the orbitals at the electron's new position).

    ``inverse`` (:math:`D^{-1}`) has shape (walkers, n, n) and ``new_row`` (walkers, n); cost
    :math:`O(n)` per walker. The sampler calls the unchecked :func:`_determinant_ratio`.
    """
    inverse, row, new_row = _check_inverse_row(inverse, row, new_row)
    return _determinant_ratio(inverse, row, new_row)


def _determinant_ratio(inverse: np.ndarray, row: int, new_row: np.ndarray) -> np.ndarray:
    """R = sum_j u_j (D^{-1})_{jk} for every walker: an O(n) dot product."""
    return np.einsum("wj,wj->w", new_row, inverse[:, :, row])


def sherman_morrison_update(inverse, row: int, new_row, ratio) -> np.ndarray:
    r"""The inverse of :math:`D` after its row :math:`k` (``row``) is replaced by ``new_row``.

    In :math:`O(n^2)` operations (Sherman–Morrison):

    .. math::

        (D'^{-1})_{ij} = (D^{-1})_{ij} - \frac{(D^{-1})_{ik}}{R}\sum_l D'_{kl}(D^{-1})_{lj}\quad (j\ne k),
        \qquad (D'^{-1})_{ik} = \frac{(D^{-1})_{ik}}{R} .

    ``ratio`` is :math:`R` from :func:`determinant_ratio` (shape (walkers,), nonzero); returns a
    new array. The sampler calls the unchecked :func:`_sherman_morrison_update`.
    """
    inverse, row, new_row = _check_inverse_row(inverse, row, new_row)
    ratio = as_float_array(ratio, "ratio", ndim=1)
    if ratio.shape != inverse.shape[:1]:
        raise ValueError(
            f"ratio must have one entry per walker ({inverse.shape[0]}), got shape {ratio.shape}"
        )
    if np.any(ratio == 0):
        raise ValueError("ratio must be nonzero (a zero ratio means the new matrix is singular)")
    return _sherman_morrison_update(inverse, row, new_row, ratio)


def _sherman_morrison_update(
    inverse: np.ndarray, row: int, new_row: np.ndarray, ratio: np.ndarray
) -> np.ndarray:
    """The rank-one update of the inverse for every walker: O(n^2)."""
    v = np.einsum("wl,wlj->wj", new_row, inverse)  # sum_l u_l Dinv_lj; v[:, k] = R
    col = inverse[:, :, row] / ratio[:, None]
    new = inverse - col[:, :, None] * v[:, None, :]
    new[:, :, row] = col
    return new


class SingleParticleMetropolis(Sampler):
    r"""Metropolis moves of one electron at a time for a :class:`SlaterJastrow` trial function.

    One step is a sweep: each electron :math:`i` in turn gets the proposal
    :math:`\boldsymbol r_i' = \boldsymbol r_i + \delta\boldsymbol\xi` (Gaussian :math:`\boldsymbol\xi`),
    accepted with probability :math:`\min(1, R^2 e^{2\Delta J})` with the determinant ratio
    :math:`R` of its spin (:func:`determinant_ratio`) and the change :math:`\Delta J` of the
    Jastrow exponent (:math:`O(N)` pairs). An accepted move updates that spin's inverse
    Slater matrix by :func:`sherman_morrison_update`; every ``refresh_every`` sweeps the
    inverses are recomputed from scratch against the drift of rounding errors.
    :meth:`step` returns the accepted moves divided by :math:`N` (in walker units, as the
    all-particle samplers count).
    """

    def __init__(self, step_size: float = 1.0, refresh_every: int = 100):
        self.step_size = float(check_scalar(step_size, "step_size", minimum=0.0, include_min=False))
        self.refresh_every = check_int(refresh_every, "refresh_every", minimum=1)

    def __repr__(self) -> str:
        return f"SingleParticleMetropolis(step_size={self.step_size:g})"

    def _check(self, wf):
        if not isinstance(wf, SlaterJastrow):
            raise TypeError(
                f"wf must be a physml.vmc.SlaterJastrow for single-electron moves, got {type(wf).__name__}"
            )
        return wf

    def _check_walkers(self, wf, walkers):
        walkers = super()._check_walkers(wf, walkers)
        m = wf.n_up
        if (
            not isinstance(walkers, SlaterWalkers)
            or walkers.inverse is None
            or walkers.inverse.shape != (walkers.x.shape[0], 2, m, m)
        ):
            raise ValueError(
                "walkers must cache the inverse Slater matrices: make them with this sampler's walkers_at"
            )
        return walkers

    def init_walkers(self, wf, n_walkers: int, seed, scale: float = 1.0) -> SlaterWalkers:
        """``n_walkers`` walkers at Gaussian random positions of width ``scale`` (at most 1e3)."""
        scale = check_scalar(scale, "scale", minimum=0.0, include_min=False)
        if scale > 1e3:
            raise ValueError(
                f"scale must be <= 1e3 (the orbitals underflow far outside the trap), got {scale:g}"
            )
        return super().init_walkers(wf, n_walkers, seed, scale)

    def walkers_at(self, wf, x) -> SlaterWalkers:
        """Walkers at positions ``x`` with log|psi| and the inverse Slater matrices."""
        n = self._check(wf).n_particles
        if np.ndim(x) == 3 and np.shape(x)[1:] != (n, DIMS):
            raise ValueError(f"x must have shape (walkers, {n}, 2) for wf ({wf!r}), got {np.shape(x)}")
        x = check_positions(x, n, wf.dims).copy()
        walkers = SlaterWalkers(x, wf._log_psi(x))
        self._refresh_inverse(wf, walkers)
        return walkers

    def refresh(self, wf, walkers) -> None:
        """Recompute log|psi| and the inverses (after the parameters of ``wf`` changed)."""
        self._check(wf)
        check_type(walkers, SlaterWalkers, "walkers", "physml.vmc.slater.SlaterWalkers (from walkers_at)")
        if walkers.x.shape[1:] != (wf.n_particles, DIMS):
            raise ValueError(
                f"walkers hold {walkers.x.shape[1]} electrons but wf has {wf.n_particles}: "
                "the walkers must belong to wf"
            )
        walkers.log_psi = wf._log_psi(walkers.x)
        self._refresh_inverse(wf, walkers)

    @staticmethod
    def _refresh_inverse(wf: SlaterJastrow, walkers: SlaterWalkers) -> None:
        w, m = walkers.x.shape[0], wf.n_up
        d = wf._orbital_values(walkers.x).reshape(w, 2, m, m)
        try:
            walkers.inverse = np.linalg.inv(d)
        except np.linalg.LinAlgError:
            raise ValueError(
                "x: a Slater matrix is singular at these positions (two electrons of equal spin at the same "
                "place, or positions so far out that the orbitals underflow)"
            ) from None

    def _step(self, wf, walkers, rng):
        x, inv = walkers.x, walkers.inverse
        w, n, m = x.shape[0], wf.n_particles, wf.n_up
        accepted = 0
        for i in range(n):
            spin, row = divmod(i, m)
            trial = x[:, i] + self.step_size * rng.standard_normal((w, 2))
            new_row = wf._orbital_values(trial)
            ratio = _determinant_ratio(inv[:, spin], row, new_row)
            log_ratio = np.log(np.abs(ratio) + 1e-300)
            if wf.jastrow:
                others = np.arange(n) != i
                old = np.sqrt(((x[:, others] - x[:, i, None]) ** 2).sum(axis=2))
                new = np.sqrt(((x[:, others] - trial[:, None]) ** 2).sum(axis=2))
                a = wf._cusp_row(i)
                log_ratio = log_ratio + (wf._pair_u(new, a) - wf._pair_u(old, a)).sum(axis=1)
            accept = np.flatnonzero(2.0 * log_ratio > -rng.standard_exponential(w))
            if accept.size:
                x[accept, i] = trial[accept]
                walkers.log_psi[accept] += log_ratio[accept]
                inv[accept, spin] = _sherman_morrison_update(
                    inv[accept, spin], row, new_row[accept], ratio[accept]
                )
                accepted += accept.size
        walkers.moves += 1
        if walkers.moves % self.refresh_every == 0:
            self._refresh_inverse(wf, walkers)
        return accepted / n


def radial_density(samples, edges) -> tuple[np.ndarray, np.ndarray]:
    r"""The radial one-body density :math:`\rho(r)` of sampled 2D configurations, normalised to
    :math:`\int_0^\infty\rho(r)\,2\pi r\,dr = N`.

    ``samples`` has shape (..., particles, 2) (e.g. (steps, walkers, particles, 2) from
    :meth:`Sampler.sample`), ``edges`` the increasing bin edges in :math:`r`. Returns the bin
    centres and :math:`\rho = \langle\text{electrons in the ring}\rangle/(\pi(r_{k+1}^2-r_k^2))`.
    """
    samples = as_float_array(samples, "samples")
    if samples.ndim < 3 or samples.shape[-1] != DIMS:
        raise ValueError(f"samples must have shape (..., particles, 2), got {samples.shape}")
    edges = as_float_array(edges, "edges", ndim=1)
    if edges.size < 2 or np.any(np.diff(edges) <= 0) or edges[0] < 0:
        raise ValueError("edges must be at least two increasing, non-negative bin edges")
    if samples.size == 0:
        raise ValueError(f"samples must hold at least one configuration, got shape {samples.shape}")
    n_configs = int(np.prod(samples.shape[:-2]))
    r = np.sqrt((samples.reshape(-1, DIMS) ** 2).sum(axis=1))
    counts, _ = np.histogram(r, bins=edges)
    area = np.pi * (edges[1:] ** 2 - edges[:-1] ** 2)
    return 0.5 * (edges[1:] + edges[:-1]), counts / (n_configs * area)


# ---------------------------------------------------------------------------------------------
# restricted Hartree-Fock in the oscillator basis
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClosedShellHF:
    """Restricted Hartree–Fock energy of a closed-shell dot in ``n_basis_shells`` oscillator shells."""

    n_particles: int
    omega: float
    n_basis_shells: int
    energy: float
    orbital_energies: tuple[float, ...]
    n_iter: int


def _form_factor_1d(m: np.ndarray, n: np.ndarray, k: np.ndarray) -> np.ndarray:
    r"""The 1D form factor of normalised Hermite functions, for :math:`m\le n`,

    :math:`\int h_m(x)h_n(x)e^{ikx}dx = \sqrt{m!/n!}\,(ik/\sqrt2)^{n-m}e^{-k^2/4}L_m^{(n-m)}(k^2/2)`
    (normalised Hermite functions :math:`h_n`; symmetric in :math:`m, n`)."""
    lo, hi = np.minimum(m, n), np.maximum(m, n)
    t = k * k / 2.0
    pref = np.exp(0.5 * (gammaln(lo + 1) - gammaln(hi + 1)))
    power = (1j * k / np.sqrt(2.0)) ** (hi - lo)
    return pref * power * np.exp(-t / 2.0) * eval_genlaguerre(lo, hi - lo, t)


@lru_cache(maxsize=8)
def _coulomb_integrals(n_basis_shells: int, n_radial: int = 96) -> np.ndarray:
    r"""Coulomb integrals :math:`(ac|bd)` of the 2D oscillator functions at :math:`\omega = 1`.

    In Fourier space, :math:`1/r \to 2\pi/k`, so with the form factors
    :math:`\rho_{ac}(\boldsymbol k) = \int\varphi_a\varphi_c e^{i\boldsymbol k\cdot\boldsymbol r}`,
    :math:`(ac|bd) = \frac{1}{2\pi}\int_0^\infty dk\int_0^{2\pi}d\theta\,\rho_{ac}(\boldsymbol k)\,
    \overline{\rho_{bd}(\boldsymbol k)}` (the :math:`1/k` cancels the Jacobian :math:`k`). Gauss–Legendre
    in :math:`k` and the trapezoid rule in :math:`\theta` (exact for the trigonometric polynomials here).
    """
    qn = np.array([(s - ny, ny) for s in range(n_basis_shells) for ny in range(s + 1)])
    k_max = 2.0 * math.sqrt(4.0 * n_basis_shells + 8.0) + 6.0
    nodes, weights = np.polynomial.legendre.leggauss(n_radial)
    k = 0.5 * k_max * (nodes + 1.0)
    wk = 0.5 * k_max * weights
    n_theta = 4 * n_basis_shells + 4
    theta = 2 * np.pi * np.arange(n_theta) / n_theta
    kx = (k[:, None] * np.cos(theta)[None, :]).ravel()
    ky = (k[:, None] * np.sin(theta)[None, :]).ravel()
    w = (wk[:, None] * np.full(n_theta, 2 * np.pi / n_theta)[None, :]).ravel() / (2 * np.pi)
    ax, ay = qn[:, 0], qn[:, 1]
    fx = _form_factor_1d(ax[:, None, None], ax[None, :, None], kx[None, None, :])
    fy = _form_factor_1d(ay[:, None, None], ay[None, :, None], ky[None, None, :])
    rho = (fx * fy).reshape(len(qn) ** 2, -1)
    eri = ((rho * w) @ rho.conj().T).real
    b = len(qn)
    return eri.reshape(b, b, b, b)


def hartree_fock_closed_shell(
    n_particles: int,
    omega: float = 1.0,
    n_basis_shells: int = 6,
    tol: float = 1e-10,
    max_iter: int = 300,
) -> ClosedShellHF:
    r"""Restricted Hartree–Fock energy of :math:`N` electrons (closed shells) in the 2D dot.

    The orbitals are expanded in the oscillator functions of the lowest ``n_basis_shells``
    shells (frequency :math:`\omega`, where :math:`h` is diagonal, :math:`h_{pp} = \omega(n_x+n_y+1)`),
    and the Roothaan equations :math:`F C = C\varepsilon`,

    .. math::

        F_{pq} = h_{pq} + \sum_{rs}P_{rs}\Big[(pq|rs) - \tfrac12(pr|qs)\Big],\qquad
        P = 2\sum_{a\le N/2}C_{\cdot a}C_{\cdot a}^\top,\qquad
        E = \tfrac12\sum_{pq}P_{pq}(h_{pq} + F_{pq}),

    are iterated to self-consistency (half of the previous density mixed in). The Coulomb
    integrals scale as :math:`\sqrt\omega` and are computed once at :math:`\omega = 1`
    (:func:`_coulomb_integrals`). The energy is an upper bound of the exact one that decreases
    with ``n_basis_shells``; no convergence in ``max_iter`` raises :class:`physml.ConvergenceError`.
    """
    shells = n_shells(n_particles)
    omega = float(check_scalar(omega, "omega", minimum=0.0, include_min=False))
    n_basis_shells = check_int(n_basis_shells, "n_basis_shells", minimum=shells, maximum=9)
    tol = float(check_scalar(tol, "tol", minimum=0.0, include_min=False))
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    eri = math.sqrt(omega) * _coulomb_integrals(n_basis_shells)
    qn = np.array([(s - ny, ny) for s in range(n_basis_shells) for ny in range(s + 1)])
    h = np.diag(omega * (qn.sum(axis=1) + 1.0))
    n_occ = n_particles // 2
    density = np.zeros_like(h)
    density[np.arange(n_occ), np.arange(n_occ)] = 2.0  # start: the non-interacting determinant
    energy_old = np.inf
    for n_iter in range(1, max_iter + 1):  # noqa: B007 (n_iter is returned)
        fock = h + np.einsum("pqrs,rs->pq", eri, density) - 0.5 * np.einsum("prqs,rs->pq", eri, density)
        energy = 0.5 * float(np.sum(density * (h + fock)))
        if abs(energy - energy_old) < tol:
            break
        energy_old = energy
        values, vectors = np.linalg.eigh(fock)
        c = vectors[:, :n_occ]
        density = 0.5 * density + 0.5 * (2.0 * c @ c.T)
    else:
        raise ConvergenceError(
            f"hartree_fock_closed_shell: no convergence in max_iter={max_iter} iterations "
            "(raise max_iter or tol)"
        )
    return ClosedShellHF(
        n_particles=n_particles,
        omega=omega,
        n_basis_shells=n_basis_shells,
        energy=energy,
        orbital_energies=tuple(map(float, values[:n_occ])),
        n_iter=n_iter,
    )
