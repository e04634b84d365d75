"""A member's reading position in a timeline, as Mastodon keeps it (`/api/v1/markers`).

Apps (Tusky, Elk) save the id of the last status or notification the member read, so that
another app, or the same one on another device, opens where the member left off. One row per
member and timeline (`home`, `notifications`); `version` counts the saves (Mastodon's
`lock_version`), raised by the saving statement itself so that two saves at once both count.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class Marker(Base):
    __tablename__ = "markers"
    __table_args__ = (UniqueConstraint("member_id", "timeline"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    #: `home` or `notifications` (exchange.markers.TIMELINES)
    timeline: Mapped[str] = mapped_column(String(16))
    #: the id of the last status (home) or notification read; Mastodon's is a bigint too
    last_read_id: Mapped[int] = mapped_column(BigInteger)
    #: how many times it was saved, from 0 (the first save)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
