"""Notes: short public or direct posts, ours and those received from followed actors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONDocument, UTCDateTime, utcnow


class Note(Base):
    __tablename__ = "notes"
    __table_args__ = (
        #: partial: most notes are remote (member_id NULL), and SQLite's statistics do not
        #: tell NULLs apart, so a full index looked useless to its planner once analysed
        #: (a member's note count scanned every note: migration 0030)
        Index(
            "ix_notes_author",
            "member_id",
            "id",
            sqlite_where=text("member_id IS NOT NULL"),
            postgresql_where=text("member_id IS NOT NULL"),
        ),
        Index("ix_notes_remote_author", "remote_actor_id", "id"),
        Index("ix_notes_context", "context"),
        #: replies counted per page of statuses (api/mastodon/entities.Cards) and threads
        Index("ix_notes_in_reply_to", "in_reply_to"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uri: Mapped[str] = mapped_column(String(2000), unique=True)
    #: ours: the local author; theirs: the remote author
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    remote_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("remote_actors.id", ondelete="CASCADE")
    )
    #: sanitized HTML
    content: Mapped[str] = mapped_column(Text, default="")
    #: "public", "unlisted", "followers" or "direct"
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    to: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    cc: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    in_reply_to: Mapped[str | None] = mapped_column(String(2000))
    context: Mapped[str | None] = mapped_column(String(2000))
    url: Mapped[str | None] = mapped_column(String(2000))
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    tags: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    #: the content warning (AS2 `summary`, Mastodon's `spoiler_text`), plain text
    summary: Mapped[str | None] = mapped_column(Text)
    #: the media (or, with a summary, the whole note) are sensitive (Mastodon's `sensitive`)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    published: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: a tombstone: the note was deleted; its URL answers 410 and a late Create is ignored
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: hidden by a local moderator
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
