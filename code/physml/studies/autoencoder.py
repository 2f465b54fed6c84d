"""The runs of "Autoencoders and principal component analysis": what the page trains, with its
settings in view.

* :func:`linear_run`: a linear autoencoder trained full-batch on all 8x8 digits (pixels / 16),
  whose decoder columns should span PCA's subspace (principal angles);
* :func:`digit_run`: an MLP autoencoder with a two-dimensional code and a denoising one on the
  digits (training/held-out split of ``physml.metrics.digits_judge``);
* :func:`ising_run`: an MLP autoencoder with a one-dimensional code on Ising configurations
  sampled across T_c, whose code follows the magnetisation per spin.

PCA of the digits against scikit-learn is cheap and deterministic and stays in
``physml.checks.autoencoder``.
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from .. import autoencoder as ae
from .. import ising
from .. import pca as pcamod
from ..experiment import Settings, setting, study

PIXEL_MAX = 16.0


@functools.cache
def digits_split():
    """``(X_train, X_test, y_train, y_test)`` of ``load_digits`` scaled to [0, 1], the judge's split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X_tr, X_te, y_tr, y_te = train_test_split(
        digits.data, digits.target, test_size=0.3, random_state=0, stratify=digits.target
    )
    return X_tr / PIXEL_MAX, X_te / PIXEL_MAX, y_tr, y_te


@functools.cache
def all_digits():
    """All 1797 digits scaled to [0, 1] and their labels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    return digits.data / PIXEL_MAX, digits.target


# --------------------------------------------------------------------------- linear autoencoder


class LinearRun(Settings):
    """Settings of the linear autoencoder (the book's run; ``SHORT`` is what the unit tests train)."""

    latent: int = setting(4, low=1, high=64, doc="code dimension k")
    steps: int = setting(3000, low=1, doc="full-batch Adam steps (epochs of one batch)")
    lr: float = setting(1e-2, low=0, doc="Adam learning rate")
    seed: int = setting(2027, low=0, doc="seed of the initialisation")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"steps": 2000}


@study("autoencoder", LinearRun)
def linear_run(cfg: LinearRun) -> dict:
    """Train the linear autoencoder full-batch on all digits; principal angles to PCA's subspace."""
    X, _ = all_digits()
    torch.manual_seed(cfg.seed)
    model = ae.linear_autoencoder(X.shape[1], cfg.latent)
    history = ae.train_autoencoder(
        model, X, epochs=cfg.steps, batch_size=len(X), lr=cfg.lr, seed=cfg.seed, device=cfg.device
    )
    model.cpu()
    W = model.decoder.weight.detach().numpy().astype(float)
    pca = pcamod.fit_pca(X, cfg.latent)
    angles = np.degrees(pcamod.principal_angles(W, pca.components.T))
    pca_error = float(np.mean(np.sum((X - pcamod.reconstruct(pca, pcamod.project(pca, X))) ** 2, axis=1)))
    return {
        "model": model,
        "history": history,
        "angles_deg": angles,
        "W": W,
        "pca_error": pca_error,
        "ae_error": ae.reconstruction_loss(model, X),
    }


# --------------------------------------------------------------------------- digits


class DigitRun(Settings):
    """Settings of the plain (2D code) and denoising MLP autoencoders on the digits."""

    hidden: tuple[int, ...] = setting((128,), low=1, doc="hidden widths of encoder (decoder mirrored)")
    latent: int = setting(2, low=1, doc="code dimension of the plain autoencoder (2: drawn as a map)")
    denoise_latent: int = setting(16, low=1, doc="code dimension of the denoising autoencoder")
    noise_std: float = setting(0.3, low=0, doc="standard deviation of the Gaussian noise on pixels in [0, 1]")
    epochs: int = setting(60, low=1, doc="passes over the training digits")
    batch_size: int = setting(64, low=1, doc="mini-batch size")
    lr: float = setting(2e-3, low=0, doc="Adam learning rate")
    seed: int = setting(2027, low=0, doc="seed of the plain model (denoising: seed + 1) and the test noise")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"epochs": 6}


@study("autoencoder", DigitRun)
def digit_run(cfg: DigitRun) -> dict:
    """A plain MLP autoencoder and a denoising one on the digits, against PCA with as many components."""
    X_tr, X_te, _, _ = digits_split()
    torch.manual_seed(cfg.seed)
    plain = ae.mlp_autoencoder(64, cfg.hidden, cfg.latent, output="sigmoid")
    plain_hist = ae.train_autoencoder(
        plain, X_tr, cfg.epochs, cfg.batch_size, cfg.lr, X_val=X_te, seed=cfg.seed, device=cfg.device
    )
    torch.manual_seed(cfg.seed + 1)
    den = ae.mlp_autoencoder(64, cfg.hidden, cfg.denoise_latent, output="sigmoid")
    den_hist = ae.train_autoencoder(
        den,
        X_tr,
        cfg.epochs,
        cfg.batch_size,
        cfg.lr,
        noise_std=cfg.noise_std,
        X_val=X_te,
        seed=cfg.seed + 1,
        device=cfg.device,
    )
    plain.cpu()
    den.cpu()
    rng = np.random.default_rng(cfg.seed)
    noisy = X_te + cfg.noise_std * rng.standard_normal(X_te.shape)
    pca = pcamod.fit_pca(X_tr, cfg.latent)
    pca_error = float(
        np.mean(np.sum((X_te - pcamod.reconstruct(pca, pcamod.project(pca, X_te))) ** 2, axis=1))
    )
    return {
        "plain": plain,
        "plain_history": plain_hist,
        "denoise": den,
        "denoise_history": den_hist,
        "noisy": noisy,
        "denoised": ae.reconstruct(den, noisy),
        "denoised_error": ae.reconstruction_loss(den, noisy, X_te),
        "noisy_error": float(np.mean(np.sum((noisy - X_te) ** 2, axis=1))),
        "plain_error": ae.reconstruction_loss(plain, X_te),
        "pca2_error": pca_error,
        "latent_2d": ae.encode(plain, X_te),
        "pca_2d": pcamod.project(pca, X_te),
    }


# --------------------------------------------------------------------------- Ising


class IsingRun(Settings):
    """Settings of the Ising autoencoder with a one-dimensional code."""

    L: int = setting(10, low=2, doc="linear size of the periodic lattice")
    temperatures: tuple[float, ...] = setting(
        (1.6, 3.2), low=0.01, doc="range of temperatures (T_min, T_max)"
    )
    n_temperatures: int = setting(9, low=2, doc="temperatures in that range")
    n_per_temperature: int = setting(100, low=1, doc="configurations per temperature")
    hidden: tuple[int, ...] = setting((64,), low=1, doc="hidden widths of encoder (decoder mirrored)")
    epochs: int = setting(60, low=1, doc="passes over the configurations")
    batch_size: int = setting(64, low=1, doc="mini-batch size")
    lr: float = setting(2e-3, low=0, doc="Adam learning rate")
    seed: int = setting(2027, low=0, doc="seed of the Monte Carlo samples, initialisation and batches")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"L": 8, "n_temperatures": 5, "n_per_temperature": 40, "epochs": 20}

    def validate(self):
        if len(self.temperatures) != 2:
            raise ValueError("IsingRun.temperatures must be a range (T_min, T_max)")


@study("autoencoder", IsingRun)
def ising_run(cfg: IsingRun) -> dict:
    """A 1D-code MLP autoencoder on Ising configurations across T_c; its code against M per spin."""
    temperatures = np.linspace(*cfg.temperatures, cfg.n_temperatures)
    samples = ising.sample(cfg.L, temperatures, cfg.n_per_temperature, seed=cfg.seed)
    X = samples.spins.reshape(len(samples.spins), -1).astype(float)
    M = X.mean(axis=1)
    torch.manual_seed(cfg.seed)
    model = ae.mlp_autoencoder(cfg.L * cfg.L, cfg.hidden, 1, output="tanh")
    history = ae.train_autoencoder(
        model, X, cfg.epochs, cfg.batch_size, cfg.lr, seed=cfg.seed, device=cfg.device
    )
    code = ae.encode(model.cpu(), X)[:, 0]
    pca = pcamod.fit_pca(X, 2)
    return {
        "L": cfg.L,
        "temperatures": samples.temperatures,
        "M": M,
        "code": code,
        "history": history,
        "corr_M": float(np.corrcoef(code, M)[0, 1]),
        "corr_absM": float(np.corrcoef(code, np.abs(M))[0, 1]),
        "pca": pca,
        "pc1": pcamod.project(pca, X)[:, 0],
    }
