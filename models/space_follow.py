"""A member of this city following one of its own discussion spaces (from a Mastodon app).

Remote accounts follow a space's Group with a Follow activity (a `follows` row naming a
remote actor). A member and a space are both ours: nothing is sent, and a `follows` row
needs a remote actor, so the member's subscription is a row of its own. It has no states:
following a local space needs nobody's approval, so the row exists or it does not. The home
timeline shows the threads of the spaces a member follows (exchange/statuses.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class SpaceFollow(Base):
    __tablename__ = "space_follows"
    #: one per member and space; the unique key's first column serves the home query's
    #: "spaces this member follows"
    __table_args__ = (UniqueConstraint("member_id", "space_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    space_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_spaces.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
