"""Remote hosts we deliver to, and whether they currently answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class Host(Base):
    __tablename__ = "hosts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: host[:port]
    authority: Mapped[str] = mapped_column(String(300), unique=True)
    #: consecutive failed deliveries since the last success
    failures: Mapped[int] = mapped_column(default=0)
    first_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the latest failed delivery (kept after a success, for the admin's view)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: set when the host kept failing; deliveries to it are skipped until it answers again
    unavailable_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
