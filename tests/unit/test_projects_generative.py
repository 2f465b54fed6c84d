"""physml.projects.generative: the data are reproducible, every milestone check passes right
input and fails wrong input without showing the reference value, and bad input raises."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from scipy.special import logsumexp
from sklearn.datasets import load_digits

from physml import ising, optim
from physml.projects import generative as gen
from physml.rbm import BinaryRBM, spins_to_binary


def _not_shown(milestone, *values):
    text = str(milestone) + milestone._repr_html_()
    for v in values:
        for spec in (".6g", ".5g", ".4f", ".3f"):
            assert format(v, spec) not in text, f"{format(v, spec)} shown in {text}"


@functools.cache
def _trained() -> BinaryRBM:
    """A small RBM trained on the project's data by exact gradient ascent (physml.rbm, Adam)."""
    x = spins_to_binary(gen.ising_data())
    rbm = BinaryRBM.random(9, 6, seed=0, scale=0.1)
    opt = optim.Adam(learning_rate=0.05)
    for _ in range(800):
        g = rbm.exact_gradient(x)
        opt.step(rbm.params, [-g.a, -g.b, -g.W])
    return rbm


def _params(rbm: BinaryRBM):
    return rbm.W.copy(), rbm.a.copy(), rbm.b.copy()


# --- data ------------------------------------------------------------------------------------


def test_ising_data_is_reproducible_and_boltzmann_distributed():
    a, b = gen.ising_data(50, seed=3), gen.ising_data(50, seed=3)
    assert np.array_equal(a, b) and a.shape == (50, 3, 3) and a.dtype == np.int8
    assert not np.array_equal(a, gen.ising_data(50, seed=4))
    assert set(np.unique(a)) <= {-1, 1}
    assert gen.ising_data().shape == (gen.N_TRAIN, 3, 3)
    spins = gen.ising_data(20000, seed=np.random.default_rng(1))
    e = ising.energy(spins) / 9
    exact = ising.exact(3, gen.TEMPERATURE).energy
    assert abs(e.mean() - exact) < 5 * e.std() / np.sqrt(e.size)
    hot = gen.ising_data(20000, seed=2, T=100.0)
    assert abs(np.mean(ising.energy(hot) / 9)) < 0.05  # nearly uncorrelated spins


def test_binarised_digits():
    x, y = gen.binarised_digits()
    assert x.shape == (1797, 64) and set(np.unique(x)) == {0.0, 1.0}
    assert np.array_equal(np.unique(y), np.arange(10))
    assert gen.binarised_digits(1.0)[0].sum() > x.sum()


# --- check_log_likelihood ------------------------------------------------------------------


def test_log_likelihood_right_value_passes():
    rbm = _trained()
    data = gen.ising_data(500, seed=7)
    value = rbm.log_likelihood(spins_to_binary(data))  # physml.rbm sums over the hidden layer
    m = gen.check_log_likelihood(*_params(rbm), value, data)
    assert m.passed, str(m)
    assert gen.check_log_likelihood(*_params(rbm), value, data.reshape(-1, 9)).passed
    # a random RBM with more hidden than visible units (physml.rbm then sums over the visible)
    wide = BinaryRBM.random(9, 12, seed=5, scale=0.5)
    wide.a[:] = np.linspace(-1, 1, 9)
    assert gen.check_log_likelihood(*_params(wide), wide.log_likelihood(spins_to_binary(data)), data).passed


def test_log_likelihood_wrong_value_fails_without_showing_the_reference():
    rbm = _trained()
    data = gen.ising_data(500, seed=7)
    exact = rbm.log_likelihood(spins_to_binary(data))
    assert not gen.check_log_likelihood(*_params(rbm), exact * (1 + 1e-5), data).passed
    m = gen.check_log_likelihood(*_params(rbm), exact - 0.05, data)
    assert not m.passed and "NOT YET" in str(m)
    _not_shown(m, exact)


def _slip_values(W, a, b, data):
    x = spins_to_binary(data)
    states = np.array([[(k >> i) & 1 for i in range(9)] for k in range(512)], float)

    def unnorm(v):
        return v @ a + np.logaddexp(0, b + v @ W).sum(axis=1)

    log_z = logsumexp(unnorm(states))
    pm = 2 * states - 1
    return {
        "+-1": np.mean(unnorm(2 * x - 1)) - logsumexp(unnorm(pm)),
        "+-1 data": np.mean(unnorm(2 * x - 1)) - log_z,
        "without log Z": np.mean(unnorm(x)),
        "sum over the configurations": np.sum(unnorm(x) - log_z),
    }


@pytest.mark.parametrize(
    "slip, named",
    [
        ("+-1", "+-1 spins fed to the RBM"),
        ("+-1 data", "+-1 spins fed to the RBM"),
        ("without log Z", "without log Z"),
        ("sum over the configurations", "sum over the configurations"),
    ],
)
def test_log_likelihood_slips_are_named(slip, named):
    rbm = _trained()
    data = gen.ising_data(300, seed=8)
    value = _slip_values(*_params(rbm), data)[slip]
    m = gen.check_log_likelihood(*_params(rbm), value, data)
    assert not m.passed and named in m.message


def test_log_likelihood_transposed_W_is_named():
    rbm = BinaryRBM.random(9, 9, seed=2, scale=0.5)
    data = gen.ising_data(300, seed=9)
    transposed = BinaryRBM(rbm.a, rbm.b, rbm.W.T)
    m = gen.check_log_likelihood(*_params(rbm), transposed.log_likelihood(spins_to_binary(data)), data)
    assert not m.passed and "transposed" in m.message


@pytest.mark.parametrize(
    "change, match",
    [
        ({"W": np.zeros((4, 3))}, "W"),
        ({"W": np.full((9, 3), np.nan)}, "W"),
        ({"a": np.zeros(8)}, "a"),
        ({"b": np.zeros(2)}, "b"),
        ({"log_likelihood": float("nan")}, "log_likelihood"),
        ({"log_likelihood": "x"}, "log_likelihood"),
        ({"spins": np.zeros((4, 3, 3))}, "spins"),
        ({"spins": np.ones((4, 2, 2))}, "spins"),
    ],
)
def test_log_likelihood_bad_input_raises(change, match):
    args = {
        "W": np.zeros((9, 3)),
        "a": np.zeros(9),
        "b": np.zeros(3),
        "log_likelihood": -6.0,
        "spins": gen.ising_data(5),
    }
    args.update(change)
    with pytest.raises((TypeError, ValueError), match=match):
        gen.check_log_likelihood(**args)


# --- check_beats_independent ---------------------------------------------------------------


def test_trained_rbm_beats_the_independent_spin_model():
    m = gen.check_beats_independent(*_params(_trained()))
    assert m.passed, str(m)


def test_independent_spin_rbm_does_not_beat_it():
    x = spins_to_binary(gen.ising_data())
    mu = x.mean(axis=0)
    m = gen.check_beats_independent(np.zeros((9, 2)), np.log(mu / (1 - mu)), np.zeros(2))
    assert not m.passed and "independent-spin" in m.message
    held_out = gen._held_out(gen.TEMPERATURE)
    baseline = float(np.mean(gen._independent_log_p(held_out)))
    _not_shown(m, baseline)


def test_trained_rbm_at_another_temperature_fails():
    assert not gen.check_beats_independent(*_params(_trained()), T=20.0).passed


def test_beats_independent_bad_input_raises():
    with pytest.raises(ValueError, match="T"):
        gen.check_beats_independent(np.zeros((9, 2)), np.zeros(9), np.zeros(2), T=0.0)
    with pytest.raises(ValueError, match="W"):
        gen.check_beats_independent(np.zeros((2, 9)), np.zeros(9), np.zeros(2))


# --- check_sample_observables --------------------------------------------------------------


def test_exact_samples_pass_and_a_trained_rbm_too():
    m = gen.check_sample_observables(gen.ising_data(4000, seed=11))
    assert m.passed, str(m)
    rbm = _trained()
    x = rbm.gibbs(np.random.default_rng(0).integers(0, 2, (3000, 9)).astype(float), 100, seed=1)
    assert gen.check_sample_observables(2 * x - 1).passed


def test_wrong_samples_fail_without_showing_the_exact_averages():
    exact = ising.exact(3, gen.TEMPERATURE)
    random = np.random.default_rng(0).choice([-1, 1], size=(4000, 3, 3))
    m = gen.check_sample_observables(random)
    assert not m.passed and "energy per spin" in m.message
    _not_shown(m, float(exact.energy), float(exact.abs_magnetization))
    colder = gen.ising_data(4000, seed=12, T=2.0)  # samples of the wrong temperature
    assert not gen.check_sample_observables(colder).passed


def test_too_few_samples_fail():
    m = gen.check_sample_observables(gen.ising_data(200, seed=1))
    assert not m.passed and str(gen.MIN_SAMPLES) in m.message


def test_sample_observables_bad_input_raises():
    with pytest.raises(ValueError, match="samples"):
        gen.check_sample_observables(np.ones((2000, 9)) * 0.5)
    with pytest.raises(ValueError, match="samples"):
        gen.check_sample_observables(spins_to_binary(gen.ising_data(2000)))  # 0/1 units
    with pytest.raises(TypeError, match="samples"):
        gen.check_sample_observables("spins")


# --- digits ----------------------------------------------------------------------------------


def _real_digits(n_per_class: int, offset: int = 0):
    digits = load_digits()
    idx = np.concatenate(
        [np.flatnonzero(digits.target == c)[offset : offset + n_per_class] for c in range(10)]
    )
    return digits.data[idx], digits.target[idx]


def test_real_digits_pass_the_judge():
    images, labels = _real_digits(30, offset=100)
    m = gen.check_digit_samples(images, labels)
    assert m.passed, str(m)
    confusion = gen.judge_confusion(images.reshape(-1, 8, 8), labels)
    assert confusion.shape == (10, 10) and confusion.sum() == 300
    assert np.trace(confusion) >= 0.9 * 300


def test_collapsed_and_mislabelled_digits_fail():
    images, labels = _real_digits(30)
    means = np.repeat([images[labels == c].mean(axis=0) for c in range(10)], 30, axis=0)
    m = gen.check_digit_samples(means, labels)
    assert not m.passed and "vary too little" in m.message
    shuffled = np.random.default_rng(0).permutation(labels)
    m = gen.check_digit_samples(images, shuffled)
    assert not m.passed and "recognise" in m.message
    m = gen.check_digit_samples(images[labels != 3], labels[labels != 3])
    assert not m.passed and "at least" in m.message


def test_digit_samples_bad_input_raises():
    images, labels = _real_digits(20)
    with pytest.raises(ValueError, match="images"):
        gen.check_digit_samples(images * 2.0, labels)
    with pytest.raises(ValueError, match="images"):
        gen.check_digit_samples(images[:, :60], labels)
    with pytest.raises(ValueError, match="labels"):
        gen.check_digit_samples(images, labels[:-1])
    with pytest.raises(ValueError, match="labels"):
        gen.judge_confusion(images, labels + 0.5)


def test_template_files_compile():
    compile(gen.TEMPLATE.solution, "solution.py", "exec")
    compile(gen.TEMPLATE.tests, "test_milestones.py", "exec")
    assert gen.TEMPLATE.path == "generative" and len(gen.TEMPLATE.tasks) >= 4
