"""Every page of the built book, as a reader's browser shows it, offline."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from site_helpers import HTML, SITE_PAGES, new_context, offline_page

ERROR_TEXTS = (
    "Traceback (most recent call last)",
    "Executing notebook failed",
    "Notebook exception traceback",
)


@pytest.mark.parametrize("page", SITE_PAGES)
def test_no_console_errors(crawl, page):
    visit = crawl[page]
    assert not visit.console_errors, f"{page}: console errors:\n" + "\n".join(visit.console_errors)


@pytest.mark.parametrize("page", SITE_PAGES)
def test_page_is_served_only_from_the_book(crawl, page):
    network = crawl[page].network
    assert not network.foreign, f"{page} requested other hosts (refused): {network.foreign}"
    assert not network.failed, f"{page}: failed requests: {network.failed}"


@pytest.mark.parametrize("page", SITE_PAGES)
def test_math_is_typeset(crawl, page):
    data = crawl[page].data
    if data["mathSource"] == 0:
        assert data["mathRendered"] == 0
        return
    assert data["mathRendered"] >= 1, f"{page} has math but no MathJax container"
    assert not data["mathUnrendered"], f"{page}: math left untypeset: {data['mathUnrendered'][:5]}"
    assert not data["mathErrors"], f"{page}: MathJax errors: {data['mathErrors'][:5]}"


@pytest.mark.parametrize("page", SITE_PAGES)
def test_images_load(crawl, page):
    data = crawl[page].data
    assert not data["brokenImages"], f"{page}: images not loaded: {data['brokenImages']}"


@pytest.mark.parametrize("page", SITE_PAGES)
def test_no_error_output(crawl, page):
    data = crawl[page].data
    assert not data["errorBlocks"], f"{page}: error or stderr output: {data['errorBlocks'][:3]}"
    for text in ERROR_TEXTS:
        assert text not in data["text"], f"{page} shows {text!r}"


@pytest.mark.parametrize("page", SITE_PAGES)
def test_tables_fit_or_scroll(crawl, page):
    """A table wider than the text column can be scrolled sideways; nothing is cut off."""
    data = crawl[page].data
    assert not data["clippedTables"], f"{page}: tables cut off at the right: {data['clippedTables']}"


def _ids_in_file(path: Path) -> set[str]:
    html = path.read_text(errors="replace")
    return set(re.findall(r"""\b(?:id|name)=["']([^"']+)["']""", html))


def test_internal_links_and_anchors_resolve(crawl, server):
    """Every link to the book itself points to an existing file, and every #anchor exists there."""
    ids = {f"{visit.page}.html": set(visit.data["ids"]) for visit in crawl.values()}
    broken = []
    checked = 0
    for visit in crawl.values():
        for href in visit.data["links"]:
            if not href.startswith(server):
                continue  # external links are not requests; the offline test covers requests
            parts = urlsplit(href)
            rel = unquote(parts.path[len(urlsplit(server).path) :]) or "index.html"
            target = HTML / rel
            if target.is_dir():
                rel = f"{rel.rstrip('/')}/index.html".lstrip("/")
                target = HTML / rel
            checked += 1
            if not target.is_file():
                broken.append(f"{visit.page}: {href} (no file {rel})")
                continue
            anchor = unquote(parts.fragment)
            if anchor and rel.endswith(".html"):
                known = ids.get(rel)
                if known is None:
                    known = ids[rel] = _ids_in_file(target)
                if anchor not in known:
                    broken.append(f"{visit.page}: {href} (no anchor #{anchor} in {rel})")
    assert checked > 0
    assert not broken, f"{len(broken)} broken internal links:\n" + "\n".join(broken[:30])


def test_offline_check_detects_foreign_requests(browser, server):
    """The offline check itself works: a request to another host is refused and recorded."""
    context = new_context(browser)
    tab, network = offline_page(context)
    tab.goto(server + "genindex.html")
    tab.evaluate("() => fetch('http://example.org/x.js').catch(() => null)")
    tab.wait_for_load_state("networkidle")
    context.close()
    assert network.foreign == ["http://example.org/x.js"]
