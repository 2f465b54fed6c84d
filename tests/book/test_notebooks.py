"""The notebooks a reader downloads from the built site read like the page and run anywhere.

For every page with code: the ``.ipynb`` that the page's download menu links, its Markdown
free of MyST roles and directives, its glued numbers those of the page, and its execution
with nbclient in a temporary folder outside the repository, in a kernel that knows
nothing of the book build (no ``PHYSML_*`` variables), with no error and no output on
stderr (no progress bars). The notebooks are executed two at a time.
"""

from __future__ import annotations

import html
import json
import multiprocessing
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from book_helpers import BUILD, HTML, ROOT, is_notebook, toc_files
from notebook_export import myst_leftovers

NOTEBOOK_PAGES = [p for p in toc_files() if is_notebook(p)]
WORKERS = 2
TIMEOUT = 300  # seconds per cell


def downloaded_notebook_path(page: str) -> Path:
    """The file the page's download menu offers as ".ipynb"."""
    text = (HTML / f"{page}.html").read_text()
    links = re.findall(r'href="([^"]+\.ipynb)"', text)
    assert links, f"{page}: no .ipynb download link"
    return ((HTML / page).parent / html.unescape(links[0])).resolve()


def pasted_values(page: str) -> list[str]:
    """The glued values of the page, in the order of the page (``{glue:text}`` spans)."""
    text = (HTML / f"{page}.html").read_text()
    spans = re.findall(r'<span class="pasted-text">(.*?)</span>', text, flags=re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", s)) for s in spans]


@pytest.mark.parametrize("page", NOTEBOOK_PAGES)
def test_notebook_reads_like_the_page(built, page):
    path = downloaded_notebook_path(page)
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    leftovers = [
        (n, found)
        for n, cell in enumerate(nb.cells)
        if cell.cell_type == "markdown"
        for found in myst_leftovers(cell.source)
    ]
    assert not leftovers, f"{page}: MyST syntax left in the Markdown cells: {leftovers[:5]}"
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "{literalinclude}" not in markdown and "{glue" not in markdown
    position = 0
    for value in pasted_values(page):
        found = markdown.find(value, position)
        assert found >= 0, f"{page}: the glued value {value!r} of the page is not in the notebook's text"
        position = found + len(value)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            assert not data or any(not k.startswith("application/papermill") for k in data), (
                f"{page}: an output Jupyter cannot display"
            )


def test_download_names_are_unique(built):
    names = [downloaded_notebook_path(p).name for p in NOTEBOOK_PAGES]
    assert len(set(names)) == len(names), sorted(n for n in names if names.count(n) > 1)
    assert "regression-exercises.ipynb" in names


def test_solutions_are_collapsed(built):
    nb = nbformat.read(downloaded_notebook_path("exercises/regression"), as_version=4)
    hidden = [c for c in nb.cells if c.metadata.get("jupyter", {}).get("source_hidden")]
    assert any(c.cell_type == "code" for c in hidden) and any(c.cell_type == "markdown" for c in hidden)
    assert any(c.source.startswith("**Solution to Exercise") for c in nb.cells)
    assert all("assert physml.check" not in c.source for c in nb.cells if c not in hidden)


def _run(task: tuple[str, str]) -> tuple[str, str | None, list[str], float]:
    """Worker: execute one downloaded notebook in a fresh folder; (page, error, stderr, seconds)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    page, path = task
    for name in list(os.environ):
        if name.startswith("PHYSML_"):
            del os.environ[name]  # a reader's kernel knows nothing of the book build
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"
    os.environ.pop("MPLBACKEND", None)
    folder = Path(tempfile.mkdtemp(prefix="physml-notebook-"))
    try:
        target = folder / Path(path).name
        shutil.copy(path, target)
        nb = nbformat.read(target, as_version=4)
        client = NotebookClient(
            nb, timeout=TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
        )
        start = time.perf_counter()
        error = None
        try:
            client.execute(cwd=str(folder))
        except CellExecutionError as err:
            error = str(err)[-3000:]
        except Exception as err:  # the kernel died or timed out
            error = f"{type(err).__name__}: {err}"
        stderr = [
            o.get("text", "")[:300]
            for c in nb.cells
            for o in c.get("outputs", [])
            if o.get("output_type") == "stream" and o.get("name") == "stderr"
        ]
        return page, error, stderr, time.perf_counter() - start
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def executed(built):
    """Every downloaded notebook executed outside the repository, two at a time (slowest first)."""
    seconds = json.loads((BUILD / "build-time.json").read_text()).get("page_seconds", {})
    pages = sorted(NOTEBOOK_PAGES, key=lambda p: seconds.get(p) or 0.0, reverse=True)
    tasks = [(p, str(downloaded_notebook_path(p))) for p in pages]
    assert not Path(tempfile.gettempdir()).resolve().is_relative_to(ROOT), "tmp inside the repository"
    results = {}
    with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
        for page, error, stderr, seconds in pool.imap_unordered(_run, tasks, chunksize=1):
            results[page] = (error, stderr, seconds)
    times = {page: round(seconds, 1) for page, (_, _, seconds) in sorted(results.items())}
    (BUILD / "notebook-test-times.json").write_text(json.dumps(times, indent=1) + "\n")
    return results


@pytest.mark.parametrize("page", NOTEBOOK_PAGES)
def test_notebook_runs_outside_the_repository(executed, page):
    error, stderr, seconds = executed[page]
    assert error is None, f"{page}: the downloaded notebook fails outside the repository:\n{error}"
    assert not stderr, f"{page}: output on stderr (progress bars, warnings): {stderr[:3]}"
