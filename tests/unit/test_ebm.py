"""Unit tests of physml.ebm (chapter "Energy-based models") and the exact helpers of its studies."""

import numpy as np
import pytest
import torch

from physml import ebm
from physml.rbm import BinaryRBM
from physml.studies import ebm as study
from physml.studies import generative


def _gauss(x):
    return (x * x).sum(-1) / 2


class _Quadratic(torch.nn.Module):
    """E(x) = x^2 / (2 v), a fixed quadratic energy (a model with one parameter)."""

    def __init__(self, v: float):
        super().__init__()
        self.log_v = torch.nn.Parameter(torch.tensor(float(np.log(v))))

    def forward(self, x):
        return (x * x).sum(-1) / (2 * torch.exp(self.log_v))


def test_ula_variance_is_the_fixed_point_of_the_variance_recursion():
    sigma, eps = 0.7, 0.3
    v = 0.0
    for _ in range(2000):
        v = (1 - eps / sigma**2) ** 2 * v + 2 * eps
    assert ebm.ula_gaussian_variance(sigma, eps) == pytest.approx(v, rel=1e-12)
    assert ebm.ula_gaussian_variance(1.0, 1e-6) == pytest.approx(1.0 + 0.5e-6, rel=1e-9)


def test_ula_variance_refuses_an_unstable_step():
    with pytest.raises(ValueError, match="step_size"):
        ebm.ula_gaussian_variance(1.0, 2.0)


def test_langevin_samples_the_biased_gaussian_and_is_reproducible():
    x0 = np.zeros((20_000, 1))
    a = ebm.langevin(_gauss, x0, 0.5, 60, seed=3)
    b = ebm.langevin(_gauss, x0, 0.5, 60, seed=3)
    np.testing.assert_array_equal(a, b)
    var, exact = a.var(ddof=1), ebm.ula_gaussian_variance(1.0, 0.5)
    assert abs(var - exact) < 4 * exact * np.sqrt(2 / len(a))
    assert abs(a.mean()) < 4 * np.sqrt(exact / len(a))


def test_langevin_rejects_an_energy_without_one_value_per_row():
    with pytest.raises(ValueError, match="energy"):
        ebm.langevin(lambda x: (x * x).sum(), np.zeros((3, 2)), 0.1, 2)


def test_grid_log_partition_of_a_normalised_gaussian_is_zero():
    def energy(x):
        return (x * x).sum(-1) / 2 + np.log(2 * np.pi)

    log_z, axis, grid = ebm.grid_log_partition(energy, (-8, 8), 200)
    assert abs(log_z) < 1e-5
    assert grid.shape == (200, 200) and axis.shape == (200,)


def test_grid_log_partition_of_the_toy_density_is_zero():
    def energy(x):
        return torch.as_tensor(-generative.toy_log_density(x.numpy()), dtype=torch.float32)

    log_z, _, _ = ebm.grid_log_partition(energy, study.GRID_BOUNDS, 300)
    assert abs(log_z) < 2e-3


def test_energy_net_shape_and_confinement():
    torch.manual_seed(0)
    net = ebm.EnergyNet(2, width=8, depth=2, confine=1.0)
    x = torch.zeros(5, 2)
    assert net(x).shape == (5,)
    far = torch.tensor([[100.0, 0.0]])
    assert net(far).item() > 1000  # the quadratic envelope wins far from the data


def test_dsm_loss_of_the_exact_score_is_the_floor():
    """Gaussian data N(0, s^2): the optimal energy is x^2 / 2(s^2 + sigma^2), with the DSM loss
    1 - sigma^2/(s^2 + sigma^2)."""
    s, sigma = 1.0, 0.5
    x = torch.as_tensor(np.random.default_rng(0).normal(0, s, size=(200_000, 1)), dtype=torch.float32)
    model = _Quadratic(s**2 + sigma**2)
    loss = ebm.dsm_loss(model, x, sigma, seed=1).item()
    floor = 1 - sigma**2 / (s**2 + sigma**2)
    assert loss == pytest.approx(floor, abs=0.01)
    worse = ebm.dsm_loss(_Quadratic(2.0 * (s**2 + sigma**2)), x, sigma, seed=1).item()
    assert worse > loss


def test_fit_dsm_learns_the_noisy_variance():
    s, sigma = 1.0, 0.5
    data = np.random.default_rng(1).normal(0, s, size=(4000, 1))
    model = _Quadratic(0.2)
    history = ebm.fit_dsm(model, data, sigma, steps=400, batch_size=256, lr=0.05, seed=0)
    assert np.all(np.isfinite(history["loss"]))
    assert float(torch.exp(model.log_v.detach())) == pytest.approx(s**2 + sigma**2, rel=0.1)


def test_fit_pcd_learns_a_gaussian_variance():
    """Maximum likelihood of x^2/2v on N(0, 1) data gives v = 1 (up to the Langevin bias and noise)."""
    data = np.random.default_rng(2).normal(size=(2000, 1))
    model = _Quadratic(0.2)
    history = ebm.fit_pcd(
        model,
        data,
        steps=300,
        batch_size=100,
        n_chains=400,
        langevin_steps=10,
        step_size=0.05,
        lr=0.05,
        alpha=0.0,
        seed=0,
    )
    assert history["chains"].shape == (400, 1)
    assert float(torch.exp(model.log_v.detach())) == pytest.approx(1.0, rel=0.25)


def test_fit_pcd_refuses_data_of_the_wrong_width():
    with pytest.raises(ValueError, match="data"):
        ebm.fit_pcd(ebm.EnergyNet(2, 4, 1), np.zeros((5, 3)), steps=1, batch_size=2, n_chains=4)


def test_ais_matches_the_exact_log_partition_of_a_small_rbm():
    rng = np.random.default_rng(0)
    rbm = BinaryRBM(rng.normal(0, 0.5, 10), rng.normal(0, 0.5, 6), rng.normal(0, 1.0, (10, 6)))
    result = ebm.ais_log_partition(rbm, n_runs=400, n_betas=400, seed=1)
    assert abs(result.log_z - rbm.log_partition()) < 4 * result.error + 1e-3
    assert 0 < result.ess <= 400 and result.log_weights.shape == (400,)


def test_ais_is_exact_when_the_base_is_the_model():
    """W = 0 and b = 0: the RBM is the base with biases a; every weight is 1 and ln Z exact."""
    a = np.array([0.3, -1.0, 2.0])
    rbm = BinaryRBM(a, np.zeros(2), np.zeros((3, 2)))
    result = ebm.ais_log_partition(rbm, n_runs=10, n_betas=5, seed=0, base_bias=a)
    assert result.log_z == pytest.approx(rbm.log_partition(), abs=1e-12)
    assert result.error == pytest.approx(0.0, abs=1e-12)


def test_noised_toy_score_is_the_gradient_of_the_log_density_at_zero_noise():
    x = generative.toy_sample(20, 0)
    h = 1e-5
    numeric = np.column_stack(
        [
            (generative.toy_log_density(x + h * e) - generative.toy_log_density(x - h * e)) / (2 * h)
            for e in np.eye(2)
        ]
    )
    np.testing.assert_allclose(study.noised_toy_score(x, 1e-9), numeric, rtol=1e-5, atol=1e-6)
