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
