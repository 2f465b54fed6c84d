r"""One yardstick for every generative model of the 8x8 digits (the generative-models part).

Each digit model of the part (RBM, VAE, GAN, DDPM, MADE, flow) is judged the same way:

* the split is the judge classifier's (:func:`physml.metrics.digits_judge`: 70 % of
  ``load_digits`` to train, 30 % held out, stratified, ``random_state=0``);
* the *features* are either ``"grey"`` (pixel values 0 to 16, as ``load_digits`` gives
  them) or ``"binary"`` (pixels above half of the maximum set to 1, the rest to 0), for
  the models of binary data (RBM, MADE);
* the score is the unbiased MMD² (:func:`physml.metrics.mmd2`) of ``n_held_out`` model
  samples against the whole held-out set, with one fixed bandwidth: the median pairwise
  distance of the held-out set in that feature space;
* the two baselines a model must beat are a single Gaussian with full covariance fitted to
  the training images, and a Gaussian mixture (10 components, full covariance) fitted to
  them, both sampled, clipped to the pixel range (``"binary"``: thresholded at one half).

A perfect model scores about zero, within :func:`physml.metrics.mmd2_baseline`'s error.
Comparisons between a model and a baseline are made over at least three seeds (the
``kind="beats"`` check of the chapter that trains the model).
"""

from __future__ import annotations

import functools

import numpy as np
from threadpoolctl import threadpool_limits

from . import metrics
from ._validate import as_float_array, check_choice, check_int, check_nonempty, check_scalar

FEATURES = ("grey", "binary")
BASELINES = ("gaussian", "mixture")
MIXTURE_COMPONENTS = 10
"""Components of the Gaussian-mixture baseline (one per digit class, though it is not told the class)."""


@functools.cache
def _split():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X_tr, X_te, y_tr, y_te = train_test_split(
        digits.data, digits.target, test_size=0.3, random_state=0, stratify=digits.target
    )
    for a in (X_tr, X_te, y_tr, y_te):
        a.setflags(write=False)
    return X_tr, X_te, y_tr, y_te


def to_features(pixels, features: str = "grey") -> np.ndarray:
    """Map images in ``load_digits`` pixel units (n, 64), 0 to 16, to the benchmark's features.

    ``"grey"`` returns the pixels (as floats); ``"binary"`` returns 1.0 where a pixel is
    above 8 (half the maximum) and 0.0 elsewhere.
    """
    check_choice(features, "features", FEATURES)
    x = as_float_array(pixels, "pixels", ndim=2)
    check_nonempty(x, "pixels")
    if x.shape[1] != 64:
        raise ValueError(f"pixels must hold 8x8 = 64 values per image, got {x.shape[1]}")
    if features == "binary":
        return (x > metrics.DIGIT_PIXEL_MAX / 2).astype(float)
    return x.copy()


def split(features: str = "grey") -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, X_held_out, y_train, y_held_out)`` of the benchmark, in the given features.

    1257 training and 540 held-out images (the judge classifier's split); copies, so a
    caller may modify them.
    """
    X_tr, X_te, y_tr, y_te = _split()
    return to_features(X_tr, features), to_features(X_te, features), y_tr.copy(), y_te.copy()


@functools.cache
def bandwidth(features: str = "grey") -> float:
    """The kernel bandwidth of every benchmark MMD²: median pairwise distance of the held-out set."""
    check_choice(features, "features", FEATURES)
    return metrics.median_bandwidth(split(features)[1])


def score(samples, features: str = "grey", seed: int = 0) -> metrics.MMDResult:
    r"""Benchmark MMD² of model ``samples`` against the held-out digits, with its jackknife error.

    ``samples`` (n, 64) are in the benchmark's features (``"grey"``: pixel units 0-16, values
    outside are clipped; ``"binary"``: 0/1). ``n`` is cut to the size of the held-out set
    (540) by a random choice with ``seed`` when larger; use at least 540 samples so that every
    model is scored with the same statistical power.
    """
    check_choice(features, "features", FEATURES)
    x = as_float_array(samples, "samples", ndim=2)
    check_nonempty(x, "samples")
    if x.shape[1] != 64:
        raise ValueError(f"samples must hold 8x8 = 64 values per image, got {x.shape[1]}")
    seed = check_int(seed, "seed", minimum=0)
    held_out = split(features)[1]
    if features == "grey":
        x = np.clip(x, 0.0, metrics.DIGIT_PIXEL_MAX)
    elif not np.all((x == 0) | (x == 1)):
        raise ValueError("samples must be 0 or 1 for features='binary'")
    if len(x) > len(held_out):
        x = x[np.random.default_rng(seed).choice(len(x), len(held_out), replace=False)]
    return metrics.mmd2(x, held_out, bandwidth=bandwidth(features))


def baseline_samples(kind: str, n: int, seed: int = 0, features: str = "grey") -> np.ndarray:
    """``n`` samples of a baseline model fitted to the benchmark's training images.

    ``kind="gaussian"``: one Gaussian, full covariance (maximum likelihood, with 1e-6 added
    to the diagonal); ``kind="mixture"``: ``sklearn.mixture.GaussianMixture`` with
    :data:`MIXTURE_COMPONENTS` full-covariance components (``reg_covar`` 1e-3 pixel², k-means
    start, ``random_state=seed``). Samples are clipped to the pixel range (``"grey"``) or
    thresholded at one half (``"binary"``).
    """
    check_choice(kind, "kind", BASELINES)
    check_choice(features, "features", FEATURES)
    n = check_int(n, "n", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    X_tr = split(features)[0]
    rng = np.random.default_rng(seed)
    with threadpool_limits(limits=1):
        if kind == "gaussian":
            mu = X_tr.mean(axis=0)
            cov = np.cov(X_tr, rowvar=False) + 1e-6 * np.eye(64)
            x = rng.multivariate_normal(mu, cov, size=n, method="cholesky")
        else:
            from sklearn.mixture import GaussianMixture

            gmm = GaussianMixture(
                n_components=MIXTURE_COMPONENTS, covariance_type="full", reg_covar=1e-3, random_state=seed
            ).fit(X_tr)
            x, _ = gmm.sample(n)
            x = x[rng.permutation(n)]  # GaussianMixture.sample returns the samples grouped by component
    if features == "binary":
        return (x > 0.5).astype(float)
    return np.clip(x, 0.0, metrics.DIGIT_PIXEL_MAX)


def baseline_scores(seeds=(0, 1, 2), features: str = "grey") -> dict[str, list[metrics.MMDResult]]:
    """Benchmark MMD² of both baselines, one fit and 540 samples per seed: ``{kind: [result, ...]}``.

    These are the numbers a digit model's ``kind="beats"`` check compares with (over the
    same number of seeds as the model).
    """
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"seeds must be an iterable of seeds, got {type(seeds).__name__}")
    seeds = [check_int(s, "seeds", minimum=0) for s in seeds]
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    n = len(split(features)[1])
    return {
        kind: [score(baseline_samples(kind, n, seed=s, features=features), features, seed=s) for s in seeds]
        for kind in BASELINES
    }


# --------------------------------------------------------------------------- binary likelihoods


def bernoulli_mixture_nll(
    n_components: int = MIXTURE_COMPONENTS, seed: int = 0, n_iter: int = 200, alpha: float = 1.0
) -> tuple[float, float]:
    r"""Held-out negative log-likelihood (nats per image) of a mixture of Bernoulli products.

    The likelihood yardstick for the models of the ``"binary"`` digits that have one (MADE
    exactly, the RBM through annealed importance sampling):

    .. math::

        p(\mathbf x) = \sum_{k=1}^{K} \pi_k \prod_{i=1}^{64} \mu_{ki}^{x_i}(1-\mu_{ki})^{1-x_i},

    fitted by expectation-maximisation on the benchmark's binary training images, with a
    Beta(α + 1, α + 1) prior on each :math:`\mu_{ki}` (``alpha`` pseudo-counts per outcome,
    so that no pixel probability is exactly 0 or 1) and responsibilities started at random
    with ``seed``. ``n_components=1`` is the independent-pixel model (a closed form; EM stops
    after one step). Returns ``(mean, standard error)`` of :math:`-\log p` over the 540
    held-out images.
    """
    K = check_int(n_components, "n_components", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    n_iter = check_int(n_iter, "n_iter", minimum=1)
    alpha = float(check_scalar(alpha, "alpha", minimum=0, include_min=False))
    X_tr, X_te = split("binary")[:2]
    rng = np.random.default_rng(seed)
    resp = rng.dirichlet(np.ones(K), size=len(X_tr))
    for _ in range(n_iter):
        nk = resp.sum(axis=0)
        mu = (resp.T @ X_tr + alpha) / (nk[:, None] + 2 * alpha)
        log_pi = np.log(np.maximum(nk, 1e-300) / nk.sum())  # an emptied component gets -inf-like weight
        log_joint = X_tr @ np.log(mu).T + (1 - X_tr) @ np.log1p(-mu).T + log_pi
        log_norm = np.logaddexp.reduce(log_joint, axis=1, keepdims=True)
        new = np.exp(log_joint - log_norm)
        if np.max(np.abs(new - resp)) < 1e-8:
            break
        resp = new
    log_joint = X_te @ np.log(mu).T + (1 - X_te) @ np.log1p(-mu).T + log_pi
    nll = -np.logaddexp.reduce(log_joint, axis=1)
    return float(nll.mean()), float(nll.std(ddof=1) / np.sqrt(len(nll)))
