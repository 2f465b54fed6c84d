"""What a reader sees is rendered: no raw TeX, Markdown or MyST in the text of a page, and
a label on every axis of every figure."""

import json
import re

import pytest
from book_helpers import BUILD, is_notebook, toc_files
from bs4 import BeautifulSoup

PAGES = toc_files()
NOTEBOOKS = [p for p in PAGES if is_notebook(p)]

# Rendered math and code (cell sources, printed output) are not prose; neither is the navigation.
NOT_PROSE = (
    "script, style, pre, code, .math, mjx-container, .highlight, "
    "nav, .bd-sidebar-primary, .bd-sidebar-secondary, .header-article, .prev-next-area, footer"
)
RAW = {
    "inline TeX delimiters": re.compile(r"\\\(|\\\)|\\\[|\\\]"),
    "a TeX command": re.compile(r"\\[A-Za-z]{2,}"),
    "dollar math": re.compile(r"\$[^$\s][^$]*\$"),
    "a Markdown table row": re.compile(r"\|\s*:?-{3,}:?\s*\|"),
    "a Markdown heading": re.compile(r"(^|\n)\s*#{1,6} \S"),
    "a MyST role": re.compile(r"\{(glue|glue:text|eq|ref|numref|cite|doc|math|term)\}`"),
    "a code fence": re.compile(r"```"),
    "a colon fence": re.compile(r"(^|\n)\s*:::"),
    "a directive": re.compile(r"\{(code-cell|admonition|note|warning|figure|exercise|solution)[^}]*\}"),
}


def prose(page: str) -> str:
    soup = BeautifulSoup((BUILD / "html" / f"{page}.html").read_text(), "html.parser")
    main = soup.select_one("main") or soup
    for node in main.select(NOT_PROSE):
        node.decompose()
    return main.get_text("\n")


@pytest.mark.parametrize("page", PAGES)
def test_page_text_has_no_raw_markup(built, page):
    text = prose(page)
    found = {what: m.group(0) for what, pattern in RAW.items() if (m := pattern.search(text))}
    context = {
        what: text[max(0, text.find(s) - 60) : text.find(s) + 60].replace("\n", " ")
        for what, s in found.items()
    }
    assert not found, f"{page} shows unrendered markup: {context}"


def test_raw_markup_is_detected():
    """The patterns catch the defects they are meant for (so the test above can fail)."""
    samples = [
        r"raw \alpha|\boldsymbol w|",
        r"\( x \)",
        "| model | mse |\n|---|---|",
        "## Heading",
        "{glue:text}`x`",
    ]
    for sample in samples:
        assert any(p.search(sample) for p in RAW.values()), sample
    assert not any(p.search("An ordinary sentence, with 3 numbers: 0.5 | 1.") for p in RAW.values())


def _figures(page: str) -> list[dict]:
    log = BUILD / "figures" / f"{page.replace('/', '--')}.jsonl"
    if not log.exists():
        return []
    last = {}
    for line in log.read_text().splitlines():
        entry = json.loads(line)
        last[entry["figure"]] = entry  # the last drawing of each figure is what the page shows
    return list(last.values())


def unlabelled_axes(figures: list[dict]) -> list[str]:
    missing = []
    for fig in figures:
        for n, ax in enumerate(fig["axes"]):
            name = "colour bar" if ax["colorbar"] else ax["title"] or "untitled"
            what = f"figure {fig['figure']} axes {n} ({name})"
            if ax["x_ticks"] and not ax["xlabel"].strip():
                missing.append(f"{what}: no x label")
            if ax["y_ticks"] and not ax["ylabel"].strip():
                missing.append(f"{what}: no y label")
    return missing


@pytest.mark.parametrize("page", NOTEBOOKS)
def test_every_figure_axis_is_labelled(built, page):
    missing = unlabelled_axes(_figures(page))
    assert not missing, f"{page}: " + "; ".join(missing)


def test_figures_were_recorded(built):
    assert sum(len(_figures(p)) for p in NOTEBOOKS) >= 10, "the build recorded (almost) no figures"


def test_unlabelled_axis_is_detected():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from physml import plotting

    fig, ax = plt.subplots()
    image = ax.imshow([[0, 1], [2, 3]])
    ax.set_xlabel("x")
    fig.colorbar(image, ax=ax)
    fig.canvas.draw()
    missing = unlabelled_axes([{"figure": 1, "axes": plotting.axis_labels(fig)}])
    plt.close(fig)
    assert any("no y label" in m and "axes 0" in m for m in missing)
    assert any("colour bar" in m for m in missing)


EXERCISE_PAGES = [p for p in PAGES if p.startswith("exercises/")]


def _chapter_number(page: str) -> str:
    """The number of the chapter's heading ("2" for "2. Regression ..."); "0" for the root page."""
    soup = BeautifulSoup((BUILD / "html" / f"{page}.html").read_text(), "html.parser")
    for h1 in soup.select("main section h1"):
        match = re.match(r"(\d+)\.\s", h1.get_text(" ", strip=True))
        if match:
            return match.group(1)
    return "0"


@pytest.mark.parametrize("page", EXERCISE_PAGES)
def test_exercises_are_numbered_per_chapter(built, page):
    chapter = "chapters/" + page.split("/", 1)[1]
    number = _chapter_number(chapter) if chapter != PAGES[0] else "0"
    soup = BeautifulSoup((BUILD / "html" / f"{page}.html").read_text(), "html.parser")
    titles = [t.get_text(" ", strip=True) for t in soup.select("p.admonition-title")]
    exercises = [t.split()[1] for t in titles if re.match(r"Exercise \d", t)]
    assert exercises, f"{page} has no numbered exercises"
    assert exercises == [f"{number}.{k}" for k in range(1, len(exercises) + 1)], exercises
    solutions = [t.split()[-1] for t in titles if t.startswith("Solution to Exercise")]
    assert set(solutions) <= set(exercises)
