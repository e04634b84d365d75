"""Moderators' decisions on listings: approve, reject, take down, hide; each one logged.

Review before publication keeps listings `pending` until a moderator approves them; under
review after publication they are published at once and moderators take down what must go.
Every decision is a `moderation_log` row (who, what, when, why) and, for our own members'
listings, a notification with the reason. Remote listings are never ours to reject: a
moderator hides them from this city's feeds instead.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Listing, ListingState, Member, ModerationEntry, NotificationKind, utcnow

from . import listings
from .errors import DomainError, Forbidden
from .listings import MarketRules
from .moderation_log import record
from .notifications import notify


def check_moderator(member: Member | None) -> Member:
    if member is None or not member.is_moderator or not member.is_active:
        raise Forbidden("only moderators may do this")
    return member


def _log(
    session: Session, moderator: Member | None, action: str, listing: Listing, reason: str
) -> None:
    record(session, moderator, action, "listing", listing.uri, reason)


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise DomainError("reason_required", "give a reason: the author will see it", 400)
    if len(text) > 2000:
        raise DomainError("too_long", "a reason is at most 2000 characters", 400)
    return text


def _local(listing: Listing) -> None:
    if not listing.is_local:
        raise DomainError(
            "remote_listing", "a listing from another city can only be hidden here", 409
        )


def approve(
    session: Session,
    rules: MarketRules,
    moderator: Member,
    listing: Listing,
    *,
    now: datetime | None = None,
) -> None:
    check_moderator(moderator)
    _local(listing)
    if listing.state is not ListingState.pending:
        raise DomainError(
            "not_pending", f"the listing is {listing.state.value}, not waiting for review", 409
        )
    listings.publish(rules, listing, now=now)
    _log(session, moderator, "listing.approve", listing, "")
    assert listing.member_id is not None
    notify(
        session,
        listing.member_id,
        NotificationKind.listing_approved,
        code="listing_approved",
        params={"title": listing.title},
        listing_id=listing.id,
    )


def reject(
    session: Session,
    moderator: Member,
    listing: Listing,
    reason: str,
    *,
    now: datetime | None = None,
) -> None:
    check_moderator(moderator)
    _local(listing)
    why = _reason(reason)
    if listing.state is not ListingState.pending:
        raise DomainError(
            "not_pending", f"the listing is {listing.state.value}, not waiting for review", 409
        )
    listings.move(listing, ListingState.rejected, now=now)
    listing.moderation_reason = why
    _log(session, moderator, "listing.reject", listing, why)
    assert listing.member_id is not None
    notify(
        session,
        listing.member_id,
        NotificationKind.listing_rejected,
        code="listing_rejected",
        params={"title": listing.title, "reason": why},
        listing_id=listing.id,
    )


def take_down(
    session: Session,
    moderator: Member,
    listing: Listing,
    reason: str,
    *,
    now: datetime | None = None,
) -> None:
    """A published listing of ours leaves the feeds (the caller federates the Delete)."""
    check_moderator(moderator)
    _local(listing)
    why = _reason(reason)
    if not listing.is_open:
        raise DomainError(
            "not_published", f"the listing is {listing.state.value}, not published", 409
        )
    listings.move(listing, ListingState.rejected, now=now)
    listing.moderation_reason = why
    _log(session, moderator, "listing.take_down", listing, why)
    assert listing.member_id is not None
    notify(
        session,
        listing.member_id,
        NotificationKind.listing_taken_down,
        code="listing_taken_down",
        params={"title": listing.title, "reason": why},
        listing_id=listing.id,
    )


def hide(session: Session, moderator: Member, listing: Listing, reason: str) -> None:
    """Keep a remote listing out of this city's feeds; nothing federates."""
    check_moderator(moderator)
    why = _reason(reason)
    if listing.is_local:
        raise DomainError(
            "local_listing", "take down a listing of this city instead of hiding it", 409
        )
    if listing.hidden_at is not None:
        raise DomainError("already_hidden", "the listing is already hidden", 409)
    listing.hidden_at = utcnow()
    _log(session, moderator, "listing.hide", listing, why)


def unhide(session: Session, moderator: Member, listing: Listing, reason: str = "") -> None:
    check_moderator(moderator)
    if listing.hidden_at is None:
        raise DomainError("not_hidden", "the listing is not hidden", 409)
    listing.hidden_at = None
    _log(session, moderator, "listing.unhide", listing, reason.strip())


def review_queue(session: Session, *, limit: int = 100) -> list[Listing]:
    """Listings waiting for a moderator, oldest first."""
    return list(
        session.scalars(
            select(Listing)
            .where(Listing.state == ListingState.pending)
            .order_by(Listing.id)
            .limit(limit)
        )
    )


def log_for(session: Session, listing: Listing) -> list[ModerationEntry]:
    return list(
        session.scalars(
            select(ModerationEntry)
            .where(ModerationEntry.target_type == "listing", ModerationEntry.target == listing.uri)
            .order_by(ModerationEntry.id)
        )
    )
