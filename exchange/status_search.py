"""Local search for the Mastodon API's `/api/v2/search`: accounts by name (members, this
city's discussion spaces, known remote accounts), statuses by their words, hashtags among
the market's categories.

Plain `LIKE` on a few columns, not the market's full-text index (exchange/search.py): the
search box of an app asks for a handful of results, and notes have no full-text index.
Statuses are only those the viewer may see (`statuses._visible`), newest first, and a word
must be in the note's text, the listing's title or description, or a discussion thread's
title or text or a reply's text (threads and replies of any space: they are public pages).
`%` and `_` in the query are taken literally.
"""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from models import (
    Category,
    DiscussionPost,
    DiscussionSpace,
    DiscussionThread,
    Listing,
    Member,
    MemberStatus,
    Note,
    RemoteActor,
    SpaceState,
    Status,
)

from .statuses import Viewer, _base, _visible

#: at most this many words of a query are matched (each must be found)
MAX_WORDS = 5


def _pattern(word: str, *, prefix: bool = False) -> str:
    escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%" if prefix else f"%{escaped}%"


def accounts(
    session: Session, query: str, own_domain: str, limit: int, offset: int
) -> list[Member | DiscussionSpace | RemoteActor]:
    """Members, then this city's discussion spaces (not archived), then remote accounts we
    know, whose name starts with the query (`name`, `@name`, `name@domain`); suspended and
    deleted ones left out."""
    text = query.strip().lstrip("@").lower()
    name, _, domain = text.partition("@")
    if not name:
        return []
    found: list[Member | DiscussionSpace | RemoteActor] = []
    if not domain or domain == own_domain:
        found += session.scalars(
            select(Member)
            .where(
                Member.status == MemberStatus.active,
                or_(
                    func.lower(Member.username).like(_pattern(name, prefix=True), escape="\\"),
                    func.lower(Member.display_name).like(_pattern(name, prefix=True), escape="\\"),
                ),
            )
            .order_by(Member.username)
            .limit(offset + limit)
        )
        found += session.scalars(
            select(DiscussionSpace)
            .where(
                DiscussionSpace.state != SpaceState.archived,
                or_(
                    DiscussionSpace.slug.like(_pattern(name, prefix=True), escape="\\"),
                    func.lower(DiscussionSpace.title).like(
                        _pattern(name, prefix=True), escape="\\"
                    ),
                ),
            )
            .order_by(DiscussionSpace.slug)
            .limit(offset + limit)
        )
    remote = select(RemoteActor).where(
        RemoteActor.deleted_at.is_(None),
        RemoteActor.suspended_at.is_(None),
        func.lower(RemoteActor.preferred_username).like(_pattern(name, prefix=True), escape="\\"),
    )
    if domain:
        remote = remote.where(RemoteActor.domain == domain)
    found += session.scalars(
        remote.order_by(RemoteActor.preferred_username, RemoteActor.id).limit(offset + limit)
    )
    return found[offset : offset + limit]


def statuses(session: Session, viewer: Viewer, query: str, limit: int, offset: int) -> list[int]:
    """Ids of the statuses the viewer may see holding every word of the query."""
    words = [w for w in query.lower().split() if w][:MAX_WORDS]
    if not words:
        return []
    notes = and_(*(func.lower(Note.content).like(_pattern(w), escape="\\") for w in words))
    listings = and_(
        *(
            or_(
                func.lower(Listing.title).like(_pattern(w), escape="\\"),
                func.lower(Listing.description).like(_pattern(w), escape="\\"),
            )
            for w in words
        )
    )
    threads = and_(
        *(
            or_(
                func.lower(DiscussionThread.title).like(_pattern(w), escape="\\"),
                func.lower(DiscussionThread.content).like(_pattern(w), escape="\\"),
            )
            for w in words
        )
    )
    posts = and_(
        *(func.lower(DiscussionPost.content).like(_pattern(w), escape="\\") for w in words)
    )
    found = session.scalars(
        _base()
        .where(_visible(viewer, notes, listings, threads, posts))
        .order_by(Status.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(found)


def hashtags(session: Session, query: str, limit: int, offset: int) -> list[Category]:
    """The city's categories (each slug is a hashtag) whose slug holds the query."""
    text = query.strip().lstrip("#").lower()
    if not text:
        return []
    return list(
        session.scalars(
            select(Category)
            .where(
                Category.retired_at.is_(None),
                func.lower(Category.slug).like(_pattern(text), escape="\\"),
            )
            .order_by(Category.position, Category.slug)
            .offset(offset)
            .limit(limit)
        )
    )
