"""Fixtures of the browser tests of the built book (run after ``make book``).

The book in ``_build/html`` is served on 127.0.0.1 by a Python http.server thread and
visited by Debian's Chromium through Playwright (helpers in ``site_helpers.py``). Each
page is visited once (``crawl``) and what the tests need is collected on the way;
screenshots go to ``_build/screenshots/``.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest
from site_helpers import (
    CHROMIUM_ARGS,
    HTML,
    PAGE_PROBE,
    SITE_PAGES,
    PageVisit,
    find_chromium,
    new_context,
    offline_page,
)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


@pytest.fixture(scope="session")
def built() -> Path:
    if not (HTML / "index.html").exists():
        pytest.fail("the book is not built: run `make book` first")
    return HTML


@pytest.fixture(scope="session")
def server(built):
    """Base URL of ``_build/html`` served on 127.0.0.1 (a free port)."""
    handler = functools.partial(_QuietHandler, directory=str(built))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def browser():
    chromium = find_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the browser tests need the Python package playwright (pinned in requirements.txt)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def crawl(browser, server) -> dict[str, PageVisit]:
    """Visit every page of the book once, offline; return what was seen, page by page."""
    context = new_context(browser)
    visits = {}
    for page in SITE_PAGES:
        url = server + f"{page}.html"
        tab, network = offline_page(context)
        errors: list[str] = []
        tab.on("console", lambda msg, errors=errors: msg.type == "error" and errors.append(msg.text))
        tab.on("pageerror", lambda exc, errors=errors: errors.append(f"uncaught: {exc}"))
        tab.goto(url, wait_until="load")
        data = tab.evaluate(PAGE_PROBE)
        tab.wait_for_load_state("networkidle")
        visits[page] = PageVisit(page, url, errors, network, data)
        tab.close()
    context.close()
    return visits
