"""Self-check answers for the exercises of "Variational autoencoders" (``exercises/vae.md``)."""

import numpy as np
import torch

from .. import vae
from ..selfcheck import answer

# Settings of the exercises, shared with the exercise page.
KL_MU = (1.0, -0.5)
KL_VAR = (0.5, 2.0)
PPCA_EIGENVALUES = (4.0, 2.0, 1.0, 0.5, 0.5)  # of the sample covariance S, d = 5
PPCA_K = 2


@answer(
    "vae-kl-term",
    rtol=1e-6,
    hint="Sum over latent dimensions of (mu^2 + s^2 - ln s^2 - 1) / 2; it is zero only for mu = 0, s = 1.",
)
def _kl_term():
    mu = torch.tensor(KL_MU, dtype=torch.float64)
    logvar = torch.log(torch.tensor(KL_VAR, dtype=torch.float64))
    return float(vae.gaussian_kl(mu, logvar))


@answer(
    "vae-ppca-max",
    rtol=1e-6,
    hint="sigma^2 is the mean of the d - k smallest eigenvalues; C has eigenvalues lambda_1..lambda_k and "
    "sigma^2; the per-sample value is -(d ln 2 pi + ln det C + tr(C^-1 S)) / 2.",
)
def _ppca_max():
    lam = np.asarray(PPCA_EIGENVALUES)
    d = lam.size
    sigma2 = lam[PPCA_K:].mean()
    c = np.concatenate([lam[:PPCA_K], np.full(d - PPCA_K, sigma2)])
    return float(-0.5 * (d * np.log(2 * np.pi) + np.sum(np.log(c)) + np.sum(lam / c)))
