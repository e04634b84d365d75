"""The status index: one row per note, listing, discussion thread and reply, in arrival order,
for the Mastodon API.

Mastodon clients page timelines by status id (`max_id`, `since_id`, `min_id`) and expect ids
to grow with time across everything they are shown. Notes and listings live in two tables
with two id sequences, so a timeline merging them could not be paged by either id without
losing or repeating items. Every insert of a `Note` or a `Listing` through the ORM also
inserts a `statuses` row (mapper events below, in the same transaction and flush), whose id
is the status id clients see; so does every discussion thread and reply, which apps read as
a status and its descendants. The events live with the tables so that every process (web,
worker, CLI) registers them by importing `models`.

A note or listing removed or edited after that leaves a row in `status_events`
(models/status_event.py), also from mapper events here, for the streaming API.

`status_reactions` holds what our members did to a status from an app (favourite, reblog):
kept here, not federated yet (docs/MASTODON_API.md).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Enum,
    ForeignKey,
    UniqueConstraint,
    and_,
    event,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Mapper, mapped_column
from sqlalchemy.orm.attributes import get_history

from .base import Base, UTCDateTime, utcnow
from .discussion import DiscussionPost, DiscussionThread
from .interaction import Interaction
from .listing import OPEN_STATES, Listing
from .note import Note
from .status_event import StatusEvent, StatusEventKind


class Status(Base):
    __tablename__ = "statuses"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int | None] = mapped_column(
        ForeignKey("notes.id", ondelete="CASCADE"), unique=True
    )
    listing_id: Mapped[int | None] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), unique=True
    )
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("discussion_threads.id", ondelete="CASCADE"), unique=True
    )
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("discussion_posts.id", ondelete="CASCADE"), unique=True
    )
    #: a reblog (boost): the status it shows, by a member (their `status_reactions` row) or
    #: by a remote account (its Announce, an `interactions` row); the wrapper apps show in
    #: timelines, with its own id in arrival order. Undone: `undone_at`, the row kept so
    #: the journal can name it in a streaming `delete`
    reblog_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("statuses.id", ondelete="CASCADE"), index=True
    )
    reblog_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE")
    )
    reblog_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("remote_actors.id", ondelete="CASCADE")
    )
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReactionKind(enum.StrEnum):
    favourite = "favourite"
    reblog = "reblog"


class StatusReaction(Base):
    __tablename__ = "status_reactions"
    __table_args__ = (UniqueConstraint("status_id", "member_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[ReactionKind] = mapped_column(Enum(ReactionKind, native_enum=False, length=16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@event.listens_for(Note, "after_insert")
def _index_note(_mapper: Mapper[Any], connection: Connection, note: Note) -> None:
    connection.execute(insert(Status).values(note_id=note.id, created_at=utcnow()))


@event.listens_for(Listing, "after_insert")
def _index_listing(_mapper: Mapper[Any], connection: Connection, listing: Listing) -> None:
    connection.execute(insert(Status).values(listing_id=listing.id, created_at=utcnow()))


@event.listens_for(DiscussionThread, "after_insert")
def _index_thread(_mapper: Mapper[Any], connection: Connection, thread: DiscussionThread) -> None:
    connection.execute(insert(Status).values(thread_id=thread.id, created_at=utcnow()))


@event.listens_for(DiscussionPost, "after_insert")
def _index_post(_mapper: Mapper[Any], connection: Connection, post: DiscussionPost) -> None:
    connection.execute(insert(Status).values(post_id=post.id, created_at=utcnow()))


# ---------------------------------------------------------------------- reblogs


def _undo_reblogs(connection: Connection, which: ColumnElement[bool]) -> None:
    """The live reblog wrappers `which` names are undone: a `delete` in the journal (the
    wrapper leaves the timelines that showed it), then `undone_at`."""
    live = and_(which, Status.reblog_of_id.is_not(None), Status.undone_at.is_(None))
    _journal(connection, live, StatusEventKind.delete)
    connection.execute(update(Status).where(live).values(undone_at=utcnow()))


@event.listens_for(StatusReaction, "after_insert")
def _index_reblog(_mapper: Mapper[Any], connection: Connection, reaction: StatusReaction) -> None:
    """A member's reblog is a status of its own (Mastodon's wrapper), in arrival order."""
    if reaction.kind is ReactionKind.reblog:
        connection.execute(
            insert(Status).values(
                reblog_of_id=reaction.status_id,
                reblog_member_id=reaction.member_id,
                created_at=utcnow(),
            )
        )


@event.listens_for(StatusReaction, "after_delete")
def _unindex_reblog(_mapper: Mapper[Any], connection: Connection, reaction: StatusReaction) -> None:
    if reaction.kind is ReactionKind.reblog:
        _undo_reblogs(
            connection,
            and_(
                Status.reblog_of_id == reaction.status_id,
                Status.reblog_member_id == reaction.member_id,
            ),
        )


def _statuses_at(uri: str) -> Any:
    """The status ids of the public or unlisted note and of the listing at `uri` (at most
    one of them): what a reblog may show."""
    notes = (
        select(Status.id)
        .join(Note, Note.id == Status.note_id)
        .where(Note.uri == uri, Note.visibility.in_(("public", "unlisted")))
    )
    listings = (
        select(Status.id).join(Listing, Listing.id == Status.listing_id).where(Listing.uri == uri)
    )
    return notes.union_all(listings)


@event.listens_for(Interaction, "after_insert")
def _index_announce(_mapper: Mapper[Any], connection: Connection, done: Interaction) -> None:
    """A remote account's Announce of a note or listing we have: its reblog wrapper."""
    if done.type != "Announce":
        return
    originals = _statuses_at(done.object_uri).subquery()
    connection.execute(
        insert(Status).from_select(
            ["reblog_of_id", "reblog_actor_id", "created_at"],
            select(
                originals.c.id,
                literal(done.remote_actor_id),
                literal(utcnow(), UTCDateTime()),
            ),
        )
    )


@event.listens_for(Interaction, "after_delete")
def _unindex_announce(_mapper: Mapper[Any], connection: Connection, done: Interaction) -> None:
    if done.type == "Announce":
        _undo_reblogs(
            connection,
            and_(
                Status.reblog_actor_id == done.remote_actor_id,
                Status.reblog_of_id.in_(_statuses_at(done.object_uri)),
            ),
        )


# ---------------------------------------------------------------------- the status journal


def _changed(item: Any, name: str) -> tuple[Any, Any] | None:
    """(before, after) of an attribute this flush changed; None when it did not change."""
    history = get_history(item, name)
    if not history.added:
        return None
    before = history.deleted[0] if history.deleted else None
    return before, history.added[0]


def _set(item: Any, name: str) -> bool:
    """The attribute went from empty to a value in this flush (a tombstone, a hiding)."""
    change = _changed(item, name)
    return change is not None and change[0] is None and change[1] is not None


def _journal(connection: Connection, which: ColumnElement[bool], kind: StatusEventKind) -> None:
    """One row for the status of that note or listing (none for one without a status)."""
    found = select(Status.id, literal(kind.value), literal(utcnow(), UTCDateTime())).where(which)
    connection.execute(insert(StatusEvent).from_select(["status_id", "kind", "created_at"], found))


def _journal_reblogs(connection: Connection, original: ColumnElement[bool]) -> None:
    """The live reblogs of a status just removed leave the timelines with it (they are
    shown again if it is: a moderator's hiding undone)."""
    reblogged = select(Status.id).where(original).scalar_subquery()
    live = and_(Status.reblog_of_id == reblogged, Status.undone_at.is_(None))
    _journal(connection, live, StatusEventKind.delete)


@event.listens_for(Note, "after_update")
def _note_changed(_mapper: Mapper[Any], connection: Connection, note: Note) -> None:
    """Deleted or hidden: `delete`; its text edited (`updated` moves): `update`."""
    if note.deleted_at is not None or note.hidden_at is not None:
        if _set(note, "deleted_at") or _set(note, "hidden_at"):
            _journal(connection, Status.note_id == note.id, StatusEventKind.delete)
            _journal_reblogs(connection, Status.note_id == note.id)
        return
    if _changed(note, "updated") is not None:
        _journal(connection, Status.note_id == note.id, StatusEventKind.update)


@event.listens_for(DiscussionThread, "after_update")
def _thread_changed(_mapper: Mapper[Any], connection: Connection, thread: DiscussionThread) -> None:
    """Hidden by a moderator: `delete` (it leaves the homes of its space's followers)."""
    change = _changed(thread, "hidden")
    if change is not None and not change[0] and change[1]:
        _journal(connection, Status.thread_id == thread.id, StatusEventKind.delete)


@event.listens_for(Listing, "after_update")
def _listing_changed(_mapper: Mapper[Any], connection: Connection, listing: Listing) -> None:
    """No longer open (withdrawn, closed, expired, taken down) or hidden: `delete`; edited
    or moving between open states while open (its Update, `updated_at`): `update`."""
    state = _changed(listing, "state")
    was_open = listing.state in OPEN_STATES if state is None else state[0] in OPEN_STATES
    if listing.state not in OPEN_STATES or listing.hidden_at is not None:
        if (was_open and state is not None) or _set(listing, "hidden_at"):
            _journal(connection, Status.listing_id == listing.id, StatusEventKind.delete)
            _journal_reblogs(connection, Status.listing_id == listing.id)
        return
    if was_open and (state is not None or _changed(listing, "updated_at") is not None):
        _journal(connection, Status.listing_id == listing.id, StatusEventKind.update)
