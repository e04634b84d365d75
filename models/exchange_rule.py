"""Exchange rules: how many units of a partner city's currency one unit of ours is worth.

For now an admin sets them locally (`comptoir rates set`); the bilateral agreement between
instance actors (Offer{ExchangeRule}) comes with the settlement issue and fills this table.
The rate is an exact integer fraction: one unit of `payer_currency` buys num/den units of
`target_currency`.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class RuleStatus(enum.StrEnum):
    proposed = "proposed"
    active = "active"
    suspended = "suspended"
    retired = "retired"


class ExchangeRule(Base):
    __tablename__ = "exchange_rules"
    __table_args__ = (
        CheckConstraint("num > 0 AND den > 0", name="rate_positive"),
        Index("ix_exchange_rules_pair", "payer_currency", "target_currency", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the currency the buyer pays in (ours, for our members)
    payer_currency: Mapped[str] = mapped_column(String(8))
    #: the currency prices are set in (the seller's city)
    target_currency: Mapped[str] = mapped_column(String(8))
    #: the partner city's instance actor id
    partner: Mapped[str] = mapped_column(String(2000))
    num: Mapped[int] = mapped_column()
    den: Mapped[int] = mapped_column()
    status: Mapped[RuleStatus] = mapped_column(Enum(RuleStatus, native_enum=False, length=16))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
