r"""The two-dimensional Ising model: one implementation for the whole book.

Spins :math:`s_i = \pm 1` sit on an :math:`L \times L` square lattice with periodic
boundaries; with :math:`J = 1` and :math:`k_B = 1` the energy of a configuration is

.. math::

    H(\mathbf{s}) = -J \sum_{\langle ij \rangle} s_i s_j
                  = -J \sum_{i} s_i \left(s_{i + \hat x} + s_{i + \hat y}\right),

where the second form is the *bond convention* used throughout: every site has a bond
to its right and to its lower neighbour (wrapping around), so there are always
:math:`2L^2` bonds. For :math:`L = 2` this counts each neighbouring pair twice (the
direct bond and the one around the torus), and the ground-state energy is
:math:`-2L^2` for every :math:`L`.

Used by the classification (phases, after Mehta et al., Phys. Rep. 810, 1 (2019)),
convolutional-network, autoencoder, Boltzmann-machine and generative-modelling
chapters. Contents:

* :func:`energy`, :func:`magnetization` of one configuration or a batch;
* :func:`metropolis` (vectorised checkerboard single-spin flips, many chains at once)
  and :func:`wolff` (cluster updates, efficient near the critical point);
* :func:`sample`: labelled configurations at several temperatures, for classifiers;
* :func:`exact`: exact thermodynamics of :math:`L \le 4` by enumerating all states;
* Onsager's critical temperature :data:`ONSAGER_TC`, the spontaneous magnetization
  :func:`onsager_magnetization` and the energy :func:`onsager_energy` of the infinite lattice.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ellipk, logsumexp

from ._validate import as_float_array, as_rng, check_bool, check_int, check_scalar

ONSAGER_TC = 2.0 / math.log(1.0 + math.sqrt(2.0))
r"""Critical temperature of the infinite lattice, :math:`T_c = 2/\ln(1+\sqrt2) \approx 2.269`."""

MAX_EXACT_L = 4
"""Largest lattice :func:`exact` enumerates (2^16 states)."""


# --------------------------------------------------------------------------- input checks


def _check_L(L) -> int:
    return check_int(L, "L", minimum=2)


def _check_T(T, name: str = "T") -> float:
    return float(check_scalar(T, name, minimum=0, include_min=False))


def _check_temperatures(temperatures, name: str = "temperatures") -> np.ndarray:
    t = as_float_array(temperatures, name, ndim=(0, 1))
    t = np.atleast_1d(t)
    if t.size == 0:
        raise ValueError(f"{name} must not be empty")
    if np.any(t <= 0):
        raise ValueError(f"{name} must be positive, got {t[t <= 0][0]}")
    return t


def _check_spins(spins, name: str = "spins") -> np.ndarray:
    """A configuration (L, L) or batch (n, L, L) of +-1 values, as int8."""
    try:
        is_complex = np.iscomplexobj(np.asarray(spins))
    except (TypeError, ValueError):
        is_complex = False  # as_float_array reports what is wrong
    if is_complex:
        raise TypeError(f"{name} must be real (+1/-1), got complex values")
    arr = as_float_array(spins, name, ndim=(2, 3))
    if arr.shape[-1] != arr.shape[-2] or arr.shape[-1] < 2:
        raise ValueError(f"{name} must be L x L with L >= 2 (last two axes), got shape {arr.shape}")
    if arr.size == 0 or not np.all(np.abs(arr) == 1):
        raise ValueError(f"{name} must contain only +1 and -1")
    return arr.astype(np.int8)


def _check_state(spins, ndim: int) -> np.ndarray:
    """A configuration that a Monte Carlo step updates in place: an int8 array of +-1."""
    if not isinstance(spins, np.ndarray) or spins.dtype != np.int8:
        raise TypeError("spins must be an int8 numpy array of +1/-1 (it is updated in place)")
    if spins.ndim != ndim:
        raise ValueError(f"spins must be {ndim}-dimensional, got shape {spins.shape}")
    _check_spins(spins)
    return spins


def _check_masks(masks, L: int):
    if masks is None:
        return sublattice_masks(L)
    if not isinstance(masks, (list, tuple)) or not masks:
        raise TypeError("masks must be a list of boolean (L, L) arrays, as from sublattice_masks(L)")
    for i, mask in enumerate(masks):
        if not isinstance(mask, np.ndarray) or mask.dtype != bool or mask.shape != (L, L):
            raise ValueError(f"masks[{i}] must be a boolean array of shape ({L}, {L})")
    return masks


# --------------------------------------------------------------------------- observables


def _bond_sum(s: np.ndarray) -> np.ndarray:
    r""":math:`\sum_i s_i (s_{i+\hat x} + s_{i+\hat y})` over the last two axes (int64)."""
    s = s.astype(np.int64)
    right = np.roll(s, -1, axis=-1)
    down = np.roll(s, -1, axis=-2)
    return np.sum(s * (right + down), axis=(-2, -1))


def energy(spins, per_spin: bool = False):
    r"""Energy :math:`H = -\sum_i s_i (s_{i+\hat x} + s_{i+\hat y})` (:math:`J = 1`, periodic).

    ``spins`` is one configuration (L, L) or a batch (n, L, L) of :math:`\pm 1`; returns a
    float or an array (n,). With ``per_spin=True`` the energy is divided by :math:`L^2`.
    """
    s = _check_spins(spins)
    check_bool(per_spin, "per_spin")
    e = -_bond_sum(s).astype(float)
    if per_spin:
        e = e / (s.shape[-1] ** 2)
    return float(e) if s.ndim == 2 else e


def magnetization(spins, per_spin: bool = False):
    r"""Magnetization :math:`M = \sum_i s_i` of one configuration (L, L) or a batch (n, L, L).

    Signed; take ``abs`` for :math:`|M|`. With ``per_spin=True`` it is divided by :math:`L^2`.
    """
    s = _check_spins(spins)
    check_bool(per_spin, "per_spin")
    m = np.sum(s.astype(np.int64), axis=(-2, -1)).astype(float)
    if per_spin:
        m = m / (s.shape[-1] ** 2)
    return float(m) if s.ndim == 2 else m


# --------------------------------------------------------------------------- Monte Carlo


@dataclass(frozen=True)
class MonteCarloRun:
    """The outcome of :func:`metropolis` or :func:`wolff`.

    ``energy`` and ``magnetization`` are per spin (signed), measured after every sweep
    (Metropolis) or cluster flip (Wolff), shape ``(n_measurements, n_chains)``.
    ``spins`` holds the final configurations ``(n_chains, L, L)``. ``acceptance`` is the
    fraction of accepted flips (Metropolis), ``mean_cluster_size`` the mean number of
    spins per flipped cluster (Wolff); the other is ``None``.
    """

    L: int
    T: float
    method: str
    energy: np.ndarray
    magnetization: np.ndarray
    spins: np.ndarray
    acceptance: float | None = None
    mean_cluster_size: float | None = None


def _cycle_colours(L: int) -> np.ndarray:
    """A proper colouring of the ring of L sites: 2 colours if L is even, 3 if odd."""
    colours = np.arange(L) % 2
    if L % 2:
        colours[-1] = 2  # site L-1 neighbours sites L-2 (colour 1) and 0 (colour 0)
    return colours


def sublattice_masks(L: int) -> list[np.ndarray]:
    r"""Boolean masks of sublattices on which no two sites are neighbours.

    Colour :math:`c(i, j) = (a_i + a_j) \bmod k` with a proper :math:`k`-colouring
    :math:`a` of the periodic ring: neighbours differ in one index only, hence in colour.
    For even :math:`L` these are the two checkerboard sublattices; for odd :math:`L` the
    torus is not bipartite and three sublattices are needed. All spins of one sublattice
    can be updated at once because their neighbours are fixed meanwhile.
    """
    L = _check_L(L)
    a = _cycle_colours(L)
    k = int(a.max()) + 1
    colour = (a[:, None] + a[None, :]) % k
    return [colour == c for c in range(k)]


def _neighbour_field(s: np.ndarray) -> np.ndarray:
    """Sum of the four neighbours of each site (periodic), over the last two axes."""
    return np.roll(s, 1, axis=-1) + np.roll(s, -1, axis=-1) + np.roll(s, 1, axis=-2) + np.roll(s, -1, axis=-2)


def metropolis_sweep(spins: np.ndarray, T: float, rng: np.random.Generator, masks=None) -> int:
    r"""One Metropolis sweep over every site of ``spins`` (n, L, L) int8, in place.

    Sublattice by sublattice, each spin is flipped with probability
    :math:`\min(1, e^{-\Delta E/T})`, where :math:`\Delta E = 2 s_i \sum_{j \in \partial i} s_j`
    takes one of the values :math:`-8, -4, 0, 4, 8`. Returns the number of accepted flips.
    ``rng`` is a ``numpy.random.Generator`` (or a seed); ``masks`` default to
    :func:`sublattice_masks`.
    """
    spins = _check_state(spins, ndim=3)
    T = _check_T(T)
    rng = as_rng(rng, "rng")
    return _metropolis_sweep(spins, T, rng, _check_masks(masks, spins.shape[-1]))


def _metropolis_sweep(spins: np.ndarray, T: float, rng: np.random.Generator, masks=None) -> int:
    """:func:`metropolis_sweep` without input checks (the loops of :func:`metropolis` and :func:`sample`)."""
    L = spins.shape[-1]
    masks = sublattice_masks(L) if masks is None else masks
    # acceptance probability for Delta E = -8, -4, 0, 4, 8, indexed by Delta E / 4 + 2
    p_accept = np.minimum(1.0, np.exp(-np.array([-8.0, -4.0, 0.0, 4.0, 8.0]) / T))
    accepted = 0
    for mask in masks:
        delta_e = 2 * spins * _neighbour_field(spins)
        flip = mask & (rng.random(spins.shape) < p_accept[delta_e // 4 + 2])
        spins[flip] *= -1
        accepted += int(np.count_nonzero(flip))
    return accepted


def _initial_spins(initial, n_chains: int, L: int, rng: np.random.Generator) -> np.ndarray:
    if isinstance(initial, str):
        if initial == "random":
            return rng.choice(np.array([-1, 1], dtype=np.int8), size=(n_chains, L, L))
        if initial == "up":
            return np.ones((n_chains, L, L), dtype=np.int8)
        if initial == "ordered":  # all aligned, each chain's sign at random
            signs = rng.choice(np.array([-1, 1], dtype=np.int8), size=n_chains)
            return np.broadcast_to(signs[:, None, None], (n_chains, L, L)).copy()
        raise ValueError(f"initial must be 'random', 'up', 'ordered' or an array of spins, got {initial!r}")
    s = _check_spins(initial, "initial")
    s = np.broadcast_to(s, (n_chains, *s.shape[-2:])) if s.ndim == 2 else s
    if s.shape != (n_chains, L, L):
        raise ValueError(f"initial must have shape ({n_chains}, {L}, {L}) or ({L}, {L}), got {s.shape}")
    return s.copy()


def _per_spin_observables(spins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n_sites = spins.shape[-1] ** 2
    e = -_bond_sum(spins) / n_sites
    m = np.sum(spins, axis=(-2, -1), dtype=np.int64) / n_sites
    return e, m


def metropolis(
    L: int,
    T: float,
    n_sweeps: int,
    seed,
    *,
    n_chains: int = 1,
    initial="random",
    thermalization: int = 0,
) -> MonteCarloRun:
    r"""Run ``n_chains`` independent Metropolis chains for ``n_sweeps`` measured sweeps.

    Each chain samples :math:`P(\mathbf{s}) = e^{-H(\mathbf{s})/T}/Z`. The chains start from
    ``initial`` (``"random"``, ``"up"``, ``"ordered"``: aligned with a random sign per
    chain, or an array), run ``thermalization`` sweeps unmeasured, then measure energy
    and magnetization per spin after each sweep (:func:`metropolis_sweep`; the loop is
    over sweeps only, the sites are updated as whole sublattices).
    """
    L = _check_L(L)
    T = _check_T(T)
    n_sweeps = check_int(n_sweeps, "n_sweeps", minimum=1)
    n_chains = check_int(n_chains, "n_chains", minimum=1)
    thermalization = check_int(thermalization, "thermalization", minimum=0)
    rng = as_rng(seed)
    spins = _initial_spins(initial, n_chains, L, rng)
    masks = sublattice_masks(L)
    for _ in range(thermalization):
        _metropolis_sweep(spins, T, rng, masks)
    energies = np.empty((n_sweeps, n_chains))
    mags = np.empty((n_sweeps, n_chains))
    accepted = 0
    for t in range(n_sweeps):
        accepted += _metropolis_sweep(spins, T, rng, masks)
        energies[t], mags[t] = _per_spin_observables(spins)
    return MonteCarloRun(
        L=L,
        T=T,
        method="metropolis",
        energy=energies,
        magnetization=mags,
        spins=spins,
        acceptance=accepted / (n_sweeps * n_chains * L * L),
    )


@functools.cache
def _neighbour_table(L: int) -> np.ndarray:
    """Flat indices of the four neighbours of every site, shape (L*L, 4)."""
    i, j = np.divmod(np.arange(L * L), L)
    return np.stack(
        [((i + 1) % L) * L + j, ((i - 1) % L) * L + j, i * L + (j + 1) % L, i * L + (j - 1) % L], axis=1
    )


def wolff_flip(spins: np.ndarray, T: float, rng: np.random.Generator) -> int:
    r"""Grow one Wolff cluster in ``spins`` (L, L) int8 and flip it in place; return its size.

    From a random seed site, each bond to an aligned neighbour outside the cluster is
    activated with probability :math:`p_{\text{add}} = 1 - e^{-2J/T}`; the cluster grows
    front by front (all bonds of the newest sites are tried at once) until no bond is
    activated. Flipping the whole cluster is always accepted (U. Wolff, Phys. Rev. Lett.
    62, 361 (1989)).
    """
    spins = _check_state(spins, ndim=2)
    return _wolff_flip(spins, _check_T(T), as_rng(rng, "rng"))


def _wolff_flip(spins: np.ndarray, T: float, rng: np.random.Generator) -> int:
    """:func:`wolff_flip` without input checks (the loops of :func:`wolff` and :func:`sample`)."""
    L = spins.shape[-1]
    flat = spins.reshape(-1)
    neighbours = _neighbour_table(L)
    p_add = 1.0 - math.exp(-2.0 / T)
    seed_site = int(rng.integers(L * L))
    sign = flat[seed_site]
    in_cluster = np.zeros(L * L, dtype=bool)
    in_cluster[seed_site] = True
    front = np.array([seed_site])
    while front.size:
        candidates = neighbours[front].reshape(-1)
        candidates = candidates[(flat[candidates] == sign) & ~in_cluster[candidates]]
        # every (cluster site, neighbour) bond is tried once, with its own random number
        candidates = np.unique(candidates[rng.random(candidates.size) < p_add])
        in_cluster[candidates] = True
        front = candidates
    flat[in_cluster] *= -1
    return int(np.count_nonzero(in_cluster))


def wolff(
    L: int, T: float, n_steps: int, seed, *, initial="random", thermalization: int = 0
) -> MonteCarloRun:
    r"""One Wolff cluster chain: ``n_steps`` measured cluster flips (:func:`wolff_flip`).

    ``thermalization`` cluster flips are made first without measuring. Energy and
    magnetization per spin are measured after every flip, shape ``(n_steps, 1)``.
    """
    L = _check_L(L)
    T = _check_T(T)
    n_steps = check_int(n_steps, "n_steps", minimum=1)
    thermalization = check_int(thermalization, "thermalization", minimum=0)
    rng = as_rng(seed)
    spins = _initial_spins(initial, 1, L, rng)
    for _ in range(thermalization):
        _wolff_flip(spins[0], T, rng)
    energies = np.empty((n_steps, 1))
    mags = np.empty((n_steps, 1))
    sizes = 0
    for t in range(n_steps):
        sizes += _wolff_flip(spins[0], T, rng)
        energies[t], mags[t] = _per_spin_observables(spins)
    return MonteCarloRun(
        L=L,
        T=T,
        method="wolff",
        energy=energies,
        magnetization=mags,
        spins=spins,
        mean_cluster_size=sizes / n_steps,
    )


def clusters_per_sweep(
    spins: np.ndarray, T: float, rng: np.random.Generator, warmup_sweeps: int = 5, pilot_sweeps: int = 5
) -> int:
    """Number of Wolff flips that turn over about L*L spins, measured on ``spins`` (L, L).

    Clusters are flipped (updating ``spins``) until ``warmup_sweeps * L*L`` spins have
    turned over, so that the cluster sizes approach equilibrium, and then until another
    ``pilot_sweeps * L*L`` have; the flips of this pilot give the mean cluster size. The
    returned count is then kept *fixed* by the caller: flipping clusters until L*L spins
    have turned over before every measurement would make the moment of measurement
    depend on the state and bias the samples towards the ordered ones (large clusters end
    a sweep early). Here only the state before thermalization depends on such a rule.
    """
    spins = _check_state(spins, ndim=2)
    warmup_sweeps = check_int(warmup_sweeps, "warmup_sweeps", minimum=0)
    pilot_sweeps = check_int(pilot_sweeps, "pilot_sweeps", minimum=1)
    return _clusters_per_sweep(spins, _check_T(T), as_rng(rng, "rng"), warmup_sweeps, pilot_sweeps)


def _clusters_per_sweep(
    spins: np.ndarray, T: float, rng: np.random.Generator, warmup_sweeps: int = 5, pilot_sweeps: int = 5
) -> int:
    """:func:`clusters_per_sweep` without input checks (used by :func:`sample`)."""
    n_sites = spins.size
    flipped = 0
    while flipped < warmup_sweeps * n_sites:
        flipped += _wolff_flip(spins, T, rng)
    flips, flipped = 0, 0
    while flipped < pilot_sweeps * n_sites:
        flipped += _wolff_flip(spins, T, rng)
        flips += 1
    return max(1, math.ceil(flips * n_sites / flipped))


# --------------------------------------------------------------------------- labelled samples


@dataclass(frozen=True)
class IsingSamples:
    """Configurations for classifiers: ``spins`` (N, L, L) int8, their ``temperatures``
    (N,), ``labels`` (N,) = 1 for the ordered phase (T < T_c) and 0 otherwise, and the
    ``method`` used at each temperature (dict T -> "metropolis" or "wolff")."""

    spins: np.ndarray
    temperatures: np.ndarray
    labels: np.ndarray
    methods: dict


AUTO_WOLFF_WINDOW = (0.95, 1.05)
"""``method="auto"`` uses Wolff for 0.95 T_c <= T <= 1.05 T_c, Metropolis elsewhere.

A Wolff sweep costs far more than a sweep of 50 Metropolis chains side by side (cluster
growth is a Python loop over cluster fronts), and per *independent* sample near T_c the
50 chains are even cheaper up to at least L = 32 (``benchmarks/ising_samplers.py``). Wolff
is used near T_c all the same because its autocorrelation time stays at one or two sweeps
for every L, while Metropolis chains need thermalization and spacing that grow like
:math:`L^{2.2}` (critical slowing down), beyond what the default sweeps give for large L.
"""

DEFAULT_SWEEPS = {"metropolis": (200, 10), "wolff": (20, 1)}
"""Default (thermalization, spacing) in sweeps of :func:`sample` for each method."""


def _sample_one_temperature(L, T, n_samples, rng, thermalization, spacing, method, n_chains):
    initial = "ordered" if T < ONSAGER_TC else "random"
    if method == "wolff":
        # ordered start: near T_c, cluster sizes reach equilibrium from above far sooner
        # than domains grow from a random start
        spins = _initial_spins("ordered", 1, L, rng)[0]
        per_sweep = _clusters_per_sweep(spins, T, rng)
        for _ in range(thermalization * per_sweep):
            _wolff_flip(spins, T, rng)
        out = np.empty((n_samples, L, L), dtype=np.int8)
        for k in range(n_samples):
            for _ in range(spacing * per_sweep):
                _wolff_flip(spins, T, rng)
            out[k] = spins
        return out
    n_chains = min(n_chains, n_samples)
    per_chain = -(-n_samples // n_chains)  # ceil
    spins = _initial_spins(initial, n_chains, L, rng)
    masks = sublattice_masks(L)
    for _ in range(thermalization):
        _metropolis_sweep(spins, T, rng, masks)
    out = np.empty((per_chain, n_chains, L, L), dtype=np.int8)
    for k in range(per_chain):
        for _ in range(spacing):
            _metropolis_sweep(spins, T, rng, masks)
        out[k] = spins
    return out.reshape(-1, L, L)[:n_samples]


def sample(
    L: int,
    temperatures,
    n_samples: int,
    seed,
    *,
    thermalization: int | None = None,
    spacing: int | None = None,
    method: str = "auto",
    n_chains: int = 50,
) -> IsingSamples:
    """``n_samples`` configurations at each of ``temperatures``, labelled by phase.

    ``thermalization`` and ``spacing`` count sweeps: Metropolis sweeps over all sites,
    or Wolff sweeps (a fixed number of cluster flips that turns over about L*L spins,
    :func:`clusters_per_sweep`). Metropolis runs ``n_chains`` chains side by side and takes
    ``n_samples / n_chains`` samples from each, ``spacing`` sweeps apart; Wolff runs one
    chain. ``method="auto"`` takes Wolff near T_c (``AUTO_WOLFF_WINDOW``), where
    single-spin flips decorrelate slowly. ``None`` takes the method's defaults
    (``DEFAULT_SWEEPS``: 200 and 10 Metropolis sweeps, 20 and 1 Wolff sweeps). Metropolis
    chains below T_c start ordered (random sign), above it random; Wolff chains start
    ordered. Each temperature gets its own
    stream of random numbers from ``seed``.
    """
    L = _check_L(L)
    temps = _check_temperatures(temperatures)
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    if thermalization is not None:
        thermalization = check_int(thermalization, "thermalization", minimum=0)
    if spacing is not None:
        spacing = check_int(spacing, "spacing", minimum=1)
    n_chains = check_int(n_chains, "n_chains", minimum=1)
    if method not in ("auto", "metropolis", "wolff"):
        raise ValueError(f"method must be 'auto', 'metropolis' or 'wolff', got {method!r}")
    rng = as_rng(seed)
    streams = rng.spawn(temps.size)
    configs, methods = [], {}
    for T, stream in zip(temps, streams, strict=True):
        m = method
        if m == "auto":
            lo, hi = AUTO_WOLFF_WINDOW
            m = "wolff" if lo * ONSAGER_TC <= T <= hi * ONSAGER_TC else "metropolis"
        methods[float(T)] = m
        therm = DEFAULT_SWEEPS[m][0] if thermalization is None else thermalization
        space = DEFAULT_SWEEPS[m][1] if spacing is None else spacing
        configs.append(_sample_one_temperature(L, T, n_samples, stream, therm, space, m, n_chains))
    temps_out = np.repeat(temps, n_samples)
    return IsingSamples(
        spins=np.concatenate(configs),
        temperatures=temps_out,
        labels=(temps_out < ONSAGER_TC).astype(np.int64),
        methods=methods,
    )


# --------------------------------------------------------------------------- exact results


@dataclass(frozen=True)
class ExactResult:
    r"""Exact canonical averages of the :math:`L \times L` lattice at temperatures ``T``.

    Per spin: ``energy`` :math:`\langle H\rangle/N`, ``abs_magnetization``
    :math:`\langle|M|\rangle/N`, ``specific_heat`` :math:`(\langle H^2\rangle - \langle
    H\rangle^2)/(N T^2)`; ``log_Z`` is :math:`\ln Z`, ``binder`` the cumulant
    :math:`U = 1 - \langle M^4\rangle / (3\langle M^2\rangle^2)`. Arrays of the shape of ``T``.
    """

    L: int
    T: np.ndarray
    log_Z: np.ndarray
    energy: np.ndarray
    abs_magnetization: np.ndarray
    specific_heat: np.ndarray
    binder: np.ndarray


@functools.cache
def all_states(L: int) -> np.ndarray:
    """Every configuration of the L x L lattice, shape (2**(L*L), L, L), int8 (cached)."""
    L = _check_L(L)
    if L > MAX_EXACT_L:
        raise ValueError(f"L must be <= {MAX_EXACT_L} for exact enumeration, got {L}")
    n = L * L
    bits = (np.arange(2**n)[:, None] >> np.arange(n)) & 1
    states = (2 * bits - 1).astype(np.int8).reshape(-1, L, L)
    states.flags.writeable = False
    return states


def exact(L: int, T) -> ExactResult:
    r"""Exact thermodynamics by summing over all :math:`2^{L^2}` states (:math:`L \le 4`).

    .. math::

        Z = \sum_{\mathbf{s}} e^{-H(\mathbf{s})/T}, \qquad
        \langle A\rangle = \frac1Z \sum_{\mathbf{s}} A(\mathbf{s})\, e^{-H(\mathbf{s})/T},

    evaluated with log-sum-exp so that low temperatures do not overflow. ``T`` is a
    positive scalar or 1D array.
    """
    L = _check_L(L)
    if L > MAX_EXACT_L:
        raise ValueError(f"L must be <= {MAX_EXACT_L} for exact enumeration, got {L}")
    temps = _check_temperatures(T, "T")
    states = all_states(L)
    n_sites = L * L
    E = -_bond_sum(states).astype(float)
    M = np.sum(states, axis=(-2, -1), dtype=np.int64).astype(float)
    log_w = -E[None, :] / temps[:, None]  # (n_T, n_states)
    log_Z = logsumexp(log_w, axis=1)
    p = np.exp(log_w - log_Z[:, None])
    mean_E = p @ E
    var_E = np.sum(p * (E[None, :] - mean_E[:, None]) ** 2, axis=1)
    m2, m4 = p @ M**2, p @ M**4
    shape = np.shape(T)
    return ExactResult(
        L=L,
        T=temps.reshape(shape),
        log_Z=log_Z.reshape(shape),
        energy=(mean_E / n_sites).reshape(shape),
        abs_magnetization=(p @ np.abs(M) / n_sites).reshape(shape),
        specific_heat=(var_E / (n_sites * temps**2)).reshape(shape),
        binder=(1.0 - m4 / (3.0 * m2**2)).reshape(shape),
    )


# --------------------------------------------------------------------------- Onsager


def onsager_magnetization(T):
    r"""Spontaneous magnetization per spin of the infinite lattice (Onsager; C. N. Yang 1952).

    .. math::

        m(T) = \left[1 - \sinh^{-4}(2/T)\right]^{1/8} \quad (T < T_c), \qquad m(T) = 0 \quad (T \ge T_c).
    """
    temps = _check_temperatures(T, "T")
    with np.errstate(over="ignore"):
        inner = 1.0 - np.sinh(2.0 / temps) ** -4.0
    m = np.where(temps < ONSAGER_TC, np.clip(inner, 0.0, None) ** 0.125, 0.0)
    return float(m[0]) if np.ndim(T) == 0 else m.reshape(np.shape(T))


def onsager_energy(T):
    r"""Energy per spin of the infinite lattice (Onsager 1944).

    .. math::

        u(T) = -\coth(2\beta)\left[1 + \frac{2}{\pi}\left(2\tanh^2(2\beta) - 1\right)K(k)\right],
        \qquad k = \frac{2\sinh(2\beta)}{\cosh^2(2\beta)},

    with :math:`\beta = 1/T` and :math:`K` the complete elliptic integral of the first kind
    (``scipy.special.ellipk`` takes :math:`m = k^2`). At :math:`T_c`, :math:`u = -\sqrt2`.
    """
    temps = _check_temperatures(T, "T")
    b2 = 2.0 / temps
    k = 2.0 * np.sinh(b2) / np.cosh(b2) ** 2
    m = np.minimum(k**2, 1.0)
    with np.errstate(invalid="ignore"):
        # at T_c, K(1) = inf multiplies 2 tanh^2(2 beta) - 1 = 0: the product tends to 0
        term = np.where(m < 1.0, (2.0 * np.tanh(b2) ** 2 - 1.0) * ellipk(m), 0.0)
    u = -(1.0 / np.tanh(b2)) * (1.0 + (2.0 / np.pi) * term)
    return float(u[0]) if np.ndim(T) == 0 else u.reshape(np.shape(T))
