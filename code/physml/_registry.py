"""Discovery of the per-chapter registries (self-check answers and reference checks).

Each chapter owns one module in ``physml/answers/`` and one in ``physml/checks/``;
importing them registers their entries. Nothing else has to be edited when a
chapter is added.

A page imports only the registry module it needs (``physml.check("ridge-limit", x)``
imports ``physml/answers/regression.py`` alone), so that the build can record which
``physml`` modules a page depends on. :func:`find_registration` finds the module that
registers a name by reading the modules' source, without importing them.
"""

from __future__ import annotations

import ast
import functools
import importlib
import pkgutil
from pathlib import Path


def module_names(package_name: str) -> list[str]:
    """Names of the registry modules of ``package_name`` (not starting with ``_``)."""
    package = importlib.import_module(package_name)
    return [info.name for info in pkgutil.iter_modules(package.__path__) if not info.name.startswith("_")]


def import_all(package_name: str) -> None:
    """Import every module of ``package_name`` so that its decorators run."""
    for name in module_names(package_name):
        importlib.import_module(f"{package_name}.{name}")


@functools.cache
def _registrations(package_name: str, decorator: str) -> dict[str, str]:
    """``{first argument: module}`` of every ``@decorator("...")`` in the package's modules."""
    package = importlib.import_module(package_name)
    found = {}
    for name in module_names(package_name):
        source = Path(package.__path__[0], f"{name}.py")
        if not source.exists():
            continue
        for node in ast.walk(ast.parse(source.read_text())):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            first = node.args[0]
            if called == decorator and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found[first.value] = name
    return found


def registrations(package_name: str, decorator: str) -> dict[str, str]:
    """``{key: module}`` of everything registered with ``decorator`` in the package, in source order."""
    return dict(_registrations(package_name, decorator))


def find_registration(package_name: str, decorator: str, key: str) -> str | None:
    """The module of ``package_name`` whose source registers ``key`` with ``decorator``, or None."""
    return _registrations(package_name, decorator).get(key)
