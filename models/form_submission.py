"""Forms already handled: one row per submission token a page handed out and a member used.

A page that creates something (a listing) carries a random token in a hidden field; the first
submission records here where it led, so a second one (Back and post again, a double tap)
is sent to the same place instead of creating the thing twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class FormSubmission(Base):
    __tablename__ = "form_submissions"

    #: the token the form carried (random, made when the page was drawn)
    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    #: the local path the first submission led to (the new listing's page)
    result: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
