"""Reference checks and runs of the chapter "Transformers".

* attention and multi-head attention from scratch (:mod:`physml.attention`) against PyTorch,
  forward and backward, in double precision;
* the causal mask: no output of the trained transformer depends on a later input;
* the sinusoidal encoding: a shift of the position is a rotation of the encoding;
* the driven oscillator of the chapter "Recurrent neural networks" (its data, window and
  training configuration, :data:`physml.checks.rnn.OSCILLATOR`), forecast by a small
  transformer and compared with that chapter's LSTM, GRU, feed-forward window model and
  persistence baseline (that chapter's own cached run).

The trained transformer is computed once here, cached, and shared by the chapter page and
its checks. The run takes ``short``: the unit tests train the same code on fewer trajectories
for fewer epochs.
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from .. import attention, rnn, torchtools
from ..nn.torch_twin import torch_threads
from ..validation import reference_check
from . import rnn as rnnchecks
from ._cache import run_once

#: The transformer of the chapter; data, window, epochs, batch size and horizon are the RNN chapter's.
TRANSFORMER = {
    "d_model": 32,
    "n_heads": 4,
    "n_layers": 2,
    "d_ff": 64,
    "lr": 1e-3,
    "seed": 0,
}

# (batch, heads, L, S, d_k, d_v, causal) of the attention comparison shown in the chapter
SDPA_CASES = [(2, 3, 5, 5, 4, 3, True), (1, 2, 4, 7, 8, 2, False), (3, 1, 6, 6, 5, 5, True)]
# (batch, L, S, embed dim, heads, causal) of the multi-head comparison (causal needs L = S)
MHA_CASES = [(2, 5, 5, 8, 2, True), (3, 4, 6, 12, 3, False), (1, 7, 7, 6, 1, True)]


@functools.cache
def attention_vs_torch(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Outputs and gradients of :func:`physml.attention.scaled_dot_product_attention`, and torch's.

    For each case of ``SDPA_CASES``: random ``Q``, ``K``, ``V`` and output gradient, forward and
    backward with :mod:`physml.attention` and with ``torch.nn.functional.scaled_dot_product_attention``
    and autograd, all in float64; returned flattened and concatenated.
    """
    import torch.nn.functional as F

    rng = np.random.default_rng(seed)
    ours, theirs = [], []
    for n, h, L, S, dk, dv, causal in SDPA_CASES:
        Q, K, V = (
            rng.normal(size=(n, h, L, dk)),
            rng.normal(size=(n, h, S, dk)),
            rng.normal(size=(n, h, S, dv)),
        )
        mask = attention.causal_mask(L) if causal else None
        out, _ = attention.scaled_dot_product_attention(Q, K, V, mask)
        grad_out = rng.normal(size=out.shape)
        grads = attention.scaled_dot_product_attention_backward(grad_out, Q, K, V, mask)
        tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (Q, K, V))
        ref = F.scaled_dot_product_attention(tq, tk, tv, is_causal=causal)
        ref.backward(torch.tensor(grad_out))
        ours += [out.ravel(), *(g.ravel() for g in grads)]
        theirs += [ref.detach().numpy().ravel(), *(t.grad.numpy().ravel() for t in (tq, tk, tv))]
    return np.concatenate(ours), np.concatenate(theirs)


@functools.cache
def mha_vs_torch(seed: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Outputs, weights and all gradients of :func:`physml.attention.multi_head_attention`, and torch's.

    For each case of ``MHA_CASES``: a ``torch.nn.MultiheadAttention`` (float64, batch-first)
    with random parameters, copied into NumPy with :func:`physml.attention.mha_parameters`;
    forward (output and per-head weights) and backward (inputs and the four parameters).
    """
    rng = np.random.default_rng(seed)
    ours, theirs = [], []
    for n, L, S, E, h, causal in MHA_CASES:
        torch.manual_seed(int(rng.integers(2**31)))
        module = torch.nn.MultiheadAttention(E, h, batch_first=True, dtype=torch.float64)
        with torch.no_grad():
            module.in_proj_bias.normal_()  # torch starts the biases at zero: test them too
            module.out_proj.bias.normal_()
        params = attention.mha_parameters(module)
        query, key, value = rng.normal(size=(n, L, E)), rng.normal(size=(n, S, E)), rng.normal(size=(n, S, E))
        mask = attention.causal_mask(L) if causal else None
        out, weights = attention.multi_head_attention(query, key, value, params, h, mask)
        grad_out = rng.normal(size=out.shape)
        grads = attention.multi_head_attention_backward(grad_out, query, key, value, params, h, mask)
        tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (query, key, value))
        blocked = None if mask is None else torch.tensor(~mask)
        ref, ref_w = module(tq, tk, tv, attn_mask=blocked, average_attn_weights=False)
        ref.backward(torch.tensor(grad_out))
        names = ["query", "key", "value", *params]
        ref_grads = [tq.grad, tk.grad, tv.grad, *(dict(module.named_parameters())[k].grad for k in params)]
        ours += [out.ravel(), weights.ravel(), *(grads[k].ravel() for k in names)]
        theirs += [ref.detach().numpy().ravel(), ref_w.detach().numpy().ravel()]
        theirs += [g.numpy().ravel() for g in ref_grads]
    return np.concatenate(ours), np.concatenate(theirs)


@functools.cache
def encoding_shift(n_positions: int = 50, d_model: int = 16, shift: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """The encodings of positions ``p + shift``, and the rotation ``R(shift)`` applied to those of ``p``."""
    pe = attention.sinusoidal_encoding(n_positions, d_model)
    rot = attention.encoding_rotation(shift, d_model)
    return pe[shift:], pe[:-shift] @ rot.T


# --- the oscillator ---------------------------------------------------------------------------


def oscillator_data(short: bool = False) -> dict:
    """The RNN chapter's oscillator data: standardised windows, test histories, drive and truth."""
    return _oscillator_data(bool(short))


@functools.cache
def _oscillator_data(short: bool) -> dict:
    cfg = rnnchecks.OSCILLATOR
    train = rnnchecks.oscillator_series(cfg["n_train"][short], cfg["length"][short], cfg["seed"])
    test = rnnchecks.oscillator_series(cfg["n_test"], cfg["window"] + cfg["horizon"], cfg["seed"] + 100)
    n_state = 2  # (x, v); the drive (cos, sin) is a known input
    # standardise with the training statistics, exactly as the RNN chapter does
    mean, std = train.mean(axis=(0, 1)), train.std(axis=(0, 1))
    mean[n_state:], std[n_state:] = 0.0, 1.0
    train_z, test_z = (train - mean) / std, (test - mean) / std
    X, Y = rnn.make_windows(train_z, cfg["window"])
    w = cfg["window"]
    return {
        "X": X,
        "Y": Y[:, :n_state],
        "history": test_z[:, :w],
        "inputs": test_z[:, w:, n_state:],
        "truth": test_z[:, w:, :n_state],
        "test": test,
        "mean": mean,
        "std": std,
        "n_state": n_state,
        "n_features": train.shape[2],
    }


@run_once
def oscillator_run(short: bool = False, device: str = "cpu") -> dict:
    """Train the transformer on the oscillator, and compare with the RNN chapter's models.

    The LSTM, GRU, feed-forward window model and persistence are those of
    :func:`physml.checks.rnn.oscillator_run` (the same cached run, on the same data); the
    transformer is trained here on the same windows with the same epochs and batch size.
    Everything runs on ``device``; ``oscillator_run()`` and ``oscillator_run(False, "cpu")``
    share one result. Returns the models, training histories, forecasts, errors ``E(k)``,
    their means and the parameter counts, keyed by model name.
    """
    cfg, tcfg = rnnchecks.OSCILLATOR, TRANSFORMER
    short = bool(short)
    device = str(torchtools.as_device(device))
    data = oscillator_data(short)
    recurrent = rnnchecks.oscillator_run(short, device)
    epochs = cfg["epochs"][short]
    with torch_threads(1):
        model = attention.TransformerForecaster(
            data["n_features"],
            tcfg["d_model"],
            tcfg["n_heads"],
            tcfg["n_layers"],
            tcfg["d_ff"],
            n_out=data["n_state"],
            max_len=cfg["window"],
            seed=tcfg["seed"],
            device=device,
        )
        history = rnn.train_forecaster(
            model, data["X"], data["Y"], epochs, tcfg["lr"], cfg["batch_size"], cfg["seed"], device
        )
        pred = rnn.forecast(model, data["history"], cfg["horizon"], data["inputs"], device=device)
    models = {"transformer": model, **recurrent["models"]}
    errors = {"transformer": rnn.horizon_error(pred, data["truth"]), **recurrent["errors"]}
    return {
        "models": models,
        "histories": {"transformer": history, **recurrent["histories"]},
        "predictions": {"transformer": pred, **recurrent["predictions"]},
        "errors": errors,
        "mean_error": {k: float(np.mean(e)) for k, e in errors.items()},
        "n_parameters": {k: torchtools.n_parameters(m) for k, m in models.items()},
        "epochs": epochs,
    }


def causal_leak(short: bool = False, t: int = 10) -> float:
    """Largest change of the trained transformer's representations at positions ``< t`` when the
    inputs at positions ``>= t`` of the test windows are replaced by noise (0 for a causal model)."""
    model = oscillator_run(short)["models"]["transformer"]
    x = torch.tensor(oscillator_data(short)["history"], dtype=torch.float32, device=model.pe.device)
    noisy = x.clone()
    noisy[:, t:] = torch.randn(noisy[:, t:].shape, generator=torchtools.make_generator(0)).to(x.device)
    model.eval()
    with torch.no_grad():
        a, b = model.encode(x)[:, :t], model.encode(noisy)[:, :t]
        later = (model.encode(x)[:, t:] - model.encode(noisy)[:, t:]).abs().max()
    if later == 0:  # the perturbation must reach the later positions, or the test is empty
        raise AssertionError("the perturbation did not change the later positions")
    return float((a - b).abs().max())


@reference_check(
    "transformer.attention-torch",
    chapter="transformer",
    description="Scaled dot-product attention and its gradients from scratch equal PyTorch's (float64)",
    reference_source="torch.nn.functional.scaled_dot_product_attention and autograd",
    kind="abs",
    tolerance=1e-10,
)
def _attention_vs_torch():
    return attention_vs_torch()


@reference_check(
    "transformer.mha-torch",
    chapter="transformer",
    description="Multi-head attention (outputs, weights, gradients of inputs and parameters) "
    "from scratch equals torch.nn.MultiheadAttention with the same weights (float64)",
    reference_source="torch.nn.MultiheadAttention and autograd",
    kind="abs",
    tolerance=1e-10,
)
def _mha_vs_torch():
    return mha_vs_torch()


@reference_check(
    "transformer.encoding-rotation",
    chapter="transformer",
    description="Sinusoidal encoding: the encoding of position p + k is the rotation R(k) of that of p",
    reference_source="trigonometric addition theorems (exact)",
    kind="abs",
    tolerance=1e-12,
)
def _encoding_rotation():
    return encoding_shift()


@reference_check(
    "transformer.causal",
    chapter="transformer",
    description="With the causal mask, no representation of the trained transformer depends on a later input",
    reference_source="exact: masked weights are zero (short configuration: the model of the short run)",
    kind="abs",
    tolerance=0.0,
)
def _causal(short: bool):
    return causal_leak(short), 0.0


@reference_check(
    "transformer.beats-persistence",
    chapter="transformer",
    description="Mean multi-step error of the transformer on the driven oscillator is below persistence's",
    reference_source="persistence forecast x(t+k) = x(t) (short configuration: 4 trajectories, 4 epochs)",
    kind="at_most",
    glued=("tf-osc-tf-error",),
)
def _beats_persistence(short: bool):
    run = oscillator_run(short)
    return run["mean_error"]["transformer"], run["mean_error"]["persistence"]
