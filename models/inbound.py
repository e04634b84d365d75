"""Activities received at our inboxes: stored raw and deduplicated by id, then processed."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow
from .job import JobState, QueueMixin


class InboundActivity(QueueMixin, Base):
    """One received activity. The unique `uri` is what makes a replay or a second delivery a no-op.

    Rows are kept after processing (state `done`), as the record of what was received.
    """

    __tablename__ = "inbound_activities"
    DONE_STATE: ClassVar[JobState] = JobState.done

    id: Mapped[int] = mapped_column(primary_key=True)
    uri: Mapped[str] = mapped_column(String(2000), unique=True)
    type: Mapped[str] = mapped_column(String(60))
    actor: Mapped[str] = mapped_column(String(2000))
    #: the keyId that signed the request
    signed_by: Mapped[str] = mapped_column(String(2000))
    #: the body exactly as received (JSON text)
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
