"""How much a hashtag is used: the Tag's `history` (each of the last seven days) and the
city's trending hashtags (`/api/v1/trends/tags`), from the same uses.

A use is a public status carrying the hashtag: a public note (`note_hashtags`), an open
listing carrying it in its description or its Note's tags (`listing_hashtags`), or an open
listing of the market category of that name (a listing's category is its tag on the tag
timeline: exchange/tag_timeline.py). A note counts from its status's arrival, a listing
from its publication (`listed_at`). Never counted: deleted, hidden or followers-only notes,
listings no longer open or hidden, suspended or deleted accounts, and (`shut`, `quiet`:
expanding lists, empty when the policy has none) the accounts of refused and silenced
domains: what a city limits does not make its trends.

An account is a member (`2 × id`) or a remote actor (`2 × id + 1`), as Mastodon's account
ids here, so "how many accounts" is one `COUNT(DISTINCT)` of one integer. The statements
are built once per shape, the bounds and lists bound parameters (docs/ARCHITECTURE.md "Hot
read paths").
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    bindparam,
    func,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from models import (
    OPEN_STATES,
    Hashtag,
    Listing,
    ListingHashtag,
    Note,
    NoteHashtag,
    RemoteActor,
    Status,
    UTCDateTime,
    utcnow,
)
from models.hashtag import normalize

#: Mastodon's Tag history: one entry per day, today first
HISTORY_DAYS = 7
#: trending hashtags are ranked on the uses of these last days (the history's week)
TREND_DAYS = 7


@dataclass(frozen=True)
class Trend:
    """A trending hashtag: how many accounts used it and how often, over `TREND_DAYS`."""

    name: str
    accounts: int
    uses: int


def _account(member: Any, actor: Any) -> ColumnElement[int]:
    return func.coalesce(member * 2, actor * 2 + 1)


def _kept(actor: Any) -> ColumnElement[bool]:
    """By a member, or by a remote account neither suspended, deleted, nor of a refused or
    silenced domain."""
    left_out = select(RemoteActor.id).where(
        or_(
            RemoteActor.suspended_at.is_not(None),
            RemoteActor.deleted_at.is_not(None),
            RemoteActor.domain.in_(bindparam("shut", expanding=True)),
            RemoteActor.domain.in_(bindparam("quiet", expanding=True)),
        )
    )
    return or_(actor.is_(None), actor.not_in(left_out))


def _open_listing() -> ColumnElement[bool]:
    return Listing.state.in_(OPEN_STATES) & Listing.hidden_at.is_(None)


@functools.lru_cache(maxsize=4)
def _uses(one_name: bool) -> Select[Any]:
    """(name, account, at) of each use since `:since`; with `one_name`, of `:name` only
    (each branch then walks its name's index)."""
    since = bindparam("since", type_=UTCDateTime())
    name = bindparam("name", type_=String)
    notes = (
        select(
            Hashtag.name.label("name"),
            _account(Note.member_id, Note.remote_actor_id).label("account"),
            Status.created_at.label("at"),
        )
        .select_from(NoteHashtag)
        .join(Hashtag, Hashtag.id == NoteHashtag.hashtag_id)
        .join(Status, Status.id == NoteHashtag.status_id)
        .join(Note, Note.id == NoteHashtag.note_id)
        .where(
            Status.created_at >= since,
            Note.visibility == "public",
            Note.deleted_at.is_(None),
            Note.hidden_at.is_(None),
            _kept(Note.remote_actor_id),
        )
    )
    carrying = (
        select(
            Hashtag.name,
            _account(Listing.member_id, Listing.remote_actor_id),
            Listing.listed_at,
        )
        .select_from(ListingHashtag)
        .join(Hashtag, Hashtag.id == ListingHashtag.hashtag_id)
        .join(Listing, Listing.id == ListingHashtag.listing_id)
        .where(Listing.listed_at >= since, _open_listing(), _kept(Listing.remote_actor_id))
    )
    category = select(
        Listing.category,
        _account(Listing.member_id, Listing.remote_actor_id),
        Listing.listed_at,
    ).where(
        Listing.category.is_not(None),
        Listing.listed_at >= since,
        _open_listing(),
        _kept(Listing.remote_actor_id),
    )
    if one_name:
        notes = notes.where(Hashtag.name == name)
        carrying = carrying.where(Hashtag.name == name)
        category = category.where(Listing.category == name)
    return union_all(notes, carrying, category).subquery().select()


@functools.lru_cache(maxsize=1)
def _ranked() -> Select[Any]:
    uses = _uses(False).subquery()
    accounts = func.count(func.distinct(uses.c.account))
    return (
        select(uses.c.name, accounts, func.count(), func.max(uses.c.at))
        .group_by(uses.c.name)
        .order_by(accounts.desc(), func.count().desc(), func.max(uses.c.at).desc(), uses.c.name)
    )


def _day(moment: datetime) -> datetime:
    return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)


def history(
    session: Session,
    name: str,
    now: datetime | None = None,
    *,
    shut: list[str] | None = None,
    quiet: list[str] | None = None,
) -> list[dict[str, str]]:
    """Mastodon's `history` of a hashtag: for each of the last seven days (today first, each
    a UTC day's start as a Unix time), how many public statuses carried it and how many
    accounts wrote them; strings, as Mastodon gives them."""
    today = _day(now or utcnow())
    days = [today - timedelta(days=i) for i in range(HISTORY_DAYS)]
    uses = dict.fromkeys(days, 0)
    accounts: dict[datetime, set[int]] = {d: set() for d in days}
    params = {"since": days[-1], "name": name, "shut": shut or [], "quiet": quiet or []}
    for _, account, at in session.execute(_uses(True), params):
        day = _day(at)
        if day in uses:
            uses[day] += 1
            accounts[day].add(account)
    return [
        {"day": str(int(d.timestamp())), "uses": str(uses[d]), "accounts": str(len(accounts[d]))}
        for d in days
    ]


def trending(
    session: Session,
    *,
    shut: list[str],
    quiet: list[str],
    now: datetime | None = None,
) -> list[Trend]:
    """The hashtags of the last `TREND_DAYS`, by how many accounts used them, then how
    often, then the latest use, then by name. Every used name is ranked (a city uses a few
    hundred in a week), the caller cuts its page: a category whose slug is no hashtag name
    (`bike-repair`) is left out first, so the pages stay continuous."""
    since = _day(now or utcnow()) - timedelta(days=TREND_DAYS - 1)
    rows = session.execute(_ranked(), {"since": since, "shut": shut, "quiet": quiet})
    found = [
        Trend(name, accounts, uses)
        for name, accounts, uses, _ in rows
        if name is not None and normalize(name) == name
    ]
    return found


def known(session: Session, names: list[str]) -> dict[str, Hashtag]:
    """The hashtag rows of these names (a category nobody tagged has none)."""
    if not names:
        return {}
    return {h.name: h for h in session.scalars(select(Hashtag).where(Hashtag.name.in_(names)))}
