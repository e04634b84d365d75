"""Settlement activities from a partner city's instance actor, applied in the inbox request.

Why: a settlement is four hops between two cities (Offer, vote, commit, receipt), and through
the queue each hop cost the receiver three write transactions before its handler's own: the
group commit that stores the row, the worker's claim of it and (shared) its outcome. The
handler's transaction already marks the row done, so storing the row in that same transaction
makes the other ones unnecessary: one write per received settlement activity
(docs/BENCHMARKS.md, "Settlement: cross-city payments per second").

What does not change: every check of `inbox.receive` (signature, signer is the actor, policy)
runs first; the handlers are the worker's (inbox/settlements.py), with their own checks of the
sender; the row is inserted with `ON CONFLICT (uri) DO NOTHING` in the handler's transaction,
so a replay is a no-op and a row is never both applied here and queued. A failure here is
harmless: anything the handler raises (a commit ahead of its Offer, an unreachable partner, a
database error, a bug) rolls the transaction back, nothing of it is kept, and the activity is
then stored through the group commit as any other and retried by the worker.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from exchange.hosts import record_success
from federation.authority import authority_of
from federation.jsonld import needs_normalisation
from instance.city import City
from models import InboundActivity, JobState, table_of, utcnow
from services.settlement_outcomes import instance_actor_of

from .process import Delivery
from .settlements import (
    on_settle,
    on_settlement_accept,
    on_settlement_offer,
    on_settlement_reject,
    on_settlement_undo,
)
from .writer import Received

log = logging.getLogger("comptoir.inbox")


class AlreadyStored(Exception):
    """Raised in the handler's transaction (rolled back) when the activity's id is stored."""


async def _on_settle(delivery: Delivery) -> bool:
    await on_settle(delivery)
    return True


#: the settlement claim of each activity type; each returns False, having written nothing,
#: for an activity that is not a settlement's (a rule's Accept, a member's Offer...)
CLAIMS: dict[str, Callable[[Delivery], Awaitable[bool]]] = {
    "Offer": on_settlement_offer,
    "Accept": on_settlement_accept,
    "Reject": on_settlement_reject,
    "Undo": on_settlement_undo,
    "Settle": _on_settle,
}

_INSERT: dict[str, Any] = {}


def _insert_statement(dialect: str) -> Any:
    """INSERT ... ON CONFLICT (uri) DO NOTHING RETURNING id, built once per dialect."""
    statement = _INSERT.get(dialect)
    if statement is None:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        table = table_of(InboundActivity)
        statement = _INSERT[dialect] = (
            insert(table).on_conflict_do_nothing(index_elements=["uri"]).returning(table.c.id)
        )
    return statement


@dataclass
class InlineDelivery(Delivery):
    """A Delivery whose `apply` also stores the row, done, in the handler's transaction."""

    applied: bool = False

    async def apply(self, change: Callable[[Session], Any]) -> Any:
        row = self.row

        def work(session: Session) -> Any:
            result = self.store_and_change(session, change)
            record_success(session, authority_of(row.actor))
            return result

        result = await self.city.db.write(work)
        self.applied = True
        return result

    def store_and_change(self, session: Session, change: Callable[[Session], Any]) -> Any:
        """Insert the row, done, then run `change`; AlreadyStored if its id is stored."""
        row = self.row
        connection = session.connection()
        stored = connection.execute(
            _insert_statement(connection.dialect.name),
            {
                "uri": row.uri,
                "type": row.type,
                "actor": row.actor,
                "signed_by": row.signed_by,
                "body": row.body,
                "received_at": row.received_at,
                "state": JobState.done,
                "run_at": row.received_at,
                "attempts": 1,
            },
        ).scalar()
        if stored is None:
            raise AlreadyStored
        return change(session)


def row_of(item: Received) -> InboundActivity:
    """The row as the handlers read it (never added to a session: `apply` inserts it)."""
    return InboundActivity(
        uri=item.uri,
        type=item.type,
        actor=item.actor,
        signed_by=item.signed_by,
        body=item.body,
        received_at=utcnow(),
    )


async def apply_at_once(city: City, item: Received, activity: dict[str, Any]) -> bool:
    """Apply a verified settlement activity now, its row stored done in the same transaction.

    True: applied, or its id was already stored (a replay: nothing to do). False: not a
    settlement activity of an instance actor, or applying it failed (rolled back): the caller
    stores it for the worker, as any other activity.
    """
    if not applicable(item, activity):
        return False
    return await claim_at_once(InlineDelivery(city, row_of(item), activity))


def applicable(item: Received, activity: dict[str, Any]) -> bool:
    """A settlement activity type, from an instance actor, in the plain shape."""
    return (
        item.type in CLAIMS
        and item.actor == instance_actor_of(item.actor)
        and not needs_normalisation(activity)  # the worker normalises it off the event loop
    )


async def claim_at_once(delivery: InlineDelivery) -> bool:
    """Run the activity's claim on `delivery`: True when applied (or a replay), False when
    it was not taken or failed (rolled back: the caller stores it for the worker)."""
    row = delivery.row
    try:
        taken = await CLAIMS[row.type](delivery)
    except AlreadyStored:
        return True
    except Exception as exc:  # parked, unreachable partner, a failure: the worker retries it
        log.info("%s not applied at once (%s: %s): queued", row.uri, type(exc).__name__, exc)
        return False
    return taken and delivery.applied
