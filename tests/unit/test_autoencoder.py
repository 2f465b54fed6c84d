"""Tests of physml.autoencoder and the chapter's short checks."""

import numpy as np
import pytest
import torch

from physml import autoencoder as ae
from physml import pca


def test_parameter_count():
    assert ae.n_parameters(ae.linear_autoencoder(64, 4)) == 64 * 4 + 4 + 4 * 64 + 64
    m = ae.mlp_autoencoder(10, (5,), 2)
    assert ae.n_parameters(m) == (10 * 5 + 5) + (5 * 2 + 2) + (2 * 5 + 5) + (5 * 10 + 10)


def test_linear_autoencoder_finds_pca_subspace():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2)) @ np.array([[3.0, 0, 0, 0, 0], [0, 2.0, 0, 0, 0]]) + 0.1 * rng.normal(
        size=(200, 5)
    )
    model = ae.linear_autoencoder(5, 2)
    ae.train_autoencoder(model, X, epochs=600, batch_size=200, lr=2e-2, seed=0)
    W = model.decoder.weight.detach().numpy().astype(float)
    angles = pca.principal_angles(W, pca.fit_pca(X, 2).components.T)
    assert np.degrees(angles.max()) < 2.0


def test_reproducible_and_denoising_runs():
    X = np.random.default_rng(1).uniform(size=(40, 6))
    out = []
    for _ in range(2):
        torch.manual_seed(0)
        m = ae.mlp_autoencoder(6, (8,), 2, output="sigmoid")
        h = ae.train_autoencoder(m, X, epochs=3, batch_size=16, noise_std=0.1, X_val=X, seed=3)
        out.append((h["train_loss"], ae.encode(m, X)))
    assert out[0][0] == out[1][0]
    np.testing.assert_array_equal(out[0][1], out[1][1])
    assert len(out[0][0]) == 3


def test_nan_loss_stops_training():
    m = ae.linear_autoencoder(3, 1)
    with torch.no_grad():
        m.decoder.weight.fill_(float("nan"))
    with pytest.raises(FloatingPointError, match="loss"):
        ae.train_autoencoder(m, np.ones((4, 3)), epochs=1)


def test_bad_input():
    m = ae.linear_autoencoder(3, 1)
    with pytest.raises(ValueError, match="X"):
        ae.train_autoencoder(m, np.full((4, 3), np.nan), epochs=1)
    with pytest.raises(ValueError, match="epochs"):
        ae.train_autoencoder(m, np.ones((4, 3)), epochs=0)
    with pytest.raises(ValueError, match="noise_std"):
        ae.train_autoencoder(m, np.ones((4, 3)), epochs=1, noise_std=-1.0)
    with pytest.raises(TypeError, match="model"):
        ae.encode("no", np.ones((4, 3)))
    with pytest.raises(ValueError, match="n_latent"):
        ae.linear_autoencoder(3, 5)
    with pytest.raises(ValueError, match="output"):
        ae.mlp_autoencoder(3, (2,), 1, output="relu")


def test_forward_refuses_complex_bool_and_other_precision():
    torch.manual_seed(0)
    m = ae.linear_autoencoder(3, 2)
    x = torch.zeros(4, 3)
    with pytest.raises(TypeError, match="x must be real"):
        m(x + 1j)
    with pytest.raises(TypeError, match="x must be a floating-point"):
        m(x != 0)
    with pytest.raises(TypeError, match="x has dtype torch.float64"):
        m(x.double())
    m64 = ae.linear_autoencoder(3, 2).double()  # the NumPy helpers follow the model's dtype
    assert ae.reconstruct(m64, np.zeros((4, 3))).shape == (4, 3)


def test_wiener_denoise_shrinks_principal_scores():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(400, 3)) * np.array([3.0, 1.0, 0.2]) + np.array([1.0, -2.0, 0.5])
    sigma = 0.7
    fit = pca.fit_pca(X)
    lam = fit.explained_variance
    Y = rng.normal(size=(5, 3))
    out = pca.wiener_denoise(Y, X, sigma)
    # in the principal basis each score is multiplied by lambda_j / (lambda_j + sigma^2)
    expected = pca.reconstruct(fit, pca.project(fit, Y) * (lam / (lam + sigma**2)))
    np.testing.assert_allclose(out, expected, atol=1e-12)
    # no noise: the filter returns its input; huge noise: the training mean
    np.testing.assert_allclose(pca.wiener_denoise(Y, X, 0.0), Y, atol=1e-10)
    np.testing.assert_allclose(pca.wiener_denoise(Y, X, 1e6), np.tile(X.mean(axis=0), (5, 1)), atol=1e-9)


def test_wiener_denoise_beats_pca_projection_on_gaussian_data():
    rng = np.random.default_rng(3)
    scales = np.array([2.0, 1.0, 0.5, 0.25])
    X_train, X_test = (rng.normal(size=(n, 4)) * scales for n in (5000, 5000))
    sigma = 0.6
    noisy = X_test + sigma * rng.normal(size=X_test.shape)
    wiener = np.mean(np.sum((pca.wiener_denoise(noisy, X_train, sigma) - X_test) ** 2, axis=1))
    theory = np.sum(scales**2 * sigma**2 / (scales**2 + sigma**2))
    assert abs(wiener - theory) < 0.05 * theory  # 5000 samples: a few % sampling error
    fit = pca.fit_pca(X_train)
    for k in range(1, 5):
        Z = pca.project(fit, noisy)[:, :k]
        proj = fit.mean + Z @ fit.components[:k]
        assert wiener < np.mean(np.sum((proj - X_test) ** 2, axis=1))


def test_wiener_denoise_bad_input():
    X = np.ones((5, 3)) + np.arange(15).reshape(5, 3) ** 2
    with pytest.raises(ValueError, match="noise_std"):
        pca.wiener_denoise(X, X, -0.1)
    with pytest.raises(ValueError, match="X_noisy"):
        pca.wiener_denoise(X[:, :2], X, 0.1)
    with pytest.raises(ValueError, match="X_train"):
        pca.wiener_denoise(X, X[:1], 0.1)


def test_reconstruction_errors_are_per_sample_losses():
    torch.manual_seed(0)
    m = ae.mlp_autoencoder(4, (3,), 2)
    X = np.random.default_rng(4).normal(size=(7, 4))
    s = ae.reconstruction_errors(m, X)
    assert s.shape == (7,) and np.all(s >= 0)
    manual = np.sum((ae.reconstruct(m, X) - X) ** 2, axis=1)
    np.testing.assert_allclose(s, manual, rtol=1e-5)
    with pytest.raises(ValueError, match="X"):
        ae.reconstruction_errors(m, X[:, :3])


def test_sample_codes_shapes_and_seed():
    from physml.studies import autoencoder as study

    torch.manual_seed(0)
    m = ae.mlp_autoencoder(4, (3,), 2)
    X = np.random.default_rng(5).normal(size=(20, 4))
    a = study.sample_codes(m, X, 6, seed=1)
    b = study.sample_codes(m, X, 6, seed=1)
    assert set(a) == {"real", "standard", "fitted"}
    for key in a:
        assert a[key].shape == (6, 2)
        np.testing.assert_array_equal(a[key], b[key])
