"""Caches for the runs that a chapter page and its checks share.

``run_once``: ``functools.cache`` that treats ``f(x)`` and ``f(x, short=False)`` as one call.

``functools.cache`` keys on the arguments as written, so a chapter calling ``dot(1.0)`` and a
check calling ``dot(1.0, False)`` would compute the same run twice. ``run_once`` binds the
arguments to the signature (defaults filled in) before looking them up.
"""

from __future__ import annotations

import functools
import inspect


def run_once(func):
    """Cache ``func`` on its bound arguments (positional or keyword, defaults applied)."""
    signature = inspect.signature(func)
    cached = functools.cache(func)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return cached(*bound.args)

    wrapper.cache_clear = cached.cache_clear
    wrapper.cache_info = cached.cache_info
    return wrapper


def per_configuration(func):
    """``functools.cache`` for a study ``func(short)``: ``f()``, ``f(False)`` and ``f(short=False)``
    share one result, so the page (full configuration) and its check compute it once."""
    cached = functools.cache(func)

    @functools.wraps(func)
    def wrapper(short: bool = False):
        return cached(bool(short))

    wrapper.cache_clear = cached.cache_clear
    return wrapper
