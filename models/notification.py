"""Notifications: what a member is told about their listings and negotiations."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONDocument, UTCDateTime, utcnow


class NotificationKind(enum.StrEnum):
    offer = "offer"
    counter_offer = "counter_offer"
    accepted = "accepted"
    rejected = "rejected"
    withdrawn = "withdrawn"
    expired = "expired"
    message = "message"
    #: the listing the negotiation was about ended before an agreement
    negotiation_closed = "negotiation_closed"
    #: the other city refused an acceptance: the agreement is cancelled
    agreement_cancelled = "agreement_cancelled"
    #: the payer paid the agreement through the ledger
    agreement_paid = "agreement_paid"
    listing_approved = "listing_approved"
    listing_rejected = "listing_rejected"
    listing_taken_down = "listing_taken_down"
    listing_expired = "listing_expired"
    #: a remote account wrote to the member directly (not about a listing or a thread)
    direct_message = "direct_message"
    #: to admins: a partner city proposed, answered, suspended or resumed an exchange rule
    partner = "partner"
    #: a remote account follows the member (accepted at once)
    follow = "follow"
    #: a remote account asks to follow the member (who approves followers by hand)
    follow_request = "follow_request"
    #: a remote account liked a note or listing of the member
    favourite = "favourite"
    #: a remote account boosted (Announce) a note or listing of the member
    reblog = "reblog"
    #: staff approved, declined or revoked the member's organisation request
    organisation = "organisation"
    #: a pledge to another city's project was paid (funded) or released (missed, cancelled)
    pledge = "pledge"
    #: a public or unlisted note names the member (exchange/mentions.py)
    mention = "mention"


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_member", "member_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(
        Enum(NotificationKind, native_enum=False, length=24)
    )
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    negotiation_id: Mapped[int | None] = mapped_column(
        ForeignKey("negotiations.id", ondelete="CASCADE")
    )
    #: who did it, when it is a remote account (a follow, a like, a direct note)
    remote_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("remote_actors.id", ondelete="CASCADE")
    )
    #: the note it is about (a direct note received, a note liked or boosted)
    note_id: Mapped[int | None] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"))
    #: what happened, as a code of instance.notification_texts ('' : only `text` says it)
    code: Mapped[str] = mapped_column(String(64), default="", server_default="")
    #: the code's parameters (names, titles, amounts in minor units)
    params: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument, default=dict)
    #: one line for people, in English (the Mastodon API shows it; pages say the code)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
