r"""Neural-network states on a spin-1/2 chain (chapter "Neural-network quantum states").

The setting of Carleo and Troyer (Science 355, 602 (2017)): :math:`N` spins
:math:`s_i = \pm1` (eigenvalues of :math:`\sigma^z_i`) on a ring, and

* the transverse-field Ising model
  :math:`H = -J\sum_i\sigma^z_i\sigma^z_{i+1} - h\sum_i\sigma^x_i`
  (critical at :math:`h = J`),
* the antiferromagnetic Heisenberg model
  :math:`H = J\sum_i\boldsymbol\sigma_i\cdot\boldsymbol\sigma_{i+1}`, :math:`J > 0`, with Pauli
  matrices as in the paper (the energy per site tends to :math:`1 - 4\ln 2`).

The wave function is the restricted Boltzmann machine with :math:`M = \alpha N` hidden spins
summed out,

.. math::

    \psi(\boldsymbol s) = e^{\sum_i a_is_i}\prod_{j=1}^{M} 2\cosh\theta_j(\boldsymbol s),
    \qquad \theta_j = b_j + \sum_i W_{ij}s_i ,

real and positive (the TFIM ground state is positive); for the Heisenberg chain it is
multiplied by the Marshall sign :math:`(-1)^{n_\uparrow(\text{odd sites})}`. A local energy is
a sum over the *connected* configurations :math:`\boldsymbol s'` with
:math:`H_{\boldsymbol s\boldsymbol s'}\ne0`:
:math:`E_L(\boldsymbol s) = \sum_{\boldsymbol s'} H_{\boldsymbol s\boldsymbol s'}\,
\psi(\boldsymbol s')/\psi(\boldsymbol s)`.
Configurations are float64 arrays of shape ``(chains, N)`` holding :math:`\pm1`.

Also here: the exact ground state by sparse Lanczos (:func:`exact_ground_state`), the
free-fermion energy of the periodic TFIM (:func:`tfim_energy_free_fermions`), Metropolis
single-spin-flip and exchange sweeps vectorised over chains, and the training loop
:func:`optimize_lattice` (stochastic reconfiguration or any :mod:`physml.optim` optimizer).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import optim
from .._validate import (
    as_float_array,
    as_rng,
    check_bool,
    check_callable,
    check_int,
    check_scalar,
    check_string,
)
from ..progress import progress
from .driver import Estimate, as_comm, local_walkers
from .samplers import walker_streams
from .sr import StochasticReconfiguration

# ----------------------------------------------------------------------------------------------
# Hamiltonians
# ----------------------------------------------------------------------------------------------


def _check_sites(n_sites, name="n_sites", even=False) -> int:
    n = check_int(n_sites, name, minimum=2, maximum=64)
    if even and n % 2:
        raise ValueError(f"{name} must be even (a bipartite ring with total S^z = 0), got {n}")
    return n


class SpinHamiltonian:
    """Base class of the chain Hamiltonians: ``n_sites`` spins on a ring."""

    n_sites: int
    move = "flip"  # the Metropolis move that samples its ground-state sector

    def _diagonal(self, s: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _local_energy(self, wf: LatticeRBM, s: np.ndarray, theta: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def local_energy(self, wf: LatticeRBM, s) -> np.ndarray:
        r"""Local energy :math:`E_L(\boldsymbol s)` of ``wf`` at configurations ``s`` (``(chains, N)``).

        Chapter "Neural-network quantum states".
        """
        if not isinstance(wf, LatticeRBM):
            raise TypeError(f"wf must be a physml.vmc.lattice.LatticeRBM, got {type(wf).__name__}")
        if wf.n_sites != self.n_sites:
            raise ValueError(f"wf has {wf.n_sites} sites, the Hamiltonian {self.n_sites}")
        self._check_wf(wf)
        s = check_spins(s, self.n_sites)
        return self._local_energy(wf, s, wf._theta(s))

    def _check_wf(self, wf) -> None:
        pass

    def matrix(self):
        """The Hamiltonian as a ``scipy.sparse`` CSR matrix in the basis of the :math:`2^N`
        configurations (bit ``i`` of the index set means :math:`s_i = +1`); ``n_sites <= 20``."""
        if self.n_sites > 20:
            raise ValueError(f"n_sites must be <= 20 for the full matrix (2^N states), got {self.n_sites}")
        return self._matrix()


class TransverseFieldIsing(SpinHamiltonian):
    r"""Transverse-field Ising ring :math:`H = -J\sum_i\sigma^z_i\sigma^z_{i+1} - h\sum_i\sigma^x_i`.

    Connected elements: the diagonal :math:`-J\sum_is_is_{i+1}` and one flipped spin per
    site with element :math:`-h`, so
    :math:`E_L = -J\sum_is_is_{i+1} - h\sum_i\psi(\boldsymbol s^{(i)})/\psi(\boldsymbol s)`.
    """

    move = "flip"

    def __init__(self, n_sites: int, h: float = 1.0, coupling: float = 1.0):
        self.n_sites = _check_sites(n_sites)
        self.h = float(check_scalar(h, "h", minimum=0.0, maximum=1e6))
        self.coupling = float(check_scalar(coupling, "coupling", minimum=-1e6, maximum=1e6))

    def __repr__(self) -> str:
        return f"TransverseFieldIsing(n_sites={self.n_sites}, h={self.h}, coupling={self.coupling})"

    def _diagonal(self, s):
        return -self.coupling * (s * np.roll(s, -1, axis=-1)).sum(axis=-1)

    def _local_energy(self, wf, s, theta):
        return self._diagonal(s) - self.h * np.exp(wf._log_ratio_flips(s, theta)).sum(axis=1)

    def _matrix(self):
        from scipy import sparse

        n = self.n_sites
        idx = np.arange(2**n)
        spins = 2.0 * ((idx[:, None] >> np.arange(n)) & 1) - 1.0
        rows = [idx] + [idx] * n
        cols = [idx] + [idx ^ (1 << i) for i in range(n)]
        vals = [self._diagonal(spins)] + [np.full(2**n, -self.h)] * n
        return sparse.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(2**n, 2**n)
        )


class Heisenberg(SpinHamiltonian):
    r"""Heisenberg ring :math:`H = J\sum_i\boldsymbol\sigma_i\cdot\boldsymbol\sigma_{i+1}` (Pauli matrices).

    :math:`\sigma^x\sigma^x + \sigma^y\sigma^y` exchanges an antiparallel pair with element
    :math:`2J`, so :math:`E_L = J\sum_is_is_{i+1} + 2J\sum_{\langle ij\rangle:\,s_i\ne s_j}
    \psi(\boldsymbol s^{(ij)})/\psi(\boldsymbol s)`. For :math:`J > 0` and even ``n_sites`` the
    ring is bipartite, the ground state has :math:`S^z = 0` and obeys Marshall's sign rule,
    which the wave function must carry (``LatticeRBM(..., marshall=True)``): every exchange
    then has the ratio sign :math:`-1` and every off-diagonal term of :math:`E_L` is
    :math:`-2J|\psi(\boldsymbol s')/\psi(\boldsymbol s)|`. Sampled with exchange moves.
    """

    move = "exchange"

    def __init__(self, n_sites: int, coupling: float = 1.0):
        self.n_sites = _check_sites(n_sites, even=True)
        self.coupling = float(check_scalar(coupling, "coupling", minimum=0.0, include_min=False, maximum=1e6))

    def __repr__(self) -> str:
        return f"Heisenberg(n_sites={self.n_sites}, coupling={self.coupling})"

    def _check_wf(self, wf) -> None:
        if not wf.marshall:
            raise ValueError("wf must carry the Marshall sign for the Heisenberg ring (marshall=True)")

    def _diagonal(self, s):
        return self.coupling * (s * np.roll(s, -1, axis=-1)).sum(axis=-1)

    def _local_energy(self, wf, s, theta):
        log_r, anti = wf._log_ratio_bonds(s, theta)
        # Marshall sign: each exchange moves one up spin between the sublattices -> ratio sign -1
        return self._diagonal(s) - 2.0 * self.coupling * (np.exp(log_r) * anti).sum(axis=1)

    def _matrix(self):
        from scipy import sparse

        n = self.n_sites
        idx = np.arange(2**n)
        bits = (idx[:, None] >> np.arange(n)) & 1
        spins = 2.0 * bits - 1.0
        rows, cols, vals = [idx], [idx], [self._diagonal(spins)]
        for i in range(n):
            j = (i + 1) % n
            anti = bits[:, i] != bits[:, j]
            src = idx[anti]
            rows.append(src)
            cols.append(src ^ ((1 << i) | (1 << j)))
            vals.append(np.full(src.size, 2.0 * self.coupling))
        return sparse.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(2**n, 2**n)
        )


def check_spins(s, n_sites: int, name: str = "s") -> np.ndarray:
    """Check that ``s`` is a ``(chains, n_sites)`` array of +-1 and return it as float64."""
    n_sites = check_int(n_sites, "n_sites", minimum=1)
    check_string(name, "name")
    s = as_float_array(s, name, ndim=2, nonempty=True)
    if s.shape[1] != n_sites:
        raise ValueError(f"{name} must have {n_sites} sites per configuration (columns), got shape {s.shape}")
    if not np.all(np.abs(s) == 1.0):
        raise ValueError(f"{name} must hold spins +1 or -1 only")
    return s


# ----------------------------------------------------------------------------------------------
# exact references
# ----------------------------------------------------------------------------------------------


def exact_ground_state(hamiltonian: SpinHamiltonian) -> float:
    r"""Ground-state energy of a chain Hamiltonian by sparse Lanczos (``scipy.sparse.linalg.eigsh``).

    The matrix has :math:`2^N` rows, so ``n_sites <= 20`` (about 20 is the limit of a laptop;
    the book uses up to 16). Chapter "Neural-network quantum states".
    """
    if not isinstance(hamiltonian, SpinHamiltonian):
        raise TypeError(
            f"hamiltonian must be a physml.vmc.lattice SpinHamiltonian, got {type(hamiltonian).__name__}"
        )
    from scipy.sparse.linalg import eigsh

    if hamiltonian.n_sites > 20:
        raise ValueError(
            f"hamiltonian must have at most 20 sites for exact diagonalisation, got {hamiltonian.n_sites}"
        )
    mat = hamiltonian.matrix()
    if mat.shape[0] <= 64:
        return float(np.linalg.eigvalsh(mat.toarray())[0])
    v0 = np.ones(mat.shape[0])  # deterministic start; the ground state of both models overlaps it
    if isinstance(hamiltonian, Heisenberg):  # Marshall-signed start: overlaps the singlet ground state
        idx = np.arange(mat.shape[0])
        odd_up = sum(((idx >> i) & 1) for i in range(1, hamiltonian.n_sites, 2))
        v0 = np.where(odd_up % 2, -1.0, 1.0)
    return float(eigsh(mat, k=1, which="SA", v0=v0, tol=1e-12)[0][0])


def tfim_energy_free_fermions(n_sites: int, h: float = 1.0, coupling: float = 1.0) -> float:
    r"""Exact ground-state energy of the periodic transverse-field Ising ring from free fermions.

    After the Jordan-Wigner transformation the ring is a quadratic fermion Hamiltonian; the
    ground state lies in the even-parity sector, whose fermions obey antiperiodic boundary
    conditions, :math:`k = \pi(2m-1)/N`, :math:`m = 1,\dots,N`, and

    .. math::

        E_0 = -\sum_{k}\sqrt{J^2 + h^2 - 2Jh\cos k}

    (the sign of the cosine is immaterial: :math:`k\to\pi-k` maps the set onto itself for
    even :math:`N`). ``n_sites`` must be even. At :math:`h = J` and large :math:`N`,
    :math:`E_0/N\to-4J/\pi`. Chapter "Neural-network quantum states" (derivation in the
    exercises).
    """
    n = _check_sites(n_sites, even=True) if isinstance(n_sites, numbers.Integral) and n_sites <= 64 else None
    if n is None:
        n = check_int(n_sites, "n_sites", minimum=2, maximum=10**7)
        if n % 2:
            raise ValueError(f"n_sites must be even, got {n}")
    h = float(check_scalar(h, "h", minimum=0.0, maximum=1e6))
    coupling = float(check_scalar(coupling, "coupling", minimum=-1e6, maximum=1e6))
    k = np.pi * (2 * np.arange(1, n + 1) - 1) / n
    return float(-np.sqrt(coupling**2 + h**2 - 2 * coupling * h * np.cos(k)).sum())


# ----------------------------------------------------------------------------------------------
# the RBM wave function
# ----------------------------------------------------------------------------------------------


def _log2cosh(x):
    """log(2 cosh x) = |x| + log(1 + exp(-2|x|)), without overflow."""
    ax = np.abs(x)
    return ax + np.log1p(np.exp(-2.0 * ax))


class LatticeRBM:
    r"""RBM amplitude :math:`\log\psi = \sum_ia_is_i + \sum_j\log 2\cosh\theta_j`,
    :math:`\theta = \boldsymbol b + \boldsymbol W^{\mathsf T}\boldsymbol s`.

    ``alpha`` is the hidden-unit density :math:`\alpha = M/N` (a positive integer or a
    fraction with :math:`\alpha N` integer); parameters are real float64, ordered
    :math:`(\boldsymbol a, \boldsymbol b, \boldsymbol W)` in ``params``. With ``marshall`` the amplitude
    carries the sign :math:`(-1)^{n_\uparrow(\text{odd sites})}` (Heisenberg ring). The
    log-derivatives are :math:`O_{a_i} = s_i`, :math:`O_{b_j} = \tanh\theta_j`,
    :math:`O_{W_{ij}} = s_i\tanh\theta_j`. Chapter "Neural-network quantum states".
    """

    def __init__(self, a, b, W, marshall: bool = False):
        self.a = as_float_array(a, "a", ndim=1, nonempty=True).copy()
        self.b = as_float_array(b, "b", ndim=1, nonempty=True).copy()
        self.W = as_float_array(W, "W", ndim=2, nonempty=True).copy()
        if self.W.shape != (self.a.size, self.b.size):
            raise ValueError(
                f"W must have shape (len(a), len(b)) = ({self.a.size}, {self.b.size}), got {self.W.shape}"
            )
        if self.a.size < 2 or self.a.size > 64:
            raise ValueError(f"a must have between 2 and 64 entries (one per site), got {self.a.size}")
        if np.abs(self.W).max() > 1e3 or np.abs(self.b).max() > 1e3 or np.abs(self.a).max() > 1e3:
            raise ValueError("a, b and W must be at most 1e3 in magnitude (exp(|a| N) would overflow)")
        self.marshall = check_bool(marshall, "marshall")

    @classmethod
    def random(
        cls, n_sites: int, alpha: float, seed, scale: float = 0.01, marshall: bool = False
    ) -> LatticeRBM:
        """Small Gaussian random parameters (standard deviation ``scale``);
        :math:`M = \\alpha N` hidden units."""
        n = _check_sites(n_sites)
        alpha = check_scalar(alpha, "alpha", minimum=0.0, include_min=False, maximum=64)
        m = int(round(alpha * n))
        if m < 1 or abs(m - alpha * n) > 1e-9:
            raise ValueError(f"alpha * n_sites must be a positive integer, got alpha={alpha}, n_sites={n}")
        rng = as_rng(seed)
        scale = check_scalar(scale, "scale", minimum=0.0, maximum=10.0)
        return cls(
            scale * rng.standard_normal(n),
            scale * rng.standard_normal(m),
            scale * rng.standard_normal((n, m)),
            marshall,
        )

    # --- parameters -----------------------------------------------------------------------
    @property
    def n_sites(self) -> int:
        return self.a.size

    @property
    def n_hidden(self) -> int:
        return self.b.size

    @property
    def alpha(self) -> float:
        return self.n_hidden / self.n_sites

    @property
    def n_params(self) -> int:
        return self.a.size + self.b.size + self.W.size

    @property
    def params(self) -> np.ndarray:
        return np.concatenate([self.a, self.b, self.W.ravel()])

    def with_params(self, params) -> LatticeRBM:
        """The same network with the flat parameter vector ``params`` (order a, b, W)."""
        params = as_float_array(params, "params", ndim=1)
        if params.size != self.n_params:
            raise ValueError(f"params must have {self.n_params} entries, got {params.size}")
        n, m = self.n_sites, self.n_hidden
        return LatticeRBM(params[:n], params[n : n + m], params[n + m :].reshape(n, m), self.marshall)

    def __repr__(self) -> str:
        return f"LatticeRBM(n_sites={self.n_sites}, alpha={self.alpha:g}, marshall={self.marshall})"

    # --- amplitudes -----------------------------------------------------------------------
    def _theta(self, s):
        return self.b + s @ self.W

    def _log_abs(self, s, theta):
        return s @ self.a + _log2cosh(theta).sum(axis=-1)

    def log_psi(self, s) -> np.ndarray:
        r""":math:`\log|\psi(\boldsymbol s)|` for configurations ``s`` of shape ``(chains, N)``."""
        s = check_spins(s, self.n_sites)
        return self._log_abs(s, self._theta(s))

    def sign(self, s) -> np.ndarray:
        r"""The sign of :math:`\psi(\boldsymbol s)`: Marshall's
        :math:`(-1)^{n_\uparrow(\text{odd sites})}`, or 1."""
        s = check_spins(s, self.n_sites)
        if not self.marshall:
            return np.ones(s.shape[0])
        n_up_odd = (s[:, 1::2] > 0).sum(axis=1)
        return np.where(n_up_odd % 2, -1.0, 1.0)

    def _log_ratio_flips(self, s, theta):
        """log |psi(s^(i)) / psi(s)| for every single flip i: shape (chains, N)."""
        lc = _log2cosh(theta).sum(axis=1)
        theta_new = theta[:, None, :] - 2.0 * s[:, :, None] * self.W[None, :, :]
        return -2.0 * s * self.a + _log2cosh(theta_new).sum(axis=2) - lc[:, None]

    def _log_ratio_bonds(self, s, theta):
        """log |psi(s^(i,i+1)) / psi(s)| for every bond, and the mask of antiparallel bonds."""
        s_next = np.roll(s, -1, axis=1)
        w_next = np.roll(self.W, -1, axis=0)
        a_next = np.roll(self.a, -1)
        anti = s != s_next
        lc = _log2cosh(theta).sum(axis=1)
        theta_new = theta[:, None, :] - 2.0 * (
            s[:, :, None] * self.W[None] + s_next[:, :, None] * w_next[None]
        )
        log_r = -2.0 * (s * self.a + s_next * a_next) + _log2cosh(theta_new).sum(axis=2) - lc[:, None]
        return np.where(anti, log_r, -np.inf), anti

    def _log_derivatives(self, s, theta):
        t = np.tanh(theta)
        return np.concatenate([s, t, (s[:, :, None] * t[:, None, :]).reshape(s.shape[0], -1)], axis=1)

    def log_derivatives(self, s) -> np.ndarray:
        r""":math:`O_k(\boldsymbol s) = \partial\log\psi/\partial\theta_k` (order a, b, W);
        shape ``(chains, n_params)``."""
        s = check_spins(s, self.n_sites)
        return self._log_derivatives(s, self._theta(s))


# ----------------------------------------------------------------------------------------------
# Metropolis sweeps, vectorised over chains
# ----------------------------------------------------------------------------------------------

MOVES = ("flip", "exchange")


def random_spins(n_chains: int, n_sites: int, seed, zero_magnetisation: bool = False) -> np.ndarray:
    """Random configurations (shape ``(n_chains, n_sites)``); with ``zero_magnetisation`` each
    holds ``n_sites / 2`` up spins (the :math:`S^z = 0` sector of the exchange moves)."""
    n_chains = check_int(n_chains, "n_chains", minimum=1, maximum=10**7)
    n = _check_sites(n_sites, even=check_bool(zero_magnetisation, "zero_magnetisation"))
    rng = as_rng(seed)
    if not zero_magnetisation:
        return rng.choice([-1.0, 1.0], size=(n_chains, n))
    base = np.repeat([1.0, -1.0], n // 2)
    return rng.permuted(np.tile(base, (n_chains, 1)), axis=1)


def _sweep(wf: LatticeRBM, s, theta, rng, move: str) -> int:
    """One sweep (N proposals per chain), in place on ``s`` and ``theta``; returns the accepted count."""
    n_chains, n = s.shape
    rows = np.arange(n_chains)
    accepted = 0
    W, a = wf.W, wf.a
    lc = _log2cosh(theta).sum(axis=1)
    if move == "flip":
        sites = rng.integers(0, n, size=(n, n_chains))
        half_logu = 0.5 * np.log(rng.random((n, n_chains)))
        flat = s.reshape(-1)  # a view: s[c, i] is flat[c * n + i]
        for t in range(n):
            i = sites[t]
            where = rows * n + i
            si = flat[where]
            theta_new = theta - (2.0 * si)[:, None] * W[i]
            lc_new = _log2cosh(theta_new).sum(axis=1)
            acc = half_logu[t] < lc_new - lc - 2.0 * si * a[i]  # log u < 2 log|psi'/psi|
            flat[where] = np.where(acc, -si, si)
            np.copyto(theta, theta_new, where=acc[:, None])
            np.copyto(lc, lc_new, where=acc)
            accepted += int(np.count_nonzero(acc))
        return accepted
    # exchange: site i uniform, j uniform among the N/2 sites of opposite spin (symmetric proposal)
    first = rng.integers(0, n, size=(n, n_chains))
    keys = rng.random((n, n_chains, n))
    logu = np.log(rng.random((n, n_chains)))
    for t in range(n):
        i = first[t]
        si = s[rows, i]
        j = np.argmax(np.where(s != si[:, None], keys[t], -1.0), axis=1)
        sj = s[rows, j]
        theta_new = theta - 2.0 * (si[:, None] * W[i] + sj[:, None] * W[j])
        lc_new = _log2cosh(theta_new).sum(axis=1)
        log_r = -2.0 * (si * a[i] + sj * a[j]) + lc_new - lc
        acc = logu[t] < 2.0 * log_r
        r = rows[acc]
        s[r, i[acc]], s[r, j[acc]] = sj[acc], si[acc]
        theta[acc] = theta_new[acc]
        lc[acc] = lc_new[acc]
        accepted += int(acc.sum())
    return accepted


def sample_spins(wf: LatticeRBM, s, n_sweeps: int, seed, move: str = "flip") -> tuple[np.ndarray, float]:
    r"""Run ``n_sweeps`` Metropolis sweeps of ``wf`` from the configurations ``s``; return the
    final configurations and the acceptance rate.

    A sweep is :math:`N` proposals per chain, all chains at once. ``move="flip"`` flips one
    random spin; ``"exchange"`` swaps a random spin with a random spin of opposite sign
    (conserving :math:`S^z`). Accepted with :math:`\min(1, |\psi(\boldsymbol s')/\psi(\boldsymbol s)|^2)`.
    """
    if not isinstance(wf, LatticeRBM):
        raise TypeError(f"wf must be a physml.vmc.lattice.LatticeRBM, got {type(wf).__name__}")
    s = as_float_array(s, "s", ndim=2, nonempty=True)
    if s.shape[1] != wf.n_sites:
        raise ValueError(f"wf has {wf.n_sites} sites but s has {s.shape[1]} per configuration")
    s = check_spins(s, wf.n_sites).copy()
    n_sweeps = check_int(n_sweeps, "n_sweeps", minimum=1, maximum=10**6)
    move = _check_move(move, s)
    rng = as_rng(seed)
    theta = wf._theta(s)
    acc = sum(_sweep(wf, s, theta, rng, move) for _ in range(n_sweeps))
    return s, acc / (n_sweeps * s.size)


def _check_move(move, s):
    if move not in MOVES:
        raise ValueError(f"move must be one of {MOVES}, got {move!r}")
    if move == "exchange" and (s.shape[1] % 2 or np.any(s.sum(axis=1) != 0)):
        raise ValueError("move='exchange' needs configurations with zero magnetisation (sum of s = 0)")
    return move


# ----------------------------------------------------------------------------------------------
# estimates and training
# ----------------------------------------------------------------------------------------------


def _measure(ham, wf, s, theta, n_sweeps, rng, comm, move, with_sr):
    """Sweep ``n_sweeps`` times, measuring after each sweep: (Estimate, S, F); S, F None without SR."""
    from ..stats import blocking

    k = wf.n_params
    series = np.empty(n_sweeps)
    chain_sums = np.zeros(s.shape[0])
    sum_e2 = 0.0
    sum_o = np.zeros(k)
    sum_oe = np.zeros(k)
    o_rows = np.empty((n_sweeps, s.shape[0], k)) if with_sr else None  # S from one syrk at the end
    accepted = 0
    for t in range(n_sweeps):
        accepted += _sweep(wf, s, theta, rng, move)
        el = ham._local_energy(wf, s, theta)
        if not np.all(np.isfinite(el)):
            raise FloatingPointError(f"the local energy is NaN or infinite at sweep {t} with {wf!r}")
        series[t] = el.sum()
        chain_sums += el
        sum_e2 += el @ el
        if with_sr is not None:
            o = wf._log_derivatives(s, theta)
            sum_o += o.sum(axis=0)
            sum_oe += el @ o
            if with_sr:
                o_rows[t] = o
    n_chains = s.shape[0]
    if with_sr:
        from scipy.linalg.blas import dsyrk

        upper = dsyrk(1.0, o_rows.reshape(-1, k), trans=1)  # O^T O, upper triangle only: half the flops
        sum_oo = np.triu(upper) + np.triu(upper, 1).T
    parts = [series, [sum_e2, accepted, n_chains], sum_o, sum_oe] + ([sum_oo.ravel()] if with_sr else [])
    total = comm.allreduce_sum(np.concatenate(parts))
    series = total[:n_sweeps]
    sum_e2, accepted, n_chains = total[n_sweeps : n_sweeps + 3]
    off = n_sweeps + 3
    sum_o, sum_oe = total[off : off + k], total[off + k : off + 2 * k]
    n = n_sweeps * n_chains
    mean = float(series.sum() / n)
    mean_o = sum_o / n
    force = sum_oe / n - mean_o * mean
    var = max(sum_e2 / n - mean**2, 0.0)
    if n_sweeps >= 16:
        stats = blocking(series / n_chains)
        error, tau = float(stats.error), float(stats.tau)
    else:  # too short to block: the spread of the per-chain means (independent chains)
        error = (
            float(np.std(chain_sums / n_sweeps, ddof=1) / np.sqrt(max(n_chains - 1, 1)))
            if comm.size == 1
            else np.nan
        )
        tau = float("nan")
    est = Estimate(
        mean=mean,
        error=error,
        naive_error=float(np.sqrt(var / n)),
        variance=float(var),
        tau=tau,
        n_samples=int(n),
        acceptance=float(accepted / (n * s.shape[1])),
        gradient=2.0 * force if with_sr is not None else None,
        series=series / n_chains,
    )
    s_mat = total[off + 2 * k :].reshape(k, k) / n - np.outer(mean_o, mean_o) if with_sr else None
    return est, s_mat, force


def _check_run(ham, wf, move):
    if not isinstance(ham, SpinHamiltonian):
        raise TypeError(f"hamiltonian must be a physml.vmc.lattice SpinHamiltonian, got {type(ham).__name__}")
    if not isinstance(wf, LatticeRBM):
        raise TypeError(f"wf must be a physml.vmc.lattice.LatticeRBM, got {type(wf).__name__}")
    if wf.n_sites != ham.n_sites:
        raise ValueError(f"wf has {wf.n_sites} sites, the hamiltonian {ham.n_sites}")
    ham._check_wf(wf)
    move = ham.move if move is None else move
    if move not in MOVES:
        raise ValueError(f"move must be None or one of {MOVES}, got {move!r}")
    if isinstance(ham, Heisenberg) and move != "exchange":
        raise ValueError("move must be 'exchange' for the Heisenberg ring (the ground state has S^z = 0)")
    return move


def _start(ham, wf, n_chains, seed, comm, move, n_burn):
    comm = as_comm(comm)
    n_chains = check_int(n_chains, "n_chains", minimum=max(2, comm.size), maximum=10**6)
    n_burn = check_int(n_burn, "n_burn", minimum=0, maximum=10**6)
    rng = walker_streams(seed, comm.size)[comm.rank]
    s = random_spins(local_walkers(n_chains, comm.rank, comm.size), ham.n_sites, rng, move == "exchange")
    theta = wf._theta(s)
    for _ in range(n_burn):
        _sweep(wf, s, theta, rng, move)
    return comm, rng, s, theta


def lattice_energy(
    hamiltonian: SpinHamiltonian,
    wf: LatticeRBM,
    *,
    n_chains: int,
    n_sweeps: int,
    n_burn: int = 50,
    seed,
    move: str | None = None,
    comm=None,
) -> Estimate:
    r"""Energy of ``wf`` from ``n_chains`` Metropolis chains (total over MPI ranks), measured
    after each of ``n_sweeps`` sweeps, with the blocking error of the chain-averaged series
    (or, below 16 sweeps, the spread of the independent chains' means). ``move`` defaults to
    the Hamiltonian's (``"flip"`` for the TFIM, ``"exchange"`` for the Heisenberg ring).
    """
    move = _check_run(hamiltonian, wf, move)
    n_sweeps = check_int(n_sweeps, "n_sweeps", minimum=1, maximum=10**6)
    comm, rng, s, theta = _start(hamiltonian, wf, n_chains, seed, comm, move, n_burn)
    return _measure(hamiltonian, wf, s, theta, n_sweeps, rng, comm, move, None)[0]


@dataclass
class LatticeResult:
    """History of a lattice optimisation: parameters before each iteration (and after the last),
    energy, error, variance and acceptance per iteration, and the final ``wf``."""

    wf: LatticeRBM
    params: np.ndarray
    energy: np.ndarray
    error: np.ndarray
    variance: np.ndarray
    acceptance: np.ndarray
    param_names: tuple[str, ...] = ()

    def as_records(self) -> list[dict]:
        """One dict per iteration (for CSV/JSON output; the parameters are in the JSON)."""
        return [
            {"iteration": t, "energy": float(self.energy[t]), "error": float(self.error[t]),
             "variance": float(self.variance[t]), "acceptance": float(self.acceptance[t])}
            for t in range(len(self.energy))
        ]  # fmt: skip


def optimize_lattice(
    hamiltonian: SpinHamiltonian,
    wf: LatticeRBM,
    optimizer,
    *,
    n_iter: int,
    n_chains: int,
    n_sweeps: int,
    n_burn: int = 50,
    seed,
    move: str | None = None,
    comm=None,
    callback: Callable | None = None,
    desc: str | None = "SR",
) -> LatticeResult:
    r"""Train ``wf`` on ``hamiltonian``: each iteration samples ``n_chains`` x ``n_sweeps``
    configurations and updates the parameters.

    ``optimizer`` is a :class:`~physml.vmc.sr.StochasticReconfiguration` (the step
    :math:`-\eta(S+\epsilon_{\rm SR}I)^{-1}\boldsymbol F`) or a :mod:`physml.optim` optimizer
    fed the energy gradient :math:`2\boldsymbol F`. The chains carry over between iterations.
    Under MPI (``comm``) the sums over samples are combined with one ``Allreduce`` per
    iteration and the parameters broadcast from rank 0.
    """
    move = _check_run(hamiltonian, wf, move)
    is_sr = isinstance(optimizer, StochasticReconfiguration)
    if not is_sr and not isinstance(optimizer, optim.Optimizer):
        raise TypeError(
            "optimizer must be a physml.vmc.sr.StochasticReconfiguration or a physml.optim Optimizer, "
            f"got {type(optimizer).__name__}"
        )
    n_iter = check_int(n_iter, "n_iter", minimum=1, maximum=10**6)
    n_sweeps = check_int(n_sweeps, "n_sweeps", minimum=1, maximum=10**6)
    if callback is not None:
        check_callable(callback, "callback", "a function callback(iteration, wf, estimate) or None")
    check_string(desc, "desc", optional=True)
    comm, rng, s, theta = _start(hamiltonian, wf, n_chains, seed, comm, move, n_burn)
    params = wf.params.copy()
    hist = {key: [] for key in ("params", "energy", "error", "variance", "acceptance")}
    iterations = range(n_iter)
    if comm.rank == 0 and desc:
        iterations = progress(iterations, desc=desc, total=n_iter)
    for it in iterations:
        est, s_mat, force = _measure(hamiltonian, wf, s, theta, n_sweeps, rng, comm, move, is_sr)
        hist["params"].append(params.copy())
        for key in ("energy", "error", "variance", "acceptance"):
            hist[key].append(getattr(est, "mean" if key == "energy" else key))
        if callback is not None:
            callback(it, wf, est)
        if is_sr:
            params = params + optimizer._delta(s_mat, force)
        else:
            optimizer.step([params], [2.0 * force])
        if not np.all(np.isfinite(params)):
            raise FloatingPointError(
                f"the parameters became non-finite at iteration {it}: lower the learning rate"
            )
        params = comm.bcast(params)
        try:
            wf = wf.with_params(params)
        except ValueError as err:
            raise FloatingPointError(f"the optimisation diverged at iteration {it} ({err})") from None
        theta = wf._theta(s)
    hist["params"].append(params.copy())
    n, m = wf.n_sites, wf.n_hidden
    names = tuple(f"a{i}" for i in range(n)) + tuple(f"b{j}" for j in range(m))
    names += tuple(f"W{i}_{j}" for i in range(n) for j in range(m))
    return LatticeResult(
        wf=wf,
        params=np.array(hist["params"]),
        energy=np.array(hist["energy"]),
        error=np.array(hist["error"]),
        variance=np.array(hist["variance"]),
        acceptance=np.array(hist["acceptance"]),
        param_names=names,
    )


class SymmetricLatticeRBM(LatticeRBM):
    r"""The translation-invariant RBM of Carleo and Troyer: :math:`\alpha` *filters* :math:`w_f(d)`,
    each applied at all :math:`N` translations,

    .. math::

        \theta_{f\tau} = b_f + \sum_i w_f\big((i-\tau)\bmod N\big)\,s_i,\qquad
        \log\psi = a\sum_is_i + \sum_{f,\tau}\log 2\cosh\theta_{f\tau},

    so :math:`M = \alpha N` hidden units with only :math:`1 + \alpha + \alpha N` parameters
    (``params`` = ``(a, b_1..b_alpha, w_1(0..N-1), ...)``). The log-derivatives are those of the
    full RBM summed over the tied entries, :math:`O^{\rm sym} = O^{\rm full}P` with the 0/1
    tying matrix :math:`P`. ``alpha`` must be a positive integer.
    """

    def __init__(self, a0: float, b, w, marshall: bool = False):
        a0 = float(check_scalar(a0, "a0", minimum=-1e3, maximum=1e3))
        b = as_float_array(b, "b", ndim=1, nonempty=True)
        w = as_float_array(w, "w", ndim=2, nonempty=True)
        if w.shape[0] != b.size:
            raise ValueError(
                f"w must have one row (filter) per entry of b, got shapes {w.shape} and {b.shape}"
            )
        n, alpha = w.shape[1], b.size
        shifts = (np.arange(n)[:, None] - np.arange(n)[None, :]) % n  # (i, tau) -> d
        W = np.concatenate([w[f][shifts] for f in range(alpha)], axis=1)  # hidden index f * N + tau
        super().__init__(np.full(n, a0), np.repeat(b, n), W, marshall)
        self._sym = np.concatenate([[a0], b, w.ravel()])
        self._tie = _tying_matrix(n, alpha)

    @classmethod
    def random(cls, n_sites: int, alpha: int, seed, scale: float = 0.01, marshall: bool = False):
        """Small Gaussian random filters (standard deviation ``scale``), ``alpha`` integer."""
        n = _check_sites(n_sites)
        alpha = check_int(alpha, "alpha", minimum=1, maximum=64)
        rng = as_rng(seed)
        scale = check_scalar(scale, "scale", minimum=0.0, maximum=10.0)
        return cls(
            scale * rng.standard_normal(), scale * rng.standard_normal(alpha),
            scale * rng.standard_normal((alpha, n)), marshall,
        )  # fmt: skip

    @property
    def n_params(self) -> int:
        return self._sym.size

    @property
    def params(self) -> np.ndarray:
        return self._sym.copy()

    def with_params(self, params) -> SymmetricLatticeRBM:
        """The same network with the flat parameter vector ``params`` (order a, b, w)."""
        params = as_float_array(params, "params", ndim=1)
        if params.size != self.n_params:
            raise ValueError(f"params must have {self.n_params} entries, got {params.size}")
        alpha, n = self.n_hidden // self.n_sites, self.n_sites
        return SymmetricLatticeRBM(
            params[0], params[1 : 1 + alpha], params[1 + alpha :].reshape(alpha, n), self.marshall
        )

    def __repr__(self) -> str:
        return f"SymmetricLatticeRBM(n_sites={self.n_sites}, alpha={self.alpha:g}, marshall={self.marshall})"

    def _log_derivatives(self, s, theta):
        return super()._log_derivatives(s, theta) @ self._tie


def _tying_matrix(n: int, alpha: int) -> np.ndarray:
    """0/1 matrix P with full parameters = P @ symmetric parameters (order a, b, W row-major)."""
    m = alpha * n
    p = np.zeros((n + m + n * m, 1 + alpha + alpha * n))
    p[:n, 0] = 1.0
    f_of_j = np.arange(m) // n
    tau_of_j = np.arange(m) % n
    p[n + np.arange(m), 1 + f_of_j] = 1.0
    i, j = np.meshgrid(np.arange(n), np.arange(m), indexing="ij")
    d = (i - tau_of_j[j]) % n
    p[n + m + (i * m + j).ravel(), (1 + alpha + f_of_j[j] * n + d).ravel()] = 1.0
    return p
