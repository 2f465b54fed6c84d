"""The student edition (``make book-student``) contains no solution, in any of its files.

Every solution of the book's exercise pages (``{solution}`` directives, gated
``{solution-start}`` ... ``{solution-end}`` spans with their code cells, the drop-down
"Answers" of "Test yourself") is collected from the sources. Its *distinctive* text, the
runs of eight words that occur nowhere else in the book (the student edition's sources,
the rendered pages outside ``exercises/``), must not occur
in any file of the student edition: HTML pages (as text, without markup), page sources
(``.md``), downloadable notebooks (cells and outputs) and every other text file. Words
that only solutions use must not be terms of the search index. The same collection
finds the solutions in the full book, so the test cannot pass by finding nothing.
"""

from __future__ import annotations

import html
import json
import re
import sys
from functools import cache
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from book_pages import toc_pages  # noqa: E402
from build_student import HTML, SOURCE, solution_spans, strip_solutions  # noqa: E402

FULL_HTML = ROOT / "_build" / "html"
SHINGLE = 8  # words in a run
WORD = re.compile(r"[A-Za-z0-9_]+")
TEXT_SUFFIXES = {".html", ".md", ".ipynb", ".js", ".txt", ".json", ".css", ".py", ".xml"}


def solutions(text: str) -> list[str]:
    """The text of every solution of a MyST page, code cells included."""
    return [body for _, _, body in solution_spans(text.splitlines())]


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def shingles(text: str) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[k : k + SHINGLE]) for k in range(len(w) - SHINGLE + 1)}


@cache
def solution_texts() -> dict[str, list[str]]:
    return {p.stem: solutions(p.read_text()) for p in sorted((ROOT / "exercises").glob("*.md"))}


@cache
def reference_texts() -> dict[str, str]:
    """The instructors' reference solutions of the projects (pages and modules): absent from
    the student edition as a whole."""
    folder = ROOT / "projects" / "reference"
    return {p.name: p.read_text() for p in sorted(folder.glob("*")) if p.suffix in (".md", ".py")}


@cache
def student_source_text() -> str:
    return "\n".join((SOURCE / f"{page}.md").read_text() for page in toc_pages(SOURCE))


@cache
def distinctive() -> set[tuple[str, ...]]:
    """Runs of words of the solutions that the rest of the book does not contain.

    The rest of the book: the student edition's sources, and the full book's pages
    outside ``exercises/`` as rendered (with the code they include from ``physml`` and
    their outputs; a chapter may show the same line of code or formula as a solution).
    """
    inside = set().union(*(shingles(t) for texts in solution_texts().values() for t in texts))
    inside |= set().union(set(), *(shingles(t) for t in reference_texts().values()))
    outside = shingles(student_source_text())
    for page in toc_pages(ROOT):
        path = FULL_HTML / f"{page}.html"
        if not page.startswith(("exercises/", "projects/reference/")) and path.exists():
            outside |= shingles(file_text(path))
    return inside - outside


def file_text(path: Path) -> str:
    """What a reader of the file sees: HTML without markup, a notebook's cells and outputs."""
    raw = path.read_text(errors="replace")
    if path.suffix == ".html":
        raw = re.sub(r"<(script|style)\b.*?</\1>", " ", raw, flags=re.S)
        return html.unescape(re.sub(r"<[^>]+>", " ", raw))
    if path.suffix == ".ipynb":
        nb = nbformat.reads(raw, as_version=4)
        parts = []
        for cell in nb.cells:
            parts.append(cell.source)
            for output in cell.get("outputs", []):
                parts.append(output.get("text", ""))
                parts.extend(str(v) for k, v in output.get("data", {}).items() if k.startswith("text/"))
        return "\n".join(parts)
    return raw


def leaks(folder: Path) -> dict[str, int]:
    """Files of ``folder`` containing distinctive solution text, with the number of runs found."""
    target = distinctive()
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in TEXT_SUFFIXES:
            n = len(shingles(file_text(path)) & target)
            if n:
                found[str(path.relative_to(folder))] = n
    return found


@pytest.fixture(scope="module")
def student():
    if not (HTML / "index.html").exists():
        pytest.fail("the student edition is not built: run `make book-student` first")
    return HTML


def test_every_exercise_page_has_solutions_to_remove():
    texts = solution_texts()
    assert sum(len(v) for v in texts.values()) >= 100
    for name, found in texts.items():
        assert found, f"exercises/{name}.md has no solutions?"
        assert not solutions(strip_solutions((ROOT / "exercises" / f"{name}.md").read_text()))


def test_the_collection_finds_the_solutions_in_the_full_book():
    if not (FULL_HTML / "index.html").exists():
        pytest.skip("the full book is not built")
    assert len(distinctive()) > 1000
    found = leaks(FULL_HTML)
    exercise_pages = {Path(p).stem.removesuffix("-exercises") for p in found if "exercises/" in p}
    assert exercise_pages == set(solution_texts()), sorted(set(solution_texts()) - exercise_pages)


def test_reference_solutions_are_absent_from_the_student_edition(student):
    pages = [p for p in toc_pages(ROOT) if p.startswith("projects/reference/")]
    assert len(pages) >= 6, "the full book lists the projects' reference solutions"
    assert not [p for p in toc_pages(SOURCE) if p.startswith("projects/reference/")]
    assert (
        not list(student.rglob("*reference*solution*")) and not (student / "projects" / "reference").exists()
    )
    assert not (SOURCE / "projects" / "reference").exists()
    if (FULL_HTML / "index.html").exists():
        for page in pages:  # the collection finds them in the full book
            assert shingles(file_text(FULL_HTML / f"{page}.html")) & distinctive(), page


def test_no_solution_text_in_any_file_of_the_student_edition(student):
    found = leaks(student)
    assert not found, f"solution text in the student edition: {found}"


def test_exercises_and_self_checks_are_intact(student):
    for path in sorted((ROOT / "exercises").glob("*.md")):
        source = path.read_text()
        text = (student / "exercises" / f"{path.stem}.html").read_text()
        n_exercises = len(re.findall(r"^```\{exercise(?:-start)?\}", source, flags=re.M))
        assert text.count('class="exercise admonition"') == n_exercises, path.stem
        assert not re.search(r'class="[^"]*\bsolution\b', text), f"{path.stem}: a solution element"
        for check in re.findall(r'physml\.check\("([\w-]+)"', strip_solutions(source)):
            assert check in text, f"{path.stem}: the self-check {check!r} is missing"
        if "## Test yourself" in source:
            assert "Test yourself" in text, path.stem


def test_search_index_has_no_words_only_solutions_use(student):
    from sphinx.search.en import SearchEnglish

    stemmer = SearchEnglish({})
    visible = set(words(student_source_text()))
    for page in student.rglob("*.html"):
        visible.update(words(file_text(page)))
    visible_stems = {stemmer.stem(w) for w in visible}
    solution_words = {w for texts in solution_texts().values() for t in texts for w in words(t) if len(w) > 3}
    stems = {stemmer.stem(w) for w in solution_words} - visible_stems
    assert stems, "no word is used only by solutions (the check would be empty)"

    def terms(folder: Path) -> set[str]:
        text = (folder / "searchindex.js").read_text()
        data = json.loads(text[text.index("(") + 1 : text.rindex(")")])
        return set(data["terms"]) | set(data.get("titleterms", {}))

    assert not stems & terms(student), sorted(stems & terms(student))[:20]
    if (FULL_HTML / "searchindex.js").exists():
        assert stems & terms(FULL_HTML), "the full book's index has none of these words either"
