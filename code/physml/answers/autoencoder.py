"""Self-check answers for the exercises of the chapter "Autoencoders and principal component analysis".

Each answer is computed with ``physml.pca`` or ``physml.autoencoder`` (never typed in).
"""

import numpy as np

from .. import autoencoder, pca
from ..selfcheck import answer

# exercise "Explained variance by hand": four points in the plane, already centred
HAND_X = [[2.0, 0.0], [0.0, 1.0], [-2.0, 0.0], [0.0, -1.0]]
# exercise "Parameters of an autoencoder": the 8x8 digits through one hidden layer to a code
PARAMS_P, PARAMS_HIDDEN, PARAMS_K = 64, 32, 8
# exercise "The Wiener filter is the best linear denoiser": noise level on the four points
WIENER_SIGMA = 1.0


@answer(
    "ae-evr",
    rtol=1e-6,
    atol=1e-9,
    hint="Centre X, compute the variances along the principal directions (X~^T X~ / (n - 1)), "
    "and divide the largest by their sum.",
)
def _explained_variance_ratio():
    return pca.fit_pca(np.array(HAND_X)).explained_variance_ratio[0]


@answer(
    "ae-rank1-error",
    rtol=1e-6,
    atol=1e-9,
    hint="Eckart-Young: the squared error of the rank-k reconstruction is the sum of the discarded "
    "sigma_j^2; divide by the number of samples.",
)
def _rank1_error():
    X = np.array(HAND_X)
    fit = pca.fit_pca(X, 1)
    residual = X - pca.reconstruct(fit, pca.project(fit, X))
    return float(np.sum(residual**2) / len(X))


@answer(
    "ae-mlp-params",
    rtol=0.0,
    atol=0.5,
    hint="Each linear layer n_in -> n_out has n_in * n_out weights and n_out biases; "
    "the decoder mirrors the encoder.",
)
def _mlp_params():
    model = autoencoder.mlp_autoencoder(PARAMS_P, [PARAMS_HIDDEN], PARAMS_K)
    return autoencoder.n_parameters(model)


@answer(
    "ae-linear-params",
    rtol=0.0,
    atol=0.5,
    hint="Two linear layers, p -> k and k -> p, each with a bias.",
)
def _linear_params():
    return autoencoder.n_parameters(autoencoder.linear_autoencoder(PARAMS_P, 2))


@answer(
    "ae-wiener-mse",
    rtol=1e-6,
    atol=1e-9,
    hint="Diagonalise the covariance: the Wiener filter multiplies the score along v_j by "
    "lambda_j / (lambda_j + sigma^2), and its error on that direction is lambda_j sigma^2 / "
    "(lambda_j + sigma^2); sum over j (covariance with divisor n - 1, sigma = 1).",
)
def _wiener_mse():
    # the error of physml.pca.wiener_denoise's linear map A, from its action on the basis:
    # C(A) = tr[(I - A) S (I - A)^T] + sigma^2 tr[A A^T]
    X = np.array(HAND_X)
    mean = X.mean(axis=0)
    p = X.shape[1]
    A = (pca.wiener_denoise(mean + np.eye(p), X, WIENER_SIGMA) - mean).T
    S = np.cov(X, rowvar=False)
    R = np.eye(p) - A
    return float(np.trace(R @ S @ R.T) + WIENER_SIGMA**2 * np.trace(A @ A.T))
