"""A member's featured hashtags (Mastodon's featured tags, models/featured_tag.py): featuring
one, taking it back, the member's list with what each counts, and the hashtags they use
most that they do not feature yet (the suggestions apps offer).

What a featured hashtag counts is the member's public statuses carrying it: public notes
not deleted nor hidden, open listings carrying it or of its category (the tag timeline's
statuses, exchange/tag_timeline.py); `last_status_at` is the latest of them. Read when
shown, never stored: nothing to keep in step when a note is deleted or edited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Select, bindparam, func, select, union_all
from sqlalchemy.orm import Session

from models import (
    OPEN_STATES,
    FeaturedTag,
    Hashtag,
    Listing,
    ListingHashtag,
    Note,
    NoteHashtag,
    Status,
)
from models.hashtag import normalize

from .errors import DomainError, NotFound
from .hashtags import get_or_make

#: Mastodon's limit of featured hashtags per account
MAX_FEATURED = 10
#: hashtags offered to feature (Mastodon offers ten)
SUGGESTED = 10


@dataclass(frozen=True)
class Featured:
    """A featured hashtag with the member's public statuses carrying it."""

    id: int
    name: str
    statuses_count: int
    last_status_at: datetime | None


def _statuses_of(member_id: Any) -> Select[Any]:
    """(name, at) of each of the member's public statuses carrying a hashtag."""
    notes = (
        select(Hashtag.name.label("name"), Status.created_at.label("at"))
        .select_from(NoteHashtag)
        .join(Hashtag, Hashtag.id == NoteHashtag.hashtag_id)
        .join(Status, Status.id == NoteHashtag.status_id)
        .join(Note, Note.id == NoteHashtag.note_id)
        .where(
            Note.member_id == member_id,
            Note.visibility == "public",
            Note.deleted_at.is_(None),
            Note.hidden_at.is_(None),
        )
    )
    open_listing = (
        Listing.member_id == member_id,
        Listing.state.in_(OPEN_STATES),
        Listing.hidden_at.is_(None),
    )
    carrying = (
        select(Hashtag.name, Listing.listed_at)
        .select_from(ListingHashtag)
        .join(Hashtag, Hashtag.id == ListingHashtag.hashtag_id)
        .join(Listing, Listing.id == ListingHashtag.listing_id)
        .where(*open_listing)
    )
    category = select(Listing.category, Listing.listed_at).where(
        Listing.category.is_not(None), *open_listing
    )
    return union_all(notes, carrying, category).subquery().select()


_MEMBER = bindparam("member_id", type_=Integer)
_USED = _statuses_of(_MEMBER).subquery()
#: (name, statuses, latest) of each hashtag the member's public statuses carry
_COUNTS = select(_USED.c.name, func.count(), func.max(_USED.c.at)).group_by(_USED.c.name)
_FEATURED = (
    select(FeaturedTag.id, Hashtag.name)
    .join(Hashtag, Hashtag.id == FeaturedTag.hashtag_id)
    .where(FeaturedTag.member_id == _MEMBER)
)


def _counts(session: Session, member_id: int) -> dict[str, tuple[int, datetime | None]]:
    return {
        name: (count, latest)
        for name, count, latest in session.execute(_COUNTS, {"member_id": member_id})
        if name is not None
    }


def featured(session: Session, member_id: int) -> list[Featured]:
    """The member's featured hashtags, the most used first (as Mastodon orders them), then
    by name."""
    rows = session.execute(_FEATURED, {"member_id": member_id}).all()
    if not rows:
        return []
    counts = _counts(session, member_id)
    found = [Featured(i, name, *counts.get(name, (0, None))) for i, name in rows]
    return sorted(found, key=lambda f: (-f.statuses_count, f.name))


def feature(session: Session, member_id: int, raw: str | None) -> Featured:
    """Feature a hashtag (`name`, with or without `#`): 422 for a blank or invalid name,
    one featured already, or an eleventh, with Mastodon's messages."""
    text = (raw or "").strip()
    if not text.lstrip("#"):
        raise DomainError("invalid_name", "Validation failed: Name can't be blank", 422)
    name = normalize(text)
    if name is None:
        raise DomainError("invalid_name", "Validation failed: Name is invalid", 422)
    current = {n for _, n in session.execute(_FEATURED, {"member_id": member_id})}
    if name in current:
        raise DomainError("duplicate", "Validation failed: Name has already been taken", 422)
    if len(current) >= MAX_FEATURED:
        raise DomainError(
            "limit",
            "Validation failed: You have already featured the maximum number of hashtags",
            422,
        )
    hashtag = get_or_make(session, name)
    row = FeaturedTag(member_id=member_id, hashtag_id=hashtag.id)
    session.add(row)
    session.flush()
    return Featured(row.id, name, *_counts(session, member_id).get(name, (0, None)))


def unfeature(session: Session, member_id: int, featured_id: int) -> None:
    """No longer feature it; another member's or an unknown id: 404."""
    row = session.get(FeaturedTag, featured_id)
    if row is None or row.member_id != member_id:
        raise NotFound("record")
    session.delete(row)
    session.flush()


def suggestions(session: Session, member_id: int) -> list[str]:
    """The hashtags the member's public statuses carry most that they do not feature, the
    most used first, then the most recently used (Mastodon offers the member's recent tags)."""
    current = {n for _, n in session.execute(_FEATURED, {"member_id": member_id})}
    counts = _counts(session, member_id)
    names = [n for n in counts if n not in current and normalize(n) == n]

    def order(name: str) -> tuple[int, float]:
        count, latest = counts[name]
        return (-count, -(latest.timestamp() if latest is not None else 0.0))

    return sorted(names, key=order)[:SUGGESTED]
