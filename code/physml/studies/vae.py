"""The runs of "Variational autoencoders": what the page trains, with its settings in view.

* :func:`digit_run`: two Bernoulli VAEs on the 8x8 digits (a 2D latent space for the map,
  an 8D one for samples), judged by the digit classifier of ``physml.metrics`` and by MMD²
  against held-out digits, beside one Gaussian fitted to the training digits;
* :func:`linear_run`: the linear-Gaussian VAE, whose ELBO and exact log-likelihood are
  known in closed form, against maximum-likelihood probabilistic PCA and scikit-learn;
* :func:`kl_run`: the Monte Carlo estimate of the Gaussian KL term.

The digits are split as ``metrics.digits_judge`` splits them (70 % training, stratified,
``random_state=0``), so the held-out digits are unseen by the VAE and by the judge.
"""

from __future__ import annotations

import functools

import numpy as np
import torch
from sklearn.decomposition import PCA
from threadpoolctl import threadpool_limits

from .. import metrics, vae
from ..experiment import Settings, setting, study


@functools.cache
def digits_split():
    """``(X_train, X_test, y_train, y_test)`` of ``load_digits``, pixels 0 to 16, the judge's split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    return train_test_split(digits.data, digits.target, test_size=0.3, random_state=0, stratify=digits.target)


# --------------------------------------------------------------------------- the digit VAE


class DigitRun(Settings):
    """Settings of the digit VAEs (the book's run; ``SHORT`` is what the unit tests train)."""

    epochs: int = setting(150, low=1, doc="passes over the training digits")
    latents: tuple[int, ...] = setting(
        (2, 8), low=1, doc="latent dimensions of the two models (map, samples)"
    )
    hidden: tuple[int, ...] = setting((128,), low=1, doc="hidden widths of encoder and decoder")
    batch_size: int = setting(64, low=1, doc="mini-batch size")
    lr: float = setting(2e-3, low=0, doc="Adam learning rate")
    n_samples: int = setting(540, low=10, doc="generated digits (540 = half the held-out digits)")
    seed: int = setting(2026, low=0, doc="seed of initialisation, batches, noise and samples")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"epochs": 8, "n_samples": 200}

    def validate(self):
        if len(self.latents) != 2:
            raise ValueError("DigitRun.latents must hold two latent dimensions (map, samples)")


def train_digit_vae(cfg: DigitRun, n_latent: int) -> tuple[vae.VAE, dict]:
    """A Bernoulli VAE with ``n_latent`` latent variables trained on the training digits / 16."""
    X_tr, X_te, _, _ = digits_split()
    torch.manual_seed(cfg.seed)
    model = vae.VAE(64, n_latent=n_latent, hidden=cfg.hidden, likelihood="bernoulli")
    history = vae.train_vae(
        model,
        X_tr / metrics.DIGIT_PIXEL_MAX,
        epochs=cfg.epochs,
        batch_size=cfg.batch_size,
        lr=cfg.lr,
        X_val=X_te / metrics.DIGIT_PIXEL_MAX,
        seed=cfg.seed,
        device=cfg.device,
    )
    return model.cpu(), history


@study("vae", DigitRun)
def digit_run(cfg: DigitRun) -> dict:
    """Train the two digit VAEs; reconstructions, samples and their judges.

    Images are decoder means (pixel probabilities) times 16. The judge classifies the
    reconstructions of the held-out digits (accuracy against their true labels, binomial
    error) and the samples (class coverage). MMD² of the samples against the held-out
    digits uses the median bandwidth of the held-out digits; one Gaussian with the
    training digits' mean and covariance is the baseline a generative model must beat.
    """
    X_tr, X_te, y_tr, y_te = digits_split()
    scale = metrics.DIGIT_PIXEL_MAX
    small, small_history = train_digit_vae(cfg, cfg.latents[0])
    big, big_history = train_digit_vae(cfg, cfg.latents[1])
    recon = vae.reconstruct(big, X_te / scale) * scale
    samples = vae.sample(big, cfg.n_samples, seed=cfg.seed) * scale
    samples_2d = vae.sample(small, cfg.n_samples, seed=cfg.seed) * scale
    with threadpool_limits(limits=1):
        bandwidth = metrics.median_bandwidth(X_te)
        gauss = np.random.default_rng(cfg.seed).multivariate_normal(
            X_tr.mean(axis=0), np.cov(X_tr.T), size=cfg.n_samples
        )
        gauss = np.clip(gauss, 0, scale)
        return {
            "big": big,
            "small": small,
            "big_history": big_history,
            "small_history": small_history,
            "reconstructions": recon,
            "samples": samples,
            "samples_2d": samples_2d,
            "gaussian_samples": gauss,
            "judge_recon": metrics.judge_classifier(recon, y_te),
            "judge_samples": metrics.judge_classifier(samples),
            "judge_samples_2d": metrics.judge_classifier(samples_2d),
            "judge_gaussian": metrics.judge_classifier(gauss),
            "mmd2": metrics.mmd2(samples, X_te, bandwidth=bandwidth),
            "mmd2_2d": metrics.mmd2(samples_2d, X_te, bandwidth=bandwidth),
            "mmd2_gaussian": metrics.mmd2(gauss, X_te, bandwidth=bandwidth),
            "baseline": metrics.mmd2_baseline(X_te, seed=cfg.seed, bandwidth=bandwidth),
            "latent_2d": vae.encode_mean(small, X_te / scale),
            "held_out": X_te,
            "held_out_labels": y_te,
        }


# --------------------------------------------------------------------------- linear-Gaussian VAE


class LinearRun(Settings):
    """Settings of the linear-Gaussian VAE."""

    latent: int = setting(5, low=1, doc="latent dimension k")
    epochs: int = setting(150, low=1, doc="passes over the training digits")
    batch_size: int = setting(128, low=1, doc="mini-batch size")
    lr: float = setting(1e-2, low=0, doc="Adam learning rate")
    seed: int = setting(2026, low=0, doc="seed of initialisation, batches and noise")

    SHORT = {"epochs": 60}


@study("vae", LinearRun)
def linear_run(cfg: LinearRun) -> dict:
    """Train the linear-Gaussian VAE on the training digits and compare it with PPCA.

    Returns per-image values (nats): the trained model's closed-form ELBO, the exact
    log-likelihood of its decoder, the maximum-likelihood PPCA optimum, scikit-learn's
    ``PCA.score`` and the training history.
    """
    X = digits_split()[0] / metrics.DIGIT_PIXEL_MAX
    n = len(X)
    torch.manual_seed(cfg.seed)
    model = vae.LinearVAE(X.shape[1], cfg.latent)
    with torch.no_grad():
        model.mu.copy_(torch.as_tensor(X.mean(axis=0)))  # start the decoder's offset at the data mean
    history = vae.train_vae(model, X, epochs=cfg.epochs, batch_size=cfg.batch_size, lr=cfg.lr, seed=cfg.seed)
    with threadpool_limits(limits=1):
        sklearn_score = float(PCA(n_components=cfg.latent).fit(X).score(X))
        return {
            "model": model,
            "history": history,
            "elbo": model.total_exact_elbo(X) / n,
            "exact": model.exact_log_likelihood(X) / n,
            "ppca": vae.ppca_log_likelihood(X, cfg.latent) / n,
            "sklearn": sklearn_score,
            "n": n,
        }


# --------------------------------------------------------------------------- Monte Carlo KL


class KLRun(Settings):
    """Settings of the Monte Carlo estimate of the KL term."""

    n: int = setting(20_000, low=2, doc="reparametrised samples")
    mu: tuple[float, ...] = setting((0.8, -0.3, 1.5), doc="encoder mean")
    logvar: tuple[float, ...] = setting((-1.0, 0.4, -2.0), doc="encoder log-variance")
    seed: int = setting(2026, low=0, doc="seed of the noise")

    SHORT = {"n": 2_000}

    def validate(self):
        if len(self.mu) != len(self.logvar) or not self.mu:
            raise ValueError("KLRun.mu and KLRun.logvar must have the same, non-zero length")


@study("vae", KLRun)
def kl_run(cfg: KLRun) -> tuple[metrics.Estimate, float]:
    r"""Monte Carlo :math:`\mathbb E_q[\ln q(z) - \ln p(z)]` (reparametrised samples) and the closed form."""
    mu = torch.tensor(cfg.mu, dtype=torch.float64)
    logvar = torch.tensor(cfg.logvar, dtype=torch.float64)
    d = len(cfg.mu)
    gen = torch.Generator().manual_seed(cfg.seed)
    z = vae.reparametrise(mu.expand(cfg.n, -1), logvar.expand(cfg.n, -1), gen)
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros(d, dtype=torch.float64), torch.ones(d, dtype=torch.float64))
    est = metrics.kl_monte_carlo(q.log_prob(z).sum(-1).numpy(), p.log_prob(z).sum(-1).numpy())
    return est, float(vae.gaussian_kl(mu, logvar))
