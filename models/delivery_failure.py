"""Deliveries that failed for good, kept so that what caused them can say it did not arrive.

One row per (activity, inbox) given up on: a 403, a refusal by our own policy, an address
never reachable, a host dead past its retries. The member who caused the activity (an offer,
a message, a follow) reads it beside that object; the admin re-sends or discards it
(outbox.redelivery). Rows exist only for failures, so the delivery hot path never touches
this table.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class FailureReason(enum.StrEnum):
    #: the other server refused it (403, or 401 past the retries): it does not federate with us
    refused = "refused"
    #: our own federation policy refuses the other domain
    not_federated = "not_federated"
    #: the other server answered another client error (400, 404, 410, 422...)
    rejected = "rejected"
    #: no answer that counts: network errors, 5xx past the retries, a host marked unavailable
    unreachable = "unreachable"
    #: anything else (the activity vanished, a bug)
    failed = "failed"


class DeliveryFailure(Base):
    __tablename__ = "delivery_failures"
    __table_args__ = (
        Index("ix_delivery_failures_activity", "activity_uri"),
        Index("ix_delivery_failures_object", "object_uri"),
        Index("ix_delivery_failures_authority", "authority"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the failed `deliver` job (kept in `jobs` as failed until re-sent or discarded)
    job_id: Mapped[int | None] = mapped_column(unique=True)
    activity_uri: Mapped[str] = mapped_column(String(2000))
    activity_type: Mapped[str] = mapped_column(String(60))
    #: the activity's object id (an offer, a note...): what the member sees
    object_uri: Mapped[str | None] = mapped_column(String(2000))
    inbox: Mapped[str] = mapped_column(String(2000))
    #: host[:port] of the inbox
    authority: Mapped[str] = mapped_column(String(300))
    reason: Mapped[FailureReason] = mapped_column(Enum(FailureReason, native_enum=False, length=16))
    #: the last error, for the admin
    error: Mapped[str] = mapped_column(Text, default="")
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
