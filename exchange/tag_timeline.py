"""The tag timeline (`/api/v1/timelines/tag/{hashtag}`, the `hashtag` streams, the web's
`/tags/{tag}` page): the public notes carrying a hashtag, the listings of the market
category of that name and the listings carrying it in their description (or, another
city's, in their Note's `Hashtag` tags), newest first, paged by status id as every
timeline is (exchange/statuses.py).

Three branches, each walking its own index newest first and stopping at the page's size
(`note_hashtags (hashtag_id, status_id)`, `listings (category, id)`, `listing_hashtags
(hashtag_id, status_id)`), then merged: an `OR` of them over the status index would have
scanned every status for a rare tag. A listing is linked to its hashtags but its category
(models/hashtag.py), so one name finds it once; with `any[]` it may match by its category
and by a hashtag, and the merge is then a `UNION` (duplicates out), as the notes' branch is
`DISTINCT`. The statement is built once per shape (which filters are asked, the paging
bounds, the limit) with everything else as bound parameters, the federation policy's
silenced and refused domains as expanding lists: building SQLAlchemy expressions per
request cost more than running them (docs/ARCHITECTURE.md "Hot read paths"). The public
timeline's rules apply: public notes only, refused domains never, silenced ones only for
accounts the viewer follows, no suspended author, `local` (ours) or `remote` (the
others'); and Mastodon's `any[]`, `all[]` and `none[]` (a listing's tags are its category
and its hashtags).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    exists,
    func,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from models import (
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

from .hidden_accounts import shown_author
from .statuses import (
    MAX_LIMIT,
    Paging,
    Predicate,
    Viewer,
    followed_actors,
    listing_shown_to,
    note_shown,
)
from .timeline import kept_out


@dataclass(frozen=True)
class TagFilter:
    """The hashtag asked and Mastodon's filters: `any_` more tags any of which may match,
    `all_` tags a status must also carry, `none` tags it must not carry; `local` (this
    city's) or `remote` (the others')."""

    name: str
    any_: tuple[str, ...] = field(default=())
    all_: tuple[str, ...] = field(default=())
    none: tuple[str, ...] = field(default=())
    local: bool = False
    remote: bool = False


def tagged(
    session: Session,
    viewer: Viewer,
    paging: Paging,
    wanted: TagFilter,
    *,
    silenced: Predicate,
    refused: Predicate,
) -> list[int]:
    """The status ids of one page of the tag timeline, newest first."""
    quiet, shut = kept_out(session, silenced, refused)
    names = list(dict.fromkeys((wanted.name, *wanted.any_)))
    limit = max(1, min(paging.limit, MAX_LIMIT))
    statement = _statement(
        viewer.member is not None,
        viewer.member is not None and viewer.member.blocked_domains > 0,
        len(names) > 1,
        bool(wanted.all_),
        bool(wanted.none),
        wanted.local,
        wanted.remote,
        paging.max_id is not None,
        paging.since_id is not None,
        paging.min_id is not None,
        limit,
    )
    params: dict[str, Any] = {
        "names": names,
        "all_names": list(wanted.all_),
        "all_count": len(set(wanted.all_)),
        "none_names": list(wanted.none),
        "member_id": viewer.member.id if viewer.member is not None else 0,
        "viewer_uri": viewer.uri or "",
        "now": utcnow(),
        "shut": sorted(shut),
        "quiet": sorted(quiet),
    }
    for name in ("max_id", "since_id", "min_id"):
        if getattr(paging, name) is not None:
            params[name] = getattr(paging, name)
    ids = list(session.scalars(statement, params))
    return sorted(ids, reverse=True) if paging.min_id is not None else ids


def _kept_out(actor: Any) -> ColumnElement[bool]:
    """Not by an account of a refused domain, nor of a silenced one the viewer does not
    follow (both domain lists are expanding parameters: empty when the policy has none)."""
    hidden = select(RemoteActor.id).where(
        or_(
            RemoteActor.domain.in_(bindparam("shut", expanding=True)),
            and_(
                RemoteActor.domain.in_(bindparam("quiet", expanding=True)),
                RemoteActor.id.not_in(followed_actors(bindparam("viewer_uri", type_=String))),
            ),
        )
    )
    return or_(actor.is_(None), actor.not_in(hidden))


def _tag_ids(parameter: str) -> Select[Any]:
    return select(Hashtag.id).where(Hashtag.name.in_(bindparam(parameter, expanding=True)))


def _bounded(query: Select[Any], column: Any, max_id: bool, since_id: bool) -> Select[Any]:
    if max_id:
        query = query.where(column < bindparam("max_id", type_=Integer))
    if since_id:
        query = query.where(column > bindparam("since_id", type_=Integer))
    return query


def _ordered(query: Select[Any], column: Any, min_id: bool, limit: int) -> Select[Any]:
    if min_id:
        query = query.where(column > bindparam("min_id", type_=Integer))
        return query.order_by(column.asc()).limit(limit)
    return query.order_by(column.desc()).limit(limit)


@functools.lru_cache(maxsize=256)
def _statement(
    member: bool,
    domains: bool,
    many: bool,
    all_: bool,
    none: bool,
    local: bool,
    remote: bool,
    max_id: bool,
    since_id: bool,
    min_id: bool,
    limit: int,
) -> Select[Any]:
    """The tag timeline of one shape: the pages of its notes, of the listings of its
    category and of the listings carrying it, merged; for a member, not the accounts they
    block or mute (a mute compared with `now`), nor with `domains` (the member blocks some)
    the accounts of the domains they block."""
    link = NoteHashtag.status_id
    notes = (
        select(link.label("id"))
        .join(Note, Note.id == NoteHashtag.note_id)
        .where(
            NoteHashtag.hashtag_id.in_(_tag_ids("names")),
            note_shown(Note.visibility == "public"),
            _kept_out(Note.remote_actor_id),
        )
    )
    if many:  # a note carrying two of the tags asked is one status
        notes = notes.distinct()
    if all_:
        also = aliased(NoteHashtag)
        carried = (
            select(func.count())
            .where(also.note_id == Note.id, also.hashtag_id.in_(_tag_ids("all_names")))
            .scalar_subquery()
        )
        notes = notes.where(carried == bindparam("all_count", type_=Integer))
    if none:
        other = aliased(NoteHashtag)
        notes = notes.where(
            ~exists().where(other.note_id == Note.id, other.hashtag_id.in_(_tag_ids("none_names")))
        )
    listings = (
        select(Status.id.label("id"))
        .join(Listing, Listing.id == Status.listing_id)
        .where(
            Listing.category.in_(bindparam("names", expanding=True)),
            listing_shown_to(bindparam("member_id", type_=Integer)),
            _kept_out(Listing.remote_actor_id),
        )
    )
    carrying = (
        select(ListingHashtag.status_id.label("id"))
        .join(Listing, Listing.id == ListingHashtag.listing_id)
        .where(
            ListingHashtag.hashtag_id.in_(_tag_ids("names")),
            listing_shown_to(bindparam("member_id", type_=Integer)),
            _kept_out(Listing.remote_actor_id),
        )
    )
    if many:  # a listing carrying two of the tags asked is one status
        carrying = carrying.distinct()
    if all_:
        listings = listings.where(_listing_carries_all())
        carrying = carrying.where(_listing_carries_all())
    if none:
        listings = listings.where(_listing_carries_none())
        carrying = carrying.where(_listing_carries_none())
    if member:
        viewer_id = bindparam("member_id", type_=Integer)
        now = bindparam("now", type_=UTCDateTime())
        notes = notes.where(
            shown_author(Note.member_id, Note.remote_actor_id, viewer_id, now, domains=domains)
        )
        author = shown_author(
            Listing.member_id, Listing.remote_actor_id, viewer_id, now, domains=domains
        )
        listings, carrying = listings.where(author), carrying.where(author)
    if local:
        notes = notes.where(Note.member_id.is_not(None))
        listings = listings.where(Listing.member_id.is_not(None))
        carrying = carrying.where(Listing.member_id.is_not(None))
    if remote:
        notes = notes.where(Note.remote_actor_id.is_not(None))
        listings = listings.where(Listing.remote_actor_id.is_not(None))
        carrying = carrying.where(Listing.remote_actor_id.is_not(None))
    notes = _ordered(_bounded(notes, link, max_id, since_id), link, min_id, limit)
    listings = _ordered(_bounded(listings, Status.id, max_id, since_id), Status.id, min_id, limit)
    by_tag = ListingHashtag.status_id
    carrying = _ordered(_bounded(carrying, by_tag, max_id, since_id), by_tag, min_id, limit)
    branches = [select(q.subquery().c.id) for q in (notes, listings, carrying)]
    # with `any[]`, a listing of one tag's category carrying another is in two branches
    merged = (union(*branches) if many else union_all(*branches)).subquery()
    order = merged.c.id.asc() if min_id else merged.c.id.desc()
    return select(merged.c.id).order_by(order).limit(limit)


def _listing_carries_all() -> ColumnElement[bool]:
    """`all[]` of a listing: each tag is its category or one of its linked hashtags (never
    both: the category is not linked)."""
    also = aliased(ListingHashtag)
    linked = (
        select(func.count())
        .where(also.listing_id == Listing.id, also.hashtag_id.in_(_tag_ids("all_names")))
        .scalar_subquery()
    )
    by_category = case((Listing.category.in_(bindparam("all_names", expanding=True)), 1), else_=0)
    return linked + by_category == bindparam("all_count", type_=Integer)


def _listing_carries_none() -> ColumnElement[bool]:
    """`none[]` of a listing: neither its category nor a linked hashtag is one of them."""
    other = aliased(ListingHashtag)
    return and_(
        or_(
            Listing.category.is_(None),
            Listing.category.not_in(bindparam("none_names", expanding=True)),
        ),
        ~exists().where(
            other.listing_id == Listing.id, other.hashtag_id.in_(_tag_ids("none_names"))
        ),
    )
