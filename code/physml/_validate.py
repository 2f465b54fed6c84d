"""Input validation shared by every public ``physml`` function.

Each helper raises ``TypeError`` or ``ValueError`` with a message that names the
offending argument, so a reader who passes the wrong thing learns which argument
was wrong and why.
"""

from __future__ import annotations

import numbers

import numpy as np


def as_float_array(
    x,
    name: str,
    ndim: int | tuple[int, ...] | None = None,
    *,
    dtype=float,
    nonempty: bool = False,
    allow_nan: bool = False,
) -> np.ndarray:
    """Return ``x`` as a finite real array, checking its number of dimensions.

    The result is float64 (``dtype=float``), or, with ``dtype=None``, float32 and float64
    input keep their precision and anything else becomes float64. Complex input is
    refused (the imaginary part would be lost), and so are strings and other objects.
    With ``nonempty`` the array must hold at least one number. NaN and inf are refused;
    with ``allow_nan`` NaN is kept (where it means "no value", e.g. a state without one),
    inf still refused.
    """
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be array-like of numbers, got {type(x).__name__}")
    try:
        arr = np.asarray(x)
        if arr.dtype == object:
            arr = arr.astype(float)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be array-like of numbers: {err}") from None
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} must be real, got complex values (dtype {arr.dtype})")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be array-like of numbers, got dtype {arr.dtype}")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    elif arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(float)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(d) for d in allowed)
            raise ValueError(f"{name} must be {want}-dimensional, got shape {arr.shape}")
    if nonempty:
        check_nonempty(arr, name)
    if allow_nan:
        if arr.size and np.any(np.isinf(arr)):
            raise ValueError(f"{name} contains inf values")
    elif arr.size and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf values")
    return arr


def check_nonempty(arr: np.ndarray, name: str) -> None:
    """Raise if the array ``arr`` holds no numbers."""
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")


def check_same_shape(a: np.ndarray, name_a: str, b: np.ndarray, name_b: str) -> None:
    """Raise if ``a`` and ``b`` do not have the same shape."""
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape, got {a.shape} and {b.shape}")


def check_same_length(a: np.ndarray, name_a: str, b: np.ndarray, name_b: str) -> None:
    """Raise if ``a`` and ``b`` do not have the same number of rows (samples)."""
    if a.shape[0] != b.shape[0]:
        raise ValueError(
            f"{name_a} and {name_b} must have the same number of samples, got {a.shape[0]} and {b.shape[0]}"
        )


def check_scalar(
    x,
    name: str,
    *,
    kind: type = numbers.Real,
    minimum: float | None = None,
    maximum: float | None = None,
    include_min: bool = True,
    include_max: bool = True,
):
    """Check that ``x`` is a scalar of ``kind`` inside the given bounds and return it."""
    if isinstance(x, bool) or not isinstance(x, kind):
        raise TypeError(f"{name} must be a {kind.__name__} scalar, got {type(x).__name__}")
    if isinstance(x, numbers.Real) and not np.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    if minimum is not None and (x < minimum or (not include_min and x == minimum)):
        op = ">=" if include_min else ">"
        raise ValueError(f"{name} must be {op} {minimum}, got {x}")
    if maximum is not None and (x > maximum or (not include_max and x == maximum)):
        op = "<=" if include_max else "<"
        raise ValueError(f"{name} must be {op} {maximum}, got {x}")
    return x


def check_int(x, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Check that ``x`` is an integer (not a bool) inside the given bounds and return it."""
    return int(check_scalar(x, name, kind=numbers.Integral, minimum=minimum, maximum=maximum))


def check_bool(x, name: str) -> bool:
    """Check that ``x`` is ``True`` or ``False`` (not a string or a number) and return it."""
    if not isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(x).__name__} {x!r}")
    return bool(x)


def check_type(obj, cls, name: str, what: str | None = None):
    """Check that ``obj`` is an instance of ``cls`` (a class or a tuple) and return it."""
    if not isinstance(obj, cls):
        if what is None:
            classes = cls if isinstance(cls, tuple) else (cls,)
            what = " or ".join(f"{c.__module__}.{c.__qualname__}" for c in classes)
        raise TypeError(f"{name} must be a {what}, got {type(obj).__name__}")
    return obj


def check_callable(f, name: str, what: str = "a callable"):
    """Check that ``f`` can be called and return it."""
    if not callable(f):
        raise TypeError(f"{name} must be {what}, got {type(f).__name__}")
    return f


def check_string(x, name: str, *, optional: bool = False):
    """Check that ``x`` is a string (or ``None`` when ``optional``) and return it."""
    if (x is None and optional) or isinstance(x, str):
        return x
    raise TypeError(f"{name} must be a string{' or None' if optional else ''}, got {type(x).__name__}")


def check_choice(value, name: str, choices):
    """Check that ``value`` is one of the option strings ``choices`` and return it."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value


def as_rng(seed, name: str = "seed") -> np.random.Generator:
    """Turn an int seed or a ``numpy.random.Generator`` into a Generator.

    ``None`` is refused on purpose: every stochastic function in the book is seeded
    so that two builds give identical numbers.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        if seed < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {seed}")
        return np.random.default_rng(int(seed))
    raise TypeError(f"{name} must be an int or a numpy.random.Generator, got {type(seed).__name__}")


#: The largest learning rate the training functions accept: with Adam every weight moves
#: by up to ``lr`` per step, so a larger one cannot train (and 1e300 overflows float32).
LEARNING_RATE_MAX = 10.0


def check_learning_rate(lr, name: str = "lr") -> float:
    """Check that the learning rate ``lr`` is in (0, ``LEARNING_RATE_MAX``] and return it as a float."""
    return float(check_scalar(lr, name, minimum=0.0, include_min=False, maximum=LEARNING_RATE_MAX))


class NotFittedError(ValueError, AttributeError):
    """A method of an estimator was called before ``fit`` (as scikit-learn's ``NotFittedError``).

    A ``ValueError`` (the object is not in a state the call accepts) and an
    ``AttributeError`` (the fitted attributes do not exist yet).
    """


class ConvergenceError(RuntimeError, ValueError):
    """An iteration did not converge within the allowed number of steps (``max_iter``,
    ``max_sweeps``): raise the limit or loosen the tolerance.

    A ``RuntimeError`` (the computation failed) and a ``ValueError`` (the cure is another
    value of an argument the caller chose), so either ``except`` clause catches it.
    """


def as_device(device, name: str = "device"):
    """Turn ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or a ``torch.device`` into a ``torch.device``.

    An unknown device, or CUDA on a machine without it, is a ``ValueError`` naming ``name``.
    """
    import torch

    if isinstance(device, str):
        try:
            device = torch.device(device)
        except RuntimeError:
            raise ValueError(f"{name} must be 'cpu', 'cuda' or 'cuda:N', got {device!r}") from None
    elif not isinstance(device, torch.device):
        raise TypeError(f"{name} must be a string or a torch.device, got {type(device).__name__}")
    if device.type == "cpu":
        return device
    if device.type != "cuda":
        raise ValueError(f"{name} must be 'cpu', 'cuda' or 'cuda:N', got {str(device)!r}")
    if not torch.cuda.is_available():
        raise ValueError(f"{name}={str(device)!r} but CUDA is not available on this machine; use 'cpu'")
    if device.index is not None and device.index >= torch.cuda.device_count():
        raise ValueError(
            f"{name}={str(device)!r} but this machine has {torch.cuda.device_count()} CUDA devices"
        )
    return device


def check_finite_result(value, name: str, context: str = ""):
    """Stop with a FloatingPointError when a user function ``name`` returned NaN or inf."""
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)):
        where = f" {context}" if context else ""
        raise FloatingPointError(f"{name} returned a NaN or infinite value{where}")
    return value


def check_finite_loss(loss: float, step: int, what: str = "loss") -> None:
    """Stop training with a clear error when the loss becomes NaN or infinite."""
    if not np.isfinite(loss):
        raise FloatingPointError(
            f"{what} became {loss} at step {step}: training diverged "
            "(try a smaller learning rate or check the input data)"
        )


def check_tensor(
    x,
    name: str,
    *,
    ndim: int | tuple[int, ...] | None = None,
    features: int | None = None,
    dtype="float",
    nonempty: bool = False,
    finite: bool = False,
):
    """Check a tensor argument: its type, its dtype, its dimensions and its last-axis width.

    ``dtype="float"`` (the default) requires real floating-point numbers: a complex, bool
    or integer tensor is refused (torch would fail deep inside with a message that names
    no argument, or silently drop an imaginary part). A ``torch.dtype`` (the dtype of a
    model's parameters, :func:`param_dtype`) requires exactly that dtype, so that a
    float64 tensor fed to a float32 network is refused here rather than inside a matrix
    product; ``dtype=None`` leaves the dtype to the caller (integer steps, say).
    ``nonempty`` refuses a tensor without entries.

    Without ``finite`` only the type, the dtype and the shape are looked at, never the
    values: cheap enough for ``forward`` methods, which run in every training step and
    keep torch's IEEE semantics (a NaN or inf input gives a NaN or inf output). With
    ``finite`` (losses and training data) NaN and inf entries are refused, at the cost of
    one pass over the tensor.
    """
    import torch

    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if dtype is not None:
        if x.is_complex():
            raise TypeError(f"{name} must be real, got a complex tensor (dtype {x.dtype})")
        if not x.is_floating_point():
            raise TypeError(f"{name} must be a floating-point tensor, got dtype {x.dtype}")
        if isinstance(dtype, torch.dtype) and x.dtype != dtype:
            raise TypeError(
                f"{name} has dtype {x.dtype} but the model's parameters are {dtype}: "
                f"convert it with {name}.to({dtype})"
            )
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if x.ndim not in allowed:
            want = " or ".join(str(d) for d in allowed)
            raise ValueError(f"{name} must be {want}-dimensional, got shape {tuple(x.shape)}")
    if features is not None and (x.ndim == 0 or x.shape[-1] != features):
        raise ValueError(f"{name} must have {features} features in its last axis, got shape {tuple(x.shape)}")
    if nonempty and x.numel() == 0:
        raise ValueError(f"{name} must not be empty, got shape {tuple(x.shape)}")
    if finite and x.numel() and not bool(torch.isfinite(x.detach()).all()):
        raise ValueError(f"{name} contains NaN or inf values")
    return x


def param_dtype(model, default="float"):
    """The dtype of the first parameter of the torch module ``model`` (``default`` if it has none).

    For :func:`check_tensor`'s ``dtype``: the input of a network must have the dtype of its weights.
    """
    first = next(iter(model.parameters()), None)
    return default if first is None else first.dtype
