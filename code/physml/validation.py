r"""The book's registry of headline results checked against references.

Every chapter ends its main computation with a *reference check*: a value the
chapter computed, set against an exact solution, an independent library
(scikit-learn, PyTorch) or a published number. Each check is a function in
``physml/checks/<chapter>.py`` decorated with :func:`reference_check`.

**Two configurations.** A check function may take one argument, ``short``. With
``short=False`` (the *full* configuration) it computes what the chapter shows; with
``short=True`` it runs the same code path on a smaller problem (fewer iterations,
fewer samples) that the unit tests and the reproducibility test use, compared with
its own, stated tolerance (``short_tolerance``, ``short_systematic``). A check
without the argument is cheap and identical in both.

**Computed once per build.** The chapter shows its checks with :func:`show`, which
computes them (sharing the chapter's cached results) and, when the book is being
built, writes a *record* of the results into the build folder. The validation
appendix reads these records with :func:`recorded_results` and recomputes nothing;
a record whose page was not executed against the current ``physml`` is refused.

Comparison kinds (``deviation`` and the pass rule):

* ``"abs"``: ``max |value - reference|`` must be ``<= tolerance``;
* ``"rel"``: ``max |value - reference| / max |reference|`` must be ``<= tolerance``;
* ``"at_least"``: ``value - reference`` must be ``>= 0`` (a target to reach, e.g. accuracy);
* ``"at_most"``: ``reference - value`` must be ``>= 0`` (e.g. an upper bound);
* ``"stat"``: a sampled value with standard error :math:`\sigma`; the function returns
  ``(value, sigma, reference)`` and the check passes when
  :math:`|\text{value} - \text{reference}| \le k\sigma + \text{systematic}`. With
  ``variational=True`` the value must also not lie below the reference by more than
  :math:`k\sigma` (a variational energy is an upper bound of the exact ground state).
"""

from __future__ import annotations

import functools
import html
import importlib
import inspect
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from dataclasses import replace as dataclasses_replace
from pathlib import Path

import numpy as np

from . import _registry
from ._validate import check_bool, check_callable, check_type

KINDS = ("abs", "rel", "at_least", "at_most", "stat", "beats")

# What a check compares with (``reference_kind``), and where its tolerance comes from
# (``tolerance_from``); both are shown in the validation appendix.
REFERENCE_KINDS = {
    "exact": "an exact or closed-form result the chapter did not compute by the method checked",
    "library": "an independent library (scikit-learn, PyTorch, SciPy, ...)",
    "published": "a value published in the literature, with its source",
    "baseline": "the cheapest baseline the claim must beat",
}
TOLERANCE_ORIGINS = {
    "sigma": "from the standard error of a sampled value, fixed before the run",
    "bound": "from a bound (rounding, truncation, a theorem), fixed before the run",
    "target": "a target stated before the run (an accuracy to reach, a margin to beat)",
    "after": "set after the result was seen",
}

# Environment variables set by the book build (tools/build_book.py) in each page's kernel.
BUILD_DIR_VARIABLE = "PHYSML_BUILD_DIR"
BUILD_ID_VARIABLE = "PHYSML_BUILD_ID"
PAGE_VARIABLE = "PHYSML_PAGE"


@dataclass(frozen=True)
class ReferenceCheck:
    """A registered check: what it compares and how, in both configurations."""

    id: str
    chapter: str
    description: str
    reference_source: str
    kind: str
    tolerance: float
    short_tolerance: float
    k: float
    systematic: float
    short_systematic: float
    variational: bool
    glued: tuple[str, ...]
    compute: Callable[[bool], tuple]
    reference_kind: str | None = None
    tolerance_from: str | None = None
    why: str = ""
    better: str = "lower"
    margin: float = 0.0
    short_margin: float = 0.0
    known_failure: str = ""


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one reference check.

    ``value`` and ``reference`` are the numbers shown in the table: the value itself for
    a scalar, the mean of the array for an array check (``summary`` says which).
    ``sigma`` and ``n_sigma`` are set for the ``"stat"`` kind only.
    """

    id: str
    chapter: str
    description: str
    reference_source: str
    kind: str
    short: bool
    tolerance: float
    k: float
    systematic: float
    variational: bool
    value: float
    reference: float
    deviation: float
    passed: bool
    summary: str = "value"
    sigma: float | None = None
    n_sigma: float | None = None
    glued: tuple[str, ...] = ()
    build: dict = field(default_factory=dict)
    reference_kind: str | None = None
    tolerance_from: str | None = None
    why: str = ""
    better: str = "lower"
    margin: float = 0.0
    spread: float | None = None
    reference_spread: float | None = None
    n_seeds: int | None = None
    variant: bool = False
    known_failure: str = ""

    def use(self) -> float | None:
        """How much of its allowance the check uses: |deviation| / allowance (<= 1 passes).

        ``abs``/``rel``: deviation / tolerance; ``stat``: |deviation| / (k sigma + systematic);
        ``beats``: margin / (improvement over the baseline); targets (``at_least``,
        ``at_most``): not defined (None).
        """
        if self.kind in ("abs", "rel"):
            return (
                self.deviation / self.tolerance
                if self.tolerance > 0
                else (0.0 if self.deviation == 0 else math.inf)
            )
        if self.kind == "stat":
            allowance = self.k * (self.sigma or 0.0) + self.systematic
            return (
                abs(self.deviation) / allowance
                if allowance > 0
                else (0.0 if self.deviation == 0 else math.inf)
            )
        if self.kind == "beats":
            gain = self.deviation + self.margin
            return self.margin / gain if gain > 0 else math.inf
        return None

    def by_allowance(self) -> bool:
        """Whether the check passes only through its systematic allowance (beyond k sigma),
        or through a tolerance set after the result was seen."""
        if not self.passed:
            return False
        if self.tolerance_from == "after":
            return True
        return bool(
            self.kind == "stat" and self.sigma is not None and abs(self.deviation) > self.k * self.sigma
        )

    def rule(self) -> str:
        """The pass rule in words, e.g. ``max abs. deviation <= 1.0e-08``."""
        if self.kind == "beats":
            sign = "<=" if self.better == "lower" else ">="
            op = "-" if self.better == "lower" else "+"
            return f"mean over seeds {sign} baseline {op} {self.margin:.3g}"
        if self.kind == "stat":
            rule = f"|value - reference| <= {self.k:g} sigma"
            if self.systematic:
                rule += f" + {self.systematic:.1e}"
            if self.variational:
                rule += f"; value >= reference - {self.k:g} sigma (variational)"
            return rule
        return {
            "abs": f"max abs. deviation <= {self.tolerance:.1e}",
            "rel": f"max rel. deviation <= {self.tolerance:.1e}",
            "at_least": "value >= reference",
            "at_most": "value <= reference",
        }[self.kind]

    def __str__(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        lines = [
            f"{verdict} {self.id}: {self.description}",
            f"  value     = {self.value:.10g}" + (f" +- {self.sigma:.3g}" if self.sigma is not None else ""),
            f"  reference = {self.reference:.10g}  ({self.reference_source})",
            f"  deviation = {self.deviation:.3e}  ({self.rule()})",
        ]
        if self.n_sigma is not None:
            lines.append(f"  deviation / sigma = {self.n_sigma:.2f}")
        if self.summary != "value":
            lines.append(f"  (value and reference shown as the {self.summary})")
        return "\n".join(lines)

    def to_json(self) -> dict:
        data = asdict(self)
        data["glued"] = list(self.glued)
        return data

    @classmethod
    def from_json(cls, data: dict) -> CheckResult:
        if not isinstance(data, dict):
            raise TypeError(f"data must be a dict (a result's to_json()), got {type(data).__name__}")
        try:
            data = dict(data)
            data["glued"] = tuple(data.get("glued", ()))
            return cls(**data)
        except TypeError as err:
            raise TypeError(f"data is not a check result written by to_json(): {err}") from None

    def _repr_html_(self) -> str:
        return results_html([self])


_CHECKS: dict[str, ReferenceCheck] = {}


def _tolerance(x, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x) or x < 0:
        raise ValueError(f"{name} must be a finite non-negative number, got {x!r}")
    return float(x)


def reference_check(
    id: str,
    *,
    chapter: str,
    description: str,
    reference_source: str,
    kind: str = "abs",
    tolerance: float = 0.0,
    short_tolerance: float | None = None,
    k: float = 3.0,
    systematic: float = 0.0,
    short_systematic: float | None = None,
    variational: bool = False,
    glued: tuple[str, ...] | list[str] = (),
    reference_kind: str | None = None,
    tolerance_from: str | None = None,
    why: str = "",
    better: str = "lower",
    margin: float = 0.0,
    short_margin: float | None = None,
    known_failure: str = "",
):
    """Register a check function.

    ``reference_kind`` says what the value is compared with (one of ``REFERENCE_KINDS``:
    exact, library, published, baseline), ``tolerance_from`` where the tolerance comes
    from (``TOLERANCE_ORIGINS``: sigma, bound, target, or "after" for one set after the
    result was seen, which the appendix flags) and ``why`` the reason in a sentence.

    Kind ``"beats"`` is a claim that a model beats a baseline: the function returns
    ``(model_values, baseline_values)``, the model's metric over at least three seeds
    and the baseline's (over the same seeds, or one value); it passes when the mean of
    the model is better than the mean of the baseline by at least ``margin``
    (``better="lower"`` for an error, ``"higher"`` for an accuracy).

    ``known_failure`` (a reason) records a target the book's model does not reach yet: the
    check is evaluated and shown as failing, with the reason, but does not stop the build;
    the chapter says so in its text and the validation appendix lists it.

    The function returns ``(value, reference)`` (kind ``"stat"``: ``(value, sigma,
    reference)``) and takes either no argument or ``short: bool``. ``glued`` names the
    glue keys of the chapter page whose values equal the check's value (a book test
    compares them with the record of the build).
    """
    args = (
        (id, "id"),
        (chapter, "chapter"),
        (description, "description"),
        (reference_source, "reference_source"),
    )
    for arg, label in args:
        if not isinstance(arg, str) or not arg:
            raise TypeError(f"{label} must be a non-empty string, got {arg!r}")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    tolerance = _tolerance(tolerance, "tolerance")
    short_tolerance = tolerance if short_tolerance is None else _tolerance(short_tolerance, "short_tolerance")
    k = _tolerance(k, "k")
    systematic = _tolerance(systematic, "systematic")
    short_systematic = (
        systematic if short_systematic is None else _tolerance(short_systematic, "short_systematic")
    )
    if not isinstance(variational, bool):
        raise TypeError(f"variational must be a bool, got {type(variational).__name__}")
    if variational and kind != "stat":
        raise ValueError("variational=True needs kind='stat'")
    if reference_kind is not None and reference_kind not in REFERENCE_KINDS:
        raise ValueError(f"reference_kind must be one of {tuple(REFERENCE_KINDS)}, got {reference_kind!r}")
    if tolerance_from is not None and tolerance_from not in TOLERANCE_ORIGINS:
        raise ValueError(f"tolerance_from must be one of {tuple(TOLERANCE_ORIGINS)}, got {tolerance_from!r}")
    if not isinstance(why, str):
        raise TypeError(f"why must be a string, got {type(why).__name__}")
    if not isinstance(known_failure, str):
        raise TypeError(f"known_failure must be a string (the reason), got {type(known_failure).__name__}")
    if better not in ("lower", "higher"):
        raise ValueError(f"better must be 'lower' or 'higher', got {better!r}")
    margin = _tolerance(margin, "margin")
    short_margin = margin if short_margin is None else _tolerance(short_margin, "short_margin")
    if kind == "beats" and reference_kind not in (None, "baseline"):
        raise ValueError("kind='beats' compares with a baseline: reference_kind must be 'baseline'")
    if (
        isinstance(glued, str)
        or not isinstance(glued, (tuple, list))
        or not all(isinstance(g, str) for g in glued)
    ):
        raise TypeError("glued must be a tuple of glue names (strings)")

    def decorator(compute: Callable):
        if id in _CHECKS:
            raise ValueError(f"reference check {id!r} is registered twice")
        module = getattr(compute, "__module__", "")
        if module.startswith("physml.checks.") and module.rsplit(".", 1)[1] != chapter:
            raise ValueError(f"check {id!r} of chapter {chapter!r} must live in physml/checks/{chapter}.py")
        takes_short = "short" in inspect.signature(compute).parameters

        @functools.cache
        def cached(short: bool, configuration: tuple):
            return compute(short=short) if takes_short else compute()

        def run(short: bool):
            # keyed by the settings the chapter's studies last ran with: never stale
            return cached(short, _configuration(chapter, short))

        _CHECKS[id] = ReferenceCheck(
            id,
            chapter,
            description,
            reference_source,
            kind,
            tolerance,
            short_tolerance,
            k,
            systematic,
            short_systematic,
            variational,
            tuple(glued),
            run,
            reference_kind,
            tolerance_from,
            why,
            better,
            margin,
            short_margin,
            known_failure,
        )
        return compute

    return decorator


def _configuration(chapter: str, short: bool) -> tuple:
    """The settings the studies of ``chapter`` currently stand at (see experiment.current)."""
    from . import experiment

    return tuple((run.study_name, experiment.current(run, short)) for run in experiment.studies_of(chapter))


def _load(chapter: str | None = None) -> dict[str, ReferenceCheck]:
    """Import the check modules (of one chapter only, if given) so that they register."""
    if chapter is None:
        _registry.import_all("physml.checks")
    else:
        if not isinstance(chapter, str):
            raise TypeError(f"chapter must be a string, got {type(chapter).__name__}")
        if chapter in _registry.module_names("physml.checks"):
            importlib.import_module(f"physml.checks.{chapter}")
    return _CHECKS


def check_ids(chapter: str | None = None) -> list[str]:
    """Ids of all registered checks (of one chapter if ``chapter`` is given), in registration order."""
    return [c.id for c in _load(chapter).values() if chapter is None or c.chapter == chapter]


def registered_ids() -> list[str]:
    """Ids of all checks, read from the source of ``physml/checks`` without importing it.

    The validation appendix uses this to require a record of every check without
    importing (and so depending on) every chapter's code.
    """
    found = _registry.registrations("physml.checks", "reference_check")
    modules = _registry.module_names("physml.checks")
    return [id for module in modules for id, where in found.items() if where == module]


def chapters() -> list[str]:
    """The chapters that register checks (one module each in ``physml/checks``)."""
    return sorted({c.chapter for c in _load().values()})


def _deviation(kind: str, value: np.ndarray, reference: np.ndarray) -> float:
    if kind in ("abs", "stat"):
        return float(np.max(np.abs(value - reference)))
    if kind == "rel":
        scale = float(np.max(np.abs(reference)))
        return float(np.max(np.abs(value - reference)) / (scale if scale > 0 else 1.0))
    if kind == "at_least":
        return float(np.min(value - reference))
    return float(np.min(reference - value))


def _summary(arr: np.ndarray) -> tuple[float, str]:
    """A number for the table and what it is: the value itself, or the mean of an array."""
    if arr.size == 1:
        return float(arr.reshape(())), "value"
    return float(np.mean(arr)), f"mean of {arr.size} entries"


def _as_values(id: str, output, kind: str) -> tuple[np.ndarray, np.ndarray, float | None]:
    expected = 3 if kind == "stat" else 2
    if not isinstance(output, tuple) or len(output) != expected:
        what = "(value, sigma, reference)" if kind == "stat" else "(value, reference)"
        raise TypeError(f"check {id!r} must return a tuple {what} (its output is {type(output).__name__})")
    if kind == "stat":
        value, sigma, reference = output
        sigma = float(sigma)
        if not (math.isfinite(sigma) and sigma >= 0):
            raise ValueError(f"check {id!r}: sigma must be finite and non-negative, got {sigma}")
    else:
        value, reference = output
        sigma = None
    try:
        v = np.asarray(value, dtype=float)
        r = np.asarray(reference, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"check {id!r}: the value and reference in its output must be numbers: {err}"
        ) from None
    if kind == "beats":
        if v.ndim != 1 or v.size < 3:
            raise ValueError(
                f"check {id!r}: a 'beats' check needs the model's metric over >= 3 seeds, got shape {v.shape}"
            )
        if r.ndim > 1 or r.size not in (1, v.size):
            raise ValueError(
                f"check {id!r}: the baseline must be one value or one per seed, got shape {r.shape}"
            )
        if not (np.all(np.isfinite(v)) and np.all(np.isfinite(r))):
            raise ValueError(f"check {id!r}: the model's or the baseline's metric is not finite")
        return v, r, None
    if v.shape != r.shape:
        raise ValueError(
            f"check {id!r}: value shape {v.shape} differs from reference shape {r.shape} in its output"
        )
    if kind == "stat" and v.size != 1:
        raise ValueError(f"check {id!r}: a 'stat' check compares one scalar, got shape {v.shape}")
    return v, r, sigma


def evaluate(chk: ReferenceCheck, output, short: bool = False) -> CheckResult:
    """Compare a check function's output with its reference under the rule of ``chk``."""
    check_type(chk, ReferenceCheck, "chk")
    short = check_bool(short, "short")
    v, r, sigma = _as_values(chk.id, output, chk.kind)
    tolerance = chk.short_tolerance if short else chk.tolerance
    systematic = chk.short_systematic if short else chk.systematic
    n_sigma = None
    extra = {}
    if chk.kind == "beats":
        margin = chk.short_margin if short else chk.margin
        gain = float(np.mean(r) - np.mean(v)) if chk.better == "lower" else float(np.mean(v) - np.mean(r))
        dev = gain - margin
        passed = bool(np.isfinite(dev) and dev >= 0)
        extra = {
            "margin": margin,
            "spread": float(np.std(v, ddof=1)),
            "reference_spread": float(np.std(r, ddof=1)) if r.size > 1 else None,
            "n_seeds": int(v.size),
        }
        summary = f"mean of {v.size} seeds"
        sigma = float(np.std(v, ddof=1) / math.sqrt(v.size))
        return CheckResult(
            id=chk.id,
            chapter=chk.chapter,
            description=chk.description,
            reference_source=chk.reference_source,
            kind=chk.kind,
            short=short,
            tolerance=tolerance,
            k=chk.k,
            systematic=systematic,
            variational=False,
            value=float(np.mean(v)),
            reference=float(np.mean(r)),
            deviation=dev,
            passed=passed,
            summary=summary,
            sigma=sigma,
            n_sigma=None,
            glued=chk.glued,
            reference_kind=chk.reference_kind or "baseline",
            tolerance_from=chk.tolerance_from,
            why=chk.why,
            better=chk.better,
            known_failure=chk.known_failure,
            **extra,
        )
    dev = _deviation(chk.kind, v, r)
    if chk.kind in ("abs", "rel"):
        passed = bool(np.isfinite(dev) and dev <= tolerance)
    elif chk.kind == "stat":
        signed = float(v.reshape(()) - r.reshape(()))
        n_sigma = signed / sigma if sigma > 0 else (0.0 if signed == 0 else math.copysign(math.inf, signed))
        passed = bool(np.isfinite(dev) and dev <= chk.k * sigma + systematic)
        if chk.variational and signed < -chk.k * sigma:
            passed = False
    else:
        passed = bool(np.isfinite(dev) and dev >= 0)
    value, summary = _summary(v)
    reference, _ = _summary(r)
    return CheckResult(
        id=chk.id,
        chapter=chk.chapter,
        description=chk.description,
        reference_source=chk.reference_source,
        kind=chk.kind,
        short=short,
        tolerance=tolerance,
        k=chk.k,
        systematic=systematic,
        variational=chk.variational,
        value=value,
        reference=reference,
        deviation=dev,
        passed=passed,
        summary=summary,
        sigma=sigma,
        n_sigma=n_sigma,
        glued=chk.glued,
        reference_kind=chk.reference_kind,
        tolerance_from=chk.tolerance_from,
        why=chk.why,
        known_failure=chk.known_failure,
    )


def run_check(id: str, short: bool = False) -> CheckResult:
    """Compute check ``id`` (in the short configuration if ``short``) and compare with its reference."""
    if not isinstance(id, str):
        raise TypeError(f"id must be a string, got {type(id).__name__}")
    if not isinstance(short, bool):
        raise TypeError(f"short must be a bool, got {type(short).__name__}")
    checks = _CHECKS if id in _CHECKS else _load(id.split(".", 1)[0])
    if id not in checks:
        checks = _load()
    if id not in checks:
        raise ValueError(f"id {id!r} is not a registered reference check")
    chk = checks[id]
    return evaluate(chk, chk.compute(short), short)


def run_all(chapter: str | None = None, short: bool = False) -> list[CheckResult]:
    """Run every registered check (of one chapter if given)."""
    return [run_check(i, short) for i in check_ids(chapter)]


# --- records: what a chapter's execution computed, read by the validation appendix ---


def record_dir() -> Path | None:
    """The folder of check records of the book build in progress (None outside a build)."""
    value = os.environ.get(BUILD_DIR_VARIABLE)
    return Path(value) / "records" if value else None


def build_info() -> dict:
    """Which build and page this kernel executes (empty outside a build)."""
    info = {}
    if os.environ.get(BUILD_ID_VARIABLE):
        info["build"] = os.environ[BUILD_ID_VARIABLE]
    if os.environ.get(PAGE_VARIABLE):
        info["page"] = os.environ[PAGE_VARIABLE]
    return info


def write_record(chapter: str, results: list[CheckResult], directory: Path) -> Path:
    """Write the results of ``chapter``'s checks, with the build and page, to ``directory``."""
    if not isinstance(chapter, str) or not chapter:
        raise TypeError(f"chapter must be a non-empty string, got {chapter!r}")
    _check_results(results, "results", nonempty=True)
    directory = _as_path(directory, "directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):  # the folder, or one above it, is a file
        raise ValueError(f"directory {str(directory)!r} is not a folder: a file is in the way") from None
    info = build_info()
    record = {
        "chapter": chapter,
        "build": info.get("build"),
        "page": info.get("page"),
        "written": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "results": [r.to_json() for r in results],
    }
    path = directory / f"{chapter}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=1) + "\n")
    tmp.replace(path)
    return path


class StaleRecordError(RuntimeError):
    """A record does not come from an execution of its page against the current physml."""


def read_records(directory: Path, pages: dict, current_digest: Callable[[list[str]], str]) -> list[dict]:
    """Read every record in ``directory`` and refuse any that is not current.

    ``pages`` is the build's dependency record (``_build/page-deps.json``, key
    ``"pages"``): for each page the build that last executed it, the ``physml`` files it
    had imported and their digest at that time. A record is current when its page was
    last executed in the build that wrote the record and the digest of those files is
    still the same (``current_digest`` recomputes it). Otherwise :class:`StaleRecordError`.
    """
    directory = _as_path(directory, "directory")
    check_type(pages, dict, "pages", "dict (page -> execution record)")
    check_callable(current_digest, "current_digest")
    records = []
    for path in sorted(directory.glob("*.json")):
        record = json.loads(path.read_text())
        page = record.get("page")
        entry = pages.get(page) if page else None
        if entry is None:
            raise StaleRecordError(f"{path.name}: page {page!r} has no execution record in this build")
        if str(entry.get("build")) != str(record.get("build")):
            raise StaleRecordError(
                f"{path.name}: written in build {record.get('build')}, but page {page} was last "
                f"executed in build {entry.get('build')}"
            )
        if current_digest(entry.get("files", [])) != entry.get("digest"):
            raise StaleRecordError(f"{path.name}: physml changed since page {page} was executed")
        records.append(record)
    return records


def recorded_results(build_dir: str | Path | None = None) -> ResultsTable:
    """Every check of the book as recorded by the chapters in the current build.

    Reads ``<build_dir>/records/*.json`` (``build_dir`` defaults to the build in
    progress) and ``<build_dir>/page-deps.json``, refuses stale records
    (:func:`read_records`) and requires a record of every registered check. Each result
    carries the build and page it comes from. Nothing is recomputed.
    """
    from .book import package_digest

    if build_dir is None:
        value = os.environ.get(BUILD_DIR_VARIABLE)
        if not value:
            raise RuntimeError(
                "recorded_results() reads the records of a book build; outside a build pass build_dir "
                "(e.g. the repository's _build folder after `make book`)"
            )
        build_dir = value
    build_dir = _as_path(build_dir, "build_dir")
    deps_file = build_dir / "page-deps.json"
    if not deps_file.exists():
        raise StaleRecordError(f"{deps_file} does not exist: no page was executed by the book build")
    pages = json.loads(deps_file.read_text()).get("pages", {})
    results = ResultsTable()
    results.with_build = True
    for record in read_records(build_dir / "records", pages, package_digest):
        info = {"build": record["build"], "page": record["page"], "written": record["written"]}
        for data in record["results"]:
            results.append(CheckResult.from_json({**data, "build": info}))
    registered = registered_ids()
    missing = [i for i in registered if i not in {r.id for r in results}]
    if missing:
        raise StaleRecordError(f"no record in this build for the checks {missing}")
    order = {i: n for n, i in enumerate(registered)}
    results.sort(key=lambda r: order.get(r.id, len(order)))
    return results


def show(chapter: str) -> ResultsTable:
    """Run and display all checks of ``chapter``; raise if any fails (the build stops).

    During a book build the results are also written as the chapter's record, which the
    validation appendix shows.

    **A reader's variant.** When a study of the chapter last ran with settings other than
    the book's (``experiment.variants``), the checks are evaluated on the reader's run and
    shown as information under the note "not the book's configuration": their tolerances
    hold for the book's settings, so a failure is reported, not raised. The book build
    itself must run the book's configuration and raises instead.
    """
    from . import experiment

    if not isinstance(chapter, str):
        raise TypeError(f"chapter must be a string, got {type(chapter).__name__}")
    ids = check_ids(chapter)
    if not ids:
        raise ValueError(f"chapter {chapter!r} has no registered reference checks")
    changed = experiment.variants(chapter)
    if changed and record_dir() is not None:
        raise ValueError(f"the book build must run the book's configuration; changed settings: {changed}")
    if changed:
        results, errors = ResultsTable(), []
        for i in ids:
            try:
                results.append(run_check(i))
            except Exception as err:  # a variant may make a check meaningless (e.g. other shapes)
                errors.append(f"{i}: {type(err).__name__}: {err}")
        results = ResultsTable([dataclasses_replace(r, variant=True) for r in results])
        results.note = _variant_note(changed, errors)
        return results
    results = ResultsTable(run_check(i) for i in ids)
    failed = [r for r in results if not r.passed and not r.known_failure]
    if failed:
        raise AssertionError("reference checks failed:\n" + "\n".join(str(r) for r in failed))
    directory = record_dir()
    if directory is not None:
        write_record(chapter, list(results), directory)
    return results


def _variant_note(changed: dict, errors: list[str]) -> str:
    """The note above the checks of a reader's variant: which settings differ from the book's."""
    parts = []
    for name, diff in changed.items():
        settings = ", ".join(f"{k} = {v[0]!r} (book: {v[1]!r})" for k, v in diff.items())
        parts.append(f"{name}: {settings}")
    note = (
        "Not the book's configuration: the checks hold for the book's settings, and are shown "
        "here for your run as information, not enforced. Changed: " + "; ".join(parts) + "."
    )
    if errors:
        note += " Not evaluated for your settings: " + "; ".join(errors) + "."
    return note


# --- tables ---


def _fmt(x: float | None, spec: str) -> str:
    return "" if x is None else format(x, spec)


def _as_path(x, name: str) -> Path:
    if not isinstance(x, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (a string or pathlib.Path), got {type(x).__name__}")
    return Path(x)


def _check_results(results, name: str, nonempty: bool = False) -> list:
    """Check that ``results`` is a list of :class:`CheckResult`."""
    if isinstance(results, (str, bytes)) or not isinstance(results, (list, tuple)):
        raise TypeError(f"{name} must be a list of CheckResult, got {type(results).__name__}")
    if nonempty and not results:
        raise ValueError(f"{name} must hold at least one CheckResult")
    for n, r in enumerate(results):
        check_type(r, CheckResult, f"{name}[{n}]", "CheckResult")
    return results


def _origin_text(r: CheckResult) -> str:
    origin = r.tolerance_from or "undeclared"
    return origin + (f": {r.why}" if r.why else "")


def results_html(results: list[CheckResult], with_build: bool = False) -> str:
    """An HTML table of check results (used by chapters and the appendix).

    Besides value, reference and rule, each row shows the reference kind (exact,
    library, published, baseline), where the tolerance comes from, and the share of its
    allowance the check uses (|deviation| / allowance; above 1 fails); a row that passes
    only through its systematic allowance, or through a tolerance set after the result,
    is flagged.
    """
    _check_results(results, "results")
    with_build = check_bool(with_build, "with_build")
    build_head = "<th>computed</th>" if with_build else ""
    head = (
        "<table class='physml-checks'><thead><tr><th>check</th><th>chapter</th>"
        "<th>value</th><th>&sigma;</th><th>reference</th><th>deviation</th><th>dev./&sigma;</th>"
        "<th>rule</th><th>reference kind</th><th>tolerance from</th><th>allowance used</th>"
        f"<th>result</th>{build_head}</tr></thead><tbody>"
    )
    rows = []
    for r in results:
        verdict = "pass" if r.passed else "FAIL"
        if r.by_allowance():
            verdict = "pass, <b>flagged</b>: " + (
                "tolerance set after the result"
                if r.tolerance_from == "after"
                else "only through the systematic allowance"
            )
        if not r.passed and r.known_failure:
            verdict = f"<b>FAIL, recorded</b>: {html.escape(r.known_failure)}"
        if r.variant:
            verdict += "<br><i>(your settings; not enforced)</i>"
        summary = "" if r.summary == "value" else f"<br><i>({html.escape(r.summary)})</i>"
        if r.kind == "beats" and r.spread is not None:
            summary += f"<br><i>spread (s.d.) {r.spread:.3g}</i>"
        ref_spread = (
            "" if r.reference_spread is None else f"<br><i>spread (s.d.) {r.reference_spread:.3g}</i>"
        )
        use = r.use()
        use_text = "" if use is None else ("&gt; 100" if use > 100 else f"{use:.2f}")
        build = ""
        if with_build:
            info = r.build or {}
            build_id, page = html.escape(str(info.get("build"))), html.escape(str(info.get("page")))
            build = f"<td>build {build_id}<br>{page}</td>"
        rows.append(
            "<tr>"
            f"<td><b>{html.escape(r.id)}</b><br>{html.escape(r.description)}"
            f"<br><i>reference: {html.escape(r.reference_source)}</i></td>"
            f"<td>{html.escape(r.chapter)}</td>"
            f"<td>{r.value:.8g}{summary}</td><td>{_fmt(r.sigma, '.2g')}</td>"
            f"<td>{r.reference:.8g}{ref_spread}</td>"
            f"<td>{r.deviation:.2e}</td><td>{_fmt(r.n_sigma, '+.2f')}</td>"
            f"<td>{html.escape(r.rule())}</td><td>{html.escape(r.reference_kind or 'undeclared')}</td>"
            f"<td>{html.escape(_origin_text(r))}</td><td>{use_text}</td>"
            f"<td>{verdict}</td>{build}</tr>"
        )
    return head + "".join(rows) + "</tbody></table>"


class ResultsTable(list):
    """A list of :class:`CheckResult` that renders as one table in a notebook."""

    with_build = False
    note = ""

    def __init__(self, iterable=(), /):
        if isinstance(iterable, (str, bytes)) or not hasattr(iterable, "__iter__"):
            raise TypeError(f"iterable must be a list of CheckResult, got {type(iterable).__name__}")
        items = list(iterable)
        _check_results(items, "iterable")
        super().__init__(items)

    def _repr_html_(self) -> str:
        text = html.escape(self.note, quote=False)
        note = f"<p class='physml-variant'><b>{text}</b></p>" if self.note else ""
        return note + results_html(self, with_build=self.with_build)

    def __str__(self) -> str:
        return "\n".join(([self.note] if self.note else []) + [str(r) for r in self])
