"""Self-checks for numeric exercises: ``physml.check("ridge-limit", answer)``.

A reader calls :func:`check` in a notebook with the name printed in the exercise
and their own answer. It says whether the answer is right (within a stated
tolerance) and gives a hint when it is not. It never prints the expected value.

Expected values are *computed*, never typed in: each exercise registers a small
function in ``physml/answers/<chapter>.py`` with the :func:`answer` decorator.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._registry import find_registration, import_all


@dataclass(frozen=True)
class Answer:
    """One registered exercise answer: how to compute it and how to compare."""

    name: str
    compute: Callable[[], object]
    rtol: float
    atol: float
    hint: str


_ANSWERS: dict[str, Answer] = {}


def answer(name: str, *, hint: str, rtol: float = 1e-6, atol: float = 0.0):
    """Register ``compute`` as the function that produces the answer to ``name``."""
    if rtol < 0 or atol < 0:
        raise ValueError("rtol and atol must be non-negative")

    def decorator(compute: Callable[[], object]) -> Callable[[], object]:
        if name in _ANSWERS:
            raise ValueError(f"exercise answer {name!r} is registered twice")
        _ANSWERS[name] = Answer(name, functools.cache(compute), rtol, atol, hint)
        return compute

    return decorator


def _load() -> dict[str, Answer]:
    import_all("physml.answers")
    return _ANSWERS


def _load_one(name: str) -> dict[str, Answer]:
    """Import only the answers module that registers ``name`` (all of them if none does)."""
    if name not in _ANSWERS:
        module = find_registration("physml.answers", "answer", name)
        if module is None:
            return _load()
        importlib.import_module(f"physml.answers.{module}")
    return _ANSWERS


def available() -> list[str]:
    """Names of every exercise that has a self-check."""
    return sorted(_load())


def _matches(given, expected, rtol: float, atol: float) -> bool:
    if isinstance(expected, str):
        return isinstance(given, str) and given.strip().lower() == expected.strip().lower()
    try:
        given_arr = np.asarray(given, dtype=float)
    except (TypeError, ValueError):
        return False
    expected_arr = np.asarray(expected, dtype=float)
    if given_arr.shape != expected_arr.shape:
        return False
    if not np.all(np.isfinite(given_arr)):
        return False
    return bool(np.allclose(given_arr, expected_arr, rtol=rtol, atol=atol))


def check(name: str, given, *, quiet: bool = False) -> bool:
    """Say whether ``given`` is the right answer to exercise ``name``.

    Prints a verdict (and a hint when wrong) unless ``quiet`` and returns
    ``True`` or ``False``. The expected value is never shown.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    answers = _load_one(name)
    if name not in answers:
        raise ValueError(f"name {name!r} is not a known exercise; known: {', '.join(sorted(answers))}")
    entry = answers[name]
    ok = _matches(given, entry.compute(), entry.rtol, entry.atol)
    if not quiet:
        tol = f"relative tolerance {entry.rtol:g}" + (f", absolute {entry.atol:g}" if entry.atol else "")
        if ok:
            print(f"[{name}] correct (checked with {tol}).")
        else:
            print(f"[{name}] not yet right (checked with {tol}). Hint: {entry.hint}")
    return ok
