"""Likes and Announces (boosts) remote actors made of our objects or of objects we know."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class Interaction(Base):
    __tablename__ = "interactions"
    __table_args__ = (Index("ix_interactions_object", "object_uri", "type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the Like or Announce activity id (undone by it)
    activity_uri: Mapped[str] = mapped_column(String(2000), unique=True)
    type: Mapped[str] = mapped_column(String(16))
    remote_actor_id: Mapped[int] = mapped_column(ForeignKey("remote_actors.id", ondelete="CASCADE"))
    object_uri: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
