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

`status_reactions` holds what our members did to a status from an app (favourite, reblog):
kept here, not federated yet (docs/MASTODON_API.md).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Enum, ForeignKey, UniqueConstraint, event, insert
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from .base import Base, UTCDateTime, utcnow
from .discussion import DiscussionPost, DiscussionThread
from .listing import Listing
from .note import Note


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
