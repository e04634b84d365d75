"""The earlier versions of an edited note, for Mastodon's status history.

Mastodon apps show "edited" on a status and open its history (`GET /api/v1/statuses/{id}/
history`: every version, oldest first). A note keeps only its current text, so each edit,
ours (`PUT /api/v1/statuses/{id}`, the web) or a remote author's `Update`, first copies the
version it replaces here, with the time it was made (exchange/note_edits.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONDocument, UTCDateTime, utcnow


class NoteEdit(Base):
    __tablename__ = "note_edits"
    __table_args__ = (Index("ix_note_edits_note", "note_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"))
    #: the sanitized HTML of that version
    content: Mapped[str] = mapped_column(Text, default="")
    #: its attachments (AS2 Images, their alt text in `name`)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    summary: Mapped[str | None] = mapped_column(Text)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    #: when that version was written (the note's `published`, or the edit before)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
