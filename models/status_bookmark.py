"""A member's bookmark of a status (Mastodon's bookmarks, from an app).

Private to the member: nothing federates and nobody else sees it, so it is a row of its own
rather than a reaction (`status_reactions` are counted on the status and federate as Like
or Announce). A bookmark names the original of a reblog, never the reblog's wrapper
(api/mastodon/bookmarks.py); the list shows the statuses the member may still see.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class StatusBookmark(Base):
    __tablename__ = "status_bookmarks"
    #: once per member and status; the key's first column serves the member's list (paged
    #: by the bookmark's id) and a page's "which of these did the viewer bookmark"
    __table_args__ = (UniqueConstraint("member_id", "status_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
