"""Tests of physml.rl: exact Bellman solutions, Q-learning, REINFORCE, input validation."""

import numpy as np
import pytest

from physml import experiment, rl
from physml.checks import rl as checks
from physml.studies import rl as study


def _two_state(gamma=0.9):
    # state 0: action 0 stays (reward 1), action 1 moves to 1 (reward 0); state 1 stays (reward 2)
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[0, 1, 1] = P[1, :, 1] = 1.0
    R = np.array([[1.0, 0.0], [2.0, 2.0]])
    return rl.make_mdp(P, R, gamma)


def test_two_state_mdp_by_hand():
    mdp = _two_state(0.9)
    vi = rl.value_iteration(mdp)
    # V(1) = 2 / (1 - gamma) = 20; from 0 moving gives 0 + 0.9 * 20 = 18 > staying 1 / 0.1 = 10
    np.testing.assert_allclose(vi.V, [18.0, 20.0], atol=1e-10)
    assert vi.policy[0] == 1


def test_value_iteration_equals_linear_solve_and_policy_iteration():
    solved = study.solved_world()
    np.testing.assert_allclose(solved["vi"].V, solved["V_linear"], atol=1e-10)
    np.testing.assert_allclose(solved["V_pi"], solved["vi"].V, atol=1e-10)
    u = solved["unique"]
    assert np.array_equal(solved["pi_policy"][u], solved["vi"].policy[u])
    assert u.sum() >= 15


def test_iterative_evaluation_matches_exact():
    mdp = study.solved_world()["world"].mdp
    uniform = np.full((mdp.n_states, mdp.n_actions), 0.25)
    V, sweeps = rl.policy_evaluation_iterative(mdp, uniform, tol=1e-9)
    np.testing.assert_allclose(V, rl.policy_evaluation(mdp, uniform), atol=1e-9)
    assert sweeps > 1


def test_value_iteration_error_bound():
    mdp = study.solved_world()["world"].mdp
    V_star = study.solved_world()["vi"].V
    coarse = rl.value_iteration(mdp, tol=1e-3)
    assert np.max(np.abs(coarse.V - V_star)) <= 1e-3


def test_grid_world_transitions_are_distributions():
    world = rl.grid_world()
    np.testing.assert_allclose(world.mdp.P.sum(axis=2), 1.0)
    assert world.mdp.terminal.sum() == 2
    deterministic = rl.grid_world(slip=0.0)
    assert set(np.unique(deterministic.mdp.P)) <= {0.0, 1.0}


def test_q_learning_greedy_policy_is_optimal():
    try:
        q = study.q_run(study.QRun.short())
    finally:
        experiment.reset("rl")
    assert q["mismatches"] == 0
    assert q["v_error"] < checks.Q_TOLERANCE[True]


def test_q_learning_is_reproducible():
    mdp = study.solved_world()["world"].mdp
    a = rl.q_learning(mdp, 50, 7)
    b = rl.q_learning(mdp, 50, 7)
    np.testing.assert_array_equal(a.Q, b.Q)


def test_sarsa_runs_and_counts_visits():
    solved = study.solved_world()
    res = rl.sarsa(solved["world"].mdp, 300, 3, V_ref=solved["vi"].V)
    assert np.all(np.isfinite(res.Q))
    assert res.visits.sum() > 0


def test_reinforce_improves_on_uniform_policy():
    mdp = study.solved_world()["world"].mdp
    res = rl.reinforce(mdp, 300, 1)
    uniform = np.full((mdp.n_states, mdp.n_actions), 0.25)
    assert rl.policy_evaluation(mdp, res.policy)[mdp.start] > rl.policy_evaluation(mdp, uniform)[mdp.start]
    np.testing.assert_allclose(res.policy.sum(axis=1), 1.0)


def test_monte_carlo_evaluation_agrees_with_exact():
    mdp = study.solved_world()["world"].mdp
    policy = study.solved_world()["vi"].policy
    est = rl.evaluate_policy(mdp, policy, 400, 5)
    assert abs(est.value - rl.policy_evaluation(mdp, policy)[mdp.start]) < 4 * est.error


def test_discounted_return_and_running_mean():
    assert rl.discounted_return([1.0, 1.0, 1.0], 0.5) == pytest.approx(1.75)
    np.testing.assert_allclose(rl.running_mean([1.0, 3.0, 5.0], 2), [1.0, 2.0, 4.0])


@pytest.mark.parametrize("gamma", [-0.1, 1.0, 1.5, float("nan")])
def test_bad_gamma_is_rejected(gamma):
    with pytest.raises(ValueError, match="gamma"):
        rl.grid_world(gamma=gamma)
    with pytest.raises(ValueError, match="gamma"):
        rl.discounted_return([1.0], gamma)


def test_bad_input_is_rejected():
    mdp = _two_state()
    P = mdp.P.copy()
    P[0, 0, 0] = 0.5
    with pytest.raises(ValueError, match="P must sum to 1"):
        rl.make_mdp(P, mdp.R, 0.9)
    with pytest.raises(ValueError, match="policy must sum to 1"):
        rl.policy_evaluation(mdp, np.array([[0.5, 0.6], [1.0, 0.0]]))
    with pytest.raises(ValueError, match="policy"):
        rl.policy_evaluation(mdp, np.array([0, 5]))
    with pytest.raises(TypeError, match="gamma"):
        rl.make_mdp(mdp.P, mdp.R, "0.9")
    with pytest.raises(TypeError, match="seed"):
        rl.q_learning(mdp, 10, None)
    with pytest.raises(ValueError, match="epsilon"):
        rl.q_learning(mdp, 10, 0, epsilon=1.5)
    with pytest.raises(ValueError, match="layout"):
        rl.grid_world(("S.", "..Z"))
    with pytest.raises(ValueError, match="slip"):
        rl.grid_world(slip=-0.1)


def test_particle_task_is_a_valid_mdp_and_reaches_the_origin():
    task = rl.particle_on_line(n_x=5, n_v=3)
    np.testing.assert_allclose(task.mdp.P.sum(axis=2), 1.0)
    assert task.mdp.terminal.sum() == 1
    vi = rl.value_iteration(task.mdp)
    states, _, rewards = rl.run_episode(task.mdp, vi.policy, 0)
    assert len(rewards) < 30 and task.x[states[0]] == -5


def test_particle_values_equal_minimum_time_by_search():
    task = rl.particle_on_line(n_x=6, n_v=3, fail=0.0, wall_cost=0.0)
    T = checks.minimum_steps(task.mdp)
    g = task.mdp.gamma
    np.testing.assert_allclose(rl.value_iteration(task.mdp).V, -(1 - g**T) / (1 - g), atol=1e-9)
    # far from the origin with zero velocity the optimal policy pushes towards it
    vi = rl.value_iteration(task.mdp)
    s = int(np.flatnonzero((task.x == -6) & (task.v == 0))[0])
    assert task.forces[vi.policy[s]] == 1


def test_particle_task_rejects_bad_input():
    with pytest.raises(ValueError, match="fail"):
        rl.particle_on_line(fail=1.0)
    with pytest.raises(ValueError, match="gamma"):
        rl.particle_on_line(gamma=-0.5)
    with pytest.raises(ValueError, match="n_x"):
        rl.particle_on_line(n_x=0)


def test_to_grid_keeps_nan_as_no_value_and_refuses_inf():
    world = rl.grid_world(("S.G",), slip=0.1)
    grid = world.to_grid([0.5, np.nan, np.nan])
    assert grid[0, 0] == 0.5 and np.isnan(grid[0, 1])
    with pytest.raises(ValueError, match="values contains inf"):
        world.to_grid([0.5, np.inf, 0.0])


# --------------------------------------------------------------------------- issue 26


def test_too_few_sweeps_raise_the_documented_convergence_error():
    import physml

    world = rl.grid_world().mdp
    policy = np.full((world.n_states, world.n_actions), 1 / world.n_actions)
    calls = (
        lambda: rl.value_iteration(world, max_sweeps=2),
        lambda: rl.policy_evaluation_iterative(world, policy, max_sweeps=2),
        lambda: rl.policy_iteration(world, max_iterations=1),
    )
    for call in calls:
        with pytest.raises(physml.ConvergenceError, match="did not converge in max_"):
            call()
    assert issubclass(physml.ConvergenceError, RuntimeError)
    assert issubclass(physml.ConvergenceError, ValueError)
    for function in (rl.value_iteration, rl.policy_evaluation_iterative, rl.policy_iteration):
        assert "ConvergenceError" in function.__doc__


def test_step_and_epsilon_greedy_take_an_int_seed_like_a_generator():
    """The seed rule: wherever a Generator is accepted, an int seed is too."""
    world = rl.grid_world().mdp
    s, a = world.start, 1
    assert rl.step(world, s, a, 5) == rl.step(world, s, a, np.random.default_rng(5))
    q_row = np.array([0.0, 1.0, 0.5])
    for seed in range(5):
        generator = np.random.default_rng(seed)
        assert rl.epsilon_greedy(q_row, 0.7, seed) == rl.epsilon_greedy(q_row, 0.7, generator)
    for bad, error in ((-1, ValueError), (1.5, TypeError), (True, TypeError)):
        with pytest.raises(error, match="rng"):
            rl.step(world, s, a, bad)


# ------------------------------------------------------------- the fixed-theta REINFORCE estimator


def _bandit_chain():
    """Two live states and a terminal one, stochastic, with an exact gradient to compare with."""
    P = np.zeros((3, 2, 3))
    P[0, 0, 0], P[0, 0, 1], P[0, 1, 2] = 0.7, 0.3, 1.0
    P[1, 0, 2], P[1, 1, 0] = 1.0, 1.0
    P[2, :, 2] = 1.0
    R = np.zeros((3, 2, 3))
    R[0, 0, :], R[0, 1, 2], R[1, 0, 2], R[1, 1, 0] = 0.2, 1.0, 2.0, -0.5
    return rl.make_mdp(P, R, 0.9, terminal=[False, False, True])


THETA = np.array([[0.3, -0.2], [0.1, 0.4], [0.0, 0.0]])


def test_policy_gradient_equals_finite_differences():
    mdp = _bandit_chain()
    exact = rl.policy_gradient(mdp, THETA)
    h, fd = 1e-6, np.zeros_like(THETA)
    for i, j in np.ndindex(*THETA.shape):
        e = np.zeros_like(THETA)
        e[i, j] = h
        up = rl.policy_evaluation(mdp, rl.softmax_policy(THETA + e))[0]
        down = rl.policy_evaluation(mdp, rl.softmax_policy(THETA - e))[0]
        fd[i, j] = (up - down) / (2 * h)
    np.testing.assert_allclose(exact, fd, atol=1e-8)


@pytest.mark.parametrize("baseline", [None, np.array([0.5, 1.0, 0.0])])
def test_reinforce_estimator_is_unbiased(baseline):
    """The mean of single-episode estimates equals the exact gradient within 4 standard errors
    (a fixed baseline changes the variance, not the mean)."""
    mdp = _bandit_chain()
    rng = np.random.default_rng(3)
    g = np.array([rl.reinforce_gradient(mdp, THETA, rng, baseline=baseline) for _ in range(6000)])
    exact = rl.policy_gradient(mdp, THETA)
    mean, sem = g.mean(axis=0), g.std(axis=0, ddof=1) / np.sqrt(len(g))
    live = sem > 0
    assert np.all(np.abs(mean - exact)[live] < 4 * sem[live])
    np.testing.assert_array_equal(exact[~live], 0.0)


def test_reinforce_moves_theta_once_per_episode_with_the_fixed_theta_estimate():
    """One episode of rl.reinforce without baseline is theta = eta * g_hat(theta = 0) from the same draws."""
    mdp = _bandit_chain()
    res = rl.reinforce(mdp, 1, 11, learning_rate=0.7, use_baseline=False)
    g = rl.reinforce_gradient(mdp, np.zeros((3, 2)), 11, max_steps=200)
    np.testing.assert_allclose(res.theta, 0.7 * g, atol=1e-14)


# --------------------------------------------------------------------------- DQN and actor-critic


def test_deep_agents_return_valid_reproducible_policies():
    task = rl.particle_on_line(3, 2, gamma=0.9)
    feats = rl.particle_features(task)
    assert feats.shape == (task.mdp.n_states, 2) and np.abs(feats).max() == 1.0
    for agent in (rl.dqn, rl.actor_critic):
        a = agent(task.mdp, feats, 600, 0)
        b = agent(task.mdp, feats, 600, 0)
        assert a.policy.shape == (task.mdp.n_states, task.mdp.n_actions)
        np.testing.assert_allclose(a.policy.sum(axis=1), 1.0)
        np.testing.assert_array_equal(a.policy, b.policy)
        assert np.all(np.isfinite(a.losses)) and a.losses.size > 0


def test_deep_agents_learn_a_small_particle_task():
    """On a 7 x 5 lattice DQN's and actor-critic's policies lose far less than the random policy."""
    task = rl.particle_on_line(3, 2, fail=0.0, wall_cost=1.0, gamma=0.9)
    mdp = task.mdp
    V_opt = rl.value_iteration(mdp).V
    uniform = np.full((mdp.n_states, mdp.n_actions), 1 / 3)
    live = ~mdp.terminal
    regret_random = np.mean((V_opt - rl.policy_evaluation(mdp, uniform))[live])
    for res in (
        rl.dqn(mdp, rl.particle_features(task), 6000, 1, n_envs=4, target_every=50),
        rl.actor_critic(mdp, rl.particle_features(task), 6000, 1, n_envs=4),
    ):
        regret = np.mean((V_opt - rl.policy_evaluation(mdp, res.policy))[live])
        assert regret < 0.25 * regret_random


def test_deep_agents_reject_bad_input():
    task = rl.particle_on_line(3, 2)
    feats = rl.particle_features(task)
    with pytest.raises(ValueError, match="features"):
        rl.dqn(task.mdp, feats[:-1], 100, 0)
    with pytest.raises(ValueError, match="n_steps"):
        rl.actor_critic(task.mdp, feats, 0, 0)
    with pytest.raises(TypeError, match="task"):
        rl.particle_features(task.mdp)
