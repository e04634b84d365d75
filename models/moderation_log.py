"""The moderation log: who decided what, about what, when and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class ModerationEntry(Base):
    __tablename__ = "moderation_log"
    __table_args__ = (Index("ix_moderation_log_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the moderator or admin; None for the command line or the system
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    #: e.g. "member.approve", "member.suspend", "listing.reject", "domain.block"
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(500))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
