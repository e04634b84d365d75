"""Blocks between accounts, as Mastodon has them: a member blocking an account (another
member, or a remote actor), or a remote actor blocking a member (its `Block` received).

No states: a block exists or it does not (unblocking deletes the row). A block of a remote
actor keeps the id of the `Block` we sent, so that the `Undo` names it; one received keeps
the remote's, so that its `Undo` finds it. The member's own blocks (`incoming` false) leave
the blocked account's statuses out of the member's timelines and its notifications unshown
(exchange/account_blocks.py); either way, no follow between the two is kept or accepted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class AccountBlock(Base):
    __tablename__ = "account_blocks"
    #: the member's blocks in id order (their list, paged by it, and the timelines'
    #: "accounts this member blocks"); the remote side's, for an incoming Block and its Undo
    __table_args__ = (
        Index("ix_account_blocks_member", "member_id", "incoming", "id"),
        Index("ix_account_blocks_actor", "remote_actor_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: our member: the one who blocks, or (incoming) the one blocked
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    #: another member of this city, blocked by the member
    target_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    #: the remote actor blocked by the member, or (incoming) blocking the member
    remote_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("remote_actors.id", ondelete="CASCADE")
    )
    #: the remote actor blocks the member (its Block received); else the member blocks
    incoming: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the Block activity's id: ours (for its Undo), or the remote's
    activity_uri: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
