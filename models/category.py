"""Listing categories: the per-city list an admin edits. A category's slug is its hashtag."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: lower-case letters, digits and underscores: the hashtag (`#velo`) and the URL part
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    #: order in lists and forms
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: a retired category is refused for new listings; listings that have it keep it
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
