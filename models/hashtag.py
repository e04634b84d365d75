"""Hashtags of notes and listings, as Mastodon 4.3 keeps them for statuses: one `hashtags`
row per name, one `note_hashtags` row per note and hashtag, one `listing_hashtags` row per
listing and hashtag, and members' followed hashtags.

A note's hashtags are its `tag` entries of type `Hashtag` (`notes.tags`): ours are made
from the text the member typed (`instance.html.hashtags`), other servers' come with their
Note. Mapper events below keep the link rows in step with `notes.tags` in the flush that
writes them (a note posted, edited, received or revised), whichever process writes it, as
the status index is kept (models/status.py); so nothing that stores a note can forget them.

A listing's hashtags are `listings.hashtags` (ours typed in its description, another
city's its Note's `Hashtag` tags), linked the same way, from the same events, except the
one naming its category: the tag timeline finds a listing by its category already
(`listings (category, id)`), so a link for it would only find the listing twice.

The link row carries the note's (the listing's) status id too: the tag timeline pages by
status id, and the index `(hashtag_id, status_id)` lets it walk one hashtag's statuses
newest first instead of every status (exchange/tag_timeline.py).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, ForeignKey, Index, String, delete, event, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Mapper, mapped_column
from sqlalchemy.orm.attributes import get_history

from .base import Base, UTCDateTime, utcnow
from .listing import Listing
from .note import Note
from .status import Status

#: Mastodon's hashtag: letters, digits and underscores, at least one letter
NAME = re.compile(r"^(?=\w*[^\W\d_])\w{1,64}$")


def normalize(name: str) -> str | None:
    """The stored form of a hashtag (`#Café` and `café` are one): without `#`, NFKC, lower
    case, as Mastodon's HashtagNormalizer; None when it is not a hashtag name."""
    found = unicodedata.normalize("NFKC", name.strip().lstrip("#")).lower()
    return found if NAME.match(found) else None


class Hashtag(Base):
    __tablename__ = "hashtags"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: normalized (`normalize`): the key apps and URLs use
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NoteHashtag(Base):
    __tablename__ = "note_hashtags"
    #: the tag timeline: one hashtag's statuses by id, newest first
    __table_args__ = (Index("ix_note_hashtags_feed", "hashtag_id", "status_id"),)

    note_id: Mapped[int] = mapped_column(
        ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True
    )
    hashtag_id: Mapped[int] = mapped_column(
        ForeignKey("hashtags.id", ondelete="CASCADE"), primary_key=True
    )
    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"))


class ListingHashtag(Base):
    """A listing carries a hashtag besides its category (`listings.hashtags`)."""

    __tablename__ = "listing_hashtags"
    #: the tag timeline: one hashtag's listings by status id, newest first
    __table_args__ = (Index("ix_listing_hashtags_feed", "hashtag_id", "status_id"),)

    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True
    )
    hashtag_id: Mapped[int] = mapped_column(
        ForeignKey("hashtags.id", ondelete="CASCADE"), primary_key=True
    )
    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"))


class HashtagFollow(Base):
    """A member follows a hashtag (Mastodon's `/api/v1/tags/{name}/follow`): a row or none."""

    __tablename__ = "hashtag_follows"
    __table_args__ = (Index("ix_hashtag_follows_member", "member_id", "hashtag_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    hashtag_id: Mapped[int] = mapped_column(
        ForeignKey("hashtags.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def names_of(tags: list[dict[str, Any]] | None) -> list[str]:
    """The normalized hashtag names of `tag` entries, each once, in order."""
    found: list[str] = []
    for tag in tags or []:
        if isinstance(tag, dict) and tag.get("type") == "Hashtag":
            name = normalize(str(tag.get("name") or ""))
            if name is not None and name not in found:
                found.append(name)
    return found


def listing_names(hashtags: list[str] | None, category: str | None) -> list[str]:
    """The names a listing is linked to: its hashtags but its category, each once, at most
    40 (`listings.hashtags` holds normalized names already; anything else is dropped)."""
    found: list[str] = []
    for raw in hashtags or []:
        name = normalize(raw) if isinstance(raw, str) else None
        if name is not None and name != category and name not in found:
            found.append(name)
    return found[:40]


def ensure(connection: Connection, names: list[str]) -> None:
    """Make the hashtags not known yet (safe when two processes make the same one)."""
    if not names:
        return
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = insert(Hashtag).on_conflict_do_nothing(index_elements=["name"])
    connection.execute(statement, [{"name": n, "created_at": utcnow()} for n in names])


def _link(connection: Connection, note: Note) -> None:
    """The note's link rows, from its `tags`: the old ones replaced."""
    connection.execute(delete(NoteHashtag).where(NoteHashtag.note_id == note.id))
    names = names_of(note.tags)[:40]
    if not names:
        return
    ensure(connection, names)
    status = select(Status.id).where(Status.note_id == note.id).scalar_subquery()
    found = select(literal(note.id), Hashtag.id, status).where(Hashtag.name.in_(names))
    connection.execute(
        NoteHashtag.__table__.insert().from_select(  # type: ignore[attr-defined]
            ["note_id", "hashtag_id", "status_id"], found
        )
    )


@event.listens_for(Note, "after_insert")
def _link_new(_mapper: Mapper[Any], connection: Connection, note: Note) -> None:
    # after models/status.py's listener (imported first): the note's status exists
    if names_of(note.tags):
        _link(connection, note)


@event.listens_for(Note, "after_update")
def _link_changed(_mapper: Mapper[Any], connection: Connection, note: Note) -> None:
    if get_history(note, "tags").added:
        _link(connection, note)


def _link_listing(connection: Connection, listing: Listing) -> None:
    """The listing's link rows, from its `hashtags` and `category`: the old ones replaced."""
    connection.execute(delete(ListingHashtag).where(ListingHashtag.listing_id == listing.id))
    names = listing_names(listing.hashtags, listing.category)
    if not names:
        return
    ensure(connection, names)
    status = select(Status.id).where(Status.listing_id == listing.id).scalar_subquery()
    found = select(literal(listing.id), Hashtag.id, status).where(Hashtag.name.in_(names))
    connection.execute(
        ListingHashtag.__table__.insert().from_select(  # type: ignore[attr-defined]
            ["listing_id", "hashtag_id", "status_id"], found
        )
    )


@event.listens_for(Listing, "after_insert")
def _link_new_listing(_mapper: Mapper[Any], connection: Connection, listing: Listing) -> None:
    # after models/status.py's listener (imported first): the listing's status exists
    if listing_names(listing.hashtags, listing.category):
        _link_listing(connection, listing)


@event.listens_for(Listing, "after_update")
def _link_changed_listing(_mapper: Mapper[Any], connection: Connection, listing: Listing) -> None:
    if get_history(listing, "hashtags").added or get_history(listing, "category").added:
        _link_listing(connection, listing)
