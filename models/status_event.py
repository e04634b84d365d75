"""The status journal: a status removed or edited, one row per change, for the streaming API.

Mastodon apps keep a timeline open and expect `delete` (a status gone) and `status.update`
(a status edited) events on `/api/v1/streaming`. Each streaming connection polls the database
(api/mastodon/streaming.py), so a change made by any process (a web process, the worker
storing a remote Delete or Update, the CLI) must leave a row it can read by id, as new
statuses do in `statuses`: a timestamp on the note or listing would not do, as a change
committed late with an earlier time would be skipped. The rows are written by mapper events
on `Note` and `Listing` (models/status.py) in the transaction of the change itself, so no use
case has to remember them.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class StatusEventKind(enum.StrEnum):
    #: the status is gone (deleted, hidden by a moderator, a listing no longer open)
    delete = "delete"
    #: the status was edited (a note's new text, a listing's Update)
    update = "update"


class StatusEvent(Base):
    __tablename__ = "status_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    status_id: Mapped[int] = mapped_column(
        ForeignKey("statuses.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[StatusEventKind] = mapped_column(
        Enum(StatusEventKind, native_enum=False, length=16)
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
