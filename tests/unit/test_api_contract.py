"""The input contract of physml's public API: bad input gets a clear error, everywhere.

The layer walks the package (``pkgutil``/``inspect``) and finds every public function,
class, method and property setter defined in physml. Each must have a valid example call
in ``api_examples.py``, with a kind for every argument (``api_kinds.py``). Then, for every
argument, each bad value of its kind (NaN, inf, complex, strings, ``None``, empty and
mis-shaped arrays, mismatched lengths, values out of range, wrong objects ...) is passed
in turn, the other arguments staying valid, and the call must raise ``ValueError`` or
``TypeError`` whose message names that argument: never return silently, never crash with
an unrelated exception.

Beyond bad input, three classes of variant (``api_kinds``: ``Edge``, ``Alt``, unfitted) are
tried where they apply: a real argument at the overflow edge (1e300) must get a clear error
or a result without NaN; every argument that takes a seed or a ``numpy.random.Generator``
(an ``Rng`` kind, or a parameter annotated ``np.random.Generator``) must accept both an int
seed and a Generator; every method of an estimator (a class with a ``fit`` method) called
before ``fit`` must return a result without NaN or raise a ``ValueError`` naming ``fit``.

``python tests/unit/test_api_contract.py --count`` runs the whole layer without pytest and
prints the number of variants by outcome (``-v`` lists the failing ones, ``--only physml.optim``
restricts it to one module).
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import inspect
import numbers
import pkgutil
import re
import signal
import sys
import threading
import warnings
from collections import Counter
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from api_examples import EXAMPLES, INSTANCES, SKIPPED_MODULES, SKIPPED_PACKAGES  # noqa: E402
from api_kinds import Alt, Bad, Edge, Rng, build, edge_variants, seed_variants, valid_value  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import physml  # noqa: E402

#: Dunder methods that take user input (operators and calls); other dunders are plumbing.
OPERATORS = {
    "__call__",
    "__add__",
    "__sub__",
    "__mul__",
    "__truediv__",
    "__matmul__",
    "__pow__",
    "__radd__",
    "__rsub__",
    "__rmul__",
    "__rtruediv__",
    "__rmatmul__",
}
#: Hypothesis examples per random bad variant (NaN at a random position, a random negative ...).
RANDOM_EXAMPLES = 3


# ----------------------------------------------------------------------------- discovery


@dataclass(frozen=True)
class Target:
    """A public callable: ``kind`` is "function", "class", "method", "classmethod" or "setter"."""

    name: str  # e.g. physml.optim.Adam.step
    kind: str
    owner: str | None = None  # the class, for methods and setters
    defined_in: str | None = None  # the class that defines an inherited method


def public_modules() -> list:
    modules = []

    def walk(package):
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            if info.name.rsplit(".", 1)[1].startswith("_") or info.name in SKIPPED_PACKAGES:
                continue
            module = importlib.import_module(info.name)
            skipped = any(info.name == m or info.name.startswith(m + ".") for m in SKIPPED_MODULES)
            if not skipped:
                modules.append(module)
            if info.ispkg:
                walk(module)

    walk(physml)
    return modules


def _takes_arguments(func, bound: bool) -> bool:
    params = list(inspect.signature(func).parameters.values())
    return len(params) > (1 if bound else 0)


def _class_members(cls) -> list[Target]:
    owner = f"{cls.__module__}.{cls.__qualname__}"
    out = []
    for name in sorted(dir(cls)):
        if name.startswith("_") and name not in OPERATORS:
            continue
        definer = next((c for c in cls.__mro__ if name in vars(c)), None)
        if definer is None or not definer.__module__.startswith("physml"):
            continue
        attr = vars(definer)[name]
        defined_in = f"{definer.__module__}.{definer.__qualname__}"
        if isinstance(attr, property):
            if attr.fset is not None:
                out.append(Target(f"{owner}.{name}", "setter", owner, defined_in))
        elif isinstance(attr, (classmethod, staticmethod)):
            if _takes_arguments(attr.__func__, isinstance(attr, classmethod)):
                out.append(Target(f"{owner}.{name}", "classmethod", owner, defined_in))
        elif inspect.isfunction(attr) and _takes_arguments(attr, bound=True):
            out.append(Target(f"{owner}.{name}", "method", owner, defined_in))
    return out


def public_targets() -> list[Target]:
    """Every public callable defined in physml (not re-exported names)."""
    targets = []
    for module in public_modules():
        for name, obj in sorted(vars(module).items()):
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(inspect.unwrap(obj)):  # functools.cache wrappers too
                if inspect.signature(obj).parameters:
                    targets.append(Target(f"{module.__name__}.{name}", "function"))
            elif inspect.isclass(obj) and not issubclass(obj, BaseException):  # errors are raised, not called
                if inspect.signature(obj).parameters:
                    targets.append(Target(f"{module.__name__}.{name}", "class"))
                targets += _class_members(obj)
    return targets


def example_of(target: Target) -> dict | None:
    if target.name in EXAMPLES:
        return EXAMPLES[target.name]
    if target.defined_in is not None:
        return EXAMPLES.get(f"{target.defined_in}.{target.name.rsplit('.', 1)[1]}")
    return None


def resolve(dotted: str):
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


# ----------------------------------------------------------------------------- calling


def _bind(func, values: dict) -> tuple[list, dict]:
    """Positional and keyword arguments for ``func`` from a dict of argument values."""
    args, kwargs = [], {}
    positional = True
    for p in inspect.signature(func).parameters.values():
        if p.kind is p.VAR_KEYWORD:
            continue
        if p.name not in values:
            positional = False
            continue
        if p.kind is p.VAR_POSITIONAL:
            args.extend(values[p.name])
        elif p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and positional:
            args.append(values[p.name])
        else:
            kwargs[p.name] = values[p.name]
    return args, kwargs


def call(target: Target, values: dict, instance=None):
    """Call ``target`` with the argument values (and use a returned context manager); a method
    is called on ``instance`` when given, else on a fresh object of ``INSTANCES``."""
    method = target.name.rsplit(".", 1)[1]
    if target.kind in ("function", "class"):
        func = resolve(target.name)
    elif target.kind == "classmethod":
        func = getattr(resolve(target.owner), method)
    elif target.kind == "setter":
        setattr(INSTANCES[target.owner]() if instance is None else instance, method, values["value"])
        return None
    else:
        func = getattr(INSTANCES[target.owner]() if instance is None else instance, method)
    args, kwargs = _bind(func, values)
    result = func(*args, **kwargs)
    if isinstance(result, contextlib.AbstractContextManager):
        with result:
            pass
    return result


def valid_values(example: dict) -> dict:
    return {name: valid_value(kind) for name, kind in example["args"].items()}


# ----------------------------------------------------------------------------- bad variants


def bad_variants(example: dict) -> list[tuple[str, Bad]]:
    """(argument name, bad variant) for every argument of an example."""
    out = []
    for name, kind in example["args"].items():
        out += [(name, bad) for bad in kind.bad() + edge_variants(kind)]
    for group in example["rows"]:
        for name in group:
            kind = example["args"][name]
            out.append((name, Bad("mismatched rows", valid_value(kind)[:-1])))
    return out


#: The pseudo-argument of the unfitted variant: the object itself.
SELF = "self"


def _unbound(target: Target):
    """The function or method of ``target``, looked up without building an object."""
    if target.kind in ("function", "class"):
        return resolve(target.name)
    return getattr(resolve(target.owner), target.name.rsplit(".", 1)[1])


def _takes_generator(param: inspect.Parameter) -> bool:
    text = param.annotation if isinstance(param.annotation, str) else repr(param.annotation)
    return "np.random.Generator" in text or "numpy.random.Generator" in text


def _unfitted(owner: str):
    """A fresh object of the estimator ``owner``, built from its constructor's example."""
    return call(Target(owner, "class"), valid_values(EXAMPLES[owner]))


def state_variants(target: Target, example: dict) -> list[tuple[str, Bad]]:
    """The variants that depend on the callable, not on one argument's kind: an int seed and a
    Generator for every argument that takes either, and for a method of an estimator (a class
    with a ``fit`` method and a constructor example) the call on an unfitted object."""
    out = []
    if target.kind != "setter":
        params = inspect.signature(_unbound(target)).parameters.values()
        seeds = {p.name for p in params if _takes_generator(p)}
        seeds |= {name for name, kind in example["args"].items() if isinstance(kind, Rng)}
        out += [(name, alt) for name in sorted(seeds) for alt in seed_variants()]
    if target.owner is not None and target.owner in EXAMPLES and not target.name.endswith(".fit"):
        if callable(getattr(resolve(target.owner), "fit", None)):
            out.append((SELF, Edge("unfitted", None)))
    return out


def _has_nan(value, depth: int = 0) -> bool:
    """True if a result holds a NaN (in a number, an array, a tensor or a record's fields)."""
    if depth > 3 or value is None or isinstance(value, (str, bytes, bool)):
        return False
    if isinstance(value, numbers.Number):
        return bool(np.isnan(value)) if isinstance(value, numbers.Real) else bool(np.isnan(complex(value)))
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "fc" and bool(np.isnan(value).any())
    if type(value).__module__.startswith("torch") and hasattr(value, "isnan"):
        inexact = value.is_floating_point() or value.is_complex()
        return bool(value.detach().isnan().any()) if inexact else False
    if isinstance(value, dict):
        return any(_has_nan(v, depth + 1) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_nan(v, depth + 1) for v in value[:1000])
    if dataclasses.is_dataclass(value) or type(value).__module__.startswith("physml"):
        fields = vars(value) if hasattr(value, "__dict__") else {}
        return any(_has_nan(v, depth + 1) for v in fields.values())
    return False


#: Seconds an edge, seed or unfitted variant may run: 1e300 as a time span, a number of
#: steps or a tolerance must not hang the layer (a hang is reported as a TimeoutError).
EDGE_SECONDS = 20


@contextlib.contextmanager
def _time_limit(seconds: float):
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def mentions(message: str, name: str) -> bool:
    """True if ``message`` names the argument ``name`` (as a word, e.g. ``params[0]`` names params)."""
    return re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", message) is not None


def outcome(target: Target, example: dict, name: str, bad: Bad, value) -> str:
    """ "ok", "silent", "unnamed <Error>", "crash <Error>" or (an ``Alt`` spelling that is
    refused) "refused <Error>" for one bad call."""
    values = valid_values(example)
    instance = None
    if name == SELF:
        instance = _unfitted(target.owner)
    else:
        values[name] = value
    limit = _time_limit(EDGE_SECONDS) if isinstance(bad, (Edge, Alt)) else contextlib.nullcontext()
    try:
        with warnings.catch_warnings(), limit:
            warnings.simplefilter("ignore")
            result = call(target, values, instance)
    except (Exception, SystemExit) as err:  # noqa: BLE001 - a clear error, or the finding (never exit)
        if isinstance(bad, Alt):
            return f"refused {type(err).__name__}"
        if not isinstance(err, bad.errors):
            return f"crash {type(err).__name__}"
        if isinstance(bad, Edge) and isinstance(err, FloatingPointError):
            return "ok"  # a training loop stopped on an infinite loss (check_finite_loss)
        # a property setter's argument is the property itself: ``opt.learning_rate = -1``
        named = target.name.rsplit(".", 1)[1] if target.kind == "setter" else name
        named = "fit" if name == SELF else named
        return "ok" if mentions(str(err), named) else f"unnamed {type(err).__name__}"
    finally:
        plt.close("all")
    if isinstance(bad, Alt):
        return "ok"
    if isinstance(bad, Edge):
        return "silent NaN" if _has_nan(result) else "ok"
    return "silent"


def run_variant(target: Target, example: dict, name: str, bad: Bad) -> list[tuple[str, str]]:
    """Outcomes (and the value's text) of one bad variant; a random one runs several hypothesis examples."""
    if not bad.random:
        value = build(bad.value)
        return [(outcome(target, example, name, bad, value), _show(value))]
    results = []

    @settings(
        max_examples=RANDOM_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def draw(data):
        value = data.draw(bad.value)
        results.append((outcome(target, example, name, bad, value), _show(value)))

    draw()
    return results


def _show(value) -> str:
    text = repr(value).replace("\n", " ")
    return text if len(text) < 80 else text[:77] + "..."


# ----------------------------------------------------------------------------- the tests

TARGETS = public_targets()
COVERED = [t for t in TARGETS if example_of(t) is not None]
CASES = [
    pytest.param(t, name, bad, id=f"{t.name}:{name}:{bad.label}")
    for t in COVERED
    for name, bad in bad_variants(example_of(t)) + state_variants(t, example_of(t))
]
STATS = Counter()


def test_every_public_callable_has_an_example():
    missing = [t.name for t in TARGETS if example_of(t) is None]
    assert not missing, "add these to tests/unit/api_examples.py:\n" + "\n".join(missing)


def test_every_example_names_a_public_callable():
    known = {t.name for t in TARGETS} | {
        f"{t.defined_in}.{t.name.rsplit('.', 1)[1]}" for t in TARGETS if t.defined_in
    }
    stale = sorted(set(EXAMPLES) - known)
    assert not stale, f"examples of callables that are not public (any more): {stale}"


@pytest.mark.parametrize("target", COVERED, ids=lambda t: t.name)
def test_every_argument_has_a_kind(target):
    example = example_of(target)
    owner = resolve(target.owner) if target.owner else None
    if target.kind == "setter":
        assert list(example["args"]) == ["value"]
        return
    func = getattr(owner, target.name.rsplit(".", 1)[1]) if owner else resolve(target.name)
    params = [p.name for p in inspect.signature(func).parameters.values() if p.kind is not p.VAR_KEYWORD]
    if target.kind == "method":
        params = params[1:]
    assert sorted(params) == sorted(example["args"]), "declare a kind for every argument"


@pytest.mark.parametrize("target", COVERED, ids=lambda t: t.name)
def test_example_call_is_valid(target):
    try:
        call(target, valid_values(example_of(target)))
    finally:
        plt.close("all")


@pytest.mark.parametrize(("target", "name", "bad"), CASES)
def test_bad_argument_gets_a_clear_error(target, name, bad):
    results = run_variant(target, example_of(target), name, bad)
    STATS["variants"] += 1
    STATS["calls"] += len(results)
    wrong = [(result, value) for result, value in results if result != "ok"]
    assert not wrong, f"{target.name}({name}={wrong[0][1]}): {wrong[0][0]}, expected an error naming {name!r}"


# ----------------------------------------------------------------------------- counting


def variant_class(bad: Bad) -> str:
    """The class of a variant, for the counts: bad input, edge, seed spelling or unfitted."""
    if isinstance(bad, Alt):
        return "seed spellings"
    if isinstance(bad, Edge):
        return "unfitted objects" if bad.label == "unfitted" else "edge values"
    return "bad input"


def count(verbose: bool = False, only: str = "") -> Counter:
    """Run every bad variant once (without pytest) and count the outcomes (also by class:
    ``tally["edge values", "ok"]`` ...)."""
    tally = Counter()
    for param in CASES:
        target, name, bad = param.values
        if not target.name.startswith(only):
            continue
        results = run_variant(target, example_of(target), name, bad)
        worst = next((r for r, _ in results if r != "ok"), "ok")
        tally[worst.split()[0]] += 1
        tally[variant_class(bad), worst.split()[0]] += 1
        tally["variants"] += 1
        tally["calls"] += len(results)
        if verbose and worst != "ok":
            print(f"{worst:28s} {param.id}")
    return tally


if __name__ == "__main__":
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else ""
    counts = count(verbose="-v" in sys.argv, only=only)
    print(
        f"{len(TARGETS)} public callables, {len(COVERED)} with examples; {counts['variants']} bad variants "
        f"({counts['calls']} calls): {counts['ok']} clear errors, {counts['silent']} silent returns, "
        f"{counts['crash']} unrelated exceptions, {counts['unnamed']} errors not naming the argument, "
        f"{counts['refused']} valid spellings refused"
    )
    for cls in ("bad input", "edge values", "seed spellings", "unfitted objects"):
        by = {key[1]: n for key, n in counts.items() if isinstance(key, tuple) and key[0] == cls}
        print(f"  {cls:17s} " + ", ".join(f"{n} {what}" for what, n in sorted(by.items())))
