"""The registry of reference checks: every check passes in its short configuration, the
statistical kind, and the record/read path that the validation appendix uses."""

import json
import math

import pytest

from physml import book, validation

ALL_IDS = validation.check_ids()


def test_every_chapter_page_has_checks():
    assert "introduction" in validation.chapters()


def test_ids_read_from_source_equal_the_registry():
    ids = validation.registered_ids()
    assert sorted(ids) == sorted(ALL_IDS) and len(set(ids)) == len(ids)


@pytest.mark.parametrize("check_id", ALL_IDS)
def test_reference_check_passes_in_short_configuration(check_id):
    result = validation.run_check(check_id, short=True)
    assert result.short
    assert result.passed, str(result)


@pytest.fixture
def scratch_checks():
    """Register checks for one test and remove them afterwards."""
    added = []

    def register(id, compute, **options):
        options.setdefault("chapter", "selftest")
        options.setdefault("description", "a check of the test suite")
        options.setdefault("reference_source", "the test")
        validation.reference_check(id, **options)(compute)
        added.append(id)
        return id

    yield register
    for id in added:
        validation._CHECKS.pop(id, None)


def test_failing_check_is_reported(scratch_checks):
    scratch_checks("selftest.failing", lambda: (1.0, 1.1), kind="abs", tolerance=1e-12)
    result = validation.run_check("selftest.failing")
    assert not result.passed
    assert result.deviation == pytest.approx(0.1)
    with pytest.raises(AssertionError, match="selftest.failing"):
        validation.show("selftest")


def test_short_configuration_has_its_own_tolerance(scratch_checks):
    def compute(short):
        return (1.0 + (1e-3 if short else 1e-9)), 1.0

    scratch_checks("selftest.short", compute, kind="abs", tolerance=1e-8, short_tolerance=1e-2)
    full, short = validation.run_check("selftest.short"), validation.run_check("selftest.short", short=True)
    assert full.passed and short.passed
    assert (full.tolerance, short.tolerance) == (1e-8, 1e-2)
    assert full.deviation < 1e-8 < short.deviation


def test_array_value_is_summarised_by_its_mean(scratch_checks):
    scratch_checks("selftest.array", lambda: ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]), kind="abs")
    result = validation.run_check("selftest.array")
    assert result.value == 2.0 and result.summary == "mean of 3 entries"
    assert "mean of 3 entries" in validation.results_html([result])


@pytest.mark.parametrize(
    ("offset_in_sigma", "passes"), [(0.0, True), (2.0, True), (-2.0, True), (4.0, False), (-4.0, False)]
)
def test_statistical_kind_passes_within_k_sigma(scratch_checks, offset_in_sigma, passes):
    sigma = 0.01
    scratch_checks("selftest.stat", lambda: (3.0 + offset_in_sigma * sigma, sigma, 3.0), kind="stat", k=3.0)
    result = validation.run_check("selftest.stat")
    assert result.passed is passes
    assert result.sigma == sigma
    assert result.n_sigma == pytest.approx(offset_in_sigma)
    html = validation.results_html([result])
    assert f"{offset_in_sigma:+.2f}" in html and "3 sigma" in html


def test_statistical_kind_systematic_allowance(scratch_checks):
    # 5 sigma off, but within 3 sigma plus the stated systematic allowance
    scratch_checks("selftest.sys", lambda: (3.05, 0.01, 3.0), kind="stat", k=3.0, systematic=0.025)
    assert validation.run_check("selftest.sys").passed
    scratch_checks("selftest.nosys", lambda: (3.05, 0.01, 3.0), kind="stat", k=3.0)
    assert not validation.run_check("selftest.nosys").passed


def test_variational_value_below_the_exact_energy_fails(scratch_checks):
    # within the systematic allowance in absolute terms, but 4 sigma *below* the exact energy
    scratch_checks(
        "selftest.variational",
        lambda: (2.96, 0.01, 3.0),
        kind="stat",
        k=3.0,
        systematic=0.05,
        variational=True,
    )
    result = validation.run_check("selftest.variational")
    assert not result.passed
    assert "variational" in result.rule()
    scratch_checks(
        "selftest.above", lambda: (3.04, 0.01, 3.0), kind="stat", k=3.0, systematic=0.05, variational=True
    )
    assert validation.run_check("selftest.above").passed


def test_statistical_kind_wants_sigma(scratch_checks):
    scratch_checks("selftest.nosigma", lambda: (3.0, 3.0), kind="stat")
    with pytest.raises(TypeError, match="value, sigma, reference"):
        validation.run_check("selftest.nosigma")
    scratch_checks("selftest.nansigma", lambda: (3.0, math.nan, 3.0), kind="stat")
    with pytest.raises(ValueError, match="sigma"):
        validation.run_check("selftest.nansigma")


def test_bad_arguments():
    with pytest.raises(ValueError, match="kind"):
        validation.reference_check("x", chapter="c", description="d", reference_source="r", kind="max")
    with pytest.raises(ValueError, match="tolerance"):
        validation.reference_check(
            "x", chapter="c", description="d", reference_source="r", tolerance=math.nan
        )
    with pytest.raises(ValueError, match="short_tolerance"):
        validation.reference_check(
            "x", chapter="c", description="d", reference_source="r", short_tolerance=-1
        )
    with pytest.raises(ValueError, match="variational"):
        validation.reference_check("x", chapter="c", description="d", reference_source="r", variational=True)
    with pytest.raises(TypeError, match="variational"):
        validation.reference_check(
            "x", chapter="c", description="d", reference_source="r", kind="stat", variational="yes"
        )
    with pytest.raises(ValueError, match="id"):
        validation.run_check("no-such-check")
    with pytest.raises(TypeError, match="short"):
        validation.run_check(ALL_IDS[0], short="no")
    with pytest.raises(ValueError, match="no registered"):
        validation.show("no-such-chapter")


# --- records: written by a chapter during a build, read by the validation appendix ---


def _build_folder(tmp_path, monkeypatch, scratch_checks, page="chapters/selftest", build="7"):
    """A scratch build folder in which page ``page`` recorded the selftest checks in build ``build``."""
    scratch_checks("selftest.rec-a", lambda: (1.0, 1.0), kind="abs")
    scratch_checks("selftest.rec-b", lambda: (3.01, 0.01, 3.0), kind="stat")
    monkeypatch.setenv(validation.BUILD_DIR_VARIABLE, str(tmp_path))
    monkeypatch.setenv(validation.BUILD_ID_VARIABLE, build)
    monkeypatch.setenv(validation.PAGE_VARIABLE, page)
    validation.show("selftest")
    files = ["__init__.py", "validation.py"]
    deps = {"pages": {page: {"build": int(build), "files": files, "digest": book.package_digest(files)}}}
    (tmp_path / "page-deps.json").write_text(json.dumps(deps))
    return deps


def _selftest_only(monkeypatch):
    """Let the appendix's completeness rule see only the selftest checks."""
    monkeypatch.setattr(validation, "registered_ids", lambda: ["selftest.rec-a", "selftest.rec-b"])


def test_show_writes_a_record_that_is_read_back(tmp_path, monkeypatch, scratch_checks):
    _build_folder(tmp_path, monkeypatch, scratch_checks)
    record = json.loads((tmp_path / "records" / "selftest.json").read_text())
    assert record["build"] == "7" and record["page"] == "chapters/selftest"
    _selftest_only(monkeypatch)
    results = validation.recorded_results(tmp_path)
    assert [r.id for r in results] == ["selftest.rec-a", "selftest.rec-b"]
    assert results[1].sigma == 0.01 and results[1].n_sigma == pytest.approx(1.0)
    assert all(r.build["build"] == "7" and r.build["page"] == "chapters/selftest" for r in results)
    assert "build 7" in results._repr_html_()


def test_record_of_an_older_execution_is_refused(tmp_path, monkeypatch, scratch_checks):
    deps = _build_folder(tmp_path, monkeypatch, scratch_checks, build="7")
    deps["pages"]["chapters/selftest"]["build"] = 8  # the page ran again, but wrote no record
    (tmp_path / "page-deps.json").write_text(json.dumps(deps))
    _selftest_only(monkeypatch)
    with pytest.raises(validation.StaleRecordError, match="last executed in build 8"):
        validation.recorded_results(tmp_path)


def test_record_is_refused_when_physml_changed_since(tmp_path, monkeypatch, scratch_checks):
    deps = _build_folder(tmp_path, monkeypatch, scratch_checks)
    deps["pages"]["chapters/selftest"]["digest"] = "0" * 64  # the files are not what the page ran
    (tmp_path / "page-deps.json").write_text(json.dumps(deps))
    _selftest_only(monkeypatch)
    with pytest.raises(validation.StaleRecordError, match="physml changed"):
        validation.recorded_results(tmp_path)


def test_record_of_an_unknown_page_and_missing_records_are_refused(tmp_path, monkeypatch, scratch_checks):
    deps = _build_folder(tmp_path, monkeypatch, scratch_checks)
    (tmp_path / "page-deps.json").write_text(json.dumps({"pages": {}}))
    _selftest_only(monkeypatch)
    with pytest.raises(validation.StaleRecordError, match="no execution record"):
        validation.recorded_results(tmp_path)
    (tmp_path / "page-deps.json").write_text(json.dumps(deps))
    monkeypatch.setattr(validation, "registered_ids", lambda: ["selftest.rec-a", "selftest.other"])
    with pytest.raises(validation.StaleRecordError, match="selftest.other"):
        validation.recorded_results(tmp_path)


def test_no_record_outside_a_build(tmp_path, monkeypatch, scratch_checks):
    monkeypatch.delenv(validation.BUILD_DIR_VARIABLE, raising=False)
    scratch_checks("selftest.norecord", lambda: (1.0, 1.0))
    validation.show("selftest")
    assert validation.record_dir() is None
    with pytest.raises(RuntimeError, match="build_dir"):
        validation.recorded_results()


def test_package_digest_follows_the_files():
    a = book.package_digest(["validation.py"])
    assert a == book.package_digest(["validation.py"])
    assert a != book.package_digest(["book.py"])
    assert book.package_digest(["validation.py", "book.py"]) == book.package_digest(
        ["book.py", "validation.py"]
    )
    with pytest.raises(TypeError, match="files"):
        book.package_digest("validation.py")


def test_write_record_refuses_a_file_where_the_folder_should_be(tmp_path):
    """A file at ``directory`` (or above it) is a ValueError naming directory, not FileExistsError."""
    validation.check_ids("introduction")
    results = [validation.run_check("introduction.gd-line", short=True)]
    blocker = tmp_path / "records"
    blocker.write_text("")
    for directory in (blocker, blocker / "below"):
        with pytest.raises(ValueError, match="^directory .* is not a folder"):
            validation.write_record("api", results, directory)
    assert validation.write_record("api", results, tmp_path / "new").exists()
