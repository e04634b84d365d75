"""Remote actors we know: their profile, inboxes and public key, cached from their documents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONDocument, UTCDateTime, utcnow


class RemoteActor(Base):
    __tablename__ = "remote_actors"
    __table_args__ = (Index("ix_remote_actors_domain", "domain"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uri: Mapped[str] = mapped_column(String(2000), unique=True)
    #: host[:port] of the id: what federation policy rules are matched against
    domain: Mapped[str] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(40))
    preferred_username: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(500), default="")
    #: sanitized HTML
    summary: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(2000))
    icon_url: Mapped[str | None] = mapped_column(String(2000))
    inbox: Mapped[str] = mapped_column(String(2000))
    shared_inbox: Mapped[str | None] = mapped_column(String(2000))
    outbox: Mapped[str | None] = mapped_column(String(2000))
    followers: Mapped[str | None] = mapped_column(String(2000))
    following: Mapped[str | None] = mapped_column(String(2000))
    key_id: Mapped[str] = mapped_column(String(2000), unique=True)
    public_key_pem: Mapped[str] = mapped_column(Text)
    manually_approves_followers: Mapped[bool] = mapped_column(default=False)
    #: extra facts some actors publish (a Comptoir city's currency, for instance)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: set when the actor was deleted (Delete of itself, or 410 on fetch)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: set when a moderator suspended this account locally
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def handle(self) -> str:
        return f"{self.preferred_username}@{self.domain}"

    @property
    def delivery_inbox(self) -> str:
        return self.shared_inbox or self.inbox
