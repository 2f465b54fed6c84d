"""The runs of "Variational autoencoders": what the page trains, with its settings in view.

* :func:`digit_run`: VAEs with a categorical (grey-level) decoder on the 8x8 digits (a 2D
  latent space for the map, a 16D one for samples, over three seeds), judged by the digit
  classifier of ``physml.metrics`` and by the MMD² of ``physml.digit_benchmark`` beside
  its two baselines (one Gaussian, a Gaussian mixture);
* :func:`binary_run`: β-VAEs on the binary digits (KL per latent dimension, active units),
  and the importance-weighted bound on the held-out ln p(x) of the β = 1 VAE for
  k = 1 ... 1000, beside the exact NLL of a MADE and Bernoulli mixtures;
* :func:`ising_run`: a VAE on Ising configurations, its latent mean against M;
* :func:`linear_run`: the linear-Gaussian VAE, whose ELBO and exact log-likelihood are
  known in closed form, against maximum-likelihood probabilistic PCA and scikit-learn;
* :func:`kl_run`: the Monte Carlo estimate of the Gaussian KL term.

The digits are split as ``physml.digit_benchmark.split`` (= ``metrics.digits_judge``) splits
them (70 % training, stratified, ``random_state=0``), so the held-out digits are unseen by
the VAEs and by the judge.
"""

from __future__ import annotations

import functools
import time

import numpy as np
import torch
from sklearn.decomposition import PCA
from threadpoolctl import threadpool_limits

from .. import autoregressive as ar
from .. import digit_benchmark as db
from .. import ising, metrics, vae
from ..experiment import Settings, setting, study
from ..nn.torch_twin import torch_threads


def _one_thread(run):
    """Run a study with one torch and one BLAS thread: for networks this small, more threads
    cost more in bookkeeping than they save (and far more on a busy machine)."""

    @functools.wraps(run)
    def wrapper(cfg):
        with torch_threads(1), threadpool_limits(limits=1):
            return run(cfg)

    return wrapper


# --------------------------------------------------------------------------- the digit VAE


DIGIT_LIKELIHOODS = ("categorical", "bernoulli")


class DigitRun(Settings):
    """Settings of the digit VAEs (the book's run; ``SHORT`` is what the unit tests train)."""

    epochs: int = setting(30, low=1, doc="passes over the training digits")
    latents: tuple[int, ...] = setting(
        (2, 16), low=1, doc="latent dimensions of the two models (map, samples)"
    )
    hidden: tuple[int, ...] = setting((128,), low=1, doc="hidden widths of encoder and decoder")
    likelihood: str = setting(
        "categorical", doc='decoder: "categorical" (17 grey levels per pixel) or "bernoulli" (pixels / 16)'
    )
    draw: bool = setting(True, doc="samples drawn from p(x|z) (True) or decoder means E[x|z] (False)")
    warmup: int = setting(0, low=0, doc="epochs of linear KL warm-up (0: none)")
    batch_size: int = setting(64, low=1, doc="mini-batch size")
    lr: float = setting(3e-3, low=0, doc="Adam learning rate")
    n_samples: int = setting(540, low=10, doc="generated digits (540 = the held-out digits)")
    seeds: tuple[int, ...] = setting(
        (0, 1, 2), low=0, doc="one sample model per seed (initialisation, batches, noise, samples)"
    )
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"epochs": 8}
    VARIANT = {"seeds": (1, 2, 3)}

    def validate(self):
        if len(self.latents) != 2:
            raise ValueError("DigitRun.latents must hold two latent dimensions (map, samples)")
        if self.likelihood not in DIGIT_LIKELIHOODS:
            raise ValueError(
                f"DigitRun.likelihood must be one of {DIGIT_LIKELIHOODS}, got {self.likelihood!r}"
            )
        if not self.seeds:
            raise ValueError("DigitRun.seeds must hold at least one seed")


def train_digit_vae(cfg: DigitRun, n_latent: int, seed: int) -> tuple[vae.VAE, dict]:
    """A VAE with ``n_latent`` latent variables trained on the training digits / 16 (grey levels k/16)."""
    X_tr, X_te, _, _ = db.split("grey")
    torch.manual_seed(seed)
    model = vae.VAE(64, n_latent=n_latent, hidden=cfg.hidden, likelihood=cfg.likelihood, levels=17)
    history = vae.train_vae(
        model,
        X_tr / metrics.DIGIT_PIXEL_MAX,
        epochs=cfg.epochs,
        batch_size=cfg.batch_size,
        lr=cfg.lr,
        X_val=X_te / metrics.DIGIT_PIXEL_MAX,
        seed=seed,
        device=cfg.device,
        warmup=cfg.warmup,
    )
    return model.cpu(), history


@study("vae", DigitRun)
@_one_thread
def digit_run(cfg: DigitRun) -> dict:
    """Train the digit VAEs (one map model, one sample model per seed); samples and their judges.

    Images are in pixel units (0 to 16). Samples are draws of the model's distribution
    ``p(x|z)`` with ``z ~ N(0, I)`` (``cfg.draw``), or decoder means. Every sample model
    is scored with ``digit_benchmark.score`` (MMD² against the 540 held-out digits, one
    fixed bandwidth), as are the two baselines of the benchmark with the same seeds.
    """
    start = time.perf_counter()
    X_tr, X_te, y_tr, y_te = db.split("grey")
    scale = metrics.DIGIT_PIXEL_MAX
    small, small_history = train_digit_vae(cfg, cfg.latents[0], cfg.seeds[0])
    models, histories, scores, mean_scores = [], [], [], []
    for seed in cfg.seeds:
        model, history = train_digit_vae(cfg, cfg.latents[1], seed)
        draws = vae.sample(model, cfg.n_samples, seed=seed, draw=cfg.draw) * scale
        means = vae.sample(model, cfg.n_samples, seed=seed) * scale
        models.append(model)
        histories.append(history)
        scores.append(db.score(draws, "grey", seed=seed))
        mean_scores.append(db.score(means, "grey", seed=seed))
        if seed == cfg.seeds[0]:
            samples, sample_means = draws, means
    big = models[0]
    recon = vae.reconstruct(big, X_te / scale) * scale
    samples_2d = vae.sample(small, cfg.n_samples, seed=cfg.seeds[0], draw=cfg.draw) * scale
    with threadpool_limits(limits=1):
        return {
            "big": big,
            "small": small,
            "models": models,
            "big_history": histories[0],
            "small_history": small_history,
            "reconstructions": recon,
            "samples": samples,
            "sample_means": sample_means,
            "samples_2d": samples_2d,
            "judge_recon": metrics.judge_classifier(recon, y_te),
            "judge_samples": metrics.judge_classifier(samples),
            "judge_samples_2d": metrics.judge_classifier(samples_2d),
            "scores": scores,
            "mean_scores": mean_scores,
            "score_2d": db.score(samples_2d, "grey", seed=cfg.seeds[0]),
            "baselines": db.baseline_scores(cfg.seeds, "grey"),
            "latent_2d": vae.encode_mean(small, X_te / scale),
            "held_out": X_te,
            "held_out_labels": y_te,
            "seconds": time.perf_counter() - start,
        }


# --------------------------------------------------------------------------- binary digits: beta-VAE, IWAE


def _mean_error(x) -> metrics.Estimate:
    x = np.asarray(x, dtype=float)
    return metrics.Estimate(float(x.mean()), float(x.std(ddof=1) / np.sqrt(len(x))))


class BinaryRun(Settings):
    """Settings of the Bernoulli VAEs on the binary digits: a β sweep, the IWAE bound and MADE."""

    betas: tuple[float, ...] = setting(
        (0.5, 1.0, 2.0, 4.0, 8.0), low=0, doc="weights β of the KL term (with 1)"
    )
    n_latent: int = setting(16, low=1, doc="latent dimension")
    hidden: tuple[int, ...] = setting((128,), low=1, doc="hidden widths of encoder and decoder")
    epochs: int = setting(40, low=1, doc="passes over the training digits (each VAE)")
    batch_size: int = setting(64, low=1, doc="mini-batch size")
    lr: float = setting(3e-3, low=0, doc="Adam learning rate")
    ks: tuple[int, ...] = setting(
        (1, 3, 10, 30, 100, 300, 1000), low=1, doc="numbers k of importance samples"
    )
    made_hidden: tuple[int, ...] = setting((256,), low=1, doc="hidden widths of the MADE")
    made_epochs: int = setting(40, low=1, doc="passes over the training digits (MADE)")
    seed: int = setting(0, low=0, doc="seed of initialisation, batches, noise and importance samples")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"epochs": 4, "made_epochs": 2, "betas": (1.0, 8.0), "ks": (1, 10, 100)}

    def validate(self):
        if len(self.betas) < 2 or list(self.betas) != sorted(set(self.betas)) or 1.0 not in self.betas:
            raise ValueError("BinaryRun.betas must hold at least two increasing values, one of them 1.0")
        if len(self.ks) < 2 or list(self.ks) != sorted(set(self.ks)) or self.ks[0] != 1:
            raise ValueError("BinaryRun.ks must start at 1 and increase strictly")


def train_binary_vae(cfg: BinaryRun, beta: float) -> vae.VAE:
    """A Bernoulli VAE trained on the benchmark's binary training digits, weight ``beta`` on the KL term."""
    X_tr = db.split("binary")[0]
    torch.manual_seed(cfg.seed)
    model = vae.VAE(64, n_latent=cfg.n_latent, hidden=cfg.hidden, likelihood="bernoulli")
    vae.train_vae(
        model,
        X_tr,
        epochs=cfg.epochs,
        batch_size=cfg.batch_size,
        lr=cfg.lr,
        seed=cfg.seed,
        device=cfg.device,
        beta=beta,
    )
    return model.cpu()


def _rate_distortion(model: vae.VAE, X: np.ndarray, seed: int, n_draws: int = 10):
    """Per image: the KL term (rate) and minus the expected log-likelihood (distortion, ``n_draws`` draws)."""
    x = torch.as_tensor(X, dtype=torch.float32)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        mu, logvar = model.encode(x)
        kl = vae.gaussian_kl(mu, logvar)
        ll = torch.stack(
            [model.log_likelihood(x, vae.reparametrise(mu, logvar, gen)) for _ in range(n_draws)]
        )
    return kl.double().numpy(), -ll.mean(0).double().numpy()


@study("vae", BinaryRun)
@_one_thread
def binary_run(cfg: BinaryRun) -> dict:
    r"""One Bernoulli VAE per β on the binary digits; the β = 1 model's :math:`\mathcal L_k`; MADE.

    Per β, on the 540 held-out binary digits: the KL term of every latent dimension (mean
    over images), the active units (variance of the encoder mean > 0.01), rate (KL) and
    distortion (minus the expected log-likelihood) with standard errors over images, the
    paired drops of the rate between consecutive β, reconstructions and samples (decoder
    means). For β = 1, the bounds :math:`\mathcal L_k` for every k from the same
    ``max(ks)`` importance weights per image (``vae.iwae_bound``), the paired steps between
    consecutive k, and beside them the exact NLL of a MADE trained on the same split and
    the Bernoulli-mixture NLLs of ``digit_benchmark``.
    """
    start = time.perf_counter()
    X_tr, X_te = db.split("binary")[:2]
    out = {
        "betas": list(cfg.betas),
        "kl_dims": [],
        "active": [],
        "rate": [],
        "distortion": [],
        "elbo": [],
        "recon": [],
        "samples": [],
    }
    rates = []
    for beta in cfg.betas:
        model = train_binary_vae(cfg, beta)
        kl, distortion = _rate_distortion(model, X_te, cfg.seed + 1)
        rates.append(kl)
        out["kl_dims"].append(vae.kl_per_dimension(model, X_te))
        out["active"].append(vae.active_units(model, X_te))
        out["rate"].append(_mean_error(kl))
        out["distortion"].append(_mean_error(distortion))
        out["elbo"].append(_mean_error(-distortion - kl))
        out["recon"].append(vae.reconstruct(model, X_te[:10]))
        out["samples"].append(vae.sample(model, 10, seed=cfg.seed))
        if beta == 1.0:
            out["model"] = model
    out["rate_drops"] = [_mean_error(a - b) for a, b in zip(rates[:-1], rates[1:], strict=True)]

    ks = list(cfg.ks)
    log_w = vae.log_importance_weights(out["model"], X_te, ks[-1], seed=cfg.seed, device=cfg.device)
    bounds = {k: vae.iwae_bound(log_w, k) for k in ks}
    torch.manual_seed(cfg.seed)
    made = ar.MADE(64, cfg.made_hidden)
    out["made_history"] = ar.fit_made(
        made, X_tr, X_te, epochs=cfg.made_epochs, lr=2e-3, batch_size=50, seed=cfg.seed, device=cfg.device
    )
    with torch.no_grad():
        made_nll = -made.cpu().log_prob(X_te).double().numpy()
    out.update(
        ks=ks,
        bounds={k: _mean_error(b) for k, b in bounds.items()},
        steps=[_mean_error(bounds[b] - bounds[a]) for a, b in zip(ks[:-1], ks[1:], strict=True)],
        iwae_minus_elbo=_mean_error(bounds[ks[-1]] - bounds[1]),
        made_nll=_mean_error(made_nll),
        vae_minus_made=_mean_error(-bounds[ks[-1]] - made_nll),  # the VAE's NLL bound minus MADE's NLL
        mixture_nll=db.bernoulli_mixture_nll(db.MIXTURE_COMPONENTS, seed=cfg.seed),
        independent_nll=db.bernoulli_mixture_nll(1, seed=cfg.seed),
        seconds=time.perf_counter() - start,
    )
    return out


# --------------------------------------------------------------------------- the Ising VAE


class IsingRun(Settings):
    """Settings of the VAE trained on Ising configurations over a range of temperatures."""

    L: int = setting(8, low=2, doc="linear lattice size (L x L, periodic)")
    temperatures: tuple[float, ...] = setting(
        (1.6, 1.8, 2.0, 2.1, 2.2, 2.3, 2.4, 2.5, 2.7, 3.0, 3.4), low=0.1, doc="temperatures (J = k_B = 1)"
    )
    n_per_T: int = setting(150, low=2, doc="Monte Carlo configurations per temperature")
    n_latent: int = setting(1, low=1, doc="latent dimension")
    hidden: tuple[int, ...] = setting((64,), low=1, doc="hidden widths of encoder and decoder")
    epochs: int = setting(30, low=1, doc="passes over the configurations")
    lr: float = setting(3e-3, low=0, doc="Adam learning rate")
    seeds: tuple[int, ...] = setting((0, 1, 2), low=0, doc="one data set and VAE per seed")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"epochs": 3, "n_per_T": 20}
    VARIANT = {"seeds": (1, 2, 3)}

    def validate(self):
        if len(self.seeds) < 2:
            raise ValueError("IsingRun.seeds must hold at least two seeds (the error bar of the correlation)")


@study("vae", IsingRun)
@_one_thread
def ising_run(cfg: IsingRun) -> dict:
    r"""Per seed: Ising samples (``ising.sample``), a Bernoulli VAE on the spins (0/1), latent means.

    Returns the correlation :math:`r` of the first latent mean with the magnetisation per
    spin :math:`M` for every seed, the same for the first principal component (PCA, the
    linear reference), and for the first seed the latent means, magnetisations and
    temperatures of every configuration.
    """
    start = time.perf_counter()
    corr, corr_pca, runs = [], [], []
    for seed in cfg.seeds:
        data = ising.sample(cfg.L, list(cfg.temperatures), cfg.n_per_T, seed=seed)
        spins = data.spins.reshape(len(data.spins), -1).astype(float)
        bits = (spins + 1) / 2
        M = spins.mean(axis=1)
        torch.manual_seed(seed)
        model = vae.VAE(bits.shape[1], n_latent=cfg.n_latent, hidden=cfg.hidden, likelihood="bernoulli")
        history = vae.train_vae(
            model, bits, epochs=cfg.epochs, batch_size=64, lr=cfg.lr, seed=seed, device=cfg.device
        )
        model = model.cpu()
        mu = vae.encode_mean(model, bits)
        with threadpool_limits(limits=1):
            pc1 = PCA(n_components=1).fit_transform(spins)[:, 0]
        corr.append(float(np.corrcoef(mu[:, 0], M)[0, 1]))
        corr_pca.append(float(np.corrcoef(pc1, M)[0, 1]))
        runs.append(
            {
                "mu": mu,
                "M": M,
                "T": data.temperatures,
                "history": history,
                "kl_dims": vae.kl_per_dimension(model, bits),
            }
        )
    return {
        "corr": corr,
        "abs_corr": _mean_error(np.abs(corr)),
        "abs_corr_pca": _mean_error(np.abs(corr_pca)),
        "runs": runs,
        "T_c": ising.ONSAGER_TC,
        "seconds": time.perf_counter() - start,
    }


# --------------------------------------------------------------------------- linear-Gaussian VAE


class LinearRun(Settings):
    """Settings of the linear-Gaussian VAE."""

    latent: int = setting(5, low=1, doc="latent dimension k")
    epochs: int = setting(150, low=1, doc="passes over the training digits")
    batch_size: int = setting(128, low=1, doc="mini-batch size")
    lr: float = setting(1e-2, low=0, doc="Adam learning rate (start of the schedule)")
    schedule: str = setting("cosine", doc='learning rate: "cosine" (annealed to zero) or "constant"')
    seed: int = setting(2026, low=0, doc="seed of initialisation, batches and noise")

    SHORT = {"epochs": 60, "lr": 3e-2}

    def validate(self):
        if self.schedule not in ("cosine", "constant"):
            raise ValueError(f'LinearRun.schedule must be "cosine" or "constant", got {self.schedule!r}')


@study("vae", LinearRun)
@_one_thread
def linear_run(cfg: LinearRun) -> dict:
    """Train the linear-Gaussian VAE on the training digits and compare it with PPCA.

    Returns per-image values (nats): the trained model's closed-form ELBO, the exact
    log-likelihood of its decoder, the maximum-likelihood PPCA optimum, scikit-learn's
    ``PCA.score`` and the training history.
    """
    start = time.perf_counter()
    X = db.split("grey")[0] / metrics.DIGIT_PIXEL_MAX
    n = len(X)
    torch.manual_seed(cfg.seed)
    model = vae.LinearVAE(X.shape[1], cfg.latent)
    with torch.no_grad():
        model.mu.copy_(torch.as_tensor(X.mean(axis=0)))  # start the decoder's offset at the data mean
    history = vae.train_vae(
        model,
        X,
        epochs=cfg.epochs,
        batch_size=cfg.batch_size,
        lr=cfg.lr,
        seed=cfg.seed,
        schedule=cfg.schedule,
    )
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
            "seconds": time.perf_counter() - start,
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
@_one_thread
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
