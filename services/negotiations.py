"""What our members do in a negotiation: offer, counter, accept, reject, withdraw, write.

Each action changes rows through exchange/ and, when the other party is remote, publishes
the FEP-0837 activity (rendered by outbox.negotiation_activities) to that party only, in the
caller's transaction: an Offer, an Accept with the agreement, a Reject, an Undo, or a direct
Note with the thread's `context`. For a thread opened by a plain fediverse account (a
Mastodon user's direct reply to a listing), messages mention that account and reply to its
last note, so they read as direct messages. Between two of our members nothing federates.
What remote parties do is services.remote_negotiation.
"""

from __future__ import annotations

import html
import logging
from typing import Any

from sqlalchemy.orm import Session

from exchange import negotiations, offers
from exchange.errors import DomainError
from exchange.negotiations import Party, other
from exchange.offers import Ended, Terms
from instance import queue
from instance.city import City
from instance.html import text_to_html
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
)
from outbox import render
from outbox.listings import federate_delete, federate_update
from outbox.negotiation_activities import (
    actor_uri,
    render_accept,
    render_offer,
    render_undo,
)
from outbox.publish import Audience, publish

log = logging.getLogger("comptoir.services.negotiations")

#: job kind: expire one offer when its time comes (instance/market_jobs.py)
OFFER_EXPIRY = "offer.expire"


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


# ---------------------------------------------------------------------- a member's actions


def _parties(session: Session, negotiation: Negotiation, side: Side) -> tuple[Party, Party]:
    """Me and the other party; refused while the other party's account is suspended here
    (the thread is kept as it was, and frozen until the suspension is lifted)."""
    me, them = (
        negotiations.party(session, negotiation, side),
        negotiations.party(session, negotiation, other(side)),
    )
    if them.actor is not None and them.actor.suspended_at is not None:
        raise DomainError(
            "account_suspended",
            "the other party's account is suspended here: the negotiation is on hold",
            409,
        )
    return me, them


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
    """Make an offer on a listing: in the member's open thread on it (where they asked a
    question, say), answering its open offer if any, or in a new thread."""
    negotiation = negotiations.open_of_member(session, listing, member)
    if negotiation is not None:
        answered = offers.open_offer(session, negotiation)
        return negotiation, counter(session, city, member, negotiation, terms, answered)
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


def ask(session: Session, city: City, member: Member, listing: Listing, text: str) -> Negotiation:
    """A question (or any word) about a listing before any offer: the member's open thread
    on it, or a new one holding only this message. An offer can follow in the same thread.
    When the seller lives in another city, the message is a direct Note replying to the
    listing with the thread's `context`, so that city opens the same thread (docs/FEDERATION.md).
    """
    negotiation = negotiations.open_of_member(session, listing, member)
    if negotiation is None:
        thread_id = new_public_id()
        negotiation = negotiations.open_thread(
            session,
            listing,
            context=city.urls.negotiation(thread_id),
            public_id=thread_id,
            buyer_member=member,
        )
    send_message(session, city, member, negotiation, text)
    return negotiation


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
    rule = session.get(ExchangeRule, agreement.rule_id) if agreement.rule_id else None
    _send(
        session,
        city,
        render_accept(city, negotiation, offer, agreement, listing, me, them, rule),
        them,
    )
    if listing.is_local:
        seller = session.get(Member, listing.member_id)
        assert seller is not None
        if closed:
            close_listing(session, city, listing, seller)
        else:
            reserved(session, city, listing, seller)
    return agreement


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
    _send(session, city, render_undo(city, negotiation, offer, me, them), them)


def send_message(
    session: Session, city: City, member: Member, negotiation: Negotiation, text: str
) -> NegotiationMessage:
    side = _side(negotiation, member)
    if not text.strip():
        raise DomainError("empty_message", "a message needs some text", 400)
    if len(text) > negotiations.MAX_MESSAGE:
        raise DomainError(
            "too_long",
            f"a message is at most {negotiations.MAX_MESSAGE} characters",
            400,
            {"limit": negotiations.MAX_MESSAGE},
        )
    return write_message(session, city, negotiation, side, text_to_html(text))


def write_message(
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
        else:
            # the first word to the other party answers the listing: its city finds (or
            # opens) the thread from it, even before any offer
            listing = session.get(Listing, negotiation.listing_id)
            assert listing is not None
            note["inReplyTo"] = listing.uri
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


def reserved(session: Session, city: City, listing: Listing, author: Member) -> None:
    """An agreement took part of our listing: every copy learns what is left (an Update)."""
    federate_update(session, city, listing, author)


def close_listing(session: Session, city: City, listing: Listing, author: Member) -> None:
    """Our listing sold out through an agreement: its Delete goes out and its other threads end."""
    federate_delete(session, city, listing, author)
    tell_closed(session, city, listing, offers.close_for_listing(session, listing))


def tell_closed(session: Session, city: City, listing: Listing, ended: list[Ended]) -> None:
    """Tell remote buyers whose threads closed with the listing: their open offer is rejected, ours
    withdrawn, and a plain fediverse account gets a direct message."""
    for item in ended:
        negotiation = item.negotiation
        seller = negotiations.party(session, negotiation, Side.seller)
        buyer = negotiations.party(session, negotiation, Side.buyer)
        if buyer.actor is None:
            continue  # (a suspended buyer's thread closes too; publish sends it nothing)
        if negotiation.kind is NegotiationKind.messages:
            write_message(
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
            document = render_undo(city, negotiation, offer, seller, buyer)
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
