"""Create: one decision, then exactly one handler, in one transaction.

The object is parsed once (federation/inbound_*.py); what the decision needs is gathered
before any transaction (the sender, whether its city publishes a currency — an HTTP fetch
through the directory, only for a listing — and what of ours a note answers, one read);
inbox/classify.py decides; the chosen handler makes its change and marks the activity done
in one transaction (Delivery.apply).
"""

from __future__ import annotations

from dataclasses import dataclass

from exchange.remote_listings import OriginCurrency
from federation.authorship import authored_by
from federation.inbound_listing import InboundListing, parse_listing
from federation.inbound_note import InboundNote, parse_note
from models import RemoteActor
from services.origins import currency_of

from .classify import CreateFacts, Route, answered_here, classify_create
from .discussions import addressed_group, keep_discussion_reply, keep_discussion_thread
from .listings import keep_listing
from .negotiation import keep_message
from .notes import keep_note
from .polls import keep_poll_vote
from .process import Delivery
from .projects import keep_project_reply


@dataclass(frozen=True)
class Gathered:
    """The facts for the decision, and what the chosen handler needs from the network."""

    facts: CreateFacts
    sender: RemoteActor | None = None
    currency: OriginCurrency | None = None


async def gather(
    delivery: Delivery, note: InboundNote | None, listing: InboundListing | None
) -> Gathered:
    """Fetch only what the object's shape can use: nothing for what is not the sender's note."""
    authored = authored_by(delivery.object, delivery.actor_uri)
    if note is None or not authored:
        return Gathered(CreateFacts(authored=authored))
    currency = await currency_of(delivery.city, note.id) if listing is not None else None
    answers = None
    if currency is None and note.type == "Note":
        answers = await delivery.city.db.read(lambda s: answered_here(s, note))
    sender = await delivery.sender()
    facts = CreateFacts(
        authored=True,
        origin_has_currency=currency is not None,
        answers=answers,
        sender_followers=sender.followers,
        group=addressed_group(delivery, note),
    )
    return Gathered(facts, sender, currency)


async def on_create(delivery: Delivery) -> None:
    note, listing = parse_note(delivery.object), parse_listing(delivery.object)
    gathered = await gather(delivery, note, listing)
    route = classify_create(note, listing, gathered.facts)
    sender, currency = gathered.sender, gathered.currency
    if route is Route.ignored or note is None or sender is None:
        await delivery.apply(lambda s: None)
    elif route is Route.listing:
        assert listing is not None and currency is not None
        await keep_listing(delivery, sender, listing, currency)
    elif route is Route.discussion_thread:
        await keep_discussion_thread(delivery, sender, note)
    elif route is Route.poll_vote:
        await keep_poll_vote(delivery, sender, note)
    elif route is Route.discussion:
        await keep_discussion_reply(delivery, sender, note)
    elif route is Route.project_reply:
        await keep_project_reply(delivery, sender, note)
    elif route is Route.message:
        await keep_message(delivery, sender, note)
    else:
        await keep_note(delivery, sender, note)
