"""Token buckets kept in the database, shared by every process of a city on PostgreSQL.

A city on PostgreSQL runs as many web processes as it needs; buckets kept in each process's
memory would multiply every budget by their number. Here one UPSERT per counted request
refills the bucket of (scope, key) for the time since its last use, takes a token if there is
one, and returns whether it did: the row lock of the UPSERT makes concurrent requests of all
processes take turns on the bucket, so ten tokens are ten requests city-wide. It costs one
short write per counted request, which is why SQLite (one process) keeps its buckets in
memory instead (`rate_limiter` picks).

Rows of buckets that have refilled completely are worth nothing: about one take in a
thousand also deletes the rows idle for longer than their period.
"""

from __future__ import annotations

import random
import threading
import time
from collections import OrderedDict

from sqlalchemy import Float, case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from models import RateLimit

from .database import Database
from .ratelimit import Limiter, RateLimiter

#: refusals remembered per limiter for Retry-After (least recently refused forgotten first)
REMEMBERED = 10_000
#: one take in this many sweeps the idle rows
SWEEP_ONE_IN = 1000
#: the longest period of any limiter: rows idle longer are full buckets, whatever their scope
LONGEST_PERIOD = 3600.0


class SharedRateLimiter:
    """The buckets of one scope ("api_token", "login_address"...) in the `rate_limits` table."""

    def __init__(self, db: Database, scope: str, limit: int, period: float) -> None:
        self.db = db
        self.scope = scope
        self.limit = limit
        self.period = period
        self._tokens_left: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, session: Session, key: str, now: float | None = None) -> bool:
        """Count one request of `key` in the caller's transaction; True if it was granted."""
        now = time.time() if now is None else now
        table = RateLimit.__table__.c
        refilled = self._refilled(table.tokens, table.updated_at, now)
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        statement = (
            insert(RateLimit)
            .values(
                scope=self.scope,
                key=key,
                tokens=float(self.limit) - 1.0,
                updated_at=now,
                granted=True,
            )
            .on_conflict_do_update(
                index_elements=["scope", "key"],
                set_={
                    "granted": refilled >= 1.0,
                    "tokens": case((refilled >= 1.0, refilled - 1.0), else_=refilled),
                    "updated_at": now,
                },
            )
            .returning(table.granted, table.tokens)
        )
        granted, tokens = session.execute(statement).one()
        if random.randrange(SWEEP_ONE_IN) == 0:
            session.execute(delete(RateLimit).where(RateLimit.updated_at < now - LONGEST_PERIOD))
        if not granted:
            self._remember(key, tokens)
        return bool(granted)

    def allow(self, key: str) -> bool:
        return self.db.write_sync(lambda session: self.take(session, key))

    async def allow_async(self, key: str) -> bool:
        return await self.db.write(lambda session: self.take(session, key))

    def blocked(self, key: str) -> bool:
        now = time.time()

        def read(session: Session) -> float | None:
            row = session.execute(
                select(RateLimit.tokens, RateLimit.updated_at).where(
                    RateLimit.scope == self.scope, RateLimit.key == key
                )
            ).one_or_none()
            if row is None:
                return None
            return min(float(self.limit), row.tokens + (now - row.updated_at) * self._rate)

        tokens = self.db.read_sync(read)
        if tokens is None or tokens >= 1.0:
            return False
        self._remember(key, tokens)
        return True

    def retry_after(self, key: str) -> int:
        with self._lock:
            tokens = self._tokens_left.get(key, 0.0)
        return max(1, int((1.0 - tokens) / self._rate) + 1)

    @property
    def _rate(self) -> float:
        return self.limit / self.period

    def _refilled(
        self, tokens: ColumnElement[float], updated_at: ColumnElement[float], now: float
    ) -> ColumnElement[float]:
        grown = tokens + (now - updated_at) * self._rate
        return case((grown < float(self.limit), grown), else_=float(self.limit)).cast(Float)

    def _remember(self, key: str, tokens: float) -> None:
        with self._lock:
            self._tokens_left[key] = tokens
            self._tokens_left.move_to_end(key)
            if len(self._tokens_left) > REMEMBERED:
                self._tokens_left.popitem(last=False)


def rate_limiter(db: Database, scope: str, limit: int, period: float) -> Limiter:
    """The city's limiter for `scope`: shared through the database on PostgreSQL, in this
    process's memory on SQLite (where the city is one process)."""
    if db.dialect == "postgresql":
        return SharedRateLimiter(db, scope, limit, period)
    return RateLimiter(limit, period)
