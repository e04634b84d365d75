"""What both sides of a cross-city settlement, and its recovery, do alike: find the partner
and the thread, mark the agreement paid and tell the member, send the payer's decision, queue
the sweep.

The use cases are split by side: services/settlement_payer.py (pay, the vote, the receipt),
services/settlement_payee.py (hold or refuse, apply the decision) and
services/settlement_recovery.py (sweep, ask, resolve). Each function is one state change and
the activity it causes, in the caller's transaction (the request's, the inbox row's or the
job's): the settlement row, its ledger hold or resolution and the outgoing activity are
committed together or not at all, so a crash between two steps only delays the next message
(docs/FEDERATION.md, "Cross-city settlement"; the state graphs and holds are in
exchange/settlements.py). Every step is idempotent.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, inspect, select, update
from sqlalchemy.orm import Session

from exchange import agreements
from exchange.negotiations import tell
from exchange.notifications import notify
from federation.authority import origin_base
from instance import queue
from instance.amounts import format_amount
from instance.city import City
from instance.database import memo
from instance.directory import ACTOR_MAX_AGE
from models import (
    Agreement,
    AgreementState,
    Negotiation,
    NotificationKind,
    RemoteActor,
    Settlement,
    SettlementState,
    Side,
    table_of,
    utcnow,
)
from outbox.publish import publish_or_resend
from outbox.settlement_activities import render_abort, render_commit

log = logging.getLogger("comptoir.services.settlement_outcomes")

S = SettlementState

SWEEP = "settlement.sweep"


def instance_actor_of(uri: str) -> str:
    """The instance actor of the city an object belongs to (every Comptoir city has `/actor`)."""
    return f"{origin_base(uri)}/actor"


#: the partner's instance actor, by its uri: built once (every settlement step reads it)
_ACTOR_BY_URI = select(RemoteActor).where(RemoteActor.uri == bindparam("uri"))


def usable_partner(session: Session, city: City, uri: str) -> RemoteActor | None:
    """The partner's instance actor as the directory would hand it out from its cache
    (known, fresh, not suspended, its domain allowed), read in the caller's transaction;
    None when the directory must be asked (it fetches, or refuses). Why: a read transaction
    through the directory before every payment, and before every Offer received, for an actor
    that is known and fresh almost always (docs/BENCHMARKS.md, settlement)."""
    partner = memo(session, ("actor", uri), lambda: session.scalar(_ACTOR_BY_URI, {"uri": uri}))
    policy = city.fediverse.policy.current_sync(session)
    if (
        partner is None
        or (partner.deleted_at is None and utcnow() - partner.fetched_at >= ACTOR_MAX_AGE)
        or policy.actor_suspended(uri)
        or not policy.verdict(uri).allowed
    ):
        return None
    return partner


def partner_of(session: Session, row: Settlement) -> RemoteActor:
    actor = memo(  # once per transaction: every item of a batch names the same partner
        session, ("actor", row.partner), lambda: session.scalar(_ACTOR_BY_URI, {"uri": row.partner})
    )
    assert actor is not None, "the partner was fetched before the first message"
    return actor


def agreement_and_thread(
    session: Session, row: Settlement
) -> tuple[Agreement | None, Negotiation | None]:
    agreement = session.get(Agreement, row.agreement_id) if row.agreement_id else None
    thread = session.get(Negotiation, agreement.negotiation_id) if agreement else None
    return agreement, thread


_AGREEMENTS = table_of(Agreement)
_NEGOTIATIONS = table_of(Negotiation)
#: what marking an agreement paid reads: its state and its thread's parties, in one Core
#: statement built once (both sides of every settlement run it)
_PAID_PARTIES = (
    select(
        _AGREEMENTS.c.state,
        _NEGOTIATIONS.c.id,
        _NEGOTIATIONS.c.buyer_member_id,
        _NEGOTIATIONS.c.seller_member_id,
        _NEGOTIATIONS.c.listing_id,
    )
    .join(_NEGOTIATIONS, _NEGOTIATIONS.c.id == _AGREEMENTS.c.negotiation_id)
    .where(_AGREEMENTS.c.id == bindparam("agreement"))
)
_AGREEMENT_PAID = (
    update(_AGREEMENTS)
    .where(_AGREEMENTS.c.id == bindparam("agreement"), _AGREEMENTS.c.state == AgreementState.agreed)
    .values(state=AgreementState.paid)
)
_THREAD_MOVED = (
    update(_NEGOTIATIONS)
    .where(_NEGOTIATIONS.c.id == bindparam("thread"))
    .values(updated_at=bindparam("now"))
)


def mark_paid(
    session: Session, row: Settlement, code: str, params: dict[str, Any], now: datetime
) -> None:
    """The agreement is paid (on this side), and our member in it is told.

    Core statements rather than the two rows as objects (the ORM loads, and the flushes they
    set off, were a millisecond of each side's settlement); ORM copies already in the session
    are expired so no later read sees the old state."""
    if row.agreement_id is None:
        return
    connection = session.connection()
    found = connection.execute(_PAID_PARTIES, {"agreement": row.agreement_id}).one_or_none()
    if found is None:
        return
    state, thread_id, buyer_id, seller_id, listing_id = found
    copies = [
        copy
        for model, key in ((Agreement, row.agreement_id), (Negotiation, thread_id))
        if (copy := session.identity_map.get(session.identity_key(model, key))) is not None
    ]
    if any(inspect(copy).modified for copy in copies):
        session.flush()  # their changes first: expiring them below would drop them
    if state is AgreementState.agreed:  # the graph's one move to paid (compare-and-set)
        assert agreements.GRAPH.allows(state, AgreementState.paid)
        connection.execute(_AGREEMENT_PAID, {"agreement": row.agreement_id})
    connection.execute(_THREAD_MOVED, {"thread": thread_id, "now": now})
    for copy in copies:
        session.expire(copy)
    member_id = buyer_id if buyer_id == row.member_id else seller_id
    if member_id is not None:
        notify(
            session,
            member_id,
            NotificationKind.agreement_paid,
            code=code,
            params=params,
            listing_id=listing_id,
            negotiation_id=thread_id,
        )


def money(amount: int, currency: str, scale: int) -> str:
    return f"{format_amount(amount, scale)} {currency}"


def tell_refused(session: Session, row: Settlement) -> None:
    _, thread = agreement_and_thread(session, row)
    if thread is None:
        return
    side = Side.buyer if thread.buyer_member_id == row.member_id else Side.seller
    tell(
        session,
        thread,
        side,
        NotificationKind.rejected,
        "payment_refused_because" if row.reason else "payment_refused",
        {"code": row.code, "reason": row.reason},
    )


def send_decision(session: Session, city: City, row: Settlement) -> None:
    if row.state in (S.committed, S.acked):
        publish_or_resend(session, city, render_commit(city, row), partner_of(session, row))
    elif row.state is S.aborted:
        publish_or_resend(session, city, render_abort(city, row), partner_of(session, row))


def schedule_sweep(session: Session, city: City, *, run_at: datetime | None = None) -> None:
    """Make sure a sweep runs at `run_at` (a deadline), or one sweep interval from now.

    The time is rounded up to the next whole second and the job keyed by it: the prepares,
    votes and sweeps of one second share one sweep job (before, the key held the exact
    microsecond, so every settlement queued a sweep of its own at each side, and every such
    sweep that found work open queued its own next one). A sweep never runs later than one
    second after the time asked, and a deadline sweep still runs before the hold's expiry
    (the decision margin is at least a second). A time already past keeps its exact key: the
    job of that second may have run and been deleted, or be running."""
    now = utcnow()
    when = run_at or now + timedelta(seconds=city.settings.settlement.sweep_seconds)
    rounded = when if when.microsecond == 0 else when.replace(microsecond=0) + timedelta(seconds=1)
    if rounded > now:
        when = rounded
    key = f"{SWEEP}:{when.isoformat()}"
    # once per transaction and key: the items of a batch of Offers share their second
    memo(session, ("sweep", key), lambda: queue.enqueue(session, SWEEP, {}, run_at=when, key=key))
