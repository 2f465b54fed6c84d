"""Every exercise self-check accepts its own answer and rejects a wrong one."""

import dataclasses
import io
from contextlib import redirect_stdout

import numpy as np
import pytest

import physml
from physml import selfcheck

NAMES = selfcheck.available()


def _perturbed(value):
    """A clearly wrong answer of the same shape."""
    if isinstance(value, str):
        return value + " not"
    arr = np.asarray(value, dtype=float)
    wrong = arr * 1.1 + 0.1 + 1e-3 * np.abs(arr).max()
    return wrong.item() if wrong.ndim == 0 else wrong


@pytest.mark.parametrize("name", NAMES)
def test_right_answer_passes(name):
    expected = selfcheck._ANSWERS[name].compute()
    assert physml.check(name, expected, quiet=True)


@pytest.mark.parametrize("name", NAMES)
def test_wrong_answer_fails_with_hint_and_no_answer(name, monkeypatch):
    """A wrong answer is rejected with a hint, and the verdict does not depend on the answer.

    The message is produced twice for the same wrong attempt, once with the true expected
    value and once with a different one: identical messages prove that nothing of the
    expected value leaks into what the reader sees.
    """
    entry = selfcheck._ANSWERS[name]
    expected = entry.compute()
    attempt = _perturbed(expected)

    def verdict():
        buffer = io.StringIO()
        with redirect_stdout(buffer):
            ok = physml.check(name, attempt)
        return ok, buffer.getvalue()

    ok, message = verdict()
    assert not ok
    assert "Hint" in message
    other = _perturbed(attempt)
    monkeypatch.setitem(selfcheck._ANSWERS, name, dataclasses.replace(entry, compute=lambda: other))
    ok_other, message_other = verdict()
    assert not ok_other
    assert message_other == message


def test_unknown_name_and_bad_types():
    with pytest.raises(ValueError, match="name"):
        physml.check("no-such-exercise", 1.0)
    with pytest.raises(TypeError, match="name"):
        physml.check(3, 1.0)
    assert NAMES, "no self-checks registered"
    assert not physml.check(NAMES[0], "not a number", quiet=True) or isinstance(
        selfcheck._ANSWERS[NAMES[0]].compute(), str
    )
