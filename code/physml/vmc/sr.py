r"""Stochastic reconfiguration: the natural-gradient step of variational Monte Carlo.

Chapters "Optimization" (section *Natural gradient and stochastic reconfiguration*) and
"Neural-network quantum states" (spin chains). With the log-derivatives
:math:`O_k(\boldsymbol s) = \partial\log\psi(\boldsymbol s)/\partial\theta_k` and the local
energy :math:`E_L(\boldsymbol s)` sampled from :math:`|\psi|^2`,

.. math::

    S_{kl} = \langle O_k^* O_l\rangle - \langle O_k^*\rangle\langle O_l\rangle,\qquad
    F_k = \langle E_L O_k^*\rangle - \langle E_L\rangle\langle O_k^*\rangle,

and one step solves :math:`(S + \epsilon_{\rm SR} I)\,\boldsymbol\delta = \boldsymbol F` and moves
:math:`\boldsymbol\theta \leftarrow \boldsymbol\theta - \eta\,\boldsymbol\delta`. :math:`S` is the
quantum geometric tensor (the Fisher information of :math:`|\psi|^2` up to a factor 4 for
real parameters), :math:`2F` the energy gradient, and the diagonal shift
:math:`\epsilon_{\rm SR} > 0` keeps the solve well posed when :math:`S` is singular (it always
is with fewer samples than parameters). Everything is real float64: the book's wave
functions are real (a sign, such as Marshall's, is carried separately).
"""

from __future__ import annotations

import numpy as np

from .._validate import as_float_array, check_same_length, check_scalar


def _sr_matrices(o: np.ndarray, e_loc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unchecked core of :func:`sr_matrices` (the sampling loops call it)."""
    n = o.shape[0]
    oc = o - o.mean(axis=0)
    ec = e_loc - e_loc.mean()
    return oc.T @ oc / n, oc.T @ ec / n


def sr_matrices(o, e_loc) -> tuple[np.ndarray, np.ndarray]:
    r"""The quantum geometric tensor :math:`S` and the force :math:`\boldsymbol F` from samples.

    ``o`` holds :math:`O_k(\boldsymbol s_i)` for the samples :math:`i = 0,\dots,n-1` (shape
    ``(n, k)``) and ``e_loc`` the local energies (shape ``(n,)``):

    .. math::

        S = \frac1n\sum_i \Delta O_i\,\Delta O_i^{\mathsf T},\qquad
        F = \frac1n\sum_i \Delta O_i\,(E_L(\boldsymbol s_i) - \bar E_L),\qquad
        \Delta O_i = O(\boldsymbol s_i) - \bar O .

    Used in the chapters "Optimization" and "Neural-network quantum states".
    """
    o = as_float_array(o, "o", ndim=2, nonempty=True)
    e_loc = as_float_array(e_loc, "e_loc", ndim=1, nonempty=True)
    check_same_length(o, "o", e_loc, "e_loc")
    if o.shape[0] < 2:
        raise ValueError(f"o must hold at least 2 samples to estimate a covariance, got {o.shape[0]}")
    return _sr_matrices(o, e_loc)


def _sr_solve(s: np.ndarray, f: np.ndarray, diag_shift: float) -> np.ndarray:
    """Unchecked core of :func:`sr_solve`: Cholesky solve of (S + shift I) delta = F."""
    from scipy.linalg import LinAlgError, cho_factor, cho_solve

    a = s + diag_shift * np.eye(len(f))
    try:
        return cho_solve(cho_factor(a, lower=True, check_finite=False), f, check_finite=False)
    except LinAlgError:  # S + shift I is positive definite in exact arithmetic; rounding aside
        return np.linalg.lstsq(a, f, rcond=None)[0]


def check_diag_shift(diag_shift, name: str = "diag_shift") -> float:
    """A diagonal shift must be a positive, finite real number (it makes S + shift I invertible)."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    return float(check_scalar(diag_shift, name, minimum=0.0, include_min=False, maximum=1e6))


def sr_solve(s, f, diag_shift: float = 1e-2) -> np.ndarray:
    r"""Solve :math:`(S + \epsilon_{\rm SR} I)\,\boldsymbol\delta = \boldsymbol F` for the SR direction.

    ``s`` is a symmetric positive semi-definite ``(k, k)`` matrix, ``f`` a vector of length
    ``k`` and ``diag_shift`` :math:`\epsilon_{\rm SR} > 0` (a non-positive shift is refused:
    :math:`S` estimated from fewer samples than parameters is singular). Chapter
    "Optimization", section on the natural gradient.
    """
    s = as_float_array(s, "s", ndim=2, nonempty=True)
    f = as_float_array(f, "f", ndim=1, nonempty=True)
    if s.shape != (len(f), len(f)):
        raise ValueError(f"s must be a ({len(f)}, {len(f)}) matrix to match f, got shape {s.shape}")
    if not np.allclose(s, s.T, rtol=1e-10, atol=1e-12 * max(1.0, float(np.abs(s).max()))):
        raise ValueError("s must be symmetric (a covariance matrix of the log-derivatives)")
    diag_shift = check_diag_shift(diag_shift)
    return _sr_solve(s, f, diag_shift)


class StochasticReconfiguration:
    r"""The SR update
    :math:`\boldsymbol\theta\leftarrow\boldsymbol\theta - \eta\,(S+\epsilon_{\rm SR}I)^{-1}\boldsymbol F`.

    ``learning_rate`` is :math:`\eta` (the imaginary-time step), ``diag_shift`` the
    :math:`\epsilon_{\rm SR} > 0` added to the diagonal of :math:`S`. Used by
    :func:`physml.vmc.lattice.optimize_lattice` (chapter "Neural-network quantum states").
    """

    def __init__(self, learning_rate: float = 0.05, diag_shift: float = 1e-2):
        self.learning_rate = float(
            check_scalar(learning_rate, "learning_rate", minimum=0.0, include_min=False, maximum=10.0)
        )
        self.diag_shift = check_diag_shift(diag_shift)

    def __repr__(self) -> str:
        return f"StochasticReconfiguration(learning_rate={self.learning_rate}, diag_shift={self.diag_shift})"

    def _delta(self, s: np.ndarray, f: np.ndarray) -> np.ndarray:
        return -self.learning_rate * _sr_solve(s, f, self.diag_shift)

    def delta(self, o, e_loc) -> np.ndarray:
        r"""The parameter change :math:`-\eta\,(S+\epsilon_{\rm SR}I)^{-1}\boldsymbol F` from samples
        ``o`` (shape ``(n, k)``) and ``e_loc`` (shape ``(n,)``)."""
        s, f = sr_matrices(o, e_loc)
        return self._delta(s, f)
