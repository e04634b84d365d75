"""What waits for a member, counted for the menu: unread notifications and, for staff, the
listings to review, the members to approve, the open reports and the organisation requests.

One read per page for a logged-in member (five counts on indexed columns; four of them
only for staff). Visitors cost nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    Listing,
    ListingState,
    Member,
    MemberStatus,
    OrganisationRequest,
    OrganisationRequestState,
    Report,
    ReportState,
)

from .notifications import unread_count


@dataclass(frozen=True)
class Pending:
    notifications: int = 0
    review: int = 0
    members: int = 0
    reports: int = 0
    organisations: int = 0


def _count(session: Session, query: object) -> int:
    return int(session.scalar(query) or 0)  # type: ignore[call-overload]


def pending_for(session: Session, member: Member) -> Pending:
    """The counts `member` sees in the menu."""
    unread = unread_count(session, member)
    if not member.is_moderator:
        return Pending(unread)
    return Pending(
        unread,
        review=_count(
            session,
            select(func.count()).select_from(Listing).where(Listing.state == ListingState.pending),
        ),
        members=_count(
            session,
            select(func.count()).select_from(Member).where(Member.status == MemberStatus.pending),
        ),
        reports=_count(
            session,
            select(func.count()).select_from(Report).where(Report.state == ReportState.open),
        ),
        organisations=_count(
            session,
            select(func.count())
            .select_from(OrganisationRequest)
            .where(OrganisationRequest.state == OrganisationRequestState.requested),
        ),
    )
