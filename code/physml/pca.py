"""Principal component analysis from the singular value decomposition.

Used by the chapter "Autoencoders and principal component analysis"
(``chapters/autoencoder.md``): centring, the SVD of the centred design matrix, explained
variances, projections and reconstructions, and the principal angles between two
subspaces (to compare the subspace a linear autoencoder learns with PCA's).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import as_float_array, check_int, check_scalar

__all__ = ["PCAResult", "fit_pca", "project", "reconstruct", "principal_angles", "wiener_denoise"]


@dataclass(frozen=True)
class PCAResult:
    r"""A fitted PCA: the mean ``mean`` (p,), the components ``components`` (k, p) as rows
    (the first k right singular vectors :math:`\boldsymbol v_j^T`), the ``singular_values``
    (k,), the variances ``explained_variance`` :math:`\sigma_j^2/(n-1)` (k,), their share of
    the total variance ``explained_variance_ratio`` (k,), and ``n_samples``."""

    mean: np.ndarray
    components: np.ndarray
    singular_values: np.ndarray
    explained_variance: np.ndarray
    explained_variance_ratio: np.ndarray
    n_samples: int


def _fix_signs(U: np.ndarray, Vt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flip each singular pair so that the largest |entry| of each row of ``Vt`` is positive."""
    rows = np.argmax(np.abs(Vt), axis=1)
    signs = np.sign(Vt[np.arange(Vt.shape[0]), rows])
    signs[signs == 0] = 1.0
    return U * signs, Vt * signs[:, None]


def fit_pca(X, n_components: int | None = None) -> PCAResult:
    r"""PCA of the rows of ``X`` (n, p) through the SVD of the centred matrix.

    .. math::
        \tilde{\boldsymbol X} = \boldsymbol X - \boldsymbol 1\bar{\boldsymbol x}^T
        = \boldsymbol U\boldsymbol\Sigma\boldsymbol V^T,\qquad
        \lambda_j = \frac{\sigma_j^2}{n-1},\qquad
        r_j = \frac{\lambda_j}{\sum_{i}\lambda_i}.

    The principal directions are the columns of :math:`\boldsymbol V` (rows of
    ``components``), the variances :math:`\lambda_j` the eigenvalues of the sample
    covariance :math:`\tilde{\boldsymbol X}^T\tilde{\boldsymbol X}/(n-1)`. The sign of each
    direction is arbitrary; it is fixed so that its largest entry is positive.
    ``n_components=None`` keeps :math:`\min(n, p)` components.
    """
    X = as_float_array(X, "X", ndim=2)
    n, p = X.shape
    if n < 2 or p < 1:
        raise ValueError(f"X must have at least two samples and one feature, got shape {X.shape}")
    k_max = min(n, p)
    k = k_max if n_components is None else check_int(n_components, "n_components", minimum=1, maximum=k_max)
    mean = X.mean(axis=0)
    U, s, Vt = np.linalg.svd(X - mean, full_matrices=False)
    U, Vt = _fix_signs(U, Vt)
    variances = s**2 / (n - 1)
    total = variances.sum()
    ratio = variances / total if total > 0 else np.zeros_like(variances)
    return PCAResult(mean, Vt[:k], s[:k], variances[:k], ratio[:k], n)


def _check_fitted(pca) -> PCAResult:
    if not isinstance(pca, PCAResult):
        raise TypeError(f"pca must be a PCAResult from fit_pca, got {type(pca).__name__}")
    return pca


def project(pca: PCAResult, X) -> np.ndarray:
    r"""The scores of the rows of ``X``, shape (n, k):
    :math:`\boldsymbol z_i = \boldsymbol V_k^T(\boldsymbol x_i - \bar{\boldsymbol x})`."""
    pca = _check_fitted(pca)
    X = as_float_array(X, "X", ndim=2, nonempty=True)
    if X.shape[1] != pca.mean.size:
        raise ValueError(f"X must have {pca.mean.size} columns (the fitted features), got {X.shape[1]}")
    return (X - pca.mean) @ pca.components.T


def reconstruct(pca: PCAResult, Z) -> np.ndarray:
    r"""Back from scores to data space,
    :math:`\hat{\boldsymbol x}_i = \bar{\boldsymbol x} + \boldsymbol V_k\boldsymbol z_i`."""
    pca = _check_fitted(pca)
    Z = as_float_array(Z, "Z", ndim=2, nonempty=True)
    if Z.shape[1] != pca.components.shape[0]:
        raise ValueError(f"Z must have {pca.components.shape[0]} columns (the components), got {Z.shape[1]}")
    return pca.mean + Z @ pca.components


def principal_angles(A, B) -> np.ndarray:
    r"""Principal angles (radians, ascending) between the column spaces of ``A`` (p, k) and ``B`` (p, l).

    With orthonormal bases :math:`\boldsymbol Q_A, \boldsymbol Q_B` (QR), the cosines of
    the angles are the singular values of :math:`\boldsymbol Q_A^T\boldsymbol Q_B`:
    :math:`\cos\theta_j = \sigma_j(\boldsymbol Q_A^T\boldsymbol Q_B)`. All angles are zero
    exactly when one space contains the other. ``min(k, l)`` angles are returned.
    For tiny angles ``scipy.linalg.subspace_angles`` (which uses sines) is more accurate;
    the cosine form is accurate to about :math:`\sqrt{\epsilon_{\mathrm M}}\approx 10^{-8}` rad.
    """
    A = as_float_array(A, "A", ndim=2, nonempty=True)
    B = as_float_array(B, "B", ndim=2, nonempty=True)
    if A.shape[0] != B.shape[0]:
        raise ValueError(f"A and B must have the same number of rows, got {A.shape[0]} and {B.shape[0]}")
    for M, name in ((A, "A"), (B, "B")):
        if np.linalg.matrix_rank(M) < M.shape[1]:
            raise ValueError(f"{name} must have linearly independent columns")
    QA, _ = np.linalg.qr(A)
    QB, _ = np.linalg.qr(B)
    cosines = np.linalg.svd(QA.T @ QB, compute_uv=False)
    return np.sort(np.arccos(np.clip(cosines, -1.0, 1.0)))


def wiener_denoise(X_noisy, X_train, noise_std: float) -> np.ndarray:
    r"""The linear minimum-mean-squared-error (Wiener) estimate of clean rows from ``X_noisy``.

    For :math:`\tilde{\boldsymbol x} = \boldsymbol x + \sigma\boldsymbol\epsilon` with
    :math:`\boldsymbol\epsilon\sim\mathcal N(\boldsymbol 0, \boldsymbol I)` independent of
    :math:`\boldsymbol x`, the best estimate of :math:`\boldsymbol x` that is affine in
    :math:`\tilde{\boldsymbol x}` is

    .. math::
        \hat{\boldsymbol x} = \bar{\boldsymbol x}
        + \boldsymbol S(\boldsymbol S + \sigma^2\boldsymbol I)^{-1}
        (\tilde{\boldsymbol x} - \bar{\boldsymbol x}),

    with the mean :math:`\bar{\boldsymbol x}` and the sample covariance :math:`\boldsymbol S`
    (divisor :math:`n-1`) of the clean rows ``X_train`` (n, p). In the principal basis it
    shrinks the score along :math:`\boldsymbol v_j` by :math:`\lambda_j/(\lambda_j+\sigma^2)`
    instead of keeping (1) or dropping (0) it as a PCA projection does. Used as the linear
    baseline of the denoising autoencoder in the chapter "Autoencoders and principal component
    analysis".
    """
    X_train = as_float_array(X_train, "X_train", ndim=2)
    if X_train.shape[0] < 2 or X_train.shape[1] < 1:
        raise ValueError(f"X_train must have at least two samples and one feature, got shape {X_train.shape}")
    X_noisy = as_float_array(X_noisy, "X_noisy", ndim=2, nonempty=True)
    if X_noisy.shape[1] != X_train.shape[1]:
        raise ValueError(
            f"X_noisy must have {X_train.shape[1]} columns (the features of X_train), got {X_noisy.shape[1]}"
        )
    noise_std = check_scalar(noise_std, "noise_std", minimum=0.0, maximum=1e100)
    mean = X_train.mean(axis=0)
    S = np.cov(X_train, rowvar=False).reshape(X_train.shape[1], X_train.shape[1])
    A = S + float(noise_std) ** 2 * np.eye(S.shape[0])
    # S (S + s^2 I)^{-1} y = (solve((S + s^2 I), S y^T))^T since both are symmetric and commute
    gain = np.linalg.lstsq(A, S, rcond=None)[0] if noise_std == 0 else np.linalg.solve(A, S)
    return mean + (X_noisy - mean) @ gain
