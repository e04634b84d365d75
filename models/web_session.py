"""Web sessions: one row per browser a member logged in with.

The browser's cookie carries a random token; only its sha256 is stored, as for API tokens, so
a leaked database opens no session. Deleting the row ends the session whatever copies of the
cookie exist (logout, password change, suspension, "end this session" on the account page).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class WebSession(Base):
    __tablename__ = "web_sessions"

    #: a small number that names the session on the member's page (the hash never leaves the server)
    id: Mapped[int] = mapped_column(primary_key=True)
    #: hex sha256 of the cookie's token
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the browser's User-Agent at login, so the member can tell their sessions apart
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    #: idle sessions end: each use (at most every few minutes) pushes this forward
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
