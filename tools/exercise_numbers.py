"""Sphinx extension: exercises are numbered per chapter, "Exercise 3.2" for the second
exercise of chapter 3, so that an instructor can assign them by number.

sphinx-exercise numbers exercises like figures, through Sphinx's figure numbers, once
for the whole book. After Sphinx has assigned them (``env-get-updated``), the numbers of
the exercises on ``exercises/<name>`` are replaced by (chapter number, position on the
page), where the chapter number is the section number of ``chapters/<name>`` in the
numbered table of contents (0 for the introduction, the book's unnumbered root page).
Solutions and ``{numref}`` references read the same numbers.
"""

from __future__ import annotations


def chapter_number(env, exercise_doc: str) -> int | None:
    """Section number of the chapter an exercise page belongs to (None if there is none)."""
    chapter = "chapters/" + exercise_doc.split("/", 1)[1]
    if chapter == env.config.root_doc:
        return 0
    numbers = env.toc_secnumbers.get(chapter, {}).get("")
    return numbers[0] if numbers else None


def renumber_exercises(app, env) -> list[str]:
    changed = []
    for docname, by_type in env.toc_fignumbers.items():
        if not docname.startswith("exercises/") or "exercise" not in by_type:
            continue
        number = chapter_number(env, docname)
        if number is None:
            continue
        ordered = sorted(by_type["exercise"].items(), key=lambda item: item[1])
        renumbered = {node_id: (number, k) for k, (node_id, _) in enumerate(ordered, start=1)}
        if renumbered != by_type["exercise"]:
            by_type["exercise"] = renumbered
            changed.append(docname)
    return changed


def setup(app):
    app.connect("env-get-updated", renumber_exercises, priority=900)  # after Sphinx's numbering
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
