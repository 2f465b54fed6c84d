"""Paths and page lists for the tests of the built book (imported by the tests and conftest)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from book_pages import is_notebook as _is_notebook  # noqa: E402
from book_pages import toc_pages  # noqa: E402

BUILD = ROOT / "_build"
HTML = BUILD / "html"
PAGE_BUDGET_SECONDS = 60.0
BUILD_BUDGET_SECONDS = 12 * 60.0  # a cold build of the whole book on 2 cores


def toc_files() -> list[str]:
    """Every page of ``_toc.yml`` (root first), as paths without suffix."""
    return toc_pages(ROOT)


def is_notebook(page: str) -> bool:
    return _is_notebook(page, ROOT)
