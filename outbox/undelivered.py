"""When a delivery fails for good: say so where the member who caused it will look.

The `deliver` job's failure hook (instance.jobs), run in the transaction that marks the job
failed: it records a `delivery_failures` row (the thread of an offer, a message or an
acceptance reads it: exchange.delivery_failures) and makes our Follow's follow `failed`
instead of pending forever. The admin's retry undoes both (outbox.redelivery).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from exchange import delivery_failures, follows
from federation.authority import authority_of
from models import FailureReason, Job, OutboundActivity


def reason_of(code: str | None) -> FailureReason:
    try:
        return FailureReason(code) if code else FailureReason.failed
    except ValueError:
        return FailureReason.failed


def record(session: Session, job: Job, error: str, code: str | None) -> None:
    """The `deliver` job `job` failed for good with `error` (reason `code`)."""
    inbox = str(job.payload.get("inbox", ""))
    activity = session.get(OutboundActivity, job.payload.get("activity"))
    if activity is None:
        return
    delivery_failures.record(
        session,
        job_id=job.id,
        activity_uri=activity.uri,
        activity_type=activity.type,
        object_uri=activity.object_uri,
        inbox=inbox,
        authority=authority_of(inbox),
        reason=reason_of(code),
        error=error,
    )
    if activity.type == "Follow":
        follows.delivery_failed(session, activity.uri)
