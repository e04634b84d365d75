"""What a remote party does in a negotiation: offers, accepts, rejects, withdraws, writes.

The inbox parses an activity and fetches its sender before the transaction; these run inside
it. Each is idempotent: a second delivery of the same activity changes nothing (offers and
agreements are found by their ids first). What the rules refuse is answered with a Reject
naming the refused activity and the reason, and nothing else is stored.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange import (
    agreement_quotes,
    agreements,
    direct_messages,
    listings,
    negotiations,
    offers,
    rule_terms,
)
from exchange.agreement_quotes import ClaimedQuote
from exchange.errors import DomainError
from exchange.negotiations import other
from exchange.offers import Terms
from federation.authorship import same_origin
from federation.inbound_note import InboundNote
from federation.inbound_offer import InboundOffer, InboundQuote
from instance.amounts import AmountError, parse_amount
from instance.city import City
from instance.html import sanitize_html
from models import (
    Agreement,
    ExchangeRule,
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
from outbox.negotiation_activities import (
    actor_uri,
)

from .negotiations import close_listing, refuse, reserved, schedule_expiry

log = logging.getLogger("comptoir.services.remote_negotiation")

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
        # a refusal by the offer rules (no exchange rule, say) leaves no thread behind
        with session.begin_nested():
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
    quote: InboundQuote | None = None,
) -> None:
    """A remote party accepts an offer made to it: the agreement it mints is recorded.

    Across cities the Accept carries the quote it fixed (rule version, both amounts); ours,
    fixed with the rule in force here, must be the same, or the Accept is refused and
    nothing of it is kept.

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
        with session.begin_nested():  # a quote that differs undoes the acceptance
            agreement, closed = offers.accept(
                session,
                negotiation,
                offer,
                side,
                agreement_uri=agreement_uri,
                accept_uri=accept_uri,
                public_id=new_public_id(),
            )
            agreement_quotes.check(agreement, _claimed(session, agreement, quote))
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
    listing = session.get(Listing, negotiation.listing_id)
    assert listing is not None
    if mine.member is not None and listing.is_local and listing.member_id == mine.member.id:
        if closed:
            close_listing(session, city, listing, mine.member)
        else:
            reserved(session, city, listing, mine.member)


def _claimed(
    session: Session, agreement: Agreement, quote: InboundQuote | None
) -> ClaimedQuote | None:
    """The Accept's quote in minor units, read at the scales of the rule we fixed ours with
    (None when absent or unreadable: then it cannot match)."""
    if quote is None or agreement.rule_id is None:
        return None
    rule = session.get(ExchangeRule, agreement.rule_id)
    listing = session.get(Listing, agreement.listing_id)
    assert rule is not None and listing is not None
    buyer_scale = rule_terms.scale_of(rule, quote.buyer_currency)
    try:
        seller = parse_amount(quote.seller_amount, listing.scale, allow_zero=True)
        buyer = parse_amount(quote.buyer_amount, buyer_scale, allow_zero=True)
    except AmountError:
        return None
    return ClaimedQuote(
        quote.rule_uri,
        quote.rule_hash,
        seller,
        quote.seller_currency,
        buyer,
        quote.buyer_currency,
    )


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


def receive_message(
    session: Session,
    city: City,
    sender: RemoteActor,
    note: InboundNote,
    *,
    knows_offers: bool = False,
) -> None:
    """A remote party writes in a thread, or an account that knows no offers writes to a seller.

    A note in one of our threads is kept when its author is a party of it. A direct reply to one
    of our listings (a Mastodon user's, say) joins that account's open thread of messages on
    the listing, or opens one; a listing that takes no new threads leaves it unanswered. The
    inbox decided the note is such a message (inbox/classify.py); a repeated delivery changes
    nothing.

    A Comptoir city's member asking a question before any offer (`knows_offers`: the sender's
    city publishes a currency) sends a direct reply to the listing carrying its own thread's
    `context`: that opens a thread of offers under the same `context`, so the offers that
    follow land in it.
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
        their_thread = knows_offers and note.context and same_origin(note.context, sender.uri)
        negotiation = None if their_thread else negotiations.open_with(session, listing, sender)
        if negotiation is None:
            thread_id = new_public_id()
            try:
                negotiation = negotiations.open_thread(
                    session,
                    listing,
                    context=note.context
                    if their_thread and note.context
                    else city.urls.negotiation(thread_id),
                    public_id=thread_id,
                    kind=NegotiationKind.offers if their_thread else NegotiationKind.messages,
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


def from_direct_message(
    session: Session, city: City, member: Member, actor_id: int, listing: Listing
) -> Negotiation:
    """The member turns a direct message that names one of their listings into a negotiation
    with its author: the account's open thread of messages on it (or a new one), with that
    message as its first. From then on it is the thread a direct reply to the listing would
    have opened: the member's answers are direct Notes in reply (services.negotiations)."""
    if listing.member_id != member.id:
        raise DomainError("not_found", "listing not found", 404)
    note = direct_messages.message_naming(session, member, actor_id, listing, city.urls.listing)
    sender = session.get_one(RemoteActor, actor_id)
    negotiation = negotiations.open_with(session, listing, sender)
    if negotiation is None:
        thread_id = new_public_id()
        negotiation = negotiations.open_thread(
            session,
            listing,
            context=city.urls.negotiation(thread_id),
            public_id=thread_id,
            kind=NegotiationKind.messages,
            buyer_actor=sender,
        )
        session.flush()
    negotiations.add_message(
        session, negotiation, Side.buyer, note.uri, note.content, now=note.published
    )
    return negotiation
