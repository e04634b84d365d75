"""Settlement activities from other cities' instance actors (docs/FEDERATION.md, "Cross-city
settlement").

Each claim recognises its activity by the derived ids (`{settlement}/prepare`, `/commit`) and calls
one use case (services/settlement_payer.py or settlement_payee.py) in one transaction with the row's
completion. A commit (`Settle`) that arrives before its Offer is parked: the row is retried later,
when the Offer has been applied, so activities apply in their protocol order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.orm import Session

from exchange import settlements as domain
from federation.inbound_settlement import is_settlement_offer, parse_settlement
from instance.outcomes import RetryLater
from services import settlement_outcomes, settlement_payee, settlement_payer

from .process import Delivery

#: how long a commit that arrived before its Offer waits before it is tried again, in seconds
PARKED_SECONDS = 2.0


def _code(activity: dict[str, Any]) -> tuple[str, str, bool]:
    code = activity.get("refusalCode")
    summary = activity.get("summary")
    return (
        code[:64] if isinstance(code, str) else "",
        summary[:2000] if isinstance(summary, str) else "",
        activity.get("temporary") is True,
    )


class _AskDirectory(Exception):
    """Raised inside a handler's transaction (rolled back) when the sender is to be fetched."""


class _NotOurs(Exception):
    """Raised inside a handler's transaction (rolled back) when the settlement is not here."""


def _target(delivery: Delivery, suffixes: tuple[str, ...]) -> str | None:
    """The object id when it is one of a settlement's derived ids (`{settlement}/prepare`...)."""
    target = delivery.object_id
    return target if target is not None and target.endswith(suffixes) else None


def settlements_named(deliveries: Iterable[Delivery]) -> set[str]:
    """The settlements that these votes, receipts and commits apply to (a batch's), so that
    the batch reads them together (`exchange.settlements.read_ahead`)."""
    uris: set[str] = set()
    for delivery in deliveries:
        target = delivery.object_id
        if target is None:
            continue
        if delivery.row.type == "Settle":
            uris.add(target)
        elif delivery.row.type in ("Accept", "Reject") and target.endswith(("/prepare", "/commit")):
            uris.add(target.rsplit("/", 1)[0])
    return uris


async def _apply_if_known(
    delivery: Delivery, target: str, change: Callable[[Session], Any]
) -> bool:
    """Apply `change` when the settlement `target` names is here, in the same transaction as
    the lookup (one write per activity, no read before it); False, nothing written, if not.
    """
    uri = target.rsplit("/", 1)[0]

    def work(session: Session) -> Any:
        if domain.by_uri(session, uri) is None:
            raise _NotOurs
        return change(session)

    try:
        await delivery.apply(work)
    except _NotOurs:
        return False
    return True


async def on_settlement_offer(delivery: Delivery) -> bool:
    if not is_settlement_offer(delivery.activity):
        return False
    inbound = parse_settlement(delivery.activity)
    if inbound is None:  # not all its terms, or malformed: kept as received, nothing done
        await delivery.apply(lambda s: None)
        return True
    city, actor_uri = delivery.city, delivery.actor_uri

    def with_known_sender(session: Session) -> Any:
        # the partner city's actor as the directory's cache would give it, in this
        # transaction: no read transaction of its own per Offer (a batch names one partner)
        known = settlement_outcomes.usable_partner(session, city, actor_uri)
        if known is None:
            raise _AskDirectory
        return settlement_payee.receive_prepare(session, city, known, inbound)

    try:
        await delivery.apply(with_known_sender)
    except _AskDirectory:  # unknown, stale or refused here: the directory fetches or refuses
        sender = await delivery.sender()
        await delivery.apply(lambda s: settlement_payee.receive_prepare(s, city, sender, inbound))
    return True


async def on_settlement_accept(delivery: Delivery) -> bool:
    """A vote yes on one of our settlements, or the receipt of one of our commits.

    The partner is not fetched: it is the city we offered the settlement to, known since we
    paid, and the inbox checked its signature and the policy; a vote from any other actor is
    ignored by the use case.
    """
    target = _target(delivery, ("/prepare", "/commit"))
    if target is None:
        return False
    city, sender = delivery.city, delivery.actor_uri
    if target.endswith("/commit"):
        return await _apply_if_known(
            delivery, target, lambda s: settlement_payer.receive_receipt(s, city, sender, target)
        )
    return await _apply_if_known(
        delivery,
        target,
        lambda s: settlement_payer.receive_vote(s, city, sender, target, yes=True),
    )


async def on_settlement_reject(delivery: Delivery) -> bool:
    target = _target(delivery, ("/prepare",))
    if target is None:
        return False
    city, sender = delivery.city, delivery.actor_uri
    code, reason, temporary = _code(delivery.activity)
    return await _apply_if_known(
        delivery,
        target,
        lambda s: settlement_payer.receive_vote(
            s, city, sender, target, yes=False, code=code, reason=reason, temporary=temporary
        ),
    )


async def on_settlement_undo(delivery: Delivery) -> bool:
    """The payer city aborted; one we never saw is remembered, so its late Offer is refused."""
    target = delivery.object_id
    if target is None or not target.endswith("/prepare"):
        return False
    if delivery.actor_uri != settlement_outcomes.instance_actor_of(target):
        return False
    city, sender = delivery.city, delivery.actor_uri
    code, _, _ = _code(delivery.activity)
    await delivery.apply(lambda s: settlement_payee.receive_abort(s, city, sender, target, code))
    return True


async def on_settle(delivery: Delivery) -> None:
    """The payer city's commit, applied in one transaction with the lookup of its settlement.

    A commit that arrived before its Offer is parked: the transaction is rolled back (nothing
    written) and the row retried after PARKED_SECONDS. The partner was fetched with its Offer.
    """
    target = delivery.object_id
    city, sender = delivery.city, delivery.actor_uri
    if target is None:
        await delivery.apply(lambda s: None)
        return

    def change(session: Session) -> None:
        if settlement_payee.receive_commit(session, city, sender, target) is None:
            raise RetryLater("the commit arrived before its Offer: parked", after=PARKED_SECONDS)

    await delivery.apply(change)
