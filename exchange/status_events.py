"""Reading the status journal (models/status_event.py): which statuses were removed or edited
since a streaming connection last looked, and who may be told.

An edited status is still visible, so whether a stream shows it is the timelines' own
question (`exchange.statuses.home` or `public` on that one id). A removed one no longer
is, so this module answers from what the status was: a `delete` goes to the public
streams when the status was public there (a public note, a listing; ours for
`public:local`, the others' for `public:remote`), and to a member's home stream when their
home could have shown it (their own, one sent to them, an account or market they follow).
The payload is an id and nothing else, as on Mastodon.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from models import (
    DirectMessage,
    DiscussionThread,
    Hashtag,
    HashtagFollow,
    Listing,
    ListingHashtag,
    Member,
    Note,
    NoteHashtag,
    RemoteActor,
    Status,
    StatusEvent,
    StatusEventKind,
)

from .space_follows import followed_spaces
from .statuses import followed_actors, group_threads_of


@dataclass(frozen=True)
class Change:
    event_id: int
    status_id: int
    kind: StatusEventKind


def latest(session: Session) -> int:
    """The newest event id (a connection sends only what comes after it)."""
    return session.scalar(select(func.max(StatusEvent.id))) or 0


def since(session: Session, event_id: int, limit: int) -> list[Change]:
    """The changes after `event_id`, oldest first."""
    rows = session.execute(
        select(StatusEvent.id, StatusEvent.status_id, StatusEvent.kind)
        .where(StatusEvent.id > event_id)
        .order_by(StatusEvent.id)
        .limit(limit)
    )
    return [Change(i, s, k) for i, s, k in rows]


def was_public(session: Session, status_id: int, *, local: bool, remote: bool) -> bool:
    """The removed status was in the public timeline (of this city, of others)."""
    status = session.get(Status, status_id)
    if status is None:
        return False
    item: Note | Listing | None = None
    if status.note_id is not None:
        note = session.get(Note, status.note_id)
        item = note if note is not None and note.visibility == "public" else None
    elif status.listing_id is not None:
        item = session.get(Listing, status.listing_id)
    if item is None:
        return False
    ours = item.member_id is not None
    return not ((local and not ours) or (remote and ours))


def was_tagged(session: Session, status_id: int, tag: str, *, local: bool) -> bool:
    """The removed status was in the tag timeline of `tag` (a public note carrying it, a
    listing of that category or carrying it; ours only for `local`)."""
    if not was_public(session, status_id, local=local, remote=False):
        return False
    for link in (NoteHashtag, ListingHashtag):
        linked = (
            select(link.hashtag_id)
            .join(Hashtag, Hashtag.id == link.hashtag_id)
            .where(link.status_id == status_id, Hashtag.name == tag)
        )
        if session.scalar(linked.limit(1)) is not None:
            return True
    category = select(Listing.category).join(Status, Status.listing_id == Listing.id)
    return session.scalar(category.where(Status.id == status_id)) == tag


def _followed_tag_notes(member_id: int) -> Any:
    followed = select(HashtagFollow.hashtag_id).where(HashtagFollow.member_id == member_id)
    return select(NoteHashtag.note_id).where(NoteHashtag.hashtag_id.in_(followed))


def was_at_home(session: Session, member: Member, uri: str, status_id: int) -> bool:
    """The removed status was one the member's home timeline shows (exchange.statuses.home:
    their own, a direct note to them, an account, market or discussion Group they follow, a
    thread of one of this city's spaces they follow; a reblog by them or by an account they
    follow; a public note with a hashtag they follow)."""
    status = session.get(Status, status_id)
    if status is None:
        return False
    followed = followed_actors(uri)
    if status.reblog_of_id is not None:
        if status.reblog_member_id is not None:
            return status.reblog_member_id == member.id
        query = select(RemoteActor.id).where(
            RemoteActor.id == status.reblog_actor_id, RemoteActor.id.in_(followed)
        )
    elif status.note_id is not None:
        query = select(Note.id).where(
            Note.id == status.note_id,
            or_(
                Note.member_id == member.id,
                exists().where(
                    DirectMessage.note_id == Note.id, DirectMessage.member_id == member.id
                ),
                and_(Note.visibility != "direct", Note.remote_actor_id.in_(followed)),
                Note.id.in_(group_threads_of(uri)),
                and_(Note.visibility == "public", Note.id.in_(_followed_tag_notes(member.id))),
            ),
        )
    elif status.listing_id is not None:
        markets = select(RemoteActor.domain).where(
            RemoteActor.id.in_(followed), RemoteActor.preferred_username == "market"
        )
        query = select(Listing.id).where(
            Listing.id == status.listing_id,
            or_(
                Listing.member_id == member.id,
                Listing.remote_actor_id.in_(followed),
                and_(Listing.remote_actor_id.is_not(None), Listing.origin.in_(markets)),
            ),
        )
    elif status.thread_id is not None:
        query = select(DiscussionThread.id).where(
            DiscussionThread.id == status.thread_id,
            DiscussionThread.space_id.in_(followed_spaces(member.id)),
        )
    else:
        return False
    return session.scalar(query) is not None
