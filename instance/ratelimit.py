"""In-memory token buckets per (scope, key): enough for one process, reset on restart.

Used for logins, registrations and the API. Each process keeps its own buckets; with
several web processes the effective limit is multiplied by their number.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


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
