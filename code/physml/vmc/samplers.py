r"""Markov-chain samplers of :math:`|\psi_T|^2` for many walkers at once (chapter "Variational Monte Carlo").

A *walker* is one configuration :math:`\boldsymbol R` of all particles; the samplers
move every walker of an array ``x`` of shape ``(walkers, particles, dims)`` in one
vectorised step. One step proposes a new position for every particle of every walker
and accepts or rejects each walker's proposal as a whole.

* :class:`Metropolis` (brute force): :math:`\boldsymbol R' = \boldsymbol R + \delta\,\boldsymbol\xi`,
  with Gaussian or uniform :math:`\boldsymbol\xi`, accepted with probability
  :math:`\min(1, |\psi_T(\boldsymbol R')|^2/|\psi_T(\boldsymbol R)|^2)`.
* :class:`Langevin` (importance sampling): the proposal follows the Langevin equation of
  the Fokker–Planck drift, :math:`\boldsymbol R' = \boldsymbol R + D\boldsymbol F(\boldsymbol R)\Delta t
  + \sqrt{2D\Delta t}\,\boldsymbol\xi`, with :math:`D=\tfrac12` and the quantum force
  :math:`\boldsymbol F = 2\nabla\log\psi_T`, and is accepted with the Metropolis–Hastings ratio
  that contains the Green's function :math:`G(\boldsymbol y,\boldsymbol x) \propto
  \exp(-|\boldsymbol y-\boldsymbol x-D\Delta t\boldsymbol F(\boldsymbol x)|^2/(4D\Delta t))`.

Every sampler takes a ``numpy.random.Generator``; :func:`walker_streams` makes
independent streams for groups of walkers (e.g. one per MPI rank) with
``numpy.random.SeedSequence.spawn``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_rng, check_choice, check_int, check_scalar, check_type
from .wavefunctions import WaveFunction, check_positions


def walker_streams(seed, n_streams: int) -> list[np.random.Generator]:
    """``n_streams`` independent generators from one seed, via ``SeedSequence.spawn``.

    ``seed`` is an int or a ``numpy.random.Generator`` (then its ``spawn`` is used). Stream
    ``k`` is the same whatever the number of streams asked for after it.
    """
    n_streams = check_int(n_streams, "n_streams", minimum=1)
    if isinstance(seed, np.random.Generator):
        return seed.spawn(n_streams)
    as_rng(seed)  # validates the seed
    return [np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(n_streams)]


@dataclass
class Walkers:
    """The state of the chains: positions, cached log psi (and gradient for Langevin moves)."""

    x: np.ndarray
    log_psi: np.ndarray
    grad: np.ndarray | None = None

    @property
    def n_walkers(self) -> int:
        return self.x.shape[0]


def _check_wf(wf) -> WaveFunction:
    if not isinstance(wf, WaveFunction):
        raise TypeError(f"wf must be a physml.vmc WaveFunction, got {type(wf).__name__}")
    return wf


class Sampler:
    """Base class of the samplers: walker initialisation and the sampling loop.

    A sampler implements the unchecked move ``_step(wf, walkers, rng)``, which the sampling
    loops call; the public :meth:`step` checks its arguments first.
    """

    needs_grad = False

    def _check(self, wf) -> WaveFunction:
        """Check that this sampler can sample ``wf`` (a hook: Gibbs needs an RBM)."""
        return _check_wf(wf)

    def _check_walkers(self, wf: WaveFunction, walkers) -> Walkers:
        """Check that ``walkers`` are walkers of ``wf`` with the caches this sampler needs."""
        check_type(walkers, Walkers, "walkers", "physml.vmc.Walkers (from init_walkers or walkers_at)")
        x, log_psi = walkers.x, walkers.log_psi
        if not isinstance(x, np.ndarray) or x.ndim != 3 or x.shape[1:] != (wf.n_particles, wf.dims):
            raise ValueError(
                f"walkers must hold positions (walkers, {wf.n_particles}, {wf.dims}) for wf, "
                f"got {getattr(x, 'shape', type(x).__name__)}"
            )
        if not isinstance(log_psi, np.ndarray) or log_psi.shape != (x.shape[0],):
            raise ValueError(f"walkers must cache log psi for each of the {x.shape[0]} walkers")
        if self.needs_grad and (not isinstance(walkers.grad, np.ndarray) or walkers.grad.shape != x.shape):
            raise ValueError(
                f"walkers must cache the gradient of log psi for {self!r}: make them with its walkers_at"
            )
        return walkers

    def init_walkers(self, wf: WaveFunction, n_walkers: int, seed, scale: float = 1.0) -> Walkers:
        """``n_walkers`` walkers at Gaussian random positions of width ``scale``."""
        self._check(wf)
        n_walkers = check_int(n_walkers, "n_walkers", minimum=1)
        scale = check_scalar(scale, "scale", minimum=0.0, include_min=False)
        rng = as_rng(seed)
        x = scale * rng.standard_normal((n_walkers, wf.n_particles, wf.dims))
        return self.walkers_at(wf, x)

    def walkers_at(self, wf: WaveFunction, x) -> Walkers:
        """Walkers at the given positions (log psi and, if needed, its gradient computed)."""
        x = check_positions(x, self._check(wf).n_particles, wf.dims).copy()
        walkers = Walkers(x, wf._log_psi(x))
        if self.needs_grad:
            walkers.grad = wf._grad_lap(x)[0]
        return walkers

    def refresh(self, wf: WaveFunction, walkers: Walkers) -> None:
        """Recompute the cached values after the parameters of ``wf`` changed."""
        self._check(wf)
        check_type(walkers, Walkers, "walkers", "physml.vmc.Walkers (from init_walkers or walkers_at)")
        if not isinstance(walkers.x, np.ndarray) or walkers.x.shape[1:] != (wf.n_particles, wf.dims):
            raise ValueError(f"walkers must hold positions (walkers, {wf.n_particles}, {wf.dims}) for wf")
        walkers.log_psi = wf._log_psi(walkers.x)
        if self.needs_grad:
            walkers.grad = wf._grad_lap(walkers.x)[0]

    def step(self, wf: WaveFunction, walkers: Walkers, rng: int | np.random.Generator) -> int:
        """Move every walker once (in place); return the number of accepted moves.

        ``rng`` is a ``numpy.random.Generator`` or an int seed (a fresh Generator each call);
        :meth:`sample` and the driver's loops call the unchecked ``_step`` with one Generator.
        """
        self._check(wf)
        self._check_walkers(wf, walkers)
        return self._step(wf, walkers, as_rng(rng, "rng"))

    def _step(self, wf: WaveFunction, walkers: Walkers, rng: np.random.Generator) -> int:
        raise NotImplementedError(f"{type(self).__name__} does not implement _step")

    def sample(self, wf: WaveFunction, walkers: Walkers, n_steps: int, seed, n_burn: int = 0):
        """Run ``n_burn`` + ``n_steps`` steps; return positions after each of the last ``n_steps``
        (shape ``(n_steps, walkers, particles, dims)``) and the acceptance rate."""
        self._check(wf)
        self._check_walkers(wf, walkers)
        n_steps = check_int(n_steps, "n_steps", minimum=1)
        n_burn = check_int(n_burn, "n_burn", minimum=0)
        rng = as_rng(seed)
        for _ in range(n_burn):
            self._step(wf, walkers, rng)
        out = np.empty((n_steps,) + walkers.x.shape)
        accepted = 0
        for t in range(n_steps):
            accepted += self._step(wf, walkers, rng)
            out[t] = walkers.x
        return out, accepted / (n_steps * walkers.n_walkers)


class Metropolis(Sampler):
    r"""Brute-force Metropolis: move all particles of a walker by ``step_size`` times a
    standard normal (``moves="gaussian"``) or uniform on :math:`[-\tfrac12, \tfrac12)` (``"uniform"``)
    random vector, accept with probability :math:`\min(1, |\psi_T'|^2/|\psi_T|^2)`.

    The test :math:`u < e^{2\Delta\log\psi}` with uniform :math:`u` is done as
    :math:`-\log u = \epsilon > -2\Delta\log\psi` with an exponential :math:`\epsilon`, which is
    the same test without a logarithm or exponential in the loop.
    """

    def __init__(self, step_size: float = 1.0, moves: str = "gaussian"):
        self.step_size = float(check_scalar(step_size, "step_size", minimum=0.0, include_min=False))
        self.moves = check_choice(moves, "moves", ("gaussian", "uniform"))

    def __repr__(self) -> str:
        return f"Metropolis(step_size={self.step_size:g}, moves={self.moves!r})"

    def _buffers(self, walkers: Walkers) -> dict[str, np.ndarray]:
        """Scratch arrays for the step, allocated once per walker shape (no temporaries per step)."""
        buffers = getattr(self, "_scratch", None)
        if buffers is None or buffers["xi"].shape != walkers.x.shape:
            n = walkers.x.shape[0]
            buffers = {
                "xi": np.empty(walkers.x.shape),
                "trial": np.empty(walkers.x.shape),
                "new": np.empty(n),
                "e": np.empty(n),
                "mask": np.empty(n, dtype=bool),
            }
            self._scratch = buffers
        return buffers

    def _step(self, wf, walkers, rng):
        b = self._buffers(walkers)
        xi, trial, new, e, mask = b["xi"], b["trial"], b["new"], b["e"], b["mask"]
        if self.moves == "gaussian":
            rng.standard_normal(out=xi)
        else:
            rng.random(out=xi)
            xi -= 0.5
        xi *= self.step_size  # the proposed displacement of every particle
        np.add(walkers.x, xi, out=trial)
        wf._log_psi_into(trial, new)
        rng.standard_exponential(out=e)
        # accept when 2 (log psi' - log psi) > -e, computed in place in e
        e += 2.0 * (new - walkers.log_psi)
        np.greater(e, 0.0, out=mask)
        accepted = np.flatnonzero(mask)  # only the accepted walkers move
        n = walkers.x.shape[0]
        walkers.x.reshape(n, -1)[accepted] = np.take(trial.reshape(n, -1), accepted, axis=0)
        walkers.log_psi[accepted] = new[accepted]
        return int(accepted.size)


class Langevin(Sampler):
    r"""Importance sampling with the quantum-force drift (Metropolis-adjusted Langevin).

    Proposal :math:`\boldsymbol y = \boldsymbol x + \Delta t\,\nabla\log\psi_T(\boldsymbol x)
    + \sqrt{\Delta t}\,\boldsymbol\xi` (that is :math:`D\Delta t\boldsymbol F` with :math:`D=\tfrac12`),
    accepted with probability

    .. math::

        \min\Big(1, \frac{G(\boldsymbol x,\boldsymbol y)\,|\psi_T(\boldsymbol y)|^2}
                        {G(\boldsymbol y,\boldsymbol x)\,|\psi_T(\boldsymbol x)|^2}\Big),\qquad
        \log G(\boldsymbol y,\boldsymbol x) =
        -\frac{|\boldsymbol y-\boldsymbol x-\Delta t\,\nabla\log\psi_T(\boldsymbol x)|^2}{2\Delta t} .
    """

    needs_grad = True

    def __init__(self, dt: float = 0.1):
        self.dt = float(check_scalar(dt, "dt", minimum=0.0, include_min=False))

    def __repr__(self) -> str:
        return f"Langevin(dt={self.dt:g})"

    def _step(self, wf, walkers, rng):
        x, dt = walkers.x, self.dt
        noise = rng.standard_normal(x.shape)
        trial = x + dt * walkers.grad + np.sqrt(dt) * noise
        log_psi = wf._log_psi(trial)
        grad = wf._grad_lap(trial)[0]
        n = x.shape[0]
        back = (x - trial - dt * grad).reshape(n, -1)
        log_g_back = -np.einsum("wk,wk->w", back, back) / (2.0 * dt)  # log G(x, y)
        noise = noise.reshape(n, -1)
        log_g_forward = -0.5 * np.einsum("wk,wk->w", noise, noise)  # log G(y, x)
        log_ratio = 2.0 * (log_psi - walkers.log_psi) + log_g_back - log_g_forward
        accept = log_ratio > -rng.standard_exponential(n)
        x[accept] = trial[accept]
        walkers.log_psi[accept] = log_psi[accept]
        walkers.grad[accept] = grad[accept]
        return int(np.count_nonzero(accept))
