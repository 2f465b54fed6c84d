"""Tests of physml.nn: backpropagation against finite differences and torch.autograd, training, bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from physml import optim
from physml.nn import MLP, accuracy, activations, examples, losses, torch_twin

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]
# (output activation, loss): every pairing MLP accepts
HEADS = [
    ("identity", "mse"),
    ("sigmoid", "mse"),
    ("softmax", "mse"),
    ("softmax", "cross_entropy"),
    ("sigmoid", "binary_cross_entropy"),
]


def _targets(rng, output, loss, n, n_out):
    if loss == "cross_entropy":
        return rng.integers(0, n_out, size=n)
    if loss == "binary_cross_entropy":
        return rng.uniform(0.0, 1.0, size=(n, n_out))
    return rng.normal(size=(n, n_out))


@st.composite
def networks(draw):
    """A random small network with data: architecture, activations, head, penalties, batch."""
    n_hidden = draw(st.integers(0, 3))
    sizes = [draw(st.integers(1, 5))] + [draw(st.integers(1, 6)) for _ in range(n_hidden)]
    output, loss = draw(st.sampled_from(HEADS))
    sizes.append(draw(st.integers(2, 4)) if output == "softmax" else draw(st.integers(1, 3)))
    hidden = [draw(st.sampled_from(HIDDEN)) for _ in range(n_hidden)]
    l2 = draw(st.sampled_from([0.0, 0.05]))
    l1 = draw(st.sampled_from([0.0, 0.02]))
    init = draw(st.sampled_from(["xavier", "he", "normal"]))
    seed = draw(st.integers(0, 2**16))
    n = draw(st.integers(1, 6))
    model = MLP(
        sizes,
        hidden_activation=hidden,
        output_activation=output,
        loss=loss,
        l2=l2,
        l1=l1,
        init=init,
        seed=seed,
    )
    rng = np.random.default_rng(seed + 1)
    for b in model.biases:  # non-zero biases exercise the bias gradients fully
        b[...] = 0.1 * rng.normal(size=b.shape)
    X = rng.normal(size=(n, sizes[0]))
    y = _targets(rng, output, loss, n, sizes[-1])
    return model, X, y


def _relative_error(grads, reference):
    diff = max(float(np.max(np.abs(g - r))) for g, r in zip(grads, reference, strict=True))
    scale = max(float(np.max(np.abs(r))) for r in reference)
    return diff / max(scale, 1e-12)


def _finite_differences(model, X, y, h=1e-6):
    grads = []
    for p in model.params:
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + h
            c_plus = model.loss(X, y)
            p[idx] = old - h
            c_minus = model.loss(X, y)
            p[idx] = old
            g[idx] = (c_plus - c_minus) / (2 * h)
        grads.append(g)
    return grads


@given(networks())
def test_backprop_matches_torch_autograd(case):
    model, X, y = case
    cost, reference = torch_twin.autograd_gradients(model, X, y)
    grads = model.gradients(X, y)
    assert [g.shape for g in grads] == [p.shape for p in model.params]
    assert cost == pytest.approx(model.loss(X, y), rel=1e-10, abs=1e-12)
    assert _relative_error(grads, reference) <= 1e-6


@given(networks())
def test_backprop_matches_finite_differences(case):
    model, X, y = case
    assert _relative_error(model.gradients(X, y), _finite_differences(model, X, y)) <= 1e-6


def test_loss_and_gradients_agree_with_separate_calls():
    model, X, y = _fixed_case()
    cost, grads = model.loss_and_gradients(X, y)
    assert cost == model.loss(X, y)
    for g, h in zip(grads, model.gradients(X, y), strict=True):
        np.testing.assert_array_equal(g, h)


def _fixed_case():
    model = MLP(
        [3, 4, 3], hidden_activation="tanh", output_activation="softmax", loss="cross_entropy", seed=1
    )
    rng = np.random.default_rng(0)
    return model, rng.normal(size=(5, 3)), rng.integers(0, 3, size=5)


@pytest.mark.parametrize("name", list(activations.ACTIVATIONS))
def test_activation_derivatives(name):
    f, df = activations.ACTIVATIONS[name]
    z = np.linspace(-3, 3, 61) + 0.013  # avoid the kink of the ReLUs at exactly 0
    h = 1e-6
    numeric = (f(z + h) - f(z - h)) / (2 * h)
    np.testing.assert_allclose(df(z), numeric, atol=1e-8)
    np.testing.assert_allclose(df(z, f(z)), df(z), atol=1e-15)


def test_softmax_backward_is_the_jacobian_product():
    rng = np.random.default_rng(3)
    z, g = rng.normal(size=(1, 4)), rng.normal(size=(1, 4))
    a = activations.softmax(z)
    jacobian = np.diag(a[0]) - np.outer(a[0], a[0])
    np.testing.assert_allclose(activations.softmax_backward(z, a, g)[0], jacobian @ g[0], atol=1e-15)
    np.testing.assert_allclose(a.sum(), 1.0)
    assert np.all(np.isfinite(activations.softmax(np.array([[1000.0, -1000.0, 0.0]]))))


@pytest.mark.parametrize("name", list(losses.LOSSES))
def test_loss_derivatives(name):
    C, dC = losses.LOSSES[name]
    rng = np.random.default_rng(4)
    a = rng.uniform(0.1, 0.9, size=(3, 4))
    y = np.eye(4)[[0, 2, 3]] if name == "cross_entropy" else rng.uniform(size=(3, 4))
    h = 1e-6
    numeric = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        ap, am = a.copy(), a.copy()
        ap[idx] += h
        am[idx] -= h
        numeric[idx] = (C(ap, y) - C(am, y)) / (2 * h)
    np.testing.assert_allclose(dC(a, y), numeric, atol=1e-7)


@pytest.mark.parametrize(
    ("output", "loss"), [("softmax", "cross_entropy"), ("sigmoid", "binary_cross_entropy")]
)
def test_fused_output_error_equals_chain_rule(output, loss):
    """delta^L = a - y for the matched pairs equals f'(z) * dC/da computed the long way."""
    model = MLP([3, 4], output_activation=output, loss=loss, seed=0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 3))
    Y = model._check_targets(
        rng.integers(0, 4, 6) if loss == "cross_entropy" else rng.uniform(size=(6, 4)), 6
    )
    zs, acts = model._forward(X)
    long_way = activations.activation_backward(output, zs[-1], acts[-1], losses.LOSSES[loss][1](acts[-1], Y))
    np.testing.assert_allclose(model._output_delta(zs[-1], acts[-1], Y), long_way, atol=1e-12)


def test_forward_is_the_course_equation_for_one_sample():
    """Row-batch Z = A W + b is z = W^T a + b for every sample (column vector)."""
    model = MLP([3, 5, 2], hidden_activation="tanh", seed=2)
    for b in model.biases:
        b[...] = 0.3
    x = np.array([0.2, -1.0, 0.5])
    a1 = np.tanh(model.weights[0].T @ x + model.biases[0])
    a2 = model.weights[1].T @ a1 + model.biases[1]
    np.testing.assert_allclose(model.forward(x[None, :])[0], a2, atol=1e-14)


def test_params_are_the_arrays_themselves():
    model = MLP([2, 3, 1], seed=0)
    assert all(p is q for p, q in zip(model.params[0::2], model.weights, strict=True))
    assert all(p is q for p, q in zip(model.params[1::2], model.biases, strict=True))
    assert model.n_parameters == (2 + 1) * 3 + (3 + 1) * 1
    assert MLP([64, 100, 100, 10]).n_parameters == 17610


def test_initialisations_have_the_stated_variance():
    rng = np.random.default_rng(0)
    n_in, n_out = 400, 300
    from physml.nn import initial_weights

    assert np.var(initial_weights(n_in, n_out, "xavier", rng)) == pytest.approx(2 / (n_in + n_out), rel=0.02)
    assert np.var(initial_weights(n_in, n_out, "he", rng)) == pytest.approx(2 / n_in, rel=0.02)
    assert np.var(initial_weights(n_in, n_out, "normal", rng)) == pytest.approx(1.0, rel=0.02)


def test_float32_model_stays_float32_and_agrees_with_float64():
    X_train, _, y_train, _ = examples.digits_data()
    X, y = X_train[:100], y_train[:100]
    m64 = MLP([64, 20, 10], "relu", "softmax", "cross_entropy", init="he", seed=5)
    m32 = MLP([64, 20, 10], "relu", "softmax", "cross_entropy", init="he", seed=5, dtype=np.float32)
    for g32, g64 in zip(m32.gradients(X, y), m64.gradients(X, y), strict=True):
        assert g32.dtype == np.float32
        np.testing.assert_allclose(g32, g64, rtol=1e-3, atol=1e-5)
    m32.fit(X, y, optim.Adam(1e-3), epochs=2, batch_size=32, seed=0)
    assert all(p.dtype == np.float32 for p in m32.params)
    assert m32.forward(X).dtype == np.float32


def test_digits_classifier_reaches_target_accuracy():
    X_train, X_test, y_train, y_test = examples.digits_data()
    model = MLP([64, 64, 10], "relu", "softmax", "cross_entropy", init="he", seed=0)
    history = model.fit(X_train, y_train, optim.Adam(3e-3), epochs=8, batch_size=32, seed=0)
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert accuracy(model, X_test, y_test) >= 0.95


def test_training_is_reproducible():
    X_train, _, y_train, _ = examples.digits_data()
    runs = []
    for _ in range(2):
        model = MLP([64, 16, 10], "tanh", "softmax", "cross_entropy", seed=3)
        model.fit(X_train[:200], y_train[:200], optim.Adam(1e-2), epochs=2, batch_size=16, seed=4)
        runs.append(model.params)
    for p, q in zip(*runs, strict=True):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("torch_opt", ["sgd", "adam"])
def test_training_matches_torch_twin(torch_opt):
    physml_opt = optim.GradientDescent(0.05) if torch_opt == "sgd" else optim.Adam(1e-2)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4))
    y = np.sin(X[:, :2])
    model = MLP([4, 8, 8, 2], hidden_activation=["tanh", "relu"], l2=1e-3, seed=1)
    net, torch_losses = torch_twin.train_twin(model, X, y, torch_opt, physml_opt.learning_rate, 3, 16, seed=2)
    history = model.fit(X, y, physml_opt, epochs=3, batch_size=16, seed=2)
    np.testing.assert_allclose(history["train_loss"], torch_losses, rtol=1e-10)
    for p, q in zip(model.params, torch_twin.torch_params_as_numpy(net), strict=True):
        np.testing.assert_allclose(p, q, rtol=1e-9, atol=1e-12)


def test_torch_threads_are_restored():
    import torch

    before = torch.get_num_threads()
    with torch_twin.torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_early_stopping_restores_the_best_parameters():
    x, y = examples.noisy_sine(20, noise=0.3, seed=1)
    x_val, y_val = examples.noisy_sine(50, noise=0.3, seed=2)
    model = MLP([1, 30, 30, 1], hidden_activation="tanh", seed=0)
    history = model.fit(
        x, y, optim.Adam(2e-2), epochs=600, batch_size=20, seed=0, X_val=x_val, y_val=y_val, patience=20
    )
    assert history["stopped_early"]
    assert len(history["val_loss"]) == history["best_epoch"] + 21
    assert model.loss(x_val, y_val) == pytest.approx(min(history["val_loss"]), rel=1e-12)


def test_predict_shapes():
    X = np.zeros((4, 3))
    assert MLP([3, 2, 1]).predict(X).shape == (4,)
    assert MLP([3, 2, 2]).predict(X).shape == (4, 2)
    labels = MLP([3, 5, 4], output_activation="softmax", loss="cross_entropy").predict(X)
    assert labels.shape == (4,) and labels.dtype.kind == "i"
    binary = MLP([3, 1], output_activation="sigmoid", loss="binary_cross_entropy").predict(X)
    assert set(np.unique(binary)) <= {0, 1}


def test_staircase_network_converges():
    f = examples.wiggly_function
    grid = np.linspace(0, 1, 1001)[:, None]
    errors = [np.mean((examples.staircase_network(f, w).forward(grid) - f(grid)) ** 2) for w in (16, 32, 64)]
    assert errors[0] > errors[1] > errors[2]
    assert errors[1] / errors[2] == pytest.approx(4.0, rel=0.2)  # MSE ~ 1/N^2


def test_fit_bfgs_reduces_the_cost():
    x = np.linspace(0, 1, 50)[:, None]
    model = MLP([1, 4, 1], seed=0)
    before = model.loss(x, examples.wiggly_function(x))
    examples.fit_bfgs(model, x, examples.wiggly_function(x), max_iter=200)
    assert model.loss(x, examples.wiggly_function(x)) < 0.1 * before


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("sizes", "error", "match"),
    [
        ([3], ValueError, "layer_sizes"),
        ([3, 0, 2], ValueError, r"layer_sizes\[1\]"),
        ([3, 2.5, 2], TypeError, r"layer_sizes\[1\]"),
        ("3-4-2", TypeError, "layer_sizes"),
        (7, TypeError, "layer_sizes"),
    ],
)
def test_invalid_layer_sizes(sizes, error, match):
    with pytest.raises(error, match=match):
        MLP(sizes)


def test_invalid_options():
    with pytest.raises(ValueError, match="hidden_activation"):
        MLP([2, 3, 1], hidden_activation="swish")
    with pytest.raises(ValueError, match="hidden_activation lists 1 activations"):
        MLP([2, 3, 3, 1], hidden_activation=["tanh"])
    with pytest.raises(ValueError, match="output_activation='softmax'"):
        MLP([2, 3], loss="cross_entropy")
    with pytest.raises(ValueError, match="loss"):
        MLP([2, 3], loss="hinge")
    with pytest.raises(ValueError, match="init"):
        MLP([2, 3], init="zeros")
    with pytest.raises(ValueError, match="l2"):
        MLP([2, 3], l2=-1.0)
    with pytest.raises(ValueError, match="dtype"):
        MLP([2, 3], dtype=np.int64)
    with pytest.raises(TypeError, match="seed"):
        MLP([2, 3], seed=None)


def test_layers_that_do_not_chain():
    with pytest.raises(ValueError, match="do not chain"):
        MLP.from_weights([np.zeros((3, 4)), np.zeros((5, 2))], [np.zeros(4), np.zeros(2)])
    with pytest.raises(ValueError, match=r"biases\[0\]"):
        MLP.from_weights([np.zeros((3, 4))], [np.zeros(3)])
    model = MLP([3, 4, 2])
    model.weights[1] = np.zeros((5, 2))
    with pytest.raises(ValueError, match=r"weights\[1\].*do not chain"):
        model.forward(np.zeros((1, 3)))


def test_wrong_inputs_and_labels():
    reg = MLP([3, 4, 2])
    clf = MLP([3, 4, 5], output_activation="softmax", loss="cross_entropy")
    X = np.zeros((6, 3))
    with pytest.raises(ValueError, match="X has 2 features"):
        reg.forward(np.zeros((6, 2)))
    with pytest.raises(ValueError, match="X must be 2-dimensional"):
        reg.forward(np.zeros(3))
    with pytest.raises(ValueError, match="y has 5 samples"):
        reg.loss(X, np.zeros((5, 2)))
    with pytest.raises(ValueError, match=r"y has shape \(6,\).*2 outputs"):
        reg.loss(X, np.zeros(6))
    with pytest.raises(ValueError, match=r"y has shape \(6, 3\)"):
        reg.gradients(X, np.zeros((6, 3)))
    with pytest.raises(ValueError, match=r"integer class labels in \[0, 4\]"):
        clf.loss(X, np.array([0, 1, 2, 3, 4, 5]))
    with pytest.raises(ValueError, match="integer class labels"):
        clf.loss(X, np.full(6, 0.5))
    with pytest.raises(ValueError, match="sum to 1"):
        clf.loss(X, np.ones((6, 5)))
    with pytest.raises(ValueError, match="y contains NaN"):
        reg.loss(X, np.full((6, 2), np.nan))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        MLP([3, 1], output_activation="sigmoid", loss="binary_cross_entropy").loss(X, np.full(6, 2.0))


def test_bad_fit_arguments():
    model = MLP([3, 4, 1])
    X, y = np.zeros((8, 3)), np.zeros(8)
    with pytest.raises(TypeError, match="optimizer"):
        model.fit(X, y, "adam")
    with pytest.raises(ValueError, match="epochs"):
        model.fit(X, y, optim.Adam(1e-3), epochs=0)
    with pytest.raises(ValueError, match="batch_size"):
        model.fit(X, y, optim.Adam(1e-3), batch_size=0)
    with pytest.raises(ValueError, match="patience"):
        model.fit(X, y, optim.Adam(1e-3), patience=5)
    with pytest.raises(ValueError, match="X_val and y_val"):
        model.fit(X, y, optim.Adam(1e-3), X_val=X)


def test_diverging_training_stops_with_a_clear_error():
    X_train, _, z_train, _ = examples.franke_data(n=200)
    model = MLP([2, 30, 30, 1], hidden_activation="relu", init="he", seed=3)
    with pytest.raises(FloatingPointError, match="diverged"):
        model.fit(X_train, z_train, optim.GradientDescent(50.0), epochs=50, batch_size=16, seed=0)


def test_torch_twin_bad_input():
    with pytest.raises(TypeError, match="model"):
        torch_twin.to_torch("not a model")
    model = MLP([2, 3, 1])
    with pytest.raises(ValueError, match="optimizer"):
        torch_twin.train_twin(model, np.zeros((4, 2)), np.zeros(4), "lbfgs", 0.1, 1, 2)


def _torch_cost_case(l2=0.0):
    import torch

    model = MLP([2, 3, 1], hidden_activation="tanh", l2=l2, seed=0)
    net = torch_twin.to_torch(model)
    logits = net(torch.ones((4, 2), dtype=torch.float64)).detach()
    targets = torch.ones((4, 1), dtype=torch.float64)
    return model, logits, targets, torch_twin._torch_weights(net)


def test_torch_cost_is_finite_for_finite_input():
    model, logits, targets, weights = _torch_cost_case(l2=0.1)
    cost = torch_twin.torch_cost(model, logits, targets, weights)
    assert np.isfinite(cost.item())


@pytest.mark.parametrize("fill", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("name", ["logits", "targets"])
def test_torch_cost_refuses_non_finite_tensors(name, fill):
    model, logits, targets, _ = _torch_cost_case()
    args = {"logits": logits.clone(), "targets": targets.clone()}
    args[name][1, 0] = fill
    with pytest.raises(ValueError, match=rf"{name} contains NaN or inf"):
        torch_twin.torch_cost(model, **args)


def test_torch_cost_refuses_non_finite_weights_and_non_real_tensors():
    import torch

    model, logits, targets, weights = _torch_cost_case(l2=0.1)
    bad = [w.detach().clone() for w in weights]
    bad[1][0, 0] = float("nan")
    with pytest.raises(ValueError, match=r"weights\[1\]"):
        torch_twin.torch_cost(model, logits, targets, bad)
    with pytest.raises(TypeError, match="logits"):
        torch_twin.torch_cost(model, logits.to(torch.complex128), targets, weights)
    with pytest.raises(TypeError, match="targets"):
        torch_twin.torch_cost(model, logits, targets.to(torch.int64), weights)
