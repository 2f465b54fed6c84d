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

import numpy as np

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


# --------------------------------------------------------------------------- is REINFORCE unbiased?


class GradientRun(Settings):
    """Settings of the test of the REINFORCE estimator against the exact policy gradient."""

    n_episodes: int = setting(2_000, low=2, doc="single-episode gradient estimates to average")
    seed: int = setting(2028, low=0, doc="seed of the episodes")

    SHORT = {"n_episodes": 400}


@study("rl", GradientRun)
def gradient_run(cfg: GradientRun) -> dict:
    """Single-episode REINFORCE gradients of the uniform policy (theta = 0) on the grid world,
    projected on the direction of the exact gradient (``rl.policy_gradient``): their mean with
    its standard error, and the exact gradient's length."""
    mdp = solved_world()["world"].mdp
    theta = np.zeros((mdp.n_states, mdp.n_actions))
    exact = rl.policy_gradient(mdp, theta)
    norm = float(np.linalg.norm(exact))
    direction = exact / norm
    rng = np.random.default_rng(cfg.seed)
    estimates = np.array([rl.reinforce_gradient(mdp, theta, rng) for _ in range(cfg.n_episodes)])
    projected = estimates.reshape(cfg.n_episodes, -1) @ direction.ravel()
    mean = estimates.mean(axis=0)
    sem = estimates.std(axis=0, ddof=1) / np.sqrt(cfg.n_episodes)
    return {
        "exact": exact,
        "norm": norm,
        "projected": float(projected.mean()),
        "projected_error": float(projected.std(ddof=1) / np.sqrt(cfg.n_episodes)),
        "mean": mean,
        "sem": sem,
    }


# --------------------------------------------------------------------------- function approximation


class DeepRun(Settings):
    """Settings of DQN and advantage actor-critic on the particle task (``ParticleRun``'s other defaults)."""

    n_x: int = setting(12, low=1, doc="walls at x = +-n_x (lattice sites), as in ParticleRun")
    n_v: int = setting(5, low=1, doc="speed limit |v| <= n_v, as in ParticleRun")
    dqn_steps: int = setting(40_000, low=16, doc="environment steps of DQN (16 environments side by side)")
    ac_steps: int = setting(
        64_000, low=128, doc="environment steps of actor-critic (16 environments x 8-step rollouts)"
    )
    n_seeds: int = setting(3, low=1, doc="independent runs of each method (seeds seed, seed + 1, ...)")
    seed: int = setting(2030, low=0, doc="first seed")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"n_x": 5, "n_v": 3, "dqn_steps": 16_000, "ac_steps": 16_000}


def regret(mdp: rl.MDP, V_opt, policy) -> float:
    r"""Mean over the non-terminal states of :math:`V^*(s) - V^\pi(s)`, with :math:`V^\pi` exact
    (linear solve):
    how much return the policy loses against the optimum from a uniformly random start."""
    live = ~mdp.terminal
    return float(np.mean((V_opt - rl.policy_evaluation(mdp, policy))[live]))


@study("rl", DeepRun)
def deep_run(cfg: DeepRun) -> dict:
    """DQN and actor-critic on the particle task (the lattice of ``cfg``, the other parameters of
    ``ParticleRun()``), ``cfg.n_seeds`` seeds each; every learned policy evaluated exactly and
    compared with the value-iteration optimum and with two baselines (random forces, no force)."""
    p = ParticleRun()
    task = rl.particle_on_line(cfg.n_x, cfg.n_v, fail=p.fail, wall_cost=p.wall_cost, gamma=p.gamma)
    mdp = task.mdp
    V_opt = rl.value_iteration(mdp, tol=1e-10).V
    features = rl.particle_features(task)
    runs = {"dqn": [], "actor_critic": []}
    for seed in range(cfg.seed, cfg.seed + cfg.n_seeds):
        runs["dqn"].append(rl.dqn(mdp, features, cfg.dqn_steps, seed, device=cfg.device))
        runs["actor_critic"].append(rl.actor_critic(mdp, features, cfg.ac_steps, seed, device=cfg.device))
    uniform = np.full((mdp.n_states, mdp.n_actions), 1 / mdp.n_actions)
    coast = np.full(mdp.n_states, task.forces.index(0))
    return {
        "task": task,
        "V_opt": V_opt,
        "runs": runs,
        "regret": {name: np.array([regret(mdp, V_opt, r.policy) for r in rs]) for name, rs in runs.items()},
        # the actor's most likely action in every state, evaluated like the others
        "regret_greedy_ac": np.array(
            [regret(mdp, V_opt, np.eye(mdp.n_actions)[r.policy.argmax(axis=1)]) for r in runs["actor_critic"]]
        ),
        "baselines": {"random": regret(mdp, V_opt, uniform), "no force": regret(mdp, V_opt, coast)},
        "optimal_mean": float(V_opt[~mdp.terminal].mean()),
    }
