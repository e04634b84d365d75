"""Negotiation on the wire: FEP-0837 Offer, Accept, Reject, Undo and direct Notes.

- An offer is `Offer{object: Agreement{stipulates, stipulatesReciprocal}}` addressed to the
  other party only, with `context` = the thread, `endTime` = its expiry and, for a
  counter-offer, `inReplyTo` = the offer it supersedes. The reciprocal commitment holds the
  total price in the seller's currency, or the counter-goods in its `name`.
- `Accept{object: offer id, result: Agreement}` with the agreement's id minted here;
  `Reject{object: offer id, content: reason}`; `Undo{object: Offer}` withdraws.
- Messages are Notes to the other party only (direct), with the thread's `context`; for a
  thread opened by a plain fediverse account (a Mastodon user's direct reply to a listing),
  they mention that account and reply to its last note, so they read as direct messages.

Each action changes rows through exchange/ and publishes to the other party when it is
remote, in the caller's transaction. Between two of our members nothing federates.
"""

from __future__ import annotations

import html
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange import agreements, listings, negotiations, offers
from exchange.errors import DomainError
from exchange.negotiations import Party, other
from exchange.offers import Ended, Terms
from federation.authority import origin_base
from federation.authorship import same_origin
from federation.inbound_note import InboundNote
from federation.inbound_offer import InboundOffer
from instance import queue
from instance.amounts import format_amount
from instance.city import City
from instance.html import sanitize_html, text_to_html
from models import (
    Agreement,
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
from outbox import render
from outbox.listings import federate_delete
from outbox.publish import Audience, publish

log = logging.getLogger("comptoir.services.negotiations")

#: job kind: expire one offer when its time comes (instance/market_jobs.py)
OFFER_EXPIRY = "offer.expire"


def actor_uri(city: City, who: Party) -> str:
    if who.member is not None:
        return city.urls.member(who.member.username)
    assert who.actor is not None
    return who.actor.uri


def _send(session: Session, city: City, document: dict[str, Any], to: Party) -> None:
    if to.actor is not None:
        publish(session, city, document, Audience(actors=[to.actor]))


def schedule_expiry(session: Session, offer: Offer) -> None:
    queue.enqueue(
        session,
        OFFER_EXPIRY,
        {"offer": offer.uri},
        run_at=offer.expires_at,
        key=f"{OFFER_EXPIRY}:{offer.public_id}",
    )


# ---------------------------------------------------------------------- rendering


def render_terms(
    listing: Listing, quantity: int, price: int | None, goods: str, agreement_uri: str | None = None
) -> dict[str, Any]:
    """An Agreement: the primary commitment (the quantity) and the reciprocal one (price or
    goods).
    """
    primary: dict[str, Any] = {
        "type": "Commitment",
        "satisfies": f"{listing.uri}#primary",
        "resourceQuantity": {"hasUnit": "one", "hasNumericalValue": str(quantity)},
    }
    agreement: dict[str, Any] = {"type": "Agreement", "stipulates": primary}
    reciprocal: dict[str, Any] | None = None
    if price is not None:
        reciprocal = {
            "type": "Commitment",
            "satisfies": f"{listing.uri}#reciprocal",
            "resourceConformsTo": f"{origin_base(listing.uri)}/currency",
            "resourceQuantity": {
                "hasUnit": "one",
                "hasNumericalValue": format_amount(price, listing.scale),
            },
        }
    elif goods:
        reciprocal = {
            "type": "Commitment",
            "satisfies": f"{listing.uri}#reciprocal",
            "name": goods,
            "resourceQuantity": {"hasUnit": "one", "hasNumericalValue": "1"},
        }
    if reciprocal is not None:
        agreement["stipulatesReciprocal"] = reciprocal
    if agreement_uri is not None:
        agreement["id"] = agreement_uri
        primary["id"] = f"{agreement_uri}#primary"
        if reciprocal is not None:
            reciprocal["id"] = f"{agreement_uri}#reciprocal"
    return agreement


def render_offer(
    city: City,
    negotiation: Negotiation,
    offer: Offer,
    listing: Listing,
    proposer: Party,
    recipient: Party,
    in_reply_to: Offer | None,
) -> dict[str, Any]:
    document = render.activity(
        city.urls,
        "Offer",
        offer.uri,
        actor_uri(city, proposer),
        render_terms(listing, offer.quantity, offer.price, offer.goods),
        to=[actor_uri(city, recipient)],
        published=offer.created_at,
        extra_context=True,
        context=negotiation.context,
        endTime=render.iso(offer.expires_at),
        target=listing.uri,
    )
    if offer.message:
        document["content"] = offer.message
    if in_reply_to is not None:
        document["inReplyTo"] = in_reply_to.uri
    return document


# ---------------------------------------------------------------------- a member's actions


def _parties(session: Session, negotiation: Negotiation, side: Side) -> tuple[Party, Party]:
    return negotiations.party(session, negotiation, side), negotiations.party(
        session, negotiation, other(side)
    )


def _offers_only(negotiation: Negotiation) -> None:
    if negotiation.kind is NegotiationKind.messages:
        raise DomainError(
            "messages_only",
            "the other party's server knows no offers: write a message instead",
            409,
        )


def make_offer(
    session: Session, city: City, member: Member, listing: Listing, terms: Terms
) -> tuple[Negotiation, Offer]:
    """Open a thread on a listing with a first offer."""
    thread_id = new_public_id()
    negotiation = negotiations.open_thread(
        session,
        listing,
        context=city.urls.negotiation(thread_id),
        public_id=thread_id,
        buyer_member=member,
    )
    offer = counter(session, city, member, negotiation, terms, None)
    return negotiation, offer


def counter(
    session: Session,
    city: City,
    member: Member,
    negotiation: Negotiation,
    terms: Terms,
    in_reply_to: Offer | None,
) -> Offer:
    """Make an offer in the thread, answering (and superseding) the open one."""
    side = _side(negotiation, member)
    _offers_only(negotiation)
    public_id = new_public_id()
    offer = offers.propose(
        session,
        negotiation,
        side,
        terms,
        uri=city.urls.offer(public_id),
        public_id=public_id,
        in_reply_to=in_reply_to,
        strict=True,
    )
    schedule_expiry(session, offer)
    me, them = _parties(session, negotiation, side)
    listing = session.get(Listing, negotiation.listing_id)
    assert listing is not None
    _send(
        session, city, render_offer(city, negotiation, offer, listing, me, them, in_reply_to), them
    )
    return offer


def accept(
    session: Session, city: City, member: Member, negotiation: Negotiation, offer: Offer
) -> Agreement:
    side = _side(negotiation, member)
    public_id = new_public_id()
    agreement_uri = city.urls.agreement(public_id)
    agreement, closed = offers.accept(
        session,
        negotiation,
        offer,
        side,
        agreement_uri=agreement_uri,
        accept_uri=f"{agreement_uri}/accept",
        public_id=public_id,
    )
    me, them = _parties(session, negotiation, side)
    listing = session.get(Listing, negotiation.listing_id)
    assert listing is not None
    _send(
        session, city, render_accept(city, negotiation, offer, agreement, listing, me, them), them
    )
    if closed:
        seller = session.get(Member, listing.member_id)
        assert seller is not None
        federate_delete(session, city, listing, seller)
        tell_closed(session, city, listing, offers.close_for_listing(session, listing))
    return agreement


def render_accept(
    city: City,
    negotiation: Negotiation,
    offer: Offer,
    agreement: Agreement,
    listing: Listing,
    me: Party,
    them: Party,
) -> dict[str, Any]:
    result = render_terms(
        listing, agreement.quantity, agreement.amount, agreement.goods, agreement.uri
    )
    result["attributedTo"] = actor_uri(city, me)
    return render.activity(
        city.urls,
        "Accept",
        agreement.accept_uri,
        actor_uri(city, me),
        offer.uri,
        to=[actor_uri(city, them)],
        published=agreement.created_at,
        extra_context=True,
        context=negotiation.context,
        result=result,
    )


def reject(
    session: Session,
    city: City,
    member: Member,
    negotiation: Negotiation,
    offer: Offer,
    reason: str,
) -> None:
    side = _side(negotiation, member)
    offers.reject(session, negotiation, offer, side, reason)
    me, them = _parties(session, negotiation, side)
    document = render.activity(
        city.urls,
        "Reject",
        city.urls.offer_activity(offer.public_id, "reject"),
        actor_uri(city, me),
        offer.uri,
        to=[actor_uri(city, them)],
        context=negotiation.context,
    )
    if offer.answer_reason:
        document["content"] = text_to_html(offer.answer_reason)
    _send(session, city, document, them)


def withdraw(
    session: Session, city: City, member: Member, negotiation: Negotiation, offer: Offer
) -> None:
    side = _side(negotiation, member)
    offers.withdraw(session, negotiation, offer, side)
    me, them = _parties(session, negotiation, side)
    _send(session, city, _undo(city, negotiation, offer, me, them), them)


def _undo(
    city: City, negotiation: Negotiation, offer: Offer, me: Party, them: Party
) -> dict[str, Any]:
    undone = {"type": "Offer", "id": offer.uri, "actor": actor_uri(city, me)}
    return render.activity(
        city.urls,
        "Undo",
        city.urls.offer_activity(offer.public_id, "undo"),
        actor_uri(city, me),
        undone,
        to=[actor_uri(city, them)],
        context=negotiation.context,
    )


def send_message(
    session: Session, city: City, member: Member, negotiation: Negotiation, text: str
) -> NegotiationMessage:
    side = _side(negotiation, member)
    if not text.strip():
        raise DomainError("empty_message", "a message needs some text", 400)
    if len(text) > negotiations.MAX_MESSAGE:
        raise DomainError(
            "too_long", f"a message is at most {negotiations.MAX_MESSAGE} characters", 400
        )
    return _message(session, city, negotiation, side, text_to_html(text))


def _message(
    session: Session, city: City, negotiation: Negotiation, side: Side, content: str
) -> NegotiationMessage:
    public_id = new_public_id()
    note_uri = city.urls.message(public_id)
    me, them = _parties(session, negotiation, side)
    replied = negotiations.last_message_from(session, negotiation, other(side))
    shown = content
    tags: list[dict[str, str]] = []
    if them.actor is not None:
        tags.append({"type": "Mention", "href": them.actor.uri, "name": f"@{them.actor.handle}"})
        if negotiation.kind is NegotiationKind.messages:
            link = html.escape(them.actor.url or them.actor.uri)
            mention = (
                f'<span class="h-card"><a href="{link}" class="u-url mention">'
                f"@<span>{html.escape(them.actor.preferred_username)}</span></a></span> "
            )
            shown = (
                content.replace("<p>", "<p>" + mention, 1)
                if content.startswith("<p>")
                else mention + content
            )
    message = negotiations.add_message(session, negotiation, side, note_uri, shown)
    assert message is not None
    if them.actor is not None:
        note: dict[str, Any] = {
            "@context": render.context(city.urls),
            "id": note_uri,
            "type": "Note",
            "attributedTo": actor_uri(city, me),
            "to": [them.actor.uri],
            "cc": [],
            "content": shown,
            "published": render.iso(message.created_at),
            "context": negotiation.context,
            "tag": tags,
            "sensitive": False,
            "url": city.urls.negotiation(negotiation.public_id),
        }
        if replied is not None:
            note["inReplyTo"] = replied.uri
        create = render.activity(
            city.urls,
            "Create",
            f"{note_uri}/activity",
            actor_uri(city, me),
            note,
            to=[them.actor.uri],
            published=message.created_at,
        )
        _send(session, city, create, them)
    return message


def _side(negotiation: Negotiation, member: Member) -> Side:
    side = negotiations.side_of_member(negotiation, member)
    if side is None:
        raise DomainError("not_found", "negotiation not found", 404)
    return side


# ---------------------------------------------------------------------- the city's own answers


def close_listing(session: Session, city: City, listing: Listing, author: Member) -> None:
    """Our listing sold out through an agreement: its Delete goes out and its other threads end."""
    federate_delete(session, city, listing, author)
    tell_closed(session, city, listing, offers.close_for_listing(session, listing))


def tell_closed(session: Session, city: City, listing: Listing, ended: list[Ended]) -> None:
    """Tell remote buyers whose threads closed with the listing: their open offer is rejected, ours
    withdrawn, and a plain fediverse account gets a direct message."""
    for item in ended:
        negotiation = item.negotiation
        seller, buyer = _parties(session, negotiation, Side.seller)
        if buyer.actor is None:
            continue
        if negotiation.kind is NegotiationKind.messages:
            _message(
                session,
                city,
                negotiation,
                Side.seller,
                f"<p>“{html.escape(listing.title)}” is no longer available.</p>",
            )
            continue
        offer = item.offer
        if offer is None:
            continue
        if offer.proposer is Side.buyer:
            document = render.activity(
                city.urls,
                "Reject",
                city.urls.offer_activity(offer.public_id, "reject"),
                actor_uri(city, seller),
                offer.uri,
                to=[buyer.actor.uri],
                context=negotiation.context,
                content="<p>The listing is no longer available.</p>",
            )
        else:
            document = _undo(city, negotiation, offer, seller, buyer)
        _send(session, city, document, buyer)


def refuse(
    session: Session,
    city: City,
    sender: RemoteActor,
    refused_id: str,
    reason: str,
    *,
    as_actor: str | None = None,
    context: str | None = None,
) -> None:
    """Answer a remote Offer or Accept we cannot take with a Reject naming it, and why."""
    fields: dict[str, Any] = {"content": text_to_html(reason)}
    if context is not None:
        fields["context"] = context
    document = render.activity(
        city.urls,
        "Reject",
        city.urls.activity(new_public_id()),
        as_actor or city.urls.instance_actor,
        refused_id,
        to=[sender.uri],
        **fields,
    )
    publish(session, city, document, Audience(actors=[sender]))


# ---------------------------------------------------------------------- what a remote party does
#
# The inbox parses an activity and fetches its sender before the transaction; these run inside
# it. Each is idempotent: a second delivery of the same activity changes nothing (offers and
# agreements are found by their ids first). What the rules refuse is answered with a Reject
# naming the refused activity and the reason, and nothing else is stored.

#: the longest offer message kept from another server, in characters of HTML
MAX_REMOTE_MESSAGE = 20_000


def remote_terms(offer: InboundOffer, listing: Listing, now: datetime) -> Terms:
    """The terms of a remote Offer, checked against the listing (in the seller's currency).

    An offer on our own listing is held to the same rules as a member's; an offer in a thread
    about another city's listing is only checked for shape, since that city checks its stock.
    """
    if offer.quantity is None or not offer.quantity.isdigit() or int(offer.quantity) < 1:
        raise DomainError("invalid_offer", "the offer names no quantity", 400)
    quantity = int(offer.quantity)
    message = sanitize_html(offer.content[:MAX_REMOTE_MESSAGE]) if offer.content is not None else ""
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
    return Terms(
        quantity,
        listings.parse_price(offer.price, listing.scale),
        offer.goods.strip()[: offers.MAX_GOODS],
        message,
        expires,
    )


def receive_offer(session: Session, city: City, sender: RemoteActor, inbound: InboundOffer) -> None:
    """A remote party makes an offer: a first one opens a thread, a later one counters.

    A first offer comes from someone other than the listing's author, on one of our listings;
    a later one comes from a party of the thread, in a thread that holds offers. A refusal is
    sent back as the listing's author when the listing is ours (the buyer sees the seller
    decline), else as the city.
    """
    if offers.by_uri(session, inbound.id) is not None:
        return  # a repeated delivery
    context, listing_uri = inbound.context, inbound.listing_uri
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
            uri=inbound.id,
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
        refuse(
            session, city, sender, inbound.id, refusal.message, as_actor=as_actor, context=context
        )


def _author_name(session: Session, listing: Listing) -> str:
    author = session.get(Member, listing.member_id)
    assert author is not None
    return author.username


def _offer_and_side(
    session: Session, offer_uri: str, sender: RemoteActor, *, city_may_answer: bool = False
) -> tuple[Offer, Negotiation, Side] | None:
    """The offer, its thread, and the sender's side (or, when allowed, its city's side)."""
    offer = offers.by_uri(session, offer_uri)
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


def receive_acceptance(
    session: Session,
    city: City,
    sender: RemoteActor,
    offer_uri: str,
    accept_uri: str,
    agreement_uri: str | None,
) -> None:
    """A remote party accepts an offer made to it: the agreement it mints is recorded.

    Only the party that did not make the offer may accept it, and the agreement's id must be on
    the sender's host (the sender names it, so it must not name one of ours or someone else's).
    When the agreement sells out our listing, the listing closes as the seller closing it would.
    """
    if agreements.by_accept(session, accept_uri) is not None:
        return  # a repeated delivery
    found = _offer_and_side(session, offer_uri, sender)
    if found is None:
        log.info("Accept %s from %s, who is not a party of the thread", accept_uri, sender.uri)
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
            accept_uri=accept_uri,
            public_id=new_public_id(),
        )
    except DomainError as refusal:
        refuse(
            session,
            city,
            sender,
            accept_uri,
            refusal.message,
            as_actor=actor_uri(city, mine) if mine.is_local else None,
            context=negotiation.context,
        )
        return
    if closed and mine.member is not None:
        listing = session.get(Listing, negotiation.listing_id)
        assert listing is not None
        close_listing(session, city, listing, mine.member)


def receive_rejection(session: Session, sender: RemoteActor, offer_uri: str, reason: str) -> None:
    """A remote party rejects an offer made to it (or its city does, on its behalf).

    Nothing is answered: a late or repeated Reject, or one for an offer already superseded,
    changes nothing, and one from someone with no say in the thread is ignored.
    """
    found = _offer_and_side(session, offer_uri, sender, city_may_answer=True)
    if found is None:
        return
    offer, negotiation, side = found
    try:
        offers.reject(session, negotiation, offer, side, reason)
    except DomainError:
        pass  # already answered, or superseded: a late or repeated Reject changes nothing


def receive_cancellation(
    session: Session, sender: RemoteActor, accept_uri: str, reason: str
) -> None:
    """The remote party, or its city, refuses our Accept: the agreement is cancelled.

    Their city may refuse on its own (its stock ran out, say), so any sender on the remote
    party's host may; a Reject of our Accept from any other host changes nothing.
    """
    agreement = agreements.by_accept(session, accept_uri)
    assert agreement is not None
    negotiation = session.get(Negotiation, agreement.negotiation_id)
    assert negotiation is not None
    them = negotiations.party(
        session, negotiation, Side.seller if negotiation.buyer_member_id else Side.buyer
    )
    if them.actor is not None and them.actor.domain == sender.domain:
        agreements.cancel(session, agreement, reason)


def receive_withdrawal(session: Session, sender: RemoteActor, offer_uri: str) -> None:
    """A remote party withdraws (Undo) an offer it made, while it is still open.

    An Undo from anyone but the proposer, or of an offer no longer open, changes nothing.
    """
    found = _offer_and_side(session, offer_uri, sender)
    if found is None:
        return
    offer, negotiation, side = found
    try:
        offers.withdraw(session, negotiation, offer, side)
    except DomainError:
        pass  # not theirs, or no longer open: nothing to undo


def receive_message(session: Session, city: City, sender: RemoteActor, note: InboundNote) -> None:
    """A remote party writes in a thread, or an account that knows no offers writes to a seller.

    A note in one of our threads is kept when its author is a party of it. A direct reply to one
    of our listings (a Mastodon user's, say) joins that account's open thread of messages on
    the listing, or opens one; a listing that takes no new threads leaves it unanswered. The
    inbox decided the note is such a message (inbox/classify.py); a repeated delivery changes
    nothing.
    """
    known = select(NegotiationMessage.id).where(NegotiationMessage.uri == note.id)
    if session.scalar(known) is not None:
        return  # a repeated delivery
    found = negotiations.answered_by(session, note.context, note.in_reply_to)
    if found is None:
        return
    negotiation: Negotiation | None
    if isinstance(found, Negotiation):
        negotiation = found
        side = negotiations.side_of_actor(negotiation, sender)
        if side is None:
            return
    else:
        listing = found
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
    content = sanitize_html(note.content[:MAX_REMOTE_MESSAGE])
    negotiations.add_message(
        session, negotiation, side, note.id, content, now=note.published or utcnow()
    )
