"""Listings from other cities, as this city keeps them.

A remote listing arrives as an `InboundListing` (federation/inbound_listing.py), priced in
its city's currency (`OriginCurrency`, which that city's instance actor publishes). We keep
it when one of our actors follows its author or its city's market, once: a second copy, or
a tombstone left by an earlier Delete, changes nothing. What we keep is cut to our limits,
its HTML sanitized; a later edit (only the author's, newer than what we hold, while the
listing is open) rewrites the same fields. Functions over a session; the caller commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.authority import authority_of
from federation.inbound_listing import InboundListing
from instance.html import html_to_text, sanitize_html
from models import (
    Direction,
    Follow,
    FollowState,
    Listing,
    ListingState,
    Note,
    Purpose,
    RemoteActor,
    new_public_id,
    utcnow,
)
from models.hashtag import normalize

from . import categories, listings
from .amounts import parse_amount
from .errors import DomainError

_CATEGORY_RE = re.compile(r"/categories/([a-z0-9_]{1,40})$")
MAX_PHOTOS = 4


@dataclass(frozen=True)
class OriginCurrency:
    """The currency a remote listing is priced in: its city's code and scale."""

    code: str
    scale: int


@dataclass(frozen=True)
class RemoteListingFields:
    """What we keep of a remote listing: checked, cut to our limits, HTML sanitized."""

    purpose: Purpose
    title: str
    description: str
    category: str | None
    #: its Note's `Hashtag` tags, normalized (the category's among them, when sent)
    hashtags: list[str]
    price: int | None
    currency: str
    scale: int
    quantity: int
    place: str
    latitude: float | None
    longitude: float | None
    photos: list[dict[str, Any]]
    expires_at: datetime | None


def _category(inbound: InboundListing) -> str | None:
    conforms = inbound.conforms_to
    if conforms is not None and (match := _CATEGORY_RE.search(conforms)):
        return match.group(1)
    for tag in inbound.note.tags:
        if tag.type == "Hashtag":
            slug = tag.name.lstrip("#").lower()
            if categories.SLUG_RE.match(slug):
                return slug
    return None


def _hashtags(inbound: InboundListing) -> list[str]:
    """The names of the Note's `Hashtag` tags, normalized, each once (a name that is no
    hashtag dropped), at most as many as a listing of ours keeps."""
    found: list[str] = []
    for tag in inbound.note.tags:
        name = normalize(tag.name) if tag.type == "Hashtag" else None
        if name is not None and name not in found:
            found.append(name)
    return found[: listings.MAX_HASHTAGS]


def _photos(inbound: InboundListing) -> list[dict[str, Any]]:
    photos = []
    for item in inbound.note.attachments:
        url, media = item.url, item.media_type
        if item.type not in ("Image", "Document") or url is None or not media.startswith("image/"):
            continue
        if url.startswith(("https://", "http://")):
            photos.append({"url": url, "mediaType": media[:100], "alt": item.name[:1500]})
    return photos[:MAX_PHOTOS]


def _price(inbound: InboundListing, scale: int) -> int | None:
    if inbound.price is None:
        return None
    try:
        return parse_amount(inbound.price, scale, field="price", allow_zero=True)
    except DomainError:
        return None


def fields_of(
    inbound: InboundListing, currency: OriginCurrency, *, reject_media: bool
) -> RemoteListingFields:
    """The fields we keep of a listing; without its photos when its domain's media are refused."""
    note = inbound.note
    if inbound.purpose == "request":
        purpose = Purpose.request
    else:
        purpose = Purpose.offer if inbound.has_reciprocal else Purpose.gift
    available = inbound.available_quantity
    quantity = int(available) if available is not None and available.isdigit() else 1
    if note.plain_source is not None:
        description = note.plain_source
    else:
        description = html_to_text(sanitize_html(note.content))
    title = note.name if note.name is not None and note.name.strip() else description
    latitude, longitude = inbound.location.latitude, inbound.location.longitude
    return RemoteListingFields(
        purpose=purpose,
        title=" ".join(title.split())[: listings.MAX_TITLE] or "(untitled)",
        description=description[: listings.MAX_DESCRIPTION],
        category=_category(inbound),
        hashtags=_hashtags(inbound),
        price=None if purpose is Purpose.gift else _price(inbound, currency.scale),
        currency=currency.code,
        scale=currency.scale,
        quantity=max(1, min(quantity, listings.MAX_QUANTITY)),
        place=inbound.location.name[: listings.MAX_PLACE],
        latitude=latitude if latitude is not None and -90 <= latitude <= 90 else None,
        longitude=longitude if longitude is not None and -180 <= longitude <= 180 else None,
        photos=[] if reject_media else _photos(inbound),
        expires_at=inbound.end_time,
    )


def _write(listing: Listing, fields: RemoteListingFields) -> None:
    listing.purpose = fields.purpose
    listing.title = fields.title
    listing.description = fields.description
    listing.category = fields.category
    listing.hashtags = fields.hashtags
    listing.price = fields.price
    listing.currency = fields.currency
    listing.scale = fields.scale
    listing.quantity = fields.quantity
    listing.place = fields.place
    listing.latitude = fields.latitude
    listing.longitude = fields.longitude
    listing.photos = fields.photos
    listing.expires_at = fields.expires_at


def followed_here(session: Session, author: RemoteActor) -> bool:
    """One of our actors follows the author, or the market of the author's city."""
    market = (
        (RemoteActor.domain == author.domain)
        & (RemoteActor.preferred_username == "market")
        & (RemoteActor.type == "Group")
    )
    query = (
        select(Follow.id)
        .join(RemoteActor, RemoteActor.id == Follow.remote_actor_id)
        .where(
            Follow.direction == Direction.outbound,
            Follow.state == FollowState.accepted,
            (RemoteActor.id == author.id) | market,
        )
    )
    return session.scalar(query.limit(1)) is not None


def store(
    session: Session,
    author: RemoteActor,
    inbound: InboundListing,
    currency: OriginCurrency,
    *,
    reject_media: bool,
) -> Listing | None:
    """Keep a listing once: a tombstone (an earlier Delete) or a second copy changes nothing."""
    uri = inbound.id
    if listings.by_uri(session, uri) is not None:
        return None
    if session.scalar(select(Note.id).where(Note.uri == uri)) is not None:
        return None
    now = utcnow()
    listing = Listing(
        public_id=new_public_id(),
        uri=uri,
        remote_actor_id=author.id,
        origin=authority_of(uri),
        state=ListingState.published,
        created_at=now,
        listed_at=inbound.note.published or now,
        updated_at=inbound.note.updated,
    )
    _write(listing, fields_of(inbound, currency, reject_media=reject_media))
    session.add(listing)
    return listing


def revise(
    session: Session,
    author: RemoteActor,
    inbound: InboundListing,
    currency: OriginCurrency,
    *,
    reject_media: bool,
) -> bool:
    """Apply the author's edit of an open listing; an older edit arriving late changes nothing."""
    listing = listings.by_uri(session, inbound.id)
    if listing is None or listing.remote_actor_id != author.id or not listing.is_open:
        return False
    updated = inbound.note.updated or utcnow()
    if listing.updated_at is not None and updated <= listing.updated_at:
        return False
    _write(listing, fields_of(inbound, currency, reject_media=reject_media))
    listing.updated_at = updated
    return True
