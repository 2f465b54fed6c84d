r"""Unsupervised structure: clustering, embeddings and learning by confusion.

Used by the chapter "Unsupervised structure and interpretability"
(``chapters/unsupervised.md``). Contents:

* :func:`kmeans_plus_plus` and :func:`kmeans`: Lloyd's algorithm for the k-means objective
  :math:`J = \sum_i \lVert\boldsymbol x_i - \boldsymbol\mu_{c_i}\rVert^2`, seeded by k-means++;
* :func:`em_step`, :func:`gaussian_mixture` and :func:`mixture_log_likelihood`: Gaussian
  mixtures fitted by expectation maximisation (EM);
* :func:`distance_preservation`: how well an embedding keeps the pairwise distances;
* :func:`gauge_fix`, :func:`confusion` and :func:`confusion_peak`: learning by confusion
  (van Nieuwenburg, Liu and Huber, Nat. Phys. 13, 435 (2017)) on Ising configurations
  from :mod:`physml.ising`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp
from scipy.stats import spearmanr

from ._validate import (
    ConvergenceError,
    as_device,
    as_float_array,
    as_rng,
    check_finite_loss,
    check_int,
    check_learning_rate,
    check_same_length,
    check_scalar,
)
from .nn.torch_twin import torch_threads

__all__ = [
    "KMeansResult",
    "kmeans_plus_plus",
    "kmeans",
    "MixtureResult",
    "em_step",
    "mixture_log_likelihood",
    "gaussian_mixture",
    "distance_preservation",
    "gauge_fix",
    "ConfusionResult",
    "confusion",
    "confusion_peak",
]


def _data(X, name: str = "X") -> np.ndarray:
    X = as_float_array(X, name, ndim=2, nonempty=True)
    if X.shape[1] == 0:
        raise ValueError(f"{name} must have at least one feature, got shape {X.shape}")
    return X


def _check_k(k, n: int) -> int:
    return check_int(k, "k", minimum=1, maximum=n)


# --------------------------------------------------------------------------- k-means


@dataclass(frozen=True)
class KMeansResult:
    r"""A k-means fit: ``centers`` (k, p), ``labels`` (n,), the objective ``inertia``
    :math:`J`, its value after every half-step in ``history`` (the first entry is the
    objective of the initial centres with their nearest-centre assignment), and the
    number ``n_iter`` of Lloyd iterations."""

    centers: np.ndarray
    labels: np.ndarray
    inertia: float
    history: np.ndarray
    n_iter: int


def _sq_distances(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Squared distances (n, k) between rows of X and centres, clipped at zero."""
    d2 = (X**2).sum(1)[:, None] - 2.0 * X @ centers.T + (centers**2).sum(1)[None, :]
    return np.maximum(d2, 0.0)


def kmeans_plus_plus(X, k: int, seed) -> np.ndarray:
    r"""k-means++ initial centres (Arthur and Vassilvitskii 2007), shape (k, p).

    The first centre is a data point drawn uniformly; every next one is a data point drawn
    with probability proportional to :math:`D(\boldsymbol x_i)^2`, its squared distance to
    the nearest centre chosen so far. In expectation the initial objective is within a
    factor :math:`8(\ln k + 2)` of the optimum.
    """
    X = _data(X)
    k = _check_k(k, len(X))
    rng = as_rng(seed)
    centers = [X[rng.integers(len(X))]]
    d2 = _sq_distances(X, np.array(centers))[:, 0]
    for _ in range(1, k):
        total = d2.sum()
        p = d2 / total if total > 0 else np.full(len(X), 1.0 / len(X))
        centers.append(X[rng.choice(len(X), p=p)])
        d2 = np.minimum(d2, _sq_distances(X, centers[-1][None, :])[:, 0])
    return np.array(centers)


def _lloyd(X: np.ndarray, centers: np.ndarray, max_iter: int) -> KMeansResult:
    r"""Lloyd's iteration: assign each point to its nearest centre, move each centre to the
    mean of its points; stop when no assignment changes."""
    k = len(centers)
    history = []
    labels = np.argmin(_sq_distances(X, centers), axis=1)
    history.append(float(np.sum((X - centers[labels]) ** 2)))
    for it in range(1, max_iter + 1):
        # update step: each centre moves to the mean of its points (an empty cluster keeps its centre)
        counts = np.bincount(labels, minlength=k)
        sums = np.zeros_like(centers)
        np.add.at(sums, labels, X)
        centers = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], centers)
        history.append(float(np.sum((X - centers[labels]) ** 2)))
        # assignment step: each point to its nearest centre
        new_labels = np.argmin(_sq_distances(X, centers), axis=1)
        history.append(float(np.sum((X - centers[new_labels]) ** 2)))
        if np.array_equal(new_labels, labels):
            return KMeansResult(centers, labels, history[-1], np.array(history), it)
        labels = new_labels
    raise ConvergenceError(f"k-means did not converge in max_iter={max_iter} iterations; raise max_iter")


def kmeans(X, k: int, *, init="k-means++", max_iter: int = 300, seed=0) -> KMeansResult:
    r"""k-means by Lloyd's algorithm: minimise :math:`J(\{c_i\}, \{\boldsymbol\mu_j\}) =
    \sum_{i=0}^{n-1}\lVert\boldsymbol x_i - \boldsymbol\mu_{c_i}\rVert^2`.

    Coordinate descent in two blocks: with the centres fixed, the best assignment is the
    nearest centre, :math:`c_i = \arg\min_j\lVert\boldsymbol x_i-\boldsymbol\mu_j\rVert^2`;
    with the assignments fixed, the best centre is the mean of its points,
    :math:`\boldsymbol\mu_j = \frac1{n_j}\sum_{c_i=j}\boldsymbol x_i`. Neither step can
    raise :math:`J`, so ``history`` never increases, and the iteration stops after
    finitely many steps, when no assignment changes (a local minimum, not always the global
    one). ``init`` is ``"k-means++"`` (:func:`kmeans_plus_plus` with ``seed``) or an array
    of k initial centres. Raises ``physml.ConvergenceError`` after ``max_iter`` iterations.
    """
    X = _data(X)
    k = _check_k(k, len(X))
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    if isinstance(init, str):
        if init != "k-means++":
            raise ValueError(f"init must be 'k-means++' or an array of initial centres, got {init!r}")
        centers = kmeans_plus_plus(X, k, seed)
    else:
        centers = as_float_array(init, "init", ndim=2)
        if centers.shape != (k, X.shape[1]):
            raise ValueError(f"init must have shape ({k}, {X.shape[1]}) (k centres), got {centers.shape}")
        as_rng(seed)
    return _lloyd(X, centers.copy(), max_iter)


# --------------------------------------------------------------------------- Gaussian mixtures


@dataclass(frozen=True)
class MixtureResult:
    r"""A Gaussian mixture: ``weights`` :math:`\pi_j` (k,), ``means`` (k, p), ``covariances``
    (k, p, p), the responsibilities ``resp`` (n, k), the mean log-likelihood per sample
    after every EM step in ``history`` (the first entry at the initial parameters), and
    ``n_iter``."""

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    resp: np.ndarray
    history: np.ndarray
    n_iter: int

    @property
    def log_likelihood(self) -> float:
        """Mean log-likelihood per sample at the fitted parameters."""
        return float(self.history[-1])


def _log_joint(X, weights, means, covariances) -> np.ndarray:
    r""":math:`\ln\pi_j + \ln\mathcal N(\boldsymbol x_i\mid\boldsymbol\mu_j,\boldsymbol\Sigma_j)`,
    shape (n, k)."""
    n, p = X.shape
    out = np.empty((n, len(weights)))
    for j, (w, mu, cov) in enumerate(zip(weights, means, covariances, strict=True)):
        chol = np.linalg.cholesky(cov)
        z = np.linalg.solve(chol, (X - mu).T)  # L^{-1} (x - mu)
        log_det = 2.0 * np.sum(np.log(np.diag(chol)))
        out[:, j] = np.log(w) - 0.5 * (p * np.log(2 * np.pi) + log_det + np.sum(z**2, axis=0))
    return out


def _check_mixture(X, weights, means, covariances):
    weights = as_float_array(weights, "weights", ndim=1, nonempty=True)
    k = len(weights)
    if np.any(weights <= 0) or abs(weights.sum() - 1.0) > 1e-8:
        raise ValueError("weights must be positive and sum to 1")
    means = as_float_array(means, "means", ndim=2)
    if means.shape != (k, X.shape[1]):
        raise ValueError(
            f"means must have shape ({k}, {X.shape[1]}) (one row per weight, the width of X), "
            f"got {means.shape}"
        )
    covariances = as_float_array(covariances, "covariances", ndim=3)
    if covariances.shape != (k, X.shape[1], X.shape[1]):
        raise ValueError(
            f"covariances must have shape ({k}, {X.shape[1]}, {X.shape[1]}), got {covariances.shape}"
        )
    for j, cov in enumerate(covariances):
        if not np.allclose(cov, cov.T) or np.linalg.eigvalsh(cov)[0] <= 0:
            raise ValueError(f"covariances[{j}] must be symmetric positive definite")
    return weights, means, covariances


def mixture_log_likelihood(X, weights, means, covariances) -> float:
    r"""Mean log-likelihood per sample of a Gaussian mixture,
    :math:`\frac1n\sum_i\ln\sum_j\pi_j\,\mathcal N(\boldsymbol x_i\mid\boldsymbol\mu_j,\boldsymbol\Sigma_j)`
    (log-sum-exp over the components)."""
    X = _data(X)
    weights, means, covariances = _check_mixture(X, weights, means, covariances)
    return float(np.mean(logsumexp(_log_joint(X, weights, means, covariances), axis=1)))


def _em_step(X, weights, means, covariances, reg_covar: float):
    log_joint = _log_joint(X, weights, means, covariances)
    log_norm = logsumexp(log_joint, axis=1)
    resp = np.exp(log_joint - log_norm[:, None])  # E step: r_ij = P(j | x_i)
    nk = resp.sum(axis=0) + 10 * np.finfo(float).eps
    new_means = resp.T @ X / nk[:, None]  # M step
    new_cov = np.empty_like(covariances)
    for j in range(len(nk)):
        d = X - new_means[j]
        new_cov[j] = (resp[:, j, None] * d).T @ d / nk[j] + reg_covar * np.eye(X.shape[1])
    return nk / len(X), new_means, new_cov, resp, float(np.mean(log_norm))


def em_step(X, weights, means, covariances, reg_covar: float = 0.0):
    r"""One EM step of a Gaussian mixture; returns ``(weights, means, covariances, resp,
    log_likelihood)``, the last being the mean log-likelihood at the *input* parameters.

    E step: responsibilities
    :math:`r_{ij} = \pi_j\mathcal N(\boldsymbol x_i\mid\boldsymbol\mu_j,\boldsymbol\Sigma_j)
    / \sum_l \pi_l\mathcal N(\boldsymbol x_i\mid\boldsymbol\mu_l,\boldsymbol\Sigma_l)`.
    M step, with :math:`n_j = \sum_i r_{ij}`:
    :math:`\pi_j = n_j/n`, :math:`\boldsymbol\mu_j = \sum_i r_{ij}\boldsymbol x_i/n_j`,
    :math:`\boldsymbol\Sigma_j = \sum_i r_{ij}(\boldsymbol x_i-\boldsymbol\mu_j)
    (\boldsymbol x_i-\boldsymbol\mu_j)^T/n_j`
    (+ ``reg_covar`` on the diagonal, as scikit-learn's ``GaussianMixture``). The
    log-likelihood never decreases from one step to the next.
    """
    X = _data(X)
    weights, means, covariances = _check_mixture(X, weights, means, covariances)
    reg_covar = float(check_scalar(reg_covar, "reg_covar", minimum=0.0))
    return _em_step(X, weights, means, covariances, reg_covar)


def gaussian_mixture(
    X, k: int, *, max_iter: int = 500, tol: float = 1e-8, reg_covar: float = 1e-6, seed=0
) -> MixtureResult:
    r"""Fit a k-component Gaussian mixture with full covariances by EM (:func:`em_step`).

    Initialised from k-means (:func:`kmeans` with ``seed``): weights, means and
    covariances of the k-means clusters. Stops when the mean log-likelihood per sample
    rises by less than ``tol``; raises ``physml.ConvergenceError`` after ``max_iter`` steps.
    """
    X = _data(X)
    k = _check_k(k, len(X))
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tol = float(check_scalar(tol, "tol", minimum=0.0))
    reg_covar = float(check_scalar(reg_covar, "reg_covar", minimum=0.0))
    km = kmeans(X, k, seed=seed)
    p = X.shape[1]
    weights = np.bincount(km.labels, minlength=k) / len(X)
    if np.any(weights == 0):
        raise ValueError("k-means left a cluster empty; choose a smaller k")
    means = km.centers.copy()
    covariances = np.stack(
        [
            np.atleast_2d(np.cov(X[km.labels == j].T, bias=True)) + max(reg_covar, 1e-12) * np.eye(p)
            for j in range(k)
        ]
    )
    history = []
    for it in range(1, max_iter + 1):
        weights, means, covariances, resp, ll = _em_step(X, weights, means, covariances, reg_covar)
        check_finite_loss(ll, it, "log-likelihood")
        history.append(ll)
        if it > 1 and history[-1] - history[-2] < tol:
            log_joint = _log_joint(X, weights, means, covariances)
            log_norm = logsumexp(log_joint, axis=1)
            history.append(float(np.mean(log_norm)))
            resp = np.exp(log_joint - log_norm[:, None])
            return MixtureResult(weights, means, covariances, resp, np.array(history), it)
    raise ConvergenceError(f"EM did not converge in max_iter={max_iter} steps; raise max_iter or tol")


# --------------------------------------------------------------------------- embeddings


def distance_preservation(X, Z) -> float:
    r"""Spearman rank correlation between all pairwise distances of the data ``X`` (n, p)
    and of an embedding ``Z`` (n, d): 1 when the embedding keeps the order of every
    distance, small when it keeps only the nearest neighbours (as t-SNE does)."""
    X = _data(X)
    Z = _data(Z, "Z")
    check_same_length(X, "X", Z, "Z")
    if len(X) < 3:
        raise ValueError(f"X must have at least 3 samples, got {len(X)}")
    iu = np.triu_indices(len(X), 1)
    dx = np.sqrt(_sq_distances(X, X)[iu])
    dz = np.sqrt(_sq_distances(Z, Z)[iu])
    if np.ptp(dx) == 0 or np.ptp(dz) == 0:
        raise ValueError("X and Z must not have all pairwise distances equal")
    return float(spearmanr(dx, dz).statistic)


# --------------------------------------------------------------------------- learning by confusion


def gauge_fix(spins) -> np.ndarray:
    r"""Flatten Ising configurations (n, L, L) and flip each so that its magnetisation is
    non-negative: :math:`\tilde{\boldsymbol s} = \boldsymbol s\,\operatorname{sign}(M)`
    (sign(0) = +1). The global flip :math:`\boldsymbol s\to-\boldsymbol s` is a symmetry of
    :math:`H`, so no information about the phase is lost, and a linear classifier can
    tell ordered from disordered configurations."""
    from .ising import _check_spins

    s = _check_spins(spins)
    if s.ndim != 3:
        raise ValueError(f"spins must be a batch (n, L, L), got shape {s.shape}")
    flat = s.reshape(len(s), -1).astype(float)
    sign = np.where(flat.sum(axis=1) < 0, -1.0, 1.0)
    return flat * sign[:, None]


@dataclass(frozen=True)
class ConfusionResult:
    r"""Learning by confusion: for each trial critical temperature ``trial_temperatures[j]``
    the held-out ``accuracy[j]`` (and ``train_accuracy[j]``) of a classifier trained on the
    labels :math:`T < T'_j`; ``weights`` (n_trials, p) are the logistic weights
    (``hidden=0``) or the first-layer weights averaged over the hidden units."""

    trial_temperatures: np.ndarray
    accuracy: np.ndarray
    train_accuracy: np.ndarray
    weights: np.ndarray


def _split(temperatures: np.ndarray, test_fraction: float, rng: np.random.Generator):
    """Indices of a split that keeps the share ``test_fraction`` of every temperature for testing."""
    train, test = [], []
    for T in np.unique(temperatures):
        idx = rng.permutation(np.flatnonzero(temperatures == T))
        n_test = max(1, int(round(test_fraction * len(idx))))
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return np.concatenate(train), np.concatenate(test)


def confusion(
    X,
    temperatures,
    trial_temperatures,
    *,
    hidden: int = 0,
    epochs: int = 300,
    lr: float = 0.05,
    weight_decay: float = 1e-3,
    test_fraction: float = 0.5,
    seed=0,
    device="cpu",
) -> ConfusionResult:
    r"""Learning by confusion (van Nieuwenburg, Liu and Huber 2017), one classifier per trial.

    For every trial temperature :math:`T'_j` the samples ``X`` (n, p) are labelled
    :math:`y_i = [T_i < T'_j]` and a classifier is trained on a share ``1 - test_fraction``
    of every temperature: logistic regression (``hidden=0``) or one hidden tanh layer of
    ``hidden`` units, full-batch Adam for ``epochs`` steps on the mean cross-entropy plus
    ``weight_decay`` :math:`\lVert\boldsymbol W\rVert^2`. All trials train at once as one
    batched model (their parameters do not interact). The held-out accuracy
    :math:`P(T'_j)` is 1 at the ends of the range (one class only) and peaks again where
    :math:`T'_j` is the true transition, where the labels match the structure of the data:
    a W-shaped curve. Torch code on ``device``; ``seed`` fixes the split and the
    initialisation.
    """
    import torch

    X = _data(X)
    temperatures = as_float_array(temperatures, "temperatures", ndim=1)
    check_same_length(X, "X", temperatures, "temperatures")
    trials = as_float_array(trial_temperatures, "trial_temperatures", ndim=1, nonempty=True)
    hidden = check_int(hidden, "hidden", minimum=0)
    epochs = check_int(epochs, "epochs", minimum=1)
    lr = check_learning_rate(lr)
    weight_decay = float(check_scalar(weight_decay, "weight_decay", minimum=0.0))
    test_fraction = float(
        check_scalar(
            test_fraction, "test_fraction", minimum=0.0, maximum=1.0, include_min=False, include_max=False
        )
    )
    rng = as_rng(seed)
    device = as_device(device)
    if np.unique(temperatures).size < 2:
        raise ValueError("temperatures must hold at least two different temperatures")
    train, test = _split(temperatures, test_fraction, rng)
    if len(train) == 0:
        raise ValueError("test_fraction leaves no training samples; lower it")
    gen = torch.Generator().manual_seed(int(rng.integers(2**31)))

    def tensor(a):
        return torch.as_tensor(a, dtype=torch.float32, device=device)

    Xt = tensor(X)
    Y = tensor((temperatures[:, None] < trials[None, :]).astype(np.float32))  # (n, n_trials)
    n_trials, p = len(trials), X.shape[1]
    width = hidden if hidden else 1
    W = (torch.randn(n_trials, p, width, generator=gen) / np.sqrt(p)).to(device).requires_grad_()
    b = torch.zeros(n_trials, 1, width, device=device, requires_grad=True)
    params = [W, b]
    if hidden:
        V = (torch.randn(n_trials, hidden, 1, generator=gen) / np.sqrt(hidden)).to(device).requires_grad_()
        c = torch.zeros(n_trials, 1, 1, device=device, requires_grad=True)
        params += [V, c]

    def logits(x):  # (n, p) -> (n, n_trials)
        if not hidden:
            return x @ W[..., 0].T + b[:, 0, 0]
        h = torch.tanh(torch.einsum("np,tph->tnh", x, W) + b)
        return (h @ V + c)[..., 0].T

    with torch_threads(1, "num_threads"):  # one thread: fastest for these small products
        optimizer = torch.optim.Adam(params, lr=lr)
        tr = torch.as_tensor(train, device=device)
        loss_fn = torch.nn.functional.binary_cross_entropy_with_logits
        for step in range(epochs):
            optimizer.zero_grad()
            # the sum over trials of each trial's mean loss: independent problems, one backward pass
            loss = loss_fn(logits(Xt[tr]), Y[tr], reduction="mean") * n_trials + weight_decay * (W**2).sum()
            loss.backward()
            if step % 50 == 0 or step == epochs - 1:
                check_finite_loss(float(loss.detach()), step)
            optimizer.step()
    with torch.no_grad():
        correct = ((logits(Xt) > 0).float() == Y).float().cpu().numpy()
    return ConfusionResult(
        trials,
        correct[test].mean(axis=0),
        correct[train].mean(axis=0),
        W.detach().cpu().numpy()[..., 0] if not hidden else W.detach().cpu().numpy().mean(axis=2),
    )


def confusion_peak(trial_temperatures, accuracy) -> float:
    r"""The middle peak of a W-shaped confusion curve, refined by a parabola.

    The peak is the trial :math:`j` of largest *prominence*,
    :math:`P_j - \max(\min_{i<j} P_i, \min_{i>j} P_i)`: how far it rises above the higher
    of the two dips beside it. The rising edges of the W have a dip on one side only and
    low prominence, so the choice does not depend on where the temperature range ends.
    A parabola through the peak and its two neighbours places it between grid points
    (within the neighbouring interval).
    """
    T = as_float_array(trial_temperatures, "trial_temperatures", ndim=1)
    P = as_float_array(accuracy, "accuracy", ndim=1)
    check_same_length(T, "trial_temperatures", P, "accuracy")
    if len(T) < 3:
        raise ValueError(f"trial_temperatures must hold at least 3 trials, got {len(T)}")
    if np.any(np.diff(T) <= 0):
        raise ValueError("trial_temperatures must be strictly increasing")
    left = np.minimum.accumulate(P)
    right = np.minimum.accumulate(P[::-1])[::-1]
    prominence = np.full(len(P), -np.inf)
    prominence[1:-1] = P[1:-1] - np.maximum(left[:-2], right[2:])
    j = int(np.argmax(prominence))
    t0, t1, t2 = T[j - 1 : j + 2]
    p0, p1, p2 = P[j - 1 : j + 2]
    denom = (t0 - t1) * (t0 - t2) * (t1 - t2)
    a = (t2 * (p1 - p0) + t1 * (p0 - p2) + t0 * (p2 - p1)) / denom
    bcoef = (t2**2 * (p0 - p1) + t1**2 * (p2 - p0) + t0**2 * (p1 - p2)) / denom
    if a >= 0:  # no maximum: keep the grid point
        return float(t1)
    return float(np.clip(-bcoef / (2 * a), t0, t2))
