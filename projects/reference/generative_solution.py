"""Reference solution of the generative-models project (instructor material).

An RBM on the 3x3 Ising model trained by exact gradient ascent (the 512 visible states are
enumerated, so the negative phase is exact), sampled by block Gibbs chains; and one RBM per
digit trained by persistent contrastive divergence (PCD-1) on binarised 8x8 digits, sampled
from random starts. Plain NumPy; the conventions are those of the template's solution.py
(x = (1 + s)/2 in {0, 1}, W of shape (9, n_hidden), E(x, h) = -a.x - b.h - x.W.h).
"""

import numpy as np
from scipy.special import expit, logsumexp

from physml.projects import generative as gen

ALL_UNITS = np.array([[(k >> i) & 1 for i in range(9)] for k in range(512)], dtype=float)
"""The 2^9 visible states, one per row."""


def _units(spins: np.ndarray) -> np.ndarray:
    spins = np.asarray(spins, dtype=float)
    return (spins.reshape(spins.shape[0], -1) + 1.0) / 2.0


def _log_unnormalised(W, a, b, x):
    """log sum_h exp(-E(x, h)) = a.x + sum_j log(1 + exp(b_j + (x W)_j)), one per row of x."""
    return x @ a + np.logaddexp(0.0, b + x @ W).sum(axis=1)


def _adam(params, grads, state, lr, t, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step of gradient *ascent* (in place)."""
    for p, g, m, v in zip(params, grads, state["m"], state["v"], strict=True):
        m *= beta1
        m += (1 - beta1) * g
        v *= beta2
        v += (1 - beta2) * g * g
        p += lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)


def train_ising_rbm(spins, n_hidden, seed, steps=800, lr=0.05):
    """Exact gradient ascent on the mean log-likelihood: data averages minus exact model averages."""
    rng = np.random.default_rng(seed)
    x = _units(spins)
    W = 0.01 * rng.standard_normal((9, n_hidden))
    a, b = np.zeros(9), np.zeros(n_hidden)
    state = {"m": [np.zeros_like(p) for p in (W, a, b)], "v": [np.zeros_like(p) for p in (W, a, b)]}
    for t in range(1, steps + 1):
        ph_data = expit(b + x @ W)  # p(h_j = 1 | x) on the data
        log_p = _log_unnormalised(W, a, b, ALL_UNITS)
        p = np.exp(log_p - logsumexp(log_p))  # the model's P(v) over all 512 states
        ph_model = expit(b + ALL_UNITS @ W)
        grads = [
            x.T @ ph_data / len(x) - (ALL_UNITS * p[:, None]).T @ ph_model,
            x.mean(axis=0) - p @ ALL_UNITS,
            ph_data.mean(axis=0) - p @ ph_model,
        ]
        _adam([W, a, b], grads, state, lr, t)
    return W, a, b


def log_likelihood(W, a, b, spins):
    """Exact mean log-likelihood: log Z by enumerating the 512 visible states."""
    log_z = logsumexp(_log_unnormalised(W, a, b, ALL_UNITS))
    return float(np.mean(_log_unnormalised(W, a, b, _units(spins))) - log_z)


def _gibbs(W, a, b, x, n_steps, rng):
    """n_steps of block Gibbs sampling x -> h -> x; returns the last x and p(x | h)."""
    for _ in range(n_steps):
        h = (rng.random((x.shape[0], W.shape[1])) < expit(b + x @ W)).astype(float)
        px = expit(a + h @ W.T)
        x = (rng.random(x.shape) < px).astype(float)
    return x, px


def sample_ising(W, a, b, n_samples, seed, burn_in=200):
    """One independent chain per sample from a random start, burn_in Gibbs steps each."""
    rng = np.random.default_rng(seed)
    start = (rng.random((n_samples, 9)) < 0.5).astype(float)
    x, _ = _gibbs(W, a, b, start, burn_in, rng)
    return (2 * x - 1).reshape(n_samples, 3, 3).astype(np.int8)


def train_pcd(x, n_hidden, epochs, rng, lr=0.05, batch_size=20):
    """PCD-1: the negative phase from persistent chains that carry over from batch to batch."""
    n, m = x.shape
    W = 0.01 * rng.standard_normal((m, n_hidden))
    mean = x.mean(axis=0).clip(0.01, 0.99)
    a, b = np.log(mean / (1 - mean)), np.zeros(n_hidden)  # visible biases at the data's marginals
    chains = x[rng.choice(n, batch_size)].copy()
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            xb = x[order[start : start + batch_size]]
            ph = expit(b + xb @ W)
            chains, _ = _gibbs(W, a, b, chains, 1, rng)
            ph_neg = expit(b + chains @ W)
            W += lr * (xb.T @ ph / len(xb) - chains.T @ ph_neg / len(chains))
            a += lr * (xb.mean(axis=0) - chains.mean(axis=0))
            b += lr * (ph.mean(axis=0) - ph_neg.mean(axis=0))
    return W, a, b


def generate_digits(n_per_class, seed, n_hidden=32, epochs=150, gibbs_steps=1000):
    """One RBM per digit on the binarised digits; each image is 16 p(x | h) after gibbs_steps."""
    rng = np.random.default_rng(seed)
    x, labels = gen.binarised_digits()
    images = []
    for digit in range(10):
        W, a, b = train_pcd(x[labels == digit], n_hidden, epochs, rng)
        start = (rng.random((n_per_class, 64)) < 0.5).astype(float)
        _, px = _gibbs(W, a, b, start, gibbs_steps, rng)
        images.append(16.0 * px)
    return np.concatenate(images), np.repeat(np.arange(10), n_per_class)
