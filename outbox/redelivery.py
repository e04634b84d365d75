"""The admin's actions on what failed: re-send (retry) or give up (discard).

Once a partner allows us again, or a dead host is back, the admin re-sends the deliveries
that failed: they are queued again with fresh attempts, their failures are forgotten (the
member's offer or message no longer reads "not delivered"; a failed follow is pending
again) and their hosts are tried again at once. Failed inbound activities can be processed
again the same way. Discarding deletes failed rows; what the member saw stays "not
delivered". One set of functions for the CLI (`comptoir federation retry|discard`) and the
admin page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from exchange import delivery_failures, follows, hosts
from exchange.errors import DomainError
from federation.authority import authority_of
from instance.database import note_work_queued
from models import DeliveryFailure, InboundActivity, Job, JobState, utcnow

from .publish import DELIVER


@dataclass
class Selection:
    """What an action applies to: failed deliveries by job id or by host, failed inbound
    activities by id, or everything that failed."""

    deliveries: Sequence[int] = field(default_factory=list)
    hosts: Sequence[str] = field(default_factory=list)
    inbound: Sequence[int] = field(default_factory=list)
    everything: bool = False

    def check(self) -> None:
        if not (self.deliveries or self.hosts or self.inbound or self.everything):
            raise DomainError(
                "nothing_selected", "say what: deliveries, hosts, inbound activities or all", 400
            )


@dataclass
class Done:
    deliveries: int = 0
    inbound: int = 0
    hosts: list[str] = field(default_factory=list)

    def summary(self, verb: str) -> str:
        return f"{verb} {self.deliveries} deliveries and {self.inbound} inbound activities"


def _deliveries(session: Session, selection: Selection, states: Sequence[JobState]) -> list[Any]:
    """(id, inbox) of the delivery jobs in `states` the selection names."""
    wanted_ids = set(selection.deliveries)
    wanted_hosts = {h.lower() for h in selection.hosts}
    rows = session.execute(
        select(Job.id, Job.payload).where(Job.kind == DELIVER, Job.state.in_(states))
    )
    return [
        (job_id, str(payload.get("inbox", "")))
        for job_id, payload in rows
        if selection.everything
        or job_id in wanted_ids
        or authority_of(str(payload.get("inbox", ""))) in wanted_hosts
    ]


def _inbound(session: Session, selection: Selection) -> list[int]:
    query = select(InboundActivity.id).where(InboundActivity.state == JobState.failed)
    if not selection.everything:
        if not selection.inbound:
            return []
        query = query.where(InboundActivity.id.in_(list(selection.inbound)))
    return list(session.scalars(query))


def retry(session: Session, selection: Selection) -> Done:
    """Queue the selected failed rows again, now, with fresh attempts; deliveries to the
    selected hosts that wait for their next retry go now too."""
    selection.check()
    now = utcnow()
    failed = _deliveries(session, selection, [JobState.failed])
    waiting = [
        job_id
        for job_id, _ in _deliveries(session, selection, [JobState.queued])
        if selection.hosts
    ]
    ids = [job_id for job_id, _ in failed]
    done = Done(deliveries=len(ids))
    if ids or waiting:
        session.execute(
            update(Job)
            .where(Job.id.in_(ids + waiting))
            .values(
                state=JobState.queued, run_at=now, attempts=0, locked_by=None, locked_until=None
            )
            .execution_options(synchronize_session=False)
        )
        follows.sent_again(session, delivery_failures.clear_jobs(session, ids))
        done.hosts = sorted({authority_of(inbox) for _, inbox in failed} | set(selection.hosts))
        hosts.revive(session, done.hosts)
        note_work_queued(session)
    inbound = _inbound(session, selection)
    if inbound:
        session.execute(
            update(InboundActivity)
            .where(InboundActivity.id.in_(inbound))
            .values(
                state=JobState.queued, run_at=now, attempts=0, locked_by=None, locked_until=None
            )
            .execution_options(synchronize_session=False)
        )
        note_work_queued(session)
    done.inbound = len(inbound)
    return done


def discard(session: Session, selection: Selection) -> Done:
    """Delete the selected failed rows. The members' objects keep saying "not delivered"."""
    selection.check()
    ids = [job_id for job_id, _ in _deliveries(session, selection, [JobState.failed])]
    if ids:
        session.execute(
            update(DeliveryFailure)
            .where(DeliveryFailure.job_id.in_(ids))
            .values(job_id=None)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            delete(Job).where(Job.id.in_(ids)).execution_options(synchronize_session=False)
        )
    inbound = _inbound(session, selection)
    if inbound:
        session.execute(
            delete(InboundActivity)
            .where(InboundActivity.id.in_(inbound))
            .execution_options(synchronize_session=False)
        )
    return Done(deliveries=len(ids), inbound=len(inbound))
