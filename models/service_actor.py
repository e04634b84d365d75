"""Our non-member actors (the instance actor, the city market) and their key pairs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class ServiceActor(Base):
    __tablename__ = "service_actors"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "actor" (the instance, an Application) or "market" (the city market, a Group)
    name: Mapped[str] = mapped_column(String(30), unique=True)
    private_key_pem: Mapped[str] = mapped_column(Text)
    public_key_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
