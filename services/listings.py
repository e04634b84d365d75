"""What members and moderators do to listings, with what each action federates.

Each function changes rows through exchange/ and publishes the activities that follow, in
the caller's transaction (the transactional outbox), and never commits. Nothing federates
before publication: a listing under review is known to this city only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from exchange import listings, moderation
from exchange.errors import DomainError
from exchange.listings import ListingDraft, MarketRules
from exchange.notifications import notify
from exchange.offers import close_for_listing
from exchange.photos import attach
from instance import queue
from instance.city import City
from models import Listing, ListingState, Member, NotificationKind, utcnow
from outbox.listings import federate_delete, federate_publication, federate_update
from services import negotiations as offers

#: job kind: expire one listing when its time comes (instance/market_jobs.py)
LISTING_EXPIRY = "listing.expire"


def rules_of(city: City) -> MarketRules:
    settings = city.settings
    return MarketRules(
        origin=settings.domain,
        currency=settings.currency.code,
        scale=settings.currency.scale,
        review_before=settings.moderation.listing_review == "before",
        expiry_days=settings.listings.expiry_days,
        max_expiry_days=settings.listings.max_expiry_days,
        listing_uri=city.urls.listing,
    )


def _author(session: Session, listing: Listing) -> Member:
    author = session.get(Member, listing.member_id)
    assert author is not None
    return author


def schedule_expiry(session: Session, listing: Listing) -> None:
    """A job for the moment the listing expires; the key carries the expiry, so a new one after
    an edit.
    """
    if listing.expires_at is not None and listing.is_local:
        key = f"{LISTING_EXPIRY}:{listing.public_id}:{listing.expires_at.isoformat()}"
        queue.enqueue(
            session,
            LISTING_EXPIRY,
            {"listing": listing.public_id},
            run_at=listing.expires_at,
            key=key,
        )


def _published(session: Session, city: City, listing: Listing) -> None:
    federate_publication(session, city, listing, _author(session, listing))
    schedule_expiry(session, listing)


def _ended(session: Session, city: City, listing: Listing) -> None:
    """The listing left the feeds: its Delete, and the end of the threads still open on it."""
    federate_delete(session, city, listing, _author(session, listing))
    offers.tell_closed(session, city, listing, close_for_listing(session, listing))


# ---------------------------------------------------------------------- authors


def create(
    session: Session,
    city: City,
    member: Member,
    draft: ListingDraft,
    *,
    submit: bool = True,
    photos: list[dict[str, Any]] | None = None,
) -> Listing:
    """A new listing (with already-stored photos); submitted at once unless `submit` is False."""
    listing = listings.create(session, rules_of(city), member, draft)
    if photos:
        listing.photos = attach([], photos)
    if submit:
        submit_listing(session, city, member, listing)
    return listing


def submit_listing(session: Session, city: City, member: Member, listing: Listing) -> ListingState:
    listings.own(member, listing)
    state = listings.submit(rules_of(city), listing)
    if state is ListingState.published:
        _published(session, city, listing)
    return state


def edit(
    session: Session, city: City, member: Member, listing: Listing, changes: dict[str, Any]
) -> Listing:
    if listings.edit(session, rules_of(city), member, listing, changes):
        federate_update(session, city, listing, member)
        schedule_expiry(session, listing)
    return listing


def add_photos(
    session: Session, city: City, member: Member, listing: Listing, entries: list[dict[str, Any]]
) -> None:
    listings.own(member, listing)
    if listing.state not in listings.EDITABLE:
        raise DomainError(
            "not_editable",
            f"a {listing.state.value} listing cannot be edited",
            409,
            {"state": listing.state.value},
        )
    listing.photos = attach(list(listing.photos), entries)
    if listing.is_open:
        federate_update(session, city, listing, member)


def remove_photo(session: Session, city: City, member: Member, listing: Listing, index: int) -> str:
    """Take a photo off the listing; returns its file name, to delete once the change is
    committed.
    """
    listings.own(member, listing)
    if listing.state not in listings.EDITABLE:
        raise DomainError(
            "not_editable",
            f"a {listing.state.value} listing cannot be edited",
            409,
            {"state": listing.state.value},
        )
    photos = list(listing.photos)
    if not 0 <= index < len(photos):
        raise DomainError("not_found", f"the listing has no photo {index + 1}", 404)
    removed = photos.pop(index)
    listing.photos = photos
    if listing.is_open:
        federate_update(session, city, listing, member)
    return str(removed.get("file", ""))


def withdraw(session: Session, city: City, member: Member, listing: Listing) -> None:
    if listings.withdraw(member, listing):
        _ended(session, city, listing)


# ---------------------------------------------------------------------- moderators


def approve(session: Session, city: City, moderator: Member, listing: Listing) -> None:
    moderation.approve(session, rules_of(city), moderator, listing)
    _published(session, city, listing)


def reject(session: Session, city: City, moderator: Member, listing: Listing, reason: str) -> None:
    moderation.reject(session, moderator, listing, reason)


def take_down(
    session: Session, city: City, moderator: Member, listing: Listing, reason: str
) -> None:
    moderation.take_down(session, moderator, listing, reason)
    _ended(session, city, listing)


# ---------------------------------------------------------------------- time


def expire(session: Session, city: City, listing: Listing) -> bool:
    """Expire the listing if due: it leaves the feeds, federates a Delete, its threads close."""
    if not listing.is_local or not listings.expire_due(listing, now=utcnow()):
        return False
    _ended(session, city, listing)
    assert listing.member_id is not None
    notify(
        session,
        listing.member_id,
        NotificationKind.listing_expired,
        code="listing_expired",
        params={"title": listing.title},
        listing_id=listing.id,
    )
    return True
