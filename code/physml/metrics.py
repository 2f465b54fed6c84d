r"""How generated samples are judged: KL divergence, MMD, a judge classifier.

Used by the chapter "What generative modelling is" (``chapters/generative.md``) and by
the later generative chapters (Boltzmann machines, VAEs, GANs, diffusion). Every
sampled metric comes with a standard error, so that "the model is as good as the
data" can be stated as "consistent within the error bar":

* :func:`kl_gaussians`: closed-form Kullback–Leibler divergence of two Gaussians;
* :func:`kl_monte_carlo`: :math:`D_{KL}(p\|q)` from samples of :math:`p`, with error;
* :func:`mmd2`: squared maximum mean discrepancy with a Gaussian kernel and its error;
* :func:`mmd2_baseline`: MMD² between two random halves of held-out data, the value a
  perfect model would reach with samples of that size;
* :func:`gaussian_mmd2`: the population MMD² of two Gaussians :math:`N(\mu_1, s^2 I)`,
  :math:`N(\mu_2, s^2 I)`, to test :func:`mmd2` against;
* :func:`judge_classifier`: a support-vector classifier trained on real handwritten
  digits (``sklearn.datasets.load_digits``) that reports which digits generated images
  look like.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from ._validate import as_float_array, as_rng, check_int, check_scalar


@dataclass(frozen=True)
class Estimate:
    """A sampled quantity with its standard error."""

    value: float
    error: float

    def __iter__(self):  # value, error = estimate
        return iter((self.value, self.error))


def _reject_complex(x, name: str) -> None:
    try:
        is_complex = np.iscomplexobj(np.asarray(x))
    except (TypeError, ValueError):
        return  # not an array: as_float_array says what is wrong
    if is_complex:
        raise TypeError(f"{name} must be real, got complex values")


def _as_samples(x, name: str, min_rows: int = 2) -> np.ndarray:
    """Samples as an (n, d) float array: 1D input is n samples of one variable; images are flattened."""
    _reject_complex(x, name)
    arr = as_float_array(x, name)
    if arr.ndim == 0:
        raise ValueError(f"{name} must be an array of samples, got a scalar")
    if arr.shape[0] < min_rows:
        raise ValueError(f"{name} must hold at least {min_rows} samples, got {arr.shape[0]}")
    arr = arr.reshape(len(arr), -1) if arr.ndim != 1 else arr[:, None]
    if arr.shape[0] < min_rows:
        raise ValueError(f"{name} must hold at least {min_rows} samples, got {arr.shape[0]}")
    if arr.shape[1] == 0:
        raise ValueError(f"{name} must have at least one feature, got shape {arr.shape}")
    return arr


# --------------------------------------------------------------------------- KL divergence


def _as_gaussian(mu, cov, name: str) -> tuple[np.ndarray, np.ndarray]:
    _reject_complex(mu, f"mu{name}")
    _reject_complex(cov, f"cov{name}")
    m = np.atleast_1d(as_float_array(mu, f"mu{name}", ndim=(0, 1)))
    c = as_float_array(cov, f"cov{name}", ndim=(0, 1, 2))
    if c.ndim == 0:
        c = c * np.eye(m.size)  # a scalar variance: isotropic
    elif c.ndim == 1:
        c = np.diag(c)  # variances of independent components
    if c.shape != (m.size, m.size):
        raise ValueError(f"cov{name} must be {m.size} x {m.size} to match mu{name}, got shape {c.shape}")
    if not np.allclose(c, c.T):
        raise ValueError(f"cov{name} must be symmetric")
    try:
        np.linalg.cholesky(c)
    except np.linalg.LinAlgError:
        raise ValueError(f"cov{name} must be positive definite") from None
    return m, c


def kl_gaussians(mu0, cov0, mu1, cov1) -> float:
    r"""Kullback–Leibler divergence :math:`D_{KL}(\mathcal N_0 \| \mathcal N_1)` of two Gaussians.

    .. math::

        D_{KL} = \frac12\left[\operatorname{tr}(\Sigma_1^{-1}\Sigma_0)
        + (\mu_1 - \mu_0)^T\Sigma_1^{-1}(\mu_1 - \mu_0) - d
        + \ln\frac{\det\Sigma_1}{\det\Sigma_0}\right].

    ``mu`` is a scalar or a vector of length ``d``; ``cov`` a covariance matrix, a vector
    of variances, or one variance for every component.
    """
    m0, c0 = _as_gaussian(mu0, cov0, "0")
    m1, c1 = _as_gaussian(mu1, cov1, "1")
    if m0.size != m1.size:
        raise ValueError(f"mu0 and mu1 must have the same dimension, got {m0.size} and {m1.size}")
    diff = m1 - m0
    trace = np.trace(np.linalg.solve(c1, c0))
    mahalanobis = diff @ np.linalg.solve(c1, diff)
    logdet = np.linalg.slogdet(c1)[1] - np.linalg.slogdet(c0)[1]
    return float(0.5 * (trace + mahalanobis - m0.size + logdet))


def kl_monte_carlo(log_p, log_q) -> Estimate:
    r"""Monte Carlo estimate of :math:`D_{KL}(p\|q) = \mathbb E_{x\sim p}[\ln p(x) - \ln q(x)]`.

    ``log_p[i]`` and ``log_q[i]`` are the two log-densities at the same independent
    samples :math:`x_i \sim p`. The estimate is the mean of the differences, its error the
    standard error :math:`\hat\sigma/\sqrt n` of that mean.
    """
    _reject_complex(log_p, "log_p")
    _reject_complex(log_q, "log_q")
    lp = as_float_array(log_p, "log_p", ndim=1)
    lq = as_float_array(log_q, "log_q", ndim=1)
    if lp.shape != lq.shape:
        raise ValueError(f"log_p and log_q must have the same length, got {lp.size} and {lq.size}")
    if lp.size < 2:
        raise ValueError(f"log_p must hold at least 2 samples, got {lp.size}")
    d = lp - lq
    return Estimate(float(d.mean()), float(d.std(ddof=1) / math.sqrt(d.size)))


# --------------------------------------------------------------------------- MMD


@dataclass(frozen=True)
class MMDResult:
    """Squared maximum mean discrepancy, its standard error and the kernel bandwidth used."""

    value: float
    error: float
    bandwidth: float
    unbiased: bool
    n_x: int
    n_y: int

    def __iter__(self):  # value, error = mmd2(...)
        return iter((self.value, self.error))


MEDIAN_MAX_POINTS = 2000
"""The median heuristic uses at most this many points (evenly spaced, no randomness)."""


def median_bandwidth(x) -> float:
    r"""Median heuristic: the median distance :math:`\|x_i - x_j\|` over pairs :math:`i < j`.

    For more than ``MEDIAN_MAX_POINTS`` samples, evenly spaced ones are used. To compare
    several models fairly, compute the bandwidth once (from held-out data) and pass it
    to every :func:`mmd2` call.
    """
    x = _as_samples(x, "x")
    if len(x) > MEDIAN_MAX_POINTS:
        x = x[np.linspace(0, len(x) - 1, MEDIAN_MAX_POINTS).astype(int)]
    d2, scale = _scaled_squared_distances(x, x)
    h = scale * float(np.sqrt(np.median(d2[np.triu_indices(len(x), k=1)])))
    if h == 0:
        raise ValueError("x: the median distance between samples is 0 (too many identical samples)")
    if not math.isfinite(h):
        raise ValueError(f"x: the median distance between samples overflows (entries up to {scale:.3g})")
    return h


def _squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d2 = np.sum(a**2, axis=1)[:, None] + np.sum(b**2, axis=1)[None, :] - 2 * a @ b.T
    return np.maximum(d2, 0.0)


#: Samples with entries beyond 1e100 (or all below 1e-100) are divided by their largest |entry|
#: before squaring: their squares would overflow (or underflow) otherwise.
_UNSCALED = (1e-100, 1e100)


def _scaled_squared_distances(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, float]:
    """Squared distances of ``a / s`` and ``b / s`` and the scale ``s`` (1 for ordinary values):
    the distances themselves are ``s * sqrt(d2)``."""
    largest = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))))
    s = largest if largest > 0 and not _UNSCALED[0] <= largest <= _UNSCALED[1] else 1.0
    return _squared_distances(a / s, b / s), s


def gaussian_kernel(a, b, bandwidth: float) -> np.ndarray:
    r"""Kernel matrix :math:`k(a_i, b_j) = \exp\left(-\|a_i - b_j\|^2 / (2h^2)\right)`."""
    h = float(check_scalar(bandwidth, "bandwidth", minimum=0, include_min=False))
    a, b = _as_samples(a, "a", 1), _as_samples(b, "b", 1)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"a and b must have the same number of features, got {a.shape[1]} and {b.shape[1]}")
    d2, s = _scaled_squared_distances(a, b)
    # (distance / h)^2 from the distance, not d2 / h^2: h^2 may overflow or underflow
    with np.errstate(over="ignore"):  # a distance beyond the float range: kernel 0
        return np.exp(-0.5 * (np.sqrt(d2) * s / h) ** 2)


def mmd2(x, y, bandwidth="median", unbiased: bool = True) -> MMDResult:
    r"""Squared maximum mean discrepancy between samples ``x`` (m, d) and ``y`` (n, d).

    With the Gaussian kernel :math:`k` of bandwidth :math:`h` (:func:`gaussian_kernel`),
    the population value :math:`\mathrm{MMD}^2 = \mathbb E\,k(x, x') + \mathbb E\,k(y, y')
    - 2\,\mathbb E\,k(x, y)` is zero if and only if the two distributions are equal. The
    unbiased estimate (a U-statistic) leaves out the diagonal :math:`i = j`,

    .. math::

        \widehat{\mathrm{MMD}}^2_u = \frac{1}{m(m-1)}\sum_{i\ne j}k(x_i, x_j)
        + \frac{1}{n(n-1)}\sum_{i\ne j}k(y_i, y_j) - \frac{2}{mn}\sum_{i,j}k(x_i, y_j),

    and can be negative when the distributions agree; ``unbiased=False`` includes the
    diagonal (divides by :math:`m^2`, :math:`n^2`), which is :math:`\ge 0` but biased up.

    The error is the two-sample delete-one jackknife,
    :math:`\sigma^2 = \frac{m-1}{m}\sum_i(\hat\theta_{-x_i} - \bar\theta_x)^2 +
    \frac{n-1}{n}\sum_j(\hat\theta_{-y_j} - \bar\theta_y)^2`, computed from the kernel
    matrices without refitting. It is consistent when the distributions differ and errs on
    the large side (Efron–Stein) when they agree, where the estimate is degenerate. With
    fewer than three samples in ``x`` or ``y`` (unbiased) there is no jackknife and the
    error is ``nan``.
    ``bandwidth="median"`` takes :func:`median_bandwidth` of the pooled samples.
    """
    x, y = _as_samples(x, "x"), _as_samples(y, "y")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y must have the same number of features, got {x.shape[1]} and {y.shape[1]}")
    if not isinstance(unbiased, bool):
        raise TypeError(f"unbiased must be a bool, got {type(unbiased).__name__}")
    if isinstance(bandwidth, str):
        if bandwidth != "median":
            raise ValueError(f"bandwidth must be a positive number or 'median', got {bandwidth!r}")
        h = median_bandwidth(np.concatenate([x, y]))
    else:
        h = float(check_scalar(bandwidth, "bandwidth", minimum=0, include_min=False))
    kxx, kyy, kxy = gaussian_kernel(x, x, h), gaussian_kernel(y, y, h), gaussian_kernel(x, y, h)
    m, n = len(x), len(y)
    if unbiased and min(m, n) < 3:  # leaving one out would leave a single point: no jackknife
        value = _mmd2_and_leave_one_out(kxx, kyy, kxy, unbiased, jackknife=False)
        return MMDResult(float(value), math.nan, h, unbiased, m, n)
    value, loo_x, loo_y = _mmd2_and_leave_one_out(kxx, kyy, kxy, unbiased)
    var_x = (m - 1) / m * np.sum((loo_x - loo_x.mean()) ** 2)
    var_y = (n - 1) / n * np.sum((loo_y - loo_y.mean()) ** 2)
    return MMDResult(float(value), float(math.sqrt(var_x + var_y)), h, unbiased, m, n)


def _mmd2_and_leave_one_out(kxx, kyy, kxy, unbiased: bool, jackknife: bool = True):
    """MMD² and its values with each x_i (``loo_x``) and each y_j (``loo_y``) left out."""
    m, n = kxy.shape
    dx, dy = np.diag(kxx), np.diag(kyy)
    # with the diagonal left out (unbiased) or kept (biased)
    sxx = kxx.sum() - (dx.sum() if unbiased else 0.0)
    syy = kyy.sum() - (dy.sum() if unbiased else 0.0)
    rx = kxx.sum(axis=1) - dx  # sum over j != i of k(x_i, x_j)
    ry = kyy.sum(axis=1) - dy
    rxy, cxy = kxy.sum(axis=1), kxy.sum(axis=0)
    sxy = kxy.sum()

    def pair_mean(total, size):
        return total / (size * (size - 1)) if unbiased else total / size**2

    value = pair_mean(sxx, m) + pair_mean(syy, n) - 2 * sxy / (m * n)
    if not jackknife:
        return value
    # leaving x_i out removes row and column i of kxx (and k(x_i, x_i) if it was counted)
    sxx_minus = sxx - 2 * rx - (0.0 if unbiased else dx)
    syy_minus = syy - 2 * ry - (0.0 if unbiased else dy)
    loo_x = pair_mean(sxx_minus, m - 1) + pair_mean(syy, n) - 2 * (sxy - rxy) / ((m - 1) * n)
    loo_y = pair_mean(sxx, m) + pair_mean(syy_minus, n - 1) - 2 * (sxy - cxy) / (m * (n - 1))
    return value, loo_x, loo_y


def mmd2_baseline(held_out, seed, bandwidth="median", unbiased: bool = True) -> MMDResult:
    """MMD² between two random halves of ``held_out``: what a perfect model would score.

    A model whose samples are drawn from the data distribution itself gives MMD² values
    that scatter around zero by about this result's ``error``; a model's MMD² against
    held-out data is judged against it. Pass the same ``bandwidth`` as to the model's
    :func:`mmd2` (with ``"median"`` each call picks its own).
    """
    data = _as_samples(held_out, "held_out", min_rows=4)
    rng = as_rng(seed)
    perm = rng.permutation(len(data))
    half = len(data) // 2
    return mmd2(data[perm[:half]], data[perm[half : 2 * half]], bandwidth=bandwidth, unbiased=unbiased)


def gaussian_mmd2(mu1, mu2, s: float, bandwidth: float) -> float:
    r"""Population MMD² of :math:`N(\mu_1, s^2 I_d)` and :math:`N(\mu_2, s^2 I_d)`, Gaussian kernel.

    For independent :math:`x, x'` the difference :math:`x - x'` is
    :math:`N(\mu_a - \mu_b, 2s^2 I_d)`, and
    :math:`\mathbb E \exp(-\|z\|^2/2h^2) = \left(\frac{h^2}{h^2 + 2s^2}\right)^{d/2}
    \exp\left(-\frac{\|\delta\|^2}{2(h^2 + 2s^2)}\right)` for :math:`z \sim N(\delta, 2s^2 I_d)`
    (one Gaussian integral per component). Hence

    .. math::

        \mathrm{MMD}^2 = 2\left(\frac{h^2}{h^2 + 2s^2}\right)^{d/2}
        \left[1 - \exp\left(-\frac{\|\mu_1 - \mu_2\|^2}{2(h^2 + 2s^2)}\right)\right].
    """
    m1 = np.atleast_1d(as_float_array(mu1, "mu1", ndim=(0, 1)))
    m2 = np.atleast_1d(as_float_array(mu2, "mu2", ndim=(0, 1)))
    if m1.shape != m2.shape:
        raise ValueError(f"mu1 and mu2 must have the same dimension, got {m1.size} and {m2.size}")
    s = float(check_scalar(s, "s", minimum=0, include_min=False))
    h = float(check_scalar(bandwidth, "bandwidth", minimum=0, include_min=False))
    # sqrt(v) with v = h^2 + 2 s^2, without squaring h or s (1e300**2 would overflow)
    root_v = math.hypot(h, math.sqrt(2) * s)
    with np.errstate(over="ignore"):  # means beyond the float range apart: exp(-inf) = 0
        delta = float(np.linalg.norm((m1 - m2) / root_v))  # |mu1 - mu2| / sqrt(v)
    return float(2 * (h / root_v) ** m1.size * (1 - math.exp(-0.5 * delta * delta)))


# --------------------------------------------------------------------------- judge classifier

DIGIT_PIXEL_MAX = 16.0
"""Pixel values of ``load_digits`` run from 0 to 16."""


@dataclass(frozen=True)
class JudgeResult:
    """What the judge classifier says about generated digits.

    ``test_accuracy`` is the judge's own accuracy on held-out *real* digits (how far it
    can be trusted). ``counts[c]`` is the number of generated images it assigns to digit
    ``c``; ``coverage`` the fraction of the ten classes that receive at least
    ``min_fraction`` of a uniform share. With intended ``labels`` (a class-conditional
    model), ``accuracy`` is the fraction classified as intended, with binomial error.
    """

    test_accuracy: float
    counts: np.ndarray
    coverage: float
    accuracy: float | None = None
    accuracy_error: float | None = None


@functools.cache
def digits_judge(seed: int = 0):
    """An SVC (RBF kernel) trained on 70 % of ``load_digits``; returns ``(svc, test_accuracy)``.

    Pixels are divided by 16 so that the inputs lie in [0, 1]; ``gamma="scale"``, C = 10.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.svm import SVC

    seed = check_int(seed, "seed", minimum=0)
    digits = load_digits()
    X = digits.data / DIGIT_PIXEL_MAX
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, digits.target, test_size=0.3, random_state=seed, stratify=digits.target
    )
    svc = SVC(C=10.0, gamma="scale").fit(X_tr, y_tr)
    return svc, float(svc.score(X_te, y_te))


def judge_classifier(generated, labels=None, *, seed: int = 0, min_fraction: float = 0.1) -> JudgeResult:
    """Classify generated 8x8 digit images with :func:`digits_judge`.

    ``generated`` has shape (n, 64) or (n, 8, 8) in the pixel units of ``load_digits``
    (0 to 16); values outside are clipped. ``labels`` (optional, n integers 0-9) are the
    classes the images were generated for. A class is *covered* when it receives at least
    ``min_fraction * n / 10`` of the images.
    """
    x = _as_samples(generated, "generated", min_rows=1)
    if x.shape[1] != 64:
        raise ValueError(f"generated must hold 8x8 = 64 pixels per image, got {x.shape[1]}")
    seed = check_int(seed, "seed", minimum=0)
    min_fraction = float(check_scalar(min_fraction, "min_fraction", minimum=0, maximum=1))
    svc, test_accuracy = digits_judge(seed)
    predicted = svc.predict(np.clip(x, 0.0, DIGIT_PIXEL_MAX) / DIGIT_PIXEL_MAX)
    counts = np.bincount(predicted, minlength=10)
    coverage = float(np.mean(counts >= min_fraction * len(x) / 10))
    if labels is None:
        return JudgeResult(test_accuracy, counts, coverage)
    y = as_float_array(labels, "labels", ndim=1)
    if y.shape[0] != len(x):
        raise ValueError(f"labels must have one entry per image, got {y.shape[0]} for {len(x)} images")
    if not np.all((y == np.round(y)) & (y >= 0) & (y <= 9)):
        raise ValueError("labels must be integers from 0 to 9")
    p = float(np.mean(predicted == y))
    return JudgeResult(test_accuracy, counts, coverage, p, math.sqrt(p * (1 - p) / len(x)))
