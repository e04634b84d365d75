"""A member's lists of accounts they follow (Mastodon's lists), read as a timeline each.

A list belongs to one member; its accounts are remote accounts that member follows (members
of one city do not follow each other). Each `list_accounts` row names the follow that lets
the account be there, with `ON DELETE CASCADE`, as Mastodon's `list_accounts.follow_id`
does: when the follow ends (the member unfollows, the other side rejects it, the account is
gone) the database takes the account out of every list of the member, whichever process
ends it, and no code path can forget to.

`replies_policy` says which replies the list's timeline shows (Mastodon 3.3), `exclusive`
takes the list's accounts out of the member's home timeline (Mastodon 4.2). Both are
settings, not states: no state graph.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class RepliesPolicy(enum.StrEnum):
    #: replies to any account the member follows (and to the member)
    followed = "followed"
    #: replies to accounts of the list (and to the member); Mastodon's default
    list = "list"
    #: no replies but to the member
    none = "none"


class MemberList(Base):
    __tablename__ = "member_lists"
    __table_args__ = (Index("ix_member_lists_member", "member_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    replies_policy: Mapped[RepliesPolicy] = mapped_column(
        Enum(RepliesPolicy, native_enum=False, length=16), default=RepliesPolicy.list
    )
    #: the list's accounts leave the member's home timeline
    exclusive: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ListAccount(Base):
    __tablename__ = "list_accounts"
    __table_args__ = (
        UniqueConstraint("list_id", "remote_actor_id"),
        Index("ix_list_accounts_actor", "remote_actor_id"),
        Index("ix_list_accounts_follow", "follow_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("member_lists.id", ondelete="CASCADE"))
    remote_actor_id: Mapped[int] = mapped_column(ForeignKey("remote_actors.id", ondelete="CASCADE"))
    #: the member's follow of the account: ending it takes the account out of the list
    follow_id: Mapped[int] = mapped_column(ForeignKey("follows.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
