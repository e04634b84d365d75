"""Browsing the market: this city's listings and those received from followed cities.

Filters: purpose, category, city, full-text, price range. Newest first, a page at a time
with a keyset cursor, so a page costs the same at any depth. "Newest" is the order in which
listings reached this city (their id): a remote listing when it arrived, ours when it was
written. That order is what the full-text index can stream: FTS5 walks its matches by rowid
(= listings.id), newest first, and stops at the page's end, where ordering by publication
time would first collect every match of a common word (measured: 40 ms median, 150 ms p99 at
100,000 listings against 3 ms and 13 ms; docs/BENCHMARKS.md).

Full-text search uses the database's own index, made by migration 0002: FTS5 on SQLite,
a tsvector with a GIN index on PostgreSQL. Both match every word given (no stemming).

Listings from a silenced domain stay out of the feed, except for a member who follows their
author or that city's market; listings from a refused domain and listings a moderator hid
never show.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, TextClause, case, column, or_, select, table, text
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
#: reads of one page before it ends early because of rows the policy keeps out
MAX_ROUNDS = 8


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
    """The query's words, lower-cased, accents removed (as both indexes fold them)."""
    folded = "".join(
        c for c in unicodedata.normalize("NFKD", query.lower()) if not unicodedata.combining(c)
    )
    return _WORD_RE.findall(folded)[:MAX_WORDS]


def encode_cursor(listing: Listing) -> str:
    return str(listing.id)


def decode_cursor(cursor: str) -> int:
    if not (cursor.isascii() and cursor.isdigit()):
        raise DomainError("invalid_cursor", "cursor must be a value returned as next_cursor", 400)
    return int(cursor)


def _scaled_price() -> ColumnElement[int | None]:
    """The price rescaled to MAX_SCALE decimals, so bounds compare across currencies."""
    factor = case(
        *((Listing.scale == s, 10 ** (MAX_SCALE - s)) for s in range(MAX_SCALE + 1)), else_=1
    )
    return Listing.price * factor


def _bound(value: tuple[int, int]) -> int:
    minor, scale = value
    return minor * 10 ** (MAX_SCALE - scale)


def _followed(session: Session, viewer_uri: str) -> tuple[set[int], set[str]]:
    """Remote authors and remote cities' markets the viewer follows."""
    rows = session.execute(
        select(RemoteActor.id, RemoteActor.domain, RemoteActor.type, RemoteActor.preferred_username)
        .join(Follow, Follow.remote_actor_id == RemoteActor.id)
        .where(
            Follow.local_actor == viewer_uri,
            Follow.direction == Direction.outbound,
            Follow.state == FollowState.accepted,
        )
    ).all()
    authors = {row.id for row in rows}
    markets = {
        row.domain for row in rows if row.type == "Group" and row.preferred_username == "market"
    }
    return authors, markets


class _Gate:
    """Which remote listings the viewer may see, decided per origin (memoised) as rows come in.

    The policy is applied to the rows a page reads rather than written into the query: rules
    match domains by suffix and by mode (allow-lists), which the policy module knows and SQL
    would have to copy, and silenced cities are rare, so a page almost never reads more rows
    than it shows."""

    def __init__(
        self, session: Session, verdicts: Verdicts, own_origin: str, viewer_uri: str | None
    ) -> None:
        self.session = session
        self.verdicts = verdicts
        self.own_origin = own_origin
        self.viewer_uri = viewer_uri
        self._origins: dict[str, str] = {}
        self._followed: tuple[set[int], set[str]] | None = None

    def _standing(self, origin: str) -> str:
        found = self._origins.get(origin)
        if found is None:
            if origin == self.own_origin:
                found = "ours"
            elif self.verdicts.refused(origin):
                found = "refused"
            else:
                found = "silenced" if self.verdicts.silenced(origin) else "open"
            self._origins[origin] = found
        return found

    def admits(self, listing: Listing) -> bool:
        standing = self._standing(listing.origin)
        if standing in ("ours", "open"):
            return True
        if standing == "refused" or self.viewer_uri is None:
            return False
        if self._followed is None:
            self._followed = _followed(self.session, self.viewer_uri)
        authors, markets = self._followed
        return listing.remote_actor_id in authors or listing.origin in markets


#: the FTS5 table of migration 0002, for joins (SQLite)
_FTS = table("listings_fts", column("rowid"))


def _fts_match(terms: list[str]) -> str:
    return " ".join('"' + t.replace('"', "") + '"' for t in terms)


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
    conditions: list[ColumnElement[bool] | TextClause] = [
        Listing.state.in_(OPEN_STATES),
        or_(Listing.expires_at.is_(None), Listing.expires_at > moment),
    ]
    if not include_hidden:
        conditions.append(Listing.hidden_at.is_(None))
        # a suspended account's listings are kept, and hidden
        conditions.append(
            or_(
                Listing.remote_actor_id.is_(None),
                Listing.remote_actor_id.not_in(
                    select(RemoteActor.id).where(RemoteActor.suspended_at.is_not(None))
                ),
            )
        )
    if filters.purpose is not None:
        conditions.append(Listing.purpose == filters.purpose)
    if filters.category:
        conditions.append(Listing.category == filters.category.strip().lower().lstrip("#"))
    if filters.city:
        conditions.append(Listing.origin == filters.city.strip().lower())
    if filters.author_member_id is not None:
        conditions.append(Listing.member_id == filters.author_member_id)
    if filters.min_price is not None:
        conditions.append(_scaled_price() >= _bound(filters.min_price))
    if filters.max_price is not None:
        conditions.append(_scaled_price() <= _bound(filters.max_price))
    terms = words(filters.text)
    fts = bool(terms) and session.get_bind().dialect.name == "sqlite"
    if terms and not fts:
        conditions.append(
            text("listings.search @@ plainto_tsquery('simple', :terms)").bindparams(
                terms=" ".join(terms)
            )
        )

    order: ColumnElement[int] = Listing.id.expression
    query = select(Listing)
    if fts:
        # FTS5 drives: its matches come newest first (rowid = id) and the scan stops at the
        # page's end
        query = query.join(_FTS, _FTS.c.rowid == Listing.id)
        conditions.append(text("listings_fts MATCH :match").bindparams(match=_fts_match(terms)))
        order = _FTS.c.rowid
    query = query.where(*conditions).order_by(order.desc())
    gate = _Gate(session, verdicts, own_origin, viewer_uri if viewer is not None else None)
    kept: list[Listing] = []
    position = decode_cursor(cursor) if cursor else None
    for _ in range(MAX_ROUNDS):
        window = query.where(order < position) if position is not None else query
        rows = list(session.scalars(window.limit(limit + 1)))
        kept.extend(row for row in rows if gate.admits(row))
        if len(rows) <= limit or len(kept) > limit:
            break
        position = rows[-1].id
    else:
        # many rows kept out in a row: end the page here, the next one goes on from the last
        # row read
        return Page(kept[:limit], str(position))
    page = kept[:limit]
    return Page(page, encode_cursor(page[-1]) if len(kept) > limit else None)


# ------------------------------------------------------------ what pages show beside a listing


@dataclass(frozen=True)
class Author:
    #: our member's username, or None for a remote author
    username: str | None
    actor: RemoteActor | None


def authors(session: Session, rows: list[Listing]) -> dict[int, Author]:
    """Each listing's author, loaded in two queries for a whole page."""
    member_ids = {r.member_id for r in rows if r.member_id is not None}
    actor_ids = {r.remote_actor_id for r in rows if r.remote_actor_id is not None}
    names = (
        dict(
            session.execute(
                select(Member.id, Member.username).where(Member.id.in_(member_ids))
            ).all()
        )
        if member_ids
        else {}
    )
    actors = (
        {a.id: a for a in session.scalars(select(RemoteActor).where(RemoteActor.id.in_(actor_ids)))}
        if actor_ids
        else {}
    )
    return {
        r.id: Author(
            names.get(r.member_id) if r.member_id is not None else None,
            actors.get(r.remote_actor_id) if r.remote_actor_id is not None else None,
        )
        for r in rows
    }


def quotes(
    session: Session,
    rows: list[Listing],
    *,
    payer_currency: str,
    domain: Callable[[Listing], str],
) -> dict[int, rates.Quote]:
    """The converted price, for our members, of each priced listing in another currency with
    a rule in force with its city (`domain` gives a listing's city).

    The rules in force are read once for the whole page (one per partner), in one query."""
    priced = [row for row in rows if row.price is not None and row.currency != payer_currency]
    if not priced:
        return {}
    by_domain = rates.in_force_by_domain(session)
    found: dict[int, rates.Quote] = {}
    for row in priced:
        rule = by_domain.get(domain(row))
        if rule is not None:
            assert row.price is not None
            quote = rates.quote_with(rule, row.price, row.currency, payer_currency)
            if quote is not None:
                found[row.id] = quote
    return found
