"""Settings an admin changes while the city runs (federation mode, rules, what the about page
shows).

They override or complete instance.toml without a restart: every process reads them from the
database (the federation policy within a couple of seconds).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONDocument, UTCDateTime, utcnow


class InstanceSetting(Base):
    __tablename__ = "instance_settings"

    #: e.g. "federation.mode", "about.rules", "about.domains"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONDocument)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
