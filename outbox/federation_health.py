"""The admin's view of federation health: per host, what was sent, what waits, what failed.

Read by `comptoir federation status` and the admin page /admin/federation. Delivery jobs
name their inbox in a JSON payload, so the hosts of queued and failed deliveries are found by
reading the payloads of the jobs still in the table (done deliveries are deleted): an admin
view, never on a hot path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from federation.authority import authority_of
from models import Host, InboundActivity, Job, JobState

from .publish import DELIVER

#: at most this many failed inbound activities are listed (newest first)
INBOUND_SHOWN = 50


@dataclass
class HostHealth:
    authority: str
    unavailable_since: datetime | None = None
    failures: int = 0
    last_success_at: datetime | None = None
    last_failure_at: datetime | None = None
    queued: int = 0
    retrying: int = 0
    failed: int = 0
    last_error: str = ""
    _last_error_at: datetime | None = field(default=None, repr=False)

    @property
    def available(self) -> bool:
        return self.unavailable_since is None

    def as_json(self) -> dict[str, object]:
        def when(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "host": self.authority,
            "available": self.available,
            "unavailable_since": when(self.unavailable_since),
            "failures_in_a_row": self.failures,
            "last_success_at": when(self.last_success_at),
            "last_failure_at": when(self.last_failure_at),
            "queued": self.queued,
            "retrying": self.retrying,
            "failed": self.failed,
            "last_error": self.last_error,
        }


@dataclass(frozen=True)
class FailedDelivery:
    job_id: int
    inbox: str
    attempts: int
    error: str
    activity_id: int


@dataclass(frozen=True)
class FailedInbound:
    id: int
    uri: str
    type: str
    actor: str
    received_at: datetime
    attempts: int
    error: str


@dataclass
class Health:
    hosts: list[HostHealth]
    failed_deliveries: list[FailedDelivery]
    failed_inbound: list[FailedInbound]
    failed_inbound_total: int


def _host(hosts: dict[str, HostHealth], authority: str) -> HostHealth:
    found = hosts.get(authority)
    if found is None:
        found = hosts[authority] = HostHealth(authority)
    return found


def report(session: Session) -> Health:
    hosts: dict[str, HostHealth] = {}
    for row in session.scalars(select(Host)):
        health = _host(hosts, row.authority)
        health.unavailable_since = row.unavailable_since
        health.failures = row.failures
        health.last_success_at = row.last_success_at
        health.last_failure_at = row.last_failure_at
    failed: list[FailedDelivery] = []
    jobs = session.execute(
        select(Job.id, Job.payload, Job.state, Job.attempts, Job.last_error, Job.run_at)
        .where(Job.kind == DELIVER)
        .order_by(Job.id)
    )
    for job_id, payload, state, attempts, error, run_at in jobs:
        inbox = str(payload.get("inbox", ""))
        health = _host(hosts, authority_of(inbox))
        if state is JobState.failed:
            health.failed += 1
            failed.append(
                FailedDelivery(
                    job_id, inbox, attempts, error or "", int(payload.get("activity", 0))
                )
            )
        elif state is JobState.queued and attempts > 0:
            health.retrying += 1
        else:
            health.queued += 1
        if error and (health._last_error_at is None or run_at >= health._last_error_at):
            health.last_error, health._last_error_at = error, run_at
    inbound_rows = list(
        session.scalars(
            select(InboundActivity)
            .where(InboundActivity.state == JobState.failed)
            .order_by(InboundActivity.id.desc())
            .limit(INBOUND_SHOWN)
        )
    )
    inbound_total = session.scalar(
        select(func.count())
        .select_from(InboundActivity)
        .where(InboundActivity.state == JobState.failed)
    )
    return Health(
        hosts=sorted(hosts.values(), key=lambda h: (h.available, -h.failed, h.authority)),
        failed_deliveries=failed,
        failed_inbound=[
            FailedInbound(
                row.id,
                row.uri,
                row.type,
                row.actor,
                row.received_at,
                row.attempts,
                row.last_error or "",
            )
            for row in inbound_rows
        ],
        failed_inbound_total=int(inbound_total or 0),
    )
