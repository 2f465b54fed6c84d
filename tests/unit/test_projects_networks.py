"""physml.projects.networks: each milestone check against right input (passes), deliberately
wrong input (fails, without showing the reference value) and bad input (raises); the data
generators are reproducible."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.signal import correlate

from physml import ising
from physml.nn.mlp import MLP, initial_weights
from physml.projects import Milestone
from physml.projects import networks as nw

SIZES = [256, 128, 64, 2]


# --- initialisation --------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["xavier", "he"])
def test_initialisation_passes_with_the_book_initial_weights(scheme):
    rng = np.random.default_rng(3)
    weights = [initial_weights(a, b, scheme, rng) for a, b in zip(SIZES[:-1], SIZES[1:], strict=True)]
    m = nw.check_initialisation(weights, SIZES, scheme)
    assert isinstance(m, Milestone) and m.passed, str(m)


def test_initialisation_accepts_torch_layout_and_tensors():
    torch.manual_seed(0)
    layers = [torch.nn.Linear(a, b) for a, b in zip(SIZES[:-1], SIZES[1:], strict=True)]
    for layer in layers:
        torch.nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")  # Var = 2/fan_in
    assert nw.check_initialisation([layer.weight for layer in layers], SIZES, "he").passed
    for layer in layers:
        torch.nn.init.xavier_normal_(layer.weight)
    assert nw.check_initialisation([layer.weight for layer in layers], SIZES, "xavier").passed


def test_initialisation_false_alarm_rate_is_small():
    """4 standard errors: correct draws pass for every one of 40 seeds."""
    for seed in range(40):
        rng = np.random.default_rng(seed)
        weights = [initial_weights(a, b, "he", rng) for a, b in zip(SIZES[:-1], SIZES[1:], strict=True)]
        assert nw.check_initialisation(weights, SIZES, "he").passed, seed


def test_initialisation_fails_for_wrong_scales():
    rng = np.random.default_rng(0)
    pairs = list(zip(SIZES[:-1], SIZES[1:], strict=True))
    normal = [rng.standard_normal((a, b)) for a, b in pairs]
    m = nw.check_initialisation(normal, SIZES, "xavier")
    assert not m.passed and "layer(s) 1, 2, 3" in m.message
    assert "0.0052" not in str(m) and "0.00521" not in str(m)  # 2/(256 + 128), the expected variance
    xavier = [initial_weights(a, b, "xavier", rng) for a, b in pairs]
    assert not nw.check_initialisation(xavier, SIZES, "he").passed
    std_as_variance = [rng.normal(0, 2.0 / a, size=(a, b)) for a, b in pairs]  # a variance used as sigma
    assert not nw.check_initialisation(std_as_variance, SIZES, "he").passed
    limit = [np.sqrt(6 / (a + b)) for a, b in pairs]
    not_centred = [rng.uniform(0, lim, size=(a, b)) for lim, (a, b) in zip(limit, pairs, strict=True)]
    assert not nw.check_initialisation(not_centred, SIZES, "xavier").passed


def test_initialisation_bad_input_raises():
    rng = np.random.default_rng(0)
    weights = [initial_weights(a, b, "he", rng) for a, b in zip(SIZES[:-1], SIZES[1:], strict=True)]
    with pytest.raises(ValueError, match="weights"):
        nw.check_initialisation(weights[:2], SIZES, "he")
    with pytest.raises(ValueError, match=r"weights\[1\]"):
        nw.check_initialisation([weights[0], weights[0], weights[2]], SIZES, "he")
    bad = [w.copy() for w in weights]
    bad[2][0, 0] = np.nan
    with pytest.raises(ValueError, match=r"weights\[2\]"):
        nw.check_initialisation(bad, SIZES, "he")
    with pytest.raises(ValueError, match="scheme"):
        nw.check_initialisation(weights, SIZES, "glorot")
    with pytest.raises(ValueError, match="sizes"):
        nw.check_initialisation(weights, [256], "he")
    with pytest.raises(TypeError, match="weights"):
        nw.check_initialisation(weights[0], SIZES, "he")


# --- backpropagation -------------------------------------------------------------------------


def book_gradient(p: nw.BackpropProblem) -> list[np.ndarray]:
    """physml.nn.MLP's backpropagation: an implementation independent of the check's autograd."""
    model = MLP.from_weights(
        list(p.weights), list(p.biases), hidden_activation=list(p.activations[:-1]),
        output_activation=p.activations[-1], loss="mse", l2=p.l2, l1=p.l1,
    )  # fmt: skip
    return model.gradients(p.X, p.Y)


def finite_differences(p: nw.BackpropProblem, h: float = 1e-6) -> list[np.ndarray]:
    def cost(weights, biases):
        a = p.X
        for w, b, name in zip(weights, biases, p.activations, strict=True):
            a = nw._ACTIVATIONS[name](a @ w + b)
        penalty = sum(p.l2 * np.sum(w**2) + p.l1 * np.sum(np.abs(w)) for w in weights)
        return np.sum((a - p.Y) ** 2) / len(p.X) + penalty

    params = [x.copy() for pair in zip(p.weights, p.biases, strict=True) for x in pair]
    grads = []
    for arr in params:
        g = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + h
            plus = cost(params[0::2], params[1::2])
            arr[idx] = old - h
            minus = cost(params[0::2], params[1::2])
            arr[idx] = old
            g[idx] = (plus - minus) / (2 * h)
        grads.append(g)
    return grads


@pytest.mark.parametrize("seed", [0, 1])
def test_gradient_passes_with_book_backprop_and_finite_differences(seed):
    p = nw.backprop_problem(seed)
    m = nw.check_gradient(book_gradient(p), p)
    assert m.passed, str(m)
    assert nw.check_gradient(finite_differences(p), p).passed
    assert nw.check_gradient([torch.tensor(g) for g in book_gradient(p)], p).passed


def test_gradient_fails_for_realistic_bugs_and_hides_the_values():
    p = nw.backprop_problem(0)
    good = book_gradient(p)
    m = nw.check_gradient([2 * g for g in good], p)
    assert not m.passed and "constant multiple" in m.message
    assert not any(f"{v:.4g}" in str(m) for g in good for v in g.ravel()[:3])
    no_penalty = [g - (2 * p.l2 * w + p.l1 * np.sign(w)) if i % 2 == 0 else g for i, (g, w) in
                  enumerate(zip(good, [x for pair in zip(p.weights, p.biases, strict=True) for x in pair],
                                strict=True))]  # fmt: skip
    m = nw.check_gradient(no_penalty, p)
    assert not m.passed and "penalties" in m.message
    wrong_derivative = MLP.from_weights(
        list(p.weights), list(p.biases), hidden_activation=["tanh", "tanh"], output_activation="identity",
        loss="mse", l2=p.l2, l1=p.l1,
    ).gradients(p.X, p.Y)  # fmt: skip
    assert not nw.check_gradient(wrong_derivative, p).passed


def test_gradient_bad_input_raises():
    p = nw.backprop_problem(0)
    good = book_gradient(p)
    with pytest.raises(ValueError, match="grads"):
        nw.check_gradient(good[:-1], p)
    with pytest.raises(ValueError, match=r"grads\[0\]"):
        nw.check_gradient([good[0].T] + good[1:], p)
    bad = [g.copy() for g in good]
    bad[3][0] = np.inf
    with pytest.raises(ValueError, match=r"grads\[3\]"):
        nw.check_gradient(bad, p)
    with pytest.raises(TypeError, match="problem"):
        nw.check_gradient(good, nw.conv_problem(0))


# --- convolution --------------------------------------------------------------------------------


def scipy_conv(p: nw.ConvProblem) -> np.ndarray:
    return np.stack(
        [
            p.bias[o]
            + sum(correlate(p.image[c], p.kernels[o, c], mode="valid") for c in range(p.image.shape[0]))
            for o in range(p.kernels.shape[0])
        ]
    )


def test_convolution_passes_with_scipy_and_fails_for_bugs():
    p = nw.conv_problem(0)
    assert nw.check_convolution(scipy_conv(p), p).passed
    flipped = nw.ConvProblem(p.image, p.kernels[:, :, ::-1, ::-1].copy(), p.bias)
    m = nw.check_convolution(scipy_conv(flipped), p)
    assert not m.passed and "flipped" in m.message
    no_bias = nw.ConvProblem(p.image, p.kernels, np.zeros(3))
    assert "bias" in nw.check_convolution(scipy_conv(no_bias), p).message
    m = nw.check_convolution(scipy_conv(p) + 0.01, p)
    assert not m.passed and not any(f"{v:.4g}" in str(m) for v in scipy_conv(p).ravel()[:5])


def test_convolution_bad_input_raises():
    p = nw.conv_problem(0)
    with pytest.raises(ValueError, match="output"):
        nw.check_convolution(np.zeros((3, 7, 6)), p)  # 'same' padding
    with pytest.raises(ValueError, match="output"):
        nw.check_convolution(np.full((3, 5, 4), np.nan), p)
    with pytest.raises(TypeError, match="problem"):
        nw.check_convolution(np.zeros((3, 5, 4)), "problem")


# --- the classifier ------------------------------------------------------------------------------


def magnetisation_rule(spins, threshold=0.55):
    """A physics baseline that needs no training: ordered when |m| is large."""
    return (np.abs(ising.magnetization(spins, per_spin=True)) > threshold).astype(int)


def test_classifier_passes_with_the_magnetisation_and_fails_with_constants():
    held = nw.ising_held_out()
    m = nw.check_classifier(magnetisation_rule(held))
    assert m.passed, str(m)
    assert "binomial" in str(m)
    m = nw.check_classifier(np.ones(len(held)))
    assert not m.passed and "0.5000" in str(m)  # the student's own accuracy is shown
    assert not nw.check_classifier(1 - magnetisation_rule(held)).passed


def test_classifier_confusion_matrix_counts_add_up():
    held = nw.ising_held_out()
    m = nw.check_classifier(magnetisation_rule(held))
    counts = {k: int(v) for k, v in m.details if k.startswith(("ordered", "disordered"))}
    assert sum(counts.values()) == len(held)
    n_ordered = counts["ordered predicted ordered"] + counts["ordered predicted disordered"]
    assert n_ordered == len(held) // 2  # three temperatures on each side of T_c


def test_classifier_bad_input_raises():
    held = nw.ising_held_out()
    with pytest.raises(ValueError, match="predicted"):
        nw.check_classifier(np.ones(len(held) - 1))
    with pytest.raises(ValueError, match="predicted"):
        nw.check_classifier(np.full(len(held), 0.7))
    with pytest.raises(ValueError, match="predicted"):
        nw.check_classifier(np.full(len(held), np.nan))
    with pytest.raises(ValueError, match="target"):
        nw.check_classifier(np.ones(len(held)), target=1.5)


# --- data ----------------------------------------------------------------------------------------


def test_generators_are_reproducible():
    a, b = nw.backprop_problem(4), nw.backprop_problem(np.random.default_rng(4))
    for x, y in zip((a.X, a.Y, *a.weights), (b.X, b.Y, *b.weights), strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.allclose(nw.backprop_problem(5).X, a.X)
    np.testing.assert_array_equal(nw.conv_problem(2).kernels, nw.conv_problem(2).kernels)
    t1 = nw.ising_training_set(4, seed=3, temperatures=(1.5, 3.0))
    t2 = nw.ising_training_set(4, seed=3, temperatures=(1.5, 3.0))
    np.testing.assert_array_equal(t1.spins, t2.spins)
    np.testing.assert_array_equal(t1.labels, [1] * 4 + [0] * 4)
    assert t1.spins.shape == (8, nw.ISING_L, nw.ISING_L)


def test_held_out_set_is_shuffled_and_copied():
    held = nw.ising_held_out()
    labels = nw._held_out_set()[1]
    assert held.shape == (len(nw.HELD_OUT_TEMPERATURES) * nw.HELD_OUT_PER_TEMPERATURE, nw.ISING_L, nw.ISING_L)
    assert 0 < np.sum(labels[: len(labels) // 2]) < len(labels) // 2  # not sorted by phase
    held[:] = 1
    assert not np.all(nw.ising_held_out() == 1)


def test_training_set_bad_input_and_template():
    with pytest.raises(ValueError, match="temperatures"):
        nw.ising_training_set(2, temperatures=(1.0, -1.0))
    with pytest.raises(ValueError, match="n_per_temperature"):
        nw.ising_training_set(0)
    assert nw.TEMPLATE.path == "networks"
    compile(nw.TEMPLATE.solution, "solution.py", "exec")
    compile(nw.TEMPLATE.tests, "test_milestones.py", "exec")
