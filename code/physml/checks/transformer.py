"""Reference checks of the chapter "Transformers".

* attention and multi-head attention from scratch (:mod:`physml.attention`) against PyTorch,
  forward and backward, in double precision;
* the causal mask of the trained transformer: the representation of position t computed on the
  whole window equals the one computed on the window cut after t (the prefix alone);
* the sinusoidal encoding: a shift of the position is a rotation of the encoding;
* cross-attention from scratch against ``torch.nn.MultiheadAttention`` with ``kdim``, ``vdim``;
* the transformer trained on the driven oscillator of the chapter "Recurrent neural
  networks" against the persistence baseline, and the LSTM trained the same way against
  the transformer (3 seeds each);
* the particle transformer against an MLP on the concatenated coordinates (3 seeds), and
  the permutation equivariance of the trained particle model.

The runs themselves (settings, training) are in ``physml.studies.transformer``, which reads the
RNN chapter's data (``physml.studies.rnn.forecast_data``); each check that
needs it reads the run the page made (``experiment.current``: the book's settings in the
book, the short ones in the unit tests). The comparisons with torch and the encoding check
are cheap and deterministic, and stay here.
"""

from __future__ import annotations

import copy
import functools

import numpy as np
import torch

from .. import attention
from ..experiment import current
from ..studies import transformer as study
from ..validation import reference_check

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


def oscillator_run(short: bool = False) -> dict:
    """The transformer study of the page (``short``: the unit tests' configuration)."""
    return study.oscillator_run(current(study.oscillator_run, short))


def prefix_deviation(short: bool = False) -> float:
    r"""Largest difference, over the test windows and positions t, between the representation
    :math:`\boldsymbol z_t` of the trained transformer computed on the whole window (with the
    causal mask) and computed on the window cut after position t.

    Both in float64 (a double copy of the trained model), so that only rounding separates
    them when the mask is right; a mask that lets position t see a later input, or one shifted
    by a position, changes :math:`\boldsymbol z_t` at the size of the representations.
    """
    run = oscillator_run(short)
    model = copy.deepcopy(run["models"]["transformer"]).cpu().double().eval()
    x = torch.tensor(run["data"]["history"], dtype=torch.float64)
    with torch.no_grad():
        whole = model.encode(x)
        prefix = torch.stack([model.encode(x[:, : t + 1])[:, t] for t in range(x.shape[1])], dim=1)
    return float((whole - prefix).abs().max())


@reference_check(
    "transformer.attention-torch",
    chapter="transformer",
    description="Scaled dot-product attention and its gradients from scratch equal PyTorch's (float64)",
    reference_source="torch.nn.functional.scaled_dot_product_attention and autograd",
    kind="abs",
    tolerance=1e-10,
    reference_kind="library",
    tolerance_from="bound",
    why="float64 rounding of softmax and sums over at most 8 terms is ~1e-15; 1e-10 leaves margin",
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
    reference_kind="library",
    tolerance_from="bound",
    why="float64 rounding through projections and softmax of width <= 12 is ~1e-14; 1e-10 leaves margin",
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
    reference_kind="exact",
    tolerance_from="bound",
    why="float64 rounding of sin, cos and a 2x2 rotation at angles below 50 rad is ~1e-14",
)
def _encoding_rotation():
    return encoding_shift()


@reference_check(
    "transformer.causal-prefix",
    chapter="transformer",
    description="Causal mask of the trained transformer: z_t of the whole window equals z_t of the window "
    "cut after t, for every t (float64)",
    reference_source="the same model on the prefix x[:t+1] alone, no later input present "
    "(short configuration: the model of the short run)",
    kind="abs",
    tolerance=1e-12,
    glued=("tf-prefix-dev",),
    reference_kind="exact",
    tolerance_from="bound",
    why="float64 rounding through two blocks of width 32 is ~1e-15; a leak of a later input is O(1)",
)
def _causal_prefix(short: bool):
    return prefix_deviation(short), 0.0


@reference_check(
    "transformer.beats-persistence",
    chapter="transformer",
    description="Mean multi-step error of the causal transformer on the driven oscillator is below "
    "persistence's, mean over 3 seeds",
    reference_source="persistence forecast x(t+k) = x(t) "
    "(short configuration: 4 trajectories of 150 samples, 4 epochs)",
    kind="beats",
    better="lower",
    margin=0.0,
    glued=("tf-osc-tf-error",),
    reference_kind="baseline",
    tolerance_from="target",
    why="a model that does not beat persistence has learned nothing: the claim itself, no margin",
)
def _beats_persistence(short: bool):
    run = oscillator_run(short)
    return run["mean_error"]["transformer"], run["mean_error"]["persistence"]


@reference_check(
    "transformer.lstm-beats-transformer",
    chapter="transformer",
    description="With the same training (all positions, warm-up, rate from the same grid on validation), "
    "the LSTM's mean multi-step error on the oscillator is below the transformer's, mean over 3 seeds",
    reference_source="the causal transformer of the page, same seeds (short configuration: 4 epochs)",
    kind="beats",
    better="lower",
    margin=0.0,
    glued=("tf-osc-lstm-error",),
    reference_kind="baseline",
    tolerance_from="target",
    why="the claim is only 'lower on average over 3 seeds', no margin",
)
def _lstm_beats_transformer(short: bool):
    run = oscillator_run(short)
    return run["mean_error"]["LSTM"], run["mean_error"]["transformer"]


# --- the particles ----------------------------------------------------------------------------


def particle_run(short: bool = False) -> dict:
    """The particle-force study of the page (``short``: the unit tests' configuration)."""
    return study.particle_run(current(study.particle_run, short))


def particle_equivariance(short: bool = False, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Forces of the trained particle transformer on permuted configurations, and the permuted forces.

    A float64 copy of the model, 20 test configurations, a random permutation of the
    particles of each: ``f(x[pi])`` and ``f(x)[pi]``.
    """
    run = particle_run(short)
    model = copy.deepcopy(run["models"]["transformer"]).cpu().double().eval()
    x = torch.tensor(run["test"][0][:20], dtype=torch.float64)
    rng = np.random.default_rng(seed)
    perm = torch.tensor(np.stack([rng.permutation(x.shape[1]) for _ in range(len(x))]))
    xp = torch.take_along_dim(x, perm[..., None], dim=1)
    with torch.no_grad():
        f, fp = model(x), model(xp)
    return fp.numpy(), torch.take_along_dim(f, perm[..., None], dim=1).numpy()


@reference_check(
    "transformer.particles-beats-mlp",
    chapter="transformer",
    description="Pair forces on 6 particles: the transformer without positional encoding has a lower test "
    "error than the MLP on the concatenated coordinates, same data, steps and rate, mean over 3 seeds",
    reference_source="MLP 12-128-128-12 (tanh) on the same 512 training configurations, same seeds",
    kind="beats",
    better="lower",
    margin=0.0,
    glued=("tf-part-tf-mse",),
    reference_kind="baseline",
    tolerance_from="target",
    why="the claim is only 'lower on average over 3 seeds'",
)
def _particles_beat_mlp(short: bool):
    run = particle_run(short)
    return run["mse"]["transformer"], run["mse"]["MLP"]


@reference_check(
    "transformer.particle-equivariance",
    chapter="transformer",
    description="The trained particle transformer is permutation equivariant: f(x permuted) equals "
    "f(x) permuted, for 20 test configurations (float64)",
    reference_source="the model's output on the unpermuted configuration, permuted afterwards",
    kind="abs",
    tolerance=1e-12,
    reference_kind="exact",
    tolerance_from="bound",
    why="float64 rounding through two blocks of width 32 is ~1e-15; a positional dependence would be O(1e-2)",
)
def _particle_equivariance(short: bool):
    return particle_equivariance(short)


# --- cross-attention ---------------------------------------------------------------------------

# (batch, queries L, memory length S, embed dim E, memory width d_z, heads)
CROSS_CASES = [(2, 5, 7, 8, 3, 2), (1, 3, 4, 6, 6, 3)]


@functools.cache
def cross_vs_torch(seed: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Outputs and weights of :func:`physml.attention.cross_attention`, and those of
    ``torch.nn.MultiheadAttention(E, h, kdim=d_z, vdim=d_z)`` with the same weights (float64)."""
    rng = np.random.default_rng(seed)
    ours, theirs = [], []
    for n, L, S, E, dz, h in CROSS_CASES:
        torch.manual_seed(int(rng.integers(2**31)))
        module = torch.nn.MultiheadAttention(E, h, batch_first=True, kdim=dz, vdim=dz, dtype=torch.float64)
        with torch.no_grad():
            module.in_proj_bias.normal_()
            module.out_proj.bias.normal_()
        state = {k: v.numpy() for k, v in module.state_dict().items()}
        if "in_proj_weight" in state:  # kdim = vdim = E: split the stacked projection
            W = state.pop("in_proj_weight")
            state |= {"q_proj_weight": W[:E], "k_proj_weight": W[E : 2 * E], "v_proj_weight": W[2 * E :]}
        x, z = rng.normal(size=(n, L, E)), rng.normal(size=(n, S, dz))
        out, A = attention.cross_attention(x, z, state, h)
        ref, ref_w = module(torch.tensor(x), torch.tensor(z), torch.tensor(z), average_attn_weights=False)
        ours += [out.ravel(), A.ravel()]
        theirs += [ref.detach().numpy().ravel(), ref_w.detach().numpy().ravel()]
    return np.concatenate(ours), np.concatenate(theirs)


@reference_check(
    "transformer.cross-attention-torch",
    chapter="transformer",
    description="Cross-attention from scratch (queries from one sequence, keys and values from a memory "
    "of another length and width) equals torch.nn.MultiheadAttention with kdim, vdim (float64)",
    reference_source="torch.nn.MultiheadAttention(E, h, kdim=d_z, vdim=d_z) with the same weights",
    kind="abs",
    tolerance=1e-10,
    reference_kind="library",
    tolerance_from="bound",
    why="float64 rounding through projections and a softmax over <= 7 keys is ~1e-15; 1e-10 leaves margin",
)
def _cross_vs_torch():
    return cross_vs_torch()
