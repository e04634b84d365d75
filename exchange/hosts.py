"""Which remote hosts answer: a host whose deliveries keep failing is marked unavailable.

HOST_FAILURES failed deliveries in a row, over at least HOST_FAILURE_SPAN, mark a host
unavailable and nothing more is queued for it. It is used again as soon as it shows it is up:
an activity received from it (inbox.process), a delivery that succeeds, or the hourly probe
(outbox.availability).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from models import Host, table_of, utcnow

HOST_FAILURES = 10
HOST_FAILURE_SPAN = timedelta(hours=12)


def record_failure(session: Session, authority: str, now: datetime) -> bool:
    """Count a failed delivery; True when the host has just been marked unavailable.

    Deliveries to one host fail together (several workers, one host down): the row is made
    with an insert that yields to another's, then locked, so no count is lost and no
    worker's job fails on the unique authority."""
    _ensure(session, authority, now=None)
    host = session.scalars(select(Host).where(Host.authority == authority).with_for_update()).one()
    host.failures += 1
    host.first_failure_at = host.first_failure_at or now
    host.last_failure_at = now
    if (
        host.unavailable_since is None
        and host.failures >= HOST_FAILURES
        and now - host.first_failure_at >= HOST_FAILURE_SPAN
    ):
        host.unavailable_since = now
        return True
    return False


_HOSTS = table_of(Host)
#: built once (a Core statement on the table): it runs for every inbound activity, and the
#: ORM's bulk-update path and the statement's construction cost more CPU than running it;
#: no Host object needs synchronising in the session
_RECORD_SUCCESS = (
    update(_HOSTS)
    .where(_HOSTS.c.authority == bindparam("host"), _HOSTS.c.failures > 0)
    .values(
        failures=0,
        first_failure_at=None,
        unavailable_since=None,
        last_success_at=bindparam("now"),
    )
)


def record_success(session: Session, authority: str, now: datetime | None = None) -> None:
    """The host showed it is up (it sent us an activity, it answered the probe): a failing
    host is forgotten its failures; a healthy one costs no write."""
    session.execute(_RECORD_SUCCESS, {"host": authority, "now": now or utcnow()})


def record_delivered(session: Session, authority: str, now: datetime | None = None) -> None:
    """A delivery to the host succeeded: failures forgotten, the time kept (the row made if new).

    The delivery handler calls it after a failure and otherwise at most once a minute per
    host, so that successes cost no write each."""
    now = now or utcnow()
    updated = session.execute(
        update(Host)
        .where(Host.authority == authority)
        .values(failures=0, first_failure_at=None, unavailable_since=None, last_success_at=now)
    )
    if not updated.rowcount:  # type: ignore[attr-defined]
        _ensure(session, authority, now=now)


def _ensure(session: Session, authority: str, *, now: datetime | None) -> None:
    """The host's row, made unless another transaction made it first."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(Host)
        .values(authority=authority, failures=0, last_success_at=now)
        .on_conflict_do_nothing(index_elements=["authority"])
    )


def revive(session: Session, authorities: list[str]) -> None:
    """The admin says these hosts are back: deliveries to them are tried again at once."""
    if authorities:
        session.execute(
            update(Host)
            .where(Host.authority.in_(authorities))
            .values(failures=0, first_failure_at=None, unavailable_since=None)
        )
