"""Listings from other cities: Create, Update, Delete and the market's Announce of FEP-0837 Notes.

A Note carrying FEP-0837 fields (`purpose` and `publishes`) from a Comptoir city is stored as
a listing, with its city (`origin`) and that city's currency (read from the city's instance
actor, which publishes its `currency` facts). A plain Note, or a listing from a server that
publishes no currency, goes on to the ordinary note handlers.

We keep a listing when one of our actors follows its author, or follows that city's market
(whose Announce we then receive; the announced object is fetched from its own city, never
trusted from the Announce). Only the author may update or delete it.

`claimed_or` composes these claims with the ordinary handlers (see inbox/handlers.py): a
claim returns True when it took the activity (and recorded it done).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange import categories, listings
from exchange.amounts import parse_amount
from exchange.errors import DomainError
from federation.authority import authority_of, origin_base
from federation.authorship import authored_by, same_origin
from federation.errors import FetchError
from federation.inbound_listing import InboundListing, parse_listing
from instance.city import City
from instance.html import html_to_text, sanitize_html
from instance.worker import PermanentFailure
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

from .process import Delivery, Handler

Claim = Callable[[Delivery], Awaitable[bool]]
_CATEGORY_RE = re.compile(r"/categories/([a-z0-9_]{1,40})$")


def claimed_or(*claims: Claim, fallback: Handler) -> Handler:
    """A handler trying each claim in turn, and the ordinary handler when none takes the activity."""

    async def handle(delivery: Delivery) -> None:
        for claim in claims:
            if await claim(delivery):
                return
        await fallback(delivery)

    return handle


async def currency_of(city: City, uri: str) -> dict[str, Any] | None:
    """The currency facts (code, scale) of the city an object belongs to, from its instance actor."""
    try:
        actor = await city.fediverse.directory.actor(f"{origin_base(uri)}/actor")
    except FetchError:
        return None
    facts = actor.extra.get("currency") if isinstance(actor.extra, dict) else None
    if not isinstance(facts, dict) or not isinstance(facts.get("code"), str):
        return None
    scale = facts.get("scale")
    if isinstance(scale, bool) or not isinstance(scale, int) or not 0 <= scale <= 8:
        return None
    return {"code": facts["code"][:8], "scale": scale}


def _category(listing: InboundListing) -> str | None:
    conforms = listing.conforms_to
    if conforms is not None and (match := _CATEGORY_RE.search(conforms)):
        return match.group(1)
    for tag in listing.note.tags:
        if tag.type == "Hashtag":
            slug = tag.name.lstrip("#").lower()
            if categories.SLUG_RE.match(slug):
                return slug
    return None


def _photos(listing: InboundListing) -> list[dict[str, Any]]:
    photos = []
    for item in listing.note.attachments:
        if item.type not in ("Image", "Document"):
            continue
        url, media = item.url, item.media_type
        if url is not None and url.startswith(("https://", "http://")) and media.startswith("image/"):
            photos.append({"url": url, "mediaType": media[:100], "alt": item.name[:1500]})
    return photos[:4]


def listing_values(listing: InboundListing, currency: dict[str, Any]) -> dict[str, Any]:
    """What we keep of a remote listing Note: checked, cut to our limits, HTML sanitized."""
    scale, note = currency["scale"], listing.note
    if listing.purpose == "request":
        purpose = Purpose.request
    else:
        purpose = Purpose.offer if listing.has_reciprocal else Purpose.gift
    price = None
    if listing.price is not None:
        try:
            price = parse_amount(listing.price, scale, field="price", allow_zero=True)
        except DomainError:
            price = None
    available = listing.available_quantity
    quantity = int(available) if available is not None and available.isdigit() else 1
    if note.plain_source is not None:
        description = note.plain_source
    else:
        description = html_to_text(sanitize_html(note.content))
    title = note.name if note.name is not None and note.name.strip() else description
    place = listing.location
    latitude, longitude = place.latitude, place.longitude
    return {
        "purpose": purpose,
        "title": " ".join(title.split())[:200] or "(untitled)",
        "description": description[: listings.MAX_DESCRIPTION],
        "category": _category(listing),
        "price": None if purpose is Purpose.gift else price,
        "currency": currency["code"],
        "scale": scale,
        "quantity": max(1, min(quantity, listings.MAX_QUANTITY)),
        "place": place.name[:200],
        "latitude": latitude if latitude is not None and -90 <= latitude <= 90 else None,
        "longitude": longitude if longitude is not None and -180 <= longitude <= 180 else None,
        "photos": _photos(listing),
        "expires_at": listing.end_time,
    }


def _followed(session: Session, author: RemoteActor) -> bool:
    """One of our actors follows the author, or the market of the author's city."""
    return session.scalar(
        select(Follow.id).join(RemoteActor, RemoteActor.id == Follow.remote_actor_id).where(
            Follow.direction == Direction.outbound, Follow.state == FollowState.accepted,
            (RemoteActor.id == author.id)
            | ((RemoteActor.domain == author.domain) & (RemoteActor.preferred_username == "market")
               & (RemoteActor.type == "Group")),
        ).limit(1)
    ) is not None


def store(session: Session, city: City, author: RemoteActor, listing: InboundListing,
          currency: dict[str, Any]) -> None:
    """Keep a remote listing once; a tombstone (an earlier Delete) or a second copy changes nothing."""
    uri = listing.id
    if listings.by_uri(session, uri) is not None or session.scalar(select(Note.id).where(Note.uri == uri)):
        return
    values = listing_values(listing, currency)
    if city.fediverse.policy.current_sync(session).verdict(uri).reject_media:
        values["photos"] = []
    now = utcnow()
    session.add(Listing(public_id=new_public_id(), uri=uri, remote_actor_id=author.id, origin=authority_of(uri),
                        state=ListingState.published, created_at=now,
                        listed_at=listing.note.published or now, updated_at=listing.note.updated,
                        **values))


async def on_listing_create(delivery: Delivery) -> bool:
    listing = parse_listing(delivery.object)
    if listing is None:
        return False
    if not authored_by(delivery.object, delivery.actor_uri):
        await delivery.apply(lambda s: None)
        return True
    currency = await currency_of(delivery.city, listing.id)
    if currency is None:
        return False  # not a Comptoir city: an ordinary note
    author = await delivery.sender()

    def change(session: Session) -> None:
        if _followed(session, author):
            store(session, delivery.city, author, listing, currency)

    await delivery.apply(change)
    return True


async def on_listing_update(delivery: Delivery) -> bool:
    inbound = parse_listing(delivery.object)
    if inbound is None:
        return False
    known = await delivery.city.db.read(lambda s: listings.by_uri(s, inbound.id))
    if known is None or known.is_local:
        return False
    authored = authored_by(delivery.object, delivery.actor_uri)
    currency = await currency_of(delivery.city, inbound.id) if authored else None
    if currency is None:
        await delivery.apply(lambda s: None)
        return True
    author = await delivery.sender()

    def change(session: Session) -> None:
        listing = listings.by_uri(session, inbound.id)
        if listing is None or listing.remote_actor_id != author.id or not listing.is_open:
            return
        updated = inbound.note.updated or utcnow()
        if listing.updated_at is not None and updated <= listing.updated_at:
            return  # an older edit arriving late
        values = listing_values(inbound, currency)
        if delivery.city.fediverse.policy.current_sync(session).verdict(listing.uri).reject_media:
            values["photos"] = []
        for name, value in values.items():
            setattr(listing, name, value)
        listing.updated_at = updated

    await delivery.apply(change)
    return True


async def on_listing_delete(delivery: Delivery) -> bool:
    object_id = delivery.object_id
    if object_id is None:
        return False
    known = await delivery.city.db.read(lambda s: listings.by_uri(s, object_id))
    if known is None or known.is_local:
        return False

    def change(session: Session) -> None:
        listing = listings.by_uri(session, object_id)
        sender = session.scalar(select(RemoteActor.id).where(RemoteActor.uri == delivery.actor_uri))
        if listing is None or sender is None or listing.remote_actor_id != sender or not listing.is_open:
            return
        # Threads on it are not closed here: the seller's city tells each buyer itself (a Reject or
        # an Undo of the open offer), and an Accept may still be on its way, racing this Delete.
        listings.move(listing, ListingState.withdrawn)

    await delivery.apply(change)
    return True


async def on_listing_announce(delivery: Delivery) -> bool:
    """A followed city market announces one of its city's listings: fetch it there and keep it."""
    object_id = delivery.object_id
    if object_id is None or not same_origin(object_id, delivery.actor_uri):
        return False
    city = delivery.city

    def known(session: Session) -> tuple[bool, bool]:
        market = session.scalar(select(RemoteActor).where(RemoteActor.uri == delivery.actor_uri))
        followed = market is not None and market.type == "Group" and session.scalar(select(Follow.id).where(
            Follow.remote_actor_id == market.id, Follow.direction == Direction.outbound,
            Follow.state == FollowState.accepted).limit(1)) is not None
        return followed, listings.by_uri(session, object_id) is not None

    followed, stored = await city.db.read(known)
    if not followed:
        return False
    if stored:
        await delivery.apply(lambda s: None)
        return True
    try:
        obj = await city.fediverse.directory.fetch(object_id)
    except FetchError as exc:
        if exc.status in (404, 410):
            raise PermanentFailure(f"announced listing {object_id} is gone") from None
        raise
    listing = parse_listing(obj)
    author_uri = listing.note.attributed_to if listing is not None else None
    if listing is None or author_uri is None or not same_origin(author_uri, object_id):
        return False
    currency = await currency_of(city, object_id)
    if currency is None:
        return False
    author = await city.fediverse.directory.actor(author_uri)
    await delivery.apply(lambda s: store(s, city, author, listing, currency))
    return True
