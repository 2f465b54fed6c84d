"""The built book: strict, complete, executed and within its time budgets."""

import json
import re

import pytest
from book_helpers import BUILD, PAGE_BUDGET_SECONDS, ROOT, is_notebook, toc_files

PAGES = toc_files()
NOTEBOOKS = [p for p in PAGES if is_notebook(p)]


def test_last_build_succeeded(built):
    record = json.loads((BUILD / "build-time.json").read_text())
    assert record["returncode"] == 0


def test_build_log_has_no_warnings(built):
    log = (BUILD / "build.log").read_text()
    log = re.sub(r"\x1b\[[0-9;]*m", "", log)
    warnings = [line for line in log.splitlines() if re.search(r"(WARNING|ERROR|CRITICAL):", line)]
    warnings = [w for w in warnings if not w.startswith("[IPKernelApp]")]
    assert not warnings, "\n".join(warnings[:20])


def test_no_execution_reports(built):
    reports = BUILD / "html" / "reports"
    leftovers = sorted(p.name for p in reports.rglob("*") if p.is_file()) if reports.exists() else []
    assert not leftovers, f"execution error reports: {leftovers}"


@pytest.mark.parametrize("page", PAGES)
def test_every_toc_page_is_rendered(built, page):
    assert (built / f"{page}.html").exists(), f"{page}.html missing"


@pytest.mark.parametrize("page", NOTEBOOKS)
def test_every_notebook_page_executed(exec_report, page):
    assert page in exec_report, f"{page} has no execution record"
    assert exec_report[page]["succeeded"], f"{page} failed: {exec_report[page]['error']}"


@pytest.mark.parametrize("page", NOTEBOOKS)
def test_page_within_execution_budget(exec_report, page):
    runtime = exec_report[page]["runtime"]
    assert runtime is not None, f"{page}: no execution time recorded"
    assert runtime <= PAGE_BUDGET_SECONDS, (
        f"{page} executed in {runtime:.1f} s, over its budget of {PAGE_BUDGET_SECONDS:.0f} s"
    )


def test_toc_pages_are_all_in_repository():
    for page in PAGES:
        assert (ROOT / f"{page}.md").exists(), page
