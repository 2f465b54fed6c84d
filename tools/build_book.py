"""Build the book: invalidate stale execution results, execute pages in parallel, then run Jupyter Book.

1. **Stale cache.** jupyter-cache keys a notebook on its cell sources only, so a change in
   ``physml`` or in the pinned environment would otherwise leave stale outputs in the
   book. The hash of ``code/physml/**``, ``requirements.txt`` and ``code/pyproject.toml``
   is kept in ``_build/.physml-hash``; when it changes, the execution cache is cleared
   and every page is read again (``--all``). Sphinx writes only the pages whose source
   changed, so a change of ``_config.yml``, ``_toc.yml``, ``references.bib`` or the
   extensions in ``tools/`` also re-reads every page (hash in ``_build/.site-hash``).
2. **Parallel pre-execution.** ``sphinx-build -j`` cannot be used with Jupyter Book 1
   (sphinx-multitoc-numbering and sphinx-jupyterbook-latex are not declared parallel-safe,
   sphinx-proof's domain cannot merge parallel reads). Instead, every page of ``_toc.yml``
   whose outputs are not in the cache is executed here first, ``--jobs`` kernels at a time
   (longest page first, from the last build's timings), and stored in the book's
   jupyter-cache with myst-nb's own notebook reader, so that the build finds every page
   in the cache. Each kernel gets ``cores // jobs`` BLAS/OpenMP/torch threads, so that
   two kernels on two cores do not oversubscribe them.
3. **Strict build.** ``jupyter-book build -n -W --keep-going``: any cell error, Sphinx
   warning or broken reference fails it. A page that failed in step 2 is executed once
   more by the build itself, which then reports the error with its traceback.

``_build/build-time.json`` records the wall time of both steps, which pages were
executed where, and the exit code; the book tests read it.

    .venv/bin/python tools/build_book.py [--jobs N]      (N = 1: no pre-execution)
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

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from book_pages import notebook_pages  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
CACHE = BUILD / ".jupyter_cache"
HASH_FILE = BUILD / ".physml-hash"
SITE_HASH_FILE = BUILD / ".site-hash"
RECORD = BUILD / "build-time.json"
# the reader myst-nb itself uses for MyST notebooks: the same notebook, hence the same cache key
READ_DATA = {"name": "myst_nb_md", "type": "plugin"}
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def environment_hash() -> str:
    """Hash of everything that can change a page's outputs besides its own source."""
    h = hashlib.sha256()
    files = sorted((ROOT / "code" / "physml").rglob("*.py"))
    files += [ROOT / "requirements.txt", ROOT / "code" / "pyproject.toml"]
    for path in files:
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def invalidate_stale_cache() -> bool:
    """Remove the execution cache if physml or the environment changed; return True if removed."""
    current = environment_hash()
    previous = HASH_FILE.read_text().strip() if HASH_FILE.exists() else None
    stale = previous != current
    if stale and CACHE.exists():
        print(f"physml or requirements changed: clearing {CACHE.relative_to(ROOT)}")
        shutil.rmtree(CACHE)
    BUILD.mkdir(exist_ok=True)
    HASH_FILE.write_text(current + "\n")
    return stale


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


def execution_timeout() -> int:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return int(config.get("execute", {}).get("timeout", 120))


def _execute(task):
    """Worker: execute one notebook in a fresh kernel; return it with time and traceback."""
    from jupyter_cache.executors.utils import single_nb_execution

    uri, nb, timeout = task
    start = time.perf_counter()
    try:
        result = single_nb_execution(nb, cwd=str(Path(uri).parent), timeout=timeout, allow_errors=False)
    except Exception as err:  # e.g. the kernel died: the build executes the page again and reports it
        return uri, nb, time.perf_counter() - start, type(err).__name__, traceback.format_exc()
    error = f"{type(result.err).__name__}" if result.err else None
    return uri, result.nb, result.time, error, result.exc_string


def preexecute(pages: list[str], jobs: int) -> dict:
    """Execute the pages whose outputs are not cached, ``jobs`` kernels at a time, into the cache."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from jupyter_cache.cache.db import NbProjectRecord

    start = time.perf_counter()
    cache = get_cache(str(CACHE))
    uris = [str(ROOT / f"{page}.md") for page in pages]
    for record in cache.list_project_records():
        if record.uri not in uris or record.read_data != READ_DATA:
            cache.remove_nb_from_project(record.uri)
    for uri in uris:
        cache.add_nb_to_project(uri, read_data=READ_DATA)
    todo = [record.uri for record in cache.list_unexecuted(filter_uris=uris)]
    # longest first, so that the kernels finish together: by the timings of the last build,
    # else (a fresh clone) by the size of the page
    last = previous_record().get("page_seconds", {})

    def expected_seconds(uri: str) -> float:
        seconds = last.get(Path(uri).relative_to(ROOT).with_suffix("").as_posix())
        return seconds if seconds is not None else Path(uri).stat().st_size / 1000

    todo.sort(key=expected_seconds, reverse=True)
    executed, failed = {}, {}
    if todo:
        timeout = execution_timeout()
        workers = max(1, min(jobs, len(todo)))
        print(f"pre-executing {len(todo)} page(s) with {workers} kernel(s) at a time")
        tasks = [(uri, cache.get_project_notebook(uri).nb, timeout) for uri in todo]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for uri, nb, seconds, error, trace in pool.imap_unordered(_execute, tasks, chunksize=1):
                page = Path(uri).relative_to(ROOT).with_suffix("").as_posix()
                if error:
                    failed[page] = error
                    NbProjectRecord.set_traceback(uri, trace, cache.db)
                    print(f"  {page}: FAILED after {seconds:.1f} s ({error}); the build will report it")
                else:
                    executed[page] = round(seconds, 2)
                    bundle = CacheBundleIn(nb, uri, data={"execution_seconds": seconds})
                    cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)
                    print(f"  {page}: executed in {seconds:.1f} s")
    return {
        "preexecute_seconds": round(time.perf_counter() - start, 1),
        "preexecuted": executed,
        "preexecute_failed": failed,
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
    stale = invalidate_stale_cache()
    # After a failed build or a cache reset, re-read every page so that all warnings
    # surface again; after a change of configuration or extensions, so that every page
    # is written anew. Reading a page whose outputs are cached costs no execution.
    changed = site_changed()
    full = stale or changed or last_build_failed()
    env = book_env(threads)
    record: dict = {"jobs": jobs, "threads_per_kernel": threads, "full": full}
    if jobs > 1:
        os.environ.update(env)  # inherited by the workers' kernels
        record.update(preexecute(notebook_pages(ROOT), jobs))
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
    with open(BUILD / "build.log", "w") as log:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for line in proc.stdout:
            sys.stdout.write(line)
            log.write(line)
        rc = proc.wait()
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
    print(f"book build finished in {elapsed:.1f} s with exit code {rc}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
