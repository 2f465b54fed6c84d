r"""Attention and transformers (chapter "Transformers").

NumPy, from scratch, checked against PyTorch in the tests and in the chapter:

* :func:`scaled_dot_product_attention` computes
  :math:`\mathrm{softmax}(\boldsymbol Q\boldsymbol K^T/\sqrt{d_k} + \boldsymbol M)\,\boldsymbol V`
  and :func:`scaled_dot_product_attention_backward` its hand-derived gradients;
* :func:`multi_head_attention` and :func:`multi_head_attention_backward` do the same for
  multi-head attention, with the parameters laid out as in ``torch.nn.MultiheadAttention``
  (its ``state_dict``: ``in_proj_weight`` stacks the query, key and value projections,
  ``out_proj.weight`` and ``out_proj.bias`` are the output projection);
  :func:`mha_parameters` reads them from a torch module, :func:`init_mha_parameters` draws
  new ones, :func:`mha_n_parameters` counts them;
* :func:`causal_mask` lets position :math:`t` attend to positions :math:`\le t` only;
  :func:`sinusoidal_encoding` is the positional encoding of Vaswani et al. (2017).

:func:`cross_attention` lets the queries of one sequence attend to the keys and values of
another (the memory of an encoder-decoder transformer), with the parameters of
``torch.nn.MultiheadAttention(E, h, kdim, vdim)``.

In torch: :class:`EncoderBlock` (pre-norm self-attention and feed-forward sub-layers with
residual connections; with a causal mask it is a decoder-only, GPT-style block),
:class:`ParticleTransformer` (encoder blocks on a set of particles, permutation equivariant),
and :class:`TransformerForecaster`, a small decoder-only transformer that
predicts the next state of a dynamical system from a window of states; it is trained and
rolled out with :func:`physml.rnn.train_forecaster` and :func:`physml.rnn.forecast`, like the
recurrent networks of the chapter "Recurrent neural networks". Torch code takes a ``device``
(CPU by default) and runs unchanged on CUDA.

Layouts: sequences are batch-first, ``(N, L, E)`` (samples, positions, features); a mask is
boolean, ``True`` where a query may attend to a key (as in
``torch.nn.functional.scaled_dot_product_attention``; ``torch.nn.MultiheadAttention`` uses
the opposite convention, ``True`` = blocked).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from . import torchtools
from ._validate import (
    as_float_array,
    check_bool,
    check_choice,
    check_int,
    check_scalar,
    check_type,
    param_dtype,
)

# --- masks and positional encodings -------------------------------------------------------


def causal_mask(n: int) -> np.ndarray:
    r"""The causal mask of a sequence of length ``n``: ``mask[t, s]`` is True for :math:`s \le t`.

    With it, the output at position :math:`t` depends on the inputs at positions
    :math:`0, \dots, t` only (the additive mask :math:`M_{ts} = -\infty` for :math:`s > t`).
    """
    n = check_int(n, "n", minimum=1)
    return _causal_mask(n)


def _causal_mask(n: int) -> np.ndarray:
    return np.tril(np.ones((n, n), dtype=bool))


def sinusoidal_encoding(n_positions: int, d_model: int, base: float = 10000.0) -> np.ndarray:
    r"""Sinusoidal positional encoding, shape ``(n_positions, d_model)``:

    .. math:: P_{p,2i} = \sin(p\,\omega_i),\qquad P_{p,2i+1} = \cos(p\,\omega_i),
              \qquad \omega_i = \mathrm{base}^{-2i/d_\text{model}},

    for positions :math:`p = 0, \dots, n-1`. Each pair of columns is a rotation by the angle
    :math:`p\,\omega_i`, so :math:`P_{p+k}` is a fixed rotation of :math:`P_p` that depends on
    :math:`k` only. (An odd ``d_model`` keeps the sine of the last frequency.)
    """
    n_positions = check_int(n_positions, "n_positions", minimum=1)
    d_model = check_int(d_model, "d_model", minimum=1)
    base = check_scalar(base, "base", minimum=1.0, include_min=False)
    return _sinusoidal_encoding(n_positions, d_model, base)


def _sinusoidal_encoding(n_positions: int, d_model: int, base: float = 10000.0) -> np.ndarray:
    p = np.arange(n_positions)[:, None]
    omega = base ** (-np.arange(0, d_model, 2) / d_model)
    pe = np.zeros((n_positions, d_model))
    pe[:, 0::2] = np.sin(p * omega)
    pe[:, 1::2] = np.cos(p * omega[: d_model // 2])
    return pe


def encoding_rotation(k: int, d_model: int, base: float = 10000.0) -> np.ndarray:
    r"""The block-diagonal rotation :math:`\boldsymbol R(k)` with :math:`P_{p+k} = \boldsymbol R(k) P_p`.

    Block :math:`i` rotates the pair :math:`(P_{p,2i}, P_{p,2i+1})` by the angle
    :math:`k\omega_i`: :math:`\begin{pmatrix}\cos k\omega_i & \sin k\omega_i\\
    -\sin k\omega_i & \cos k\omega_i\end{pmatrix}` (``d_model`` even). A relative shift of the
    position is a linear map of the encoding, which attention can learn.
    """
    k = check_int(k, "k")
    d_model = check_int(d_model, "d_model", minimum=2)
    if d_model % 2:
        raise ValueError(f"d_model must be even for a rotation of pairs, got {d_model}")
    base = check_scalar(base, "base", minimum=1.0, include_min=False)
    rot = np.zeros((d_model, d_model))
    for i, w in enumerate(base ** (-np.arange(0, d_model, 2) / d_model)):
        c, s = np.cos(k * w), np.sin(k * w)
        rot[2 * i : 2 * i + 2, 2 * i : 2 * i + 2] = [[c, s], [-s, c]]
    return rot


# --- scaled dot-product attention -----------------------------------------------------------


def _check_mask(mask, n_q: int, n_k: int, lead: tuple, name: str = "mask") -> np.ndarray | None:
    if mask is None:
        return None
    if isinstance(mask, torch.Tensor):
        mask = mask.detach().cpu().numpy()
    if isinstance(mask, (str, bytes)) or not hasattr(mask, "__len__"):
        raise TypeError(f"{name} must be a boolean array (True = may attend), got {type(mask).__name__}")
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise TypeError(f"{name} must be a boolean array (True = may attend), got dtype {mask.dtype}")
    try:
        np.broadcast_shapes(mask.shape, (*lead, n_q, n_k))
    except ValueError:
        raise ValueError(
            f"{name} of shape {mask.shape} does not broadcast to the scores' shape {(*lead, n_q, n_k)}"
        ) from None
    if mask.ndim < 2 or mask.shape[-2:] != (n_q, n_k):
        raise ValueError(f"{name} must end in (queries, keys) = {(n_q, n_k)}, got shape {mask.shape}")
    if not np.all(mask.any(axis=-1)):
        raise ValueError(f"{name}: every query must be allowed to attend to at least one key")
    return mask


def _check_qkv(Q, K, V):
    Q = as_float_array(Q, "Q", nonempty=True)
    K = as_float_array(K, "K", nonempty=True)
    V = as_float_array(V, "V", nonempty=True)
    for arr, name in ((Q, "Q"), (K, "K"), (V, "V")):
        if arr.ndim < 2:
            raise ValueError(f"{name} must have shape (..., positions, features), got shape {arr.shape}")
        if arr.shape[-2] == 0:
            raise ValueError(f"{name} must hold sequences of length at least 1, got shape {arr.shape}")
        if arr.shape[-1] == 0:
            raise ValueError(f"{name} must have at least one feature, got shape {arr.shape}")
    if K.shape[-1] != Q.shape[-1]:
        raise ValueError(f"K must have the feature size d_k = {Q.shape[-1]} of Q, got shape {K.shape}")
    if K.shape[:-2] != Q.shape[:-2]:
        raise ValueError(f"K must have the leading shape {Q.shape[:-2]} of Q, got shape {K.shape}")
    if V.shape[:-1] != K.shape[:-1]:
        raise ValueError(
            f"V must have one row per row (key) of K: K has shape {K.shape}, V has shape {V.shape}"
        )
    return Q, K, V


def _softmax(z: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, shifted by the row maximum (entries of -inf give 0)."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _attention(Q, K, V, mask):
    """Unchecked core of :func:`scaled_dot_product_attention`: output and weights."""
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    A = _softmax(scores)
    return A @ V, A


def scaled_dot_product_attention(Q, K, V, mask=None) -> tuple[np.ndarray, np.ndarray]:
    r"""Scaled dot-product attention, returning the output and the attention weights:

    .. math:: \boldsymbol A = \mathrm{softmax}\Big(\frac{\boldsymbol Q\boldsymbol K^T}{\sqrt{d_k}}
              + \boldsymbol M\Big), \qquad \boldsymbol O = \boldsymbol A\boldsymbol V,

    with the softmax over each row (over the keys). ``Q`` has shape ``(..., L, d_k)``, ``K``
    ``(..., S, d_k)`` and ``V`` ``(..., S, d_v)``; ``O`` is ``(..., L, d_v)`` and ``A``
    ``(..., L, S)``, every row of ``A`` a probability distribution over the keys. ``mask``
    (boolean, broadcast to ``(..., L, S)``) is True where a query may attend to a key;
    :math:`M_{ts} = 0` there and :math:`-\infty` elsewhere.
    """
    Q, K, V = _check_qkv(Q, K, V)
    mask = _check_mask(mask, Q.shape[-2], K.shape[-2], Q.shape[:-2])
    return _attention(Q, K, V, mask)


def _attention_backward(dO, Q, K, V, mask):
    """Unchecked core of :func:`scaled_dot_product_attention_backward`."""
    _, A = _attention(Q, K, V, mask)
    scale = 1.0 / np.sqrt(Q.shape[-1])
    dV = np.swapaxes(A, -1, -2) @ dO
    dA = dO @ np.swapaxes(V, -1, -2)
    dS = A * (dA - np.sum(dA * A, axis=-1, keepdims=True))  # softmax Jacobian, row by row
    dQ = dS @ K * scale
    dK = np.swapaxes(dS, -1, -2) @ Q * scale
    return dQ, dK, dV


def scaled_dot_product_attention_backward(grad_out, Q, K, V, mask=None) -> tuple[np.ndarray, ...]:
    r"""Gradients of a cost :math:`C` with respect to ``Q``, ``K`` and ``V`` of the attention.

    With :math:`\bar{\boldsymbol O} = \partial C/\partial\boldsymbol O` (``grad_out``), the
    scores :math:`\boldsymbol S = \boldsymbol Q\boldsymbol K^T/\sqrt{d_k} + \boldsymbol M` and
    :math:`\boldsymbol A = \mathrm{softmax}(\boldsymbol S)`,

    .. math::
        \bar{\boldsymbol V} = \boldsymbol A^T\bar{\boldsymbol O},\qquad
        \bar{\boldsymbol A} = \bar{\boldsymbol O}\boldsymbol V^T,\qquad
        \bar S_{ts} = A_{ts}\Big(\bar A_{ts} - \sum_{u}\bar A_{tu}A_{tu}\Big),

        \bar{\boldsymbol Q} = \bar{\boldsymbol S}\boldsymbol K/\sqrt{d_k},\qquad
        \bar{\boldsymbol K} = \bar{\boldsymbol S}^T\boldsymbol Q/\sqrt{d_k} .

    The middle line is the Jacobian of the softmax, :math:`\partial A_{tu}/\partial S_{ts} =
    A_{tu}(\delta_{us} - A_{ts})`; masked entries have :math:`A_{ts} = 0` and get no gradient.
    Returns ``(grad_Q, grad_K, grad_V)``.
    """
    Q, K, V = _check_qkv(Q, K, V)
    mask = _check_mask(mask, Q.shape[-2], K.shape[-2], Q.shape[:-2])
    dO = as_float_array(grad_out, "grad_out")
    out_shape = (*Q.shape[:-1], V.shape[-1])
    if dO.shape != out_shape:
        raise ValueError(f"grad_out must have the output shape {out_shape}, got {dO.shape}")
    return _attention_backward(dO, Q, K, V, mask)


# --- multi-head attention -----------------------------------------------------------------

_PARAMETER_NAMES = ("in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias")


def mha_n_parameters(embed_dim: int, bias: bool = True) -> int:
    r"""Parameters of a multi-head attention layer: :math:`4E^2 + 4E` with biases, :math:`4E^2` without.

    Three input projections and one output projection, each :math:`E\times E` (plus a bias
    of length :math:`E`). The count does not depend on the number of heads: the heads split
    the :math:`E` features among them.
    """
    embed_dim = check_int(embed_dim, "embed_dim", minimum=1)
    bias = check_bool(bias, "bias")
    return 4 * embed_dim**2 + (4 * embed_dim if bias else 0)


def init_mha_parameters(embed_dim: int, seed=0, bias: bool = True) -> dict[str, np.ndarray]:
    r"""Random parameters of multi-head attention, keyed and shaped like torch's ``state_dict``.

    ``in_proj_weight`` (:math:`3E\times E`: the rows of :math:`\boldsymbol W^Q`,
    :math:`\boldsymbol W^K`, :math:`\boldsymbol W^V` stacked), ``in_proj_bias`` (:math:`3E`),
    ``out_proj.weight`` (:math:`E\times E`) and ``out_proj.bias`` (:math:`E`), with entries
    :math:`\mathcal N(0, 1/E)` (biases :math:`\mathcal N(0, 0.1^2)`, absent when ``bias=False``).
    ``seed`` is an int or a ``numpy.random.Generator``.
    """
    from ._validate import as_rng

    E = check_int(embed_dim, "embed_dim", minimum=1)
    rng = as_rng(seed)
    bias = check_bool(bias, "bias")
    params = {
        "in_proj_weight": rng.normal(size=(3 * E, E)) / np.sqrt(E),
        "out_proj.weight": rng.normal(size=(E, E)) / np.sqrt(E),
    }
    if bias:
        params["in_proj_bias"] = 0.1 * rng.normal(size=3 * E)
        params["out_proj.bias"] = 0.1 * rng.normal(size=E)
    return params


def mha_parameters(module) -> dict[str, np.ndarray]:
    """The parameters of a ``torch.nn.MultiheadAttention`` as float64 NumPy arrays.

    The keys are those of the module's ``state_dict`` (``in_proj_weight``, ``in_proj_bias``,
    ``out_proj.weight``, ``out_proj.bias``), the input of :func:`multi_head_attention`.
    """
    check_type(module, nn.MultiheadAttention, "module", "torch.nn.MultiheadAttention")
    if not module._qkv_same_embed_dim:
        raise ValueError("module must have kdim = vdim = embed_dim (one stacked in_proj_weight)")
    if module.bias_k is not None:
        raise ValueError("module must not have add_bias_kv=True (not implemented here)")
    state = module.state_dict()
    return {k: state[k].detach().cpu().double().numpy() for k in _PARAMETER_NAMES if k in state}


def _check_params(params, E: int) -> dict[str, np.ndarray]:
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict keyed like torch's state_dict, got {type(params).__name__}")
    shapes = {
        "in_proj_weight": (3 * E, E),
        "in_proj_bias": (3 * E,),
        "out_proj.weight": (E, E),
        "out_proj.bias": (E,),
    }
    unknown = set(params) - set(shapes)
    if unknown:
        raise ValueError(f"params has unknown keys {sorted(unknown)}; expected {list(shapes)}")
    out = {}
    for key, shape in shapes.items():
        if key not in params:
            if key.endswith("weight"):
                raise ValueError(f"params must contain {key!r} of shape {shape}")
            continue
        arr = as_float_array(params[key], f"params[{key!r}]")
        if arr.shape != shape:
            raise ValueError(f"params[{key!r}] must have shape {shape} for embed dim {E}, got {arr.shape}")
        out[key] = arr
    return out


def _check_mha(query, key, value, params, n_heads, mask):
    query = as_float_array(query, "query", ndim=3)
    key = as_float_array(key, "key", ndim=3)
    value = as_float_array(value, "value", ndim=3)
    N, L, E = query.shape
    if N == 0 or E == 0:
        raise ValueError(f"query must not be empty, got shape {query.shape}")
    if L == 0:
        raise ValueError(f"query must hold sequences of length at least 1, got shape {query.shape}")
    if key.shape[1] == 0:
        raise ValueError(f"key must hold sequences of length at least 1, got shape {key.shape}")
    if key.shape[0] != N or key.shape[2] != E:
        raise ValueError(f"key must have shape ({N}, S, {E}) like query {query.shape}, got {key.shape}")
    if value.shape != key.shape:
        raise ValueError(f"value must have the shape of key {key.shape}, got {value.shape}")
    n_heads = check_int(n_heads, "n_heads", minimum=1)
    if E % n_heads:
        raise ValueError(f"n_heads = {n_heads} must divide the embed dim E = {E} (each head gets E/n_heads)")
    params = _check_params(params, E)
    mask = _check_mask(mask, L, key.shape[1], (N, n_heads))
    return query, key, value, params, n_heads, mask


def _split_heads(x: np.ndarray, n_heads: int) -> np.ndarray:
    """``(N, L, E)`` -> ``(N, h, L, E/h)``: head :math:`j` gets features :math:`j d, \\dots, (j+1)d - 1`."""
    N, L, E = x.shape
    return x.reshape(N, L, n_heads, E // n_heads).transpose(0, 2, 1, 3)


def _merge_heads(x: np.ndarray) -> np.ndarray:
    """``(N, h, L, d)`` -> ``(N, L, h d)``, the inverse of :func:`_split_heads`."""
    N, h, L, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(N, L, h * d)


def _projections(query, key, value, params):
    E = query.shape[-1]
    W = params["in_proj_weight"]
    b = params.get("in_proj_bias", np.zeros(3 * E))
    return query @ W[:E].T + b[:E], key @ W[E : 2 * E].T + b[E : 2 * E], value @ W[2 * E :].T + b[2 * E :]


def _mha(query, key, value, params, n_heads, mask):
    """Unchecked core of :func:`multi_head_attention`; also returns what the backward pass needs."""
    q, k, v = _projections(query, key, value, params)
    qh, kh, vh = (_split_heads(a, n_heads) for a in (q, k, v))
    oh, A = _attention(qh, kh, vh, mask)
    concat = _merge_heads(oh)
    out = concat @ params["out_proj.weight"].T + params.get("out_proj.bias", 0.0)
    return out, A, (qh, kh, vh, concat)


def multi_head_attention(query, key, value, params, n_heads: int, mask=None) -> tuple[np.ndarray, np.ndarray]:
    r"""Multi-head attention with the parameters of ``torch.nn.MultiheadAttention`` (``batch_first``).

    With :math:`\boldsymbol W^Q, \boldsymbol W^K, \boldsymbol W^V` the three blocks of rows of
    ``in_proj_weight`` and :math:`\boldsymbol W^O` = ``out_proj.weight``, head
    :math:`j = 1, \dots, h` attends with its own slice of :math:`d_k = E/h` features,

    .. math:: \mathrm{head}_j = \mathrm{Attention}(\boldsymbol X_q\boldsymbol W^Q_j,
              \boldsymbol X_k\boldsymbol W^K_j, \boldsymbol X_v\boldsymbol W^V_j),\qquad
              \mathrm{MHA} = [\mathrm{head}_1, \dots, \mathrm{head}_h]\,\boldsymbol W^{O\,T}
              + \boldsymbol b^O,

    (each projection with its bias). ``query`` has shape ``(N, L, E)``, ``key`` and ``value``
    ``(N, S, E)``; ``params`` is a dict keyed like the module's ``state_dict``
    (:func:`mha_parameters`, :func:`init_mha_parameters`; biases may be absent). ``mask``
    (boolean, True = may attend) broadcasts to ``(N, h, L, S)``. Returns the output
    ``(N, L, E)`` and the weights of every head, ``(N, h, L, S)`` (torch averages them over
    the heads unless ``average_attn_weights=False``).
    """
    query, key, value, params, n_heads, mask = _check_mha(query, key, value, params, n_heads, mask)
    out, A, _ = _mha(query, key, value, params, n_heads, mask)
    return out, A


def multi_head_attention_backward(
    grad_out, query, key, value, params, n_heads: int, mask=None
) -> dict[str, np.ndarray]:
    r"""Gradients of a cost with respect to the inputs and parameters of :func:`multi_head_attention`.

    Backpropagation through the three stages: the output projection
    (:math:`\bar{\boldsymbol W}^O = \sum \bar{\boldsymbol Y}^T\boldsymbol C`,
    :math:`\bar{\boldsymbol C} = \bar{\boldsymbol Y}\boldsymbol W^O`), the attention of each head
    (:func:`scaled_dot_product_attention_backward`), and the input projections
    (:math:`\bar{\boldsymbol W}^Q = \sum\bar{\boldsymbol q}^T\boldsymbol X_q`,
    :math:`\bar{\boldsymbol X}_q = \bar{\boldsymbol q}\boldsymbol W^Q`, likewise for keys and
    values), summed over samples and positions. Returns a dict with ``"query"``, ``"key"``,
    ``"value"`` and one entry per key of ``params``. For self-attention (one tensor passed
    as query, key and value) its gradient is the sum of the three.
    """
    query, key, value, params, n_heads, mask = _check_mha(query, key, value, params, n_heads, mask)
    dY = as_float_array(grad_out, "grad_out")
    if dY.shape != query.shape:
        raise ValueError(f"grad_out must have the output shape {query.shape}, got {dY.shape}")
    E = query.shape[-1]
    _, _, (qh, kh, vh, concat) = _mha(query, key, value, params, n_heads, mask)
    grads = {"out_proj.weight": np.einsum("nlo,nle->oe", dY, concat)}
    if "out_proj.bias" in params:
        grads["out_proj.bias"] = dY.sum(axis=(0, 1))
    d_concat = dY @ params["out_proj.weight"]
    dqh, dkh, dvh = _attention_backward(_split_heads(d_concat, n_heads), qh, kh, vh, mask)
    W = params["in_proj_weight"]
    dW, db, dX = [], [], []
    for d_proj, x, rows in (
        (dqh, query, slice(0, E)),
        (dkh, key, slice(E, 2 * E)),
        (dvh, value, slice(2 * E, 3 * E)),
    ):
        d_proj = _merge_heads(d_proj)
        dW.append(np.einsum("nlo,nle->oe", d_proj, x))
        db.append(d_proj.sum(axis=(0, 1)))
        dX.append(d_proj @ W[rows])
    grads["in_proj_weight"] = np.concatenate(dW)
    if "in_proj_bias" in params:
        grads["in_proj_bias"] = np.concatenate(db)
    grads["query"], grads["key"], grads["value"] = dX
    return grads


# --- a transformer encoder in torch -------------------------------------------------------


def _check_tensor(x, name: str, width: int, dtype: torch.dtype | None = None) -> torch.Tensor:
    """Type, shape and dtype (``dtype``: the weights') of a batch of sequences; never the values."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(
            f"{name} must be a torch.Tensor of shape (batch, positions, {width}), got {type(x).__name__}"
        )
    if x.ndim != 3 or x.shape[2] != width:
        raise ValueError(f"{name} must have shape (batch, positions, {width}), got {tuple(x.shape)}")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{name} must hold at least one sequence of length at least 1, got {tuple(x.shape)}")
    if not torch.is_floating_point(x):
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {x.dtype}")
    if dtype is not None and x.dtype != dtype:
        raise TypeError(
            f"{name} has dtype {x.dtype} but the model's parameters are {dtype}: "
            f"convert it with {name}.to({dtype})"
        )
    return x


class EncoderBlock(nn.Module):
    r"""One transformer encoder block in the pre-norm arrangement:

    .. math:: \boldsymbol H = \boldsymbol X + \mathrm{MHA}(\mathrm{LN}(\boldsymbol X)),\qquad
              \boldsymbol Y = \boldsymbol H + \mathrm{FFN}(\mathrm{LN}(\boldsymbol H)),

    with self-attention (``torch.nn.MultiheadAttention``, ``n_heads`` heads over ``d_model``
    features), layer normalisation LN over the features of each position, and the
    position-wise feed-forward network :math:`\mathrm{FFN}(\boldsymbol h) =
    \boldsymbol W_2\,\mathrm{ReLU}(\boldsymbol W_1\boldsymbol h + \boldsymbol b_1) + \boldsymbol b_2`
    with ``d_ff`` hidden units. Input and output have shape ``(N, L, d_model)``.

    Without a mask this is an encoder block (every position sees every other); with the
    causal mask passed to :meth:`forward` it is a decoder-only (GPT-style) block. The decoder
    block of an encoder-decoder transformer adds a cross-attention sub-layer
    (:func:`cross_attention`) between the two.
    """

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float = 0.0):
        super().__init__()
        d_model = check_int(d_model, "d_model", minimum=1)
        n_heads = check_int(n_heads, "n_heads", minimum=1)
        if d_model % n_heads:
            raise ValueError(f"n_heads = {n_heads} must divide d_model = {d_model}")
        d_ff = check_int(d_ff, "d_ff", minimum=1)
        dropout = check_scalar(dropout, "dropout", minimum=0.0, maximum=1.0, include_max=False)
        self.d_model = d_model
        self.norm1 = nn.LayerNorm(d_model)
        self.attn = nn.MultiheadAttention(d_model, n_heads, dropout=dropout, batch_first=True)
        self.norm2 = nn.LayerNorm(d_model)
        self.ffn = nn.Sequential(
            nn.Linear(d_model, d_ff), nn.ReLU(), nn.Linear(d_ff, d_model), nn.Dropout(dropout)
        )
        self.keep_weights = False  # True: keep the attention weights of each call
        self.weights = None  # the attention weights of the last such call, (N, h, L, L)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """``x`` of shape ``(N, L, d_model)``; ``mask`` (L, L) boolean, True where a position may attend."""
        x = _check_tensor(x, "x", self.d_model, param_dtype(self, None))
        blocked = None
        if mask is not None:
            if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
                raise TypeError(f"mask must be a boolean torch.Tensor, got {type(mask).__name__}")
            if mask.shape != (x.shape[1], x.shape[1]):
                raise ValueError(f"mask must have shape {(x.shape[1],) * 2}, got {tuple(mask.shape)}")
            blocked = ~mask  # torch.nn.MultiheadAttention: True = not allowed
        h = self.norm1(x)
        a, weights = self.attn(
            h, h, h, attn_mask=blocked, need_weights=self.keep_weights, average_attn_weights=False
        )
        if self.keep_weights:
            self.weights = weights
        x = x + a
        return x + self.ffn(self.norm2(x))


class TransformerForecaster(nn.Module):
    r"""A small transformer that predicts the next state from a window of states.

    With ``causal`` (the default) its blocks are decoder-only (GPT-style) blocks.

    Each input vector (``n_in`` features) is embedded linearly into ``d_model`` features and
    the sinusoidal positional encoding is added (``positional="none"``: nothing added, the
    model then cannot tell the order of the window); ``n_layers`` :class:`EncoderBlock` s
    follow, with a causal mask when ``causal``, and a final layer norm. The last position
    reads out the change of the state, so that a zero output is the persistence forecast:

    .. math:: \hat{\boldsymbol x}_{t+1} = \boldsymbol x_t
              + \boldsymbol W^\text{out}\boldsymbol z_t + \boldsymbol c .

    The first ``n_out`` input features are the state (the rest, e.g. a known drive, are
    inputs only), as for :class:`physml.rnn.SequenceForecaster`; train it with
    :func:`physml.rnn.train_forecaster` and roll it out with :func:`physml.rnn.forecast`.
    Windows may be up to ``max_len`` long. The parameters are drawn with ``seed`` (torch's
    global generator is left as it was) and the model is put on ``device``.
    """

    def __init__(
        self,
        n_in: int,
        d_model: int = 32,
        n_heads: int = 4,
        n_layers: int = 2,
        d_ff: int = 64,
        n_out: int | None = None,
        max_len: int = 256,
        causal: bool = True,
        positional: str = "sinusoidal",
        dropout: float = 0.0,
        seed: int = 0,
        device="cpu",
    ):
        super().__init__()
        n_in = check_int(n_in, "n_in", minimum=1)
        self.n_in = n_in
        self.n_out = n_in if n_out is None else check_int(n_out, "n_out", minimum=1, maximum=n_in)
        d_model = check_int(d_model, "d_model", minimum=1)
        n_layers = check_int(n_layers, "n_layers", minimum=1)
        max_len = check_int(max_len, "max_len", minimum=1)
        self.causal = check_bool(causal, "causal")
        self.positional = check_choice(positional, "positional", ("sinusoidal", "none"))
        seed = check_int(seed, "seed", minimum=0)
        device = torchtools.as_device(device)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.embed = nn.Linear(n_in, d_model)
            self.blocks = nn.ModuleList(
                EncoderBlock(d_model, n_heads, d_ff, dropout) for _ in range(n_layers)
            )
            self.norm = nn.LayerNorm(d_model)
            self.head = nn.Linear(d_model, self.n_out)
        pe = (
            _sinusoidal_encoding(max_len, d_model)
            if self.positional == "sinusoidal"
            else np.zeros((max_len, d_model))
        )
        self.register_buffer("pe", torch.tensor(pe, dtype=torch.float32))
        self.to(device)

    def _check_input(self, x) -> torch.Tensor:
        x = _check_tensor(x, "x", self.n_in)  # any float dtype: _encode converts it
        if x.shape[1] > self.pe.shape[0]:
            raise ValueError(
                f"x has windows of length {x.shape[1]}, longer than max_len = {self.pe.shape[0]}"
            )
        return x

    def _encode(self, x: torch.Tensor) -> torch.Tensor:
        L = x.shape[1]
        h = self.embed(x.to(self.pe.dtype)) + self.pe[:L]
        mask = torch.tril(torch.ones(L, L, dtype=torch.bool, device=x.device)) if self.causal else None
        for block in self.blocks:
            h = block(h, mask)
        return self.norm(h)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The representation :math:`\\boldsymbol z_t` of every position, shape ``(N, L, d_model)``."""
        return self._encode(self._check_input(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The next state, shape ``(N, n_out)``, from windows ``x`` of shape ``(N, L, n_in)``."""
        x = self._check_input(x)
        z = self._encode(x)
        return x[:, -1, : self.n_out].to(z.dtype) + self.head(z[:, -1])

    def attention_maps(self, x) -> list[np.ndarray]:
        """Attention weights of every block for windows ``x`` (array or tensor).

        A list with one ``(N, h, L, L)`` array per block: ``[n, j, t, s]`` is how much position
        ``t`` of window ``n`` attends to position ``s`` in head ``j``.
        """
        if not isinstance(x, torch.Tensor):
            x = torch.as_tensor(as_float_array(x, "x", ndim=3), dtype=self.pe.dtype, device=self.pe.device)
        x = self._check_input(x)
        was_training = self.training
        self.eval()
        for block in self.blocks:
            block.keep_weights = True
        try:
            with torch.no_grad():
                self._encode(x)
        finally:
            for block in self.blocks:
                block.keep_weights = False
            self.train(was_training)
        return [block.weights.cpu().double().numpy() for block in self.blocks]

    def predict_all(self, x: torch.Tensor) -> torch.Tensor:
        r"""The next state after every position, shape ``(N, L, n_out)``: :math:`\hat{\boldsymbol x}_{t+1}
        = \boldsymbol x_t + \boldsymbol W^\text{out}\boldsymbol z_t + \boldsymbol c` for each :math:`t`.

        With the causal mask, :math:`\boldsymbol z_t` depends on :math:`\boldsymbol x_0, \dots,
        \boldsymbol x_t` only, so every position is a legitimate one-step forecast and a window
        of :math:`w` states gives :math:`w` training targets (the way decoder-only language models
        are trained). Without the mask, positions :math:`t < L-1` could see their own target.
        """
        x = self._check_input(x)
        if not self.causal:
            raise ValueError("predict_all needs causal=True: without the mask position t sees x_{t+1}")
        z = self._encode(x)
        return x[:, :, : self.n_out].to(z.dtype) + self.head(z)


# --- cross-attention -------------------------------------------------------------------------


def cross_attention(query, memory, params, n_heads: int, mask=None) -> tuple[np.ndarray, np.ndarray]:
    r"""Cross-attention: queries from one sequence, keys and values from another (the *memory*).

    .. math:: \boldsymbol O = \operatorname{softmax}\!\Big(\frac{(\boldsymbol X\boldsymbol W^{Q\,T})
              (\boldsymbol Z\boldsymbol W^{K\,T})^T}{\sqrt{d_k}}\Big)\,\boldsymbol Z\boldsymbol W^{V\,T},

    per head, followed by the output projection, as in :func:`multi_head_attention`, with
    :math:`\boldsymbol X` = ``query`` of shape ``(N, L, E)`` and :math:`\boldsymbol Z` = ``memory``
    of shape ``(N, S, d_z)``; the memory may have a different length and width. The
    parameters are keyed like the ``state_dict`` of ``torch.nn.MultiheadAttention(E, h,
    kdim=d_z, vdim=d_z)``: ``q_proj_weight`` (:math:`E\times E`), ``k_proj_weight`` and
    ``v_proj_weight`` (:math:`E\times d_z`), ``in_proj_bias`` (:math:`3E`, optional),
    ``out_proj.weight`` and ``out_proj.bias`` (optional). The decoder of an encoder-decoder
    transformer uses it to read the encoder's output (chapter "Transformers"). Returns the
    output ``(N, L, E)`` and the weights of every head ``(N, h, L, S)``.
    """
    query = as_float_array(query, "query", ndim=3)
    memory = as_float_array(memory, "memory", ndim=3)
    N, L, E = query.shape
    if N == 0 or L == 0 or E == 0:
        raise ValueError(f"query must not be empty, got shape {query.shape}")
    if memory.shape[0] != N or memory.shape[1] == 0 or memory.shape[2] == 0:
        raise ValueError(f"memory must have shape ({N}, S >= 1, d_z >= 1), got {memory.shape}")
    n_heads = check_int(n_heads, "n_heads", minimum=1)
    if E % n_heads:
        raise ValueError(f"n_heads = {n_heads} must divide the embed dim E = {E}")
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict keyed like torch's state_dict, got {type(params).__name__}")
    dz = memory.shape[2]
    shapes = {
        "q_proj_weight": (E, E),
        "k_proj_weight": (E, dz),
        "v_proj_weight": (E, dz),
        "in_proj_bias": (3 * E,),
        "out_proj.weight": (E, E),
        "out_proj.bias": (E,),
    }
    unknown = set(params) - set(shapes)
    if unknown:
        raise ValueError(f"params has unknown keys {sorted(unknown)}; expected {list(shapes)}")
    p = {}
    for k, shape in shapes.items():
        if k not in params:
            if k.endswith("weight"):
                raise ValueError(f"params must contain {k!r} of shape {shape}")
            continue
        p[k] = as_float_array(params[k], f"params[{k!r}]")
        if p[k].shape != shape:
            raise ValueError(
                f"params[{k!r}] must have shape {shape} for the query width E = {E} and the memory "
                f"width d_z = {dz}, got {p[k].shape}"
            )
    mask = _check_mask(mask, L, memory.shape[1], (N, n_heads))
    b = p.get("in_proj_bias", np.zeros(3 * E))
    q = query @ p["q_proj_weight"].T + b[:E]
    k = memory @ p["k_proj_weight"].T + b[E : 2 * E]
    v = memory @ p["v_proj_weight"].T + b[2 * E :]
    oh, A = _attention(*(_split_heads(a, n_heads) for a in (q, k, v)), mask)
    out = _merge_heads(oh) @ p["out_proj.weight"].T + p.get("out_proj.bias", 0.0)
    return out, A


# --- a set of particles ----------------------------------------------------------------------


class ParticleTransformer(nn.Module):
    r"""A transformer on a set of particles: no positional encoding and no mask.

    Each particle's features (``n_in``: e.g. its position) are embedded linearly into
    ``d_model`` features; ``n_layers`` :class:`EncoderBlock` s without a mask and a final
    layer norm follow, and a linear read-out gives ``n_out`` outputs per particle (e.g. the
    force on it). Every operation is either the same map applied to each particle or
    self-attention, so for any permutation :math:`\pi` of the particles

    .. math:: f(\boldsymbol X_{\pi(1)}, \dots, \boldsymbol X_{\pi(N)})_i = f(\boldsymbol X)_{\pi(i)}

    (permutation equivariance, chapter "Transformers"). Input ``(batch, particles, n_in)``,
    output ``(batch, particles, n_out)``. Parameters drawn with ``seed``, put on ``device``.
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        d_model: int = 32,
        n_heads: int = 4,
        n_layers: int = 2,
        d_ff: int = 64,
        seed: int = 0,
        device="cpu",
    ):
        super().__init__()
        self.n_in = check_int(n_in, "n_in", minimum=1)
        self.n_out = check_int(n_out, "n_out", minimum=1)
        n_layers = check_int(n_layers, "n_layers", minimum=1)
        seed = check_int(seed, "seed", minimum=0)
        device = torchtools.as_device(device)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.embed = nn.Linear(self.n_in, check_int(d_model, "d_model", minimum=1))
            self.blocks = nn.ModuleList(EncoderBlock(d_model, n_heads, d_ff) for _ in range(n_layers))
            self.norm = nn.LayerNorm(d_model)
            self.head = nn.Linear(d_model, self.n_out)
        self.to(device)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Outputs per particle, ``(batch, particles, n_out)``, for ``x`` of shape
        ``(batch, particles, n_in)``."""
        x = _check_tensor(x, "x", self.n_in, param_dtype(self, None))
        h = self.embed(x)
        for block in self.blocks:
            h = block(h)
        return self.head(self.norm(h))
