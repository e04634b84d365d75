"""Personal API tokens: a member's bearer credential for the JSON API.

Only the sha256 of a token is stored: a leaked database does not leak usable tokens, and
a token has 256 bits of entropy, so a fast hash is enough (no password stretching needed).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    #: hex sha256 of the token
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: what the member called it ("budget script")
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
