"""What e2e tests do to real cities: make members, act as them, wait for federation."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from exchange import members
from models import JobState, Member, Role, utcnow

from ..live import LiveCity

AS2 = {"Accept": "application/activity+json"}
_credentials_cache: dict[str, members.Credentials] = {}


def add_member(city: LiveCity, name: str, *, role: Role = Role.member, **fields: Any) -> Member:
    # Key generation is slow; tests reuse one key pair per name (each city has its own rows).
    if name not in _credentials_cache:
        _credentials_cache[name] = members.prepare_credentials("correct horse battery")
    credentials = _credentials_cache[name]
    member = city.db.write_sync(lambda s: members.add_member(s, name, credentials, role=role))
    if fields:

        def update(session):  # type: ignore[no-untyped-def]
            row = session.get(Member, member.id)
            for key, value in fields.items():
                setattr(row, key, value)

        city.db.write_sync(update)
    return member


async def eventually(
    check: Callable[[], Awaitable[Any]], *, timeout: float = 15.0, interval: float = 0.05
) -> Any:
    """Poll `check` until it returns something truthy; fail with its last value after `timeout`."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")


async def settled(city: LiveCity, *, timeout: float = 15.0) -> None:
    """Wait until the city's worker has nothing left to do now: no row of any of its queues is
    due or being handled. Whatever a committed request caused has then happened (or failed)."""
    assert city.city.worker is not None, "a city without a worker never settles"
    tables = [q.table for q in city.city.worker.queues]

    def busy(session: Session) -> int:
        now = utcnow()
        return sum(
            session.scalar(
                select(func.count())
                .select_from(table)
                .where(
                    or_(
                        table.state == JobState.running,
                        and_(table.state == JobState.queued, table.run_at <= now),
                    )
                )
            )
            or 0
            for table in tables
        )

    async def idle() -> bool:
        return await city.db.read(busy) == 0

    await eventually(idle, timeout=timeout)


async def act(city: LiveCity, work: Callable[[Any], Any]) -> Any:
    """Run a local action in one transaction, as the API would (its commit wakes the worker)."""
    return await city.db.write(work)
