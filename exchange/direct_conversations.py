"""A member's direct messages with each remote account as one conversation, for the list of
conversations apps show (`/api/v1/conversations`), next to the negotiation threads.

The messages are `direct_messages` rows (exchange/direct_messages.py: a remote account's
direct note to the member, the member's direct note to it), outside any negotiation. A
conversation's activity is its latest message still shown (not deleted, not hidden); it is
unread when the account wrote after the member last read it, and a removed conversation
comes back when a newer message arrives, as on Mastodon. Read and removed are the member's
`conversation_marks` row for that account (the same two timestamps as a negotiation's:
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
class DirectConversation:
    actor: RemoteActor
    last: Note
    #: when the latest message was stored (the conversation's place in the list)
    last_at: datetime
    #: when the account last wrote to the member (None: only the member wrote)
    last_inbound_at: datetime | None
    mark: ConversationMark | None

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
    session: Session, member: Member, actor_id: int | None = None
) -> list[DirectConversation]:
    """The member's conversations (or the one with `actor_id`) that have a message still
    shown, removed ones included (the caller leaves them out of lists); suspended
    accounts' left out."""
    latest = (
        select(DirectMessage.remote_actor_id, func.max(DirectMessage.id).label("last_id"))
        .join(Note, Note.id == DirectMessage.note_id)
        .where(DirectMessage.member_id == member.id, *_shown())  # type: ignore[arg-type]
        .group_by(DirectMessage.remote_actor_id)
    )
    inbound = (
        select(DirectMessage.remote_actor_id, func.max(DirectMessage.created_at).label("at"))
        .join(Note, Note.id == DirectMessage.note_id)
        .where(
            DirectMessage.member_id == member.id,
            DirectMessage.inbound.is_(True),
            *_shown(),  # type: ignore[arg-type]
        )
        .group_by(DirectMessage.remote_actor_id)
    )
    if actor_id is not None:
        latest = latest.where(DirectMessage.remote_actor_id == actor_id)
        inbound = inbound.where(DirectMessage.remote_actor_id == actor_id)
    last_ids = latest.subquery()
    rows = session.execute(
        select(RemoteActor, Note, DirectMessage.created_at)
        .join(last_ids, last_ids.c.remote_actor_id == RemoteActor.id)
        .join(DirectMessage, DirectMessage.id == last_ids.c.last_id)
        .join(Note, Note.id == DirectMessage.note_id)
        .where(RemoteActor.suspended_at.is_(None))
    ).all()
    if not rows:
        return []
    inbound_at = {a: at for a, at in session.execute(inbound)}
    marks = {
        m.remote_actor_id: m
        for m in session.scalars(
            select(ConversationMark).where(
                ConversationMark.member_id == member.id,
                ConversationMark.remote_actor_id.in_([actor.id for actor, _, _ in rows]),
            )
        )
    }
    return [
        DirectConversation(actor, note, at, inbound_at.get(actor.id), marks.get(actor.id))
        for actor, note, at in rows
    ]


def find(session: Session, member: Member, actor_id: int) -> DirectConversation:
    """The member's conversation with that account; NotFound when they exchanged no message
    still shown."""
    found = of_member(session, member, actor_id)
    if not found:
        raise NotFound("record")
    return found[0]


def _marked(session: Session, member: Member, actor_id: int) -> ConversationMark:
    mark = session.scalar(
        select(ConversationMark).where(
            ConversationMark.member_id == member.id, ConversationMark.remote_actor_id == actor_id
        )
    )
    if mark is None:
        mark = ConversationMark(member_id=member.id, remote_actor_id=actor_id)
        session.add(mark)
    return mark


def mark_read(session: Session, member: Member, found: DirectConversation) -> DirectConversation:
    """Everything in the conversation so far is read."""
    mark = _marked(session, member, found.actor.id)
    mark.read_at = found.last_at
    session.flush()
    return find(session, member, found.actor.id)


def remove(session: Session, member: Member, found: DirectConversation) -> None:
    """Out of the member's list until a newer message; the messages themselves stay."""
    mark = _marked(session, member, found.actor.id)
    mark.removed_at = mark.read_at = found.last_at
    session.flush()
