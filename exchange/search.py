"""Browsing the market: this city's listings and those received from followed cities.

Filters: purpose, category, city, full-text, price range. Newest first (by first
publication), a page at a time with a keyset cursor, so a page costs the same at any depth.
Full-text search uses the database's own index, made by migration 0002: FTS5 on SQLite,
a tsvector with a GIN index on PostgreSQL. Both match every word given (no stemming).

Listings from a silenced domain stay out of the feed, except for a member who follows their
author or that city's market; listings from a refused domain and listings a moderator hid
never show.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, case, or_, select, text
from sqlalchemy.orm import Session

from models import (
    OPEN_STATES,
    Direction,
    Follow,
    FollowState,
    Listing,
    Member,
    Purpose,
    RemoteActor,
    utcnow,
)

from . import rates
from .errors import DomainError

_WORD_RE = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 8
MAX_SCALE = 8


@dataclass(frozen=True)
class Verdicts:
    """What the federation policy says of each domain: `silenced` and `refused` are predicates."""

    silenced: Callable[[str], bool]
    refused: Callable[[str], bool]


@dataclass(frozen=True)
class Filters:
    purpose: Purpose | None = None
    category: str | None = None
    #: the city, as host[:port]
    city: str | None = None
    text: str = ""
    #: inclusive bounds, as decimal amounts in each listing's own currency: (whole, fraction digits)
    min_price: tuple[int, int] | None = None
    max_price: tuple[int, int] | None = None
    author_member_id: int | None = None


@dataclass
class Page:
    listings: list[Listing]
    next_cursor: str | None
    exempt_authors: set[int] = field(default_factory=set)


def words(query: str) -> list[str]:
    return [w.lower() for w in _WORD_RE.findall(query)][:MAX_WORDS]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def encode_cursor(listing: Listing) -> str:
    assert listing.listed_at is not None
    return f"{(listing.listed_at - _EPOCH) // _MICROSECOND}.{listing.id}"


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    micros, _, row = cursor.partition(".")
    if not (micros.isdigit() and row.isdigit()):
        raise DomainError("invalid_cursor", "cursor must be a value returned as next_cursor", 400)
    return _EPOCH + int(micros) * _MICROSECOND, int(row)


def _scaled_price() -> object:
    """The price rescaled to MAX_SCALE decimals, so bounds compare across currencies."""
    factor = case(*((Listing.scale == s, 10 ** (MAX_SCALE - s)) for s in range(MAX_SCALE + 1)), else_=1)
    return Listing.price * factor


def _bound(value: tuple[int, int]) -> int:
    minor, scale = value
    return minor * 10 ** (MAX_SCALE - scale)


def _followed(session: Session, viewer_uri: str) -> tuple[set[int], set[str]]:
    """Remote authors and remote cities' markets the viewer follows."""
    rows = session.execute(
        select(RemoteActor.id, RemoteActor.domain, RemoteActor.type, RemoteActor.preferred_username)
        .join(Follow, Follow.remote_actor_id == RemoteActor.id)
        .where(Follow.local_actor == viewer_uri, Follow.direction == Direction.outbound,
               Follow.state == FollowState.accepted)
    ).all()
    authors = {row.id for row in rows}
    markets = {row.domain for row in rows if row.type == "Group" and row.preferred_username == "market"}
    return authors, markets


def _kept_out(session: Session, verdicts: Verdicts, own_origin: str) -> tuple[set[str], set[str]]:
    """(silenced, refused) origins among the cities we know actors of: a short list."""
    domains: Iterable[str] = session.scalars(select(RemoteActor.domain).distinct())
    silenced, refused = set(), set()
    for domain in domains:
        if domain == own_origin:
            continue
        if verdicts.refused(domain):
            refused.add(domain)
        elif verdicts.silenced(domain):
            silenced.add(domain)
    return silenced, refused


def _text_condition(session: Session, query: str) -> object | None:
    terms = words(query)
    if not terms:
        return None
    if session.get_bind().dialect.name == "sqlite":
        match = " ".join('"' + t.replace('"', "") + '"' for t in terms)
        return Listing.id.in_(text("SELECT rowid FROM listings_fts WHERE listings_fts MATCH :match")
                              .bindparams(match=match))
    return text("listings.search @@ plainto_tsquery('simple', :terms)").bindparams(terms=" ".join(terms))


def browse(
    session: Session,
    filters: Filters,
    *,
    own_origin: str,
    verdicts: Verdicts,
    viewer: Member | None = None,
    viewer_uri: str | None = None,
    limit: int = 20,
    cursor: str | None = None,
    include_hidden: bool = False,
    now: datetime | None = None,
) -> Page:
    moment = now or utcnow()
    conditions: list[object] = [
        Listing.state.in_(OPEN_STATES),
        or_(Listing.expires_at.is_(None), Listing.expires_at > moment),
    ]
    if not include_hidden:
        conditions.append(Listing.hidden_at.is_(None))
    if filters.purpose is not None:
        conditions.append(Listing.purpose == filters.purpose)
    if filters.category:
        conditions.append(Listing.category == filters.category.strip().lower().lstrip("#"))
    if filters.city:
        conditions.append(Listing.origin == filters.city.strip().lower())
    if filters.author_member_id is not None:
        conditions.append(Listing.member_id == filters.author_member_id)
    if filters.min_price is not None:
        conditions.append(_scaled_price() >= _bound(filters.min_price))  # type: ignore[operator]
    if filters.max_price is not None:
        conditions.append(_scaled_price() <= _bound(filters.max_price))  # type: ignore[operator]
    searched = _text_condition(session, filters.text)
    if searched is not None:
        conditions.append(searched)

    silenced, refused = _kept_out(session, verdicts, own_origin)
    if refused:
        conditions.append(Listing.origin.not_in(refused))
    if silenced:
        authors, markets = _followed(session, viewer_uri) if viewer is not None and viewer_uri else (set(), set())
        exemptions: list[object] = [Listing.origin.not_in(silenced)]
        if authors:
            exemptions.append(Listing.remote_actor_id.in_(authors))
        if markets:
            exemptions.append(Listing.origin.in_(markets))
        conditions.append(or_(*exemptions))

    if cursor:
        listed_at, row = decode_cursor(cursor)
        conditions.append(or_(Listing.listed_at < listed_at,
                              and_(Listing.listed_at == listed_at, Listing.id < row)))
    query = (select(Listing).where(*conditions)  # type: ignore[arg-type]
             .order_by(Listing.listed_at.desc(), Listing.id.desc()).limit(limit + 1))
    rows = list(session.scalars(query))
    page = rows[:limit]
    return Page(page, encode_cursor(page[-1]) if len(rows) > limit else None)


# ---------------------------------------------------------------------- what pages show beside a listing


@dataclass(frozen=True)
class Author:
    #: our member's username, or None for a remote author
    username: str | None
    actor: RemoteActor | None


def authors(session: Session, rows: list[Listing]) -> dict[int, Author]:
    """Each listing's author, loaded in two queries for a whole page."""
    member_ids = {r.member_id for r in rows if r.member_id is not None}
    actor_ids = {r.remote_actor_id for r in rows if r.remote_actor_id is not None}
    names = dict(session.execute(select(Member.id, Member.username).where(Member.id.in_(member_ids))).tuples().all()) \
        if member_ids else {}
    actors = {a.id: a for a in session.scalars(select(RemoteActor).where(RemoteActor.id.in_(actor_ids)))} \
        if actor_ids else {}
    return {
        r.id: Author(names.get(r.member_id) if r.member_id is not None else None,
                     actors.get(r.remote_actor_id) if r.remote_actor_id is not None else None)
        for r in rows
    }


def quotes(session: Session, rows: list[Listing], *, payer_currency: str, payer_scale: int,
           partner: Callable[[Listing], str]) -> dict[int, rates.Quote]:
    """The converted price, for our members, of each priced listing in another currency with an active rule."""
    found: dict[int, rates.Quote] = {}
    for row in rows:
        if row.price is None or row.currency == payer_currency:
            continue
        quote = rates.quote(session, row.price, row.currency, row.scale, payer_currency, payer_scale,
                            partner=partner(row))
        if quote is not None:
            found[row.id] = quote
    return found
