"""Small helpers for the book pages themselves."""

from __future__ import annotations

import numbers

import numpy as np


def glue(name: str, value, display: bool = False):
    """Glue ``value`` under ``name`` for use in the prose (``{glue:text}`name:.3f```).

    NumPy scalars are turned into Python numbers first: with NumPy 2 their text form
    is ``np.float64(...)``, which the ``{glue:text}`` role cannot format.
    """
    from myst_nb import glue as _glue

    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    if isinstance(value, np.generic):
        value = value.item()
    elif isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and not np.isfinite(value):
        raise ValueError(f"value glued as {name!r} is not finite: {value}")
    return _glue(name, value, display=display)
