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


INIT_WIDTH = 32  # exercise "Variance through a tanh layer": M_in = M_out = 32
INIT_DROP = 1e3  # ... and the factor by which the spread of the signal is to fall


def _default_weight_variance(fan_in: int) -> float:
    """Variance of torch's default nn.Linear weights, from nn.init's own recipe: kaiming_uniform_
    with a = sqrt(5), bound = gain sqrt(3 / fan_in), variance bound^2 / 3."""
    import math

    bound = torch.nn.init.calculate_gain("leaky_relu", math.sqrt(5)) * math.sqrt(3 / fan_in)
    return bound**2 / 3


@answer(
    "pt-init-default-factor",
    rtol=1e-6,
    hint="nn.Linear draws its weights from kaiming_uniform_ with a = sqrt(5): uniform on ±1/sqrt(M_in). "
    "A uniform variable on [-c, c] has variance c^2/3; multiply by M_in.",
)
def _init_default_factor():
    return INIT_WIDTH * _default_weight_variance(INIT_WIDTH)


@answer(
    "pt-init-xavier-factor",
    rtol=1e-6,
    hint="Xavier: Var w = g^2 * 2 / (M_in + M_out) with g = nn.init.calculate_gain('tanh') = 5/3; "
    "multiply by M_in.",
)
def _init_xavier_factor():
    gain = torch.nn.init.calculate_gain("tanh")
    return INIT_WIDTH * gain**2 * 2 / (2 * INIT_WIDTH)


@answer(
    "pt-init-layers",
    rtol=0.0,
    atol=0.5,
    hint="In the small-signal limit the variance falls by M_in Var w = 1/3 per layer, the spread (standard "
    "deviation) by 1/sqrt(3); find the smallest L with 3^(L/2) >= 1000.",
)
def _init_layers():
    import math

    factor = INIT_WIDTH * _default_weight_variance(INIT_WIDTH)
    return math.ceil(math.log(INIT_DROP) / (-0.5 * math.log(factor)) - 1e-9)


@answer(
    "pt-init-relu-factor",
    rtol=1e-6,
    hint="For a zero-mean symmetric z, E[relu(z)^2] = E[z^2] / 2: ReLU halves the second moment, and "
    "M_in Var w must make up for it.",
)
def _init_relu_factor():
    return torch.nn.init.calculate_gain("relu") ** 2
