"""Build the student edition: the same book with every solution removed.

Instructors publish the book while a course runs, before the solutions should be online.
The student edition has the exercises, their self-checks and the "Test yourself"
questions, but no solution: not hidden, absent from the HTML, the search index, the
downloadable notebooks and the page sources.

1. **Staging.** The book's sources are staged in ``_build/student/source``: the exercise
   pages with their ``{solution}`` directives, their gated ``{solution-start}`` ...
   ``{solution-end}`` spans (the code cells inside included) and the drop-down "Answers"
   of the "Test yourself" questions removed (:func:`strip_solutions`); everything else
   (chapters, appendix, ``code``, ``tools``, the bibliography) linked as it is.
2. **No execution.** Every page's outputs are taken from the execution cache of the
   main build (``make book`` must have run): a stripped page keeps the outputs of the
   cells it still has. They are stored in the student edition's own cache
   (``_build/student/.jupyter_cache``, rebuilt each time, so that no solution output is
   in it), keyed by the stripped pages, so that Jupyter Book executes nothing.
3. **Strict build** into ``_build/student/_build/html``, as ``tools/build_book.py`` does.

    .venv/bin/python tools/build_student.py        (make book-student)
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from book_pages import notebook_pages, toc_pages  # noqa: E402
from build_book import CACHE, READ_DATA, book_env, run_streamed  # noqa: E402
from notebook_export import _is_answer_dropdown, _parse_block  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
STUDENT = ROOT / "_build" / "student"
SOURCE = STUDENT / "source"
STUDENT_CACHE = STUDENT / ".jupyter_cache"
HTML = STUDENT / "_build" / "html"
RECORD = STUDENT / "build-time.json"
# linked into the staging folder unchanged (the exercise pages are written stripped; the
# projects' reference solutions, instructor material, are left out with their part of the toc)
LINKED = ["chapters", "appendix", "code", "tools", "_static_vendor", "references.bib"]
REFERENCE = "projects/reference/"


def student_toc(toc: dict) -> dict:
    """The table of contents without the pages of the projects' reference solutions."""

    def keep(entries):
        return [
            {**e, **({"sections": keep(e["sections"])} if "sections" in e else {})}
            for e in entries
            if not str(e.get("file", "")).startswith(REFERENCE)
        ]

    parts = []
    for part in toc.get("parts", []):
        chapters = keep(part.get("chapters", []))
        if chapters:
            parts.append({**part, "chapters": chapters})
    return {**toc, "parts": parts}


def is_solution(directive) -> bool:
    return directive.name in ("solution", "solution-start") or _is_answer_dropdown(directive)


def solution_spans(lines: list[str]) -> list[tuple[int, int, str]]:
    """``(first line, line after it, text)`` of every solution of a MyST page given as lines
    (without line ends): ``{solution}`` directives and "Answers" drop-downs with their body,
    and gated ``{solution-start}`` ... ``{solution-end}`` spans with everything between them
    (code cells included). The student edition drops these spans; its test looks for their text.
    """
    spans = []
    i = 0
    while i < len(lines):
        block = _parse_block(lines, i)
        if block is None:
            i += 1
            continue
        directive, end = block
        if not is_solution(directive):
            i = end
            continue
        if directive.name != "solution-start":
            spans.append((i, end, directive.body))
            i = end
            continue
        j = end  # find the matching solution-end
        while j < len(lines):
            inner = _parse_block(lines, j)
            if inner is None:
                j += 1
                continue
            if inner[0].name == "solution-end":
                spans.append((i, inner[1], "\n".join(lines[end:j])))
                break
            j = inner[1]
        else:
            raise ValueError(f"a solution-start at line {i + 1} has no solution-end")
        i = spans[-1][1]
    return spans


def strip_solutions(text: str) -> str:
    """The MyST page ``text`` without its solutions (and the code cells inside them)."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    i = 0
    for start, end, _ in solution_spans([line.rstrip("\n") for line in lines]):
        out.extend(lines[i:start])
        i = end
        while out and not out[-1].strip() and i < len(lines) and not lines[i].strip():
            i += 1  # no run of blank lines where the solution was
    out.extend(lines[i:])
    return re.sub(r"\n{3,}", "\n\n", "".join(out))


def stage() -> list[str]:
    """Write the staging folder; returns the pages that lost their solutions."""
    if SOURCE.exists():
        shutil.rmtree(SOURCE)
    SOURCE.mkdir(parents=True)
    for name in LINKED:
        (SOURCE / name).symlink_to(ROOT / name)
    toc = student_toc(yaml.safe_load((ROOT / "_toc.yml").read_text()))
    (SOURCE / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False, allow_unicode=True))
    (SOURCE / "projects").mkdir()
    for path in sorted((ROOT / "projects").glob("*.md")):
        (SOURCE / "projects" / path.name).symlink_to(path)
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["title"] = f"{config['title']} (student edition)"
    config.setdefault("execute", {})["cache"] = str(STUDENT_CACHE)
    (SOURCE / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    stripped = []
    (SOURCE / "exercises").mkdir()
    for path in sorted((ROOT / "exercises").glob("*.md")):
        text = path.read_text()
        student = strip_solutions(text)
        (SOURCE / "exercises" / path.name).write_text(student)
        if student != text:
            stripped.append(f"exercises/{path.stem}")
    return stripped


def _code_sources(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code"]


def fill_cache() -> int:
    """Store the outputs of every page, from the main build's cache, in the student cache.

    A stripped page's code cells are a subsequence of the full page's: each keeps the
    outputs of its cell in the full page. Returns the number of pages stored.
    """
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from jupyter_cache.readers import get_reader

    if STUDENT_CACHE.exists():
        shutil.rmtree(STUDENT_CACHE)
    main, student = get_cache(str(CACHE)), get_cache(str(STUDENT_CACHE))
    reader = get_reader(READ_DATA)
    n = 0
    for page in notebook_pages(SOURCE):
        full = reader(str(ROOT / f"{page}.md"))
        try:
            record = main.match_cache_notebook(full)
        except KeyError:
            raise SystemExit(f"{page} has no executed outputs in {CACHE}: run `make book` first") from None
        _, executed = main.merge_match_into_notebook(full)
        nb = reader(str(SOURCE / f"{page}.md"))
        cells = iter([c for c in executed.cells if c.cell_type == "code"])
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            for candidate in cells:  # the next full cell with the same source
                if candidate.source == cell.source:
                    cell.outputs = candidate.get("outputs", [])
                    cell.execution_count = candidate.get("execution_count")
                    break
            else:
                raise SystemExit(f"{page}: a code cell of the student page is not in the full page")
        uri = str(SOURCE / f"{page}.md")
        student.cache_notebook_bundle(
            CacheBundleIn(nb, uri, data=dict(record.data or {})), check_validity=False, overwrite=True
        )
        student.add_nb_to_project(uri, read_data=READ_DATA)
        n += 1
    return n


def main() -> int:
    start = time.perf_counter()
    STUDENT.mkdir(parents=True, exist_ok=True)
    stripped = stage()
    n_cached = fill_cache()
    print(
        f"student edition: {len(stripped)} exercise pages without solutions, {n_cached} pages from the cache"
    )
    assert set(toc_pages(SOURCE)) == {p for p in toc_pages(ROOT) if not p.startswith(REFERENCE)}
    env = book_env()
    env.pop("PHYSML_BUILD_DIR", None)
    cmd = [
        str(Path(sys.executable).parent / "jupyter-book"),
        "build",
        str(SOURCE),
        "--path-output",
        str(STUDENT),
        "--builder",
        "html",
        "-n",
        "-W",
        "--keep-going",
        "--all",
    ]
    sphinx_start = time.perf_counter()
    log_path = STUDENT / "build.log"
    rc = run_streamed(cmd, SOURCE, env, log_path)
    log_text = log_path.read_text()
    executed = [
        m.group(1)
        for m in re.finditer(r"(\S+)\.md: Executing notebook using", re.sub(r"\x1b\[[0-9;]*m", "", log_text))
    ]
    record = {
        "seconds": round(time.perf_counter() - start, 1),
        "sphinx_seconds": round(time.perf_counter() - sphinx_start, 1),
        "returncode": rc,
        "stripped_pages": stripped,
        "executed_in_sphinx": executed,
        "html": str(HTML.relative_to(ROOT)),
    }
    RECORD.write_text(json.dumps(record, indent=1) + "\n")
    print(f"student edition built in {record['seconds']} s with exit code {rc}: {HTML}")
    if executed:
        print(f"warning: {len(executed)} page(s) were executed, not taken from the cache: {executed}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
