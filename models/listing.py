"""Listings: what members offer, want or give away, ours and those received from other cities.

One table for both. Ours have `member_id` and federate; remote ones have `remote_actor_id`
and the `origin` city they came from, with that city's currency. Amounts are integers of
10^-scale units of `currency`. Full-text search objects (FTS5 on SQLite, a generated
tsvector on PostgreSQL) are made by the hand-written migration 0002, not by this model.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Enum, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONDocument, UTCDateTime, utcnow


class Purpose(enum.StrEnum):
    #: I give this, for a price or for proposals
    offer = "offer"
    #: I want this
    request = "request"
    #: I give this away: nothing is asked in return
    gift = "gift"


class ListingState(enum.StrEnum):
    draft = "draft"
    #: waiting for a moderator (review before publication)
    pending = "pending"
    published = "published"
    #: an agreement holds part of the quantity; the rest is still on offer
    reserved = "reserved"
    #: nothing left: every unit is held by agreements
    closed = "closed"
    expired = "expired"
    withdrawn = "withdrawn"
    #: refused before publication, or taken down after it, by a moderator
    rejected = "rejected"


#: states in which a listing is in the feeds and takes offers
OPEN_STATES = (ListingState.published, ListingState.reserved)


class Listing(Base):
    __tablename__ = "listings"
    __table_args__ = (
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("price IS NULL OR price >= 0", name="price_not_negative"),
        # feeds are newest first by id (the full-text index streams in that order; see
        # exchange/search.py)
        Index("ix_listings_feed", "state", "id"),
        Index("ix_listings_origin_feed", "origin", "category", "id"),
        Index("ix_listings_category_feed", "category", "id"),
        Index("ix_listings_author", "member_id", "id"),
        Index("ix_listings_remote_author", "remote_actor_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the local id in our URLs (pages, API), for remote listings too
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    #: the ActivityPub id: ours is {base}/listings/{public_id}
    uri: Mapped[str] = mapped_column(String(2000), unique=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    remote_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("remote_actors.id", ondelete="CASCADE")
    )
    #: host[:port] of the city the listing belongs to (ours for local listings)
    origin: Mapped[str] = mapped_column(String(300))
    purpose: Mapped[Purpose] = mapped_column(Enum(Purpose, native_enum=False, length=16))
    title: Mapped[str] = mapped_column(String(200))
    #: plain text as the author typed it
    description: Mapped[str] = mapped_column(Text, default="")
    #: the language title and description are written in, as the author wrote them (their
    #: page language); None for listings older than this column: the city's language
    language: Mapped[str | None] = mapped_column(String(8))
    #: the category slug (a hashtag); remote listings keep their city's slug
    category: Mapped[str | None] = mapped_column(String(40))
    #: its hashtags (normalized names, each once, at most 40): ours typed in the
    #: description, another city's its Note's `Hashtag` tags (which may name the category
    #: too); the tag timeline's links follow them (models/hashtag.py)
    hashtags: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    #: per unit, in minor units of `currency`; None: open to proposals (and gifts)
    price: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(8))
    #: decimal places of `currency`
    scale: Mapped[int] = mapped_column(default=2)
    #: units still available; agreements take from it
    quantity: Mapped[int] = mapped_column(default=1)
    place: Mapped[str] = mapped_column(String(200), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    #: up to 4 images: {"file" (ours) or "url" (theirs), "mediaType", "alt", "width", "height"}
    photos: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    state: Mapped[ListingState] = mapped_column(Enum(ListingState, native_enum=False, length=16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: first publication (shown; the feed's order is the id: the order listings reached this city)
    listed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: last edit made after publication (the Update's `updated`)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when the listing left the feeds (closed, expired, withdrawn, taken down)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: a moderator's reason for a rejection or take-down, shown to the author
    moderation_reason: Mapped[str] = mapped_column(Text, default="")
    #: a remote listing hidden here by a local moderator
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_local(self) -> bool:
        return self.member_id is not None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES
