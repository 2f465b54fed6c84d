"""Self-check answers for the exercises of the chapter "Deep learning with PyTorch".

Each answer is computed with torch and ``physml.torchtools`` (never typed in).
"""

import torch

from .. import torchtools
from ..selfcheck import answer

DROPOUT_P = 0.25  # exercise "Dropout by hand"
DROPOUT_INPUT = 2.0
BN_SIZES = [64, 100, 100, 10]  # exercise "Parameters with batch normalisation"
AUTOGRAD_X = 1.0  # exercise "A derivative by autograd": f(x) = x^3 sin(x)


@answer(
    "pt-dropout-scale",
    rtol=1e-6,
    hint="In training mode dropout keeps a unit with probability 1 - p and divides it by 1 - p, "
    "so that its expected value stays the same.",
)
def _dropout_scale():
    layer = torch.nn.Dropout(DROPOUT_P).train()
    torch.manual_seed(0)
    out = layer(torch.full((1000,), DROPOUT_INPUT))
    return out.max().item()  # the value of a surviving unit


@answer(
    "pt-bn-params",
    rtol=0.0,
    atol=0.5,
    hint="Each Linear(n_in, n_out) has (n_in + 1) n_out parameters; each BatchNorm1d(n) adds a scale "
    "gamma and a shift beta per unit (its running mean and variance are buffers, not parameters).",
)
def _bn_params():
    return torchtools.n_parameters(torchtools.mlp(BN_SIZES, batch_norm=True))


@answer(
    "pt-autograd-derivative",
    rtol=1e-8,
    hint="Product rule: d/dx [x^3 sin x] = 3x^2 sin x + x^3 cos x, at x = 1 (radians).",
)
def _autograd_derivative():
    x = torch.tensor(AUTOGRAD_X, dtype=torch.float64, requires_grad=True)
    (x**3 * torch.sin(x)).backward()
    return x.grad.item()
