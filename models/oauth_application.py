"""OAuth applications: the Mastodon apps (and scripts) that residents let act for them.

Registered by anyone with `POST /api/v1/apps`, as on Mastodon. The client secret is shown
once, in that answer, and only its sha256 is kept (like tokens: 256 random bits need no
stretching), so a leaked database lets nobody pass for an app. Mastodon keeps secrets in
clear to show them again in its settings page; we have no such page, so we need not.
`comptoir users token` issues its tokens to the built-in app `comptoir-cli`, which no grant
accepts (it has no secret and no redirect URI): one token table, one lookup.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class OAuthApplication(Base):
    __tablename__ = "oauth_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    #: hex sha256 of the client secret; "" for the built-in app (no secret matches it)
    client_secret_hash: Mapped[str] = mapped_column(String(64), default="")
    name: Mapped[str] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(500))
    #: the registered redirect URIs, one per line (`urn:ietf:wg:oauth:2.0:oob` included)
    redirect_uris: Mapped[str] = mapped_column(Text, default="")
    #: the scopes the app may ask for, space-separated
    scopes: Mapped[str] = mapped_column(String(1000), default="read")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
