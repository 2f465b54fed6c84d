r"""Neural-network trial wave functions (chapter "Neural-network quantum states").

:class:`RBMWaveFunction` uses the marginal :math:`F(\boldsymbol x)` of the Gaussian–binary RBM of
:mod:`physml.rbm` as trial wave function, with the particle coordinates as visible units
(:math:`M = N_{\rm particles}\, d`), either :math:`\psi = F` (``power=1``) or
:math:`\psi = \sqrt F` (``power=0.5``, then :math:`|\psi|^2 = F` can be sampled exactly by
Gibbs sampling, :class:`Gibbs`), optionally times a Padé–Jastrow factor. With
:math:`\theta_j = b_j + \sum_i x_iW_{ij}/\sigma^2` and :math:`p_j = \mathrm{sigmoid}(\theta_j)`,

.. math::

    \log\psi &= p_{\rm ow}\Big(-\sum_i\frac{(x_i-a_i)^2}{2\sigma^2} + \sum_j\log(1+e^{\theta_j})\Big),\\
    \frac{\partial\log\psi}{\partial x_i} &=
        \frac{p_{\rm ow}}{\sigma^2}\Big(-(x_i-a_i) + \sum_j W_{ij}p_j\Big),\\
    \sum_i\frac{\partial^2\log\psi}{\partial x_i^2} &= p_{\rm ow}\Big(-\frac{M}{\sigma^2}
        + \frac{1}{\sigma^4}\sum_{i,j}W_{ij}^2\,p_j(1-p_j)\Big),

and the parameter derivatives :math:`p_{\rm ow}(x_i-a_i)/\sigma^2`, :math:`p_{\rm ow}\,p_j` and
:math:`p_{\rm ow}\,x_ip_j/\sigma^2` for :math:`a_i`, :math:`b_j` and :math:`W_{ij}`
(:math:`p_{\rm ow}` is the power, 1 or 1/2).
"""

from __future__ import annotations

import numpy as np

from .._validate import check_int, check_scalar
from ..rbm import GaussianBinaryRBM
from ..rbm import _sigmoid as sigmoid  # unchecked cores: the sampler calls them every step
from ..rbm import _softplus as softplus
from .samplers import Sampler
from .wavefunctions import PadeJastrow, WaveFunction


class RBMWaveFunction(WaveFunction):
    """The RBM trial function psi = F_rbm^power, optionally times exp(sum_{i<j} a r_ij / (1 + beta r_ij)).

    The parameters are ``a`` (M), ``b`` (N), ``W`` (M x N, row-major) and, with ``jastrow=True``,
    ``beta``; the width ``sigma`` and the cusp ``a_cusp`` are fixed.
    """

    def __init__(
        self,
        rbm: GaussianBinaryRBM,
        n_particles: int,
        dims: int,
        power: float = 0.5,
        jastrow: bool = False,
        beta: float = 0.5,
        a_cusp: float | None = None,
    ):
        if not isinstance(rbm, GaussianBinaryRBM):
            raise TypeError(f"rbm must be a physml.rbm.GaussianBinaryRBM, got {type(rbm).__name__}")
        n_particles = check_int(n_particles, "n_particles", minimum=1)
        dims = check_int(dims, "dims", minimum=1, maximum=3)
        if rbm.n_visible != n_particles * dims:
            raise ValueError(
                f"rbm must have n_particles * dims = {n_particles * dims} visible units, got {rbm.n_visible}"
            )
        if isinstance(power, bool) or power not in (0.5, 1, 1.0):
            raise ValueError(f"power must be 0.5 (psi = sqrt(F)) or 1 (psi = F), got {power!r}")
        if not isinstance(jastrow, bool):
            raise TypeError(f"jastrow must be a bool, got {type(jastrow).__name__}")
        self.power = float(power)
        self.sigma = rbm.sigma
        self.n_visible, self.n_hidden = rbm.n_visible, rbm.n_hidden
        M, N = self.n_visible, self.n_hidden
        names = [f"a{i}" for i in range(M)] + [f"b{j}" for j in range(N)]
        names += [f"W{i}_{j}" for i in range(M) for j in range(N)]
        params = [rbm.a, rbm.b, rbm.W.ravel()]
        self.jastrow = jastrow
        if a_cusp is not None:
            check_scalar(a_cusp, "a_cusp")
        if jastrow:
            check_scalar(beta, "beta", minimum=0.0)
            self._pade = PadeJastrow(1.0, beta, n_particles, dims, a=a_cusp)
            names.append("beta")
            params.append([beta])
        self.param_names = tuple(names)
        super().__init__(
            np.concatenate([np.asarray(p, dtype=float).ravel() for p in params]), n_particles, dims
        )

    @classmethod
    def random(
        cls, n_particles: int, dims: int, n_hidden: int, seed, scale: float = 0.01, sigma: float = 1.0, **kw
    ):
        """An RBM wave function with small random parameters (see ``GaussianBinaryRBM.random``)."""
        n_particles = check_int(n_particles, "n_particles", minimum=1)
        dims = check_int(dims, "dims", minimum=1, maximum=3)
        rbm = GaussianBinaryRBM.random(n_particles * dims, n_hidden, seed, scale=scale, sigma=sigma)
        return cls(rbm, n_particles, dims, **kw)

    # --- the parameters as arrays ---
    def _split(self):
        M, N = self.n_visible, self.n_hidden
        p = self.params
        return p[:M], p[M : M + N], p[M + N : M + N + M * N].reshape(M, N)

    @property
    def rbm(self) -> GaussianBinaryRBM:
        """The RBM with the current parameters."""
        a, b, W = self._split()
        return GaussianBinaryRBM(a, b, W, self.sigma)

    def _jastrow(self) -> PadeJastrow:
        """The Pade-Jastrow factor with the current beta (cached: built once per parameter set)."""
        cached = self.__dict__.get("_pade_cached")
        beta = self.params[-1]
        if cached is None or cached[0] != beta:
            cached = (beta, self._pade.with_params([1.0, beta]))
            self.__dict__["_pade_cached"] = cached
        return cached[1]

    def _check_domain(self, params):
        if self.jastrow and params[-1] < 0:
            raise ValueError(
                f"params: beta must be >= 0 (the Pade-Jastrow factor has a pole otherwise), got {params[-1]}"
            )

    # --- log psi and its derivatives ---
    def _hidden(self, x):
        """Visible units v (walkers, M), the parameters and s_j = sigmoid(theta_j)."""
        a, b, W = self._split()
        v = x.reshape(x.shape[0], -1)
        return v, a, W, sigmoid(b + v @ W / self.sigma**2)

    def _log_psi(self, x):
        a, b, W = self._split()
        v = x.reshape(x.shape[0], -1)
        s2 = self.sigma**2
        d = v - a
        out = self.power * (softplus(b + v @ W / s2).sum(axis=1) - np.einsum("wi,wi->w", d, d) / (2 * s2))
        if self.jastrow:
            pade = self._jastrow()
            out = out + pade._pair_value(pade._pair_vectors(x)[1]).sum(axis=1)
        return out

    def _grad_lap(self, x):
        grad, lap, _ = self._derivatives(x, params=False)
        return grad, lap

    def _param_grad(self, x):
        return self._derivatives(x, params=True)[2]

    def _derivatives(self, x, params: bool = True):
        v, a, W, s = self._hidden(x)
        s2 = self.sigma**2
        grad = ((self.power / s2) * (s @ W.T - (v - a))).reshape(x.shape)
        lap = self.power * (-self.n_visible / s2 + (s * (1.0 - s)) @ (W * W).sum(axis=0) / s2**2)
        pgrad = None
        if params:
            n = x.shape[0]
            parts = [(v - a) / s2, s, (v[:, :, None] * s[:, None, :]).reshape(n, -1) / s2]
            pgrad = self.power * np.concatenate(parts, axis=1)
        if self.jastrow:
            _, g_j, lap_j, p_j = self._jastrow()._jastrow_terms(x)
            grad, lap = grad + g_j, lap + lap_j
            if params:
                pgrad = np.concatenate([pgrad, p_j], axis=1)
        return grad, lap, pgrad


class Gibbs(Sampler):
    r"""Block Gibbs sampling of :math:`|\psi|^2 = F_{\rm rbm}` for :math:`\psi = \sqrt{F_{\rm rbm}}`.

    One step draws :math:`\boldsymbol h\sim p(\boldsymbol h|\boldsymbol x)` and then
    :math:`\boldsymbol x\sim p(\boldsymbol x|\boldsymbol h)` for every walker; every move is accepted.
    Only for :class:`RBMWaveFunction` with ``power=0.5`` and no Jastrow factor.
    """

    def _check(self, wf):
        if not isinstance(wf, RBMWaveFunction) or wf.power != 0.5 or wf.jastrow:
            raise TypeError(
                "wf must be an RBMWaveFunction with power=0.5 and no Jastrow factor for Gibbs sampling, "
                f"got {wf!r}"
            )
        return wf

    def __repr__(self) -> str:
        return "Gibbs()"

    def _step(self, wf, walkers, rng):
        a, b, W = wf._split()
        n = walkers.n_walkers
        v = walkers.x.reshape(n, -1)
        s2 = wf.sigma**2
        p = sigmoid(b + v @ W / s2)
        h = (rng.random(p.shape) < p).astype(float)
        v_new = a + h @ W.T + wf.sigma * rng.standard_normal(v.shape)
        walkers.x[...] = v_new.reshape(walkers.x.shape)
        walkers.log_psi = wf._log_psi(walkers.x)
        return n
