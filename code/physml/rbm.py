r"""The Gaussian–binary restricted Boltzmann machine (chapters "Neural-network quantum states"
and "Boltzmann machines and energy-based models").

Visible units :math:`\boldsymbol x\in\mathbb R^M` (continuous), hidden units
:math:`\boldsymbol h\in\{0,1\}^N`, parameters :math:`\boldsymbol a` (visible bias),
:math:`\boldsymbol b` (hidden bias), :math:`\boldsymbol W` (:math:`M\times N` weights) and a
fixed width :math:`\sigma`. The energy of a configuration is

.. math::

    E(\boldsymbol x, \boldsymbol h) = \sum_{i=1}^M \frac{(x_i - a_i)^2}{2\sigma^2}
        - \sum_{j=1}^N b_j h_j - \sum_{i,j} \frac{x_i W_{ij} h_j}{\sigma^2},

and the joint distribution is :math:`P(\boldsymbol x,\boldsymbol h) = e^{-E(\boldsymbol x,\boldsymbol h)}/Z`.
The hidden units can be summed out analytically, since :math:`E` is linear in each :math:`h_j`:

.. math::

    F(\boldsymbol x) = \sum_{\boldsymbol h} e^{-E(\boldsymbol x,\boldsymbol h)}
    = e^{-\sum_i (x_i-a_i)^2/(2\sigma^2)}\prod_{j=1}^N\big(1 + e^{\theta_j(\boldsymbol x)}\big),
    \qquad \theta_j = b_j + \sum_i \frac{x_i W_{ij}}{\sigma^2},

with the *free energy* :math:`\mathcal F(\boldsymbol x) = -\log F(\boldsymbol x)`. The conditionals
factorise: :math:`p(h_j = 1\mid\boldsymbol x) = \mathrm{sigmoid}(\theta_j)` and
:math:`p(\boldsymbol x\mid\boldsymbol h) =
\mathcal N(\boldsymbol a + \boldsymbol W\boldsymbol h, \sigma^2\boldsymbol I)`,
which is what block Gibbs sampling alternates.

Arrays of visible configurations have the shape ``(samples, M)``, hidden ones ``(samples, N)``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from ._validate import as_float_array, as_rng, check_int, check_scalar


def softplus(t: np.ndarray) -> np.ndarray:
    r""":math:`\log(1 + e^t) = \max(t, 0) + \log(1 + e^{-|t|})`, computed without overflow.

    (The same as ``np.logaddexp(0, t)``, several times faster.)
    """
    t = np.asarray(t, dtype=float)
    return np.maximum(t, 0.0) + np.log1p(np.exp(-np.abs(t)))


def sigmoid(t: np.ndarray) -> np.ndarray:
    r""":math:`1/(1 + e^{-t})`, computed without overflow (``scipy.special.expit``)."""
    return expit(t)


class GaussianBinaryRBM:
    """A Gaussian–binary RBM with visible bias ``a`` (M), hidden bias ``b`` (N), weights ``W`` (M x N)."""

    def __init__(self, a, b, W, sigma: float = 1.0):
        if any(np.iscomplexobj(v) for v in (a, b, W)):
            raise TypeError("a, b and W must be real")
        self.a = as_float_array(a, "a", ndim=1)
        self.b = as_float_array(b, "b", ndim=1)
        self.W = as_float_array(W, "W", ndim=2)
        if self.W.shape != (self.a.size, self.b.size):
            raise ValueError(
                f"W must have shape (len(a), len(b)) = {(self.a.size, self.b.size)}, got {self.W.shape}"
            )
        self.sigma = float(check_scalar(sigma, "sigma", minimum=0.0, include_min=False))

    @classmethod
    def random(cls, n_visible: int, n_hidden: int, seed, scale: float = 0.01, sigma: float = 1.0):
        """Parameters drawn from N(0, scale^2) (a common start for training)."""
        n_visible = check_int(n_visible, "n_visible", minimum=1)
        n_hidden = check_int(n_hidden, "n_hidden", minimum=1)
        scale = check_scalar(scale, "scale", minimum=0.0)
        rng = as_rng(seed)
        return cls(
            scale * rng.standard_normal(n_visible),
            scale * rng.standard_normal(n_hidden),
            scale * rng.standard_normal((n_visible, n_hidden)),
            sigma,
        )

    @property
    def n_visible(self) -> int:
        return self.a.size

    @property
    def n_hidden(self) -> int:
        return self.b.size

    def __repr__(self) -> str:
        return (
            f"GaussianBinaryRBM(n_visible={self.n_visible}, n_hidden={self.n_hidden}, sigma={self.sigma:g})"
        )

    # --- validation ---
    def _visible(self, x) -> np.ndarray:
        x = as_float_array(x, "x", ndim=2)
        if x.shape[1] != self.n_visible:
            raise ValueError(f"x must have shape (samples, {self.n_visible}), got {x.shape}")
        return x

    def _hidden(self, h) -> np.ndarray:
        h = as_float_array(h, "h", ndim=2)
        if h.shape[1] != self.n_hidden:
            raise ValueError(f"h must have shape (samples, {self.n_hidden}), got {h.shape}")
        if not np.all((h == 0) | (h == 1)):
            raise ValueError("h must contain only 0 and 1")
        return h

    # --- energies ---
    def hidden_activation(self, x) -> np.ndarray:
        r""":math:`\theta_j(\boldsymbol x) = b_j + \sum_i x_i W_{ij}/\sigma^2`, shape (samples, N)."""
        return self._activation(self._visible(x))

    def _activation(self, x: np.ndarray) -> np.ndarray:
        return self.b + (x @ self.W) / self.sigma**2

    def energy(self, x, h) -> np.ndarray:
        r""":math:`E(\boldsymbol x, \boldsymbol h)` per sample."""
        x, h = self._visible(x), self._hidden(h)
        if x.shape[0] != h.shape[0]:
            raise ValueError(
                f"x and h must have the same number of samples, got {x.shape[0]} and {h.shape[0]}"
            )
        s2 = self.sigma**2
        return (
            ((x - self.a) ** 2).sum(axis=1) / (2 * s2)
            - h @ self.b
            - np.einsum("si,ij,sj->s", x, self.W, h) / s2
        )

    def free_energy(self, x) -> np.ndarray:
        r"""Free energy :math:`\mathcal F(\boldsymbol x) = -\log\sum_{\boldsymbol h} e^{-E}`,

        :math:`\mathcal F = \sum_i\frac{(x_i-a_i)^2}{2\sigma^2} - \sum_j\log(1+e^{\theta_j})`."""
        x = self._visible(x)
        return ((x - self.a) ** 2).sum(axis=1) / (2 * self.sigma**2) - softplus(self._activation(x)).sum(
            axis=1
        )

    def log_marginal(self, x) -> np.ndarray:
        r""":math:`\log F(\boldsymbol x) = -\mathcal F(\boldsymbol x)`, not normalised."""
        return -self.free_energy(x)

    def free_energy_grad(self, x) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r"""Derivatives of :math:`\log F(\boldsymbol x)` with respect to ``a``, ``b``, ``W``, per sample:

        :math:`(x_i - a_i)/\sigma^2`, :math:`\mathrm{sigmoid}(\theta_j)` and
        :math:`x_i\,\mathrm{sigmoid}(\theta_j)/\sigma^2`."""
        x = self._visible(x)
        p = sigmoid(self._activation(x))
        s2 = self.sigma**2
        return (x - self.a) / s2, p, x[:, :, None] * p[:, None, :] / s2

    # --- conditionals and Gibbs sampling ---
    def p_h_given_x(self, x) -> np.ndarray:
        r""":math:`p(h_j = 1\mid\boldsymbol x) = \mathrm{sigmoid}(\theta_j(\boldsymbol x))`."""
        return sigmoid(self.hidden_activation(x))

    def mean_x_given_h(self, h) -> np.ndarray:
        r"""The mean :math:`\boldsymbol a + \boldsymbol W\boldsymbol h` of the visible units given h."""
        return self.a + self._hidden(h) @ self.W.T

    def sample_h(self, x, seed) -> np.ndarray:
        """Draw h from p(h | x) (0/1 floats)."""
        rng = as_rng(seed)
        p = self.p_h_given_x(x)
        return (rng.random(p.shape) < p).astype(float)

    def sample_x(self, h, seed) -> np.ndarray:
        """Draw x from p(x | h) = N(a + W h, sigma^2)."""
        rng = as_rng(seed)
        mean = self.mean_x_given_h(h)
        return mean + self.sigma * rng.standard_normal(mean.shape)

    def gibbs_step(self, x, seed) -> np.ndarray:
        """One block Gibbs step x -> h ~ p(h|x) -> x' ~ p(x|h); leaves F(x)/Z invariant."""
        rng = as_rng(seed)
        return self.sample_x(self.sample_h(x, rng), rng)
