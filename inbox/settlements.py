"""Settlement activities from other cities' instance actors (docs/FEDERATION.md, "Cross-city
settlement").

Each claim recognises its activity by the derived ids (`{settlement}/prepare`, `/commit`) and calls
one use case (services/settlement_payer.py or settlement_payee.py) in one transaction with the row's
completion. A commit (`Settle`) that arrives before its Offer is parked: the row is retried later,
when the Offer has been applied, so activities apply in their protocol order.
"""

from __future__ import annotations

from typing import Any

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


async def _known(delivery: Delivery, suffixes: tuple[str, ...]) -> str | None:
    """The object id when it is one of a settlement's derived ids and that settlement is here."""
    target = delivery.object_id
    if target is None or not target.endswith(suffixes):
        return None
    uri = target.rsplit("/", 1)[0]
    known = await delivery.city.db.read(lambda s: domain.by_uri(s, uri) is not None)
    return target if known else None


async def on_settlement_offer(delivery: Delivery) -> bool:
    if not is_settlement_offer(delivery.activity):
        return False
    inbound = parse_settlement(delivery.activity)
    if inbound is None:  # not all its terms, or malformed: kept as received, nothing done
        await delivery.apply(lambda s: None)
        return True
    sender = await delivery.sender()
    city = delivery.city
    await delivery.apply(lambda s: settlement_payee.receive_prepare(s, city, sender, inbound))
    return True


async def on_settlement_accept(delivery: Delivery) -> bool:
    """A vote yes on one of our settlements, or the receipt of one of our commits."""
    target = await _known(delivery, ("/prepare", "/commit"))
    if target is None:
        return False
    city, sender = delivery.city, delivery.actor_uri
    if target.endswith("/commit"):
        await delivery.apply(lambda s: settlement_payer.receive_receipt(s, city, sender, target))
    else:
        await delivery.sender()  # the partner is known before we answer it
        await delivery.apply(
            lambda s: settlement_payer.receive_vote(s, city, sender, target, yes=True)
        )
    return True


async def on_settlement_reject(delivery: Delivery) -> bool:
    target = await _known(delivery, ("/prepare",))
    if target is None:
        return False
    city, sender = delivery.city, delivery.actor_uri
    code, reason, temporary = _code(delivery.activity)
    await delivery.sender()
    await delivery.apply(
        lambda s: settlement_payer.receive_vote(
            s, city, sender, target, yes=False, code=code, reason=reason, temporary=temporary
        )
    )
    return True


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
    target = delivery.object_id
    city, sender = delivery.city, delivery.actor_uri
    if target is None:
        await delivery.apply(lambda s: None)
        return
    await delivery.sender()
    applied = await city.db.read(lambda s: domain.by_uri(s, target) is not None)
    if not applied and sender == settlement_outcomes.instance_actor_of(target):
        raise RetryLater("the commit arrived before its Offer: parked", after=PARKED_SECONDS)
    await delivery.apply(lambda s: settlement_payee.receive_commit(s, city, sender, target))
