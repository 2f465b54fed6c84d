"""Tests of physml.gnn: the Lennard-Jones reference and its sampler, graphs and sum aggregation,
the message-passing layer (permutation equivariance, drawn by hypothesis; torch-geometric), the
potential's symmetries, conservative forces and continuity at the cutoff, training, and bad input."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree

from physml import gnn
from physml.answers.gnn import icosahedron, tetrahedron
from physml.checks import gnn as gnnchecks
from physml.studies import gnn as gnnstudy


def _cluster(n=7, T=0.2, seed=0):
    return gnn.sample_lj_clusters(n, 1, T, seed=seed, n_sweeps=20)[0]


def _model64(**kw):
    return gnn.GNNPotential(n_features=8, n_rbf=8, seed=kw.pop("seed", 0), dtype=torch.float64, **kw)


def _ef(model, x):
    E, F = model.energy_and_forces(gnn.make_graphs([x], model.cutoff))
    return float(E[0]), F.numpy()


# --- the Lennard-Jones reference ------------------------------------------------------------


def test_lj_dimer_minimum_and_tetrahedron():
    dimer = np.array([[0.0, 0, 0], [gnn.LJ_R_MIN, 0, 0]])
    assert gnn.lj_energy(dimer) == pytest.approx(-1.0, abs=1e-14)
    np.testing.assert_allclose(gnn.lj_forces(dimer), 0.0, atol=1e-12)
    assert gnn.lj_energy(tetrahedron(gnn.LJ_R_MIN)) == pytest.approx(-6.0, abs=1e-12)


def test_lj_scales_with_epsilon_and_sigma():
    x = _cluster(5)
    assert gnn.lj_energy(2.0 * x, epsilon=3.0, sigma=2.0) == pytest.approx(3.0 * gnn.lj_energy(x), rel=1e-12)
    np.testing.assert_allclose(
        gnn.lj_forces(2.0 * x, sigma=2.0), gnn.lj_forces(x) / 2.0, rtol=1e-10, atol=1e-12
    )


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 9), st.integers(0, 2**16))
def test_lj_forces_are_minus_the_gradient(n, seed):
    """Analytic forces against torch autograd of the same energy, on batched clusters."""
    x = gnn.sample_lj_clusters(n, 2, 0.3, seed=seed, n_sweeps=10)
    pos = torch.tensor(x, requires_grad=True)
    d = torch.cdist(pos, pos) + torch.eye(n) * 1e6  # the diagonal far away
    s6 = d**-6
    E = 0.5 * (4 * (s6 * s6 - s6)).sum(dim=(1, 2))
    (grad,) = torch.autograd.grad(E.sum(), pos)
    np.testing.assert_allclose(gnn.lj_energy(x), E.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(gnn.lj_forces(x), -grad.numpy(), rtol=1e-9, atol=1e-9)


def test_forces_against_differences_and_lj13_minimum():
    ours, fd = gnnchecks.forces_vs_differences()
    np.testing.assert_allclose(ours, fd, atol=1e-5)
    assert gnnchecks.lj13_minimum() == pytest.approx(gnnchecks.PUBLISHED_LJ13, abs=1e-6)


def test_sampler_is_reproducible_centred_and_confined():
    a = gnn.sample_lj_clusters(6, 5, 0.2, seed=3, n_sweeps=20)
    b = gnn.sample_lj_clusters(6, 5, 0.2, seed=np.random.default_rng(3), n_sweeps=20)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (5, 6, 3)
    np.testing.assert_allclose(a.mean(axis=1), 0.0, atol=1e-12)
    assert np.all(np.linalg.norm(a, axis=-1) < 2 * (1.0 + 0.7 * 6 ** (1 / 3)))


def test_cold_clusters_sit_near_the_minimum():
    """At T = 0.02 a tetramer stays near its minimum -6: <E> - E_min ~ (3N - 6) T / 2 = 0.06."""
    x = gnn.sample_lj_clusters(4, 40, 0.02, seed=1, n_sweeps=200, step=0.05)
    assert np.mean(gnn.lj_energy(x)) == pytest.approx(-6.0, abs=0.15)


# --- graphs and aggregation -------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 13), st.floats(0.5, 3.5), st.integers(0, 2**16))
def test_radius_graph_against_a_kd_tree(n, cutoff, seed):
    x = np.random.default_rng(seed).uniform(-1.5, 1.5, size=(n, 3))
    edges = gnn.radius_graph(x, cutoff).numpy()
    ours = {tuple(e) for e in edges.T}
    pairs = cKDTree(x).query_pairs(cutoff)
    theirs = {(i, j) for i, j in pairs} | {(j, i) for i, j in pairs}
    assert ours == theirs


def test_scatter_sum_against_a_loop():
    rng = np.random.default_rng(0)
    src = torch.tensor(rng.normal(size=(20, 3)))
    index = torch.tensor(rng.integers(0, 6, size=20))
    out = gnn.scatter_sum(src, index, 7)
    ref = np.zeros((7, 3))
    for e in range(20):
        ref[int(index[e])] += src[e].numpy()
    np.testing.assert_allclose(out.numpy(), ref, atol=1e-14)
    assert np.all(out[6].numpy() == 0.0)  # a node that receives nothing


def test_make_graphs_offsets_and_sub_batches():
    clusters = [_cluster(n, seed=n) for n in (2, 5, 3, 7)]
    g = gnn.make_graphs(clusters, 3.0)
    assert g.positions.shape == (17, 3) and g.n_atoms.tolist() == [2, 5, 3, 7]
    assert g.batch.tolist() == [0] * 2 + [1] * 5 + [2] * 3 + [3] * 7
    assert bool((g.batch[g.edge_index[0]] == g.batch[g.edge_index[1]]).all())  # no edge between clusters
    sub, nodes = gnn._Batcher(g)(np.array([1, 3]))
    ref = gnn.make_graphs([clusters[1], clusters[3]], 3.0)
    for a, b in zip(sub[:4], ref[:4], strict=True):
        assert torch.equal(a, b)
    assert torch.equal(g.positions[nodes], ref.positions)


# --- message passing: permutation equivariance, torch-geometric ---------------------------------


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 12), st.integers(1, 6), st.integers(0, 4), st.integers(0, 2**16))
def test_layer_is_permutation_equivariant(n, width, n_edge, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.5, 1.5, size=(n, 3))
    edges = gnn.radius_graph(x, 2.0)
    layer = gnn.MessagePassingLayer(width, n_edge, seed=seed % 100).double()
    h = torch.tensor(rng.normal(size=(n, width)))
    e = torch.tensor(rng.normal(size=(edges.shape[1], n_edge)))
    perm = rng.permutation(n)
    inverse = np.argsort(perm)  # node i of the old graph is node inverse[i] of the new one
    new_edges = torch.tensor(inverse)[edges]
    out = layer(h, edges, e)
    out_perm = layer(h[perm], new_edges, e)
    torch.testing.assert_close(out_perm, out[perm], atol=1e-12, rtol=0)


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 10), st.booleans(), st.integers(0, 2**16))
def test_egnn_layer_is_e3_and_permutation_equivariant(n, reflect, seed):
    rng = np.random.default_rng(seed)
    x = torch.tensor(rng.uniform(-1.5, 1.5, size=(n, 3)))
    edges = gnn.radius_graph(x, 2.5)
    layer = gnn.EGNNLayer(5, seed=seed % 100).double()
    h = torch.tensor(rng.normal(size=(n, 5)))
    Q = gnnchecks.random_rotation(rng) @ (np.diag([1.0, 1.0, -1.0]) if reflect else np.eye(3))
    Q, t = torch.tensor(Q), torch.tensor(rng.normal(size=3))
    with torch.no_grad():
        h1, x1 = layer(h, x, edges)
        h2, x2 = layer(h, x @ Q.T + t, gnn.radius_graph(x @ Q.T + t, 2.5))
        perm = rng.permutation(n)
        h3, x3 = layer(h[perm], x[perm], gnn.radius_graph(x[perm], 2.5))
    torch.testing.assert_close(h2, h1, atol=1e-12, rtol=0)
    torch.testing.assert_close(x2, x1 @ Q.T + t, atol=1e-12, rtol=0)
    torch.testing.assert_close(h3, h1[perm], atol=1e-12, rtol=0)
    torch.testing.assert_close(x3, x1[perm], atol=1e-12, rtol=0)


def test_egnn_check_and_its_contrast():
    dev = gnnchecks.egnn_deviations()
    assert max(dev["rotation"], dev["reflection"]) < 1e-12
    assert dev["moved"] > 1e-3 and dev["coordinates as features"] > 1e-3  # the test can fail


def test_layer_equals_torch_geometric():
    ours, theirs = gnnchecks.layer_vs_pyg()
    np.testing.assert_allclose(ours, theirs, atol=1e-10, rtol=0)


# --- the potential: symmetries, conservative forces, continuity -----------------------------------


@settings(max_examples=10, deadline=None)
@given(st.integers(2, 10), st.integers(0, 2**16))
def test_potential_symmetries(n, seed):
    rng = np.random.default_rng(seed)
    model = _model64(seed=seed % 50)
    x = _cluster(n, seed=seed)
    E, F = _ef(model, x)
    R, t = gnnchecks.random_rotation(rng), rng.normal(size=3)
    E_r, F_r = _ef(model, x @ R.T + t)
    perm = rng.permutation(n)
    E_p, F_p = _ef(model, x[perm])
    assert abs(E_r - E) < 1e-10 and abs(E_p - E) < 1e-10
    np.testing.assert_allclose(F_r, F @ R.T, atol=1e-10)
    np.testing.assert_allclose(F_p, F[perm], atol=1e-10)
    np.testing.assert_allclose(F.sum(axis=0), 0.0, atol=1e-10)


def test_potential_forces_are_minus_the_gradient():
    model = _model64()
    x = _cluster(6)
    _, F = _ef(model, x)
    h = 1e-6
    for i, a in [(0, 0), (3, 2), (5, 1)]:
        plus, minus = x.copy(), x.copy()
        plus[i, a] += h
        minus[i, a] -= h
        fd = -(_ef(model, plus)[0] - _ef(model, minus)[0]) / (2 * h)
        assert F[i, a] == pytest.approx(fd, abs=1e-6)


def test_energy_is_continuous_when_an_edge_crosses_the_cutoff():
    model = _model64(cutoff=1.5)
    E = [_ef(model, np.array([[0.0, 0, 0], [d, 0, 0]]))[0] for d in (1.5 - 1e-7, 1.5 + 1e-7)]
    assert abs(E[1] - E[0]) < 1e-8


def test_energy_is_extensive_for_separated_clusters():
    model = _model64()
    a, b = _cluster(4, seed=1), _cluster(5, seed=2)
    far = np.vstack([a, b + np.array([20.0, 0, 0])])
    assert _ef(model, far)[0] == pytest.approx(_ef(model, a)[0] + _ef(model, b)[0], abs=1e-10)


def test_trained_model_obeys_its_symmetries_and_the_loop():
    dev = gnnchecks.symmetry_deviations(short=True)
    assert max(dev["permutation energy"], dev["permutation forces"], dev["rotation energy"],
               dev["rotation forces"], dev["sum of forces"]) < 1e-9  # fmt: skip
    assert abs(gnnchecks.loop_work(short=True)["work"]) < 1e-9


# --- training --------------------------------------------------------------------------------------


def _small_data(n_configs=12, seed=0):
    rng = np.random.default_rng(seed)
    clusters = [
        gnn.sample_lj_clusters(int(n), 1, 0.2, seed=rng, n_sweeps=20)[0]
        for n in rng.integers(2, 7, n_configs)
    ]
    E = np.array([gnn.lj_energy(c) for c in clusters])
    F = np.concatenate([gnn.lj_forces(c) for c in clusters])
    return clusters, E, F


def test_fit_reduces_the_cost_and_is_reproducible():
    clusters, E, F = _small_data()
    g = gnn.make_graphs(clusters, 3.0, dtype=torch.float32)
    runs = []
    for _ in range(2):
        model = gnn.GNNPotential(n_features=8, n_rbf=8, seed=1)
        runs.append(gnn.fit_potential(model, g, E, F, epochs=40, lr=1e-2, batch_size=4, seed=2))
    assert runs[0]["loss"] == runs[1]["loss"]
    assert runs[0]["loss"][-1] < 0.5 * runs[0]["loss"][0]
    assert model.shift.item() == pytest.approx(np.mean(E / g.n_atoms.numpy()), rel=1e-5)


def test_fit_stops_on_a_non_finite_cost():
    clusters, E, F = _small_data(4)
    g = gnn.make_graphs(clusters, 3.0, dtype=torch.float32)
    model = gnn.GNNPotential(n_features=4, n_rbf=4)
    with torch.no_grad():
        model.h0.fill_(float("nan"))
    with pytest.raises(FloatingPointError, match="loss"):
        gnn.fit_potential(model, g, E, F, epochs=1)


def test_short_study_runs_and_reports_per_seed_errors():
    run = gnnstudy.cluster_run(gnnstudy.ClusterRun.short())
    assert run["energy_mae"].shape == (3,) and np.all(np.isfinite(run["force_mae"]))
    assert len(run["data"]["train"]["energies"]) + len(run["data"]["test"]["energies"]) == 7 * 3 * 3


# --- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda: gnn.lj_energy(np.zeros((3, 2))), ValueError, "positions"),
        (lambda: gnn.lj_energy(np.zeros((2, 3)), epsilon=-1.0), ValueError, "epsilon"),
        (lambda: gnn.sample_lj_clusters(1, 2, 0.1), ValueError, "n_atoms"),
        (lambda: gnn.sample_lj_clusters(4, 2, 0.0), ValueError, "temperature"),
        (lambda: gnn.sample_lj_clusters(13, 2, 0.1, radius=0.5), ValueError, "radius"),
        (lambda: gnn.radius_graph(np.zeros((3, 3)), -1.0), ValueError, "cutoff"),
        (lambda: gnn.scatter_sum(torch.zeros(3, 2), torch.tensor([0, 1, 5]), 4), ValueError, "index"),
        (lambda: gnn.scatter_sum(torch.zeros(3, 2), torch.tensor([0.0, 1, 2]), 4), TypeError, "index"),
        (lambda: gnn.make_graphs([], 3.0), ValueError, "clusters"),
        (lambda: gnn.make_graphs([np.zeros((2, 2))], 3.0), ValueError, "clusters[0]"),
        (lambda: gnn.GNNPotential(n_features=0), ValueError, "n_features"),
        (lambda: gnn.GNNPotential()(gnn.make_graphs([icosahedron()], 3.0)), TypeError, "graph.positions"),
        (
            lambda: gnn.GNNPotential(dtype=torch.float64)(gnn.make_graphs([icosahedron()], 2.0)),
            ValueError,
            "cutoff",
        ),
        (
            lambda: gnn.MessagePassingLayer(4, 2)(
                torch.zeros(3, 4), torch.zeros(2, 1, dtype=torch.long), torch.zeros(2, 2)
            ),
            ValueError,
            "edge_attr",
        ),  # fmt: skip
    ],
)
def test_bad_input_names_the_argument(call, error, name):
    with pytest.raises(error, match=name.replace("[", r"\[").replace("]", r"\]")):
        call()
