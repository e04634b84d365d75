"""OAuth authorization codes: what `/oauth/authorize` hands the app, to trade at `/oauth/token`.

Only the sha256 of a code is stored. A code lives a few minutes (`expires_at`) and is traded
once: `used_at` is set by the trade and a second trade is refused. The PKCE challenge (RFC
7636) is kept beside it so that only the app that started the flow can finish it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class OAuthCode(Base):
    __tablename__ = "oauth_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: hex sha256 of the code
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_applications.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    redirect_uri: Mapped[str] = mapped_column(Text, default="")
    #: the scopes the member consented to, space-separated
    scope: Mapped[str] = mapped_column(String(1000), default="")
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
