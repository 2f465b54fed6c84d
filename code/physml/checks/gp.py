"""Reference checks of "Gaussian processes and kernel regression", and the studies the chapter shows.

* a toy data set, a damped oscillation measured at ``N_TOY`` random times with Gaussian
  noise, on which physml's GP is compared with scikit-learn's ``GaussianProcessRegressor``
  (same kernel and hyperparameters: predictions, standard deviations, log marginal
  likelihood and its gradient; and the optimised hyperparameters);
* an emulator of the period of a pendulum as a function of its amplitude,
  T / T_0 = (2 / pi) K(sin^2(theta_0 / 2)) with the complete elliptic integral K, learned
  from ``N_EMULATOR`` evaluations; the coverage of its 95 % band on fresh test amplitudes,
  averaged over independent training designs, is checked against 0.95.

``short=True`` uses fewer training designs and test points (unit tests).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import scipy.special
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF as SkRBF
from sklearn.gaussian_process.kernels import ConstantKernel, WhiteKernel
from threadpoolctl import threadpool_limits

from .. import gp
from ..validation import reference_check

SEED = 2026

# --- toy data: a damped oscillation
N_TOY = 20
TOY_NOISE = 0.1
TOY_RANGE = (0.0, 10.0)
N_STARTS = 5

# --- pendulum emulator
AMPLITUDE_RANGE = (0.0, 2.8)  # radians; the period diverges at pi
N_EMULATOR = 12
EMULATOR_NOISE = 1e-3  # known "simulation" noise of each training evaluation, relative to T_0
EMULATOR_VARIANTS = ("warped", "matern52", "rbf")  # the first is the checked emulator
N_DESIGNS = {False: 100, True: 10}
N_TEST = {False: 200, True: 50}
Z95 = 1.959963984540054  # 97.5 % quantile of the standard normal
COVERAGE_ALLOWANCE = 0.02  # systematic allowance: plug-in hyperparameters from 12 points (see the chapter)


def damped_oscillation(t) -> np.ndarray:
    """The toy truth f(t) = exp(-t / 5) cos(2 t)."""
    t = np.asarray(t, dtype=float)
    return np.exp(-t / 5) * np.cos(2 * t)


@functools.cache
def toy_data():
    """``(t, y)``: ``N_TOY`` sorted random times in ``TOY_RANGE`` and noisy measurements."""
    rng = np.random.default_rng(SEED)
    t = np.sort(rng.uniform(*TOY_RANGE, N_TOY))
    return t, damped_oscillation(t) + TOY_NOISE * rng.standard_normal(N_TOY)


@functools.cache
def toy_fit(kernel_name: str = "rbf") -> gp.HyperparameterFit:
    """Our maximum-marginal-likelihood fit on the toy data (kernel ``"rbf"`` or ``"matern52"``)."""
    t, y = toy_data()
    kernel = gp.RBF() if kernel_name == "rbf" else gp.Matern(nu=2.5)
    with threadpool_limits(limits=1, user_api="blas"):
        return gp.fit_hyperparameters(kernel, t, y, n_starts=N_STARTS, seed=SEED)


@functools.cache
def sklearn_comparison() -> dict:
    """Differences between physml and scikit-learn at the fitted hyperparameters of both kernels.

    Keys ``mean``, ``std``, ``lml`` and ``grad`` hold the largest absolute difference over
    the two kernels and a grid of 200 test times.
    """
    t, y = toy_data()
    t_star = np.linspace(*TOY_RANGE, 200)
    out = {"mean": 0.0, "std": 0.0, "lml": 0.0, "grad": 0.0}
    for name in ("rbf", "matern52"):
        model = toy_fit(name).gp
        mean, std = model.predict(t_star)
        sk_kernel = model.kernel.to_sklearn()
        sk = GaussianProcessRegressor(sk_kernel, alpha=model.noise, optimizer=None).fit(t[:, None], y)
        sk_mean, sk_std = sk.predict(t_star[:, None], return_std=True)
        # the gradient: scikit-learn differentiates with respect to its free log-hyperparameters
        free = ConstantKernel(model.kernel.variance) * type(sk_kernel.k2)(
            model.kernel.length_scale, **({"nu": model.kernel.nu} if name != "rbf" else {})
        )
        sk_free = GaussianProcessRegressor(free, alpha=model.noise, optimizer=None).fit(t[:, None], y)
        _, sk_grad = sk_free.log_marginal_likelihood(free.theta, eval_gradient=True)
        _, grad = gp.log_marginal_likelihood(model.kernel, model.noise, t, y, gradient=True)
        out["mean"] = max(out["mean"], float(np.max(np.abs(mean - sk_mean))))
        out["std"] = max(out["std"], float(np.max(np.abs(std - sk_std))))
        out["lml"] = max(out["lml"], abs(model.log_marginal_likelihood() - sk.log_marginal_likelihood_value_))
        out["grad"] = max(out["grad"], float(np.max(np.abs(grad[:2] - sk_grad))))
    return out


@functools.cache
def sklearn_optimum() -> tuple[float, float]:
    """Maximised log marginal likelihood of the RBF model: ours and scikit-learn's own optimiser.

    scikit-learn fits ``ConstantKernel * RBF + WhiteKernel`` (the white kernel's level is
    our noise variance) with ``N_STARTS - 1`` restarts.
    """
    t, y = toy_data()
    kernel = ConstantKernel(1.0, (np.exp(-5), np.exp(5))) * SkRBF(1.0, (np.exp(-5), np.exp(5))) + WhiteKernel(
        1e-2, (np.exp(-18), np.exp(2))
    )
    with threadpool_limits(limits=1, user_api="blas"):
        sk = GaussianProcessRegressor(kernel, n_restarts_optimizer=N_STARTS - 1, random_state=SEED).fit(
            t[:, None], y
        )
    return toy_fit("rbf").log_marginal_likelihood, float(sk.log_marginal_likelihood_value_)


# --------------------------------------------------------------------------- pendulum emulator


def pendulum_period(amplitude) -> np.ndarray:
    r"""Period of a pendulum relative to its small-amplitude value,
    :math:`T/T_0 = \frac{2}{\pi} K\left(\sin^2\frac{\theta_0}{2}\right)` (``scipy.special.ellipk``)."""
    amplitude = np.asarray(amplitude, dtype=float)
    return 2 / np.pi * scipy.special.ellipk(np.sin(amplitude / 2) ** 2)


def emulator_design(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One training design: one random amplitude in each of ``N_EMULATOR`` equal strata, and noisy periods."""
    lo, hi = AMPLITUDE_RANGE
    edges = np.linspace(lo, hi, N_EMULATOR + 1)
    theta = rng.uniform(edges[:-1], edges[1:])
    return theta, pendulum_period(theta) + EMULATOR_NOISE * rng.standard_normal(N_EMULATOR)


def warp(theta) -> np.ndarray:
    r"""The input of the warped emulator, :math:`u = -\ln(\pi - \theta_0)`.

    Near :math:`\theta_0 = \pi`, :math:`K(m) \approx \ln(4/\sqrt{1-m})` and
    :math:`\sqrt{1-m} = \cos(\theta_0/2) \approx (\pi - \theta_0)/2`, so the period grows
    like :math:`u` itself: in :math:`u` the function has no singularity left.
    """
    return -np.log(np.pi - np.asarray(theta, dtype=float))


@dataclass(frozen=True)
class Emulator:
    """A fitted GP emulator of T / T_0 (``variant``: ``"warped"``, ``"matern52"`` or ``"rbf"``)."""

    gp: gp.GaussianProcess
    offset: float
    variant: str

    def _inputs(self, theta):
        return warp(theta) if self.variant == "warped" else np.asarray(theta, dtype=float)

    def predict(self, theta) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation of T / T_0 at the amplitudes ``theta``."""
        mean, std = self.gp.predict(self._inputs(theta))
        return mean + self.offset, std


def fit_emulator(theta, T, variant: str = "warped") -> Emulator:
    """GP emulator of T / T_0 on the periods minus their mean: kernel variance and length
    scale fitted, noise variance fixed at the known simulation noise ``EMULATOR_NOISE**2``.

    ``"matern52"`` and ``"rbf"`` use the amplitude as input, ``"warped"`` a Matérn 5/2
    kernel on :func:`warp` of it.
    """
    if variant not in EMULATOR_VARIANTS:
        raise ValueError(f"variant must be one of {EMULATOR_VARIANTS}, got {variant!r}")
    kernel = gp.RBF() if variant == "rbf" else gp.Matern(nu=2.5)
    x = warp(theta) if variant == "warped" else theta
    model = gp.fit_hyperparameters(kernel, x, T - T.mean(), noise=EMULATOR_NOISE**2, n_starts=3, seed=SEED).gp
    return Emulator(model, float(T.mean()), variant)


def emulator_study(short: bool = False, variant: str = "warped") -> dict:
    """Coverage study of one emulator variant (cached in ``_emulator_study``)."""
    return _emulator_study(bool(short), variant)


@functools.cache
def _emulator_study(short: bool, variant: str) -> dict:
    """Coverage of the emulator's 95 % band on fresh test amplitudes, over independent designs.

    Each design is fitted on its own, and its band is judged on ``N_TEST`` new amplitudes
    drawn uniformly. Test points of one design share that design's errors, so the error
    bar comes from the spread of the per-design coverages (designs are independent), not
    from the binomial formula, which is also returned for comparison.
    """
    rng = np.random.default_rng(SEED + 1)  # the same designs and test points for every kernel
    n_designs, n_test = N_DESIGNS[short], N_TEST[short]
    coverages, widths = [], []
    with threadpool_limits(limits=1, user_api="blas"):
        for _ in range(n_designs):
            theta, T = emulator_design(rng)
            model = fit_emulator(theta, T, variant)
            theta_test = rng.uniform(*AMPLITUDE_RANGE, n_test)
            mean, std = model.predict(theta_test)
            error = np.abs(mean - pendulum_period(theta_test))
            coverages.append(np.mean(error <= Z95 * std))
            widths.append(np.mean(2 * Z95 * std))
    coverages = np.asarray(coverages)
    p = float(coverages.mean())
    return {
        "coverage": p,
        "error": float(coverages.std(ddof=1) / math.sqrt(n_designs)),
        "binomial_error": math.sqrt(p * (1 - p) / (n_designs * n_test)),
        "per_design": coverages,
        "mean_width": float(np.mean(widths)),
        "n_designs": n_designs,
        "n_test": n_test,
    }


# --------------------------------------------------------------------------- checks


@reference_check(
    "gp.predict-sklearn",
    chapter="gp",
    description="Posterior mean and standard deviation equal scikit-learn's "
    "(RBF and Matérn 5/2, same hyperparameters)",
    reference_source="sklearn.gaussian_process.GaussianProcessRegressor(optimizer=None), largest difference",
    kind="abs",
    tolerance=1e-8,
    glued=("gp-diff-pred",),
)
def _predict_sklearn():
    d = sklearn_comparison()
    return max(d["mean"], d["std"]), 0.0


@reference_check(
    "gp.lml-sklearn",
    chapter="gp",
    description="Log marginal likelihood equals scikit-learn's (RBF and Matérn 5/2)",
    reference_source="GaussianProcessRegressor.log_marginal_likelihood_value_, largest difference",
    kind="abs",
    tolerance=1e-8,
    glued=("gp-diff-lml",),
)
def _lml_sklearn():
    return sklearn_comparison()["lml"], 0.0


@reference_check(
    "gp.grad-sklearn",
    chapter="gp",
    description="Gradient of the log marginal likelihood w.r.t. ln(variance), ln(length scale) "
    "equals scikit-learn's",
    reference_source="GaussianProcessRegressor.log_marginal_likelihood(theta, eval_gradient=True)",
    kind="abs",
    tolerance=1e-8,
    glued=("gp-diff-grad",),
)
def _grad_sklearn():
    return sklearn_comparison()["grad"], 0.0


@reference_check(
    "gp.optimum-sklearn",
    chapter="gp",
    description="Maximised log marginal likelihood (RBF, fitted noise) is not below "
    "scikit-learn's optimiser's",
    reference_source="GaussianProcessRegressor(ConstantKernel * RBF + WhiteKernel, n_restarts_optimizer=4) "
    "minus 1e-6",
    kind="at_least",
    glued=("gp-lml-ours",),
)
def _optimum_sklearn():
    ours, theirs = sklearn_optimum()
    return ours, theirs - 1e-6


@reference_check(
    "gp.emulator-coverage",
    chapter="gp",
    description="Coverage of the warped pendulum emulator's 95 % band on fresh amplitudes",
    reference_source="nominal 0.95; error from the spread over independent designs (100 designs x 200 "
    "amplitudes; short: 10 x 50), allowance 0.02 for plug-in hyperparameters fitted to 12 points",
    kind="stat",
    k=3.0,
    systematic=COVERAGE_ALLOWANCE,
    glued=("gp-coverage",),
)
def _coverage(short: bool):
    s = emulator_study(short)
    return s["coverage"], s["error"], 0.95
