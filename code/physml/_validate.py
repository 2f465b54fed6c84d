"""Input validation shared by every public ``physml`` function.

Each helper raises ``TypeError`` or ``ValueError`` with a message that names the
offending argument, so a reader who passes the wrong thing learns which argument
was wrong and why.
"""

from __future__ import annotations

import numbers

import numpy as np


def as_float_array(x, name: str, ndim: int | tuple[int, ...] | None = None) -> np.ndarray:
    """Return ``x`` as a finite float64 array, checking its number of dimensions."""
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be array-like of numbers, got {type(x).__name__}")
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be array-like of numbers: {err}") from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(d) for d in allowed)
            raise ValueError(f"{name} must be {want}-dimensional, got shape {arr.shape}")
    if arr.size and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf values")
    return arr


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


def check_finite_loss(loss: float, step: int, what: str = "loss") -> None:
    """Stop training with a clear error when the loss becomes NaN or infinite."""
    if not np.isfinite(loss):
        raise FloatingPointError(
            f"{what} became {loss} at step {step}: training diverged "
            "(try a smaller learning rate or check the input data)"
        )
