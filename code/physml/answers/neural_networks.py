"""Self-check answers for the exercises of the chapter "Feed-forward neural networks and backpropagation".

Each answer is computed with ``physml.nn`` (never typed in), so it is tested together
with the code the chapter uses.
"""

import numpy as np

from ..nn import MLP, sigmoid_derivative, softmax
from ..selfcheck import answer

# The small network of the exercise "An error by hand" (hidden layer: sigmoid, output: identity).
HAND_W1 = [[0.1, -0.3], [0.4, 0.2]]
HAND_B1 = [0.0, 0.1]
HAND_W2 = [[0.5], [-0.6]]
HAND_B2 = [0.2]
HAND_X = [[1.0, 2.0]]
HAND_Y = [1.0]

# The output layer of the exercise "Softmax and cross-entropy".
SOFTMAX_LOGITS = [2.0, 1.0, 0.1]
SOFTMAX_CLASS = 0


def hand_network() -> MLP:
    """The 2-2-1 network of the exercise, with cost C = (a^2 - y)^2 for the single sample."""
    return MLP.from_weights(
        [HAND_W1, HAND_W2], [HAND_B1, HAND_B2], hidden_activation="sigmoid", output_activation="identity"
    )


@answer(
    "nn-param-count",
    rtol=0.0,
    atol=0.5,
    hint="Layer l has an (M_{l-1} x M_l) weight matrix and M_l biases; "
    "add up (M_{l-1} + 1) M_l over the layers.",
)
def _param_count():
    return MLP([64, 100, 100, 10]).n_parameters


@answer(
    "nn-delta-output",
    rtol=1e-6,
    hint="Feed forward first (z^1, a^1, then z^2 = a^2 for an identity output). With C = (a^2 - y)^2, "
    "delta^2 = dC/dz^2 = 2 (a^2 - y).",
)
def _delta_output():
    # dC/db^2 = delta^2 (equation BP3); the gradient comes from backpropagation in physml
    return hand_network().gradients(HAND_X, HAND_Y)[3][0]


@answer(
    "nn-delta-hidden",
    rtol=1e-6,
    hint="delta^1 = (W^2 delta^2) * sigma'(z^1) element by element, "
    "with sigma'(z) = sigma(z) (1 - sigma(z)); W^2 has one row per hidden unit.",
)
def _delta_hidden():
    return hand_network().gradients(HAND_X, HAND_Y)[1]


@answer(
    "nn-softmax-delta",
    rtol=1e-6,
    hint="For softmax with cross-entropy the output error is delta^L = a^L - y: the softmax probabilities "
    "minus the one-hot target.",
)
def _softmax_delta():
    logits = np.array([SOFTMAX_LOGITS])
    onehot = np.zeros_like(logits)
    onehot[0, SOFTMAX_CLASS] = 1.0
    return (softmax(logits) - onehot)[0]


@answer(
    "nn-sigmoid-bound",
    rtol=1e-6,
    hint="What is the largest value of sigma'(z) = sigma(z)(1 - sigma(z)), and how often does the error "
    "pick up such a factor on its way through ten hidden layers?",
)
def _sigmoid_bound():
    z = np.linspace(-5.0, 5.0, 100001)  # the maximum sits at z = 0, which lies on this grid
    return float(sigmoid_derivative(z).max()) ** 10


# exercise "Xavier's variance": a layer of n_in = 64 inputs and n_out = 100 outputs
XAVIER_N_IN, XAVIER_N_OUT = 64, 100


@answer(
    "nn-xavier-std",
    rtol=1e-9,
    hint="Xavier's uniform initialisation draws w ~ U(-a, a) with a = sqrt(6 / (n_in + n_out)); the "
    "variance of U(-a, a) is a^2 / 3.",
)
def _xavier_std():
    a = np.sqrt(6.0 / (XAVIER_N_IN + XAVIER_N_OUT))
    return float(a / np.sqrt(3.0))


# project: the period of a pendulum at large amplitude, T / T_0 = (2 / pi) K(sin^2(theta_0 / 2))
PENDULUM_N, PENDULUM_RANGE, PENDULUM_NOISE, PENDULUM_SEED = 40, (0.1, 2.8), 0.01, 1673
PROJECT_THETA = 2.0  # rad, the amplitude of the milestone


def period_ratio(theta0) -> np.ndarray:
    """Exact T(theta_0) / T_0 of a simple pendulum, (2/pi) K(m) with m = sin^2(theta_0/2) (scipy's ellipk)."""
    from scipy.special import ellipk

    return 2.0 / np.pi * ellipk(np.sin(np.asarray(theta0, dtype=float) / 2.0) ** 2)


def pendulum_measurements(seed: int = PENDULUM_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Amplitudes (rad) and measured period ratios T / T_0 with Gaussian noise (seeded)."""
    rng = np.random.default_rng(seed)
    theta0 = np.sort(rng.uniform(*PENDULUM_RANGE, size=PENDULUM_N))
    return theta0, period_ratio(theta0) + PENDULUM_NOISE * rng.standard_normal(PENDULUM_N)


@answer(
    "nn-project-period",
    rtol=1e-8,
    hint="T / T_0 = (2 / pi) K(m) with the parameter m = sin^2(theta_0 / 2) (scipy.special.ellipk takes m, "
    "not the modulus k = sin(theta_0 / 2)); theta_0 = 2 rad.",
)
def _project_period():
    return float(period_ratio(PROJECT_THETA))
