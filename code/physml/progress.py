"""Progress bars for long loops that stay silent in the built book.

A reader running a chapter in Jupyter sees a tqdm bar; while the book is built
(``PHYSML_QUIET=1``, set by ``tools/build_book.py``) nothing is printed, so the
rendered pages carry no progress-bar noise.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from ._validate import check_int, check_string


def quiet() -> bool:
    """True while the book is being built or tested."""
    return os.environ.get("PHYSML_QUIET", "0") not in ("", "0")


def progress(iterable: Iterable, desc: str | None = None, total: int | None = None):
    """Wrap ``iterable`` in a text progress bar, or return it unchanged while the book is built.

    The plain-text tqdm bar is used on purpose: ``tqdm.auto`` warns on stderr when
    ipywidgets is missing.
    """
    if not isinstance(iterable, Iterable):
        raise TypeError(f"iterable must be something to iterate over, got {type(iterable).__name__}")
    check_string(desc, "desc", optional=True)
    if total is not None:
        check_int(total, "total", minimum=0)
    if quiet():
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, desc=desc, total=total, leave=False)
