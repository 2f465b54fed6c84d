r"""Project path *Networks from scratch*: initialisation, backprop, convolution, a phase classifier.

The page ``projects/networks.md`` (label ``project-networks``) sets the project; it builds
on the chapters *Neural networks*, *Convolutional neural networks* and *Classification*.
This module gives the group

* the problems: a small fixed network with data and penalties whose gradient they compute
  (:func:`backprop_problem`), an image and kernels to convolve (:func:`conv_problem`),
  2D Ising configurations below and above :math:`T_c` for training
  (:func:`ising_training_set`, seeded, from :func:`physml.ising.sample`) and the held-out
  configurations a classifier is judged on (:func:`ising_held_out`, without labels);
* the milestone checks, which take the group's own results:
  :func:`check_initialisation` (their Xavier or He weight matrices), :func:`check_gradient`
  (their backpropagated gradient against torch's autograd), :func:`check_convolution`
  (their convolution layer's output against ``torch.nn.functional.conv2d``) and
  :func:`check_classifier` (their predicted phases: confusion matrix and accuracy with its
  binomial error);
* ``TEMPLATE``, what ``python -m physml.project new networks <folder>`` writes.

A check says whether a milestone is reached and why; it never shows the reference value
it compares with (nor the held-out labels).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from .. import ising
from .._validate import as_float_array, as_rng, check_choice, check_int, check_scalar, check_type
from . import Milestone, Template, milestone

__all__ = [
    "ISING_L",
    "TRAIN_TEMPERATURES",
    "HELD_OUT_TEMPERATURES",
    "HELD_OUT_PER_TEMPERATURE",
    "GRADIENT_RTOL",
    "INIT_SIGMAS",
    "TEMPLATE",
    "BackpropProblem",
    "ConvProblem",
    "backprop_problem",
    "conv_problem",
    "ising_training_set",
    "ising_held_out",
    "check_initialisation",
    "check_gradient",
    "check_convolution",
    "check_classifier",
]

#: Linear size of the Ising lattices of this project (L x L spins, periodic).
ISING_L = 16
#: Default training temperatures: five in the ordered phase, five in the disordered one.
TRAIN_TEMPERATURES = (1.0, 1.25, 1.5, 1.75, 2.0, 2.6, 2.85, 3.1, 3.35, 3.6)
#: Temperatures of the held-out set (T_c = 2.269), and configurations at each.
HELD_OUT_TEMPERATURES = (1.5, 1.8, 2.0, 2.6, 3.0, 3.5)
HELD_OUT_PER_TEMPERATURE = 60
#: Entropy of the held-out chains: a pair, so that no int seed of ising_training_set gives them.
_HELD_OUT_ENTROPY = (5429, 16)
#: A gradient agrees when max |g - g_ref| <= GRADIENT_RTOL * max(1, max |g_ref|) for every array.
GRADIENT_RTOL = 1e-6
#: An initialisation passes when every layer's variance is within this many standard errors.
INIT_SIGMAS = 4.0
#: Convolution outputs agree to float64 rounding of sums of a few dozen products.
_CONV_RTOL = 1e-10

_SCHEMES = ("xavier", "he")


def _as_array(x, name: str, ndim=None) -> np.ndarray:
    """``x`` (a NumPy array, a nested list or a torch tensor) as a finite float64 array."""
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # a torch tensor, perhaps with requires_grad
        x = x.detach().cpu().numpy()
    return as_float_array(x, name, ndim=ndim)


def _as_list(x, name: str) -> list:
    if isinstance(x, (str, bytes, dict)) or not isinstance(x, (list, tuple)):
        raise TypeError(f"{name} must be a list of arrays, got {type(x).__name__}")
    return list(x)


# --- initialisation -------------------------------------------------------------------------


def check_initialisation(weights, sizes, scheme: str) -> Milestone:
    r"""Milestone: the group's initial weight matrices follow Xavier or He initialisation.

    ``weights[l]`` is the matrix of layer :math:`l` between ``sizes[l]`` inputs
    (:math:`n_\mathrm{in}`) and ``sizes[l+1]`` outputs (:math:`n_\mathrm{out}`), of shape
    ``(n_in, n_out)`` (physml) or ``(n_out, n_in)`` (``torch.nn.Linear``). Its entries must have
    mean zero and variance

    .. math:: \sigma^2 = \frac{2}{n_\mathrm{in} + n_\mathrm{out}}\ \text{(Xavier)},\qquad
              \sigma^2 = \frac{2}{n_\mathrm{in}}\ \text{(He)}

    (Glorot and Bengio 2010; He et al. 2015).

    For each matrix of :math:`n` entries the check estimates :math:`s^2 = \frac1n\sum w^2`.
    For Gaussian entries :math:`n s^2/\sigma^2` is :math:`\chi^2_n`, so :math:`s^2/\sigma^2`
    scatters around 1 with standard deviation :math:`\sqrt{2/n}` (less for uniform entries);
    a layer passes when :math:`|s^2/\sigma^2 - 1| \le 4\sqrt{2/n}` and its mean is within
    :math:`4\sigma/\sqrt n` of zero. The milestone needs every layer to pass. (Chapter
    *Neural networks*, section on initialisation.)
    """
    scheme = check_choice(scheme, "scheme", _SCHEMES)
    sizes = _as_list(sizes, "sizes")
    if len(sizes) < 2:
        raise ValueError(f"sizes must hold at least two layer sizes (inputs, outputs), got {sizes}")
    sizes = [check_int(s, f"sizes[{i}]", minimum=1) for i, s in enumerate(sizes)]
    weights = _as_list(weights, "weights")
    if len(weights) != len(sizes) - 1:
        raise ValueError(
            f"weights must hold one matrix per layer, {len(sizes) - 1} for sizes {sizes}, got {len(weights)}"
        )
    rows, failed = {}, []
    for layer, (w, n_in, n_out) in enumerate(zip(weights, sizes[:-1], sizes[1:], strict=True)):
        name = f"weights[{layer}]"
        w = _as_array(w, name, ndim=2)
        if w.shape not in ((n_in, n_out), (n_out, n_in)):
            raise ValueError(
                f"{name} must have shape ({n_in}, {n_out}) or ({n_out}, {n_in}) "
                f"for sizes[{layer}:{layer + 2}], got {w.shape}"
            )
        var = 2.0 / (n_in + n_out) if scheme == "xavier" else 2.0 / n_in
        n = w.size
        s2 = float(np.mean(w**2))
        ok = abs(s2 / var - 1.0) <= INIT_SIGMAS * math.sqrt(2.0 / n) and abs(
            float(w.mean())
        ) <= INIT_SIGMAS * math.sqrt(var / n)
        rows[f"layer {layer + 1} ({n_in} -> {n_out})"] = (
            f"variance {s2:.4g}, mean {float(w.mean()):.2g}, {n} entries: {'ok' if ok else 'off'}"
        )
        if not ok:
            failed.append(str(layer + 1))
    formula = "2/(n_in + n_out)" if scheme == "xavier" else "2/n_in"
    return milestone(
        f"{'Xavier' if scheme == 'xavier' else 'He'} initialisation",
        not failed,
        f"every layer's entries have mean 0 and variance {formula} within 4 standard errors.",
        f"layer(s) {', '.join(failed)}: the mean or the variance of the entries is more than 4 standard "
        f"errors from 0 and {formula}. Check the scale (a standard deviation, not a variance; for a "
        "uniform U(-a, a) the variance is a^2/3), which size is n_in, and that the draws are centred.",
        **rows,
    )


# --- backpropagation --------------------------------------------------------------------------


_ACTIVATIONS = {
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "identity": lambda z: z,
}


@dataclass(frozen=True)
class BackpropProblem:
    r"""A small fixed network, its data and its cost (from :func:`backprop_problem`).

    Layer :math:`l = 1, \dots, L` computes :math:`\boldsymbol Z^l = \boldsymbol A^{l-1}\boldsymbol W^l
    + \boldsymbol b^l` and :math:`\boldsymbol A^l = f_l(\boldsymbol Z^l)`, one row per sample,
    :math:`\boldsymbol A^0 = \boldsymbol X`; ``weights[l-1]`` has shape ``(n_in, n_out)``.
    ``activations`` names :math:`f_1, \dots, f_L` (here sigmoid, tanh, identity). The cost is
    the mean squared error with L2 and L1 penalties on the weights (not the biases),

    .. math:: C = \frac1n\sum_{i=0}^{n-1}\sum_k (a^L_{ik} - y_{ik})^2
              + \lambda_2\sum_l\lVert\boldsymbol W^l\rVert^2 + \lambda_1\sum_l\sum_{jk}|w^l_{jk}|,

    as in ``physml.nn.MLP`` (chapter *Neural networks*). The gradient asked for is the list
    :math:`[\partial C/\partial\boldsymbol W^1, \partial C/\partial\boldsymbol b^1, \dots]`.
    """

    X: np.ndarray
    Y: np.ndarray
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    activations: tuple[str, ...]
    l2: float
    l1: float


def backprop_problem(seed=0) -> BackpropProblem:
    """The network 3 -> 4 (sigmoid) -> 3 (tanh) -> 2 (identity), 5 samples, :math:`\\lambda_2 = 0.01`,
    :math:`\\lambda_1 = 0.001`; weights, biases, inputs and targets drawn with ``seed``."""
    rng = as_rng(seed)
    sizes = (3, 4, 3, 2)
    weights = tuple(
        rng.normal(0.0, 1.0 / math.sqrt(a), size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)
    )
    biases = tuple(rng.normal(0.0, 0.1, size=b) for b in sizes[1:])
    X = rng.normal(size=(5, sizes[0]))
    Y = rng.normal(size=(5, sizes[-1]))
    for a in (X, Y, *weights, *biases):
        a.setflags(write=False)
    return BackpropProblem(X, Y, weights, biases, ("sigmoid", "tanh", "identity"), 0.01, 0.001)


def _reference_gradient(problem: BackpropProblem) -> list[np.ndarray]:
    """The gradient by torch's autograd in float64 (an implementation independent of the group's)."""
    import torch

    params = []
    for w, b in zip(problem.weights, problem.biases, strict=True):
        params += [torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)]
    torch_activations = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "identity": lambda z: z}
    a = torch.tensor(problem.X)
    for layer, name in enumerate(problem.activations):
        a = torch_activations[name](a @ params[2 * layer] + params[2 * layer + 1])
    cost = ((a - torch.tensor(problem.Y)) ** 2).sum() / problem.X.shape[0]
    for w in params[::2]:
        cost = cost + problem.l2 * (w**2).sum() + problem.l1 * w.abs().sum()
    return [g.numpy() for g in torch.autograd.grad(cost, params)]


def _param_names(n_layers: int) -> list[str]:
    return [f"d{kind}{layer}" for layer in range(1, n_layers + 1) for kind in ("W", "b")]


def check_gradient(grads, problem: BackpropProblem) -> Milestone:
    r"""Milestone: the group's backpropagated gradient of the cost of a :class:`BackpropProblem`.

    ``grads`` is the list :math:`[\partial C/\partial\boldsymbol W^1, \partial C/\partial\boldsymbol b^1,
    \dots, \partial C/\partial\boldsymbol b^L]`, each of the shape of its parameter. The check
    computes the gradient with ``torch.autograd`` in float64 and requires, for every array,
    :math:`\max|g - g_\mathrm{ref}| \le 10^{-6}\max(1, \max|g_\mathrm{ref}|)`: backpropagation
    agrees to rounding (:math:`10^{-15}`), central finite differences to :math:`O(h^2)`, and a
    missing factor or a wrong derivative misses by :math:`O(|g|)`.
    """
    check_type(problem, BackpropProblem, "problem", "physml.projects.networks.BackpropProblem")
    grads = _as_list(grads, "grads")
    reference = _reference_gradient(problem)
    names = _param_names(len(problem.weights))
    if len(grads) != len(reference):
        raise ValueError(
            f"grads must hold {len(reference)} arrays, in the order {', '.join(names)}, got {len(grads)}"
        )
    student = []
    for i, (g, ref) in enumerate(zip(grads, reference, strict=True)):
        g = _as_array(g, f"grads[{i}]")
        if g.shape != ref.shape:
            raise ValueError(
                f"grads[{i}] ({names[i]}) must have the shape of its parameter {ref.shape}, got {g.shape}"
            )
        student.append(g)
    agree = [
        float(np.max(np.abs(g - ref))) <= GRADIENT_RTOL * max(1.0, float(np.max(np.abs(ref))))
        for g, ref in zip(student, reference, strict=True)
    ]
    rows = {name: "agrees" if ok else "differs" for name, ok in zip(names, agree, strict=True)}
    return milestone(
        "backpropagation gradient",
        all(agree),
        f"every array agrees with automatic differentiation to {GRADIENT_RTOL:g} (relative).",
        _gradient_hint(student, reference, agree),
        **rows,
    )


def _gradient_hint(student: list[np.ndarray], reference: list[np.ndarray], agree: list[bool]) -> str:
    """Where a wrong gradient goes wrong, from the pattern of its errors (no values shown)."""
    g, ref = np.concatenate([a.ravel() for a in student]), np.concatenate([a.ravel() for a in reference])
    c = float(g @ ref / (ref @ ref))
    if abs(c - 1.0) > 1e-3 and np.max(np.abs(g - c * ref)) <= 1e-6 * max(1.0, float(np.max(np.abs(ref)))):
        return (
            "your gradient is a constant multiple of the right one: look for a sign, the 1/n of the "
            "mean over the samples or the 2 from the square."
        )
    weights_only = not any(agree[0::2]) and all(agree[1::2])
    if weights_only:
        return (
            "the bias gradients agree, the weight gradients do not: check the penalties, "
            "d/dW of lambda_2 ||W||^2 is 2 lambda_2 W and of lambda_1 sum |w| is lambda_1 sign(W) "
            "(the biases are not penalised), and the product A^{l-1}^T Delta^l."
        )
    if agree[-2] and agree[-1]:
        return (
            "the output layer agrees and the earlier layers do not: check the backward step "
            "Delta^{l-1} = (Delta^l W^l^T) * f'(Z^{l-1}), with the derivative of that layer's own "
            "activation (sigmoid' = a(1 - a), tanh' = 1 - a^2, evaluated at a = f(z), not at z)."
        )
    return (
        "the output layer already differs: check Delta^L = 2 (A^L - Y)/n for the mean squared error "
        "with an identity output, and the forward pass (Z = A W + b, one row per sample)."
    )


# --- convolution ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConvProblem:
    r"""An input and the parameters of one convolution layer (from :func:`conv_problem`).

    ``image`` has shape ``(C_in, H, W)``, ``kernels`` ``(C_out, C_in, k, k)``, ``bias``
    ``(C_out,)``. The layer's output, stride 1 and no padding, has shape
    ``(C_out, H - k + 1, W - k + 1)``:

    .. math:: O_{o,i,j} = b_o + \sum_{c}\sum_{p,q=0}^{k-1} K_{o,c,p,q}\, I_{c,\,i+p,\,j+q},

    the cross-correlation that deep-learning libraries call convolution (chapter
    *Convolutional neural networks*).
    """

    image: np.ndarray
    kernels: np.ndarray
    bias: np.ndarray


def conv_problem(seed=0) -> ConvProblem:
    """Two 7 x 6 input channels, three 3 x 3 kernels per input channel, three biases; from ``seed``."""
    rng = as_rng(seed)
    problem = ConvProblem(
        image=rng.normal(size=(2, 7, 6)), kernels=rng.normal(size=(3, 2, 3, 3)), bias=rng.normal(size=3)
    )
    for a in (problem.image, problem.kernels, problem.bias):
        a.setflags(write=False)
    return problem


def _torch_conv(image: np.ndarray, kernels: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    import torch

    b = None if bias is None else torch.tensor(bias)
    return torch.nn.functional.conv2d(torch.tensor(image)[None], torch.tensor(kernels), b)[0].numpy()


def check_convolution(output, problem: ConvProblem) -> Milestone:
    r"""Milestone: the group's convolution layer on a :class:`ConvProblem`.

    ``output`` is their :math:`O_{o,i,j}` (see :class:`ConvProblem`), shape
    ``(C_out, H - k + 1, W - k + 1)``. The check computes it with
    ``torch.nn.functional.conv2d`` in float64 and requires agreement to :math:`10^{-10}`
    relative to the largest output (rounding of sums of :math:`C_\mathrm{in}k^2` products is
    :math:`10^{-15}`).
    """
    check_type(problem, ConvProblem, "problem", "physml.projects.networks.ConvProblem")
    out = _as_array(output, "output", ndim=3)
    ref = _torch_conv(problem.image, problem.kernels, problem.bias)
    if out.shape != ref.shape:
        raise ValueError(
            f"output must have shape (C_out, H - k + 1, W - k + 1) = {ref.shape} (stride 1, no padding), "
            f"got {out.shape}"
        )
    scale = max(1.0, float(np.max(np.abs(ref))))
    passed = float(np.max(np.abs(out - ref))) <= _CONV_RTOL * scale
    flipped = _torch_conv(problem.image, problem.kernels[:, :, ::-1, ::-1].copy(), problem.bias)
    no_bias = _torch_conv(problem.image, problem.kernels, None)
    if np.max(np.abs(out - flipped)) <= _CONV_RTOL * scale:
        hint = (
            "you flipped the kernel (a convolution in the sense of mathematics); a CNN layer computes "
            "the cross-correlation sum K[o, c, p, q] I[c, i + p, j + q]."
        )
    elif np.max(np.abs(out - no_bias)) <= _CONV_RTOL * scale:
        hint = "the bias b_o of each output channel is missing."
    else:
        hint = (
            "check the sum over the input channels c, the index order (channel, row, column) and "
            "that O[o, i, j] starts at I[c, i, j] (stride 1, no padding)."
        )
    return milestone(
        "convolution layer",
        passed,
        "the output agrees with torch.nn.functional.conv2d to 1e-10 (relative).",
        hint,
        output_shape=str(out.shape),
    )


# --- the phase classifier ---------------------------------------------------------------------


def ising_training_set(
    n_per_temperature: int = 100, seed=0, temperatures=TRAIN_TEMPERATURES
) -> ising.IsingSamples:
    r"""Labelled :math:`16\times16` Ising configurations for training a phase classifier.

    ``n_per_temperature`` configurations at each of ``temperatures`` from
    :func:`physml.ising.sample` (Metropolis far from :math:`T_c`, Wolff near it; chapter
    *Classification*), labelled 1 for :math:`T < T_c = 2/\ln(1+\sqrt2)` (ordered) and 0
    above. Returns the :class:`physml.ising.IsingSamples` (``spins``, ``labels``,
    ``temperatures``). ``seed`` is an int or a ``numpy.random.Generator``.
    """
    n = check_int(n_per_temperature, "n_per_temperature", minimum=1)
    temps = as_float_array(temperatures, "temperatures", ndim=1, nonempty=True)
    if np.any(temps <= 0):
        raise ValueError(f"temperatures must be positive, got {temps.min()}")
    return ising.sample(ISING_L, temps, n, as_rng(seed))


@functools.cache
def _held_out_set() -> tuple[np.ndarray, np.ndarray]:
    """The held-out configurations and their labels, shuffled (computed once per process)."""
    rng = np.random.default_rng(list(_HELD_OUT_ENTROPY))
    data = ising.sample(ISING_L, np.array(HELD_OUT_TEMPERATURES), HELD_OUT_PER_TEMPERATURE, rng)
    order = rng.permutation(len(data.labels))
    spins, labels = data.spins[order], data.labels[order]
    spins.setflags(write=False)
    labels.setflags(write=False)
    return spins, labels


def ising_held_out() -> np.ndarray:
    r"""The held-out configurations, shape ``(360, 16, 16)`` (int8, :math:`\pm1`), in random order.

    60 configurations at each of ``HELD_OUT_TEMPERATURES`` (three below :math:`T_c`, three
    above), without their labels or temperatures: :func:`check_classifier` holds those.
    """
    return _held_out_set()[0].copy()


def check_classifier(predicted, target: float = 0.9) -> Milestone:
    r"""Milestone: the group's predicted phases of the held-out configurations.

    ``predicted`` holds one label per configuration of :func:`ising_held_out`, in its order:
    1 for ordered (:math:`T < T_c`), 0 for disordered. The check counts the confusion
    matrix against the labels it holds and the accuracy :math:`\hat p` with its binomial
    standard error :math:`\sqrt{\hat p(1-\hat p)/n}`, :math:`n = 360`; the milestone is
    reached when :math:`\hat p \ge` ``target`` (stated before the run).
    """
    target = check_scalar(target, "target", minimum=0.0, maximum=1.0, include_min=False)
    spins, labels = _held_out_set()
    pred = _as_array(predicted, "predicted", ndim=1)
    if pred.shape != labels.shape:
        raise ValueError(
            f"predicted must hold one label per held-out configuration, shape {labels.shape}, "
            f"got {pred.shape}"
        )
    if not np.all((pred == 0) | (pred == 1)):
        raise ValueError(
            "predicted must hold labels 0 (disordered) or 1 (ordered): threshold your probabilities"
        )
    pred = pred.astype(np.int64)
    n = len(labels)
    accuracy = float(np.mean(pred == labels))
    error = math.sqrt(accuracy * (1 - accuracy) / n)
    tp = int(np.sum((labels == 1) & (pred == 1)))
    fn = int(np.sum((labels == 1) & (pred == 0)))
    fp = int(np.sum((labels == 0) & (pred == 1)))
    tn = int(np.sum((labels == 0) & (pred == 0)))
    return milestone(
        "phase classifier on the held-out Ising configurations",
        accuracy >= target,
        f"accuracy at least the target {target:g}.",
        f"accuracy below the target {target:g}. Check that 1 means ordered (T < T_c) and that the "
        "predictions follow the order of ising_held_out(); look at which phase the errors fall in "
        "(the confusion matrix); a classifier of raw spins must learn that +m and -m are the same phase.",
        accuracy=f"{accuracy:.4f} +- {error:.4f} (binomial, n = {n})",
        ordered_predicted_ordered=str(tp),
        ordered_predicted_disordered=str(fn),
        disordered_predicted_ordered=str(fp),
        disordered_predicted_disordered=str(tn),
    )


# --- the template ----------------------------------------------------------------------------

_SOLUTION = '''"""Your solution of the networks-from-scratch project.

The milestone tests (tests/test_milestones.py) call these functions. Keep their names,
arguments and return values; write the code they need here or in your own modules
(NumPy only for the network itself: the point is to write it from scratch).
"""

import numpy as np


def init_weights(sizes, scheme: str, seed: int = 0) -> list:
    """Initial weight matrices of an MLP with layer sizes ``sizes`` (inputs first).

    Return a list of len(sizes) - 1 arrays; W_l of shape (sizes[l], sizes[l + 1]), its
    entries of mean 0 and variance 2/(n_in + n_out) for scheme "xavier" (Glorot and Bengio
    2010) or 2/n_in for "he" (He et al. 2015), drawn with numpy.random.default_rng(seed).
    """
    raise NotImplementedError("init_weights: draw Xavier and He initial weights")


def backprop(problem) -> list:
    """The gradient of the cost of a physml.projects.networks.BackpropProblem by backpropagation.

    The problem gives X, Y, weights, biases, activations, l2 and l1 (its docstring states the
    network and the cost). Return [dC/dW1, dC/db1, dC/dW2, dC/db2, ...], each array of the
    shape of its parameter, computed by your own forward and backward pass.
    """
    raise NotImplementedError("backprop: write the forward and the backward pass")


def conv2d(image, kernels, bias) -> np.ndarray:
    """One convolution layer, stride 1, no padding.

    image (C_in, H, W), kernels (C_out, C_in, k, k), bias (C_out,). Return O of shape
    (C_out, H - k + 1, W - k + 1) with
    O[o, i, j] = bias[o] + sum over c, p, q of kernels[o, c, p, q] * image[c, i + p, j + q].
    """
    raise NotImplementedError("conv2d: write the convolution layer")


def classify_phases(train_spins, train_labels, test_spins, seed: int = 0) -> np.ndarray:
    """Train a classifier of Ising configurations and predict the phases of test_spins.

    train_spins (n, L, L) of +1/-1 with train_labels (1: ordered, T < T_c; 0: disordered).
    Return one label 0 or 1 per configuration of test_spins (m, L, L), in its order.
    """
    raise NotImplementedError("classify_phases: train your network on the training set")
'''

_TESTS = '''"""The milestones of the networks-from-scratch project: python -m pytest tests."""

import pytest

import solution
from physml.projects import networks as nw

SIZES = [256, 128, 64, 2]


@pytest.mark.parametrize("scheme", ["xavier", "he"])
def test_initialisation(scheme):
    m = nw.check_initialisation(solution.init_weights(SIZES, scheme, seed=1), SIZES, scheme)
    assert m.passed, str(m)


def test_backpropagation_gradient():
    problem = nw.backprop_problem(seed=0)
    m = nw.check_gradient(solution.backprop(problem), problem)
    assert m.passed, str(m)


def test_convolution_layer():
    p = nw.conv_problem(seed=0)
    m = nw.check_convolution(solution.conv2d(p.image, p.kernels, p.bias), p)
    assert m.passed, str(m)


def test_phase_classifier():
    train = nw.ising_training_set(n_per_temperature=100, seed=0)
    predicted = solution.classify_phases(train.spins, train.labels, nw.ising_held_out())
    m = nw.check_classifier(predicted, target=0.9)
    assert m.passed, str(m)
'''

TEMPLATE = Template(
    path="networks",
    title="Networks from scratch: initialisation, backpropagation, convolution and the Ising phases",
    question=(
        "Can a network written from scratch, with its initialisation, backpropagation, "
        "regularisation and convolution checked against independent references, learn the "
        "phases of the 2D Ising model, and what do initialisation, L1/L2 penalties and "
        "dropout change in its training?"
    ),
    tasks=(
        "Write Xavier and He initialisation and check the variance of your weights; show what "
        "the variance of the activations does through a deep network for each (and for N(0, 1)).",
        "Write the forward and backward pass of an MLP with L1 and L2 penalties; check the "
        "gradient of the fixed problem against automatic differentiation and finite differences.",
        "Write a convolution layer (and its gradient) and check it against torch's conv2d.",
        "Train your network (an MLP, then a CNN) on Ising configurations below and above T_c; "
        "report the confusion matrix and accuracy with its binomial error on the held-out set.",
        "Study: initialisation, L1/L2 and dropout against the held-out accuracy and the training "
        "curves (several seeds); where does the classifier fail, and what does it learn "
        "(look at the weights)? Estimate T_c from the predicted probability against T.",
    ),
    solution=_SOLUTION,
    tests=_TESTS,
)
