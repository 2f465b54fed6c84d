"""The runs of "Gaussian processes and kernel regression": what the page fits, with its settings in view.

* :func:`toy_run`: maximum-marginal-likelihood fits (RBF and Matérn 5/2) to a toy data set,
  a damped oscillation measured at ``N_TOY`` random times with Gaussian noise, beside
  scikit-learn's ``GaussianProcessRegressor`` with the same kernels and hyperparameters
  (predictions, standard deviations, log marginal likelihood and its gradient) and with
  its own optimiser;
* :func:`emulator_run`: emulators of the period of a pendulum as a function of its
  amplitude, T / T_0 = (2 / pi) K(sin^2(theta_0 / 2)) with the complete elliptic integral
  K, learned from a dozen evaluations; the coverage of their 95 % band on fresh test
  amplitudes, over independent training designs.

The toy data are fixed constants of the chapter, not settings of a run.
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
from ..experiment import Settings, setting, study

SEED = 2026

# --- toy data: a damped oscillation
N_TOY = 20
TOY_NOISE = 0.1
TOY_RANGE = (0.0, 10.0)

Z95 = 1.959963984540054  # 97.5 % quantile of the standard normal


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


# --------------------------------------------------------------------------- the toy fits


class ToyRun(Settings):
    """Settings of the hyperparameter fits to the toy data (ours and scikit-learn's optimiser)."""

    n_starts: int = setting(5, low=1, doc="L-BFGS-B starts (scikit-learn: n_starts - 1 restarts)")
    seed: int = setting(2026, low=0, doc="seed of the random starts")


def _toy_fit(cfg: ToyRun, kernel_name: str) -> gp.HyperparameterFit:
    """Our maximum-marginal-likelihood fit on the toy data (kernel ``"rbf"`` or ``"matern52"``)."""
    t, y = toy_data()
    kernel = gp.RBF() if kernel_name == "rbf" else gp.Matern(nu=2.5)
    with threadpool_limits(limits=1, user_api="blas"):
        return gp.fit_hyperparameters(kernel, t, y, n_starts=cfg.n_starts, seed=cfg.seed)


def _sklearn_differences(fits: dict) -> dict:
    """Largest differences between physml and scikit-learn at the fitted hyperparameters.

    Keys ``mean``, ``std``, ``lml`` and ``grad`` hold the largest absolute difference over
    the kernels in ``fits`` and a grid of 200 test times.
    """
    t, y = toy_data()
    t_star = np.linspace(*TOY_RANGE, 200)
    out = {"mean": 0.0, "std": 0.0, "lml": 0.0, "grad": 0.0}
    for name, fit in fits.items():
        model = fit.gp
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


def _sklearn_optimum(cfg: ToyRun) -> float:
    """Maximised log marginal likelihood of the RBF model by scikit-learn's own optimiser:
    ``ConstantKernel * RBF + WhiteKernel`` (the white kernel's level is our noise variance)
    with ``n_starts - 1`` restarts."""
    t, y = toy_data()
    kernel = ConstantKernel(1.0, (np.exp(-5), np.exp(5))) * SkRBF(1.0, (np.exp(-5), np.exp(5))) + WhiteKernel(
        1e-2, (np.exp(-18), np.exp(2))
    )
    with threadpool_limits(limits=1, user_api="blas"):
        sk = GaussianProcessRegressor(
            kernel, n_restarts_optimizer=cfg.n_starts - 1, random_state=cfg.seed
        ).fit(t[:, None], y)
    return float(sk.log_marginal_likelihood_value_)


@study("gp", ToyRun)
def toy_run(cfg: ToyRun) -> dict:
    """Fit RBF and Matérn 5/2 hyperparameters to the toy data by maximum marginal likelihood;
    compare with scikit-learn at the fitted hyperparameters and with its own optimiser.

    Returns the fits (keys ``"rbf"``, ``"matern52"``), the largest differences from
    scikit-learn (``"sklearn"``: ``mean``, ``std``, ``lml``, ``grad``) and scikit-learn's
    maximised log marginal likelihood of the RBF model (``"sklearn_lml"``).
    """
    fits = {name: _toy_fit(cfg, name) for name in ("rbf", "matern52")}
    return {**fits, "sklearn": _sklearn_differences(fits), "sklearn_lml": _sklearn_optimum(cfg)}


# --------------------------------------------------------------------------- pendulum emulator

EMULATOR_VARIANTS = ("warped", "matern52", "rbf")  # the first is the checked emulator


def pendulum_period(amplitude) -> np.ndarray:
    r"""Period of a pendulum relative to its small-amplitude value,
    :math:`T/T_0 = \frac{2}{\pi} K\left(\sin^2\frac{\theta_0}{2}\right)` (``scipy.special.ellipk``)."""
    amplitude = np.asarray(amplitude, dtype=float)
    return 2 / np.pi * scipy.special.ellipk(np.sin(amplitude / 2) ** 2)


def warp(theta) -> np.ndarray:
    r"""The input of the warped emulator, :math:`u = -\ln(\pi - \theta_0)`.

    Near :math:`\theta_0 = \pi`, :math:`K(m) \approx \ln(4/\sqrt{1-m})` and
    :math:`\sqrt{1-m} = \cos(\theta_0/2) \approx (\pi - \theta_0)/2`, so the period grows
    like :math:`u` itself: in :math:`u` the function has no singularity left.
    """
    return -np.log(np.pi - np.asarray(theta, dtype=float))


class EmulatorRun(Settings):
    """Settings of the pendulum emulators' coverage study (all three kernels, same designs)."""

    n_emulator: int = setting(12, low=3, doc="simulations per design (one per equal stratum)")
    amplitude_max: float = setting(2.8, low=0.1, high=3.1, doc="largest amplitude (rad); T diverges at pi")
    noise: float = setting(1e-3, low=1e-8, doc="known noise of each simulation, in units of T_0")
    n_designs: int = setting(100, low=2, doc="independent training designs")
    n_test: int = setting(200, low=1, doc="fresh test amplitudes per design")
    n_starts: int = setting(3, low=1, doc="L-BFGS-B starts of each fit")
    seed: int = setting(2026, low=0, doc="seed of the fits' starts; the designs use seed + 1")

    SHORT = {"n_designs": 10, "n_test": 50}


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


def emulator_design(cfg: EmulatorRun, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One training design: one random amplitude in each of ``cfg.n_emulator`` equal strata
    of [0, ``cfg.amplitude_max``], and noisy periods."""
    edges = np.linspace(0.0, cfg.amplitude_max, cfg.n_emulator + 1)
    theta = rng.uniform(edges[:-1], edges[1:])
    return theta, pendulum_period(theta) + cfg.noise * rng.standard_normal(cfg.n_emulator)


def fit_emulator(theta, T, cfg: EmulatorRun, variant: str = "warped") -> Emulator:
    """GP emulator of T / T_0 on the periods minus their mean: kernel variance and length
    scale fitted, noise variance fixed at the known simulation noise ``cfg.noise**2``.

    ``"matern52"`` and ``"rbf"`` use the amplitude as input, ``"warped"`` a Matérn 5/2
    kernel on :func:`warp` of it.
    """
    if variant not in EMULATOR_VARIANTS:
        raise ValueError(f"variant must be one of {EMULATOR_VARIANTS}, got {variant!r}")
    kernel = gp.RBF() if variant == "rbf" else gp.Matern(nu=2.5)
    x = warp(theta) if variant == "warped" else theta
    model = gp.fit_hyperparameters(
        kernel, x, T - T.mean(), noise=cfg.noise**2, n_starts=cfg.n_starts, seed=cfg.seed
    ).gp
    return Emulator(model, float(T.mean()), variant)


def emulator_coverage(cfg: EmulatorRun, variant: str) -> dict:
    """Coverage of one variant's 95 % band on fresh test amplitudes, over independent designs.

    Each design is fitted on its own, and its band is judged on ``cfg.n_test`` new
    amplitudes drawn uniformly. Test points of one design share that design's errors, so
    the error bar comes from the spread of the per-design coverages (designs are
    independent), not from the binomial formula, which is also returned for comparison.
    """
    rng = np.random.default_rng(cfg.seed + 1)  # the same designs and test points for every kernel
    coverages, widths = [], []
    with threadpool_limits(limits=1, user_api="blas"):
        for _ in range(cfg.n_designs):
            theta, T = emulator_design(cfg, rng)
            model = fit_emulator(theta, T, cfg, variant)
            theta_test = rng.uniform(0.0, cfg.amplitude_max, cfg.n_test)
            mean, std = model.predict(theta_test)
            error = np.abs(mean - pendulum_period(theta_test))
            coverages.append(np.mean(error <= Z95 * std))
            widths.append(np.mean(2 * Z95 * std))
    coverages = np.asarray(coverages)
    p = float(coverages.mean())
    return {
        "coverage": p,
        "error": float(coverages.std(ddof=1) / math.sqrt(cfg.n_designs)),
        "binomial_error": math.sqrt(p * (1 - p) / (cfg.n_designs * cfg.n_test)),
        "per_design": coverages,
        "mean_width": float(np.mean(widths)),
        "n_designs": cfg.n_designs,
        "n_test": cfg.n_test,
    }


@study("gp", EmulatorRun)
def emulator_run(cfg: EmulatorRun) -> dict:
    """The coverage study of every emulator variant (``EMULATOR_VARIANTS``) on the same
    designs and test amplitudes: ``{variant: coverage, its error, widths, ...}``."""
    return {variant: emulator_coverage(cfg, variant) for variant in EMULATOR_VARIANTS}
