"""Small helpers for the book pages themselves."""

from __future__ import annotations

import hashlib
import html
import numbers
from pathlib import Path

import numpy as np

from ._validate import check_bool


def glue(name: str, value, display: bool = False):
    """Glue ``value`` under ``name`` for use in the prose (``{glue:text}`name:.3f```).

    NumPy scalars are turned into Python numbers first: with NumPy 2 their text form
    is ``np.float64(...)``, which the ``{glue:text}`` role cannot format.
    """
    from myst_nb import glue as _glue

    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    display = check_bool(display, "display")
    if isinstance(value, np.generic):
        value = value.item()
    elif isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and not np.isfinite(value):
        raise ValueError(f"value glued as {name!r} is not finite: {value}")
    if value is None:
        raise TypeError(f"value glued as {name!r} is None")
    GLUED[name] = value
    return _glue(name, value, display=display)


#: Every value glued in this kernel, by name: what :func:`glued` reads in JupyterLab.
GLUED: dict = {}


class Glued:
    """A glued value formatted as the page's ``{glue:text}`` role formats it.

    Its text form is the formatted value itself (no quotes), which is what JupyterLab's
    MyST renderer shows for an inline ``{eval}`` expression.
    """

    def __init__(self, name: str, spec: str = ""):
        if not isinstance(name, str):
            raise TypeError(f"name must be a string, got {type(name).__name__}")
        if not isinstance(spec, str):
            raise TypeError(f"spec must be a format string such as '.3f', got {type(spec).__name__}")
        self.name, self.spec = name, spec

    def __str__(self) -> str:
        if self.name not in GLUED:
            return f"[{self.name}: run the cells above]"
        return format(GLUED[self.name], self.spec)

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        return str(self)


def glued(name: str, spec: str = "") -> Glued:
    """The value glued as ``name`` in this kernel, formatted with ``spec`` (e.g. ``".3f"``).

    The JupyterLab edition of a page (``make lab``) writes each ``{glue:text}`name:spec```
    of the prose as ``{eval}`glued("name", "spec")```, which JupyterLab's MyST renderer
    evaluates in the kernel: the prose shows the numbers of the reader's own run.
    """
    return Glued(name, spec)


class Table:
    """A small table that a notebook shows as HTML (and prints as aligned text)."""

    def __init__(self, header: list[str], rows: list[list]):
        _check_table(header, rows)
        self.header = [str(h) for h in header]
        self.rows = [[str(c) for c in row] for row in rows]

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.header)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in self.rows
        )
        return f"<table class='physml-table'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def __repr__(self) -> str:
        widths = [max(len(r[i]) for r in [self.header, *self.rows]) for i in range(len(self.header))]
        lines = [
            "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))
            for row in [self.header, *self.rows]
        ]
        return "\n".join(lines)


def table(header: list[str], rows: list[list]) -> Table:
    """A table of results for a page: ``table(["model", "MSE"], [["OLS", "0.01"], ...])``.

    Shown as an HTML table in the book and in Jupyter (a Markdown table printed from a
    cell would show as raw text).
    """
    return Table(header, rows)


def _check_table(header, rows) -> None:
    """Column names are strings; every row is a list of cells, one per column, none NaN or inf."""
    if isinstance(header, str) or not isinstance(header, (list, tuple)) or not header:
        raise TypeError("header must be a non-empty list of column names")
    for n, h in enumerate(header):
        if not isinstance(h, str):
            raise TypeError(f"header[{n}] must be a string (a column name), got {type(h).__name__}")
    if isinstance(rows, str) or not isinstance(rows, (list, tuple)):
        raise TypeError(f"rows must be a list of rows (lists of cells), got {type(rows).__name__}")
    if not rows:
        raise ValueError("rows must hold at least one row")
    for n, row in enumerate(rows):
        if isinstance(row, str) or not isinstance(row, (list, tuple)) or len(row) != len(header):
            raise ValueError(f"rows[{n}] must have {len(header)} entries, like header")
        for m, cell in enumerate(row):
            if cell is None:
                raise TypeError(f"rows[{n}][{m}] is None")
            if isinstance(cell, numbers.Real) and not isinstance(cell, bool) and not np.isfinite(cell):
                raise ValueError(f"rows[{n}][{m}] is not finite: {cell}")


def package_dir() -> Path:
    """The folder of the ``physml`` package."""
    return Path(__file__).resolve().parent


def package_digest(files: list[str]) -> str:
    """SHA-256 of the given ``physml`` source files (paths relative to the package folder).

    The book build records, for each page, which ``physml`` files the page had imported
    when it finished and this digest of them; the page is executed again when the digest
    changes, and a check record of the page is current only while it is unchanged.
    """
    if (
        isinstance(files, str)
        or not isinstance(files, (list, tuple, set))
        or not all(isinstance(f, str) for f in files)
    ):
        raise TypeError("files must be a list of paths (strings) relative to the physml package")
    h = hashlib.sha256()
    root = package_dir()
    for name in sorted(set(files)):
        path = root / name
        h.update(name.encode() + b"\0")
        h.update(path.read_bytes() if path.is_file() else b"<missing>")
        h.update(b"\0")
    return h.hexdigest()
