"""Every registered reference check of the book passes (the same registry the chapters show)."""

import pytest

from physml import validation

ALL_IDS = validation.check_ids()


def test_every_chapter_page_has_checks():
    chapters = {validation._load()[i].chapter for i in ALL_IDS}
    assert "introduction" in chapters


@pytest.mark.parametrize("check_id", ALL_IDS)
def test_reference_check_passes(check_id):
    result = validation.run_check(check_id)
    assert result.passed, str(result)


def test_failing_check_is_reported():
    @validation.reference_check(
        "selftest.failing",
        chapter="selftest",
        description="deliberately wrong",
        reference_source="none",
        kind="abs",
        tolerance=1e-12,
    )
    def _wrong():
        return 1.0, 1.1

    try:
        result = validation.run_check("selftest.failing")
        assert not result.passed
        assert result.deviation == pytest.approx(0.1)
        with pytest.raises(AssertionError, match="selftest.failing"):
            validation.show("selftest")
    finally:
        del validation._CHECKS["selftest.failing"]


def test_bad_arguments():
    with pytest.raises(ValueError, match="kind"):
        validation.reference_check("x", chapter="c", description="d", reference_source="r", kind="max")
    with pytest.raises(ValueError, match="id"):
        validation.run_check("no-such-check")
    with pytest.raises(ValueError, match="no registered"):
        validation.show("no-such-chapter")
