"""Shared test configuration: quiet progress bars, deterministic hypothesis profile."""

import os

from hypothesis import HealthCheck, settings

os.environ.setdefault("PHYSML_QUIET", "1")

settings.register_profile(
    "book",
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("book")
