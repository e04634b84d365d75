"""A member's request to be recognised as an organisation (an association, a workshop, a
start-up), and the staff's answer.

The account becomes an AS2 `Organization` actor only when staff approve (issue 15): the
request keeps what the member said about it and what staff answered, so the answer can be
explained and the moderation log has a subject. One open request per member (a partial unique
index, so two requests sent at once cannot both be open).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, new_public_id, utcnow


class OrganisationKind(enum.StrEnum):
    association = "association"
    workshop = "workshop"
    startup = "startup"
    other = "other"


class OrganisationRequestState(enum.StrEnum):
    #: waiting for staff
    requested = "requested"
    #: staff recognised the account as an organisation
    approved = "approved"
    #: staff said no, with a reason; the member may ask again
    declined = "declined"
    #: the member took the request back before an answer
    withdrawn = "withdrawn"
    #: approved once, then staff made the account a person's again
    revoked = "revoked"


class OrganisationRequest(Base):
    __tablename__ = "organisation_requests"
    __table_args__ = (
        Index(
            "ix_organisation_requests_open",
            "member_id",
            unique=True,
            postgresql_where=text("state = 'requested'"),
            sqlite_where=text("state = 'requested'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    kind: Mapped[OrganisationKind] = mapped_column(
        Enum(OrganisationKind, native_enum=False, length=16)
    )
    #: the member's short presentation of the organisation (plain text)
    presentation: Mapped[str] = mapped_column(Text)
    #: an http(s) address, "" for none
    website: Mapped[str] = mapped_column(String(300), default="")
    state: Mapped[OrganisationRequestState] = mapped_column(
        Enum(OrganisationRequestState, native_enum=False, length=16),
        default=OrganisationRequestState.requested,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when staff answered (or the member withdrew, or staff revoked)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    #: staff's reason (required to decline or revoke, optional to approve)
    reason: Mapped[str] = mapped_column(Text, default="")
