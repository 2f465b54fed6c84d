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


# --------------------------------------------------------------------------- local maxima of the evidence


def evidence_profile(log_ell, log_sn, log_sf2) -> np.ndarray:
    r"""The toy data's RBF log marginal likelihood on a grid of :math:`\ln\ell` (rows of the
    result: ``log_sn``, columns: ``log_ell``), maximised over the grid ``log_sf2`` of
    :math:`\ln\sigma_f^2` (a profile likelihood).

    For each :math:`\ell` one eigendecomposition :math:`\tilde{\boldsymbol K} = \boldsymbol Q
    \boldsymbol\Lambda\boldsymbol Q^T` of the unit-variance kernel matrix gives
    :math:`\boldsymbol K_y = \boldsymbol Q(\sigma_f^2\boldsymbol\Lambda + \sigma_n^2)\boldsymbol Q^T`
    for every :math:`\sigma_f, \sigma_n` at once.
    """
    t, y = toy_data()
    n = len(y)
    out = np.empty((len(log_sn), len(log_ell)))
    sf2 = np.exp(np.asarray(log_sf2))[:, None, None]
    sn2 = np.exp(2 * np.asarray(log_sn))[None, :, None]
    for j, a in enumerate(log_ell):
        lam, Q = np.linalg.eigh(gp.RBF(length_scale=float(np.exp(a)))(t))
        lam = np.clip(lam, 0.0, None)[None, None, :]
        proj2 = (Q.T @ y) ** 2
        d = sf2 * lam + sn2
        lml = (
            -0.5 * np.sum(proj2 / d, axis=2)
            - 0.5 * np.sum(np.log(d), axis=2)
            - 0.5 * n * math.log(2 * math.pi)
        )
        out[:, j] = lml.max(axis=0)
    return out


def distinct_optima(fit: gp.HyperparameterFit, digits: int = 2) -> list[dict]:
    """The distinct end points of the starts of a fit (equal when ln p agrees to ``digits``
    decimals), best first: ``ln p``, ``ell``, ``sigma_f``, ``sigma_n`` and how many starts ended there."""
    found: dict[float, dict] = {}
    for value, theta in zip(fit.starts, fit.optima, strict=True):
        key = round(-float(value), digits)
        if key not in found:
            var, ell, sn2 = np.exp(theta)
            found[key] = {
                "lml": -float(value),
                "ell": ell,
                "sigma_f": math.sqrt(var),
                "sigma_n": math.sqrt(sn2),
                "count": 0,
            }
        found[key]["count"] += 1
    return sorted(found.values(), key=lambda o: -o["lml"])


class LandscapeRun(Settings):
    """Settings of the search for local maxima of the toy data's evidence (RBF kernel)."""

    n_starts: int = setting(20, low=1, doc="L-BFGS-B starts, uniform in the box of log-hyperparameters")
    seed: int = setting(2026, low=0, doc="seed of the random starts")

    SHORT = {"n_starts": 8}


@study("gp", LandscapeRun)
def landscape_run(cfg: LandscapeRun) -> dict:
    """Many starts of the RBF fit to the toy data; their distinct end points (local maxima of
    the evidence, some on the edge of the box) and the profile landscape over (ell, sigma_n)."""
    t, y = toy_data()
    with threadpool_limits(limits=1, user_api="blas"):
        fit = gp.fit_hyperparameters(gp.RBF(), t, y, n_starts=cfg.n_starts, seed=cfg.seed)
        log_ell = np.linspace(-3.0, 5.0, 61)
        log_sn = np.linspace(-9.0, 1.0, 51)
        profile = evidence_profile(log_ell, log_sn, np.linspace(-11.0, 4.0, 76))
    return {
        "fit": fit,
        "optima": distinct_optima(fit),
        "log_ell": log_ell,
        "log_sn": log_sn,
        "profile": profile,
    }


# --------------------------------------------------------------------------- ARD

ARD_NAMES = ("amplitude", "length", "mass")
ARD_RANGES = ((0.1, 2.5), (0.2, 2.0), (0.1, 1.0))  # rad, m, kg
G = 9.81  # m / s^2


def pendulum_period_3d(Z) -> np.ndarray:
    r"""Period in seconds of a pendulum of amplitude :math:`\theta_0`, length :math:`L` and mass
    :math:`m`, from inputs scaled to the unit cube (``ARD_RANGES``):
    :math:`T = 4\sqrt{L/g}\,K(\sin^2(\theta_0/2))`. It does not depend on the mass."""
    Z = np.atleast_2d(Z)
    lo = np.array([r[0] for r in ARD_RANGES])
    hi = np.array([r[1] for r in ARD_RANGES])
    theta, length, _mass = (lo + Z * (hi - lo)).T
    return 4 * np.sqrt(length / G) * scipy.special.ellipk(np.sin(theta / 2) ** 2)


class ArdRun(Settings):
    """Settings of the ARD fit to pendulum periods over (amplitude, length, mass)."""

    n_train: int = setting(40, low=5, doc="simulations (uniform in the unit cube of scaled inputs)")
    noise: float = setting(0.005, low=0, doc="noise of each simulated period (s)")
    n_test: int = setting(500, low=1, doc="test points for the prediction error")
    n_starts: int = setting(3, low=1, doc="L-BFGS-B starts of each fit")
    seed: int = setting(2026, low=0, doc="seed of data and starts")


@study("gp", ArdRun)
def ard_run(cfg: ArdRun) -> dict:
    """ARD and isotropic RBF fits to noisy pendulum periods T(amplitude, length, mass);
    scikit-learn with the same ARD kernel and hyperparameters, and with its own optimiser.

    Returns the fits (``"ard"``, ``"iso"``), the test RMSE of each, the largest differences
    from scikit-learn (``"sklearn"``: ``mean``, ``std``, ``lml``) and scikit-learn's maximised
    evidence (``"sklearn_lml"``) and length scales (``"sklearn_ell"``).
    """
    rng = np.random.default_rng(cfg.seed)
    Z = rng.uniform(size=(cfg.n_train, 3))
    T = pendulum_period_3d(Z) + cfg.noise * rng.standard_normal(cfg.n_train)
    Z_test = rng.uniform(size=(cfg.n_test, 3))
    T_test = pendulum_period_3d(Z_test)
    offset = float(T.mean())
    with threadpool_limits(limits=1, user_api="blas"):
        ard = gp.fit_hyperparameters(
            gp.ARDRBF((1.0, 1.0, 1.0)), Z, T - offset, n_starts=cfg.n_starts, seed=cfg.seed
        )
        iso = gp.fit_hyperparameters(gp.RBF(), Z, T - offset, n_starts=cfg.n_starts, seed=cfg.seed)
        model = ard.gp
        mean, std = model.predict(Z_test)
        sk = GaussianProcessRegressor(model.kernel.to_sklearn(), alpha=model.noise, optimizer=None).fit(
            Z, T - offset
        )
        sk_mean, sk_std = sk.predict(Z_test, return_std=True)
        free = ConstantKernel(1.0, (np.exp(-5), np.exp(5))) * SkRBF(
            np.ones(3), (np.exp(-5), np.exp(5))
        ) + WhiteKernel(1e-2, (np.exp(-18), np.exp(2)))
        import warnings

        from sklearn.exceptions import ConvergenceWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # the mass length scale runs to its bound
            sk_opt = GaussianProcessRegressor(
                free, n_restarts_optimizer=cfg.n_starts - 1, random_state=cfg.seed
            ).fit(Z, T - offset)
    rmse = {
        name: float(np.sqrt(np.mean((f.gp.predict(Z_test)[0] + offset - T_test) ** 2)))
        for name, f in (("ard", ard), ("iso", iso))
    }
    return {
        "ard": ard,
        "iso": iso,
        "rmse": rmse,
        "data": (Z, T),
        "sklearn": {
            "mean": float(np.max(np.abs(mean - sk_mean))),
            "std": float(np.max(np.abs(std - sk_std))),
            "lml": abs(model.log_marginal_likelihood() - sk.log_marginal_likelihood_value_),
        },
        "sklearn_lml": float(sk_opt.log_marginal_likelihood_value_),
        "sklearn_ell": np.asarray(sk_opt.kernel_.k1.k2.length_scale, dtype=float),
    }


# --------------------------------------------------------------------------- Bayesian optimisation

BRANIN_BOUNDS = ((-5.0, 10.0), (0.0, 15.0))
BRANIN_MIN = 5 / (4 * math.pi)  # f* = 0.397887...: at a minimum the square vanishes and cos x1 = -1
BRANIN_MINIMISERS = ((-math.pi, 12.275), (math.pi, 2.275), (3 * math.pi, 2.475))


def branin(x) -> float:
    r"""The Branin–Hoo function, a standard test of global optimisers with three global minima,
    :math:`f = (x_2 - b x_1^2 + c x_1 - 6)^2 + 10(1 - t)\cos x_1 + 10`, :math:`b = 5.1/4\pi^2`,
    :math:`c = 5/\pi`, :math:`t = 1/8\pi`; :math:`f^* = 5/4\pi`."""
    x1, x2 = np.asarray(x, dtype=float)
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return float((x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10)


def random_search(f, bounds, n_evals: int, seed: int) -> np.ndarray:
    """Values of ``f`` at ``n_evals`` uniform random points of the box, in order (the first draws
    are the same as the initial design of ``gp.bayes_opt`` with the same seed)."""
    bounds = np.asarray(bounds, dtype=float)
    U = np.random.default_rng(seed).uniform(size=(n_evals, len(bounds)))
    return np.array([f(x) for x in bounds[:, 0] + U * (bounds[:, 1] - bounds[:, 0])])


class BayesOptRun(Settings):
    """Settings of Bayesian optimisation of the Branin function against random search."""

    n_init: int = setting(5, low=2, doc="random evaluations before the first GP fit")
    n_iter: int = setting(30, low=0, doc="evaluations chosen by expected improvement")
    xi: float = setting(0.01, low=0, doc="margin of the expected improvement (in units of the values' std)")
    n_seeds: int = setting(5, low=3, doc="independent runs (seeds seed, seed + 1, ...)")
    seed: int = setting(2026, low=0, doc="first seed")

    SHORT = {"n_iter": 12, "n_seeds": 3}


@study("gp", BayesOptRun)
def bayes_opt_run(cfg: BayesOptRun) -> dict:
    """Bayesian optimisation (expected improvement) and random search with the same budget
    of evaluations on the Branin function, over ``cfg.n_seeds`` seeds: the best value found
    after each evaluation, per seed."""
    budget = cfg.n_init + cfg.n_iter
    bo, rs = [], []
    with threadpool_limits(limits=1, user_api="blas"):
        for seed in range(cfg.seed, cfg.seed + cfg.n_seeds):
            bo.append(gp.bayes_opt(branin, BRANIN_BOUNDS, cfg.n_init, cfg.n_iter, seed, xi=cfg.xi))
            rs.append(np.minimum.accumulate(random_search(branin, BRANIN_BOUNDS, budget, seed)))
    return {
        "bo": bo,
        "bo_best": np.array([r.best_so_far for r in bo]),
        "random_best": np.array(rs),
        "budget": budget,
    }


# --------------------------------------------------------------------------- GP classification


def rotates(Z) -> np.ndarray:
    r"""Whether a pendulum started at angle :math:`\theta` with angular velocity :math:`\omega`
    (in units of :math:`\sqrt{g/L}`) goes over the top: its energy
    :math:`E = \omega^2/2 - \cos\theta` exceeds the separatrix value 1."""
    Z = np.atleast_2d(Z)
    return (0.5 * Z[:, 1] ** 2 - np.cos(Z[:, 0]) > 1.0).astype(float)


PHASE_BOX = ((-math.pi, math.pi), (-3.0, 3.0))


class ClassifierRun(Settings):
    """Settings of the GP classifier of pendulum motion (rotation or libration)."""

    n_train: int = setting(60, low=2, doc="labelled initial conditions, uniform in the phase-space box")
    length_scale: float = setting(1.0, low=1e-3, doc="RBF length scale (fixed)")
    variance: float = setting(9.0, low=1e-3, doc="RBF signal variance of the latent function (fixed)")
    n_test: int = setting(2000, low=1, doc="test initial conditions")
    seed: int = setting(2026, low=0, doc="seed of the training and test points")


@study("gp", ClassifierRun)
def classifier_run(cfg: ClassifierRun) -> dict:
    """Laplace GP classification of rotating and librating pendulums, beside scikit-learn's
    ``GaussianProcessClassifier`` with the same fixed kernel; accuracy on test points."""
    from sklearn.gaussian_process import GaussianProcessClassifier

    rng = np.random.default_rng(cfg.seed)
    lo, hi = np.array(PHASE_BOX).T
    Z = lo + rng.uniform(size=(cfg.n_train, 2)) * (hi - lo)
    y = rotates(Z)
    Z_test = lo + rng.uniform(size=(cfg.n_test, 2)) * (hi - lo)
    kernel = gp.RBF(cfg.length_scale, cfg.variance)
    with threadpool_limits(limits=1, user_api="blas"):
        model = gp.LaplaceGPClassifier(kernel).fit(Z, y)
        p = model.predict_proba(Z_test)
        mean, var = model.latent(Z_test)
        sk = GaussianProcessClassifier(kernel.to_sklearn(), optimizer=None).fit(Z, y)
        sk_p = sk.predict_proba(Z_test)[:, 1]
        sk_mean, sk_var = sk.latent_mean_and_variance(Z_test)
    truth = rotates(Z_test)
    return {
        "model": model,
        "data": (Z, y),
        "accuracy": float(np.mean((p > 0.5) == truth)),
        "majority": float(max(truth.mean(), 1 - truth.mean())),
        "sklearn": {
            "proba": float(np.max(np.abs(p - sk_p))),
            "latent": float(max(np.max(np.abs(mean - sk_mean)), np.max(np.abs(var - sk_var)))),
            "lml": abs(model.log_marginal_likelihood_ - sk.log_marginal_likelihood_value_),
        },
    }
