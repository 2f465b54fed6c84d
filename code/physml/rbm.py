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

import itertools
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit, logsumexp

from ._validate import (
    as_float_array,
    as_rng,
    check_bool,
    check_callable,
    check_finite_loss,
    check_int,
    check_scalar,
)
from .optim import minibatches


def softplus(t: np.ndarray) -> np.ndarray:
    r""":math:`\log(1 + e^t)`, computed without overflow."""
    return _softplus(as_float_array(t, "t", nonempty=True))


def sigmoid(t: np.ndarray) -> np.ndarray:
    r""":math:`1/(1 + e^{-t})`, computed without overflow (``scipy.special.expit``)."""
    return _sigmoid(as_float_array(t, "t", nonempty=True))


def _softplus(t: np.ndarray) -> np.ndarray:
    """:func:`softplus` without checks (the RBMs and the sampler's wave functions call it):
    max(t, 0) + log(1 + exp(-|t|)), the same as ``np.logaddexp(0, t)`` but several times faster."""
    return np.maximum(t, 0.0) + np.log1p(np.exp(-np.abs(t)))


def _sigmoid(t: np.ndarray) -> np.ndarray:
    """:func:`sigmoid` without checks (the RBMs and the sampler's wave functions call it)."""
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
        x = as_float_array(x, "x", ndim=2, nonempty=True)
        if x.shape[1] != self.n_visible:
            raise ValueError(f"x must have shape (samples, {self.n_visible}), got {x.shape}")
        return x

    def _hidden(self, h) -> np.ndarray:
        h = as_float_array(h, "h", ndim=2, nonempty=True)
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
        return ((x - self.a) ** 2).sum(axis=1) / (2 * self.sigma**2) - _softplus(self._activation(x)).sum(
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
        p = _sigmoid(self._activation(x))
        s2 = self.sigma**2
        return (x - self.a) / s2, p, x[:, :, None] * p[:, None, :] / s2

    # --- conditionals and Gibbs sampling ---
    def p_h_given_x(self, x) -> np.ndarray:
        r""":math:`p(h_j = 1\mid\boldsymbol x) = \mathrm{sigmoid}(\theta_j(\boldsymbol x))`."""
        return _sigmoid(self.hidden_activation(x))

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

    def log_partition(self) -> float:
        r"""Exact :math:`\log Z` of the Gaussian–binary RBM, by enumerating the hidden layer.

        The Gaussian integral over :math:`\boldsymbol x` for fixed :math:`\boldsymbol h` gives

        .. math::

            Z = (2\pi\sigma^2)^{M/2}\sum_{\boldsymbol h}
                \exp\Big(\boldsymbol b^\top\boldsymbol h
                + \frac{\lVert\boldsymbol a+\boldsymbol W\boldsymbol h\rVert^2
                - \lVert\boldsymbol a\rVert^2}{2\sigma^2}\Big).

        Needs ``n_hidden <= MAX_ENUMERATED`` (chapter "Boltzmann machines")."""
        if self.n_hidden > MAX_ENUMERATED:
            raise ValueError(
                f"log_partition enumerates 2^n_hidden states: n_hidden must be <= {MAX_ENUMERATED}"
            )
        h = binary_states(self.n_hidden)
        s2 = self.sigma**2
        mean = self.a + h @ self.W.T
        terms = h @ self.b + ((mean**2).sum(axis=1) - (self.a**2).sum()) / (2 * s2)
        return float(0.5 * self.n_visible * np.log(2 * np.pi * s2) + logsumexp(terms))

    def log_density(self, x) -> np.ndarray:
        r"""Normalised :math:`\log p(\boldsymbol x) = -\mathcal F(\boldsymbol x) - \log Z` (small
        ``n_hidden``)."""
        return -self.free_energy(x) - self.log_partition()


# ==============================================================================================
# The binary–binary RBM (chapter "Boltzmann machines and energy-based models")
# ==============================================================================================

MAX_ENUMERATED = 20
"""Largest layer that exact sums over :math:`2^n` states enumerate."""


def binary_states(n: int) -> np.ndarray:
    """All :math:`2^n` binary vectors of length n as rows of floats (first unit varies slowest)."""
    n = check_int(n, "n", minimum=0, maximum=MAX_ENUMERATED)
    return np.array(list(itertools.product((0.0, 1.0), repeat=n))).reshape(2**n, n)


def spins_to_binary(spins) -> np.ndarray:
    r"""Ising spins :math:`s = \pm 1` of shape (samples, L, L) or (samples, M) to units :math:`(s+1)/2`,
    shape (samples, M)."""
    s = as_float_array(spins, "spins", ndim=(2, 3), nonempty=True)
    if not np.all(np.abs(s) == 1):
        raise ValueError("spins must contain only -1 and +1")
    return (s.reshape(s.shape[0], -1) + 1.0) / 2.0


def binary_to_spins(x, L: int) -> np.ndarray:
    """Binary units (samples, L*L) back to Ising spins (samples, L, L) of type int8."""
    L = check_int(L, "L", minimum=1)
    x = as_float_array(x, "x", ndim=2, nonempty=True)
    if x.shape[1] != L * L:
        raise ValueError(f"x must have shape (samples, {L * L}) for L = {L}, got {x.shape}")
    _check_binary(x, "x")
    return (2 * x - 1).astype(np.int8).reshape(-1, L, L)


def _check_binary(x: np.ndarray, name: str) -> None:
    if not np.all((x == 0) | (x == 1)):
        raise ValueError(f"{name} must contain only 0 and 1 (binarise the data first)")


@dataclass
class Gradient:
    r"""A gradient of the mean log-likelihood with respect to ``a`` (M), ``b`` (N) and ``W`` (M x N).

    Positive minus negative phase: each field is :math:`\langle\cdot\rangle_{\text{data}} -
    \langle\cdot\rangle_{\text{model}}`."""

    a: np.ndarray
    b: np.ndarray
    W: np.ndarray

    def as_vector(self) -> np.ndarray:
        return np.concatenate([self.a, self.b, self.W.ravel()])

    def __sub__(self, other: Gradient) -> Gradient:
        if not isinstance(other, Gradient):
            raise TypeError(f"other must be a Gradient, got {type(other).__name__}")
        if (self.a.shape, self.b.shape, self.W.shape) != (other.a.shape, other.b.shape, other.W.shape):
            raise ValueError("other must be a Gradient of an RBM of the same size")
        return Gradient(self.a - other.a, self.b - other.b, self.W - other.W)


class BinaryRBM:
    r"""A binary–binary RBM: visible :math:`\boldsymbol x\in\{0,1\}^M`, hidden
    :math:`\boldsymbol h\in\{0,1\}^N`,

    .. math::

        E(\boldsymbol x,\boldsymbol h) = -\boldsymbol a^\top\boldsymbol x - \boldsymbol b^\top\boldsymbol h
            - \boldsymbol x^\top\boldsymbol W\boldsymbol h,
        \qquad P(\boldsymbol x,\boldsymbol h) = e^{-E(\boldsymbol x,\boldsymbol h)}/Z.

    The parameters ``a``, ``b``, ``W`` are float arrays that training updates in place."""

    def __init__(self, a, b, W):
        if any(np.iscomplexobj(v) for v in (a, b, W)):
            raise TypeError("a, b and W must be real")
        self.a = as_float_array(a, "a", ndim=1).copy()
        self.b = as_float_array(b, "b", ndim=1).copy()
        self.W = as_float_array(W, "W", ndim=2).copy()
        if self.W.shape != (self.a.size, self.b.size):
            raise ValueError(
                f"W must have shape (len(a), len(b)) = {(self.a.size, self.b.size)}, got {self.W.shape}"
            )

    @classmethod
    def random(cls, n_visible: int, n_hidden: int, seed, scale: float = 0.01) -> BinaryRBM:
        """Weights drawn from N(0, scale^2), biases zero (the start of scikit-learn's BernoulliRBM)."""
        n_visible = check_int(n_visible, "n_visible", minimum=1)
        n_hidden = check_int(n_hidden, "n_hidden", minimum=1)
        scale = check_scalar(scale, "scale", minimum=0.0)
        rng = as_rng(seed)
        return cls(
            np.zeros(n_visible), np.zeros(n_hidden), scale * rng.standard_normal((n_visible, n_hidden))
        )

    @property
    def n_visible(self) -> int:
        return self.a.size

    @property
    def n_hidden(self) -> int:
        return self.b.size

    @property
    def params(self) -> list[np.ndarray]:
        """``[a, b, W]``, the arrays an optimizer updates in place."""
        return [self.a, self.b, self.W]

    def copy(self) -> BinaryRBM:
        return BinaryRBM(self.a, self.b, self.W)

    def __repr__(self) -> str:
        return f"BinaryRBM(n_visible={self.n_visible}, n_hidden={self.n_hidden})"

    # --- validation ---
    def _visible(self, x, name: str = "x") -> np.ndarray:
        x = as_float_array(x, name, ndim=2, nonempty=True)
        if x.shape[1] != self.n_visible:
            raise ValueError(f"{name} must have shape (samples, {self.n_visible}), got {x.shape}")
        _check_binary(x, name)
        return x

    def _hidden(self, h) -> np.ndarray:
        h = as_float_array(h, "h", ndim=2, nonempty=True)
        if h.shape[1] != self.n_hidden:
            raise ValueError(f"h must have shape (samples, {self.n_hidden}), got {h.shape}")
        _check_binary(h, "h")
        return h

    # --- energies ---
    def energy(self, x, h) -> np.ndarray:
        r""":math:`E(\boldsymbol x,\boldsymbol h) = -\boldsymbol a^\top\boldsymbol x
        - \boldsymbol b^\top\boldsymbol h - \boldsymbol x^\top\boldsymbol W\boldsymbol h` per sample."""
        x, h = self._visible(x), self._hidden(h)
        if x.shape[0] != h.shape[0]:
            raise ValueError(
                f"x and h must have the same number of samples, got {x.shape[0]} and {h.shape[0]}"
            )
        return -x @ self.a - h @ self.b - np.einsum("si,ij,sj->s", x, self.W, h)

    def free_energy(self, x) -> np.ndarray:
        r"""Free energy
        :math:`\mathcal F(\boldsymbol x) = -\boldsymbol a^\top\boldsymbol x - \sum_{j=1}^N \log\big(1
        + e^{b_j + (\boldsymbol x^\top\boldsymbol W)_j}\big)`."""
        x = self._visible(x)
        return self._free_energy(x)

    def _free_energy(self, x: np.ndarray) -> np.ndarray:
        return -x @ self.a - _softplus(self.b + x @ self.W).sum(axis=1)

    def _hidden_free_energy(self, h: np.ndarray) -> np.ndarray:
        r"""The same with the roles exchanged:
        :math:`-\boldsymbol b^\top\boldsymbol h - \sum_i\log(1+e^{a_i+(\boldsymbol W\boldsymbol h)_i})`."""
        return -h @ self.b - _softplus(self.a + h @ self.W.T).sum(axis=1)

    # --- conditionals and Gibbs sampling ---
    def p_h_given_x(self, x) -> np.ndarray:
        r""":math:`p(h_j = 1\mid\boldsymbol x) = \mathrm{sigmoid}(b_j + \sum_i x_i W_{ij})`, shape (samples,
        N)."""
        return _sigmoid(self.b + self._visible(x) @ self.W)

    def p_x_given_h(self, h) -> np.ndarray:
        r""":math:`p(x_i = 1\mid\boldsymbol h) = \mathrm{sigmoid}(a_i + \sum_j W_{ij} h_j)`, shape (samples,
        M)."""
        return _sigmoid(self.a + self._hidden(h) @ self.W.T)

    def sample_h(self, x, seed) -> np.ndarray:
        """Draw h from p(h | x) (0/1 floats)."""
        p = self.p_h_given_x(x)
        return (as_rng(seed).random(p.shape) < p).astype(float)

    def sample_x(self, h, seed) -> np.ndarray:
        """Draw x from p(x | h) (0/1 floats)."""
        p = self.p_x_given_h(h)
        return (as_rng(seed).random(p.shape) < p).astype(float)

    def gibbs(self, x, n_steps: int, seed) -> np.ndarray:
        r"""``n_steps`` block Gibbs steps
        :math:`\boldsymbol x\to\boldsymbol h\sim p(\boldsymbol h|\boldsymbol x)
        \to\boldsymbol x'\sim p(\boldsymbol x|\boldsymbol h)`,

        for every row of ``x`` (one chain per row) at once. Leaves :math:`P(\boldsymbol x)` invariant."""
        x = self._visible(x)
        n_steps = check_int(n_steps, "n_steps", minimum=0)
        return self._gibbs(x, n_steps, as_rng(seed))

    def _gibbs(self, x: np.ndarray, n_steps: int, rng: np.random.Generator) -> np.ndarray:
        for _ in range(n_steps):
            h = (rng.random((x.shape[0], self.n_hidden)) < _sigmoid(self.b + x @ self.W)).astype(float)
            x = (rng.random(x.shape) < _sigmoid(self.a + h @ self.W.T)).astype(float)
        return x

    # --- exact results for tiny models ---
    def log_partition(self) -> float:
        r"""Exact :math:`\log Z = \log\sum_{\boldsymbol x}e^{-\mathcal F(\boldsymbol x)}`, summing over the
        smaller layer.

        Summing over :math:`2^N` hidden states uses the hidden free energy instead. Needs
        ``min(n_visible, n_hidden) <= MAX_ENUMERATED``."""
        if min(self.n_visible, self.n_hidden) > MAX_ENUMERATED:
            raise ValueError(f"log_partition needs a layer of at most {MAX_ENUMERATED} units")
        if self.n_hidden <= self.n_visible:
            return float(logsumexp(-self._hidden_free_energy(binary_states(self.n_hidden))))
        return float(logsumexp(-self._free_energy(binary_states(self.n_visible))))

    def log_likelihood(self, x) -> float:
        r"""Exact mean log-likelihood
        :math:`\frac1n\sum_i \log P(\boldsymbol x_i) = -\overline{\mathcal F} - \log Z`."""
        return float(-self.free_energy(x).mean() - self.log_partition())

    def positive_phase(self, x) -> Gradient:
        r"""Data averages :math:`\langle x_i\rangle`, :math:`\langle p(h_j|\boldsymbol x)\rangle`,
        :math:`\langle x_i\,p(h_j|\boldsymbol x)\rangle`."""
        x = self._visible(x)
        return self._phase(x)

    def _phase(self, x: np.ndarray, weights: np.ndarray | None = None) -> Gradient:
        ph = _sigmoid(self.b + x @ self.W)
        w = np.full(x.shape[0], 1.0 / x.shape[0]) if weights is None else weights
        return Gradient(w @ x, w @ ph, (x * w[:, None]).T @ ph)

    def model_expectations(self) -> Gradient:
        r"""Exact model averages :math:`\langle x_i\rangle`, :math:`\langle h_j\rangle`,
        :math:`\langle x_i h_j\rangle` by enumeration."""
        if min(self.n_visible, self.n_hidden) > MAX_ENUMERATED:
            raise ValueError(f"model_expectations needs a layer of at most {MAX_ENUMERATED} units")
        if self.n_visible <= self.n_hidden:
            x = binary_states(self.n_visible)
            logp = -self._free_energy(x)
            return self._phase(x, np.exp(logp - logsumexp(logp)))
        h = binary_states(self.n_hidden)
        logp = -self._hidden_free_energy(h)
        w = np.exp(logp - logsumexp(logp))
        px = _sigmoid(self.a + h @ self.W.T)
        return Gradient(w @ px, w @ h, (px * w[:, None]).T @ h)

    def exact_gradient(self, x) -> Gradient:
        r"""Exact gradient of the mean log-likelihood: positive phase minus negative phase,

        :math:`\partial_{W_{ij}}\overline{\log P} = \langle x_i h_j\rangle_{\text{data}}
        - \langle x_i h_j\rangle_{\text{model}}`
        (and likewise for ``a`` and ``b``)."""
        return self.positive_phase(x) - self.model_expectations()

    # --- contrastive divergence ---
    def cd_gradient(self, x, k: int, seed, chains=None) -> tuple[Gradient, np.ndarray]:
        r"""CD-k (``chains=None``) or persistent CD estimate of the log-likelihood gradient.

        The negative phase averages over chains run ``k`` Gibbs steps: from the data rows
        (CD-k) or from the persistent ``chains`` (PCD). Returns the gradient and the chains'
        new state (pass it back in for PCD)."""
        x = self._visible(x)
        k = check_int(k, "k", minimum=1)
        start = x if chains is None else self._visible(chains, "chains")
        negative = self._gibbs(start, k, as_rng(seed))
        return self._phase(x) - self._phase(negative), negative

    # --- pseudo-likelihood ---
    def pseudo_log_likelihood(self, x) -> np.ndarray:
        r"""Pseudo-log-likelihood per sample, :math:`\sum_{i=1}^M \log P(x_i\mid\boldsymbol x_{-i})`,

        with :math:`P(x_i\mid\boldsymbol x_{-i})
        = \mathrm{sigmoid}\big(\mathcal F(\tilde{\boldsymbol x}^{(i)}) - \mathcal F(\boldsymbol x)\big)`
        and :math:`\tilde{\boldsymbol x}^{(i)}` the sample with unit i flipped. scikit-learn's
        ``BernoulliRBM.score_samples`` returns :math:`M` times one random term of this sum."""
        x = self._visible(x)
        f = self._free_energy(x)
        out = np.zeros(x.shape[0])
        for i in range(self.n_visible):
            flipped = x.copy()
            flipped[:, i] = 1.0 - flipped[:, i]
            out += -_softplus(-(self._free_energy(flipped) - f))  # log sigmoid
        return out


@dataclass
class TrainingHistory:
    """Per epoch: ``monitor`` (mean pseudo-log-likelihood of the monitored data, or exact
    log-likelihood when ``exact=True``) and ``grad_norm`` (norm of the last gradient)."""

    monitor: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)


def fit(
    rbm: BinaryRBM,
    x,
    *,
    epochs: int,
    batch_size: int,
    optimizer,
    k: int = 1,
    persistent: bool = True,
    seed,
    monitor=None,
    exact: bool = False,
    schedule=None,
) -> TrainingHistory:
    r"""Train ``rbm`` in place by stochastic gradient *ascent* on the log-likelihood, with CD-k or PCD.

    Each epoch shuffles ``x`` into mini-batches; each batch gives a CD-k gradient (chains
    started at the batch) or a PCD gradient (``persistent=True``: ``batch_size`` chains that
    carry over from batch to batch, started at the first batch), and ``optimizer`` (a
    ``physml.optim`` optimizer, which *minimises*) takes a step along minus the gradient.
    After every epoch the mean pseudo-log-likelihood of ``monitor`` (or, with ``exact=True``,
    its exact log-likelihood) is recorded; a NaN or infinite value stops training. A
    ``physml.optim`` learning-rate ``schedule`` sets the optimizer's rate at each epoch.
    """
    if not isinstance(rbm, BinaryRBM):
        raise TypeError(f"rbm must be a BinaryRBM, got {type(rbm).__name__}")
    x = rbm._visible(x)
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1, maximum=x.shape[0])
    k = check_int(k, "k", minimum=1)
    persistent = check_bool(persistent, "persistent")
    exact = check_bool(exact, "exact")
    if schedule is not None:
        check_callable(schedule, "schedule", "a physml.optim schedule (epoch -> learning rate)")
    if not hasattr(optimizer, "step"):
        raise TypeError("optimizer must be a physml.optim optimizer (with a step method)")
    monitor = x if monitor is None else rbm._visible(monitor, "monitor")
    rng = as_rng(seed)
    history = TrainingHistory()
    chains = None
    for epoch in range(epochs):
        if schedule is not None:
            optimizer.learning_rate = schedule(epoch)
        for batch in minibatches(x.shape[0], batch_size, rng):
            xb = x[batch]
            if persistent and chains is None:
                chains = xb.copy()
            grad, negative = rbm.cd_gradient(xb, k, rng, chains if persistent else None)
            if persistent:
                chains = negative
            optimizer.step(rbm.params, [-grad.a, -grad.b, -grad.W])
        value = rbm.log_likelihood(monitor) if exact else float(rbm.pseudo_log_likelihood(monitor).mean())
        check_finite_loss(value, epoch, "monitored log-likelihood")
        history.monitor.append(value)
        history.grad_norm.append(float(np.linalg.norm(grad.as_vector())))
    return history


def ising_rbm(L: int, T: float) -> BinaryRBM:
    r"""A binary RBM whose marginal over the visible units is *exactly* the Ising distribution
    of an L x L periodic lattice at temperature T (J = 1), with one hidden unit per bond
    (chapter "Boltzmann machines").

    With :math:`x = (s+1)/2`, a bond contributes :math:`K s_is_j = 4Kx_ix_j - 2K(x_i+x_j) + K`,
    :math:`K = 1/T`. Summing out a hidden unit coupled to :math:`x_i` and :math:`x_j` with
    weight :math:`w` and bias :math:`-w` gives the factor :math:`1 + e^{w(n-1)}`,
    :math:`n = x_i + x_j`, whose logarithm is :math:`A + B n + C x_ix_j` with

    .. math::

        C = 2\ln\cosh\frac w2, \qquad B = \ln 2 - \ln(1 + e^{-w}).

    :math:`C = 4K` fixes :math:`w = 2\,\mathrm{arccosh}\,e^{2K}`, and the visible bias
    :math:`a_i = -8K - 4B` removes the linear terms of the four bonds of every spin.
    Visible unit :math:`k = \ell L + m` is the spin at row :math:`\ell`, column :math:`m`.
    """
    L = check_int(L, "L", minimum=2)
    T = check_scalar(T, "T", minimum=0.0, include_min=False)
    K = 1.0 / T
    w = 2.0 * np.arccosh(np.exp(2.0 * K))
    B = np.log(2.0) - np.log1p(np.exp(-w))
    M = L * L
    index = np.arange(M).reshape(L, L)
    bonds = [(index[r, c], index[r, (c + 1) % L]) for r in range(L) for c in range(L)]
    bonds += [(index[r, c], index[(r + 1) % L, c]) for r in range(L) for c in range(L)]
    W = np.zeros((M, len(bonds)))
    for j, (p, q) in enumerate(bonds):
        W[p, j] += w
        W[q, j] += w
    return BinaryRBM(np.full(M, -8.0 * K - 4.0 * B), np.full(len(bonds), -w), W)
