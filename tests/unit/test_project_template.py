"""``python -m physml.project new <path> <folder>``: each path's template, its milestone tests
against the reference solution (they pass) and against a broken one (they fail)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from physml import project
from physml.projects import PATHS

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "projects" / "reference"


def _pytest(folder: Path, *options: str) -> subprocess.CompletedProcess:
    """The group's tests, as a group runs them; milestones that time the machine are deselected
    (here the cores are shared with other tests and builds, and a timing would say nothing)."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            "not timing",
            *options,
            "tests",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_list_and_bad_arguments(tmp_path, capsys):
    assert project.main(["list"]) == 0
    out = capsys.readouterr().out
    assert all(p in out for p in PATHS)
    with pytest.raises(ValueError, match="path"):
        project.new("no-such-path", tmp_path / "x")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "f").write_text("x")
    with pytest.raises(ValueError, match="not empty"):
        project.new(PATHS[0], tmp_path / "full")


@pytest.mark.parametrize("path", PATHS)
def test_template_files(path, tmp_path):
    root = project.new(path, tmp_path / path)
    names = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    assert {
        "README.md",
        "solution.py",
        "run_milestones.py",
        "tests/test_milestones.py",
        "tests/conftest.py",
        "report/report.md",
        "report/report.tex",
        ".gitignore",
    } <= names
    report = (root / "report" / "report.md").read_text()
    for section in (
        "Abstract",
        "Introduction",
        "Methods",
        "Results",
        "Discussion",
        "Conclusion",
        "References",
    ):
        assert f"## {section}" in report
    assert (
        "reproducibility" in report.lower()
        and "\\begin{abstract}" in (root / "report/report.tex").read_text()
    )
    compile(project.load_template(path).solution, "solution.py", "exec")


@pytest.mark.parametrize("path", PATHS)
def test_milestone_tests_pass_with_the_reference_and_fail_when_broken(path, tmp_path):
    """The group's tests, run as a group would (pytest in the folder), on the instructors'
    reference solution (green) and on a deliberately broken copy of it (red)."""
    reference = REFERENCE / f"{path}_solution.py"
    broken = REFERENCE / f"{path}_broken.py"
    assert reference.exists() and broken.exists(), f"projects/reference lacks the {path} solutions"
    good = project.new(path, tmp_path / "good")
    shutil.copy(reference, good / "solution.py")
    result = _pytest(good)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    bad = project.new(path, tmp_path / "bad")
    shutil.copy(broken, bad / "solution.py")
    result = _pytest(bad, "-x")  # one red test is enough
    assert result.returncode == 1, result.stdout[-3000:]
    skeleton = project.new(path, tmp_path / "skeleton")
    assert _pytest(skeleton, "-x").returncode == 1  # the stubs reach no milestone
