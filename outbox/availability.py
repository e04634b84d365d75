"""Which remote hosts answer: failure counting, the unavailable mark, and the hourly probe.

A host whose deliveries keep failing (HOST_FAILURES in a row, over at least HOST_FAILURE_SPAN)
is marked unavailable and nothing more is queued for it. It is used again as soon as it shows
it is up: an activity received from it (inbox.process), or the hourly probe that asks each
unavailable host for its NodeInfo links.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from federation.errors import FetchError
from instance import queue
from models import Host, Job, utcnow

if TYPE_CHECKING:
    from instance.city import City

HOST_FAILURES = 10
HOST_FAILURE_SPAN = timedelta(hours=12)
PROBE = "hosts.probe"
PROBE_EVERY = timedelta(hours=1)


def record_failure(session: Session, authority: str, now: datetime) -> bool:
    """Count a failed delivery; True when the host has just been marked unavailable."""
    host = session.scalar(select(Host).where(Host.authority == authority))
    if host is None:
        host = Host(authority=authority, failures=0)
        session.add(host)
    host.failures += 1
    host.first_failure_at = host.first_failure_at or now
    if (
        host.unavailable_since is None
        and host.failures >= HOST_FAILURES
        and now - host.first_failure_at >= HOST_FAILURE_SPAN
    ):
        host.unavailable_since = now
        return True
    return False


def record_success(session: Session, authority: str, now: datetime | None = None) -> None:
    session.execute(
        update(Host)
        .where(Host.authority == authority, Host.failures > 0)
        .values(failures=0, first_failure_at=None, unavailable_since=None, last_success_at=now or utcnow())
    )


def schedule_probe(session: Session, run_at: datetime | None = None) -> None:
    """Queue the probe unless one is queued (the key makes it a singleton)."""
    queue.enqueue(session, PROBE, {}, run_at=run_at or utcnow() + PROBE_EVERY, key=PROBE)


async def probe(city: City, job: Job) -> None:
    """Ask every unavailable host for its NodeInfo links; those that answer are used again."""
    hosts = await city.db.read(
        lambda s: list(s.scalars(select(Host.authority).where(Host.unavailable_since.is_not(None))))
    )
    revived = []
    directory = city.fediverse.directory
    for authority in hosts:
        url = f"{directory.scheme_for(authority)}://{authority}/.well-known/nodeinfo"
        try:
            await city.fediverse.client.get_json(url, accept="application/json")
        except FetchError:
            continue
        revived.append(authority)

    def work(session: Session) -> None:
        for authority in revived:
            record_success(session, authority)
        queue.finish(session, Job, [job.id], job.locked_by or "")
        schedule_probe(session)

    await city.db.write(work)
