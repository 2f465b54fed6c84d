r"""Exact reference energies for the VMC chapters (chapter "Variational Monte Carlo").

* Non-interacting particles in the trap: :math:`E = N d\,\omega/2` (bosons, all in the
  lowest orbital), and :math:`E = 2\omega` for two electrons of opposite spin in 2D.
* Two electrons in a two-dimensional trap with Coulomb repulsion: the Hamiltonian
  separates into the centre of mass :math:`\boldsymbol R = (\boldsymbol r_1+\boldsymbol r_2)/2`,
  a two-dimensional oscillator of mass 2 with energy :math:`\omega`, and the relative
  coordinate :math:`\boldsymbol r = \boldsymbol r_1-\boldsymbol r_2`,

  .. math::

      H_{\rm rel} = -\nabla_r^2 + \tfrac14\omega^2 r^2 + \frac1r .

  :func:`two_electron_dot_energy` solves the radial equation of :math:`H_{\rm rel}` for
  angular momentum :math:`m = 0` by finite differences and Richardson extrapolation. At
  :math:`\omega=1` the exact answer is :math:`E=3` (Taut's analytic solution), which
  tests the solver.
* :func:`taut_solution` gives the closed-form solutions themselves: at the frequencies
  where the power series of the relative motion terminates (Taut 1994), the ground state
  is a polynomial in :math:`r_{12}` times the non-interacting Gaussian, e.g.
  :math:`\omega = 1`, :math:`E = 3` and :math:`\omega = 1/6`, :math:`E = 2/3`.
* :func:`hartree_fock_dot` is not exact but a reference of another kind: the restricted
  Hartree-Fock energy of the same two electrons (both in one optimised orbital), the best
  a wave function without correlation can do (chapter "Neural-network quantum states").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.polynomial import Polynomial
from scipy.linalg import eigh, eigh_tridiagonal

from .._validate import ConvergenceError, check_bool, check_int, check_scalar

#: The trap frequencies the reference solvers are set up for: the grid of
#: :func:`two_electron_dot_energy`, the search interval of :func:`gaussian_product_energy`
#: and the basis of :func:`hartree_fock_dot` scale with omega, and far outside this range
#: they lose accuracy before anything overflows (``omega**2`` does at 1.3e154). Taut's
#: closed forms (omega = 1, 1/6, 0.054, ...) lie inside.
OMEGA_RANGE = (1e-4, 1e4)


def _check_omega(omega) -> float:
    """``omega`` as a float inside :data:`OMEGA_RANGE`."""
    omega = float(check_scalar(omega, "omega", minimum=0.0, include_min=False))
    low, high = OMEGA_RANGE
    if not low <= omega <= high:
        raise ValueError(
            f"omega must be in [{low:g}, {high:g}] (OMEGA_RANGE, where these reference solvers "
            f"are accurate), got {omega:g}"
        )
    return omega


def _relative_energy(omega: float, n_grid: int, r_max: float) -> float:
    r"""Lowest eigenvalue of :math:`-\frac1r\frac{d}{dr}r\frac{d}{dr} + \frac14\omega^2r^2 + \frac1r`.

    Cell-centred grid :math:`r_i = (i-\tfrac12)h`; the flux through :math:`r=0` vanishes,
    which is the regularity condition of the :math:`m=0` solution. The symmetric form
    :math:`W^{-1/2} A W^{-1/2}` (weights :math:`W = r_i`) is tridiagonal.
    """
    h = r_max / n_grid
    r = (np.arange(1, n_grid + 1) - 0.5) * h
    r_face = np.arange(1, n_grid) * h  # faces between cells i and i+1
    diag = np.zeros(n_grid)
    diag[:-1] += r_face / h**2
    diag[1:] += r_face / h**2
    diag[-1] += r_max / h**2  # R = 0 just outside the box (Dirichlet at r_max + h/2 ~ r_max)
    diag = diag / r + 0.25 * omega**2 * r**2 + 1.0 / r
    off = -r_face / h**2 / np.sqrt(r[:-1] * r[1:])
    return float(eigh_tridiagonal(diag, off, select="i", select_range=(0, 0), eigvals_only=True)[0])


def two_electron_dot_energy(omega: float, n_grid: int = 4000, r_max: float | None = None) -> float:
    r"""Ground-state energy of two electrons in a 2D harmonic trap with Coulomb repulsion.

    :math:`E = \omega + \varepsilon_{\rm rel}`, with the relative-motion energy from
    :func:`_relative_energy` on grids of ``n_grid`` and ``2 n_grid`` cells, extrapolated
    as :math:`(4\varepsilon_{h/2} - \varepsilon_h)/3` (the error is of order :math:`h^2`).
    ``r_max`` defaults to :math:`12/\sqrt{\omega}` plus a margin for the repulsion.
    ``omega`` must lie in :data:`OMEGA_RANGE`, and the cells must resolve the oscillator
    length: :math:`r_{\max}/n_{\rm grid} \le 1/(2\sqrt\omega)`.
    """
    omega = _check_omega(omega)
    n_grid = check_int(n_grid, "n_grid", minimum=100)
    if r_max is None:
        r_max = 12.0 / np.sqrt(omega) + 4.0
    r_max = float(check_scalar(r_max, "r_max", minimum=0.0, include_min=False))
    if r_max / n_grid > 0.5 / math.sqrt(omega):
        raise ValueError(
            f"r_max / n_grid = {r_max / n_grid:.3g} is coarser than half the oscillator length "
            f"1/sqrt(omega) = {1 / math.sqrt(omega):.3g}: use a smaller r_max or a larger n_grid"
        )
    coarse = _relative_energy(omega, n_grid, r_max)
    fine = _relative_energy(omega, 2 * n_grid, r_max)
    return omega + (4.0 * fine - coarse) / 3.0


@dataclass(frozen=True)
class TautSolution:
    r"""A closed-form ground state :math:`\Psi = P(r_{12})\,e^{-\omega(r_1^2+r_2^2)/2}` of the 2D dot.

    ``coefficients[k]`` multiplies :math:`r_{12}^k` in :math:`P` (with ``coefficients[0] = 1``).
    """

    omega: float
    energy: float
    coefficients: tuple[float, ...]


def _taut_series(degree: int) -> list[Polynomial]:
    r"""Coefficients :math:`a_0, \dots, a_{n+1}` of the relative-motion series (polynomials in omega).

    With :math:`u(r) = e^{-\omega r^2/4}\sum_k a_k r^k` (angular momentum 0 in 2D) the radial
    equation :math:`-u'' - u'/r + \tfrac14\omega^2r^2u + u/r = \varepsilon u` becomes the
    three-term recursion

    .. math::

        (j+2)^2\,a_{j+2} = a_{j+1} + \big(\omega(j+1) - \varepsilon\big)\,a_j ,
        \qquad a_0 = a_1 = 1 \ \text{(the cusp)} .

    The series stops after :math:`r^n` when :math:`\varepsilon = (n+1)\,\omega` and
    :math:`a_{n+1}(\omega) = 0`.
    """
    w = Polynomial([0.0, 1.0])
    eps = (degree + 1) * w
    a = [Polynomial([1.0]), Polynomial([1.0])]
    for j in range(degree):
        a.append((a[j + 1] + ((j + 1) * w - eps) * a[j]) / (j + 2) ** 2)
    return a


def taut_solution(degree: int) -> TautSolution:
    r"""The closed-form ground state whose polynomial :math:`P(r_{12})` has degree ``degree``.

    The frequency is the root :math:`\omega > 0` of :math:`a_{n+1}(\omega) = 0` (see
    :func:`_taut_series`) for which every coefficient of :math:`P` is positive (no node: the
    ground state), and :math:`E = \omega + \varepsilon = (n+2)\,\omega` (centre of mass
    :math:`\omega` plus relative motion :math:`(n+1)\omega`). Degree 1 gives
    :math:`\omega = 1, E = 3`; degree 2 gives :math:`\omega = 1/6, E = 2/3` (chapter
    "Variational Monte Carlo").
    """
    degree = check_int(degree, "degree", minimum=1)
    series = _taut_series(degree)
    for root in sorted(series[degree + 1].roots(), key=lambda z: -z.real):
        if abs(root.imag) > 1e-12 or root.real <= 0:
            continue
        omega = float(root.real)
        coefficients = tuple(float(a(omega)) for a in series[: degree + 1])
        if all(c > 0 for c in coefficients):
            return TautSolution(omega, (degree + 2) * omega, coefficients)
    raise ValueError(f"degree={degree}: no nodeless closed-form solution found")


def gaussian_product_energy(omega: float = 1.0) -> tuple[float, float]:
    r"""The best uncorrelated Gaussian product :math:`e^{-\alpha(r_1^2+r_2^2)}` for the two-electron dot.

    In two dimensions :math:`\langle E\rangle(\alpha) = 2\alpha + \omega^2/(2\alpha) + \sqrt{\pi\alpha}`, the
    last term being :math:`\langle 1/r_{12}\rangle`. Returns ``(alpha, energy)`` at the minimum, an
    upper bound of the Hartree-Fock energy. ``omega`` must lie in :data:`OMEGA_RANGE`. The
    minimum lies between the Coulomb-dominated :math:`(\omega^2/\sqrt\pi)^{2/3}` (small
    omega) and the trap's :math:`\omega/2`, inside the search interval.
    """
    from scipy.optimize import minimize_scalar

    omega = _check_omega(omega)
    res = minimize_scalar(
        lambda a: 2 * a + omega**2 / (2 * a) + np.sqrt(np.pi * a),
        bounds=(0.1 * min(omega / 2, (omega**2 / math.sqrt(math.pi)) ** (2 / 3)), 10.0 * omega + 1.0),
        method="bounded",
        options={"xatol": 1e-12},
    )
    return float(res.x), float(res.fun)


@dataclass(frozen=True)
class HartreeFockResult:
    r"""Restricted Hartree-Fock solution of the two-electron dot in a basis of Gaussians.

    The orbital is :math:`\varphi(r) = \sum_k c_k\, e^{-a_k r^2}` (``exponents`` :math:`a_k`,
    ``coefficients`` :math:`c_k`, normalised); ``orbital_energy`` is the lowest eigenvalue of the
    Fock matrix and ``n_iter`` the number of self-consistent iterations. ``kinetic``, ``trap``
    and ``interaction`` split the energy; at the Hartree-Fock minimum they obey the virial
    theorem of this Hamiltonian, :math:`2\langle T\rangle = 2\langle V_{\rm trap}\rangle -
    \langle V_{\rm int}\rangle` (scale the orbital, :math:`\varphi(r)\to\varphi(\lambda r)`).
    """

    omega: float
    energy: float
    kinetic: float
    trap: float
    interaction: float
    orbital_energy: float
    exponents: tuple[float, ...]
    coefficients: tuple[float, ...]
    n_iter: int


def _gaussian_integrals(exponents: np.ndarray, omega: float, coulomb: bool):
    r"""Overlap, one-body and Coulomb integrals of 2D s-type Gaussians :math:`g_k = e^{-a_k r^2}`.

    With :math:`s = a_k + a_l`: :math:`S_{kl} = \pi/s`, kinetic :math:`2\pi a_k a_l/s^2`, trap
    :math:`\tfrac12\omega^2\pi/s^2`. The Coulomb integral of the products :math:`g_kg_l` and
    :math:`g_mg_n` (exponents :math:`p`, :math:`q`) is
    :math:`(kl|mn) = (\pi/p)(\pi/q)\sqrt{\pi\mu}` with :math:`\mu = pq/(p+q)`: the distance of two
    points drawn from the two Gaussian densities is Gaussian with exponent :math:`\mu`, and
    :math:`\langle 1/r\rangle = \sqrt{\pi\mu}` for a normalised 2D density :math:`\propto e^{-\mu r^2}`.
    """
    s = exponents[:, None] + exponents[None, :]
    overlap = np.pi / s
    kinetic = 2 * np.pi * np.outer(exponents, exponents) / s**2
    trap = 0.5 * omega**2 * np.pi / s**2
    p, q = s[:, :, None, None], s[None, None, :, :]
    eri = (np.pi / p) * (np.pi / q) * np.sqrt(np.pi * p * q / (p + q))
    return overlap, kinetic, trap, eri if coulomb else 0.0 * eri


def hartree_fock_dot(
    omega: float = 1.0,
    n_basis: int = 16,
    ratio: float = 1.5,
    coulomb: bool = True,
    tol: float = 1e-12,
    max_iter: int = 200,
) -> HartreeFockResult:
    r"""Restricted Hartree-Fock energy of two electrons (opposite spins) in the 2D dot.

    Both electrons occupy one radial orbital :math:`\varphi`, :math:`\Psi = \varphi(r_1)\varphi(r_2)`,
    and :math:`E[\varphi] = 2\langle\varphi|h|\varphi\rangle + (\varphi\varphi|\varphi\varphi)` with
    :math:`h = -\tfrac12\nabla^2 + \tfrac12\omega^2 r^2`. Its stationarity condition is the
    Roothaan equation :math:`F c = \varepsilon S c` with the Fock matrix
    :math:`F_{kl} = h_{kl} + \sum_{mn} (kl|mn)\, c_m c_n`, solved by iteration until the energy
    changes by less than ``tol`` (each step mixes half of the previous Coulomb matrix into the
    new one, which damps the oscillation of the plain iteration). The basis is even-tempered,
    :math:`a_k = \tfrac{\omega}{2}\,\text{ratio}^{\,k - (n-1)/2}`, centred on the non-interacting
    orbital. The result is an upper bound of the exact energy; the difference is the correlation energy. With
    ``coulomb=False`` it is :math:`2\omega`, and with one basis function it is the Gaussian
    product of :func:`gaussian_product_energy` at :math:`\alpha = \omega/2`. ``omega`` must
    lie in :data:`OMEGA_RANGE`; no convergence in ``max_iter`` iterations raises
    :class:`physml.ConvergenceError`.
    """
    omega = _check_omega(omega)
    n_basis = check_int(n_basis, "n_basis", minimum=1, maximum=60)
    ratio = float(check_scalar(ratio, "ratio", minimum=1.0, include_min=False))
    if (n_basis - 1) * math.log10(ratio) > 100:
        raise ValueError(
            f"ratio={ratio:g} with n_basis={n_basis}: the exponents would span "
            f"{(n_basis - 1) * math.log10(ratio):.3g} decades (at most 100, or the integrals overflow); "
            "use a smaller ratio or fewer functions"
        )
    coulomb = check_bool(coulomb, "coulomb")
    tol = float(check_scalar(tol, "tol", minimum=0.0, include_min=False))
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    exponents = 0.5 * omega * ratio ** (np.arange(n_basis) - (n_basis - 1) / 2)
    overlap, kinetic, trap, eri = _gaussian_integrals(exponents, omega, coulomb)
    one_body = kinetic + trap
    energy_old = np.inf
    fock, mixed = one_body, None
    for n_iter in range(1, max_iter + 1):  # noqa: B007 (n_iter is returned)
        try:
            values, vectors = eigh(fock, overlap)
        except np.linalg.LinAlgError as err:
            raise ValueError(
                f"hartree_fock_dot: n_basis={n_basis} Gaussians with ratio={ratio} are numerically "
                "linearly dependent (the overlap matrix is not positive definite in floating point); "
                "use fewer functions or a larger ratio"
            ) from err
        c = vectors[:, 0]
        coulomb_matrix = np.einsum("klmn,m,n->kl", eri, c, c)
        energy = float(2 * c @ one_body @ c + c @ coulomb_matrix @ c)
        if abs(energy - energy_old) < tol:
            break
        energy_old = energy
        # damping: half the new Coulomb matrix, half the previous one (plain iteration oscillates)
        mixed = coulomb_matrix if mixed is None else 0.5 * (coulomb_matrix + mixed)
        fock = one_body + mixed
    else:
        raise ConvergenceError(
            f"hartree_fock_dot: no convergence in max_iter={max_iter} iterations (raise max_iter or tol)"
        )
    c = c * np.sign(c.sum())
    return HartreeFockResult(
        omega=omega,
        energy=energy,
        kinetic=float(2 * c @ kinetic @ c),
        trap=float(2 * c @ trap @ c),
        interaction=float(c @ coulomb_matrix @ c),
        orbital_energy=float(values[0]),
        exponents=tuple(map(float, exponents)),
        coefficients=tuple(map(float, c)),
        n_iter=n_iter,
    )


def noninteracting_energy(n_particles: int, dims: int, omega: float) -> float:
    """N d omega / 2: non-interacting bosons in the lowest orbital (and 2 electrons of opposite spin)."""
    n_particles = check_int(n_particles, "n_particles", minimum=1)
    dims = check_int(dims, "dims", minimum=1)
    omega = float(check_scalar(omega, "omega", minimum=0.0, include_min=False))
    return 0.5 * n_particles * dims * omega
