"""A member muting an account (another member or a remote actor), as Mastodon's mutes.

Nothing federates: a mute is the member's own reading choice. The muted account's statuses
leave the member's timelines, and its notifications too unless `notifications` is false
(Mastodon's `muting_notifications`). A mute with `expires_at` stops applying at that time:
every read compares it with the time of the read, so no job removes it (an expired row is
replaced by the next mute, or removed by an unmute).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class AccountMute(Base):
    __tablename__ = "account_mutes"
    #: the member's mutes in id order (their list, paged by it, and the timelines' "accounts
    #: this member mutes")
    __table_args__ = (Index("ix_account_mutes_member", "member_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    target_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    remote_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("remote_actors.id", ondelete="CASCADE"), index=True
    )
    #: the muted account's notifications are hidden too (Mastodon's default)
    notifications: Mapped[bool] = mapped_column(Boolean, default=True)
    #: when the mute stops applying; None: never
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
