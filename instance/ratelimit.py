"""Token buckets per key: the limiter interface, and the in-memory buckets of one process.

Used for logins, registrations and the API. On SQLite a city is one process and its buckets
live here, reset on restart; on PostgreSQL every process of the city shares buckets kept in
the database (instance.shared_ratelimit), so the budget is the city's whatever the number of
processes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol


class Limiter(Protocol):
    """What the login throttle, the registration limit and the API throttle ask of a limiter."""

    limit: int
    period: float

    def allow(self, key: str) -> bool:
        """Take a token for `key`: False (nothing taken) when the bucket is empty."""
        ...

    async def allow_async(self, key: str) -> bool:
        """`allow` from the event loop (a shared limiter's write runs in a database thread)."""
        ...

    def blocked(self, key: str) -> bool:
        """Whether `allow` would refuse `key` now, without counting anything."""
        ...

    def retry_after(self, key: str) -> int:
        """Seconds until `key` has a token again (after a refusal)."""
        ...


@dataclass
class RateLimiter:
    #: requests allowed per `period` seconds
    limit: int
    period: float
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.get(key, (float(self.limit), now))
        tokens = min(float(self.limit), tokens + (now - last) * self.limit / self.period)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1.0, now)
        if len(self._buckets) > 100_000:
            self._prune(now)
        return True

    async def allow_async(self, key: str) -> bool:
        return self.allow(key)

    def blocked(self, key: str, now: float | None = None) -> bool:
        """Whether `allow` would refuse `key` now, without counting anything."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.get(key, (float(self.limit), now))
        return min(float(self.limit), tokens + (now - last) * self.limit / self.period) < 1.0

    def retry_after(self, key: str) -> int:
        tokens, _ = self._buckets.get(key, (0.0, 0.0))
        return max(1, int((1.0 - tokens) * self.period / self.limit) + 1)

    def _prune(self, now: float) -> None:
        full = [k for k, (tokens, last) in self._buckets.items() if now - last > self.period]
        for key in full:
            del self._buckets[key]
