"""Negotiation activities from other servers: Offer, Accept, Reject, Undo, and direct Notes.

Each handler parses the activity, fetches its sender before the transaction, and calls one
use case of services/negotiations.py inside it (`receive_offer`, `receive_acceptance`,
`receive_rejection` or `receive_cancellation`, `receive_withdrawal`, `receive_message`),
where the rules live: who may do what, what is refused and answered with a Reject, and why
a repeated delivery changes nothing. An Accept, Reject or Undo of nothing we know is left
to other handlers.

Direct Notes: a Note in a thread's `context`, or replying to one of its messages, is a
message of that thread; a direct (non-public) reply to one of our listings by an account
that knows no offers (a Mastodon user) opens or joins a thread of messages on the seller's
side. Which Create is such a message is decided in inbox/classify.py.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from exchange import agreements, offers
from federation.authorship import same_origin
from federation.inbound_note import InboundNote
from federation.inbound_offer import parse_offer, parse_quote
from federation.vocab import id_of
from instance.html import html_to_text, sanitize_html
from models import RemoteActor
from services import remote_negotiation
from services.origins import currency_of

from .process import Delivery


async def on_offer(delivery: Delivery) -> None:
    city = delivery.city
    inbound = parse_offer(delivery.activity)
    if inbound is None or not same_origin(inbound.id, delivery.actor_uri):
        await delivery.apply(lambda s: None)
        return
    sender = await delivery.sender()
    await delivery.apply(lambda s: remote_negotiation.receive_offer(s, city, sender, inbound))


async def _known_offer(delivery: Delivery) -> str | None:
    """The id of the offer the activity is about, when that offer is known here."""
    offer_uri = delivery.object_id
    if offer_uri is None:
        return None
    known = await delivery.city.db.read(lambda s: offers.by_uri(s, offer_uri) is not None)
    return offer_uri if known else None


async def on_offer_accept(delivery: Delivery) -> bool:
    offer_uri = await _known_offer(delivery)
    if offer_uri is None:
        return False
    activity, city = delivery.activity, delivery.city
    result = activity.get("result") if isinstance(activity.get("result"), dict) else {}
    agreement_uri = id_of(result.get("id")) if result else None
    accept_uri: str = activity["id"]
    sender = await delivery.sender()
    quote = parse_quote(result)
    await delivery.apply(
        lambda s: remote_negotiation.receive_acceptance(
            s, city, sender, offer_uri, accept_uri, agreement_uri, quote
        )
    )
    return True


async def on_offer_reject(delivery: Delivery) -> bool:
    """A Reject of one of the offers in our threads, or of one of our Accepts."""
    refused = delivery.object_id
    if refused is None:
        return False
    city = delivery.city

    def what(session: Session) -> str | None:
        if offers.by_uri(session, refused) is not None:
            return "offer"
        return "accept" if agreements.by_accept(session, refused) is not None else None

    kind = await city.db.read(what)
    if kind is None:
        return False
    activity = delivery.activity
    reason = html_to_text(
        sanitize_html(activity["content"])[:2000]
        if isinstance(activity.get("content"), str)
        else ""
    )
    sender = await delivery.sender()
    if kind == "accept":
        await delivery.apply(
            lambda s: remote_negotiation.receive_cancellation(s, sender, refused, reason)
        )
    else:
        await delivery.apply(
            lambda s: remote_negotiation.receive_rejection(s, sender, refused, reason)
        )
    return True


async def on_offer_undo(delivery: Delivery) -> bool:
    obj = delivery.object
    if isinstance(obj, dict) and obj.get("type") not in (None, "Offer"):
        return False
    offer_uri = await _known_offer(delivery)
    if offer_uri is None:
        return False
    sender = await delivery.sender()
    await delivery.apply(lambda s: remote_negotiation.receive_withdrawal(s, sender, offer_uri))
    return True


# ---------------------------------------------------------------------- direct notes


async def keep_message(delivery: Delivery, sender: RemoteActor, note: InboundNote) -> None:
    """A Create classified as a negotiation message: added to its thread, in one transaction."""
    city = delivery.city
    knows_offers = False
    if note.context and note.in_reply_to and same_origin(note.context, sender.uri):
        # a question before any offer may open a thread of offers: only with a marketplace
        # (a city publishing a currency; the directory caches its actor)
        knows_offers = await currency_of(city, sender.uri) is not None
    await delivery.apply(
        lambda s: remote_negotiation.receive_message(
            s, city, sender, note, knows_offers=knows_offers
        )
    )
