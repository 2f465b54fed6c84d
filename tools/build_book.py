"""Build the book: execute what a change touched, record what each page used, then run Jupyter Book.

1. **What to execute.** jupyter-cache keys a page on its cell sources only. On top of it
   the build keeps ``_build/page-deps.json``: for every page, the ``physml`` source files
   that were imported when its execution finished (read from ``sys.modules`` by one
   extra cell that the build appends to the page and removes again), their digest, and
   the build that executed it. A page is executed again when its cell sources changed
   (jupyter-cache), when one of *its* ``physml`` files changed, or when it has no
   record. A change of ``requirements.txt`` or ``code/pyproject.toml`` clears everything.
   *Summary pages* (front matter ``physml: {summary: true}``, the validation appendix)
   read what the other pages recorded; they are executed after all others, and again
   whenever another page was executed.
2. **Parallel execution.** ``sphinx-build -j`` cannot be used with Jupyter Book 1, so the
   pages to execute are run here, ``--jobs`` kernels at a time (longest first, from the
   last build's timings), and stored in the book's jupyter-cache with myst-nb's own
   notebook reader, so that the Sphinx build finds every page in the cache. Each kernel
   gets ``cores // jobs`` BLAS/OpenMP/torch threads and the environment variables
   ``PHYSML_BUILD_DIR``, ``PHYSML_BUILD_ID`` and ``PHYSML_PAGE``, with which chapters
   write the records of their reference checks (``_build/records/``).
3. **Strict build.** ``jupyter-book build -n -W --keep-going``: any cell error, Sphinx
   warning or broken reference fails it. Pages executed in step 2 whose source did not
   change are re-read by Sphinx (``tools/exec_report.py`` adds them to the outdated
   pages). A page that failed in step 2 is executed once more by the build itself, which
   then reports the error with its traceback.

``_build/build-time.json`` records the wall time of both steps, which pages were
executed and why, and the exit code; the book tests read it.

    .venv/bin/python tools/build_book.py [--jobs N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

import nbformat
import yaml

sys.path.insert(0, str(Path(__file__).parent))
from book_pages import notebook_pages, page_metadata  # noqa: E402

from physml.book import package_digest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
CACHE = BUILD / ".jupyter_cache"
RECORDS = BUILD / "records"
FIGURES = BUILD / "figures"  # the axis labels of every figure, written by physml.plotting
DEPS_FILE = BUILD / "page-deps.json"
SITE_HASH_FILE = BUILD / ".site-hash"
RECORD = BUILD / "build-time.json"
REEXECUTED = BUILD / "reexecuted.json"
# the reader myst-nb itself uses for MyST notebooks: the same notebook, hence the same cache key
READ_DATA = {"name": "myst_nb_md", "type": "plugin"}
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

# Appended to every page while it is executed, removed before its outputs are cached:
# prints the physml source files the page imported (relative to the package folder).
DEPENDENCY_CELL = """\
import json as _json, os as _os, sys as _sys
_pkg = _sys.modules.get("physml")
_files = []
if _pkg is not None:
    _root = _os.path.dirname(_pkg.__file__)
    for _name, _mod in list(_sys.modules.items()):
        _file = getattr(_mod, "__file__", None)
        if (_name == "physml" or _name.startswith("physml.")) and _file:
            _rel = _os.path.relpath(_file, _root)
            if not _rel.startswith(".."):  # not a module generated elsewhere under a physml name
                _files.append(_rel)
print("PHYSML-DEPENDENCIES " + _json.dumps(sorted(set(_files))))
"""
DEPENDENCY_MARK = "PHYSML-DEPENDENCIES "


def environment_hash() -> str:
    """Hash of the pinned environment: a change re-executes every page."""
    h = hashlib.sha256()
    for path in [ROOT / "requirements.txt", ROOT / "code" / "pyproject.toml"]:
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def load_deps() -> dict:
    if DEPS_FILE.exists():
        return json.loads(DEPS_FILE.read_text())
    return {"environment": None, "pages": {}}


def save_deps(deps: dict) -> None:
    tmp = DEPS_FILE.with_suffix(".tmp")
    tmp.write_text(json.dumps(deps, indent=1, sort_keys=True) + "\n")
    tmp.replace(DEPS_FILE)


def reset_if_environment_changed(deps: dict) -> bool:
    """Clear cache, records and dependencies when the pinned environment changed."""
    current = environment_hash()
    if deps.get("environment") == current:
        return False
    if deps.get("environment") is not None:
        print("requirements.txt or code/pyproject.toml changed: every page is executed again")
    for path in (CACHE, RECORDS, FIGURES):
        if path.exists():
            shutil.rmtree(path)
    deps.clear()
    deps.update(environment=current, pages={})
    return True


def site_hash() -> str:
    """Hash of what shapes every page's HTML besides its source: configuration and extensions."""
    h = hashlib.sha256()
    files = [ROOT / "_config.yml", ROOT / "_toc.yml", ROOT / "references.bib"]
    files += sorted((ROOT / "tools").rglob("*.py")) + sorted((ROOT / "tools" / "static").rglob("*"))
    files += sorted((ROOT / "_static_vendor").rglob("*"))
    for path in files:
        if path.is_file():
            h.update(str(path.relative_to(ROOT)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def site_changed() -> bool:
    """True if the configuration or the extensions changed since the last build."""
    current = site_hash()
    previous = SITE_HASH_FILE.read_text().strip() if SITE_HASH_FILE.exists() else None
    SITE_HASH_FILE.write_text(current + "\n")
    return previous != current


def run_streamed(cmd: list[str], cwd: Path, env: dict, log_path: Path) -> int:
    """Run ``cmd``, copying its output to the terminal and to ``log_path``; its exit code."""
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for line in proc.stdout:
            sys.stdout.write(line)
            log.write(line)
        return proc.wait()


def book_env(threads: int | None = None) -> dict[str, str]:
    """Environment for the build and its kernels (``threads``: BLAS/OpenMP threads per kernel)."""
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # Agg inside a kernel silently drops inline figures
    env["PHYSML_QUIET"] = "1"  # no progress bars in the rendered book
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # no debugger notice on stderr
    if threads is not None:
        for name in THREAD_VARIABLES:
            env[name] = str(threads)
    return env


def previous_record() -> dict:
    return json.loads(RECORD.read_text()) if RECORD.exists() else {}


def last_build_failed() -> bool:
    """True if the previous build failed: Sphinx would not re-report warnings of unchanged pages."""
    if not RECORD.exists():
        return False
    return previous_record().get("returncode", 1) != 0


def next_build_id() -> int:
    return int(previous_record().get("build_id", 0)) + 1


def execution_timeout() -> int:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return int(config.get("execute", {}).get("timeout", 120))


def page_of(uri: str) -> str:
    return Path(uri).relative_to(ROOT).with_suffix("").as_posix()


def _execute(task):
    """Worker: execute one page in a fresh kernel with the dependency cell appended.

    Returns the page, the notebook without that cell, the time, an error name or None,
    the traceback, and the physml files the page imported.
    """
    from jupyter_cache.executors.utils import single_nb_execution

    uri, nb, timeout, build_id = task
    os.environ["PHYSML_PAGE"] = page_of(uri)  # inherited by the kernel started below
    os.environ["PHYSML_BUILD_ID"] = str(build_id)
    n_cells = len(nb.cells)
    nb.cells.append(nbformat.v4.new_code_cell(DEPENDENCY_CELL))
    start = time.perf_counter()
    try:
        result = single_nb_execution(nb, cwd=str(Path(uri).parent), timeout=timeout, allow_errors=False)
    except Exception as err:  # e.g. the kernel died: the build executes the page again and reports it
        return uri, nb, time.perf_counter() - start, type(err).__name__, traceback.format_exc(), None
    files = None
    for output in result.nb.cells[-1].get("outputs", []):
        text = output.get("text", "")
        for line in text.splitlines():
            if line.startswith(DEPENDENCY_MARK):
                files = json.loads(line[len(DEPENDENCY_MARK) :])
    del result.nb.cells[n_cells:]
    error = f"{type(result.err).__name__}" if result.err else None
    if error is None and files is None:
        error, result.exc_string = "DependencyRecordMissing", "the dependency cell printed nothing"
    return uri, result.nb, result.time, error, result.exc_string, files


def stale_reasons(pages: list[str], deps: dict, cache) -> dict[str, str]:
    """Pages to execute and why: no record, a physml file changed, or the source changed."""
    reasons = {}
    for page in pages:
        uri = str(ROOT / f"{page}.md")
        entry = deps["pages"].get(page)
        cached = cache.get_cached_project_nb(uri)
        if cached is None:
            reasons[page] = "new or changed source" if entry else "not executed yet"
        elif entry is None:
            reasons[page] = "no dependency record"
        elif package_digest(entry["files"]) != entry["digest"]:
            changed = [f for f in entry["files"] if package_digest([f]) != entry["file_digests"].get(f)]
            reasons[page] = "physml changed: " + ", ".join(changed)
        if page in reasons and cached is not None:
            cache.remove_cache(cached.pk)
    return reasons


def run_pages(pages: list[str], jobs: int, cache, deps: dict, build_id: int) -> tuple[dict, dict]:
    """Execute ``pages`` (``jobs`` kernels at a time) into the cache; record their dependencies."""
    from jupyter_cache.base import CacheBundleIn
    from jupyter_cache.cache.db import NbProjectRecord

    executed, failed = {}, {}
    if not pages:
        return executed, failed
    last = previous_record().get("page_seconds", {})

    def expected_seconds(page: str) -> float:  # longest first, so that the kernels finish together
        seconds = last.get(page)
        return seconds if seconds is not None else (ROOT / f"{page}.md").stat().st_size / 1000

    pages = sorted(pages, key=expected_seconds, reverse=True)
    timeout = execution_timeout()
    tasks = []
    for page in pages:
        uri = str(ROOT / f"{page}.md")
        for record in RECORDS.glob("*.json") if RECORDS.exists() else []:
            if json.loads(record.read_text()).get("page") == page:
                record.unlink()  # the page writes its records again
        (FIGURES / f"{page.replace('/', '--')}.jsonl").unlink(missing_ok=True)  # and its figure labels
        tasks.append((uri, cache.get_project_notebook(uri).nb, timeout, build_id))
    workers = max(1, min(jobs, len(tasks)))
    print(f"executing {len(tasks)} page(s) with {workers} kernel(s) at a time")
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for uri, nb, seconds, error, trace, files in pool.imap_unordered(_execute, tasks, chunksize=1):
            page = page_of(uri)
            if error:
                failed[page] = error
                deps["pages"].pop(page, None)
                NbProjectRecord.set_traceback(uri, trace, cache.db)
                print(f"  {page}: FAILED after {seconds:.1f} s ({error}); the build will report it")
                continue
            executed[page] = round(seconds, 2)
            bundle = CacheBundleIn(nb, uri, data={"execution_seconds": seconds})
            cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)
            deps["pages"][page] = {
                "build": build_id,
                "files": files,
                "digest": package_digest(files),
                "file_digests": {f: package_digest([f]) for f in files},
                "seconds": round(seconds, 2),
            }
            save_deps(deps)
            print(f"  {page}: executed in {seconds:.1f} s ({len(files)} physml files)")
    return executed, failed


def execute_stale_pages(jobs: int, deps: dict, build_id: int) -> dict:
    """Execute every page whose outputs are stale: first the chapters, then the summary pages."""
    from jupyter_cache import get_cache

    start = time.perf_counter()
    cache = get_cache(str(CACHE))
    pages = notebook_pages(ROOT)
    uris = [str(ROOT / f"{page}.md") for page in pages]
    for record in cache.list_project_records():
        if record.uri not in uris or record.read_data != READ_DATA:
            cache.remove_nb_from_project(record.uri)
    for uri in uris:
        cache.add_nb_to_project(uri, read_data=READ_DATA)
    for page in list(deps["pages"]):
        if page not in pages:
            del deps["pages"][page]
    if RECORDS.exists():  # records of pages that left the book
        for record in RECORDS.glob("*.json"):
            if json.loads(record.read_text()).get("page") not in pages:
                record.unlink()
    save_deps(deps)

    summary = [p for p in pages if page_metadata(p, ROOT).get("summary")]
    ordinary = [p for p in pages if p not in summary]
    reasons = stale_reasons(ordinary, deps, cache)
    executed, failed = run_pages(list(reasons), jobs, cache, deps, build_id)
    summary_reasons = stale_reasons(summary, deps, cache)
    for page in summary:
        if executed and page not in summary_reasons:
            cached = cache.get_cached_project_nb(str(ROOT / f"{page}.md"))
            if cached is not None:
                cache.remove_cache(cached.pk)
            summary_reasons[page] = "other pages were executed"
    reasons.update(summary_reasons)
    more_executed, more_failed = run_pages(list(summary_reasons), jobs, cache, deps, build_id)
    executed.update(more_executed)
    failed.update(more_failed)
    return {
        "preexecute_seconds": round(time.perf_counter() - start, 1),
        "preexecuted": executed,
        "preexecute_failed": failed,
        "reasons": reasons,
        "cold": len(executed) == len(pages),
        "n_notebook_pages": len(pages),
    }


def sphinx_executions(log: str) -> list[str]:
    """Pages that myst-nb executed itself during the Sphinx build (cache misses)."""
    log = re.sub(r"\x1b\[[0-9;]*m", "", log)
    pages = []
    for match in re.finditer(r"^(\S+)\.md: Executing notebook using", log, flags=re.MULTILINE):
        pages.append(Path(match.group(1)).resolve().relative_to(ROOT).with_suffix("").as_posix())
    return pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_jobs = int(os.environ.get("BOOK_JOBS", min(2, os.cpu_count() or 1)))
    parser.add_argument("--jobs", type=int, default=default_jobs, help="kernels executing pages at once")
    args = parser.parse_args()
    jobs = max(1, args.jobs)
    threads = max(1, (os.cpu_count() or 1) // jobs)

    start = time.perf_counter()
    BUILD.mkdir(exist_ok=True)
    deps = load_deps()
    reset = reset_if_environment_changed(deps)
    save_deps(deps)
    # After a failed build or a cache reset, re-read every page so that all warnings
    # surface again; after a change of configuration or extensions, so that every page
    # is written anew. Reading a page whose outputs are cached costs no execution.
    changed = site_changed()
    full = reset or changed or last_build_failed()
    build_id = next_build_id()
    env = book_env(threads)
    env["PHYSML_BUILD_DIR"] = str(BUILD)  # chapters write the records of their checks there
    env["PHYSML_BUILD_ID"] = str(build_id)
    record: dict = {"build_id": build_id, "jobs": jobs, "threads_per_kernel": threads, "full": full}
    os.environ.update(env)  # inherited by the workers' kernels
    record.update(execute_stale_pages(jobs, deps, build_id))
    # Sphinx re-reads the pages executed here even when their source did not change
    REEXECUTED.write_text(json.dumps(sorted(record["preexecuted"])) + "\n")
    cmd = [
        str(Path(sys.executable).parent / "jupyter-book"),
        "build",
        str(ROOT),
        "--builder",
        "html",
        "-n",
        "-W",
        "--keep-going",
    ] + (["--all"] if full else [])
    # Stream the build output to the terminal and keep a copy for the book tests.
    sphinx_start = time.perf_counter()
    rc = run_streamed(cmd, ROOT, env, BUILD / "build.log")
    elapsed = time.perf_counter() - start
    report = BUILD / "exec-report.json"
    page_seconds = {}
    if report.exists():
        page_seconds = {page: data.get("runtime") for page, data in json.loads(report.read_text()).items()}
    record.update(
        seconds=round(elapsed, 1),
        sphinx_seconds=round(time.perf_counter() - sphinx_start, 1),
        returncode=rc,
        executed_in_sphinx=sphinx_executions((BUILD / "build.log").read_text()),
        page_seconds=page_seconds,
    )
    RECORD.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    with open(BUILD / "build-history.jsonl", "a") as history:  # for measuring build times
        history.write(
            json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%S"), **record}, sort_keys=True) + "\n"
        )
    print(f"book build {build_id} finished in {elapsed:.1f} s with exit code {rc}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
