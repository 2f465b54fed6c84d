"""Reference checks of the chapter "Convolutional neural networks".

The runs themselves (settings, data, training) are in ``physml.studies.cnn``; each check
that needs one reads the run the page made (``experiment.current``: the book's settings
in the book, the short ones in the unit tests). The comparison of the NumPy convolution
with torch's is cheap and deterministic, and stays here.
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from .. import conv, ising
from ..experiment import current
from ..studies import cnn as study
from ..validation import reference_check

DIGITS_TARGET = (0.98, 0.90)  # test accuracy to reach: full, short (3 epochs)
TC_TOLERANCE = (0.15, 0.15)  # |T_c - Onsager|: full and short configuration (L = 16 and L = 8)


def digits_cnn_run(short: bool = False) -> dict:
    return study.digits_run(current(study.digits_run, short))


def ising_cnn_run(short: bool = False) -> dict:
    return study.ising_run(current(study.ising_run, short))


# (N, C_in, C_out, H, W, k, stride, padding) of the comparison with torch shown in the chapter
TORCH_CASES = [(2, 3, 4, 9, 7, 3, 1, 1), (1, 2, 5, 8, 8, 4, 2, 0), (3, 1, 2, 6, 11, 5, 3, 2)]


@functools.cache
def conv_vs_torch(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Outputs and gradients of physml's convolution and 2x2 max-pooling, and torch's, flattened (float64).

    For each case of ``TORCH_CASES``: random input, kernels, biases and output gradient;
    forward and backward with :mod:`physml.conv`, and with ``torch.nn.functional`` and autograd.
    """
    import torch.nn.functional as F

    rng = np.random.default_rng(seed)
    ours, theirs = [], []
    for n, c_in, c_out, h, w, k, stride, padding in TORCH_CASES:
        x = rng.normal(size=(n, c_in, h, w))
        weight, bias = rng.normal(size=(c_out, c_in, k, k)), rng.normal(size=c_out)
        out = conv.conv2d_forward(x, weight, bias, stride, padding)
        grad_out = rng.normal(size=out.shape)
        ours += [out, *conv.conv2d_backward(grad_out, x, weight, stride, padding)]
        xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, weight, bias))
        ref = F.conv2d(xt, wt, bt, stride=stride, padding=padding)
        ref.backward(torch.from_numpy(grad_out))
        theirs += [ref.detach(), xt.grad, wt.grad, bt.grad]

        pooled, argmax = conv.maxpool2d_forward(x, 2)
        grad_pooled = rng.normal(size=pooled.shape)
        ours += [pooled, conv.maxpool2d_backward(grad_pooled, argmax, x.shape, 2)]
        xt = torch.tensor(x, requires_grad=True)
        ref_pool = F.max_pool2d(xt, 2)
        ref_pool.backward(torch.from_numpy(grad_pooled))
        theirs += [ref_pool.detach(), xt.grad]
    flat = np.concatenate([np.ravel(a) for a in ours])
    return flat, np.concatenate([t.numpy().ravel() for t in theirs])


@reference_check(
    "cnn.conv-torch",
    chapter="cnn",
    description="NumPy convolution and max-pooling, forward and backward, equal torch's (float64)",
    reference_source="torch.nn.functional.conv2d, max_pool2d and torch.autograd",
    kind="abs",
    tolerance=1e-10,
    reference_kind="library",
    tolerance_from="bound",
    why="float64 rounding of sums of at most 75 products of O(1) numbers is ~1e-13; 1e-10 leaves margin",
)
def _conv_vs_torch():
    return conv_vs_torch()


@reference_check(
    "cnn.digits-accuracy",
    chapter="cnn",
    description="Test accuracy of the CNN on the 8x8 digits reaches the target",
    reference_source="target of the chapter (short configuration: 3 epochs, target 0.90)",
    kind="at_least",
    glued=("cnn-digits-accuracy",),
    reference_kind="baseline",
    tolerance_from="after",
    why="target 0.98 (0.90 short) came with the first trained network; not documented as fixed before",
)
def _digits_accuracy(short: bool):
    return digits_cnn_run(short)["accuracy"], DIGITS_TARGET[short]


@reference_check(
    "cnn.ising-tc",
    chapter="cnn",
    description="Temperature where the CNN's probability of the ordered phase crosses 1/2, "
    "at temperatures it was not trained on, equals Onsager's T_c within 0.15",
    reference_source="Onsager (1944), T_c = 2/ln(1+sqrt 2) "
    "(short configuration: L = 8, fewer samples and epochs, same tolerance)",
    kind="abs",
    tolerance=TC_TOLERANCE[0],
    short_tolerance=TC_TOLERANCE[1],
    glued=("cnn-ising-tc",),
    reference_kind="exact",
    tolerance_from="after",
    why="0.15 is no finite-size bound; the short allowance was cut from 0.3 to 0.15 after runs",
)
def _ising_tc(short: bool):
    return ising_cnn_run(short)["tc"], ising.ONSAGER_TC
