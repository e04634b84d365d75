"""Web Push (RFC 8030): an app's subscription to be told of its member's notifications, and
the city's VAPID key pair (RFC 8292) that signs what we push.

One subscription per access token, as on Mastodon: an app that subscribes again replaces
its subscription, and revoking the token removes it (`token_id` cascades, and revocation
deletes it at once: exchange/oauth_tokens.py). The token itself is kept sealed (Fernet under
a key derived from the city's `secret_key`) because Mastodon's push payload carries it and we
keep only its hash elsewhere: a leaked database without instance.toml opens nothing.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONDocument, UTCDateTime, utcnow


class PushPolicy(enum.StrEnum):
    """Whose notifications are pushed (Mastodon's `policy`); a setting, not a state."""

    all = "all"
    #: only from accounts the member follows
    followed = "followed"
    #: only from accounts that follow the member
    follower = "follower"
    none = "none"


class WebPushSubscription(Base):
    __tablename__ = "web_push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="CASCADE"), unique=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    #: the push service's URL for this app on this device
    endpoint: Mapped[str] = mapped_column(Text)
    #: the device's P-256 public key (uncompressed point) and auth secret, urlsafe base64
    key_p256dh: Mapped[str] = mapped_column(String(100))
    key_auth: Mapped[str] = mapped_column(String(50))
    #: Mastodon's alert names (mention, follow, favourite...) -> pushed or not
    alerts: Mapped[dict[str, bool]] = mapped_column(JSONDocument, default=dict)
    policy: Mapped[PushPolicy] = mapped_column(
        Enum(PushPolicy, native_enum=False, length=16), default=PushPolicy.all
    )
    #: RFC 8291's aes128gcm; false: the older draft's aesgcm, which apps before it expect
    standard: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the access token, sealed (see the module's docstring); None: the payload goes without
    sealed_token: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VapidKey(Base):
    """The city's VAPID key pair: one row, made at start-up or on first use."""

    __tablename__ = "vapid_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "city" (one key pair; the name keeps two starting processes from making two)
    name: Mapped[str] = mapped_column(String(30), unique=True)
    private_key_pem: Mapped[str] = mapped_column(Text)
    #: the public key as apps are given it: urlsafe base64 of the uncompressed P-256 point
    public_key: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
