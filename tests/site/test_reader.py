"""What a reader does with the book: search, open solutions, download notebooks, look at pages."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import jupytext
import nbformat
import pytest
from site_helpers import NOTEBOOK_PAGES, ROOT, SCREENSHOTS, new_context, offline_page

EXERCISE_PAGES = [p for p in NOTEBOOK_PAGES if p.startswith("exercises/")]
SEARCH_TERM = "gradient descent"  # the Introduction's first example


@pytest.fixture(scope="module")
def context(browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = new_context(browser)
    yield context
    context.close()


def _open(context, url):
    tab, network = offline_page(context)
    errors = []
    tab.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    tab.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    tab.goto(url, wait_until="load")
    tab.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
    return tab, network, errors


def _full_page_screenshot(tab, path):
    """The whole page from its top, nothing focused (no "skip to main content" banner)."""
    tab.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    tab.screenshot(path=str(path), full_page=True)


def test_search_finds_a_term_of_the_book(context, server):
    tab, network, errors = _open(context, server + "search.html?q=" + SEARCH_TERM.replace(" ", "+"))
    tab.wait_for_selector("#search-results ul.search li", timeout=15_000)
    # results are added one by one: wait until Sphinx says the search has finished
    tab.wait_for_function(
        "() => (document.querySelector('#search-results .search-summary') || {}).innerText"
        "?.startsWith('Search finished')",
        timeout=60_000,
    )
    hits = tab.eval_on_selector_all("#search-results ul.search li a", "els => els.map(a => a.href)")
    tab.screenshot(path=str(SCREENSHOTS / "search.png"))
    tab.close()
    assert any("chapters/introduction.html" in h for h in hits), hits
    assert not errors and not network.foreign and not network.failed


@pytest.mark.parametrize("page", EXERCISE_PAGES)
def test_solution_dropdowns_open_and_show_output(context, server, page):
    tab, network, errors = _open(context, server + f"{page}.html")
    solutions = tab.locator(".solution.dropdown")
    n = solutions.count()
    if n == 0:
        tab.close()
        pytest.skip(f"{page} has no solutions yet")
    n_with_output = 0
    for i in range(n):
        solution = solutions.nth(i)
        body = solution.locator("section").first
        assert not body.is_visible(), f"{page}: solution {i + 1} is open before it is clicked"
        solution.locator(".admonition-title").click()
        body.wait_for(state="visible", timeout=5_000)
        outputs = solution.locator(".cell_output")
        for j in range(outputs.count()):
            output = outputs.nth(j)
            assert output.is_visible(), f"{page}: output {j + 1} of solution {i + 1} stays hidden"
            assert output.inner_text().strip() or output.locator("img").count(), (
                f"{page}: output {j + 1} of solution {i + 1} is empty"
            )
        n_with_output += outputs.count() > 0
    if page == "exercises/introduction":
        _full_page_screenshot(tab, SCREENSHOTS / "exercises-introduction-open.png")
    code_solutions = tab.locator(".solution.dropdown:has(.cell_input)").count()
    tab.close()
    assert n_with_output == code_solutions, f"{page}: a solution with code shows no executed output"
    assert not errors and not network.foreign and not network.failed


@pytest.mark.parametrize("page", NOTEBOOK_PAGES)
def test_page_offers_executed_notebook_and_source(context, server, page):
    tab, network, errors = _open(context, server + f"{page}.html")
    menu = tab.locator(".dropdown-download-buttons")
    menu.locator("button").first.click()
    links = {
        link.inner_text().strip(): link.get_attribute("href")
        for link in menu.locator("a.dropdown-item").all()
        if link.is_visible()
    }
    if page == "chapters/introduction":
        tab.screenshot(path=str(SCREENSHOTS / "download-menu.png"))
    tab.close()
    assert ".ipynb" in links and ".md" in links, f"{page}: download menu offers {sorted(links)}"

    base = server + page.rsplit("/", 1)[0] + "/"
    with urllib.request.urlopen(urllib.parse.urljoin(base, links[".md"])) as resp:
        assert resp.read().decode() == (ROOT / f"{page}.md").read_text()
    with urllib.request.urlopen(urllib.parse.urljoin(base, links[".ipynb"])) as resp:
        raw = resp.read().decode()
    nb = nbformat.reads(raw, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    source = [c for c in jupytext.read(ROOT / f"{page}.md").cells if c.cell_type == "code"]
    assert [c.source for c in code] == [c.source for c in source], f"{page}: notebook differs from its source"
    assert all(c.get("execution_count") for c in code), f"{page}: a code cell was not executed"
    assert any(c.outputs for c in code), f"{page}: the notebook has no outputs"
    assert not any(o.get("output_type") == "error" for c in code for o in c.outputs)
    json.loads(raw)
    assert not errors and not network.foreign and not network.failed


@pytest.mark.parametrize(
    "page",
    ["chapters/introduction", "appendix/validation", "appendix/reproducibility"],
)
def test_screenshot(context, server, page):
    """Screenshots for a person to look at (``_build/screenshots``)."""
    tab, network, errors = _open(context, server + f"{page}.html")
    path = SCREENSHOTS / f"{page.replace('/', '-')}.png"
    _full_page_screenshot(tab, path)
    tab.close()
    assert path.stat().st_size > 10_000
    assert not errors and not network.foreign and not network.failed
