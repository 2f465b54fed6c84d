"""Gradient-based optimizers in NumPy (chapter "Optimization"; used by ``physml.nn``).

Every optimizer updates a list of parameter arrays *in place* from a list of
gradient arrays of the same shapes::

    opt = Adam(learning_rate=1e-3)
    for step in range(n_steps):
        grads = gradient(params)
        opt.step(params, grads)

The update rules follow the conventions of ``torch.optim`` exactly, so that the tests
can compare them step by step.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_scalar


class Optimizer:
    """Base class: validates arguments and keeps per-parameter state."""

    def __init__(self, learning_rate: float):
        self.learning_rate = float(check_scalar(learning_rate, "learning_rate", minimum=0.0, include_min=False))
        self.t = 0  # number of steps taken
        self.state: dict[int, dict[str, np.ndarray]] = {}

    def reset(self) -> None:
        """Forget all accumulated state (moments, step count)."""
        self.t = 0
        self.state = {}

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """Update every array in ``params`` in place using the matching array in ``grads``."""
        if not isinstance(params, (list, tuple)) or not isinstance(grads, (list, tuple)):
            raise TypeError("params and grads must be lists of numpy arrays")
        if len(params) != len(grads):
            raise ValueError(f"params and grads must have the same length, got {len(params)} and {len(grads)}")
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            if p.shape != g.shape:
                raise ValueError(f"grads[{i}] has shape {g.shape}, but params[{i}] has shape {p.shape}")
        self.t += 1
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            self._update(i, p, g)

    def _update(self, i: int, p: np.ndarray, g: np.ndarray) -> None:
        raise NotImplementedError


class GradientDescent(Optimizer):
    """Plain gradient descent, :math:`\\theta \\leftarrow \\theta - \\eta\\, g`."""

    def _update(self, i, p, g):
        p -= self.learning_rate * g


class Momentum(Optimizer):
    """Gradient descent with momentum (``torch.optim.SGD(momentum=mu)`` convention).

    :math:`v \\leftarrow \\mu v + g`, :math:`\\theta \\leftarrow \\theta - \\eta v`, with
    :math:`v = g` on the first step.
    """

    def __init__(self, learning_rate: float, momentum: float = 0.9):
        super().__init__(learning_rate)
        self.momentum = float(check_scalar(momentum, "momentum", minimum=0.0, maximum=1.0, include_max=False))

    def _update(self, i, p, g):
        s = self.state.setdefault(i, {})
        if "v" not in s:
            s["v"] = g.copy()
        else:
            s["v"] *= self.momentum
            s["v"] += g
        p -= self.learning_rate * s["v"]
