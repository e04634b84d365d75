"""Activities we published: the immutable JSON of each, for deliveries and our outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class OutboundActivity(Base):
    __tablename__ = "outbound_activities"
    __table_args__ = (Index("ix_outbound_activities_actor", "actor", "public", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uri: Mapped[str] = mapped_column(String(2000), unique=True)
    type: Mapped[str] = mapped_column(String(60))
    #: id of our actor that sends (and signs) it
    actor: Mapped[str] = mapped_column(String(500))
    object_uri: Mapped[str | None] = mapped_column(String(2000))
    #: addressed to the public: listed in the actor's outbox collection
    public: Mapped[bool] = mapped_column(default=False)
    #: the JSON document exactly as delivered
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
