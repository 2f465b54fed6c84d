r"""A feed-forward correction to the Padé–Jastrow trial function, differentiated by PyTorch
(chapter "Neural-network quantum states").

.. math::

    \log\psi_T(\boldsymbol R) = -\alpha\sum_i r_i^2 + \sum_{i<j}\frac{a\,r_{ij}}{1+\beta r_{ij}}
        + f_{\boldsymbol\theta}(\boldsymbol z),\qquad
    f_{\boldsymbol\theta}(\boldsymbol z) =
        \boldsymbol w_2\cdot\tanh(\boldsymbol W_1\boldsymbol z + \boldsymbol b_1) + b_2,

a one-hidden-layer network of the exchange-symmetric, smooth features
:math:`\boldsymbol z = (\sum_i r_i^2, \sum_{i<j} r_{ij}^2)`. Smooth features keep the cusp of the
Padé–Jastrow factor intact, and the network only has to learn the smooth rest.

The gradient and Laplacian with respect to the coordinates and the derivatives with respect to
all parameters :math:`(\alpha, \beta, \boldsymbol W_1, \boldsymbol b_1, \boldsymbol w_2, b_2)` come
from ``torch.func`` (``grad``, ``hessian``, ``vmap``) in float64, so no derivative is written by
hand. PyTorch is imported only when the class is used.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_rng, check_int, check_scalar
from .wavefunctions import WaveFunction


class FeedForwardJastrow(WaveFunction):
    """Gaussian x Pade-Jastrow x exp(MLP) of ``n_particles`` in ``dims`` dimensions (autograd)."""

    def __init__(
        self,
        alpha: float,
        beta: float,
        n_hidden: int = 8,
        seed=0,
        n_particles: int = 2,
        dims: int = 2,
        a: float | None = None,
        scale: float = 0.1,
    ):
        check_scalar(alpha, "alpha", minimum=0.0, include_min=False)
        check_scalar(beta, "beta", minimum=0.0)
        self.n_hidden = check_int(n_hidden, "n_hidden", minimum=1)
        dims = check_int(dims, "dims", minimum=2, maximum=3)
        self.a = 1.0 / (dims - 1) if a is None else float(check_scalar(a, "a"))
        scale = check_scalar(scale, "scale", minimum=0.0)
        rng = as_rng(seed)
        H = self.n_hidden
        w1 = scale * rng.standard_normal((2, H))
        b1 = scale * rng.standard_normal(H)
        w2 = np.zeros(H)  # the network starts as f = 0: the trial function starts as the Pade-Jastrow one
        names = ["alpha", "beta"] + [f"W1_{k}_{j}" for k in range(2) for j in range(H)]
        names += [f"b1_{j}" for j in range(H)] + [f"w2_{j}" for j in range(H)] + ["b2"]
        self.param_names = tuple(names)
        super().__init__(np.concatenate([[alpha, beta], w1.ravel(), b1, w2, [0.0]]), n_particles, dims)
        if self.n_particles < 2:
            raise ValueError(f"n_particles must be >= 2, got {self.n_particles}")

    # --- the function of one walker, in torch ---
    def _single(self):
        import torch

        n, H = self.n_particles, self.n_hidden
        i, j = np.triu_indices(n, k=1)
        i, j = torch.as_tensor(i), torch.as_tensor(j)
        a = self.a

        def log_psi(x, p):  # x: (particles, dims), p: all parameters
            alpha, beta = p[0], p[1]
            w1 = p[2 : 2 + 2 * H].reshape(2, H)
            b1 = p[2 + 2 * H : 2 + 3 * H]
            w2 = p[2 + 3 * H : 2 + 4 * H]
            b2 = p[2 + 4 * H]
            r2 = (x * x).sum()
            d = x[i] - x[j]
            r12_sq = (d * d).sum(dim=1)
            r12 = torch.sqrt(r12_sq)
            z = torch.stack([r2, r12_sq.sum()])
            return -alpha * r2 + (a * r12 / (1 + beta * r12)).sum() + w2 @ torch.tanh(z @ w1 + b1) + b2

        return log_psi

    def _torch(self, x):
        import torch

        return torch.as_tensor(np.ascontiguousarray(x), dtype=torch.float64), torch.as_tensor(
            np.array(self.params), dtype=torch.float64
        )

    def _log_psi(self, x):
        import torch

        xt, pt = self._torch(x)
        with torch.no_grad():
            return torch.func.vmap(self._single(), in_dims=(0, None))(xt, pt).numpy()

    def _grad_lap(self, x):
        grad, lap, _ = self._derivatives(x, params=False)
        return grad, lap

    def _param_grad(self, x):
        return self._derivatives(x, params=True)[2]

    def _derivatives(self, x, params: bool = True):
        import torch
        from torch.func import grad, hessian, vmap

        xt, pt = self._torch(x)
        f = self._single()
        m = self.n_particles * self.dims
        g = vmap(grad(f, argnums=0), in_dims=(0, None))(xt, pt)
        h = vmap(hessian(f, argnums=0), in_dims=(0, None))(xt, pt).reshape(-1, m, m)
        lap = torch.diagonal(h, dim1=1, dim2=2).sum(dim=1)
        pg = vmap(grad(f, argnums=1), in_dims=(0, None))(xt, pt).detach().numpy() if params else None
        return g.detach().numpy(), lap.detach().numpy(), pg
