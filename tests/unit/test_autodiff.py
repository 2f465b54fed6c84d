"""Tests of physml.autodiff: reverse mode against torch.autograd, forward against reverse mode."""

import math

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

from physml import autodiff as ad
from physml.studies import autodiff as programs

TOL = 1e-10


def _torch_leaves(arrays):
    return [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]


# ------------------------------------------------------------------ random expressions (hypothesis)


@given(
    data=st.data(),
    m=st.integers(1, 4),
    n=st.integers(1, 4),
    picks=st.lists(st.integers(0, 6), min_size=1, max_size=4),
    n_ops=st.integers(1, 10),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_expressions_match_torch(data, m, n, picks, n_ops, seed):
    shapes = programs.leaf_shapes_from(m, n, picks)
    program = programs.random_program(lambda options: data.draw(st.sampled_from(options)), shapes, n_ops)
    arrays = [np.random.default_rng(seed).normal(scale=0.8, size=s) for s in shapes]
    with np.errstate(over="ignore", invalid="ignore"):
        reference = programs.gradients_torch(program, arrays)
        assume(all(np.all(np.isfinite(r)) for r in reference))
        mine = programs.gradients_autodiff(program, arrays)
    for g, a in zip(mine, arrays, strict=True):
        assert g.shape == a.shape
    assert programs.scaled_difference(mine, reference) <= TOL


# every operation at least once, with broadcasting, whatever hypothesis draws
SHAPE_PAIRS = [((3, 4), (3, 4)), ((3, 1), (4,)), ((1, 4), (3, 1)), ((), (2, 3)), ((2, 3), ())]


@pytest.mark.parametrize("op", list(programs.BINARY))
@pytest.mark.parametrize("shapes", SHAPE_PAIRS)
def test_binary_operations_broadcast_like_torch(op, shapes):
    rng = np.random.default_rng(0)
    arrays = [rng.normal(size=s) for s in shapes]
    program = [(op, (0, 1), None)]
    mine = programs.gradients_autodiff(program, arrays)
    assert programs.scaled_difference(mine, programs.gradients_torch(program, arrays)) <= TOL
    assert [g.shape for g in mine] == [a.shape for a in arrays]


@pytest.mark.parametrize("op", list(programs.UNARY))
def test_unary_operations_like_torch(op):
    arrays = [np.random.default_rng(1).normal(size=(3, 4))]
    program = [(op, (0,), None)]
    mine = programs.gradients_autodiff(program, arrays)
    assert programs.scaled_difference(mine, programs.gradients_torch(program, arrays)) <= TOL


@pytest.mark.parametrize(
    "step,shapes",
    [
        (("sum", (0,), (None, False)), [(3, 4)]),
        (("sum", (0,), (1, True)), [(3, 4)]),
        (("mean", (0,), (0, False)), [(3, 4)]),
        (("mean", (0,), (None, True)), [(2, 5)]),
        (("transpose", (0,), None), [(3, 4)]),
        (("flatten", (0,), None), [(3, 4)]),
        (("matmul", (0, 1), None), [(3, 4), (4, 2)]),
        (("matmul", (0, 1), None), [(4,), (4, 2)]),
        (("matmul", (0, 1), None), [(3, 4), (4,)]),
        (("matmul", (0, 1), None), [(4,), (4,)]),
    ],
)
def test_shape_operations_like_torch(step, shapes):
    rng = np.random.default_rng(2)
    arrays = [rng.normal(size=s) for s in shapes]
    mine = programs.gradients_autodiff([step], arrays)
    assert programs.scaled_difference(mine, programs.gradients_torch([step], arrays)) <= TOL


def test_detects_a_wrong_backward_rule(monkeypatch):
    """The comparison with torch is not vacuous: a wrong rule for sin is caught."""
    original = ad.Tensor.sin

    def wrong_sin(self):
        out = original(self)
        out.backward_rule = lambda: self.accumulate(out.grad * np.sin(self.data))
        return out

    monkeypatch.setattr(ad.Tensor, "sin", wrong_sin)
    arrays = [np.random.default_rng(3).normal(size=(3,))]
    program = [("sin", (0,), None)]
    assert (
        programs.scaled_difference(
            programs.gradients_autodiff(program, arrays), programs.gradients_torch(program, arrays)
        )
        > 1e-3
    )


def test_numpy_arrays_on_the_left_and_reflected_operators():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    x = ad.Tensor([0.5, -1.0])
    y = (a @ x + 2.0 * x - 1.0 / (1.0 + x * x) + (3.0 - x)).sum()
    assert isinstance(y, ad.Tensor)
    y.backward()
    xt = torch.tensor([0.5, -1.0], dtype=torch.float64, requires_grad=True)
    yt = (torch.tensor(a) @ xt + 2.0 * xt - 1.0 / (1.0 + xt * xt) + (3.0 - xt)).sum()
    yt.backward()
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=0, atol=TOL)


def test_transpose_with_axes_and_reshape():
    arr = np.random.default_rng(4).normal(size=(2, 3, 4))
    x = ad.Tensor(arr)
    weights = np.arange(24.0).reshape(4, 2, 3)
    (x.transpose((2, 0, 1)) * weights).reshape(6, 4).sum().backward()
    np.testing.assert_array_equal(x.grad, np.transpose(weights, (1, 2, 0)))


# ------------------------------------------------------------------ accumulation


def test_node_used_twice_accumulates():
    x = ad.Tensor(3.0)
    (x * x).backward()  # d(x^2)/dx = 2x
    assert x.grad.item() == pytest.approx(6.0, abs=0)
    x.zero_grad()
    (x + x + x).backward()
    assert x.grad.item() == 3.0


def test_shared_intermediate_node_diamond():
    """h = tanh(x) feeds two branches: dy/dx = (2h + cos h)(1 - h^2)."""
    value = 0.7
    x = ad.Tensor(value)
    h = x.tanh()
    y = h * h + h.sin()
    y.backward()
    t = math.tanh(value)
    assert x.grad.item() == pytest.approx((2 * t + math.cos(t)) * (1 - t * t), rel=1e-14)
    assert h.grad.item() == pytest.approx(2 * t + math.cos(t), rel=1e-14)


def test_leaf_gradients_accumulate_over_calls_but_intermediates_restart():
    x = ad.Tensor([1.0, 2.0])
    h = x * 3.0
    y = (h * h).sum()
    y.backward()
    first_leaf, first_h = x.grad.copy(), h.grad.copy()
    y.backward()
    np.testing.assert_array_equal(x.grad, 2 * first_leaf)  # as in PyTorch
    np.testing.assert_array_equal(h.grad, first_h)  # intermediate adjoints are recomputed
    x.zero_grad()
    np.testing.assert_array_equal(x.grad, 0.0)


def test_seeded_backward_is_a_vector_jacobian_product():
    a = np.random.default_rng(5).normal(size=(3, 2))
    x = ad.Tensor(a)
    y = x.exp() * 2.0
    seed = np.array([[1.0, 0.0], [0.5, 2.0], [0.0, -1.0]])
    y.backward(seed)
    np.testing.assert_allclose(x.grad, seed * 2.0 * np.exp(a), rtol=1e-15)


def test_long_chain_does_not_hit_recursion_limit():
    x = ad.Tensor(1.0)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001**5000, rel=1e-10)


# ------------------------------------------------------------------ forward mode


@given(st.lists(st.floats(-2.0, 2.0), min_size=4, max_size=4))
def test_forward_mode_jacobian_equals_reverse_mode(point):
    j_fwd, n_fwd = ad.jacobian_forward(programs.spring_chain, point)
    j_rev, n_rev = ad.jacobian_reverse(programs.spring_chain, point)
    assert (n_fwd, n_rev) == (4, 3)
    assert j_fwd.shape == j_rev.shape == (3, 4)
    np.testing.assert_allclose(j_fwd, j_rev, rtol=0, atol=1e-12)


def test_forward_mode_equals_torch_jacobian():
    point = programs.SPRING_POINT

    def f_torch(x):
        return torch.stack(
            [
                0.5 * (x[1] - x[0] - 1.0) ** 2 + torch.cos(x[0]),
                torch.exp(-((x[2] - x[1]) ** 2)) * torch.tanh(x[3]),
                torch.log(1.0 + x[3] * x[3]) / (1.0 + torch.sigmoid(x[2] * x[0])),
            ]
        )

    reference = torch.autograd.functional.jacobian(f_torch, torch.tensor(point, dtype=torch.float64))
    j_fwd, _ = ad.jacobian_forward(programs.spring_chain, point)
    np.testing.assert_allclose(j_fwd, reference.numpy(), rtol=0, atol=1e-12)


@given(st.floats(0.1, 3.0))
def test_dual_numbers_scalar_derivative(x):
    def f(t):
        return (
            ad.exp(ad.sin(t)) * t**3 / (1.0 + ad.sigmoid(t)) - ad.log(t) + abs(ad.tanh(t) - 0.5) + ad.relu(t)
        )

    value, slope = ad.derivative_forward(f, x)
    leaf = ad.Tensor(x)
    out = f(leaf)
    out.backward()
    assert value == pytest.approx(out.item(), rel=1e-14)
    assert slope == pytest.approx(leaf.grad.item(), rel=1e-12, abs=1e-12)


def test_example_graph_values():
    x1, x2, y = programs.example_graph()
    rows = ad.graph_table(y)
    assert [r["node"] for r in rows] == ["x1", "x2", "v1", "v2", "v3", "v4", "v5"]
    assert [r["operation"] for r in rows[2:]] == ["log", "mul", "sin", "add", "sub"]
    assert rows[-1]["value"] == pytest.approx(math.log(2) + 10 - math.sin(5), rel=1e-15)
    assert x1.grad.item() == pytest.approx(5.5, rel=1e-15)


# ------------------------------------------------------------------ finite differences and the MLP


def test_finite_differences_converge_at_their_order():
    def f(x):
        return math.exp(math.sin(x))

    exact = math.cos(1.0) * math.exp(math.sin(1.0))
    err = {
        (scheme, h): abs(ad.finite_difference(f, 1.0, h, scheme) - exact)
        for scheme in ("forward", "central")
        for h in (1e-2, 1e-3)
    }
    assert err["forward", 1e-2] / err["forward", 1e-3] == pytest.approx(10, rel=0.05)
    assert err["central", 1e-2] / err["central", 1e-3] == pytest.approx(100, rel=0.05)


def test_mlp_cost_gradient_matches_numerical_gradient():
    rng = np.random.default_rng(6)
    sizes = [3, 5, 2]
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        params += [rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)]
    X, Y = rng.normal(size=(7, 3)), np.eye(2)[rng.integers(0, 2, size=7)]
    options = {
        "hidden_activation": "tanh",
        "output_activation": "softmax",
        "loss": "cross_entropy",
        "l2": 0.1,
    }

    def cost_of_W1(w):
        trial = [w, *params[1:]]
        return ad.mlp_cost(trial, X, Y, **options).item()

    _, grads = ad.gradient(lambda *p: ad.mlp_cost(list(p), X, Y, **options), *params)
    numerical = ad.numerical_gradient(cost_of_W1, params[0], h=1e-6)
    np.testing.assert_allclose(grads[0], numerical, rtol=0, atol=1e-8)


def test_unbroadcast():
    g = np.ones((2, 3, 4))
    np.testing.assert_array_equal(ad.unbroadcast(g, (3, 1)), np.full((3, 1), 8.0))
    np.testing.assert_array_equal(ad.unbroadcast(g, ()), 24.0)


# ------------------------------------------------------------------ bad input


def test_bad_inputs_name_the_argument():
    with pytest.raises(TypeError, match="data"):
        ad.Tensor("abc")
    with pytest.raises(TypeError, match="data"):
        ad.Tensor([[1.0, 2.0], [3.0]])
    with pytest.raises(ValueError, match="data"):
        ad.Tensor([1.0, np.nan])
    with pytest.raises(TypeError, match="name"):
        ad.Tensor(1.0, name=3)
    x = ad.Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="other"):
        x @ np.ones((2, 3))
    with pytest.raises(ValueError, match="matmul"):
        x @ np.ones((3, 2, 2))
    with pytest.raises(TypeError, match="other"):
        x + "a"
    with pytest.raises(TypeError, match="exponent"):
        x ** ad.Tensor(2.0)
    with pytest.raises(ValueError, match="exponent"):
        (-x) ** 0.5
    with pytest.raises(ValueError, match="log"):
        (-x).log()
    with pytest.raises(ValueError, match="axis"):
        x.sum(axis=2)
    with pytest.raises(TypeError, match="axis"):
        x.sum(axis=1.5)
    with pytest.raises(ValueError, match="grad"):
        (x * 2).backward()
    with pytest.raises(ValueError, match="grad"):
        (x * 2).backward(np.ones(3))
    with pytest.raises(TypeError, match="other"):
        x + ad.Dual(1.0)
    with pytest.raises(TypeError, match="value"):
        ad.Dual("1")
    with pytest.raises(TypeError, match="other"):
        ad.Dual(1.0) * ad.Tensor(1.0)
    with pytest.raises(ValueError, match="h"):
        ad.finite_difference(math.sin, 1.0, 0.0)
    with pytest.raises(ValueError, match="scheme"):
        ad.finite_difference(math.sin, 1.0, 1e-3, scheme="backward")
    with pytest.raises(TypeError, match="f"):
        ad.jacobian_forward(3, [1.0])
    with pytest.raises(ValueError, match="x"):
        ad.jacobian_reverse(programs.spring_chain, np.ones((2, 2)))
    with pytest.raises(ValueError, match="loss"):
        ad.mlp_cost([np.ones((2, 1)), np.ones(1)], np.ones((3, 2)), np.ones((3, 1)), loss="hinge")
    with pytest.raises(ValueError, match="output_activation"):
        ad.mlp_cost(
            [np.ones((2, 2)), np.ones(2)], np.ones((3, 2)), np.eye(2)[[0, 1, 0]], loss="cross_entropy"
        )
    with pytest.raises(ValueError, match="X"):
        ad.mlp_cost([np.ones((2, 1)), np.ones(1)], np.ones(3), np.ones((3, 1)))
    with pytest.raises(ValueError, match="item"):
        x.item()


def test_make_node_accepts_an_array_and_refuses_bad_data():
    x = ad.Tensor([1.0, 2.0])
    out = ad.make_node(np.array([2.0, 4.0]), (x,), "double")
    np.testing.assert_array_equal(out.data, [2.0, 4.0])
    assert out.parents == (x,) and out.op == "double"
    empty = ad.make_node(np.empty(0), (), "empty")  # an operation's result may be empty
    assert empty.shape == (0,)
    bad = [
        (None, TypeError),
        (np.array([1.0, 2.0], dtype=object), TypeError),
        (np.array([object(), object()]), TypeError),
        (np.array([1.0, 2.0]) + 1j, TypeError),
        ("abc", TypeError),
        (x, TypeError),
        (np.array([1.0, np.nan]), ValueError),
        (np.array([np.inf, 1.0]), ValueError),
    ]
    for data, error in bad:
        with pytest.raises(error, match=r"\bdata\b"):
            ad.make_node(data, (x,), "op")


def test_tensor_and_dual_arithmetic_keep_ieee_semantics():
    """Documented in the class docstrings: 1/0 is inf, 0/0 NaN, as in NumPy and torch."""
    with np.errstate(divide="ignore", invalid="ignore"):
        assert (ad.Tensor(1.0) / 0.0).item() == math.inf
        assert math.isnan((ad.Tensor(0.0) / ad.Tensor(0.0)).item())
    assert (ad.Dual(1.0) / 0.0).value == math.inf
    assert math.isnan((ad.Dual(0.0) / 0.0).value)
    assert "IEEE" in ad.Tensor.__doc__ and "IEEE" in ad.Dual.__doc__
