"""The cases of the issue "bad input gets a clear error everywhere", written out one by one.

``test_api_contract.py`` tries every argument of every public callable; these tests pin
the examples the issue named, including the few that are not a single bad argument
(a NaN produced during an iteration, IEEE results of dual numbers, float32 overflow).
"""

import math

import numpy as np
import pytest

from physml import autodiff, data, intro, linalg, optim, regression, resampling
from physml.nn import MLP, accuracy, examples, initial_weights, losses, torch_twin


def test_complex_data_is_refused_not_made_real():
    X = np.ones((5, 2)) + 1j
    with pytest.raises(TypeError, match="X must be real"):
        regression.fit_linear(X, np.ones(5))


def test_optimizer_step_refuses_a_nan_gradient_and_leaves_the_parameters():
    theta = np.ones(3)
    with pytest.raises(ValueError, match=r"grads\[0\]"):
        optim.Adam(0.1).step([theta], [np.array([0.0, np.nan, 1.0])])
    np.testing.assert_array_equal(theta, np.ones(3))


def test_bisection_stops_when_f_returns_nan():
    calls = iter([-1.0, 1.0])
    with pytest.raises(FloatingPointError, match="f returned"):
        optim.bisection(lambda x: next(calls, float("nan")), 0.0, 1.0)


def test_noisy_line_and_ridge_cost_refuse_nan():
    with pytest.raises(ValueError, match="slope"):
        intro.noisy_line(10, float("nan"), 0.0, 0.1, seed=0)
    problem = optim.make_ridge_problem(20, 2, seed=0)
    with pytest.raises(ValueError, match="theta"):
        problem.cost(np.array([np.nan, 0.0]))


def test_empty_input_is_a_clear_error():
    model = MLP([2, 3, 1])
    with pytest.raises(ValueError, match="X must contain at least one sample"):
        model.loss(np.empty((0, 2)), np.empty(0))
    with pytest.raises(ValueError, match="a must not be empty"):
        losses.mse(np.empty((0, 1)), np.empty((0, 1)))
    problem = optim.make_ridge_problem(20, 2, seed=0)
    with pytest.raises(ValueError, match="batch"):
        problem.gradient(np.zeros(2), np.array([], dtype=int))
    with pytest.raises(ValueError, match="batch"):
        problem.gradient(np.zeros(2), np.array([0, 20]))
    with pytest.raises(ValueError, match="n_in"):
        initial_weights(0, 3, "xavier", 0)
    with pytest.raises(ValueError, match="x must not be empty"):
        intro.fit_line_gradient_descent([], [])


def test_objects_are_type_checked():
    linear = regression.fit_linear(np.random.default_rng(0).normal(size=(10, 2)), np.arange(10.0))
    with pytest.raises(TypeError, match="model"):
        accuracy(linear, np.ones((3, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="model must be a classifier"):
        accuracy(MLP([2, 3, 1]), np.ones((3, 2)), np.zeros(3))
    with pytest.raises(TypeError, match="model"):
        examples.flat_parameters(linear)
    with pytest.raises(ValueError, match="batch_size"):
        optim.minibatches(10, -1, np.random.default_rng(0))
    assert len(optim.minibatches(10, 3, 7)) == 4  # a seed works where a Generator does
    with pytest.raises(ValueError, match="device"):
        torch_twin.to_torch(MLP([2, 3, 1]), device="gpu")
    with pytest.raises(ValueError, match="CUDA is not available"):
        linalg.numpy_torch_deviations(np.eye(2), np.ones(2), device="cuda")


def test_singular_systems_say_what_is_singular():
    X = np.column_stack([np.arange(5.0), 2 * np.arange(5.0)])
    with pytest.raises(np.linalg.LinAlgError, match="method='svd'"):
        regression.ols_fit(X, np.ones(5), method="normal")
    with pytest.raises(np.linalg.LinAlgError, match="lam > 0"):
        optim.RidgeProblem(X, np.ones(5), 0.0).closed_form()
    with pytest.raises(np.linalg.LinAlgError, match="A is singular"):
        linalg.solve_relative_error(np.zeros((2, 2)) + 1.0, np.ones(2))
    with pytest.raises(ValueError, match="x_true"):
        linalg.solve_relative_error(np.eye(2), np.zeros(2))


def test_silent_shape_mistakes_are_errors():
    with pytest.raises(ValueError, match="shape"):
        autodiff.unbroadcast(np.ones((3, 4)), (5,))
    with pytest.raises(ValueError, match="Y must not be empty"):
        params = [np.ones((2, 3)), np.zeros(3), np.ones((3, 1)), np.zeros(1)]
        autodiff.mlp_cost(params, np.ones((4, 2)), np.zeros((4, 0)))
    with pytest.raises(ValueError, match="self has shape .* other has shape"):
        autodiff.Tensor(np.ones((2, 3))) + np.ones(4)


def test_dual_numbers_follow_ieee():
    q = autodiff.Dual(1.5) / 0.0
    assert q.value == math.inf
    assert math.isnan((autodiff.Dual(0.0) / 0.0).value)
    assert autodiff.Dual(1000.0, 1.0).exp().value == math.inf
    with pytest.raises(ValueError, match="value must be finite"):
        autodiff.Dual(float("nan"))


def test_float32_input_that_does_not_fit_is_an_error():
    model = MLP([2, 3, 1], dtype=np.float32)
    with pytest.raises(ValueError, match="too large for the network's dtype float32"):
        model.forward(np.ones((2, 2)) * 1e50)


def test_messages_name_what_the_caller_passed():
    X, y = np.ones((6, 2)), np.arange(6.0)
    with pytest.raises(ValueError, match="X_train and y_train"):
        resampling.bootstrap(regression.fit_linear, X, y[:3], X, 2, seed=0)
    with pytest.raises(ValueError, match=r"\bn must be"):
        torch_twin.torch_threads(0)
    with pytest.raises(ValueError, match="num_threads"):
        torch_twin.train_twin(MLP([2, 3, 1]), X, y, "sgd", 0.1, 1, 2, num_threads=0)
    with pytest.raises(ValueError, match="activation must be one of"):
        examples.universal_approximation([2], activation="sine")


def test_flags_accept_only_bools():
    with pytest.raises(TypeError, match="with_std must be True or False"):
        data.fit_scaler(np.ones((3, 2)), with_std="no")
    assert data.fit_scaler(np.ones((3, 2)), with_std=np.bool_(False)).scale.tolist() == [1.0, 1.0]
