"""Direct messages between a member and a remote account (or another member: `record_local`):
the conversations a member has.

A direct note from a remote account (Mastodon's "mentioned people only"), addressed to one
of our members and not part of a negotiation, used to be stored and never shown. It is now
a message in the conversation of that member with that account, and the member is told
(notification `direct_message`). The member's own direct notes to that account are the
other half of the conversation. A message that links one of the member's open listings can
become a negotiation (of messages) about it (services.remote_negotiation.from_direct_message).
Functions over a session; the caller commits.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from instance.html import html_to_text
from models import (
    OPEN_STATES,
    DirectMessage,
    Listing,
    Member,
    Note,
    NotificationKind,
    RemoteActor,
)

from .errors import DomainError, NotFound
from .notifications import notify


@dataclass(frozen=True)
class Conversation:
    """One remote account a member exchanged direct messages with, and the latest of them."""

    actor: RemoteActor
    last: Note
    last_inbound: bool
    count: int


def receive(session: Session, note: Note, author: RemoteActor, recipients: list[Member]) -> int:
    """A remote direct note reached these members: one message (and notification) each,
    once. Returns how many members it reached."""
    reached = 0
    for member in recipients:
        exists = session.scalar(
            select(DirectMessage.id).where(
                DirectMessage.note_id == note.id, DirectMessage.member_id == member.id
            )
        )
        if exists is not None:
            continue
        session.add(
            DirectMessage(
                member_id=member.id, remote_actor_id=author.id, note_id=note.id, inbound=True
            )
        )
        excerpt = html_to_text(note.content)[:140]
        notify(
            session,
            member.id,
            NotificationKind.direct_message,
            code="direct_message",
            params={"who": f"@{author.handle}", "excerpt": excerpt},
            remote_actor_id=author.id,
            note_id=note.id,
        )
        reached += 1
    return reached


def record_sent(
    session: Session, note: Note, member: Member, recipients: list[RemoteActor]
) -> None:
    """The member's direct note to these remote accounts, in each conversation."""
    session.flush()
    for actor in recipients:
        session.add(
            DirectMessage(
                member_id=member.id, remote_actor_id=actor.id, note_id=note.id, inbound=False
            )
        )


def record_local(session: Session, note: Note, author: Member, recipients: list[Member]) -> None:
    """The member's direct note to other members of the city: a message in each
    conversation, on both sides, and the recipient is told (`direct_message`), as for a
    remote account's."""
    session.flush()
    for member in recipients:
        if member.id == author.id:
            continue
        session.add_all(
            [
                DirectMessage(
                    member_id=author.id, peer_member_id=member.id, note_id=note.id, inbound=False
                ),
                DirectMessage(
                    member_id=member.id, peer_member_id=author.id, note_id=note.id, inbound=True
                ),
            ]
        )
        notify(
            session,
            member.id,
            NotificationKind.direct_message,
            code="direct_message",
            params={"who": f"@{author.username}", "excerpt": html_to_text(note.content)[:140]},
            note_id=note.id,
        )


def conversations(session: Session, member: Member, *, limit: int = 50) -> list[Conversation]:
    """The member's conversations, the most recent first."""
    latest = (
        select(
            DirectMessage.remote_actor_id,
            func.max(DirectMessage.id).label("last_id"),
            func.count().label("count"),
        )
        .where(DirectMessage.member_id == member.id)
        .group_by(DirectMessage.remote_actor_id)
        .subquery()
    )
    rows = session.execute(
        select(RemoteActor, Note, DirectMessage.inbound, latest.c.count)
        .join(latest, latest.c.remote_actor_id == RemoteActor.id)
        .where(RemoteActor.suspended_at.is_(None))
        .join(DirectMessage, DirectMessage.id == latest.c.last_id)
        .join(Note, Note.id == DirectMessage.note_id)
        .order_by(latest.c.last_id.desc())
        .limit(limit)
    ).all()
    return [Conversation(actor, note, inbound, count) for actor, note, inbound, count in rows]


def conversation(
    session: Session, member: Member, actor_id: int, *, limit: int = 200
) -> tuple[RemoteActor, list[tuple[Note, bool]]]:
    """The messages between the member and one remote account, oldest first (deleted ones
    left out). NotFound when they never exchanged one."""
    actor = session.get(RemoteActor, actor_id)
    rows = session.execute(
        select(Note, DirectMessage.inbound)
        .join(DirectMessage, DirectMessage.note_id == Note.id)
        .where(
            DirectMessage.member_id == member.id,
            DirectMessage.remote_actor_id == actor_id,
            Note.deleted_at.is_(None),
            Note.hidden_at.is_(None),
        )
        .order_by(DirectMessage.id.desc())
        .limit(limit)
    ).all()
    if actor is None or not rows:
        raise NotFound("conversation")
    return actor, [(note, inbound) for note, inbound in reversed(rows)]


def named_listings(
    session: Session, member: Member, notes: list[Note], listing_url: Callable[[str], str]
) -> dict[int, list[Listing]]:
    """For each note, the member's own open listings its text links or names by URL (what a
    message can become a negotiation about). `listing_url` builds our listing URLs."""
    prefix = listing_url("")
    pattern = re.compile(re.escape(prefix) + r"([A-Za-z0-9_-]{1,32})")
    wanted = {note.id: set(pattern.findall(note.content)) for note in notes}
    ids = set().union(*wanted.values()) if wanted else set()
    if not ids:
        return {}
    mine = {
        listing.public_id: listing
        for listing in session.scalars(
            select(Listing).where(
                Listing.public_id.in_(ids),
                Listing.member_id == member.id,
                Listing.state.in_(OPEN_STATES),
            )
        )
    }
    return {
        note_id: [mine[p] for p in sorted(found) if p in mine]
        for note_id, found in wanted.items()
        if any(p in mine for p in found)
    }


def message_naming(
    session: Session,
    member: Member,
    actor_id: int,
    listing: Listing,
    listing_url: Callable[[str], str],
) -> Note:
    """The latest message of the account to the member that names this listing; a
    DomainError (422) when none does."""
    _, messages = conversation(session, member, actor_id)
    inbound = [note for note, was_inbound in messages if was_inbound]
    named = named_listings(session, member, inbound, listing_url)
    for note in reversed(inbound):
        if any(found.id == listing.id for found in named.get(note.id, [])):
            return note
    raise DomainError(
        "not_named", "no message of this conversation names that listing of yours", 422
    )


def last_received(session: Session, member: Member, actor_id: int) -> Note | None:
    """The latest message the remote account sent the member (what a reply answers)."""
    return session.scalar(
        select(Note)
        .join(DirectMessage, DirectMessage.note_id == Note.id)
        .where(
            DirectMessage.member_id == member.id,
            DirectMessage.remote_actor_id == actor_id,
            DirectMessage.inbound.is_(True),
        )
        .order_by(DirectMessage.id.desc())
        .limit(1)
    )
