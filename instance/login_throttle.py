"""Failed logins, counted per client address and per account.

Counting per address alone lets one member's password be guessed from many addresses (a
botnet, or any IPv6 block); counting per account alone lets one address try every account.
Both are checked before a password is looked at, and both are charged by a failure; a
successful login charges nothing. Counted for the whole city: in the database on PostgreSQL
(every process shares the buckets), in memory on SQLite (instance.shared_ratelimit).

The web login asks it on the event loop, the OAuth password grant from the thread of its
read transaction (services/oauth): a lock keeps the buckets whole between the two (a
short critical section, never held across an await).
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

from .database import Database
from .ratelimit import Limiter, RateLimiter
from .shared_ratelimit import rate_limiter

#: failed logins per client address per minute
FAILURES_PER_ADDRESS = 10
ADDRESS_PERIOD = 60.0
#: failed logins per account per quarter of an hour, whatever the address
FAILURES_PER_ACCOUNT = 10
ACCOUNT_PERIOD = 900.0


@dataclass
class LoginThrottle:
    per_address: Limiter = field(
        default_factory=lambda: RateLimiter(FAILURES_PER_ADDRESS, ADDRESS_PERIOD)
    )
    per_account: Limiter = field(
        default_factory=lambda: RateLimiter(FAILURES_PER_ACCOUNT, ACCOUNT_PERIOD)
    )

    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, address: str, username: str) -> int | None:
        """Seconds to wait before this address may try this account again; None: try now."""
        with self._lock:
            waits = [
                limiter.retry_after(key)
                for limiter, key in self._budgets(address, username)
                if limiter.blocked(key)
            ]
        return max(waits) if waits else None

    async def wait_async(self, address: str, username: str) -> int | None:
        """`wait` from the event loop (shared buckets are read in a thread)."""
        return await asyncio.to_thread(self.wait, address, username)

    async def failed_async(self, address: str, username: str) -> None:
        """`failed` from the event loop."""
        await asyncio.to_thread(self.failed, address, username)

    def failed(self, address: str, username: str) -> None:
        """Count a failed login against the address and the account."""
        with self._lock:
            for limiter, key in self._budgets(address, username):
                limiter.allow(key)

    @classmethod
    def of_city(cls, db: Database) -> LoginThrottle:
        """The throttle of a city on `db`: shared by all its processes on PostgreSQL."""
        return cls(
            rate_limiter(db, "login_address", FAILURES_PER_ADDRESS, ADDRESS_PERIOD),
            rate_limiter(db, "login_account", FAILURES_PER_ACCOUNT, ACCOUNT_PERIOD),
        )

    def _budgets(self, address: str, username: str) -> list[tuple[Limiter, str]]:
        # usernames are stored lower-cased: "Alice" and "alice" are one account
        return [(self.per_address, address), (self.per_account, username.strip().lower())]
