"""The book's registry of headline results checked against references.

Every chapter ends its main computation with a *reference check*: a value the
chapter computed, set against an exact solution, an independent library
(scikit-learn, PyTorch) or a published number. Each check is a function in
``physml/checks/<chapter>.py`` decorated with :func:`reference_check`; it returns
``(value, reference)``. The chapter shows the result in a visible cell, the
validation appendix recomputes every registered check in one table, and
``tests/unit/test_validation.py`` runs the same registry as tests.

Comparison kinds (``deviation`` and the pass rule):

* ``"abs"``: ``max |value - reference|`` must be ``<= tolerance``;
* ``"rel"``: ``max |value - reference| / max |reference|`` must be ``<= tolerance``;
* ``"at_least"``: ``value - reference`` must be ``>= 0`` (a target to reach, e.g. accuracy);
* ``"at_most"``: ``reference - value`` must be ``>= 0`` (e.g. a variational upper bound).
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._registry import import_all

KINDS = ("abs", "rel", "at_least", "at_most")


@dataclass(frozen=True)
class ReferenceCheck:
    """A registered check: what it compares and how."""

    id: str
    chapter: str
    description: str
    reference_source: str
    kind: str
    tolerance: float
    compute: Callable[[], tuple[object, object]]


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one reference check."""

    id: str
    chapter: str
    description: str
    reference_source: str
    kind: str
    tolerance: float
    value: float
    reference: float
    deviation: float
    passed: bool

    def rule(self) -> str:
        """The pass rule in words, e.g. ``|deviation| <= 1e-08``."""
        return {
            "abs": f"max abs. deviation <= {self.tolerance:.1e}",
            "rel": f"max rel. deviation <= {self.tolerance:.1e}",
            "at_least": "value >= reference",
            "at_most": "value <= reference",
        }[self.kind]

    def __str__(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        return (
            f"{verdict} {self.id}: {self.description}\n"
            f"  value     = {self.value:.10g}\n"
            f"  reference = {self.reference:.10g}  ({self.reference_source})\n"
            f"  deviation = {self.deviation:.3e}  ({self.rule()})"
        )

    def _repr_html_(self) -> str:
        return results_html([self])


_CHECKS: dict[str, ReferenceCheck] = {}


def reference_check(
    id: str,
    *,
    chapter: str,
    description: str,
    reference_source: str,
    kind: str = "abs",
    tolerance: float = 0.0,
):
    """Register a function returning ``(value, reference)`` as a reference check."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if tolerance < 0:
        raise ValueError(f"tolerance must be non-negative, got {tolerance}")

    def decorator(compute: Callable[[], tuple[object, object]]):
        if id in _CHECKS:
            raise ValueError(f"reference check {id!r} is registered twice")
        _CHECKS[id] = ReferenceCheck(
            id, chapter, description, reference_source, kind, tolerance, functools.cache(compute)
        )
        return compute

    return decorator


def _load() -> dict[str, ReferenceCheck]:
    import_all("physml.checks")
    return _CHECKS


def check_ids(chapter: str | None = None) -> list[str]:
    """Ids of all registered checks (of one chapter if ``chapter`` is given), in registration order."""
    return [c.id for c in _load().values() if chapter is None or c.chapter == chapter]


def _deviation(kind: str, value: np.ndarray, reference: np.ndarray) -> float:
    if kind == "abs":
        return float(np.max(np.abs(value - reference)))
    if kind == "rel":
        scale = float(np.max(np.abs(reference)))
        return float(np.max(np.abs(value - reference)) / (scale if scale > 0 else 1.0))
    if kind == "at_least":
        return float(np.min(value - reference))
    return float(np.min(reference - value))


def _scalar_summary(arr: np.ndarray) -> float:
    """A number for the table: the value itself, or the norm of an array."""
    return float(arr) if arr.size == 1 else float(np.linalg.norm(arr))


def run_check(id: str) -> CheckResult:
    """Compute check ``id`` and compare value with reference."""
    checks = _load()
    if id not in checks:
        raise ValueError(f"id {id!r} is not a registered reference check")
    chk = checks[id]
    value, reference = chk.compute()
    v = np.asarray(value, dtype=float)
    r = np.asarray(reference, dtype=float)
    if v.shape != r.shape:
        raise ValueError(f"check {id!r}: value shape {v.shape} differs from reference shape {r.shape}")
    dev = _deviation(chk.kind, v, r)
    if chk.kind in ("abs", "rel"):
        passed = bool(np.isfinite(dev) and dev <= chk.tolerance)
    else:
        passed = bool(np.isfinite(dev) and dev >= 0)
    return CheckResult(
        chk.id,
        chk.chapter,
        chk.description,
        chk.reference_source,
        chk.kind,
        chk.tolerance,
        _scalar_summary(v),
        _scalar_summary(r),
        dev,
        passed,
    )


def run_all(chapter: str | None = None) -> list[CheckResult]:
    """Run every registered check (of one chapter if given)."""
    return [run_check(i) for i in check_ids(chapter)]


def results_html(results: list[CheckResult]) -> str:
    """An HTML table of check results (used by chapters and the appendix)."""
    head = (
        "<table class='physml-checks'><thead><tr><th>check</th><th>chapter</th>"
        "<th>value</th><th>reference</th><th>deviation</th><th>rule</th><th>result</th>"
        "</tr></thead><tbody>"
    )
    rows = []
    for r in results:
        verdict = "pass" if r.passed else "FAIL"
        rows.append(
            "<tr>"
            f"<td><b>{html.escape(r.id)}</b><br>{html.escape(r.description)}"
            f"<br><i>reference: {html.escape(r.reference_source)}</i></td>"
            f"<td>{html.escape(r.chapter)}</td>"
            f"<td>{r.value:.8g}</td><td>{r.reference:.8g}</td><td>{r.deviation:.2e}</td>"
            f"<td>{html.escape(r.rule())}</td><td>{verdict}</td></tr>"
        )
    return head + "".join(rows) + "</tbody></table>"


class ResultsTable(list):
    """A list of :class:`CheckResult` that renders as one table in a notebook."""

    def _repr_html_(self) -> str:
        return results_html(self)

    def __str__(self) -> str:
        return "\n".join(str(r) for r in self)


def show(chapter: str) -> ResultsTable:
    """Run and display all checks of ``chapter``; raise if any fails (the build stops)."""
    results = ResultsTable(run_all(chapter))
    if not results:
        raise ValueError(f"chapter {chapter!r} has no registered reference checks")
    failed = [r.id for r in results if not r.passed]
    if failed:
        raise AssertionError(
            "reference checks failed:\n" + "\n".join(str(r) for r in results if not r.passed)
        )
    return results
