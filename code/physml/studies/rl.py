"""The runs of "Reinforcement learning basics": what the page solves and learns, with its settings in view.

The grid world of ``physml.rl.grid_world`` (5x5, walls, a goal, a trap, slippery moves,
gamma = 0.95) is solved exactly (:func:`solved_world`: linear Bellman system, value
iteration, policy iteration); the studies are

* :func:`particle_run`: the particle-on-a-line control task solved by value iteration,
  and one sampled episode of its optimal policy;
* :func:`q_run`: tabular Q-learning on the grid world, its greedy policy compared with the
  optimal one;
* :func:`reinforce_run`: REINFORCE on the grid world, its policy evaluated exactly (linear
  solve) and by Monte Carlo.
"""

from __future__ import annotations

import functools

from .. import rl
from ..experiment import Settings, setting, study


@functools.cache
def solved_world():
    """The grid world, its value-iteration solution and the exact values of that policy."""
    world = rl.grid_world()
    vi = rl.value_iteration(world.mdp, tol=1e-12)
    V_linear = rl.policy_evaluation(world.mdp, vi.policy)
    V_pi, pi_policy, pi_iterations = rl.policy_iteration(world.mdp)
    return {
        "world": world,
        "vi": vi,
        "V_linear": V_linear,
        "V_pi": V_pi,
        "pi_policy": pi_policy,
        "pi_iterations": pi_iterations,
        # states with a unique optimal action (a tie makes "the" optimal policy ambiguous)
        "unique": rl.unique_optimum(vi.Q) & ~world.mdp.terminal,
    }


# --------------------------------------------------------------------------- particle on a line


class ParticleRun(Settings):
    """Settings of the particle-on-a-line task (``rl.particle_on_line``) and its sampled episode."""

    n_x: int = setting(12, low=1, doc="walls at x = +-n_x (lattice sites)")
    n_v: int = setting(5, low=1, doc="speed limit |v| <= n_v")
    fail: float = setting(0.1, low=0, high=1, doc="probability that a push fails (no force)")
    wall_cost: float = setting(10.0, low=0, doc="extra cost of a crash into a wall")
    gamma: float = setting(0.99, low=0, high=0.999, doc="discount factor")
    seed: int = setting(2029, low=0, doc="seed of the sampled episode")


@study("rl", ParticleRun)
def particle_run(cfg: ParticleRun) -> dict:
    """The particle-on-a-line task solved by value iteration, and one sampled episode from its start."""
    task = rl.particle_on_line(cfg.n_x, cfg.n_v, fail=cfg.fail, wall_cost=cfg.wall_cost, gamma=cfg.gamma)
    vi = rl.value_iteration(task.mdp, tol=1e-10)
    states, actions, rewards = rl.run_episode(task.mdp, vi.policy, cfg.seed)
    return {"task": task, "vi": vi, "episode": (states, actions, rewards)}


# --------------------------------------------------------------------------- Q-learning


class QRun(Settings):
    """Settings of tabular Q-learning on the grid world."""

    episodes: int = setting(10_000, low=1, doc="training episodes")
    epsilon: float = setting(0.2, low=0, high=1, doc="probability of a random action (epsilon-greedy)")
    exploring_starts: bool = setting(True, doc="start each episode in a random non-terminal state")
    seed: int = setting(2026, low=0, doc="seed of starts, actions and transitions")

    SHORT = {"episodes": 3_000}


@study("rl", QRun)
def q_run(cfg: QRun) -> dict:
    """Q-learning on the grid world; its greedy policy compared with the optimal one in the
    states where that is unique, and the largest error of max_a Q against V*."""
    solved = solved_world()
    mdp, vi = solved["world"].mdp, solved["vi"]
    result = rl.q_learning(
        mdp,
        cfg.episodes,
        cfg.seed,
        epsilon=cfg.epsilon,
        exploring_starts=cfg.exploring_starts,
        V_ref=vi.V,
        n_checkpoints=60,
    )
    policy = rl.greedy(result.Q)
    mismatch = (policy != vi.policy) & solved["unique"]
    return {
        "result": result,
        "policy": policy,
        "mismatches": int(mismatch.sum()),
        "v_error": result.v_error[-1],
    }


# --------------------------------------------------------------------------- REINFORCE


class ReinforceRun(Settings):
    """Settings of REINFORCE on the grid world and of the Monte Carlo evaluation of its policy."""

    episodes: int = setting(3_000, low=1, doc="training episodes from the start state")
    learning_rate: float = setting(0.5, low=0, doc="step size of the softmax parameters")
    baseline_rate: float = setting(0.1, low=0, high=1, doc="step size of the running-average baseline")
    use_baseline: bool = setting(True, doc="subtract the learned baseline b(s) from the return")
    eval_episodes: int = setting(2_000, low=2, doc="episodes of the Monte Carlo evaluation")
    seed: int = setting(2027, low=0, doc="seed of training; the evaluation uses seed + 1")

    SHORT = {"episodes": 1_000, "eval_episodes": 500}


@study("rl", ReinforceRun)
def reinforce_run(cfg: ReinforceRun) -> dict:
    """REINFORCE on the grid world; the learned policy evaluated exactly (linear solve of the
    Bellman equation) and by Monte Carlo, beside the optimal value V*(start)."""
    solved = solved_world()
    mdp = solved["world"].mdp
    result = rl.reinforce(
        mdp,
        cfg.episodes,
        cfg.seed,
        learning_rate=cfg.learning_rate,
        baseline_rate=cfg.baseline_rate,
        use_baseline=cfg.use_baseline,
    )
    exact = rl.policy_evaluation(mdp, result.policy)[mdp.start]
    mc = rl.evaluate_policy(mdp, result.policy, cfg.eval_episodes, cfg.seed + 1)
    return {"result": result, "exact": float(exact), "mc": mc, "optimal": float(solved["vi"].V[mdp.start])}
