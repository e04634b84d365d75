"""The versions of a note, for Mastodon's status history (models/note_edit.py).

`keep_version` is called by whoever edits a note (services.social.edit_note for ours,
exchange.remote_notes.revise for a remote author's Update) before the change, in its
transaction; `versions` reads them back, oldest first, the current one last, as Mastodon's
`GET /api/v1/statuses/{id}/history` lists them (a note never edited: its one version).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Note, NoteEdit


@dataclass(frozen=True)
class Version:
    content: str
    attachments: list[dict[str, Any]]
    created_at: datetime
    summary: str | None = None
    sensitive: bool = False


def keep_version(session: Session, note: Note) -> None:
    """The note as it is now becomes an earlier version (call before changing it)."""
    session.add(
        NoteEdit(
            note_id=note.id,
            content=note.content,
            attachments=list(note.attachments),
            summary=note.summary,
            sensitive=note.sensitive,
            created_at=note.updated or note.published,
        )
    )


def versions(session: Session, note: Note) -> list[Version]:
    earlier = session.scalars(
        select(NoteEdit).where(NoteEdit.note_id == note.id).order_by(NoteEdit.id)
    )
    found = [
        Version(e.content, list(e.attachments), e.created_at, e.summary, e.sensitive)
        for e in earlier
    ]
    now = note.updated or note.published
    return [
        *found,
        Version(note.content, list(note.attachments), now, note.summary, note.sensitive),
    ]
