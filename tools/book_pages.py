"""The pages of the book, as listed in ``_toc.yml`` (shared by the build and the tests)."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def toc_pages(root: Path = ROOT) -> list[str]:
    """Every page of ``_toc.yml`` (root first), as paths without suffix, e.g. ``chapters/regression``."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    return pages


def is_notebook(page: str, root: Path = ROOT) -> bool:
    """True if the page has code cells, i.e. is executed when the book is built."""
    return "```{code-cell}" in (root / f"{page}.md").read_text()


def notebook_pages(root: Path = ROOT) -> list[str]:
    """The pages of the table of contents that are executed."""
    return [p for p in toc_pages(root) if is_notebook(p, root)]


def page_metadata(page: str, root: Path = ROOT) -> dict:
    """The ``physml`` entry of a page's front matter, e.g. ``{"summary": True}`` ({} if none)."""
    text = (root / f"{page}.md").read_text()
    if not text.startswith("---"):
        return {}
    front = text.split("---", 2)[1]
    return (yaml.safe_load(front) or {}).get("physml", {}) or {}
