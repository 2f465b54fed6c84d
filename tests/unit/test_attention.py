"""Tests of physml.attention: attention and multi-head attention from scratch against PyTorch
(float64, forward and gradients, random shapes drawn by hypothesis), masks, positional
encodings, the torch transformer and bad input."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from physml import attention, rnn
from physml.checks import transformer as tfchecks
from physml.studies import rnn as rnnstudy
from physml.studies import transformer as tfstudy

ATOL = 1e-10


@st.composite
def sdpa_cases(draw):
    """Random leading shape, lengths L and S, feature sizes, and a mask kind."""
    lead = tuple(draw(st.lists(st.integers(1, 3), min_size=0, max_size=2)))
    L, S = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    dk, dv = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    mask = draw(st.sampled_from(["none", "causal", "random"] if L == S else ["none", "random"]))
    return lead, L, S, dk, dv, mask, draw(st.integers(0, 2**16))


def _mask(kind, L, S, rng):
    if kind == "none":
        return None
    if kind == "causal":
        return attention.causal_mask(L)
    mask = rng.random((L, S)) < 0.5
    mask[np.arange(L), rng.integers(0, S, size=L)] = True  # every query sees at least one key
    return mask


@settings(max_examples=80, deadline=None)
@given(sdpa_cases())
def test_attention_and_gradients_equal_torch(case):
    lead, L, S, dk, dv, kind, seed = case
    rng = np.random.default_rng(seed)
    Q, K, V = (
        rng.normal(size=(*lead, L, dk)),
        rng.normal(size=(*lead, S, dk)),
        rng.normal(size=(*lead, S, dv)),
    )
    mask = _mask(kind, L, S, rng)
    out, weights = attention.scaled_dot_product_attention(Q, K, V, mask)
    grad_out = rng.normal(size=out.shape)
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (Q, K, V))
    ref = F.scaled_dot_product_attention(tq, tk, tv, attn_mask=None if mask is None else torch.tensor(mask))
    ref.backward(torch.tensor(grad_out))
    assert out.shape == (*lead, L, dv) and weights.shape == (*lead, L, S)
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=0, atol=ATOL)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=0, atol=1e-12)
    if mask is not None:
        assert np.all(weights[..., ~mask] == 0.0)
    grads = attention.scaled_dot_product_attention_backward(grad_out, Q, K, V, mask)
    for ours, t in zip(grads, (tq, tk, tv), strict=True):
        np.testing.assert_allclose(ours, t.grad.numpy(), rtol=0, atol=ATOL)


@st.composite
def mha_cases(draw):
    n = draw(st.integers(1, 3))
    h = draw(st.integers(1, 4))
    E = h * draw(st.integers(1, 4))
    L = draw(st.integers(1, 6))
    self_attention = draw(st.booleans())
    S = L if self_attention else draw(st.integers(1, 6))
    causal = self_attention and draw(st.booleans())
    bias = draw(st.booleans())
    return n, h, E, L, S, self_attention, causal, bias, draw(st.integers(0, 2**16))


@settings(max_examples=60, deadline=None)
@given(mha_cases())
def test_multi_head_attention_and_gradients_equal_torch(case):
    n, h, E, L, S, self_attention, causal, bias, seed = case
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    module = torch.nn.MultiheadAttention(E, h, bias=bias, batch_first=True, dtype=torch.float64)
    if bias:
        with torch.no_grad():
            module.in_proj_bias.normal_()
            module.out_proj.bias.normal_()
    params = attention.mha_parameters(module)
    assert sorted(params) == sorted(k for k, _ in module.named_parameters())
    query = rng.normal(size=(n, L, E))
    key, value = (
        (query, query) if self_attention else (rng.normal(size=(n, S, E)), rng.normal(size=(n, S, E)))
    )
    mask = attention.causal_mask(L) if causal else None
    out, weights = attention.multi_head_attention(query, key, value, params, h, mask)
    grad_out = rng.normal(size=out.shape)
    grads = attention.multi_head_attention_backward(grad_out, query, key, value, params, h, mask)

    tq = torch.tensor(query, requires_grad=True)
    tk, tv = (tq, tq) if self_attention else (torch.tensor(a, requires_grad=True) for a in (key, value))
    ref, ref_w = module(
        tq, tk, tv, attn_mask=None if mask is None else torch.tensor(~mask), average_attn_weights=False
    )
    ref.backward(torch.tensor(grad_out))
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=0, atol=ATOL)
    np.testing.assert_allclose(weights, ref_w.detach().numpy(), rtol=0, atol=ATOL)
    if self_attention:  # one tensor used three times: its gradient is the sum
        np.testing.assert_allclose(
            grads["query"] + grads["key"] + grads["value"], tq.grad.numpy(), rtol=0, atol=ATOL
        )
    else:
        for name, t in (("query", tq), ("key", tk), ("value", tv)):
            np.testing.assert_allclose(grads[name], t.grad.numpy(), rtol=0, atol=ATOL)
    for name, p in module.named_parameters():
        np.testing.assert_allclose(grads[name], p.grad.numpy(), rtol=0, atol=ATOL)
    assert sum(p.numel() for p in module.parameters()) == attention.mha_n_parameters(E, bias)


def test_average_of_head_weights_is_torchs_default():
    module = torch.nn.MultiheadAttention(6, 3, batch_first=True, dtype=torch.float64)
    x = np.random.default_rng(0).normal(size=(2, 4, 6))
    _, weights = attention.multi_head_attention(x, x, x, attention.mha_parameters(module), 3)
    _, ref = module(*(torch.tensor(x),) * 3)
    np.testing.assert_allclose(weights.mean(axis=1), ref.detach().numpy(), atol=ATOL)


def test_one_head_without_projections_is_plain_attention():
    E = 4
    params = {"in_proj_weight": np.vstack([np.eye(E)] * 3), "out_proj.weight": np.eye(E)}
    x = np.random.default_rng(1).normal(size=(1, 5, E))
    out, w = attention.multi_head_attention(x, x, x, params, 1)
    ref, ref_w = attention.scaled_dot_product_attention(x, x, x)
    np.testing.assert_allclose(out, ref, atol=1e-14)
    np.testing.assert_allclose(w[:, 0], ref_w, atol=1e-14)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 8), st.integers(0, 7), st.integers(0, 2**16))
def test_causal_mask_makes_outputs_independent_of_later_inputs(L, t, seed):
    t = min(t, L - 1)
    rng = np.random.default_rng(seed)
    params = attention.init_mha_parameters(6, rng)
    x = rng.normal(size=(2, L, 6))
    changed = x.copy()
    changed[:, t:] = rng.normal(size=changed[:, t:].shape)
    mask = attention.causal_mask(L)
    a, _ = attention.multi_head_attention(x, x, x, params, 2, mask)
    b, _ = attention.multi_head_attention(changed, changed, changed, params, 2, mask)
    np.testing.assert_array_equal(a[:, :t], b[:, :t])
    grads = attention.multi_head_attention_backward(np.ones_like(a), x, x, x, params, 2, mask)
    assert grads["key"].shape == x.shape  # the last query sees every key


def test_causal_mask_gradient_of_early_output_vanishes_for_later_inputs():
    rng = np.random.default_rng(3)
    Q, K, V = (rng.normal(size=(6, 3)) for _ in range(3))
    grad_out = np.zeros((6, 3))
    grad_out[2] = 1.0  # the cost depends on the output at position 2 only
    _, dK, dV = attention.scaled_dot_product_attention_backward(grad_out, Q, K, V, attention.causal_mask(6))
    assert np.all(dK[3:] == 0) and np.all(dV[3:] == 0)
    assert np.all(np.abs(dV[:3]) > 0)


def test_without_positions_self_attention_is_permutation_equivariant():
    rng = np.random.default_rng(4)
    params = attention.init_mha_parameters(8, rng)
    x = rng.normal(size=(1, 6, 8))
    perm = rng.permutation(6)
    out, _ = attention.multi_head_attention(x, x, x, params, 2)
    out_perm, _ = attention.multi_head_attention(x[:, perm], x[:, perm], x[:, perm], params, 2)
    np.testing.assert_allclose(out_perm, out[:, perm], atol=1e-12)


def test_attention_weights_by_hand():
    q = np.array([[1.0, 0.0]])
    K = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    V = np.array([[1.0], [2.0], [3.0]])
    out, w = attention.scaled_dot_product_attention(q, K, V)
    s = np.array([1.0, 0.0, -1.0]) / np.sqrt(2)
    expected = np.exp(s) / np.exp(s).sum()
    np.testing.assert_allclose(w[0], expected, atol=1e-15)
    assert out[0, 0] == pytest.approx(expected @ [1.0, 2.0, 3.0])


def test_large_scores_do_not_overflow():
    Q = np.array([[1e3, 0.0]])
    K = np.array([[1e3, 0.0], [-1e3, 0.0]])
    out, w = attention.scaled_dot_product_attention(Q, K, np.eye(2))
    assert np.all(np.isfinite(out)) and w[0, 0] == 1.0


def test_sinusoidal_encoding_values_and_rotation():
    pe = attention.sinusoidal_encoding(20, 6)
    p, i = 5, 1
    omega = 10000.0 ** (-2 * i / 6)
    assert pe[p, 2 * i] == pytest.approx(np.sin(p * omega)) and pe[p, 2 * i + 1] == pytest.approx(
        np.cos(p * omega)
    )
    np.testing.assert_allclose(pe[0, 1::2], 1.0)
    np.testing.assert_allclose(np.linalg.norm(pe, axis=1), np.sqrt(3.0))  # one unit circle per pair
    rot = attention.encoding_rotation(4, 6)
    np.testing.assert_allclose(pe[4:], pe[:-4] @ rot.T, atol=1e-12)
    np.testing.assert_allclose(rot @ rot.T, np.eye(6), atol=1e-14)
    assert attention.sinusoidal_encoding(3, 5).shape == (3, 5)  # odd widths keep the last sine


def test_mha_parameter_count_does_not_depend_on_heads():
    counts = {
        h: sum(p.numel() for p in torch.nn.MultiheadAttention(12, h).parameters()) for h in (1, 2, 3, 4, 6)
    }
    assert set(counts.values()) == {attention.mha_n_parameters(12)}
    assert attention.mha_n_parameters(12, bias=False) == 4 * 12**2


def test_init_parameters_are_reproducible_and_shaped_like_torch():
    a, b = attention.init_mha_parameters(8, seed=3), attention.init_mha_parameters(8, seed=3)
    module = torch.nn.MultiheadAttention(8, 2)
    assert {k: v.shape for k, v in a.items()} == {k: tuple(v.shape) for k, v in module.state_dict().items()}
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert "in_proj_bias" not in attention.init_mha_parameters(8, bias=False)


# --- the torch transformer -------------------------------------------------------------------


def test_encoder_block_shapes_and_residual():
    block = attention.EncoderBlock(8, 2, 16)
    x = torch.randn(3, 5, 8)
    assert block(x).shape == x.shape
    with torch.no_grad():  # zero sub-layers: the block is the identity (the residual path)
        block.attn.out_proj.weight.zero_()
        block.attn.out_proj.bias.zero_()
        block.ffn[2].weight.zero_()
        block.ffn[2].bias.zero_()
    torch.testing.assert_close(block(x), x)


def test_forecaster_is_seeded_and_leaves_global_generator_alone():
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = attention.TransformerForecaster(4, n_out=2, seed=5)
    after = torch.rand(1)
    b = attention.TransformerForecaster(4, n_out=2, seed=5)
    assert torch.equal(before, after)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)
    c = attention.TransformerForecaster(4, n_out=2, seed=6)
    assert not torch.equal(next(a.parameters()), next(c.parameters()))


def test_forecaster_causal_and_attention_maps():
    model = attention.TransformerForecaster(3, d_model=8, n_heads=2, n_layers=2, d_ff=16, max_len=10)
    model.eval()
    x = torch.randn(2, 7, 3)
    changed = x.clone()
    changed[:, 4:] += 1.0
    with torch.no_grad():
        torch.testing.assert_close(model.encode(x)[:, :4], model.encode(changed)[:, :4], rtol=0, atol=0)
        assert not torch.allclose(model(x), model(changed))
    maps = model.attention_maps(x)
    assert len(maps) == 2 and maps[0].shape == (2, 2, 7, 7)
    np.testing.assert_allclose(maps[0].sum(axis=-1), 1.0, atol=1e-5)
    assert np.all(np.triu(maps[1][0, 0], k=1) == 0)
    assert all(block.weights is not None and not block.keep_weights for block in model.blocks)


def test_forecaster_without_a_state_change_is_persistence():
    model = attention.TransformerForecaster(4, d_model=8, n_heads=2, n_layers=1, d_ff=8, n_out=2)
    with torch.no_grad():
        model.head.weight.zero_()
        model.head.bias.zero_()
    hist = np.random.default_rng(0).normal(size=(3, 5, 4))
    inputs = np.zeros((3, 6, 2))
    np.testing.assert_allclose(
        rnn.forecast(model, hist, 6, inputs), rnn.persistence_forecast(hist, 6, 2), atol=1e-6
    )


def test_forecaster_trains_with_the_rnn_tools():
    rng = np.random.default_rng(0)
    t = np.arange(60) * 0.3
    series = np.stack([np.sin(t + phase) for phase in rng.uniform(0, 6, size=4)])[..., None]
    X, Y = rnn.make_windows(series, 8)
    model = attention.TransformerForecaster(1, d_model=8, n_heads=2, n_layers=1, d_ff=16, max_len=8)
    history = rnn.train_forecaster(model, X, Y, epochs=8, lr=3e-3, batch_size=32)
    assert history["train_loss"][-1] < history["train_loss"][0]


def test_transformer_sees_the_data_of_the_rnn_chapter():
    """The transformer and the LSTM are trained and tested on the RNN chapter's trajectories (its
    data settings), with one rate from the common grid each, over every seed."""
    assert tfstudy.TransformerRun().oscillator == rnnstudy.OscillatorRun()
    short = tfstudy.TransformerRun.short()
    run = tfchecks.oscillator_run(short=True)
    theirs = rnnstudy.forecast_data(short.oscillator)
    for key in ("truth", "mean", "std", "history"):
        np.testing.assert_array_equal(run["data"][key], theirs[key])
    assert set(run["errors"]) == {"transformer", "LSTM", "persistence"}
    for name in ("transformer", "LSTM"):
        assert run["errors"][name].shape == (len(short.seeds), short.oscillator.horizon)
        assert run["lr"][name] in short.lrs
        assert set(run["val"][name]) == set(short.lrs)


def test_all_position_windows_hold_the_next_state_of_every_position():
    z = np.arange(2 * 12 * 3, dtype=float).reshape(2, 12, 3)
    X, Y = tfstudy._all_position_windows(z, window=4, stride=3, n_state=2)
    assert X.shape[1:] == (4, 3) and Y.shape[1:] == (4, 2)
    np.testing.assert_array_equal(Y[:, :-1], X[:, 1:, :2])  # the target of t is the input of t + 1
    assert len(X) == 2 * len(range(0, 12 - 4, 3))


def test_predict_all_last_position_is_forward():
    model = attention.TransformerForecaster(3, d_model=8, n_heads=2, n_layers=1, d_ff=8, n_out=2, max_len=6)
    x = torch.randn(4, 6, 3, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        torch.testing.assert_close(model.predict_all(x)[:, -1], model(x))
    with pytest.raises(ValueError, match="causal"):
        attention.TransformerForecaster(3, max_len=6, causal=False).predict_all(x)


def test_train_all_positions_takes_one_step_per_batch():
    model = torch.nn.Linear(1, 1)
    seen = []

    def predict(m, x):
        seen.append(None)
        return m(x)

    X, Y = np.zeros((40, 1), dtype=np.float32), np.zeros((40, 1), dtype=np.float32)
    history = tfstudy.train_all_positions(model, predict, X, Y, 2, 1e-2, 10, 0, 0.5)
    assert len(history) == 2 and len(seen) == 8


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 7), seed=st.integers(0, 2**16))
def test_particle_transformer_is_permutation_equivariant(n, seed):
    model = attention.ParticleTransformer(2, 3, d_model=8, n_heads=2, n_layers=2, d_ff=8, seed=1).double()
    x = torch.randn(3, n, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed + 1))
    with torch.no_grad():
        torch.testing.assert_close(model(x[:, perm]), model(x)[:, perm], rtol=0, atol=1e-12)


def test_pair_forces_sum_to_zero_and_are_the_gradient():
    cfg = tfstudy.ParticleRun()
    x, f = tfstudy.particle_data(cfg, 5, 0)
    np.testing.assert_allclose(f.sum(axis=1), 0.0, atol=1e-12)  # Newton's third law
    energy = lambda y: sum(  # noqa: E731
        np.exp(-np.sum((y[i] - y[j]) ** 2) / (2 * cfg.sigma**2)) for i in range(len(y)) for j in range(i)
    )
    h, y = 1e-6, x[0].copy()
    y[2, 1] += h
    e_plus = energy(y)
    y[2, 1] -= 2 * h
    assert abs(-(e_plus - energy(y)) / (2 * h) - f[0, 2, 1]) < 1e-6


@settings(max_examples=25, deadline=None)
@given(
    L=st.integers(1, 6),
    S=st.integers(1, 6),
    dz=st.integers(1, 5),
    heads=st.sampled_from([1, 2]),
    seed=st.integers(0, 2**16),
)
def test_cross_attention_equals_torch(L, S, dz, heads, seed):
    torch.manual_seed(seed)
    module = torch.nn.MultiheadAttention(4, heads, batch_first=True, kdim=dz, vdim=dz, dtype=torch.float64)
    state = {k: v.numpy() for k, v in module.state_dict().items()}
    if "in_proj_weight" in state:
        W = state.pop("in_proj_weight")
        state |= {"q_proj_weight": W[:4], "k_proj_weight": W[4:8], "v_proj_weight": W[8:]}
    rng = np.random.default_rng(seed)
    x, z = rng.normal(size=(2, L, 4)), rng.normal(size=(2, S, dz))
    out, A = attention.cross_attention(x, z, state, heads)
    ref, ref_w = module(torch.tensor(x), torch.tensor(z), torch.tensor(z), average_attn_weights=False)
    np.testing.assert_allclose(out, ref.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(A, ref_w.detach().numpy(), atol=1e-12)


@pytest.mark.parametrize("causal", [True, False])
def test_causal_encoding_equals_that_of_the_prefix(causal):
    """With the causal mask, z_t of a window equals z_t of the window cut after t (float64); without
    it, later inputs reach z_t and the two differ: the property the chapter's check tests."""
    model = attention.TransformerForecaster(
        3, d_model=8, n_heads=2, n_layers=2, d_ff=16, max_len=9, causal=causal
    )
    model = model.double().eval()
    x = torch.randn(4, 9, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        whole = model.encode(x)
        prefix = torch.stack([model.encode(x[:, : t + 1])[:, t] for t in range(9)], dim=1)
    deviation = float((whole - prefix).abs().max())
    assert (deviation < 1e-12) is causal
    assert deviation > 1e-3 or causal


def test_forecaster_runs_on_cuda_when_available():
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="device"):
            attention.TransformerForecaster(2, device="cuda")
        return
    model = attention.TransformerForecaster(2, device="cuda")
    assert model(torch.randn(1, 4, 2, device="cuda")).device.type == "cuda"


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda: attention.scaled_dot_product_attention(np.ones((0, 2)), np.ones((3, 2)), np.ones((3, 2))),
            "Q",
        ),
        (
            lambda: attention.scaled_dot_product_attention(np.ones((2, 2)), np.ones((0, 2)), np.ones((0, 2))),
            "K",
        ),
        (
            lambda: attention.scaled_dot_product_attention(np.ones((2, 2)), np.ones((3, 4)), np.ones((3, 2))),
            "K",
        ),
        (
            lambda: attention.scaled_dot_product_attention(np.ones((2, 2)), np.ones((3, 2)), np.ones((4, 2))),
            "V",
        ),
        (lambda: attention.scaled_dot_product_attention(np.ones(2), np.ones((3, 2)), np.ones((3, 2))), "Q"),
        (
            lambda: attention.scaled_dot_product_attention(
                np.ones((2, 2)) + 1j, np.ones((3, 2)), np.ones((3, 2))
            ),
            "Q",
        ),
        (
            lambda: attention.scaled_dot_product_attention(
                np.full((2, 2), np.nan), np.ones((3, 2)), np.ones((3, 2))
            ),
            "Q",
        ),
        (
            lambda: attention.scaled_dot_product_attention(
                np.ones((2, 2)), np.ones((3, 2)), np.ones((3, 2)), np.ones((2, 3))
            ),
            "mask",
        ),
        (
            lambda: attention.scaled_dot_product_attention(
                np.ones((2, 2)), np.ones((3, 2)), np.ones((3, 2)), np.zeros((2, 3), dtype=bool)
            ),
            "mask",
        ),
        (
            lambda: attention.scaled_dot_product_attention(
                np.ones((2, 2)), np.ones((3, 2)), np.ones((3, 2)), attention.causal_mask(3)
            ),
            "mask",
        ),
        (
            lambda: attention.scaled_dot_product_attention_backward(
                np.ones((2, 3)), np.ones((2, 2)), np.ones((3, 2)), np.ones((3, 2))
            ),
            "grad_out",
        ),
        (lambda: attention.causal_mask(0), "n"),
        (lambda: attention.sinusoidal_encoding(0, 4), "n_positions"),
        (lambda: attention.sinusoidal_encoding(4, 4, base=float("nan")), "base"),
        (lambda: attention.encoding_rotation(1, 5), "d_model"),
        (lambda: attention.mha_n_parameters(0), "embed_dim"),
        (lambda: attention.EncoderBlock(10, 3, 8), "n_heads"),
        (lambda: attention.TransformerForecaster(4, d_model=10, n_heads=4), "n_heads"),
        (lambda: attention.TransformerForecaster(4, positional="learned"), "positional"),
        (lambda: attention.TransformerForecaster(4, n_out=5), "n_out"),
    ],
)
def test_bad_input_names_the_argument(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def _mha_call(**overrides):
    rng = np.random.default_rng(0)
    args = {
        "query": rng.normal(size=(2, 3, 6)),
        "key": rng.normal(size=(2, 4, 6)),
        "value": rng.normal(size=(2, 4, 6)),
        "params": attention.init_mha_parameters(6),
        "n_heads": 2,
    }
    args.update(overrides)
    return attention.multi_head_attention(**args)


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"n_heads": 4}, "n_heads"),  # 4 does not divide 6
        ({"n_heads": 0}, "n_heads"),
        ({"n_heads": 2.0}, "n_heads"),
        ({"query": np.ones((2, 0, 6))}, "query"),  # a sequence of length 0
        ({"key": np.ones((2, 0, 6)), "value": np.ones((2, 0, 6))}, "key"),
        ({"query": np.ones((2, 3, 5))}, "key"),  # embed dims differ
        ({"value": np.ones((2, 5, 6))}, "value"),
        ({"params": attention.init_mha_parameters(4)}, "params"),
        ({"params": {"in_proj_weight": np.ones((18, 6))}}, "params"),
        ({"params": {**attention.init_mha_parameters(6), "bias_k": np.ones(6)}}, "params"),
        ({"params": [np.ones((18, 6))]}, "params"),
        ({"mask": attention.causal_mask(3)}, "mask"),  # 3 queries but 4 keys
        ({"mask": np.ones((3, 4))}, "mask"),  # not boolean
    ],
)
def test_multi_head_attention_bad_input(overrides, match):
    with pytest.raises((ValueError, TypeError), match=match):
        _mha_call(**overrides)


def test_forecaster_bad_windows():
    model = attention.TransformerForecaster(3, d_model=8, n_heads=2, n_layers=1, d_ff=8, max_len=5)
    for x, match in [
        (np.ones((2, 4, 3)), "x"),  # not a tensor
        (torch.ones(2, 4, 2), "x"),  # wrong number of features
        (torch.ones(2, 0, 3), "x"),  # length 0
        (torch.ones(2, 6, 3), "max_len"),  # longer than max_len
    ]:
        with pytest.raises((ValueError, TypeError), match=match):
            model(x)
    with pytest.raises(ValueError, match="mask"):
        model.blocks[0](torch.ones(1, 4, 8), torch.ones(3, 3, dtype=torch.bool))


def test_encoder_block_refuses_the_other_precision():
    torch.manual_seed(0)
    block = attention.EncoderBlock(8, 2, 16)
    with pytest.raises(TypeError, match="x has dtype torch.float64"):
        block(torch.zeros(2, 3, 8, dtype=torch.float64))
