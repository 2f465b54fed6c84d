"""Variational Monte Carlo (chapters "Variational Monte Carlo" and "Neural-network quantum states").

The package is cut along the physics, in the spirit of NetKet:

* :mod:`~physml.vmc.hamiltonian` - the Hamiltonian (kinetic energy, harmonic trap,
  Coulomb repulsion) and the local energy;
* :mod:`~physml.vmc.wavefunctions` - trial wave functions with log psi, its gradient,
  Laplacian and parameter derivatives;
* :mod:`~physml.vmc.samplers` - vectorised Metropolis and Langevin (importance) samplers;
* :mod:`~physml.vmc.slater` - Slater determinants of closed-shell quantum dots (N = 2, 6, 12, ...),
  single-electron moves with Sherman–Morrison updates, and restricted Hartree–Fock;
* :mod:`~physml.vmc.nqs` - the RBM trial function (on :mod:`physml.rbm`) and Gibbs sampling;
* :mod:`~physml.vmc.driver` - energy estimates with blocking errors, the energy gradient,
  the optimisation loop, and the MPI communicator wrapper;
* statistics: :func:`blocking` from :mod:`physml.stats`;
* :mod:`~physml.vmc.lattice` - spin-1/2 rings (TFIM, Heisenberg with Marshall's sign), RBM
  amplitudes, Metropolis flip/exchange sweeps, exact diagonalisation and free fermions;
* :mod:`~physml.vmc.sr` - stochastic reconfiguration (natural gradient).

Every array of positions has the shape ``(walkers, particles, dims)``.
Run longer optimisations from the command line: ``python -m physml.vmc --help``.
"""

from ..stats import BlockingResult, blocking
from .driver import (
    Estimate,
    MPIComm,
    SerialComm,
    VMCResult,
    as_comm,
    energy,
    energy_gradient,
    local_walkers,
    measure,
    optimize,
)
from .hamiltonian import HarmonicTrap
from .nqs import Gibbs, RBMWaveFunction
from .samplers import Langevin, Metropolis, Sampler, Walkers, walker_streams
from .slater import SingleParticleMetropolis, SlaterJastrow
from .wavefunctions import (
    CuspGaussian,
    Gaussian,
    PadeJastrow,
    PairJastrow,
    PolynomialCusp,
    WaveFunction,
    check_positions,
)

__all__ = [
    "BlockingResult",
    "blocking",
    "CuspGaussian",
    "Estimate",
    "Gaussian",
    "Gibbs",
    "HarmonicTrap",
    "Langevin",
    "MPIComm",
    "Metropolis",
    "PadeJastrow",
    "PairJastrow",
    "PolynomialCusp",
    "RBMWaveFunction",
    "Sampler",
    "SerialComm",
    "SingleParticleMetropolis",
    "SlaterJastrow",
    "VMCResult",
    "Walkers",
    "WaveFunction",
    "as_comm",
    "check_positions",
    "energy",
    "energy_gradient",
    "local_walkers",
    "measure",
    "optimize",
    "walker_streams",
]
