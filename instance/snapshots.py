"""Results worth computing once a minute per process, not once per request.

The city's trends rank every public status and hashtag use of the last days: tens of
milliseconds at 100,000 statuses, asked by every visitor of an app's explore page, with no
token needed. Mastodon ranks them in a job every few minutes; here each process keeps the
last ranking for `seconds` and what each request shows is still filtered for its reader,
at once (blocks, mutes, refused domains, hidden statuses, the admin's switch). Keyed by
owner (a city's Database, held weakly: tests and tools run several cities in one process)
and by what the ranking depends on (the policy's domain lists).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class Snapshots:
    """The last value computed for (owner, key), kept `seconds`."""

    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._seconds = seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._kept: weakref.WeakKeyDictionary[Any, dict[Hashable, tuple[float, Any]]] = (
            weakref.WeakKeyDictionary()
        )

    def get(self, owner: object, key: Hashable, compute: Callable[[], T]) -> T:
        """The value kept for (owner, key) if younger than `seconds`, else `compute()`'s,
        kept. Two threads finding it stale at once both compute: no lock is held while a
        ranking runs."""
        now = self._clock()
        with self._lock:
            found = self._kept.get(owner, {}).get(key)
        if found is not None and now - found[0] < self._seconds:
            value: T = found[1]
            return value
        value = compute()
        with self._lock:
            by_key = self._kept.setdefault(owner, {})
            by_key.clear()  # one ranking per owner: an old key (policy) is not asked again
            by_key[key] = (now, value)
        return value
