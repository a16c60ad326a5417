"""Caching keyed by the data version, so a cached fragment is never older than the data.

Every content change writes a row to the change log, so the newest change's id is a version
number for all published data. It is read once per request with one indexed query, which every
process and machine agrees on (unlike a counter kept in a per-process cache).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.cache import cache
from django.db.models import Max
from django.utils.translation import get_language

from .models import Change

FRAGMENT_TIMEOUT = 24 * 3600


def data_version(request=None) -> int:
    if request is not None and hasattr(request, "_data_version"):
        return request._data_version
    version = Change.objects.aggregate(v=Max("id"))["v"] or 0
    if request is not None:
        request._data_version = version
    return version


def cached_fragment(request, name: str, parts: tuple, build: Callable[[], str]) -> str:
    """The fragment from the cache for this data version and language, built when missing."""
    key = ":".join(
        str(p) for p in ("fragment", name, data_version(request), get_language(), *parts)
    )
    return cache.get_or_set(key, build, FRAGMENT_TIMEOUT)
