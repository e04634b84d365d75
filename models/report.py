"""Reports: a member's (or another server's) complaint about an account and some of its objects."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONDocument, UTCDateTime, utcnow


class ReportState(enum.StrEnum):
    open = "open"
    closed = "closed"


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_state", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    state: Mapped[ReportState] = mapped_column(
        Enum(ReportState, native_enum=False, length=8), default=ReportState.open
    )
    #: the member who reported; None for a report received from another server
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    #: host[:port] of the server that sent the Flag; None for our members' reports
    origin: Mapped[str | None] = mapped_column(String(300))
    #: the actor that sent the Flag (usually that server's instance actor)
    flag_actor: Mapped[str | None] = mapped_column(String(2000))
    #: id of the received Flag: a second delivery of it is not a second report
    flag_uri: Mapped[str | None] = mapped_column(String(2000), unique=True)
    #: the reported account: one of our actors, or a remote actor's id
    account_uri: Mapped[str] = mapped_column(String(2000))
    #: the reported objects (listings, notes, messages), by id
    object_uris: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    #: the reason's category (exchange.reports.CATEGORIES): what the queue sorts by
    category: Mapped[str] = mapped_column(String(16), default="other", server_default="other")
    #: the reporter's reason
    comment: Mapped[str] = mapped_column(Text, default="")
    #: the Flag we sent to the account's server, and when
    forwarded_uri: Mapped[str | None] = mapped_column(String(2000))
    forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: what moderators did: [{"action": ..., "by": ..., "at": ...}]
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    #: the moderator's closing note
    resolution: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
