"""Recovery of cross-city settlements: the sweep (abort undecided ones past their deadline,
resend unacknowledged commits, ask the payer city about holds past expiry), following the
payer city's answer, and an admin's forced resolution.

A hold is never voided on a guess: the payee's city asks until the payer city answers
(services/settlement_outcomes.py says what the three settlement modules share).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange import partners, rates, settlements
from exchange.errors import DomainError
from instance import queue
from instance.city import City
from models import Settlement, SettlementRole, SettlementState, utcnow
from outbox.publish import publish_or_resend
from outbox.settlement_activities import render_commit

from . import partners as partner_cases
from .settlement_outcomes import mark_paid, partner_of, schedule_sweep, send_decision, tell_refused
from .settlement_payee import receive_abort, receive_commit

log = logging.getLogger("comptoir.services.settlement_recovery")

S = SettlementState


ASK = "settlement.ask"
#: the payee's city asks the payer city until it answers: a hold is never voided on a guess
ASK_ATTEMPTS = 1_000_000


def sweep(session: Session, city: City, *, now: datetime | None = None) -> dict[str, int]:
    """One pass of recovery: abort our undecided settlements past their deadline, resend
    unacknowledged commits, and queue a question to the payer city for holds past expiry.
    """
    now = now or utcnow()
    times = city.settings.settlement
    counts = {"aborted": 0, "resent": 0, "asked": 0}
    undecided = session.scalars(
        select(Settlement).where(
            Settlement.role == SettlementRole.payer,
            Settlement.state == S.preparing,
            Settlement.decision_deadline <= now,
        )
    ).all()
    for row in undecided:
        settlements.abort(
            session, row, code="no_vote_before_deadline", reason="no vote arrived in time", now=now
        )
        tell_refused(session, row)
        send_decision(session, city, row)
        counts["aborted"] += 1
    unacked = session.scalars(
        select(Settlement).where(
            Settlement.role == SettlementRole.payer,
            Settlement.state == S.committed,
            Settlement.updated_at <= now - timedelta(seconds=times.sweep_seconds),
        )
    ).all()
    for row in unacked:
        resend = render_commit(city, row, resend=int(now.timestamp()))
        publish_or_resend(session, city, resend, partner_of(session, row))
        row.updated_at = now
        counts["resent"] += 1
    stale = session.scalars(
        select(Settlement).where(
            Settlement.role == SettlementRole.payee,
            Settlement.state == S.prepared,
            Settlement.expires_at <= now,
        )
    ).all()
    for row in stale:
        queue.enqueue(
            session,
            ASK,
            {"settlement": row.public_id},
            key=f"{ASK}:{row.public_id}",
            max_attempts=ASK_ATTEMPTS,
        )
        counts["asked"] += 1
    # a pledge's hold lasts until its project's deadline (weeks) and has a sweep queued at
    # its own deadline: it keeps the sweep going only once that deadline is near
    soon = now + timedelta(seconds=times.sweep_seconds)
    pledge_due = ((Settlement.state == S.preparing) & (Settlement.decision_deadline <= soon)) | (
        (Settlement.state == S.prepared) & (Settlement.expires_at <= soon)
    )
    waiting = select(Settlement.id).where(
        (Settlement.state.in_(settlements.OPEN) & Settlement.project_uri.is_(None))
        | (Settlement.project_uri.is_not(None) & pledge_due)
        | ((Settlement.role == SettlementRole.payer) & (Settlement.state == S.committed))
    )
    if session.scalar(waiting.limit(1)) is not None:
        schedule_sweep(session, city)
    return counts


def follow_decision(session: Session, city: City, public_id: str, document: dict[str, Any]) -> str:
    """Apply the decision the payer city serves for one of our holds past expiry."""
    row = settlements.find(session, public_id)
    if row.state is not S.prepared:
        return row.state.value
    decision = document.get("settlementState")
    if decision == "committed":
        receive_commit(session, city, row.partner, row.uri)
    elif decision == "aborted":
        receive_abort(session, city, row.partner, f"{row.uri}/prepare", "aborted")
    return str(decision)


def forget_unknown(session: Session, public_id: str) -> None:
    """The payer city does not know the settlement (404): it never committed; void our hold."""
    row = settlements.find(session, public_id)
    if row.state is S.prepared:
        settlements.abort(
            session, row, code="unknown_at_payer", reason="the payer city does not know it"
        )


def mark_unreachable(session: Session, public_id: str, reason: str) -> None:
    """The payer city cannot be asked: keep the hold, and say so where admins look."""
    row = settlements.find(session, public_id)
    if row.state is S.prepared:
        first_time = row.code != "partner_unreachable"
        row.code = "partner_unreachable"
        row.reason = reason[:2000]
        log.warning("settlement %s: the payer city is unreachable: %s", row.uri, reason)
        partnership = partners.by_partner(session, row.partner)
        if first_time and partnership is not None:
            partners.tell_admins(session, partnership, "settlement_held", settlement=row.public_id)


def resolve(
    session: Session, city: City, public_id: str, *, commit: bool, reason: str
) -> Settlement:
    """An admin forces an open settlement's outcome: recorded as disputed, and the exchange
    rules with that partner are suspended until the cities reconcile.
    """
    if not reason.strip():
        raise DomainError("reason_required", "a forced resolution needs a reason", 400)
    row = settlements.find(session, public_id)
    if row.state not in settlements.OPEN:
        raise DomainError("settlement_decided", f"the settlement is already {row.state.value}", 409)
    now = utcnow()
    if commit:
        settlements.commit(session, row, disputed=True, now=now)
        mark_paid(session, row, "paid_by_admin", {}, now)
    else:
        settlements.abort(
            session, row, code="forced", reason=reason.strip(), disputed=True, now=now
        )
    row.reason = reason.strip()[:2000]
    partnership = partners.by_partner(session, row.partner)
    if partnership is not None and rates.active_rule(session, row.partner, now=now) is not None:
        partner_cases.suspend(
            session,
            city,
            partnership.domain,
            f"settlement {row.public_id} forced by an administrator: {reason.strip()}",
            by=None,
        )
    if row.role is SettlementRole.payer:
        send_decision(session, city, row)
    return row
