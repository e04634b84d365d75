"""A member's direct messages with each remote account, or with each other member of the
city, as one conversation, for the list of conversations apps show (`/api/v1/conversations`),
next to the negotiation threads.

The messages are `direct_messages` rows (exchange/direct_messages.py: the other party's
direct note to the member, the member's direct note to them), outside any negotiation. A
conversation's activity is its latest message still shown (not deleted, not hidden); it is
unread when the account wrote after the member last read it, and a removed conversation
comes back when a newer message arrives, as on Mastodon. Read and removed are the member's
`conversation_marks` row for that party (the same two timestamps as a negotiation's:
models/conversation_mark.py), against the latest message's `created_at`.

Functions over a session; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import ConversationMark, DirectMessage, Member, Note, RemoteActor

from .errors import NotFound


@dataclass(frozen=True)
class Party:
    """The other party of a conversation: a remote account's row id, or a member's."""

    actor_id: int | None = None
    member_id: int | None = None


@dataclass(frozen=True)
class DirectConversation:
    who: RemoteActor | Member
    last: Note
    #: when the latest message was stored (the conversation's place in the list)
    last_at: datetime
    #: when the account last wrote to the member (None: only the member wrote)
    last_inbound_at: datetime | None
    mark: ConversationMark | None

    @property
    def party(self) -> Party:
        if isinstance(self.who, RemoteActor):
            return Party(actor_id=self.who.id)
        return Party(member_id=self.who.id)

    @property
    def unread(self) -> bool:
        if self.last_inbound_at is None:
            return False
        read_at = self.mark.read_at if self.mark is not None else None
        return read_at is None or self.last_inbound_at > read_at

    @property
    def removed(self) -> bool:
        removed_at = self.mark.removed_at if self.mark is not None else None
        return removed_at is not None and self.last_at <= removed_at


def _shown() -> list[object]:
    return [Note.deleted_at.is_(None), Note.hidden_at.is_(None)]


def of_member(
    session: Session, member: Member, party: Party | None = None
) -> list[DirectConversation]:
    """The member's conversations (or the one with `party`) that have a message still
    shown, removed ones included (the caller leaves them out of lists); suspended
    accounts' left out."""
    pair = (DirectMessage.remote_actor_id, DirectMessage.peer_member_id)
    mine = [DirectMessage.member_id == member.id, *_shown()]
    if party is not None:
        mine += [
            DirectMessage.remote_actor_id == party.actor_id
            if party.actor_id is not None
            else DirectMessage.remote_actor_id.is_(None),
            DirectMessage.peer_member_id == party.member_id
            if party.member_id is not None
            else DirectMessage.peer_member_id.is_(None),
        ]
    latest = (
        select(*pair, func.max(DirectMessage.id).label("last_id"))
        .join(Note, Note.id == DirectMessage.note_id)
        .where(*mine)  # type: ignore[arg-type]
        .group_by(*pair)
        .subquery()
    )
    inbound = (
        select(*pair, func.max(DirectMessage.created_at))
        .join(Note, Note.id == DirectMessage.note_id)
        .where(*mine, DirectMessage.inbound.is_(True))  # type: ignore[arg-type]
        .group_by(*pair)
    )
    rows = session.execute(
        select(DirectMessage, Note)
        .join(latest, latest.c.last_id == DirectMessage.id)
        .join(Note, Note.id == DirectMessage.note_id)
    ).all()
    inbound_at = {(a, m): at for a, m, at in session.execute(inbound)}
    marks = {
        (m.remote_actor_id, m.peer_member_id): m
        for m in session.scalars(
            select(ConversationMark).where(
                ConversationMark.member_id == member.id,
                ConversationMark.negotiation_id.is_(None),
            )
        )
    }
    found: list[DirectConversation] = []
    for row, note in rows:
        key = (row.remote_actor_id, row.peer_member_id)
        who: RemoteActor | Member | None
        if row.remote_actor_id is not None:
            who = session.get(RemoteActor, row.remote_actor_id)
            if who is not None and who.suspended_at is not None:
                continue
        else:
            who = session.get(Member, row.peer_member_id)
        if who is not None:
            found.append(
                DirectConversation(who, note, row.created_at, inbound_at.get(key), marks.get(key))
            )
    return found


def find(session: Session, member: Member, party: Party) -> DirectConversation:
    """The member's conversation with that party; NotFound when they exchanged no message
    still shown."""
    found = of_member(session, member, party)
    if not found:
        raise NotFound("record")
    return found[0]


def _marked(session: Session, member: Member, party: Party) -> ConversationMark:
    which = (
        ConversationMark.remote_actor_id == party.actor_id
        if party.actor_id is not None
        else ConversationMark.peer_member_id == party.member_id
    )
    mark = session.scalar(
        select(ConversationMark).where(ConversationMark.member_id == member.id, which)
    )
    if mark is None:
        mark = ConversationMark(
            member_id=member.id, remote_actor_id=party.actor_id, peer_member_id=party.member_id
        )
        session.add(mark)
    return mark


def mark_read(session: Session, member: Member, found: DirectConversation) -> DirectConversation:
    """Everything in the conversation so far is read."""
    mark = _marked(session, member, found.party)
    mark.read_at = found.last_at
    session.flush()
    return find(session, member, found.party)


def remove(session: Session, member: Member, found: DirectConversation) -> None:
    """Out of the member's list until a newer message; the messages themselves stay."""
    mark = _marked(session, member, found.party)
    mark.removed_at = mark.read_at = found.last_at
    session.flush()
