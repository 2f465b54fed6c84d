"""Tests of physml.autoregressive: MADE masks, exact normalisation, sampling, training, the baseline."""

import itertools

import numpy as np
import pytest
import torch

from physml import autoregressive as ar
from physml.checks import autoregressive as checks
from physml.studies import autoregressive as study


def _all_bits(d):
    return np.array(list(itertools.product([0.0, 1.0], repeat=d)))


@pytest.mark.parametrize("ordering", [None, (2, 0, 4, 1, 3), (4, 3, 2, 1, 0)])
@pytest.mark.parametrize("hidden", [(7,), (9, 5), (3, 3, 3)])
def test_jacobian_is_zero_where_the_ordering_forbids(ordering, hidden):
    jac = checks.mask_jacobian(5, hidden, ordering, seed=3)
    order = np.arange(5) if ordering is None else ordering
    assert np.all(jac[checks.forbidden(order)] == 0.0)


def test_masks_connect_exactly_the_earlier_inputs():
    # with enough hidden units every allowed path exists: the product of masks is strictly lower triangular
    masks = ar.made_masks(4, (12,))
    reach = masks[1] @ masks[0]
    assert np.array_equal(reach > 0, np.tril(np.ones((4, 4)), k=-1) > 0)


@pytest.mark.parametrize("ordering", [None, (3, 1, 0, 2, 5, 4)])
def test_probabilities_sum_to_one(ordering):
    torch.manual_seed(0)
    model = ar.MADE(6, (10, 10), ordering).double()
    with torch.no_grad():
        p = torch.exp(model.log_prob(_all_bits(6))).sum().item()
    assert p == pytest.approx(1.0, abs=1e-12)


def test_log_prob_equals_chain_rule_product():
    torch.manual_seed(1)
    model = ar.MADE(3, (8,)).double()
    x = np.array([[1.0, 0.0, 1.0]])
    with torch.no_grad():
        probs = torch.sigmoid(model(torch.as_tensor(x))).numpy()[0]
        lp = model.log_prob(x).item()
    assert lp == pytest.approx(np.log(probs[0]) + np.log(1 - probs[1]) + np.log(probs[2]))


def test_samples_follow_the_model_distribution():
    torch.manual_seed(2)
    model = ar.MADE(3, (8,), ordering=(2, 0, 1))
    states = _all_bits(3)
    with torch.no_grad():
        p = torch.exp(model.log_prob(states)).numpy()
    x = model.sample(20000, seed=4)
    idx = (x * np.array([4, 2, 1])).sum(axis=1).astype(int)
    freq = np.bincount(idx, minlength=8) / len(x)
    assert np.all(np.abs(freq - p) < 4 * np.sqrt(p * (1 - p) / len(x)) + 1e-3)


def test_sampling_is_reproducible():
    torch.manual_seed(0)
    model = ar.MADE(5, (6,))
    assert np.array_equal(model.sample(50, seed=7), model.sample(50, seed=7))


def test_training_lowers_the_nll_and_stops_on_nan():
    rng = np.random.default_rng(0)
    x0 = rng.random((200, 1)) < 0.8
    data = np.hstack([x0, x0, ~x0]).astype(float)  # copies: a correlated distribution
    torch.manual_seed(0)
    model = ar.MADE(3, (8,))
    hist = ar.fit_made(model, data, data, epochs=30, lr=1e-2, batch_size=20)
    assert hist["val_nll"][-1] < hist["val_nll"][0] - 0.5
    model.net[0].bias.data[:] = float("nan")
    with pytest.raises(FloatingPointError, match="loss"):
        ar.fit_made(model, data, epochs=1)


def test_independent_baseline():
    x = np.array([[1, 0], [1, 1], [0, 0], [1, 0]], dtype=float)
    q = ar.fit_independent(x, alpha=0.0)
    assert np.allclose(q, [0.75, 0.25])
    q = ar.fit_independent(x, alpha=1.0)
    assert np.allclose(q, [4 / 6, 2 / 6])
    assert np.exp(ar.independent_log_prob(q, _all_bits(2))).sum() == pytest.approx(1.0)


def test_spin_bit_round_trip():
    spins = np.array([[[1, -1], [-1, 1]]], dtype=np.int8)
    bits = ar.spins_to_bits(spins)
    assert np.array_equal(bits, [[1.0, 0.0, 0.0, 1.0]])
    assert np.array_equal(ar.bits_to_spins(bits, 2), spins)


def test_state_index_matches_all_states():
    from physml import ising

    states = ising.all_states(3)
    assert np.array_equal(study._state_index(ar.spins_to_bits(states)), np.arange(len(states)))


def test_parameter_counts():
    masks = ar.made_masks(3, (4,))
    assert ar.n_made_parameters(3, (4,)) == 3 * 4 + 4 + 4 * 3 + 3
    # hidden degrees 1, 2, 1, 2: first layer keeps inputs of degree <= m, output d keeps m < m_0(d)
    assert ar.n_connections(masks) == (1 + 2 + 1 + 2) + (0 + 2 + 4)


@pytest.mark.parametrize(
    "bad, err",
    [
        (np.array([[0.0, 0.5]]), ValueError),
        (np.array([[0.0, np.nan]]), ValueError),
        (np.array([[1.0, 0.0]]) + 0j, TypeError),
        (np.zeros((0, 2)), ValueError),
        ("01", TypeError),
        (np.array([1.0, 0.0]), ValueError),
    ],
)
def test_bad_data_is_rejected(bad, err):
    with pytest.raises(err):
        ar.check_binary(bad, "x")
    model = ar.MADE(2, (3,))
    with pytest.raises(err):
        model.log_prob(bad)


def test_bad_arguments():
    with pytest.raises(ValueError, match="ordering"):
        ar.MADE(3, (4,), ordering=(0, 0, 1))
    with pytest.raises(ValueError, match="n_inputs"):
        ar.MADE(1, (4,))
    with pytest.raises(ValueError, match="columns"):
        ar.MADE(3, (4,)).log_prob(np.zeros((2, 2)))
    with pytest.raises(TypeError, match="model"):
        ar.fit_made(torch.nn.Linear(2, 2), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="lr"):
        ar.fit_made(ar.MADE(2, (3,)), np.zeros((3, 2)), lr=-1.0)
    with pytest.raises(ValueError, match="device"):
        ar.fit_made(ar.MADE(2, (3,)), np.zeros((3, 2)), device="gpu")
    with pytest.raises(ValueError, match="spins"):
        ar.spins_to_bits(np.zeros((2, 2, 2)))


def test_made_refuses_tensors_of_the_wrong_dtype():
    torch.manual_seed(0)
    model = ar.MADE(4, (5,))
    x = torch.zeros(3, 4)
    with pytest.raises(TypeError, match="x must be a floating-point"):
        model(x.bool())
    with pytest.raises(TypeError, match="x has dtype torch.float64"):
        model(x.double())
    with pytest.raises(TypeError, match="h must be real"):
        model.net[0](x + 1j)
    with pytest.raises(TypeError, match="x must be real bits"):
        model.log_prob(x + 1j)
    assert model.log_prob(x.bool()).shape == (3,)  # bits of any real dtype are converted
