"""Self-check answers for the exercises of the chapter "Convolutional neural networks".

Each answer is computed with ``physml.conv`` or torch (never typed in).
"""

import numpy as np
import torch

from .. import conv
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
