"""Listings: what a member may post, and the state graph every listing moves along.

    draft -> pending -> published -> reserved -> closed
                 \\          \\-> expired / withdrawn / rejected (taken down)
                  -> rejected / withdrawn

`GRAPH` is the whole graph; `move` is the only function that changes a listing's state (it
stamps `listed_at` and `ended_at` on the way), and it refuses every move the graph does not
hold with a DomainError (409). A reserved listing never becomes published again: no quantity
is ever given back (exchange.agreements.cancel). What federates when a listing moves is
outbox/listings.py's business: this module only changes rows, in the caller's transaction.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from instance.amounts import format_amount
from instance.html import hashtags
from models import (
    OPEN_STATES,
    Listing,
    ListingState,
    Member,
    MemberStatus,
    Purpose,
    RemoteActor,
    new_public_id,
    utcnow,
)

from .amounts import parse_amount
from .categories import usable_category
from .errors import DomainError, Forbidden, NotFound
from .state_graph import StateGraph

S = ListingState
GRAPH = StateGraph(
    "listing",
    ListingState,
    {
        S.draft: {S.pending, S.published, S.withdrawn},
        S.pending: {S.published, S.rejected, S.withdrawn},
        S.published: {S.reserved, S.closed, S.expired, S.withdrawn, S.rejected},
        S.reserved: {S.closed, S.expired, S.withdrawn, S.rejected},
        S.closed: set(),
        S.expired: set(),
        S.withdrawn: set(),
        S.rejected: set(),
    },
)
#: states that end a listing: it leaves the feeds and its URL answers 410 if it was ever published
ENDED = frozenset({S.closed, S.expired, S.withdrawn, S.rejected})
EDITABLE = frozenset({S.draft, S.pending, S.published, S.reserved})

MAX_TITLE = 200
MAX_DESCRIPTION = 10_000
MAX_PLACE = 200
MAX_QUANTITY = 10_000
#: hashtags kept of a listing (as of a note: models/hashtag.py)
MAX_HASHTAGS = 40
#: a price a city exchange can mean: a typo of a few extra zeros is refused, not listed
MAX_PRICE_UNITS = 1_000_000
#: a listing posted again this soon, word for word, is the first one posted again
TWIN_WINDOW = timedelta(minutes=10)
_SPACE_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class MarketRules:
    """What the domain needs to know about this city (built from Settings by the callers)."""

    origin: str
    currency: str
    scale: int
    review_before: bool
    expiry_days: int
    max_expiry_days: int
    #: the ActivityPub id of a listing of ours, from its public id (instance.urls)
    listing_uri: Callable[[str], str]


@dataclass(frozen=True)
class ListingDraft:
    """A listing as a member writes it; `price` is a decimal string, None = open to proposals."""

    purpose: str
    title: str
    description: str = ""
    category: str | None = None
    price: str | None = None
    quantity: int = 1
    place: str = ""
    latitude: float | None = None
    longitude: float | None = None
    expires_at: datetime | None = None
    #: the language title and description are written in (the author's page language);
    #: None: the author's chosen language, else the city's (outbox.listings.listing_language)
    language: str | None = None


def move(listing: Listing, to: ListingState, *, now: datetime | None = None) -> None:
    """Apply one transition of the graph, or refuse it."""
    GRAPH.move(listing, to)
    moment = now or utcnow()
    if to in (S.published, S.reserved) and listing.listed_at is None:
        listing.listed_at = moment
    if to in ENDED:
        listing.ended_at = moment


# ---------------------------------------------------------------------- checking what members write


def parse_price(text: str | None, scale: int) -> int | None:
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    if not isinstance(text, str):
        raise DomainError(
            "invalid_price", 'price must be a decimal string like "12.50", or null', 400
        )
    if text.strip().startswith("-"):
        raise DomainError(
            "negative_price", f"price must not be negative (got {text.strip()!r})", 400
        )
    price = parse_amount(text, scale, field="price", allow_zero=True)
    if price > MAX_PRICE_UNITS * 10**scale:
        raise DomainError(
            "price_too_large",
            f"price is at most {MAX_PRICE_UNITS:,} per unit (got {text.strip()!r})",
            400,
        )
    return price


def _text(value: Any, name: str, limit: int, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise DomainError("invalid_field", f"{name} must be text", 400)
    value = value.strip()
    if required and not value:
        raise DomainError("missing_field", f"{name} is required", 400, {"field": name})
    if len(value) > limit:
        raise DomainError(
            "too_long",
            f"{name} is at most {limit} characters",
            400,
            {"field": name, "limit": limit},
        )
    return value


def _coordinate(value: Any, name: str, bound: float) -> float | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not -bound <= value <= bound
    ):
        raise DomainError(
            "invalid_coordinates", f"{name} must be a number between -{bound:g} and {bound:g}", 400
        )
    return float(value)


def check_draft(
    session: Session, rules: MarketRules, draft: ListingDraft, *, now: datetime
) -> dict[str, Any]:
    """The column values of a valid listing, or DomainError (400) naming the first problem."""
    try:
        purpose = Purpose(draft.purpose)
    except ValueError:
        raise DomainError(
            "invalid_purpose", "purpose must be offer, request or gift", 400
        ) from None
    title = _SPACE_RE.sub(" ", _text(draft.title, "title", MAX_TITLE, required=True))
    price = parse_price(draft.price, rules.scale)
    if purpose is Purpose.gift and price:
        raise DomainError(
            "gift_with_price", "a gift asks for nothing in return: leave the price empty", 400
        )
    quantity = draft.quantity
    if (
        isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or not 1 <= quantity <= MAX_QUANTITY
    ):
        raise DomainError(
            "invalid_quantity", f"quantity must be a whole number from 1 to {MAX_QUANTITY}", 400
        )
    latitude = _coordinate(draft.latitude, "latitude", 90)
    longitude = _coordinate(draft.longitude, "longitude", 180)
    if (latitude is None) != (longitude is None):
        raise DomainError(
            "invalid_coordinates", "give both latitude and longitude, or neither", 400
        )
    expires_at = draft.expires_at
    if expires_at is not None:
        if expires_at.tzinfo is None:
            raise DomainError("invalid_expiry", "the expiry needs a time zone", 400)
        if expires_at <= now:
            raise DomainError("invalid_expiry", "the expiry must be in the future", 400)
        if expires_at > now + timedelta(days=rules.max_expiry_days):
            raise DomainError(
                "invalid_expiry",
                f"a listing stays at most {rules.max_expiry_days} days",
                400,
                {"max_days": rules.max_expiry_days},
            )
    description = _text(draft.description, "description", MAX_DESCRIPTION)
    return {
        "purpose": purpose,
        "title": title,
        "description": description,
        # what the tag timeline finds it by, beside its category (models/hashtag.py)
        "hashtags": hashtags(description)[:MAX_HASHTAGS],
        "category": usable_category(session, draft.category),
        "price": None if purpose is Purpose.gift else price,
        "quantity": quantity,
        "place": _text(draft.place, "place", MAX_PLACE),
        "latitude": latitude,
        "longitude": longitude,
        "expires_at": expires_at,
    }


def recent_twin(
    session: Session,
    rules: MarketRules,
    member: Member,
    draft: ListingDraft,
    *,
    now: datetime | None = None,
) -> Listing | None:
    """A listing `member` posted in the last `TWIN_WINDOW` with the same words and terms as
    `draft`, still open; None if there is none (DomainError if the draft is not valid).

    Going Back to a form and posting it again sends the same words from a new drawing of the
    form (browsers fetch the page again and restore what was typed), so its submission token
    is new: this is how that second post is recognised as the first listing."""
    moment = now or utcnow()
    values = check_draft(session, rules, draft, now=moment)
    price = Listing.price.is_(None) if values["price"] is None else Listing.price == values["price"]
    return session.scalar(
        select(Listing)
        .where(
            Listing.member_id == member.id,
            Listing.created_at >= moment - TWIN_WINDOW,
            Listing.state.not_in(ENDED),
            Listing.purpose == values["purpose"],
            Listing.title == values["title"],
            Listing.description == values["description"],
            Listing.quantity == values["quantity"],
            Listing.place == values["place"],
            price,
        )
        .order_by(Listing.id.desc())
        .limit(1)
    )


def draft_of(listing: Listing) -> ListingDraft:
    """The draft that would make this listing: the base an edit's changes apply to."""
    return ListingDraft(
        purpose=listing.purpose.value,
        title=listing.title,
        description=listing.description,
        category=listing.category,
        price=None if listing.price is None else format_amount(listing.price, listing.scale),
        quantity=listing.quantity,
        place=listing.place,
        latitude=listing.latitude,
        longitude=listing.longitude,
        expires_at=listing.expires_at,
    )


# ---------------------------------------------------------------------- a member's own listings


def _active(member: Member) -> None:
    if member.status is not MemberStatus.active:
        raise DomainError("suspended", "only active members can post listings", 403)


def create(
    session: Session,
    rules: MarketRules,
    member: Member,
    draft: ListingDraft,
    *,
    now: datetime | None = None,
) -> Listing:
    """A new listing in state draft; `submit` sends it on."""
    _active(member)
    moment = now or utcnow()
    values = check_draft(session, rules, draft, now=moment)
    public_id = new_public_id()
    listing = Listing(
        public_id=public_id,
        uri=rules.listing_uri(public_id),
        member_id=member.id,
        origin=rules.origin,
        currency=rules.currency,
        scale=rules.scale,
        photos=[],
        state=S.draft,
        created_at=moment,
        language=draft.language or member.language,
        **values,
    )
    session.add(listing)
    session.flush()
    return listing


def submit(rules: MarketRules, listing: Listing, *, now: datetime | None = None) -> ListingState:
    """Draft -> pending (review before publication) or published (review after). Returns the
    new state.
    """
    moment = now or utcnow()
    if rules.review_before:
        move(listing, S.pending, now=moment)
    else:
        publish(rules, listing, now=moment)
    return listing.state


def publish(rules: MarketRules, listing: Listing, *, now: datetime | None = None) -> None:
    """Into the feeds; an expiry already past (a long review) or unset becomes the city's
    default.
    """
    moment = now or utcnow()
    move(listing, S.published, now=moment)
    if listing.expires_at is None or listing.expires_at <= moment:
        listing.expires_at = moment + timedelta(days=rules.expiry_days)


def edit(
    session: Session,
    rules: MarketRules,
    member: Member,
    listing: Listing,
    changes: dict[str, Any],
    *,
    now: datetime | None = None,
) -> bool:
    """Apply an author's changes; True when the listing is public and must federate an Update."""
    _active(member)
    own(member, listing)
    if listing.state not in EDITABLE:
        raise DomainError(
            "not_editable",
            f"a {listing.state.value} listing cannot be edited",
            409,
            {"state": listing.state.value},
        )
    unknown = set(changes) - {f.name for f in dataclasses.fields(ListingDraft)}
    if unknown:
        raise DomainError("unknown_field", f"unknown field {min(unknown)!r}", 400)
    moment = now or utcnow()
    values = check_draft(
        session, rules, dataclasses.replace(draft_of(listing), **changes), now=moment
    )
    if values["purpose"] is not listing.purpose and listing.listed_at is not None:
        raise DomainError("purpose_fixed", "the purpose of a published listing cannot change", 409)
    for name, value in values.items():
        setattr(listing, name, value)
    if listing.state in OPEN_STATES:
        if listing.expires_at is None:
            listing.expires_at = moment + timedelta(days=rules.expiry_days)
        listing.updated_at = moment
        return True
    return False


def withdraw(member: Member, listing: Listing, *, now: datetime | None = None) -> bool:
    """The author takes the listing back; True when it had federated (a Delete must follow)."""
    own(member, listing)
    move(listing, S.withdrawn, now=now)
    return listing.listed_at is not None


def own(member: Member, listing: Listing) -> None:
    if listing.member_id != member.id:
        raise Forbidden("only the author can change this listing")


def find(session: Session, public_id: str) -> Listing:
    listing = session.scalar(select(Listing).where(Listing.public_id == public_id))
    if listing is None:
        raise NotFound(f"listing {public_id!r}")
    return listing


def shown_to_all(session: Session, listing: Listing) -> bool:
    """Open, not hidden by a moderator, and not by a remote account suspended here."""
    if not listing.is_open or listing.hidden_at is not None:
        return False
    if listing.remote_actor_id is None:
        return True
    author = session.get(RemoteActor, listing.remote_actor_id)
    return author is not None and author.suspended_at is None


def by_uri(session: Session, uri: str) -> Listing | None:
    return session.scalar(select(Listing).where(Listing.uri == uri))


def take(listing: Listing, quantity: int, *, now: datetime | None = None) -> bool:
    """An agreement takes `quantity` units. True when none are left (the listing closed)."""
    if not listing.is_open:
        raise DomainError(
            "listing_not_open",
            f"the listing is {listing.state.value}",
            409,
            {"state": listing.state.value},
        )
    if quantity > listing.quantity:
        raise DomainError("not_enough_left", f"only {listing.quantity} left, {quantity} asked", 409)
    listing.quantity -= quantity
    if listing.quantity == 0:
        move(listing, S.closed, now=now)
        return True
    if listing.state is S.published:
        move(listing, S.reserved, now=now)
    return False


def expire_due(listing: Listing, *, now: datetime | None = None) -> bool:
    """Expire the listing if its time has come; True if it did (and was published, so a Delete
    follows).
    """
    moment = now or utcnow()
    if not listing.is_open or listing.expires_at is None or listing.expires_at > moment:
        return False
    move(listing, S.expired, now=moment)
    return True
