"""Another city's discussion thread as this city keeps it: which Group it belongs to, and
whether that Group's moderators pinned or locked it.

The thread itself is a remote note (models/note.py, kept by inbox/group_announces.py), so the
timelines and the Mastodon API show it as any note. What only a thread has (its Group, which a
moderator's move changes, and the Group's pin and lock flags) is a row of its own here rather
than three columns on every note: few notes are threads, and the notes table is the hot one.
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class GroupThread(Base):
    __tablename__ = "group_threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the kept Page (or first Note) of the thread
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), unique=True)
    #: the Group (actor id) the thread is in now; a move to another Group of its server
    #: changes it
    group_uri: Mapped[str] = mapped_column(String(2000), index=True)
    #: the Group's moderators pinned it (`stickied`, or Lemmy's Add to `featured`)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the Group's moderators locked it (`commentsEnabled` false, or `Lock`): our members'
    #: replies are refused before they are sent
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
