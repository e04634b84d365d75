"""Token buckets every process of a city shares (rate limits on PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class RateLimit(Base):
    """One bucket: what it counts (`scope`: "api_address", "login_account"...) and for whom."""

    __tablename__ = "rate_limits"
    __table_args__ = (Index("ix_rate_limits_updated_at", "updated_at"),)

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    #: tokens left after the last request counted (refilled at limit/period per second)
    tokens: Mapped[float] = mapped_column(Float)
    #: when that request was counted, in seconds since the epoch (the hosts' clocks are synced)
    updated_at: Mapped[float] = mapped_column(Float)
    #: whether the last request counted was granted a token (read back by the same UPSERT)
    granted: Mapped[bool]
