"""A member's negotiation threads as a list of conversations: newest activity first, with
what the member read and removed (models/conversation_mark.py).

The Mastodon API shows each thread as a direct conversation with the counterpart; this module
is the reading and marking, with no word of Mastodon in it. The list is ordered by the
thread's `updated_at` (every offer, answer and message moves it) and paged by thread id:
the page after thread N holds the threads that come after N in that order, read from N's
own `updated_at` (a keyset on `(updated_at, id)`), so no thread is lost or repeated while
pages are read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from models import (
    ConversationMark,
    Member,
    Negotiation,
    NegotiationMessage,
    Offer,
    Side,
)

from .errors import NotFound
from .negotiations import side_of_member
from .statuses import MAX_LIMIT, Paging


@dataclass(frozen=True)
class Item:
    """One thing said in a thread: an offer (or counter-offer) or a message."""

    offer: Offer | None
    message: NegotiationMessage | None

    @property
    def author(self) -> Side:
        if self.offer is not None:
            return self.offer.proposer
        assert self.message is not None
        return self.message.author

    @property
    def created_at(self) -> datetime:
        row = self.offer or self.message
        assert row is not None
        return row.created_at


@dataclass(frozen=True)
class Conversation:
    negotiation: Negotiation
    side: Side
    items: list[Item]
    mark: ConversationMark | None

    @property
    def last(self) -> Item | None:
        return self.items[-1] if self.items else None

    @property
    def unread(self) -> bool:
        """The other party said something the member has not read."""
        last = next((i for i in reversed(self.items) if i.author is not self.side), None)
        if last is None:
            return False
        read_at = self.mark.read_at if self.mark is not None else None
        return read_at is None or last.created_at > read_at


def _mine(member: Member) -> ColumnElement[bool]:
    return or_(Negotiation.buyer_member_id == member.id, Negotiation.seller_member_id == member.id)


@dataclass(frozen=True)
class Anchor:
    """A place in a list of conversations of several kinds, newest first: by activity time,
    then by kind (`rank`: a negotiation is 0; a list merging other conversations gives
    them other ranks), then by id."""

    at: datetime
    rank: int
    id: int


RANK = 0


def anchor(negotiation: Negotiation) -> Anchor:
    return Anchor(negotiation.updated_at, RANK, negotiation.id)


def _after(bound: Anchor, *, newer: bool) -> object:
    """Threads that come before (newer) or after (older) `bound` in the list's order."""
    if newer:
        tie = true() if RANK > bound.rank else Negotiation.id > bound.id
        if RANK < bound.rank:
            tie = false()
        return or_(Negotiation.updated_at > bound.at, and_(Negotiation.updated_at == bound.at, tie))
    tie = true() if RANK < bound.rank else Negotiation.id < bound.id
    if RANK > bound.rank:
        tie = false()
    return or_(Negotiation.updated_at < bound.at, and_(Negotiation.updated_at == bound.at, tie))


def page(session: Session, member: Member, paging: Paging) -> list[Conversation]:
    """One page of the member's conversations, newest activity first, paged by thread id;
    removed ones are left out until something newer happens in them."""

    def bound(nid: int | None) -> Anchor | None:
        found = session.get(Negotiation, nid) if nid is not None else None
        return anchor(found) if found is not None else None

    return page_between(
        session,
        member,
        paging.limit,
        older_than=bound(paging.max_id),
        newer_than=bound(paging.since_id),
        just_above=bound(paging.min_id),
    )


def page_between(
    session: Session,
    member: Member,
    limit: int,
    *,
    older_than: Anchor | None = None,
    newer_than: Anchor | None = None,
    just_above: Anchor | None = None,
) -> list[Conversation]:
    """One page between anchors (`just_above`: the page right above it, as `min_id`)."""
    limit = max(1, min(limit, MAX_LIMIT))
    mark = ConversationMark
    query = (
        select(Negotiation)
        .outerjoin(mark, and_(mark.negotiation_id == Negotiation.id, mark.member_id == member.id))
        .where(_mine(member))
        .where(or_(mark.removed_at.is_(None), Negotiation.updated_at > mark.removed_at))
    )
    for bound, newer in ((older_than, False), (newer_than, True), (just_above, True)):
        if bound is not None:
            query = query.where(_after(bound, newer=newer))  # type: ignore[arg-type]
    newest_first = (Negotiation.updated_at.desc(), Negotiation.id.desc())
    if just_above is not None:  # the page just above it: read upwards, shown newest first
        found = list(
            session.scalars(
                query.order_by(Negotiation.updated_at.asc(), Negotiation.id.asc()).limit(limit)
            )
        )
        found.reverse()
    else:
        found = list(session.scalars(query.order_by(*newest_first).limit(limit)))
    return [conversation(session, member, n) for n in found]


def active_since(session: Session, member: Member, after: datetime) -> list[Conversation]:
    """The member's threads with activity after `after`, oldest activity first (the
    `direct` stream sends each as a `conversation` event)."""
    found = session.scalars(
        select(Negotiation)
        .where(_mine(member), Negotiation.updated_at > after)
        .order_by(Negotiation.updated_at, Negotiation.id)
        .limit(MAX_LIMIT)
    )
    return [conversation(session, member, n) for n in found]


def latest_activity(session: Session, member: Member) -> datetime | None:
    """When the member's most recently active thread last moved (None: no thread yet)."""
    latest: datetime | None = session.scalar(
        select(func.max(Negotiation.updated_at)).where(_mine(member))
    )
    return latest


def conversation(session: Session, member: Member, negotiation: Negotiation) -> Conversation:
    side = side_of_member(negotiation, member)
    if side is None:
        raise NotFound("record")
    return Conversation(
        negotiation, side, items(session, negotiation), _mark(session, member, negotiation)
    )


def items(session: Session, negotiation: Negotiation) -> list[Item]:
    """Offers and messages of the thread, oldest first."""
    offers = session.scalars(select(Offer).where(Offer.negotiation_id == negotiation.id))
    messages = session.scalars(
        select(NegotiationMessage).where(NegotiationMessage.negotiation_id == negotiation.id)
    )
    found = [Item(o, None) for o in offers] + [Item(None, m) for m in messages]
    return sorted(found, key=lambda i: (i.created_at, 0 if i.offer is not None else 1))


def find(session: Session, member: Member, negotiation_id: int) -> Negotiation:
    """A thread of the member's, by row id; anyone else's is unknown (404)."""
    negotiation = session.get(Negotiation, negotiation_id)
    if negotiation is None or side_of_member(negotiation, member) is None:
        raise NotFound("record")
    return negotiation


def _mark(session: Session, member: Member, negotiation: Negotiation) -> ConversationMark | None:
    return session.scalar(
        select(ConversationMark).where(
            ConversationMark.member_id == member.id,
            ConversationMark.negotiation_id == negotiation.id,
        )
    )


def _marked(session: Session, member: Member, negotiation: Negotiation) -> ConversationMark:
    mark = _mark(session, member, negotiation)
    if mark is None:
        mark = ConversationMark(member_id=member.id, negotiation_id=negotiation.id)
        session.add(mark)
    return mark


def mark_read(session: Session, member: Member, negotiation: Negotiation) -> None:
    """Everything in the thread so far is read."""
    _marked(session, member, negotiation).read_at = negotiation.updated_at
    session.flush()


def remove(session: Session, member: Member, negotiation: Negotiation) -> None:
    """Out of the member's list until something newer happens; the thread itself stays."""
    mark = _marked(session, member, negotiation)
    mark.removed_at = negotiation.updated_at
    mark.read_at = negotiation.updated_at
    session.flush()
