r"""Tabular reinforcement learning on small Markov decision processes.

Used by the chapter "Reinforcement learning basics" (``chapters/rl.md``). A finite
Markov decision process (MDP) is stored as explicit arrays: the transition tensor
``P[s, a, s']`` :math:`= p(s'|s, a)`, the reward tensor ``R[s, a, s']`` received on that
transition, and the discount :math:`\gamma\in[0, 1)`. With the arrays known, the Bellman
equations are solved exactly (a linear system) or by iteration (value and policy
iteration); the learning methods (Q-learning, SARSA, REINFORCE) see only sampled
transitions and are compared with the exact solution.

A policy is an array ``pi[s, a]`` :math:`=\pi(a|s)` whose rows sum to one; a deterministic
policy is also accepted as an integer array of actions, one per state.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

from ._validate import (
    ConvergenceError,
    as_float_array,
    as_rng,
    check_bool,
    check_int,
    check_scalar,
    check_string,
    check_type,
)

# Actions of the grid world, in the order of the last axis of Q.
ACTIONS = ("up", "right", "down", "left")
_MOVES = ((-1, 0), (0, 1), (1, 0), (0, -1))


def check_gamma(gamma) -> float:
    r"""Check a discount factor :math:`\gamma\in[0, 1)` and return it as a float."""
    if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real):
        raise TypeError(f"gamma must be a real number in [0, 1), got {type(gamma).__name__}")
    gamma = float(gamma)
    if not np.isfinite(gamma) or gamma < 0.0 or gamma >= 1.0:
        raise ValueError(f"gamma must be a discount factor in [0, 1), got {gamma}")
    return gamma


def _check_mdp(mdp) -> MDP:
    return check_type(mdp, MDP, "mdp", "physml.rl.MDP (from make_mdp)")


def _check_state(s, mdp: MDP, name: str = "s") -> int:
    return check_int(s, name, minimum=0, maximum=mdp.n_states - 1)


def _check_values(V, mdp: MDP, name: str = "V", allow_nan: bool = False) -> np.ndarray:
    V = as_float_array(V, name, ndim=1, allow_nan=allow_nan)
    if V.shape != (mdp.n_states,):
        raise ValueError(f"{name} must hold one value per state ({mdp.n_states}), got shape {V.shape}")
    return V


def _check_q(Q, name: str = "Q") -> np.ndarray:
    Q = as_float_array(Q, name, ndim=2)
    if Q.shape[0] == 0 or Q.shape[1] == 0:
        raise ValueError(f"{name} must have at least one state and one action, got shape {Q.shape}")
    return Q


def _check_distribution(p: np.ndarray, name: str, atol: float = 1e-10) -> None:
    """Raise unless the last axis of ``p`` holds probability distributions."""
    if np.any(p < 0):
        raise ValueError(f"{name} has negative probabilities")
    sums = p.sum(axis=-1)
    if not np.allclose(sums, 1.0, rtol=0.0, atol=atol):
        worst = np.unravel_index(np.argmax(np.abs(sums - 1.0)), sums.shape)
        raise ValueError(
            f"{name} must sum to 1 over its last axis; the entry at {tuple(int(i) for i in worst)} "
            f"sums to {sums[worst]:.6g}"
        )


@dataclass(frozen=True)
class MDP:
    r"""A finite MDP: ``P[s, a, s']`` :math:`=p(s'|s,a)`, rewards ``R[s, a, s']``, discount ``gamma``.

    ``terminal[s]`` marks absorbing states (an episode ends on entering one); ``start`` is
    the state an episode starts from. Build one with :func:`make_mdp`, which validates.
    """

    P: np.ndarray
    R: np.ndarray
    gamma: float
    terminal: np.ndarray
    start: int = 0
    cum_P: np.ndarray = field(repr=False, default=None)

    @property
    def n_states(self) -> int:
        return self.P.shape[0]

    @property
    def n_actions(self) -> int:
        return self.P.shape[1]

    @property
    def expected_reward(self) -> np.ndarray:
        r"""``r[s, a]`` :math:`=\sum_{s'} p(s'|s,a)\,R(s,a,s')`."""
        return np.einsum("sat,sat->sa", self.P, self.R)


def make_mdp(P, R, gamma, terminal=None, start: int = 0) -> MDP:
    """Validate the arrays of an MDP and return it (``R`` may be ``[s, a]`` or ``[s, a, s']``)."""
    P = as_float_array(P, "P", ndim=3)
    n_s, n_a, n_t = P.shape
    if n_s == 0 or n_a == 0 or n_t != n_s:
        raise ValueError(f"P must have shape (n_states, n_actions, n_states), got {P.shape}")
    _check_distribution(P, "P")
    R = as_float_array(R, "R", ndim=(2, 3))
    if R.shape == (n_s, n_a):
        R = np.repeat(R[:, :, None], n_s, axis=2)
    if R.shape != P.shape:
        raise ValueError(f"R must have shape {(n_s, n_a)} or {P.shape}, got {R.shape}")
    gamma = check_gamma(gamma)
    if terminal is None:
        terminal = np.zeros(n_s, dtype=bool)
    if isinstance(terminal, (str, bytes)):
        raise TypeError("terminal must be an array of bools (one per state)")
    raw = np.asarray(terminal)
    if raw.dtype.kind not in "biuf" or (raw.size and not np.all((raw == 0) | (raw == 1))):
        raise ValueError("terminal must hold True/False (or 0/1) for every state")
    terminal = raw.astype(bool)
    if terminal.shape != (n_s,):
        raise ValueError(f"terminal must have shape ({n_s},), got {terminal.shape}")
    start = check_int(start, "start", minimum=0, maximum=n_s - 1)
    if terminal[start]:
        raise ValueError(f"start must not be a terminal state, got {start}")
    cum = np.cumsum(P, axis=2)
    cum[:, :, -1] = 1.0
    return MDP(P, R, gamma, terminal, start, cum)


def as_policy(policy, mdp: MDP, name: str = "policy") -> np.ndarray:
    r"""Return ``policy`` as an array :math:`\pi(a|s)` of shape ``(n_states, n_actions)``.

    An integer array of one action per state is turned into the deterministic policy.
    """
    _check_mdp(mdp)
    check_string(name, "name")
    if isinstance(policy, (str, bytes)) or policy is None:
        raise TypeError(
            f"{name} must be an array pi[s, a] or one action per state, got {type(policy).__name__}"
        )
    arr = np.asarray(policy)
    if arr.ndim == 1 and np.issubdtype(arr.dtype, np.integer):
        if arr.shape != (mdp.n_states,) or arr.min() < 0 or arr.max() >= mdp.n_actions:
            raise ValueError(f"{name} must give one action in 0..{mdp.n_actions - 1} per state")
        return np.eye(mdp.n_actions)[arr]
    arr = as_float_array(policy, name, ndim=2)
    if arr.shape != (mdp.n_states, mdp.n_actions):
        raise ValueError(f"{name} must have shape {(mdp.n_states, mdp.n_actions)}, got {arr.shape}")
    _check_distribution(arr, name)
    return arr


# --------------------------------------------------------------------------- the grid world

GRID_LAYOUT = (
    "S...#",
    ".#...",
    "...#.",
    ".#X..",
    "...#G",
)


@dataclass(frozen=True)
class GridWorld:
    """A grid world: its MDP and the map between states and ``(row, column)`` cells."""

    mdp: MDP
    layout: tuple[str, ...]
    cells: tuple[tuple[int, int], ...]
    slip: float

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.layout), len(self.layout[0])

    def to_grid(self, values, fill=np.nan) -> np.ndarray:
        """Put one value per state on the grid (walls get ``fill``; a NaN value is a state without
        one, e.g. a terminal state, drawn like a wall)."""
        values = _check_values(values, self.mdp, "values", allow_nan=True)
        if not (isinstance(fill, float) and np.isnan(fill)):  # NaN (the default) marks the walls
            check_scalar(fill, "fill")
        grid = np.full(self.shape, fill, dtype=float)
        for s, (i, j) in enumerate(self.cells):
            grid[i, j] = values[s]
        return grid


def grid_world(
    layout=GRID_LAYOUT,
    *,
    slip: float = 0.2,
    step_reward: float = -0.04,
    goal_reward: float = 1.0,
    trap_reward: float = -1.0,
    gamma: float = 0.95,
) -> GridWorld:
    r"""Build the MDP of a grid world from a layout of strings.

    ``S`` start, ``G`` goal (reward ``goal_reward`` on entering, episode ends), ``X`` trap
    (``trap_reward``, episode ends), ``#`` wall, ``.`` free. The actions are up, right,
    down, left; the move goes the intended way with probability :math:`1-\text{slip}` and
    to each of the two perpendicular directions with probability :math:`\text{slip}/2`. A
    move into a wall or off the grid leaves the agent where it is. Every move costs
    ``step_reward``; the rewards of goal and trap replace it.
    """
    if isinstance(layout, str) or not layout or not all(isinstance(r, str) for r in layout):
        raise TypeError("layout must be a non-empty sequence of strings")
    width = len(layout[0])
    if width == 0 or any(len(r) != width for r in layout):
        raise ValueError("layout rows must all have the same non-zero length")
    bad = set("".join(layout)) - set("SGX#.")
    if bad:
        raise ValueError(f"layout may contain only 'S', 'G', 'X', '#', '.', got {sorted(bad)}")
    text = "".join(layout)
    if text.count("S") != 1 or text.count("G") < 1:
        raise ValueError("layout needs exactly one start 'S' and at least one goal 'G'")
    slip = float(check_scalar(slip, "slip", minimum=0.0, maximum=1.0))
    for value, name in (
        (step_reward, "step_reward"),
        (goal_reward, "goal_reward"),
        (trap_reward, "trap_reward"),
    ):
        check_scalar(value, name)
    gamma = check_gamma(gamma)

    cells = tuple((i, j) for i, row in enumerate(layout) for j, c in enumerate(row) if c != "#")
    index = {cell: s for s, cell in enumerate(cells)}
    n_s, n_a = len(cells), len(_MOVES)
    kind = [layout[i][j] for i, j in cells]
    terminal = np.array([k in "GX" for k in kind])
    P = np.zeros((n_s, n_a, n_s))
    R = np.zeros((n_s, n_a, n_s))

    def target(cell, move):
        i, j = cell[0] + move[0], cell[1] + move[1]
        return index.get((i, j), index[cell])  # walls and the border are not in `index`

    entry = np.array([goal_reward if k == "G" else trap_reward if k == "X" else step_reward for k in kind])
    for s, cell in enumerate(cells):
        if terminal[s]:
            P[s, :, s] = 1.0  # absorbing, no reward
            continue
        for a in range(n_a):
            for move, prob in ((a, 1 - slip), ((a + 1) % 4, slip / 2), ((a - 1) % 4, slip / 2)):
                if prob > 0:
                    P[s, a, target(cell, _MOVES[move])] += prob
            R[s, a, :] = entry
    mdp = make_mdp(P, R, gamma, terminal=terminal, start=kind.index("S"))
    return GridWorld(mdp, tuple(layout), cells, slip)


@dataclass(frozen=True)
class ParticleTask:
    """The particle-on-a-line task: its MDP and the ``(x, v)`` lattice point of every state."""

    mdp: MDP
    x: np.ndarray  # position of each state, in lattice units
    v: np.ndarray  # velocity of each state, in lattice units per step
    forces: tuple[int, ...]
    fail: float  # probability that a push fails
    wall_cost: float  # extra cost of a crash into a wall


def particle_on_line(
    n_x: int = 12, n_v: int = 5, *, fail: float = 0.1, wall_cost: float = 10.0, gamma: float = 0.99
) -> ParticleTask:
    r"""A particle on a line, pushed to rest at the origin: a discretised double integrator.

    The state is an integer position :math:`x\in\{-n_x,\dots,n_x\}` and velocity
    :math:`v\in\{-n_v,\dots,n_v\}`; the action is a force :math:`u\in\{-1, 0, +1\}`.
    One time step integrates Newton's equation :math:`\ddot x = u` exactly on the lattice
    (semi-implicit Euler with unit step and mass),

    .. math::
        v_{t+1} = v_t + u_t, \qquad x_{t+1} = x_t + v_{t+1},

    with :math:`v` clipped to :math:`\pm n_v`, and a particle that would leave
    :math:`[-n_x, n_x]` stops at the wall (:math:`v = 0`) and pays ``wall_cost`` on top. With
    probability ``fail`` the push fails (:math:`u = 0`). Every step costs 1;
    :math:`(x, v) = (0, 0)` is terminal. With
    :math:`\gamma` close to one, maximising the return means reaching rest at the origin
    in the shortest expected time.
    """
    n_x = check_int(n_x, "n_x", minimum=1)
    n_v = check_int(n_v, "n_v", minimum=1)
    fail = float(check_scalar(fail, "fail", minimum=0.0, maximum=1.0, include_max=False))
    wall_cost = float(check_scalar(wall_cost, "wall_cost", minimum=0.0))
    gamma = check_gamma(gamma)
    forces = (-1, 0, 1)
    xs, vs = np.meshgrid(np.arange(-n_x, n_x + 1), np.arange(-n_v, n_v + 1), indexing="ij")
    xs, vs = xs.ravel(), vs.ravel()
    index = {(int(x), int(v)): s for s, (x, v) in enumerate(zip(xs, vs, strict=True))}
    n_s = xs.size
    terminal = (xs == 0) & (vs == 0)
    P = np.zeros((n_s, len(forces), n_s))
    R = np.zeros((n_s, len(forces), n_s))

    def advance(x, v, u):
        """Next (x, v) and the cost of the step."""
        v = int(np.clip(v + u, -n_v, n_v))
        x_new = x + v
        if abs(x_new) > n_x:
            return (int(np.sign(x_new)) * n_x, 0), 1.0 + wall_cost
        return (x_new, v), 1.0

    for s in range(n_s):
        if terminal[s]:
            P[s, :, s] = 1.0
            continue
        for a, u in enumerate(forces):
            for force, prob in ((u, 1.0 - fail), (0, fail)):
                if prob > 0:
                    target, cost = advance(int(xs[s]), int(vs[s]), force)
                    P[s, a, index[target]] += prob
                    R[s, a, index[target]] = -cost
    start = index[(-n_x, 0)]
    mdp = make_mdp(P, R, gamma, terminal=terminal, start=start)
    return ParticleTask(mdp, xs, vs, forces, fail, wall_cost)


# --------------------------------------------------------------------------- exact solutions


def discounted_return(rewards, gamma) -> float:
    r"""The return :math:`G_0 = \sum_{t=0}^{T-1} \gamma^t r_{t+1}` of a reward sequence."""
    r = as_float_array(rewards, "rewards", ndim=1, nonempty=True)
    gamma = check_gamma(gamma)
    return float(np.sum(r * gamma ** np.arange(r.size)))


def policy_evaluation(mdp: MDP, policy) -> np.ndarray:
    r"""Exact :math:`V^\pi` from the linear Bellman equation :math:`(I-\gamma P^\pi)V = r^\pi`.

    :math:`P^\pi_{ss'} = \sum_a\pi(a|s)p(s'|s,a)` and
    :math:`r^\pi_s = \sum_a \pi(a|s)\sum_{s'}p(s'|s,a)R(s,a,s')`. The matrix is invertible
    for :math:`\gamma<1`.
    """
    pi = as_policy(policy, _check_mdp(mdp))
    P_pi = np.einsum("sa,sat->st", pi, mdp.P)
    r_pi = np.einsum("sa,sa->s", pi, mdp.expected_reward)
    return np.linalg.solve(np.eye(mdp.n_states) - mdp.gamma * P_pi, r_pi)


def policy_evaluation_iterative(mdp: MDP, policy, tol: float = 1e-10, max_sweeps: int = 100_000):
    r"""Iterate :math:`V_{k+1} = r^\pi + \gamma P^\pi V_k` from :math:`V_0 = 0` until it stops changing.

    Stops when :math:`\lVert V_{k+1}-V_k\rVert_\infty \le \text{tol}\,(1-\gamma)/\gamma`, which
    guarantees :math:`\lVert V_{k+1}-V^\pi\rVert_\infty\le\text{tol}`. Returns ``(V, sweeps)``;
    :class:`physml.ConvergenceError` if that takes more than ``max_sweeps`` sweeps.
    """
    pi = as_policy(policy, _check_mdp(mdp))
    tol = check_scalar(tol, "tol", minimum=0.0, include_min=False)
    max_sweeps = check_int(max_sweeps, "max_sweeps", minimum=1)
    P_pi = np.einsum("sa,sat->st", pi, mdp.P)
    r_pi = np.einsum("sa,sa->s", pi, mdp.expected_reward)
    V = np.zeros(mdp.n_states)
    stop = tol * (1 - mdp.gamma) / max(mdp.gamma, 1e-300)
    for sweep in range(1, max_sweeps + 1):
        V_new = r_pi + mdp.gamma * P_pi @ V
        if np.max(np.abs(V_new - V)) <= stop:
            return V_new, sweep
        V = V_new
    raise ConvergenceError(
        f"policy evaluation did not converge in max_sweeps={max_sweeps} sweeps (raise max_sweeps or tol)"
    )


def q_from_v(mdp: MDP, V) -> np.ndarray:
    r""":math:`Q(s,a) = \sum_{s'}p(s'|s,a)\,[R(s,a,s') + \gamma V(s')]`."""
    V = _check_values(V, _check_mdp(mdp))
    return mdp.expected_reward + mdp.gamma * mdp.P @ V


def bellman_optimality(mdp: MDP, V) -> np.ndarray:
    r"""One sweep of the Bellman optimality operator, :math:`(TV)(s) = \max_a Q_V(s,a)`."""
    return q_from_v(mdp, V).max(axis=1)


@dataclass(frozen=True)
class ValueIterationResult:
    V: np.ndarray  # optimal state values V*
    Q: np.ndarray  # optimal action values Q*
    policy: np.ndarray  # greedy (optimal) action per state
    sweeps: int
    errors: np.ndarray  # ||V_{k+1} - V_k||_inf per sweep


def value_iteration(mdp: MDP, tol: float = 1e-12, max_sweeps: int = 100_000) -> ValueIterationResult:
    r"""Value iteration :math:`V_{k+1}(s) = \max_a \sum_{s'}p(s'|s,a)[R(s,a,s') + \gamma V_k(s')]`.

    The update is a :math:`\gamma`-contraction in the maximum norm, so from
    :math:`\lVert V_{k+1}-V_k\rVert_\infty \le \text{tol}\,(1-\gamma)/\gamma` follows
    :math:`\lVert V_{k+1}-V^*\rVert_\infty\le\text{tol}`. More than ``max_sweeps`` sweeps:
    :class:`physml.ConvergenceError`.
    """
    _check_mdp(mdp)
    tol = check_scalar(tol, "tol", minimum=0.0, include_min=False)
    max_sweeps = check_int(max_sweeps, "max_sweeps", minimum=1)
    V = np.zeros(mdp.n_states)
    stop = tol * (1 - mdp.gamma) / max(mdp.gamma, 1e-300)
    errors = []
    for sweep in range(1, max_sweeps + 1):
        V_new = bellman_optimality(mdp, V)
        errors.append(np.max(np.abs(V_new - V)))
        V = V_new
        if errors[-1] <= stop:
            Q = q_from_v(mdp, V)
            return ValueIterationResult(V, Q, greedy(Q), sweep, np.array(errors))
    raise ConvergenceError(
        f"value iteration did not converge in max_sweeps={max_sweeps} sweeps (raise max_sweeps or tol)"
    )


def greedy(Q) -> np.ndarray:
    """The greedy action :math:`\\arg\\max_a Q(s, a)` of every state (the first one on ties)."""
    Q = _check_q(Q)
    return np.argmax(Q, axis=1)


def policy_iteration(mdp: MDP, max_iterations: int = 1000):
    r"""Policy iteration: evaluate :math:`\pi_k` exactly, then :math:`\pi_{k+1} = \arg\max_a Q^{\pi_k}`.

    Starts from "always action 0" and stops when the policy no longer changes (an action is
    changed only when it improves :math:`Q` by more than round-off). Returns
    ``(V, policy, iterations)``; :class:`physml.ConvergenceError` after ``max_iterations``.
    """
    _check_mdp(mdp)
    max_iterations = check_int(max_iterations, "max_iterations", minimum=1)
    policy = np.zeros(mdp.n_states, dtype=int)
    for iteration in range(1, max_iterations + 1):
        V = policy_evaluation(mdp, policy)
        Q = q_from_v(mdp, V)
        best = greedy(Q)
        keep = Q[np.arange(mdp.n_states), policy] >= Q[np.arange(mdp.n_states), best] - 1e-12
        new = np.where(keep, policy, best)
        if np.array_equal(new, policy):
            return V, policy, iteration
        policy = new
    raise ConvergenceError(f"policy iteration did not converge in max_iterations={max_iterations} iterations")


def unique_optimum(Q, margin: float = 1e-6) -> np.ndarray:
    """States whose best action beats the second best by more than ``margin`` (non-terminal ones)."""
    Q = _check_q(Q)
    margin = check_scalar(margin, "margin", minimum=0.0)
    if Q.shape[1] < 2:
        raise ValueError(f"Q must have at least two actions to compare, got shape {Q.shape}")
    top = np.sort(Q, axis=1)
    return top[:, -1] - top[:, -2] > margin


# --------------------------------------------------------------------------- sampling


def step(mdp: MDP, s: int, a: int, rng: int | np.random.Generator) -> tuple[int, float]:
    """Sample one transition :func:`_step` with its arguments checked.

    ``rng`` is a ``numpy.random.Generator`` or an int seed (a fresh Generator: the same
    draw on every call with the same seed; the sampling loops pass one Generator on).
    """
    _check_mdp(mdp)
    s = _check_state(s, mdp)
    a = check_int(a, "a", minimum=0, maximum=mdp.n_actions - 1)
    return _step(mdp, s, a, as_rng(rng, "rng"))


def _step(mdp: MDP, s: int, a: int, rng: np.random.Generator) -> tuple[int, float]:
    """Sample one transition: ``s' ~ p(.|s, a)`` and its reward ``R[s, a, s']``."""
    s_next = int(np.searchsorted(mdp.cum_P[s, a], rng.random(), side="right"))
    return s_next, float(mdp.R[s, a, s_next])


def run_episode(mdp: MDP, policy, seed, start: int | None = None, max_steps: int = 200):
    """Sample one episode with ``policy`` (array pi[s, a]) and return ``(states, actions, rewards)``."""
    pi = as_policy(policy, _check_mdp(mdp))
    rng = as_rng(seed)
    s = mdp.start if start is None else _check_state(start, mdp, "start")
    max_steps = check_int(max_steps, "max_steps", minimum=1)
    return _run_episode(mdp, pi, rng, s, max_steps)


def _run_episode(mdp: MDP, pi: np.ndarray, rng: np.random.Generator, s: int, max_steps: int):
    states, actions, rewards = [], [], []
    cum_pi = np.cumsum(pi, axis=1)
    for _ in range(max_steps):
        if mdp.terminal[s]:
            break
        a = min(int(np.searchsorted(cum_pi[s], rng.random(), side="right")), mdp.n_actions - 1)
        s_next, r = _step(mdp, s, a, rng)
        states.append(s)
        actions.append(a)
        rewards.append(r)
        s = s_next
    return states, actions, rewards


@dataclass(frozen=True)
class Estimate:
    """A sampled mean with its standard error."""

    value: float
    error: float


def evaluate_policy(mdp: MDP, policy, n_episodes: int, seed, max_steps: int = 200) -> Estimate:
    r"""Monte Carlo estimate of :math:`V^\pi(s_0)`: the mean discounted return of ``n_episodes``
    independent episodes from the start state, with its standard error."""
    n_episodes = check_int(n_episodes, "n_episodes", minimum=2)
    max_steps = check_int(max_steps, "max_steps", minimum=1)
    rng = as_rng(seed)
    pi = as_policy(policy, _check_mdp(mdp))
    g = np.array(
        [
            discounted_return(_run_episode(mdp, pi, rng, mdp.start, max_steps)[2], mdp.gamma)
            for _ in range(n_episodes)
        ]
    )
    return Estimate(float(g.mean()), float(g.std(ddof=1) / np.sqrt(n_episodes)))


# --------------------------------------------------------------------------- learning


def epsilon_greedy(Q_row: np.ndarray, epsilon: float, rng: int | np.random.Generator) -> int:
    """:func:`_epsilon_greedy` with its arguments checked; ``rng`` is a Generator or an int seed."""
    Q_row = as_float_array(Q_row, "Q_row", ndim=1, nonempty=True)
    epsilon = check_scalar(epsilon, "epsilon", minimum=0.0, maximum=1.0)
    return _epsilon_greedy(Q_row, epsilon, as_rng(rng, "rng"))


def _epsilon_greedy(Q_row: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    """With probability ``epsilon`` a uniformly random action, else the greedy one."""
    if rng.random() < epsilon:
        return int(rng.integers(Q_row.size))
    return int(np.argmax(Q_row))


@dataclass
class TDResult:
    """Result of Q-learning or SARSA: the table ``Q``, per-episode returns and the V error curve."""

    Q: np.ndarray
    returns: np.ndarray  # discounted return of each training episode
    checkpoints: np.ndarray  # episode numbers at which the error was recorded
    v_error: np.ndarray  # max_s |max_a Q(s, a) - V*(s)| at the checkpoints (nan without V_ref)
    visits: np.ndarray  # visits of every (s, a)


def _td_control(
    mdp: MDP,
    n_episodes: int,
    seed,
    *,
    on_policy: bool,
    epsilon: float,
    alpha0: float,
    alpha_decay: float,
    exploring_starts: bool,
    max_steps: int,
    V_ref,
    n_checkpoints: int,
) -> TDResult:
    _check_mdp(mdp)
    n_episodes = check_int(n_episodes, "n_episodes", minimum=1)
    epsilon = check_scalar(epsilon, "epsilon", minimum=0.0, maximum=1.0)
    exploring_starts = check_bool(exploring_starts, "exploring_starts")
    alpha0 = check_scalar(alpha0, "alpha0", minimum=0.0, maximum=1.0, include_min=False)
    alpha_decay = check_scalar(alpha_decay, "alpha_decay", minimum=0.0, maximum=1.0)
    max_steps = check_int(max_steps, "max_steps", minimum=1)
    n_checkpoints = check_int(n_checkpoints, "n_checkpoints", minimum=1)
    if V_ref is not None:
        V_ref = _check_values(V_ref, mdp, "V_ref")
    rng = as_rng(seed)
    gamma = mdp.gamma
    Q = np.zeros((mdp.n_states, mdp.n_actions))
    visits = np.zeros((mdp.n_states, mdp.n_actions), dtype=np.int64)
    starts = np.flatnonzero(~mdp.terminal)
    returns = np.empty(n_episodes)
    checkpoints = np.unique(np.linspace(1, n_episodes, n_checkpoints).astype(int))
    v_error = np.full(checkpoints.size, np.nan)
    c = 0
    for episode in range(n_episodes):
        s = int(rng.choice(starts)) if exploring_starts else mdp.start
        a = _epsilon_greedy(Q[s], epsilon, rng)
        g, discount = 0.0, 1.0
        for _ in range(max_steps):
            s_next, r = _step(mdp, s, a, rng)
            g += discount * r
            discount *= gamma
            a_next = _epsilon_greedy(Q[s_next], epsilon, rng)
            if mdp.terminal[s_next]:
                target = r
            elif on_policy:
                target = r + gamma * Q[s_next, a_next]
            else:
                target = r + gamma * Q[s_next].max()
            visits[s, a] += 1
            alpha = alpha0 / visits[s, a] ** alpha_decay
            Q[s, a] += min(alpha, 1.0) * (target - Q[s, a])
            if mdp.terminal[s_next]:
                break
            s, a = s_next, a_next
        returns[episode] = g
        if c < checkpoints.size and episode + 1 == checkpoints[c]:
            if V_ref is not None:
                live = ~mdp.terminal
                v_error[c] = np.max(np.abs(Q.max(axis=1)[live] - V_ref[live]))
            c += 1
    return TDResult(Q, returns, checkpoints, v_error, visits)


def q_learning(
    mdp: MDP,
    n_episodes: int,
    seed,
    *,
    epsilon: float = 0.2,
    alpha0: float = 1.0,
    alpha_decay: float = 0.6,
    exploring_starts: bool = True,
    max_steps: int = 200,
    V_ref=None,
    n_checkpoints: int = 50,
) -> TDResult:
    r"""Tabular Q-learning with an :math:`\varepsilon`-greedy behaviour policy.

    .. math::
        Q(s,a) \leftarrow Q(s,a) + \alpha_n(s,a)\,[r + \gamma\max_{a'}Q(s',a') - Q(s,a)],

    with the step size :math:`\alpha_n = \alpha_0/n^{\omega}` after the :math:`n`-th visit
    of :math:`(s,a)` (``alpha_decay`` :math:`=\omega\in[1/2, 1]`; the Robbins–Monro conditions
    hold for :math:`\omega>1/2`). :math:`Q` of terminal states stays 0. With
    ``exploring_starts`` an episode starts in a uniformly random non-terminal state, so
    every state keeps being visited. With ``V_ref`` the error
    :math:`\max_s|\max_a Q(s,a)-V_{\text{ref}}(s)|` is recorded at ``n_checkpoints`` episodes.
    """
    return _td_control(
        mdp,
        n_episodes,
        seed,
        on_policy=False,
        epsilon=epsilon,
        alpha0=alpha0,
        alpha_decay=alpha_decay,
        exploring_starts=exploring_starts,
        max_steps=max_steps,
        V_ref=V_ref,
        n_checkpoints=n_checkpoints,
    )


def sarsa(
    mdp: MDP,
    n_episodes: int,
    seed,
    *,
    epsilon: float = 0.2,
    alpha0: float = 1.0,
    alpha_decay: float = 0.6,
    exploring_starts: bool = True,
    max_steps: int = 200,
    V_ref=None,
    n_checkpoints: int = 50,
) -> TDResult:
    r"""SARSA, the on-policy twin of :func:`q_learning`: the target is
    :math:`r + \gamma Q(s', a')` with :math:`a'` the action the :math:`\varepsilon`-greedy
    policy actually takes next. It learns the values of that exploring policy."""
    return _td_control(
        mdp,
        n_episodes,
        seed,
        on_policy=True,
        epsilon=epsilon,
        alpha0=alpha0,
        alpha_decay=alpha_decay,
        exploring_starts=exploring_starts,
        max_steps=max_steps,
        V_ref=V_ref,
        n_checkpoints=n_checkpoints,
    )


def softmax_policy(theta) -> np.ndarray:
    r"""Tabular softmax policy :math:`\pi_\theta(a|s) = e^{\theta_{sa}}/\sum_b e^{\theta_{sb}}`."""
    theta = _check_q(theta, "theta")
    z = np.exp(theta - theta.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


@dataclass
class ReinforceResult:
    theta: np.ndarray  # policy parameters theta[s, a]
    baseline: np.ndarray  # learned state-value baseline b(s)
    returns: np.ndarray  # discounted return of each training episode

    @property
    def policy(self) -> np.ndarray:
        return softmax_policy(self.theta)


def _episode_gradient(pi: np.ndarray, b: np.ndarray, states, actions, rewards, gamma: float):
    r"""The REINFORCE estimate of :math:`\nabla_\theta J` from one episode sampled with the
    fixed policy ``pi`` and the fixed baseline ``b``, and the returns :math:`G_t`:

    .. math::
        \hat g = \sum_t \gamma^t\,[G_t - b(s_t)]\,(\boldsymbol e_{a_t} - \pi(\cdot|s_t))
        \quad\text{(in the row } s_t\text{ of } \hat g\text{)}.
    """
    G = np.empty(len(rewards))
    g = 0.0
    for t in range(len(rewards) - 1, -1, -1):
        g = rewards[t] + gamma * g
        G[t] = g
    grad = np.zeros_like(pi)
    for t, (s, a) in enumerate(zip(states, actions, strict=True)):
        weight = gamma**t * (G[t] - b[s])
        grad[s] -= weight * pi[s]
        grad[s, a] += weight
    return grad, G


def reinforce_gradient(mdp: MDP, theta, seed, baseline=None, max_steps: int = 1000) -> np.ndarray:
    r"""One REINFORCE estimate of the policy gradient :math:`\nabla_\theta V^{\pi_\theta}(s_0)`
    of the tabular softmax policy ``theta``: sample one episode from the start with
    :math:`\theta` held fixed and return :func:`_episode_gradient` (shape of ``theta``).

    With a fixed ``baseline`` :math:`b(s)` (default zero) its expectation is the exact
    :func:`policy_gradient`, up to the truncation of episodes at ``max_steps``.
    """
    _check_mdp(mdp)
    theta = _check_q(theta, "theta")
    if theta.shape != (mdp.n_states, mdp.n_actions):
        raise ValueError(f"theta must have shape {(mdp.n_states, mdp.n_actions)}, got {theta.shape}")
    b = np.zeros(mdp.n_states) if baseline is None else _check_values(baseline, mdp, "baseline")
    max_steps = check_int(max_steps, "max_steps", minimum=1)
    pi = softmax_policy(theta)
    states, actions, rewards = _run_episode(mdp, pi, as_rng(seed), mdp.start, max_steps)
    return _episode_gradient(pi, b, states, actions, rewards, mdp.gamma)[0]


def policy_gradient(mdp: MDP, theta) -> np.ndarray:
    r"""The exact gradient of :math:`J(\theta) = V^{\pi_\theta}(s_0)` for the tabular softmax policy,
    from the policy-gradient theorem,

    .. math::
        \frac{\partial J}{\partial\theta_{sa}} = d^\pi(s)\,\pi(a|s)\,[Q^\pi(s,a) - V^\pi(s)],
        \qquad d^\pi = (I - \gamma P^{\pi T})^{-1}\boldsymbol e_{s_0},

    with :math:`d^\pi(s) = \sum_t\gamma^t\Pr(s_t = s)` the discounted visits of :math:`s`.
    The reference of the unbiasedness test of :func:`reinforce_gradient`.
    """
    _check_mdp(mdp)
    theta = _check_q(theta, "theta")
    if theta.shape != (mdp.n_states, mdp.n_actions):
        raise ValueError(f"theta must have shape {(mdp.n_states, mdp.n_actions)}, got {theta.shape}")
    pi = softmax_policy(theta)
    live = (~mdp.terminal).astype(float)
    V = policy_evaluation(mdp, pi)
    Q = q_from_v(mdp, V)
    P_pi = np.einsum("sa,sat->st", pi, mdp.P) * live[:, None]  # no visits counted after the end
    d = np.linalg.solve(np.eye(mdp.n_states) - mdp.gamma * P_pi.T, np.eye(mdp.n_states)[mdp.start])
    return (d * live)[:, None] * pi * (Q - V[:, None])


def reinforce(
    mdp: MDP,
    n_episodes: int,
    seed,
    *,
    learning_rate: float = 0.5,
    baseline_rate: float = 0.1,
    use_baseline: bool = True,
    max_steps: int = 200,
) -> ReinforceResult:
    r"""REINFORCE with a tabular softmax policy and a learned state-value baseline.

    Each episode is sampled from the start with :math:`\theta` and :math:`b` held fixed;
    then the whole episode's gradient estimate (:func:`_episode_gradient`) moves the policy,

    .. math::
        \theta \leftarrow \theta + \eta\sum_t\gamma^t\,[G_t - b(s_t)]\,
        \nabla_\theta\ln\pi_\theta(a_t|s_t),\qquad
        \nabla_{\theta_{s\cdot}}\ln\pi_\theta(a|s) = \boldsymbol e_a - \pi_\theta(\cdot|s),

    with :math:`G_t=\sum_{k\ge t}\gamma^{k-t}r_{k+1}` the return from step :math:`t`, and the
    baseline is moved towards the returns seen, :math:`b(s_t)\leftarrow b(s_t)+\eta_b[G_t-b(s_t)]`
    (``baseline_rate`` :math:`=\eta_b`). Because neither changes during the episode, the step
    is an unbiased estimate of :math:`\eta\nabla_\theta V^{\pi_\theta}(s_0)`; the baseline
    does not bias it, :math:`\sum_a\pi\nabla\ln\pi = 0`, but lowers its variance.
    """
    _check_mdp(mdp)
    use_baseline = check_bool(use_baseline, "use_baseline")
    n_episodes = check_int(n_episodes, "n_episodes", minimum=1)
    eta = check_scalar(learning_rate, "learning_rate", minimum=0.0, include_min=False)
    beta = check_scalar(baseline_rate, "baseline_rate", minimum=0.0, maximum=1.0)
    max_steps = check_int(max_steps, "max_steps", minimum=1)
    rng = as_rng(seed)
    theta = np.zeros((mdp.n_states, mdp.n_actions))
    b = np.zeros(mdp.n_states)
    returns = np.empty(n_episodes)
    for episode in range(n_episodes):
        pi = softmax_policy(theta)
        states, actions, rewards = _run_episode(mdp, pi, rng, mdp.start, max_steps)
        grad, G = _episode_gradient(
            pi, b if use_baseline else np.zeros_like(b), states, actions, rewards, mdp.gamma
        )
        returns[episode] = G[0] if rewards else 0.0
        theta += eta * grad
        if use_baseline:
            for s, g in zip(states, G, strict=True):
                b[s] += beta * (g - b[s])
        if not np.all(np.isfinite(theta)):
            raise FloatingPointError(
                f"policy parameters became non-finite at episode {episode}: lower learning_rate"
            )
    return ReinforceResult(theta, b, returns)


def running_mean(x, window: int) -> np.ndarray:
    """Mean of the last ``window`` values (fewer at the start), for learning curves."""
    x = as_float_array(x, "x", ndim=1, nonempty=True)
    window = check_int(window, "window", minimum=1)
    c = np.cumsum(np.insert(x, 0, 0.0))
    n = np.arange(1, x.size + 1)
    lo = np.maximum(n - window, 0)
    return (c[n] - c[lo]) / (n - lo)


# --------------------------------------------------------------------------- function approximation

REWARD_SCALE = 0.1  # the deep agents learn on rewards times this factor (values of order 1)


def particle_features(task: ParticleTask) -> np.ndarray:
    r"""The input of the networks for every state of the particle task: :math:`(x/n_x, v/n_v)`,
    shape ``(n_states, 2)``. The network sees the physical coordinates, not the state's index,
    so what it learns about one state carries over to its neighbours."""
    check_type(task, ParticleTask, "task", "physml.rl.ParticleTask (from particle_on_line)")
    return np.column_stack([task.x / max(task.x.max(), 1), task.v / max(task.v.max(), 1)]).astype(float)


def _step_batch(mdp: MDP, s: np.ndarray, a: np.ndarray, rng: np.random.Generator):
    """One transition of many independent copies of the environment at once (vectorised :func:`_step`)."""
    u = rng.random(s.size)
    s_next = np.minimum(np.sum(mdp.cum_P[s, a] <= u[:, None], axis=1), mdp.n_states - 1)
    return s_next, mdp.R[s, a, s_next]


@dataclass
class DeepRLResult:
    """Result of :func:`dqn` or :func:`actor_critic`.

    ``policy[s, a]`` is the learned policy on every state (greedy for DQN, the softmax of the
    actor for actor-critic), to be evaluated exactly with :func:`policy_evaluation`;
    ``returns`` and ``steps`` are the (undiscounted-reward, discounted) returns of the finished
    training episodes and the environment step at which each finished; ``losses`` the loss
    of every update.
    """

    policy: np.ndarray
    returns: np.ndarray
    steps: np.ndarray
    losses: np.ndarray


def _check_deep_args(mdp, features, n_steps, n_envs, hidden, lr, max_episode_steps, device):
    import torch

    from ._validate import as_device, check_learning_rate

    _check_mdp(mdp)
    features = as_float_array(features, "features", ndim=2, nonempty=True)
    if features.shape[0] != mdp.n_states:
        raise ValueError(f"features must have one row per state ({mdp.n_states}), got {features.shape[0]}")
    n_steps = check_int(n_steps, "n_steps", minimum=1)
    n_envs = check_int(n_envs, "n_envs", minimum=1)
    hidden = check_int(hidden, "hidden", minimum=1)
    lr = check_learning_rate(lr, "lr")
    max_episode_steps = check_int(max_episode_steps, "max_episode_steps", minimum=1)
    device = as_device(device)
    feats = torch.as_tensor(features, dtype=torch.float32, device=device)
    return feats, n_steps, n_envs, hidden, lr, max_episode_steps, device


def _single_threaded(train):
    """Run ``train`` with one thread in every thread pool (``threadpoolctl``, restored afterwards):
    for networks this small, several threads cost far more in synchronisation than they gain."""
    import functools

    @functools.wraps(train)
    def wrapper(*args, **kwargs):
        import torch  # noqa: F401  (loaded first, so that threadpoolctl sees its thread pool)
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            return train(*args, **kwargs)

    return wrapper


def _mlp(n_in: int, hidden: int, n_out: int):
    import torch

    return torch.nn.Sequential(
        torch.nn.Linear(n_in, hidden),
        torch.nn.Tanh(),
        torch.nn.Linear(hidden, hidden),
        torch.nn.Tanh(),
        torch.nn.Linear(hidden, n_out),
    )


class _Episodes:
    """Bookkeeping of the vectorised environments: current states, step counts and returns."""

    def __init__(self, mdp: MDP, n_envs: int, rng: np.random.Generator):
        self.mdp, self.rng = mdp, rng
        self.starts = np.flatnonzero(~mdp.terminal)
        self.s = rng.choice(self.starts, n_envs)
        self.t = np.zeros(n_envs, dtype=int)
        self.g = np.zeros(n_envs)
        self.returns: list[float] = []
        self.steps: list[int] = []

    def advance(self, a: np.ndarray, max_episode_steps: int, step: int):
        """Step every environment; returns ``(s, s_next, r, done, truncated)`` and resets finished ones."""
        mdp = self.mdp
        s = self.s
        s_next, r = _step_batch(mdp, s, a, self.rng)
        self.g += mdp.gamma**self.t * r
        self.t += 1
        done = mdp.terminal[s_next]
        truncated = ~done & (self.t >= max_episode_steps)
        end = done | truncated
        for i in np.flatnonzero(end):
            self.returns.append(float(self.g[i]))
            self.steps.append(step)
        self.s = np.where(end, self.rng.choice(self.starts, s.size), s_next)
        self.t[end] = 0
        self.g[end] = 0.0
        return s, s_next, r, done, truncated


@_single_threaded
def dqn(
    mdp: MDP,
    features,
    n_steps: int,
    seed,
    *,
    n_envs: int = 16,
    hidden: int = 64,
    lr: float = 1e-3,
    batch_size: int = 128,
    buffer_size: int = 10_000,
    target_every: int = 250,
    max_episode_steps: int = 100,
    device="cpu",
) -> DeepRLResult:
    r"""Deep Q-learning: a network :math:`Q_w(s, \cdot)` of the state's ``features``, trained on
    transitions drawn at random from a replay buffer against a periodically copied target
    network :math:`Q_{w^-}`,

    .. math::
        L(w) = \operatorname{mean}_{(s,a,r,s')}\,\mathrm{Huber}\left(Q_w(s,a) - r -
        \gamma(1 - \mathrm{done})\,Q_{w^-}\bigl(s', \arg\max_{a'}Q_w(s',a')\bigr)\right),

    the target of double DQN: the online network picks the next action, the target network
    values it, which curbs the overestimation of :math:`\max_{a'}Q_{w^-}`.

    ``n_envs`` copies of the environment run side by side (each episode starts in a random
    non-terminal state and is cut after ``max_episode_steps``, where the target still
    bootstraps); actions are :math:`\epsilon`-greedy with :math:`\epsilon` falling linearly from
    1 to 0.05 over the first half of the ``n_steps`` environment steps; one Adam step per
    vector step, the target copied every ``target_every`` updates. Rewards are scaled by
    ``REWARD_SCALE``. Returns the greedy policy on every state. Used in ``chapters/rl.md``.
    """
    import torch

    feats, n_steps, n_envs, hidden, lr, max_episode_steps, device = _check_deep_args(
        mdp, features, n_steps, n_envs, hidden, lr, max_episode_steps, device
    )
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    buffer_size = check_int(buffer_size, "buffer_size", minimum=1)
    target_every = check_int(target_every, "target_every", minimum=1)
    from ._validate import check_finite_loss

    rng = as_rng(seed)
    torch.manual_seed(int(rng.integers(2**31 - 1)))  # the networks' initialisation
    net = _mlp(feats.shape[1], hidden, mdp.n_actions).to(device)
    target = _mlp(feats.shape[1], hidden, mdp.n_actions).to(device)
    target.load_state_dict(net.state_dict())
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    buf_s = np.zeros(buffer_size, dtype=np.int64)
    buf_a, buf_s2 = np.zeros_like(buf_s), np.zeros_like(buf_s)
    buf_r, buf_done = np.zeros(buffer_size), np.zeros(buffer_size)
    filled, head = 0, 0
    envs = _Episodes(mdp, n_envs, rng)
    n_iter = max(n_steps // n_envs, 1)
    losses = []
    gamma = mdp.gamma
    for it in range(n_iter):
        epsilon = max(0.05, 1.0 - 0.95 * it / (0.5 * n_iter))
        with torch.no_grad():
            greedy_a = net(feats[torch.as_tensor(envs.s, device=device)]).argmax(dim=1).cpu().numpy()
        explore = rng.random(n_envs) < epsilon
        a = np.where(explore, rng.integers(mdp.n_actions, size=n_envs), greedy_a)
        s, s2, r, done, _ = envs.advance(a, max_episode_steps, (it + 1) * n_envs)
        idx = (head + np.arange(n_envs)) % buffer_size
        buf_s[idx], buf_a[idx], buf_s2[idx], buf_r[idx], buf_done[idx] = s, a, s2, r * REWARD_SCALE, done
        head = (head + n_envs) % buffer_size
        filled = min(filled + n_envs, buffer_size)
        if filled < batch_size:
            continue
        j = torch.as_tensor(rng.integers(filled, size=batch_size), device=device)
        bs, ba, bs2 = (torch.as_tensor(b, device=device)[j] for b in (buf_s, buf_a, buf_s2))
        br = torch.as_tensor(buf_r, dtype=torch.float32, device=device)[j]
        bdone = torch.as_tensor(buf_done, dtype=torch.float32, device=device)[j]
        with torch.no_grad():
            a2 = net(feats[bs2]).argmax(dim=1, keepdim=True)  # double DQN: the online net picks a'
            y = br + gamma * (1 - bdone) * target(feats[bs2]).gather(1, a2)[:, 0]
        q = net(feats[bs]).gather(1, ba[:, None])[:, 0]
        loss = torch.nn.functional.smooth_l1_loss(q, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        check_finite_loss(losses[-1], it)
        if len(losses) % target_every == 0:
            target.load_state_dict(net.state_dict())
    with torch.no_grad():
        greedy_all = net(feats).argmax(dim=1).cpu().numpy()
    return DeepRLResult(
        np.eye(mdp.n_actions)[greedy_all], np.array(envs.returns), np.array(envs.steps), np.array(losses)
    )


@_single_threaded
def actor_critic(
    mdp: MDP,
    features,
    n_steps: int,
    seed,
    *,
    n_envs: int = 16,
    n_rollout: int = 8,
    hidden: int = 64,
    lr: float = 1e-3,
    entropy_weight: float = 0.01,
    max_episode_steps: int = 100,
    device="cpu",
) -> DeepRLResult:
    r"""Advantage actor-critic (A2C): a policy network :math:`\pi_\vartheta(a|s)` (softmax of its
    outputs) and a value network :math:`V_w(s)`, both of the state's ``features``, updated after
    every rollout of ``n_rollout`` steps of ``n_envs`` environments with the loss

    .. math::
        L = -\operatorname{mean}_t\left[\hat A_t\ln\pi_\vartheta(a_t|s_t)\right]
        + \tfrac12\operatorname{mean}_t\left[(\hat G_t - V_w(s_t))^2\right]
        - \beta\,\operatorname{mean}_t H[\pi_\vartheta(\cdot|s_t)],

    where :math:`\hat G_t = r_{t+1} + \gamma r_{t+2} + \dots + \gamma^{k}V_w(s_{t+k})` is the
    return up to the end of the rollout (or of the episode), bootstrapped with the critic,
    :math:`\hat A_t = \hat G_t - V_w(s_t)` the advantage (held fixed in the policy term) and
    :math:`\beta` = ``entropy_weight`` keeps the policy from committing too early. Episodes
    start in random non-terminal states and are cut after ``max_episode_steps`` (bootstrapped);
    rewards are scaled by ``REWARD_SCALE``. Returns the learned stochastic policy on every
    state. Used in ``chapters/rl.md``.
    """
    import torch

    feats, n_steps, n_envs, hidden, lr, max_episode_steps, device = _check_deep_args(
        mdp, features, n_steps, n_envs, hidden, lr, max_episode_steps, device
    )
    n_rollout = check_int(n_rollout, "n_rollout", minimum=1)
    beta = check_scalar(entropy_weight, "entropy_weight", minimum=0.0)
    from ._validate import check_finite_loss

    rng = as_rng(seed)
    torch.manual_seed(int(rng.integers(2**31 - 1)))  # the networks' initialisation
    actor = _mlp(feats.shape[1], hidden, mdp.n_actions).to(device)
    critic = _mlp(feats.shape[1], hidden, 1).to(device)
    opt = torch.optim.Adam([*actor.parameters(), *critic.parameters()], lr=lr)
    envs = _Episodes(mdp, n_envs, rng)
    gamma = mdp.gamma
    losses = []
    n_updates = max(n_steps // (n_envs * n_rollout), 1)
    step = 0
    for update in range(n_updates):
        S, A, Rw, D, TR, S2 = [], [], [], [], [], []
        for _ in range(n_rollout):
            with torch.no_grad():
                probs = (
                    torch.softmax(actor(feats[torch.as_tensor(envs.s, device=device)]), dim=1).cpu().numpy()
                )
            cum = np.cumsum(probs, axis=1)
            a = np.minimum(np.sum(cum <= rng.random(n_envs)[:, None], axis=1), mdp.n_actions - 1)
            step += n_envs
            s, s2, r, done, truncated = envs.advance(a, max_episode_steps, step)
            (
                S.append(s),
                A.append(a),
                Rw.append(r * REWARD_SCALE),
                D.append(done),
                TR.append(truncated),
                S2.append(s2),
            )
        with torch.no_grad():
            v_next = critic(feats[torch.as_tensor(np.array(S2), device=device)])[..., 0].cpu().numpy()
        G = np.zeros((n_rollout, n_envs))
        running = v_next[-1]
        for t in range(n_rollout - 1, -1, -1):
            boot = np.where(TR[t], v_next[t], running)
            running = Rw[t] + gamma * np.where(D[t], 0.0, boot)
            G[t] = running
        s_all = torch.as_tensor(np.array(S).ravel(), device=device)
        a_all = torch.as_tensor(np.array(A).ravel(), device=device)
        g_all = torch.as_tensor(G.ravel(), dtype=torch.float32, device=device)
        logits = actor(feats[s_all])
        logp = torch.log_softmax(logits, dim=1)
        v = critic(feats[s_all])[:, 0]
        advantage = (g_all - v).detach()
        entropy = -(logp.exp() * logp).sum(dim=1).mean()
        loss = (
            -(advantage * logp.gather(1, a_all[:, None])[:, 0]).mean()
            + 0.5 * ((g_all - v) ** 2).mean()
            - beta * entropy
        )
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        check_finite_loss(losses[-1], update)
    with torch.no_grad():
        policy = torch.softmax(actor(feats), dim=1).double().cpu().numpy()
    policy /= policy.sum(axis=1, keepdims=True)
    return DeepRLResult(policy, np.array(envs.returns), np.array(envs.steps), np.array(losses))
