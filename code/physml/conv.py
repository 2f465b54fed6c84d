r"""Convolutions and pooling from scratch in NumPy, and the CNN of the chapter "Convolutional networks".

Layout as in PyTorch: images are ``(N, C, H, W)`` arrays (samples, channels, height,
width) and a convolution kernel is ``(C_out, C_in, k_h, k_w)``. The "convolution" of deep
learning is a cross-correlation,

.. math:: Z_{n,o,i,j} = b_o + \sum_{c}\sum_{p=0}^{k_h-1}\sum_{q=0}^{k_w-1}
          W_{o,c,p,q}\, X_{n,c,\,s i + p,\, s j + q},

with stride :math:`s` and the input padded with zeros first. :func:`conv2d_forward` computes
it with *im2col* (every receptive field becomes a row of a matrix, the convolution one
matrix product); :func:`conv2d_backward` returns the gradients with respect to input,
kernel and bias; :func:`maxpool2d_forward` and :func:`maxpool2d_backward` do the same for
max-pooling. The tests compare all of them with ``torch.nn.functional``.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from torch import nn

from ._validate import as_float_array, check_bool, check_int, check_scalar

# --- sizes ---------------------------------------------------------------------------------


def output_size(n: int, kernel: int, padding: int = 0, stride: int = 1) -> int:
    r"""Output length of a convolution or pooling along one axis: :math:`\lfloor (n+2p-k)/s \rfloor + 1`."""
    n = check_int(n, "n", minimum=1)
    kernel = check_int(kernel, "kernel", minimum=1)
    padding = check_int(padding, "padding", minimum=0)
    stride = check_int(stride, "stride", minimum=1)
    if kernel > n + 2 * padding:
        raise ValueError(f"kernel ({kernel}) is larger than the padded input ({n} + 2*{padding})")
    return (n + 2 * padding - kernel) // stride + 1


def conv_n_parameters(c_in: int, c_out: int, kernel: int | tuple[int, int], bias: bool = True) -> int:
    r"""Parameters of a convolutional layer: :math:`C_\text{out}(C_\text{in} k_h k_w + 1)` with a bias.

    They do not depend on the size of the image: the same kernel is used at every position
    (parameter sharing).
    """
    c_in = check_int(c_in, "c_in", minimum=1)
    c_out = check_int(c_out, "c_out", minimum=1)
    kh, kw = _pair(kernel, "kernel")
    bias = check_bool(bias, "bias")
    return c_out * (c_in * kh * kw + (1 if bias else 0))


def receptive_field(layers: Sequence[tuple[int, int]]) -> int:
    r"""Receptive field (in input pixels, along one axis) of a stack of ``(kernel, stride)`` layers.

    .. math:: r = 1 + \sum_{l=1}^{L} (k_l - 1)\prod_{m<l} s_m

    A layer of kernel :math:`k` widens the field by :math:`k-1` pixels *of its input*, and
    every stride before it makes one such pixel worth :math:`\prod s_m` input pixels.
    Pooling layers count as layers with kernel and stride of the pooling.
    """
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
        raise TypeError(f"layers must be a sequence of (kernel, stride) pairs, got {type(layers).__name__}")
    r, jump = 1, 1
    for i, layer in enumerate(layers):
        if not isinstance(layer, Sequence) or len(layer) != 2:
            raise ValueError(f"layers[{i}] must be a (kernel, stride) pair, got {layer!r}")
        k = check_int(layer[0], f"layers[{i}] kernel", minimum=1)
        s = check_int(layer[1], f"layers[{i}] stride", minimum=1)
        r += (k - 1) * jump
        jump *= s
    return r


# --- validation ----------------------------------------------------------------------------


def _pair(x, name: str) -> tuple[int, int]:
    if isinstance(x, numbers.Integral) and not isinstance(x, bool):
        return check_int(x, name, minimum=1), check_int(x, name, minimum=1)
    if isinstance(x, Sequence) and len(x) == 2:
        return check_int(x[0], name, minimum=1), check_int(x[1], name, minimum=1)
    raise TypeError(f"{name} must be a positive int or a pair of them, got {x!r}")


def _real_array(x, name: str, ndim: int) -> np.ndarray:
    """``x`` as a finite float array of ``ndim`` dimensions; complex input is refused."""
    if np.iscomplexobj(x):
        raise TypeError(f"{name} must be real numbers, got complex values")
    return as_float_array(x, name, ndim=ndim)


def _images(x, name: str = "x") -> np.ndarray:
    x = _real_array(x, name, 4)
    if x.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {x.shape}")
    return x


def _check_conv(x, weight, bias, stride, padding):
    x = _images(x)
    weight = _real_array(weight, "weight", 4)
    if weight.size == 0:
        raise ValueError(f"weight must not be empty, got shape {weight.shape}")
    if weight.shape[1] != x.shape[1]:
        raise ValueError(
            f"weight has {weight.shape[1]} input channels but x has {x.shape[1]} channels "
            f"(weight shape (C_out, C_in, k_h, k_w) = {weight.shape}, x shape {x.shape})"
        )
    if bias is not None:
        bias = _real_array(bias, "bias", 1)
        if bias.shape[0] != weight.shape[0]:
            raise ValueError(
                f"bias must have one entry per output channel ({weight.shape[0]}), got {bias.shape}"
            )
    stride = check_int(stride, "stride", minimum=1)
    padding = check_int(padding, "padding", minimum=0)
    for axis, name in ((2, "height"), (3, "width")):
        if weight.shape[axis] > x.shape[axis] + 2 * padding:
            raise ValueError(
                f"weight: kernel {name} {weight.shape[axis]} is larger than the padded input "
                f"{name} {x.shape[axis]} + 2*{padding}"
            )
    return x, weight, bias, stride, padding


# --- cross-correlation and convolution of single images -------------------------------------


def correlate2d(image, kernel) -> np.ndarray:
    r"""'Valid' cross-correlation of a 2D image, as loops: :math:`y_{ij} = \sum_{pq} k_{pq} x_{i+p,j+q}`."""
    image = _real_array(image, "image", 2)
    kernel = _real_array(kernel, "kernel", 2)
    if kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1] or kernel.size == 0:
        raise ValueError(f"kernel {kernel.shape} must be non-empty and fit into the image {image.shape}")
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(kernel * image[i : i + kh, j : j + kw])
    return out


def convolve2d(image, kernel) -> np.ndarray:
    r"""'Valid' convolution in the mathematical sense, :math:`y_{ij} = \sum_{pq} k_{pq}\, x_{i-p,\,j-q}`:
    the cross-correlation with the kernel flipped along both axes."""
    return correlate2d(image, _real_array(kernel, "kernel", 2)[::-1, ::-1])


# --- convolution layer: forward and backward ------------------------------------------------


def pad(x: np.ndarray, padding: int) -> np.ndarray:
    """Pad the two image axes of an ``(N, C, H, W)`` array with ``padding`` zeros on each side."""
    return _pad(_images(x), check_int(padding, "padding", minimum=0))


def _pad(x: np.ndarray, padding: int) -> np.ndarray:
    """:func:`pad` without checks (for :func:`conv2d_forward`, :func:`conv2d_backward`)."""
    return np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))


def im2col(x_padded: np.ndarray, kh: int, kw: int, stride: int) -> np.ndarray:
    """All receptive fields of a padded ``(N, C, H, W)`` batch as rows: shape ``(N*H_out*W_out, C*kh*kw)``.

    Row ``(n, i, j)`` holds the ``C x kh x kw`` pixels that output pixel ``(i, j)`` of image
    ``n`` sees, so that the convolution becomes one matrix product with the kernels.
    """
    x_padded = _images(x_padded, "x_padded")
    kh = check_int(kh, "kh", minimum=1)
    kw = check_int(kw, "kw", minimum=1)
    stride = check_int(stride, "stride", minimum=1)
    if kh > x_padded.shape[2] or kw > x_padded.shape[3]:
        raise ValueError(f"kh, kw = {kh}, {kw}: the kernel is larger than the image {x_padded.shape[2:]}")
    return _im2col(x_padded, kh, kw, stride)


def _im2col(x_padded: np.ndarray, kh: int, kw: int, stride: int) -> np.ndarray:
    """:func:`im2col` without checks (for :func:`conv2d_forward`, :func:`conv2d_backward`)."""
    windows = sliding_window_view(x_padded, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
    n, c, h_out, w_out = windows.shape[:4]
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * h_out * w_out, c * kh * kw)


def conv2d_forward(x, weight, bias=None, stride: int = 1, padding: int = 0) -> np.ndarray:
    r"""The convolutional layer :math:`Z = X \star W + b`: output shape ``(N, C_out, H_out, W_out)``.

    With ``cols = im2col(X)`` of shape ``(N H_out W_out, C_in k_h k_w)`` and the kernels as
    rows of ``W_mat`` (shape ``(C_out, C_in k_h k_w)``), :math:`Z = \text{cols}\, W_\text{mat}^T + b`.
    """
    x, weight, bias, stride, padding = _check_conv(x, weight, bias, stride, padding)
    c_out, _, kh, kw = weight.shape
    n = x.shape[0]
    h_out = (x.shape[2] + 2 * padding - kh) // stride + 1
    w_out = (x.shape[3] + 2 * padding - kw) // stride + 1
    cols = _im2col(_pad(x, padding), kh, kw, stride)
    z = cols @ weight.reshape(c_out, -1).T
    if bias is not None:
        z = z + bias
    return z.reshape(n, h_out, w_out, c_out).transpose(0, 3, 1, 2)


def conv2d_backward(
    grad_out, x, weight, stride: int = 1, padding: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Gradients of a cost :math:`C` with respect to input, kernel and bias of :func:`conv2d_forward`.

    With :math:`\delta = \partial C/\partial Z` (``grad_out``) and the same im2col matrix,

    .. math:: \frac{\partial C}{\partial W_\text{mat}} = \delta_\text{mat}^T\,\text{cols},\qquad
              \frac{\partial C}{\partial b_o} = \sum_{n,i,j}\delta_{n,o,i,j},\qquad
              \frac{\partial C}{\partial\,\text{cols}} = \delta_\text{mat} W_\text{mat},

    and every row of :math:`\partial C/\partial\,\text{cols}` is added back onto the input
    pixels it came from (*col2im*): a pixel seen by several receptive fields collects the
    gradient of all of them. Returns ``(grad_x, grad_weight, grad_bias)``.
    """
    x, weight, _, stride, padding = _check_conv(x, weight, None, stride, padding)
    c_out, c_in, kh, kw = weight.shape
    n, _, h, w = x.shape
    h_out = (h + 2 * padding - kh) // stride + 1
    w_out = (w + 2 * padding - kw) // stride + 1
    grad_out = _real_array(grad_out, "grad_out", 4)
    if grad_out.shape != (n, c_out, h_out, w_out):
        raise ValueError(
            f"grad_out must have the output shape {(n, c_out, h_out, w_out)} of x, weight, stride and "
            f"padding, got {grad_out.shape}"
        )
    delta = grad_out.transpose(0, 2, 3, 1).reshape(-1, c_out)  # (N H_out W_out, C_out)
    cols = _im2col(_pad(x, padding), kh, kw, stride)
    grad_weight = (delta.T @ cols).reshape(weight.shape)
    grad_bias = delta.sum(axis=0)
    grad_cols = (delta @ weight.reshape(c_out, -1)).reshape(n, h_out, w_out, c_in, kh, kw)
    grad_padded = np.zeros((n, c_in, h + 2 * padding, w + 2 * padding))
    for p in range(kh):  # col2im: add every kernel offset's share back onto its pixels
        for q in range(kw):
            rows = slice(p, p + stride * (h_out - 1) + 1, stride)
            columns = slice(q, q + stride * (w_out - 1) + 1, stride)
            grad_padded[:, :, rows, columns] += grad_cols[:, :, :, :, p, q].transpose(0, 3, 1, 2)
    grad_x = grad_padded[:, :, padding : padding + h, padding : padding + w]
    return grad_x, grad_weight, grad_bias


# --- max-pooling ---------------------------------------------------------------------------


def _check_pool(x, size, stride):
    x = _images(x)
    size = check_int(size, "size", minimum=1)
    stride = size if stride is None else check_int(stride, "stride", minimum=1)
    if size > x.shape[2] or size > x.shape[3]:
        raise ValueError(f"size ({size}) is larger than the input image {x.shape[2:]}")
    return x, size, stride


def maxpool2d_forward(x, size: int = 2, stride: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    r"""Max-pooling, :math:`Y_{n,c,i,j} = \max_{0\le p,q<k} X_{n,c,\,s i+p,\,s j+q}` (default ``s = size``).

    Returns the pooled images and, for the backward pass, the position (``p*size + q``)
    of the maximum inside each window.
    """
    x, size, stride = _check_pool(x, size, stride)
    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
    flat = windows.reshape(*windows.shape[:4], size * size)
    argmax = flat.argmax(axis=-1)
    return np.take_along_axis(flat, argmax[..., None], axis=-1)[..., 0], argmax


def maxpool2d_backward(grad_out, argmax, x_shape, size: int = 2, stride: int | None = None) -> np.ndarray:
    r"""Gradient of max-pooling: each window passes :math:`\partial C/\partial Y` to its maximum only.

    The other pixels of the window did not influence the output, so their gradient is
    zero; a pixel that is the maximum of several overlapping windows collects all of them.
    """
    size = check_int(size, "size", minimum=1)
    stride = size if stride is None else check_int(stride, "stride", minimum=1)
    grad_out = _images(grad_out, "grad_out")
    argmax = _real_array(argmax, "argmax", 4)
    if argmax.shape != grad_out.shape:
        raise ValueError(f"argmax must have the shape of grad_out {grad_out.shape}, got {argmax.shape}")
    if np.any(argmax != np.round(argmax)) or np.any(argmax < 0) or np.any(argmax >= size * size):
        raise ValueError(
            f"argmax must hold window positions 0 ... {size * size - 1} (from maxpool2d_forward)"
        )
    argmax = argmax.astype(int)
    x_shape = _shape4(x_shape, "x_shape")
    expected = (*x_shape[:2], *((h - size) // stride + 1 if h >= size else 0 for h in x_shape[2:]))
    if expected != grad_out.shape:
        raise ValueError(
            f"grad_out has shape {grad_out.shape}, but pooling x_shape {x_shape} with size {size} and "
            f"stride {stride} gives {expected}"
        )
    grad_x = np.zeros(x_shape)
    h_out, w_out = grad_out.shape[2:]
    for p in range(size):
        for q in range(size):
            rows = slice(p, p + stride * (h_out - 1) + 1, stride)
            columns = slice(q, q + stride * (w_out - 1) + 1, stride)
            grad_x[:, :, rows, columns] += np.where(argmax == p * size + q, grad_out, 0.0)
    return grad_x


def _shape4(shape, name: str) -> tuple[int, int, int, int]:
    if isinstance(shape, (str, bytes)) or not isinstance(shape, Sequence) or len(shape) != 4:
        raise TypeError(f"{name} must be a shape (N, C, H, W) of 4 ints, got {shape!r}")
    return tuple(check_int(d, f"{name}[{i}]", minimum=1) for i, d in enumerate(shape))


# --- the CNN of the chapter ----------------------------------------------------------------


def digits_cnn(channels: tuple[int, int] = (8, 16), hidden: int = 64, dropout: float = 0.25):
    """The chapter's CNN for 8x8 images, returning logits of 10 classes.

    conv 3x3 (1 -> c1, padding 1), ReLU, conv 3x3 (c1 -> c2, padding 1), ReLU, max-pool 2x2
    (8x8 -> 4x4), flatten, dropout, linear (16 c2 -> hidden), ReLU, linear (hidden -> 10).
    """
    from torch import nn

    if isinstance(channels, (str, bytes)) or not isinstance(channels, Sequence) or len(channels) != 2:
        raise TypeError(f"channels must be a pair (c1, c2) of positive ints, got {channels!r}")
    c1, c2 = (check_int(c, "channels", minimum=1) for c in channels)
    hidden = check_int(hidden, "hidden", minimum=1)
    dropout = check_scalar(dropout, "dropout", minimum=0.0, maximum=1.0)
    return nn.Sequential(
        nn.Conv2d(1, c1, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.Conv2d(c1, c2, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(dropout),
        nn.Linear(16 * c2, hidden),
        nn.ReLU(),
        nn.Linear(hidden, 10),
    )


def ising_cnn(channels: int = 8):
    r"""A small CNN that classifies ``(N, 1, L, L)`` Ising configurations for any ``L``.

    Two 3x3 convolutions with *circular* padding (the lattice is periodic), ReLU, then the
    average of every channel over the lattice (global average pooling, which makes the
    output independent of where a pattern sits and of ``L``), and a linear layer to the
    logits of the two phases (0: disordered, 1: ordered).
    """
    from torch import nn

    channels = check_int(channels, "channels", minimum=1)
    return nn.Sequential(
        nn.Conv2d(1, channels, kernel_size=3, padding=1, padding_mode="circular"),
        nn.ReLU(),
        nn.Conv2d(channels, channels, kernel_size=3, padding=1, padding_mode="circular"),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(channels, 2),
    )


def half_crossing(temperatures, probability) -> float:
    r"""The temperature at which a decreasing ``probability`` (of the ordered phase) crosses :math:`1/2`.

    Linear interpolation between the last temperature with :math:`p \ge 1/2` and the next
    one; ``temperatures`` must be increasing and the curve must cross exactly there.
    """
    T = _real_array(temperatures, "temperatures", 1)
    p = _real_array(probability, "probability", 1)
    if T.shape != p.shape or T.size < 2:
        raise ValueError(
            f"temperatures and probability must have the same length >= 2, got {T.size} and {p.size}"
        )
    if np.any(np.diff(T) <= 0):
        raise ValueError("temperatures must be strictly increasing")
    above = np.flatnonzero(p >= 0.5)
    if above.size == 0 or above[-1] == T.size - 1:
        raise ValueError("probability does not fall below 1/2 after being above it")
    i = above[-1]
    return float(T[i] + (p[i] - 0.5) * (T[i + 1] - T[i]) / (p[i] - p[i + 1]))


# --- lattice symmetries, a residual CNN, finite-size scaling ------------------------------------

N_LATTICE_SYMMETRIES = 16
r"""Order of the point group of the periodic square-lattice Ising model with the global spin flip:
the 8 symmetries of the square (:math:`D_4`: 4 rotations, each with or without a mirror) times
:math:`s \to -s`. Translations are the other symmetries; circular padding and global average
pooling make :func:`ising_cnn` invariant under them by construction."""


def _check_element(element) -> int:
    return check_int(element, "element", minimum=0, maximum=N_LATTICE_SYMMETRIES - 1)


def _check_n_elements(elements) -> int:
    elements = check_int(elements, "elements", minimum=1)
    if elements not in (2, 8, 16):
        raise ValueError(
            f"elements must be 2 (spin flip), 8 (the square's D4) or 16 (D4 x spin flip), got {elements}"
        )
    return elements


def _group(elements: int) -> list[int]:
    """The group elements averaged over: 2 -> {identity, flip}, 8 -> D4, 16 -> all."""
    return [0, 8] if elements == 2 else list(range(elements))


def _apply_symmetry(x, element: int, rot90, flip, last_axes):
    rotations, mirror, spin_flip = element % 4, (element // 4) % 2, element // 8
    y = rot90(x, rotations, last_axes) if rotations else x
    if mirror:
        y = flip(y, last_axes[-1:])
    return -y if spin_flip else y


def lattice_symmetry(spins, element: int) -> np.ndarray:
    r"""Symmetry number ``element`` (0 to 15) of the square lattice applied to ``spins`` (..., L, L).

    With :math:`r = g \bmod 4`, :math:`m = \lfloor g/4 \rfloor \bmod 2` and
    :math:`f = \lfloor g/8 \rfloor`: rotate by :math:`r \cdot 90°`, mirror left-right if
    :math:`m = 1`, and flip every spin, :math:`s \to -s`, if :math:`f = 1`. Element 0 is the
    identity. The Ising energy is invariant under all 16 (chapter "Convolutional neural
    networks", section on lattice symmetries).
    """
    x = as_float_array(spins, "spins")
    if x.ndim < 2 or x.shape[-1] != x.shape[-2] or x.shape[-1] == 0:
        raise ValueError(f"spins must end in a square (L, L) lattice, got shape {x.shape}")
    if x.size == 0:
        raise ValueError(f"spins must not be empty, got shape {x.shape}")
    element = _check_element(element)
    return np.ascontiguousarray(
        _apply_symmetry(x, element, lambda a, k, ax: np.rot90(a, k, axes=ax), np.flip, (-2, -1))
    )


def _torch_symmetry(x, element: int):
    import torch

    return _apply_symmetry(
        x,
        element,
        lambda a, k, ax: torch.rot90(a, k, dims=ax),
        lambda a, ax: torch.flip(a, dims=ax),
        (-2, -1),
    )


def _check_square_batch(x, model=None):
    from ._validate import check_tensor, param_dtype

    dtype = param_dtype(model) if model is not None else "float"
    check_tensor(x, "x", ndim=4, dtype=dtype)
    if x.shape[-1] != x.shape[-2]:
        raise ValueError(f"x must hold square (L, L) lattices, got shape {tuple(x.shape)}")


class SymmetrizedNet(nn.Module):
    r"""A network averaged over a symmetry group: :math:`\bar f(x) = \frac{1}{|G|}\sum_{g\in G} f(g x)`.

    ``model`` maps ``(N, 1, L, L)`` lattices to logits; the average of its logits over the
    ``elements`` group elements (2: identity and spin flip; 8: the square's :math:`D_4`; 16:
    both, :func:`lattice_symmetry`) is exactly invariant under the group, whatever the
    weights: :math:`\bar f(hx) = \bar f(x)` because :math:`g \mapsto gh` permutes
    :math:`G`. It costs ``elements`` forward passes (chapter "Convolutional neural networks").
    """

    def __init__(self, model: nn.Module, elements: int = 16):
        super().__init__()
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        self.model = model
        self.elements = _check_n_elements(elements)

    def forward(self, x):
        """The group-averaged logits of the model on ``x`` (N, 1, L, L)."""
        _check_square_batch(x, self.model)
        outs = [self.model(_torch_symmetry(x, g)) for g in _group(self.elements)]
        return sum(outs) / len(outs)


class RandomLatticeSymmetry(nn.Module):
    r"""Data augmentation as a layer: in training mode every lattice of the batch is replaced by
    :math:`g x` with a group element :math:`g` drawn uniformly (torch's global generator) from
    ``elements`` (2, 8 or 16, as in :class:`SymmetrizedNet`); in evaluation mode it is the identity.

    Put it first in an ``nn.Sequential``: each epoch then shows the network other symmetric
    copies of the same configurations (chapter "Convolutional neural networks").
    """

    def __init__(self, elements: int = 16):
        super().__init__()
        self.elements = _check_n_elements(elements)

    def forward(self, x):
        """``x`` (N, C, L, L) with a random symmetry applied to each sample (training mode only)."""
        import torch

        _check_square_batch(x)
        if not self.training:
            return x
        group = _group(self.elements)
        which = torch.randint(len(group), (x.shape[0],), device=x.device)
        out = x.clone()
        for i, g in enumerate(group):
            sel = which == i
            if g and bool(sel.any()):
                out[sel] = _torch_symmetry(x[sel], g)
        return out


class ConvResidualBlock(nn.Module):
    r"""A residual block of two 3x3 convolutions with batch normalisation (He et al. 2016):

    .. math:: x \mapsto \mathrm{ReLU}\big(x + \mathrm{BN}(W_2 * \mathrm{ReLU}(\mathrm{BN}(W_1 * x)))\big)

    with circular padding (periodic lattices) and ``channels`` in and out, so that the
    identity path needs no projection (chapter "Convolutional neural networks").
    """

    def __init__(self, channels: int):
        super().__init__()
        channels = check_int(channels, "channels", minimum=1)
        conv_kw = dict(kernel_size=3, padding=1, padding_mode="circular", bias=False)
        self.conv1 = nn.Conv2d(channels, channels, **conv_kw)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, **conv_kw)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        """The block on ``x`` (N, channels, H, W)."""
        from ._validate import check_tensor, param_dtype

        check_tensor(x, "x", ndim=4, dtype=param_dtype(self))
        if x.shape[1] != self.conv1.in_channels:
            raise ValueError(f"x must have {self.conv1.in_channels} channels, got shape {tuple(x.shape)}")
        h = nn.functional.relu(self.bn1(self.conv1(x)))
        return nn.functional.relu(x + self.bn2(self.conv2(h)))


def ising_resnet(channels: int = 8, blocks: int = 2):
    """A residual variant of :func:`ising_cnn`: a 3x3 convolution (circular) to ``channels``,
    ``blocks`` :class:`ConvResidualBlock`, global average pooling and a linear layer to 2 logits."""
    channels = check_int(channels, "channels", minimum=1)
    blocks = check_int(blocks, "blocks", minimum=1)
    return nn.Sequential(
        nn.Conv2d(1, channels, kernel_size=3, padding=1, padding_mode="circular"),
        nn.ReLU(),
        *[ConvResidualBlock(channels) for _ in range(blocks)],
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(channels, 2),
    )


def transposed_output_size(
    n: int, kernel: int, padding: int = 0, stride: int = 1, output_padding: int = 0
) -> int:
    r"""Size of the output of a transposed convolution along one axis,

    .. math:: n_\text{out} = (n - 1)s - 2p + k + p_\text{out},

    the input size of the convolution of the same kernel, stride and padding that it inverts
    the shape of (chapter "Convolutional neural networks", U-Net section).
    """
    n = check_int(n, "n", minimum=1)
    kernel = check_int(kernel, "kernel", minimum=1)
    padding = check_int(padding, "padding", minimum=0)
    stride = check_int(stride, "stride", minimum=1)
    output_padding = check_int(output_padding, "output_padding", minimum=0)
    if output_padding >= stride:
        raise ValueError(f"output_padding must be smaller than stride {stride}, got {output_padding}")
    out = (n - 1) * stride - 2 * padding + kernel + output_padding
    if out < 1:
        raise ValueError(f"padding {padding} is too large: the output would have {out} entries")
    return out


def finite_size_fit(L, crossing, sigma, nu: float = 1.0) -> dict:
    r"""Weighted least-squares fit of :math:`T(L) = T_c + a L^{-1/\nu}` to crossings with errors ``sigma``.

    Returns ``{"tc", "tc_err", "a", "a_err", "chi2", "dof"}``; the errors are those of the
    weighted fit (:math:`(X^T\Sigma^{-1}X)^{-1}`, not rescaled by :math:`\chi^2`). Chapter
    "Convolutional neural networks", finite-size scaling of the classifier.
    """
    L = as_float_array(L, "L", ndim=1)
    T = as_float_array(crossing, "crossing", ndim=1)
    s = as_float_array(sigma, "sigma", ndim=1)
    nu = check_scalar(nu, "nu", minimum=0, include_min=False)
    if not (L.size == T.size == s.size):
        raise ValueError(f"L, crossing and sigma must have the same length, got {L.size}, {T.size}, {s.size}")
    if L.size < 2:
        raise ValueError(f"the fit needs at least 2 sizes L, got {L.size}")
    if np.any(L <= 0):
        raise ValueError("L must be positive")
    if np.any(s <= 0):
        raise ValueError("sigma must be positive")
    if np.unique(L).size < 2:
        raise ValueError("L must hold at least two different sizes")
    x = L ** (-1.0 / nu)
    if np.ptp(x) <= 1e-12 * np.max(np.abs(x)):
        raise ValueError(f"nu = {nu} makes L^(-1/nu) the same for all sizes: the fit is singular")
    X = np.column_stack([np.ones_like(L), x])
    w = 1.0 / s**2
    if not np.all(np.isfinite(w)) or np.all(w == 0):
        raise ValueError("sigma must be positive and finite, with a finite 1/sigma^2")
    cov = np.linalg.inv(X.T @ (w[:, None] * X))
    coef = cov @ (X.T @ (w * T))
    chi2 = float(np.sum(w * (T - X @ coef) ** 2))
    return {
        "tc": float(coef[0]),
        "tc_err": float(np.sqrt(cov[0, 0])),
        "a": float(coef[1]),
        "a_err": float(np.sqrt(cov[1, 1])),
        "chi2": chi2,
        "dof": int(L.size - 2),
    }
