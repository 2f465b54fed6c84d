r"""Variational autoencoders, used by the chapter "Variational autoencoders" (``chapters/vae.md``).

* :func:`gaussian_kl` is the closed-form KL divergence of a diagonal Gaussian from the
  standard normal prior, :func:`reparametrise` the reparametrisation trick;
* :class:`VAE` is an encoder/decoder pair of small MLPs with a Bernoulli, Gaussian or
  categorical (grey levels) decoder, :func:`elbo` its evidence lower bound and
  :func:`train_vae` the training loop (with a weight β on the KL term and a KL warm-up);
* :func:`kl_per_dimension` and :func:`active_units` measure posterior collapse;
  :func:`log_importance_weights` and :func:`iwae_bound` give the importance-weighted bound
  of Burda et al. (2016) on :math:`\ln p(\boldsymbol x)`;
* :class:`LinearVAE` is the linear-Gaussian VAE, whose ELBO (:meth:`LinearVAE.elbo`) and
  exact marginal log-likelihood (:func:`gaussian_log_likelihood`) are known in closed
  form, and :func:`ppca_fit` / :func:`ppca_log_likelihood` the maximum-likelihood
  probabilistic PCA of Tipping and Bishop (1999) in NumPy, the optimum it can reach.

Torch code takes a ``device`` argument (CPU by default) and runs unchanged on CUDA.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from ._validate import (
    as_float_array,
    check_bool,
    check_choice,
    check_finite_loss,
    check_int,
    check_learning_rate,
    check_scalar,
    check_tensor,
    check_type,
    param_dtype,
)
from .nn.torch_twin import torch_threads
from .progress import progress
from .torchtools import as_device, make_generator, mlp

LIKELIHOODS = ("bernoulli", "gaussian", "categorical")
LOG_2PI = math.log(2 * math.pi)


def _as_data(X, name: str = "X", binary_range: bool = False, levels: int | None = None) -> np.ndarray:
    if not isinstance(X, (str, bytes)) and X is not None and np.iscomplexobj(np.asarray(X)):
        raise TypeError(f"{name} must be real, got complex values")
    arr = as_float_array(X, name, ndim=2)
    if arr.shape[0] < 2 or arr.shape[1] < 1:
        raise ValueError(f"{name} must hold at least 2 samples of at least 1 feature, got shape {arr.shape}")
    if binary_range and (arr.min() < 0 or arr.max() > 1):
        raise ValueError(f"{name} must lie in [0, 1] for this decoder, got [{arr.min()}, {arr.max()}]")
    if levels is not None and not np.allclose(arr * (levels - 1), np.round(arr * (levels - 1)), atol=1e-6):
        raise ValueError(
            f"{name} must be grey levels k / {levels - 1} (k = 0..{levels - 1}) for a categorical decoder"
        )
    return arr


def _tensor(
    t,
    name: str,
    width: int | None = None,
    like=None,
    like_name: str = "",
    *,
    dtype="float",
    finite: bool = False,
    width_of: str = "",
) -> torch.Tensor:
    """Check type, dtype and shape of a tensor argument (:func:`physml._validate.check_tensor`).

    Real floating point is required (``dtype``: the model's, where it meets weights); with
    ``finite`` (the losses) NaN and inf entries are refused too. Without it the check is
    cheap: the forward passes run in every training step. ``width_of`` names the argument
    whose width ``t`` must have.
    """
    check_tensor(t, name, dtype=dtype, finite=finite)
    if t.ndim == 0:
        raise ValueError(f"{name} must have at least one axis, got a scalar tensor")
    if width is not None and t.shape[-1] != width:
        like_text = f" like {width_of}" if width_of else ""
        raise ValueError(
            f"{name} must have {width} entries in its last axis{like_text}, got shape {tuple(t.shape)}"
        )
    if like is not None and t.shape[:-1] != like.shape[:-1]:
        raise ValueError(
            f"{name} and {like_name} must have the same number of samples, got shapes "
            f"{tuple(t.shape)} and {tuple(like.shape)}"
        )
    return t


def _generator(generator, name: str = "generator"):
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"{name} must be a torch.Generator or None, got {type(generator).__name__}")
    return generator


def _check_model(model, X: np.ndarray | None = None, what=None) -> nn.Module:
    """``model`` is a VAE (or, with ``what``, one of those classes) whose input width fits ``X``."""
    check_type(model, what or VAE, "model")
    if X is not None and X.shape[1] != model.n_in:
        raise ValueError(f"X has {X.shape[1]} features but model takes {model.n_in} (n_in)")
    return model


# --------------------------------------------------------------------------- the two pieces


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """The KL term :func:`_gaussian_kl`, its arguments checked (real, finite, same shape).

    :func:`elbo` and the training loop call the unchecked core.
    """
    _check_gaussian(mu, logvar)
    return _gaussian_kl(mu, logvar)


def _check_gaussian(mu, logvar) -> None:
    _tensor(mu, "mu", finite=True)
    _tensor(logvar, "logvar", mu.shape[-1], mu, "mu", finite=True, width_of="mu")


def _gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    r"""KL divergence of a diagonal Gaussian :math:`q` from the prior :math:`p = \mathcal N(0, I)`.

    :math:`q = \mathcal N(\boldsymbol\mu, \operatorname{diag}\boldsymbol s^2)`:

    .. math::

        D_{KL}(q\,\|\,p) = \frac12\sum_{j}\left(\mu_j^2 + s_j^2 - \ln s_j^2 - 1\right),

    summed over the latent dimensions (last axis); ``logvar`` is :math:`\ln s_j^2`.
    One value per sample.
    """
    return 0.5 * torch.sum(mu**2 + torch.exp(logvar) - logvar - 1.0, dim=-1)


def reparametrise(mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None):
    """A reparametrised sample :func:`_reparametrise`, its arguments checked (real, finite, same shape)."""
    _check_gaussian(mu, logvar)
    _generator(generator)
    return _reparametrise(mu, logvar, generator)


def _reparametrise(mu: torch.Tensor, logvar: torch.Tensor, generator) -> torch.Tensor:
    r"""A sample :math:`\boldsymbol z = \boldsymbol\mu + \boldsymbol s\odot\boldsymbol\epsilon` of :math:`q`.

    The noise :math:`\boldsymbol\epsilon\sim\mathcal N(\boldsymbol 0, \boldsymbol I)` does not depend on the
    parameters, so :math:`\boldsymbol z` is a
    differentiable function of :math:`\boldsymbol\mu` and :math:`\ln\boldsymbol s^2`:
    gradients of :math:`\mathbb E_q f(\boldsymbol z)` pass through the sample.
    """
    eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype, device=mu.device)
    return mu + torch.exp(0.5 * logvar) * eps


# --------------------------------------------------------------------------- the MLP VAE


class VAE(nn.Module):
    r"""Encoder :math:`q(\boldsymbol z|\boldsymbol x)` and decoder :math:`p(\boldsymbol x|\boldsymbol z)`.

    The encoder maps :math:`\boldsymbol x` to the mean and log-variance of a diagonal
    Gaussian over ``n_latent`` latent variables; the decoder maps :math:`\boldsymbol z` to
    the logits of independent Bernoulli pixels (``likelihood="bernoulli"``, data in
    [0, 1]), to the means of Gaussian pixels with one learnt variance per pixel
    (``"gaussian"``), or to ``levels`` logits per pixel of a categorical distribution over
    the grey levels :math:`k/(\text{levels}-1)`, :math:`k = 0, \dots, \text{levels}-1`
    (``"categorical"``: a normalised likelihood of integer pixel values, 17 levels for the
    8x8 digits). The prior is :math:`p(\boldsymbol z) = \mathcal N(\boldsymbol 0, \boldsymbol I)`.
    """

    def __init__(
        self, n_in: int, n_latent: int = 2, hidden=(128,), likelihood: str = "bernoulli", levels: int = 17
    ):
        super().__init__()
        self.n_in = check_int(n_in, "n_in", minimum=1)
        self.n_latent = check_int(n_latent, "n_latent", minimum=1)
        if isinstance(hidden, (str, bytes)) or not isinstance(hidden, (list, tuple)):
            raise TypeError(f"hidden must be a tuple of layer widths, got {type(hidden).__name__}")
        hidden = [check_int(h, "hidden", minimum=1) for h in hidden]
        check_choice(likelihood, "likelihood", LIKELIHOODS)
        self.likelihood = likelihood
        self.levels = check_int(levels, "levels", minimum=2)
        n_out = n_in * self.levels if likelihood == "categorical" else n_in
        self.encoder = mlp([n_in, *hidden, 2 * n_latent], activation="relu")
        self.decoder = mlp([n_latent, *hidden[::-1], n_out], activation="relu")
        if likelihood == "gaussian":
            self.log_noise = nn.Parameter(torch.zeros(n_in))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and log-variance of :math:`q(\\boldsymbol z|\\boldsymbol x)`.

        ``x`` has the dtype of the weights; a forward pass, so NaN/inf values pass through (IEEE).
        """
        _tensor(x, "x", self.n_in, dtype=param_dtype(self))
        mu, logvar = self.encoder(x).chunk(2, dim=-1)
        return mu, logvar

    def log_likelihood(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        r""":math:`\ln p(\boldsymbol x|\boldsymbol z)`, summed over pixels (one value per sample).

        Bernoulli: :math:`\sum_j x_j\ln\pi_j + (1-x_j)\ln(1-\pi_j)` with
        :math:`\pi_j = \sigma(\text{logit}_j)`; Gaussian:
        :math:`-\frac12\sum_j[(x_j-m_j)^2/\sigma_j^2 + \ln(2\pi\sigma_j^2)]`;
        categorical: :math:`\sum_j \ln\operatorname{softmax}(\text{logits}_j)_{k_j}` with
        :math:`k_j = x_j(\text{levels}-1)` the grey level of pixel :math:`j`.
        A loss term: ``x`` and ``z`` must be finite, with the dtype of the weights.
        """
        dtype = param_dtype(self)
        _tensor(x, "x", self.n_in, dtype=dtype, finite=True)
        _tensor(z, "z", self.n_latent, x, "x", dtype=dtype, finite=True)
        return self._log_likelihood(x, z)

    def _log_likelihood(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        out = self.decoder(z)
        if self.likelihood == "bernoulli":
            return -nn.functional.binary_cross_entropy_with_logits(out, x, reduction="none").sum(-1)
        if self.likelihood == "categorical":
            logp = torch.log_softmax(out.unflatten(-1, (self.n_in, self.levels)), dim=-1)
            level = torch.round(x * (self.levels - 1)).long().clamp(0, self.levels - 1)
            return logp.gather(-1, level.unsqueeze(-1)).squeeze(-1).sum(-1)
        return -0.5 * torch.sum(
            (x - out) ** 2 * torch.exp(-self.log_noise) + self.log_noise + LOG_2PI, dim=-1
        )

    def decode_mean(self, z: torch.Tensor) -> torch.Tensor:
        r"""Decoder mean :math:`\mathbb E[\boldsymbol x|\boldsymbol z]` (Bernoulli: pixel probabilities).

        ``z`` has the dtype of the weights; a forward pass, so NaN/inf values pass through (IEEE).
        """
        _tensor(z, "z", self.n_latent, dtype=param_dtype(self))
        out = self.decoder(z)
        if self.likelihood == "categorical":
            prob = torch.softmax(out.unflatten(-1, (self.n_in, self.levels)), dim=-1)
            grey = torch.arange(self.levels, dtype=out.dtype, device=out.device) / (self.levels - 1)
            return prob @ grey
        return torch.sigmoid(out) if self.likelihood == "bernoulli" else out

    def decode_sample(self, z: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        r"""A draw :math:`\boldsymbol x\sim p(\boldsymbol x|\boldsymbol z)`: every pixel independently.

        Bernoulli: 0 or 1; Gaussian: mean plus its noise; categorical: a grey level
        :math:`k/(\text{levels}-1)`. ``z`` has the dtype of the weights.
        """
        _tensor(z, "z", self.n_latent, dtype=param_dtype(self))
        _generator(generator)
        out = self.decoder(z)
        if self.likelihood == "bernoulli":
            u = torch.rand(out.shape, generator=generator, dtype=out.dtype, device=out.device)
            return (u < torch.sigmoid(out)).to(out.dtype)
        if self.likelihood == "gaussian":
            eps = torch.randn(out.shape, generator=generator, dtype=out.dtype, device=out.device)
            return out + torch.exp(0.5 * self.log_noise) * eps
        prob = torch.softmax(out.unflatten(-1, (self.n_in, self.levels)), dim=-1)
        level = torch.multinomial(prob.reshape(-1, self.levels), 1, generator=generator)
        return level.reshape(prob.shape[:-1]).to(out.dtype) / (self.levels - 1)


def elbo(model: VAE, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """The ELBO :func:`_elbo` of every sample of ``x``, its arguments checked (``x`` finite).

    :func:`train_vae`, whose data are checked once, calls the unchecked core.
    """
    _check_model(model)
    _generator(generator)
    _tensor(x, "x", model.n_in, dtype=param_dtype(model), finite=True)
    return _elbo(model, x, generator)


def _elbo(model: VAE, x: torch.Tensor, generator) -> torch.Tensor:
    r"""One-sample estimate of the evidence lower bound of every sample of ``x``.

    .. math::

        \mathcal L(\boldsymbol x) = \mathbb E_{q(\boldsymbol z|\boldsymbol x)}
        \ln p(\boldsymbol x|\boldsymbol z)
        - D_{KL}\left(q(\boldsymbol z|\boldsymbol x)\,\|\,p(\boldsymbol z)\right)
        \;\le\; \ln p(\boldsymbol x),

    the expectation estimated with one reparametrised sample, the KL term in closed
    form (:func:`_gaussian_kl`).
    """
    mu, logvar = model.encode(x)
    z = _reparametrise(mu, logvar, generator)
    return model._log_likelihood(x, z) - _gaussian_kl(mu, logvar)


def _beta_loss(model: VAE, x: torch.Tensor, generator, beta: float) -> torch.Tensor:
    r"""The β-VAE loss of a batch, :math:`-\frac1m\sum_i\left[\mathbb E_q\ln p(\boldsymbol x_i|\boldsymbol z)
    - \beta\,D_{KL}(q(\boldsymbol z|\boldsymbol x_i)\,\|\,p(\boldsymbol z))\right]`.

    :math:`\beta = 1` is the negative ELBO; :math:`\beta < 1` during a KL warm-up.
    """
    mu, logvar = model.encode(x)
    z = _reparametrise(mu, logvar, generator)
    return -(model._log_likelihood(x, z) - beta * _gaussian_kl(mu, logvar)).mean()


def train_vae(
    model: nn.Module,
    X,
    epochs: int,
    batch_size: int = 64,
    lr: float = 1e-3,
    X_val=None,
    seed: int = 0,
    device="cpu",
    num_threads: int | None = 1,
    beta: float = 1.0,
    warmup: int = 0,
    schedule: str = "constant",
) -> dict:
    r"""Maximise the mean ELBO of ``X`` with Adam on mini-batches; return the history.

    The loss of a batch is :math:`-\frac1m\sum_{i\in B}\mathcal L(\boldsymbol x_i)`
    (:func:`elbo` for a :class:`VAE`, the model's own ``elbo`` method otherwise). A
    :class:`VAE` can weight the KL term by ``beta`` (the β-VAE, :func:`_beta_loss`) and
    raise that weight linearly from 0 to ``beta`` over the first ``warmup`` epochs (KL
    warm-up); the recorded history is always the ELBO (β = 1). ``schedule="cosine"`` lowers
    the learning rate after every epoch as :math:`\eta_t = \frac\eta2(1 + \cos\pi t/T)`
    to zero at the last epoch, so that the noisy one-sample gradient settles. After
    every epoch the mean ELBO of ``X`` and of ``X_val`` (if given) are recorded, in nats
    per sample, estimated with a fixed-seed noise so that epochs are comparable. A NaN
    or infinite loss stops training with an error.
    """
    check_type(model, nn.Module, "model", "torch.nn.Module (a VAE or LinearVAE)")
    if not isinstance(model, VAE) and not callable(getattr(model, "elbo", None)):
        raise TypeError(
            f"model must be a VAE or have an elbo(x, generator) method, got {type(model).__name__}"
        )
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    lr = check_learning_rate(lr)
    beta = float(check_scalar(beta, "beta", minimum=0))
    warmup = check_int(warmup, "warmup", minimum=0)
    check_choice(schedule, "schedule", ("constant", "cosine"))
    if not isinstance(model, VAE) and (beta != 1.0 or warmup):
        raise ValueError("beta and warmup apply to a VAE only; leave beta=1 and warmup=0 for other models")
    device = as_device(device)
    binary = getattr(model, "likelihood", None) in ("bernoulli", "categorical")
    levels = model.levels if getattr(model, "likelihood", None) == "categorical" else None
    dtype = next(model.parameters()).dtype
    X_arr = _as_data(X, "X", binary, levels)
    if getattr(model, "n_in", X_arr.shape[1]) != X_arr.shape[1]:
        raise ValueError(f"X has {X_arr.shape[1]} features but model takes {model.n_in} (n_in)")
    X_t = torch.as_tensor(X_arr, dtype=dtype, device=device)
    X_v = None if X_val is None else torch.as_tensor(_as_data(X_val, "X_val", binary, levels), dtype=dtype)
    if X_v is not None and X_v.shape[1] != X_t.shape[1]:
        raise ValueError(f"X_val must have {X_t.shape[1]} features like X, got {X_v.shape[1]}")
    X_v = None if X_v is None else X_v.to(device)

    def batch_elbo(xb, gen):
        return _elbo(model, xb, gen) if isinstance(model, VAE) else model.elbo(xb, gen)

    seed = check_int(seed, "seed", minimum=0)
    threads = torch_threads(num_threads, "num_threads")  # checks num_threads before training
    torch.manual_seed(seed)
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    annealing = (
        torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs) if schedule == "cosine" else None
    )
    shuffle = make_generator(seed)
    noise = torch.Generator(device=device).manual_seed(seed + 1)
    history: dict = {"train_elbo": [], "val_elbo": []}
    step = 0
    n_batches = -(-len(X_t) // batch_size)
    with threads:
        for _ in progress(range(epochs), desc="epochs"):
            model.train()
            order = torch.randperm(len(X_t), generator=shuffle).to(device)
            for start in range(0, len(X_t), batch_size):
                xb = X_t[order[start : start + batch_size]]
                if isinstance(model, VAE):
                    ramp = min(1.0, (step + 1) / (warmup * n_batches)) if warmup else 1.0
                    loss = _beta_loss(model, xb, noise, beta * ramp)
                else:
                    loss = -batch_elbo(xb, noise).mean()
                value = loss.item()
                check_finite_loss(value, step)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                step += 1
            if annealing is not None:
                annealing.step()
            model.eval()
            with torch.no_grad():
                fixed = torch.Generator(device=device).manual_seed(seed + 2)
                history["train_elbo"].append(batch_elbo(X_t, fixed).mean().item())
                if X_v is not None:
                    history["val_elbo"].append(batch_elbo(X_v, fixed).mean().item())
    return history


def sample(model: VAE, n: int, seed: int = 0, device="cpu", draw: bool = False) -> np.ndarray:
    r"""``n`` samples: :math:`\boldsymbol z\sim\mathcal N(0, I)`, then the decoder mean
    :math:`\mathbb E[\boldsymbol x|\boldsymbol z]` (``draw=False``) or a draw
    :math:`\boldsymbol x\sim p(\boldsymbol x|\boldsymbol z)` (``draw=True``, :meth:`VAE.decode_sample`):
    only the draws are samples of the model's distribution :math:`p(\boldsymbol x)`."""
    _check_model(model)
    n = check_int(n, "n", minimum=1)
    draw = check_bool(draw, "draw")
    device = as_device(device)
    gen = torch.Generator(device=device).manual_seed(check_int(seed, "seed", minimum=0))
    model.to(device)
    with torch.no_grad():
        z = torch.randn(n, model.n_latent, generator=gen, device=device, dtype=param_dtype(model))
        x = model.decode_sample(z, gen) if draw else model.decode_mean(z)
        return x.cpu().numpy().astype(float)


def reconstruct(model: VAE, X, device="cpu") -> np.ndarray:
    r"""Decoder mean at the encoder mean,

    :math:`\mathbb E[\boldsymbol x|\boldsymbol z = \boldsymbol\mu(\boldsymbol x)]`.
    """
    _check_model(model)
    X = _as_data(X)
    _check_model(model, X)
    x = torch.as_tensor(X, dtype=param_dtype(model), device=as_device(device))
    with torch.no_grad():
        return model.decode_mean(model.encode(x)[0]).cpu().numpy().astype(float)


def encode_mean(model: VAE, X, device="cpu") -> np.ndarray:
    """Encoder means :math:`\\boldsymbol\\mu(\\boldsymbol x)` of the rows of ``X`` (the latent map)."""
    _check_model(model)
    X = _as_data(X)
    _check_model(model, X)
    x = torch.as_tensor(X, dtype=param_dtype(model), device=as_device(device))
    with torch.no_grad():
        return model.encode(x)[0].cpu().numpy().astype(float)


# --------------------------------------------------------------------------- collapse and the IWAE bound


def _encoded(model: VAE, X, device) -> tuple[torch.Tensor, torch.Tensor]:
    _check_model(model)
    X = _as_data(X)
    _check_model(model, X)
    x = torch.as_tensor(X, dtype=param_dtype(model), device=as_device(device))
    model.to(x.device)
    with torch.no_grad():
        return model.encode(x)


def kl_per_dimension(model: VAE, X, device="cpu") -> np.ndarray:
    r"""The KL term split by latent dimension, averaged over the rows of ``X`` (nats, shape ``(n_latent,)``):

    .. math::

        \overline{D}_j = \frac1n\sum_i \frac12\left(\mu_j(\boldsymbol x_i)^2 + s_j^2(\boldsymbol x_i)
        - \ln s_j^2(\boldsymbol x_i) - 1\right).

    A dimension with :math:`\overline D_j\approx 0` has :math:`q(z_j|\boldsymbol x) = p(z_j)` for
    every image: it has collapsed onto the prior and carries no information about
    :math:`\boldsymbol x` (chapter "Variational autoencoders", β-VAE section).
    """
    mu, logvar = _encoded(model, X, device)
    per = 0.5 * (mu**2 + torch.exp(logvar) - logvar - 1.0)
    return per.mean(0).double().cpu().numpy()


def active_units(model: VAE, X, threshold: float = 0.01, device="cpu") -> int:
    r"""Number of active latent dimensions (Burda et al. 2016, section 5.2):

    .. math::

        A = \#\left\{j : \operatorname{Var}_{\boldsymbol x}\,\mathbb E_{q}[z_j|\boldsymbol x]
        > \text{threshold}\right\},

    the variance over the rows of ``X`` of the encoder mean; 0.01 is their threshold.
    """
    threshold = float(check_scalar(threshold, "threshold", minimum=0))
    mu, _ = _encoded(model, X, device)
    return int((mu.double().var(0) > threshold).sum().item())


def log_importance_weights(model: VAE, X, k: int, seed: int = 0, device="cpu", chunk: int = 64) -> np.ndarray:
    r"""Log importance weights of ``k`` draws per row of ``X``, float64, shape ``(n, k)``,

    with :math:`\boldsymbol z_l\sim q(\boldsymbol z|\boldsymbol x_i)`,

    .. math::

        \ln w_{il} = \ln p(\boldsymbol x_i|\boldsymbol z_l) + \ln p(\boldsymbol z_l)
        - \ln q(\boldsymbol z_l|\boldsymbol x_i),

    whose mean over :math:`l` is unbiased for :math:`p(\boldsymbol x_i)`. ``chunk`` rows are
    processed at a time (memory :math:`\propto` ``chunk * k``). :func:`iwae_bound` turns them
    into the bounds :math:`\mathcal L_k`.
    """
    _check_model(model)
    X = _as_data(X)
    _check_model(model, X)
    k = check_int(k, "k", minimum=1)
    chunk = check_int(chunk, "chunk", minimum=1)
    device = as_device(device)
    gen = torch.Generator(device=device).manual_seed(check_int(seed, "seed", minimum=0))
    dtype = param_dtype(model)
    model.to(device)
    out = []
    with torch.no_grad():
        for start in range(0, len(X), chunk):
            x = torch.as_tensor(X[start : start + chunk], dtype=dtype, device=device)
            mu, logvar = model.encode(x)
            eps = torch.randn((k, *mu.shape), generator=gen, dtype=dtype, device=device)
            z = mu + torch.exp(0.5 * logvar) * eps  # (k, m, d_z)
            log_q = -0.5 * torch.sum(eps**2 + logvar + LOG_2PI, dim=-1)
            log_prior = -0.5 * torch.sum(z**2 + LOG_2PI, dim=-1)
            log_px = model._log_likelihood(x.expand(k, *x.shape), z)
            out.append((log_px + log_prior - log_q).double().T.cpu().numpy())
    return np.concatenate(out)


def iwae_bound(log_w, k: int) -> np.ndarray:
    r"""The importance-weighted bound :math:`\mathcal L_k` of every row, from log weights (n, K):

    .. math::

        \mathcal L_k(\boldsymbol x) = \mathbb E\left[\ln\frac1k\sum_{l=1}^{k} w_l\right]
        \le \mathcal L_{k+1}(\boldsymbol x) \le \ln p(\boldsymbol x),
        \qquad \mathcal L_1 = \text{ELBO}

    (Burda et al. 2016). The K columns are cut into :math:`\lfloor K/k\rfloor` groups of
    ``k``; each group gives one unbiased estimate of :math:`\mathcal L_k`, and their mean is
    returned (shape ``(n,)``).
    """
    w = as_float_array(log_w, "log_w", ndim=2)
    if w.shape[0] < 1 or w.shape[1] < 1:
        raise ValueError(f"log_w must hold at least one row of at least one weight, got shape {w.shape}")
    k = check_int(k, "k", minimum=1, maximum=w.shape[1])
    g = w.shape[1] // k
    groups = w[:, : g * k].reshape(len(w), g, k)
    top = groups.max(axis=2, keepdims=True)
    lme = top[..., 0] + np.log(np.mean(np.exp(groups - top), axis=2))
    return lme.mean(axis=1)


# --------------------------------------------------------------------------- linear-Gaussian VAE


class LinearVAE(nn.Module):
    r"""The linear-Gaussian VAE: probabilistic PCA with an amortised linear encoder.

    Decoder :math:`p(\boldsymbol x|\boldsymbol z) =
    \mathcal N(\boldsymbol W\boldsymbol z + \boldsymbol\mu, \sigma^2\boldsymbol I)`,
    prior :math:`\mathcal N(\boldsymbol 0, \boldsymbol I)`, encoder
    :math:`q(\boldsymbol z|\boldsymbol x) =
    \mathcal N(\boldsymbol V(\boldsymbol x - \boldsymbol\mu), \operatorname{diag}\boldsymbol s^2)`.
    Its marginal :math:`p(\boldsymbol x) =
    \mathcal N(\boldsymbol\mu, \boldsymbol W\boldsymbol W^T + \sigma^2\boldsymbol I)`
    is known exactly (:meth:`exact_log_likelihood`). Parameters are float64.
    """

    def __init__(self, n_in: int, n_latent: int):
        super().__init__()
        n_in, n_latent = check_int(n_in, "n_in", minimum=1), check_int(n_latent, "n_latent", minimum=1)
        self.n_in, self.n_latent = n_in, n_latent
        g = torch.Generator().manual_seed(0)
        dt = torch.float64
        self.W = nn.Parameter(0.1 * torch.randn(n_in, n_latent, generator=g, dtype=dt))
        self.mu = nn.Parameter(torch.zeros(n_in, dtype=dt))
        self.log_sigma2 = nn.Parameter(torch.zeros((), dtype=dt))
        self.V = nn.Parameter(0.1 * torch.randn(n_latent, n_in, generator=g, dtype=dt))
        self.log_s2 = nn.Parameter(torch.zeros(n_latent, dtype=dt))

    def encode(self, x: torch.Tensor):
        """Mean and log-variance of :math:`q`; ``x`` float64, NaN/inf values pass through (IEEE)."""
        _tensor(x, "x", self.n_in, dtype=self.W.dtype)
        m = (x - self.mu) @ self.V.T
        return m, self.log_s2.expand_as(m)

    def elbo(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        r"""One-sample reparametrised ELBO (the estimate that training uses); ``x`` must be finite."""
        _generator(generator)
        _tensor(x, "x", self.n_in, dtype=self.W.dtype, finite=True)
        m, logvar = self.encode(x)
        z = _reparametrise(m, logvar, generator)
        sigma2 = torch.exp(self.log_sigma2)
        resid = x - z @ self.W.T - self.mu
        log_px = -0.5 * (torch.sum(resid**2, -1) / sigma2 + self.n_in * (self.log_sigma2 + LOG_2PI))
        return log_px - _gaussian_kl(m, logvar)

    def exact_elbo(self, x: torch.Tensor) -> torch.Tensor:
        r"""The ELBO in closed form: the Gaussian expectation done analytically,

        .. math::

            \mathcal L = -\frac d2\ln(2\pi\sigma^2) - \frac{1}{2\sigma^2}\left[
            \lVert\boldsymbol x - \boldsymbol W\boldsymbol m - \boldsymbol\mu\rVert^2
            + \sum_j s_j^2\lVert\boldsymbol w_j\rVert^2\right] - D_{KL}(q\,\|\,p),

        with :math:`\boldsymbol m = \boldsymbol V(\boldsymbol x - \boldsymbol\mu)` and
        :math:`\boldsymbol w_j` the columns of :math:`\boldsymbol W`. ``x`` must be finite.
        """
        _tensor(x, "x", self.n_in, dtype=self.W.dtype, finite=True)
        m, logvar = self.encode(x)
        sigma2 = torch.exp(self.log_sigma2)
        resid = x - m @ self.W.T - self.mu
        spread = torch.sum(torch.exp(self.log_s2) * torch.sum(self.W**2, 0))
        log_px = -0.5 * (
            (torch.sum(resid**2, -1) + spread) / sigma2 + self.n_in * (self.log_sigma2 + LOG_2PI)
        )
        return log_px - _gaussian_kl(m, logvar)

    def decoder_parameters(self) -> tuple[np.ndarray, np.ndarray, float]:
        """``(W, mu, sigma2)`` of the decoder as NumPy arrays."""
        return (
            self.W.detach().cpu().numpy().copy(),
            self.mu.detach().cpu().numpy().copy(),
            float(torch.exp(self.log_sigma2).item()),
        )

    def exact_log_likelihood(self, X) -> float:
        r"""Total log-likelihood of the decoder's model,

        :math:`\sum_i\ln\mathcal N(\boldsymbol x_i; \boldsymbol\mu,
        \boldsymbol W\boldsymbol W^T + \sigma^2\boldsymbol I)`.
        """
        _check_model(self, _as_data(X), LinearVAE)
        W, mu, sigma2 = self.decoder_parameters()
        return gaussian_log_likelihood(X, mu, W @ W.T + sigma2 * np.eye(self.n_in))

    def total_exact_elbo(self, X) -> float:
        """Sum of :meth:`exact_elbo` over the rows of ``X`` (comparable with :meth:`exact_log_likelihood`)."""
        X = _as_data(X)
        _check_model(self, X, LinearVAE)
        x = torch.as_tensor(X, dtype=torch.float64, device=self.W.device)
        with torch.no_grad():
            return float(self.exact_elbo(x).sum().item())


# --------------------------------------------------------------------------- probabilistic PCA (NumPy)


def gaussian_log_likelihood(X, mean, cov) -> float:
    r"""Total log-likelihood :math:`\sum_i \ln\mathcal N(\boldsymbol x_i; \boldsymbol m, \boldsymbol C)`,

    .. math::

        -\frac n2\left[d\ln 2\pi + \ln\det\boldsymbol C
        + \operatorname{tr}(\boldsymbol C^{-1}\boldsymbol S)\right],
        \qquad \boldsymbol S = \frac1n\sum_i(\boldsymbol x_i - \boldsymbol m)
        (\boldsymbol x_i - \boldsymbol m)^T .
    """
    X = _as_data(X)
    n, d = X.shape
    m = as_float_array(mean, "mean", ndim=1)
    C = as_float_array(cov, "cov", ndim=2)
    if m.shape != (d,) or C.shape != (d, d):
        raise ValueError(f"mean and cov must have shapes ({d},) and ({d}, {d}), got {m.shape} and {C.shape}")
    try:
        L = np.linalg.cholesky(C)
    except np.linalg.LinAlgError:
        raise ValueError("cov must be symmetric positive definite") from None
    R = np.linalg.solve(L, (X - m).T)
    logdet = 2 * np.sum(np.log(np.diag(L)))
    return float(-0.5 * (n * (d * LOG_2PI + logdet) + np.sum(R**2)))


def ppca_fit(X, n_components: int) -> tuple[np.ndarray, np.ndarray, float]:
    r"""Maximum-likelihood probabilistic PCA (Tipping and Bishop 1999): ``(W, mu, sigma2)``.

    With the eigenvalues :math:`\lambda_1\ge\dots\ge\lambda_d` and eigenvectors
    :math:`\boldsymbol U` of the sample covariance :math:`\boldsymbol S` (divided by
    :math:`n`),

    .. math::

        \sigma^2_{\mathrm{ML}} = \frac1{d-k}\sum_{j>k}\lambda_j, \qquad
        \boldsymbol W_{\mathrm{ML}} = \boldsymbol U_k
        (\boldsymbol\Lambda_k - \sigma^2_{\mathrm{ML}}\boldsymbol I)^{1/2},
        \qquad \boldsymbol\mu_{\mathrm{ML}} = \bar{\boldsymbol x},

    unique up to a rotation of the latent space.
    """
    X = _as_data(X)
    n, d = X.shape
    k = check_int(n_components, "n_components", minimum=1, maximum=d - 1)
    mu = X.mean(axis=0)
    with np.errstate(over="ignore", invalid="ignore"):
        S = (X - mu).T @ (X - mu) / n
    if not np.all(np.isfinite(S)):
        raise ValueError(
            f"X has entries up to {np.max(np.abs(X)):.3g}: its covariance overflows; rescale X first"
        )
    lam, U = np.linalg.eigh(S)
    lam, U = lam[::-1], U[:, ::-1]
    sigma2 = float(lam[k:].mean())
    W = U[:, :k] * np.sqrt(np.maximum(lam[:k] - sigma2, 0.0))
    return W, mu, sigma2


def ppca_log_likelihood(X, n_components: int) -> float:
    r"""The largest total log-likelihood of ``X`` under a ``n_components``-dimensional PPCA,

    .. math::

        \ln p_{\max} = -\frac n2\left[d\ln 2\pi + \sum_{j\le k}\ln\lambda_j
        + (d-k)\ln\sigma^2_{\mathrm{ML}} + d\right].
    """
    X = _as_data(X)
    W, mu, sigma2 = ppca_fit(X, n_components)
    return gaussian_log_likelihood(X, mu, W @ W.T + sigma2 * np.eye(X.shape[1]))
