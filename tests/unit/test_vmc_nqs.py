"""Tests of the RBM trial wave function of physml.vmc: derivatives against torch autograd,
Gibbs sampling of |psi|^2, and the exact non-interacting limit."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from physml import optim, vmc
from physml.rbm import GaussianBinaryRBM


def torch_log_psi(wf, params, x):
    M, N = wf.n_visible, wf.n_hidden
    a, b, W = params[:M], params[M : M + N], params[M + N : M + N + M * N].reshape(M, N)
    v = x.reshape(x.shape[0], -1)
    s2 = wf.sigma**2
    out = wf.power * (
        torch.nn.functional.softplus(b + v @ W / s2).sum(dim=1) - ((v - a) ** 2).sum(dim=1) / (2 * s2)
    )
    if wf.jastrow:
        beta = params[-1]
        n = x.shape[1]
        for i in range(n):
            for j in range(i + 1, n):
                r = torch.sqrt(((x[:, i] - x[:, j]) ** 2).sum(dim=1))
                out = out + wf._pade.a * r / (1 + beta * r)
    return out


@settings(max_examples=12, deadline=None)
@given(
    n=st.integers(1, 3),
    d=st.integers(2, 3),
    hidden=st.integers(1, 4),
    power=st.sampled_from([0.5, 1.0]),
    jastrow=st.booleans(),
    sigma=st.floats(0.5, 1.5),
    seed=st.integers(0, 2**31),
)
def test_rbm_derivatives_equal_autograd(n, d, hidden, power, jastrow, sigma, seed):
    jastrow = jastrow and n >= 2
    wf = vmc.RBMWaveFunction.random(
        n, d, hidden, seed=seed, scale=0.5, sigma=sigma, power=power, jastrow=jastrow
    )
    x = np.random.default_rng(seed).standard_normal((3, n, d))
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    pt = torch.tensor(wf.params, dtype=torch.float64, requires_grad=True)
    logp = torch_log_psi(wf, pt, xt)
    (grad,) = torch.autograd.grad(logp.sum(), xt, create_graph=True)
    flat = grad.reshape(3, -1)
    lap = sum(
        torch.autograd.grad(flat[:, k].sum(), xt, retain_graph=True)[0].reshape(3, -1)[:, k]
        for k in range(n * d)
    )
    pgrad = torch.stack([torch.autograd.grad(logp[w], pt, retain_graph=True)[0] for w in range(3)])
    np.testing.assert_allclose(wf.log_psi(x), logp.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(wf.grad_log_psi(x), grad.detach().numpy(), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(wf.laplacian_log_psi(x), lap.detach().numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(wf.param_grad_log_psi(x), pgrad.numpy(), rtol=1e-9, atol=1e-10)


def test_rbm_psi_is_the_rbm_marginal():
    rbm = GaussianBinaryRBM.random(4, 3, seed=0, scale=0.5)
    wf = vmc.RBMWaveFunction(rbm, 2, 2, power=1.0)
    x = np.random.default_rng(1).standard_normal((5, 2, 2))
    np.testing.assert_allclose(wf.log_psi(x), rbm.log_marginal(x.reshape(5, 4)), rtol=1e-12)
    np.testing.assert_allclose(
        vmc.RBMWaveFunction(rbm, 2, 2).log_psi(x), 0.5 * rbm.log_marginal(x.reshape(5, 4))
    )


def test_gibbs_and_metropolis_sample_the_same_density():
    wf = vmc.RBMWaveFunction.random(1, 2, 3, seed=5, scale=0.8, sigma=0.8)
    samples = {}
    for name, sampler in (("gibbs", vmc.Gibbs()), ("metropolis", vmc.Metropolis(1.0))):
        walkers = sampler.init_walkers(wf, 3000, seed=1)
        out, acceptance = sampler.sample(wf, walkers, n_steps=1, seed=2, n_burn=100)
        samples[name] = out[-1, :, 0, 0]
        if name == "gibbs":
            assert acceptance == 1.0
    assert sps.ks_2samp(samples["gibbs"], samples["metropolis"]).pvalue > 1e-3


def test_gibbs_needs_sqrt_rbm():
    with pytest.raises(TypeError, match="power=0.5"):
        vmc.Gibbs().init_walkers(vmc.RBMWaveFunction.random(2, 2, 2, seed=0, power=1.0), 10, seed=0)


def test_noninteracting_rbm_reaches_the_exact_energy():
    """psi = sqrt(F) with sigma^2 = 1/(2 omega) contains the exact ground state (W = a = 0)."""
    ham = vmc.HarmonicTrap(1.0)
    wf = vmc.RBMWaveFunction.random(2, 2, 2, seed=3, scale=0.2, sigma=np.sqrt(0.5))
    run = vmc.optimize(
        ham, wf, vmc.Gibbs(), optim.Adam(0.05), n_iter=60, n_walkers=300, n_steps=32, seed=4, desc=None
    )
    est = vmc.energy(ham, run.wf, vmc.Gibbs(), n_walkers=500, n_steps=64, seed=5)
    assert est.mean == pytest.approx(2.0, abs=3 * est.error + 2e-3)
    assert est.variance < 1e-2


def test_rbm_bad_input():
    rbm = GaussianBinaryRBM.random(4, 2, seed=0)
    with pytest.raises(ValueError, match="visible units"):
        vmc.RBMWaveFunction(rbm, 3, 2)
    with pytest.raises(ValueError, match="power"):
        vmc.RBMWaveFunction(rbm, 2, 2, power=2.0)
    with pytest.raises(TypeError, match="GaussianBinaryRBM"):
        vmc.RBMWaveFunction("rbm", 2, 2)
    wf = vmc.RBMWaveFunction(rbm, 2, 2)
    with pytest.raises(ValueError, match="finite"):
        wf.with_params(np.full(wf.n_params, np.nan))


# ----------------------------------------------------------------------------------------------
# the feed-forward correction, differentiated by torch.func
# ----------------------------------------------------------------------------------------------


def test_feed_forward_starts_as_pade_jastrow():
    from physml.vmc.torch_nqs import FeedForwardJastrow

    wf = FeedForwardJastrow(0.45, 0.3, n_hidden=5, seed=2)
    pj = vmc.PadeJastrow(0.45, 0.3)
    x = np.random.default_rng(0).standard_normal((20, 2, 2))
    np.testing.assert_allclose(wf.log_psi(x), pj.log_psi(x), rtol=1e-13)
    np.testing.assert_allclose(wf.grad_log_psi(x), pj.grad_log_psi(x), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(wf.laplacian_log_psi(x), pj.laplacian_log_psi(x), rtol=1e-11)
    np.testing.assert_allclose(wf.param_grad_log_psi(x)[:, :2], pj.param_grad_log_psi(x), rtol=1e-12)


def test_feed_forward_derivatives_equal_finite_differences():
    from physml.vmc.torch_nqs import FeedForwardJastrow

    base = FeedForwardJastrow(0.45, 0.3, n_hidden=3, seed=4, scale=0.5)
    rng = np.random.default_rng(1)
    params = base.params.copy()
    params[2:] = 0.5 * rng.standard_normal(params.size - 2)  # non-zero network
    wf = base.with_params(params)
    x = rng.standard_normal((3, 2, 2))
    h = 1e-5
    grad, lap = np.zeros_like(x), np.zeros(3)
    for idx in np.ndindex(2, 2):
        e = np.zeros_like(x)
        e[:, idx[0], idx[1]] = h
        up, mid, down = wf.log_psi(x + e), wf.log_psi(x), wf.log_psi(x - e)
        grad[:, idx[0], idx[1]] = (up - down) / (2 * h)
        lap += (up - 2 * mid + down) / h**2
    np.testing.assert_allclose(wf.grad_log_psi(x), grad, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(wf.laplacian_log_psi(x), lap, rtol=1e-4, atol=1e-4)
    pgrad = np.zeros((3, wf.n_params))
    for k in range(wf.n_params):
        p_up, p_down = params.copy(), params.copy()
        p_up[k] += h
        p_down[k] -= h
        pgrad[:, k] = (wf.with_params(p_up).log_psi(x) - wf.with_params(p_down).log_psi(x)) / (2 * h)
    np.testing.assert_allclose(wf.param_grad_log_psi(x), pgrad, rtol=1e-6, atol=1e-8)
