"""physml.projects.own_data: the data (AME2020 masses from periodictable), each milestone check
against right input (passes), deliberately wrong input (fails, without showing the reference
value) and bad input (raises); the split and bootstrap are reproducible with a seed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.constants import physical_constants

from physml.projects import Milestone
from physml.projects import own_data as od


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return od.nuclear_table()


def design(Z, N):
    """The liquid-drop terms, written independently of the module."""
    A = Z + N
    delta = np.zeros_like(A, dtype=float)
    delta[(Z % 2 == 0) & (N % 2 == 0)] = 1.0
    delta[(Z % 2 == 1) & (N % 2 == 1)] = -1.0
    return np.column_stack(
        [A, -(np.cbrt(A) ** 2), -Z * (Z - 1) / np.cbrt(A), -((N - Z) ** 2) / A, delta / np.sqrt(A)]
    )


def least_squares(table, rows):
    """Coefficients and their standard errors by scipy's least squares (an independent solver)."""
    from scipy.linalg import lstsq

    sub = table.loc[rows]
    X = design(sub["Z"].to_numpy(float), sub["N"].to_numpy(float))
    y = sub["B_MeV"].to_numpy()
    theta, *_ = lstsq(X, y)
    resid = y - X @ theta
    cov = resid @ resid / (len(y) - 5) * np.linalg.inv(X.T @ X)
    return theta, np.sqrt(np.diag(cov))


def split(n, seed=3, test=0.2):
    order = np.random.default_rng(seed).permutation(n)
    k = round(test * n)
    return np.sort(order[k:]), np.sort(order[:k])


def _reveals(m: Milestone, values, own=()) -> bool:
    """Whether the message shows one of ``values`` to 4 or more digits (unless the student's
    own figures ``own`` read the same at that precision)."""
    text = str(m)
    for v in np.atleast_1d(values):
        for spec in (".6g", ".5g", ".4g"):
            shown = f"{v:{spec}}"
            if shown in text and not any(f"{o:{spec}}" == shown for o in np.atleast_1d(own)):
                return True
    return False


# --- the data --------------------------------------------------------------------------------


def test_isotope_masses_are_the_periodictable_set():
    masses = od.isotope_masses()
    assert len(masses) == 2939  # the package's nuclides (the free neutron is not among them)
    assert list(masses.columns[:6]) == ["Z", "N", "A", "symbol", "mass_u", "mass_uncertainty_u"]
    assert (masses["A"] == masses["Z"] + masses["N"]).all()
    assert masses["Z"].is_monotonic_increasing
    he4 = masses[(masses["Z"] == 2) & (masses["A"] == 4)].iloc[0]
    assert he4["mass_u"] == pytest.approx(4.00260325413, abs=1e-10)  # AME2020


def test_binding_energies_of_known_nuclei(table):
    """B/A of 56Fe and 4He, and the constants against CODATA (scipy) values."""
    assert od.MEV_PER_U == pytest.approx(931.49410372, rel=1e-9)
    assert od.M_NEUTRON_U == pytest.approx(physical_constants["neutron mass in u"][0], abs=1e-9)
    mass_h = physical_constants["proton mass in u"][0] + physical_constants["electron mass in u"][0]
    assert od.M_HYDROGEN_U == pytest.approx(mass_h - 13.6e-6 / od.MEV_PER_U, abs=1e-10)  # minus binding
    fe56 = table[(table["Z"] == 26) & (table["A"] == 56)].iloc[0]
    assert fe56["B_per_A_MeV"] == pytest.approx(8.790, abs=2e-3)  # AME2020: 8790.354 keV
    b_he4 = od.binding_energy(np.array([2]), np.array([2]), np.array([4.00260325413]))
    assert b_he4[0] == pytest.approx(28.2957, abs=1e-3)


def test_nuclear_table_selection_and_csv_round_trip(table, tmp_path):
    assert (table["Z"] >= 8).all() and (table["N"] >= 8).all()
    assert (table["uncertainty_keV"] <= 100).all()
    assert 2000 < len(table) < 2600
    assert list(table.index) == list(range(len(table)))
    path = tmp_path / "nuclei.csv"
    table.to_csv(path)
    back = pd.read_csv(path, index_col=0)
    np.testing.assert_allclose(back["B_MeV"].to_numpy(), table["B_MeV"].to_numpy(), rtol=1e-12)
    loose = od.nuclear_table(min_z=1, min_n=0, max_uncertainty_kev=1e6)
    assert len(loose) == len(od.isotope_masses())  # the loosest selection keeps every nuclide
    with pytest.raises(ValueError, match="min_z"):
        od.nuclear_table(min_z=200)


def test_liquid_drop_energy_is_the_formula(table):
    c = np.array([15.8, 18.3, 0.714, 23.2, 12.0])
    Z, N = table["Z"].to_numpy(float), table["N"].to_numpy(float)
    np.testing.assert_allclose(od.liquid_drop_energy(c, Z, N), design(Z, N) @ c, rtol=1e-12)


def test_rms_with_error_is_reproducible_and_sensible():
    r = np.random.default_rng(0).normal(0, 2.0, size=2000)
    a, b = od.rms_with_error(r, seed=4), od.rms_with_error(r, seed=4)
    assert a == b
    rms, err = a
    assert rms == pytest.approx(np.sqrt(np.mean(r**2)))
    assert err == pytest.approx(2.0 / np.sqrt(2 * 2000), rel=0.2)  # sigma / sqrt(2n) for Gaussian r


# --- check_liquid_drop -----------------------------------------------------------------------


@pytest.mark.parametrize("use_split", [False, True])
def test_liquid_drop_passes_with_the_least_squares_fit(table, use_split):
    rows = split(len(table))[0] if use_split else np.arange(len(table))
    theta, _ = least_squares(table, rows)
    m = od.check_liquid_drop(theta, train_index=rows if use_split else None)
    assert m.passed, str(m)
    assert "a V" in str(m)


@pytest.mark.parametrize(
    "wrong",
    ["textbook", "per nucleon", "Z squared", "other nuclei", "5 sigma"],
)
def test_liquid_drop_fails_with_wrong_coefficients(table, wrong):
    train, test = split(len(table))
    theta, sigma = least_squares(table, train)
    sub = table.loc[train]
    Z, N = sub["Z"].to_numpy(float), sub["N"].to_numpy(float)
    if wrong == "textbook":
        c = np.array([15.8, 18.3, 0.714, 23.2, 12.0])
    elif wrong == "per nucleon":  # fitted B/A with the terms divided by A
        X = design(Z, N)
        c = np.linalg.lstsq(X / (Z + N)[:, None], sub["B_per_A_MeV"].to_numpy(), rcond=None)[0]
    elif wrong == "Z squared":  # Coulomb term Z^2 instead of Z(Z-1)
        X = design(Z, N)
        X[:, 2] = -(Z**2) / np.cbrt(Z + N)
        c = np.linalg.lstsq(X, sub["B_MeV"].to_numpy(), rcond=None)[0]
    elif wrong == "other nuclei":
        c = least_squares(table, test)[0]
    else:
        c = theta + 5 * sigma * np.array([0, 0, 1, 0, 0])
    m = od.check_liquid_drop(c, train_index=train)
    assert not m.passed, (wrong, str(m))
    assert not _reveals(m, theta, own=c) and not _reveals(m, sigma)
    assert "standard errors" in m.message


def test_liquid_drop_bad_input():
    with pytest.raises(ValueError, match="coefficients"):
        od.check_liquid_drop(np.ones(4))
    with pytest.raises(ValueError, match="coefficients"):
        od.check_liquid_drop([15.0, 17.0, np.nan, 23.0, 11.0])
    with pytest.raises(TypeError, match="coefficients"):
        od.check_liquid_drop("a_V")
    with pytest.raises(ValueError, match="train_index"):
        od.check_liquid_drop(np.ones(5), train_index=[0, 1, 10**6])
    with pytest.raises(ValueError, match="train_index"):
        od.check_liquid_drop(np.ones(5), train_index=[0.5, 1, 2])


# --- check_no_leakage ------------------------------------------------------------------------


def features(table):
    return np.column_stack([table["Z"], table["N"]]).astype(float)


def test_no_leakage_passes_with_training_statistics(table):
    train, test = split(len(table))
    F = features(table)
    for ddof in (0, 1):
        m = od.check_no_leakage(
            train, test, features=F, scaler_mean=F[train].mean(0), scaler_scale=F[train].std(0, ddof=ddof)
        )
        assert m.passed, str(m)
    assert od.check_no_leakage(train, test).passed  # no scaler: only the split is checked
    m32 = od.check_no_leakage(
        train, test, features=F, scaler_mean=F[train].mean(0).astype(np.float32), scaler_scale=None
    )
    assert m32.passed, str(m32)


@pytest.mark.parametrize("leak", ["all", "test", "overlap", "duplicate"])
def test_no_leakage_fails_with_a_leak(table, leak):
    train, test = split(len(table))
    F = features(table)
    mean, scale = F[train].mean(0), F[train].std(0)
    if leak == "all":
        mean, scale = F.mean(0), F.std(0)
    elif leak == "test":
        mean, scale = F[test].mean(0), F[test].std(0)
    elif leak == "overlap":
        test = np.concatenate([test, train[:5]])
    else:
        train = np.concatenate([train, train[:3]])
    m = od.check_no_leakage(train, test, features=F, scaler_mean=mean, scaler_scale=scale)
    assert not m.passed, (leak, str(m))
    if leak in ("all", "test"):
        assert "training nuclei only" in m.message
        assert not _reveals(m, F[train].mean(0))


def test_no_leakage_bad_input(table):
    train, test = split(len(table))
    F = features(table)
    with pytest.raises(ValueError, match="features"):
        od.check_no_leakage(train, test, scaler_mean=F[train].mean(0))
    with pytest.raises(ValueError, match="features"):
        od.check_no_leakage(train, test, features=F[:-1], scaler_mean=F[train].mean(0))
    with pytest.raises(ValueError, match="scaler_mean"):
        od.check_no_leakage(train, test, features=F, scaler_mean=np.ones(3))
    with pytest.raises(ValueError, match="test_index"):
        od.check_no_leakage(train, [-1, 2])
    with pytest.raises(ValueError, match="train_index"):
        od.check_no_leakage([], test)


# --- check_heldout_rms -----------------------------------------------------------------------


def test_heldout_rms_passes_with_a_better_model_and_fails_with_the_baseline(table):
    """A 'model' that adds the true residual shrunk by 0.3 with noise (a stand-in for a network)
    passes; the liquid drop itself (the baseline) and a slightly better one do not."""
    train, test = split(len(table))
    theta, _ = least_squares(table, train)
    sub = table.loc[test]
    truth = sub["B_MeV"].to_numpy()
    ld = design(sub["Z"].to_numpy(float), sub["N"].to_numpy(float)) @ theta
    noise = np.random.default_rng(1).normal(0, 0.3, size=len(test))
    good = truth + 0.3 * (ld - truth) + noise
    m = od.check_heldout_rms(good, test, train)
    assert m.passed, str(m)
    for name, pred in (("baseline", ld), ("10 % better", truth + 0.9 * (ld - truth))):
        m = od.check_heldout_rms(pred, test, train)
        assert not m.passed, (name, str(m))
        baseline = np.sqrt(np.mean((ld - truth) ** 2))
        if name == "10 % better":
            assert not _reveals(m, baseline)
    per_nucleon = good / (sub["A"].to_numpy())
    m = od.check_heldout_rms(per_nucleon, test, train)
    assert not m.passed and "not B/A" in m.message


def test_heldout_rms_refuses_a_leaky_or_tiny_test_set(table):
    train, test = split(len(table))
    truth = table.loc[test, "B_MeV"].to_numpy()
    m = od.check_heldout_rms(truth, test, np.concatenate([train, test[:1]]))
    assert not m.passed and "also training nuclei" in m.message
    m = od.check_heldout_rms(truth[:10], test[:10], train)
    assert not m.passed and "at least 50" in m.message


def test_heldout_rms_bad_input(table):
    train, test = split(len(table))
    with pytest.raises(ValueError, match="predictions"):
        od.check_heldout_rms(np.zeros(len(test) - 1), test, train)
    with pytest.raises(ValueError, match="predictions"):
        od.check_heldout_rms(np.full(len(test), np.inf), test, train)
    with pytest.raises(ValueError, match="margin"):
        od.check_heldout_rms(np.zeros(len(test)), test, train, margin=1.5)
    with pytest.raises(ValueError, match="train_index"):
        od.check_heldout_rms(np.zeros(len(test)), test, train[:5])


def test_bootstrap_in_the_check_is_seeded(table):
    train, test = split(len(table))
    pred = table.loc[test, "B_MeV"].to_numpy() + np.random.default_rng(2).normal(0, 0.5, len(test))
    assert str(od.check_heldout_rms(pred, test, train, seed=3)) == str(
        od.check_heldout_rms(pred, test, train, seed=3)
    )


def test_template_is_consistent():
    t = od.TEMPLATE
    assert t.path == "own_data" and len(t.tasks) >= 4
    compile(t.solution, "solution.py", "exec")
    compile(t.tests, "test_milestones.py", "exec")
    for name in ("check_no_leakage", "check_liquid_drop", "check_heldout_rms"):
        assert name in t.tests
