"""Shared domain lists: subscriptions to another city's published list, and the drafts they propose.

A subscription owns the rules it created (`DomainRule.subscription_id`); a refresh adds and
removes only those, so an entry an admin made by hand is never touched. With `review` on, a
refresh proposes its changes as drafts that an admin accepts or rejects.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONDocument, UTCDateTime, utcnow
from .domain_rule import RuleKind, Severity


class DomainSubscription(Base):
    __tablename__ = "domain_subscriptions"
    __table_args__ = (UniqueConstraint("url", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: where the list is published (a Comptoir city's /api/comptoir/v1/federation/allowlist)
    url: Mapped[str] = mapped_column(String(2000))
    #: whether the entries become allows or blocks here
    kind: Mapped[RuleKind] = mapped_column(Enum(RuleKind, native_enum=False, length=8))
    #: propose changes as drafts instead of applying them
    review: Mapped[bool] = mapped_column(default=True)
    every_hours: Mapped[int] = mapped_column(default=24)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: last attempt, last success, and when the next refresh is due
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    succeeded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_refresh_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: why the last attempt failed ("" when it worked)
    error: Mapped[str] = mapped_column(Text, default="")
    #: entries in the list at the last success
    count: Mapped[int] = mapped_column(default=0)
    #: what the last successful refresh changed:
    #: {"added": [...], "removed": [...], "drafted": [...]}
    last_changes: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)


class DraftAction(enum.StrEnum):
    add = "add"
    remove = "remove"


class DraftState(enum.StrEnum):
    pending = "pending"
    #: an admin said no: the same proposal is not made again while the list keeps it
    rejected = "rejected"


class DomainDraft(Base):
    __tablename__ = "domain_drafts"
    __table_args__ = (UniqueConstraint("subscription_id", "domain", "action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("domain_subscriptions.id", ondelete="CASCADE")
    )
    domain: Mapped[str] = mapped_column(String(300))
    kind: Mapped[RuleKind] = mapped_column(Enum(RuleKind, native_enum=False, length=8))
    action: Mapped[DraftAction] = mapped_column(Enum(DraftAction, native_enum=False, length=8))
    state: Mapped[DraftState] = mapped_column(
        Enum(DraftState, native_enum=False, length=8), default=DraftState.pending
    )
    severity: Mapped[Severity] = mapped_column(
        Enum(Severity, native_enum=False, length=16), default=Severity.suspend
    )
    reject_media: Mapped[bool] = mapped_column(default=False)
    reject_reports: Mapped[bool] = mapped_column(default=False)
    public_comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
