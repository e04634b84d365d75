"""A member's filters of statuses (Mastodon 4's filters, `/api/v2/filters`): a titled group
of keywords and statuses, the contexts it applies in, what it does, and when it ends.

A filter is its owner's alone. Its `context` names where it applies (`home`, `notifications`,
`public`, `thread`, `account`), its `action` what an app is asked to do with a matching
status: `warn` (a warning naming the filter), `hide` (left out; Comptoir also leaves it out
of the timelines of those contexts) or `blur` (Mastodon 4.4: its pictures blurred). An
expired filter (`expires_at` past) is kept and does nothing. Keywords and statuses go with
their filter (`ON DELETE CASCADE`); a filtered status's row going takes its entry too.

The action and contexts are settings, not states: no state graph. `members.status_filters`
counts a member's filters so that members with none never read these tables
(api/mastodon/filtering.py).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONDocument, UTCDateTime, utcnow


class FilterAction(enum.StrEnum):
    warn = "warn"
    hide = "hide"
    blur = "blur"


#: where a filter may apply, as Mastodon names the places a status is shown
FILTER_CONTEXTS = ("home", "notifications", "public", "thread", "account")


class StatusFilter(Base):
    __tablename__ = "status_filters"
    __table_args__ = (Index("ix_status_filters_member", "member_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    #: the contexts it applies in, among FILTER_CONTEXTS, in the order given
    context: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    action: Mapped[FilterAction] = mapped_column(
        Enum(FilterAction, native_enum=False, length=16), default=FilterAction.warn
    )
    #: None: for ever; past: kept, does nothing
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FilterKeyword(Base):
    __tablename__ = "status_filter_keywords"
    __table_args__ = (Index("ix_status_filter_keywords_filter", "filter_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filter_id: Mapped[int] = mapped_column(ForeignKey("status_filters.id", ondelete="CASCADE"))
    keyword: Mapped[str] = mapped_column(String(200))
    #: matched at word boundaries (else anywhere, as a substring)
    whole_word: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FilterStatus(Base):
    __tablename__ = "status_filter_statuses"
    #: a status once per filter; the key's first column serves the filter's list
    __table_args__ = (
        UniqueConstraint("filter_id", "status_id"),
        Index("ix_status_filter_statuses_status", "status_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    filter_id: Mapped[int] = mapped_column(ForeignKey("status_filters.id", ondelete="CASCADE"))
    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
