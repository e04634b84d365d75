"""API tokens: the one bearer credential of the JSON APIs, OAuth access tokens included.

One table for the tokens of `comptoir users token` (issued to the built-in app
`comptoir-cli` with every scope) and the tokens of OAuth apps (`/oauth/token`), so that one
lookup serves `/api/comptoir/v1/` and the Mastodon API alike. Only the sha256 of the access
token and of its refresh token is stored: a leaked database does not leak usable tokens, and
a token has 256 bits of entropy, so a fast hash is enough (no password stretching needed).
A token of the client_credentials grant speaks for the app alone: no member.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: None for an app's own token (client_credentials)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    #: hex sha256 of the token
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: what the member called it ("budget script"), or the app's name
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the app the token was issued to (`comptoir-cli` for the CLI's personal tokens)
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("oauth_applications.id", ondelete="CASCADE"), index=True
    )
    #: the granted scopes, space-separated (Mastodon's: read, write, follow, push, admin:...)
    scopes: Mapped[str] = mapped_column(String(1000), default="")
    #: hex sha256 of the refresh token; a refresh revokes this row and issues a new one
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: the authorization code traded for this token: a second trade of the code revokes it
    authorization_code_id: Mapped[int | None] = mapped_column(
        ForeignKey("oauth_codes.id", ondelete="SET NULL"), index=True
    )
    #: updated at most every few minutes (a write per request would cost too much)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
