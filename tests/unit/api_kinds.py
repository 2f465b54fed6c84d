"""The vocabulary of argument kinds used by the API contract layer (``test_api_contract.py``).

Each kind wraps a *valid* value of an argument and knows which values are invalid for an
argument of that kind. A bad variant is either a fixed value or a hypothesis strategy
(e.g. a NaN at a random position of an array, a random negative rate). The kinds are few
on purpose; the example table (``api_examples.py``) declares one for every argument.

=================  ======================================================================
kind               invalid values tried
=================  ======================================================================
``Arr``            NaN or inf at a random position, complex, a string, string entries,
                   ``None``, an empty array (unless ``empty_ok``), a wrong number of
                   dimensions (if ``ndim`` is given)
``Real``           NaN, +-inf, a string, ``None``, complex, a bool, values outside
                   ``[minimum, maximum]`` (random)
``Int``            a float, a string, ``None``, a bool, NaN, values below ``minimum``
``Flag``           ``"no"``, ``1``, ``None``
``Rng``            a negative seed, a float, a string, ``None``, a bool
``Obj``            ``None``, a string, a number, ``object()`` and the ``wrong`` objects given
``Fn``             ``None``, a number, a string
``Iterable``       ``None``, a number, ``object()``
``Choice``         an unknown string, ``None``, a number
``Str``            a number, ``None``
``Device``         an unknown device string, a number, ``None`` (and "cuda" without CUDA)
``T``              a torch tensor: a string, a number, ``object()``, the ``wrong`` look-alikes,
                   a complex, a bool and an integer tensor; with ``width`` one more column in
                   the last axis; with ``model_dtype`` the other float precision (float64 into
                   a float32 model); with ``finite`` a NaN and an inf entry (not for forward
                   passes, which keep IEEE semantics for NaN/inf values)
``LossFn``         a loss ``loss_fn(outputs, targets)``: a number, a string, a function that
                   returns a Python float, one that returns a NaN tensor
``Loader``         a ``DataLoader`` of ``(inputs, targets)``: a string, a number, ``object()``,
                   the ``wrong`` look-alikes, a loader whose inputs are one column wider
``Shape``          a string, a float entry, a negative entry, ``None``
``Each``           each element in turn replaced by the bad values of its own kind;
                   ``None``, a string, an empty list
``Any``            nothing: the argument accepts any value (say why in the table)
=================  ======================================================================

Every kind takes ``optional=True`` when ``None`` is a valid value.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st


@dataclass
class Bad:
    """One invalid value of an argument: a fixed value or a hypothesis strategy.

    ``errors`` are the exception types that count as a clear error (``ValueError`` and
    ``TypeError`` for bad input; an iteration that produces NaN may raise
    ``FloatingPointError``). The message must always name the argument.
    """

    label: str
    value: object
    errors: tuple = (ValueError, TypeError)

    @property
    def random(self) -> bool:
        return isinstance(self.value, st.SearchStrategy)


class Lazy:
    """A value built afresh for every call (figures, objects that cannot be deep-copied)."""

    def __init__(self, factory):
        self.factory = factory

    def build(self):
        return self.factory()


def build(value):
    """A fresh copy of a value of the table (so that in-place updates do not leak)."""
    if isinstance(value, Lazy):
        return value.build()
    return copy.deepcopy(value)


@dataclass
class Kind:
    value: object
    optional: bool = False
    extra: list = field(default_factory=list)

    def bad(self) -> list[Bad]:
        variants = self._bad()
        if not self.optional:
            variants.append(Bad("None", None))
        return variants + list(self.extra)

    def _bad(self) -> list[Bad]:
        raise NotImplementedError


def _put(arr: np.ndarray, index: int, fill) -> np.ndarray:
    out = np.array(arr, dtype=float, copy=True)
    out.flat[index] = fill
    return out


@dataclass
class Arr(Kind):
    """A float array. ``ndim`` (int or tuple) is the number of dimensions the function needs."""

    ndim: int | tuple | None = None
    empty_ok: bool = False
    complex_ok: bool = False
    nan_ok: bool = False  # NaN means "no value" here (inf is still bad input)

    def _bad(self):
        v = np.asarray(self.value, dtype=float)
        out = []
        if v.size:
            positions = st.integers(0, v.size - 1)
            if not self.nan_ok:
                out.append(Bad("NaN entry", positions.map(lambda i: _put(v, i, np.nan))))
            out += [
                Bad("inf entry", positions.map(lambda i: _put(v, i, np.inf))),
                Bad("string entries", np.full(v.shape, "a")),
            ]
            if not self.complex_ok:
                out.append(Bad("complex", v + 1j))
        out.append(Bad("string", "abc"))
        if not self.empty_ok:
            out.append(Bad("empty", np.empty((0,) + v.shape[1:]) if v.ndim else np.empty(0)))
        if self.ndim is not None:
            allowed = (self.ndim,) if isinstance(self.ndim, int) else tuple(self.ndim)
            for d in (v.ndim - 1, v.ndim + 1):
                if d >= 0 and d not in allowed and v.size:
                    wrong = v.reshape(-1)[0] if d == 0 else (v.reshape(-1) if d < v.ndim else v[None])
                    out.append(Bad(f"{d}-d", np.asarray(wrong)))
        return out


def V(value, **kw) -> Arr:
    """A 1-d array (vector)."""
    return Arr(value, ndim=1, **kw)


def M(value, **kw) -> Arr:
    """A 2-d array (matrix, one sample per row)."""
    return Arr(value, ndim=2, **kw)


@dataclass
class Real(Kind):
    """A real number in [minimum, maximum] (``include_min=False``: the minimum itself is invalid)."""

    minimum: float | None = None
    maximum: float | None = None
    include_min: bool = True
    include_max: bool = True

    def _bad(self):
        out = [
            Bad("NaN", float("nan")),
            Bad("inf", float("inf")),
            Bad("-inf", float("-inf")),
            Bad("string", "0.5"),
            Bad("complex", 1.0 + 1.0j),
            Bad("bool", True),
        ]
        finite = {"allow_nan": False, "allow_infinity": False}
        if self.minimum is not None:
            below = st.floats(max_value=self.minimum, exclude_max=self.include_min, **finite)
            out.append(Bad("below minimum", below))
        if self.maximum is not None:
            above = st.floats(min_value=self.maximum, exclude_min=self.include_max, **finite)
            out.append(Bad("above maximum", above))
        return out


def Rate(value, **kw) -> Real:
    """A positive real number (learning rate, step, tolerance, width)."""
    return Real(value, minimum=0.0, include_min=False, **kw)


def NonNeg(value, **kw) -> Real:
    """A non-negative real number (penalty, noise level)."""
    return Real(value, minimum=0.0, **kw)


def Fraction(value, **kw) -> Real:
    """A number strictly between 0 and 1 (a test fraction)."""
    return Real(value, minimum=0.0, maximum=1.0, include_min=False, include_max=False, **kw)


def Decay(value, **kw) -> Real:
    """A decay rate in [0, 1) (momentum, beta, rho)."""
    return Real(value, minimum=0.0, maximum=1.0, include_max=False, **kw)


@dataclass
class Int(Kind):
    """An integer >= ``minimum`` (a size, a count, an index)."""

    minimum: int | None = None

    def _bad(self):
        out = [
            Bad("float", float(self.value) + 0.5),
            Bad("string", "3"),
            Bad("bool", True),
            Bad("NaN", float("nan")),
        ]
        if self.minimum is not None:
            out.append(Bad("below minimum", st.integers(self.minimum - 10**6, self.minimum - 1)))
        return out


def Size(value, **kw) -> Int:
    """A positive integer."""
    return Int(value, minimum=1, **kw)


@dataclass
class Flag(Kind):
    """A bool option."""

    def _bad(self):
        return [Bad("string", "no"), Bad("int", 1)]


@dataclass
class Rng(Kind):
    """An int seed or a numpy.random.Generator."""

    def _bad(self):
        return [Bad("negative seed", -1), Bad("float", 1.5), Bad("string", "0"), Bad("bool", True)]


@dataclass
class Obj(Kind):
    """An object of a given type (a model, an optimizer, a tensor ...); ``wrong`` lists look-alikes."""

    wrong: list = field(default_factory=list)

    def _bad(self):
        out = [Bad("string", "model"), Bad("number", 3.0), Bad("object()", object())]
        return out + [Bad(f"wrong object {i}", w) for i, w in enumerate(self.wrong)]


@dataclass
class Iterable(Kind):
    """Anything one can iterate over."""

    def _bad(self):
        return [Bad("number", 3.0), Bad("object()", object())]


@dataclass
class Fn(Kind):
    """A callable."""

    def _bad(self):
        return [Bad("number", 3.0), Bad("string", "f")]


@dataclass
class Choice(Kind):
    """One of a fixed set of option strings."""

    def _bad(self):
        return [Bad("unknown", "no-such-option"), Bad("number", 3)]


@dataclass
class Str(Kind):
    """A free-form string (a name, a label)."""

    def _bad(self):
        return [Bad("number", 3)]


@dataclass
class Device(Kind):
    """A torch device: "cpu", "cuda", "cuda:N" or a torch.device."""

    def _bad(self):
        import torch

        out = [Bad("unknown", "gpu"), Bad("number", 3)]
        if not torch.cuda.is_available():
            out.append(Bad("cuda without CUDA", "cuda"))
        return out


def _derived(kind: Kind, label: str, transform, errors=(ValueError, TypeError)) -> Bad:
    """A bad variant made from a fresh valid value of ``kind`` by ``transform``."""
    return Bad(label, Lazy(lambda: transform(build(kind.value))), errors)


def _keep_grad(x, out):
    """``out`` requiring gradients when ``x`` does (collocation points of a PINN)."""
    if x.requires_grad and (out.is_floating_point() or out.is_complex()):
        out.requires_grad_(True)
    return out


def _complex(x):
    return _keep_grad(x, x.detach() + 1j)


def _bool(x):
    return x.detach() != 0


def _integer(x):
    import torch

    return x.detach().round().to(torch.int64)


def _other_precision(x):
    import torch

    other = torch.float32 if x.dtype == torch.float64 else torch.float64
    return _keep_grad(x, x.detach().to(other))


def _wider(x):
    import torch

    return _keep_grad(x, torch.cat([x.detach(), x.detach()[..., -1:]], dim=-1))


def _with_value(fill):
    def put(x):
        out = x.detach().clone()
        out.view(-1)[0] = fill
        return _keep_grad(x, out)

    return put


@dataclass
class T(Kind):
    """A torch tensor of floating-point numbers (a network's input, a loss's argument).

    ``width``: the last axis has a fixed width (one more column is bad); ``model_dtype``: the
    tensor meets a model's parameters, so the other float precision is bad (float64 into a
    float32 model); ``finite``: NaN and inf entries are bad (a loss, not a forward pass:
    networks keep torch's IEEE semantics for NaN/inf values); ``wrong``: look-alikes
    (a NumPy array, another shape).
    """

    wrong: list = field(default_factory=list)
    width: bool = False
    model_dtype: bool = False
    finite: bool = False

    def _bad(self):
        out = [Bad("string", "tensor"), Bad("number", 3.0), Bad("object()", object())]
        out += [Bad(f"wrong object {i}", w) for i, w in enumerate(self.wrong)]
        out += [
            _derived(self, "complex tensor", _complex),
            _derived(self, "bool tensor", _bool),
            _derived(self, "integer tensor", _integer),
        ]
        if self.model_dtype:
            out.append(_derived(self, "other precision tensor", _other_precision))
        if self.width:
            out.append(_derived(self, "wider tensor", _wider))
        if self.finite:
            out += [
                _derived(self, "NaN tensor", _with_value(float("nan"))),
                _derived(self, "inf tensor", _with_value(float("inf"))),
            ]
        return out


def _returns_float(outputs, targets):
    return 1.0


def _returns_nan(outputs, targets):
    return (outputs * float("nan")).mean()


@dataclass
class LossFn(Kind):
    """A loss ``loss_fn(outputs, targets)`` that returns a scalar tensor (the batch mean)."""

    def _bad(self):
        return [
            Bad("number", 3.0),
            Bad("string", "mse"),
            Bad("returns a float", _returns_float),
            Bad("returns NaN", _returns_nan, (ValueError, TypeError, FloatingPointError)),
        ]


def _wider_loader(loader):
    import torch

    xs, ys = zip(*list(loader), strict=True)
    X, Y = torch.cat(xs), torch.cat(ys)
    dataset = torch.utils.data.TensorDataset(_wider(X), Y)
    return torch.utils.data.DataLoader(dataset, batch_size=loader.batch_size or len(X))


@dataclass
class Loader(Kind):
    """A ``torch.utils.data.DataLoader`` of ``(inputs, targets)`` batches for a model."""

    wrong: list = field(default_factory=list)

    def _bad(self):
        out = [Bad("string", "loader"), Bad("number", 3.0), Bad("object()", object())]
        out += [Bad(f"wrong object {i}", w) for i, w in enumerate(self.wrong)]
        return out + [_derived(self, "wider inputs", _wider_loader)]


@dataclass
class Shape(Kind):
    """A tuple of non-negative ints."""

    def _bad(self):
        return [Bad("string", "3"), Bad("float entry", (2.5,)), Bad("negative entry", (-1,))]


@dataclass
class Each(Kind):
    """A list whose elements have the kinds ``value`` (a list of kinds)."""

    empty_ok: bool = False

    def _bad(self):
        out = [Bad("string", "abc")]
        if not self.empty_ok:
            out.append(Bad("empty list", []))
        for i, kind in enumerate(self.value):
            for bad in kind.bad():
                out.append(_replace_element(self.value, i, bad))
        return out

    def valid(self) -> list:
        return [build(k.value) for k in self.value]


def _replace_element(kinds: list, i: int, bad: Bad) -> Bad:
    def with_element(element):
        values = [build(k.value) for k in kinds]
        values[i] = element
        return values

    if bad.random:
        return Bad(f"[{i}] {bad.label}", bad.value.map(with_element), bad.errors)
    return Bad(f"[{i}] {bad.label}", Lazy(lambda: with_element(bad.value)), bad.errors)


@dataclass
class Any(Kind):
    """Any value is valid (the table says why); no bad variants."""

    def bad(self):
        return list(self.extra)


def valid_value(kind: Kind):
    """A fresh valid value of an argument."""
    if isinstance(kind, Each):
        return kind.valid()
    return build(kind.value)


# ----------------------------------------------------------------------------- edges, spellings, states
#
# Three classes of variant beyond plain bad input (issue 26). They are not refused by every
# function, so a return can be right:
#
# * ``Edge``: a value at the edge of the float range, e.g. a real argument of 1e300 (whose
#   square overflows a Python float) or data scaled by 1e200. The call may refuse it with
#   a clear error naming the argument, or return a result without NaN (inf is IEEE
#   overflow); an unrelated exception (``OverflowError``, ``LinAlgError``) or a NaN in the
#   result is a failure.
# * ``Alt``: another valid spelling of the argument, e.g. an int seed where a
#   ``numpy.random.Generator`` is accepted (the seed rule: both, everywhere). The call must
#   return; an error is a failure ("refused").
# * ``UNFITTED`` state: a method of an estimator (a class with a ``fit`` method) called on a
#   fresh, unfitted object. Like an ``Edge``: a result without NaN, or a ``ValueError`` (a
#   ``physml.NotFittedError``) that names ``fit``; anything else is a failure.

#: A Python float whose square overflows (``1e300 ** 2`` raises ``OverflowError``).
OVERFLOW_EDGE = 1e300
#: The factor of the "huge data" variant of an array (1e200: squares and Gram matrices overflow).
HUGE_FACTOR = 1e200


@dataclass
class Edge(Bad):
    """A value at the edge of the valid range: a clear error naming the argument, or a
    result without NaN. ``FloatingPointError`` (a training loop that stops on an infinite
    loss, ``_validate.check_finite_loss``) also counts as a clear error."""

    errors: tuple = (ValueError, TypeError, FloatingPointError)


@dataclass
class Alt(Bad):
    """Another valid spelling of the argument: the call must return (not raise)."""


def _huge(value):
    v = np.array(value, dtype=float, copy=True)
    return v * HUGE_FACTOR if np.any(v) else v + HUGE_FACTOR


def huge(value) -> Edge:
    """The array ``value`` scaled by 1e200 (all-zero arrays become 1e200): for ``extra=``."""
    return Edge("huge entries", _huge(value))


def edge_variants(kind: Kind) -> list[Bad]:
    """The edge variants of an argument's kind: 1e300 for a ``Real`` whose range holds it."""
    if isinstance(kind, Real) and (kind.maximum is None or kind.maximum >= OVERFLOW_EDGE):
        return [Edge("overflow edge", OVERFLOW_EDGE)]
    return []


def _generator():
    return np.random.default_rng(0)


def seed_variants() -> list[Bad]:
    """The spellings of a seed that every argument taking a seed or a ``numpy.random.Generator``
    must accept: an int seed and a Generator."""
    return [Alt("int seed", 0), Alt("Generator", Lazy(_generator))]
