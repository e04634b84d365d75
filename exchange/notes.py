"""A note of ours as anyone may read it: its web page and its ActivityPub document show the same.

Only our members' notes meant for everyone (public or unlisted; not followers-only, not
direct) are shown to an unknown reader. A deleted note is still found, so that its readers
answer 410 Gone with a tombstone rather than 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Member, Note

#: visibilities that keep a note from readers who are not among its addressees
NOT_FOR_EVERYONE = ("followers", "direct")


@dataclass(frozen=True)
class VisibleNote:
    note: Note
    #: the author's username
    author: str


def visible_note(session: Session, uri: str) -> VisibleNote | None:
    """Our note at `uri` with its author, if anyone may read it (deleted ones included)."""
    note = session.scalar(select(Note).where(Note.uri == uri, Note.member_id.is_not(None)))
    if note is None or note.visibility in NOT_FOR_EVERYONE:
        return None
    author = session.get(Member, note.member_id)
    return None if author is None else VisibleNote(note, author.username)
