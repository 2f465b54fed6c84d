"""What the chapters recorded in this build: current records, glued numbers equal to the
checks' values, dependencies recorded for every executed page, and the build budgets."""

import json

import pytest
from book_helpers import BUILD, BUILD_BUDGET_SECONDS, HTML, is_notebook, toc_files
from notebook_export import download_name

from physml import book, validation

NOTEBOOKS = [p for p in toc_files() if is_notebook(p)]


@pytest.fixture(scope="session")
def deps(built):
    return json.loads((BUILD / "page-deps.json").read_text())


@pytest.fixture(scope="session")
def records(built):
    return [json.loads(p.read_text()) for p in sorted((BUILD / "records").glob("*.json"))]


def test_every_executed_page_has_a_dependency_record(deps):
    assert sorted(deps["pages"]) == sorted(NOTEBOOKS)
    for page, entry in deps["pages"].items():
        assert entry["digest"] == book.package_digest(entry["files"]), f"{page}: physml changed since it ran"
        if page.startswith("chapters/"):
            assert "validation.py" in entry["files"], f"{page} does not show its reference checks"


def test_records_are_current_and_complete(built):
    results = validation.recorded_results(BUILD)
    assert [r.id for r in results] == validation.registered_ids()
    assert all((r.passed or r.known_failure) and not r.short for r in results)


def _glued_values(page: str) -> dict[str, str]:
    """``{name: text/plain}`` of every value glued on the executed page (kept in the metadata
    of the downloadable notebook, whose text has them substituted)."""
    name = download_name(page, toc_files())
    nb = json.loads((HTML / "_sources" / name).read_text())
    return nb["metadata"]["physml"]["glue"]


def test_glued_numbers_equal_the_recorded_check_values(records):
    compared = 0
    for record in records:
        glued = _glued_values(record["page"])
        for result in record["results"]:
            for name in result["glued"]:
                assert name in glued, f"{record['page']} does not glue {name!r} (check {result['id']})"
                assert float(glued[name]) == result["value"], (
                    f"{record['page']}: glued {name} = {glued[name]}, but check {result['id']} "
                    f"recorded {result['value']!r}"
                )
                compared += 1
    assert compared >= 1, "no check names the glued number it shows"


def test_cold_build_within_budget(built, deps):
    """The whole book, executed from nothing, builds in at most 12 minutes on 2 cores.

    A cold build's own wall time is checked when the last build was one; in any case the
    execution times recorded for every page, shared by the kernels, plus Sphinx's time
    must fit.
    """
    record = json.loads((BUILD / "build-time.json").read_text())
    if record.get("cold"):
        assert record["seconds"] <= BUILD_BUDGET_SECONDS, f"cold build took {record['seconds']} s"
    execution = sum(entry["seconds"] for entry in deps["pages"].values())
    estimate = execution / record["jobs"] + record["sphinx_seconds"]
    assert estimate <= BUILD_BUDGET_SECONDS, (
        f"pages need {execution:.0f} s of execution: a cold build would take about {estimate:.0f} s"
    )
