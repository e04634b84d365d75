"""What did not arrive: the failures members read beside what they did, and the admin clears.

A delivery given up on (outbox.undelivered records it) is a `delivery_failures` row naming
the activity and its object. A member's offer, message, acceptance or follow is "not
delivered" while a row names it; the admin's retry (outbox.redelivery) deletes the rows of
the deliveries it queues again, and a failure that happens again writes a new row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from models import DeliveryFailure, FailureReason

#: what a member reads, after "not delivered: "
MESSAGES: dict[FailureReason, str] = {
    FailureReason.refused: "the other city does not federate with us",
    FailureReason.not_federated: "our city does not federate with the other city",
    FailureReason.rejected: "the other city refused it",
    FailureReason.unreachable: "the other city could not be reached",
    FailureReason.failed: "it could not be sent",
}


@dataclass(frozen=True)
class Undelivered:
    """Why something of ours did not reach the other city."""

    reason: FailureReason
    message: str

    def as_json(self) -> dict[str, str]:
        return {"reason": self.reason.value, "message": self.message}


def message_for(reason: FailureReason) -> str:
    return f"not delivered: {MESSAGES[reason]}"


def record(
    session: Session,
    *,
    job_id: int | None,
    activity_uri: str,
    activity_type: str,
    object_uri: str | None,
    inbox: str,
    authority: str,
    reason: FailureReason,
    error: str,
) -> DeliveryFailure:
    failure = DeliveryFailure(
        job_id=job_id,
        activity_uri=activity_uri,
        activity_type=activity_type,
        object_uri=object_uri,
        inbox=inbox,
        authority=authority,
        reason=reason,
        error=error[:2000],
    )
    session.add(failure)
    return failure


def about(session: Session, uris: Iterable[str]) -> dict[str, Undelivered]:
    """For each of these ids (activities or their objects) that did not arrive: why.

    One query for a whole thread or page."""
    wanted = sorted(set(uris))
    if not wanted:
        return {}
    rows = session.execute(
        select(DeliveryFailure.activity_uri, DeliveryFailure.object_uri, DeliveryFailure.reason)
        .where(
            or_(
                DeliveryFailure.activity_uri.in_(wanted),
                DeliveryFailure.object_uri.in_(wanted),
            )
        )
        .order_by(DeliveryFailure.id)
    )
    found: dict[str, Undelivered] = {}
    targets = set(wanted)
    for activity_uri, object_uri, reason in rows:
        undelivered = Undelivered(reason, message_for(reason))
        for uri in (activity_uri, object_uri):
            if uri in targets:
                found[uri] = undelivered
    return found


def clear_jobs(session: Session, job_ids: Sequence[int]) -> list[str]:
    """Forget the failures of these jobs (re-sent or discarded); the activity ids they named."""
    if not job_ids:
        return []
    uris = list(
        session.scalars(
            select(DeliveryFailure.activity_uri).where(DeliveryFailure.job_id.in_(job_ids))
        )
    )
    session.execute(
        delete(DeliveryFailure)
        .where(DeliveryFailure.job_id.in_(job_ids))
        .execution_options(synchronize_session=False)
    )
    return uris
