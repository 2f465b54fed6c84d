"""The built site: served MathJax, downloads, the two appendices, and rebuilds that execute
only what a change touched.

The rebuild tests build the book again (as ``make book`` does) and therefore run last
in this directory (pytest orders files by name, and tests in a file by definition).
"""

import json
import re
import subprocess
import sys

import pytest
from book_helpers import BUILD, ROOT, is_notebook, toc_files
from book_pages import page_metadata
from bs4 import BeautifulSoup
from notebook_export import download_name

PAGES = toc_files()
NOTEBOOKS = [p for p in PAGES if is_notebook(p)]
SITE_PAGES = [*PAGES, "search", "genindex"]
MATHJAX = "_static/mathjax/tex-chtml-full.js"
REBUILD_BUDGET_SECONDS = 30.0


def _html(built, page):
    return (built / f"{page}.html").read_text()


def test_vendored_mathjax_is_complete(built):
    static = built / "_static" / "mathjax"
    assert (static / "tex-chtml-full.js").stat().st_size > 500_000
    assert "Apache License" in (static / "LICENSE").read_text()
    assert len(list((static / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))) >= 20
    assert not (ROOT / "_static" / "mathjax").exists(), "MathJax under _static/ would be loaded on every page"


@pytest.mark.parametrize("page", SITE_PAGES)
def test_page_loads_nothing_from_other_hosts(built, page):
    html = _html(built, page)
    assets = re.findall(r"<script[^>]*\ssrc=\"([^\"]+)\"", html) + re.findall(
        r"<link[^>]*\shref=\"([^\"]+)\"", html
    )
    remote = [a for a in assets if re.match(r"(https?:)?//", a)]
    assert not remote, f"{page} loads {remote}"
    scripts = re.findall(r"<script[^>]*\ssrc=\"([^\"]+)\"", html)
    mathjax = [s for s in scripts if "mathjax" in s.lower()]
    if 'class="math' in html:  # Sphinx adds MathJax to the pages that have math
        assert len(mathjax) == 1 and MATHJAX in mathjax[0], (
            f"{page}: MathJax not loaded from the book: {mathjax}"
        )
    else:
        assert not mathjax
    assert "THEBE_JS_URL" not in html


@pytest.mark.parametrize("page", NOTEBOOKS)
def test_download_menu_links_notebook_and_source(built, page):
    soup = BeautifulSoup(_html(built, page), "html.parser")
    links = [a["href"] for a in soup.select(".dropdown-download-buttons a[href]")]
    notebook = download_name(page, toc_files())  # exercises/<name>-exercises.ipynb
    assert any(h.endswith(f"_sources/{notebook}") for h in links), links
    assert any(h.endswith(f"_sources/{page}.md") for h in links), links
    assert (built / "_sources" / notebook).is_file(), f"{notebook} not written"


def test_validation_appendix_lists_every_check(built):
    from physml import validation

    ids = validation.registered_ids()
    soup = BeautifulSoup(_html(built, "appendix/validation"), "html.parser")
    tables = soup.select("table.physml-checks")
    assert len(tables) == 1, "the validation appendix shows one table"
    head = [th.get_text(strip=True) for th in tables[0].select("thead th")]
    columns = {"σ", "dev./σ", "computed", "reference kind", "tolerance from", "allowance used"}
    assert columns <= set(head), head
    rows = tables[0].select("tbody tr")
    assert [row.select_one("td b").get_text(strip=True) for row in rows] == ids
    verdicts = [row.select("td")[head.index("result")].get_text(" ", strip=True) for row in rows]
    assert all(v.startswith(("pass", "FAIL, recorded")) for v in verdicts), verdicts
    kinds = [row.select("td")[head.index("reference kind")].get_text(strip=True) for row in rows]
    assert set(kinds) <= {"exact", "library", "published", "baseline"}, set(kinds)
    n_pass = sum(v.startswith("pass") for v in verdicts)
    flagged = sum("flagged" in v or v.startswith("FAIL") for v in verdicts)
    builds = [row.select("td")[head.index("computed")].get_text(" ", strip=True) for row in rows]
    assert all(re.fullmatch(r"build \d+ \S+", b) for b in builds), builds
    text = " ".join(soup.select_one("main").get_text(" ").split())
    assert f"The book makes {len(ids)} reference checks" in text
    assert f"and {n_pass} of them pass" in text
    assert f"{flagged} results are flagged" in text


def test_reproducibility_page_lists_times_and_versions(built, exec_report):
    soup = BeautifulSoup(_html(built, "appendix/reproducibility"), "html.parser")
    exec_rows = {}
    for table in soup.select("table"):
        head = [th.get_text(strip=True) for th in table.select("thead th")]
        if head[:1] == ["Document"]:
            exec_rows = {tr.select("td")[0].get_text(strip=True): tr for tr in table.select("tbody tr")}
    assert set(exec_rows) >= set(NOTEBOOKS) - {"appendix/reproducibility"}, sorted(exec_rows)

    pins = re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", (ROOT / "requirements.txt").read_text(), flags=re.M)
    versions = {
        tr.select("td")[0].get_text(strip=True): tr.select("td")[1].get_text(strip=True)
        for tr in soup.select("table.physml-versions tbody tr")
    }
    assert versions == dict(pins)
    text = soup.select_one("main").get_text(" ")
    assert "Python 3." in text


def test_unchanged_rebuild_executes_nothing(built):
    """``make book`` again without changes: nothing is executed, and it takes <= 30 s."""
    before = json.loads((BUILD / "build-time.json").read_text())
    if before.get("returncode") != 0:
        pytest.fail("the last build failed; an unchanged rebuild would re-read every page")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_book.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    record = json.loads((BUILD / "build-time.json").read_text())
    assert not record.get("preexecuted"), f"pages executed again: {record['preexecuted']}"
    assert not record["executed_in_sphinx"], f"pages executed again: {record['executed_in_sphinx']}"
    assert record["seconds"] <= REBUILD_BUDGET_SECONDS, f"unchanged rebuild took {record['seconds']} s"


def _rebuild() -> dict:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_book.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    return json.loads((BUILD / "build-time.json").read_text())


def _leaf_module(pages: dict) -> tuple[str, set[str]]:
    """The physml file that the fewest pages imported (at least one), and those pages."""
    users: dict[str, set[str]] = {}
    for page, entry in pages.items():
        for name in entry["files"]:
            users.setdefault(name, set()).add(page)
    name = min(sorted(users), key=lambda n: len(users[n]))
    return name, users[name]


def test_editing_a_leaf_module_executes_only_the_pages_that_imported_it(built):
    """Touch one physml module: exactly the pages that imported it (and the summary pages,
    which read their records) are executed again; then undo the change."""
    import physml.book

    deps = json.loads((BUILD / "page-deps.json").read_text())
    name, users = _leaf_module(deps["pages"])
    assert 0 < len(users) < len(NOTEBOOKS)
    summary = {p for p in NOTEBOOKS if page_metadata(p, ROOT).get("summary")}
    path = physml.book.package_dir() / name
    original = path.read_text()
    try:
        path.write_text(original + "\n# touched by the dependency test of the book\n")
        record = _rebuild()
        assert set(record["preexecuted"]) == users | summary, record["reasons"]
        assert all(name in record["reasons"][p] for p in users), record["reasons"]
        assert not record["executed_in_sphinx"]
    finally:
        path.write_text(original)
    record = _rebuild()  # the original module: the same pages once more
    assert set(record["preexecuted"]) == users | summary
