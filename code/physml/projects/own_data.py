r"""Project path *Your own data*: from a file of measurements to a model with honest errors.

The page ``projects/own_data.md`` (label ``project-own_data``) sets the project; it builds
on the chapters *Linear regression* (least squares and the covariance of the parameters),
*Feed-forward neural networks* and *PyTorch* (a network on the residuals), *Resampling*
ideas of the regression chapter (the bootstrap) and, as an alternative to the network,
*Gaussian processes*. The worked example is a real physics data set that installs with
``pip``: the atomic masses of the AME2020 evaluation that the ``periodictable`` package
ships (2,939 nuclides). This module gives the group

* the data: :func:`isotope_masses` (every nuclide's mass, the "raw file"),
  :func:`binding_energy` and :func:`nuclear_table` (the nuclei of the project with their
  binding energies; its row labels ``0 .. n-1`` are the *nucleus indices* that the checks
  take), the liquid-drop formula :func:`liquid_drop_energy` and :func:`rms_with_error`
  (an RMS residual with its bootstrap error);
* the milestone checks, which take the group's own results: :func:`check_liquid_drop`
  (their five liquid-drop coefficients against the least-squares solution on the same
  nuclei, within three of its standard errors), :func:`check_no_leakage` (their training
  and test nuclei are disjoint and their scaler was fitted on the training nuclei only)
  and :func:`check_heldout_rms` (their model's RMS residual on their held-out nuclei is
  below the liquid-drop baseline's by a stated margin);
* ``TEMPLATE``, what ``python -m physml.project new own_data <folder>`` writes.

A check says whether a milestone is reached and why; it never shows the reference value it
compares with.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import periodictable
from scipy.constants import physical_constants

from .._validate import as_float_array, as_rng, check_int, check_scalar
from . import Milestone, Template, milestone

__all__ = [
    "MEV_PER_U",
    "M_HYDROGEN_U",
    "M_NEUTRON_U",
    "TERMS",
    "K_SIGMA",
    "MARGIN",
    "MIN_TEST",
    "TEMPLATE",
    "isotope_masses",
    "binding_energy",
    "nuclear_table",
    "liquid_drop_energy",
    "rms_with_error",
    "check_liquid_drop",
    "check_no_leakage",
    "check_heldout_rms",
]

#: Energy equivalent of the atomic mass unit, :math:`m_u c^2` in MeV (CODATA 2022, from
#: ``scipy.constants``: "atomic mass constant energy equivalent in MeV").
MEV_PER_U = float(physical_constants["atomic mass constant energy equivalent in MeV"][0])
#: Mass of the hydrogen atom :math:`{}^1\mathrm{H}` in u (AME2020, from ``periodictable``).
M_HYDROGEN_U = float(periodictable.H[1].mass)
#: Mass of the neutron in u (AME2020, from ``periodictable``).
M_NEUTRON_U = float(periodictable.n.mass)
#: The five terms of the liquid-drop formula, in the order of the coefficients.
TERMS = ("volume", "surface", "Coulomb", "asymmetry", "pairing")
#: A liquid-drop coefficient passes when it lies within this many standard errors of the
#: least-squares solution on the same nuclei.
K_SIGMA = 3.0
#: The held-out RMS of a model must be below (1 - MARGIN) times the liquid-drop baseline's.
MARGIN = 0.25
#: The fewest held-out nuclei for which :func:`check_heldout_rms` judges an RMS.
MIN_TEST = 50

_DEFAULTS = {"min_z": 8, "min_n": 8, "max_uncertainty_kev": 100.0}


# --- the data --------------------------------------------------------------------------------


def isotope_masses() -> pd.DataFrame:
    r"""Every nuclide's atomic mass as ``periodictable`` ships it: the "raw data file".

    One row per nuclide (2,939 rows; the free neutron, which ``periodictable`` keeps apart,
    is not among them), sorted by :math:`Z` and then :math:`A`, with the columns ``Z``, ``N``,
    ``A``, ``symbol``, ``mass_u`` (the atomic mass :math:`M(A, Z)` in u, electrons included)
    and ``mass_uncertainty_u`` (its one-standard-deviation uncertainty in u). The masses
    are those of the AME2020 atomic mass evaluation (Wang et al., Chinese Phys. C 45,
    030003 (2021)); nothing is downloaded. Used by the page *Your own data*.
    """
    rows = []
    for element in periodictable.elements:
        if element.number < 1:  # the free neutron, if a version lists it
            continue
        for isotope in element:
            uncertainty = getattr(isotope, "_mass_unc", None)  # periodictable keeps it private
            rows.append(
                (
                    element.number,
                    isotope.isotope - element.number,
                    isotope.isotope,
                    element.symbol,
                    float(isotope.mass),
                    float("nan") if uncertainty is None else float(uncertainty),
                )
            )
    frame = pd.DataFrame(rows, columns=["Z", "N", "A", "symbol", "mass_u", "mass_uncertainty_u"])
    return frame.sort_values(["Z", "A"], kind="stable").reset_index(drop=True)


def binding_energy(Z, N, mass_u) -> np.ndarray:
    r"""Binding energy :math:`B` in MeV of the nuclei with :math:`Z` protons, :math:`N` neutrons.

    .. math:: B(A, Z) = \big(Z\,m_{\mathrm H} + N\,m_n - M(A, Z)\big)\,m_u c^2,

    with :math:`M(A, Z)` the *atomic* mass ``mass_u`` in u (so that the electrons' masses
    cancel against those of the hydrogen atoms; their binding, a few keV at most in the
    light nuclei and below 1 MeV even for the heaviest, is neglected),
    :math:`m_{\mathrm H}` = ``M_HYDROGEN_U`` and :math:`m_n` = ``M_NEUTRON_U`` (AME2020,
    ``periodictable``) and :math:`m_u c^2` = ``MEV_PER_U`` (CODATA 2022, ``scipy.constants``).
    The page *Your own data* divides it by :math:`A = Z + N` for the binding energy per nucleon.
    """
    z = as_float_array(Z, "Z", nonempty=True)
    n = as_float_array(N, "N", nonempty=True)
    m = as_float_array(mass_u, "mass_u", nonempty=True)
    if z.shape != n.shape or z.shape != m.shape:
        raise ValueError(f"Z, N and mass_u must have the same shape, got {z.shape}, {n.shape} and {m.shape}")
    if np.any(z < 0) or np.any(n < 0):
        raise ValueError("Z and N must be non-negative (numbers of protons and neutrons)")
    if np.any(z != np.round(z)) or np.any(n != np.round(n)):
        raise ValueError("Z and N must be whole numbers (numbers of protons and neutrons)")
    if np.any(m <= 0):
        raise ValueError("mass_u must be positive (atomic masses in u)")
    return (z * M_HYDROGEN_U + n * M_NEUTRON_U - m) * MEV_PER_U


def nuclear_table(min_z: int = 8, min_n: int = 8, max_uncertainty_kev: float = 100.0) -> pd.DataFrame:
    r"""The nuclei of the project, with their binding energies: one row per nucleus.

    The nuclides of :func:`isotope_masses` with :math:`Z \ge` ``min_z``, :math:`N \ge`
    ``min_n`` and a mass uncertainty of at most ``max_uncertainty_kev`` keV (the larger
    ones are mostly AME's estimates from systematics rather than measurements), with the
    columns of :func:`isotope_masses` and ``uncertainty_keV``, ``B_MeV`` (the binding
    energy of :func:`binding_energy`) and ``B_per_A_MeV`` (:math:`B/A`). The rows are
    labelled ``0 .. n-1``. **With the default arguments these labels are the nucleus
    indices** that :func:`check_liquid_drop`, :func:`check_no_leakage` and
    :func:`check_heldout_rms` take (about 2,300 nuclei); a CSV written with
    ``to_csv(path)`` and read with ``pd.read_csv(path, index_col=0)`` keeps them.
    """
    min_z = check_int(min_z, "min_z", minimum=1)
    min_n = check_int(min_n, "min_n", minimum=0)
    max_unc = check_scalar(max_uncertainty_kev, "max_uncertainty_kev", minimum=0.0, include_min=False)
    frame = isotope_masses()
    frame["uncertainty_keV"] = frame["mass_uncertainty_u"] * MEV_PER_U * 1e3
    keep = (frame["Z"] >= min_z) & (frame["N"] >= min_n) & (frame["uncertainty_keV"] <= max_unc)
    frame = frame[keep].reset_index(drop=True)
    if len(frame) == 0:
        raise ValueError(
            f"no nucleus has Z >= {min_z}, N >= {min_n} and a mass uncertainty <= {max_unc} keV "
            "(min_z, min_n, max_uncertainty_kev)"
        )
    frame["B_MeV"] = binding_energy(frame["Z"].to_numpy(), frame["N"].to_numpy(), frame["mass_u"].to_numpy())
    frame["B_per_A_MeV"] = frame["B_MeV"] / frame["A"]
    return frame


@functools.cache
def _table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Z, N and B (MeV) of the project's nuclei (the default :func:`nuclear_table`), read-only."""
    frame = nuclear_table(**_DEFAULTS)
    arrays = tuple(frame[c].to_numpy(dtype=float) for c in ("Z", "N", "B_MeV"))
    for a in arrays:
        a.setflags(write=False)
    return arrays


def _terms(z: np.ndarray, n: np.ndarray) -> np.ndarray:
    r"""The design matrix of the liquid-drop formula: one row per nucleus, one column per term."""
    a = z + n
    pairing = np.where((z % 2 == 0) & (n % 2 == 0), 1.0, np.where((z % 2 == 1) & (n % 2 == 1), -1.0, 0.0))
    return np.column_stack(
        [a, -(a ** (2.0 / 3.0)), -z * (z - 1.0) / a ** (1.0 / 3.0), -((n - z) ** 2) / a, pairing / np.sqrt(a)]
    )


def liquid_drop_energy(coefficients, Z, N) -> np.ndarray:
    r"""The liquid-drop (Weizsäcker) binding energy in MeV, with the five ``coefficients``.

    .. math::

        B_{\mathrm{LD}}(A, Z) = a_V A - a_S A^{2/3} - a_C\,\frac{Z(Z-1)}{A^{1/3}}
        - a_A\,\frac{(N - Z)^2}{A} + \delta(Z, N)\,\frac{a_P}{A^{1/2}},

    :math:`A = Z + N`, :math:`\delta = +1` for even :math:`Z` and even :math:`N`,
    :math:`-1` for odd :math:`Z` and odd :math:`N`, 0 for odd :math:`A`. ``coefficients``
    are :math:`(a_V, a_S, a_C, a_A, a_P)` in MeV (the order of ``TERMS``). This is the form
    that :func:`check_liquid_drop` expects the group to fit (page *Your own data*).
    """
    c = as_float_array(coefficients, "coefficients", ndim=1)
    if c.shape != (5,):
        raise ValueError(f"coefficients must hold the 5 values a_V, a_S, a_C, a_A, a_P, got shape {c.shape}")
    z = as_float_array(Z, "Z", nonempty=True)
    n = as_float_array(N, "N", nonempty=True)
    if z.shape != n.shape:
        raise ValueError(f"Z and N must have the same shape, got {z.shape} and {n.shape}")
    if np.any(z < 1) or np.any(n < 0) or np.any(z != np.round(z)) or np.any(n != np.round(n)):
        raise ValueError("Z must be a whole number >= 1 and N a whole number >= 0")
    return (_terms(z.ravel(), n.ravel()) @ c).reshape(z.shape)


def _liquid_drop_least_squares(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Least-squares coefficients on the nuclei ``rows`` and their standard errors.

    :math:`\hat\theta = (X^TX)^{-1}X^T B`, :math:`\mathrm{Cov}(\hat\theta) = \hat\sigma^2(X^TX)^{-1}`
    with :math:`\hat\sigma^2 = \lVert B - X\hat\theta\rVert^2/(n - 5)`.
    """
    z, n, b = _table()
    X, y = _terms(z[rows], n[rows]), b[rows]
    theta, *_ = np.linalg.lstsq(X, y, rcond=None)
    residual = y - X @ theta
    sigma2 = residual @ residual / (len(y) - X.shape[1])
    cov = sigma2 * np.linalg.inv(X.T @ X)
    return theta, np.sqrt(np.diag(cov))


def rms_with_error(residuals, n_bootstrap: int = 1000, seed=0) -> tuple[float, float]:
    r"""The root-mean-square of ``residuals`` and its bootstrap standard error.

    :math:`\mathrm{RMS} = \big(\frac1n\sum_i r_i^2\big)^{1/2}`; the error is the standard
    deviation of the RMS over ``n_bootstrap`` resamples of the :math:`n` residuals drawn
    with replacement (page *Your own data*; the bootstrap of the regression chapter).
    """
    r = as_float_array(residuals, "residuals", ndim=1)
    if r.size < 2:
        raise ValueError(f"residuals must hold at least 2 values, got {r.size}")
    n_bootstrap = check_int(n_bootstrap, "n_bootstrap", minimum=2)
    rng = as_rng(seed)
    squares = r * r
    draws = rng.integers(0, r.size, size=(n_bootstrap, r.size))
    boot = np.sqrt(squares[draws].mean(axis=1))
    return float(np.sqrt(squares.mean())), float(boot.std(ddof=1))


# --- the milestone checks --------------------------------------------------------------------


def _as_index(index, name: str) -> np.ndarray:
    """Nucleus indices: whole numbers in 0 .. n-1 (rows of the default :func:`nuclear_table`)."""
    if isinstance(index, (pd.Index, pd.Series)):
        index = index.to_numpy()
    arr = as_float_array(index, name, ndim=1, nonempty=True)
    if np.any(arr != np.round(arr)):
        raise ValueError(f"{name} must hold whole numbers (rows of nuclear_table()), got non-integer values")
    n = len(_table()[0])
    if arr.min() < 0 or arr.max() >= n:
        raise ValueError(
            f"{name} must hold row labels 0..{n - 1} of nuclear_table() (its default arguments), "
            f"got values from {int(arr.min())} to {int(arr.max())}"
        )
    return arr.astype(np.int64)


def check_liquid_drop(coefficients, train_index=None) -> Milestone:
    r"""Milestone: the group's liquid-drop coefficients :math:`(a_V, a_S, a_C, a_A, a_P)` in MeV.

    ``coefficients`` are their least-squares fit of :func:`liquid_drop_energy` to the
    binding energies ``B_MeV`` (total, in MeV, unweighted) of the nuclei ``train_index``
    (rows of the default :func:`nuclear_table`; ``None``: all of them). The check fits the
    same nuclei, :math:`\hat\theta = (X^TX)^{-1}X^TB`, with the standard errors
    :math:`\sigma_k = [\hat\sigma^2(X^TX)^{-1}]_{kk}^{1/2}`,
    :math:`\hat\sigma^2 = \lVert B - X\hat\theta\rVert^2/(n-5)`, and the milestone is
    reached when every coefficient lies within ``K_SIGMA`` = 3 standard errors of
    :math:`\hat\theta_k`. Neither :math:`\hat\theta` nor :math:`\sigma_k` is shown.
    """
    c = as_float_array(coefficients, "coefficients", ndim=1)
    if c.shape != (5,):
        raise ValueError(f"coefficients must hold the 5 values a_V, a_S, a_C, a_A, a_P, got shape {c.shape}")
    if train_index is None:
        rows = np.arange(len(_table()[0]))
    else:
        rows = np.unique(_as_index(train_index, "train_index"))
    if rows.size < 20:
        raise ValueError(f"train_index must hold at least 20 distinct nuclei for 5 terms, got {rows.size}")
    theta, sigma = _liquid_drop_least_squares(rows)
    off = [name for name, dev in zip(TERMS, np.abs(c - theta) / sigma, strict=True) if dev > K_SIGMA]
    z, n, b = _table()
    rms = float(np.sqrt(np.mean((b[rows] - _terms(z[rows], n[rows]) @ c) ** 2)))
    hint = (
        f"not the least-squares solution on these nuclei: the {', '.join(off)} "
        f"coefficient{'s are' if len(off) > 1 else ' is'} more than {K_SIGMA:g} standard errors away. "
        "Check: fit the total binding energy B in MeV (not B/A), unweighted; the terms "
        "A, -A^(2/3), -Z(Z-1)/A^(1/3), -(N-Z)^2/A and +-A^(-1/2) (+ even-even, - odd-odd, "
        "0 odd A); the same nuclei as train_index; the order a_V, a_S, a_C, a_A, a_P."
    )
    return milestone(
        "your liquid-drop coefficients",
        not off,
        f"all five coefficients lie within {K_SIGMA:g} standard errors of the least-squares "
        "solution on the same nuclei.",
        hint,
        **{f"a_{k}": float(v) for k, v in zip("VSCAP", c, strict=True)},
        your_RMS_residual_MeV=rms,
        nuclei=str(rows.size),
    )


def _statistics_hint(given: np.ndarray, features: np.ndarray, train: np.ndarray, test: np.ndarray, what: str):
    """None if ``given`` are the training nuclei's statistics ``what``; else the reason."""
    if what == "mean":

        def candidates(rows):
            return (features[rows].mean(axis=0),)
    else:

        def candidates(rows):
            out = []
            for ddof in (0, 1):
                s = features[rows].std(axis=0, ddof=ddof) if len(rows) > ddof else np.ones(features.shape[1])
                out.append(np.where(s > 0, s, 1.0))
            return out

    def matches(rows):
        tol = {"rtol": 1e-5, "atol": 1e-8}
        return any(np.allclose(given, c, **tol) for c in candidates(rows))

    if matches(train):
        return None
    every = np.arange(features.shape[0])
    if matches(every):
        return f"the scaler's {what} is that of all nuclei: fit the scaler on the training nuclei only"
    if matches(np.concatenate([train, test])):
        return (
            f"the scaler's {what} is that of the training and test nuclei together: "
            "fit it on the training nuclei only"
        )
    if matches(test):
        return f"the scaler's {what} is that of the test nuclei: fit it on the training nuclei only"
    return (
        f"the scaler's {what} is not that of the training nuclei' features "
        "(column means; standard deviations with ddof 0 or 1, 1 for a constant column)"
    )


def check_no_leakage(
    train_index, test_index, features=None, scaler_mean=None, scaler_scale=None
) -> Milestone:
    r"""Milestone: the group's training and test nuclei, and their scaler, leak nothing.

    ``train_index`` and ``test_index`` are nucleus indices (rows of the default
    :func:`nuclear_table`). The milestone is reached when neither holds an index twice and
    they share none. If the group standardises their inputs,
    :math:`x \to (x - \mu)/s`, they pass ``features`` (their unscaled input features of
    *every* nucleus of the table, shape ``(n_nuclei, k)``, in the order of the rows) and
    ``scaler_mean`` :math:`\mu` and/or ``scaler_scale`` :math:`s` (shape ``(k,)``); these
    must then be the column means and standard deviations of the *training* rows of
    ``features`` (ddof 0 as scikit-learn's ``StandardScaler``, or 1; 1 for a constant
    column), to a relative :math:`10^{-5}` (float32 rounding).
    """
    train = _as_index(train_index, "train_index")
    test = _as_index(test_index, "test_index")
    n_nuclei = len(_table()[0])
    problems = []
    for name, rows in (("train_index", train), ("test_index", test)):
        if np.unique(rows).size != rows.size:
            problems.append(f"{name} holds {rows.size - np.unique(rows).size} nuclei twice")
    shared = np.intersect1d(train, test)
    if shared.size:
        problems.append(f"{shared.size} nuclei are in both the training and the test set")
    given = {"scaler_mean": scaler_mean, "scaler_scale": scaler_scale}
    scaler = "not checked (none given)"
    if any(v is not None for v in given.values()):
        if features is None:
            raise ValueError("features must be given with scaler_mean or scaler_scale (unscaled features)")
        F = as_float_array(features, "features", ndim=(1, 2))
        F = F[:, None] if F.ndim == 1 else F
        if F.shape[0] != n_nuclei or F.shape[1] == 0:
            raise ValueError(
                f"features must hold one row for each of the {n_nuclei} nuclei of nuclear_table(), "
                f"got shape {F.shape}"
            )
        for name, value in given.items():
            if value is None:
                continue
            v = as_float_array(value, name, ndim=(0, 1)).reshape(-1)
            if v.shape != (F.shape[1],):
                raise ValueError(f"{name} must hold one value per feature ({F.shape[1]}), got {v.shape}")
            reason = _statistics_hint(v, F, np.unique(train), np.unique(test), name.split("_")[1])
            if reason:
                problems.append(reason)
                scaler = "not from the training nuclei"
            elif scaler != "not from the training nuclei":
                scaler = "from the training nuclei"
    elif features is not None:
        as_float_array(features, "features", ndim=(1, 2))
    return milestone(
        "no leakage",
        not problems,
        "training and test nuclei are disjoint"
        + (", and the scaler was fitted on the training nuclei only." if scaler.startswith("from") else "."),
        "; ".join(problems) + ".",
        training_nuclei=str(train.size),
        test_nuclei=str(test.size),
        nuclei_in_both=str(shared.size),
        scaler_statistics=scaler,
    )


def check_heldout_rms(
    predictions, test_index, train_index, margin: float = MARGIN, n_bootstrap: int = 1000, seed=0
) -> Milestone:
    r"""Milestone: the group's model beats the liquid-drop formula on their held-out nuclei.

    ``predictions`` are their model's binding energies :math:`\hat B_i` (total, MeV) of the
    nuclei ``test_index`` (in that order); ``train_index`` are the nuclei they trained on
    (rows of the default :func:`nuclear_table`, disjoint from ``test_index``, at least
    ``MIN_TEST`` = 50 test nuclei). The baseline is the liquid-drop formula fitted by least
    squares to the training nuclei. With :math:`\mathrm{RMS} = (\frac1n\sum_i(\hat B_i -
    B_i)^2)^{1/2}` on the test nuclei and :math:`\sigma` its bootstrap error
    (:func:`rms_with_error`), the milestone is reached when

    .. math:: \mathrm{RMS} + 2\sigma \le (1 - \text{margin})\,\mathrm{RMS}_{\mathrm{LD}},

    ``margin`` = 0.25 stated before the run: the model must be at least 25 % better than
    the liquid drop, beyond its error bar. The baseline's RMS is not shown.
    """
    test = _as_index(test_index, "test_index")
    train = _as_index(train_index, "train_index")
    pred = as_float_array(predictions, "predictions", ndim=1)
    if pred.shape != test.shape:
        raise ValueError(
            f"predictions must hold one binding energy per nucleus of test_index ({test.size}), "
            f"got shape {pred.shape}"
        )
    margin = check_scalar(margin, "margin", minimum=0.0, maximum=1.0, include_max=False)
    n_bootstrap = check_int(n_bootstrap, "n_bootstrap", minimum=2)
    rng = as_rng(seed)
    name = "your held-out RMS residual"
    if np.unique(train).size < 20:
        raise ValueError(f"train_index must hold at least 20 distinct nuclei, got {np.unique(train).size}")
    shared = np.intersect1d(train, test).size
    if shared or np.unique(test).size != test.size or test.size < MIN_TEST:
        why = (
            f"{shared} test nuclei are also training nuclei: a held-out RMS needs nuclei the model never saw"
            if shared
            else f"hold out at least {MIN_TEST} distinct nuclei (got {np.unique(test).size} of {test.size})"
        )
        return milestone(name, False, "", why + ".", test_nuclei=str(test.size))
    z, n, b = _table()
    rms, err = rms_with_error(pred - b[test], n_bootstrap=n_bootstrap, seed=rng)
    theta, _ = _liquid_drop_least_squares(np.unique(train))
    baseline = float(np.sqrt(np.mean((_terms(z[test], n[test]) @ theta - b[test]) ** 2)))
    passed = rms + 2.0 * err <= (1.0 - margin) * baseline
    hint = (
        f"your RMS on the held-out nuclei is not {margin:.0%} below that of the liquid-drop "
        "formula fitted to your training nuclei (beyond 2 bootstrap errors). "
    )
    if rms > 100.0:
        hint += "Return total binding energies B in MeV (not B/A, not residuals) in the order of test_index. "
    hint += (
        "Fit the network (or GP) to the residuals B - B_LD with standardised inputs (Z, N and "
        "their parities help), train longer, and compare the training and test RMS for overfitting."
    )
    return milestone(
        name,
        passed,
        f"your RMS on the held-out nuclei is more than {margin:.0%} below the liquid-drop "
        "baseline's, beyond 2 bootstrap errors.",
        hint,
        your_RMS_MeV=rms,
        bootstrap_error_MeV=err,
        test_nuclei=str(test.size),
        margin=f"{margin:.0%}",
    )


# --- the template ----------------------------------------------------------------------------

_SOLUTION = '''"""Your solution of the own-data project: nuclear binding energies, liquid drop and a network.

The milestone tests (tests/test_milestones.py) call these functions. Keep their names,
arguments and return values; write the code they need here or in your own modules.
Nucleus indices are the row labels 0..n-1 of physml.projects.own_data.nuclear_table()
(its default arguments); a CSV written with table.to_csv(path) and read back with
pandas.read_csv(path, index_col=0) keeps them.
"""

import numpy as np


def split_nuclei() -> tuple[np.ndarray, np.ndarray]:
    """Split the nuclei into a training and a test set, at random with a fixed seed.

    Return (train_index, test_index): two integer arrays of nucleus indices, disjoint,
    with at least 50 test nuclei (e.g. 20 % of all).
    """
    raise NotImplementedError("split_nuclei: split the rows of nuclear_table()")


def liquid_drop_fit(train_index: np.ndarray) -> np.ndarray:
    """Fit the liquid-drop formula to the binding energies of the nuclei train_index.

    B = a_V A - a_S A^(2/3) - a_C Z(Z-1)/A^(1/3) - a_A (N-Z)^2/A + delta a_P / A^(1/2),
    delta = +1 (Z, N even), -1 (Z, N odd), 0 (A odd); unweighted least squares on the
    total binding energy B_MeV. Return the array (a_V, a_S, a_C, a_A, a_P) in MeV.
    """
    raise NotImplementedError("liquid_drop_fit: least squares with the five terms")


def features_and_scaler(train_index: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The network's input features of every nucleus, and the standardisation fitted to them.

    Return (features, mean, scale): features has one row per nucleus of nuclear_table()
    (unscaled, shape (n_nuclei, k)); mean and scale (shape (k,)) are the column means and
    standard deviations that your scaler learned (from the training nuclei only!).
    """
    raise NotImplementedError("features_and_scaler: choose features and fit the scaler")


def heldout_predictions(train_index: np.ndarray, test_index: np.ndarray) -> np.ndarray:
    """Train your model (liquid drop plus a network or GP on its residuals) on train_index.

    Return its predicted binding energies B in MeV (total, not per nucleon) of the nuclei
    test_index, in that order.
    """
    raise NotImplementedError("heldout_predictions: train on the residuals, predict the test nuclei")
'''

_TESTS = '''"""The milestones of the own-data project: python -m pytest tests."""

import functools

import solution
from physml.projects import own_data as od


@functools.cache
def split():
    return solution.split_nuclei()


def test_no_leakage():
    train, test = split()
    features, mean, scale = solution.features_and_scaler(train)
    m = od.check_no_leakage(train, test, features=features, scaler_mean=mean, scaler_scale=scale)
    assert m.passed, str(m)


def test_liquid_drop_coefficients():
    train, _ = split()
    m = od.check_liquid_drop(solution.liquid_drop_fit(train), train_index=train)
    assert m.passed, str(m)


def test_heldout_rms_below_the_liquid_drop():
    train, test = split()
    m = od.check_heldout_rms(solution.heldout_predictions(train, test), test_index=test, train_index=train)
    assert m.passed, str(m)
'''

TEMPLATE = Template(
    path="own_data",
    title="Your own data: nuclear binding energies from the liquid drop to a neural network",
    question=(
        "How well does the five-term liquid-drop formula describe the binding energies of the "
        "~2,300 well-measured nuclei of the AME2020 mass evaluation, and how much of what it "
        "misses (shell and pairing structure) can a neural network or a Gaussian process "
        "learn from the residuals, judged on nuclei it has never seen, with error bars?"
    ),
    tasks=(
        "Load the masses (physml.projects.own_data.isotope_masses, or your own CSV/HDF5 file) "
        "with pandas, compute B and B/A with stated constants, write the table to CSV and read "
        "it back; plot B/A against A.",
        "Split the nuclei into training and test sets with a seed, before anything is fitted; "
        "fit the liquid-drop formula to the training nuclei by least squares and give each "
        "coefficient with its standard error from Cov = sigma^2 (X^T X)^-1.",
        "Standardise the inputs with statistics of the training nuclei only, write a torch "
        "Dataset, and train a small MLP (seeded, with a device argument) on the residuals "
        "B - B_LD; compare the held-out RMS of both models with bootstrap errors.",
        "Fit a Gaussian process to the same residuals and compare it with the network "
        "(accuracy, calibration of its error bars, cost).",
        "Open study: extrapolation. Hold out the most neutron-rich nuclei of each element (or "
        "the heaviest) instead of a random set; how do the two methods degrade, and which "
        "physics (magic numbers, pairing) do the residuals still show?",
    ),
    solution=_SOLUTION,
    tests=_TESTS,
)
