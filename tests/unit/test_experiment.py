"""The reader's experiment: settings objects, studies cached by their whole configuration,
a reader's variant reported instead of failing, and the check kinds of the validation table."""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import pytest

from physml import _registry, experiment, validation

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "chapters").glob("*.md")) + sorted((ROOT / "exercises").glob("*.md"))


# --- settings ---------------------------------------------------------------------------


class Toy(experiment.Settings):
    steps: int = experiment.setting(10, low=1)
    rate: float = experiment.setting(0.5, low=0, high=1)
    widths: tuple[int, ...] = (4, 4)
    flag: bool = False
    seed: int = 0

    SHORT = {"steps": 2}


def test_settings_are_hashable_and_compare_by_value():
    assert Toy() == Toy.book() and hash(Toy()) == hash(Toy())
    assert Toy(widths=[4, 4]) == Toy()  # lists become tuples
    assert Toy.short().steps == 2 and not Toy.short().is_book()
    assert Toy().replace(rate=0.25).changes() == {"rate": (0.25, 0.5)}


@pytest.mark.parametrize(
    ("changes", "error", "name"),
    [
        ({"steps": 0}, ValueError, "Toy.steps"),
        ({"steps": 1.5}, TypeError, "Toy.steps"),
        ({"steps": True}, TypeError, "Toy.steps"),
        ({"rate": float("nan")}, ValueError, "Toy.rate"),
        ({"rate": 2.0}, ValueError, "Toy.rate"),
        ({"rate": 1j}, TypeError, "Toy.rate"),
        ({"widths": "44"}, TypeError, "Toy.widths"),
        ({"flag": 1}, TypeError, "Toy.flag"),
    ],
)
def test_bad_settings_raise_naming_the_setting(changes, error, name):
    with pytest.raises(error, match=re.escape(name)):
        Toy(**changes)


def test_replace_refuses_an_unknown_setting():
    with pytest.raises(TypeError, match="epochs"):
        Toy().replace(epochs=3)


# --- studies ------------------------------------------------------------------------------


def test_study_cache_is_keyed_by_the_whole_configuration():
    calls = []

    @experiment.study("selftest-exp", Toy)
    def run(cfg):
        calls.append(cfg)
        return cfg.steps * cfg.rate

    assert run() == 5.0 and run(Toy()) == 5.0 and len(calls) == 1  # the book's run, once
    assert run(Toy(), rate=0.1) == pytest.approx(1.0) and len(calls) == 2  # a changed setting: a new run
    assert experiment.current(run) == Toy(rate=0.1)  # what the page last ran
    assert experiment.current(run, short=True) == Toy.short()
    assert experiment.variants("selftest-exp") == {"selftest-exp.run": {"rate": (0.1, 0.5)}}
    run()
    assert experiment.variants("selftest-exp") == {} and len(calls) == 2  # back to the book: cached
    with pytest.raises(TypeError, match="cfg must be a Toy"):
        run(object())


def test_a_changed_setting_of_a_real_study_gives_a_new_result():
    from physml.studies import vae

    cfg = vae.KLRun.short()
    first, _ = vae.kl_run(cfg)
    changed, _ = vae.kl_run(cfg.replace(seed=cfg.seed + 1))
    again, _ = vae.kl_run(cfg)
    assert changed.value != first.value and again is first
    experiment.reset("vae")


# --- a reader's variant in validation.show --------------------------------------------------


@pytest.fixture
def scratch():
    added = []

    def register(id, compute, **options):
        options.setdefault("chapter", "selftest-var")
        options.setdefault("description", "a check of the test suite")
        options.setdefault("reference_source", "the test")
        validation.reference_check(id, **options)(compute)
        added.append(id)

    yield register
    for id in added:
        validation._CHECKS.pop(id, None)
    experiment.reset("selftest-var")


def test_variant_is_reported_not_raised_and_never_stale(scratch, monkeypatch):
    monkeypatch.delenv(validation.BUILD_DIR_VARIABLE, raising=False)

    @experiment.study("selftest-var", Toy)
    def run(cfg):
        return cfg.rate

    scratch(
        "selftest-var.rate",
        lambda short: (run(experiment.current(run, short)), 0.5),
        kind="abs",
        tolerance=1e-12,
        reference_kind="exact",
        tolerance_from="bound",
    )
    run()
    assert validation.show("selftest-var")[0].passed  # the book's run: strict and passing
    run(Toy(rate=0.9))
    table = validation.show("selftest-var")  # the reader's run: no exception
    assert not table[0].passed and table[0].variant and table[0].value == 0.9  # not the cached book value
    assert "Not the book's configuration" in table.note and "rate = 0.9 (book: 0.5)" in table.note
    assert "Not the book's configuration" in table._repr_html_()
    monkeypatch.setenv(validation.BUILD_DIR_VARIABLE, "/nonexistent-build")
    with pytest.raises(ValueError, match="book's configuration"):
        validation.show("selftest-var")  # the book build must run the book's settings


# --- the kinds of the validation table ----------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "baseline", "better", "margin", "passes"),
    [
        ([0.10, 0.12, 0.11], [0.20, 0.21, 0.19], "lower", 0.05, True),
        ([0.10, 0.12, 0.11], [0.14], "lower", 0.05, False),
        ([0.90, 0.92, 0.91], 0.80, "higher", 0.05, True),
        ([0.90, 0.92, 0.91], 0.95, "higher", 0.0, False),
    ],
)
def test_beats_kind(scratch, model, baseline, better, margin, passes):
    scratch(
        "selftest-var.beats",
        lambda: (model, baseline),
        kind="beats",
        better=better,
        margin=margin,
        reference_kind="baseline",
        tolerance_from="target",
    )
    r = validation.run_check("selftest-var.beats")
    assert r.passed is passes and r.n_seeds == 3 and r.spread > 0
    assert r.summary == "mean of 3 seeds"
    assert "baseline" in r.rule() and "spread" in validation.results_html([r])


def test_beats_needs_three_seeds(scratch):
    scratch("selftest-var.two", lambda: ([0.1, 0.2], 0.5), kind="beats", reference_kind="baseline")
    with pytest.raises(ValueError, match=">= 3 seeds"):
        validation.run_check("selftest-var.two")


def test_allowance_flag_and_use(scratch):
    scratch("selftest-var.sys", lambda: (3.05, 0.01, 3.0), kind="stat", k=3.0, systematic=0.1)
    scratch("selftest-var.in", lambda: (3.02, 0.01, 3.0), kind="stat", k=3.0, systematic=0.1)
    scratch("selftest-var.after", lambda: (1.0, 1.0), kind="abs", tolerance=1e-3, tolerance_from="after")
    by_sys, within, after = (validation.run_check(f"selftest-var.{n}") for n in ("sys", "in", "after"))
    assert by_sys.passed and by_sys.by_allowance()
    assert within.passed and not within.by_allowance()
    assert after.by_allowance() and after.use() == 0.0
    assert by_sys.use() == pytest.approx(0.05 / 0.13)
    assert "flagged" in validation.results_html([by_sys]) and "flagged" not in validation.results_html(
        [within]
    )


@pytest.mark.parametrize(
    ("option", "value"), [("reference_kind", "guess"), ("tolerance_from", "later"), ("better", "up")]
)
def test_bad_check_declarations(option, value):
    with pytest.raises(ValueError, match=option):
        validation.reference_check(
            "selftest-var.bad", chapter="x", description="d", reference_source="s", **{option: value}
        )


# --- the book-wide pattern ------------------------------------------------------------------------


def test_every_check_declares_its_reference_and_tolerance_origin():
    """Each reference check says what it is compared with and where its tolerance comes from."""
    missing = [
        c.id
        for c in validation._load().values()
        if not c.chapter.startswith("selftest") and (c.reference_kind is None or c.tolerance_from is None)
    ]
    assert not missing, f"checks without reference_kind/tolerance_from: {missing}"


def _glue_only(source: str) -> bool:
    """Whether a code cell does nothing but glue values (and import glue or constants)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    calls = 0
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and getattr(node.value.func, "id", getattr(node.value.func, "attr", "")) == "glue"
        ):
            calls += 1
            continue
        return False
    return calls > 0


def _code_cells(text: str):
    """(tags, source) of every {code-cell} of a MyST page."""
    for match in re.finditer(r"^```\{code-cell\}[^\n]*\n(.*?)^```", text, flags=re.M | re.S):
        body = match.group(1)
        tags = re.search(r"^:tags:\s*\[(.*?)\]", body, flags=re.M)
        source = re.sub(r"^:\w+:.*\n", "", body, flags=re.M)
        yield ([t.strip() for t in tags.group(1).split(",")] if tags else []), source


@pytest.mark.parametrize("page", PAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_cells_that_only_glue_are_hidden(page):
    shown = [
        src for tags, src in _code_cells(page.read_text()) if _glue_only(src) and "remove-cell" not in tags
    ]
    assert not shown, (
        f"{page.name}: cells that only glue values must be tagged remove-cell:\n" + "\n---\n".join(shown)
    )


def _study_chapters() -> list[str]:
    return [m for m in _registry.module_names("physml.studies")]


@pytest.mark.parametrize("chapter", _study_chapters())
def test_a_readers_variant_runs_and_is_reported(chapter, monkeypatch):
    """Each chapter's studies in the short configuration, one setting changed, then the
    page's check call: no exception, and the table says it is not the book's configuration."""
    import importlib

    monkeypatch.delenv(validation.BUILD_DIR_VARIABLE, raising=False)
    importlib.import_module(f"physml.studies.{chapter}")
    validation.check_ids(chapter)  # import the chapter's checks
    runs = experiment.studies_of(chapter)
    assert runs, f"physml.studies.{chapter} registers no study"
    for n, run in enumerate(runs):
        cfg = run.settings.short()
        if n == 0:
            cfg = cfg.replace(**run.settings.variant_change(cfg))
        run(cfg)
    try:
        table = validation.show(chapter)
    finally:
        experiment.reset(chapter)
    assert "Not the book's configuration" in table.note
    assert all(r.variant for r in table)
    assert all(math.isfinite(r.value) for r in table)


def test_known_failure_is_recorded_not_raised(scratch, monkeypatch):
    monkeypatch.delenv(validation.BUILD_DIR_VARIABLE, raising=False)
    scratch("selftest-var.known", lambda: (0.9, 1.0), kind="at_least", known_failure="the model is too weak")
    table = validation.show("selftest-var")
    assert not table[0].passed and "FAIL, recorded" in validation.results_html(table)
    scratch("selftest-var.plain", lambda: (0.9, 1.0), kind="at_least")
    with pytest.raises(AssertionError, match="selftest-var.plain"):
        validation.show("selftest-var")
