"""A remote account's pinned posts, as its server lists them in the actor's `featured`
collection: read when the actor is fetched or refreshed (the `actor.featured` job), changed
by its `Add` / `Remove` to that collection (inbox/featured.py), shown by
`/api/v1/accounts/{id}/statuses?pinned=true`.

One row per actor and kept note; `position` orders them as the collection does (0 first,
the newest pin); a pin added by an `Add` goes before the others.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class RemotePin(Base):
    __tablename__ = "remote_pins"
    __table_args__ = (UniqueConstraint("remote_actor_id", "note_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    remote_actor_id: Mapped[int] = mapped_column(ForeignKey("remote_actors.id", ondelete="CASCADE"))
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
