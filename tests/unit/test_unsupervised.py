"""Tests of physml.unsupervised (clustering, embeddings, confusion) and physml.interpret."""

import numpy as np
import pytest
import torch
from scipy.stats import multivariate_normal
from sklearn.cluster import KMeans

from physml import ConvergenceError, interpret, ising, unsupervised


def _blobs(seed=0, n=60):
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    return np.concatenate([c + rng.normal(size=(n, 2)) for c in centres])


# --------------------------------------------------------------------------- k-means


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kmeans_objective_never_rises(seed):
    X = np.random.default_rng(seed).normal(size=(200, 3))  # no clusters: many Lloyd steps
    fit = unsupervised.kmeans(X, 5, seed=seed)
    assert np.all(np.diff(fit.history) <= 1e-12 * fit.history[0])
    assert fit.inertia == pytest.approx(np.sum((X - fit.centers[fit.labels]) ** 2))


def test_kmeans_matches_sklearn_from_the_same_start():
    X = _blobs()
    init = unsupervised.kmeans_plus_plus(X, 3, seed=4)
    ours = unsupervised.kmeans(X, 3, init=init)
    sk = KMeans(3, init=init, n_init=1, algorithm="lloyd", tol=0.0).fit(X)
    np.testing.assert_allclose(ours.centers, sk.cluster_centers_, atol=1e-12)
    np.testing.assert_array_equal(ours.labels, sk.labels_)


def test_kmeans_plus_plus_picks_distinct_data_points():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [50.0, 0.0], [0.0, 50.0]])
    X = np.concatenate([c + rng.normal(size=(60, 2)) for c in centres])
    c = unsupervised.kmeans_plus_plus(X, 3, seed=0)
    assert all(np.any(np.all(X == ci, axis=1)) for ci in c)
    # far-apart blobs: D^2 sampling puts one centre in each blob (with overwhelming probability)
    blob = np.argmin(np.linalg.norm(c[:, None, :] - centres[None], axis=2), axis=1)
    assert len(set(blob.tolist())) == 3


def test_kmeans_max_iter_raises():
    X = np.random.default_rng(0).normal(size=(300, 2))
    with pytest.raises(ConvergenceError):
        unsupervised.kmeans(X, 8, max_iter=1, seed=0)


# --------------------------------------------------------------------------- Gaussian mixtures


def test_em_log_likelihood_never_falls_and_one_component_is_the_mle():
    X = _blobs(1)
    fit = unsupervised.gaussian_mixture(X, 3, seed=0)
    assert np.all(np.diff(fit.history) >= -1e-12)
    one = unsupervised.gaussian_mixture(X, 1, reg_covar=0.0, seed=0)
    mle = np.mean(multivariate_normal(X.mean(0), np.cov(X.T, bias=True)).logpdf(X))
    assert one.log_likelihood == pytest.approx(mle, abs=1e-10)
    assert fit.log_likelihood > one.log_likelihood


def test_mixture_log_likelihood_against_scipy():
    X = _blobs(2)
    w = np.array([0.2, 0.8])
    mu = np.array([[0.0, 0.0], [1.0, 2.0]])
    cov = np.array([[[1.0, 0.3], [0.3, 2.0]], [[3.0, 0.0], [0.0, 1.0]]])
    ref = np.mean(np.log(sum(w[j] * multivariate_normal(mu[j], cov[j]).pdf(X) for j in range(2))))
    assert unsupervised.mixture_log_likelihood(X, w, mu, cov) == pytest.approx(ref, abs=1e-12)


# --------------------------------------------------------------------------- embeddings, gauge


def test_distance_preservation_of_a_rotation_is_one():
    X = _blobs(3)
    R = np.array([[0.0, -1.0], [1.0, 0.0]])
    assert unsupervised.distance_preservation(X, 2.0 * X @ R) == pytest.approx(1.0)


def test_gauge_fix_is_flip_invariant_and_nonnegative():
    s = ising.sample(6, [1.5, 3.5], 10, seed=0).spins
    g = unsupervised.gauge_fix(s)
    assert np.all(g.sum(axis=1) >= 0)
    flipped = unsupervised.gauge_fix(-s)
    nonzero = g.sum(axis=1) != 0
    np.testing.assert_array_equal(g[nonzero], flipped[nonzero])


# --------------------------------------------------------------------------- confusion


def test_confusion_peak_finds_the_middle_of_a_w_not_the_range():
    T = np.linspace(0.5, 6.0, 23)
    tc = 2.0
    # a W: edges at 1, dips below and above tc, the middle peak at tc; the range is asymmetric about tc
    P = 1 - 0.3 * np.exp(-((T - (tc - 0.8)) ** 2) / 0.1) - 0.3 * np.exp(-((T - (tc + 1.2)) ** 2) / 0.3)
    est = unsupervised.confusion_peak(T, P)
    assert abs(est - tc) <= T[1] - T[0]
    assert abs(est - 0.5 * (T[0] + T[-1])) > 1.0


def test_confusion_locates_a_sharp_boundary():
    rng = np.random.default_rng(0)
    temps = np.repeat(np.linspace(1.0, 5.0, 9), 40)
    x = (temps < 2.2).astype(float)[:, None] + 0.1 * rng.normal(size=(len(temps), 1))  # a step at 2.2
    trials = 0.5 * (np.unique(temps)[1:] + np.unique(temps)[:-1])
    res = unsupervised.confusion(x, temps, trials, hidden=0, epochs=200, lr=0.1, seed=0)
    assert res.accuracy[np.argmin(np.abs(trials - 2.25))] > 0.97
    assert abs(unsupervised.confusion_peak(trials, res.accuracy) - 2.25) <= 0.5


# --------------------------------------------------------------------------- attributions


def test_quadrature_integrates_polynomials():
    for method, degree in (("gausslegendre", 7), ("riemann_trapezoid", 1), ("riemann_middle", 1)):
        a, w = interpret.path_quadrature(4, method)
        assert w.sum() == pytest.approx(1.0)
        for p in range(degree + 1):
            assert np.sum(w * a**p) == pytest.approx(1.0 / (p + 1), abs=1e-12)


def _linear(p=4, seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(p, 1)).double()


def test_integrated_gradients_of_a_linear_model_are_exact():
    model = _linear()
    x = np.random.default_rng(0).normal(size=(3, 2, 2))
    base = np.full_like(x, 0.3)
    ig, delta = interpret.integrated_gradients(model, x, base, target=0, n_steps=2, return_delta=True)
    w = model[1].weight.detach().numpy().reshape(2, 2)
    np.testing.assert_allclose(ig, (x - base) * w, atol=1e-14)
    np.testing.assert_allclose(delta, 0.0, atol=1e-13)
    np.testing.assert_allclose(interpret.saliency(model, x, target=0), np.broadcast_to(np.abs(w), x.shape))


def test_integrated_gradients_and_saliency_match_captum():
    from captum.attr import IntegratedGradients, Saliency

    torch.manual_seed(1)
    model = torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(9, 5), torch.nn.Softplus(), torch.nn.Linear(5, 2)
    ).double()
    x = torch.as_tensor(np.random.default_rng(1).choice([-1.0, 1.0], size=(4, 3, 3)))
    ours = interpret.integrated_gradients(model, x, target=1, n_steps=20)
    ref = IntegratedGradients(model).attribute(x, target=1, n_steps=20, method="gausslegendre").numpy()
    np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-12)
    sal = Saliency(model).attribute(x.clone().requires_grad_(True), target=1).numpy()
    np.testing.assert_allclose(interpret.saliency(model, x, target=1), sal, atol=1e-15)


def test_completeness_converges_with_the_number_of_nodes():
    torch.manual_seed(2)
    model = torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(9, 6), torch.nn.Tanh(), torch.nn.Linear(6, 1)
    ).double()
    x = np.random.default_rng(2).choice([-1.0, 1.0], size=(5, 3, 3))
    _, d4 = interpret.integrated_gradients(model, x, n_steps=4, return_delta=True)
    _, d32 = interpret.integrated_gradients(model, x, n_steps=32, return_delta=True)
    assert np.max(np.abs(d32)) < 1e-10 < np.max(np.abs(d4))


def test_local_energy_sums_to_the_energy():
    s = ising.sample(5, [2.0, 3.0], 4, seed=1).spins
    np.testing.assert_allclose(interpret.local_energy(s).sum(axis=(1, 2)), ising.energy(s))
    assert np.all(interpret.local_energy(np.ones((4, 4))) == -2.0)
