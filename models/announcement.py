"""The city's announcements to its residents, as Mastodon has them (`/api/v1/announcements`):
the text staff write, and each member's read marks and emoji reactions.

An announcement is the institution speaking ("the market is closed on Monday"), not a status:
it is in no timeline and does not federate. `starts_at` / `ends_at` are the time of what it
announces (apps show them); once `ends_at` is past it is no longer shown. Its state moves
along `exchange.announcements.GRAPH` (draft -> published <-> unpublished); a draft with a
`scheduled_at` is published by the sweep when that time comes.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class AnnouncementState(enum.StrEnum):
    """draft: written, shown to nobody; published: shown (while not ended); unpublished:
    taken down, may be published again. The graph is `exchange.announcements.GRAPH`."""

    draft = "draft"
    published = "published"
    unpublished = "unpublished"


class Announcement(Base):
    __tablename__ = "announcements"
    #: apps' list reads the published ones; the streams read what changed since a moment
    __table_args__ = (
        Index("ix_announcements_state", "state"),
        Index("ix_announcements_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: plain text as staff typed it; rendered as sanitized HTML with linked URLs
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[AnnouncementState] = mapped_column(
        Enum(AnnouncementState, native_enum=False, length=16), default=AnnouncementState.draft
    )
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the dates are whole days (apps show them without a time)
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    #: a draft's publication to come (Mastodon's `scheduled_at`): the announcements' sweep
    #: publishes it then (exchange.announcements.publish_due); None once published
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when it was last published (Mastodon sets it again at each publication)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AnnouncementRead(Base):
    """A member dismissed (read) an announcement: Mastodon's AnnouncementMute."""

    __tablename__ = "announcement_reads"
    __table_args__ = (UniqueConstraint("member_id", "announcement_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcements.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AnnouncementReaction(Base):
    """A member's reaction to an announcement: one Unicode emoji (the city has no custom
    emojis), once per member and emoji."""

    __tablename__ = "announcement_reactions"
    #: the key's first column serves the counts, which are read per announcement
    __table_args__ = (UniqueConstraint("announcement_id", "member_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AnnouncementReactionEvent(Base):
    """The reactions' journal: an emoji chosen or taken back on an announcement, one row per
    change, for the `announcement.reaction` streaming event. Each streaming connection polls
    the database (api/mastodon/streaming.py), so a change made by any process must leave a
    row it reads by id; a reaction taken back leaves no reaction row to find. Rows older
    than `exchange.announcements.JOURNAL_KEPT` are deleted by a later change."""

    __tablename__ = "announcement_reaction_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcements.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
