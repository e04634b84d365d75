"""Consultations: a poll staff attach to a discussion space, and the votes cast in it.

A poll is the space's AS2 `Question` (Mastodon's shape: `oneOf` or `anyOf`, `endTime`), sent
by the space's Group. A vote is a row per chosen option: a member's (`member_id`) or another
server's resident's (`remote_actor_id`, with the id of the `Note` that carried it), so that
members' and other cities' votes are counted apart and each voter's choices are found in one
read. Options live on the poll as a JSON list of labels: they never change once the poll is
open, and a vote names one by its index.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONDocument, UTCDateTime, utcnow


class PollState(enum.StrEnum):
    """open: takes votes until `closes_at`; closed: the result is final and published. The
    graph is `exchange.polls.GRAPH`."""

    open = "open"
    closed = "closed"


class PollResults(enum.StrEnum):
    #: a voter sees the tally once they have voted (everyone sees it at the close)
    after_vote = "after_vote"
    #: nobody sees the tally before the close
    at_close = "at_close"


class Poll(Base):
    __tablename__ = "discussion_polls"
    __table_args__ = (Index("ix_discussion_polls_space", "space_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    #: the Question's id: /polls/{public_id}
    uri: Mapped[str] = mapped_column(String(2000), unique=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("discussion_spaces.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(Text)
    #: the options' labels, in their order
    options: Mapped[list[Any]] = mapped_column(JSONDocument)
    #: anyOf (several options each) rather than oneOf
    multiple: Mapped[bool] = mapped_column(Boolean, default=False)
    #: votes from other servers' residents are counted (a federated space only)
    remote_votes: Mapped[bool] = mapped_column(Boolean, default=False)
    results: Mapped[PollResults] = mapped_column(Enum(PollResults, native_enum=False, length=16))
    state: Mapped[PollState] = mapped_column(Enum(PollState, native_enum=False, length=16))
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    published: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PollVote(Base):
    """One chosen option of one voter. The unique keys make a repeated choice impossible even
    when two requests race; "one vote per voter" is the domain's check."""

    __tablename__ = "discussion_poll_votes"
    __table_args__ = (
        UniqueConstraint("poll_id", "member_id", "choice"),
        UniqueConstraint("poll_id", "remote_actor_id", "choice"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("discussion_polls.id", ondelete="CASCADE"))
    choice: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    remote_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("remote_actors.id", ondelete="CASCADE")
    )
    #: the Note that carried a remote vote (a repeat of it is ignored)
    uri: Mapped[str | None] = mapped_column(String(2000), unique=True)
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
