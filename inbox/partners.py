"""Partnership activities from another city's instance actor: a rule proposed (Offer of an
ExchangeRule), our proposal answered (Accept / Reject), a version suspended or resumed
(Update of an ExchangeRule).

Each claims its activity before the negotiation and social handlers (inbox/handlers.py), reads
it once (federation/inbound_rule.py), fetches the sender before the transaction and calls one
use case of services/partners.py inside it. Who may send what is decided there: only a city's
instance actor proposes, and only the city a version was agreed with answers or changes it.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from exchange import partners
from federation.authorship import same_origin
from federation.inbound_rule import RuleShapeError, is_rule, parse_reference, parse_rule
from services import partners as partner_cases

from .process import Delivery


async def on_rule_offer(delivery: Delivery) -> bool:
    """An Offer whose object is an ExchangeRule: a proposal to us."""
    if not is_rule(delivery.object):
        return False
    activity, city = delivery.activity, delivery.city
    offer_uri = activity.get("id")
    if not isinstance(offer_uri, str) or not same_origin(offer_uri, delivery.actor_uri):
        await delivery.apply(lambda s: None)
        return True
    try:
        inbound, problem = parse_rule(delivery.object), None
    except RuleShapeError as exc:
        inbound, problem = None, str(exc)
    sender = await delivery.sender()
    await delivery.apply(
        lambda s: partner_cases.receive_proposal(s, city, sender, offer_uri, inbound, problem)
    )
    return True


def _is_ours(kind: str, uri: str) -> Callable[[Session], bool]:
    """Whether `uri` is the Offer of a rule version we hold (`offer`), or our answer to one."""

    def find(session: Session) -> bool:
        if kind == "offer":
            return partners.rule_by_offer(session, uri) is not None
        return partners.rule_by_answer(session, uri) is not None

    return find


async def on_rule_accept(delivery: Delivery) -> bool:
    refused = delivery.object_id
    if refused is None:
        return False
    city = delivery.city
    if not await city.db.read(_is_ours("offer", refused)):
        return False
    accept_uri = delivery.activity.get("id")
    if not isinstance(accept_uri, str):
        return False
    result = parse_reference(delivery.activity.get("result"))
    sender = await delivery.sender()
    await delivery.apply(
        lambda s: partner_cases.receive_acceptance(s, city, sender, refused, accept_uri, result)
    )
    return True


async def on_rule_reject(delivery: Delivery) -> bool:
    refused = delivery.object_id
    if refused is None:
        return False
    city = delivery.city
    known = await city.db.read(_is_ours("offer", refused)) or await city.db.read(
        _is_ours("answer", refused)
    )
    if not known:
        return False
    activity = delivery.activity
    content = activity.get("content") if isinstance(activity.get("content"), str) else ""
    code = activity.get("reasonCode") if isinstance(activity.get("reasonCode"), str) else None
    sender = await delivery.sender()
    await delivery.apply(
        lambda s: partner_cases.receive_rejection(s, city, sender, refused, content or "", code)
    )
    return True


async def on_rule_update(delivery: Delivery) -> bool:
    reference = parse_reference(delivery.object)
    if reference is None:
        return False
    sender = await delivery.sender()
    await delivery.apply(lambda s: partner_cases.receive_status(s, sender, reference))
    return True
