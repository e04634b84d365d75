"""A status a member pinned to their profile (Mastodon's pins, from an app).

Only the member's own public or unlisted notes and open listings, and their discussion
threads and replies (exchange/status_pins.py checks it; at most five, as on Mastodon).
Apps show them above the member's statuses (`?pinned=true`); other servers read the
pinned notes and listings from the actor's `featured` collection, and are told of each pin
and unpin by an `Add` or `Remove` to it (services/pins.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class StatusPin(Base):
    __tablename__ = "status_pins"
    #: once per member and status; the key's first column serves the member's pins
    __table_args__ = (UniqueConstraint("member_id", "status_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
