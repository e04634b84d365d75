"""Direct messages: which of a member's direct notes belong to which conversation.

A conversation is a member and one remote account, or a member and another member of the
city (`peer_member_id`; each of the two has a row for the note, one `inbound`). The note
itself (its content, its tombstone) stays in `notes`; a row here says it was a direct
message to or from that member, so that the conversation is one indexed read and not a
search through JSON columns.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class DirectMessage(Base):
    __tablename__ = "direct_messages"
    __table_args__ = (
        Index("ix_direct_messages_conversation", "member_id", "remote_actor_id", "id"),
        Index("uq_direct_messages_note_member", "note_id", "member_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    #: the other party: a remote account, or
    remote_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("remote_actors.id", ondelete="CASCADE")
    )
    #: a member of the city
    peer_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"))
    #: True: the other party wrote to the member; False: the member wrote to it
    inbound: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
