"""Discovery of the per-chapter registries (self-check answers and reference checks).

Each chapter owns one module in ``physml/answers/`` and one in ``physml/checks/``;
importing them registers their entries. Nothing else has to be edited when a
chapter is added.
"""

from __future__ import annotations

import importlib
import pkgutil


def import_all(package_name: str) -> None:
    """Import every module of ``package_name`` so that its decorators run."""
    package = importlib.import_module(package_name)
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{package_name}.{info.name}")
