"""Reference checks of "Autoencoders and principal component analysis", and its trained models.

* PCA of the 8x8 digits (pixels / 16) from the SVD, against ``sklearn.decomposition.PCA``;
* a linear autoencoder trained full-batch on the same digits, whose decoder columns must
  span PCA's subspace (largest principal angle below a stated bound);
* an MLP autoencoder with a two-dimensional code and a denoising one on the digits
  (training/held-out split of ``physml.metrics.digits_judge``);
* an MLP autoencoder with a one-dimensional code on Ising configurations sampled across
  T_c: the code follows the magnetisation per spin.

``short=True`` runs the same code on less training (and, for Ising, fewer and smaller
samples) with its own stated bounds.
"""

from __future__ import annotations

import functools

import numpy as np
from sklearn.decomposition import PCA
from threadpoolctl import threadpool_limits

from .. import autoencoder as ae
from .. import ising
from .. import pca as pcamod
from ..torchtools import seed_everything
from ..validation import reference_check
from ._cache import per_configuration as _cached

SEED = 2027
PIXEL_MAX = 16.0

# --- linear autoencoder vs PCA
LINEAR_LATENT = 4
LINEAR_STEPS = {False: 3000, True: 2000}  # full-batch Adam steps (epochs of one batch)
LINEAR_LR = 1e-2
ANGLE_BOUND_DEG = {False: 0.5, True: 10.0}  # largest principal angle allowed

# --- MLP autoencoders on the digits
HIDDEN = (128,)
EPOCHS = {False: 60, True: 6}
BATCH = 64
LR = 2e-3
DENOISE_LATENT = 16
NOISE_STD = 0.3  # Gaussian noise on pixels in [0, 1]

# --- Ising
ISING_L = {False: 10, True: 8}
ISING_TEMPS = {False: np.linspace(1.6, 3.2, 9), True: np.linspace(1.6, 3.2, 5)}
ISING_PER_T = {False: 100, True: 40}
ISING_HIDDEN = (64,)
ISING_EPOCHS = {False: 60, True: 20}
ISING_LR = 2e-3
CORR_BOUND = {False: 0.95, True: 0.8}  # |corr(code, M)| at least this


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


# --------------------------------------------------------------------------- PCA


@functools.cache
def pca_study() -> dict:
    """PCA of all digits with ``physml.pca`` and with scikit-learn (signs aligned to ours)."""
    X, _ = all_digits()
    ours = pcamod.fit_pca(X)
    with threadpool_limits(limits=1):
        sk = PCA(svd_solver="full").fit(X)
    signs = np.sign(np.sum(ours.components * sk.components_, axis=1))
    return {
        "ours": ours,
        "sk_components": sk.components_ * signs[:, None],
        "sk_variance": sk.explained_variance_,
        "sk_ratio": sk.explained_variance_ratio_,
    }


# --------------------------------------------------------------------------- linear autoencoder


@_cached
def linear_study(short: bool = False) -> dict:
    """Train the linear autoencoder full-batch on all digits; principal angles to PCA's subspace."""
    X, _ = all_digits()
    seed_everything(SEED)
    model = ae.linear_autoencoder(X.shape[1], LINEAR_LATENT)
    history = ae.train_autoencoder(
        model, X, epochs=LINEAR_STEPS[short], batch_size=len(X), lr=LINEAR_LR, seed=SEED
    )
    W = model.decoder.weight.detach().cpu().numpy().astype(float)
    pca = pcamod.fit_pca(X, LINEAR_LATENT)
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


@_cached
def digit_study(short: bool = False) -> dict:
    """A plain MLP autoencoder with a 2D code, and a denoising one with a 16D code, on the digits."""
    X_tr, X_te, _, _ = digits_split()
    seed_everything(SEED)
    plain = ae.mlp_autoencoder(64, HIDDEN, 2, output="sigmoid")
    plain_hist = ae.train_autoencoder(
        plain, X_tr, epochs=EPOCHS[short], batch_size=BATCH, lr=LR, X_val=X_te, seed=SEED
    )
    seed_everything(SEED + 1)
    den = ae.mlp_autoencoder(64, HIDDEN, DENOISE_LATENT, output="sigmoid")
    den_hist = ae.train_autoencoder(
        den,
        X_tr,
        epochs=EPOCHS[short],
        batch_size=BATCH,
        lr=LR,
        noise_std=NOISE_STD,
        X_val=X_te,
        seed=SEED + 1,
    )
    rng = np.random.default_rng(SEED)
    noisy = X_te + NOISE_STD * rng.standard_normal(X_te.shape)
    pca2 = pcamod.fit_pca(X_tr, 2)
    pca2_error = float(
        np.mean(np.sum((X_te - pcamod.reconstruct(pca2, pcamod.project(pca2, X_te))) ** 2, axis=1))
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
        "pca2_error": pca2_error,
        "latent_2d": ae.encode(plain, X_te),
        "pca_2d": pcamod.project(pca2, X_te),
    }


# --------------------------------------------------------------------------- Ising


@_cached
def ising_study(short: bool = False) -> dict:
    """A 1D-code MLP autoencoder on Ising configurations across T_c; its code against M per spin."""
    L = ISING_L[short]
    samples = ising.sample(L, ISING_TEMPS[short], ISING_PER_T[short], seed=SEED)
    X = samples.spins.reshape(len(samples.spins), -1).astype(float)
    M = X.mean(axis=1)
    seed_everything(SEED)
    model = ae.mlp_autoencoder(L * L, ISING_HIDDEN, 1, output="tanh")
    history = ae.train_autoencoder(
        model, X, epochs=ISING_EPOCHS[short], batch_size=BATCH, lr=ISING_LR, seed=SEED
    )
    code = ae.encode(model, X)[:, 0]
    pca = pcamod.fit_pca(X, 2)
    return {
        "L": L,
        "temperatures": samples.temperatures,
        "M": M,
        "code": code,
        "history": history,
        "corr_M": float(np.corrcoef(code, M)[0, 1]),
        "corr_absM": float(np.corrcoef(code, np.abs(M))[0, 1]),
        "pca": pca,
        "pc1": pcamod.project(pca, X)[:, 0],
    }


# --------------------------------------------------------------------------- checks


@reference_check(
    "autoencoder.pca-sklearn",
    chapter="autoencoder",
    description="PCA from the SVD equals scikit-learn's PCA (components up to sign, explained variances)",
    reference_source="sklearn.decomposition.PCA(svd_solver='full') on the 8x8 digits / 16",
    kind="abs",
    tolerance=1e-10,
)
def _pca_sklearn():
    s = pca_study()
    ours = s["ours"]
    value = np.concatenate([ours.components.ravel(), ours.explained_variance, ours.explained_variance_ratio])
    ref = np.concatenate([s["sk_components"].ravel(), s["sk_variance"], s["sk_ratio"]])
    return value, ref


@reference_check(
    "autoencoder.linear-subspace",
    chapter="autoencoder",
    description="Largest principal angle (degrees) between a trained linear autoencoder's decoder "
    "and PCA's 4D subspace",
    reference_source="physml.pca.fit_pca; bound 0.5 degrees after 3000 full-batch Adam steps "
    "(short: 10 degrees after 2000 steps)",
    kind="at_most",
    glued=("ae-max-angle",),
)
def _linear_subspace(short: bool):
    return float(linear_study(short)["angles_deg"].max()), ANGLE_BOUND_DEG[bool(short)]


@reference_check(
    "autoencoder.ising-magnetisation",
    chapter="autoencoder",
    description="|correlation| between the 1D code of an Ising autoencoder and the magnetisation per spin",
    reference_source="magnetisation of each configuration (physml.ising.sample); bound 0.95 "
    "(short: 0.8, L = 8, fewer samples and epochs)",
    kind="at_least",
    glued=("ae-ising-corr",),
)
def _ising(short: bool):
    return abs(ising_study(short)["corr_M"]), CORR_BOUND[bool(short)]


@reference_check(
    "autoencoder.denoising",
    chapter="autoencoder",
    description="Denoising autoencoder: squared error of the denoised held-out digits "
    "<= that of the noisy input",
    reference_source="mean squared distance of the noisy held-out digits from the clean ones",
    kind="at_most",
    glued=("ae-denoised-error",),
)
def _denoising(short: bool):
    s = digit_study(short)
    return s["denoised_error"], s["noisy_error"]
