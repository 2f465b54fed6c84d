r"""The reader's experiment: a study's settings in view, and a cache that is never stale.

A chapter's headline result (a training, a sampling, an optimisation) is a *study*: a
function of one *settings* object, a frozen dataclass that names every choice of the run
(epochs, widths, learning rate, seed, ...). The page builds the settings in view and calls
the study,

.. code-block:: python

    cfg = studies.vae.DigitRun(epochs=150, latent=8, lr=2e-3)
    run = studies.vae.digit_run(cfg)

and a reader may change a setting and run the cell again. The studies live in
``physml/studies/<chapter>.py``; the chapter's reference checks (``physml/checks/<chapter>.py``)
call the same study functions, and read, never recompute, what the page ran.

**Cached by the whole configuration.** :func:`study` caches a run on its settings object
(equal settings, equal run): the book's run is computed once per build and shared by the
page and its checks; a changed setting is a new key and a new run.

**The book's configuration, the reader's and the tests'.** Each settings class has the
book's values as its defaults and a *short* configuration (``Settings.short()``, the
same code on a smaller problem) for the unit tests. :func:`current` tells a check which
settings to read: the short ones in the tests, otherwise the ones the page last ran (the
book's, unless the reader changed them). :func:`variants` lists the studies of a chapter
whose last run was not the book's configuration; ``validation.show`` then reports the
checks as information ("not the book's configuration") instead of failing the page.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import math
import numbers
import typing
from collections.abc import Callable

__all__ = ["Settings", "setting", "study", "current", "variants", "studies_of", "reset"]


def setting(default, *, low: float | None = None, high: float | None = None, doc: str = ""):
    """A field of a :class:`Settings` class with a default and an allowed range ``[low, high]``."""
    return dataclasses.field(default=default, metadata={"low": low, "high": high, "doc": doc})


def _check_value(cls_name: str, name: str, hint, value, meta) -> object:
    """Check one setting against its annotation and range; return it (lists become tuples)."""
    label = f"{cls_name}.{name}"
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)) and type(None) in args:
        if value is None:
            return None
        hint = next(a for a in args if a is not type(None))
        origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is bool:
        if not isinstance(value, bool):
            raise TypeError(f"{label} must be True or False, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{label} must be an integer, got {value!r}")
        value = int(value)
    elif hint is float:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{label} must be a real number, got {value!r}")
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"{label} must be finite, got {value!r}")
    elif hint is str:
        if not isinstance(value, str):
            raise TypeError(f"{label} must be a string, got {value!r}")
        return value
    elif origin is tuple:
        if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)):
            raise TypeError(f"{label} must be a tuple, got {value!r}")
        item = args[0] if args else object
        out = tuple(_check_value(cls_name, f"{name}[{i}]", item, v, meta) for i, v in enumerate(value))
        return out
    else:
        return value
    low, high = meta.get("low"), meta.get("high")
    if low is not None and value < low:
        raise ValueError(f"{label} must be >= {low}, got {value!r}")
    if high is not None and value > high:
        raise ValueError(f"{label} must be <= {high}, got {value!r}")
    return value


@dataclasses.dataclass(frozen=True)
class Settings:
    """Base class of a study's settings: a frozen dataclass whose defaults are the book's run.

    Subclasses declare their fields with type annotations (``int``, ``float``, ``bool``,
    ``str``, ``tuple[int, ...]``, optionally ``| None``) and ranges through :func:`setting`;
    every value is checked when the object is made, and a wrong one raises a ``TypeError``
    or ``ValueError`` naming the setting. ``SHORT`` (a class attribute) holds the changes
    that make the short configuration the unit tests run.
    """

    SHORT: typing.ClassVar[dict] = {}
    VARIANT: typing.ClassVar[dict] = {}

    def __init_subclass__(cls, **kwargs):
        # every subclass is itself a frozen dataclass (hashable: the cache key of its runs)
        super().__init_subclass__(**kwargs)
        dataclasses.dataclass(frozen=True)(cls)

    def __post_init__(self):
        hints = typing.get_type_hints(type(self))
        for f in dataclasses.fields(self):
            value = _check_value(
                type(self).__name__, f.name, hints[f.name], getattr(self, f.name), f.metadata
            )
            object.__setattr__(self, f.name, value)
        self.validate()

    def validate(self) -> None:
        """Checks that involve several settings (override in a subclass; raise ValueError)."""

    @classmethod
    def book(cls):
        """The settings of the book's run (the class defaults)."""
        return cls()

    @classmethod
    def short(cls):
        """The short configuration the unit tests run: the book's settings changed by ``SHORT``."""
        return cls(**cls.SHORT)

    @classmethod
    def variant_change(cls, cfg: Settings) -> dict:
        """One changed setting that a test makes to try a reader's variant: ``VARIANT`` if the
        class gives one, otherwise the next seed."""
        if not isinstance(cfg, cls):
            raise TypeError(f"cfg must be a {cls.__name__}, got {type(cfg).__name__}")
        if cls.VARIANT:
            return dict(cls.VARIANT)
        if "seed" in {f.name for f in dataclasses.fields(cfg)}:
            return {"seed": cfg.seed + 1}
        raise TypeError(f"{cls.__name__} has no seed: give it a VARIANT (one setting to change)")

    def replace(self, **changes):
        """A copy with some settings changed: ``cfg.replace(epochs=300)``."""
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise TypeError(
                f"{type(self).__name__} has no setting {unknown[0]!r}; its settings are {sorted(names)}"
            )
        return dataclasses.replace(self, **changes)

    def changes(self, other: Settings | None = None) -> dict:
        """The settings that differ from ``other`` (default: the book's), as ``{name: (self, other)}``."""
        other = type(self).book() if other is None else other
        if type(other) is not type(self):
            raise TypeError(f"other must be a {type(self).__name__}, got {type(other).__name__}")
        return {
            f.name: (getattr(self, f.name), getattr(other, f.name))
            for f in dataclasses.fields(self)
            if getattr(self, f.name) != getattr(other, f.name)
        }

    def is_book(self) -> bool:
        """Whether these are the settings of the book's run."""
        return self == type(self).book()

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def _repr_html_(self) -> str:
        book = type(self).book()
        rows = []
        for f in dataclasses.fields(self):
            value, default = getattr(self, f.name), getattr(book, f.name)
            mark = "" if value == default else f" <i>(book: {html.escape(repr(default))})</i>"
            doc = html.escape(f.metadata.get("doc", ""))
            rows.append(
                f"<tr><td><code>{f.name}</code></td><td>{html.escape(repr(value))}{mark}</td><td>{doc}</td></tr>"
            )
        return (
            f"<table class='physml-settings'><thead><tr><th colspan=3>{type(self).__name__}</th></tr>"
            f"<tr><th>setting</th><th>value</th><th>meaning</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )


# --- studies -------------------------------------------------------------------------------

_STUDIES: dict[str, list[Callable]] = {}  # chapter -> its study functions, in definition order
_LAST: dict[str, Settings] = {}  # study name -> the settings it last ran with in this process


def study(chapter: str, settings: type[Settings]):
    """Register ``func(cfg)`` as a study of ``chapter`` taking a ``settings`` object.

    The returned function is called as ``run(cfg)``, ``run()`` (the book's settings) or
    ``run(cfg, epochs=3)`` (a copy of ``cfg`` with a setting changed). Its result is cached
    on the whole settings object, so a changed setting gives a new run; the last settings
    each study ran with are remembered for :func:`current` and :func:`variants`.
    """
    if not isinstance(chapter, str) or not chapter:
        raise TypeError(f"chapter must be a non-empty string, got {chapter!r}")
    if not (isinstance(settings, type) and issubclass(settings, Settings)):
        raise TypeError(f"settings must be a Settings subclass, got {settings!r}")

    def decorator(func: Callable):
        cache: dict[Settings, object] = {}
        name = f"{chapter}.{func.__name__}"

        @functools.wraps(func)
        def run(cfg: Settings | None = None, /, **changes):
            if cfg is None:
                cfg = settings()
            if type(cfg) is not settings:
                raise TypeError(
                    f"cfg must be a {settings.__name__} (the settings of {name}), got {type(cfg).__name__}"
                )
            if changes:
                cfg = cfg.replace(**changes)
            _LAST[name] = cfg
            if cfg not in cache:
                cache[cfg] = func(cfg)
            return cache[cfg]

        run.settings = settings
        run.chapter = chapter
        run.study_name = name
        run.cache_clear = cache.clear
        run.cached = lambda cfg: cfg in cache
        _STUDIES.setdefault(chapter, [])
        _STUDIES[chapter] = [s for s in _STUDIES[chapter] if s.study_name != name] + [run]
        return run

    return decorator


def studies_of(chapter: str) -> list[Callable]:
    """The registered study functions of ``chapter`` (import its studies module first)."""
    if not isinstance(chapter, str):
        raise TypeError(f"chapter must be a string, got {type(chapter).__name__}")
    return list(_STUDIES.get(chapter, []))


def current(run: Callable, short: bool = False) -> Settings:
    """The settings a check of ``run`` reads: the short ones if ``short``, else those the page
    last ran (the book's when the page has not run it, or ran it unchanged)."""
    if not hasattr(run, "study_name"):
        raise TypeError(f"run must be a function made by experiment.study, got {run!r}")
    if not isinstance(short, bool):
        raise TypeError(f"short must be a bool, got {type(short).__name__}")
    if short:
        return run.settings.short()
    return _LAST.get(run.study_name, run.settings.book())


def variants(chapter: str) -> dict[str, dict]:
    """The studies of ``chapter`` whose last run is not the book's configuration:
    ``{study name: {setting: (reader's value, book's value)}}``."""
    out = {}
    for run in studies_of(chapter):
        cfg = _LAST.get(run.study_name)
        if cfg is not None and not cfg.is_book():
            out[run.study_name] = cfg.changes()
    return out


def reset(chapter: str | None = None) -> None:
    """Forget which settings were last run (of one chapter, or all); caches are kept."""
    if chapter is not None and not isinstance(chapter, str):
        raise TypeError(f"chapter must be a string, got {type(chapter).__name__}")
    for run in [s for c, runs in _STUDIES.items() if chapter in (None, c) for s in runs]:
        _LAST.pop(run.study_name, None)
