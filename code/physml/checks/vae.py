"""Reference checks of "Variational autoencoders", and the trained models the chapter shows.

* a *linear-Gaussian VAE* on the 8x8 digits (pixels / 16), whose ELBO and exact marginal
  log-likelihood are known in closed form, compared with maximum-likelihood probabilistic
  PCA and scikit-learn's ``PCA.score``;
* an *MLP VAE* with a Bernoulli decoder on the digits, with a 2D latent space (for the
  latent map) and an 8D one (for samples), judged by the digit classifier of
  ``physml.metrics`` and by MMD² against held-out digits.

The digits are split as ``metrics.digits_judge`` splits them (70 % training, stratified,
``random_state=0``), so the held-out digits are unseen by the VAE and by the judge.
``short=True`` trains for fewer epochs (unit tests).
"""

from __future__ import annotations

import functools

import numpy as np
import torch
from sklearn.decomposition import PCA
from threadpoolctl import threadpool_limits

from .. import metrics, vae
from ..torchtools import seed_everything
from ..validation import reference_check
from ._cache import per_configuration as _cached

SEED = 2026

# --- linear-Gaussian VAE
LINEAR_LATENT = 5
LINEAR_EPOCHS = {False: 150, True: 60}
LINEAR_BATCH = 128
LINEAR_LR = 1e-2
LINEAR_GAP = {
    False: 0.5,
    True: 1.0,
}  # nats per image: how close the trained ELBO must come to the PPCA optimum

# --- MLP VAE on the digits
HIDDEN = (128,)
LATENTS = (2, 8)
EPOCHS = {False: 150, True: 8}
BATCH = 64
LR = 2e-3
N_SAMPLES = {False: 540, True: 200}  # generated digits (540 = half of the held-out digits)

# --- Monte Carlo KL
N_KL = {False: 20_000, True: 2_000}
KL_MU = (0.8, -0.3, 1.5)
KL_LOGVAR = (-1.0, 0.4, -2.0)


@functools.cache
def digits_split():
    """``(X_train, X_test, y_train, y_test)`` of ``load_digits``, pixels 0 to 16, the judge's split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    return train_test_split(digits.data, digits.target, test_size=0.3, random_state=0, stratify=digits.target)


# --------------------------------------------------------------------------- linear-Gaussian VAE


@_cached
def linear_study(short: bool = False) -> dict:
    """Train the linear-Gaussian VAE on the training digits and compare it with PPCA.

    Returns per-image values (nats): the trained model's closed-form ELBO, the exact
    log-likelihood of its decoder, the maximum-likelihood PPCA optimum, scikit-learn's
    ``PCA.score`` and the training history.
    """
    X = digits_split()[0] / metrics.DIGIT_PIXEL_MAX
    n = len(X)
    seed_everything(SEED)
    model = vae.LinearVAE(X.shape[1], LINEAR_LATENT)
    with torch.no_grad():
        model.mu.copy_(torch.as_tensor(X.mean(axis=0)))  # start the decoder's offset at the data mean
    history = vae.train_vae(
        model, X, epochs=LINEAR_EPOCHS[short], batch_size=LINEAR_BATCH, lr=LINEAR_LR, seed=SEED
    )
    with threadpool_limits(limits=1):
        sklearn_score = float(PCA(n_components=LINEAR_LATENT).fit(X).score(X))
        return {
            "model": model,
            "history": history,
            "elbo": model.total_exact_elbo(X) / n,
            "exact": model.exact_log_likelihood(X) / n,
            "ppca": vae.ppca_log_likelihood(X, LINEAR_LATENT) / n,
            "sklearn": sklearn_score,
            "n": n,
        }


# --------------------------------------------------------------------------- the digit VAE


@functools.cache
def digit_vae(n_latent: int, short: bool = False) -> tuple[vae.VAE, dict]:
    """A Bernoulli VAE with ``n_latent`` latent variables trained on the training digits / 16."""
    X_tr, X_te, _, _ = digits_split()
    seed_everything(SEED)
    model = vae.VAE(64, n_latent=n_latent, hidden=HIDDEN, likelihood="bernoulli")
    history = vae.train_vae(
        model,
        X_tr / metrics.DIGIT_PIXEL_MAX,
        epochs=EPOCHS[short],
        batch_size=BATCH,
        lr=LR,
        X_val=X_te / metrics.DIGIT_PIXEL_MAX,
        seed=SEED,
    )
    return model, history


@_cached
def digit_study(short: bool = False) -> dict:
    """Reconstructions, samples and judges of the 8D digit VAE; the latent map of the 2D one.

    Images are decoder means (pixel probabilities) times 16. The judge classifies the
    reconstructions of the held-out digits (accuracy against their true labels, binomial
    error) and the samples (class coverage). MMD² of the samples against the held-out
    digits uses the median bandwidth of the held-out digits, as the baseline does.
    """
    X_tr, X_te, y_tr, y_te = digits_split()
    scale = metrics.DIGIT_PIXEL_MAX
    big, big_history = digit_vae(LATENTS[1], short)
    small, small_history = digit_vae(LATENTS[0], short)
    recon = vae.reconstruct(big, X_te / scale) * scale
    samples = vae.sample(big, N_SAMPLES[short], seed=SEED) * scale
    samples_2d = vae.sample(small, N_SAMPLES[short], seed=SEED) * scale
    with threadpool_limits(limits=1):
        bandwidth = metrics.median_bandwidth(X_te)
        # a reference model: one Gaussian with the training digits' mean and covariance
        gauss = np.random.default_rng(SEED).multivariate_normal(
            X_tr.mean(axis=0), np.cov(X_tr.T), size=N_SAMPLES[short]
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
            "baseline": metrics.mmd2_baseline(X_te, seed=SEED, bandwidth=bandwidth),
            "latent_2d": vae.encode_mean(small, X_te / scale),
            "held_out": X_te,
            "held_out_labels": y_te,
        }


# --------------------------------------------------------------------------- Monte Carlo KL


@_cached
def kl_check(short: bool = False) -> tuple[metrics.Estimate, float]:
    r"""Monte Carlo :math:`\mathbb E_q[\ln q(z) - \ln p(z)]` (reparametrised samples) and the closed form."""
    mu = torch.tensor(KL_MU, dtype=torch.float64)
    logvar = torch.tensor(KL_LOGVAR, dtype=torch.float64)
    gen = torch.Generator().manual_seed(SEED)
    z = vae.reparametrise(mu.expand(N_KL[short], -1), logvar.expand(N_KL[short], -1), gen)
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64))
    est = metrics.kl_monte_carlo(q.log_prob(z).sum(-1).numpy(), p.log_prob(z).sum(-1).numpy())
    return est, float(vae.gaussian_kl(mu, logvar))


# --------------------------------------------------------------------------- reference checks


@reference_check(
    "vae.kl-monte-carlo",
    chapter="vae",
    description="Closed-form KL term of a diagonal Gaussian equals its Monte Carlo estimate",
    reference_source="vae.gaussian_kl (closed form); value: mean of ln q - ln p over reparametrised samples",
    kind="stat",
    glued=("vae-kl-mc",),
)
def _kl(short: bool):
    est, exact = kl_check(short)
    return est.value, est.error, exact


@reference_check(
    "vae.ppca-sklearn",
    chapter="vae",
    description="Maximum-likelihood PPCA log-likelihood per image equals scikit-learn's PCA.score",
    reference_source="sklearn.decomposition.PCA.score (its variances divide by n - 1, ours by n: 1e-4 nats)",
    kind="abs",
    tolerance=1e-4,
    glued=("vae-ppca",),
)
def _ppca_sklearn(short: bool):
    s = linear_study(short)
    return s["ppca"], s["sklearn"]


@reference_check(
    "vae.linear-elbo-bound",
    chapter="vae",
    description="ELBO of the trained linear VAE <= exact log-likelihood of its own decoder",
    reference_source="closed-form marginal N(mu, W W^T + sigma^2 I) of the decoder "
    "(vae.gaussian_log_likelihood)",
    kind="at_most",
    glued=("vae-linear-elbo",),
)
def _linear_bound(short: bool):
    s = linear_study(short)
    return s["elbo"], s["exact"]


@reference_check(
    "vae.linear-exact-below-ppca",
    chapter="vae",
    description="Exact log-likelihood of the linear VAE's decoder <= the PPCA maximum",
    reference_source="Tipping & Bishop (1999) closed-form maximum (vae.ppca_log_likelihood)",
    kind="at_most",
    glued=("vae-linear-exact",),
)
def _linear_exact(short: bool):
    s = linear_study(short)
    return s["exact"], s["ppca"]


@reference_check(
    "vae.linear-elbo-near-ppca",
    chapter="vae",
    description="ELBO of the trained linear VAE comes within 0.5 nats per image of the PPCA maximum",
    reference_source="PPCA maximum minus 0.5 nats (short configuration, 60 epochs: minus LINEAR_GAP[True])",
    kind="at_least",
    glued=("vae-linear-elbo",),
)
def _linear_near(short: bool):
    s = linear_study(short)
    return s["elbo"], s["ppca"] - LINEAR_GAP[short]


@reference_check(
    "vae.digits-reconstruction-judge",
    chapter="vae",
    description="Judge accuracy on the 8D VAE's reconstructions of held-out digits: not 3 sigma below 0.9",
    reference_source="target 0.9 minus three binomial errors (the judge's accuracy on real digits: 0.99); "
    "short (8 epochs): target 0.5",
    kind="at_least",
    glued=("vae-judge-recon",),
)
def _recon_judge(short: bool):
    judge = digit_study(short)["judge_recon"]
    return judge.accuracy, (0.5 if short else 0.9) - 3 * judge.accuracy_error


@reference_check(
    "vae.digits-coverage",
    chapter="vae",
    description="Samples of the 8D digit VAE cover all ten classes (each >= 10 % of a uniform share)",
    reference_source="metrics.judge_classifier coverage, target 1.0 (short: 0.5)",
    kind="at_least",
    glued=("vae-coverage",),
)
def _coverage(short: bool):
    return digit_study(short)["judge_samples"].coverage, 0.5 if short else 1.0
