"""Background work as rows: the columns every queue table shares, and the generic job table.

A row is claimed by one worker (`FOR UPDATE SKIP LOCKED` on PostgreSQL, an immediate write
transaction on SQLite), leased until `locked_until`, and then deleted (done), rescheduled
(`run_at` in the future, with the error kept) or marked failed for good.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, Index, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from .base import Base, JSONDocument, UTCDateTime, utcnow


class JobState(enum.StrEnum):
    queued = "queued"
    running = "running"
    #: only in tables that keep finished rows (their DONE_STATE); jobs are deleted instead
    done = "done"
    failed = "failed"


class QueueMixin:
    """Columns that make a table claimable by the worker."""

    state: Mapped[JobState] = mapped_column(
        Enum(JobState, native_enum=False, length=16), default=JobState.queued
    )
    run_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (Index(f"ix_{cls.__tablename__}_due", "state", "run_at"),)  # type: ignore[attr-defined]


class Job(QueueMixin, Base):
    """Any background task: delivery, sweeps, expiry, fetches."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    #: optional identity: at most one unfinished job per key (recurring sweeps, singletons)
    key: Mapped[str | None] = mapped_column(String(300), unique=True)
    max_attempts: Mapped[int] = mapped_column(default=10)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
