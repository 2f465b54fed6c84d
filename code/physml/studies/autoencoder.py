"""The runs of "Autoencoders and principal component analysis": what the page trains, with its
settings in view.

* :func:`linear_run`: a linear autoencoder trained full-batch on all 8x8 digits (pixels / 16),
  whose decoder columns should span PCA's subspace (principal angles);
* :func:`digit_run`: an MLP autoencoder with a two-dimensional code and a denoising one on the
  digits (training/held-out split of ``physml.metrics.digits_judge``), over three seeds, with
  the linear denoisers (Wiener filter, PCA projection) and kNN on PCA scores as baselines;
* :func:`latent_run`: plain MLP autoencoders with codes of several sizes k, against PCA-k;
* :func:`anomaly_run`: anomaly detection by reconstruction error, each digit class left out
  of training in turn, against PCA's reconstruction error;
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
    n_seeds: int = setting(3, low=1, doc="training seeds of each model (the comparisons need >= 3)")
    knn_k: int = setting(5, low=1, doc="neighbours of the kNN classifier on the codes")
    seed: int = setting(
        2027,
        low=0,
        doc="seed of the test noise; run i trains the plain model with seed + 2i, "
        "the denoising one with seed + 2i + 1",
    )
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"epochs": 6}


@study("autoencoder", DigitRun)
def digit_run(cfg: DigitRun) -> dict:
    """Plain (2D code) and denoising MLP autoencoders on the digits over ``n_seeds`` seeds,
    against PCA with as many components, the Wiener filter, and kNN on PCA scores."""
    from sklearn.neighbors import KNeighborsClassifier

    X_tr, X_te, y_tr, y_te = digits_split()
    rng = np.random.default_rng(cfg.seed)
    noisy = X_te + cfg.noise_std * rng.standard_normal(X_te.shape)
    runs = []
    for i in range(cfg.n_seeds):
        s_plain, s_den = cfg.seed + 2 * i, cfg.seed + 2 * i + 1
        torch.manual_seed(s_plain)
        plain = ae.mlp_autoencoder(64, cfg.hidden, cfg.latent, output="sigmoid")
        plain_hist = ae.train_autoencoder(
            plain, X_tr, cfg.epochs, cfg.batch_size, cfg.lr, X_val=X_te, seed=s_plain, device=cfg.device
        )
        torch.manual_seed(s_den)
        den = ae.mlp_autoencoder(64, cfg.hidden, cfg.denoise_latent, output="sigmoid")
        den_hist = ae.train_autoencoder(
            den,
            X_tr,
            cfg.epochs,
            cfg.batch_size,
            cfg.lr,
            noise_std=cfg.noise_std,
            X_val=X_te,
            seed=s_den,
            device=cfg.device,
        )
        plain.cpu()
        den.cpu()
        knn = KNeighborsClassifier(n_neighbors=cfg.knn_k).fit(ae.encode(plain, X_tr), y_tr)
        runs.append(
            {
                "plain": plain,
                "plain_history": plain_hist,
                "denoise": den,
                "denoise_history": den_hist,
                "plain_error": ae.reconstruction_loss(plain, X_te),
                "denoised_error": ae.reconstruction_loss(den, noisy, X_te),
                "knn": float(knn.score(ae.encode(plain, X_te), y_te)),
            }
        )
    # linear baselines on the same noisy test digits
    pca = pcamod.fit_pca(X_tr, cfg.latent)
    pca_all = pcamod.fit_pca(X_tr)
    scores = pcamod.project(pca_all, noisy)
    pca_denoise = np.array(
        [
            np.mean(np.sum((X_te - pca_all.mean - scores[:, :k] @ pca_all.components[:k]) ** 2, axis=1))
            for k in range(1, pca_all.components.shape[0] + 1)
        ]
    )
    wiener = pcamod.wiener_denoise(noisy, X_tr, cfg.noise_std)
    knn_pca = KNeighborsClassifier(n_neighbors=cfg.knn_k).fit(pcamod.project(pca, X_tr), y_tr)
    knn_pixels = KNeighborsClassifier(n_neighbors=cfg.knn_k).fit(X_tr, y_tr).score(X_te, y_te)
    first = runs[0]
    return {
        "runs": runs,
        "plain": first["plain"],
        "plain_history": first["plain_history"],
        "denoise": first["denoise"],
        "denoise_history": first["denoise_history"],
        "noisy": noisy,
        "denoised": ae.reconstruct(first["denoise"], noisy),
        "wiener": wiener,
        "pca_denoised": pca_all.mean
        + scores[:, : cfg.denoise_latent] @ pca_all.components[: cfg.denoise_latent],
        "denoised_error": first["denoised_error"],
        "plain_error": first["plain_error"],
        "denoised_errors": np.array([r["denoised_error"] for r in runs]),
        "plain_errors": np.array([r["plain_error"] for r in runs]),
        "knn_ae": np.array([r["knn"] for r in runs]),
        "knn_pca": float(knn_pca.score(pcamod.project(pca, X_te), y_te)),
        "knn_pixels": float(knn_pixels),
        "mean_digit_error": float(np.mean(np.sum((X_te - X_tr.mean(axis=0)) ** 2, axis=1))),
        "noisy_error": float(np.mean(np.sum((noisy - X_te) ** 2, axis=1))),
        "wiener_error": float(np.mean(np.sum((wiener - X_te) ** 2, axis=1))),
        "pca_denoise_errors": pca_denoise,  # k = 1, 2, ..., 64
        "pca2_error": float(
            np.mean(np.sum((X_te - pcamod.reconstruct(pca, pcamod.project(pca, X_te))) ** 2, axis=1))
        ),
        "latent_2d": ae.encode(first["plain"], X_te),
        "pca_2d": pcamod.project(pca, X_te),
    }


# --------------------------------------------------------------------------- code size


class LatentRun(Settings):
    """Settings of the sweep over the code dimension k (plain MLP autoencoders on the digits)."""

    latents: tuple[int, ...] = setting((2, 4, 8, 16, 32), low=1, high=64, doc="code dimensions k")
    hidden: tuple[int, ...] = setting((128,), low=1, doc="hidden widths of encoder (decoder mirrored)")
    epochs: int = setting(30, low=1, doc="passes over the training digits")
    batch_size: int = setting(64, low=1, doc="mini-batch size")
    lr: float = setting(2e-3, low=0, doc="Adam learning rate")
    seed: int = setting(3031, low=0, doc="seed of each model (the same for every k) and of the random codes")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"latents": (2, 8), "epochs": 5}


@study("autoencoder", LatentRun)
def latent_run(cfg: LatentRun) -> dict:
    """Held-out reconstruction error against code size k, for the autoencoder and PCA."""
    X_tr, X_te, _, _ = digits_split()
    models, val, train = {}, [], []
    for k in cfg.latents:
        torch.manual_seed(cfg.seed)
        model = ae.mlp_autoencoder(64, cfg.hidden, k, output="sigmoid")
        hist = ae.train_autoencoder(
            model, X_tr, cfg.epochs, cfg.batch_size, cfg.lr, X_val=X_te, seed=cfg.seed, device=cfg.device
        )
        models[k] = model.cpu()
        val.append(hist["val_loss"][-1])
        train.append(ae.reconstruction_loss(model, X_tr))
    pca_all = pcamod.fit_pca(X_tr)
    scores = pcamod.project(pca_all, X_te)
    pca_err = [
        float(np.mean(np.sum((X_te - pca_all.mean - scores[:, :k] @ pca_all.components[:k]) ** 2, axis=1)))
        for k in cfg.latents
    ]
    return {
        "latents": np.array(cfg.latents),
        "models": models,
        "val_error": np.array(val),
        "train_error": np.array(train),
        "pca_error": np.array(pca_err),
    }


def sample_codes(model, X, n: int, seed: int) -> dict:
    """Codes to decode: those of the first ``n`` rows of ``X``, ``n`` drawn from N(0, I), and
    ``n`` from a Gaussian with the mean and covariance of the codes of ``X``."""
    Z = ae.encode(model, X)
    rng = np.random.default_rng(seed)
    gauss = rng.multivariate_normal(Z.mean(axis=0), np.cov(Z, rowvar=False).reshape(Z.shape[1], -1), size=n)
    return {"real": Z[:n], "standard": rng.standard_normal((n, Z.shape[1])), "fitted": gauss}


# --------------------------------------------------------------------------- anomaly detection


class AnomalyRun(Settings):
    """Settings of anomaly detection by reconstruction error: one digit class left out of training."""

    latent: int = setting(8, low=1, high=64, doc="code dimension k of the autoencoder and of PCA")
    hidden: tuple[int, ...] = setting((128,), low=1, doc="hidden widths of encoder (decoder mirrored)")
    epochs: int = setting(20, low=1, doc="passes over the training digits of the nine normal classes")
    batch_size: int = setting(128, low=1, doc="mini-batch size")
    lr: float = setting(2e-3, low=0, doc="Adam learning rate")
    seed: int = setting(4041, low=0, doc="the run that leaves out class c trains with seed + c")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"epochs": 5}


@study("autoencoder", AnomalyRun)
def anomaly_run(cfg: AnomalyRun) -> dict:
    """For each class c: train on the other nine, score all held-out digits by reconstruction
    error, and compute the ROC AUC of 'class c' against the rest, for the autoencoder and PCA."""
    from sklearn.metrics import roc_auc_score

    X_tr, X_te, y_tr, y_te = digits_split()
    auc_ae, auc_pca, scores = [], [], {}
    for c in range(10):
        normal = X_tr[y_tr != c]
        torch.manual_seed(cfg.seed + c)
        model = ae.mlp_autoencoder(64, cfg.hidden, cfg.latent, output="sigmoid")
        ae.train_autoencoder(
            model, normal, cfg.epochs, cfg.batch_size, cfg.lr, seed=cfg.seed + c, device=cfg.device
        )
        s_ae = ae.reconstruction_errors(model.cpu(), X_te)
        pca = pcamod.fit_pca(normal, cfg.latent)
        s_pca = np.sum((X_te - pcamod.reconstruct(pca, pcamod.project(pca, X_te))) ** 2, axis=1)
        auc_ae.append(roc_auc_score(y_te == c, s_ae))
        auc_pca.append(roc_auc_score(y_te == c, s_pca))
        scores[c] = {"ae": s_ae, "pca": s_pca}
    return {"auc_ae": np.array(auc_ae), "auc_pca": np.array(auc_pca), "scores": scores, "y_test": y_te}


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
