"""Tests of physml.torchtools: devices, seeding, loaders, the training loop, saving, models."""

import numpy as np
import pytest
import torch
from torch import nn

from physml import optim, torchtools
from physml.nn import MLP, torch_twin
from physml.studies import neural_networks as nn_study
from physml.studies import pytorch as pt_study


def _toy(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return X, y


def _fit(model, X, y, epochs=5, **kw):
    return torchtools.fit(
        model,
        torchtools.make_loader(X, y, batch_size=8, seed=1),
        torchtools.make_loader(X, y, batch_size=8, shuffle=False),
        torch.optim.SGD(model.parameters(), lr=0.1),
        nn.functional.cross_entropy,
        epochs=epochs,
        **kw,
    )


@pytest.mark.parametrize("device", ["cpu", torch.device("cpu")])
def test_as_device_cpu(device):
    assert torchtools.as_device(device) == torch.device("cpu")


@pytest.mark.parametrize("device", ["gpu", "CPU", "cuda:x", "", "mps"])
def test_as_device_unknown_string(device):
    with pytest.raises(ValueError, match="device"):
        torchtools.as_device(device)


def test_as_device_type():
    with pytest.raises(TypeError, match="device"):
        torchtools.as_device(0)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
@pytest.mark.parametrize("device", ["cuda", "cuda:0", torch.device("cuda")])
def test_as_device_cuda_unavailable(device):
    with pytest.raises(ValueError, match="CUDA is not available"):
        torchtools.as_device(device)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_fit_on_missing_gpu_is_a_clear_error():
    X, y = _toy()
    with pytest.raises(ValueError, match="CUDA is not available"):
        _fit(torchtools.mlp([3, 4, 2]), X, y, device="cuda")


def test_generator_reproducible():
    a = torch.rand(5, generator=torchtools.make_generator(3))
    b = torch.rand(5, generator=torchtools.make_generator(3))
    assert torch.equal(a, b)
    with pytest.raises(ValueError, match="seed"):
        torchtools.make_generator(-1)


def test_seed_everything():
    before = torch.are_deterministic_algorithms_enabled()
    torchtools.seed_everything(5)
    a = torch.rand(3)
    torchtools.seed_everything(5)
    assert torch.equal(a, torch.rand(3))
    assert torch.are_deterministic_algorithms_enabled() == before  # no lasting side effect by default


def test_deterministic_algorithms_are_restored_after_the_block():
    torch.use_deterministic_algorithms(False)
    with torchtools.deterministic_algorithms():
        assert torch.are_deterministic_algorithms_enabled()
    assert not torch.are_deterministic_algorithms_enabled()
    with pytest.raises(RuntimeError), torchtools.deterministic_algorithms():
        raise RuntimeError("the setting is restored on an error too")
    assert not torch.are_deterministic_algorithms_enabled()
    with pytest.raises(TypeError, match="enabled"):
        with torchtools.deterministic_algorithms("yes"):
            pass


def test_dataset_and_loader():
    X, y = _toy(10)
    ds = torchtools.ArrayDataset(X, y)
    assert len(ds) == 10
    x0, y0 = ds[0]
    assert x0.dtype == torch.float32 and y0.dtype == torch.long
    assert torch.is_floating_point(torchtools.ArrayDataset(X, X[:, 0]).y)
    with pytest.raises(ValueError, match="same number of samples"):
        torchtools.ArrayDataset(X, y[:5])
    with pytest.raises(ValueError, match="NaN"):
        torchtools.ArrayDataset(np.full((3, 2), np.nan), [0, 1, 0])
    with pytest.raises(ValueError, match="X must have one row"):
        torchtools.ArrayDataset(np.zeros((0, 2)), [])
    first = [b[1].tolist() for b in torchtools.make_loader(X, y, batch_size=4, seed=2)]
    again = [b[1].tolist() for b in torchtools.make_loader(X, y, batch_size=4, seed=2)]
    assert first == again


def test_numpy_batch_sampler_matches_minibatches():
    sampler = torchtools.NumpyBatchSampler(11, 4, seed=7)
    rng = np.random.default_rng(7)
    for _ in range(3):  # epoch after epoch
        assert list(sampler) == [b.tolist() for b in optim.minibatches(11, 4, rng)]
    assert len(sampler) == 3


def test_fit_learns_and_is_reproducible():
    X, y = _toy()
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = torchtools.mlp([3, 8, 2], dropout=0.1)
        runs.append((_fit(model, X, y, epochs=20), model))
    (h1, m1), (h2, m2) = runs
    assert h1["train_loss"] == h2["train_loss"]
    assert h1["train_loss"][-1] < h1["train_loss"][0]
    assert torchtools.accuracy(m1, torchtools.make_loader(X, y, shuffle=False)) > 0.8


def test_fit_early_stopping_restores_best():
    X, y = _toy()
    torch.manual_seed(0)
    model = torchtools.mlp([3, 8, 2])
    # a learning rate so large that the validation loss soon gets worse
    history = torchtools.fit(
        model,
        torchtools.make_loader(X, y, batch_size=8),
        torchtools.make_loader(X, y, shuffle=False),
        torch.optim.SGD(model.parameters(), lr=20.0),
        nn.functional.cross_entropy,
        epochs=200,
        early_stopping_patience=3,
    )
    assert history["stopped_early"]
    best = history["best_epoch"]
    assert len(history["val_loss"]) == best + 4
    val = torchtools.evaluate(model, torchtools.make_loader(X, y, shuffle=False), nn.functional.cross_entropy)
    assert val == pytest.approx(history["val_loss"][best], rel=1e-6)


def test_fit_nan_loss_stops():
    X, y = _toy()
    model = torchtools.mlp([3, 4, 2])
    with torch.no_grad():
        model[0].weight.fill_(float("nan"))
    with pytest.raises(FloatingPointError, match="step 0"):
        _fit(model, X, y)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"epochs": 0}, ValueError, "epochs"),
        ({"device": "gpu"}, ValueError, "device"),
        ({"early_stopping_patience": 0}, ValueError, "early_stopping_patience"),
        ({"seed": -2}, ValueError, "seed"),
    ],
)
def test_fit_bad_arguments(kwargs, error, match):
    X, y = _toy()
    model = torchtools.mlp([3, 4, 2])
    args = {"epochs": 1, **kwargs}
    with pytest.raises(error, match=match):
        _fit(model, X, y, **{k: v for k, v in args.items() if k != "epochs"}, epochs=args["epochs"])


def test_fit_bad_types():
    X, y = _toy()
    model = torchtools.mlp([3, 4, 2])
    loader = torchtools.make_loader(X, y)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = nn.functional.cross_entropy
    with pytest.raises(TypeError, match="model"):
        torchtools.fit("net", loader, None, opt, loss, 1)
    with pytest.raises(TypeError, match="train_loader"):
        torchtools.fit(model, [X], None, opt, loss, 1)
    with pytest.raises(TypeError, match="optimizer"):
        torchtools.fit(model, loader, None, "adam", loss, 1)
    with pytest.raises(ValueError, match="val_loader"):
        torchtools.fit(model, loader, None, opt, loss, 1, early_stopping_patience=2)


def test_save_and_load(tmp_path):
    torch.manual_seed(0)
    model = torchtools.mlp([3, 5, 2], batch_norm=True)
    path = torchtools.save_model(model, tmp_path / "m.pt", epochs=3)
    other = torchtools.mlp([3, 5, 2], batch_norm=True)
    assert torchtools.load_model(other, path) == {"epochs": 3}
    x = torch.randn(4, 3)
    model.eval(), other.eval()
    assert torch.equal(model(x), other(x))
    with pytest.raises(ValueError, match="path"):
        torchtools.load_model(other, tmp_path / "missing.pt")


def test_models():
    net = torchtools.mlp([4, 6, 6, 3], "tanh", dropout=0.5, batch_norm=True)
    assert torchtools.n_parameters(net) == 5 * 6 + 7 * 6 + 7 * 3 + 2 * 2 * 6
    assert net(torch.zeros(2, 4)).shape == (2, 3)
    res = torchtools.deep_net(4, 5, 3, 2, residual=True)
    block = res[1]
    h = torch.randn(2, 5)
    torch.testing.assert_close(block(h), h + torch.tanh(block.linear(h)))
    with pytest.raises(ValueError, match="activation"):
        torchtools.mlp([2, 2], "swish")
    with pytest.raises(ValueError, match="dropout"):
        torchtools.mlp([2, 3, 2], dropout=1.0)
    with pytest.raises(ValueError, match="sizes"):
        torchtools.mlp([2])
    with pytest.raises(ValueError, match="depth"):
        torchtools.deep_net(2, 2, 0, 2, residual=False)


def test_rebuild_equals_physml_short():
    """Two epochs of the digits network: torchtools.fit ends at MLP.fit's parameters."""
    net = pt_study.rebuilt_digits_net()
    physml_net = nn_study.digits_model()
    from physml.nn import examples

    X, _, y, _ = examples.digits_data()
    sampler = torchtools.NumpyBatchSampler(len(y), 32, seed=7)
    loader = torch.utils.data.DataLoader(torchtools.ArrayDataset(X, y, torch.float64), batch_sampler=sampler)
    torchtools.fit(
        net, loader, None, torch.optim.Adam(net.parameters(), lr=1e-3), nn.functional.cross_entropy, epochs=2
    )
    physml_net.fit(X, y, optim.Adam(1e-3), epochs=2, batch_size=32, seed=7)
    assert isinstance(physml_net, MLP)
    ours = np.concatenate([p.ravel() for p in torch_twin.torch_params_as_numpy(net)])
    ref = np.concatenate([p.ravel() for p in physml_net.params])
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-10)


# --------------------------------------------------------------------------- the torch layer's bad input


def _loader_and_model(width=3):
    X, y = _toy()
    torch.manual_seed(0)
    return torchtools.make_loader(X, y, batch_size=8, seed=1), torchtools.mlp([width, 4, 2])


def test_loader_of_the_wrong_width_is_named_before_training():
    loader, model = _loader_and_model(width=5)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = nn.functional.cross_entropy
    msg = "inputs have width 3 but model expects 5"
    with pytest.raises(ValueError, match="train_loader's " + msg):
        torchtools.fit(model, loader, None, opt, loss, 1)
    good, small = _loader_and_model()
    wide = torchtools.make_loader(np.ones((4, 5)), [0, 1, 0, 1], seed=0)
    with pytest.raises(ValueError, match="val_loader's inputs have width 5 but model expects 3"):
        torchtools.fit(small, good, wide, torch.optim.SGD(small.parameters(), lr=0.1), loss, 1)
    with pytest.raises(ValueError, match="loader's " + msg):
        torchtools.train_epoch(model, loader, opt, loss, "cpu", 0)
    with pytest.raises(ValueError, match="loader's " + msg):
        torchtools.evaluate(model, loader, loss)
    with pytest.raises(ValueError, match="loader's " + msg):
        torchtools.accuracy(model, loader)


def test_loss_fn_must_return_a_tensor():
    loader, model = _loader_and_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)

    def python_float(out, y):
        return 1.0

    with pytest.raises(TypeError, match="loss_fn must return a torch.Tensor"):
        torchtools.fit(model, loader, None, opt, python_float, 1)
    with pytest.raises(TypeError, match="loss_fn"):
        torchtools.train_epoch(model, loader, opt, python_float, "cpu", 0)
    with pytest.raises(TypeError, match="loss_fn"):
        torchtools.evaluate(model, loader, python_float)
    with pytest.raises(ValueError, match="loss_fn must return one real number"):
        torchtools.evaluate(model, loader, lambda out, y: out.sum(dim=1))


def test_evaluate_refuses_a_nan_loss():
    loader, model = _loader_and_model()
    with pytest.raises(FloatingPointError, match="loss_fn returned a NaN"):
        torchtools.evaluate(model, loader, lambda out, y: (out * float("nan")).mean())
    with torch.no_grad():
        model[0].weight.fill_(float("nan"))
    with pytest.raises(FloatingPointError, match="loss_fn"):
        torchtools.evaluate(model, loader, nn.functional.cross_entropy)


def test_the_probe_draws_no_random_numbers():
    """Probing the loader's first samples leaves its shuffling and torch's generator alone."""
    loader, model = _loader_and_model()
    model.append(nn.Dropout(0.5))
    torch.manual_seed(5)
    torchtools._probe(model, loader, "loader", torch.device("cpu"), nn.functional.cross_entropy)
    after = torch.rand(1)
    torch.manual_seed(5)
    assert torch.equal(after, torch.rand(1))
    assert model.training
    first = next(iter(loader))[1]
    assert torch.equal(first, next(iter(_loader_and_model()[0]))[1])


def test_accuracy_needs_scores_and_labels():
    loader, _ = _loader_and_model()
    with pytest.raises(ValueError, match="model must return one score per class"):
        torchtools.accuracy(nn.Sequential(nn.Linear(3, 1), nn.Flatten(0)), loader)
    X, _ = _toy()
    onehot = torchtools.make_loader(X, np.eye(2)[(X[:, 0] > 0).astype(int)], seed=0)
    with pytest.raises(ValueError, match="loader's targets must be class labels"):
        torchtools.accuracy(torchtools.mlp([3, 4, 2]), onehot)


def test_save_into_a_missing_folder_and_load_a_foreign_file(tmp_path):
    model = torchtools.mlp([3, 4, 2])
    with pytest.raises(ValueError, match="path .* does not exist"):
        torchtools.save_model(model, tmp_path / "no" / "m.pt")
    text = tmp_path / "notes.pt"
    text.write_text("not a torch file")
    with pytest.raises(ValueError, match="path .* is not a file written by save_model"):
        torchtools.load_model(model, text)
    torch.save(torch.zeros(2), tmp_path / "tensor.pt")
    with pytest.raises(ValueError, match="no state_dict"):
        torchtools.load_model(model, tmp_path / "tensor.pt")


@pytest.mark.parametrize(
    ("h", "error", "match"),
    [
        (torch.zeros(2, 4, dtype=torch.complex64), TypeError, "h must be real"),
        (torch.zeros(2, 4, dtype=torch.bool), TypeError, "h must be a floating-point"),
        (torch.zeros(2, 4, dtype=torch.float64), TypeError, "h has dtype torch.float64"),
        (torch.zeros(2, 5), ValueError, "h must have 4 features"),
    ],
)
def test_blocks_refuse_other_dtypes_and_widths(h, error, match):
    for block in (torchtools.ResidualBlock(4), torchtools.PlainBlock(4)):
        with pytest.raises(error, match=match):
            block(h)
    nan = torchtools.ResidualBlock(4)(torch.full((1, 4), float("nan")))  # a forward pass keeps IEEE NaN
    assert torch.isnan(nan).all()


def test_init_weights_variances():
    """torch's default nn.Linear weights have variance 1/(3 fan_in); Xavier's with gain g,
    g^2 2/(fan_in + fan_out), zero biases (chapter "PyTorch", eq. pt-default-init)."""
    torch.manual_seed(0)
    layer = nn.Linear(400, 300)
    var = layer.weight.var().item()
    # sampling error of a variance of 120000 uniform numbers: sqrt(0.8/n) relative, about 0.3 %
    assert var == pytest.approx(1 / (3 * 400), rel=0.02)
    net = pt_study.init_weights(nn.Sequential(nn.Linear(400, 300)), "xavier", "tanh")
    assert net[0].weight.var().item() == pytest.approx((5 / 3) ** 2 * 2 / 700, rel=0.02)
    assert torch.count_nonzero(net[0].bias) == 0
    with pytest.raises(ValueError, match="init"):
        pt_study.init_weights(net, "lecun")
    with pytest.raises(TypeError, match="net"):
        pt_study.init_weights([1, 2], "xavier")


def test_signal_spread_shrinks_by_a_third():
    """In a deep plain tanh net with torch's default weights the image-dependent variance
    shrinks per layer by about 1/3 (small-signal limit); with Xavier's it stays of order one."""
    cfg = pt_study.ResidualRun()
    X = pt_study.digits_split()[0]
    torch.manual_seed(0)
    s = pt_study.signal_spread(pt_study.residual_net(cfg, False), X)
    assert len(s) == cfg.depth + 1
    ratio = np.exp(np.mean(np.diff(np.log(s[5:] ** 2))))
    assert 0.25 < ratio < 0.4
    torch.manual_seed(0)
    s = pt_study.signal_spread(pt_study.residual_net(cfg, False, "xavier"), X)
    assert 0.3 < s[-1] < 1.5


def test_blocks_under_autocast():
    """Plain and residual blocks accept the bfloat16 signal of torch.autocast (float32 weights)
    and still refuse a float64 input outside it."""
    torch.manual_seed(0)
    net = torchtools.deep_net(4, 8, 3, 2, residual=False)
    x = torch.randn(5, 4)
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        out = net(x)
    assert out.dtype == torch.bfloat16
    torch.testing.assert_close(out.float(), net(x), rtol=0.05, atol=0.05)
    with pytest.raises(TypeError, match="h"):
        net[1](torch.zeros(2, 8, dtype=torch.float64))


def test_profile_steps(capfd):
    """profile_steps records the steps (not the warm-up) and leaves nothing on stderr."""
    calls = []

    def step():
        calls.append(1)
        return torch.ones(8, 8) @ torch.ones(8, 8)

    prof = torchtools.profile_steps(step, steps=3, warmup=2)
    assert len(calls) == 5
    mm = [e for e in prof.key_averages() if e.key == "aten::mm"]
    assert mm and mm[0].count == 3
    assert "profiler_start" not in capfd.readouterr().err
    with pytest.raises(ValueError, match="steps"):
        torchtools.profile_steps(step, steps=0)
    with pytest.raises(TypeError, match="step"):
        torchtools.profile_steps(3)
