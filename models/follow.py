"""Follows between one of our actors and a remote actor, in either direction."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class Direction(enum.StrEnum):
    #: the remote actor follows our local actor
    inbound = "in"
    #: our local actor follows the remote actor
    outbound = "out"


class FollowState(enum.StrEnum):
    pending = "pending"
    accepted = "accepted"
    #: our Follow could not be delivered (refused, unreachable): re-sent by a new follow or
    #: by the admin's retry (outbox.redelivery), which make it pending again
    failed = "failed"


class Follow(Base):
    __tablename__ = "follows"
    __table_args__ = (
        UniqueConstraint("local_actor", "remote_actor_id", "direction"),
        Index("ix_follows_local", "local_actor", "direction", "state"),
        Index("ix_follows_remote", "remote_actor_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the id (URI) of our actor: a member, the market or the instance actor
    local_actor: Mapped[str] = mapped_column(String(500))
    remote_actor_id: Mapped[int] = mapped_column(ForeignKey("remote_actors.id", ondelete="CASCADE"))
    direction: Mapped[Direction] = mapped_column(Enum(Direction, native_enum=False, length=8))
    state: Mapped[FollowState] = mapped_column(Enum(FollowState, native_enum=False, length=16))
    #: id of the Follow activity: theirs for inbound, ours for outbound
    activity_uri: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
