"""Self-check answers for the exercises of "Autoregressive models" (``exercises/autoregressive.md``)."""

import numpy as np
from scipy.special import expit

from .. import autoregressive as ar
from ..selfcheck import answer

# Settings of the exercises, shared with the exercise page.
TABLE_D = 16  # variables of the 4x4 Ising lattice
MADE_D, MADE_HIDDEN = 4, (6,)
CHAIN_T = 1.5  # temperature of the open three-spin chain


@answer(
    "ar-table-parameters",
    rtol=0,
    hint="The d-th conditional needs one number for each value of the d - 1 variables before it; "
    "sum 2^(d-1) over d = 1..D. Give [table, independent] for D = 16.",
)
def _table_parameters():
    return np.array([sum(2 ** (d - 1) for d in range(1, TABLE_D + 1)), TABLE_D])


@answer(
    "ar-made-counts",
    rtol=0,
    hint="Hidden degrees are 1, 2, 3, 1, 2, 3. A hidden unit of degree m keeps the inputs of degree <= m; "
    "output d keeps the hidden units of degree < d. Give [all weights and biases, non-zero mask entries].",
)
def _made_counts():
    masks = ar.made_masks(MADE_D, MADE_HIDDEN)
    return np.array([ar.n_made_parameters(MADE_D, MADE_HIDDEN), ar.n_connections(masks)])


@answer(
    "ar-chain-conditional",
    rtol=1e-6,
    hint="In p(s) ~ exp((s1 s2 + s2 s3)/T) only the bond s2 s3 involves s3: the conditional of s3 is a "
    "two-state Boltzmann factor, exp(s2 s3 / T) / (2 cosh(1/T)).",
)
def _chain_conditional():
    return float(expit(2.0 / CHAIN_T))
