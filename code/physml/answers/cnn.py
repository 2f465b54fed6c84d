"""Self-check answers for the exercises of the chapter "Convolutional neural networks".

Each answer is computed with ``physml.conv`` or torch (never typed in).
"""

import functools

import numpy as np
import torch

from .. import conv, ising
from ..selfcheck import answer

# exercise "Output size": a 28x28 image, 5x5 kernel, padding 2, stride 2
SIZE_N, SIZE_K, SIZE_P, SIZE_S = 28, 5, 2, 2
# exercise "Parameters of a layer": 3 input channels, 16 output channels, 5x5 kernels
PARAM_C_IN, PARAM_C_OUT, PARAM_K = 3, 16, 5
# exercise "Receptive field": three 3x3 convolutions (stride 1), 2x2 max-pooling, one 3x3 convolution
RF_LAYERS = [(3, 1), (3, 1), (3, 1), (2, 2), (3, 1)]
# exercise "Cross-correlation by hand"
HAND_IMAGE = [[1.0, 2.0, 0.0], [0.0, 1.0, 3.0], [2.0, 1.0, 1.0]]
HAND_KERNEL = [[1.0, -1.0], [0.0, 2.0]]


@answer(
    "cnn-output-size",
    rtol=0.0,
    atol=0.5,
    hint="n_out = floor((n + 2p - k) / s) + 1 along each axis.",
)
def _output_size():
    x = torch.zeros(1, 1, SIZE_N, SIZE_N)
    return torch.nn.functional.conv2d(
        x, torch.zeros(1, 1, SIZE_K, SIZE_K), padding=SIZE_P, stride=SIZE_S
    ).shape[-1]


@answer(
    "cnn-layer-params",
    rtol=0.0,
    atol=0.5,
    hint="One kernel of C_in x k x k weights per output channel, plus one bias per output channel.",
)
def _layer_params():
    layer = torch.nn.Conv2d(PARAM_C_IN, PARAM_C_OUT, PARAM_K)
    return sum(p.numel() for p in layer.parameters())


@answer(
    "cnn-receptive-field",
    rtol=0.0,
    atol=0.5,
    hint="Each 3x3 convolution adds 2 pixels of its own input; after the 2x2 pooling "
    "each such pixel is worth 2 input pixels. Start from r = 1.",
)
def _receptive_field():
    return conv.receptive_field(RF_LAYERS)


@answer(
    "cnn-hand-correlation",
    rtol=1e-9,
    atol=1e-9,
    hint="The 'valid' cross-correlation of a 3x3 image with a 2x2 kernel is 2x2; "
    "entry (i, j) is sum_pq K[p, q] X[i + p, j + q]. Give the whole 2x2 array. No flipping!",
)
def _hand_correlation():
    return conv.correlate2d(np.array(HAND_IMAGE), np.array(HAND_KERNEL))


# exercise "Transposed convolution": up-sampling a 7x7 map, kernel 4, padding 1, stride 2, output_padding 1
TR_N, TR_K, TR_P, TR_S, TR_OP = 7, 4, 1, 2, 1
# exercise "Equivariance, proved": a stride-2 circular convolution of an 8x8 image
EQ_SIZE, EQ_STRIDE = 8, 2
# exercise "Parameters of a residual block"
RES_CHANNELS = 8
# exercise "Where the |m| classifier crosses": threshold on |m|
M_THRESHOLD = 0.5
# project: sizes, windows and samples of the order-parameter classifier
PROJECT_SIZES = (8, 12, 16)
PROJECT_ORDERED, PROJECT_DISORDERED = (1.0, 1.6), (4.0, 4.6)
PROJECT_TEST_T = tuple(np.round(np.linspace(1.9, 2.9, 11), 10))
PROJECT_N_TRAIN, PROJECT_N_TEST, PROJECT_SEED = 50, 100, 11


@answer(
    "cnn-transposed-size",
    rtol=0.0,
    atol=0.5,
    hint="n_out = (n - 1) s - 2p + k + output_padding.",
)
def _transposed_size():
    layer = torch.nn.ConvTranspose2d(1, 1, TR_K, stride=TR_S, padding=TR_P, output_padding=TR_OP)
    return layer(torch.zeros(1, 1, TR_N, TR_N)).shape[-1]


@answer(
    "cnn-stride-equivariant-shifts",
    rtol=0.0,
    atol=0.5,
    hint="Count the shifts a in 0..7 for which conv(shift_a x) equals the output shifted by a/s "
    "(which must be a whole number of output pixels).",
)
def _stride_shifts():
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.normal(size=(1, 1, EQ_SIZE, EQ_SIZE)))
    w = torch.from_numpy(rng.normal(size=(1, 1, 3, 3)))

    def f(z):
        return torch.nn.functional.conv2d(
            torch.nn.functional.pad(z, (1, 1, 1, 1), mode="circular"), w, stride=EQ_STRIDE
        )

    count = 0
    for a in range(EQ_SIZE):
        lhs = f(torch.roll(x, a, dims=3))
        if a % EQ_STRIDE == 0 and torch.allclose(lhs, torch.roll(f(x), a // EQ_STRIDE, dims=3)):
            count += 1
    return count


@answer(
    "cnn-resblock-params",
    rtol=0.0,
    atol=0.5,
    hint="Two 3x3 convolutions C -> C without bias, and two batch normalisations "
    "with a scale and a shift per channel.",
)
def _resblock_params():
    return sum(p.numel() for p in conv.ConvResidualBlock(RES_CHANNELS).parameters())


@answer(
    "cnn-m-threshold-T",
    rtol=0.0,
    atol=1e-4,
    hint="Solve [1 - sinh(2/T)^-4]^(1/8) = m* for T below T_c (a root finder, e.g. scipy.optimize.brentq).",
)
def _m_threshold_T():
    from scipy.optimize import brentq

    return brentq(lambda T: ising.onsager_magnetization(T) - M_THRESHOLD, 1.0, ising.ONSAGER_TC - 1e-9)


@functools.cache
def project_samples(L: int):
    """Training and test configurations of the project (seeded; deterministic)."""
    train_T = np.concatenate([np.linspace(*PROJECT_ORDERED, 2), np.linspace(*PROJECT_DISORDERED, 2)])
    train = ising.sample(L, train_T, PROJECT_N_TRAIN, seed=PROJECT_SEED + L)
    test = ising.sample(L, np.array(PROJECT_TEST_T), PROJECT_N_TEST, seed=PROJECT_SEED + L + 1)
    return train, test


def project_crossing(L: int) -> float:
    """Crossing of 1/2 of logistic regression on |m|, trained on the windows, at size ``L``."""
    from sklearn.linear_model import LogisticRegression

    train, test = project_samples(L)
    y = (train.temperatures <= max(PROJECT_ORDERED)).astype(int)
    clf = LogisticRegression().fit(np.abs(ising.magnetization(train.spins, per_spin=True))[:, None], y)
    p = clf.predict_proba(np.abs(ising.magnetization(test.spins, per_spin=True))[:, None])[:, 1]
    curve = p.reshape(len(PROJECT_TEST_T), -1).mean(axis=1)
    return conv.half_crossing(np.array(PROJECT_TEST_T), curve)


@answer(
    "cnn-project-crossing-L8",
    rtol=0.0,
    atol=1e-6,
    hint="Logistic regression (scikit-learn defaults) on |m| per spin of the L = 8 training configurations "
    "(label 1 for T <= 1.6), mean probability per test temperature, linear interpolation to 1/2 "
    "(conv.half_crossing). Use answers.cnn.project_samples(8) for the data.",
)
def _project_crossing():
    return project_crossing(8)
