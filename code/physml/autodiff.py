"""Automatic differentiation from scratch (chapter "Automatic differentiation").

Two small implementations of the chain rule, written to be read:

* Reverse mode on NumPy arrays. A :class:`Tensor` holds an array ``data`` and, after
  ``backward()``, its adjoint ``grad`` = dC/d(data). Every operation records its inputs
  (``parents``) and a short backward rule that adds "adjoint of the output times local
  derivative" to the adjoints of its inputs. The reverse sweep visits the nodes of the
  computational graph in reverse topological order. One sweep gives the derivative of
  one scalar with respect to *all* inputs: a vector-Jacobian product ybar^T J.
* Forward mode with dual numbers. A :class:`Dual` carries a value a and a tangent b,
  the number a + b eps with eps**2 = 0. Evaluating a function on duals gives
  f(a) + f'(a) b eps: one pass gives the derivative of *all* outputs along one input
  direction, a Jacobian-vector product J xdot.

The design follows micrograd (karpathy/micrograd), extended from scalars to arrays
with NumPy broadcasting: when an operand was broadcast, its adjoint is summed back
over the broadcast axes (:func:`unbroadcast`). The tests compare every rule with
``torch.autograd`` in double precision.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence

import numpy as np

from ._validate import as_float_array, check_bool, check_finite_result, check_int, check_scalar, check_string

# ---------------------------------------------------------------------------------------
# Reverse mode
# ---------------------------------------------------------------------------------------


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched, so that it has ``shape``.

    If z = x + y with x.shape == (3, 1) and y.shape == (4,), then z has shape (3, 4):
    x was copied along axis 1 and y along a new axis 0. Every copy contributes to the
    adjoint, so x.grad[i, 0] = sum_j z.grad[i, j] and y.grad[j] = sum_i z.grad[i, j].
    """
    grad = as_float_array(grad, "grad")
    if isinstance(shape, (str, bytes)) or not isinstance(shape, (tuple, list)):
        raise TypeError(f"shape must be a tuple of ints, got {type(shape).__name__}")
    for i, length in enumerate(shape):
        check_int(length, f"shape[{i}]", minimum=0)
    shape = tuple(int(length) for length in shape)
    try:
        compatible = np.broadcast_shapes(shape, grad.shape) == grad.shape
    except ValueError:
        compatible = False
    if not compatible:
        raise ValueError(f"shape {shape} does not broadcast to the shape {grad.shape} of grad")
    return _unbroadcast(grad, shape)


def _unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched, so that it has ``shape``.

    If z = x + y with x.shape == (3, 1) and y.shape == (4,), then z has shape (3, 4):
    x was copied along axis 1 and y along a new axis 0. Every copy contributes to the
    adjoint, so x.grad[i, 0] = sum_j z.grad[i, j] and y.grad[j] = sum_i z.grad[i, j].

    This is :func:`unbroadcast` without its input checks; the backward rules call it on every node.
    """
    grad = np.asarray(grad, dtype=float)
    while grad.ndim > len(shape):  # axes that broadcasting added in front
        grad = grad.sum(axis=0)
    for axis, length in enumerate(shape):  # axes of length 1 that were stretched
        if length == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


class Tensor:
    """A node of the computational graph: an array, its adjoint and the rule that made it.

    ``data``
        the value (a float64 NumPy array; a scalar is an array of shape ``()``);
    ``grad``
        the adjoint dC/d(data) of the output C after ``C.backward()``
        (same shape as ``data``, zero before);
    ``parents``, ``op``, ``backward_rule``
        the tensors this one was computed from, the operation's name and its backward
        rule (a leaf - an input or parameter - has no parents and ``op == "input"``).

    Leaves created by the user are validated: ``data`` must be array-like of finite numbers.
    The operations themselves keep IEEE arithmetic, as NumPy and torch do: ``1 / 0`` gives
    ``inf`` and ``0 / 0`` gives ``nan`` (NumPy may warn), not an error.
    """

    __array_ufunc__ = None  # make ``ndarray + Tensor`` call Tensor.__radd__ (and so on)

    def __init__(self, data, name: str | None = None):
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a string or None, got {type(name).__name__}")
        self.data = as_float_array(data, "data")
        self.grad = np.zeros_like(self.data)
        self.name = name
        self.parents: tuple[Tensor, ...] = ()
        self.op = "input"
        self.backward_rule: Callable[[], None] = _no_rule

    def accumulate(self, grad: np.ndarray) -> None:
        """Add a contribution to the adjoint, summed back over broadcast axes."""
        self.grad += unbroadcast(grad, self.data.shape)

    def _accumulate(self, grad: np.ndarray) -> None:
        """:meth:`accumulate` without input checks, for the backward rules."""
        self.grad += _unbroadcast(grad, self.data.shape)

    # -- properties ------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def T(self) -> Tensor:
        return self.transpose()

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, this one has shape {self.shape}")
        return float(self.data.reshape(()))

    def __repr__(self) -> str:
        label = f", name={self.name!r}" if self.name else ""
        return f"Tensor(shape={self.shape}, op={self.op!r}{label})"

    # -- binary operations (with broadcasting) ------------------------------------------
    def __add__(self, other) -> Tensor:
        """z = x + y.   Rule: x.grad += z.grad, y.grad += z.grad (each summed back to its shape)."""
        other = as_tensor(other, "other")
        _check_broadcast(self, other, "+")
        out = _make_node(self.data + other.data, (self, other), "add")

        def backward():
            self._accumulate(out.grad)
            other._accumulate(out.grad)

        out.backward_rule = backward
        return out

    def __sub__(self, other) -> Tensor:
        """z = x - y.   Rule: x.grad += z.grad, y.grad -= z.grad."""
        other = as_tensor(other, "other")
        _check_broadcast(self, other, "-")
        out = _make_node(self.data - other.data, (self, other), "sub")

        def backward():
            self._accumulate(out.grad)
            other._accumulate(-out.grad)

        out.backward_rule = backward
        return out

    def __mul__(self, other) -> Tensor:
        """z = x * y (element-wise).   Rule: x.grad += z.grad * y, y.grad += z.grad * x."""
        other = as_tensor(other, "other")
        _check_broadcast(self, other, "*")
        out = _make_node(self.data * other.data, (self, other), "mul")

        def backward():
            self._accumulate(out.grad * other.data)
            other._accumulate(out.grad * self.data)

        out.backward_rule = backward
        return out

    def __truediv__(self, other) -> Tensor:
        """z = x / y.   Rule: x.grad += z.grad / y, y.grad -= z.grad * x / y**2."""
        other = as_tensor(other, "other")
        _check_broadcast(self, other, "/")
        out = _make_node(self.data / other.data, (self, other), "div")

        def backward():
            self._accumulate(out.grad / other.data)
            other._accumulate(-out.grad * self.data / other.data**2)

        out.backward_rule = backward
        return out

    def __matmul__(self, other) -> Tensor:
        """Z = X @ Y.   Rule: X.grad += Z.grad @ Y.T, Y.grad += X.T @ Z.grad.

        Both operands are matrices or vectors; a vector on the left is treated as a row
        (shape (1, k)), a vector on the right as a column (shape (k, 1)).
        """
        other = as_tensor(other, "other")
        _check_matmul_shapes(self.shape, other.shape)
        out = _make_node(self.data @ other.data, (self, other), "matmul")

        def backward():
            x = self.data.reshape(-1, self.shape[-1])  # (1, k) for a vector
            y = other.data.reshape(other.shape[0], -1)  # (k, 1) for a vector
            g = out.grad.reshape(x.shape[0], y.shape[1])
            self._accumulate((g @ y.T).reshape(self.shape))
            other._accumulate((x.T @ g).reshape(other.shape))

        out.backward_rule = backward
        return out

    def __pow__(self, exponent) -> Tensor:
        """z = x**p for a real number p.   Rule: x.grad += z.grad * p * x**(p - 1)."""
        if isinstance(exponent, Tensor):
            raise TypeError("exponent must be a real number; a Tensor exponent is not supported")
        p = float(check_scalar(exponent, "exponent"))
        if not p.is_integer() and np.any(self.data < 0):
            raise ValueError(f"a negative base needs an integer exponent, got exponent={p}")
        out = _make_node(self.data**p, (self,), f"pow {p:g}")

        def backward():
            self._accumulate(out.grad * p * self.data ** (p - 1))

        out.backward_rule = backward
        return out

    def __neg__(self) -> Tensor:
        """z = -x.   Rule: x.grad -= z.grad."""
        out = _make_node(-self.data, (self,), "neg")

        def backward():
            self._accumulate(-out.grad)

        out.backward_rule = backward
        return out

    # reflected operators: ``2 * x``, ``1 - x``, ``array @ x`` ...
    def __radd__(self, other) -> Tensor:
        return as_tensor(other, "other") + self

    def __rsub__(self, other) -> Tensor:
        return as_tensor(other, "other") - self

    def __rmul__(self, other) -> Tensor:
        return as_tensor(other, "other") * self

    def __rtruediv__(self, other) -> Tensor:
        return as_tensor(other, "other") / self

    def __rmatmul__(self, other) -> Tensor:
        return as_tensor(other, "other") @ self

    # -- element-wise functions ---------------------------------------------------------
    def exp(self) -> Tensor:
        """z = exp(x).   Rule: x.grad += z.grad * exp(x) = z.grad * z."""
        out = _make_node(np.exp(self.data), (self,), "exp")

        def backward():
            self._accumulate(out.grad * out.data)

        out.backward_rule = backward
        return out

    def log(self) -> Tensor:
        """z = log(x) for x > 0.   Rule: x.grad += z.grad / x."""
        if np.any(self.data <= 0):
            raise ValueError("log needs a tensor with positive entries; this one has entries <= 0")
        out = _make_node(np.log(self.data), (self,), "log")

        def backward():
            self._accumulate(out.grad / self.data)

        out.backward_rule = backward
        return out

    def sin(self) -> Tensor:
        """z = sin(x).   Rule: x.grad += z.grad * cos(x)."""
        out = _make_node(np.sin(self.data), (self,), "sin")

        def backward():
            self._accumulate(out.grad * np.cos(self.data))

        out.backward_rule = backward
        return out

    def cos(self) -> Tensor:
        """z = cos(x).   Rule: x.grad -= z.grad * sin(x)."""
        out = _make_node(np.cos(self.data), (self,), "cos")

        def backward():
            self._accumulate(-out.grad * np.sin(self.data))

        out.backward_rule = backward
        return out

    def tanh(self) -> Tensor:
        """z = tanh(x).   Rule: x.grad += z.grad * (1 - z**2)."""
        out = _make_node(np.tanh(self.data), (self,), "tanh")

        def backward():
            self._accumulate(out.grad * (1.0 - out.data**2))

        out.backward_rule = backward
        return out

    def sigmoid(self) -> Tensor:
        """z = 1 / (1 + exp(-x)).   Rule: x.grad += z.grad * z * (1 - z)."""
        # 1/(1 + e^{-x}) = (1 + tanh(x/2)) / 2 is the same function without overflow for x << 0
        out = _make_node(0.5 * (1.0 + np.tanh(0.5 * self.data)), (self,), "sigmoid")

        def backward():
            self._accumulate(out.grad * out.data * (1.0 - out.data))

        out.backward_rule = backward
        return out

    def relu(self) -> Tensor:
        """z = max(x, 0).   Rule: x.grad += z.grad * (x > 0)  (derivative 0 taken at x = 0)."""
        out = _make_node(np.maximum(self.data, 0.0), (self,), "relu")

        def backward():
            self._accumulate(out.grad * (self.data > 0))

        out.backward_rule = backward
        return out

    def __abs__(self) -> Tensor:
        """z = |x|.   Rule: x.grad += z.grad * sign(x)  (derivative 0 taken at x = 0)."""
        out = _make_node(np.abs(self.data), (self,), "abs")

        def backward():
            self._accumulate(out.grad * np.sign(self.data))

        out.backward_rule = backward
        return out

    # -- reductions and shape changes ----------------------------------------------------
    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """z = sum of x over ``axis`` (all axes if None).   Rule: x.grad += z.grad copied to every summand."""
        axes = _normalise_axis(axis, self.ndim)
        check_bool(keepdims, "keepdims")
        out = _make_node(self.data.sum(axis=axes, keepdims=keepdims), (self,), "sum")

        def backward():
            g = out.grad if keepdims else np.expand_dims(out.grad, axes)
            self._accumulate(np.broadcast_to(g, self.shape))

        out.backward_rule = backward
        return out

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """z = mean of x over ``axis`` (N terms).   Rule: x.grad += z.grad / N copied to every term."""
        axes = _normalise_axis(axis, self.ndim)
        check_bool(keepdims, "keepdims")
        count = math.prod(self.shape[a] for a in axes)
        out = _make_node(self.data.mean(axis=axes, keepdims=keepdims), (self,), "mean")

        def backward():
            g = out.grad if keepdims else np.expand_dims(out.grad, axes)
            self._accumulate(np.broadcast_to(g, self.shape) / count)

        out.backward_rule = backward
        return out

    def transpose(self, axes: Sequence[int] | None = None) -> Tensor:
        """z = x with its axes permuted (reversed if ``axes`` is None).   Rule: z.grad permuted back."""
        perm = tuple(reversed(range(self.ndim))) if axes is None else _normalise_axis(axes, self.ndim, "axes")
        if len(perm) != self.ndim:
            raise ValueError(f"axes must be a permutation of {self.ndim} axes, got {axes}")
        out = _make_node(np.transpose(self.data, perm), (self,), "transpose")

        def backward():
            self._accumulate(np.transpose(out.grad, np.argsort(perm)))

        out.backward_rule = backward
        return out

    def reshape(self, *shape) -> Tensor:
        """z = the numbers of x in a new shape.   Rule: x.grad += z.grad reshaped back."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        for i, length in enumerate(shape):
            check_int(length, f"shape[{i}]", minimum=-1)
        if list(shape).count(-1) > 1:
            raise ValueError(f"shape may contain -1 (an inferred length) only once, got {shape}")
        try:
            new = self.data.reshape(shape)
        except (TypeError, ValueError) as err:
            raise ValueError(f"shape {shape} does not fit a tensor of shape {self.shape}: {err}") from None
        out = _make_node(new, (self,), "reshape")

        def backward():
            self._accumulate(out.grad.reshape(self.shape))

        out.backward_rule = backward
        return out

    # -- the reverse sweep -------------------------------------------------------------
    def topological_order(self) -> list[Tensor]:
        """Every node this tensor depends on, each listed after all of its parents.

        A depth-first search that appends a node once all its parents are done
        (written with an explicit stack, so that long chains do not hit Python's
        recursion limit).
        """
        order: list[Tensor] = []
        visited: set[Tensor] = set()
        stack: list[tuple[Tensor, bool]] = [(self, False)]
        while stack:
            node, parents_done = stack.pop()
            if parents_done:
                order.append(node)
            elif node not in visited:
                visited.add(node)
                stack.append((node, True))
                # reversed, so that the first parent is popped (and listed) first
                stack.extend((p, False) for p in reversed(node.parents) if p not in visited)
        return order

    def backward(self, grad=None) -> None:
        """Reverse sweep: fill ``grad`` of every node this tensor depends on.

        The seed is ybar = ``grad`` (default 1 for a one-element tensor y); afterwards every
        leaf holds the vector-Jacobian product sum_k ybar_k dy_k/d(leaf).
        As in PyTorch, leaf gradients *accumulate* over calls (reset them with
        :meth:`zero_grad`); adjoints of intermediate nodes restart from zero at each call.
        """
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    f"grad must be given when backward() is called on a tensor of shape {self.shape}; "
                    "only a one-element tensor has the default seed 1"
                )
            grad = np.ones_like(self.data)
        else:
            grad = as_float_array(grad, "grad")
            if grad.shape != self.shape:
                raise ValueError(f"grad must have the tensor's shape {self.shape}, got {grad.shape}")
        order = self.topological_order()
        for node in order:
            if node.parents:  # an intermediate node: its adjoint restarts from zero
                node.grad = np.zeros_like(node.data)
        self.grad += grad
        for node in reversed(order):  # outputs before inputs
            node.backward_rule()

    def zero_grad(self) -> None:
        """Set the adjoint of this tensor to zero (e.g. a parameter before the next backward)."""
        self.grad = np.zeros_like(self.data)


def _no_rule() -> None:
    """The backward rule of a leaf: nothing to propagate."""


def make_node(data, parents: tuple[Tensor, ...], op: str) -> Tensor:
    """A new node of the graph with value ``data``, computed from ``parents`` by ``op``.

    The caller attaches the backward rule, a function without arguments that adds the
    node's adjoint times the local derivatives to the parents' ``grad``
    (``out.backward_rule = rule``). ``data`` must be array-like of finite real numbers
    (``None``, object arrays and complex values are a ``TypeError``, NaN or inf a
    ``ValueError``); the built-in operations call the unchecked core ``_make_node``, so
    their results keep IEEE arithmetic.
    """
    if not isinstance(parents, (tuple, list)) or not all(isinstance(p, Tensor) for p in parents):
        raise TypeError(f"parents must be a tuple of Tensors, got {parents!r}")
    check_string(op, "op")
    if isinstance(data, Tensor):
        raise TypeError("data must be an array (the value of the new node), got a Tensor; pass its .data")
    if isinstance(data, np.ndarray) and data.dtype == object:
        raise TypeError("data must be an array of numbers, got an object array")
    return _make_node(as_float_array(data, "data"), parents, op)


def _make_node(data, parents: tuple[Tensor, ...], op: str) -> Tensor:
    """:func:`make_node` without input checks, for the operations (inf and NaN follow IEEE)."""
    out = Tensor.__new__(Tensor)
    out.data = np.asarray(data, dtype=float)
    out.grad = np.zeros_like(out.data)
    out.name = None
    out.parents = tuple(parents)
    out.op = op
    out.backward_rule = _no_rule
    return out


def as_tensor(x, name: str = "x") -> Tensor:
    """Return ``x`` if it is a :class:`Tensor`, else a new constant leaf made from array-like ``x``."""
    check_string(name, "name")
    if isinstance(x, Tensor):
        return x
    if isinstance(x, Dual):
        raise TypeError(f"{name} is a Dual (forward mode); it cannot be combined with a Tensor")
    return Tensor(as_float_array(x, name))


def _check_broadcast(x: Tensor, other: Tensor, op: str) -> None:
    """Raise a ValueError naming the operands when their shapes do not broadcast."""
    try:
        np.broadcast_shapes(x.shape, other.shape)
    except ValueError:
        raise ValueError(
            f"shapes do not broadcast in self {op} other: "
            f"self has shape {x.shape}, other has shape {other.shape}"
        ) from None


def _check_matmul_shapes(shape_a: tuple[int, ...], shape_b: tuple[int, ...]) -> None:
    if len(shape_a) not in (1, 2) or len(shape_b) not in (1, 2):
        raise ValueError(
            f"matmul needs vectors or matrices, got shapes {shape_a} (self) and {shape_b} (other)"
        )
    if shape_a[-1] != shape_b[0]:
        raise ValueError(
            f"matmul shape mismatch: self has shape {shape_a} and other has shape {shape_b} "
            f"(inner dimensions {shape_a[-1]} and {shape_b[0]} differ)"
        )


def _normalise_axis(axis, ndim: int, name: str = "axis") -> tuple[int, ...]:
    """``axis`` (None, an int or a sequence of ints) as a tuple of distinct non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, numbers.Integral) and not isinstance(axis, bool):
        axes = (axis,)
    elif isinstance(axis, (tuple, list)):
        axes = tuple(axis)
    else:
        raise TypeError(f"{name} must be an int, a sequence of ints or None, got {axis!r}")
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, numbers.Integral):
            raise TypeError(f"{name} must be an int, a sequence of ints or None, got {axis!r}")
        if not -ndim <= a < ndim:
            raise ValueError(f"{name}={a} is out of range for a tensor with {ndim} dimensions")
    axes = tuple(int(a) % ndim for a in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{name} contains a repeated axis: {axis!r}")
    return axes


def gradient(f: Callable[..., Tensor], *arrays) -> tuple[float, list[np.ndarray]]:
    """Value and gradient of a scalar function of arrays, by one forward and one reverse sweep.

    ``f`` takes one :class:`Tensor` per array and returns a one-element Tensor C;
    the result is C and the list [dC/d(arrays[0]), dC/d(arrays[1]), ...].
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    arrays = [as_float_array(a, f"arrays[{k}]", nonempty=True) for k, a in enumerate(arrays)]
    leaves = [Tensor(a, name=f"arrays[{k}]") for k, a in enumerate(arrays)]
    cost = f(*leaves)
    if not isinstance(cost, Tensor):
        raise TypeError(f"f must return a Tensor, got {type(cost).__name__}")
    cost.backward()
    return cost.item(), [leaf.grad for leaf in leaves]


# ---------------------------------------------------------------------------------------
# A multilayer perceptron written with Tensor operations
# ---------------------------------------------------------------------------------------


def log_softmax(z: Tensor, axis: int = -1) -> Tensor:
    """log softmax(z) = z - log(sum_k exp(z_k)) along ``axis``, composed of primitive operations.

    The row maximum m is subtracted first, z - m - log(sum_k exp(z_k - m)): the same
    function, without overflow. m is a constant for the graph; since the function does
    not depend on m, its derivative is still exact.
    """
    z = _nonempty_tensor(z, "z")
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"axis must be an int, got {type(axis).__name__}")
    _normalise_axis(axis, z.ndim)
    shifted = z - z.data.max(axis=axis, keepdims=True)
    return shifted - shifted.exp().sum(axis=axis, keepdims=True).log()


def _nonempty_tensor(z, name: str) -> Tensor:
    z = as_tensor(z, name)
    if z.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {z.shape}")
    return z


def softmax(z: Tensor, axis: int = -1) -> Tensor:
    """softmax(z)_k = exp(z_k) / sum_j exp(z_j) along ``axis``, as exp(log_softmax(z))."""
    return log_softmax(z, axis).exp()


def leaky_relu(z: Tensor, slope: float = 0.01) -> Tensor:
    """z for z > 0, slope * z otherwise, written as relu(z) - slope * relu(-z)."""
    z = _nonempty_tensor(z, "z")
    slope = float(check_scalar(slope, "slope", minimum=0.0))
    return z.relu() - slope * (-z).relu()


_HIDDEN = {
    "sigmoid": Tensor.sigmoid,
    "tanh": Tensor.tanh,
    "relu": Tensor.relu,
    "leaky_relu": leaky_relu,
    "identity": lambda z: z,
}
_LOSSES = {"mse": None, "cross_entropy": "softmax", "binary_cross_entropy": "sigmoid"}


def mlp_cost(
    params: Sequence[Tensor],
    X,
    Y,
    hidden_activation: str | Sequence[str] = "sigmoid",
    output_activation: str = "identity",
    loss: str = "mse",
    l2: float = 0.0,
    l1: float = 0.0,
) -> Tensor:
    """The cost of a multilayer perceptron, built from Tensor operations only.

    ``params = [W1, b1, W2, b2, ...]`` with W of shape (n_in, n_out); the samples are the
    rows of ``X``: Z^l = A^(l-1) @ W^l + b^l and A^l = f(Z^l). ``Y`` holds the targets
    (one-hot rows for ``"cross_entropy"``). The cost is the mean over the n samples of

    * ``"mse"``: sum_k (a_k - y_k)^2 (any output activation);
    * ``"cross_entropy"``: -sum_k y_k log softmax(z)_k (needs ``output_activation="softmax"``);
    * ``"binary_cross_entropy"``: -sum_k [y_k log a_k + (1 - y_k) log(1 - a_k)] (sigmoid output),

    plus l2 * sum ||W||^2 + l1 * sum |W| over the weight matrices. Nothing here is
    differentiated by hand: ``mlp_cost(...).backward()`` does it.
    """
    if isinstance(params, Tensor) or not isinstance(params, Sequence) or len(params) % 2 or not params:
        raise TypeError("params must be a list [W1, b1, W2, b2, ...] of Tensors")
    params = [as_tensor(p, f"params[{k}]") for k, p in enumerate(params)]
    weights, biases = params[0::2], params[1::2]
    n_hidden = len(weights) - 1
    if not isinstance(hidden_activation, (str, Sequence)):
        raise TypeError(f"hidden_activation must be a string or a list of strings, got {hidden_activation!r}")
    hidden = [hidden_activation] * n_hidden if isinstance(hidden_activation, str) else list(hidden_activation)
    if len(hidden) != n_hidden or any(h not in _HIDDEN for h in hidden):
        raise ValueError(f"hidden_activation must be one of {tuple(_HIDDEN)} or a list of {n_hidden} of them")
    if loss not in _LOSSES:
        raise ValueError(f"loss must be one of {tuple(_LOSSES)}, got {loss!r}")
    if output_activation not in ("identity", "sigmoid", "softmax"):
        raise ValueError(
            f"output_activation must be 'identity', 'sigmoid' or 'softmax', got {output_activation!r}"
        )
    if _LOSSES[loss] not in (None, output_activation):
        raise ValueError(f"loss={loss!r} needs output_activation={_LOSSES[loss]!r}")
    l2 = float(check_scalar(l2, "l2", minimum=0.0))
    l1 = float(check_scalar(l1, "l1", minimum=0.0))
    a = as_tensor(as_float_array(X, "X", ndim=2, nonempty=True), "X")
    Y = as_tensor(as_float_array(Y, "Y", ndim=2, nonempty=True), "Y")
    _check_mlp_shapes(weights, biases, a.shape, Y.shape)
    n = a.shape[0]

    for W, b, f in zip(weights[:-1], biases[:-1], hidden, strict=True):
        a = _HIDDEN[f](a @ W + b)
    z = a @ weights[-1] + biases[-1]

    if loss == "cross_entropy":
        data_cost = -(Y * log_softmax(z, axis=1)).sum() / n
    elif loss == "binary_cross_entropy":
        p = z.sigmoid()
        data_cost = -(Y * p.log() + (1 - Y) * (1 - p).log()).sum() / n
    else:
        output = {"identity": lambda t: t, "sigmoid": Tensor.sigmoid, "softmax": softmax}[output_activation]
        data_cost = ((output(z) - Y) ** 2).sum() / n

    cost = data_cost
    if l2:
        cost = cost + l2 * sum((W * W).sum() for W in weights)
    if l1:
        cost = cost + l1 * sum(abs(W).sum() for W in weights)
    return cost


def _check_mlp_shapes(weights: list[Tensor], biases: list[Tensor], x_shape, y_shape) -> None:
    """The layers of :func:`mlp_cost` must chain from the columns of X to the columns of Y."""
    width = x_shape[1]
    if not weights:
        raise ValueError("params must hold at least one layer [W1, b1]")
    if weights[0].ndim == 2 and weights[0].shape[0] != width:
        raise ValueError(
            f"X has {width} columns, but params[0] has shape {weights[0].shape} ({weights[0].shape[0]} rows)"
        )
    for l, (W, b) in enumerate(zip(weights, biases, strict=True)):
        if W.ndim != 2 or W.shape[0] != width:
            raise ValueError(
                f"params[{2 * l}] must be a weight matrix of shape ({width}, n_out), got shape {W.shape}"
            )
        width = W.shape[1]
        if b.shape != (width,):
            raise ValueError(
                f"params[{2 * l + 1}] must be a bias vector of shape ({width},), got shape {b.shape}"
            )
    if y_shape != (x_shape[0], width):
        raise ValueError(
            f"Y must have shape ({x_shape[0]}, {width}) (one row per sample of X), got {y_shape}"
        )


# ---------------------------------------------------------------------------------------
# Forward mode: dual numbers
# ---------------------------------------------------------------------------------------


def _real(x, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__}")
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    return float(x)


def _dual(value: float, deriv: float) -> Dual:
    """A Dual from the result of an operation (no checks: inf and NaN follow IEEE arithmetic)."""
    out = Dual.__new__(Dual)
    out.value = value
    out.deriv = deriv
    return out


def _divide(a: float, b: float) -> float:
    """a / b with the IEEE result for b = 0 (+-inf, or NaN for 0 / 0), as NumPy gives."""
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _power(a: float, p: float) -> float:
    """a**p with the IEEE result (inf) when it overflows or divides by zero."""
    try:
        return a**p
    except OverflowError:
        return math.inf if a > 0 or p % 2 == 0 else -math.inf
    except ZeroDivisionError:  # 0.0 ** negative
        return math.inf


class Dual:
    """The dual number a + b eps with eps**2 = 0 (forward mode).

    ``value`` is a, ``deriv`` the tangent b. Since f(a + b eps) = f(a) + f'(a) b eps,
    every operation maps (value, tangent) to (value, tangent) by the chain rule, so
    the derivative is carried along with the computation.

    The constructor refuses NaN and inf, but the arithmetic keeps IEEE semantics, as NumPy
    and torch do: ``Dual(1.0) / 0`` has value ``inf`` and ``Dual(0.0) / 0`` value ``nan``,
    without an error.
    """

    def __init__(self, value: float, deriv: float = 0.0):
        self.value = _real(value, "value")
        self.deriv = _real(deriv, "deriv")

    def __repr__(self) -> str:
        return f"Dual({self.value!r}, {self.deriv!r})"

    def __add__(self, other) -> Dual:
        other = as_dual(other, "other")
        return _dual(self.value + other.value, self.deriv + other.deriv)

    def __sub__(self, other) -> Dual:
        other = as_dual(other, "other")
        return _dual(self.value - other.value, self.deriv - other.deriv)

    def __mul__(self, other) -> Dual:
        """(a + b eps)(c + d eps) = ac + (ad + bc) eps: the product rule."""
        other = as_dual(other, "other")
        return _dual(self.value * other.value, self.value * other.deriv + self.deriv * other.value)

    def __truediv__(self, other) -> Dual:
        other = as_dual(other, "other")
        quotient = _divide(self.value, other.value)
        return _dual(quotient, _divide(self.deriv - quotient * other.deriv, other.value))

    def __pow__(self, exponent) -> Dual:
        p = _real(exponent, "exponent")
        if not p.is_integer() and self.value < 0:
            raise ValueError(f"a negative base needs an integer exponent, got exponent={p}")
        return _dual(_power(self.value, p), p * _power(self.value, p - 1) * self.deriv)

    def __neg__(self) -> Dual:
        return _dual(-self.value, -self.deriv)

    def __radd__(self, other) -> Dual:
        return as_dual(other, "other") + self

    def __rsub__(self, other) -> Dual:
        return as_dual(other, "other") - self

    def __rmul__(self, other) -> Dual:
        return as_dual(other, "other") * self

    def __rtruediv__(self, other) -> Dual:
        return as_dual(other, "other") / self

    def exp(self) -> Dual:
        try:
            e = math.exp(self.value)
        except OverflowError:  # IEEE, as NumPy and Tensor.exp: exp of a large value is inf
            e = math.inf
        return _dual(e, e * self.deriv)

    def log(self) -> Dual:
        if self.value <= 0:
            raise ValueError(f"log needs a positive value, got {self.value}")
        return _dual(math.log(self.value), _divide(self.deriv, self.value))

    def sin(self) -> Dual:
        return _dual(math.sin(self.value), math.cos(self.value) * self.deriv)

    def cos(self) -> Dual:
        return _dual(math.cos(self.value), -math.sin(self.value) * self.deriv)

    def tanh(self) -> Dual:
        t = math.tanh(self.value)
        return _dual(t, (1.0 - t * t) * self.deriv)

    def sigmoid(self) -> Dual:
        s = 0.5 * (1.0 + math.tanh(0.5 * self.value))
        return _dual(s, s * (1.0 - s) * self.deriv)

    def relu(self) -> Dual:
        return _dual(max(self.value, 0.0), self.deriv if self.value > 0 else 0.0)

    def __abs__(self) -> Dual:
        sign = (self.value > 0) - (self.value < 0)  # sign(0) = 0, as for Tensor and PyTorch
        return _dual(abs(self.value), sign * self.deriv)


def as_dual(x, name: str = "x") -> Dual:
    """Return ``x`` if it is a :class:`Dual`, else the constant ``Dual(x, 0)``."""
    check_string(name, "name")
    if isinstance(x, Dual):
        return x
    if isinstance(x, Tensor):
        raise TypeError(f"{name} is a Tensor (reverse mode); it cannot be combined with a Dual")
    return _dual(_real(x, name), 0.0)


# Element-wise functions that work on both kinds of numbers, so that one Python
# function can be differentiated in forward mode (Dual) and reverse mode (Tensor).


def _apply(method: str, x):
    if isinstance(x, (Tensor, Dual)):
        return getattr(x, method)()
    return getattr(as_tensor(x, "x"), method)()


def exp(x):
    """exp(x) for a Tensor, a Dual or array-like (which becomes a constant Tensor)."""
    return _apply("exp", x)


def log(x):
    """log(x) for a Tensor, a Dual or array-like."""
    return _apply("log", x)


def sin(x):
    """sin(x) for a Tensor, a Dual or array-like."""
    return _apply("sin", x)


def cos(x):
    """cos(x) for a Tensor, a Dual or array-like."""
    return _apply("cos", x)


def tanh(x):
    """tanh(x) for a Tensor, a Dual or array-like."""
    return _apply("tanh", x)


def sigmoid(x):
    """1 / (1 + exp(-x)) for a Tensor, a Dual or array-like."""
    return _apply("sigmoid", x)


def relu(x):
    """max(x, 0) for a Tensor, a Dual or array-like."""
    return _apply("relu", x)


def derivative_forward(f: Callable, x: float) -> tuple[float, float]:
    """Value and derivative of a scalar function at ``x`` by one forward pass: f(x + eps)."""
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    y = as_dual(f(Dual(_real(x, "x"), 1.0)), "f(x)")
    return y.value, y.deriv


def _as_vector(x, name: str) -> np.ndarray:
    return as_float_array(x, name, ndim=1)


def jacobian_forward(f: Callable, x) -> tuple[np.ndarray, int]:
    """Jacobian J[i, j] = d f_i / d x_j of f: R^n -> R^m in forward mode.

    ``f`` takes a list of ``n`` scalars and returns a sequence of ``m`` scalars. Pass
    j seeds the tangents with the unit vector e_j and yields column j of the Jacobian,
    J e_j; it takes ``n`` passes. Returns ``(jacobian, n_passes)``.
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    x = _as_vector(x, "x")
    if x.size == 0:
        raise ValueError("x must not be empty")
    columns = []
    for j in range(len(x)):
        inputs = [Dual(float(xi), 1.0 if i == j else 0.0) for i, xi in enumerate(x)]
        outputs = [as_dual(y, "f(x)") for y in f(inputs)]
        columns.append([y.deriv for y in outputs])
    return np.array(columns, dtype=float).T.reshape(-1, len(x)), len(x)


def jacobian_reverse(f: Callable, x) -> tuple[np.ndarray, int]:
    """Jacobian of f: R^n -> R^m in reverse mode.

    One forward pass records the graph; reverse sweep i seeds the adjoint of output i
    with 1 (the others with 0) and yields row i of the Jacobian, e_i^T J; it takes
    ``m`` sweeps. ``f`` is the same kind of function as for :func:`jacobian_forward`.
    Returns ``(jacobian, n_sweeps)``.
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    x = _as_vector(x, "x")
    if x.size == 0:
        raise ValueError("x must not be empty")
    inputs = [Tensor(float(xi), name=f"x{i}") for i, xi in enumerate(x)]
    outputs = [as_tensor(y, "f(x)") for y in f(inputs)]
    rows = []
    for y in outputs:
        for leaf in inputs:
            leaf.zero_grad()
        y.backward()
        rows.append([leaf.grad.item() for leaf in inputs])
    return np.array(rows, dtype=float).reshape(-1, len(x)), len(outputs)


# ---------------------------------------------------------------------------------------
# Finite differences (the approximation automatic differentiation replaces)
# ---------------------------------------------------------------------------------------


def finite_difference(f: Callable[[float], float], x: float, h: float, scheme: str = "forward") -> float:
    """Finite-difference derivative of a scalar function.

    ``"forward"``: (f(x + h) - f(x)) / h, truncation error O(h);
    ``"central"``: (f(x + h) - f(x - h)) / (2h), truncation error O(h**2).
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    x = _real(x, "x")
    h = float(check_scalar(h, "h", minimum=0.0, include_min=False))
    if scheme not in ("forward", "central"):
        raise ValueError(f"scheme must be 'forward' or 'central', got {scheme!r}")
    if scheme == "forward":
        result = (f(x + h) - f(x)) / h
    else:
        result = (f(x + h) - f(x - h)) / (2.0 * h)
    check_finite_result(result, "f", f"near x = {x} (the difference quotient is not finite)")
    return result


def numerical_gradient(f: Callable[[np.ndarray], float], x, h: float = 1e-6) -> np.ndarray:
    """Central-difference gradient: df/dx_k ~ (f(x + h e_k) - f(x - h e_k)) / (2h) for every k."""
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    x = as_float_array(x, "x", nonempty=True)
    h = float(check_scalar(h, "h", minimum=0.0, include_min=False))
    grad = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[k] = h
        grad[k] = (f(x + step) - f(x - step)) / (2.0 * h)
    check_finite_result(grad, "f", "near x (the central differences are not finite)")
    return grad


# ---------------------------------------------------------------------------------------
# Looking at a graph
# ---------------------------------------------------------------------------------------


def graph_depths(root: Tensor) -> dict[Tensor, int]:
    """The depth of every node of the graph of ``root``: 0 for a leaf, else 1 + the largest
    depth of its parents. Nodes are returned sorted by depth, which is an evaluation order.
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"root must be a Tensor, got {type(root).__name__}")
    depth: dict[Tensor, int] = {}
    for node in root.topological_order():
        depth[node] = 1 + max((depth[p] for p in node.parents), default=-1)
    return dict(sorted(depth.items(), key=lambda item: item[1]))


def node_labels(root: Tensor) -> dict[Tensor, str]:
    """A label for every node of the graph of ``root``: its ``name``, or v1, v2, ... by depth."""
    labels, k = {}, 0
    for node in graph_depths(root):
        if node.name:
            labels[node] = node.name
        else:
            k += 1
            labels[node] = f"v{k}"
    return labels


def graph_table(root: Tensor) -> list[dict[str, object]]:
    """One row per node of the graph of ``root`` in evaluation order: label, operation, inputs,
    primal value and adjoint (call ``root.backward()`` first to fill the adjoints).
    Values and adjoints of one-element tensors are given as floats, others as arrays.
    """
    labels = node_labels(root)

    def show(a: np.ndarray):
        return float(a.reshape(())) if a.size == 1 else a.copy()

    return [
        {
            "node": labels[node],
            "operation": node.op,
            "inputs": ", ".join(labels[p] for p in node.parents),
            "value": show(node.data),
            "adjoint": show(node.grad),
        }
        for node in labels
    ]


def draw_graph(root: Tensor, ax=None):
    """Draw the computational graph of ``root``: inputs on the left, each node one column
    to the right of its deepest input, arrows along the flow of values. Returns the axes.
    """
    import matplotlib.axes
    import matplotlib.pyplot as plt

    if ax is not None and not isinstance(ax, matplotlib.axes.Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    labels = node_labels(root)
    depth = graph_depths(root)
    order = list(depth)
    columns: dict[int, list[Tensor]] = {}
    for node in order:
        columns.setdefault(depth[node], []).append(node)
    position = {}
    for d, nodes in columns.items():
        for i, node in enumerate(nodes):
            position[node] = (d, (len(nodes) - 1) / 2 - i)
    if ax is None:
        _, ax = plt.subplots(figsize=(1.6 * (len(columns) + 1), 1.1 * max(map(len, columns.values())) + 1))
    for node in order:
        for parent in node.parents:
            ax.annotate(
                "",
                xy=position[node],
                xytext=position[parent],
                arrowprops={"arrowstyle": "-|>", "color": "0.4", "shrinkA": 22, "shrinkB": 22},
            )
    for node in order:
        leaf = not node.parents
        text = labels[node] if leaf else f"{labels[node]}\n{node.op}"
        ax.text(
            *position[node],
            text,
            ha="center",
            va="center",
            bbox={"boxstyle": "round", "facecolor": "#cfe3f3" if leaf else "#f6dcc8", "edgecolor": "0.3"},
        )
    xs = [p[0] for p in position.values()]
    ys = [p[1] for p in position.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.7, max(ys) + 0.7)
    ax.set_axis_off()
    return ax
