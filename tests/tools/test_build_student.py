"""Removing the solutions of an exercise page for the student edition (small inputs)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from build_student import strip_solutions, student_toc  # noqa: E402

PAGE = """# Exercises

```{exercise}
:label: ex-a

Why?
```

```{solution} ex-a
:class: dropdown

Because of SECRET-ONE.
```

```{exercise-start}
:label: ex-b
```

Compute it and call `physml.check("b", value)`.

```{exercise-end}
```

```{solution-start} ex-b
:class: dropdown
```

SECRET-TWO in the prose.

```{code-cell} ipython3
value = 42  # SECRET-THREE
```

```{solution-end}
```

## Test yourself

1. A question?

```{admonition} Answers
:class: dropdown

1. SECRET-FOUR.
```

```{admonition} Note
:class: tip

Stays.
```
"""


def test_every_solution_goes_and_the_exercises_stay():
    student = strip_solutions(PAGE)
    assert "SECRET" not in student
    assert "solution" not in student
    kept_parts = ["```{exercise}", "Why?", "```{exercise-start}", 'physml.check("b", value)']
    kept_parts += ["A question?", "Stays."]
    for kept in kept_parts:
        assert kept in student
    assert "\n\n\n" not in student


def test_a_page_without_solutions_is_unchanged():
    text = "# Title\n\n```{code-cell} ipython3\nx = 1\n```\n"
    assert strip_solutions(text) == text


def test_student_toc_drops_the_reference_solutions():
    toc = {
        "root": "chapters/introduction",
        "parts": [
            {"caption": "Projects", "chapters": [{"file": "projects/index"}, {"file": "projects/report"}]},
            {"caption": "Reference", "chapters": [{"file": "projects/reference/networks"}]},
            {"caption": "Mixed", "chapters": [{"file": "a", "sections": [{"file": "projects/reference/x"}]}]},
        ],
    }
    out = student_toc(toc)
    assert [p["caption"] for p in out["parts"]] == ["Projects", "Mixed"]
    assert out["parts"][1]["chapters"] == [{"file": "a", "sections": []}]
