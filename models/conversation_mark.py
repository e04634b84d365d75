"""What a member did to a negotiation shown as a Mastodon conversation: read it, removed it.

Mastodon apps show each negotiation thread as a direct conversation (`/api/v1/conversations`)
with an `unread` flag, and let the member mark it read or remove it from the list. Neither
changes the negotiation (the other party still sees it; the web page still shows it): they
are this member's view of it, one row per member and thread, made on first use. A removed
conversation comes back when something newer happens in the thread, as on Mastodon.

The same marks apply to a member's direct messages with one remote account or one other
member (`remote_actor_id` or `peer_member_id` instead of `negotiation_id`), which apps
list among the conversations.

Two timestamps, no state: "read" is `negotiations.updated_at <= read_at`, "removed" is
`negotiations.updated_at <= removed_at`, so that a newer offer or message undoes both
without anyone writing here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class ConversationMark(Base):
    __tablename__ = "conversation_marks"
    __table_args__ = (
        UniqueConstraint("member_id", "negotiation_id"),
        UniqueConstraint("member_id", "remote_actor_id"),
        UniqueConstraint("member_id", "peer_member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    #: the negotiation thread marked, or
    negotiation_id: Mapped[int | None] = mapped_column(
        ForeignKey("negotiations.id", ondelete="CASCADE")
    )
    #: the remote account whose direct messages with the member are marked, or
    remote_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("remote_actors.id", ondelete="CASCADE")
    )
    #: the member of the city whose direct messages with the member are marked
    peer_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    #: the thread's `updated_at` (the latest direct message's time) when the member last
    #: read it (None: never)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the thread's `updated_at` when the member removed it from the list (None: shown)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
