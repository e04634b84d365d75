"""A hashtag a member features on their profile (Mastodon's featured tags), and an account
a member told the suggestions to leave out for good.

Featured tags: at most ten per member, each hashtag once (exchange/featured_tags.py). Apps
show them on the profile with how many of the member's public statuses carry each; other
servers read them from the actor's `featuredTags` collection (outbox/featured_tags.py). Their
counts are read from the statuses when shown, not kept here: a deleted or edited note
changes them with nothing to update.

Dismissed suggestions (`DELETE /api/v1/suggestions/{id}`, as Mastodon's
`follow_recommendation_mutes`): a remote account or one of this city's discussion spaces,
the only accounts suggested (members of one city do not follow each other).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class FeaturedTag(Base):
    __tablename__ = "featured_tags"
    #: once per member and hashtag; the key's first column serves the member's list
    __table_args__ = (UniqueConstraint("member_id", "hashtag_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    hashtag_id: Mapped[int] = mapped_column(
        ForeignKey("hashtags.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SuggestionDismissal(Base):
    __tablename__ = "suggestion_dismissals"
    __table_args__ = (
        CheckConstraint("(remote_actor_id IS NULL) <> (space_id IS NULL)", name="one_account"),
        #: once per member and account (NULLs are distinct: each key holds one kind)
        UniqueConstraint("member_id", "remote_actor_id"),
        UniqueConstraint("member_id", "space_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    remote_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("remote_actors.id", ondelete="CASCADE")
    )
    space_id: Mapped[int | None] = mapped_column(
        ForeignKey("discussion_spaces.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
