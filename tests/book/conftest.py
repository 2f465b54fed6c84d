"""Fixtures for the tests of the built book (run after ``make book``)."""

import json

import pytest
from book_helpers import BUILD, HTML


@pytest.fixture(scope="session")
def built():
    if not (HTML / "index.html").exists():
        pytest.fail("the book is not built: run `make book` first")
    return HTML


@pytest.fixture(scope="session")
def exec_report(built):
    return json.loads((BUILD / "exec-report.json").read_text())
