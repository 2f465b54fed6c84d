"""Self-check answers for the exercises of "Reinforcement learning basics" (``exercises/rl.md``)."""

import math

import numpy as np

from .. import rl
from ..selfcheck import answer

# Settings of the exercises, shared with the exercise page.
TWO_STATE_GAMMA = 0.9
REWARDS = (-1.0, -1.0, 0.0, 2.0, 10.0)
REWARDS_GAMMA = 0.8
SWEEPS_GAMMA, SWEEPS_R_MAX, SWEEPS_TOL = 0.95, 1.0, 1e-6


def two_state_mdp(gamma: float = TWO_STATE_GAMMA) -> rl.MDP:
    """State 0: action 0 stays (reward 1), action 1 moves to state 1 (reward 0); state 1 stays, reward 2."""
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[0, 1, 1] = P[1, :, 1] = 1.0
    R = np.array([[1.0, 0.0], [2.0, 2.0]])
    return rl.make_mdp(P, R, gamma)


@answer(
    "rl-two-state",
    rtol=1e-8,
    hint="V*(1) = 2 / (1 - gamma). In state 0 compare staying forever, 1 / (1 - gamma), "
    "with moving once, 0 + gamma V*(1). Give [V*(0), V*(1)].",
)
def _two_state():
    return rl.value_iteration(two_state_mdp(), tol=1e-12).V


@answer(
    "rl-discounted-return",
    rtol=1e-10,
    hint="G_0 = r_1 + gamma r_2 + gamma^2 r_3 + ...: the first reward is not discounted.",
)
def _return():
    return rl.discounted_return(REWARDS, REWARDS_GAMMA)


@answer(
    "rl-vi-sweeps",
    rtol=0,
    atol=0.5,
    hint="From V_0 = 0 the error after k sweeps is at most gamma^k r_max / (1 - gamma); "
    "find the smallest integer k that brings this below the tolerance (use logarithms).",
)
def _sweeps():
    g = SWEEPS_GAMMA
    return math.ceil(math.log(SWEEPS_TOL * (1 - g) / SWEEPS_R_MAX) / math.log(g))


# --------------------------------------------------------------------------- the policy gradient of a bandit

BANDIT_REWARDS = (1.0, 0.5, -0.2)  # expected reward of each arm
BANDIT_THETA = (0.2, 0.0, -0.4)  # softmax parameters


def bandit_mdp(rewards=BANDIT_REWARDS) -> rl.MDP:
    """A bandit as an MDP: one live state whose every action ends the episode with the arm's reward."""
    n = len(rewards)
    P = np.zeros((2, n, 2))
    P[0, :, 1] = P[1, :, 1] = 1.0
    R = np.zeros((2, n))
    R[0] = rewards
    return rl.make_mdp(P, R, 0.9, terminal=[False, True])


@answer(
    "rl-bandit-gradient",
    rtol=1e-8,
    atol=1e-12,
    hint="J = sum_a pi_a r_a, and dJ/dtheta_b = pi_b (r_b - J). "
    "Give the three components in the order of the arms.",
)
def _bandit_gradient():
    theta = np.array([BANDIT_THETA, (0.0, 0.0, 0.0)])
    return rl.policy_gradient(bandit_mdp(), theta)[0]
