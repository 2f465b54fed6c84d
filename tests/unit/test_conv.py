"""Tests of physml.conv: convolution and max-pooling, forward and backward, against torch.nn.functional."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from physml import conv


@st.composite
def conv_cases(draw):
    """Random shapes, stride and padding with a kernel that fits into the padded input."""
    n = draw(st.integers(1, 3))
    c_in = draw(st.integers(1, 3))
    c_out = draw(st.integers(1, 4))
    padding = draw(st.integers(0, 2))
    stride = draw(st.integers(1, 3))
    h = draw(st.integers(1, 7))
    w = draw(st.integers(1, 7))
    kh = draw(st.integers(1, min(h + 2 * padding, 4)))
    kw = draw(st.integers(1, min(w + 2 * padding, 4)))
    seed = draw(st.integers(0, 2**16))
    return n, c_in, c_out, h, w, kh, kw, stride, padding, seed


def _torch_conv(x, weight, bias, stride, padding, grad_out):
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(weight, requires_grad=True)
    bt = torch.tensor(bias, requires_grad=True)
    out = F.conv2d(xt, wt, bt, stride=stride, padding=padding)
    out.backward(torch.tensor(grad_out))
    return out.detach().numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


@settings(max_examples=60, deadline=None)
@given(conv_cases())
def test_conv2d_equals_torch(case):
    n, c_in, c_out, h, w, kh, kw, stride, padding, seed = case
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, c_in, h, w))
    weight = rng.normal(size=(c_out, c_in, kh, kw))
    bias = rng.normal(size=c_out)
    out = conv.conv2d_forward(x, weight, bias, stride=stride, padding=padding)
    grad_out = rng.normal(size=out.shape)
    ref_out, ref_gx, ref_gw, ref_gb = _torch_conv(x, weight, bias, stride, padding, grad_out)
    assert out.shape == ref_out.shape
    assert out.shape[2] == conv.output_size(h, kh, padding, stride)
    np.testing.assert_allclose(out, ref_out, rtol=0, atol=1e-10)
    gx, gw, gb = conv.conv2d_backward(grad_out, x, weight, stride=stride, padding=padding)
    np.testing.assert_allclose(gx, ref_gx, rtol=0, atol=1e-10)
    np.testing.assert_allclose(gw, ref_gw, rtol=0, atol=1e-10)
    np.testing.assert_allclose(gb, ref_gb, rtol=0, atol=1e-10)


@st.composite
def pool_cases(draw):
    size = draw(st.integers(1, 3))
    stride = draw(st.sampled_from([None, 1, 2, 3]))
    h = draw(st.integers(size, 8))
    w = draw(st.integers(size, 8))
    return draw(st.integers(1, 2)), draw(st.integers(1, 3)), h, w, size, stride, draw(st.integers(0, 2**16))


@settings(max_examples=60, deadline=None)
@given(pool_cases())
def test_maxpool_equals_torch(case):
    n, c, h, w, size, stride, seed = case
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, c, h, w))  # continuous values: no ties between window entries
    out, argmax = conv.maxpool2d_forward(x, size, stride)
    xt = torch.tensor(x, requires_grad=True)
    ref = F.max_pool2d(xt, size, stride=stride)
    grad_out = rng.normal(size=out.shape)
    ref.backward(torch.tensor(grad_out))
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=0, atol=1e-12)
    grad_x = conv.maxpool2d_backward(grad_out, argmax, x.shape, size, stride)
    np.testing.assert_allclose(grad_x, xt.grad.numpy(), rtol=0, atol=1e-12)


def test_correlate_and_convolve_equal_scipy():
    rng = np.random.default_rng(0)
    image, kernel = rng.normal(size=(6, 7)), rng.normal(size=(3, 2))
    np.testing.assert_allclose(conv.correlate2d(image, kernel), signal.correlate2d(image, kernel, "valid"))
    np.testing.assert_allclose(conv.convolve2d(image, kernel), signal.convolve2d(image, kernel, "valid"))
    # with one channel and no padding the layer is the cross-correlation
    layer = conv.conv2d_forward(image[None, None], kernel[None, None])[0, 0]
    np.testing.assert_allclose(layer, conv.correlate2d(image, kernel))


def test_sizes_parameters_receptive_field():
    assert conv.output_size(8, 3, padding=1) == 8
    assert conv.output_size(7, 3, stride=2) == 3
    assert conv.conv_n_parameters(3, 16, 5) == 16 * (3 * 25 + 1)
    assert conv.conv_n_parameters(3, 16, (3, 5), bias=False) == 16 * 3 * 15
    assert conv.receptive_field([(3, 1), (3, 1)]) == 5
    assert conv.receptive_field([(3, 1), (2, 2), (3, 1)]) == 8
    assert conv.receptive_field([]) == 1
    cnn = conv.digits_cnn(channels=(16, 32))
    n_conv = sum(p.numel() for m in cnn if isinstance(m, torch.nn.Conv2d) for p in m.parameters())
    assert n_conv == conv.conv_n_parameters(1, 16, 3) + conv.conv_n_parameters(16, 32, 3)
    assert cnn(torch.zeros(2, 1, 8, 8)).shape == (2, 10)


def test_receptive_field_by_gradient():
    """The receptive field equals the extent of the input pixels that change one output pixel.

    Average pooling (same receptive field as max-pooling) passes a gradient to every pixel of
    its window, so no pixel of the field is missed by chance.
    """
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 1, 3),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(1, 1, 3, stride=2),
        torch.nn.Conv2d(1, 1, 2),
    ).double()
    x = torch.randn(1, 1, 40, 40, dtype=torch.float64, requires_grad=True)
    out = net(x)
    out[0, 0, 0, 0].backward()
    rows = np.flatnonzero(x.grad[0, 0].abs().sum(dim=1).numpy())
    assert rows.max() - rows.min() + 1 == conv.receptive_field([(3, 1), (2, 2), (3, 2), (2, 1)])


@pytest.mark.parametrize(
    "x_shape, w_shape, kwargs, error, match",
    [
        ((1, 2, 5, 5), (3, 1, 3, 3), {}, ValueError, "channels"),
        ((1, 1, 2, 2), (1, 1, 3, 3), {}, ValueError, "weight: kernel height"),
        ((1, 1, 2, 5), (1, 1, 3, 3), {"padding": 1}, None, None),
        ((1, 1, 5, 5), (1, 1, 3, 3), {"stride": 0}, ValueError, "stride"),
        ((1, 1, 5, 5), (1, 1, 3, 3), {"stride": -1}, ValueError, "stride"),
        ((1, 1, 5, 5), (1, 1, 3, 3), {"padding": -1}, ValueError, "padding"),
        ((1, 1, 5, 5), (1, 1, 3, 3), {"stride": 1.5}, TypeError, "stride"),
        ((1, 5, 5), (1, 1, 3, 3), {}, ValueError, "x must be 4-dimensional"),
        ((1, 1, 5, 5), (1, 3, 3), {}, ValueError, "weight must be 4-dimensional"),
    ],
)
def test_conv_bad_input(x_shape, w_shape, kwargs, error, match):
    x, w = np.ones(x_shape), np.ones(w_shape)
    if error is None:
        assert conv.conv2d_forward(x, w, **kwargs).shape == (1, 1, 2, 5)
        return
    with pytest.raises(error, match=match):
        conv.conv2d_forward(x, w, **kwargs)


def test_bad_values():
    x = np.ones((1, 1, 4, 4))
    with pytest.raises(ValueError, match="NaN"):
        conv.conv2d_forward(np.full((1, 1, 4, 4), np.nan), np.ones((1, 1, 2, 2)))
    with pytest.raises(ValueError, match="bias"):
        conv.conv2d_forward(x, np.ones((2, 1, 2, 2)), bias=np.ones(3))
    with pytest.raises(ValueError, match="grad_out"):
        conv.conv2d_backward(np.ones((1, 1, 2, 2)), x, np.ones((1, 1, 2, 2)))
    with pytest.raises(ValueError, match="size"):
        conv.maxpool2d_forward(x, 5)
    with pytest.raises(ValueError, match="empty"):
        conv.conv2d_forward(np.ones((0, 1, 4, 4)), np.ones((1, 1, 2, 2)))
    with pytest.raises(ValueError, match="kernel"):
        conv.output_size(2, 5)
    with pytest.raises(ValueError, match="stride"):
        conv.output_size(5, 3, stride=0)
    with pytest.raises(ValueError, match=r"layers\[1\]"):
        conv.receptive_field([(3, 1), (3,)])
    with pytest.raises(TypeError, match="complex"):
        conv.conv2d_forward(np.ones((1, 1, 3, 3)) * 1j, np.ones((1, 1, 2, 2)))


def test_ising_cnn_shapes_and_symmetry():
    net = conv.ising_cnn(4)
    for L in (4, 9):
        assert net(torch.zeros(3, 1, L, L)).shape == (3, 2)
    # circular padding: shifting a configuration around the torus does not change the output
    x = torch.randn(2, 1, 6, 6, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(net(x), net(torch.roll(x, shifts=(2, 3), dims=(2, 3))))


def test_half_crossing():
    T = np.array([1.0, 2.0, 3.0, 4.0])
    assert conv.half_crossing(T, [1.0, 0.75, 0.25, 0.0]) == pytest.approx(2.5)
    assert conv.half_crossing(T, [0.9, 0.5, 0.1, 0.0]) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="increasing"):
        conv.half_crossing(T[::-1], [1.0, 0.75, 0.25, 0.0])
    with pytest.raises(ValueError, match="1/2"):
        conv.half_crossing(T, [0.4, 0.3, 0.2, 0.1])
    with pytest.raises(ValueError, match="same length"):
        conv.half_crossing(T, [1.0, 0.0])


# --- lattice symmetries, residual CNN, transposed convolution, finite-size fit -------------------


def test_lattice_symmetry_is_the_group_and_keeps_the_energy():
    from physml import ising

    rng = np.random.default_rng(0)
    s = rng.choice([-1.0, 1.0], size=(5, 6, 6))
    images = [conv.lattice_symmetry(s, g) for g in range(conv.N_LATTICE_SYMMETRIES)]
    np.testing.assert_array_equal(images[0], s)
    # 16 distinct images of a generic configuration, all with the energy of the original
    flat = {im[0].tobytes() for im in images}
    assert len(flat) == 16
    for im in images:
        np.testing.assert_array_equal(ising.energy(im), ising.energy(s))
    # element 8 is the spin flip, 4 rotations by 90 degrees give the identity
    np.testing.assert_array_equal(images[8], -s)
    x = s
    for _ in range(4):
        x = conv.lattice_symmetry(x, 1)
    np.testing.assert_array_equal(x, s)
    # closure: composing two elements gives an element of the set
    for g in range(16):
        for h in (1, 4, 8, 13):
            comp = conv.lattice_symmetry(conv.lattice_symmetry(s, h), g)
            assert comp[0].tobytes() in flat
    with pytest.raises(ValueError, match="element"):
        conv.lattice_symmetry(s, 16)
    with pytest.raises(ValueError, match="square"):
        conv.lattice_symmetry(np.ones((2, 3, 4)), 1)


def test_torch_symmetry_matches_numpy():
    rng = np.random.default_rng(1)
    s = rng.choice([-1.0, 1.0], size=(3, 1, 5, 5)).astype(np.float32)
    for g in range(16):
        np.testing.assert_array_equal(
            conv._torch_symmetry(torch.from_numpy(s), g).numpy(), conv.lattice_symmetry(s, g)
        )


@pytest.mark.parametrize("elements", [2, 8, 16])
def test_symmetrized_net_is_invariant(elements):
    torch.manual_seed(0)
    net = conv.SymmetrizedNet(conv.ising_cnn(4), elements)
    x = torch.from_numpy(np.random.default_rng(2).choice([-1.0, 1.0], size=(4, 1, 6, 6)).astype(np.float32))
    out = net(x)
    group = [0, 8] if elements == 2 else range(elements)
    for g in group:
        torch.testing.assert_close(net(conv._torch_symmetry(x, g)), out, atol=1e-5, rtol=1e-5)
    # the plain network is not invariant under the spin flip
    assert not torch.allclose(net.model(-x), net.model(x), atol=1e-4)
    with pytest.raises(ValueError, match="elements"):
        conv.SymmetrizedNet(conv.ising_cnn(4), 3)
    with pytest.raises(TypeError, match="model"):
        conv.SymmetrizedNet("net", 2)
    with pytest.raises(ValueError, match="square"):
        net(torch.zeros(1, 1, 4, 5))


def test_random_lattice_symmetry_training_and_eval():
    layer = conv.RandomLatticeSymmetry(16)
    x = torch.from_numpy(np.random.default_rng(3).choice([-1.0, 1.0], size=(64, 1, 5, 5)).astype(np.float32))
    torch.manual_seed(0)
    y = layer(x)
    # every output is one of the 16 images of its input, and not all are the identity
    images = torch.stack([conv._torch_symmetry(x, g) for g in range(16)])  # (16, N, 1, 5, 5)
    match = (images == y[None]).flatten(2).all(dim=2)
    assert bool(match.any(dim=0).all())
    assert not torch.equal(y, x)
    layer.eval()
    assert torch.equal(layer(x), x)


def test_residual_block_and_resnet():
    torch.manual_seed(0)
    block = conv.ConvResidualBlock(4)
    x = torch.randn(3, 4, 6, 6)
    assert block(x).shape == x.shape
    net = conv.ising_resnet(4, blocks=2)
    assert net(torch.randn(2, 1, 8, 8)).shape == (2, 2)
    assert net(torch.randn(2, 1, 12, 12)).shape == (2, 2)
    with pytest.raises(ValueError, match="channels"):
        block(torch.randn(3, 5, 6, 6))


@pytest.mark.parametrize("n,k,p,s,op", [(8, 3, 1, 2, 1), (5, 4, 0, 1, 0), (7, 2, 0, 2, 0), (4, 5, 2, 3, 2)])
def test_transposed_output_size_equals_torch(n, k, p, s, op):
    layer = torch.nn.ConvTranspose2d(1, 1, k, stride=s, padding=p, output_padding=op)
    expected = layer(torch.zeros(1, 1, n, n)).shape[-1]
    assert conv.transposed_output_size(n, k, p, s, op) == expected
    # it inverts the shape of the convolution with the same kernel, stride and padding
    assert conv.output_size(expected, k, p, s) == n


def test_transposed_output_size_bad():
    with pytest.raises(ValueError, match="output_padding"):
        conv.transposed_output_size(4, 3, 1, 2, 2)
    with pytest.raises(ValueError, match="padding"):
        conv.transposed_output_size(1, 1, 3, 1)


def test_finite_size_fit_recovers_line_and_errors():
    L = np.array([8.0, 12.0, 16.0, 24.0])
    T = 2.27 + 0.8 / L
    fit = conv.finite_size_fit(L, T, np.full(4, 0.01))
    assert fit["tc"] == pytest.approx(2.27, abs=1e-12)
    assert fit["a"] == pytest.approx(0.8, abs=1e-10)
    assert fit["chi2"] == pytest.approx(0.0, abs=1e-18)
    assert fit["dof"] == 2
    # the error of T_c is that of a weighted straight line (np.polyfit with weights, unscaled cov)
    _, cov = np.polyfit(
        1 / L, T + np.array([0.01, -0.01, 0.005, 0.0]), 1, w=np.full(4, 100.0), cov="unscaled"
    )
    assert fit["tc_err"] == pytest.approx(np.sqrt(cov[1, 1]), rel=1e-9)
    # nu = 2: x = L^(-1/2)
    fit2 = conv.finite_size_fit(L, 2.0 + L**-0.5, np.ones(4), nu=2.0)
    assert fit2["tc"] == pytest.approx(2.0)
    for args, match in [
        ((L, T[:3], np.ones(4)), "same length"),
        ((L, T, -np.ones(4)), "sigma"),
        ((np.full(4, 8.0), T, np.ones(4)), "two different"),
        ((L[:1], T[:1], np.ones(1)), "at least 2"),
    ]:
        with pytest.raises(ValueError, match=match):
            conv.finite_size_fit(*args)


def test_vectorised_crossings_equal_half_crossing():
    from physml.studies import cnn as study

    rng = np.random.default_rng(4)
    T = np.linspace(1.0, 3.0, 9)
    curves = np.sort(rng.random((40, 9)), axis=1)[:, ::-1]
    curves[0] = 0.9  # never below 1/2
    curves[1] = 0.1  # never above
    got = study._crossings(T, curves)
    for row, value in zip(curves, got, strict=True):
        try:
            ref = conv.half_crossing(T, row)
        except ValueError:
            ref = np.nan
        np.testing.assert_allclose(value, ref, equal_nan=True)
    assert np.isnan(got[:2]).all()
