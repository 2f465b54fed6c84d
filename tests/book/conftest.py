"""Fixtures for the tests of the built book (run after ``make book``)."""

import json
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "_build"
HTML = BUILD / "html"
PAGE_BUDGET_SECONDS = 60.0


def toc_files() -> list[str]:
    """Every page of ``_toc.yml`` (root first), as paths without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    return files


def is_notebook(page: str) -> bool:
    return "```{code-cell}" in (ROOT / f"{page}.md").read_text()


@pytest.fixture(scope="session")
def built():
    if not (HTML / "index.html").exists():
        pytest.fail("the book is not built: run `make book` first")
    return HTML


@pytest.fixture(scope="session")
def exec_report(built):
    return json.loads((BUILD / "exec-report.json").read_text())
