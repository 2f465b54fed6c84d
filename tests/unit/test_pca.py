"""Tests of physml.pca: PCA from the SVD and principal angles."""

import numpy as np
import pytest
from scipy.linalg import subspace_angles
from sklearn.decomposition import PCA

from physml import pca


def _data(n=50, p=6, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, p)) @ rng.normal(size=(p, p))


def test_matches_sklearn_up_to_sign():
    X = _data()
    ours = pca.fit_pca(X, 3)
    sk = PCA(3, svd_solver="full").fit(X)
    signs = np.sign(np.sum(ours.components * sk.components_, axis=1))
    np.testing.assert_allclose(ours.components, sk.components_ * signs[:, None], atol=1e-10)
    np.testing.assert_allclose(ours.explained_variance, sk.explained_variance_, rtol=1e-10)
    np.testing.assert_allclose(ours.explained_variance_ratio, sk.explained_variance_ratio_, rtol=1e-10)
    np.testing.assert_allclose(np.abs(pca.project(ours, X)), np.abs(sk.transform(X)), atol=1e-9)


def test_full_reconstruction_is_exact():
    X = _data()
    p = pca.fit_pca(X)
    np.testing.assert_allclose(pca.reconstruct(p, pca.project(p, X)), X, atol=1e-10)
    assert np.isclose(p.explained_variance_ratio.sum(), 1.0)


def test_principal_angles_match_scipy():
    rng = np.random.default_rng(1)
    A, B = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    np.testing.assert_allclose(pca.principal_angles(A, B), np.sort(subspace_angles(A, B)), atol=1e-7)
    assert np.allclose(pca.principal_angles(A, A @ rng.normal(size=(3, 3))), 0.0, atol=1e-6)


def test_bad_input():
    with pytest.raises(ValueError, match="X"):
        pca.fit_pca(np.array([[1.0, np.nan], [0.0, 1.0]]))
    with pytest.raises(TypeError, match="X"):
        pca.fit_pca(np.ones((3, 2)) * 1j)
    with pytest.raises(ValueError, match="n_components"):
        pca.fit_pca(_data(), 10)
    with pytest.raises(ValueError, match="A and B"):
        pca.principal_angles(np.ones((3, 1)), np.ones((4, 1)))
    with pytest.raises(TypeError, match="pca"):
        pca.project("no", _data())
