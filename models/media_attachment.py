"""Photos a member uploaded from a Mastodon app (`POST /api/v2/media`), before and after
they are attached to a status.

Mastodon apps upload first and post afterwards with `media_ids`, so an upload is a row of
its own: the stored file (exchange/photos.py: decoded, re-encoded without metadata, in the
city's media store), its size and its description (alt text), and the note it was attached
to once posted (`note_id`; None while waiting). No state graph: attached or not is
`note_id`, set once in the transaction that posts the note.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class MediaAttachment(Base):
    __tablename__ = "media_attachments"
    __table_args__ = (Index("ix_media_attachments_member", "member_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    #: the name in the media store (exchange.photos.NAME_RE)
    file: Mapped[str] = mapped_column(String(64), unique=True)
    media_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    #: the alt text; a photo is posted only with one (the city's rule for every photo)
    description: Mapped[str] = mapped_column(Text, default="")
    note_id: Mapped[int | None] = mapped_column(
        ForeignKey("notes.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
