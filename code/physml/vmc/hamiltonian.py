r"""Hamiltonians of particles in a harmonic trap (chapter "Variational Monte Carlo").

In atomic units (:math:`\hbar = m = e = 1`) the Hamiltonian of :math:`N` particles in a
:math:`d`-dimensional isotropic harmonic trap of frequency :math:`\omega`, optionally with
the Coulomb repulsion between them, is

.. math::

    H = \sum_{i=1}^N\Big(-\tfrac12\nabla_i^2 + \tfrac12\omega^2 r_i^2\Big)
        + \sum_{i<j}\frac{1}{r_{ij}} .

For a trial function :math:`\psi_T` the local energy follows from the derivatives of
:math:`\log\psi_T` alone, since :math:`\nabla^2\psi/\psi = \nabla^2\log\psi + |\nabla\log\psi|^2`:

.. math::

    E_L = \frac{H\psi_T}{\psi_T}
        = -\frac12\sum_i\Big(\nabla_i^2\log\psi_T + |\nabla_i\log\psi_T|^2\Big) + V(\boldsymbol R).
"""

from __future__ import annotations

import numpy as np

from .._validate import as_float_array, check_int, check_scalar
from .wavefunctions import WaveFunction, check_positions


class HarmonicTrap:
    """Particles in the trap :math:`\\tfrac12\\omega^2 r^2`, with Coulomb repulsion if ``coulomb``."""

    def __init__(self, omega: float = 1.0, coulomb: bool = False):
        self.omega = float(check_scalar(omega, "omega", minimum=0.0, include_min=False))
        if not isinstance(coulomb, bool):
            raise TypeError(f"coulomb must be a bool, got {type(coulomb).__name__}")
        self.coulomb = coulomb

    def __repr__(self) -> str:
        return f"HarmonicTrap(omega={self.omega:g}, coulomb={self.coulomb})"

    def potential(self, x) -> np.ndarray:
        r""":math:`V = \tfrac12\omega^2\sum_i r_i^2 + \sum_{i<j}1/r_{ij}` per walker.

        ``x`` has the shape (walkers, particles, dims)."""
        x = as_float_array(x, "x")
        if x.ndim != 3 or x.shape[0] == 0:
            raise ValueError(f"x must have shape (walkers, particles, dims) with walkers >= 1, got {x.shape}")
        return self._potential(x)

    def _potential(self, x: np.ndarray) -> np.ndarray:
        flat = x.reshape(x.shape[0], -1)
        v = 0.5 * self.omega**2 * np.einsum("wk,wk->w", flat, flat)
        if self.coulomb and x.shape[1] > 1:
            i, j = np.triu_indices(x.shape[1], k=1)
            diff = x[:, i] - x[:, j]
            v = v + (1.0 / np.sqrt(np.einsum("wkd,wkd->wk", diff, diff))).sum(axis=1)
        return v

    def local_energy(self, wf: WaveFunction, x) -> np.ndarray:
        r"""The local energy :math:`E_L = H\psi_T/\psi_T` of ``wf`` at every walker of ``x``."""
        if not isinstance(wf, WaveFunction):
            raise TypeError(f"wf must be a physml.vmc WaveFunction, got {type(wf).__name__}")
        return self._local_energy(wf, check_positions(x, wf.n_particles, wf.dims))

    def _local_energy(self, wf: WaveFunction, x: np.ndarray) -> np.ndarray:
        grad, lap = wf._grad_lap(x)
        return self._local_energy_from(x, grad, lap)

    def _local_energy_from(self, x: np.ndarray, grad: np.ndarray, lap: np.ndarray) -> np.ndarray:
        """E_L from the gradient and Laplacian of log psi at ``x``."""
        flat = grad.reshape(grad.shape[0], -1)
        kinetic = -0.5 * (lap + np.einsum("wk,wk->w", flat, flat))
        return kinetic + self._potential(x)

    def exact_noninteracting_energy(self, n_particles: int, dims: int) -> float:
        """Ground-state energy N d omega / 2 of N bosons in the trap without interaction."""
        n_particles = check_int(n_particles, "n_particles", minimum=1)
        dims = check_int(dims, "dims", minimum=1)
        return 0.5 * n_particles * dims * self.omega
