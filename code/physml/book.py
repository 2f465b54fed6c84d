"""Small helpers for the book pages themselves."""

from __future__ import annotations

import hashlib
import numbers
from pathlib import Path

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


def package_dir() -> Path:
    """The folder of the ``physml`` package."""
    return Path(__file__).resolve().parent


def package_digest(files: list[str]) -> str:
    """SHA-256 of the given ``physml`` source files (paths relative to the package folder).

    The book build records, for each page, which ``physml`` files the page had imported
    when it finished and this digest of them; the page is executed again when the digest
    changes, and a check record of the page is current only while it is unchanged.
    """
    if isinstance(files, str) or not all(isinstance(f, str) for f in files):
        raise TypeError("files must be a list of paths (strings) relative to the physml package")
    h = hashlib.sha256()
    root = package_dir()
    for name in sorted(set(files)):
        path = root / name
        h.update(name.encode() + b"\0")
        h.update(path.read_bytes() if path.is_file() else b"<missing>")
        h.update(b"\0")
    return h.hexdigest()
