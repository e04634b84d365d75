"""Which remote hosts answer: a host whose deliveries keep failing is marked unavailable.

HOST_FAILURES failed deliveries in a row, over at least HOST_FAILURE_SPAN, mark a host
unavailable and nothing more is queued for it. It is used again as soon as it shows it is up:
an activity received from it (inbox.process), a delivery that succeeds, or the hourly probe
(outbox.availability).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import Host, utcnow

HOST_FAILURES = 10
HOST_FAILURE_SPAN = timedelta(hours=12)


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
        .values(
            failures=0,
            first_failure_at=None,
            unavailable_since=None,
            last_success_at=now or utcnow(),
        )
    )
