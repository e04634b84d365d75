"""The hourly probe that asks each unavailable host for its NodeInfo links (exchange.hosts
holds the counting and the unavailable mark).

The federation policy is asked first: a domain we refuse is never contacted, not even to see
whether it is up (its Host rows go when it is suspended: exchange.domain_purge)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange.hosts import record_success
from federation.errors import FetchError
from instance import queue
from models import Host, Job, utcnow

if TYPE_CHECKING:
    from instance.city import City

PROBE = "hosts.probe"
PROBE_EVERY = timedelta(hours=1)


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
    policy = await city.fediverse.policy.current()
    for authority in hosts:
        if not policy.allows(authority):
            continue
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
