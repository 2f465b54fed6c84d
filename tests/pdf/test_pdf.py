"""The PDF edition (``make pdf``, ``make pdf-student``): ``_build/pdf/book.pdf`` and
``_build/pdf/book-student.pdf``, written by ``tools/build_pdf.py``.

The PDFs are read as a reader meets them: their text (pypdfium2, page by page), their
bookmarks, links and fonts (pypdf). Every page of ``_toc.yml`` is in the book, under its
title, on the page that the contents and the bookmarks give; no raw LaTeX or MyST reaches
the text outside code; the formulas are typeset (MathJax typeset every formula of the page
before it was printed, and its glyphs are in the PDF); every link inside the book leads
somewhere; the student edition has no solution (the collection of solution texts of
``tests/student``). Two pages are rendered to ``_build/pdf/page-<n>.png``.
"""

from __future__ import annotations

import html
import json
import re
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PDF = ROOT / "_build" / "pdf"
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests" / "student"))
from book_pages import toc_pages  # noqa: E402
from build_student import REFERENCE, SOURCE  # noqa: E402

EDITIONS = {
    "full": (PDF / "book.pdf", PDF / "build-time.json", PDF / "full"),
    "student": (PDF / "book-student.pdf", PDF / "build-time-student.json", PDF / "student"),
}
WORD = re.compile(r"[A-Za-z0-9]+")
# PDF pages per page of the table of contents (measured on the 52-page book: 11.3 for the
# full edition, 9.8 for the student edition)
PAGES_PER_PAGE = (4, 20)
RAW = {
    "LaTeX": [r"\begin{", r"\end{", "$$", r"\frac", r"\mathbf", r"\boldsymbol", r"\(", r"\)", r"\["],
    "MyST": [
        "{glue:",
        "{glue}",
        "```",
        ":::",
        "{code-cell}",
        "{ref}`",
        "{numref}`",
        "{eq}`",
        "{cite}`",
        "{doc}`",
        "{math}`",
        "{exercise}",
        "{solution",
    ],
}
# measured: 3800 in the full book, 2900 in the student edition
MATH_GLYPHS = set("∑∏∫∂∇∈∉≈≤≥≠→↦⊤∞±×·αβγδεϵθλμνξπρσϕφψωΓΔΘΛΣΦΨΩ")


def words(text: str) -> str:
    return " ".join(w.lower() for w in WORD.findall(text))


@cache
def edition(name: str) -> dict:
    pdf, record, work = EDITIONS[name]
    if not pdf.exists() or not record.exists():
        target = "pdf" if name == "full" else "pdf-student"
        pytest.fail(f"{pdf.relative_to(ROOT)} is not built: run `make {target}` first")
    import pypdfium2 as pdfium
    from pypdf import PdfReader

    document = pdfium.PdfDocument(str(pdf))
    # pdfium gives a hyphen at the end of a line as U+FFFE
    texts = [document[i].get_textpage().get_text_range().replace("\ufffe", "-") for i in range(len(document))]
    document.close()
    return {
        "pdf": pdf,
        "record": json.loads(record.read_text()),
        "texts": texts,
        "reader": PdfReader(pdf),
        "html": work / "_build" / "singlehtml" / "book.html",
        "source": SOURCE if name == "student" else ROOT,
    }


def page_title(source: Path, page: str) -> str:
    match = re.search(r"^# (.+)$", (source / f"{page}.md").read_text(), flags=re.M)
    assert match, f"{page}.md has no title"
    return match.group(1)


def outline(reader) -> list[tuple[str, int]]:
    """(title, page index) of every bookmark."""
    out = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                out.append((str(item.title), reader.get_destination_page_number(item)))

    walk(reader.outline)
    return out


@cache
def code_text(name: str) -> str:
    """The code the printed page shows (code cells, included code, outputs, inline code)."""
    text = edition(name)["html"].read_text()
    parts = re.findall(r"<(pre|code)\b[^>]*>(.*?)</\1>", text, flags=re.S)
    return " ".join(" ".join(html.unescape(re.sub(r"<[^>]+>", "", body)).split()) for _, body in parts)


EDITION_NAMES = pytest.mark.parametrize("name", ["full", "student"])


@EDITION_NAMES
def test_the_build_record(name):
    """Typeset, offline, complete: what the build found in the page before printing it."""
    record = edition(name)["record"]
    assert record["edition"] == name
    assert record["math_source"] > 1000 and record["math_rendered"] >= record["math_source"]
    assert not record["math_unrendered"] and not record["math_errors"]
    assert record["raw_tex_delimiters"] == 0, "a \\( or $$ in the text of the page before printing"
    assert not record["foreign_requests"], "printing asked for something outside the book"
    assert not record["broken_images"] and record["images"] > 50
    assert not record["page_errors"]
    assert not record["entries_without_page"]
    assert record["contents_with_page"] == len(record["contents"])
    assert record["n_pages"] == len(edition(name)["texts"])


@EDITION_NAMES
def test_page_count(name):
    n = len(edition(name)["texts"])
    n_toc = len(toc_pages(edition(name)["source"]))
    low, high = PAGES_PER_PAGE
    assert low * n_toc <= n <= high * n_toc, f"{n} PDF pages for {n_toc} pages of the book"
    assert not [i + 1 for i, text in enumerate(edition(name)["texts"][:-1]) if not text.strip()], (
        "blank pages"
    )


@EDITION_NAMES
def test_every_page_of_the_toc_under_its_title_where_the_bookmarks_say(name):
    data = edition(name)
    marks = [(words(title), page) for title, page in outline(data["reader"])]
    n_front = data["record"]["front_pages"]
    # pdfium reads a sparse page (the last page of the contents, a few entries) one glyph per
    # line; pypdf reads the same page as lines of words: the contents is either reading
    front = [data["reader"].pages[i].extract_text() for i in range(n_front)]
    contents = words(" ".join(data["texts"][:n_front])) + " | " + words(" ".join(front))
    missing, misplaced = [], []
    for page in toc_pages(data["source"]):
        title = words(re.sub(r"\$[^$]*\$", " ", page_title(data["source"], page)))
        if title not in contents:
            missing.append(f"{page}: not in the contents")
        found = [p for mark, p in marks if mark.endswith(title)]
        if not found:
            missing.append(f"{page}: no bookmark")
        elif title not in words(data["texts"][found[0]]):
            misplaced.append(f"{page}: bookmark to page {found[0] + 1}, which lacks the title")
    assert not missing and not misplaced, missing + misplaced


@EDITION_NAMES
def test_contents_page_numbers_lead_to_the_titles(name):
    """The number beside a chapter in the contents is the page (footer number) of its title."""
    data = edition(name)
    n_front = data["record"]["front_pages"]
    lines = "\n".join(data["texts"][:n_front]).splitlines()
    checked, wrong = 0, []
    for line in lines:
        match = re.match(r"^(\d+\. .+?) (\d+)\s*$", line.strip())
        if not match:
            continue
        title, page = words(match.group(1)), int(match.group(2))
        checked += 1
        if title not in words(data["texts"][page - 1]) or str(page) not in data["texts"][page - 1]:
            wrong.append(f"{match.group(1)} -> {page}")
    assert checked >= 20
    assert not wrong, wrong


@EDITION_NAMES
def test_no_raw_latex_or_myst_outside_code(name):
    code = code_text(name)
    leaks = []
    for number, text in enumerate(edition(name)["texts"], start=1):
        for kind, patterns in RAW.items():
            for pattern in patterns:
                start = text.find(pattern)
                while start >= 0:
                    left = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start)) + 1
                    ends = [i for i in (text.find(" ", start), text.find("\n", start)) if i >= 0]
                    token = text[left : min(ends) if ends else len(text)].strip()
                    if token not in code:
                        leaks.append(f"page {number}: {kind} {pattern!r} in {token!r}")
                    start = text.find(pattern, start + 1)
    assert not leaks, leaks[:20]


@EDITION_NAMES
def test_equations_are_typeset(name):
    """MathJax's glyphs are in the PDF: its fonts (Type 3) and the symbols of the formulas."""
    data = edition(name)
    reader = data["reader"]
    with_math_font = 0
    for page in reader.pages:
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        if any(font.get_object().get("/Subtype") == "/Type3" for font in fonts.values()):
            with_math_font += 1
    assert with_math_font > 0.4 * len(reader.pages)
    symbols = sum(1 for text in data["texts"] for ch in text if ch in MATH_GLYPHS)
    assert symbols > 1500, f"only {symbols} mathematical symbols in the text"


@EDITION_NAMES
def test_links_inside_the_book_lead_somewhere(name):
    reader = edition(name)["reader"]
    names = reader.named_destinations
    total, broken = 0, []
    for number, page in enumerate(reader.pages, start=1):
        for annot in page.get("/Annots") or []:
            dest = annot.get_object().get("/Dest")
            if dest is None:
                continue
            total += 1
            if dest not in names or reader.get_destination_page_number(names[dest]) is None:
                broken.append(f"page {number}: {dest}")
    assert total > 500 and not broken, broken[:20]


def test_solutions_in_the_full_pdf_and_none_in_the_student_pdf():
    from test_student_edition import distinctive, shingles

    target = distinctive()
    full = shingles("\n".join(edition("full")["texts"])) & target
    assert len(full) > 500, "the collection of solution texts finds the solutions in the full PDF"
    student_text = "\n".join(edition("student")["texts"])
    # solutions can only stand on the exercise pages; the rest of the printed book may share a
    # run of words with a solution that its HTML does not (a typeset formula read as letters)
    leaked = shingles("\n".join(exercise_page_texts("student"))) & target
    assert not leaked, sorted(" ".join(s) for s in leaked)[:10]
    assert "Solution to Exercise" in "\n".join(edition("full")["texts"])
    assert "Solution to Exercise" not in student_text


def exercise_page_texts(name: str) -> list[str]:
    """The text of the PDF pages from the first exercise page to the page after the last one."""
    data = edition(name)
    marks = [(words(title), page) for title, page in outline(data["reader"])]
    pages = toc_pages(data["source"])

    def start(page: str, since: int = 0) -> int:
        """The first page, not before ``since``, that a bookmark with the page's title leads to."""
        title = words(re.sub(r"\$[^$]*\$", " ", page_title(data["source"], page)))
        return next(p for mark, p in marks if mark.endswith(title) and p >= since)

    exercises = [i for i, page in enumerate(pages) if page.startswith("exercises/")]
    first = start(pages[exercises[0]])
    after = [start(page, first) for page in pages[exercises[-1] + 1 :] if not page.startswith(REFERENCE)]
    last = min(after) if after else len(data["texts"])
    assert last - first > len(exercises), "the exercise pages were not found"
    return data["texts"][first:last]


def test_no_reference_solutions_in_the_student_pdf():
    student = words("\n".join(edition("student")["texts"]))
    pages = [p for p in toc_pages(ROOT) if p.startswith(REFERENCE)]
    assert pages
    for page in pages:
        assert words(page_title(ROOT, page)) not in student


def has_image(page) -> bool:
    xobjects = (page.get("/Resources") or {}).get("/XObject") or {}
    return any(x.get_object().get("/Subtype") == "/Image" for x in xobjects.values())


def test_two_pages_as_images():
    """Renders the first page of chapter 1 and the first later page with a figure and formulas."""
    import pypdfium2 as pdfium
    from PIL import ImageStat

    data = edition("full")
    marks = outline(data["reader"])
    first = next(page for title, page in marks if title.startswith("1. "))
    figure = next(
        i
        for i in range(first + 1, len(data["reader"].pages))
        if has_image(data["reader"].pages[i]) and sum(ch in MATH_GLYPHS for ch in data["texts"][i]) >= 5
    )
    document = pdfium.PdfDocument(str(data["pdf"]))
    try:
        for index in (first, figure):
            image = document[index].render(scale=1.5).to_pil()
            image.save(PDF / f"page-{index + 1}.png")
            assert max(ImageStat.Stat(image.convert("L")).stddev) > 20, f"page {index + 1} looks empty"
    finally:
        document.close()
