"""What the market's API modules share: the caller (if any), bodies, times, and listings as JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request

from exchange import search
from exchange.rates import Quote
from exchange.search import Author
from federation.authority import authority_of
from instance.amounts import format_amount
from instance.city import City
from models import Listing, Member, Role

from .auth import authenticated
from .errors import ApiError
from .params import field, json_body


async def viewer(request: Request) -> Member | None:
    """The caller when a token is sent (a bad token is still refused); None for anonymous reads."""
    if "authorization" not in request.headers:
        return None
    return await authenticated(request)


async def optional_body(request: Request, allowed: set[str]) -> dict[str, Any]:
    """A JSON object body that may also be empty (actions without parameters)."""
    return await json_body(request, allowed, empty=True)


def moment(body: dict[str, Any], name: str) -> datetime | None:
    """An ISO 8601 instant with its offset, e.g. 2026-12-24T18:00:00Z."""
    text = field(body, name, (str, type(None)), required=False)
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(
            400, "invalid_time", f"{name} must be a time like 2026-12-24T18:00:00Z"
        ) from None
    if value.tzinfo is None:
        raise ApiError(400, "invalid_time", f"{name} needs a time zone, like 2026-12-24T18:00:00Z")
    return value


def money(amount: int | None, currency: str, scale: int) -> dict[str, str] | None:
    return (
        None if amount is None else {"amount": format_amount(amount, scale), "currency": currency}
    )


def domain_of(listing: Listing) -> str:
    """The city a listing belongs to: the partner of an exchange rule."""
    return authority_of(listing.uri)


def author_json(city: City, author: Author) -> dict[str, Any]:
    if author.username is not None:
        return {
            "handle": f"{author.username}@{city.settings.domain}",
            "uri": city.urls.member(author.username),
            "local": True,
        }
    assert author.actor is not None
    return {"handle": author.actor.handle, "uri": author.actor.uri, "local": False}


def listing_json(
    city: City,
    listing: Listing,
    author: Author,
    quote: Quote | None,
    *,
    viewer: Member | None = None,
) -> dict[str, Any]:
    private = viewer is not None and (
        viewer.id == listing.member_id or viewer.role in (Role.admin, Role.moderator)
    )
    urls = city.urls
    return {
        "id": listing.public_id,
        "uri": listing.uri,
        "url": urls.listing(listing.public_id),
        "local": listing.is_local,
        "city": listing.origin,
        "author": author_json(city, author),
        "purpose": listing.purpose.value,
        "state": listing.state.value,
        "title": listing.title,
        "description": listing.description,
        "category": listing.category,
        "price": money(listing.price, listing.currency, listing.scale),
        "converted": None
        if quote is None
        else {
            **(money(quote.amount, quote.currency, city.settings.currency.scale) or {}),
            "rate": f"{quote.num}/{quote.den}",
        },
        "quantity": listing.quantity,
        "place": listing.place,
        "latitude": listing.latitude,
        "longitude": listing.longitude,
        "photos": [
            {
                "url": urls.media(p["file"]) if "file" in p else p["url"],
                "media_type": p["mediaType"],
                "alt": p["alt"],
            }
            for p in listing.photos
        ],
        "created_at": listing.created_at.isoformat(),
        "listed_at": listing.listed_at.isoformat() if listing.listed_at else None,
        "updated_at": listing.updated_at.isoformat() if listing.updated_at else None,
        "expires_at": listing.expires_at.isoformat() if listing.expires_at else None,
        "moderation_reason": listing.moderation_reason if private else "",
        "hidden": listing.hidden_at is not None,
    }


def listings_json(
    session: Session, city: City, rows: list[Listing], viewer: Member | None
) -> list[dict[str, Any]]:
    """A page of listings with their authors and, in another currency, the converted price."""
    currency = city.settings.currency
    found = search.authors(session, rows)
    quoted = search.quotes(session, rows, payer_currency=currency.code, domain=domain_of)
    return [
        listing_json(city, row, found[row.id], quoted.get(row.id), viewer=viewer) for row in rows
    ]


def one_listing_json(
    session: Session, city: City, listing: Listing, viewer: Member | None
) -> dict[str, Any]:
    return listings_json(session, city, [listing], viewer)[0]
