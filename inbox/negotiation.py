"""Negotiation activities from other servers: Offer, Accept, Reject, Undo, and direct Notes.

Every handler is idempotent (a second delivery of the same activity changes nothing: offers,
agreements and messages are found by their ids first) and checks who may do what:
- an Offer's id is on its actor's host; a first Offer comes from someone other than the
  listing's author and opens the thread; later ones come from a party of the thread;
- an Accept or Reject comes from the party that did not make the offer (a Reject may also
  come from that party's city, refusing something on its behalf), and the agreement an
  Accept carries has its id on the sender's host;
- an Undo comes from the offer's proposer.
What the rules refuse is answered with a Reject naming the refused activity and the reason,
and nothing else is stored.

Direct Notes: a Note in a thread's `context`, or replying to one of its messages, is a
message of that thread; a direct (non-public) reply to one of our listings by an account
that knows no offers (a Mastodon user) opens or joins a thread of messages on the seller's
side. Which Create is such a message is decided in inbox/classify.py.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange import agreements, listings, negotiations, offers
from exchange.errors import DomainError
from exchange.negotiations import other
from federation.authorship import same_origin
from federation.inbound_note import InboundNote
from federation.inbound_offer import InboundOffer, parse_offer
from federation.vocab import id_of
from instance.html import html_to_text, sanitize_html
from models import (
    Listing,
    Member,
    Negotiation,
    NegotiationKind,
    NegotiationMessage,
    Offer,
    RemoteActor,
    Side,
    new_public_id,
    utcnow,
)
from services import negotiations as outgoing
from services.negotiations import schedule_expiry

from .classify import what_it_answers
from .process import Delivery

log = logging.getLogger("comptoir.inbox.negotiation")
MAX_MESSAGE = 20_000


def remote_terms(offer: InboundOffer, listing: Listing, now: datetime) -> offers.Terms:
    """The terms of a remote Offer, checked against the listing (in the seller's currency)."""
    if offer.quantity is None or not offer.quantity.isdigit() or int(offer.quantity) < 1:
        raise DomainError("invalid_offer", "the offer names no quantity", 400)
    quantity = int(offer.quantity)
    message = sanitize_html(offer.content[:MAX_MESSAGE]) if offer.content is not None else ""
    expires = offer.end_time or now + timedelta(days=offers.DEFAULT_OFFER_DAYS)
    expires = min(expires, now + timedelta(days=offers.MAX_OFFER_DAYS))
    if listing.is_local:
        return offers.check_terms(
            listing,
            quantity=quantity,
            price=offer.price,
            goods=offer.goods,
            message=message,
            expires_at=expires,
            now=now,
        )
    # an answer in a thread about another city's listing: that city checks its own stock
    if expires <= now:
        raise DomainError("invalid_expiry", "the offer has already expired", 400)
    return offers.Terms(
        quantity,
        listings.parse_price(offer.price, listing.scale),
        offer.goods.strip()[: offers.MAX_GOODS],
        message,
        expires,
    )


async def on_offer(delivery: Delivery) -> None:
    city = delivery.city
    inbound = parse_offer(delivery.activity)
    if inbound is None or not same_origin(inbound.id, delivery.actor_uri):
        await delivery.apply(lambda s: None)
        return
    offer_id, context, listing_uri = inbound.id, inbound.context, inbound.listing_uri
    sender = await delivery.sender()

    def change(session: Session) -> None:
        if offers.by_uri(session, offer_id) is not None:
            return  # a repeated delivery
        listing = listings.by_uri(session, listing_uri) if listing_uri else None
        negotiation = negotiations.by_context(session, context)
        try:
            if listing is None or (negotiation is None and not listing.is_local):
                raise DomainError("unknown_listing", f"there is no listing {listing_uri} here", 404)
            if negotiation is not None and negotiation.listing_id != listing.id:
                raise DomainError("wrong_thread", "this thread is about another listing", 400)
            side = (
                negotiations.side_of_actor(negotiation, sender)
                if negotiation is not None
                else Side.buyer
            )
            if side is None:
                raise DomainError("not_a_party", "you are not a party of this negotiation", 403)
            if negotiation is not None and negotiation.kind is NegotiationKind.messages:
                raise DomainError("messages_only", "this thread holds messages only", 409)
            offer_terms = remote_terms(inbound, listing, utcnow())
            if negotiation is None:
                thread_id = new_public_id()
                negotiation = negotiations.open_thread(
                    session, listing, context=context, public_id=thread_id, buyer_actor=sender
                )
            answered = offers.by_uri(session, inbound.in_reply_to or "")
            offer = offers.propose(
                session,
                negotiation,
                side,
                offer_terms,
                uri=offer_id,
                public_id=new_public_id(),
                in_reply_to=answered
                if answered and answered.negotiation_id == negotiation.id
                else None,
                strict=False,
            )
            schedule_expiry(session, offer)
        except DomainError as refusal:
            as_actor = (
                city.urls.member(_author_name(session, listing))
                if listing is not None and listing.is_local
                else None
            )
            outgoing.refuse(
                session, city, sender, offer_id, refusal.message, as_actor=as_actor, context=context
            )

    await delivery.apply(change)


def _author_name(session: Session, listing: Listing) -> str:
    author = session.get(Member, listing.member_id)
    assert author is not None
    return author.username


def _offer_and_side(
    session: Session, offer_uri: str | None, sender: RemoteActor, *, city_may_answer: bool = False
) -> tuple[Offer, Negotiation, Side] | None:
    """The offer, its thread, and the sender's side (or, when allowed, its city's side)."""
    offer = offers.by_uri(session, offer_uri) if offer_uri else None
    if offer is None:
        return None
    negotiation = session.get(Negotiation, offer.negotiation_id)
    assert negotiation is not None
    side = negotiations.side_of_actor(negotiation, sender)
    if side is None and city_may_answer:
        them = negotiations.party(session, negotiation, other(offer.proposer))
        if them.actor is not None and them.actor.domain == sender.domain:
            side = them.side
    return (offer, negotiation, side) if side is not None else None


async def _known_offer(delivery: Delivery) -> bool:
    offer_uri = delivery.object_id
    if offer_uri is None:
        return False
    return await delivery.city.db.read(lambda s: offers.by_uri(s, offer_uri) is not None)


async def on_offer_accept(delivery: Delivery) -> bool:
    if not await _known_offer(delivery):
        return False
    activity, city = delivery.activity, delivery.city
    result = activity.get("result") if isinstance(activity.get("result"), dict) else {}
    agreement_uri = id_of(result.get("id")) if result else None
    sender = await delivery.sender()

    def change(session: Session) -> None:
        if agreements.by_accept(session, activity["id"]) is not None:
            return  # a repeated delivery
        found = _offer_and_side(session, delivery.object_id, sender)
        if found is None:
            log.info(
                "Accept %s from %s, who is not a party of the thread", activity["id"], sender.uri
            )
            return
        offer, negotiation, side = found
        mine = negotiations.party(session, negotiation, other(side))
        try:
            if agreement_uri is None or not same_origin(agreement_uri, sender.uri):
                raise DomainError(
                    "invalid_agreement",
                    "an Accept carries the agreement, with an id of its own host",
                    400,
                )
            if agreements.by_uri(session, agreement_uri) is not None:
                raise DomainError("invalid_agreement", "this agreement id is already used", 409)
            _, closed = offers.accept(
                session,
                negotiation,
                offer,
                side,
                agreement_uri=agreement_uri,
                accept_uri=activity["id"],
                public_id=new_public_id(),
            )
        except DomainError as refusal:
            outgoing.refuse(
                session,
                city,
                sender,
                activity["id"],
                refusal.message,
                as_actor=outgoing.actor_uri(city, mine) if mine.is_local else None,
                context=negotiation.context,
            )
            return
        if closed and mine.member is not None:
            listing = session.get(Listing, negotiation.listing_id)
            assert listing is not None
            outgoing.close_listing(session, city, listing, mine.member)

    await delivery.apply(change)
    return True


async def on_offer_reject(delivery: Delivery) -> bool:
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
    reason = (
        sanitize_html(activity["content"])[:2000]
        if isinstance(activity.get("content"), str)
        else ""
    )
    sender = await delivery.sender()

    def change(session: Session) -> None:
        if kind == "accept":
            agreement = agreements.by_accept(session, refused)
            assert agreement is not None
            negotiation = session.get(Negotiation, agreement.negotiation_id)
            assert negotiation is not None
            them = negotiations.party(
                session, negotiation, Side.seller if negotiation.buyer_member_id else Side.buyer
            )
            if them.actor is not None and them.actor.domain == sender.domain:
                agreements.cancel(session, agreement, html_to_text(reason))
            return
        found = _offer_and_side(session, refused, sender, city_may_answer=True)
        if found is None:
            return
        offer, negotiation, side = found
        try:
            offers.reject(session, negotiation, offer, side, html_to_text(reason))
        except DomainError:
            pass  # already answered, or superseded: a late or repeated Reject changes nothing

    await delivery.apply(change)
    return True


async def on_offer_undo(delivery: Delivery) -> bool:
    obj = delivery.object
    if isinstance(obj, dict) and obj.get("type") not in (None, "Offer"):
        return False
    if not await _known_offer(delivery):
        return False
    sender = await delivery.sender()

    def change(session: Session) -> None:
        found = _offer_and_side(session, delivery.object_id, sender)
        if found is None:
            return
        offer, negotiation, side = found
        try:
            offers.withdraw(session, negotiation, offer, side)
        except DomainError:
            pass  # not theirs, or no longer open: nothing to undo

    await delivery.apply(change)
    return True


# ---------------------------------------------------------------------- direct notes


async def keep_message(delivery: Delivery, sender: RemoteActor, note: InboundNote) -> None:
    """A Create classified as a negotiation message: added to its thread, in one transaction.

    A direct reply to one of our listings by an account that knows no offers opens a thread
    of messages with that account (or joins the one it has).
    """
    city = delivery.city
    content = sanitize_html(note.content[:MAX_MESSAGE])

    def change(session: Session) -> None:
        known = select(NegotiationMessage.id).where(NegotiationMessage.uri == note.id)
        if session.scalar(known) is not None:
            return  # a repeated delivery
        found = what_it_answers(session, note)
        if found is None:
            return
        negotiation: Negotiation | None
        if isinstance(found[0], Negotiation):
            negotiation = found[0]
            side = negotiations.side_of_actor(negotiation, sender)
            if side is None:
                return
        else:
            listing = found[0]
            negotiation = negotiations.open_with(session, listing, sender)
            if negotiation is None:
                thread_id = new_public_id()
                try:
                    negotiation = negotiations.open_thread(
                        session,
                        listing,
                        context=city.urls.negotiation(thread_id),
                        public_id=thread_id,
                        kind=NegotiationKind.messages,
                        buyer_actor=sender,
                    )
                except DomainError as refusal:
                    log.info(
                        "direct reply %s to listing %s not taken: %s",
                        note.id,
                        listing.uri,
                        refusal.message,
                    )
                    return
            side = Side.buyer
        negotiations.add_message(
            session, negotiation, side, note.id, content, now=note.published or utcnow()
        )

    await delivery.apply(change)
