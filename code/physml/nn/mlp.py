r"""A feed-forward neural network (multilayer perceptron) in NumPy, trained by backpropagation.

Chapter "Feed-forward neural networks and backpropagation". Notation of the chapter:
layer :math:`l = 1, \dots, L` has weights :math:`\boldsymbol W^l` (shape
:math:`M_{l-1}\times M_l`), biases :math:`\boldsymbol b^l`, weighted inputs
:math:`\boldsymbol z^l` and activations :math:`\boldsymbol a^l = f^l(\boldsymbol z^l)`,
with :math:`\boldsymbol a^0 = \boldsymbol x`. A mini-batch is a matrix with one sample per
*row*, so a layer computes

.. math:: \boldsymbol Z^l = \boldsymbol A^{l-1}\boldsymbol W^l + \boldsymbol b^l,

which for a single sample (a column vector) is the familiar
:math:`\boldsymbol z^l = (\boldsymbol W^l)^T\boldsymbol a^{l-1} + \boldsymbol b^l`.
Python counts from zero: ``weights[l - 1]`` is :math:`\boldsymbol W^l`.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np

from .._validate import (
    as_float_array,
    as_rng,
    check_choice,
    check_finite_loss,
    check_int,
    check_same_length,
    check_scalar,
    check_type,
)
from ..optim import Optimizer, minibatches
from ..progress import progress
from .activations import _CORES as _ACTIVATION_CORES
from .activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS, _activation_backward, _apply_activation
from .losses import _CORES as _LOSS_CORES
from .losses import LOSSES, REQUIRED_OUTPUT

INITS = ("xavier", "he", "normal")
DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def initial_weights(n_in: int, n_out: int, init: str, rng: np.random.Generator) -> np.ndarray:
    r"""Draw an ``(n_in, n_out)`` weight matrix.

    * ``"xavier"`` (Glorot & Bengio 2010): uniform on :math:`[-r, r]`,
      :math:`r = \sqrt{6/(n_\mathrm{in}+n_\mathrm{out})}`, so that
      :math:`\mathrm{Var}\,w = 2/(n_\mathrm{in}+n_\mathrm{out})`;
    * ``"he"`` (He et al. 2015): normal with :math:`\mathrm{Var}\,w = 2/n_\mathrm{in}`, for ReLU;
    * ``"normal"``: standard normal, :math:`\mathrm{Var}\,w = 1` (the naive choice).

    ``rng`` is a ``numpy.random.Generator`` (or an int seed).
    """
    check_int(n_in, "n_in", minimum=1)
    check_int(n_out, "n_out", minimum=1)
    check_choice(init, "init", INITS)
    rng = as_rng(rng, "rng")
    if init == "xavier":
        limit = np.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-limit, limit, size=(n_in, n_out))
    if init == "he":
        return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
    if init == "normal":
        return rng.standard_normal((n_in, n_out))
    raise ValueError(f"init must be one of {INITS}, got {init!r}")


def _check_layer_sizes(layer_sizes) -> list[int]:
    if isinstance(layer_sizes, (str, bytes)) or not isinstance(layer_sizes, Sequence):
        raise TypeError(f"layer_sizes must be a list of integers, got {type(layer_sizes).__name__}")
    if len(layer_sizes) < 2:
        raise ValueError(f"layer_sizes needs at least an input and an output size, got {list(layer_sizes)}")
    for i, size in enumerate(layer_sizes):
        check_int(size, f"layer_sizes[{i}]", minimum=1)
    return [int(s) for s in layer_sizes]


def _check_choice(value, name: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value


class MLP:
    r"""A fully connected feed-forward network with backpropagation.

    Parameters
    ----------
    layer_sizes
        Units per layer, input first and output last, e.g. ``[64, 100, 100, 10]``.
    hidden_activation
        Activation of the hidden layers: ``"sigmoid"``, ``"tanh"``, ``"relu"``,
        ``"leaky_relu"`` (or ``"identity"``), or a list with one name per hidden layer.
    output_activation
        ``"identity"`` (regression), ``"sigmoid"`` (independent yes/no outputs) or
        ``"softmax"`` (one class out of several).
    loss
        ``"mse"``, ``"cross_entropy"`` (needs softmax output) or ``"binary_cross_entropy"``
        (needs sigmoid output). The cost is the mean over the samples, plus
        :math:`\lambda_2\sum_l\|\boldsymbol W^l\|^2 + \lambda_1\sum_l\sum_{ij}|w^l_{ij}|`.
    l2, l1
        :math:`\lambda_2` and :math:`\lambda_1` (weights only; biases are not penalised).
    init
        Weight initialisation, ``"xavier"``, ``"he"`` or ``"normal"`` (see :func:`initial_weights`);
        biases start at zero.
    seed
        Seed or ``numpy.random.Generator`` for the initial weights.
    dtype
        ``np.float64`` or ``np.float32`` for parameters and computations.

    Attributes
    ----------
    weights, biases
        ``weights[l]`` (shape ``(layer_sizes[l], layer_sizes[l + 1])``) and ``biases[l]`` are
        :math:`\boldsymbol W^{l+1}` and :math:`\boldsymbol b^{l+1}`; ``params`` lists them as
        ``[W, b, W, b, ...]`` (the same array objects, updated in place by the optimizers).
    layer_sizes, hidden_activations, output_activation, loss_name, l2, l1, dtype
        The architecture as validated (``hidden_activations`` has one name per hidden layer).
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        hidden_activation: str | Sequence[str] = "sigmoid",
        output_activation: str = "identity",
        loss: str = "mse",
        l2: float = 0.0,
        l1: float = 0.0,
        init: str = "xavier",
        seed: int | np.random.Generator = 0,
        dtype=np.float64,
    ):
        self.layer_sizes = _check_layer_sizes(layer_sizes)
        n_hidden = len(self.layer_sizes) - 2
        if isinstance(hidden_activation, str):
            hidden = [hidden_activation] * n_hidden
        elif isinstance(hidden_activation, Sequence):
            hidden = list(hidden_activation)
            if len(hidden) != n_hidden:
                raise ValueError(
                    f"hidden_activation lists {len(hidden)} activations, "
                    f"but layer_sizes has {n_hidden} hidden layers"
                )
        else:
            raise TypeError(
                f"hidden_activation must be a string or a list of strings, got {hidden_activation!r}"
            )
        for i, name in enumerate(hidden):
            _check_choice(name, f"hidden_activation[{i}]", HIDDEN_ACTIVATIONS)
        self.hidden_activations = hidden
        self.output_activation = _check_choice(output_activation, "output_activation", OUTPUT_ACTIVATIONS)
        self.loss_name = _check_choice(loss, "loss", tuple(LOSSES))
        needed = REQUIRED_OUTPUT[self.loss_name]
        if needed is not None and self.output_activation != needed:
            raise ValueError(
                f"loss={self.loss_name!r} compares probabilities and needs output_activation={needed!r}, "
                f"got output_activation={self.output_activation!r}"
            )
        if self.output_activation == "softmax" and self.layer_sizes[-1] < 2:
            raise ValueError(
                "output_activation='softmax' needs at least 2 output units (layer_sizes[-1] >= 2)"
            )
        self.l2 = float(check_scalar(l2, "l2", minimum=0.0))
        self.l1 = float(check_scalar(l1, "l1", minimum=0.0))
        self.init = _check_choice(init, "init", INITS)
        if dtype is None:
            raise TypeError("dtype must be np.float32 or np.float64, got None")
        try:
            self.dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"dtype must be np.float32 or np.float64, got {dtype!r}") from None
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be np.float32 or np.float64, got {dtype!r}")
        rng = as_rng(seed)
        sizes = self.layer_sizes
        # weights drawn in float64 and then rounded, so that both dtypes start from the same network
        self.weights = [
            initial_weights(n_in, n_out, init, rng).astype(self.dtype)
            for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
        ]
        self.biases = [np.zeros(n_out, dtype=self.dtype) for n_out in sizes[1:]]

    # ------------------------------------------------------------------ construction helpers
    @classmethod
    def from_weights(cls, weights: Sequence, biases: Sequence, **kwargs) -> MLP:
        """Build a network with given weights and biases (copied); ``kwargs`` as in :class:`MLP`.

        ``weights[l]`` must have shape ``(n_in, n_out)`` and consecutive matrices must chain:
        ``weights[l].shape[1] == weights[l + 1].shape[0]``.
        """
        if not isinstance(weights, Sequence) or not isinstance(biases, Sequence):
            raise TypeError("weights and biases must be lists of arrays")
        if len(weights) == 0 or len(weights) != len(biases):
            raise ValueError(
                "weights and biases must be non-empty lists of the same length, "
                f"got {len(weights)} and {len(biases)}"
            )
        mats = [as_float_array(w, f"weights[{i}]", ndim=2, nonempty=True) for i, w in enumerate(weights)]
        for i in range(len(mats) - 1):
            if mats[i].shape[1] != mats[i + 1].shape[0]:
                raise ValueError(
                    f"layers do not chain: weights[{i}] has shape {mats[i].shape} "
                    f"(outputs {mats[i].shape[1]}), "
                    f"but weights[{i + 1}] has shape {mats[i + 1].shape} (inputs {mats[i + 1].shape[0]})"
                )
        sizes = [mats[0].shape[0]] + [m.shape[1] for m in mats]
        model = cls(sizes, **kwargs)
        for i, (w, b) in enumerate(zip(mats, biases, strict=True)):
            b = as_float_array(b, f"biases[{i}]", ndim=1)
            if b.shape != (w.shape[1],):
                raise ValueError(f"biases[{i}] must have shape ({w.shape[1]},), got {b.shape}")
            model.weights[i][...] = w
            model.biases[i][...] = b
        return model

    def copy(self) -> MLP:
        """An independent copy (same architecture and parameter values)."""
        return copy.deepcopy(self)

    def __repr__(self) -> str:
        return (
            f"MLP({self.layer_sizes}, hidden_activation={self.hidden_activations}, "
            f"output_activation={self.output_activation!r}, loss={self.loss_name!r}, "
            f"l2={self.l2}, l1={self.l1}, dtype={self.dtype.name})"
        )

    # ------------------------------------------------------------------ parameters
    @property
    def params(self) -> list[np.ndarray]:
        """``[W^1, b^1, W^2, b^2, ...]``: the parameter arrays themselves (not copies)."""
        return [p for pair in zip(self.weights, self.biases, strict=True) for p in pair]

    @property
    def n_parameters(self) -> int:
        """Number of weights and biases, :math:`\\sum_l (M_{l-1}+1) M_l`."""
        return sum(p.size for p in self.params)

    @property
    def activation_names(self) -> list[str]:
        """Activation of every layer after the input: the hidden ones, then the output one."""
        return [*self.hidden_activations, self.output_activation]

    def _check_parameters(self) -> None:
        """Make sure the weights still chain (a user may have replaced an array)."""
        if len(self.weights) != len(self.layer_sizes) - 1 or len(self.biases) != len(self.weights):
            raise ValueError("weights and biases must hold one array per layer after the input")
        for l, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            want = (self.layer_sizes[l], self.layer_sizes[l + 1])
            if getattr(w, "shape", None) != want:
                raise ValueError(
                    f"weights[{l}] has shape {getattr(w, 'shape', None)} but must be {want} to connect "
                    f"layer {l} ({want[0]} units) to layer {l + 1} ({want[1]} units): the layers do not chain"
                )
            if getattr(b, "shape", None) != (want[1],):
                raise ValueError(
                    f"biases[{l}] has shape {getattr(b, 'shape', None)} but must be ({want[1]},)"
                )

    # ------------------------------------------------------------------ input checks
    def _check_X(self, X, name: str = "X") -> np.ndarray:
        X = as_float_array(X, name, ndim=2)
        if X.shape[0] == 0:
            raise ValueError(f"{name} must contain at least one sample (row), got shape {X.shape}")
        if X.shape[1] != self.layer_sizes[0]:
            raise ValueError(
                f"{name} has {X.shape[1]} features (columns), "
                f"but the input layer has {self.layer_sizes[0]} units"
            )
        with np.errstate(over="ignore"):
            cast = X.astype(self.dtype, copy=False)
        if cast is not X and not np.all(np.isfinite(cast)):
            raise ValueError(f"{name} has values too large for the network's dtype {self.dtype.name}")
        return cast

    def _check_targets(self, y, n: int, name: str = "y", x_name: str = "X") -> np.ndarray:
        """Targets as an ``(n, n_out)`` array; class labels become one-hot rows."""
        n_out = self.layer_sizes[-1]
        arr = as_float_array(y, name, ndim=(1, 2))
        if arr.shape[0] != n:
            raise ValueError(f"{name} has {arr.shape[0]} samples, but {x_name} has {n}")
        if self.loss_name == "cross_entropy" and arr.ndim == 1:
            if np.any(arr != np.round(arr)) or arr.min() < 0 or arr.max() >= n_out:
                raise ValueError(f"{name} as a 1-d array must hold integer class labels in [0, {n_out - 1}]")
            onehot = np.zeros((n, n_out), dtype=self.dtype)
            onehot[np.arange(n), arr.astype(int)] = 1
            return onehot
        if arr.ndim == 1:
            if n_out != 1:
                raise ValueError(
                    f"{name} has shape {arr.shape}, but the network has {n_out} outputs: "
                    f"pass an array of shape ({n}, {n_out})"
                )
            arr = arr[:, None]
        if arr.shape[1] != n_out:
            raise ValueError(
                f"{name} has shape {arr.shape}, but the network has {n_out} outputs; expected ({n}, {n_out})"
            )
        if self.loss_name == "cross_entropy":
            if arr.min() < 0 or not np.allclose(arr.sum(axis=1), 1.0, atol=1e-6):
                raise ValueError(
                    f"{name} for cross_entropy must hold one-hot (or probability) rows that sum to 1"
                )
        if self.loss_name == "binary_cross_entropy" and (arr.min() < 0 or arr.max() > 1):
            raise ValueError(f"{name} for binary_cross_entropy must lie in [0, 1]")
        return arr.astype(self.dtype, copy=False)

    # ------------------------------------------------------------------ the computation
    def _forward(self, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        r"""Feed forward; return every :math:`\boldsymbol Z^l` and :math:`\boldsymbol A^l` (``A[0] = X``)."""
        zs, activations = [], [X]
        for W, b, name in zip(self.weights, self.biases, self.activation_names, strict=True):
            z = activations[-1] @ W
            z += b
            zs.append(z)
            activations.append(_apply_activation(name, z))
        return zs, activations

    def _regularisation(self) -> float:
        r""":math:`\lambda_2\sum_l\|\boldsymbol W^l\|^2 + \lambda_1\sum_l\sum_{ij}|w^l_{ij}|`."""
        penalty = 0.0
        if self.l2:
            penalty += self.l2 * sum(float(np.vdot(W, W)) for W in self.weights)
        if self.l1:
            penalty += self.l1 * sum(float(np.abs(W).sum()) for W in self.weights)
        return penalty

    def _cost(self, output: np.ndarray, Y: np.ndarray) -> float:
        """The cost of a batch whose output activations are ``output``."""
        return _LOSS_CORES[self.loss_name][0](output, Y) + self._regularisation()

    def _output_delta(self, z: np.ndarray, a: np.ndarray, Y: np.ndarray) -> np.ndarray:
        r"""The output error :math:`\boldsymbol\delta^L` (equation BP1), one row per sample of the batch.

        In general :math:`\boldsymbol\delta^L = f'(\boldsymbol z^L)\circ\partial C/\partial\boldsymbol a^L`,
        including the factor :math:`1/n` of the mean over the batch.
        For softmax + cross-entropy and for sigmoid + binary cross-entropy the derivative of
        the activation cancels against the cost, and :math:`\boldsymbol\delta^L =
        (\boldsymbol a^L - \boldsymbol y)/n`; for identity + MSE it is
        :math:`2(\boldsymbol a^L - \boldsymbol y)/n`.
        """
        n = a.shape[0]
        if self.loss_name in ("cross_entropy", "binary_cross_entropy"):
            return (a - Y) / n
        if self.output_activation == "identity":
            return (2 / n) * (a - Y)
        return _activation_backward(self.output_activation, z, a, _LOSS_CORES["mse"][1](a, Y))

    def _backward(
        self, zs: list[np.ndarray], activations: list[np.ndarray], Y: np.ndarray
    ) -> list[np.ndarray]:
        r"""Backpropagation: the gradient of the cost with respect to ``params``.

        Starting from :math:`\boldsymbol\delta^L`, for :math:`l = L, \dots, 1`:
        :math:`\partial C/\partial\boldsymbol W^l = (\boldsymbol A^{l-1})^T\boldsymbol\Delta^l`,
        :math:`\partial C/\partial\boldsymbol b^l = \sum_i\boldsymbol\delta^l_i` (column sums of
        :math:`\boldsymbol\Delta^l`), and :math:`\boldsymbol\Delta^{l-1} =
        (\boldsymbol\Delta^l(\boldsymbol W^l)^T)\circ f'(\boldsymbol Z^{l-1})`.
        """
        n_layers = len(self.weights)
        grads = [None] * (2 * n_layers)
        delta = self._output_delta(zs[-1], activations[-1], Y)
        for l in range(n_layers - 1, -1, -1):
            W = self.weights[l]
            grad_W = activations[l].T @ delta
            if self.l2:
                grad_W += (2 * self.l2) * W
            if self.l1:
                grad_W += self.l1 * np.sign(W)
            grads[2 * l] = grad_W
            grads[2 * l + 1] = delta.sum(axis=0)
            if l > 0:
                derivative = _ACTIVATION_CORES[self.hidden_activations[l - 1]][1]
                delta = (delta @ W.T) * derivative(zs[l - 1], activations[l])
        return grads

    # ------------------------------------------------------------------ public interface
    def forward(self, X) -> np.ndarray:
        """Output activations :math:`\\boldsymbol a^L` for the rows of ``X`` (shape ``(n, n_out)``)."""
        self._check_parameters()
        return self._forward(self._check_X(X))[1][-1]

    def loss(self, X, y) -> float:
        """The cost :math:`C` (mean over the samples, plus the L2/L1 penalties)."""
        self._check_parameters()
        X = self._check_X(X)
        Y = self._check_targets(y, X.shape[0])
        return self._cost(self._forward(X)[1][-1], Y)

    def gradients(self, X, y) -> list[np.ndarray]:
        """Backpropagated gradients of :meth:`loss`, one array per entry of :attr:`params`."""
        self._check_parameters()
        X = self._check_X(X)
        Y = self._check_targets(y, X.shape[0])
        zs, activations = self._forward(X)
        return self._backward(zs, activations, Y)

    def loss_and_gradients(self, X, y) -> tuple[float, list[np.ndarray]]:
        """:meth:`loss` and :meth:`gradients` together, from a single forward pass."""
        self._check_parameters()
        X = self._check_X(X)
        Y = self._check_targets(y, X.shape[0])
        zs, activations = self._forward(X)
        return self._cost(activations[-1], Y), self._backward(zs, activations, Y)

    def predict(self, X) -> np.ndarray:
        """Class labels for the cross-entropies, otherwise the outputs (shape ``(n,)`` if one output)."""
        output = self.forward(X)
        if self.loss_name == "cross_entropy":
            return output.argmax(axis=1)
        if self.loss_name == "binary_cross_entropy":
            output = (output > 0.5).astype(int)
        return output[:, 0] if output.shape[1] == 1 else output

    def fit(
        self,
        X,
        y,
        optimizer,
        epochs: int = 10,
        batch_size: int = 32,
        seed: int | np.random.Generator = 0,
        X_val=None,
        y_val=None,
        patience: int | None = None,
    ) -> dict:
        """Train with mini-batch stochastic gradient descent and return the training history.

        Every epoch visits the training samples once, in a new random order, in batches of
        ``batch_size``; after each batch ``optimizer.step(params, gradients)`` updates the
        parameters in place (any optimizer of :mod:`physml.optim`). With validation data
        the validation cost is recorded after every epoch; with ``patience`` training stops
        once it has not improved for ``patience`` epochs, and the parameters of the best
        epoch are restored (early stopping).

        Returns ``{"train_loss": [...], "val_loss": [...], "best_epoch": int | None,
        "stopped_early": bool}``; ``train_loss`` is the mean cost over the epoch's batches.
        """
        self._check_parameters()
        X = self._check_X(X)
        Y = self._check_targets(y, X.shape[0])
        if not callable(getattr(optimizer, "step", None)):
            raise TypeError(
                f"optimizer must have a step(params, grads) method, got {type(optimizer).__name__}"
            )
        epochs = check_int(epochs, "epochs", minimum=1)
        batch_size = check_int(batch_size, "batch_size", minimum=1)
        rng = as_rng(seed)
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val must be given together")
        if X_val is not None:
            X_val = self._check_X(X_val, "X_val")
            Y_val = self._check_targets(y_val, X_val.shape[0], "y_val", "X_val")
        if patience is not None:
            if X_val is None:
                raise ValueError("patience (early stopping) needs validation data X_val, y_val")
            patience = check_int(patience, "patience", minimum=1)

        # physml's optimizers skip their per-step input checks here: the loss of every batch is checked
        update = optimizer._step if isinstance(optimizer, Optimizer) else optimizer.step
        history: dict = {"train_loss": [], "val_loss": [], "best_epoch": None, "stopped_early": False}
        best_val, best_params = np.inf, None
        step = 0
        epoch_range = progress(range(epochs), desc="epochs")  # silent while the book builds
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # divergence is caught below
            for epoch in epoch_range:
                total = 0.0
                for rows in minibatches(X.shape[0], batch_size, rng):
                    Y_batch = Y[rows]
                    zs, activations = self._forward(X[rows])
                    batch_loss = self._cost(activations[-1], Y_batch)
                    check_finite_loss(batch_loss, step)
                    update(self.params, self._backward(zs, activations, Y_batch))
                    total += batch_loss * len(rows)
                    step += 1
                history["train_loss"].append(total / X.shape[0])
                if X_val is None:
                    continue
                val_loss = self._cost(self._forward(X_val)[1][-1], Y_val)
                check_finite_loss(val_loss, step, "validation loss")
                history["val_loss"].append(val_loss)
                if val_loss < best_val:
                    best_val, history["best_epoch"] = val_loss, epoch
                    if patience is not None:
                        best_params = [p.copy() for p in self.params]
                elif patience is not None and epoch - history["best_epoch"] >= patience:
                    history["stopped_early"] = True
                    break
        if best_params is not None:
            for p, best in zip(self.params, best_params, strict=True):
                p[...] = best
        return history


def accuracy(model: MLP, X, labels) -> float:
    """Fraction of rows of ``X`` whose predicted class equals ``labels``.

    ``model`` must be a classifier: an :class:`MLP` with a cross-entropy loss.
    """
    check_type(model, MLP, "model", "physml.nn.MLP")
    if model.loss_name not in ("cross_entropy", "binary_cross_entropy"):
        raise ValueError(
            f"model must be a classifier (loss 'cross_entropy' or 'binary_cross_entropy'), "
            f"got loss={model.loss_name!r}: accuracy compares class labels"
        )
    labels = as_float_array(labels, "labels", ndim=1)
    predicted = model.predict(X)
    check_same_length(predicted, "X", labels, "labels")
    return float(np.mean(predicted == labels))


__all__ = ["MLP", "accuracy", "initial_weights"]
