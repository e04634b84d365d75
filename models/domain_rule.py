"""Federation policy entries: domains an admin allowed or blocked, by hand or through a
subscription.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class RuleKind(enum.StrEnum):
    allow = "allow"
    block = "block"


class Severity(enum.StrEnum):
    #: nothing in, nothing out; their follows, accounts and content removed
    suspend = "suspend"
    #: their content stays out of public feeds and the market
    silence = "silence"
    #: no severity, only the flags (reject_media, reject_reports)
    noop = "noop"


class DomainRule(Base):
    __tablename__ = "domain_rules"
    __table_args__ = (UniqueConstraint("domain", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: a host ("city.example", covering its subdomains) or an authority with a port
    #: ("127.0.0.1:8102")
    domain: Mapped[str] = mapped_column(String(300))
    kind: Mapped[RuleKind] = mapped_column(Enum(RuleKind, native_enum=False, length=8))
    severity: Mapped[Severity] = mapped_column(
        Enum(Severity, native_enum=False, length=16), default=Severity.suspend
    )
    reject_media: Mapped[bool] = mapped_column(default=False)
    reject_reports: Mapped[bool] = mapped_column(default=False)
    public_comment: Mapped[str] = mapped_column(Text, default="")
    private_comment: Mapped[str] = mapped_column(Text, default="")
    #: shown as "exa****.*om" wherever the list is public
    obfuscate: Mapped[bool] = mapped_column(default=False)
    #: the subscription that manages this entry; None: added by hand, never touched by a
    #: subscription
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("domain_subscriptions.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
