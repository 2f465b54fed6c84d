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
