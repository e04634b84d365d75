"""Discussion spaces (the town square), their threads and the replies in them.

A space is a FEP-1b12 Group actor of its own, so it carries its key pair (as members do):
other servers follow it, address replies to it and verify what it Announces. A thread is the
Group's `Page`; a reply is a `Note` with `inReplyTo`, from one of our members or from a remote
actor. Threads and replies are separate tables because a thread has what a reply has not (a
title, pinned and locked flags, its space, which a move changes) and the pages list threads
far more often than they read a whole thread.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class SpaceState(enum.StrEnum):
    """open: members post; closed: readable, no new thread or reply; archived: read-only and
    gone from the list of spaces. The graph is `exchange.discussions.GRAPH`."""

    open = "open"
    closed = "closed"
    archived = "archived"


class SpaceAudience(enum.StrEnum):
    #: only this city's members take part; remote Follows and replies are refused
    members = "members"
    #: followers from other cities (and Mastodon, Lemmy...) take part through the Group
    federated = "federated"


class DiscussionSpace(Base):
    __tablename__ = "discussion_spaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the Group's name: /discussions/{slug} and acct:{slug}@city
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    #: sanitized HTML
    description: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: past it the space refuses posts as a closed one does (None: open until staff close it)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    audience: Mapped[SpaceAudience] = mapped_column(
        Enum(SpaceAudience, native_enum=False, length=16)
    )
    state: Mapped[SpaceState] = mapped_column(Enum(SpaceState, native_enum=False, length=16))
    #: the Group actor's keys: it signs its Accepts and Announces itself
    private_key_pem: Mapped[str] = mapped_column(Text)
    public_key_pem: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DiscussionThread(Base):
    __tablename__ = "discussion_threads"
    __table_args__ = (Index("ix_discussion_threads_space", "space_id", "pinned", "last_post_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    #: the Page's id: ours (/threads/{public_id}), or the remote author's when another city's
    #: resident started it by addressing the Group; kept when a moderator moves the thread
    uri: Mapped[str] = mapped_column(String(2000), unique=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("discussion_spaces.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    remote_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("remote_actors.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(String(200))
    #: sanitized HTML
    content: Mapped[str] = mapped_column(Text, default="")
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    #: no new reply, from anyone
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    #: hidden by a moderator: gone from the pages, its id answers 404
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    published: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the order of a space's threads: the newest activity first, pinned ones above
    last_post_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DiscussionPost(Base):
    """A reply: to the thread (`parent_id` None) or to another reply (nesting)."""

    __tablename__ = "discussion_posts"
    __table_args__ = (Index("ix_discussion_posts_thread", "thread_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ours: /posts/{public_id}; a remote reply keeps its own id
    uri: Mapped[str] = mapped_column(String(2000), unique=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("discussion_threads.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("discussion_posts.id", ondelete="CASCADE")
    )
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    remote_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("remote_actors.id", ondelete="CASCADE")
    )
    #: sanitized HTML
    content: Mapped[str] = mapped_column(Text, default="")
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    published: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
