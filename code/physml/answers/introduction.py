"""Self-check answers for the Introduction's exercises."""

import numpy as np

from ..selfcheck import answer
from ..studies.introduction import LineRun, line_data


@answer(
    "intro-eta-max",
    rtol=1e-3,
    hint="Gradient descent on a quadratic cost diverges once eta exceeds 2 / (largest eigenvalue "
    "of the Hessian); the Hessian of the mean squared error is (2/n) X^T X.",
)
def _eta_max():
    x, _ = line_data(LineRun())  # the data of the book's run
    X = np.column_stack([np.ones_like(x), x])
    hessian = 2.0 / len(x) * X.T @ X
    return 2.0 / np.linalg.eigvalsh(hessian).max()


@answer(
    "intro-gd-contraction",
    rtol=1e-6,
    hint="Along an eigenvector of the Hessian (2/n) X^T X with eigenvalue lambda the error is multiplied "
    "by 1 - eta lambda per step; the slowest component has the largest |1 - eta lambda|.",
)
def _gd_contraction():
    cfg = LineRun()  # the book's run
    x, _ = line_data(cfg)
    X = np.column_stack([np.ones_like(x), x])
    eigenvalues = np.linalg.eigvalsh(2.0 / len(x) * X.T @ X)
    return float(np.max(np.abs(1.0 - cfg.eta * eigenvalues)))


@answer(
    "intro-expected-mse",
    rtol=1e-9,
    hint="The residual is (I - P) y with P the projection onto the p = 2 columns of X; E||(I - P) eps||^2 = "
    "sigma^2 tr(I - P) = (n - p) sigma^2. Divide by n, with the book's n and sigma.",
)
def _expected_mse():
    cfg = LineRun()
    return (cfg.n - 2) / cfg.n * cfg.noise**2


# project: the pendulum. Squared periods T^2 = (4 pi^2 / g) L of a simple pendulum (small amplitude),
# each timed with a Gaussian error of PENDULUM_NOISE s^2.
G_TRUE = 9.81  # m / s^2
PENDULUM_N = 20
PENDULUM_LENGTHS = (0.2, 1.0)  # m
PENDULUM_NOISE = 0.02  # s^2, standard deviation of each measured T^2
PENDULUM_SEED = 1673  # Huygens, Horologium oscillatorium


def pendulum_data(seed: int = PENDULUM_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Lengths L (m) and measured squared periods T^2 (s^2) of the pendulum project (seeded)."""
    rng = np.random.default_rng(seed)
    lengths = np.sort(rng.uniform(*PENDULUM_LENGTHS, size=PENDULUM_N))
    squared_periods = 4 * np.pi**2 / G_TRUE * lengths + PENDULUM_NOISE * rng.standard_normal(PENDULUM_N)
    return lengths, squared_periods


@answer(
    "intro-project-g",
    rtol=1e-4,
    hint="Fit T^2 = theta_0 + theta_1 L to answers.introduction.pendulum_data() (least squares, or gradient "
    "descent run to convergence) and use g = 4 pi^2 / theta_1.",
)
def _project_g():
    lengths, squared_periods = pendulum_data()
    X = np.column_stack([np.ones_like(lengths), lengths])
    theta = np.linalg.lstsq(X, squared_periods, rcond=None)[0]
    return float(4 * np.pi**2 / theta[1])
