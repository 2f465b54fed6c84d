"""Sphinx extension: write the execution record of every page to ``_build/exec-report.json``.

myst-nb keeps, per page, how and when it was executed and how long it took. The book
tests read this file to check that every page in the table of contents was executed
successfully and within its time budget.

It also makes Sphinx read again the pages that ``tools/build_book.py`` executed anew
because a ``physml`` module they use changed (their source did not, so Sphinx would
keep the old page): the build lists them in ``_build/reexecuted.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

from myst_nb.sphinx_ import NbMetadataCollector


def _write_report(app, exception) -> None:
    if exception is not None:
        return
    env = app.env
    report = {}
    for docname in sorted(env.found_docs):
        data = NbMetadataCollector.get_exec_data(env, docname) if docname in env.all_docs else None
        if data:
            report[docname] = {k: data.get(k) for k in ("runtime", "method", "succeeded", "error", "mtime")}
    out = Path(app.outdir).parent / "exec-report.json"
    out.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")


def _reexecuted_pages(app, env, added, changed, removed) -> list[str]:
    """Pages that the build executed again although their source did not change (re-read them)."""
    path = Path(app.outdir).parent / "reexecuted.json"
    if not path.exists():
        return []
    return [page for page in json.loads(path.read_text()) if page in env.found_docs]


def setup(app):
    app.connect("build-finished", _write_report)
    app.connect("env-get-outdated", _reexecuted_pages)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
