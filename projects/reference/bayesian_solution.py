"""Reference solution of the Bayesian project (instructor material).

GP regression with a Cholesky solve in plain NumPy/SciPy, the hyperparameters by maximising
the log evidence over their logarithms (L-BFGS-B from several starts, analytic gradient),
predictive intervals of new measurements, and a random-walk Metropolis sampler for the
linear model of the signal, with blocking errors (physml.stats.blocking).
"""

import numpy as np
import scipy.linalg
import scipy.optimize
from scipy.stats import norm

from physml import stats
from physml.projects import bayesian as bay


def _kernel(t1, t2, length_scale, signal_variance):
    """k(t, t') = signal_variance exp(-(t - t')^2 / (2 length_scale^2))."""
    return signal_variance * np.exp(-0.5 * (np.subtract.outer(t1, t2) / length_scale) ** 2)


def _factor(t, length_scale, signal_variance, noise_variance):
    K_y = _kernel(t, t, length_scale, signal_variance) + noise_variance * np.eye(len(t))
    return scipy.linalg.cholesky(K_y, lower=True)


def gp_posterior(t_train, y_train, t_test, length_scale, signal_variance, noise_variance):
    """Posterior mean k*^T K_y^{-1} y and standard deviation of the latent f at t_test."""
    L = _factor(t_train, length_scale, signal_variance, noise_variance)
    alpha = scipy.linalg.cho_solve((L, True), y_train)
    k_star = _kernel(t_train, t_test, length_scale, signal_variance)
    v = scipy.linalg.solve_triangular(L, k_star, lower=True)
    var = signal_variance - np.sum(v**2, axis=0)
    return k_star.T @ alpha, np.sqrt(np.clip(var, 0.0, None))


def log_marginal_likelihood(t_train, y_train, length_scale, signal_variance, noise_variance):
    """ln p(y) = -y.alpha/2 - sum_i ln L_ii - (n/2) ln 2 pi."""
    L = _factor(t_train, length_scale, signal_variance, noise_variance)
    alpha = scipy.linalg.cho_solve((L, True), y_train)
    n = len(t_train)
    return float(-0.5 * y_train @ alpha - np.sum(np.log(np.diag(L))) - 0.5 * n * np.log(2 * np.pi))


def _minus_evidence(log_params, t, y, noise_variance):
    """-ln p(y) and its gradient with respect to (ln signal_variance, ln length_scale)."""
    signal_variance, length_scale = np.exp(log_params)
    L = _factor(t, length_scale, signal_variance, noise_variance)
    alpha = scipy.linalg.cho_solve((L, True), y)
    K = _kernel(t, t, length_scale, signal_variance)
    dK = [K, K * (np.subtract.outer(t, t) / length_scale) ** 2]  # dK/d ln var, dK/d ln ell
    inner = np.outer(alpha, alpha) - scipy.linalg.cho_solve((L, True), np.eye(len(t)))
    grad = np.array([0.5 * np.sum(inner * d) for d in dK])
    value = -0.5 * y @ alpha - np.sum(np.log(np.diag(L))) - 0.5 * len(t) * np.log(2 * np.pi)
    return -value, -grad


def fit_hyperparameters(t_train, y_train, noise_variance, starts=((0.0, 0.0), (0.0, -1.5), (0.0, 1.5))):
    """Maximise the log evidence from several starts (ln variance, ln length scale); keep the best."""
    best = None
    for start in starts:
        res = scipy.optimize.minimize(
            _minus_evidence,
            np.array(start),
            args=(t_train, y_train, noise_variance),
            jac=True,
            method="L-BFGS-B",
            options={"gtol": 1e-8},
        )
        if best is None or res.fun < best.fun:
            best = res
    signal_variance, length_scale = np.exp(best.x)
    return float(length_scale), float(signal_variance)


def predictive_interval(t_train, y_train, t_test, noise_variance, level=0.95):
    """mean +- z sd of a new measurement: sd^2 = s^2(t*) + noise_variance, hyperparameters fitted."""
    length_scale, signal_variance = fit_hyperparameters(t_train, y_train, noise_variance)
    mean, std = gp_posterior(t_train, y_train, t_test, length_scale, signal_variance, noise_variance)
    sd = np.sqrt(std**2 + noise_variance)
    z = norm.ppf(0.5 + level / 2)
    return mean - z * sd, mean + z * sd


def _log_posterior(theta, X, y):
    """ln p(theta | y) up to a constant, for each row of theta (n_chains, 2)."""
    residual = y[None, :] - theta @ X.T
    return -0.5 * np.sum(residual**2, axis=1) / bay.SIGMA**2 - 0.5 * np.sum(theta**2, axis=1) / bay.TAU**2


def metropolis(t, y, seed, n_chains=8, n_steps=20000, burn_in=2000, step=0.05):
    """Random-walk Metropolis, all chains at once; returns the chains (n_steps, n_chains, 2)."""
    rng = np.random.default_rng(seed)
    X = bay.design_matrix(t)
    theta = rng.normal(0.0, bay.TAU, size=(n_chains, 2))  # over-dispersed starts from the prior
    log_p = _log_posterior(theta, X, y)
    chains = np.empty((n_steps, n_chains, 2))
    for i in range(burn_in + n_steps):
        proposal = theta + step * rng.standard_normal(theta.shape)
        log_p_new = _log_posterior(proposal, X, y)
        accept = np.log(rng.random(n_chains)) < log_p_new - log_p
        theta[accept], log_p[accept] = proposal[accept], log_p_new[accept]
        if i >= burn_in:
            chains[i - burn_in] = theta
    return chains


def posterior_mcmc(t, y, seed):
    """Posterior means of theta from the chains; error of each mean from the chains' blocking
    errors, sqrt(sum_j e_j^2) / m for m independent chains."""
    chains = metropolis(t, y, seed)
    means = chains.mean(axis=(0, 1))
    m = chains.shape[1]
    errors = np.array(
        [np.sqrt(sum(stats.blocking(chains[:, j, k]).error ** 2 for j in range(m))) / m for k in range(2)]
    )
    return means, errors
