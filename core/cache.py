"""Caching keyed by the data version, so a cached fragment is never older than the data.

Every content change writes a row to the change log, so the newest change's id is a version
number for all published data, which every process and machine agrees on (unlike a counter kept
in a per-process cache). A process reads it with one indexed query and then trusts it for
DATA_VERSION_SECONDS (1 s by default): the process that commits a change forgets it at once, the
other processes see the change within that second, and a cached page costs no query at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max
from django.utils.translation import get_language

from .models import Change

FRAGMENT_TIMEOUT = 24 * 3600


_known = {"version": None, "read_at": 0.0}


def data_version(request=None) -> int:
    if request is not None and hasattr(request, "_data_version"):
        return request._data_version
    now = time.monotonic()
    version = _known["version"]
    if version is None or now - _known["read_at"] >= settings.DATA_VERSION_SECONDS:
        version = Change.objects.aggregate(v=Max("id"))["v"] or 0
        _known.update(version=version, read_at=now)
    if request is not None:
        request._data_version = version
    return version


def forget_data_version() -> None:
    """Called when a change commits, so this process serves it from the next request on."""
    _known["version"] = None


def cached_fragment(request, name: str, parts: tuple, build: Callable[[], str]) -> str:
    """The fragment from the cache for this data version and language, built when missing."""
    key = ":".join(
        str(p) for p in ("fragment", name, data_version(request), get_language(), *parts)
    )
    return cache.get_or_set(key, build, FRAGMENT_TIMEOUT)
