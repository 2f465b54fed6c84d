"""Progress bars for long loops that stay silent in the built book.

A reader running a chapter in Jupyter sees a tqdm bar. Nothing is printed while the
book is built (``PHYSML_QUIET=1``, set by ``tools/build_book.py``), nor when nobody
watches: a notebook executed by a tool (nbclient, papermill, ``jupyter nbconvert
--execute``) or a script whose stderr is not a terminal. So the rendered pages and a
downloaded notebook executed again carry no progress-bar noise.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

from ._validate import check_int, check_string


def quiet() -> bool:
    """True while the book is built or tested, and whenever the session is not interactive.

    ``PHYSML_QUIET=1`` (or ``0``) decides. Otherwise, inside a Jupyter kernel the session
    is interactive when the current cell was sent by a front end that can answer
    ``input()`` (JupyterLab, Notebook, VS Code); tools that execute a notebook on their
    own send it with ``allow_stdin=False``. Outside a kernel, a terminal on stderr is
    what makes the session interactive.
    """
    setting = os.environ.get("PHYSML_QUIET")
    if setting is not None and setting != "":
        return setting != "0"
    kernel = _kernel()
    if kernel is not None:
        return not getattr(kernel, "_allow_stdin", False)
    stream = sys.stderr
    return stream is None or not getattr(stream, "isatty", lambda: False)()


def _kernel():
    """The running IPython kernel (None in a plain Python process or a terminal IPython)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    shell = ipython.get_ipython()
    return getattr(shell, "kernel", None) if shell is not None else None


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
