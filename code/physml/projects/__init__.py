r"""Project kits: data, milestone checks and templates for the course's project paths.

The course is graded on projects. Each path of the book's *Projects* part has a module
here, ``physml.projects.<path>``, with

* **data generators** (seeded; nothing is downloaded) for the path's problems;
* **milestone checks** that take the *student's* results (an array their scheme computed,
  the parameters of their trained model, their predictions on a held-out set) and say
  whether a milestone is reached, with the reason or a hint: a :class:`Milestone`. A check
  never prints a reference answer, only pass or fail, the student's own figures and a hint
  (as ``physml.check`` does for exercises);
* a **template** (``TEMPLATE``): the files ``python -m physml.project new <path> <folder>``
  writes for a group's repository (see ``physml.project``).

Reference solutions are instructor material: they live in the repository's
``projects/reference/`` folder, not in this package, and the student edition leaves them out.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

__all__ = ["Milestone", "milestone", "show", "MilestoneError", "PATHS"]

#: The project paths, in the order of the book's Projects part (one module each).
PATHS = ("differential_equations", "networks", "generative", "bayesian", "own_data", "hpc")


@dataclass(frozen=True)
class Milestone:
    """The outcome of one milestone check: passed or not, and why, in words.

    ``details`` holds the student's own figures (their error, their accuracy), never the
    reference value the check compares with.
    """

    name: str
    passed: bool
    message: str
    details: tuple[tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        head = f"{'PASS' if self.passed else 'NOT YET'} {self.name}: {self.message}"
        return "\n".join([head] + [f"  {k}: {v}" for k, v in self.details])

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.passed else "#b35900"
        rows = "".join(
            f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in self.details
        )
        return (
            f"<div class='physml-milestone'><b style='color:{colour}'>"
            f"{'PASS' if self.passed else 'NOT YET'}</b> <b>{html.escape(self.name)}</b>: "
            f"{html.escape(self.message)}" + (f"<table>{rows}</table>" if rows else "") + "</div>"
        )


def milestone(name: str, passed: bool, success: str, hint: str, **details) -> Milestone:
    """A :class:`Milestone` whose message is ``success`` if passed, else ``hint``.

    ``details`` are the student's own figures, shown in both cases (formatted as text).
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string, got {name!r}")
    if not isinstance(passed, bool):
        raise TypeError(f"passed must be a bool, got {type(passed).__name__}")
    for label, text in (("success", success), ("hint", hint)):
        if not isinstance(text, str):
            raise TypeError(f"{label} must be a string, got {type(text).__name__}")
    shown = tuple((k.replace("_", " "), v if isinstance(v, str) else f"{v:.6g}") for k, v in details.items())
    return Milestone(name, passed, success if passed else hint, shown)


class MilestoneError(AssertionError):
    """A milestone that a reference solution must reach was not reached (the build stops)."""


class _MilestoneTable(list):
    """Milestones shown as one table in a notebook."""

    def _repr_html_(self) -> str:
        return "".join(m._repr_html_() for m in self)

    def __str__(self) -> str:
        return "\n".join(str(m) for m in self)


def show(milestones, strict: bool = True) -> _MilestoneTable:
    """Display milestones; with ``strict`` (a reference solution) raise if one is not reached."""
    if isinstance(milestones, Milestone):
        milestones = [milestones]
    if isinstance(milestones, (str, bytes)) or not hasattr(milestones, "__iter__"):
        raise TypeError(f"milestones must be a list of Milestone, got {type(milestones).__name__}")
    table = _MilestoneTable(milestones)
    if not table:
        raise ValueError("milestones must hold at least one Milestone, got none")
    for n, m in enumerate(table):
        if not isinstance(m, Milestone):
            raise TypeError(f"milestones[{n}] must be a Milestone, got {type(m).__name__}")
    if not isinstance(strict, bool):
        raise TypeError(f"strict must be a bool, got {type(strict).__name__}")
    missed = [m for m in table if not m.passed]
    if strict and missed:
        raise MilestoneError("milestones not reached:\n" + "\n".join(str(m) for m in missed))
    return table


@dataclass(frozen=True)
class Template:
    """What ``python -m physml.project new <path> <folder>`` writes for one path.

    ``solution`` is the skeleton of the group's ``solution.py``: the functions the
    milestone tests call, with docstrings saying what each must return, raising
    ``NotImplementedError``. ``tests`` is ``tests/test_milestones.py``: pytest tests that
    import ``solution`` and assert the path's milestone checks. ``tasks`` are the steps
    (a), (b), ... of the project page, for the README.
    """

    path: str
    title: str
    question: str
    tasks: tuple[str, ...]
    solution: str
    tests: str
