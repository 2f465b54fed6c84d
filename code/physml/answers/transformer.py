"""Self-check answers for the exercises of the chapter "Transformers".

Each answer is computed with ``physml.attention`` or torch (never typed in).
"""

import numpy as np
import torch

from .. import attention
from ..selfcheck import answer

# exercise "Attention weights by hand": one query, three keys with d_k = 4, values in R^2
HAND_Q = [[1.0, 0.0, 1.0, 0.0]]
HAND_K = [[2.0, 0.0, 2.0, 0.0], [0.0, 2.0, 0.0, 0.0], [-2.0, 0.0, 0.0, 0.0]]
HAND_V = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
# exercise "Counting parameters": width 64, 8 heads, 256 hidden units in the feed-forward network
PARAM_E, PARAM_H, PARAM_FF = 64, 8, 256
# exercise "Shapes": 4 sequences of 10 queries, 15 keys, width 32, 4 heads
SHAPE_N, SHAPE_L, SHAPE_S, SHAPE_E, SHAPE_H = 4, 10, 15, 32, 4
# exercise "The causal mask": a window of 20 positions
CAUSAL_L = 20
# exercise "An encoding by hand": position 3, feature 5, width 8
PE_P, PE_J, PE_E = 3, 5, 8
# exercise "Why scale the scores?": d_k = 64, entries of q and k with variance 1/2
SCORE_DK, SCORE_VAR = 64, 0.5
# exercise "Permutation equivariance": 4 elements of width 2, the permutation pi, N particles
EQUI_X = [[1.0, 0.0], [0.0, 1.0], [-1.0, 0.5], [0.5, -1.0]]
EQUI_PERM = [2, 0, 3, 1]  # the permuted input has row t = EQUI_X[EQUI_PERM[t]]
EQUI_ROW = 1  # the row of the permuted output asked for
EQUI_N = 6  # particles of the chapter's force task


def _hand_attention() -> tuple[np.ndarray, np.ndarray]:
    """(output, weights) of the exercise "Attention by hand": one query, three keys and values."""
    return attention.scaled_dot_product_attention(np.array(HAND_Q), np.array(HAND_K), np.array(HAND_V))


@answer(
    "tf-weights",
    rtol=1e-6,
    hint="Scores q.k_s / sqrt(d_k) with d_k = 4, then a softmax over the three keys. Give three weights.",
)
def _weights():
    return _hand_attention()[1][0]


@answer(
    "tf-output",
    rtol=1e-6,
    hint="The output is the weighted mean of the value vectors, sum_s A_s v_s: two numbers.",
)
def _output():
    return _hand_attention()[0][0]


@answer(
    "tf-mha-params",
    rtol=0.0,
    atol=0.5,
    hint="Four E x E projections (query, key, value, output) and four bias vectors; the heads share them.",
)
def _mha_params():
    return sum(p.numel() for p in torch.nn.MultiheadAttention(PARAM_E, PARAM_H).parameters())


@answer(
    "tf-block-params",
    rtol=0.0,
    atol=0.5,
    hint="Multi-head attention, plus two layer norms (a scale and a shift of length E each), plus the "
    "feed-forward network E -> d_ff -> E with its biases.",
)
def _block_params():
    return sum(p.numel() for p in attention.EncoderBlock(PARAM_E, PARAM_H, PARAM_FF).parameters())


@answer(
    "tf-weights-shape",
    rtol=0.0,
    atol=0.5,
    hint="One weight per (sequence, head, query, key). Give the shape as four numbers.",
)
def _weights_shape():
    rng = np.random.default_rng(0)
    query = rng.normal(size=(SHAPE_N, SHAPE_L, SHAPE_E))
    key = rng.normal(size=(SHAPE_N, SHAPE_S, SHAPE_E))
    _, A = attention.multi_head_attention(query, key, key, attention.init_mha_parameters(SHAPE_E), SHAPE_H)
    return np.array(A.shape, dtype=float)


@answer(
    "tf-causal-count",
    rtol=0.0,
    atol=0.5,
    hint="Query t may attend to the keys 0, ..., t: count the allowed pairs.",
)
def _causal_count():
    return int(attention.causal_mask(CAUSAL_L).sum())


@answer(
    "tf-encoding-value",
    rtol=1e-8,
    hint="Feature j = 2i + 1 is a cosine: P = cos(p * 10000^(-2i/E)) with i = (j - 1)/2.",
)
def _encoding_value():
    return float(attention.sinusoidal_encoding(PE_P + 1, PE_E)[PE_P, PE_J])


@answer(
    "tf-score-variance",
    rtol=1e-8,
    hint="q.k is a sum of d_k independent products; the variance of a product of two independent, "
    "zero-mean variables is the product of their variances.",
)
def _score_variance():
    return float(SCORE_DK * SCORE_VAR * SCORE_VAR)


@answer(
    "tf-perm-row",
    rtol=1e-6,
    hint="Equivariance: row t of the output for the permuted input is row pi(t) of the output for the "
    "original input. Attention with Q = K = V = X (no projections, no mask); give two numbers.",
)
def _perm_row():
    x = np.array(EQUI_X)[None]
    out, _ = attention.scaled_dot_product_attention(x[:, EQUI_PERM], x[:, EQUI_PERM], x[:, EQUI_PERM])
    return out[0, EQUI_ROW]


@answer(
    "tf-orderings",
    rtol=0.0,
    atol=0.5,
    hint="An MLP on the concatenated coordinates sees each configuration in one of N! orders of its labels.",
)
def _orderings():
    import math

    return math.factorial(EQUI_N)
