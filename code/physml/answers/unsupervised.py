"""Self-check answers for the exercises of "Unsupervised structure and interpretability".

The page is ``exercises/unsupervised.md``.
"""

import numpy as np

from ..selfcheck import answer

# Settings of the exercises, shared with the exercise page.
KMEANS_POINTS = (0.0, 1.0, 2.0, 6.0, 7.0, 10.0)  # one-dimensional data
KMEANS_START = (0.0, 1.0)  # initial centres
IG_POINT = (1.0, 2.0)  # F(x) = x_1^2 x_2, baseline 0
GRID = (1.2, 5.2, 0.2)  # t_min, t_max, dt of the chapter's temperature grid


def _x1_squared_x2():
    import torch

    class Cubic(torch.nn.Module):
        def forward(self, x):
            return x[:, 0] ** 2 * x[:, 1]

    return Cubic()


@answer(
    "uns-kmeans-final",
    rtol=1e-9,
    hint="Iterate: assign each point to the nearer centre, move each centre to the mean of its points, "
    "until no point changes cluster; then sum the squared distances to the centres.",
)
def _kmeans_final():
    from .. import unsupervised

    X = np.array(KMEANS_POINTS)[:, None]
    return unsupervised.kmeans(X, 2, init=np.array(KMEANS_START)[:, None]).inertia


@answer(
    "uns-ig-x1",
    rtol=1e-9,
    hint="dF/dx_1 = 2 x_1 x_2; on the path alpha x it is 2 alpha^2 x_1 x_2; multiply by x_1 and integrate "
    "alpha from 0 to 1.",
)
def _ig_x1():
    from .. import interpret

    ig = interpret.integrated_gradients(_x1_squared_x2().double(), np.array([IG_POINT]), n_steps=8)
    return float(ig[0, 0])


@answer(
    "uns-confusion-edge",
    rtol=1e-9,
    hint="At the first trial temperature only the configurations of the lowest grid temperature are "
    "labelled 'below'; a classifier that always answers 'above' is right for all the others.",
)
def _confusion_edge():
    t_min, t_max, dt = GRID
    n_T = int(round((t_max - t_min) / dt)) + 1
    return 1.0 - 1.0 / n_T
