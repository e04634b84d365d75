"""Negotiation threads: who the two parties are, messages, and the state graph a thread moves along.

A thread links a listing and two parties. The *seller* is the listing's author (for a
request, the author is the one who pays: "seller" names the side, not the direction of the
money); the *buyer* is whoever answered it. Either party is one of our members or a remote
actor. Offers, agreements and closing the threads of an ended listing are exchange/offers.py's;
they move a thread's state through `GRAPH`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session

from models import (
    Agreement,
    Listing,
    Member,
    MemberStatus,
    Negotiation,
    NegotiationKind,
    NegotiationMessage,
    NegotiationState,
    NotificationKind,
    Offer,
    RemoteActor,
    Side,
    utcnow,
)

from . import listings
from .errors import DomainError, NotFound
from .notifications import notify
from .state_graph import StateGraph

MAX_MESSAGE = 5000

N = NegotiationState
#: a thread is open until an offer in it is accepted, rejected, withdrawn or expires, or its
#: listing ends (closed); an agreement the seller's city refused reopens it, or ends it as
#: rejected when no newer offer is open (exchange.agreements.cancel)
GRAPH = StateGraph(
    "negotiation",
    NegotiationState,
    {
        N.open: {N.agreed, N.rejected, N.withdrawn, N.expired, N.closed},
        N.agreed: {N.open, N.rejected},
        N.rejected: set(),
        N.withdrawn: set(),
        N.expired: set(),
        N.closed: set(),
    },
)


@dataclass(frozen=True)
class Party:
    side: Side
    member: Member | None = None
    actor: RemoteActor | None = None

    @property
    def is_local(self) -> bool:
        return self.member is not None

    @property
    def name(self) -> str:
        if self.member is not None:
            return f"@{self.member.username}"
        return f"@{self.actor.handle}" if self.actor is not None else "someone"


def other(side: Side) -> Side:
    return Side.seller if side is Side.buyer else Side.buyer


def party(session: Session, negotiation: Negotiation, side: Side) -> Party:
    member_id = negotiation.buyer_member_id if side is Side.buyer else negotiation.seller_member_id
    actor_id = negotiation.buyer_actor_id if side is Side.buyer else negotiation.seller_actor_id
    if member_id is not None:
        return Party(side, member=session.get(Member, member_id))
    return Party(side, actor=session.get(RemoteActor, actor_id) if actor_id is not None else None)


def side_of_member(negotiation: Negotiation, member: Member) -> Side | None:
    if negotiation.buyer_member_id == member.id:
        return Side.buyer
    if negotiation.seller_member_id == member.id:
        return Side.seller
    return None


def side_of_actor(negotiation: Negotiation, actor: RemoteActor) -> Side | None:
    if negotiation.buyer_actor_id == actor.id:
        return Side.buyer
    if negotiation.seller_actor_id == actor.id:
        return Side.seller
    return None


def tell(
    session: Session,
    negotiation: Negotiation,
    side: Side,
    kind: NotificationKind,
    code: str,
    params: dict[str, Any] | None = None,
) -> None:
    """Notify that side of the thread, if it is one of our members (a code of
    instance.notification_texts and its parameters)."""
    member_id = negotiation.buyer_member_id if side is Side.buyer else negotiation.seller_member_id
    if member_id is not None:
        notify(
            session,
            member_id,
            kind,
            code=code,
            params=params,
            listing_id=negotiation.listing_id,
            negotiation_id=negotiation.id,
        )


# ---------------------------------------------------------------------- finding threads


#: a thread by its public id: built once (every action on a thread, payments first, reads it)
_BY_PUBLIC_ID = select(Negotiation).where(Negotiation.public_id == bindparam("public_id"))


def find(session: Session, public_id: str) -> Negotiation:
    negotiation = session.scalar(_BY_PUBLIC_ID, {"public_id": public_id})
    if negotiation is None:
        raise NotFound(f"negotiation {public_id!r}")
    return negotiation


def of_member(session: Session, member: Member, public_id: str) -> tuple[Negotiation, Side]:
    """A thread the member takes part in, and their side; 404 for anyone else."""
    negotiation = find(session, public_id)
    side = side_of_member(negotiation, member)
    if side is None:
        raise NotFound(f"negotiation {public_id!r}")
    return negotiation, side


def by_context(session: Session, context: str) -> Negotiation | None:
    return session.scalar(select(Negotiation).where(Negotiation.context == context))


def answered_by(
    session: Session, context: str | None, in_reply_to: str | None
) -> Negotiation | Listing | None:
    """What of ours a remote note answers: a thread (by its `context`, or a message of it that
    the note replies to), or one of our own listings it replies to; None for anything else.
    """
    if context and (negotiation := by_context(session, context)) is not None:
        return negotiation
    if not in_reply_to:
        return None
    message = session.scalar(
        select(NegotiationMessage).where(NegotiationMessage.uri == in_reply_to)
    )
    if message is not None:
        thread = session.get(Negotiation, message.negotiation_id)
        assert thread is not None
        return thread
    listing = listings.by_uri(session, in_reply_to)
    return listing if listing is not None and listing.is_local else None


def threads_of(
    session: Session, member: Member, *, limit: int = 50, before: int | None = None
) -> list[Negotiation]:
    query = select(Negotiation).where(
        or_(Negotiation.buyer_member_id == member.id, Negotiation.seller_member_id == member.id)
    )
    if before is not None:
        query = query.where(Negotiation.id < before)
    return list(session.scalars(query.order_by(Negotiation.id.desc()).limit(limit)))


@dataclass
class Thread:
    negotiation: Negotiation
    listing: Listing
    buyer: Party
    seller: Party
    offers: list[Offer]
    messages: list[NegotiationMessage]
    agreement: Agreement | None


def thread(session: Session, negotiation: Negotiation) -> Thread:
    offers = list(
        session.scalars(
            select(Offer).where(Offer.negotiation_id == negotiation.id).order_by(Offer.id)
        )
    )
    messages = list(
        session.scalars(
            select(NegotiationMessage)
            .where(NegotiationMessage.negotiation_id == negotiation.id)
            .order_by(NegotiationMessage.id)
        )
    )
    agreement = session.scalar(
        select(Agreement)
        .where(Agreement.negotiation_id == negotiation.id)
        .order_by(Agreement.id.desc())
        .limit(1)
    )
    listing = session.get(Listing, negotiation.listing_id)
    assert listing is not None
    return Thread(
        negotiation,
        listing,
        party(session, negotiation, Side.buyer),
        party(session, negotiation, Side.seller),
        offers,
        messages,
        agreement,
    )


# ---------------------------------------------------------------------- opening, messages, ending


def open_thread(
    session: Session,
    listing: Listing,
    *,
    context: str,
    public_id: str,
    kind: NegotiationKind = NegotiationKind.offers,
    buyer_member: Member | None = None,
    buyer_actor: RemoteActor | None = None,
    now: datetime | None = None,
) -> Negotiation:
    """A new thread on an open listing, by someone other than its author."""
    if not listing.is_open:
        raise DomainError(
            "listing_not_open",
            f"the listing is {listing.state.value}: it takes no offers",
            409,
            {"state": listing.state.value},
        )
    if listing.hidden_at is not None:
        raise DomainError(
            "listing_not_open", "the listing is hidden by this city's moderators", 409
        )
    if buyer_member is not None:
        if buyer_member.status is not MemberStatus.active:
            raise DomainError("suspended", "only active members can make offers", 403)
        if listing.member_id == buyer_member.id:
            raise DomainError("own_listing", "you cannot negotiate on your own listing", 409)
    elif buyer_actor is not None:
        if buyer_actor.suspended_at is not None or buyer_actor.deleted_at is not None:
            raise DomainError("suspended", f"{buyer_actor.handle} may not negotiate here", 403)
        if listing.remote_actor_id == buyer_actor.id:
            raise DomainError("own_listing", "an author cannot negotiate on their own listing", 409)
    else:
        raise ValueError("a thread needs a buyer")
    moment = now or utcnow()
    negotiation = Negotiation(
        public_id=public_id,
        context=context,
        listing_id=listing.id,
        kind=kind,
        buyer_member_id=buyer_member.id if buyer_member else None,
        buyer_actor_id=buyer_actor.id if buyer_actor else None,
        seller_member_id=listing.member_id,
        seller_actor_id=listing.remote_actor_id,
        state=NegotiationState.open,
        created_at=moment,
        updated_at=moment,
    )
    session.add(negotiation)
    session.flush()
    return negotiation


def open_with(session: Session, listing: Listing, actor: RemoteActor) -> Negotiation | None:
    """The remote actor's thread on this listing still open, if any (a direct message joins it)."""
    return session.scalar(
        select(Negotiation)
        .where(
            Negotiation.listing_id == listing.id,
            Negotiation.buyer_actor_id == actor.id,
            Negotiation.state == NegotiationState.open,
        )
        .order_by(Negotiation.id.desc())
        .limit(1)
    )


def open_of_member(session: Session, listing: Listing, member: Member) -> Negotiation | None:
    """The member's thread on this listing still open, if any: a second question joins it
    instead of opening a twin thread."""
    return session.scalar(
        select(Negotiation)
        .where(
            Negotiation.listing_id == listing.id,
            Negotiation.buyer_member_id == member.id,
            Negotiation.state == NegotiationState.open,
        )
        .order_by(Negotiation.id.desc())
        .limit(1)
    )


def add_message(
    session: Session,
    negotiation: Negotiation,
    author: Side,
    uri: str,
    content: str,
    *,
    now: datetime | None = None,
) -> NegotiationMessage | None:
    """Store a message (sanitized HTML); None when this id is already stored (a repeated
    delivery).
    """
    if (
        session.scalar(select(NegotiationMessage.id).where(NegotiationMessage.uri == uri))
        is not None
    ):
        return None
    moment = now or utcnow()
    if moment <= negotiation.updated_at:
        # a remote note's `published` has whole seconds, so it may read earlier than what the
        # thread already holds though it came after: a thread keeps the order things arrived
        # in (the Mastodon conversation and its unread mark read it), a microsecond apart
        moment = negotiation.updated_at + timedelta(microseconds=1)
    message = NegotiationMessage(
        uri=uri, negotiation_id=negotiation.id, author=author, content=content, created_at=moment
    )
    session.add(message)
    negotiation.updated_at = moment
    writer = party(session, negotiation, author)
    tell(
        session,
        negotiation,
        other(author),
        NotificationKind.message,
        "message",
        {"who": writer.name},
    )
    session.flush()
    return message


def last_message_from(
    session: Session, negotiation: Negotiation, author: Side
) -> NegotiationMessage | None:
    return session.scalar(
        select(NegotiationMessage)
        .where(
            NegotiationMessage.negotiation_id == negotiation.id, NegotiationMessage.author == author
        )
        .order_by(NegotiationMessage.id.desc())
        .limit(1)
    )


def count_open(session: Session, listing: Listing) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Negotiation)
            .where(Negotiation.listing_id == listing.id, Negotiation.state == NegotiationState.open)
        )
        or 0
    )
