"""Hessian-vector products, Laplacians and checkpointing (physml.higher_order)."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from physml import higher_order as ho


def _quadratic(a: torch.Tensor):
    """f(x) = x^T A x / 2 + sum sin(x): Hessian A_sym + diag(-sin x)."""
    return lambda x: 0.5 * x @ (a @ x) + torch.sin(x).sum()


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 12), seed=st.integers(0, 10_000), method=st.sampled_from(ho.HVP_METHODS))
def test_hvp_equals_the_dense_hessian_times_v(n, seed, method):
    gen = torch.Generator().manual_seed(seed)
    a = torch.randn(n, n, generator=gen, dtype=torch.float64)
    x = torch.randn(n, generator=gen, dtype=torch.float64)
    v = torch.randn(n, generator=gen, dtype=torch.float64)
    exact = 0.5 * (a + a.T) - torch.diag(torch.sin(x))
    torch.testing.assert_close(ho.hvp(_quadratic(a), x, v, method), exact @ v, rtol=1e-12, atol=1e-12)


def test_rosenbrock_hessian_against_torch():
    x = torch.linspace(-1.2, 1.5, 7, dtype=torch.float64)
    dense = torch.autograd.functional.hessian(ho.rosenbrock, x).numpy()
    np.testing.assert_allclose(ho.rosenbrock_hessian(x), dense, rtol=1e-13, atol=1e-10)


def test_laplacian_and_hutchinson():
    x = torch.linspace(-1.0, 1.0, 10, dtype=torch.float64)
    trace = np.trace(ho.rosenbrock_hessian(x))
    assert float(ho.laplacian(ho.rosenbrock, x)) == pytest.approx(trace, rel=1e-13)
    mean, error = ho.hutchinson_laplacian(ho.rosenbrock, x, n_probes=400, seed=1)
    assert abs(mean - trace) < 4 * error
    # a diagonal Hessian has no off-diagonal entries, hence no variance with sign probes
    mean, error = ho.hutchinson_laplacian(lambda y: (y**4).sum(), x, n_probes=5, seed=0)
    assert mean == pytest.approx(float((12 * x**2).sum()), rel=1e-12) and error < 1e-9


def test_checkpointing_keeps_less_and_gives_the_same_gradient():
    torch.manual_seed(0)
    net = torch.nn.Sequential(*[m for _ in range(8) for m in (torch.nn.Linear(16, 16), torch.nn.Tanh())])
    x = torch.randn(32, 16)
    plain, g_plain = ho.saved_activation_bytes(net, x, 0)
    ckpt, g_ckpt = ho.saved_activation_bytes(net, x, 4)
    assert ckpt < plain
    torch.testing.assert_close(g_ckpt, g_plain, rtol=0, atol=0)


def test_bad_input():
    x = torch.zeros(3, dtype=torch.float64)
    with pytest.raises(ValueError, match="v"):
        ho.hvp(ho.rosenbrock, x, torch.zeros(4, dtype=torch.float64))
    with pytest.raises(ValueError, match="method"):
        ho.hvp(ho.rosenbrock, x, x, method="finite differences")
    with pytest.raises(ValueError, match="scalar"):
        ho.laplacian(lambda y: y * 2, x)
    with pytest.raises(ValueError, match="x"):
        ho.rosenbrock(torch.tensor([float("nan"), 1.0]))
    with pytest.raises(ValueError, match="segments"):
        ho.saved_activation_bytes(torch.nn.Sequential(torch.nn.Linear(2, 2)), torch.zeros(1, 2), 3)
